//! Rendering the spec for people: a LaTeX document ([`latex`]) and prose in Markdown or HTML
//! ([`prose`], [`html`]), both from the elaborated IR.
//!
//! The renderers share one notation layer ([`notation`]): it turns IR expressions, types and
//! declarations into formulas ([`math::M`]), steered only by hints in the spec:
//!
//! - `hint(show "TEMPLATE")` on a constructor case, a syntax type, a definition or a variable:
//!   how it is written (see [`template`] for the template language);
//! - `hint(macro "name")` on the same: LaTeX output writes the constructor's keyword (or the
//!   name) as the macro `\name`, defined in the preamble, so that a document can redefine it;
//! - `hint(desc "...")`: what a syntax type, a relation or a definition is called in prose;
//! - `hint(prose "...")` on a relation: the sentence for a judgement (`%1`, `%2`, … its
//!   positions, `#2` the description of position 2's type); on a definition used as the new
//!   state of a step: the action it stands for;
//! - `hint(value)` on a syntax type: the type of the values on the operand stack (`val` when no
//!   type has it); `hint(state)`, `hint(config)`, `hint(context)` as in docs/execution.md.
//!
//! Every syntax type, fragment, relation, rule, definition and grammar gets an anchor named
//! after it ([`anchor`]), in both outputs.

pub mod html;
pub mod latex;
pub mod math;
pub mod notation;
pub mod prose;
pub mod template;

use crate::ast::{Hint, HintArg, Span};
use crate::ir::*;
use crate::source::SourceMap;

/// The first argument of the first hint of that name, as text.
pub fn hint_str(hints: &[Hint], name: &str) -> Option<String> {
    hints.iter().find(|h| h.name.name == name).and_then(|h| match h.args.first() {
        Some(HintArg::Text(t)) | Some(HintArg::Ident(t)) => Some(t.clone()),
        Some(HintArg::Def(d)) => Some(format!("${d}")),
        Some(HintArg::Num(n)) => Some(n.to_string()),
        None => None,
    })
}

pub fn has_hint(hints: &[Hint], name: &str) -> bool {
    hints.iter().any(|h| h.name.name == name)
}

/// What an anchor names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Anchor {
    Syntax(TypeId),
    Fragment(TypeId, usize),
    Relation(RelId),
    Rule(RelId, usize),
    Def(DefId),
    Grammar(GramId),
    GrammarFragment(GramId, usize),
}

/// The anchor of a declaration: `syntax:numtype`, `syntax:instr/control`, `relation:Step_pure`,
/// `rule:Step_pure/binop-val`, `def:size`, `grammar:Bnumtype`, `grammar:Binstr/control`.
pub fn anchor(spec: &Spec, a: &Anchor) -> String {
    match a {
        Anchor::Syntax(id) => format!("syntax:{}", spec.types.get(*id).map(|t| t.name.as_str()).unwrap_or("?")),
        Anchor::Fragment(id, f) => match spec.types.get(*id) {
            Some(t) => format!("syntax:{}/{}", t.name, t.fragments.get(*f).map(|f| f.name.as_str()).unwrap_or("?")),
            None => "syntax:?".into(),
        },
        Anchor::Relation(id) => format!("relation:{}", spec.relations.get(*id).map(|r| r.name.as_str()).unwrap_or("?")),
        Anchor::Rule(r, i) => match spec.relations.get(*r) {
            Some(rel) => format!("rule:{}", rel.rules.get(*i).map(|x| x.full_name(&rel.name)).unwrap_or_else(|| rel.name.clone())),
            None => "rule:?".into(),
        },
        Anchor::Def(id) => format!("def:{}", spec.defs.get(*id).map(|d| d.name.as_str()).unwrap_or("?")),
        Anchor::Grammar(id) => format!("grammar:{}", spec.grammars.get(*id).map(|g| g.name.as_str()).unwrap_or("?")),
        Anchor::GrammarFragment(id, f) => match spec.grammars.get(*id) {
            Some(g) => format!("grammar:{}/{}", g.name, g.fragments.get(*f).map(|f| f.name.as_str()).unwrap_or("?")),
            None => "grammar:?".into(),
        },
    }
}

