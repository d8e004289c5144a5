//! The numbering of finite types (`COUNT`, `index`, `nth`) and the kinds that the arena stores
//! for instructions: the specialised handlers rebuild an instruction from its number, so a
//! numbering that lost or confused values would run one instruction's rules for another.

use std::collections::HashSet;
use wspec_generated::syntax::*;
use wspec_runtime::Kinded;

#[test]
fn nth_and_index_are_inverse() {
    fn check<T: Copy + PartialEq + std::fmt::Debug>(count: usize, nth: fn(usize) -> T, index: fn(T) -> usize) {
        for k in 0..count {
            assert_eq!(index(nth(k)), k, "value {:?}", nth(k));
        }
    }
    check(Numtype::COUNT, Numtype::nth, Numtype::index);
    check(Binop::COUNT, Binop::nth, Binop::index);
    check(Relop::COUNT, Relop::nth, Relop::index);
    check(Testop::COUNT, Testop::nth, Testop::index);
    check(Sx::COUNT, Sx::nth, Sx::index);
    assert_eq!(Numtype::COUNT, 4);
    // add sub mul div_s/u rem_s/u and or xor shl shr_s/u rotl rotr; add sub mul div min max copysign
    assert_eq!(Binop::COUNT, 15 + 7);
}

#[test]
fn every_binop_instruction_has_a_kind_of_its_own() {
    let mut kinds = HashSet::new();
    for t in 0..Numtype::COUNT {
        for op in 0..Binop::COUNT {
            let kind = Instr::Binop(Numtype::nth(t), Binop::nth(op)).kind();
            assert_ne!(kind, 0, "{:?} {:?} has the general kind", Numtype::nth(t), Binop::nth(op));
            assert!(kinds.insert(kind), "two binops share kind {kind}");
        }
    }
    // Other instructions do not take those kinds.
    for i in [Instr::Nop, Instr::Drop, Instr::LocalGet(0), Instr::Relop(Numtype::I32, Relop::nth(0))] {
        assert!(!kinds.contains(&i.kind()), "{i:?}");
    }
}
