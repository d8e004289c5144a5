//! The renderers: LaTeX, splicing, prose in Markdown and HTML.
//!
//! - a small spec (`tests/render/mini.wspec`) with typing rules, reduction rules, a context, a
//!   family-style notation and a grammar renders to the expected algorithm steps, sentences and
//!   formulas;
//! - every syntax type, fragment, relation, rule, definition and grammar of the real `spec/` has
//!   its anchor in the LaTeX, the HTML and the Markdown;
//! - the LaTeX of the real spec, of the small spec and of a spliced document compiles with
//!   `pdflatex` without errors, undefined control sequences or LaTeX warnings (CI installs
//!   texlive and sets `WSPEC_REQUIRE_PDFLATEX=1`, which turns a missing `pdflatex` into a failure);
//! - splicing fills placeholders, and reports unknown names at their line and column;
//! - no spec makes a renderer panic: every file of `spec/` alone (full of unresolved names), and
//!   mutations of the small spec and of the real spec's files.

use proptest::prelude::*;
use std::collections::HashSet;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use wspec_dsl::render::{self, latex, math, prose};
use wspec_dsl::source::{self, SourceMap};
use wspec_dsl::{diag, elab, ir::Spec};

fn mini_sources() -> SourceMap {
    let mut s = SourceMap::new();
    s.add("render/1-mini.wspec", include_str!("render/mini.wspec"));
    s
}

fn checked(sources: &SourceMap) -> Spec {
    let c = elab::check(sources);
    assert!(!c.has_errors(), "{}", diag::render_all(&c.diagnostics, sources));
    c.spec
}

fn real() -> &'static (SourceMap, Spec) {
    static REAL: OnceLock<(SourceMap, Spec)> = OnceLock::new();
    REAL.get_or_init(|| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec");
        let sources = source::load_dir(&dir).expect("spec/ loads");
        let spec = checked(&sources);
        (sources, spec)
    })
}

fn contains_all(text: &str, what: &[&str]) {
    for w in what {
        assert!(text.contains(w), "missing {w:?} in:\n{text}");
    }
}

// ---------------------------------------------------------------------------------------------
// The small spec

#[test]
fn reduction_rules_read_as_algorithms() {
    let sources = mini_sources();
    let spec = checked(&sources);
    let md = prose::markdown(&spec, Some(&sources));
    // binop: two values popped (top first), the rules as guarded branches, the family notation.
    contains_all(
        &md,
        &[
            "`nt.op`",
            "1. Assert: due to validation, a value is on the top of the stack.\n2. Pop the value `nt.const c₂` from the stack.\n",
            "4. Pop the value `nt.const c₁` from the stack.\n5. If `binopₙₜ(op, c₁, c₂)` is not empty, then:\n   1. Let `c` be an element of `binopₙₜ(op, c₁, c₂)`.\n   2. Push the value `nt.const c` to the stack.\n6. Else, if `binopₙₜ(op, c₁, c₂)` is empty, then:\n   1. Trap.\n",
            "Rules `Step_pure/binop-val`, `Step_pure/binop-trap`.",
        ],
    );
    // br inside a label: the context, guards on the immediate before the branch's own pops.
    contains_all(
        &md,
        &[
            "1. Let `labelₙ{instr'*}` be the innermost label.\n2. If `l` is `0`, then:\n   1. Assert: due to validation, there are at least `n` values on the top of the stack.\n   2. Pop the values `val^n` from the stack.\n   3. Pop all values `val'*` from the top of the stack.\n   4. Exit `labelₙ{instr'*}`.\n   5. Push the values `val^n` to the stack.\n   6. Execute the instructions `instr'*`.\n3. Else, if `l` is greater than `0`, then:",
            "   4. Execute the instruction `br (l − 1)`.",
        ],
    );
    // A context holding only values is left.
    contains_all(&md, &["1. Pop all values `val*` from the top of the stack.\n2. Exit `labelₙ{instr*}`.\n3. Push the values `val*` to the stack.\n"]);
    // drop: pops, nothing else.
    contains_all(&md, &["2. Pop the value `val` from the stack.\n\n"]);
}

