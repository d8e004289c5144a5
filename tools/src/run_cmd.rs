//! `wspec run FILE --invoke NAME [ARGS...] [--trace] [--json] [--fuel N] [--max-depth N] [--max-memory BYTES]`:
//! instantiate a module (`.wasm`, or text encoded by the `wast` crate) with the spec's
//! `$instantiate`, invoke one of its exported functions with `$invoke`, and print the results in
//! the spec's notation (or as JSON). `--trace` prints every step: the rule applied and the
//! instruction it reduced.
//!
//! Arguments are typed values (`i32:5`, `i64:-1`, `f32:1.5`, `f64:nan`, `f32:0x1p-3`,
//! `funcref:null`, `externref:7`) or bare numbers, taken as the type of their parameter. Imports
//! from `spectest` are provided (the host module of the official test suite; its print functions
//! print their arguments); other imports are an error.

use crate::args::Words;
use crate::decode_cmd::module_bytes;
use std::cell::RefCell;
use std::path::Path;
use std::process::ExitCode;
use std::rc::Rc;
use wspec_generated::syntax::{self as s, Numtype};
use wspec_interpreter::oracle::{self, json, json::string as json_str, Allowed};
use wspec_interpreter::{export, Error, Interp, Limits};

const USAGE: &str = "usage: wspec run FILE --invoke NAME [ARGS...] [--trace] [--json] [--fuel N] [--max-depth N] [--max-memory BYTES]";

/// The options of one run.
#[derive(Debug, Default)]
struct Options {
    file: Option<String>,
    invoke: Option<String>,
    args: Vec<String>,
    trace: bool,
    json: bool,
    fuel: Option<u64>,
    max_depth: Option<usize>,
    max_memory: Option<u64>,
}

/// A size in bytes: a number with an optional binary suffix (`Ki`, `Mi`, `Gi`, or `K`, `M`, `G`).
fn parse_size(text: &str) -> Option<u64> {
    let digits = text.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let scale: u64 = match &text[digits.len()..] {
        "" => 1,
        "K" | "Ki" | "KiB" => 1 << 10,
        "M" | "Mi" | "MiB" => 1 << 20,
        "G" | "Gi" | "GiB" => 1 << 30,
        _ => return None,
    };
    digits.parse::<u64>().ok()?.checked_mul(scale)
}

/// Whether a word that starts with `-` is a negative number rather than an option.
fn is_negative_number(a: &str) -> bool {
    let rest = &a[1..];
    rest.starts_with(|c: char| c.is_ascii_digit()) || rest == "inf" || rest.starts_with("nan")
}

fn parse_options(args: &[String]) -> Result<Options, String> {
    let mut o = Options::default();
    let mut words = Words::new(args);
    while let Some(w) = words.next() {
        let a = w.text;
        let mut value = || words.value(&w);
        match w.flag {
            "--trace" => o.trace = true,
            "--json" => o.json = true,
            "--invoke" => {
                if o.invoke.is_some() {
                    return Err("`--invoke` is given twice".into());
                }
                o.invoke = Some(value()?);
            }
            "--fuel" => {
                let v = value()?;
                o.fuel = Some(v.parse().map_err(|_| format!("`--fuel` takes a number of steps, not `{v}`"))?);
            }
            "--max-depth" => {
                let v = value()?;
                let n: usize = v.parse().map_err(|_| format!("`--max-depth` takes a number, not `{v}`"))?;
                if n == 0 {
                    return Err("`--max-depth` must be at least 1".into());
                }
                o.max_depth = Some(n);
            }
            "--max-memory" => {
                let v = value()?;
                o.max_memory = Some(parse_size(&v).ok_or_else(|| format!("`--max-memory` takes a number of bytes (e.g. 65536, 64Ki, 16Mi, 4Gi), not `{v}`"))?);
            }
            "--color" => {}
            _ if a.starts_with('-') && a.len() > 1 && !is_negative_number(a) => {
                return Err(format!("unknown option `{a}` for `wspec run`"));
            }
            _ if o.file.is_none() && o.invoke.is_none() => o.file = Some(a.to_string()),
            _ if o.invoke.is_some() => o.args.push(a.to_string()),
            _ => return Err(format!("unexpected argument `{a}` (arguments of the function come after `--invoke NAME`)")),
        }
    }
    if o.file.is_none() {
        return Err("`wspec run` needs a module file".into());
    }
    if o.invoke.is_none() {
        return Err("`wspec run` needs `--invoke NAME`, the exported function to call".into());
    }
    Ok(o)
}

