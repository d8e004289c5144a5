//! Fast numeric builtins: one function per `hint(builtin "...")` of the numerics chapters of the
//! spec (`spec/3.*-numerics*.wspec`), each checked against its definition by the property tests
//! of `dsl/tests/numerics.rs`.
//!
//! Representation: an integer of width `N <= 64` is a `u64` holding its unsigned interpretation
//! (below 2^N); a floating-point number is an `f32` or `f64` (the [`Float`] trait); a bit
//! sequence is a `Vec<u8>` of 0s and 1s, most significant first; a partial operator returns an
//! `Option` (`None` where the definition returns the empty sequence); a NaN result is whatever
//! the hardware computes, which the tests judge by membership in the set of NaNs the definition
//! allows.

/// The largest integer of width `n`, `2^n - 1`.
#[inline]
pub fn mask(n: u32) -> u64 {
    if n >= 64 {
        u64::MAX
    } else {
        (1u64 << n) - 1
    }
}

/// `$signed_`: the signed interpretation of `i` at width `n`.
#[inline]
pub fn signed(n: u32, i: u64) -> i64 {
    if n >= 64 {
        i as i64
    } else {
        let shift = 64 - n;
        ((i << shift) as i64) >> shift
    }
}

/// `$inv_signed_`: the inverse of [`signed`].
#[inline]
pub fn inv_signed(n: u32, i: i64) -> u64 {
    (i as u64) & mask(n)
}

/// The shift count of shifts and rotations: `i` modulo `n`.
#[inline]
fn count(n: u32, i: u64) -> u32 {
    (i % n as u64) as u32
}

// ---------------------------------------------------------------------------------------------
// Integer arithmetic

#[inline]
pub fn iadd(n: u32, a: u64, b: u64) -> u64 {
    a.wrapping_add(b) & mask(n)
}

#[inline]
pub fn isub(n: u32, a: u64, b: u64) -> u64 {
    a.wrapping_sub(b) & mask(n)
}

#[inline]
pub fn imul(n: u32, a: u64, b: u64) -> u64 {
    a.wrapping_mul(b) & mask(n)
}

#[inline]
pub fn idiv_u(_n: u32, a: u64, b: u64) -> Option<u64> {
    a.checked_div(b)
}

#[inline]
pub fn idiv_s(n: u32, a: u64, b: u64) -> Option<u64> {
    let (x, y) = (signed(n, a), signed(n, b));
    if y == 0 {
        return None;
    }
    let q = x.checked_div(y)?;
    // The quotient 2^(N-1) of -2^(N-1) / -1 is out of range also for N < 64.
    if n < 64 && q == 1i64 << (n - 1) {
        return None;
    }
    Some(inv_signed(n, q))
}

#[inline]
pub fn irem_u(_n: u32, a: u64, b: u64) -> Option<u64> {
    a.checked_rem(b)
}

#[inline]
pub fn irem_s(n: u32, a: u64, b: u64) -> Option<u64> {
    let (x, y) = (signed(n, a), signed(n, b));
    if y == 0 {
        return None;
    }
    Some(inv_signed(n, x.wrapping_rem(y)))
}

#[inline]
pub fn ineg(n: u32, a: u64) -> u64 {
    a.wrapping_neg() & mask(n)
}

#[inline]
pub fn iabs(n: u32, a: u64) -> u64 {
    if signed(n, a) < 0 {
        ineg(n, a)
    } else {
        a
    }
}

#[inline]
pub fn imin_u(_n: u32, a: u64, b: u64) -> u64 {
    a.min(b)
}

#[inline]
pub fn imin_s(n: u32, a: u64, b: u64) -> u64 {
    if signed(n, a) <= signed(n, b) {
        a
    } else {
        b
    }
}

#[inline]
pub fn imax_u(_n: u32, a: u64, b: u64) -> u64 {
    a.max(b)
}

#[inline]
pub fn imax_s(n: u32, a: u64, b: u64) -> u64 {
    if signed(n, a) >= signed(n, b) {
        a
    } else {
        b
    }
}

#[inline]
pub fn iadd_sat_u(n: u32, a: u64, b: u64) -> u64 {
    (a as u128 + b as u128).min(mask(n) as u128) as u64
}

fn sat_s(n: u32, x: i128) -> u64 {
    let lo = -(1i128 << (n - 1));
    let hi = (1i128 << (n - 1)) - 1;
    inv_signed(n, x.clamp(lo, hi) as i64)
}

