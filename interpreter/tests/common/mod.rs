//! Helpers for the execution tests: modules written in the text format (encoded by the `wast`
//! crate), instantiated in an [`Interp`], and invoked by export name.

#![allow(dead_code)]

use std::rc::Rc;
use wspec_generated::syntax::*;
use wspec_interpreter::{export, Error, Interp};

/// The binary of a module in the text format.
pub fn wasm(wat: &str) -> Vec<u8> {
    let buf = wast::parser::ParseBuffer::new(wat).expect("lexable text");
    let mut m: wast::Wat = wast::parser::parse(&buf).expect("a module in the text format");
    m.encode().expect("encodable module")
}

/// A store with one instance to invoke.
pub struct T {
    pub it: Interp,
    pub mm: Rc<Moduleinst>,
}

/// Instantiates a module without imports in a fresh store.
pub fn module(wat: &str) -> T {
    instantiate(Interp::new(), wat, vec![]).unwrap_or_else(|e| panic!("instantiation failed: {e}"))
}

/// Instantiates a module in `it` with the given imports.
pub fn instantiate(mut it: Interp, wat: &str, imports: Vec<Externaddr>) -> Result<T, Error> {
    let m = it.decode(&wasm(wat))?;
    let mm = it.instantiate(&m, imports)?;
    Ok(T { it, mm })
}

impl T {
    /// Instantiates another module in the same store.
    pub fn and(self, wat: &str, imports: Vec<Externaddr>) -> Result<T, Error> {
        instantiate(self.it, wat, imports)
    }

    pub fn export(&self, name: &str) -> Externaddr {
        export(&self.mm, name).unwrap_or_else(|| panic!("no export `{name}`"))
    }

    pub fn call(&mut self, name: &str, args: &[Val]) -> Result<Vec<Val>, Error> {
        let Externaddr::Func(a) = self.export(name) else { panic!("`{name}` is not a function") };
        self.it.invoke(a, args.to_vec())
    }

    /// Asserts that `name(args)` returns exactly `expected` (floats by bit pattern).
    #[track_caller]
    pub fn ok(&mut self, name: &str, args: &[Val], expected: &[Val]) {
        match self.call(name, args) {
            Ok(r) => assert_eq!(norm(&r), norm(expected), "{name}({})", show(args)),
            Err(e) => panic!("{name}({}): expected {}, got {e}", show(args), show(expected)),
        }
    }

    /// Asserts that `name(args)` traps with exactly the message `msg`.
    #[track_caller]
    pub fn trap(&mut self, name: &str, args: &[Val], msg: &str) {
        match self.call(name, args) {
            Err(Error::Trap(m)) => assert_eq!(m, msg, "{name}({})", show(args)),
            other => panic!("{name}({}): expected the trap \"{msg}\", got {other:?}", show(args)),
        }
    }

    /// The single result of `name(args)`.
    #[track_caller]
    pub fn one(&mut self, name: &str, args: &[Val]) -> Val {
        match self.call(name, args) {
            Ok(mut r) if r.len() == 1 => r.remove(0),
            other => panic!("{name}({}): expected one value, got {other:?}", show(args)),
        }
    }

    /// The value of an exported global.
    pub fn global(&self, name: &str) -> Val {
        let Externaddr::Global(a) = self.export(name) else { panic!("`{name}` is not a global") };
        self.it.global(a).cloned().expect("a global")
    }
}

/// Numbers with the representation their type has (integers `Inn`, floats `Fnn`): the tests
/// compare values, not how generated code happens to tag them.
pub fn norm(vs: &[Val]) -> Vec<Val> {
    vs.iter()
        .map(|v| match v {
            Val::Num_(Num_(t, Num::Inn(b) | Num::Fnn(b))) => match t {
                Numtype::I32 | Numtype::I64 => Val::Num_(Num_(*t, Num::Inn(*b))),
                Numtype::F32 | Numtype::F64 => Val::Num_(Num_(*t, Num::Fnn(*b))),
            },
            other => other.clone(),
        })
        .collect()
}

pub fn show(vs: &[Val]) -> String {
    vs.iter().map(|v| format!("{v:?}")).collect::<Vec<_>>().join(", ")
}

pub fn i32(v: i32) -> Val {
    Val::Num_(Num_(Numtype::I32, Num::Inn(u64::from(v as u32))))
}

pub fn u32(v: u32) -> Val {
    Val::Num_(Num_(Numtype::I32, Num::Inn(u64::from(v))))
}

pub fn i64(v: i64) -> Val {
    Val::Num_(Num_(Numtype::I64, Num::Inn(v as u64)))
}

pub fn f32(v: f32) -> Val {
    f32_bits(v.to_bits())
}

pub fn f32_bits(b: u32) -> Val {
    Val::Num_(Num_(Numtype::F32, Num::Fnn(u64::from(b))))
}

pub fn f64(v: f64) -> Val {
    f64_bits(v.to_bits())
}

pub fn f64_bits(b: u64) -> Val {
    Val::Num_(Num_(Numtype::F64, Num::Fnn(b)))
}

/// The bits of a number value.
pub fn bits(v: &Val) -> u64 {
    match v {
        Val::Num_(Num_(_, Num::Inn(b) | Num::Fnn(b))) => *b,
        other => panic!("not a number: {other:?}"),
    }
}

/// Whether an f32 result is a canonical NaN (either sign).
pub fn is_canonical_nan32(v: &Val) -> bool {
    matches!(v, Val::Num_(Num_(Numtype::F32, _))) && bits(v) as u32 & 0x7fff_ffff == 0x7fc0_0000
}

/// Whether an f64 result is a canonical NaN (either sign).
pub fn is_canonical_nan64(v: &Val) -> bool {
    matches!(v, Val::Num_(Num_(Numtype::F64, _))) && bits(v) & 0x7fff_ffff_ffff_ffff == 0x7ff8_0000_0000_0000
}

/// Whether an f32 result is an arithmetic NaN (quiet bit set).
pub fn is_arithmetic_nan32(v: &Val) -> bool {
    matches!(v, Val::Num_(Num_(Numtype::F32, _))) && bits(v) as u32 & 0x7fc0_0000 == 0x7fc0_0000
}

/// Whether an f64 result is an arithmetic NaN (quiet bit set).
pub fn is_arithmetic_nan64(v: &Val) -> bool {
    matches!(v, Val::Num_(Num_(Numtype::F64, _))) && bits(v) & 0x7ff8_0000_0000_0000 == 0x7ff8_0000_0000_0000
}

pub fn null(ht: Absheaptype) -> Val {
    Val::Ref(Ref::RefNull(Heaptype::Absheaptype(ht)))
}

pub fn externref(n: u64) -> Val {
    Val::Ref(Ref::RefExtern(Box::new(Ref::RefHostAddr(n))))
}
