//! wspec as a conformance oracle: a module and a list of invocations in, everything the standard
//! determines about the run out. Results carry what the standard allows rather than the one value
//! this run happened to produce: where an operator picked a NaN out of the set `$nans_` allows,
//! later NaN results are reported as that set. Traps carry their kind, so that engines can be
//! compared on why they trapped and not on their wording; the final state of every exported
//! global, memory and table is part of the answer.

use crate::{export, Error, Interp, Limits};
use std::rc::Rc;
use wspec_generated::syntax::{self as s, Numtype};

/// A call of an exported function with arguments.
#[derive(Clone, Debug)]
pub struct Invocation {
    pub export: String,
    pub args: Vec<s::Val>,
}

/// A value, or the set of values the standard allows in its place.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Allowed {
    Exact(s::Val),
    /// Any NaN of this width (32 or 64) whose quiet bit is set, of either sign: the values
    /// `$nans_` allows once a NaN payload was chosen.
    ArithmeticNan(u32),
}

impl Allowed {
    /// What the standard allows in place of `v`, a value of a run that has made `nan_choices`
    /// choices of NaNs so far.
    pub fn of(v: &s::Val, nan_choices: u64) -> Allowed {
        if nan_choices > 0 {
            if let Some(width) = quiet_nan_width(v) {
                return Allowed::ArithmeticNan(width);
            }
        }
        Allowed::Exact(v.clone())
    }

    /// Whether a value of another engine is one of these.
    pub fn admits(&self, v: &s::Val) -> bool {
        match self {
            Allowed::Exact(x) => x == v,
            Allowed::ArithmeticNan(w) => quiet_nan_width(v) == Some(*w),
        }
    }
}

/// The width of a float value that is a NaN with its quiet bit set.
fn quiet_nan_width(v: &s::Val) -> Option<u32> {
    let (width, bits) = match v {
        s::Val::Num_(s::Num_(Numtype::F32, s::Num::Fnn(b) | s::Num::Inn(b))) => (32, *b),
        s::Val::Num_(s::Num_(Numtype::F64, s::Num::Fnn(b) | s::Num::Inn(b))) => (64, *b),
        _ => return None,
    };
    let mant = if width == 32 { 23 } else { 52 };
    let exp_mask = (1u64 << (width - 1 - mant)) - 1;
    let quiet = 1u64 << (mant - 1);
    ((bits >> mant) & exp_mask == exp_mask && bits & quiet != 0).then_some(width)
}

/// Why a run trapped, as engines can agree on it: the standard fixes the condition, not the
/// wording. The spec's messages are those of the official test suite.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TrapKind {
    Unreachable,
    MemoryOutOfBounds,
    /// A table index out of bounds, `call_indirect` past the end of its table included.
    TableOutOfBounds,
    /// A null reference where a function, structure, array, exception or other reference was
    /// needed, an uninitialised table element called included.
    NullReference,
    IndirectCallTypeMismatch,
    IntegerDivideByZero,
    IntegerOverflow,
    InvalidConversionToInteger,
    CastFailure,
    ArrayOutOfBounds,
    /// A trap of a host function or a message this list does not know.
    Other,
}

impl TrapKind {
    /// The kind of a trap of wspec from its message.
    pub fn of_message(message: &str) -> TrapKind {
        const BY_PREFIX: [(&str, TrapKind); 13] = [
            ("unreachable", TrapKind::Unreachable),
            ("out of bounds memory access", TrapKind::MemoryOutOfBounds),
            ("out of bounds table access", TrapKind::TableOutOfBounds),
            ("undefined element", TrapKind::TableOutOfBounds),
            ("uninitialized element", TrapKind::NullReference),
            ("null", TrapKind::NullReference),
            ("indirect call type mismatch", TrapKind::IndirectCallTypeMismatch),
            ("integer divide by zero", TrapKind::IntegerDivideByZero),
            ("integer overflow", TrapKind::IntegerOverflow),
            ("invalid conversion to integer", TrapKind::InvalidConversionToInteger),
            ("cast failure", TrapKind::CastFailure),
            ("out of bounds array access", TrapKind::ArrayOutOfBounds),
            ("undefined result", TrapKind::Other),
        ];
        BY_PREFIX.iter().find(|(prefix, _)| message.starts_with(prefix)).map_or(TrapKind::Other, |(_, k)| *k)
    }

