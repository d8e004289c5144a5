//! Differential testing: wasm-smith generates a module from a seed, wspec (through its oracle)
//! and wasmi both instantiate it and call every exported function with the same arguments, and
//! the two runs are compared modulo what the standard leaves open: NaN payloads where wspec had
//! to choose one, the point where a resource limit (fuel, stack) ends a run, and the wording of
//! errors. Used by `wspec fuzz-diff` and by the `diff` target of `cargo fuzz`.

use std::panic::{catch_unwind, AssertUnwindSafe};
use wspec_generated::syntax::{self as s, Numtype};
use wspec_interpreter::oracle::{self, Allowed, Evaluation, ExportState, Invocation, RefShape, TrapKind};
use wspec_interpreter::{Error, Limits};

/// What a run may use, and the shape of the generated modules.
#[derive(Clone, Debug)]
pub struct Settings {
    /// wspec's steps per call (instantiation included). wasmi gets ten times as much fuel in
    /// its own units, so that it is wspec that runs out first; a run that runs out is not
    /// compared.
    pub fuel: u64,
    /// wspec's nesting of contexts (blocks and calls).
    pub max_depth: usize,
    /// wasmi's nesting of calls.
    pub max_call_depth: usize,
    /// The largest memory a module may declare, in 64 KiB pages; memories have a maximum.
    pub max_memory_pages: u64,
    /// Bytes of randomness wasm-smith builds a module from: more gives bigger modules.
    pub entropy: usize,
    /// Loop iterations and calls a module instance may make in all before it traps (a counter
    /// wasm-smith adds), so that runs end at the same point in both engines.
    pub iterations: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings { fuel: 1_000_000, max_depth: 100_000, max_call_depth: 10_000, max_memory_pages: 16, entropy: 4096, iterations: 2_000 }
    }
}

/// The wasm-smith configuration: the features both engines run. wasmi has no GC, exceptions or
/// threads; relaxed SIMD is left out, its results being sets of lane choices not reported yet.
pub fn smith_config(settings: &Settings) -> wasm_smith::Config {
    let mut c = wasm_smith::Config::default();
    c.gc_enabled = false;
    c.exceptions_enabled = false;
    c.threads_enabled = false;
    c.shared_everything_threads_enabled = false;
    c.simd_enabled = true;
    c.relaxed_simd_enabled = false;
    c.wide_arithmetic_enabled = false;
    c.custom_page_sizes_enabled = false;
    c.custom_descriptors_enabled = false;
    c.max_imports = 0;
    // Functions to call, all exported; without a floor most modules have none.
    c.min_types = 1;
    c.min_funcs = 2;
    c.max_funcs = 20;
    c.export_everything = true;
    c.max_memories = 2;
    c.max_tables = 2;
    c.memory_max_size_required = true;
    c.max_memory32_bytes = settings.max_memory_pages * 65536;
    c.max_memory64_bytes = u128::from(settings.max_memory_pages) * 65536;
    c.table_max_size_required = true;
    c.max_table_elements = 1_000;
    c
}

/// A deterministic stream of 64-bit numbers (splitmix64).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// The module of a seed. Odd seeds make modules that avoid traps (wasm-smith guards their
/// divisions, conversions and accesses), so that calls get further before they end.
pub fn generate(seed: u64, settings: &Settings) -> Result<Vec<u8>, String> {
    let mut rng = Rng::new(seed);
    let data: Vec<u8> = (0..settings.entropy).map(|_| rng.next() as u8).collect();
    module_from_bytes(&data, settings, seed % 2 == 1)
}

/// The module wasm-smith builds from raw bytes (what libFuzzer hands a target).
pub fn module_from_bytes(data: &[u8], settings: &Settings, avoid_traps: bool) -> Result<Vec<u8>, String> {
    let mut u = arbitrary::Unstructured::new(data);
    let mut config = smith_config(settings);
    config.disallow_traps = avoid_traps;
    let mut m = wasm_smith::Module::new(config, &mut u).map_err(|e| format!("wasm-smith: {e}"))?;
    // A global counter that every loop iteration and call decrements, trapping at zero, makes
    // both engines stop at the same point: most generated loops would otherwise run until
    // fuel ends them, at points that cannot be compared.
    m.ensure_termination(settings.iterations).map_err(|e| format!("wasm-smith: {e}"))?;
    Ok(m.to_bytes())
}

