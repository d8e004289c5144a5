//! Notation templates: the text of `hint(show "...")`.
//!
//! A template describes how a constructor, a syntax type, a definition call or a variable is
//! written. It reads like the formula it produces:
//!
//! | in the template | means |
//! | --- | --- |
//! | `%` | the next argument |
//! | `%1`, `%2`, … | argument 1, 2, … |
//! | `CONST`, `DIV_`, `I` | a keyword: words starting with a capital, with digits, `_` and `.` (shown in lower case) |
//! | `u`, `emax` | an identifier: italic for types and variables, upright for definitions |
//! | `$name` | a definition's name |
//! | `12` | a number |
//! | `x_y`, `x_{y z}` | a subscript (after an identifier, a `%`, a number or a group) |
//! | `x^y`, `x^{y z}` | a superscript |
//! | `\name` | a symbol: `\to`, `\vdash`, `\oplus`, `\tau`, … (an unknown name is shown as a word) |
//! | `\` | the set difference symbol `∖` |
//! | `->`, `<=`, `=/=`, `++`, `~>`, … | the symbols the DSL writes that way |
//! | `#` | nothing: separates two tokens that would otherwise read as one (`I#nn`) |
//! | a space | a space |
//!
//! Tokens written next to each other are joined without space: `%.%` is `t.add`, `DIV_%` is
//! `div_s`.

use super::math::{Sym, M};

#[derive(Clone, Debug, PartialEq)]
pub enum T {
    Arg(Option<usize>),
    Atom(String),
    Word(String),
    Def(String),
    Num(String),
    Sym(Sym),
    Space,
    Sub(Vec<T>),
    Sup(Vec<T>),
    Group(Vec<T>),
}

/// How lowercase words of a template are styled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WordStyle {
    Italic,
    Upright,
}

pub fn parse(src: &str) -> Vec<T> {
    let chars: Vec<char> = src.chars().collect();
    let mut pos = 0;
    parse_seq(&chars, &mut pos, false)
}

fn parse_seq(c: &[char], pos: &mut usize, in_group: bool) -> Vec<T> {
    let mut out: Vec<T> = Vec::new();
    while *pos < c.len() {
        let ch = c[*pos];
        if in_group && ch == '}' {
            *pos += 1;
            return out;
        }
        if (ch == '_' || ch == '^') && !out.is_empty() && !matches!(out.last(), Some(T::Space)) {
            *pos += 1;
            let inner = parse_script(c, pos);
            out.push(if ch == '_' { T::Sub(inner) } else { T::Sup(inner) });
            continue;
        }
        match parse_token(c, pos) {
            Some(t) => {
                if t == T::Space && matches!(out.last(), Some(T::Space) | None) {
                    continue;
                }
                out.push(t)
            }
            None => continue,
        }
    }
    out
}

/// What follows `_` or `^`: a braced group, a parenthesised group (written without its
/// parentheses: `extend_(%,%)` is extend with subscript `M,N`), a negative number (`^-1`), or
/// one token.
fn parse_script(c: &[char], pos: &mut usize) -> Vec<T> {
    if *pos < c.len() && c[*pos] == '{' {
        *pos += 1;
        return parse_seq(c, pos, true);
    }
    if *pos < c.len() && c[*pos] == '(' {
        // Up to the matching parenthesis.
        let mut depth = 0;
        let mut end = *pos;
        while end < c.len() {
            match c[end] {
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                _ => {}
            }
            end += 1;
        }
        let inner: Vec<char> = c[*pos + 1..end.min(c.len())].to_vec();
        *pos = (end + 1).min(c.len());
        let mut p = 0;
        return parse_seq(&inner, &mut p, false);
    }
    if *pos + 1 < c.len() && c[*pos] == '-' && c[*pos + 1].is_ascii_digit() {
        *pos += 1;
        let start = *pos;
        while *pos < c.len() && c[*pos].is_ascii_digit() {
            *pos += 1;
        }
        return vec![T::Sym(Sym::Minus0), T::Num(c[start..*pos].iter().collect())];
    }
    let mut out = Vec::new();
    while *pos < c.len() {
        if let Some(t) = parse_token(c, pos) {
            if t != T::Space {
                out.push(t);
            }
            break;
        }
    }
    out
}

