//! Reading `.wast` scripts: the `wast` crate parses them, and this module turns its directives
//! into owned [`Command`]s, with text modules already encoded to binary by `wast`.
//!
//! Nothing here looks inside a module: a module is bytes (or the text front end's reason for
//! not producing any).

use crate::pattern::{Expected, FloatPat, RefPat, V128Pat};
use crate::value::{HeapType, Ref, Value};
use wast::core::{AbstractHeapType, NanPattern, V128Pattern, WastArgCore, WastRetCore};
use wast::parser::{self, ParseBuffer};
use wast::token::{Id, Index, Span};
use wast::{QuoteWat, Wast, WastArg, WastDirective, WastExecute, WastInvoke, WastRet, Wat};

/// How a module was written in the script.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModuleForm {
    /// `(module ...)` in the text format, encoded by `wast`.
    Text,
    /// `(module binary "...")`.
    Binary,
    /// `(module quote "...")`: text in strings, parsed and encoded by `wast`.
    Quote,
    /// A `(component ...)`: not core Wasm; every command with one is skipped.
    Component,
}

/// A module of the script.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModuleSrc {
    pub form: ModuleForm,
    /// The binary module, or why the text front end (`wast`) could not produce it.
    pub binary: Result<Vec<u8>, String>,
}

/// An action: something that runs code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// `(invoke $I? "name" arg*)`. The arguments are `Err(reason)` when the runner cannot
    /// express one of them (a `ref.null` of a symbolic type, say): the command is skipped.
    Invoke { instance: Option<String>, export: String, args: Result<Vec<Value>, String> },
    /// `(get $I? "name")`.
    Get { instance: Option<String>, export: String },
    /// A module to instantiate (in `assert_trap (module ...)` and the like); no results.
    Instantiate(ModuleSrc),
}

/// A command of a script.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// `(module $M? ...)` (instantiate: true), or `(module definition $M? ...)` (false).
    Module { name: Option<String>, module: ModuleSrc, instantiate: bool },
    /// `(module instance $I? $M?)`.
    Instance { instance: Option<String>, module: Option<String> },
    /// `(register "name" $I?)`.
    Register { name: String, instance: Option<String> },
    /// A bare `(invoke ...)`: it must not trap.
    Action(Action),
    /// `(assert_return action result*)`; `Err(reason)` when a pattern cannot be expressed.
    AssertReturn { action: Action, expected: Result<Vec<Expected>, String> },
    /// `(assert_trap action "msg")`, the action being an invocation or a module.
    AssertTrap { action: Action, message: String },
    /// `(assert_exhaustion action "msg")`.
    AssertExhaustion { action: Action, message: String },
    /// `(assert_exception action)`.
    AssertException { action: Action },
    /// `(assert_malformed module "msg")`.
    AssertMalformed { module: ModuleSrc, message: String },
    /// `(assert_invalid module "msg")`.
    AssertInvalid { module: ModuleSrc, message: String },
    /// `(assert_unlinkable module "msg")`.
    AssertUnlinkable { module: ModuleSrc, message: String },
    /// A command the runner does not run (`thread`, `wait`, `assert_suspension`, the custom
    /// section assertions): always reported as skipped, with this reason.
    Unsupported { kind: &'static str, reason: String },
}

impl Command {
    /// The command's keyword, for reports: `module`, `assert_return`, ...
    pub fn kind(&self) -> &'static str {
        match self {
            Command::Module { instantiate: true, .. } => "module",
            Command::Module { instantiate: false, .. } => "module definition",
            Command::Instance { .. } => "module instance",
            Command::Register { .. } => "register",
            Command::Action(Action::Invoke { .. }) => "invoke",
            Command::Action(Action::Get { .. }) => "get",
            Command::Action(Action::Instantiate(_)) => "module",
            Command::AssertReturn { .. } => "assert_return",
            Command::AssertTrap { .. } => "assert_trap",
            Command::AssertExhaustion { .. } => "assert_exhaustion",
            Command::AssertException { .. } => "assert_exception",
            Command::AssertMalformed { .. } => "assert_malformed",
            Command::AssertInvalid { .. } => "assert_invalid",
            Command::AssertUnlinkable { .. } => "assert_unlinkable",
            Command::Unsupported { kind, .. } => kind,
        }
    }

    /// Whether this is an assertion (`assert_*`).
    pub fn is_assertion(&self) -> bool {
        self.kind().starts_with("assert_")
    }
}

