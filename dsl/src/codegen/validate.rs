//! Validation: the operand-stack checker generated from the instruction typing rules
//! (DESIGN.md §4, docs/validation.md).
//!
//! The relation marked `hint(check "instr")` (`Instr_ok: context |- instr : instrtype`) types
//! one instruction; the one marked `hint(check "seq")` (`Instrs_ok`) types sequences, and its
//! rules are structural: the generated `check_seq` runs the stack algorithm that they describe.
//! For each instruction, the rules of its constructor are tried in order. A rule:
//!
//! - binds the context and the instruction's immediates, and runs premises as soon as what
//!   they need is known;
//! - takes the operand types `t_1*` from the top of the stack: an operand whose type the rule
//!   already knows is checked with the subtyping relation (`hint(check "sub")`); an operand
//!   whose type only the stack can tell (the `t` of `drop`) takes the stack's type, the bottom
//!   type where the stack is polymorphic;
//! - when `t_1*` starts with a sequence nothing fixes (`br`: `t_1* t* -> t_2*`), takes
//!   everything: the stack becomes polymorphic, and `t_2*` gives nothing;
//! - otherwise replaces the operands with `t_2*`, and says which locals it sets (`->_(x*)`).
//!
//! An operand pattern with unknowns (`REF NULL ht`) binds them from the stack's type at their
//! places in the pattern, and the whole operand is then checked with subtyping (the stack's
//! `REF ht'` is a `REF NULL ht'`).
//!
//! A membership premise that binds (`t' <- I32 I64 F32 F64 V128`) is a choice: every element
//! is tried in turn. A premise with `hint(error "...")` that does not hold makes the module
//! invalid with that message; if no rule of an instruction applies, the message is "type
//! mismatch: instruction requires [...] but stack has [...]" when an operand did not match,
//! "type mismatch (no rule of ... applies)" otherwise.

use super::exec::ExecInfo;
use super::names::{fn_name, var_name};
use super::rust::{Fx, LocalKind, Unit};
use super::{has_hint, hint_text, indent, Gen};
use crate::ir::*;
use std::collections::{HashMap, HashSet};
use std::fmt::Write;

/// What the checker is about.
pub struct Check {
    pub instr_rel: RelId,
    pub seq_rel: RelId,
    pub sub_rel: RelId,
    pub valtype: TypeId,
    pub context: TypeId,
    /// The Rust code of the bottom value type.
    pub bottom: String,
}

