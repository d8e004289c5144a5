//! The abstract machine that runs the generated step functions (DESIGN.md §3).
//!
//! A configuration of the spec is a state and an instruction sequence in which administrative
//! instructions (labels, frames, handlers) nest. The machine keeps that nesting on a control
//! stack: each [`Entry`] is one evaluation context, holding what the context's constructor holds
//! besides its body (generated code decides what that is) and where the enclosing sequence
//! continues. The body of the innermost context is
//!
//! - the values on the operand stack above `val_base`, then
//! - the scheduled instructions in `pending` above `pending_base` (the last one is next), then
//! - the rest of an arena sequence: the arena's elements from `ip` to `end`.
//!
//! Nothing here knows any instruction: the generated [`Lang::step`] applies exactly one rule to
//! the next instruction of the innermost context, and [`Lang::exit`] one rule to a context whose
//! body is done.

use crate::arena::{Arena, Seq};
use crate::fail::{Fail, R};

/// Which rule a step applied: an index into [`Lang::rule_name`]'s table, or one of [`VALUE`],
/// [`STUCK`] and [`FAILED`]. A bare number comes back in a register on every step, where a
/// result with a failure beside it came back through memory.
pub type RuleId = u16;

/// What [`Lang::step`] says when the instruction was a value (`CONST I32 1` is the value
/// `i32.const 1`): it pushed it, and no rule applied.
pub const VALUE: RuleId = 0;

/// No rule applies.
pub const STUCK: RuleId = u16::MAX;

/// A rule failed with a message (a limit), which [`Machine::failed`] kept.
pub const FAILED: RuleId = u16::MAX - 1;

/// What the generated code provides to the machine.
pub trait Lang: Sized {
    type Instr: Clone;
    type Val: Clone;
    /// The evaluation contexts: what each context constructor holds besides its body.
    type Context;
    type State;
    /// The arenas that instruction sequences live in.
    type Arena;

    fn instrs(ar: &Self::Arena) -> &Arena<Self::Instr>;
    /// Applies one rule to `i`, the next instruction of the innermost context, and says which;
    /// or, if `i` is a value, pushes it and says [`VALUE`]; or says [`STUCK`] or [`FAILED`].
    fn step(m: &mut Machine<Self>, ar: &Self::Arena, i: &Self::Instr) -> RuleId;
    /// [`Lang::step`] for an instruction of the arena, of the kind the arena stored with it
    /// ([`crate::arena::Kinded`]): the same rules, chosen without matching on `i` again.
    fn step_kind(m: &mut Machine<Self>, ar: &Self::Arena, kind: u16, i: &Self::Instr) -> RuleId {
        let _ = kind;
        Self::step(m, ar, i)
    }
    /// Applies one rule to the innermost context, whose body has only values left.
    fn exit(m: &mut Machine<Self>, ar: &Self::Arena) -> RuleId;
    /// The name of a rule that [`Lang::step`] or [`Lang::exit`] applied.
    fn rule_name(rule: RuleId) -> &'static str;
}

/// One evaluation context on the control stack.
pub struct Entry<L: Lang> {
    pub ctx: L::Context,
    /// The enclosing context's position, restored when this one is left.
    pub outer_val_base: usize,
    pub outer_pending_base: usize,
    pub outer_ip: u32,
    pub outer_start: u32,
    pub outer_end: u32,
}

/// Explicit limits: running into one is an error with a message, never a crash.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Nesting of contexts (calls and blocks together); beyond it, "call stack exhausted".
    /// 20,000 by default: a simple function's call takes two (its frame and its body's label),
    /// so about 10,000 calls deep, as engines allow; `--max-depth` raises it. Each frame holds
    /// its locals, so a recursion to exhaustion costs memory and time in proportion (a function
    /// of 1,056 locals in the suite took 1.7 GB and 20 s to exhaust 100,000).
    pub max_depth: usize,
    /// Values on the operand stack.
    pub max_values: usize,
    /// Steps of one run, if limited ("out of fuel").
    pub fuel: Option<u64>,
    /// Bytes of one memory: growing beyond fails (`memory.grow` gives -1, as the standard lets
    /// it at any time), allocating beyond fails instantiation. Read through the spec's
    /// `$memory_limit` (see [`crate::builtins::memory_limit`]).
    pub max_memory_bytes: u64,
    /// Entries of one table, the same way: `table.grow` beyond gives -1, a larger table does
    /// not instantiate. Read through the spec's `$table_limit`.
    pub max_table_entries: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_depth: 20_000, max_values: 10_000_000, fuel: None, max_memory_bytes: crate::builtins::DEFAULT_MEMORY_LIMIT, max_table_entries: crate::builtins::DEFAULT_TABLE_LIMIT }
    }
}

