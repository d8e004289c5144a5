//! Robustness: no input makes the parser or the elaborator panic or hang.
//!
//! Properties, each case parsing and elaborating its input (`parse::parse_file`, `elab::check`)
//! and rendering the diagnostics:
//! 1. arbitrary strings: printable ASCII, DSL punctuation, arbitrary Unicode;
//! 2. soups of DSL tokens, alone or after a small valid prelude;
//! 3. mutations (lines and tokens) of a window of a file of `spec/`;
//! 4. well-formed but arbitrary declarations, random and typed, after the prelude;
//! 5. mutations of the prelude (which has relations, rules and grammars);
//! 6. truncated spec declarations with a token inserted (what an editor sees while typing);
//!
//! and a deterministic sweep deleting each line of the spec in turn.
//!
//! Every case runs under `catch_unwind`; a panic is reported with its location and the input
//! (proptest then shrinks it). A case slower than `CASE_BOUND` fails, so an exponential blow-up is
//! caught; a watchdog thread aborts the process, printing the input, if a case runs away
//! altogether. Inputs that crash the process (stack overflow) or hang are kept in
//! `robustness_regressions.rs`, which runs them in a child process.
//!
//! Environment knobs for bug hunting (the defaults are the committed budget):
//! - `WSPEC_FUZZ_SCALE=k` multiplies every property's case count by `k`;
//! - `WSPEC_FUZZ_ALLOW=file.rs:line,...` tolerates panics whose location (as reported) contains one
//!   of the given strings, so that further, distinct bugs can be found while known ones are fixed.

use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::Config as ProptestConfig;
use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, Once, OnceLock};
use std::thread::{self, ThreadId};
use std::time::{Duration, Instant};
use wspec_dsl::{diag, elab, parse, source::SourceMap};

// ---------------------------------------------------------------------------------------------
// Running one case

/// No single case may take longer than this (release build).
const CASE_BOUND: Duration = Duration::from_secs(2);
/// A case still running after this long is a hang: the watchdog prints it and aborts.
const HANG_BOUND: Duration = Duration::from_secs(30);

/// Where and why the last panic of this thread happened.
#[derive(Clone, Debug)]
struct PanicInfo {
    message: String,
    /// `file:line:col` of the panic, and of the innermost frame in `dsl/src/` if the panic was
    /// raised in a dependency or the standard library.
    location: String,
}

thread_local! {
    static LAST_PANIC: RefCell<Option<PanicInfo>> = const { RefCell::new(None) };
    static CAPTURING: RefCell<bool> = const { RefCell::new(false) };
}

/// The cases currently running, per thread: when they started and their input.
fn running() -> &'static Mutex<HashMap<ThreadId, (Instant, String)>> {
    static RUNNING: OnceLock<Mutex<HashMap<ThreadId, (Instant, String)>>> = OnceLock::new();
    RUNNING.get_or_init(|| Mutex::new(HashMap::new()))
}

fn setup() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !CAPTURING.with(|c| *c.borrow()) {
                default(info);
                return;
            }
            let message = if let Some(s) = info.payload().downcast_ref::<&str>() {
                s.to_string()
            } else if let Some(s) = info.payload().downcast_ref::<String>() {
                s.clone()
            } else {
                "<non-string panic payload>".to_string()
            };
            let mut location = info.location().map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column())).unwrap_or_default();
            if !location.contains("dsl/src/") {
                let bt = std::backtrace::Backtrace::force_capture().to_string();
                if let Some(frame) = bt.lines().map(str::trim).find(|l| l.starts_with("at ") && l.contains("dsl/src/")) {
                    location = format!("{location} (via {})", &frame[3..]);
                }
            }
            LAST_PANIC.with(|p| *p.borrow_mut() = Some(PanicInfo { message, location }));
        }));
        thread::spawn(|| loop {
            thread::sleep(Duration::from_millis(500));
            let map = running().lock().unwrap_or_else(|e| e.into_inner());
            for (start, input) in map.values() {
                if start.elapsed() > HANG_BOUND {
                    eprintln!("\n=== HANG: a case has been running for {:?}; input:\n{input}\n=== (input as Rust string) {input:?}", start.elapsed());
                    std::process::abort();
                }
            }
        });
    });
}

/// Tolerated panic locations (see the module documentation).
fn allowed() -> &'static [String] {
    static ALLOW: OnceLock<Vec<String>> = OnceLock::new();
    ALLOW.get_or_init(|| {
        std::env::var("WSPEC_FUZZ_ALLOW")
            .map(|s| s.split(',').map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect())
            .unwrap_or_default()
    })
}

fn scaled(cases: u32) -> u32 {
    let k: u32 = std::env::var("WSPEC_FUZZ_SCALE").ok().and_then(|s| s.parse().ok()).unwrap_or(1);
    cases.saturating_mul(k.max(1))
}

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases: scaled(cases),
        failure_persistence: None,
        max_shrink_iters: 4096,
        ..ProptestConfig::default()
    }
}

/// The slowest case seen so far, in microseconds, and its input.
static SLOWEST_US: AtomicU64 = AtomicU64::new(0);
static SLOWEST_INPUT: Mutex<String> = Mutex::new(String::new());

/// Parses the input file of a case on its own, then elaborates all the files and renders the
/// diagnostics. `Err` describes a panic, an unrenderable diagnostic or a case over the time bound,
/// with the input.
fn run_case(files: &[(String, String)]) -> Result<(), String> {
    setup();
    let described = describe(files);
    let me = thread::current().id();
    running().lock().unwrap_or_else(|e| e.into_inner()).insert(me, (Instant::now(), described.clone()));
    CAPTURING.with(|c| *c.borrow_mut() = true);
    LAST_PANIC.with(|p| *p.borrow_mut() = None);
    let start = Instant::now();
    let result = panic::catch_unwind(AssertUnwindSafe(|| {
        // `check` parses every file too; the generated or mutated file is also parsed on its own
        // (the others are unmodified context).
        let mut map = SourceMap::new();
        for (name, text) in files {
            map.add(name.clone(), text.clone());
        }
        let (id, text) = input_of(files);
        std::hint::black_box(parse::parse_file(id, text));
        let checked = elab::check(&map);
        // Render the diagnostics as `wspec check` does: their spans must lie in their files,
        // on character boundaries.
        let rendered = diag::render_all(&checked.diagnostics, &map);
        rendered.contains("could not be rendered")
    }));
    let elapsed = start.elapsed();
    CAPTURING.with(|c| *c.borrow_mut() = false);
    running().lock().unwrap_or_else(|e| e.into_inner()).remove(&me);

    let us = elapsed.as_micros() as u64;
    if SLOWEST_US.fetch_max(us, Ordering::Relaxed) < us {
        *SLOWEST_INPUT.lock().unwrap_or_else(|e| e.into_inner()) = described.clone();
    }
    if result.is_err() {
        let info = LAST_PANIC
            .with(|p| p.borrow_mut().take())
            .unwrap_or(PanicInfo { message: "<unknown>".into(), location: "<unknown>".into() });
        if allowed().iter().any(|a| info.location.contains(a.as_str())) {
            return Ok(());
        }
        return Err(format!(
            "PANIC at {}: {}\ninput:\n{described}\ninput (as Rust string): {:?}",
            info.location,
            info.message,
            input_of(files).1
        ));
    }
    if let Ok(true) = result {
        return Err(format!(
            "UNRENDERABLE: a diagnostic has a span outside its file or inside a character\ninput:\n{described}\n\
             input (as Rust string): {:?}",
            input_of(files).1
        ));
    }
    if elapsed > CASE_BOUND {
        return Err(format!("SLOW: a case took {elapsed:?} (bound {CASE_BOUND:?})\ninput:\n{described}"));
    }
    Ok(())
}

