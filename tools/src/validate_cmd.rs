//! `wspec validate FILE`: decode a module (`.wasm`, or text encoded by the `wast` crate) and
//! validate it with the type checker generated from the spec's typing rules (`Module_ok`).

use std::path::Path;
use std::process::ExitCode;

const USAGE: &str = "usage: wspec validate [--quiet] FILE";

pub fn run(args: &[String]) -> ExitCode {
    let mut file = None;
    let mut quiet = false;
    for a in args {
        match a.as_str() {
            "--quiet" | "-q" => quiet = true,
            s if s.starts_with('-') => {
                eprintln!("error: unknown option `{s}`\n{USAGE}");
                return ExitCode::from(2);
            }
            s if file.is_none() => file = Some(s.to_string()),
            s => {
                eprintln!("error: one file at a time (`{s}` is a second)\n{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    let Some(file) = file else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let bytes = match crate::decode_cmd::module_bytes(Path::new(&file)) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    let mut it = wspec_interpreter::Interp::new();
    let module = match it.decode(&bytes) {
        Ok(m) => m,
        Err(e) => {
            say!("malformed: {}", error_text(&e));
            return ExitCode::from(1);
        }
    };
    let start = std::time::Instant::now();
    let result = it.validate_naming_rule(&module);
    let took = start.elapsed();
    match result {
        Ok(ty) => {
            if quiet {
                say!("valid");
            } else {
                say!("valid (in {took:.2?}): {}", wspec_generated::show::show(&ty, &it.cx));
            }
            ExitCode::SUCCESS
        }
        Err((message, rule)) => {
            say!("invalid: {message}");
            if let (Some(rule), false) = (rule, quiet) {
                say!("  rule: {rule}");
            }
            ExitCode::from(1)
        }
    }
}

fn error_text(e: &wspec_interpreter::Error) -> String {
    match e {
        wspec_interpreter::Error::Malformed(m) | wspec_interpreter::Error::Invalid(m) => m.clone(),
        other => other.to_string(),
    }
}
