//! `wspec gen [--check] [--spec DIR] [--out DIR]`: regenerate `generated/` from `spec/`, or with
//! `--check` report whether it is stale (exit 1) without writing.

use std::process::ExitCode;

pub fn run(args: &[String]) -> ExitCode {
    wspec_dsl::gen_cmd::run(args)
}
