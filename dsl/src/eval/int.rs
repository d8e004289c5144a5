//! Unbounded integers with a fast path: an `i128` while the number fits, a shared `BigInt`
//! beyond. Every operation is exact; the representation is canonical (a `Big` never fits in
//! `i128`), so equality is structural.

use num_bigint::BigInt;
use num_traits::{Signed, ToPrimitive};
use std::cmp::Ordering;
use std::fmt;
use std::rc::Rc;

#[derive(Clone, Debug)]
pub enum Int {
    Small(i128),
    Big(Rc<BigInt>),
}

impl Int {
    pub fn zero() -> Int {
        Int::Small(0)
    }

    pub fn from_big(b: BigInt) -> Int {
        match b.to_i128() {
            Some(x) => Int::Small(x),
            None => Int::Big(Rc::new(b)),
        }
    }

    pub fn to_big(&self) -> BigInt {
        match self {
            Int::Small(x) => BigInt::from(*x),
            Int::Big(b) => (**b).clone(),
        }
    }

    pub fn is_negative(&self) -> bool {
        match self {
            Int::Small(x) => *x < 0,
            Int::Big(b) => b.is_negative(),
        }
    }

    pub fn is_zero(&self) -> bool {
        matches!(self, Int::Small(0))
    }

    pub fn to_u64(&self) -> Option<u64> {
        match self {
            Int::Small(x) => u64::try_from(*x).ok(),
            Int::Big(_) => None,
        }
    }

    pub fn to_i128(&self) -> Option<i128> {
        match self {
            Int::Small(x) => Some(*x),
            Int::Big(_) => None,
        }
    }

    fn big_op(&self, o: &Int, f: impl Fn(BigInt, BigInt) -> BigInt) -> Int {
        Int::from_big(f(self.to_big(), o.to_big()))
    }

    pub fn add(&self, o: &Int) -> Int {
        if let (Int::Small(a), Int::Small(b)) = (self, o) {
            if let Some(r) = a.checked_add(*b) {
                return Int::Small(r);
            }
        }
        self.big_op(o, |a, b| a + b)
    }

    pub fn sub(&self, o: &Int) -> Int {
        if let (Int::Small(a), Int::Small(b)) = (self, o) {
            if let Some(r) = a.checked_sub(*b) {
                return Int::Small(r);
            }
        }
        self.big_op(o, |a, b| a - b)
    }

    pub fn mul(&self, o: &Int) -> Int {
        if let (Int::Small(a), Int::Small(b)) = (self, o) {
            if let Some(r) = a.checked_mul(*b) {
                return Int::Small(r);
            }
        }
        self.big_op(o, |a, b| a * b)
    }

    /// The quotient rounded toward zero; `None` when dividing by zero.
    pub fn div(&self, o: &Int) -> Option<Int> {
        if o.is_zero() {
            return None;
        }
        if let (Int::Small(a), Int::Small(b)) = (self, o) {
            if let Some(r) = a.checked_div(*b) {
                return Some(Int::Small(r));
            }
        }
        Some(self.big_op(o, |a, b| a / b))
    }

    /// The remainder of [`Int::div`] (with the sign of the dividend).
    pub fn rem(&self, o: &Int) -> Option<Int> {
        if o.is_zero() {
            return None;
        }
        if let (Int::Small(a), Int::Small(b)) = (self, o) {
            if let Some(r) = a.checked_rem(*b) {
                return Some(Int::Small(r));
            }
        }
        Some(self.big_op(o, |a, b| a % b))
    }

    pub fn neg(&self) -> Int {
        match self {
            Int::Small(a) => match a.checked_neg() {
                Some(r) => Int::Small(r),
                None => Int::from_big(-BigInt::from(*a)),
            },
            Int::Big(b) => Int::from_big(-(**b).clone()),
        }
    }

    pub fn pow(&self, e: u32) -> Int {
        if let Int::Small(a) = self {
            if let Some(r) = a.checked_pow(e) {
                return Int::Small(r);
            }
        }
        Int::from_big(num_traits::pow::pow(self.to_big(), e as usize))
    }

    /// `2^e`.
    pub fn pow2(e: u32) -> Int {
        if e < 127 {
            Int::Small(1i128 << e)
        } else {
            Int::from_big(BigInt::from(1) << e as usize)
        }
    }

    pub fn abs_gt_one(&self) -> bool {
        match self {
            Int::Small(a) => a.unsigned_abs() > 1,
            Int::Big(_) => true,
        }
    }
}

impl From<u64> for Int {
    fn from(x: u64) -> Int {
        Int::Small(x as i128)
    }
}

impl From<i64> for Int {
    fn from(x: i64) -> Int {
        Int::Small(x as i128)
    }
}

impl From<BigInt> for Int {
    fn from(b: BigInt) -> Int {
        Int::from_big(b)
    }
}

impl PartialEq for Int {
    fn eq(&self, o: &Int) -> bool {
        match (self, o) {
            (Int::Small(a), Int::Small(b)) => a == b,
            (Int::Big(a), Int::Big(b)) => a == b,
            _ => false,
        }
    }
}

impl Eq for Int {}

impl std::hash::Hash for Int {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        match self {
            Int::Small(a) => a.hash(h),
            Int::Big(b) => b.hash(h),
        }
    }
}

impl PartialOrd for Int {
    fn partial_cmp(&self, o: &Int) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}

impl Ord for Int {
    fn cmp(&self, o: &Int) -> Ordering {
        match (self, o) {
            (Int::Small(a), Int::Small(b)) => a.cmp(b),
            // A big number lies beyond every small one.
            (Int::Small(_), Int::Big(b)) => {
                if b.is_negative() {
                    Ordering::Greater
                } else {
                    Ordering::Less
                }
            }
            (Int::Big(a), Int::Small(_)) => {
                if a.is_negative() {
                    Ordering::Less
                } else {
                    Ordering::Greater
                }
            }
            (Int::Big(a), Int::Big(b)) => a.cmp(b),
        }
    }
}

impl fmt::Display for Int {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Int::Small(a) => write!(f, "{a}"),
            Int::Big(b) => write!(f, "{b}"),
        }
    }
}