#[inline]
pub fn iadd_sat_s(n: u32, a: u64, b: u64) -> u64 {
    sat_s(n, signed(n, a) as i128 + signed(n, b) as i128)
}

#[inline]
pub fn isub_sat_u(_n: u32, a: u64, b: u64) -> u64 {
    a.saturating_sub(b)
}

#[inline]
pub fn isub_sat_s(n: u32, a: u64, b: u64) -> u64 {
    sat_s(n, signed(n, a) as i128 - signed(n, b) as i128)
}

#[inline]
pub fn iavgr_u(_n: u32, a: u64, b: u64) -> u64 {
    (a as u128 + b as u128).div_ceil(2) as u64
}

#[inline]
pub fn iq15mulr_sat_s(n: u32, a: u64, b: u64) -> u64 {
    let p = signed(n, a) as i128 * signed(n, b) as i128;
    sat_s(n, (p + (1 << 14)) >> 15)
}

// ---------------------------------------------------------------------------------------------
// Bitwise operators, shifts, rotations, bit counts

#[inline]
pub fn inot(n: u32, a: u64) -> u64 {
    !a & mask(n)
}

#[inline]
pub fn iand(_n: u32, a: u64, b: u64) -> u64 {
    a & b
}

#[inline]
pub fn iandnot(n: u32, a: u64, b: u64) -> u64 {
    a & !b & mask(n)
}

#[inline]
pub fn ior(_n: u32, a: u64, b: u64) -> u64 {
    a | b
}

#[inline]
pub fn ixor(_n: u32, a: u64, b: u64) -> u64 {
    a ^ b
}

#[inline]
pub fn ishl(n: u32, a: u64, b: u64) -> u64 {
    (a << count(n, b)) & mask(n)
}

#[inline]
pub fn ishr_u(n: u32, a: u64, b: u64) -> u64 {
    a >> count(n, b)
}

#[inline]
pub fn ishr_s(n: u32, a: u64, b: u64) -> u64 {
    inv_signed(n, signed(n, a) >> count(n, b))
}

#[inline]
pub fn irotl(n: u32, a: u64, b: u64) -> u64 {
    let k = count(n, b);
    if k == 0 {
        return a;
    }
    ((a << k) | (a >> (n - k))) & mask(n)
}

#[inline]
pub fn irotr(n: u32, a: u64, b: u64) -> u64 {
    let k = count(n, b);
    if k == 0 {
        return a;
    }
    ((a >> k) | (a << (n - k))) & mask(n)
}

#[inline]
pub fn iclz(n: u32, a: u64) -> u64 {
    (a.leading_zeros() - (64 - n)) as u64
}

#[inline]
pub fn ictz(n: u32, a: u64) -> u64 {
    if a == 0 {
        n as u64
    } else {
        a.trailing_zeros() as u64
    }
}

#[inline]
pub fn ipopcnt(_n: u32, a: u64) -> u64 {
    a.count_ones() as u64
}

/// Sign extension of the low `m` bits of `a`, at width `n`.
#[inline]
pub fn iextend_s(n: u32, m: u32, a: u64) -> u64 {
    inv_signed(n, signed(m, a & mask(m)))
}

/// The bits of `a` where `c` has a 1, of `b` where it has a 0.
#[inline]
pub fn ibitselect(n: u32, a: u64, b: u64, c: u64) -> u64 {
    ((a & c) | (b & !c)) & mask(n)
}

// ---------------------------------------------------------------------------------------------
// Integer tests and comparisons: 1 or 0

#[inline]
pub fn ieqz(_n: u32, a: u64) -> u32 {
    (a == 0) as u32
}

#[inline]
pub fn inez(_n: u32, a: u64) -> u32 {
    (a != 0) as u32
}

#[inline]
pub fn ieq(_n: u32, a: u64, b: u64) -> u32 {
    (a == b) as u32
}

#[inline]
pub fn ine(_n: u32, a: u64, b: u64) -> u32 {
    (a != b) as u32
}

#[inline]
pub fn ilt_u(_n: u32, a: u64, b: u64) -> u32 {
    (a < b) as u32
}

#[inline]
pub fn ilt_s(n: u32, a: u64, b: u64) -> u32 {
    (signed(n, a) < signed(n, b)) as u32
}

#[inline]
pub fn igt_u(_n: u32, a: u64, b: u64) -> u32 {
    (a > b) as u32
}

