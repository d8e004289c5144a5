//! Unit tests of the evaluator on small specs.

use super::*;
use crate::{elab, source::SourceMap};

fn spec(text: &str) -> Spec {
    let mut map = SourceMap::new();
    map.add("test.wspec", text.to_string());
    let checked = elab::check(&map);
    let rendered = crate::diag::render_all(&checked.diagnostics, &map);
    assert!(!checked.has_errors(), "the test spec has errors:\n{rendered}");
    checked.spec
}

fn n(x: i64) -> Value {
    Value::int(x)
}

fn show(v: &R<Value>) -> String {
    match v {
        Ok(v) => v.to_string(),
        Err(e) => format!("error: {e}"),
    }
}

const BASE: &str = "
var N : nat
var n : nat
var m : nat
var i : nat
var k : nat
syntax numtype = I32 | I64 | F32 | F64
syntax Inn = I32 | I64
syntax sz = 8 | 16 | 32 | 64
syntax uN(N) = 0 .. 2^N - 1
syntax opt = NONE | SOME nat
syntax pair = {FST nat, SND nat*}
";

#[test]
fn clauses_in_order_and_premises() {
    let s = spec(&format!(
        "{BASE}
def $min(nat, nat) : nat
def $min(i, m) = i  -- if i <= m
def $min(i, m) = m  -- otherwise

def $size(numtype) : nat
def $size(Inn) = 32  -- if Inn = I32
def $size(I64) = 64
def $size(nt) = 0  -- otherwise

def $sum(nat*) : nat
def $sum(eps) = 0
def $sum(n n'*) = n + $sum(n'*)
"
    ));
    let ev = Evaluator::new(&s);
    assert_eq!(show(&ev.call_name("min", vec![n(3), n(2)])), "2");
    assert_eq!(show(&ev.call_name("min", vec![n(1), n(2)])), "1");
    assert_eq!(show(&ev.call_name("size", vec![Value::con("I32", vec![])])), "32");
    assert_eq!(show(&ev.call_name("size", vec![Value::con("I64", vec![])])), "64");
    assert_eq!(show(&ev.call_name("size", vec![Value::con("F32", vec![])])), "0");
    assert_eq!(show(&ev.call_name("sum", vec![Value::seq(vec![n(1), n(2), n(3)])])), "6");
}