/// A command with its position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Located {
    /// 1-based line of the command in the script.
    pub line: usize,
    pub command: Command,
}

/// A parsed script.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Script {
    pub commands: Vec<Located>,
}

impl Script {
    /// The number of assertions (`assert_*` commands).
    pub fn assertions(&self) -> usize {
        self.commands.iter().filter(|c| c.command.is_assertion()).count()
    }
}

/// A script the `wast` crate could not parse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// 1-based line of the error.
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// Maps byte offsets to 1-based line numbers.
struct Lines(Vec<usize>);

impl Lines {
    fn new(text: &str) -> Lines {
        let mut starts = vec![0];
        starts.extend(text.bytes().enumerate().filter(|(_, b)| *b == b'\n').map(|(i, _)| i + 1));
        Lines(starts)
    }

    fn line(&self, span: Span) -> usize {
        let off = span.offset();
        match self.0.binary_search(&off) {
            Ok(i) => i + 1,
            Err(i) => i,
        }
    }
}

/// Parses a script. Text and quoted modules are encoded to binary here (the text front end);
/// a module `wast` rejects becomes `ModuleSrc { binary: Err(message), .. }`, not an error.
pub fn parse(text: &str) -> Result<Script, ParseError> {
    let lines = Lines::new(text);
    let mut lexer = wast::lexer::Lexer::new(text);
    lexer.allow_confusing_unicode(true);
    let err = |e: wast::Error| ParseError { line: lines.line(e.span()), message: e.message() };
    let buf = ParseBuffer::new_with_lexer(lexer).map_err(err)?;
    let wast = parser::parse::<Wast>(&buf).map_err(err)?;
    let mut commands = Vec::with_capacity(wast.directives.len());
    for d in wast.directives {
        let line = lines.line(d.span());
        commands.push(Located { line, command: convert(d) });
    }
    Ok(Script { commands })
}

fn id(id: Option<Id<'_>>) -> Option<String> {
    id.map(|i| i.name().to_string())
}

fn encode_error(e: wast::Error) -> String {
    e.message()
}

fn quote_wat(mut q: QuoteWat<'_>) -> ModuleSrc {
    let form = match &q {
        QuoteWat::Wat(Wat::Module(m)) => match m.kind {
            wast::core::ModuleKind::Text(_) => ModuleForm::Text,
            wast::core::ModuleKind::Binary(_) => ModuleForm::Binary,
        },
        QuoteWat::Wat(Wat::Component(_)) | QuoteWat::QuoteComponent(..) => ModuleForm::Component,
        QuoteWat::QuoteModule(..) => ModuleForm::Quote,
    };
    if form == ModuleForm::Component {
        return ModuleSrc { form, binary: Err(COMPONENT.into()) };
    }
    ModuleSrc { form, binary: q.encode().map_err(encode_error) }
}

fn wat(w: Wat<'_>) -> ModuleSrc {
    quote_wat(QuoteWat::Wat(w))
}

const COMPONENT: &str = "component model (not core Wasm)";

fn invoke(i: WastInvoke<'_>) -> Action {
    Action::Invoke {
        instance: id(i.module),
        export: i.name.to_string(),
        args: i.args.into_iter().map(arg).collect(),
    }
}

fn execute(e: WastExecute<'_>) -> Action {
    match e {
        WastExecute::Invoke(i) => invoke(i),
        WastExecute::Wat(w) => Action::Instantiate(wat(w)),
        WastExecute::Get { module, global, .. } => {
            Action::Get { instance: id(module), export: global.to_string() }
        }
    }
}

