//! `wspec render latex|prose`: the spec as a LaTeX document, a LaTeX document with placeholders
//! filled, or prose (Markdown or HTML).

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use wspec_dsl::render;
use wspec_dsl::source::{self, SourceMap};

const USAGE: &str = "\
Usage: wspec render latex [SPEC_DIR] [-o FILE.tex]
       wspec render latex [SPEC_DIR] --splice DOC.tex [-o OUT.tex]
       wspec render prose [SPEC_DIR] [-o FILE.md|FILE.html] [--format md|html]

SPEC_DIR defaults to `spec/`; without -o the output goes to standard output.
--splice fills the placeholders of a hand-written LaTeX document: @@syntax:NAME,
@@syntax:NAME/FRAGMENT, @@rule:RELATION/CASE, @@relation:RELATION, @@def:$NAME,
@@grammar:NAME (a name ending in * expands to every name it starts), and @@preamble
(the packages and macros the blocks need; put before \\begin{document} when absent).
";

pub fn run(args: &[String]) -> ExitCode {
    let Some(what) = args.first() else {
        eprint!("{USAGE}");
        return ExitCode::from(2);
    };
    if matches!(what.as_str(), "help" | "--help" | "-h") {
        crate::out::write(USAGE);
        return ExitCode::SUCCESS;
    }
    if what != "latex" && what != "prose" {
        eprintln!("error: `wspec render` renders `latex` or `prose`, not `{what}`\n");
        eprint!("{USAGE}");
        return ExitCode::from(2);
    }
    let mut dir: Option<PathBuf> = None;
    let mut output: Option<PathBuf> = None;
    let mut splice: Option<PathBuf> = None;
    let mut format: Option<String> = None;
    let mut color = std::io::stderr().is_terminal();
    let mut it = args[1..].iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "-o" | "--output" => match it.next() {
                Some(f) => output = Some(PathBuf::from(f)),
                None => return usage_error("`-o` needs a file name"),
            },
            "--splice" if what == "latex" => match it.next() {
                Some(f) => splice = Some(PathBuf::from(f)),
                None => return usage_error("`--splice` needs a document"),
            },
            "--format" if what == "prose" => match it.next().map(|s| s.as_str()) {
                Some(f @ ("md" | "markdown" | "html")) => format = Some(f.to_string()),
                _ => return usage_error("`--format` is `md` or `html`"),
            },
            "--color=always" => color = true,
            "--color=never" => color = false,
            "--color=auto" => {}
            s if s.starts_with('-') => return usage_error(&format!("unknown option `{s}` for `wspec render {what}`")),
            s => {
                if dir.is_some() {
                    return usage_error("`wspec render` takes one spec directory");
                }
                dir = Some(PathBuf::from(s));
            }
        }
    }
    let dir = dir.unwrap_or_else(|| PathBuf::from("spec"));
    let mut sources = match source::load_dir(&dir) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    let checked = wspec_dsl::elab::check(&sources);
    if checked.has_errors() {
        for d in &checked.diagnostics {
            d.emit_stderr(&sources, color);
        }
        eprintln!("error: the spec in `{}` has errors; fix them before rendering", dir.display());
        return ExitCode::from(1);
    }
    let spec = &checked.spec;
    // Rendering recurses over expressions; a large stack keeps deep specs from overflowing it.
    let rendered = std::thread::scope(|scope| {
        std::thread::Builder::new()
            .stack_size(256 << 20)
            .spawn_scoped(scope, || render(what, spec, &mut sources, splice.as_deref(), format.as_deref(), output.as_deref(), color))
            .map(|h| h.join())
    });
    let text = match rendered {
        Ok(Ok(Ok(text))) => text,
        Ok(Ok(Err(code))) => return code,
        _ => {
            eprintln!("error: rendering failed");
            return ExitCode::from(1);
        }
    };
    match output {
        Some(path) => {
            if let Err(e) = std::fs::write(&path, text) {
                eprintln!("error: cannot write `{}`: {e}", path.display());
                return ExitCode::from(1);
            }
            eprintln!("wrote {}", path.display());
        }
        None => crate::out::write(&text),
    }
    ExitCode::SUCCESS
}

/// The rendered text, or the exit code of a failure already reported.
fn render(
    what: &str,
    spec: &wspec_dsl::ir::Spec,
    sources: &mut SourceMap,
    splice: Option<&Path>,
    format: Option<&str>,
    output: Option<&Path>,
    color: bool,
) -> Result<String, ExitCode> {
    let text = if what == "latex" {
        match splice {
            None => render::latex::document(spec, Some(sources)),
            Some(doc_path) => {
                let doc = match std::fs::read_to_string(doc_path) {
                    Ok(d) => d,
                    Err(e) => {
                        eprintln!("error: cannot read `{}`: {e}", doc_path.display());
                        return Err(ExitCode::from(1));
                    }
                };
                let spec_sources = clone_sources(sources);
                let file = sources.add(doc_path.display().to_string(), doc.clone());
                match render::latex::splice(spec, Some(&spec_sources), file, &doc) {
                    Ok(t) => t,
                    Err(errors) => {
                        for d in &errors {
                            d.emit_stderr(sources, color);
                        }
                        eprintln!(
                            "error: `{}` has {} unresolved placeholder{}",
                            doc_path.display(),
                            errors.len(),
                            if errors.len() == 1 { "" } else { "s" }
                        );
                        return Err(ExitCode::from(1));
                    }
                }
            }
        }
    } else {
        let html = match format {
            Some("html") => true,
            Some(_) => false,
            None => output.and_then(Path::extension).is_some_and(|e| e == "html" || e == "htm"),
        };
        if html {
            render::html::document(spec, Some(sources))
        } else {
            render::prose::markdown(spec, Some(sources))
        }
    };
    Ok(text)
}

/// A copy of the spec's sources (the spliced document is added to the original, for its
/// diagnostics, while the renderer reads the spec's comments from the copy).
fn clone_sources(s: &SourceMap) -> SourceMap {
    let mut out = SourceMap::new();
    for f in 0..s.len() {
        out.add(s.name(f).to_string(), s.text(f).to_string());
    }
    out
}

fn usage_error(msg: &str) -> ExitCode {
    eprintln!("error: {msg}\n");
    eprint!("{USAGE}");
    ExitCode::from(2)
}
