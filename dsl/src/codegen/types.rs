//! A Rust type for every syntax definition.
//!
//! - a variant becomes an `enum` (a type with one constructor and no inclusion, a `struct`);
//!   included types are wrapped (`Valtype::Numtype(Numtype)`);
//! - a record becomes a `struct`, an alias a `type`;
//! - a range of numbers becomes the smallest Rust integer that holds it, and a parameterised
//!   range (`uN(N)`) becomes one per use, from the values its argument can take;
//! - a numeric enumeration (`sz = 8 | 16 | 32 | 64`) becomes an integer;
//! - a family becomes an `enum` with one variant per instance;
//! - sequences of a type marked `hint(arena)` are `Seq`s into an arena; other sequences `Vec`s.
//!   `hint(repr "T")` gives a type's Rust representation directly (floats are bit patterns).

use super::consts::{Const, Env};
use super::names::{camel, field_name, symbol_word, type_name};
use super::{has_hint, hint_text, Gen, Repr};
use crate::ir::*;
use num_bigint::BigInt;
use std::collections::HashSet;
use std::fmt::Write;

impl Gen<'_> {
    pub(super) fn name_everything(&mut self) {
        let mut used: HashSet<String> = HashSet::new();
        for t in &self.spec.types {
            let mut n = type_name(&t.name);
            while !used.insert(n.clone()) {
                n.push('_');
            }
            self.type_names.push(n);
        }
        for (id, t) in self.spec.types.iter().enumerate() {
            if has_hint(&t.hints, "arena") {
                self.arena.insert(id);
            }
            if let TypeBody::Variant(cases) = &t.body {
                if is_numeric_enum(cases) {
                    self.numeric_enums.insert(id, self.type_names[id].clone());
                }
                self.name_cases(id, None, cases);
            }
            if let TypeBody::Family(insts) = &t.body {
                let plain = self.is_plain_family(id);
                let mut inst_used = HashSet::new();
                for (i, inst) in insts.iter().enumerate() {
                    if let TypeBody::Variant(cases) = &inst.body {
                        self.name_cases(id, Some(i), cases);
                    }
                    if plain {
                        continue;
                    }
                    let mut v = self.instance_name(inst);
                    if v.is_empty() {
                        v = format!("I{i}");
                    }
                    while !inst_used.insert(v.clone()) {
                        v.push_str(&i.to_string());
                    }
                    if matches!(inst.body, TypeBody::Variant(_) | TypeBody::Record(_)) {
                        let mut tn = format!("{}{}", self.type_names[id], v);
                        while !used.insert(tn.clone()) {
                            tn.push('_');
                        }
                        self.inst_types.insert((id, i), tn);
                    }
                    self.inst_variants.insert((id, i), v);
                }
            }
        }
    }

    fn name_cases(&mut self, id: TypeId, inst: Option<usize>, cases: &[Case]) {
        let mut used = HashSet::new();
        for (i, c) in cases.iter().enumerate() {
            let mut n = match &c.kind {
                CaseKind::Include(t) => self.include_name(t),
                CaseKind::Con(m) => match m.head() {
                    Some(h) => camel(h),
                    None => {
                        let s: String = m.atoms().iter().map(|a| if a.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.') { camel(a) } else { symbol_word(a) }).collect();
                        if s.is_empty() {
                            "Make".to_string()
                        } else {
                            s
                        }
                    }
                },
            };
            if used.contains(&n) {
                if let CaseKind::Con(m) = &c.kind {
                    n = format!("{n}{}", m.slots.len());
                }
            }
            while !used.insert(n.clone()) {
                n.push('_');
            }
            self.case_names.insert((id, inst, i), n);
        }
    }

    fn include_name(&self, t: &Ty) -> String {
        match t {
            Ty::Named(i, _) => self.type_names[*i].clone(),
            Ty::Iter(inner, _) => format!("{}s", self.include_name(inner)),
            _ => "Value".into(),
        }
    }

    /// A variant name for a family instance, from its patterns: `Inn`, `JnnXM`.
    fn instance_name(&self, inst: &Instance) -> String {
        fn pat(e: &Exp, out: &mut String, g: &Gen<'_>) {
            match &e.kind {
                ExpKind::Var(v) => out.push_str(&camel(v.trim_end_matches(|c: char| c.is_ascii_digit() || c == '_'))),
                ExpKind::Sub(x, _) => pat(x, out, g),
                ExpKind::Con { ty, inst, case, args } => {
                    if let Some(m) = g.mixop_of(*ty, *inst, *case) {
                        let mut ai = args.iter();
                        for t in &m.toks {
                            match t {
                                Tok::Atom(a) => out.push_str(&camel(a)),
                                Tok::Slot(_) => {
                                    if let Some(a) = ai.next() {
                                        pat(a, out, g)
                                    }
                                }
                                _ => {}
                            }
                        }
                    }
                }
                ExpKind::Num(n) => out.push_str(&n.to_string()),
                _ => {}
            }
        }
        let mut s = String::new();
        for p in &inst.patterns {
            pat(p, &mut s, self);
        }
        s
    }

    /// A family with one instance whose patterns are plain parameters (`uN(N)`): it is a
    /// parameterised type, not a family of different types.
    pub fn is_plain_family(&self, id: TypeId) -> bool {
        match &self.spec.types[id].body {
            TypeBody::Family(insts) => {
                insts.len() == 1 && insts[0].patterns.iter().all(|p| matches!(p.kind, ExpKind::Var(_)))
            }
            _ => false,
        }
    }

    // -----------------------------------------------------------------------------------------
    // Representations

    pub fn repr(&self, t: &Ty) -> Repr {
        self.repr_in(t, &Env::new(), 0)
    }

    pub fn repr_in(&self, t: &Ty, env: &Env, depth: usize) -> Repr {
        if depth > 32 {
            return Repr::Prim("()".into());
        }
        match t {
            Ty::Nat => Repr::Prim("u64".into()),
            Ty::Int => Repr::Prim("i64".into()),
            Ty::Rat => Repr::Prim("wspec_runtime::Rat".into()),
            Ty::Bool => Repr::Prim("bool".into()),
            Ty::Text => Repr::Prim("String".into()),
            Ty::Named(id, args) => self.named_repr(*id, args, env, depth),
            Ty::Iter(inner, IterKind::Opt) => Repr::Opt(Box::new(self.repr_in(inner, env, depth + 1))),
            Ty::Iter(inner, _) => {
                let r = self.repr_in(inner, env, depth + 1);
                if self.is_arena(inner) {
                    Repr::Seq(Box::new(r))
                } else {
                    Repr::Vec(Box::new(r))
                }
            }
            Ty::Tuple(ts) => Repr::Tuple(ts.iter().map(|t| self.repr_in(t, env, depth + 1)).collect()),
            Ty::Param(p) => Repr::Param(p.clone()),
            Ty::Error => Repr::Prim("()".into()),
        }
    }

    pub fn is_arena(&self, t: &Ty) -> bool {
        match t {
            Ty::Named(id, _) => self.arena.contains(id),
            _ => false,
        }
    }

    fn named_repr(&self, id: TypeId, args: &[Exp], env: &Env, depth: usize) -> Repr {
        let def = &self.spec.types[id];
        if let Some(r) = hint_text(&def.hints, "repr") {
            return Repr::Prim(r);
        }
        match &def.body {
            TypeBody::Family(insts) if self.is_plain_family(id) => {
                let inst = &insts[0];
                let mut inner = Env::new();
                for ((p, _), a) in def.params.iter().zip(args) {
                    if let Some(vs) = self.values(a, env, 0) {
                        inner.insert(p.clone(), vs);
                    }
                }
                match &inst.body {
                    TypeBody::Range(lo, hi, _) => self.int_repr(lo, hi, &inner),
                    TypeBody::Alias(t) => self.repr_in(t, &inner, depth + 1),
                    _ => Repr::Named(self.type_names[id].clone(), id),
                }
            }
            _ if self.is_shared(id) => Repr::Shared(Box::new(Repr::Named(self.type_names[id].clone(), id))),
            _ => Repr::Named(self.type_names[id].clone(), id),
        }
    }

    /// The smallest Rust integer holding a range; the widest when the bounds are unknown.
    pub fn int_repr(&self, lo: &Exp, hi: &Exp, env: &Env) -> Repr {
        let num = |c: &Const| match c {
            Const::Num(n) => Some(n.clone()),
            _ => None,
        };
        let lo = self.values(lo, env, 0).and_then(|v| v.iter().map(num).collect::<Option<Vec<_>>>()).and_then(|v| v.into_iter().min());
        let hi = self.values(hi, env, 0).and_then(|v| v.iter().map(num).collect::<Option<Vec<_>>>()).and_then(|v| v.into_iter().max());
        let zero = BigInt::from(0);
        match (lo, hi) {
            (Some(lo), Some(hi)) if lo >= zero => {
                for (bits, name) in [(8u32, "u8"), (16, "u16"), (32, "u32"), (64, "u64")] {
                    if hi < BigInt::from(1u8) << bits {
                        return Repr::Prim(name.into());
                    }
                }
                Repr::Prim("u128".into())
            }
            (Some(lo), Some(hi)) => {
                for (bits, name) in [(7u32, "i8"), (15, "i16"), (31, "i32"), (63, "i64")] {
                    let bound = BigInt::from(1u8) << bits;
                    if lo >= -bound.clone() && hi < bound {
                        return Repr::Prim(name.into());
                    }
                }
                Repr::Prim("i128".into())
            }
            (Some(lo), None) if lo >= zero => Repr::Prim("u128".into()),
            _ => Repr::Prim("i128".into()),
        }
    }

    /// A configuration (`hint(config)`) holds the instructions it runs, not arena sequences:
    /// they are built while running.
    pub fn owned_seqs(&self, owner: TypeId, r: Repr) -> Repr {
        if !super::has_hint(&self.spec.types[owner].hints, "config") {
            return r;
        }
        match r {
            Repr::Seq(x) => Repr::Vec(x),
            other => other,
        }
    }

    /// Whether values of a representation are `Copy`.
    pub fn is_copy(&self, r: &Repr, seen: &mut HashSet<TypeId>) -> bool {
        match r {
            Repr::Prim(p) => !matches!(p.as_str(), "String" | "wspec_runtime::Rat") && !p.starts_with("Vec"),
            Repr::Named(_, id) => self.type_copy(*id, seen),
            Repr::Vec(_) | Repr::Param(_) | Repr::Shared(_) => false,
            Repr::Opt(x) => self.is_copy(x, seen),
            Repr::Seq(_) => true,
            Repr::Tuple(xs) => xs.iter().all(|x| self.is_copy(x, seen)),
        }
    }

    fn type_copy(&self, id: TypeId, seen: &mut HashSet<TypeId>) -> bool {
        if !seen.insert(id) {
            return true; // assume, for recursion
        }
        let def = &self.spec.types[id];
        if let Some(r) = hint_text(&def.hints, "repr") {
            return self.is_copy(&Repr::Prim(r), seen);
        }
        if has_hint(&def.hints, "config") {
            seen.remove(&id);
            return false;
        }
        let r = match &def.body {
            TypeBody::Alias(t) => self.is_copy(&self.repr(t), seen),
            TypeBody::Range(..) | TypeBody::Pending => true,
            TypeBody::Variant(cases) => self.cases_copy(cases, seen),
            TypeBody::Record(fields) => fields.iter().all(|f| self.is_copy(&self.repr(&f.ty), seen)),
            TypeBody::Family(insts) => insts.iter().enumerate().all(|(i, inst)| match &inst.body {
                TypeBody::Variant(cases) => self.cases_copy(cases, seen),
                TypeBody::Record(fields) => fields.iter().all(|f| self.is_copy(&self.repr(&f.ty), seen)),
                TypeBody::Alias(t) => {
                    let env = self.instance_env(id, i);
                    self.is_copy(&self.repr_in(t, &env, 0), seen)
                }
                _ => true,
            }),
        };
        seen.remove(&id);
        r
    }

    fn cases_copy(&self, cases: &[Case], seen: &mut HashSet<TypeId>) -> bool {
        cases.iter().all(|c| match &c.kind {
            CaseKind::Include(t) => self.is_copy(&self.repr(t), seen),
            CaseKind::Con(m) => m.slots.iter().all(|t| self.is_copy(&self.repr(t), seen)),
        })
    }

    /// The values each pattern variable of a family instance can take.
    pub fn instance_env(&self, id: TypeId, inst: usize) -> Env {
        let mut env = Env::new();
        if let TypeBody::Family(insts) = &self.spec.types[id].body {
            for p in &insts[inst].patterns {
                self.bind_pattern_values(p, &mut env);
            }
        }
        env
    }

    fn bind_pattern_values(&self, p: &Exp, env: &mut Env) {
        match &p.kind {
            ExpKind::Var(v) => {
                if let Some(atoms) = self.finite_atoms(&p.ty) {
                    env.insert(v.clone(), atoms.into_iter().map(Const::Atom).collect());
                }
            }
            ExpKind::Sub(x, _) => self.bind_pattern_values(x, env),
            ExpKind::Con { args, .. } => args.iter().for_each(|a| self.bind_pattern_values(a, env)),
            _ => {}
        }
    }

    /// Generated types that a representation contains without indirection.
    fn direct(&self, r: &Repr, out: &mut Vec<TypeId>) {
        match r {
            Repr::Named(_, id) => out.push(*id),
            Repr::Opt(x) => self.direct(x, out),
            Repr::Tuple(xs) => xs.iter().for_each(|x| self.direct(x, out)),
            _ => {}
        }
    }

    /// Whether `target` is reachable from a representation without indirection (so a field of
    /// that representation in `target` needs a `Box`).
    fn reaches(&self, r: &Repr, target: TypeId) -> bool {
        let mut stack = Vec::new();
        self.direct(r, &mut stack);
        let mut seen = HashSet::new();
        while let Some(id) = stack.pop() {
            if id == target {
                return true;
            }
            if !seen.insert(id) {
                continue;
            }
            for field in self.field_reprs(id) {
                self.direct(&field, &mut stack);
            }
        }
        false
    }

    fn field_reprs(&self, id: TypeId) -> Vec<Repr> {
        let def = &self.spec.types[id];
        if hint_text(&def.hints, "repr").is_some() {
            return Vec::new();
        }
        let mut out = Vec::new();
        let cases = |cs: &[Case], out: &mut Vec<Repr>| {
            for c in cs {
                match &c.kind {
                    CaseKind::Include(t) => out.push(self.repr(t)),
                    CaseKind::Con(m) => out.extend(m.slots.iter().map(|t| self.repr(t))),
                }
            }
        };
        match &def.body {
            TypeBody::Variant(cs) => cases(cs, &mut out),
            TypeBody::Alias(t) => out.push(self.repr(t)),
            TypeBody::Record(fs) => out.extend(fs.iter().map(|f| self.repr(&f.ty))),
            TypeBody::Family(insts) => {
                for (i, inst) in insts.iter().enumerate() {
                    match &inst.body {
                        TypeBody::Variant(cs) => cases(cs, &mut out),
                        TypeBody::Record(fs) => out.extend(fs.iter().map(|f| self.repr(&f.ty))),
                        TypeBody::Alias(t) => out.push(self.repr_in(t, &self.instance_env(id, i), 0)),
                        _ => {}
                    }
                }
            }
            _ => {}
        }
        out
    }

    /// A field's Rust type, boxed if it would make `owner` infinitely large.
    pub fn field_type(&self, r: &Repr, owner: TypeId) -> String {
        if self.reaches(r, owner) {
            format!("Box<{}>", r.rust())
        } else {
            r.rust()
        }
    }

    pub fn field_boxed(&self, r: &Repr, owner: TypeId) -> bool {
        self.reaches(r, owner)
    }

    // -----------------------------------------------------------------------------------------
    // Generation

    fn derives(&self, id: TypeId) -> &'static str {
        if self.type_copy(id, &mut HashSet::new()) {
            "#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]"
        } else {
            "#[derive(Clone, Debug, PartialEq, Eq, Hash)]"
        }
    }

    pub fn gen_types(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "{}\n", super::HEADER);
        let _ = writeln!(out, "//! The abstract syntax: a Rust type for every `syntax` definition of the spec.\n");
        let _ = writeln!(out, "use wspec_runtime::Seq;\n");
        for (id, def) in self.spec.types.iter().enumerate() {
            self.gen_type(&mut out, id, def);
        }
        self.gen_finite(&mut out);
        out
    }

    /// The number of values of a Rust type that `gen_types` emitted, if it is finite and at
    /// most [`FINITE_MAX`]: an enum or tuple struct whose fields are all such types.
    pub fn finite_count(&self, rust: &str) -> Option<usize> {
        self.finite_count_in(rust, &mut Vec::new())
    }

    fn finite_count_in(&self, rust: &str, seen: &mut Vec<String>) -> Option<usize> {
        if seen.iter().any(|s| s == rust) {
            return None;
        }
        let shape = self.rust_shapes.borrow().get(rust).cloned()?;
        seen.push(rust.to_string());
        let product = |fields: &[String], seen: &mut Vec<String>| -> Option<usize> {
            fields.iter().try_fold(1usize, |n, f| n.checked_mul(self.finite_count_in(f, seen)?).filter(|n| *n <= FINITE_MAX))
        };
        let n = match &shape {
            RustShape::Tuple(fields) => product(fields, seen),
            RustShape::Enum(variants) => variants.iter().try_fold(0usize, |n, (_, f)| Some(n + product(f, seen)?)).filter(|n| *n <= FINITE_MAX),
        };
        seen.pop();
        n
    }

    /// For each finite type (see [`Gen::finite_count`]): `COUNT`, and `index`/`nth` numbering
    /// its values `0..COUNT`. The dispatch numbers instructions with them, and rebuilds one
    /// from its number as a constant, so that the compiler specialises its rules to it.
    fn gen_finite(&self, out: &mut String) {
        let mut names: Vec<String> = self.rust_shapes.borrow().keys().cloned().collect();
        names.sort();
        for name in names {
            if self.finite_count(&name).is_none() {
                continue;
            }
            let shape = self.rust_shapes.borrow()[&name].clone();
            let variants: Vec<(Option<String>, Vec<String>)> = match shape {
                RustShape::Tuple(fields) => vec![(None, fields)],
                RustShape::Enum(vs) => vs.into_iter().map(|(v, f)| (Some(v), f)).collect(),
            };
            let ctor = |v: &Option<String>| match v {
                Some(v) => format!("{name}::{v}"),
                None => name.clone(),
            };
            let counts: Vec<String> = variants.iter().map(|(_, f)| count_of(f)).collect();
            let _ = writeln!(out, "impl {name} {{\n    /// How many values there are; [`{name}::index`] numbers them.\n    pub const COUNT: usize = {};\n", sum(&counts));
            let _ = writeln!(out, "    #[inline(always)]\n    pub fn index(self) -> usize {{\n        match self {{");
            for (i, (v, fields)) in variants.iter().enumerate() {
                let binds: Vec<String> = (0..fields.len()).map(|k| format!("f{k}")).collect();
                let pat = if fields.is_empty() { ctor(v) } else { format!("{}({})", ctor(v), binds.join(", ")) };
                let ix = mixed_index(fields);
                let mut terms = counts[..i].to_vec();
                if !ix.is_empty() {
                    terms.push(ix);
                }
                let _ = writeln!(out, "            {pat} => {},", sum(&terms));
            }
            let _ = writeln!(out, "        }}\n    }}\n");
            let _ = writeln!(out, "    /// The value numbered `k` (the last one for any `k` beyond).\n    #[inline(always)]\n    pub fn nth(k: usize) -> Self {{");
            for (i, (v, fields)) in variants.iter().enumerate() {
                let value = if fields.is_empty() { ctor(v) } else { format!("{}({})", ctor(v), mixed_radix(fields, "k").join(", ")) };
                if i + 1 == variants.len() {
                    let _ = writeln!(out, "        {value}");
                } else if fields.is_empty() {
                    let _ = writeln!(out, "        if k == 0 {{\n            return {value};\n        }}\n        let k = k - 1;");
                } else {
                    let _ = writeln!(out, "        if k < {n} {{\n            return {value};\n        }}\n        let k = k - {n};", n = counts[i]);
                }
            }
            let _ = writeln!(out, "    }}\n}}\n");
        }
    }

    fn doc(&self, def: &TypeDef) -> String {
        match hint_text(&def.hints, "desc") {
            Some(d) => format!("/// `{}`: {d}.\n", def.name),
            None => format!("/// `{}`\n", def.name),
        }
    }

    fn gen_type(&self, out: &mut String, id: TypeId, def: &TypeDef) {
        let name = &self.type_names[id];
        let origin = self.origin(def.span);
        if let Some(r) = hint_text(&def.hints, "repr") {
            let _ = writeln!(out, "{origin}\n{}pub type {name} = {r};\n", self.doc(def));
            return;
        }
        match &def.body {
            TypeBody::Pending => {}
            TypeBody::Alias(t) => {
                let _ = writeln!(out, "{origin}\n{}pub type {name} = {};\n", self.doc(def), self.repr(t).rust());
            }
            TypeBody::Range(lo, hi, _) => {
                let r = self.int_repr(lo, hi, &Env::new());
                let _ = writeln!(out, "{origin}\n{}pub type {name} = {};\n", self.doc(def), r.rust());
            }
            TypeBody::Variant(cases) => {
                if self.numeric_enums.contains_key(&id) {
                    let max = cases
                        .iter()
                        .filter_map(|c| match &c.kind {
                            CaseKind::Con(m) => m.head().and_then(|h| h.parse::<BigInt>().ok()),
                            _ => None,
                        })
                        .max()
                        .unwrap_or_default();
                    let lo = Exp { kind: ExpKind::Num(BigInt::from(0)), ty: Ty::Nat, span: def.span };
                    let hi = Exp { kind: ExpKind::Num(max), ty: Ty::Nat, span: def.span };
                    let r = self.int_repr(&lo, &hi, &Env::new());
                    let _ = writeln!(out, "{origin}\n{}pub type {name} = {};\n", self.doc(def), r.rust());
                } else {
                    self.gen_variant(out, id, None, name, cases, &self.doc(def), &origin);
                }
            }
            TypeBody::Record(fields) => self.gen_record(out, id, name, fields, &self.doc(def), &origin),
            TypeBody::Family(insts) => {
                if self.is_plain_family(id) {
                    match &insts[0].body {
                        TypeBody::Variant(cases) => self.gen_variant(out, id, Some(0), name, cases, &self.doc(def), &origin),
                        TypeBody::Record(fields) => self.gen_record(out, id, name, fields, &self.doc(def), &origin),
                        // Ranges and aliases map to a Rust type per use.
                        _ => {}
                    }
                    return;
                }
                let derive = self.derives(id);
                let _ = writeln!(out, "{origin}\n{}{derive}\npub enum {name} {{", self.doc(def));
                let mut variants = Vec::new();
                for (i, inst) in insts.iter().enumerate() {
                    let v = &self.inst_variants[&(id, i)];
                    let payload = match &inst.body {
                        TypeBody::Variant(_) | TypeBody::Record(_) => Some(self.inst_types[&(id, i)].clone()),
                        TypeBody::Alias(t) => Some(self.repr_in(t, &self.instance_env(id, i), 0).rust()),
                        TypeBody::Range(lo, hi, _) => Some(self.int_repr(lo, hi, &self.instance_env(id, i)).rust()),
                        _ => None,
                    };
                    let _ = writeln!(out, "    {}", self.origin(inst.span));
                    variants.push((v.clone(), payload.iter().cloned().collect::<Vec<_>>()));
                    match payload {
                        Some(p) => {
                            let _ = writeln!(out, "    {v}({p}),");
                        }
                        None => {
                            let _ = writeln!(out, "    {v},");
                        }
                    }
                }
                let _ = writeln!(out, "}}\n");
                self.rust_shapes.borrow_mut().insert(name.clone(), RustShape::Enum(variants));
                for (i, inst) in insts.iter().enumerate() {
                    let Some(tn) = self.inst_types.get(&(id, i)) else { continue };
                    let origin = self.origin(inst.span);
                    let doc = format!("/// An instance of `{}`.\n", def.name);
                    match &inst.body {
                        TypeBody::Variant(cases) => self.gen_variant(out, id, Some(i), tn, cases, &doc, &origin),
                        TypeBody::Record(fields) => self.gen_record(out, id, tn, fields, &doc, &origin),
                        _ => {}
                    }
                }
            }
        }
    }

    /// Whether a variant is generated as a struct (one constructor, no inclusion).
    pub fn variant_is_struct(&self, cases: &[Case]) -> bool {
        cases.len() == 1 && matches!(cases[0].kind, CaseKind::Con(_))
    }

    #[allow(clippy::too_many_arguments)]
    fn gen_variant(&self, out: &mut String, id: TypeId, inst: Option<usize>, name: &str, cases: &[Case], doc: &str, origin: &str) {
        let derive = self.derives(id);
        let env = inst.map(|i| self.instance_env(id, i)).unwrap_or_default();
        let slot_types = |m: &Mixop| -> Vec<String> {
            m.slots.iter().map(|t| self.field_type(&self.owned_seqs(id, self.repr_in(t, &env, 0)), id)).collect()
        };
        if self.variant_is_struct(cases) {
            let CaseKind::Con(m) = &cases[0].kind else { unreachable!() };
            let fields = slot_types(m);
            self.rust_shapes.borrow_mut().insert(name.to_string(), RustShape::Tuple(fields.clone()));
            let _ = writeln!(out, "{origin}\n{doc}{derive}");
            if fields.is_empty() {
                let _ = writeln!(out, "pub struct {name};\n");
            } else {
                let f: Vec<String> = fields.iter().map(|t| format!("pub {t}")).collect();
                let _ = writeln!(out, "pub struct {name}({});\n", f.join(", "));
            }
            return;
        }
        let case_key_inst = if self.is_plain_family(id) { Some(0) } else { inst };
        // Each case: its constructor, its fields' Rust types, and whether they are all `Copy`.
        let mut shapes: Vec<(String, Vec<String>, bool)> = Vec::new();
        for (i, c) in cases.iter().enumerate() {
            let v = self.case_names.get(&(id, case_key_inst, i)).cloned().unwrap_or_else(|| format!("C{i}"));
            let slots: Vec<Repr> = match &c.kind {
                CaseKind::Include(t) => vec![self.repr_in(t, &env, 0)],
                CaseKind::Con(m) => m.slots.iter().map(|t| self.owned_seqs(id, self.repr_in(t, &env, 0))).collect(),
            };
            let copy = slots.iter().all(|r| !self.field_boxed(r, id) && self.is_copy(r, &mut HashSet::new()));
            let fields = slots.iter().map(|r| self.field_type(r, id)).collect();
            shapes.push((v, fields, copy));
        }
        let bitwise_clone = derive.contains("Copy") || !has_hint(&self.spec.types[id].hints, "plain") || !shapes.iter().any(|(_, f, copy)| *copy && !f.is_empty());
        let derive = if bitwise_clone { derive } else { "#[derive(Debug, PartialEq, Eq, Hash)]" };
        let _ = writeln!(out, "{origin}\n{doc}{derive}\npub enum {name} {{");
        for (v, fields, _) in &shapes {
            if fields.is_empty() {
                let _ = writeln!(out, "    {v},");
            } else {
                let _ = writeln!(out, "    {v}({}),", fields.join(", "));
            }
        }
        let _ = writeln!(out, "}}\n");
        let variants = shapes.iter().map(|(v, f, _)| (v.clone(), f.clone())).collect();
        self.rust_shapes.borrow_mut().insert(name.to_string(), RustShape::Enum(variants));
        if !bitwise_clone {
            self.gen_mixed_clone(out, name, &shapes);
        }
    }

    /// `Clone` for a `hint(plain)` enum some of whose cases hold only `Copy` data (`Val`,
    /// `Instr`): those are copied as a whole. Derived, the clone rebuilt them field by field
    /// into a temporary, and the copy out of it read wider pieces than were written, which
    /// stalls the processor on every value moved. The compiler checks that the cases so copied
    /// are `Copy`.
    fn gen_mixed_clone(&self, out: &mut String, name: &str, shapes: &[(String, Vec<String>, bool)]) {
        let owning: Vec<String> = shapes
            .iter()
            .filter(|s| !s.2)
            .map(|(v, fields, _)| {
                let binds: Vec<String> = (0..fields.len()).map(|k| format!("f{k}")).collect();
                let clones: Vec<String> = binds.iter().map(|b| format!("{b}.clone()")).collect();
                format!("            {name}::{v}({}) => {name}::{v}({}),\n", binds.join(", "), clones.join(", "))
            })
            .collect();
        // Owning cases have fields (a case without any is plain).
        let tests: Vec<String> = shapes.iter().filter(|s| !s.2).map(|(v, _, _)| format!("{name}::{v}(..)")).collect();
        // The owning cases are cloned out of line, so that the common case stays one copy of
        // memory to memory instead of merging with them into registers and a temporary.
        let _ = writeln!(out, "impl Clone for {name} {{");
        let _ = writeln!(out, "    #[inline]\n    fn clone(&self) -> Self {{");
        let _ = writeln!(out, "        if matches!(self, {}) {{\n            self.clone_owning()\n        }} else {{", tests.join(" | "));
        let _ = writeln!(out, "            // SAFETY: the other cases hold only `Copy` data (checked below).");
        let _ = writeln!(out, "            unsafe {{ std::ptr::read(self) }}\n        }}\n    }}\n}}\n");
        let _ = writeln!(out, "impl {name} {{\n    #[inline(never)]\n    fn clone_owning(&self) -> Self {{\n        match self {{");
        for arm in &owning {
            out.push_str(arm);
        }
        let _ = writeln!(out, "            // Not reached (only owning cases come here); SAFETY: as above.\n            _ => unsafe {{ std::ptr::read(self) }},");
        let _ = writeln!(out, "        }}\n    }}\n}}\n");
        let mut copied: Vec<&String> = shapes.iter().filter(|s| s.2).flat_map(|s| s.1.iter()).collect();
        copied.sort();
        copied.dedup();
        let _ = writeln!(out, "const _: () = {{\n    const fn copy<T: Copy>() {{}}");
        for t in copied {
            let _ = writeln!(out, "    copy::<{t}>();");
        }
        let _ = writeln!(out, "}};\n");
    }

    fn gen_record(&self, out: &mut String, id: TypeId, name: &str, fields: &[Field], doc: &str, origin: &str) {
        let derive = self.derives(id);
        let _ = writeln!(out, "{origin}\n{doc}{derive}\npub struct {name} {{");
        for f in fields {
            let _ = writeln!(out, "    pub {}: {},", field_name(&f.name), self.field_type(&self.repr(&f.ty), id));
        }
        let _ = writeln!(out, "}}\n");
    }
}

