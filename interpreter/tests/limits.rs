//! Explicit limits of the embedding: bounds on a memory's bytes and a table's entries that make
//! `memory.grow` and `table.grow` fail (as the standard lets them) and instantiation of a larger
//! memory or table fail with a message, never an abort.

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
        Err(Error::Uninstantiable(m)) => assert!(m.contains("memory of 2 pages exceeds the memory limit"), "message: {m}"),
        Err(e) => panic!("unexpected error: {e}"),
        Ok(_) => panic!("a memory of 2 pages instantiated under a bound of 1"),
    }
}

#[test]
fn table_grows_up_to_the_embedders_bound() {
    let wat = "(module (table 1 funcref) (func (export \"grow\") (param i32) (result i32) (table.grow (ref.null func) (local.get 0))))";
    let mut it = Interp::new();
    it.limits = Limits { max_table_entries: 4, ..Limits::default() };
    let mut t = instantiate(it, wat, vec![]).unwrap_or_else(|e| panic!("{e}"));
    let grow = |t: &mut T, n: u64| i32_val(&t.call("grow", &[Val::Num_(Num_(Numtype::I32, Num::Inn(n)))]).expect("grow runs")[0]);
    assert_eq!(grow(&mut t, 2), 1, "1 + 2 entries are within 4");
    assert_eq!(grow(&mut t, 2), 0xffff_ffff, "3 + 2 entries are beyond 4: -1");
    assert_eq!(grow(&mut t, 1), 3, "3 + 1 entries are exactly 4");
}

#[test]
fn a_table_beyond_the_bound_does_not_instantiate() {
    let bounded = || {
        let mut it = Interp::new();
        it.limits = Limits { max_table_entries: 10, ..Limits::default() };
        it
    };
    assert!(instantiate(bounded(), "(module (table 10 funcref))", vec![]).is_ok(), "a table of exactly the bound instantiates");
    match instantiate(bounded(), "(module (table 11 funcref))", vec![]) {
        Err(Error::Uninstantiable(m)) => assert!(m.contains("table of 11 entries exceeds the table limit"), "message: {m}"),
        Err(e) => panic!("unexpected error: {e}"),
        Ok(_) => panic!("a table of 11 entries instantiated under a bound of 10"),
    }
}

#[test]
fn the_default_table_bound_refuses_billions_of_entries() {
    // Without a bound these would allocate 2^32 - 1 references and abort.
    let wat = "(module (table 0 funcref) (func (export \"grow\") (param i32) (result i32) (table.grow (ref.null func) (local.get 0))))";
    let mut t = instantiate(Interp::new(), wat, vec![]).unwrap_or_else(|e| panic!("{e}"));
    let grow = |t: &mut T, n: u64| i32_val(&t.call("grow", &[Val::Num_(Num_(Numtype::I32, Num::Inn(n)))]).expect("grow runs")[0]);
    assert_eq!(grow(&mut t, 0xffff_ffff), 0xffff_ffff, "growing to 2^32 - 1 entries fails: -1");
    assert_eq!(grow(&mut t, 1), 0, "a small growth still succeeds");
    match instantiate(Interp::new(), "(module (table 0xffff_ffff funcref))", vec![]) {
        Err(Error::Uninstantiable(m)) => assert!(m.contains("exceeds the table limit"), "message: {m}"),
        Err(e) => panic!("unexpected error: {e}"),
        Ok(_) => panic!("a table of 2^32 - 1 entries instantiated under the default bound"),
    }
}

#[test]
fn host_allocations_keep_to_the_limits() {
    let mut it = Interp::new();
    it.limits = Limits { max_memory_bytes: 2 * 65536, max_table_entries: 5, ..Limits::default() };
    let mem = |min| Memtype(Addrtype::I32, Limits(min, None));
    assert!(it.alloc_mem(mem(2), 2).is_ok());
    assert_eq!(it.alloc_mem(mem(3), 3), Err(Error::Exhaustion("memory of 3 pages exceeds the memory limit".into())));
    assert!(it.alloc_mem(mem(0), u64::MAX).is_err(), "a size that overflows is refused, not wrapped");
    let func = Heaptype::Absheaptype(Absheaptype::Func);
    let table = |n| Tabletype(Addrtype::I32, Limits(n, None), Reftype(Some(Null), func.clone()));
    assert!(it.alloc_table(table(5), 5, Ref::RefNull(func.clone())).is_ok());
    assert_eq!(
        it.alloc_table(table(6), 6, Ref::RefNull(func.clone())),
        Err(Error::Exhaustion("table of 6 entries exceeds the table limit".into()))
    );
}
