//! Parsing: source text to AST.
//!
//! A file is first cut into declarations (every declaration starts at column 0 with a keyword),
//! then each declaration is parsed on its own by the pest grammar. A syntax error therefore costs
//! one declaration, and every independent error of a file is reported in one run.
//!
//! Resource limits (pest backtracks and both pest and the AST builder recurse per nesting level):
//! - brackets must balance and nest at most [`MAX_NESTING`] levels, checked by a linear scan
//!   before pest runs ([`check_brackets`]); the builder counts `|...|` and grammar binders
//!   `x:sym` as levels too;
//! - pest may make at most [`PARSE_CALL_LIMIT`] rule calls per declaration, a backstop against
//!   backtracking the grammar does not rule out (it is written so that nested brackets are parsed
//!   once, even when they fail).

use crate::ast::*;
use crate::diag::Diagnostic;
use num_bigint::BigUint;
use pest::iterators::Pair;
use pest::Parser;

#[derive(pest_derive::Parser)]
#[grammar = "grammar.pest"]
struct DslParser;

const DECL_KEYWORDS: [&str; 6] = ["syntax", "relation", "rule", "def", "var", "grammar"];

/// How many levels brackets (`(`, `[`, `{`, `` `{ ``, `` `[ ``), length bars `|...|` and grammar
/// binders `x:sym` may nest in one declaration. Parsing and elaboration recurse per level; with
/// this limit that stays well within a 2 MiB stack when parsing, and within
/// [`crate::elab::CHECK_STACK_SIZE`] when elaborating.
pub const MAX_NESTING: usize = 128;

/// How many operators one declaration may have: binary, comparison, prefix and postfix ones
/// (iterators, `.FIELD`, `[...]`). A chain of them is a tree as deep as the chain is long
/// (`a + b + c` is `(a + b) + c`), walked recursively by elaboration (about 2 KiB of stack a
/// level, well within [`crate::elab::CHECK_STACK_SIZE`]) and by whatever uses the result, down
/// to dropping it (about 60 bytes a level, within a 2 MiB thread). The specification's
/// declarations have at most a few hundred.
pub const MAX_OPERATORS: usize = 20_000;

/// The most rule calls pest may make to parse one declaration (pest's process-wide call limit,
/// set before every parse). Valid declarations take under 200 calls per byte (nested brackets;
/// 30-70 is usual), about 20 ns each: the limit admits valid declarations of well over 100 KB
/// and bounds a parse to about a second if some input still makes the grammar backtrack.
pub const PARSE_CALL_LIMIT: usize = 32_000_000;

fn run_pest(rule: Rule, text: &str) -> Result<pest::iterators::Pairs<'_, Rule>, pest::error::Error<Rule>> {
    pest::set_call_limit(std::num::NonZeroUsize::new(PARSE_CALL_LIMIT));
    DslParser::parse(rule, text)
}

/// A declaration's text and its byte offset in the file.
#[derive(Debug, Clone, Copy)]
pub struct Chunk<'a> {
    pub text: &'a str,
    pub offset: usize,
}

/// Cuts a file into declarations. Text before the first declaration must be comments or blank.
pub fn chunks(text: &str) -> (Vec<Chunk<'_>>, Option<(usize, usize)>) {
    let mut starts = Vec::new();
    let mut offset = 0;
    let mut stray: Option<(usize, usize)> = None;
    for line in text.split_inclusive('\n') {
        let starts_decl = DECL_KEYWORDS.iter().any(|kw| {
            line.starts_with(kw)
                && line[kw.len()..].chars().next().is_none_or(|c| c.is_whitespace() || c == '$')
        });
        if starts_decl {
            starts.push(offset);
        } else if starts.is_empty() && stray.is_none() {
            let trimmed = line.trim_start();
            if !trimmed.is_empty() && !trimmed.starts_with(";;") {
                let lead = line.len() - trimmed.len();
                let end = line.trim_end().len();
                stray = Some((offset + lead, offset + end));
            }
        }
        offset += line.len();
    }
    let mut out = Vec::new();
    for (i, &s) in starts.iter().enumerate() {
        let e = starts.get(i + 1).copied().unwrap_or(text.len());
        out.push(Chunk { text: &text[s..e], offset: s });
    }
    (out, stray)
}

/// Parses one source file. Returns the declarations that parsed and a diagnostic for each that
/// did not.
pub fn parse_file(file: FileId, text: &str) -> (File, Vec<Diagnostic>) {
    let (chunks, stray) = chunks(text);
    let mut diags = Vec::new();
    if let Some((s, e)) = stray {
        diags.push(
            Diagnostic::error("expected a declaration")
                .at(Span::new(file, s, e), "this is not part of any declaration")
                .help("declarations start at column 0 with `syntax`, `relation`, `rule`, `def`, `var` or `grammar`"),
        );
    }
    let mut decls = Vec::new();
    let mut failed = Vec::new();
    for chunk in chunks {
        match parse_decl(file, chunk) {
            Ok(d) => decls.push(d),
            Err(d) => {
                diags.push(d);
                if let Some(name) = declared_name(chunk.text) {
                    failed.push(name);
                }
            }
        }
    }
    (File { decls, failed }, diags)
}

/// The name a declaration that failed to parse was going to declare, so that references to it
/// do not produce a second error.
fn declared_name(text: &str) -> Option<String> {
    let mut words = text.split_whitespace();
    let _kw = words.next()?;
    let word = words.next()?;
    // `rule Relation/case:` names the relation.
    let word = word.split('/').next().unwrap_or(word);
    let word = word.strip_prefix('$').unwrap_or(word);
    let name: String = word.chars().take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '\'').collect();
    if name.is_empty() {
        None
    } else {
        Some(name)
    }
}

/// Parses one declaration.
pub fn parse_decl(file: FileId, chunk: Chunk<'_>) -> Result<Decl, Diagnostic> {
    check_brackets(file, chunk)?;
    let mut pairs = match run_pest(Rule::decl_chunk, chunk.text) {
        Ok(p) => p,
        Err(e) => return Err(pest_error(file, chunk, e)),
    };
    let b = Builder::new(file, chunk.offset);
    let top = pairs.next().and_then(|p| p.into_inner().next());
    match top {
        Some(pair) => b.decl(pair),
        None => Err(Diagnostic::error("empty declaration").at(Span::new(file, chunk.offset, chunk.offset), "here")),
    }
}

/// Parses a standalone expression (used by tests and tools).
pub fn parse_exp(file: FileId, text: &str) -> Result<Exp, Diagnostic> {
    let chunk = Chunk { text, offset: 0 };
    check_brackets(file, chunk)?;
    let mut pairs = run_pest(Rule::mix_exp, text).map_err(|e| pest_error(file, chunk, e))?;
    let b = Builder::new(file, 0);
    let pair = pairs.next().ok_or_else(|| Diagnostic::error("empty expression"))?;
    if pair.as_str().len() != text.trim_end().len() {
        let end = pair.as_span().end();
        return Err(Diagnostic::error("unexpected input after expression")
            .at(Span::new(file, end, text.len()), "not part of the expression"));
    }
    b.mix_exp(pair)
}