/// Every anchor the spec must have in a rendered document: each syntax type and fragment,
/// relation, rule, definition, grammar and grammar fragment.
pub fn all_anchors(spec: &Spec) -> Vec<String> {
    let mut out = Vec::new();
    for (id, t) in spec.types.iter().enumerate() {
        out.push(anchor(spec, &Anchor::Syntax(id)));
        for f in 0..t.fragments.len() {
            out.push(anchor(spec, &Anchor::Fragment(id, f)));
        }
    }
    for (id, r) in spec.relations.iter().enumerate() {
        out.push(anchor(spec, &Anchor::Relation(id)));
        for i in 0..r.rules.len() {
            out.push(anchor(spec, &Anchor::Rule(id, i)));
        }
    }
    for id in 0..spec.defs.len() {
        out.push(anchor(spec, &Anchor::Def(id)));
    }
    for (id, g) in spec.grammars.iter().enumerate() {
        out.push(anchor(spec, &Anchor::Grammar(id)));
        for f in 0..g.fragments.len() {
            out.push(anchor(spec, &Anchor::GrammarFragment(id, f)));
        }
    }
    out
}

/// A chapter's number and title from its file name: `spec/1.2-types.wspec` is ("1.2", "Types").
pub fn chapter_title(file: &str) -> (String, String) {
    let base = file.rsplit('/').next().unwrap_or(file);
    let base = base.strip_suffix(".wspec").unwrap_or(base);
    let (num, rest) = match base.find('-') {
        Some(i) if base[..i].chars().all(|c| c.is_ascii_digit() || c == '.') && i > 0 => (base[..i].to_string(), &base[i + 1..]),
        _ => (String::new(), base),
    };
    let mut title: String = rest.replace(['-', '_'], " ");
    if let Some(first) = title.get(..1) {
        title = first.to_uppercase() + &title[1..];
    }
    (num, title)
}

/// Comment text of a spec file, as paragraphs between declarations.
#[derive(Clone, Debug, PartialEq)]
pub enum Comment {
    /// A short one-line comment standing alone: a heading.
    Heading(String),
    Para(String),
    /// A list (lines starting with `- `).
    List(Vec<String>),
}

/// The comments that stand between the end of the previous declaration (`from`) and the start
/// of the next one (`to`), in order. Comments at the end of a declaration's own lines belong to
/// it and are skipped.
pub fn comments_between(sources: &SourceMap, file: usize, from: u32, to: u32) -> Vec<Comment> {
    let text = sources.text(file);
    let from = (from as usize).min(text.len());
    let to = (to as usize).min(text.len()).max(from);
    let Some(region) = text.get(from..to) else { return Vec::new() };
    // Skip the rest of the line the previous declaration ended on.
    let region = if from == 0 { region } else { region.split_once('\n').map(|x| x.1).unwrap_or("") };
    // Blocks of consecutive comment lines, separated by blank or non-comment lines.
    let mut blocks: Vec<(Vec<String>, bool)> = Vec::new();
    let mut cur: Vec<String> = Vec::new();
    let lines: Vec<&str> = region.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let t = line.trim_start();
        if line.starts_with(";;") {
            cur.push(t.trim_start_matches(';').strip_prefix(' ').unwrap_or(t.trim_start_matches(';')).trim_end().to_string());
        } else if !cur.is_empty() {
            let blank_after = t.is_empty();
            blocks.push((std::mem::take(&mut cur), blank_after));
        }
        let _ = i;
    }
    if !cur.is_empty() {
        // A block right before the declaration describes it.
        blocks.push((cur, false));
    }
    let mut out = Vec::new();
    for (lines, blank_after) in blocks {
        // Rules (`----`) go; empty comment lines stay (they part paragraphs), but not at the ends.
        let mut lines: Vec<String> = lines.into_iter().filter(|l| l.trim().is_empty() || !l.chars().all(|c| c == '-' || c == '=' || c == ' ')).map(|l| if l.trim().is_empty() { String::new() } else { l }).collect();
        while lines.first().is_some_and(|l| l.is_empty()) {
            lines.remove(0);
        }
        while lines.last().is_some_and(|l| l.is_empty()) {
            lines.pop();
        }
        if lines.is_empty() {
            continue;
        }
        let heading_like = |l: &str| !l.is_empty() && l.len() <= 60 && !l.ends_with('.') && !l.ends_with(':') && !l.starts_with("- ");
        if lines.len() == 1 && blank_after && heading_like(&lines[0]) {
            out.push(Comment::Heading(lines[0].clone()));
            continue;
        }
        // A short first line, then an empty comment line: a heading over the paragraphs after it.
        let lines = if lines.len() >= 3 && lines[1].is_empty() && heading_like(&lines[0]) {
            out.push(Comment::Heading(lines[0].clone()));
            lines[2..].to_vec()
        } else {
            lines
        };
        // Paragraphs and lists.
        let mut para = String::new();
        let mut items: Vec<String> = Vec::new();
        for l in &lines {
            if let Some(item) = l.strip_prefix("- ") {
                if !para.is_empty() {
                    out.push(Comment::Para(std::mem::take(&mut para)));
                }
                items.push(item.to_string());
            } else if !items.is_empty() && l.starts_with("  ") {
                if let Some(last) = items.last_mut() {
                    last.push(' ');
                    last.push_str(l.trim());
                }
            } else if l.is_empty() {
                if !items.is_empty() {
                    out.push(Comment::List(std::mem::take(&mut items)));
                }
                if !para.is_empty() {
                    out.push(Comment::Para(std::mem::take(&mut para)));
                }
            } else {
                if !items.is_empty() {
                    out.push(Comment::List(std::mem::take(&mut items)));
                }
                if !para.is_empty() {
                    para.push(' ');
                }
                para.push_str(l.trim());
            }
        }
        if !items.is_empty() {
            out.push(Comment::List(items));
        }
        if !para.is_empty() {
            out.push(Comment::Para(para));
        }
    }
    out
}

