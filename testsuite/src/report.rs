//! Results of a run, and their two renderings: tables for people, JSON for machines.
//!
//! The text rendering ends with exactly one closing line, alone on its line:
//! `N passed, M failed` followed by `, K skipped` when K > 0.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

/// One failed command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// The script's name as reported (`wasm-v3/i32.wast`).
    pub file: String,
    /// 1-based line of the command (0 for a failure of the file as a whole).
    pub line: usize,
    /// The command's keyword (`assert_return`, `module`, ...), or `parse`, `read`, `panic`
    /// for failures of the file.
    pub kind: String,
    /// What the command did, briefly: `invoke "add" (i32.const 1) (i32.const 2)`.
    pub what: String,
    pub expected: String,
    pub actual: String,
}

/// The results of one script.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FileReport {
    pub file: String,
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
    /// Of the passes, those decided by the text front end alone (a quoted module that `wast`
    /// rejects, in `assert_malformed`), without the engine.
    pub front_end_passes: usize,
    /// Assertions (`assert_*` commands) among the commands.
    pub assertions: usize,
    pub failures: Vec<Failure>,
    /// Skips by reason.
    pub skip_reasons: BTreeMap<String, usize>,
    pub elapsed: Duration,
}

impl FileReport {
    pub fn new(file: &str) -> FileReport {
        FileReport { file: file.to_string(), ..FileReport::default() }
    }

    /// Commands counted (passed + failed + skipped).
    pub fn total(&self) -> usize {
        self.passed + self.failed + self.skipped
    }
}

/// The results of a run over several scripts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// The engine's name.
    pub engine: String,
    pub files: Vec<FileReport>,
    pub elapsed: Duration,
}

impl Report {
    pub fn passed(&self) -> usize {
        self.files.iter().map(|f| f.passed).sum()
    }

    pub fn failed(&self) -> usize {
        self.files.iter().map(|f| f.failed).sum()
    }

    pub fn skipped(&self) -> usize {
        self.files.iter().map(|f| f.skipped).sum()
    }

    pub fn front_end_passes(&self) -> usize {
        self.files.iter().map(|f| f.front_end_passes).sum()
    }

    pub fn assertions(&self) -> usize {
        self.files.iter().map(|f| f.assertions).sum()
    }

    /// Skips by reason, over all files.
    pub fn skip_reasons(&self) -> BTreeMap<String, usize> {
        let mut all = BTreeMap::new();
        for f in &self.files {
            for (r, n) in &f.skip_reasons {
                *all.entry(r.clone()).or_insert(0) += n;
            }
        }
        all
    }

    /// Whether every command passed or was skipped.
    pub fn success(&self) -> bool {
        self.failed() == 0
    }

    /// The closing line, without a newline: `N passed, M failed` and `, K skipped` if K > 0.
    pub fn closing_line(&self) -> String {
        closing_line(self.passed(), self.failed(), self.skipped())
    }

    /// The report for people: failures (at most `max_failures` of them, if given), the table
    /// per file, totals, skips by reason, and the closing line last.
    pub fn render_text(&self, max_failures: Option<usize>) -> String {
        let mut s = String::new();
        let failures: Vec<&Failure> = self.files.iter().flat_map(|f| &f.failures).collect();
        if !failures.is_empty() {
            let shown = max_failures.unwrap_or(usize::MAX).min(failures.len());
            let _ = writeln!(s, "failures:");
            for f in &failures[..shown] {
                let _ = writeln!(s, "{}:{}: {}: {}", f.file, f.line, f.kind, f.what);
                let _ = writeln!(s, "    expected: {}", f.expected);
                let _ = writeln!(s, "    actual:   {}", f.actual);
            }
            if shown < failures.len() {
                let _ = writeln!(s, "... and {} more failures (see --max-failures)", failures.len() - shown);
            }
            let _ = writeln!(s);
        }
        let width = self.files.iter().map(|f| f.file.len()).max().unwrap_or(0).max(24);
        let _ = writeln!(s, "{:<width$}  {:>8}  {:>8}  {:>8}", "file", "passed", "failed", "skipped");
        for f in &self.files {
            let _ = writeln!(s, "{:<width$}  {:>8}  {:>8}  {:>8}", f.file, f.passed, f.failed, f.skipped);
        }
        let total = format!("total ({} files)", self.files.len());
        let _ = writeln!(
            s,
            "{:<width$}  {:>8}  {:>8}  {:>8}",
            total,
            self.passed(),
            self.failed(),
            self.skipped()
        );
        let _ = writeln!(s);
        let fe = self.front_end_passes();
        if fe > 0 {
            let _ = writeln!(
                s,
                "of the passes, {fe} are assert_malformed on quoted text that the text front end (wast) \
                 rejects, without the engine"
            );
        }
        let reasons = self.skip_reasons();
        if !reasons.is_empty() {
            let _ = writeln!(s, "skipped, by reason:");
            let mut by_count: Vec<(&String, &usize)> = reasons.iter().collect();
            by_count.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
            for (r, n) in by_count {
                let _ = writeln!(s, "  {n:>8}  {r}");
            }
        }
        let _ = writeln!(
            s,
            "engine `{}`: {} files, {} commands ({} assertions) in {:.2}s",
            self.engine,
            self.files.len(),
            self.passed() + self.failed() + self.skipped(),
            self.assertions(),
            self.elapsed.as_secs_f64()
        );
        let _ = writeln!(s, "{}", self.closing_line());
        s
    }

