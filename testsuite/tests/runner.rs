//! The runner against a mock engine (see `common/mod.rs`): dispatch of every command kind,
//! result matching, messages, naming, skips, reports.

mod common;

use common::*;
use wspec_testsuite::pattern::*;
use wspec_testsuite::*;

fn failures(r: &FileReport) -> String {
    r.failures.iter().map(|f| format!("{}:{} {} | {} | {}\n", f.line, f.kind, f.what, f.expected, f.actual)).collect()
}

#[track_caller]
fn assert_counts(r: &FileReport, passed: usize, failed: usize, skipped: usize) {
    assert_eq!(
        (r.passed, r.failed, r.skipped),
        (passed, failed, skipped),
        "failures:\n{}skips: {:?}",
        failures(r),
        r.skip_reasons
    );
}

#[test]
fn every_command_kind_is_dispatched() {
    let script = r#"
(module $A (@custom "mock" "export f = i32:1; export t trap boom; export x exhaust call stack exhausted; export e throw; global g i32:7"))
(module definition $D (@custom "mock" "export c counter"))
(module instance $I $D)
(register "a" $A)
(invoke $A "f")
(assert_return (invoke $A "f") (i32.const 1))
(assert_return (get $A "g") (i32.const 7))
(assert_trap (invoke $A "t") "boom")
(assert_trap (module (@custom "mock" "trap out of bounds memory access")) "out of bounds")
(assert_exhaustion (invoke $A "x") "call stack exhausted")
(assert_exception (invoke $A "e"))
(assert_invalid (module (@custom "mock" "invalid type mismatch")) "type mismatch")
(assert_malformed (module binary "\00asm" "\02\00\00\00") "unknown binary version")
(assert_malformed (module quote "(func (i32.const 0x1_0000_0000_0000))") "i32 constant")
(assert_unlinkable (module (@custom "mock" "import nowhere")) "unknown import")
(thread $T (module))
(wait $T)
(assert_return (invoke $I "c") (i32.const 1))
"#;
    let (r, mock) = run_mock(script);
    // 18 commands: 15 pass; thread and wait are skipped.
    assert_counts(&r, 16, 0, 2);
    assert_eq!(r.skip_reasons.get("threads (thread and wait commands)"), Some(&2));
    assert_eq!(r.front_end_passes, 1, "the quoted module is rejected by the text front end");
    assert_eq!(r.assertions, 11);
    assert_eq!(mock.log[0], "reset");
    assert_eq!(mock.log[1], "spectest");
    // assert_invalid decodes and validates, never instantiates.
    let expected = "reset,spectest,\
        decode,validate,instantiate,\
        decode,validate,\
        instantiate,\
        invoke f,invoke f,get g,invoke t,\
        decode,validate,instantiate,\
        invoke x,invoke e,\
        decode,validate,\
        decode,\
        decode,validate,instantiate,\
        invoke c";
    assert_eq!(mock.log.join(","), expected);
}

#[test]
fn assert_malformed_on_binary_needs_the_engines_decode_error() {
    let script = r#"
(assert_malformed (module binary "\00asm") "unexpected end")
(assert_malformed (module binary "\00abc\01\00\00\00") "magic header")
(assert_malformed (module binary "\00asm\01\00\00\00") "anything")
(assert_malformed (module binary "\00asm\01\00\00\00" "\00\10\04mock" "invalid bad") "x")
(assert_malformed (module binary "\00abc\01\00\00\00") "wrong message")
"#;
    let (r, _) = run_mock(script);
    assert_counts(&r, 2, 3, 0);
    let f = failures(&r);
    assert!(f.contains("4:assert_malformed (module binary ...) | malformed: \"anything\" | the module decodes and validates"), "{f}");
    assert!(f.contains("5:assert_malformed (module binary ...) | malformed: \"x\" | invalid: \"bad\""), "{f}");
    assert!(f.contains("malformed: \"wrong message\" | malformed: \"magic header not detected\""), "{f}");
}

