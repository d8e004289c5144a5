//! `wspec-gen`: `wspec gen` without the generated crate, to regenerate it when it does not
//! compile (`cargo run -p wspec-dsl --bin wspec-gen`).

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    wspec_dsl::gen_cmd::run(&args)
}
