//! The spec as a LaTeX document: a section per spec file, syntax as BNF grammars, typing rules as
//! inference rules (mathpartir), reduction rules as `lhs ↪ rhs` with their premises, definitions
//! as equations, binary grammars as productions. The comments of the spec files become the
//! document's text. Every declaration carries an anchor (`\hypertarget` and `\label`) named
//! after it, and names link to their declarations.
//!
//! [`splice`] fills `@@kind:name` placeholders of a hand-written document with the same blocks.

use super::math::{self, tex, tex_label, tex_text, Class, Sym, M};
use super::notation::{Notation, P_ATOM};
use super::*;
use crate::diag::Diagnostic;
use std::cell::RefCell;
use std::collections::HashSet;

/// Characters of formula a line of the page holds (10pt, A4, 2cm margins).
const WIDTH: usize = 84;

pub struct Latex<'a> {
    pub spec: &'a Spec,
    pub n: Notation<'a>,
    sources: Option<&'a SourceMap>,
    macros: RefCell<Vec<(String, String)>>,
    body_items: HashSet<(usize, usize)>,
    /// Anchors already written (a declaration is anchored once).
    anchored: RefCell<HashSet<String>>,
}

/// A block of the document, before it is written.
enum Block {
    Syntax(Vec<(usize, usize)>),
    Vars(Vec<String>),
    Defs(Vec<Item>),
    Relation(RelId),
    Rules(RelId, Vec<usize>),
    Grammars(Vec<Item>),
    Comment(Comment),
}

