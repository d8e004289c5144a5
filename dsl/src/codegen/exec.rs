//! Execution: a step function for every group of reduction rules (docs/execution.md).
//!
//! The rules of the relations marked `hint(step ...)` are grouped by their redex, the first
//! instruction of their left side that is not a value. A group tries its rules in order; a rule
//! first matches without changing anything (the redex, the innermost context, the values on
//! the operand stack, its premises), computes its right side, and only then commits: pops
//! values, updates the state in place, pushes values, schedules instructions, enters or leaves
//! contexts. The machine (`wspec_runtime::machine`) finds the redex and calls the group.
//!
//! Definitions the rules call are compiled in one of four ways:
//! - `Inline`: an accessor with one clause whose body is a place (`$local(z, x) =
//!   $fof(z).LOCALS[x]`) is inlined where it is used, so nothing is copied;
//! - `Accessor`: other definitions whose clauses all return places return references;
//! - `Updater`: a definition that returns its first argument updated (`$with_local`) updates it
//!   in place;
//! - `Plain`: everything else takes `Copy` arguments by value, others by reference, and
//!   returns a value.

use super::names::{camel, field_name, fn_name, var_name};
use super::rust::{CResult, Fx, Local, LocalKind, Unit};
use super::{has_hint, hint_text, indent, Gen};
use crate::ir::*;
use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt::Write;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DefKind {
    Inline,
    Accessor,
    Updater,
    Plain,
}

/// What the expression compiler needs to know about definitions while compiling execution.
pub struct ExecInfo {
    kinds: RefCell<HashMap<DefId, DefKind>>,
    /// Definitions and relations whose functions are emitted.
    pub used_defs: RefCell<BTreeSet<DefId>>,
    pub used_rels: RefCell<BTreeSet<RelId>>,
    /// Definitions of sets whose first element is computed on its own (`x <- $f(...)`).
    pub used_first: RefCell<BTreeSet<DefId>>,
    /// Definitions whose results' list lengths are computed on their own (`(t_1^m -> t_2^n) =
    /// $blocktype_(z, bt)` where only `m` and `n` are used).
    pub used_lengths: RefCell<BTreeSet<DefId>>,
    /// Functions of definitions that the rules of a specialised group call (see
    /// [`SPECIALIZE_MAX`]): always inlined, clauses too, so that the compiler can fold them
    /// for each constant instruction.
    pub inlined: RefCell<HashSet<String>>,
}

/// The most specialised handlers an instruction constructor gets: one for each value of its
/// fields, when they all have finitely many (`BINOP numtype binop_`: 4 * 22). Each handler
/// runs the rules with the instruction as a constant, so that the compiler folds the
/// dispatch on its operator (`$binop_`) away; more would cost build time for rare gains.
const SPECIALIZE_MAX: usize = 128;

/// A group of rules specialised to each value of its instruction: the instruction's variant,
/// its fields' Rust types, and how many values they take together.
struct Special {
    variant: String,
    fields: Vec<String>,
    count: usize,
}

/// The types execution is about.
struct Types {
    instr: TypeId,
    val: TypeId,
    state: TypeId,
    /// The slot of the state that is the frame, and the frame type.
    frame_slot: Option<(usize, TypeId)>,
    /// Context constructors: (declaring type, case) with their notation.
    contexts: Vec<CtxCase>,
}

#[derive(Clone)]
struct CtxCase {
    ty: TypeId,
    case: usize,
    mixop: Mixop,
    variant: String,
    /// Whether one of its slots is the frame the body runs in.
    frame: Option<usize>,
}

/// A rule taken apart.
struct Shape<'r> {
    name: String,
    rule: &'r Rule,
    state_in: Option<&'r Exp>,
    state_out: Option<&'r Exp>,
    ctx: Option<(usize, &'r [Exp])>,
    vals: Vec<&'r Exp>,
    lead_rest: bool,
    redex: Option<&'r Exp>,
    tail: bool,
    rhs: Vec<&'r Exp>,
}

impl ExecInfo {
    fn new() -> Self {
        ExecInfo {
            kinds: RefCell::new(HashMap::new()),
            used_defs: RefCell::new(BTreeSet::new()),
            used_rels: RefCell::new(BTreeSet::new()),
            used_first: RefCell::new(BTreeSet::new()),
            used_lengths: RefCell::new(BTreeSet::new()),
            inlined: RefCell::new(HashSet::new()),
        }
    }

    pub fn kind(&self, g: &Gen<'_>, d: DefId) -> DefKind {
        if let Some(k) = self.kinds.borrow().get(&d) {
            return *k;
        }
        // Assume plain while deciding, so that recursion terminates.
        self.kinds.borrow_mut().insert(d, DefKind::Plain);
        let k = self.decide(g, d);
        self.kinds.borrow_mut().insert(d, k);
        k
    }

    fn decide(&self, g: &Gen<'_>, d: DefId) -> DefKind {
        let def = &g.spec.defs[d];
        if (def.builtin.is_some() && g.builtin_usable(d)) || def.clauses.is_empty() || !def.type_params.is_empty() {
            return DefKind::Plain;
        }
        // An updater returns its first argument, changed.
        if let Some((_, first)) = def.params.first() {
            if ty_eq(g, first, &def.result) && def.clauses.len() == 1 && def.clauses[0].premises.is_empty() && !g.is_copy(&g.repr(first), &mut HashSet::new()) {
                let c = &def.clauses[0];
                let bound = param_vars(&c.args[0]);
                if rooted_update(&c.body, &bound) {
                    return DefKind::Updater;
                }
            }
        }
        let mut all_places = true;
        for c in &def.clauses {
            let mut bound = HashSet::new();
            for a in &c.args {
                if !simple_param(g, a) {
                    all_places = false;
                }
                bound.extend(param_vars(a));
            }
            if !self.is_place(g, &c.body, &bound) {
                all_places = false;
            }
        }
        if !all_places {
            return DefKind::Plain;
        }
        if def.clauses.len() == 1 && def.clauses[0].premises.is_empty() {
            DefKind::Inline
        } else {
            DefKind::Accessor
        }
    }

    /// Whether `e` denotes a part of the values bound to `bound` (the parameters).
    fn is_place(&self, g: &Gen<'_>, e: &Exp, bound: &HashSet<String>) -> bool {
        match &e.kind {
            ExpKind::Var(v) => bound.contains(v),
            ExpKind::Field(x, _) => matches!(g.expand(&x.ty), Ty::Named(id, _) if matches!(g.spec.types[id].body, TypeBody::Record(_))) && self.is_place(g, x, bound),
            ExpKind::Index(x, _) => {
                !g.seq_elem(&x.ty).is_some_and(|(t, _)| g.is_arena(&t)) && self.is_place(g, x, bound)
            }
            ExpKind::Sub(x, t) => g.repr(&x.ty) == g.repr(t) && self.is_place(g, x, bound),
            ExpKind::Call(d, args) => {
                matches!(self.kind(g, *d), DefKind::Inline | DefKind::Accessor)
                    && args.iter().zip(&g.spec.defs[*d].params).all(|(a, (_, t))| g.is_copy(&g.repr(t), &mut HashSet::new()) || self.is_place(g, a, bound))
            }
            _ => false,
        }
    }

    /// The place of `$d(args)` if `d` returns a place.
    pub fn call_place(&self, fx: &Fx<'_, '_>, d: DefId, args: &[Exp]) -> CResult<Option<String>> {
        match self.kind(fx.g, d) {
            DefKind::Inline => {
                let def = &fx.g.spec.defs[d];
                let c = &def.clauses[0];
                let mut sub = Fx::new(fx.g, fx.unit, fx.span);
                sub.exec = fx.exec;
                sub.ctx = fx.ctx.clone();
                *sub.tmp.borrow_mut() = *fx.tmp.borrow() + 1;
                for ((pat, (_, pty)), arg) in c.args.iter().zip(&def.params).zip(args) {
                    let copy = fx.g.is_copy(&fx.g.repr(pty), &mut HashSet::new());
                    let arg_place = match fx.place(arg)? {
                        Some(p) if fx.view_type(&arg.ty) == fx.view_type(pty) => p,
                        _ if copy => format!("({})", fx.view_as(arg, pty)?),
                        _ => return self.call_place_fn(fx, d, args),
                    };
                    if !bind_param_place(&mut sub, pat, pty, &arg_place) {
                        return self.call_place_fn(fx, d, args);
                    }
                }
                let r = sub.place(&c.body)?;
                *fx.tmp.borrow_mut() = *sub.tmp.borrow() + 1;
                match r {
                    Some(p) => Ok(Some(p)),
                    None => self.call_place_fn(fx, d, args),
                }
            }
            DefKind::Accessor => self.call_place_fn(fx, d, args),
            _ => Ok(None),
        }
    }

    fn call_place_fn(&self, fx: &Fx<'_, '_>, d: DefId, args: &[Exp]) -> CResult<Option<String>> {
        self.used_defs.borrow_mut().insert(d);
        self.kinds.borrow_mut().insert(d, DefKind::Accessor);
        let def = &fx.g.spec.defs[d];
        let mut parts = Vec::new();
        for ((_, t), a) in def.params.iter().zip(args) {
            parts.push(fx.arg(a, t)?);
        }
        Ok(Some(format!("(*defs::{}(ar_{})?)", fn_name(&def.name), lead(&parts))))
    }

    /// The value of `$d(args)`.
    pub fn call_value(&self, fx: &Fx<'_, '_>, d: DefId, args: &[Exp]) -> CResult<String> {
        let def = &fx.g.spec.defs[d];
        match self.kind(fx.g, d) {
            DefKind::Inline | DefKind::Accessor => {
                if let Some(p) = self.call_place(fx, d, args)? {
                    return Ok(fx.clone_place(&p, &def.result));
                }
                Err(format!("`${}` returns a place that is not at hand here", def.name))
            }
            DefKind::Plain => {
                self.used_defs.borrow_mut().insert(d);
                let mut parts = Vec::new();
                for ((_, t), a) in def.params.iter().zip(args) {
                    parts.push(fx.arg(a, t)?);
                }
                Ok(format!("defs::{}(ar_{})?", fn_name(&def.name), lead(&parts)))
            }
            DefKind::Updater => {
                // Used as a value: update a copy.
                self.used_defs.borrow_mut().insert(d);
                let mut parts = Vec::new();
                let first = fx.view_as(&args[0], &def.params[0].1)?;
                for ((_, t), a) in def.params.iter().zip(args).skip(1) {
                    parts.push(fx.view_as(a, t)?);
                }
                let rest: String = parts.iter().map(|p| format!(", {p}")).collect();
                Ok(format!("{{ let mut u_ = {first}; defs::{}(ar_, &mut u_{rest})?; u_ }}", fn_name(&def.name)))
            }
        }
    }
}

/// The variables that a rule mentions exactly once, in its conclusion and premises together.
fn mentioned_once(rule: &Rule) -> HashSet<String> {
    let mut counts: HashMap<String, usize> = HashMap::new();
    let mut count = |x: &Exp| {
        if let ExpKind::Var(v) = &x.kind {
            *counts.entry(v.clone()).or_default() += 1;
        }
    };
    for a in &rule.args {
        visit_exp(a, &mut count);
    }
    for p in &rule.premises {
        visit_premise(p, &mut count);
    }
    counts.into_iter().filter(|(_, n)| *n == 1).map(|(v, _)| v).collect()
}

fn ty_eq(g: &Gen<'_>, a: &Ty, b: &Ty) -> bool {
    g.repr(a) == g.repr(b)
}

/// The variables a parameter pattern binds.
fn param_vars(p: &Exp) -> HashSet<String> {
    let mut out = HashSet::new();
    fn walk(p: &Exp, out: &mut HashSet<String>) {
        match &p.kind {
            ExpKind::Var(v) => {
                out.insert(v.clone());
            }
            ExpKind::Con { args, .. } | ExpKind::Tuple(args) => args.iter().for_each(|a| walk(a, out)),
            ExpKind::Sub(x, _) => walk(x, out),
            _ => {}
        }
    }
    walk(p, &mut out);
    out
}

/// A parameter pattern that binds places: a variable, or a one-constructor type's constructor
/// of variables (`(s; f)`).
fn simple_param(g: &Gen<'_>, p: &Exp) -> bool {
    match &p.kind {
        ExpKind::Var(_) => true,
        ExpKind::Con { ty, args, .. } => {
            struct_like(g, *ty) && args.iter().all(|a| matches!(a.kind, ExpKind::Var(_)))
        }
        _ => false,
    }
}

fn struct_like(g: &Gen<'_>, ty: TypeId) -> bool {
    match &g.spec.types[ty].body {
        TypeBody::Variant(cases) => g.variant_is_struct(cases) && !g.is_shared(ty),
        _ => false,
    }
}

/// Binds the variables of a simple parameter pattern to places under `place`.
fn bind_param_place(fx: &mut Fx<'_, '_>, pat: &Exp, pty: &Ty, place: &str) -> bool {
    match &pat.kind {
        ExpKind::Var(v) => {
            fx.bind_kind(v, pty.clone(), 0, LocalKind::Place, place.to_string());
            true
        }
        ExpKind::Con { ty, args, .. } if struct_like(fx.g, *ty) => {
            let TypeBody::Variant(cases) = &fx.g.spec.types[*ty].body else { return false };
            let CaseKind::Con(m) = &cases[0].kind else { return false };
            for (k, (a, st)) in args.iter().zip(&m.slots).enumerate() {
                let ExpKind::Var(v) = &a.kind else { return false };
                let boxed = fx.g.field_boxed(&fx.g.repr(st), *ty);
                let p = if boxed { format!("(*{place}.{k})") } else { format!("{place}.{k}") };
                fx.bind_kind(v, st.clone(), 0, LocalKind::Place, p);
            }
            true
        }
        _ => false,
    }
}

/// Whether `e` is its root parameter updated: the root itself, an update of a part of it, or
/// the root's constructor rebuilt from its parts and updates of them.
fn rooted_update(e: &Exp, bound: &HashSet<String>) -> bool {
    match &e.kind {
        ExpKind::Var(v) => bound.contains(v),
        ExpKind::Update(target, ..) => rooted(target, bound),
        ExpKind::Con { args, .. } => args.iter().all(|a| rooted_update(a, bound) || rooted(a, bound)),
        _ => false,
    }
}

fn rooted(e: &Exp, bound: &HashSet<String>) -> bool {
    match &e.kind {
        ExpKind::Var(v) => bound.contains(v),
        ExpKind::Field(x, _) | ExpKind::Index(x, _) | ExpKind::Sub(x, _) => rooted(x, bound),
        ExpKind::Call(_, args) => args.first().is_some_and(|a| rooted(a, bound)),
        _ => false,
    }
}

// ---------------------------------------------------------------------------------------------

