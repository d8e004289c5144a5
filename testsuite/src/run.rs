//! Running scripts against an engine.
//!
//! Every command of a script counts once: as passed, failed or skipped. A command is skipped
//! when the engine answers [`EngineError::Unsupported`] (or the runner cannot express it:
//! `thread`, `wait`, components), and so is every command that depends on it: invoking an
//! instance whose module was skipped is skipped for the same reason. A command that depends
//! on a module that *failed* fails too ("its module failed at line N").
//!
//! Panics of the engine are caught per command (reported as a failure of kind `panic`, and
//! the script goes on); a script that cannot be read or parsed is one failure of that file.

use crate::engine::{Engine, EngineError, Imports, InstanceHandle, ModuleHandle, Registered};
use crate::pattern::{fmt_actual, fmt_expected, matches_all};
use crate::report::{Failure, FileReport, Report};
use crate::script::{self, Action, Command, ModuleForm, ModuleSrc};
use crate::value::{fmt_values, Value};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::io::Write;
use std::panic::{self, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::Once;
use std::time::{Duration, Instant};

/// Where a script's text comes from.
#[derive(Clone, Debug)]
pub enum SourceText {
    /// Text compiled into the program (the bundled suite).
    Static(&'static str),
    /// Text in memory.
    Owned(String),
    /// A file, read when its turn comes.
    Path(PathBuf),
}

/// A script to run, with the name reports use for it.
#[derive(Clone, Debug)]
pub struct Source {
    pub name: String,
    pub text: SourceText,
}

impl Source {
    pub fn new(name: impl Into<String>, text: SourceText) -> Source {
        Source { name: name.into(), text }
    }
}

/// Options of a run.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Draw a progress bar on standard error (the caller checks that it is a terminal).
    pub progress: bool,
}

/// Runs every source in order with `engine`; the engine is reset before each script.
pub fn run(engine: &mut dyn Engine, sources: &[Source], options: &Options) -> Report {
    let start = Instant::now();
    let engine_name = engine.name();
    let mut progress = Progress::new(options.progress, sources.len());
    let mut files = Vec::with_capacity(sources.len());
    for (i, src) in sources.iter().enumerate() {
        progress.draw(i, &src.name, true);
        let report = match &src.text {
            SourceText::Static(t) => run_script_with(engine, &src.name, t, &mut progress, i),
            SourceText::Owned(t) => run_script_with(engine, &src.name, t, &mut progress, i),
            SourceText::Path(p) => match std::fs::read(p) {
                Ok(bytes) => match String::from_utf8(bytes) {
                    Ok(t) => run_script_with(engine, &src.name, &t, &mut progress, i),
                    Err(_) => file_failure(&src.name, "read", "a UTF-8 text file", "not UTF-8"),
                },
                Err(e) => file_failure(&src.name, "read", "a readable file", &e.to_string()),
            },
        };
        files.push(report);
    }
    progress.finish();
    Report { engine: engine_name, files, elapsed: start.elapsed() }
}

/// Runs one script (given as text) with `engine`, after resetting it.
pub fn run_script(engine: &mut dyn Engine, name: &str, text: &str) -> FileReport {
    run_script_with(engine, name, text, &mut Progress::new(false, 0), 0)
}

fn file_failure(name: &str, kind: &str, expected: &str, actual: &str) -> FileReport {
    let mut r = FileReport::new(name);
    r.failed = 1;
    r.failures.push(Failure {
        file: name.to_string(),
        line: 0,
        kind: kind.to_string(),
        what: "the script".to_string(),
        expected: expected.to_string(),
        actual: actual.to_string(),
    });
    r
}

fn run_script_with(
    engine: &mut dyn Engine,
    name: &str,
    text: &str,
    progress: &mut Progress,
    index: usize,
) -> FileReport {
    let start = Instant::now();
    let script = match script::parse(text) {
        Ok(s) => s,
        Err(e) => {
            let mut r = file_failure(name, "parse", "a script the `wast` crate parses", &e.message);
            r.failures[0].line = e.line;
            r.elapsed = start.elapsed();
            return r;
        }
    };
    let mut report = FileReport::new(name);
    report.assertions = script.assertions();

    let placeholder = guarded(|| engine.is_placeholder()).unwrap_or(false);
    let mut state = State::new(placeholder);
    match guarded(|| engine.reset()) {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            let mut r = file_failure(name, "reset", "the engine resets", &e.to_string());
            r.elapsed = start.elapsed();
            return r;
        }
        Err(p) => {
            let mut r = file_failure(name, "panic", "the engine resets", &format!("panic: {p}"));
            r.elapsed = start.elapsed();
            return r;
        }
    }
    let spectest = match guarded(|| engine.spectest()) {
        Ok(Ok(h)) => Slot::Ok(h),
        Ok(Err(EngineError::Unsupported(r))) => Slot::Skipped(r),
        Ok(Err(e)) => {
            report.failed += 1;
            report.failures.push(Failure {
                file: name.to_string(),
                line: 0,
                kind: "spectest".into(),
                what: "the spectest host module".into(),
                expected: "an instance".into(),
                actual: e.to_string(),
            });
            Slot::Failed(0)
        }
        Err(p) => {
            report.failed += 1;
            report.failures.push(Failure {
                file: name.to_string(),
                line: 0,
                kind: "panic".into(),
                what: "the spectest host module".into(),
                expected: "an instance".into(),
                actual: format!("panic: {p}"),
            });
            Slot::Failed(0)
        }
    };
    state.register("spectest", spectest);

    for (n, cmd) in script.commands.iter().enumerate() {
        if n % 64 == 63 {
            progress.draw(index, name, false);
        }
        let outcome = match guarded(|| state.exec(engine, &cmd.command, cmd.line)) {
            Ok(o) => o,
            Err(p) => {
                state.after_panic(&cmd.command, cmd.line);
                Outcome::Fail { expected: "no panic".into(), actual: format!("panic: {p}"), panic: true }
            }
        };
        match outcome {
            Outcome::Pass => report.passed += 1,
            Outcome::FrontEndPass => {
                report.passed += 1;
                report.front_end_passes += 1;
            }
            Outcome::Skip(reason) => {
                report.skipped += 1;
                *report.skip_reasons.entry(reason).or_insert(0) += 1;
            }
            Outcome::Fail { expected, actual, panic } => {
                report.failed += 1;
                report.failures.push(Failure {
                    file: name.to_string(),
                    line: cmd.line,
                    kind: if panic { format!("{} (panic)", cmd.command.kind()) } else { cmd.command.kind().into() },
                    what: describe(&cmd.command),
                    expected,
                    actual,
                });
            }
        }
    }
    report.elapsed = start.elapsed();
    report
}

