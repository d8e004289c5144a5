//! The comparison finds what differs and lets pass what the standard leaves open. Each test runs
//! both engines on a module, then shows that a run of wasmi changed where the standard fixes
//! the answer is a divergence of the right class.

use wspec_diff::{compare, run_wasmi, run_wspec, Failure, Observed, ObservedExport, Settings, Verdict};
use wspec_generated::syntax as s;
use wspec_interpreter::oracle::{Allowed, Invocation, TrapKind};

fn wasm(text: &str) -> Vec<u8> {
    let buf = wast::parser::ParseBuffer::new(text).unwrap();
    let mut m = wast::parser::parse::<wast::Wat>(&buf).unwrap();
    m.encode().unwrap()
}

fn i32v(x: u32) -> s::Val {
    s::Val::Num_(s::Num_(s::Numtype::I32, s::Num::Inn(u64::from(x))))
}

fn f32v(x: f32) -> s::Val {
    s::Val::Num_(s::Num_(s::Numtype::F32, s::Num::Fnn(u64::from(x.to_bits()))))
}

fn call(name: &str, args: Vec<s::Val>) -> Invocation {
    Invocation { export: name.into(), args }
}

/// Runs a closure on a thread with a stack as big as the command's.
fn big_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new().stack_size(256 << 20).spawn(f).unwrap().join().unwrap()
}

const MODULE: &str = r#"(module
  (memory (export "mem") 1 1)
  (global (export "g") (mut i32) (i32.const 0))
  (func (export "add") (param i32 i32) (result i32)
    (i32.store (i32.const 16) (i32.const 0x0a0b0c0d))
    (global.set 0 (i32.const 7))
    (i32.add (local.get 0) (local.get 1)))
  (func (export "div") (param i32) (result i32) (i32.div_u (i32.const 1) (local.get 0)))
  (func (export "nan") (param f32) (result f32) (f32.div (local.get 0) (local.get 0))))"#;

#[test]
fn agreement_and_each_kind_of_difference() {
    big_stack(|| {
        let bytes = wasm(MODULE);
        let settings = Settings::default();
        let calls = vec![call("add", vec![i32v(2), i32v(3)]), call("div", vec![i32v(0)]), call("nan", vec![f32v(0.0)])];
        let ws = run_wspec(&bytes, &calls, &settings).unwrap();
        let wi = run_wasmi(&bytes, &calls, &settings);
        assert!(matches!(compare(&calls, &ws, &wi), Verdict::Agree), "{:?}", compare(&calls, &ws, &wi));

        // 0/0 chose a NaN: the result is the set, which admits wasmi's NaN whatever its bits.
        assert_eq!(ws.calls[2].outcome, Ok(vec![Allowed::ArithmeticNan(32)]));
        assert!(ws.nan_choices > 0);
        assert_eq!(ws.calls[1].outcome, Err(wspec_interpreter::Error::Trap("integer divide by zero".into())));

        let class = |wi: &wspec_diff::WasmiRun| match compare(&calls, &ws, wi) {
            Verdict::Diverge(d) => d.class,
            Verdict::NanLicence(d) => format!("licensed {}", d.class),
            other => format!("{other:?}"),
        };
        let mut wrong = wi.clone();
        wrong.calls[0] = Ok(vec![Observed::Val(i32v(6))]);
        assert_eq!(class(&wrong), "results");

        let mut wrong = wi.clone();
        wrong.calls[1] = Err(Failure::Trap(TrapKind::IntegerOverflow));
        assert_eq!(class(&wrong), "trap kind");

        let mut wrong = wi.clone();
        wrong.calls[1] = Ok(vec![Observed::Val(i32v(0))]);
        assert_eq!(class(&wrong), "outcome");

        let mut wrong = wi.clone();
        wrong.calls[2] = Ok(vec![Observed::Val(f32v(1.0))]);
        assert_eq!(class(&wrong), "results");

        let mut wrong = wi.clone();
        for (name, st) in &mut wrong.exports {
            match st {
                ObservedExport::Global(v) if name == "g" => *v = Observed::Val(i32v(8)),
                _ => {}
            }
        }
        assert_eq!(class(&wrong), "global");

        // Memory that differs after a NaN choice may hold payloads: licensed, and said so.
        let mut wrong = wi.clone();
        for (_, st) in &mut wrong.exports {
            if let ObservedExport::Memory(bytes) = st {
                bytes[17] ^= 1;
            }
        }
        assert_eq!(class(&wrong), "licensed memory");

        // A limit in either engine stops the comparison there.
        let mut limited = wrong.clone();
        limited.calls[0] = Err(Failure::Limit("out of fuel".into()));
        assert!(matches!(compare(&calls, &ws, &limited), Verdict::Limited(_)));
    });
}