fn parse_token(c: &[char], pos: &mut usize) -> Option<T> {
    let start = *pos;
    let ch = c[start];
    *pos += 1;
    let take_while = |pos: &mut usize, f: &dyn Fn(char) -> bool| {
        let s = *pos;
        while *pos < c.len() && f(c[*pos]) {
            *pos += 1;
        }
        c[s..*pos].iter().collect::<String>()
    };
    let three: String = c[start..(start + 3).min(c.len())].iter().collect();
    let two: String = c[start..(start + 2).min(c.len())].iter().collect();
    for (pat, sym) in [("=/=", Sym::Ne), ("~>*", Sym::StepStar)] {
        if three == pat {
            *pos = start + 3;
            return Some(T::Sym(sym));
        }
    }
    for (pat, sym) in [
        ("->", Sym::To),
        ("|-", Sym::Vdash),
        ("~>", Sym::Step),
        ("<:", Sym::Sub),
        ("~~", Sym::Approx),
        ("=>", Sym::Implies),
        ("..", Sym::Dots),
        ("<=", Sym::Le),
        (">=", Sym::Ge),
        ("++", Sym::Cat),
        ("/\\", Sym::And),
        ("\\/", Sym::Or),
        ("<-", Sym::In),
    ] {
        if two == pat {
            *pos = start + 2;
            return Some(T::Sym(sym));
        }
    }
    Some(match ch {
        ' ' | '\t' | '\n' => T::Space,
        '#' => return None,
        '%' => {
            let d = take_while(pos, &|x| x.is_ascii_digit());
            match d.parse::<usize>() {
                Ok(n) if n >= 1 => T::Arg(Some(n - 1)),
                Ok(_) => T::Arg(Some(0)),
                Err(_) => T::Arg(None),
            }
        }
        '$' => {
            let name = take_while(pos, &|x| x.is_ascii_alphanumeric() || x == '_' || x == '\'');
            T::Def(name)
        }
        '\\' => {
            // `\_`, `\^`, `\#`, `\{`, `\}`, `\|`, `\$`, `\\`: the character itself.
            if let Some(&e) = c.get(*pos) {
                let lit = match e {
                    '_' => Some(T::Sym(Sym::Under)),
                    '^' => Some(T::Word("^".into())),
                    '#' => Some(T::Word("#".into())),
                    '{' => Some(T::Sym(Sym::LBrace)),
                    '}' => Some(T::Sym(Sym::RBrace)),
                    '|' => Some(T::Sym(Sym::Bar)),
                    '$' => Some(T::Word("$".into())),
                    '\\' => Some(T::Sym(Sym::Setminus)),
                    _ => None,
                };
                if let Some(l) = lit {
                    *pos += 1;
                    return Some(l);
                }
            }
            let name = take_while(pos, &|x| x.is_ascii_alphabetic());
            if name.is_empty() {
                T::Sym(Sym::Setminus)
            } else {
                match Sym::by_name(&name) {
                    Some(s) => T::Sym(s),
                    None => T::Word(name),
                }
            }
        }
        '{' => {
            let inner = parse_seq(c, pos, true);
            T::Group(inner)
        }
        c0 if c0.is_ascii_uppercase() => {
            *pos = start;
            let w = take_while(pos, &|x| x.is_ascii_uppercase() || x.is_ascii_digit() || x == '_' || x == '.');
            // A keyword does not end in `.`: `%.CONST` is fine, `CONST.%` keeps the dot apart.
            let trimmed = w.trim_end_matches('.');
            *pos = start + trimmed.chars().count();
            T::Atom(trimmed.to_string())
        }
        c0 if c0.is_alphabetic() => {
            // A word, with the underscores between its parts (`relaxed_trunc_u`); an underscore
            // before anything else starts a subscript (`emax_%`).
            *pos = start;
            let mut w = take_while(pos, &|x| x.is_alphanumeric() || x == '\'');
            while *pos + 1 < c.len() && c[*pos] == '_' && c[*pos + 1].is_alphabetic() {
                *pos += 1;
                w.push('_');
                w.push_str(&take_while(pos, &|x| x.is_alphanumeric() || x == '\''));
            }
            T::Word(w)
        }
        c0 if c0.is_ascii_digit() => {
            *pos = start;
            let w = take_while(pos, &|x| x.is_ascii_digit());
            T::Num(w)
        }
        '(' => T::Sym(Sym::LParen),
        ')' => T::Sym(Sym::RParen),
        '[' => T::Sym(Sym::LBrack),
        ']' => T::Sym(Sym::RBrack),
        '}' => T::Sym(Sym::RBrace),
        '|' => T::Sym(Sym::Bar0),
        ',' => T::Sym(Sym::Comma),
        '.' => T::Sym(Sym::Dot),
        ':' => T::Sym(Sym::Colon),
        ';' => T::Sym(Sym::Semi),
        '=' => T::Sym(Sym::Eq),
        '+' => T::Sym(Sym::Plus),
        '-' => T::Sym(Sym::Minus),
        '*' => T::Sym(Sym::Star),
        '?' => T::Sym(Sym::Quest),
        '/' => T::Sym(Sym::Slash),
        '<' => T::Sym(Sym::Lt),
        '>' => T::Sym(Sym::Gt),
        '_' => T::Sym(Sym::Under),
        '^' => T::Word("^".into()),
        '~' => T::Sym(Sym::Not),
        other => T::Word(other.to_string()),
    })
}