/// A call of every exported function with arguments drawn from the seed, in export order.
/// Functions that take a non-nullable reference are not called: no argument can be made for
/// them without running code.
pub fn invocations(bytes: &[u8], seed: u64) -> Result<Vec<Invocation>, String> {
    use wasmparser::{ExternalKind, Parser, Payload, Validator, WasmFeatures};
    let types = Validator::new_with_features(WasmFeatures::all()).validate_all(bytes).map_err(|e| format!("wasmparser rejects the module: {e}"))?;
    let mut rng = Rng::new(seed ^ 0x5eed_a265);
    let mut calls = Vec::new();
    for payload in Parser::new(0).parse_all(bytes) {
        let Ok(Payload::ExportSection(exports)) = payload else { continue };
        for export in exports {
            let export = export.map_err(|e| e.to_string())?;
            if export.kind != ExternalKind::Func {
                continue;
            }
            let ty = types.as_ref().core_function_at(export.index);
            let func = types[ty].unwrap_func();
            let args: Option<Vec<s::Val>> = func.params().iter().map(|t| argument(*t, &mut rng)).collect();
            if let Some(args) = args {
                calls.push(Invocation { export: export.name.to_string(), args });
            }
        }
    }
    Ok(calls)
}

/// An argument of a type, biased to the edges where engines go wrong.
fn argument(t: wasmparser::ValType, rng: &mut Rng) -> Option<s::Val> {
    use wasmparser::ValType as T;
    let num = |n: Numtype, bits: u64| s::Val::Num_(s::Num_(n, if matches!(n, Numtype::F32 | Numtype::F64) { s::Num::Fnn(bits) } else { s::Num::Inn(bits) }));
    Some(match t {
        T::I32 => num(Numtype::I32, int_edge(rng, 32)),
        T::I64 => num(Numtype::I64, int_edge(rng, 64)),
        T::F32 => num(Numtype::F32, float_edge(rng, 32)),
        T::F64 => num(Numtype::F64, float_edge(rng, 64)),
        T::V128 => s::Val::Vec__(s::Vec__(s::Vectype, (u128::from(rng.next()) << 64) | u128::from(rng.next()))),
        T::Ref(r) if r.is_nullable() => {
            let ht = if r.is_extern_ref() { s::Absheaptype::Extern } else { s::Absheaptype::Func };
            s::Val::Ref(s::Ref::RefNull(s::Heaptype::Absheaptype(ht)))
        }
        T::Ref(_) => return None,
    })
}

fn int_edge(rng: &mut Rng, width: u32) -> u64 {
    let mask = if width == 64 { u64::MAX } else { (1 << width) - 1 };
    let sign = 1u64 << (width - 1);
    let v = match rng.below(8) {
        0 => 0,
        1 => 1,
        2 => mask,
        3 => sign,
        4 => sign - 1,
        5 => rng.below(256),
        _ => rng.next(),
    };
    v & mask
}

fn float_edge(rng: &mut Rng, width: u32) -> u64 {
    let (sign, exp, quiet) = if width == 32 { (1u64 << 31, 0xffu64 << 23, 1u64 << 22) } else { (1u64 << 63, 0x7ffu64 << 52, 1u64 << 51) };
    let mant = quiet * 2 - 1;
    let neg = if rng.below(2) == 0 { 0 } else { sign };
    let v = match rng.below(10) {
        0 => 0,
        1 => exp,                   // infinity
        2 => exp | quiet,           // canonical NaN
        3 => exp | quiet | (rng.next() & mant), // arithmetic NaN
        4 => exp | 1 + (rng.next() & (quiet - 2)), // signalling NaN
        5 => 1 + (rng.next() & (mant - 1)),        // subnormal
        6 => if width == 32 { f32::to_bits(1.0) as u64 } else { f64::to_bits(1.0) },
        7 => if width == 32 { f32::to_bits(rng.below(1000) as f32 / 7.0) as u64 } else { f64::to_bits(rng.below(1000) as f64 / 7.0) },
        _ => rng.next() & (sign - 1),
    };
    v | neg
}

// ---------------------------------------------------------------------------------------------
// The two runs

/// Why a run did not return, in terms both engines can be held to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    /// The module does not decode or validate.
    Rejected(String),
    /// Imports do not match (never, as generated modules import nothing).
    Unlinkable(String),
    Trap(TrapKind),
    /// Fuel, stack or another resource ran out: where is the engine's own choice.
    Limit(String),
    Exception,
    /// The engine failed in a way it must not (a panic, or no rule applying in wspec).
    Crash(String),
}

impl Failure {
    fn of_wspec(e: &Error) -> Failure {
        match e {
            Error::Malformed(m) | Error::Invalid(m) => Failure::Rejected(m.clone()),
            Error::Uninstantiable(m) => Failure::Unlinkable(m.clone()),
            Error::Trap(m) => Failure::Trap(TrapKind::of_message(m)),
            Error::Exhaustion(m) => Failure::Limit(m.clone()),
            Error::Exception(_) => Failure::Exception,
            Error::Stuck(m) => Failure::Crash(format!("stuck: {m}")),
        }
    }