#[test]
fn memory_differences_without_nan_choices_are_divergences() {
    big_stack(|| {
        let bytes = wasm(MODULE);
        let settings = Settings::default();
        let calls = vec![call("add", vec![i32v(1), i32v(1)])];
        let ws = run_wspec(&bytes, &calls, &settings).unwrap();
        assert_eq!(ws.nan_choices, 0);
        let mut wi = run_wasmi(&bytes, &calls, &settings);
        assert!(matches!(compare(&calls, &ws, &wi), Verdict::Agree));
        for (_, st) in &mut wi.exports {
            if let ObservedExport::Memory(bytes) = st {
                bytes[16] = 0;
            }
        }
        match compare(&calls, &ws, &wi) {
            Verdict::Diverge(d) => {
                assert_eq!(d.class, "memory");
                assert!(d.place.contains("byte 16"), "{}", d.place);
            }
            other => panic!("{other:?}"),
        }
    });
}

#[test]
fn generated_modules_agree() {
    big_stack(|| {
        let settings = Settings::default();
        let mut calls = 0;
        for seed in 0..40 {
            let t = wspec_diff::trial(seed, &settings).unwrap();
            calls += t.calls.len();
            let explained = wspec_diff::triage(&t.module, seed, &settings) != wspec_diff::Triage::Unexplained;
            assert!(!matches!(t.verdict, Verdict::Diverge(_)) || explained, "seed {seed}: {:?}", t.verdict);
        }
        assert!(calls > 40, "the modules should export functions to call ({calls} calls)");
    });
}

#[test]
fn the_same_seed_makes_the_same_module_and_calls() {
    let settings = Settings::default();
    let a = wspec_diff::generate(5, &settings).unwrap();
    assert_eq!(a, wspec_diff::generate(5, &settings).unwrap());
    assert_ne!(a, wspec_diff::generate(6, &settings).unwrap());
    let (x, y) = (wspec_diff::invocations(&a, 5).unwrap(), wspec_diff::invocations(&a, 5).unwrap());
    assert_eq!(format!("{x:?}"), format!("{y:?}"));
}

/// The smallest module found where wasmi 2.0 goes wrong: `select` whose condition is an
/// `i32.eqz`, with a `ref.func` below on the stack (docs/fuzzing.md).
const WASMI_EQZ_SELECT: &str = r#"(module
  (func $f (export "f") (result i32) (local i32 i32)
    ref.func $f
    (local.set 1 (select (i32.const 1) (local.get 0) (i32.eqz (local.get 0))))
    drop
    local.get 1))"#;

#[test]
fn wasmi_eqz_select_bug_is_found_and_explained() {
    big_stack(|| {
        let bytes = wasm(WASMI_EQZ_SELECT);
        let settings = Settings::default();
        let calls = vec![call("f", vec![])];
        let ws = run_wspec(&bytes, &calls, &settings).unwrap();
        // The local is 0, so its `i32.eqz` is 1 and `select` takes its first operand.
        assert_eq!(ws.calls[0].outcome, Ok(vec![Allowed::Exact(i32v(1))]));
        let wi = run_wasmi(&bytes, &calls, &settings);
        match compare(&calls, &ws, &wi) {
            Verdict::Diverge(d) => assert_eq!(d.class, "results"),
            other => panic!("wasmi no longer has the bug (update docs/fuzzing.md): {other:?}"),
        }
        assert_eq!(wspec_diff::triage(&bytes, 0, &settings), wspec_diff::Triage::WasmiEqzSelect);
    });
}