/// The number of arguments a template refers to.
pub fn arity(t: &[T]) -> usize {
    fn walk(t: &[T], next: &mut usize, max: &mut usize) {
        for x in t {
            match x {
                T::Arg(None) => {
                    *next += 1;
                    *max = (*max).max(*next);
                }
                T::Arg(Some(i)) => {
                    *max = (*max).max(i + 1);
                    *next = i + 1;
                }
                T::Sub(v) | T::Sup(v) | T::Group(v) => walk(v, next, max),
                _ => {}
            }
        }
    }
    let (mut next, mut max) = (0, 0);
    walk(t, &mut next, &mut max);
    max
}

/// Fills a template. `args` are the rendered arguments; a reference past them renders nothing.
/// `def_name` renders `$name` tokens.
pub fn fill(t: &[T], args: &[M], style: WordStyle, def_name: &dyn Fn(&str) -> M) -> M {
    let mut next = 0;
    fill_seq(t, args, style, def_name, &mut next)
}

fn fill_seq(t: &[T], args: &[M], style: WordStyle, def_name: &dyn Fn(&str) -> M, next: &mut usize) -> M {
    let mut segments: Vec<M> = Vec::new();
    let mut row: Vec<M> = Vec::new();
    for x in t {
        match x {
            // A space after a comma is the comma's own.
            T::Space if row.last() == Some(&M::Sym(Sym::Comma)) => {}
            T::Space => {
                if !row.is_empty() {
                    segments.push(M::row(std::mem::take(&mut row)));
                }
            }
            T::Sub(inner) | T::Sup(inner) => {
                let base = row.pop().unwrap_or(M::Empty);
                let s = fill_seq(inner, args, style, def_name, next);
                row.push(if matches!(x, T::Sub(_)) { M::sub(base, s) } else { M::sup(base, s) });
            }
            _ => {
                let m = fill_one(x, args, style, def_name, next);
                // A literal `_` joins an argument only when the argument is there (`extract_lane_%`
                // without a signedness is `extract_lane`).
                if m.is_empty() && matches!(x, T::Arg(_)) && row.last() == Some(&M::Sym(Sym::Under)) {
                    row.pop();
                } else {
                    row.push(m);
                }
            }
        }
    }
    if !row.is_empty() {
        segments.push(M::row(row));
    }
    M::spaced(segments)
}