    fn of_wasmi(e: &wasmi::Error) -> Failure {
        use wasmi::TrapCode as C;
        match e.as_trap_code() {
            Some(C::UnreachableCodeReached) => Failure::Trap(TrapKind::Unreachable),
            Some(C::MemoryOutOfBounds) => Failure::Trap(TrapKind::MemoryOutOfBounds),
            Some(C::TableOutOfBounds) => Failure::Trap(TrapKind::TableOutOfBounds),
            Some(C::IndirectCallToNull) => Failure::Trap(TrapKind::NullReference),
            Some(C::IntegerDivisionByZero) => Failure::Trap(TrapKind::IntegerDivideByZero),
            Some(C::IntegerOverflow) => Failure::Trap(TrapKind::IntegerOverflow),
            Some(C::BadConversionToInteger) => Failure::Trap(TrapKind::InvalidConversionToInteger),
            Some(C::BadSignature) => Failure::Trap(TrapKind::IndirectCallTypeMismatch),
            Some(C::StackOverflow | C::OutOfFuel | C::GrowthOperationLimited | C::OutOfSystemMemory) => Failure::Limit(e.to_string()),
            // Segments that do not fit fail instantiation in wasmi with an error rather than a
            // trap code; the standard makes them traps.
            None => {
                let m = e.to_string();
                if m.starts_with("out of bounds table access") {
                    Failure::Trap(TrapKind::TableOutOfBounds)
                } else if m.starts_with("out of bounds memory access") {
                    Failure::Trap(TrapKind::MemoryOutOfBounds)
                } else {
                    Failure::Crash(m)
                }
            }
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Failure::Rejected(m) => format!("rejected the module: {m}"),
            Failure::Unlinkable(m) => format!("cannot link: {m}"),
            Failure::Trap(k) => format!("trap ({})", k.name()),
            Failure::Limit(m) => format!("limit: {m}"),
            Failure::Exception => "uncaught exception".into(),
            Failure::Crash(m) => format!("failed: {m}"),
        }
    }
}

/// A value one engine produced: numbers and vectors exactly, references by their shape.
#[derive(Clone, Debug, PartialEq)]
pub enum Observed {
    Val(s::Val),
    Ref(RefShape),
}

impl Observed {
    fn describe(&self) -> String {
        match self {
            Observed::Val(v) => describe_val(v),
            Observed::Ref(r) => format!("ref {}", r.name()),
        }
    }
}

/// The state of an export after the calls, as another engine sees it.
#[derive(Clone, Debug, PartialEq)]
pub enum ObservedExport {
    Func,
    Global(Observed),
    Memory(Vec<u8>),
    Table(Vec<RefShape>),
    Other,
}

/// wasmi's run of a module and its calls.
#[derive(Clone, Debug)]
pub struct WasmiRun {
    pub instantiation: Result<(), Failure>,
    pub calls: Vec<Result<Vec<Observed>, Failure>>,
    pub exports: Vec<(String, ObservedExport)>,
}

/// wspec's run through its oracle; a panic is caught and reported as a crash.
pub fn run_wspec(bytes: &[u8], calls: &[Invocation], settings: &Settings) -> Result<Evaluation, String> {
    // Generated memories declare a maximum within `max_memory_pages`, so wspec's memory limit
    // is set there and never makes a grow fail that wasmi (which has none) lets through.
    let limits = Limits { fuel: Some(settings.fuel), max_depth: settings.max_depth, max_memory_bytes: settings.max_memory_pages << 16, ..Limits::default() };
    catch_unwind(AssertUnwindSafe(|| oracle::evaluate(bytes, calls, &limits))).map_err(|p| {
        p.downcast_ref::<&str>().map(|s| s.to_string()).or_else(|| p.downcast_ref::<String>().cloned()).unwrap_or_else(|| "a panic".into())
    })
}

