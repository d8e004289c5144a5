//! The generated type checker on small hand-written modules: metavariables that neither the
//! instruction nor the context fixes are resolved against the operand stack (a nullability, a
//! heap type, a sharedness), and the bottom type and the bottom sharedness of a polymorphic stack
//! exist only during validation.

mod common;

use common::wasm;
use wspec_interpreter::{Error, Interp};

fn validate(wat: &str) -> Result<(), String> {
    let mut it = Interp::new();
    let m = it.decode(&wasm(wat)).map_err(|e| format!("does not decode: {e}"))?;
    match it.validate(&m) {
        Ok(_) => Ok(()),
        Err(Error::Invalid(why)) => Err(why),
        Err(e) => Err(format!("unexpected error: {e}")),
    }
}

#[track_caller]
fn valid(wat: &str) {
    if let Err(why) = validate(wat) {
        panic!("should validate, but: {why}\n{wat}");
    }
}

#[track_caller]
fn invalid(wat: &str, message: &str) {
    match validate(wat) {
        Ok(()) => panic!("should not validate:\n{wat}"),
        Err(why) => assert!(why.starts_with(message), "expected `{message}`, got `{why}`\n{wat}"),
    }
}

const TYPES: &str = "(type $t (func)) (type $u (struct))";

/// `ref.as_non_null : (ref null? ht) -> (ref ht)`: the nullability `null?` and the heap type `ht`
/// are unknowns; the stack's type fixes both, and the result is the non-null reference to it.
#[test]
fn unknown_nullability_and_heap_type_come_from_the_stack() {
    valid(&format!("(module {TYPES} (func (param (ref null $t)) (result (ref $t)) (ref.as_non_null (local.get 0))))"));
    valid(&format!("(module {TYPES} (func (param (ref $t)) (result (ref $t)) (ref.as_non_null (local.get 0))))"));
    // The heap type is the stack's: a reference to `$t` is no reference to `$u`.
    invalid(
        &format!("(module {TYPES} (func (param (ref null $t)) (result (ref $u)) (ref.as_non_null (local.get 0))))"),
        "type mismatch",
    );
    // Without the instruction the nullability stays: a nullable reference is not a non-null one.
    invalid(&format!("(module {TYPES} (func (param (ref null $t)) (result (ref $t)) (local.get 0)))"), "type mismatch");
    // `br_on_null` binds the heap type the same way and passes on the non-null reference.
    valid(&format!(
        "(module {TYPES} (func (param (ref null $u)) (result (ref $u)) (block (br_on_null 0 (local.get 0)) (return)) (unreachable)))"
    ));
}

/// After `unreachable` the stack is polymorphic: an operand taken from it has the bottom type,
/// which matches every reference, and an instruction's unknowns take it too.
#[test]
fn the_bottom_type_exists_only_during_validation() {
    valid(&format!("(module {TYPES} (func (result (ref $t)) (unreachable) (ref.as_non_null)))"));
    valid(&format!("(module {TYPES} (func (result (ref $u)) (unreachable) (ref.as_non_null)))"));
    valid("(module (func (result i32) (unreachable) (ref.is_null)))");
    valid("(module (func (result i64) (unreachable) (select)))");
    // Bottom is no escape from what the instruction itself says: `ref.as_non_null` gives a
    // reference, never an `i32`, and `ref.is_null` needs a reference, never an `i32`.
    invalid("(module (func (result i32) (unreachable) (ref.as_non_null)))", "type mismatch");
    invalid("(module (func (result i32) (unreachable) (i32.const 0) (ref.is_null)))", "type mismatch");
}

// Sharedness (the types of the shared-everything-threads proposal). A shared abstract heap type
// is `(shared any)`; a composite type is shared with `(type (shared (struct ...)))`.

const SHARED: &str = "(type $s (shared (struct (field i32)))) (type $u (struct (field i32)))";

