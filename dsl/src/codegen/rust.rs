//! Compiling IR expressions and patterns to Rust.
//!
//! Conventions of generated code:
//! - fallible code returns `R<T>` (`wspec_runtime::R`); a premise that does not hold or a
//!   pattern that does not match is a soft failure (`Fail::soft()`), so an alternative can be
//!   tried;
//! - a metavariable of dimension `d` is a Rust local holding `d` nested `Vec`s (or `Option`s) of
//!   its element's representation; sequences of arena types become `Seq`s only when stored;
//! - arithmetic on meta-level numbers is done in `i128` (`num::wide`) and narrowed to the
//!   representation of the result type (`num::narrow`), failing outside its range.

use super::names::{field_name, fn_name, var_name};
use super::{Gen, Repr};
use crate::ast::{CmpOp, Span};
use crate::ir::*;
use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt::Write;

/// A value conversion between generated types that some code needs.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Conv {
    pub from: TypeId,
    pub to: TypeId,
    /// Narrowing (`Option` result) rather than widening.
    pub narrow: bool,
}

/// Shared state of compiling many functions.
#[derive(Default)]
pub struct Unit {
    /// Conversions to emit.
    pub convs: RefCell<BTreeSet<Conv>>,
    /// Definitions to emit (called by generated code).
    pub defs: RefCell<BTreeSet<DefId>>,
}

/// How a local variable is held.
#[derive(Clone, Debug)]
pub struct Local {
    pub rust: String,
    /// Element type (the variable's declared type).
    pub ty: Ty,
    /// How many iterations deep it is held (`Vec<Vec<T>>` for 2).
    pub dim: usize,
    pub opt: Vec<bool>,
    pub kind: LocalKind,
}

/// What the Rust code of a local is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LocalKind {
    /// A Rust variable holding the view.
    Owned,
    /// A Rust variable holding a reference to the view.
    Ref,
    /// A place expression (`(*z).0.locals`) denoting the view, read where it is used.
    Place,
    /// A reference to a slice (`&[T]`) of the elements of a sequence.
    Slice,
    /// An arena sequence handle (`Seq<T>`), viewed through the arena context.
    Handle,
}

impl Local {
    pub fn owned(rust: String, ty: Ty, dim: usize, opt: Vec<bool>) -> Local {
        Local { rust, ty, dim, opt, kind: LocalKind::Owned }
    }
}

/// Compiling one function body.
pub struct Fx<'g, 'a> {
    pub g: &'g Gen<'a>,
    pub unit: &'g Unit,
    pub locals: HashMap<String, Local>,
    /// Name of the arena context parameter, if the function has one.
    pub ctx: Option<String>,
    pub tmp: RefCell<usize>,
    /// Span for error messages.
    pub span: Span,
    /// Variables that may be moved rather than cloned: used once, in the last expression.
    pub movable: HashSet<String>,
    /// Set when compiling execution: how definitions are called (by reference, inlined).
    pub exec: Option<&'g super::exec::ExecInfo>,
    /// Set when compiling a step rule: its redex, as printed.
    pub redex: Option<String>,
    /// The rule being compiled, named on the failures its premises report.
    pub rule: Option<String>,
    /// Variables that the rule being compiled mentions once: a list among them bound by a
    /// premise is never used, only its length may be (see `lengths_premise`).
    pub once: HashSet<String>,
}

pub type CResult<T> = Result<T, String>;

impl<'g, 'a> Fx<'g, 'a> {
    pub fn new(g: &'g Gen<'a>, unit: &'g Unit, span: Span) -> Self {
        Fx { g, unit, locals: HashMap::new(), ctx: None, tmp: RefCell::new(0), span, movable: HashSet::new(), exec: None, redex: None, rule: None, once: HashSet::new() }
    }

    /// A compiler for code nested in this one (an iteration's body): the same variables and
    /// rule, fresh names from `skip` on, nothing movable yet.
    fn nested(&self, skip: usize) -> Fx<'g, 'a> {
        Fx {
            locals: self.locals.clone(),
            ctx: self.ctx.clone(),
            tmp: RefCell::new(*self.tmp.borrow() + skip),
            redex: self.redex.clone(),
            rule: self.rule.clone(),
            exec: self.exec,
            ..Fx::new(self.g, self.unit, self.span)
        }
    }

    pub fn fresh(&self, base: &str) -> String {
        let mut t = self.tmp.borrow_mut();
        *t += 1;
        format!("{base}_{}", *t)
    }

    pub fn bind(&mut self, name: &str, ty: Ty, dim: usize) -> String {
        let rust = var_name(name);
        self.locals.insert(name.to_string(), Local::owned(rust.clone(), ty, dim, vec![false; dim]));
        rust
    }

    /// Whether the stored form of `t` (in structures) differs from its view (in locals): arena
    /// sequences are `Seq`s when stored and `Vec`s when viewed, also inside lists.
    pub fn differs(&self, t: &Ty) -> bool {
        match self.g.expand(t) {
            Ty::Iter(inner, _) => self.g.is_arena(&inner) || self.differs(&inner),
            Ty::Tuple(ts) => ts.iter().any(|t| self.differs(t)),
            _ => false,
        }
    }

    /// The Rust type of the view of a type.
    pub fn view_type(&self, t: &Ty) -> String {
        if !self.differs(t) {
            return self.g.repr(t).rust();
        }
        match self.g.expand(t) {
            Ty::Iter(inner, IterKind::Opt) => format!("Option<{}>", self.view_type(&inner)),
            Ty::Iter(inner, _) => format!("Vec<{}>", self.view_type(&inner)),
            Ty::Tuple(ts) => format!("({},)", ts.iter().map(|t| self.view_type(t)).collect::<Vec<_>>().join(", ")),
            other => self.g.repr(&other).rust(),
        }
    }

    pub fn store_type(&self, t: &Ty) -> String {
        self.g.repr(t).rust()
    }

    /// Converts a view to the stored form.
    pub fn to_store(&self, code: String, t: &Ty) -> CResult<String> {
        if !self.differs(t) {
            return Ok(code);
        }
        match self.g.expand(t) {
            Ty::Iter(inner, _) if self.g.is_arena(&inner) => {
                let ctx = self.ctx.clone().ok_or("an arena sequence is built where no arena is at hand")?;
                Ok(format!("{ctx}.{}.push({code})", self.arena_field(t)?))
            }
            Ty::Iter(inner, IterKind::Opt) => Ok(format!("{code}.map(|x| {})", self.to_store("x".into(), &inner)?)),
            Ty::Iter(inner, _) => Ok(format!("{code}.into_iter().map(|x| {}).collect::<Vec<_>>()", self.to_store("x".into(), &inner)?)),
            Ty::Tuple(ts) => {
                let names: Vec<String> = (0..ts.len()).map(|i| format!("t{i}")).collect();
                let parts = ts.iter().zip(&names).map(|(t, n)| self.to_store(n.clone(), t)).collect::<CResult<Vec<_>>>()?;
                Ok(format!("{{ let ({},) = {code}; ({},) }}", names.join(", "), parts.join(", ")))
            }
            _ => Err(format!("storing a `{}` is not supported", self.g.show(t))),
        }
    }

    /// Converts a stored value to its view.
    pub fn to_view(&self, code: String, t: &Ty) -> CResult<String> {
        if !self.differs(t) {
            return Ok(code);
        }
        match self.g.expand(t) {
            Ty::Iter(inner, _) if self.g.is_arena(&inner) => {
                let ctx = self.ctx.clone().ok_or("an arena sequence is read where no arena is at hand")?;
                Ok(format!("{ctx}.{}.get({code}).to_vec()", self.arena_field(t)?))
            }
            Ty::Iter(inner, IterKind::Opt) => Ok(format!("{code}.map(|x| {})", self.to_view("x".into(), &inner)?)),
            Ty::Iter(inner, _) => Ok(format!("{code}.into_iter().map(|x| {}).collect::<Vec<_>>()", self.to_view("x".into(), &inner)?)),
            Ty::Tuple(ts) => {
                let names: Vec<String> = (0..ts.len()).map(|i| format!("t{i}")).collect();
                let parts = ts.iter().zip(&names).map(|(t, n)| self.to_view(n.clone(), t)).collect::<CResult<Vec<_>>>()?;
                Ok(format!("{{ let ({},) = {code}; ({},) }}", names.join(", "), parts.join(", ")))
            }
            _ => Err(format!("reading a `{}` is not supported", self.g.show(t))),
        }
    }

    // -----------------------------------------------------------------------------------------
    // Expressions

    /// Code for the value of `e` in its stored representation.
    pub fn store(&self, e: &Exp) -> CResult<String> {
        self.store_as(e, &e.ty)
    }

    /// Code for `e` stored at type `t` (which may be an arena sequence).
    pub fn store_as(&self, e: &Exp, t: &Ty) -> CResult<String> {
        if let Some(h) = self.handle_of(e, t) {
            return Ok(h);
        }
        let v = self.adapt(e, t)?;
        self.to_store(v, t)
    }

