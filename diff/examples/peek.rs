// Prints what fuzz-diff does with a few seeds: `peek FROM N`; `PEEK_WAT=SEED peek` prints the
// module of one seed as text (a development aid).
fn main() {
    let args: Vec<u64> = std::env::args().skip(1).map(|a| a.parse().unwrap()).collect();
    let (from, n) = (args.first().copied().unwrap_or(1), args.get(1).copied().unwrap_or(10));
    let settings = wspec_diff::Settings::default();
    std::thread::Builder::new().stack_size(256 << 20).spawn(move || {
        if let Ok(s) = std::env::var("PEEK_WAT") {
            let m = wspec_diff::generate(s.parse().unwrap(), &settings).unwrap();
            println!("{}", wspec_diff::to_text(&m));
            return;
        }
        for seed in from..from + n {
            match wspec_diff::trial(seed, &settings) {
                Ok(t) => {
                    let funcs = wspec_diff::to_text(&t.module).matches("(func ").count();
                    println!("seed {seed}: {} bytes, {funcs} funcs, {} calls, {} steps: {:?}", t.module.len(), t.calls.len(), t.steps, match &t.verdict { wspec_diff::Verdict::Limited(m) => format!("limited {m}"), v => format!("{v:?}").chars().take(150).collect() });
                }
                Err(e) => println!("seed {seed}: {e}"),
            }
        }
    }).unwrap().join().unwrap();
}