/// The most values a type may have to count as finite (see [`Gen::finite_count`]).
pub const FINITE_MAX: usize = 256;

/// A Rust type as `gen_types` emitted it.
#[derive(Clone, Debug)]
pub enum RustShape {
    /// A struct of unnamed fields (none for a unit struct).
    Tuple(Vec<String>),
    /// An enum: each variant with its fields.
    Enum(Vec<(String, Vec<String>)>),
}

/// How many values fields of finite types take together: the product of their counts.
pub fn count_of(fields: &[String]) -> String {
    if fields.is_empty() {
        "1".into()
    } else {
        fields.iter().map(|f| format!("{f}::COUNT")).collect::<Vec<_>>().join(" * ")
    }
}

/// A sum of counts, with the literal terms added up.
fn sum(terms: &[String]) -> String {
    let lit: usize = terms.iter().filter_map(|t| t.parse::<usize>().ok()).sum();
    let mut out: Vec<String> = terms.iter().filter(|t| t.parse::<usize>().is_err()).cloned().collect();
    if out.is_empty() || lit != 0 {
        out.push(lit.to_string());
    }
    out.join(" + ")
}

/// The number of the values of fields of finite types bound to `f0`, `f1`, ...: the inverse
/// of [`mixed_radix`] (`(f0.index()) * F1::COUNT + f1.index()`); empty for no fields.
pub fn mixed_index(fields: &[String]) -> String {
    let mut ix = String::new();
    for (k, f) in fields.iter().enumerate() {
        ix = if k == 0 { "f0.index()".into() } else { format!("({ix}) * {f}::COUNT + f{k}.index()") };
    }
    ix
}

/// The values of fields of finite types numbered together by `k`: field `j` is digit `j` of
/// `k` in the mixed radix of the fields' counts (`F0::nth(k / F1::COUNT)`, `F1::nth(k % F1::COUNT)`).
pub fn mixed_radix(fields: &[String], k: &str) -> Vec<String> {
    fields
        .iter()
        .enumerate()
        .map(|(j, f)| {
            let below: Vec<String> = fields[j + 1..].iter().map(|g| format!("{g}::COUNT")).collect();
            let digit = if below.is_empty() { k.to_string() } else { format!("{k} / ({})", below.join(" * ")) };
            if j == 0 {
                format!("{f}::nth({digit})")
            } else {
                format!("{f}::nth({digit} % {f}::COUNT)")
            }
        })
        .collect()
}

fn is_numeric_enum(cases: &[Case]) -> bool {
    !cases.is_empty()
        && cases.iter().all(|c| {
            matches!(&c.kind, CaseKind::Con(m) if m.slots.is_empty() && m.toks.len() == 1 && m.head().is_some_and(|h| h.chars().all(|c| c.is_ascii_digit())))
        })
}