    pub fn name(self) -> &'static str {
        match self {
            TrapKind::Unreachable => "unreachable",
            TrapKind::MemoryOutOfBounds => "memory out of bounds",
            TrapKind::TableOutOfBounds => "table out of bounds",
            TrapKind::NullReference => "null reference",
            TrapKind::IndirectCallTypeMismatch => "indirect call type mismatch",
            TrapKind::IntegerDivideByZero => "integer divide by zero",
            TrapKind::IntegerOverflow => "integer overflow",
            TrapKind::InvalidConversionToInteger => "invalid conversion to integer",
            TrapKind::CastFailure => "cast failure",
            TrapKind::ArrayOutOfBounds => "array out of bounds",
            TrapKind::Other => "other",
        }
    }
}

/// What a call did: its results, or why it has none.
#[derive(Clone, Debug)]
pub struct Call {
    pub export: String,
    pub args: Vec<s::Val>,
    pub outcome: Result<Vec<Allowed>, Error>,
    /// Steps the call took.
    pub steps: u64,
}

/// A reference in a table, as far as another engine can tell it apart: whether it is null and
/// what it refers to (addresses are the engine's own, and not compared).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RefShape {
    Null,
    Func,
    Extern,
    I31(u32),
    Struct,
    Array,
    Exception,
}

impl RefShape {
    pub fn of(r: &s::Ref) -> RefShape {
        match r {
            s::Ref::RefNull(_) => RefShape::Null,
            s::Ref::RefI31Num(i) => RefShape::I31(*i as u32),
            s::Ref::RefStructAddr(_) => RefShape::Struct,
            s::Ref::RefArrayAddr(_) => RefShape::Array,
            s::Ref::RefFuncAddr(_) => RefShape::Func,
            s::Ref::RefExnAddr(_) => RefShape::Exception,
            s::Ref::RefHostAddr(_) | s::Ref::RefExtern(_) => RefShape::Extern,
        }
    }

    pub fn name(&self) -> String {
        match self {
            RefShape::Null => "null".into(),
            RefShape::Func => "func".into(),
            RefShape::Extern => "extern".into(),
            RefShape::I31(i) => format!("i31 {i}"),
            RefShape::Struct => "struct".into(),
            RefShape::Array => "array".into(),
            RefShape::Exception => "exn".into(),
        }
    }
}

/// The state of an export after the calls.
#[derive(Clone, Debug)]
pub enum ExportState {
    Func,
    Tag,
    Global(Allowed),
    Memory(Vec<u8>),
    Table(Vec<RefShape>),
}

/// Everything one evaluation determined.
#[derive(Clone, Debug)]
pub struct Evaluation {
    /// Decoding, validation, linking and instantiation (segments and the start function).
    pub instantiation: Result<(), Error>,
    pub calls: Vec<Call>,
    /// Every export of the instance, in the module's order, after the last call.
    pub exports: Vec<(String, ExportState)>,
    /// NaNs picked out of allowed sets during the whole run: where it is not zero, memories
    /// may hold bytes another engine rightly writes differently.
    pub nan_choices: u64,
}

/// Decodes, validates and instantiates a module without imports, then makes the calls in order
/// on the one instance (a call that traps leaves the store as the trap left it).
pub fn evaluate(bytes: &[u8], invocations: &[Invocation], limits: &Limits) -> Evaluation {
    let mut it = Interp::new();
    it.limits = limits.clone();
    let base = wspec_runtime::builtins::nan_choices();
    let mut ev = Evaluation { instantiation: Ok(()), calls: Vec::new(), exports: Vec::new(), nan_choices: 0 };
    let instance = it.decode(bytes).and_then(|m| {
        it.validate(&m)?;
        if let Some(s::Import(module, name, _)) = m.imports.first() {
            let (module, name): (String, String) = (module.iter().collect(), name.iter().collect());
            return Err(Error::Uninstantiable(format!("unknown import `{module}` `{name}` (the oracle provides no imports)")));
        }
        it.instantiate(&m, Vec::new())
    });
    let mm = match instance {
        Ok(mm) => mm,
        Err(e) => {
            ev.instantiation = Err(e);
            ev.nan_choices = wspec_runtime::builtins::nan_choices() - base;
            return ev;
        }
    };
    for inv in invocations {
        let outcome = match export(&mm, &inv.export) {
            Some(s::Externaddr::Func(fa)) => it.invoke(fa, inv.args.clone()),
            _ => Err(Error::Stuck(format!("no exported function `{}`", inv.export))),
        };
        let chosen = wspec_runtime::builtins::nan_choices() - base;
        let outcome = outcome.map(|vals| vals.iter().map(|v| Allowed::of(v, chosen)).collect());
        ev.calls.push(Call { export: inv.export.clone(), args: inv.args.clone(), outcome, steps: it.steps });
    }
    ev.nan_choices = wspec_runtime::builtins::nan_choices() - base;
    ev.exports = exported_state(&it, &mm, ev.nan_choices);
    ev
}