pub fn run_wasmi(bytes: &[u8], calls: &[Invocation], settings: &Settings) -> WasmiRun {
    let mut run = WasmiRun { instantiation: Ok(()), calls: Vec::new(), exports: Vec::new() };
    let mut config = wasmi::Config::default();
    config.consume_fuel(true).set_max_recursion_depth(settings.max_call_depth).wasm_memory64(true).wasm_multi_memory(true).wasm_tail_call(true).wasm_extended_const(true);
    let engine = wasmi::Engine::new(&config);
    let module = match wasmi::Module::new(&engine, bytes) {
        Ok(m) => m,
        Err(e) => {
            run.instantiation = Err(Failure::Rejected(e.to_string()));
            return run;
        }
    };
    let mut store = wasmi::Store::new(&engine, ());
    let wasmi_fuel = settings.fuel.saturating_mul(10);
    let _ = store.set_fuel(wasmi_fuel);
    let linker = wasmi::Linker::<()>::new(&engine);
    let instance = match linker.instantiate_and_start(&mut store, &module) {
        Ok(i) => i,
        Err(e) => {
            run.instantiation = Err(Failure::of_wasmi(&e));
            return run;
        }
    };
    for call in calls {
        let _ = store.set_fuel(wasmi_fuel);
        let Some(func) = instance.get_func(&store, &call.export) else {
            run.calls.push(Err(Failure::Crash(format!("no exported function `{}`", call.export))));
            continue;
        };
        let args: Vec<wasmi::Val> = call.args.iter().map(to_wasmi).collect();
        let mut results: Vec<wasmi::Val> = func.ty(&store).results().iter().map(|t| wasmi::Val::default_for_ty(*t)).collect();
        run.calls.push(match func.call(&mut store, &args, &mut results) {
            Ok(()) => Ok(results.iter().map(of_wasmi).collect()),
            Err(e) => Err(Failure::of_wasmi(&e)),
        });
    }
    let names: Vec<String> = module.exports().map(|x| x.name().to_string()).collect();
    for name in names {
        let state = match instance.get_export(&store, &name) {
            Some(wasmi::Extern::Func(_)) => ObservedExport::Func,
            Some(wasmi::Extern::Global(g)) => ObservedExport::Global(of_wasmi(&g.get(&store))),
            Some(wasmi::Extern::Memory(m)) => ObservedExport::Memory(m.data(&store).to_vec()),
            Some(wasmi::Extern::Table(t)) => {
                ObservedExport::Table((0..t.size(&store)).map(|k| t.get(&store, k).map_or(RefShape::Null, |r| ref_shape(&r))).collect())
            }
            _ => ObservedExport::Other,
        };
        run.exports.push((name, state));
    }
    run
}

fn to_wasmi(v: &s::Val) -> wasmi::Val {
    match v {
        s::Val::Num_(s::Num_(n, s::Num::Inn(b) | s::Num::Fnn(b))) => match n {
            Numtype::I32 => wasmi::Val::I32(*b as u32 as i32),
            Numtype::I64 => wasmi::Val::I64(*b as i64),
            Numtype::F32 => wasmi::Val::F32(wasmi::F32::from_bits(*b as u32)),
            Numtype::F64 => wasmi::Val::F64(wasmi::F64::from_bits(*b)),
        },
        s::Val::Vec__(s::Vec__(_, b)) => wasmi::Val::V128(wasmi::V128::from(*b)),
        s::Val::Ref(s::Ref::RefNull(s::Heaptype::Absheaptype(s::Absheaptype::Extern | s::Absheaptype::Noextern))) => {
            wasmi::Val::ExternRef(wasmi::Nullable::Null)
        }
        s::Val::Ref(_) => wasmi::Val::FuncRef(wasmi::Nullable::Null),
    }
}

fn of_wasmi(v: &wasmi::Val) -> Observed {
    let num = |n: Numtype, bits: u64| {
        Observed::Val(s::Val::Num_(s::Num_(n, if matches!(n, Numtype::F32 | Numtype::F64) { s::Num::Fnn(bits) } else { s::Num::Inn(bits) })))
    };
    match v {
        wasmi::Val::I32(x) => num(Numtype::I32, u64::from(*x as u32)),
        wasmi::Val::I64(x) => num(Numtype::I64, *x as u64),
        wasmi::Val::F32(x) => num(Numtype::F32, u64::from(x.to_bits())),
        wasmi::Val::F64(x) => num(Numtype::F64, x.to_bits()),
        wasmi::Val::V128(x) => Observed::Val(s::Val::Vec__(s::Vec__(s::Vectype, x.as_u128()))),
        wasmi::Val::FuncRef(f) => Observed::Ref(if f.is_null() { RefShape::Null } else { RefShape::Func }),
        wasmi::Val::ExternRef(x) => Observed::Ref(if x.is_null() { RefShape::Null } else { RefShape::Extern }),
    }
}

fn ref_shape(r: &wasmi::Ref) -> RefShape {
    match r {
        wasmi::Ref::Func(f) if !f.is_null() => RefShape::Func,
        wasmi::Ref::Extern(x) if !x.is_null() => RefShape::Extern,
        _ => RefShape::Null,
    }
}

// ---------------------------------------------------------------------------------------------
// Comparison

/// How two runs relate.
#[derive(Clone, Debug)]
pub enum Verdict {
    /// Everything compared agrees.
    Agree,
    /// Both engines rejected the module (it should not happen with wasm-smith's modules, but
    /// it is agreement).
    BothRejected,
    /// A resource limit ended a run before the other engine's: the rest is not compared. The
    /// calls compared before it agree.
    Limited(String),
    /// The runs differ where the standard fixes the answer.
    Diverge(Divergence),
    /// The runs differ where a NaN wspec chose decides: in memory after NaN choices, or where
    /// wspec's own answer changes when it chooses canonical NaNs instead. Both engines may be
    /// right.
    NanLicence(Divergence),
}

/// Where and how two runs differ.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Divergence {
    /// What differs, without positions, so that a shrunk module can be held to the same
    /// difference: `instantiation`, `results`, `outcome`, `trap kind`, `global`, `memory`,
    /// `table`.
    pub class: String,
    /// Where: the call or export.
    pub place: String,
    pub wspec: String,
    pub wasmi: String,
}