impl<'a> Latex<'a> {
    pub fn new(spec: &'a Spec, sources: Option<&'a SourceMap>) -> Latex<'a> {
        Latex {
            spec,
            n: Notation::new(spec, true),
            sources,
            macros: RefCell::new(Vec::new()),
            body_items: body_items(spec),
            anchored: RefCell::new(HashSet::new()),
        }
    }

    /// A formula, in math mode.
    fn m(&self, m: &M) -> String {
        math::macros(m, &mut self.macros.borrow_mut());
        tex(m)
    }

    /// `\wsanchor{...}` for a declaration, once.
    fn anchor(&self, a: &Anchor) -> String {
        let name = anchor(self.spec, a);
        if !self.anchored.borrow_mut().insert(name.clone()) {
            return String::new();
        }
        format!("\\wsanchor{{{}}}", tex_label(&name))
    }

    // -----------------------------------------------------------------------------------------
    // The document

    /// The preamble: packages, styles and the macros that `hint(macro ...)` names.
    pub fn preamble(&self) -> String {
        let mut out = String::new();
        out.push_str(PREAMBLE);
        for (name, body) in self.macros.borrow().iter() {
            out.push_str(&format!("\\providecommand{{\\{name}}}{{{body}}}\n"));
        }
        out
    }

    /// The whole document.
    pub fn document(&self) -> String {
        let mut body = String::new();
        for (fi, view) in file_views(self.spec, self.sources).iter().enumerate() {
            let title = if view.number.is_empty() { view.title.clone() } else { format!("{} {}", view.number, view.title) };
            body.push_str(&format!("\n\\clearpage\\phantomsection\\addcontentsline{{toc}}{{section}}{{{t}}}\n\\section*{{{t}}}\n", t = tex_text(&title)));
            for c in &view.intro {
                body.push_str(&self.comment(c));
            }
            for block in self.blocks(fi, view) {
                body.push_str(&self.block(&block));
            }
        }
        let mut out = String::new();
        out.push_str("\\documentclass[10pt,a4paper,fleqn]{article}\n");
        out.push_str(&self.preamble());
        out.push_str("\\title{WebAssembly\\\\[4pt]\\large the specification, rendered from \\texttt{spec/} by wspec}\n\\date{}\n\\author{}\n");
        out.push_str("\\begin{document}\n\\maketitle\n\\tableofcontents\n\\clearpage\n");
        out.push_str(&body);
        out.push_str("\n\\end{document}\n");
        out
    }

    /// Groups a file's items into blocks: runs of syntax, of definitions, of rules of one
    /// relation, of grammars.
    fn blocks(&self, fi: usize, view: &FileView) -> Vec<Block> {
        let mut out: Vec<Block> = Vec::new();
        for (ii, (item, _span, comments)) in view.items.iter().enumerate() {
            for c in comments {
                out.push(Block::Comment(c.clone()));
            }
            let item = *item;
            match item {
                Item::Syntax(..) | Item::Instance(..) => match out.last_mut() {
                    Some(Block::Syntax(v)) if comments.is_empty() => v.push((fi, ii)),
                    _ => out.push(Block::Syntax(vec![(fi, ii)])),
                },
                Item::Var(name) => match out.last_mut() {
                    Some(Block::Vars(v)) if comments.is_empty() => v.push(name.clone()),
                    _ => out.push(Block::Vars(vec![name.clone()])),
                },
                Item::DefSig(_) | Item::DefClause(..) => match out.last_mut() {
                    Some(Block::Defs(v)) if comments.is_empty() => v.push(item.clone()),
                    _ => out.push(Block::Defs(vec![item.clone()])),
                },
                Item::Relation(r) => out.push(Block::Relation(*r)),
                Item::Rule(r, i) => match out.last_mut() {
                    Some(Block::Rules(r2, v)) if r2 == r && comments.is_empty() => v.push(*i),
                    _ => out.push(Block::Rules(*r, vec![*i])),
                },
                Item::Grammar(..) => match out.last_mut() {
                    Some(Block::Grammars(v)) if comments.is_empty() => v.push(item.clone()),
                    _ => out.push(Block::Grammars(vec![item.clone()])),
                },
            }
        }
        out
    }

    fn block(&self, b: &Block) -> String {
        match b {
            Block::Comment(c) => self.comment(c),
            Block::Syntax(items) => {
                let mut rows = Vec::new();
                for &(fi, ii) in items {
                    if let Some((item, _)) = self.spec.files.get(fi).and_then(|f| f.items.get(ii)) {
                        rows.extend(self.syntax_rows(item, self.body_items.contains(&(fi, ii))));
                    }
                }
                self.syntax_table(&rows)
            }
            Block::Vars(names) => self.vars(names),
            Block::Defs(items) => self.defs(items),
            Block::Relation(r) => self.relation(*r),
            Block::Rules(r, idx) => self.rules(*r, idx),
            Block::Grammars(items) => self.grammars(items),
        }
    }

    fn comment(&self, c: &Comment) -> String {
        match c {
            Comment::Heading(h) => format!("\n\\phantomsection\\addcontentsline{{toc}}{{subsection}}{{{t}}}\n\\subsection*{{{t}}}\n", t = heading_text(h)),
            Comment::Para(p) => format!("\n{}\n", inline_text(p)),
            Comment::List(items) => {
                let mut out = String::from("\n\\begin{itemize}\\setlength\\itemsep{0pt}\n");
                for i in items {
                    out.push_str(&format!("\\item {}\n", inline_text(i)));
                }
                out.push_str("\\end{itemize}\n");
                out
            }
        }
    }

    // -----------------------------------------------------------------------------------------
    // Syntax

    /// Rows of a syntax item: (anchors and description, left side, `::=` or `|`, right side).
    fn syntax_rows(&self, item: &Item, body: bool) -> Vec<SynRow> {
        let spec = self.spec;
        match item {
            Item::Syntax(id, None) => {
                let Some(t) = spec.types.get(*id) else { return Vec::new() };
                let anchor = self.anchor(&Anchor::Syntax(*id));
                let desc = hint_str(&t.hints, "desc");
                if !body {
                    // A declaration: its anchor, and nothing to show until its definition.
                    return if anchor.is_empty() { Vec::new() } else { vec![SynRow::anchor_only(anchor)] };
                }
                self.body_rows(anchor, desc, self.n.type_lhs(*id), &t.body, None)
            }
            Item::Syntax(id, Some(f)) => {
                let Some(t) = spec.types.get(*id) else { return Vec::new() };
                let Some(frag) = t.fragments.get(*f) else { return Vec::new() };
                let mut anchor = self.anchor(&Anchor::Syntax(*id));
                anchor.push_str(&self.anchor(&Anchor::Fragment(*id, *f)));
                let desc = hint_str(&frag.hints, "desc").or_else(|| hint_str(&t.hints, "desc"));
                let cases: Vec<&Case> = match &t.body {
                    TypeBody::Variant(cs) => cs.get(frag.cases.clone()).map(|s| s.iter().collect()).unwrap_or_default(),
                    _ => Vec::new(),
                };
                let cont = (*f > 0, *f + 1 < t.fragments.len());
                self.case_rows(anchor, desc, self.n.type_lhs(*id), &cases, cont)
            }
            Item::Instance(id, i) => {
                let Some(t) = spec.types.get(*id) else { return Vec::new() };
                let TypeBody::Family(insts) = &t.body else { return Vec::new() };
                let Some(inst) = insts.get(*i) else { return Vec::new() };
                let anchor = self.anchor(&Anchor::Syntax(*id));
                let desc = hint_str(&t.hints, "desc");
                let args = inst.patterns.iter().map(|p| self.n.exp(p)).collect();
                let lhs = self.n.type_name(*id, args);
                self.body_rows(anchor, desc, lhs, &inst.body, None)
            }
            _ => Vec::new(),
        }
    }

    fn body_rows(&self, anchor: String, desc: Option<String>, lhs: M, body: &TypeBody, _: Option<()>) -> Vec<SynRow> {
        match body {
            TypeBody::Pending | TypeBody::Family(_) => {
                if anchor.is_empty() {
                    Vec::new()
                } else {
                    vec![SynRow::anchor_only(anchor)]
                }
            }
            TypeBody::Alias(t) => vec![SynRow::new(anchor, desc, Some(lhs), self.m(&self.n.ty(t)))],
            TypeBody::Range(lo, hi, prems) => {
                let mut rhs = self.m(&M::row(vec![self.n.exp(lo), M::Sym(Sym::Dots), self.n.exp(hi)]));
                let mut rows = Vec::new();
                if prems.is_empty() {
                    rows.push(SynRow::new(anchor, desc, Some(lhs), rhs));
                } else {
                    rhs.push_str(" \\quad \\mbox{if }");
                    let p = M::sep(prems.iter().map(|p| self.n.premise(p)).collect(), Sym::And);
                    let lines = lines(&p, 60);
                    for (i, l) in lines.iter().enumerate() {
                        if i == 0 {
                            rhs.push_str(&self.m(l));
                            rows.push(SynRow::new(anchor.clone(), desc.clone(), Some(lhs.clone()), rhs.clone()));
                        } else {
                            rows.push(SynRow::cont(format!("\\qquad {}", self.m(l))));
                        }
                    }
                }
                rows
            }
            TypeBody::Record(fields) => {
                let parts: Vec<M> = fields.iter().map(|f| M::spaced(vec![M::Atom(f.name.to_lowercase()), self.n.ty(&f.ty)])).collect();
                let one = M::Row(vec![M::Sym(Sym::LBrace), M::sep(parts.clone(), Sym::Comma), M::Sym(Sym::RBrace)]);
                if one.width() <= 50 {
                    return vec![SynRow::new(anchor, desc, Some(lhs), self.m(&one))];
                }
                let mut rows = Vec::new();
                let n = parts.len();
                for (i, p) in parts.iter().enumerate() {
                    let open = if i == 0 { "\\{~" } else { "\\phantom{\\{}~" };
                    let close = if i + 1 == n { "~\\}" } else { "," };
                    let cell = format!("{open}{}{close}", self.m(p));
                    if i == 0 {
                        rows.push(SynRow::new(anchor.clone(), desc.clone(), Some(lhs.clone()), cell));
                    } else {
                        rows.push(SynRow::cont(cell));
                    }
                }
                rows
            }
            TypeBody::Variant(cases) => {
                let cases: Vec<&Case> = cases.iter().collect();
                self.case_rows(anchor, desc, lhs, &cases, (false, false))
            }
        }
    }

    /// The cases of a variant, packed into lines; `cont` says whether cases come before (a
    /// later fragment) and after (an earlier fragment).
    fn case_rows(&self, anchor: String, desc: Option<String>, lhs: M, cases: &[&Case], cont: (bool, bool)) -> Vec<SynRow> {
        let budget = 52;
        let mut lines: Vec<String> = Vec::new();
        let mut cur: Vec<M> = Vec::new();
        let mut cur_w = 0;
        if cont.0 {
            cur.push(M::Sym(Sym::Dots));
            cur_w += 2;
        }
        let flush = |cur: &mut Vec<M>, cur_w: &mut usize, lines: &mut Vec<String>| {
            if !cur.is_empty() {
                lines.push(self.m(&M::sep(std::mem::take(cur), Sym::Bar)));
            }
            *cur_w = 0;
        };
        for c in cases {
            let form = self.n.case_form(c);
            if c.premises.is_empty() {
                let w = form.width() + 3;
                if cur_w + w > budget && !cur.is_empty() {
                    flush(&mut cur, &mut cur_w, &mut lines);
                }
                cur_w += w;
                cur.push(form);
            } else {
                flush(&mut cur, &mut cur_w, &mut lines);
                let p = M::sep(c.premises.iter().map(|p| self.n.premise(p)).collect(), Sym::And);
                let first = self.m(&form);
                if form.width() + p.width() + 6 <= budget + 10 {
                    lines.push(format!("{first} \\quad \\mbox{{if }} {}", self.m(&p)));
                } else {
                    lines.push(first);
                    for (i, l) in self::lines(&p, budget).iter().enumerate() {
                        let lead = if i == 0 { "\\qquad \\mbox{if }" } else { "\\qquad\\quad " };
                        lines.push(format!("!{lead}{}", self.m(l)));
                    }
                }
            }
        }
        if cont.1 {
            cur.push(M::Sym(Sym::Dots));
        }
        flush(&mut cur, &mut cur_w, &mut lines);
        let mut rows = Vec::new();
        let mut first = true;
        for l in lines {
            // Lines marked `!` continue the previous case (its premises).
            let (is_cont, l) = match l.strip_prefix('!') {
                Some(rest) => (true, rest.to_string()),
                None => (false, l),
            };
            if first {
                rows.push(SynRow::new(anchor.clone(), desc.clone(), Some(lhs.clone()), l));
                first = false;
            } else if is_cont {
                rows.push(SynRow::cont(l));
            } else {
                rows.push(SynRow { pre: String::new(), desc: None, lhs: None, op: "\\mid".into(), rhs: l });
            }
        }
        if rows.is_empty() {
            rows.push(SynRow::new(anchor, desc, Some(lhs), String::new()));
        }
        rows
    }

    fn syntax_table(&self, rows: &[SynRow]) -> String {
        if rows.is_empty() {
            return String::new();
        }
        if rows.iter().all(|r| r.lhs.is_none() && r.rhs.is_empty()) {
            // Only anchors (declarations): no table.
            return rows.iter().map(|r| r.pre.clone()).collect::<String>() + "\n";
        }
        let mut out = String::from("\n\\begin{longtable}{@{}l@{\\quad}r@{~}c@{~}l@{}}\n");
        // Anchors of declarations without rows go with the next row.
        let mut pending = String::new();
        let mut rows: Vec<SynRow> = rows.iter().map(|r| SynRow { pre: r.pre.clone(), desc: r.desc.clone(), lhs: r.lhs.clone(), op: r.op.clone(), rhs: r.rhs.clone() }).collect();
        for r in rows.iter_mut() {
            if r.lhs.is_none() && r.rhs.is_empty() {
                pending.push_str(&std::mem::take(&mut r.pre));
            } else if !pending.is_empty() {
                r.pre = format!("{}{}", std::mem::take(&mut pending), r.pre);
            }
        }
        rows.retain(|r| !(r.lhs.is_none() && r.rhs.is_empty()));
        if !pending.is_empty() {
            out = format!("\n{pending}{out}");
        }
        for r in &rows {
            let desc = match &r.desc {
                Some(d) => format!("\\wsdesc{{({})}}", tex_text(d)),
                None => String::new(),
            };
            let lhs = r.lhs.as_ref().map(|l| format!("${}$", self.m(l))).unwrap_or_default();
            if r.lhs.is_none() && r.rhs.is_empty() {
                out.push_str(&format!("{} & & & \\\\\n", r.pre));
                continue;
            }
            let rhs = if r.rhs.is_empty() { String::new() } else { format!("${}$", r.rhs) };
            let op = if r.op.is_empty() { String::new() } else { format!("${}$", r.op) };
            out.push_str(&format!("{}{desc} & {lhs} & {op} & {rhs} \\\\\n", r.pre));
        }
        out.push_str("\\end{longtable}\n");
        out
    }

    // -----------------------------------------------------------------------------------------
    // Variables

    fn vars(&self, names: &[String]) -> String {
        // Variables of the same type together: `$N, M, K$ for $\mathbb{N}$`.
        let mut groups: Vec<(String, Vec<String>)> = Vec::new();
        for n in names {
            let Some(v) = self.spec.vars.iter().find(|v| &v.name == n) else { continue };
            let ty = self.m(&self.n.ty(&v.ty));
            let var = self.m(&self.n.var(&v.name));
            match groups.last_mut() {
                Some((t, vs)) if *t == ty => vs.push(var),
                _ => groups.push((ty, vec![var])),
            }
        }
        let parts: Vec<String> = groups.iter().map(|(ty, vs)| format!("${}$~for~${ty}$", vs.join(", "))).collect();
        if parts.is_empty() {
            return String::new();
        }
        format!("\n\\noindent{{\\small Metavariables: {}.}}\n", parts.join(", "))
    }

    // -----------------------------------------------------------------------------------------
    // Definitions

    fn defs(&self, items: &[Item]) -> String {
        let mut rows: Vec<String> = Vec::new();
        for item in items {
            match item {
                Item::DefSig(id) => rows.extend(self.def_sig_rows(*id)),
                Item::DefClause(id, i) => rows.extend(self.clause_rows(*id, *i)),
                _ => {}
            }
        }
        longtable3(&rows)
    }

    fn def_sig_rows(&self, id: DefId) -> Vec<String> {
        let Some(d) = self.spec.defs.get(id) else { return Vec::new() };
        let anchor = self.anchor(&Anchor::Def(id));
        let sig = self.n.def_sig(id);
        let mut note = String::new();
        if let Some(desc) = hint_str(&d.hints, "desc") {
            note.push_str(&format!(" \\quad\\wsdesc{{({})}}", tex_text(&desc)));
        }
        if d.clauses.is_empty() {
            note.push_str(if d.builtin.is_some() { " \\quad\\wsdesc{(built in)}" } else { " \\quad\\wsdesc{(defined outside the spec)}" });
        }
        vec![format!("\\multicolumn{{3}}{{@{{}}l@{{}}}}{{{anchor}\\wssig{{${}$}}{note}}} \\\\", self.m(&sig))]
    }

    fn clause_rows(&self, id: DefId, i: usize) -> Vec<String> {
        let Some(d) = self.spec.defs.get(id) else { return Vec::new() };
        let Some(c) = d.clauses.get(i) else { return Vec::new() };
        let mut anchor = self.anchor(&Anchor::Def(id));
        let args = c.args.iter().map(|a| self.n.exp(a)).collect();
        let lhs = self.n.call(id, args);
        let rhs = self.n.exp(&c.body);
        let prems: Vec<M> = c.premises.iter().map(|p| self.n.premise(p)).collect();
        let mut rows = Vec::new();
        self.equation_rows(&mut rows, &mut anchor, lhs, M::Sym(Sym::Eq), rhs, &prems);
        rows
    }

    /// `lhs op rhs` and premises, as rows of a three-column table; long sides and premises are
    /// broken over several rows.
    fn equation_rows(&self, rows: &mut Vec<String>, anchor: &mut String, lhs: M, op: M, rhs: M, prems: &[M]) {
        let lw = lhs.width();
        let rw = rhs.width();
        let rbudget = WIDTH.saturating_sub(lw.min(36) + 4);
        let mut rhs_lines = if rw <= rbudget { vec![rhs.clone()] } else { lines(&rhs, rbudget.max(30)) };
        // A single short premise may follow the right side on its line.
        let inline_prem = prems.len() == 1 && rhs_lines.len() == 1 && lw + rw + prems[0].width() + 8 <= WIDTH;
        if lw > 36 || lw + rhs_lines.iter().map(M::width).max().unwrap_or(0) + 4 > WIDTH {
            rows.push(format!("\\multicolumn{{3}}{{@{{}}l@{{}}}}{{{}${}$}} \\\\", std::mem::take(anchor), self.m(&lhs)));
            rhs_lines = lines(&rhs, WIDTH.saturating_sub(8).max(30));
            for (k, l) in rhs_lines.iter().enumerate() {
                let opc = if k == 0 { format!("${}$", self.m(&op)) } else { String::new() };
                let lead = if k == 0 { "" } else { "\\quad " };
                rows.push(format!("\\multicolumn{{3}}{{@{{}}l@{{}}}}{{\\qquad {opc}~${lead}{}$}} \\\\", self.m(l)));
            }
        } else {
            for (k, l) in rhs_lines.iter().enumerate() {
                let mut cell = format!("${}{}$", if k == 0 { "" } else { "\\quad " }, self.m(l));
                if inline_prem && k == 0 {
                    cell.push_str(&format!(" \\quad \\mbox{{{}}}", prem_word(&prems[0], true)));
                    if !is_otherwise(&prems[0]) {
                        cell.push_str(&format!(" ${}$", self.m(&prems[0])));
                    }
                }
                if k == 0 {
                    rows.push(format!("{}${}$ & ${}$ & {cell} \\\\", std::mem::take(anchor), self.m(&lhs), self.m(&op)));
                } else {
                    rows.push(format!("& & {cell} \\\\"));
                }
            }
        }
        if !inline_prem {
            self.premise_rows(rows, prems);
        }
    }

    fn premise_rows(&self, rows: &mut Vec<String>, prems: &[M]) {
        for (k, p) in prems.iter().enumerate() {
            let word = prem_word(p, k == 0);
            if is_otherwise(p) {
                rows.push(format!("\\multicolumn{{3}}{{@{{}}l@{{}}}}{{\\qquad \\mbox{{{word}}}}} \\\\"));
                continue;
            }
            for (j, l) in lines(p, WIDTH.saturating_sub(12)).iter().enumerate() {
                let lead = if j == 0 { format!("\\qquad \\mbox{{{word}}}~") } else { "\\qquad\\qquad ".into() };
                rows.push(format!("\\multicolumn{{3}}{{@{{}}l@{{}}}}{{{lead}${}$}} \\\\", self.m(l)));
            }
        }
    }

    // -----------------------------------------------------------------------------------------
    // Relations and rules

    fn relation(&self, r: RelId) -> String {
        let Some(rel) = self.spec.relations.get(r) else { return String::new() };
        let anchor = self.anchor(&Anchor::Relation(r));
        let desc = hint_str(&rel.hints, "desc").map(|d| format!(" \\quad\\wsdesc{{({})}}", tex_text(&d))).unwrap_or_default();
        format!(
            "\n\\par\\medskip\\noindent{anchor}\\wsrelation{{{}}}{{${}$}}{desc}\\par\\smallskip\n",
            tex_text(&rel.name),
            self.m(&self.n.rel_form(r))
        )
    }

    fn rules(&self, r: RelId, idx: &[usize]) -> String {
        if self.n.is_reduction(r) {
            let mut rows = Vec::new();
            for &i in idx {
                rows.extend(self.reduction_rows(r, i));
            }
            longtable3(&rows)
        } else {
            let mut out = String::from("\n\\begin{mathpar}\n");
            let mut first = true;
            for &i in idx {
                if !first {
                    out.push_str("\\and\n");
                }
                first = false;
                out.push_str(&self.inference(r, i));
            }
            out.push_str("\\end{mathpar}\n");
            out
        }
    }

    fn rule_label(&self, r: RelId, i: usize) -> String {
        let Some(rel) = self.spec.relations.get(r) else { return String::new() };
        let Some(rule) = rel.rules.get(i) else { return String::new() };
        tex_text(&rule.full_name(&rel.name))
    }

    fn reduction_rows(&self, r: RelId, i: usize) -> Vec<String> {
        let Some(rule) = self.spec.relations.get(r).and_then(|rel| rel.rules.get(i)) else { return Vec::new() };
        let anchor = self.anchor(&Anchor::Rule(r, i));
        let mut rows = vec![format!("\\multicolumn{{3}}{{@{{}}l@{{}}}}{{{anchor}\\wsrulename{{{}}}}} \\\\*", self.rule_label(r, i))];
        let prems: Vec<M> = rule.premises.iter().map(|p| self.n.premise(p)).collect();
        match self.n.rel_split(r, &rule.args) {
            Some((lhs, arrow, rhs)) => {
                let mut none = String::new();
                self.equation_rows(&mut rows, &mut none, lhs, arrow, rhs, &prems);
            }
            None => {
                let concl = self.n.rel(r, &rule.args);
                for l in lines(&concl, WIDTH) {
                    rows.push(format!("\\multicolumn{{3}}{{@{{}}l@{{}}}}{{${}$}} \\\\", self.m(&l)));
                }
                self.premise_rows(&mut rows, &prems);
            }
        }
        rows.push("\\noalign{\\smallskip}".into());
        rows
    }

    fn inference(&self, r: RelId, i: usize) -> String {
        let Some(rule) = self.spec.relations.get(r).and_then(|rel| rel.rules.get(i)) else { return String::new() };
        let anchor = self.anchor(&Anchor::Rule(r, i));
        let prems: Vec<String> = rule
            .premises
            .iter()
            .map(|p| {
                let m = self.n.premise(p);
                self.stacked(&m, WIDTH - 10)
            })
            .collect();
        let concl = self.n.rel(r, &rule.args);
        format!(
            "\\wsruleanchor{{{anchor}}}\\inferrule*[right=\\wsrulename{{{}}}]\n  {{{}}}\n  {{{}}}\n",
            self.rule_label(r, i),
            if prems.is_empty() { String::new() } else { prems.join(" \\\\\n   ") },
            self.stacked(&concl, WIDTH - 10)
        )
    }

    /// A formula, broken over lines in an array when it is too wide.
    fn stacked(&self, m: &M, width: usize) -> String {
        let ls = lines(m, width);
        if ls.len() <= 1 {
            return self.m(m);
        }
        let body: Vec<String> = ls.iter().enumerate().map(|(k, l)| format!("{}{}", if k == 0 { "" } else { "\\quad " }, self.m(l))).collect();
        // Braced: mathpartir reads `\\` outside groups as its own separator.
        format!("{{\\begin{{array}}[b]{{@{{}}l@{{}}}}{}\\end{{array}}}}", body.join(" \\tabularnewline "))
    }

    // -----------------------------------------------------------------------------------------
    // Grammars

    fn grammars(&self, items: &[Item]) -> String {
        let mut rows: Vec<String> = Vec::new();
        for item in items {
            let Item::Grammar(id, frag) = item else { continue };
            let Some(g) = self.spec.grammars.get(*id) else { continue };
            let mut anchor = self.anchor(&Anchor::Grammar(*id));
            let range = match frag {
                Some(f) => {
                    anchor.push_str(&self.anchor(&Anchor::GrammarFragment(*id, *f)));
                    g.fragments.get(*f).map(|x| x.cases.clone()).unwrap_or(0..0)
                }
                None if g.fragments.is_empty() => 0..g.productions.len(),
                None => 0..0,
            };
            let desc = hint_str(&g.hints, "desc").or_else(|| result_desc(self.spec, &g.result));
            let lhs = self.n.gram_lhs(*id);
            let desc_cell = desc.map(|d| format!("\\wsdesc{{({})}}", tex_text(&d))).unwrap_or_default();
            let prods: Vec<&Production> = g.productions.get(range).map(|p| p.iter().collect()).unwrap_or_default();
            if prods.is_empty() {
                let note = if hint_str(&g.hints, "builtin").is_some() { "\\wsdesc{(built in)}" } else { "" };
                rows.push(format!("{anchor}{desc_cell} & ${}$ & & \\multicolumn{{3}}{{l@{{}}}}{{{note}}} \\\\", self.m(&lhs)));
                continue;
            }
            let cont_before = matches!(frag, Some(f) if *f > 0);
            for (k, p) in prods.iter().enumerate() {
                let syms = M::spaced(p.symbols.iter().map(|s| self.n.sym(s)).collect());
                let syms = if cont_before && k == 0 { M::sep(vec![M::Sym(Sym::Dots), syms], Sym::Bar) } else { syms };
                let first = k == 0;
                let (pre, lcell, op) = if first {
                    (std::mem::take(&mut anchor), format!("{desc_cell} & ${}$", self.m(&lhs)), "::=")
                } else {
                    (String::new(), " & ".to_string(), "\\mid")
                };
                let result = p.result.as_ref().map(|e| self.n.exp(e));
                let sw = syms.width();
                let rw = result.as_ref().map(M::width).unwrap_or(0);
                if sw + rw + 6 <= 70 {
                    let res = match &result {
                        Some(r) => format!("$\\Rightarrow$ & ${}$", self.m(r)),
                        None => " & ".into(),
                    };
                    rows.push(format!("{pre}{lcell} & ${op}$ & ${}$ & {res} \\\\", self.m(&syms)));
                } else {
                    rows.push(format!("{pre}{lcell} & ${op}$ & \\multicolumn{{3}}{{l@{{}}}}{{${}$}} \\\\", self.stacked(&syms, 66)));
                    if let Some(r) = &result {
                        rows.push(format!(" & & & \\multicolumn{{3}}{{l@{{}}}}{{\\qquad$\\Rightarrow~{}$}} \\\\", self.stacked(r, 60)));
                    }
                }
                for (j, prem) in p.premises.iter().enumerate() {
                    let m = self.n.premise(prem);
                    let word = prem_word(&m, j == 0);
                    let body = if is_otherwise(&m) { String::new() } else { format!("${}$", self.stacked(&m, 60)) };
                    rows.push(format!(" & & & \\multicolumn{{3}}{{l@{{}}}}{{\\qquad\\mbox{{{word}}}~{body}}} \\\\"));
                }
            }
            if matches!(frag, Some(f) if *f + 1 < g.fragments.len()) {
                rows.push(format!(" & & $\\mid$ & \\multicolumn{{3}}{{l@{{}}}}{{$\\dots$}} \\\\"));
            }
        }
        if rows.is_empty() {
            return String::new();
        }
        format!("\n\\begin{{longtable}}{{@{{}}l@{{\\quad}}r@{{~}}c@{{~}}l@{{~}}c@{{~}}l@{{}}}}\n{}\n\\end{{longtable}}\n", rows.join("\n"))
    }

    // -----------------------------------------------------------------------------------------
    // Single declarations, for splicing

    /// The block of one named declaration: `syntax:NAME`, `syntax:NAME/FRAG`, `rule:REL/CASE`,
    /// `relation:REL` (the relation and all its rules), `def:NAME` (or `def:$NAME`),
    /// `grammar:NAME`, `grammar:NAME/FRAG`.
    pub fn named(&self, kind: &str, name: &str) -> Option<String> {
        // A declaration spliced twice is anchored at its first place.
        let spec = self.spec;
        match kind {
            "syntax" => {
                let (base, frag) = match name.split_once('/') {
                    Some((b, f)) => (b, Some(f)),
                    None => (name, None),
                };
                let id = *spec.type_index.get(base)?;
                let t = spec.types.get(id)?;
                let mut rows = Vec::new();
                match frag {
                    Some(f) => {
                        let fi = t.fragments.iter().position(|x| x.name == f)?;
                        rows.extend(self.syntax_rows(&Item::Syntax(id, Some(fi)), true));
                    }
                    None if !t.fragments.is_empty() => {
                        for fi in 0..t.fragments.len() {
                            rows.extend(self.syntax_rows(&Item::Syntax(id, Some(fi)), true));
                        }
                    }
                    None => match &t.body {
                        TypeBody::Family(insts) => {
                            for i in 0..insts.len() {
                                rows.extend(self.syntax_rows(&Item::Instance(id, i), true));
                            }
                        }
                        _ => rows.extend(self.syntax_rows(&Item::Syntax(id, None), true)),
                    },
                }
                Some(self.syntax_table(&rows))
            }
            "rule" => {
                let (rel, case) = name.split_once('/').unwrap_or((name, ""));
                let r = *spec.rel_index.get(rel)?;
                let i = spec.relations.get(r)?.rules.iter().position(|x| x.name == case)?;
                Some(self.rules(r, &[i]))
            }
            "relation" => {
                let r = *spec.rel_index.get(name)?;
                let n = spec.relations.get(r)?.rules.len();
                let idx: Vec<usize> = (0..n).collect();
                Some(format!("{}{}", self.relation(r), if n > 0 { self.rules(r, &idx) } else { String::new() }))
            }
            "def" => {
                let id = *spec.def_index.get(name.strip_prefix('$').unwrap_or(name))?;
                let d = spec.defs.get(id)?;
                let mut items = vec![Item::DefSig(id)];
                items.extend((0..d.clauses.len()).map(|i| Item::DefClause(id, i)));
                Some(self.defs(&items))
            }
            "grammar" => {
                let (base, frag) = match name.split_once('/') {
                    Some((b, f)) => (b, Some(f)),
                    None => (name, None),
                };
                let id = *spec.gram_index.get(base)?;
                let g = spec.grammars.get(id)?;
                let items: Vec<Item> = match frag {
                    Some(f) => vec![Item::Grammar(id, Some(g.fragments.iter().position(|x| x.name == f)?))],
                    None if !g.fragments.is_empty() => (0..g.fragments.len()).map(|f| Item::Grammar(id, Some(f))).collect(),
                    None => vec![Item::Grammar(id, None)],
                };
                Some(self.grammars(&items))
            }
            _ => None,
        }
    }

    /// Whether a placeholder names something (a name ending in `*` is a prefix of one or more).
    pub fn exists(&self, kind: &str, name: &str) -> bool {
        let names = self.names(kind);
        let name = if kind == "def" && !name.starts_with('$') { format!("${name}") } else { name.to_string() };
        match name.strip_suffix('*') {
            Some(prefix) => names.iter().any(|n| n.starts_with(prefix)),
            None => names.contains(&name),
        }
    }

    /// The names a kind of placeholder accepts, for suggestions.
    pub fn names(&self, kind: &str) -> Vec<String> {
        let spec = self.spec;
        match kind {
            "syntax" => spec
                .types
                .iter()
                .flat_map(|t| std::iter::once(t.name.clone()).chain(t.fragments.iter().map(move |f| format!("{}/{}", t.name, f.name))))
                .collect(),
            "rule" => spec.relations.iter().flat_map(|r| r.rules.iter().map(move |x| x.full_name(&r.name))).collect(),
            "relation" => spec.relations.iter().map(|r| r.name.clone()).collect(),
            "def" => spec.defs.iter().map(|d| format!("${}", d.name)).collect(),
            "grammar" => spec
                .grammars
                .iter()
                .flat_map(|g| std::iter::once(g.name.clone()).chain(g.fragments.iter().map(move |f| format!("{}/{}", g.name, f.name))))
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// A row of a syntax table.
struct SynRow {
    pre: String,
    desc: Option<String>,
    lhs: Option<M>,
    op: String,
    rhs: String,
}

impl SynRow {
    fn new(anchor: String, desc: Option<String>, lhs: Option<M>, rhs: String) -> SynRow {
        SynRow { pre: anchor, desc, lhs, op: "::=".into(), rhs }
    }
    fn cont(rhs: String) -> SynRow {
        SynRow { pre: String::new(), desc: None, lhs: None, op: String::new(), rhs }
    }
    fn anchor_only(anchor: String) -> SynRow {
        SynRow { pre: anchor, desc: None, lhs: None, op: String::new(), rhs: String::new() }
    }
}

fn longtable3(rows: &[String]) -> String {
    if rows.is_empty() {
        return String::new();
    }
    format!("\n\\begin{{longtable}}{{@{{}}l@{{~}}c@{{~}}l@{{}}}}\n{}\n\\end{{longtable}}\n", rows.join("\n"))
}

fn is_otherwise(m: &M) -> bool {
    matches!(m, M::Word(w) if w == "otherwise")
}

fn prem_word(m: &M, first: bool) -> &'static str {
    if is_otherwise(m) {
        "otherwise"
    } else if first {
        "if"
    } else {
        "and"
    }
}

/// The description of a grammar's result type, when it has one.
pub fn result_desc(spec: &Spec, t: &Ty) -> Option<String> {
    match t {
        Ty::Named(id, _) => spec.types.get(*id).and_then(|t| hint_str(&t.hints, "desc")),
        _ => None,
    }
}

/// A heading: code spans are typewriter in the text and plain in PDF bookmarks.
fn heading_text(s: &str) -> String {
    let mut out = String::new();
    for (code, piece) in code_spans(s) {
        if code {
            let plain: String = piece.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, ' ' | '.' | ',' | '-' | ':' | ';' | '(' | ')' | '/' | '*' | '+' | '=' | '\'')).collect();
            out.push_str(&format!("\\texorpdfstring{{\\texttt{{{}}}}}{{{}}}", math::tex_tt(&piece), plain));
        } else {
            out.push_str(&tex_text(&piece));
        }
    }
    out
}

