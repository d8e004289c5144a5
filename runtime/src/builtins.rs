//! Builtins: Rust implementations of definitions marked `hint(builtin "name")`, called by
//! generated code. Each returns `None` where its definition is undefined.

/// UTF-8 decoding of a name (`$decode_utf8`): the characters whose encoding is the bytes.
pub fn decode_utf8(bytes: &[u8]) -> Option<Vec<char>> {
    crate::reader::decode_utf8(bytes)
}

/// The UTF-8 encoding of characters (`$utf8`).
pub fn utf8(chars: &[char]) -> Option<Vec<u8>> {
    Some(chars.iter().collect::<String>().into_bytes())
}

/// The bit pattern of a float of width `n` from its little-endian bytes (`$bytes_float_`);
/// floats are held as bit patterns.
pub fn float_of_bytes(n: u64, bytes: &[u8]) -> Option<u64> {
    if bytes.len() as u64 * 8 != n || n > 64 {
        return None;
    }
    Some(bytes.iter().rev().fold(0u64, |acc, b| (acc << 8) | *b as u64))
}

/// The 128-bit vector that 16 little-endian bytes denote (`$bytes_vec_`).
pub fn bytes_vec(bytes: &[u8]) -> Option<u128> {
    if bytes.len() != 16 {
        return None;
    }
    Some(bytes.iter().rev().fold(0u128, |acc, b| (acc << 8) | *b as u128))
}

/// `$inv_signed_(N, i)`: the bit pattern of a signed integer of width `n` (as a natural).
pub fn inv_signed(n: u64, i: i64) -> Option<u64> {
    let n = u32::try_from(n).ok().filter(|n| (1..=64).contains(n))?;
    let lo = if n == 64 { i64::MIN } else { -(1i64 << (n - 1)) };
    let hi = if n == 64 { i64::MAX } else { (1i64 << (n - 1)) - 1 };
    if i < lo || i > hi {
        return None;
    }
    Some(crate::numerics::inv_signed(n, i))
}

/// `$concat_`: flattening a sequence of sequences.
pub fn concat<X>(xss: Vec<Vec<X>>) -> Option<Vec<X>> {
    Some(xss.into_iter().flatten().collect())
}

/// `$sum`: the sum of naturals, undefined on overflow of the representation.
pub fn sum(ns: &[u64]) -> Option<u64> {
    ns.iter().try_fold(0u64, |a, n| a.checked_add(*n))
}

/// `$vsplit_(N, M, v)`: the `m` numbers of `n` bits that make up a vector, least significant
/// first; undefined unless they fit in the vector and in a `u64` each.
pub fn vsplit(n: u64, m: u64, v: u128) -> Option<Vec<u64>> {
    if n == 0 || n > 64 || n.checked_mul(m)? > 128 {
        return None;
    }
    let mask = if n == 64 { u64::MAX } else { (1u64 << n) - 1 };
    Some((0..m).map(|k| ((v >> (k * n)) as u64) & mask).collect())
}

/// `$vjoin_(N, n*)`: the vector that numbers of `n` bits make up, the first the least
/// significant; undefined where a number is wider than `n` bits or the vector than 128.
pub fn vjoin(n: u64, ns: &[u64]) -> Option<u128> {
    if n == 0 || n > 64 || n.checked_mul(ns.len() as u64)? > 128 {
        return None;
    }
    ns.iter().enumerate().try_fold(0u128, |acc, (k, &x)| {
        if n < 64 && x >> n != 0 {
            return None;
        }
        Some(acc | (u128::from(x) << (k as u64 * n)))
    })
}

/// The default bound on the bytes of one memory: 4 GiB, all that 32-bit addresses reach.
pub const DEFAULT_MEMORY_LIMIT: u64 = 1 << 32;

/// The default bound on the entries of one table: 10^7, hundreds of MB of references, where the
/// 2^32 - 1 entries that 32-bit indices allow would abort on allocation.
pub const DEFAULT_TABLE_LIMIT: u64 = 10_000_000;