impl Gen<'_> {
    /// Generates `exec.rs`, or `None` when the spec has no execution rules.
    pub fn gen_exec(&self) -> Option<String> {
        let steps: Vec<RelId> = (0..self.spec.relations.len()).filter(|&r| has_hint(&self.spec.relations[r].hints, "step")).collect();
        if steps.is_empty() {
            return None;
        }
        let types = match self.exec_types() {
            Ok(t) => t,
            Err(msg) => {
                self.error(self.spec.relations[steps[0]].span, msg);
                return None;
            }
        };
        let info = ExecInfo::new();
        let unit = Unit::default();
        let mut out = String::new();
        let _ = writeln!(out, "{}\n", super::HEADER);
        let _ = writeln!(
            out,
            "//! Execution: a step function for every group of reduction rules of the spec, for the\n\
             //! machine in `wspec_runtime::machine`.\n\n\
             use crate::syntax::*;\n\
             use crate::decode::Ctx;\n\
             use wspec_runtime::machine::{{Code, Cont, Lang, Machine, RuleId, STUCK, VALUE}};\n\
             use wspec_runtime::{{Fail, Seq, R}};\n"
        );
        self.gen_context_enum(&mut out, &types);
        // Shapes of all rules, grouped.
        let mut groups: Vec<(String, Vec<Shape<'_>>)> = Vec::new();
        let mut exits: Vec<Shape<'_>> = Vec::new();
        let mut group_of: HashMap<String, usize> = HashMap::new();
        for &r in &steps {
            let rel = &self.spec.relations[r];
            let kind = hint_text(&rel.hints, "step").unwrap_or_default();
            for rule in &rel.rules {
                if has_hint(&rule.hints, "structural") {
                    continue;
                }
                let name = rule.full_name(&rel.name);
                match self.shape(&types, &kind, name.clone(), rule) {
                    Ok(s) if self.deferred(&types, &s) => {}
                    Ok(s) => match s.redex {
                        None => exits.push(s),
                        Some(redex) => {
                            let key = self.redex_key(redex);
                            let gi = *group_of.entry(key.clone()).or_insert_with(|| {
                                groups.push((key.clone(), Vec::new()));
                                groups.len() - 1
                            });
                            groups[gi].1.push(s);
                        }
                    },
                    Err(msg) => self.error(rule.span, format!("rule `{name}`: {msg}")),
                }
            }
        }
        // Groups specialised to each value of their instruction (its variant and fields).
        let special: Vec<Option<Special>> = groups.iter().map(|(_, shapes)| self.specialized(&types, shapes)).collect();
        let special_rules: HashSet<&str> = groups.iter().zip(&special).filter(|(_, sp)| sp.is_some()).flat_map(|((_, g), _)| g.iter().map(|s| s.name.as_str())).collect();
        // Rules
        let mut rule_fns: HashMap<String, String> = HashMap::new();
        let mut n = 0;
        let all: Vec<&Shape<'_>> = groups.iter().flat_map(|(_, g)| g.iter()).chain(exits.iter()).collect();
        for s in &all {
            n += 1;
            let f = format!("rule_{n}");
            let mut code = String::new();
            match self.gen_rule(&mut code, &types, &info, &unit, s, &f) {
                Ok(()) => {
                    if special_rules.contains(s.name.as_str()) {
                        code = code.replacen(&format!("fn {f}("), &format!("#[inline(always)]\nfn {f}("), 1);
                        info.inlined.borrow_mut().extend(called_defs(&code));
                    }
                    out.push_str(&code);
                    rule_fns.insert(s.name.clone(), f);
                }
                Err(msg) => self.error(s.rule.span, format!("rule `{}`: {msg}", s.name)),
            }
        }
        // Groups and the dispatch. Rules are numbered in the order they were generated
        // (`rule_N` has the number N); 0 is `VALUE`.
        let val = &self.type_names[types.val];
        let instr = &self.type_names[types.instr];
        let _ = writeln!(out, "/// The names of the rules, by number (`RuleId`); 0 is not a rule but a value pushed.\npub static RULE_NAMES: [&str; {}] = [", all.len() + 1);
        let _ = writeln!(out, "    \"value\",");
        for s in &all {
            let _ = writeln!(out, "    {:?},", s.name);
        }
        let _ = writeln!(out, "];\n");
        let number: HashMap<&str, usize> = all.iter().enumerate().map(|(k, s)| (s.name.as_str(), k + 1)).collect();
        // A value is pushed in the same dispatch as the rules: a test for it before every step
        // cost as much as the dispatch. Numbers are built straight into the stack; the other
        // values go out of line, since cases pushed in one function are merged into one
        // temporary, written in pieces and read back whole, which stalls.
        let values = self.value_cases(&types);
        let _ = writeln!(out, "/// Applies the first rule of the redex's group that applies; or pushes the redex if it is a value.\n#[inline(always)]\npub fn step(m_: &mut Machine<Wasm>, ar_: &Ctx, redex_: &Instr) -> RuleId {{");
        let _ = writeln!(out, "    match redex_ {{");
        if let Some((pat, _, vp)) = values.first() {
            let _ = writeln!(out, "        {pat} => match m_.push({vp}) {{\n            Ok(()) => VALUE,\n            Err(f) => m_.failed(f),\n        }},");
        }
        let others: Vec<&str> = values.iter().skip(1).map(|c| c.1.as_str()).collect();
        if !others.is_empty() {
            let _ = writeln!(out, "        {} => push_other_value(m_, redex_),", others.join(" | "));
        }
        for (gi, (_, shapes)) in groups.iter().enumerate() {
            let pat = self.redex_pattern(shapes[0].redex.expect("grouped by redex"), types.instr);
            let any = if special[gi].is_some() { "_any" } else { "" };
            let _ = writeln!(out, "        {pat} => group_{gi}{any}(m_, ar_, redex_),");
        }
        let _ = writeln!(out, "        _ => STUCK,\n    }}\n}}\n");
        let _ = writeln!(out, "#[inline(never)]\nfn push_other_value(m_: &mut Machine<Wasm>, redex_: &{instr}) -> RuleId {{\n    let v_: {val} = match redex_ {{");
        for (pat, _, vp) in values.iter().skip(1) {
            let _ = writeln!(out, "        {pat} => {vp},");
        }
        let _ = writeln!(out, "        _ => return STUCK,\n    }};\n    match m_.push(v_) {{\n        Ok(()) => VALUE,\n        Err(f) => m_.failed(f),\n    }}\n}}\n");
        for (gi, (_, shapes)) in groups.iter().enumerate() {
            if let Some(Special { variant, fields, .. }) = &special[gi] {
                let _ = writeln!(out, "/// `group_{gi}` for an instruction that is not a constant.\n#[inline(never)]\nfn group_{gi}_any(m_: &mut Machine<Wasm>, ar_: &Ctx, redex_: &Instr) -> RuleId {{\n    group_{gi}(m_, ar_, redex_)\n}}\n");
                let value = format!("{instr}::{variant}({})", super::types::mixed_radix(fields, "K").join(", "));
                let _ = writeln!(out, "/// `group_{gi}` for the instruction numbered `K`, as a constant.\nfn group_{gi}_at<const K: usize>(m_: &mut Machine<Wasm>, ar_: &Ctx, _: &Instr) -> RuleId {{\n    // Nothing to drop: a value of finite fields.\n    let redex_ = std::mem::ManuallyDrop::new({value});\n    group_{gi}(m_, ar_, &redex_)\n}}\n");
                let _ = writeln!(out, "#[inline(always)]");
            }
            let _ = writeln!(out, "fn group_{gi}(m_: &mut Machine<Wasm>, ar_: &Ctx, redex_: &Instr) -> RuleId {{");
            for s in shapes {
                if let Some(f) = rule_fns.get(&s.name) {
                    out.push_str(&try_rule(&format!("{f}(m_, ar_, redex_)"), &s.name, number[s.name.as_str()]));
                }
            }
            let _ = writeln!(out, "    STUCK\n}}\n");
        }
        self.gen_kinds(&mut out, &types, &groups, &special, values.first());
        let _ = writeln!(out, "/// Applies the first rule that leaves a context whose body is done.\npub fn exit(m_: &mut Machine<Wasm>, ar_: &Ctx) -> RuleId {{");
        for s in &exits {
            if let Some(f) = rule_fns.get(&s.name) {
                out.push_str(&try_rule(&format!("{f}(m_, ar_)"), &s.name, number[s.name.as_str()]));
            }
        }
        let _ = writeln!(out, "    STUCK\n}}\n");
        self.gen_lang(&mut out, &types, &info, &unit);
        let _ = writeln!(
            out,
            "/// Runs code to the end in a machine of its own (`hint(run)` premises): the state and the\n\
             /// values it ends with. Getting stuck (a trap) is a premise that does not hold.\n\
             pub fn run_seq(ar_: &Ctx, z: State, code: Seq<Instr>) -> R<(State, Vec<Val>)> {{\n\
             \x20   let mut m = Machine::<Wasm>::new(z, wspec_runtime::machine::Limits::default());\n\
             \x20   m.load_seq(ar_, code);\n\
             \x20   match m.run(ar_, None)? {{\n\
             \x20       wspec_runtime::machine::Stop::Done => Ok((m.state, m.vals)),\n\
             \x20       wspec_runtime::machine::Stop::Stuck => Err(Fail::soft()),\n\
             \x20   }}\n\
             }}\n\n\
             pub fn run_code(ar_: &Ctx, z: State, code: Vec<Instr>) -> R<(State, Vec<Val>)> {{\n\
             \x20   let mut m = Machine::<Wasm>::new(z, wspec_runtime::machine::Limits::default());\n\
             \x20   m.load(code);\n\
             \x20   match m.run(ar_, None)? {{\n\
             \x20       wspec_runtime::machine::Stop::Done => Ok((m.state, m.vals)),\n\
             \x20       wspec_runtime::machine::Stop::Stuck => Err(Fail::soft()),\n\
             \x20   }}\n\
             }}\n"
        );
        // The checker generated from the typing rules.
        if let Some(ck) = self.find_check() {
            match ck {
                Ok(ck) => self.gen_validate(&mut out, &info, &unit, &ck),
                Err(msg) => self.error(self.spec.relations[0].span, format!("validation: {msg}")),
            }
        }
        // Definitions and relations the embedder calls (`hint(entry)`).
        for (d, def) in self.spec.defs.iter().enumerate() {
            if has_hint(&def.hints, "entry") {
                info.used_defs.borrow_mut().insert(d);
            }
        }
        for (r, rel) in self.spec.relations.iter().enumerate() {
            if has_hint(&rel.hints, "entry") {
                info.used_rels.borrow_mut().insert(r);
            }
        }
        self.gen_exec_defs(&mut out, &info, &unit);
        self.gen_exec_convs(&mut out, &unit);
        Some(out)
    }

    /// The variant of the instruction a group of rules reduces and its fields' types, when the
    /// group is specialised to each value of them: all of finite types, at most
    /// [`SPECIALIZE_MAX`] values together.
    fn specialized(&self, types: &Types, shapes: &[Shape<'_>]) -> Option<Special> {
        let instr = &self.type_names[types.instr];
        let pat = self.redex_pattern(shapes.first()?.redex?, types.instr);
        let variant = pat.strip_prefix(&format!("{instr}::"))?.strip_suffix("(..)")?;
        if variant.contains('(') {
            return None;
        }
        let fields = match self.rust_shapes.borrow().get(instr) {
            Some(super::types::RustShape::Enum(vs)) => vs.iter().find(|(v, _)| v == variant)?.1.clone(),
            _ => return None,
        };
        let count = fields.iter().try_fold(1usize, |n, f| n.checked_mul(self.finite_count(f)?))?;
        (count > 1 && count <= SPECIALIZE_MAX).then(|| Special { variant: variant.to_string(), fields, count })
    }

    /// The kinds of instructions ([`wspec_runtime::Kinded`]) and the handler of each: the
    /// general `step` (0), pushing a number (1), then each group's, one for each value of a
    /// specialised group's instruction. The arena stores the kind of each instruction, so that
    /// the machine runs it with one indexed call.
    fn gen_kinds(&self, out: &mut String, types: &Types, groups: &[(String, Vec<Shape<'_>>)], special: &[Option<Special>], number: Option<&(String, String, String)>) {
        let instr = &self.type_names[types.instr];
        let mut handlers: Vec<String> = vec!["step_any".into()];
        let mut arms: Vec<String> = Vec::new();
        if let Some((pat, wild, vp)) = number {
            let _ = writeln!(out, "/// Pushes a number; the kind of `{pat}`.\nfn push_number(m_: &mut Machine<Wasm>, ar_: &Ctx, redex_: &{instr}) -> RuleId {{\n    match redex_ {{\n        {pat} => match m_.push({vp}) {{\n            Ok(()) => VALUE,\n            Err(f) => m_.failed(f),\n        }},\n        _ => step_any(m_, ar_, redex_),\n    }}\n}}\n");
            arms.push(format!("            {wild} => {},", handlers.len()));
            handlers.push("push_number".into());
        }
        for (gi, (_, shapes)) in groups.iter().enumerate() {
            match &special[gi] {
                Some(Special { variant, fields, count }) => {
                    let base = handlers.len();
                    let binds: Vec<String> = (0..fields.len()).map(|k| format!("f{k}")).collect();
                    arms.push(format!("            {instr}::{variant}({}) => {base} + ({}) as u16,", binds.join(", "), super::types::mixed_index(fields)));
                    handlers.extend((0..*count).map(|k| format!("group_{gi}_at::<{k}>")));
                }
                None => {
                    let pat = self.redex_pattern(shapes[0].redex.expect("grouped by redex"), types.instr);
                    arms.push(format!("            {pat} => {},", handlers.len()));
                    handlers.push(format!("group_{gi}"));
                }
            }
        }
        let _ = writeln!(out, "impl wspec_runtime::Kinded for {instr} {{\n    fn kind(&self) -> u16 {{\n        match self {{");
        for a in &arms {
            let _ = writeln!(out, "{a}");
        }
        let _ = writeln!(out, "            _ => 0,\n        }}\n    }}\n}}\n");
        let _ = writeln!(out, "/// `step`, out of line: for instructions of no kind of their own.\n#[inline(never)]\nfn step_any(m_: &mut Machine<Wasm>, ar_: &Ctx, redex_: &{instr}) -> RuleId {{\n    step(m_, ar_, redex_)\n}}\n");
        let _ = writeln!(out, "type Handler = fn(&mut Machine<Wasm>, &Ctx, &{instr}) -> RuleId;\n");
        // As many entries as a power of two, the kinds without a handler of their own running
        // `step`: the driver indexes the table by a masked kind, with no bounds check.
        let size = handlers.len().next_power_of_two();
        let n = handlers.len();
        let _ = writeln!(out, "/// The handler of each kind of instruction, then `step_any` up to a power of two.\nstatic HANDLERS: [Handler; {size}] = padded([");
        for h in &handlers {
            let _ = writeln!(out, "    {h},");
        }
        let _ = writeln!(
            out,
            "]);\n\n/// Masks a kind into [`HANDLERS`].\nconst KIND_MASK: usize = {size} - 1;\n\n\
             const fn padded(hs: [Handler; {n}]) -> [Handler; {size}] {{\n    let mut table: [Handler; {size}] = [step_any; {size}];\n    let mut k = 0;\n    while k < {n} {{\n        table[k] = hs[k];\n        k += 1;\n    }}\n    table\n}}\n"
        );
    }

    /// Whether a rule is about instructions of a fragment marked `hint(noexec)`: its
    /// execution is not generated (yet), and the machine gets stuck on it.
    fn deferred(&self, types: &Types, s: &Shape<'_>) -> bool {
        let frags = &self.spec.types[types.instr].fragments;
        let mut found = false;
        for e in s.rule.args.iter() {
            crate::ir::visit_exp(e, &mut |x| {
                if let ExpKind::Con { ty, inst: None, case, .. } = &x.kind {
                    found |= *ty == types.instr && frags.iter().any(|f| f.cases.contains(case) && has_hint(&f.hints, "noexec"));
                }
            });
        }
        found
    }

    fn exec_types(&self) -> Result<Types, String> {
        let find_hint = |h: &str| (0..self.spec.types.len()).find(|&t| has_hint(&self.spec.types[t].hints, h));
        let state = find_hint("state").ok_or("no syntax type is marked `hint(state)`")?;
        let instr = self.spec.type_index.get("instr").copied().ok_or("no syntax type `instr`")?;
        let val = self.spec.type_index.get("val").copied().ok_or("no syntax type `val`")?;
        let mut contexts = Vec::new();
        let TypeBody::Variant(cases) = &self.spec.types[instr].body else { return Err("`instr` is not a variant".into()) };
        // The frame: a slot type of the state that a context also holds.
        let state_slots: Vec<Ty> = match &self.spec.types[state].body {
            TypeBody::Variant(cs) if cs.len() == 1 => match &cs[0].kind {
                CaseKind::Con(m) => m.slots.clone(),
                _ => Vec::new(),
            },
            _ => Vec::new(),
        };
        let mut frame_slot = None;
        for (i, c) in cases.iter().enumerate() {
            if !has_hint(&c.hints, "context") {
                continue;
            }
            let CaseKind::Con(m) = &c.kind else { return Err("a context case must be a constructor".into()) };
            let mut frame = None;
            for (k, st) in m.slots.iter().enumerate().take(m.slots.len().saturating_sub(1)) {
                if let Ty::Named(sid, _) = self.expand(st) {
                    if let Some(j) = state_slots.iter().position(|x| matches!(self.expand(x), Ty::Named(y, _) if y == sid)) {
                        frame = Some(k);
                        frame_slot = Some((j, sid));
                    }
                }
            }
            let variant = self.case_names.get(&(instr, None, i)).cloned().unwrap_or_else(|| camel(m.head().unwrap_or("Ctx")));
            contexts.push(CtxCase { ty: instr, case: i, mixop: m.clone(), variant, frame });
        }
        Ok(Types { instr, val, state, frame_slot, contexts })
    }

    fn gen_context_enum(&self, out: &mut String, types: &Types) {
        let _ = writeln!(out, "/// The evaluation contexts: what each context instruction holds besides its body. A frame\n/// context holds the frame of the code around it; its own frame is the state's.\n#[derive(Clone, Debug)]\npub enum EvalCtx {{");
        for c in &types.contexts {
            let fields: Vec<String> = c.mixop.slots[..c.mixop.slots.len() - 1].iter().map(|t| self.ctx_field_type(t)).collect();
            let _ = writeln!(out, "    {}({}),", c.variant, fields.join(", "));
        }
        let _ = writeln!(out, "}}\n");
    }

    fn ctx_field_type(&self, t: &Ty) -> String {
        match self.seq_elem(t) {
            Some((e, _)) if self.is_arena(&e) => format!("Cont<{}>", self.repr(&e).rust()),
            _ => self.repr(t).rust(),
        }
    }

    fn is_context(&self, types: &Types, e: &Exp) -> Option<usize> {
        if let ExpKind::Con { ty, inst: None, case, .. } = &e.kind {
            return types.contexts.iter().position(|c| c.ty == *ty && c.case == *case);
        }
        None
    }

    /// Whether an item of an instruction sequence is a value (or values).
    fn is_value_item(&self, types: &Types, e: &Exp) -> bool {
        match &e.kind {
            ExpKind::Sub(x, _) => self.is_value_item(types, x),
            ExpKind::Iter(x, _) => self.is_value_item(types, x),
            ExpKind::Var(_) => self.value_type(types, &e.ty),
            ExpKind::Con { ty, inst, case, .. } => {
                let Some(m) = self.mixop_of(*ty, *inst, *case) else { return false };
                self.con_path(types.val, &[], *ty, *inst, *case, m, 0).is_some()
            }
            _ => false,
        }
    }

    fn value_type(&self, types: &Types, t: &Ty) -> bool {
        match self.expand(t) {
            Ty::Named(id, _) => id == types.val || self.include_path(types.val, id, 0).is_some(),
            Ty::Iter(inner, _) => self.value_type(types, &inner),
            _ => false,
        }
    }

    fn flatten<'e>(&self, e: &'e Exp, out: &mut Vec<&'e Exp>) {
        match &e.kind {
            ExpKind::Cat(xs) | ExpKind::List(xs) if self.seq_elem(&e.ty).is_some() => xs.iter().for_each(|x| self.flatten_item(x, out)),
            ExpKind::Sub(x, t) if self.seq_elem(t).is_some() && self.seq_elem(&x.ty).is_some() => self.flatten(x, out),
            _ => out.push(e),
        }
    }

    fn flatten_item<'e>(&self, e: &'e Exp, out: &mut Vec<&'e Exp>) {
        match &e.kind {
            ExpKind::Cat(_) | ExpKind::List(_) if self.seq_elem(&e.ty).is_some() => self.flatten(e, out),
            _ => out.push(e),
        }
    }

    fn shape<'r>(&self, types: &Types, kind: &str, name: String, rule: &'r Rule) -> Result<Shape<'r>, String> {
        let (state_in, lhs, state_out, rhs) = match (kind, rule.args.as_slice()) {
            ("pure", [l, r]) => (None, l, None, r),
            ("read", [l, r]) => {
                let (z, l) = self.split_config(l)?;
                (Some(z), l, None, r)
            }
            ("", [l, r]) => {
                let (z, l) = self.split_config(l)?;
                let (z2, r) = self.split_config(r)?;
                (Some(z), l, Some(z2), r)
            }
            _ => return Err(format!("a rule of a `hint(step {kind:?})` relation has an unexpected form")),
        };
        let mut items = Vec::new();
        self.flatten(lhs, &mut items);
        let mut rhs_items = Vec::new();
        self.flatten(rhs, &mut rhs_items);
        let (ctx, body) = match items.as_slice() {
            [one] if self.is_context(types, one).is_some() => {
                let ExpKind::Con { args, .. } = &one.kind else { unreachable!() };
                let mut b = Vec::new();
                self.flatten(args.last().ok_or("a context without body")?, &mut b);
                (Some((self.is_context(types, one).unwrap_or(0), &args[..args.len() - 1])), b)
            }
            _ => (None, items),
        };
        let mut vals = Vec::new();
        let mut redex = None;
        let mut tail = false;
        for (k, it) in body.iter().enumerate() {
            if redex.is_none() && self.is_value_item(types, it) {
                vals.push(*it);
            } else if redex.is_none() {
                if !matches!(it.kind, ExpKind::Con { .. }) {
                    return Err("the first instruction after the values must be a constructor (the redex)".into());
                }
                redex = Some(*it);
            } else if k == body.len() - 1 && self.is_code_var(it) {
                tail = true;
            } else {
                return Err("after the redex, the left side may only have the rest of the code (`instr*`)".into());
            }
        }
        let lead_rest = vals.first().is_some_and(|v| is_uncounted_seq(v));
        for v in vals.iter().skip(1) {
            if is_uncounted_seq(v) {
                return Err("only the first of the values may be a sequence of unknown length (`val*`)".into());
            }
        }
        Ok(Shape { name, rule, state_in, state_out, ctx, vals, lead_rest, redex, tail, rhs: rhs_items })
    }

    fn split_config<'e>(&self, e: &'e Exp) -> Result<(&'e Exp, &'e Exp), String> {
        match &e.kind {
            ExpKind::Con { args, .. } if args.len() == 2 => Ok((&args[0], &args[1])),
            _ => Err("expected a configuration `z; instr*`".into()),
        }
    }

    /// The variable of a rule's trailing `instr*`.
    fn tail_var<'r>(&self, s: &Shape<'r>) -> Option<&'r str> {
        if !s.tail {
            return None;
        }
        let lhs_items: Vec<&Exp> = match s.ctx {
            Some(_) => {
                let mut b = Vec::new();
                if let Some(ExpKind::Con { args, .. }) = self.lhs_of(s).map(|e| &e.kind) {
                    if let Some(last) = args.last() {
                        self.flatten(last, &mut b);
                    }
                }
                b
            }
            None => {
                let mut b = Vec::new();
                if let Some(e) = self.lhs_of(s) {
                    self.flatten(e, &mut b);
                }
                b
            }
        };
        lhs_items.last().and_then(|e| code_var(e))
    }

    fn lhs_of<'r>(&self, s: &Shape<'r>) -> Option<&'r Exp> {
        let lhs = match s.rule.args.first()? {
            e if s.state_in.is_some() => match &e.kind {
                ExpKind::Con { args, .. } if args.len() == 2 => &args[1],
                _ => return None,
            },
            e => e,
        };
        match s.ctx {
            Some(_) => {
                let mut items = Vec::new();
                self.flatten(lhs, &mut items);
                items.first().copied()
            }
            None => Some(lhs),
        }
    }

    fn is_code_var(&self, e: &Exp) -> bool {
        match &e.kind {
            ExpKind::Iter(b, s) => s.count.is_none() && matches!(b.kind, ExpKind::Var(_)),
            ExpKind::Var(_) => self.seq_elem(&e.ty).is_some(),
            ExpKind::Sub(x, _) => self.is_code_var(x),
            _ => false,
        }
    }

    fn redex_key(&self, e: &Exp) -> String {
        match &e.kind {
            ExpKind::Con { ty, inst, case, .. } => self.mixop_of(*ty, *inst, *case).map(|m| m.name()).unwrap_or_default(),
            _ => String::new(),
        }
    }

    fn redex_pattern(&self, e: &Exp, instr: TypeId) -> String {
        let ExpKind::Con { ty, inst, case, args } = &e.kind else { return "_".into() };
        let Some(m) = self.mixop_of(*ty, *inst, *case) else { return "_".into() };
        match self.con_path(instr, &[], *ty, *inst, *case, m, 0) {
            Some((ws, (ctor, _), _, _)) => {
                let mut p = if args.is_empty() { ctor } else { format!("{ctor}(..)") };
                for w in ws.iter().rev() {
                    p = format!("{w}({p})");
                }
                p
            }
            None => "_".into(),
        }
    }

    // -----------------------------------------------------------------------------------------
    // One rule

    #[allow(clippy::too_many_arguments)]
    fn gen_rule(&self, out: &mut String, types: &Types, info: &ExecInfo, unit: &Unit, s: &Shape<'_>, f: &str) -> Result<(), String> {
        let mut fx = Fx::new(self, unit, s.rule.span);
        fx.rule = Some(s.name.clone());
        fx.exec = Some(info);
        fx.ctx = Some("ar_".into());
        fx.once = mentioned_once(s.rule);
        let mut body = String::new();
        let instr_ty = Ty::Named(types.instr, vec![]);
        let val_ty = Ty::Named(types.val, vec![]);
        let state_ty = Ty::Named(types.state, vec![]);
        // The state.
        if let Some(z) = s.state_in {
            fx.pattern_ref(z, &state_ty, "(&m_.state)", &mut body)?;
        }
        // The redex.
        if let Some(r) = s.redex {
            fx.redex = Some(crate::ir_fmt::Printer::new(self.spec).exp(strip_sub(r)));
            fx.pattern_ref(r, &instr_ty, "redex_", &mut body)?;
        }
        // The context, and the slices of its code slots (slot index, variable).
        let mut code_slots: Vec<(usize, String)> = Vec::new();
        if let Some((ci, args)) = s.ctx {
            let c = &types.contexts[ci];
            let names: Vec<String> = args.iter().map(|_| fx.fresh("cf")).collect();
            let _ = writeln!(body, "let EvalCtx::{}({}) = m_.top()? else {{ return Err(Fail::soft()) }};", c.variant, names.join(", "));
            for (k, (a, n)) in args.iter().zip(&names).enumerate() {
                let st = &c.mixop.slots[k];
                if Some(k) == c.frame {
                    // The frame inside the context is the state's.
                    let (j, _) = types.frame_slot.ok_or("a frame context without a frame in the state")?;
                    let _ = writeln!(body, "let _ = {n};");
                    fx.pattern_ref(a, st, &format!("(&m_.state.{j})"), &mut body)?;
                } else if self.seq_elem(st).is_some_and(|(e, _)| self.is_arena(&e)) {
                    match code_var(a) {
                        Some(v) => {
                            let rust = fx.fresh(&var_name(v));
                            let _ = writeln!(body, "let {rust}: &[Instr] = {n}.view(Wasm::instrs(ar_));");
                            code_slots.push((k, rust.clone()));
                            let et = self.seq_elem(st).map(|(e, _)| e).unwrap_or(Ty::Error);
                            fx.bind_kind(v, et, 1, LocalKind::Slice, rust);
                        }
                        None => {
                            let t = fx.fresh("code");
                            let _ = writeln!(body, "let {t}: Vec<Instr> = {n}.view(Wasm::instrs(ar_)).to_vec();");
                            fx.pattern(a, &t, &mut body)?;
                        }
                    }
                } else {
                    fx.pattern_ref(a, st, n, &mut body)?;
                }
            }
            if !s.tail && s.redex.is_some() {
                let _ = writeln!(body, "wspec_runtime::check(m_.code_done())?;");
            }
        }
        // Values and premises, as their inputs become known.
        let mut offsets: Vec<String> = Vec::new(); // code of each value item's size, top first
        let mut pending_vals: Vec<&Exp> = s.vals.iter().rev().copied().collect(); // top first
        if s.lead_rest {
            pending_vals.pop();
        }
        let mut premises: Vec<&Premise> = s.rule.premises.iter().collect();
        let mut depth = "0usize".to_string();
        let mut rest_bound = false;
        loop {
            if let Some(v) = pending_vals.first().copied() {
                if self.val_ready(&fx, v) {
                    pending_vals.remove(0);
                    let size = self.gen_val_item(&mut fx, &mut body, v, &depth, &val_ty)?;
                    depth = format!("{depth} + {size}");
                    offsets.push(size);
                    continue;
                }
            }
            if pending_vals.is_empty() && !rest_bound {
                rest_bound = true;
                self.bind_rest(&mut fx, s, &depth, &val_ty, &instr_ty, &mut body)?;
                continue;
            }
            // A match of a place (`HOSTFUNC k = fi.CODE`) goes first: it costs nothing and
            // fails only softly, so a rule that does not apply stops before computing anything
            // (a call of a function defined in the module tries the host function rule first).
            let ready = premises
                .iter()
                .position(|p| self.exec_premise_ready(&fx, p) && self.place_match(&fx, p))
                .or_else(|| premises.iter().position(|p| self.exec_premise_ready(&fx, p)));
            match ready {
                Some(k) => {
                    let p = premises.remove(k);
                    self.gen_exec_premise(&mut fx, info, p, &mut body)?;
                }
                None => {
                    if let Some(v) = pending_vals.first() {
                        return Err(format!("cannot tell how many values `{}` takes from the stack", crate::ir_fmt::Printer::new(self.spec).exp(v)));
                    }
                    if let Some(p) = premises.first() {
                        return Err(format!("a premise needs variables nothing binds ({})", crate::ir_fmt::Printer::new(self.spec).premise(p)));
                    }
                    break;
                }
            }
        }
        if !rest_bound {
            self.bind_rest(&mut fx, s, &depth, &val_ty, &instr_ty, &mut body)?;
        }
        // The right side, computed before anything changes.
        let plan = self.plan_rhs(types, s)?;
        let mut commit = String::new();
        // Kept values and pops.
        let total_popped = if s.lead_rest { "m_.height()".to_string() } else { depth.clone() };
        let mut replaces = false;
        match (&plan.keep, s.ctx.is_some()) {
            (Keep::Prefix(k), false) => {
                // The bottom `k` value items stay; the others go.
                let kept: Vec<String> = offsets.iter().rev().take(*k).cloned().collect();
                let kept_size = if kept.is_empty() { "0usize".to_string() } else { kept.join(" + ") };
                let _ = writeln!(commit, "let keep_ = {kept_size};");
                let _ = writeln!(commit, "let popped_ = {total_popped} - keep_;");
                // One value that takes the place of the operands (`binop`) replaces the last
                // of them: the stack has room for it, so there is no check and no call that
                // would make the value go through memory.
                replaces = kept.is_empty() && literal_count(&total_popped).is_some_and(|n| n >= 1) && matches!(plan.items.as_slice(), [RhsItem::Push(e)] if self.single_value(&fx, e));
                if replaces {
                    let _ = writeln!(commit, "m_.pop_n(popped_ - 1);");
                } else if total_popped != "0usize" {
                    // A rule without operands pops nothing: no call, which would borrow the
                    // machine (see `push_with` in `gen_rhs`).
                    let _ = writeln!(commit, "m_.pop_n(popped_);");
                }
            }
            (Keep::Suffix(k), true) => {
                let kept: Vec<String> = offsets.iter().take(*k).cloned().collect();
                let kept_size = if kept.is_empty() { "0usize".to_string() } else { kept.join(" + ") };
                let _ = writeln!(commit, "let keep_ = {kept_size};");
                let _ = writeln!(commit, "let below_ = m_.height() - keep_;");
                let _ = writeln!(commit, "m_.drop_below(keep_, below_);");
            }
            (Keep::All, true) => {
                let _ = writeln!(commit, "let keep_ = m_.height();");
            }
            _ => {
                let _ = writeln!(commit, "let keep_ = 0usize;");
                let _ = writeln!(commit, "m_.pop_n(m_.height().min({total_popped}));");
            }
        }
        let _ = writeln!(commit, "let _ = keep_;");
        if s.tail {
            let _ = writeln!(commit, "m_.discard_code();");
        }
        if s.ctx.is_some() {
            let _ = writeln!(commit, "let left_ = m_.leave()?;\nrestore(m_, left_);");
        }
        // The right side is computed last: what it names once may move, unless a trap message
        // prints it after.
        if hint_text(&s.rule.hints, "trap").is_none() {
            let rhs = s.rhs.iter().chain(s.state_out.iter()).map(|e| (*e).clone()).collect();
            fx.movable = super::rust::used_once(&Exp { kind: ExpKind::Tuple(rhs), ty: Ty::Error, span: s.rule.span });
        }
        // State update.
        if let (Some(zin), Some(zout)) = (s.state_in, s.state_out) {
            self.gen_state_update(&mut fx, info, zin, zout, &mut body, &mut commit)?;
        }
        // Right side.
        self.gen_rhs(&mut fx, types, &plan, replaces, &mut body, &mut commit)?;
        // Why a rule traps, for messages (`hint(trap "...")`).
        if let Some(why) = hint_text(&s.rule.hints, "trap") {
            let _ = writeln!(commit, "m_.note = Some({}.into());", message_code(&fx, &why));
        }
        // A branch continues with the code of the label it leaves: the code is moved out of
        // the context left, not copied (a loop's label holds the loop).
        if let Some((ci, args)) = s.ctx.filter(|(ci, _)| types.contexts[*ci].frame.is_none()) {
            for (k, slice) in &code_slots {
                let copy = format!("Code::from_slice({slice});");
                let Some(line) = body.lines().find(|l| l.starts_with("let ") && l.ends_with(&copy)).map(str::to_string) else { continue };
                let t = line["let ".len()..line.len() - copy.len()].trim_end_matches(" = ").to_string();
                let uses = |text: &str| super::tidy::count_word(text, &t);
                if uses(&body) != 1 || uses(&commit) != 1 || !commit.contains("restore(m_, left_);") {
                    continue;
                }
                let fields: Vec<String> = (0..args.len()).map(|j| if j == *k { t.clone() } else { "_".into() }).collect();
                body = body.replace(&format!("{line}\n"), "");
                let take = format!("let EvalCtx::{}({}) = left_ else {{ unreachable!(\"the context matched above\") }};", types.contexts[ci].variant, fields.join(", "));
                commit = commit.replace("restore(m_, left_);", &take);
                break;
            }
        }
        let _ = writeln!(out, "{} rule {}", self.origin(s.rule.span), s.name);
        let sig = if s.redex.is_some() { "m_: &mut Machine<Wasm>, ar_: &Ctx, redex_: &Instr" } else { "m_: &mut Machine<Wasm>, ar_: &Ctx" };
        let mut func = format!("#[allow(unused_variables, unused_parens, clippy::all)]\nfn {f}({sig}) -> R<()> {{\n");
        func.push_str(&indent(&body));
        func.push_str(&indent(&commit));
        func.push_str("    Ok(())\n}\n\n");
        out.push_str(&super::tidy::tidy(&func));
        Ok(())
    }

    /// Once the values of fixed size are matched: the leading `val*` (all other values of the
    /// context), the check that a context has no other values, and the rest of the code where
    /// something looks at it.
    #[allow(clippy::too_many_arguments)]
    fn bind_rest(&self, fx: &mut Fx<'_, '_>, s: &Shape<'_>, depth: &str, val_ty: &Ty, instr_ty: &Ty, body: &mut String) -> Result<(), String> {
        if s.lead_rest {
            let v = s.vals[0];
            let name = code_var(v).ok_or("the leading values must be a variable (`val*`)")?;
            let rust = fx.fresh(&var_name(name));
            let _ = writeln!(body, "let {rust} = m_.rest({depth})?;");
            let et = self.seq_elem(&strip_sub(v).ty).map(|(e, _)| e).unwrap_or(val_ty.clone());
            fx.bind_kind(name, et, 1, LocalKind::Slice, rust);
        } else if s.ctx.is_some() {
            let _ = writeln!(body, "wspec_runtime::check(m_.height() == {depth})?;");
        }
        if let Some(t) = self.tail_var(s) {
            let used = s.rule.premises.iter().any(|p| {
                let mut found = false;
                crate::ir::visit_premise(p, &mut |x| found |= matches!(&x.kind, ExpKind::Var(v) if *v == t));
                found
            }) || s.rhs.iter().any(|e| mentioned_vars(e).contains(&t.to_string()));
            if used && !fx.locals.contains_key(t) {
                let rust = fx.fresh(&var_name(t));
                let _ = writeln!(body, "let {rust} = m_.remaining(ar_);");
                fx.bind_kind(t, instr_ty.clone(), 1, LocalKind::Owned, rust);
            }
        }
        Ok(())
    }

    /// Whether a premise matches a pattern against a place, with no message of its own.
    fn place_match(&self, fx: &Fx<'_, '_>, p: &Premise) -> bool {
        let PremiseKind::If { exp, binds } = &p.kind else { return false };
        let ExpKind::Cmp(crate::ast::CmpOp::Eq, l, r) = &exp.kind else { return false };
        if binds.is_empty() || hint_text(&p.hints, "error").is_some() {
            return false;
        }
        let binds_in = |e: &Exp| mentioned_vars(e).iter().any(|v| binds.contains(v));
        let val = if binds_in(l) { r } else { l };
        !binds_in(val) && matches!(fx.place(val), Ok(Some(_)))
    }

    fn val_ready(&self, fx: &Fx<'_, '_>, v: &Exp) -> bool {
        match &strip_sub(v).kind {
            ExpKind::Iter(_, spec) => match &spec.count {
                Some(c) => mentioned_vars(c).iter().all(|x| fx.locals.contains_key(x)),
                None => false,
            },
            _ => true,
        }
    }

    /// Matches one value item `depth` values below the top; returns its size.
    fn gen_val_item(&self, fx: &mut Fx<'_, '_>, body: &mut String, v: &Exp, depth: &str, val_ty: &Ty) -> Result<String, String> {
        let inner = strip_sub(v);
        match &inner.kind {
            ExpKind::Iter(b, spec) => {
                let count = fx.wide(spec.count.as_deref().ok_or("a value sequence without count")?)?;
                let n = fx.fresh("n");
                let _ = writeln!(body, "let {n} = wspec_runtime::num::narrow::<usize>({count})?;");
                let r = fx.fresh("vs");
                let _ = writeln!(body, "let {r} = m_.peek_range({depth}, {n})?;");
                match &strip_sub(b).kind {
                    ExpKind::Var(x) if fx.locals.contains_key(x) => {
                        let have = fx.view(&Exp { kind: ExpKind::Var(x.clone()), ty: b.ty.clone(), span: b.span })?;
                        let _ = writeln!(body, "wspec_runtime::check(&{have}[..] == {r})?;");
                    }
                    ExpKind::Var(x) => {
                        let et = strip_sub(b).ty.clone();
                        if self.repr(&et) == self.repr(val_ty) {
                            fx.bind_kind(x, et, 1, LocalKind::Slice, r.clone());
                        } else {
                            let t = fx.fresh("vv");
                            let _ = writeln!(body, "let {t}: Vec<_> = {r}.to_vec();");
                            let pat = Exp { kind: ExpKind::Iter(b.clone(), spec.clone()), ty: Ty::Iter(Box::new(b.ty.clone()), spec.kind), span: v.span };
                            let _ = pat;
                            return Err("a counted value sequence of a type narrower than `val`".into());
                        }
                    }
                    _ => return Err("a counted value sequence must iterate a variable".into()),
                }
                Ok(n)
            }
            _ => {
                let r = fx.fresh("v");
                let _ = writeln!(body, "let {r} = m_.peek({depth})?;");
                fx.pattern_ref(v, val_ty, &r, body)?;
                Ok("1usize".to_string())
            }
        }
    }

    pub(super) fn exec_premise_ready_pub(&self, fx: &Fx<'_, '_>, p: &Premise) -> bool {
        self.exec_premise_ready(fx, p)
    }

    pub(super) fn gen_exec_premise_pub(&self, fx: &mut Fx<'_, '_>, info: &ExecInfo, p: &Premise, out: &mut String) -> Result<(), String> {
        self.gen_exec_premise(fx, info, p, out)
    }

    pub(super) fn flatten_pub<'e>(&self, e: &'e Exp, out: &mut Vec<&'e Exp>) {
        self.flatten(e, out)
    }

    pub(super) fn redex_pattern_pub(&self, e: &Exp, instr: TypeId) -> String {
        self.redex_pattern(e, instr)
    }

    fn exec_premise_ready(&self, fx: &Fx<'_, '_>, p: &Premise) -> bool {
        let bound: HashSet<String> = fx.locals.keys().cloned().collect();
        crate::elab::bind::premise_ready(self.spec, p, &bound).is_some()
    }

    // -----------------------------------------------------------------------------------------
    // Premises

    fn gen_exec_premise(&self, fx: &mut Fx<'_, '_>, info: &ExecInfo, p: &Premise, out: &mut String) -> Result<(), String> {
        let bound: HashSet<String> = fx.locals.keys().cloned().collect();
        // A premise with an error message that binds variables (`if C.LOCALS[x] = SET t`,
        // `Expand: dt ~~ FUNC t* -> eps`): when it does not hold, the message.
        if let Some(msg) = hint_text(&p.hints, "error") {
            let binds = match &p.kind {
                PremiseKind::If { .. } => !crate::elab::bind::premise_ready(self.spec, p, &bound).unwrap_or_default().is_empty(),
                PremiseKind::Rel { rel, .. } => {
                    let r = &self.spec.relations[*rel];
                    hint_text(&r.hints, "check").is_none() && !has_hint(&r.hints, "run") && r.modes.iter().any(|m| *m != Mode::In)
                }
                _ => false,
            };
            if binds {
                return self.gen_binding_premise_with_error(fx, info, p, &msg, out);
            }
        }
        match &p.kind {
            PremiseKind::Otherwise => Ok(()),
            PremiseKind::If { exp, .. } => {
                let binds = crate::elab::bind::premise_ready(self.spec, p, &bound).unwrap_or_default();
                // `$f(...) = eps`: whether a set is empty, from its first element.
                if let ExpKind::Cmp(op @ (crate::ast::CmpOp::Eq | crate::ast::CmpOp::Ne), l, r) = &exp.kind {
                    for (a, b) in [(l, r), (r, l)] {
                        if matches!(&b.kind, ExpKind::List(xs) if xs.is_empty()) {
                            if let Some(first) = self.first_call(fx, info, a)? {
                                let test = if *op == crate::ast::CmpOp::Eq { "is_none" } else { "is_some" };
                                let _ = writeln!(out, "wspec_runtime::check({first}.{test}())?;");
                                return Ok(());
                            }
                        }
                    }
                }
                if binds.is_empty() {
                    let cond = fx.view(exp)?;
                    match hint_text(&p.hints, "error") {
                        Some(msg) => {
                            let msg = message_code(fx, &msg);
                            let _ = writeln!(out, "if !({cond}) {{ return Err(Fail::msg(0, {msg}){}); }}", named(fx));
                        }
                        None => {
                            let _ = writeln!(out, "wspec_runtime::check({cond})?;");
                        }
                    }
                    return Ok(());
                }
                let ExpKind::Cmp(op, l, r) = &exp.kind else { return Err("a binding premise that is not an equation".into()) };
                let binds_in = |e: &Exp| mentioned_vars(e).iter().any(|v| binds.contains(v));
                let (pat, val) = if binds_in(l) { (l, r) } else { (r, l) };
                if *op == crate::ast::CmpOp::In {
                    if let Some(first) = self.first_call(fx, info, val)? {
                        let v = fx.fresh("eq");
                        let _ = writeln!(out, "let Some({v}) = {first} else {{ return Err(Fail::soft()) }};");
                        return fx.pattern(pat, &v, out);
                    }
                    let code = fx.view(val)?;
                    let v = fx.fresh("eq");
                    let _ = writeln!(out, "let {v} = wspec_runtime::seq::first({code})?;");
                    return fx.pattern(pat, &v, out);
                }
                if self.lengths_premise(fx, info, pat, val, out)? {
                    return Ok(());
                }
                if let Some(place) = fx.place(val)? {
                    let at = val.ty.clone();
                    return fx.pattern_ref(pat, &at, &format!("(&{place})"), out);
                }
                let code = fx.view(val)?;
                let v = fx.fresh("eq");
                // In a step rule, the result of a call that is taken apart (`(t_1^m -> t_2^n) =
                // $blocktype_(z, bt)`) is matched where the call left it. Taken out of its `R`
                // first, it was copied in wider pieces than the call wrote it, which stalls.
                let in_step = fx.redex.is_some();
                if let Some(call) = code.strip_suffix('?').filter(|_| in_step && !matches!(strip_sub(pat).kind, ExpKind::Var(_))) {
                    let r = fx.fresh("res");
                    let _ = writeln!(out, "let {r} = {call};");
                    let _ = writeln!(out, "let {v} = match &{r} {{ Ok(x_) => x_, Err(f_) => return Err(f_.clone()) }};");
                    return fx.pattern_ref(pat, &val.ty, &v, out);
                }
                let _ = writeln!(out, "let {v} = {code};");
                // A shared value is matched in place: its parts are bound by reference, not
                // copied (the subtypes of an unrolled recursive type, of which one is used).
                if matches!(self.repr(&val.ty), super::Repr::Shared(_)) {
                    return fx.pattern_ref(pat, &val.ty, &format!("(&{v})"), out);
                }
                fx.pattern(pat, &v, out)
            }
            PremiseKind::Rel { rel, args, .. } if has_hint(&self.spec.relations[*rel].hints, "run") => {
                // `z; instr* ~>* z'; val*`: the machine runs the instructions.
                let [z, code, z2, vals] = args.as_slice() else { return Err("a `hint(run)` relation must relate `state; instr*` to `state; val*`".into()) };
                let state = fx.view(z)?;
                let run = match fx.handle_of(code, &code.ty) {
                    Some(h) => format!("run_seq(ar_, {state}, {h})?"),
                    None => format!("run_code(ar_, {state}, {})?", fx.view(code)?),
                };
                let (a, b) = (fx.fresh("z"), fx.fresh("vals"));
                let _ = writeln!(out, "let ({a}, {b}) = {run};");
                fx.pattern(z2, &a, out)?;
                fx.pattern(vals, &b, out)
            }
            PremiseKind::Rel { rel, args, .. } if hint_text(&self.spec.relations[*rel].hints, "check").as_deref() == Some("seq") => {
                // The sequence checker: `C |- in* : t_1* ->_(x*) t_2*`.
                let [c, code, it] = args.as_slice() else { return Err("a sequence typing premise relates three things".into()) };
                let ExpKind::Con { args: it_args, .. } = &it.kind else { return Err("the sequence's type must be written out".into()) };
                let [t1, xs, t2] = it_args.as_slice() else { return Err("the sequence's type has three parts".into()) };
                let carg = fx.arg(c, &c.ty)?;
                let code_ref = match fx.handle_of(code, &code.ty) {
                    Some(h) => format!("ar_.instr.get({h})"),
                    None => format!("&{}[..]", fx.view(code)?),
                };
                let t1_code = fx.view(t1)?;
                let known = mentioned_vars(t2).iter().all(|v| fx.locals.contains_key(v));
                let t2_code = if known { format!("Some(&{}[..])", fx.view(t2)?) } else { "None".into() };
                let (o2, ox) = (fx.fresh("t2"), fx.fresh("xs"));
                let _ = writeln!(out, "let ({o2}, {ox}) = check_seq(ar_, {carg}, {code_ref}, &{t1_code}, {t2_code})?;");
                if !known {
                    fx.pattern(t2, &o2, out)?;
                }
                if !mentioned_vars(xs).iter().all(|v| fx.locals.contains_key(v)) {
                    fx.pattern(xs, &ox, out)?;
                }
                Ok(())
            }
            PremiseKind::Rel { rel, args, .. } => {
                info.used_rels.borrow_mut().insert(*rel);
                let r = &self.spec.relations[*rel];
                let mut ins = Vec::new();
                let mut outs = Vec::new();
                for (a, m) in args.iter().zip(&r.modes) {
                    match m {
                        Mode::In => ins.push(a),
                        Mode::Out | Mode::Open => outs.push(a),
                    }
                }
                let mut parts = Vec::new();
                let in_tys: Vec<&Ty> = r.notation.slots.iter().zip(&r.modes).filter(|(_, m)| **m == Mode::In).map(|(t, _)| t).collect();
                for (a, t) in ins.iter().zip(&in_tys) {
                    parts.push(fx.arg(a, t)?);
                }
                let call = format!("rels::{}(ar_{})?", fn_name(&r.name), lead(&parts));
                if outs.is_empty() {
                    match hint_text(&p.hints, "error") {
                        Some(msg) => {
                            // A premise that does not hold gets the message; an error inside
                            // the relation (one with its own message) is the more precise one.
                            let msg = message_code(fx, &msg);
                            let _ = writeln!(
                                out,
                                "match {} {{ Ok(_) => {{}} Err(f) if !f.is_soft() => return Err(f), Err(_) => return Err(Fail::msg(0, {msg}){}) }}",
                                call.trim_end_matches('?'),
                                named(fx)
                            );
                        }
                        None => {
                            let _ = writeln!(out, "{call};");
                        }
                    }
                    return Ok(());
                }
                let names: Vec<String> = outs.iter().map(|_| fx.fresh("o")).collect();
                let _ = writeln!(out, "let ({},) = {call};", names.join(", "));
                for (o, n) in outs.iter().zip(&names) {
                    fx.pattern(o, n, out)?;
                }
                Ok(())
            }
            PremiseKind::Iter { premise, iter } => {
                // Each element: the inner premise, binding one dimension deeper.
                let mut inner = Fx::new(self, fx.unit, p.span);
                inner.exec = fx.exec;
                inner.rule = fx.rule.clone();
                inner.locals = fx.locals.clone();
                inner.ctx = fx.ctx.clone();
                *inner.tmp.borrow_mut() = *fx.tmp.borrow() + 1;
                let mut srcs = Vec::new();
                // Iterated variables that are not bound yet are what the premise binds.
                for v in iter.vars.iter().filter(|v| fx.locals.contains_key(*v)) {
                    let l = fx.locals.get(v).ok_or_else(|| format!("variable `{v}` is not bound here"))?.clone();
                    if l.dim == 0 {
                        return Err(format!("`{v}` is iterated but is not a sequence here"));
                    }
                    let el = inner.fresh(&l.rust);
                    // Lists of arena sequences are iterated as lists of handles.
                    let handles = l.kind == LocalKind::Handle && l.dim > 1;
                    let view = if handles { format!("{}.clone()", l.rust) } else { fx.var_view(v, &l) };
                    srcs.push((el.clone(), view));
                    let mut local = Local::owned(el, l.ty.clone(), l.dim - 1, l.opt[1..].to_vec());
                    if handles {
                        local.kind = LocalKind::Handle;
                    }
                    inner.locals.insert(v.clone(), local);
                }
                if let Some(i) = &iter.index {
                    inner.locals.insert(i.clone(), Local::owned(var_name(i), Ty::Nat, 0, vec![]));
                }
                let before: HashSet<String> = inner.locals.keys().cloned().collect();
                let mut b = String::new();
                // The error message of an iterated premise is that of each element.
                let with_hint;
                let premise: &Premise = if hint_text(&premise.hints, "error").is_none() && hint_text(&p.hints, "error").is_some() {
                    with_hint = Premise { hints: p.hints.iter().chain(&premise.hints).cloned().collect(), ..(**premise).clone() };
                    &with_hint
                } else {
                    premise
                };
                self.gen_exec_premise(&mut inner, info, premise, &mut b)?;
                *fx.tmp.borrow_mut() = *inner.tmp.borrow() + 1;
                let mut new: Vec<(String, Local)> = inner.locals.iter().filter(|(k, _)| !before.contains(*k)).map(|(k, l)| (k.clone(), l.clone())).collect();
                new.sort_by(|a, b| a.0.cmp(&b.0));
                let src_names: Vec<String> = srcs.iter().map(|_| fx.fresh("src")).collect();
                for ((_, view), n) in srcs.iter().zip(&src_names) {
                    let _ = writeln!(out, "let {n}: Vec<_> = {view}.into_iter().collect();");
                }
                let count = match &iter.count {
                    Some(c) => Some(format!("wspec_runtime::num::narrow::<usize>({})?", fx.wide(c)?)),
                    None => None,
                };
                let lens: Vec<String> = src_names.iter().map(|s| format!("{s}.len()")).collect();
                let n = match (count, lens.is_empty()) {
                    (Some(c), true) => c,
                    (Some(c), false) => format!("wspec_runtime::seq::same_len(&[{c}, {}])?", lens.join(", ")),
                    (None, false) => format!("wspec_runtime::seq::same_len(&[{}])?", lens.join(", ")),
                    (None, true) => return Err("an iterated premise without count or iterated variable".into()),
                };
                let accs: Vec<String> = new.iter().map(|(k, _)| fx.fresh(&format!("acc_{}", var_name(k)))).collect();
                for a in &accs {
                    let _ = writeln!(out, "let mut {a} = Vec::new();");
                }
                let idx = iter.index.as_ref().map(|i| var_name(i)).unwrap_or_else(|| "i_".into());
                let binds: String = srcs.iter().zip(&src_names).map(|((e, _), s)| format!("let {e} = {s}[{idx}].clone(); ")).collect();
                let index_bind = if iter.index.is_some() { format!("let {idx} = {idx} as u64; ") } else { String::new() };
                let pushes: String = new.iter().zip(&accs).map(|((k, l), a)| format!("{a}.push({});", inner.var_view(k, l))).collect();
                // Which element an error is about, by the description of the elements' type
                // ("... in function 2"), where the premise binds nothing that would have to
                // leave the closure that catches it.
                let described = iter.vars.iter().filter(|v| fx.locals.contains_key(*v)).find_map(|v| match self.expand(&fx.locals[v].ty) {
                    Ty::Named(id, _) => hint_text(&self.spec.types[id].hints, "desc"),
                    _ => None,
                });
                let b = match described {
                    Some(desc) if new.is_empty() && matches!(premise.kind, PremiseKind::Rel { .. }) => format!(
                        "(|| -> R<()> {{\n{b}Ok(())\n}})().map_err(|f| f.within({desc:?}, {idx} as u64))?;\n"
                    ),
                    _ => b,
                };
                let _ = writeln!(out, "for {idx} in 0..{n} {{ {binds}{index_bind}\n{b}{pushes} }}");
                fx.bind_collected(&new, &accs, iter.kind == IterKind::Opt, false, out);
                Ok(())
            }
        }
    }

    /// A premise that binds variables and carries an error message: run in a closure that
    /// gives the values it binds, so that its not holding (a soft failure) becomes the message.
    fn gen_binding_premise_with_error(&self, fx: &mut Fx<'_, '_>, info: &ExecInfo, p: &Premise, msg: &str, out: &mut String) -> Result<(), String> {
        let msg = message_code(fx, msg);
        let plain = Premise { hints: p.hints.iter().filter(|h| h.name.name != "error").cloned().collect(), ..p.clone() };
        let before: HashSet<String> = fx.locals.keys().cloned().collect();
        let mut body = String::new();
        self.gen_exec_premise(fx, info, &plain, &mut body)?;
        let mut new: Vec<(String, Local)> = fx.locals.iter().filter(|(k, _)| !before.contains(*k)).map(|(k, l)| (k.clone(), l.clone())).collect();
        new.sort_by(|a, b| a.0.cmp(&b.0));
        if new.iter().any(|(_, l)| l.kind == LocalKind::Handle) {
            return Err("a premise with an error message cannot bind an arena sequence".into());
        }
        let views: Vec<String> = new.iter().map(|(k, l)| fx.var_view(k, l)).collect();
        let names: Vec<String> = new.iter().map(|(k, _)| fx.fresh(&var_name(k))).collect();
        let tuple = |xs: &[String]| if xs.is_empty() { "()".to_string() } else { format!("({},)", xs.join(", ")) };
        let _ = writeln!(
            out,
            "let {} = match (|| -> R<_> {{\n{body}Ok({})\n}})() {{ Ok(v) => v, Err(f) if !f.is_soft() => return Err(f), Err(_) => return Err(Fail::msg(0, {msg}){}) }};",
            tuple(&names),
            tuple(&views),
            named(fx)
        );
        for ((k, l), n) in new.into_iter().zip(names) {
            fx.locals.insert(k, Local { rust: n, kind: LocalKind::Owned, ..l });
        }
        Ok(())
    }

    // -----------------------------------------------------------------------------------------
    // The right side

    fn plan_rhs<'r>(&self, types: &Types, s: &Shape<'r>) -> Result<Plan<'r>, String> {
        let mut plan = Plan { keep: Keep::None, items: Vec::new() };
        // Which values stay where they are.
        let key = |e: &Exp| crate::ir_fmt::Printer::new(self.spec).exp(strip_sub(e));
        let lhs: Vec<String> = s.vals.iter().map(|v| key(v)).collect();
        // The values the right side starts with (also at the start of a context it enters).
        let mut stream = Vec::new();
        for it in &s.rhs {
            if self.is_value_item(types, it) {
                stream.push(key(it));
                continue;
            }
            if let Some(ci) = self.is_context(types, it) {
                let _ = ci;
                let ExpKind::Con { args, .. } = &it.kind else { break };
                let mut b = Vec::new();
                self.flatten(args.last().ok_or("a context without body")?, &mut b);
                for x in b {
                    if self.is_value_item(types, x) {
                        stream.push(key(x));
                    } else {
                        break;
                    }
                }
            }
            break;
        }
        if s.ctx.is_some() {
            // The values of the context left behind: keep a suffix of them.
            if s.lead_rest && lhs.len() == 1 && stream.first() == lhs.first() {
                plan.keep = Keep::All;
            } else {
                let n = lhs.len() - usize::from(s.lead_rest);
                let own: Vec<String> = lhs[usize::from(s.lead_rest)..].to_vec();
                let mut best = None;
                for k in (1..=n).rev() {
                    if own[n - k..] == stream[..k.min(stream.len())] && stream.len() >= k {
                        best = Some(k);
                        break;
                    }
                }
                plan.keep = match best {
                    Some(k) if k == n && !s.lead_rest => Keep::All,
                    Some(k) => Keep::Suffix(k),
                    None if n == 0 && !s.lead_rest => Keep::All,
                    None => Keep::None,
                };
            }
        } else {
            let mut k = 0;
            while k < lhs.len() && k < stream.len() && lhs[k] == stream[k] && !(k == 0 && s.lead_rest) {
                k += 1;
            }
            plan.keep = Keep::Prefix(k);
        }
        // Skip the kept values in the right side.
        let skip = match plan.keep {
            Keep::Prefix(k) | Keep::Suffix(k) => k,
            Keep::All => usize::MAX,
            Keep::None => 0,
        };
        let mut skipped = 0;
        for it in &s.rhs {
            if self.is_value_item(types, it) && skipped < skip && plan.items.iter().all(|x| matches!(x, RhsItem::Kept)) {
                if skip == usize::MAX || skipped < skip {
                    skipped += 1;
                    plan.items.push(RhsItem::Kept);
                    continue;
                }
            }
            if let Some(ci) = self.is_context(types, it) {
                plan.items.push(RhsItem::Enter(ci, it, if plan.items.iter().all(|x| matches!(x, RhsItem::Kept)) { skip.saturating_sub(skipped) } else { 0 }));
                skipped = skip;
                continue;
            }
            if self.is_value_item(types, it) && plan.items.iter().all(|x| matches!(x, RhsItem::Kept | RhsItem::Push(_))) {
                plan.items.push(RhsItem::Push(it));
            } else {
                plan.items.push(RhsItem::Schedule(it));
            }
        }
        Ok(plan)
    }

    /// The right side. With `replaces`, its one value replaces the top one, which the commit
    /// left of the operands.
    fn gen_rhs(&self, fx: &mut Fx<'_, '_>, types: &Types, plan: &Plan<'_>, replaces: bool, body: &mut String, commit: &mut String) -> Result<(), String> {
        let val_ty = Ty::Named(types.val, vec![]);
        let instr_ty = Ty::Named(types.instr, vec![]);
        let mut scheduled: Vec<String> = Vec::new(); // code of instruction lists, in order
        let mut after: Vec<String> = Vec::new();
        for it in &plan.items {
            match it {
                RhsItem::Kept => {}
                RhsItem::Push(e) => {
                    let (code, many) = self.rhs_values(fx, e, &val_ty)?;
                    // The one value of a rule that changes nothing before it pushes
                    // (`local.get`), made without a way to fail, is made after the stack has
                    // room, straight into its slot. Made first, a copy of a value was staged on
                    // the stack three times, to survive the calls that report a full stack or
                    // grow it.
                    let untouched = !commit.contains("m_.");
                    let infallible = !code.contains('?') && !code.contains("return");
                    if plan.items.len() == 1 && !many && untouched && infallible {
                        after.push(format!("wspec_runtime::machine::push_with(&mut m_.vals, m_.limits.max_values, || {code})?;\n"));
                        continue;
                    }
                    let t = fx.fresh("push");
                    let _ = writeln!(body, "let {t} = {code};");
                    if replaces {
                        after.push(format!("m_.replace_top({t});\n"));
                    } else if many {
                        after.push(format!("for v_ in {t} {{ m_.push(v_)?; }}\n"));
                    } else {
                        after.push(format!("m_.push({t})?;\n"));
                    }
                }
                RhsItem::Schedule(e) => {
                    let t = fx.fresh("code");
                    let code = self.rhs_instrs(fx, e, &instr_ty)?;
                    // One instruction is built where it is scheduled, first of all the changes:
                    // built beforehand and moved there, it was written in narrow pieces and
                    // read back in wide ones, which stalls. Being first, it may fail while it is
                    // built (an index out of range): the rule then stops before it has changed
                    // anything. Not in a rule that leaves a context, whose code it drops first.
                    let only = plan.items.iter().filter(|i| matches!(i, RhsItem::Schedule(_))).count() == 1;
                    let leaves = commit.contains("m_.leave(") || commit.contains("m_.discard_code(");
                    if let Some(instr) = code.strip_prefix("Code::One(").and_then(|c| c.strip_suffix(')')).filter(|_| only && !leaves) {
                        *commit = format!("m_.schedule_instr({instr});\n{commit}");
                        continue;
                    }
                    let _ = writeln!(body, "let {t} = {code};");
                    scheduled.push(t);
                }
                RhsItem::Enter(ci, e, keep) => {
                    // Instructions after the context run after it: schedule them first.
                    let mut enter = String::new();
                    self.gen_enter(fx, types, *ci, e, *keep, body, &mut enter)?;
                    after.push(format!("SCHEDULE_HERE\n{enter}"));
                }
            }
        }
        // Pushes happen in order; scheduled code goes before any context entered later.
        let sched_code: String = scheduled.iter().rev().map(|t| format!("m_.schedule_code(ar_, {t}.into());\n")).collect();
        let mut placed = false;
        for a in &after {
            if let Some(rest) = a.strip_prefix("SCHEDULE_HERE\n") {
                if !placed {
                    commit.push_str(&sched_code);
                    placed = true;
                }
                commit.push_str(rest);
            } else {
                commit.push_str(a);
            }
        }
        if !placed {
            commit.push_str(&sched_code);
        }
        Ok(())
    }

    /// Whether a value item of the right side is one value, not a list of them.
    fn single_value(&self, fx: &Fx<'_, '_>, e: &Exp) -> bool {
        match &strip_sub(e).kind {
            ExpKind::Iter(..) => false,
            ExpKind::Var(v) => !fx.locals.get(v).is_some_and(|l| l.dim > 0),
            _ => true,
        }
    }

    /// Code for values to push: one `Val`, or an iterator of them.
    fn rhs_values(&self, fx: &mut Fx<'_, '_>, e: &Exp, val_ty: &Ty) -> Result<(String, bool), String> {
        let inner = strip_sub(e);
        if let ExpKind::Iter(..) = &inner.kind {
            let t = Ty::Iter(Box::new(val_ty.clone()), IterKind::Star);
            return Ok((self.value_list(fx, inner, &t)?, true));
        }
        if let ExpKind::Var(v) = &inner.kind {
            if fx.locals.get(v).is_some_and(|l| l.dim > 0) {
                let t = Ty::Iter(Box::new(val_ty.clone()), IterKind::Star);
                return Ok((self.value_list(fx, inner, &t)?, true));
            }
        }
        Ok((fx.view_as(inner, val_ty)?, false))
    }

    fn value_list(&self, fx: &mut Fx<'_, '_>, e: &Exp, t: &Ty) -> Result<String, String> {
        // `x*` or `x^n` of a variable holding values of a type within `val`: its elements,
        // converted.
        if let ExpKind::Iter(b, spec) = &e.kind {
            let inner = strip_sub(b);
            if let (ExpKind::Var(v), None) = (&inner.kind, &spec.index) {
                if let Some(l) = fx.locals.get(v).cloned() {
                    if l.dim >= 1 {
                        let elems = fx.var_view(v, &l);
                        let el = self.seq_elem(t).map(|(x, _)| x).unwrap_or(Ty::Error);
                        let conv = fx.convert_elem("x", &l.ty, &el);
                        if conv == "x" {
                            return Ok(elems);
                        }
                        return Ok(format!("{elems}.into_iter().map(|x| -> R<_> {{ Ok({conv}) }}).collect::<R<Vec<_>>>()?"));
                    }
                }
            }
            // Otherwise the iteration itself, building values.
            let at_val = Exp { kind: ExpKind::Iter(Box::new(inner.clone()), spec.clone()), ty: t.clone(), span: e.span };
            return fx.view(&at_val);
        }
        if let ExpKind::Iter(b, spec) = &e.kind {
            if let (ExpKind::Var(v), None) = (&strip_sub(b).kind, &spec.count) {
                if let Some(l) = fx.locals.get(v) {
                    if l.kind == LocalKind::Slice {
                        return Ok(format!("{}.to_vec()", l.rust));
                    }
                }
            }
            if let (ExpKind::Var(v), Some(_)) = (&strip_sub(b).kind, &spec.count) {
                if let Some(l) = fx.locals.get(v) {
                    if l.kind == LocalKind::Slice {
                        return Ok(format!("{}.to_vec()", l.rust));
                    }
                }
            }
        }
        fx.view_as(e, t)
    }

    /// Code for a list of instructions (as something that derefs to `[Instr]`).
    fn rhs_instrs(&self, fx: &mut Fx<'_, '_>, e: &Exp, instr_ty: &Ty) -> Result<String, String> {
        let inner = strip_sub(e);
        if let Some(v) = code_var(inner) {
            if let Some(l) = fx.locals.get(v) {
                match l.kind {
                    LocalKind::Slice => return Ok(format!("Code::from_slice({})", l.rust)),
                    LocalKind::Ref if l.dim == 1 => return Ok(format!("(*{}).clone()", l.rust)),
                    _ => {}
                }
            }
        }
        let t = Ty::Iter(Box::new(instr_ty.clone()), IterKind::Star);
        // A literal of no instruction or one (a loop's continuation) needs no list.
        match &inner.kind {
            ExpKind::List(xs) if xs.is_empty() => return Ok("Code::Nil".into()),
            ExpKind::List(xs) if xs.len() == 1 => return Ok(format!("Code::One({})", fx.view_as(&xs[0], instr_ty)?)),
            _ => {}
        }
        if self.seq_elem(&e.ty).is_some() {
            return Ok(format!("Code::from_vec({})", fx.view_as(inner, &t)?));
        }
        Ok(format!("Code::One({})", fx.view_as(e, instr_ty)?))
    }

    /// Entering a context: its payload, its values, its code.
    #[allow(clippy::too_many_arguments)]
    fn gen_enter(&self, fx: &mut Fx<'_, '_>, types: &Types, ci: usize, e: &Exp, keep: usize, body: &mut String, commit: &mut String) -> Result<(), String> {
        let c = &types.contexts[ci];
        let ExpKind::Con { args, .. } = &e.kind else { return Err("a context that is not a constructor".into()) };
        let instr_ty = Ty::Named(types.instr, vec![]);
        let val_ty = Ty::Named(types.val, vec![]);
        let mut fields = Vec::new();
        let mut frame = None;
        for (k, a) in args[..args.len() - 1].iter().enumerate() {
            let st = &c.mixop.slots[k];
            let t = fx.fresh("cf");
            if self.seq_elem(st).is_some_and(|(el, _)| self.is_arena(&el)) {
                // Code that is the redex again (a loop's label) refers to it where it lies.
                let printer = crate::ir_fmt::Printer::new(self.spec);
                let again = |e: &Exp| fx.redex.as_deref() == Some(printer.exp(strip_sub(e)).as_str());
                let is_redex = match &strip_sub(a).kind {
                    ExpKind::List(xs) => xs.len() == 1 && again(&xs[0]),
                    _ => again(a),
                };
                if is_redex {
                    let _ = writeln!(body, "let {t}: Cont<Instr> = m_.redex_cont(ar_, redex_);");
                } else {
                    let code = self.rhs_instrs(fx, a, &instr_ty)?;
                    let _ = writeln!(body, "let {t}: Cont<Instr> = Cont::from({code});");
                }
                fields.push(t);
            } else {
                let code = fx.view_as(a, st)?;
                let _ = writeln!(body, "let {t} = {code};");
                if Some(k) == c.frame {
                    frame = Some(t.clone());
                    fields.push("saved_".to_string());
                } else {
                    fields.push(t);
                }
            }
        }
        // The body: values, then code.
        let mut items = Vec::new();
        self.flatten(args.last().ok_or("a context without body")?, &mut items);
        let mut k = 0;
        let mut pushes = String::new();
        let mut kept = 0;
        while k < items.len() && self.is_value_item(types, items[k]) {
            if kept < keep {
                kept += 1;
            } else {
                let (code, many) = self.rhs_values(fx, items[k], &val_ty)?;
                let t = fx.fresh("push");
                let _ = writeln!(body, "let {t} = {code};");
                if many {
                    let _ = writeln!(pushes, "for v_ in {t} {{ m_.push(v_)?; }}");
                } else {
                    let _ = writeln!(pushes, "m_.push({t})?;");
                }
            }
            k += 1;
        }
        let rest = &items[k..];
        // Code: one arena sequence, a nested context, or instructions.
        let mut seq = "None".to_string();
        let mut then = String::new();
        match rest {
            [] => {}
            [one] if self.is_context(types, one).is_some() => {
                let mut inner = String::new();
                self.gen_enter(fx, types, self.is_context(types, one).unwrap_or(0), one, 0, body, &mut inner)?;
                then.push_str(&inner);
            }
            [one] if code_var(strip_sub(one)).and_then(|v| fx.locals.get(v)).is_some_and(|l| l.kind == LocalKind::Handle) => {
                let v = code_var(strip_sub(one)).unwrap_or_default();
                let l = fx.locals.get(v).cloned().ok_or("lost variable")?;
                let code = l.rust.clone();
                let t = fx.fresh("seq");
                let _ = writeln!(body, "let {t}: Seq<Instr> = {code};");
                seq = format!("Some({t})");
            }
            _ => {
                for it in rest {
                    let code = self.rhs_instrs(fx, it, &instr_ty)?;
                    let t = fx.fresh("code");
                    let _ = writeln!(body, "let {t} = {code};");
                    then = format!("m_.schedule_code(ar_, {t}.into());\n{then}");
                }
            }
        }
        let ctx = format!("EvalCtx::{}({})", c.variant, fields.join(", "));
        if let Some(f) = frame {
            let (j, _) = types.frame_slot.ok_or("a frame context without a frame in the state")?;
            let _ = writeln!(commit, "let saved_ = std::mem::replace(&mut m_.state.{j}, {f});");
        }
        // Made by `enter` once nothing can fail, the context is stored field by field.
        let _ = writeln!(commit, "m_.enter(ar_, keep_, {seq}, || {ctx})?;");
        commit.push_str(&pushes);
        commit.push_str(&then);
        // Nested contexts keep nothing.
        let _ = writeln!(commit, "let keep_ = 0usize;\nlet _ = keep_;");
        Ok(())
    }

    // -----------------------------------------------------------------------------------------
    // State updates

    #[allow(clippy::too_many_arguments)]
    fn gen_state_update(&self, fx: &mut Fx<'_, '_>, info: &ExecInfo, zin: &Exp, zout: &Exp, body: &mut String, commit: &mut String) -> Result<(), String> {
        let p = crate::ir_fmt::Printer::new(self.spec);
        if p.exp(zin) == p.exp(zout) {
            return Ok(());
        }
        let mut steps = Vec::new();
        let mut e = zout;
        loop {
            match &e.kind {
                ExpKind::Call(d, args) if info.kind(self, *d) == DefKind::Updater && !args.is_empty() => {
                    steps.push((*d, &args[1..]));
                    e = &args[0];
                }
                _ => break,
            }
        }
        if p.exp(e) != p.exp(zin) {
            // Not an update of the state at hand: compute the new state.
            let code = fx.view(zout)?;
            let t = fx.fresh("state");
            let _ = writeln!(body, "let {t} = {code};");
            let _ = writeln!(commit, "m_.state = {t};");
            return Ok(());
        }
        for (d, args) in steps.iter().rev() {
            info.used_defs.borrow_mut().insert(*d);
            let def = &self.spec.defs[*d];
            let mut parts = Vec::new();
            for ((_, t), a) in def.params.iter().skip(1).zip(args.iter()) {
                let v = fx.fresh("arg");
                if self.is_number_list(t) {
                    // Borrowed by the update (see its parameters); the bytes a builtin gives
                    // stay as it gives them.
                    let code = match fx.builtin_list(a)? {
                        Some(raw) => raw,
                        None => fx.view_as(a, t)?,
                    };
                    let _ = writeln!(body, "let {v} = {code};");
                    parts.push(format!("&*{v}"));
                    continue;
                }
                let code = fx.view_as(a, t)?;
                let _ = writeln!(body, "let {v} = {code};");
                parts.push(v);
            }
            let rest: String = parts.iter().map(|x| format!(", {x}")).collect();
            let _ = writeln!(commit, "defs::{}(ar_, &mut m_.state{rest})?;", fn_name(&def.name));
        }
        Ok(())
    }

    // -----------------------------------------------------------------------------------------
    // The machine's view of the language

    /// Which instructions are values, and their values: each case's pattern, the pattern with
    /// its fields elided, and the value it builds.
    fn value_cases(&self, types: &Types) -> Vec<(String, String, String)> {
        let mut cases: Vec<(String, String, String)> = Vec::new();
        for (_, decl, inst, case, nargs) in self.leaf_cases_pub(types.val) {
            let Some(m) = self.mixop_of(decl, inst, case) else { continue };
            let Some((iw, (ictor, _), _, _)) = self.con_path(types.instr, &[], decl, inst, case, m, 0) else { continue };
            let Some((vw, (vctor, _), vowner, _)) = self.con_path(types.val, &[], decl, inst, case, m, 0) else { continue };
            let names: Vec<String> = (0..nargs).map(|k| format!("f{k}")).collect();
            let mut ip = if nargs == 0 { ictor } else { format!("{ictor}({})", names.join(", ")) };
            for w in iw.iter().rev() {
                ip = format!("{w}({ip})");
            }
            // Boxed fields on either side.
            let slots_of = |owner: TypeId| -> Vec<Ty> {
                self.case_index_in(owner, None, m).and_then(|i| self.mixop_of(owner, None, i)).map(|mm| mm.slots.clone()).unwrap_or_default()
            };
            let iowner = self.con_path(types.instr, &[], decl, inst, case, m, 0).map(|p| p.2).unwrap_or(types.instr);
            let (islots, vslots) = (slots_of(iowner), slots_of(vowner));
            let vargs: Vec<String> = names
                .iter()
                .enumerate()
                .map(|(k, n)| {
                    let ib = islots.get(k).is_some_and(|t| self.field_boxed(&self.repr(t), iowner));
                    let vb = vslots.get(k).is_some_and(|t| self.field_boxed(&self.repr(t), vowner));
                    let v = if ib { format!("(**{n}).clone()") } else { format!("{n}.clone()") };
                    if vb { format!("Box::new({v})") } else { v }
                })
                .collect();
            let mut vp = if nargs == 0 { vctor } else { format!("{vctor}({})", vargs.join(", ")) };
            for w in vw.iter().rev() {
                vp = format!("{w}({vp})");
            }
            let outer = iw.first().cloned().unwrap_or_else(|| ip.split('(').next().unwrap_or_default().to_string());
            let wild = if nargs == 0 && iw.is_empty() { outer } else { format!("{outer}(..)") };
            cases.push((ip, wild, vp));
        }
        cases
    }

    fn gen_lang(&self, out: &mut String, types: &Types, _info: &ExecInfo, _unit: &Unit) {
        let instr = &self.type_names[types.instr];
        let val = &self.type_names[types.val];
        let state = &self.type_names[types.state];
        // Leaving a frame context restores the frame around it.
        let _ = writeln!(out, "/// After leaving a context: a frame context gives the state back the frame around it.\n#[inline]\npub fn restore(m: &mut Machine<Wasm>, c: EvalCtx) {{");
        let mut any = false;
        if let Some((j, _)) = types.frame_slot {
            for c in &types.contexts {
                if let Some(k) = c.frame {
                    let n = c.mixop.slots.len() - 1;
                    let fields: Vec<String> = (0..n).map(|x| if x == k { "f".to_string() } else { "_".to_string() }).collect();
                    let _ = writeln!(out, "    if let EvalCtx::{}({}) = c {{ m.state.{j} = f; }}", c.variant, fields.join(", "));
                    any = true;
                }
            }
        }
        if !any {
            let _ = writeln!(out, "    let _ = (m, c);");
        }
        let _ = writeln!(out, "}}\n");
        // A final configuration as a result.
        if let Some(&rid) = self.spec.type_index.get("result") {
            let rname = &self.type_names[rid];
            let _ = writeln!(out, "/// What the values and the code left at the top of a finished run stand for (`result`).\npub fn result_of(vals: Vec<{val}>, rest: &[{instr}]) -> Option<{rname}> {{");
            let mut vals_case = None;
            let mut single = Vec::new();
            if let TypeBody::Variant(cases) = &self.spec.types[rid].body {
                for (i, c) in cases.iter().enumerate() {
                    let CaseKind::Con(m) = &c.kind else { continue };
                    let name = self.case_names.get(&(rid, None, i)).cloned().unwrap_or_default();
                    if m.slots.len() == 1 && self.value_type(types, &m.slots[0]) && self.seq_elem(&m.slots[0]).is_some() {
                        vals_case = Some(name);
                        continue;
                    }
                    if let Some((ws, (ctor, _), _, _)) = self.con_path(types.instr, &[], rid, None, i, m, 0) {
                        let binders: Vec<String> = (0..m.slots.len()).map(|k| format!("f{k}")).collect();
                        let mut p = if binders.is_empty() { ctor } else { format!("{ctor}({})", binders.join(", ")) };
                        for w in ws.iter().rev() {
                            p = format!("{w}({p})");
                        }
                        let e = if binders.is_empty() { format!("{rname}::{name}") } else { format!("{rname}::{name}({})", binders.iter().map(|b| format!("{b}.clone()")).collect::<Vec<_>>().join(", ")) };
                        single.push((p, e));
                    }
                }
            }
            if let Some(v) = vals_case {
                let _ = writeln!(out, "    if rest.is_empty() {{\n        return Some({rname}::{v}(vals));\n    }}");
            }
            self.gen_result_sequences(out, types, rid);
            let _ = writeln!(out, "    if !vals.is_empty() || rest.len() != 1 {{\n        return None;\n    }}\n    match &rest[0] {{");
            for (p, e) in single {
                let _ = writeln!(out, "        {p} => Some({e}),");
            }
            let _ = writeln!(out, "        _ => None,\n    }}\n}}\n");
        }
        let _ = writeln!(
            out,
            "/// The language of the spec, for the machine.\npub struct Wasm;\n\n\
             impl Lang for Wasm {{\n\
             \x20   type Instr = {instr};\n\
             \x20   type Val = {val};\n\
             \x20   type Context = EvalCtx;\n\
             \x20   type State = {state};\n\
             \x20   type Arena = Ctx;\n\
             \x20   #[inline]\n    fn instrs(ar: &Ctx) -> &wspec_runtime::Arena<{instr}> {{\n        &ar.instr\n    }}\n\
             \x20   #[inline]\n    fn step(m: &mut Machine<Self>, ar: &Ctx, i: &{instr}) -> RuleId {{\n        step(m, ar, i)\n    }}\n\
             \x20   #[inline]\n    fn step_kind(m: &mut Machine<Self>, ar: &Ctx, kind: u16, i: &{instr}) -> RuleId {{\n        HANDLERS[kind as usize & KIND_MASK](m, ar, i)\n    }}\n\
             \x20   #[inline]\n    fn exit(m: &mut Machine<Self>, ar: &Ctx) -> RuleId {{\n        exit(m, ar)\n    }}\n\
             \x20   #[inline]\n    fn rule_name(rule: RuleId) -> &'static str {{\n        RULE_NAMES.get(rule as usize).copied().unwrap_or(\"?\")\n    }}\n\
             }}\n"
        );
    }

    /// Results that a run leaves as several instructions (an uncaught exception is
    /// `(REF.EXN_ADDR a) THROW_REF`): read off the definition marked `hint(result)` (`$resultinstrs`),
    /// whose clauses say which instructions stand for which result. Leading values of a clause
    /// are matched against the values left, the other instructions against the code left.
    fn gen_result_sequences(&self, out: &mut String, types: &Types, rid: TypeId) {
        let Some(def) = self.spec.defs.iter().find(|d| has_hint(&d.hints, "result")) else { return };
        let rname = &self.type_names[rid];
        for clause in &def.clauses {
            let (Some(ExpKind::Con { ty, inst, case, args }), ExpKind::List(elems)) = (clause.args.first().map(|a| &a.kind), &clause.body.kind) else { continue };
            if *ty != rid || elems.len() < 2 {
                continue;
            }
            let Some(name) = self.case_names.get(&(rid, *inst, *case)) else { continue };
            let binders: Vec<String> = args.iter().filter_map(|a| if let ExpKind::Var(v) = &strip_sub(a).kind { Some(format!("f_{}", var_name(v))) } else { None }).collect();
            if binders.len() != args.len() {
                continue;
            }
            // The pattern of an element, as a value or as an instruction.
            let pattern = |e: &Exp, target: TypeId| -> Option<String> {
                let ExpKind::Con { ty, inst, case, args } = &strip_sub(e).kind else { return None };
                let m = self.mixop_of(*ty, *inst, *case)?;
                let (ws, (ctor, _), _, _) = self.con_path(target, &[], *ty, *inst, *case, m, 0)?;
                let fields: Option<Vec<String>> = args.iter().map(|a| if let ExpKind::Var(v) = &strip_sub(a).kind { Some(format!("f_{}", var_name(v))) } else { None }).collect();
                let fields = fields?;
                let mut p = if fields.is_empty() { ctor } else { format!("{ctor}({})", fields.join(", ")) };
                for w in ws.iter().rev() {
                    p = format!("{w}({p})");
                }
                Some(p)
            };
            let nvals = elems.iter().take_while(|e| pattern(e, types.val).is_some()).count();
            let vals: Option<Vec<String>> = elems[..nvals].iter().map(|e| pattern(e, types.val)).collect();
            let instrs: Option<Vec<String>> = elems[nvals..].iter().map(|e| pattern(e, types.instr)).collect();
            let (Some(vals), Some(instrs)) = (vals, instrs) else { continue };
            let result = format!("{rname}::{name}({})", binders.iter().map(|b| format!("{b}.clone()")).collect::<Vec<_>>().join(", "));
            let _ = writeln!(
                out,
                "    if let ([{}], [{}]) = (vals.as_slice(), rest) {{\n        return Some({result});\n    }}",
                vals.join(", "),
                instrs.join(", ")
            );
        }
    }

    // -----------------------------------------------------------------------------------------
    // Definitions and relations used by the rules

    fn gen_exec_defs(&self, out: &mut String, info: &ExecInfo, unit: &Unit) {
        let mut done_d: BTreeSet<DefId> = BTreeSet::new();
        let mut done_r: BTreeSet<RelId> = BTreeSet::new();
        let mut done_f: BTreeSet<DefId> = BTreeSet::new();
        let mut done_l: BTreeSet<DefId> = BTreeSet::new();
        let mut defs_code = String::new();
        let mut rels_code = String::new();
        loop {
            let todo_d: Vec<DefId> = info.used_defs.borrow().iter().copied().filter(|d| !done_d.contains(d)).collect();
            let todo_r: Vec<RelId> = info.used_rels.borrow().iter().copied().filter(|r| !done_r.contains(r)).collect();
            let todo_f: Vec<DefId> = info.used_first.borrow().iter().copied().filter(|d| !done_f.contains(d)).collect();
            let todo_l: Vec<DefId> = info.used_lengths.borrow().iter().copied().filter(|d| !done_l.contains(d)).collect();
            if todo_d.is_empty() && todo_r.is_empty() && todo_f.is_empty() && todo_l.is_empty() {
                break;
            }
            for d in todo_l {
                done_l.insert(d);
                match self.gen_exec_lengths(d, info, unit) {
                    Ok(c) => defs_code.push_str(&super::tidy::tidy(&c)),
                    Err(msg) => self.error(self.spec.defs[d].span, format!("definition `${}`: {msg}", self.spec.defs[d].name)),
                }
            }
            for d in todo_f {
                done_f.insert(d);
                match self.gen_exec_first(d, info, unit) {
                    Ok(c) => defs_code.push_str(&c),
                    Err(msg) => self.error(self.spec.defs[d].span, format!("definition `${}`: {msg}", self.spec.defs[d].name)),
                }
            }
            for d in todo_d {
                done_d.insert(d);
                match self.gen_exec_def(d, info, unit) {
                    Ok(c) => defs_code.push_str(&super::tidy::tidy(&c)),
                    Err(msg) => self.error(self.spec.defs[d].span, format!("definition `${}`: {msg}", self.spec.defs[d].name)),
                }
            }
            for r in todo_r {
                done_r.insert(r);
                match self.gen_exec_rel(r, info, unit) {
                    Ok(c) => rels_code.push_str(&super::tidy::tidy(&c)),
                    Err(msg) => self.error(self.spec.relations[r].span, format!("relation `{}`: {msg}", self.spec.relations[r].name)),
                }
            }
        }
        let _ = writeln!(out, "/// Definitions of the spec that the rules use.\n#[allow(unused_variables, unused_parens, unreachable_patterns, clippy::all)]\npub mod defs {{\n    use super::*;\n");
        out.push_str(&indent(&defs_code));
        let _ = writeln!(out, "}}\n");
        let _ = writeln!(out, "/// Relations of the spec that the rules use as premises, as functions from inputs to outputs.\n#[allow(unused_variables, unused_parens, unreachable_patterns, clippy::all)]\npub mod rels {{\n    use super::*;\n");
        out.push_str(&indent(&rels_code));
        let _ = writeln!(out, "}}\n");
    }

    /// Code for the first element (`Option`) of a call of a definition of a set, if `e` is one.
    fn first_call(&self, fx: &Fx<'_, '_>, info: &ExecInfo, e: &Exp) -> Result<Option<String>, String> {
        let ExpKind::Call(d, args) = &strip_sub(e).kind else { return Ok(None) };
        let def = &self.spec.defs[*d];
        if !matches!(self.expand(&def.result), Ty::Iter(_, IterKind::Star)) || !def.type_params.is_empty() {
            return Ok(None);
        }
        let mut parts = Vec::new();
        if let Some(b) = def.builtin.as_ref().filter(|_| self.builtin_usable(*d)) {
            if !has_hint(&def.hints, "choice") {
                return Ok(None);
            }
            for ((_, t), a) in def.params.iter().zip(args) {
                parts.push(fx.view_as(a, t)?);
            }
            return Ok(Some(format!("wspec_runtime::builtins::{}({})", fn_name(b), parts.join(", "))));
        }
        if info.kind(self, *d) != DefKind::Plain {
            return Ok(None);
        }
        info.used_first.borrow_mut().insert(*d);
        for ((_, t), a) in def.params.iter().zip(args) {
            parts.push(fx.arg(a, t)?);
        }
        Ok(Some(format!("defs::{}_first(ar_{})?", fn_name(&def.name), lead(&parts))))
    }

    /// Code for the first element (`Option<T>`) of a set-valued expression `e` of type `T*`.
    fn first_code(&self, fx: &Fx<'_, '_>, info: &ExecInfo, e: &Exp, elem: &Ty) -> Result<String, String> {
        match &e.kind {
            ExpKind::Sub(x, _) if self.seq_elem(&x.ty).is_none() => Ok(format!("Some({})", fx.view_as(x, elem)?)),
            ExpKind::Sub(x, _) => {
                let Some((xe, _)) = self.seq_elem(&x.ty) else { return Err("lost sequence".into()) };
                let inner = match self.first_call(fx, info, x)? {
                    Some(c) => c,
                    None => match self.seq_elem(&x.ty) {
                        Some((_, IterKind::Opt)) => fx.view(x)?,
                        _ => format!("{}.into_iter().next()", fx.view(x)?),
                    },
                };
                let conv = fx.convert_elem("x", &xe, elem);
                if conv == "x" {
                    return Ok(inner);
                }
                Ok(format!("(match {inner} {{ Some(x) => Some({conv}), None => None }})"))
            }
            ExpKind::List(xs) if xs.is_empty() => Ok("None".into()),
            ExpKind::List(xs) => Ok(format!("Some({})", fx.view_as(&xs[0], elem)?)),
            ExpKind::Call(..) => match self.first_call(fx, info, e)? {
                Some(c) => Ok(c),
                None => Ok(format!("{}.into_iter().next()", fx.view(e)?)),
            },
            _ => Ok(format!("{}.into_iter().next()", fx.view(e)?)),
        }
    }

    fn gen_exec_first(&self, id: DefId, info: &ExecInfo, unit: &Unit) -> Result<String, String> {
        let d = &self.spec.defs[id];
        let mut probe = Fx::new(self, unit, d.span);
        probe.exec = Some(info);
        let elem = self.seq_elem(&d.result).map(|(e, _)| e).ok_or("not a set")?;
        let mut out = String::new();
        let _ = writeln!(out, "{} def ${} (its first element)", self.origin(d.span), d.name);
        let params: Vec<String> = d.params.iter().enumerate().map(|(i, (_, t))| format!("a{i}: {}", self.param_type(&probe, t))).collect();
        let name = format!("{}_first", fn_name(&d.name));
        let ret = format!("R<Option<{}>>", probe.view_type(&elem));
        let inlined = info.inlined.borrow().contains(&name);
        if inlined {
            let _ = writeln!(out, "#[inline(always)]");
        }
        let _ = writeln!(out, "pub fn {name}(ar_: &Ctx{}) -> {ret} {{", lead(&params));
        let mut cs = Vec::new();
        for c in &d.clauses {
            let mut body = String::new();
            let fx = self.clause_fx(unit, info, d, c, &mut body)?;
            let value = self.first_code(&fx, info, &c.body, &elem)?;
            cs.push((String::new(), body, value));
        }
        let (sig, args) = clause_signature(&params, &ret);
        out.push_str(&clauses(&cs, inlined.then_some((sig.as_str(), args.as_str()))));
        let _ = writeln!(out, "    Err(Fail::soft())\n}}\n");
        Ok(out)
    }

    /// A premise `C(x_1^m, ..) = $f(..)` whose lists nothing else in the rule uses, only their
    /// lengths (`(t_1^m -> t_2^n) = $blocktype_(z, bt)` at every block entry): the lengths are
    /// computed without building the lists (see [`Gen::gen_exec_lengths`]). Says whether it
    /// wrote the premise so.
    fn lengths_premise(&self, fx: &mut Fx<'_, '_>, info: &ExecInfo, pat: &Exp, val: &Exp, out: &mut String) -> Result<bool, String> {
        if fx.redex.is_none() {
            return Ok(false);
        }
        let ExpKind::Call(d, args) = &strip_sub(val).kind else { return Ok(false) };
        let def = &self.spec.defs[*d];
        let plain = info.kind(self, *d) == DefKind::Plain && def.builtin.is_none() && def.type_params.is_empty() && !has_hint(&def.hints, "memo");
        let ExpKind::Con { ty, case, args: pargs, .. } = &strip_sub(pat).kind else { return Ok(false) };
        let same_shape = |c: &Clause| matches!(&strip_sub(&c.body).kind, ExpKind::Con { ty: t, case: k, args: a, .. } if t == ty && k == case && a.len() == pargs.len());
        if !plain || def.clauses.is_empty() || !def.clauses.iter().all(same_shape) {
            return Ok(false);
        }
        // Each part is `eps` (`None`: the length must be 0) or `x^n` of an unused `x` (its
        // iteration: `n` is bound to the length or checked against it, as any count).
        let mut parts: Vec<Option<&IterSpec>> = Vec::new();
        for p in pargs {
            let part = match &strip_sub(p).kind {
                ExpKind::List(xs) if xs.is_empty() => None,
                ExpKind::Iter(body, spec) => {
                    let ExpKind::Var(x) = &body.kind else { return Ok(false) };
                    let unused = fx.once.contains(x) && !fx.locals.contains_key(x);
                    let count_known = spec.count.as_deref().is_none_or(|c| matches!(c.kind, ExpKind::Var(_)) || mentioned_vars(c).iter().all(|v| fx.locals.contains_key(v)));
                    if spec.vars.as_slice() != std::slice::from_ref(x) || spec.index.is_some() || !unused || !count_known {
                        return Ok(false);
                    }
                    Some(spec)
                }
                _ => return Ok(false),
            };
            parts.push(part);
        }
        info.used_lengths.borrow_mut().insert(*d);
        let mut cargs = Vec::new();
        for ((_, t), a) in def.params.iter().zip(args) {
            cargs.push(fx.arg(a, t)?);
        }
        let v = fx.fresh("lens");
        let _ = writeln!(out, "let {v} = defs::{}_lengths(ar_{})?;", fn_name(&def.name), lead(&cargs));
        for (k, part) in parts.iter().enumerate() {
            match part {
                None => {
                    let _ = writeln!(out, "wspec_runtime::check({v}[{k}] == 0)?;");
                }
                Some(spec) => fx.bind_length(spec, &format!("{v}[{k}]"), out)?,
            }
        }
        Ok(true)
    }

    /// The lengths of the lists a definition's value is made of, by the same clauses: for
    /// [`Gen::lengths_premise`].
    fn gen_exec_lengths(&self, id: DefId, info: &ExecInfo, unit: &Unit) -> Result<String, String> {
        let d = &self.spec.defs[id];
        let mut probe = Fx::new(self, unit, d.span);
        probe.exec = Some(info);
        let mut out = String::new();
        let _ = writeln!(out, "{} def ${} (the lengths of its lists)", self.origin(d.span), d.name);
        let params: Vec<String> = d.params.iter().enumerate().map(|(i, (_, t))| format!("a{i}: {}", self.param_type(&probe, t))).collect();
        let name = format!("{}_lengths", fn_name(&d.name));
        let Some(ExpKind::Con { args, .. }) = d.clauses.first().map(|c| &strip_sub(&c.body).kind) else { return Err("no clause makes a constructor".into()) };
        let ret = format!("R<[usize; {}]>", args.len());
        let _ = writeln!(out, "pub fn {name}(ar_: &Ctx{}) -> {ret} {{", lead(&params));
        let mut cs = Vec::new();
        for c in &d.clauses {
            let mut body = String::new();
            let fx = self.clause_fx(unit, info, d, c, &mut body)?;
            let ExpKind::Con { args, .. } = &strip_sub(&c.body).kind else { return Err("a clause that does not make a constructor".into()) };
            let lens = args.iter().map(|a| self.len_code(&fx, a)).collect::<Result<Vec<_>, _>>()?;
            cs.push((format!("    {}\n", self.origin(c.span)), body, format!("[{}]", lens.join(", "))));
        }
        out.push_str(&clauses(&cs, None));
        let _ = writeln!(out, "    Err(Fail::soft())\n}}\n");
        Ok(out)
    }

    /// Code for the length of a list-valued expression, without building the list.
    fn len_code(&self, fx: &Fx<'_, '_>, e: &Exp) -> Result<String, String> {
        let e = strip_sub(e);
        match &e.kind {
            ExpKind::List(xs) => Ok(format!("{}usize", xs.len())),
            ExpKind::Cat(parts) => {
                let lens = parts.iter().map(|p| self.len_code(fx, p)).collect::<Result<Vec<_>, _>>()?;
                Ok(format!("({})", lens.join(" + ")))
            }
            _ => {
                // `t?` used as a list is typed as the list, but held as an option.
                let held = match &e.kind {
                    ExpKind::Iter(body, spec) if spec.kind == IterKind::Opt => Exp { ty: Ty::Iter(Box::new(body.ty.clone()), IterKind::Opt), ..e.clone() },
                    _ => e.clone(),
                };
                match self.seq_elem(&held.ty) {
                    None => Ok("1usize".into()),
                    Some((_, IterKind::Opt)) => Ok(format!("usize::from(({}).is_some())", fx.arg(&held, &held.ty)?)),
                    Some(_) => Ok(format!("({}).len()", fx.arg(&held, &held.ty)?)),
                }
            }
        }
    }

    /// Binds a parameter's pattern: handles of arena sequences as handles, `Copy` values by
    /// value, others in place.
    fn bind_param(&self, fx: &mut Fx<'_, '_>, a: &Exp, t: &Ty, name: &str, body: &mut String) -> Result<(), String> {
        if fx.bind_handle(a, t, &format!("{name}.clone()"), body) {
            return Ok(());
        }
        if self.is_copy(&self.repr(t), &mut HashSet::new()) {
            fx.pattern(a, name, body)
        } else if !fx.differs(t) && self.is_number_list(t) {
            // Passed as a slice (`param_type`): `b*` names it as one.
            if let ExpKind::Iter(inner, spec) = &a.kind {
                if let (ExpKind::Var(v), None, false) = (&inner.kind, &spec.index, spec.kind == IterKind::Opt) {
                    if !fx.locals.contains_key(v) {
                        fx.bind_count(spec, name, body)?;
                        let rust = fx.bind(v, inner.ty.clone(), 1);
                        let _ = writeln!(body, "let {rust} = {name};");
                        fx.bind_kind(v, inner.ty.clone(), 1, LocalKind::Slice, rust);
                        return Ok(());
                    }
                }
            }
            fx.pattern_ref(a, t, name, body)
        } else {
            fx.pattern_ref(a, t, name, body)
        }
    }

    /// Parameters of definitions: `Copy` values by value, others by reference; arena sequences
    /// (and lists of them) as their handles.
    fn param_type(&self, fx: &Fx<'_, '_>, t: &Ty) -> String {
        let ty = if fx.differs(t) { fx.store_type(t) } else { fx.view_type(t) };
        if self.is_copy(&self.repr(t), &mut HashSet::new()) {
            ty
        } else if !fx.differs(t) && self.is_number_list(t) {
            // Borrowed as a slice, so that a caller can pass part of a memory without a copy.
            format!("&[{}]", ty.strip_prefix("Vec<").and_then(|x| x.strip_suffix('>')).unwrap_or(&ty))
        } else {
            format!("&{ty}")
        }
    }

    fn gen_exec_def(&self, id: DefId, info: &ExecInfo, unit: &Unit) -> Result<String, String> {
        let d = &self.spec.defs[id];
        if std::env::var_os("WSPEC_DEBUG_DEFS").is_some() {
            eprintln!("def ${} {:?}", d.name, info.kind(self, id));
        }
        let kind = info.kind(self, id);
        let mut probe = Fx::new(self, unit, d.span);
        probe.exec = Some(info);
        let mut out = String::new();
        let _ = writeln!(out, "{} def ${}", self.origin(d.span), d.name);
        let name = fn_name(&d.name);
        // A builtin over generated types is provided by the embedder at run time.
        if d.builtin.is_some() && !self.builtin_usable(id) && d.clauses.is_empty() {
            let params: Vec<String> = d.params.iter().map(|(_, t)| self.param_type(&probe, t)).collect();
            let named: Vec<String> = params.iter().enumerate().map(|(i, t)| format!("a{i}: {t}")).collect();
            let args: Vec<String> = (0..params.len()).map(|i| format!("a{i}")).collect();
            let hook = format!("{}_HOOK", name.to_uppercase());
            let sig = format!("dyn FnMut({}) -> Option<{}>", params.join(", "), probe.view_type(&d.result));
            let _ = writeln!(out, "thread_local! {{\n    static {hook}: std::cell::RefCell<Option<Box<{sig}>>> = std::cell::RefCell::new(None);\n}}\n");
            let _ = writeln!(out, "/// Provides `${}`, which the embedder implements.\npub fn set_{name}(f: Box<{sig}>) {{\n    {hook}.with(|h| *h.borrow_mut() = Some(f));\n}}\n", d.name);
            let _ = writeln!(
                out,
                "pub fn {name}(ar_: &Ctx{}) -> R<{}> {{\n    {hook}.with(|h| match h.borrow_mut().as_mut() {{\n        Some(f) => wspec_runtime::ok(f({})),\n        None => Err(Fail::msg(0, \"the embedder provides no `${}`\")),\n    }})\n}}\n",
                lead(&named),
                probe.view_type(&d.result),
                args.join(", "),
                d.name
            );
            return Ok(out);
        }
        match kind {
            DefKind::Updater => {
                let c = &d.clauses[0];
                let mut params = vec!["ar_: &Ctx".to_string(), format!("a0: &mut {}", probe.view_type(&d.params[0].1))];
                for (i, (_, t)) in d.params.iter().enumerate().skip(1) {
                    // Lists of numbers borrowed, as by other definitions (the bytes a store
                    // writes need not be a list of their own).
                    let ty = if self.is_number_list(t) { self.param_type(&probe, t) } else { probe.view_type(t) };
                    params.push(format!("a{i}: {ty}"));
                }
                let _ = writeln!(out, "pub fn {name}({}) -> R<()> {{", params.join(", "));
                let mut fx = Fx::new(self, unit, c.span);
                fx.exec = Some(info);
                fx.ctx = Some("ar_".into());
                let mut body = String::new();
                if !bind_param_place(&mut fx, &c.args[0], &d.params[0].1, "(*a0)") {
                    return Err("the first parameter of an update must be a variable or a constructor of variables".into());
                }
                for (i, (a, (_, t))) in c.args.iter().zip(&d.params).enumerate().skip(1) {
                    if self.is_number_list(t) {
                        self.bind_param(&mut fx, a, t, &format!("a{i}"), &mut body)?;
                    } else {
                        fx.pattern(a, &format!("a{i}"), &mut body)?;
                    }
                }
                // The new values are taken by value: what the body names once may move.
                fx.movable = super::rust::used_once(&c.body);
                self.gen_update_body(&mut fx, &c.body, "(*a0)", &mut body)?;
                out.push_str(&indent(&body));
                let _ = writeln!(out, "    Ok(())\n}}\n");
            }
            DefKind::Inline | DefKind::Accessor => {
                let params: Vec<String> = d.params.iter().enumerate().map(|(i, (_, t))| {
                    let pt = self.param_type(&probe, t);
                    format!("a{i}: {}", pt.replacen('&', "&'a ", 1))
                }).collect();
                let _ = writeln!(out, "pub fn {name}<'a>(ar_: &'a Ctx, {}) -> R<&'a {}> {{", params.join(", "), probe.view_type(&d.result));
                for c in &d.clauses {
                    let mut body = String::new();
                    let fx = self.clause_fx(unit, info, d, c, &mut body)?;
                    let place = fx.place(&c.body)?.ok_or("an accessor whose body is not a place")?;
                    let _ = writeln!(out, "    {}", self.origin(c.span));
                    let _ = writeln!(out, "    if let Some(v) = wspec_runtime::machine::attempt((|| -> R<&'a _> {{\n{}        Ok(&{place})\n    }})())? {{ return Ok(v); }}", indent(&indent(&body)));
                }
                let _ = writeln!(out, "    Err(Fail::soft())\n}}\n");
            }
            DefKind::Plain => {
                let params: Vec<String> = d.params.iter().enumerate().map(|(i, (_, t))| format!("a{i}: {}", self.param_type(&probe, t))).collect();
                let tparams = if d.type_params.is_empty() { String::new() } else { format!("<{}>", d.type_params.iter().map(|p| format!("{p}: Clone + PartialEq")).collect::<Vec<_>>().join(", ")) };
                let ret = probe.view_type(&d.result);
                // `hint(memo)`: results remembered per shared argument (the expansion of a type
                // at every call), keyed by the argument's identity. Each entry holds the
                // argument, so that its address cannot be reused by another value.
                let name = if has_hint(&d.hints, "memo") {
                    let key = if d.params.len() == 1 && d.type_params.is_empty() { self.memo_key(&d.params[0].1) } else { None };
                    let Some((key_ty, key)) = key else {
                        return Err(format!("`hint(memo)` on `${}` needs exactly one parameter of a shared type (`hint(shared)`), or of a constructor of one and numbers", d.name));
                    };
                    let arg = params[0].trim_start_matches("a0: ").to_string();
                    let owned = arg.trim_start_matches('&').to_string();
                    let memo = format!("MEMO_{}", name.to_uppercase());
                    let code = [
                        "thread_local! {".to_string(),
                        format!("    static {memo}: std::cell::RefCell<wspec_runtime::memo::Memo<{key_ty}, ({owned}, {ret})>> = const {{ std::cell::RefCell::new(wspec_runtime::memo::Memo::new()) }};"),
                        "}\n".to_string(),
                        format!("pub fn {name}(ar_: &Ctx, a0: {arg}) -> R<{ret}> {{"),
                        format!("    let key_ = {key};"),
                        format!("    if let Some(v) = {memo}.with(|m| m.borrow_mut().lookup(&key_).map(|e| e.1.clone())) {{"),
                        "        return Ok(v);".to_string(),
                        "    }".to_string(),
                        format!("    let v = {name}_unmemoized(ar_, a0)?;"),
                        // Each entry holds the argument, so that its address is not reused.
                        format!("    {memo}.with(|m| m.borrow_mut().insert(key_, (a0.clone(), v.clone())));"),
                        "    Ok(v)".to_string(),
                        "}\n".to_string(),
                    ];
                    let _ = writeln!(out, "{}", code.join("\n"));
                    format!("{name}_unmemoized")
                } else {
                    name.clone()
                };
                let recursive = self.def_recursive(id);
                // Inlined as the rules of specialised groups want it (see `ExecInfo::inlined`).
                let inlined = tparams.is_empty() && !recursive && !has_hint(&d.hints, "memo") && info.inlined.borrow().contains(&name);
                if inlined {
                    let _ = writeln!(out, "#[inline(always)]");
                }
                let _ = writeln!(out, "pub fn {name}{tparams}(ar_: &Ctx{}) -> R<{ret}> {{", lead(&params));
                if recursive {
                    let _ = writeln!(out, "    wspec_runtime::deep(|| -> R<_> {{");
                }
                let mut cs = Vec::new();
                for c in &d.clauses {
                    let mut body = String::new();
                    let mut fx = self.clause_fx(unit, info, d, c, &mut body)?;
                    // The value is computed last: what it names once it may move.
                    fx.movable = super::rust::used_once(&c.body);
                    let value = fx.view_as(&c.body, &d.result)?;
                    cs.push((format!("    {}\n", self.origin(c.span)), body, value));
                }
                let (sig, args) = clause_signature(&params, &format!("R<{ret}>"));
                out.push_str(&clauses(&cs, inlined.then_some((sig.as_str(), args.as_str()))));
                let _ = writeln!(out, "    Err(Fail::soft())");
                if recursive {
                    let _ = writeln!(out, "    }})");
                }
                let _ = writeln!(out, "}}\n");
            }
        }
        Ok(out)
    }

    /// How `hint(memo)` keys its argument of type `t` by identity (the key's type and code):
    /// a shared value by its address; a constructor of a shared value and numbers (a defined
    /// type, `_DEF rectype n`) by that address and the numbers.
    fn memo_key(&self, t: &Ty) -> Option<(String, String)> {
        const ADDR: &str = "std::rc::Rc::as_ptr({}) as *const () as usize";
        match self.repr(t) {
            super::Repr::Shared(_) => Some(("usize".into(), ADDR.replace("{}", "a0"))),
            super::Repr::Named(_, id) => {
                let TypeBody::Variant(cases) = &self.spec.types[id].body else { return None };
                let CaseKind::Con(m) = &cases.first()?.kind else { return None };
                if !self.variant_is_struct(cases) || self.is_shared(id) {
                    return None;
                }
                let (first, rest) = m.slots.split_first()?;
                if !matches!(self.repr(first), super::Repr::Shared(_)) {
                    return None;
                }
                let mut tys = vec!["usize".to_string()];
                let mut parts = vec![ADDR.replace("{}", "&a0.0")];
                for (k, st) in rest.iter().enumerate() {
                    let r = self.repr(st);
                    r.int()?;
                    tys.push(r.rust());
                    parts.push(format!("a0.{}", k + 1));
                }
                Some((format!("({})", tys.join(", ")), format!("({})", parts.join(", "))))
            }
            _ => None,
        }
    }

    /// The code of one clause of a definition up to its value: the parameters `a0`, `a1`, ...
    /// matched against the clause's patterns and its premises run, into `body`.
    fn clause_fx<'g>(&'g self, unit: &'g Unit, info: &'g ExecInfo, d: &Def, c: &Clause, body: &mut String) -> Result<Fx<'g, 'g>, String> {
        let mut fx = Fx::new(self, unit, c.span);
        fx.exec = Some(info);
        fx.ctx = Some("ar_".into());
        for (i, (a, (_, t))) in c.args.iter().zip(&d.params).enumerate() {
            self.bind_param(&mut fx, a, t, &format!("a{i}"), body)?;
        }
        self.gen_clause_premises(&mut fx, info, c, body)?;
        Ok(fx)
    }

    fn gen_clause_premises(&self, fx: &mut Fx<'_, '_>, info: &ExecInfo, c: &Clause, body: &mut String) -> Result<(), String> {
        let mut premises: Vec<&Premise> = c.premises.iter().collect();
        while !premises.is_empty() {
            let k = premises.iter().position(|p| self.exec_premise_ready(fx, p)).ok_or_else(|| {
                format!("a premise needs variables nothing binds ({})", crate::ir_fmt::Printer::new(self.spec).premise(premises[0]))
            })?;
            let p = premises.remove(k);
            self.gen_exec_premise(fx, info, p, body)?;
        }
        Ok(())
    }

    fn gen_update_body(&self, fx: &mut Fx<'_, '_>, e: &Exp, root: &str, out: &mut String) -> Result<(), String> {
        match &e.kind {
            ExpKind::Var(_) if fx.place(e)?.as_deref() == Some(root) => Ok(()),
            ExpKind::Update(target, path, op, v) => {
                // A list of numbers spliced in is only read: borrowed where it is.
                let borrowed = matches!(path.last(), Some(Path::Slice(..))) && self.is_number_list(&v.ty);
                let value = if borrowed { fx.arg(v, &v.ty)? } else { fx.view(v)? };
                let nv = fx.fresh("nv");
                let _ = writeln!(out, "let {nv} = {value};");
                // Indices first, before the place is borrowed.
                let mut idx = Vec::new();
                for p in path {
                    match p {
                        Path::Index(i) => {
                            let t = fx.fresh("ix");
                            let _ = writeln!(out, "let {t} = {};", fx.wide(i)?);
                            idx.push(Some((t, None)));
                        }
                        Path::Slice(i, n) => {
                            let t = fx.fresh("ix");
                            let u = fx.fresh("len");
                            let _ = writeln!(out, "let {t} = {};\nlet {u} = {};", fx.wide(i)?, fx.wide(n)?);
                            idx.push(Some((t, Some(u))));
                        }
                        Path::Field(_) => idx.push(None),
                    }
                }
                let mut place = fx.place_mut(target)?.ok_or("an update of something that is not a place")?;
                let mut ty = target.ty.clone();
                let last = path.len().saturating_sub(1);
                for (k, (p, ix)) in path.iter().zip(&idx).enumerate() {
                    match (p, ix) {
                        (Path::Field(f), _) => {
                            let Ty::Named(owner, _) = self.expand(&ty) else { return Err("a field of a non-record".into()) };
                            let TypeBody::Record(fields) = &self.spec.types[owner].body else { return Err("a field of a non-record".into()) };
                            let fd = fields.iter().find(|x| &x.name == f).ok_or("unknown field")?;
                            if self.is_shared(owner) {
                                place = format!("std::rc::Rc::make_mut(&mut {place})");
                            }
                            place = format!("{place}.{}", field_name(f));
                            if self.field_boxed(&self.repr(&fd.ty), owner) {
                                place = format!("(*{place})");
                            }
                            ty = fd.ty.clone();
                        }
                        (Path::Index(_), Some((t, None))) => {
                            place = format!("(*wspec_runtime::seq::at_mut(&mut {place}, {t})?)");
                            ty = self.seq_elem(&ty).map(|(e, _)| e).ok_or("an index into a non-sequence")?;
                        }
                        (Path::Slice(..), Some((t, Some(u)))) if k == last => {
                            let splice = if borrowed { "splice_from" } else { "splice" };
                            let _ = writeln!(out, "wspec_runtime::seq::{splice}(&mut {place}, {t}, {u}, {nv})?;");
                            return Ok(());
                        }
                        _ => return Err("a slice in the middle of an update path".into()),
                    }
                }
                match op {
                    crate::ast::UpdateOp::Replace => {
                        let _ = writeln!(out, "{place} = {nv};");
                    }
                    crate::ast::UpdateOp::Extend => {
                        let _ = writeln!(out, "{place}.extend({nv});");
                    }
                }
                Ok(())
            }
            ExpKind::Con { ty, args, .. } if struct_like(self, *ty) => {
                for (k, a) in args.iter().enumerate() {
                    let comp = format!("{root}.{k}");
                    if fx.place(a)?.as_deref() == Some(comp.as_str()) {
                        continue;
                    }
                    if let ExpKind::Update(..) = &a.kind {
                        self.gen_update_body(fx, a, &comp, out)?;
                        continue;
                    }
                    let value = fx.view(a)?;
                    let t = fx.fresh("nc");
                    let _ = writeln!(out, "let {t} = {value};\n{comp} = {t};");
                }
                Ok(())
            }
            _ => {
                let value = fx.view(e)?;
                let t = fx.fresh("nv");
                let _ = writeln!(out, "let {t} = {value};\n{root} = {t};");
                Ok(())
            }
        }
    }

    fn def_recursive(&self, id: DefId) -> bool {
        fn calls(e: &Exp, out: &mut Vec<DefId>) {
            crate::ir::visit_exp(e, &mut |x| {
                if let ExpKind::Call(d, _) = &x.kind {
                    out.push(*d);
                }
            });
        }
        let mut seen = HashSet::new();
        let mut stack = vec![id];
        let mut first = true;
        while let Some(d) = stack.pop() {
            if !first && d == id {
                return true;
            }
            first = false;
            if !seen.insert(d) {
                continue;
            }
            let def = &self.spec.defs[d];
            if def.builtin.is_some() {
                continue;
            }
            let mut next = Vec::new();
            for c in &def.clauses {
                calls(&c.body, &mut next);
                for p in &c.premises {
                    crate::ir::visit_premise(p, &mut |x| {
                        if let ExpKind::Call(d, _) = &x.kind {
                            next.push(*d);
                        }
                    });
                }
            }
            for n in next {
                if n == id {
                    return true;
                }
                stack.push(n);
            }
        }
        false
    }

    /// A relation as a function from its inputs to its outputs: the first rule that applies.
    fn gen_exec_rel(&self, id: RelId, info: &ExecInfo, unit: &Unit) -> Result<String, String> {
        let r = &self.spec.relations[id];
        let mut probe = Fx::new(self, unit, r.span);
        probe.exec = Some(info);
        let mut out = String::new();
        let ins: Vec<(usize, &Ty)> = r.notation.slots.iter().enumerate().filter(|(k, _)| r.modes[*k] == Mode::In).collect();
        let outs: Vec<(usize, &Ty)> = r.notation.slots.iter().enumerate().filter(|(k, _)| r.modes[*k] != Mode::In).collect();
        let params: Vec<String> = ins.iter().map(|(k, t)| format!("a{k}: {}", self.param_type(&probe, t))).collect();
        let ret: Vec<String> = outs.iter().map(|(_, t)| probe.view_type(t)).collect();
        let _ = writeln!(out, "{} relation {}", self.origin(r.span), r.name);
        let ret_ty = if ret.is_empty() { "()".to_string() } else { format!("({},)", ret.join(", ")) };
        let _ = writeln!(out, "pub fn {}(ar_: &Ctx{}) -> R<{ret_ty}> {{", fn_name(&r.name), lead(&params));
        let mut cs = Vec::new();
        for rule in &r.rules {
            let mut fx = Fx::new(self, unit, rule.span);
            fx.rule = Some(rule.full_name(&r.name));
            fx.exec = Some(info);
            fx.ctx = Some("ar_".into());
            let mut body = String::new();
            for (k, t) in &ins {
                let a = &rule.args[*k];
                self.bind_param(&mut fx, a, t, &format!("a{k}"), &mut body)?;
            }
            let mut premises: Vec<&Premise> = rule.premises.iter().collect();
            while !premises.is_empty() {
                let k = premises.iter().position(|p| self.exec_premise_ready(&fx, p)).ok_or_else(|| {
                    format!("rule `{}`: a premise needs variables nothing binds", rule.full_name(&r.name))
                })?;
                let p = premises.remove(k);
                self.gen_exec_premise(&mut fx, info, p, &mut body)?;
            }
            let mut vals = Vec::new();
            // The outputs are computed last: what they name once together may move.
            let all = Exp { kind: ExpKind::Tuple(outs.iter().map(|(k, _)| rule.args[*k].clone()).collect()), ty: Ty::Error, span: rule.span };
            fx.movable = super::rust::used_once(&all);
            for (k, t) in &outs {
                vals.push(fx.view_as(&rule.args[*k], t)?);
            }
            let value = if vals.is_empty() { "()".to_string() } else { format!("({},)", vals.join(", ")) };
            cs.push((format!("    {} rule {}\n", self.origin(rule.span), rule.full_name(&r.name)), body, value));
        }
        out.push_str(&clauses(&cs, None));
        let _ = writeln!(out, "    Err(Fail::soft())\n}}\n");
        Ok(out)
    }

    fn gen_exec_convs(&self, out: &mut String, unit: &Unit) {
        self.gen_convs(out, unit);
    }
}