impl Divergence {
    pub fn line(&self) -> String {
        format!("{} at {}: wspec {}, wasmi {}", self.class, self.place, self.wspec, self.wasmi)
    }
}

fn diverge(class: &str, place: String, wspec: String, wasmi: String) -> Verdict {
    Verdict::Diverge(Divergence { class: class.into(), place, wspec, wasmi })
}

/// Compares wspec's evaluation with wasmi's run.
pub fn compare(calls: &[Invocation], ws: &Evaluation, wi: &WasmiRun) -> Verdict {
    match (&ws.instantiation, &wi.instantiation) {
        (Ok(()), Ok(())) => {}
        (Err(a), Err(b)) => {
            let (a, b) = (Failure::of_wspec(a), b.clone());
            return match (&a, &b) {
                (Failure::Rejected(_), Failure::Rejected(_)) => Verdict::BothRejected,
                (Failure::Limit(m), _) | (_, Failure::Limit(m)) => Verdict::Limited(format!("instantiation: {m}")),
                _ if same_failure(&a, &b) => Verdict::Agree,
                _ => diverge("instantiation", "instantiation".into(), a.describe(), b.describe()),
            };
        }
        (Err(a), Ok(())) => {
            let a = Failure::of_wspec(a);
            if let Failure::Limit(m) = &a {
                return Verdict::Limited(format!("instantiation: {m}"));
            }
            return diverge("instantiation", "instantiation".into(), a.describe(), "instantiated".into());
        }
        (Ok(()), Err(b)) => {
            if let Failure::Limit(m) = b {
                return Verdict::Limited(format!("instantiation: {m}"));
            }
            return diverge("instantiation", "instantiation".into(), "instantiated".into(), b.describe());
        }
    }
    let admits = |a: &Allowed, b: &Observed| admits(a, b, ws.nan_choices);
    for (k, (call, (a, b))) in calls.iter().zip(ws.calls.iter().zip(&wi.calls)).enumerate() {
        let place = format!("call {} `{}`({})", k + 1, call.export, call.args.iter().map(describe_val).collect::<Vec<_>>().join(", "));
        match (&a.outcome, b) {
            (Ok(xs), Ok(ys)) => {
                let agree = xs.len() == ys.len() && xs.iter().zip(ys).all(|(x, y)| admits(x, y));
                if !agree {
                    let shown_a = xs.iter().map(describe_allowed).collect::<Vec<_>>().join(" ");
                    let shown_b = ys.iter().map(Observed::describe).collect::<Vec<_>>().join(" ");
                    return diverge("results", place, format!("returned [{shown_a}]"), format!("returned [{shown_b}]"));
                }
            }
            (Err(e), other) => {
                let a = Failure::of_wspec(e);
                if let Failure::Limit(m) = &a {
                    return Verdict::Limited(format!("{place}: wspec {m}"));
                }
                match other {
                    Err(Failure::Limit(m)) => return Verdict::Limited(format!("{place}: wasmi {m}")),
                    Err(b) if same_failure(&a, b) => {}
                    Err(b) if matches!((&a, b), (Failure::Trap(_), Failure::Trap(_))) => {
                        return diverge("trap kind", place, a.describe(), b.describe());
                    }
                    Err(b) => return diverge("outcome", place, a.describe(), b.describe()),
                    Ok(ys) => {
                        let shown = ys.iter().map(Observed::describe).collect::<Vec<_>>().join(" ");
                        return diverge("outcome", place, a.describe(), format!("returned [{shown}]"));
                    }
                }
            }
            (Ok(xs), Err(b)) => {
                if let Failure::Limit(m) = b {
                    return Verdict::Limited(format!("{place}: wasmi {m}"));
                }
                let shown = xs.iter().map(describe_allowed).collect::<Vec<_>>().join(" ");
                return diverge("outcome", place, format!("returned [{shown}]"), b.describe());
            }
        }
    }
    // The exports' final state.
    let mut memory_only: Option<Divergence> = None;
    for (name, st) in &ws.exports {
        let Some((_, other)) = wi.exports.iter().find(|(n, _)| n == name) else {
            return diverge("exports", format!("export `{name}`"), "has it".into(), "does not".into());
        };
        let place = format!("export `{name}` after the calls");
        match (st, other) {
            (ExportState::Func, ObservedExport::Func) => {}
            (ExportState::Global(a), ObservedExport::Global(b)) => {
                if !admits(a, b) {
                    return diverge("global", place, describe_allowed(a), b.describe());
                }
            }
            (ExportState::Memory(a), ObservedExport::Memory(b)) => {
                if a != b {
                    let d = memory_difference(a, b, place);
                    if ws.nan_choices == 0 {
                        return Verdict::Diverge(d);
                    }
                    memory_only.get_or_insert(d);
                }
            }
            (ExportState::Table(a), ObservedExport::Table(b)) => {
                if a != b {
                    let at = a.iter().zip(b).position(|(x, y)| x != y).unwrap_or(a.len().min(b.len()));
                    let show = |t: &[RefShape]| format!("{} elements, [{at}] = {}", t.len(), t.get(at).map_or("-".into(), RefShape::name));
                    return diverge("table", place, show(a), show(b));
                }
            }
            (a, b) => return diverge("exports", place, format!("{a:?}"), format!("{b:?}")),
        }
    }
    match memory_only {
        Some(d) => Verdict::NanLicence(d),
        None => Verdict::Agree,
    }
}

