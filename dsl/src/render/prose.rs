//! The spec as prose: reduction rules as the standard's numbered algorithms, typing rules as
//! sentences, syntax, definitions and grammars as formulas in tables.
//!
//! The prose is built as a small document model ([`Block`]) that the Markdown printer here and
//! the HTML printer in [`super::html`] write out.
//!
//! Reduction rules (relations whose notation has `~>`) are grouped by the instruction they
//! reduce, the *redex*: the first instruction of the left side that is not a value (inside an
//! evaluation context, `hint(context)`, when the left side is one). The rules of a group become
//! one algorithm: the values before the redex are popped, then each rule is a branch guarded by
//! its conditions, in order (`otherwise` is the last `Else`); equations that bind variables are
//! `Let` steps; the right side pushes values, enters contexts, executes instructions or traps,
//! and a new state is an update of the state.

use super::math::{self, Sym, M};
use super::notation::Notation;
use super::*;
use crate::ast::CmpOp;
use std::collections::{HashMap, HashSet};
use std::fmt::Write;

/// Inline content.
#[derive(Clone, Debug, PartialEq)]
pub enum Inline {
    Text(String),
    Math(M),
    Code(String),
    Strong(String),
}

pub type Para = Vec<Inline>;

/// One step of an algorithm, with its sub-steps.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    pub text: Para,
    pub sub: Vec<Step>,
    /// For a binding that can fail: the condition under which it succeeds, and whether the
    /// condition binds by itself (then the step is dropped when the condition guards a branch).
    pub guard: Option<(Para, bool)>,
}

impl Step {
    pub fn new(text: Para) -> Step {
        Step { text, sub: Vec::new(), guard: None }
    }
    pub fn with(text: Para, sub: Vec<Step>) -> Step {
        Step { text, sub, guard: None }
    }
}

/// A row of a formula table: anchors, then cells.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub anchors: Vec<String>,
    pub cells: Vec<Para>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Block {
    Heading { level: u8, text: Para, anchors: Vec<String> },
    Para { text: Para, anchors: Vec<String> },
    Bullets(Vec<Para>),
    Steps(Vec<Step>),
    Table { class: &'static str, rows: Vec<Row> },
    /// A rule or an instruction: a title, and what it says.
    Section { anchors: Vec<String>, title: Para, body: Vec<Block> },
}

/// The prose document of a spec.
pub struct Doc {
    pub title: String,
    pub chapters: Vec<(String, Vec<Block>)>,
}

fn t(s: &str) -> Inline {
    Inline::Text(s.to_string())
}

fn m(x: M) -> Inline {
    Inline::Math(x)
}

// ---------------------------------------------------------------------------------------------
// Building the document

pub struct Prose<'a> {
    pub spec: &'a Spec,
    pub n: Notation<'a>,
    sources: Option<&'a SourceMap>,
    body_items: HashSet<(usize, usize)>,
    value_types: HashSet<TypeId>,
    value_heads: HashSet<String>,
    anchored: std::cell::RefCell<HashSet<String>>,
}

/// The left side of a reduction rule, taken apart.
#[derive(Clone, Debug)]
struct Lhs {
    /// The evaluation context around the redex (a `hint(context)` constructor), if any.
    ctx: Option<Exp>,
    /// The values before the redex (inside the context).
    vals: Vec<Exp>,
    redex: Exp,
    /// Whether the redex is the context itself (a context holding only values).
    redex_is_ctx: bool,
    /// The state, for rules of `z; instr*` configurations.
    state: Option<Exp>,
}

/// A premise in algorithm form: a condition (with its variables), or a binding (with the
/// guard that says when it succeeds, whether the guard binds by itself, and the variables its
/// value needs).
#[derive(Clone, Debug)]
enum Act {
    Cond(Para, Vec<String>),
    Let { text: Para, guard: Option<(Para, bool)>, needs: Vec<String>, binds: Vec<String> },
}

/// Whether a pattern always matches: variables, sequences of variables, tuples of those.
fn irrefutable(e: &Exp) -> bool {
    match &strip_sub(e).kind {
        ExpKind::Var(_) => true,
        ExpKind::Iter(b, _) => irrefutable(b),
        ExpKind::Tuple(xs) => xs.iter().all(irrefutable),
        _ => false,
    }
}

/// The single element of a one-element sequence pattern.
fn x_of_single(e: &Exp) -> Option<&Exp> {
    match &strip_sub(e).kind {
        ExpKind::List(xs) if xs.len() == 1 => xs.first(),
        ExpKind::Some(x) => Some(x),
        _ => None,
    }
}

