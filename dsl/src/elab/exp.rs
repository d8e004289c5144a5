//! Elaboration of expressions: type-directed, bidirectional.
//!
//! `check` elaborates an expression against an expected type, `infer` synthesises a type. The
//! expected type decides how juxtaposition reads: against a sequence type `t*`, `a b c` is a
//! sequence; against a variant type, it is a constructor application whose notation
//! (`CONST numtype num_(numtype)`, `resulttype -> resulttype`) is matched item by item, with
//! backtracking over where iterated slots end and where symbolic atoms split the items.

use super::ty::{iter_fits, CaseRef, NumBase};
use super::{Elab, Occ, Scope, R};
use crate::ast::{self, MixItem, Span};
use crate::diag::{suggest, Diagnostic};
use crate::ir::*;
use num_bigint::BigInt;

/// One item of a flattened juxtaposition or mixfix sequence.
#[derive(Clone, Copy, Debug)]
pub(crate) enum MItem<'e> {
    Exp(&'e ast::Exp),
    /// A symbolic atom with its optional subscript.
    Atom(&'e str, Option<&'e ast::Exp>, Span),
}

impl MItem<'_> {
    fn span(&self) -> Span {
        match self {
            MItem::Exp(e) => e.span,
            MItem::Atom(_, _, s) => *s,
        }
    }
}

/// Flattens juxtaposition and mixfix sequences into items; parentheses group.
pub(crate) fn flatten<'e>(e: &'e ast::Exp, out: &mut Vec<MItem<'e>>) {
    match &e.kind {
        ast::ExpKind::Seq(xs) => out.extend(xs.iter().map(MItem::Exp)),
        ast::ExpKind::Mix(items) => {
            for it in items {
                match it {
                    MixItem::Exp(x) => flatten(x, out),
                    MixItem::Atom(a, sub, s) => out.push(MItem::Atom(a, sub.as_deref(), *s)),
                }
            }
        }
        _ => out.push(MItem::Exp(e)),
    }
}

fn items_span(items: &[MItem<'_>], fallback: Span) -> Span {
    match (items.first(), items.last()) {
        (Some(a), Some(b)) => a.span().to(b.span()),
        _ => fallback,
    }
}

/// The atom an item spells, if it can be one: `CONST`, `LOCAL.GET`, `8`, `->`.
fn item_atom(item: &MItem<'_>) -> Option<String> {
    match item {
        MItem::Atom(a, None, _) => Some(a.to_string()),
        MItem::Atom(..) => None,
        MItem::Exp(e) => exp_atom(e),
    }
}

pub(crate) fn exp_atom(e: &ast::Exp) -> Option<String> {
    let chain = field_chain(e);
    chain.atom.filter(|(k, _)| *k == chain.links.len()).map(|(_, a)| a)
}

/// A chain of field accesses `base.F_1. ... .F_n` (`n` may be 0).
pub(crate) struct FieldChain<'a> {
    pub base: &'a ast::Exp,
    /// From the outermost link (the whole chain, with `F_n`) in.
    pub links: Vec<(&'a ast::Exp, &'a ast::Ident)>,
    /// The longest prefix `base.F_1. ... .F_k` that [`exp_atom`] reads as an atom, and its `k`.
    pub atom: Option<(usize, String)>,
}

/// Takes a chain of field accesses apart, in one pass without recursion (chains can be long).
pub(crate) fn field_chain(e: &ast::Exp) -> FieldChain<'_> {
    let mut links = Vec::new();
    let mut base = e;
    while let ast::ExpKind::Field(b, f) = &base.kind {
        links.push((base, f));
        base = b;
    }
    let mut atom = match &base.kind {
        ast::ExpKind::Ident(n) => n.clone(),
        ast::ExpKind::Num(n) => n.to_string(),
        _ => return FieldChain { base, links, atom: None },
    };
    // `is_atom_name` of each prefix, incrementally: a prefix is one if the one before it is and
    // its last field has only atom characters.
    let mut is_atom = is_atom_name(&atom);
    let mut k = 0;
    for (_, f) in links.iter().rev() {
        if !is_atom {
            break;
        }
        is_atom = f.name.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_' || c == '.');
        atom.push('.');
        atom.push_str(&f.name);
        k += 1;
    }
    FieldChain { base, links, atom: Some((k, atom)) }
}

/// Whether a name reads as a constructor atom (all capitals, digits, `_` and `.`).
pub(crate) fn is_atom_name(name: &str) -> bool {
    let mut chars = name.chars();
    match chars.next() {
        Some(c) if c.is_ascii_uppercase() || c == '_' => {}
        _ => return false,
    }
    name.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_' || c == '.')
}

/// Why a notation did not match.
pub(crate) enum MatchErr {
    /// The items do not have the notation's shape (atoms missing, too many or too few items).
    Shape(Span, String),
    /// The shape fits, but an argument did not elaborate.
    Elab(Diagnostic),
}

fn mk(kind: ExpKind, ty: Ty, span: Span) -> Exp {
    Exp { kind, ty, span }
}

fn iter_kind(it: &ast::Iter) -> IterKind {
    match it {
        ast::Iter::Star => IterKind::Star,
        ast::Iter::Opt => IterKind::Opt,
        ast::Iter::Plus => IterKind::Plus,
        ast::Iter::Pow(_) | ast::Iter::PowIndexed(..) => IterKind::Pow,
    }
}

/// Maximum number of elaboration attempts when matching one notation, so that a pathological
/// expression cannot make elaboration exponential.
const MATCH_BUDGET: usize = 512;

