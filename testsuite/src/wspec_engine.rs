//! The `wspec` engine: the runner's [`Engine`] over the code generated from the spec, through the
//! embedding API of `wspec-interpreter`. One [`Interp`] (one store) per script: modules are
//! decoded into its arenas, instantiated with the spec's `$instantiate` and invoked with
//! `$invoke`. What the engine adds is what the standard leaves to embedders: resolving imports by
//! name, the `spectest` host module, and converting values across the boundary.
//! Validation is the spec's own `Module_ok`, through the type checker generated from its typing
//! rules.

use crate::engine::{Engine, EngineError, EngineResult, Imports, InstanceHandle, ModuleHandle};
use crate::value::{HeapType, Ref, Value};
use std::rc::Rc;
use wspec_generated::syntax as s;
use wspec_interpreter::{export, Error, Interp};

/// The message of a failed import resolution (as the reference interpreter words it).
pub const UNKNOWN_IMPORT: &str = "unknown import";
/// The message of imports that do not match (the premises of `$instantiate` fail).
pub const INCOMPATIBLE_IMPORT: &str = "incompatible import type";

pub struct WspecEngine {
    interp: Interp,
    modules: Vec<s::Module>,
    instances: Vec<Rc<s::Moduleinst>>,
}

impl Default for WspecEngine {
    fn default() -> Self {
        WspecEngine::new()
    }
}

impl WspecEngine {
    pub fn new() -> WspecEngine {
        WspecEngine { interp: Interp::new(), modules: Vec::new(), instances: Vec::new() }
    }

    fn module(&self, m: ModuleHandle) -> EngineResult<&s::Module> {
        usize::try_from(m.0)
            .ok()
            .and_then(|i| self.modules.get(i))
            .ok_or_else(|| EngineError::Other(format!("unknown module handle {}", m.0)))
    }

    fn instance(&self, h: InstanceHandle) -> EngineResult<Rc<s::Moduleinst>> {
        usize::try_from(h.0)
            .ok()
            .and_then(|i| self.instances.get(i))
            .cloned()
            .ok_or_else(|| EngineError::Other(format!("unknown instance handle {}", h.0)))
    }

    fn add_instance(&mut self, mm: Rc<s::Moduleinst>) -> InstanceHandle {
        self.instances.push(mm);
        InstanceHandle(self.instances.len() as u64 - 1)
    }

    /// The external addresses of a module's imports, in order, from the registered instances.
    fn resolve_imports(&self, module: &s::Module, imports: &Imports) -> EngineResult<Vec<s::Externaddr>> {
        let mut out = Vec::with_capacity(module.imports.len());
        for s::Import(m, x, _) in &module.imports {
            let m: String = m.iter().collect();
            let x: String = x.iter().collect();
            let unknown = || EngineError::Unlinkable(format!("{UNKNOWN_IMPORT} {m}.{x}"));
            let h = imports.resolve(&m).ok_or_else(unknown)?;
            let mm = self.instance(h)?;
            out.push(export(&mm, &x).ok_or_else(unknown)?);
        }
        Ok(out)
    }
}

/// An error of the interpreter as the runner sees it. The premises of `$instantiate` fail when
/// the imports do not match the module's import types (or the module is invalid, which the
/// runner rules out before): a link error.
fn engine_error(e: Error) -> EngineError {
    match e {
        Error::Malformed(m) => EngineError::Malformed(m),
        Error::Invalid(m) => EngineError::Invalid(m),
        Error::Uninstantiable(m) => EngineError::Unlinkable(format!("{INCOMPATIBLE_IMPORT} ({m})")),
        Error::Trap(m) => EngineError::Trap(m),
        Error::Exception(a) => EngineError::Exception(format!("uncaught exception (exception address {a})")),
        Error::Exhaustion(m) => EngineError::Exhaustion(m),
        Error::Stuck(m) => EngineError::Other(format!("stuck: {m}")),
    }
}

impl Engine for WspecEngine {
    fn name(&self) -> String {
        "wspec (generated decoder, type checker and interpreter)".into()
    }