pub fn run(args: &[String]) -> ExitCode {
    let o = match parse_options(args) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    // A panic is a bug of wspec: it is reported as one error line, not a backtrace.
    let panicked: std::sync::Arc<std::sync::Mutex<Option<String>>> = Default::default();
    let record = panicked.clone();
    std::panic::set_hook(Box::new(move |info| {
        let what = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic".into());
        let at = info.location().map(|l| format!(" at {}:{}", l.file(), l.line())).unwrap_or_default();
        if let Ok(mut p) = record.lock() {
            *p = Some(format!("{what}{at}"));
        }
    }));
    // Generated code recurses on definitions (types, constant expressions): a big stack keeps
    // deep modules from overflowing it.
    let worker = std::thread::Builder::new().name("wspec-run".into()).stack_size(256 << 20).spawn(move || execute(&o));
    match worker.map(|h| h.join()) {
        Ok(Ok(code)) => ExitCode::from(code),
        Ok(Err(_)) => {
            let what = panicked.lock().ok().and_then(|p| p.clone()).unwrap_or_default();
            eprintln!("error: internal error (a bug in wspec): {what}");
            ExitCode::from(1)
        }
        Err(e) => {
            eprintln!("error: cannot start the interpreter thread: {e}");
            ExitCode::from(1)
        }
    }
}

