//! `wspec bench decode`: decoding speed of the generated decoder on the largest modules of the
//! bundled official suite (or on given `.wasm`/`.wat` files), in MB/s.
//!
//! `wspec bench exec`: execution speed on the benchmark workloads (`shared/bench`), each run
//! through wspec and through wasmi in the same session, with their ratio and a check of every
//! answer.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use wspec_generated::syntax as s;
use wspec_interpreter::{Error, Interp, Limits};
use wspec_testsuite::run::SourceText;
use wspec_testsuite::script::{self, Command};

pub fn run(args: &[String]) -> ExitCode {
    match args.first().map(|s| s.as_str()) {
        Some("decode") => decode(&args[1..]),
        Some("exec") => exec(&args[1..]),
        Some("validate") => validate(&args[1..]),
        _ => {
            eprintln!("usage: wspec bench decode [FILES...]\n       wspec bench validate [FILES...]\n       wspec bench exec [--size small|standard] [--only NAME] [--no-wasmi] [--fuel N] [WORKLOAD_DIR]");
            ExitCode::from(2)
        }
    }
}

/// The modules to measure: the given files, or every binary module of the bundled 3.0 suite.
fn collect_modules(files: &[String]) -> Result<Vec<(String, Vec<u8>)>, ExitCode> {
    let mut modules: Vec<(String, Vec<u8>)> = Vec::new();
    if files.is_empty() {
        for src in wspec_testsuite::suite::bundled("wasm-3.0").unwrap_or_default() {
            let text = match &src.text {
                SourceText::Static(s) => s.to_string(),
                SourceText::Owned(s) => s.clone(),
                SourceText::Path(p) => std::fs::read_to_string(p).unwrap_or_default(),
            };
            let Ok(script) = script::parse(&text) else { continue };
            for (i, c) in script.commands.iter().enumerate() {
                if let Command::Module { module, .. } = &c.command {
                    if let Ok(b) = &module.binary {
                        modules.push((format!("{}#{}", src.name, i), b.clone()));
                    }
                }
            }
        }
    } else {
        for f in files {
            match crate::decode_cmd::module_bytes(std::path::Path::new(f)) {
                Ok(b) => modules.push((f.clone(), b)),
                Err(e) => {
                    eprintln!("error: {e}");
                    return Err(ExitCode::from(1));
                }
            }
        }
    }
    Ok(modules)
}

/// `wspec bench validate`: the generated type checker on the valid modules with the most
/// instructions, in instructions per second (instructions counted as the decoder stores them).
fn validate(files: &[String]) -> ExitCode {
    let modules = match collect_modules(files) {
        Ok(m) => m,
        Err(code) => return code,
    };
    // Decoded once; only the valid ones, largest first.
    let mut valid: Vec<(String, wspec_interpreter::Interp, wspec_generated::syntax::Module, usize)> = Vec::new();
    for (name, bytes) in modules {
        let mut it = wspec_interpreter::Interp::new();
        let Ok(m) = it.decode(&bytes) else { continue };
        if it.validate(&m).is_err() {
            continue;
        }
        let instrs = it.cx.instr.total();
        valid.push((name, it, m, instrs));
    }
    valid.sort_by_key(|v| std::cmp::Reverse(v.3));
    say!("{:<48} {:>10} {:>10} {:>14}", "module", "instrs", "time", "instrs/s");
    let rate = |n: usize, t: Duration| n as f64 / t.as_secs_f64().max(1e-9);
    let (mut top_n, mut top_t) = (0usize, Duration::ZERO);
    for (name, it, m, n) in valid.iter().take(8) {
        // The median of a few runs: the machines are noisy.
        let mut runs: Vec<Duration> = (0..5)
            .map(|_| {
                let start = Instant::now();
                let _ = it.validate(m);
                start.elapsed()
            })
            .collect();
        runs.sort();
        let t = runs[runs.len() / 2];
        top_n += n;
        top_t += t;
        say!("{:<48} {:>10} {:>10.2?} {:>14.0}", name, n, t, rate(*n, t));
    }
    let start = Instant::now();
    let mut all_n = 0;
    for (_, it, m, n) in &valid {
        let _ = it.validate(m);
        all_n += n;
    }
    let all = start.elapsed();
    say!("{:<48} {:>10} {:>10.2?} {:>14.0}", "largest 8 (median of runs)", top_n, top_t, rate(top_n, top_t));
    say!("{:<48} {:>10} {:>10.2?} {:>14.0}", format!("all {} valid modules, once", valid.len()), all_n, all, rate(all_n, all));
    ExitCode::SUCCESS
}

