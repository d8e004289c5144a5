//! The byte reader the generated decoder reads from, and decoding errors.
//!
//! Reading past the end of the input is "unexpected end of section or function", as the
//! reference interpreter reports it everywhere (the test suite's "unexpected end" is a prefix).
//! Regions (`enter`/`leave`) bound a part of the input for grammars that need it; the binary
//! format's sized sections do not: their contents are read and their size checked afterwards.

use std::fmt;

/// A decoding failure: what went wrong and at which byte offset.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeError {
    pub offset: usize,
    pub message: String,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at byte offset {:#x})", self.message, self.offset)
    }
}

impl std::error::Error for DecodeError {}

pub type DResult<T> = Result<T, DecodeError>;

pub const UNEXPECTED_END_OF_REGION: &str = "unexpected end of section or function";

pub struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    /// Ends of the enclosing regions, innermost last.
    limits: Vec<usize>,
}

impl<'a> Reader<'a> {
    pub fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader { bytes, pos: 0, limits: Vec::new() }
    }

    pub fn pos(&self) -> usize {
        self.pos
    }

    pub fn set_pos(&mut self, pos: usize) {
        self.pos = pos;
    }

    /// The end of the current region (or of the input).
    pub fn limit(&self) -> usize {
        self.limits.last().copied().unwrap_or(self.bytes.len())
    }

    /// Bytes left in the current region.
    pub fn remaining(&self) -> usize {
        self.limit().saturating_sub(self.pos)
    }

    pub fn at_end(&self) -> bool {
        self.pos >= self.limit()
    }

    pub fn error(&self, offset: usize, message: impl Into<String>) -> DecodeError {
        DecodeError { offset, message: message.into() }
    }

    fn end_error(&self) -> DecodeError {
        DecodeError { offset: self.pos, message: UNEXPECTED_END_OF_REGION.to_string() }
    }

    pub fn peek(&self) -> DResult<u8> {
        if self.pos < self.limit() {
            Ok(self.bytes[self.pos])
        } else {
            Err(self.end_error())
        }
    }

    pub fn byte(&mut self) -> DResult<u8> {
        let b = self.peek()?;
        self.pos += 1;
        Ok(b)
    }

    pub fn bytes(&mut self, n: usize) -> DResult<&'a [u8]> {
        if n > self.remaining() {
            self.pos = self.limit();
            return Err(self.end_error());
        }
        let s = &self.bytes[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    /// Enters a region of `len` bytes from here. A region reaching past its enclosing region is
    /// "unexpected end of section or function" (or "unexpected end" at top level).
    pub fn enter(&mut self, len: usize) -> DResult<()> {
        if len > self.remaining() {
            return Err(self.end_error());
        }
        self.limits.push(self.pos + len);
        Ok(())
    }

    /// Leaves the current region, which must have been read completely.
    pub fn leave(&mut self, mismatch: &str) -> DResult<()> {
        let end = self.limits.pop().unwrap_or(self.bytes.len());
        if self.pos != end {
            return Err(DecodeError { offset: self.pos, message: mismatch.to_string() });
        }
        Ok(())
    }

    /// Leaves the current region after an error inside it.
    pub fn abandon(&mut self) {
        self.limits.pop();
    }
}

/// Unsigned LEB128 of at most `bits` bits, with the standard's limits: at most ceil(bits/7)
/// bytes ("integer representation too long"), and no set bits beyond `bits` in the last byte
/// ("integer too large").
pub fn leb_unsigned(r: &mut Reader<'_>, bits: u32) -> DResult<u64> {
    let start = r.pos();
    let max_bytes = bits.div_ceil(7);
    let mut result: u64 = 0;
    let mut shift = 0u32;
    for i in 0..max_bytes {
        let b = r.byte()?;
        let payload = (b & 0x7F) as u64;
        let last = i + 1 == max_bytes;
        if last {
            // Value bits beyond the width are "too large", checked before a continuation bit
            // makes the encoding "too long" (the reference's order).
            let used = bits - shift;
            if used < 7 && (payload >> used) != 0 {
                return Err(r.error(start, "integer too large"));
            }
        }
        result |= payload << shift;
        if b & 0x80 == 0 {
            return Ok(result);
        }
        if last {
            return Err(r.error(start, "integer representation too long"));
        }
        shift += 7;
    }
    Err(r.error(start, "integer representation too long"))
}