/// One traced step: the rule and the instruction it reduced.
type Trace = Rc<RefCell<Vec<(&'static str, Option<String>)>>>;

fn execute(o: &Options) -> u8 {
    let file = o.file.as_deref().unwrap_or_default();
    let name = o.invoke.as_deref().unwrap_or_default();
    let fail = |kind: &str, message: &str, steps: Option<u64>, trace: Option<&Trace>| -> u8 {
        if o.json {
            let mut fields = vec![
                ("function", json_str(name)),
                ("error", json::object(&[("kind", json_str(kind)), ("message", json_str(message))])),
            ];
            if let Some(n) = steps {
                fields.push(("steps", n.to_string()));
            }
            if let Some(t) = trace {
                fields.push(("trace", json_trace(t)));
            }
            crate::out::write(&format!("{}\n", json::object(&fields)));
        } else {
            eprintln!("error: {}", human(kind, message));
        }
        1
    };

    let bytes = match module_bytes(Path::new(file)) {
        Ok(b) => b,
        Err(e) => return fail("input", &e, None, None),
    };
    let mut it = Interp::new();
    let mut limits = Limits::default();
    if let Some(n) = o.max_depth {
        limits.max_depth = n;
    }
    limits.fuel = o.fuel;
    if let Some(n) = o.max_memory {
        limits.max_memory_bytes = n;
    }
    it.limits = limits;
    let module = match it.decode(&bytes) {
        Ok(m) => m,
        Err(e) => return fail("malformed", &error_message(&e), None, None),
    };

    // Imports: `spectest` only.
    let json = o.json;
    let spectest = wspec_testsuite::wspec_engine::alloc_spectest(&mut it, move |f: &str, args: &[s::Val]| {
        let shown: Vec<String> = args.iter().map(show_val).collect();
        let line = format!("{f}({})", shown.join(", "));
        // JSON output stays one document on standard output.
        if json {
            eprintln!("{line}");
        } else {
            crate::out::write(&format!("{line}\n"));
        }
    });
    let mut imports = Vec::with_capacity(module.imports.len());
    for s::Import(m, x, _) in &module.imports {
        let m: String = m.iter().collect();
        let x: String = x.iter().collect();
        let found = if m == "spectest" { export(&spectest, &x) } else { None };
        match found {
            Some(a) => imports.push(a),
            None => {
                let msg = format!("unknown import `{m}` `{x}` (wspec run provides the `spectest` module only)");
                return fail("unlinkable", &msg, None, None);
            }
        }
    }

    let trace: Trace = Rc::new(RefCell::new(Vec::new()));
    let tracing = o.trace;
    if tracing {
        if o.json {
            let t = trace.clone();
            it.trace(Some(Box::new(move |rule, instr| t.borrow_mut().push((rule, instr)))));
        } else {
            it.trace(Some(Box::new(|rule, instr| match instr {
                Some(i) => crate::out::write(&format!("{rule:<40} {}\n", one_line(&i))),
                None => crate::out::write(&format!("{rule}\n")),
            })));
        }
    }
    let trace_ref = if tracing && o.json { Some(&trace) } else { None };

    // NaNs chosen from here on (the start function included) make results sets.
    let chosen_before = wspec_interpreter::nan_choices();
    let mm = match it.instantiate(&module, imports) {
        Ok(mm) => mm,
        Err(e) => return fail(error_kind(&e), &format!("instantiation: {}", error_message(&e)), Some(it.steps), trace_ref),
    };
    if tracing && !o.json {
        crate::out::write("-- invoke\n");
    }

    let fa = match export(&mm, name) {
        Some(s::Externaddr::Func(a)) => a,
        Some(_) => return fail("usage", &format!("the export `{name}` is not a function"), None, None),
        None => {
            let funcs: Vec<String> = mm
                .exports
                .iter()
                .filter(|x| matches!(x.addr, s::Externaddr::Func(_)))
                .map(|x| format!("`{}`", x.name.iter().collect::<String>()))
                .collect();
            let known = if funcs.is_empty() { "it exports no functions".to_string() } else { format!("its functions are {}", funcs.join(", ")) };
            return fail("usage", &format!("the module has no export `{name}`; {known}"), None, None);
        }
    };
    let Some((params, results)) = func_type(&it, fa) else {
        return fail("internal", &format!("the function `{name}` has no function type"), None, None);
    };
    if o.args.len() != params.len() {
        let msg = format!(
            "`{name}` takes {} argument{} ({}), but {} {} given",
            params.len(),
            if params.len() == 1 { "" } else { "s" },
            params.iter().map(type_name).collect::<Vec<_>>().join(" "),
            o.args.len(),
            if o.args.len() == 1 { "was" } else { "were" },
        );
        return fail("usage", &msg, None, None);
    }
    let mut args = Vec::with_capacity(params.len());
    for (k, (a, t)) in o.args.iter().zip(&params).enumerate() {
        match parse_arg(a, t) {
            Ok(v) => args.push(v),
            Err(e) => return fail("usage", &format!("argument {} (`{a}`): {e}", k + 1), None, None),
        }
    }

    let outcome = it.invoke(fa, args.clone());
    if o.json {
        // The oracle's view of the call: results as the sets the standard allows, the trap's
        // kind, and the exports' final state.
        let chosen = wspec_interpreter::nan_choices() - chosen_before;
        let call = oracle::Call {
            export: name.to_string(),
            args,
            outcome: outcome.as_ref().map(|vals| vals.iter().map(|v| Allowed::of(v, chosen)).collect()).map_err(Clone::clone),
            steps: it.steps,
        };
        let mut fields = json::call_fields(&call);
        fields.push(("exports", json::exports(&oracle::exported_state(&it, &mm, chosen))));
        fields.push(("nan_choices", chosen.to_string()));
        if let Some(t) = trace_ref {
            fields.push(("trace", json_trace(t)));
        }
        crate::out::write(&format!("{}\n", json::object(&fields)));
        return u8::from(outcome.is_err());
    }
    match outcome {
        Ok(vals) => {
            if tracing {
                crate::out::write(&format!("-- {} steps\n", it.steps));
            }
            if vals.is_empty() {
                let note = if results.is_empty() { "" } else { " (expected results are missing)" };
                crate::out::write(&format!("eps{note}\n"));
            }
            for v in &vals {
                crate::out::write(&format!("{}\n", show_val(v)));
            }
            0
        }
        Err(e) => fail(error_kind(&e), &error_message(&e), Some(it.steps), trace_ref),
    }
}

/// The parameter and result types of the function at address `a`.
fn func_type(it: &Interp, a: s::Funcaddr) -> Option<(Vec<s::Valtype>, Vec<s::Valtype>)> {
    let fi = it.store.funcs.get(usize::try_from(a).ok()?)?;
    let (ct,) = wspec_generated::exec::rels::expand(&it.cx, &fi.type_).ok()?;
    match &*ct {
        s::Comptype::Func(p, r) => Some((p.clone(), r.clone())),
        _ => None,
    }
}

fn error_kind(e: &Error) -> &'static str {
    json::kind(e)
}

fn error_message(e: &Error) -> String {
    json::message(e)
}

fn human(kind: &str, message: &str) -> String {
    match kind {
        "input" | "usage" | "internal" => message.to_string(),
        "malformed" => format!("malformed module: {message}"),
        "trap" => format!("trap: {message}"),
        "exhaustion" => format!("exhausted: {message}"),
        "stuck" => format!("no rule applies (the spec does not cover this configuration): {message}"),
        _ => format!("{kind}: {message}"),
    }
}

// ---- arguments ----

