//! Support for the code generated from `spec/`: everything here is hand-written and
//! instruction-agnostic. Fast numeric builtins live here, each proven equal to its DSL definition
//! by property tests.

pub mod arena;
pub mod reader;

pub use arena::{Arena, Seq};
pub use reader::{DResult, DecodeError, Reader};
