//! Static evaluation of small expressions to the finite sets of values they can take, so that
//! the width of a parameterised integer type is known: `iN($size(Inn))` holds at most 64 bits
//! because `$size` of `I32` and `I64` is 32 or 64.

use super::Gen;
use crate::ir::*;
use num_bigint::BigInt;
use std::collections::HashMap;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Const {
    Num(BigInt),
    /// A nullary constructor, by atom.
    Atom(String),
}

pub type Env = HashMap<String, Vec<Const>>;

const MAX_SET: usize = 64;

impl Gen<'_> {
    /// The nullary atoms of a type, if every value of it is one.
    pub fn finite_atoms(&self, t: &Ty) -> Option<Vec<String>> {
        let Ty::Named(id, _) = t else { return None };
        let mut out = Vec::new();
        self.collect_atoms(*id, &mut out, 0)?;
        Some(out)
    }

    fn collect_atoms(&self, id: TypeId, out: &mut Vec<String>, depth: usize) -> Option<()> {
        if depth > 16 {
            return None;
        }
        match &self.spec.types[id].body {
            TypeBody::Variant(cases) => {
                for c in cases {
                    match &c.kind {
                        CaseKind::Con(m) if m.slots.is_empty() => out.push(m.head()?.to_string()),
                        CaseKind::Include(Ty::Named(i, _)) => self.collect_atoms(*i, out, depth + 1)?,
                        _ => return None,
                    }
                }
                Some(())
            }
            TypeBody::Alias(Ty::Named(i, _)) => self.collect_atoms(*i, out, depth + 1),
            _ => None,
        }
    }

    /// The values an expression can take, if finitely many and statically known.
    pub fn values(&self, e: &Exp, env: &Env, depth: usize) -> Option<Vec<Const>> {
        if depth > 24 {
            return None;
        }
        let vs = match &e.kind {
            ExpKind::Num(n) => vec![Const::Num(n.clone())],
            ExpKind::Var(v) => match env.get(v) {
                Some(vs) => vs.clone(),
                None => self.finite_atoms(&e.ty)?.into_iter().map(Const::Atom).collect(),
            },
            ExpKind::Sub(x, _) => self.values(x, env, depth + 1)?,
            ExpKind::Con { ty, inst, case, args } if args.is_empty() => {
                let m = self.mixop_of(*ty, *inst, *case)?;
                let h = m.head()?.to_string();
                match h.parse::<BigInt>() {
                    Ok(n) => vec![Const::Num(n)],
                    Err(_) => vec![Const::Atom(h)],
                }
            }
            ExpKind::Neg(x) => self
                .values(x, env, depth + 1)?
                .into_iter()
                .map(|c| match c {
                    Const::Num(n) => Some(Const::Num(-n)),
                    _ => None,
                })
                .collect::<Option<Vec<_>>>()?,
            ExpKind::Bin(op, a, b) => {
                let xs = self.values(a, env, depth + 1)?;
                let ys = self.values(b, env, depth + 1)?;
                let mut out = Vec::new();
                for x in &xs {
                    for y in &ys {
                        let (Const::Num(x), Const::Num(y)) = (x, y) else { return None };
                        out.push(Const::Num(arith(*op, x, y)?));
                    }
                }
                out
            }
            ExpKind::Call(def, args) => {
                let sets = args.iter().map(|a| self.values(a, env, depth + 1)).collect::<Option<Vec<_>>>()?;
                let mut out = Vec::new();
                for combo in cartesian(&sets) {
                    out.push(self.eval_def(*def, &combo, depth + 1)?);
                }
                out
            }
            _ => return None,
        };
        let mut vs = vs;
        vs.dedup();
        if vs.len() > MAX_SET {
            return None;
        }
        Some(vs)
    }

    fn eval_def(&self, def: DefId, args: &[Const], depth: usize) -> Option<Const> {
        let d = &self.spec.defs[def];
        'clauses: for c in &d.clauses {
            let mut env = Env::new();
            for (pat, arg) in c.args.iter().zip(args) {
                if !self.match_const(pat, arg, &mut env) {
                    continue 'clauses;
                }
            }
            if !c.premises.is_empty() {
                return None;
            }
            let vs = self.values(&c.body, &env, depth + 1)?;
            return if vs.len() == 1 { vs.into_iter().next() } else { None };
        }
        None
    }

    fn match_const(&self, pat: &Exp, v: &Const, env: &mut Env) -> bool {
        match (&pat.kind, v) {
            (ExpKind::Var(x), _) => {
                env.insert(x.clone(), vec![v.clone()]);
                true
            }
            (ExpKind::Sub(inner, _), Const::Atom(a)) => {
                // A narrowing pattern (`Inn` where a `numtype` is expected) matches the atoms of its type.
                match self.finite_atoms(&inner.ty) {
                    Some(atoms) if atoms.contains(a) => self.match_const(inner, v, env),
                    Some(_) => false,
                    None => self.match_const(inner, v, env),
                }
            }
            (ExpKind::Sub(inner, _), _) => self.match_const(inner, v, env),
            (ExpKind::Num(n), Const::Num(m)) => n == m,
            (ExpKind::Con { ty, inst, case, args }, c) if args.is_empty() => {
                let Some(m) = self.mixop_of(*ty, *inst, *case) else { return false };
                match (m.head(), c) {
                    (Some(h), Const::Atom(a)) => h == a,
                    (Some(h), Const::Num(n)) => h == n.to_string(),
                    _ => false,
                }
            }
            _ => false,
        }
    }

    pub fn mixop_of(&self, ty: TypeId, inst: Option<usize>, case: usize) -> Option<&Mixop> {
        let def = &self.spec.types[ty];
        let body = match (inst, &def.body) {
            (Some(i), TypeBody::Family(insts)) => &insts.get(i)?.body,
            _ => &def.body,
        };
        match body {
            TypeBody::Variant(cases) => match &cases.get(case)?.kind {
                CaseKind::Con(m) => Some(m),
                CaseKind::Include(_) => None,
            },
            _ => None,
        }
    }
}

fn arith(op: BinOp, x: &BigInt, y: &BigInt) -> Option<BigInt> {
    use num_traits::{ToPrimitive, Zero};
    Some(match op {
        BinOp::Add => x + y,
        BinOp::Sub => x - y,
        BinOp::Mul => x * y,
        BinOp::Div if !y.is_zero() => x / y,
        BinOp::Mod if !y.is_zero() => x % y,
        BinOp::Pow => {
            let e = y.to_u32().filter(|e| *e <= 1024)?;
            num_traits::pow(x.clone(), e as usize)
        }
        _ => return None,
    })
}

fn cartesian(sets: &[Vec<Const>]) -> Vec<Vec<Const>> {
    let mut out = vec![Vec::new()];
    for s in sets {
        let mut next = Vec::new();
        for prefix in &out {
            for v in s {
                let mut p = prefix.clone();
                p.push(v.clone());
                next.push(p);
            }
        }
        out = next;
        if out.len() > MAX_SET * MAX_SET {
            break;
        }
    }
    out
}