fn decode(files: &[String]) -> ExitCode {
    let mut modules = match collect_modules(files) {
        Ok(m) => m,
        Err(code) => return code,
    };
    modules.retain(|(_, b)| wspec_generated::decode::decode_module(b).is_ok());
    modules.sort_by_key(|(_, b)| std::cmp::Reverse(b.len()));
    say!("{:<48} {:>10} {:>10} {:>10}", "module", "bytes", "time", "MB/s");
    let mut total_bytes = 0usize;
    let mut total_time = Duration::ZERO;
    for (name, bytes) in modules.iter().take(8) {
        let t = time(bytes);
        total_bytes += bytes.len();
        total_time += t;
        say!("{:<48} {:>10} {:>10.2?} {:>10.1}", name, bytes.len(), t, mbps(bytes.len(), t));
    }
    // Everything, once each, for the overall rate.
    let start = Instant::now();
    let mut all_bytes = 0;
    for (_, b) in &modules {
        let _ = wspec_generated::decode::decode_module(b);
        all_bytes += b.len();
    }
    let all = start.elapsed();
    say!("{:<48} {:>10} {:>10.2?} {:>10.1}", "largest 8 (median of runs)", total_bytes, total_time, mbps(total_bytes, total_time));
    say!("{:<48} {:>10} {:>10.2?} {:>10.1}", format!("all {} modules, once", modules.len()), all_bytes, all, mbps(all_bytes, all));
    ExitCode::SUCCESS
}

/// The median time of decoding a module, over enough runs to take ~0.2 s.
fn time(bytes: &[u8]) -> Duration {
    let one = {
        let s = Instant::now();
        let _ = wspec_generated::decode::decode_module(bytes);
        s.elapsed().max(Duration::from_nanos(100))
    };
    let runs = ((Duration::from_millis(200).as_nanos() / one.as_nanos()) as usize).clamp(3, 10_000);
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let s = Instant::now();
            let _ = wspec_generated::decode::decode_module(bytes);
            s.elapsed()
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

fn mbps(bytes: usize, t: Duration) -> f64 {
    bytes as f64 / 1e6 / t.as_secs_f64().max(1e-12)
}

// ---------------------------------------------------------------------------------------------
// `wspec bench exec`: execution speed on the benchmark workloads, beside wasmi

const EXEC_USAGE: &str = "\
usage: wspec bench exec [--size small|standard] [--only NAME] [--no-wasmi] [--fuel N]
                        [--compare BIN [--runs N]] [WORKLOAD_DIR]

Runs the benchmark workloads (fib, loop, sieve, matmul, gc_tree: the .wat files of WORKLOAD_DIR,
by default ../shared/bench beside the repository) through wspec and, in the same run, through
wasmi, and prints the time of each, their ratio, the steps wspec took and whether each engine's
result is the expected answer (a wrong answer exits with 1).

  --size small|standard  the arguments: standard (default; seconds per workload)
                         or small (a fraction of a second)
  --only NAME            one workload only (fib, loop, sieve, matmul, gc_tree)
  --no-wasmi             wspec only
  --fuel N               stop wspec after N steps (reported as out of fuel, not as a failure)
  --compare BIN          instead of wasmi, another wspec binary (a build of another commit): each
                         workload runs as `run` through this binary and through BIN, alternately,
                         and the least time of each is compared (the machine is shared: the least
                         is the run least disturbed); both must print the same results
  --runs N               runs of each binary per workload with --compare (default 5)
";

/// An argument or a result of a workload.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Value {
    I32(i32),
    I64(i64),
    F64(f64),
}

impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::I32(v) => write!(f, "{v}"),
            Value::I64(v) => write!(f, "{v}"),
            Value::F64(v) => write!(f, "{v:?}"),
        }
    }
}

/// One benchmark workload: a module file exporting a function of one argument with a known
/// result, at two sizes.
struct Workload {
    name: &'static str,
    file: &'static str,
    export: &'static str,
    standard: Value,
    small: Value,
    expect_standard: Value,
    expect_small: Value,
}

