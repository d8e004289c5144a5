//! The `gen` command, shared by the `wspec` tool and the bootstrap binary `wspec-gen` (which
//! does not depend on the generated crate, so it can regenerate it when it does not compile).
//!
//! `wspec gen [--check] [--spec DIR] [--out DIR]`: regenerate `generated/` from `spec/`, or with
//! `--check` report whether it is stale (exit 1) without writing.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use crate::{codegen, elab, source};

pub fn run(args: &[String]) -> ExitCode {
    let mut check = false;
    let mut spec = PathBuf::from("spec");
    let mut out = PathBuf::from("generated");
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--check" => check = true,
            "--spec" => match it.next() {
                Some(d) => spec = PathBuf::from(d),
                None => return usage("`--spec` needs a directory"),
            },
            "--out" => match it.next() {
                Some(d) => out = PathBuf::from(d),
                None => return usage("`--out` needs a directory"),
            },
            s => return usage(&format!("unknown argument `{s}`")),
        }
    }
    let sources = match source::load_dir(&spec) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    let color = std::io::stderr().is_terminal();
    let checked = elab::check(&sources);
    if checked.has_errors() {
        for d in &checked.diagnostics {
            d.emit_stderr(&sources, color);
        }
        eprintln!("error: the spec has errors; nothing generated (run `wspec check` for the summary)");
        return ExitCode::from(1);
    }
    let files = match codegen::generate(&checked.spec, &sources) {
        Ok(f) => f,
        Err(diags) => {
            for d in &diags {
                d.emit_stderr(&sources, color);
            }
            eprintln!("error: code generation failed");
            return ExitCode::from(1);
        }
    };
    let mut stale = Vec::new();
    for f in &files {
        let path = out.join(&f.path);
        let current = std::fs::read_to_string(&path).ok();
        if current.as_deref() == Some(f.text.as_str()) {
            continue;
        }
        stale.push(path.clone());
        if !check {
            if let Some(dir) = path.parent() {
                if let Err(e) = std::fs::create_dir_all(dir) {
                    eprintln!("error: cannot create `{}`: {e}", dir.display());
                    return ExitCode::from(1);
                }
            }
            if let Err(e) = std::fs::write(&path, &f.text) {
                eprintln!("error: cannot write `{}`: {e}", path.display());
                return ExitCode::from(1);
            }
        }
    }
    let lines: usize = files.iter().map(|f| f.text.lines().count()).sum();
    if check {
        if stale.is_empty() {
            println!("generated/ is up to date ({} files, {lines} lines)", files.len());
            ExitCode::SUCCESS
        } else {
            eprintln!("error: generated/ is stale; run `wspec gen` to regenerate:");
            for p in &stale {
                eprintln!("  {}", p.display());
            }
            ExitCode::from(1)
        }
    } else {
        println!("wrote {} of {} files ({lines} lines) to {}", stale.len(), files.len(), out.display());
        ExitCode::SUCCESS
    }
}

fn usage(msg: &str) -> ExitCode {
    eprintln!("error: {msg}\nusage: wspec gen [--check] [--spec DIR] [--out DIR]");
    ExitCode::from(2)
}