/// The state of every export of an instance (an export whose address is not in the store, which
/// instantiation never makes, is left out).
pub fn exported_state(it: &Interp, mm: &Rc<s::Moduleinst>, nan_choices: u64) -> Vec<(String, ExportState)> {
    mm.exports
        .iter()
        .filter_map(|x| {
            let at = |a: u64| usize::try_from(a).ok();
            let state = match x.addr {
                s::Externaddr::Func(_) => ExportState::Func,
                s::Externaddr::Tag(_) => ExportState::Tag,
                s::Externaddr::Global(a) => ExportState::Global(Allowed::of(&it.store.globals.get(at(a)?)?.value, nan_choices)),
                s::Externaddr::Mem(a) => ExportState::Memory(it.store.mems.get(at(a)?)?.bytes.clone()),
                s::Externaddr::Table(a) => ExportState::Table(it.store.tables.get(at(a)?)?.refs.iter().map(RefShape::of).collect()),
            };
            Some((x.name.iter().collect(), state))
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// JSON, written by hand: one document per evaluation, stable field names for scripts.

pub mod json {
    use super::*;

    /// A JSON string literal.
    pub fn string(s: &str) -> String {
        let mut out = String::with_capacity(s.len() + 2);
        out.push('"');
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
                c => out.push(c),
            }
        }
        out.push('"');
        out
    }

    /// A JSON object of fields whose values are JSON already, on one line.
    pub fn object(fields: &[(&str, String)]) -> String {
        let body: Vec<String> = fields.iter().map(|(k, v)| format!("{}: {v}", string(k))).collect();
        format!("{{{}}}", body.join(", "))
    }

    pub fn array(items: impl IntoIterator<Item = String>) -> String {
        format!("[{}]", items.into_iter().collect::<Vec<_>>().join(", "))
    }

    /// A value: its type, the value as text and, for numbers and vectors, its bit pattern.
    pub fn value(v: &s::Val) -> String {
        let (ty, text, bits) = match v {
            s::Val::Num_(s::Num_(n, s::Num::Inn(b) | s::Num::Fnn(b))) => {
                let (text, bits) = match n {
                    Numtype::I32 => ((*b as u32 as i32).to_string(), format!("{:#010x}", *b as u32)),
                    Numtype::I64 => ((*b as i64).to_string(), format!("{:#018x}", b)),
                    Numtype::F32 => (float_text(*b, 32), format!("{:#010x}", *b as u32)),
                    Numtype::F64 => (float_text(*b, 64), format!("{:#018x}", b)),
                };
                (num_name(*n).to_string(), text, Some(bits))
            }
            s::Val::Vec__(s::Vec__(_, b)) => ("v128".to_string(), format!("{b:#034x}"), Some(format!("{b:#034x}"))),
            s::Val::Ref(r) => ("ref".to_string(), RefShape::of(r).name(), None),
        };
        let mut fields = vec![("type", string(&ty)), ("value", string(&text))];
        if let Some(b) = bits {
            fields.push(("bits", string(&b)));
        }
        object(&fields)
    }

    /// An allowed value: the value, or the set (`{"type": "f32", "nan": "arithmetic"}`).
    pub fn allowed(a: &Allowed) -> String {
        match a {
            Allowed::Exact(v) => value(v),
            Allowed::ArithmeticNan(w) => object(&[("type", string(&format!("f{w}"))), ("nan", string("arithmetic"))]),
        }
    }

    /// An error: its kind, its message and, for a trap, the kind of trap.
    pub fn error(e: &Error) -> String {
        let mut fields = vec![("kind", string(kind(e))), ("message", string(&message(e)))];
        if let Error::Trap(m) = e {
            fields.push(("trap", string(TrapKind::of_message(m).name())));
        }
        object(&fields)
    }

    pub fn kind(e: &Error) -> &'static str {
        match e {
            Error::Malformed(_) => "malformed",
            Error::Invalid(_) => "invalid",
            Error::Uninstantiable(_) => "uninstantiable",
            Error::Trap(_) => "trap",
            Error::Exception(_) => "exception",
            Error::Exhaustion(_) => "exhaustion",
            Error::Stuck(_) => "stuck",
        }
    }

    pub fn message(e: &Error) -> String {
        match e {
            Error::Malformed(m) | Error::Invalid(m) | Error::Uninstantiable(m) | Error::Trap(m) | Error::Exhaustion(m) | Error::Stuck(m) => {
                m.clone()
            }
            Error::Exception(a) => format!("uncaught exception (exception address {a})"),
        }
    }

    /// The exports after the run: globals by value, memories by size and their runs of nonzero
    /// bytes (most of a memory is zero), tables by the shape of each element.
    pub fn exports(xs: &[(String, ExportState)]) -> String {
        array(xs.iter().map(|(name, st)| {
            let mut fields = vec![("name", string(name))];
            match st {
                ExportState::Func => fields.push(("kind", string("func"))),
                ExportState::Tag => fields.push(("kind", string("tag"))),
                ExportState::Global(a) => {
                    fields.push(("kind", string("global")));
                    fields.push(("value", allowed(a)));
                }
                ExportState::Memory(bytes) => {
                    fields.push(("kind", string("memory")));
                    fields.push(("size", bytes.len().to_string()));
                    fields.push(("nonzero", array(nonzero_runs(bytes).map(|(at, run)| format!("[{at}, {}]", string(&hex(run)))))));
                }
                ExportState::Table(refs) => {
                    fields.push(("kind", string("table")));
                    fields.push(("elements", array(refs.iter().map(|r| string(&r.name())))));
                }
            }
            object(&fields)
        }))
    }

    /// The whole evaluation as one JSON document.
    pub fn evaluation(ev: &Evaluation) -> String {
        let inst = match &ev.instantiation {
            Ok(()) => string("ok"),
            Err(e) => error(e),
        };
        let calls = array(ev.calls.iter().map(call));
        object(&[
            ("instantiation", inst),
            ("calls", calls),
            ("exports", exports(&ev.exports)),
            ("nan_choices", ev.nan_choices.to_string()),
        ])
    }

    pub fn call(c: &Call) -> String {
        object(&call_fields(c))
    }

    /// The fields of a call's object, for a document that adds its own.
    pub fn call_fields(c: &Call) -> Vec<(&'static str, String)> {
        let mut fields = vec![("function", string(&c.export)), ("args", array(c.args.iter().map(value)))];
        match &c.outcome {
            Ok(vals) => fields.push(("results", array(vals.iter().map(allowed)))),
            Err(e) => fields.push(("error", error(e))),
        }
        fields.push(("steps", c.steps.to_string()));
        fields
    }

    fn nonzero_runs(bytes: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
        let mut at = 0;
        std::iter::from_fn(move || {
            let start = at + bytes[at..].iter().position(|b| *b != 0)?;
            let len = bytes[start..].iter().position(|b| *b == 0).unwrap_or(bytes.len() - start);
            at = start + len;
            Some((start, &bytes[start..at]))
        })
    }

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    pub fn num_name(n: Numtype) -> &'static str {
        match n {
            Numtype::I32 => "i32",
            Numtype::I64 => "i64",
            Numtype::F32 => "f32",
            Numtype::F64 => "f64",
        }
    }

    /// A float of `width` bits as the text format writes it: NaNs with their payload unless
    /// canonical, infinities, and other numbers in Rust's shortest round-trip notation.
    pub fn float_text(bits: u64, width: u32) -> String {
        let mant = if width == 32 { 23 } else { 52 };
        let exp_mask = (1u64 << (width - 1 - mant)) - 1;
        let sign = if (bits >> (width - 1)) & 1 == 1 { "-" } else { "" };
        let payload = bits & ((1u64 << mant) - 1);
        match ((bits >> mant) & exp_mask == exp_mask, payload) {
            (true, 0) => format!("{sign}inf"),
            (true, p) if p == 1 << (mant - 1) => format!("{sign}nan"),
            (true, p) => format!("{sign}nan:{p:#x}"),
            (false, _) if width == 32 => format!("{:?}", f32::from_bits(bits as u32)),
            (false, _) => format!("{:?}", f64::from_bits(bits)),
        }
    }
}
