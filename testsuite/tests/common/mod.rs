//! A mock engine for the runner's tests.
//!
//! It does not execute Wasm. A module says how the mock should behave in custom sections
//! named `mock` (written `(@custom "mock" "...")` in text modules), one directive per
//! `;`-separated item:
//!
//! | directive | effect |
//! | --- | --- |
//! | `malformed MSG` / `invalid MSG` | `decode` / `validate` fails with that message |
//! | `unlinkable MSG` / `trap MSG` / `exception` | `instantiate` fails so |
//! | `unsupported REASON` | `decode` answers `Unsupported(REASON)` |
//! | `panic` | `decode` panics |
//! | `import NAME` | `instantiate` needs `imports.resolve(NAME)`, else `unknown import` |
//! | `export NAME = V...` | a function returning the values `V...` |
//! | `export NAME echo` | a function returning its arguments |
//! | `export NAME counter` | returns `i32` 1, 2, 3, ... (per instance) |
//! | `export NAME trap MSG` / `exhaust MSG` / `throw` / `panic` / `unsupported R` | so |
//! | `global NAME V` | an exported global |
//!
//! Values: `i32:N`, `i64:N`, `f32:0xBITS`, `f64:0xBITS`, `v128:HEX32` (bytes in order),
//! `null`, `func`, `extern:N` (ref.extern N), `host:N`, `i31:N`, `struct`, `array`, `exn`,
//! `any`, `extern-struct` (an externalised struct).
//!
//! A binary without the `\0asm` header is malformed (`magic header not detected`); a binary
//! cut short is malformed (`unexpected end`). Every call is logged.

#![allow(dead_code)]

use std::collections::HashMap;
use wspec_testsuite::*;

#[derive(Default)]
pub struct Mock {
    pub log: Vec<String>,
    pub modules: Vec<Vec<String>>,
    pub instances: Vec<(usize, HashMap<String, i32>)>,
    /// Answer `Unsupported` to `spectest`.
    pub no_spectest: bool,
    pub resets: usize,
}

const SPECTEST: u64 = 1_000_000;

fn leb(bytes: &[u8], pos: &mut usize) -> Result<u32, EngineError> {
    let mut result = 0u32;
    let mut shift = 0;
    loop {
        let b = *bytes.get(*pos).ok_or_else(|| EngineError::Malformed("unexpected end".into()))?;
        *pos += 1;
        result |= ((b & 0x7f) as u32) << shift;
        if b & 0x80 == 0 {
            return Ok(result);
        }
        shift += 7;
        if shift > 28 {
            return Err(EngineError::Malformed("integer representation too long".into()));
        }
    }
}

/// The `mock` directives of a binary.
fn directives(bytes: &[u8]) -> Result<Vec<String>, EngineError> {
    if bytes.len() < 8 {
        return Err(EngineError::Malformed("unexpected end".into()));
    }
    if &bytes[..4] != b"\0asm" {
        return Err(EngineError::Malformed("magic header not detected".into()));
    }
    if bytes[4..8] != [1, 0, 0, 0] {
        return Err(EngineError::Malformed("unknown binary version".into()));
    }
    let mut pos = 8;
    let mut out = vec![];
    while pos < bytes.len() {
        let id = bytes[pos];
        pos += 1;
        let size = leb(bytes, &mut pos)? as usize;
        let end = pos + size;
        if end > bytes.len() {
            return Err(EngineError::Malformed("unexpected end of section or function".into()));
        }
        if id == 0 {
            let mut p = pos;
            let n = leb(bytes, &mut p)? as usize;
            let name = &bytes[p..p + n];
            if name == b"mock" {
                let text = String::from_utf8_lossy(&bytes[p + n..end]).to_string();
                out.extend(text.split(';').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()));
            }
        }
        pos = end;
    }
    Ok(out)
}

fn num(s: &str) -> u64 {
    if let Some(h) = s.strip_prefix("0x") {
        u64::from_str_radix(h, 16).unwrap()
    } else if let Some(n) = s.strip_prefix('-') {
        (n.parse::<i64>().unwrap()).wrapping_neg() as u64
    } else {
        s.parse().unwrap()
    }
}

pub fn value(s: &str) -> Value {
    let (kind, rest) = s.split_once(':').unwrap_or((s, ""));
    match kind {
        "i32" => Value::I32(num(rest) as u32),
        "i64" => Value::I64(num(rest)),
        "f32" => Value::F32(num(rest) as u32),
        "f64" => Value::F64(num(rest)),
        "v128" => {
            let mut b = [0u8; 16];
            for (i, byte) in b.iter_mut().enumerate() {
                *byte = u8::from_str_radix(&rest[2 * i..2 * i + 2], 16).unwrap();
            }
            Value::V128(b)
        }
        "null" => Value::Ref(Ref::Null(HeapType::Func)),
        "func" => Value::Ref(Ref::Func(7)),
        "extern" => Value::Ref(Ref::extern_host(num(rest) as u32)),
        "host" => Value::Ref(Ref::Host(num(rest) as u32)),
        "i31" => Value::Ref(Ref::I31(num(rest) as u32)),
        "struct" => Value::Ref(Ref::Struct(1)),
        "array" => Value::Ref(Ref::Array(2)),
        "exn" => Value::Ref(Ref::Exn(3)),
        "any" => Value::Ref(Ref::Any(4)),
        "extern-struct" => Value::Ref(Ref::Extern(Box::new(Ref::Struct(1)))),
        other => panic!("mock: unknown value `{other}`"),
    }
}

