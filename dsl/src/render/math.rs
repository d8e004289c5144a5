//! A small formula model shared by the renderers: the notation layer turns IR expressions into
//! [`M`] trees, and each backend prints them (LaTeX, HTML, plain Unicode text).
//!
//! Nothing here knows about Wasm: an [`M`] is only styled text (keywords, metavariables,
//! function names, symbols) arranged in rows, spaced sequences, subscripts and superscripts.

use std::fmt::Write;

/// A symbol with a fixed rendering in every backend.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sym {
    To,
    Vdash,
    Step,
    StepStar,
    Sub,
    Approx,
    Implies,
    Dots,
    Colon,
    /// `:` without spacing (`n{:}u32` in grammars).
    TightColon,
    Semi,
    Comma,
    Dot,
    Eq,
    Ne,
    Lt,
    Gt,
    Le,
    Ge,
    In,
    And,
    Or,
    Not,
    Plus,
    Minus,
    /// A prefix minus.
    Minus0,
    Times,
    Div,
    Mod,
    Cat,
    ExtendEq,
    Bar,
    /// `|` as a delimiter (`|x|`).
    Bar0,
    Def,
    Eps,
    Setminus,
    LParen,
    RParen,
    LBrack,
    RBrack,
    LBrace,
    RBrace,
    Under,
    Star,
    Quest,
    Slash,
    Nat,
    Int,
    Rat,
    Bool,
    Top,
    Bot,
    Forall,
    Exists,
    Oplus,
    Otimes,
    Circ,
    Cdot,
    Tau,
    Lambda,
    Sigma,
    Alpha,
    Beta,
    Gamma,
    Delta,
    Pi,
    Rho,
    Epsilon,
    Infty,
}

/// How a symbol spaces in text backends (LaTeX spaces by the symbol's own math class).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    /// A relation or binary operator: a space on each side.
    Rel,
    /// Punctuation followed by a space (`,`).
    Punct,
    /// Tight: no space (`.`, brackets, letters).
    Ord,
}

