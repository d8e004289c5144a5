//! Sequence operations of generated code.

use crate::fail::{Fail, R};
use crate::num::Wide;

/// Concatenation: the first part's allocation grows to hold the others (a frame's locals are
/// the arguments, then the defaults, often none); an empty part costs nothing.
#[inline]
pub fn cat<T, const N: usize>(parts: [Vec<T>; N]) -> Vec<T> {
    let mut parts = parts.into_iter();
    let mut out = parts.next().unwrap_or_default();
    for p in parts {
        out = cat2(out, p);
    }
    out
}

/// Concatenation of two parts, what most concatenations of the spec are. Moving an array of
/// parts into an iterator and out again cost more than the concatenation itself.
#[inline(always)]
pub fn cat2<T>(mut a: Vec<T>, b: Vec<T>) -> Vec<T> {
    if a.is_empty() {
        return b;
    }
    if !b.is_empty() {
        a.extend(b);
    }
    a
}

/// An optional as a list of none or one element.
#[inline]
pub fn of_opt<T>(x: Option<T>) -> Vec<T> {
    match x {
        Some(x) => vec![x],
        None => Vec::new(),
    }
}

/// `xs[i]`, failing (softly) out of bounds.
pub fn index<T: Clone>(xs: &[T], i: Wide) -> R<T> {
    usize::try_from(i).ok().and_then(|i| xs.get(i)).cloned().ok_or_else(Fail::soft)
}

/// The positions of `xs[i : n]` in a list of `len` elements, failing (softly) out of bounds.
#[inline]
fn range(len: usize, i: Wide, n: Wide) -> R<std::ops::Range<usize>> {
    let i = usize::try_from(i).map_err(|_| Fail::soft())?;
    let n = usize::try_from(n).map_err(|_| Fail::soft())?;
    let end = i.checked_add(n).ok_or_else(Fail::soft)?;
    if end > len {
        return Err(Fail::soft());
    }
    Ok(i..end)
}

/// `xs[i : n]`
pub fn slice<T: Clone>(xs: &[T], i: Wide, n: Wide) -> R<Vec<T>> {
    Ok(xs[range(xs.len(), i, n)?].to_vec())
}

/// `xs[i : n]` where it lies, for a reader that only borrows it (the bytes a load decodes),
/// where a copy was allocated on every access.
#[inline]
pub fn slice_ref<T>(xs: &[T], i: Wide, n: Wide) -> R<&[T]> {
    Ok(&xs[range(xs.len(), i, n)?])
}

/// An empty vector with room for `n` elements. Lists built by comprehension are often empty
/// (a function without locals, a block without parameters), and `Vec::with_capacity(0)` still
/// calls the allocator's out-of-line entry, which then finds nothing to do.
#[inline(always)]
pub fn with_room<T>(n: usize) -> Vec<T> {
    if n == 0 {
        Vec::new()
    } else {
        Vec::with_capacity(n)
    }
}

/// The common length of sequences iterated together, which must agree. Inlined: the lengths
/// are usually one or two, known where it is called.
#[inline]
pub fn same_len(lens: &[usize]) -> R<usize> {
    match lens.split_first() {
        None => Ok(0),
        Some((first, rest)) => {
            if rest.iter().all(|l| l == first) {
                Ok(*first)
            } else {
                Err(Fail::soft())
            }
        }
    }
}

/// The first element: a choice of `x <- xs` (the interpreter takes the first allowed result).
pub fn first<T: Clone>(xs: Vec<T>) -> R<T> {
    xs.into_iter().next().ok_or_else(Fail::soft)
}

/// `&xs[i]`, failing (softly) out of bounds.
#[inline]
pub fn at<T>(xs: &[T], i: Wide) -> R<&T> {
    usize::try_from(i).ok().and_then(|i| xs.get(i)).ok_or_else(Fail::soft)
}

/// `&mut xs[i]`, failing (softly) out of bounds.
#[inline]
pub fn at_mut<T>(xs: &mut [T], i: Wide) -> R<&mut T> {
    usize::try_from(i).ok().and_then(move |i| xs.get_mut(i)).ok_or_else(Fail::soft)
}

/// `xs[i : n] = ys` from a borrowed list (the bytes of a store), copied in place when the
/// lengths agree.
#[inline]
pub fn splice_from<T: Clone>(xs: &mut Vec<T>, i: Wide, n: Wide, ys: &[T]) -> R<()> {
    let r = range(xs.len(), i, n)?;
    if ys.len() == r.len() {
        xs[r].clone_from_slice(ys);
    } else {
        xs.splice(r, ys.iter().cloned());
    }
    Ok(())
}

/// `xs[i : n] = ys`: replaces `n` elements from `i` with `ys`.
pub fn splice<T>(xs: &mut Vec<T>, i: Wide, n: Wide, ys: Vec<T>) -> R<()> {
    let r = range(xs.len(), i, n)?;
    if ys.len() == r.len() {
        for (x, y) in xs[r].iter_mut().zip(ys) {
            *x = y;
        }
    } else {
        xs.splice(r, ys);
    }
    Ok(())
}