/// The input of a case for a report: the generated or mutated file in full, the others by name.
fn describe(files: &[(String, String)]) -> String {
    let mut s = String::new();
    for (name, text) in files {
        if is_context(name) {
            s.push_str(&format!("[unmodified {name}]\n"));
        } else {
            s.push_str(&format!("--- {name} ---\n{text}\n--- end ---\n"));
        }
    }
    s
}

/// Whether a file of a case is unmodified context (the prelude, declarations of the spec) rather
/// than the generated or mutated input.
fn is_context(name: &str) -> bool {
    name == PRELUDE_NAME || name.ends_with(NEEDED_SUFFIX)
}

/// The generated or mutated file of a case.
fn input_of(files: &[(String, String)]) -> (usize, &str) {
    files.iter().enumerate().find(|(_, f)| !is_context(&f.0)).map(|(i, f)| (i, f.1.as_str())).unwrap_or((0, ""))
}

fn check_one(text: String) -> Result<(), TestCaseError> {
    run_case(&[("input.wspec".to_string(), text)]).map_err(TestCaseError::fail)
}

fn report_slowest(what: &str) {
    let input = SLOWEST_INPUT.lock().unwrap_or_else(|e| e.into_inner());
    let head: String = input.lines().filter(|l| !l.starts_with("[unmodified")).take(6).collect::<Vec<_>>().join("\n");
    eprintln!(
        "robustness/{what}: slowest case so far {:?}:\n{head}\n...",
        Duration::from_micros(SLOWEST_US.load(Ordering::Relaxed))
    );
}

// ---------------------------------------------------------------------------------------------
// The spec

struct SpecFile {
    name: String,
    text: String,
}

fn spec() -> &'static [SpecFile] {
    static SPEC: OnceLock<Vec<SpecFile>> = OnceLock::new();
    SPEC.get_or_init(|| {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../spec");
        let mut names: Vec<_> = std::fs::read_dir(dir)
            .expect("spec directory")
            .map(|e| e.expect("spec entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "wspec"))
            .collect();
        names.sort();
        assert!(!names.is_empty(), "no spec files in {dir}");
        names
            .into_iter()
            .map(|p| SpecFile {
                name: format!("spec/{}", p.file_name().unwrap().to_string_lossy()),
                text: std::fs::read_to_string(&p).expect("spec file"),
            })
            .collect()
    })
}

/// Every whitespace-separated token of the spec, sorted, without duplicates.
fn spec_tokens() -> &'static [String] {
    static TOKENS: OnceLock<Vec<String>> = OnceLock::new();
    TOKENS.get_or_init(|| {
        let set: BTreeSet<String> = spec().iter().flat_map(|f| f.text.split_whitespace().map(String::from)).collect();
        set.into_iter().collect()
    })
}

// Elaborating the whole spec for every case is too slow (70 ms and growing with the spec, most of
// it parsing), so a case that mutates part of file `f` is elaborated after only the declarations
// it needs: the unmodified declarations of the spec outside the mutated part that the mutated text
// names, and the declarations those name, transitively, nearest first and up to a budget.

/// One declaration of the spec: its file, its lines and the names it declares and mentions.
struct SpecDecl {
    file: usize,
    /// Line range `[start, end)` in the file.
    lines: (usize, usize),
    text: String,
    declares: Option<String>,
    mentions: BTreeSet<String>,
}

const DECL_KEYWORDS: &[&str] = &["syntax", "relation", "rule", "def", "var", "grammar"];

fn starts_declaration(line: &str) -> bool {
    DECL_KEYWORDS
        .iter()
        .any(|kw| line.starts_with(kw) && line[kw.len()..].chars().next().is_none_or(|c| c.is_whitespace() || c == '$'))
}

/// The names a text mentions: every identifier (`$` included for definitions), and also its
/// base without subscripts and primes (`t'_2` also mentions `t`, `numtype_1` also `numtype`).
fn mentions(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let code: String = text.lines().map(|l| l.split(";;").next().unwrap_or("")).collect::<Vec<_>>().join("\n");
    let chars: Vec<char> = code.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_ascii_alphabetic() || c == '_' || c == '$' {
            let start = i;
            i += 1;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_' || chars[i] == '\'') {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            let mut base = word.as_str();
            loop {
                let trimmed = base.trim_end_matches(|c: char| c.is_ascii_digit() || c == '\'');
                let trimmed = trimmed.strip_suffix('_').unwrap_or(trimmed);
                if trimmed == base || trimmed.is_empty() || trimmed == "$" {
                    break;
                }
                base = trimmed;
            }
            out.insert(base.to_string());
            out.insert(word);
        } else {
            i += 1;
        }
    }
    out
}

/// The name a declaration declares (`syntax instr/control ...` declares `instr`, `def $f(...)`
/// declares `$f`); rules declare nothing anyone refers to.
fn declares(text: &str) -> Option<String> {
    let mut words = text.split_whitespace();
    let kw = words.next()?;
    if kw == "rule" {
        return None;
    }
    let word = words.next()?;
    let name: String = word
        .chars()
        .enumerate()
        .take_while(|&(i, c)| c.is_ascii_alphanumeric() || c == '_' || c == '\'' || (i == 0 && c == '$'))
        .map(|(_, c)| c)
        .collect();
    (!name.is_empty()).then_some(name)
}

fn spec_decls() -> &'static [SpecDecl] {
    static DECLS: OnceLock<Vec<SpecDecl>> = OnceLock::new();
    DECLS.get_or_init(|| {
        let mut out = Vec::new();
        for (file, f) in spec().iter().enumerate() {
            let lines: Vec<&str> = f.text.lines().collect();
            let starts: Vec<usize> = (0..lines.len()).filter(|&k| starts_declaration(lines[k])).collect();
            for (n, &s) in starts.iter().enumerate() {
                let e = starts.get(n + 1).copied().unwrap_or(lines.len());
                let text = lines[s..e].join("\n") + "\n";
                out.push(SpecDecl { file, lines: (s, e), declares: declares(&text), mentions: mentions(&text), text });
            }
        }
        out
    })
}

/// At most this many lines of declarations go before a mutated part (parsing dominates the cost
/// of a case, at 5 to 30 µs a line).
const NEEDED_BUDGET: usize = 150;

