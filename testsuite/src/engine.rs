//! The engine interface: what the runner asks of a WebAssembly implementation.
//!
//! The runner never looks inside a module. It hands the engine binary modules, asks it to
//! decode, validate and instantiate them, to invoke exports and to read exported globals, and
//! judges the answers against the script. Modules and instances are opaque handles chosen by
//! the engine.
//!
//! Every method may answer [`EngineError::Unsupported`]: the engine cannot do this yet. The
//! runner then reports the command as *skipped* (never passed, never failed), counted under
//! the given reason, and everything that depends on it (invocations of a module that was not
//! instantiated, say) is skipped for the same reason.

use crate::value::Value;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt;

/// A decoded module, as the engine identifies it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ModuleHandle(pub u64);

/// A module instance, as the engine identifies it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct InstanceHandle(pub u64);

/// Why an engine operation did not succeed.
///
/// The messages of `Malformed`, `Invalid`, `Unlinkable`, `Trap` and `Exhaustion` are compared
/// with the script's expected text as the reference interpreter does: the engine's message
/// must *start with* the expected text (so "integer divide by zero" matches "integer divide by
/// zero", and "unknown import" matches "unknown import spectest.foo").
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EngineError {
    /// The binary is not a well-formed module (decoding failed).
    Malformed(String),
    /// The module is well-formed but does not validate.
    Invalid(String),
    /// Instantiation failed while resolving or matching imports.
    Unlinkable(String),
    /// Execution trapped (during an invocation, or while instantiating: a start function, an
    /// out-of-bounds segment).
    Trap(String),
    /// Resources ran out (call stack exhaustion).
    Exhaustion(String),
    /// An uncaught Wasm exception left the invocation; the text describes it (free form).
    Exception(String),
    /// The engine cannot do this yet. The text is a short, stable reason ("SIMD not
    /// implemented"): reports count skips per reason, so keep it free of details that vary.
    Unsupported(String),
    /// Anything else (an internal error of the engine, a missing export): counted as a failure.
    Other(String),
}

impl EngineError {
    /// The kind, as a word for reports: `malformed`, `invalid`, ...
    pub fn kind(&self) -> &'static str {
        match self {
            EngineError::Malformed(_) => "malformed",
            EngineError::Invalid(_) => "invalid",
            EngineError::Unlinkable(_) => "unlinkable",
            EngineError::Trap(_) => "trap",
            EngineError::Exhaustion(_) => "exhaustion",
            EngineError::Exception(_) => "exception",
            EngineError::Unsupported(_) => "unsupported",
            EngineError::Other(_) => "error",
        }
    }

    /// The message.
    pub fn message(&self) -> &str {
        match self {
            EngineError::Malformed(m)
            | EngineError::Invalid(m)
            | EngineError::Unlinkable(m)
            | EngineError::Trap(m)
            | EngineError::Exhaustion(m)
            | EngineError::Exception(m)
            | EngineError::Unsupported(m)
            | EngineError::Other(m) => m,
        }
    }
}

impl fmt::Display for EngineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: \"{}\"", self.kind(), self.message())
    }
}

impl std::error::Error for EngineError {}

/// The result of an engine operation.
pub type EngineResult<T> = Result<T, EngineError>;

/// What a registered name stands for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Registered {
    /// An instance the engine made.
    Instance(InstanceHandle),
    /// The name was registered, but for an instance that does not exist: its module was
    /// skipped (unsupported) or failed. The engine should answer an import from it with
    /// [`EngineError::Unsupported`]; the runner re-labels whatever it answers anyway.
    Unavailable,
}

/// The registered instances an instantiation may import from, by module name: `spectest`
/// (the engine's own host module, see [`Engine::spectest`]) and every name given with
/// `register` earlier in the script.
#[derive(Debug, Default)]
pub struct Imports {
    names: BTreeMap<String, Registered>,
    /// Names of unavailable instances that the engine looked up (see [`Imports::resolve`]).
    unavailable_lookups: RefCell<Vec<String>>,
}

impl Imports {
    /// An empty set of registrations.
    pub fn new() -> Imports {
        Imports::default()
    }

    /// Registers `name` (a later registration of the same name replaces the earlier one).
    pub fn register(&mut self, name: &str, what: Registered) {
        self.names.insert(name.to_string(), what);
    }

    /// The instance registered under the import module name `name`, if there is one. `None`
    /// for a name never registered (the engine reports `unknown import`) and for a name whose
    /// instance is unavailable (the runner notices the lookup, and reports the instantiation
    /// as skipped whatever the engine answers).
    pub fn resolve(&self, name: &str) -> Option<InstanceHandle> {
        match self.names.get(name) {
            Some(Registered::Instance(h)) => Some(*h),
            Some(Registered::Unavailable) => {
                self.unavailable_lookups.borrow_mut().push(name.to_string());
                None
            }
            None => None,
        }
    }

    /// What `name` stands for, without recording anything.
    pub fn get(&self, name: &str) -> Option<&Registered> {
        self.names.get(name)
    }