    /// The view of `e` at type `t`.
    pub fn view_as(&self, e: &Exp, t: &Ty) -> CResult<String> {
        self.adapt(e, t)
    }

    /// The view of `e`, converted to the representation of `t` where the elaborator saw no
    /// difference: numbers of different widths (`labelidx` and `laneidx` are both `uN`), and a
    /// value of a family instance's type stored at the family (`i32` at `num_(numtype)`).
    fn adapt(&self, e: &Exp, t: &Ty) -> CResult<String> {
        let (re, rt) = (self.view_type(&e.ty), self.view_type(t));
        if re == rt || matches!(e.kind, ExpKind::Num(_)) && self.int_type(t).is_some() {
            if let ExpKind::Num(n) = &e.kind {
                return self.num_literal(&n.to_string(), t);
            }
            return self.view(e);
        }
        // A constructor built directly at the type it is wanted at (an instruction that is a
        // value, built as a value).
        if let (ExpKind::Con { ty, inst, case, args }, Ty::Named(..)) = (&e.kind, self.g.expand(t)) {
            if let Ok(code) = self.con(t, *ty, *inst, *case, args) {
                return Ok(code);
            }
        }
        if let (Some(from), Some(it)) = (self.int_type(&e.ty), self.int_type(t)) {
            if from == it {
                return self.view(e);
            }
            if matches!(e.kind, ExpKind::Var(_) | ExpKind::Call(..) | ExpKind::Field(..) | ExpKind::Index(..)) {
                return Ok(format!("wspec_runtime::num::cast::<_, {it}>({})?", self.view(e)?));
            }
            return Ok(format!("wspec_runtime::num::narrow::<{it}>({})?", self.wide(e)?));
        }
        if let Ty::Named(fam, _) = self.g.expand(t) {
            if let Some((variant, body)) = self.g.family_instance_for(fam, &e.ty) {
                let inner = Exp { kind: e.kind.clone(), ty: e.ty.clone(), span: e.span };
                let payload = self.adapt(&inner, &body)?;
                return Ok(format!("{}::{variant}({payload})", self.g.type_names[fam]));
            }
        }
        // A value of an included type (a `ref` where a `val` is wanted), or of a type whose
        // constructors are among the wanted type's (an `addrtype` where a `valtype` is).
        if let (Ty::Named(a, _), Ty::Named(b, _)) = (self.g.expand(&e.ty), self.g.expand(t)) {
            let variants = |x: TypeId| matches!(self.g.spec.types[x].body, TypeBody::Variant(_));
            if a != b && (self.g.include_path(b, a, 0).is_some() || variants(a) && variants(b) && self.g.covers(b, a)) {
                let v = self.view(e)?;
                return Ok(self.convert_elem(&v, &e.ty, t));
            }
        }
        self.view(e)
    }

    /// A stored value as a view.
    pub fn read_seq(&self, code: String, t: &Ty) -> CResult<String> {
        self.to_view(code, t)
    }

    pub fn arena_field(&self, t: &Ty) -> CResult<String> {
        match self.g.seq_elem(&self.g.expand(t)) {
            Some((Ty::Named(id, _), _)) => Ok(field_name(&self.g.spec.types[id].name)),
            _ => Err(format!("`{}` is not an arena sequence", self.g.show(t))),
        }
    }

    /// Code for the value of `e` as a list view (sequences as `Vec`s).
    pub fn view(&self, e: &Exp) -> CResult<String> {
        match &e.kind {
            ExpKind::Var(v) => {
                let l = self.locals.get(v).ok_or_else(|| format!("variable `{v}` is not bound here"))?;
                Ok(self.var_view(v, l))
            }
            ExpKind::Num(n) => self.num_literal(&n.to_string(), &e.ty),
            ExpKind::Text(t) => Ok(format!("{t:?}.to_string()")),
            ExpKind::Bool(b) => Ok(b.to_string()),
            ExpKind::Con { ty, inst, case, args } => self.con(&e.ty, *ty, *inst, *case, args),
            ExpKind::Tuple(xs) => {
                let parts = xs.iter().map(|x| self.view(x)).collect::<CResult<Vec<_>>>()?;
                Ok(if parts.len() == 1 { format!("({},)", parts[0]) } else { format!("({})", parts.join(", ")) })
            }
            ExpKind::Record(fs) => {
                let Ty::Named(id, _) = self.g.expand(&e.ty) else { return Err("a record of a non-record type".into()) };
                let fields = match &self.g.spec.types[id].body {
                    TypeBody::Record(f) => f.clone(),
                    _ => return Err("a record of a non-record type".into()),
                };
                let mut parts = Vec::new();
                for ((n, v), f) in fs.iter().zip(&fields) {
                    let code = self.store_as(v, &f.ty)?;
                    let code = if self.g.field_boxed(&self.g.repr(&f.ty), id) { format!("Box::new({code})") } else { code };
                    parts.push(format!("{}: {code}", field_name(n)));
                }
                let record = format!("{} {{ {} }}", self.g.type_names[id], parts.join(", "));
                Ok(if self.g.is_shared(id) { format!("std::rc::Rc::new({record})") } else { record })
            }
            ExpKind::List(xs) => {
                if let Some((_, IterKind::Opt)) = self.g.seq_elem(&e.ty) {
                    return match xs.as_slice() {
                        [] => Ok("None".into()),
                        [x] => Ok(format!("Some({})", self.view(x)?)),
                        _ => Err("an optional with several elements".into()),
                    };
                }
                let elem = self.g.seq_elem(&e.ty).map(|(t, _)| t).unwrap_or(Ty::Error);
                let parts = xs.iter().map(|x| self.view_as(x, &elem)).collect::<CResult<Vec<_>>>()?;
                Ok(format!("vec![{}]", parts.join(", ")))
            }
            ExpKind::Cat(xs) => {
                if self.g.seq_elem(&e.ty).is_none() {
                    return self.record_cat(&e.ty, xs);
                }
                let parts = xs.iter().map(|x| self.view(x)).collect::<CResult<Vec<_>>>()?;
                Ok(match parts.as_slice() {
                    [a, b] => format!("wspec_runtime::seq::cat2({a}, {b})"),
                    _ => format!("wspec_runtime::seq::cat([{}])", parts.join(", ")),
                })
            }
            ExpKind::Some(x) => Ok(format!("Some({})", self.view(x)?)),
            ExpKind::Iter(body, spec) => self.iter(e, body, spec),
            ExpKind::Call(def, args) => self.call(*def, args),
            ExpKind::Field(..) | ExpKind::Index(..) if self.exec.is_some() && self.place(e)?.is_some() => {
                let p = self.place(e)?.unwrap_or_default();
                Ok(self.clone_place(&p, &e.ty))
            }
            ExpKind::Field(x, f) => {
                let code = self.view(x)?;
                let field = format!("({code}).{}.clone()", field_name(f));
                self.read_seq(field, &e.ty)
            }
            ExpKind::Index(x, i) => {
                let i = self.wide(i)?;
                if let Some(p) = self.seq_place(x)? {
                    return Ok(format!("wspec_runtime::seq::index(&{p}, {i})?"));
                }
                let xs = self.view(x)?;
                Ok(format!("wspec_runtime::seq::index(&{xs}, {i})?"))
            }
            ExpKind::Slice(x, i, n) => {
                let (i, n) = (self.wide(i)?, self.wide(n)?);
                if let Some(p) = self.seq_place(x)? {
                    return Ok(format!("wspec_runtime::seq::slice(&{p}, {i}, {n})?"));
                }
                let xs = self.view(x)?;
                Ok(format!("wspec_runtime::seq::slice(&{xs}, {i}, {n})?"))
            }
            ExpKind::Len(x) => {
                if let Some(p) = self.seq_place(x)? {
                    return Ok(format!("({p}.len() as u64)"));
                }
                Ok(format!("({}.len() as u64)", self.view(x)?))
            }
            ExpKind::Not(x) => Ok(format!("!({})", self.view(x)?)),
            ExpKind::Neg(_) | ExpKind::Bin(BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Mod | BinOp::Pow, ..) => {
                let w = self.wide(e)?;
                self.narrow(&w, &e.ty)
            }
            ExpKind::Bin(op @ (BinOp::And | BinOp::Or), a, b) => {
                let o = if *op == BinOp::And { "&&" } else { "||" };
                Ok(format!("({} {o} {})", self.view(a)?, self.view(b)?))
            }
            ExpKind::Cmp(op, a, b) => self.cmp(*op, a, b),
            ExpKind::Sub(x, t) => self.coerce(x, t),
            ExpKind::Update(base, path, op, v) => self.update_value(base, path, *op, v),
        }
    }

    fn num_literal(&self, n: &str, t: &Ty) -> CResult<String> {
        match self.int_type(t) {
            Some(it) => Ok(format!("{n}_{it}")),
            None => match self.int_instance(t) {
                Some((path, it)) => Ok(wrap_path(&path, &format!("{n}_{it}"))),
                None => Err(format!("a number where `{}` is expected", self.g.show(t))),
            },
        }
    }

