//! The fast numeric builtins of `wspec-runtime` agree with their definitions in
//! `spec/3.*-numerics*.wspec`, evaluated exactly by the reference evaluator (`wspec_dsl::eval`).
//!
//! Every builtin is checked at both widths (and the SIMD integer operators also at 8 and 16
//! bits) on `CASES` inputs each, a mix of uniform bit patterns and edge cases. A definition's
//! result is a set when it may be one of several NaNs: the builtin's result must be an element.
//! A partial operator's result is empty exactly when the builtin returns `None`. The rounding
//! primitive `$round_` is also checked against the hardware on rationals and on exact sums,
//! differences, products and quotients of floating-point numbers.

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use std::fmt::Debug;
use std::sync::OnceLock;
use num_bigint::BigInt;
use wspec_dsl::eval::{Evaluator, Rat, Value};
use wspec_dsl::ir::Spec;
use wspec_dsl::{elab, source};
use wspec_runtime::numerics::{self as rt, Float};

/// Cases per builtin and width, whatever `PROPTEST_CASES` says.
const CASES: u32 = 10_000;

/// The chapters the numerics depend on: conventions, syntax, numerics.
fn spec() -> &'static Spec {
    static SPEC: OnceLock<Spec> = OnceLock::new();
    SPEC.get_or_init(|| {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec");
        let mut map = source::SourceMap::new();
        for f in source::spec_files(&dir).expect("spec/ is readable") {
            // The whole spec: the byte representations of numbers (`$fbytes_`) are defined with
            // the memory instructions that use them.
            let name = f.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            map.add(format!("spec/{name}"), std::fs::read_to_string(&f).expect("a spec file is readable"));
        }
        let checked = elab::check(&map);
        let rendered = wspec_dsl::diag::render_all(&checked.diagnostics, &map);
        assert!(!checked.has_errors(), "the spec has errors:\n{rendered}");
        checked.spec
    })
}