/// The files to elaborate for a case that replaces lines `[start, end)` of file `file` by `text`:
/// the declarations needed (see above), nearest first, up to `budget` lines, file by file in spec
/// order; then `text`.
fn with_needed(file: usize, (start, end): (usize, usize), text: String, budget: usize) -> Vec<(String, String)> {
    let decls = spec_decls();
    let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, d) in decls.iter().enumerate() {
        let outside = d.file != file || d.lines.1 <= start || d.lines.0 >= end;
        if let (true, Some(name)) = (outside, &d.declares) {
            by_name.entry(name.as_str()).or_default().push(i);
        }
    }
    // Breadth first from the names the text mentions.
    let mut chosen = BTreeSet::new();
    let mut lines = 0;
    let mut queue: std::collections::VecDeque<String> = mentions(&text).into_iter().collect();
    let mut seen: BTreeSet<String> = queue.iter().cloned().collect();
    'bfs: while let Some(name) = queue.pop_front() {
        for &i in by_name.get(name.as_str()).map(|v| v.as_slice()).unwrap_or(&[]) {
            if lines >= budget {
                break 'bfs;
            }
            if chosen.insert(i) {
                lines += decls[i].lines.1 - decls[i].lines.0;
                for m in &decls[i].mentions {
                    if seen.insert(m.clone()) {
                        queue.push_back(m.clone());
                    }
                }
            }
        }
    }
    // In spec order (elaboration depends on it), `text` in place of the lines it replaces.
    let mut files: Vec<(String, String)> = Vec::new();
    let mut text = Some(text);
    for i in chosen {
        let d = &decls[i];
        if (d.file, d.lines.0) >= (file, start) {
            if let Some(t) = text.take() {
                files.push((spec()[file].name.clone(), t));
            }
        }
        let name = format!("{}{NEEDED_SUFFIX}", spec()[d.file].name);
        match files.last_mut() {
            Some((n, t)) if *n == name => t.push_str(&d.text),
            _ => files.push((name, d.text.clone())),
        }
    }
    if let Some(t) = text {
        files.push((spec()[file].name.clone(), t));
    }
    files
}

/// The name suffix of files of declarations taken unmodified from the spec.
const NEEDED_SUFFIX: &str = " (needed declarations)";

// ---------------------------------------------------------------------------------------------
// Alphabets and tokens

const KEYWORDS: &[&str] =
    &["syntax", "relation", "rule", "def", "var", "grammar", "hint", "mode", "if", "otherwise", "eps", "true", "false"];
const SYMBOLS: &[&str] = &[
    "|-", "~>", "~>*", "->", "->_", "<:", "~~", ":", ";", "=>", "..", "=", "=/=", "<", ">", "<=", ">=", "<-", "++",
    "+", "-", "*", "/", "\\", "^", "/\\", "\\/", "~", "|", "(", ")", "{", "}", "[", "]", "`{", "`[", ",", ".", "--",
    "?", "=++", ";;", "$", "\"", "'", "_", "->_(",
];

const ATOMS: &[&str] = &[
    "I32",
    "I64",
    "F32",
    "CONST",
    "LOCAL.GET",
    "_IDX",
    "LABEL_",
    "REF",
    "NULL",
    "BLOCK",
    "FUNC",
    "REC",
    "SUB",
    "ALIGN",
    "OFFSET",
    "OK",
    "BOT",
    "X",
    "N",
];

const VARIABLES: &[&str] = &[
    "t", "t_1", "t_2", "t'", "t'_2", "nt", "C", "x", "n", "i", "w", "c", "c_1", "instr", "valtype", "numtype", "nat",
    "int", "bool", "text", "rat", "Inn", "uN", "iN", "in", "out", "open", "desc", "show", "builtin", "abstract",
    "Foo_ok", "R", "Bbyte", "BuN", "BX", "X", "mut", "null", "m", "e",
];

const CALLS: &[&str] = &["$f", "$size", "$min", "$f(", "$size(", "$concat_", "$g()", "$min(1, 2)", "$"];

const NUMBERS: &[&str] = &[
    "0",
    "1",
    "7",
    "8",
    "32",
    "64",
    "0x00",
    "0x0B",
    "0xFF",
    "0x10FFFF",
    "0x",
    "00",
    "2^N",
    "99999999999999999999999999999999",
    "0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF",
    "18446744073709551616",
    "4294967296",
];

const TEXTS: &[&str] = &[
    "\"\"",
    "\"a\"",
    "\"%\"",
    "\"|%|\"",
    "\"\\\"\"",
    "\"\\\\\"",
    "\"é\"",
    "\"",
    "\"\\",
    "\"\u{a0}\"",
    "\"a\u{3000}b\"",
    "\"😀\"",
    "\u{a0}",
    "\u{2003}",
];

/// Attached postfix forms and other glued tokens.
const GLUED: &[&str] = &[
    "t*",
    "x?",
    "w+",
    "t^n",
    "e^(i<n)",
    "t**",
    "w*?",
    "x^",
    "c_1*",
    "(w*)*",
    "e.FIELD",
    "e[0]",
    "e[i : n]",
    "|e|",
    "e[.F = v]",
    "e[.F[i] = v]",
    "e[.F =++ v]",
    "{ALIGN 0, OFFSET 0}",
    "{}",
    "()",
    "(,)",
    "n:Bbyte",
    "x:BX",
    "0x00 .. 0xFF",
    "hint(desc \"x\")",
    "mode(in, out)",
    "mode(in, in, open)",
    "-- if",
    "-- otherwise",
    "Foo_ok/case",
    "Foo_ok/",
    "instr/control",
    "syntax X",
    "grammar BX : X",
    "`[u64 .. u64?]",
];

fn dsl_token() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => prop::sample::select(KEYWORDS),
        3 => prop::sample::select(ATOMS),
        4 => prop::sample::select(VARIABLES),
        1 => prop::sample::select(CALLS),
        2 => prop::sample::select(NUMBERS),
        1 => prop::sample::select(TEXTS),
        6 => prop::sample::select(SYMBOLS),
        2 => prop::sample::select(GLUED),
    ]
    .prop_map(String::from)
}

/// What goes between two tokens: mostly a space, sometimes nothing (tokens glue), sometimes an
/// indented continuation line, sometimes a new declaration at column 0.
fn separator() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => Just(" ".to_string()),
        3 => Just(String::new()),
        1 => Just("\n  ".to_string()),
        1 => Just("\n".to_string()),
        1 => prop::sample::select(DECL_KEYWORDS).prop_map(|k| format!("\n{k} ")),
        1 => Just(" ;; comment\n  ".to_string()),
    ]
}

fn token_soup() -> impl Strategy<Value = String> {
    (prop::option::of(prop::sample::select(DECL_KEYWORDS)), prop::collection::vec((dsl_token(), separator()), 1..60))
        .prop_map(|(first, toks)| {
            let mut s = first.map(|k| format!("{k} ")).unwrap_or_default();
            for (t, sep) in toks {
                s.push_str(&t);
                s.push_str(&sep);
            }
            s
        })
}

const PRELUDE_NAME: &str = "prelude.wspec";
/// A small, valid spec using every kind of declaration, so that soups placed after it find names
/// to resolve and reach deeper into the elaborator.
const PRELUDE: &str = r#"var N : nat
var n : nat
var i : nat
syntax bit = 0 .. 1
syntax byte = 0x00 .. 0xFF
syntax uN(N) = 0 .. 2^N - 1
syntax u32 = uN(32)
syntax idx = u32
var x : idx
syntax numtype = I32 | I64 | F32 | F64
syntax Inn = I32 | I64
syntax valtype = numtype | BOT
var t : valtype
syntax num_(numtype)
syntax num_(Inn) = uN($size(Inn))
syntax num_(F32) = uN(32)
syntax num_(F64) = uN(64)
var c : num_(numtype)
syntax resulttype = valtype*
syntax instrtype = resulttype ->_(idx*) resulttype
syntax memarg = {ALIGN u32, OFFSET u32}
syntax instr
syntax instr/a = NOP | CONST numtype num_(numtype) | LOCAL.GET idx | BLOCK instrtype instr*
syntax instr/b = DROP | EXTEND nat -- if nat < 64
syntax context = {LOCALS valtype*, LABELS resulttype*}
var C : context
def $size(numtype) : nat
def $size(I32) = 32
def $size(I64) = 64
def $size(F32) = 32
def $size(F64) = 64
def $min(nat, nat) : nat
def $min(i, j) = i  -- if i <= j
def $min(i, j) = j  -- otherwise
def $concat_(syntax X, X**) : X*
def $concat_(X, eps) = eps
def $concat_(X, (w*) (w'*)*) = w* $concat_(X, (w'*)*)
def $sum(nat*) : nat
def $sum(eps) = 0
def $sum(n n'*) = n + $sum(n'*)
relation Instr_ok: context |- instr : instrtype  mode(in, in, open)
relation Step_pure: instr* ~> instr*  mode(in, out)
rule Instr_ok/nop:
  C |- NOP : eps -> eps