#[test]
fn errors_are_results() {
    let s = spec(&format!(
        "{BASE}
def $pred(nat) : nat
def $pred(n) = n - 1

def $only(nat) : nat
def $only(0) = 0

def $loop(nat) : nat
def $loop(n) = $loop(n + 1)

def $at(nat*, nat) : nat
def $at(n*, i) = n*[i]

def $fast(nat) : nat hint(builtin \"fast\")

def $bounded(N) : uN(N)
def $bounded(N) = 2^N
"
    ));
    let ev = Evaluator::with_config(&s, Config { max_depth: 64, ..Config::default() });
    let kind = |r: R<Value>| r.map_err(|e| e.kind).err();
    assert_eq!(kind(ev.call_name("pred", vec![n(0)])), Some(ErrorKind::NegativeNat));
    assert_eq!(show(&ev.call_name("pred", vec![n(5)])), "4");
    assert_eq!(kind(ev.call_name("only", vec![n(1)])), Some(ErrorKind::NoClause));
    assert_eq!(kind(ev.call_name("loop", vec![n(0)])), Some(ErrorKind::RecursionLimit));
    assert_eq!(kind(ev.call_name("at", vec![Value::seq(vec![n(7)]), n(1)])), Some(ErrorKind::IndexOutOfBounds));
    assert_eq!(kind(ev.call_name("fast", vec![n(1)])), Some(ErrorKind::UnimplementedBuiltin));
    assert_eq!(kind(ev.call_name("bounded", vec![n(8)])), Some(ErrorKind::Range));
}

#[test]
fn iterations_and_sequences() {
    let s = spec(&format!(
        "{BASE}
def $double(nat*) : nat*
def $double(n*) = (2 * n)*

def $indices(nat) : nat*
def $indices(m) = k^(k<m)

def $zeros(nat*) : nat
def $zeros((0)^k 5 n*) = k

def $last(nat*) : nat
def $last(n'* n) = n

def $thirds(nat*) : nat*
def $thirds(n_1^2 n_2^2) = n_2^2

def $somes(opt*) : nat*
def $somes((SOME n)*) = n*

def $f(pair) : nat*
def $f(p) = p.SND ++ p.FST

def $g(pair) : pair
def $g(p) = p[.SND =++ 9]

def $h(nat*) : nat
def $h(n*) = |n*|
"
    ));
    let ev = Evaluator::new(&s);
    let seq = |xs: &[i64]| Value::seq(xs.iter().map(|&x| n(x)).collect());
    assert_eq!(show(&ev.call_name("double", vec![seq(&[1, 2, 3])])), "[2 4 6]");
    assert_eq!(show(&ev.call_name("indices", vec![n(3)])), "[0 1 2]");
    assert_eq!(show(&ev.call_name("zeros", vec![seq(&[0, 0, 5, 0])])), "2");
    assert_eq!(show(&ev.call_name("last", vec![seq(&[4, 5, 6])])), "6");
    assert_eq!(show(&ev.call_name("thirds", vec![seq(&[1, 2, 3, 4])])), "[3 4]");
    let some = |x: i64| Value::con("SOME", vec![n(x)]);
    assert_eq!(show(&ev.call_name("somes", vec![Value::seq(vec![some(1), some(2)])])), "[1 2]");
    assert_eq!(
        ev.call_name("somes", vec![Value::seq(vec![some(1), Value::con("NONE", vec![])])]).map_err(|e| e.kind).err(),
        Some(ErrorKind::NoClause)
    );
    let pair = Value::Record(Rc::new(vec![("FST".into(), n(1)), ("SND".into(), seq(&[2, 3]))]));
    assert_eq!(show(&ev.call_name("f", vec![pair.clone()])), "[2 3 1]");
    assert_eq!(show(&ev.call_name("g", vec![pair])), "{FST 1, SND [2 3 9]}");
    assert_eq!(show(&ev.call_name("h", vec![seq(&[2, 3])])), "2");
}

#[test]
fn rationals_and_integers() {
    let s = spec(&format!(
        "{BASE}
def $half(nat) : rat
def $half(n) = n / 2

def $floor(rat, nat, nat) : nat
def $floor(r, i, m) = i  -- if m = i + 1
def $floor(r, i, m) = $floor(r, k, m)  -- if k = (i + m) / 2  -- if k <= r
def $floor(r, i, m) = $floor(r, i, k)  -- if k = (i + m) / 2

def $neg(int) : int
def $neg(a) = -a
"
    ));
    let ev = Evaluator::new(&s);
    assert_eq!(show(&ev.call_name("half", vec![n(3)])), "3/2");
    let r = Value::rat(Rat::new(BigInt::from(22), BigInt::from(7)).unwrap());
    assert_eq!(show(&ev.call_name("floor", vec![r, n(0), n(100)])), "3");
    assert_eq!(show(&ev.call_name("neg", vec![n(3)])), "-3");
}

#[test]
fn membership_binds_and_backtracks() {
    let s = spec(&format!(
        "{BASE}
def $pick(nat*, nat) : nat
def $pick(n*, m) = k  -- if k <- n*  -- if k > m

def $big(nat) : nat*
def $big(m) = (m + k)^(k<100000)
"
    ));
    let ev = Evaluator::new(&s);
    let seq = |xs: &[i64]| Value::seq(xs.iter().map(|&x| n(x)).collect());
    assert_eq!(show(&ev.call_name("pick", vec![seq(&[1, 5, 9]), n(4)])), "5");
    let big = ev.call_name("big", vec![n(10)]).unwrap();
    assert!(matches!(big, Value::Lazy(_)));
    assert_eq!(ev.seq_len(&big).unwrap(), 100000);
    assert!(ev.member(&big, &n(10)).unwrap());
    assert!(ev.member(&big, &n(100009)).unwrap());
    assert!(!ev.member(&big, &n(100010)).unwrap());
    assert!(!ev.member(&big, &n(9)).unwrap());
    assert_eq!(show(&ev.elem(&big, 5)), "15");
}

#[test]
fn relations_and_iterated_premises() {
    let s = spec(&format!(
        "{BASE}
relation Double: nat ~> nat  mode(in, out)
rule Double/zero:
  0 ~> 0
rule Double/succ:
  n ~> m
  -- if n > 0
  -- Double: n - 1 ~> k
  -- if m = k + 2

def $double(nat) : nat
def $double(n) = m  -- Double: n ~> m

def $doubles(nat*) : nat*
def $doubles(n*) = m*  -- (Double: n ~> m)*

def $allsmall(nat*) : bool
def $allsmall(n*) = true  -- (if n < 10)*
def $allsmall(n*) = false  -- otherwise
"
    ));
    let ev = Evaluator::new(&s);
    let seq = |xs: &[i64]| Value::seq(xs.iter().map(|&x| n(x)).collect());
    assert_eq!(show(&ev.call_name("double", vec![n(4)])), "8");
    assert_eq!(show(&ev.call_name("doubles", vec![seq(&[1, 2, 3])])), "[2 4 6]");
    assert_eq!(show(&ev.call_name("doubles", vec![seq(&[])])), "eps");
    assert_eq!(show(&ev.call_name("allsmall", vec![seq(&[1, 2, 3])])), "true");
    assert_eq!(show(&ev.call_name("allsmall", vec![seq(&[1, 20, 3])])), "false");
}

#[test]
fn deep_recursion_is_an_error_within_the_default_limit() {
    let s = spec(&format!(
        "{BASE}
def $down(nat) : nat
def $down(0) = 0
def $down(n) = $down(n - 1)  -- otherwise
"
    ));
    // The default limit must be reachable on a test thread's stack without overflowing it.
    let ev = Evaluator::new(&s);
    let limit = ev.config().max_depth as u64;
    assert_eq!(show(&ev.call_name("down", vec![Value::nat(limit - 1)])), "0");
    assert_eq!(ev.call_name("down", vec![Value::nat(limit + 10)]).map_err(|e| e.kind).err(), Some(ErrorKind::RecursionLimit));
}
