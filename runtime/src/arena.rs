//! Sequences stored in an arena and referenced by index: how decoded instruction sequences are
//! kept (DESIGN.md §3). A step of the interpreter refers to a sequence and a position in it and
//! never clones a sequence.

use std::marker::PhantomData;

/// A sequence in an [`Arena`]: a `u32` index, cheap to copy.
pub struct Seq<T> {
    index: u32,
    _marker: PhantomData<fn() -> T>,
}

impl<T> Seq<T> {
    pub fn index(self) -> u32 {
        self.index
    }
}

impl<T> Clone for Seq<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Seq<T> {}
impl<T> PartialEq for Seq<T> {
    fn eq(&self, other: &Self) -> bool {
        self.index == other.index
    }
}
impl<T> Eq for Seq<T> {}
impl<T> std::hash::Hash for Seq<T> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.index.hash(state)
    }
}
impl<T> std::fmt::Debug for Seq<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "seq#{}", self.index)
    }
}

/// How the machine runs an element: a number that the generated code chooses when the element
/// is stored, so that running it later is one indexed call instead of matching on it again.
/// 0 is always a right answer (the general dispatch).
pub trait Kinded {
    fn kind(&self) -> u16 {
        0
    }
}

/// Contiguous storage for many sequences of `T`.
#[derive(Clone, Debug)]
pub struct Arena<T> {
    items: Vec<T>,
    /// The [`Kinded::kind`] of each element of `items`, at the same position: always as long
    /// as `items`.
    kinds: Vec<u16>,
    /// (start, length) of each sequence in `items`.
    ranges: Vec<(u32, u32)>,
}

impl<T> Default for Arena<T> {
    fn default() -> Self {
        Arena { items: Vec::new(), kinds: Vec::new(), ranges: Vec::new() }
    }
}

impl<T: Kinded> Arena<T> {
    /// Stores a sequence; its elements become contiguous.
    pub fn push(&mut self, elems: Vec<T>) -> Seq<T> {
        let start = self.items.len() as u32;
        let len = elems.len() as u32;
        self.kinds.extend(elems.iter().map(Kinded::kind));
        self.items.extend(elems);
        let index = self.ranges.len() as u32;
        self.ranges.push((start, len));
        Seq { index, _marker: PhantomData }
    }
}

impl<T> Arena<T> {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn get(&self, seq: Seq<T>) -> &[T] {
        let (start, len) = self.ranges[seq.index as usize];
        &self.items[start as usize..(start + len) as usize]
    }

    /// The element at an absolute position (a sequence's start plus an offset): one index
    /// instead of two on the interpreter's hot path.
    #[inline]
    pub fn item(&self, at: u32) -> &T {
        &self.items[at as usize]
    }

    /// The element at an absolute position and its kind, with one bounds check.
    #[inline]
    pub fn item_kind(&self, at: u32) -> (&T, u16) {
        let item = &self.items[at as usize];
        // SAFETY: `kinds` is as long as `items` (both grow only in `push`), and `at` is in
        // bounds of `items`.
        (item, unsafe { *self.kinds.get_unchecked(at as usize) })
    }

    /// Where a sequence starts and ends among all elements, for [`Arena::item`] and
    /// [`Arena::range`].
    #[inline]
    pub fn bounds(&self, seq: Seq<T>) -> (u32, u32) {
        let (start, len) = self.ranges[seq.index as usize];
        (start, start + len)
    }

    /// The elements from one absolute position to another.
    pub fn range(&self, from: u32, to: u32) -> &[T] {
        &self.items[from as usize..to as usize]
    }

    pub fn len(&self, seq: Seq<T>) -> usize {
        self.ranges[seq.index as usize].1 as usize
    }

    pub fn is_empty(&self, seq: Seq<T>) -> bool {
        self.len(seq) == 0
    }

    /// Number of elements over all sequences.
    pub fn total(&self) -> usize {
        self.items.len()
    }

    pub fn sequences(&self) -> usize {
        self.ranges.len()
    }
}