#[test]
fn the_rewrite_keeps_the_module_valid_and_changes_only_eqz_before_select() {
    let bytes = wasm(WASMI_EQZ_SELECT);
    let rewritten = wspec_diff::unfuse_eqz_select(&bytes).unwrap();
    wasmparser::Validator::new().validate_all(&rewritten).unwrap();
    assert_eq!(rewritten.len(), bytes.len() + 3, "one `i32.const -1; i32.and` inserted");
    let text = wspec_diff::to_text(&rewritten);
    assert!(text.contains("i32.eqz\n    i32.const -1\n    i32.and\n    select"), "{text}");
    // Nothing to rewrite: no module.
    assert_eq!(wspec_diff::unfuse_eqz_select(&wasm(MODULE)), None);
}

#[test]
fn vectors_compare_modulo_chosen_nan_lanes() {
    big_stack(|| {
        let bytes = wasm(
            r#"(module (func (export "v") (param f32) (result v128)
                 (f32x4.div (f32x4.splat (local.get 0)) (v128.const f32x4 0 1 0 2))))"#,
        );
        let settings = Settings::default();
        let calls = vec![call("v", vec![f32v(0.0)])];
        let ws = run_wspec(&bytes, &calls, &settings).unwrap();
        let wi = run_wasmi(&bytes, &calls, &settings);
        assert!(matches!(compare(&calls, &ws, &wi), Verdict::Agree), "{:?}", compare(&calls, &ws, &wi));
        // Lanes 0 and 2 are 0/0, chosen NaNs; lanes 1 and 3 are zeros and must be exact.
        let Ok([Observed::Val(s::Val::Vec__(s::Vec__(_, v)))]) = wi.calls[0].as_deref() else { panic!("{:?}", wi.calls) };
        let lane = |k: u32| (v >> (32 * k)) as u32;
        let canonical_elsewhere = (v & !0xffff_ffff) | 0x7fc0_0000;
        let mut other_nan = wi.clone();
        other_nan.calls[0] = Ok(vec![Observed::Val(s::Val::Vec__(s::Vec__(s::Vectype, canonical_elsewhere)))]);
        assert!(f32::from_bits(lane(0)).is_nan());
        assert!(matches!(compare(&calls, &ws, &other_nan), Verdict::Agree));
        let mut wrong = wi.clone();
        wrong.calls[0] = Ok(vec![Observed::Val(s::Val::Vec__(s::Vec__(s::Vectype, v | (1u128 << 32))))]);
        assert!(matches!(compare(&calls, &ws, &wrong), Verdict::Diverge(_)));
    });
}

#[test]
fn a_nan_reinterpreted_as_an_integer_is_put_down_to_the_choice() {
    big_stack(|| {
        let bytes = wasm(
            r#"(module
                 (func (export "bits") (param f64) (result i64) (i64.reinterpret_f64 (f64.div (local.get 0) (local.get 0))))
                 (func (export "int") (param i64) (result i64) (i64.add (local.get 0) (i64.const 1))))"#,
        );
        let settings = Settings::default();
        let i64v = |x: u64| s::Val::Num_(s::Num_(s::Numtype::I64, s::Num::Inn(x)));
        let calls = vec![call("bits", vec![s::Val::Num_(s::Num_(s::Numtype::F64, s::Num::Fnn(0)))]), call("int", vec![i64v(1)])];
        let ws = run_wspec(&bytes, &calls, &settings).unwrap();
        let wi = run_wasmi(&bytes, &calls, &settings);
        // Another engine may give other NaN bits; the integer they become is not wrong.
        let mut other = wi.clone();
        other.calls[0] = Ok(vec![Observed::Val(i64v(0x7ff8_0000_0000_0001))]);
        assert!(matches!(wspec_diff::weigh(&bytes, &calls, &settings, &ws, &other), Verdict::NanLicence(_)));
        // But an integer that no NaN decides is held exactly, NaN choices or not.
        let mut wrong = wi.clone();
        wrong.calls[1] = Ok(vec![Observed::Val(i64v(3))]);
        assert!(matches!(wspec_diff::weigh(&bytes, &calls, &settings, &ws, &wrong), Verdict::Diverge(_)));
    });
}