fn same_failure(a: &Failure, b: &Failure) -> bool {
    match (a, b) {
        (Failure::Rejected(_), Failure::Rejected(_)) | (Failure::Unlinkable(_), Failure::Unlinkable(_)) => true,
        (Failure::Trap(x), Failure::Trap(y)) => x == y,
        (Failure::Exception, Failure::Exception) => true,
        _ => false,
    }
}

/// Whether wspec's allowed value admits wasmi's. A vector after NaN choices may hold a chosen
/// NaN in any lane: it admits a vector equal but for lanes that are quiet NaNs in both, as four
/// f32 lanes or as two f64 lanes (the oracle does not know the lanes' shape).
fn admits(a: &Allowed, b: &Observed, nan_choices: u64) -> bool {
    match (a, b) {
        (Allowed::Exact(s::Val::Ref(r)), Observed::Ref(shape)) => RefShape::of(r) == *shape,
        (Allowed::Exact(s::Val::Vec__(s::Vec__(_, x))), Observed::Val(s::Val::Vec__(s::Vec__(_, y)))) if nan_choices > 0 => {
            x == y || equal_but_nan_lanes(*x, *y, 32) || equal_but_nan_lanes(*x, *y, 64)
        }
        (a, Observed::Val(v)) => a.admits(v),
        _ => false,
    }
}

fn equal_but_nan_lanes(x: u128, y: u128, width: u32) -> bool {
    let (mant, exp) = if width == 32 { (23, 0xffu128) } else { (52, 0x7ffu128) };
    let mask = if width == 32 { 0xffff_ffffu128 } else { u128::from(u64::MAX) };
    let quiet_nan = |lane: u128| (lane >> mant) & exp == exp && lane & (1 << (mant - 1)) != 0;
    (0..128 / width).all(|k| {
        let (a, b) = ((x >> (k * width)) & mask, (y >> (k * width)) & mask);
        a == b || (quiet_nan(a) && quiet_nan(b))
    })
}

fn memory_difference(a: &[u8], b: &[u8], place: String) -> Divergence {
    if a.len() != b.len() {
        return Divergence { class: "memory".into(), place, wspec: format!("{} bytes", a.len()), wasmi: format!("{} bytes", b.len()) };
    }
    let at = a.iter().zip(b).position(|(x, y)| x != y).unwrap_or(0);
    let end = (at + 8).min(a.len());
    let hex = |m: &[u8]| m[at..end].iter().map(|x| format!("{x:02x}")).collect::<String>();
    Divergence { class: "memory".into(), place: format!("{place}, byte {at}"), wspec: hex(a), wasmi: hex(b) }
}

fn describe_allowed(a: &Allowed) -> String {
    match a {
        Allowed::Exact(v) => describe_val(v),
        Allowed::ArithmeticNan(w) => format!("f{w}:nan:arithmetic"),
    }
}

/// A value as `wspec run` takes it on its command line (`i32:5`, `f32:nan:0x200000`).
pub fn describe_val(v: &s::Val) -> String {
    match v {
        s::Val::Num_(s::Num_(n, s::Num::Inn(b) | s::Num::Fnn(b))) => match n {
            Numtype::I32 => format!("i32:{}", *b as u32 as i32),
            Numtype::I64 => format!("i64:{}", *b as i64),
            Numtype::F32 => format!("f32:{}", oracle::json::float_text(*b, 32)),
            Numtype::F64 => format!("f64:{}", oracle::json::float_text(*b, 64)),
        },
        s::Val::Vec__(s::Vec__(_, b)) => format!("v128:{b:#x}"),
        s::Val::Ref(r) => RefShape::of(r).name(),
    }
}

// ---------------------------------------------------------------------------------------------
// One module, end to end

/// The result of comparing the engines on one module.
pub struct Trial {
    pub module: Vec<u8>,
    pub calls: Vec<Invocation>,
    pub verdict: Verdict,
    /// wspec's steps over all calls.
    pub steps: u64,
    /// Calls that returned and that trapped, in wspec.
    pub returned: u64,
    pub trapped: u64,
}

/// Generates the module of a seed and compares the engines on it.
pub fn trial(seed: u64, settings: &Settings) -> Result<Trial, String> {
    let module = generate(seed, settings)?;
    trial_of(module, seed, settings)
}