impl Sym {
    pub fn tex(self) -> &'static str {
        use Sym::*;
        match self {
            To => "\\rightarrow",
            Vdash => "\\vdash",
            Step => "\\hookrightarrow",
            StepStar => "\\hookrightarrow^{*}",
            Sub => "\\leq",
            Approx => "\\approx",
            Implies => "\\Rightarrow",
            Dots => "\\dots",
            Colon => ":",
            TightColon => "{:}",
            Semi => ";",
            Comma => ",",
            Dot => "{.}",
            Eq => "=",
            Ne => "\\neq",
            Lt => "<",
            Gt => ">",
            Le => "\\leq",
            Ge => "\\geq",
            In => "\\in",
            And => "\\land",
            Or => "\\lor",
            Not => "\\neg",
            Plus => "+",
            Minus => "-",
            Minus0 => "-",
            Times => "\\cdot",
            Div => "/",
            Mod => "\\mathbin{\\mathrm{mod}}",
            Cat => "\\oplus",
            ExtendEq => "\\mathrel{{=}{\\oplus}}",
            Bar => "\\mid",
            Bar0 => "|",
            Def => "::=",
            Eps => "\\epsilon",
            Setminus => "\\setminus",
            LParen => "(",
            RParen => ")",
            LBrack => "[",
            RBrack => "]",
            LBrace => "\\{",
            RBrace => "\\}",
            Under => "\\_",
            Star => "*",
            Quest => "?",
            Slash => "/",
            Nat => "\\mathbb{N}",
            Int => "\\mathbb{Z}",
            Rat => "\\mathbb{Q}",
            Bool => "\\mathbb{B}",
            Top => "\\top",
            Bot => "\\bot",
            Forall => "\\forall",
            Exists => "\\exists",
            Oplus => "\\oplus",
            Otimes => "\\otimes",
            Circ => "\\circ",
            Cdot => "\\cdot",
            Tau => "\\tau",
            Lambda => "\\lambda",
            Sigma => "\\sigma",
            Alpha => "\\alpha",
            Beta => "\\beta",
            Gamma => "\\gamma",
            Delta => "\\delta",
            Pi => "\\pi",
            Rho => "\\rho",
            Epsilon => "\\varepsilon",
            Infty => "\\infty",
        }
    }

    pub fn text(self) -> &'static str {
        use Sym::*;
        match self {
            To => "→",
            Vdash => "⊢",
            Step => "↪",
            StepStar => "↪*",
            Sub => "≤",
            Approx => "≈",
            Implies => "⇒",
            Dots => "…",
            Colon => ":",
            TightColon => ":",
            Semi => ";",
            Comma => ",",
            Dot => ".",
            Eq => "=",
            Ne => "≠",
            Lt => "<",
            Gt => ">",
            Le => "≤",
            Ge => "≥",
            In => "∈",
            And => "∧",
            Or => "∨",
            Not => "¬",
            Plus => "+",
            Minus => "−",
            Minus0 => "−",
            Times => "·",
            Div => "/",
            Mod => "mod",
            Cat => "⊕",
            ExtendEq => "=⊕",
            Bar => "|",
            Bar0 => "|",
            Def => "::=",
            Eps => "ε",
            Setminus => "∖",
            LParen => "(",
            RParen => ")",
            LBrack => "[",
            RBrack => "]",
            LBrace => "{",
            RBrace => "}",
            Under => "_",
            Star => "*",
            Quest => "?",
            Slash => "/",
            Nat => "ℕ",
            Int => "ℤ",
            Rat => "ℚ",
            Bool => "𝔹",
            Top => "⊤",
            Bot => "⊥",
            Forall => "∀",
            Exists => "∃",
            Oplus => "⊕",
            Otimes => "⊗",
            Circ => "∘",
            Cdot => "·",
            Tau => "τ",
            Lambda => "λ",
            Sigma => "σ",
            Alpha => "α",
            Beta => "β",
            Gamma => "γ",
            Delta => "δ",
            Pi => "π",
            Rho => "ρ",
            Epsilon => "ε",
            Infty => "∞",
        }
    }

    pub fn class(self) -> Class {
        use Sym::*;
        match self {
            To | Vdash | Step | StepStar | Sub | Approx | Implies | Colon | Eq | Ne | Lt | Gt | Le | Ge | In
            | And | Or | Plus | Minus | Times | Div | Mod | Cat | ExtendEq | Bar | Def | Setminus | Oplus
            | Otimes | Circ | Cdot => Class::Rel,
            Comma | Semi => Class::Punct,
            _ => Class::Ord,
        }
    }

    /// The symbol a template or a hint names with `\name`.
    pub fn by_name(name: &str) -> Option<Sym> {
        use Sym::*;
        Some(match name {
            "to" | "rightarrow" => To,
            "vdash" => Vdash,
            "hookrightarrow" => Step,
            "leq" | "le" => Le,
            "geq" | "ge" => Ge,
            "neq" | "ne" => Ne,
            "approx" => Approx,
            "Rightarrow" => Implies,
            "dots" | "ldots" => Dots,
            "in" => In,
            "land" | "wedge" => And,
            "lor" | "vee" => Or,
            "neg" | "lnot" => Not,
            "cdot" => Cdot,
            "oplus" => Oplus,
            "otimes" => Otimes,
            "circ" => Circ,
            "epsilon" => Eps,
            "varepsilon" => Epsilon,
            "setminus" => Setminus,
            "top" => Top,
            "bot" => Bot,
            "forall" => Forall,
            "exists" => Exists,
            "tau" => Tau,
            "lambda" => Lambda,
            "sigma" => Sigma,
            "alpha" => Alpha,
            "beta" => Beta,
            "gamma" => Gamma,
            "delta" => Delta,
            "pi" => Pi,
            "rho" => Rho,
            "infty" => Infty,
            "mid" => Bar,
            "N" | "nat" => Nat,
            "Z" | "int" => Int,
            "Q" | "rat" => Rat,
            "B" | "bool" => Bool,
            _ => return None,
        })
    }
}

/// A formula.
#[derive(Clone, Debug, PartialEq)]
pub enum M {
    Empty,
    /// A keyword of the abstract syntax (`i32`, `local.get`): sans-serif.
    Atom(String),
    /// A metavariable or a syntax type's name: italic.
    Var(String),
    /// A definition's name: upright.
    Func(String),
    /// A nonterminal of a grammar, or a byte: typewriter.
    Tt(String),
    /// A number.
    Num(String),
    /// A text literal, shown quoted.
    Text(String),
    /// Words inside a formula (`if`, `otherwise`).
    Word(String),
    Sym(Sym),
    /// Parts written next to each other without space.
    Row(Vec<M>),
    /// Parts separated by a space.
    Spaced(Vec<M>),
    Sub(Box<M>, Box<M>),
    Sup(Box<M>, Box<M>),
    /// A base with primes (`t'`).
    Primes(Box<M>, usize),
    /// A LaTeX macro (from `hint(macro ...)`) that stands for its body; other backends print the body.
    Macro(String, Box<M>),
    /// A link to an anchor of the document.
    Link(String, Box<M>),
}