/// Splits comment text at backquotes: (is_code, text) pieces.
pub fn code_spans(s: &str) -> Vec<(bool, String)> {
    let mut out = Vec::new();
    let mut code = false;
    for (i, piece) in s.split('`').enumerate() {
        let _ = i;
        if !piece.is_empty() {
            out.push((code, piece.to_string()));
        }
        code = !code;
    }
    // An odd number of backquotes: the last piece was not code after all.
    if s.matches('`').count() % 2 == 1 {
        if let Some(last) = out.last_mut() {
            if last.0 {
                last.0 = false;
                last.1 = format!("`{}", last.1);
            }
        }
    }
    out
}

/// The items of one file with the comments before each, for renderers that follow the source.
pub struct FileView<'a> {
    pub name: &'a str,
    pub number: String,
    pub title: String,
    /// Comments before the first declaration (the chapter's introduction).
    pub intro: Vec<Comment>,
    pub items: Vec<(&'a Item, Span, Vec<Comment>)>,
}

pub fn file_views<'a>(spec: &'a Spec, sources: Option<&SourceMap>) -> Vec<FileView<'a>> {
    let mut out = Vec::new();
    for f in &spec.files {
        let (number, title) = chapter_title(&f.name);
        let mut items = Vec::new();
        let mut intro = Vec::new();
        let mut prev_end: u32 = 0;
        for (i, (item, span)) in f.items.iter().enumerate() {
            let comments = match sources {
                Some(src) if span.file < src.len() => comments_between(src, span.file, prev_end, span.start),
                _ => Vec::new(),
            };
            let mine = if i == 0 {
                // The paragraphs before the first heading introduce the chapter.
                let mut c = comments;
                let n = c.iter().take_while(|x| !matches!(x, Comment::Heading(_))).count();
                let rest = c.split_off(n);
                intro = c;
                rest
            } else {
                comments
            };
            items.push((item, *span, mine));
            prev_end = span.end;
        }
        out.push(FileView { name: &f.name, number, title, intro, items });
    }
    out
}

/// Which `Syntax(id, None)` item renders the body of a type: the last one (a forward declaration
/// comes first), unless the type is split into fragments or is a family (then the fragments and
/// instances render, and the declaration only anchors).
pub fn body_items(spec: &Spec) -> std::collections::HashSet<(usize, usize)> {
    let mut last: std::collections::HashMap<TypeId, (usize, usize)> = std::collections::HashMap::new();
    for (fi, f) in spec.files.iter().enumerate() {
        for (ii, (item, _)) in f.items.iter().enumerate() {
            if let Item::Syntax(id, None) = item {
                last.insert(*id, (fi, ii));
            }
        }
    }
    last.into_iter()
        .filter(|(id, _)| spec.types.get(*id).is_some_and(|t| t.fragments.is_empty() && !matches!(t.body, TypeBody::Family(_))))
        .map(|(_, at)| at)
        .collect()
}
