//! Explicit limits of the embedding: a memory bound that makes `memory.grow` fail (as the
//! standard lets it) and instantiation of a larger memory fail, never an abort.

mod common;

use common::*;
use wspec_generated::syntax::*;
use wspec_interpreter::{Error, Interp, Limits};

fn i32_val(v: &Val) -> u64 {
    match v {
        Val::Num_(Num_(Numtype::I32, Num::Inn(n))) => *n,
        other => panic!("not an i32: {other:?}"),
    }
}

#[test]
fn memory_grows_up_to_the_embedders_bound() {
    let wat = "(module (memory 1) (func (export \"grow\") (param i32) (result i32) (memory.grow (local.get 0))))";
    let mut it = Interp::new();
    it.limits = Limits { max_memory_bytes: 4 * 65536, ..Limits::default() };
    let mut t = instantiate(it, wat, vec![]).unwrap_or_else(|e| panic!("{e}"));
    let grow = |t: &mut T, n: u64| i32_val(&t.call("grow", &[Val::Num_(Num_(Numtype::I32, Num::Inn(n)))]).expect("grow runs")[0]);
    assert_eq!(grow(&mut t, 2), 1, "1 + 2 pages are within 4");
    assert_eq!(grow(&mut t, 2), 0xffff_ffff, "3 + 2 pages are beyond 4: -1");
    assert_eq!(grow(&mut t, 1), 3, "3 + 1 pages are exactly 4");
}

#[test]
fn a_memory_beyond_the_bound_does_not_instantiate() {
    let mut it = Interp::new();
    it.limits = Limits { max_memory_bytes: 65536, ..Limits::default() };
    match instantiate(it, "(module (memory 2))", vec![]) {
        Err(Error::Uninstantiable(_)) => {}
        Err(e) => panic!("unexpected error: {e}"),
        Ok(_) => panic!("a memory of 2 pages instantiated under a bound of 1"),
    }
}