rule Instr_ok/local.get:
  C |- LOCAL.GET x : eps -> t
  -- if C.LOCALS[x] = t
rule Instr_ok/block:
  C |- BLOCK (t_1* ->_(x*) t_2*) instr* : t_1* -> t_2*
  -- (Instr_ok: {LOCALS eps, LABELS (t_2*)} ++ C |- instr : t_1* -> t_2*)*
rule Step_pure/drop:
  (CONST nt c) DROP ~> eps
grammar BuN(N) : uN(N) =
  | n:Bbyte => n  -- if n < 2^7 /\ n < 2^N
  | n:Bbyte m:BuN((N - 7)) => 2^7 * m + (n - 2^7)  -- if n >= 2^7 /\ N > 7
grammar Bbyte : byte = b:0x00 .. 0xFF => b
grammar Blist(syntax X, grammar BX : X) : X* = n:BuN(32) (w:BX)^n => w^n
"#;

// ---------------------------------------------------------------------------------------------
// Property 1: arbitrary strings

const PUNCT_ALPHABET: &[char] = &[
    ' ', ' ', ' ', '\n', '\n', '\t', '\r', '(', ')', '{', '}', '[', ']', '`', '|', '-', '~', '>', '<', '=', ':', ';',
    '.', ',', '*', '?', '+', '^', '/', '\\', '$', '"', '\'', '_', 'a', 'x', 't', 'I', 'C', 'N', '0', '1', '9', 'e',
    'é', '\u{0}',
    // Multi-byte characters, some of them whitespace to Rust (`char::is_whitespace`) but not to
    // the grammar.
    '\u{a0}', '\u{85}', '\u{2003}', '\u{2028}', '\u{3000}', '😀',
];

fn arbitrary_text() -> impl Strategy<Value = String> {
    prop_oneof![
        // Printable ASCII and line breaks.
        3 => "[ -~\n\t]{0,200}",
        // Punctuation-heavy.
        4 => prop::collection::vec(prop::sample::select(PUNCT_ALPHABET), 0..200)
            .prop_map(|v| v.into_iter().collect::<String>()),
        // Arbitrary unicode scalar values, mixed with DSL punctuation.
        2 => prop::collection::vec(
                prop_oneof![any::<char>(), prop::sample::select(PUNCT_ALPHABET)], 0..120)
            .prop_map(|v| v.into_iter().collect::<String>()),
    ]
}

fn declaration_start() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => Just(String::new()),
        3 => prop::sample::select(DECL_KEYWORDS).prop_map(|k| format!("{k} ")),
        1 => prop::sample::select(DECL_KEYWORDS).prop_map(String::from),
        1 => Just("syntax x = ".to_string()),
        1 => Just("rule R/c: ".to_string()),
        1 => Just("def $f(x) = ".to_string()),
        1 => Just("grammar G : nat = ".to_string()),
    ]
}

proptest! {
    #![proptest_config(config(5000))]

    #[test]
    fn arbitrary_strings_never_panic((start, body) in (declaration_start(), arbitrary_text())) {
        check_one(format!("{start}{body}"))?;
    }
}

// ---------------------------------------------------------------------------------------------
// Property 2: token soups

proptest! {
    #![proptest_config(config(2000))]

    #[test]
    fn token_soups_never_panic(soup in token_soup(), after_prelude in prop::bool::weighted(0.4)) {
        if after_prelude {
            run_case(&[
                (PRELUDE_NAME.to_string(), PRELUDE.to_string()),
                ("soup.wspec".to_string(), soup),
            ]).map_err(TestCaseError::fail)?;
        } else {
            check_one(soup)?;
        }
    }
}

#[test]
fn prelude_is_valid() {
    let mut map = SourceMap::new();
    map.add(PRELUDE_NAME, PRELUDE);
    let checked = elab::check(&map);
    let msgs: Vec<String> = checked.diagnostics.iter().map(|d| format!("{d:?}")).collect();
    assert!(!checked.has_errors(), "the prelude of the token soups should elaborate cleanly:\n{}", msgs.join("\n"));
}

// ---------------------------------------------------------------------------------------------
// Property 3: mutations of the spec

#[derive(Clone, Debug)]
enum Mutation {
    DeleteLine(Index),
    DuplicateLine(Index),
    SwapLines(Index, Index),
    MoveLine(Index, Index),
    DeleteToken(Index, Index),
    DuplicateToken(Index, Index),
    SwapTokens(Index, Index, Index),
    ReplaceToken(Index, Index, Index),
    InsertSymbol(Index, Index, Index),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    use Mutation::*;
    let i = || any::<Index>();
    prop_oneof![
        2 => i().prop_map(DeleteLine),
        1 => i().prop_map(DuplicateLine),
        1 => (i(), i()).prop_map(|(a, b)| SwapLines(a, b)),
        1 => (i(), i()).prop_map(|(a, b)| MoveLine(a, b)),
        2 => (i(), i()).prop_map(|(a, b)| DeleteToken(a, b)),
        1 => (i(), i()).prop_map(|(a, b)| DuplicateToken(a, b)),
        1 => (i(), i(), i()).prop_map(|(a, b, c)| SwapTokens(a, b, c)),
        3 => (i(), i(), i()).prop_map(|(a, b, c)| ReplaceToken(a, b, c)),
        2 => (i(), i(), i()).prop_map(|(a, b, c)| InsertSymbol(a, b, c)),
    ]
}

/// Splits a line into its indentation and its whitespace-separated tokens.
fn split_line(line: &str) -> (String, Vec<String>) {
    let indent: String = line.chars().take_while(|c| c.is_whitespace()).collect();
    (indent, line.split_whitespace().map(String::from).collect())
}

fn join_line(indent: &str, toks: &[String]) -> String {
    format!("{indent}{}", toks.join(" "))
}

fn apply(lines: &mut Vec<String>, m: &Mutation) {
    use Mutation::*;
    if lines.is_empty() {
        return;
    }
    let n = lines.len();
    match m {
        DeleteLine(a) => {
            lines.remove(a.index(n));
        }
        DuplicateLine(a) => {
            let k = a.index(n);
            lines.insert(k, lines[k].clone());
        }
        SwapLines(a, b) => lines.swap(a.index(n), b.index(n)),
        MoveLine(a, b) => {
            let l = lines.remove(a.index(n));
            lines.insert(b.index(n), l);
        }
        DeleteToken(a, b) | DuplicateToken(a, b) => {
            let k = a.index(n);
            let (indent, mut toks) = split_line(&lines[k]);
            if toks.is_empty() {
                return;
            }
            let t = b.index(toks.len());
            if matches!(m, DeleteToken(..)) {
                toks.remove(t);
            } else {
                toks.insert(t, toks[t].clone());
            }
            lines[k] = join_line(&indent, &toks);
        }
        SwapTokens(a, b, c) => {
            let k = a.index(n);
            let (indent, mut toks) = split_line(&lines[k]);
            if toks.is_empty() {
                return;
            }
            let len = toks.len();
            toks.swap(b.index(len), c.index(len));
            lines[k] = join_line(&indent, &toks);
        }
        ReplaceToken(a, b, c) => {
            let k = a.index(n);
            let (indent, mut toks) = split_line(&lines[k]);
            if toks.is_empty() {
                return;
            }
            let t = b.index(toks.len());
            toks[t] = c.get(spec_tokens()).clone();
            lines[k] = join_line(&indent, &toks);
        }
        InsertSymbol(a, b, c) => {
            let k = a.index(n);
            let (indent, mut toks) = split_line(&lines[k]);
            let t = b.index(toks.len() + 1);
            toks.insert(t, c.get(SYMBOLS).to_string());
            lines[k] = join_line(&indent, &toks);
        }
    }
}

