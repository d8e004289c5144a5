//! Unit tests of elaboration choices that give no diagnostic: what an expression means, read
//! from the printed IR and confirmed by evaluating it.

use crate::eval::{Evaluator, Rat, Value};
use crate::ir::Spec;
use crate::ir_fmt::Printer;
use crate::source::SourceMap;
use num_bigint::BigInt;

fn spec(text: &str) -> Spec {
    let mut map = SourceMap::new();
    map.add("test.wspec", text.to_string());
    let checked = super::check(&map);
    let rendered = crate::diag::render_all(&checked.diagnostics, &map);
    assert!(checked.diagnostics.is_empty(), "the test spec has diagnostics:\n{rendered}");
    checked.spec
}

/// The printed clauses of definition `name`.
fn clauses(s: &Spec, name: &str) -> String {
    let all = Printer::new(s).spec();
    let head = format!("${name}(");
    all.lines().filter(|l| l.trim_start().starts_with(&head) && l.contains(" = ")).collect::<Vec<_>>().join("\n")
}

fn call(s: &Spec, name: &str, args: Vec<Value>) -> String {
    match Evaluator::new(s).call_name(name, args) {
        Ok(v) => v.to_string(),
        Err(e) => format!("error: {e}"),
    }
}

fn int(n: i64) -> Value {
    Value::int(n)
}

fn boolean(b: bool) -> Value {
    Value::Bool(b)
}

#[test]
fn arithmetic_is_computed_at_its_operands_domain() {
    let s = spec(
        "
var N : nat
var a : int
def $inv_signed_(N, int) : nat
def $inv_signed_(N, a) = a + 2^N  -- if a < 0
def $inv_signed_(N, a) = a  -- otherwise

def $quot(nat, nat) : nat
def $quot(n, m) = n / m
def $tdiv(int, int) : int
def $tdiv(a_1, a_2) = -$quot(-a_1, a_2)

def $halves(nat, nat, rat) : bool
def $halves(i, j, r) = (i + j) / 2 <= r
def $exact(nat, nat) : rat
def $exact(i, j) = i / j
",
    );
    // The sum is computed at `int` and narrowed once, not `(a:>nat) + 2^N`.
    assert_eq!(clauses(&s, "inv_signed_").lines().next().unwrap().trim(), "$inv_signed_(N, a) = (a + (2 ^ N)):>nat");
    assert_eq!(call(&s, "inv_signed_", vec![int(8), int(-1)]), "255");
    // The negation is computed at `int`: `-a_1` is a natural number for a negative `a_1`.
    assert!(clauses(&s, "tdiv").contains("$quot((-a_1):>nat, a_2:>nat)"), "{}", clauses(&s, "tdiv"));
    assert_eq!(call(&s, "tdiv", vec![int(-7), int(2)]), "-3");
    // A division of naturals compared with a rational stays a division of naturals ...
    assert!(clauses(&s, "halves").contains("(((i + j) / 2):>rat) <= r"), "{}", clauses(&s, "halves"));
    let one = Value::rat(Rat::from_int(BigInt::from(1)));
    assert_eq!(call(&s, "halves", vec![int(1), int(2), one]), "true");
    // ... but a rational expected of a division asks for an exact one.
    assert_eq!(call(&s, "exact", vec![int(1), int(2)]), "1/2");
}

#[test]
fn comparisons_are_at_the_common_domain() {
    let s = spec(
        "
var a : int
def $nonneg(int) : bool
def $nonneg(a) = 0 <= a
def $below(int, nat) : bool
def $below(a, n) = a < n
var c : nat
def $wrap(nat, int) : nat
def $wrap(n, a) = c  -- if c = a + n
def $wrap(n, a) = 0  -- otherwise
",
    );
    // An equation binds a natural number from an integer when it fits.
    assert!(clauses(&s, "wrap").contains("$wrap(n, a) = c"), "{}", clauses(&s, "wrap"));
    assert_eq!(call(&s, "wrap", vec![int(256), int(-1)]), "255");
    assert_eq!(call(&s, "wrap", vec![int(256), int(-300)]), "0");
    assert_eq!(clauses(&s, "nonneg").trim(), "$nonneg(a) = 0 <= a");
    assert_eq!(call(&s, "nonneg", vec![int(-1)]), "false");
    assert_eq!(call(&s, "below", vec![int(-1), int(0)]), "true");
}

#[test]
fn conjunction_binds_tighter_than_disjunction() {
    let s = spec(
        "
def $f(bool, bool, bool, bool) : bool
def $f(p, q, r, s) = p /\\ q \\/ r /\\ s
",
    );
    assert_eq!(clauses(&s, "f").trim(), "$f(p, q, r, s) = (p /\\ q) \\/ (r /\\ s)");
    assert_eq!(call(&s, "f", vec![boolean(true), boolean(true), boolean(false), boolean(false)]), "true");
}

#[test]
fn a_space_after_less_than_or_minus_allows_a_negation() {
    let s = spec(
        "
var N : nat
def $small(N, int, int*) : bool
def $small(N, a, b*) = a < -2^(N - 1) /\\ a <- b* /\\ a <-b*
def $plus(int, int) : int
def $plus(a, b) = a - -b
",
    );
    assert_eq!(call(&s, "plus", vec![int(2), int(3)]), "5");
    assert!(clauses(&s, "small").contains("(a < (-(2 ^ (N - 1))))"), "{}", clauses(&s, "small"));
    assert_eq!(call(&s, "small", vec![int(8), int(-200), Value::seq(vec![int(-200)])]), "true");
    assert_eq!(call(&s, "small", vec![int(8), int(-100), Value::seq(vec![int(-100)])]), "false");
}
