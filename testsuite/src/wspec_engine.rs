//! The `wspec` engine: the runner's [`Engine`] over the code generated from the spec. It
//! decodes with the generated decoder; what is not generated yet answers `Unsupported`, which the
//! runner reports as skipped.

use crate::engine::{Engine, EngineError, EngineResult, Imports, InstanceHandle, ModuleHandle};
use crate::value::Value;
use wspec_interpreter::Decoded;

/// The reason given for what the spec does not generate yet.
pub const NOT_YET: &str = "wspec: validation and execution are not generated yet";

#[derive(Default)]
pub struct WspecEngine {
    modules: Vec<Decoded>,
}

impl WspecEngine {
    pub fn new() -> WspecEngine {
        WspecEngine::default()
    }
}

impl Engine for WspecEngine {
    fn name(&self) -> String {
        "wspec (generated decoder)".into()
    }

    fn reset(&mut self) -> EngineResult<()> {
        self.modules.clear();
        Ok(())
    }

    fn spectest(&mut self) -> EngineResult<InstanceHandle> {
        Err(EngineError::Unsupported(NOT_YET.into()))
    }

    fn decode(&mut self, binary: &[u8]) -> EngineResult<ModuleHandle> {
        match wspec_interpreter::decode(binary) {
            Ok(d) => {
                self.modules.push(d);
                Ok(ModuleHandle(self.modules.len() as u64 - 1))
            }
            Err(e) => Err(EngineError::Malformed(e.message)),
        }
    }

    fn validate(&mut self, _module: ModuleHandle) -> EngineResult<()> {
        Err(EngineError::Unsupported(NOT_YET.into()))
    }

    fn instantiate(&mut self, _module: ModuleHandle, _imports: &Imports) -> EngineResult<InstanceHandle> {
        Err(EngineError::Unsupported(NOT_YET.into()))
    }

    fn invoke(&mut self, _instance: InstanceHandle, _export: &str, _args: &[Value]) -> EngineResult<Vec<Value>> {
        Err(EngineError::Unsupported(NOT_YET.into()))
    }

    fn get_global(&mut self, _instance: InstanceHandle, _export: &str) -> EngineResult<Value> {
        Err(EngineError::Unsupported(NOT_YET.into()))
    }
}
