//! Printing AST nodes back in DSL syntax (for diagnostics and tests). Parenthesises every
//! compound operand, so the printed form shows how the text was grouped.

use crate::ast::*;
use std::fmt::{self, Display, Formatter};

impl Display for Iter {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Iter::Star => write!(f, "*"),
            Iter::Opt => write!(f, "?"),
            Iter::Plus => write!(f, "+"),
            Iter::Pow(e) => write!(f, "^{}", Atomic(e)),
            Iter::PowIndexed(i, e) => write!(f, "^({}<{})", i.name, e),
        }
    }
}

/// Wraps compound expressions in parentheses.
struct Atomic<'a>(&'a Exp);

impl Display for Atomic<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match &self.0.kind {
            ExpKind::Num(_)
            | ExpKind::Text(_)
            | ExpKind::Bool(_)
            | ExpKind::Eps
            | ExpKind::Ident(_)
            | ExpKind::Call(..)
            | ExpKind::Paren(_)
            | ExpKind::Tuple(_)
            | ExpKind::Record(_)
            | ExpKind::Bracket(..)
            | ExpKind::Len(_) => write!(f, "{}", self.0),
            _ => write!(f, "({})", self.0),
        }
    }
}

impl Display for Exp {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ExpKind::Num(n) => write!(f, "{n}"),
            ExpKind::Text(t) => write!(f, "{t:?}"),
            ExpKind::Bool(b) => write!(f, "{b}"),
            ExpKind::Eps => write!(f, "eps"),
            ExpKind::Ident(i) => write!(f, "{i}"),
            ExpKind::Call(name, None) => write!(f, "${name}"),
            ExpKind::Call(name, Some(args)) => {
                write!(f, "${name}(")?;
                comma_sep(f, args)?;
                write!(f, ")")
            }
            ExpKind::Seq(items) => {
                for (i, e) in items.iter().enumerate() {
                    if i > 0 {
                        write!(f, " ")?;
                    }
                    write!(f, "{}", Atomic(e))?;
                }
                Ok(())
            }
            ExpKind::Mix(items) => {
                for (i, it) in items.iter().enumerate() {
                    if i > 0 {
                        write!(f, " ")?;
                    }
                    match it {
                        MixItem::Exp(e) => write!(f, "{e}")?,
                        MixItem::Atom(a, None, _) => write!(f, "{a}")?,
                        MixItem::Atom(a, Some(sub), _) => write!(f, "{a}({sub})")?,
                    }
                }
                Ok(())
            }
            ExpKind::Paren(e) => write!(f, "({e})"),
            ExpKind::Tuple(es) => {
                write!(f, "(")?;
                comma_sep(f, es)?;
                write!(f, ")")
            }
            ExpKind::Record(fields) => {
                write!(f, "{{")?;
                for (i, (n, e)) in fields.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{} {}", n.name, e)?;
                }
                write!(f, "}}")
            }
            ExpKind::Bracket(b, e) => match e {
                Some(e) => write!(f, "{}{}{}", b.open(), e, b.close()),
                None => write!(f, "{}{}", b.open(), b.close()),
            },
            ExpKind::Iter(e, it, _) => write!(f, "{}{}", Atomic(e), it),
            ExpKind::Field(e, n) => write!(f, "{}.{}", Atomic(e), n.name),
            ExpKind::Index(e, i) => write!(f, "{}[{}]", Atomic(e), i),
            ExpKind::Slice(e, i, n) => write!(f, "{}[{} : {}]", Atomic(e), i, n),
            ExpKind::Update(e, path, op, v) => {
                write!(f, "{}[", Atomic(e))?;
                for p in path {
                    match p {
                        PathElem::Field(n) => write!(f, ".{}", n.name)?,
                        PathElem::Index(i) => write!(f, "[{i}]")?,
                        PathElem::Slice(i, n) => write!(f, "[{i} : {n}]")?,
                    }
                }
                let op = if *op == UpdateOp::Extend { "=++" } else { "=" };
                write!(f, " {op} {v}]")
            }
            ExpKind::Len(e) => write!(f, "|{e}|"),
            ExpKind::Unary(UnOp::Not, e) => write!(f, "~{}", Atomic(e)),
            ExpKind::Unary(UnOp::Neg, e) => write!(f, "-{}", Atomic(e)),
            ExpKind::Binary(op, a, b) => write!(f, "{} {} {}", Atomic(a), op.symbol(), Atomic(b)),
            ExpKind::Cmp(a, rest) => {
                write!(f, "{}", Atomic(a))?;
                for (op, e) in rest {
                    write!(f, " {} {}", op.symbol(), Atomic(e))?;
                }
                Ok(())
            }
        }
    }
}

fn comma_sep(f: &mut Formatter<'_>, es: &[Exp]) -> fmt::Result {
    for (i, e) in es.iter().enumerate() {
        if i > 0 {
            write!(f, ", ")?;
        }
        write!(f, "{e}")?;
    }
    Ok(())
}

impl Display for TypItem {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match &self.kind {
            TypItemKind::Name(n, None) => write!(f, "{}", n.name)?,
            TypItemKind::Name(n, Some(args)) => {
                write!(f, "{}(", n.name)?;
                comma_sep(f, args)?;
                write!(f, ")")?;
            }
            TypItemKind::Paren(parts) => {
                write!(f, "(")?;
                for (i, p) in parts.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{}", TypSeq(p))?;
                }
                write!(f, ")")?;
            }
            TypItemKind::Bracket(b, inner) => write!(f, "{}{}{}", b.open(), TypSeq(inner), b.close())?,
            TypItemKind::Sym(s, None) => write!(f, "{s}")?,
            TypItemKind::Sym(s, Some(sub)) => write!(f, "{s}({})", TypSeq(sub))?,
            TypItemKind::Num(n) => write!(f, "{n}")?,
            TypItemKind::Text(t) => write!(f, "{t:?}")?,
        }
        for (it, _) in &self.iters {
            write!(f, "{it}")?;
        }
        Ok(())
    }
}

/// A type sequence, space separated.
pub struct TypSeq<'a>(pub &'a [TypItem]);

impl Display for TypSeq<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        for (i, t) in self.0.iter().enumerate() {
            if i > 0 {
                write!(f, " ")?;
            }
            write!(f, "{t}")?;
        }
        Ok(())
    }
}
