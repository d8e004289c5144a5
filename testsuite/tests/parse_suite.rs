//! Every script of the bundled suite parses with the runner's parser, and every module the
//! suite expects to be well-formed is encoded by the text front end.

use wspec_testsuite::script::{self, Action, Command, ModuleForm, Script};
use wspec_testsuite::{suite, SourceText};

#[derive(Default, Debug)]
struct Counts {
    files: usize,
    commands: usize,
    assertions: usize,
}

/// Modules that must have been encoded (they are not expected to be malformed).
fn check_encoded(name: &str, script: &Script) -> Vec<String> {
    let mut bad = vec![];
    for c in &script.commands {
        let module = match &c.command {
            Command::Module { module, .. }
            | Command::AssertInvalid { module, .. }
            | Command::AssertUnlinkable { module, .. } => Some(module),
            Command::AssertTrap { action: Action::Instantiate(m), .. } => Some(m),
            _ => None,
        };
        if let Some(m) = module {
            if m.form != ModuleForm::Component {
                if let Err(e) = &m.binary {
                    bad.push(format!("{name}:{}: {e}", c.line));
                }
            }
        }
    }
    bad
}

fn parse_suite(name: &str) -> Counts {
    let mut counts = Counts::default();
    let mut errors = vec![];
    for src in suite::bundled(name).unwrap() {
        let SourceText::Static(text) = src.text else { unreachable!() };
        match script::parse(text) {
            Ok(s) => {
                counts.files += 1;
                counts.commands += s.commands.len();
                counts.assertions += s.assertions();
                errors.extend(check_encoded(&src.name, &s));
            }
            Err(e) => errors.push(format!("{}: {e}", src.name)),
        }
    }
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    eprintln!("{name}: {counts:?}");
    counts
}

#[test]
fn wasm_v1_parses_completely() {
    let c = parse_suite("wasm-v1");
    assert_eq!(c.files, 73);
    assert!(c.assertions > 15_000, "{c:?}");
}

#[test]
fn wasm_v2_parses_completely() {
    let c = parse_suite("wasm-v2");
    assert_eq!(c.files, 90);
    assert!(c.assertions > 25_000, "{c:?}");
}

#[test]
fn wasm_v3_parses_completely() {
    let c = parse_suite("wasm-v3");
    assert_eq!(c.files, 97);
    assert!(c.assertions > 19_000, "{c:?}");
}

#[test]
fn the_default_suite_parses_completely() {
    let c = parse_suite(suite::DEFAULT_SUITE);
    assert_eq!(c.files, 233);
}

/// The official 3.0 suite, when this machine has the project's copy of it.
#[test]
fn spec_core_parses_completely_if_present() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/testsuite/spec-core");
    if !dir.is_dir() {
        eprintln!("no {} here; skipped", dir.display());
        return;
    }
    let mut counts = Counts::default();
    let mut errors = vec![];
    for src in suite::collect(&[dir]).unwrap() {
        let SourceText::Path(p) = &src.text else { unreachable!() };
        let text = std::fs::read_to_string(p).unwrap();
        match script::parse(&text) {
            Ok(s) => {
                counts.files += 1;
                counts.commands += s.commands.len();
                counts.assertions += s.assertions();
                errors.extend(check_encoded(&src.name, &s));
            }
            Err(e) => errors.push(format!("{}: {e}", src.name)),
        }
    }
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    eprintln!("spec-core: {counts:?}");
    assert_eq!(counts.files, 258);
}