#[test]
fn messages_match_by_prefix() {
    let script = r#"
(module (@custom "mock" "export t trap integer divide by zero"))
(assert_trap (invoke "t") "integer divide by zero")
(assert_trap (invoke "t") "integer divide")
(assert_trap (invoke "t") "")
(assert_trap (invoke "t") "integer overflow")
(assert_trap (invoke "t") "integer divide by zero!")
(assert_exhaustion (invoke "t") "integer")
(assert_invalid (module (@custom "mock" "invalid type mismatch in block")) "type mismatch")
(assert_invalid (module (@custom "mock" "invalid type mismatch")) "unknown type")
(assert_unlinkable (module (@custom "mock" "unlinkable incompatible import type: func")) "incompatible import type")
(assert_unlinkable (module (@custom "mock" "import spectest")) "unknown import")
"#;
    let (r, _) = run_mock(script);
    assert_counts(&r, 6, 5, 0);
    let f = failures(&r);
    assert!(f.contains("trap: \"integer overflow\" | trap: \"integer divide by zero\""), "{f}");
    assert!(f.contains("trap: \"integer divide by zero!\" | trap: \"integer divide by zero\""), "{f}");
    assert!(f.contains("exhaustion: \"integer\" | trap: \"integer divide by zero\""), "{f}");
    assert!(f.contains("invalid: \"unknown type\" | invalid: \"type mismatch\""), "{f}");
    assert!(f.contains("unlinkable: \"unknown import\" | the module instantiates"), "{f}");
}

#[test]
fn nan_patterns_on_f32_f64_and_v128_lanes() {
    let script = r#"
(module (@custom "mock" "export c32 = f32:0x7fc00000; export nc32 = f32:0xffc00000; export a32 = f32:0x7fe00001; export s32 = f32:0x7fa00000; export one = f32:0x3f800000; export c64 = f64:0x7ff8000000000000; export a64 = f64:0xfffc000000000001; export s64 = f64:0x7ff4000000000000; export v = v128:0000c07f0100e07f0000803f0000c0ff; export vd = v128:000000000000f87f010000000000fcff"))
(assert_return (invoke "c32") (f32.const nan:canonical))
(assert_return (invoke "nc32") (f32.const nan:canonical))
(assert_return (invoke "c32") (f32.const nan:arithmetic))
(assert_return (invoke "a32") (f32.const nan:arithmetic))
(assert_return (invoke "a32") (f32.const nan:canonical))
(assert_return (invoke "s32") (f32.const nan:arithmetic))
(assert_return (invoke "one") (f32.const nan:arithmetic))
(assert_return (invoke "one") (f32.const 1.0))
(assert_return (invoke "c32") (f32.const nan))
(assert_return (invoke "nc32") (f32.const nan))
(assert_return (invoke "c64") (f64.const nan:canonical))
(assert_return (invoke "a64") (f64.const nan:arithmetic))
(assert_return (invoke "a64") (f64.const nan:canonical))
(assert_return (invoke "s64") (f64.const nan:arithmetic))
(assert_return (invoke "v") (v128.const f32x4 nan:canonical nan:arithmetic 1.0 nan:canonical))
(assert_return (invoke "v") (v128.const f32x4 nan:canonical nan:canonical 1.0 nan:canonical))
(assert_return (invoke "v") (v128.const i32x4 0x7fc00000 0x7fe00001 0x3f800000 0xffc00000))
(assert_return (invoke "vd") (v128.const f64x2 nan:canonical nan:arithmetic))
(assert_return (invoke "vd") (v128.const f64x2 nan:canonical nan:canonical))
(assert_return (invoke "one") (f64.const 1.0))
"#;
    let (r, _) = run_mock(script);
    let f = failures(&r);
    // Failing lines: a32 canonical, s32 arithmetic, one arithmetic, nc32 vs nan (+), a64
    // canonical, s64 arithmetic, v with lane 2 canonical, vd lane 2 canonical, f32 vs f64.
    let failed: Vec<usize> = r.failures.iter().map(|f| f.line).collect();
    assert_eq!(failed, vec![7, 8, 9, 12, 15, 16, 18, 21, 22], "{f}");
    assert_counts(&r, 12, 9, 0);
    assert!(f.contains("(v128.const f32x4 nan:canonical nan:canonical"), "{f}");
    assert!(f.contains("(v128.const f32x4 nan:0x400000 (0x7fc00000) nan:0x600001 (0x7fe00001)"), "actual in the expected shape: {f}");
}

