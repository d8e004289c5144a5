//! `wspec run --json` as an oracle's answer, and `wspec fuzz-diff`, run as a user runs them.

use std::path::PathBuf;
use std::process::Command;

fn wspec() -> Command {
    Command::new(env!("CARGO_BIN_EXE_wspec"))
}

/// A folder of a test's own, removed when the test is done with it, even when it fails.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn scratch(name: &str) -> Scratch {
    let dir = std::env::temp_dir().join(format!("wspec-run-cli-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    Scratch(dir)
}

const MODULE: &str = r#"(module
  (memory (export "mem") 1)
  (global (export "g") (mut f32) (f32.const 0))
  (table (export "tab") 2 funcref)
  (elem (i32.const 1) func $f)
  (func $f (export "f") (param f32 f32) (result f32)
    (i32.store (i32.const 8) (i32.const 0x01020304))
    (global.set 0 (f32.div (local.get 0) (local.get 1)))
    (f32.div (local.get 0) (local.get 1)))
  (func (export "d") (param i32) (result i32) (i32.div_u (i32.const 1) (local.get 0)))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))"#;

fn run_json(args: &[&str]) -> (bool, String) {
    // One file per run: the tests run in parallel.
    static RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let k = RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = scratch(&format!("json-{k}"));
    let file = dir.0.join("m.wat");
    std::fs::write(&file, MODULE).unwrap();
    let out = wspec().arg("run").arg(&file).args(args).arg("--json").output().unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn json_results_exports_and_nan_sets() {
    let (ok, doc) = run_json(&["--invoke", "f", "1", "2"]);
    assert!(ok, "{doc}");
    assert!(doc.contains(r#""results": [{"type": "f32", "value": "0.5", "bits": "0x3f000000"}]"#), "{doc}");
    assert!(doc.contains(r#"{"name": "mem", "kind": "memory", "size": 65536, "nonzero": [[8, "04030201"]]}"#), "{doc}");
    assert!(doc.contains(r#"{"name": "tab", "kind": "table", "elements": ["null", "func"]}"#), "{doc}");
    assert!(doc.contains(r#""nan_choices": 0"#), "{doc}");

    // 0/0: any arithmetic NaN is right, in the result and in the global.
    let (ok, doc) = run_json(&["--invoke", "f", "0", "0"]);
    assert!(ok, "{doc}");
    assert!(doc.contains(r#""results": [{"type": "f32", "nan": "arithmetic"}]"#), "{doc}");
    assert!(doc.contains(r#"{"name": "g", "kind": "global", "value": {"type": "f32", "nan": "arithmetic"}}"#), "{doc}");
}

#[test]
fn json_traps_carry_their_kind() {
    let (ok, doc) = run_json(&["--invoke", "d", "0"]);
    assert!(!ok);
    assert!(doc.contains(r#""error": {"kind": "trap", "message": "integer divide by zero", "trap": "integer divide by zero"}"#), "{doc}");
}

#[test]
fn max_memory_bounds_growth() {
    // 4 more pages fit under 8 pages' worth of bytes, 8 more do not: memory.grow gives -1.
    let (_, doc) = run_json(&["--invoke", "grow", "4", "--max-memory", "512Ki"]);
    assert!(doc.contains(r#""results": [{"type": "i32", "value": "1""#), "{doc}");
    let (_, doc) = run_json(&["--invoke", "grow", "8", "--max-memory", "512Ki"]);
    assert!(doc.contains(r#""results": [{"type": "i32", "value": "-1""#), "{doc}");
    let (ok, _) = run_json(&["--invoke", "grow", "8", "--max-memory", "lots"]);
    assert!(!ok);
}

#[test]
fn fuzz_diff_compares_modules_and_says_so() {
    let out_dir = scratch("fuzz");
    let out = wspec()
        .args(["fuzz-diff", "--engine", "wasmi", "--seed", "42", "--iterations", "25", "--out"])
        .arg(&out_dir.0)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("25 modules compared, 0 diverged"), "{stdout}");
    assert!(stdout.contains("seeds from 0x2a"), "{stdout}");
    let bad = wspec().args(["fuzz-diff", "--engine", "v8"]).output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
}