    /// For a family with integer instances (`num_` of `Inn` and `Fnn`): the enum variant of the
    /// first integer instance and its Rust integer type. A number at such a family is a value of
    /// that instance.
    pub fn int_instance(&self, t: &Ty) -> Option<(Vec<String>, String)> {
        self.int_instances(t).into_iter().next()
    }

    /// The integer instances of a family, through instances that are themselves families
    /// (`lane_(numtype)` is a `num_`, whose `Inn` instance is an integer): each as its nested
    /// variants (`Lane::Numtype`, `Num::Inn`; see [`wrap_path`]) and its Rust integer type.
    fn int_instances(&self, t: &Ty) -> Vec<(Vec<String>, String)> {
        self.g.int_paths(t)
    }

    /// The Rust integer type of a numeric type.
    pub fn int_type(&self, t: &Ty) -> Option<String> {
        self.g.int_of_repr(&self.g.repr(t), 0)
    }

    /// Code for a numeric expression in `i128`.
    pub fn wide(&self, e: &Exp) -> CResult<String> {
        match &e.kind {
            ExpKind::Num(n) => Ok(format!("{n}i128")),
            ExpKind::Neg(x) => Ok(format!("wspec_runtime::num::sub(0, {})?", self.wide(x)?)),
            ExpKind::Bin(op, a, b) => {
                let f = match op {
                    BinOp::Add => "add",
                    BinOp::Sub => "sub",
                    BinOp::Mul => "mul",
                    BinOp::Div => "div",
                    BinOp::Mod => "rem",
                    BinOp::Pow => "pow",
                    _ => return Err("a boolean where a number is expected".into()),
                };
                Ok(format!("wspec_runtime::num::{f}({}, {})?", self.wide(a)?, self.wide(b)?))
            }
            ExpKind::Sub(x, _) => self.wide(x),
            _ => {
                if self.int_type(&e.ty).is_none() && !matches!(e.ty, Ty::Nat | Ty::Int) {
                    // A value of a family with integer instances: the number it holds.
                    let insts = self.int_instances(&e.ty);
                    if !insts.is_empty() {
                        let arms: String = insts.iter().map(|(v, _)| format!("{} => wspec_runtime::num::wide(x)?, ", wrap_path(v, "x"))).collect();
                        return Ok(format!("(match {} {{ {arms}_ => return Err(wspec_runtime::Fail::soft()) }})", self.view(e)?));
                    }
                    return Err(format!("`{}` used as a number", self.g.show(&e.ty)));
                }
                Ok(format!("wspec_runtime::num::wide({})?", self.view(e)?))
            }
        }
    }

    fn narrow(&self, wide: &str, t: &Ty) -> CResult<String> {
        if self.int_type(t).is_none() {
            if let Some((path, it)) = self.int_instance(t) {
                return Ok(wrap_path(&path, &format!("wspec_runtime::num::narrow::<{it}>({wide})?")));
            }
        }
        let it = self.int_type(t).ok_or_else(|| format!("`{}` is not an integer type", self.g.show(t)))?;
        Ok(format!("wspec_runtime::num::narrow::<{it}>({wide})?"))
    }

    pub fn is_numeric(&self, t: &Ty) -> bool {
        matches!(t, Ty::Nat | Ty::Int) || self.int_type(t).is_some() || self.int_instance(t).is_some()
    }

    fn cmp(&self, op: CmpOp, a: &Exp, b: &Exp) -> CResult<String> {
        if op == CmpOp::In {
            return Ok(format!("{}.contains(&{})", self.view(b)?, self.view(a)?));
        }
        let numeric = self.is_numeric(&a.ty) && self.is_numeric(&b.ty);
        let (x, y) = if numeric { (self.wide(a)?, self.wide(b)?) } else { (self.view(a)?, self.view(b)?) };
        let o = match op {
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Gt => ">",
            CmpOp::Le => "<=",
            CmpOp::Ge => ">=",
            CmpOp::In => unreachable!(),
        };
        Ok(format!("({x} {o} {y})"))
    }

    fn iter(&self, e: &Exp, body: &Exp, spec: &IterSpec) -> CResult<String> {
        // `x*` over a list `x` is the list itself.
        if let (ExpKind::Var(v), [w], None, None) = (&body.kind, spec.vars.as_slice(), &spec.index, &spec.count) {
            if v == w && spec.kind != IterKind::Opt {
                if let Some(l) = self.locals.get(v) {
                    if l.dim >= 1 && !l.opt.first().copied().unwrap_or(false) && self.view_type(&body.ty) == self.view_type(&self.g.seq_elem(&e.ty).map(|(t, _)| t).unwrap_or(Ty::Error)) {
                        return Ok(self.var_view(v, l));
                    }
                }
            }
        }
        // `x?` over an optional `x` is `x` itself (a list of none or one where a list is
        // expected, built without an iterator).
        if let (ExpKind::Var(v), [w], None, None) = (&body.kind, spec.vars.as_slice(), &spec.index, &spec.count) {
            if v == w && spec.kind == IterKind::Opt {
                if let Some(l) = self.locals.get(v) {
                    if l.dim == 1 && l.opt.first() == Some(&true) && l.kind != LocalKind::Handle && self.view_type(&body.ty) == self.view_type(&self.g.seq_elem(&e.ty).map(|(t, _)| t).unwrap_or(Ty::Error)) {
                        let code = self.var_view(v, l);
                        if matches!(self.g.seq_elem(&e.ty), Some((_, k)) if k != IterKind::Opt) {
                            return Ok(format!("wspec_runtime::seq::of_opt({code})"));
                        }
                        return Ok(code);
                    }
                }
            }
        }
        let mut inner = self.nested(100);
        let mut heads = Vec::new();
        for v in &spec.vars {
            let l = self.locals.get(v).ok_or_else(|| format!("variable `{v}` is not bound here"))?.clone();
            if l.dim == 0 {
                return Err(format!("`{v}` is iterated but is not a sequence here"));
            }
            let fresh = inner.fresh(&l.rust);
            // Iterating an arena sequence's elements reads them through the arena.
            let src = match (l.kind, l.dim) {
                (LocalKind::Handle, 1) => {
                    let field = self.arena_field(&Ty::Iter(Box::new(l.ty.clone()), IterKind::Star)).unwrap_or_else(|_| "instr".into());
                    format!("{}.{field}.get({})", self.ctx.clone().unwrap_or_else(|| "cx_".into()), l.rust)
                }
                _ => l.rust.clone(),
            };
            heads.push((src, fresh.clone()));
            let mut local = Local::owned(fresh, l.ty.clone(), l.dim - 1, l.opt[1..].to_vec());
            if l.kind == LocalKind::Handle && l.dim > 1 {
                local.kind = LocalKind::Handle;
            }
            inner.locals.insert(v.clone(), local);
        }
        if let Some(i) = &spec.index {
            inner.locals.insert(i.clone(), Local::owned(var_name(i), Ty::Nat, 0, vec![]));
        }
        // Each round binds its own copy of an element: one use may move it.
        inner.movable = used_once(body).into_iter().filter(|v| spec.vars.contains(v)).collect();
        let elem_ty = self.g.seq_elem(&e.ty).map(|(t, _)| t).unwrap_or(Ty::Error);
        let body_code = inner.view_as(body, &elem_ty)?;
        *self.tmp.borrow_mut() = *inner.tmp.borrow();
        if spec.kind == IterKind::Opt {
            if heads.is_empty() {
                return Err("an optional iteration over nothing".into());
            }
            let pats: Vec<String> = heads.iter().map(|(_, f)| format!("Some({f})")).collect();
            let srcs: Vec<String> = heads.iter().map(|(s, _)| format!("{s}.clone()")).collect();
            let nones: Vec<String> = heads.iter().map(|_| "None".to_string()).collect();
            let code = format!(
                "match ({},) {{ ({},) => Some({body_code}), ({},) => None, _ => return Err(wspec_runtime::Fail::soft()) }}",
                srcs.join(", "),
                pats.join(", "),
                nones.join(", ")
            );
            // An optional where a list is expected (`eps -> t?` at `valtype* -> valtype*`).
            if matches!(self.g.seq_elem(&e.ty), Some((_, k)) if k != IterKind::Opt) {
                return Ok(format!("({code}).into_iter().collect::<Vec<_>>()"));
            }
            return Ok(code);
        }
        let count = match &spec.count {
            Some(c) => Some(format!("wspec_runtime::num::narrow::<usize>({})?", self.wide(c)?)),
            None => None,
        };
        let lens: Vec<String> = heads.iter().map(|(s, _)| format!("{s}.len()")).collect();
        let n = match (count, lens.is_empty()) {
            (Some(c), true) => c,
            (Some(c), false) => format!("wspec_runtime::seq::same_len(&[{c}, {}])?", lens.join(", ")),
            (None, false) => format!("wspec_runtime::seq::same_len(&[{}])?", lens.join(", ")),
            (None, true) => return Err("an iteration without count or iterated variable".into()),
        };
        let idx = spec.index.as_ref().map(|i| var_name(i)).unwrap_or_else(|| "i_".to_string());
        let mut binds = String::new();
        for (src, fresh) in &heads {
            let _ = write!(binds, "let {fresh} = {src}[{idx}].clone(); ");
        }
        let index_bind = if spec.index.is_some() { format!("let {idx} = {idx} as u64; ") } else { String::new() };
        // A literal or a variable repeated (`0x00^(i * $pagesize)`, a memory's bytes; `b^n`,
        // `memory.fill`): filled at once rather than pushed one at a time. Only for these, which
        // cannot fail, so that a count of zero still evaluates nothing that could.
        if heads.is_empty() && spec.index.is_none() && is_word(&body_code) {
            return Ok(format!("vec![{body_code}; {n}]"));
        }
        Ok(format!(
            "{{ let n_ = {n}; let mut out_ = wspec_runtime::seq::with_room(n_); for {idx} in 0..n_ {{ {binds}{index_bind}wspec_runtime::machine::put(&mut out_, {body_code}); }} out_ }}"
        ))
    }