#[test]
fn nan_predicates_directly() {
    assert!(f32_is_canonical_nan(0x7fc0_0000) && f32_is_canonical_nan(0xffc0_0000));
    assert!(!f32_is_canonical_nan(0x7fc0_0001) && !f32_is_canonical_nan(0x7f80_0000));
    assert!(f32_is_arithmetic_nan(0x7fc0_0001) && f32_is_arithmetic_nan(0xffff_ffff));
    assert!(!f32_is_arithmetic_nan(0x7fa0_0000) && !f32_is_arithmetic_nan(0x7f80_0000));
    assert!(f64_is_canonical_nan(0x7ff8_0000_0000_0000) && f64_is_canonical_nan(0xfff8_0000_0000_0000));
    assert!(!f64_is_canonical_nan(0x7ff8_0000_0000_0001));
    assert!(f64_is_arithmetic_nan(0x7ffc_0000_0000_0000) && !f64_is_arithmetic_nan(0x7ff4_0000_0000_0000));
    assert!(!f64_is_arithmetic_nan(0x7ff0_0000_0000_0000), "infinity is no NaN");
    // Exact bits: -0.0 is not 0.0.
    assert!(!Expected::F32(FloatPat::Bits(0)).matches(&Value::F32(0x8000_0000)));
    assert!(!Expected::I32(1).matches(&Value::I64(1)), "types must agree");
}

#[test]
fn either_matches_one_alternative() {
    let script = r#"
(module (@custom "mock" "export two = i32:2; export pair = i32:1 i64:5; export v = v128:01000000020000000300000004000000"))
(assert_return (invoke "two") (either (i32.const 1) (i32.const 2)))
(assert_return (invoke "two") (either (i32.const 1) (i32.const 3)))
(assert_return (invoke "two") (either (i64.const 2) (f32.const nan:canonical) (i32.const 2)))
(assert_return (invoke "pair") (i32.const 1) (either (i64.const 4) (i64.const 5)))
(assert_return (invoke "v") (either (v128.const i32x4 1 2 3 5) (v128.const i32x4 1 2 3 4)))
(assert_return (invoke "v") (either (v128.const i64x2 1 2) (v128.const i16x8 1 0 2 0 3 0 4 0)))
"#;
    let (r, _) = run_mock(script);
    assert_counts(&r, 6, 1, 0);
    assert_eq!(r.failures[0].line, 4);
    assert_eq!(r.failures[0].expected, "(either (i32.const 1) (i32.const 3))");
    assert_eq!(r.failures[0].actual, "(i32.const 2)");
}

#[test]
fn reference_patterns() {
    let script = r#"
(module (@custom "mock" "export null = null; export func = func; export e1 = extern:1; export h1 = host:1; export i31 = i31:5; export s = struct; export a = array; export x = exn; export es = extern-struct; export echo echo"))
(assert_return (invoke "null") (ref.null func))
(assert_return (invoke "null") (ref.null extern))
(assert_return (invoke "null") (ref.null))
(assert_return (invoke "func") (ref.func))
(assert_return (invoke "func") (ref.null func))
(assert_return (invoke "null") (ref.func))
(assert_return (invoke "e1") (ref.extern 1))
(assert_return (invoke "e1") (ref.extern))
(assert_return (invoke "e1") (ref.extern 2))
(assert_return (invoke "es") (ref.extern))
(assert_return (invoke "es") (ref.extern 1))
(assert_return (invoke "h1") (ref.host 1))
(assert_return (invoke "h1") (ref.any))
(assert_return (invoke "h1") (ref.eq))
(assert_return (invoke "h1") (ref.extern 1))
(assert_return (invoke "i31") (ref.i31))
(assert_return (invoke "i31") (ref.eq))
(assert_return (invoke "i31") (ref.any))
(assert_return (invoke "s") (ref.struct))
(assert_return (invoke "s") (ref.eq))
(assert_return (invoke "s") (ref.array))
(assert_return (invoke "a") (ref.array))
(assert_return (invoke "a") (ref.eq))
(assert_return (invoke "a") (ref.struct))
(assert_return (invoke "x") (ref.any))
(assert_return (invoke "echo" (ref.extern 3) (ref.host 4) (ref.null any)) (ref.extern 3) (ref.host 4) (ref.null))
(assert_return (invoke "echo" (ref.null 0)) (ref.null))
(assert_return (invoke "echo" (ref.null $t)) (ref.null))
"#;
    let (r, _) = run_mock(script);
    let failed: Vec<usize> = r.failures.iter().map(|f| f.line).collect();
    assert_eq!(failed, vec![7, 8, 11, 13, 16, 17, 23, 26, 27], "{}", failures(&r));
    assert_counts(&r, 19, 9, 1);
    assert_eq!(r.skip_reasons.keys().next().unwrap(), "symbolic type index $t in a script value");
    // Pattern values directly.
    assert!(RefPat::Extern(Some(3)).matches(&Ref::extern_host(3)));
    assert!(!RefPat::Host(3).matches(&Ref::extern_host(3)));
    assert!(RefPat::Null.matches(&Ref::Null(HeapType::NoExtern)));
    assert!(RefPat::Exn.matches(&Ref::Exn(0)) && !RefPat::Any.matches(&Ref::Exn(0)));
    assert!(!RefPat::Eq.matches(&Ref::Any(0)) && RefPat::Any.matches(&Ref::Any(0)));
}

