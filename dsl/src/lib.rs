//! The wspec DSL: the language the specification in `spec/` is written in.
//!
//! Pipeline: [`parse`] (pest) turns source text into the [`ast`], [`elab`] resolves names, checks
//! meta-types and modes and produces the typed [`ir`]. Every user-facing error is a
//! [`diag::Diagnostic`].

pub mod ast;
pub mod ast_fmt;
pub mod codegen;
pub mod diag;
pub mod elab;
pub mod eval;
pub mod gen_cmd;
pub mod ir;
pub mod ir_fmt;
pub mod parse;
pub mod render;
pub mod source;
