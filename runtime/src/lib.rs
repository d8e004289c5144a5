//! Support for the code generated from `spec/`: everything here is hand-written and
//! instruction-agnostic. Fast numeric builtins live here, each proven equal to its DSL definition
//! by property tests.

pub mod arena;
pub mod builtins;
pub mod checker;
pub mod fail;
pub mod machine;
pub mod memo;
pub mod num;
pub mod numerics;
pub mod reader;
pub mod seq;

pub use arena::{Arena, Kinded, Seq};
pub use fail::{check, ok, Best, Fail, R};
pub use reader::{DResult, DecodeError, Reader};

/// Runs a step of a recursive computation (decoding nested blocks, evaluating nested
/// expressions) on a fresh stack segment when the current one runs low, so that deep nesting in
/// the input needs memory, never crashes.
#[inline]
pub fn deep<T>(f: impl FnOnce() -> T) -> T {
    stacker::maybe_grow(128 * 1024, 8 * 1024 * 1024, f)
}
