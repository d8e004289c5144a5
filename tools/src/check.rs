//! `wspec check [SPEC_DIR]`: parse and elaborate the spec, print a summary or diagnostics.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use wspec_dsl::source;

pub fn run(args: &[String]) -> ExitCode {
    let mut dir: Option<PathBuf> = None;
    let mut color = std::io::stderr().is_terminal();
    let mut dump = false;
    for a in args {
        match a.as_str() {
            "--dump" => dump = true,
            "--color=always" => color = true,
            "--color=never" => color = false,
            "--color=auto" => {}
            s if s.starts_with('-') => {
                eprintln!("error: unknown option `{s}` for `wspec check`");
                return ExitCode::from(2);
            }
            s => {
                if dir.is_some() {
                    eprintln!("error: `wspec check` takes one spec directory");
                    return ExitCode::from(2);
                }
                dir = Some(PathBuf::from(s));
            }
        }
    }
    let dir = dir.unwrap_or_else(|| PathBuf::from("spec"));
    let sources = match source::load_dir(&dir) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    let checked = wspec_dsl::elab::check(&sources);
    for d in &checked.diagnostics {
        d.emit_stderr(&sources, color);
    }
    if checked.has_errors() {
        let (e, w) = (checked.errors(), checked.warnings());
        eprintln!(
            "error: the spec in `{}` has {e} error{}{}",
            dir.display(),
            if e == 1 { "" } else { "s" },
            if w > 0 { format!(" and {w} warning{}", if w == 1 { "" } else { "s" }) } else { String::new() }
        );
        return ExitCode::from(1);
    }
    if dump {
        crate::out::write(&wspec_dsl::ir_fmt::Printer::new(&checked.spec).spec());
        return ExitCode::SUCCESS;
    }
    let s = checked.spec.summary();
    let lines: usize = (0..sources.len()).map(|f| sources.text(f).lines().count()).sum();
    say!("spec `{}`: {} files, {} lines, no errors{}", dir.display(), s.files, lines, match checked.warnings() {
        0 => String::new(),
        w => format!(", {w} warning{}", if w == 1 { "" } else { "s" }),
    });
    say!();
    say!("  {:<22} {:>6}", "syntax types", s.syntax_types);
    say!("  {:<22} {:>6}", "constructors", s.constructors);
    say!("  {:<22} {:>6}", "variables", s.variables);
    say!("  {:<22} {:>6}", "relations", s.relations);
    say!("  {:<22} {:>6}", "rules", s.rules);
    say!("  {:<22} {:>6}", "definitions", s.definitions);
    say!("  {:<22} {:>6}", "definition clauses", s.clauses);
    say!("  {:<22} {:>6}", "grammars", s.grammars);
    say!("  {:<22} {:>6}", "grammar productions", s.productions);
    ExitCode::SUCCESS
}