impl M {
    pub fn row(parts: Vec<M>) -> M {
        let mut v: Vec<M> = parts.into_iter().filter(|p| *p != M::Empty).collect();
        match v.len() {
            0 => M::Empty,
            1 => v.pop().unwrap_or(M::Empty),
            _ => M::Row(v),
        }
    }

    pub fn spaced(parts: Vec<M>) -> M {
        let mut v: Vec<M> = parts.into_iter().filter(|p| *p != M::Empty).collect();
        match v.len() {
            0 => M::Empty,
            1 => v.pop().unwrap_or(M::Empty),
            _ => M::Spaced(v),
        }
    }

    pub fn sub(base: M, sub: M) -> M {
        if sub == M::Empty {
            base
        } else {
            M::Sub(Box::new(base), Box::new(sub))
        }
    }

    pub fn sup(base: M, sup: M) -> M {
        if sup == M::Empty {
            base
        } else {
            M::Sup(Box::new(base), Box::new(sup))
        }
    }

    /// `( m )`
    pub fn paren(m: M) -> M {
        M::Row(vec![M::Sym(Sym::LParen), m, M::Sym(Sym::RParen)])
    }

    /// Parts joined by a symbol (`a, b, c`), without spaces around the symbol in LaTeX.
    pub fn sep(parts: Vec<M>, s: Sym) -> M {
        let mut out = Vec::new();
        for (i, p) in parts.into_iter().enumerate() {
            if i > 0 {
                out.push(M::Sym(s));
            }
            out.push(p);
        }
        M::row(out)
    }

    /// Parts joined by a relation symbol, spaced (`a = b`).
    pub fn infix(a: M, s: Sym, b: M) -> M {
        M::Row(vec![a, M::Sym(s), b])
    }

    pub fn is_empty(&self) -> bool {
        *self == M::Empty
    }

    /// Whether the formula is one unit that needs no parentheses when juxtaposed or iterated.
    pub fn is_atomic(&self) -> bool {
        match self {
            M::Spaced(v) => v.len() <= 1,
            M::Row(v) => {
                // A bracketed group is atomic; so is a row without symbols of spacing class (a
                // keyword with a subscript, `i32.add`, `f(x)`).
                if let (Some(M::Sym(Sym::LParen | Sym::LBrack | Sym::LBrace)), Some(M::Sym(Sym::RParen | Sym::RBrack | Sym::RBrace))) = (v.first(), v.last()) {
                    return balanced(v);
                }
                v.iter().all(|p| !matches!(p, M::Sym(s) if s.class() != Class::Ord) && !matches!(p, M::Spaced(x) if x.len() > 1))
            }
            M::Macro(_, b) | M::Link(_, b) => b.is_atomic(),
            _ => true,
        }
    }

    /// Approximate printed width in character units.
    pub fn width(&self) -> usize {
        match self {
            M::Empty => 0,
            M::Atom(s) | M::Var(s) | M::Func(s) | M::Tt(s) | M::Num(s) | M::Word(s) => s.chars().count(),
            M::Text(s) => s.chars().count() + 2,
            M::Sym(s) => match s.class() {
                Class::Rel => 3,
                Class::Punct => 2,
                Class::Ord => 1,
            },
            M::Row(v) => v.iter().map(M::width).sum(),
            M::Spaced(v) => v.iter().map(M::width).sum::<usize>() + v.len().saturating_sub(1),
            M::Sub(b, s) | M::Sup(b, s) => b.width() + (s.width() * 7).div_ceil(10),
            M::Primes(b, n) => b.width() + n,
            M::Macro(_, b) | M::Link(_, b) => b.width(),
        }
    }
}

/// Whether the first bracket of a row closes at its last element (`(a)(b)` is not one group).
fn balanced(v: &[M]) -> bool {
    let mut depth = 0i32;
    for (i, p) in v.iter().enumerate() {
        match p {
            M::Sym(Sym::LParen | Sym::LBrack | Sym::LBrace) => depth += 1,
            M::Sym(Sym::RParen | Sym::RBrack | Sym::RBrace) => {
                depth -= 1;
                if depth == 0 && i + 1 != v.len() {
                    return false;
                }
            }
            _ => {}
        }
    }
    true
}

