//! Expected results of `assert_return`, and matching actual values against them.
//!
//! Numbers match by bit pattern (so `-0.0` differs from `0.0`, and a NaN literal in a result
//! matches only that exact NaN). `nan:canonical` and `nan:arithmetic` match sets of NaNs, for
//! `f32`/`f64` results and per lane in `v128` results. `either` matches when one alternative
//! does. Reference patterns are checked by kind, never by identity, except for host values.

use crate::value::{fmt_f32, fmt_f64, Ref, Value};
use std::fmt;

/// A pattern for a float of bit width `T` (`u32` for f32, `u64` for f64).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FloatPat<T> {
    /// Exactly these bits.
    Bits(T),
    /// `nan:canonical`: a NaN whose payload is exactly the canonical one (either sign).
    CanonicalNan,
    /// `nan:arithmetic`: a NaN whose payload has its most significant bit set (either sign).
    ArithmeticNan,
}

/// A `v128` pattern, lane by lane in the shape the script uses. Integer lanes are bit patterns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum V128Pat {
    I8x16([u8; 16]),
    I16x8([u16; 8]),
    I32x4([u32; 4]),
    I64x2([u64; 2]),
    F32x4([FloatPat<u32>; 4]),
    F64x2([FloatPat<u64>; 2]),
}

/// A reference pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RefPat {
    /// `ref.null` (with or without a heap type): any null reference.
    Null,
    /// `ref.func`: any non-null function reference.
    Func,
    /// `ref.extern`: any non-null external reference; `ref.extern N`: host value `N` as one.
    Extern(Option<u32>),
    /// `ref.host N`: host value `N` as an internal reference.
    Host(u32),
    /// `ref.any`: any non-null reference of the `any` hierarchy (host, i31, struct, array).
    Any,
    /// `ref.eq`: a non-null i31, struct or array reference.
    Eq,
    /// `ref.i31`: a non-null i31 reference.
    I31,
    /// `ref.struct`: a non-null struct reference.
    Struct,
    /// `ref.array`: a non-null array reference.
    Array,
    /// `ref.exn`: a non-null exception reference.
    Exn,
}

/// An expected result of `assert_return`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expected {
    I32(u32),
    I64(u64),
    F32(FloatPat<u32>),
    F64(FloatPat<u64>),
    V128(V128Pat),
    Ref(RefPat),
    /// `(either r1 r2 ...)`: one of the alternatives.
    Either(Vec<Expected>),
}

/// Whether `bits` is a canonical f32 NaN.
pub fn f32_is_canonical_nan(bits: u32) -> bool {
    bits & 0x7fff_ffff == 0x7fc0_0000
}

/// Whether `bits` is an arithmetic f32 NaN (exponent all ones, quiet bit set).
pub fn f32_is_arithmetic_nan(bits: u32) -> bool {
    bits & 0x7fc0_0000 == 0x7fc0_0000
}

/// Whether `bits` is a canonical f64 NaN.
pub fn f64_is_canonical_nan(bits: u64) -> bool {
    bits & 0x7fff_ffff_ffff_ffff == 0x7ff8_0000_0000_0000
}

/// Whether `bits` is an arithmetic f64 NaN (exponent all ones, quiet bit set).
pub fn f64_is_arithmetic_nan(bits: u64) -> bool {
    bits & 0x7ff8_0000_0000_0000 == 0x7ff8_0000_0000_0000
}

impl FloatPat<u32> {
    pub fn matches(&self, bits: u32) -> bool {
        match self {
            FloatPat::Bits(b) => *b == bits,
            FloatPat::CanonicalNan => f32_is_canonical_nan(bits),
            FloatPat::ArithmeticNan => f32_is_arithmetic_nan(bits),
        }
    }
}

impl FloatPat<u64> {
    pub fn matches(&self, bits: u64) -> bool {
        match self {
            FloatPat::Bits(b) => *b == bits,
            FloatPat::CanonicalNan => f64_is_canonical_nan(bits),
            FloatPat::ArithmeticNan => f64_is_arithmetic_nan(bits),
        }
    }
}

fn lanes<const N: usize, const W: usize>(bytes: &[u8; 16]) -> [u64; N] {
    let mut out = [0u64; N];
    for (i, lane) in out.iter_mut().enumerate() {
        let mut b = [0u8; 8];
        b[..W].copy_from_slice(&bytes[i * W..i * W + W]);
        *lane = u64::from_le_bytes(b);
    }
    out
}

