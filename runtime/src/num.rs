//! Arithmetic of generated code on the meta-level numbers `nat` and `int`, computed in `i128`
//! and narrowed to the representation of each type, failing (softly) outside its range.

use crate::fail::{Fail, R};

pub type Wide = i128;

pub fn wide<T: TryInto<i128>>(x: T) -> R<Wide> {
    x.try_into().map_err(|_| Fail::soft())
}

pub fn narrow<T: TryFrom<i128>>(x: Wide) -> R<T> {
    T::try_from(x).map_err(|_| Fail::soft())
}

pub fn add(a: Wide, b: Wide) -> R<Wide> {
    a.checked_add(b).ok_or_else(Fail::soft)
}
pub fn sub(a: Wide, b: Wide) -> R<Wide> {
    a.checked_sub(b).ok_or_else(Fail::soft)
}
pub fn mul(a: Wide, b: Wide) -> R<Wide> {
    a.checked_mul(b).ok_or_else(Fail::soft)
}
/// Division of naturals (the standard's `/` truncates; both operands are non-negative where
/// it is used).
pub fn div(a: Wide, b: Wide) -> R<Wide> {
    a.checked_div(b).ok_or_else(Fail::soft)
}
pub fn rem(a: Wide, b: Wide) -> R<Wide> {
    a.checked_rem_euclid(b).ok_or_else(Fail::soft)
}
pub fn pow(a: Wide, b: Wide) -> R<Wide> {
    let e: u32 = b.try_into().map_err(|_| Fail::soft())?;
    a.checked_pow(e).ok_or_else(Fail::soft)
}

/// Converts between integer representations, failing (softly) outside the target's range.
pub fn cast<S, T: TryFrom<S>>(x: S) -> R<T> {
    T::try_from(x).map_err(|_| Fail::soft())
}
