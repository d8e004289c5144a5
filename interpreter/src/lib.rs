//! The embedding API of wspec: decoding (and, as the spec grows, validation, instantiation and
//! invocation) through the code generated from `spec/`. Nothing here knows an instruction.

pub use wspec_generated::decode::Ctx;
pub use wspec_generated::syntax::Module;
pub use wspec_runtime::DecodeError;

/// A decoded module with the arenas its instruction sequences live in.
#[derive(Clone, Debug)]
pub struct Decoded {
    pub module: Module,
    pub cx: Ctx,
}

impl Decoded {
    /// The module in the spec's notation.
    pub fn show(&self) -> String {
        wspec_generated::show::show(&self.module, &self.cx)
    }
}

/// Decodes a binary module with the decoder generated from the spec's binary grammar.
pub fn decode(bytes: &[u8]) -> Result<Decoded, DecodeError> {
    let (module, cx) = wspec_generated::decode::decode_module(bytes)?;
    Ok(Decoded { module, cx })
}
