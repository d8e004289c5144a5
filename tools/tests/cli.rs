//! The `wspec` command line, run as a user runs it.

use std::path::{Path, PathBuf};
use std::process::Command;

fn wspec() -> Command {
    Command::new(env!("CARGO_BIN_EXE_wspec"))
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

#[test]
fn check_succeeds_on_the_spec_and_prints_a_summary() {
    let out = wspec().arg("check").current_dir(repo()).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    for word in ["syntax types", "constructors", "relations", "rules", "definitions", "grammar productions"] {
        assert!(stdout.contains(word), "summary lacks `{word}`:\n{stdout}");
    }
    assert!(stdout.contains("no errors"), "{stdout}");
}

#[test]
fn check_reports_positioned_errors_and_exits_1() {
    let dir = std::env::temp_dir().join(format!("wspec-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("broken.wspec"),
        "syntax numtype = I32 | I64\n\
         syntax instr = CONST numtype nat | NOP\n\
         var nt : numtype\n\
         relation Step: instr ~> instr  mode(in, out)\n\
         rule Step/unknown: CONSTT nt 0 ~> NOP\n\
         rule Step/arity: CONST nt 0 1 ~> NOP\n\
         rule Step/unbound: NOP ~> CONST nt' 0\n",
    )
    .unwrap();
    let out = wspec().arg("check").arg(&dir).arg("--color=never").output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "stderr: {stderr}");
    assert!(stderr.contains("broken.wspec:5:"), "unknown constructor not positioned:\n{stderr}");
    assert!(stderr.contains("no constructor `CONSTT`"), "{stderr}");
    assert!(stderr.contains("broken.wspec:6:"), "arity error not positioned:\n{stderr}");
    assert!(stderr.contains("expects 2 arguments, but 3 were given"), "{stderr}");
    assert!(stderr.contains("broken.wspec:7:"), "unbound metavariable not positioned:\n{stderr}");
    assert!(stderr.contains("metavariable `nt'` is never bound"), "{stderr}");
    assert!(stderr.contains("has 3 errors"), "{stderr}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn check_on_a_missing_directory_is_a_clear_error() {
    let out = wspec().args(["check", "/nonexistent/wspec-spec"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read spec directory"));
}

#[test]
fn unknown_commands_are_usage_errors() {
    let out = wspec().arg("frobnicate").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown command"));
}

#[test]
fn validate_says_valid_or_why_not() {
    let dir = std::env::temp_dir().join(format!("wspec-validate-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = dir.join("good.wat");
    std::fs::write(&good, "(module (func (export \"f\") (param i32) (result i32) (i32.add (local.get 0) (i32.const 1))))").unwrap();
    let out = wspec().arg("validate").arg(&good).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && stdout.starts_with("valid"), "{stdout}");
    // Each as the official suite words it: the message starts with the suite's expected text.
    // Then the rule whose premise failed.
    for (text, message, rule) in [
        ("(module (func (result i32) (i64.const 1)))", "invalid: type mismatch", "Instrs_ok"),
        ("(module (func (local.get 3) (drop)))", "invalid: unknown local", "Instr_ok/local.get"),
        ("(module (func (i32.load align=8 (i32.const 0)) (drop)) (memory 1))", "invalid: alignment must not be larger than natural", "Memarg_ok"),
        ("(module (func) (export \"a\" (func 0)) (export \"a\" (func 0)))", "invalid: duplicate export name", "Module_ok"),
        ("(module (func (i64.const 1) (i32.eqz) (drop)))", "invalid: type mismatch: instruction requires [i32]", "Instr_ok/testop"),
    ] {
        let bad = dir.join("bad.wat");
        std::fs::write(&bad, text).unwrap();
        let out = wspec().arg("validate").arg(&bad).output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(1), "{text}: {stdout}");
        assert!(stdout.starts_with(message), "{text}: {stdout}");
        assert_eq!(stdout.lines().nth(1), Some(format!("  rule: {rule}").as_str()), "{text}: {stdout}");
        // `--quiet` leaves the rule out.
        let out = wspec().args(["validate", "--quiet"]).arg(&bad).output().unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 1);
    }
    // Where: the instruction, and the function by its index among the module's functions.
    let bad = dir.join("where.wat");
    std::fs::write(&bad, "(module (func) (func (nop) (local.get 3) (drop)))").unwrap();
    let out = wspec().arg("validate").arg(&bad).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.lines().next().unwrap_or_default().ends_with("at instruction 1 in function 1"), "{stdout}");
    std::fs::write(dir.join("junk.wasm"), b"\0asm\x01\0\0\0\x0b").unwrap();
    let out = wspec().arg("validate").arg(dir.join("junk.wasm")).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("malformed: "));
    assert_eq!(wspec().arg("validate").output().unwrap().status.code(), Some(2));
    std::fs::remove_dir_all(&dir).ok();
}
