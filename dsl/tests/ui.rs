//! UI tests of the DSL's diagnostics.
//!
//! Every `tests/ui/X.wspec` is a small, self-contained, malformed or ill-typed spec. It is checked
//! under the name `ui/X.wspec` (so that the output does not depend on the machine) and its
//! diagnostics, rendered without colour, must equal `tests/ui/X.stderr`.
//!
//! `BLESS=1 cargo test -p wspec-dsl --test ui` (re)writes the `.stderr` files from the current
//! output; read every one you bless.
//!
//! Besides the exact text, every file must produce at least one error, except the files named
//! `warn-*.wspec`, which must produce at least one warning and no error, and `ok-*.wspec`
//! (regressions of inputs that once crashed or were wrongly rejected), which must check cleanly.

use std::fmt::Write as _;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use wspec_dsl::diag::render_all;
use wspec_dsl::elab::check;
use wspec_dsl::source::SourceMap;

/// The smallest corpus this test accepts, so that losing files does not go unnoticed.
const MIN_FILES: usize = 40;

/// How long one file may take before it counts as a hang.
const TIMEOUT: Duration = Duration::from_secs(60);

/// What checking one file gave.
struct Outcome {
    rendered: String,
    errors: usize,
    warnings: usize,
}

fn ui_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("ui")
}

fn ui_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read `{}`: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| p.extension().and_then(|e| e.to_str()) == Some("wspec") && p.is_file())
        .collect();
    files.sort();
    files
}

/// Checks one source text as `ui/NAME` and renders its diagnostics without colour.
fn run_one(name: &str, text: &str) -> Outcome {
    let mut sources = SourceMap::new();
    sources.add(format!("ui/{name}"), text.to_string());
    let checked = check(&sources);
    Outcome {
        rendered: render_all(&checked.diagnostics, &sources),
        errors: checked.errors(),
        warnings: checked.warnings(),
    }
}

/// Runs one file on its own thread, catching panics and giving up after `TIMEOUT`.
fn run_guarded(name: &str, text: &str) -> Result<Outcome, String> {
    let (tx, rx) = mpsc::channel();
    let (name_owned, text_owned) = (name.to_string(), text.to_string());
    // A stack overflow cannot be caught: it aborts the whole test binary, but Rust names the
    // thread in its message, and so the file.
    let spawned = std::thread::Builder::new().name(format!("ui:{name}")).stack_size(8 << 20).spawn(move || {
        let result = panic::catch_unwind(AssertUnwindSafe(|| run_one(&name_owned, &text_owned)));
        let _ = tx.send(result.map_err(|payload| panic_message(payload.as_ref())));
    });
    if let Err(e) = spawned {
        return Err(format!("could not start a thread: {e}"));
    }
    match rx.recv_timeout(TIMEOUT) {
        Ok(Ok(outcome)) => Ok(outcome),
        Ok(Err(msg)) => Err(format!("the checker panicked: {msg}")),
        Err(mpsc::RecvTimeoutError::Timeout) => Err(format!("the checker did not finish within {}s", TIMEOUT.as_secs())),
        Err(mpsc::RecvTimeoutError::Disconnected) => Err("the checker thread died without an answer".to_string()),
    }
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "(a panic without a message)".to_string()
    }
}

/// A line diff (longest common subsequence), showing the first differing lines with a little
/// context: `-` lines are expected and missing, `+` lines are produced and unexpected.
fn diff(expected: &str, actual: &str) -> String {
    const CONTEXT: usize = 2;
    const MAX_LINES: usize = 40;
    let a: Vec<&str> = expected.lines().collect();
    let b: Vec<&str> = actual.lines().collect();
    // lcs[i][j]: length of the longest common subsequence of a[i..] and b[j..].
    let mut lcs = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] { lcs[i + 1][j + 1] + 1 } else { lcs[i + 1][j].max(lcs[i][j + 1]) };
        }
    }
    // The edit script: (tag, expected line number, text).
    let mut script: Vec<(char, usize, &str)> = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            script.push((' ', i + 1, a[i]));
            i += 1;
            j += 1;
        } else if i < a.len() && (j == b.len() || lcs[i + 1][j] >= lcs[i][j + 1]) {
            script.push(('-', i + 1, a[i]));
            i += 1;
        } else {
            script.push(('+', i + 1, b[j]));
            j += 1;
        }
    }
    let Some(first) = script.iter().position(|(tag, _, _)| *tag != ' ') else {
        // Same lines; the difference is in line endings or a final newline.
        return format!(
            "    (the lines are equal; the texts differ in line endings or the final newline: \
             expected {} bytes, got {} bytes)\n",
            expected.len(),
            actual.len()
        );
    };
    let mut out = String::new();
    let _ = writeln!(out, "    first difference at line {} of the .stderr file (- expected, + actual):", script[first].1);
    let start = first.saturating_sub(CONTEXT);
    let mut last_change = first;
    for (shown, (k, (tag, _, text))) in script.iter().enumerate().skip(start).enumerate() {
        if *tag != ' ' {
            last_change = k;
        } else if k > last_change + CONTEXT {
            break;
        }
        if shown == MAX_LINES {
            let _ = writeln!(out, "    ...");
            break;
        }
        let _ = writeln!(out, "    {tag} {text}");
    }
    out
}