thread_local! {
    /// The bytes of a memory and the entries of a table the runs of this thread may allocate.
    static STORE_LIMITS: std::cell::Cell<(u64, u64)> = const { std::cell::Cell::new((DEFAULT_MEMORY_LIMIT, DEFAULT_TABLE_LIMIT)) };
}

/// `$memory_limit`: the embedder's bound on the bytes of one memory, set for the runs of this
/// thread with [`set_store_limits`].
pub fn memory_limit() -> Option<u64> {
    Some(STORE_LIMITS.with(|l| l.get().0))
}

/// `$table_limit`: the embedder's bound on the entries of one table, set for the runs of this
/// thread with [`set_store_limits`].
pub fn table_limit() -> Option<u64> {
    Some(STORE_LIMITS.with(|l| l.get().1))
}

/// Makes the spec's `$memory_limit` and `$table_limit` read the bounds of `limits` in the runs
/// of this thread (the spec's allocation and growth read them as definitions).
pub fn set_store_limits(limits: &crate::machine::Limits) {
    STORE_LIMITS.with(|l| l.set((limits.max_memory_bytes, limits.max_table_entries)));
}

/// `$opt_`: a sequence of at most one element as an optional.
pub fn opt<X>(xs: Vec<X>) -> Option<Option<X>> {
    if xs.len() > 1 {
        return None;
    }
    Some(xs.into_iter().next())
}

// ---------------------------------------------------------------------------------------------
// Numerics: the generated code's view of the functions in `numerics` (widths as `u64`, integers
// of a width as `u128`, floats as bit patterns in `u64`). Each returns `None` where its
// definition is undefined; a definition of a set of allowed results (`hint(choice)`) returns one
// of them.

use crate::numerics as nm;

#[inline(always)]
fn width(n: u64) -> Option<u32> {
    u32::try_from(n).ok().filter(|n| (1..=64).contains(n))
}

#[inline(always)]
fn int(n: u32, a: u128) -> Option<u64> {
    u64::try_from(a).ok().filter(|a| n == 64 || *a >> n == 0)
}

/// A float operation at width 32 or 64 on bit patterns.
#[inline]
fn float1(n: u64, a: u64, f32op: impl Fn(f32) -> f32, f64op: impl Fn(f64) -> f64) -> Option<u64> {
    match n {
        32 => Some(f32op(f32::from_bits(u32::try_from(a).ok()?)).to_bits() as u64),
        64 => Some(f64op(f64::from_bits(a)).to_bits()),
        _ => None,
    }
}

#[inline(always)]
fn float2(n: u64, a: u64, b: u64, f32op: impl Fn(f32, f32) -> f32, f64op: impl Fn(f64, f64) -> f64) -> Option<u64> {
    match n {
        32 => Some(f32op(f32::from_bits(u32::try_from(a).ok()?), f32::from_bits(u32::try_from(b).ok()?)).to_bits() as u64),
        64 => Some(f64op(f64::from_bits(a), f64::from_bits(b)).to_bits()),
        _ => None,
    }
}

#[inline(always)]
fn float_rel(n: u64, a: u64, b: u64, f32op: impl Fn(f32, f32) -> u32, f64op: impl Fn(f64, f64) -> u32) -> Option<u32> {
    match n {
        32 => Some(f32op(f32::from_bits(u32::try_from(a).ok()?), f32::from_bits(u32::try_from(b).ok()?))),
        64 => Some(f64op(f64::from_bits(a), f64::from_bits(b))),
        _ => None,
    }
}

macro_rules! int_binary {
    ($($name:ident),*) => {$(
        #[inline(always)]
        pub fn $name(n: u64, a: u128, b: u128) -> Option<u128> {
            if n == 128 {
                return bitwise128(stringify!($name), a, b);
            }
            let n = width(n)?;
            Some(nm::$name(n, int(n, a)?, int(n, b)?) as u128)
        }
    )*};
}

