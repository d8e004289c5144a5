//! Robustness: no input makes the parser or the elaborator panic or hang.
//!
//! Property tests over arbitrary strings, soups of DSL tokens and mutations of the real spec in
//! `spec/`, plus a deterministic sweep deleting each line of the spec in turn. Every case runs
//! under `catch_unwind` and a time bound; a watchdog thread aborts the process (after printing
//! the input) if a single case runs away, so a hang is reported instead of stalling the run.
//!
//! Environment knobs for bug hunting (the defaults are the committed budget):
//! - `WSPEC_FUZZ_SCALE=k` multiplies every property's case count by `k`;
//! - `WSPEC_FUZZ_ALLOW=file.rs:line,...` tolerates panics whose location (as reported below)
//!   contains one of the given strings, so that further, distinct bugs can be found while known
//!   ones are being fixed.

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
use wspec_dsl::{elab, parse, source::SourceMap};

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

/// The slowest case seen so far, in microseconds.
static SLOWEST_US: AtomicU64 = AtomicU64::new(0);
static SLOWEST_INPUT: Mutex<String> = Mutex::new(String::new());

/// Parses every file on its own, then elaborates the whole map. `Err` describes a panic or a case
/// over the time bound, with the input.
fn run_case(files: &[(String, String)]) -> Result<(), String> {
    setup();
    let described = describe(files);
    let me = thread::current().id();
    running().lock().unwrap_or_else(|e| e.into_inner()).insert(me, (Instant::now(), described.clone()));
    CAPTURING.with(|c| *c.borrow_mut() = true);
    LAST_PANIC.with(|p| *p.borrow_mut() = None);
    let start = Instant::now();
    let result = panic::catch_unwind(AssertUnwindSafe(|| {
        let mut map = SourceMap::new();
        for (i, (name, text)) in files.iter().enumerate() {
            let _ = parse::parse_file(i, text);
            map.add(name.clone(), text.clone());
        }
        let checked = elab::check(&map);
        // Touch the results so nothing is optimised away.
        std::hint::black_box(checked.diagnostics.len() + checked.spec.types.len());
    }));
    let elapsed = start.elapsed();
    CAPTURING.with(|c| *c.borrow_mut() = false);
    running().lock().unwrap_or_else(|e| e.into_inner()).remove(&me);

    let us = elapsed.as_micros() as u64;
    if SLOWEST_US.fetch_max(us, Ordering::Relaxed) < us {
        *SLOWEST_INPUT.lock().unwrap_or_else(|e| e.into_inner()) = described.clone();
    }
    if let Err(_) = result {
        let info = LAST_PANIC.with(|p| p.borrow_mut().take()).unwrap_or(PanicInfo {
            message: "<unknown>".into(),
            location: "<unknown>".into(),
        });
        if allowed().iter().any(|a| info.location.contains(a.as_str())) {
            return Ok(());
        }
        return Err(format!(
            "PANIC at {}: {}\ninput:\n{described}\ninput (as Rust string): {:?}",
            info.location,
            info.message,
            files.last().map(|f| f.1.as_str()).unwrap_or("")
        ));
    }
    if elapsed > CASE_BOUND {
        return Err(format!("SLOW: a case took {elapsed:?} (bound {CASE_BOUND:?})\ninput:\n{described}"));
    }
    Ok(())
}

/// The input of a case for a report: the last file in full (the mutated or generated one), the
/// others by name.
fn describe(files: &[(String, String)]) -> String {
    let mut s = String::new();
    for (i, (name, text)) in files.iter().enumerate() {
        if i + 1 == files.len() {
            s.push_str(&format!("--- {name} ---\n{text}\n--- end ---"));
        } else {
            s.push_str(&format!("[unmodified {name}]\n"));
        }
    }
    s
}

fn check_one(text: String) -> Result<(), TestCaseError> {
    run_case(&[("input.wspec".to_string(), text)]).map_err(TestCaseError::fail)
}

