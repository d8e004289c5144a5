//! The binary decoder, generated from the grammar productions.
//!
//! Every grammar becomes a function `fn g(r: &mut Reader, cx_: &mut Ctx, params) -> R<T>`.
//! - Alternatives are tried in order (an ordered choice). When every production starts with a
//!   byte, the first byte selects them (`match`), and when those of one byte continue with a
//!   literal of the same nonterminal (`0xFC 12:Bu32 ...`), that value selects further.
//! - When all alternatives fail, the failure that read furthest is reported; if none read past
//!   the start, the grammar's `hint(error "...")` message (followed by the offending byte when
//!   the first byte selected) or the first failure.
//! - An iteration `s*` stops at the end of the input or region, or at a byte that can follow an
//!   iteration of the same nonterminal anywhere in the grammar (its stop set: for instructions,
//!   `else` and `end`); other bytes start an element, and an element's error is an error. When
//!   the stop set cannot be computed, the iteration stops at the first element that fails
//!   without consuming input.
//! - Premises are checked in data-flow order; one with `hint(error "...")` reports that message.
//! - Builtin grammars (`hint(builtin "...")`) are implemented in `wspec-runtime`: LEB128 with the
//!   standard's limits, bytes, and sized regions.

use super::names::{fn_name, var_name};
use super::rust::{conv_name, Conv, Fx, Local, Unit};
use super::{has_hint, hint_text, indent, Gen};
use crate::ir::*;
use std::collections::{BTreeSet, HashMap};
use std::fmt::Write;

/// A set of bytes; `None` where unknown (any byte).
type Bytes = Option<BTreeSet<u8>>;

fn union(a: &Bytes, b: &Bytes) -> Bytes {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.union(y).copied().collect()),
        _ => None,
    }
}

/// FIRST sets and nullability of grammars, and stop sets of iterations.
struct Lookahead {
    first: HashMap<GramId, (Bytes, bool)>,
    /// Stop set per element nonterminal of iterations.
    stop: HashMap<GramId, Bytes>,
}