#[test]
fn typing_rules_read_as_sentences() {
    let sources = mini_sources();
    let spec = checked(&sources);
    let md = prose::markdown(&spec, Some(&sources));
    contains_all(
        &md,
        &[
            "The instruction `nt.op` is valid with type `nt nt → nt`.",
            "The instruction `br l` is valid with type `t* → ε` if:\n\n- `l` is less than `|C.labels|`.\n- `C.labels[l]` is `t*`.",
        ],
    );
}

#[test]
fn syntax_definitions_and_grammars_are_formulas() {
    let sources = mini_sources();
    let spec = checked(&sources);
    let md = prose::markdown(&spec, Some(&sources));
    contains_all(
        &md,
        &[
            "(number type)         numtype ::= i32 | i64",
            "binop ::= add | sub | div_sx",
            "(control instruction) instr ::= … | drop | br ℕ | trap | label_ℕ{instr*} instr*",
            "Metavariables: `nt`, `t` for `numtype`; `C` for `context`; `l` for `ℕ`.",
            "binopₙₜ(op, c₁, c₂)               = (c₁ + c₂) mod 2^(|nt|) otherwise",
            "(number type) numtype ::= 0x7F          ⇒ i32",
            "0x41 n:byte   ⇒ i32.const n if n < 128",
            // Chapter introduction and headings come from the comments.
            "A tiny language to test the renderers.",
            "### Typing",
        ],
    );
    let html = render::html::document(&spec, Some(&sources));
    contains_all(
        &html,
        &[
            "<span class=\"k\">i32</span>",
            "<var>nt</var>",
            "<sub>",
            "<ol class=\"steps\">",
            "id=\"rule:Step_pure/binop-val\"",
            "<a href=\"#def:binop_\">",
        ],
    );
}

#[test]
fn latex_has_rules_grammars_and_anchors() {
    let sources = mini_sources();
    let spec = checked(&sources);
    let tex = latex::document(&spec, Some(&sources));
    contains_all(
        &tex,
        &[
            "\\inferrule*[right=\\wsrulename{Instr\\_ok/br}]",
            "\\hookrightarrow",
            "\\mathsf{i32}",
            "\\mathit{nt}{.}\\mathsf{const}",
            "\\wsanchor{rule:Step_pure/binop-trap}",
            "\\wsanchor{syntax:instr/control}",
            "\\wsanchor{grammar:Binstr}",
            "\\mathtt{0x7F}",
            "\\section*{1 Mini}",
            // hint(macro ...): a macro a document can redefine, for a type and for a keyword.
            "\\providecommand{\\wsnumtype}{\\mathit{numtype}}",
            "\\providecommand{\\wsSizeOp}{\\mathsf{size}}",
            "\\wsnumtype{}",
            "\\wsSizeOp{}",
        ],
    );
}

// ---------------------------------------------------------------------------------------------
// The real spec: coverage

#[test]
fn every_declaration_of_the_spec_has_an_anchor_in_every_output() {
    let (sources, spec) = real();
    let anchors = render::all_anchors(spec);
    let s = spec.summary();
    let fragments: usize = spec.types.iter().map(|t| t.fragments.len()).sum::<usize>() + spec.grammars.iter().map(|g| g.fragments.len()).sum::<usize>();
    assert_eq!(anchors.len(), s.syntax_types + s.relations + s.rules + s.definitions + s.grammars + fragments);
    assert!(anchors.len() > 500, "only {} anchors", anchors.len());
    let unique: HashSet<&String> = anchors.iter().collect();
    assert_eq!(unique.len(), anchors.len(), "two declarations share an anchor");

    let tex = latex::document(spec, Some(sources));
    let html = render::html::document(spec, Some(sources));
    let md = prose::markdown(spec, Some(sources));
    let mut missing = Vec::new();
    for a in &anchors {
        if !tex.contains(&format!("\\wsanchor{{{}}}", math::tex_label(a))) {
            missing.push(format!("LaTeX: {a}"));
        }
        let id = format!("id=\"{}\"", math::html_escape(a));
        if html.matches(&id).count() != 1 {
            missing.push(format!("HTML (found {} times): {a}", html.matches(&id).count()));
        }
        if !md.contains(&format!("<a {id}></a>")) {
            missing.push(format!("Markdown: {a}"));
        }
    }
    assert!(missing.is_empty(), "{} anchors missing:\n{}", missing.len(), missing.join("\n"));
    // Each anchor is written once in the LaTeX.
    assert_eq!(tex.matches("\\wsanchor{").count(), anchors.len(), "anchors written more than once");
    // The HTML is one page that needs nothing from the network.
    for bad in ["<script", "http://", "https://", "@import", "<link"] {
        assert!(!html.contains(bad), "the HTML contains {bad}");
    }
}

