//! `wspec decode FILE`: decode a module (`.wasm`, or text `.wat` encoded by the `wast` crate)
//! with the decoder generated from the spec, and print it in the spec's notation.

use std::path::Path;
use std::process::ExitCode;

pub fn run(args: &[String]) -> ExitCode {
    let mut file = None;
    let mut quiet = false;
    for a in args {
        match a.as_str() {
            "--quiet" | "-q" => quiet = true,
            s if s.starts_with('-') => {
                eprintln!("error: unknown option `{s}`\nusage: wspec decode [--quiet] FILE");
                return ExitCode::from(2);
            }
            s => file = Some(s.to_string()),
        }
    }
    let Some(file) = file else {
        eprintln!("usage: wspec decode [--quiet] FILE");
        return ExitCode::from(2);
    };
    let bytes = match module_bytes(Path::new(&file)) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    let start = std::time::Instant::now();
    match wspec_generated::decode::decode_module(&bytes) {
        Ok((module, cx)) => {
            let took = start.elapsed();
            if quiet {
                say!("{file}: decoded {} bytes in {:.2?}", bytes.len(), took);
            } else {
                say!("{}", wspec_generated::show::show(&module, &cx));
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: malformed module `{file}`: {} (at byte offset {:#x})", e.message, e.offset);
            ExitCode::from(1)
        }
    }
}

/// The binary of a module file: `.wasm` as is; text is encoded with the `wast` crate.
pub fn module_bytes(path: &Path) -> Result<Vec<u8>, String> {
    let data = std::fs::read(path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
    if data.starts_with(b"\0asm") {
        return Ok(data);
    }
    let text = String::from_utf8(data).map_err(|_| format!("`{}` is neither a binary module nor UTF-8 text", path.display()))?;
    let buf = wast::parser::ParseBuffer::new(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut wat = wast::parser::parse::<wast::Wat>(&buf).map_err(|mut e| {
        e.set_path(path);
        e.set_text(&text);
        format!("{e}")
    })?;
    wat.encode().map_err(|mut e| {
        e.set_path(path);
        e.set_text(&text);
        format!("{e}")
    })
}