    fn call(&self, def: DefId, args: &[Exp]) -> CResult<String> {
        let d = &self.g.spec.defs[def];
        // A definition with a builtin runs the builtin; its clauses are the reference.
        if let Some(raw) = self.builtin_call(def, args)? {
            // The builtin of a set of allowed results (`hint(choice)`) returns one of them.
            if super::has_hint(&d.hints, "choice") {
                return Ok(format!("{raw}.into_iter().collect::<Vec<_>>()"));
            }
            let raw = format!("wspec_runtime::ok({raw})?");
            // A list of numbers may come back inline (the bytes of a number), as a list here.
            if self.g.is_number_list(&d.result) {
                return Ok(format!("Vec::from({raw})"));
            }
            return Ok(raw);
        }
        if let Some(info) = self.exec {
            return info.call_value(self, def, args);
        }
        let parts = d.params.iter().zip(args).map(|((_, pty), a)| self.view_as(a, pty)).collect::<CResult<Vec<_>>>()?;
        self.unit.defs.borrow_mut().insert(def);
        let ctx = self.ctx.clone().ok_or("a definition is called where no context is at hand")?;
        let args: String = parts.iter().map(|p| format!(", {p}")).collect();
        Ok(format!("defs::{}({ctx}{args})?", fn_name(&d.name)))
    }

    /// The call of a definition's builtin, if it has one usable here, as the builtin returns
    /// it (an `Option`).
    fn builtin_call(&self, def: DefId, args: &[Exp]) -> CResult<Option<String>> {
        let d = &self.g.spec.defs[def];
        let Some(b) = d.builtin.as_ref().filter(|_| self.g.builtin_usable(def)) else { return Ok(None) };
        let mut parts = Vec::new();
        for ((_, pty), a) in d.params.iter().zip(args) {
            // A builtin only reads a list of primitive values (bytes, bits, lanes): it borrows the
            // list, which is often a slice of a memory or a variable, instead of a copy.
            if self.g.is_number_list(pty) {
                parts.push(self.arg(a, pty)?);
            } else {
                parts.push(self.view_as(a, pty)?);
            }
        }
        Ok(Some(format!("wspec_runtime::builtins::{}({})", fn_name(b), parts.join(", "))))
    }

    /// The call of a builtin that gives a list of numbers, as the builtin gives it (a list or
    /// the bytes of a number inline), for a reader that only borrows it: `None` for other
    /// expressions.
    pub fn builtin_list(&self, e: &Exp) -> CResult<Option<String>> {
        let ExpKind::Call(def, args) = &e.kind else { return Ok(None) };
        let d = &self.g.spec.defs[*def];
        if super::has_hint(&d.hints, "choice") || !self.g.is_number_list(&d.result) {
            return Ok(None);
        }
        Ok(self.builtin_call(*def, args)?.map(|raw| format!("wspec_runtime::ok({raw})?")))
    }

    /// A value of a smaller type at a larger one.
    fn coerce(&self, x: &Exp, to: &Ty) -> CResult<String> {
        // Into or out of a family through its instances (`num_` into `lane_`, an `fN` into a
        // `lane_`): by the instance the type names, not through a number, which would lose
        // which instance (an integer or a float) the value is of.
        if let (Ty::Named(a, _), Ty::Named(b, _)) = (self.g.expand(&x.ty), self.g.expand(to)) {
            if a != b && (self.g.family_path_for(b, &x.ty).is_some() || self.g.family_path_for(a, to).is_some()) {
                return Ok(self.g.convert_code(&self.view(x)?, &x.ty, to));
            }
        }
        if self.is_numeric(&x.ty) && self.is_numeric(to) {
            let w = self.wide(x)?;
            return self.narrow(&w, to);
        }
        let (from_t, to_t) = (self.g.expand(&x.ty), self.g.expand(to));
        match (&from_t, &to_t) {
            (Ty::Named(a, _), Ty::Named(b, _)) if a == b => self.view(x),
            (Ty::Named(a, _), Ty::Named(b, _)) => {
                let code = self.view(x)?;
                self.unit.convs.borrow_mut().insert(Conv { from: *a, to: *b, narrow: false });
                Ok(format!("conv::{}({code})", conv_name(self.g, *a, *b, false)))
            }
            (Ty::Iter(fe, _), Ty::Iter(te, tk)) => {
                if self.view_type(&x.ty) == self.view_type(to) {
                    return self.view(x);
                }
                // Element-wise, through whatever holds the elements (an optional or a list).
                if self.differs(fe) || self.differs(te) {
                    return Err(format!("converting `{}` to `{}` element-wise is not supported yet", self.g.show(&x.ty), self.g.show(to)));
                }
                let conv = self.convert_elem("x", fe, te);
                let code = self.view(x)?;
                if *tk == IterKind::Opt {
                    return Ok(format!("{code}.into_iter().map(|x| -> R<_> {{ Ok({conv}) }}).next().transpose()?"));
                }
                Ok(format!("{code}.into_iter().map(|x| -> R<_> {{ Ok({conv}) }}).collect::<R<Vec<_>>>()?"))
            }
            _ => {
                if self.view_type(&x.ty) == self.view_type(to) {
                    self.view(x)
                } else {
                    Err(format!("cannot convert `{}` to `{}`", self.g.show(&x.ty), self.g.show(to)))
                }
            }
        }
    }

    /// Builds constructor `case` of `decl` (in instance `inst`) as a value of type `target`.
    fn con(&self, target: &Ty, decl: TypeId, inst: Option<usize>, case: usize, args: &[Exp]) -> CResult<String> {
        let m = self.g.mixop_of(decl, inst, case).ok_or("constructor of a non-variant")?.clone();
        let target_e = self.g.expand(target);
        // A numeric enumeration's constructor is its number.
        if let Ty::Named(tid, _) = &target_e {
            if self.g.numeric_enums.contains_key(tid) {
                let h = m.head().ok_or("numeric constructor without a number")?;
                return self.num_literal(h, target);
            }
        }
        if let Ty::Iter(..) = target_e {
            return Err("a constructor where a sequence is expected".into());
        }
        let Ty::Named(tid, targs) = &target_e else { return Err(format!("constructor `{}` at a non-variant type", m.name())) };
        let path = self
            .g
            .con_path(*tid, targs, decl, inst, case, &m, 0)
            .ok_or_else(|| format!("no constructor `{}` in `{}`", m.name(), self.g.show(target)))?;
        let (wrappers, ctor, owner, owner_inst) = path;
        if self.g.numeric_enums.contains_key(&owner) {
            // Reached through an inclusion of a numeric enumeration: the number itself.
            let h = m.head().ok_or("numeric constructor without a number")?;
            let mut code = format!("{h}_{}", self.g.repr_numeric_enum(owner).unwrap_or_else(|| "u64".into()));
            for w in wrappers.iter().rev() {
                code = format!("{w}({code})");
            }
            return Ok(code);
        }
        let owner_case = self.g.mixop_of(owner, owner_inst, ctor.1).ok_or("lost constructor")?.clone();
        let mut parts = Vec::new();
        for (slot_ty, a) in owner_case.slots.iter().zip(args) {
            let code = if super::has_hint(&self.g.spec.types[owner].hints, "config") { self.view_as(a, slot_ty)? } else { self.store_as(a, slot_ty)? };
            if self.g.field_boxed(&self.g.repr(slot_ty), owner) {
                parts.push(format!("Box::new({code})"));
            } else {
                parts.push(code);
            }
        }
        let mut code = if parts.is_empty() { ctor.0.clone() } else { format!("{}({})", ctor.0, parts.join(", ")) };
        if self.g.is_shared(owner) {
            code = format!("std::rc::Rc::new({code})");
        }
        for w in wrappers.iter().rev() {
            code = format!("{w}({code})");
        }
        Ok(code)
    }