pub const EXHAUSTED: &str = "call stack exhausted";
pub const OUT_OF_FUEL: &str = "out of fuel";

pub struct Machine<L: Lang> {
    pub vals: Vec<L::Val>,
    pub ctrl: Vec<Entry<L>>,
    pub pending: Vec<L::Instr>,
    pub pending_base: usize,
    pub val_base: usize,
    /// The arena sequence the innermost context runs, by absolute positions in the arena: the
    /// next instruction (`ip`), and where the sequence starts and ends (all 0 when there is
    /// none). Absolute, so that the next instruction is one index away and a context restores
    /// them without looking its sequence up.
    pub ip: u32,
    pub start: u32,
    pub end: u32,
    pub state: L::State,
    pub limits: Limits,
    /// Steps taken so far (rules applied).
    pub steps: u64,
    /// What the last rule that says so said about its result (`hint(trap "...")`: why it
    /// trapped).
    pub note: Option<std::borrow::Cow<'static, str>>,
    /// The failure of the rule that said [`FAILED`].
    pub failure: Option<Fail>,
}

/// What sees each rule applied, with the instruction it reduced (`None` when a context was
/// left).
pub type Trace<'a, I> = dyn FnMut(&'static str, Option<&I>) + 'a;

/// How a run ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Stop {
    /// No instruction is left outside of every context: the values are the result.
    Done,
    /// No rule applies to the next instruction (a `TRAP` at the top, an uncaught exception, or
    /// a configuration the rules do not cover).
    Stuck,
}

/// Where the next instruction comes from.
enum Next<I> {
    Pending(I),
    /// The arena's element at this absolute position.
    Arena(u32),
    End,
}

impl<L: Lang> Machine<L> {
    pub fn new(state: L::State, limits: Limits) -> Self {
        Machine {
            vals: Vec::new(),
            ctrl: Vec::new(),
            pending: Vec::new(),
            pending_base: 0,
            val_base: 0,
            ip: 0,
            start: 0,
            end: 0,
            state,
            limits,
            steps: 0,
            note: None,
            failure: None,
        }
    }

    /// Starts running `code` (in order) at the top level, after the values already pushed.
    pub fn load(&mut self, code: Vec<L::Instr>) {
        self.pending.extend(code.into_iter().rev());
    }

    /// Starts running an arena sequence at the top level.
    pub fn load_seq(&mut self, ar: &L::Arena, seq: Seq<L::Instr>) {
        self.set_seq(ar, Some(seq));
    }

    /// Makes `seq` the innermost context's arena sequence, from its start.
    #[inline(always)]
    fn set_seq(&mut self, ar: &L::Arena, seq: Option<Seq<L::Instr>>) {
        let (start, end) = match seq {
            Some(s) => L::instrs(ar).bounds(s),
            None => (0, 0),
        };
        self.ip = start;
        self.start = start;
        self.end = end;
    }

    // -----------------------------------------------------------------------------------------
    // Operations for generated code

    /// Keeps the failure of a rule that failed with a message, for the driver: says [`FAILED`].
    #[cold]
    #[inline(never)]
    pub fn failed(&mut self, f: Fail) -> RuleId {
        self.failure = Some(f);
        FAILED
    }

    /// The failure kept by [`Machine::failed`].
    #[cold]
    fn take_failure(&mut self) -> Fail {
        self.failure.take().unwrap_or_else(|| Fail::msg(0, "a rule failed without saying why"))
    }

    /// The number of values of the innermost context.
    #[inline]
    pub fn height(&self) -> usize {
        self.vals.len() - self.val_base
    }

    /// The value `k` places below the top (0 is the top), if the innermost context has it.
    #[inline(always)]
    pub fn peek(&self, k: usize) -> R<&L::Val> {
        if k < self.height() {
            Ok(&self.vals[self.vals.len() - 1 - k])
        } else {
            Err(Fail::soft())
        }
    }

    /// The `n` values that end `k` places below the top.
    #[inline(always)]
    pub fn peek_range(&self, k: usize, n: usize) -> R<&[L::Val]> {
        if k + n <= self.height() {
            let end = self.vals.len() - k;
            Ok(&self.vals[end - n..end])
        } else {
            Err(Fail::soft())
        }
    }