/// The verdict on one command.
#[derive(Debug)]
enum Outcome {
    Pass,
    /// Passed in the text front end alone (assert_malformed on text `wast` rejects).
    FrontEndPass,
    Fail { expected: String, actual: String, panic: bool },
    Skip(String),
}

fn fail(expected: impl Into<String>, actual: impl Into<String>) -> Outcome {
    Outcome::Fail { expected: expected.into(), actual: actual.into(), panic: false }
}

/// What stopped a step that should have gone on.
#[derive(Debug)]
enum Problem {
    /// The engine answered with an error (possibly `Unsupported`).
    Engine(EngineError),
    /// The text front end (`wast`) could not encode the module.
    FrontEnd(String),
    /// Not run, for this reason (a dependency was skipped, the runner cannot express it).
    Skip(String),
    /// Not run because of a failure elsewhere, or a script error.
    Fail(String),
}

impl Problem {
    /// The outcome of a command that expected success.
    fn outcome(self, expected: &str) -> Outcome {
        match self {
            Problem::Engine(EngineError::Unsupported(r)) | Problem::Skip(r) => Outcome::Skip(r),
            Problem::Engine(e) => fail(expected, e.to_string()),
            Problem::FrontEnd(m) => fail(expected, format!("the text front end (wast) rejects the module: {m}")),
            Problem::Fail(m) => fail(expected, m),
        }
    }

    /// The outcome of an assertion that expected an error of `kind` whose message starts with
    /// `message`.
    fn expect(self, kind: &str, message: &str) -> Outcome {
        let expected = format!("{kind}: \"{message}\"");
        match self {
            Problem::Engine(EngineError::Unsupported(r)) | Problem::Skip(r) => Outcome::Skip(r),
            Problem::Engine(e) if e.kind() == kind => {
                if e.message().starts_with(message) {
                    Outcome::Pass
                } else {
                    fail(expected, e.to_string())
                }
            }
            Problem::Engine(e) => fail(expected, e.to_string()),
            Problem::FrontEnd(m) => fail(expected, format!("the text front end (wast) rejects the module: {m}")),
            Problem::Fail(m) => fail(expected, m),
        }
    }
}