fn report_slowest(what: &str) {
    eprintln!(
        "robustness/{what}: slowest case so far {:?}",
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
        let set: BTreeSet<String> =
            spec().iter().flat_map(|f| f.text.split_whitespace().map(String::from)).collect();
        set.into_iter().collect()
    })
}

/// The unmodified files before file `i`, then `text` in place of file `i`.
fn with_prefix(i: usize, text: String) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> =
        spec()[..i].iter().map(|f| (f.name.clone(), f.text.clone())).collect();
    files.push((spec()[i].name.clone(), text));
    files
}

// ---------------------------------------------------------------------------------------------
// Alphabets and tokens

const KEYWORDS: &[&str] = &[
    "syntax", "relation", "rule", "def", "var", "grammar", "hint", "mode", "if", "otherwise", "eps", "true",
    "false",
];
const DECL_KEYWORDS: &[&str] = &["syntax", "relation", "rule", "def", "var", "grammar"];

const SYMBOLS: &[&str] = &[
    "|-", "~>", "~>*", "->", "->_", "<:", "~~", ":", ";", "=>", "..", "=", "=/=", "<", ">", "<=", ">=", "<-",
    "++", "+", "-", "*", "/", "\\", "^", "/\\", "\\/", "~", "|", "(", ")", "{", "}", "[", "]", "`{", "`[",
    ",", ".", "--", "?", "=++", ";;", "$", "\"", "'", "_", "->_(",
];

const ATOMS: &[&str] = &[
    "I32", "I64", "F32", "CONST", "LOCAL.GET", "_IDX", "LABEL_", "REF", "NULL", "BLOCK", "FUNC", "REC", "SUB",
    "ALIGN", "OFFSET", "OK", "BOT", "X", "N",
];

const VARIABLES: &[&str] = &[
    "t", "t_1", "t_2", "t'", "t'_2", "nt", "C", "x", "n", "i", "w", "c", "c_1", "instr", "valtype", "numtype",
    "nat", "int", "bool", "text", "rat", "Inn", "uN", "iN", "in", "out", "open", "desc", "show", "builtin",
    "abstract", "Foo_ok", "R", "Bbyte", "BuN", "BX", "X", "mut", "null", "m", "e",
];

const CALLS: &[&str] = &["$f", "$size", "$min", "$f(", "$size(", "$concat_", "$g()", "$min(1, 2)", "$"];

const NUMBERS: &[&str] = &[
    "0", "1", "7", "8", "32", "64", "0x00", "0x0B", "0xFF", "0x10FFFF", "0x", "00", "2^N",
    "99999999999999999999999999999999", "0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF", "18446744073709551616",
    "4294967296",
];

const TEXTS: &[&str] = &["\"\"", "\"a\"", "\"%\"", "\"|%|\"", "\"\\\"\"", "\"\\\\\"", "\"é\"", "\"", "\"\\"];

/// Attached postfix forms and other glued tokens.
const GLUED: &[&str] = &[
    "t*", "x?", "w+", "t^n", "e^(i<n)", "t**", "w*?", "x^", "c_1*", "(w*)*", "e.FIELD", "e[0]", "e[i : n]",
    "|e|", "e[.F = v]", "e[.F[i] = v]", "e[.F =++ v]", "{ALIGN 0, OFFSET 0}", "{}", "()", "(,)", "n:Bbyte",
    "x:BX", "0x00 .. 0xFF", "hint(desc \"x\")", "mode(in, out)", "mode(in, in, open)", "-- if", "-- otherwise",
    "Foo_ok/case", "Foo_ok/", "instr/control", "syntax X", "grammar BX : X", "`[u64 .. u64?]",
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
    (
        prop::option::of(prop::sample::select(DECL_KEYWORDS)),
        prop::collection::vec((dsl_token(), separator()), 1..60),
    )
        .prop_map(|(first, toks)| {
            let mut s = first.map(|k| format!("{k} ")).unwrap_or_default();
            for (t, sep) in toks {
                s.push_str(&t);
                s.push_str(&sep);
            }
            s
        })
}

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
grammar Blist(grammar BX : X) : X* = n:BuN(32) (x:BX)^n => x^n
"#;

