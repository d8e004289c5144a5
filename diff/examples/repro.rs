// Runs a .wat or .wasm file's exported functions in both engines, with the arguments of a seed
// (the second argument, default 0), and prints the comparison (a development aid for triage).
fn main() {
    let path = std::env::args().nth(1).expect("a .wat or .wasm file");
    let seed = std::env::args().nth(2).map_or(0, |s| u64::from_str_radix(s.trim_start_matches("0x"), 16).expect("a seed in hexadecimal"));
    let bytes = std::fs::read(&path).unwrap();
    let bytes = if path.ends_with(".wat") {
        let text = String::from_utf8(bytes).unwrap();
        let buf = wast::parser::ParseBuffer::new(&text).unwrap();
        wast::parser::parse::<wast::Wat>(&buf).unwrap().encode().unwrap()
    } else {
        bytes
    };
    std::thread::Builder::new().stack_size(256 << 20).spawn(move || {
        let settings = wspec_diff::Settings::default();
        let calls = wspec_diff::invocations(&bytes, seed).unwrap();
        let ws = wspec_diff::run_wspec(&bytes, &calls, &settings).unwrap();
        let wi = wspec_diff::run_wasmi(&bytes, &calls, &settings);
        for (k, c) in calls.iter().enumerate() {
            println!("{}: wspec {:?}\n   wasmi {:?}", c.export, ws.calls[k].outcome, wi.calls.get(k));
        }
        println!("compared: {:?}", wspec_diff::compare(&calls, &ws, &wi));
        println!("judged (NaN choices weighed): {:?}", wspec_diff::trial_of(bytes.clone(), seed, &settings).map(|t| t.verdict));
        println!("triage: {}", wspec_diff::triage(&bytes, seed, &settings).name());
    }).unwrap().join().unwrap();
}