#[inline]
pub fn igt_s(n: u32, a: u64, b: u64) -> u32 {
    (signed(n, a) > signed(n, b)) as u32
}

#[inline]
pub fn ile_u(_n: u32, a: u64, b: u64) -> u32 {
    (a <= b) as u32
}

#[inline]
pub fn ile_s(n: u32, a: u64, b: u64) -> u32 {
    (signed(n, a) <= signed(n, b)) as u32
}

#[inline]
pub fn ige_u(_n: u32, a: u64, b: u64) -> u32 {
    (a >= b) as u32
}

#[inline]
pub fn ige_s(n: u32, a: u64, b: u64) -> u32 {
    (signed(n, a) >= signed(n, b)) as u32
}

// ---------------------------------------------------------------------------------------------
// Bit sequences

/// `$ibits_`: the `n` bits of `a`, most significant first.
#[inline]
pub fn ibits(n: u32, a: u64) -> Vec<u8> {
    (0..n).rev().map(|k| ((a >> k) & 1) as u8).collect()
}

/// `$inv_ibits_`: the integer of at most `n` bits (`None` for a longer sequence).
#[inline]
pub fn inv_ibits(n: u32, bits: &[u8]) -> Option<u64> {
    if bits.len() > n as usize || bits.iter().any(|&b| b > 1) {
        return None;
    }
    Some(bits.iter().fold(0u64, |acc, &b| (acc << 1) | b as u64))
}

/// `$fbits_`: the bits of a floating-point number.
#[inline]
pub fn fbits<F: Float>(f: F) -> Vec<u8> {
    ibits(F::BITS, f.to_bits64())
}

/// `$inv_fbits_`: the floating-point number of exactly `F::BITS` bits.
#[inline]
pub fn inv_fbits<F: Float>(bits: &[u8]) -> Option<F> {
    if bits.len() != F::BITS as usize {
        return None;
    }
    inv_ibits(F::BITS, bits).map(F::from_bits64)
}

// ---------------------------------------------------------------------------------------------
// Floating-point numbers

/// The two floating-point formats.
pub trait Float: Copy + PartialOrd + std::fmt::Debug + Send + Sync + 'static {
    /// The width `N`.
    const BITS: u32;
    /// The significand width `M`.
    const SIGNIF: u32;
    /// The exponent width `E`.
    const EXPON: u32;
    fn to_bits64(self) -> u64;
    fn from_bits64(b: u64) -> Self;
    fn add(self, o: Self) -> Self;
    fn sub(self, o: Self) -> Self;
    fn mul(self, o: Self) -> Self;
    fn div(self, o: Self) -> Self;
    fn neg(self) -> Self;
    fn abs(self) -> Self;
    fn sqrt(self) -> Self;
    fn ceil(self) -> Self;
    fn floor(self) -> Self;
    fn trunc(self) -> Self;
    fn round_ties_even(self) -> Self;
    fn copysign(self, sign: Self) -> Self;
    fn is_nan(self) -> bool;
    fn is_infinite(self) -> bool;
    /// The exact value `2^k` (for `k` within the exponent range).
    fn pow2(k: i32) -> Self;
    fn from_u64(i: u64) -> Self;
    fn from_i64(i: i64) -> Self;
    /// Conversion to the other format (`f32` to `f64` is exact, `f64` to `f32` rounds).
    fn to_f64(self) -> f64;
    fn to_f32(self) -> f32;
    fn from_f64(x: f64) -> Self;
    fn from_f32(x: f32) -> Self;
    /// The integer part (the value must be finite and within `i128`).
    fn trunc_i128(self) -> i128;
}

