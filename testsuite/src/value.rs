//! Values that cross the engine boundary: arguments of `invoke`, results, global values.
//!
//! Numbers are bit patterns (floats included, so that NaN payloads and the sign of zero survive),
//! vectors are 16 bytes in little-endian lane order, and references are described just enough
//! for the script's result patterns (`ref.null`, `ref.extern N`, `ref.host N`, `ref.func`,
//! `ref.struct`, `ref.array`, `ref.i31`, `ref.eq`, `ref.any`, `ref.exn`) to be checked.
//! Everything an engine keeps private (which function, which struct) is an opaque handle.

use std::fmt;

/// A Wasm value.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Value {
    /// An `i32`, as its 32 bits.
    I32(u32),
    /// An `i64`, as its 64 bits.
    I64(u64),
    /// An `f32`, as its bit pattern (`f32::to_bits`).
    F32(u32),
    /// An `f64`, as its bit pattern (`f64::to_bits`).
    F64(u64),
    /// A `v128`, as 16 bytes, byte 0 first (the lane order of the Wasm memory layout).
    V128([u8; 16]),
    /// A reference.
    Ref(Ref),
}

/// A reference value.
///
/// The script format knows two kinds of host values: `ref.extern N` (host value `N` seen as
/// an `externref`) and `ref.host N` (host value `N` seen as an internal reference, of type
/// `anyref`; what `any.convert_extern` makes of `ref.extern N`). Following the reference
/// interpreter, an external reference wraps the reference it was made from:
/// `ref.extern N` is `Ref::Extern(Box::new(Ref::Host(N)))`, and `extern.convert_any` of an
/// internal reference `r` is `Ref::Extern(Box::new(r))`. [`Ref::extern_host`] builds the first.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Ref {
    /// A null reference. The heap type is what the engine knows of it (any is fine: a
    /// `ref.null` result pattern matches every null reference, as in the reference
    /// interpreter, where all nulls are equal).
    Null(HeapType),
    /// A function reference; the handle is the engine's (opaque to the runner).
    Func(u64),
    /// Host value `N` as an internal reference (`ref.host N`), in the `any` hierarchy.
    Host(u32),
    /// An external reference wrapping the given reference (see the type's documentation).
    Extern(Box<Ref>),
    /// An unboxed scalar (`ref.i31`); the payload is the 31-bit value, zero-extended.
    I31(u32),
    /// A struct reference (opaque handle).
    Struct(u64),
    /// An array reference (opaque handle).
    Array(u64),
    /// An exception reference (opaque handle).
    Exn(u64),
    /// Some other non-null internal reference in the `any` hierarchy (opaque handle), for an
    /// engine that does not distinguish struct from array when it reports results.
    Any(u64),
}

impl Ref {
    /// `ref.extern N`: host value `N` as an external reference.
    pub fn extern_host(n: u32) -> Ref {
        Ref::Extern(Box::new(Ref::Host(n)))
    }

    /// Whether this is a null reference.
    pub fn is_null(&self) -> bool {
        matches!(self, Ref::Null(_))
    }
}

/// A heap type, as far as a script can name it in `ref.null` (arguments and results).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HeapType {
    Func,
    NoFunc,
    Extern,
    NoExtern,
    Any,
    Eq,
    I31,
    Struct,
    Array,
    None,
    Exn,
    NoExn,
    Cont,
    NoCont,
    /// A defined type, by its index in the type section of the module the value goes to
    /// (in `invoke`, the invoked instance's module).
    Concrete(u32),
    /// An exact defined type (custom-descriptors proposal), by index.
    Exact(u32),
}

impl HeapType {
    /// The name the text format uses.
    pub fn text(&self) -> String {
        match self {
            HeapType::Func => "func".into(),
            HeapType::NoFunc => "nofunc".into(),
            HeapType::Extern => "extern".into(),
            HeapType::NoExtern => "noextern".into(),
            HeapType::Any => "any".into(),
            HeapType::Eq => "eq".into(),
            HeapType::I31 => "i31".into(),
            HeapType::Struct => "struct".into(),
            HeapType::Array => "array".into(),
            HeapType::None => "none".into(),
            HeapType::Exn => "exn".into(),
            HeapType::NoExn => "noexn".into(),
            HeapType::Cont => "cont".into(),
            HeapType::NoCont => "nocont".into(),
            HeapType::Concrete(i) => i.to_string(),
            HeapType::Exact(i) => format!("(exact {i})"),
        }
    }
}

/// Formats an `f32` bit pattern the way failure reports show it: the value, then the bits.
pub fn fmt_f32(bits: u32) -> String {
    let f = f32::from_bits(bits);
    if f.is_nan() {
        let sign = if bits >> 31 == 1 { "-" } else { "" };
        format!("{sign}nan:0x{:x} (0x{bits:08x})", bits & 0x7f_ffff)
    } else {
        format!("{f:?} (0x{bits:08x})")
    }
}

/// Formats an `f64` bit pattern the way failure reports show it: the value, then the bits.
pub fn fmt_f64(bits: u64) -> String {
    let f = f64::from_bits(bits);
    if f.is_nan() {
        let sign = if bits >> 63 == 1 { "-" } else { "" };
        format!("{sign}nan:0x{:x} (0x{bits:016x})", bits & 0xf_ffff_ffff_ffff)
    } else {
        format!("{f:?} (0x{bits:016x})")
    }
}

/// Formats 16 bytes as `i32x4` lanes in hexadecimal (the most readable neutral shape).
pub fn fmt_v128(bytes: &[u8; 16]) -> String {
    let lanes: Vec<String> = bytes
        .chunks(4)
        .map(|c| format!("0x{:08x}", u32::from_le_bytes([c[0], c[1], c[2], c[3]])))
        .collect();
    format!("i32x4 {}", lanes.join(" "))
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::I32(v) => write!(f, "(i32.const {})", *v as i32),
            Value::I64(v) => write!(f, "(i64.const {})", *v as i64),
            Value::F32(v) => write!(f, "(f32.const {})", fmt_f32(*v)),
            Value::F64(v) => write!(f, "(f64.const {})", fmt_f64(*v)),
            Value::V128(v) => write!(f, "(v128.const {})", fmt_v128(v)),
            Value::Ref(r) => write!(f, "{r}"),
        }
    }
}

impl fmt::Display for Ref {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ref::Null(ht) => write!(f, "(ref.null {})", ht.text()),
            Ref::Func(h) => write!(f, "(ref.func #{h})"),
            Ref::Host(n) => write!(f, "(ref.host {n})"),
            Ref::Extern(inner) => match &**inner {
                Ref::Host(n) => write!(f, "(ref.extern {n})"),
                other => write!(f, "(ref.extern {other})"),
            },
            Ref::I31(v) => write!(f, "(ref.i31 {v})"),
            Ref::Struct(h) => write!(f, "(ref.struct #{h})"),
            Ref::Array(h) => write!(f, "(ref.array #{h})"),
            Ref::Exn(h) => write!(f, "(ref.exn #{h})"),
            Ref::Any(h) => write!(f, "(ref.any #{h})"),
        }
    }
}

/// Formats a list of values as the script would write them, separated by spaces.
pub fn fmt_values(values: &[Value]) -> String {
    if values.is_empty() {
        return "no values".into();
    }
    values.iter().map(|v| v.to_string()).collect::<Vec<_>>().join(" ")
}