    // -----------------------------------------------------------------------------------------
    // Patterns

    /// Matches a list element-wise (`(LOCAL t)*`): each variable of the element pattern collects
    /// one list. With `elem`, the type of the elements, `value` is a place that is iterated by
    /// reference, each element matched in place and only what the pattern binds copied; without,
    /// `value` is an owned list.
    pub fn pattern_elementwise(&mut self, body: &Exp, spec: &IterSpec, value: &str, elem: Option<&Ty>, out: &mut String) -> CResult<()> {
        let t = self.fresh("it");
        let _ = writeln!(out, "let {t} = {value};");
        self.bind_count(spec, &t, out)?;
        let before: HashSet<String> = self.locals.keys().cloned().collect();
        let mut inner = self.nested(1);
        let e = inner.fresh("e");
        let mut body_code = String::new();
        match elem {
            Some(el) => inner.pattern_ref(body, el, &e, &mut body_code)?,
            None => inner.pattern(body, &e, &mut body_code)?,
        }
        *self.tmp.borrow_mut() = *inner.tmp.borrow() + 1;
        let mut new: Vec<(String, Local)> =
            inner.locals.iter().filter(|(k, _)| !before.contains(*k)).map(|(k, l)| (k.clone(), l.clone())).collect();
        new.sort_by(|a, b| a.0.cmp(&b.0));
        let accs: Vec<String> = new.iter().map(|(k, _)| self.fresh(&format!("acc_{}", var_name(k)))).collect();
        for a in &accs {
            if spec.kind == IterKind::Opt {
                let _ = writeln!(out, "let mut {a} = Vec::new();");
            } else {
                let _ = writeln!(out, "let mut {a} = wspec_runtime::seq::with_room({t}.len());");
            }
        }
        let pushes: String = new.iter().zip(&accs).map(|((k, l), a)| format!("wspec_runtime::machine::put(&mut {a}, {});", inner.collected(k, l))).collect();
        let iter = if elem.is_some() { "iter" } else { "into_iter" };
        let _ = writeln!(out, "for {e} in {t}.{iter}() {{\n{body_code}{pushes}\n}}");
        self.bind_collected(&new, &accs, spec.kind == IterKind::Opt, true, out);
        Ok(())
    }

    /// `p^n` matched against the list `list`: its length is `n`, bound here or checked.
    pub fn bind_count(&mut self, spec: &IterSpec, list: &str, out: &mut String) -> CResult<()> {
        self.bind_length(spec, &format!("{list}.len()"), out)
    }

    /// `p^n` matched against a list of length `len` (code of a `usize`): `n` is bound to it
    /// here, or checked against it.
    pub fn bind_length(&mut self, spec: &IterSpec, len: &str, out: &mut String) -> CResult<()> {
        if let Some(c) = spec.count.as_deref() {
            match &c.kind {
                ExpKind::Var(n) if !self.locals.contains_key(n) => {
                    let rust = self.bind(n, Ty::Nat, 0);
                    let _ = writeln!(out, "let {rust} = {len} as u64;");
                }
                _ => {
                    let _ = writeln!(out, "wspec_runtime::check(wspec_runtime::num::wide({len} as u64)? == {})?;", self.wide(c)?);
                }
            }
        }
        Ok(())
    }

    /// After an iteration: binds each variable that the element pattern bound (`new`) to the
    /// list its accumulator collected, or to an optional for `?`. With `keep_handles`, lists of
    /// arena handles stay handles.
    pub fn bind_collected(&mut self, new: &[(String, Local)], accs: &[String], optional: bool, keep_handles: bool, out: &mut String) {
        for ((k, l), a) in new.iter().zip(accs) {
            let rust = self.fresh(&var_name(k));
            if optional {
                let _ = writeln!(out, "let {rust} = {a}.into_iter().next();");
            } else {
                let _ = writeln!(out, "let {rust} = {a};");
            }
            let mut opt = vec![optional];
            opt.extend(l.opt.iter().copied());
            let mut local = Local::owned(rust, l.ty.clone(), l.dim + 1, opt);
            if keep_handles && l.kind == LocalKind::Handle {
                local.kind = LocalKind::Handle;
            }
            self.locals.insert(k.clone(), local);
        }
    }

