//! `wspec wast` and `wspec testsuite`, run as a user runs them: with the `null` engine (that
//! skips everything, honestly) for the runner's own behaviour, and with the default `wspec`
//! engine (the code generated from the spec) on a selection of the official suite.

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
    let out = wspec().args(["testsuite", "--suite", "wasm-v3", "--engine", "null"]).output().unwrap();
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
    let out = wspec().args(["testsuite", "--only", "*/i32.wast", "--json", "--engine", "null"]).output().unwrap();
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

/// The default engine passes every assertion of these files of the official suite (numerics,
/// control, memory, tables, references, SIMD, and their validation), through the spec alone.
#[test]
fn the_wspec_engine_passes_official_files() {
    let files = [
        "*/i32.wast", "*/f64.wast", "*/conversions.wast", "*/float_exprs.wast", "*/block.wast", "*/if.wast",
        "*/loop.wast", "*/memory_grow.wast", "*/table_copy.wast", "*/call_ref.wast", "*/return_call_ref.wast",
        "*/i31.wast", "*/simd_i16x8_arith.wast", "*/simd_f32x4.wast",
    ];
    let mut args = vec!["testsuite"];
    for f in &files {
        args.extend(["--only", f]);
    }
    let out = wspec().args(&args).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.starts_with("engine: wspec"), "{stdout}");
    let (p, f, s) = closing_line(&stdout);
    assert_eq!((f, s), (0, 0), "{stdout}");
    assert!(p > 5_000, "{stdout}");
    assert!(out.status.success(), "{stdout}");
}

/// The project's own scripts (`testsuite/wast/`: sharedness of types) pass with the default
/// engine, every command counted.
#[test]
fn the_wspec_engine_passes_the_projects_own_scripts() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../testsuite/wast");
    let out = wspec().args(["wast", dir]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("shared-types.wast"), "{stdout}");
    let (p, f, s) = closing_line(&stdout);
    assert_eq!((f, s), (0, 0), "{stdout}");
    assert!(p >= 15, "{stdout}");
    assert!(out.status.success(), "{stdout}");
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