/// The workloads of `shared/bench` (their README gives the standard sizes and answers). The small
/// sizes take wspec 0.5-1.5 s each on a shared 2-core machine (wasmi: about 1-15 ms); their
/// answers were computed with wasmi, checked against wspec, and agree with the comments of the
/// workload files (loop(10^6), matmul(64)) or with closed forms (fib(24), the 41538 primes below
/// 500000, 2^15 - 1 nodes of a tree of depth 14; wasmi has no GC and cannot run gc_tree).
const WORKLOADS: &[Workload] = &[
    Workload {
        name: "fib",
        file: "fib.wat",
        export: "fib",
        standard: Value::I64(32),
        small: Value::I64(24),
        expect_standard: Value::I64(2_178_309),
        expect_small: Value::I64(46_368),
    },
    Workload {
        name: "loop",
        file: "loop.wat",
        export: "loop",
        standard: Value::I64(20_000_000),
        small: Value::I64(1_000_000),
        expect_standard: Value::I64(-8_111_423_977_641_325_184),
        expect_small: Value::I64(333_332_833_834_249_952),
    },
    Workload {
        name: "sieve",
        file: "sieve.wat",
        export: "sieve",
        standard: Value::I32(10_000_000),
        small: Value::I32(500_000),
        expect_standard: Value::I32(664_579),
        expect_small: Value::I32(41_538),
    },
    Workload {
        name: "matmul",
        file: "matmul.wat",
        export: "matmul",
        standard: Value::I32(200),
        small: Value::I32(64),
        expect_standard: Value::F64(26_666_000_000.0),
        expect_small: Value::F64(89_456_640.0),
    },
    Workload {
        name: "gc_tree",
        file: "gc_tree.wat",
        export: "tree",
        standard: Value::I32(18),
        small: Value::I32(14),
        expect_standard: Value::I32(524_287),
        expect_small: Value::I32(32_767),
    },
];

/// Call depth allowed to wspec: nested contexts (calls and blocks together); fib and gc_tree
/// recurse as deep as their argument, a few contexts per call.
const MAX_DEPTH: usize = 1_000_000;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Size {
    Small,
    Standard,
}

#[derive(Debug)]
struct ExecOptions {
    size: Size,
    only: Option<String>,
    wasmi: bool,
    fuel: Option<u64>,
    dir: Option<String>,
    /// Another wspec binary to compare with, and how many runs of each.
    compare: Option<String>,
    runs: u32,
}

impl ExecOptions {
    /// The workloads asked for (`--only`), in order.
    fn chosen(&self) -> Vec<&'static Workload> {
        WORKLOADS.iter().filter(|w| self.only.as_deref().is_none_or(|n| n == w.name)).collect()
    }
}

impl Workload {
    /// The argument and the expected result at a size.
    fn at(&self, size: Size) -> (Value, Value) {
        match size {
            Size::Small => (self.small, self.expect_small),
            Size::Standard => (self.standard, self.expect_standard),
        }
    }
}

fn parse_exec_options(args: &[String]) -> Result<ExecOptions, String> {
    let mut o = ExecOptions { size: Size::Standard, only: None, wasmi: true, fuel: None, dir: None, compare: None, runs: 5 };
    let mut words = crate::args::Words::new(args);
    while let Some(w) = words.next() {
        let a = w.text;
        let mut value = || words.value(&w);
        match w.flag {
            "--size" => {
                o.size = match value()?.as_str() {
                    "small" => Size::Small,
                    "standard" => Size::Standard,
                    other => return Err(format!("`--size` is `small` or `standard`, not `{other}`")),
                }
            }
            "--only" => {
                let name = value()?;
                if !WORKLOADS.iter().any(|w| w.name == name) {
                    let names: Vec<&str> = WORKLOADS.iter().map(|w| w.name).collect();
                    return Err(format!("no workload `{name}`; the workloads are {}", names.join(", ")));
                }
                o.only = Some(name);
            }
            "--no-wasmi" => o.wasmi = false,
            "--fuel" => {
                let v = value()?;
                o.fuel = Some(v.parse().map_err(|_| format!("`--fuel` takes a number of steps, not `{v}`"))?);
            }
            "--compare" => o.compare = Some(value()?),
            "--runs" => {
                let v = value()?;
                o.runs = v.parse().ok().filter(|n| *n > 0).ok_or_else(|| format!("`--runs` takes a positive number, not `{v}`"))?;
            }
            "--color" => {}
            _ if a.starts_with('-') && a.len() > 1 => return Err(format!("unknown option `{a}` for `wspec bench exec`")),
            _ if o.dir.is_none() => o.dir = Some(a.to_string()),
            _ => return Err(format!("unexpected argument `{a}` (one WORKLOAD_DIR at most)")),
        }
    }
    if o.compare.is_some() && o.fuel.is_some() {
        return Err("`--fuel` applies to the in-process run, not to `--compare`".into());
    }
    Ok(o)
}