impl<'a> Prose<'a> {
    pub fn new(spec: &'a Spec, sources: Option<&'a SourceMap>) -> Prose<'a> {
        let mut p = Prose {
            spec,
            n: Notation::new(spec, true),
            sources,
            body_items: body_items(spec),
            value_types: HashSet::new(),
            value_heads: HashSet::new(),
            anchored: std::cell::RefCell::new(HashSet::new()),
        };
        p.find_values();
        p
    }

    /// The value types (the type with `hint(value)`, else `val`, and every type it includes)
    /// and their constructors' keywords.
    fn find_values(&mut self) {
        let root = self
            .spec
            .types
            .iter()
            .position(|t| has_hint(&t.hints, "value"))
            .or_else(|| self.spec.type_index.get("val").copied());
        let Some(root) = root else { return };
        let mut todo = vec![root];
        while let Some(id) = todo.pop() {
            if !self.value_types.insert(id) {
                continue;
            }
            let Some(t) = self.spec.types.get(id) else { continue };
            let visit = |body: &TypeBody, todo: &mut Vec<TypeId>, heads: &mut HashSet<String>| match body {
                TypeBody::Variant(cases) => {
                    for c in cases {
                        match &c.kind {
                            CaseKind::Con(m) => {
                                heads.insert(m.name());
                            }
                            CaseKind::Include(Ty::Named(i, _)) => todo.push(*i),
                            CaseKind::Include(_) => {}
                        }
                    }
                }
                TypeBody::Alias(Ty::Named(i, _)) => todo.push(*i),
                _ => {}
            };
            match &t.body {
                TypeBody::Family(insts) => {
                    for i in insts {
                        visit(&i.body, &mut todo, &mut self.value_heads);
                    }
                }
                b => visit(b, &mut todo, &mut self.value_heads),
            }
        }
    }

    fn anchor(&self, a: &Anchor) -> Vec<String> {
        let name = anchor(self.spec, a);
        if self.anchored.borrow_mut().insert(name.clone()) {
            vec![name]
        } else {
            Vec::new()
        }
    }

    pub fn doc(&self) -> Doc {
        let mut chapters = Vec::new();
        for (fi, view) in file_views(self.spec, self.sources).iter().enumerate() {
            let title = if view.number.is_empty() { view.title.clone() } else { format!("{} {}", view.number, view.title) };
            let mut blocks = Vec::new();
            for c in &view.intro {
                blocks.push(self.comment(c));
            }
            let mut ii = 0;
            while ii < view.items.len() {
                let (item, _, comments) = &view.items[ii];
                for c in comments {
                    blocks.push(self.comment(c));
                }
                // A run of reduction rules without comments between them is grouped by redex.
                if let Item::Rule(r, _) = item {
                    if self.n.is_reduction(*r) {
                        let mut run = Vec::new();
                        let mut jj = ii;
                        while jj < view.items.len() {
                            let (it, _, cs) = &view.items[jj];
                            match it {
                                Item::Rule(r2, i2) if self.n.is_reduction(*r2) && (jj == ii || cs.is_empty()) => run.push((*r2, *i2)),
                                _ => break,
                            }
                            jj += 1;
                        }
                        blocks.extend(self.reduction_run(&run));
                        ii = jj;
                        continue;
                    }
                }
                blocks.extend(self.item(fi, ii, item));
                ii += 1;
            }
            chapters.push((title, merge_tables(blocks).into_iter().map(vars_para).collect()));
        }
        Doc { title: "WebAssembly: the specification in prose".into(), chapters }
    }

    fn comment(&self, c: &Comment) -> Block {
        match c {
            Comment::Heading(h) => Block::Heading { level: 3, text: inline_text(h), anchors: Vec::new() },
            Comment::Para(p) => Block::Para { text: inline_text(p), anchors: Vec::new() },
            Comment::List(items) => Block::Bullets(items.iter().map(|i| inline_text(i)).collect()),
        }
    }

    fn item(&self, fi: usize, ii: usize, item: &Item) -> Vec<Block> {
        match item {
            Item::Syntax(..) | Item::Instance(..) => {
                let rows = self.syntax_rows(item, self.body_items.contains(&(fi, ii)));
                if rows.is_empty() {
                    Vec::new()
                } else {
                    vec![Block::Table { class: "syntax", rows }]
                }
            }
            Item::Var(name) => match self.spec.vars.iter().find(|v| &v.name == name) {
                Some(v) => vec![Block::Table {
                    class: "vars",
                    rows: vec![Row { anchors: Vec::new(), cells: vec![vec![m(self.n.var(&v.name))], vec![t("ranges over")], vec![m(self.n.ty(&v.ty))]] }],
                }],
                None => Vec::new(),
            },
            Item::DefSig(id) => vec![Block::Table { class: "defs", rows: self.def_sig_rows(*id) }],
            Item::DefClause(id, i) => vec![Block::Table { class: "defs", rows: self.clause_rows(*id, *i) }],
            Item::Relation(r) => self.relation(*r),
            Item::Rule(r, i) => self.judgement_rule(*r, *i),
            Item::Grammar(id, frag) => {
                let rows = self.grammar_rows(*id, *frag);
                if rows.is_empty() {
                    Vec::new()
                } else {
                    vec![Block::Table { class: "grammar", rows }]
                }
            }
        }
    }

    // -----------------------------------------------------------------------------------------
    // Syntax, definitions, grammars: formulas in tables

    fn syntax_rows(&self, item: &Item, body: bool) -> Vec<Row> {
        let spec = self.spec;
        let (anchors, desc, lhs, cases, single): (Vec<String>, Option<String>, M, Vec<Para>, bool) = match item {
            Item::Syntax(id, None) => {
                let Some(ty) = spec.types.get(*id) else { return Vec::new() };
                let anchors = self.anchor(&Anchor::Syntax(*id));
                if !body {
                    return if anchors.is_empty() { Vec::new() } else { vec![Row { anchors, cells: vec![Vec::new(); 4] }] };
                }
                let (cases, single) = self.body_cases(&ty.body);
                (anchors, hint_str(&ty.hints, "desc"), self.n.type_lhs(*id), cases, single)
            }
            Item::Syntax(id, Some(f)) => {
                let Some(ty) = spec.types.get(*id) else { return Vec::new() };
                let Some(frag) = ty.fragments.get(*f) else { return Vec::new() };
                let mut anchors = self.anchor(&Anchor::Syntax(*id));
                anchors.extend(self.anchor(&Anchor::Fragment(*id, *f)));
                let mut cases: Vec<Para> = match &ty.body {
                    TypeBody::Variant(cs) => cs.get(frag.cases.clone()).map(|s| s.iter().map(|c| self.case_para(c)).collect()).unwrap_or_default(),
                    _ => Vec::new(),
                };
                if *f > 0 {
                    cases.insert(0, vec![m(M::Sym(Sym::Dots))]);
                }
                if *f + 1 < ty.fragments.len() {
                    cases.push(vec![m(M::Sym(Sym::Dots))]);
                }
                (anchors, hint_str(&frag.hints, "desc").or_else(|| hint_str(&ty.hints, "desc")), self.n.type_lhs(*id), cases, false)
            }
            Item::Instance(id, i) => {
                let Some(ty) = spec.types.get(*id) else { return Vec::new() };
                let TypeBody::Family(insts) = &ty.body else { return Vec::new() };
                let Some(inst) = insts.get(*i) else { return Vec::new() };
                let anchors = self.anchor(&Anchor::Syntax(*id));
                let args = inst.patterns.iter().map(|p| self.n.exp(p)).collect();
                let (cases, single) = self.body_cases(&inst.body);
                (anchors, hint_str(&ty.hints, "desc"), self.n.type_name(*id, args), cases, single)
            }
            _ => return Vec::new(),
        };
        if cases.is_empty() {
            return if anchors.is_empty() { Vec::new() } else { vec![Row { anchors, cells: vec![Vec::new(); 4] }] };
        }
        let desc_cell = desc.map(|d| vec![t(&format!("({d})"))]).unwrap_or_default();
        let mut rows = Vec::new();
        // Short cases share a line.
        let mut lines: Vec<Para> = Vec::new();
        let mut cur: Para = Vec::new();
        let mut w = 0;
        for c in cases {
            let cw: usize = c.iter().map(inline_width).sum();
            let has_cond = c.iter().any(|x| matches!(x, Inline::Text(s) if s.contains("if")));
            if !cur.is_empty() && (w + cw > 60 || has_cond || single) {
                lines.push(std::mem::take(&mut cur));
                w = 0;
            }
            if !cur.is_empty() {
                cur.push(t(" | "));
            }
            w += cw + 3;
            cur.extend(c);
            if has_cond {
                lines.push(std::mem::take(&mut cur));
                w = 0;
            }
        }
        if !cur.is_empty() {
            lines.push(cur);
        }
        for (k, l) in lines.into_iter().enumerate() {
            if k == 0 {
                rows.push(Row { anchors: anchors.clone(), cells: vec![desc_cell.clone(), vec![m(lhs.clone())], vec![m(M::Sym(Sym::Def))], l] });
            } else {
                rows.push(Row { anchors: Vec::new(), cells: vec![Vec::new(), Vec::new(), vec![t("|")], l] });
            }
        }
        rows
    }

    /// The cases of a type's body, and whether each must be on its own line (records).
    fn body_cases(&self, body: &TypeBody) -> (Vec<Para>, bool) {
        match body {
            TypeBody::Pending | TypeBody::Family(_) => (Vec::new(), false),
            TypeBody::Alias(ty) => (vec![vec![m(self.n.ty(ty))]], false),
            TypeBody::Range(lo, hi, prems) => {
                let mut p = vec![m(M::row(vec![self.n.exp(lo), M::Sym(Sym::Dots), self.n.exp(hi)]))];
                if !prems.is_empty() {
                    p.push(t(" if "));
                    p.push(m(M::sep(prems.iter().map(|x| self.n.premise(x)).collect(), Sym::And)));
                }
                (vec![p], false)
            }
            TypeBody::Record(fields) => {
                let n = fields.len();
                let parts = fields
                    .iter()
                    .enumerate()
                    .map(|(i, f)| {
                        let mut row = Vec::new();
                        if i == 0 {
                            row.push(M::Sym(Sym::LBrace));
                        }
                        row.push(M::spaced(vec![M::Atom(f.name.to_lowercase()), self.n.ty(&f.ty)]));
                        row.push(if i + 1 == n { M::Sym(Sym::RBrace) } else { M::Sym(Sym::Comma) });
                        vec![m(M::row(row))]
                    })
                    .collect();
                (parts, n > 3)
            }
            TypeBody::Variant(cases) => (cases.iter().map(|c| self.case_para(c)).collect(), false),
        }
    }

    fn case_para(&self, c: &Case) -> Para {
        let mut p = vec![m(self.n.case_form(c))];
        if !c.premises.is_empty() {
            p.push(t(" if "));
            p.push(m(M::sep(c.premises.iter().map(|x| self.n.premise(x)).collect(), Sym::And)));
        }
        p
    }

    fn def_sig_rows(&self, id: DefId) -> Vec<Row> {
        let Some(d) = self.spec.defs.get(id) else { return Vec::new() };
        let mut note = Vec::new();
        if let Some(desc) = hint_str(&d.hints, "desc") {
            note.push(t(&format!("({desc})")));
        }
        if d.clauses.is_empty() {
            note.push(t(if d.builtin.is_some() { "(built in)" } else { "(defined outside the spec)" }));
        }
        vec![Row { anchors: self.anchor(&Anchor::Def(id)), cells: vec![vec![m(self.n.def_sig(id))], Vec::new(), Vec::new(), note] }]
    }

    fn clause_rows(&self, id: DefId, i: usize) -> Vec<Row> {
        let Some(d) = self.spec.defs.get(id) else { return Vec::new() };
        let Some(c) = d.clauses.get(i) else { return Vec::new() };
        let args = c.args.iter().map(|a| self.n.exp(a)).collect();
        let lhs = self.n.call(id, args);
        let mut prem = Vec::new();
        for (k, p) in c.premises.iter().enumerate() {
            if matches!(p.kind, PremiseKind::Otherwise) {
                prem.push(t("otherwise"));
                continue;
            }
            prem.push(t(if k == 0 { "if " } else { ", and " }));
            prem.push(m(self.n.premise(p)));
        }
        vec![Row { anchors: self.anchor(&Anchor::Def(id)), cells: vec![vec![m(lhs)], vec![m(M::Sym(Sym::Eq))], vec![m(self.n.exp(&c.body))], prem] }]
    }

    fn grammar_rows(&self, id: GramId, frag: Option<usize>) -> Vec<Row> {
        let Some(g) = self.spec.grammars.get(id) else { return Vec::new() };
        let mut anchors = self.anchor(&Anchor::Grammar(id));
        let range = match frag {
            Some(f) => {
                anchors.extend(self.anchor(&Anchor::GrammarFragment(id, f)));
                g.fragments.get(f).map(|x| x.cases.clone()).unwrap_or(0..0)
            }
            None if g.fragments.is_empty() => 0..g.productions.len(),
            None => 0..0,
        };
        let desc = hint_str(&g.hints, "desc").or_else(|| latex::result_desc(self.spec, &g.result));
        let desc_cell = desc.map(|d| vec![t(&format!("({d})"))]).unwrap_or_default();
        let lhs = self.n.gram_lhs(id);
        let prods: Vec<&Production> = g.productions.get(range).map(|p| p.iter().collect()).unwrap_or_default();
        let mut rows = Vec::new();
        if prods.is_empty() {
            let note = if g.builtin_like() { vec![t("(built in)")] } else { Vec::new() };
            rows.push(Row { anchors, cells: vec![desc_cell, vec![m(lhs)], Vec::new(), note, Vec::new()] });
            return rows;
        }
        for (k, p) in prods.iter().enumerate() {
            let mut syms = M::spaced(p.symbols.iter().map(|s| self.n.sym(s)).collect());
            if k == 0 && matches!(frag, Some(f) if f > 0) {
                syms = M::sep(vec![M::Sym(Sym::Dots), syms], Sym::Bar);
            }
            let mut result = Vec::new();
            if let Some(r) = &p.result {
                result.push(m(M::row(vec![M::Sym(Sym::Implies), self.n.exp(r)])));
            }
            for (j, prem) in p.premises.iter().enumerate() {
                if matches!(prem.kind, PremiseKind::Otherwise) {
                    result.push(t(" otherwise"));
                    continue;
                }
                result.push(t(if j == 0 { " if " } else { ", and " }));
                result.push(m(self.n.premise(prem)));
            }
            let (a, d, l, op) = if k == 0 {
                (std::mem::take(&mut anchors), desc_cell.clone(), vec![m(lhs.clone())], M::Sym(Sym::Def))
            } else {
                (Vec::new(), Vec::new(), Vec::new(), M::Word("|".into()))
            };
            rows.push(Row { anchors: a, cells: vec![d, l, vec![m(op)], vec![m(syms)], result] });
        }
        rows
    }

    // -----------------------------------------------------------------------------------------
    // Relations and judgements

    fn relation(&self, r: RelId) -> Vec<Block> {
        let Some(rel) = self.spec.relations.get(r) else { return Vec::new() };
        let mut text = vec![Inline::Strong(rel.name.clone()), t(": "), m(self.n.rel_form(r))];
        if let Some(d) = hint_str(&rel.hints, "desc") {
            text.push(t(&format!(" ({d})")));
        }
        vec![Block::Para { text, anchors: self.anchor(&Anchor::Relation(r)) }]
    }

    /// The sentence of a judgement: the relation's `hint(prose ...)` filled with its
    /// positions, or the formula.
    fn judgement(&self, r: RelId, args: &[Exp]) -> Para {
        let Some(rel) = self.spec.relations.get(r) else { return Vec::new() };
        if let Some(tpl) = hint_str(&rel.hints, "prose") {
            return self.fill_prose(&tpl, args, &rel.notation.slots);
        }
        vec![m(self.n.rel(r, args)), t(" holds")]
    }

    /// A prose template: `%N` is position N as a formula, `#N` the description of its type.
    fn fill_prose(&self, tpl: &str, args: &[Exp], slots: &[Ty]) -> Para {
        let mut out: Para = Vec::new();
        let mut text = String::new();
        let chars: Vec<char> = tpl.chars().collect();
        let mut i = 0;
        let mut next = 0usize;
        while i < chars.len() {
            let c = chars[i];
            if c == '%' || c == '#' {
                let mut j = i + 1;
                while j < chars.len() && chars[j].is_ascii_digit() {
                    j += 1;
                }
                let num: String = chars[i + 1..j].iter().collect();
                let idx = match num.parse::<usize>() {
                    Ok(k) => k.saturating_sub(1),
                    Err(_) => {
                        if c == '#' {
                            text.push(c);
                            i += 1;
                            continue;
                        }
                        next
                    }
                };
                next = idx + 1;
                if !text.is_empty() {
                    out.push(Inline::Text(std::mem::take(&mut text)));
                }
                if c == '%' {
                    match args.get(idx) {
                        Some(e) => out.push(m(self.n.exp(e))),
                        None => out.push(t("?")),
                    }
                } else {
                    let d = slots.get(idx).and_then(|ty| self.type_desc(ty)).unwrap_or_default();
                    out.push(Inline::Text(d));
                }
                i = j;
                continue;
            }
            text.push(c);
            i += 1;
        }
        if !text.is_empty() {
            out.push(Inline::Text(text));
        }
        out
    }

    fn type_desc(&self, ty: &Ty) -> Option<String> {
        match ty {
            Ty::Named(id, _) => self.spec.types.get(*id).and_then(|t| hint_str(&t.hints, "desc")),
            Ty::Iter(inner, _) => self.type_desc(inner).map(|d| format!("{d} sequence")),
            _ => None,
        }
    }

    /// A typing (or any non-reduction) rule: "The … is valid … if: …".
    fn judgement_rule(&self, r: RelId, i: usize) -> Vec<Block> {
        let Some(rel) = self.spec.relations.get(r) else { return Vec::new() };
        let Some(rule) = rel.rules.get(i) else { return Vec::new() };
        let mut sentence = capitalize(self.judgement(r, &rule.args));
        let prems: Vec<Para> = rule.order.iter().filter_map(|&k| rule.premises.get(k)).map(|p| self.premise_sentence(p)).collect();
        let mut body = Vec::new();
        if prems.is_empty() {
            sentence.push(t("."));
            body.push(Block::Para { text: sentence, anchors: Vec::new() });
        } else {
            sentence.push(t(" if:"));
            body.push(Block::Para { text: sentence, anchors: Vec::new() });
            body.push(Block::Bullets(prems.into_iter().map(|p| {
                let mut p = capitalize(p);
                p.push(t("."));
                p
            }).collect()));
        }
        vec![Block::Section { anchors: self.anchor(&Anchor::Rule(r, i)), title: vec![Inline::Code(rule.full_name(&rel.name))], body }]
    }

    /// A premise as a sentence (for judgements).
    fn premise_sentence(&self, p: &Premise) -> Para {
        match &p.kind {
            PremiseKind::If { exp, .. } => self.cond(exp),
            PremiseKind::Otherwise => vec![t("no earlier rule applies")],
            PremiseKind::Rel { rel, args, .. } => self.judgement(*rel, args),
            PremiseKind::Iter { premise, iter } => {
                let mut out = self.for_each(iter);
                out.extend(self.premise_sentence(premise));
                out
            }
        }
    }

    /// "for each `t` in `t*`, "
    fn for_each(&self, iter: &IterSpec) -> Para {
        let mut out = vec![t("for each ")];
        match (&iter.index, &iter.count) {
            (Some(i), Some(c)) => {
                out.push(m(self.n.var(i)));
                out.push(t(" less than "));
                out.push(m(self.n.exp(c)));
            }
            _ => {
                for (k, v) in iter.vars.iter().enumerate() {
                    if k > 0 {
                        out.push(t(" and "));
                    }
                    out.push(m(self.n.var(v)));
                    out.push(t(" in "));
                    out.push(m(M::sup(self.n.var(v), self.n.iter_spec(iter))));
                }
                if iter.vars.is_empty() {
                    out.push(t("element"));
                }
            }
        }
        out.push(t(", "));
        out
    }

    /// A condition as a sentence.
    fn cond(&self, e: &Exp) -> Para {
        match &e.kind {
            ExpKind::Bin(BinOp::And, a, b) => {
                let mut out = self.cond(a);
                out.push(t(" and "));
                out.extend(self.cond(b));
                out
            }
            ExpKind::Bin(BinOp::Or, a, b) => {
                let mut out = vec![t("either ")];
                out.extend(self.cond(a));
                out.push(t(", or "));
                out.extend(self.cond(b));
                out
            }
            ExpKind::Not(x) => match &x.kind {
                ExpKind::Cmp(op, a, b) => self.cmp(*op, a, b, true),
                _ => {
                    let mut out = vec![t("not (")];
                    out.extend(self.cond(x));
                    out.push(t(")"));
                    out
                }
            },
            ExpKind::Cmp(op, a, b) => self.cmp(*op, a, b, false),
            ExpKind::Sub(x, _) => self.cond(x),
            _ => vec![m(self.n.exp(e))],
        }
    }

    fn cmp(&self, op: CmpOp, a: &Exp, b: &Exp, negated: bool) -> Para {
        let is_eps = |e: &Exp| matches!(&e.kind, ExpKind::List(x) if x.is_empty());
        let (a, b) = if is_eps(a) && !is_eps(b) { (b, a) } else { (a, b) };
        if is_eps(b) && matches!(op, CmpOp::Eq | CmpOp::Ne) {
            let empty = (op == CmpOp::Eq) != negated;
            return vec![m(self.n.exp(a)), t(if empty { " is empty" } else { " is not empty" })];
        }
        let words = match (op, negated) {
            (CmpOp::Eq, false) | (CmpOp::Ne, true) => " is ",
            (CmpOp::Ne, false) | (CmpOp::Eq, true) => " is not ",
            (CmpOp::Lt, false) | (CmpOp::Ge, true) => " is less than ",
            (CmpOp::Gt, false) | (CmpOp::Le, true) => " is greater than ",
            (CmpOp::Le, false) | (CmpOp::Gt, true) => " is less than or equal to ",
            (CmpOp::Ge, false) | (CmpOp::Lt, true) => " is greater than or equal to ",
            (CmpOp::In, false) => " is contained in ",
            (CmpOp::In, true) => " is not contained in ",
        };
        vec![m(self.n.exp(a)), t(words), m(self.n.exp(b))]
    }

    // -----------------------------------------------------------------------------------------
    // Reduction rules as algorithms

    /// Flattens an instruction sequence expression into its elements.
    fn seq<'e>(&self, e: &'e Exp, out: &mut Vec<&'e Exp>) {
        match &e.kind {
            ExpKind::Cat(xs) | ExpKind::List(xs) => xs.iter().for_each(|x| self.seq(x, out)),
            ExpKind::Sub(x, _) if matches!(x.kind, ExpKind::Cat(_) | ExpKind::List(_)) => self.seq(x, out),
            _ => out.push(e),
        }
    }

    fn is_value(&self, e: &Exp) -> bool {
        match &e.kind {
            ExpKind::Con { ty, inst, case, .. } => match self.n.case(*ty, *inst, *case) {
                Some(Case { kind: CaseKind::Con(mx), .. }) => self.value_heads.contains(&mx.name()) && !self.is_context(e),
                _ => false,
            },
            ExpKind::Var(_) => matches!(&e.ty, Ty::Named(id, _) if self.value_types.contains(id)),
            ExpKind::Sub(x, _) => self.is_value(x),
            ExpKind::Iter(b, _) => self.is_value(b),
            _ => false,
        }
    }

    fn context_case(&self, e: &Exp) -> Option<&'a Case> {
        match &e.kind {
            ExpKind::Con { ty, inst, case, .. } => self.n.case(*ty, *inst, *case).filter(|c| has_hint(&c.hints, "context")),
            ExpKind::Sub(x, _) => self.context_case(x),
            _ => None,
        }
    }

    fn is_context(&self, e: &Exp) -> bool {
        self.context_case(e).is_some()
    }

    fn con_args(e: &Exp) -> Option<&Vec<Exp>> {
        match &e.kind {
            ExpKind::Con { args, .. } => Some(args),
            ExpKind::Sub(x, _) => Self::con_args(x),
            _ => None,
        }
    }

    /// The instruction sequence and the state of a side of a reduction rule: a `state; instr*`
    /// configuration is taken apart at its last argument.
    fn side<'e>(&self, e: &'e Exp) -> (Option<Exp>, &'e Exp) {
        if let ExpKind::Con { ty, args, .. } = &e.kind {
            if self.spec.types.get(*ty).is_some_and(|t| has_hint(&t.hints, "config")) || (args.len() >= 2 && matches!(args.last().map(|a| &a.ty), Some(Ty::Iter(..))) && !self.is_context(e)) {
                if let Some(last) = args.last() {
                    let state = if args.len() == 2 { Some(args[0].clone()) } else { Some(Exp { kind: ExpKind::Tuple(args[..args.len() - 1].to_vec()), ty: Ty::Error, span: e.span }) };
                    return (state, last);
                }
            }
        }
        (None, e)
    }

    fn lhs(&self, rule: &Rule, r: RelId) -> Option<Lhs> {
        if !self.n.is_reduction(r) {
            return None;
        }
        let rel = self.spec.relations.get(r)?;
        let at = rel.notation.toks.iter().position(|t| matches!(t, Tok::Atom(a) if a == "~>" || a == "~>*"))?;
        let nslots = rel.notation.toks[..at].iter().filter(|t| matches!(t, Tok::Slot(_))).count();
        if nslots != 1 {
            return None;
        }
        let (state, instrs) = self.side(rule.args.first()?);
        let mut seq = Vec::new();
        self.seq(instrs, &mut seq);
        let mut ctx = None;
        if seq.len() == 1 && self.is_context(seq[0]) {
            let c = seq[0];
            let inner = Self::con_args(c)?.last()?;
            let mut inner_seq = Vec::new();
            self.seq(inner, &mut inner_seq);
            if inner_seq.iter().all(|x| self.is_value(x)) {
                // A context holding only values: the context is the redex.
                return Some(Lhs { ctx: None, vals: inner_seq.into_iter().cloned().collect(), redex: c.clone(), redex_is_ctx: true, state });
            }
            ctx = Some(c.clone());
            seq = inner_seq;
        }
        let r = seq.iter().position(|x| !self.is_value(x))?;
        let redex = seq[r];
        if !matches!(strip_sub(redex).kind, ExpKind::Con { .. }) {
            return None;
        }
        Some(Lhs { ctx, vals: seq[..r].iter().map(|x| (*x).clone()).collect(), redex: redex.clone(), redex_is_ctx: false, state })
    }

    /// The key rules are grouped by: the redex's constructor, and the context around it.
    fn redex_key(&self, l: &Lhs) -> Option<String> {
        let con_key = |e: &Exp| match &strip_sub(e).kind {
            ExpKind::Con { ty, inst, case, .. } => match self.n.case(*ty, *inst, *case) {
                Some(Case { kind: CaseKind::Con(mx), .. }) => Some(format!("{}:{}", ty, mx.name())),
                _ => None,
            },
            _ => None,
        };
        let ctx = match &l.ctx {
            Some(c) => con_key(c)?,
            None => "-".into(),
        };
        Some(format!("{}/{ctx}", con_key(&l.redex)?))
    }

    fn reduction_run(&self, run: &[(RelId, usize)]) -> Vec<Block> {
        // Group by redex, keeping the order of first appearance.
        let mut groups: Vec<(Option<String>, Vec<(RelId, usize, Lhs)>, Vec<(RelId, usize)>)> = Vec::new();
        for &(r, i) in run {
            let Some(rule) = self.spec.relations.get(r).and_then(|x| x.rules.get(i)) else { continue };
            let lhs = if has_hint(&rule.hints, "structural") { None } else { self.lhs(rule, r) };
            let key = lhs.as_ref().and_then(|l| self.redex_key(l));
            match (key, lhs) {
                (Some(k), Some(l)) => match groups.iter_mut().find(|(k2, _, _)| k2.as_deref() == Some(k.as_str())) {
                    Some((_, v, _)) => v.push((r, i, l)),
                    None => groups.push((Some(k), vec![(r, i, l)], Vec::new())),
                },
                _ => groups.push((None, Vec::new(), vec![(r, i)])),
            }
        }
        let mut out = Vec::new();
        for (_, rules, formulas) in groups {
            for (r, i) in formulas {
                out.extend(self.reduction_formula(r, i));
            }
            if !rules.is_empty() {
                out.push(self.algorithm(&rules));
            }
        }
        out
    }

    /// A rule shown as its formula (structural rules, and rules that are no algorithm).
    fn reduction_formula(&self, r: RelId, i: usize) -> Vec<Block> {
        let Some(rel) = self.spec.relations.get(r) else { return Vec::new() };
        let Some(rule) = rel.rules.get(i) else { return Vec::new() };
        let concl = match self.n.rel_split(r, &rule.args) {
            Some((l, a, rr)) => M::spaced(vec![l, a, rr]),
            None => self.n.rel(r, &rule.args),
        };
        let mut body = vec![Block::Para { text: vec![m(concl)], anchors: Vec::new() }];
        let prems: Vec<Para> = rule.order.iter().filter_map(|&k| rule.premises.get(k)).map(|p| self.premise_sentence(p)).collect();
        if !prems.is_empty() {
            body.push(Block::Para { text: vec![t("if:")], anchors: Vec::new() });
            body.push(Block::Bullets(prems));
        }
        vec![Block::Section { anchors: self.anchor(&Anchor::Rule(r, i)), title: vec![Inline::Code(rule.full_name(&rel.name))], body }]
    }

    /// The rules of one instruction as one algorithm.
    fn algorithm(&self, rules: &[(RelId, usize, Lhs)]) -> Block {
        let mut anchors = Vec::new();
        for (r, i, _) in rules {
            anchors.extend(self.anchor(&Anchor::Rule(*r, *i)));
        }
        let names: Vec<String> = rules
            .iter()
            .filter_map(|(r, i, _)| self.spec.relations.get(*r).and_then(|rel| rel.rules.get(*i).map(|x| x.full_name(&rel.name))))
            .collect();
        let lhss: Vec<&Lhs> = rules.iter().map(|(_, _, l)| l).collect();
        let Some(first) = lhss.first() else {
            return Block::Section { anchors, title: vec![t("?")], body: Vec::new() };
        };
        // Variables any rule uses, so that a new name does not clash.
        let mut used: HashSet<String> = HashSet::new();
        for (r, i, _) in rules {
            if let Some(rule) = self.spec.relations.get(*r).and_then(|x| x.rules.get(*i)) {
                used.extend(rule.binders.iter().map(|b| b.name.clone()));
            }
        }
        let mut cons: Vec<Vec<(Exp, Exp)>> = vec![Vec::new(); rules.len()];
        let add = |c: Vec<Vec<(Exp, Exp)>>, cons: &mut Vec<Vec<(Exp, Exp)>>| {
            for (ri, cs) in c.into_iter().enumerate() {
                if let Some(v) = cons.get_mut(ri) {
                    v.extend(cs);
                }
            }
        };
        let mut steps = Vec::new();
        // The context around the redex, shown without its inside.
        let mut shared: Vec<Exp> = Vec::new();
        if first.ctx.is_some() {
            let heads: Vec<Exp> = lhss.iter().filter_map(|l| l.ctx.as_ref().map(|c| self.context_frame(c))).collect();
            let refs: Vec<&Exp> = heads.iter().collect();
            let (g, c) = self.generalize(&refs, &mut used);
            add(c, &mut cons);
            steps.push(Step::new(vec![t("Let "), m(self.context_head(&g)), t(" be the innermost "), t(&self.context_word(&g)), t(".")]));
            shared.push(g);
        }
        let redexes: Vec<&Exp> = lhss.iter().map(|l| &l.redex).collect();
        let (gen_redex, c) = self.generalize(&redexes, &mut used);
        add(c, &mut cons);
        shared.push(gen_redex.clone());
        // Values popped by every rule: the longest run from the top of the stack where the rules'
        // patterns can be generalised (single values, or sequences written alike).
        let min = lhss.iter().map(|l| l.vals.len()).min().unwrap_or(0);
        let mut top: Vec<Exp> = Vec::new();
        for k in 0..min {
            let col: Vec<&Exp> = lhss.iter().map(|l| &l.vals[l.vals.len() - 1 - k]).collect();
            let seqs = col.iter().filter(|v| matches!(strip_sub(v).kind, ExpKind::Iter(..))).count();
            let texts: Vec<String> = col.iter().map(|v| math::text(&self.n.exp(v))).collect();
            if seqs > 0 && !texts.iter().all(|x| *x == texts[0]) {
                break;
            }
            let (g, c) = self.generalize_value(&col, &mut used);
            add(c, &mut cons);
            top.push(g);
        }
        top.reverse();
        let in_ctx = first.ctx.is_some() || first.redex_is_ctx;
        let all_popped = |l: &Lhs| l.vals.len() == top.len();
        steps.extend(self.pops(&top, in_ctx && lhss.iter().all(|l| all_popped(l))));
        shared.extend(top.iter().cloned());
        if first.redex_is_ctx && lhss.iter().all(|l| all_popped(l)) {
            steps.push(Step::new(vec![t("Exit "), m(self.context_head(&gen_redex)), t(".")]));
        }
        let mut bound: HashSet<String> = shared.iter().flat_map(free_vars).collect();
        if let Some(st) = &first.state {
            bound.extend(free_vars(st));
        }
        // Each rule is a branch: its pattern guard (how its left side differs from the general
        // one), its condition guard, then its own pops, bindings and actions.
        let multi = rules.len() > 1;
        let mut branches: Vec<Branch> = Vec::new();
        for (ri, (r, i, l)) in rules.iter().enumerate() {
            let mut rename = HashMap::new();
            let mut pat: Vec<Para> = Vec::new();
            for (g, p) in cons.get(ri).cloned().unwrap_or_default() {
                match (&strip_sub(&g).kind, &strip_sub(&p).kind) {
                    (ExpKind::Var(a), ExpKind::Var(b)) => {
                        rename.insert(b.clone(), a.clone());
                    }
                    _ => {
                        let binds = free_vars(&p).iter().any(|v| !bound.contains(v));
                        pat.push(vec![m(self.n.exp(&g)), t(if binds { " is of the form " } else { " is " }), m(self.n.exp(&p))]);
                    }
                }
            }
            let rest: Vec<Exp> = l.vals[..l.vals.len().saturating_sub(top.len())].iter().map(|v| rename_exp(v, &rename)).collect();
            let mut pre = self.pops(&rest, in_ctx);
            if l.redex_is_ctx && !all_popped(l) {
                pre.push(Step::new(vec![t("Exit "), m(self.context_head(&rename_exp(&l.redex, &rename))), t(".")]));
            }
            let otherwise = self.spec.relations.get(*r).and_then(|x| x.rules.get(*i)).is_some_and(|x| x.premises.iter().any(|p| matches!(p.kind, PremiseKind::Otherwise)));
            let (lets, cond, body) = self.rule_branch(*r, *i, l, &rename, &bound, pre, multi);
            branches.push(Branch { pat, lets, cond, body, otherwise });
        }
        // Bindings that lead the first branch and cannot fail are computed before any branch.
        if let Some(b0) = branches.first_mut() {
            steps.append(&mut b0.lets);
        }
        for b in branches.iter_mut().skip(1) {
            let lets = std::mem::take(&mut b.lets);
            let cond = std::mem::take(&mut b.cond);
            if !lets.is_empty() {
                // A later branch's leading bindings stay in its body, and its conditions with them.
                let mut body = lets;
                if cond.is_empty() {
                    body.append(&mut b.body);
                } else {
                    let mut text = vec![t("If ")];
                    text.extend(join_and(cond));
                    text.push(t(", then:"));
                    body.push(Step::with(text, std::mem::take(&mut b.body)));
                }
                b.body = body;
            } else {
                b.cond = cond;
            }
        }
        // Branches with the same pattern guard are one branch, told apart by their conditions.
        let mut groups: Vec<(Vec<Para>, Vec<Branch>)> = Vec::new();
        for b in branches {
            match groups.last_mut() {
                Some((p, v)) if paras_text(p) == paras_text(&b.pat) => v.push(b),
                _ => groups.push((b.pat.clone(), vec![b])),
            }
        }
        let ng = groups.len();
        for (k, (pat, group)) in groups.into_iter().enumerate() {
            let inner = chain(group.into_iter().map(|b| (b.cond, b.body, b.otherwise)).collect());
            if ng == 1 {
                if pat.is_empty() {
                    steps.extend(inner);
                } else {
                    steps.push(Step::with(guarded("If ", pat), inner));
                }
                continue;
            }
            let text = if k == 0 {
                if pat.is_empty() {
                    vec![t("If the following steps apply, then:")]
                } else {
                    guarded("If ", pat)
                }
            } else if pat.is_empty() {
                vec![t("Else:")]
            } else {
                guarded("Else, if ", pat)
            };
            steps.push(Step::with(text, inner));
        }
        if steps.is_empty() {
            steps.push(Step::new(vec![t("Do nothing.")]));
        }
        for s in steps.iter_mut() {
            if s.sub.is_empty() && s.text.last().is_some_and(|x| matches!(x, Inline::Text(w) if w.ends_with("then:"))) {
                s.sub.push(Step::new(vec![t("Do nothing.")]));
            }
        }
        let title = vec![m(self.n.exp(&gen_redex))];
        let mut body = vec![Block::Steps(steps)];
        let mut p = vec![t(if names.len() == 1 { "Rule " } else { "Rules " })];
        for (k, nm) in names.iter().enumerate() {
            if k > 0 {
                p.push(t(", "));
            }
            p.push(Inline::Code(nm.clone()));
        }
        p.push(t("."));
        body.push(Block::Para { text: p, anchors: Vec::new() });
        Block::Section { anchors, title, body }
    }

    /// The kind of a context, for "the innermost label": its case's description, or its
    /// keyword.
    fn context_word(&self, e: &Exp) -> String {
        match self.context_case(e) {
            Some(c) => hint_str(&c.hints, "desc").unwrap_or_else(|| match &c.kind {
                CaseKind::Con(mx) => mx.name().trim_matches('_').to_lowercase(),
                _ => "context".into(),
            }),
            None => "context".into(),
        }
    }

    /// A context with an empty inside, for comparing and naming contexts.
    fn context_frame(&self, e: &Exp) -> Exp {
        let mut frame = strip_sub(e).clone();
        if let ExpKind::Con { args, .. } = &mut frame.kind {
            if let Some(last) = args.last_mut() {
                *last = Exp { kind: ExpKind::List(Vec::new()), ty: last.ty.clone(), span: last.span };
            }
        }
        frame
    }

    /// Pops of values, from the top of the stack down; an uncounted sequence at the bottom of a
    /// context is all of its values.
    fn pops(&self, vals: &[Exp], in_ctx: bool) -> Vec<Step> {
        let mut steps = Vec::new();
        for (k, v) in vals.iter().enumerate().rev() {
            let f = self.n.exp(v);
            match &strip_sub(v).kind {
                ExpKind::Iter(_, spec) => match (&spec.kind, &spec.count) {
                    (IterKind::Pow, Some(c)) => {
                        steps.push(Step::new(vec![t("Assert: due to validation, there are at least "), m(self.n.exp(c)), t(" values on the top of the stack.")]));
                        steps.push(Step::new(vec![t("Pop the values "), m(f), t(" from the stack.")]));
                    }
                    _ if k == 0 && in_ctx => steps.push(Step::new(vec![t("Pop all values "), m(f), t(" from the top of the stack.")])),
                    _ => steps.push(Step::new(vec![t("Pop the values "), m(f), t(" from the stack.")])),
                },
                _ => {
                    steps.push(Step::new(vec![t("Assert: due to validation, a value is on the top of the stack.")]));
                    steps.push(Step::new(vec![t("Pop the value "), m(f), t(" from the stack.")]));
                }
            }
        }
        steps
    }

    /// A rule's guard and its steps: `pre` (its own pops), then bindings, further conditions and
    /// actions. The guard is the leading conditions on what is known before the branch (`bound`);
    /// with `refutable`, a leading binding that can fail becomes the guard.
    fn rule_branch(&self, r: RelId, i: usize, l: &Lhs, rename: &HashMap<String, String>, bound: &HashSet<String>, pre: Vec<Step>, refutable: bool) -> (Vec<Step>, Vec<Para>, Vec<Step>) {
        let Some(rule) = self.spec.relations.get(r).and_then(|x| x.rules.get(i)) else { return (Vec::new(), Vec::new(), pre) };
        let acts: Vec<Act> = rule
            .order
            .iter()
            .filter_map(|&k| rule.premises.get(k))
            .filter(|p| !matches!(p.kind, PremiseKind::Otherwise))
            .map(|p| self.premise_act(&rename_premise(p, rename)))
            .collect();
        let mut guards = Vec::new();
        let mut lets = Vec::new();
        let mut k = 0;
        let mut bound = bound.clone();
        // Leading bindings that cannot fail and need only what is known come before the guard
        // (they are computed whether or not the rule applies); not after the rule's own pops.
        while pre.is_empty() && k < acts.len() {
            match &acts[k] {
                Act::Let { text, guard: None, needs, binds } if needs.iter().all(|v| bound.contains(v)) => {
                    lets.push(Step::new(text.clone()));
                    bound.extend(binds.iter().cloned());
                    k += 1;
                }
                _ => break,
            }
        }
        let known = |vars: &[String]| vars.iter().all(|v| bound.contains(v));
        while k < acts.len() {
            match &acts[k] {
                Act::Cond(c, vars) if known(vars) => guards.push(c.clone()),
                Act::Let { guard: Some((g, drop)), needs, .. } if refutable && guards.is_empty() && known(needs) => {
                    guards.push(g.clone());
                    if *drop {
                        k += 1;
                    }
                    break;
                }
                _ => break,
            }
            k += 1;
        }
        let rhs = rule.args.get(1).map(|e| rename_exp(e, rename));
        let actions = match &rhs {
            Some(rhs) => self.actions(l, rhs, rename),
            None => Vec::new(),
        };
        // The rest: bindings, and conditions that wrap what follows them.
        fn nest(acts: &[Act], actions: Vec<Step>) -> Vec<Step> {
            let mut out = Vec::new();
            for (k, a) in acts.iter().enumerate() {
                match a {
                    Act::Let { text, guard, .. } => out.push(Step { text: text.clone(), sub: Vec::new(), guard: guard.clone() }),
                    Act::Cond(c, _) => {
                        let mut text = vec![Inline::Text("If ".into())];
                        text.extend(c.clone());
                        text.push(Inline::Text(", then:".into()));
                        out.push(Step::with(text, nest(&acts[k + 1..], actions)));
                        return out;
                    }
                }
            }
            out.extend(actions);
            out
        }
        let mut body = pre;
        body.extend(nest(&acts[k.min(acts.len())..], actions));
        (lets, guards, body)
    }

    /// A premise of a reduction rule as an algorithm step.
    fn premise_act(&self, p: &Premise) -> Act {
        match &p.kind {
            PremiseKind::If { exp, binds } if !binds.is_empty() => match &exp.kind {
                ExpKind::Cmp(CmpOp::Eq, a, b) => {
                    // The side holding the variables being bound is the pattern.
                    let a_binds = binds.iter().any(|v| free_vars(a).contains(v));
                    let (pat, val) = if a_binds { (a, b) } else { (b, a) };
                    let text = vec![t("Let "), m(self.n.exp(pat)), t(" be "), m(self.n.exp(val)), t(".")];
                    let guard = if irrefutable(pat) {
                        None
                    } else if x_of_single(pat).is_some_and(|y| matches!(strip_sub(y).kind, ExpKind::Var(_))) {
                        Some((vec![m(self.n.exp(val)), t(" is not empty")], false))
                    } else {
                        Some((vec![m(self.n.exp(val)), t(" is of the form "), m(self.n.exp(pat))], true))
                    };
                    Act::Let { text, guard, needs: free_vars(val), binds: binds.clone() }
                }
                ExpKind::Cmp(CmpOp::In, a, b) => Act::Let {
                    text: vec![t("Let "), m(self.n.exp(a)), t(" be an element of "), m(self.n.exp(b)), t(".")],
                    guard: Some((vec![m(self.n.exp(b)), t(" is not empty")], false)),
                    needs: free_vars(b),
                    binds: binds.clone(),
                },
                _ => {
                    let mut text = vec![t("Let "), m(M::sep(binds.iter().map(|v| self.n.var(v)).collect(), Sym::Comma)), t(" be such that ")];
                    text.extend(self.cond(exp));
                    text.push(t("."));
                    Act::Let { text, guard: Some((self.cond(exp), true)), needs: free_vars(exp).into_iter().filter(|v| !binds.contains(v)).collect(), binds: binds.clone() }
                }
            },
            PremiseKind::If { exp, .. } => Act::Cond(self.cond(exp), free_vars(exp)),
            PremiseKind::Otherwise => Act::Cond(vec![t("no earlier rule applies")], Vec::new()),
            PremiseKind::Rel { rel, args, binds } => {
                let j = self.judgement(*rel, args);
                let vars: Vec<String> = args.iter().flat_map(free_vars).collect();
                if binds.is_empty() {
                    Act::Cond(j, vars)
                } else {
                    let mut text = vec![t("Let "), m(M::sep(binds.iter().map(|v| self.n.var(v)).collect(), Sym::Comma)), t(" be such that ")];
                    text.extend(j);
                    text.push(t("."));
                    // A judgement with outputs computes them; it holds for some.
                    Act::Let { text, guard: None, needs: vars.into_iter().filter(|v| !binds.contains(v)).collect(), binds: binds.clone() }
                }
            }
            PremiseKind::Iter { premise, iter } => {
                let inner = self.premise_act(premise);
                let mut text = capitalize(self.for_each(iter));
                match inner {
                    Act::Cond(c, vars) => {
                        text.extend(c);
                        Act::Cond(text, vars)
                    }
                    Act::Let { text: l, binds, .. } => {
                        text.extend(lowercase_first(l));
                        Act::Let { text, guard: None, needs: vec!["\u{0}".into()], binds }
                    }
                }
            }
        }
    }

    /// What the right side of a rule does.
    fn actions(&self, l: &Lhs, rhs: &Exp, _rename: &HashMap<String, String>) -> Vec<Step> {
        let mut steps = Vec::new();
        let (state, instrs) = self.side(rhs);
        // A new state.
        if let (Some(new), Some(old)) = (&state, &l.state) {
            if math::text(&self.n.exp(new)) != math::text(&self.n.exp(old)) {
                steps.push(self.state_change(new));
            }
        }
        let mut seq = Vec::new();
        self.seq(instrs, &mut seq);
        // Staying inside the same context: the right side is that context again.
        if let (Some(ctx), [single]) = (&l.ctx, seq.as_slice()) {
            if self.context_case(single).is_some() && self.context_case(single).map(|c| c as *const Case) == self.context_case(ctx).map(|c| c as *const Case) {
                if let Some(inner) = Self::con_args(single).and_then(|a| a.last()) {
                    let mut inner_seq = Vec::new();
                    self.seq(inner, &mut inner_seq);
                    steps.extend(self.seq_actions(&inner_seq));
                    return steps;
                }
            }
        }
        if let Some(ctx) = &l.ctx {
            steps.push(Step::new(vec![t("Exit "), m(self.context_head(ctx)), t(".")]));
        }
        steps.extend(self.seq_actions(&seq));
        steps
    }

    fn seq_actions(&self, seq: &[&Exp]) -> Vec<Step> {
        let mut steps = Vec::new();
        for e in seq {
            let e = *e;
            if matches!(&e.kind, ExpKind::List(x) if x.is_empty()) {
                continue;
            }
            let f = self.n.exp(e);
            if self.is_value(e) {
                let plural = matches!(strip_sub(e).kind, ExpKind::Iter(..));
                steps.push(Step::new(vec![t(if plural { "Push the values " } else { "Push the value " }), m(f), t(" to the stack.")]));
                continue;
            }
            if let Some(c) = self.context_case(e) {
                let args = Self::con_args(e).cloned().unwrap_or_default();
                let inner = args.last().cloned();
                // The context without its inside: its other arguments, the inside shown empty.
                let mut frame = strip_sub(e).clone();
                if let ExpKind::Con { args, .. } = &mut frame.kind {
                    if let Some(last) = args.last_mut() {
                        *last = Exp { kind: ExpKind::List(Vec::new()), ty: last.ty.clone(), span: last.span };
                    }
                }
                let word = hint_str(&c.hints, "desc").unwrap_or_else(|| match &c.kind {
                    CaseKind::Con(mx) => mx.name().trim_matches('_').to_lowercase(),
                    _ => "context".into(),
                });
                let mut text = vec![t("Enter "), m(inner.map(|x| self.n.exp(&x)).unwrap_or(M::Sym(Sym::Eps))), t(&format!(" with {word} ")), m(self.context_head(&frame)), t(".")];
                if let Some(tpl) = hint_str(&c.hints, "prose") {
                    text = self.fill_prose(&tpl, &args, &[]);
                }
                steps.push(Step::new(text));
                continue;
            }
            // An instruction: its case's prose, or "Execute".
            if let ExpKind::Con { ty, inst, case, args } = &strip_sub(e).kind {
                if let Some(c) = self.n.case(*ty, *inst, *case) {
                    if let Some(tpl) = hint_str(&c.hints, "prose") {
                        steps.push(Step::new(self.fill_prose(&tpl, args, &[])));
                        continue;
                    }
                }
            }
            let plural = matches!(strip_sub(e).kind, ExpKind::Iter(..)) || matches!(&e.ty, Ty::Iter(..));
            steps.push(Step::new(vec![t(if plural { "Execute the instructions " } else { "Execute the instruction " }), m(f), t(".")]));
        }
        steps
    }

    /// A context constructor without its inside (`label_n{instr*}`).
    fn context_head(&self, e: &Exp) -> M {
        match &strip_sub(e).kind {
            ExpKind::Con { ty, inst, case, args } => {
                let mut rendered: Vec<(M, u8)> = args.iter().map(|a| self.n.ex(a)).collect();
                if let Some(last) = rendered.last_mut() {
                    *last = (M::Empty, 9);
                }
                self.n.con(*ty, *inst, *case, rendered).0
            }
            _ => self.n.exp(e),
        }
    }

    fn state_change(&self, new: &Exp) -> Step {
        if let ExpKind::Call(id, args) = &strip_sub(new).kind {
            if let Some(d) = self.spec.defs.get(*id) {
                if let Some(tpl) = hint_str(&d.hints, "prose") {
                    let slots: Vec<Ty> = d.params.iter().map(|(_, t)| t.clone()).collect();
                    let mut text = self.fill_prose(&tpl, args, &slots);
                    if !matches!(text.last(), Some(Inline::Text(s)) if s.ends_with('.')) {
                        text.push(t("."));
                    }
                    return Step::new(text);
                }
            }
        }
        Step::new(vec![t("Update the state to "), m(self.n.exp(new)), t(".")])
    }

    /// Generalises patterns across rules: the common pattern, and for each rule the pairs
    /// (general part, the rule's part) where the rule's pattern is more specific or names a
    /// variable differently.
    fn generalize(&self, pats: &[&Exp], used: &mut HashSet<String>) -> (Exp, Vec<Vec<(Exp, Exp)>>) {
        self.generalize_as(pats, used, None)
    }

    /// The same for a value on the stack: a new variable is named after the value type.
    fn generalize_value(&self, pats: &[&Exp], used: &mut HashSet<String>) -> (Exp, Vec<Vec<(Exp, Exp)>>) {
        let name = self.value_root().and_then(|id| self.spec.types.get(id)).map(|t| t.name.clone());
        self.generalize_as(pats, used, name)
    }

    fn value_root(&self) -> Option<TypeId> {
        self.spec.types.iter().position(|t| has_hint(&t.hints, "value")).or_else(|| self.spec.type_index.get("val").copied())
    }

    fn generalize_as(&self, pats: &[&Exp], used: &mut HashSet<String>, fresh_base: Option<String>) -> (Exp, Vec<Vec<(Exp, Exp)>>) {
        let n = pats.len();
        let Some(first) = pats.first() else { return (Exp { kind: ExpKind::List(Vec::new()), ty: Ty::Error, span: Span::new(0, 0, 0) }, Vec::new()) };
        let texts: Vec<String> = pats.iter().map(|p| math::text(&self.n.exp(p))).collect();
        if texts.iter().all(|x| *x == texts[0]) {
            return ((*first).clone(), vec![Vec::new(); n]);
        }
        let stripped: Vec<&Exp> = pats.iter().map(|p| strip_sub(p)).collect();
        if let ExpKind::Con { ty, inst, case, args } = &stripped[0].kind {
            let same = stripped.iter().all(|p| matches!(&p.kind, ExpKind::Con { ty: t2, inst: i2, case: c2, args: a2 } if t2 == ty && i2 == inst && c2 == case && a2.len() == args.len()));
            if same {
                let mut gen_args = Vec::new();
                let mut cons = vec![Vec::new(); n];
                for k in 0..args.len() {
                    let col: Vec<&Exp> = stripped
                        .iter()
                        .filter_map(|p| match &p.kind {
                            ExpKind::Con { args, .. } => args.get(k),
                            _ => None,
                        })
                        .collect();
                    let (g, c) = self.generalize_as(&col, used, None);
                    gen_args.push(g);
                    for (ri, cs) in c.into_iter().enumerate() {
                        if let Some(v) = cons.get_mut(ri) {
                            v.extend(cs);
                        }
                    }
                }
                let gen = Exp { kind: ExpKind::Con { ty: *ty, inst: *inst, case: *case, args: gen_args }, ty: stripped[0].ty.clone(), span: stripped[0].span };
                return (gen, cons);
            }
        }
        // A variable that one of the rules uses, or a new one.
        let gen = match stripped.iter().find(|p| matches!(p.kind, ExpKind::Var(_))) {
            Some(v) => (*v).clone(),
            None => {
                let base = fresh_base.unwrap_or_else(|| match &first.ty {
                    Ty::Named(id, _) => self.spec.types.get(*id).map(|t| t.name.trim_end_matches('_').to_string()).unwrap_or_else(|| "v".into()),
                    _ => "v".into(),
                });
                let mut name = base.clone();
                let mut k = 0;
                while used.contains(&name) {
                    k += 1;
                    name = format!("{base}_{k}");
                }
                used.insert(name.clone());
                Exp { kind: ExpKind::Var(name), ty: first.ty.clone(), span: first.span }
            }
        };
        let gen_text = math::text(&self.n.exp(&gen));
        let cons = stripped.iter().map(|p| if math::text(&self.n.exp(p)) == gen_text { Vec::new() } else { vec![(gen.clone(), (*p).clone())] }).collect();
        (gen, cons)
    }
}