    fn validates(&self) -> bool {
        true
    }

    fn reset(&mut self) -> EngineResult<()> {
        *self = WspecEngine::new();
        Ok(())
    }

    fn spectest(&mut self) -> EngineResult<InstanceHandle> {
        // The reference interpreter prints the arguments; a test run stays quiet.
        let mm = alloc_spectest(&mut self.interp, |_, _| {});
        Ok(self.add_instance(Rc::new(mm)))
    }

    fn decode(&mut self, binary: &[u8]) -> EngineResult<ModuleHandle> {
        let m = self.interp.decode(binary).map_err(engine_error)?;
        self.modules.push(m);
        Ok(ModuleHandle(self.modules.len() as u64 - 1))
    }

    fn validate(&mut self, module: ModuleHandle) -> EngineResult<()> {
        let m = self.module(module)?;
        self.interp.validate(m).map(|_| ()).map_err(engine_error)
    }

    fn instantiate(&mut self, module: ModuleHandle, imports: &Imports) -> EngineResult<InstanceHandle> {
        let m = self.module(module)?.clone();
        let xa = self.resolve_imports(&m, imports)?;
        let mm = self.interp.instantiate(&m, xa).map_err(engine_error)?;
        Ok(self.add_instance(mm))
    }

    fn invoke(&mut self, instance: InstanceHandle, name: &str, args: &[Value]) -> EngineResult<Vec<Value>> {
        let mm = self.instance(instance)?;
        let Some(s::Externaddr::Func(a)) = export(&mm, name) else {
            return Err(EngineError::Other(format!("no exported function `{name}`")));
        };
        let args = args.iter().map(|v| to_val(v, &mm)).collect::<EngineResult<Vec<_>>>()?;
        let results = self.interp.invoke(a, args).map_err(engine_error)?;
        results.iter().map(|v| from_val(v, &mm)).collect()
    }

    fn get_global(&mut self, instance: InstanceHandle, name: &str) -> EngineResult<Value> {
        let mm = self.instance(instance)?;
        let Some(s::Externaddr::Global(a)) = export(&mm, name) else {
            return Err(EngineError::Other(format!("no exported global `{name}`")));
        };
        let v = self.interp.global(a).ok_or_else(|| EngineError::Other(format!("no global at address {a}")))?;
        from_val(v, &mm)
    }
}

// ---- the spectest host module ----