/// The default workload directory: `../shared/bench` beside the repository, found from the
/// current directory upwards or, failing that, from where this binary was built.
fn default_workload_dir() -> Result<PathBuf, String> {
    let mut roots: Vec<PathBuf> = Vec::new();
    if let Ok(cwd) = std::env::current_dir() {
        for d in cwd.ancestors() {
            if d.join("Cargo.toml").is_file() && d.join("spec").is_dir() && d.join("tools").is_dir() {
                roots.push(d.to_path_buf());
                break;
            }
        }
    }
    roots.push(Path::new(env!("CARGO_MANIFEST_DIR")).join(".."));
    let mut looked = Vec::new();
    for root in roots {
        let dir = root.join("..").join("shared").join("bench");
        if dir.is_dir() {
            return Ok(dir);
        }
        looked.push(dir.display().to_string());
    }
    Err(format!(
        "no workload directory: looked for ../shared/bench beside the repository ({}); \
         give WORKLOAD_DIR, a directory holding {}",
        looked.join(", "),
        WORKLOADS.iter().map(|w| w.file).collect::<Vec<_>>().join(", "),
    ))
}

fn exec(args: &[String]) -> ExitCode {
    let o = match parse_exec_options(args) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}\n{EXEC_USAGE}");
            return ExitCode::from(2);
        }
    };
    let dir = match &o.dir {
        Some(d) => PathBuf::from(d),
        None => match default_workload_dir() {
            Ok(d) => d,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        },
    };
    if !dir.is_dir() {
        eprintln!("error: the workload directory `{}` does not exist", dir.display());
        return ExitCode::from(2);
    }
    if let Some(bin) = &o.compare {
        return ExitCode::from(compare_all(&o, Path::new(bin), &dir));
    }
    // The generated code recurses on definitions: a big stack, as for `wspec run`.
    let worker = std::thread::Builder::new().name("wspec-bench".into()).stack_size(256 << 20).spawn(move || exec_all(&o, &dir));
    match worker.map(|h| h.join()) {
        Ok(Ok(code)) => ExitCode::from(code),
        Ok(Err(_)) => {
            eprintln!("error: internal error (a bug in wspec): the benchmark panicked");
            ExitCode::from(1)
        }
        Err(e) => {
            eprintln!("error: cannot start the benchmark thread: {e}");
            ExitCode::from(1)
        }
    }
}

/// How an engine's run of one workload ended.
enum Outcome {
    /// The expected answer.
    Ok,
    /// Another answer.
    Wrong(String),
    /// An error: a trap, a stuck configuration, a module that does not load.
    Error(String),
    /// wspec ran out of the fuel given with `--fuel` (not a failure).
    OutOfFuel,
    /// The engine cannot load the module (wasmi has no GC), or was not asked to run.
    NotRun(String),
}

impl Outcome {
    fn cell(&self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Wrong(_) => "WRONG",
            Outcome::Error(_) => "ERROR",
            Outcome::OutOfFuel => "no-fuel",
            Outcome::NotRun(_) => "-",
        }
    }
    fn failed(&self) -> bool {
        matches!(self, Outcome::Wrong(_) | Outcome::Error(_))
    }
    fn detail(&self) -> Option<&str> {
        match self {
            Outcome::Wrong(m) | Outcome::Error(m) | Outcome::NotRun(m) => Some(m),
            _ => None,
        }
    }
}

struct Run {
    outcome: Outcome,
    /// The time of the invocation (module loading and instantiation not included).
    time: Option<Duration>,
    steps: Option<u64>,
}