fn strip_sub(e: &Exp) -> &Exp {
    match &e.kind {
        ExpKind::Sub(x, _) => strip_sub(x),
        _ => e,
    }
}

/// One rule of an algorithm, before the rules are put together.
struct Branch {
    pat: Vec<Para>,
    lets: Vec<Step>,
    cond: Vec<Para>,
    body: Vec<Step>,
    otherwise: bool,
}

fn guarded(lead: &str, guards: Vec<Para>) -> Para {
    let mut text = vec![t(lead)];
    text.extend(join_and(guards));
    text.push(t(", then:"));
    text
}

/// Alternatives in order: "If …, then: …", "Else, if …, then: …", "Else: …". Consecutive
/// alternatives with the same guard are one, told apart by the bindings that can fail in them.
fn chain(branches: Vec<(Vec<Para>, Vec<Step>, bool)>) -> Vec<Step> {
    let mut merged: Vec<(Vec<Para>, Vec<Step>, bool)> = Vec::new();
    for b in branches {
        match merged.last_mut() {
            Some(last) if !b.0.is_empty() && paras_text(&last.0) == paras_text(&b.0) => {
                last.1 = merge_bodies(std::mem::take(&mut last.1), b.1);
                last.2 = b.2;
            }
            _ => merged.push(b),
        }
    }
    let mut branches = merged;
    let mut steps = Vec::new();
    // Leading steps that every alternative starts with come first.
    if branches.len() > 1 {
        while let Some(first_step) = branches[0].1.first().cloned() {
            let shared = branches.iter().all(|(g, b, _)| g.is_empty() && b.first() == Some(&first_step) && first_step.sub.is_empty());
            if !shared {
                break;
            }
            for b in branches.iter_mut() {
                b.1.remove(0);
            }
            steps.push(first_step);
        }
    }
    let n = branches.len();
    for (k, (guards, body, otherwise)) in branches.into_iter().enumerate() {
        if n == 1 {
            if guards.is_empty() {
                steps.extend(body);
            } else {
                steps.push(Step::with(guarded("If ", guards), body));
            }
            continue;
        }
        // `otherwise` is the `Else` of the earlier alternatives; its further conditions (if any)
        // still guard it.
        let _ = otherwise;
        let text = if guards.is_empty() {
            if k == 0 {
                vec![t("If the following steps apply, then:")]
            } else {
                vec![t("Else:")]
            }
        } else if k == 0 {
            guarded("If ", guards)
        } else {
            guarded("Else, if ", guards)
        };
        steps.push(Step::with(text, body));
    }
    steps
}