fn type_name(t: &s::Valtype) -> String {
    match t {
        s::Valtype::Numtype(n) => num_name(*n).into(),
        s::Valtype::Vectype(_) => "v128".into(),
        s::Valtype::Reftype(s::Reftype(null, ht)) => {
            let ht = match ht {
                s::Heaptype::Absheaptype(a) => format!("{a:?}").to_lowercase(),
                s::Heaptype::Make(_, a) => format!("(shared {a:?})").to_lowercase(),
                s::Heaptype::Typeuse(_) => "(type)".into(),
            };
            if null.is_some() {
                format!("(ref null {ht})")
            } else {
                format!("(ref {ht})")
            }
        }
        s::Valtype::Bot => "bot".into(),
    }
}

fn num_name(n: Numtype) -> &'static str {
    json::num_name(n)
}

/// An argument for a parameter of type `t`: `TYPE:VALUE` or a bare value.
fn parse_arg(a: &str, t: &s::Valtype) -> Result<s::Val, String> {
    let (ty, text) = match a.split_once(':') {
        // `nan:0x...` is a bare float with a payload, not a type.
        Some((ty, rest)) if !ty.eq_ignore_ascii_case("nan") && !ty.eq_ignore_ascii_case("-nan") && !ty.eq_ignore_ascii_case("+nan") => (Some(ty), rest),
        _ => (None, a),
    };
    match t {
        s::Valtype::Numtype(n) => {
            if let Some(ty) = ty {
                if ty != num_name(*n) {
                    return Err(format!("the parameter is {}, not {ty}", num_name(*n)));
                }
            }
            let num = match n {
                Numtype::I32 => s::Num::Inn(u64::from(parse_int::<u32>(text, 32)?)),
                Numtype::I64 => s::Num::Inn(parse_int::<u64>(text, 64)?),
                Numtype::F32 => s::Num::Fnn(u64::from(parse_float::<wast::token::F32>(text)?.bits)),
                Numtype::F64 => s::Num::Fnn(parse_float::<wast::token::F64>(text)?.bits),
            };
            Ok(s::Val::Num_(s::Num_(*n, num)))
        }
        s::Valtype::Reftype(s::Reftype(null, ht)) => {
            if let Some(other) = ty.filter(|ty| !matches!(*ty, "ref" | "funcref" | "externref" | "anyref" | "exnref")) {
                return Err(format!("the parameter is {}, not {other}", type_name(t)));
            }
            if text == "null" {
                if null.is_none() {
                    return Err(format!("the parameter is {}, which is not nullable", type_name(t)));
                }
                return Ok(s::Val::Ref(s::Ref::RefNull(ht.clone())));
            }
            let extern_ht = matches!(ht, s::Heaptype::Absheaptype(s::Absheaptype::Extern));
            match text.parse::<u32>() {
                Ok(n) if extern_ht => Ok(s::Val::Ref(s::Ref::RefExtern(Box::new(s::Ref::RefHostAddr(u64::from(n)))))),
                _ if extern_ht => Err(format!("an externref argument is `null` or a host value number, not `{text}`")),
                _ => Err(format!("a {} argument can only be `null` on the command line", type_name(t))),
            }
        }
        s::Valtype::Vectype(_) => {
            if let Some(ty) = ty {
                if ty != "v128" {
                    return Err(format!("the parameter is v128, not {ty}"));
                }
            }
            let v = parse_int::<u128>(text, 128)?;
            Ok(s::Val::Vec__(s::Vec__(s::Vectype, v)))
        }
        s::Valtype::Bot => Err("the parameter has the bottom type".into()),
    }
}

/// An integer of `bits` bits, written signed or unsigned, decimal or `0x` hexadecimal, with `_`
/// separators as in the text format.
fn parse_int<T: TryFrom<u128>>(text: &str, bits: u32) -> Result<T, String> {
    let clean: String = text.chars().filter(|&c| c != '_').collect();
    let (neg, digits) = match clean.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, clean.strip_prefix('+').unwrap_or(&clean)),
    };
    let parsed = match digits.strip_prefix("0x").or_else(|| digits.strip_prefix("0X")) {
        Some(hex) => u128::from_str_radix(hex, 16),
        None => digits.parse::<u128>(),
    };
    let bad = || format!("`{text}` is not an integer of {bits} bits");
    let mag = parsed.map_err(|_| bad())?;
    let modulus: u128 = if bits == 128 { u128::MAX } else { (1u128 << bits) - 1 };
    let value = if neg {
        let limit = if bits == 128 { 1u128 << 127 } else { 1u128 << (bits - 1) };
        if mag > limit {
            return Err(bad());
        }
        (mag.wrapping_neg()) & modulus
    } else {
        if mag > modulus {
            return Err(bad());
        }
        mag
    };
    T::try_from(value).map_err(|_| bad())
}

