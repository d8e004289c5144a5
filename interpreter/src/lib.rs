//! The embedding API of wspec: decoding, instantiation and invocation through the code generated
//! from `spec/`. Instantiation and invocation are the spec's own definitions (`$instantiate`,
//! `$invoke`), whose configurations the machine of `wspec_runtime` runs with the generated step
//! functions. Nothing here knows an instruction; what the embedder adds is what the standard
//! leaves to embedders: host functions, and allocating host globals, tables and memories.

pub mod oracle;

use std::cell::RefCell;
use std::rc::Rc;
use wspec_generated::exec::{self, Wasm};
use wspec_generated::syntax::*;
use wspec_runtime::machine::{Machine, Stop};

pub use wspec_generated::decode::Ctx;
pub use wspec_generated::syntax::Module;
pub use wspec_runtime::machine::Limits;
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

/// Why an operation did not succeed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    Malformed(String),
    /// The module does not validate.
    Invalid(String),
    /// Instantiation's premises do not hold (a module that does not validate, imports that do
    /// not match).
    Uninstantiable(String),
    /// The run ended in a trap; the text says which rule trapped.
    Trap(String),
    /// An exception left the run.
    Exception(ExnAddr),
    /// A limit was reached (call depth, fuel, memory).
    Exhaustion(String),
    /// No rule applies to the configuration: the spec does not cover it.
    Stuck(String),
}

pub type ExnAddr = u64;

/// NaNs the numeric builtins of this thread have picked out of the sets the standard allows
/// (see [`oracle::Allowed`]).
pub fn nan_choices() -> u64 {
    wspec_runtime::builtins::nan_choices()
}

/// Makes this thread's runs choose the positive canonical NaN wherever the standard allows a set
/// of NaNs (`true`), or the hardware's NaN (`false`, the default). Both are correct runs.
pub fn choose_canonical_nans(canonical: bool) {
    wspec_runtime::builtins::set_canonical_nans(canonical)
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Malformed(m) => write!(f, "malformed: {m}"),
            Error::Invalid(m) => write!(f, "invalid: {m}"),
            Error::Uninstantiable(m) => write!(f, "cannot instantiate: {m}"),
            Error::Trap(m) => write!(f, "trap: {m}"),
            Error::Exception(a) => write!(f, "uncaught exception {a}"),
            Error::Exhaustion(m) => write!(f, "exhausted: {m}"),
            Error::Stuck(m) => write!(f, "stuck: {m}"),
        }
    }
}

impl std::error::Error for Error {}

/// A host function: the values it is called with, its results or a trap (and why).
pub type HostFunc = Box<dyn FnMut(&[Val]) -> Result<Vec<Val>, String>>;