/// A window of a spec file and the mutations to apply to it.
#[derive(Clone, Debug)]
struct WindowCase {
    file: usize,
    start: Index,
    len: usize,
    mutations: Vec<Mutation>,
}

fn window_case() -> impl Strategy<Value = WindowCase> {
    (0..spec().len(), any::<Index>(), 20usize..=80, prop::collection::vec(mutation(), 1..=5))
        .prop_map(|(file, start, len, mutations)| WindowCase { file, start, len, mutations })
}

/// The lines of the window, and its mutated text.
fn window_text(case: &WindowCase) -> ((usize, usize), String) {
    let lines: Vec<&str> = spec()[case.file].text.lines().collect();
    let len = case.len.min(lines.len());
    let start = case.start.index(lines.len() - len + 1);
    let mut window: Vec<String> = lines[start..start + len].iter().map(|l| l.to_string()).collect();
    for m in &case.mutations {
        apply(&mut window, m);
    }
    let mut text = window.join("\n");
    text.push('\n');
    ((start, start + len), text)
}

proptest! {
    #![proptest_config(config(2000))]

    /// A mutated window of 20 to 80 lines of one file, after the declarations of the spec it needs
    /// (elaborating the whole spec for every case would be too slow).
    #[test]
    fn spec_mutations_never_panic(case in window_case()) {
        let (lines, text) = window_text(&case);
        run_case(&with_needed(case.file, lines, text, NEEDED_BUDGET)).map_err(TestCaseError::fail)?;
    }
}

// ---------------------------------------------------------------------------------------------
// Property 4: well-formed but arbitrary declarations after the prelude
//
// Random expressions, types, premises and grammar symbols built by the concrete syntax, so that
// most cases parse and the elaborator (notation matching, typing, iteration and binding analysis)
// sees them.

const EXP_LEAVES: &[&str] = &[
    "t",
    "t_1",
    "t'",
    "t*",
    "t_1*",
    "t^n",
    "t?",
    "c",
    "c_1",
    "c*",
    "n",
    "i",
    "j",
    "N",
    "x",
    "x*",
    "w",
    "w*",
    "C",
    "instr",
    "instr*",
    "nt",
    "nat",
    "NOP",
    "DROP",
    "I32",
    "I64",
    "F32",
    "BOT",
    "CONST",
    "LOCAL.GET",
    "EXTEND",
    "BLOCK",
    "ALIGN",
    "LOCALS",
    "0",
    "1",
    "7",
    "64",
    "0xFF",
    "2^N",
    "eps",
    "true",
    "false",
    "\"a\"",
    "$size(nt)",
    "$size(I32)",
    "$min(1, 2)",
    "$sum(n*)",
    "$concat_(valtype, (t*)*)",
    "$undefined(x)",
    "undefined_var",
    "C.LOCALS",
    "C.LOCALS[x]",
    "C.LABELS[0]",
    "|t*|",
    "{LOCALS t*, LABELS eps}",
    "{}",
    "()",
    "(t*)*",
    "(CONST nt c)",
    "(CONST I32 c_1)*",
    "t^(i<n)",
    "c^(i<n)",
    "x[0 : 1]",
];
const BINOPS: &[&str] = &[
    "+", "-", "*", "/", "\\", "^", "=", "=/=", "<", ">", "<=", ">=", "<-", "++", "/\\", "\\/", "->", "~>", ":", "|-",
    "=>", ";", "<:", "~~",
];
const ITERS: &[&str] = &["*", "?", "+", "^n", "^2", "^(i<n)", "^(j<N)", "**", "^$size(nt)"];
const FIELDS: &[&str] = &["LOCALS", "LABELS", "ALIGN", "OFFSET", "NOFIELD"];
const DEF_NAMES: &[&str] = &["$size", "$min", "$sum", "$concat_", "$f", "$undefined"];

fn exp_str() -> BoxedStrategy<String> {
    let leaf = prop::sample::select(EXP_LEAVES).prop_map(String::from);
    leaf.prop_recursive(4, 32, 3, |e| {
        let sel = |xs: &'static [&'static str]| prop::sample::select(xs);
        prop_oneof![
            3 => (e.clone(), e.clone()).prop_map(|(a, b)| format!("{a} {b}")),
            1 => e.clone().prop_map(|a| format!("({a})")),
            1 => (e.clone(), e.clone()).prop_map(|(a, b)| format!("({a}, {b})")),
            2 => (e.clone(), sel(ITERS)).prop_map(|(a, it)| format!("({a}){it}")),
            3 => (e.clone(), sel(BINOPS), e.clone()).prop_map(|(a, op, b)| format!("{a} {op} {b}")),
            1 => (sel(FIELDS), e.clone(), sel(FIELDS), e.clone()).prop_map(|(f, a, g, b)| format!("{{{f} {a}, {g} {b}}}")),
            1 => (e.clone(), sel(FIELDS)).prop_map(|(a, f)| format!("({a}).{f}")),
            1 => (e.clone(), e.clone()).prop_map(|(a, i)| format!("({a})[{i}]")),
            1 => (e.clone(), e.clone(), e.clone()).prop_map(|(a, i, n)| format!("({a})[{i} : {n}]")),
            1 => e.clone().prop_map(|a| format!("|{a}|")),
            1 => (e.clone(), sel(FIELDS), e.clone()).prop_map(|(a, f, v)| format!("({a})[.{f} = {v}]")),
            1 => (e.clone(), sel(FIELDS), e.clone(), e.clone()).prop_map(|(a, f, i, v)| format!("({a})[.{f}[{i}] = {v}]")),
            1 => (e.clone(), sel(FIELDS), e.clone()).prop_map(|(a, f, v)| format!("({a})[.{f} =++ {v}]")),
            2 => (sel(DEF_NAMES), prop::collection::vec(e.clone(), 0..3)).prop_map(|(f, args)| format!("{f}({})", args.join(", "))),
            1 => e.clone().prop_map(|a| format!("`[{a}]")),
            1 => e.clone().prop_map(|a| format!("~({a})")),
            1 => e.clone().prop_map(|a| format!("-({a})")),
            1 => (e.clone(), e.clone()).prop_map(|(a, b)| format!("{a} ->_(x*) {b}")),
            1 => (e.clone(), e.clone(), e.clone()).prop_map(|(a, b, c)| format!("C |- {a} : {b} -> {c}")),
        ]
    })
    .boxed()
}