/// Compares the engines on a module, with the calls the seed gives.
pub fn trial_of(module: Vec<u8>, seed: u64, settings: &Settings) -> Result<Trial, String> {
    let calls = invocations(&module, seed)?;
    let (verdict, ws) = judge(&module, &calls, settings);
    let mut t = Trial { module, calls, verdict, steps: 0, returned: 0, trapped: 0 };
    for c in ws.iter().flat_map(|ws| &ws.calls) {
        t.steps += c.steps;
        match c.outcome {
            Ok(_) => t.returned += 1,
            Err(Error::Trap(_)) => t.trapped += 1,
            Err(_) => {}
        }
    }
    Ok(t)
}

/// Runs both engines and compares them; wspec's evaluation unless it panicked.
fn judge(module: &[u8], calls: &[Invocation], settings: &Settings) -> (Verdict, Option<Evaluation>) {
    let wi = match catch_unwind(AssertUnwindSafe(|| run_wasmi(module, calls, settings))) {
        Ok(wi) => wi,
        Err(_) => return (diverge("crash", "wasmi".into(), "ran".into(), "panicked".into()), None),
    };
    match run_wspec(module, calls, settings) {
        Ok(ws) => (weigh(module, calls, settings, &ws, &wi), Some(ws)),
        Err(panic) => (diverge("crash", "wspec".into(), format!("panicked: {panic}"), "ran".into()), None),
    }
}

/// Compares the runs, and puts a divergence down to NaN choices where wspec's own answer
/// depends on them there: wspec choosing canonical NaNs instead either agrees with wasmi, or
/// first differs from wspec's own run at the very place wasmi does.
pub fn weigh(module: &[u8], calls: &[Invocation], settings: &Settings, ws: &Evaluation, wi: &WasmiRun) -> Verdict {
    let d = match compare(calls, ws, wi) {
        Verdict::Diverge(d) if ws.nan_choices > 0 => d,
        v => return v,
    };
    wspec_interpreter::choose_canonical_nans(true);
    let canonical = run_wspec(module, calls, settings);
    wspec_interpreter::choose_canonical_nans(false);
    let Ok(canonical) = canonical else { return Verdict::Diverge(d) };
    let wasmi_agrees = !matches!(compare(calls, &canonical, wi), Verdict::Diverge(_));
    let moves_here = match compare(calls, ws, &as_observed(&canonical)) {
        Verdict::Diverge(own) | Verdict::NanLicence(own) => own.place == d.place,
        _ => false,
    };
    if wasmi_agrees || moves_here {
        Verdict::NanLicence(d)
    } else {
        Verdict::Diverge(d)
    }
}

/// A run of wspec as another engine's, to compare two runs of wspec.
fn as_observed(ev: &Evaluation) -> WasmiRun {
    let value = |a: &Allowed| match a {
        Allowed::Exact(s::Val::Ref(r)) => Observed::Ref(RefShape::of(r)),
        Allowed::Exact(v) => Observed::Val(v.clone()),
        Allowed::ArithmeticNan(w) => {
            let (n, bits) = if *w == 32 { (Numtype::F32, 0x7fc0_0000) } else { (Numtype::F64, 0x7ff8_0000_0000_0000) };
            Observed::Val(s::Val::Num_(s::Num_(n, s::Num::Fnn(bits))))
        }
    };
    WasmiRun {
        instantiation: ev.instantiation.as_ref().map_err(Failure::of_wspec).copied(),
        calls: ev.calls.iter().map(|c| c.outcome.as_ref().map(|vs| vs.iter().map(value).collect()).map_err(Failure::of_wspec)).collect(),
        exports: ev
            .exports
            .iter()
            .map(|(name, st)| {
                let st = match st {
                    ExportState::Func => ObservedExport::Func,
                    ExportState::Tag => ObservedExport::Other,
                    ExportState::Global(a) => ObservedExport::Global(value(a)),
                    ExportState::Memory(bytes) => ObservedExport::Memory(bytes.clone()),
                    ExportState::Table(refs) => ObservedExport::Table(refs.clone()),
                };
                (name.clone(), st)
            })
            .collect(),
    }
}

// ---------------------------------------------------------------------------------------------
// Triage of known bugs of wasmi

/// What a divergence was found to be.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Triage {
    /// Not explained: a bug in wspec or one in wasmi not known yet.
    Unexplained,
    /// wasmi 2.0 computes `select` wrongly when its condition comes straight from `i32.eqz`
    /// (see docs/fuzzing.md). Shown by rewriting each such condition into an equal value that is
    /// not a comparison (`i32.eqz` then `i32.const -1; i32.and`): the module means the same,
    /// and wasmi then agrees with wspec.
    WasmiEqzSelect,
}