    /// All values of the innermost context below the top `k`.
    #[inline(always)]
    pub fn rest(&self, k: usize) -> R<&[L::Val]> {
        if k <= self.height() {
            Ok(&self.vals[self.val_base..self.vals.len() - k])
        } else {
            Err(Fail::soft())
        }
    }

    /// Inlined with `n` known, one value at a time, where truncating called the drop of a
    /// slice out of line. Each value is dropped where it lies: popped, it was first copied out
    /// whole only to test whether it needs dropping.
    #[inline(always)]
    pub fn pop_n(&mut self, n: usize) {
        for _ in 0..n {
            let Some(last) = self.vals.len().checked_sub(1) else { return };
            // SAFETY: the length first stops covering the slot, which is then dropped once.
            unsafe {
                self.vals.set_len(last);
                std::ptr::drop_in_place(self.vals.as_mut_ptr().add(last));
            }
        }
    }

    /// Replaces the top value by `v`, for a rule whose one value takes the place of its
    /// operands: the slot is there, so nothing is checked and nothing grows, and `v` can be
    /// stored straight from registers.
    #[inline(always)]
    pub fn replace_top(&mut self, v: L::Val) {
        match self.vals.last_mut() {
            Some(top) => *top = v,
            // The rule matched its operands, so there is a top value; pushing is only a safe
            // answer to an impossible case.
            None => put(&mut self.vals, v),
        }
    }

    /// Removes the `n` values below the top `keep` ones.
    #[inline(always)]
    pub fn drop_below(&mut self, keep: usize, n: usize) {
        let end = self.vals.len() - keep;
        // A branch usually keeps nothing (or drops nothing): no draining then.
        if n == 0 {
            // Nothing to drop: truncating would still call the slice's drop out of line.
        } else if keep == 0 {
            self.vals.truncate(end - n);
        } else {
            self.vals.drain(end - n..end);
        }
    }

    /// Inlined into every rule that pushes, so that the value is built in place; the limit's
    /// message is built out of line. The value goes straight into spare capacity ([`put`]).
    #[inline(always)]
    pub fn push(&mut self, v: L::Val) -> R<()> {
        if self.vals.len() >= self.limits.max_values {
            return Err(exhausted());
        }
        put(&mut self.vals, v);
        Ok(())
    }

    /// Schedules instructions built for the purpose, without copying them again.
    #[inline(always)]
    pub fn schedule_code(&mut self, ar: &L::Arena, code: Code<L::Instr>) {
        match code {
            Code::Nil => {}
            Code::One(i) => self.schedule_instr(i),
            Code::Many(v) => self.pending.extend(v.into_iter().rev()),
            Code::At(at) => {
                // Back where the instruction was taken from, in the same sequence (a loop's
                // label continues with the loop itself): running it from there is running it
                // next.
                if self.ip == at + 1 && self.ip > self.start && self.pending.len() == self.pending_base {
                    self.ip = at;
                } else {
                    put(&mut self.pending, L::instrs(ar).item(at).clone());
                }
            }
        }
    }

    /// Schedules one instruction, built where it goes.
    #[inline(always)]
    pub fn schedule_instr(&mut self, i: L::Instr) {
        put(&mut self.pending, i);
    }

    /// The redex `i` as the code a context keeps (a loop's label): by position when it was
    /// taken from the arena, so that it is not copied. Made directly rather than converted from a
    /// [`Code`], whose large value went through memory and was read back in wider pieces than it
    /// was written.
    #[inline(always)]
    pub fn redex_cont(&self, ar: &L::Arena, i: &L::Instr) -> Cont<L::Instr> {
        if self.ip > self.start && std::ptr::eq(L::instrs(ar).item(self.ip - 1), i) {
            return Cont::at(self.ip - 1);
        }
        boxed_cont(i)
    }

    /// Whether the innermost context has no instruction left.
    #[inline]
    pub fn code_done(&self) -> bool {
        self.pending.len() == self.pending_base && self.ip >= self.end
    }

    /// Drops the instructions left in the innermost context.
    #[inline]
    pub fn discard_code(&mut self) {
        drop_pending(&mut self.pending, self.pending_base);
        self.ip = self.end;
    }

    /// The innermost context.
    #[inline(always)]
    pub fn top(&self) -> R<&L::Context> {
        self.ctrl.last().map(|e| &e.ctx).ok_or_else(Fail::soft)
    }