impl Mock {
    fn find<'a>(&'a self, module: usize, prefix: &str) -> Option<&'a str> {
        self.modules[module].iter().find_map(|d| d.strip_prefix(prefix)).map(|s| s.trim())
    }

    fn exports(&self, module: usize, kind: &str, name: &str) -> Option<String> {
        let prefix = format!("{kind} {name} ");
        self.modules[module].iter().find_map(|d| d.strip_prefix(&prefix).map(|s| s.to_string()))
    }
}

impl Engine for Mock {
    fn name(&self) -> String {
        "mock".into()
    }

    fn reset(&mut self) -> EngineResult<()> {
        self.log.push("reset".into());
        self.resets += 1;
        self.modules.clear();
        self.instances.clear();
        Ok(())
    }

    fn spectest(&mut self) -> EngineResult<InstanceHandle> {
        self.log.push("spectest".into());
        if self.no_spectest {
            return Err(EngineError::Unsupported("no spectest".into()));
        }
        Ok(InstanceHandle(SPECTEST))
    }

    fn decode(&mut self, binary: &[u8]) -> EngineResult<ModuleHandle> {
        self.log.push("decode".into());
        let d = directives(binary)?;
        self.modules.push(d);
        let m = self.modules.len() - 1;
        if let Some(msg) = self.find(m, "malformed ") {
            return Err(EngineError::Malformed(msg.into()));
        }
        if let Some(r) = self.find(m, "unsupported ") {
            return Err(EngineError::Unsupported(r.into()));
        }
        if self.modules[m].iter().any(|d| d == "panic") {
            panic!("mock: decode panics on purpose");
        }
        Ok(ModuleHandle(m as u64))
    }

    fn validate(&mut self, module: ModuleHandle) -> EngineResult<()> {
        self.log.push("validate".into());
        if let Some(msg) = self.find(module.0 as usize, "invalid ") {
            return Err(EngineError::Invalid(msg.into()));
        }
        Ok(())
    }

    fn instantiate(&mut self, module: ModuleHandle, imports: &Imports) -> EngineResult<InstanceHandle> {
        self.log.push("instantiate".into());
        let m = module.0 as usize;
        for d in self.modules[m].clone() {
            if let Some(name) = d.strip_prefix("import ") {
                if imports.resolve(name).is_none() {
                    return Err(EngineError::Unlinkable(format!("unknown import {name}")));
                }
            }
        }
        if let Some(msg) = self.find(m, "unlinkable ") {
            return Err(EngineError::Unlinkable(msg.into()));
        }
        if let Some(msg) = self.find(m, "trap ") {
            return Err(EngineError::Trap(msg.into()));
        }
        if self.modules[m].iter().any(|d| d == "exception") {
            return Err(EngineError::Exception("uncaught".into()));
        }
        self.instances.push((m, HashMap::new()));
        Ok(InstanceHandle(self.instances.len() as u64 - 1))
    }

    fn invoke(&mut self, instance: InstanceHandle, export: &str, args: &[Value]) -> EngineResult<Vec<Value>> {
        self.log.push(format!("invoke {export}"));
        if instance.0 == SPECTEST {
            return Ok(vec![]);
        }
        let (m, _) = self.instances[instance.0 as usize];
        let Some(behaviour) = self.exports(m, "export", export) else {
            return Err(EngineError::Other(format!("no export {export}")));
        };
        let (verb, rest) = behaviour.split_once(' ').unwrap_or((&behaviour, ""));
        match verb {
            "=" => Ok(rest.split_whitespace().map(value).collect()),
            "echo" => Ok(args.to_vec()),
            "counter" => {
                let c = self.instances[instance.0 as usize].1.entry(export.to_string()).or_insert(0);
                *c += 1;
                Ok(vec![Value::I32(*c as u32)])
            }
            "trap" => Err(EngineError::Trap(rest.into())),
            "exhaust" => Err(EngineError::Exhaustion(rest.into())),
            "throw" => Err(EngineError::Exception("tag 0".into())),
            "unsupported" => Err(EngineError::Unsupported(rest.into())),
            "panic" => panic!("mock: invoke panics on purpose"),
            other => panic!("mock: unknown behaviour `{other}`"),
        }
    }

    fn get_global(&mut self, instance: InstanceHandle, export: &str) -> EngineResult<Value> {
        self.log.push(format!("get {export}"));
        let (m, _) = self.instances[instance.0 as usize];
        match self.exports(m, "global", export) {
            Some(v) => Ok(value(&v)),
            None => Err(EngineError::Other(format!("no global {export}"))),
        }
    }
}