macro_rules! float_impl {
    ($t:ty, $bits:expr, $signif:expr, $expon:expr, $u:ty) => {
        impl Float for $t {
            const BITS: u32 = $bits;
            const SIGNIF: u32 = $signif;
            const EXPON: u32 = $expon;
            #[inline]
            fn to_bits64(self) -> u64 {
                self.to_bits() as u64
            }
            #[inline]
            fn from_bits64(b: u64) -> Self {
                <$t>::from_bits(b as $u)
            }
            #[inline]
            fn add(self, o: Self) -> Self {
                self + o
            }
            #[inline]
            fn sub(self, o: Self) -> Self {
                self - o
            }
            #[inline]
            fn mul(self, o: Self) -> Self {
                self * o
            }
            #[inline]
            fn div(self, o: Self) -> Self {
                self / o
            }
            #[inline]
            fn neg(self) -> Self {
                -self
            }
            #[inline]
            fn abs(self) -> Self {
                <$t>::abs(self)
            }
            #[inline]
            fn sqrt(self) -> Self {
                <$t>::sqrt(self)
            }
            #[inline]
            fn ceil(self) -> Self {
                <$t>::ceil(self)
            }
            #[inline]
            fn floor(self) -> Self {
                <$t>::floor(self)
            }
            #[inline]
            fn trunc(self) -> Self {
                <$t>::trunc(self)
            }
            #[inline]
            fn round_ties_even(self) -> Self {
                <$t>::round_ties_even(self)
            }
            #[inline]
            fn copysign(self, sign: Self) -> Self {
                <$t>::copysign(self, sign)
            }
            #[inline]
            fn is_nan(self) -> bool {
                <$t>::is_nan(self)
            }
            #[inline]
            fn is_infinite(self) -> bool {
                <$t>::is_infinite(self)
            }
            fn pow2(k: i32) -> Self {
                <$t>::from_bits((((k + (1 << ($expon - 1)) - 1) as $u) << $signif) as $u)
            }
            #[inline]
            fn from_u64(i: u64) -> Self {
                i as $t
            }
            #[inline]
            fn from_i64(i: i64) -> Self {
                i as $t
            }
            #[inline]
            fn to_f64(self) -> f64 {
                self as f64
            }
            #[inline]
            fn to_f32(self) -> f32 {
                self as f32
            }
            #[inline]
            fn from_f64(x: f64) -> Self {
                x as $t
            }
            #[inline]
            fn from_f32(x: f32) -> Self {
                x as $t
            }
            #[inline]
            fn trunc_i128(self) -> i128 {
                self as i128
            }
        }
    };
}

float_impl!(f32, 32, 23, 8, u32);
float_impl!(f64, 64, 52, 11, u64);

#[inline]
pub fn fadd<F: Float>(a: F, b: F) -> F {
    a.add(b)
}

#[inline]
pub fn fsub<F: Float>(a: F, b: F) -> F {
    a.sub(b)
}

#[inline]
pub fn fmul<F: Float>(a: F, b: F) -> F {
    a.mul(b)
}

#[inline]
pub fn fdiv<F: Float>(a: F, b: F) -> F {
    a.div(b)
}

/// The minimum: a NaN if either is one (propagated by an arithmetic operation, so that its
/// payload is arithmetic), and -0 below +0.
#[inline]
pub fn fmin<F: Float>(a: F, b: F) -> F {
    if a.is_nan() || b.is_nan() {
        return a.add(b);
    }
    if a < b {
        a
    } else if b < a {
        b
    } else {
        // Equal: the same number, or two zeros (then the negative one if any).
        F::from_bits64(a.to_bits64() | b.to_bits64())
    }
}

/// The maximum: a NaN if either is one, and +0 above -0.
#[inline]
pub fn fmax<F: Float>(a: F, b: F) -> F {
    if a.is_nan() || b.is_nan() {
        return a.add(b);
    }
    if a > b {
        a
    } else if b > a {
        b
    } else {
        F::from_bits64(a.to_bits64() & b.to_bits64())
    }
}

/// The pseudo-minimum `b < a ? b : a`.
#[inline]
pub fn fpmin<F: Float>(a: F, b: F) -> F {
    if b < a {
        b
    } else {
        a
    }
}

/// The pseudo-maximum `a < b ? b : a`.
#[inline]
pub fn fpmax<F: Float>(a: F, b: F) -> F {
    if a < b {
        b
    } else {
        a
    }
}

#[inline]
pub fn fcopysign<F: Float>(a: F, b: F) -> F {
    a.copysign(b)
}

#[inline]
pub fn fabs<F: Float>(a: F) -> F {
    a.abs()
}

#[inline]
pub fn fneg<F: Float>(a: F) -> F {
    a.neg()
}

#[inline]
pub fn fsqrt<F: Float>(a: F) -> F {
    a.sqrt()
}

/// Rounding to an integral value; a NaN is propagated by an arithmetic operation, which makes
/// its payload arithmetic whatever the rounding instruction or library does with NaNs.
#[inline]
pub fn fceil<F: Float>(a: F) -> F {
    if a.is_nan() {
        return a.add(a);
    }
    a.ceil()
}

