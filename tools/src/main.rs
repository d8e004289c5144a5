//! `wspec`: the command line of the executable WebAssembly specification.

#[macro_use]
mod out;
mod check;

use std::process::ExitCode;

const USAGE: &str = "\
wspec — an executable specification of WebAssembly

Usage: wspec <COMMAND> [ARGS]

Commands:
  check [SPEC_DIR]   Parse and elaborate the spec (default `spec/`); print a summary or the errors
  help               Print this message

Options for every command:
  --color=auto|always|never   Colour diagnostics (default: auto)
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(cmd) = args.first() else {
        eprint!("{USAGE}");
        return ExitCode::from(2);
    };
    let rest = &args[1..];
    match cmd.as_str() {
        "check" => check::run(rest),
        "help" | "--help" | "-h" => {
            out::write(USAGE);
            ExitCode::SUCCESS
        }
        other => {
            eprintln!("error: unknown command `{other}`\n");
            eprint!("{USAGE}");
            ExitCode::from(2)
        }
    }
}
