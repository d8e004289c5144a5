//! Source files of a spec, and loading a spec directory.

use codespan_reporting::files::SimpleFiles;
use std::path::{Path, PathBuf};

/// All source files of one spec, in load order. File ids index into it.
pub struct SourceMap {
    files: SimpleFiles<String, String>,
    names: Vec<String>,
}

impl Default for SourceMap {
    fn default() -> Self {
        SourceMap::new()
    }
}

impl SourceMap {
    pub fn new() -> SourceMap {
        SourceMap { files: SimpleFiles::new(), names: Vec::new() }
    }

    pub fn add(&mut self, name: impl Into<String>, text: impl Into<String>) -> usize {
        let name = name.into();
        self.names.push(name.clone());
        self.files.add(name, text.into())
    }

    pub fn files(&self) -> &SimpleFiles<String, String> {
        &self.files
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    pub fn name(&self, file: usize) -> &str {
        &self.names[file]
    }

    pub fn text(&self, file: usize) -> &str {
        match self.files.get(file) {
            Ok(f) => f.source(),
            Err(_) => "",
        }
    }

    /// 1-based line of a byte offset.
    pub fn line_of(&self, file: usize, offset: u32) -> usize {
        let text = self.text(file);
        let end = (offset as usize).min(text.len());
        text.as_bytes()[..end].iter().filter(|&&b| b == b'\n').count() + 1
    }
}

/// The `.wspec` files of a spec directory, sorted by name (the order of the chapters).
pub fn spec_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.extension().and_then(|e| e.to_str()) == Some("wspec") && path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// Loads every `.wspec` file of a directory into a source map, naming files relative to the
/// directory's parent (`spec/1.2-types.wspec`), so diagnostics and generated comments read well.
pub fn load_dir(dir: &Path) -> Result<SourceMap, String> {
    let files = spec_files(dir).map_err(|e| format!("cannot read spec directory `{}`: {e}", dir.display()))?;
    if files.is_empty() {
        return Err(format!("no `.wspec` files in `{}`", dir.display()));
    }
    let mut map = SourceMap::new();
    let prefix = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    for path in files {
        let bytes = std::fs::read(&path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
        let text = String::from_utf8(bytes).map_err(|_| format!("`{}` is not valid UTF-8", path.display()))?;
        let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let name = if prefix.is_empty() { file_name } else { format!("{prefix}/{file_name}") };
        map.add(name, text);
    }
    Ok(map)
}