fn paras_text(p: &[Para]) -> Vec<String> {
    p.iter().map(|x| plain(x)).collect()
}

/// Two alternative step sequences as one: their common beginning, then the point where they
/// part, guarded by the conditions of the bindings that tell them apart.
fn merge_bodies(a: Vec<Step>, b: Vec<Step>) -> Vec<Step> {
    let k = a.iter().zip(b.iter()).take_while(|(x, y)| x == y).count();
    let mut out: Vec<Step> = a[..k].to_vec();
    let (ra, rb) = (&a[k..], &b[k..]);
    let branch = |lead: &str, rest: &[Step]| -> Step {
        match rest.first().and_then(|s| s.guard.clone()) {
            Some((g, drop)) => {
                let mut text = vec![t(lead)];
                text.extend(g);
                text.push(t(", then:"));
                Step::with(text, if drop { rest[1..].to_vec() } else { rest.to_vec() })
            }
            None if lead == "If " => Step::with(vec![t("If the following steps apply, then:")], rest.to_vec()),
            None => Step::with(vec![t("Else:")], rest.to_vec()),
        }
    };
    // A merged step that already tells branches apart takes the next one as a further `Else`.
    if let (Some(last), Some(_)) = (out.last(), rb.first()) {
        let _ = last;
    }
    if ra.is_empty() && rb.is_empty() {
        return out;
    }
    if ra.first().is_some_and(|s| is_else_chain_start(s)) && ra.len() >= 2 && ra[1..].iter().all(|s| is_else_step(s)) {
        out.extend(ra.iter().cloned());
        out.push(branch("Else, if ", rb));
        return out;
    }
    out.push(branch("If ", ra));
    out.push(branch("Else, if ", rb));
    out
}