    /// Statements that match `value` (code of the view of a value of type `p.ty`) against
    /// pattern `p`, binding its variables; a mismatch is a soft failure.
    pub fn pattern(&mut self, p: &Exp, value: &str, out: &mut String) -> CResult<()> {
        match &p.kind {
            ExpKind::Var(v) => {
                if let Some(l) = self.locals.get(v) {
                    // Already bound: an equality test.
                    let _ = writeln!(out, "wspec_runtime::check({} == {value})?;", l.rust);
                    return Ok(());
                }
                let ty = self.g.var_elem_type(p);
                let dim = self.g.var_dim(p);
                let rust = self.bind(v, ty, dim);
                let _ = writeln!(out, "let {rust} = {value};");
                Ok(())
            }
            ExpKind::Num(n) => {
                let _ = writeln!(out, "wspec_runtime::check(wspec_runtime::num::wide({value})? == {n}i128)?;");
                Ok(())
            }
            ExpKind::Tuple(xs) => {
                let names: Vec<String> = xs.iter().map(|_| self.fresh("t")).collect();
                let _ = writeln!(out, "let ({},) = {value};", names.join(", "));
                for (x, n) in xs.iter().zip(&names) {
                    self.pattern(x, n, out)?;
                }
                Ok(())
            }
            ExpKind::Iter(body, spec) if matches!(body.kind, ExpKind::Var(_)) && spec.index.is_none() => {
                let ExpKind::Var(v) = &body.kind else { unreachable!() };
                if let Some(ExpKind::Var(n)) = spec.count.as_ref().map(|c| &c.kind) {
                    if !self.locals.contains_key(n) {
                        let t = self.fresh("len");
                        let _ = writeln!(out, "let {t} = {value}.len() as u64;");
                        let rust = self.bind(n, Ty::Nat, 0);
                        let _ = writeln!(out, "let {rust} = {t};");
                    }
                }
                let base_dim = self.g.var_dim(body);
                let elem = self.g.var_elem_type(body);
                let rust = self.bind(v, elem, base_dim + 1);
                if spec.kind == IterKind::Opt {
                    if let Some(l) = self.locals.get_mut(v) {
                        l.opt = std::iter::once(true).chain(std::iter::repeat_n(false, base_dim)).collect();
                    }
                }
                let _ = writeln!(out, "let {rust} = {value};");
                Ok(())
            }
            ExpKind::Iter(body, spec) if spec.index.is_none() && spec.kind != IterKind::Opt || spec.index.is_none() && spec.count.is_none() => {
                self.pattern_elementwise(body, spec, value, None, out)
            }
            ExpKind::Sub(inner, _) => {
                // Narrowing: the value must be of the pattern's (smaller) type.
                let (from, to) = (self.g.expand(&p.ty), self.g.expand(&inner.ty));
                // A family instance's value bound to a variable of the family (`c:Bi32` with
                // `c` a `num_`): wrap it in its instance.
                if let Ty::Named(fam, _) = &to {
                    if let Some((variant, body)) = self.g.family_instance_for(*fam, &p.ty) {
                        let t = self.fresh("n");
                        let payload = self.g.convert_code(value, &p.ty, &body);
                        let _ = writeln!(out, "let {t} = {}::{variant}({payload});", self.g.type_names[*fam]);
                        return self.pattern(inner, &t, out);
                    }
                }
                // A family value that must be of one of its instances, maybe nested (a `lane_`
                // bound to a variable of `num_`): unwrap it.
                if let (Ty::Named(fam, _), Ty::Named(..)) = (&from, &to) {
                    if let Some((path, body)) = self.g.family_path_for(*fam, &inner.ty) {
                        let t = self.fresh("n");
                        let payload = self.g.convert_code("x", &body, &inner.ty);
                        let _ = writeln!(
                            out,
                            "let {t} = match {value} {{ {} => {payload}, #[allow(unreachable_patterns)] _ => return Err(wspec_runtime::Fail::soft()) }};",
                            wrap_path(&path, "x")
                        );
                        return self.pattern(inner, &t, out);
                    }
                }
                // A family value holding a number (`num_` holding an `iN`): the number.
                if self.int_type(&p.ty).is_none() && self.int_type(&inner.ty).is_some() {
                    let insts = self.int_instances(&p.ty);
                    if !insts.is_empty() {
                        let t = self.fresh("n");
                        let it = self.int_type(&inner.ty).unwrap_or_else(|| "u64".into());
                        let arms: String = insts
                            .iter()
                            .map(|(v, _)| format!("{} => wspec_runtime::num::narrow::<{it}>(wspec_runtime::num::wide(x)?)?, ", wrap_path(v, "x")))
                            .collect();
                        let _ = writeln!(out, "let {t} = match {value} {{ {arms}_ => return Err(wspec_runtime::Fail::soft()) }};");
                        return self.pattern(inner, &t, out);
                    }
                }
                // Unwrapping an inclusion (maybe in a family instance): a pattern on the wrappers.
                if let (Ty::Named(a, _), Ty::Named(b, _)) = (&from, &to) {
                    if let Some(path) = self.g.include_path(*a, *b, 0) {
                        let t = self.fresh("n");
                        let mut pat = t.clone();
                        for w in path.iter().rev() {
                            pat = format!("{w}({pat})");
                        }
                        let _ = writeln!(out, "#[allow(irrefutable_let_patterns)]\nlet {pat} = {value} else {{ return Err(wspec_runtime::Fail::soft()) }};");
                        return self.pattern(inner, &t, out);
                    }
                }
                match (&from, &to) {
                    (Ty::Named(a, _), Ty::Named(b, _)) if a != b && !self.is_numeric(&p.ty) => {
                        let narrow = !self.g.covers(*b, *a);
                        self.unit.convs.borrow_mut().insert(Conv { from: *a, to: *b, narrow });
                        let t = self.fresh("n");
                        if narrow {
                            let _ = writeln!(out, "let {t} = wspec_runtime::ok(conv::{}({value}))?;", conv_name(self.g, *a, *b, true));
                        } else {
                            let _ = writeln!(out, "let {t} = conv::{}({value});", conv_name(self.g, *a, *b, false));
                        }
                        self.pattern(inner, &t, out)
                    }
                    _ if self.is_numeric(&p.ty) && self.is_numeric(&inner.ty) => {
                        let t = self.fresh("n");
                        let it = self.int_type(&inner.ty).unwrap_or_else(|| "u64".into());
                        let _ = writeln!(out, "let {t} = wspec_runtime::num::narrow::<{it}>(wspec_runtime::num::wide({value})?)?;");
                        self.pattern(inner, &t, out)
                    }
                    _ => self.pattern(inner, value, out),
                }
            }
            ExpKind::List(xs) if !matches!(self.g.seq_elem(&p.ty), Some((_, IterKind::Opt))) => {
                let t = self.fresh("l");
                let _ = writeln!(out, "let {t} = {value};");
                let _ = writeln!(out, "wspec_runtime::check({t}.len() == {})?;", xs.len());
                for (i, x) in xs.iter().enumerate() {
                    self.pattern(x, &format!("{t}[{i}].clone()"), out)?;
                }
                Ok(())
            }
            ExpKind::List(xs) => {
                // An optional: `eps` or one element.
                let t = self.fresh("o");
                let _ = writeln!(out, "let {t} = {value};");
                match xs.as_slice() {
                    [] => {
                        let _ = writeln!(out, "wspec_runtime::check({t}.is_none())?;");
                        Ok(())
                    }
                    [x] => {
                        let u = self.fresh("o");
                        let _ = writeln!(out, "let Some({u}) = {t} else {{ return Err(wspec_runtime::Fail::soft()) }};");
                        self.pattern(x, &u, out)
                    }
                    _ => Err("an optional with several elements".into()),
                }
            }
            ExpKind::Some(x) => {
                let u = self.fresh("o");
                let _ = writeln!(out, "let Some({u}) = {value} else {{ return Err(wspec_runtime::Fail::soft()) }};");
                self.pattern(x, &u, out)
            }
            ExpKind::Cat(parts) => {
                // At most one part of unknown length; the others are lists.
                let lens: Vec<Option<usize>> = parts
                    .iter()
                    .map(|x| match &x.kind {
                        ExpKind::List(xs) => Some(xs.len()),
                        _ => None,
                    })
                    .collect();
                if lens.iter().filter(|l| l.is_none()).count() > 1 {
                    return Err("a sequence pattern with two parts of unknown length".into());
                }
                let fixed: usize = lens.iter().flatten().sum();
                let t = self.fresh("c");
                let _ = writeln!(out, "let {t} = {value};");
                let _ = writeln!(out, "wspec_runtime::check({t}.len() >= {fixed})?;");
                let var_len = format!("({t}.len() - {fixed})");
                let mut offset = "0".to_string();
                for (x, l) in parts.iter().zip(&lens) {
                    let len = l.map(|l| l.to_string()).unwrap_or_else(|| var_len.clone());
                    let sub = format!("{t}[{offset}..{offset} + {len}].to_vec()");
                    self.pattern(x, &sub, out)?;
                    offset = format!("({offset} + {len})");
                }
                Ok(())
            }
            ExpKind::Record(fields) => {
                // Each field against its pattern.
                let Ty::Named(id, _) = self.g.expand(&p.ty) else { return Err("a record pattern of a non-record type".into()) };
                let TypeBody::Record(decl) = &self.g.spec.types[id].body else { return Err("a record pattern of a non-record type".into()) };
                let decl = decl.clone();
                let t = self.fresh("rec");
                let _ = writeln!(out, "let {t} = {value};");
                for ((name, x), fd) in fields.iter().zip(&decl) {
                    let f = self.fresh("fld");
                    let boxed = self.g.field_boxed(&self.g.repr(&fd.ty), id);
                    let read = if boxed { format!("(*{t}.{}).clone()", field_name(name)) } else { format!("{t}.{}.clone()", field_name(name)) };
                    let read = self.read_seq(read, &fd.ty)?;
                    let _ = writeln!(out, "let {f} = {read};");
                    self.pattern(x, &f, out)?;
                }
                Ok(())
            }
            ExpKind::Con { ty, inst, case, args } => {
                let m = self.g.mixop_of(*ty, *inst, *case).ok_or("constructor of a non-variant")?.clone();
                let target = self.g.expand(&p.ty);
                if let Ty::Named(tid, _) = &target {
                    if self.g.numeric_enums.contains_key(tid) {
                        let h = m.head().ok_or("numeric constructor without a number")?;
                        let _ = writeln!(out, "wspec_runtime::check(wspec_runtime::num::wide({value})? == {h}i128)?;");
                        return Ok(());
                    }
                }
                let Ty::Named(tid, targs) = &target else { return Err("a constructor pattern at a non-variant type".into()) };
                let (wrappers, (ctor, _), owner, owner_inst) = self
                    .g
                    .con_path(*tid, targs, *ty, *inst, *case, &m, 0)
                    .ok_or_else(|| format!("no constructor `{}` in `{}`", m.name(), self.g.show(&p.ty)))?;
                let owner_case = self.g.mixop_of(owner, owner_inst, 0).cloned();
                let _ = owner_case;
                let names: Vec<String> = args.iter().map(|_| self.fresh("f")).collect();
                let mut pat = if names.is_empty() { ctor.clone() } else { format!("{ctor}({})", names.join(", ")) };
                for w in wrappers.iter().rev() {
                    pat = format!("{w}({pat})");
                }
                let tuple = if names.len() == 1 { format!("({},)", names[0]) } else { format!("({})", names.join(", ")) };
                let pat = self.g.with_alternatives(pat, *tid, owner, owner_inst, &m, &names);
                // A shared value is matched through its reference count. Held in a variable, which
                // outlives what is matched, its fields are matched in place (an expanded function
                // type on every call); otherwise they are cloned.
                let shared = self.g.is_shared(owner);
                let in_place = shared && is_word(value);
                let value = if shared { format!("&*{value}") } else { value.to_string() };
                #[allow(irrefutable_let_patterns)]
                let _ = writeln!(out, "#[allow(irrefutable_let_patterns)]\nlet {pat} = {value} else {{ return Err(wspec_runtime::Fail::soft()) }};");
                let _ = tuple;
                let slots: Vec<Ty> = self.g.mixop_of(owner, owner_inst, self.g.case_index_in(owner, owner_inst, &m).unwrap_or(0)).map(|mm| mm.slots.clone()).unwrap_or_default();
                if in_place {
                    for (i, (x, n)) in args.iter().zip(&names).enumerate() {
                        let st = slots.get(i).cloned().unwrap_or_else(|| x.ty.clone());
                        let r = if self.g.field_boxed(&self.g.repr(&st), owner) { format!("&**{n}") } else { n.clone() };
                        self.pattern_ref(x, &st, &r, out)?;
                    }
                    return Ok(());
                }
                for (i, (x, n)) in args.iter().zip(&names).enumerate() {
                    // Executing, an arena sequence is bound as its handle.
                    if let Some(t) = slots.get(i) {
                        if self.bind_handle(x, t, &format!("{n}.clone()"), out) {
                            continue;
                        }
                    }
                    let boxed = slots.get(i).map(|t| self.g.field_boxed(&self.g.repr(t), owner)).unwrap_or(false);
                    let v = if boxed { format!("(*{n}).clone()") } else { format!("{n}.clone()") };
                    let v = match slots.get(i) {
                        Some(t) => self.read_seq(v, t)?,
                        None => v,
                    };
                    self.pattern(x, &v, out)?;
                }
                Ok(())
            }
            _ => {
                // Anything else must equal the value.
                let code = self.view(p)?;
                let _ = writeln!(out, "wspec_runtime::check({code} == {value})?;");
                Ok(())
            }
        }
    }
}

