//! Tables of remembered results (`hint(memo)`). Their keys are identities, addresses and small
//! numbers, looked up on every call of a memoized definition: they hash with a multiplication,
//! not with the default hasher's SipHash, which costs more than the lookup saves.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hash, Hasher};

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

/// A memo table, bounded in size: when full, it starts afresh. The entry found last is kept
/// beside the table: a run calls the same few functions over and over (the expansion of one
/// function's type at each call), and comparing one key costs less than hashing it.
pub struct Memo<K, V> {
    last: Option<(K, V)>,
    table: HashMap<K, V, BuildHasherDefault<IdHasher>>,
}

/// The most entries a table holds before it starts afresh.
const MEMO_LIMIT: usize = 1 << 16;

impl<K, V> Memo<K, V> {
    /// An empty table, made at compile time, so that a thread's table needs no lazy start.
    pub const fn new() -> Self {
        Memo { last: None, table: HashMap::with_hasher(BuildHasherDefault::new()) }
    }
}

impl<K, V> Default for Memo<K, V> {
    fn default() -> Self {
        Memo::new()
    }
}

impl<K: Copy + Eq + Hash, V: Clone> Memo<K, V> {
    /// The value remembered for `key`.
    #[inline]
    pub fn lookup(&mut self, key: &K) -> Option<&V> {
        if !matches!(&self.last, Some((k, _)) if k == key) {
            let v = self.table.get(key)?.clone();
            self.last = Some((*key, v));
        }
        self.last.as_ref().map(|(_, v)| v)
    }

    /// Remembers `value` for `key`.
    pub fn insert(&mut self, key: K, value: V) {
        if self.table.len() >= MEMO_LIMIT {
            self.table.clear();
        }
        self.table.insert(key, value);
    }

    pub fn len(&self) -> usize {
        self.table.len()
    }

    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_what_was_inserted_through_the_last_entry_and_the_table() {
        let mut m: Memo<usize, &str> = Memo::new();
        assert_eq!(m.lookup(&1), None);
        m.insert(1, "one");
        m.insert(2, "two");
        // The table, then the last entry found, then the table again for another key.
        assert_eq!(m.lookup(&1), Some(&"one"));
        assert_eq!(m.lookup(&1), Some(&"one"));
        assert_eq!(m.lookup(&2), Some(&"two"));
        assert_eq!(m.lookup(&3), None);
        assert_eq!(m.lookup(&2), Some(&"two"));
        assert_eq!(m.len(), 2);
    }

    #[test]
    fn starts_afresh_when_full() {
        let mut m: Memo<usize, usize> = Memo::new();
        for k in 0..MEMO_LIMIT {
            m.insert(k, k);
        }
        assert_eq!(m.len(), MEMO_LIMIT);
        m.insert(MEMO_LIMIT, 0);
        assert_eq!(m.len(), 1);
        assert_eq!(m.lookup(&0), None);
        assert_eq!(m.lookup(&MEMO_LIMIT), Some(&0));
    }
}