const TYPE_LEAVES: &[&str] = &[
    "nat",
    "int",
    "rat",
    "bool",
    "text",
    "valtype",
    "numtype",
    "instr",
    "idx",
    "u32",
    "uN(N)",
    "uN(32)",
    "num_(nt)",
    "num_(I32)",
    "resulttype",
    "context",
    "Inn",
    "X",
    "undefined_t",
    "FOO",
    "BAR",
    "I32",
    "->",
    ":",
    "|-",
    "t",
    "instrtype",
    "memarg",
    "byte",
    "bit",
    "()",
];

fn type_str() -> BoxedStrategy<String> {
    let leaf = prop::sample::select(TYPE_LEAVES).prop_map(String::from);
    leaf.prop_recursive(3, 16, 3, |t| {
        prop_oneof![
            3 => (t.clone(), t.clone()).prop_map(|(a, b)| format!("{a} {b}")),
            2 => (t.clone(), prop::sample::select(&["*", "?", "+", "^n", "^2"][..])).prop_map(|(a, it)| {
                if a.contains(' ') { format!("({a}){it}") } else { format!("{a}{it}") }
            }),
            1 => (t.clone(), t.clone()).prop_map(|(a, b)| format!("({a}, {b})")),
            1 => t.clone().prop_map(|a| format!("`[{a}]")),
            1 => (t.clone(), t.clone()).prop_map(|(a, b)| format!("{a} ->_(idx*) {b}")),
            1 => (t.clone(), t.clone()).prop_map(|(a, b)| format!("{a} -> {b}")),
        ]
    })
    .boxed()
}

fn premise_str() -> BoxedStrategy<String> {
    prop_oneof![
        4 => exp_str().prop_map(|e| format!("-- if {e}")),
        1 => Just("-- otherwise".to_string()),
        2 => (exp_str(), exp_str(), exp_str()).prop_map(|(a, b, c)| format!("-- Instr_ok: C |- {a} : {b} -> {c}")),
        1 => (exp_str(), exp_str()).prop_map(|(a, b)| format!("-- Step_pure: {a} ~> {b}")),
        1 => (exp_str(), prop::sample::select(ITERS)).prop_map(|(e, it)| format!("-- (if {e}){it}")),
        1 => (exp_str(), exp_str(), prop::sample::select(ITERS))
            .prop_map(|(a, b, it)| format!("-- (Instr_ok: C |- {a} : {b}){it}")),
        1 => exp_str().prop_map(|e| format!("-- Undefined_rel: {e}")),
    ]
    .boxed()
}

fn premises_str() -> BoxedStrategy<String> {
    prop::collection::vec(premise_str(), 0..3)
        .prop_map(|ps| ps.into_iter().map(|p| format!("\n  {p}")).collect())
        .boxed()
}

fn gsym_str() -> BoxedStrategy<String> {
    let leaf = prop::sample::select(
        &[
            "0x00",
            "0x0B",
            "0x00 .. 0x7F",
            "\"a\"",
            "eps",
            "Bbyte",
            "BuN(32)",
            "BuN(N)",
            "Blist(Bbyte)",
            "Bundefined",
            "n:Bbyte",
            "b:Bbyte",
            "x:BuN(32)",
            "w*:Blist(Bbyte)",
            "(x:Bbyte)*",
            "(n:Bbyte)^n",
            "c:Bbyte",
            "in:Binstr",
            "t:Bbyte",
            "1:Bbyte",
            "(b_1, b_2):Bpair",
        ][..],
    )
    .prop_map(String::from);
    leaf.prop_recursive(3, 12, 3, |g| {
        prop_oneof![
            3 => (g.clone(), g.clone()).prop_map(|(a, b)| format!("{a} {b}")),
            1 => (g.clone(), g.clone()).prop_map(|(a, b)| format!("({a} | {b})")),
            1 => (g.clone(), prop::sample::select(ITERS)).prop_map(|(a, it)| format!("({a}){it}")),
            1 => (prop::sample::select(&["x", "n", "w*", "(x, y)", "0"][..]), g.clone())
                .prop_map(|(p, a)| format!("{p}:({a})")),
        ]
    })
    .boxed()
}

// Typed generators: expressions of the prelude's types, so that many cases elaborate cleanly and
// reach iteration and binding analysis.

fn nat_exp() -> BoxedStrategy<String> {
    prop::sample::select(
        &[
            "n",
            "i",
            "j",
            "N",
            "n_1",
            "0",
            "1",
            "64",
            "$size(nt)",
            "|t*|",
            "|instr*|",
            "$sum(n*)",
            "x",
            "|C.LOCALS|",
            "c",
        ][..],
    )
    .prop_map(String::from)
    .prop_recursive(3, 8, 2, |e| {
        prop_oneof![
            (e.clone(), prop::sample::select(&["+", "-", "*", "/", "\\"][..]), e.clone())
                .prop_map(|(a, op, b)| format!("{a} {op} {b}")),
            e.clone().prop_map(|a| format!("({a})")),
            e.clone().prop_map(|a| format!("2^({a})")),
            (e.clone(), e.clone()).prop_map(|(a, b)| format!("$min({a}, {b})")),
            e.clone().prop_map(|a| format!("$sum(({a})*)")),
        ]
    })
    .boxed()
}

fn bool_exp() -> BoxedStrategy<String> {
    let atom = prop_oneof![
        (nat_exp(), prop::sample::select(&["=", "=/=", "<", ">", "<=", ">="][..]), nat_exp())
            .prop_map(|(a, op, b)| format!("{a} {op} {b}")),
        (valtype_exp(), valtypes_exp()).prop_map(|(a, b)| format!("{a} <- {b}")),
        (valtype_exp(), valtype_exp()).prop_map(|(a, b)| format!("{a} = {b}")),
        (valtypes_exp(), valtypes_exp()).prop_map(|(a, b)| format!("{a} = {b}")),
        Just("true".to_string()),
    ];
    atom.prop_recursive(2, 6, 2, |b| {
        prop_oneof![
            (b.clone(), prop::sample::select(&["/\\", "\\/"][..]), b.clone())
                .prop_map(|(x, op, y)| format!("{x} {op} {y}")),
            b.clone().prop_map(|x| format!("~({x})")),
        ]
    })
    .boxed()
}

fn valtype_exp() -> BoxedStrategy<String> {
    prop::sample::select(
        &[
            "t",
            "t_1",
            "t'",
            "t_2",
            "I32",
            "I64",
            "F32",
            "BOT",
            "C.LOCALS[x]",
            "C.LOCALS[0]",
            "C.LOCALS[n]",
            "nt",
            "t*[0]",
        ][..],
    )
    .prop_map(String::from)
    .boxed()
}

fn valtypes_exp() -> BoxedStrategy<String> {
    prop::sample::select(
        &[
            "t*",
            "t_1*",
            "t_2*",
            "eps",
            "t",
            "t^n",
            "t'*",
            "C.LOCALS",
            "C.LABELS[0]",
            "C.LABELS[x]",
            "(t*)",
            "t^(i<n)",
            "t_1* t_2*",
        ][..],
    )
    .prop_map(String::from)
    .prop_recursive(2, 6, 2, |e| {
        prop_oneof![
            (e.clone(), e.clone()).prop_map(|(a, b)| format!("{a} {b}")),
            (e.clone(), e.clone()).prop_map(|(a, b)| format!("{a} ++ {b}")),
            (valtype_exp(), e.clone()).prop_map(|(a, b)| format!("{a} {b}")),
            (e.clone(), nat_exp(), nat_exp()).prop_map(|(a, i, n)| format!("({a})[{i} : {n}]")),
        ]
    })
    .boxed()
}