/// `any.convert_extern : (ref null? (sh extern)) -> (ref null? (sh any))`, before its 3.0 rule for
/// the unshared types: the sharedness `sh` is an unknown that the stack fixes, like the
/// nullability, and the result has the operand's sharedness.
#[test]
fn unknown_sharedness_comes_from_the_stack() {
    let conv = |param: &str, result: &str| format!("(module (func (param {param}) (result {result}) (any.convert_extern (local.get 0))))");
    valid(&conv("(ref (shared extern))", "(ref (shared any))"));
    valid(&conv("(ref null (shared extern))", "(ref null (shared any))"));
    valid(&conv("(ref extern)", "(ref any)"));
    // Shared in, shared out: not unshared, and the other way round.
    invalid(&conv("(ref (shared extern))", "(ref any)"), "type mismatch");
    invalid(&conv("(ref extern)", "(ref (shared any))"), "type mismatch");
    // The nullability is fixed at the same time.
    invalid(&conv("(ref null (shared extern))", "(ref (shared any))"), "type mismatch");
    valid("(module (func (param (ref (shared any))) (result (ref (shared extern))) (extern.convert_any (local.get 0))))");
    invalid("(module (func (param (ref (shared any))) (result (ref extern)) (extern.convert_any (local.get 0))))", "type mismatch");
    // A subtype of the shared type fixes it too: `(shared none)` is below `(shared any)`, and so
    // is a shared defined type; `none` and an unshared defined type are not.
    valid("(module (func (result (ref null (shared extern))) (extern.convert_any (ref.null (shared none)))))");
    invalid("(module (func (result (ref null (shared extern))) (extern.convert_any (ref.null none))))", "type mismatch");
    valid(&format!("(module {SHARED} (func (param (ref $s)) (result (ref (shared extern))) (extern.convert_any (local.get 0))))"));
    invalid(&format!("(module {SHARED} (func (param (ref $s)) (result (ref extern)) (extern.convert_any (local.get 0))))"), "type mismatch");
    invalid(&format!("(module {SHARED} (func (param (ref $u)) (result (ref (shared extern))) (extern.convert_any (local.get 0))))"), "type mismatch");
    valid(&format!("(module {SHARED} (func (param (ref $s) (ref null $s)) (result i32) (ref.eq (local.get 0) (local.get 1))))"));
    valid("(module (type $a (shared (array i8))) (func (param (ref $a)) (result i32) (array.len (local.get 0))))");
    // `ref.eq` compares references of one sharedness.
    valid("(module (func (param (ref null (shared eq)) (ref null (shared i31))) (result i32) (ref.eq (local.get 0) (local.get 1))))");
    valid("(module (func (param (ref null eq) (ref null i31)) (result i32) (ref.eq (local.get 0) (local.get 1))))");
    invalid("(module (func (param (ref null (shared eq)) (ref null eq)) (result i32) (ref.eq (local.get 0) (local.get 1))))", "type mismatch");
    invalid("(module (func (param (ref null eq) (ref null (shared eq))) (result i32) (ref.eq (local.get 0) (local.get 1))))", "type mismatch");
    // `i31.get_s` and `array.len` take either sharedness; `ref.i31_shared` makes a shared `i31`.
    valid("(module (func (param (ref null (shared i31))) (result i32) (i31.get_s (local.get 0))))");
    valid("(module (func (param (ref null (shared array))) (result i32) (array.len (local.get 0))))");
    valid("(module (func (result (ref (shared i31))) (ref.i31_shared (i32.const 7))))");
    invalid("(module (func (result (ref i31)) (ref.i31_shared (i32.const 7))))", "type mismatch");
    invalid("(module (func (result (ref (shared i31))) (ref.i31 (i32.const 7))))", "type mismatch");
}