// ---------------------------------------------------------------------------------------------
// LaTeX

/// Escapes text for LaTeX text mode.
pub fn tex_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\textbackslash{}"),
            '{' => out.push_str("\\{"),
            '}' => out.push_str("\\}"),
            '$' => out.push_str("\\$"),
            '&' => out.push_str("\\&"),
            '#' => out.push_str("\\#"),
            '^' => out.push_str("\\textasciicircum{}"),
            '_' => out.push_str("\\_"),
            '%' => out.push_str("\\%"),
            '~' => out.push_str("\\textasciitilde{}"),
            '<' => out.push_str("\\textless{}"),
            '>' => out.push_str("\\textgreater{}"),
            '|' => out.push_str("\\textbar{}"),
            '"' => out.push_str("\\texttt{\"}"),
            c if c.is_ascii() && (c == '\n' || c == '\t' || !c.is_ascii_control()) => out.push(c),
            c => out.push_str(&unicode_to_tex(c)),
        }
    }
    out
}

/// Escapes text for `\texttt{...}`: typewriter fonts have every ASCII character, so only the
/// characters TeX treats specially are written by code.
pub fn tex_tt(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\char92{}"),
            '{' => out.push_str("\\char123{}"),
            '}' => out.push_str("\\char125{}"),
            '^' => out.push_str("\\char94{}"),
            '~' => out.push_str("\\char126{}"),
            '_' => out.push_str("\\char95{}"),
            '$' => out.push_str("\\$"),
            '&' => out.push_str("\\&"),
            '#' => out.push_str("\\#"),
            '%' => out.push_str("\\%"),
            c if c.is_ascii() && !c.is_ascii_control() => out.push(c),
            c => out.push_str(&unicode_to_tex(c)),
        }
    }
    out
}

/// A non-ASCII character in text mode: a few common ones spelled in LaTeX, the others as a code
/// point (pdflatex would stop at a character it has no glyph for).
fn unicode_to_tex(c: char) -> String {
    match c {
        '—' => "---".into(),
        '–' => "--".into(),
        '‘' => "`".into(),
        '’' => "'".into(),
        '“' => "``".into(),
        '”' => "''".into(),
        '…' => "\\dots{}".into(),
        '×' => "$\\times$".into(),
        '→' => "$\\rightarrow$".into(),
        '≤' => "$\\leq$".into(),
        '≥' => "$\\geq$".into(),
        '≠' => "$\\neq$".into(),
        '∈' => "$\\in$".into(),
        'ε' => "$\\epsilon$".into(),
        '\u{a0}' => "~".into(),
        c if c.is_control() => " ".into(),
        c => format!("\\texttt{{U+{:04X}}}", c as u32),
    }
}

