//! Failure of generated code: a premise that does not hold or a pattern that does not match
//! (a soft failure, which lets an alternative be tried), or an error with a message (which the
//! decoder reports unless an alternative gets further).

use crate::reader::DecodeError;

/// Two words, so that every `R<()>` and `R` of a small value is returned in registers: a
/// failure of 40 bytes was written to memory and read back on every rule tried. A soft failure
/// keeps its positions inline; one with a message keeps everything in a box, as it ends the
/// run or the decoding anyway.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fail(Repr);

#[derive(Clone, Debug, PartialEq, Eq)]
enum Repr {
    /// Positions saturate at `u32::MAX`: they only rank alternatives of the decoder.
    Soft { reached: u32, offset: u32 },
    Hard(Box<Hard>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Hard {
    reached: usize,
    offset: usize,
    message: String,
    /// The rule whose premise gave the message (`Memtype_ok`, `Instr_ok/local.get`).
    rule: Option<&'static str>,
}

pub type R<T> = Result<T, Fail>;

fn narrow(pos: usize) -> u32 {
    u32::try_from(pos).unwrap_or(u32::MAX)
}

impl Fail {
    /// Says which element of a sequence a failure with a message is about (`... in function
    /// 2`); nested sequences add their elements from the inside out.
    pub fn within(self, what: &str, index: u64) -> Fail {
        match self.0 {
            Repr::Hard(mut h) => {
                h.message = format!("{} in {what} {index}", h.message);
                Fail(Repr::Hard(h))
            }
            soft => Fail(soft),
        }
    }

    #[inline]
    pub fn soft() -> Fail {
        Fail(Repr::Soft { reached: 0, offset: 0 })
    }

    #[cold]
    pub fn msg(offset: usize, message: impl Into<String>) -> Fail {
        Fail(Repr::Hard(Box::new(Hard { reached: offset, offset, message: message.into(), rule: None })))
    }

    /// Whether this is a soft failure: a premise that does not hold, a pattern that does not
    /// match (another rule or alternative may apply).
    #[inline]
    pub fn is_soft(&self) -> bool {
        matches!(self.0, Repr::Soft { .. })
    }

    /// The message, unless the failure is soft.
    pub fn message(&self) -> Option<&str> {
        match &self.0 {
            Repr::Soft { .. } => None,
            Repr::Hard(h) => Some(&h.message),
        }
    }

    pub fn into_message(self) -> Option<String> {
        match self.0 {
            Repr::Soft { .. } => None,
            Repr::Hard(h) => Some(h.message),
        }
    }

    /// Names the rule that gave the message, unless a rule inside it already did.
    pub fn with_rule(self, rule: &'static str) -> Fail {
        match self.0 {
            Repr::Hard(mut h) => {
                h.rule.get_or_insert(rule);
                Fail(Repr::Hard(h))
            }
            soft => Fail(soft),
        }
    }

    /// The rule that gave the message, if known.
    pub fn rule(&self) -> Option<&'static str> {
        match &self.0 {
            Repr::Soft { .. } => None,
            Repr::Hard(h) => h.rule,
        }
    }

    /// How far the input was read when this happened.
    pub fn reached(&self) -> usize {
        match &self.0 {
            Repr::Soft { reached, .. } => *reached as usize,
            Repr::Hard(h) => h.reached,
        }
    }

    /// Where to report it.
    pub fn offset(&self) -> usize {
        match &self.0 {
            Repr::Soft { offset, .. } => *offset as usize,
            Repr::Hard(h) => h.offset,
        }
    }

    /// Records how far the input was read, for choosing among failed alternatives.
    pub fn reached_at(self, pos: usize) -> Fail {
        match self.0 {
            Repr::Soft { reached, .. } => Fail(Repr::Soft { reached: reached.max(narrow(pos)), offset: narrow(pos) }),
            Repr::Hard(mut h) => {
                h.reached = h.reached.max(pos);
                Fail(Repr::Hard(h))
            }
        }
    }

    /// A failure that read past `start` without saying why is a malformation of what was
    /// being read there: it gets `message`. Only failures at `start` stay soft, so that an
    /// alternative can still be tried.
    pub fn harden(self, start: usize, message: &str) -> Fail {
        match self.0 {
            Repr::Soft { reached, offset } if reached as usize > start => {
                Fail(Repr::Hard(Box::new(Hard { reached: reached as usize, offset: offset as usize, message: message.to_string(), rule: None })))
            }
            other => Fail(other),
        }
    }

    pub fn into_error(self, fallback: &str) -> DecodeError {
        let offset = self.offset();
        DecodeError { offset, message: self.into_message().unwrap_or_else(|| fallback.to_string()) }
    }

    /// A failure at `start` that read as far as `start`: soft, or with `message`.
    fn at(start: usize, message: Option<&str>) -> Fail {
        match message {
            Some(m) => Fail::msg(start, m),
            None => Fail(Repr::Soft { reached: narrow(start), offset: narrow(start) }),
        }
    }
}

impl From<DecodeError> for Fail {
    fn from(e: DecodeError) -> Fail {
        Fail::msg(e.offset, e.message)
    }
}

/// Among the failures of alternatives, the one that read furthest; on a tie, the first that
/// has a message.
#[derive(Default)]
pub struct Best {
    best: Option<Fail>,
}

impl Best {
    pub fn new() -> Best {
        Best { best: None }
    }

    pub fn add(&mut self, f: Fail) {
        match &self.best {
            None => self.best = Some(f),
            Some(b) => {
                if f.reached() > b.reached() || (f.reached() == b.reached() && b.is_soft() && !f.is_soft()) {
                    self.best = Some(f);
                }
            }
        }
    }

    /// The failure to report: the best one, or `message` at `start` when nothing got further
    /// than `start` and no alternative said why.
    pub fn finish(self, start: usize, message: Option<&str>) -> Fail {
        // The end of the input explains a failure better than any grammar's message.
        if let Some(b) = &self.best {
            if b.message() == Some(crate::reader::UNEXPECTED_END_OF_REGION) {
                return self.best.unwrap();
            }
        }
        match self.best {
            Some(b) if b.reached() > start || !b.is_soft() && message.is_none() => b,
            Some(b) if message.is_none() => b,
            _ => Fail::at(start, message),
        }
    }
}

/// `Some` to `Ok`, `None` to a soft failure.
#[inline]
pub fn ok<T>(x: Option<T>) -> R<T> {
    x.ok_or_else(Fail::soft)
}

/// A condition of a premise.
#[inline]
pub fn check(cond: bool) -> R<()> {
    if cond {
        Ok(())
    } else {
        Err(Fail::soft())
    }
}

/// A condition with the message to report when it fails.
pub fn check_or(cond: bool, offset: usize, message: &str) -> R<()> {
    if cond {
        Ok(())
    } else {
        Err(Fail::msg(offset, message))
    }
}