impl V128Pat {
    pub fn matches(&self, bytes: &[u8; 16]) -> bool {
        match self {
            V128Pat::I8x16(l) => l == bytes,
            V128Pat::I16x8(l) => lanes::<8, 2>(bytes).iter().zip(l).all(|(a, b)| *a == *b as u64),
            V128Pat::I32x4(l) => lanes::<4, 4>(bytes).iter().zip(l).all(|(a, b)| *a == *b as u64),
            V128Pat::I64x2(l) => lanes::<2, 8>(bytes).iter().zip(l).all(|(a, b)| *a == *b),
            V128Pat::F32x4(l) => lanes::<4, 4>(bytes).iter().zip(l).all(|(a, p)| p.matches(*a as u32)),
            V128Pat::F64x2(l) => lanes::<2, 8>(bytes).iter().zip(l).all(|(a, p)| p.matches(*a)),
        }
    }

    /// The shape keyword (`i8x16`, ...), to show an actual vector in the expected shape.
    pub fn shape(&self) -> &'static str {
        match self {
            V128Pat::I8x16(_) => "i8x16",
            V128Pat::I16x8(_) => "i16x8",
            V128Pat::I32x4(_) => "i32x4",
            V128Pat::I64x2(_) => "i64x2",
            V128Pat::F32x4(_) => "f32x4",
            V128Pat::F64x2(_) => "f64x2",
        }
    }
}

impl RefPat {
    pub fn matches(&self, r: &Ref) -> bool {
        match (self, r) {
            (RefPat::Null, Ref::Null(_)) => true,
            (RefPat::Func, Ref::Func(_)) => true,
            (RefPat::Extern(None), Ref::Extern(_)) => true,
            (RefPat::Extern(Some(n)), Ref::Extern(inner)) => **inner == Ref::Host(*n),
            (RefPat::Host(n), Ref::Host(m)) => n == m,
            (RefPat::Any, Ref::Host(_) | Ref::I31(_) | Ref::Struct(_) | Ref::Array(_) | Ref::Any(_)) => true,
            (RefPat::Eq, Ref::I31(_) | Ref::Struct(_) | Ref::Array(_)) => true,
            (RefPat::I31, Ref::I31(_)) => true,
            (RefPat::Struct, Ref::Struct(_)) => true,
            (RefPat::Array, Ref::Array(_)) => true,
            (RefPat::Exn, Ref::Exn(_)) => true,
            _ => false,
        }
    }
}

impl Expected {
    /// Whether `value` matches this pattern. A value of another type never matches.
    pub fn matches(&self, value: &Value) -> bool {
        match (self, value) {
            (Expected::I32(a), Value::I32(b)) => a == b,
            (Expected::I64(a), Value::I64(b)) => a == b,
            (Expected::F32(p), Value::F32(b)) => p.matches(*b),
            (Expected::F64(p), Value::F64(b)) => p.matches(*b),
            (Expected::V128(p), Value::V128(b)) => p.matches(b),
            (Expected::Ref(p), Value::Ref(r)) => p.matches(r),
            (Expected::Either(alts), v) => alts.iter().any(|a| a.matches(v)),
            _ => false,
        }
    }

    /// The shape to print an actual `v128` in, if this pattern expects one.
    fn v128_shape(&self) -> Option<&V128Pat> {
        match self {
            Expected::V128(p) => Some(p),
            Expected::Either(alts) => alts.iter().find_map(|a| a.v128_shape()),
            _ => None,
        }
    }
}

/// Whether `values` match `expected`, position by position (the counts must agree).
pub fn matches_all(expected: &[Expected], values: &[Value]) -> bool {
    expected.len() == values.len() && expected.iter().zip(values).all(|(e, v)| e.matches(v))
}

