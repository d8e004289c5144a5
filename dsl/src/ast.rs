//! The surface syntax of the DSL, as parsed: every node keeps its source span.
//!
//! Nothing here is resolved: an identifier may turn out to be a metavariable, a syntax type or a
//! constructor atom, and juxtaposition may be a constructor application or a sequence. The
//! elaborator (`elab`) decides, guided by types.

use num_bigint::BigUint;

/// Index of a source file in a [`crate::source::SourceMap`].
pub type FileId = usize;

/// A byte range in one source file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(file: FileId, start: usize, end: usize) -> Span {
        Span { file, start: start as u32, end: end as u32 }
    }
    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        if self.file != other.file {
            return self;
        }
        Span { file: self.file, start: self.start.min(other.start), end: self.end.max(other.end) }
    }
    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Hint {
    pub name: Ident,
    pub args: Vec<HintArg>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum HintArg {
    Text(String),
    Num(BigUint),
    Ident(String),
    Def(String),
}

/// An iterator suffix.
#[derive(Clone, Debug)]
pub enum Iter {
    /// `*`
    Star,
    /// `?`
    Opt,
    /// `+`
    Plus,
    /// `^e`: iteration `e` times, or a power when the operand is a number.
    Pow(Box<Exp>),
    /// `^(i<e)`: iteration with an index variable.
    PowIndexed(Ident, Box<Exp>),
}

impl Iter {
    pub fn symbol(&self) -> &'static str {
        match self {
            Iter::Star => "*",
            Iter::Opt => "?",
            Iter::Plus => "+",
            Iter::Pow(_) | Iter::PowIndexed(..) => "^",
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Types

/// One item of a type sequence (a syntax case, a relation notation, a signature).
#[derive(Clone, Debug)]
pub struct TypItem {
    pub kind: TypItemKind,
    pub iters: Vec<(Iter, Span)>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum TypItemKind {
    /// A name, possibly dotted (`LOCAL.GET`) and applied (`num_(numtype)`): a type or an atom.
    Name(Ident, Option<Vec<Exp>>),
    /// `(t_1, t_2)` a tuple, `(t*)` a group, `()` the empty tuple.
    Paren(Vec<Vec<TypItem>>),
    /// `` `{ ... } `` or `` `[ ... ] ``: a bracketed slot of a notation.
    Bracket(Bracket, Vec<TypItem>),
    /// A symbolic atom (`->`, `|-`, `:` ...), possibly with a subscript (`->_(localidx*)`).
    Sym(String, Option<Vec<TypItem>>),
    /// A number literal (a case of a numeric enumeration such as `sz`).
    Num(BigUint),
    Text(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bracket {
    Brace,
    Square,
}

impl Bracket {
    pub fn open(self) -> &'static str {
        match self {
            Bracket::Brace => "`{",
            Bracket::Square => "`[",
        }
    }
    pub fn close(self) -> &'static str {
        match self {
            Bracket::Brace => "}",
            Bracket::Square => "]",
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Expressions

#[derive(Clone, Debug)]
pub struct Exp {
    pub kind: ExpKind,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum ExpKind {
    Num(BigUint),
    Text(String),
    Bool(bool),
    /// `eps`, the empty sequence.
    Eps,
    /// A metavariable or a constructor atom.
    Ident(String),
    /// `$f(args)`; `$f` alone has no argument list.
    Call(String, Option<Vec<Exp>>),
    /// Juxtaposition `e_1 e_2 ...` (two items or more).
    Seq(Vec<Exp>),
    /// A mixfix sequence with symbolic atoms (`C |- e : t`), at least one atom.
    Mix(Vec<MixItem>),
    /// `(e)`
    Paren(Box<Exp>),
    /// `(e_1, e_2, ...)`, or `()`.
    Tuple(Vec<Exp>),
    /// `{FIELD e, ...}`
    Record(Vec<(Ident, Exp)>),
    /// `` `{ e } `` or `` `[ e ] ``
    Bracket(Bracket, Option<Box<Exp>>),
    Iter(Box<Exp>, Iter, Span),
    Field(Box<Exp>, Ident),
    Index(Box<Exp>, Box<Exp>),
    Slice(Box<Exp>, Box<Exp>, Box<Exp>),
    /// `e[path = e']` or `e[path =++ e']`
    Update(Box<Exp>, Vec<PathElem>, UpdateOp, Box<Exp>),
    /// `|e|`
    Len(Box<Exp>),
    Unary(UnOp, Box<Exp>),
    Binary(BinOp, Box<Exp>, Box<Exp>),
    /// A chain of comparisons `a < b <= c`, meaning `a < b /\ b <= c`.
    Cmp(Box<Exp>, Vec<(CmpOp, Exp)>),
}

#[derive(Clone, Debug)]
pub enum MixItem {
    Exp(Exp),
    Atom(String, Option<Box<Exp>>, Span),
}

impl MixItem {
    pub fn span(&self) -> Span {
        match self {
            MixItem::Exp(e) => e.span,
            MixItem::Atom(_, _, s) => *s,
        }
    }
}

#[derive(Clone, Debug)]
pub enum PathElem {
    Field(Ident),
    Index(Exp),
    Slice(Exp, Exp),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UpdateOp {
    Replace,
    Extend,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnOp {
    Not,
    Neg,
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
    Concat,
}

impl BinOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::And => "/\\",
            BinOp::Or => "\\/",
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Mod => "\\",
            BinOp::Concat => "++",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Gt,
    Le,
    Ge,
    /// `e <- e*`, membership.
    In,
}

impl CmpOp {
    pub fn symbol(self) -> &'static str {
        match self {
            CmpOp::Eq => "=",
            CmpOp::Ne => "=/=",
            CmpOp::Lt => "<",
            CmpOp::Gt => ">",
            CmpOp::Le => "<=",
            CmpOp::Ge => ">=",
            CmpOp::In => "<-",
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Premises

#[derive(Clone, Debug)]
pub struct Premise {
    pub kind: PremiseKind,
    /// `-- if e hint(error "...")`: for example the message a decoder reports when it fails.
    pub hints: Vec<Hint>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum PremiseKind {
    If(Exp),
    Otherwise,
    /// `-- Rel: e`
    Rel(Ident, Exp),
    /// `-- (premise)*`
    Iter(Box<Premise>, Vec<(Iter, Span)>),
}

// ---------------------------------------------------------------------------------------------
// Declarations

#[derive(Clone, Debug)]
pub struct Decl {
    pub kind: DeclKind,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum DeclKind {
    Syntax(SyntaxDecl),
    Relation(RelationDecl),
    Rule(RuleDecl),
    DefSig(DefSig),
    DefClause(DefClause),
    Var(VarDecl),
    Grammar(GrammarDecl),
}

impl DeclKind {
    pub fn keyword(&self) -> &'static str {
        match self {
            DeclKind::Syntax(_) => "syntax",
            DeclKind::Relation(_) => "relation",
            DeclKind::Rule(_) => "rule",
            DeclKind::DefSig(_) | DeclKind::DefClause(_) => "def",
            DeclKind::Var(_) => "var",
            DeclKind::Grammar(_) => "grammar",
        }
    }
}

#[derive(Clone, Debug)]
pub struct SyntaxDecl {
    pub name: Ident,
    pub fragment: Option<Ident>,
    /// `(N)`, `(numtype)`, `(Inn)`: parameters or, for an instance of a family, index patterns.
    pub params: Option<Vec<Exp>>,
    pub hints: Vec<Hint>,
    pub body: Option<SyntaxBody>,
}

#[derive(Clone, Debug)]
pub enum SyntaxBody {
    Cases(Vec<SynCase>),
    Record(Vec<SynField>, Vec<Hint>),
    /// `lo .. hi`: a range of numbers, possibly restricted by premises.
    Range(Exp, Exp, Vec<Hint>, Vec<Premise>),
}

#[derive(Clone, Debug)]
pub struct SynCase {
    pub items: Vec<TypItem>,
    pub hints: Vec<Hint>,
    pub premises: Vec<Premise>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct SynField {
    pub name: Ident,
    pub typ: TypItem,
    pub hints: Vec<Hint>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct RelationDecl {
    pub name: Ident,
    pub notation: Vec<TypItem>,
    pub mode: Option<(Vec<Ident>, Span)>,
    pub hints: Vec<Hint>,
}

#[derive(Clone, Debug)]
pub struct RuleDecl {
    pub relation: Ident,
    pub case: Option<Ident>,
    pub hints: Vec<Hint>,
    pub conclusion: Exp,
    pub premises: Vec<Premise>,
}

#[derive(Clone, Debug)]
pub struct DefSig {
    pub name: Ident,
    pub params: Option<Vec<DefParam>>,
    pub result: Vec<TypItem>,
    pub hints: Vec<Hint>,
}

#[derive(Clone, Debug)]
pub struct DefParam {
    /// `syntax X`: a type parameter.
    pub type_param: bool,
    pub name: Option<Ident>,
    pub typ: Vec<TypItem>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct DefClause {
    pub name: Ident,
    pub args: Option<Vec<Exp>>,
    pub body: Exp,
    pub premises: Vec<Premise>,
}

#[derive(Clone, Debug)]
pub struct VarDecl {
    pub name: Ident,
    pub typ: Vec<TypItem>,
    pub hints: Vec<Hint>,
}

#[derive(Clone, Debug)]
pub struct GrammarDecl {
    pub name: Ident,
    pub fragment: Option<Ident>,
    pub params: Option<Vec<GramParam>>,
    pub result: Vec<TypItem>,
    pub hints: Vec<Hint>,
    pub productions: Vec<Production>,
}

#[derive(Clone, Debug)]
pub enum GramParam {
    /// `grammar BX : t`
    Grammar(Ident, Vec<TypItem>, Span),
    /// `x : t`
    Typed(Ident, Vec<TypItem>, Span),
    /// `syntax X`: a type parameter.
    Type(Ident),
    /// `N`: a parameter named by its type.
    Plain(Exp),
}

#[derive(Clone, Debug)]
pub struct Production {
    pub symbols: Vec<GSym>,
    pub result: Option<Exp>,
    pub premises: Vec<Premise>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct GSym {
    pub kind: GSymKind,
    pub iters: Vec<(Iter, Span)>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum GSymKind {
    /// `pattern:symbol`
    Bind(Exp, Box<GSym>),
    /// `( s* | s* ... )`
    Paren(Vec<Vec<GSym>>),
    /// `0x00 .. 0x7F`
    Range(BigUint, BigUint),
    Byte(BigUint),
    Text(String),
    Eps,
    /// A nonterminal, possibly with arguments: `Bu32`, `BuN(N)`, `Blist(Binstr)`.
    NonTerm(Ident, Option<Vec<Exp>>),
}

/// One parsed source file.
#[derive(Clone, Debug, Default)]
pub struct File {
    pub decls: Vec<Decl>,
    /// Names that declarations which failed to parse were going to declare.
    pub failed: Vec<String>,
}