fn instr_exp() -> BoxedStrategy<String> {
    prop_oneof![
        4 => prop::sample::select(
            &["NOP", "DROP", "LOCAL.GET x", "LOCAL.GET 0", "CONST nt c", "CONST I32 c_1", "EXTEND n", "EXTEND 8", "instr",
              "in", "instr_1"][..],
        ).prop_map(String::from),
        1 => (valtypes_exp(), valtypes_exp(), instrs_exp_leaf()).prop_map(|(a, b, is)| format!("BLOCK ({a} ->_(x*) {b}) {is}")),
    ]
    .boxed()
}

fn instrs_exp_leaf() -> BoxedStrategy<String> {
    prop::sample::select(&["instr*", "eps", "in*", "instr_1* instr_2*", "(CONST nt c)*", "instr^n", "NOP*"][..])
        .prop_map(String::from)
        .boxed()
}

fn instrs_exp() -> BoxedStrategy<String> {
    prop_oneof![
        2 => instrs_exp_leaf(),
        3 => prop::collection::vec(instr_exp().prop_map(|i| if i.contains(' ') { format!("({i})") } else { i }), 1..4)
            .prop_map(|v| v.join(" ")),
        1 => (instr_exp(), prop::sample::select(&["*", "^n", "?", "+", "^(i<n)"][..])).prop_map(|(i, it)| format!("({i}){it}")),
        1 => (instrs_exp_leaf(), instrs_exp_leaf()).prop_map(|(a, b)| format!("{a} {b}")),
    ]
    .boxed()
}

fn typed_premise() -> BoxedStrategy<String> {
    prop_oneof![
        4 => bool_exp().prop_map(|b| format!("-- if {b}")),
        2 => (instr_exp(), valtypes_exp(), valtypes_exp())
            .prop_map(|(i, a, b)| format!("-- Instr_ok: C |- {i} : {a} -> {b}")),
        2 => (instr_exp(), valtypes_exp(), valtypes_exp(), prop::sample::select(&["*", "^n", "?", "+", "^(i<n)"][..]))
            .prop_map(|(i, a, b, it)| format!("-- (Instr_ok: C |- {i} : {a} -> {b}){it}")),
        1 => (bool_exp(), prop::sample::select(&["*", "^n", "?", "^(i<n)"][..])).prop_map(|(b, it)| format!("-- (if {b}){it}")),
        1 => (instrs_exp(), instrs_exp()).prop_map(|(a, b)| format!("-- Step_pure: {a} ~> {b}")),
        1 => (valtype_exp(), valtypes_exp()).prop_map(|(a, b)| format!("-- if {a} = $undefined({b})")),
        1 => Just("-- otherwise".to_string()),
        1 => (nat_exp(), nat_exp()).prop_map(|(a, b)| format!("-- if {a} = {b}")),
    ]
    .boxed()
}

fn typed_premises() -> BoxedStrategy<String> {
    prop::collection::vec(typed_premise(), 0..4)
        .prop_map(|ps| ps.into_iter().map(|p| format!("\n  {p}")).collect())
        .boxed()
}

fn typed_decl() -> BoxedStrategy<String> {
    prop_oneof![
        4 => (instr_exp(), valtypes_exp(), valtypes_exp(), typed_premises())
            .prop_map(|(i, a, b, ps)| format!("rule Instr_ok/gen:\n  C |- {i} : {a} -> {b}{ps}\n")),
        2 => (instrs_exp(), instrs_exp(), typed_premises())
            .prop_map(|(a, b, ps)| format!("rule Step_pure/gen:\n  {a} ~> {b}{ps}\n")),
        2 => (prop::sample::select(&["n", "0", "n_1", "1", "i"][..]), valtypes_exp(), nat_exp(), typed_premises())
            .prop_map(|(a, b, body, ps)| format!("def $g(nat, valtype*) : nat\ndef $g({a}, {b}) = {body}{ps}\ndef $g(n, t*) = 0  -- otherwise\n")),
        1 => (valtypes_exp(), valtypes_exp(), typed_premises())
            .prop_map(|(a, b, ps)| format!("def $h(valtype*) : valtype*\ndef $h({a}) = {b}{ps}\n")),
        1 => (bool_exp(), typed_premises())
            .prop_map(|(b, ps)| format!("syntax instr/gen =\n  | GEN nat valtype*  -- if {b}{ps}\n")),
        2 => (prop::sample::select(&["0x01", "0x02 0x03", "\"x\"", "eps", "0x00 .. 0x0F"][..]),
              prop::sample::select(&["x:BuN(32)", "(in:Bg)*", "n:Bbyte", "(x:BuN(32))^n", "in*:Blist(instr, Bg)", "b*:Bbyte*", "(n:Bbyte)?"][..]),
              instrs_exp(), typed_premises())
            .prop_map(|(op, sym, v, ps)| format!("grammar Bg : instr* =\n  | {op} {sym} => {v}{ps}\n  | 0x00 => eps\n")),
        1 => (valtypes_exp(), valtypes_exp(), typed_premises())
            .prop_map(|(a, b, ps)| format!("relation Sub_ok: context |- valtype* <: valtype*  mode(in, in, out)\nrule Sub_ok/gen:\n  C |- {a} <: {b}{ps}\n")),
    ]
    .boxed()
}

fn structured_decl() -> BoxedStrategy<String> {
    prop_oneof![
        2 => (prop::collection::vec(type_str(), 0..3), type_str(), prop::collection::vec(exp_str(), 1..3), exp_str(), premises_str())
            .prop_map(|(params, res, args, body, prems)| format!(
                "def $f({}) : {res}\ndef $f({}) = {body}{prems}\n", params.join(", "), args.join(", "))),
        1 => (prop::collection::vec(exp_str(), 1..2), exp_str(), premises_str())
            .prop_map(|(args, body, prems)| format!("def $size({}) = {body}{prems}\n", args.join(", "))),
        3 => (exp_str(), premises_str()).prop_map(|(e, prems)| format!("rule Instr_ok/gen:\n  {e}{prems}\n")),
        3 => (exp_str(), exp_str(), exp_str(), exp_str(), premises_str()).prop_map(|(i, a, b, c, prems)|
                format!("rule Instr_ok/gen:\n  {c} |- {i} : {a} -> {b}{prems}\n")),
        2 => (exp_str(), exp_str(), premises_str()).prop_map(|(a, b, prems)| format!("rule Step_pure/gen:\n  {a} ~> {b}{prems}\n")),
        2 => (type_str(), premises_str()).prop_map(|(t, prems)| format!("syntax s = {t}{prems}\n")),
        2 => (type_str(), exp_str()).prop_map(|(t, e)| format!("syntax instr/gen =\n  | GEN {t}  -- if {e}\n")),
        1 => (type_str(), type_str()).prop_map(|(p, t)| format!("syntax s({p})\nsyntax s({p}) = {t}\n")),
        1 => (exp_str(), exp_str(), premises_str()).prop_map(|(a, b, prems)| format!("syntax s = {a} .. {b}{prems}\n")),
        1 => (type_str(), type_str()).prop_map(|(a, b)| format!("syntax s = {{F {a}, G {b}}}\n")),
        1 => type_str().prop_map(|t| format!("var v : {t}\n")),
        2 => (type_str(), prop::sample::select(&["", " mode(in, out)", " mode(in, open)", " mode(out, out)", " mode(in, in, in)"][..]),
              exp_str(), premises_str())
            .prop_map(|(t, mode, e, prems)| format!("relation Rg: {t}{mode}\nrule Rg/a:\n  {e}{prems}\n")),
        3 => (type_str(), gsym_str(), prop::option::of(exp_str()), premises_str())
            .prop_map(|(t, g, e, prems)| {
                let value = e.map(|e| format!(" => {e}")).unwrap_or_default();
                format!("grammar Bg : {t} =\n  | {g}{value}{prems}\n")
            }),
    ]
    .boxed()
}