/// A float in the text format's notation (`1.5`, `-0x1p-3`, `inf`, `nan`, `nan:0x200000`).
fn parse_float<T: for<'b> wast::parser::Parse<'b>>(text: &str) -> Result<T, String> {
    let bad = || format!("`{text}` is not a float (write e.g. 1.5, -0x1p-3, inf, nan or nan:0x200000)");
    let buf = wast::parser::ParseBuffer::new(text).map_err(|_| bad())?;
    wast::parser::parse::<T>(&buf).map_err(|_| bad())
}

// ---- results ----

/// A value in the spec's notation; floats are shown as numbers rather than bit patterns.
fn show_val(v: &s::Val) -> String {
    match v {
        s::Val::Num_(s::Num_(Numtype::F32, s::Num::Fnn(b) | s::Num::Inn(b))) => {
            format!("(CONST F32 {})", fmt_f32(*b as u32))
        }
        s::Val::Num_(s::Num_(Numtype::F64, s::Num::Fnn(b) | s::Num::Inn(b))) => {
            format!("(CONST F64 {})", fmt_f64(*b))
        }
        other => wspec_generated::show::show(other, &wspec_generated::decode::Ctx::default()),
    }
}

fn fmt_f32(bits: u32) -> String {
    json::float_text(u64::from(bits), 32)
}

fn fmt_f64(bits: u64) -> String {
    json::float_text(bits, 64)
}

/// An instruction printed on one line (the printer breaks long sequences over lines).
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

// ---- JSON ----

fn json_trace(t: &Trace) -> String {
    json::array(t.borrow().iter().map(|(rule, instr)| match instr {
        Some(i) => json::object(&[("rule", json_str(rule)), ("instr", json_str(&one_line(i)))]),
        None => json::object(&[("rule", json_str(rule))]),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_signed_and_unsigned() {
        assert_eq!(parse_int::<u32>("5", 32), Ok(5));
        assert_eq!(parse_int::<u32>("-1", 32), Ok(u32::MAX));
        assert_eq!(parse_int::<u32>("0xffff_ffff", 32), Ok(u32::MAX));
        assert_eq!(parse_int::<u32>("-2147483648", 32), Ok(0x8000_0000));
        assert!(parse_int::<u32>("-2147483649", 32).is_err());
        assert!(parse_int::<u32>("4294967296", 32).is_err());
        assert_eq!(parse_int::<u64>("-1", 64), Ok(u64::MAX));
        assert!(parse_int::<u64>("x1", 64).is_err());
    }

    #[test]
    fn floats_in_text_notation() {
        assert_eq!(parse_float::<wast::token::F32>("1.5").map(|f| f.bits), Ok(1.5f32.to_bits()));
        assert_eq!(parse_float::<wast::token::F64>("-inf").map(|f| f.bits), Ok(f64::NEG_INFINITY.to_bits()));
        assert_eq!(parse_float::<wast::token::F32>("nan:0x200000").map(|f| f.bits), Ok(0x7fa0_0000));
        assert_eq!(parse_float::<wast::token::F32>("0x1p-3").map(|f| f.bits), Ok(0.125f32.to_bits()));
        assert!(parse_float::<wast::token::F32>("one").is_err());
        assert_eq!(fmt_f32(0x7fc0_0000), "nan");
        assert_eq!(fmt_f32(0xffa0_0000), "-nan:0x200000");
        assert_eq!(fmt_f64(2.5f64.to_bits()), "2.5");
    }

    #[test]
    fn options_take_negative_numbers_as_arguments() {
        let args: Vec<String> = ["m.wat", "--invoke", "f", "-1", "i64:-2", "--fuel", "10"].iter().map(|s| s.to_string()).collect();
        let o = parse_options(&args).unwrap();
        assert_eq!(o.args, vec!["-1", "i64:-2"]);
        assert_eq!(o.fuel, Some(10));
        assert_eq!(parse_size("64Ki"), Some(65536));
        assert_eq!(parse_size("4Gi"), Some(1 << 32));
        assert_eq!(parse_size("12"), Some(12));
        assert_eq!(parse_size("3T"), None);
        assert!(parse_options(&["m.wat".to_string()]).is_err());
        assert!(parse_options(&["m.wat".into(), "--invoke".into(), "f".into(), "--frob".into()]).is_err());
    }
}