/// The bitwise operators at the width of a vector (`v128.and`); the others are undefined
/// there, as no instruction uses them at that width.
fn bitwise128(name: &str, a: u128, b: u128) -> Option<u128> {
    match name {
        "iand" => Some(a & b),
        "iandnot" => Some(a & !b),
        "ior" => Some(a | b),
        "ixor" => Some(a ^ b),
        _ => None,
    }
}

int_binary!(iadd, isub, imul, imin_u, imin_s, imax_u, imax_s, iadd_sat_u, iadd_sat_s, isub_sat_u, isub_sat_s, iavgr_u, iq15mulr_sat_s, iand, iandnot, ior, ixor, ishl, ishr_u, ishr_s, irotl, irotr);

macro_rules! int_partial {
    ($($name:ident),*) => {$(
        #[inline]
        pub fn $name(n: u64, a: u128, b: u128) -> Option<Option<u128>> {
            let n = width(n)?;
            Some(nm::$name(n, int(n, a)?, int(n, b)?).map(u128::from))
        }
    )*};
}
int_partial!(idiv_u, idiv_s, irem_u, irem_s);

macro_rules! int_unary {
    ($($name:ident),*) => {$(
        #[inline(always)]
        pub fn $name(n: u64, a: u128) -> Option<u128> {
            // At the width of a vector, only `v128.not`.
            if n == 128 {
                return (stringify!($name) == "inot").then_some(!a);
            }
            let n = width(n)?;
            Some(nm::$name(n, int(n, a)?) as u128)
        }
    )*};
}
int_unary!(ineg, iabs, inot, iclz, ictz, ipopcnt);

macro_rules! int_test {
    ($($name:ident),*) => {$(
        #[inline(always)]
        pub fn $name(n: u64, a: u128) -> Option<u32> {
            // At the width of a vector (`v128.any_true`): whether it is zero.
            if n == 128 {
                let zero = a == 0;
                return Some(u32::from(if stringify!($name) == "ieqz" { zero } else { !zero }));
            }
            let n = width(n)?;
            Some(nm::$name(n, int(n, a)?))
        }
    )*};
}
int_test!(ieqz, inez);

macro_rules! int_rel {
    ($($name:ident),*) => {$(
        #[inline(always)]
        pub fn $name(n: u64, a: u128, b: u128) -> Option<u32> {
            let n = width(n)?;
            Some(nm::$name(n, int(n, a)?, int(n, b)?))
        }
    )*};
}
int_rel!(ieq, ine, ilt_u, ilt_s, igt_u, igt_s, ile_u, ile_s, ige_u, ige_s);

pub fn ibitselect(n: u64, a: u128, b: u128, c: u128) -> Option<u128> {
    if n == 128 {
        return Some((a & c) | (b & !c));
    }
    let n = width(n)?;
    Some(nm::ibitselect(n, int(n, a)?, int(n, b)?, int(n, c)?) as u128)
}

pub fn iextend_s(n: u64, m: u64, a: u128) -> Option<u128> {
    let n = width(n)?;
    let m = u32::try_from(m).ok().filter(|m| *m <= n)?;
    Some(nm::iextend_s(n, m, int(n, a)?) as u128)
}

/// `$signed_`
pub fn signed(n: u64, i: u64) -> Option<i64> {
    let n = width(n)?;
    (n == 64 || i >> n == 0).then(|| nm::signed(n, i))
}

/// `$ibytes_(N, i)`: the little-endian bytes of an integer of `n` bits, up to a vector's 128.
pub fn ibytes(n: u64, a: u128) -> Option<NumBytes> {
    if n == 0 || n > 128 || n % 8 != 0 || (n < 128 && a >> n != 0) {
        return None;
    }
    Some(NumBytes { len: (n / 8) as u8, bytes: a.to_le_bytes() })
}

/// The bytes of a number (at most 16), held inline: a store writes them into a memory
/// without allocating a list for them. Read as a slice; `Vec::from` makes the list.
#[derive(Clone, Copy)]
pub struct NumBytes {
    len: u8,
    bytes: [u8; 16],
}