/// Formats actual results for a failure report; `v128` values are shown in the shape of the
/// corresponding pattern, when there is one.
pub fn fmt_actual(expected: &[Expected], values: &[Value]) -> String {
    if values.is_empty() {
        return "no values".into();
    }
    values
        .iter()
        .enumerate()
        .map(|(i, v)| match (v, expected.get(i).and_then(|e| e.v128_shape())) {
            (Value::V128(bytes), Some(p)) => format!("(v128.const {})", fmt_v128_as(bytes, p)),
            _ => v.to_string(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Formats expected results for a failure report.
pub fn fmt_expected(expected: &[Expected]) -> String {
    if expected.is_empty() {
        return "no values".into();
    }
    expected.iter().map(|e| e.to_string()).collect::<Vec<_>>().join(" ")
}

fn fmt_v128_as(bytes: &[u8; 16], shape: &V128Pat) -> String {
    let body: Vec<String> = match shape {
        V128Pat::I8x16(_) => bytes.iter().map(|b| format!("0x{b:02x}")).collect(),
        V128Pat::I16x8(_) => lanes::<8, 2>(bytes).iter().map(|l| format!("0x{l:04x}")).collect(),
        V128Pat::I32x4(_) => lanes::<4, 4>(bytes).iter().map(|l| format!("0x{l:08x}")).collect(),
        V128Pat::I64x2(_) => lanes::<2, 8>(bytes).iter().map(|l| format!("0x{l:016x}")).collect(),
        V128Pat::F32x4(_) => lanes::<4, 4>(bytes).iter().map(|l| fmt_f32(*l as u32)).collect(),
        V128Pat::F64x2(_) => lanes::<2, 8>(bytes).iter().map(|l| fmt_f64(*l)).collect(),
    };
    format!("{} {}", shape.shape(), body.join(" "))
}

impl fmt::Display for FloatPat<u32> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FloatPat::Bits(b) => write!(f, "{}", fmt_f32(*b)),
            FloatPat::CanonicalNan => write!(f, "nan:canonical"),
            FloatPat::ArithmeticNan => write!(f, "nan:arithmetic"),
        }
    }
}

impl fmt::Display for FloatPat<u64> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FloatPat::Bits(b) => write!(f, "{}", fmt_f64(*b)),
            FloatPat::CanonicalNan => write!(f, "nan:canonical"),
            FloatPat::ArithmeticNan => write!(f, "nan:arithmetic"),
        }
    }
}

impl fmt::Display for V128Pat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let body: Vec<String> = match self {
            V128Pat::I8x16(l) => l.iter().map(|b| format!("0x{b:02x}")).collect(),
            V128Pat::I16x8(l) => l.iter().map(|b| format!("0x{b:04x}")).collect(),
            V128Pat::I32x4(l) => l.iter().map(|b| format!("0x{b:08x}")).collect(),
            V128Pat::I64x2(l) => l.iter().map(|b| format!("0x{b:016x}")).collect(),
            V128Pat::F32x4(l) => l.iter().map(|p| p.to_string()).collect(),
            V128Pat::F64x2(l) => l.iter().map(|p| p.to_string()).collect(),
        };
        write!(f, "{} {}", self.shape(), body.join(" "))
    }
}

impl fmt::Display for RefPat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RefPat::Null => write!(f, "(ref.null)"),
            RefPat::Func => write!(f, "(ref.func)"),
            RefPat::Extern(None) => write!(f, "(ref.extern)"),
            RefPat::Extern(Some(n)) => write!(f, "(ref.extern {n})"),
            RefPat::Host(n) => write!(f, "(ref.host {n})"),
            RefPat::Any => write!(f, "(ref.any)"),
            RefPat::Eq => write!(f, "(ref.eq)"),
            RefPat::I31 => write!(f, "(ref.i31)"),
            RefPat::Struct => write!(f, "(ref.struct)"),
            RefPat::Array => write!(f, "(ref.array)"),
            RefPat::Exn => write!(f, "(ref.exn)"),
        }
    }
}

impl fmt::Display for Expected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expected::I32(v) => write!(f, "(i32.const {})", *v as i32),
            Expected::I64(v) => write!(f, "(i64.const {})", *v as i64),
            Expected::F32(p) => write!(f, "(f32.const {p})"),
            Expected::F64(p) => write!(f, "(f64.const {p})"),
            Expected::V128(p) => write!(f, "(v128.const {p})"),
            Expected::Ref(p) => write!(f, "{p}"),
            Expected::Either(alts) => {
                write!(f, "(either")?;
                for a in alts {
                    write!(f, " {a}")?;
                }
                write!(f, ")")
            }
        }
    }
}
