//! Development harness: validation over .wast files (assert_invalid and valid modules).
//! `V=1` lists each failure, `ALL=1` every message of a rejected module.
use wast::{parser, QuoteWat, Wast, WastDirective};
use wspec_interpreter::*;

fn main() {
    let mut pass = 0;
    let mut fail = 0;
    let mut fails: std::collections::BTreeMap<String, usize> = Default::default();
    let verbose = std::env::var("V").is_ok();
    // ALL=1: every message of a rejected module, expected or not.
    let all = std::env::var("ALL").is_ok();
    for path in std::env::args().skip(1) {
        let text = std::fs::read_to_string(&path).unwrap();
        let buf = match parser::ParseBuffer::new(&text) { Ok(b) => b, Err(_) => continue };
        let wast: Wast = match parser::parse(&buf) { Ok(w) => w, Err(_) => continue };
        for d in wast.directives {
            let (mut qw, expect): (QuoteWat, Option<String>) = match d {
                WastDirective::Module(m) => (m, None),
                WastDirective::AssertInvalid { module, message, .. } => (module, Some(message.to_string())),
                _ => continue,
            };
            let bytes = match qw.encode() { Ok(b) => b, Err(_) => continue };
            let mut it = Interp::new();
            let m = match it.decode(&bytes) { Ok(m) => m, Err(_) => continue };
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| it.validate(&m)));
            let ok = match (&r, &expect) {
                (Ok(Ok(_)), None) => true,
                (Ok(Err(Error::Invalid(msg))), Some(e)) => msg.starts_with(e.as_str()),
                _ => false,
            };
            if all {
                if let Ok(Err(m)) = &r {
                    println!("{path}: want {:?}, got {m}", expect.as_deref().unwrap_or("(valid)"));
                }
            }
            if ok { pass += 1 } else {
                fail += 1;
                let what = match (&r, &expect) {
                    (Ok(Ok(_)), Some(e)) => format!("accepted invalid: {e}"),
                    (Ok(Err(m)), None) => format!("rejected valid: {m}"),
                    (Ok(Err(m)), Some(e)) => format!("wrong message: want {e}, got {m}"),
                    (Err(_), _) => "panic".to_string(),
                    _ => "?".into(),
                };
                if verbose { println!("{path}: {what}"); }
                let key = what.split(" at instruction").next().unwrap_or("").chars().take(90).collect::<String>();
                *fails.entry(key).or_default() += 1;
            }
        }
    }
    let mut v: Vec<_> = fails.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1));
    for (k, n) in v.iter().take(40) { println!("{n:6} {k}"); }
    println!("{pass} passed, {fail} failed");
}