impl std::ops::Deref for NumBytes {
    type Target = [u8];
    #[inline]
    fn deref(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len).min(16)]
    }
}

impl std::fmt::Debug for NumBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl From<NumBytes> for Vec<u8> {
    #[inline]
    fn from(b: NumBytes) -> Vec<u8> {
        b.to_vec()
    }
}

/// `$inv_ibytes_(N, b*)`: the integer of `n` bits whose little-endian bytes are `bytes`.
pub fn inv_ibytes(n: u64, bytes: &[u8]) -> Option<u128> {
    if n == 0 || n > 128 || n % 8 != 0 || bytes.len() as u64 != n / 8 {
        return None;
    }
    Some(bytes.iter().rev().fold(0u128, |acc, b| (acc << 8) | u128::from(*b)))
}

/// `$fbytes_(N, f)`: the little-endian bytes of a float of 32 or 64 bits. A float is its bit
/// pattern here, so these are the bytes of the pattern (the definition goes through its bits).
pub fn fbytes(n: u64, a: u64) -> Option<Vec<u8>> {
    match n {
        32 => Some(u32::try_from(a).ok()?.to_le_bytes().to_vec()),
        64 => Some(a.to_le_bytes().to_vec()),
        _ => None,
    }
}

/// `$inv_fbytes_(N, b*)`: the float of 32 or 64 bits whose little-endian bytes are `bytes`.
pub fn inv_fbytes(n: u64, bytes: &[u8]) -> Option<u64> {
    match n {
        32 => Some(u64::from(u32::from_le_bytes(bytes.try_into().ok()?))),
        64 => Some(u64::from_le_bytes(bytes.try_into().ok()?)),
        _ => None,
    }
}

pub fn ibits(n: u64, a: u128) -> Option<Vec<u8>> {
    let n = width(n)?;
    Some(nm::ibits(n, int(n, a)?))
}

pub fn inv_ibits(n: u64, bits: &[u8]) -> Option<u128> {
    let n = width(n)?;
    (bits.len() == n as usize).then_some(())?;
    nm::inv_ibits(n, bits).map(u128::from)
}

pub fn fbits(n: u64, a: u64) -> Option<Vec<u8>> {
    match n {
        32 => Some(nm::fbits(f32::from_bits(u32::try_from(a).ok()?))),
        64 => Some(nm::fbits(f64::from_bits(a))),
        _ => None,
    }
}

pub fn inv_fbits(n: u64, bits: &[u8]) -> Option<u64> {
    match n {
        32 => nm::inv_fbits::<f32>(bits).map(|f| f.to_bits() as u64),
        64 => nm::inv_fbits::<f64>(bits).map(|f| f.to_bits()),
        _ => None,
    }
}

/// `$fzero`: positive zero.
pub fn fzero(n: u64) -> Option<u64> {
    matches!(n, 32 | 64).then_some(0)
}

// Operators whose NaN results are a set (`$nans_`) record the choice; the others are exact.
macro_rules! float_binary {
    ($record:ident: $($name:ident),*) => {$(
        #[inline(always)]
        pub fn $name(n: u64, a: u64, b: u64) -> Option<u64> {
            float2(n, a, b, nm::$name::<f32>, nm::$name::<f64>).map(|r| $record(n, r))
        }
    )*};
}
float_binary!(nan_chosen: fadd, fsub, fmul, fdiv, fmin, fmax);
float_binary!(exact: fpmin, fpmax, fcopysign);

macro_rules! float_unary {
    ($record:ident: $($name:ident),*) => {$(
        #[inline]
        pub fn $name(n: u64, a: u64) -> Option<u64> {
            float1(n, a, nm::$name::<f32>, nm::$name::<f64>).map(|r| $record(n, r))
        }
    )*};
}
float_unary!(nan_chosen: fsqrt, fceil, ffloor, ftrunc, fnearest);
float_unary!(exact: fabs, fneg);

