use wspec_dsl::*;
#[test]
fn probe() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../spec");
    let map = source::load_dir(std::path::Path::new(dir)).unwrap();
    let c = elab::check(&map);
    println!("errors {}", c.errors());
    let t = std::time::Instant::now();
    for _ in 0..100 { let c = elab::check(&map); assert!(!c.has_errors()); }
    println!("whole spec: {:?}/run", t.elapsed() / 100);
    let t = std::time::Instant::now();
    for _ in 0..100 { for i in 0..map.len() { parse::parse_file(i, map.text(i)); } }
    println!("parse only: {:?}/run", t.elapsed() / 100);
}
