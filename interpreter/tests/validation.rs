//! The generated type checker on small hand-written modules: metavariables that neither the
//! instruction nor the context fixes are resolved against the operand stack (a nullability and a
//! heap type), and the bottom type of a polymorphic stack exists only during validation.

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