/// Allocates the instances of the `spectest` host module in `it` (see [`Engine::spectest`]):
/// its print functions call `print` with their name and arguments. The module instance that
/// exports them (it has no types, and its index spaces are empty: only its exports matter).
pub fn alloc_spectest(it: &mut Interp, print: impl Fn(&str, &[s::Val]) + Clone + 'static) -> s::Moduleinst {
    use s::{Numtype::*, Valtype as T};
    let num = T::Numtype;
    let mut exports: Vec<(&str, s::Externaddr)> = Vec::new();
    let prints: [(&'static str, Vec<s::Valtype>); 7] = [
        ("print", vec![]),
        ("print_i32", vec![num(I32)]),
        ("print_i64", vec![num(I64)]),
        ("print_f32", vec![num(F32)]),
        ("print_f64", vec![num(F64)]),
        ("print_i32_f32", vec![num(I32), num(F32)]),
        ("print_f64_f64", vec![num(F64), num(F64)]),
    ];
    for (name, params) in prints {
        let print = print.clone();
        let a = it.alloc_host_func(
            params,
            vec![],
            Box::new(move |args| {
                print(name, args);
                Ok(vec![])
            }),
        );
        exports.push((name, s::Externaddr::Func(a)));
    }
    let int = |t, n| s::Val::Num_(s::Num_(t, s::Num::Inn(n)));
    let float = |t, bits| s::Val::Num_(s::Num_(t, s::Num::Fnn(bits)));
    let globals = [
        ("global_i32", I32, int(I32, 666)),
        ("global_i64", I64, int(I64, 666)),
        ("global_f32", F32, float(F32, u64::from(666.6f32.to_bits()))),
        ("global_f64", F64, float(F64, 666.6f64.to_bits())),
    ];
    for (name, t, v) in globals {
        let a = it.alloc_global(s::Globaltype(None, None, num(t)), v);
        exports.push((name, s::Externaddr::Global(a)));
    }
    let funcref = s::Heaptype::Absheaptype(s::Absheaptype::Func);
    for (name, at) in [("table", s::Addrtype::I32), ("table64", s::Addrtype::I64)] {
        let ty = s::Tabletype(at, s::Limits(10, Some(20)), s::Reftype(Some(s::Null), funcref.clone()));
        // Ten entries and a page are within any limit an embedder would set.
        if let Ok(a) = it.alloc_table(ty, 10, s::Ref::RefNull(funcref.clone())) {
            exports.push((name, s::Externaddr::Table(a)));
        }
    }
    if let Ok(a) = it.alloc_mem(s::Memtype(s::Addrtype::I32, s::Limits(1, Some(2))), 1) {
        exports.push(("memory", s::Externaddr::Mem(a)));
    }
    s::Moduleinst {
        types: vec![],
        tags: vec![],
        globals: vec![],
        mems: vec![],
        tables: vec![],
        funcs: vec![],
        datas: vec![],
        elems: vec![],
        exports: exports.into_iter().map(|(name, addr)| s::Exportinst { name: name.chars().collect(), addr }).collect(),
    }
}

// ---- values across the boundary ----

/// A value of the script as a value of the spec. Heap types written with an index refer to the
/// types of `mm`.
pub fn to_val(v: &Value, mm: &s::Moduleinst) -> EngineResult<s::Val> {
    use s::Numtype::*;
    let num = |t, n| s::Val::Num_(s::Num_(t, n));
    Ok(match v {
        Value::I32(x) => num(I32, s::Num::Inn(u64::from(*x))),
        Value::I64(x) => num(I64, s::Num::Inn(*x)),
        Value::F32(x) => num(F32, s::Num::Fnn(u64::from(*x))),
        Value::F64(x) => num(F64, s::Num::Fnn(*x)),
        Value::V128(b) => s::Val::Vec__(s::Vec__(s::Vectype, u128::from_le_bytes(*b))),
        Value::Ref(r) => s::Val::Ref(to_ref(r, mm)?),
    })
}

fn to_ref(r: &Ref, mm: &s::Moduleinst) -> EngineResult<s::Ref> {
    Ok(match r {
        Ref::Null(ht) => s::Ref::RefNull(to_heaptype(*ht, mm)?),
        Ref::Func(a) => s::Ref::RefFuncAddr(*a),
        Ref::Host(n) => s::Ref::RefHostAddr(u64::from(*n)),
        Ref::Extern(inner) => s::Ref::RefExtern(Box::new(to_ref(inner, mm)?)),
        Ref::I31(n) => s::Ref::RefI31Num(*n & 0x7fff_ffff),
        Ref::Struct(a) => s::Ref::RefStructAddr(*a),
        Ref::Array(a) => s::Ref::RefArrayAddr(*a),
        Ref::Exn(a) => s::Ref::RefExnAddr(*a),
        Ref::Any(_) => return Err(EngineError::Other("the wspec engine never makes `Ref::Any` handles".into())),
    })
}

fn to_heaptype(ht: HeapType, mm: &s::Moduleinst) -> EngineResult<s::Heaptype> {
    use s::Absheaptype as A;
    let abs = |a| Ok(s::Heaptype::Absheaptype(a));
    match ht {
        HeapType::Func => abs(A::Func),
        HeapType::NoFunc => abs(A::Nofunc),
        HeapType::Extern => abs(A::Extern),
        HeapType::NoExtern => abs(A::Noextern),
        HeapType::Any => abs(A::Any),
        HeapType::Eq => abs(A::Eq),
        HeapType::I31 => abs(A::I31),
        HeapType::Struct => abs(A::Struct),
        HeapType::Array => abs(A::Array),
        HeapType::None => abs(A::None),
        HeapType::Exn => abs(A::Exn),
        HeapType::NoExn => abs(A::Noexn),
        HeapType::Concrete(i) => match mm.types.get(i as usize) {
            Some(dt) => Ok(s::Heaptype::Typeuse(s::Typeuse::Deftype(dt.clone()))),
            None => Err(EngineError::Other(format!("the instance has no type {i}"))),
        },
        HeapType::Cont | HeapType::NoCont | HeapType::Exact(_) => {
            Err(EngineError::Unsupported(format!("heap type `{}` (a proposal wspec does not specify)", ht.text())))
        }
    }
}

/// A value of the spec as a value of the script. Defined types of null references are named by
/// their index in `mm` where they are one of its types.
pub fn from_val(v: &s::Val, mm: &s::Moduleinst) -> EngineResult<Value> {
    use s::Numtype::*;
    Ok(match v {
        s::Val::Num_(s::Num_(t, n)) => {
            let bits = match n {
                s::Num::Inn(b) | s::Num::Fnn(b) => *b,
            };
            match t {
                I32 => Value::I32(bits as u32),
                I64 => Value::I64(bits),
                F32 => Value::F32(bits as u32),
                F64 => Value::F64(bits),
            }
        }
        s::Val::Vec__(s::Vec__(_, b)) => Value::V128(b.to_le_bytes()),
        s::Val::Ref(r) => Value::Ref(from_ref(r, mm)),
    })
}

fn from_ref(r: &s::Ref, mm: &s::Moduleinst) -> Ref {
    match r {
        s::Ref::RefNull(ht) => Ref::Null(from_heaptype(ht, mm)),
        s::Ref::RefI31Num(n) => Ref::I31(*n & 0x7fff_ffff),
        s::Ref::RefStructAddr(a) => Ref::Struct(*a),
        s::Ref::RefArrayAddr(a) => Ref::Array(*a),
        s::Ref::RefFuncAddr(a) => Ref::Func(*a),
        s::Ref::RefExnAddr(a) => Ref::Exn(*a),
        // Host addresses are the script's host values, which are 32-bit numbers.
        s::Ref::RefHostAddr(a) => Ref::Host(*a as u32),
        s::Ref::RefExtern(inner) => Ref::Extern(Box::new(from_ref(inner, mm))),
    }
}

fn from_heaptype(ht: &s::Heaptype, mm: &s::Moduleinst) -> HeapType {
    use s::Absheaptype as A;
    match ht {
        // The script's heap types have no sharedness: a shared one shows as its kind.
        s::Heaptype::Absheaptype(a) | s::Heaptype::Make(_, a) => match a {
            A::Any => HeapType::Any,
            A::Eq => HeapType::Eq,
            A::I31 => HeapType::I31,
            A::Struct => HeapType::Struct,
            A::Array => HeapType::Array,
            A::None | A::Bot => HeapType::None,
            A::Func => HeapType::Func,
            A::Nofunc => HeapType::NoFunc,
            A::Exn => HeapType::Exn,
            A::Noexn => HeapType::NoExn,
            A::Extern => HeapType::Extern,
            A::Noextern => HeapType::NoExtern,
        },
        s::Heaptype::Typeuse(s::Typeuse::Deftype(dt)) => match mm.types.iter().position(|d| d == dt) {
            Some(i) => HeapType::Concrete(i as u32),
            // A type of another module: its kind is what a script can tell.
            None => match dt.0 .0.get(dt.1 as usize).map(|st| &*st.3) {
                Some(s::Comptype::Struct(_)) => HeapType::Struct,
                Some(s::Comptype::Array(_)) => HeapType::Array,
                _ => HeapType::Func,
            },
        },
        s::Heaptype::Typeuse(s::Typeuse::Idx(i)) => HeapType::Concrete(*i),
        s::Heaptype::Typeuse(s::Typeuse::Rec(_)) => HeapType::Any,
    }
}