    #[inline]
    pub fn top_mut(&mut self) -> R<&mut L::Context> {
        self.ctrl.last_mut().map(|e| &mut e.ctx).ok_or_else(Fail::soft)
    }

    /// Enters a context whose body starts with the top `keep` values and continues with the
    /// arena sequence `seq` (or nothing), after the instructions scheduled later. The context
    /// is the one `make` makes, once nothing can fail any more.
    ///
    /// Made there, with no call between making and storing it that could fail or unwind, the
    /// context's fields go from registers straight into the control stack. A context made by
    /// the caller and passed in was assembled on the stack (it had to outlive the calls that
    /// report exhaustion or grow the stack) and copied in wider pieces than it was written,
    /// which stalls on every block entry.
    #[inline(always)]
    pub fn enter(&mut self, ar: &L::Arena, keep: usize, seq: Option<Seq<L::Instr>>, make: impl FnOnce() -> L::Context) -> R<()> {
        let len = self.ctrl.len();
        if len >= self.limits.max_depth {
            return Err(exhausted());
        }
        if len == self.ctrl.capacity() {
            grow_one(&mut self.ctrl);
        }
        let outer = (self.val_base, self.pending_base, self.ip, self.start, self.end);
        self.val_base = self.vals.len() - keep;
        self.pending_base = self.pending.len();
        self.set_seq(ar, seq);
        // SAFETY: the slot is allocated and unused; every field is written before the length
        // covers it.
        unsafe {
            let slot = self.ctrl.as_mut_ptr().add(len);
            std::ptr::addr_of_mut!((*slot).outer_val_base).write(outer.0);
            std::ptr::addr_of_mut!((*slot).outer_pending_base).write(outer.1);
            std::ptr::addr_of_mut!((*slot).outer_ip).write(outer.2);
            std::ptr::addr_of_mut!((*slot).outer_start).write(outer.3);
            std::ptr::addr_of_mut!((*slot).outer_end).write(outer.4);
            std::ptr::addr_of_mut!((*slot).ctx).write(make());
            self.ctrl.set_len(len + 1);
        }
        Ok(())
    }

    /// Leaves the innermost context: its remaining code is dropped, its values stay (they now
    /// belong to the enclosing context). Returns what the context held.
    #[inline(always)]
    pub fn leave(&mut self) -> R<L::Context> {
        // The positions are read where the entry lies: read from a popped copy, they straddled
        // the pieces it was copied in, which stalls.
        let e = self.ctrl.last().ok_or_else(Fail::soft)?;
        let (val_base, pending_base, ip, start, end) = (e.outer_val_base, e.outer_pending_base, e.outer_ip, e.outer_start, e.outer_end);
        drop_pending(&mut self.pending, self.pending_base);
        self.val_base = val_base;
        self.pending_base = pending_base;
        self.ip = ip;
        self.start = start;
        self.end = end;
        self.ctrl.pop().map(|e| e.ctx).ok_or_else(Fail::soft)
    }

    // -----------------------------------------------------------------------------------------
    // The driver

    fn next(&mut self) -> Next<L::Instr> {
        if self.pending.len() > self.pending_base {
            // Checked above: there is one.
            return match self.pending.pop() {
                Some(i) => Next::Pending(i),
                None => Next::End,
            };
        }
        if self.ip < self.end {
            let at = self.ip;
            self.ip += 1;
            return Next::Arena(at);
        }
        Next::End
    }

    /// Runs until nothing is left or nothing applies. `trace` sees each rule applied with the
    /// instruction it reduced (`None` when a context was left).
    pub fn run(&mut self, ar: &L::Arena, trace: Option<&mut Trace<'_, L::Instr>>) -> R<Stop> {
        // The step count lives in a register while running.
        let mut steps = self.steps;
        let stop = match trace {
            None => self.drive::<false>(ar, &mut |_, _| {}, &mut steps),
            Some(t) => self.drive::<true>(ar, t, &mut steps),
        };
        self.steps = steps;
        stop
    }

