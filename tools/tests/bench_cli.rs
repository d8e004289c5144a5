//! `wspec bench exec` on workloads the test writes (a user's clone has no `../shared/bench`):
//! a fib that loops instead of recursing, so that the run takes milliseconds, with the answer the
//! benchmark expects at the small size.

use std::path::PathBuf;
use std::process::{Command, Output};

fn wspec() -> Command {
    Command::new(env!("CARGO_BIN_EXE_wspec"))
}

/// A fresh directory holding `fib.wat` with this body.
fn workload_dir(tag: &str, fib: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wspec-bench-cli-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("fib.wat"), fib).unwrap();
    dir
}

/// fib(n) by iteration: the same export and type as `shared/bench/fib.wat`.
const FIB_LOOP: &str = r#"
(module
  (func (export "fib") (param $n i64) (result i64)
    (local $a i64) (local $b i64) (local $t i64)
    (local.set $b (i64.const 1))
    (block $done
      (loop $next
        (br_if $done (i64.eqz (local.get $n)))
        (local.set $t (i64.add (local.get $a) (local.get $b)))
        (local.set $a (local.get $b))
        (local.set $b (local.get $t))
        (local.set $n (i64.sub (local.get $n) (i64.const 1)))
        (br $next)))
    (local.get $a)))
"#;

fn text(out: &Output) -> (String, String) {
    (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// The table row of a workload, split into its cells.
fn row<'a>(stdout: &'a str, name: &str) -> Vec<&'a str> {
    let line = stdout.lines().find(|l| l.split_whitespace().next() == Some(name)).unwrap_or_else(|| panic!("no row for {name}:\n{stdout}"));
    line.split_whitespace().collect()
}

#[test]
fn small_fib_is_timed_on_both_engines_and_checked() {
    let dir = workload_dir("ok", FIB_LOOP);
    let out = wspec().args(["bench", "exec", "--size", "small", "--only", "fib"]).arg(&dir).output().unwrap();
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "stdout:\n{stdout}\nstderr:\n{stderr}");
    for column in ["workload", "argument", "wspec", "wasmi", "ratio", "steps", "ns/step"] {
        assert!(stdout.contains(column), "no `{column}` column:\n{stdout}");
    }
    // workload, argument, wspec time, wasmi time, ratio, steps, ns/step, wspec answer, wasmi answer
    let cells = row(&stdout, "fib");
    assert_eq!(cells.len(), 9, "{cells:?}");
    assert_eq!(cells[1], "24");
    assert!(cells[4].ends_with('x'), "no ratio: {cells:?}");
    assert!(cells[5].parse::<u64>().unwrap() > 0, "no steps: {cells:?}");
    assert_eq!(&cells[7..], ["ok", "ok"], "{stdout}");
    // Only the workload asked for.
    assert!(!stdout.lines().any(|l| l.starts_with("sieve")), "{stdout}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_wrong_answer_fails_and_missing_workloads_are_skipped() {
    // Off by one: fib(25) where fib(24) is asked for.
    let wrong = FIB_LOOP.replace("(local.set $b (i64.const 1))", "(local.set $b (i64.const 1)) (local.set $n (i64.add (local.get $n) (i64.const 1)))");
    let dir = workload_dir("wrong", &wrong);
    let out = wspec().args(["bench", "exec", "--size=small"]).arg(&dir).output().unwrap();
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert_eq!(&row(&stdout, "fib")[7..], ["WRONG", "WRONG"], "{stdout}");
    assert!(stdout.contains("returned 75025, expected 46368"), "{stdout}");
    for name in ["loop", "sieve", "matmul", "gc_tree"] {
        assert!(row(&stdout, name).contains(&"skipped:"), "{name} not skipped:\n{stdout}");
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn fuel_stops_wspec_without_failing_and_bad_options_are_usage_errors() {
    let dir = workload_dir("fuel", FIB_LOOP);
    let out = wspec().args(["bench", "exec", "--size", "small", "--no-wasmi", "--fuel", "50"]).arg(&dir).output().unwrap();
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "stdout:\n{stdout}\nstderr:\n{stderr}");
    let cells = row(&stdout, "fib");
    assert_eq!(cells[5], "50", "{cells:?}");
    assert_eq!(&cells[7..], ["no-fuel", "-"], "{stdout}");

    let out = wspec().args(["bench", "exec", "--only", "quicksort"]).arg(&dir).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).1.contains("the workloads are fib, loop, sieve, matmul, gc_tree"));
    let missing = dir.join("nowhere");
    let out = wspec().args(["bench", "exec"]).arg(&missing).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).1.contains("does not exist"));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn validation_speed_is_measured_on_given_modules() {
    let dir = std::env::temp_dir().join(format!("wspec-bench-validate-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = dir.join("good.wat");
    std::fs::write(&good, "(module (func (param i32) (result i32) (i32.add (local.get 0) (i32.const 1))))").unwrap();
    let bad = dir.join("bad.wat");
    std::fs::write(&bad, "(module (func (result i32) (i64.const 1)))").unwrap();
    let out = wspec().args(["bench", "validate"]).arg(&good).arg(&bad).output().unwrap();
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(stdout.contains("instrs/s") && stdout.contains("good.wat"), "{stdout}");
    // Only valid modules are timed.
    assert!(!stdout.contains("bad.wat") && stdout.contains("all 1 valid modules"), "{stdout}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn compare_times_two_binaries_and_requires_them_to_agree() {
    let dir = workload_dir("compare", FIB_LOOP);
    let me = env!("CARGO_BIN_EXE_wspec");
    let out = wspec().args(["bench", "exec", "--size", "small", "--only", "fib", "--runs", "2", "--compare", me]).arg(&dir).output().unwrap();
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "stdout:\n{stdout}\nstderr:\n{stderr}");
    // workload, argument, this, other, this/other
    let cells = row(&stdout, "fib");
    assert_eq!(cells.len(), 5, "{cells:?}");
    let ratio: f64 = cells[4].parse().unwrap_or_else(|_| panic!("no ratio: {cells:?}"));
    assert!(ratio > 0.0, "{cells:?}");
    // A binary that fails is reported, and the comparison fails.
    let out = wspec().args(["bench", "exec", "--size", "small", "--only", "fib", "--runs", "1", "--compare", "/bin/false"]).arg(&dir).output().unwrap();
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(stdout.contains("/bin/false failed"), "{stdout}");
    std::fs::remove_dir_all(&dir).ok();
}
