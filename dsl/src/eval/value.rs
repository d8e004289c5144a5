//! The dynamic values of the reference evaluator.

use super::int::Int;
use super::rat::Rat;
use crate::ir::Exp;
use num_bigint::BigInt;
use std::fmt;
use std::rc::Rc;

/// A value of the meta-language. Naturals and integers are both `Num`, unbounded (their type decides
/// whether a negative number is an error); numeric enumerations such as `sz = 8 | 16 | 32 | 64`
/// are numbers too. Optionals are sequences of at most one element.
#[derive(Clone, Debug)]
pub enum Value {
    Num(Int),
    Rat(Rc<Rat>),
    Bool(bool),
    Text(Rc<str>),
    /// A constructor: its key (the atoms of its notation and its number of arguments, `NORM/2`),
    /// which identifies it across the types that share it (`I32` of `Inn` and of `numtype`).
    Con(Rc<ConVal>),
    Tuple(Rc<Vec<Value>>),
    Record(Rc<Vec<(Rc<str>, Value)>>),
    Seq(SeqVal),
    /// A sequence too large to build, computed element by element when needed (the set of all
    /// arithmetic NaNs of a width, for instance).
    Lazy(Rc<Lazy>),
}

#[derive(Debug)]
pub struct ConVal {
    pub key: Rc<str>,
    pub args: Vec<Value>,
}

impl ConVal {
    /// The first atom of the notation (`NORM` of `NORM/2`).
    pub fn head(&self) -> &str {
        let k = &*self.key;
        let k = k.rsplit_once('/').map(|(a, _)| a).unwrap_or(k);
        k.split(' ').next().unwrap_or(k)
    }
}

/// A slice of a shared vector: slicing and cloning are O(1).
#[derive(Clone, Debug)]
pub struct SeqVal {
    data: Rc<Vec<Value>>,
    start: usize,
    len: usize,
}

impl SeqVal {
    pub fn new(v: Vec<Value>) -> SeqVal {
        let len = v.len();
        SeqVal { data: Rc::new(v), start: 0, len }
    }
    pub fn as_slice(&self) -> &[Value] {
        &self.data[self.start..self.start + self.len]
    }
    pub fn len(&self) -> usize {
        self.len
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    /// The sub-sequence `[from, from + len)`; the caller checks the bounds.
    pub fn slice(&self, from: usize, len: usize) -> SeqVal {
        debug_assert!(from + len <= self.len);
        SeqVal { data: self.data.clone(), start: self.start + from, len }
    }
}

/// A lazily computed sequence.
#[derive(Debug)]
pub enum Lazy {
    /// `body^(index<count)`: the body evaluated with `index` bound to each of `0 .. count`, in an
    /// environment captured where the iteration was evaluated.
    Gen { body: Rc<Exp>, index: String, count: u64, env: Vec<(String, Value)> },
    /// The concatenation of sequences.
    Cat(Vec<Value>, u64),
}

impl Lazy {
    pub fn len(&self) -> u64 {
        match self {
            Lazy::Gen { count, .. } => *count,
            Lazy::Cat(_, n) => *n,
        }
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Value {
    pub fn nat(n: u64) -> Value {
        Value::Num(Int::from(n))
    }
    pub fn int(n: i64) -> Value {
        Value::Num(Int::from(n))
    }
    pub fn big(n: BigInt) -> Value {
        Value::Num(Int::from_big(n))
    }
    /// A constructor whose notation is one atom followed by its arguments (`NORM m e`).
    pub fn con(head: &str, args: Vec<Value>) -> Value {
        Value::Con(Rc::new(ConVal { key: format!("{head}/{}", args.len()).into(), args }))
    }
    /// A constructor with an explicit key (`X/2` for `lanetype X dim`).
    pub fn con_key(key: &str, args: Vec<Value>) -> Value {
        Value::Con(Rc::new(ConVal { key: key.into(), args }))
    }
    pub fn rat(r: Rat) -> Value {
        Value::Rat(Rc::new(r))
    }
    pub fn seq(v: Vec<Value>) -> Value {
        Value::Seq(SeqVal::new(v))
    }
    pub fn none() -> Value {
        Value::seq(Vec::new())
    }
    pub fn some(v: Value) -> Value {
        Value::seq(vec![v])
    }
    pub fn tuple(v: Vec<Value>) -> Value {
        Value::Tuple(Rc::new(v))
    }

    pub fn as_num(&self) -> Option<&Int> {
        match self {
            Value::Num(n) => Some(n),
            _ => None,
        }
    }
    pub fn as_con(&self) -> Option<&ConVal> {
        match self {
            Value::Con(c) => Some(c),
            _ => None,
        }
    }
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }
    /// The elements of a sequence that is not lazy.
    pub fn as_seq(&self) -> Option<&[Value]> {
        match self {
            Value::Seq(s) => Some(s.as_slice()),
            _ => None,
        }
    }

    /// The length of a sequence (lazy or not).
    pub fn seq_len(&self) -> Option<u64> {
        match self {
            Value::Seq(s) => Some(s.len() as u64),
            Value::Lazy(l) => Some(l.len()),
            _ => None,
        }
    }
}

fn write_atomic(v: &Value, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    match v {
        Value::Con(c) if !c.args.is_empty() => write!(f, "({v})"),
        Value::Num(n) if n.is_negative() => write!(f, "({v})"),
        Value::Rat(_) => write!(f, "({v})"),
        _ => write!(f, "{v}"),
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Num(n) => write!(f, "{n}"),
            Value::Rat(r) => write!(f, "{r}"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Text(t) => write!(f, "{t:?}"),
            Value::Con(c) => {
                let key = &*c.key;
                let atoms = key.rsplit_once('/').map(|(a, _)| a).unwrap_or(key);
                let mut words = atoms.split(' ').filter(|w| !w.is_empty());
                // A leading atom, then the arguments; further atoms are shown after them.
                let mut first = true;
                if let Some(h) = words.next() {
                    write!(f, "{h}")?;
                    first = false;
                }
                for a in &c.args {
                    if !first {
                        write!(f, " ")?;
                    }
                    first = false;
                    write_atomic(a, f)?;
                }
                for w in words {
                    write!(f, " {w}")?;
                }
                Ok(())
            }
            Value::Tuple(xs) => {
                write!(f, "(")?;
                for (i, x) in xs.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{x}")?;
                }
                write!(f, ")")
            }
            Value::Record(fs) => {
                write!(f, "{{")?;
                for (i, (n, x)) in fs.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{n} {x}")?;
                }
                write!(f, "}}")
            }
            Value::Seq(s) => {
                if s.is_empty() {
                    return write!(f, "eps");
                }
                write!(f, "[")?;
                for (i, x) in s.as_slice().iter().enumerate() {
                    if i > 0 {
                        write!(f, " ")?;
                    }
                    write_atomic(x, f)?;
                }
                write!(f, "]")
            }
            Value::Lazy(l) => match &**l {
                Lazy::Gen { index, count, .. } => write!(f, "[...^({index}<{count})]"),
                Lazy::Cat(parts, _) => {
                    for (i, p) in parts.iter().enumerate() {
                        if i > 0 {
                            write!(f, " ++ ")?;
                        }
                        write!(f, "{p}")?;
                    }
                    Ok(())
                }
            },
        }
    }
}