/// One trace line: a rule applied, and the instruction it reduced (as the spec writes it).
pub type Tracer = Box<dyn FnMut(&'static str, Option<String>)>;

/// A store with the modules instantiated in it, and the arenas their code lives in.
pub struct Interp {
    pub cx: Ctx,
    pub store: Store,
    pub limits: Limits,
    host: Rc<RefCell<Vec<HostFunc>>>,
    /// Why the last host function that trapped did (its message).
    host_trap: Rc<RefCell<Option<String>>>,
    /// Steps taken by the last run.
    pub steps: u64,
    tracer: Option<Tracer>,
}

impl Default for Interp {
    fn default() -> Self {
        Self::new()
    }
}

impl Interp {
    pub fn new() -> Interp {
        Interp {
            cx: Ctx::default(),
            store: Store {
                tags: Vec::new(),
                globals: Vec::new(),
                mems: Vec::new(),
                tables: Vec::new(),
                funcs: Vec::new(),
                datas: Vec::new(),
                elems: Vec::new(),
                structs: Vec::new(),
                arrays: Vec::new(),
                exns: Vec::new(),
            },
            limits: Limits::default(),
            host: Rc::new(RefCell::new(Vec::new())),
            host_trap: Rc::new(RefCell::new(None)),
            steps: 0,
            tracer: None,
        }
    }

    /// Reports every step of later runs.
    pub fn trace(&mut self, t: Option<Tracer>) {
        self.tracer = t;
    }

    /// Decodes a binary module into this store's arenas.
    pub fn decode(&mut self, bytes: &[u8]) -> Result<Module, Error> {
        wspec_generated::decode::decode_module_in(bytes, &mut self.cx).map_err(|e| Error::Malformed(e.message))
    }

    /// Validates a module (`Module_ok`): its type, or why it is invalid (the message of the
    /// premise that does not hold, "type mismatch" when no typing rule applies).
    pub fn validate(&self, module: &Module) -> Result<Moduletype, Error> {
        self.validate_naming_rule(module).map_err(|(message, _)| Error::Invalid(message))
    }

    /// The same, saying also which rule's premise failed (`Memtype_ok`, or the typing rules of
    /// the instruction, `Instr_ok/local.get`), when one did.
    pub fn validate_naming_rule(&self, module: &Module) -> Result<Moduletype, (String, Option<&'static str>)> {
        match exec::rels::module_ok(&self.cx, module) {
            Ok((t,)) => Ok(t),
            Err(f) => {
                let rule = f.rule();
                Err((f.into_message().unwrap_or_else(|| "invalid module".into()), rule))
            }
        }
    }

    /// Instantiates a module with the addresses of its imports (`$instantiate`, then running
    /// the segment initialisation and the start function). The module instance.
    pub fn instantiate(&mut self, module: &Module, imports: Vec<Externaddr>) -> Result<Rc<Moduleinst>, Error> {
        // Allocation reads the memory and table limits too.
        wspec_runtime::builtins::set_store_limits(&self.limits);
        let Config(State(store, frame), code) = exec::defs::instantiate(&self.cx, &self.store, module, &imports)
            .map_err(|f| Error::Uninstantiable(f.into_message().unwrap_or_else(|| "the premises of `$instantiate` do not hold".into())))?;
        let mm = frame.module.clone();
        // The store grows even if the initialisation traps afterwards.
        self.store = store.clone();
        self.run(State(store, frame), code)?;
        Ok(mm)
    }

    /// Invokes a function with arguments (`$invoke`): its results.
    pub fn invoke(&mut self, func: Funcaddr, args: Vec<Val>) -> Result<Vec<Val>, Error> {
        let Config(state, code) = exec::defs::invoke(&self.cx, &self.store, func, &args)
            .map_err(|f| Error::Stuck(f.into_message().unwrap_or_else(|| "the premises of `$invoke` do not hold (wrong arguments)".into())))?;
        self.run(state, code)
    }

    /// Runs a configuration to its end; the store is kept.
    fn run(&mut self, state: State, code: Vec<Instr>) -> Result<Vec<Val>, Error> {
        self.install_host();
        wspec_runtime::builtins::set_store_limits(&self.limits);
        let mut m = Machine::<Wasm>::new(state, self.limits.clone());
        m.load(code);
        let stop = match &mut self.tracer {
            Some(t) => {
                let mut f = |rule: &'static str, i: Option<&Instr>| t(rule, i.map(|i| wspec_generated::show::show(i, &self.cx)));
                m.run(&self.cx, Some(&mut f))
            }
            None => m.run(&self.cx, None),
        };
        self.steps = m.steps;
        let stop = match stop {
            Ok(s) => s,
            Err(f) => {
                self.store = m.state.0;
                return Err(Error::Exhaustion(f.into_message().unwrap_or_default()));
            }
        };
        let rest = m.remaining(&self.cx);
        let vals = std::mem::take(&mut m.vals);
        self.store = m.state.0;
        match (stop, exec::result_of(vals, &rest)) {
            (Stop::Done, Some(Result_::Vals(vs))) => Ok(vs),
            (_, Some(Result_::Trap)) => Err(Error::Trap(match (m.note, self.host_trap.borrow_mut().take()) {
                (Some(why), _) => why.to_string(),
                (None, Some(why)) => why,
                (None, None) => "trap".to_string(),
            })),
            (_, Some(Result_::ThrowAddr(a))) => Err(Error::Exception(a)),
            _ => Err(Error::Stuck(match rest.first() {
                Some(i) => format!("no rule applies to `{}`", wspec_generated::show::show(i, &self.cx)),
                None => "no rule applies".into(),
            })),
        }
    }

    /// Host functions are called through the spec's `$hostcall`, by number.
    fn install_host(&self) {
        let host = self.host.clone();
        let host_trap = self.host_trap.clone();
        host_trap.borrow_mut().take();
        exec::defs::set_hostcall(Box::new(move |k: u64, s: &Store, args: &Vec<Val>| {
            let mut fs = host.borrow_mut();
            let f = fs.get_mut(usize::try_from(k).ok()?)?;
            let r = match f(args) {
                Ok(vals) => Result_::Vals(vals),
                Err(why) => {
                    *host_trap.borrow_mut() = Some(why);
                    Result_::Trap
                }
            };
            Some((s.clone(), r))
        }));
    }

    // -----------------------------------------------------------------------------------------
    // What embedders allocate

    /// A host function of the given type.
    pub fn alloc_host_func(&mut self, params: Vec<Valtype>, results: Vec<Valtype>, f: HostFunc) -> Funcaddr {
        let k = self.host.borrow().len() as u64;
        self.host.borrow_mut().push(f);
        let rec = Rc::new(Rectype(vec![Subtype(Some(Final), None, vec![], Rc::new(Comptype::Func(params, results)))]));
        let fi = Funcinst { type_: Deftype(rec, 0), module: Rc::new(empty_moduleinst()), code: Funccode::Hostfunc(Hostfunc(k)) };
        self.store.funcs.push(Rc::new(fi));
        self.store.funcs.len() as u64 - 1
    }

    /// A global of the given type and value.
    pub fn alloc_global(&mut self, ty: Globaltype, value: Val) -> Globaladdr {
        self.store.globals.push(Globalinst { type_: ty, value });
        self.store.globals.len() as u64 - 1
    }

    /// A memory of the given type, zeroed; an error beyond the memory limit.
    pub fn alloc_mem(&mut self, ty: Memtype, pages: u64) -> Result<Memaddr, Error> {
        let bytes = pages.checked_mul(65536).filter(|b| *b <= self.limits.max_memory_bytes).and_then(|b| usize::try_from(b).ok());
        let Some(bytes) = bytes else {
            return Err(Error::Exhaustion(format!("memory of {pages} pages exceeds the memory limit")));
        };
        self.store.mems.push(Rc::new(Meminst { type_: ty, bytes: vec![0u8; bytes] }));
        Ok(self.store.mems.len() as u64 - 1)
    }

    /// A table of the given type, filled with a reference; an error beyond the table limit.
    pub fn alloc_table(&mut self, ty: Tabletype, size: u64, init: Ref) -> Result<Tableaddr, Error> {
        let Some(size) = usize::try_from(size).ok().filter(|n| *n as u64 <= self.limits.max_table_entries) else {
            return Err(Error::Exhaustion(format!("table of {size} entries exceeds the table limit")));
        };
        self.store.tables.push(Rc::new(Tableinst { type_: ty, refs: vec![init; size] }));
        Ok(self.store.tables.len() as u64 - 1)
    }

    /// The value of a global.
    pub fn global(&self, a: Globaladdr) -> Option<&Val> {
        self.store.globals.get(a as usize).map(|g| &g.value)
    }
}

fn empty_moduleinst() -> Moduleinst {
    Moduleinst {
        types: Vec::new(),
        tags: Vec::new(),
        globals: Vec::new(),
        mems: Vec::new(),
        tables: Vec::new(),
        funcs: Vec::new(),
        datas: Vec::new(),
        elems: Vec::new(),
        exports: Vec::new(),
    }
}

/// The export of a module instance with the given name.
pub fn export(mm: &Moduleinst, name: &str) -> Option<Externaddr> {
    mm.exports.iter().find(|x| x.name.iter().collect::<String>() == name).map(|x| x.addr.clone())
}
