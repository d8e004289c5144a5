//! The prose document as one self-contained HTML page: inline CSS, no scripts, no fonts or
//! styles fetched from anywhere. Formulas are HTML (italic variables, sans-serif keywords,
//! `<sub>` and `<sup>`), names link to their declarations, every declaration has an `id`.

use super::math::{self, html_escape};
use super::prose::{chapter_id, Block, Inline, Prose, Step};
use crate::ir::Spec;
use crate::source::SourceMap;
use std::fmt::Write;

const STYLE: &str = r#"
body { font-family: Georgia, "Times New Roman", serif; max-width: 60em; margin: 2em auto; padding: 0 1.5em; line-height: 1.45; color: #1a1a1a; background: #fff; }
h1 { font-size: 1.9em; border-bottom: 2px solid #444; padding-bottom: .2em; }
h2 { font-size: 1.5em; margin-top: 2.2em; border-bottom: 1px solid #bbb; padding-bottom: .15em; }
h3 { font-size: 1.2em; margin-top: 1.6em; }
h4 { font-size: 1.02em; margin: 1.4em 0 .3em; }
nav ol { columns: 2; font-size: .95em; }
var { font-style: italic; font-family: Georgia, "Times New Roman", serif; }
.k { font-family: "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; font-size: .92em; }
.f { font-style: normal; }
.t { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: .9em; }
.s { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: .9em; }
.w { font-style: normal; }
.m { white-space: nowrap; }
.m a, .fm a { color: inherit; text-decoration: none; }
.m a:hover, .fm a:hover { text-decoration: underline; color: #2456a6; }
sub, sup { font-size: .72em; line-height: 0; }
code { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: .88em; background: #f3f3f3; padding: 0 .2em; border-radius: 2px; }
table.f { border-collapse: collapse; margin: .5em 0 .8em 1em; }
table.f td { padding: .08em .4em; vertical-align: baseline; }
table.syntax td:nth-child(1), table.grammar td:nth-child(1) { color: #555; font-style: italic; font-size: .9em; padding-right: 1.2em; white-space: nowrap; }
table.syntax td:nth-child(2), table.grammar td:nth-child(2), table.defs td:nth-child(1) { white-space: nowrap; }
table.syntax td:nth-child(2), table.grammar td:nth-child(2) { text-align: right; }
table.syntax td:nth-child(3), table.grammar td:nth-child(3), table.defs td:nth-child(2) { text-align: center; }
table.defs td:nth-child(1) { text-align: left; }
table.defs td:nth-child(4), table.grammar td:nth-child(5) { color: #333; }
table.vars td:nth-child(2) { color: #555; }
tr.sig td { color: #666; padding-top: .5em; }
.rule { margin: .4em 0 1em 0; padding: .3em .9em .4em; border-left: 3px solid #c9d6e3; background: #fafcfe; }
.rule h4 { margin: .2em 0 .3em; }
.rule h4 code { background: none; color: #345; }
ol.steps, ol.steps ol { margin: .2em 0; padding-left: 2em; }
ol.steps { list-style-type: decimal; }
ol.steps ol { list-style-type: lower-alpha; }
ol.steps ol ol { list-style-type: lower-roman; }
ol.steps ol ol ol { list-style-type: decimal; }
p.rules { font-size: .85em; color: #666; margin: .2em 0 0; }
:target { background: #fff6c8; }
"#;

fn inline(p: &[Inline]) -> String {
    let mut out = String::new();
    for i in p {
        match i {
            Inline::Text(s) => out.push_str(&html_escape(s)),
            Inline::Math(x) => {
                let h = math::html(x);
                if !h.is_empty() {
                    let _ = write!(out, "<span class=\"m\">{}</span>", h.trim());
                }
            }
            Inline::Code(s) => {
                let _ = write!(out, "<code>{}</code>", html_escape(s));
            }
            Inline::Strong(s) => {
                let _ = write!(out, "<strong>{}</strong>", html_escape(s));
            }
        }
    }
    out
}

/// Formula cells keep their spaces but may wrap between formulas.
fn cell(p: &[Inline]) -> String {
    let mut out = String::new();
    for i in p {
        match i {
            Inline::Math(x) => {
                let _ = write!(out, "<span class=\"fm\">{}</span>", math::html(x).trim());
            }
            other => out.push_str(&inline(std::slice::from_ref(other))),
        }
    }
    out
}

fn ids(a: &[String]) -> String {
    a.iter().map(|x| format!("<span id=\"{}\"></span>", html_escape(x))).collect()
}

fn steps(s: &[Step], out: &mut String, top: bool) {
    out.push_str(if top { "<ol class=\"steps\">\n" } else { "<ol>\n" });
    for st in s {
        let _ = write!(out, "<li>{}", inline(&st.text));
        if !st.sub.is_empty() {
            out.push('\n');
            steps(&st.sub, out, false);
        }
        out.push_str("</li>\n");
    }
    out.push_str("</ol>\n");
}

fn block(b: &Block, out: &mut String) {
    match b {
        Block::Heading { level, text, anchors } => {
            let _ = writeln!(out, "<h{level}>{}{}</h{level}>", ids(anchors), inline(text));
        }
        Block::Para { text, anchors } => {
            let _ = writeln!(out, "<p>{}{}</p>", ids(anchors), inline(text));
        }
        Block::Bullets(items) => {
            out.push_str("<ul>\n");
            for i in items {
                let _ = writeln!(out, "<li>{}</li>", inline(i));
            }
            out.push_str("</ul>\n");
        }
        Block::Steps(s) => steps(s, out, true),
        Block::Table { class, rows } => {
            let _ = writeln!(out, "<table class=\"f {class}\">");
            for r in rows {
                let sig = *class == "defs" && r.cells.get(1).is_some_and(|c| c.is_empty()) && r.cells.get(2).is_some_and(|c| c.is_empty());
                let _ = write!(out, "<tr{}>", if sig { " class=\"sig\"" } else { "" });
                for (k, c) in r.cells.iter().enumerate() {
                    let id = if k == 0 { ids(&r.anchors) } else { String::new() };
                    if sig && k == 0 {
                        let _ = write!(out, "<td colspan=\"3\">{id}{}</td>", cell(c));
                        continue;
                    }
                    if sig && (k == 1 || k == 2) {
                        continue;
                    }
                    let _ = write!(out, "<td>{id}{}</td>", cell(c));
                }
                out.push_str("</tr>\n");
            }
            out.push_str("</table>\n");
        }
        Block::Section { anchors, title, body } => {
            let _ = writeln!(out, "<div class=\"rule\">{}<h4>{}</h4>", ids(anchors), inline(title));
            for b in body {
                if let Block::Para { text, anchors } = b {
                    if matches!(text.first(), Some(Inline::Text(s)) if s.starts_with("Rule")) {
                        let _ = writeln!(out, "<p class=\"rules\">{}{}</p>", ids(anchors), inline(text));
                        continue;
                    }
                }
                block(b, out);
            }
            out.push_str("</div>\n");
        }
    }
}

/// The spec as an HTML page.
pub fn document(spec: &Spec, sources: Option<&SourceMap>) -> String {
    let doc = Prose::new(spec, sources).doc();
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>{}</h1>\n",
        html_escape(&doc.title),
        html_escape(&doc.title)
    );
    out.push_str("<p>Rendered from <code>spec/</code> by wspec: every syntax definition, rule and definition of the specification, with reduction rules as algorithms and typing rules as sentences. Names link to their definitions.</p>\n");
    out.push_str("<nav><h2>Contents</h2><ol>\n");
    for (title, _) in &doc.chapters {
        let _ = writeln!(out, "<li><a href=\"#{}\">{}</a></li>", chapter_id(title), html_escape(title));
    }
    out.push_str("</ol></nav>\n");
    for (title, blocks) in &doc.chapters {
        let _ = writeln!(out, "<section>\n<h2 id=\"{}\">{}</h2>", chapter_id(title), html_escape(title));
        for b in blocks {
            block(b, &mut out);
        }
        out.push_str("</section>\n");
    }
    out.push_str("</body>\n</html>\n");
    out
}