    /// The report for machines, as one JSON object:
    ///
    /// ```text
    /// { "engine": str, "passed": n, "failed": n, "skipped": n, "front_end_passes": n,
    ///   "assertions": n, "seconds": x, "skip_reasons": { reason: n, ... },
    ///   "files": [ { "file": str, "passed": n, "failed": n, "skipped": n,
    ///                "front_end_passes": n, "assertions": n, "seconds": x,
    ///                "skip_reasons": {...},
    ///                "failures": [ { "file": str, "line": n, "kind": str, "what": str,
    ///                                "expected": str, "actual": str } ] } ],
    ///   "summary": "N passed, M failed, K skipped" }
    /// ```
    pub fn to_json(&self) -> String {
        let mut s = String::new();
        s.push('{');
        let _ = write!(s, "\"engine\":{}", json_str(&self.engine));
        let _ = write!(
            s,
            ",\"passed\":{},\"failed\":{},\"skipped\":{},\"front_end_passes\":{},\"assertions\":{},\"seconds\":{:.3}",
            self.passed(),
            self.failed(),
            self.skipped(),
            self.front_end_passes(),
            self.assertions(),
            self.elapsed.as_secs_f64()
        );
        s.push_str(",\"skip_reasons\":");
        json_counts(&mut s, &self.skip_reasons());
        s.push_str(",\"files\":[");
        for (i, f) in self.files.iter().enumerate() {
            if i > 0 {
                s.push(',');
            }
            let _ = write!(
                s,
                "{{\"file\":{},\"passed\":{},\"failed\":{},\"skipped\":{},\"front_end_passes\":{},\"assertions\":{},\"seconds\":{:.3},\"skip_reasons\":",
                json_str(&f.file),
                f.passed,
                f.failed,
                f.skipped,
                f.front_end_passes,
                f.assertions,
                f.elapsed.as_secs_f64()
            );
            json_counts(&mut s, &f.skip_reasons);
            s.push_str(",\"failures\":[");
            for (j, x) in f.failures.iter().enumerate() {
                if j > 0 {
                    s.push(',');
                }
                let _ = write!(
                    s,
                    "{{\"file\":{},\"line\":{},\"kind\":{},\"what\":{},\"expected\":{},\"actual\":{}}}",
                    json_str(&x.file),
                    x.line,
                    json_str(&x.kind),
                    json_str(&x.what),
                    json_str(&x.expected),
                    json_str(&x.actual)
                );
            }
            s.push_str("]}");
        }
        s.push(']');
        let _ = write!(s, ",\"summary\":{}", json_str(&self.closing_line()));
        s.push_str("}\n");
        s
    }
}

/// `N passed, M failed` and `, K skipped` if K > 0.
pub fn closing_line(passed: usize, failed: usize, skipped: usize) -> String {
    if skipped > 0 {
        format!("{passed} passed, {failed} failed, {skipped} skipped")
    } else {
        format!("{passed} passed, {failed} failed")
    }
}

fn json_counts(s: &mut String, counts: &BTreeMap<String, usize>) {
    s.push('{');
    for (i, (k, v)) in counts.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        let _ = write!(s, "{}:{v}", json_str(k));
    }
    s.push('}');
}

/// A JSON string literal (the oracle's, so that both documents escape alike).
pub use wspec_interpreter::oracle::json::string as json_str;