impl Gen<'_> {
    fn builtin(&self, g: GramId) -> Option<String> {
        hint_text(&self.spec.grammars[g].hints, "builtin")
    }

    fn lookahead(&self) -> Lookahead {
        let mut la = Lookahead { first: HashMap::new(), stop: HashMap::new() };
        for g in 0..self.spec.grammars.len() {
            la.first.insert(g, (Some(BTreeSet::new()), false));
        }
        // Fixpoint of FIRST and nullable.
        for _ in 0..64 {
            let mut changed = false;
            for (g, gr) in self.spec.grammars.iter().enumerate() {
                let new = if self.builtin(g).is_some() || gr.productions.is_empty() {
                    (None, false)
                } else {
                    let mut f: Bytes = Some(BTreeSet::new());
                    let mut nullable = false;
                    for p in &gr.productions {
                        let (pf, pn) = self.first_seq(&p.symbols, &la);
                        f = union(&f, &pf);
                        nullable |= pn;
                    }
                    (f, nullable)
                };
                if la.first.get(&g) != Some(&new) {
                    la.first.insert(g, new);
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        // Stop sets: what can follow iterations over each nonterminal.
        for gr in &self.spec.grammars {
            for p in &gr.productions {
                self.collect_stops(&p.symbols, &Some(BTreeSet::new()), &mut la);
            }
        }
        la
    }

    /// Records, for each iteration in `syms`, what may follow it (`after` follows `syms`).
    fn collect_stops(&self, syms: &[Sym], after: &Bytes, la: &mut Lookahead) {
        for (i, s) in syms.iter().enumerate() {
            let (rest_first, rest_nullable) = self.first_seq(&syms[i + 1..], la);
            let follow = if rest_nullable { union(&rest_first, after) } else { rest_first };
            self.collect_stops_sym(s, &follow, la);
        }
    }

    fn collect_stops_sym(&self, s: &Sym, follow: &Bytes, la: &mut Lookahead) {
        match &s.kind {
            SymKind::Iter(inner, spec) if spec.count.is_none() => {
                if let Some(g) = element_nonterm(inner) {
                    let prev = la.stop.get(&g).cloned().unwrap_or(Some(BTreeSet::new()));
                    la.stop.insert(g, union(&prev, follow));
                }
                let inner_follow = union(follow, &self.first_sym(inner, la).0);
                self.collect_stops_sym(inner, &inner_follow, la);
            }
            SymKind::Iter(inner, _) | SymKind::Bind(_, inner) => self.collect_stops_sym(inner, follow, la),
            SymKind::Seq(xs) => self.collect_stops(xs, follow, la),
            SymKind::Alt(xs) => xs.iter().for_each(|x| self.collect_stops_sym(x, follow, la)),
            _ => {}
        }
    }

    fn first_seq(&self, syms: &[Sym], la: &Lookahead) -> (Bytes, bool) {
        let mut f: Bytes = Some(BTreeSet::new());
        for s in syms {
            let (sf, sn) = self.first_sym(s, la);
            f = union(&f, &sf);
            if !sn {
                return (f, false);
            }
        }
        (f, true)
    }

    fn first_sym(&self, s: &Sym, la: &Lookahead) -> (Bytes, bool) {
        match &s.kind {
            SymKind::Byte(b) => (Some([*b].into_iter().collect()), false),
            SymKind::Range(lo, hi) => (Some((*lo..=*hi).collect()), false),
            SymKind::Text(_) => (None, false),
            SymKind::Eps => (Some(BTreeSet::new()), true),
            SymKind::NonTerm(NonTermRef::Grammar(g), _) => la.first.get(g).cloned().unwrap_or((None, false)),
            SymKind::NonTerm(NonTermRef::Param(_), _) => (None, true),
            SymKind::Bind(p, inner) => {
                // A literal bound to a byte: `0:Bbyte`.
                if let (ExpKind::Num(n), SymKind::NonTerm(NonTermRef::Grammar(g), _)) = (&p.kind, &inner.kind) {
                    if self.builtin(*g).as_deref() == Some("byte") {
                        if let Ok(b) = u8::try_from(n.clone()) {
                            return (Some([b].into_iter().collect()), false);
                        }
                    }
                }
                self.first_sym(inner, la)
            }
            SymKind::Seq(xs) => self.first_seq(xs, la),
            SymKind::Alt(xs) => {
                let mut f: Bytes = Some(BTreeSet::new());
                let mut n = false;
                for x in xs {
                    let (xf, xn) = self.first_sym(x, la);
                    f = union(&f, &xf);
                    n |= xn;
                }
                (f, n)
            }
            SymKind::Iter(inner, spec) => {
                let (f, n) = self.first_sym(inner, la);
                (f, n || spec.kind != IterKind::Plus)
            }
        }
    }

    // -----------------------------------------------------------------------------------------

    pub fn gen_decoder(&self) -> String {
        let unit = Unit::default();
        let la = self.lookahead();
        let mut body = String::new();
        for (g, gr) in self.spec.grammars.iter().enumerate() {
            match self.gen_grammar(g, gr, &unit, &la) {
                Ok(code) => body.push_str(&code),
                Err(msg) => self.error(gr.span, format!("grammar `{}`: {msg}", gr.name)),
            }
        }
        let mut out = String::new();
        let _ = writeln!(out, "{}\n", super::HEADER);
        let _ = writeln!(out, "//! The binary decoder: a function for every grammar of the spec.\n");
        let _ = writeln!(out, "use crate::syntax::*;");
        let _ = writeln!(out, "use wspec_runtime::{{Arena, Best, DecodeError, Fail, Reader, Seq, R}};\n");
        // The arenas decoded sequences live in.
        let _ = writeln!(out, "/// The arenas that decoded sequences are stored in.\n#[derive(Clone, Debug, Default)]\npub struct Ctx {{");
        let mut arenas: Vec<TypeId> = self.arena.iter().copied().collect();
        arenas.sort();
        for id in &arenas {
            let _ = writeln!(out, "    pub {}: Arena<{}>,", super::names::field_name(&self.spec.types[*id].name), self.type_names[*id]);
        }
        let _ = writeln!(out, "}}\n");
        self.gen_entry(&mut out);
        out.push_str(&body);
        // Definitions the decoder calls, and conversions.
        self.gen_defs(&mut out, &unit);
        self.gen_convs(&mut out, &unit);
        out
    }

    /// `decode_module(bytes)`: the grammar producing a `module`, over the whole input.
    fn gen_entry(&self, out: &mut String) {
        let entry = self.spec.grammars.iter().enumerate().find(|(_, g)| {
            g.params.is_empty() && matches!(&g.result, Ty::Named(id, _) if self.spec.types[*id].name == "module")
        });
        let Some((g, gr)) = entry else { return };
        let trailing = hint_text(&gr.hints, "trailing").unwrap_or_else(|| "unexpected content after the module".to_string());
        let fallback = hint_text(&gr.hints, "error").unwrap_or_else(|| "malformed module".to_string());
        let _ = writeln!(
            out,
            "/// Decodes a binary module; the whole input must be one module.\n\
             pub fn decode_module(bytes: &[u8]) -> Result<(Module, Ctx), DecodeError> {{\n\
             \x20   let mut r = Reader::new(bytes);\n\
             \x20   let mut c = Ctx::default();\n\
             \x20   let m = {}(&mut r, &mut c).map_err(|f| f.into_error({fallback:?}))?;\n\
             \x20   if !r.at_end() {{\n\
             \x20       return Err(r.error(r.pos(), {trailing:?}));\n\
             \x20   }}\n\
             \x20   Ok((m, c))\n\
             }}\n\n\
             /// Decodes a binary module into an existing arena context (sequences of modules decoded\n\
             /// earlier stay valid).\n\
             pub fn decode_module_in(bytes: &[u8], c: &mut Ctx) -> Result<Module, DecodeError> {{\n\
             \x20   let mut r = Reader::new(bytes);\n\
             \x20   let m = {}(&mut r, c).map_err(|f| f.into_error({fallback:?}))?;\n\
             \x20   if !r.at_end() {{\n\
             \x20       return Err(r.error(r.pos(), {trailing:?}));\n\
             \x20   }}\n\
             \x20   Ok(m)\n\
             }}\n",
            self.gram_fn(g),
            self.gram_fn(g)
        );
    }

    /// Grammars that can call themselves (through others): their calls may nest as deeply as
    /// the input, so they run with a stack that grows.
    fn recursive_grammars(&self) -> BTreeSet<GramId> {
        fn calls(s: &Sym, out: &mut BTreeSet<GramId>) {
            match &s.kind {
                SymKind::NonTerm(NonTermRef::Grammar(g), args) => {
                    out.insert(*g);
                    for a in args {
                        if let SymArg::Grammar(x) = a {
                            calls(x, out);
                        }
                    }
                }
                SymKind::Bind(_, x) | SymKind::Iter(x, _) => calls(x, out),
                SymKind::Seq(xs) | SymKind::Alt(xs) => xs.iter().for_each(|x| calls(x, out)),
                _ => {}
            }
        }
        let n = self.spec.grammars.len();
        let edges: Vec<BTreeSet<GramId>> = self
            .spec
            .grammars
            .iter()
            .map(|g| {
                let mut out = BTreeSet::new();
                for p in &g.productions {
                    p.symbols.iter().for_each(|s| calls(s, &mut out));
                }
                out
            })
            .collect();
        (0..n)
            .filter(|&g| {
                // g reaches itself?
                let mut seen = BTreeSet::new();
                let mut stack: Vec<GramId> = edges[g].iter().copied().collect();
                while let Some(x) = stack.pop() {
                    if x == g {
                        return true;
                    }
                    if seen.insert(x) {
                        stack.extend(edges[x].iter().copied());
                    }
                }
                false
            })
            .collect()
    }

    fn gram_fn(&self, g: GramId) -> String {
        fn_name(&self.spec.grammars[g].name)
    }

    /// Parameters of a grammar's function: (declaration, call-argument names).
    fn gram_params(&self, gr: &Grammar) -> (String, Vec<String>) {
        let mut decl = String::new();
        let mut names = Vec::new();
        for p in &gr.params {
            match p {
                GramParam::Value(n, t) => {
                    let _ = write!(decl, ", {}: {}", var_name(n), self.repr(t).rust());
                    names.push(var_name(n));
                }
                GramParam::Grammar(n, t) => {
                    let _ = write!(
                        decl,
                        ", {}: &mut dyn FnMut(&mut Reader<'_>, &mut Ctx) -> R<{}>",
                        var_name(n),
                        self.repr(t).rust()
                    );
                    names.push(var_name(n));
                }
            }
        }
        (decl, names)
    }

    fn type_params(&self, gr: &Grammar) -> String {
        let mut ps = BTreeSet::new();
        fn walk(t: &Ty, ps: &mut BTreeSet<String>) {
            match t {
                Ty::Param(p) => {
                    ps.insert(p.clone());
                }
                Ty::Iter(x, _) => walk(x, ps),
                Ty::Tuple(xs) => xs.iter().for_each(|x| walk(x, ps)),
                _ => {}
            }
        }
        walk(&gr.result, &mut ps);
        for p in &gr.params {
            match p {
                GramParam::Value(_, t) | GramParam::Grammar(_, t) => walk(t, &mut ps),
            }
        }
        if ps.is_empty() {
            String::new()
        } else {
            format!("<{}>", ps.into_iter().map(|p| format!("{p}: Clone")).collect::<Vec<_>>().join(", "))
        }
    }

    fn gen_grammar(&self, g: GramId, gr: &Grammar, unit: &Unit, la: &Lookahead) -> Result<String, String> {
        let mut out = String::new();
        let name = self.gram_fn(g);
        let (params, names) = self.gram_params(gr);
        let tparams = self.type_params(gr);
        let result = self.repr(&gr.result).rust();
        let _ = writeln!(out, "{} grammar {}", self.origin(gr.span), gr.name);
        let _ = writeln!(out, "pub fn {name}{tparams}(rd_: &mut Reader<'_>, cx_: &mut Ctx{params}) -> R<{result}> {{");
        if let Some(b) = self.builtin(g) {
            self.gen_builtin_grammar(&mut out, gr, &b, &names)?;
            let _ = writeln!(out, "}}\n");
            return Ok(out);
        }
        let hint = hint_text(&gr.hints, "error");
        let call_args: String = names.iter().map(|n| format!(", {n}")).collect();
        // Failures past the start get a message: the grammar's, or "malformed <what>".
        let what = hint.clone().unwrap_or_else(|| format!("malformed {}", hint_text(&gr.hints, "desc").unwrap_or_else(|| gr.name.trim_start_matches('B').to_string())));
        let names_only: String = names.iter().map(|n| format!(", {n}")).collect();
        let _ = writeln!(out, "    let start = rd_.pos();");
        let call = format!("{name}_alts(rd_, cx_{names_only})");
        let call = if self.recursive_grammars().contains(&g) { format!("wspec_runtime::deep(|| {call})") } else { call };
        let _ = writeln!(out, "    {call}.map_err(|e| e.reached_at(rd_.pos()).harden(start, {what:?}))\n}}\n");
        let _ = writeln!(out, "fn {name}_alts{tparams}(rd_: &mut Reader<'_>, cx_: &mut Ctx{params}) -> R<{result}> {{");
        let _ = writeln!(out, "    let start = rd_.pos();");
        let prods = &gr.productions;
        // Dispatch on the first byte when every production starts with one.
        let firsts: Vec<Option<u8>> = prods.iter().map(|p| first_byte(&p.symbols)).collect();
        if !prods.is_empty() && firsts.iter().all(|f| f.is_some()) {
            let mut arms: Vec<(u8, Vec<usize>)> = Vec::new();
            for (i, f) in firsts.iter().enumerate() {
                let b = f.unwrap();
                match arms.iter_mut().find(|(x, _)| *x == b) {
                    Some((_, v)) => v.push(i),
                    None => arms.push((b, vec![i])),
                }
            }
            let _ = writeln!(out, "    let b = rd_.peek()?;");
            let _ = writeln!(out, "    match b {{");
            for (b, ps) in &arms {
                let _ = writeln!(out, "        {b:#04x} => {{");
                if let Some(sub) = self.sub_dispatch(gr, ps) {
                    self.gen_sub_dispatch(&mut out, &name, gr, ps, &sub, &call_args, hint.as_deref())?;
                } else {
                    self.gen_ordered(&mut out, &name, ps, &call_args, hint.as_deref(), 0);
                }
                let _ = writeln!(out, "        }}");
            }
            if let Some(c) = hint_text(&gr.hints, "error_continuation") {
                let _ = writeln!(out, "        _ if b & 0x80 != 0 => Err(Fail::msg(start, {c:?})),");
            }
            match &hint {
                Some(h) => {
                    let _ = writeln!(out, "        _ => Err(Fail::msg(start, format!(\"{} {{b:02x}}\", {h:?}))),", "{}");
                }
                None => {
                    let _ = writeln!(out, "        _ => Err(Fail::soft().reached_at(start)),");
                }
            }
            let _ = writeln!(out, "    }}");
        } else {
            let all: Vec<usize> = (0..prods.len()).collect();
            self.gen_ordered(&mut out, &name, &all, &call_args, hint.as_deref(), 0);
        }
        let _ = writeln!(out, "}}\n");
        for (i, p) in prods.iter().enumerate() {
            out.push_str(&self.gen_production(g, gr, i, p, unit, la, 0)?);
        }
        // Tails for second-level dispatch.
        for i in self.tails_needed(gr) {
            out.push_str(&self.gen_production(g, gr, i, &prods[i], unit, la, 2)?);
        }
        Ok(out)
    }

    /// Ordered choice among productions (starting after `skip` symbols).
    fn gen_ordered(&self, out: &mut String, name: &str, ps: &[usize], call_args: &str, hint: Option<&str>, skip: usize) {
        if ps.len() == 1 {
            let _ = writeln!(out, "    {}(rd_, cx_{call_args})", prod_fn(name, ps[0], skip));
            return;
        }
        // An alternative that fails with a message after reading input is an error: later
        // alternatives are not tried (an `eps` alternative would hide it).
        let _ = writeln!(out, "    let mut best = Best::new();");
        for &i in ps {
            let _ = writeln!(
                out,
                "    match {}(rd_, cx_{call_args}) {{ Ok(v) => return Ok(v), Err(e) => {{ let e = e.reached_at(rd_.pos()); if !e.is_soft() && e.reached() > start {{ return Err(e); }} best.add(e); rd_.set_pos(start); }} }}",
                prod_fn(name, i, skip)
            );
        }
        let _ = writeln!(out, "    Err(best.finish(start, {}))", match hint {
            Some(h) => format!("Some({h:?})"),
            None => "None".into(),
        });
    }

    /// If productions `ps` all continue `LIT:G` with the same `G` after their first byte, `G`.
    fn sub_dispatch(&self, gr: &Grammar, ps: &[usize]) -> Option<GramId> {
        if ps.len() < 2 {
            return None;
        }
        let mut common = None;
        for &i in ps {
            let s = gr.productions[i].symbols.get(1)?;
            let SymKind::Bind(p, inner) = &s.kind else { return None };
            let ExpKind::Num(_) = p.kind else { return None };
            let SymKind::NonTerm(NonTermRef::Grammar(g), args) = &inner.kind else { return None };
            if !args.is_empty() {
                return None;
            }
            match common {
                None => common = Some(*g),
                Some(c) if c == *g => {}
                _ => return None,
            }
        }
        common
    }

    fn tails_needed(&self, gr: &Grammar) -> Vec<usize> {
        let prods = &gr.productions;
        let firsts: Vec<Option<u8>> = prods.iter().map(|p| first_byte(&p.symbols)).collect();
        if prods.is_empty() || !firsts.iter().all(|f| f.is_some()) {
            return Vec::new();
        }
        let mut out = Vec::new();
        let mut seen: Vec<u8> = Vec::new();
        for f in firsts.iter().flatten() {
            if seen.contains(f) {
                continue;
            }
            seen.push(*f);
            let ps: Vec<usize> = (0..prods.len()).filter(|&i| firsts[i] == Some(*f)).collect();
            if self.sub_dispatch(gr, &ps).is_some() {
                out.extend(ps);
            }
        }
        out
    }

    #[allow(clippy::too_many_arguments)]
    fn gen_sub_dispatch(
        &self,
        out: &mut String,
        name: &str,
        gr: &Grammar,
        ps: &[usize],
        sub: &GramId,
        call_args: &str,
        hint: Option<&str>,
    ) -> Result<(), String> {
        let _ = writeln!(out, "    rd_.byte()?;");
        let _ = writeln!(out, "    let k = wspec_runtime::num::wide({}(rd_, cx_)?)?;", self.gram_fn(*sub));
        let _ = writeln!(out, "    let start = rd_.pos();");
        let _ = writeln!(out, "    match k {{");
        let mut groups: Vec<(String, Vec<usize>)> = Vec::new();
        for &i in ps {
            let SymKind::Bind(p, _) = &gr.productions[i].symbols[1].kind else { unreachable!() };
            let ExpKind::Num(n) = &p.kind else { unreachable!() };
            let key = n.to_string();
            match groups.iter_mut().find(|(k, _)| *k == key) {
                Some((_, v)) => v.push(i),
                None => groups.push((key, vec![i])),
            }
        }
        for (k, is) in &groups {
            let _ = writeln!(out, "        {k} => {{");
            self.gen_ordered(out, name, is, call_args, hint, 2);
            let _ = writeln!(out, "        }}");
        }
        match hint {
            Some(h) => {
                let _ = writeln!(out, "        _ => Err(Fail::msg(start, format!(\"{} {{b:02x}} {{k}}\", {h:?}))),", "{}");
            }
            None => {
                let _ = writeln!(out, "        _ => Err(Fail::soft().reached_at(start)),");
            }
        }
        let _ = writeln!(out, "    }}");
        Ok(())
    }

    fn gen_builtin_grammar(&self, out: &mut String, gr: &Grammar, b: &str, names: &[String]) -> Result<(), String> {
        let result = self.repr(&gr.result);
        let it = self.int_of_repr(&result, 0);
        match b {
            "byte" => {
                let _ = writeln!(out, "    Ok(rd_.byte()?)");
            }
            "leb_unsigned" | "leb_signed" => {
                let n = names.first().ok_or("a LEB128 grammar needs its bit width as a parameter")?;
                let f = if b == "leb_unsigned" { "leb_unsigned" } else { "leb_signed" };
                let it = it.ok_or("a LEB128 grammar must produce an integer")?;
                let _ = writeln!(
                    out,
                    "    let bits = wspec_runtime::num::narrow::<u32>(wspec_runtime::num::wide({n})?)?;\n\
                     \x20   let v = wspec_runtime::reader::{f}(rd_, bits)?;\n\
                     \x20   wspec_runtime::num::narrow::<{it}>(wspec_runtime::num::wide(v)?)"
                );
            }
            "sized" => {
                // (n, BX): BX from exactly the next n bytes.
                let (n, bx) = match names {
                    [n, bx] => (n, bx),
                    _ => return Err("`sized` takes a length and a grammar".into()),
                };
                let mismatch = hint_text(&gr.hints, "error").unwrap_or_else(|| "section size mismatch".into());
                // As the reference: read the contents, then compare their size.
                let _ = writeln!(
                    out,
                    "    let len = wspec_runtime::num::narrow::<usize>(wspec_runtime::num::wide({n})?)?;\n\
                     \x20   let at = rd_.pos();\n\
                     \x20   let v = {bx}(rd_, cx_)?;\n\
                     \x20   if rd_.pos() != at + len {{ return Err(Fail::msg(at, {mismatch:?})); }}\n\
                     \x20   Ok(v)"
                );
            }
            "len" => {
                // A u32 count that the rest of the input can hold.
                let msg = hint_text(&gr.hints, "error").unwrap_or_else(|| "length out of bounds".into());
                let it = it.ok_or("`len` must produce an integer")?;
                let _ = writeln!(
                    out,
                    "    let at = rd_.pos();\n\
                     \x20   let n = wspec_runtime::reader::leb_unsigned(rd_, 32)?;\n\
                     \x20   if n as usize > rd_.limit() - at {{ return Err(Fail::msg(at, {msg:?})); }}\n\
                     \x20   wspec_runtime::num::narrow::<{it}>(wspec_runtime::num::wide(n)?)"
                );
            }
            "name" => {
                // A length, that many bytes, and their UTF-8 decoding.
                let msg = hint_text(&gr.hints, "error").unwrap_or_else(|| "malformed UTF-8 encoding".into());
                let _ = writeln!(
                    out,
                    "    let at = rd_.pos();\n\
                     \x20   let n = wspec_runtime::reader::leb_unsigned(rd_, 32)?;\n\
                     \x20   if n as usize > rd_.limit() - at {{ return Err(Fail::msg(at, \"length out of bounds\")); }}\n\
                     \x20   let bytes = rd_.bytes(n as usize)?;\n\
                     \x20   wspec_runtime::reader::decode_utf8(bytes).ok_or_else(|| Fail::msg(at, {msg:?}))"
                );
            }
            "counted" => {
                // (BX): BX's value and the number of bytes it took.
                let bx = names.first().ok_or("`counted` takes a grammar")?;
                let _ = writeln!(out, "    let start = rd_.pos();\n    let v = {bx}(rd_, cx_)?;\n    Ok(((rd_.pos() - start) as u64, v))");
            }
            other => return Err(format!("unknown builtin grammar `{other}`")),
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn gen_production(
        &self,
        g: GramId,
        gr: &Grammar,
        i: usize,
        p: &Production,
        unit: &Unit,
        la: &Lookahead,
        skip: usize,
    ) -> Result<String, String> {
        let name = self.gram_fn(g);
        let (params, _) = self.gram_params(gr);
        let tparams = self.type_params(gr);
        let result = self.repr(&gr.result).rust();
        let mut fx = Fx::new(self, unit, p.span);
        fx.ctx = Some("cx_".into());
        for gp in &gr.params {
            if let GramParam::Value(n, t) = gp {
                fx.locals.insert(n.clone(), Local::owned(var_name(n), t.clone(), 0, vec![]));
            }
        }
        let mut body = String::new();
        let mut values: Vec<Option<String>> = Vec::new();
        let mut pending: Vec<usize> = p.order.clone();
        let emit_ready = |fx: &mut Fx<'_, '_>, body: &mut String, pending: &mut Vec<usize>| -> Result<(), String> {
            while let Some(pos) = pending.iter().position(|&pi| premise_ready(&p.premises[pi], &fx.locals)) {
                let pi = pending.remove(pos);
                self.gen_premise(fx, &p.premises[pi], body).map_err(|e| format!("{e} (in a premise at {})", self.origin(p.span)))?;
            }
            Ok(())
        };
        // The premises of the module come after everything is read, as in the reference
        // interpreter (content after the last section is reported first); other grammars
        // check a premise as soon as what it reads is bound.
        let eager = hint_text(&gr.hints, "trailing").is_none();
        for s in p.symbols.iter().skip(skip) {
            values.push(self.gen_sym(&mut fx, s, &mut body, la).map_err(|e| format!("{e} (in production at {})", self.origin(p.span)))?);
            if eager {
                emit_ready(&mut fx, &mut body, &mut pending)?;
            }
        }
        // The whole input is one module: content after it is reported before its premises.
        if let Some(t) = hint_text(&gr.hints, "trailing") {
            let _ = writeln!(body, "if !rd_.at_end() {{ return Err(Fail::msg(rd_.pos(), {t:?})); }}");
        }
        for pi in pending {
            self.gen_premise(&mut fx, &p.premises[pi], &mut body).map_err(|e| format!("{e} (in a premise at {})", self.origin(p.span)))?;
        }
        let value = match &p.result {
            Some(e) => {
                fx.movable = super::rust::used_once(e);
                fx.store_as(e, &gr.result).map_err(|e| format!("{e} (in the value of the production at {})", self.origin(p.span)))?
            }
            None => {
                // The value of the one symbol that is not a literal.
                let candidates: Vec<(&Sym, &Option<String>)> = p
                    .symbols
                    .iter()
                    .skip(skip)
                    .zip(&values)
                    .filter(|(s, _)| !matches!(s.kind, SymKind::Byte(_) | SymKind::Text(_) | SymKind::Eps))
                    .collect();
                match candidates.as_slice() {
                    [(s, Some(v))] => self.convert_value(v, &self.sym_ty(s), &gr.result)?,
                    _ => "()".into(),
                }
            }
        };
        let mut out = String::new();
        let _ = writeln!(out, "{}", self.origin(p.span));
        let _ = writeln!(out, "fn {}{tparams}(rd_: &mut Reader<'_>, cx_: &mut Ctx{params}) -> R<{result}> {{", prod_fn(&name, i, skip));
        let _ = writeln!(out, "    let start = rd_.pos();");
        out.push_str(&indent(&body));
        let _ = writeln!(out, "    Ok({value})");
        let _ = writeln!(out, "}}\n");
        Ok(out)
    }

    /// The type of a symbol's value.
    fn sym_ty(&self, s: &Sym) -> Ty {
        match &s.kind {
            SymKind::Byte(_) | SymKind::Range(..) => Ty::Nat,
            SymKind::Text(_) => Ty::Text,
            SymKind::Eps => Ty::Tuple(Vec::new()),
            SymKind::NonTerm(NonTermRef::Grammar(g), args) => {
                let gr = &self.spec.grammars[*g];
                let mut subst = Vec::new();
                for (p, a) in gr.params.iter().zip(args) {
                    if let (GramParam::Grammar(_, pt), SymArg::Grammar(sym)) = (p, a) {
                        unify(pt, &self.sym_ty(sym), &mut subst);
                    }
                }
                subst_ty(&gr.result, &subst)
            }
            SymKind::NonTerm(NonTermRef::Param(n), _) => self
                .spec
                .grammars
                .iter()
                .flat_map(|g| g.params.iter())
                .find_map(|p| match p {
                    GramParam::Grammar(x, t) if x == n => Some(t.clone()),
                    _ => None,
                })
                .unwrap_or(Ty::Error),
            SymKind::Bind(_, inner) => self.sym_ty(inner),
            SymKind::Seq(xs) if xs.len() == 1 => self.sym_ty(&xs[0]),
            SymKind::Seq(_) | SymKind::Alt(_) => Ty::Tuple(Vec::new()),
            SymKind::Iter(inner, spec) => self.sym_ty(inner).iter(spec.kind),
        }
    }

    /// Converts a value between the representations of two types.
    fn convert_value(&self, v: &str, from: &Ty, to: &Ty) -> Result<String, String> {
        Ok(self.convert_code(v, from, to))
    }

    /// Code for one symbol; returns the name of a local holding its value, if it has one.
    fn gen_sym(&self, fx: &mut Fx<'_, '_>, s: &Sym, out: &mut String, la: &Lookahead) -> Result<Option<String>, String> {
        match &s.kind {
            SymKind::Byte(b) => {
                let _ = writeln!(out, "if rd_.peek()? != {b:#04x} {{ return Err(Fail::soft().reached_at(rd_.pos())); }}\nrd_.byte()?;");
                Ok(None)
            }
            SymKind::Range(lo, hi) => {
                let t = fx.fresh("b");
                let _ = writeln!(out, "let {t} = rd_.peek()?;");
                let _ = writeln!(out, "if !({lo:#04x}..={hi:#04x}).contains(&{t}) {{ return Err(Fail::soft().reached_at(rd_.pos())); }}\nrd_.byte()?;");
                let v = fx.fresh("v");
                let _ = writeln!(out, "let {v} = {t} as u64;");
                Ok(Some(v))
            }
            SymKind::Text(_) => Err("text symbols have no binary decoder".into()),
            SymKind::Eps => Ok(Some("()".into())),
            SymKind::NonTerm(..) => {
                let call = self.call_nonterm(fx, s, la)?;
                let t = fx.fresh("v");
                let _ = writeln!(out, "let {t} = {call}?;");
                Ok(Some(t))
            }
            SymKind::Bind(pat, inner) => {
                let v = self.gen_sym(fx, inner, out, la)?.ok_or("a binder on a symbol without a value")?;
                let from = self.sym_ty(inner);
                // Variables hold views: arena sequences are read back.
                let v = if fx.differs(&from) {
                    let t = fx.fresh("v");
                    let _ = writeln!(out, "let {t} = {};", fx.to_view(v, &from)?);
                    t
                } else {
                    v
                };
                let v = if fx.view_type(&from) != fx.view_type(&pat.ty) && !matches!(pat.kind, ExpKind::Iter(..)) {
                    let t = fx.fresh("v");
                    let conv = self.convert_value(&v, &from, &pat.ty)?;
                    let _ = writeln!(out, "let {t} = {conv};");
                    t
                } else {
                    v
                };
                if self.is_copy(&self.repr(&pat.ty), &mut Default::default()) {
                    fx.pattern(pat, &v, out)?;
                    Ok(Some(v))
                } else {
                    // The binder takes the value; the symbol's own value is not needed again.
                    fx.pattern(pat, &v, out)?;
                    Ok(Some("()".into()))
                }
            }
            SymKind::Seq(xs) => {
                let mut last = None;
                for x in xs {
                    last = self.gen_sym(fx, x, out, la)?;
                }
                Ok(if xs.len() == 1 { last } else { Some("()".into()) })
            }
            SymKind::Alt(xs) => {
                // Alternatives without binders: try each.
                let _ = writeln!(out, "{{ let save = rd_.pos(); let mut best = Best::new(); let mut done = false;");
                for x in xs {
                    let mut inner = Fx::new(self, fx.unit, s.span);
                    inner.locals = fx.locals.clone();
                    inner.ctx = fx.ctx.clone();
                    let mut code = String::new();
                    self.gen_sym(&mut inner, x, &mut code, la)?;
                    if inner.locals.len() != fx.locals.len() {
                        return Err("binders inside alternatives are not supported".into());
                    }
                    let _ = writeln!(
                        out,
                        "if !done {{ match (|rd_: &mut Reader<'_>, cx_: &mut Ctx| -> R<()> {{ {code} Ok(()) }})(rd_, cx_) {{ Ok(()) => done = true, Err(e) => {{ let e = e.reached_at(rd_.pos()); if !e.is_soft() && e.reached() > save {{ return Err(e); }} best.add(e); rd_.set_pos(save); }} }} }}"
                    );
                }
                let _ = writeln!(out, "if !done {{ return Err(best.finish(save, None)); }} }}");
                Ok(Some("()".into()))
            }
            SymKind::Iter(inner, spec) => self.gen_iter(fx, s, inner, spec, out, la),
        }
    }

    /// A call of a nonterminal, as an expression of type `R<T>`.
    fn call_nonterm(&self, fx: &Fx<'_, '_>, s: &Sym, la: &Lookahead) -> Result<String, String> {
        match &s.kind {
            SymKind::NonTerm(NonTermRef::Param(p), _) => Ok(format!("{}(rd_, cx_)", var_name(p))),
            SymKind::NonTerm(NonTermRef::Grammar(g), args) => {
                let gr = &self.spec.grammars[*g];
                let mut parts = Vec::new();
                for (p, a) in gr.params.iter().zip(args) {
                    match (p, a) {
                        (GramParam::Value(_, t), SymArg::Value(e)) => parts.push(fx.store_as(e, t)?),
                        (GramParam::Grammar(_, _), SymArg::Grammar(sym)) => {
                            let mut inner = Fx::new(self, fx.unit, s.span);
                            inner.locals = fx.locals.clone();
                            inner.ctx = fx.ctx.clone();
                            let mut code = String::new();
                            let v = self.gen_sym(&mut inner, sym, &mut code, la)?.unwrap_or_else(|| "()".into());
                            let t = self.repr(&self.sym_ty(sym)).rust();
                            parts.push(format!("&mut |rd_: &mut Reader<'_>, cx_: &mut Ctx| -> R<{t}> {{ {code} Ok({v}) }}"));
                        }
                        _ => return Err("argument kinds do not match the grammar's parameters".into()),
                    }
                }
                let rest: String = parts.iter().map(|p| format!(", {p}")).collect();
                Ok(format!("{}(rd_, cx_{rest})", self.gram_fn(*g)))
            }
            _ => Err("not a nonterminal".into()),
        }
    }

    /// An iteration: accumulates the variables bound in each element.
    fn gen_iter(
        &self,
        fx: &mut Fx<'_, '_>,
        s: &Sym,
        inner: &Sym,
        spec: &IterSpec,
        out: &mut String,
        la: &Lookahead,
    ) -> Result<Option<String>, String> {
        // Compile the element in its own scope to learn what it binds.
        let mut efx = Fx::new(self, fx.unit, s.span);
        efx.locals = fx.locals.clone();
        efx.ctx = fx.ctx.clone();
        *efx.tmp.borrow_mut() = *fx.tmp.borrow() + 1000;
        let mut code = String::new();
        let v = self.gen_sym(&mut efx, inner, &mut code, la)?.unwrap_or_else(|| "()".into());
        *fx.tmp.borrow_mut() = *efx.tmp.borrow() + 1;
        let mut bound: Vec<(String, Local)> =
            efx.locals.iter().filter(|(k, _)| !fx.locals.contains_key(*k)).map(|(k, l)| (k.clone(), l.clone())).collect();
        bound.sort_by(|a, b| a.0.cmp(&b.0));
        let elem_t = if v == "()" { "()".to_string() } else { fx.view_type(&self.sym_ty(inner)) };
        let tuple_t: Vec<String> = bound.iter().map(|(_, l)| fx.view_type(&nest(&l.ty, l.dim))).chain([elem_t.clone()]).collect();
        let tuple_v: Vec<String> = bound.iter().map(|(_, l)| l.rust.clone()).chain([v]).collect();
        let elem_fn = fx.fresh("elem");
        let _ = writeln!(
            out,
            "let mut {elem_fn} = |rd_: &mut Reader<'_>, cx_: &mut Ctx| -> R<({},)> {{\n{}    Ok(({},))\n}};",
            tuple_t.join(", "),
            indent(&code),
            tuple_v.join(", ")
        );
        let accs: Vec<String> = bound.iter().map(|(k, _)| fx.fresh(&format!("acc_{}", var_name(k)))).collect();
        let acc_v = fx.fresh("acc");
        let mut push = String::new();
        for (i, a) in accs.iter().enumerate() {
            let _ = write!(push, "{a}.push(t.{i}); ");
        }
        let _ = write!(push, "{acc_v}.push(t.{});", accs.len());
        for a in accs.iter().chain([&acc_v]) {
            let _ = writeln!(out, "let mut {a} = Vec::new();");
        }
        match (spec.kind, &spec.count) {
            (IterKind::Pow, Some(count)) => {
                let n = fx.wide(count)?;
                let _ = writeln!(out, "for _ in 0..wspec_runtime::num::narrow::<usize>({n})? {{ let t = {elem_fn}(rd_, cx_)?; {push} }}");
            }
            (IterKind::Opt, _) => {
                let cond = self.can_start(inner, la);
                let _ = writeln!(out, "{{ let save = rd_.pos();");
                match cond {
                    Some(set) => {
                        let _ = writeln!(out, "if !rd_.at_end() && matches!(rd_.peek()?, {set}) {{ let t = {elem_fn}(rd_, cx_)?; {push} }}");
                    }
                    None => {
                        let _ = writeln!(out, "if !rd_.at_end() {{ match {elem_fn}(rd_, cx_) {{ Ok(t) => {{ {push} }} Err(e) if e.reached() <= save => rd_.set_pos(save), Err(e) => return Err(e) }} }}");
                    }
                }
                let _ = writeln!(out, "}}");
            }
            _ => {
                let stop = element_nonterm(inner).and_then(|g| la.stop.get(&g).cloned()).flatten();
                match stop {
                    Some(set) => {
                        let pat = byte_pattern(&set);
                        let _ = writeln!(out, "while !rd_.at_end() && !matches!(rd_.peek()?, {pat}) {{ let t = {elem_fn}(rd_, cx_)?; {push} }}");
                    }
                    None => {
                        let _ = writeln!(
                            out,
                            "loop {{ if rd_.at_end() {{ break; }} let save = rd_.pos(); match {elem_fn}(rd_, cx_) {{ Ok(t) => {{ {push} }} Err(e) if e.reached() <= save => {{ rd_.set_pos(save); break; }} Err(e) => return Err(e) }} }}"
                        );
                    }
                }
                if spec.kind == IterKind::Plus {
                    let _ = writeln!(out, "wspec_runtime::check(!{acc_v}.is_empty())?;");
                }
            }
        }
        // The accumulated variables are one dimension deeper.
        for ((k, l), a) in bound.iter().zip(&accs) {
            let rust = fx.fresh(&var_name(k));
            let _ = writeln!(out, "let {rust} = {a};");
            let mut opt = vec![spec.kind == IterKind::Opt];
            opt.extend(l.opt.iter().copied());
            fx.locals.insert(k.clone(), Local::owned(rust, l.ty.clone(), l.dim + 1, opt));
        }
        if spec.kind == IterKind::Opt {
            // Optionals are held as `Option`s.
            for (k, _) in &bound {
                let l = fx.locals[k].clone();
                let _ = writeln!(out, "let {0} = {0}.into_iter().next();", l.rust);
            }
            let _ = writeln!(out, "let {acc_v} = {acc_v}.into_iter().next();");
        }
        Ok(Some(acc_v))
    }

    /// The bytes that can start a symbol, as a `match` pattern, if known.
    fn can_start(&self, s: &Sym, la: &Lookahead) -> Option<String> {
        let (f, nullable) = self.first_sym(s, la);
        if nullable {
            return None;
        }
        f.map(|set| byte_pattern(&set))
    }

    fn gen_premise(&self, fx: &mut Fx<'_, '_>, p: &Premise, out: &mut String) -> Result<(), String> {
        let msg = hint_text(&p.hints, "error");
        match &p.kind {
            PremiseKind::If { exp, binds } if binds.is_empty() => {
                let cond = fx.view(exp)?;
                match msg {
                    Some(m) => {
                        let _ = writeln!(out, "wspec_runtime::fail::check_or({cond}, rd_.pos(), {m:?})?;");
                    }
                    None => {
                        let _ = writeln!(out, "wspec_runtime::check({cond})?;");
                    }
                }
                Ok(())
            }
            PremiseKind::If { exp, binds } => {
                let ExpKind::Cmp(op, l, r) = &exp.kind else { return Err("a binding premise that is not an equation".into()) };
                let binds_in = |e: &Exp| {
                    let mut found = false;
                    walk_vars(e, &mut |v| found |= binds.contains(&v.to_string()));
                    found
                };
                let (pat, val) = if binds_in(l) { (l, r) } else { (r, l) };
                let v = fx.fresh("eq");
                let code = match op {
                    crate::ast::CmpOp::In => format!("wspec_runtime::seq::first({})?", fx.view(val)?),
                    _ => fx.view(val)?,
                };
                // A failing computation with an error hint reports it.
                match msg {
                    Some(m) => {
                        let _ = writeln!(
                            out,
                            "let {v} = (|| -> R<_> {{ Ok({code}) }})().map_err(|_| Fail::msg(rd_.pos(), {m:?}))?;"
                        );
                    }
                    None => {
                        let _ = writeln!(out, "let {v} = {code};");
                    }
                }
                fx.pattern(pat, &v, out)?;
                Ok(())
            }
            PremiseKind::Otherwise => Ok(()),
            PremiseKind::Rel { .. } => Err("relation premises in grammars are not supported".into()),
            PremiseKind::Iter { premise, iter } => {
                // The inner premise for each element of the iterated variables; the variables it
                // binds are collected one dimension deeper.
                let mut inner = Fx::new(self, fx.unit, p.span);
                inner.locals = fx.locals.clone();
                inner.ctx = fx.ctx.clone();
                *inner.tmp.borrow_mut() = *fx.tmp.borrow() + 1;
                let mut srcs = Vec::new();
                for v in &iter.vars {
                    let l = fx.locals.get(v).ok_or_else(|| format!("variable `{v}` is not bound here"))?.clone();
                    if l.dim == 0 {
                        return Err(format!("`{v}` is iterated but is not a sequence here"));
                    }
                    let src = inner.fresh("src");
                    let el = inner.fresh(&l.rust);
                    srcs.push((src.clone(), el.clone(), l.rust.clone()));
                    inner.locals.insert(v.clone(), Local::owned(el, l.ty.clone(), l.dim - 1, l.opt[1..].to_vec()));
                }
                if let Some(i) = &iter.index {
                    inner.locals.insert(i.clone(), Local::owned(var_name(i), Ty::Nat, 0, vec![]));
                }
                let before: std::collections::HashSet<String> = inner.locals.keys().cloned().collect();
                let mut body = String::new();
                let mut wrapped = (**premise).clone();
                if wrapped.hints.is_empty() {
                    wrapped.hints = p.hints.clone();
                }
                self.gen_premise(&mut inner, &wrapped, &mut body)?;
                *fx.tmp.borrow_mut() = *inner.tmp.borrow() + 1;
                let mut new: Vec<(String, Local)> =
                    inner.locals.iter().filter(|(k, _)| !before.contains(*k)).map(|(k, l)| (k.clone(), l.clone())).collect();
                new.sort_by(|a, b| a.0.cmp(&b.0));
                for (src, _, outer) in &srcs {
                    let _ = writeln!(out, "let {src}: Vec<_> = {outer}.clone().into_iter().collect();");
                }
                let count = match &iter.count {
                    Some(c) => Some(format!("wspec_runtime::num::narrow::<usize>({})?", fx.wide(c)?)),
                    None => None,
                };
                let lens: Vec<String> = srcs.iter().map(|(s, _, _)| format!("{s}.len()")).collect();
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
                let binds: String = srcs.iter().map(|(s, e, _)| format!("let {e} = {s}[{idx}].clone(); ")).collect();
                let index_bind = if iter.index.is_some() { format!("let {idx} = {idx} as u64; ") } else { String::new() };
                let pushes: String = new.iter().zip(&accs).map(|((_, l), a)| format!("{a}.push({});", l.rust)).collect();
                let _ = writeln!(out, "for {idx} in 0..{n} {{ {binds}{index_bind}\n{body}{pushes} }}");
                fx.bind_collected(&new, &accs, iter.kind == IterKind::Opt, false, out);
                Ok(())
            }
        }
    }

    // -----------------------------------------------------------------------------------------

    fn gen_defs(&self, out: &mut String, unit: &Unit) {
        let mut done: BTreeSet<DefId> = BTreeSet::new();
        let mut code = String::new();
        loop {
            let todo: Vec<DefId> = unit.defs.borrow().iter().copied().filter(|d| !done.contains(d)).collect();
            if todo.is_empty() {
                break;
            }
            for d in todo {
                done.insert(d);
                match self.gen_def(d, unit) {
                    Ok(c) => code.push_str(&c),
                    Err(msg) => self.error(self.spec.defs[d].span, format!("definition `${}`: {msg}", self.spec.defs[d].name)),
                }
            }
        }
        let _ = writeln!(out, "/// Definitions of the spec that the decoder uses.\npub mod defs {{\n    use super::*;\n");
        out.push_str(&indent(&code));
        let _ = writeln!(out, "}}\n");
    }

    fn gen_def(&self, id: DefId, unit: &Unit) -> Result<String, String> {
        let d = &self.spec.defs[id];
        let mut out = String::new();
        // Definitions take and return sequences as lists (`Vec`), and read arena sequences
        // through the context.
        let probe = Fx::new(self, unit, d.span);
        let mut params: Vec<String> = vec!["cx_: &Ctx".to_string()];
        params.extend(d.params.iter().enumerate().map(|(i, (_, t))| format!("a{i}: {}", probe.view_type(t))));
        let tparams = if d.type_params.is_empty() { String::new() } else { format!("<{}>", d.type_params.iter().map(|p| format!("{p}: Clone + PartialEq")).collect::<Vec<_>>().join(", ")) };
        let _ = writeln!(out, "{} def ${}", self.origin(d.span), d.name);
        let _ = writeln!(out, "pub fn {}{tparams}({}) -> R<{}> {{", fn_name(&d.name), params.join(", "), probe.view_type(&d.result));
        for c in &d.clauses {
            let mut fx = Fx::new(self, unit, c.span);
            fx.ctx = Some("cx_".into());
            let mut body = String::new();
            for (i, a) in c.args.iter().enumerate() {
                fx.pattern(a, &format!("a{i}.clone()"), &mut body)?;
            }
            for &pi in &c.order {
                self.gen_premise(&mut fx, &c.premises[pi], &mut body)?;
            }
            fx.movable = super::rust::used_once(&c.body);
            let value = fx.view_as(&c.body, &d.result)?;
            let _ = writeln!(out, "    {}", self.origin(c.span));
            let _ = writeln!(out, "    if let Ok(v) = wspec_runtime::deep(|| -> R<_> {{\n{}        Ok({value})\n    }}) {{ return Ok(v); }}", indent(&indent(&body)));
        }
        let _ = writeln!(out, "    Err(Fail::soft())\n}}\n");
        Ok(out)
    }

    pub(super) fn gen_convs(&self, out: &mut String, unit: &Unit) {
        let _ = writeln!(out, "/// Conversions between types of which one contains the other's values.\npub mod conv {{\n    use super::*;\n");
        let mut done = BTreeSet::new();
        loop {
            let todo: Vec<Conv> = unit.convs.borrow().iter().filter(|c| !done.contains(*c)).cloned().collect();
            if todo.is_empty() {
                break;
            }
            for c in todo {
                done.insert(c.clone());
                match self.gen_conv(&c, unit) {
                    Ok(code) => out.push_str(&indent(&code)),
                    Err(msg) => self.error(
                        self.spec.types[c.from].span,
                        format!("conversion from `{}` to `{}`: {msg}", self.spec.types[c.from].name, self.spec.types[c.to].name),
                    ),
                }
            }
        }
        let _ = writeln!(out, "}}");
    }

    /// A conversion function: every constructor of `from` rebuilt in `to` (widening), or the
    /// other way round, failing on the constructors `to` lacks (narrowing).
    fn gen_conv(&self, c: &Conv, unit: &Unit) -> Result<String, String> {
        let (from, to) = (c.from, c.to);
        let name = conv_name(self, from, to, c.narrow);
        let ft = &self.type_names[from];
        let tt = &self.type_names[to];
        let mut out = String::new();
        let ret = if c.narrow { format!("Option<{tt}>") } else { tt.clone() };
        let _ = writeln!(out, "pub fn {name}(x: {ft}) -> {ret} {{");
        let _ = writeln!(out, "    match x {{");
        // Enumerate the source's constructors with the patterns that reach them.
        let cases = self.leaf_cases(from, 0);
        for (pat_wrappers, decl, inst, case, nargs) in cases {
            let m = self.mixop_of(decl, inst, case).ok_or("lost constructor")?;
            let binders: Vec<String> = (0..nargs).map(|i| format!("f{i}")).collect();
            let ctor_path = {
                let p = self.con_path(from, &[], decl, inst, case, m, 0).ok_or("constructor not found in its own type")?;
                p
            };
            let inner_pat = if nargs == 0 { ctor_path.1 .0.clone() } else { format!("{}({})", ctor_path.1 .0, binders.join(", ")) };
            let mut pat = inner_pat;
            for w in ctor_path.0.iter().rev() {
                pat = format!("{w}({pat})");
            }
            let _ = pat_wrappers;
            let target = self.con_path(to, &[], decl, inst, case, m, 0);
            // Boxed fields on either side (a recursive type boxes what the other need not).
            let slots_of = |owner: TypeId, owner_inst: Option<usize>| -> Vec<Ty> {
                self.case_index_in(owner, owner_inst, m).and_then(|i| self.mixop_of(owner, owner_inst, i)).map(|mm| mm.slots.clone()).unwrap_or_default()
            };
            let from_slots = slots_of(ctor_path.2, ctor_path.3);
            match target {
                Some((ws, (ctor, _), towner, towner_inst)) => {
                    let to_slots = slots_of(towner, towner_inst);
                    let args: Vec<String> = binders
                        .iter()
                        .enumerate()
                        .map(|(k, b)| {
                            let fb = from_slots.get(k).is_some_and(|t| self.field_boxed(&self.repr(t), ctor_path.2));
                            let tb = to_slots.get(k).is_some_and(|t| self.field_boxed(&self.repr(t), towner));
                            match (fb, tb) {
                                (true, false) => format!("*{b}"),
                                (false, true) => format!("Box::new({b})"),
                                _ => b.clone(),
                            }
                        })
                        .collect();
                    let mut e = if nargs == 0 { ctor } else { format!("{ctor}({})", args.join(", ")) };
                    for w in ws.iter().rev() {
                        e = format!("{w}({e})");
                    }
                    if c.narrow {
                        e = format!("Some({e})");
                    }
                    let _ = writeln!(out, "        {pat} => {e},");
                }
                // A notation without atoms of one slot (`storeop_(Inn) = sz`) is its slot.
                None if m.atoms().is_empty() && nargs == 1 && matches!(self.expand(&m.slots[0]), Ty::Named(id, _) if id == to) => {
                    let v = if from_slots.first().is_some_and(|t| self.field_boxed(&self.repr(t), ctor_path.2)) { "*f0" } else { "f0" };
                    let e = if c.narrow { format!("Some({v})") } else { v.to_string() };
                    let _ = writeln!(out, "        {pat} => {e},");
                }
                None if c.narrow => {
                    let _ = writeln!(out, "        {pat} => None,");
                }
                None => return Err(format!("`{}` has no constructor `{}`", self.spec.types[to].name, m.name())),
            }
        }
        let _ = unit;
        let _ = writeln!(out, "        #[allow(unreachable_patterns)]\n        _ => unreachable!(),");
        let _ = writeln!(out, "    }}\n}}\n");
        Ok(out)
    }

    pub fn leaf_cases_pub(&self, id: TypeId) -> Vec<((), TypeId, Option<usize>, usize, usize)> {
        self.leaf_cases(id, 0)
    }

    /// Every constructor reachable in a type: (unused, declaring type, instance, case, arity).
    fn leaf_cases(&self, id: TypeId, depth: usize) -> Vec<((), TypeId, Option<usize>, usize, usize)> {
        let mut out = Vec::new();
        if depth > 16 {
            return out;
        }
        let push_cases = |cases: &[Case], inst: Option<usize>, out: &mut Vec<_>| {
            for (i, c) in cases.iter().enumerate() {
                match &c.kind {
                    CaseKind::Con(m) => out.push(((), id, inst, i, m.slots.len())),
                    CaseKind::Include(t) => {
                        if let Ty::Named(j, _) = self.expand(t) {
                            out.extend(self.leaf_cases(j, depth + 1));
                        }
                    }
                }
            }
        };
        match &self.spec.types[id].body {
            TypeBody::Variant(cases) => push_cases(cases, None, &mut out),
            TypeBody::Family(insts) if self.is_plain_family(id) => {
                if let TypeBody::Variant(cases) = &insts[0].body {
                    push_cases(cases, Some(0), &mut out)
                }
            }
            _ => {}
        }
        out
    }
}

/// Whether a premise's inputs are all bound (the variables it binds need not be).
fn premise_ready(p: &Premise, locals: &HashMap<String, Local>) -> bool {
    let mut ok = true;
    let mut check = |e: &Exp, binds: &[String]| {
        walk_vars(e, &mut |v| {
            if !locals.contains_key(v) && !binds.iter().any(|b| b == v) {
                ok = false;
            }
        })
    };
    fn visit(p: &Premise, check: &mut dyn FnMut(&Exp, &[String]), extra: &[String]) {
        match &p.kind {
            PremiseKind::If { exp, binds } => {
                let all: Vec<String> = binds.iter().chain(extra).cloned().collect();
                check(exp, &all)
            }
            PremiseKind::Rel { args, binds, .. } => {
                let all: Vec<String> = binds.iter().chain(extra).cloned().collect();
                args.iter().for_each(|a| check(a, &all))
            }
            PremiseKind::Iter { premise, iter } => {
                let mut all: Vec<String> = extra.to_vec();
                all.extend(iter.index.iter().cloned());
                if let Some(c) = &iter.count {
                    check(c, &all);
                }
                visit(premise, check, &all)
            }
            PremiseKind::Otherwise => {}
        }
    }
    visit(p, &mut check, &[]);
    ok
}

/// The nonterminal an iteration iterates: `Binstr` in `(in:Binstr)*`.
fn element_nonterm(s: &Sym) -> Option<GramId> {
    match &s.kind {
        SymKind::NonTerm(NonTermRef::Grammar(g), _) => Some(*g),
        SymKind::Bind(_, inner) => element_nonterm(inner),
        SymKind::Seq(xs) if xs.len() == 1 => element_nonterm(&xs[0]),
        _ => None,
    }
}

fn first_byte(syms: &[Sym]) -> Option<u8> {
    match syms.first().map(|s| &s.kind) {
        Some(SymKind::Byte(b)) => Some(*b),
        _ => None,
    }
}

fn prod_fn(name: &str, i: usize, skip: usize) -> String {
    if skip == 0 {
        format!("{name}_p{i}")
    } else {
        format!("{name}_p{i}_from{skip}")
    }
}

fn byte_pattern(set: &BTreeSet<u8>) -> String {
    if set.is_empty() {
        return "_ if false".into();
    }
    set.iter().map(|b| format!("{b:#04x}")).collect::<Vec<_>>().join(" | ")
}


fn nest(t: &Ty, dim: usize) -> Ty {
    let mut t = t.clone();
    for _ in 0..dim {
        t = t.iter(IterKind::Star);
    }
    t
}

fn walk_vars(e: &Exp, f: &mut dyn FnMut(&str)) {
    match &e.kind {
        ExpKind::Var(v) => f(v),
        ExpKind::Con { args, .. } | ExpKind::Tuple(args) | ExpKind::List(args) | ExpKind::Cat(args) | ExpKind::Call(_, args) => {
            args.iter().for_each(|a| walk_vars(a, f))
        }
        ExpKind::Record(fs) => fs.iter().for_each(|(_, a)| walk_vars(a, f)),
        ExpKind::Some(x) | ExpKind::Field(x, _) | ExpKind::Len(x) | ExpKind::Not(x) | ExpKind::Neg(x) | ExpKind::Sub(x, _) => walk_vars(x, f),
        ExpKind::Iter(b, s) => {
            walk_vars(b, f);
            if let Some(c) = &s.count {
                walk_vars(c, f)
            }
        }
        ExpKind::Index(a, b) | ExpKind::Bin(_, a, b) | ExpKind::Cmp(_, a, b) => {
            walk_vars(a, f);
            walk_vars(b, f);
        }
        ExpKind::Slice(a, b, c) => {
            walk_vars(a, f);
            walk_vars(b, f);
            walk_vars(c, f);
        }
        ExpKind::Update(a, _, _, v) => {
            walk_vars(a, f);
            walk_vars(v, f);
        }
        _ => {}
    }
}

fn unify(pattern: &Ty, actual: &Ty, subst: &mut Vec<(String, Ty)>) {
    match (pattern, actual) {
        (Ty::Param(x), t) => {
            if !subst.iter().any(|(n, _)| n == x) {
                subst.push((x.clone(), t.clone()));
            }
        }
        (Ty::Iter(a, _), Ty::Iter(b, _)) => unify(a, b, subst),
        (Ty::Tuple(xs), Ty::Tuple(ys)) if xs.len() == ys.len() => xs.iter().zip(ys).for_each(|(x, y)| unify(x, y, subst)),
        _ => {}
    }
}

fn subst_ty(t: &Ty, subst: &[(String, Ty)]) -> Ty {
    match t {
        Ty::Param(p) => subst.iter().find(|(n, _)| n == p).map(|(_, t)| t.clone()).unwrap_or_else(|| t.clone()),
        Ty::Iter(inner, k) => Ty::Iter(Box::new(subst_ty(inner, subst)), *k),
        Ty::Tuple(ts) => Ty::Tuple(ts.iter().map(|t| subst_ty(t, subst)).collect()),
        _ => t.clone(),
    }
}

#[allow(dead_code)]
fn unused(_: &dyn Fn()) -> bool {
    has_hint(&[], "")
}