impl Gen<'_> {
    pub fn find_check(&self) -> Option<Result<Check, String>> {
        let by = |what: &str| (0..self.spec.relations.len()).find(|&r| hint_text(&self.spec.relations[r].hints, "check").as_deref() == Some(what));
        let instr_rel = by("instr")?;
        Some((|| {
            let seq_rel = by("seq").ok_or("no relation is marked `hint(check \"seq\")`")?;
            let sub_rel = by("sub").ok_or("no relation is marked `hint(check \"sub\")`")?;
            let r = &self.spec.relations[instr_rel];
            let [ctx_ty, _, it_ty] = r.notation.slots.as_slice() else { return Err("the instruction typing relation must relate a context, an instruction and a type".to_string()) };
            let Ty::Named(context, _) = self.expand(ctx_ty) else { return Err("the context is not a named type".into()) };
            // The instruction type: a notation of three slots, operands, locals, results.
            let Ty::Named(itid, _) = self.expand(it_ty) else { return Err("the instruction type is not a named type".into()) };
            let slots = match &self.spec.types[itid].body {
                TypeBody::Variant(cs) if cs.len() == 1 => match &cs[0].kind {
                    CaseKind::Con(m) => m.slots.clone(),
                    _ => Vec::new(),
                },
                _ => Vec::new(),
            };
            let [ins, _, _] = slots.as_slice() else { return Err("the instruction type must have operands, locals and results".into()) };
            let Some((vt, _)) = self.seq_elem(ins) else { return Err("the operands of an instruction type are not a sequence".into()) };
            let Ty::Named(valtype, _) = self.expand(&vt) else { return Err("the operand type is not a named type".into()) };
            let bottom = self.bottom_of(&Ty::Named(valtype, vec![])).ok_or("the value type has no case marked `hint(bottom)`")?;
            Ok(Check { instr_rel, seq_rel, sub_rel, valtype, context, bottom })
        })())
    }

    /// The Rust code of the bottom value of a type: its case marked `hint(bottom)`, whose
    /// arguments are the bottoms of theirs (`BOTSHARE BOT`, a heap type of bottom sharedness),
    /// or else one found through an inclusion; `None` for an optional.
    pub fn bottom_of(&self, t: &Ty) -> Option<String> {
        match self.expand(t) {
            Ty::Iter(_, IterKind::Opt) => Some("None".into()),
            Ty::Named(id, _) => {
                let TypeBody::Variant(cases) = &self.spec.types[id].body else { return None };
                // A marked case first: it may stand beside inclusions that have bottoms too.
                for (i, c) in cases.iter().enumerate() {
                    let CaseKind::Con(m) = &c.kind else { continue };
                    if !has_hint(&c.hints, "bottom") {
                        continue;
                    }
                    let name = self.case_names.get(&(id, None, i))?;
                    if m.slots.is_empty() {
                        return Some(format!("{}::{name}", self.type_names[id]));
                    }
                    let args: Option<Vec<String>> = m.slots.iter().map(|s| self.bottom_of(s)).collect();
                    return Some(format!("{}::{name}({})", self.type_names[id], args?.join(", ")));
                }
                for (i, c) in cases.iter().enumerate() {
                    let name = self.case_names.get(&(id, None, i))?;
                    match &c.kind {
                        CaseKind::Include(inner) => {
                            if let Some(b) = self.bottom_of(inner) {
                                return Some(format!("{}::{name}({b})", self.type_names[id]));
                            }
                        }
                        _ => {}
                    }
                }
                None
            }
            _ => None,
        }
    }

    /// The checker: a function per instruction constructor, and `check_seq`.
    pub(super) fn gen_validate(&self, out: &mut String, info: &ExecInfo, unit: &Unit, ck: &Check) {
        let rel = &self.spec.relations[ck.instr_rel];
        let instr = self.spec.type_index.get("instr").copied();
        let Some(instr) = instr else { return };
        let vt = self.type_names[ck.valtype].clone();
        let cx = self.type_names[ck.context].clone();
        // Group the rules by the instruction's constructor.
        let mut groups: Vec<(String, Vec<&Rule>)> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        for r in &rel.rules {
            let key = match &r.args.get(1).map(|a| &a.kind) {
                Some(ExpKind::Con { ty, inst, case, .. }) => self.mixop_of(*ty, *inst, *case).map(|m| m.name()).unwrap_or_default(),
                _ => {
                    self.error(r.span, format!("rule `{}`: the instruction must be a constructor", r.full_name(&rel.name)));
                    continue;
                }
            };
            let gi = *index.entry(key.clone()).or_insert_with(|| {
                groups.push((key.clone(), Vec::new()));
                groups.len() - 1
            });
            groups[gi].1.push(r);
        }
        let locals_ty = self.instrtype_locals(ck);
        let _ = writeln!(out, "// ---------------------------------------------------------------------------------------------\n// Validation\n");
        let _ = writeln!(out, "use wspec_runtime::checker::{{Checker, Effect}};\n");
        let _ = writeln!(
            out,
            "/// An operand that does not match the stack: a rule that does not apply, noting what the\n\
             /// instruction requires (its operands known so far, bottom first) and what the stack has.\n\
             fn vmismatch(ck: &Checker<{vt}>, ar_: &Ctx, want: Vec<{vt}>) -> Fail {{\n\
             \x20   let have = ck.top(want.len());\n\
             \x20   ck.note(format!(\"type mismatch: instruction requires [{{}}] but stack has [{{}}]\", vlist(ar_, &want), vlist(ar_, &have)));\n\
             \x20   Fail::soft()\n\
             }}\n\n\
             /// Types in the notation of the spec, in lower case, without empty parts (`eps`).\n\
             fn vlist(ar_: &Ctx, ts: &[{vt}]) -> String {{\n\
             \x20   ts.iter().map(|t| crate::show::show(t, ar_).split_whitespace().filter(|w| *w != \"eps\").collect::<Vec<_>>().join(\" \").to_lowercase()).collect::<Vec<_>>().join(\" \")\n\
             }}\n"
        );
        let mut n = 0;
        let mut group_fns = Vec::new();
        for (gi, (_, rules)) in groups.iter().enumerate() {
            let mut fns = Vec::new();
            for r in rules {
                n += 1;
                let f = format!("vrule_{n}");
                match self.gen_vrule(out, info, unit, ck, r, &f, &vt, &cx, &locals_ty) {
                    Ok(()) => fns.push((f, r.full_name(&rel.name))),
                    Err(msg) => self.error(r.span, format!("rule `{}`: {msg}", r.full_name(&rel.name))),
                }
            }
            let pat = match &rules[0].args[1].kind {
                ExpKind::Con { .. } => self.redex_pattern_pub(&rules[0].args[1], instr),
                _ => "_".into(),
            };
            let _ = writeln!(out, "fn vgroup_{gi}(ck: &mut Checker<{vt}>, ar_: &Ctx, c: &{cx}, redex_: &Instr) -> R<Vec<{locals_ty}>> {{\n    ck.take_note();");
            for (f, _) in &fns {
                let _ = writeln!(out, "    if let Some(e) = wspec_runtime::machine::attempt({f}(ck, ar_, c, redex_))? {{ return Ok(ck.apply(e)); }}");
            }
            let names: Vec<&str> = fns.iter().map(|(_, n)| n.as_str()).collect();
            let _ = writeln!(out, "    Err(Fail::msg(0, ck.take_note().unwrap_or_else(|| {:?}.into())).with_rule({:?}))\n}}\n", format!("type mismatch (no rule of {} applies)", names.join(", ")), names.join(" or "));
            group_fns.push((pat, gi));
        }
        let _ = writeln!(out, "/// The locals an instruction sets, after checking it on the stack `ck` (`Instr_ok`).\npub fn instr_ok(ck: &mut Checker<{vt}>, ar_: &Ctx, c: &{cx}, redex_: &Instr) -> R<Vec<{locals_ty}>> {{\n    match redex_ {{");
        for (pat, gi) in &group_fns {
            let _ = writeln!(out, "        {pat} => vgroup_{gi}(ck, ar_, c, redex_),");
        }
        let _ = writeln!(out, "        _ => Err(Fail::msg(0, \"type mismatch (no typing rule)\")),\n    }}\n}}\n");
        // The context after an instruction that sets locals, from the sequencing rule.
        match self.gen_seq_context(out, info, unit, ck, &cx, &locals_ty) {
            Ok(()) => {}
            Err(msg) => self.error(self.spec.relations[ck.seq_rel].span, format!("the sequencing rule: {msg}")),
        }
        let bottom = &ck.bottom;
        let _ = writeln!(
            out,
            "/// Checks an instruction sequence with operands `t1` (`Instrs_ok`): the types it leaves\n\
             /// (checked against `t2` when given) and the locals it sets.\n\
             pub fn check_seq(ar_: &Ctx, c: &{cx}, code: &[Instr], t1: &[{vt}], t2: Option<&[{vt}]>) -> R<(Vec<{vt}>, Vec<{locals_ty}>)> {{\n\
             \x20   wspec_runtime::deep(|| {{\n\
             \x20   let mut ck = Checker::new(t1, {bottom});\n\
             \x20   let mut ctx: std::borrow::Cow<'_, {cx}> = std::borrow::Cow::Borrowed(c);\n\
             \x20   let mut sets = Vec::new();\n\
             \x20   for (pc, i) in code.iter().enumerate() {{\n\
             \x20       let xs = instr_ok(&mut ck, ar_, &ctx, i).map_err(|f| wspec_runtime::checker::at(f, pc))?;\n\
             \x20       if !xs.is_empty() {{\n\
             \x20           ctx = std::borrow::Cow::Owned(seq_context(ar_, &ctx, &xs)?);\n\
             \x20           sets.extend(xs);\n\
             \x20       }}\n\
             \x20   }}\n\
             \x20   let Some(t2) = t2 else {{ return Ok((ck.types().to_vec(), sets)); }};\n\
             \x20   let ends = t2.iter().rev().enumerate().all(|(k, t)| matches!(ck.peek(k), Ok(a) if rels::{}(ar_, c, a, t).is_ok()));\n\
             \x20   if !ends || ck.height() > t2.len() {{\n\
             \x20       let have = if ends {{ ck.types().to_vec() }} else {{ ck.top(t2.len()) }};\n\
             \x20       return Err(Fail::msg(code.len(), format!(\"type mismatch: block requires [{{}}] but stack has [{{}}]\", vlist(ar_, t2), vlist(ar_, &have))).with_rule({:?}));\n\
             \x20   }}\n\
             \x20   Ok((t2.to_vec(), sets))\n\
             \x20   }})\n\
             }}\n",
            fn_name(&self.spec.relations[ck.sub_rel].name),
            self.spec.relations[ck.seq_rel].name
        );
        info.used_rels.borrow_mut().insert(ck.sub_rel);
    }

    fn instrtype_locals(&self, ck: &Check) -> String {
        let r = &self.spec.relations[ck.instr_rel];
        let Some(Ty::Named(itid, _)) = r.notation.slots.get(2).map(|t| self.expand(t)) else { return "u32".into() };
        if let TypeBody::Variant(cs) = &self.spec.types[itid].body {
            if let Some(CaseKind::Con(m)) = cs.first().map(|c| &c.kind) {
                if let Some((x, _)) = m.slots.get(1).and_then(|t| self.seq_elem(t)) {
                    return self.repr(&x).rust();
                }
            }
        }
        "u32".into()
    }

    /// `seq_context(C, x*)`: the context for what follows an instruction that sets `x*`, as the
    /// sequencing rule of `Instrs_ok` computes it (the context argument of its second
    /// `Instrs_ok` premise, with the premises that context needs).
    #[allow(clippy::too_many_arguments)]
    fn gen_seq_context(&self, out: &mut String, info: &ExecInfo, unit: &Unit, ck: &Check, cx: &str, locals_ty: &str) -> Result<(), String> {
        let rel = &self.spec.relations[ck.seq_rel];
        // The rule with two `Instrs_ok` premises.
        let rule = rel
            .rules
            .iter()
            .find(|r| r.premises.iter().filter(|p| matches!(&p.kind, PremiseKind::Rel { rel, .. } if *rel == ck.seq_rel)).count() == 2)
            .ok_or("no rule of the sequence relation has two premises of it")?;
        let seq_premises: Vec<&Premise> = rule.premises.iter().filter(|p| matches!(&p.kind, PremiseKind::Rel { rel, .. } if *rel == ck.seq_rel)).collect();
        let (PremiseKind::Rel { args: first, .. }, PremiseKind::Rel { args: second, .. }) = (&seq_premises[0].kind, &seq_premises[1].kind) else { unreachable!() };
        // The context of the conclusion, and the locals the first part sets.
        let ExpKind::Var(c_name) = &rule.args[0].kind else { return Err("the context of the sequencing rule must be a variable".into()) };
        let it = &first[2];
        let ExpKind::Con { args: it_args, .. } = &it.kind else { return Err("the first part's type must be written out".into()) };
        let xs = it_args.get(1).ok_or("the first part's type has no locals")?;
        let mut fx = Fx::new(self, unit, rule.span);
        fx.exec = Some(info);
        fx.ctx = Some("ar_".into());
        let mut body = String::new();
        fx.bind_kind(c_name, rule.args[0].ty.clone(), 0, LocalKind::Ref, "a0".into());
        fx.pattern(xs, "a1.to_vec()", &mut body)?;
        // The other premises that need only these.
        for p in &rule.premises {
            if matches!(&p.kind, PremiseKind::Rel { rel, .. } if *rel == ck.seq_rel) {
                continue;
            }
            if self.exec_premise_ready_pub(&fx, p) {
                self.gen_exec_premise_pub(&mut fx, info, p, &mut body)?;
            }
        }
        let value = fx.view(&second[0])?;
        let _ = writeln!(out, "{} rule {}\nfn seq_context(ar_: &Ctx, a0: &{cx}, a1: &[{locals_ty}]) -> R<{cx}> {{", self.origin(rule.span), rule.full_name(&rel.name));
        out.push_str(&indent(&body));
        let _ = writeln!(out, "    Ok({value})\n}}\n");
        Ok(())
    }

    /// One typing rule: its effect on the stack, without changing it.
    #[allow(clippy::too_many_arguments)]
    fn gen_vrule(&self, out: &mut String, info: &ExecInfo, unit: &Unit, ck: &Check, r: &Rule, f: &str, vt: &str, cx: &str, locals_ty: &str) -> Result<(), String> {
        let mut fx = Fx::new(self, unit, r.span);
        fx.rule = Some(r.full_name(&self.spec.relations[ck.instr_rel].name));
        fx.exec = Some(info);
        fx.ctx = Some("ar_".into());
        let mut body = String::new();
        let [c_pat, instr_pat, it] = r.args.as_slice() else { return Err("a typing rule relates three things".into()) };
        let ctx_ty = c_pat.ty.clone();
        fx.pattern_ref(c_pat, &ctx_ty, "c", &mut body)?;
        let instr_ty = Ty::Named(self.spec.type_index["instr"], vec![]);
        fx.pattern_ref(instr_pat, &instr_ty, "redex_", &mut body)?;
        let ExpKind::Con { args: it_args, .. } = &it.kind else { return Err("the instruction type must be written out (`t_1* ->_(x*) t_2*`)".into()) };
        let [ins, sets, outs] = it_args.as_slice() else { return Err("the instruction type has three parts".into()) };
        let val_ty = Ty::Named(ck.valtype, vec![]);
        let c_code = match &c_pat.kind {
            ExpKind::Var(v) => fx.locals.get(v).map(|l| l.rust.clone()).unwrap_or_else(|| "c".into()),
            _ => "c".into(),
        };
        let sub = fn_name(&self.spec.relations[ck.sub_rel].name);
        info.used_rels.borrow_mut().insert(ck.sub_rel);
        // Operands, from the top.
        let mut items: Vec<&Exp> = Vec::new();
        self.flatten_pub(ins, &mut items);
        items.reverse();
        let mut premises: Vec<&Premise> = r.premises.iter().collect();
        let mut depth = "0usize".to_string();
        // The operand types taken so far, from the top. An operand that does not match says
        // that the instruction requires these and those below that are known already.
        let mut want: Vec<String> = Vec::new();
        let mismatch = |fx: &mut Fx<'_, '_>, want: &[String], rest: &[&Exp]| -> Result<String, String> {
            let mut parts: Vec<String> = want.to_vec();
            for it in rest {
                if !mentioned_vars(it).iter().all(|v| fx.locals.contains_key(v)) {
                    break;
                }
                if self.seq_elem(&strip(it).ty).is_some() || matches!(strip(it).kind, ExpKind::Iter(..)) {
                    parts.push(fx.view_as(it, &Ty::Iter(Box::new(val_ty.clone()), IterKind::Star))?);
                } else {
                    parts.push(format!("vec![{}]", fx.view_as(it, &val_ty)?));
                }
            }
            parts.reverse();
            Ok(format!("return Err(vmismatch(ck, ar_, wspec_runtime::seq::cat([{}])))", parts.join(", ")))
        };
        let mut unreachable = false;
        let mut open_choices = 0;
        loop {
            // Premises whose inputs are known go first: what they bind, the stack need not.
            if let Some(k) = premises.iter().position(|p| self.exec_premise_ready_pub(&fx, p)) {
                let p = premises.remove(k);
                if self.gen_choice(&mut fx, info, p, &mut body)? {
                    open_choices += 1;
                } else {
                    self.gen_vpremise(&mut fx, info, ck, p, &mut body)?;
                }
                continue;
            }
            let Some(item) = items.first().copied() else {
                if let Some(p) = premises.first() {
                    // A premise about unknowns that only a polymorphic stack leaves open holds
                    // for the types it gives (`Instrtype_ok` of `t_1* -> t_2*` under `br`).
                    if unreachable && self.mentions_unbound(&fx, p) {
                        premises.remove(0);
                        continue;
                    }
                    return Err(format!("a premise needs variables nothing binds ({})", crate::ir_fmt::Printer::new(self.spec).premise(p)));
                }
                break;
            };
            items.remove(0);
            let free = mentioned_vars(item);
            let unbound: Vec<&String> = free.iter().filter(|v| !fx.locals.contains_key(*v)).collect();
            let is_seq = self.seq_elem(&strip(item).ty).is_some() || matches!(strip(item).kind, ExpKind::Iter(..));
            if unbound.is_empty() {
                // A known operand (or operands): checked with subtyping.
                if is_seq {
                    let code = fx.view_as(item, &Ty::Iter(Box::new(val_ty.clone()), IterKind::Star))?;
                    let es = fx.fresh("es");
                    let _ = writeln!(body, "let {es}: Vec<{vt}> = {code};");
                    want.push(format!("{es}.clone()"));
                    let _ = writeln!(
                        body,
                        "for (k_, e_) in {es}.iter().rev().enumerate() {{ if !matches!(ck.peek({depth} + k_), Ok(a_) if rels::{sub}(ar_, {c_code}, a_, e_).is_ok()) {{ {}; }} }}",
                        mismatch(&mut fx, &want, &items)?
                    );
                    depth = format!("{depth} + {es}.len()");
                } else {
                    let code = fx.view_as(item, &val_ty)?;
                    let e = fx.fresh("e");
                    let _ = writeln!(body, "let {e}: {vt} = {code};");
                    want.push(format!("vec![{e}.clone()]"));
                    let _ = writeln!(body, "if !matches!(ck.peek({depth}), Ok(a_) if rels::{sub}(ar_, {c_code}, a_, &{e}).is_ok()) {{ {}; }}", mismatch(&mut fx, &want, &items)?);
                    depth = format!("{depth} + 1");
                }
                continue;
            }
            if is_seq {
                let Some(v) = seq_var(item) else { return Err("an operand sequence of unknown types must be a variable".into()) };
                if items.is_empty() {
                    // The bottom of the operands: everything, the stack becomes polymorphic.
                    unreachable = true;
                    continue;
                }
                // Its length from a premise that relates it to something known.
                let len = self.seq_len_from(&mut fx, &premises, v, &mut body)?.ok_or_else(|| format!("cannot tell how many operands `{v}*` takes"))?;
                let vs = fx.fresh("vs");
                let _ = writeln!(body, "let {vs}: Vec<{vt}> = ck.peek_range({depth}, {len})?;");
                let rust = fx.fresh(&var_name(v));
                let _ = writeln!(body, "let {rust} = {vs};");
                let el = self.seq_elem(&strip(item).ty).map(|(e, _)| e).unwrap_or(val_ty.clone());
                fx.bind_kind(v, el, 1, LocalKind::Owned, rust.clone());
                want.push(format!("{rust}.clone()"));
                depth = format!("{depth} + {rust}.len()");
                continue;
            }
            // One operand of partly unknown type: the stack's type, matched against the pattern.
            let a = fx.fresh("a");
            let _ = writeln!(body, "let {a}: &{vt} = ck.peek({depth})?;");
            if let ExpKind::Var(v) = &strip(item).kind {
                let rust = fx.fresh(&var_name(v));
                let vty = strip(item).ty.clone();
                want.push(format!("vec![{a}.clone()]"));
                if self.repr(&vty) == self.repr(&val_ty) {
                    let _ = writeln!(body, "let {rust} = {a}.clone();");
                    fx.bind_kind(v, vty, 0, LocalKind::Owned, rust);
                } else {
                    // A narrower type (`rt'` of a reference): the operand must be one.
                    let conv = fx.convert_elem(&format!("{a}.clone()"), &val_ty, &vty);
                    let _ = writeln!(body, "let {rust} = {conv};");
                    fx.bind_kind(v, vty, 0, LocalKind::Owned, rust);
                }
            } else {
                // A constructor pattern (`REF NULL ht`): the stack's type gives the unknowns
                // (`ht`) from where they stand in the pattern; the known parts (`NULL`) need not
                // be equal, as the whole is then checked with subtyping. Where the stack is
                // polymorphic, the unknowns are bottoms.
                let mut bind = String::new();
                let before: HashSet<String> = fx.locals.keys().cloned().collect();
                let mut wild = 0;
                let pat = wildcards(strip(item), &before, &mut wild);
                fx.pattern_ref(&pat, &val_ty, a.as_str(), &mut bind)?;
                let mut new: Vec<(String, super::rust::Local)> =
                    fx.locals.iter().filter(|(k, _)| !before.contains(*k) && !k.starts_with(WILD)).map(|(k, l)| (k.clone(), l.clone())).collect();
                // In the order of their names, not of the hash map: the output must not change
                // from one run to the next when a pattern binds several (`null?` and `sh`).
                new.sort_by(|a, b| a.0.cmp(&b.0));
                fx.locals.retain(|k, _| !k.starts_with(WILD));
                let mut bottoms = Vec::new();
                for (k, l) in &new {
                    let b = match (l.dim, l.opt.first()) {
                        (0, _) => self.bottom_of(&l.ty).ok_or_else(|| format!("`{k}` has no bottom for a polymorphic stack"))?,
                        (_, Some(true)) => "None".to_string(),
                        _ => "Vec::new()".to_string(),
                    };
                    bottoms.push((k.clone(), b));
                }
                let names: Vec<String> = new.iter().map(|(k, _)| fx.fresh(&var_name(k))).collect();
                let views: Vec<String> = new.iter().map(|(k, l)| fx.var_view(k, l)).collect();
                let _ = writeln!(
                    body,
                    "let ({},) = if *{a} == {} {{ ({},) }} else {{\n{bind}({},) }};",
                    names.join(", "),
                    ck.bottom,
                    bottoms.iter().map(|(_, b)| b.clone()).collect::<Vec<_>>().join(", "),
                    views.join(", ")
                );
                for ((k, l), n) in new.iter().zip(&names) {
                    fx.bind_kind(k, l.ty.clone(), l.dim, LocalKind::Owned, n.clone());
                }
                let code = fx.view_as(strip(item), &val_ty)?;
                let e = fx.fresh("e");
                let _ = writeln!(body, "let {e}: {vt} = {code};");
                want.push(format!("vec![{e}.clone()]"));
                let _ = writeln!(body, "if rels::{sub}(ar_, {c_code}, {a}, &{e}).is_err() {{ {}; }}", mismatch(&mut fx, &want, &items)?);
            }
            depth = format!("{depth} + 1");
        }
        // Results: what is known; an unknown sequence gives nothing (the stack is polymorphic).
        let mut out_items: Vec<&Exp> = Vec::new();
        self.flatten_pub(outs, &mut out_items);
        let mut parts = Vec::new();
        for it in out_items {
            let unbound = mentioned_vars(it).iter().any(|v| !fx.locals.contains_key(v));
            if unbound {
                if unreachable && seq_var(it).is_some() {
                    continue;
                }
                return Err(format!("the result `{}` is not known", crate::ir_fmt::Printer::new(self.spec).exp(it)));
            }
            if self.seq_elem(&strip(it).ty).is_some() || matches!(strip(it).kind, ExpKind::Iter(..)) {
                parts.push(fx.view_as(it, &Ty::Iter(Box::new(val_ty.clone()), IterKind::Star))?);
            } else {
                parts.push(format!("vec![{}]", fx.view_as(it, &val_ty)?));
            }
        }
        let pushes = if parts.is_empty() { "Vec::new()".to_string() } else { format!("wspec_runtime::seq::cat([{}])", parts.join(", ")) };
        let sets_code = if mentioned_vars(sets).iter().all(|v| fx.locals.contains_key(v)) {
            fx.view(sets)?
        } else {
            "Vec::new()".into()
        };
        let pops = if unreachable { "usize::MAX".to_string() } else { depth.clone() };
        let _ = writeln!(body, "Ok(Effect {{ pops: {pops}, unreachable: {unreachable}, pushes: {pushes}, sets: {sets_code} }})");
        for _ in 0..open_choices {
            let _ = writeln!(body, "}})())? {{ return Ok(v); }}\n}}\nErr(Fail::soft())");
        }
        let _ = writeln!(out, "{} rule {}", self.origin(r.span), r.full_name(&self.spec.relations[ck.instr_rel].name));
        let _ = writeln!(out, "#[allow(unused_variables, unused_parens, clippy::all)]\nfn {f}(ck: &Checker<{vt}>, ar_: &Ctx, c: &{cx}, redex_: &Instr) -> R<Effect<{vt}, {locals_ty}>> {{");
        out.push_str(&indent(&body));
        let _ = writeln!(out, "}}\n");
        Ok(())
    }

    /// A membership premise that binds (`t' <- ...`): opens a loop over the choices; the rest
    /// of the rule runs for each until one succeeds. Whether it did.
    fn gen_choice(&self, fx: &mut Fx<'_, '_>, info: &ExecInfo, p: &Premise, out: &mut String) -> Result<bool, String> {
        let PremiseKind::If { exp, .. } = &p.kind else { return Ok(false) };
        let ExpKind::Cmp(crate::ast::CmpOp::In, l, rhs) = &exp.kind else { return Ok(false) };
        let bound: HashSet<String> = fx.locals.keys().cloned().collect();
        if mentioned_vars(l).iter().all(|v| bound.contains(v)) {
            return Ok(false);
        }
        let _ = info;
        let list = fx.view(rhs)?;
        let x = fx.fresh("choice");
        let _ = writeln!(out, "for {x} in {list} {{\nif let Some(v) = wspec_runtime::machine::attempt((|| -> R<_> {{");
        fx.pattern(l, &x, out)?;
        Ok(true)
    }

    /// A premise of a typing rule: `Instrs_ok` premises run the sequence checker; a premise
    /// with an error message reports it when it does not hold.
    fn gen_vpremise(&self, fx: &mut Fx<'_, '_>, info: &ExecInfo, ck: &Check, p: &Premise, out: &mut String) -> Result<(), String> {
        self.gen_exec_premise_pub(fx, info, p, out)?;
        let _ = ck;
        Ok(())
    }

    /// The number of operands an unknown sequence `v*` takes: from a premise that relates it
    /// to a known sequence (`Resulttype_sub: C |- t* <: C.LABELS[l']`).
    fn seq_len_from(&self, fx: &mut Fx<'_, '_>, premises: &[&Premise], v: &str, out: &mut String) -> Result<Option<String>, String> {
        for p in premises {
            let PremiseKind::Rel { args, .. } = &p.kind else { continue };
            let has_v = args.iter().any(|a| seq_var(a) == Some(v));
            if !has_v {
                continue;
            }
            for a in args {
                if seq_var(a) == Some(v) || self.seq_elem(&a.ty).is_none() {
                    continue;
                }
                if mentioned_vars(a).iter().all(|x| fx.locals.contains_key(x)) {
                    let code = fx.view(a)?;
                    let n = fx.fresh("len");
                    let _ = writeln!(out, "let {n} = {code}.len();");
                    return Ok(Some(n));
                }
            }
        }
        Ok(None)
    }

    fn mentions_unbound(&self, fx: &Fx<'_, '_>, p: &Premise) -> bool {
        let mut any = false;
        crate::ir::visit_premise(p, &mut |x| {
            if let ExpKind::Var(v) = &x.kind {
                any |= !fx.locals.contains_key(v);
            }
        });
        any
    }
}

