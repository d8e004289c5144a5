//! An exact reference evaluator of the IR.
//!
//! Numbers are unbounded ([`Int`]: an `i128`, or a `BigInt` beyond) and rationals exact
//! ([`Rat`]). A definition is evaluated by trying its clauses in order: the arguments are
//! matched against the clause's patterns, then the premises are evaluated in the elaborated
//! order (`Clause::order`), with backtracking over the choices of `x <- e*` premises and of
//! relation rules. Errors (no clause applies, a negative natural number, an index out of bounds,
//! recursion deeper than the configured limit, a definition backed only by a builtin) are
//! [`EvalError`]s, never panics.
//!
//! A sequence too long to build, such as the set of all arithmetic NaNs of a width (2^52
//! payloads for 64 bits), is kept lazy: `body^(k<n)` with a large `n` becomes a generator.
//! Membership in a generator is decided by matching the value against the body with `k`
//! unknown, inverting additions (`c + k`) where the index occurs.

mod int;
mod rat;
mod value;

pub use int::Int;
pub use rat::Rat;
pub use value::{ConVal, Lazy, SeqVal, Value};

use crate::ast::{CmpOp, UpdateOp};
use crate::ir::*;
use num_bigint::BigInt;
use num_traits::{Signed, ToPrimitive};
use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::rc::Rc;

/// Limits and checks of an [`Evaluator`].
#[derive(Clone, Debug)]
pub struct Config {
    /// The deepest nesting of definition calls and rule applications.
    pub max_depth: usize,
    /// Check that the result of every call lies in the range of its declared result type (for
    /// numeric range types such as `iN(N)`).
    pub check_results: bool,
    /// Iterations `e^(k<n)` with `n` above this (and no iterated variable) stay lazy.
    pub lazy_threshold: u64,
    /// The longest sequence the evaluator builds element by element.
    pub max_materialize: u64,
    /// The largest exponent of `a^n` for `|a| > 1`.
    pub max_exponent: u64,
}

impl Default for Config {
    fn default() -> Config {
        Config { max_depth: 512, check_results: true, lazy_threshold: 1 << 16, max_materialize: 1 << 22, max_exponent: 1 << 20 }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// No clause of a definition applies to the arguments.
    NoClause,
    /// The definition has no clauses, only a `hint(builtin ...)`.
    UnimplementedBuiltin,
    /// A definition without clauses and without a builtin.
    Undefined,
    NegativeNat,
    IndexOutOfBounds,
    RecursionLimit,
    DivisionByZero,
    /// A variable without a value (the elaborator should have reported it).
    Unbound,
    /// A value of an unexpected shape.
    Type,
    /// A sequence or a number too large to compute.
    TooLarge,
    /// A result out of the range of the declared result type.
    Range,
}

#[derive(Clone, Debug)]
pub struct EvalError {
    pub kind: ErrorKind,
    pub message: String,
    /// The calls that led to the error, innermost first.
    pub context: Vec<String>,
}

impl EvalError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> EvalError {
        EvalError { kind, message: message.into(), context: Vec::new() }
    }
}

impl fmt::Display for EvalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.message)?;
        for c in &self.context {
            write!(f, "\n  in {c}")?;
        }
        Ok(())
    }
}

impl std::error::Error for EvalError {}

pub type R<T> = Result<T, EvalError>;

fn err<T>(kind: ErrorKind, message: impl Into<String>) -> R<T> {
    Err(EvalError::new(kind, message))
}

/// Variables and their values; the innermost binding of a name is the last one.
type Env<'a> = Vec<(&'a str, Value)>;

fn lookup<'e>(env: &'e [(&str, Value)], name: &str) -> Option<&'e Value> {
    env.iter().rev().find(|(n, _)| name_eq(n, name)).map(|(_, v)| v)
}

