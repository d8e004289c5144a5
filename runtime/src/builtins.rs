//! Builtins: Rust implementations of definitions marked `hint(builtin "name")`, called by
//! generated code. Each returns `None` where its definition is undefined.

/// UTF-8 decoding of a name (`$decode_utf8`): the characters whose encoding is the bytes.
pub fn decode_utf8(bytes: Vec<u8>) -> Option<Vec<char>> {
    crate::reader::decode_utf8(&bytes)
}

/// The UTF-8 encoding of characters (`$utf8`).
pub fn utf8(chars: Vec<char>) -> Option<Vec<u8>> {
    Some(chars.into_iter().collect::<String>().into_bytes())
}

/// The bit pattern of a float of width `n` from its little-endian bytes (`$bytes_float_`);
/// floats are held as bit patterns.
pub fn float_of_bytes(n: u64, bytes: Vec<u8>) -> Option<u64> {
    if bytes.len() as u64 * 8 != n || n > 64 {
        return None;
    }
    Some(bytes.iter().rev().fold(0u64, |acc, b| (acc << 8) | *b as u64))
}

/// The 128-bit vector that 16 little-endian bytes denote (`$bytes_vec_`).
pub fn bytes_vec(bytes: Vec<u8>) -> Option<u128> {
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
pub fn sum(ns: Vec<u64>) -> Option<u64> {
    ns.into_iter().try_fold(0u64, |a, n| a.checked_add(n))
}

/// `$opt_`: a sequence of at most one element as an optional.
pub fn opt<X>(xs: Vec<X>) -> Option<Option<X>> {
    if xs.len() > 1 {
        return None;
    }
    Some(xs.into_iter().next())
}