#[test]
fn register_and_instance_names() {
    let script = r#"
(module definition $M (@custom "mock" "export c counter; export f = i32:1"))
(module instance $I1 $M)
(module instance $I2 $M)
(assert_return (invoke $I1 "c") (i32.const 1))
(assert_return (invoke $I1 "c") (i32.const 2))
(assert_return (invoke $I2 "c") (i32.const 1))
(assert_return (invoke "c") (i32.const 2))
(module instance $M)
(assert_return (invoke "c") (i32.const 1))
(module instance)
(assert_return (invoke "c") (i32.const 1))
(register "lib" $I1)
(module (@custom "mock" "import lib; import spectest"))
(module (@custom "mock" "import lib2"))
(register "lib2")
(module (@custom "mock" "import lib2"))
(invoke $Nope "c")
(register "x" $Nope)
(module instance $J $Unknown)
(module $K (@custom "mock" "export g = i32:9"))
(assert_return (invoke $K "g") (i32.const 9))
(assert_return (invoke $I1 "c") (i32.const 3))
"#;
    let (r, _) = run_mock(script);
    let failed: Vec<usize> = r.failures.iter().map(|f| f.line).collect();
    // Line 15: `lib2` is not registered yet (unlinkable). Line 16 registers the *current*
    // instance, which is the one that failed at line 15. Line 17 imports from it.
    assert_eq!(failed, vec![15, 16, 17, 18, 19, 20], "{}", failures(&r));
    let f = failures(&r);
    assert!(f.contains("unknown import lib2"), "{f}");
    assert!(f.contains("imports from `lib2`, whose module failed at line 15"), "{f}");
    assert!(f.contains("unknown instance $Nope"), "{f}");
    assert!(f.contains("unknown module $Unknown"), "{f}");
    assert_counts(&r, 16, 6, 0);
}

#[test]
fn skips_propagate_with_their_reason() {
    let script = r#"
(module $S (@custom "mock" "unsupported SIMD; export f = i32:1"))
(invoke "f")
(assert_return (invoke $S "f") (i32.const 1))
(register "s" $S)
(module (@custom "mock" "import s"))
(assert_unlinkable (module (@custom "mock" "import s")) "unknown import")
(assert_trap (invoke "f") "x")
(module (@custom "mock" "export u unsupported GC; export f = i32:1"))
(assert_return (invoke "u") (i32.const 1))
(assert_return (invoke "f") (i32.const 1))
(assert_return (invoke "f") (ref.i31_shared))
(assert_malformed (module quote "(module (func i32.const))") "unexpected token")
"#;
    let (r, _) = run_mock(script);
    assert_counts(&r, 3, 0, 9);
    assert_eq!(r.skip_reasons.get("SIMD"), Some(&7), "{:?}", r.skip_reasons);
    assert_eq!(r.skip_reasons.get("GC"), Some(&1));
    assert_eq!(r.skip_reasons.get("ref.i31_shared (shared-everything threads)"), Some(&1));
}