#[test]
fn the_real_spec_reads_like_the_standard() {
    let (sources, spec) = real();
    let md = prose::markdown(spec, Some(sources));
    // Families are shown the standard's way, and instructions have algorithms.
    for expected in ["Pop the value", "Push the value", "from the stack.", "Assert: due to validation"] {
        assert!(md.contains(expected), "no {expected:?} in the prose");
    }
    let tex = latex::document(spec, Some(sources));
    assert!(!tex.contains("\\mathsf{binop}~\\mathsf{i32}"), "a family is shown as a constructor application");
}

// ---------------------------------------------------------------------------------------------
// pdflatex

fn pdflatex() -> Option<PathBuf> {
    let found = Command::new("pdflatex").arg("--version").output().map(|o| o.status.success()).unwrap_or(false);
    if found {
        return Some(PathBuf::from("pdflatex"));
    }
    if std::env::var_os("WSPEC_REQUIRE_PDFLATEX").is_some() {
        panic!("pdflatex is not installed, and WSPEC_REQUIRE_PDFLATEX is set (CI installs texlive-latex-extra and texlive-science)");
    }
    eprintln!("note: pdflatex is not installed; the LaTeX compilation tests check nothing here (CI runs them)");
    None
}

/// Compiles a document (three runs, for the table of contents and the tables' widths) and
/// returns its log.
fn compile(name: &str, tex: &str) -> String {
    let dir = std::env::temp_dir().join(format!("wspec-render-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("{name}.tex")), tex).unwrap();
    let mut log = String::new();
    for _ in 0..3 {
        let out = Command::new("pdflatex")
            .args(["-interaction=nonstopmode", "-halt-on-error", &format!("{name}.tex")])
            .current_dir(&dir)
            .output()
            .expect("pdflatex runs");
        log = std::fs::read_to_string(dir.join(format!("{name}.log"))).unwrap_or_default();
        assert!(out.status.success(), "pdflatex failed on {name}:\n{}", log_errors(&log));
        if !log.contains("Rerun") {
            break;
        }
    }
    assert!(dir.join(format!("{name}.pdf")).exists());
    let _ = std::fs::remove_dir_all(&dir);
    log
}

fn log_errors(log: &str) -> String {
    log.lines().enumerate().filter(|(_, l)| l.starts_with('!')).flat_map(|(i, _)| log.lines().skip(i).take(6)).collect::<Vec<_>>().join("\n")
}

fn check_log(name: &str, log: &str) {
    assert!(!log.contains("Undefined control sequence"), "{name}: undefined control sequence:\n{}", log_errors(log));
    let warnings: Vec<&str> = log.lines().filter(|l| l.contains("Warning")).collect();
    assert!(warnings.is_empty(), "{name}: {} warnings:\n{}", warnings.len(), warnings.join("\n"));
    let overfull = log.matches("Overfull \\hbox").count();
    eprintln!("{name}: no errors, no warnings, {overfull} overfull lines");
}

#[test]
fn the_latex_compiles() {
    if pdflatex().is_none() {
        return;
    }
    let sources = mini_sources();
    let spec = checked(&sources);
    let log = compile("mini", &latex::document(&spec, Some(&sources)));
    check_log("mini", &log);
    assert_eq!(log.matches("Overfull \\hbox").count(), 0, "the small spec has overfull lines");

    let (sources, spec) = real();
    let log = compile("spec", &latex::document(spec, Some(sources)));
    check_log("spec", &log);
    assert_eq!(log.matches("Overfull \\hbox").count(), 0, "the spec has overfull lines");
}

#[test]
fn a_spliced_document_compiles() {
    if pdflatex().is_none() {
        return;
    }
    let (sources, spec) = real();
    let mut doc = String::from("\\documentclass{article}\n\\begin{document}\nNumber types:\n@@syntax:numtype\n");
    // One of each kind that the spec has.
    if let Some(r) = spec.relations.iter().find(|r| !r.rules.is_empty()) {
        doc.push_str(&format!("A rule: @@rule:{}\nA relation: @@relation:{}\n", r.rules[0].full_name(&r.name), r.name));
    }
    if let Some(d) = spec.defs.iter().find(|d| !d.clauses.is_empty()) {
        doc.push_str(&format!("A definition: @@def:${}\n", d.name));
    }
    if let Some(g) = spec.grammars.first() {
        doc.push_str(&format!("A grammar: @@grammar:{}\n", g.name));
    }
    doc.push_str("\\end{document}\n");
    let mut all = clone(sources);
    let file = all.add("doc.tex", doc.clone());
    let out = latex::splice(spec, Some(sources), file, &doc).unwrap_or_else(|e| panic!("{}", diag::render_all(&e, &all)));
    assert!(!out.contains("@@"), "a placeholder is left:\n{out}");
    check_log("splice", &compile("splice", &out));
}

fn clone(s: &SourceMap) -> SourceMap {
    let mut out = SourceMap::new();
    for f in 0..s.len() {
        out.add(s.name(f).to_string(), s.text(f).to_string());
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Splicing

#[test]
fn splicing_fills_placeholders_and_reports_unknown_names() {
    let sources = mini_sources();
    let spec = checked(&sources);
    let doc = "\\documentclass{article}\n\\begin{document}\nThe rule @@rule:Step_pure/binop-val, then\n  @@syntax:numtype and @@def:$size and @@grammar:Bnumtype.\nAll: @@relation:Instr_ok. Prefix: @@rule:Step_pure/br-*\nmail@@example stays.\n\\end{document}\n";
    let mut all = clone(&sources);
    let file = all.add("doc.tex", doc);
    let out = latex::splice(&spec, Some(&sources), file, doc).unwrap_or_else(|e| panic!("{}", diag::render_all(&e, &all)));
    contains_all(
        &out,
        &["\\usepackage{mathpartir}", "\\wsanchor{rule:Step_pure/binop-val}", "\\wsanchor{syntax:numtype}", "\\wsanchor{def:size}", "\\wsanchor{grammar:Bnumtype}", "\\wsanchor{relation:Instr_ok}", "\\wsanchor{rule:Step_pure/br-zero}", "\\wsanchor{rule:Step_pure/br-succ}", "mail@@example stays.", "binop-val}}"],
    );
    // The preamble goes before \begin{document}; the sentence's full stop stays after the block.
    assert!(out.find("mathpartir").unwrap() < out.find("\\begin{document}").unwrap());
    assert!(out.contains("\\end{longtable}\n."));

    let bad = "\\begin{document}\n@@syntax:numtype\nSee @@rule:Step_pure/binop-vall and\n@@def:$nosuch and @@thing:x.\n";
    let mut all = clone(&sources);
    let file = all.add("bad.tex", bad);
    let errors = latex::splice(&spec, Some(&sources), file, bad).expect_err("unknown names are errors");
    assert_eq!(errors.len(), 3);
    let text = diag::render_all(&errors, &all);
    contains_all(
        &text,
        &["no rule named `Step_pure/binop-vall`", "bad.tex:3:5", "did you mean `Step_pure/binop-val`?", "no def named `$nosuch`", "bad.tex:4:1", "unknown placeholder kind `thing`", "bad.tex:4:19"],
    );
}

// ---------------------------------------------------------------------------------------------
// Robustness

/// Renders all three outputs; a panic is reported with the input.
fn render_all_outputs(files: &[(String, String)]) -> Result<(), String> {
    let mut sources = SourceMap::new();
    for (n, t) in files {
        sources.add(n.clone(), t.clone());
    }
    let checked = elab::check(&sources);
    let spec = checked.spec;
    CAPTURING.with(|c| c.set(true));
    let r = panic::catch_unwind(AssertUnwindSafe(|| {
        let tex = latex::document(&spec, Some(&sources));
        let md = prose::markdown(&spec, Some(&sources));
        let html = render::html::document(&spec, Some(&sources));
        let mut all = clone(&sources);
        let doc = "@@syntax:instr @@rule:Step_pure/binop-val @@def:$size @@grammar:Binstr @@relation:Instr_ok @@rule:*\n";
        let f = all.add("doc.tex", doc);
        let _ = latex::splice(&spec, Some(&sources), f, doc);
        tex.len() + md.len() + html.len()
    }));
    CAPTURING.with(|c| c.set(false));
    match r {
        Ok(_) => Ok(()),
        Err(e) => {
            let msg = e.downcast_ref::<String>().cloned().or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string())).unwrap_or_default();
            Err(format!("a renderer panicked: {msg}\ninput:\n{}", files.iter().map(|(n, t)| format!("== {n}\n{t}")).collect::<String>()))
        }
    }
}

thread_local! {
    /// Whether this thread is rendering under `catch_unwind` (its panics are reported as test
    /// failures with their input, not printed).
    static CAPTURING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

fn quiet_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let default = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !CAPTURING.with(|c| c.get()) || std::env::var_os("WSPEC_RENDER_PANICS").is_some() {
                default(info);
            }
        }));
    });
}

