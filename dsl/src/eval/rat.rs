//! Exact rational numbers over `BigInt`, always in lowest terms with a positive denominator.

use num_bigint::{BigInt, Sign};
use num_integer::Integer;
use num_traits::{One, Signed, Zero};
use std::cmp::Ordering;
use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Rat {
    num: BigInt,
    den: BigInt,
}

impl Rat {
    /// `num / den`; `None` when `den` is zero.
    pub fn new(num: BigInt, den: BigInt) -> Option<Rat> {
        if den.is_zero() {
            return None;
        }
        let (mut num, mut den) = (num, den);
        if den.sign() == Sign::Minus {
            num = -num;
            den = -den;
        }
        let g = num.gcd(&den);
        if !g.is_one() && !g.is_zero() {
            num /= &g;
            den /= &g;
        }
        Some(Rat { num, den })
    }

    pub fn from_int(n: BigInt) -> Rat {
        Rat { num: n, den: BigInt::one() }
    }

    pub fn zero() -> Rat {
        Rat::from_int(BigInt::zero())
    }

    pub fn numer(&self) -> &BigInt {
        &self.num
    }

    pub fn denom(&self) -> &BigInt {
        &self.den
    }

    pub fn is_integer(&self) -> bool {
        self.den.is_one()
    }

    /// The integer value, if it is one.
    pub fn to_integer(&self) -> Option<BigInt> {
        self.is_integer().then(|| self.num.clone())
    }

    pub fn is_zero(&self) -> bool {
        self.num.is_zero()
    }

    pub fn is_negative(&self) -> bool {
        self.num.is_negative()
    }

    pub fn add(&self, o: &Rat) -> Rat {
        if self.den == o.den {
            return Rat::new(&self.num + &o.num, self.den.clone()).expect("non-zero denominator");
        }
        Rat::new(&self.num * &o.den + &o.num * &self.den, &self.den * &o.den).expect("non-zero denominator")
    }

    pub fn sub(&self, o: &Rat) -> Rat {
        self.add(&o.neg())
    }

    pub fn mul(&self, o: &Rat) -> Rat {
        Rat::new(&self.num * &o.num, &self.den * &o.den).expect("non-zero denominator")
    }

    /// `None` when dividing by zero.
    pub fn div(&self, o: &Rat) -> Option<Rat> {
        Rat::new(&self.num * &o.den, &self.den * &o.num)
    }

    /// The remainder of a division rounded toward zero: `self - o * trunc(self / o)`.
    pub fn rem(&self, o: &Rat) -> Option<Rat> {
        let q = self.div(o)?;
        let t = &q.num / &q.den; // BigInt division truncates
        Some(self.sub(&o.mul(&Rat::from_int(t))))
    }

    pub fn neg(&self) -> Rat {
        Rat { num: -&self.num, den: self.den.clone() }
    }

    pub fn pow(&self, e: u32) -> Rat {
        Rat { num: num_traits::pow::pow(self.num.clone(), e as usize), den: num_traits::pow::pow(self.den.clone(), e as usize) }
    }
}

impl PartialOrd for Rat {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Rat {
    fn cmp(&self, o: &Self) -> Ordering {
        if self.den == o.den {
            return self.num.cmp(&o.num);
        }
        (&self.num * &o.den).cmp(&(&o.num * &self.den))
    }
}

impl fmt::Display for Rat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.den.is_one() {
            write!(f, "{}", self.num)
        } else {
            write!(f, "{}/{}", self.num, self.den)
        }
    }
}
