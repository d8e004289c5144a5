//! `wspec fuzz-diff`: differential testing against wasmi on modules wasm-smith generates. Each
//! module's calls run in both engines and are compared modulo what the standard leaves open
//! (see `wspec_diff`). A divergence is written to a folder (the module, a shrunk module that
//! diverges the same way, both as text, and the commands that replay the calls), announced in
//! one line, and the run goes on.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};
use wspec_diff::{Rng, Settings, Trial, Verdict};

const USAGE: &str = "\
usage: wspec fuzz-diff [--engine wasmi] [--seed S] [--iterations N | --time T] [--out DIR]
                       [--fuel N] [--entropy BYTES] [--shrink-attempts N] [--no-shrink]

Generates modules with wasm-smith (the features both engines run: no GC, exceptions, threads
or relaxed SIMD), calls every exported function in wspec and in wasmi with arguments drawn from
the seed, and compares results, trap kinds and the exports' final state. NaNs wspec had to
choose are compared as the sets the standard allows, and a difference that goes away or moves
when wspec chooses canonical NaNs instead is put down to that choice; a run that reaches a limit
(fuel, stack) is compared up to there only. A divergence that a known bug of wasmi explains is
counted, not written.

  --engine wasmi        The engine to compare with (the only one for now)
  --seed S              The first seed (default: from the clock, printed); module k is made from
                        seed S+k, so `--seed S+k --iterations 1` makes it again
  --iterations N        Modules to compare (default 1000)
  --time T              Compare modules for this long instead (e.g. 90s, 10m, 1h)
  --out DIR             Where divergences are written (default fuzz-divergences)
  --fuel N              wspec's steps per call (default 1000000); wasmi gets ten times as much
  --entropy BYTES       Random bytes per module: more makes bigger modules (default 4096)
  --shrink-attempts N   Failed shrinking attempts before giving up (default 200)
  --no-shrink           Write divergences without shrinking them";

#[derive(Debug)]
struct Options {
    seed: u64,
    budget: Budget,
    out: PathBuf,
    settings: Settings,
    shrink_attempts: u32,
}

#[derive(Debug, Clone, Copy)]
enum Budget {
    Iterations(u64),
    Time(Duration),
}

fn parse_options(args: &[String]) -> Result<Options, String> {
    let clock = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(0);
    let mut o = Options {
        seed: Rng::new(clock).next() >> 16,
        budget: Budget::Iterations(1000),
        out: PathBuf::from("fuzz-divergences"),
        settings: Settings::default(),
        shrink_attempts: 200,
    };
    let (mut iterations, mut time) = (None, None);
    let mut words = crate::args::Words::new(args);
    while let Some(w) = words.next() {
        let (a, flag) = (w.text, w.flag);
        let mut value = || words.value(&w);
        let number = |v: String| parse_number(&v).ok_or_else(|| format!("`{flag}` takes a number, not `{v}`"));
        match flag {
            "--engine" => {
                let v = value()?;
                if v != "wasmi" {
                    return Err(format!("unknown engine `{v}`: wspec fuzz-diff compares with wasmi"));
                }
            }
            "--seed" => o.seed = number(value()?)?,
            "--iterations" => iterations = Some(number(value()?)?),
            "--time" => {
                let v = value()?;
                time = Some(parse_duration(&v).ok_or_else(|| format!("`--time` takes a duration like 90s, 10m or 1h, not `{v}`"))?);
            }
            "--out" => o.out = PathBuf::from(value()?),
            "--fuel" => o.settings.fuel = number(value()?)?.max(1),
            "--entropy" => o.settings.entropy = number(value()?)?.clamp(16, 1 << 24) as usize,
            "--shrink-attempts" => o.shrink_attempts = u32::try_from(number(value()?)?).unwrap_or(u32::MAX),
            "--no-shrink" => o.shrink_attempts = 0,
            "--color" => {}
            "-h" | "--help" => return Err(String::new()),
            _ => return Err(format!("unknown argument `{a}` for `wspec fuzz-diff`")),
        }
    }
    o.budget = match (iterations, time) {
        (Some(_), Some(_)) => return Err("give `--iterations` or `--time`, not both".into()),
        (Some(n), None) => Budget::Iterations(n),
        (None, Some(t)) => Budget::Time(t),
        (None, None) => o.budget,
    };
    Ok(o)
}