fn is_else_chain_start(s: &Step) -> bool {
    matches!(s.text.first(), Some(Inline::Text(x)) if x == "If ")
}

fn is_else_step(s: &Step) -> bool {
    matches!(s.text.first(), Some(Inline::Text(x)) if x.starts_with("Else"))
}

fn join_and(parts: Vec<Para>) -> Para {
    let mut out = Vec::new();
    for (k, p) in parts.into_iter().enumerate() {
        if k > 0 {
            out.push(t(" and "));
        }
        out.extend(p);
    }
    out
}

fn capitalize(mut p: Para) -> Para {
    if let Some(Inline::Text(s)) = p.first_mut() {
        let mut c = s.chars();
        if let Some(f) = c.next() {
            *s = f.to_uppercase().collect::<String>() + c.as_str();
        }
    }
    p
}

fn lowercase_first(mut p: Para) -> Para {
    if let Some(Inline::Text(s)) = p.first_mut() {
        let mut c = s.chars();
        if let Some(f) = c.next() {
            *s = f.to_lowercase().collect::<String>() + c.as_str();
        }
    }
    p
}

/// The variables of an expression.
pub fn free_vars(e: &Exp) -> Vec<String> {
    fn walk(e: &Exp, out: &mut Vec<String>, depth: usize) {
        if depth > 4 * super::notation::MAX_DEPTH {
            return;
        }
        let walk = |x: &Exp, out: &mut Vec<String>| walk(x, out, depth + 1);
        match &e.kind {
            ExpKind::Var(v) => {
                if !out.contains(v) {
                    out.push(v.clone())
                }
            }
            ExpKind::Num(_) | ExpKind::Text(_) | ExpKind::Bool(_) => {}
            ExpKind::Con { args, .. } | ExpKind::Call(_, args) => args.iter().for_each(|a| walk(a, out)),
            ExpKind::Tuple(xs) | ExpKind::List(xs) | ExpKind::Cat(xs) => xs.iter().for_each(|a| walk(a, out)),
            ExpKind::Record(fs) => fs.iter().for_each(|(_, a)| walk(a, out)),
            ExpKind::Some(x) | ExpKind::Field(x, _) | ExpKind::Len(x) | ExpKind::Not(x) | ExpKind::Neg(x) | ExpKind::Sub(x, _) => walk(x, out),
            ExpKind::Iter(x, spec) => {
                walk(x, out);
                if let Some(c) = &spec.count {
                    walk(c, out);
                }
            }
            ExpKind::Index(a, b) | ExpKind::Bin(_, a, b) | ExpKind::Cmp(_, a, b) => {
                walk(a, out);
                walk(b, out);
            }
            ExpKind::Slice(a, b, c) => {
                walk(a, out);
                walk(b, out);
                walk(c, out);
            }
            ExpKind::Update(a, path, _, b) => {
                walk(a, out);
                for p in path {
                    match p {
                        Path::Field(_) => {}
                        Path::Index(i) => walk(i, out),
                        Path::Slice(i, n) => {
                            walk(i, out);
                            walk(n, out);
                        }
                    }
                }
                walk(b, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(e, &mut out, 0);
    out
}

/// An expression with variables renamed.
pub fn rename_exp(e: &Exp, map: &HashMap<String, String>) -> Exp {
    rename_at(e, map, 0)
}

fn rename_at(e: &Exp, map: &HashMap<String, String>, depth: usize) -> Exp {
    if map.is_empty() || depth > 4 * super::notation::MAX_DEPTH {
        return e.clone();
    }
    let rename_exp = |x: &Exp, map: &HashMap<String, String>| rename_at(x, map, depth + 1);
    let r = |x: &Exp| rename_exp(x, map);
    let rb = |x: &Exp| Box::new(rename_exp(x, map));
    let kind = match &e.kind {
        ExpKind::Var(v) => ExpKind::Var(map.get(v).cloned().unwrap_or_else(|| v.clone())),
        ExpKind::Num(_) | ExpKind::Text(_) | ExpKind::Bool(_) => e.kind.clone(),
        ExpKind::Con { ty, inst, case, args } => ExpKind::Con { ty: *ty, inst: *inst, case: *case, args: args.iter().map(r).collect() },
        ExpKind::Call(id, args) => ExpKind::Call(*id, args.iter().map(r).collect()),
        ExpKind::Tuple(xs) => ExpKind::Tuple(xs.iter().map(r).collect()),
        ExpKind::List(xs) => ExpKind::List(xs.iter().map(r).collect()),
        ExpKind::Cat(xs) => ExpKind::Cat(xs.iter().map(r).collect()),
        ExpKind::Record(fs) => ExpKind::Record(fs.iter().map(|(n, x)| (n.clone(), r(x))).collect()),
        ExpKind::Some(x) => ExpKind::Some(rb(x)),
        ExpKind::Field(x, f) => ExpKind::Field(rb(x), f.clone()),
        ExpKind::Len(x) => ExpKind::Len(rb(x)),
        ExpKind::Not(x) => ExpKind::Not(rb(x)),
        ExpKind::Neg(x) => ExpKind::Neg(rb(x)),
        ExpKind::Sub(x, ty) => ExpKind::Sub(rb(x), ty.clone()),
        ExpKind::Iter(x, spec) => {
            let mut s = spec.clone();
            s.vars = s.vars.iter().map(|v| map.get(v).cloned().unwrap_or_else(|| v.clone())).collect();
            s.count = s.count.as_ref().map(|c| rb(c));
            ExpKind::Iter(rb(x), s)
        }
        ExpKind::Index(a, b) => ExpKind::Index(rb(a), rb(b)),
        ExpKind::Bin(op, a, b) => ExpKind::Bin(*op, rb(a), rb(b)),
        ExpKind::Cmp(op, a, b) => ExpKind::Cmp(*op, rb(a), rb(b)),
        ExpKind::Slice(a, b, c) => ExpKind::Slice(rb(a), rb(b), rb(c)),
        ExpKind::Update(a, path, op, b) => ExpKind::Update(
            rb(a),
            path.iter()
                .map(|p| match p {
                    Path::Field(f) => Path::Field(f.clone()),
                    Path::Index(i) => Path::Index(r(i)),
                    Path::Slice(i, n) => Path::Slice(r(i), r(n)),
                })
                .collect(),
            *op,
            rb(b),
        ),
    };
    Exp { kind, ty: e.ty.clone(), span: e.span }
}

fn rename_premise(p: &Premise, map: &HashMap<String, String>) -> Premise {
    if map.is_empty() {
        return p.clone();
    }
    let kind = match &p.kind {
        PremiseKind::If { exp, binds } => PremiseKind::If { exp: rename_exp(exp, map), binds: binds.iter().map(|v| map.get(v).cloned().unwrap_or_else(|| v.clone())).collect() },
        PremiseKind::Otherwise => PremiseKind::Otherwise,
        PremiseKind::Rel { rel, args, binds } => PremiseKind::Rel {
            rel: *rel,
            args: args.iter().map(|a| rename_exp(a, map)).collect(),
            binds: binds.iter().map(|v| map.get(v).cloned().unwrap_or_else(|| v.clone())).collect(),
        },
        PremiseKind::Iter { premise, iter } => {
            let mut it = iter.clone();
            it.vars = it.vars.iter().map(|v| map.get(v).cloned().unwrap_or_else(|| v.clone())).collect();
            PremiseKind::Iter { premise: Box::new(rename_premise(premise, map)), iter: it }
        }
    };
    Premise { kind, hints: p.hints.clone(), span: p.span }
}

/// A table of metavariables as one sentence, variables of the same type together.
fn vars_para(b: Block) -> Block {
    let Block::Table { class: "vars", rows } = b else { return b };
    let mut groups: Vec<(String, Inline, Vec<Inline>)> = Vec::new();
    for r in rows {
        let (Some(v), Some(ty)) = (r.cells.first().and_then(|c| c.first()), r.cells.get(2).and_then(|c| c.first())) else { continue };
        let key = plain(std::slice::from_ref(ty));
        match groups.last_mut() {
            Some((k, _, vs)) if *k == key => vs.push(v.clone()),
            _ => groups.push((key, ty.clone(), vec![v.clone()])),
        }
    }
    let mut text = vec![t("Metavariables: ")];
    for (k, (_, ty, vs)) in groups.into_iter().enumerate() {
        if k > 0 {
            text.push(t("; "));
        }
        for (j, v) in vs.iter().enumerate() {
            if j > 0 {
                text.push(t(", "));
            }
            text.push(v.clone());
        }
        text.push(t(" for "));
        text.push(ty);
    }
    text.push(t("."));
    Block::Para { text, anchors: Vec::new() }
}

/// Consecutive tables of the same kind become one table.
fn merge_tables(blocks: Vec<Block>) -> Vec<Block> {
    let mut out: Vec<Block> = Vec::new();
    for b in blocks {
        if let Block::Table { class, rows } = &b {
            if let Some(Block::Table { class: c2, rows: r2 }) = out.last_mut() {
                if c2 == class {
                    r2.extend(rows.iter().cloned());
                    continue;
                }
            }
        }
        out.push(b);
    }
    out
}

/// Comment text with `code` spans.
fn inline_text(s: &str) -> Para {
    code_spans(s).into_iter().map(|(code, piece)| if code { Inline::Code(piece) } else { Inline::Text(piece) }).collect()
}

fn inline_width(i: &Inline) -> usize {
    match i {
        Inline::Text(s) | Inline::Code(s) | Inline::Strong(s) => s.chars().count(),
        Inline::Math(x) => x.width(),
    }
}

trait BuiltinLike {
    fn builtin_like(&self) -> bool;
}

impl BuiltinLike for Grammar {
    fn builtin_like(&self) -> bool {
        has_hint(&self.hints, "builtin")
    }
}

// ---------------------------------------------------------------------------------------------
// Markdown

fn md_inline(p: &[Inline]) -> String {
    let mut out = String::new();
    for i in p {
        match i {
            Inline::Text(s) => out.push_str(&md_escape(s)),
            Inline::Math(x) => {
                let s = math::text(x);
                if s.is_empty() {
                    continue;
                }
                let ticks = if s.contains('`') { "``" } else { "`" };
                let pad = if s.starts_with('`') || s.ends_with('`') { " " } else { "" };
                let _ = write!(out, "{ticks}{pad}{s}{pad}{ticks}");
            }
            Inline::Code(s) => {
                let ticks = if s.contains('`') { "``" } else { "`" };
                let _ = write!(out, "{ticks}{s}{ticks}");
            }
            Inline::Strong(s) => {
                let _ = write!(out, "**{}**", md_escape(s));
            }
        }
    }
    out
}

fn md_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '*' | '_' | '`' | '[' | ']' | '<' | '>' | '\\' | '|' | '#' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

fn md_anchors(a: &[String]) -> String {
    a.iter().map(|x| format!("<a id=\"{}\"></a>", math::html_escape(x))).collect()
}

fn md_steps(steps: &[Step], depth: usize, out: &mut String) {
    for (k, s) in steps.iter().enumerate() {
        let _ = writeln!(out, "{}{}. {}", "   ".repeat(depth), k + 1, md_inline(&s.text));
        md_steps(&s.sub, depth + 1, out);
    }
}

fn md_block(b: &Block, out: &mut String) {
    match b {
        Block::Heading { level, text, anchors } => {
            let _ = writeln!(out, "\n{} {}{}\n", "#".repeat(*level as usize), md_anchors(anchors), md_inline(text));
        }
        Block::Para { text, anchors } => {
            let _ = writeln!(out, "\n{}{}\n", md_anchors(anchors), md_inline(text));
        }
        Block::Bullets(items) => {
            out.push('\n');
            for i in items {
                let _ = writeln!(out, "- {}", md_inline(i));
            }
            out.push('\n');
        }
        Block::Steps(steps) => {
            out.push('\n');
            md_steps(steps, 0, out);
            out.push('\n');
        }
        Block::Table { rows, .. } => {
            // Formulas as aligned text in a code block; anchors before it.
            let anchors: Vec<String> = rows.iter().flat_map(|r| r.anchors.iter().cloned()).collect();
            let cells: Vec<Vec<String>> = rows.iter().map(|r| r.cells.iter().map(|c| plain(c)).collect()).collect();
            if cells.iter().all(|r| r.iter().all(|c| c.is_empty())) {
                if !anchors.is_empty() {
                    let _ = writeln!(out, "\n{}\n", md_anchors(&anchors));
                }
                return;
            }
            let ncols = cells.iter().map(Vec::len).max().unwrap_or(0);
            let mut widths = vec![0; ncols];
            for r in &cells {
                for (k, c) in r.iter().enumerate() {
                    widths[k] = widths[k].max(c.chars().count());
                }
            }
            let _ = writeln!(out, "\n{}\n", md_anchors(&anchors));
            out.push_str("```\n");
            for r in &cells {
                let mut line = String::new();
                for (k, c) in r.iter().enumerate() {
                    if k > 0 {
                        line.push(' ');
                    }
                    // The second column of syntax tables (the name) is right-aligned.
                    let pad = widths[k].saturating_sub(c.chars().count());
                    if k == 1 && ncols >= 4 {
                        line.push_str(&" ".repeat(pad));
                        line.push_str(c);
                    } else {
                        line.push_str(c);
                        line.push_str(&" ".repeat(pad));
                    }
                }
                let _ = writeln!(out, "{}", line.trim_end().replace("```", "``\u{200b}`"));
            }
            out.push_str("```\n");
        }
        Block::Section { anchors, title, body } => {
            let _ = writeln!(out, "\n#### {}{}\n", md_anchors(anchors), md_inline(title));
            for b in body {
                md_block(b, out);
            }
        }
    }
}

/// Inline content as plain text (formulas in Unicode).
pub fn plain(p: &[Inline]) -> String {
    let mut out = String::new();
    for i in p {
        match i {
            Inline::Text(s) | Inline::Code(s) | Inline::Strong(s) => out.push_str(s),
            Inline::Math(x) => out.push_str(&math::text(x)),
        }
    }
    out
}

/// The spec as Markdown.
pub fn markdown(spec: &Spec, sources: Option<&SourceMap>) -> String {
    let doc = Prose::new(spec, sources).doc();
    let mut out = format!("# {}\n\nRendered from `spec/` by wspec. Formulas are written in Unicode: `t₁*` is a sequence of `t₁`, `x?` an optional `x`.\n", doc.title);
    out.push_str("\n## Contents\n\n");
    for (title, _) in &doc.chapters {
        let _ = writeln!(out, "- [{}](#{})", md_escape(title), chapter_id(title));
    }
    for (title, blocks) in &doc.chapters {
        let _ = writeln!(out, "\n## <a id=\"{}\"></a>{}\n", chapter_id(title), md_escape(title));
        for b in blocks {
            md_block(b, &mut out);
        }
    }
    // One blank line between blocks.
    let mut clean = String::with_capacity(out.len());
    let mut newlines = 0;
    for c in out.chars() {
        if c == '\n' {
            newlines += 1;
            if newlines > 2 {
                continue;
            }
        } else {
            newlines = 0;
        }
        clean.push(c);
    }
    clean
}

/// The anchor of a chapter: `chapter-1.2`.
pub fn chapter_id(title: &str) -> String {
    let num: String = title.split(' ').next().unwrap_or("").to_string();
    if num.chars().all(|c| c.is_ascii_digit() || c == '.') && !num.is_empty() {
        format!("chapter-{num}")
    } else {
        format!("chapter-{}", title.to_lowercase().replace(|c: char| !c.is_ascii_alphanumeric(), "-"))
    }
}

use crate::ir::Tok;
