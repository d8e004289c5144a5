//! The operand stack of the validator (DESIGN.md §4).
//!
//! The typing rules give each instruction a type `t_1* -> t_2*`; the generated checker of an
//! instruction sequence looks at the types on this stack to find the instruction's operands,
//! checks them against `t_1*` with subtyping, and replaces them with `t_2*`. After an
//! instruction that never falls through (its type takes and gives anything), the stack is
//! *polymorphic*: below what is on it, it holds as many values of the bottom type as anyone
//! asks for. Nothing here knows a type or an instruction: the bottom value is given.

use crate::fail::{Fail, R};
use std::cell::RefCell;

pub struct Checker<T> {
    vals: Vec<T>,
    unreachable: bool,
    bottom: T,
    /// Why the last typing rule tried did not apply, for the message when none does.
    note: RefCell<Option<String>>,
}

impl<T: Clone> Checker<T> {
    /// A stack holding `init`, whose polymorphic part holds `bottom`s.
    pub fn new(init: &[T], bottom: T) -> Self {
        Checker { vals: init.to_vec(), unreachable: false, bottom, note: RefCell::new(None) }
    }

    /// Notes why a typing rule does not apply (its operands do not match the stack).
    pub fn note(&self, why: String) {
        *self.note.borrow_mut() = Some(why);
    }

    /// The last note, which is forgotten.
    pub fn take_note(&self) -> Option<String> {
        self.note.borrow_mut().take()
    }

    /// The top `n` types, bottom first: fewer where the stack has fewer, bottoms where it is
    /// polymorphic.
    pub fn top(&self, n: usize) -> Vec<T> {
        let n = if self.unreachable { n } else { n.min(self.vals.len()) };
        (0..n).rev().map(|k| self.peek(k).cloned().unwrap_or_else(|_| self.bottom.clone())).collect()
    }

    pub fn height(&self) -> usize {
        self.vals.len()
    }

    pub fn is_unreachable(&self) -> bool {
        self.unreachable
    }

    /// The type `k` places below the top: a bottom where the polymorphic stack has nothing.
    pub fn peek(&self, k: usize) -> R<&T> {
        if k < self.vals.len() {
            Ok(&self.vals[self.vals.len() - 1 - k])
        } else if self.unreachable {
            Ok(&self.bottom)
        } else {
            Err(Fail::soft())
        }
    }

    /// The `n` types that end `k` places below the top, bottom first.
    pub fn peek_range(&self, k: usize, n: usize) -> R<Vec<T>> {
        let mut out = Vec::with_capacity(n);
        for j in (0..n).rev() {
            out.push(self.peek(k + j)?.clone());
        }
        Ok(out)
    }

    /// Takes the top `n` types off (those the polymorphic part provides cost nothing).
    pub fn pop_n(&mut self, n: usize) {
        let len = self.vals.len().saturating_sub(n);
        self.vals.truncate(len);
    }

    pub fn push(&mut self, t: T) {
        self.vals.push(t);
    }

    /// After an instruction that never falls through: everything goes, and the stack becomes
    /// polymorphic.
    pub fn set_unreachable(&mut self) {
        self.vals.clear();
        self.unreachable = true;
    }

    /// The types on the stack, bottom first.
    pub fn types(&self) -> &[T] {
        &self.vals
    }
}

/// The result of trying a typing rule: how the stack changes.
pub struct Effect<T, X> {
    pub pops: usize,
    pub unreachable: bool,
    pub pushes: Vec<T>,
    /// What the rule says about the locals it sets.
    pub sets: Vec<X>,
}

impl<T: Clone> Checker<T> {
    pub fn apply<X>(&mut self, e: Effect<T, X>) -> Vec<X> {
        self.pop_n(e.pops);
        if e.unreachable {
            self.set_unreachable();
        }
        self.vals.extend(e.pushes);
        e.sets
    }
}

/// A failure at instruction `pc` of a sequence: where it happened, for the message (the first
/// position reported is the innermost).
pub fn at(f: Fail, pc: usize) -> Fail {
    let rule = f.rule();
    let f = match f.into_message() {
        Some(m) if !m.contains(" at instruction ") => Fail::msg(pc, format!("{m} at instruction {pc}")),
        Some(m) => Fail::msg(pc, m),
        None => Fail::msg(pc, format!("type mismatch at instruction {pc}")),
    };
    match rule {
        Some(r) => f.with_rule(r),
        None => f,
    }
}