/// Comment text with `code` spans, for LaTeX.
fn inline_text(s: &str) -> String {
    let mut out = String::new();
    for (code, piece) in code_spans(s) {
        if code {
            out.push_str(&format!("\\texttt{{{}}}", math::tex_tt(&piece)));
        } else {
            out.push_str(&tex_text(&piece));
        }
    }
    out
}

/// Breaks a formula into lines of at most `width` characters where it can: between the parts
/// of a juxtaposition, before the operators of a chain (`∧`, `∨`, relations, `+`), after commas.
pub fn lines(m: &M, width: usize) -> Vec<M> {
    if m.width() <= width {
        return vec![m.clone()];
    }
    match m {
        M::Spaced(parts) => pack(parts.clone(), width),
        M::Row(_) => {
            let parts = &flatten(m);
            let groups: [&[Sym]; 5] = [
                &[Sym::Or],
                &[Sym::And],
                &[Sym::Eq, Sym::Ne, Sym::Le, Sym::Ge, Sym::Lt, Sym::Gt, Sym::In, Sym::Step, Sym::StepStar, Sym::To, Sym::Vdash, Sym::Colon, Sym::Approx, Sym::Sub],
                &[Sym::Plus, Sym::Minus, Sym::Cat, Sym::Bar],
                &[Sym::Comma],
            ];
            for g in groups {
                let splittable = !m.is_atomic() || g.contains(&Sym::Comma);
                if splittable && parts.iter().any(|p| matches!(p, M::Sym(s) if g.contains(s))) {
                    let mut pieces: Vec<M> = Vec::new();
                    let mut cur: Vec<M> = Vec::new();
                    for p in parts {
                        match p {
                            M::Sym(s) if g.contains(s) && *s != Sym::Comma => {
                                if !cur.is_empty() {
                                    pieces.push(M::row(std::mem::take(&mut cur)));
                                }
                                cur.push(p.clone());
                            }
                            M::Sym(Sym::Comma) if g.contains(&Sym::Comma) => {
                                cur.push(p.clone());
                                pieces.push(M::row(std::mem::take(&mut cur)));
                            }
                            _ => cur.push(p.clone()),
                        }
                    }
                    if !cur.is_empty() {
                        pieces.push(M::row(cur));
                    }
                    if pieces.len() > 1 {
                        return pack_rows(pieces, width);
                    }
                }
            }
            // A call or a bracket whose last part is too long: break inside it.
            if let Some(last) = parts.last() {
                if matches!(last, M::Row(_)) && last.width() > width / 2 {
                    let head: Vec<M> = parts[..parts.len() - 1].to_vec();
                    let mut inner = lines(last, width.saturating_sub(M::row(head.clone()).width()).max(20));
                    if inner.len() > 1 {
                        let first = inner.remove(0);
                        let mut out = vec![M::row(head.into_iter().chain(std::iter::once(first)).collect())];
                        out.extend(inner);
                        return out;
                    }
                }
            }
            vec![m.clone()]
        }
        M::Link(_, b) | M::Macro(_, b) => {
            let inner = lines(b, width);
            if inner.len() > 1 {
                inner
            } else {
                vec![m.clone()]
            }
        }
        _ => vec![m.clone()],
    }
}