/// The prefix of the variables that stand for the known parts of an operand pattern.
const WILD: &str = "_w";

/// An operand pattern with each part that mentions no unknown variable (none outside `bound`)
/// replaced by a fresh variable: matching it against the stack's type binds the unknowns and
/// accepts anything in the known parts.
fn wildcards(e: &Exp, bound: &HashSet<String>, n: &mut usize) -> Exp {
    let open = mentioned_vars(e).iter().any(|v| !bound.contains(v));
    if !open {
        *n += 1;
        return Exp { kind: ExpKind::Var(format!("{WILD}{n}")), ty: e.ty.clone(), span: e.span };
    }
    let kind = match &e.kind {
        ExpKind::Con { ty, inst, case, args } => ExpKind::Con { ty: *ty, inst: *inst, case: *case, args: args.iter().map(|a| wildcards(a, bound, n)).collect() },
        ExpKind::Tuple(xs) => ExpKind::Tuple(xs.iter().map(|a| wildcards(a, bound, n)).collect()),
        ExpKind::Some(x) => ExpKind::Some(Box::new(wildcards(x, bound, n))),
        ExpKind::Sub(x, t) => ExpKind::Sub(Box::new(wildcards(x, bound, n)), t.clone()),
        k => k.clone(),
    };
    Exp { kind, ty: e.ty.clone(), span: e.span }
}

fn strip(e: &Exp) -> &Exp {
    match &e.kind {
        ExpKind::Sub(x, _) => strip(x),
        _ => e,
    }
}

/// The variable of `x*` (or of a sequence variable `x`).
fn seq_var(e: &Exp) -> Option<&str> {
    match &strip(e).kind {
        ExpKind::Iter(b, spec) if spec.count.is_none() && spec.index.is_none() => match &strip(b).kind {
            ExpKind::Var(v) => Some(v),
            _ => None,
        },
        _ => None,
    }
}