/// A binding of the script: a thing the engine made, or why there is none.
#[derive(Clone, Debug)]
enum Slot<T> {
    Ok(T),
    /// Skipped, for this reason.
    Skipped(String),
    /// Failed, at this line.
    Failed(usize),
}

impl<T: Copy> Slot<T> {
    fn get(&self, what: &str) -> Result<T, Problem> {
        match self {
            Slot::Ok(h) => Ok(*h),
            Slot::Skipped(r) => Err(Problem::Skip(r.clone())),
            Slot::Failed(0) => Err(Problem::Fail(format!("{what} is unavailable: the engine failed to make it"))),
            Slot::Failed(l) => Err(Problem::Fail(format!("{what} is unavailable: its module failed at line {l}"))),
        }
    }
}

fn slot_of<T>(p: &Problem, line: usize) -> Slot<T> {
    match p {
        Problem::Engine(EngineError::Unsupported(r)) | Problem::Skip(r) => Slot::Skipped(r.clone()),
        _ => Slot::Failed(line),
    }
}

/// The bindings of one script run.
struct State {
    placeholder: bool,
    imports: Imports,
    /// What each registered name stands for (the reasons behind `Registered::Unavailable`).
    registered: HashMap<String, Slot<InstanceHandle>>,
    instances: HashMap<String, Slot<InstanceHandle>>,
    modules: HashMap<String, Slot<ModuleHandle>>,
    current: Option<Slot<InstanceHandle>>,
    last_module: Option<Slot<ModuleHandle>>,
}

/// Why `assert_invalid` is skipped with an engine that does not validate (see
/// [`Engine::validates`]).
pub const NO_VALIDATION: &str = "validation is not generated yet";
const FRONT_END_ONLY: &str =
    "assert_malformed decided by the text front end alone (a placeholder engine gets no credit)";
const FRONT_END_ACCEPTS: &str =
    "assert_malformed on text that the text front end (wast) accepts";

impl State {
    fn new(placeholder: bool) -> State {
        State {
            placeholder,
            imports: Imports::new(),
            registered: HashMap::new(),
            instances: HashMap::new(),
            modules: HashMap::new(),
            current: None,
            last_module: None,
        }
    }

    fn register(&mut self, name: &str, slot: Slot<InstanceHandle>) {
        let what = match &slot {
            Slot::Ok(h) => Registered::Instance(*h),
            _ => Registered::Unavailable,
        };
        self.imports.register(name, what);
        self.registered.insert(name.to_string(), slot);
    }

    /// Decodes and validates a module.
    fn load(&mut self, engine: &mut dyn Engine, src: &ModuleSrc) -> Result<ModuleHandle, Problem> {
        let bytes = match (&src.binary, src.form) {
            (Ok(b), _) => b,
            (Err(m), ModuleForm::Component) => return Err(Problem::Skip(m.clone())),
            (Err(m), _) => return Err(Problem::FrontEnd(m.clone())),
        };
        let m = engine.decode(bytes).map_err(Problem::Engine)?;
        if engine.validates() {
            engine.validate(m).map_err(Problem::Engine)?;
        }
        Ok(m)
    }

    /// Instantiates a module with the registered instances.
    fn instantiate(&mut self, engine: &mut dyn Engine, m: ModuleHandle) -> Result<InstanceHandle, Problem> {
        let r = engine.instantiate(m, &self.imports);
        let unavailable = self.imports.take_unavailable_lookups();
        match r {
            Ok(h) => Ok(h),
            Err(e) if unavailable.is_empty() => Err(Problem::Engine(e)),
            Err(_) => {
                // The module imports from an instance that does not exist: whatever the engine
                // says, the verdict is that instance's.
                for name in &unavailable {
                    if let Some(Slot::Skipped(r)) = self.registered.get(name) {
                        return Err(Problem::Skip(r.clone()));
                    }
                }
                let name = &unavailable[0];
                match self.registered.get(name) {
                    Some(Slot::Failed(l)) if *l > 0 => Err(Problem::Fail(format!(
                        "imports from `{name}`, whose module failed at line {l}"
                    ))),
                    _ => Err(Problem::Fail(format!("imports from `{name}`, which the engine failed to make"))),
                }
            }
        }
    }

    fn instance(&self, name: &Option<String>) -> Result<InstanceHandle, Problem> {
        match name {
            None => match &self.current {
                Some(s) => s.get("the current instance"),
                None => Err(Problem::Fail("no module instance to act on".into())),
            },
            Some(n) => match self.instances.get(n) {
                Some(s) => s.get(&format!("instance ${n}")),
                None => Err(Problem::Fail(format!("unknown instance ${n}"))),
            },
        }
    }