    /// Every registered name, in order.
    pub fn names(&self) -> impl Iterator<Item = (&str, &Registered)> {
        self.names.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// Clears and returns the names of unavailable instances looked up since the last call.
    pub fn take_unavailable_lookups(&self) -> Vec<String> {
        std::mem::take(&mut *self.unavailable_lookups.borrow_mut())
    }
}

/// A WebAssembly implementation the runner can drive.
///
/// The runner calls, for every script file: [`reset`](Engine::reset), then
/// [`spectest`](Engine::spectest) (registered as `spectest`), then for each command the
/// operations it needs. A `module` command is `decode`, `validate`, `instantiate`; an
/// `assert_malformed` with a binary module expects `decode` (or, for an engine that decodes
/// function bodies lazily, `validate`) to fail with `Malformed`; `assert_invalid` expects
/// `decode` to succeed and `validate` to fail with `Invalid`; `assert_unlinkable` and
/// `assert_trap` on a module expect `instantiate` to fail with `Unlinkable` or `Trap`.
///
/// Panics are contained: a panic inside any method is caught and reported as a failure of the
/// command that caused it; the run goes on.
///
/// The trait is object safe: the runner takes `&mut dyn Engine`.
pub trait Engine {
    /// A short name for reports, e.g. `null` or `wspec interpreter`.
    fn name(&self) -> String;

    /// Whether this is a placeholder that implements nothing (the `null` engine). The runner
    /// then credits it with no passes at all: the few assertions decided by the runner's own
    /// text front end (a quoted module that `wast` rejects, in `assert_malformed`), which
    /// otherwise pass without the engine's help, are reported as skipped. Real engines keep
    /// the default, `false`.
    fn is_placeholder(&self) -> bool {
        false
    }

    /// Whether the engine validates modules. An engine that does not is never asked to: the
    /// runner then instantiates modules without validating them, and reports `assert_invalid`
    /// as skipped.
    fn validates(&self) -> bool {
        true
    }

    /// Forgets every module and instance: the next script starts with a fresh store.
    fn reset(&mut self) -> EngineResult<()>;

    /// Makes the `spectest` host instance, which scripts import from. Its exports, as in the
    /// reference interpreter:
    ///
    /// | export | kind |
    /// | --- | --- |
    /// | `print`, `print_i32` (i32), `print_i64` (i64), `print_f32` (f32), `print_f64` (f64), `print_i32_f32` (i32 f32), `print_f64_f64` (f64 f64) | functions without results (they may print their arguments) |
    /// | `global_i32` = 666, `global_i64` = 666, `global_f32` = 666.6, `global_f64` = 666.6 | immutable globals |
    /// | `table`: 10 elements of `funcref`, maximum 20, null | table (`table64`: the same with an i64 index type, if supported) |
    /// | `memory`: 1 page, maximum 2, zeroed | memory |
    ///
    /// Answering `Unsupported` is allowed: modules importing from `spectest` are then skipped.
    fn spectest(&mut self) -> EngineResult<InstanceHandle>;

    /// Decodes a binary module. `Malformed` if it is not well-formed.
    fn decode(&mut self, binary: &[u8]) -> EngineResult<ModuleHandle>;

    /// Validates a decoded module. `Invalid` if it does not validate.
    fn validate(&mut self, module: ModuleHandle) -> EngineResult<()>;

    /// Instantiates a validated module, resolving each import `(import "m" "x" ...)` as the
    /// export `x` of `imports.resolve("m")`. `Unlinkable` if an import is missing or does not
    /// match; `Trap` if initialisation traps (the store keeps what was done before the trap).
    fn instantiate(&mut self, module: ModuleHandle, imports: &Imports) -> EngineResult<InstanceHandle>;

    /// Invokes the exported function `export` of `instance` with `args`; its results.
    fn invoke(&mut self, instance: InstanceHandle, export: &str, args: &[Value]) -> EngineResult<Vec<Value>>;

    /// Reads the exported global `export` of `instance`.
    fn get_global(&mut self, instance: InstanceHandle, export: &str) -> EngineResult<Value>;
}

/// The engine that does nothing: every operation answers `Unsupported`, so every command of
/// every script is reported as skipped. It stands in until the generated interpreter exists.
#[derive(Debug, Default, Clone, Copy)]
pub struct NullEngine;

/// The skip reason the [`NullEngine`] gives.
pub const NULL_ENGINE_REASON: &str = "null engine: no decoder, validator or interpreter yet";

impl Engine for NullEngine {
    fn name(&self) -> String {
        "null".into()
    }

    fn is_placeholder(&self) -> bool {
        true
    }

    fn reset(&mut self) -> EngineResult<()> {
        Ok(())
    }

    fn spectest(&mut self) -> EngineResult<InstanceHandle> {
        Err(EngineError::Unsupported(NULL_ENGINE_REASON.into()))
    }

    fn decode(&mut self, _: &[u8]) -> EngineResult<ModuleHandle> {
        Err(EngineError::Unsupported(NULL_ENGINE_REASON.into()))
    }

    fn validate(&mut self, _: ModuleHandle) -> EngineResult<()> {
        Err(EngineError::Unsupported(NULL_ENGINE_REASON.into()))
    }

    fn instantiate(&mut self, _: ModuleHandle, _: &Imports) -> EngineResult<InstanceHandle> {
        Err(EngineError::Unsupported(NULL_ENGINE_REASON.into()))
    }

    fn invoke(&mut self, _: InstanceHandle, _: &str, _: &[Value]) -> EngineResult<Vec<Value>> {
        Err(EngineError::Unsupported(NULL_ENGINE_REASON.into()))
    }

    fn get_global(&mut self, _: InstanceHandle, _: &str) -> EngineResult<Value> {
        Err(EngineError::Unsupported(NULL_ENGINE_REASON.into()))
    }
}