fn convert(d: WastDirective<'_>) -> Command {
    match d {
        WastDirective::Module(q) => {
            let name = id(q.name());
            Command::Module { name, module: quote_wat(q), instantiate: true }
        }
        WastDirective::ModuleDefinition(q) => {
            let name = id(q.name());
            Command::Module { name, module: quote_wat(q), instantiate: false }
        }
        WastDirective::ModuleInstance { instance, module, .. } => {
            Command::Instance { instance: id(instance), module: id(module) }
        }
        WastDirective::Register { name, module, .. } => {
            Command::Register { name: name.to_string(), instance: id(module) }
        }
        WastDirective::Invoke(i) => Command::Action(invoke(i)),
        WastDirective::AssertReturn { exec, results, .. } => Command::AssertReturn {
            action: execute(exec),
            expected: results.into_iter().map(ret).collect(),
        },
        WastDirective::AssertTrap { exec, message, .. } => {
            Command::AssertTrap { action: execute(exec), message: message.to_string() }
        }
        WastDirective::AssertExhaustion { call, message, .. } => {
            Command::AssertExhaustion { action: invoke(call), message: message.to_string() }
        }
        WastDirective::AssertException { exec, .. } => Command::AssertException { action: execute(exec) },
        WastDirective::AssertMalformed { module, message, .. } => {
            Command::AssertMalformed { module: quote_wat(module), message: message.to_string() }
        }
        WastDirective::AssertInvalid { module, message, .. } => {
            Command::AssertInvalid { module: quote_wat(module), message: message.to_string() }
        }
        WastDirective::AssertUnlinkable { module, message, .. } => {
            Command::AssertUnlinkable { module: wat(module), message: message.to_string() }
        }
        WastDirective::AssertInvalidCustom { .. } => Command::Unsupported {
            kind: "assert_invalid_custom",
            reason: "custom-section assertions (not in the core script format)".into(),
        },
        WastDirective::AssertMalformedCustom { .. } => Command::Unsupported {
            kind: "assert_malformed_custom",
            reason: "custom-section assertions (not in the core script format)".into(),
        },
        WastDirective::AssertSuspension { .. } => Command::Unsupported {
            kind: "assert_suspension",
            reason: "stack switching (assert_suspension)".into(),
        },
        WastDirective::Thread(_) => Command::Unsupported {
            kind: "thread",
            reason: "threads (thread and wait commands)".into(),
        },
        WastDirective::Wait { .. } => Command::Unsupported {
            kind: "wait",
            reason: "threads (thread and wait commands)".into(),
        },
    }
}

fn heap_type(ht: wast::core::HeapType<'_>) -> Result<HeapType, String> {
    use wast::core::HeapType as H;
    let index = |i: Index<'_>| match i {
        Index::Num(n, _) => Ok(n),
        Index::Id(id) => Err(format!("symbolic type index ${} in a script value", id.name())),
    };
    Ok(match ht {
        H::Abstract { shared: true, .. } => {
            return Err("shared heap types (shared-everything threads)".into());
        }
        H::Abstract { shared: false, ty } => match ty {
            AbstractHeapType::Func => HeapType::Func,
            AbstractHeapType::Extern => HeapType::Extern,
            AbstractHeapType::Exn => HeapType::Exn,
            AbstractHeapType::Cont => HeapType::Cont,
            AbstractHeapType::Any => HeapType::Any,
            AbstractHeapType::Eq => HeapType::Eq,
            AbstractHeapType::Struct => HeapType::Struct,
            AbstractHeapType::Array => HeapType::Array,
            AbstractHeapType::I31 => HeapType::I31,
            AbstractHeapType::NoFunc => HeapType::NoFunc,
            AbstractHeapType::NoExtern => HeapType::NoExtern,
            AbstractHeapType::None => HeapType::None,
            AbstractHeapType::NoExn => HeapType::NoExn,
            AbstractHeapType::NoCont => HeapType::NoCont,
        },
        H::Concrete(i) => HeapType::Concrete(index(i)?),
        H::Exact(i) => HeapType::Exact(index(i)?),
    })
}