    fn perform(&mut self, engine: &mut dyn Engine, action: &Action) -> Result<Vec<Value>, Problem> {
        match action {
            Action::Invoke { instance, export, args } => {
                let args = args.as_ref().map_err(|r| Problem::Skip(r.clone()))?;
                let h = self.instance(instance)?;
                engine.invoke(h, export, args).map_err(Problem::Engine)
            }
            Action::Get { instance, export } => {
                let h = self.instance(instance)?;
                engine.get_global(h, export).map(|v| vec![v]).map_err(Problem::Engine)
            }
            Action::Instantiate(src) => {
                let m = self.load(engine, src)?;
                self.instantiate(engine, m)?;
                Ok(vec![])
            }
        }
    }

    fn bind_instance(&mut self, name: &Option<String>, slot: Slot<InstanceHandle>) {
        if let Some(n) = name {
            self.instances.insert(n.clone(), slot.clone());
        }
        self.current = Some(slot);
    }

    fn bind_module(&mut self, name: &Option<String>, slot: Slot<ModuleHandle>) {
        if let Some(n) = name {
            self.modules.insert(n.clone(), slot.clone());
        }
        self.last_module = Some(slot);
    }

    /// After a panic in `cmd`: whatever it was to define counts as failed.
    fn after_panic(&mut self, cmd: &Command, line: usize) {
        match cmd {
            Command::Module { name, instantiate, .. } => {
                self.bind_module(name, Slot::Failed(line));
                if *instantiate {
                    self.bind_instance(name, Slot::Failed(line));
                }
            }
            Command::Instance { instance, .. } => self.bind_instance(instance, Slot::Failed(line)),
            Command::Register { name, .. } => self.register(name, Slot::Failed(line)),
            _ => {}
        }
    }

    fn exec(&mut self, engine: &mut dyn Engine, cmd: &Command, line: usize) -> Outcome {
        match cmd {
            Command::Module { name, module, instantiate } => {
                let m = match self.load(engine, module) {
                    Ok(m) => m,
                    Err(p) => {
                        self.bind_module(name, slot_of(&p, line));
                        if *instantiate {
                            self.bind_instance(name, slot_of(&p, line));
                        }
                        return p.outcome("a valid module");
                    }
                };
                self.bind_module(name, Slot::Ok(m));
                if !*instantiate {
                    return Outcome::Pass;
                }
                self.instantiate_into(engine, m, name, line)
            }
            Command::Instance { instance, module } => {
                let slot = match module {
                    Some(n) => self.modules.get(n).cloned(),
                    None => self.last_module.clone(),
                };
                let slot = match slot {
                    Some(s) => s,
                    None => {
                        let what = module.as_ref().map_or("no module defined".to_string(), |n| format!("unknown module ${n}"));
                        self.bind_instance(instance, Slot::Failed(line));
                        return fail("a module to instantiate", what);
                    }
                };
                match slot.get("the module") {
                    Ok(m) => self.instantiate_into(engine, m, instance, line),
                    Err(p) => {
                        self.bind_instance(instance, slot_of(&p, line));
                        p.outcome("an instance")
                    }
                }
            }
            Command::Register { name, instance } => {
                let slot = match instance {
                    None => self.current.clone(),
                    Some(n) => self.instances.get(n).cloned(),
                };
                let Some(slot) = slot else {
                    let what = instance.as_ref().map_or("no instance".to_string(), |n| format!("unknown instance ${n}"));
                    self.register(name, Slot::Failed(line));
                    return fail("an instance to register", what);
                };
                let outcome = match slot.get("the instance") {
                    Ok(_) => Outcome::Pass,
                    Err(p) => p.outcome("an instance to register"),
                };
                self.register(name, slot);
                outcome
            }
            Command::Action(action) => match self.perform(engine, action) {
                Ok(_) => Outcome::Pass,
                Err(p) => p.outcome("success"),
            },
            Command::AssertReturn { action, expected } => {
                let expected = match expected {
                    Ok(e) => e,
                    Err(r) => return Outcome::Skip(r.clone()),
                };
                match self.perform(engine, action) {
                    Ok(values) if matches_all(expected, &values) => Outcome::Pass,
                    Ok(values) => fail(fmt_expected(expected), fmt_actual(expected, &values)),
                    Err(p) => p.outcome(&fmt_expected(expected)),
                }
            }
            Command::AssertTrap { action, message } => self.expect_error(engine, action, "trap", message),
            Command::AssertExhaustion { action, message } => {
                self.expect_error(engine, action, "exhaustion", message)
            }
            Command::AssertException { action } => match self.perform(engine, action) {
                Ok(values) => fail("an uncaught exception", format!("success: {}", fmt_values(&values))),
                Err(Problem::Engine(EngineError::Exception(_))) => Outcome::Pass,
                Err(p) => p.outcome("an uncaught exception"),
            },
            Command::AssertMalformed { module, message } => self.assert_malformed(engine, module, message),
            Command::AssertInvalid { .. } if !engine.validates() => Outcome::Skip(NO_VALIDATION.into()),
            Command::AssertInvalid { module, message } => match self.load(engine, module) {
                Ok(_) => fail(format!("invalid: \"{message}\""), "the module validates"),
                Err(p) => p.expect("invalid", message),
            },
            Command::AssertUnlinkable { module, message } => {
                let action = Action::Instantiate(module.clone());
                self.expect_error(engine, &action, "unlinkable", message)
            }
            Command::Unsupported { reason, .. } => Outcome::Skip(reason.clone()),
        }
    }