/// Runs a property on `CASES` inputs, in a thread with a large stack (the evaluator recurses).
fn run<S, F, T>(name: &str, strategy: F, test: T)
where
    S: Strategy + 'static,
    S::Value: Debug,
    F: FnOnce() -> S + Send + 'static,
    T: Fn(&Evaluator<'static>, S::Value) -> Result<(), TestCaseError> + Send + 'static,
{
    run_cases(name, CASES, strategy, test)
}

fn run_cases<S, F, T>(name: &str, cases: u32, strategy: F, test: T)
where
    S: Strategy + 'static,
    S::Value: Debug,
    F: FnOnce() -> S + Send + 'static,
    T: Fn(&Evaluator<'static>, S::Value) -> Result<(), TestCaseError> + Send + 'static,
{
    let label = name.to_string();
    let handle = std::thread::Builder::new()
        .name(label.clone())
        .stack_size(256 << 20)
        .spawn(move || {
            let ev = Evaluator::new(spec());
            let config = Config { cases, failure_persistence: None, max_shrink_iters: 4096, ..Config::default() };
            let mut runner = TestRunner::new(config);
            let strategy = strategy();
            let start = std::time::Instant::now();
            if let Err(e) = runner.run(&strategy, |v| test(&ev, v)) {
                panic!("{label}: {e}");
            }
            if std::env::var_os("NUMERICS_TIMES").is_some() {
                eprintln!("{label}: {cases} cases in {:.2?} ({} definition calls)", start.elapsed(), ev.calls());
            }
        })
        .expect("a test thread starts");
    if let Err(e) = handle.join() {
        std::panic::resume_unwind(e);
    }
}

/// Runs a check once, in a thread with a large stack.
fn once<T>(name: &str, test: T)
where
    T: Fn(&Evaluator<'static>) -> Result<(), TestCaseError> + Send + 'static,
{
    let label = name.to_string();
    let handle = std::thread::Builder::new()
        .name(label.clone())
        .stack_size(256 << 20)
        .spawn(move || {
            let ev = Evaluator::new(spec());
            if let Err(e) = test(&ev) {
                panic!("{label}: {e}");
            }
        })
        .expect("a test thread starts");
    if let Err(e) = handle.join() {
        std::panic::resume_unwind(e);
    }
}

fn fail(e: impl std::fmt::Display) -> TestCaseError {
    TestCaseError::fail(e.to_string())
}

// ---------------------------------------------------------------------------------------------
// Values

fn nat(x: u64) -> Value {
    Value::nat(x)
}

/// The floating-point number with bits `bits` of width `n`, as the spec represents it.
fn fval(n: u32, bits: u64) -> Value {
    let (m, e) = if n == 32 { (23u32, 8u32) } else { (52, 11) };
    let sign = (bits >> (n - 1)) & 1;
    let ex = (bits >> m) & ((1 << e) - 1);
    let mant = bits & ((1u64 << m) - 1);
    let bias = (1i64 << (e - 1)) - 1;
    let mag = if ex == 0 {
        Value::con("SUBNORM", vec![nat(mant)])
    } else if ex == (1 << e) - 1 {
        if mant == 0 {
            Value::con("INF", vec![])
        } else {
            Value::con("NAN", vec![nat(mant)])
        }
    } else {
        Value::con("NORM", vec![nat(mant), Value::int(ex as i64 - bias)])
    };
    Value::con(if sign == 0 { "POS" } else { "NEG" }, vec![mag])
}

fn fv<F: Float>(x: F) -> Value {
    fval(F::BITS, x.to_bits64())
}

fn bits_val(bits: &[u8]) -> Value {
    Value::seq(bits.iter().map(|&b| nat(b as u64)).collect())
}

fn opt(x: Option<u64>) -> Value {
    match x {
        Some(x) => Value::some(nat(x)),
        None => Value::none(),
    }
}

fn call(ev: &Evaluator, name: &str, args: Vec<Value>) -> Result<Value, TestCaseError> {
    ev.call_name(name, args).map_err(fail)
}

fn expect_eq(ev: &Evaluator, want: &Value, got: &Value, what: impl Fn() -> String) -> Result<(), TestCaseError> {
    if ev.equal(want, got) {
        Ok(())
    } else {
        Err(fail(format!("{}: the definition gives {want}, the builtin {got}", what())))
    }
}

fn expect_in(ev: &Evaluator, set: &Value, got: &Value, what: impl Fn() -> String) -> Result<(), TestCaseError> {
    if ev.member(set, got).map_err(fail)? {
        Ok(())
    } else {
        Err(fail(format!("{}: the builtin gives {got}, not in the definition's {set}", what())))
    }
}

// ---------------------------------------------------------------------------------------------
// Inputs

fn mask(n: u32) -> u64 {
    rt::mask(n)
}

/// Integers of width `n`: uniform, edge cases, values around powers of two, small numbers.
fn int_in(n: u32) -> BoxedStrategy<u64> {
    let m = mask(n);
    let h = 1u64 << (n - 1);
    let edges = vec![0, 1, 2, 3, m, m - 1, h, h - 1, h + 1, m >> 1, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x4000, 0xc000]
        .into_iter()
        .map(|x| x & m)
        .collect::<Vec<_>>();
    prop_oneof![
        4 => any::<u64>().prop_map(move |x| x & m),
        2 => prop::sample::select(edges),
        2 => (0..n, -2i64..=2).prop_map(move |(k, d)| ((1u64 << k) as i64).wrapping_add(d) as u64 & m),
        2 => (0..n, any::<bool>()).prop_map(move |(k, neg)| if neg { (m << k) & m } else { m >> k }),
        1 => (0u64..70).prop_map(move |x| x & m),
    ]
    .boxed()
}

fn int_pair(n: u32) -> BoxedStrategy<(u64, u64)> {
    let m = mask(n);
    prop_oneof![
        4 => (int_in(n), int_in(n)),
        1 => int_in(n).prop_map(|a| (a, a)),
        1 => (int_in(n), 0u64..4).prop_map(move |(a, d)| (a, a.wrapping_add(d) & m)),
    ]
    .boxed()
}

/// The parameters (significand width, exponent width) of a format.
fn fparams(n: u32) -> (u32, u32) {
    if n == 32 {
        (23, 8)
    } else {
        (52, 11)
    }
}

fn fbits_of(n: u32, sign: bool, exp: u64, mant: u64) -> u64 {
    let (m, _) = fparams(n);
    ((sign as u64) << (n - 1)) | (exp << m) | (mant & ((1u64 << m) - 1))
}

/// Floating-point bit patterns of width `n`: uniform, special values, NaNs of all kinds,
/// subnormals, small integers and halves, values near powers of two and near integer bounds.
fn float_in(n: u32) -> BoxedStrategy<u64> {
    let (m, e) = fparams(n);
    let emax = (1u64 << e) - 1;
    let bias = (1u64 << (e - 1)) - 1;
    let canon = 1u64 << (m - 1);
    let mut edges = Vec::new();
    for sign in [false, true] {
        for (ex, mant) in [
            (0, 0),
            (0, 1),
            (0, (1 << m) - 1),
            (1, 0),
            (emax - 1, (1 << m) - 1),
            (emax, 0),
            (emax, canon),
            (emax, 1),
            (emax, canon | 1),
            (emax, (1 << m) - 1),
            (bias, 0),
            (bias - 1, 0),
            (bias - 1, 1),
            (bias, 1),
            (bias + 1, canon),
            (bias - 2, (1 << m) - 1),
        ] {
            edges.push(fbits_of(n, sign, ex, mant));
        }
        // Integer bounds of conversions: 2^31, 2^32, 2^63, 2^64 and their neighbours.
        for k in [31u64, 32, 63, 64] {
            for mant in [0, 1, (1 << m) - 1] {
                edges.push(fbits_of(n, sign, bias + k, mant));
                edges.push(fbits_of(n, sign, bias + k - 1, mant));
            }
        }
    }
    let nan = (any::<bool>(), 1u64..(1u64 << m)).prop_map(move |(s, p)| fbits_of(n, s, emax, p));
    let sub = (any::<bool>(), any::<u64>()).prop_map(move |(s, p)| fbits_of(n, s, 0, p));
    // k / 2^j for small k: integers, halves, quarters (ties of rounding to integers).
    let nice = (-300i64..300, 0u32..4).prop_map(move |(k, j)| {
        let x = k as f64 / (1u64 << j) as f64;
        if n == 32 {
            (x as f32).to_bits() as u64
        } else {
            x.to_bits()
        }
    });
    // Any exponent, with a significand of few bits (exact or tied products and sums).
    let sparse = (any::<bool>(), 1u64..emax, any::<u64>(), 0u32..4)
        .prop_map(move |(s, ex, r, k)| fbits_of(n, s, ex, (r >> (64 - k.max(1))) << (m - k.max(1))));
    prop_oneof![
        6 => any::<u64>().prop_map(move |x| x & mask(n)),
        3 => prop::sample::select(edges),
        2 => nan,
        2 => sub,
        2 => nice,
        2 => sparse,
    ]
    .boxed()
}

/// Pairs of floating-point numbers, some of them related (equal, opposite, close, a fixed
/// number of binades apart).
fn float_pair(n: u32) -> BoxedStrategy<(u64, u64)> {
    let (m, e) = fparams(n);
    let sign = 1u64 << (n - 1);
    let related = (float_in(n), any::<u64>(), 0u32..6).prop_map(move |(a, r, mode)| {
        let ex = (a >> m) & ((1 << e) - 1);
        let b = match mode {
            0 => a,
            1 => a ^ sign,
            2 => a ^ (r & 0xf),
            3 => (a & !((1u64 << m) - 1)) | (r & ((1u64 << m) - 1)),
            // A number some binades below `a`: sums that tie, or cancel.
            4 => {
                let d = r % (m as u64 + 4);
                let mant = if r & 0x100 != 0 { 0 } else { r >> 11 };
                fbits_of(n, r & 0x200 != 0, ex.saturating_sub(d), mant)
            }
            _ => fbits_of(n, r & 1 != 0, ex, 0),
        };
        (a, b & mask(n))
    });
    prop_oneof![3 => (float_in(n), float_in(n)), 2 => related].boxed()
}

// ---------------------------------------------------------------------------------------------
// Integer builtins

fn int_binary(def: &'static str, widths: &[u32], f: fn(u32, u64, u64) -> u64) {
    for &n in widths {
        run(&format!("{def} at {n}"), move || int_pair(n), move |ev, (a, b)| {
            let want = call(ev, def, vec![nat(n as u64), nat(a), nat(b)])?;
            expect_eq(ev, &want, &nat(f(n, a, b)), || format!("${def}({n}, {a:#x}, {b:#x})"))
        });
    }
}

fn int_partial(def: &'static str, widths: &[u32], f: fn(u32, u64, u64) -> Option<u64>) {
    for &n in widths {
        // Divisors: often small, sometimes zero or -1.
        let m = mask(n);
        let pairs = move || prop_oneof![3 => int_pair(n), 1 => (int_in(n), prop::sample::select(vec![0, 1, m, m - 1, 2]))].boxed();
        run(&format!("{def} at {n}"), pairs, move |ev, (a, b)| {
            let want = call(ev, def, vec![nat(n as u64), nat(a), nat(b)])?;
            expect_eq(ev, &want, &opt(f(n, a, b)), || format!("${def}({n}, {a:#x}, {b:#x})"))
        });
    }
}

fn int_unary(def: &'static str, widths: &[u32], f: fn(u32, u64) -> u64) {
    for &n in widths {
        run(&format!("{def} at {n}"), move || int_in(n), move |ev, a| {
            let want = call(ev, def, vec![nat(n as u64), nat(a)])?;
            expect_eq(ev, &want, &nat(f(n, a)), || format!("${def}({n}, {a:#x})"))
        });
    }
}

fn int_test(def: &'static str, widths: &[u32], f: fn(u32, u64, u64) -> u32) {
    for &n in widths {
        run(&format!("{def} at {n}"), move || int_pair(n), move |ev, (a, b)| {
            let want = call(ev, def, vec![nat(n as u64), nat(a), nat(b)])?;
            expect_eq(ev, &want, &nat(f(n, a, b) as u64), || format!("${def}({n}, {a:#x}, {b:#x})"))
        });
    }
}

const W: &[u32] = &[32, 64];
const W_ALL: &[u32] = &[8, 16, 32, 64];

#[test]
fn iadd() {
    int_binary("iadd_", W, rt::iadd);
}
#[test]
fn isub() {
    int_binary("isub_", W, rt::isub);
}
#[test]
fn imul() {
    int_binary("imul_", W, rt::imul);
}
#[test]
fn idiv_u() {
    int_partial("idiv_u_", W, rt::idiv_u);
}
#[test]
fn idiv_s() {
    int_partial("idiv_s_", W, rt::idiv_s);
}
#[test]
fn irem_u() {
    int_partial("irem_u_", W, rt::irem_u);
}
#[test]
fn irem_s() {
    int_partial("irem_s_", W, rt::irem_s);
}
#[test]
fn iand() {
    int_binary("iand_", W, rt::iand);
}
#[test]
fn ior() {
    int_binary("ior_", W, rt::ior);
}
#[test]
fn ixor() {
    int_binary("ixor_", W, rt::ixor);
}
#[test]
fn iandnot() {
    int_binary("iandnot_", W, rt::iandnot);
}
#[test]
fn inot() {
    int_unary("inot_", W, rt::inot);
}
#[test]
fn ishl() {
    int_binary("ishl_", W, rt::ishl);
}
#[test]
fn ishr_u() {
    int_binary("ishr_u_", W, rt::ishr_u);
}
#[test]
fn ishr_s() {
    int_binary("ishr_s_", W, rt::ishr_s);
}
#[test]
fn irotl() {
    int_binary("irotl_", W, rt::irotl);
}
#[test]
fn irotr() {
    int_binary("irotr_", W, rt::irotr);
}
#[test]
fn iclz() {
    int_unary("iclz_", W, rt::iclz);
}
#[test]
fn ictz() {
    int_unary("ictz_", W, rt::ictz);
}
#[test]
fn ipopcnt() {
    int_unary("ipopcnt_", W, rt::ipopcnt);
}
#[test]
fn ineg() {
    int_unary("ineg_", W_ALL, rt::ineg);
}
#[test]
fn iabs() {
    int_unary("iabs_", W_ALL, rt::iabs);
}
#[test]
fn imin_u() {
    int_binary("imin_u_", W_ALL, rt::imin_u);
}
#[test]
fn imin_s() {
    int_binary("imin_s_", W_ALL, rt::imin_s);
}
#[test]
fn imax_u() {
    int_binary("imax_u_", W_ALL, rt::imax_u);
}
#[test]
fn imax_s() {
    int_binary("imax_s_", W_ALL, rt::imax_s);
}
#[test]
fn iadd_sat_u() {
    int_binary("iadd_sat_u_", W_ALL, rt::iadd_sat_u);
}
#[test]
fn iadd_sat_s() {
    int_binary("iadd_sat_s_", W_ALL, rt::iadd_sat_s);
}
#[test]
fn isub_sat_u() {
    int_binary("isub_sat_u_", W_ALL, rt::isub_sat_u);
}
#[test]
fn isub_sat_s() {
    int_binary("isub_sat_s_", W_ALL, rt::isub_sat_s);
}
#[test]
fn iavgr_u() {
    int_binary("iavgr_u_", W_ALL, rt::iavgr_u);
}
#[test]
fn iq15mulr_sat_s() {
    int_binary("iq15mulr_sat_s_", &[16, 32, 64], rt::iq15mulr_sat_s);
}

#[test]
fn iextend_s() {
    for n in [32u32, 64] {
        let sizes: Vec<u32> = [8u32, 16, 32].into_iter().filter(|&m| m < n).collect();
        run(&format!("iextend_s_ at {n}"), move || (int_in(n), prop::sample::select(sizes)), move |ev, (a, m)| {
            let want = call(ev, "iextend_s_", vec![nat(n as u64), nat(m as u64), nat(a)])?;
            expect_eq(ev, &want, &nat(rt::iextend_s(n, m, a)), || format!("$iextend_s_({n}, {m}, {a:#x})"))
        });
    }
}

#[test]
fn ieqz() {
    for &n in W {
        run(&format!("ieqz_ at {n}"), move || int_in(n), move |ev, a| {
            let want = call(ev, "ieqz_", vec![nat(n as u64), nat(a)])?;
            expect_eq(ev, &want, &nat(rt::ieqz(n, a) as u64), || format!("$ieqz_({n}, {a:#x})"))
        });
    }
}
#[test]
fn inez() {
    for &n in W {
        run(&format!("inez_ at {n}"), move || int_in(n), move |ev, a| {
            let want = call(ev, "inez_", vec![nat(n as u64), nat(a)])?;
            expect_eq(ev, &want, &nat(rt::inez(n, a) as u64), || format!("$inez_({n}, {a:#x})"))
        });
    }
}
#[test]
fn ibitselect() {
    for &n in W {
        run(&format!("ibitselect_ at {n}"), move || (int_in(n), int_in(n), int_in(n)), move |ev, (a, b, c)| {
            let want = call(ev, "ibitselect_", vec![nat(n as u64), nat(a), nat(b), nat(c)])?;
            expect_eq(ev, &want, &nat(rt::ibitselect(n, a, b, c)), || format!("$ibitselect_({n}, {a:#x}, {b:#x}, {c:#x})"))
        });
    }
}
#[test]
fn ieq() {
    int_test("ieq_", W, rt::ieq);
}
#[test]
fn ine() {
    int_test("ine_", W, rt::ine);
}
#[test]
fn ilt_u() {
    int_test("ilt_u_", W, rt::ilt_u);
}
#[test]
fn ilt_s() {
    int_test("ilt_s_", W, rt::ilt_s);
}
#[test]
fn igt_u() {
    int_test("igt_u_", W, rt::igt_u);
}
#[test]
fn igt_s() {
    int_test("igt_s_", W, rt::igt_s);
}
#[test]
fn ile_u() {
    int_test("ile_u_", W, rt::ile_u);
}
#[test]
fn ile_s() {
    int_test("ile_s_", W, rt::ile_s);
}
#[test]
fn ige_u() {
    int_test("ige_u_", W, rt::ige_u);
}
#[test]
fn ige_s() {
    int_test("ige_s_", W, rt::ige_s);
}

#[test]
fn signed_and_inverse() {
    for &n in W {
        run(&format!("signed_ at {n}"), move || int_in(n), move |ev, a| {
            let want = call(ev, "signed_", vec![nat(n as u64), nat(a)])?;
            let s = rt::signed(n, a);
            expect_eq(ev, &want, &Value::int(s), || format!("$signed_({n}, {a:#x})"))?;
            let back = call(ev, "inv_signed_", vec![nat(n as u64), Value::int(s)])?;
            expect_eq(ev, &back, &nat(rt::inv_signed(n, s)), || format!("$inv_signed_({n}, {s})"))
        });
    }
}

#[test]
fn ibits_and_inverse() {
    for &n in W {
        run(&format!("ibits_ at {n}"), move || int_in(n), move |ev, a| {
            let want = call(ev, "ibits_", vec![nat(n as u64), nat(a)])?;
            let bits = rt::ibits(n, a);
            expect_eq(ev, &want, &bits_val(&bits), || format!("$ibits_({n}, {a:#x})"))?;
            let back = call(ev, "inv_ibits_", vec![nat(n as u64), bits_val(&bits)])?;
            expect_eq(ev, &back, &nat(rt::inv_ibits(n, &bits).unwrap_or(u64::MAX)), || format!("$inv_ibits_({n}, {bits:?})"))
        });
    }
}

// ---------------------------------------------------------------------------------------------
// Floating-point builtins

fn float_binary<F: Float>(def: &'static str, f: fn(F, F) -> F) {
    let n = F::BITS;
    run(&format!("{def} at {n}"), move || float_pair(n), move |ev, (a, b)| {
        let (x, y) = (F::from_bits64(a), F::from_bits64(b));
        let set = call(ev, def, vec![nat(n as u64), fval(n, a), fval(n, b)])?;
        expect_in(ev, &set, &fv(f(x, y)), || format!("${def}({n}, {x:?} = {a:#x}, {y:?} = {b:#x})"))
    });
}

fn float_unary<F: Float>(def: &'static str, f: fn(F) -> F) {
    let n = F::BITS;
    run(&format!("{def} at {n}"), move || float_in(n), move |ev, a| {
        let x = F::from_bits64(a);
        let set = call(ev, def, vec![nat(n as u64), fval(n, a)])?;
        expect_in(ev, &set, &fv(f(x)), || format!("${def}({n}, {x:?} = {a:#x})"))
    });
}

fn float_rel<F: Float>(def: &'static str, f: fn(F, F) -> u32) {
    let n = F::BITS;
    run(&format!("{def} at {n}"), move || float_pair(n), move |ev, (a, b)| {
        let (x, y) = (F::from_bits64(a), F::from_bits64(b));
        let want = call(ev, def, vec![nat(n as u64), fval(n, a), fval(n, b)])?;
        expect_eq(ev, &want, &nat(f(x, y) as u64), || format!("${def}({n}, {x:?}, {y:?})"))
    });
}

macro_rules! float_tests {
    ($($name:ident: $kind:ident $def:literal $f:ident;)*) => {
        $(
            #[test]
            fn $name() {
                $kind::<f32>($def, rt::$f::<f32>);
                $kind::<f64>($def, rt::$f::<f64>);
            }
        )*
    };
}

float_tests! {
    fadd: float_binary "fadd_" fadd;
    fsub: float_binary "fsub_" fsub;
    fmul: float_binary "fmul_" fmul;
    fdiv: float_binary "fdiv_" fdiv;
    fmin: float_binary "fmin_" fmin;
    fmax: float_binary "fmax_" fmax;
    fpmin: float_binary "fpmin_" fpmin;
    fpmax: float_binary "fpmax_" fpmax;
    fcopysign: float_binary "fcopysign_" fcopysign;
    fabs: float_unary "fabs_" fabs;
    fneg: float_unary "fneg_" fneg;
    fsqrt: float_unary "fsqrt_" fsqrt;
    fceil: float_unary "fceil_" fceil;
    ffloor: float_unary "ffloor_" ffloor;
    ftrunc: float_unary "ftrunc_" ftrunc;
    fnearest: float_unary "fnearest_" fnearest;
    feq: float_rel "feq_" feq;
    fne: float_rel "fne_" fne;
    flt: float_rel "flt_" flt;
    fgt: float_rel "fgt_" fgt;
    fle: float_rel "fle_" fle;
    fge: float_rel "fge_" fge;
}

#[test]
fn fbits_and_inverse() {
    fn at<F: Float>() {
        let n = F::BITS;
        run(&format!("fbits_ at {n}"), move || float_in(n), move |ev, a| {
            let x = F::from_bits64(a);
            let bits = rt::fbits(x);
            let want = call(ev, "fbits_", vec![nat(n as u64), fval(n, a)])?;
            expect_eq(ev, &want, &bits_val(&bits), || format!("$fbits_({n}, {a:#x})"))?;
            let back = call(ev, "inv_fbits_", vec![nat(n as u64), bits_val(&bits)])?;
            let got = rt::inv_fbits::<F>(&bits).ok_or_else(|| fail("inv_fbits refused the bits"))?;
            expect_eq(ev, &back, &fv(got), || format!("$inv_fbits_({n}, {bits:?})"))
        });
    }
    at::<f32>();
    at::<f64>();
}

#[test]
fn ibytes_and_inverse() {
    use wspec_runtime::builtins as b;
    for n in [8u32, 16, 32, 64] {
        run(&format!("ibytes_ at {n}"), move || int_in(n), move |ev, a| {
            let want = call(ev, "ibytes_", vec![nat(n as u64), nat(a)])?;
            let bytes = b::ibytes(n as u64, u128::from(a)).ok_or_else(|| fail("ibytes is undefined"))?;
            expect_eq(ev, &want, &bits_val(&bytes), || format!("$ibytes_({n}, {a:#x})"))?;
            let back = call(ev, "inv_ibytes_", vec![nat(n as u64), bits_val(&bytes)])?;
            let got = b::inv_ibytes(n as u64, &bytes).ok_or_else(|| fail("inv_ibytes refused the bytes"))?;
            let got = u64::try_from(got).map_err(|_| fail("inv_ibytes gave more than 64 bits"))?;
            expect_eq(ev, &back, &nat(got), || format!("$inv_ibytes_({n}, {bytes:?})"))
        });
    }
}

#[test]
fn fbytes_and_inverse() {
    use wspec_runtime::builtins as b;
    for n in [32u32, 64] {
        run(&format!("fbytes_ at {n}"), move || float_in(n), move |ev, a| {
            let want = call(ev, "fbytes_", vec![nat(n as u64), fval(n, a)])?;
            let bytes = b::fbytes(n as u64, a).ok_or_else(|| fail("fbytes is undefined"))?;
            expect_eq(ev, &want, &bits_val(&bytes), || format!("$fbytes_({n}, {a:#x})"))?;
            let back = call(ev, "inv_fbytes_", vec![nat(n as u64), bits_val(&bytes)])?;
            let got = b::inv_fbytes(n as u64, &bytes).ok_or_else(|| fail("inv_fbytes refused the bytes"))?;
            expect_eq(ev, &back, &fval(n, got), || format!("$inv_fbytes_({n}, {bytes:?})"))
        });
    }
}

// ---------------------------------------------------------------------------------------------
// Conversions

fn numtype(name: &str) -> Value {
    Value::con(name, vec![])
}

#[test]
fn extend_u() {
    run("extend_u__ 32 to 64", || int_in(32), |ev, a| {
        let want = call(ev, "extend_u__", vec![nat(32), nat(64), nat(a)])?;
        expect_eq(ev, &want, &nat(rt::extend_u(32, 64, a)), || format!("$extend_u__(32, 64, {a:#x})"))
    });
    // The unsigned unpacking of packed lanes, 8 and 16 to 32.
    run("extend_u__ 8/16 to 32", || (prop::sample::select(vec![8u32, 16]), any::<u64>()), |ev, (m, a)| {
        let a = a & mask(m);
        let want = call(ev, "extend_u__", vec![nat(m as u64), nat(32), nat(a)])?;
        expect_eq(ev, &want, &nat(rt::extend_u(m, 32, a)), || format!("$extend_u__({m}, 32, {a:#x})"))
    });
}

#[test]
fn extend_s() {
    run("extend_s__ 32 to 64", || int_in(32), |ev, a| {
        let want = call(ev, "extend_s__", vec![nat(32), nat(64), nat(a)])?;
        expect_eq(ev, &want, &nat(rt::extend_s(32, 64, a)), || format!("$extend_s__(32, 64, {a:#x})"))
    });
    run("extend_s__ 8/16 to 32", || (prop::sample::select(vec![8u32, 16]), any::<u64>()), |ev, (m, a)| {
        let a = a & mask(m);
        let want = call(ev, "extend_s__", vec![nat(m as u64), nat(32), nat(a)])?;
        expect_eq(ev, &want, &nat(rt::extend_s(m, 32, a)), || format!("$extend_s__({m}, 32, {a:#x})"))
    });
}

#[test]
fn wrap() {
    run("wrap__ 64 to 32", || int_in(64), |ev, a| {
        let want = call(ev, "wrap__", vec![nat(64), nat(32), nat(a)])?;
        expect_eq(ev, &want, &nat(rt::wrap(64, 32, a)), || format!("$wrap__(64, 32, {a:#x})"))
    });
    run("wrap__ 32 to 8/16", || (prop::sample::select(vec![8u32, 16]), int_in(32)), |ev, (n, a)| {
        let want = call(ev, "wrap__", vec![nat(32), nat(n as u64), nat(a)])?;
        expect_eq(ev, &want, &nat(rt::wrap(32, n, a)), || format!("$wrap__(32, {n}, {a:#x})"))
    });
}

#[test]
fn narrow() {
    // The narrowing of vector lanes: 16 to 8, 32 to 16 bits (and 64 to 32).
    for (m, n) in [(16u32, 8u32), (32, 16), (64, 32)] {
        run(&format!("narrow_s__ {m} to {n}"), move || int_in(m), move |ev, a| {
            let want = call(ev, "narrow_s__", vec![nat(m as u64), nat(n as u64), nat(a)])?;
            expect_eq(ev, &want, &nat(rt::narrow_s(m, n, a)), || format!("$narrow_s__({m}, {n}, {a:#x})"))
        });
        run(&format!("narrow_u__ {m} to {n}"), move || int_in(m), move |ev, a| {
            let want = call(ev, "narrow_u__", vec![nat(m as u64), nat(n as u64), nat(a)])?;
            expect_eq(ev, &want, &nat(rt::narrow_u(m, n, a)), || format!("$narrow_u__({m}, {n}, {a:#x})"))
        });
    }
}

fn trunc_test<F: Float>(def: &'static str, n: u32, f: fn(u32, F) -> Option<u64>) {
    let m = F::BITS;
    run(&format!("{def} f{m} to i{n}"), move || float_in(m), move |ev, a| {
        let x = F::from_bits64(a);
        let want = call(ev, def, vec![nat(m as u64), nat(n as u64), fval(m, a)])?;
        expect_eq(ev, &want, &opt(f(n, x)), || format!("${def}({m}, {n}, {x:?})"))
    });
}

fn trunc_sat_test<F: Float>(def: &'static str, n: u32, f: fn(u32, F) -> u64) {
    let m = F::BITS;
    run(&format!("{def} f{m} to i{n}"), move || float_in(m), move |ev, a| {
        let x = F::from_bits64(a);
        let want = call(ev, def, vec![nat(m as u64), nat(n as u64), fval(m, a)])?;
        expect_eq(ev, &want, &nat(f(n, x)), || format!("${def}({m}, {n}, {x:?})"))
    });
}

#[test]
fn trunc_u() {
    for n in [32, 64] {
        trunc_test::<f32>("trunc_u__", n, rt::trunc_u::<f32>);
        trunc_test::<f64>("trunc_u__", n, rt::trunc_u::<f64>);
    }
}

#[test]
fn trunc_s() {
    for n in [32, 64] {
        trunc_test::<f32>("trunc_s__", n, rt::trunc_s::<f32>);
        trunc_test::<f64>("trunc_s__", n, rt::trunc_s::<f64>);
    }
}

#[test]
fn trunc_sat_u() {
    for n in [32, 64] {
        trunc_sat_test::<f32>("trunc_sat_u__", n, rt::trunc_sat_u::<f32>);
        trunc_sat_test::<f64>("trunc_sat_u__", n, rt::trunc_sat_u::<f64>);
    }
}

#[test]
fn trunc_sat_s() {
    for n in [32, 64] {
        trunc_sat_test::<f32>("trunc_sat_s__", n, rt::trunc_sat_s::<f32>);
        trunc_sat_test::<f64>("trunc_sat_s__", n, rt::trunc_sat_s::<f64>);
    }
}

fn convert_test<F: Float>(def: &'static str, m: u32, f: fn(u32, u64) -> F) {
    let n = F::BITS;
    run(&format!("{def} i{m} to f{n}"), move || int_in(m), move |ev, a| {
        let want = call(ev, def, vec![nat(m as u64), nat(n as u64), nat(a)])?;
        expect_eq(ev, &want, &fv(f(m, a)), || format!("${def}({m}, {n}, {a:#x})"))
    });
}

#[test]
fn convert_u() {
    for m in [32, 64] {
        convert_test::<f32>("convert_u__", m, rt::convert_u::<f32>);
        convert_test::<f64>("convert_u__", m, rt::convert_u::<f64>);
    }
}

#[test]
fn convert_s() {
    for m in [32, 64] {
        convert_test::<f32>("convert_s__", m, rt::convert_s::<f32>);
        convert_test::<f64>("convert_s__", m, rt::convert_s::<f64>);
    }
}

#[test]
fn promote() {
    run("promote__ f32 to f64", || float_in(32), |ev, a| {
        let x = f32::from_bits(a as u32);
        let set = call(ev, "promote__", vec![nat(32), nat(64), fval(32, a)])?;
        expect_in(ev, &set, &fv(rt::promote(x)), || format!("$promote__(32, 64, {x:?} = {a:#x})"))
    });
}

#[test]
fn demote() {
    run("demote__ f64 to f32", || float_in(64), |ev, a| {
        let x = f64::from_bits(a);
        let set = call(ev, "demote__", vec![nat(64), nat(32), fval(64, a)])?;
        expect_in(ev, &set, &fv(rt::demote(x)), || format!("$demote__(64, 32, {x:?} = {a:#x})"))
    });
}

#[test]
fn reinterpret() {
    fn at<F: Float + rt::Bits>(int: &'static str, float: &'static str) {
        let n = F::BITS;
        run(&format!("reinterpret__ i{n} to f{n}"), move || int_in(n), move |ev, a| {
            let want = call(ev, "reinterpret__", vec![numtype(int), numtype(float), nat(a)])?;
            expect_eq(ev, &want, &fv(rt::reinterpret::<u64, F>(a)), || format!("$reinterpret__({int}, {float}, {a:#x})"))
        });
        run(&format!("reinterpret__ f{n} to i{n}"), move || float_in(n), move |ev, a| {
            let want = call(ev, "reinterpret__", vec![numtype(float), numtype(int), fval(n, a)])?;
            expect_eq(ev, &want, &nat(rt::reinterpret::<F, u64>(F::from_bits64(a))), || format!("$reinterpret__({float}, {int}, {a:#x})"))
        });
    }
    at::<f32>("I32", "F32");
    at::<f64>("I64", "F64");
}

// ---------------------------------------------------------------------------------------------
// The rounding primitive against the hardware

/// `$round_(N, p / (q * 2^k))` is the hardware's quotient of the exactly representable numbers
/// `p` and `q * 2^k` (one correctly rounded operation).
fn round_quotients<F: Float>() {
    let n = F::BITS;
    let bits = F::SIGNIF + 1;
    let emax = (1i32 << (F::EXPON - 1)) - 1;
    let strategy = move || {
        let int = move || {
            prop_oneof![
                3 => any::<i64>().prop_map(move |x| x >> (64 - bits)),
                1 => -1000i64..1000,
                1 => (0u32..bits - 1, -3i64..=3).prop_map(|(k, d)| (1i64 << k) + d),
            ]
        };
        // A zero quotient is signed by the hardware, not by the rational: leave it out.
        (int().prop_filter("a non-zero dividend", |p| *p != 0), int().prop_filter("a non-zero divisor", |q| *q != 0), -emax + 2..emax - bits as i32)
    };
    run(&format!("round_ of quotients at {n}"), strategy, move |ev, (p, q, k)| {
        // q * 2^k is exact: |q| < 2^bits and the exponent stays in range.
        let divisor = F::from_i64(q).mul(F::pow2(k));
        let hw = F::from_i64(p).div(divisor);
        let two_k = if k >= 0 { BigInt::from(1) << k as usize } else { BigInt::from(1) };
        let two_mk = if k < 0 { BigInt::from(1) << (-k) as usize } else { BigInt::from(1) };
        let exact = Value::rat(Rat::new(BigInt::from(p) * two_mk, BigInt::from(q) * two_k).expect("a non-zero divisor"));
        let want = call(ev, "round_", vec![nat(n as u64), exact.clone()])?;
        expect_eq(ev, &want, &fv(hw), || format!("$round_({n}, {exact}) for {p} / ({q} * 2^{k})"))
    });
}

/// `$round_` of the exact sum, difference, product or quotient of two finite numbers is the
/// hardware's result.
fn round_operations<F: Float>() {
    let n = F::BITS;
    let finite = move |b: &u64| {
        let x = F::from_bits64(*b);
        !x.is_nan() && !x.is_infinite()
    };
    let strategy = move || (float_pair(n).prop_filter("finite operands", move |(a, b)| finite(a) && finite(b)), 0u32..4);
    run(&format!("round_ of operations at {n}"), strategy, move |ev, ((a, b), op)| {
        let (x, y) = (F::from_bits64(a), F::from_bits64(b));
        let (vx, vy) = (call(ev, "fval_", vec![nat(n as u64), fval(n, a)])?, call(ev, "fval_", vec![nat(n as u64), fval(n, b)])?);
        let (Value::Rat(rx), Value::Rat(ry)) = (&vx, &vy) else { return Err(fail("$fval_ is not a rational")) };
        let (exact, hw) = match op {
            0 => (rx.add(ry), x.add(y)),
            1 => (rx.sub(ry), x.sub(y)),
            2 => (rx.mul(ry), x.mul(y)),
            _ => match rx.div(ry) {
                Some(q) => (q, x.div(y)),
                None => return Ok(()),
            },
        };
        // The sign of an exact zero is not in the rational (`$fadd_` and the others decide it
        // before rounding); a non-zero result keeps its sign when it underflows.
        if exact.is_zero() {
            return Ok(());
        }
        let want = call(ev, "round_", vec![nat(n as u64), Value::rat(exact.clone())])?;
        expect_eq(ev, &want, &fv(hw), || format!("$round_({n}, {exact}) for {x:?} op{op} {y:?}"))
    });
}

#[test]
fn round_quotients_32() {
    round_quotients::<f32>();
}

#[test]
fn round_quotients_64() {
    round_quotients::<f64>();
}

#[test]
fn round_operations_32() {
    round_operations::<f32>();
}

#[test]
fn round_operations_64() {
    round_operations::<f64>();
}

// ---------------------------------------------------------------------------------------------
// The operator families dispatch to the operators (not builtins themselves: fewer cases)

#[test]
fn families_dispatch() {
    run_cases("families", 2_000, || (int_pair(32), float_pair(64)), |ev, ((a, b), (x, y))| {
        let i32t = numtype("I32");
        let f64t = numtype("F64");
        let want = call(ev, "binop_", vec![i32t.clone(), Value::con("ADD", vec![]), nat(a), nat(b)])?;
        expect_eq(ev, &want, &Value::seq(vec![nat(rt::iadd(32, a, b))]), || "$binop_(I32, ADD, ..)".into())?;
        let want = call(ev, "binop_", vec![i32t.clone(), Value::con("DIV", vec![Value::con("S", vec![])]), nat(a), nat(b)])?;
        expect_eq(ev, &want, &opt(rt::idiv_s(32, a, b)), || "$binop_(I32, DIV S, ..)".into())?;
        let want = call(ev, "relop_", vec![i32t.clone(), Value::con("LT", vec![Value::con("U", vec![])]), nat(a), nat(b)])?;
        expect_eq(ev, &want, &nat(rt::ilt_u(32, a, b) as u64), || "$relop_(I32, LT U, ..)".into())?;
        let want = call(ev, "unop_", vec![i32t.clone(), Value::con("EXTEND", vec![nat(8)]), nat(a)])?;
        expect_eq(ev, &want, &Value::seq(vec![nat(rt::iextend_s(32, 8, a))]), || "$unop_(I32, EXTEND 8, ..)".into())?;
        let want = call(ev, "testop_", vec![i32t.clone(), Value::con("EQZ", vec![]), nat(a)])?;
        expect_eq(ev, &want, &nat(rt::ieqz(32, a) as u64), || "$testop_(I32, EQZ, ..)".into())?;
        let (fx, fy) = (f64::from_bits(x), f64::from_bits(y));
        let set = call(ev, "binop_", vec![f64t.clone(), Value::con("MIN", vec![]), fval(64, x), fval(64, y)])?;
        expect_in(ev, &set, &fv(rt::fmin(fx, fy)), || "$binop_(F64, MIN, ..)".into())?;
        let want = call(ev, "relop_", vec![f64t.clone(), Value::con("GE", vec![]), fval(64, x), fval(64, y)])?;
        expect_eq(ev, &want, &nat(rt::fge(fx, fy) as u64), || "$relop_(F64, GE, ..)".into())?;
        let set = call(ev, "unop_", vec![f64t.clone(), Value::con("NEG", vec![]), fval(64, x)])?;
        expect_in(ev, &set, &fv(rt::fneg(fx)), || "$unop_(F64, NEG, ..)".into())?;
        let want = call(ev, "cvtop__", vec![i32t.clone(), f64t.clone(), Value::con("CONVERT", vec![Value::con("S", vec![])]), nat(a)])?;
        expect_eq(ev, &want, &Value::seq(vec![fv(rt::convert_s::<f64>(32, a))]), || "$cvtop__(I32, F64, CONVERT S, ..)".into())?;
        let want = call(ev, "cvtop__", vec![f64t.clone(), i32t.clone(), Value::con("TRUNC_SAT", vec![Value::con("U", vec![])]), fval(64, x)])?;
        expect_eq(ev, &want, &Value::seq(vec![nat(rt::trunc_sat_u(32, fx))]), || "$cvtop__(F64, I32, TRUNC_SAT U, ..)".into())?;
        let want = call(ev, "cvtop__", vec![f64t.clone(), numtype("I64"), Value::con("REINTERPRET", vec![]), fval(64, x)])?;
        expect_eq(ev, &want, &Value::seq(vec![nat(x)]), || "$cvtop__(F64, I64, REINTERPRET, ..)".into())
    });
}

// ---------------------------------------------------------------------------------------------
// NaN results are exactly the standard's sets

#[test]
fn nan_sets_are_the_standards() {
    once("nan sets", |ev| {
        let one = 1f32.to_bits() as u64;
        let canon = 0x7fc0_0000u64;
        let size = |v: &Value| ev.seq_len(v).map_err(fail);
        let has = |set: &Value, b: u64| ev.member(set, &fval(32, b)).map_err(fail);
        // Canonical inputs (or none): the two canonical NaNs.
        let set = call(ev, "fadd_", vec![nat(32), fval(32, canon | 0x8000_0000), fval(32, one)])?;
        prop_assert_eq!(size(&set)?, 2);
        prop_assert!(has(&set, canon)? && has(&set, canon | 0x8000_0000)?);
        prop_assert!(!has(&set, canon | 1)?);
        let set = call(ev, "fsqrt_", vec![nat(32), fval(32, (-1f32).to_bits() as u64)])?;
        prop_assert_eq!(size(&set)?, 2);
        // A signalling or non-canonical input: every arithmetic NaN of either sign.
        let set = call(ev, "fmul_", vec![nat(32), fval(32, 0x7f80_0001), fval(32, one)])?;
        prop_assert_eq!(size(&set)?, 2 * (1 << 22));
        prop_assert!(has(&set, canon)? && has(&set, 0xffc1_2345)? && has(&set, 0x7fff_ffff)?);
        prop_assert!(!has(&set, 0x7f80_0001)? && !has(&set, 0x7fa0_0000)? && !has(&set, one)?);
        let set = call(ev, "fmin_", vec![nat(64), fval(64, 1f64.to_bits()), fval(64, 0xfff0_0000_0000_0001)])?;
        prop_assert_eq!(size(&set)?, 2 * (1 << 51));
        prop_assert!(ev.member(&set, &fval(64, 0x7ff8_0000_dead_beef)).map_err(fail)?);
        prop_assert!(!ev.member(&set, &fval(64, 0x7ff0_0000_dead_beef)).map_err(fail)?);
        // Sign operators keep the payload: one result.
        let set = call(ev, "fneg_", vec![nat(32), fval(32, 0x7f80_0001)])?;
        prop_assert_eq!(size(&set)?, 1);
        prop_assert!(has(&set, 0xff80_0001)?);
        // Demotion of a canonical NaN is canonical, of another NaN arithmetic.
        let set = call(ev, "demote__", vec![nat(64), nat(32), fval(64, 0x7ff8_0000_0000_0000)])?;
        prop_assert_eq!(size(&set)?, 2);
        let set = call(ev, "promote__", vec![nat(32), nat(64), fval(32, 0x7f80_0001)])?;
        prop_assert_eq!(size(&set)?, 2 * (1 << 51));
        Ok(())
    });
}

// ---------------------------------------------------------------------------------------------
// Vectors: splitting into lanes and joining them, and the bitwise operators at 128 bits

fn v128(x: u128) -> Value {
    Value::big(BigInt::from(x))
}

fn any_v128() -> BoxedStrategy<u128> {
    prop_oneof![
        4 => any::<u128>(),
        1 => prop::sample::select(vec![0, 1, u128::MAX, u128::MAX >> 1, 1 << 127, (1 << 127) - 1, u128::from(u64::MAX)]),
    ]
    .boxed()
}

#[test]
fn vsplit_and_vjoin() {
    use wspec_runtime::builtins as b;
    for (n, m) in [(8u64, 16u64), (16, 8), (32, 4), (64, 2)] {
        run(&format!("vsplit_ and vjoin_ at {n}x{m}"), any_v128, move |ev, v| {
            let want = call(ev, "vsplit_", vec![nat(n), nat(m), v128(v)])?;
            let lanes = b::vsplit(n, m, v).ok_or_else(|| fail("vsplit is undefined"))?;
            expect_eq(ev, &want, &Value::seq(lanes.iter().map(|&x| nat(x)).collect()), || format!("$vsplit_({n}, {m}, {v:#x})"))?;
            let back = call(ev, "vjoin_", vec![nat(n), Value::seq(lanes.iter().map(|&x| nat(x)).collect())])?;
            let joined = b::vjoin(n, &lanes).ok_or_else(|| fail("vjoin is undefined"))?;
            expect_eq(ev, &back, &v128(joined), || format!("$vjoin_({n}, {lanes:?})"))?;
            prop_assert_eq!(joined, v);
            Ok(())
        });
    }
}

#[test]
fn bitwise_at_128() {
    use wspec_runtime::builtins as b;
    run("bitwise operators at 128", || (any_v128(), any_v128(), any_v128()), |ev, (x, y, z)| {
        let n = nat(128);
        for (name, got) in [("iand_", b::iand(128, x, y)), ("iandnot_", b::iandnot(128, x, y)), ("ior_", b::ior(128, x, y)), ("ixor_", b::ixor(128, x, y))] {
            let want = call(ev, name, vec![n.clone(), v128(x), v128(y)])?;
            let got = got.ok_or_else(|| fail(format!("{name} is undefined at 128")))?;
            expect_eq(ev, &want, &v128(got), || format!("${name}(128, {x:#x}, {y:#x})"))?;
        }
        let want = call(ev, "inot_", vec![n.clone(), v128(x)])?;
        expect_eq(ev, &want, &v128(b::inot(128, x).unwrap_or_default()), || format!("$inot_(128, {x:#x})"))?;
        let want = call(ev, "inez_", vec![n.clone(), v128(x)])?;
        expect_eq(ev, &want, &nat(u64::from(b::inez(128, x).unwrap_or(7))), || format!("$inez_(128, {x:#x})"))?;
        let want = call(ev, "ibitselect_", vec![n.clone(), v128(x), v128(y), v128(z)])?;
        expect_eq(ev, &want, &v128(b::ibitselect(128, x, y, z).unwrap_or_default()), || format!("$ibitselect_(128, ...)"))
    });
}

// ---------------------------------------------------------------------------------------------
// Relaxed SIMD: each builtin's result must be one that the definition allows

/// A NaN operand of `madd` makes the set of every arithmetic NaN (2^23 or 2^52 of them), beyond
/// what the evaluator builds element by element, so `madd` takes infinities where the inputs had
/// NaNs; `frelaxed_min_max` keeps NaNs.

#[test]
fn frelaxed_min_max() {
    use wspec_runtime::builtins as b;
    for n in [32u32, 64] {
        run(&format!("frelaxed_min_ and frelaxed_max_ at {n}"), move || float_pair(n), move |ev, (x, y)| {
            for (def, got) in [("frelaxed_min_", b::frelaxed_min(n as u64, x, y)), ("frelaxed_max_", b::frelaxed_max(n as u64, x, y))] {
                let set = call(ev, def, vec![nat(n as u64), fval(n, x), fval(n, y)])?;
                let got = got.ok_or_else(|| fail(format!("{def} builtin is undefined")))?;
                expect_in(ev, &set, &fval(n, got), || format!("${def}({n}, {x:#x}, {y:#x})"))?;
            }
            Ok(())
        });
    }
}

#[test]
fn frelaxed_madd_nmadd() {
    use wspec_runtime::builtins as b;
    for n in [32u32, 64] {
        // A NaN becomes the infinity of its sign, an edge case of its own.
        let no_nan = move |v: u64| {
            let (m, e) = if n == 32 { (23, 8) } else { (52, 11) };
            let exp = ((1u64 << e) - 1) << m;
            if v & exp == exp { v & !((1u64 << m) - 1) } else { v }
        };
        let finite = move || float_in(n).prop_map(no_nan);
        let inputs = move || (finite(), finite(), finite());
        run(&format!("frelaxed_madd_ and frelaxed_nmadd_ at {n}"), inputs, move |ev, (x, y, z)| {
            for (def, got) in [("frelaxed_madd_", b::frelaxed_madd(n as u64, x, y, z)), ("frelaxed_nmadd_", b::frelaxed_nmadd(n as u64, x, y, z))] {
                let set = call(ev, def, vec![nat(n as u64), fval(n, x), fval(n, y), fval(n, z)])?;
                let got = got.ok_or_else(|| fail(format!("{def} builtin is undefined")))?;
                expect_in(ev, &set, &fval(n, got), || format!("${def}({n}, {x:#x}, {y:#x}, {z:#x})"))?;
            }
            Ok(())
        });
    }
}

/// The integer relaxed operators: the builtin's result must be in the definition's set (both
/// results of `q15mulr` when both operands are the smallest signed number, both selections of
/// `laneselect`, every integer for a NaN or an out-of-range `relaxed_trunc`).
fn relaxed_int_binary(def: &'static str, widths: &[u32], f: fn(u64, u128, u128) -> Option<u128>) {
    for &n in widths {
        run(&format!("{def} at {n}"), move || int_pair(n), move |ev, (a, b)| {
            let set = call(ev, def, vec![nat(n as u64), nat(a), nat(b)])?;
            let got = f(n as u64, a.into(), b.into()).ok_or_else(|| fail(format!("{def} builtin is undefined")))?;
            expect_in(ev, &set, &v128(got), || format!("${def}({n}, {a:#x}, {b:#x})"))
        });
    }
}

#[test]
fn irelaxed_q15mulr_s() {
    relaxed_int_binary("irelaxed_q15mulr_s_", &[16, 32, 64], wspec_runtime::builtins::irelaxed_q15mulr_s);
}

#[test]
fn irelaxed_laneselect() {
    use wspec_runtime::builtins as b;
    for &n in W_ALL {
        // Masks of whole lanes of ones or zeros too, where both selections agree.
        let h = 1u64 << (n - 1);
        let masks = move || prop_oneof![3 => int_in(n), 1 => prop::sample::select(vec![0, mask(n), h, h - 1])];
        run(&format!("irelaxed_laneselect_ at {n}"), move || (int_in(n), int_in(n), masks()), move |ev, (a, b, c)| {
            let set = call(ev, "irelaxed_laneselect_", vec![nat(n as u64), nat(a), nat(b), nat(c)])?;
            let got = b::irelaxed_laneselect(n as u64, a.into(), b.into(), c.into()).ok_or_else(|| fail("irelaxed_laneselect builtin is undefined"))?;
            expect_in(ev, &set, &v128(got), || format!("$irelaxed_laneselect_({n}, {a:#x}, {b:#x}, {c:#x})"))
        });
    }
}

/// Into 32 bits, the only lanes the instructions truncate into (the evaluator's lazy sequences
/// count their elements in a `u64`, one bit too few for the 2^64 integers of 64 bits).
fn relaxed_trunc_test(def: &'static str, f: fn(u64, u64, u64) -> Option<u128>) {
    for m in [32u32, 64] {
        run(&format!("{def} f{m} to i32"), move || float_in(m), move |ev, a| {
            let set = call(ev, def, vec![nat(m as u64), nat(32), fval(m, a)])?;
            let got = f(m as u64, 32, a).ok_or_else(|| fail(format!("{def} builtin is undefined")))?;
            expect_in(ev, &set, &v128(got), || format!("${def}({m}, 32, {a:#x})"))
        });
    }
}

#[test]
fn relaxed_trunc_u() {
    relaxed_trunc_test("relaxed_trunc_u__", wspec_runtime::builtins::relaxed_trunc_u);
}

#[test]
fn relaxed_trunc_s() {
    relaxed_trunc_test("relaxed_trunc_s__", wspec_runtime::builtins::relaxed_trunc_s);
}