fn exec_all(o: &ExecOptions, dir: &Path) -> u8 {
    let chosen = o.chosen();
    let progress = std::io::stderr().is_terminal();
    if o.size == Size::Standard {
        eprintln!(
            "note: at standard sizes wspec takes seconds per workload (it runs tens of times slower than \
             wasmi); `--size small` takes a fraction of a second"
        );
    }
    say!(
        "workloads of {}, {} size{}",
        dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf()).display(),
        if o.size == Size::Small { "small" } else { "standard" },
        match o.fuel {
            Some(n) => format!(", wspec fuel {n} steps"),
            None => String::new(),
        }
    );
    say!(
        "{:<9} {:>10} {:>10} {:>10} {:>9} {:>13} {:>8} {:>7} {:>7}",
        "workload", "argument", "wspec", "wasmi", "ratio", "wspec steps", "ns/step", "wspec", "wasmi"
    );
    let mut failed = false;
    let mut ran = 0;
    let mut notes: Vec<String> = Vec::new();
    for (k, w) in chosen.iter().enumerate() {
        let (arg, expect) = w.at(o.size);
        let path = dir.join(w.file);
        if !path.is_file() {
            say!("{:<9} {:>10} skipped: no {} in the workload directory", w.name, arg.to_string(), w.file);
            continue;
        }
        ran += 1;
        let bytes = match crate::decode_cmd::module_bytes(&path) {
            Ok(b) => b,
            Err(e) => {
                say!("{:<9} {:>10} ERROR: cannot load {}", w.name, arg.to_string(), w.file);
                notes.push(format!("{}: {e}", w.name));
                failed = true;
                continue;
            }
        };
        let label = format!("[{}/{}] {} {}", k + 1, chosen.len(), w.name, arg);
        let wasmi = if o.wasmi {
            with_progress(progress, &format!("{label}: wasmi"), || run_wasmi(&bytes, w.export, arg, expect))
        } else {
            Run { outcome: Outcome::NotRun("wasmi not run (--no-wasmi)".into()), time: None, steps: None }
        };
        let wspec = with_progress(progress, &format!("{label}: wspec"), || run_wspec(&bytes, w.export, arg, expect, o.fuel));
        let ratio = match (wspec.time, wasmi.time) {
            (Some(a), Some(b)) if matches!(wspec.outcome, Outcome::Ok) && matches!(wasmi.outcome, Outcome::Ok) => {
                format!("{:.0}x", a.as_secs_f64() / b.as_secs_f64().max(1e-9))
            }
            _ => "-".into(),
        };
        let ns_per_step = match (wspec.time, wspec.steps) {
            (Some(t), Some(n)) if n > 0 => format!("{:.0}", t.as_nanos() as f64 / n as f64),
            _ => "-".into(),
        };
        say!(
            "{:<9} {:>10} {:>10} {:>10} {:>9} {:>13} {:>8} {:>7} {:>7}",
            w.name,
            arg.to_string(),
            show_time(wspec.time),
            show_time(wasmi.time),
            ratio,
            wspec.steps.map(|n| n.to_string()).unwrap_or_else(|| "-".into()),
            ns_per_step,
            wspec.outcome.cell(),
            wasmi.outcome.cell(),
        );
        for (engine, run) in [("wspec", &wspec), ("wasmi", &wasmi)] {
            if let Some(d) = run.outcome.detail() {
                if !matches!(&run.outcome, Outcome::NotRun(_)) || o.wasmi {
                    notes.push(format!("{} on {engine}: {d}", w.name));
                }
            }
            failed |= run.outcome.failed();
        }
    }
    for n in &notes {
        say!("  {n}");
    }
    if ran == 0 {
        eprintln!("error: no workload file found in `{}`", dir.display());
        return 1;
    }
    if failed {
        eprintln!("error: a workload gave a wrong answer or failed");
        return 1;
    }
    0
}