enum Keep {
    /// Plain rules: the first `k` value items of the left side stay.
    Prefix(usize),
    /// Context rules: the last `k` value items of the left side stay.
    Suffix(usize),
    /// Context rules: all values of the context stay.
    All,
    None,
}

struct Plan<'r> {
    keep: Keep,
    items: Vec<RhsItem<'r>>,
}

enum RhsItem<'r> {
    Kept,
    Push(&'r Exp),
    Schedule(&'r Exp),
    Enter(usize, &'r Exp, usize),
}

/// The definitions that generated code calls (`defs::binop__first(`), by function name.
fn called_defs(code: &str) -> Vec<String> {
    code.match_indices("defs::")
        .filter_map(|(k, _)| {
            let rest = &code[k + "defs::".len()..];
            let end = rest.find(|c: char| !(c.is_alphanumeric() || c == '_'))?;
            rest[end..].starts_with('(').then(|| rest[..end].to_string())
        })
        .collect()
}

/// The number that a sum of literals (`0usize + 1usize + 1usize`) comes to.
fn literal_count(sum: &str) -> Option<usize> {
    sum.split(" + ").map(|t| t.trim().strip_suffix("usize")?.parse::<usize>().ok()).sum()
}

fn strip_sub(e: &Exp) -> &Exp {
    match &e.kind {
        ExpKind::Sub(x, _) => strip_sub(x),
        _ => e,
    }
}

fn is_uncounted_seq(e: &Exp) -> bool {
    match &strip_sub(e).kind {
        ExpKind::Iter(_, spec) => spec.count.is_none(),
        _ => false,
    }
}

/// The Rust code of an error message: `{x}` in the text of a `hint(error ...)` stands for the
/// value of the bound variable `x` (`"unknown table {x}"`), as engines name the index.
fn message_code(fx: &Fx<'_, '_>, msg: &str) -> String {
    let mut text = String::new();
    let mut args = Vec::new();
    let mut rest = msg;
    while let Some(open) = rest.find('{') {
        let Some(len) = rest[open..].find('}') else { break };
        let name = &rest[open + 1..open + len];
        match fx.locals.get(name) {
            Some(l) if l.dim == 0 => {
                text.push_str(&rest[..open].replace('{', "{{").replace('}', "}}"));
                text.push_str("{}");
                // Numbers of any representation (a `num_` too) print as numbers.
                let var = Exp { kind: ExpKind::Var(name.to_string()), ty: l.ty.clone(), span: Default::default() };
                args.push(if fx.is_numeric(&l.ty) { fx.wide(&var).unwrap_or_else(|_| fx.var_view(name, l)) } else { fx.var_view(name, l) });
            }
            _ => text.push_str(&rest[..open + len + 1].replace('{', "{{").replace('}', "}}")),
        }
        rest = &rest[open + len + 1..];
    }
    text.push_str(&rest.replace('{', "{{").replace('}', "}}"));
    if args.is_empty() {
        format!("{msg:?}")
    } else {
        format!("format!({text:?}, {})", args.join(", "))
    }
}

/// The clauses of a definition or the rules of a relation, each a comment, a body and a value,
/// tried in order. When every clause's guard (see [`super::tidy::guard`]) starts with the same
/// parameter, they become the arms of one match on it: a definition of many clauses
/// (`$binop_`) then finds its clause by one jump instead of a test of each clause before it.
/// An arm whose clause does not apply falls through to the later arms, as the tests did.
///
/// With `inline` (a signature and the arguments it is called with), each clause is a nested
/// function that is always inlined instead of a closure, which the compiler would not inline
/// into the handlers of specialised groups.
fn clauses(cs: &[(String, String, String)], inline: Option<(&str, &str)>) -> String {
    let guards: Vec<Vec<(String, String)>> = cs.iter().map(|(_, body, _)| super::tidy::guard_parts(body)).collect();
    let on = guards.first().and_then(|g| g.first()).map(|(p, _)| p.clone());
    // Two clauses are tested as fast one after the other.
    let dispatch = cs.len() > 2 && guards.iter().all(|g| g.first().map(|(p, _)| p) == on.as_ref());
    let Some(on) = on.filter(|_| dispatch) else {
        return cs.iter().map(|(comment, body, value)| format!("{comment}{}", clause_attempt(body, value, inline))).collect();
    };
    let mut out = format!("    let mut r_ = None;\n    match {on} {{\n");
    for ((comment, body, value), g) in cs.iter().zip(&guards) {
        let pat = super::tidy::without_bindings(&g[0].1);
        let rest: String = g[1..].iter().map(|(p, pat)| format!("matches!({p}, {pat}) && ")).collect();
        let attempt = attempt_code(body, value, inline);
        let _ = write!(out, "{}        {pat} if {rest}wspec_runtime::machine::tried(&mut r_, {}) => {{}}\n", indent(&indent(comment)), attempt);
    }
    out.push_str("        _ => {}\n    }\n    if let Some(r) = r_ {\n        return r;\n    }\n");
    out
}

/// One clause of a definition or rule of a relation as a function: tried when its guard (see
/// [`super::tidy::guard`]) holds, its value if it applies.
fn clause_attempt(body: &str, value: &str, inline: Option<(&str, &str)>) -> String {
    let attempt = format!("if let Some(v) = wspec_runtime::machine::attempt({})? {{ return Ok(v); }}", attempt_code(body, value, inline));
    match super::tidy::guard(body) {
        Some(cond) => format!("    if {cond} {{ {attempt} }}\n"),
        None => format!("    {attempt}\n"),
    }
}

/// The signature of a clause function of a definition with parameters `params` (`a0: T0`,
/// ...) and result `ret`, and the arguments it is called with (see [`clauses`]).
fn clause_signature(params: &[String], ret: &str) -> (String, String) {
    let args: Vec<String> = std::iter::once("ar_".to_string()).chain((0..params.len()).map(|i| format!("a{i}"))).collect();
    (format!("(ar_: &Ctx{}) -> {ret}", lead(params)), args.join(", "))
}

/// Code running one clause to its result: a closure called at once, or with `inline` a nested
/// function (see [`clauses`]).
fn attempt_code(body: &str, value: &str, inline: Option<(&str, &str)>) -> String {
    match inline {
        None => format!("(move || -> R<_> {{\n{}        Ok({value})\n    }})()", indent(&indent(body))),
        Some((sig, args)) => format!("{{\n        #[inline(always)]\n        fn clause_{sig} {{\n{}            Ok({value})\n        }}\n        clause_({args})\n    }}", indent(&indent(&indent(body)))),
    }
}

/// The variable of `x*`, `x^n` or `x`.
fn code_var(e: &Exp) -> Option<&str> {
    match &strip_sub(e).kind {
        ExpKind::Var(v) => Some(v),
        ExpKind::Iter(b, spec) if spec.index.is_none() => match &strip_sub(b).kind {
            ExpKind::Var(v) => Some(v),
            _ => None,
        },
        _ => None,
    }
}


/// `, a, b` for arguments after a first one.
fn lead(parts: &[String]) -> String {
    parts.iter().map(|p| format!(", {p}")).collect()
}

/// Trying one rule in `step` or `exit`: its number if it applied, the failure kept in the
/// machine if it failed with a message; otherwise on to the next rule.
fn try_rule(call: &str, name: &str, number: usize) -> String {
    format!("    // {name}\n    match {call} {{\n        Ok(()) => return {number},\n        Err(f) if !f.is_soft() => return m_.failed(f),\n        Err(_) => {{}}\n    }}\n")
}

/// `.with_rule("...")` naming the rule being compiled, for a failure it reports.
fn named(fx: &Fx<'_, '_>) -> String {
    fx.rule.as_ref().map(|r| format!(".with_rule({r:?})")).unwrap_or_default()
}