/// After `unreachable`, the operand of `any.convert_extern` has the bottom type, and its unknown
/// sharedness the bottom sharedness: the result is `(ref (botshare any))`, which matches shared
/// and unshared uses alike, and exists only during validation.
#[test]
fn the_bottom_sharedness_exists_only_during_validation() {
    valid("(module (func (result (ref (shared any))) (unreachable) (any.convert_extern)))");
    valid("(module (func (result (ref any)) (unreachable) (any.convert_extern)))");
    valid("(module (func (result (ref (shared extern))) (unreachable) (extern.convert_any)))");
    valid("(module (func (result (ref extern)) (unreachable) (extern.convert_any)))");
    // Through `ref.as_non_null` the bottom heap type keeps the bottom sharedness.
    valid("(module (func (result (ref (shared any))) (unreachable) (ref.as_non_null) (any.convert_extern)))");
    valid("(module (func (result (ref any)) (unreachable) (ref.as_non_null) (any.convert_extern)))");
    // `ref.eq` over a polymorphic stack and one reference of either sharedness.
    valid("(module (func (param (ref null (shared eq))) (result i32) (unreachable) (local.get 0) (ref.eq)))");
    valid("(module (func (param (ref null eq)) (result i32) (unreachable) (local.get 0) (ref.eq)))");
    // A cast stays in the hierarchy of its target, shared or not; bottom sharedness enters both.
    valid("(module (func (result (ref (shared i31))) (unreachable) (any.convert_extern) (ref.cast (ref (shared i31)))))");
    valid("(module (func (result (ref i31)) (unreachable) (any.convert_extern) (ref.cast (ref i31))))");
    valid("(module (func (param (ref null (shared any))) (result i32) (ref.test (ref (shared i31)) (local.get 0))))");
    invalid("(module (func (param (ref null any)) (result i32) (ref.test (ref (shared i31)) (local.get 0))))", "type mismatch");
    invalid("(module (func (result (ref (shared i31))) (unreachable) (extern.convert_any) (ref.cast (ref (shared i31)))))", "type mismatch");
    // The bottom sharedness is no escape from the heap type: `any` is not `eq`, nor `extern`.
    invalid("(module (func (result (ref (shared eq))) (unreachable) (any.convert_extern)))", "type mismatch");
    invalid("(module (func (result i32) (unreachable) (any.convert_extern) (ref.null eq) (ref.eq)))", "type mismatch");
    invalid("(module (func (result (ref extern)) (unreachable) (any.convert_extern)))", "type mismatch");
    // Nothing in the syntax that the decoder produces has it.
    let m = wspec_interpreter::decode(&wasm("(module (func (result (ref any)) (unreachable) (any.convert_extern)))")).unwrap();
    assert!(!m.show().contains("BOTSHARE"), "{}", m.show());
}

/// A shared composite type may refer only to shared types.
#[test]
fn shared_types_refer_only_to_shared_types() {
    valid(&format!("(module {SHARED})"));
    valid("(module (type (shared (struct (field i64) (field (mut f32)) (field i8) (field v128) (field (ref null (shared any)))))))");
    valid("(module (type (shared (array (mut (ref (shared func)))))))");
    valid("(module (type (shared (func (param i32 (ref (shared extern))) (result (ref null (shared eq)))))))");
    valid(&format!("(module {SHARED} (type (shared (struct (field (ref $s))))))"));
    valid("(module (rec (type $r (shared (struct (field (ref null $r)))))))");
    // An unshared type may refer to shared ones.
    valid(&format!("(module {SHARED} (type (struct (field (ref $s)) (field (ref (shared any))))))"));
    invalid("(module (type (shared (struct (field (ref null any))))))", "shared composite type must contain shared types");
    invalid("(module (type (shared (array (ref null func)))))", "shared composite type must contain shared types");
    invalid("(module (type (shared (func (param externref)))))", "shared composite type must contain shared types");
    invalid("(module (type (shared (func (result (ref eq))))))", "shared composite type must contain shared types");
    invalid(&format!("(module {SHARED} (type (shared (struct (field (ref $u))))))"), "shared composite type must contain shared types");
    invalid("(module (rec (type $r (shared (struct (field (ref null $q))))) (type $q (struct))))", "shared composite type must contain shared types");
}