#[test]
fn spectest_is_registered_or_skipped() {
    let script = r#"
(module (@custom "mock" "import spectest; export f = i32:1"))
(assert_return (invoke "f") (i32.const 1))
"#;
    let (r, _) = run_mock(script);
    assert_counts(&r, 2, 0, 0);
    let mut mock = Mock { no_spectest: true, ..Mock::default() };
    let r = run_script(&mut mock, "t.wast", script);
    assert_counts(&r, 0, 0, 2);
    assert_eq!(r.skip_reasons.get("no spectest"), Some(&2));
}

#[test]
fn the_null_engine_skips_everything_and_gets_no_credit() {
    let script = r#"
(module (func (export "f") (result i32) (i32.const 1)))
(assert_return (invoke "f") (i32.const 1))
(assert_malformed (module quote "(func i32.const)") "unexpected token")
(assert_malformed (module binary "") "unexpected end")
(assert_invalid (module (func (result i32))) "type mismatch")
"#;
    let r = run_script(&mut NullEngine, "t.wast", script);
    assert_counts(&r, 0, 0, 5);
    assert_eq!(r.skip_reasons.get(engine::NULL_ENGINE_REASON), Some(&4));
}

#[test]
fn a_panicking_engine_is_contained() {
    let good = r#"(module (@custom "mock" "export f = i32:1")) (assert_return (invoke "f") (i32.const 1))"#;
    let bad = r#"
(module (@custom "mock" "export p panic; export f = i32:1"))
(assert_return (invoke "p") (i32.const 1))
(assert_return (invoke "f") (i32.const 1))
(module (@custom "mock" "panic"))
(invoke "f")
"#;
    let sources = vec![
        Source::new("bad.wast", SourceText::Owned(bad.into())),
        Source::new("good.wast", SourceText::Owned(good.into())),
    ];
    let mut mock = Mock::default();
    let report = run(&mut mock, &sources, &Options::default());
    let bad = &report.files[0];
    assert_counts(bad, 2, 3, 0);
    assert_eq!(bad.failures[0].kind, "assert_return (panic)");
    assert!(bad.failures[0].actual.contains("mock: invoke panics on purpose"), "{}", failures(bad));
    assert_eq!(bad.failures[1].kind, "module (panic)");
    assert!(bad.failures[2].actual.contains("failed at line 5"), "{}", failures(bad));
    assert_counts(&report.files[1], 2, 0, 0);
    assert_eq!(mock.resets, 2);
    assert_eq!(report.closing_line(), "4 passed, 3 failed");
}

#[test]
fn unparsable_and_unreadable_files_are_failures_of_the_file() {
    let sources = vec![
        Source::new("broken.wast", SourceText::Owned("(module)\n(assert_return (invoke \"f\")\n".into())),
        Source::new("missing.wast", SourceText::Path("/nonexistent/x.wast".into())),
    ];
    let report = run(&mut Mock::default(), &sources, &Options::default());
    assert_eq!(report.failed(), 2);
    assert_eq!(report.files[0].failures[0].kind, "parse");
    assert_eq!(report.files[1].failures[0].kind, "read");
}

fn sample_report() -> Report {
    let a = r#"
(module (@custom "mock" "export f = i32:1; export u unsupported SIMD"))
(assert_return (invoke "f") (i32.const 2))
(assert_return (invoke "f") (i32.const 1))
(assert_return (invoke "u") (i32.const 1))
"#;
    let b = r#"(module (@custom "mock" "export \"q\\\\\" = i32:1"))"#;
    let sources = vec![
        Source::new("dir/a.wast", SourceText::Owned(a.into())),
        Source::new("b \"quoted\".wast", SourceText::Owned(b.into())),
    ];
    run(&mut Mock::default(), &sources, &Options::default())
}