#[test]
fn every_spec_file_alone_renders() {
    quiet_panics();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec");
    for path in source::spec_files(&dir).unwrap() {
        let text = std::fs::read_to_string(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if let Err(e) = render_all_outputs(&[(name.clone(), text)]) {
            panic!("{}", e.lines().next().unwrap_or_default().to_string() + " (file " + &name + ")");
        }
    }
}

#[test]
fn deeply_nested_expressions_are_cut_not_a_stack_overflow() {
    // Elaboration gets a large stack; rendering runs on a small one, and must cut the formula.
    let text = format!("def $f(nat) : nat\ndef $f(x) = {}\n", vec!["x"; 3000].join(" + "));
    let handle = std::thread::Builder::new()
        .stack_size(512 << 20)
        .spawn(move || {
            let mut sources = SourceMap::new();
            sources.add("deep.wspec", text);
            let spec = elab::check(&sources).spec;
            (sources, spec)
        })
        .unwrap();
    let (sources, spec) = handle.join().expect("the elaborator handles a long chain on a large stack");
    assert!(spec.defs.first().is_some_and(|d| !d.clauses.is_empty()), "the deep clause did not elaborate");
    let out = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            let md = prose::markdown(&spec, Some(&sources));
            let tex = latex::document(&spec, Some(&sources));
            let html = render::html::document(&spec, Some(&sources));
            (md, tex.len() + html.len())
        })
        .unwrap()
        .join();
    let (md, _) = out.expect("rendering a deep expression overflowed the stack or panicked");
    assert!(md.contains('…'), "the deep formula is not cut");
}

