//! Numeric instructions: integer and float arithmetic, comparisons, conversions, sign extension,
//! saturating truncation, NaN results, and the traps of division and truncation.

mod common;
use common::*;

const INT_OPS: &str = r#"
(module
  (func (export "i32.add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "i32.sub") (param i32 i32) (result i32) (i32.sub (local.get 0) (local.get 1)))
  (func (export "i32.mul") (param i32 i32) (result i32) (i32.mul (local.get 0) (local.get 1)))
  (func (export "i32.div_s") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func (export "i32.div_u") (param i32 i32) (result i32) (i32.div_u (local.get 0) (local.get 1)))
  (func (export "i32.rem_s") (param i32 i32) (result i32) (i32.rem_s (local.get 0) (local.get 1)))
  (func (export "i32.rem_u") (param i32 i32) (result i32) (i32.rem_u (local.get 0) (local.get 1)))
  (func (export "i32.and") (param i32 i32) (result i32) (i32.and (local.get 0) (local.get 1)))
  (func (export "i32.or") (param i32 i32) (result i32) (i32.or (local.get 0) (local.get 1)))
  (func (export "i32.xor") (param i32 i32) (result i32) (i32.xor (local.get 0) (local.get 1)))
  (func (export "i32.shl") (param i32 i32) (result i32) (i32.shl (local.get 0) (local.get 1)))
  (func (export "i32.shr_s") (param i32 i32) (result i32) (i32.shr_s (local.get 0) (local.get 1)))
  (func (export "i32.shr_u") (param i32 i32) (result i32) (i32.shr_u (local.get 0) (local.get 1)))
  (func (export "i32.rotl") (param i32 i32) (result i32) (i32.rotl (local.get 0) (local.get 1)))
  (func (export "i32.rotr") (param i32 i32) (result i32) (i32.rotr (local.get 0) (local.get 1)))
  (func (export "i32.clz") (param i32) (result i32) (i32.clz (local.get 0)))
  (func (export "i32.ctz") (param i32) (result i32) (i32.ctz (local.get 0)))
  (func (export "i32.popcnt") (param i32) (result i32) (i32.popcnt (local.get 0)))
  (func (export "i32.eqz") (param i32) (result i32) (i32.eqz (local.get 0)))
  (func (export "i32.lt_s") (param i32 i32) (result i32) (i32.lt_s (local.get 0) (local.get 1)))
  (func (export "i32.lt_u") (param i32 i32) (result i32) (i32.lt_u (local.get 0) (local.get 1)))
  (func (export "i32.ge_s") (param i32 i32) (result i32) (i32.ge_s (local.get 0) (local.get 1)))
  (func (export "i32.ne") (param i32 i32) (result i32) (i32.ne (local.get 0) (local.get 1)))
  (func (export "i64.add") (param i64 i64) (result i64) (i64.add (local.get 0) (local.get 1)))
  (func (export "i64.mul") (param i64 i64) (result i64) (i64.mul (local.get 0) (local.get 1)))
  (func (export "i64.div_s") (param i64 i64) (result i64) (i64.div_s (local.get 0) (local.get 1)))
  (func (export "i64.div_u") (param i64 i64) (result i64) (i64.div_u (local.get 0) (local.get 1)))
  (func (export "i64.rem_s") (param i64 i64) (result i64) (i64.rem_s (local.get 0) (local.get 1)))
  (func (export "i64.rem_u") (param i64 i64) (result i64) (i64.rem_u (local.get 0) (local.get 1)))
  (func (export "i64.shr_s") (param i64 i64) (result i64) (i64.shr_s (local.get 0) (local.get 1)))
  (func (export "i64.rotl") (param i64 i64) (result i64) (i64.rotl (local.get 0) (local.get 1)))
  (func (export "i64.clz") (param i64) (result i64) (i64.clz (local.get 0)))
  (func (export "i64.ctz") (param i64) (result i64) (i64.ctz (local.get 0)))
  (func (export "i64.popcnt") (param i64) (result i64) (i64.popcnt (local.get 0)))
  (func (export "i64.eqz") (param i64) (result i32) (i64.eqz (local.get 0)))
  (func (export "i64.gt_u") (param i64 i64) (result i32) (i64.gt_u (local.get 0) (local.get 1)))
  (func (export "i64.le_s") (param i64 i64) (result i32) (i64.le_s (local.get 0) (local.get 1)))
)"#;

#[test]
fn i32_arithmetic_wraps() {
    let mut t = module(INT_OPS);
    t.ok("i32.add", &[i32(i32::MAX), i32(1)], &[i32(i32::MIN)]);
    t.ok("i32.sub", &[i32(0), i32(1)], &[i32(-1)]);
    t.ok("i32.mul", &[i32(0x1000_0001), i32(16)], &[i32(16)]);
    t.ok("i32.div_s", &[i32(-7), i32(2)], &[i32(-3)]);
    t.ok("i32.div_u", &[i32(-7), i32(2)], &[i32(0x7fff_fffc)]);
    t.ok("i32.rem_s", &[i32(-7), i32(2)], &[i32(-1)]);
    t.ok("i32.rem_u", &[i32(-7), i32(2)], &[i32(1)]);
    // The remainder of the smallest integer by -1 is 0; the quotient overflows.
    t.ok("i32.rem_s", &[i32(i32::MIN), i32(-1)], &[i32(0)]);
}

#[test]
fn i32_division_traps() {
    let mut t = module(INT_OPS);
    for op in ["i32.div_s", "i32.div_u", "i32.rem_s", "i32.rem_u"] {
        t.trap(op, &[i32(1), i32(0)], "integer divide by zero");
    }
    t.trap("i32.div_s", &[i32(i32::MIN), i32(-1)], "integer overflow");
    for op in ["i64.div_s", "i64.div_u", "i64.rem_s", "i64.rem_u"] {
        t.trap(op, &[i64(5), i64(0)], "integer divide by zero");
    }
    t.trap("i64.div_s", &[i64(i64::MIN), i64(-1)], "integer overflow");
    t.ok("i64.rem_s", &[i64(i64::MIN), i64(-1)], &[i64(0)]);
}

#[test]
fn i32_bits() {
    let mut t = module(INT_OPS);
    t.ok("i32.and", &[i32(0b1100), i32(0b1010)], &[i32(0b1000)]);
    t.ok("i32.or", &[i32(0b1100), i32(0b1010)], &[i32(0b1110)]);
    t.ok("i32.xor", &[i32(0b1100), i32(0b1010)], &[i32(0b0110)]);
    // Shift counts are taken modulo the width.
    t.ok("i32.shl", &[i32(1), i32(33)], &[i32(2)]);
    t.ok("i32.shr_s", &[i32(-8), i32(1)], &[i32(-4)]);
    t.ok("i32.shr_u", &[i32(-8), i32(1)], &[i32(0x7fff_fffc)]);
    t.ok("i32.rotl", &[u32(0x8000_0001), i32(1)], &[i32(3)]);
    t.ok("i32.rotr", &[i32(3), i32(1)], &[u32(0x8000_0001)]);
    t.ok("i32.clz", &[i32(1)], &[i32(31)]);
    t.ok("i32.clz", &[i32(0)], &[i32(32)]);
    t.ok("i32.ctz", &[i32(0x100)], &[i32(8)]);
    t.ok("i32.ctz", &[i32(0)], &[i32(32)]);
    t.ok("i32.popcnt", &[i32(-1)], &[i32(32)]);
    t.ok("i32.eqz", &[i32(0)], &[i32(1)]);
    t.ok("i32.eqz", &[i32(7)], &[i32(0)]);
    t.ok("i32.lt_s", &[i32(-1), i32(0)], &[i32(1)]);
    t.ok("i32.lt_u", &[i32(-1), i32(0)], &[i32(0)]);
    t.ok("i32.ge_s", &[i32(3), i32(3)], &[i32(1)]);
    t.ok("i32.ne", &[i32(3), i32(3)], &[i32(0)]);
}

#[test]
fn i64_operations() {
    let mut t = module(INT_OPS);
    t.ok("i64.add", &[i64(i64::MAX), i64(1)], &[i64(i64::MIN)]);
    t.ok("i64.mul", &[i64(0x1_0000_0000), i64(0x1_0000_0000)], &[i64(0)]);
    t.ok("i64.div_s", &[i64(-9), i64(4)], &[i64(-2)]);
    t.ok("i64.div_u", &[i64(-1), i64(2)], &[i64(i64::MAX)]);
    t.ok("i64.rem_u", &[i64(-1), i64(10)], &[i64(5)]);
    t.ok("i64.shr_s", &[i64(i64::MIN), i64(65)], &[i64(i64::MIN / 2)]);
    t.ok("i64.rotl", &[i64(i64::MIN), i64(1)], &[i64(1)]);
    t.ok("i64.clz", &[i64(1)], &[i64(63)]);
    t.ok("i64.ctz", &[i64(0)], &[i64(64)]);
    t.ok("i64.popcnt", &[i64(0x00ff_00ff_00ff_00ff)], &[i64(32)]);
    t.ok("i64.eqz", &[i64(0)], &[i32(1)]);
    t.ok("i64.gt_u", &[i64(-1), i64(1)], &[i32(1)]);
    t.ok("i64.le_s", &[i64(-1), i64(1)], &[i32(1)]);
}

const FLOAT_OPS: &str = r#"
(module
  (func (export "f32.add") (param f32 f32) (result f32) (f32.add (local.get 0) (local.get 1)))
  (func (export "f32.sub") (param f32 f32) (result f32) (f32.sub (local.get 0) (local.get 1)))
  (func (export "f32.mul") (param f32 f32) (result f32) (f32.mul (local.get 0) (local.get 1)))
  (func (export "f32.div") (param f32 f32) (result f32) (f32.div (local.get 0) (local.get 1)))
  (func (export "f32.min") (param f32 f32) (result f32) (f32.min (local.get 0) (local.get 1)))
  (func (export "f32.max") (param f32 f32) (result f32) (f32.max (local.get 0) (local.get 1)))
  (func (export "f32.sqrt") (param f32) (result f32) (f32.sqrt (local.get 0)))
  (func (export "f32.neg") (param f32) (result f32) (f32.neg (local.get 0)))
  (func (export "f32.abs") (param f32) (result f32) (f32.abs (local.get 0)))
  (func (export "f32.copysign") (param f32 f32) (result f32) (f32.copysign (local.get 0) (local.get 1)))
  (func (export "f32.nearest") (param f32) (result f32) (f32.nearest (local.get 0)))
  (func (export "f32.ceil") (param f32) (result f32) (f32.ceil (local.get 0)))
  (func (export "f32.floor") (param f32) (result f32) (f32.floor (local.get 0)))
  (func (export "f32.trunc") (param f32) (result f32) (f32.trunc (local.get 0)))
  (func (export "f32.eq") (param f32 f32) (result i32) (f32.eq (local.get 0) (local.get 1)))
  (func (export "f32.ne") (param f32 f32) (result i32) (f32.ne (local.get 0) (local.get 1)))
  (func (export "f32.lt") (param f32 f32) (result i32) (f32.lt (local.get 0) (local.get 1)))
  (func (export "f64.add") (param f64 f64) (result f64) (f64.add (local.get 0) (local.get 1)))
  (func (export "f64.mul") (param f64 f64) (result f64) (f64.mul (local.get 0) (local.get 1)))
  (func (export "f64.div") (param f64 f64) (result f64) (f64.div (local.get 0) (local.get 1)))
  (func (export "f64.min") (param f64 f64) (result f64) (f64.min (local.get 0) (local.get 1)))
  (func (export "f64.max") (param f64 f64) (result f64) (f64.max (local.get 0) (local.get 1)))
  (func (export "f64.sqrt") (param f64) (result f64) (f64.sqrt (local.get 0)))
  (func (export "f64.nearest") (param f64) (result f64) (f64.nearest (local.get 0)))
  (func (export "f64.neg") (param f64) (result f64) (f64.neg (local.get 0)))
  (func (export "f64.ge") (param f64 f64) (result i32) (f64.ge (local.get 0) (local.get 1)))
)"#;

#[test]
fn float_arithmetic_is_exact_ieee() {
    let mut t = module(FLOAT_OPS);
    t.ok("f32.add", &[f32(0.1), f32(0.2)], &[f32(0.1f32 + 0.2f32)]);
    t.ok("f32.sub", &[f32(1.0), f32(1.0)], &[f32(0.0)]);
    t.ok("f32.mul", &[f32(-0.0), f32(5.0)], &[f32(-0.0)]);
    t.ok("f32.div", &[f32(1.0), f32(0.0)], &[f32(f32::INFINITY)]);
    t.ok("f32.div", &[f32(-1.0), f32(0.0)], &[f32(f32::NEG_INFINITY)]);
    t.ok("f32.div", &[f32(1.0), f32(3.0)], &[f32(1.0f32 / 3.0)]);
    t.ok("f32.sqrt", &[f32(2.0)], &[f32(2.0f32.sqrt())]);
    t.ok("f64.add", &[f64(0.1), f64(0.2)], &[f64(0.1 + 0.2)]);
    t.ok("f64.mul", &[f64(1e308), f64(10.0)], &[f64(f64::INFINITY)]);
    t.ok("f64.div", &[f64(2.0), f64(3.0)], &[f64(2.0 / 3.0)]);
    t.ok("f64.sqrt", &[f64(-0.0)], &[f64(-0.0)]);
}

#[test]
fn float_min_max_and_zeros() {
    let mut t = module(FLOAT_OPS);
    t.ok("f32.min", &[f32(0.0), f32(-0.0)], &[f32(-0.0)]);
    t.ok("f32.max", &[f32(-0.0), f32(0.0)], &[f32(0.0)]);
    t.ok("f32.min", &[f32(1.0), f32(-2.0)], &[f32(-2.0)]);
    t.ok("f64.max", &[f64(-0.0), f64(0.0)], &[f64(0.0)]);
    t.ok("f64.min", &[f64(f64::NEG_INFINITY), f64(0.0)], &[f64(f64::NEG_INFINITY)]);
}

#[test]
fn float_rounding() {
    let mut t = module(FLOAT_OPS);
    // Round half to even.
    t.ok("f32.nearest", &[f32(2.5)], &[f32(2.0)]);
    t.ok("f32.nearest", &[f32(3.5)], &[f32(4.0)]);
    t.ok("f32.nearest", &[f32(-0.5)], &[f32(-0.0)]);
    t.ok("f64.nearest", &[f64(-2.5)], &[f64(-2.0)]);
    t.ok("f32.ceil", &[f32(-0.5)], &[f32(-0.0)]);
    t.ok("f32.floor", &[f32(-0.5)], &[f32(-1.0)]);
    t.ok("f32.trunc", &[f32(-1.7)], &[f32(-1.0)]);
}

#[test]
fn nan_results() {
    let mut t = module(FLOAT_OPS);
    // Arithmetic on a NaN gives an arithmetic NaN; on canonical NaNs, a canonical one.
    let r = t.one("f32.add", &[f32_bits(0x7fa0_0000), f32(1.0)]);
    assert!(is_arithmetic_nan32(&r), "{r:?}");
    let r = t.one("f32.add", &[f32_bits(0x7fc0_0000), f32(1.0)]);
    assert!(is_canonical_nan32(&r), "{r:?}");
    // Invalid operations give a canonical NaN.
    let r = t.one("f32.sub", &[f32(f32::INFINITY), f32(f32::INFINITY)]);
    assert!(is_canonical_nan32(&r), "{r:?}");
    let r = t.one("f64.div", &[f64(0.0), f64(0.0)]);
    assert!(is_canonical_nan64(&r), "{r:?}");
    let r = t.one("f64.sqrt", &[f64(-1.0)]);
    assert!(is_canonical_nan64(&r), "{r:?}");
    let r = t.one("f32.min", &[f32(1.0), f32_bits(0x7fc0_0000)]);
    assert!(is_canonical_nan32(&r), "{r:?}");
    let r = t.one("f64.max", &[f64_bits(0x7ff0_0000_0000_0001), f64(1.0)]);
    assert!(is_arithmetic_nan64(&r), "{r:?}");
    // Sign operations are bitwise: they keep the payload, even of a signalling NaN.
    t.ok("f32.neg", &[f32_bits(0x7fa0_0001)], &[f32_bits(0xffa0_0001)]);
    t.ok("f32.abs", &[f32_bits(0xffa0_0001)], &[f32_bits(0x7fa0_0001)]);
    t.ok("f32.copysign", &[f32_bits(0x7fa0_0001), f32(-1.0)], &[f32_bits(0xffa0_0001)]);
    t.ok("f64.neg", &[f64(0.0)], &[f64(-0.0)]);
    // Comparisons with a NaN are false, except ne.
    let nan = f32_bits(0x7fc0_0000);
    t.ok("f32.eq", &[nan.clone(), nan.clone()], &[i32(0)]);
    t.ok("f32.ne", &[nan.clone(), nan.clone()], &[i32(1)]);
    t.ok("f32.lt", &[nan.clone(), f32(1.0)], &[i32(0)]);
    t.ok("f32.eq", &[f32(0.0), f32(-0.0)], &[i32(1)]);
    t.ok("f64.ge", &[f64(f64::NAN), f64(1.0)], &[i32(0)]);
}

const CONVERSIONS: &str = r#"
(module
  (func (export "i32.wrap_i64") (param i64) (result i32) (i32.wrap_i64 (local.get 0)))
  (func (export "i64.extend_i32_s") (param i32) (result i64) (i64.extend_i32_s (local.get 0)))
  (func (export "i64.extend_i32_u") (param i32) (result i64) (i64.extend_i32_u (local.get 0)))
  (func (export "i32.trunc_f32_s") (param f32) (result i32) (i32.trunc_f32_s (local.get 0)))
  (func (export "i32.trunc_f32_u") (param f32) (result i32) (i32.trunc_f32_u (local.get 0)))
  (func (export "i32.trunc_f64_s") (param f64) (result i32) (i32.trunc_f64_s (local.get 0)))
  (func (export "i64.trunc_f64_u") (param f64) (result i64) (i64.trunc_f64_u (local.get 0)))
  (func (export "i32.trunc_sat_f32_s") (param f32) (result i32) (i32.trunc_sat_f32_s (local.get 0)))
  (func (export "i32.trunc_sat_f32_u") (param f32) (result i32) (i32.trunc_sat_f32_u (local.get 0)))
  (func (export "i64.trunc_sat_f64_s") (param f64) (result i64) (i64.trunc_sat_f64_s (local.get 0)))
  (func (export "i64.trunc_sat_f64_u") (param f64) (result i64) (i64.trunc_sat_f64_u (local.get 0)))
  (func (export "f32.convert_i32_s") (param i32) (result f32) (f32.convert_i32_s (local.get 0)))
  (func (export "f32.convert_i32_u") (param i32) (result f32) (f32.convert_i32_u (local.get 0)))
  (func (export "f64.convert_i64_u") (param i64) (result f64) (f64.convert_i64_u (local.get 0)))
  (func (export "f32.convert_i64_s") (param i64) (result f32) (f32.convert_i64_s (local.get 0)))
  (func (export "f32.demote_f64") (param f64) (result f32) (f32.demote_f64 (local.get 0)))
  (func (export "f64.promote_f32") (param f32) (result f64) (f64.promote_f32 (local.get 0)))
  (func (export "i32.reinterpret_f32") (param f32) (result i32) (i32.reinterpret_f32 (local.get 0)))
  (func (export "f64.reinterpret_i64") (param i64) (result f64) (f64.reinterpret_i64 (local.get 0)))
  (func (export "i32.extend8_s") (param i32) (result i32) (i32.extend8_s (local.get 0)))
  (func (export "i32.extend16_s") (param i32) (result i32) (i32.extend16_s (local.get 0)))
  (func (export "i64.extend8_s") (param i64) (result i64) (i64.extend8_s (local.get 0)))
  (func (export "i64.extend16_s") (param i64) (result i64) (i64.extend16_s (local.get 0)))
  (func (export "i64.extend32_s") (param i64) (result i64) (i64.extend32_s (local.get 0)))
)"#;

#[test]
fn integer_conversions_and_sign_extension() {
    let mut t = module(CONVERSIONS);
    t.ok("i32.wrap_i64", &[i64(0x1_2345_6789)], &[i32(0x2345_6789)]);
    t.ok("i64.extend_i32_s", &[i32(-2)], &[i64(-2)]);
    t.ok("i64.extend_i32_u", &[i32(-2)], &[i64(0xffff_fffe)]);
    t.ok("i32.extend8_s", &[i32(0x80)], &[i32(-128)]);
    t.ok("i32.extend8_s", &[i32(0x1_7f)], &[i32(0x7f)]);
    t.ok("i32.extend16_s", &[i32(0x8000)], &[i32(-32768)]);
    t.ok("i64.extend8_s", &[i64(0xff)], &[i64(-1)]);
    t.ok("i64.extend16_s", &[i64(0x1_7fff)], &[i64(0x7fff)]);
    t.ok("i64.extend32_s", &[i64(0x8000_0000)], &[i64(-0x8000_0000)]);
}

#[test]
fn truncation_traps_with_the_reason() {
    let mut t = module(CONVERSIONS);
    t.ok("i32.trunc_f32_s", &[f32(-3.9)], &[i32(-3)]);
    t.ok("i32.trunc_f32_u", &[f32(4_294_967_040.0)], &[u32(4_294_967_040)]);
    t.ok("i32.trunc_f64_s", &[f64(-2147483648.9)], &[i32(i32::MIN)]);
    t.trap("i32.trunc_f32_s", &[f32(2147483648.0)], "integer overflow");
    t.trap("i32.trunc_f32_u", &[f32(-1.0)], "integer overflow");
    t.trap("i32.trunc_f32_s", &[f32(f32::INFINITY)], "integer overflow");
    t.trap("i32.trunc_f64_s", &[f64(-2147483649.0)], "integer overflow");
    t.trap("i64.trunc_f64_u", &[f64(f64::NEG_INFINITY)], "integer overflow");
    t.trap("i32.trunc_f32_s", &[f32_bits(0x7fc0_0000)], "invalid conversion to integer");
    t.trap("i32.trunc_f32_u", &[f32_bits(0xffa0_0000)], "invalid conversion to integer");
    t.trap("i64.trunc_f64_u", &[f64(f64::NAN)], "invalid conversion to integer");
    // Just below the bounds truncates.
    t.ok("i32.trunc_f32_u", &[f32(-0.9)], &[i32(0)]);
}

#[test]
fn saturating_truncation() {
    let mut t = module(CONVERSIONS);
    t.ok("i32.trunc_sat_f32_s", &[f32(3e9)], &[i32(i32::MAX)]);
    t.ok("i32.trunc_sat_f32_s", &[f32(-3e9)], &[i32(i32::MIN)]);
    t.ok("i32.trunc_sat_f32_s", &[f32_bits(0x7fc0_0000)], &[i32(0)]);
    t.ok("i32.trunc_sat_f32_u", &[f32(-5.0)], &[i32(0)]);
    t.ok("i32.trunc_sat_f32_u", &[f32(f32::INFINITY)], &[i32(-1)]);
    t.ok("i64.trunc_sat_f64_s", &[f64(-1.5)], &[i64(-1)]);
    t.ok("i64.trunc_sat_f64_u", &[f64(1e20)], &[i64(-1)]);
    t.ok("i64.trunc_sat_f64_u", &[f64(f64::NAN)], &[i64(0)]);
}

#[test]
fn float_conversions() {
    let mut t = module(CONVERSIONS);
    t.ok("f32.convert_i32_s", &[i32(-1)], &[f32(-1.0)]);
    t.ok("f32.convert_i32_u", &[i32(-1)], &[f32(4294967296.0)]);
    // Round to nearest, ties to even.
    t.ok("f32.convert_i32_s", &[i32(16_777_217)], &[f32(16_777_216.0)]);
    t.ok("f32.convert_i64_s", &[i64(9_007_199_791_611_905)], &[f32(9_007_200_328_482_816.0)]);
    t.ok("f64.convert_i64_u", &[i64(-1)], &[f64(18446744073709551616.0)]);
    t.ok("f32.demote_f64", &[f64(0.1)], &[f32(0.1f64 as f32)]);
    t.ok("f32.demote_f64", &[f64(1e300)], &[f32(f32::INFINITY)]);
    t.ok("f64.promote_f32", &[f32(0.1)], &[f64(0.1f32 as f64)]);
    let r = t.one("f32.demote_f64", &[f64(f64::NAN)]);
    assert!(is_canonical_nan32(&r), "{r:?}");
    t.ok("i32.reinterpret_f32", &[f32(-0.0)], &[u32(0x8000_0000)]);
    t.ok("f64.reinterpret_i64", &[i64(0x3ff0_0000_0000_0000)], &[f64(1.0)]);
}