/// Escapes a word for use inside `\mathsf{...}` and friends (math mode).
fn tex_word(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' | '.' | '(' | ')' | '[' | ']' | ',' | ';' | ':' | '!' | '?' | '/' | '@' | '+' | '=' | '*' | '<' | '>' | '`' => out.push(c),
            '\'' => out.push_str("{'}"),
            '-' => out.push_str("\\mbox{-}"),
            '_' => out.push_str("\\_"),
            ' ' => out.push_str("\\ "),
            '{' => out.push_str("\\{"),
            '}' => out.push_str("\\}"),
            '$' => out.push_str("\\$"),
            '&' => out.push_str("\\&"),
            '#' => out.push_str("\\#"),
            '%' => out.push_str("\\%"),
            '|' => out.push_str("\\mid"),
            '^' => out.push_str("\\hat{}"),
            '~' => out.push_str("\\sim"),
            '\\' => out.push_str("\\backslash"),
            '"' => out.push_str("\\mbox{\\texttt{\"}}"),
            c => {
                let _ = write!(out, "\\mbox{{{}}}", unicode_to_tex(c));
            }
        }
    }
    out
}

/// A name usable as a LaTeX label and hyperref target: kept as is when it is made of safe
/// characters, others written as `+XX`.
pub fn tex_label(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() || matches!(c, ':' | '/' | '-' | '.' | '_' | '\'' | '*' | '@' | '!' | '=' | '<' | '>' | '(' | ')' | ',' | ';') {
            if c == '_' {
                out.push('_');
            } else {
                out.push(c);
            }
        } else {
            let _ = write!(out, "+{:X}", c as u32);
        }
    }
    out
}

pub fn tex(m: &M) -> String {
    let mut out = String::new();
    tex_into(m, &mut out);
    out
}

fn tex_into(m: &M, out: &mut String) {
    match m {
        M::Empty => {}
        M::Atom(s) => {
            let _ = write!(out, "\\mathsf{{{}}}", tex_word(s));
        }
        M::Var(s) => {
            if s.chars().count() == 1 && s.chars().all(|c| c.is_ascii_alphabetic()) {
                out.push_str(s);
            } else {
                let _ = write!(out, "\\mathit{{{}}}", tex_word(s));
            }
        }
        M::Func(s) => {
            let _ = write!(out, "\\mathrm{{{}}}", tex_word(s));
        }
        M::Tt(s) => {
            let _ = write!(out, "\\mathtt{{{}}}", tex_word(s));
        }
        M::Num(s) => {
            let _ = write!(out, "{{{}}}", tex_word(s));
        }
        M::Text(s) => {
            let _ = write!(out, "\\mbox{{\\texttt{{\"{}\"}}}}", tex_tt(s));
        }
        M::Word(s) => {
            let _ = write!(out, "\\mbox{{{}}}", tex_text(s));
        }
        M::Sym(s) => {
            out.push_str(s.tex());
            // Letters after a control word must not run into it.
            if s.tex().ends_with(|c: char| c.is_ascii_alphabetic()) {
                out.push(' ');
            }
        }
        M::Row(v) => {
            for p in v {
                tex_into(p, out);
            }
        }
        M::Spaced(v) => {
            for (i, p) in v.iter().enumerate() {
                // Relation symbols space themselves.
                if i > 0 && !spaces_itself(&v[i - 1]) && !spaces_itself(p) {
                    out.push('~');
                }
                tex_into(p, out);
            }
        }
        M::Sub(b, s) => {
            // `x_1^*` is fine; a subscript on a subscripted or primed base needs a group.
            match &**b {
                M::Sub(..) | M::Sup(..) => {
                    out.push('{');
                    tex_into(b, out);
                    out.push('}');
                }
                _ => tex_base(b, out),
            }
            out.push_str("_{");
            tex_into(s, out);
            out.push('}');
        }
        M::Sup(b, s) => {
            match &**b {
                // Merge iterations: `x^{*}` then `^{?}` is `x^{*?}`.
                M::Sup(bb, s1) => {
                    tex_base_or_group(bb, out);
                    out.push_str("^{");
                    tex_into(s1, out);
                    tex_into(s, out);
                    out.push('}');
                    return;
                }
                M::Sub(..) => tex_into(b, out),
                _ => tex_base(b, out),
            }
            out.push_str("^{");
            tex_into(s, out);
            out.push('}');
        }
        M::Primes(b, n) => {
            // A prime is a superscript: grouped, so that an iteration can follow.
            out.push('{');
            tex_base_or_group(b, out);
            out.push_str(&"'".repeat(*n));
            out.push('}');
        }
        M::Macro(name, _) => {
            let _ = write!(out, "\\{name}{{}}");
        }
        M::Link(target, b) => {
            let _ = write!(out, "\\hyperlink{{{}}}{{", tex_label(target));
            tex_into(b, out);
            out.push('}');
        }
    }
}

/// A relation or operator symbol (possibly with a subscript), which TeX spaces by its class.
fn spaces_itself(m: &M) -> bool {
    match m {
        M::Sym(s) => s.class() != Class::Ord,
        M::Sub(b, _) | M::Sup(b, _) => matches!(&**b, M::Sym(s) if s.class() == Class::Rel),
        _ => false,
    }
}

fn tex_base(b: &M, out: &mut String) {
    match b {
        M::Var(_) | M::Atom(_) | M::Func(_) | M::Tt(_) | M::Num(_) | M::Sym(_) | M::Macro(..) | M::Primes(..) => tex_into(b, out),
        _ => {
            out.push('{');
            tex_into(b, out);
            out.push('}');
        }
    }
}

fn tex_base_or_group(b: &M, out: &mut String) {
    match b {
        M::Sub(..) | M::Sup(..) => {
            out.push('{');
            tex_into(b, out);
            out.push('}');
        }
        _ => tex_base(b, out),
    }
}

/// Every macro (from `hint(macro ...)`) used in a formula, with its body.
pub fn macros(m: &M, out: &mut Vec<(String, String)>) {
    match m {
        M::Macro(name, body) => {
            if !out.iter().any(|(n, _)| n == name) {
                out.push((name.clone(), tex(body)));
            }
            macros(body, out);
        }
        M::Row(v) | M::Spaced(v) => v.iter().for_each(|p| macros(p, out)),
        M::Sub(a, b) | M::Sup(a, b) => {
            macros(a, out);
            macros(b, out);
        }
        M::Primes(b, _) | M::Link(_, b) => macros(b, out),
        _ => {}
    }
}

// ---------------------------------------------------------------------------------------------
// HTML

pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

pub fn html(m: &M) -> String {
    let mut out = String::new();
    html_into(m, &mut out);
    out
}

fn html_into(m: &M, out: &mut String) {
    match m {
        M::Empty => {}
        M::Atom(s) => {
            let _ = write!(out, "<span class=\"k\">{}</span>", html_escape(s));
        }
        M::Var(s) => {
            let _ = write!(out, "<var>{}</var>", html_escape(s));
        }
        M::Func(s) => {
            let _ = write!(out, "<span class=\"f\">{}</span>", html_escape(s));
        }
        M::Tt(s) => {
            let _ = write!(out, "<span class=\"t\">{}</span>", html_escape(s));
        }
        M::Num(s) => out.push_str(&html_escape(s)),
        M::Text(s) => {
            let _ = write!(out, "<span class=\"s\">“{}”</span>", html_escape(s));
        }
        M::Word(s) => {
            let _ = write!(out, "<span class=\"w\">{}</span>", html_escape(s));
        }
        M::Sym(s) => match s.class() {
            Class::Rel => {
                let _ = write!(out, " {} ", html_escape(s.text()));
            }
            Class::Punct => {
                let _ = write!(out, "{} ", html_escape(s.text()));
            }
            Class::Ord => out.push_str(&html_escape(s.text())),
        },
        M::Row(v) => v.iter().for_each(|p| html_into(p, out)),
        M::Spaced(v) => {
            for (i, p) in v.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                html_into(p, out);
            }
        }
        M::Sub(b, s) => {
            let rel = matches!(&**b, M::Sym(x) if x.class() == Class::Rel);
            match &**b {
                M::Sym(x) if rel => {
                    let _ = write!(out, " {}", html_escape(x.text()));
                }
                _ => html_into(b, out),
            }
            out.push_str("<sub>");
            html_into(s, out);
            out.push_str("</sub>");
            if rel {
                out.push(' ');
            }
        }
        M::Sup(b, s) => {
            html_into(b, out);
            out.push_str("<sup>");
            html_into(s, out);
            out.push_str("</sup>");
        }
        M::Primes(b, n) => {
            html_into(b, out);
            out.push_str(&"′".repeat(*n));
        }
        M::Macro(_, b) => html_into(b, out),
        M::Link(target, b) => {
            let _ = write!(out, "<a href=\"#{}\">", html_escape(target));
            html_into(b, out);
            out.push_str("</a>");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Plain text (Unicode)

pub fn text(m: &M) -> String {
    let mut out = String::new();
    text_into(m, &mut out);
    // Spacing symbols next to spaces would double them.
    let mut clean = String::with_capacity(out.len());
    let mut prev_space = false;
    for c in out.chars() {
        if c == ' ' {
            if !prev_space {
                clean.push(c);
            }
            prev_space = true;
        } else {
            clean.push(c);
            prev_space = false;
        }
    }
    clean.trim().to_string()
}

fn text_into(m: &M, out: &mut String) {
    match m {
        M::Empty => {}
        M::Atom(s) | M::Var(s) | M::Func(s) | M::Tt(s) | M::Num(s) | M::Word(s) => out.push_str(s),
        M::Text(s) => {
            let _ = write!(out, "\"{s}\"");
        }
        M::Sym(s) => match s.class() {
            Class::Rel => {
                let _ = write!(out, " {} ", s.text());
            }
            Class::Punct => {
                let _ = write!(out, "{} ", s.text());
            }
            Class::Ord => out.push_str(s.text()),
        },
        M::Row(v) => v.iter().for_each(|p| text_into(p, out)),
        M::Spaced(v) => {
            for (i, p) in v.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                text_into(p, out);
            }
        }
        M::Sub(b, s) => {
            // A relation symbol with a subscript (`→ₓ`) keeps its spaces around both.
            let rel = matches!(&**b, M::Sym(x) if x.class() == Class::Rel);
            match &**b {
                M::Sym(x) if rel => {
                    let _ = write!(out, " {}", x.text());
                }
                _ => text_into(b, out),
            }
            let inner = text(s);
            match subscript(&inner) {
                Some(u) => out.push_str(&u),
                None if inner.chars().count() == 1 => {
                    let _ = write!(out, "_{inner}");
                }
                None => {
                    let _ = write!(out, "_{{{inner}}}");
                }
            }
            if rel {
                out.push(' ');
            }
        }
        M::Sup(b, s) => {
            text_into(b, out);
            let inner = text(s);
            if inner.chars().all(|c| matches!(c, '*' | '?' | '+')) {
                out.push_str(&inner);
            } else if inner.chars().count() == 1 {
                let _ = write!(out, "^{inner}");
            } else {
                let _ = write!(out, "^({inner})");
            }
        }
        M::Primes(b, n) => {
            text_into(b, out);
            out.push_str(&"'".repeat(*n));
        }
        M::Macro(_, b) | M::Link(_, b) => text_into(b, out),
    }
}

/// Unicode subscript characters for a short subscript, when every character has one.
fn subscript(s: &str) -> Option<String> {
    let mut out = String::new();
    for c in s.chars() {
        out.push(match c {
            '0' => '₀',
            '1' => '₁',
            '2' => '₂',
            '3' => '₃',
            '4' => '₄',
            '5' => '₅',
            '6' => '₆',
            '7' => '₇',
            '8' => '₈',
            '9' => '₉',
            'a' => 'ₐ',
            'e' => 'ₑ',
            'h' => 'ₕ',
            'i' => 'ᵢ',
            'j' => 'ⱼ',
            'k' => 'ₖ',
            'l' => 'ₗ',
            'm' => 'ₘ',
            'n' => 'ₙ',
            'o' => 'ₒ',
            'p' => 'ₚ',
            'r' => 'ᵣ',
            's' => 'ₛ',
            't' => 'ₜ',
            'u' => 'ᵤ',
            'v' => 'ᵥ',
            'x' => 'ₓ',
            '+' => '₊',
            '-' => '₋',
            '=' => '₌',
            '(' => '₍',
            ')' => '₎',
            _ => return None,
        });
    }
    if out.is_empty() {
        None
    } else {
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iterations_merge_in_latex() {
        let m = M::sup(M::sup(M::Var("w".into()), M::Sym(Sym::Star)), M::Sym(Sym::Star));
        assert_eq!(tex(&m), "w^{**}");
        let m = M::sup(M::sub(M::Var("t".into()), M::Num("1".into())), M::Sym(Sym::Star));
        assert_eq!(tex(&m), "t_{{1}}^{*}");
        assert_eq!(text(&m), "t₁*");
    }

    #[test]
    fn words_are_escaped() {
        assert_eq!(tex(&M::Atom("trunc_sat".into())), "\\mathsf{trunc\\_sat}");
        assert_eq!(tex_text("a_b & {c} 100% #1 $x"), "a\\_b \\& \\{c\\} 100\\% \\#1 \\$x");
        assert_eq!(html(&M::Var("<a>".into())), "<var>&lt;a&gt;</var>");
    }

    #[test]
    fn atomicity() {
        assert!(M::row(vec![M::Var("t".into()), M::Sym(Sym::Dot), M::Atom("add".into())]).is_atomic());
        assert!(!M::spaced(vec![M::Atom("br".into()), M::Var("l".into())]).is_atomic());
        assert!(!M::row(vec![M::Var("a".into()), M::Sym(Sym::Plus), M::Var("b".into())]).is_atomic());
        assert!(M::paren(M::row(vec![M::Var("a".into()), M::Sym(Sym::Plus), M::Var("b".into())])).is_atomic());
        let two = M::Row(vec![M::Sym(Sym::LParen), M::Var("a".into()), M::Sym(Sym::RParen), M::Sym(Sym::LParen), M::Var("b".into()), M::Sym(Sym::RParen)]);
        assert!(!two.is_atomic());
    }
}