    /// The driver loop; without `TRACE`, it does not test for a trace on every step.
    #[inline(always)]
    fn drive<const TRACE: bool>(&mut self, ar: &L::Arena, trace: &mut Trace<'_, L::Instr>, steps: &mut u64) -> R<Stop> {
        let fuel = self.limits.fuel.unwrap_or(u64::MAX);
        loop {
            if *steps >= fuel {
                return Err(Fail::msg(0, OUT_OF_FUEL));
            }
            match self.next() {
                Next::Pending(i) => {
                    let rule = L::step(self, ar, &i);
                    // One test for the usual outcome: a rule applied, or a value was pushed.
                    if rule < FAILED {
                        *steps += u64::from(rule != VALUE);
                        if TRACE && rule != VALUE {
                            trace(L::rule_name(rule), Some(&i));
                        }
                    } else if rule == STUCK {
                        // Put the instruction back so that the configuration shows it.
                        self.pending.push(i);
                        return Ok(Stop::Stuck);
                    } else {
                        return Err(self.take_failure());
                    }
                }
                Next::Arena(at) => {
                    let (i, kind) = L::instrs(ar).item_kind(at);
                    let rule = L::step_kind(self, ar, kind, i);
                    if rule < FAILED {
                        *steps += u64::from(rule != VALUE);
                        if TRACE && rule != VALUE {
                            trace(L::rule_name(rule), Some(i));
                        }
                    } else if rule == STUCK {
                        self.ip = at;
                        return Ok(Stop::Stuck);
                    } else {
                        return Err(self.take_failure());
                    }
                }
                Next::End => {
                    if self.ctrl.is_empty() {
                        return Ok(Stop::Done);
                    }
                    match L::exit(self, ar) {
                        STUCK => return Ok(Stop::Stuck),
                        FAILED => return Err(self.take_failure()),
                        rule => {
                            *steps += 1;
                            if TRACE {
                                trace(L::rule_name(rule), None);
                            }
                        }
                    }
                }
            }
        }
    }

    /// The instructions left at the top level (after a stop), next first.
    pub fn remaining(&self, ar: &L::Arena) -> Vec<L::Instr> {
        let mut out: Vec<L::Instr> = self.pending[self.pending_base..].iter().rev().cloned().collect();
        out.extend(L::instrs(ar).range(self.ip, self.end).iter().cloned());
        out
    }
}

/// `vals.push(v)`, storing `v` straight into spare capacity and growing out of line. With
/// `Vec::push` the value had to survive the call that grows, so it was spilled to the stack in
/// pieces and read back whole, which stalls on every push.
#[inline(always)]
pub fn put<V>(vals: &mut Vec<V>, v: V) {
    let len = vals.len();
    if len < vals.capacity() {
        // SAFETY: the slot is allocated and unused; it is written before the length covers it.
        unsafe {
            vals.as_mut_ptr().add(len).write(v);
            vals.set_len(len + 1);
        }
    } else {
        put_slow(vals, v)
    }
}

#[cold]
#[inline(never)]
fn put_slow<V>(vals: &mut Vec<V>, v: V) {
    vals.push(v);
}

/// One instruction as a context's code, out of line: only a redex that was not taken from the
/// arena needs it.
#[cold]
#[inline(never)]
fn boxed_cont<I: Clone>(i: &I) -> Cont<I> {
    Cont::other(Box::new([i.clone()]))
}

/// Makes room for one more element, out of line.
#[cold]
#[inline(never)]
fn grow_one<V>(vals: &mut Vec<V>) {
    vals.reserve(1);
}

/// Pushes the value that `make` makes, made only once the stack has room, straight into its
/// slot; or fails with "call stack exhausted" when `vals` holds `max` values already. A free
/// function of the stack alone, so that `make` may read the rest of the machine (the state).
#[inline(always)]
pub fn push_with<V>(vals: &mut Vec<V>, max: usize, make: impl FnOnce() -> V) -> R<()> {
    let len = vals.len();
    if len >= max {
        return Err(exhausted());
    }
    if len == vals.capacity() {
        grow_one(vals);
    }
    // SAFETY: the slot is allocated (room was made above) and unused; it is written before the
    // length covers it.
    unsafe {
        vals.as_mut_ptr().add(len).write(make());
        vals.set_len(len + 1);
    }
    Ok(())
}

/// Drops the scheduled instructions above `base`. Usually there are none, and truncating
/// would still call the drop of an empty slice out of line.
#[inline(always)]
fn drop_pending<I>(pending: &mut Vec<I>, base: usize) {
    if pending.len() > base {
        pending.truncate(base);
    }
}

#[cold]
#[inline(never)]
fn exhausted() -> Fail {
    Fail::msg(0, EXHAUSTED)
}

/// An instruction sequence held by a context (a label's continuation): usually empty or one
/// instruction, so it rarely allocates; or one instruction of the arena, by position.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Code<I> {
    Nil,
    One(I),
    Many(Vec<I>),
    /// The arena's element at this absolute position.
    At(u32),
}