const TOKENS: &[&str] = &[
    "(", ")", "*", "?", "+", "^n", "eps", "->", "~>", "|-", ":", ";", "`{", "}", "`[", "]", "=", "<-", "$size(nt)", "CONST", "I32", "nt", "c_1", "val", "instr*", "-- if", "-- otherwise", "hint(show \"%.%\")", "hint(show \"_%^{\")", "hint(context)", "hint(prose \"%9 #1\")", "hint(macro \"x\")", "0x7F", "x:Bbyte", "LABEL_", "TRAP", "\\", "|",
];

fn mutate(text: &str, ops: &[(usize, usize, usize)]) -> String {
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    for &(kind, at, tok) in ops {
        if lines.is_empty() {
            break;
        }
        let i = at % lines.len();
        match kind % 4 {
            0 => {
                lines.remove(i);
            }
            1 => {
                let l = lines[i].clone();
                lines.insert(i, l);
            }
            2 => {
                let words: Vec<&str> = lines[i].split(' ').collect();
                let w = tok % words.len().max(1);
                let mut v: Vec<String> = words.iter().map(|s| s.to_string()).collect();
                if !v.is_empty() {
                    v[w] = TOKENS[tok % TOKENS.len()].to_string();
                }
                lines[i] = v.join(" ");
            }
            _ => {
                let t = TOKENS[tok % TOKENS.len()];
                lines[i].push(' ');
                lines[i].push_str(t);
            }
        }
    }
    lines.join("\n") + "\n"
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn mutated_small_specs_never_make_a_renderer_panic(ops in proptest::collection::vec((0usize..4, 0usize..200, 0usize..1000), 1..6)) {
        quiet_panics();
        let text = mutate(include_str!("render/mini.wspec"), &ops);
        if let Err(e) = render_all_outputs(&[("render/mini.wspec".into(), text)]) {
            return Err(TestCaseError::fail(e));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn mutated_spec_files_never_make_a_renderer_panic(file in 0usize..100, ops in proptest::collection::vec((0usize..4, 0usize..2000, 0usize..1000), 1..8)) {
        quiet_panics();
        let (sources, _) = real();
        // The chapter being mutated, with the chapters it builds on.
        let n = sources.len();
        let target = file % n;
        let files: Vec<(String, String)> = (0..=target)
            .map(|f| {
                let text = sources.text(f);
                (sources.name(f).to_string(), if f == target { mutate(text, &ops) } else { text.to_string() })
            })
            .collect();
        if let Err(e) = render_all_outputs(&files) {
            return Err(TestCaseError::fail(e.lines().take(3).collect::<Vec<_>>().join("\n")));
        }
    }
}

#[test]
fn an_otherwise_rule_keeps_its_own_conditions_in_the_algorithm() {
    // `-- otherwise` is the `Else` of the rules before; the rule's further conditions still
    // guard it ("Else, if …"), they are not dropped.
    let text = include_str!("render/mini.wspec").replace(
        "rule Step_pure/binop-trap:\n  (CONST nt c_1) (CONST nt c_2) (BINOP nt op) ~> TRAP\n  -- if $binop_(nt, op, c_1, c_2) = eps\n",
        "rule Step_pure/binop-trap-zero:\n  (CONST nt c_1) (CONST nt c_2) (BINOP nt op) ~> TRAP\n  -- if c_2 = 0\n\n\
         rule Step_pure/binop-trap-other:\n  (CONST nt c_1) (CONST nt c_2) (BINOP nt op) ~> TRAP\n  -- otherwise\n  -- if $binop_(nt, op, c_1, c_2) = eps\n",
    );
    assert!(text.contains("binop-trap-other"), "mini.wspec changed: the test's rule is not there");
    let mut sources = SourceMap::new();
    sources.add("render/1-mini.wspec", text);
    let spec = checked(&sources);
    let md = prose::markdown(&spec, Some(&sources));
    let start = md.find("rule:Step_pure/binop-trap-other").expect("the rule has an anchor");
    let group = &md[md[..start].rfind("####").unwrap_or(0)..];
    let group = &group[..group.find("\nRule").unwrap_or(group.len())];
    assert!(group.contains("Else, if"), "the otherwise rule lost its condition:\n{group}");
    assert!(!group.contains("Else:"), "the otherwise rule lost its condition:\n{group}");
}

#[test]
fn comment_headings_over_paragraphs_are_headings() {
    // `;; Title` / `;;` / `;; Text…` is a heading, then a paragraph, not "Title Text…".
    let (sources, spec) = real();
    let tex = latex::document(spec, Some(sources));
    let md = prose::markdown(spec, Some(sources));
    for h in ["Modules", "Blocks", "Calls"] {
        assert!(tex.contains(&format!("\\subsection*{{{h}}}")), "no heading {h} in the LaTeX");
        assert!(md.lines().any(|l| l.starts_with('#') && l.ends_with(h)), "no heading {h} in the prose");
    }
}
