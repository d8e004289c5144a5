//! Tables of remembered results (`hint(memo)`). Their keys are identities, addresses and small
//! numbers, looked up on every call of a memoized definition: they hash with a multiplication,
//! not with the default hasher's SipHash, which costs more than the lookup saves.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Hashes words by multiplying with an odd constant (2^64 / golden ratio) and folding the
/// high half down, so that aligned addresses still spread over the low bits.
#[derive(Clone, Copy, Default)]
pub struct IdHasher(u64);

impl Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.write_u64(u64::from(*b));
        }
    }

    fn write_u64(&mut self, x: u64) {
        self.0 = (self.0 ^ x).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }

    fn write_usize(&mut self, x: usize) {
        self.write_u64(x as u64);
    }

    fn finish(&self) -> u64 {
        self.0 ^ (self.0 >> 32)
    }
}

/// A memo table.
pub type Memo<K, V> = HashMap<K, V, BuildHasherDefault<IdHasher>>;