/// The parts of a row, with nested rows spliced in (they print the same).
fn flatten(m: &M) -> Vec<M> {
    let mut out = Vec::new();
    if let M::Row(v) = m {
        for p in v {
            match p {
                M::Row(_) => out.extend(flatten(p)),
                _ => out.push(p.clone()),
            }
        }
    }
    out
}

/// Packs juxtaposed parts into lines.
fn pack(parts: Vec<M>, width: usize) -> Vec<M> {
    let mut out: Vec<M> = Vec::new();
    let mut cur: Vec<M> = Vec::new();
    let mut w = 0;
    for p in parts {
        let pw = p.width() + 1;
        // A part too wide for any line, after a short start (`⊢ {…}`): it begins on that line.
        if pw > width && !cur.is_empty() && w <= width / 3 {
            let sub = lines(&p, width.saturating_sub(w + 4).max(20));
            let n = sub.len();
            for (i, s) in sub.into_iter().enumerate() {
                if i == 0 && n > 1 {
                    cur.push(s);
                    out.push(M::spaced(std::mem::take(&mut cur)));
                } else if i + 1 < n {
                    out.push(s);
                } else {
                    w = if n == 1 { w } else { 0 } + s.width() + 1;
                    cur.push(s);
                }
            }
            continue;
        }
        if w + pw > width && !cur.is_empty() {
            out.push(M::spaced(std::mem::take(&mut cur)));
            w = 0;
        }
        if pw > width {
            let sub = lines(&p, width);
            let n = sub.len();
            for (i, s) in sub.into_iter().enumerate() {
                if i + 1 < n {
                    out.push(s);
                } else {
                    w = s.width() + 1;
                    cur.push(s);
                }
            }
        } else {
            w += pw;
            cur.push(p);
        }
    }
    if !cur.is_empty() {
        out.push(M::spaced(cur));
    }
    out
}

