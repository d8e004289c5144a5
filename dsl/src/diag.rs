//! Diagnostics: every user-facing error of the DSL tool is one of these, rendered by
//! codespan-reporting with file, line, column and labelled spans.

use crate::ast::Span;
use crate::source::SourceMap;
use codespan_reporting::diagnostic::{Diagnostic as CsDiagnostic, Label};
use codespan_reporting::term;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Warning,
    Error,
}

#[derive(Clone, Debug)]
pub struct Diagnostic {
    pub severity: Severity,
    pub message: String,
    pub primary: Option<(Span, String)>,
    pub secondary: Vec<(Span, String)>,
    pub notes: Vec<String>,
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn error(message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            message: message.into(),
            primary: None,
            secondary: Vec::new(),
            notes: Vec::new(),
            help: None,
        }
    }

    pub fn warning(message: impl Into<String>) -> Diagnostic {
        Diagnostic { severity: Severity::Warning, ..Diagnostic::error(message) }
    }

    /// The primary label: where the error is.
    pub fn at(mut self, span: Span, label: impl Into<String>) -> Diagnostic {
        self.primary = Some((span, label.into()));
        self
    }

    /// A secondary label: a related place ("declared here", "expected because of this").
    pub fn with(mut self, span: Span, label: impl Into<String>) -> Diagnostic {
        self.secondary.push((span, label.into()));
        self
    }

    pub fn note(mut self, note: impl Into<String>) -> Diagnostic {
        self.notes.push(note.into());
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// Where the diagnostic points, for sorting.
    pub fn sort_key(&self) -> (usize, u32, u32) {
        match &self.primary {
            Some((s, _)) => (s.file, s.start, s.end),
            None => (usize::MAX, 0, 0),
        }
    }

    fn to_codespan(&self) -> CsDiagnostic<usize> {
        let d = match self.severity {
            Severity::Error => CsDiagnostic::error(),
            Severity::Warning => CsDiagnostic::warning(),
        }
        .with_message(&self.message);
        let mut labels = Vec::new();
        if let Some((span, msg)) = &self.primary {
            labels.push(Label::primary(span.file, span.range()).with_message(msg));
        }
        for (span, msg) in &self.secondary {
            labels.push(Label::secondary(span.file, span.range()).with_message(msg));
        }
        let mut notes = self.notes.clone();
        if let Some(h) = &self.help {
            notes.push(format!("help: {h}"));
        }
        d.with_labels(labels).with_notes(notes)
    }

    /// Renders without colour (for tests and files).
    pub fn render_plain(&self, sources: &SourceMap) -> String {
        let config = term::Config::default();
        match term::emit_into_string(&config, sources.files(), &self.to_codespan()) {
            Ok(s) => s,
            Err(e) => format!("error: {} (and the diagnostic could not be rendered: {e})\n", self.message),
        }
    }

    /// Renders to standard error, in colour when it is a terminal.
    pub fn emit_stderr(&self, sources: &SourceMap, color: bool) {
        use term::termcolor::{ColorChoice, StandardStream};
        let choice = if color { ColorChoice::Auto } else { ColorChoice::Never };
        let writer = StandardStream::stderr(choice);
        let config = term::Config::default();
        let mut lock = writer.lock();
        if term::emit_to_write_style(&mut lock, &config, sources.files(), &self.to_codespan()).is_err() {
            eprintln!("error: {}", self.message);
        }
    }
}

/// Renders a list of diagnostics as one text, in source order.
pub fn render_all(diags: &[Diagnostic], sources: &SourceMap) -> String {
    let mut out = String::new();
    for d in diags {
        out.push_str(&d.render_plain(sources));
    }
    out
}

/// "did you mean `x`?" for a misspelt name, among the candidates.
pub fn suggest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        if c == name {
            continue;
        }
        let d = edit_distance(name, c);
        let limit = (name.len().max(c.len()) / 3).max(1);
        if d <= limit && best.is_none_or(|(bd, bc)| d < bd || (d == bd && c < bc)) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c.to_string())
}

fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = if a[i - 1].eq_ignore_ascii_case(&b[j - 1]) { 0 } else { 1 };
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}