/// A shared global holds values of a shared type; an import matches only a global of its
/// sharedness.
#[test]
fn shared_globals_hold_shared_values() {
    valid("(module (global (shared mut i64) (i64.const 0)) (global (shared (ref null (shared eq))) (ref.null (shared none))))");
    valid("(module (global $g (shared mut i32) (i32.const 0)) (func (result i32) (global.set $g (i32.const 1)) (global.get $g)))");
    invalid("(module (global (shared mut externref) (ref.null extern)))", "shared globals must have a shared value type");
    invalid("(module (global (shared i32) (i32.const 0)) (func (global.set 0 (i32.const 1))))", "immutable global");
}

/// Shared and unshared heap types are never subtypes of one another; among the shared types the
/// hierarchy is the unshared one.
#[test]
fn shared_and_unshared_types_do_not_match() {
    let up = |t1: &str, t2: &str| format!("(module {SHARED} (func (param {t1}) (result {t2}) (local.get 0)))");
    valid(&up("(ref (shared i31))", "(ref null (shared eq))"));
    valid(&up("(ref (shared eq))", "(ref (shared any))"));
    valid(&up("(ref $s)", "(ref (shared struct))"));
    valid(&up("(ref $s)", "(ref (shared any))"));
    valid(&up("(ref null (shared none))", "(ref null $s)"));
    valid(&up("(ref null none)", "(ref null $u)"));
    valid(&up("(ref (shared nofunc))", "(ref (shared func))"));
    invalid(&up("(ref (shared any))", "(ref any)"), "type mismatch");
    invalid(&up("(ref any)", "(ref (shared any))"), "type mismatch");
    invalid(&up("(ref (shared i31))", "(ref eq)"), "type mismatch");
    invalid(&up("(ref $s)", "(ref struct)"), "type mismatch");
    invalid(&up("(ref $u)", "(ref (shared struct))"), "type mismatch");
    invalid(&up("(ref null none)", "(ref null $s)"), "type mismatch");
    invalid(&up("(ref null (shared none))", "(ref null $u)"), "type mismatch");
    invalid(&up("(ref (shared eq))", "(ref (shared i31))"), "type mismatch");
    // A declared supertype has the same sharedness.
    valid("(module (type $a (sub (shared (struct)))) (type (sub $a (shared (struct (field i32))))))");
    invalid("(module (type $a (sub (shared (struct)))) (type (sub $a (struct))))", "sub type 1 does not match super type");
    invalid("(module (type $a (sub (struct))) (type (sub $a (shared (struct)))))", "sub type 1 does not match super type");
}

/// The binary format: 0x65 before an abstract heap type makes it shared (alone, it is the short
/// form of the nullable reference), and 0x65 before a composite type makes that shared.
#[test]
fn the_shared_prefix_decodes() {
    // A type section with `(shared (struct))` and a function type taking `(ref null (shared
    // any))` in the short form and returning `(ref (shared eq))`.
    let mut bytes = b"\0asm\x01\0\0\0".to_vec();
    bytes.extend([0x01, 0x0A, 0x02, 0x65, 0x5F, 0x00, 0x60, 0x01, 0x65, 0x6E, 0x01, 0x64]);
    bytes.push(0x65);
    bytes.push(0x6D);
    // The length of the section counted 10 bytes after it: fix it to the real one.
    let len = bytes.len() - 10;
    bytes[9] = len as u8;
    let d = wspec_interpreter::decode(&bytes).unwrap_or_else(|e| panic!("{e:?}"));
    let shown = d.show();
    assert!(shown.contains("(SUB FINAL SHARED eps (STRUCT eps))"), "{shown}");
    assert!(shown.contains("(FUNC (REF NULL (SHARED ANY)) -> (REF eps (SHARED EQ)))"), "{shown}");
    let mut it = Interp::new();
    let m = it.decode(&bytes).unwrap();
    it.validate(&m).unwrap();
    // The text format says the same.
    assert_eq!(bytes, wasm("(module (type (shared (struct))) (type (func (param (ref null (shared any))) (result (ref (shared eq))))))"));
    // 0x65 goes before an abstract heap type only: not before a type index.
    let mut bad = bytes.clone();
    let at = bad.len() - 1;
    bad[at] = 0x00;
    assert!(wspec_interpreter::decode(&bad).is_err());
}
