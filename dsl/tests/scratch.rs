use wspec_dsl::{elab, source::SourceMap, parse};
#[test]
fn scratch() {
    let text = std::fs::read_to_string(std::env::var("INPUT").unwrap()).unwrap();
    let stack: usize = std::env::var("STACK").map(|s| s.parse().unwrap()).unwrap_or(8 << 20);
    let parse_only = std::env::var("PARSE_ONLY").is_ok();
    let prefix = std::env::var("PREFIX_SPEC").is_ok();
    std::thread::Builder::new().stack_size(stack).spawn(move || {
        let mut map = SourceMap::new();
        if prefix {
            for f in ["0.0-conventions", "1.1-values", "1.2-types", "1.3-instructions"] {
                map.add(f, std::fs::read_to_string(format!("{}/../spec/{f}.wspec", env!("CARGO_MANIFEST_DIR"))).unwrap());
            }
        }
        map.add("x", text.clone());
        let t = std::time::Instant::now();
        if parse_only { let (f, d) = parse::parse_file(0, &text); println!("decls {} diags {}", f.decls.len(), d.len()); }
        else { let c = elab::check(&map); println!("diags {}", c.diagnostics.len()); for d in c.diagnostics.iter().take(3) { println!("{d:?}"); } }
        println!("time {:?}", t.elapsed());
    }).unwrap().join().unwrap();
}