fn arg(a: WastArg<'_>) -> Result<Value, String> {
    let WastArg::Core(a) = a else {
        return Err(COMPONENT.into());
    };
    Ok(match a {
        WastArgCore::I32(v) => Value::I32(v as u32),
        WastArgCore::I64(v) => Value::I64(v as u64),
        WastArgCore::F32(v) => Value::F32(v.bits),
        WastArgCore::F64(v) => Value::F64(v.bits),
        WastArgCore::V128(v) => Value::V128(v.to_le_bytes()),
        WastArgCore::RefNull(ht) => Value::Ref(Ref::Null(heap_type(ht)?)),
        WastArgCore::RefExtern(n) => Value::Ref(Ref::extern_host(n)),
        WastArgCore::RefHost(n) => Value::Ref(Ref::Host(n)),
    })
}

fn f32_pat(p: NanPattern<wast::token::F32>) -> FloatPat<u32> {
    match p {
        NanPattern::CanonicalNan => FloatPat::CanonicalNan,
        NanPattern::ArithmeticNan => FloatPat::ArithmeticNan,
        NanPattern::Value(v) => FloatPat::Bits(v.bits),
    }
}

fn f64_pat(p: NanPattern<wast::token::F64>) -> FloatPat<u64> {
    match p {
        NanPattern::CanonicalNan => FloatPat::CanonicalNan,
        NanPattern::ArithmeticNan => FloatPat::ArithmeticNan,
        NanPattern::Value(v) => FloatPat::Bits(v.bits),
    }
}

fn ret(r: WastRet<'_>) -> Result<Expected, String> {
    let WastRet::Core(r) = r else {
        return Err(COMPONENT.into());
    };
    ret_core(r)
}

fn ret_core(r: WastRetCore<'_>) -> Result<Expected, String> {
    Ok(match r {
        WastRetCore::I32(v) => Expected::I32(v as u32),
        WastRetCore::I64(v) => Expected::I64(v as u64),
        WastRetCore::F32(p) => Expected::F32(f32_pat(p)),
        WastRetCore::F64(p) => Expected::F64(f64_pat(p)),
        WastRetCore::V128(p) => Expected::V128(match p {
            V128Pattern::I8x16(l) => V128Pat::I8x16(l.map(|x| x as u8)),
            V128Pattern::I16x8(l) => V128Pat::I16x8(l.map(|x| x as u16)),
            V128Pattern::I32x4(l) => V128Pat::I32x4(l.map(|x| x as u32)),
            V128Pattern::I64x2(l) => V128Pat::I64x2(l.map(|x| x as u64)),
            V128Pattern::F32x4(l) => V128Pat::F32x4(l.map(f32_pat)),
            V128Pattern::F64x2(l) => V128Pat::F64x2(l.map(f64_pat)),
        }),
        // As in the reference interpreter, every null matches `ref.null`, whatever the type.
        WastRetCore::RefNull(_) => Expected::Ref(RefPat::Null),
        WastRetCore::RefExtern(n) => Expected::Ref(RefPat::Extern(n)),
        WastRetCore::RefHost(n) => Expected::Ref(RefPat::Host(n)),
        // `ref.func` with an index (a `wast` extension) is checked as `ref.func`: the runner
        // cannot tell functions apart.
        WastRetCore::RefFunc(_) => Expected::Ref(RefPat::Func),
        WastRetCore::RefAny => Expected::Ref(RefPat::Any),
        WastRetCore::RefEq => Expected::Ref(RefPat::Eq),
        WastRetCore::RefArray => Expected::Ref(RefPat::Array),
        WastRetCore::RefStruct => Expected::Ref(RefPat::Struct),
        WastRetCore::RefI31 => Expected::Ref(RefPat::I31),
        WastRetCore::RefI31Shared => return Err("ref.i31_shared (shared-everything threads)".into()),
        WastRetCore::Either(alts) => {
            Expected::Either(alts.into_iter().map(ret_core).collect::<Result<_, _>>()?)
        }
    })
}