impl<I: Clone> Code<I> {
    /// A copy of a slice, without allocating for one instruction or none.
    pub fn from_slice(s: &[I]) -> Self {
        match s {
            [] => Code::Nil,
            [one] => Code::One(one.clone()),
            _ => Code::Many(s.to_vec()),
        }
    }
}

impl<I> Code<I> {
    pub fn from_vec(mut v: Vec<I>) -> Self {
        match v.len() {
            0 => Code::Nil,
            1 => Code::One(v.pop().expect("one element")),
            _ => Code::Many(v),
        }
    }

    /// The instructions, read from the arena they may lie in.
    #[inline(always)]
    pub fn view<'a>(&'a self, arena: &'a Arena<I>) -> &'a [I] {
        match self {
            Code::Nil => &[],
            Code::One(i) => std::slice::from_ref(i),
            Code::Many(v) => v,
            Code::At(at) => std::slice::from_ref(arena.item(*at)),
        }
    }
}

impl<I> From<Vec<I>> for Code<I> {
    fn from(v: Vec<I>) -> Self {
        Code::from_vec(v)
    }
}

/// The code a context keeps (a label's continuation): none (a block's label), one instruction
/// of the arena by position (a loop's label), or other instructions, boxed, which only rules
/// that build labels of their own need.
///
/// A struct of plain fields rather than an enum: the compiler keeps a struct's fields in
/// registers and stores them one by one into a context being entered, where an enum was
/// assembled on the stack and copied in wider pieces than it was written, which stalls.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Cont<I> {
    /// The arena position of the one instruction, or [`Cont::NOWHERE`].
    at: u64,
    /// The instructions when they are not in the arena.
    other: Option<Box<[I]>>,
}

impl<I> Cont<I> {
    const NOWHERE: u64 = u64::MAX;

    /// No instructions.
    #[inline(always)]
    pub fn nil() -> Self {
        Cont { at: Self::NOWHERE, other: None }
    }

    /// The arena's instruction at this absolute position.
    #[inline(always)]
    pub fn at(at: u32) -> Self {
        Cont { at: u64::from(at), other: None }
    }

    /// Instructions of their own.
    pub fn other(instrs: Box<[I]>) -> Self {
        Cont { at: Self::NOWHERE, other: Some(instrs) }
    }

    /// The instructions, read from the arena they may lie in.
    #[inline(always)]
    pub fn view<'a>(&'a self, arena: &'a Arena<I>) -> &'a [I] {
        match &self.other {
            Some(b) => b,
            None if self.at == Self::NOWHERE => &[],
            None => std::slice::from_ref(arena.item(self.at as u32)),
        }
    }
}

impl<I> From<Code<I>> for Cont<I> {
    #[inline(always)]
    fn from(code: Code<I>) -> Self {
        match code {
            Code::Nil => Cont::nil(),
            Code::At(at) => Cont::at(at),
            Code::One(i) => Cont::other(Box::new([i])),
            Code::Many(v) => Cont::other(v.into_boxed_slice()),
        }
    }
}

impl<I> From<Cont<I>> for Code<I> {
    #[inline(always)]
    fn from(cont: Cont<I>) -> Self {
        match cont.other {
            Some(b) => Code::from_vec(b.into_vec()),
            None if cont.at == Cont::<I>::NOWHERE => Code::Nil,
            None => Code::At(cont.at as u32),
        }
    }
}

/// The outcome of trying a clause as the guard of a match arm: whether it decided the result
/// (its value, or a failure with a message), kept in `slot`; `false` lets the later arms try.
#[inline(always)]
pub fn tried<T>(slot: &mut Option<R<T>>, r: R<T>) -> bool {
    // The slot is still empty: the arms after one that decided are not tried. Forgetting the old
    // value instead of dropping it spares a call to its drop, which the compiler could not see
    // is empty.
    debug_assert!(slot.is_none());
    match r {
        Ok(v) => {
            std::mem::forget(slot.replace(Ok(v)));
            true
        }
        Err(f) if f.is_soft() => false,
        Err(f) => {
            std::mem::forget(slot.replace(Err(f)));
            true
        }
    }
}

/// The outcome of trying a clause: its value, or `None` when it does not apply.
#[inline]
pub fn attempt<T>(r: R<T>) -> R<Option<T>> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(f) if f.is_soft() => Ok(None),
        Err(f) => Err(f),
    }
}