thread_local! {
    static NAN_CHOICES: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// How many NaN results this thread's builtins have picked out of the sets the operators allow
/// (`$nans_`: either sign, any payload of the set). Each is a point where another engine may
/// rightly differ; an oracle reports results after one as sets rather than bit patterns.
pub fn nan_choices() -> u64 {
    NAN_CHOICES.with(|c| c.get())
}

thread_local! {
    static CANONICAL_NANS: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Which NaN this thread's builtins choose where the standard allows a set: the hardware's (the
/// default), or always the positive canonical NaN, which every such set holds. Running a module
/// both ways shows which of its results depend on the choice.
pub fn set_canonical_nans(canonical: bool) {
    CANONICAL_NANS.with(|c| c.set(canonical));
}

/// A result of a set-valued float operator: counted as a choice when it is a NaN.
fn nan_chosen(n: u64, bits: u64) -> u64 {
    let exp = if n == 32 { 0x7f80_0000 } else { 0x7ff0_0000_0000_0000 };
    let mant = if n == 32 { 0x007f_ffff } else { 0x000f_ffff_ffff_ffff };
    if bits & exp == exp && bits & mant != 0 {
        NAN_CHOICES.with(|c| c.set(c.get() + 1));
        if CANONICAL_NANS.with(|c| c.get()) {
            return exp | (mant + 1) >> 1;
        }
    }
    bits
}

/// A result of an operator that determines its result exactly.
fn exact(_n: u64, bits: u64) -> u64 {
    bits
}

macro_rules! float_rel {
    ($($name:ident),*) => {$(
        #[inline(always)]
        pub fn $name(n: u64, a: u64, b: u64) -> Option<u32> {
            float_rel(n, a, b, nm::$name::<f32>, nm::$name::<f64>)
        }
    )*};
}
float_rel!(feq, fne, flt, fgt, fle, fge);

macro_rules! int_convert {
    ($($name:ident),*) => {$(
        #[inline]
        pub fn $name(m: u64, n: u64, a: u128) -> Option<u128> {
            let (m, n) = (width(m)?, width(n)?);
            Some(nm::$name(m, n, int(m, a)?) as u128)
        }
    )*};
}
int_convert!(extend_u, extend_s, wrap, narrow_s, narrow_u);

fn with_float<T>(m: u64, a: u64, f32op: impl Fn(f32) -> T, f64op: impl Fn(f64) -> T) -> Option<T> {
    match m {
        32 => Some(f32op(f32::from_bits(u32::try_from(a).ok()?))),
        64 => Some(f64op(f64::from_bits(a))),
        _ => None,
    }
}

pub fn trunc_u(m: u64, n: u64, a: u64) -> Option<Option<u128>> {
    let n = width(n)?;
    with_float(m, a, |f| nm::trunc_u(n, f), |f| nm::trunc_u(n, f)).map(|r| r.map(u128::from))
}

pub fn trunc_s(m: u64, n: u64, a: u64) -> Option<Option<u128>> {
    let n = width(n)?;
    with_float(m, a, |f| nm::trunc_s(n, f), |f| nm::trunc_s(n, f)).map(|r| r.map(u128::from))
}

pub fn trunc_sat_u(m: u64, n: u64, a: u64) -> Option<u128> {
    let n = width(n)?;
    with_float(m, a, |f| nm::trunc_sat_u(n, f), |f| nm::trunc_sat_u(n, f)).map(u128::from)
}

pub fn trunc_sat_s(m: u64, n: u64, a: u64) -> Option<u128> {
    let n = width(n)?;
    with_float(m, a, |f| nm::trunc_sat_s(n, f), |f| nm::trunc_sat_s(n, f)).map(u128::from)
}

pub fn convert_u(m: u64, n: u64, a: u128) -> Option<u64> {
    let m = width(m)?;
    let a = int(m, a)?;
    match n {
        32 => Some(nm::convert_u::<f32>(m, a).to_bits() as u64),
        64 => Some(nm::convert_u::<f64>(m, a).to_bits()),
        _ => None,
    }
}

pub fn convert_s(m: u64, n: u64, a: u128) -> Option<u64> {
    let m = width(m)?;
    let a = int(m, a)?;
    match n {
        32 => Some(nm::convert_s::<f32>(m, a).to_bits() as u64),
        64 => Some(nm::convert_s::<f64>(m, a).to_bits()),
        _ => None,
    }
}

pub fn promote(m: u64, n: u64, a: u64) -> Option<u64> {
    (m == 32 && n == 64).then_some(())?;
    Some(nan_chosen(64, nm::promote(f32::from_bits(u32::try_from(a).ok()?)).to_bits()))
}

pub fn demote(m: u64, n: u64, a: u64) -> Option<u64> {
    (m == 64 && n == 32).then_some(())?;
    Some(nan_chosen(32, nm::demote(f64::from_bits(a)).to_bits() as u64))
}

/// `$fma_`: `a * b + c` rounded once.
pub fn fma(n: u64, a: u64, b: u64, c: u64) -> Option<u64> {
    match n {
        32 => {
            let f = |x: u64| u32::try_from(x).ok().map(f32::from_bits);
            Some(nan_chosen(32, f(a)?.mul_add(f(b)?, f(c)?).to_bits() as u64))
        }
        64 => Some(nan_chosen(64, f64::from_bits(a).mul_add(f64::from_bits(b), f64::from_bits(c)).to_bits())),
        _ => None,
    }
}

/// `$fneg`: the sign flipped.
pub fn fnegate(n: u64, a: u64) -> Option<u64> {
    match n {
        32 => Some(u32::try_from(a).ok()? as u64 ^ 0x8000_0000),
        64 => Some(a ^ 0x8000_0000_0000_0000),
        _ => None,
    }
}

/// `$frelaxed_min_`: one of the results the relaxed minimum allows (that of `fmin`).
pub fn frelaxed_min(n: u64, a: u64, b: u64) -> Option<u64> {
    fmin(n, a, b)
}

/// `$frelaxed_max_`: one of the results the relaxed maximum allows (that of `fmax`).
pub fn frelaxed_max(n: u64, a: u64, b: u64) -> Option<u64> {
    fmax(n, a, b)
}

/// `$frelaxed_madd_`: one of the allowed results (the fused one).
pub fn frelaxed_madd(n: u64, a: u64, b: u64, c: u64) -> Option<u64> {
    fma(n, a, b, c)
}

/// `$frelaxed_nmadd_`: one of the allowed results (the fused one, of `-a * b + c`).
pub fn frelaxed_nmadd(n: u64, a: u64, b: u64, c: u64) -> Option<u64> {
    fma(n, fnegate(n, a)?, b, c)
}

// The integer relaxed operators give the deterministic profile's element, the first of each
// set: the same results as the definitions' first choice, without building the sets (that of
// `$relaxed_trunc_u__` holds every integer of the width).

/// `$irelaxed_q15mulr_s_`: one of the allowed results (the saturating one).
pub fn irelaxed_q15mulr_s(n: u64, a: u128, b: u128) -> Option<u128> {
    iq15mulr_sat_s(n, a, b)
}

/// `$irelaxed_laneselect_`: one of the allowed results (the selection by every bit of the mask).
pub fn irelaxed_laneselect(n: u64, a: u128, b: u128, c: u128) -> Option<u128> {
    ibitselect(n, a, b, c)
}

/// `$relaxed_trunc_u__`: one of the allowed results (the saturating one, which is the exact
/// truncation where that is defined).
pub fn relaxed_trunc_u(m: u64, n: u64, a: u64) -> Option<u128> {
    trunc_sat_u(m, n, a)
}

/// `$relaxed_trunc_s__`: one of the allowed results (the saturating one).
pub fn relaxed_trunc_s(m: u64, n: u64, a: u64) -> Option<u128> {
    trunc_sat_s(m, n, a)
}