impl Triage {
    pub fn name(&self) -> &'static str {
        match self {
            Triage::Unexplained => "unexplained",
            Triage::WasmiEqzSelect => "wasmi bug: select on an i32.eqz condition",
        }
    }
}

/// Explains a divergence of a module by a known bug of wasmi, if a rewrite that keeps the
/// module's meaning makes wasmi agree with wspec.
pub fn triage(module: &[u8], seed: u64, settings: &Settings) -> Triage {
    let Some(rewritten) = unfuse_eqz_select(module) else { return Triage::Unexplained };
    let Ok(calls) = invocations(&rewritten, seed) else { return Triage::Unexplained };
    match judge(&rewritten, &calls, settings).0 {
        Verdict::Agree | Verdict::Limited(_) | Verdict::NanLicence(_) | Verdict::BothRejected => Triage::WasmiEqzSelect,
        Verdict::Diverge(_) => Triage::Unexplained,
    }
}

/// The module with `i32.const -1; i32.and` after every `i32.eqz` whose result a `select`
/// takes at once; `None` if there is none (or the module cannot be read).
pub fn unfuse_eqz_select(module: &[u8]) -> Option<Vec<u8>> {
    use wasmparser::{Operator, Parser, Payload};
    const MASK: [u8; 3] = [0x41, 0x7f, 0x71]; // i32.const -1, i32.and
    let mut out = module.get(..8)?.to_vec();
    let mut code = Vec::new();
    let mut bodies = 0u32;
    let mut changed = false;
    for payload in Parser::new(0).parse_all(module) {
        let payload = payload.ok()?;
        match &payload {
            Payload::CodeSectionEntry(body) => {
                let range = body.range();
                let range = usize::try_from(range.start).ok()?..usize::try_from(range.end).ok()?;
                let mut ops = body.get_operators_reader().ok()?;
                let mut at: Vec<(Operator, usize)> = Vec::new();
                let first = usize::try_from(ops.original_position()).ok()?;
                while !ops.eof() {
                    let (op, offset) = ops.read_with_offset().ok()?;
                    at.push((op, usize::try_from(offset).ok()?));
                }
                let mut bytes = module.get(range.start..first)?.to_vec();
                for (k, (op, offset)) in at.iter().enumerate() {
                    let end = at.get(k + 1).map_or(range.end, |(_, o)| *o);
                    bytes.extend_from_slice(module.get(*offset..end)?);
                    let feeds_select = matches!(at.get(k + 1), Some((Operator::Select | Operator::TypedSelect { .. }, _)));
                    if matches!(op, Operator::I32Eqz) && feeds_select {
                        bytes.extend_from_slice(&MASK);
                        changed = true;
                    }
                }
                leb(&mut code, bytes.len() as u64);
                code.extend_from_slice(&bytes);
                bodies += 1;
            }
            Payload::CodeSectionStart { .. } => {}
            _ => {
                if let Some((id, range)) = payload.as_section() {
                    if id == 10 {
                        continue;
                    }
                    // The code section goes back where it was: before what followed it.
                    flush_code(&mut out, &mut code, &mut bodies);
                    let bytes = module.get(usize::try_from(range.start).ok()?..usize::try_from(range.end).ok()?)?;
                    out.push(id);
                    leb(&mut out, bytes.len() as u64);
                    out.extend_from_slice(bytes);
                }
            }
        }
    }
    flush_code(&mut out, &mut code, &mut bodies);
    changed.then_some(out)
}

/// Appends a code section of the bodies gathered, if any.
fn flush_code(out: &mut Vec<u8>, code: &mut Vec<u8>, bodies: &mut u32) {
    if *bodies == 0 {
        return;
    }
    let mut section = Vec::new();
    leb(&mut section, u64::from(*bodies));
    section.append(code);
    out.push(10);
    leb(out, section.len() as u64);
    out.extend_from_slice(&section);
    *bodies = 0;
}

fn leb(out: &mut Vec<u8>, mut n: u64) {
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// Shrinks a diverging module to a smaller one that diverges in the same class, within a
/// number of attempts. The seed gives the calls of every candidate.
pub fn shrink(module: &[u8], seed: u64, class: &str, settings: &Settings, attempts: u32) -> Vec<u8> {
    let predicate = |candidate: &[u8]| -> anyhow::Result<bool> {
        let Ok(calls) = invocations(candidate, seed) else { return Ok(false) };
        Ok(matches!(judge(candidate, &calls, settings).0, Verdict::Diverge(d) if d.class == class))
    };
    match wasm_shrink::WasmShrink::default().attempts(attempts).seed(seed).run(module.to_vec(), predicate) {
        Ok(info) => info.output,
        Err(_) => module.to_vec(),
    }
}

/// A module in the text format, for a reproducer a person reads.
pub fn to_text(module: &[u8]) -> String {
    wasmprinter::print_bytes(module).unwrap_or_else(|e| format!(";; wasmprinter cannot print the module: {e}\n"))
}
