//! `wspec wast` and `wspec testsuite`, run as a user runs them, with the `null` engine (chosen
//! explicitly: the default is the wspec engine), so that everything is skipped, honestly.

use std::process::Command;

fn wspec() -> Command {
    Command::new(env!("CARGO_BIN_EXE_wspec"))
}

fn closing_line(stdout: &str) -> (usize, usize, usize) {
    let last = stdout.lines().last().expect("output");
    let parts: Vec<&str> = last.split(", ").collect();
    let n = |i: usize, word: &str| -> usize {
        let p = parts.get(i).unwrap_or_else(|| panic!("closing line `{last}`"));
        p.strip_suffix(word).unwrap_or_else(|| panic!("closing line `{last}`")).trim().parse().unwrap()
    };
    let skipped = if parts.len() == 3 { n(2, "skipped") } else { 0 };
    (n(0, "passed"), n(1, "failed"), skipped)
}

#[test]
fn testsuite_with_the_null_engine_skips_everything() {
    let out = wspec().args(["testsuite", "--engine", "null", "--suite", "wasm-v3"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.starts_with("engine: null"), "{stdout}");
    assert!(stdout.contains("total (97 files)"), "{stdout}");
    let (p, f, s) = closing_line(&stdout);
    assert_eq!((p, f), (0, 0), "{stdout}");
    assert!(s > 20_000, "{stdout}");
    assert!(out.stderr.is_empty(), "no progress bar when stderr is not a terminal");
}

#[test]
fn testsuite_filters_and_json() {
    let out = wspec().args(["testsuite", "--engine", "null", "--only", "*/i32.wast", "--json"]).output().unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.starts_with("{\"engine\":\"null\""), "{stdout}");
    assert!(stdout.contains("\"file\":\"wasm-v3/i32.wast\""), "{stdout}");
    assert!(stdout.trim_end().ends_with("\"summary\":\"0 passed, 0 failed, 460 skipped\"}"), "{stdout}");
    let out = wspec().args(["testsuite", "--suite", "wasm-v1", "--exclude", "*", "--list"]).output().unwrap();
    assert!(out.status.success() && out.stdout.is_empty());
}

#[test]
fn wast_runs_files_and_directories() {
    let dir = std::env::temp_dir().join(format!("wspec-wast-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    std::fs::write(dir.join("a.wast"), "(module)\n(assert_malformed (module quote \"(func\") \"x\")\n").unwrap();
    std::fs::write(dir.join("sub/b.wast"), "(module (func (export \"f\")))\n(invoke \"f\")\n").unwrap();
    std::fs::write(dir.join("sub/ignored.txt"), "not a script").unwrap();
    let out = wspec().args(["wast", "--engine", "null"]).arg(&dir).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    let base = dir.file_name().unwrap().to_string_lossy();
    assert!(stdout.contains(&format!("{base}/a.wast")) && stdout.contains(&format!("{base}/sub/b.wast")), "{stdout}");
    assert_eq!(closing_line(&stdout), (0, 0, 4), "{stdout}");
    // A script that does not parse is a failure, and the exit code says so.
    std::fs::write(dir.join("bad.wast"), "(assert_return (invoke \"f\"\n").unwrap();
    let out = wspec().args(["wast", "--engine", "null"]).arg(dir.join("bad.wast")).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("bad.wast:2: parse:") || stdout.contains("bad.wast:1: parse:"), "{stdout}");
    assert_eq!(closing_line(&stdout), (0, 1, 0), "{stdout}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn usage_errors_exit_2() {
    for args in [&["wast"][..], &["testsuite", "--suite", "nope"], &["testsuite", "--engine", "nope"], &["testsuite", "--bogus"]] {
        let out = wspec().args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
    let out = wspec().args(["wast", "/nonexistent/dir"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
}