/// A number, decimal or `0x` hexadecimal, with `_` separators; `S+K` adds (for seeds).
fn parse_number(text: &str) -> Option<u64> {
    if let Some((a, b)) = text.split_once('+') {
        return parse_number(a)?.checked_add(parse_number(b)?);
    }
    let clean: String = text.chars().filter(|&c| c != '_').collect();
    match clean.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => clean.parse().ok(),
    }
}

fn parse_duration(text: &str) -> Option<Duration> {
    let digits = text.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let n: u64 = digits.parse().ok()?;
    let secs = match &text[digits.len()..] {
        "" | "s" => n,
        "m" | "min" => n.checked_mul(60)?,
        "h" => n.checked_mul(3600)?,
        _ => return None,
    };
    Some(Duration::from_secs(secs))
}

pub fn run(args: &[String]) -> ExitCode {
    let o = match parse_options(args) {
        Ok(o) => o,
        Err(e) if e.is_empty() => {
            crate::out::write(&format!("{USAGE}\n"));
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("error: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    // wspec's panics are caught and reported as divergences: the default hook's backtrace
    // would only break the progress line.
    std::panic::set_hook(Box::new(|_| {}));
    // Generated code recurses on definitions: a big stack keeps deep modules from overflowing.
    let worker = std::thread::Builder::new().name("wspec-fuzz-diff".into()).stack_size(256 << 20).spawn(move || campaign(&o));
    match worker.map(|h| h.join()) {
        Ok(Ok(code)) => code,
        Ok(Err(_)) => {
            eprintln!("error: internal error (a bug in wspec fuzz-diff)");
            ExitCode::from(1)
        }
        Err(e) => {
            eprintln!("error: cannot start the fuzzing thread: {e}");
            ExitCode::from(1)
        }
    }
}

/// What a campaign saw.
#[derive(Default)]
struct Tally {
    modules: u64,
    agreed: u64,
    limited: u64,
    rejected_by_both: u64,
    nan_licence: u64,
    /// Divergences a known bug of wasmi explains (`wspec_diff::triage`).
    known_wasmi_bugs: u64,
    divergences: u64,
    /// wasm-smith could not make a module of the seed, or wasmparser could not read its exports.
    not_generated: u64,
    calls: u64,
    returned: u64,
    trapped: u64,
    steps: u64,
}

fn campaign(o: &Options) -> ExitCode {
    let start = Instant::now();
    let progress = std::io::stderr().is_terminal();
    say!("fuzz-diff: wspec against wasmi, seeds from {:#x}; divergences go to {}", o.seed, o.out.display());
    let mut tally = Tally::default();
    let mut k: u64 = 0;
    loop {
        let done = match o.budget {
            Budget::Iterations(n) => k >= n,
            Budget::Time(t) => start.elapsed() >= t,
        };
        if done {
            break;
        }
        let seed = o.seed.wrapping_add(k);
        k += 1;
        let trial = match wspec_diff::trial(seed, &o.settings) {
            Ok(t) => t,
            Err(_) => {
                tally.not_generated += 1;
                continue;
            }
        };
        tally.modules += 1;
        tally.calls += trial.calls.len() as u64;
        tally.steps += trial.steps;
        tally.returned += trial.returned;
        tally.trapped += trial.trapped;
        match &trial.verdict {
            Verdict::Agree => tally.agreed += 1,
            Verdict::BothRejected => tally.rejected_by_both += 1,
            Verdict::Limited(_) => tally.limited += 1,
            Verdict::NanLicence(_) => tally.nan_licence += 1,
            Verdict::Diverge(_) if wspec_diff::triage(&trial.module, seed, &o.settings) != wspec_diff::Triage::Unexplained => {
                tally.known_wasmi_bugs += 1;
            }
            Verdict::Diverge(d) => {
                tally.divergences += 1;
                if progress {
                    eprint!("\r\x1b[2K");
                }
                let folder = o.out.join(format!("seed-{seed:#x}"));
                let written = record(&folder, seed, &trial, &d.class, o);
                let at = match written {
                    Ok(()) => format!(" -> {}", folder.display()),
                    Err(e) => format!(" (cannot write {}: {e})", folder.display()),
                };
                say!("divergence (seed {seed:#x}): {}{at}", d.line());
            }
        }
        if progress {
            let rate = tally.modules as f64 / start.elapsed().as_secs_f64().max(1e-9);
            let of = match o.budget {
                Budget::Iterations(n) => format!("{k}/{n}"),
                Budget::Time(t) => format!("{k} ({}s of {}s)", start.elapsed().as_secs(), t.as_secs()),
            };
            eprint!("\r\x1b[2Kfuzz-diff {of} modules, {} divergences, {rate:.1} modules/s", tally.divergences);
            let _ = std::io::stderr().flush();
        }
    }
    if progress {
        eprint!("\r\x1b[2K");
    }
    let secs = start.elapsed().as_secs_f64();
    say!("");
    say!("  modules compared            {:>8}", tally.modules);
    say!("    agreed in full            {:>8}", tally.agreed);
    say!("    agreed up to a limit      {:>8}   (fuel or stack ran out in one engine; compared up to there)", tally.limited);
    say!("    rejected by both          {:>8}", tally.rejected_by_both);
    say!("    differ where NaNs decide  {:>8}   (a NaN's bits, which the standard leaves open, reached the difference)", tally.nan_licence);
    say!("    wasmi's known bug         {:>8}   (wasmi agrees once select's i32.eqz conditions are rewritten; docs/fuzzing.md)", tally.known_wasmi_bugs);
    say!("    diverged                  {:>8}", tally.divergences);
    if tally.not_generated > 0 {
        say!("  seeds without a module      {:>8}", tally.not_generated);
    }
    say!("  calls                       {:>8}   ({} returned, {} trapped in wspec)", tally.calls, tally.returned, tally.trapped);
    say!("  wspec steps                 {:>8}", tally.steps);
    say!("  time                        {:>8.1} s   ({:.1} modules/s)", secs, tally.modules as f64 / secs.max(1e-9));
    say!("{} modules compared, {} diverged", tally.modules, tally.divergences);
    if tally.divergences > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// Writes a divergence's folder: the module and its shrunk form (binary and text), the calls
/// as `wspec run` commands, and what differed.
fn record(folder: &Path, seed: u64, trial: &Trial, class: &str, o: &Options) -> std::io::Result<()> {
    std::fs::create_dir_all(folder)?;
    std::fs::write(folder.join("module.wasm"), &trial.module)?;
    std::fs::write(folder.join("module.wat"), wspec_diff::to_text(&trial.module))?;
    let mut notes = String::new();
    if let Verdict::Diverge(d) = &trial.verdict {
        notes.push_str(&format!("{}\n\nseed {seed:#x}: remake with `wspec fuzz-diff --seed {seed:#x} --iterations 1`\n", d.line()));
    }
    notes.push_str("\nThe calls, in order, on one instance (each `wspec run` makes a fresh instance):\n");
    notes.push_str(&replay("module.wasm", &trial.calls));
    if o.shrink_attempts > 0 {
        let small = wspec_diff::shrink(&trial.module, seed, class, &o.settings, o.shrink_attempts);
        std::fs::write(folder.join("shrunk.wasm"), &small)?;
        std::fs::write(folder.join("shrunk.wat"), wspec_diff::to_text(&small))?;
        if let Ok(t) = wspec_diff::trial_of(small.clone(), seed, &o.settings) {
            if let Verdict::Diverge(d) = &t.verdict {
                notes.push_str(&format!("\nshrunk.wasm ({} bytes, from {}): {}\n", small.len(), trial.module.len(), d.line()));
                notes.push_str(&replay("shrunk.wasm", &t.calls));
            }
        }
    }
    std::fs::write(folder.join("divergence.txt"), notes)
}

/// The calls as `wspec run` commands on a module file, one a line.
fn replay(file: &str, calls: &[wspec_interpreter::oracle::Invocation]) -> String {
    calls
        .iter()
        .map(|c| {
            let args: Vec<String> = c.args.iter().map(wspec_diff::describe_val).collect();
            format!("  wspec run {file} --invoke '{}' {}\n", c.export, args.join(" "))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_durations_and_options() {
        assert_eq!(parse_number("0x10+2"), Some(18));
        assert_eq!(parse_number("1_000"), Some(1000));
        assert_eq!(parse_number("x"), None);
        assert_eq!(parse_duration("90s"), Some(Duration::from_secs(90)));
        assert_eq!(parse_duration("10m"), Some(Duration::from_secs(600)));
        assert_eq!(parse_duration("1h"), Some(Duration::from_secs(3600)));
        assert_eq!(parse_duration("1y"), None);
        let args = |xs: &[&str]| xs.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(parse_options(&args(&["--iterations", "5", "--time", "1m"])).is_err());
        assert!(parse_options(&args(&["--engine", "v8"])).is_err());
        let o = parse_options(&args(&["--seed", "7", "--iterations=3", "--no-shrink"])).unwrap();
        assert_eq!(o.seed, 7);
        assert!(matches!(o.budget, Budget::Iterations(3)));
        assert_eq!(o.shrink_attempts, 0);
    }
}
