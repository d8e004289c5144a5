//! The elaborated, typed IR of a spec: every name resolved, every expression typed, every
//! constructor application matched to its case, every rule's premises ordered by data flow.
//!
//! Code generation and rendering read this, never the AST.

use crate::ast::{Bracket, CmpOp, Hint, Span, UpdateOp};
use num_bigint::BigInt;
use std::collections::HashMap;

pub type TypeId = usize;
pub type RelId = usize;
pub type DefId = usize;
pub type GramId = usize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IterKind {
    Star,
    Opt,
    Plus,
    /// `^n`: a fixed number of repetitions.
    Pow,
}

impl IterKind {
    pub fn symbol(self) -> &'static str {
        match self {
            IterKind::Star => "*",
            IterKind::Opt => "?",
            IterKind::Plus => "+",
            IterKind::Pow => "^",
        }
    }
}

/// A meta-level type.
#[derive(Clone, Debug)]
pub enum Ty {
    Nat,
    Int,
    Rat,
    Bool,
    Text,
    /// A syntax type, with arguments when it is parameterised (`uN(32)`, `num_(nt)`).
    Named(TypeId, Vec<Exp>),
    Iter(Box<Ty>, IterKind),
    Tuple(Vec<Ty>),
    /// A type parameter of a definition or grammar (`syntax X`).
    Param(String),
    /// The type of something that already failed to elaborate: compatible with everything, so
    /// one error does not cascade.
    Error,
}

impl Ty {
    pub fn iter(self, k: IterKind) -> Ty {
        Ty::Iter(Box::new(self), k)
    }
    pub fn is_error(&self) -> bool {
        matches!(self, Ty::Error)
    }
}

/// One token of a mixfix notation: how a constructor or a relation is written.
#[derive(Clone, Debug, PartialEq)]
pub enum Tok {
    /// A word (`CONST`, `ELSE`, `OK`), a number (`8`) or a symbol (`->`, `|-`, `:`).
    Atom(String),
    /// The next argument.
    Slot(usize),
    /// A subscripted atom: `->_(localidx*)`.
    Sub(String, Vec<Tok>),
    /// A bracketed group: `` `{instr*} ``.
    Bracket(Bracket, Vec<Tok>),
}

/// A mixfix operator: tokens, and the types of its slots.
#[derive(Clone, Debug)]
pub struct Mixop {
    pub toks: Vec<Tok>,
    pub slots: Vec<Ty>,
    /// The name a slot has as a variable (`numtype` in `CONST numtype num_(numtype)`).
    pub slot_names: Vec<Option<String>>,
}

impl Mixop {
    /// The leading atom, which names a constructor (`CONST`), if any.
    pub fn head(&self) -> Option<&str> {
        match self.toks.first() {
            Some(Tok::Atom(a)) => Some(a),
            _ => None,
        }
    }