#[test]
fn text_report_and_closing_line() {
    let report = sample_report();
    let text = report.render_text(None);
    let last = text.lines().last().unwrap();
    assert_eq!(last, "3 passed, 1 failed, 1 skipped");
    assert_eq!(report.closing_line(), last);
    assert!(text.contains("dir/a.wast:3: assert_return: (invoke \"f\")"), "{text}");
    assert!(text.contains("    expected: (i32.const 2)\n    actual:   (i32.const 1)"), "{text}");
    assert!(text.contains("total (2 files)"), "{text}");
    assert!(text.contains("skipped, by reason:") && text.contains("SIMD"), "{text}");
    // The closing line format, exactly.
    assert_eq!(report::closing_line(5, 0, 0), "5 passed, 0 failed");
    assert_eq!(report::closing_line(0, 0, 17), "0 passed, 0 failed, 17 skipped");
    let limited = report.render_text(Some(0));
    assert!(limited.contains("... and 1 more failures"), "{limited}");
}

#[test]
fn json_report_parses_back() {
    let report = sample_report();
    let json = report.to_json();
    let v = parse_json(&json).unwrap_or_else(|e| panic!("{e}:\n{json}"));
    assert_eq!(v.get("engine").unwrap().str(), "mock");
    assert_eq!(v.get("passed").unwrap().num(), 3.0);
    assert_eq!(v.get("failed").unwrap().num(), 1.0);
    assert_eq!(v.get("skipped").unwrap().num(), 1.0);
    assert_eq!(v.get("summary").unwrap().str(), "3 passed, 1 failed, 1 skipped");
    assert_eq!(v.get("skip_reasons").unwrap().get("SIMD").unwrap().num(), 1.0);
    let files = v.get("files").unwrap().arr();
    assert_eq!(files.len(), 2);
    assert_eq!(files[1].get("file").unwrap().str(), "b \"quoted\".wast");
    let f = &files[0].get("failures").unwrap().arr()[0];
    assert_eq!(f.get("line").unwrap().num(), 3.0);
    assert_eq!(f.get("kind").unwrap().str(), "assert_return");
    assert_eq!(f.get("expected").unwrap().str(), "(i32.const 2)");
    assert_eq!(f.get("actual").unwrap().str(), "(i32.const 1)");
    assert!(parse_json(&report::json_str("a\u{1}\n\"\\é")).is_ok());
}

#[test]
fn name_filters() {
    use wspec_testsuite::suite::name_matches;
    assert!(name_matches("i32", "wasm-v3/i32.wast"));
    assert!(!name_matches("i64", "wasm-v3/i32.wast"));
    assert!(name_matches("simd_*", "proposals/simd/simd_lane.wast"));
    assert!(name_matches("*/gc/*", "proposals/gc/array.wast"));
    assert!(name_matches("f??.wast", "wasm-v3/f32.wast"));
    assert!(!name_matches("f?.wast", "wasm-v3/f32.wast"));
    let files = suite::bundled("wasm-v3").unwrap();
    let only = suite::filter(files.clone(), &["i32".into(), "i64".into()], &[]);
    assert_eq!(only.len(), 2);
    let without = suite::filter(files.clone(), &[], &["simd*".into(), "*.wast".into()]);
    assert!(without.is_empty());
    assert_eq!(suite::filter(files.clone(), &[], &[]).len(), files.len());
}

#[test]
fn bundled_suites() {
    assert_eq!(suite::bundled("wasm-v1").unwrap().len(), 73);
    assert_eq!(suite::bundled("wasm-v2").unwrap().len(), 90);
    assert_eq!(suite::bundled("wasm-v3").unwrap().len(), 97);
    let three = suite::bundled(suite::DEFAULT_SUITE).unwrap();
    assert!(three.iter().any(|s| s.name == "proposals/simd/simd_lane.wast"));
    assert!(three.iter().any(|s| s.name == "proposals/gc/array.wast"));
    assert!(three.iter().any(|s| s.name == "wasm-v3/i32.wast"));
    assert!(!three.iter().any(|s| s.name.starts_with("proposals/memory64/")));
    assert_eq!(suite::bundled("gc").unwrap().len(), suite::bundled("proposals/gc").unwrap().len());
    assert!(suite::bundled("nope").is_err());
}