impl Elab<'_> {
    // -----------------------------------------------------------------------------------------
    // Variables

    /// The type of a metavariable: a local, a declared `var`, or a syntax type used as a
    /// variable name; subscripts (`t_1`) and primes (`t'`) are ignored.
    pub(crate) fn var_type(&self, sc: &Scope, name: &str) -> Option<Ty> {
        if let Some(t) = sc.locals.get(name) {
            return Some(t.clone());
        }
        // A variable declared with its exact name (`var t' : nat`) is that variable.
        if let Some(&i) = self.var_index.get(name) {
            return Some(self.spec.vars[i].ty.clone());
        }
        let mut cand: String = name.chars().filter(|&c| c != '\'').collect();
        loop {
            if let Some(t) = sc.locals.get(&cand) {
                return Some(t.clone());
            }
            if let Some(&i) = self.var_index.get(&cand) {
                return Some(self.spec.vars[i].ty.clone());
            }
            if let Some(&id) = self.spec.type_index.get(&cand) {
                let def = &self.spec.types[id];
                if def.params.is_empty() && !matches!(def.body, TypeBody::Family(_)) {
                    return Some(Ty::Named(id, Vec::new()));
                }
            }
            if self.poisoned.contains(&cand) {
                return Some(Ty::Error);
            }
            match cand.rfind('_') {
                Some(p) if p > 0 => cand.truncate(p),
                _ => return None,
            }
        }
    }

    fn occ(&self, sc: &mut Scope, name: &str, span: Span) {
        sc.occs.push(Occ { name: name.to_string(), ctx: sc.iters.clone(), span });
    }

    fn var(&self, sc: &mut Scope, name: &str, ty: Ty, span: Span) -> Exp {
        self.occ(sc, name, span);
        mk(ExpKind::Var(name.to_string()), ty, span)
    }

    // -----------------------------------------------------------------------------------------
    // Coercion

    /// Uses `x` at type `t`: directly, through subtyping, or as a one-element sequence.
    pub(crate) fn coerce(&self, x: Exp, t: &Ty, span: Span) -> R<Exp> {
        if self.same(&x.ty, t) {
            return Ok(x);
        }
        if self.sub(&x.ty, t) {
            let ty = t.clone();
            return Ok(mk(ExpKind::Sub(Box::new(x), ty.clone()), ty, span));
        }
        // An element where a sequence is expected is a one-element sequence, also nested:
        // `SELECT t` where `(valtype*)?` is expected.
        if self.fits_nested(&x.ty, t, 2) {
            if let Some((elem, k)) = self.seq_elem(t) {
                let x = self.coerce(x, &elem, span)?;
                let kind = if k == IterKind::Opt { ExpKind::Some(Box::new(x)) } else { ExpKind::List(vec![x]) };
                return Ok(mk(kind, t.clone(), span));
            }
        }
        Err(self.mismatch(t, &x.ty, span))
    }

    /// Whether a value of type `a` becomes a `b` by wrapping it in at most `depth` singletons.
    fn fits_nested(&self, a: &Ty, b: &Ty, depth: usize) -> bool {
        match self.seq_elem(b) {
            Some((elem, _)) if depth > 0 => self.sub(a, &elem) || self.fits_nested(a, &elem, depth - 1),
            _ => false,
        }
    }

    pub(crate) fn mismatch(&self, expected: &Ty, found: &Ty, span: Span) -> Diagnostic {
        Diagnostic::error(format!(
            "mismatched types: expected `{}`, found `{}`",
            self.show(expected),
            self.show(found)
        ))
        .at(span, format!("expected `{}`", self.show(expected)))
    }

    /// Elaborates without knowing what to expect, after an earlier error.
    fn lenient(&self, sc: &mut Scope, e: &ast::Exp) -> Exp {
        let snap = sc.snapshot();
        match self.infer(sc, e) {
            Ok(x) => x,
            Err(_) => {
                sc.restore(snap);
                mk(ExpKind::Tuple(Vec::new()), Ty::Error, e.span)
            }
        }
    }

    // -----------------------------------------------------------------------------------------
    // Checking

    pub(crate) fn check(&self, sc: &mut Scope, e: &ast::Exp, t: &Ty) -> R<Exp> {
        use ast::ExpKind as K;
        if t.is_error() {
            return Ok(self.lenient(sc, e));
        }
        match &e.kind {
            K::Paren(inner) => {
                // A parenthesised juxtaposition is one element where a sequence is expected:
                // `(CONST nt c)` in an `instr*` is one instruction.
                // So is a parenthesised iteration: `(t*)` where `(valtype*)?` is expected.
                if let (Some((elem, k)), ast::ExpKind::Seq(_) | ast::ExpKind::Mix(_) | ast::ExpKind::Iter(..)) = (self.seq_elem(t), &inner.kind) {
                    let snap = sc.snapshot();
                    match self.check(sc, inner, &elem) {
                        Ok(x) => {
                            let kind = if k == IterKind::Opt { ExpKind::Some(Box::new(x)) } else { ExpKind::List(vec![x]) };
                            return Ok(mk(kind, t.clone(), e.span));
                        }
                        Err(d) => {
                            sc.restore(snap.clone());
                            // As a subsequence: a juxtaposition's reading as one element just
                            // failed, and must not be tried again (nested parentheses would
                            // make that exponential).
                            let whole = match &inner.kind {
                                ast::ExpKind::Seq(_) | ast::ExpKind::Mix(_) => {
                                    let mut items = Vec::new();
                                    flatten(inner, &mut items);
                                    self.check_items(sc, &items, t, inner.span)
                                }
                                _ => self.check(sc, inner, t),
                            };
                            match whole {
                                Ok(mut x) => {
                                    x.span = e.span;
                                    return Ok(x);
                                }
                                Err(_) => {
                                    sc.restore(snap);
                                    return Err(d);
                                }
                            }
                        }
                    }
                }
                let mut x = self.check(sc, inner, t)?;
                x.span = e.span;
                Ok(x)
            }
            K::Seq(_) | K::Mix(_) => {
                let mut items = Vec::new();
                flatten(e, &mut items);
                self.check_juxtaposition(sc, &items, t, e.span)
            }
            K::Ident(name) => self.check_ident(sc, name, e.span, t),
            K::Num(n) => self.check_num(n, e.span, t),
            K::Eps => self.check_eps(e.span, t),
            K::Text(s) => {
                let x = mk(ExpKind::Text(s.clone()), Ty::Text, e.span);
                self.coerce(x, t, e.span)
            }
            K::Bool(b) => {
                let x = mk(ExpKind::Bool(*b), Ty::Bool, e.span);
                self.coerce(x, t, e.span)
            }
            K::Tuple(es) => {
                let te = self.expand(t);
                match &te {
                    Ty::Tuple(ts) if ts.len() == es.len() => {
                        let xs = es.iter().zip(ts).map(|(x, t)| self.check(sc, x, t)).collect::<R<Vec<_>>>()?;
                        Ok(mk(ExpKind::Tuple(xs), t.clone(), e.span))
                    }
                    Ty::Tuple(ts) => Err(Diagnostic::error(format!(
                        "mismatched tuple: expected {} components, found {}",
                        ts.len(),
                        es.len()
                    ))
                    .at(e.span, format!("expected `{}`", self.show(t)))),
                    _ => match self.seq_elem(&te) {
                        Some((elem, _)) if matches!(self.expand(&elem), Ty::Tuple(_)) => {
                            let x = self.check(sc, e, &elem)?;
                            self.coerce(x, t, e.span)
                        }
                        _ => Err(Diagnostic::error(format!("expected `{}`, found a tuple", self.show(t)))
                            .at(e.span, format!("expected `{}`", self.show(t)))),
                    },
                }
            }
            K::Record(fields) => self.check_record(sc, fields, e.span, t),
            K::Bracket(..) => {
                // A notation that is one bracketed group: `` `[n .. m?] ``.
                let te = self.expand(t);
                if !self.flat_cases(&te).is_empty() {
                    return self.check_notation(sc, &[MItem::Exp(e)], t, &te, e.span);
                }
                Err(Diagnostic::error("a bracketed group only appears inside a notation that has one")
                    .at(e.span, "not part of any notation here"))
            }
            K::Binary(ast::BinOp::Add | ast::BinOp::Sub | ast::BinOp::Mul | ast::BinOp::Div | ast::BinOp::Mod, ..)
            | K::Unary(ast::UnOp::Neg, _)
            | K::Iter(_, ast::Iter::Pow(_), _)
                if self.numeric_base(t).is_some() =>
            {
                self.check_arith(sc, e, t)
            }
            K::Iter(inner, it, ispan) => self.check_iter(sc, e, inner, it, *ispan, t),
            K::Field(..) => {
                if let Some(atom) = exp_atom(e).filter(|a| a.contains('.') && self.var_type(sc, a.split('.').next().unwrap_or("")).is_none()) {
                    return self.check_ident(sc, &atom, e.span, t);
                }
                let x = self.infer(sc, e)?;
                self.coerce(x, t, e.span)
            }
            K::Binary(ast::BinOp::Concat, a, b) => {
                let te = self.expand(t);
                if self.record_fields(&te).is_some() || self.seq_elem(&te).is_some() {
                    let x = self.check(sc, a, t)?;
                    let y = self.check(sc, b, t)?;
                    Ok(mk(ExpKind::Cat(vec![x, y]), t.clone(), e.span))
                } else {
                    Err(Diagnostic::error(format!("`++` concatenates sequences or records, but `{}` is neither", self.show(t)))
                        .at(e.span, format!("expected `{}`", self.show(t))))
                }
            }
            _ => {
                let x = self.infer(sc, e)?;
                self.coerce(x, t, e.span)
            }
        }
    }

    /// Arithmetic where a number is expected. When its operands need a wider domain than the
    /// expected type (the largest of nat < int < rat among them; literals adapt), it is computed
    /// there and the result is converted once to the expected type: checking the operands against
    /// the expected type would narrow each of them (`a + 2^N` at `nat` with `a : int` would
    /// fail for a negative `a`). Otherwise the operands are checked against the expected type,
    /// which widens them and gives the same result, except that a division computed at `rat` is
    /// exact: a `rat` expected of a division asks for that (`m / 2^k` in a `rat` result).
    fn check_arith(&self, sc: &mut Scope, e: &ast::Exp, t: &Ty) -> R<Exp> {
        let want = self.numeric_base(t).unwrap_or(NumBase::Nat);
        match self.arith_base(sc, e) {
            Some(have) if have > want => {
                let at = match have {
                    NumBase::Nat => Ty::Nat,
                    NumBase::Int => Ty::Int,
                    NumBase::Rat => Ty::Rat,
                };
                let x = self.arith_at(sc, e, &at)?;
                self.coerce(x, t, e.span)
            }
            _ => self.arith_at(sc, e, t),
        }
    }

    /// Arithmetic computed at type `t`: its operands are checked against `t`.
    fn arith_at(&self, sc: &mut Scope, e: &ast::Exp, t: &Ty) -> R<Exp> {
        use ast::ExpKind as K;
        let (kind, ty) = match &e.kind {
            K::Binary(op, a, b) => {
                let x = self.check_operand(sc, a, t)?;
                let y = self.check_operand(sc, b, t)?;
                (ExpKind::Bin(arith_op(*op), Box::new(x), Box::new(y)), t.clone())
            }
            K::Unary(_, a) => {
                if self.numeric_base(t) == Some(NumBase::Nat) && is_positive_literal(a) {
                    return Err(Diagnostic::error("a negative number where a natural number is expected")
                        .at(e.span, format!("expected `{}`, which has no negative numbers", self.show(t))));
                }
                let x = self.check_operand(sc, a, t)?;
                (ExpKind::Neg(Box::new(x)), t.clone())
            }
            K::Iter(inner, ast::Iter::Pow(count), _) => {
                let x = self.check_operand(sc, inner, t)?;
                let n = self.check(sc, count, &Ty::Nat)?;
                (ExpKind::Bin(BinOp::Pow, Box::new(x), Box::new(n)), t.clone())
            }
            _ => {
                let x = self.infer(sc, e)?;
                return self.coerce(x, t, e.span);
            }
        };
        Ok(mk(kind, ty, e.span))
    }

    /// An operand of arithmetic; one that is no number at all is reported as such.
    fn check_operand(&self, sc: &mut Scope, x: &ast::Exp, t: &Ty) -> R<Exp> {
        use ast::ExpKind as K;
        // Arithmetic in arithmetic goes to `arith_at` as `check` would send it (through
        // `check_arith`, which finds its domain at most that of the enclosing arithmetic, which
        // `t` has), without reading that domain again at every link of a chain `a + b + ...`
        // (quadratic).
        if let K::Binary(ast::BinOp::Add | ast::BinOp::Sub | ast::BinOp::Mul | ast::BinOp::Div | ast::BinOp::Mod, ..)
        | K::Unary(ast::UnOp::Neg, _) = &x.kind
        {
            // A number: its errors are its operands', already reported.
            return self.arith_at(sc, x, t);
        }
        let snap = sc.snapshot();
        let checked = match &x.kind {
            // `x^n` is a number only if `x` is one: its errors are explained below.
            K::Iter(_, ast::Iter::Pow(_), _) => self.arith_at(sc, x, t),
            _ => self.check(sc, x, t),
        };
        checked.map_err(|d| {
            let mut scratch = sc.clone();
            scratch.restore(snap);
            match self.infer(&mut scratch, x) {
                Ok(v) if self.numeric_base(&v.ty).is_none() && !v.ty.is_error() => {
                    Diagnostic::error(format!("expected a number, found `{}`", self.show(&v.ty)))
                        .at(x.span, format!("this has type `{}`", self.show(&v.ty)))
                }
                _ => d,
            }
        })
    }

    /// The numeric domain the operands of an arithmetic expression give it: the largest domain
    /// among them, or `None` when none fixes one (literals adapt to the other operand). It is read
    /// from the operands' names without elaborating them, so that nested arithmetic is not
    /// elaborated over and over; an operand whose type is not evident fixes nothing.
    pub(crate) fn arith_base(&self, sc: &Scope, e: &ast::Exp) -> Option<NumBase> {
        use ast::ExpKind as K;
        match &e.kind {
            K::Num(_) => None,
            K::Paren(x) | K::Unary(ast::UnOp::Neg, x) | K::Iter(x, ast::Iter::Pow(_), _) => self.arith_base(sc, x),
            K::Binary(ast::BinOp::Add | ast::BinOp::Sub | ast::BinOp::Mul | ast::BinOp::Div | ast::BinOp::Mod, a, b) => {
                match (self.arith_base(sc, a), self.arith_base(sc, b)) {
                    (Some(x), Some(y)) => Some(x.max(y)),
                    (x, y) => x.or(y),
                }
            }
            _ => self.evident_type(sc, e, 0).and_then(|t| self.numeric_base(&t)),
        }
    }

    /// The type of a variable, a call, a length, or an element or field of one, as its names
    /// declare it.
    fn evident_type(&self, sc: &Scope, e: &ast::Exp, depth: usize) -> Option<Ty> {
        use ast::ExpKind as K;
        if depth > 32 {
            return None;
        }
        match &e.kind {
            K::Ident(name) => self.var_type(sc, name),
            K::Len(_) => Some(Ty::Nat),
            K::Paren(x) => self.evident_type(sc, x, depth + 1),
            K::Call(name, _) => {
                let id = *self.spec.def_index.get(name)?;
                let def = &self.spec.defs[id];
                (self.sig_known.contains(&id) && def.type_params.is_empty()).then(|| def.result.clone())
            }
            K::Index(base, _) => self.seq_elem(&self.evident_type(sc, base, depth + 1)?).map(|(elem, _)| elem),
            K::Field(base, f) => {
                let t = self.evident_type(sc, base, depth + 1)?;
                self.record_fields(&t)?.iter().find(|fd| fd.name == f.name).map(|fd| fd.ty.clone())
            }
            _ => None,
        }
    }

    fn check_ident(&self, sc: &mut Scope, name: &str, span: Span, t: &Ty) -> R<Exp> {
        let te = self.expand(t);
        if let Some(c) = self.nullary(&te, name) {
            return Ok(mk(ExpKind::Con { ty: c.ty, inst: c.inst, case: c.case, args: Vec::new() }, t.clone(), span));
        }
        if let Some((elem, k)) = self.seq_elem(&te) {
            if let Some(c) = self.nullary(&elem, name) {
                let x = mk(ExpKind::Con { ty: c.ty, inst: c.inst, case: c.case, args: Vec::new() }, elem.clone(), span);
                let kind = if k == IterKind::Opt { ExpKind::Some(Box::new(x)) } else { ExpKind::List(vec![x]) };
                return Ok(mk(kind, t.clone(), span));
            }
        }
        if let Some(vt) = self.var_type(sc, name) {
            let x = self.var(sc, name, vt, span);
            return self.coerce(x, t, span);
        }
        if is_atom_name(name) {
            return Err(self.unknown_constructor(name, span, &te));
        }
        // An undeclared metavariable takes its type from its first use. Used bare where a
        // sequence is expected, it is one element: a variable standing for a whole sequence is
        // written with its iterator (`w*`).
        if let Some((elem, _)) = self.seq_elem(&te) {
            sc.locals.insert(name.to_string(), elem.clone());
            let x = self.var(sc, name, elem, span);
            return self.coerce(x, t, span);
        }
        sc.locals.insert(name.to_string(), t.clone());
        Ok(self.var(sc, name, t.clone(), span))
    }

    /// Whether a type has a constructor named `head` that takes arguments.
    fn has_constructor_with_args(&self, t: &Ty, head: &str) -> bool {
        self.flat_cases(t).into_iter().any(|c| {
            let m = self.mixop(c);
            m.head() == Some(head) && !m.slots.is_empty()
        })
    }

    /// The nullary constructor `name` of a type, if it has one.
    fn nullary(&self, t: &Ty, name: &str) -> Option<CaseRef> {
        self.flat_cases(t).into_iter().find(|&c| {
            let m = self.mixop(c);
            m.slots.is_empty() && m.toks.len() == 1 && m.head() == Some(name)
        })
    }

    pub(crate) fn unknown_constructor(&self, name: &str, span: Span, t: &Ty) -> Diagnostic {
        let cases = self.flat_cases(t);
        if cases.is_empty() {
            let mut d = Diagnostic::error(format!("unknown constructor or variable `{name}`"))
                .at(span, format!("expected `{}` here", self.show(t)));
            if let Some(s) = suggest(name, self.var_index.keys().map(|s| s.as_str())) {
                d = d.help(format!("did you mean `{s}`?"));
            } else if is_atom_name(name) && name.chars().count() > 1 {
                d = d.help(format!("a name in capitals is a constructor: declare it in a syntax type (`syntax t = {name}`)"));
            } else {
                d = d.help(format!("declare a variable with `var {name} : TYPE` if it is one"));
            }
            return d;
        }
        let heads: Vec<String> = cases.iter().filter_map(|&c| self.mixop(c).head().map(|h| h.to_string())).collect();
        if heads.iter().any(|h| h == name) {
            // It exists, but takes arguments: typically an application inside a sequence.
            return Diagnostic::error(format!("constructor `{name}` of `{}` takes arguments", self.show(t)))
                .at(span, "used without its arguments")
                .help(format!("inside a sequence, parenthesise each application: `({name} ...)`"));
        }
        let mut d = Diagnostic::error(format!("no constructor `{name}` in type `{}`", self.show(t)))
            .at(span, format!("not a constructor of `{}`", self.show(t)));
        if let Ty::Named(id, _) = self.expand(t) {
            d = d.with(self.spec.types[id].span, format!("`{}` declared here", self.spec.types[id].name));
        }
        if let Some(s) = suggest(name, heads.iter().map(|s| s.as_str())) {
            d = d.help(format!("did you mean `{s}`?"));
        }
        d
    }

    fn check_num(&self, n: &num_bigint::BigUint, span: Span, t: &Ty) -> R<Exp> {
        let te = self.expand(t);
        let value = BigInt::from(n.clone());
        // A case of a numeric enumeration such as `sz = 8 | 16 | 32 | 64`.
        let text = n.to_string();
        let cases = self.flat_cases(&te);
        if !cases.is_empty() {
            if let Some(c) = self.nullary(&te, &text) {
                return Ok(mk(ExpKind::Con { ty: c.ty, inst: c.inst, case: c.case, args: Vec::new() }, t.clone(), span));
            }
            // A numeric enumeration has only its listed numbers; a family with both numeric and
            // constructed instances (`num_`: integers and floats) takes numbers too.
            let enumeration = cases.iter().all(|&c| {
                let m = self.mixop(c);
                m.slots.is_empty() && m.head().is_some_and(|h| h.chars().all(|c| c.is_ascii_digit()))
            });
            if enumeration && self.numeric_base(&te).is_some() {
                return Err(Diagnostic::error(format!("`{text}` is not a value of `{}`", self.show(t)))
                    .at(span, format!("expected `{}`", self.show(t))));
            }
        }
        if self.numeric_base(&te).is_some() {
            return Ok(mk(ExpKind::Num(value), t.clone(), span));
        }
        if let Some((elem, _)) = self.seq_elem(&te) {
            if self.numeric_base(&elem).is_some() {
                let x = self.check_num(n, span, &elem)?;
                return self.coerce(x, t, span);
            }
        }
        Err(Diagnostic::error(format!("mismatched types: expected `{}`, found a number", self.show(t)))
            .at(span, format!("expected `{}`", self.show(t))))
    }

    fn check_eps(&self, span: Span, t: &Ty) -> R<Exp> {
        if self.seq_elem(t).is_some() {
            return Ok(mk(ExpKind::List(Vec::new()), t.clone(), span));
        }
        Err(Diagnostic::error(format!(
            "`eps` is the empty sequence, but `{}` is not a sequence type",
            self.show(t)
        ))
        .at(span, format!("expected `{}`", self.show(t))))
    }

    fn check_record(&self, sc: &mut Scope, fields: &[(ast::Ident, ast::Exp)], span: Span, t: &Ty) -> R<Exp> {
        let Some(decl) = self.record_fields(t) else {
            return Err(Diagnostic::error(format!("mismatched types: expected `{}`, found a record", self.show(t)))
                .at(span, format!("expected `{}`", self.show(t))));
        };
        let decl = decl.to_vec();
        let mut given: Vec<Option<Exp>> = vec![None; decl.len()];
        for (name, value) in fields {
            let Some(i) = decl.iter().position(|f| f.name == name.name) else {
                let mut d = Diagnostic::error(format!("no field `{}` in record type `{}`", name.name, self.show(t)))
                    .at(name.span, "unknown field");
                if let Some(s) = suggest(&name.name, decl.iter().map(|f| f.name.as_str())) {
                    d = d.help(format!("did you mean `{s}`?"));
                }
                return Err(d);
            };
            if given[i].is_some() {
                return Err(Diagnostic::error(format!("field `{}` given twice", name.name)).at(name.span, "again here"));
            }
            given[i] = Some(self.check(sc, value, &decl[i].ty)?);
        }
        let mut out = Vec::new();
        for (f, g) in decl.iter().zip(given) {
            let v = match g {
                Some(v) => v,
                None => match self.seq_elem(&f.ty) {
                    Some((_, IterKind::Star | IterKind::Opt)) => mk(ExpKind::List(Vec::new()), f.ty.clone(), span),
                    _ => {
                        return Err(Diagnostic::error(format!("missing field `{}` in record of type `{}`", f.name, self.show(t)))
                            .at(span, format!("`{}` is required", f.name))
                            .with(f.span, "field declared here")
                            .help("only fields of type `t*` or `t?` may be left out"))
                    }
                },
            };
            out.push((f.name.clone(), v));
        }
        Ok(mk(ExpKind::Record(out), t.clone(), span))
    }

    fn check_iter(&self, sc: &mut Scope, e: &ast::Exp, inner: &ast::Exp, it: &ast::Iter, ispan: Span, t: &Ty) -> R<Exp> {
        let te = self.expand(t);
        let Some((elem, k)) = self.seq_elem(&te) else {
            return Err(Diagnostic::error(format!(
                "mismatched types: expected `{}`, found an iteration `{}`",
                self.show(t),
                it.symbol()
            ))
            .at(ispan, format!("this makes a sequence, but `{}` is not a sequence type", self.show(t))));
        };
        let kind = iter_kind(it);
        if !iter_fits(kind, k) {
            return Err(Diagnostic::error(format!(
                "mismatched iteration: `{}` where `{}` is expected",
                kind.symbol(),
                self.show(t)
            ))
            .at(ispan, format!("expected `{}`", k.symbol())));
        }
        let (count, index) = match it {
            ast::Iter::Pow(c) => (Some(Box::new(self.check(sc, c, &Ty::Nat)?)), None),
            ast::Iter::PowIndexed(i, c) => {
                let n = self.check(sc, c, &Ty::Nat)?;
                sc.locals.insert(i.name.clone(), Ty::Nat);
                (Some(Box::new(n)), Some(i.name.clone()))
            }
            _ => (None, None),
        };
        sc.iters.push(kind);
        let body = self.check(sc, inner, &elem);
        sc.iters.pop();
        let body = body?;
        let spec = IterSpec { kind, count, index, vars: Vec::new() };
        Ok(mk(ExpKind::Iter(Box::new(body), spec), t.clone(), e.span))
    }

    // -----------------------------------------------------------------------------------------
    // Sequences and notations

    pub(crate) fn check_items(&self, sc: &mut Scope, items: &[MItem<'_>], t: &Ty, span: Span) -> R<Exp> {
        if let [MItem::Exp(x)] = items {
            return self.check(sc, x, t);
        }
        if items.is_empty() {
            return self.check_eps(span, t);
        }
        let span = items_span(items, span);
        let te = self.expand(t);
        if te.is_error() {
            for it in items {
                if let MItem::Exp(x) = it {
                    self.lenient(sc, x);
                }
            }
            return Ok(mk(ExpKind::Tuple(Vec::new()), Ty::Error, span));
        }
        if let Some((elem, _)) = self.seq_elem(&te) {
            let mut parts = Vec::new();
            for it in items {
                let part = match it {
                    MItem::Atom(a, _, s) => Err(Diagnostic::error(format!("unexpected `{a}` in a sequence of `{}`", self.show(&elem)))
                        .at(*s, "not an element")),
                    MItem::Exp(x) => self.check_part(sc, x, &elem, t),
                };
                parts.push(part?);
            }
            return Ok(join_parts(parts, t.clone(), span));
        }
        if !self.flat_cases(&te).is_empty() {
            return self.check_notation(sc, items, t, &te, span);
        }
        Err(Diagnostic::error(format!(
            "mismatched types: expected `{}`, found a sequence of {} items",
            self.show(t),
            items.len()
        ))
        .at(span, format!("expected `{}`", self.show(t))))
    }

    /// A juxtaposition as written (not a run of items inside a notation). Where a sequence is
    /// expected, items that start with a constructor of the element type that takes arguments
    /// are that one application, as if parenthesised: `NEG INF` where `fN(N)*` is expected. Only
    /// here, so that the runs a notation tries for its slots do not try this reading too, which
    /// would make nested unparenthesised applications exponential.
    fn check_juxtaposition(&self, sc: &mut Scope, items: &[MItem<'_>], t: &Ty, span: Span) -> R<Exp> {
        let Some((elem, k)) = self.seq_elem(t) else { return self.check_items(sc, items, t, span) };
        if items.len() < 2 || !items.first().and_then(item_atom).is_some_and(|h| self.has_constructor_with_args(&elem, &h)) {
            return self.check_items(sc, items, t, span);
        }
        let snap = sc.snapshot();
        match self.check_items(sc, items, &elem, span) {
            Ok(x) => {
                let span = items_span(items, span);
                let kind = if k == IterKind::Opt { ExpKind::Some(Box::new(x)) } else { ExpKind::List(vec![x]) };
                Ok(mk(kind, t.clone(), span))
            }
            Err(app_err) => {
                sc.restore(snap.clone());
                // When the items read as neither, the application's error says more.
                self.check_items(sc, items, t, span).map_err(|_| {
                    sc.restore(snap);
                    app_err
                })
            }
        }
    }

    /// An item of a sequence: one element, or a subsequence spliced in.
    fn check_part(&self, sc: &mut Scope, x: &ast::Exp, elem: &Ty, seq: &Ty) -> R<Exp> {
        let seqish = is_seqish(x);
        let snap = sc.snapshot();
        let (first, second) = if seqish { (seq, elem) } else { (elem, seq) };
        match self.check(sc, x, first) {
            Ok(v) => Ok(wrap_part(v, first, seq)),
            Err(e1) => {
                sc.restore(snap.clone());
                match self.check(sc, x, second) {
                    Ok(v) => Ok(wrap_part(v, second, seq)),
                    Err(_) => {
                        sc.restore(snap);
                        Err(e1)
                    }
                }
            }
        }
    }

    fn check_notation(&self, sc: &mut Scope, items: &[MItem<'_>], t: &Ty, te: &Ty, span: Span) -> R<Exp> {
        let cases = self.flat_cases(te);
        // A lone bracketed group where no notation of the type starts with one.
        if let [MItem::Exp(x)] = items {
            if let ast::ExpKind::Bracket(b, _) = &x.kind {
                let any = cases.iter().any(|&c| matches!(self.mixop(c).toks.first(), Some(Tok::Bracket(b2, _)) if b2 == b));
                if !any {
                    return Err(Diagnostic::error(format!(
                        "a bracketed group where `{}` is expected, but no notation of it has one",
                        self.show(t)
                    ))
                    .at(x.span, format!("expected `{}`", self.show(t))));
                }
            }
        }
        let head = item_atom(&items[0]);
        let by_head: Vec<CaseRef> = match &head {
            Some(h) => cases.iter().copied().filter(|&c| self.mixop(c).head() == Some(h.as_str())).collect(),
            None => Vec::new(),
        };
        let cands = if by_head.is_empty() {
            cases.iter().copied().filter(|&c| self.mixop(c).head().is_none()).collect()
        } else {
            by_head.clone()
        };
        if cands.is_empty() {
            let h = head.unwrap_or_default();
            if is_atom_name(&h) {
                return Err(self.unknown_constructor(&h, items[0].span(), te));
            }
            return Err(Diagnostic::error(format!("mismatched types: expected `{}`, found a sequence", self.show(t)))
                .at(span, format!("expected `{}`", self.show(t)))
                .help(format!("a `{}` starts with one of its constructors", self.show(t))));
        }
        let mut first_err: Option<Diagnostic> = None;
        for c in &cands {
            let m = self.mixop(*c);
            let snap = sc.snapshot();
            let mut budget = MATCH_BUDGET;
            let mut args = vec![None; m.slots.len()];
            match self.match_toks(sc, &m.toks, m, items, span, &mut args, &mut budget) {
                Ok(()) => {
                    let args = args.into_iter().map(|a| a.unwrap_or_else(|| mk(ExpKind::Tuple(Vec::new()), Ty::Error, span))).collect();
                    return Ok(mk(ExpKind::Con { ty: c.ty, inst: c.inst, case: c.case, args }, t.clone(), span));
                }
                Err(err) => {
                    sc.restore(snap);
                    if first_err.is_none() {
                        first_err = Some(self.match_error(err, m, *c, items, span, !by_head.is_empty()));
                    }
                }
            }
        }
        Err(first_err.unwrap())
    }

    fn match_error(&self, err: MatchErr, m: &Mixop, c: CaseRef, items: &[MItem<'_>], span: Span, by_head: bool) -> Diagnostic {
        match err {
            MatchErr::Elab(d) => d,
            MatchErr::Shape(at, detail) => {
                let decl = self.case(c).span;
                if by_head && m.toks.iter().skip(1).all(|t| matches!(t, Tok::Slot(_))) {
                    let given = items.len() - 1;
                    let min = m.slots.iter().filter(|t| self.seq_elem(t).is_none()).count();
                    let expects = if min == m.slots.len() {
                        format!("{min} argument{}", if min == 1 { "" } else { "s" })
                    } else {
                        format!("at least {min} argument{}", if min == 1 { "" } else { "s" })
                    };
                    return Diagnostic::error(format!(
                        "constructor `{}` expects {expects}, but {given} {} given",
                        m.name(),
                        if given == 1 { "was" } else { "were" }
                    ))
                    .at(span, format!("`{}`", self.show_mixop(m)))
                    .with(decl, "constructor declared here");
                }
                Diagnostic::error(format!("this does not match the notation `{}`", self.show_mixop(m)))
                    .at(at, detail)
                    .with(decl, "notation declared here")
            }
        }
    }

    /// Matches items against notation tokens, filling `args` by slot.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn match_toks(
        &self,
        sc: &mut Scope,
        toks: &[Tok],
        m: &Mixop,
        items: &[MItem<'_>],
        span: Span,
        args: &mut Vec<Option<Exp>>,
        budget: &mut usize,
    ) -> Result<(), MatchErr> {
        let anchors: Vec<usize> =
            toks.iter().enumerate().filter(|(_, t)| !matches!(t, Tok::Slot(_))).map(|(i, _)| i).collect();
        let mut positions = Vec::new();
        let mut best: Option<MatchErr> = None;
        if self.enum_anchors(sc, toks, m, items, span, &anchors, 0, 0, &mut positions, args, budget, &mut best) {
            return Ok(());
        }
        Err(best.unwrap_or_else(|| self.shape_error(toks, m, items, span)))
    }

    fn shape_error(&self, toks: &[Tok], m: &Mixop, items: &[MItem<'_>], span: Span) -> MatchErr {
        // Name the first atom of the notation that the items lack.
        let mut pos = 0;
        for t in toks {
            let want = match t {
                Tok::Atom(a) => a.clone(),
                Tok::Sub(a, _) => a.clone(),
                Tok::Bracket(b, _) => b.open().to_string(),
                Tok::Slot(_) => continue,
            };
            let found = items[pos.min(items.len())..].iter().position(|it| anchor_matches(t, it));
            match found {
                Some(p) => pos += p + 1,
                None => {
                    return MatchErr::Shape(
                        items_span(items, span),
                        format!("expected `{want}` (as in `{}`)", self.show_mixop(m)),
                    )
                }
            }
        }
        MatchErr::Shape(items_span(items, span), format!("the items do not fit `{}`", self.show_mixop(m)))
    }

    /// Chooses item positions for the notation's atoms, left to right, then fills the runs of
    /// slots between them. Returns true on success.
    #[allow(clippy::too_many_arguments)]
    fn enum_anchors(
        &self,
        sc: &mut Scope,
        toks: &[Tok],
        m: &Mixop,
        items: &[MItem<'_>],
        span: Span,
        anchors: &[usize],
        k: usize,
        start: usize,
        positions: &mut Vec<usize>,
        args: &mut Vec<Option<Exp>>,
        budget: &mut usize,
        best: &mut Option<MatchErr>,
    ) -> bool {
        if k == anchors.len() {
            let trailing_slots = toks[anchors.last().map(|a| a + 1).unwrap_or(0)..].iter().any(|t| matches!(t, Tok::Slot(_)));
            if !trailing_slots && start != items.len() {
                if best.is_none() {
                    *best = Some(MatchErr::Shape(
                        items_span(&items[start..], span),
                        format!("unexpected after `{}`", self.show_mixop(m)),
                    ));
                }
                return false;
            }
            return self.fill_assignment(sc, toks, m, items, span, anchors, positions, args, budget, best);
        }
        let prev = if k == 0 { 0 } else { anchors[k - 1] + 1 };
        let slots_before = toks[prev..anchors[k]].iter().any(|t| matches!(t, Tok::Slot(_)));
        let range: Vec<usize> = if slots_before { (start..items.len()).collect() } else { vec![start] };
        for p in range {
            if p >= items.len() || !anchor_matches(&toks[anchors[k]], &items[p]) {
                continue;
            }
            positions.push(p);
            if self.enum_anchors(sc, toks, m, items, span, anchors, k + 1, p + 1, positions, args, budget, best) {
                return true;
            }
            positions.pop();
            if *budget == 0 {
                return false;
            }
        }
        false
    }

    #[allow(clippy::too_many_arguments)]
    fn fill_assignment(
        &self,
        sc: &mut Scope,
        toks: &[Tok],
        m: &Mixop,
        items: &[MItem<'_>],
        span: Span,
        anchors: &[usize],
        positions: &[usize],
        args: &mut Vec<Option<Exp>>,
        budget: &mut usize,
        best: &mut Option<MatchErr>,
    ) -> bool {
        let snap = sc.snapshot();
        let mut prev_tok = 0;
        let mut prev_item = 0;
        for k in 0..=anchors.len() {
            let (tok_end, item_end) = if k < anchors.len() { (anchors[k], positions[k]) } else { (toks.len(), items.len()) };
            let slots: Vec<usize> = toks[prev_tok..tok_end]
                .iter()
                .filter_map(|t| if let Tok::Slot(s) = t { Some(*s) } else { None })
                .collect();
            let run = &items[prev_item..item_end];
            if let Err(e) = self.fill_run(sc, &slots, m, run, span, args, budget) {
                sc.restore(snap);
                if best.is_none() || matches!(best, Some(MatchErr::Shape(..))) && matches!(e, MatchErr::Elab(_)) {
                    *best = Some(e);
                }
                return false;
            }
            if k < anchors.len() {
                let item = &items[positions[k]];
                let sub_result = match (&toks[anchors[k]], item) {
                    (Tok::Sub(_, inner), MItem::Atom(_, sub, s)) => {
                        let mut sub_items = Vec::new();
                        if let Some(x) = sub {
                            flatten(x, &mut sub_items);
                        }
                        self.match_toks(sc, inner, m, &sub_items, *s, args, budget)
                    }
                    (Tok::Bracket(_, inner), MItem::Exp(x)) => {
                        let mut sub_items = Vec::new();
                        if let ast::ExpKind::Bracket(_, Some(body)) = &x.kind {
                            flatten(body, &mut sub_items);
                        }
                        self.match_toks(sc, inner, m, &sub_items, x.span, args, budget)
                    }
                    _ => Ok(()),
                };
                if let Err(e) = sub_result {
                    sc.restore(snap);
                    if best.is_none() {
                        *best = Some(e);
                    }
                    return false;
                }
                prev_tok = anchors[k] + 1;
                prev_item = positions[k] + 1;
            }
        }
        true
    }

    /// Distributes a run of items over consecutive slots: a lone slot takes the whole run; among
    /// several, each plain slot takes one item and an iterated slot takes as many as fit
    /// (longest first).
    #[allow(clippy::too_many_arguments)]
    fn fill_run(
        &self,
        sc: &mut Scope,
        slots: &[usize],
        m: &Mixop,
        run: &[MItem<'_>],
        span: Span,
        args: &mut Vec<Option<Exp>>,
        budget: &mut usize,
    ) -> Result<(), MatchErr> {
        if slots.is_empty() {
            return if run.is_empty() {
                Ok(())
            } else {
                Err(MatchErr::Shape(items_span(run, span), format!("unexpected in `{}`", self.show_mixop(m))))
            };
        }
        if slots.len() == 1 {
            let s = slots[0];
            let run_span = if run.is_empty() { span } else { items_span(run, span) };
            if *budget == 0 {
                return Err(MatchErr::Shape(run_span, "too many ways to read this; add parentheses".into()));
            }
            *budget -= 1;
            if run.is_empty() && self.seq_elem(&m.slots[s]).is_none() {
                return Err(MatchErr::Shape(run_span, format!("missing `{}`", self.show(&m.slots[s]))));
            }
            let x = self.check_items(sc, run, &m.slots[s], run_span).map_err(MatchErr::Elab)?;
            args[s] = Some(x);
            return Ok(());
        }
        let iterated: Vec<bool> = slots.iter().map(|&s| self.seq_elem(&m.slots[s]).is_some()).collect();
        let min_total = iterated.iter().filter(|i| !**i).count();
        if run.len() < min_total || (!iterated.iter().any(|i| *i) && run.len() != slots.len()) {
            return Err(MatchErr::Shape(items_span(run, span), format!("the items do not fit `{}`", self.show_mixop(m))));
        }
        let mut first_err = None;
        // One item per slot first: `IMPORT nm_1 nm_2 xt` gives each name its own item, although
        // names are sequences that could also be concatenated.
        let mut tried = None;
        if run.len() == slots.len() {
            let snap = sc.snapshot();
            for (i, (&s, item)) in slots.iter().zip(run).enumerate() {
                *budget = budget.saturating_sub(1);
                match self.check_items(sc, std::slice::from_ref(item), &m.slots[s], item.span()) {
                    Ok(x) => args[s] = Some(x),
                    Err(d) => {
                        tried = Some((i, d));
                        break;
                    }
                }
            }
            if tried.is_none() {
                return Ok(());
            }
            sc.restore(snap);
        }
        if self.fill_slots(sc, slots, &iterated, m, run, 0, 0, span, args, budget, &mut first_err, tried.as_ref()) {
            Ok(())
        } else {
            Err(first_err.unwrap_or_else(|| {
                MatchErr::Shape(items_span(run, span), format!("the items do not fit `{}`", self.show_mixop(m)))
            }))
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn fill_slots(
        &self,
        sc: &mut Scope,
        slots: &[usize],
        iterated: &[bool],
        m: &Mixop,
        run: &[MItem<'_>],
        i: usize,
        start: usize,
        span: Span,
        args: &mut Vec<Option<Exp>>,
        budget: &mut usize,
        first_err: &mut Option<MatchErr>,
        tried: Option<&(usize, Diagnostic)>,
    ) -> bool {
        if i == slots.len() {
            return start == run.len();
        }
        let rest_min = iterated[i + 1..].iter().filter(|x| !**x).count();
        let avail = run.len().saturating_sub(start + rest_min);
        let counts: Vec<usize> = if iterated[i] { (0..=avail).rev().collect() } else if avail >= 1 { vec![1] } else { vec![] };
        for c in counts {
            if *budget == 0 {
                return false;
            }
            *budget -= 1;
            // Giving each slot one item was tried first and failed at slot `f`: while the slots
            // before `f` have one item each, one item for `f` fails again (and elaborating it
            // again, in nested notations, would be exponential).
            let tried_here = if c == 1 { tried } else { None };
            if let Some((_, d)) = tried_here.filter(|(f, _)| *f == i) {
                first_err.get_or_insert_with(|| MatchErr::Elab(d.clone()));
                continue;
            }
            let s = slots[i];
            let group = &run[start..start + c];
            let snap = sc.snapshot();
            let group_span = if group.is_empty() { run.get(start).map(|x| x.span()).unwrap_or(span) } else { items_span(group, span) };
            match self.check_items(sc, group, &m.slots[s], group_span) {
                Ok(x) => {
                    args[s] = Some(x);
                    if self.fill_slots(sc, slots, iterated, m, run, i + 1, start + c, span, args, budget, first_err, tried_here) {
                        return true;
                    }
                    sc.restore(snap);
                }
                Err(d) => {
                    sc.restore(snap);
                    if first_err.is_none() {
                        *first_err = Some(MatchErr::Elab(d));
                    }
                }
            }
        }
        false
    }

    // -----------------------------------------------------------------------------------------
    // Inference

    pub(crate) fn infer(&self, sc: &mut Scope, e: &ast::Exp) -> R<Exp> {
        use ast::ExpKind as K;
        let span = e.span;
        match &e.kind {
            K::Num(n) => Ok(mk(ExpKind::Num(BigInt::from(n.clone())), Ty::Nat, span)),
            K::Text(s) => Ok(mk(ExpKind::Text(s.clone()), Ty::Text, span)),
            K::Bool(b) => Ok(mk(ExpKind::Bool(*b), Ty::Bool, span)),
            K::Paren(x) => {
                let mut v = self.infer(sc, x)?;
                v.span = span;
                Ok(v)
            }
            K::Ident(name) => {
                if let Some(t) = self.var_type(sc, name) {
                    return Ok(self.var(sc, name, t, span));
                }
                if is_atom_name(name) {
                    return self.infer_atom(sc, name, e);
                }
                Err(Diagnostic::error(format!("cannot infer the type of `{name}`"))
                    .at(span, "not declared, and nothing here says what it is")
                    .help(format!("declare it with `var {name} : TYPE`, or use it first where its type is known")))
            }
            K::Call(name, args) => self.elab_call(sc, name, args.as_deref(), span),
            K::Iter(inner, it, ispan) => {
                if let ast::Iter::Pow(count) = it {
                    let snap = sc.snapshot();
                    if let Ok(x) = self.infer(sc, inner) {
                        if self.numeric_base(&x.ty).is_some() {
                            let n = self.check(sc, count, &Ty::Nat)?;
                            let ty = x.ty.clone();
                            return Ok(mk(ExpKind::Bin(BinOp::Pow, Box::new(x), Box::new(n)), ty, span));
                        }
                    }
                    sc.restore(snap);
                }
                let kind = iter_kind(it);
                let (count, index) = match it {
                    ast::Iter::Pow(c) => (Some(Box::new(self.check(sc, c, &Ty::Nat)?)), None),
                    ast::Iter::PowIndexed(i, c) => {
                        let n = self.check(sc, c, &Ty::Nat)?;
                        sc.locals.insert(i.name.clone(), Ty::Nat);
                        (Some(Box::new(n)), Some(i.name.clone()))
                    }
                    _ => (None, None),
                };
                sc.iters.push(kind);
                let body = self.infer(sc, inner);
                sc.iters.pop();
                let body = body.map_err(|d| d.with(*ispan, "in this iteration"))?;
                let ty = body.ty.clone().iter(kind);
                Ok(mk(ExpKind::Iter(Box::new(body), IterSpec { kind, count, index, vars: Vec::new() }), ty, span))
            }
            K::Field(..) => {
                // A chain `x.F.G...` in a loop rather than a recursion per field (chains can be
                // long), as the recursion did: the outermost link that reads as a dotted atom
                // (`exp_atom`) whose first name is no variable is that atom, and the fields
                // outside it are accessed in turn.
                let FieldChain { base, links, atom } = field_chain(e);
                let (mut x, inner) = match atom {
                    Some((k, atom)) if k > 0 && self.var_type(sc, atom.split('.').next().unwrap_or("")).is_none() => {
                        let at = links.len() - k;
                        (self.infer_atom(sc, &atom, links[at].0)?, at)
                    }
                    _ => (self.infer(sc, base)?, links.len()),
                };
                for &(link, f) in links[..inner].iter().rev() {
                    x = self.field_of(x, f, link.span)?;
                }
                Ok(x)
            }
            K::Index(base, i) => {
                let x = self.infer(sc, base)?;
                let Some((elem, _)) = self.seq_elem(&x.ty) else {
                    return Err(Diagnostic::error(format!("cannot index into `{}`: it is not a sequence", self.show(&x.ty)))
                        .at(base.span, format!("this has type `{}`", self.show(&x.ty))));
                };
                let i = self.check(sc, i, &Ty::Nat)?;
                Ok(mk(ExpKind::Index(Box::new(x), Box::new(i)), elem, span))
            }
            K::Slice(base, i, n) => {
                let x = self.infer(sc, base)?;
                if self.seq_elem(&x.ty).is_none() {
                    return Err(Diagnostic::error(format!("cannot slice `{}`: it is not a sequence", self.show(&x.ty)))
                        .at(base.span, format!("this has type `{}`", self.show(&x.ty))));
                }
                let i = self.check(sc, i, &Ty::Nat)?;
                let n = self.check(sc, n, &Ty::Nat)?;
                let ty = x.ty.clone();
                Ok(mk(ExpKind::Slice(Box::new(x), Box::new(i), Box::new(n)), ty, span))
            }
            K::Update(base, path, op, value) => {
                let x = self.infer(sc, base)?;
                let (ipath, target) = self.elab_path(sc, &x.ty, path, base.span)?;
                let v = match op {
                    ast::UpdateOp::Replace => self.check(sc, value, &target)?,
                    ast::UpdateOp::Extend => {
                        if self.seq_elem(&target).is_none() {
                            return Err(Diagnostic::error(format!(
                                "`=++` extends a sequence, but the updated part has type `{}`",
                                self.show(&target)
                            ))
                            .at(span, "not a sequence"));
                        }
                        self.check(sc, value, &target)?
                    }
                };
                let ty = x.ty.clone();
                Ok(mk(ExpKind::Update(Box::new(x), ipath, *op, Box::new(v)), ty, span))
            }
            K::Len(x) => {
                let v = self.infer(sc, x)?;
                if self.seq_elem(&v.ty).is_none() {
                    return Err(Diagnostic::error(format!("`|...|` is the length of a sequence, but this is a `{}`", self.show(&v.ty)))
                        .at(x.span, format!("this has type `{}`", self.show(&v.ty))));
                }
                Ok(mk(ExpKind::Len(Box::new(v)), Ty::Nat, span))
            }
            K::Unary(ast::UnOp::Not, x) => {
                let v = self.check(sc, x, &Ty::Bool)?;
                Ok(mk(ExpKind::Not(Box::new(v)), Ty::Bool, span))
            }
            K::Unary(ast::UnOp::Neg, x) => {
                let v = self.infer_numeric(sc, x)?;
                let ty = if self.numeric_base(&v.ty) == Some(NumBase::Rat) { Ty::Rat } else { Ty::Int };
                Ok(mk(ExpKind::Neg(Box::new(v)), ty, span))
            }
            K::Binary(op @ (ast::BinOp::And | ast::BinOp::Or), a, b) => {
                let x = self.check(sc, a, &Ty::Bool)?;
                let y = self.check(sc, b, &Ty::Bool)?;
                let op = if *op == ast::BinOp::And { BinOp::And } else { BinOp::Or };
                Ok(mk(ExpKind::Bin(op, Box::new(x), Box::new(y)), Ty::Bool, span))
            }
            K::Binary(ast::BinOp::Concat, a, b) => {
                let x = self.infer(sc, a)?;
                if self.seq_elem(&x.ty).is_none() && self.record_fields(&x.ty).is_none() {
                    return Err(Diagnostic::error(format!("`++` concatenates sequences or records, but this is a `{}`", self.show(&x.ty)))
                        .at(a.span, format!("this has type `{}`", self.show(&x.ty))));
                }
                let ty = x.ty.clone();
                let y = self.check(sc, b, &ty)?;
                Ok(mk(ExpKind::Cat(vec![x, y]), ty, span))
            }
            K::Binary(op, a, b) => {
                let x = self.infer_numeric(sc, a)?;
                let y = self.infer_numeric(sc, b)?;
                let bx = self.numeric_base(&x.ty).unwrap_or(NumBase::Nat);
                let by = self.numeric_base(&y.ty).unwrap_or(NumBase::Nat);
                let base = bx.max(by);
                // A difference of naturals may be negative: it is an integer.
                let ty = match (base, op) {
                    (NumBase::Rat, _) => Ty::Rat,
                    (NumBase::Int, _) | (NumBase::Nat, ast::BinOp::Sub) => Ty::Int,
                    _ => Ty::Nat,
                };
                Ok(mk(ExpKind::Bin(arith_op(*op), Box::new(x), Box::new(y)), ty, span))
            }
            K::Cmp(first, rest) => self.elab_cmp(sc, first, rest, span),
            K::Tuple(es) => {
                let xs = es.iter().map(|x| self.infer(sc, x)).collect::<R<Vec<_>>>()?;
                let ty = Ty::Tuple(xs.iter().map(|x| x.ty.clone()).collect());
                Ok(mk(ExpKind::Tuple(xs), ty, span))
            }
            K::Seq(_) | K::Mix(_) => {
                let mut items = Vec::new();
                flatten(e, &mut items);
                if let Some(head) = items.first().and_then(item_atom).filter(|h| is_atom_name(h) || h.chars().all(|c| !c.is_alphanumeric())) {
                    let owners = self.atom_owners(&head);
                    if let Some(t) = self.largest(&owners) {
                        return self.check_items(sc, &items, &t, span);
                    }
                }
                // A sequence of elements of one inferable type.
                if items.iter().all(|i| matches!(i, MItem::Exp(_))) {
                    let snap = sc.snapshot();
                    if let MItem::Exp(first) = items[0] {
                        if let Ok(x) = self.infer(sc, first) {
                            let seq = match self.seq_elem(&x.ty) {
                                Some(_) => x.ty.clone(),
                                None => x.ty.clone().iter(IterKind::Star),
                            };
                            sc.restore(snap.clone());
                            if let Ok(v) = self.check_items(sc, &items, &seq, span) {
                                return Ok(v);
                            }
                        }
                    }
                    sc.restore(snap);
                }
                Err(Diagnostic::error("cannot tell the type of this sequence")
                    .at(span, "its type is not known here")
                    .help("compare it with something of known type, or use it where a type is expected"))
            }
            K::Eps => Err(Diagnostic::error("cannot tell which sequence type this `eps` has")
                .at(span, "its type is not known here")
                .help("compare it with something of known type")),
            K::Record(_) => Err(Diagnostic::error("cannot tell which record type this is")
                .at(span, "its type is not known here")
                .help("use the record where its type is expected")),
            K::Bracket(..) => Err(Diagnostic::error("a bracketed group only appears inside a notation that has one")
                .at(span, "not part of any notation here")),
        }
    }

    fn infer_numeric(&self, sc: &mut Scope, e: &ast::Exp) -> R<Exp> {
        let x = self.infer(sc, e)?;
        if self.numeric_base(&x.ty).is_none() && !x.ty.is_error() {
            return Err(Diagnostic::error(format!("expected a number, found `{}`", self.show(&x.ty)))
                .at(e.span, format!("this has type `{}`", self.show(&x.ty))));
        }
        Ok(x)
    }

    /// The types that declare a constructor with this head atom.
    fn atom_owners(&self, atom: &str) -> Vec<Ty> {
        let mut out: Vec<Ty> = Vec::new();
        for (id, def) in self.spec.types.iter().enumerate() {
            let has = |cases: &[Case]| {
                cases.iter().any(|c| matches!(&c.kind, CaseKind::Con(m) if m.head() == Some(atom) || m.atoms().first() == Some(&atom)))
            };
            let found = match &def.body {
                TypeBody::Variant(cases) => has(cases),
                TypeBody::Family(insts) => insts.iter().any(|i| matches!(&i.body, TypeBody::Variant(c) if has(c))),
                _ => false,
            };
            if found && def.params.is_empty() {
                out.push(Ty::Named(id, Vec::new()));
            }
        }
        out
    }

    /// Among candidate types, the one all others are subtypes of.
    fn largest(&self, cands: &[Ty]) -> Option<Ty> {
        cands.iter().find(|t| cands.iter().all(|u| self.sub(u, t))).cloned()
    }

    fn infer_atom(&self, sc: &mut Scope, name: &str, e: &ast::Exp) -> R<Exp> {
        let owners = self.atom_owners(name);
        if owners.is_empty() {
            let mut d = Diagnostic::error(format!("unknown constructor or variable `{name}`")).at(e.span, "not declared anywhere");
            let atoms = self.all_atoms();
            if let Some(s) = suggest(name, atoms.iter().map(|s| s.as_str())) {
                d = d.help(format!("did you mean `{s}`?"));
            }
            return Err(d);
        }
        match self.largest(&owners) {
            Some(t) => self.check(sc, e, &t),
            None => {
                let names: Vec<String> = owners.iter().map(|t| format!("`{}`", self.show(t))).collect();
                Err(Diagnostic::error(format!("cannot tell which type `{name}` belongs to"))
                    .at(e.span, format!("a constructor of {}", names.join(", ")))
                    .help("use it where its type is known, for example compare it with a variable"))
            }
        }
    }

    fn all_atoms(&self) -> Vec<String> {
        let mut out = Vec::new();
        for def in &self.spec.types {
            let mut push = |cases: &[Case]| {
                for c in cases {
                    if let CaseKind::Con(m) = &c.kind {
                        if let Some(h) = m.head() {
                            out.push(h.to_string());
                        }
                    }
                }
            };
            match &def.body {
                TypeBody::Variant(cases) => push(cases),
                TypeBody::Family(insts) => {
                    for i in insts {
                        if let TypeBody::Variant(cases) = &i.body {
                            push(cases)
                        }
                    }
                }
                _ => {}
            }
        }
        out.sort();
        out.dedup();
        out
    }

    fn field_of(&self, x: Exp, f: &ast::Ident, span: Span) -> R<Exp> {
        if x.ty.is_error() {
            return Ok(mk(ExpKind::Field(Box::new(x), f.name.clone()), Ty::Error, span));
        }
        let Some(fields) = self.record_fields(&x.ty) else {
            return Err(Diagnostic::error(format!("no field `{}`: `{}` is not a record type", f.name, self.show(&x.ty)))
                .at(x.span, format!("this has type `{}`", self.show(&x.ty))));
        };
        match fields.iter().find(|fd| fd.name == f.name) {
            Some(fd) => {
                let ty = fd.ty.clone();
                Ok(mk(ExpKind::Field(Box::new(x), f.name.clone()), ty, span))
            }
            None => {
                let mut d = Diagnostic::error(format!("no field `{}` in record type `{}`", f.name, self.show(&x.ty)))
                    .at(f.span, "unknown field");
                if let Some(s) = suggest(&f.name, fields.iter().map(|f| f.name.as_str())) {
                    d = d.help(format!("did you mean `{s}`?"));
                }
                Err(d)
            }
        }
    }

    fn elab_path(&self, sc: &mut Scope, ty: &Ty, path: &[ast::PathElem], span: Span) -> R<(Vec<Path>, Ty)> {
        let mut cur = ty.clone();
        let mut out = Vec::new();
        for p in path {
            match p {
                ast::PathElem::Field(f) => {
                    let dummy = mk(ExpKind::Tuple(Vec::new()), cur.clone(), span);
                    let x = self.field_of(dummy, f, f.span)?;
                    cur = x.ty;
                    out.push(Path::Field(f.name.clone()));
                }
                ast::PathElem::Index(i) => {
                    let Some((elem, _)) = self.seq_elem(&cur) else {
                        return Err(Diagnostic::error(format!("cannot index into `{}`: it is not a sequence", self.show(&cur)))
                            .at(i.span, "index of a non-sequence"));
                    };
                    out.push(Path::Index(self.check(sc, i, &Ty::Nat)?));
                    cur = elem;
                }
                ast::PathElem::Slice(i, n) => {
                    if self.seq_elem(&cur).is_none() {
                        return Err(Diagnostic::error(format!("cannot slice `{}`: it is not a sequence", self.show(&cur)))
                            .at(i.span, "slice of a non-sequence"));
                    }
                    out.push(Path::Slice(self.check(sc, i, &Ty::Nat)?, self.check(sc, n, &Ty::Nat)?));
                }
            }
        }
        Ok((out, cur))
    }

    fn elab_cmp(&self, sc: &mut Scope, first: &ast::Exp, rest: &[(ast::CmpOp, ast::Exp)], span: Span) -> R<Exp> {
        let mut conj: Option<Exp> = None;
        let mut lhs = first;
        for (op, rhs) in rest {
            let (x, y) = self.elab_cmp_pair(sc, lhs, *op, rhs)?;
            let c = mk(ExpKind::Cmp(*op, Box::new(x), Box::new(y)), Ty::Bool, lhs.span.to(rhs.span));
            conj = Some(match conj {
                None => c,
                Some(prev) => mk(ExpKind::Bin(BinOp::And, Box::new(prev), Box::new(c)), Ty::Bool, span),
            });
            lhs = rhs;
        }
        Ok(conj.expect("comparison chain is never empty"))
    }

    fn elab_cmp_pair(&self, sc: &mut Scope, a: &ast::Exp, op: ast::CmpOp, b: &ast::Exp) -> R<(Exp, Exp)> {
        let snap = sc.snapshot();
        if op == ast::CmpOp::In {
            // `x <- xs`: try the sequence first.
            if let Ok(ys) = self.infer(sc, b) {
                if let Some((elem, _)) = self.seq_elem(&ys.ty) {
                    let x = self.check(sc, a, &elem)?;
                    return Ok((x, ys));
                }
                return Err(Diagnostic::error(format!("`<-` needs a sequence on its right, found `{}`", self.show(&ys.ty)))
                    .at(b.span, "not a sequence"));
            }
            sc.restore(snap);
            let x = self.infer(sc, a)?;
            let ys = self.check(sc, b, &x.ty.clone().iter(IterKind::Star))?;
            return Ok((x, ys));
        }
        // Numbers are compared at their common domain (nat < int < rat): each side is computed at
        // the domain its own operands give it and the narrower one is converted, so that `0 <= a`
        // with `a : int` does not narrow `a`, and `(i + j) / 2 <= r` with `r : rat` still divides
        // naturals. A side of literals only adapts to the other: it is checked against it.
        let (base_a, base_b) = (self.arith_base(sc, a), self.arith_base(sc, b));
        if let (Some(ba), Some(bb)) = (base_a, base_b) {
            if ba != bb {
                let both = (|| -> R<(Exp, Exp)> {
                    let x = self.infer(sc, a)?;
                    let y = self.infer(sc, b)?;
                    let (nx, ny) = (self.numeric_base(&x.ty), self.numeric_base(&y.ty));
                    Ok(match (nx, ny) {
                        (Some(p), Some(q)) if p < q => (self.coerce(x, &y.ty, a.span)?, y),
                        (Some(p), Some(q)) if p > q => {
                            let ty = x.ty.clone();
                            (x, self.coerce(y, &ty, b.span)?)
                        }
                        _ => (x, y),
                    })
                })();
                match both {
                    Ok(p) => return self.check_ordering(op, p),
                    Err(_) => sc.restore(snap.clone()),
                }
            }
        }
        let left_first = !(base_a.is_none() && base_b.is_some());
        // Left to right, then right to left (the other way round when only the right side fixes
        // a numeric domain).
        let attempt = |sc: &mut Scope, left: bool| -> R<(Exp, Exp)> {
            if left {
                let x = self.infer(sc, a)?;
                let y = self.check(sc, b, &x.ty)?;
                Ok((x, y))
            } else {
                let y = self.infer(sc, b)?;
                let x = self.check(sc, a, &y.ty)?;
                Ok((x, y))
            }
        };
        let (x, y) = match attempt(sc, left_first) {
            Ok(p) => p,
            Err(e1) => {
                sc.restore(snap.clone());
                match attempt(sc, !left_first) {
                    Ok(p) => p,
                    Err(_) => {
                        sc.restore(snap);
                        return Err(e1);
                    }
                }
            }
        };
        self.check_ordering(op, (x, y))
    }

    /// An ordering compares numbers only.
    fn check_ordering(&self, op: ast::CmpOp, (x, y): (Exp, Exp)) -> R<(Exp, Exp)> {
        let ordering = matches!(op, ast::CmpOp::Lt | ast::CmpOp::Gt | ast::CmpOp::Le | ast::CmpOp::Ge);
        if ordering {
            for v in [&x, &y] {
                if self.numeric_base(&v.ty).is_none() && !v.ty.is_error() {
                    return Err(Diagnostic::error(format!("`{}` compares numbers, but this is a `{}`", op.symbol(), self.show(&v.ty)))
                        .at(v.span, "not a number"));
                }
            }
        }
        Ok((x, y))
    }

    // -----------------------------------------------------------------------------------------
    // Calls

    pub(crate) fn elab_call(&self, sc: &mut Scope, name: &str, args: Option<&[ast::Exp]>, span: Span) -> R<Exp> {
        let Some(&id) = self.spec.def_index.get(name) else {
            if self.poisoned.contains(name) {
                if let Some(args) = args {
                    for a in args {
                        self.lenient(sc, a);
                    }
                }
                return Ok(mk(ExpKind::Tuple(Vec::new()), Ty::Error, span));
            }
            let mut d = Diagnostic::error(format!("unknown definition `${name}`")).at(span, "not declared");
            if let Some(s) = suggest(name, self.spec.def_index.keys().map(|s| s.as_str())) {
                d = d.help(format!("did you mean `${s}`?"));
            } else {
                d = d.help(format!("declare it with `def ${name}(...) : TYPE`"));
            }
            return Err(d);
        };
        let args = args.unwrap_or(&[]);
        if !self.sig_known.contains(&id) {
            // Signatures are not known yet (type arguments elaborate before signatures).
            let xs: Vec<Exp> = args.iter().map(|a| self.lenient(sc, a)).collect();
            return Ok(mk(ExpKind::Call(id, xs), Ty::Error, span));
        }
        let def = &self.spec.defs[id];
        let n_type_params = def.type_params.len();
        let expected = n_type_params + def.params.len();
        if args.len() != expected {
            return Err(Diagnostic::error(format!(
                "`${name}` takes {expected} argument{}, but {} {} given",
                if expected == 1 { "" } else { "s" },
                args.len(),
                if args.len() == 1 { "was" } else { "were" }
            ))
            .at(span, format!("expected {expected}"))
            .with(def.span, "definition declared here"));
        }
        let mut subst: Vec<(String, Ty)> = Vec::new();
        for (p, a) in def.type_params.iter().zip(args) {
            let t = self.exp_as_type(sc, a).ok_or_else(|| {
                Diagnostic::error(format!("expected a type for parameter `{p}` of `${name}`")).at(a.span, "not a type")
            })?;
            subst.push((p.clone(), t));
        }
        let mut xs = Vec::new();
        for ((_, pty), a) in def.params.iter().zip(&args[n_type_params..]) {
            let pty = subst_ty(pty, &subst);
            let x = self.check(sc, a, &pty).map_err(|d| {
                if d.secondary.is_empty() {
                    d.with(def.span, format!("parameter of `${name}` declared here"))
                } else {
                    d
                }
            })?;
            xs.push(x);
        }
        let ty = subst_ty(&def.result, &subst);
        Ok(mk(ExpKind::Call(id, xs), ty, span))
    }

    /// Reads an expression as a type (for type arguments: `$concat_(byte, b**)`).
    pub(crate) fn exp_as_type(&self, sc: &Scope, e: &ast::Exp) -> Option<Ty> {
        match &e.kind {
            ast::ExpKind::Ident(n) => match n.as_str() {
                "nat" => Some(Ty::Nat),
                "int" => Some(Ty::Int),
                "rat" => Some(Ty::Rat),
                "bool" => Some(Ty::Bool),
                "text" => Some(Ty::Text),
                _ if sc.type_params.contains(n) => Some(Ty::Param(n.clone())),
                _ => self.spec.type_index.get(n).map(|&id| Ty::Named(id, Vec::new())),
            },
            ast::ExpKind::Iter(inner, it, _) => Some(self.exp_as_type(sc, inner)?.iter(iter_kind(it))),
            ast::ExpKind::Paren(inner) => self.exp_as_type(sc, inner),
            ast::ExpKind::Tuple(es) => Some(Ty::Tuple(es.iter().map(|x| self.exp_as_type(sc, x)).collect::<Option<_>>()?)),
            _ => None,
        }
    }
}

fn arith_op(op: ast::BinOp) -> BinOp {
    match op {
        ast::BinOp::Add => BinOp::Add,
        ast::BinOp::Sub => BinOp::Sub,
        ast::BinOp::Mul => BinOp::Mul,
        ast::BinOp::Div => BinOp::Div,
        ast::BinOp::Mod => BinOp::Mod,
        ast::BinOp::And => BinOp::And,
        ast::BinOp::Or => BinOp::Or,
        ast::BinOp::Concat => BinOp::Add,
    }
}

/// Whether an expression is a literal number other than zero (so its negation is negative).
fn is_positive_literal(e: &ast::Exp) -> bool {
    match &e.kind {
        ast::ExpKind::Num(n) => *n != num_bigint::BigUint::ZERO,
        ast::ExpKind::Paren(x) => is_positive_literal(x),
        _ => false,
    }
}

/// Whether an expression reads as a subsequence rather than one element. Parentheses make an
/// element: in a sequence of lists, `(t*)` is one list and `t*` splices.
fn is_seqish(x: &ast::Exp) -> bool {
    matches!(&x.kind, ast::ExpKind::Iter(..) | ast::ExpKind::Eps | ast::ExpKind::Binary(ast::BinOp::Concat, ..))
}

fn anchor_matches(tok: &Tok, item: &MItem<'_>) -> bool {
    match tok {
        Tok::Atom(a) => item_atom(item).as_deref() == Some(a.as_str()),
        Tok::Sub(a, _) => matches!(item, MItem::Atom(x, _, _) if *x == a.as_str() || (a == "->_" && *x == "->")),
        Tok::Bracket(b, _) => matches!(item, MItem::Exp(e) if matches!(&e.kind, ast::ExpKind::Bracket(b2, _) if b2 == b)),
        Tok::Slot(_) => false,
    }
}

/// A part of a sequence: an element (as a one-element list) or a subsequence.
fn wrap_part(v: Exp, elaborated_as: &Ty, seq: &Ty) -> Exp {
    if std::ptr::eq(elaborated_as, seq) {
        v
    } else {
        let span = v.span;
        mk(ExpKind::List(vec![v]), seq.clone(), span)
    }
}

/// Joins the parts of a sequence, merging runs of single elements into lists.
fn join_parts(parts: Vec<Exp>, ty: Ty, span: Span) -> Exp {
    let mut out: Vec<Exp> = Vec::new();
    for p in parts {
        match (out.last_mut(), p) {
            (Some(Exp { kind: ExpKind::List(acc), .. }), Exp { kind: ExpKind::List(xs), .. }) => acc.extend(xs),
            (_, p) => out.push(p),
        }
    }
    if out.len() == 1 {
        let mut e = out.pop().unwrap();
        e.span = span;
        e.ty = ty;
        e
    } else {
        mk(ExpKind::Cat(out), ty, span)
    }
}

/// Substitutes type parameters.
pub(crate) fn subst_ty(t: &Ty, subst: &[(String, Ty)]) -> Ty {
    if subst.is_empty() {
        return t.clone();
    }
    match t {
        Ty::Param(p) => subst.iter().find(|(n, _)| n == p).map(|(_, t)| t.clone()).unwrap_or_else(|| t.clone()),
        Ty::Iter(inner, k) => Ty::Iter(Box::new(subst_ty(inner, subst)), *k),
        Ty::Tuple(ts) => Ty::Tuple(ts.iter().map(|t| subst_ty(t, subst)).collect()),
        _ => t.clone(),
    }
}