/// Packs the pieces of a broken row (each starting with its operator) into lines.
fn pack_rows(pieces: Vec<M>, width: usize) -> Vec<M> {
    let mut out: Vec<M> = Vec::new();
    let mut cur: Vec<M> = Vec::new();
    let mut w = 0;
    for p in pieces {
        let pw = p.width();
        // A piece too wide for any line, after a short start (`x = …`, `⊢ …`): the start stays
        // on its line and the piece begins there.
        if pw > width && !cur.is_empty() && w <= width / 3 {
            let sub = lines(&strip_lead(&p), width.saturating_sub(w + 4).max(20));
            let lead = lead_sym(&p);
            for (i, s) in sub.into_iter().enumerate() {
                if i == 0 {
                    cur.extend(lead.iter().cloned());
                    cur.push(s);
                    out.push(M::row(std::mem::take(&mut cur)));
                } else {
                    out.push(s);
                }
            }
            w = 0;
            continue;
        }
        if w + pw > width && !cur.is_empty() {
            out.push(M::row(std::mem::take(&mut cur)));
            w = 0;
        }
        if pw > width {
            let sub = lines(&strip_lead(&p), width.saturating_sub(4).max(20));
            let lead = lead_sym(&p);
            for (i, s) in sub.into_iter().enumerate() {
                let s = if i == 0 { M::row(lead.iter().cloned().chain(std::iter::once(s)).collect()) } else { s };
                out.push(s);
            }
            continue;
        }
        w += pw;
        cur.push(p);
    }
    if !cur.is_empty() {
        out.push(M::row(cur));
    }
    out
}

