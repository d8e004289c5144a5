//! Tidying the text of one generated function: the expression compiler binds every variable a
//! rule or clause names, and copies values it may need, without knowing whether anything reads
//! them. On the hot path those copies cost allocations (a `Vec` cloned only for its length,
//! the types of a call's parameters bound and never read). Two rewrites remove them, both
//! without changing what the function computes:
//! - `x.clone().len()` is `x.len()`;
//! - `let x = e;` goes when nothing else in the function names `x` and `e` is a place, a copy
//!   or a clone of one (it can neither fail nor do anything).

/// The function text with the dead copies gone.
pub fn tidy(text: &str) -> String {
    let mut text = text.replace(".clone().len()", ".len()");
    loop {
        let mut changed = false;
        let mut out = String::with_capacity(text.len());
        for line in text.split_inclusive('\n') {
            if !changed {
                if let Some(name) = dead_binding(line) {
                    if count_word(&text, name) == 1 {
                        changed = true;
                        continue;
                    }
                }
            }
            out.push_str(line);
        }
        text = out;
        if !changed {
            return text;
        }
    }
}

/// The variable of `let x = e;` when `e` is pure.
fn dead_binding(line: &str) -> Option<&str> {
    let rest = line.trim().strip_prefix("let ")?;
    let (name, rest) = rest.split_once(" = ")?;
    let rhs = rest.strip_suffix(';')?;
    let ident = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !ident(name) || name.starts_with('_') || !pure(rhs) {
        return None;
    }
    Some(name)
}

/// Whether an expression is a path through references and fields, maybe cloned or cast.
fn pure(e: &str) -> bool {
    if !e.chars().all(|c| c.is_ascii_alphanumeric() || "_()*&. ".contains(c)) {
        return false;
    }
    // No calls but `.clone()` and `.len()`.
    let bytes = e.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'(' && i > 0 && (bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_') {
            let start = e[..i].rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).map_or(0, |k| k + 1);
            let method = &e[start..i];
            let dotted = start > 0 && bytes[start - 1] == b'.';
            if !(dotted && matches!(method, "clone" | "len") && bytes.get(i + 1) == Some(&b')')) {
                return false;
            }
        }
        i += 1;
    }
    true
}

/// A condition that holds whenever a clause can apply, to check before running it: the
/// patterns that the clause's body first matches its parameters against (`let
/// Binop::Inn(BinopInn::Xor) = a1 else ...`), where nothing before them can fail but softly. A
/// definition of many clauses (`$binop_`) then finds its clause by a few comparisons.
pub fn guard(body: &str) -> Option<String> {
    let parts = guard_parts(body);
    (!parts.is_empty()).then(|| parts.iter().map(|(value, pat)| format!("matches!({value}, {pat})")).collect::<Vec<_>>().join(" && "))
}

/// The conditions of [`guard`], each a parameter and the pattern it must match.
pub fn guard_parts(body: &str) -> Vec<(String, String)> {
    let mut conds = Vec::new();
    for line in body.lines().map(str::trim) {
        if line.is_empty() || line.starts_with("#[") || line.starts_with("//") || dead_binding(line).is_some() || soft_conversion(line) {
            continue;
        }
        let Some(m) = line.strip_prefix("let ").and_then(|l| l.strip_suffix(" else { return Err(wspec_runtime::Fail::soft()) };")) else { break };
        let Some((pat, value)) = m.rsplit_once(" = ") else { break };
        if !is_param(value) {
            break;
        }
        conds.push((value.to_string(), pat.to_string()));
    }
    conds
}

/// A pattern with its bindings replaced by `_`: as the pattern of a match arm, it then neither
/// moves nor borrows what it matches.
pub fn without_bindings(pat: &str) -> String {
    let mut out = String::new();
    let mut rest = pat;
    while let Some(c) = rest.chars().next() {
        // A word runs to the next character that cannot be in one (`0_u64` is one literal).
        let len = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(rest.len());
        if len == 0 {
            out.push(c);
            rest = &rest[c.len_utf8()..];
            continue;
        }
        let (word, after) = rest.split_at(len);
        // A binding is a lower-case word that is not a literal, a path segment or a macro.
        let binding = word.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
            && !matches!(word, "true" | "false" | "_")
            && !out.ends_with("::")
            && !after.starts_with("::")
            && !after.starts_with('!');
        out.push_str(if binding { "_" } else { word });
        rest = after;
    }
    out
}

/// `let x = wspec_runtime::ok(conv::f(a0))?;`: a conversion of a parameter, which can only fail
/// softly.
fn soft_conversion(line: &str) -> bool {
    let Some(rest) = line.strip_prefix("let ") else { return false };
    let Some((_, rhs)) = rest.split_once(" = ") else { return false };
    let Some(call) = rhs.strip_prefix("wspec_runtime::ok(conv::").and_then(|r| r.strip_suffix("))?;")) else { return false };
    let Some((f, arg)) = call.split_once('(') else { return false };
    f.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') && is_param(arg)
}

/// A parameter of a generated definition: `a0`, `a1`, ...
fn is_param(s: &str) -> bool {
    s.strip_prefix('a').is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
}

/// How often `word` occurs in `text` as a whole word.
pub fn count_word(text: &str, word: &str) -> usize {
    words(text).filter(|w| *w == word).count()
}

fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).filter(|w| !w.is_empty())
}

#[cfg(test)]
mod tests {
    use super::{guard, tidy, without_bindings};

    #[test]
    fn arm_patterns_bind_nothing() {
        assert_eq!(without_bindings("Binop::Inn(BinopInn::Div(f_2))"), "Binop::Inn(BinopInn::Div(_))");
        assert_eq!(without_bindings("(Heaptype::Make(f_1, Absheaptype::Any) | Heaptype::Absheaptype(n_1))"), "(Heaptype::Make(_, Absheaptype::Any) | Heaptype::Absheaptype(_))");
        assert_eq!(without_bindings("Num::Inn(0_u64)"), "Num::Inn(0_u64)");
        assert_eq!(without_bindings("Some(true)"), "Some(true)");
    }

    #[test]
    fn guards_are_the_first_patterns_of_parameters() {
        let body = "let n_1 = wspec_runtime::ok(conv::numtype_as_inn(a0))?;\n#[allow(irrefutable_let_patterns)]\nlet (Binop::Inn(BinopInn::Add) | Binop::Fnn(BinopFnn::Add)) = a1 else { return Err(wspec_runtime::Fail::soft()) };\nlet x = f(a2)?;\nlet Num::Inn(y) = a2 else { return Err(wspec_runtime::Fail::soft()) };\n";
        assert_eq!(guard(body).as_deref(), Some("matches!(a1, (Binop::Inn(BinopInn::Add) | Binop::Fnn(BinopFnn::Add)))"));
        assert_eq!(guard("let y = g(a0)?;\nlet Num::Inn(y) = a2 else { return Err(wspec_runtime::Fail::soft()) };\n"), None);
    }

    #[test]
    fn drops_unread_copies_only() {
        let f = "fn f(a: &Vec<u8>) -> R<u64> {\n    let t = (*a).clone();\n    let n = a.clone().len() as u64;\n    let k = g(a)?;\n    let m = n;\n    Ok(m)\n}\n";
        let want = "fn f(a: &Vec<u8>) -> R<u64> {\n    let n = a.len() as u64;\n    let k = g(a)?;\n    let m = n;\n    Ok(m)\n}\n";
        assert_eq!(tidy(f), want);
    }
}