/// `--compare BIN`: each workload as `run` through this binary and through `bin`, alternately
/// (which goes first changes every round), `o.runs` times each. Times are whole processes, so
/// loading and instantiation count for both alike.
fn compare_all(o: &ExecOptions, bin: &Path, dir: &Path) -> u8 {
    let this = match std::env::current_exe() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: cannot tell where this binary is: {e}");
            return 2;
        }
    };
    if !bin.is_file() {
        eprintln!("error: no binary `{}` to compare with", bin.display());
        return 2;
    }
    let chosen = o.chosen();
    let progress = std::io::stderr().is_terminal();
    say!("workloads of {}, {} size, least of {} runs each", dir.display(), if o.size == Size::Small { "small" } else { "standard" }, o.runs);
    say!("{:<9} {:>10} {:>10} {:>10} {:>9}", "workload", "argument", "this", "other", "this/other");
    let mut failed = false;
    for (k, w) in chosen.iter().enumerate() {
        let (arg, _) = w.at(o.size);
        let path = dir.join(w.file);
        if !path.is_file() {
            say!("{:<9} {:>10} skipped: no {} in the workload directory", w.name, arg.to_string(), w.file);
            continue;
        }
        let args: Vec<String> = vec!["run".into(), path.display().to_string(), "--invoke".into(), w.export.into(), arg.to_string()];
        let exes = [this.as_path(), bin];
        let mut best: [Option<Duration>; 2] = [None, None];
        let mut printed: [Option<Vec<u8>>; 2] = [None, None];
        let mut problem: Option<String> = None;
        'rounds: for round in 0..o.runs {
            for turn in 0..2 {
                let e = (turn + round as usize) % 2;
                if progress {
                    eprint!("\r\x1b[K[{}/{}] {} {}: run {} of {}", k + 1, chosen.len(), w.name, arg, round + 1, o.runs);
                    let _ = std::io::stderr().flush();
                }
                let start = Instant::now();
                let out = std::process::Command::new(exes[e]).args(&args).output();
                let t = start.elapsed();
                match out {
                    Ok(out) if out.status.success() => {
                        if printed[e].as_ref().is_some_and(|p| *p != out.stdout) {
                            problem = Some(format!("{} printed different results on different runs", exes[e].display()));
                            break 'rounds;
                        }
                        printed[e] = Some(out.stdout);
                        best[e] = Some(best[e].map_or(t, |b| b.min(t)));
                    }
                    Ok(out) => {
                        problem = Some(format!("{} failed: {}", exes[e].display(), String::from_utf8_lossy(&out.stderr).trim()));
                        break 'rounds;
                    }
                    Err(err) => {
                        problem = Some(format!("cannot run {}: {err}", exes[e].display()));
                        break 'rounds;
                    }
                }
            }
        }
        if progress {
            eprint!("\r\x1b[K");
        }
        if problem.is_none() && printed[0] != printed[1] {
            let show = |p: &Option<Vec<u8>>| p.as_ref().map(|b| String::from_utf8_lossy(b).trim().to_string()).unwrap_or_default();
            problem = Some(format!("the results differ: this printed `{}`, the other `{}`", show(&printed[0]), show(&printed[1])));
        }
        let ratio = match (best[0], best[1]) {
            (Some(a), Some(b)) if problem.is_none() => format!("{:.2}", a.as_secs_f64() / b.as_secs_f64().max(1e-9)),
            _ => "-".into(),
        };
        say!("{:<9} {:>10} {:>10} {:>10} {:>9}", w.name, arg.to_string(), show_time(best[0]), show_time(best[1]), ratio);
        if let Some(p) = problem {
            say!("  {}: {p}", w.name);
            failed = true;
        }
    }
    if failed {
        eprintln!("error: a workload failed or the binaries disagree");
        return 1;
    }
    0
}

fn show_time(t: Option<Duration>) -> String {
    match t {
        None => "-".into(),
        Some(t) if t >= Duration::from_secs(1) => format!("{:.2}s", t.as_secs_f64()),
        Some(t) if t >= Duration::from_millis(1) => format!("{:.1}ms", t.as_secs_f64() * 1e3),
        Some(t) => format!("{:.1}us", t.as_secs_f64() * 1e6),
    }
}