/// Checks, in one linear pass, that the brackets of a declaration balance and nest at most
/// [`MAX_NESTING`] levels; text literals and `;;` comments are skipped. Every bracket of the
/// grammar comes in pairs, so a declaration that fails here cannot parse; checking before pest
/// gives a precise error instead of pest's guess at the end of the declaration, and spares pest
/// the backtracking over unclosed brackets and the deep recursion.
pub fn check_brackets(file: FileId, chunk: Chunk<'_>) -> Result<(), Diagnostic> {
    let text = chunk.text;
    let bytes = text.as_bytes();
    let at = |i: usize| Span::new(file, chunk.offset + i, chunk.offset + i + 1);
    // Where an error after the first line is, like `pest_error`, name the declaration.
    let in_decl = |d: Diagnostic, i: usize| {
        let first_line = text.find('\n').unwrap_or(text.len());
        if i > first_line {
            let kw_len = text.find(char::is_whitespace).unwrap_or(text.len()).min(first_line);
            d.with(Span::new(file, chunk.offset, chunk.offset + kw_len), "in this declaration")
        } else {
            d
        }
    };
    let mut open: Vec<(usize, u8)> = Vec::new();
    let mut i = 0;
    // Bytes, not chars: every delimiter is ASCII, and UTF-8 never uses ASCII bytes inside a char.
    while i < bytes.len() {
        match bytes[i] {
            b';' if bytes.get(i + 1) == Some(&b';') => {
                i = text[i..].find('\n').map_or(bytes.len(), |n| i + n);
                continue;
            }
            b'"' => {
                // As `text` in the grammar: `\` escapes any character, a line break ends nothing.
                let start = i;
                i += 1;
                loop {
                    match bytes.get(i) {
                        None | Some(b'\n') => {
                            return Err(in_decl(unterminated_text(at(start)), start));
                        }
                        Some(b'\\') => i += 2,
                        Some(b'"') => break,
                        Some(_) => i += 1,
                    }
                }
            }
            c @ (b'(' | b'[' | b'{') => {
                if open.len() == MAX_NESTING {
                    let d = Diagnostic::error(format!("brackets nested too deeply (more than {MAX_NESTING} levels)"))
                        .at(at(i), format!("this `{}` is nested {} levels deep", c as char, MAX_NESTING + 1))
                        .help("split the declaration, for example with an auxiliary definition");
                    return Err(in_decl(d, i));
                }
                open.push((i, c));
            }
            c @ (b')' | b']' | b'}') => {
                let opener = match c {
                    b')' => b'(',
                    b']' => b'[',
                    _ => b'{',
                };
                match open.pop() {
                    Some((_, o)) if o == opener => {}
                    Some((j, o)) => {
                        let d = Diagnostic::error(format!("mismatched `{}`", c as char))
                            .at(at(i), format!("expected `{}` to close the `{}`", closer(o) as char, o as char))
                            .with(at(j), format!("this `{}` is still open", o as char));
                        return Err(in_decl(d, i));
                    }
                    None => {
                        let d = Diagnostic::error(format!("unmatched `{}`", c as char))
                            .at(at(i), format!("this `{}` closes nothing", c as char));
                        return Err(in_decl(d, i));
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    let Some(&(j, o)) = open.last() else { return Ok(()) };
    let mut d = Diagnostic::error(format!("unclosed `{}`", o as char))
        .at(at(j), format!("this `{}` is never closed", o as char));
    // The enclosing open brackets: the nearest are shown, the rest counted.
    const SHOWN: usize = 3;
    for &(k, q) in open.iter().rev().skip(1).take(SHOWN) {
        d = d.with(at(k), format!("this `{}` is not closed either", q as char));
    }
    if open.len() > SHOWN + 1 {
        d = d.note(format!("{} brackets in all are never closed", open.len()));
    }
    d = d.help(format!("close it with `{}`", closer(o) as char));
    Err(in_decl(d, j))
}

fn closer(opener: u8) -> u8 {
    match opener {
        b'(' => b')',
        b'[' => b']',
        _ => b'}',
    }
}

fn unterminated_text(span: Span) -> Diagnostic {
    Diagnostic::error("unterminated text literal")
        .at(span, "this text is never closed")
        .help("close it with `\"` on the same line")
}

fn rule_name(rule: &Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::ident | Rule::dotted_ident => "identifier",
        Rule::def_name => "`$name`",
        Rule::number => "number",
        Rule::text | Rule::text_inner => "text literal",
        Rule::sym_atom | Rule::sym_typ_atom | Rule::atom_sub | Rule::atom_sub_typ => "notation symbol",
        Rule::hint => "`hint(...)`",
        Rule::iter => "iterator (`*`, `?`, `+`, `^n`)",
        Rule::typ_seq | Rule::typ_item | Rule::typ_prim | Rule::typ_app => "type",
        Rule::mix_exp | Rule::exp | Rule::primary | Rule::seq | Rule::postfix | Rule::arith | Rule::term
        | Rule::unary | Rule::cat | Rule::cmp | Rule::logic | Rule::conj | Rule::not_exp | Rule::subscript => {
            "expression"
        }
        Rule::premise => "premise (`-- ...`)",
        Rule::prem_if | Rule::prem_rel | Rule::prem_otherwise | Rule::prem_iter => "premise",
        Rule::syn_case | Rule::syn_cases => "syntax case",
        Rule::syn_field => "record field",
        Rule::rel_mode => "`mode(...)`",
        Rule::rule_case => "rule name",
        Rule::production => "grammar production",
        Rule::gsym | Rule::gsym_seq | Rule::gsym_prim => "grammar symbol",
        Rule::cmp_op | Rule::lt_op => "comparison",
        Rule::and_op | Rule::or_op => "`/\\` or `\\/`",
        Rule::add_op | Rule::mul_op => "operator",
        Rule::post_op | Rule::field | Rule::index => "`.FIELD` or `[...]`",
        Rule::EOI => "end of declaration",
        Rule::tok_eq => "`=`",
        Rule::tok_colon => "`:`",
        Rule::tok_lparen => "`(`",
        Rule::tok_rparen => "`)`",
        Rule::tok_comma => "`,`",
        Rule::def_params | Rule::call_args => "argument list",
        Rule::syn_params => "parameters",
        _ => return None,
    })
}

fn pest_error(file: FileId, chunk: Chunk<'_>, e: pest::error::Error<Rule>) -> Diagnostic {
    use pest::error::{ErrorVariant, InputLocation};
    let (start, end) = match e.location {
        InputLocation::Pos(p) => (p, p),
        InputLocation::Span((s, e)) => (s, e),
    };
    let text = chunk.text;
    let start = start.min(text.len());
    let rest = &text[start..];
    let at_end = trimmed_len(rest) == 0;
    // At the end of the declaration, point at its last token rather than at the next line.
    let (start, tok_len) = if at_end {
        let last = trimmed_len(&text[..start]);
        // Whitespace may be multi-byte (a no-break space): step over the whole character.
        let tok_start = text[..last]
            .char_indices()
            .rfind(|&(_, c)| c.is_whitespace())
            .map(|(i, c)| i + c.len_utf8())
            .unwrap_or(0);
        (tok_start, last - tok_start)
    } else if rest.starts_with(char::is_whitespace) {
        (start, 1)
    } else {
        (start, token_len(rest))
    };
    let end = if end > start && !at_end { end } else { start + tok_len.max(1) };
    let span = Span::new(file, chunk.offset + start, chunk.offset + end.min(text.len()));
    let found = if at_end {
        "end of declaration".to_string()
    } else if rest.starts_with(char::is_whitespace) {
        "space".to_string()
    } else {
        format!("`{}`", &rest[..tok_len.max(1).min(rest.len())])
    };
    let before = text[..start].trim_end();
    // The declaration ends with an iterator written after a space (`valtype *`).
    let spaced_iterator = at_end
        && matches!(text.get(start..start + tok_len), Some("*" | "+" | "?"))
        && text[..start].ends_with(char::is_whitespace);
    match e.variant {
        ErrorVariant::ParsingError { positives, .. } => {
            // An unterminated text literal.
            if rest.starts_with('"') && !rest.lines().next().unwrap_or("")[1..].contains('"') {
                return unterminated_text(span);
            }
            let mut names: Vec<&str> = positives.iter().filter_map(rule_name).collect();
            names.sort();
            names.dedup();
            let mut d = if names.is_empty() {
                Diagnostic::error(format!("syntax error: unexpected {found}"))
            } else {
                Diagnostic::error(format!("syntax error: expected {}, found {found}", list_or(&names)))
            };
            d = d.at(span, if at_end { "the declaration ends here" } else { "unexpected here" });
            let first_line = text.lines().next().unwrap_or("");
            let kw_len = first_line.find(char::is_whitespace).unwrap_or(first_line.len());
            if start > first_line.len() {
                d = d.with(Span::new(file, chunk.offset, chunk.offset + kw_len), "in this declaration");
            }
            if rest.starts_with(['*', '+', '?']) && before.len() < start && !matches!(before.chars().last(), Some('(' | ',')) {
                d = d.help("iterators attach to their operand without a space: write `t*`, not `t *`");
            } else if spaced_iterator {
                d = d.help("iterators attach to their operand without a space: write `t*`, not `t *`");
            } else if before.ends_with('^') && rest.starts_with(char::is_whitespace) {
                d = d.help("the count of `^` follows it without a space: write `x^n`");
            } else if DECL_KEYWORDS.iter().any(|k| rest.starts_with(k) && rest[k.len()..].starts_with(char::is_whitespace))
                && text[..start].rsplit('\n').next().is_some_and(|l| !l.is_empty() && l.trim().is_empty())
            {
                d = d.help("declarations start at column 0; an indented line continues the previous declaration");
            }
            d
        }
        // pest's resource limits: `PARSE_CALL_LIMIT`, and its check of the native stack.
        ErrorVariant::CustomError { message } if message == "call limit reached" => {
            Diagnostic::error("declaration too complex to parse")
                .at(span, "the parser gave up after getting this far")
                .note(format!("the parser tries at most {PARSE_CALL_LIMIT} steps per declaration"))
                .help("look for a syntax error near here, or split the declaration")
        }
        ErrorVariant::CustomError { message } if message == "stack limit reached" => {
            Diagnostic::error("expression nested too deeply").at(span, "the parser ran out of stack here")
        }
        ErrorVariant::CustomError { message } => Diagnostic::error(message).at(span, "here"),
    }
}

fn token_len(s: &str) -> usize {
    let mut chars = s.char_indices();
    match chars.next() {
        None => 0,
        Some((_, c)) if c.is_alphanumeric() || c == '_' || c == '$' => s
            .char_indices()
            .find(|&(_, c)| !(c.is_alphanumeric() || c == '_' || c == '\'' || c == '$'))
            .map(|(i, _)| i)
            .unwrap_or(s.len()),
        Some((_, c)) => c.len_utf8(),
    }
}

fn is_tok(r: Rule) -> bool {
    matches!(r, Rule::tok_eq | Rule::tok_colon | Rule::tok_lparen | Rule::tok_rparen | Rule::tok_comma)
}

fn list_or(names: &[&str]) -> String {
    match names.len() {
        0 => String::new(),
        1 => names[0].to_string(),
        n => format!("{} or {}", names[..n - 1].join(", "), names[n - 1]),
    }
}

/// Turns pest pairs into AST nodes with file-relative spans.
struct Builder {
    file: FileId,
    offset: usize,
    /// Nesting levels entered (see [`MAX_NESTING`]).
    depth: std::cell::Cell<usize>,
    /// Operators built so far (see [`MAX_OPERATORS`]).
    operators: std::cell::Cell<usize>,
}

type PResult<T> = Result<T, Diagnostic>;

impl Builder {
    fn new(file: FileId, offset: usize) -> Builder {
        Builder { file, offset, depth: std::cell::Cell::new(0), operators: std::cell::Cell::new(0) }
    }

    /// Counts one operator of the declaration, at `span`.
    fn operator(&self, span: Span) -> PResult<()> {
        let n = self.operators.get() + 1;
        self.operators.set(n);
        if n > MAX_OPERATORS {
            return Err(Diagnostic::error(format!("declaration too long (more than {MAX_OPERATORS} operators)"))
                .at(span, format!("operator number {n}"))
                .help("split the declaration, for example with auxiliary definitions"));
        }
        Ok(())
    }

    /// Builds a nested construct (a bracketed group, `|...|`, a grammar binder) one level deeper.
    /// `check_brackets` has bounded the brackets; this bounds the rest, which the grammar nests
    /// without brackets.
    fn nested<T>(&self, span: Span, f: impl FnOnce() -> PResult<T>) -> PResult<T> {
        let d = self.depth.get();
        if d >= MAX_NESTING {
            return Err(Diagnostic::error(format!("expression nested too deeply (more than {MAX_NESTING} levels)"))
                .at(span, format!("nested more than {MAX_NESTING} levels deep here"))
                .help("split the declaration, for example with an auxiliary definition"));
        }
        self.depth.set(d + 1);
        let r = f();
        self.depth.set(d);
        r
    }

    /// A node's span, without the whitespace and comments pest lets trail at its end.
    fn span(&self, p: &Pair<'_, Rule>) -> Span {
        let s = p.as_span();
        let len = trimmed_len(p.as_str());
        Span::new(self.file, self.offset + s.start(), self.offset + s.start() + len)
    }

    fn ident(&self, p: Pair<'_, Rule>) -> Ident {
        Ident { name: p.as_str().to_string(), span: self.span(&p) }
    }

    fn number(&self, p: &Pair<'_, Rule>) -> PResult<BigUint> {
        let s = p.as_str();
        let v = if let Some(hex) = s.strip_prefix("0x") {
            BigUint::parse_bytes(hex.as_bytes(), 16)
        } else {
            BigUint::parse_bytes(s.as_bytes(), 10)
        };
        v.ok_or_else(|| Diagnostic::error("malformed number").at(self.span(p), "here"))
    }

    fn text(&self, p: Pair<'_, Rule>) -> PResult<String> {
        let span = self.span(&p);
        let inner = p.into_inner().next().map(|i| i.as_str()).unwrap_or("");
        unescape(inner).map_err(|m| Diagnostic::error(m).at(span, "in this text literal"))
    }

    fn hints(&self, p: Pair<'_, Rule>) -> PResult<Vec<Hint>> {
        p.into_inner().map(|h| self.hint(h)).collect()
    }

    fn hint(&self, p: Pair<'_, Rule>) -> PResult<Hint> {
        let span = self.span(&p);
        let mut it = p.into_inner();
        let name = self.ident(it.next().unwrap());
        let mut args = Vec::new();
        for a in it {
            let a = a.into_inner().next().unwrap();
            args.push(match a.as_rule() {
                Rule::text => HintArg::Text(self.text(a)?),
                Rule::number => HintArg::Num(self.number(&a)?),
                Rule::def_name => HintArg::Def(a.as_str()[1..].to_string()),
                _ => HintArg::Ident(a.as_str().to_string()),
            });
        }
        Ok(Hint { name, args, span })
    }

    // -----------------------------------------------------------------------------------------
    // Declarations

    fn decl(&self, p: Pair<'_, Rule>) -> PResult<Decl> {
        let p = p;
        let span = self.span(&p);
        let kind = match p.as_rule() {
            Rule::syntax_decl => DeclKind::Syntax(self.syntax_decl(p)?),
            Rule::relation_decl => DeclKind::Relation(self.relation_decl(p)?),
            Rule::rule_decl => DeclKind::Rule(self.rule_decl(p)?),
            Rule::def_sig => DeclKind::DefSig(self.def_sig(p)?),
            Rule::def_clause => DeclKind::DefClause(self.def_clause(p)?),
            Rule::var_decl => DeclKind::Var(self.var_decl(p)?),
            Rule::grammar_decl => DeclKind::Grammar(self.grammar_decl(p)?),
            r => return Err(Diagnostic::error(format!("internal: unexpected {r:?}")).at(span, "here")),
        };
        Ok(Decl { kind, span })
    }

    fn name_and_fragment(&self, p: Pair<'_, Rule>) -> (Ident, Option<Ident>) {
        let mut it = p.into_inner();
        let name = self.ident(it.next().unwrap());
        let frag = it.next().map(|f| self.ident(f));
        (name, frag)
    }

    fn syntax_decl(&self, p: Pair<'_, Rule>) -> PResult<SyntaxDecl> {
        let mut it = p.into_inner().filter(|q| !is_tok(q.as_rule()));
        let (name, fragment) = self.name_and_fragment(it.next().unwrap());
        let mut params = None;
        let mut hints = Vec::new();
        let mut body = None;
        for q in it {
            match q.as_rule() {
                Rule::syn_params => params = Some(q.into_inner().map(|s| self.seq(s)).collect::<PResult<_>>()?),
                Rule::hints => hints = self.hints(q)?,
                Rule::syn_range => {
                    let mut r = q.into_inner();
                    let lo = self.arith(r.next().unwrap())?;
                    let hi = self.arith(r.next().unwrap())?;
                    let h = self.hints(r.next().unwrap())?;
                    let prems = self.premises(r.next().unwrap())?;
                    body = Some(SyntaxBody::Range(lo, hi, h, prems));
                }
                Rule::syn_record => {
                    let mut fields = Vec::new();
                    let mut h = Vec::new();
                    for f in q.into_inner() {
                        match f.as_rule() {
                            Rule::syn_field => {
                                let span = self.span(&f);
                                let mut fi = f.into_inner();
                                let name = self.ident(fi.next().unwrap());
                                let typ = self.typ_item(fi.next().unwrap())?;
                                let hints = self.hints(fi.next().unwrap())?;
                                fields.push(SynField { name, typ, hints, span });
                            }
                            Rule::hints => h = self.hints(f)?,
                            _ => {}
                        }
                    }
                    body = Some(SyntaxBody::Record(fields, h));
                }
                Rule::syn_cases => {
                    let mut cases = Vec::new();
                    for c in q.into_inner() {
                        let span = self.span(&c);
                        let mut ci = c.into_inner();
                        let items = self.typ_seq(ci.next().unwrap())?;
                        let hints = self.hints(ci.next().unwrap())?;
                        let premises = self.premises(ci.next().unwrap())?;
                        cases.push(SynCase { items, hints, premises, span });
                    }
                    body = Some(SyntaxBody::Cases(cases));
                }
                _ => {}
            }
        }
        Ok(SyntaxDecl { name, fragment, params, hints, body })
    }

    fn relation_decl(&self, p: Pair<'_, Rule>) -> PResult<RelationDecl> {
        let mut it = p.into_inner().filter(|q| !is_tok(q.as_rule()));
        let name = self.ident(it.next().unwrap());
        let notation = self.typ_seq(it.next().unwrap())?;
        let mut mode = None;
        let mut hints = Vec::new();
        for q in it {
            match q.as_rule() {
                Rule::rel_mode => {
                    let span = self.span(&q);
                    mode = Some((q.into_inner().filter(|i| i.as_rule() == Rule::ident).map(|i| self.ident(i)).collect(), span));
                }
                Rule::hints => hints = self.hints(q)?,
                _ => {}
            }
        }
        Ok(RelationDecl { name, notation, mode, hints })
    }

    fn rule_decl(&self, p: Pair<'_, Rule>) -> PResult<RuleDecl> {
        let mut it = p.into_inner().filter(|q| !is_tok(q.as_rule()));
        let mut n = it.next().unwrap().into_inner();
        let relation = self.ident(n.next().unwrap());
        let case = n.next().map(|c| self.ident(c));
        let hints = self.hints(it.next().unwrap())?;
        let conclusion = self.mix_exp(it.next().unwrap())?;
        let premises = self.premises(it.next().unwrap())?;
        Ok(RuleDecl { relation, case, hints, conclusion, premises })
    }

    fn def_sig(&self, p: Pair<'_, Rule>) -> PResult<DefSig> {
        let mut it = p.into_inner().filter(|q| !is_tok(q.as_rule()));
        let name = self.def_ident(it.next().unwrap());
        let mut params = None;
        let mut result = Vec::new();
        let mut hints = Vec::new();
        for q in it {
            match q.as_rule() {
                Rule::def_params => {
                    let mut ps = Vec::new();
                    for dp in q.into_inner() {
                        let span = self.span(&dp);
                        let is_type = dp.as_str().starts_with("syntax");
                        let mut di = dp.into_inner();
                        let first = di.next().unwrap();
                        if is_type {
                            ps.push(DefParam { type_param: true, name: Some(self.ident(first)), typ: Vec::new(), span });
                        } else if first.as_rule() == Rule::ident {
                            let typ = self.typ_seq(di.next().unwrap())?;
                            ps.push(DefParam { type_param: false, name: Some(self.ident(first)), typ, span });
                        } else {
                            ps.push(DefParam { type_param: false, name: None, typ: self.typ_seq(first)?, span });
                        }
                    }
                    params = Some(ps);
                }
                Rule::typ_seq => result = self.typ_seq(q)?,
                Rule::hints => hints = self.hints(q)?,
                _ => {}
            }
        }
        Ok(DefSig { name, params, result, hints })
    }

    fn def_ident(&self, p: Pair<'_, Rule>) -> Ident {
        let span = self.span(&p);
        Ident { name: p.as_str()[1..].to_string(), span }
    }

    fn def_clause(&self, p: Pair<'_, Rule>) -> PResult<DefClause> {
        let mut it = p.into_inner().filter(|q| !is_tok(q.as_rule()));
        let name = self.def_ident(it.next().unwrap());
        let mut args = None;
        let mut body = None;
        let mut premises = Vec::new();
        for q in it {
            match q.as_rule() {
                Rule::call_args => args = Some(self.call_args(q)?),
                Rule::mix_exp => body = Some(self.mix_exp(q)?),
                Rule::premises => premises = self.premises(q)?,
                _ => {}
            }
        }
        Ok(DefClause { name, args, body: body.unwrap(), premises })
    }

    fn var_decl(&self, p: Pair<'_, Rule>) -> PResult<VarDecl> {
        let mut it = p.into_inner().filter(|q| !is_tok(q.as_rule()));
        let name = self.ident(it.next().unwrap());
        let typ = self.typ_seq(it.next().unwrap())?;
        let hints = self.hints(it.next().unwrap())?;
        Ok(VarDecl { name, typ, hints })
    }

    fn grammar_decl(&self, p: Pair<'_, Rule>) -> PResult<GrammarDecl> {
        let mut it = p.into_inner().filter(|q| !is_tok(q.as_rule()));
        let (name, fragment) = self.name_and_fragment(it.next().unwrap());
        let mut params = None;
        let mut result = Vec::new();
        let mut hints = Vec::new();
        let mut productions = Vec::new();
        for q in it {
            match q.as_rule() {
                Rule::gram_params => {
                    let mut ps = Vec::new();
                    for gp in q.into_inner() {
                        let span = self.span(&gp);
                        let text = gp.as_str();
                        let mut gi = gp.into_inner();
                        let first = gi.next().unwrap();
                        if text.starts_with("syntax") {
                            ps.push(GramParam::Type(self.ident(first)));
                        } else if first.as_rule() == Rule::ident {
                            let id = self.ident(first);
                            let typ = self.typ_seq(gi.next().unwrap())?;
                            if text.starts_with("grammar") {
                                ps.push(GramParam::Grammar(id, typ, span));
                            } else {
                                ps.push(GramParam::Typed(id, typ, span));
                            }
                        } else {
                            ps.push(GramParam::Plain(self.seq(first)?));
                        }
                    }
                    params = Some(ps);
                }
                Rule::typ_seq => result = self.typ_seq(q)?,
                Rule::hints => hints = self.hints(q)?,
                Rule::production => productions.push(self.production(q)?),
                _ => {}
            }
        }
        Ok(GrammarDecl { name, fragment, params, result, hints, productions })
    }

    fn production(&self, p: Pair<'_, Rule>) -> PResult<Production> {
        let span = self.span(&p);
        let mut symbols = Vec::new();
        let mut result = None;
        let mut premises = Vec::new();
        for q in p.into_inner() {
            match q.as_rule() {
                Rule::gsym_seq => symbols = self.gsym_seq(q)?,
                Rule::mix_exp => result = Some(self.mix_exp(q)?),
                Rule::premises => premises = self.premises(q)?,
                _ => {}
            }
        }
        Ok(Production { symbols, result, premises, span })
    }

    fn gsym_seq(&self, p: Pair<'_, Rule>) -> PResult<Vec<GSym>> {
        p.into_inner().map(|s| self.gsym(s)).collect()
    }

    fn gsym(&self, p: Pair<'_, Rule>) -> PResult<GSym> {
        let span = self.span(&p);
        let mut it = p.into_inner();
        let prim = it.next().unwrap().into_inner().next().unwrap();
        let iters = it.map(|i| self.iter(i)).collect::<PResult<Vec<_>>>()?;
        let kind = match prim.as_rule() {
            Rule::gbinder => self.nested(span, || {
                let mut bi = prim.into_inner();
                let pat = bi.next().unwrap();
                let pat_span = self.span(&pat);
                let mut pi = pat.into_inner();
                let base = pi.next().unwrap().into_inner().next().unwrap();
                let mut e = match base.as_rule() {
                    Rule::paren => self.paren(base)?,
                    Rule::number => Exp { span: self.span(&base), kind: ExpKind::Num(self.number(&base)?) },
                    _ => Exp { span: self.span(&base), kind: ExpKind::Ident(base.as_str().to_string()) },
                };
                for i in pi {
                    let (it, is) = self.iter(i)?;
                    e = Exp { span: pat_span, kind: ExpKind::Iter(Box::new(e), it, is) };
                }
                let sym = self.gsym(bi.next().unwrap())?;
                Ok(GSymKind::Bind(e, Box::new(sym)))
            })?,
            Rule::gparen => GSymKind::Paren(
                self.nested(span, || prim.into_inner().map(|s| self.gsym_seq(s)).collect::<PResult<_>>())?,
            ),
            Rule::grange => {
                let mut ri = prim.into_inner();
                let lo = self.number(&ri.next().unwrap())?;
                let hi = self.number(&ri.next().unwrap())?;
                GSymKind::Range(lo, hi)
            }
            Rule::number => GSymKind::Byte(self.number(&prim)?),
            Rule::text => GSymKind::Text(self.text(prim)?),
            Rule::geps => GSymKind::Eps,
            Rule::gnonterm => {
                let mut ni = prim.into_inner();
                let name = self.ident(ni.next().unwrap());
                let args = match ni.next() {
                    Some(a) => Some(self.nested(span, || a.into_inner().map(|e| self.exp(e)).collect::<PResult<_>>())?),
                    None => None,
                };
                GSymKind::NonTerm(name, args)
            }
            r => return Err(Diagnostic::error(format!("internal: unexpected {r:?}")).at(span, "here")),
        };
        Ok(GSym { kind, iters, span })
    }

    // -----------------------------------------------------------------------------------------
    // Types

    fn typ_seq(&self, p: Pair<'_, Rule>) -> PResult<Vec<TypItem>> {
        p.into_inner().map(|i| self.typ_item(i)).collect()
    }

    fn typ_item(&self, p: Pair<'_, Rule>) -> PResult<TypItem> {
        let span = self.span(&p);
        let mut it = p.into_inner();
        let prim = it.next().unwrap().into_inner().next().unwrap();
        let iters = it.map(|i| self.iter(i)).collect::<PResult<Vec<_>>>()?;
        let kind = match prim.as_rule() {
            Rule::typ_app => {
                let mut ai = prim.into_inner();
                let name = self.ident(ai.next().unwrap());
                let args = match ai.next() {
                    Some(a) => Some(self.nested(span, || a.into_inner().map(|e| self.exp(e)).collect::<PResult<_>>())?),
                    None => None,
                };
                TypItemKind::Name(name, args)
            }
            Rule::typ_paren => TypItemKind::Paren(
                self.nested(span, || prim.into_inner().map(|s| self.typ_seq(s)).collect::<PResult<_>>())?,
            ),
            Rule::bracket_typ => {
                let br = if prim.as_str().starts_with("`{") { Bracket::Brace } else { Bracket::Square };
                let inner = self.nested(span, || self.typ_seq(prim.into_inner().next().unwrap()))?;
                TypItemKind::Bracket(br, inner)
            }
            Rule::sym_typ_atom => {
                let a = prim.into_inner().next().unwrap();
                match a.as_rule() {
                    Rule::atom_sub_typ => {
                        let sub = self.nested(span, || self.typ_seq(a.into_inner().next().unwrap()))?;
                        TypItemKind::Sym("->_".to_string(), Some(sub))
                    }
                    _ => TypItemKind::Sym(a.as_str().to_string(), None),
                }
            }
            Rule::number => TypItemKind::Num(self.number(&prim)?),
            Rule::text => TypItemKind::Text(self.text(prim)?),
            r => return Err(Diagnostic::error(format!("internal: unexpected {r:?}")).at(span, "here")),
        };
        Ok(TypItem { kind, iters, span })
    }

    fn iter(&self, p: Pair<'_, Rule>) -> PResult<(Iter, Span)> {
        let span = self.span(&p);
        self.operator(span)?;
        let s = p.as_str();
        let it = match s.chars().next() {
            Some('*') => Iter::Star,
            Some('?') => Iter::Opt,
            Some('+') => Iter::Plus,
            _ => {
                let bound = p.into_inner().next().unwrap();
                let text = bound.as_str();
                let mut bi = bound.into_inner();
                let first = bi.next();
                match first {
                    Some(f) if f.as_rule() == Rule::ident && text.trim_start().starts_with('(') => {
                        let var = self.ident(f);
                        let n = self.nested(span, || self.arith(bi.next().unwrap()))?;
                        Iter::PowIndexed(var, Box::new(n))
                    }
                    Some(f) if f.as_rule() == Rule::arith => Iter::Pow(Box::new(self.nested(span, || self.arith(f))?)),
                    Some(f) if f.as_rule() == Rule::call => {
                        let sp = self.span(&f);
                        let mut ci = f.into_inner();
                        let name = ci.next().unwrap().as_str()[1..].to_string();
                        let args = match ci.next() {
                            Some(a) => Some(self.call_args(a)?),
                            None => None,
                        };
                        Iter::Pow(Box::new(Exp { span: sp, kind: ExpKind::Call(name, args) }))
                    }
                    Some(f) if f.as_rule() == Rule::number => {
                        let sp = self.span(&f);
                        Iter::Pow(Box::new(Exp { span: sp, kind: ExpKind::Num(self.number(&f)?) }))
                    }
                    Some(f) => {
                        let sp = self.span(&f);
                        Iter::Pow(Box::new(Exp { span: sp, kind: ExpKind::Ident(f.as_str().to_string()) }))
                    }
                    None => return Err(Diagnostic::error("missing iteration bound").at(span, "here")),
                }
            }
        };
        Ok((it, span))
    }

    // -----------------------------------------------------------------------------------------
    // Premises

    fn premises(&self, p: Pair<'_, Rule>) -> PResult<Vec<Premise>> {
        let mut out = Vec::new();
        for q in p.into_inner() {
            let mut it = q.into_inner();
            let mut prem = self.premise(it.next().unwrap())?;
            if let Some(h) = it.next() {
                prem.hints = self.hints(h)?;
            }
            out.push(prem);
        }
        Ok(out)
    }

    fn premise(&self, p: Pair<'_, Rule>) -> PResult<Premise> {
        let span = self.span(&p);
        let kind = match p.as_rule() {
            Rule::prem_if => PremiseKind::If(self.exp(p.into_inner().next().unwrap())?),
            Rule::prem_otherwise => PremiseKind::Otherwise,
            Rule::prem_rel => {
                let mut it = p.into_inner();
                let rel = self.ident(it.next().unwrap());
                PremiseKind::Rel(rel, self.mix_exp(it.next().unwrap())?)
            }
            Rule::prem_iter => {
                let mut it = p.into_inner();
                let inner = it.next().unwrap().into_inner().next().unwrap();
                let inner = self.nested(span, || self.premise(inner))?;
                let iters = it.map(|i| self.iter(i)).collect::<PResult<Vec<_>>>()?;
                PremiseKind::Iter(Box::new(inner), iters)
            }
            r => return Err(Diagnostic::error(format!("internal: unexpected {r:?}")).at(span, "here")),
        };
        Ok(Premise { kind, hints: Vec::new(), span })
    }

    // -----------------------------------------------------------------------------------------
    // Expressions

    fn mix_exp(&self, p: Pair<'_, Rule>) -> PResult<Exp> {
        let span = self.span(&p);
        let mut items = Vec::new();
        for q in p.into_inner() {
            match q.as_rule() {
                Rule::sym_atom => items.push(MixItem::Atom(q.as_str().to_string(), None, self.span(&q))),
                Rule::atom_sub => {
                    let s = self.span(&q);
                    let sub = self.nested(s, || self.mix_exp(q.into_inner().next().unwrap()))?;
                    items.push(MixItem::Atom("->_".to_string(), Some(Box::new(sub)), s));
                }
                _ => items.push(MixItem::Exp(self.exp(q)?)),
            }
        }
        if items.len() == 1 {
            if let MixItem::Exp(_) = &items[0] {
                if let Some(MixItem::Exp(e)) = items.pop() {
                    return Ok(e);
                }
            }
        }
        Ok(Exp { kind: ExpKind::Mix(items), span })
    }

    fn exp(&self, p: Pair<'_, Rule>) -> PResult<Exp> {
        // Step down the precedence levels that hold a single operand without recursing: that is
        // most of them, and a frame per level made each bracket level cost a dozen frames.
        let mut p = p;
        while matches!(
            p.as_rule(),
            Rule::exp | Rule::logic | Rule::conj | Rule::not_exp | Rule::cmp | Rule::cat | Rule::arith | Rule::term | Rule::unary
        ) {
            let mut inner = p.clone().into_inner();
            match (inner.next(), inner.next()) {
                (Some(only), None) => p = only,
                _ => break,
            }
        }
        match p.as_rule() {
            Rule::exp => self.exp(p.into_inner().next().unwrap()),
            Rule::logic | Rule::conj => self.binary_chain(p),
            Rule::not_exp => {
                let span = self.span(&p);
                let parts: Vec<_> = p.into_inner().collect();
                let (ops, last) = parts.split_at(parts.len() - 1);
                let mut e = self.exp(last[0].clone())?;
                for op in ops {
                    self.operator(self.span(op))?;
                    e = Exp { kind: ExpKind::Unary(UnOp::Not, Box::new(e)), span };
                }
                Ok(e)
            }
            Rule::cmp => {
                let span = self.span(&p);
                let mut it = p.into_inner();
                let first = self.exp(it.next().unwrap())?;
                let mut rest = Vec::new();
                while let Some(op) = it.next() {
                    self.operator(self.span(&op))?;
                    let op = match op.as_str().trim() {
                        "=" => CmpOp::Eq,
                        "=/=" => CmpOp::Ne,
                        "<" => CmpOp::Lt,
                        ">" => CmpOp::Gt,
                        "<=" => CmpOp::Le,
                        ">=" => CmpOp::Ge,
                        _ => CmpOp::In,
                    };
                    rest.push((op, self.exp(it.next().unwrap())?));
                }
                if rest.is_empty() {
                    Ok(first)
                } else {
                    Ok(Exp { kind: ExpKind::Cmp(Box::new(first), rest), span })
                }
            }
            Rule::cat | Rule::arith | Rule::term => self.binary_chain(p),
            Rule::unary => {
                let span = self.span(&p);
                let parts: Vec<_> = p.into_inner().collect();
                let (ops, last) = parts.split_at(parts.len() - 1);
                let mut e = self.exp(last[0].clone())?;
                for op in ops {
                    self.operator(self.span(op))?;
                    e = Exp { kind: ExpKind::Unary(UnOp::Neg, Box::new(e)), span };
                }
                Ok(e)
            }
            Rule::seq => self.seq(p),
            Rule::postfix => self.postfix(p),
            _ => {
                let span = self.span(&p);
                Err(Diagnostic::error(format!("internal: unexpected {:?}", p.as_rule())).at(span, "here"))
            }
        }
    }

    fn arith(&self, p: Pair<'_, Rule>) -> PResult<Exp> {
        self.exp(p)
    }

    /// A left-associative chain `a op b op c`.
    fn binary_chain(&self, p: Pair<'_, Rule>) -> PResult<Exp> {
        let mut it = p.into_inner();
        let mut e = self.exp(it.next().unwrap())?;
        while let Some(op) = it.next() {
            self.operator(self.span(&op))?;
            let op = match op.as_str().trim() {
                "/\\" => BinOp::And,
                "\\/" => BinOp::Or,
                "+" => BinOp::Add,
                "-" => BinOp::Sub,
                "*" => BinOp::Mul,
                "/" => BinOp::Div,
                "\\" => BinOp::Mod,
                _ => BinOp::Concat,
            };
            let rhs = self.exp(it.next().unwrap())?;
            let span = e.span.to(rhs.span);
            e = Exp { kind: ExpKind::Binary(op, Box::new(e), Box::new(rhs)), span };
        }
        Ok(e)
    }

    fn seq(&self, p: Pair<'_, Rule>) -> PResult<Exp> {
        let span = self.span(&p);
        let mut items: Vec<Exp> = p.into_inner().map(|q| self.postfix(q)).collect::<PResult<_>>()?;
        if items.len() == 1 {
            Ok(items.pop().unwrap())
        } else {
            Ok(Exp { kind: ExpKind::Seq(items), span })
        }
    }

    fn postfix(&self, p: Pair<'_, Rule>) -> PResult<Exp> {
        let mut it = p.into_inner();
        let prim = it.next().unwrap();
        let mut e = self.primary(prim)?;
        for op in it {
            let op = op.into_inner().next().unwrap();
            let op_span = self.span(&op);
            if op.as_rule() != Rule::iter {
                self.operator(op_span)?; // `iter` counts its own
            }
            let span = e.span.to(op_span);
            let kind = match op.as_rule() {
                Rule::iter => {
                    let (i, s) = self.iter(op)?;
                    ExpKind::Iter(Box::new(e), i, s)
                }
                Rule::field => ExpKind::Field(Box::new(e), self.ident(op.into_inner().next().unwrap())),
                Rule::index => self.nested(op_span, || {
                    let inner = op.into_inner().next().unwrap();
                    Ok(match inner.as_rule() {
                        Rule::update => {
                            let mut ui = inner.into_inner();
                            let path = self.path(ui.next().unwrap())?;
                            let op = if ui.next().unwrap().as_str() == "=++" {
                                UpdateOp::Extend
                            } else {
                                UpdateOp::Replace
                            };
                            let v = self.exp(ui.next().unwrap())?;
                            ExpKind::Update(Box::new(e), path, op, Box::new(v))
                        }
                        _ => match self.subscript(inner)? {
                            (i, None) => ExpKind::Index(Box::new(e), Box::new(i)),
                            (a, Some(b)) => ExpKind::Slice(Box::new(e), Box::new(a), Box::new(b)),
                        },
                    })
                })?,
                r => return Err(Diagnostic::error(format!("internal: unexpected {r:?}")).at(op_span, "here")),
            };
            e = Exp { kind, span };
        }
        Ok(e)
    }

    fn path(&self, p: Pair<'_, Rule>) -> PResult<Vec<PathElem>> {
        let mut out = Vec::new();
        for el in p.into_inner() {
            let inner = el.into_inner().next().unwrap();
            out.push(match inner.as_rule() {
                Rule::ident => PathElem::Field(self.ident(inner)),
                _ => match self.nested(self.span(&inner), || self.subscript(inner))? {
                    (i, None) => PathElem::Index(i),
                    (a, Some(b)) => PathElem::Slice(a, b),
                },
            });
        }
        Ok(out)
    }

    /// `i` or `i : n` inside `[...]`.
    fn subscript(&self, p: Pair<'_, Rule>) -> PResult<(Exp, Option<Exp>)> {
        let mut si = p.into_inner();
        let a = self.exp(si.next().unwrap())?;
        let b = si.next().map(|b| self.exp(b)).transpose()?;
        Ok((a, b))
    }

    fn call_args(&self, p: Pair<'_, Rule>) -> PResult<Vec<Exp>> {
        self.nested(self.span(&p), || p.into_inner().map(|a| self.mix_exp(a)).collect())
    }

    fn paren(&self, p: Pair<'_, Rule>) -> PResult<Exp> {
        let span = self.span(&p);
        let mut parts: Vec<Exp> = self.nested(span, || p.into_inner().map(|a| self.mix_exp(a)).collect::<PResult<_>>())?;
        let kind = if parts.len() == 1 {
            ExpKind::Paren(Box::new(parts.pop().unwrap()))
        } else {
            ExpKind::Tuple(parts)
        };
        Ok(Exp { kind, span })
    }

    fn primary(&self, p: Pair<'_, Rule>) -> PResult<Exp> {
        let q = p.into_inner().next().unwrap();
        let span = self.span(&q);
        let kind = match q.as_rule() {
            Rule::number => ExpKind::Num(self.number(&q)?),
            Rule::text => ExpKind::Text(self.text(q)?),
            Rule::bool_lit => ExpKind::Bool(q.as_str() == "true"),
            Rule::eps => ExpKind::Eps,
            Rule::ident => ExpKind::Ident(q.as_str().to_string()),
            Rule::call => {
                let mut ci = q.into_inner();
                let name = ci.next().unwrap().as_str()[1..].to_string();
                let args = match ci.next() {
                    Some(a) => Some(self.call_args(a)?),
                    None => None,
                };
                ExpKind::Call(name, args)
            }
            Rule::length => {
                let inner = q.into_inner().next().unwrap().into_inner().next().unwrap();
                ExpKind::Len(Box::new(self.nested(span, || self.exp(inner))?))
            }
            Rule::record => self.nested(span, || {
                let mut fields = Vec::new();
                for f in q.into_inner() {
                    let mut fi = f.into_inner();
                    let name = self.ident(fi.next().unwrap());
                    let v = self.seq(fi.next().unwrap())?;
                    fields.push((name, v));
                }
                Ok(ExpKind::Record(fields))
            })?,
            Rule::bracket_exp => {
                let br = if q.as_str().starts_with("`{") { Bracket::Brace } else { Bracket::Square };
                let inner = match q.into_inner().next() {
                    Some(i) => Some(Box::new(self.nested(span, || self.mix_exp(i))?)),
                    None => None,
                };
                ExpKind::Bracket(br, inner)
            }
            Rule::paren => return self.paren(q),
            r => return Err(Diagnostic::error(format!("internal: unexpected {r:?}")).at(span, "here")),
        };
        Ok(Exp { kind, span })
    }
}

/// The length of a text without trailing whitespace and comments.
fn trimmed_len(text: &str) -> usize {
    let mut s = text.trim_end();
    loop {
        let line_start = s.rfind('\n').map(|i| i + 1).unwrap_or(0);
        let line = &s[line_start..];
        match line.find(";;") {
            Some(c) if !line[..c].contains('"') => s = s[..line_start + c].trim_end(),
            _ => return s.len(),
        }
    }
}

fn unescape(s: &str) -> Result<String, String> {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('\\') => out.push('\\'),
            Some('"') => out.push('"'),
            Some('%') => out.push_str("\\%"),
            Some(c) => return Err(format!("unknown escape `\\{c}`")),
            None => return Err("text ends with a backslash".to_string()),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceMap;
    use std::time::{Duration, Instant};

    /// Checks a one-file spec (on `check`'s own large stack) and renders its diagnostics.
    fn check(text: &str) -> String {
        let mut map = SourceMap::new();
        map.add("t.wspec", text.to_string());
        let checked = crate::elab::check(&map);
        crate::diag::render_all(&checked.diagnostics, &map)
    }

    #[test]
    fn brackets_in_text_and_comments_do_not_count() {
        let out = check("def $f(text) : text\ndef $f(x) = \"(]\" ;; ) [ \"\n");
        assert!(out.is_empty(), "{out}");
    }

    #[test]
    fn bracket_errors_name_the_bracket() {
        let out = check("def $f(nat) : nat\ndef $f(x) = (x + x]\n");
        assert!(out.contains("error: mismatched `]`") && out.contains("this `(` is still open"), "{out}");
        let out = check("def $f(nat) : nat\ndef $f(x) = $f($f(x)\n");
        assert!(out.contains("error: unclosed `(`") && out.contains("2:15"), "{out}");
        let out = check("def $f(nat) : nat\ndef $f(x) = x)\n");
        assert!(out.contains("error: unmatched `)`"), "{out}");
        let out = check("syntax t = A hint(show \"A)\n");
        assert!(out.contains("error: unterminated text literal"), "{out}");
    }

    #[test]
    fn nesting_is_limited() {
        let nested = |n: usize| format!("def $f(nat) : nat\ndef $f(x) = {}x{}\n", "(".repeat(n), ")".repeat(n));
        let out = check(&nested(MAX_NESTING));
        assert!(out.is_empty(), "{out}");
        let out = check(&nested(MAX_NESTING + 1));
        assert!(out.contains(&format!("error: brackets nested too deeply (more than {MAX_NESTING} levels)")), "{out}");
        // Length bars nest without brackets: the builder counts them.
        let bars = format!("def $f(nat*) : nat\ndef $f(x) = {}x{}\n", "(|".repeat(MAX_NESTING / 2 + 1), "|)".repeat(MAX_NESTING / 2 + 1));
        let out = check(&bars);
        assert!(out.contains(&format!("error: expression nested too deeply (more than {MAX_NESTING} levels)")), "{out}");
    }

    #[test]
    fn operators_are_limited() {
        // Elaboration runs on its own big stack, but the checked spec is dropped by the caller,
        // recursively: a chain of 20,000 links takes about 2 MiB to drop, the whole stack of a
        // test thread (it overflowed once under load). The command line's main thread has 8 MiB.
        let caller = std::thread::Builder::new().stack_size(8 << 20);
        let body = || {
            let negs = |n: usize| format!("def $f(nat) : int\ndef $f(x) = {}1\n", "- ".repeat(n));
            let out = check(&negs(MAX_OPERATORS));
            assert!(out.is_empty(), "{out}");
            let out = check(&negs(MAX_OPERATORS + 1));
            assert!(out.contains(&format!("error: declaration too long (more than {MAX_OPERATORS} operators)")), "{out}");
        };
        caller.spawn(body).unwrap().join().unwrap();
    }

    /// A syntax error deep inside nested brackets is found without backtracking over the levels
    /// (each of these once took 2-3 times longer per level).
    #[test]
    fn errors_inside_nested_brackets_are_found_fast() {
        let d = 100;
        let cases = [
            format!("def $f(x) = {}x @{}\n", "$f(".repeat(d), ")".repeat(d)),
            format!("rule R/c: {}x @{}\n", "y(".repeat(d), ")".repeat(d)),
            format!("def $f(x) = {}x @{}\n", "(a - ".repeat(d), ")".repeat(d)),
            format!("def $f(x) = {}x @{}\n", "x[".repeat(d), "]".repeat(d)),
            format!("var v : {}x @{}\n", "y(".repeat(d), ")".repeat(d)),
            format!("grammar G : nat = {}x @{}\n", "G(".repeat(d), ")".repeat(d)),
            format!("syntax x = {}x @{}\n", "->_(".repeat(d), ")".repeat(d)),
        ];
        for text in cases {
            let start = Instant::now();
            let out = check(&text);
            assert!(start.elapsed() < Duration::from_secs(10), "took {:?}: {text}", start.elapsed());
            assert!(out.contains("found `@`"), "{out}");
        }
    }

    #[test]
    fn subscripts_are_indices_slices_and_updates() {
        let parse = |s: &str| parse_exp(0, s).unwrap_or_else(|d| panic!("{s}: {}", d.message)).kind;
        assert!(matches!(parse("x[i]"), ExpKind::Index(..)));
        assert!(matches!(parse("x[i : n]"), ExpKind::Slice(..)));
        let ExpKind::Update(_, path, UpdateOp::Replace, _) = parse("x[.F[i][j : n] = v]") else { panic!("not an update") };
        assert!(matches!(path.as_slice(), [PathElem::Field(_), PathElem::Index(_), PathElem::Slice(..)]));
    }
}