    fn instantiate_into(
        &mut self,
        engine: &mut dyn Engine,
        m: ModuleHandle,
        name: &Option<String>,
        line: usize,
    ) -> Outcome {
        match self.instantiate(engine, m) {
            Ok(h) => {
                self.bind_instance(name, Slot::Ok(h));
                Outcome::Pass
            }
            Err(p) => {
                self.bind_instance(name, slot_of(&p, line));
                p.outcome("a successful instantiation")
            }
        }
    }

    fn expect_error(&mut self, engine: &mut dyn Engine, action: &Action, kind: &str, message: &str) -> Outcome {
        match self.perform(engine, action) {
            Ok(values) => {
                let actual = match action {
                    Action::Instantiate(_) => "the module instantiates".to_string(),
                    _ => format!("success: {}", fmt_values(&values)),
                };
                fail(format!("{kind}: \"{message}\""), actual)
            }
            Err(p) => p.expect(kind, message),
        }
    }

    fn assert_malformed(&mut self, engine: &mut dyn Engine, module: &ModuleSrc, message: &str) -> Outcome {
        match (module.form, &module.binary) {
            (ModuleForm::Component, Err(r)) => Outcome::Skip(r.clone()),
            (ModuleForm::Quote | ModuleForm::Text, Err(_)) if self.placeholder => Outcome::Skip(FRONT_END_ONLY.into()),
            (ModuleForm::Quote | ModuleForm::Text, Err(_)) => Outcome::FrontEndPass,
            // `wast` made a binary of text the script says is malformed (two start sections,
            // a legacy opcode): the binary usually is malformed too, and the engine should say
            // so, with its own (binary format) message, which is not compared. If it accepts
            // the binary, nobody can tell here whether `wast` or the engine is wrong: skipped.
            (ModuleForm::Quote | ModuleForm::Text, Ok(_)) => match self.load(engine, module) {
                Err(Problem::Engine(EngineError::Malformed(_))) => Outcome::Pass,
                Err(Problem::Engine(EngineError::Unsupported(r))) | Err(Problem::Skip(r)) => Outcome::Skip(r),
                Err(Problem::Engine(e)) => {
                    Outcome::Skip(format!("{FRONT_END_ACCEPTS}; the engine finds its binary {}", e.kind()))
                }
                Err(Problem::FrontEnd(_) | Problem::Fail(_)) | Ok(_) => {
                    Outcome::Skip(format!("{FRONT_END_ACCEPTS}; the engine accepts its binary"))
                }
            },
            (_, Err(m)) => Outcome::Skip(m.clone()),
            (ModuleForm::Binary | ModuleForm::Component, Ok(_)) => match self.load(engine, module) {
                Ok(_) => fail(format!("malformed: \"{message}\""), "the module decodes and validates"),
                Err(p) => p.expect("malformed", message),
            },
        }
    }
}