/// Runs `f`, showing `what` and the seconds elapsed on standard error (a terminal) meanwhile.
fn with_progress<T>(show: bool, what: &str, f: impl FnOnce() -> T) -> T {
    if !show {
        return f();
    }
    let done = Arc::new(AtomicBool::new(false));
    let flag = done.clone();
    let what = what.to_string();
    let ticker = std::thread::spawn(move || {
        let start = Instant::now();
        while !flag.load(Ordering::Relaxed) {
            eprint!("\r\x1b[K{what} … {}s", start.elapsed().as_secs());
            let _ = std::io::stderr().flush();
            // Wake often to end promptly, redraw once a second.
            for _ in 0..10 {
                if flag.load(Ordering::Relaxed) {
                    break;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        eprint!("\r\x1b[K");
        let _ = std::io::stderr().flush();
    });
    let r = f();
    done.store(true, Ordering::Relaxed);
    let _ = ticker.join();
    r
}

fn wspec_val(v: Value) -> s::Val {
    match v {
        Value::I32(x) => s::Val::Num_(s::Num_(s::Numtype::I32, s::Num::Inn(u64::from(x as u32)))),
        Value::I64(x) => s::Val::Num_(s::Num_(s::Numtype::I64, s::Num::Inn(x as u64))),
        Value::F64(x) => s::Val::Num_(s::Num_(s::Numtype::F64, s::Num::Fnn(x.to_bits()))),
    }
}

fn from_wspec(v: &s::Val) -> Option<Value> {
    match v {
        s::Val::Num_(s::Num_(s::Numtype::I32, s::Num::Inn(b))) => Some(Value::I32(*b as u32 as i32)),
        s::Val::Num_(s::Num_(s::Numtype::I64, s::Num::Inn(b))) => Some(Value::I64(*b as i64)),
        s::Val::Num_(s::Num_(s::Numtype::F64, s::Num::Fnn(b))) => Some(Value::F64(f64::from_bits(*b))),
        _ => None,
    }
}

/// Whether results are exactly the expected one (floats by their bits).
fn check(results: &[Option<Value>], shown: impl Fn() -> String, expect: Value) -> Outcome {
    let same = match (results, expect) {
        ([Some(Value::F64(a))], Value::F64(b)) => a.to_bits() == b.to_bits(),
        ([Some(a)], b) => *a == b,
        _ => false,
    };
    if same {
        Outcome::Ok
    } else {
        Outcome::Wrong(format!("returned {}, expected {expect}", shown()))
    }
}

fn run_wspec(bytes: &[u8], export: &str, arg: Value, expect: Value, fuel: Option<u64>) -> Run {
    let fail = |m: String| Run { outcome: Outcome::Error(m), time: None, steps: None };
    let mut it = Interp::new();
    it.limits = Limits { max_depth: MAX_DEPTH, fuel, ..Limits::default() };
    let module = match it.decode(bytes) {
        Ok(m) => m,
        Err(e) => return fail(e.to_string()),
    };
    if !module.imports.is_empty() {
        return fail("the module has imports; workloads take none".into());
    }
    let mm = match it.instantiate(&module, Vec::new()) {
        Ok(mm) => mm,
        Err(e) => return fail(format!("instantiation: {e}")),
    };
    let Some(s::Externaddr::Func(fa)) = wspec_interpreter::export(&mm, export) else {
        return fail(format!("no exported function `{export}`"));
    };
    let start = Instant::now();
    let r = it.invoke(fa, vec![wspec_val(arg)]);
    let time = Some(start.elapsed());
    let steps = Some(it.steps);
    let outcome = match r {
        Ok(vals) => {
            let got: Vec<Option<Value>> = vals.iter().map(from_wspec).collect();
            check(&got, || vals.iter().map(|v| from_wspec(v).map_or_else(|| format!("{v:?}"), |x| x.to_string())).collect::<Vec<_>>().join(" "), expect)
        }
        Err(Error::Exhaustion(m)) if fuel.is_some() && m == OUT_OF_FUEL => Outcome::OutOfFuel,
        Err(e) => Outcome::Error(e.to_string()),
    };
    Run { outcome, time, steps }
}

/// The message of a run that used up its fuel (`wspec_runtime::machine::OUT_OF_FUEL`).
const OUT_OF_FUEL: &str = "out of fuel";

fn wasmi_val(v: Value) -> wasmi::Val {
    match v {
        Value::I32(x) => wasmi::Val::I32(x),
        Value::I64(x) => wasmi::Val::I64(x),
        Value::F64(x) => wasmi::Val::F64(wasmi::F64::from_float(x)),
    }
}

fn from_wasmi(v: &wasmi::Val) -> Option<Value> {
    match v {
        wasmi::Val::I32(x) => Some(Value::I32(*x)),
        wasmi::Val::I64(x) => Some(Value::I64(*x)),
        wasmi::Val::F64(x) => Some(Value::F64(x.to_float())),
        _ => None,
    }
}

/// Runs a workload on wasmi: the median time of a few calls when one is short (the first call
/// also translates the functions it reaches, wasmi compiling lazily).
fn run_wasmi(bytes: &[u8], export: &str, arg: Value, expect: Value) -> Run {
    let mut config = wasmi::Config::default();
    config.set_max_recursion_depth(MAX_DEPTH);
    let engine = wasmi::Engine::new(&config);
    let module = match wasmi::Module::new(&engine, bytes) {
        Ok(m) => m,
        // wasmi implements no GC (structs, arrays): such a workload is not run, not failed.
        Err(e) => return Run { outcome: Outcome::NotRun(format!("wasmi cannot load the module: {e}")), time: None, steps: None },
    };
    let mut store = wasmi::Store::new(&engine, ());
    let linker = wasmi::Linker::<()>::new(&engine);
    let fail = |m: String| Run { outcome: Outcome::Error(m), time: None, steps: None };
    let instance = match linker.instantiate_and_start(&mut store, &module) {
        Ok(i) => i,
        Err(e) => return fail(format!("instantiation: {e}")),
    };
    let Some(func) = instance.get_func(&store, export) else {
        return fail(format!("no exported function `{export}`"));
    };
    let mut results: Vec<wasmi::Val> = func.ty(&store).results().iter().map(|t| wasmi::Val::default_for_ty(*t)).collect();
    let args = [wasmi_val(arg)];
    let mut times = Vec::new();
    let budget = Instant::now();
    loop {
        let start = Instant::now();
        if let Err(e) = func.call(&mut store, &args, &mut results) {
            return fail(e.to_string());
        }
        times.push(start.elapsed());
        if times.len() >= 9 || budget.elapsed() > Duration::from_millis(300) {
            break;
        }
    }
    times.sort();
    let got: Vec<Option<Value>> = results.iter().map(from_wasmi).collect();
    let outcome = check(&got, || results.iter().map(|v| from_wasmi(v).map_or_else(|| format!("{v:?}"), |x| x.to_string())).collect::<Vec<_>>().join(" "), expect);
    Run { outcome, time: Some(times[times.len() / 2]), steps: None }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn exec_options() {
        let o = parse_exec_options(&strings(&["--size", "small", "--only=fib", "--no-wasmi", "--fuel", "10", "dir"])).unwrap();
        assert!(o.compare.is_none() && o.runs == 5);
        let c = parse_exec_options(&strings(&["--compare", "old/wspec", "--runs", "3"])).unwrap();
        assert_eq!((c.compare.as_deref(), c.runs), (Some("old/wspec"), 3));
        assert!(parse_exec_options(&strings(&["--runs", "0"])).is_err());
        assert!(parse_exec_options(&strings(&["--compare", "x", "--fuel", "9"])).is_err());
        assert_eq!(o.size, Size::Small);
        assert_eq!(o.only.as_deref(), Some("fib"));
        assert!(!o.wasmi);
        assert_eq!(o.fuel, Some(10));
        assert_eq!(o.dir.as_deref(), Some("dir"));
        let o = parse_exec_options(&[]).unwrap();
        assert_eq!(o.size, Size::Standard);
        assert!(o.wasmi && o.dir.is_none());
        assert!(parse_exec_options(&strings(&["--size", "huge"])).is_err());
        assert!(parse_exec_options(&strings(&["--only", "nope"])).unwrap_err().contains("fib, loop, sieve, matmul, gc_tree"));
        assert!(parse_exec_options(&strings(&["a", "b"])).is_err());
        assert!(parse_exec_options(&strings(&["--frob"])).is_err());
    }

    #[test]
    fn workloads_are_distinct_and_sized() {
        for (i, w) in WORKLOADS.iter().enumerate() {
            assert!(WORKLOADS[..i].iter().all(|v| v.name != w.name && v.file != w.file), "{} twice", w.name);
            assert_eq!(std::mem::discriminant(&w.small), std::mem::discriminant(&w.standard), "{}", w.name);
            assert_eq!(std::mem::discriminant(&w.expect_small), std::mem::discriminant(&w.expect_standard), "{}", w.name);
        }
    }

    #[test]
    fn answers_are_compared_exactly() {
        assert!(matches!(check(&[Some(Value::I64(5))], String::new, Value::I64(5)), Outcome::Ok));
        assert!(matches!(check(&[Some(Value::I32(5))], String::new, Value::I64(5)), Outcome::Wrong(_)));
        assert!(matches!(check(&[Some(Value::F64(-0.0))], String::new, Value::F64(0.0)), Outcome::Wrong(_)));
        assert!(matches!(check(&[], String::new, Value::I32(0)), Outcome::Wrong(_)));
        assert_eq!(from_wspec(&wspec_val(Value::I32(-3))), Some(Value::I32(-3)));
        assert_eq!(from_wspec(&wspec_val(Value::F64(2.5))), Some(Value::F64(2.5)));
    }
}
