//! `wspec bench decode`: decoding speed of the generated decoder on the largest modules of the
//! bundled official suite (or on given `.wasm`/`.wat` files), in MB/s.

use std::process::ExitCode;
use std::time::{Duration, Instant};
use wspec_testsuite::run::SourceText;
use wspec_testsuite::script::{self, Command};

pub fn run(args: &[String]) -> ExitCode {
    match args.first().map(|s| s.as_str()) {
        Some("decode") => decode(&args[1..]),
        _ => {
            eprintln!("usage: wspec bench decode [FILES...]");
            ExitCode::from(2)
        }
    }
}

fn decode(files: &[String]) -> ExitCode {
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
                    return ExitCode::from(1);
                }
            }
        }
    }
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