#[inline]
pub fn ffloor<F: Float>(a: F) -> F {
    if a.is_nan() {
        return a.add(a);
    }
    a.floor()
}

#[inline]
pub fn ftrunc<F: Float>(a: F) -> F {
    if a.is_nan() {
        return a.add(a);
    }
    a.trunc()
}

#[inline]
pub fn fnearest<F: Float>(a: F) -> F {
    if a.is_nan() {
        return a.add(a);
    }
    a.round_ties_even()
}

#[inline]
pub fn feq<F: Float>(a: F, b: F) -> u32 {
    (a == b) as u32
}

#[inline]
pub fn fne<F: Float>(a: F, b: F) -> u32 {
    (a != b) as u32
}

#[inline]
pub fn flt<F: Float>(a: F, b: F) -> u32 {
    (a < b) as u32
}

#[inline]
pub fn fgt<F: Float>(a: F, b: F) -> u32 {
    (a > b) as u32
}

#[inline]
pub fn fle<F: Float>(a: F, b: F) -> u32 {
    (a <= b) as u32
}

#[inline]
pub fn fge<F: Float>(a: F, b: F) -> u32 {
    (a >= b) as u32
}

// ---------------------------------------------------------------------------------------------
// Conversions

/// Zero extension from width `m` to `n`: the number is unchanged.
#[inline]
pub fn extend_u(_m: u32, _n: u32, a: u64) -> u64 {
    a
}

#[inline]
pub fn extend_s(m: u32, n: u32, a: u64) -> u64 {
    inv_signed(n, signed(m, a))
}

#[inline]
pub fn wrap(_m: u32, n: u32, a: u64) -> u64 {
    a & mask(n)
}

/// Narrowing of the signed integer `a` of width `m` to width `n`, saturating to the signed range.
#[inline]
pub fn narrow_s(m: u32, n: u32, a: u64) -> u64 {
    sat_s(n, signed(m, a) as i128)
}

/// Narrowing of the signed integer `a` of width `m` to width `n`, saturating to the unsigned
/// range.
#[inline]
pub fn narrow_u(m: u32, n: u32, a: u64) -> u64 {
    (signed(m, a) as i128).clamp(0, mask(n) as i128) as u64
}

/// Truncation to an unsigned integer of width `n`; `None` for NaNs, infinities and numbers out
/// of range.
#[inline]
pub fn trunc_u<F: Float>(n: u32, a: F) -> Option<u64> {
    if a.is_nan() || a.is_infinite() {
        return None;
    }
    // In range: -1 < a < 2^n (the bounds are exact in both formats).
    if a > F::from_i64(-1) && a < F::pow2(n as i32) {
        Some(a.trunc_i128() as u64)
    } else {
        None
    }
}

/// Truncation to a signed integer of width `n`.
#[inline]
pub fn trunc_s<F: Float>(n: u32, a: F) -> Option<u64> {
    if a.is_nan() || a.is_infinite() {
        return None;
    }
    // In range: -2^(n-1) - 1 < a < 2^(n-1); -2^(n-1) - 1 may not be representable, so compare
    // the integer part with -2^(n-1).
    let lo = F::pow2(n as i32 - 1).neg();
    if a < F::pow2(n as i32 - 1) && (a >= lo || a.sub(lo) > F::from_i64(-1)) {
        Some(inv_signed(n, a.trunc_i128() as i64))
    } else {
        None
    }
}

/// Saturating truncation: NaN to 0, out-of-range numbers to the nearest bound (Rust's `as`).
#[inline]
pub fn trunc_sat_u<F: Float>(n: u32, a: F) -> u64 {
    if n == 32 {
        a.to_f64() as u32 as u64
    } else {
        a.to_f64() as u64
    }
}

#[inline]
pub fn trunc_sat_s<F: Float>(n: u32, a: F) -> u64 {
    if n == 32 {
        inv_signed(32, a.to_f64() as i32 as i64)
    } else {
        inv_signed(64, a.to_f64() as i64)
    }
}

/// Conversion of an unsigned integer of width `m`, rounded to nearest, ties to even.
#[inline]
pub fn convert_u<F: Float>(_m: u32, a: u64) -> F {
    F::from_u64(a)
}

#[inline]
pub fn convert_s<F: Float>(m: u32, a: u64) -> F {
    F::from_i64(signed(m, a))
}

/// `f32` to `f64`, exactly.
#[inline]
pub fn promote(a: f32) -> f64 {
    a as f64
}

