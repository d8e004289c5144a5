//! Meta-types during elaboration: expansion of aliases and families, the constructors a type
//! has, subtyping, and printing types in diagnostics.

use super::Elab;
use crate::ir::*;
use std::collections::HashSet;

/// A reference to one constructor case: in type `ty`, in family instance `inst` (if `ty` is a
/// family), case number `case`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct CaseRef {
    pub ty: TypeId,
    pub inst: Option<usize>,
    pub case: usize,
}

/// The numeric domain of a type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum NumBase {
    Nat,
    Int,
    Rat,
}

impl Elab<'_> {
    pub(crate) fn case(&self, r: CaseRef) -> &Case {
        let def = &self.spec.types[r.ty];
        let body = match (r.inst, &def.body) {
            (Some(i), TypeBody::Family(insts)) => &insts[i].body,
            _ => &def.body,
        };
        match body {
            TypeBody::Variant(cases) => &cases[r.case],
            _ => unreachable!("case reference into a non-variant"),
        }
    }

    pub(crate) fn mixop(&self, r: CaseRef) -> &Mixop {
        match &self.case(r).kind {
            CaseKind::Con(m) => m,
            CaseKind::Include(_) => unreachable!("mixop of an inclusion"),
        }
    }

    /// Follows aliases (and parameterised types whose single instance is an alias or a plain
    /// body) to the type that has the structure.
    pub(crate) fn expand(&self, t: &Ty) -> Ty {
        let mut t = t.clone();
        for _ in 0..32 {
            match &t {
                Ty::Named(id, _) => match &self.spec.types[*id].body {
                    TypeBody::Alias(target) => t = target.clone(),
                    TypeBody::Family(insts) if insts.len() == 1 => match &insts[0].body {
                        TypeBody::Alias(target) if Self::is_plain_instance(&insts[0]) => t = target.clone(),
                        _ => return t,
                    },
                    _ => return t,
                },
                _ => return t,
            }
        }
        t
    }

    fn is_plain_instance(inst: &Instance) -> bool {
        inst.patterns.iter().all(|p| matches!(p.kind, ExpKind::Var(_)))
    }

    /// The instances of a family that arguments `args` may select.
    pub(crate) fn instances_for(&self, id: TypeId, args: &[Exp]) -> Vec<usize> {
        let TypeBody::Family(insts) = &self.spec.types[id].body else { return Vec::new() };
        let all: Vec<usize> = (0..insts.len()).collect();
        if args.is_empty() {
            return all;
        }
        let chosen: Vec<usize> = all
            .iter()
            .copied()
            .filter(|&i| {
                insts[i].patterns.iter().zip(args).all(|(pat, arg)| self.may_match(pat, arg))
            })
            .collect();
        if chosen.is_empty() {
            all
        } else {
            chosen
        }
    }

    /// Whether an instance pattern can match an argument, judged statically and leniently.
    fn may_match(&self, pat: &Exp, arg: &Exp) -> bool {
        match (&pat.kind, &arg.kind) {
            (ExpKind::Var(_), _) => {
                // A pattern variable of a variant type matches arguments whose constructors it has.
                match &arg.kind {
                    // Inside a collection of cases, selecting instances by subtyping could loop
                        // back (a type including a family of itself): take them all.
                    ExpKind::Con { .. } | ExpKind::Sub(..) | ExpKind::Var(_) if self.depth.get() > 1 => true,
                    ExpKind::Con { .. } | ExpKind::Sub(..) | ExpKind::Var(_) => {
                        let at = &arg.ty;
                        if self.variant_like(&pat.ty) && self.variant_like(at) {
                            self.sub(at, &pat.ty) || self.overlaps(at, &pat.ty)
                        } else {
                            true
                        }
                    }
                    _ => true,
                }
            }
            (ExpKind::Sub(inner, _), _) => self.may_match(inner, arg),
            (ExpKind::Con { ty: t1, case: c1, inst: i1, .. }, ExpKind::Con { ty: t2, case: c2, inst: i2, .. }) => {
                let m1 = self.mixop(CaseRef { ty: *t1, inst: *i1, case: *c1 });
                let m2 = self.mixop(CaseRef { ty: *t2, inst: *i2, case: *c2 });
                m1.atoms() == m2.atoms()
            }
            _ => true,
        }
    }

    fn variant_like(&self, t: &Ty) -> bool {
        matches!(self.expand(t), Ty::Named(id, _) if matches!(self.spec.types[id].body, TypeBody::Variant(_)))
    }

    /// Whether two variant types share a constructor.
    fn overlaps(&self, a: &Ty, b: &Ty) -> bool {
        let sa: HashSet<String> = self.flat_cases(a).iter().map(|&c| self.case_sig(c)).collect();
        self.flat_cases(b).iter().any(|&c| sa.contains(&self.case_sig(c)))
    }

    /// Every constructor of a type, through inclusions and family instances.
    pub(crate) fn flat_cases(&self, t: &Ty) -> Vec<CaseRef> {
        // Inclusions through families can lead back to the type being looked at (a type that
        // includes a family applied to itself): past a depth, there is nothing more to find.
        if self.depth.get() > 8 {
            return Vec::new();
        }
        self.depth.set(self.depth.get() + 1);
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        self.collect_cases(t, &mut out, &mut seen);
        self.depth.set(self.depth.get() - 1);
        out
    }

    fn collect_cases(&self, t: &Ty, out: &mut Vec<CaseRef>, seen: &mut HashSet<(TypeId, Option<usize>)>) {
        let t = self.expand(t);
        let Ty::Named(id, args) = &t else { return };
        match &self.spec.types[*id].body {
            TypeBody::Variant(cases) => {
                if !seen.insert((*id, None)) {
                    return;
                }
                self.collect_variant(*id, None, cases, out, seen);
            }
            TypeBody::Family(insts) => {
                for i in self.instances_for(*id, args) {
                    if !seen.insert((*id, Some(i))) {
                        continue;
                    }
                    match &insts[i].body {
                        TypeBody::Variant(cases) => self.collect_variant(*id, Some(i), cases, out, seen),
                        TypeBody::Alias(target) => self.collect_cases(target, out, seen),
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }

    fn collect_variant(
        &self,
        id: TypeId,
        inst: Option<usize>,
        cases: &[Case],
        out: &mut Vec<CaseRef>,
        seen: &mut HashSet<(TypeId, Option<usize>)>,
    ) {
        for (i, c) in cases.iter().enumerate() {
            match &c.kind {
                CaseKind::Con(_) => out.push(CaseRef { ty: id, inst, case: i }),
                CaseKind::Include(inner) => self.collect_cases(inner, out, seen),
            }
        }
    }

    /// A constructor's identity for structural comparison: its atoms and its arity.
    pub(crate) fn case_sig(&self, r: CaseRef) -> String {
        let m = self.mixop(r);
        format!("{}/{}", m.atoms().join(" "), m.slots.len())
    }

    /// The numeric domain of a type, if it is numeric.
    pub(crate) fn numeric_base(&self, t: &Ty) -> Option<NumBase> {
        self.numeric_base_depth(t, 0)
    }

    fn numeric_base_depth(&self, t: &Ty, depth: usize) -> Option<NumBase> {
        if depth > 16 {
            return None;
        }
        match self.expand(t) {
            Ty::Nat => Some(NumBase::Nat),
            Ty::Int => Some(NumBase::Int),
            Ty::Rat => Some(NumBase::Rat),
            Ty::Named(id, _) => self.body_numeric(&self.spec.types[id].body, depth),
            _ => None,
        }
    }

    fn body_numeric(&self, body: &TypeBody, depth: usize) -> Option<NumBase> {
        match body {
            TypeBody::Range(lo, _, _) => Some(if Self::is_negative(lo) { NumBase::Int } else { NumBase::Nat }),
            TypeBody::Variant(cases) if !cases.is_empty() => {
                let all_num = cases.iter().all(|c| match &c.kind {
                    CaseKind::Con(m) => {
                        m.slots.is_empty() && m.head().is_some_and(|h| h.chars().all(|c| c.is_ascii_digit()))
                    }
                    CaseKind::Include(t) => self.numeric_base_depth(t, depth + 1).is_some(),
                });
                if all_num {
                    Some(NumBase::Nat)
                } else {
                    None
                }
            }
            TypeBody::Alias(t) => self.numeric_base_depth(t, depth + 1),
            TypeBody::Family(insts) => insts.iter().find_map(|i| self.body_numeric(&i.body, depth + 1)),
            _ => None,
        }
    }

    fn is_negative(e: &Exp) -> bool {
        match &e.kind {
            ExpKind::Neg(_) => true,
            ExpKind::Num(n) => n.sign() == num_bigint::Sign::Minus,
            ExpKind::Sub(inner, _) => Self::is_negative(inner),
            _ => false,
        }
    }

    /// The element type and iterator of a sequence type.
    pub(crate) fn seq_elem(&self, t: &Ty) -> Option<(Ty, IterKind)> {
        match self.expand(t) {
            Ty::Iter(elem, k) => Some((*elem, k)),
            _ => None,
        }
    }

    pub(crate) fn record_fields(&self, t: &Ty) -> Option<&[Field]> {
        match self.expand(t) {
            Ty::Named(id, _) => match &self.spec.types[id].body {
                TypeBody::Record(fields) => Some(fields),
                _ => None,
            },
            _ => None,
        }
    }

    /// Structural type identity (arguments of parameterised types are not compared); aliases
    /// are transparent.
    pub(crate) fn same(&self, a: &Ty, b: &Ty) -> bool {
        self.same_depth(a, b, 0)
    }

    fn same_depth(&self, a: &Ty, b: &Ty, depth: usize) -> bool {
        match (a, b) {
            (Ty::Nat, Ty::Nat) | (Ty::Int, Ty::Int) | (Ty::Rat, Ty::Rat) | (Ty::Bool, Ty::Bool) | (Ty::Text, Ty::Text) => {
                return true
            }
            (Ty::Error, _) | (_, Ty::Error) => return true,
            (Ty::Named(x, _), Ty::Named(y, _)) if x == y => return true,
            (Ty::Iter(x, k1), Ty::Iter(y, k2)) => return k1 == k2 && self.same_depth(x, y, depth + 1),
            (Ty::Tuple(xs), Ty::Tuple(ys)) => {
                return xs.len() == ys.len() && xs.iter().zip(ys).all(|(x, y)| self.same_depth(x, y, depth + 1))
            }
            (Ty::Param(x), Ty::Param(y)) => return x == y,
            _ => {}
        }
        if depth < 16 && (self.is_alias(a) || self.is_alias(b)) {
            return self.same_depth(&self.expand(a), &self.expand(b), depth + 1);
        }
        false
    }

    fn is_alias(&self, t: &Ty) -> bool {
        match t {
            Ty::Named(id, _) => match &self.spec.types[*id].body {
                TypeBody::Alias(_) => true,
                TypeBody::Family(insts) => {
                    insts.len() == 1 && matches!(insts[0].body, TypeBody::Alias(_)) && Self::is_plain_instance(&insts[0])
                }
                _ => false,
            },
            _ => false,
        }
    }

    /// Subtyping: can a value of type `a` be used where `b` is expected?
    pub(crate) fn sub(&self, a: &Ty, b: &Ty) -> bool {
        self.sub_depth(a, b, 0)
    }

    fn sub_depth(&self, a: &Ty, b: &Ty, depth: usize) -> bool {
        if depth > 24 {
            return false;
        }
        if a.is_error() || b.is_error() || self.same(a, b) {
            return true;
        }
        // Numbers: every numeric type converts to every other, but only rationals hold rationals.
        if let (Some(na), Some(nb)) = (self.numeric_base(a), self.numeric_base(b)) {
            return na != NumBase::Rat || nb == NumBase::Rat;
        }
        let (ea, eb) = (self.expand(a), self.expand(b));
        match (&ea, &eb) {
            (Ty::Iter(x, k1), Ty::Iter(y, k2)) => iter_fits(*k1, *k2) && self.sub_depth(x, y, depth + 1),
            (Ty::Tuple(xs), Ty::Tuple(ys)) => {
                xs.len() == ys.len() && xs.iter().zip(ys).all(|(x, y)| self.sub_depth(x, y, depth + 1))
            }
            (Ty::Named(x, xargs), Ty::Named(y, yargs)) => {
                if x == y {
                    return true;
                }
                // Family instances: an instance's body is compatible with the family.
                if let Some(t) = self.family_alias_match(*x, xargs, &eb, depth, true) {
                    return t;
                }
                if let Some(t) = self.family_alias_match(*y, yargs, &ea, depth, false) {
                    return t;
                }
                // Variants: by inclusion, or structurally (every constructor of `a` is one of `b`).
                let ca = self.flat_cases(&ea);
                if ca.is_empty() {
                    return false;
                }
                let sb: HashSet<String> = self.flat_cases(&eb).iter().map(|&c| self.case_sig(c)).collect();
                ca.iter().all(|&c| sb.contains(&self.case_sig(c)))
            }
            (Ty::Named(x, xargs), _) => self.family_alias_match(*x, xargs, &eb, depth, true).unwrap_or(false),
            (_, Ty::Named(y, yargs)) => self.family_alias_match(*y, yargs, &ea, depth, false).unwrap_or(false),
            _ => false,
        }
    }

    /// For a family `id(args)` whose instances are aliases: whether some instance relates to
    /// `other` (as subtype when `family_is_sub`).
    fn family_alias_match(&self, id: TypeId, args: &[Exp], other: &Ty, depth: usize, family_is_sub: bool) -> Option<bool> {
        let TypeBody::Family(insts) = &self.spec.types[id].body else { return None };
        let mut any_alias = false;
        for i in self.instances_for(id, args) {
            if let TypeBody::Alias(target) = &insts[i].body {
                any_alias = true;
                let ok = if family_is_sub {
                    self.sub_depth(target, other, depth + 1)
                } else {
                    self.sub_depth(other, target, depth + 1)
                };
                if ok {
                    return Some(true);
                }
            }
        }
        if any_alias {
            Some(false)
        } else {
            None
        }
    }

    /// A type as the DSL writes it, for diagnostics.
    pub(crate) fn show(&self, t: &Ty) -> String {
        match t {
            Ty::Nat => "nat".into(),
            Ty::Int => "int".into(),
            Ty::Rat => "rat".into(),
            Ty::Bool => "bool".into(),
            Ty::Text => "text".into(),
            Ty::Named(id, args) => {
                let name = &self.spec.types[*id].name;
                if args.is_empty() {
                    name.clone()
                } else {
                    let args: Vec<String> = args.iter().map(show_exp).collect();
                    format!("{name}({})", args.join(", "))
                }
            }
            Ty::Iter(inner, k) => {
                let s = self.show(inner);
                if matches!(**inner, Ty::Iter(..) | Ty::Tuple(_)) {
                    format!("({s}){}", k.symbol())
                } else {
                    format!("{s}{}", k.symbol())
                }
            }
            Ty::Tuple(ts) => {
                let parts: Vec<String> = ts.iter().map(|t| self.show(t)).collect();
                format!("({})", parts.join(", "))
            }
            Ty::Param(p) => p.clone(),
            Ty::Error => "{unknown}".into(),
        }
    }

    /// A notation as the DSL writes it: `CONST numtype num_(numtype)`.
    pub(crate) fn show_mixop(&self, m: &Mixop) -> String {
        self.show_toks(&m.toks, m)
    }

    fn show_toks(&self, toks: &[Tok], m: &Mixop) -> String {
        let mut parts = Vec::new();
        for t in toks {
            parts.push(match t {
                Tok::Atom(a) => a.clone(),
                Tok::Slot(i) => m.slots.get(*i).map(|t| self.show(t)).unwrap_or_default(),
                Tok::Sub(a, inner) => format!("{a}({})", self.show_toks(inner, m)),
                Tok::Bracket(b, inner) => format!("{}{}{}", b.open(), self.show_toks(inner, m), b.close()),
            });
        }
        parts.join(" ")
    }
}

/// Whether a sequence built with iterator `from` fits where iterator `to` is expected.
pub(crate) fn iter_fits(from: IterKind, to: IterKind) -> bool {
    use IterKind::*;
    match (from, to) {
        (a, b) if a == b => true,
        (Opt, _) => true,
        (Star | Plus | Pow, Star | Plus | Pow) => true,
        _ => false,
    }
}

/// An IR expression, briefly, for type arguments in diagnostics.
pub(crate) fn show_exp(e: &Exp) -> String {
    match &e.kind {
        ExpKind::Var(v) => v.clone(),
        ExpKind::Num(n) => n.to_string(),
        ExpKind::Bin(op, a, b) => {
            let s = match op {
                BinOp::Add => "+",
                BinOp::Sub => "-",
                BinOp::Mul => "*",
                BinOp::Div => "/",
                BinOp::Mod => "\\",
                BinOp::Pow => "^",
                BinOp::And => "/\\",
                BinOp::Or => "\\/",
            };
            format!("{}{s}{}", show_exp(a), show_exp(b))
        }
        ExpKind::Sub(inner, _) => show_exp(inner),
        _ => "..".into(),
    }
}