/// String equality for the short names of variables, without a call to `memcmp`.
#[inline]
fn name_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    if a.as_ptr() == b.as_ptr() {
        return true;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// The key of a memoized range: a type and up to two small arguments.
type RangeKey = (TypeId, u8, [i128; 2]);

/// A hasher for small keys (FNV-1a).
#[derive(Default)]
struct Fnv(u64);

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 { 0xcbf2_9ce4_8422_2325 } else { self.0 };
        for b in bytes {
            h ^= *b as u64;
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

type FnvBuild = std::hash::BuildHasherDefault<Fnv>;

/// Memoized bounds of range types: `None` for a type that is no range.
type RangeCache = HashMap<RangeKey, Option<(Value, Value)>, FnvBuild>;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Base {
    Nat,
    Int,
    Rat,
}

struct ConInfo {
    key: Rc<str>,
    /// The number a constructor of a numeric enumeration (`8` of `sz`) stands for.
    num: Option<Int>,
}

/// The values of a type, for narrowing patterns (`Inn` against a `numtype`).
#[derive(Default)]
struct ConSet {
    keys: HashSet<Rc<str>>,
    nums: HashSet<Int>,
    /// Numbers of a range of this base are included.
    range: Option<Base>,
    /// Anything (records, tuples, parameters...): not checked.
    any: bool,
}

type Cont<'k, 'a> = dyn FnMut(&Evaluator<'_>, &mut Env<'a>) -> R<Option<Value>> + 'k;

/// The evaluator of one elaborated spec.
pub struct Evaluator<'s> {
    spec: &'s Spec,
    cfg: Config,
    depth: Cell<usize>,
    calls: Cell<u64>,
    /// Constructor keys by type, instance (0 for a variant, `i + 1` for instance `i`) and case.
    cons: Vec<Vec<Vec<Option<ConInfo>>>>,
    /// Whether the result of each definition has a numeric range to check.
    checked_result: Vec<bool>,
    bases: Vec<Option<Base>>,
    con_sets: RefCell<HashMap<TypeId, Rc<ConSet>>>,
    bodies: RefCell<HashMap<usize, Rc<Exp>>>,
    range_cache: RefCell<RangeCache>,
}

impl<'s> Evaluator<'s> {
    pub fn new(spec: &'s Spec) -> Evaluator<'s> {
        Evaluator::with_config(spec, Config::default())
    }

    pub fn with_config(spec: &'s Spec, cfg: Config) -> Evaluator<'s> {
        let mut cons: Vec<Vec<Vec<Option<ConInfo>>>> = Vec::with_capacity(spec.types.len());
        for t in &spec.types {
            let variant = |cases: &[Case]| -> Vec<Option<ConInfo>> {
                cases
                    .iter()
                    .map(|c| match &c.kind {
                        CaseKind::Con(m) => Some(con_info(m)),
                        CaseKind::Include(_) => None,
                    })
                    .collect()
            };
            let mut per = vec![Vec::new()];
            match &t.body {
                TypeBody::Variant(cases) => per[0] = variant(cases),
                TypeBody::Family(insts) => {
                    for inst in insts {
                        per.push(match &inst.body {
                            TypeBody::Variant(cases) => variant(cases),
                            _ => Vec::new(),
                        });
                    }
                }
                _ => {}
            }
            cons.push(per);
        }
        let bases: Vec<Option<Base>> = (0..spec.types.len()).map(|id| type_base(spec, id, 0)).collect();
        let checked_result = spec.defs.iter().map(|d| has_range(spec, &bases, &d.result, 0)).collect();
        Evaluator {
            spec,
            cfg,
            depth: Cell::new(0),
            calls: Cell::new(0),
            cons,
            checked_result,
            bases,
            con_sets: RefCell::new(HashMap::new()),
            bodies: RefCell::new(HashMap::new()),
            range_cache: RefCell::new(HashMap::default()),
        }
    }

    pub fn spec(&self) -> &'s Spec {
        self.spec
    }

    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// The number of definition calls evaluated so far.
    pub fn calls(&self) -> u64 {
        self.calls.get()
    }

    pub fn def_id(&self, name: &str) -> Option<DefId> {
        self.spec.def_index.get(name).copied()
    }

    /// Calls the definition `$name`.
    pub fn call_name(&self, name: &str, args: Vec<Value>) -> R<Value> {
        match self.def_id(name) {
            Some(id) => self.call(id, args),
            None => err(ErrorKind::Undefined, format!("no definition `${name}`")),
        }
    }

    /// Calls a definition: its clauses in order, the first that applies.
    pub fn call(&self, id: DefId, args: Vec<Value>) -> R<Value> {
        let def = &self.spec.defs[id];
        if def.clauses.is_empty() {
            return match &def.builtin {
                Some(b) => err(ErrorKind::UnimplementedBuiltin, format!("`${}` is backed by the builtin `{b}` only, and builtins are not evaluated", def.name)),
                None => err(ErrorKind::Undefined, format!("`${}` has no clauses", def.name)),
            };
        }
        let d = self.depth.get();
        if d >= self.cfg.max_depth {
            return err(ErrorKind::RecursionLimit, format!("recursion deeper than {} calls", self.cfg.max_depth));
        }
        self.depth.set(d + 1);
        self.calls.set(self.calls.get() + 1);
        let r = self.call_clauses(id, def, &args);
        self.depth.set(d);
        r.map_err(|mut e| {
            if e.context.len() < 12 {
                let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
                e.context.push(format!("${}({})", def.name, args.join(", ")));
            }
            e
        })
    }

    fn call_clauses(&self, id: DefId, def: &'s Def, args: &[Value]) -> R<Value> {
        if args.len() != def.params.len() {
            return err(ErrorKind::Type, format!("`${}` takes {} arguments, given {}", def.name, def.params.len(), args.len()));
        }
        let mut env: Env<'s> = Vec::with_capacity(8);
        for clause in &def.clauses {
            env.clear();
            let mut ok = true;
            for (p, a) in clause.args.iter().zip(args) {
                if !self.pmatch(p, a, &mut env)? {
                    ok = false;
                    break;
                }
            }
            if !ok {
                continue;
            }
            let body = &clause.body;
            let r = self.solve(&clause.premises, &clause.order, 0, &mut env, &mut |ev, env| ev.eval(body, env).map(Some))?;
            if let Some(v) = r {
                if self.cfg.check_results && self.checked_result[id] {
                    self.check_result(def, args, &v)?;
                }
                return Ok(v);
            }
        }
        err(ErrorKind::NoClause, format!("no clause of `${}` applies", def.name))
    }

    // -----------------------------------------------------------------------------------------
    // Premises

    fn solve<'a>(&self, prems: &'a [Premise], order: &'a [usize], pos: usize, env: &mut Env<'a>, k: &mut Cont<'_, 'a>) -> R<Option<Value>> {
        if pos >= order.len() {
            return k(self, env);
        }
        let p = &prems[order[pos]];
        self.solve_one(p, env, &mut |ev, env| ev.solve(prems, order, pos + 1, env, &mut *k))
    }

    fn solve_one<'a>(&self, p: &'a Premise, env: &mut Env<'a>, k: &mut Cont<'_, 'a>) -> R<Option<Value>> {
        match &p.kind {
            PremiseKind::Otherwise => k(self, env),
            PremiseKind::If { exp, binds } if binds.is_empty() => {
                if self.eval_bool(exp, env)? {
                    k(self, env)
                } else {
                    Ok(None)
                }
            }
            PremiseKind::If { exp, binds } => match &exp.kind {
                ExpKind::Cmp(CmpOp::Eq, l, r) => {
                    let (pat, other) = if mentions(l, binds) { (l, r) } else { (r, l) };
                    let v = self.eval(other, env)?;
                    let mark = env.len();
                    let res = if self.pmatch(pat, &v, env)? { k(self, env)? } else { None };
                    env.truncate(mark);
                    Ok(res)
                }
                ExpKind::Cmp(CmpOp::In, l, r) => {
                    let s = self.eval(r, env)?;
                    let n = self.seq_len(&s)?;
                    for i in 0..n {
                        let x = self.elem(&s, i)?;
                        let mark = env.len();
                        let res = if self.pmatch(l, &x, env)? { k(self, env)? } else { None };
                        env.truncate(mark);
                        if res.is_some() {
                            return Ok(res);
                        }
                    }
                    Ok(None)
                }
                _ => err(ErrorKind::Type, "a premise that binds variables is neither an equation nor a membership"),
            },
            PremiseKind::Rel { rel, args, .. } => self.solve_rel(*rel, args, env, k),
            PremiseKind::Iter { premise, iter } => self.solve_iter(premise, iter, env, k),
        }
    }

    fn solve_iter<'a>(&self, inner: &'a Premise, it: &'a IterSpec, env: &mut Env<'a>, k: &mut Cont<'_, 'a>) -> R<Option<Value>> {
        let mut n: Option<u64> = match &it.count {
            Some(c) => Some(self.to_u64(&self.eval(c, env)?)?),
            None => None,
        };
        let mut pre: Vec<(&'a str, SeqVal)> = Vec::new();
        let mut fresh: Vec<&'a str> = Vec::new();
        for v in &it.vars {
            match lookup(env, v) {
                Some(val) => {
                    let s = self.seqval(val)?;
                    match n {
                        Some(m) if m != s.len() as u64 => return Ok(None),
                        _ => n = Some(s.len() as u64),
                    }
                    pre.push((v.as_str(), s));
                }
                None => fresh.push(v.as_str()),
            }
        }
        let Some(n) = n else {
            return err(ErrorKind::Unbound, "the length of an iterated premise is unknown");
        };
        if it.kind == IterKind::Opt && n > 1 {
            return err(ErrorKind::Type, "an optional iteration over more than one element");
        }
        let mut collected: Vec<Vec<Value>> = vec![Vec::with_capacity(n as usize); fresh.len()];
        for i in 0..n as usize {
            let mark = env.len();
            for (v, s) in &pre {
                env.push((v, s.as_slice()[i].clone()));
            }
            if let Some(ix) = &it.index {
                env.push((ix.as_str(), Value::nat(i as u64)));
            }
            let fresh_ref = &fresh;
            let coll = &mut collected;
            let ok = self.solve_one(inner, env, &mut |_, env| {
                for (j, f) in fresh_ref.iter().enumerate() {
                    match lookup(env, f) {
                        Some(v) => coll[j].push(v.clone()),
                        None => return err(ErrorKind::Unbound, format!("the iterated premise does not bind `{f}`")),
                    }
                }
                Ok(Some(Value::Bool(true)))
            })?;
            env.truncate(mark);
            if ok.is_none() {
                return Ok(None);
            }
        }
        let mark = env.len();
        for (f, vs) in fresh.iter().zip(collected) {
            env.push((f, Value::seq(vs)));
        }
        let r = k(self, env);
        env.truncate(mark);
        r
    }

    fn solve_rel<'a>(&self, rel: RelId, args: &'a [Exp], env: &mut Env<'a>, k: &mut Cont<'_, 'a>) -> R<Option<Value>> {
        let r = &self.spec.relations[rel];
        let mut inputs: Vec<Option<Value>> = Vec::with_capacity(args.len());
        for (a, m) in args.iter().zip(&r.modes) {
            inputs.push(if *m == Mode::In { Some(self.eval(a, env)?) } else { None });
        }
        let d = self.depth.get();
        if d >= self.cfg.max_depth {
            return err(ErrorKind::RecursionLimit, format!("recursion deeper than {} calls", self.cfg.max_depth));
        }
        self.depth.set(d + 1);
        let result = (|| {
            for rule in &r.rules {
                let mut renv: Env<'s> = Vec::with_capacity(8);
                let mut ok = true;
                for (i, inp) in inputs.iter().enumerate() {
                    if let (Some(v), Some(p)) = (inp, rule.args.get(i)) {
                        if !self.pmatch(p, v, &mut renv)? {
                            ok = false;
                            break;
                        }
                    }
                }
                if !ok {
                    continue;
                }
                let modes = &r.modes;
                let env_ref = &mut *env;
                let k_ref = &mut *k;
                let res = self.solve(&rule.premises, &rule.order, 0, &mut renv, &mut |ev, renv| {
                    let mark = env_ref.len();
                    for (i, m) in modes.iter().enumerate() {
                        if *m == Mode::In {
                            continue;
                        }
                        let v = ev.eval(&rule.args[i], renv)?;
                        if !ev.pmatch(&args[i], &v, env_ref)? {
                            env_ref.truncate(mark);
                            return Ok(None);
                        }
                    }
                    let res = k_ref(ev, env_ref)?;
                    env_ref.truncate(mark);
                    Ok(res)
                })?;
                if res.is_some() {
                    return Ok(res);
                }
            }
            Ok(None)
        })();
        self.depth.set(d);
        result.map_err(|mut e: EvalError| {
            if e.context.len() < 12 {
                e.context.push(format!("relation `{}`", r.name));
            }
            e
        })
    }

    // -----------------------------------------------------------------------------------------
    // Expressions

    fn eval_bool<'a>(&self, e: &'a Exp, env: &mut Env<'a>) -> R<bool> {
        match self.eval(e, env)? {
            Value::Bool(b) => Ok(b),
            v => err(ErrorKind::Type, format!("expected a boolean, found `{v}`")),
        }
    }

    /// Evaluates a closed expression (one without variables).
    pub fn eval_closed(&self, e: &Exp) -> R<Value> {
        self.eval(e, &mut Vec::new())
    }

    fn eval<'a>(&self, e: &'a Exp, env: &mut Env<'a>) -> R<Value> {
        match &e.kind {
            ExpKind::Var(x) => match lookup(env, x) {
                Some(v) => Ok(v.clone()),
                None => err(ErrorKind::Unbound, format!("variable `{x}` has no value")),
            },
            ExpKind::Num(n) => Ok(if self.ty_base(&e.ty) == Some(Base::Rat) {
                Value::rat(Rat::from_int(n.clone()))
            } else {
                match n.to_i128() {
                    Some(x) => Value::Num(Int::Small(x)),
                    None => Value::Num(Int::from_big(n.clone())),
                }
            }),
            ExpKind::Text(t) => Ok(Value::Text(t.as_str().into())),
            ExpKind::Bool(b) => Ok(Value::Bool(*b)),
            ExpKind::Con { ty, inst, case, args } => {
                let info = self.con_info(*ty, *inst, *case)?;
                if let Some(n) = &info.num {
                    return Ok(Value::Num(n.clone()));
                }
                let mut vs = Vec::with_capacity(args.len());
                for a in args {
                    vs.push(self.eval(a, env)?);
                }
                Ok(Value::Con(Rc::new(ConVal { key: info.key.clone(), args: vs })))
            }
            ExpKind::Tuple(xs) => {
                let mut vs = Vec::with_capacity(xs.len());
                for x in xs {
                    vs.push(self.eval(x, env)?);
                }
                Ok(Value::Tuple(Rc::new(vs)))
            }
            ExpKind::Record(fs) => {
                let mut vs = Vec::with_capacity(fs.len());
                for (n, x) in fs {
                    vs.push((Rc::from(n.as_str()), self.eval(x, env)?));
                }
                Ok(Value::Record(Rc::new(vs)))
            }
            ExpKind::List(xs) => {
                let mut vs = Vec::with_capacity(xs.len());
                for x in xs {
                    vs.push(self.eval(x, env)?);
                }
                Ok(Value::seq(vs))
            }
            ExpKind::Cat(xs) => {
                let mut vs = Vec::with_capacity(xs.len());
                for x in xs {
                    vs.push(self.eval(x, env)?);
                }
                self.concat(vs)
            }
            ExpKind::Some(x) => Ok(Value::some(self.eval(x, env)?)),
            ExpKind::Iter(body, spec) => self.eval_iter(body, spec, env),
            ExpKind::Call(id, args) => {
                let mut vs = Vec::with_capacity(args.len());
                for a in args {
                    vs.push(self.eval(a, env)?);
                }
                self.call(*id, vs)
            }
            ExpKind::Field(x, f) => match self.eval(x, env)? {
                Value::Record(fs) => match fs.iter().find(|(n, _)| &**n == f.as_str()) {
                    Some((_, v)) => Ok(v.clone()),
                    None => err(ErrorKind::Type, format!("no field `{f}`")),
                },
                v => err(ErrorKind::Type, format!("field `{f}` of `{v}`, which is not a record")),
            },
            ExpKind::Index(x, i) => {
                let s = self.eval(x, env)?;
                let i = self.eval(i, env)?;
                let n = self.seq_len(&s)?;
                let i = self.to_u64(&i)?;
                if i >= n {
                    return err(ErrorKind::IndexOutOfBounds, format!("index {i} out of bounds of a sequence of length {n}"));
                }
                self.elem(&s, i)
            }
            ExpKind::Slice(x, i, n) => {
                let s = self.eval(x, env)?;
                let i = self.to_u64(&self.eval(i, env)?)?;
                let n = self.to_u64(&self.eval(n, env)?)?;
                let s = self.seqval(&s)?;
                if i.checked_add(n).is_none_or(|end| end > s.len() as u64) {
                    return err(ErrorKind::IndexOutOfBounds, format!("slice [{i} : {n}] out of bounds of a sequence of length {}", s.len()));
                }
                Ok(Value::Seq(s.slice(i as usize, n as usize)))
            }
            ExpKind::Update(x, path, op, v) => {
                let base = self.eval(x, env)?;
                let nv = self.eval(v, env)?;
                self.update(base, path, *op, nv, env)
            }
            ExpKind::Len(x) => {
                let s = self.eval(x, env)?;
                Ok(Value::nat(self.seq_len(&s)?))
            }
            ExpKind::Not(x) => Ok(Value::Bool(!self.eval_bool(x, env)?)),
            ExpKind::Neg(x) => {
                let v = match self.eval(x, env)? {
                    Value::Num(n) => Value::Num(n.neg()),
                    Value::Rat(r) => Value::rat(r.neg()),
                    v => return err(ErrorKind::Type, format!("negation of `{v}`, which is not a number")),
                };
                self.check_base(v, self.ty_base(&e.ty), e)
            }
            ExpKind::Bin(op, a, b) => self.eval_bin(e, *op, a, b, env),
            ExpKind::Cmp(op, a, b) => {
                let x = self.eval(a, env)?;
                let y = self.eval(b, env)?;
                let r = match op {
                    CmpOp::Eq => self.equal(&x, &y),
                    CmpOp::Ne => !self.equal(&x, &y),
                    CmpOp::In => self.member(&y, &x)?,
                    CmpOp::Lt => self.cmp_num(&x, &y)?.is_lt(),
                    CmpOp::Gt => self.cmp_num(&x, &y)?.is_gt(),
                    CmpOp::Le => self.cmp_num(&x, &y)?.is_le(),
                    CmpOp::Ge => self.cmp_num(&x, &y)?.is_ge(),
                };
                Ok(Value::Bool(r))
            }
            ExpKind::Sub(x, ty) => {
                let v = self.eval(x, env)?;
                self.coerce(v, ty, e)
            }
        }
    }

    fn eval_iter<'a>(&self, body: &'a Exp, spec: &'a IterSpec, env: &mut Env<'a>) -> R<Value> {
        // `x*` over a bound sequence `x` is that sequence.
        if spec.count.is_none() && spec.index.is_none() && spec.vars.len() == 1 {
            if let ExpKind::Var(x) = &body.kind {
                if *x == spec.vars[0] {
                    if let Some(v) = lookup(env, x) {
                        return Ok(v.clone());
                    }
                }
            }
        }
        let mut n: Option<u64> = match &spec.count {
            Some(c) => Some(self.to_u64(&self.eval(c, env)?)?),
            None => None,
        };
        if let (Some(count), Some(ix)) = (n, &spec.index) {
            if spec.vars.is_empty() && count > self.cfg.lazy_threshold {
                return Ok(self.generator(body, ix, count, env));
            }
        }
        let mut seqs: Vec<(&'a str, SeqVal)> = Vec::with_capacity(spec.vars.len());
        for v in &spec.vars {
            let Some(val) = lookup(env, v) else {
                return err(ErrorKind::Unbound, format!("iterated variable `{v}` has no value"));
            };
            let s = self.seqval(val)?;
            match n {
                Some(m) if m != s.len() as u64 => {
                    return err(ErrorKind::Type, format!("iterated sequences of different lengths ({m} and {} for `{v}`)", s.len()))
                }
                _ => n = Some(s.len() as u64),
            }
            seqs.push((v.as_str(), s));
        }
        let Some(n) = n else {
            return err(ErrorKind::Unbound, "the length of an iteration is unknown");
        };
        if n > self.cfg.max_materialize {
            return err(ErrorKind::TooLarge, format!("a sequence of {n} elements is too long to build"));
        }
        let mut out = Vec::with_capacity(n as usize);
        let mark = env.len();
        for i in 0..n as usize {
            for (v, s) in &seqs {
                env.push((v, s.as_slice()[i].clone()));
            }
            if let Some(ix) = &spec.index {
                env.push((ix.as_str(), Value::nat(i as u64)));
            }
            let r = self.eval(body, env);
            env.truncate(mark);
            out.push(r?);
        }
        Ok(Value::seq(out))
    }

    /// A lazy `body^(index<count)`, capturing the variables the body uses.
    fn generator(&self, body: &Exp, index: &str, count: u64, env: &Env<'_>) -> Value {
        let key = body as *const Exp as usize;
        let body = self.bodies.borrow_mut().entry(key).or_insert_with(|| Rc::new(body.clone())).clone();
        let mut names = Vec::new();
        free_vars(&body, &mut names);
        let mut captured = Vec::new();
        for n in names {
            if n != index {
                if let Some(v) = lookup(env, &n) {
                    captured.push((n, v.clone()));
                }
            }
        }
        Value::Lazy(Rc::new(Lazy::Gen { body, index: index.to_string(), count, env: captured }))
    }

    fn eval_bin<'a>(&self, e: &'a Exp, op: BinOp, a: &'a Exp, b: &'a Exp, env: &mut Env<'a>) -> R<Value> {
        match op {
            BinOp::And => return Ok(Value::Bool(self.eval_bool(a, env)? && self.eval_bool(b, env)?)),
            BinOp::Or => return Ok(Value::Bool(self.eval_bool(a, env)? || self.eval_bool(b, env)?)),
            _ => {}
        }
        let x = self.eval(a, env)?;
        let y = self.eval(b, env)?;
        let base = match self.ty_base(&e.ty) {
            Some(b) => b,
            None if matches!(x, Value::Rat(_)) || matches!(y, Value::Rat(_)) => Base::Rat,
            None => Base::Int,
        };
        let v = self.arith(op, base, &x, &y)?;
        self.check_base(v, Some(base), e)
    }

    fn arith(&self, op: BinOp, base: Base, x: &Value, y: &Value) -> R<Value> {
        if base == Base::Rat && op != BinOp::Pow {
            let (p, q) = (self.to_rat(x)?, self.to_rat(y)?);
            return Ok(Value::rat(match op {
                BinOp::Add => p.add(&q),
                BinOp::Sub => p.sub(&q),
                BinOp::Mul => p.mul(&q),
                BinOp::Div => match p.div(&q) {
                    Some(r) => r,
                    None => return err(ErrorKind::DivisionByZero, format!("division of {p} by zero")),
                },
                BinOp::Mod => match p.rem(&q) {
                    Some(r) => r,
                    None => return err(ErrorKind::DivisionByZero, format!("remainder of {p} by zero")),
                },
                _ => return err(ErrorKind::Type, "a logical operator on numbers"),
            }));
        }
        if op == BinOp::Pow {
            let n = self.to_u64(y)?;
            // 0, 1 and -1 to any power, without computing it.
            if let Value::Num(Int::Small(b @ -1..=1)) = x {
                let r = match (b, n) {
                    (_, 0) => 1,
                    (0, _) => 0,
                    (-1, n) if n % 2 == 1 => -1,
                    _ => 1,
                };
                return Ok(if base == Base::Rat { Value::rat(Rat::from_int(r.into())) } else { Value::Num(Int::Small(r)) });
            }
            if n > u32::MAX as u64 {
                return err(ErrorKind::TooLarge, format!("power {x}^{n} too large"));
            }
            return match base {
                Base::Rat => {
                    let p = self.to_rat(x)?;
                    if n > self.cfg.max_exponent && (p.numer().abs() > BigInt::from(1) || p.denom() > &BigInt::from(1)) {
                        return err(ErrorKind::TooLarge, format!("power {p}^{n} too large"));
                    }
                    Ok(Value::rat(p.pow(n as u32)))
                }
                _ => {
                    let p = self.to_int(x)?;
                    if n > self.cfg.max_exponent && p.abs_gt_one() {
                        return err(ErrorKind::TooLarge, format!("power {p}^{n} too large"));
                    }
                    if matches!(p, Int::Small(2)) && n <= u32::MAX as u64 {
                        return Ok(Value::Num(Int::pow2(n as u32)));
                    }
                    Ok(Value::Num(p.pow(n as u32)))
                }
            };
        }
        let (p, q) = (self.to_int(x)?, self.to_int(y)?);
        Ok(Value::Num(match op {
            BinOp::Add => p.add(&q),
            BinOp::Sub => p.sub(&q),
            BinOp::Mul => p.mul(&q),
            BinOp::Div => match p.div(&q) {
                Some(r) => r,
                None => return err(ErrorKind::DivisionByZero, format!("division of {p} by zero")),
            },
            BinOp::Mod => match p.rem(&q) {
                Some(r) => r,
                None => return err(ErrorKind::DivisionByZero, format!("remainder of {p} by zero")),
            },
            _ => return err(ErrorKind::Type, "a logical operator on numbers"),
        }))
    }

    /// A number computed at a natural-number type must not be negative.
    fn check_base(&self, v: Value, base: Option<Base>, e: &Exp) -> R<Value> {
        if base == Some(Base::Nat) {
            if let Value::Num(n) = &v {
                if n.is_negative() {
                    return err(ErrorKind::NegativeNat, format!("`{}` is {n}, but it is a natural number", crate::ir_fmt::Printer::new(self.spec).exp(e)));
                }
            }
        }
        Ok(v)
    }

    /// A value of one type used at another: numbers change domain (a natural number must not be
    /// negative, an integer must not be a fraction).
    fn coerce(&self, v: Value, ty: &Ty, e: &Exp) -> R<Value> {
        match (self.ty_base(ty), v) {
            (Some(Base::Rat), Value::Num(n)) => Ok(Value::rat(Rat::from_int(n.to_big()))),
            (Some(b @ (Base::Nat | Base::Int)), Value::Rat(r)) => match r.to_integer() {
                Some(n) => self.check_base(Value::Num(Int::from_big(n)), Some(b), e),
                None => err(ErrorKind::Type, format!("{r} is not an integer")),
            },
            (b, v) => self.check_base(v, b, e),
        }
    }

    fn update<'a>(&self, base: Value, path: &'a [Path], op: UpdateOp, nv: Value, env: &mut Env<'a>) -> R<Value> {
        let Some((first, rest)) = path.split_first() else {
            return match op {
                UpdateOp::Replace => Ok(nv),
                UpdateOp::Extend => self.concat(vec![base, nv]),
            };
        };
        match first {
            Path::Field(f) => match base {
                Value::Record(fs) => {
                    let mut fs = (*fs).clone();
                    let Some(slot) = fs.iter_mut().find(|(n, _)| &**n == f.as_str()) else {
                        return err(ErrorKind::Type, format!("no field `{f}`"));
                    };
                    let old = std::mem::replace(&mut slot.1, Value::Bool(false));
                    slot.1 = self.update(old, rest, op, nv, env)?;
                    Ok(Value::Record(Rc::new(fs)))
                }
                v => err(ErrorKind::Type, format!("field `{f}` of `{v}`, which is not a record")),
            },
            Path::Index(i) => {
                let i = self.to_u64(&self.eval(i, env)?)?;
                let s = self.seqval(&base)?;
                if i >= s.len() as u64 {
                    return err(ErrorKind::IndexOutOfBounds, format!("index {i} out of bounds of a sequence of length {}", s.len()));
                }
                let mut v = s.as_slice().to_vec();
                let old = std::mem::replace(&mut v[i as usize], Value::Bool(false));
                v[i as usize] = self.update(old, rest, op, nv, env)?;
                Ok(Value::seq(v))
            }
            Path::Slice(i, n) => {
                let i = self.to_u64(&self.eval(i, env)?)? as usize;
                let n = self.to_u64(&self.eval(n, env)?)? as usize;
                let s = self.seqval(&base)?;
                if i.checked_add(n).is_none_or(|end| end > s.len()) {
                    return err(ErrorKind::IndexOutOfBounds, format!("slice [{i} : {n}] out of bounds of a sequence of length {}", s.len()));
                }
                let new = self.update(Value::Seq(s.slice(i, n)), rest, op, nv, env)?;
                let new = self.seqval(&new)?;
                let mut v = s.as_slice()[..i].to_vec();
                v.extend_from_slice(new.as_slice());
                v.extend_from_slice(&s.as_slice()[i + n..]);
                Ok(Value::seq(v))
            }
        }
    }

    // -----------------------------------------------------------------------------------------
    // Patterns

    /// Matches a value against a pattern, binding its variables. On failure, bindings may be
    /// left behind: the caller truncates the environment.
    fn pmatch<'a>(&self, p: &'a Exp, v: &Value, env: &mut Env<'a>) -> R<bool> {
        match &p.kind {
            ExpKind::Var(x) => {
                if let Some(old) = lookup(env, x) {
                    return Ok(self.equal(old, v));
                }
                env.push((x.as_str(), v.clone()));
                Ok(true)
            }
            ExpKind::Num(n) => Ok(match v {
                Value::Num(Int::Small(m)) => n.to_i128() == Some(*m),
                _ => {
                    let w = self.eval(p, env)?;
                    self.equal(&w, v)
                }
            }),
            ExpKind::Con { ty, inst, case, args } => {
                let info = self.con_info(*ty, *inst, *case)?;
                if let Some(n) = &info.num {
                    return Ok(matches!(v, Value::Num(m) if m == n));
                }
                let Value::Con(c) = v else { return Ok(false) };
                if c.key != info.key || c.args.len() != args.len() {
                    return Ok(false);
                }
                for (p, a) in args.iter().zip(&c.args) {
                    if !self.pmatch(p, a, env)? {
                        return Ok(false);
                    }
                }
                Ok(true)
            }
            ExpKind::Tuple(ps) => {
                let Value::Tuple(xs) = v else { return Ok(false) };
                if xs.len() != ps.len() {
                    return Ok(false);
                }
                for (p, x) in ps.iter().zip(xs.iter()) {
                    if !self.pmatch(p, x, env)? {
                        return Ok(false);
                    }
                }
                Ok(true)
            }
            ExpKind::Record(ps) => {
                let Value::Record(fs) = v else { return Ok(false) };
                for (n, p) in ps {
                    let Some((_, x)) = fs.iter().find(|(m, _)| &**m == n.as_str()) else { return Ok(false) };
                    if !self.pmatch(p, x, env)? {
                        return Ok(false);
                    }
                }
                Ok(true)
            }
            ExpKind::List(ps) => {
                let s = match v {
                    Value::Seq(s) => s.clone(),
                    Value::Lazy(_) => self.seqval(v)?,
                    _ => return Ok(false),
                };
                if s.len() != ps.len() {
                    return Ok(false);
                }
                for (p, x) in ps.iter().zip(s.as_slice()) {
                    if !self.pmatch(p, x, env)? {
                        return Ok(false);
                    }
                }
                Ok(true)
            }
            ExpKind::Some(x) => match v {
                Value::Seq(s) if s.len() == 1 => self.pmatch(x, &s.as_slice()[0], env),
                _ => Ok(false),
            },
            ExpKind::Cat(parts) => {
                let s = match v {
                    Value::Seq(s) => s.clone(),
                    Value::Lazy(_) => self.seqval(v)?,
                    _ => return Ok(false),
                };
                self.match_cat(parts, &s, env)
            }
            ExpKind::Iter(body, spec) => self.match_iter(body, spec, v, env),
            ExpKind::Sub(inner, _) => {
                if !self.value_in(v, &inner.ty) {
                    return Ok(false);
                }
                let v = match (self.ty_base(&inner.ty), v) {
                    (Some(Base::Rat), Value::Num(n)) => Value::rat(Rat::from_int(n.to_big())),
                    (Some(Base::Nat | Base::Int), Value::Rat(r)) => match r.to_integer() {
                        Some(n) => Value::Num(Int::from_big(n)),
                        None => return Ok(false),
                    },
                    _ => v.clone(),
                };
                self.pmatch(inner, &v, env)
            }
            // `c + k` with `k` unknown (only when inverting a generator: elaborated patterns
            // never hold unknowns inside arithmetic).
            ExpKind::Bin(op @ (BinOp::Add | BinOp::Sub), a, b) if has_unbound(p, env) => {
                let (a_free, b_free) = (has_unbound(a, env), has_unbound(b, env));
                let target = |ev: &Self, known: &Value, add: bool, negate: bool| -> R<Value> {
                    let base = ev.ty_base(&p.ty).unwrap_or(Base::Int);
                    let r = ev.arith(if add { BinOp::Add } else { BinOp::Sub }, base.max(Base::Int), v, known)?;
                    if negate {
                        ev.arith(BinOp::Sub, base.max(Base::Int), &Value::Num(Int::zero()), &r)
                    } else {
                        Ok(r)
                    }
                };
                let (pat, t) = match (op, a_free, b_free) {
                    (BinOp::Add, true, false) => (a, target(self, &self.eval(b, env)?, false, false)?),
                    (BinOp::Add, false, true) => (b, target(self, &self.eval(a, env)?, false, false)?),
                    (BinOp::Sub, true, false) => (a, target(self, &self.eval(b, env)?, true, false)?),
                    // a - k = v  =>  k = a - v
                    (BinOp::Sub, false, true) => (b, target(self, &self.eval(a, env)?, false, true)?),
                    _ => return err(ErrorKind::Unbound, "cannot solve an arithmetic pattern with unknowns on both sides"),
                };
                if self.ty_base(&pat.ty) == Some(Base::Nat) && matches!(&t, Value::Num(n) if n.is_negative()) {
                    return Ok(false);
                }
                self.pmatch(pat, &t, env)
            }
            _ => {
                let w = self.eval(p, env)?;
                Ok(self.equal(&w, v))
            }
        }
    }

    fn match_cat<'a>(&self, parts: &'a [Exp], s: &SeqVal, env: &mut Env<'a>) -> R<bool> {
        let Some((first, rest)) = parts.split_first() else {
            return Ok(s.is_empty());
        };
        let try_len = |ev: &Self, l: usize, env: &mut Env<'a>| -> R<bool> {
            if l > s.len() {
                return Ok(false);
            }
            let mark = env.len();
            if ev.pmatch(first, &Value::Seq(s.slice(0, l)), env)? && ev.match_cat(rest, &s.slice(l, s.len() - l), env)? {
                return Ok(true);
            }
            env.truncate(mark);
            Ok(false)
        };
        if let Some(l) = self.pat_len(first, env)? {
            return try_len(self, l, env);
        }
        let mut known = 0usize;
        let mut all_known = true;
        for p in rest {
            match self.pat_len(p, env)? {
                Some(l) => known += l,
                None => {
                    all_known = false;
                    break;
                }
            }
        }
        if all_known {
            return match s.len().checked_sub(known) {
                Some(l) => try_len(self, l, env),
                None => Ok(false),
            };
        }
        // A first part `p^k` (or `p*`) whose pattern `p` binds nothing can only be as long as
        // the elements that `p` matches: try its lengths in increasing order, and stop there.
        if let ExpKind::Iter(body, spec) = &first.kind {
            if spec.vars.is_empty() && spec.index.is_none() {
                let max = if spec.kind == IterKind::Opt { 1.min(s.len()) } else { s.len() };
                let min = usize::from(spec.kind == IterKind::Plus);
                for l in 0..=max {
                    if l > 0 {
                        let mark = env.len();
                        let ok = self.pmatch(body, &s.as_slice()[l - 1], env)?;
                        env.truncate(mark);
                        if !ok {
                            break;
                        }
                    }
                    if l < min {
                        continue;
                    }
                    let mark = env.len();
                    let count_ok = match spec.count.as_deref() {
                        None => true,
                        Some(Exp { kind: ExpKind::Var(cn), .. }) if lookup(env, cn).is_none() => {
                            env.push((cn.as_str(), Value::nat(l as u64)));
                            true
                        }
                        Some(c) => self.to_u64(&self.eval(c, env)?)? == l as u64,
                    };
                    if count_ok && self.match_cat(rest, &s.slice(l, s.len() - l), env)? {
                        return Ok(true);
                    }
                    env.truncate(mark);
                }
                return Ok(false);
            }
        }
        for l in 0..=s.len() {
            if try_len(self, l, env)? {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// The length of the sequences a pattern matches, when it is known before matching.
    fn pat_len<'a>(&self, p: &'a Exp, env: &mut Env<'a>) -> R<Option<usize>> {
        Ok(match &p.kind {
            ExpKind::List(xs) => Some(xs.len()),
            ExpKind::Some(_) => Some(1),
            ExpKind::Var(x) => match lookup(env, x) {
                Some(v) => Some(self.seq_len(v)? as usize),
                None => None,
            },
            ExpKind::Sub(x, _) => self.pat_len(x, env)?,
            ExpKind::Cat(xs) => {
                let mut total = 0;
                for x in xs {
                    match self.pat_len(x, env)? {
                        Some(l) => total += l,
                        None => return Ok(None),
                    }
                }
                Some(total)
            }
            ExpKind::Iter(_, spec) => {
                if let Some(c) = &spec.count {
                    if let ExpKind::Var(n) = &c.kind {
                        if lookup(env, n).is_none() {
                            return Ok(None);
                        }
                    }
                    if has_unbound(c, env) {
                        return Ok(None);
                    }
                    return Ok(Some(self.to_u64(&self.eval(c, env)?)? as usize));
                }
                for v in &spec.vars {
                    if let Some(val) = lookup(env, v) {
                        return Ok(Some(self.seq_len(val)? as usize));
                    }
                }
                None
            }
            _ => {
                if has_unbound(p, env) {
                    None
                } else {
                    let v = self.eval(p, env)?;
                    Some(self.seq_len(&v)? as usize)
                }
            }
        })
    }

    fn match_iter<'a>(&self, body: &'a Exp, spec: &'a IterSpec, v: &Value, env: &mut Env<'a>) -> R<bool> {
        let s = match v {
            Value::Seq(s) => s.clone(),
            Value::Lazy(_) => self.seqval(v)?,
            _ => return Ok(false),
        };
        let n = s.len();
        if spec.kind == IterKind::Opt && n > 1 || spec.kind == IterKind::Plus && n == 0 {
            return Ok(false);
        }
        if let Some(c) = &spec.count {
            match &c.kind {
                ExpKind::Var(cn) if spec.index.is_none() && lookup(env, cn).is_none() => env.push((cn.as_str(), Value::nat(n as u64))),
                _ => {
                    if self.to_u64(&self.eval(c, env)?)? != n as u64 {
                        return Ok(false);
                    }
                }
            }
        }
        // `x*` binds `x` to the whole sequence.
        if spec.index.is_none() && spec.vars.len() == 1 {
            if let ExpKind::Var(x) = &body.kind {
                if *x == spec.vars[0] && lookup(env, x).is_none() {
                    env.push((x.as_str(), Value::Seq(s)));
                    return Ok(true);
                }
            }
        }
        let mut pre: Vec<(&'a str, SeqVal)> = Vec::new();
        let mut fresh: Vec<&'a str> = Vec::new();
        for x in &spec.vars {
            match lookup(env, x) {
                Some(val) => {
                    let sv = self.seqval(val)?;
                    if sv.len() != n {
                        return Ok(false);
                    }
                    pre.push((x.as_str(), sv));
                }
                None => fresh.push(x.as_str()),
            }
        }
        let mut collected: Vec<Vec<Value>> = vec![Vec::with_capacity(n); fresh.len()];
        for i in 0..n {
            let mark = env.len();
            for (x, sv) in &pre {
                env.push((x, sv.as_slice()[i].clone()));
            }
            if let Some(ix) = &spec.index {
                env.push((ix.as_str(), Value::nat(i as u64)));
            }
            if !self.pmatch(body, &s.as_slice()[i], env)? {
                env.truncate(mark);
                return Ok(false);
            }
            for (j, f) in fresh.iter().enumerate() {
                match lookup(env, f) {
                    Some(val) => collected[j].push(val.clone()),
                    None => return err(ErrorKind::Unbound, format!("the iterated pattern does not bind `{f}`")),
                }
            }
            env.truncate(mark);
        }
        for (f, vs) in fresh.iter().zip(collected) {
            env.push((f, Value::seq(vs)));
        }
        Ok(true)
    }

    // -----------------------------------------------------------------------------------------
    // Sequences

    fn concat(&self, parts: Vec<Value>) -> R<Value> {
        if parts.iter().any(|p| matches!(p, Value::Lazy(_))) {
            let mut total: u64 = 0;
            let mut keep = Vec::new();
            for p in parts {
                let n = self.seq_len(&p)?;
                if n > 0 {
                    total += n;
                    keep.push(p);
                }
            }
            return Ok(Value::Lazy(Rc::new(Lazy::Cat(keep, total))));
        }
        if parts.len() == 1 {
            if let Some(Value::Seq(_)) = parts.first() {
                return Ok(parts.into_iter().next().expect("one part"));
            }
        }
        let mut out = Vec::new();
        for p in &parts {
            match p {
                Value::Seq(s) => out.extend_from_slice(s.as_slice()),
                v => return err(ErrorKind::Type, format!("concatenation of `{v}`, which is not a sequence")),
            }
        }
        Ok(Value::seq(out))
    }

    /// The length of a sequence.
    pub fn seq_len(&self, v: &Value) -> R<u64> {
        match v.seq_len() {
            Some(n) => Ok(n),
            None => err(ErrorKind::Type, format!("`{v}` is not a sequence")),
        }
    }

    /// The `i`-th element of a sequence.
    pub fn elem(&self, v: &Value, i: u64) -> R<Value> {
        match v {
            Value::Seq(s) => match s.as_slice().get(i as usize) {
                Some(x) => Ok(x.clone()),
                None => err(ErrorKind::IndexOutOfBounds, format!("index {i} out of bounds of a sequence of length {}", s.len())),
            },
            Value::Lazy(l) => match &**l {
                Lazy::Gen { body, index, count, env } => {
                    if i >= *count {
                        return err(ErrorKind::IndexOutOfBounds, format!("index {i} out of bounds of a sequence of length {count}"));
                    }
                    let mut e: Env<'_> = env.iter().map(|(n, v)| (n.as_str(), v.clone())).collect();
                    e.push((index.as_str(), Value::nat(i)));
                    self.eval(body, &mut e)
                }
                Lazy::Cat(parts, _) => {
                    let mut i = i;
                    for p in parts {
                        let n = self.seq_len(p)?;
                        if i < n {
                            return self.elem(p, i);
                        }
                        i -= n;
                    }
                    err(ErrorKind::IndexOutOfBounds, "index out of bounds of a sequence")
                }
            },
            v => err(ErrorKind::Type, format!("`{v}` is not a sequence")),
        }
    }

    /// A sequence with all its elements (a lazy one is built, if it is not too long).
    pub fn seqval(&self, v: &Value) -> R<SeqVal> {
        match v {
            Value::Seq(s) => Ok(s.clone()),
            Value::Lazy(l) => {
                let n = l.len();
                if n > self.cfg.max_materialize {
                    return err(ErrorKind::TooLarge, format!("a sequence of {n} elements is too long to build"));
                }
                let mut out = Vec::with_capacity(n as usize);
                for i in 0..n {
                    out.push(self.elem(v, i)?);
                }
                Ok(SeqVal::new(out))
            }
            v => err(ErrorKind::Type, format!("`{v}` is not a sequence")),
        }
    }

    /// Whether `x` is an element of the sequence `set`.
    pub fn member(&self, set: &Value, x: &Value) -> R<bool> {
        match set {
            Value::Seq(s) => Ok(s.as_slice().iter().any(|y| self.equal(x, y))),
            Value::Lazy(l) => match &**l {
                Lazy::Cat(parts, _) => {
                    for p in parts {
                        if self.member(p, x)? {
                            return Ok(true);
                        }
                    }
                    Ok(false)
                }
                Lazy::Gen { body, index, count, env } => {
                    // Solve `x = body` for the index, then check.
                    let mut e: Env<'_> = env.iter().map(|(n, v)| (n.as_str(), v.clone())).collect();
                    match self.pmatch(body, x, &mut e) {
                        Ok(true) => {
                            let Some(k) = lookup(&e, index) else {
                                return err(ErrorKind::Unbound, "the generator's body does not determine its index");
                            };
                            let Some(k) = k.as_num().and_then(|k| k.to_u64()) else { return Ok(false) };
                            if k >= *count {
                                return Ok(false);
                            }
                            Ok(self.equal(&self.elem(set, k)?, x))
                        }
                        Ok(false) => Ok(false),
                        Err(e) if e.kind == ErrorKind::Unbound && *count <= self.cfg.max_materialize => {
                            for i in 0..*count {
                                if self.equal(&self.elem(set, i)?, x) {
                                    return Ok(true);
                                }
                            }
                            Ok(false)
                        }
                        Err(e) => Err(e),
                    }
                }
            },
            v => err(ErrorKind::Type, format!("membership in `{v}`, which is not a sequence")),
        }
    }

    /// Structural equality; numbers are equal across domains (`1` and `1/1`).
    pub fn equal(&self, a: &Value, b: &Value) -> bool {
        match (a, b) {
            (Value::Num(x), Value::Num(y)) => x == y,
            (Value::Num(x), Value::Rat(r)) | (Value::Rat(r), Value::Num(x)) => r.is_integer() && *r.numer() == x.to_big(),
            (Value::Rat(x), Value::Rat(y)) => x == y,
            (Value::Bool(x), Value::Bool(y)) => x == y,
            (Value::Text(x), Value::Text(y)) => x == y,
            (Value::Con(x), Value::Con(y)) => {
                Rc::ptr_eq(x, y) || (x.key == y.key && x.args.len() == y.args.len() && x.args.iter().zip(&y.args).all(|(p, q)| self.equal(p, q)))
            }
            (Value::Tuple(x), Value::Tuple(y)) => x.len() == y.len() && x.iter().zip(y.iter()).all(|(p, q)| self.equal(p, q)),
            (Value::Record(x), Value::Record(y)) => {
                x.len() == y.len() && x.iter().zip(y.iter()).all(|((n, p), (m, q))| n == m && self.equal(p, q))
            }
            (Value::Seq(x), Value::Seq(y)) => {
                x.len() == y.len() && x.as_slice().iter().zip(y.as_slice()).all(|(p, q)| self.equal(p, q))
            }
            (Value::Lazy(x), Value::Lazy(y)) if Rc::ptr_eq(x, y) => true,
            (Value::Lazy(_), Value::Seq(_) | Value::Lazy(_)) | (Value::Seq(_), Value::Lazy(_)) => {
                match (self.seqval(a), self.seqval(b)) {
                    (Ok(x), Ok(y)) => self.equal(&Value::Seq(x), &Value::Seq(y)),
                    _ => false,
                }
            }
            _ => false,
        }
    }

    fn cmp_num(&self, a: &Value, b: &Value) -> R<std::cmp::Ordering> {
        match (a, b) {
            (Value::Num(x), Value::Num(y)) => Ok(x.cmp(y)),
            _ => Ok(self.to_rat(a)?.cmp(&self.to_rat(b)?)),
        }
    }

    fn to_rat(&self, v: &Value) -> R<Rc<Rat>> {
        match v {
            Value::Num(n) => Ok(Rc::new(Rat::from_int(n.to_big()))),
            Value::Rat(r) => Ok(r.clone()),
            v => err(ErrorKind::Type, format!("`{v}` is not a number")),
        }
    }

    fn to_int(&self, v: &Value) -> R<Int> {
        match v {
            Value::Num(n) => Ok(n.clone()),
            Value::Rat(r) => match r.to_integer() {
                Some(n) => Ok(Int::from_big(n)),
                None => err(ErrorKind::Type, format!("{r} is not an integer")),
            },
            v => err(ErrorKind::Type, format!("`{v}` is not a number")),
        }
    }

    fn to_u64(&self, v: &Value) -> R<u64> {
        if let Value::Num(Int::Small(x)) = v {
            if let Ok(u) = u64::try_from(*x) {
                return Ok(u);
            }
        }
        let n = self.to_int(v)?;
        if n.is_negative() {
            return err(ErrorKind::NegativeNat, format!("{n} is negative where a natural number is expected"));
        }
        n.to_u64().map_or_else(|| err(ErrorKind::TooLarge, format!("{n} is too large")), Ok)
    }

    // -----------------------------------------------------------------------------------------
    // Types

    fn con_info(&self, ty: TypeId, inst: Option<usize>, case: usize) -> R<&ConInfo> {
        let i = inst.map_or(0, |i| i + 1);
        match self.cons.get(ty).and_then(|t| t.get(i)).and_then(|cs| cs.get(case)).and_then(|c| c.as_ref()) {
            Some(c) => Ok(c),
            None => err(ErrorKind::Type, format!("no constructor {case} in type `{}`", self.spec.types[ty].name)),
        }
    }

    fn ty_base(&self, t: &Ty) -> Option<Base> {
        match t {
            Ty::Nat => Some(Base::Nat),
            Ty::Int => Some(Base::Int),
            Ty::Rat => Some(Base::Rat),
            Ty::Named(id, _) => self.bases[*id],
            _ => None,
        }
    }

    /// Whether a value belongs to a type, as far as narrowing patterns need: numbers by domain,
    /// constructors by the cases of variants.
    fn value_in(&self, v: &Value, t: &Ty) -> bool {
        match t {
            Ty::Nat => match v {
                Value::Num(n) => !n.is_negative(),
                Value::Rat(r) => r.is_integer() && !r.is_negative(),
                _ => false,
            },
            Ty::Int => match v {
                Value::Num(_) => true,
                Value::Rat(r) => r.is_integer(),
                _ => false,
            },
            Ty::Rat => matches!(v, Value::Num(_) | Value::Rat(_)),
            Ty::Bool => matches!(v, Value::Bool(_)),
            Ty::Text => matches!(v, Value::Text(_)),
            Ty::Iter(..) => matches!(v, Value::Seq(_) | Value::Lazy(_)),
            Ty::Tuple(_) => matches!(v, Value::Tuple(_)),
            Ty::Param(_) | Ty::Error => true,
            Ty::Named(id, _) => {
                let set = self.con_set(*id);
                if set.any {
                    return true;
                }
                match v {
                    Value::Con(c) => set.keys.contains(&c.key),
                    Value::Num(n) => {
                        set.nums.contains(n)
                            || match set.range {
                                Some(Base::Nat) => !n.is_negative(),
                                Some(_) => true,
                                None => false,
                            }
                    }
                    Value::Rat(r) => match set.range {
                        Some(Base::Rat) => true,
                        Some(Base::Int) => r.is_integer(),
                        Some(Base::Nat) => r.is_integer() && !r.is_negative(),
                        None => false,
                    },
                    _ => false,
                }
            }
        }
    }

    fn con_set(&self, id: TypeId) -> Rc<ConSet> {
        if let Some(s) = self.con_sets.borrow().get(&id) {
            return s.clone();
        }
        let mut set = ConSet::default();
        let mut seen = HashSet::new();
        self.collect_set(id, &mut set, &mut seen);
        let set = Rc::new(set);
        self.con_sets.borrow_mut().insert(id, set.clone());
        set
    }

    fn collect_set(&self, id: TypeId, set: &mut ConSet, seen: &mut HashSet<TypeId>) {
        if !seen.insert(id) {
            return;
        }
        let t = &self.spec.types[id];
        self.collect_body(id, None, &t.body, set, seen);
    }

    fn collect_body(&self, id: TypeId, inst: Option<usize>, body: &TypeBody, set: &mut ConSet, seen: &mut HashSet<TypeId>) {
        match body {
            TypeBody::Variant(cases) => {
                for (ci, c) in cases.iter().enumerate() {
                    match &c.kind {
                        CaseKind::Con(_) => {
                            if let Ok(info) = self.con_info(id, inst, ci) {
                                match &info.num {
                                    Some(n) => {
                                        set.nums.insert(n.clone());
                                    }
                                    None => {
                                        set.keys.insert(info.key.clone());
                                    }
                                }
                            }
                        }
                        CaseKind::Include(t) => self.collect_ty(t, set, seen),
                    }
                }
            }
            TypeBody::Alias(t) => self.collect_ty(t, set, seen),
            TypeBody::Range(..) => {
                let b = self.bases[id].unwrap_or(Base::Int);
                set.range = Some(set.range.map_or(b, |r| r.max(b)));
            }
            TypeBody::Family(insts) => {
                for (i, inst) in insts.iter().enumerate() {
                    self.collect_body(id, Some(i), &inst.body, set, seen);
                }
            }
            TypeBody::Record(_) | TypeBody::Pending => set.any = true,
        }
    }

    fn collect_ty(&self, t: &Ty, set: &mut ConSet, seen: &mut HashSet<TypeId>) {
        match t {
            Ty::Named(id, _) => self.collect_set(*id, set, seen),
            Ty::Nat => set.range = Some(set.range.map_or(Base::Nat, |r| r.max(Base::Nat))),
            Ty::Int => set.range = Some(set.range.map_or(Base::Int, |r| r.max(Base::Int))),
            Ty::Rat => set.range = Some(Base::Rat),
            _ => set.any = true,
        }
    }

    /// Checks that a result lies in its declared numeric range (`iN(N)`: `0 .. 2^N - 1`).
    fn check_result(&self, def: &'s Def, args: &[Value], v: &Value) -> R<()> {
        let mut env: Env<'s> = Vec::new();
        for ((name, _), a) in def.params.iter().zip(args) {
            if let Some(n) = name {
                env.push((n.as_str(), a.clone()));
            }
        }
        self.check_range(&def.result, v, &mut env, 0)
            .map_err(|e| EvalError::new(ErrorKind::Range, format!("the result `{v}` of `${}` is not a value of its type: {}", def.name, e.message)))
    }

    fn check_range<'a>(&self, t: &'a Ty, v: &Value, env: &mut Env<'a>, depth: usize) -> R<()> {
        if depth > 16 {
            return Ok(());
        }
        match t {
            Ty::Iter(inner, _) => {
                if let Value::Seq(s) = v {
                    for x in s.as_slice() {
                        self.check_range(inner, x, env, depth + 1)?;
                    }
                }
                Ok(())
            }
            Ty::Named(id, targs) => {
                if self.bases[*id].is_none() {
                    return Ok(());
                }
                let mut tvals = Vec::with_capacity(targs.len());
                for a in targs {
                    if has_unbound(a, env) {
                        return Ok(());
                    }
                    tvals.push(self.eval(a, env)?);
                }
                let Some((lo, hi)) = self.bounds(*id, tvals, depth)? else { return Ok(()) };
                if self.cmp_num(v, &lo)?.is_lt() || self.cmp_num(v, &hi)?.is_gt() {
                    return err(ErrorKind::Range, format!("it is not in {lo} .. {hi}"));
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// The bounds of a numeric range type applied to arguments, if it is one (memoized for
    /// small arguments).
    fn bounds(&self, id: TypeId, tvals: Vec<Value>, depth: usize) -> R<Option<(Value, Value)>> {
        let key: Option<RangeKey> = if tvals.len() <= 2 {
            let mut k = [0i128; 2];
            let mut ok = true;
            for (slot, v) in k.iter_mut().zip(&tvals) {
                match v.as_num().and_then(|n| n.to_i128()) {
                    Some(x) => *slot = x,
                    None => ok = false,
                }
            }
            ok.then_some((id, tvals.len() as u8, k))
        } else {
            None
        };
        if let Some(k) = &key {
            if let Some(b) = self.range_cache.borrow().get(k) {
                return Ok(b.clone());
            }
        }
        let td = &self.spec.types[id];
        let b = if td.params.len() == tvals.len() {
            let mut tenv: Env<'s> = td.params.iter().map(|(pn, _)| pn.as_str()).zip(tvals.iter().cloned()).collect();
            self.body_bounds(&td.body, &tvals, &mut tenv, depth)?
        } else {
            None
        };
        if let Some(k) = key {
            self.range_cache.borrow_mut().insert(k, b.clone());
        }
        Ok(b)
    }

    fn body_bounds(&self, body: &'s TypeBody, tvals: &[Value], tenv: &mut Env<'s>, depth: usize) -> R<Option<(Value, Value)>> {
        if depth > 16 {
            return Ok(None);
        }
        match body {
            TypeBody::Alias(Ty::Named(id2, targs2)) => {
                if self.bases[*id2].is_none() {
                    return Ok(None);
                }
                let mut tvals2 = Vec::with_capacity(targs2.len());
                for a in targs2 {
                    if has_unbound(a, tenv) {
                        return Ok(None);
                    }
                    tvals2.push(self.eval(a, tenv)?);
                }
                self.bounds(*id2, tvals2, depth + 1)
            }
            TypeBody::Range(lo, hi, _) => Ok(Some((self.eval(lo, tenv)?, self.eval(hi, tenv)?))),
            TypeBody::Family(insts) => {
                for inst in insts {
                    let mut ienv: Env<'s> = Vec::new();
                    let mut ok = inst.patterns.len() == tvals.len();
                    for (p, a) in inst.patterns.iter().zip(tvals) {
                        if !ok || !self.pmatch(p, a, &mut ienv)? {
                            ok = false;
                        }
                    }
                    if ok {
                        return self.body_bounds(&inst.body, tvals, &mut ienv, depth + 1);
                    }
                }
                Ok(None)
            }
            _ => Ok(None),
        }
    }
}

fn con_info(m: &Mixop) -> ConInfo {
    let atoms = m.atoms();
    let key: Rc<str> = format!("{}/{}", atoms.join(" "), m.slots.len()).into();
    let num = if m.slots.is_empty() && m.toks.len() == 1 {
        match m.head() {
            Some(h) if !h.is_empty() && h.chars().all(|c| c.is_ascii_digit()) => h.parse::<BigInt>().ok().map(Int::from_big),
            _ => None,
        }
    } else {
        None
    };
    ConInfo { key, num }
}

/// Whether a result type has numeric ranges to check (a range type, or a sequence of them).
fn has_range(spec: &Spec, bases: &[Option<Base>], t: &Ty, depth: usize) -> bool {
    match t {
        Ty::Iter(inner, _) => has_range(spec, bases, inner, depth + 1),
        Ty::Named(id, args) => bases[*id].is_some() && !args.is_empty() || matches!(spec.types[*id].body, TypeBody::Range(..)) || {
            depth < 16 && matches!(&spec.types[*id].body, TypeBody::Alias(t) if has_range(spec, bases, t, depth + 1))
        },
        _ => false,
    }
}

/// The numeric domain of a type (as the elaborator decides it), if it is numeric.
fn type_base(spec: &Spec, id: TypeId, depth: usize) -> Option<Base> {
    body_base(spec, &spec.types[id].body, depth)
}

fn ty_base_static(spec: &Spec, t: &Ty, depth: usize) -> Option<Base> {
    if depth > 16 {
        return None;
    }
    match t {
        Ty::Nat => Some(Base::Nat),
        Ty::Int => Some(Base::Int),
        Ty::Rat => Some(Base::Rat),
        Ty::Named(id, _) => type_base(spec, *id, depth + 1),
        _ => None,
    }
}

fn body_base(spec: &Spec, body: &TypeBody, depth: usize) -> Option<Base> {
    if depth > 16 {
        return None;
    }
    match body {
        TypeBody::Range(lo, _, _) => Some(if is_negative(lo) { Base::Int } else { Base::Nat }),
        TypeBody::Variant(cases) if !cases.is_empty() => {
            let all_num = cases.iter().all(|c| match &c.kind {
                CaseKind::Con(m) => m.slots.is_empty() && m.head().is_some_and(|h| h.chars().all(|c| c.is_ascii_digit())),
                CaseKind::Include(t) => ty_base_static(spec, t, depth + 1).is_some(),
            });
            all_num.then_some(Base::Nat)
        }
        TypeBody::Alias(t) => ty_base_static(spec, t, depth + 1),
        TypeBody::Family(insts) => insts.iter().find_map(|i| body_base(spec, &i.body, depth + 1)),
        _ => None,
    }
}

fn is_negative(e: &Exp) -> bool {
    match &e.kind {
        ExpKind::Neg(_) => true,
        ExpKind::Num(n) => n.is_negative(),
        ExpKind::Sub(inner, _) => is_negative(inner),
        _ => false,
    }
}

/// Whether an expression mentions one of the names.
fn mentions(e: &Exp, names: &[String]) -> bool {
    any_var(e, &mut |v| names.iter().any(|n| n == v))
}

fn has_unbound(e: &Exp, env: &[(&str, Value)]) -> bool {
    any_var(e, &mut |v| lookup(env, v).is_none())
}

/// Whether a variable of the expression (index variables of its iterations excluded) satisfies
/// `f`, without allocating unless an indexed iteration is crossed.
fn any_var(e: &Exp, f: &mut dyn FnMut(&str) -> bool) -> bool {
    match &e.kind {
        ExpKind::Var(v) => f(v),
        ExpKind::Num(_) | ExpKind::Text(_) | ExpKind::Bool(_) => false,
        ExpKind::Con { args, .. } | ExpKind::Tuple(args) | ExpKind::List(args) | ExpKind::Cat(args) | ExpKind::Call(_, args) => {
            args.iter().any(|a| any_var(a, f))
        }
        ExpKind::Record(fs) => fs.iter().any(|(_, a)| any_var(a, f)),
        ExpKind::Some(x) | ExpKind::Field(x, _) | ExpKind::Len(x) | ExpKind::Not(x) | ExpKind::Neg(x) | ExpKind::Sub(x, _) => any_var(x, f),
        ExpKind::Iter(body, spec) => {
            if spec.count.as_deref().is_some_and(|c| any_var(c, f)) {
                return true;
            }
            match &spec.index {
                Some(i) => any_var(body, &mut |v| v != i.as_str() && f(v)),
                None => any_var(body, f),
            }
        }
        ExpKind::Index(a, b) | ExpKind::Bin(_, a, b) | ExpKind::Cmp(_, a, b) => any_var(a, f) || any_var(b, f),
        ExpKind::Slice(a, b, c) => any_var(a, f) || any_var(b, f) || any_var(c, f),
        ExpKind::Update(a, path, _, v) => {
            any_var(a, f)
                || path.iter().any(|p| match p {
                    Path::Field(_) => false,
                    Path::Index(i) => any_var(i, f),
                    Path::Slice(i, n) => any_var(i, f) || any_var(n, f),
                })
                || any_var(v, f)
        }
    }
}

/// The variables an expression uses (index variables of its iterations excluded).
fn free_vars(e: &Exp, out: &mut Vec<String>) {
    fn go(e: &Exp, bound: &mut Vec<String>, out: &mut Vec<String>) {
        match &e.kind {
            ExpKind::Var(v) => {
                if !bound.contains(v) && !out.contains(v) {
                    out.push(v.clone())
                }
            }
            ExpKind::Num(_) | ExpKind::Text(_) | ExpKind::Bool(_) => {}
            ExpKind::Con { args, .. } | ExpKind::Tuple(args) | ExpKind::List(args) | ExpKind::Cat(args) | ExpKind::Call(_, args) => {
                args.iter().for_each(|a| go(a, bound, out))
            }
            ExpKind::Record(fs) => fs.iter().for_each(|(_, a)| go(a, bound, out)),
            ExpKind::Some(x) | ExpKind::Field(x, _) | ExpKind::Len(x) | ExpKind::Not(x) | ExpKind::Neg(x) | ExpKind::Sub(x, _) => go(x, bound, out),
            ExpKind::Iter(body, spec) => {
                if let Some(c) = &spec.count {
                    go(c, bound, out);
                }
                let pushed = spec.index.is_some();
                if let Some(i) = &spec.index {
                    bound.push(i.clone());
                }
                go(body, bound, out);
                if pushed {
                    bound.pop();
                }
            }
            ExpKind::Index(a, b) | ExpKind::Bin(_, a, b) | ExpKind::Cmp(_, a, b) => {
                go(a, bound, out);
                go(b, bound, out);
            }
            ExpKind::Slice(a, b, c) => {
                go(a, bound, out);
                go(b, bound, out);
                go(c, bound, out);
            }
            ExpKind::Update(a, path, _, v) => {
                go(a, bound, out);
                for p in path {
                    match p {
                        Path::Field(_) => {}
                        Path::Index(i) => go(i, bound, out),
                        Path::Slice(i, n) => {
                            go(i, bound, out);
                            go(n, bound, out);
                        }
                    }
                }
                go(v, bound, out);
            }
        }
    }
    go(e, &mut Vec::new(), out)
}

#[cfg(test)]
mod tests;