/// `f64` to `f32`, rounded to nearest, ties to even.
#[inline]
pub fn demote(a: f64) -> f32 {
    a as f32
}

/// The representations whose bits [`reinterpret`] keeps: integers (`u64`, of any width up to
/// 64) and floating-point numbers.
pub trait Bits: Copy {
    fn raw_bits(self) -> u64;
    fn from_raw_bits(b: u64) -> Self;
}

impl Bits for u64 {
    fn raw_bits(self) -> u64 {
        self
    }
    fn from_raw_bits(b: u64) -> u64 {
        b
    }
}

impl Bits for f32 {
    fn raw_bits(self) -> u64 {
        self.to_bits() as u64
    }
    fn from_raw_bits(b: u64) -> f32 {
        f32::from_bits(b as u32)
    }
}

impl Bits for f64 {
    fn raw_bits(self) -> u64 {
        self.to_bits()
    }
    fn from_raw_bits(b: u64) -> f64 {
        f64::from_bits(b)
    }
}

/// `$reinterpret__`: the same bits at another type of the same width (`reinterpret::<u64, f32>`
/// for `i32` to `f32`, `reinterpret::<f64, u64>` for `f64` to `i64`).
#[inline]
pub fn reinterpret<A: Bits, B: Bits>(a: A) -> B {
    B::from_raw_bits(a.raw_bits())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers() {
        assert_eq!(signed(32, 0xffff_ffff), -1);
        assert_eq!(inv_signed(32, -1), 0xffff_ffff);
        assert_eq!(signed(8, 0x80), -128);
        assert_eq!(idiv_s(32, 0x8000_0000, 0xffff_ffff), None);
        assert_eq!(idiv_s(64, 1 << 63, u64::MAX), None);
        assert_eq!(irem_s(32, 0x8000_0000, 0xffff_ffff), Some(0));
        assert_eq!(irem_s(32, (-7i64) as u64 & mask(32), 2), Some(0xffff_ffff));
        assert_eq!(iclz(32, 1), 31);
        assert_eq!(ictz(64, 0), 64);
        assert_eq!(irotl(32, 0x8000_0001, 33), 3);
        assert_eq!(ishr_s(32, 0x8000_0000, 35), 0xf000_0000);
        assert_eq!(iq15mulr_sat_s(16, 0x8000, 0x8000), 0x7fff);
        assert_eq!(iextend_s(32, 8, 0x80), 0xffff_ff80);
        assert_eq!(narrow_u(32, 16, 0xffff_ffff), 0);
        assert_eq!(narrow_s(32, 16, 0x0001_0000), 0x7fff);
        assert_eq!(inv_ibits(8, &ibits(8, 0xa5)), Some(0xa5));
    }

    #[test]
    fn floats() {
        assert_eq!(fmin(-0.0f64, 0.0).to_bits(), (-0.0f64).to_bits());
        assert_eq!(fmax(-0.0f32, 0.0).to_bits(), 0);
        assert!(fmin(f64::NAN, 1.0).is_nan());
        assert_eq!(fnearest(2.5f64), 2.0);
        assert_eq!(fnearest(-0.5f32).to_bits(), (-0.0f32).to_bits());
        assert_eq!(fpmin(0.0f32, -0.0), 0.0);
        assert_eq!(trunc_u::<f64>(32, 4294967295.9), Some(4294967295));
        assert_eq!(trunc_u::<f64>(32, 4294967296.0), None);
        assert_eq!(trunc_u::<f32>(32, -0.9), Some(0));
        assert_eq!(trunc_s::<f64>(32, -2147483648.9), Some(0x8000_0000));
        assert_eq!(trunc_s::<f64>(32, -2147483649.0), None);
        assert_eq!(trunc_s::<f32>(64, -9.223372e18), Some(1 << 63));
        assert_eq!(trunc_sat_s::<f32>(32, f32::NAN), 0);
        assert_eq!(trunc_sat_u::<f64>(64, -1.0), 0);
        assert_eq!(convert_u::<f32>(64, u64::MAX), 18446744073709551616.0f32);
        assert_eq!(reinterpret::<f32, u64>(1.0f32), 0x3f80_0000);
        assert_eq!(reinterpret::<u64, f64>(0x3ff0_0000_0000_0000), 1.0);
        assert_eq!(inv_fbits::<f64>(&fbits(-2.5f64)), Some(-2.5));
    }
}