proptest! {
    #![proptest_config(config(1000))]

    #[test]
    fn structured_declarations_never_panic(
        decls in prop::collection::vec(prop_oneof![structured_decl(), typed_decl(), typed_decl()], 1..4)
    ) {
        run_case(&[
            (PRELUDE_NAME.to_string(), PRELUDE.to_string()),
            ("generated.wspec".to_string(), decls.concat()),
        ]).map_err(TestCaseError::fail)?;
    }
}

// ---------------------------------------------------------------------------------------------
// Property 5: mutations of the prelude, which has every kind of declaration (the spec may not)

proptest! {
    #![proptest_config(config(1000))]

    #[test]
    fn prelude_mutations_never_panic(mutations in prop::collection::vec(mutation(), 1..=5)) {
        let mut lines: Vec<String> = PRELUDE.lines().map(String::from).collect();
        for m in &mutations {
            apply(&mut lines, m);
        }
        check_one(lines.join("\n") + "\n")?;
    }
}

// ---------------------------------------------------------------------------------------------
// Property 6: truncated declarations (what an editor sees while one types), with a token inserted

/// Tokens to insert: symbols, and text literals and whitespace with multi-byte characters.
const INSERTS: &[&str] = &[
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    "`[",
    "`{",
    "|",
    ",",
    ":",
    "--",
    "->_(",
    "$f(",
    "\"",
    "\"\u{a0}\"",
    "\"a\u{3000}b\"",
    "\"😀\"",
    "\"é\"",
    "\u{a0}",
    "\u{2003}",
    "\u{3000}",
    "é",
    "😀",
    ";; comment\n",
    "\n",
    "\t",
    "\r\n",
];

proptest! {
    #![proptest_config(config(4000))]

    #[test]
    fn truncated_declarations_never_panic(
        decl in any::<Index>(),
        insert in prop::option::of((any::<Index>(), prop::sample::select(INSERTS))),
        cut in any::<Index>(),
        cut_after_insert in any::<bool>(),
    ) {
        let decls = spec_decls();
        let mut text = decl.get(decls).text.clone();
        let mut inserted_end = None;
        if let Some((at, tok)) = insert {
            let spaces: Vec<usize> =
                text.char_indices().filter(|(_, c)| c.is_whitespace()).map(|(i, _)| i).collect();
            if !spaces.is_empty() {
                let k = *at.get(&spaces);
                let tok = format!(" {tok}");
                text.insert_str(k, &tok);
                inserted_end = Some(k + tok.len());
            }
        }
        let end = match inserted_end {
            // Cut right after the inserted token, or at most a few characters later.
            Some(e) if cut_after_insert => {
                let later: Vec<usize> = text[e..].char_indices().map(|(i, _)| e + i).chain([text.len()]).take(4).collect();
                *cut.get(&later)
            }
            _ => {
                let boundaries: Vec<usize> = text.char_indices().map(|(i, _)| i).chain([text.len()]).collect();
                *cut.get(&boundaries)
            }
        };
        text.truncate(end);
        check_one(text)?;
    }
}

// ---------------------------------------------------------------------------------------------
// Deterministic: delete each line of the spec in turn

/// Deletes each line of the spec in turn. To keep this fast, a case elaborates the declaration
/// the line belongs to and the next one (which may depend on it, as clauses on a signature), after
/// the declarations of the rest of the spec they need; and once the spec has more than
/// `MAX_DELETIONS` lines of code, only every k-th of them is deleted, k as small as keeps to that.
#[test]
fn deleting_any_single_line_never_panics() {
    const MAX_DELETIONS: usize = 1500;
    let is_code = |l: &str| !l.trim().is_empty() && !l.trim_start().starts_with(";;");
    let code_lines: usize = spec().iter().map(|f| f.text.lines().filter(|l| is_code(l)).count()).sum();
    let stride = code_lines.div_ceil(MAX_DELETIONS).max(1);
    let mut seen = 0;
    let mut failures = Vec::new();
    let mut cases = 0;
    let start = Instant::now();
    let decls = spec_decls();
    for (n, d) in decls.iter().enumerate() {
        let f = &spec()[d.file];
        let lines: Vec<&str> = f.text.lines().collect();
        let end = match decls.get(n + 1) {
            Some(next) if next.file == d.file => next.lines.1,
            _ => d.lines.1,
        };
        let mut files = with_needed(d.file, (d.lines.0, end), lines[d.lines.0..end].join("\n"), NEEDED_BUDGET);
        for k in d.lines.0..d.lines.1 {
            if !is_code(lines[k]) {
                continue;
            }
            seen += 1;
            if seen % stride != 0 {
                continue;
            }
            let mut text = String::new();
            for (j, l) in lines.iter().enumerate().take(end).skip(d.lines.0) {
                if j != k {
                    text.push_str(l);
                    text.push('\n');
                }
            }
            let input = files.iter_mut().find(|f| !is_context(&f.0)).expect("the input file");
            input.1 = text;
            cases += 1;
            if let Err(e) = run_case(&files) {
                failures.push(format!("deleting line {} of {}:\n{e}", k + 1, f.name));
            }
        }
    }
    eprintln!("deleting_any_single_line: {cases} cases (one line in {stride}) in {:?}", start.elapsed());
    report_slowest("deleting_any_single_line");
    assert!(failures.is_empty(), "{} failure(s):\n\n{}", failures.len(), failures.join("\n\n"));
}

#[test]
fn the_whole_spec_never_panics() {
    let files: Vec<(String, String)> = spec().iter().map(|f| (f.name.clone(), f.text.clone())).collect();
    run_case(&files).unwrap();
}

/// The declarations chosen to go with a mutated part suffice: every file of the spec, after the
/// declarations of the other files it needs (without a budget), elaborates with no error that the
/// whole spec does not have (the spec may be in the middle of a change and have errors of its own).
#[test]
fn needed_declarations_suffice() {
    // The errors of each file: (file, message, start, end) of their primary spans.
    let errors = |files: &[(String, String)]| -> BTreeSet<(usize, String, u32, u32)> {
        let mut map = SourceMap::new();
        for (n, t) in files {
            map.add(n.clone(), t.clone());
        }
        elab::check(&map)
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .filter_map(|d| d.primary.as_ref().map(|(s, _)| (s.file, d.message.clone(), s.start, s.end)))
            .collect()
    };
    let whole = errors(&spec().iter().map(|f| (f.name.clone(), f.text.clone())).collect::<Vec<_>>());
    let mut problems = Vec::new();
    for (i, f) in spec().iter().enumerate() {
        let files = with_needed(i, (0, usize::MAX), f.text.clone(), usize::MAX);
        let (id, _) = input_of(&files);
        for (file, message, start, end) in errors(&files) {
            if file == id && !whole.contains(&(i, message.clone(), start, end)) {
                problems.push(format!("{}:{start}..{end}: {message}", f.name));
            }
        }
    }
    assert!(problems.is_empty(), "errors with only the needed declarations:\n{}", problems.join("\n"));
}