/// Signed LEB128 of at most `bits` bits: the unused bits of the last byte must all equal the
/// sign bit ("integer too large").
pub fn leb_signed(r: &mut Reader<'_>, bits: u32) -> DResult<i64> {
    let start = r.pos();
    let max_bytes = bits.div_ceil(7);
    let mut result: i64 = 0;
    let mut shift = 0u32;
    for i in 0..max_bytes {
        let b = r.byte()?;
        let payload = (b & 0x7F) as i64;
        let last = i + 1 == max_bytes;
        if last {
            let used = bits - shift; // value bits in this byte, including the sign bit
            if used < 7 {
                // Bits from `used - 1` (the sign) to 6 must be all zeros or all ones.
                let rest = payload >> (used - 1);
                let all = (1i64 << (8 - used)) - 1;
                if rest != 0 && rest != all {
                    return Err(r.error(start, "integer too large"));
                }
            }
        }
        result |= payload << shift;
        shift += 7;
        if b & 0x80 == 0 {
            if shift < 64 && (b & 0x40) != 0 {
                result |= -1i64 << shift;
            }
            return Ok(result);
        }
        if last {
            return Err(r.error(start, "integer representation too long"));
        }
    }
    Err(r.error(start, "integer representation too long"))
}

/// UTF-8 decoding of a name; `None` when the bytes are not well-formed UTF-8.
pub fn decode_utf8(bytes: &[u8]) -> Option<Vec<char>> {
    std::str::from_utf8(bytes).ok().map(|s| s.chars().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(bytes: &[u8], bits: u32) -> Result<u64, String> {
        let mut r = Reader::new(bytes);
        leb_unsigned(&mut r, bits).map_err(|e| e.message)
    }
    fn s(bytes: &[u8], bits: u32) -> Result<i64, String> {
        let mut r = Reader::new(bytes);
        leb_signed(&mut r, bits).map_err(|e| e.message)
    }

    #[test]
    fn unsigned_leb() {
        assert_eq!(u(&[0x00], 32), Ok(0));
        assert_eq!(u(&[0xE5, 0x8E, 0x26], 32), Ok(624485));
        assert_eq!(u(&[0xFF, 0xFF, 0xFF, 0xFF, 0x0F], 32), Ok(u32::MAX as u64));
        assert_eq!(u(&[0xFF, 0xFF, 0xFF, 0xFF, 0x1F], 32).unwrap_err(), "integer too large");
        assert_eq!(u(&[0x80, 0x80, 0x80, 0x80, 0x80, 0x00], 32).unwrap_err(), "integer representation too long");
        assert_eq!(u(&[0x80, 0x80, 0x80, 0x80, 0x80], 32).unwrap_err(), "integer representation too long");
        assert_eq!(u(&[0x80], 32).unwrap_err(), UNEXPECTED_END_OF_REGION);
        assert_eq!(u(&[0xFF, 0xFF, 0xFF, 0xFF, 0x9F], 32).unwrap_err(), "integer too large");
        assert_eq!(u(&[0xFF; 9].iter().copied().chain([0x01]).collect::<Vec<_>>(), 64), Ok(u64::MAX));
        assert_eq!(u(&[0xFF; 9].iter().copied().chain([0x02]).collect::<Vec<_>>(), 64).unwrap_err(), "integer too large");
    }

    #[test]
    fn signed_leb() {
        assert_eq!(s(&[0x7F], 32), Ok(-1));
        assert_eq!(s(&[0x80, 0x7F], 32), Ok(-128));
        assert_eq!(s(&[0xFF, 0xFF, 0xFF, 0xFF, 0x07], 32), Ok(i32::MAX as i64));
        assert_eq!(s(&[0x80, 0x80, 0x80, 0x80, 0x78], 32), Ok(i32::MIN as i64));
        assert_eq!(s(&[0xFF, 0xFF, 0xFF, 0xFF, 0x0F], 32).unwrap_err(), "integer too large");
        assert_eq!(s(&[0x80, 0x80, 0x80, 0x80, 0x70], 32).unwrap_err(), "integer too large");
        assert_eq!(s(&[0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F], 32).unwrap_err(), "integer representation too long");
        assert_eq!(s(&[0x40], 33), Ok(-64));
        assert_eq!(s(&[0xFF, 0xFF, 0xFF, 0xFF, 0x0F], 33), Ok(u32::MAX as i64));
        assert_eq!(s(&[0xFF, 0xFF, 0xFF, 0xFF, 0x7F], 33), Ok(-1));
        assert_eq!(s(&[0x80; 9].iter().copied().chain([0x7F]).collect::<Vec<_>>(), 64), Ok(i64::MIN));
        assert_eq!(s(&[0xFF; 9].iter().copied().chain([0x00]).collect::<Vec<_>>(), 64), Ok(i64::MAX));
    }

    #[test]
    fn regions() {
        let mut r = Reader::new(&[1, 2, 3, 4]);
        r.enter(2).unwrap();
        assert_eq!(r.byte(), Ok(1));
        assert_eq!(r.byte(), Ok(2));
        assert_eq!(r.byte().unwrap_err().message, UNEXPECTED_END_OF_REGION);
        r.leave("section size mismatch").unwrap();
        assert_eq!(r.byte(), Ok(3));
        r.enter(1).unwrap();
        assert_eq!(r.leave("section size mismatch").unwrap_err().message, "section size mismatch");
        assert_eq!(r.enter(9).unwrap_err().message, UNEXPECTED_END_OF_REGION);
    }
}