    /// All atoms, in order (for naming notation cases such as `->_`).
    pub fn atoms(&self) -> Vec<&str> {
        fn walk<'a>(toks: &'a [Tok], out: &mut Vec<&'a str>) {
            for t in toks {
                match t {
                    Tok::Atom(a) => out.push(a),
                    Tok::Sub(a, inner) => {
                        out.push(a);
                        walk(inner, out)
                    }
                    Tok::Bracket(_, inner) => walk(inner, out),
                    Tok::Slot(_) => {}
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.toks, &mut out);
        out
    }

    /// A readable name: the head atom, or the atoms joined.
    pub fn name(&self) -> String {
        match self.head() {
            Some(h) => h.to_string(),
            None => self.atoms().join(""),
        }
    }
}

#[derive(Clone, Debug)]
pub struct TypeDef {
    pub name: String,
    pub span: Span,
    pub hints: Vec<Hint>,
    /// Parameters (`N : nat`, `numtype : numtype`); empty for plain types.
    pub params: Vec<(String, Ty)>,
    pub body: TypeBody,
    /// For variants split into fragments (`syntax instr/control`): each fragment's name, span and
    /// the range of cases it contributes.
    pub fragments: Vec<Fragment>,
}

#[derive(Clone, Debug)]
pub struct Fragment {
    pub name: String,
    pub span: Span,
    pub hints: Vec<Hint>,
    pub cases: std::ops::Range<usize>,
}

#[derive(Clone, Debug)]
pub enum TypeBody {
    /// Declared, not (yet) defined.
    Pending,
    /// `syntax idx = u32`: another name for a type.
    Alias(Ty),
    Variant(Vec<Case>),
    Record(Vec<Field>),
    /// `lo .. hi`: the numbers in a range (that satisfy the premises, if any).
    Range(Exp, Exp, Vec<Premise>),
    /// A type family: one body per instance, selected by the arguments.
    Family(Vec<Instance>),
}

#[derive(Clone, Debug)]
pub struct Instance {
    /// Patterns over the family's parameters (`Inn`, `Jnn X M`).
    pub patterns: Vec<Exp>,
    pub body: TypeBody,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Case {
    pub kind: CaseKind,
    pub hints: Vec<Hint>,
    pub premises: Vec<Premise>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum CaseKind {
    /// A constructor, written as a mixfix notation.
    Con(Mixop),
    /// Another type whose values are included (`valtype = numtype | ...`).
    Include(Ty),
}

#[derive(Clone, Debug)]
pub struct Field {
    pub name: String,
    pub ty: Ty,
    pub hints: Vec<Hint>,
    pub span: Span,
}

// ---------------------------------------------------------------------------------------------
// Expressions

#[derive(Clone, Debug)]
pub struct Exp {
    pub kind: ExpKind,
    pub ty: Ty,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum ExpKind {
    Var(String),
    Num(BigInt),
    Text(String),
    Bool(bool),
    /// A constructor: case `case` of variant `ty` (of instance `inst` when `ty` is a family),
    /// with its slot arguments.
    Con { ty: TypeId, inst: Option<usize>, case: usize, args: Vec<Exp> },
    Tuple(Vec<Exp>),
    /// A record with every field (omitted iterated fields are empty).
    Record(Vec<(String, Exp)>),
    /// A sequence given element by element (`eps` is the empty list).
    List(Vec<Exp>),
    /// Concatenation of sequences (juxtaposition or `++`).
    Cat(Vec<Exp>),
    /// An optional that holds a value (`?` applied to an element).
    Some(Box<Exp>),
    /// Iteration: the body evaluated for each element of the iterated variables.
    Iter(Box<Exp>, IterSpec),
    Call(DefId, Vec<Exp>),
    Field(Box<Exp>, String),
    Index(Box<Exp>, Box<Exp>),
    Slice(Box<Exp>, Box<Exp>, Box<Exp>),
    Update(Box<Exp>, Vec<Path>, UpdateOp, Box<Exp>),
    Len(Box<Exp>),
    Not(Box<Exp>),
    Neg(Box<Exp>),
    Bin(BinOp, Box<Exp>, Box<Exp>),
    Cmp(CmpOp, Box<Exp>, Box<Exp>),
    /// A value of a smaller type used at a larger one (an inclusion, or nat as int).
    Sub(Box<Exp>, Ty),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    And,
    Or,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Pow,
}

#[derive(Clone, Debug)]
pub struct IterSpec {
    pub kind: IterKind,
    /// The count of `^n`, or the bound of `^(i<n)`.
    pub count: Option<Box<Exp>>,
    /// The index variable of `^(i<n)`.
    pub index: Option<String>,
    /// The variables iterated over (free in the body at one dimension deeper).
    pub vars: Vec<String>,
}

#[derive(Clone, Debug)]
pub enum Path {
    Field(String),
    Index(Exp),
    Slice(Exp, Exp),
}

// ---------------------------------------------------------------------------------------------
// Premises, rules, definitions, grammars

#[derive(Clone, Debug)]
pub struct Premise {
    pub kind: PremiseKind,
    pub hints: Vec<Hint>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum PremiseKind {
    /// A condition, or (when `binds` is non-empty) an equation that binds variables.
    If { exp: Exp, binds: Vec<String> },
    Otherwise,
    /// A premise of a relation: the arguments in slot order.
    Rel { rel: RelId, args: Vec<Exp>, binds: Vec<String> },
    Iter { premise: Box<Premise>, iter: IterSpec },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    In,
    Out,
    /// An output that may contain unknowns: metavariables that neither the inputs nor the
    /// premises fix, resolved by whoever uses the relation (the validator resolves them against
    /// the operand stack).
    Open,
}

#[derive(Clone, Debug)]
pub struct Relation {
    pub name: String,
    pub span: Span,
    pub hints: Vec<Hint>,
    pub notation: Mixop,
    pub modes: Vec<Mode>,
    pub rules: Vec<Rule>,
}

/// A variable of a rule, a clause or a production, with its type and iteration dimension.
#[derive(Clone, Debug)]
pub struct Binder {
    pub name: String,
    pub ty: Ty,
    pub dim: Vec<IterKind>,
}

#[derive(Clone, Debug)]
pub struct Rule {
    pub name: String,
    pub span: Span,
    pub hints: Vec<Hint>,
    /// The conclusion's arguments, in the relation's slot order.
    pub args: Vec<Exp>,
    /// Premises in source order.
    pub premises: Vec<Premise>,
    /// The order in which the premises can be evaluated (indices into `premises`).
    pub order: Vec<usize>,
    pub binders: Vec<Binder>,
}

impl Rule {
    /// `Relation/case`, the stable identifier used in traces and anchors.
    pub fn full_name(&self, relation: &str) -> String {
        if self.name.is_empty() {
            relation.to_string()
        } else {
            format!("{relation}/{}", self.name)
        }
    }
}

#[derive(Clone, Debug)]
pub struct Def {
    pub name: String,
    pub span: Span,
    pub hints: Vec<Hint>,
    pub type_params: Vec<String>,
    pub params: Vec<(Option<String>, Ty)>,
    pub result: Ty,
    pub clauses: Vec<Clause>,
    /// `hint(builtin "...")`: the definition is backed by a Rust function of that name.
    pub builtin: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Clause {
    pub span: Span,
    pub args: Vec<Exp>,
    pub body: Exp,
    pub premises: Vec<Premise>,
    pub order: Vec<usize>,
    pub binders: Vec<Binder>,
}

#[derive(Clone, Debug)]
pub struct Grammar {
    pub name: String,
    pub span: Span,
    pub hints: Vec<Hint>,
    pub params: Vec<GramParam>,
    pub result: Ty,
    pub productions: Vec<Production>,
    pub fragments: Vec<Fragment>,
}

#[derive(Clone, Debug)]
pub enum GramParam {
    /// A value parameter (`N : nat`).
    Value(String, Ty),
    /// A grammar parameter (`grammar BX : el`).
    Grammar(String, Ty),
}

#[derive(Clone, Debug)]
pub struct Production {
    pub span: Span,
    pub symbols: Vec<Sym>,
    pub result: Option<Exp>,
    pub premises: Vec<Premise>,
    pub order: Vec<usize>,
    pub binders: Vec<Binder>,
}

#[derive(Clone, Debug)]
pub struct Sym {
    pub kind: SymKind,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum SymKind {
    Byte(u8),
    Range(u8, u8),
    Text(String),
    Eps,
    /// A nonterminal with its arguments; grammar arguments are nonterminals too.
    NonTerm(NonTermRef, Vec<SymArg>),
    /// `pattern:symbol`
    Bind(Exp, Box<Sym>),
    Seq(Vec<Sym>),
    Alt(Vec<Sym>),
    Iter(Box<Sym>, IterSpec),
}

#[derive(Clone, Debug)]
pub enum NonTermRef {
    Grammar(GramId),
    /// A grammar parameter of the enclosing grammar.
    Param(String),
}

#[derive(Clone, Debug)]
pub enum SymArg {
    Value(Exp),
    Grammar(Box<Sym>),
}

/// A global variable declaration (`var t : valtype`).
#[derive(Clone, Debug)]
pub struct VarDecl {
    pub name: String,
    pub ty: Ty,
    pub span: Span,
    pub hints: Vec<Hint>,
}

/// Declarations in source order, for renderers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Item {
    /// A syntax type, or one fragment of it.
    Syntax(TypeId, Option<usize>),
    /// A family instance (type, instance index).
    Instance(TypeId, usize),
    Relation(RelId),
    Rule(RelId, usize),
    DefSig(DefId),
    DefClause(DefId, usize),
    Var(String),
    Grammar(GramId, Option<usize>),
}

/// One file's items, in order.
#[derive(Clone, Debug)]
pub struct FileItems {
    pub name: String,
    pub items: Vec<(Item, Span)>,
}

/// A whole elaborated spec.
#[derive(Clone, Debug, Default)]
pub struct Spec {
    pub types: Vec<TypeDef>,
    pub relations: Vec<Relation>,
    pub defs: Vec<Def>,
    pub grammars: Vec<Grammar>,
    pub vars: Vec<VarDecl>,
    pub type_index: HashMap<String, TypeId>,
    pub rel_index: HashMap<String, RelId>,
    pub def_index: HashMap<String, DefId>,
    pub gram_index: HashMap<String, GramId>,
    pub files: Vec<FileItems>,
}

/// Counts for `wspec check`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub files: usize,
    pub syntax_types: usize,
    pub constructors: usize,
    pub relations: usize,
    pub rules: usize,
    pub definitions: usize,
    pub clauses: usize,
    pub grammars: usize,
    pub productions: usize,
    pub variables: usize,
}

impl Spec {
    pub fn summary(&self) -> Summary {
        fn count_cons(body: &TypeBody) -> usize {
            match body {
                TypeBody::Variant(cases) => cases.iter().filter(|c| matches!(c.kind, CaseKind::Con(_))).count(),
                TypeBody::Family(insts) => insts.iter().map(|i| count_cons(&i.body)).sum(),
                _ => 0,
            }
        }
        Summary {
            files: self.files.len(),
            syntax_types: self.types.len(),
            constructors: self.types.iter().map(|t| count_cons(&t.body)).sum(),
            relations: self.relations.len(),
            rules: self.relations.iter().map(|r| r.rules.len()).sum(),
            definitions: self.defs.len(),
            clauses: self.defs.iter().map(|d| d.clauses.len()).sum(),
            grammars: self.grammars.len(),
            productions: self.grammars.iter().map(|g| g.productions.len()).sum(),
            variables: self.vars.len(),
        }
    }
}

/// Calls `f` on `e` and every expression inside it.
/// The variables an expression mentions, with repetitions, in order.
pub fn mentioned_vars(e: &Exp) -> Vec<String> {
    let mut out = Vec::new();
    visit_exp(e, &mut |x| {
        if let ExpKind::Var(v) = &x.kind {
            out.push(v.clone());
        }
    });
    out
}

pub fn visit_exp(e: &Exp, f: &mut dyn FnMut(&Exp)) {
    f(e);
    match &e.kind {
        ExpKind::Var(_) | ExpKind::Num(_) | ExpKind::Text(_) | ExpKind::Bool(_) => {}
        ExpKind::Con { args, .. } | ExpKind::Tuple(args) | ExpKind::List(args) | ExpKind::Cat(args) | ExpKind::Call(_, args) => {
            args.iter().for_each(|a| visit_exp(a, f))
        }
        ExpKind::Record(fs) => fs.iter().for_each(|(_, a)| visit_exp(a, f)),
        ExpKind::Some(x) | ExpKind::Field(x, _) | ExpKind::Len(x) | ExpKind::Not(x) | ExpKind::Neg(x) | ExpKind::Sub(x, _) => visit_exp(x, f),
        ExpKind::Iter(body, spec) => {
            if let Some(c) = &spec.count {
                visit_exp(c, f);
            }
            visit_exp(body, f);
        }
        ExpKind::Index(a, b) | ExpKind::Bin(_, a, b) | ExpKind::Cmp(_, a, b) => {
            visit_exp(a, f);
            visit_exp(b, f);
        }
        ExpKind::Slice(a, b, c) => {
            visit_exp(a, f);
            visit_exp(b, f);
            visit_exp(c, f);
        }
        ExpKind::Update(a, path, _, v) => {
            visit_exp(a, f);
            for p in path {
                match p {
                    Path::Field(_) => {}
                    Path::Index(i) => visit_exp(i, f),
                    Path::Slice(i, n) => {
                        visit_exp(i, f);
                        visit_exp(n, f);
                    }
                }
            }
            visit_exp(v, f);
        }
    }
}

/// Calls `f` on every expression of a premise.
pub fn visit_premise(p: &Premise, f: &mut dyn FnMut(&Exp)) {
    match &p.kind {
        PremiseKind::If { exp, .. } => visit_exp(exp, f),
        PremiseKind::Otherwise => {}
        PremiseKind::Rel { args, .. } => args.iter().for_each(|a| visit_exp(a, f)),
        PremiseKind::Iter { premise, iter } => {
            if let Some(c) = &iter.count {
                visit_exp(c, f);
            }
            visit_premise(premise, f);
        }
    }
}
