//! Regressions found by the robustness tests (`robustness.rs`): inputs that crash or hang the
//! parser or the elaborator. Each test fails while its bug is there and passes once it is fixed.
//!
//! A stack overflow aborts the whole process and a hang never returns, so every input is checked
//! in a child process (this test binary, re-run on the one test) with a time limit: the parent
//! reports a crash or a timeout as an ordinary test failure. The child elaborates on a thread
//! with an 8 MiB stack, the stack of a main thread (`wspec check` runs there).

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use wspec_dsl::{elab, source::SourceMap};

const CHILD_ENV: &str = "WSPEC_REGRESSION_CHILD";

/// Parses and elaborates `text` as a one-file spec, in a child process; fails if that panics,
/// crashes or takes longer than `limit`.
fn must_survive(test: &str, limit: Duration, text: String) {
    if std::env::var(CHILD_ENV).as_deref() == Ok(test) {
        let worker = std::thread::Builder::new()
            .stack_size(8 << 20)
            .spawn(move || {
                let mut map = SourceMap::new();
                map.add("input.wspec", text);
                let checked = elab::check(&map);
                checked.diagnostics.len()
            })
            .expect("spawn");
        let n = worker.join().expect("elaboration panicked");
        println!("elaborated: {n} diagnostic(s)");
        return;
    }
    let exe = std::env::current_exe().expect("test binary");
    let mut child = Command::new(exe)
        .args([test, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, test)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run the test binary");
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break Some(status);
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let mut out = String::new();
    if let Some(mut s) = child.stdout.take() {
        let _ = s.read_to_string(&mut out);
    }
    if let Some(mut s) = child.stderr.take() {
        let _ = s.read_to_string(&mut out);
    }
    match status {
        None => panic!("HANG: parsing and elaborating the input took more than {limit:?} (killed)\n{out}"),
        Some(s) if !s.success() => panic!("CRASH: parsing and elaborating the input failed ({s})\n{out}"),
        Some(_) => {}
    }
}

const LIMIT: Duration = Duration::from_secs(5);

/// Crash: the AST builder of `parse.rs` recurses through several large frames per nesting level
/// (`paren` -> `mix_exp` -> `exp` -> `binary_chain` -> `exp` -> ... -> `primary` -> `paren`,
/// parse.rs:921/749/763/826/970 at the time of writing), so about 420 nested parentheses overflow
/// an 8 MiB stack (about 100 a 2 MiB one): "thread has overflowed its stack", SIGABRT. pest
/// itself stops at its own limit ("stack limit reached") only beyond about 3,500 levels.
///
/// Fixed: brackets nest at most `parse::MAX_NESTING` (128) levels, checked in one pass before
/// pest runs (`parse::check_brackets`): this gets the error "brackets nested too deeply". The
/// builder also steps down single-operand precedence levels without recursing.
#[test]
fn nested_parentheses_do_not_overflow_the_stack() {
    let d = 1000;
    must_survive(
        "nested_parentheses_do_not_overflow_the_stack",
        LIMIT,
        format!("def $f(x) = {}x{}\n", "(".repeat(d), ")".repeat(d)),
    );
}

/// The same with nested calls, `$f($f(...))` (`call_args` -> `mix_exp` -> ..., parse.rs:916).
///
/// Fixed: as above.
#[test]
fn nested_calls_do_not_overflow_the_stack() {
    let d = 1000;
    must_survive(
        "nested_calls_do_not_overflow_the_stack",
        LIMIT,
        format!("def $f(x) = {}x{}\n", "$f(".repeat(d), ")".repeat(d)),
    );
}

/// Hang (valid input): nested indexing `x[x[x[...]]]` parses in time exponential in the depth,
/// about 2x per level (12 levels 15 ms, 16: 0.3 s, 20: 7.6 s, 24: 70 s in release), all of it in
/// pest (`DslParser::parse` in `parse_decl`, parse.rs:103). In grammar.pest, `index = "[" ~
/// (update | slice | arith) ~ "]"` (line 113) tries `slice` (`arith ~ ":" ~ arith`) first: it
/// parses the whole inner `arith`, fails on the missing `:`, and `arith` parses it again; the same
/// holds for `path_elem` (line 118, `x[.F[x[.F[...]] = v]`). Also in `|x[...]|`, premises, ranges
/// and grammar values.
///
/// Fixed: `index` and `path_elem` parse their first operand once, `subscript = { arith ~ (":" ~
/// arith)? }`.
#[test]
fn nested_indexing_parses_in_linear_time() {
    let d = 26;
    must_survive(
        "nested_indexing_parses_in_linear_time",
        LIMIT,
        format!("def $f(x) = {}0{}\n", "x[".repeat(d), "]".repeat(d)),
    );
}

/// Hang (syntax error): unclosed nested calls `$f($f($f(...x` take about 3x longer per level (9
/// levels 0.16 s, 12: 3.5 s in release), in pest. `call = def_name ~ call_args?`
/// (grammar.pest:125): when the arguments fail (no `)`), the call is retried without arguments
/// and the `(` re-parsed as a parenthesised expression, and again as the next item of the
/// enclosing sequence; every level multiplies.
///
/// Fixed: unbalanced brackets are reported ("unclosed `(`") by `parse::check_brackets` before
/// pest runs. With balanced brackets and an error inside, `$f(` now always starts arguments
/// (`call = ${ def_name ~ (call_args | !"(") }`) and `seq` fails at an opening bracket it could
/// not parse instead of leaving it to `mix_exp` to parse again.
#[test]
fn unclosed_nested_calls_fail_fast() {
    let d = 16;
    must_survive("unclosed_nested_calls_fail_fast", LIMIT, format!("def $f(x) = {}x\n", "$f(".repeat(d)));
}

/// Hang (syntax error): an unclosed `(` after an item of an expression sequence, nested:
/// `y(y(y(...x` or `(y (y (y ...x`, about 2x per level (12 levels 30 ms, 24: about 2 minutes).
/// After the inner parenthesis fails, `seq` (`postfix+`, grammar.pest:109) stops before it and
/// `mix_exp` (`mix_item+`, line 82) starts a new item at the same `(`, parsing it all again.
///
/// Fixed: `parse::check_brackets`; with balanced brackets, `seq` fails at an opening bracket it
/// could not parse (and `arith` at an operator whose operand failed), so nothing parses it again.
#[test]
fn unclosed_nested_parentheses_in_expressions_fail_fast() {
    let d = 26;
    must_survive(
        "unclosed_nested_parentheses_in_expressions_fail_fast",
        LIMIT,
        format!("rule R/c: {}x\n", "y(".repeat(d)),
    );
}

/// Hang (syntax error): the same in types, `typ_app = dotted_ident ~ typ_args?`
/// (grammar.pest:67): an unclosed nested application `y(y(y(...x` in a `var`, `syntax`,
/// `relation` or signature, 2x per level.
///
/// Fixed: `parse::check_brackets`; a name directly followed by `(` always takes arguments
/// (`typ_app = ${ dotted_ident ~ (typ_args | !"(") }`).
#[test]
fn unclosed_nested_type_applications_fail_fast() {
    let d = 26;
    must_survive("unclosed_nested_type_applications_fail_fast", LIMIT, format!("var v : {}x\n", "y(".repeat(d)));
}

/// Hang (syntax error): the same in grammars, `gnonterm = ident ~ gnonterm_args?`
/// (grammar.pest:193): unclosed nested nonterminal arguments `G(G(G(...x`, 2x per level.
///
/// Fixed: `parse::check_brackets`; `gnonterm = ${ ident ~ (gnonterm_args | !"(") }`.
#[test]
fn unclosed_nested_nonterminal_arguments_fail_fast() {
    let d = 26;
    must_survive(
        "unclosed_nested_nonterminal_arguments_fail_fast",
        LIMIT,
        format!("grammar G : nat = {}x\n", "G(".repeat(d)),
    );
}

/// Hang (syntax error): the same with the subscripted arrow, `atom_sub = "->_" ~ "(" ~ mix_exp
/// ~ ")"` (grammar.pest:42; and `atom_sub_typ`, line 73), which falls back to the plain symbol
/// `->_` and a parenthesis: unclosed `->_(->_(->_(...x`, 2x per level.
///
/// Fixed: `parse::check_brackets`; `sym_atom` does not match `->_` directly followed by `(`.
#[test]
fn unclosed_nested_subscripted_arrows_fail_fast() {
    let d = 26;
    must_survive("unclosed_nested_subscripted_arrows_fail_fast", LIMIT, format!("syntax x = {}x\n", "->_(".repeat(d)));
}

/// Panic: a syntax error at the end of a declaration whose last token is a text literal holding
/// a multi-byte whitespace character (U+00A0, U+3000, ...). `pest_error` (parse.rs) finds the
/// start of the last token with `rfind(char::is_whitespace) + 1` (parse.rs:178), which lands
/// inside the character, and then slices there: "end byte index 9 is not a char boundary; it is
/// inside '\u{a0}' (bytes 8..10)" at parse.rs:194:22 (`text[..start]`).
///
/// Fixed: `pest_error` steps over the whole whitespace character.
#[test]
fn syntax_error_after_text_with_unicode_whitespace_does_not_panic() {
    must_survive(
        "syntax_error_after_text_with_unicode_whitespace_does_not_panic",
        LIMIT,
        "def $f(\"\u{a0}\"".to_string(),
    );
}

/// Crash: a long flat chain of binary operators, `1 + 1 + ... + 1`, parses into a left-nested
/// tree that the elaborator walks recursively, several frames per operator (`check` ->
/// `check_arith` -> `arith_at` -> `check`, and `arith_base` on itself; elab/exp.rs:302/349/358/393
/// at the time of writing): about 3,900 operands overflow an 8 MiB stack (about 1,000 a 2 MiB
/// one). The same with `++`, `/\`, `\/`, `*`. The source has no nesting at all.
///
/// Fixed: `elab::check` parses and elaborates on a thread of its own with a stack of
/// `elab::CHECK_STACK_SIZE` (256 MiB), and a declaration may have at most `parse::MAX_OPERATORS`
/// (20,000) operators, which bounds the depth of such chains. (Arithmetic operands no longer
/// recompute their numeric domain at every link, which was quadratic.)
#[test]
fn long_operator_chains_do_not_overflow_the_stack() {
    let n = 6000;
    must_survive(
        "long_operator_chains_do_not_overflow_the_stack",
        LIMIT,
        format!("def $f(nat) : nat\ndef $f(x) = {}\n", vec!["1"; n].join(" + ")),
    );
}

/// Crash: a long chain of field accesses, `x.A.A.A...`, is elaborated recursively by `infer`
/// (elab/exp.rs:1096) and `exp_atom` (elab/exp.rs:69): about 4,400 accesses overflow an 8 MiB
/// stack (1,100 a 2 MiB one).
///
/// Fixed: as above; `infer` and `exp_atom` also walk a field chain in a loop.
#[test]
fn long_field_chains_do_not_overflow_the_stack() {
    let n = 6000;
    must_survive(
        "long_field_chains_do_not_overflow_the_stack",
        LIMIT,
        format!("syntax r = {{A r?}}\ndef $f(r) : r\ndef $f(x) = x{}\n", ".A".repeat(n)),
    );
}

/// Crash: a long comparison chain `1 < 1 < ... < 1` (a conjunction) survives elaboration but not
/// the binding analysis, `fill_exp_in` (elab/bind.rs:220), which recurses per comparison: about
/// 12,000 operands overflow an 8 MiB stack (3,000 a 2 MiB one).
///
/// Fixed: as above; `fill_exp_in` also appends to one vector instead of copying each subtree's
/// occurrences into its parent's (quadratic).
#[test]
fn long_comparison_chains_do_not_overflow_the_stack() {
    let n = 16000;
    must_survive(
        "long_comparison_chains_do_not_overflow_the_stack",
        LIMIT,
        format!("def $f(nat) : bool\ndef $f(x) = {}\n", vec!["1"; n].join(" < ")),
    );
}

/// Slow (quadratic): every clause of a definition clones the definition with all the clauses
/// elaborated so far (`self.spec.defs[id].clone()`, elab/decl.rs:949), so n clauses take O(n^2):
/// 5,000 clauses 2.8 s, 20,000 clauses 40 s in release.
///
/// Fixed: a clause copies only the signature of its definition.
#[test]
fn many_clauses_elaborate_in_linear_time() {
    let n = 20000;
    let mut text = String::from("def $f(nat) : nat\n");
    for i in 0..n {
        text.push_str(&format!("def $f({i}) = 1\n"));
    }
    must_survive("many_clauses_elaborate_in_linear_time", Duration::from_secs(10), text);
}

/// Slow (quadratic): every case of a variant is compared with all the cases before it to find a
/// duplicate constructor (`out.iter().find(..)`, `Mixop::atoms()` allocating; elab/decl.rs:453):
/// 5,000 cases 1 s, 20,000 cases 16 s in release.
///
/// Fixed: a map from each constructor (atoms and arity) to its first case.
#[test]
fn many_cases_elaborate_in_linear_time() {
    let n = 20000;
    let cases: Vec<String> = (0..n).map(|i| format!("A{i}")).collect();
    must_survive(
        "many_cases_elaborate_in_linear_time",
        Duration::from_secs(10),
        format!("syntax a = {}\n", cases.join(" | ")),
    );
}
