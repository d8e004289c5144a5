//! `generated/` is exactly what `wspec gen` makes from `spec/`: regenerating changes nothing.

use std::path::Path;
use wspec_dsl::{codegen, elab, source};

#[test]
fn generated_code_is_up_to_date() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let sources = source::load_dir(&root.join("../spec")).expect("spec/ loads");
    let checked = elab::check(&sources);
    assert!(!checked.has_errors(), "spec/ has errors: run `wspec check`");
    let files = codegen::generate(&checked.spec, &sources).unwrap_or_else(|d| {
        panic!("code generation failed:\n{}", wspec_dsl::diag::render_all(&d, &sources))
    });
    let mut stale = Vec::new();
    for f in &files {
        let current = std::fs::read_to_string(root.join(&f.path)).unwrap_or_default();
        if current != f.text {
            stale.push(f.path.clone());
        }
    }
    assert!(stale.is_empty(), "generated/ is stale ({stale:?}); run `cargo run --bin wspec -- gen`");
}

#[test]
fn every_generated_item_names_its_source() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for file in ["src/syntax.rs", "src/decode.rs"] {
        let text = std::fs::read_to_string(root.join(file)).unwrap();
        let mut prev = "";
        for line in text.lines() {
            let item = line.starts_with("pub enum ") || line.starts_with("pub struct ") || line.starts_with("pub type ")
                || (line.starts_with("pub fn ") && file.ends_with("decode.rs") && !line.starts_with("pub fn decode_module"));
            if item {
                assert!(prev.starts_with("// from spec/") || prev.starts_with("#[derive") || prev.starts_with("///"),
                    "{file}: `{line}` has no `// from spec/...` comment (previous line: `{prev}`)");
            }
            prev = line;
        }
        assert!(text.matches("// from spec/").count() > 100, "{file} names too few sources");
    }
}
