//! Code generation: the elaborated spec to Rust, into `generated/`.
//!
//! - [`types`]: a Rust type for every syntax definition;
//! - [`decode`]: the binary decoder, from the grammar productions.
//!
//! Every generated item carries a `// from spec/FILE:LINE` comment. Generated code stays compact:
//! shared helpers live in the hand-written `wspec-runtime` crate.

pub mod consts;
pub mod decode;
pub mod exec;
pub mod names;
pub mod place;
pub mod rust;
pub mod show;
pub mod tidy;
pub mod types;
pub mod validate;

use crate::ast::Span;
use crate::diag::Diagnostic;
use crate::ir::*;
use crate::source::SourceMap;
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

/// One generated file, relative to the `generated/` crate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GenFile {
    pub path: String,
    pub text: String,
}

/// The Rust representation of a meta-type.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Repr {
    /// A primitive or a fully qualified type (`u32`, `bool`, `String`).
    Prim(String),
    /// A generated type.
    Named(String, TypeId),
    Vec(Box<Repr>),
    Opt(Box<Repr>),
    /// A sequence in the arena.
    Seq(Box<Repr>),
    Tuple(Vec<Repr>),
    Param(String),
    /// A value of a `hint(shared)` type: reference-counted.
    Shared(Box<Repr>),
}

impl Repr {
    pub fn rust(&self) -> String {
        match self {
            Repr::Prim(p) => p.clone(),
            Repr::Named(n, _) => n.clone(),
            Repr::Vec(x) => format!("Vec<{}>", x.rust()),
            Repr::Opt(x) => format!("Option<{}>", x.rust()),
            Repr::Seq(x) => format!("Seq<{}>", x.rust()),
            Repr::Tuple(xs) if xs.len() == 1 => format!("({},)", xs[0].rust()),
            Repr::Tuple(xs) => format!("({})", xs.iter().map(|x| x.rust()).collect::<Vec<_>>().join(", ")),
            Repr::Param(p) => p.clone(),
            Repr::Shared(x) => format!("std::rc::Rc<{}>", x.rust()),
        }
    }

    /// The integer type, if this is one.
    pub fn int(&self) -> Option<&str> {
        match self {
            Repr::Prim(p) if matches!(p.as_str(), "u8" | "u16" | "u32" | "u64" | "u128" | "i8" | "i16" | "i32" | "i64" | "i128") => {
                Some(p)
            }
            _ => None,
        }
    }
}

/// The state of one generation run.
pub struct Gen<'a> {
    pub spec: &'a Spec,
    pub sources: &'a SourceMap,
    /// Rust name of each syntax type.
    pub type_names: Vec<String>,
    /// For family instances with their own generated type: (family, instance) → Rust name.
    pub inst_types: HashMap<(TypeId, usize), String>,
    /// The variant of the family enum that holds each instance.
    pub inst_variants: HashMap<(TypeId, usize), String>,
    /// Variant names of each case: (type, instance, case) → name.
    pub case_names: HashMap<(TypeId, Option<usize>, usize), String>,
    /// Types whose sequences live in the arena (`hint(arena)`).
    pub arena: HashSet<TypeId>,
    /// Integer aliases for numeric enumerations (`sz = 8 | 16 | 32 | 64`).
    pub numeric_enums: HashMap<TypeId, String>,
    /// The Rust types `gen_types` emitted, by name: their constructors and fields' Rust types.
    /// The dispatch in `exec.rs` specialises on instructions whose fields take finitely many
    /// values.
    pub rust_shapes: RefCell<HashMap<String, types::RustShape>>,
    pub diags: RefCell<Vec<Diagnostic>>,
}

pub(crate) fn has_hint(hints: &[crate::ast::Hint], name: &str) -> bool {
    hints.iter().any(|h| h.name.name == name)
}

pub(crate) fn hint_text(hints: &[crate::ast::Hint], name: &str) -> Option<String> {
    hints.iter().find(|h| h.name.name == name).and_then(|h| match h.args.first() {
        Some(crate::ast::HintArg::Text(t)) | Some(crate::ast::HintArg::Ident(t)) => Some(t.clone()),
        _ => None,
    })
}

impl<'a> Gen<'a> {
    pub fn new(spec: &'a Spec, sources: &'a SourceMap) -> Gen<'a> {
        let mut g = Gen {
            spec,
            sources,
            type_names: Vec::new(),
            inst_types: HashMap::new(),
            inst_variants: HashMap::new(),
            case_names: HashMap::new(),
            arena: HashSet::new(),
            numeric_enums: HashMap::new(),
            rust_shapes: RefCell::new(HashMap::new()),
            diags: RefCell::new(Vec::new()),
        };
        g.name_everything();
        g
    }

    /// `// from spec/FILE:LINE`
    pub fn origin(&self, span: Span) -> String {
        if span.file >= self.sources.len() {
            return String::new();
        }
        format!("// from {}:{}", self.sources.name(span.file), self.sources.line_of(span.file, span.start))
    }

    pub fn error(&self, span: Span, msg: impl Into<String>) {
        let msg = msg.into();
        self.diags.borrow_mut().push(Diagnostic::error(format!("cannot generate code: {msg}")).at(span, msg));
    }
}

/// Generates every file of the `generated/` crate.
pub fn generate(spec: &Spec, sources: &SourceMap) -> Result<Vec<GenFile>, Vec<Diagnostic>> {
    let g = Gen::new(spec, sources);
    let syntax = g.gen_types();
    let decode = g.gen_decoder();
    let show = g.gen_show();
    let exec = g.gen_exec();
    // The arena asks each element its kind (`wspec_runtime::Kinded`); elements that execution
    // gives no kinds of their own take the general one.
    let mut syntax = syntax;
    let mut arenas: Vec<&String> = g.arena.iter().map(|&id| &g.type_names[id]).collect();
    arenas.sort();
    for name in arenas {
        if !exec.as_ref().is_some_and(|e| e.contains(&format!("impl wspec_runtime::Kinded for {name} {{"))) {
            syntax.push_str(&format!("impl wspec_runtime::Kinded for {name} {{}}\n\n"));
        }
    }
    let diags = g.diags.into_inner();
    if !diags.is_empty() {
        return Err(diags);
    }
    let lib = format!(
        "{}\n\
         //! Rust generated from the specification in `spec/`: the abstract syntax and the binary\n\
         //! decoder. Regenerate with `wspec gen`; `wspec gen --check` fails when this is stale.\n\n\
         #![allow(clippy::all, non_camel_case_types, non_snake_case, unused_variables, unused_mut, unused_parens, dead_code, unreachable_patterns)]\n\n\
         pub mod syntax;\n\
         pub mod decode;\n\
         pub mod show;\n\
         {}\n\
         pub use wspec_runtime::{{Arena, Seq}};\n",
        HEADER,
        if exec.is_some() { "pub mod exec;\n" } else { "" }
    );
    let mut files = vec![
        GenFile { path: "src/lib.rs".into(), text: lib },
        GenFile { path: "src/syntax.rs".into(), text: syntax },
        GenFile { path: "src/decode.rs".into(), text: decode },
        GenFile { path: "src/show.rs".into(), text: show },
    ];
    if let Some(exec) = exec {
        files.push(GenFile { path: "src/exec.rs".into(), text: exec });
    }
    Ok(files)
}

pub const HEADER: &str = "// @generated by `wspec gen` from the specification in `spec/`. Do not edit by hand.";

/// Indents generated code by one level.
pub(crate) fn indent(s: &str) -> String {
    s.lines().map(|l| if l.is_empty() { "\n".to_string() } else { format!("    {l}\n") }).collect()
}
