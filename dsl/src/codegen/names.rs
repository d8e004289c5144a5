//! Rust names for DSL names.

/// Names that generated types must not take, because generated code uses them unqualified.
const RESERVED_TYPES: [&str; 14] = [
    "Result", "Option", "Vec", "String", "Box", "Some", "None", "Ok", "Err", "Self", "Seq", "Arena", "Reader",
    "DResult",
];

const KEYWORDS: [&str; 52] = [
    "as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn", "for", "if", "impl", "in",
    "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "self", "Self", "static", "struct",
    "super", "trait", "true", "type", "unsafe", "use", "where", "while", "async", "await", "dyn", "abstract",
    "become", "box", "do", "final", "macro", "override", "priv", "typeof", "unsized", "virtual", "yield", "try",
    "gen",
];

/// `numtype` → `Numtype`, `num_` → `Num`, `cvtop__` → `Cvtop`, `fNmag` → `FNmag`,
/// `LOCAL.GET` → `LocalGet`, `_IDX` → `Idx`.
pub fn camel(name: &str) -> String {
    let mut out = String::new();
    let mut upper = true;
    let all_caps = !name.chars().any(|c| c.is_ascii_lowercase());
    for c in name.chars() {
        match c {
            '_' | '.' | '-' | '\'' => upper = true,
            c if c.is_ascii_alphanumeric() => {
                if upper {
                    out.push(c.to_ascii_uppercase());
                } else if all_caps {
                    out.push(c.to_ascii_lowercase());
                } else {
                    out.push(c);
                }
                upper = false;
            }
            _ => upper = true,
        }
    }
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'N');
    }
    out
}

/// A type name that does not clash with what generated code uses.
pub fn type_name(name: &str) -> String {
    let c = camel(name);
    if RESERVED_TYPES.contains(&c.as_str()) || is_primitive(&c) {
        format!("{c}_")
    } else {
        c
    }
}

fn is_primitive(s: &str) -> bool {
    matches!(
        s,
        "u8" | "u16" | "u32" | "u64" | "u128" | "i8" | "i16" | "i32" | "i64" | "i128" | "bool" | "char" | "str"
    )
}

/// `TYPES` → `types`, `RETURN` → `return_`.
pub fn field_name(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' })
        .collect();
    escape(s)
}

/// A local variable: `t_1` → `t_1`, `t'` → `t_q`, `in` → `in_`.
pub fn var_name(name: &str) -> String {
    let mut s = String::new();
    for c in name.chars() {
        match c {
            '\'' => s.push_str("_q"),
            c if c.is_ascii_alphanumeric() || c == '_' => s.push(c),
            _ => s.push('_'),
        }
    }
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, 'v');
    }
    // Uppercase variables (`C`, `N`, `Inn`) keep their case; prefix them so they are not taken
    // for types or variants in patterns.
    if s.starts_with(|c: char| c.is_ascii_uppercase()) {
        s.insert_str(0, "v_");
    }
    escape(s)
}

/// A function name: `$size` → `size`, `$binop_` → `binop_`.
pub fn fn_name(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '_' { c.to_ascii_lowercase() } else { '_' })
        .collect();
    escape(s)
}

fn escape(s: String) -> String {
    if KEYWORDS.contains(&s.as_str()) {
        format!("{s}_")
    } else {
        s
    }
}

/// A word for a symbolic atom, for naming notation cases: `->` → `Arrow`.
pub fn symbol_word(atom: &str) -> String {
    match atom {
        "->" => "Arrow".into(),
        "->_" => "ArrowSub".into(),
        "|-" => "Turnstile".into(),
        ":" => "Colon".into(),
        ";" => "Semi".into(),
        "~>" => "Step".into(),
        "~>*" => "Steps".into(),
        "<:" => "Sub".into(),
        "~~" => "Approx".into(),
        "=>" => "Implies".into(),
        ".." => "Range".into(),
        "_" => String::new(),
        a => camel(a),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(camel("numtype"), "Numtype");
        assert_eq!(camel("num_"), "Num");
        assert_eq!(camel("cvtop__"), "Cvtop");
        assert_eq!(camel("LOCAL.GET"), "LocalGet");
        assert_eq!(camel("_IDX"), "Idx");
        assert_eq!(camel("fNmag"), "FNmag");
        assert_eq!(camel("8"), "N8");
        assert_eq!(type_name("result"), "Result_");
        assert_eq!(field_name("RETURN"), "return_");
        assert_eq!(var_name("t'_2"), "t_q_2");
        assert_eq!(var_name("in"), "in_");
        assert_eq!(var_name("C"), "v_C");
    }
}
