//! `wspec render`, run as a user runs it: files written, formats chosen by extension, splicing
//! errors with their positions, refusal of a spec with errors.

use std::path::{Path, PathBuf};
use std::process::Command;

fn wspec() -> Command {
    Command::new(env!("CARGO_BIN_EXE_wspec"))
}

fn mini() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../dsl/tests/render")
}

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wspec-render-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn render_writes_latex_markdown_and_html() {
    let dir = tmp("outputs");
    for (args, file, expect) in [
        (vec!["latex"], "out.tex", "\\begin{document}"),
        (vec!["prose"], "out.md", "1. Assert: due to validation"),
        (vec!["prose"], "out.html", "<ol class=\"steps\">"),
        (vec!["prose", "--format", "html"], "out.txt", "<!DOCTYPE html>"),
    ] {
        let path = dir.join(file);
        let out = wspec().arg("render").args(&args).arg(mini()).arg("-o").arg(&path).output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(expect), "{file} lacks {expect:?}");
    }
    // Without -o, standard output.
    let out = wspec().args(["render", "prose"]).arg(mini()).output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("#### <a id=\"rule:Step_pure/drop\"></a>"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn splice_fills_a_document_and_reports_unknown_names_with_positions() {
    let dir = tmp("splice");
    let doc = dir.join("doc.tex");
    std::fs::write(&doc, "\\documentclass{article}\n\\begin{document}\nBinary operators: @@rule:Step_pure/binop-val\n\\end{document}\n").unwrap();
    let out_path = dir.join("out.tex");
    let out = wspec().args(["render", "latex"]).arg(mini()).arg("--splice").arg(&doc).arg("-o").arg(&out_path).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(&out_path).unwrap();
    assert!(text.contains("\\wsanchor{rule:Step_pure/binop-val}") && text.contains("\\usepackage{mathpartir}"), "{text}");

    std::fs::write(&doc, "\\begin{document}\n\n  See @@syntax:numtyp.\n").unwrap();
    let out = wspec().args(["render", "latex", "--color=never"]).arg(mini()).arg("--splice").arg(&doc).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    for want in ["no syntax named `numtyp`", "doc.tex:3:7", "did you mean `numtype`?", "1 unresolved placeholder"] {
        assert!(err.contains(want), "stderr lacks {want:?}:\n{err}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn render_refuses_a_spec_with_errors_and_bad_usage() {
    let dir = tmp("broken");
    std::fs::write(dir.join("a.wspec"), "syntax t = A | B\nvar x : nosuch\n").unwrap();
    let out = wspec().args(["render", "latex", "--color=never"]).arg(&dir).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("fix them before rendering"));
    let out = wspec().args(["render", "pdf"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = wspec().args(["render", "latex", "--frobnicate"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(&dir);
}