/// Whether generated code is one word: a variable or a literal (`b`, `0_u8`), which names a
/// value without computing anything.
fn is_word(code: &str) -> bool {
    !code.is_empty() && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The variables that occur exactly once in an expression (outside iteration bodies, where one
/// occurrence runs many times): the last expression of a function may move them.
pub fn used_once(e: &Exp) -> HashSet<String> {
    fn count(e: &Exp, n: &mut HashMap<String, usize>, looped: bool) {
        match &e.kind {
            ExpKind::Var(v) => *n.entry(v.clone()).or_default() += if looped { 2 } else { 1 },
            ExpKind::Iter(body, spec) => {
                // `x*` uses `x` once; other bodies run once per element.
                if let (ExpKind::Var(b), [w]) = (&body.kind, spec.vars.as_slice()) {
                    if b == w && spec.count.is_none() && spec.index.is_none() {
                        *n.entry(b.clone()).or_default() += if looped { 2 } else { 1 };
                        return;
                    }
                }
                for v in &spec.vars {
                    *n.entry(v.clone()).or_default() += 2;
                }
                count(body, n, true);
                if let Some(c) = &spec.count {
                    count(c, n, looped);
                }
            }
            ExpKind::Con { args, .. } | ExpKind::Tuple(args) | ExpKind::List(args) | ExpKind::Cat(args) | ExpKind::Call(_, args) => {
                args.iter().for_each(|a| count(a, n, looped))
            }
            ExpKind::Record(fs) => fs.iter().for_each(|(_, a)| count(a, n, looped)),
            ExpKind::Some(x) | ExpKind::Field(x, _) | ExpKind::Len(x) | ExpKind::Not(x) | ExpKind::Neg(x) | ExpKind::Sub(x, _) => {
                count(x, n, looped)
            }
            ExpKind::Index(a, b) | ExpKind::Bin(_, a, b) | ExpKind::Cmp(_, a, b) => {
                count(a, n, looped);
                count(b, n, looped);
            }
            ExpKind::Slice(a, b, c) => {
                count(a, n, looped);
                count(b, n, looped);
                count(c, n, looped);
            }
            ExpKind::Update(a, _, _, v) => {
                count(a, n, looped);
                count(v, n, looped);
                *n.entry(String::new()).or_default() += 2;
            }
            ExpKind::Num(_) | ExpKind::Text(_) | ExpKind::Bool(_) => {}
        }
    }
    let mut n = HashMap::new();
    count(e, &mut n, false);
    n.into_iter().filter(|(_, c)| *c == 1).map(|(v, _)| v).collect()
}

/// The name of a generated conversion function.
pub fn conv_name(g: &Gen<'_>, from: TypeId, to: TypeId, narrow: bool) -> String {
    let f = fn_name(&g.spec.types[from].name);
    let t = fn_name(&g.spec.types[to].name);
    if narrow {
        format!("{f}_as_{t}")
    } else {
        format!("{f}_to_{t}")
    }
}

/// One step of building a constructor of a type that contains it: the enum variant that wraps.
pub type ConPath = (Vec<String>, (String, usize), TypeId, Option<usize>);

impl Gen<'_> {
    pub fn seq_elem(&self, t: &Ty) -> Option<(Ty, IterKind)> {
        match self.expand(t) {
            Ty::Iter(e, k) => Some((*e, k)),
            _ => None,
        }
    }

    /// Follows aliases (also parameterised ones) to the type that has the structure.
    pub fn expand(&self, t: &Ty) -> Ty {
        let mut t = t.clone();
        for _ in 0..32 {
            match &t {
                Ty::Named(id, _) => match &self.spec.types[*id].body {
                    TypeBody::Alias(target) if crate::codegen::hint_text(&self.spec.types[*id].hints, "repr").is_none() => {
                        t = target.clone()
                    }
                    TypeBody::Family(insts) if self.is_plain_family(*id) => match &insts[0].body {
                        TypeBody::Alias(target) => t = target.clone(),
                        _ => return t,
                    },
                    _ => return t,
                },
                _ => return t,
            }
        }
        t
    }

    pub fn show(&self, t: &Ty) -> String {
        crate::ir_fmt::Printer::new(self.spec).ty(t)
    }

    /// The Rust path of a case's constructor and the wrappers that lead to it from `target`.
    #[allow(clippy::too_many_arguments)]
    pub fn con_path(
        &self,
        target: TypeId,
        targs: &[Exp],
        decl: TypeId,
        inst: Option<usize>,
        case: usize,
        m: &Mixop,
        depth: usize,
    ) -> Option<ConPath> {
        if depth > 16 {
            return None;
        }
        let sig = |mm: &Mixop| (mm.atoms().into_iter().map(String::from).collect::<Vec<String>>(), mm.slots.len());
        let want = sig(m);
        let def = &self.spec.types[target];
        let search_cases = |cases: &[Case], owner_inst: Option<usize>, type_rust: &str| -> Option<ConPath> {
            let struct_like = self.variant_is_struct(cases);
            // The declared case itself first, then any case with the same notation.
            let exact = target == decl && owner_inst == inst;
            for (i, c) in cases.iter().enumerate() {
                if let CaseKind::Con(cm) = &c.kind {
                    if (exact && i == case) || (!exact && sig(cm) == want) {
                        let key_inst = if self.is_plain_family(target) { Some(0) } else { owner_inst };
                        let ctor = if struct_like {
                            type_rust.to_string()
                        } else {
                            format!("{type_rust}::{}", self.case_names.get(&(target, key_inst, i))?)
                        };
                        return Some((Vec::new(), (ctor, i), target, owner_inst));
                    }
                }
            }
            for (i, c) in cases.iter().enumerate() {
                if let CaseKind::Include(t) = &c.kind {
                    if let Ty::Named(j, jargs) = self.expand(t) {
                        if let Some((mut w, ctor, o, oi)) = self.con_path(j, &jargs, decl, inst, case, m, depth + 1) {
                            let key_inst = if self.is_plain_family(target) { Some(0) } else { owner_inst };
                            w.insert(0, format!("{type_rust}::{}", self.case_names.get(&(target, key_inst, i))?));
                            return Some((w, ctor, o, oi));
                        }
                    }
                }
            }
            None
        };
        match &def.body {
            TypeBody::Variant(cases) => search_cases(cases, None, &self.type_names[target]),
            TypeBody::Family(insts) if self.is_plain_family(target) => match &insts[0].body {
                TypeBody::Variant(cases) => search_cases(cases, Some(0), &self.type_names[target]),
                _ => None,
            },
            TypeBody::Family(insts) => {
                // Prefer the instance the constructor was declared in.
                let mut order: Vec<usize> = (0..insts.len()).collect();
                if target == decl {
                    if let Some(i) = inst {
                        order.retain(|&x| x != i);
                        order.insert(0, i);
                    }
                }
                let _ = targs;
                for i in order {
                    let TypeBody::Variant(cases) = &insts[i].body else { continue };
                    let tn = self.inst_types.get(&(target, i))?;
                    if let Some((mut w, ctor, o, oi)) = search_cases(cases, Some(i), tn) {
                        w.insert(0, format!("{}::{}", self.type_names[target], self.inst_variants[&(target, i)]));
                        return Some((w, ctor, o, oi));
                    }
                }
                None
            }
            _ => None,
        }
    }

    /// For a family (with several instances) and a value type, the instance whose body that
    /// type fits: its variant name and body type.
    pub fn family_instance_for(&self, fam: TypeId, value: &Ty) -> Option<(String, Ty)> {
        let (path, body) = self.family_path_in(fam, value, 0, false)?;
        let variant = path.first()?.rsplit("::").next()?.to_string();
        Some((variant, body))
    }

    /// The integer instances of a family, nested (see `Fx::int_instances`).
    pub fn int_paths(&self, t: &Ty) -> Vec<(Vec<String>, String)> {
        let mut out = Vec::new();
        self.int_paths_in(t, 0, &mut out);
        out
    }

    fn int_paths_in(&self, t: &Ty, depth: usize, out: &mut Vec<(Vec<String>, String)>) {
        if depth > 4 {
            return;
        }
        let Ty::Named(fam, _) = self.expand(t) else { return };
        let TypeBody::Family(insts) = &self.spec.types[fam].body else { return };
        if self.is_plain_family(fam) {
            return;
        }
        for (i, inst) in insts.iter().enumerate() {
            let Some(v) = self.inst_variants.get(&(fam, i)) else { continue };
            let ctor = format!("{}::{v}", self.type_names[fam]);
            let r = match &inst.body {
                TypeBody::Alias(b) => self.repr_in(b, &self.instance_env(fam, i), 0),
                TypeBody::Range(lo, hi, _) => self.int_repr(lo, hi, &self.instance_env(fam, i)),
                _ => continue,
            };
            if let Some(it) = self.int_of_repr(&r, 0) {
                out.push((vec![ctor], it));
            } else if let TypeBody::Alias(b) = &inst.body {
                let mut nested = Vec::new();
                self.int_paths_in(b, depth + 1, &mut nested);
                for (mut path, it) in nested {
                    path.insert(0, ctor.clone());
                    out.push((path, it));
                }
            }
        }
    }

    /// Like [`Self::family_instance_for`], through instances that are families themselves: the
    /// nested variants from `fam` down to the instance whose body `value` fits (`Lane::Numtype`,
    /// `Num::Inn` for an `iN` in a `lane_`), and that body. The first fitting instance wins.
    pub fn family_path_for(&self, fam: TypeId, value: &Ty) -> Option<(Vec<String>, Ty)> {
        self.family_path_in(fam, value, 0, true)
    }

    fn family_path_in(&self, fam: TypeId, value: &Ty, depth: usize, nested: bool) -> Option<(Vec<String>, Ty)> {
        if depth > 4 || self.is_plain_family(fam) {
            return None;
        }
        let TypeBody::Family(insts) = &self.spec.types[fam].body else { return None };
        let head = |t: &Ty| match self.expand(t) {
            Ty::Named(id, _) => Some(id),
            _ => None,
        };
        let vh = head(value)?;
        for (i, inst) in insts.iter().enumerate() {
            let TypeBody::Alias(b) = &inst.body else { continue };
            let Some(variant) = self.inst_variants.get(&(fam, i)) else { continue };
            let ctor = format!("{}::{variant}", self.type_names[fam]);
            let bh = head(b);
            if bh == Some(vh) {
                return Some((vec![ctor], b.clone()));
            }
            if let Some(inner) = bh.filter(|_| nested) {
                if inner != fam && matches!(self.spec.types[inner].body, TypeBody::Family(_)) {
                    if let Some((mut path, leaf)) = self.family_path_in(inner, value, depth + 1, true) {
                        path.insert(0, ctor);
                        return Some((path, leaf));
                    }
                }
            }
        }
        None
    }

    /// Whether every constructor of `small` is one of `big` (so conversion cannot fail).
    pub fn covers(&self, big: TypeId, small: TypeId) -> bool {
        let sig = |(_, d, i, c, n): &((), TypeId, Option<usize>, usize, usize)| {
            self.mixop_of(*d, *i, *c).map(|m| (m.atoms().join(" "), *n))
        };
        let bigs: HashSet<_> = self.leaf_cases_pub(big).iter().filter_map(sig).collect();
        self.leaf_cases_pub(small).iter().filter_map(sig).all(|s| bigs.contains(&s))
    }

    /// Converts code between the representations of two types (numbers of different widths,
    /// an instance's value into its family).
    pub fn convert_code(&self, v: &str, from: &Ty, to: &Ty) -> String {
        let (rf, rt) = (self.repr(from), self.repr(to));
        if rf == rt {
            return v.to_string();
        }
        if let (Some(_), Some(it)) = (self.int_of_repr(&rf, 0), self.int_of_repr(&rt, 0)) {
            return format!("wspec_runtime::num::cast::<_, {it}>({v})?");
        }
        // Sequences element by element (lists of lists too).
        if let (Ty::Iter(fe, fk), Ty::Iter(te, tk)) = (from, to) {
            if fk != &IterKind::Opt && tk != &IterKind::Opt && matches!((&rf, &rt), (Repr::Vec(_), Repr::Vec(_))) {
                let inner = self.convert_code("x", fe, te);
                return format!("{v}.into_iter().map(|x| -> R<_> {{ Ok({inner}) }}).collect::<R<Vec<_>>>()?");
            }
        }
        if let Ty::Named(fam, _) = self.expand(to) {
            if let Some((path, body)) = self.family_path_for(fam, from) {
                let inner = self.convert_code(v, from, &body);
                return wrap_path(&path, &inner);
            }
        }
        // Out of a family holding numbers, into a number: the number it holds.
        if let Some(it) = self.int_of_repr(&rt, 0) {
            let paths = self.int_paths(from);
            if !paths.is_empty() {
                let arms: String = paths
                    .iter()
                    .map(|(p, _)| format!("{} => wspec_runtime::num::narrow::<{it}>(wspec_runtime::num::wide(x)?)?, ", wrap_path(p, "x")))
                    .collect();
                return format!("(match {v} {{ {arms}#[allow(unreachable_patterns)] _ => return Err(wspec_runtime::Fail::soft()) }})");
            }
        }
        // Out of a family, into the type of one of its instances: the value must be of it.
        if let Ty::Named(fam, _) = self.expand(from) {
            if let Some((path, body)) = self.family_path_for(fam, to) {
                let inner = self.convert_code("x", &body, to);
                return format!("(match {v} {{ {} => {inner}, #[allow(unreachable_patterns)] _ => return Err(wspec_runtime::Fail::soft()) }})", wrap_path(&path, "x"));
            }
        }
        v.to_string()
    }

    /// The index of the case with notation `m` in a type (or instance).
    pub fn case_index_in(&self, id: TypeId, inst: Option<usize>, m: &Mixop) -> Option<usize> {
        let def = &self.spec.types[id];
        let body = match (inst, &def.body) {
            (Some(i), TypeBody::Family(insts)) => &insts.get(i)?.body,
            _ => &def.body,
        };
        let TypeBody::Variant(cases) = body else { return None };
        cases.iter().position(|c| matches!(&c.kind, CaseKind::Con(cm) if cm.atoms() == m.atoms() && cm.slots.len() == m.slots.len()))
    }

    /// The element type of a variable occurrence (its declared type).
    pub fn var_elem_type(&self, e: &Exp) -> Ty {
        e.ty.clone()
    }

    /// The dimension at which a pattern variable is bound: 0 at top level (dimensions of
    /// iterated binders are handled by the iteration patterns).
    pub fn var_dim(&self, _e: &Exp) -> usize {
        0
    }

    /// The Rust integer type behind a representation, through aliases.
    pub fn int_of_repr(&self, r: &Repr, depth: usize) -> Option<String> {
        if depth > 16 {
            return None;
        }
        match r {
            Repr::Prim(p) => r.int().map(|_| p.clone()),
            Repr::Named(_, id) => {
                if self.numeric_enums.contains_key(id) {
                    return self.repr_numeric_enum(*id);
                }
                match &self.spec.types[*id].body {
                    TypeBody::Range(lo, hi, _) => self.int_repr(lo, hi, &Default::default()).int().map(String::from),
                    TypeBody::Alias(t) => self.int_of_repr(&self.repr(t), depth + 1),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    pub fn repr_numeric_enum(&self, id: TypeId) -> Option<String> {
        let TypeBody::Variant(cases) = &self.spec.types[id].body else { return None };
        let max = cases
            .iter()
            .filter_map(|c| match &c.kind {
                CaseKind::Con(m) => m.head().and_then(|h| h.parse::<u128>().ok()),
                _ => None,
            })
            .max()?;
        Some(if max <= u8::MAX as u128 { "u8" } else if max <= u16::MAX as u128 { "u16" } else if max <= u32::MAX as u128 { "u32" } else { "u64" }.to_string())
    }

    /// Whether a definition's builtin can be called: the runtime knows only primitive types,
    /// so a definition over generated types (`$reinterpret__` of a `num_`) runs its clauses.
    pub fn builtin_usable(&self, d: DefId) -> bool {
        fn prim(g: &Gen<'_>, r: &Repr) -> bool {
            match r {
                Repr::Prim(_) | Repr::Param(_) => true,
                Repr::Vec(x) | Repr::Opt(x) => prim(g, x),
                Repr::Tuple(xs) => xs.iter().all(|x| prim(g, x)),
                // Aliases of numbers are numbers.
                Repr::Named(..) => g.int_of_repr(r, 0).is_some(),
                Repr::Seq(_) | Repr::Shared(_) => false,
            }
        }
        let def = &self.spec.defs[d];
        def.builtin.is_some() && def.params.iter().all(|(_, t)| prim(self, &self.repr(t))) && prim(self, &self.repr(&def.result))
    }

    /// Whether values of `t` are lists of primitive values (`byte*`, `bit*`, `u64*`, `char*`),
    /// which builtins take as slices.
    pub fn is_number_list(&self, t: &Ty) -> bool {
        match self.repr(t) {
            Repr::Vec(x) => matches!(*x, Repr::Prim(_)) || matches!(*x, Repr::Named(..)) && self.int_of_repr(&x, 0).is_some(),
            _ => false,
        }
    }

    /// Whether a generated definition needs the arena context (it builds arena sequences).
    pub fn def_needs_ctx(&self, _def: DefId) -> bool {
        false
    }
}

/// `inner` wrapped in nested variants: `Lane::Numtype(Num::Inn(inner))` for the path
/// `[Lane::Numtype, Num::Inn]`. The same text is a pattern when `inner` is one.
pub fn wrap_path(path: &[String], inner: &str) -> String {
    path.iter().rev().fold(inner.to_string(), |acc, v| format!("{v}({acc})"))
}