/// A short description of a command for failure reports.
fn describe(cmd: &Command) -> String {
    fn module(m: &ModuleSrc) -> String {
        match m.form {
            ModuleForm::Text => "(module ...)".into(),
            ModuleForm::Binary => "(module binary ...)".into(),
            ModuleForm::Quote => "(module quote ...)".into(),
            ModuleForm::Component => "(component ...)".into(),
        }
    }
    fn inst(i: &Option<String>) -> String {
        i.as_ref().map(|n| format!("${n} ")).unwrap_or_default()
    }
    fn action(a: &Action) -> String {
        match a {
            Action::Invoke { instance, export, args } => {
                let args = match args {
                    Ok(a) if a.is_empty() => String::new(),
                    Ok(a) => format!(" {}", fmt_values(a)),
                    Err(_) => " ...".into(),
                };
                format!("(invoke {}{:?}{})", inst(instance), export, args)
            }
            Action::Get { instance, export } => format!("(get {}{:?})", inst(instance), export),
            Action::Instantiate(m) => module(m),
        }
    }
    match cmd {
        Command::Module { name, module: m, instantiate } => {
            let n = name.as_ref().map(|n| format!(" ${n}")).unwrap_or_default();
            let d = if *instantiate { "" } else { " definition" };
            format!("module{d}{n} {}", module(m))
        }
        Command::Instance { instance, module } => format!(
            "(module instance {}{})",
            inst(instance),
            module.as_ref().map(|n| format!("${n}")).unwrap_or_default()
        ),
        Command::Register { name, instance } => format!("(register {name:?} {})", inst(instance)).replace(" )", ")"),
        Command::Action(a) => action(a),
        Command::AssertReturn { action: a, .. }
        | Command::AssertTrap { action: a, .. }
        | Command::AssertExhaustion { action: a, .. }
        | Command::AssertException { action: a } => action(a),
        Command::AssertMalformed { module: m, .. }
        | Command::AssertInvalid { module: m, .. }
        | Command::AssertUnlinkable { module: m, .. } => module(m),
        Command::Unsupported { kind, .. } => format!("({kind} ...)"),
    }
}

// ---- panic containment ----

thread_local! {
    static CATCHING: Cell<bool> = const { Cell::new(false) };
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Installs (once) a panic hook that stays silent and records the message while a guarded
/// call runs on this thread, and defers to the previous hook otherwise.
fn install_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if CATCHING.with(|c| c.get()) {
                let msg = payload_text(info.payload());
                let text = match info.location() {
                    Some(l) => format!("{msg} (at {}:{})", l.file(), l.line()),
                    None => msg,
                };
                LAST_PANIC.with(|p| *p.borrow_mut() = Some(text));
            } else {
                previous(info);
            }
        }));
    });
}

fn payload_text(p: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic with a non-text payload".into()
    }
}

/// Runs `f`, turning a panic into `Err(message)`.
fn guarded<R>(f: impl FnOnce() -> R) -> Result<R, String> {
    install_hook();
    let was = CATCHING.with(|c| c.replace(true));
    let r = panic::catch_unwind(AssertUnwindSafe(f));
    CATCHING.with(|c| c.set(was));
    r.map_err(|payload| LAST_PANIC.with(|p| p.borrow_mut().take()).unwrap_or_else(|| payload_text(&*payload)))
}

// ---- progress ----

/// A one-line progress bar on standard error, redrawn at most every 50 ms.
struct Progress {
    enabled: bool,
    total: usize,
    last: Option<Instant>,
    drawn: bool,
}

impl Progress {
    fn new(enabled: bool, total: usize) -> Progress {
        Progress { enabled, total, last: None, drawn: false }
    }

    fn draw(&mut self, done: usize, name: &str, force: bool) {
        if !self.enabled {
            return;
        }
        let now = Instant::now();
        if !force && self.last.is_some_and(|l| now.duration_since(l) < Duration::from_millis(50)) {
            return;
        }
        if force && self.last.is_some_and(|l| now.duration_since(l) < Duration::from_millis(20)) {
            return;
        }
        self.last = Some(now);
        const WIDTH: usize = 30;
        let filled = (done * WIDTH).checked_div(self.total).unwrap_or(WIDTH);
        let bar: String = "=".repeat(filled) + &" ".repeat(WIDTH - filled);
        let mut name = name.to_string();
        if name.chars().count() > 36 {
            name = format!("…{}", name.chars().rev().take(35).collect::<Vec<_>>().into_iter().rev().collect::<String>());
        }
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r\x1b[2K[{bar}] {done}/{} {name}", self.total);
        let _ = err.flush();
        self.drawn = true;
    }

    fn finish(&mut self) {
        if self.enabled && self.drawn {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K");
            let _ = err.flush();
        }
    }
}