#[test]
fn ui() {
    let dir = ui_dir();
    let bless = std::env::var("BLESS").as_deref() == Ok("1");
    let files = ui_files(&dir);
    let mut failures: Vec<String> = Vec::new();
    let mut blessed = 0;

    for path in &files {
        let name = path.file_name().and_then(|n| n.to_str()).expect("UTF-8 file name").to_string();
        let stem = name.trim_end_matches(".wspec");
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => {
                failures.push(format!("{name}: cannot read it: {e}"));
                continue;
            }
        };
        let outcome = match run_guarded(&name, &text) {
            Ok(o) => o,
            Err(msg) => {
                failures.push(format!("{name}: {msg}"));
                continue;
            }
        };

        if stem.starts_with("warn-") {
            if outcome.errors > 0 || outcome.warnings == 0 {
                failures.push(format!(
                    "{name}: a `warn-` file must give at least one warning and no error, but gave {} error(s) and {} warning(s)",
                    outcome.errors, outcome.warnings
                ));
            }
        } else if stem.starts_with("ok-") {
            if outcome.errors + outcome.warnings > 0 {
                failures.push(format!("{name}: an `ok-` file must check cleanly, but gave {} error(s) and {} warning(s)", outcome.errors, outcome.warnings));
            }
        } else if outcome.errors == 0 {
            failures.push(format!("{name}: expected at least one error, but there was none"));
        }

        let stderr_path = path.with_extension("stderr");
        if bless {
            let current = std::fs::read_to_string(&stderr_path).ok();
            if current.as_deref() != Some(outcome.rendered.as_str()) {
                if let Err(e) = std::fs::write(&stderr_path, &outcome.rendered) {
                    failures.push(format!("{name}: cannot write `{}`: {e}", stderr_path.display()));
                } else {
                    blessed += 1;
                }
            }
            continue;
        }
        match std::fs::read_to_string(&stderr_path) {
            Err(_) => failures.push(format!(
                "{name}: missing `{stem}.stderr`; run with BLESS=1 to create it. The output was:\n{}",
                indent(&outcome.rendered)
            )),
            Ok(expected) => {
                let expected = expected.replace("\r\n", "\n");
                if expected != outcome.rendered {
                    failures.push(format!(
                        "{name}: the diagnostics differ from `{stem}.stderr` (BLESS=1 rewrites it)\n{}",
                        diff(&expected, &outcome.rendered)
                    ));
                }
            }
        }
    }

    // A `.stderr` without its `.wspec` is a leftover of a renamed or deleted test.
    if let Ok(entries) = std::fs::read_dir(&dir) {
        let mut orphans: Vec<String> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().and_then(|e| e.to_str()) == Some("stderr") && !p.with_extension("wspec").exists())
            .filter_map(|p| p.file_name().and_then(|n| n.to_str()).map(str::to_string))
            .collect();
        orphans.sort();
        for o in orphans {
            failures.push(format!("{o}: no `.wspec` file goes with it; delete it"));
        }
    }

    if files.len() < MIN_FILES {
        failures.push(format!("expected at least {MIN_FILES} UI files in `{}`, found {}", dir.display(), files.len()));
    }
    if bless && blessed > 0 {
        eprintln!("blessed {blessed} .stderr file(s)");
    }
    if !failures.is_empty() {
        panic!("{} UI test failure(s) of {} file(s):\n\n{}", failures.len(), files.len(), failures.join("\n\n"));
    }
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("    {l}\n")).collect()
}