fn fill_one(x: &T, args: &[M], style: WordStyle, def_name: &dyn Fn(&str) -> M, next: &mut usize) -> M {
    match x {
        T::Arg(None) => {
            let m = args.get(*next).cloned().unwrap_or(M::Empty);
            *next += 1;
            m
        }
        T::Arg(Some(i)) => {
            *next = i + 1;
            args.get(*i).cloned().unwrap_or(M::Empty)
        }
        T::Atom(a) => M::Atom(a.to_lowercase()),
        T::Word(w) => match style {
            WordStyle::Italic => M::Var(w.clone()),
            WordStyle::Upright => M::Func(w.clone()),
        },
        T::Def(d) => def_name(d),
        T::Num(n) => M::Num(n.clone()),
        T::Sym(s) => M::Sym(*s),
        T::Group(inner) => fill_seq(inner, args, style, def_name, next),
        T::Space | T::Sub(_) | T::Sup(_) => M::Empty,
    }
}

#[cfg(test)]
mod tests {
    use super::super::math::{tex, text};
    use super::*;

    fn show(src: &str, args: &[&str]) -> String {
        let args: Vec<M> = args.iter().map(|a| M::Var(a.to_string())).collect();
        text(&fill(&parse(src), &args, WordStyle::Italic, &|d| M::Func(d.to_string())))
    }

    #[test]
    fn templates_fill() {
        assert_eq!(show("%.%", &["t", "add"]), "t.add");
        assert_eq!(show("%.CONST %", &["t", "c"]), "t.const c");
        assert_eq!(show("DIV_%", &["s"]), "div_s");
        assert_eq!(show("|%|", &["t"]), "|t|");
        assert_eq!(show("%\\%", &["a", "b"]), "a ∖ b");
        assert_eq!(show("emax_%", &["N"]), "emax_N");
        assert_eq!(show("$unpack(%)", &["t"]), "unpack(t)");
        assert_eq!(show("%2 %1", &["a", "b"]), "b a");
        assert_eq!(show("%X%", &["i32", "4"]), "i32x4");
        assert_eq!(show("I#nn", &[]), "inn");
        assert_eq!(show("%.EXTRACT_LANE\\_% %", &["sh", "s", "i"]), "sh.extract_lane_s i");
        assert_eq!(text(&fill(&parse("%.EXTRACT_LANE\\_% %"), &[M::Var("sh".into()), M::Empty, M::Var("i".into())], WordStyle::Italic, &|d| M::Func(d.into()))), "sh.extract_lane i");
        assert_eq!(show("%2.%3\\_%1", &["a", "b", "c"]), "b.c_a");
        assert_eq!(show("relaxed_trunc_u_(%,%)(%)", &["M", "N", "x"]), "relaxed_trunc_u_{M, N}(x)");
        assert_eq!(show("bytes_%^-1(%)", &["t", "b"]), "bytesₜ^(−1)(b)");
        assert_eq!(arity(&parse("%1.%3_%2")), 3);
        assert_eq!(arity(&parse("%.%")), 2);
    }

    #[test]
    fn scripts() {
        let m = fill(&parse("nans_%(%)"), &[M::Var("N".into()), M::Var("z".into())], WordStyle::Upright, &|d| M::Func(d.into()));
        assert_eq!(tex(&m), "\\mathrm{nans}_{N}(z)");
        let m = fill(&parse("2^%"), &[M::Var("e".into())], WordStyle::Upright, &|d| M::Func(d.into()));
        assert_eq!(tex(&m), "{2}^{e}");
        let m = fill(&parse("extend_(%,%)^%(%)"), &[M::Var("M".into()), M::Var("N".into()), M::Var("sx".into()), M::Var("i".into())], WordStyle::Upright, &|d| M::Func(d.into()));
        assert_eq!(tex(&m), "\\mathrm{extend}_{M,N}^{\\mathit{sx}}(i)");
    }

    #[test]
    fn never_panics_on_odd_templates() {
        for src in ["", "%", "%0", "%99", "_", "^", "_{", "^{%", "\\", "\\nosuch", "{{{", "}}}", "#", "$", "é%ü", "%_%^%"] {
            let _ = fill(&parse(src), &[], WordStyle::Italic, &|d| M::Func(d.into()));
        }
    }
}
