//! `cargo fuzz run diff`: wspec against wasmi on the module wasm-smith builds from the input,
//! as `wspec fuzz-diff` compares them. A divergence is a crash, so libFuzzer keeps the input;
//! `wspec fuzz-diff` and the `wspec_diff` library explain it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wspec_diff::{Settings, Verdict};

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else { return };
    let settings = Settings::default();
    let Ok(module) = wspec_diff::module_from_bytes(rest, &settings, first & 1 == 1) else { return };
    let seed = u64::from(first);
    // The generated code recurses on definitions: the command's stack size, not libFuzzer's.
    let verdict = std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(move || {
            let t = wspec_diff::trial_of(module, seed, &settings).ok()?;
            let explained = matches!(t.verdict, Verdict::Diverge(_)) && wspec_diff::triage(&t.module, seed, &settings) != wspec_diff::Triage::Unexplained;
            (!explained).then_some(t.verdict)
        })
        .expect("a thread for the comparison")
        .join()
        .expect("the comparison catches panics of both engines");
    // Divergences a known bug of wasmi explains are not reported.
    if let Some(Verdict::Diverge(d)) = verdict {
        panic!("divergence: {}", d.line());
    }
});