/// Runs `text` as a script named `t.wast` with a fresh mock.
pub fn run_mock(text: &str) -> (FileReport, Mock) {
    let mut mock = Mock::default();
    let r = run_script(&mut mock, "t.wast", text);
    (r, mock)
}

/// A minimal JSON parser (for checking `--json` output): values as a tree.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    Arr(Vec<Json>),
    Obj(Vec<(String, Json)>),
}

impl Json {
    pub fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Obj(kv) => kv.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn num(&self) -> f64 {
        match self {
            Json::Num(n) => *n,
            _ => panic!("not a number: {self:?}"),
        }
    }

    pub fn str(&self) -> &str {
        match self {
            Json::Str(s) => s,
            _ => panic!("not a string: {self:?}"),
        }
    }

    pub fn arr(&self) -> &[Json] {
        match self {
            Json::Arr(a) => a,
            _ => panic!("not an array: {self:?}"),
        }
    }
}

pub fn parse_json(text: &str) -> Result<Json, String> {
    let b: Vec<char> = text.chars().collect();
    let mut p = 0;
    let v = json_value(&b, &mut p)?;
    ws(&b, &mut p);
    if p != b.len() {
        return Err(format!("trailing characters at {p}"));
    }
    Ok(v)
}

fn ws(b: &[char], p: &mut usize) {
    while *p < b.len() && b[*p].is_whitespace() {
        *p += 1;
    }
}

fn expect(b: &[char], p: &mut usize, c: char) -> Result<(), String> {
    ws(b, p);
    if b.get(*p) == Some(&c) {
        *p += 1;
        Ok(())
    } else {
        Err(format!("expected `{c}` at {p}"))
    }
}

fn json_string(b: &[char], p: &mut usize) -> Result<String, String> {
    expect(b, p, '"')?;
    let mut s = String::new();
    loop {
        let c = *b.get(*p).ok_or("unterminated string")?;
        *p += 1;
        match c {
            '"' => return Ok(s),
            '\\' => {
                let e = *b.get(*p).ok_or("bad escape")?;
                *p += 1;
                match e {
                    '"' => s.push('"'),
                    '\\' => s.push('\\'),
                    '/' => s.push('/'),
                    'n' => s.push('\n'),
                    'r' => s.push('\r'),
                    't' => s.push('\t'),
                    'b' => s.push('\u{8}'),
                    'f' => s.push('\u{c}'),
                    'u' => {
                        let hex: String = b.get(*p..*p + 4).ok_or("bad \\u")?.iter().collect();
                        *p += 4;
                        s.push(char::from_u32(u32::from_str_radix(&hex, 16).map_err(|e| e.to_string())?).ok_or("bad char")?);
                    }
                    _ => return Err(format!("bad escape `{e}`")),
                }
            }
            c if (c as u32) < 0x20 => return Err("control character in string".into()),
            c => s.push(c),
        }
    }
}

fn json_value(b: &[char], p: &mut usize) -> Result<Json, String> {
    ws(b, p);
    match b.get(*p) {
        Some('{') => {
            *p += 1;
            let mut kv = vec![];
            ws(b, p);
            if b.get(*p) == Some(&'}') {
                *p += 1;
                return Ok(Json::Obj(kv));
            }
            loop {
                ws(b, p);
                let k = json_string(b, p)?;
                expect(b, p, ':')?;
                kv.push((k, json_value(b, p)?));
                ws(b, p);
                match b.get(*p) {
                    Some(',') => *p += 1,
                    Some('}') => {
                        *p += 1;
                        return Ok(Json::Obj(kv));
                    }
                    _ => return Err(format!("expected `,` or `}}` at {p}")),
                }
            }
        }
        Some('[') => {
            *p += 1;
            let mut a = vec![];
            ws(b, p);
            if b.get(*p) == Some(&']') {
                *p += 1;
                return Ok(Json::Arr(a));
            }
            loop {
                a.push(json_value(b, p)?);
                ws(b, p);
                match b.get(*p) {
                    Some(',') => *p += 1,
                    Some(']') => {
                        *p += 1;
                        return Ok(Json::Arr(a));
                    }
                    _ => return Err(format!("expected `,` or `]` at {p}")),
                }
            }
        }
        Some('"') => Ok(Json::Str(json_string(b, p)?)),
        Some('t') if b[*p..].starts_with(&['t', 'r', 'u', 'e']) => {
            *p += 4;
            Ok(Json::Bool(true))
        }
        Some('f') if b[*p..].starts_with(&['f', 'a', 'l', 's', 'e']) => {
            *p += 5;
            Ok(Json::Bool(false))
        }
        Some('n') if b[*p..].starts_with(&['n', 'u', 'l', 'l']) => {
            *p += 4;
            Ok(Json::Null)
        }
        Some(c) if *c == '-' || c.is_ascii_digit() => {
            let start = *p;
            while *p < b.len() && (b[*p].is_ascii_digit() || "+-.eE".contains(b[*p])) {
                *p += 1;
            }
            let s: String = b[start..*p].iter().collect();
            s.parse().map(Json::Num).map_err(|_| format!("bad number `{s}`"))
        }
        _ => Err(format!("unexpected input at {p}")),
    }
}