// ---------------------------------------------------------------------------------------------
// Property 1: arbitrary strings

const PUNCT_ALPHABET: &[char] = &[
    ' ', ' ', ' ', '\n', '\n', '\t', '\r', '(', ')', '{', '}', '[', ']', '`', '|', '-', '~', '>', '<', '=', ':',
    ';', '.', ',', '*', '?', '+', '^', '/', '\\', '$', '"', '\'', '_', 'a', 'x', 't', 'I', 'C', 'N', '0', '1',
    '9', 'e', 'é', '\u{0}',
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
    #![proptest_config(config(3000))]

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
                ("prelude.wspec".to_string(), PRELUDE.to_string()),
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
    map.add("prelude.wspec", PRELUDE);
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

fn window_text(case: &WindowCase) -> String {
    let lines: Vec<&str> = spec()[case.file].text.lines().collect();
    let len = case.len.min(lines.len());
    let start = case.start.index(lines.len() - len + 1);
    let mut window: Vec<String> = lines[start..start + len].iter().map(|l| l.to_string()).collect();
    for m in &case.mutations {
        apply(&mut window, m);
    }
    let mut text = window.join("\n");
    text.push('\n');
    text
}

proptest! {
    #![proptest_config(config(5000))]

    /// Elaborating the whole spec per case is too slow (about 6 ms, mostly parsing), so each case
    /// elaborates a mutated window of one file after the unmodified files before it (the
    /// declarations the window needs).
    #[test]
    fn spec_mutations_never_panic(case in window_case()) {
        let text = window_text(&case);
        run_case(&with_prefix(case.file, text)).map_err(TestCaseError::fail)?;
    }
}

// ---------------------------------------------------------------------------------------------
// Deterministic: delete each line of the spec in turn

#[test]
fn deleting_any_single_line_never_panics() {
    let mut failures = Vec::new();
    for (i, f) in spec().iter().enumerate() {
        let lines: Vec<&str> = f.text.lines().collect();
        for k in 0..lines.len() {
            if lines[k].trim().is_empty() {
                continue;
            }
            let mut text = String::new();
            for (j, l) in lines.iter().enumerate() {
                if j != k {
                    text.push_str(l);
                    text.push('\n');
                }
            }
            if let Err(e) = run_case(&with_prefix(i, text)) {
                failures.push(format!("deleting line {} of {}:\n{e}", k + 1, f.name));
            }
        }
    }
    report_slowest("deleting_any_single_line");
    assert!(failures.is_empty(), "{} failure(s):\n\n{}", failures.len(), failures.join("\n\n"));
}

#[test]
fn the_spec_itself_elaborates_cleanly() {
    let files: Vec<(String, String)> = spec().iter().map(|f| (f.name.clone(), f.text.clone())).collect();
    run_case(&files).unwrap();
    let mut map = SourceMap::new();
    for (n, t) in &files {
        map.add(n.clone(), t.clone());
    }
    assert!(!elab::check(&map).has_errors());
}

#[test]
fn deep_nesting_does_not_overflow() {
    // Run on a thread with the stack of a main thread (8 MiB), as `wspec check` would.
    let h = thread::Builder::new()
        .stack_size(8 << 20)
        .spawn(|| {
            for depth in [100usize, 1000] {
                for (open, close) in [("(", ")"), ("{", "}"), ("`[", "]"), ("$f(", ")"), ("[", "]")] {
                    let body = format!("{}x{}", open.repeat(depth), close.repeat(depth));
                    for prefix in ["def $f(x) = ", "syntax x = ", "rule R/c: "] {
                        run_case(&[("input.wspec".to_string(), format!("{prefix}{body}\n"))]).unwrap();
                    }
                }
            }
        })
        .unwrap();
    h.join().unwrap();
}
