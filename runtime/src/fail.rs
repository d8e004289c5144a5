//! Failure of generated code: a premise that does not hold or a pattern that does not match
//! (a soft failure, which lets an alternative be tried), or an error with a message (which the
//! decoder reports unless an alternative gets further).

use crate::reader::DecodeError;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fail {
    /// How far the input was read when this happened.
    pub reached: usize,
    /// Where to report it.
    pub offset: usize,
    /// `None` for a soft failure.
    pub message: Option<String>,
}

pub type R<T> = Result<T, Fail>;

impl Fail {
    /// Says which element of a sequence a failure with a message is about (`... in function
    /// 2`); nested sequences add their elements from the inside out.
    pub fn within(self, what: &str, index: u64) -> Fail {
        match self.message {
            Some(m) => Fail { message: Some(format!("{m} in {what} {index}")), ..self },
            None => self,
        }
    }

    pub fn soft() -> Fail {
        Fail { reached: 0, offset: 0, message: None }
    }

    pub fn msg(offset: usize, message: impl Into<String>) -> Fail {
        Fail { reached: offset, offset, message: Some(message.into()) }
    }

    /// Records how far the input was read, for choosing among failed alternatives.
    pub fn reached_at(mut self, pos: usize) -> Fail {
        if self.message.is_none() {
            self.offset = pos;
        }
        self.reached = self.reached.max(pos);
        self
    }

    /// A failure that read past `start` without saying why is a malformation of what was
    /// being read there: it gets `message`. Only failures at `start` stay soft, so that an
    /// alternative can still be tried.
    pub fn harden(mut self, start: usize, message: &str) -> Fail {
        if self.message.is_none() && self.reached > start {
            self.message = Some(message.to_string());
        }
        self
    }

    pub fn into_error(self, fallback: &str) -> DecodeError {
        DecodeError { offset: self.offset, message: self.message.unwrap_or_else(|| fallback.to_string()) }
    }
}

impl From<DecodeError> for Fail {
    fn from(e: DecodeError) -> Fail {
        Fail { reached: e.offset, offset: e.offset, message: Some(e.message) }
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
                if f.reached > b.reached || (f.reached == b.reached && b.message.is_none() && f.message.is_some()) {
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
            if b.message.as_deref() == Some(crate::reader::UNEXPECTED_END_OF_REGION) {
                return self.best.unwrap();
            }
        }
        match self.best {
            Some(b) if b.reached > start || b.message.is_some() && message.is_none() => b,
            Some(b) if message.is_none() => b,
            _ => match message {
                Some(m) => Fail { reached: start, offset: start, message: Some(m.to_string()) },
                None => Fail { reached: start, offset: start, message: None },
            },
        }
    }
}

/// `Some` to `Ok`, `None` to a soft failure.
pub fn ok<T>(x: Option<T>) -> R<T> {
    x.ok_or_else(Fail::soft)
}

/// A condition of a premise.
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