fn lead_sym(p: &M) -> Option<M> {
    match p {
        M::Row(v) => match v.first() {
            Some(s @ M::Sym(x)) if x.class() == Class::Rel => Some(s.clone()),
            _ => None,
        },
        _ => None,
    }
}

fn strip_lead(p: &M) -> M {
    match p {
        M::Row(v) if lead_sym(p).is_some() => M::row(v[1..].to_vec()),
        _ => p.clone(),
    }
}

const PREAMBLE: &str = r"\usepackage[margin=2cm]{geometry}
\usepackage{amsmath,amssymb}
\usepackage{mathpartir}
\usepackage{longtable}
\usepackage{xcolor}
\usepackage[hidelinks,bookmarksnumbered]{hyperref}
\setlength{\LTleft}{1em}
\setlength{\LTright}{0pt plus 1fill}
\setlength{\LTpre}{3pt}
\setlength{\LTpost}{3pt}
\setlength{\parindent}{0pt}
\renewcommand{\labelitemi}{$\bullet$}
\setlength{\parskip}{4pt plus 1pt}
\providecommand{\wsanchor}[1]{\hypertarget{#1}{}\label{#1}}
\providecommand{\wsruleanchor}[1]{\mbox{#1}}
\providecommand{\wsrulename}[1]{{\footnotesize\textsc{#1}}}
\providecommand{\wsdesc}[1]{{\small\textit{#1}}}
\providecommand{\wssig}[1]{{\color{black!70}#1}}
\providecommand{\wsrelation}[2]{\fbox{\textsc{#1}:~#2}}
\allowdisplaybreaks
";

/// The result of splicing: the document, or the errors (with positions in the document).
pub fn splice(spec: &Spec, sources: Option<&SourceMap>, doc_file: usize, doc: &str) -> Result<String, Vec<Diagnostic>> {
    let l = Latex::new(spec, sources);
    let mut out = String::with_capacity(doc.len() * 2);
    let mut errors = Vec::new();
    let mut rest = doc;
    let mut offset = 0usize;
    let mut preamble_at: Option<usize> = None;
    while let Some(i) = rest.find("@@") {
        out.push_str(&rest[..i]);
        let start = offset + i;
        let after = &rest[i + 2..];
        // `@@kind:name` or `@@preamble`.
        let kind_len = after.find(|c: char| !c.is_ascii_alphabetic()).unwrap_or(after.len());
        let kind = &after[..kind_len];
        if kind == "preamble" {
            preamble_at = Some(out.len());
            rest = &after[kind_len..];
            offset = start + 2 + kind_len;
            continue;
        }
        if kind.is_empty() || !after[kind_len..].starts_with(':') {
            // Not a placeholder (`@@` on its own): keep it.
            out.push_str("@@");
            rest = after;
            offset = start + 2;
            continue;
        }
        let name_src = &after[kind_len + 1..];
        let mut name_len = name_src.find(|c: char| !(c.is_ascii_alphanumeric() || "_$./'*-".contains(c))).unwrap_or(name_src.len());
        let mut name = &name_src[..name_len];
        // A sentence may end right after a placeholder.
        if !l.exists(kind, name) {
            // A trailing full stop is the sentence's, whether or not the name is known.
            let trimmed = name.trim_end_matches(['.', '\'']);
            if trimmed.len() < name.len() && !trimmed.is_empty() {
                name_len = trimmed.len();
                name = trimmed;
            }
        }
        let end = start + 2 + kind_len + 1 + name_len;
        let span = Span::new(doc_file, start, end);
        let known = ["syntax", "rule", "relation", "def", "grammar"];
        if !known.contains(&kind) {
            errors.push(
                Diagnostic::error(format!("unknown placeholder kind `{kind}`"))
                    .at(span, "not a kind of declaration")
                    .help("placeholders are `@@syntax:NAME`, `@@rule:REL/CASE`, `@@relation:REL`, `@@def:$NAME`, `@@grammar:NAME` and `@@preamble`"),
            );
        } else if let Some(expansion) = expand(&l, kind, name) {
            out.push_str(&expansion);
        } else {
            let names = l.names(kind);
            let mut d = Diagnostic::error(format!("no {kind} named `{name}` in the spec")).at(span, "unknown name");
            if let Some(s) = crate::diag::suggest(name, names.iter().map(|s| s.as_str())) {
                d = d.help(format!("did you mean `{s}`?"));
            }
            errors.push(d);
        }
        rest = &doc[end..];
        offset = end;
    }
    out.push_str(rest);
    if !errors.is_empty() {
        return Err(errors);
    }
    let preamble = l.preamble();
    match preamble_at {
        Some(at) => out.insert_str(at, &preamble),
        None => {
            if let Some(at) = out.find("\\begin{document}") {
                out.insert_str(at, &preamble);
            }
        }
    }
    Ok(out)
}

/// A placeholder's expansion; a name ending in `*` is a prefix and expands to every match.
fn expand(l: &Latex, kind: &str, name: &str) -> Option<String> {
    if let Some(prefix) = name.strip_suffix('*') {
        let names: Vec<String> = l.names(kind).into_iter().filter(|n| n.starts_with(prefix)).collect();
        if names.is_empty() {
            return None;
        }
        let mut out = String::new();
        for n in names {
            out.push_str(&l.named(kind, &n)?);
        }
        return Some(out);
    }
    l.named(kind, name)
}

/// The LaTeX document for a spec.
pub fn document(spec: &Spec, sources: Option<&SourceMap>) -> String {
    Latex::new(spec, sources).document()
}

#[allow(dead_code)]
fn atom_ok(m: &M) -> bool {
    super::notation::prec_of(m) == P_ATOM
}
