//! The notation layer: IR expressions, types, premises and declarations as formulas.
//!
//! Conventions, all generic (hints override them):
//! - constructor keywords are shown in lower case, sans-serif (`LOCAL.GET` is `local.get`);
//!   a keyword starting with `_` (`_IDX`) is invisible, one ending with `_` takes the next
//!   argument as a subscript (`LABEL_ n` is `label_n`), `_` alone joins its neighbours;
//! - metavariables are italic, `t_1'` is t′ with subscript 1;
//! - a syntax type or definition whose name ends in `_` takes its first arguments as subscripts
//!   (`num_(nt)` is num_nt, `$iadd_(N, a, b)` is iadd_N(a, b));
//! - grammar nonterminals are typewriter, without the `B` prefix of the binary grammar names.

use super::math::{Class, Sym, M};
use super::template::{self, WordStyle};
use super::{has_hint, hint_str};
use crate::ast::{CmpOp, Hint, UpdateOp};
use crate::ir::*;
use std::collections::HashMap;

/// Binding strength of a formula's outermost operator.
pub type Prec = u8;
pub const P_OR: Prec = 0;
pub const P_AND: Prec = 1;
pub const P_NOT: Prec = 2;
pub const P_REL: Prec = 3;
pub const P_ADD: Prec = 4;
pub const P_MUL: Prec = 5;
pub const P_NEG: Prec = 6;
pub const P_JUX: Prec = 7;
pub const P_POW: Prec = 8;
pub const P_ATOM: Prec = 9;

pub struct Notation<'a> {
    pub spec: &'a Spec,
    /// Whether names link to their declarations.
    pub links: bool,
    vars: HashMap<&'a str, &'a VarDecl>,
    /// Recursion guard for templates of variables that name themselves.
    depth: std::cell::Cell<usize>,
    exp_depth: std::cell::Cell<usize>,
}

/// The deepest expression nesting shown.
pub const MAX_DEPTH: usize = 200;

fn wrap((m, p): (M, Prec), min: Prec) -> M {
    if p < min {
        M::paren(m)
    } else {
        m
    }
}

/// The binding strength of a rendered formula.
pub fn prec_of(m: &M) -> Prec {
    fn has_rel(v: &[M]) -> bool {
        v.iter().any(|p| matches!(p, M::Sym(s) if s.class() == Class::Rel))
    }
    match m {
        M::Row(v) if has_rel(v) && !m.is_atomic() => P_REL,
        M::Spaced(v) if v.len() > 1 => {
            if v.iter().any(|p| matches!(p, M::Sym(s) if s.class() == Class::Rel)) {
                P_REL
            } else {
                P_JUX
            }
        }
        M::Macro(_, b) | M::Link(_, b) => prec_of(b),
        _ if m.is_atomic() => P_ATOM,
        _ => P_JUX,
    }
}

pub fn iter_sym(k: IterKind) -> M {
    M::Sym(match k {
        IterKind::Star => Sym::Star,
        IterKind::Opt => Sym::Quest,
        IterKind::Plus => Sym::Plus,
        IterKind::Pow => Sym::Star,
    })
}

/// The symbol of a symbolic atom of a notation (`->`, `|-`, `~>` …).
pub fn atom_sym(a: &str) -> Option<Sym> {
    Some(match a {
        "->" | "->_" => Sym::To,
        "|-" => Sym::Vdash,
        "~>" => Sym::Step,
        "~>*" => Sym::StepStar,
        "<:" => Sym::Sub,
        "~~" => Sym::Approx,
        "=>" => Sym::Implies,
        ".." => Sym::Dots,
        ":" => Sym::Colon,
        ";" => Sym::Semi,
        "," => Sym::Comma,
        _ => return None,
    })
}

impl<'a> Notation<'a> {
    pub fn new(spec: &'a Spec, links: bool) -> Notation<'a> {
        let vars = spec.vars.iter().map(|v| (v.name.as_str(), v)).collect();
        Notation { spec, links, vars, depth: std::cell::Cell::new(0), exp_depth: std::cell::Cell::new(0) }
    }

    fn link(&self, target: String, m: M) -> M {
        if self.links {
            M::Link(target, Box::new(m))
        } else {
            m
        }
    }

    fn def_name_token(&self, name: &str) -> M {
        match self.spec.def_index.get(name).or_else(|| self.spec.def_index.get(&format!("{name}_"))) {
            Some(&id) => self.def_head(id),
            None => M::Func(name.trim_end_matches('_').to_string()),
        }
    }

    fn fill(&self, tpl: &str, args: &[M], style: WordStyle) -> M {
        let d = self.depth.get();
        if d > 8 {
            return M::Empty;
        }
        self.depth.set(d + 1);
        let m = template::fill(&template::parse(tpl), args, style, &|n| self.def_name_token(n));
        self.depth.set(d);
        m
    }

    // -----------------------------------------------------------------------------------------
    // Names

    /// A keyword atom of a notation.
    pub fn atom(&self, a: &str) -> M {
        if let Some(s) = atom_sym(a) {
            return M::Sym(s);
        }
        if !a.is_empty() && a.chars().all(|c| c.is_ascii_digit()) {
            return M::Num(a.to_string());
        }
        M::Atom(a.to_lowercase())
    }

    /// A metavariable: `t_1'` is t′₁; a variable named after a syntax type takes the type's
    /// notation.
    pub fn var(&self, name: &str) -> M {
        let (base_part, sub_part) = match name.find('_') {
            Some(i) if i > 0 => (&name[..i], Some(&name[i + 1..])),
            _ => (name, None),
        };
        let mut primes = base_part.chars().rev().take_while(|c| *c == '\'').count();
        let base = base_part.trim_end_matches('\'');
        let sub = sub_part.map(|s| {
            primes += s.chars().rev().take_while(|c| *c == '\'').count();
            s.trim_end_matches('\'')
        });
        let mut m = self.var_base(if base.is_empty() { base_part } else { base });
        if primes > 0 {
            m = M::Primes(Box::new(m), primes);
        }
        if let Some(s) = sub {
            if !s.is_empty() {
                let parts: Vec<M> = s
                    .split('_')
                    .filter(|p| !p.is_empty())
                    .map(|p| if p.chars().all(|c| c.is_ascii_digit()) { M::Num(p.to_string()) } else { self.var_base(p) })
                    .collect();
                m = M::sub(m, M::sep(parts, Sym::Comma));
            }
        }
        m
    }

    fn var_base(&self, base: &str) -> M {
        if let Some(v) = self.vars.get(base) {
            if let Some(t) = hint_str(&v.hints, "show") {
                return self.fill(&t, &[], WordStyle::Italic);
            }
            if let Some(mac) = hint_str(&v.hints, "macro").filter(|m| is_macro_name(m)) {
                return M::Macro(macro_name(&mac), Box::new(M::Var(base.to_string())));
            }
        }
        if let Some(&id) = self.spec.type_index.get(base) {
            if let Some(t) = self.spec.types.get(id) {
                if t.params.is_empty() {
                    if let Some(tpl) = hint_str(&t.hints, "show") {
                        // For a type without parameters, `%` is the rest of its name (`I%` for
                        // `Inn` is i followed by an italic nn).
                        let rest: String = base.chars().skip(1).collect();
                        return self.fill(&tpl, &[M::Var(rest)], WordStyle::Italic);
                    }
                }
            }
        }
        M::Var(base.to_string())
    }

    /// A syntax type's name applied to rendered arguments.
    pub fn type_name(&self, id: TypeId, args: Vec<M>) -> M {
        let Some(t) = self.spec.types.get(id) else { return M::Var("?".into()) };
        let m = if let Some(tpl) = hint_str(&t.hints, "show") {
            let args = if t.params.is_empty() { vec![M::Var(t.name.chars().skip(1).collect())] } else { args };
            self.fill(&tpl, &args, WordStyle::Italic)
        } else {
            let stripped = t.name.trim_end_matches('_');
            let k = t.name.len() - stripped.len();
            let head = match hint_str(&t.hints, "macro").filter(|m| is_macro_name(m)) {
                Some(mac) => M::Macro(macro_name(&mac), Box::new(M::Var(stripped.to_string()))),
                None => M::Var(if stripped.is_empty() { t.name.clone() } else { stripped.to_string() }),
            };
            if args.is_empty() {
                head
            } else if k > 0 {
                M::sub(head, M::sep(args, Sym::Comma))
            } else {
                M::row(vec![head, M::paren(M::sep(args, Sym::Comma))])
            }
        };
        self.link(format!("syntax:{}", t.name), m)
    }

    /// A meta-level type.
    pub fn ty(&self, t: &Ty) -> M {
        match t {
            Ty::Nat => M::Sym(Sym::Nat),
            Ty::Int => M::Sym(Sym::Int),
            Ty::Rat => M::Sym(Sym::Rat),
            Ty::Bool => M::Sym(Sym::Bool),
            Ty::Text => M::Var("text".into()),
            Ty::Named(id, args) => {
                let a = args.iter().map(|e| self.exp(e)).collect();
                self.type_name(*id, a)
            }
            Ty::Iter(inner, k) => {
                let base = self.ty(inner);
                let base = if base.is_atomic() { base } else { M::paren(base) };
                M::sup(base, iter_sym(*k))
            }
            Ty::Tuple(ts) => M::paren(M::sep(ts.iter().map(|t| self.ty(t)).collect(), Sym::Comma)),
            Ty::Param(p) => M::Var(p.clone()),
            Ty::Error => M::Var("?".into()),
        }
    }

    /// A definition's name, as it heads a call.
    pub fn def_head(&self, id: DefId) -> M {
        let Some(d) = self.spec.defs.get(id) else { return M::Func("?".into()) };
        let stripped = d.name.trim_end_matches('_');
        let stripped = if stripped.is_empty() { d.name.as_str() } else { stripped };
        let head = if stripped.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_') && stripped.chars().any(|c| c.is_ascii_uppercase()) {
            M::Atom(stripped.to_lowercase())
        } else {
            M::Func(stripped.to_string())
        };
        match hint_str(&d.hints, "macro").filter(|m| is_macro_name(m)) {
            Some(mac) => M::Macro(macro_name(&mac), Box::new(head)),
            None => head,
        }
    }

    /// A call of a definition with rendered arguments.
    pub fn call(&self, id: DefId, args: Vec<M>) -> M {
        let Some(d) = self.spec.defs.get(id) else { return M::Func("?".into()) };
        if let Some(tpl) = hint_str(&d.hints, "show") {
            let m = self.fill(&tpl, &args, WordStyle::Upright);
            return self.link(format!("def:{}", d.name), m);
        }
        let k = d.name.len() - d.name.trim_end_matches('_').len();
        let nsub = k.saturating_sub(d.type_params.len()).min(args.len());
        let head = self.link(format!("def:{}", d.name), self.def_head(id));
        let mut args = args;
        let rest = args.split_off(nsub);
        let head = if args.is_empty() { head } else { M::sub(head, M::sep(args, Sym::Comma)) };
        if rest.is_empty() && (d.params.len() <= nsub) {
            head
        } else {
            M::row(vec![head, M::paren(M::sep(rest, Sym::Comma))])
        }
    }

    /// A grammar's nonterminal applied to rendered arguments.
    pub fn gram_name(&self, id: GramId, args: Vec<M>) -> M {
        let Some(g) = self.spec.grammars.get(id) else { return M::Tt("?".into()) };
        let m = match hint_str(&g.hints, "show") {
            Some(tpl) => self.fill(&tpl, &args, WordStyle::Italic),
            None => {
                let head = M::Tt(nonterminal(&g.name));
                if args.is_empty() {
                    head
                } else {
                    M::row(vec![head, M::paren(M::sep(args, Sym::Comma))])
                }
            }
        };
        self.link(format!("grammar:{}", g.name), m)
    }

    // -----------------------------------------------------------------------------------------
    // Constructors and notations

    /// The case a constructor expression refers to.
    pub fn case(&self, ty: TypeId, inst: Option<usize>, case: usize) -> Option<&'a Case> {
        let def = self.spec.types.get(ty)?;
        let body = match (inst, &def.body) {
            (Some(i), TypeBody::Family(insts)) => &insts.get(i)?.body,
            _ => &def.body,
        };
        match body {
            TypeBody::Variant(cases) => cases.get(case),
            _ => None,
        }
    }

    /// A notation (constructor or relation) with rendered arguments.
    pub fn mixop(&self, m: &Mixop, hints: &[Hint], args: Vec<(M, Prec)>) -> (M, Prec) {
        if let Some(tpl) = hint_str(hints, "show") {
            let args: Vec<M> = args.into_iter().map(|a| wrap(a, P_POW)).collect();
            let r = self.fill(&tpl, &args, WordStyle::Italic);
            let p = prec_of(&r);
            return (r, p);
        }
        let macro_name = hint_str(hints, "macro").filter(|m| is_macro_name(m));
        let symbolic = m.toks.iter().any(|t| matches!(t, Tok::Atom(a) if atom_sym(a).is_some()) || matches!(t, Tok::Sub(..)));
        let visible = m.toks.iter().filter(|t| !matches!(t, Tok::Atom(a) if a.starts_with('_') && a.len() > 1)).count();
        let min = if visible <= 1 {
            0
        } else if symbolic {
            P_JUX
        } else {
            P_POW
        };
        let mut args: Vec<Option<(M, Prec)>> = args.into_iter().map(Some).collect();
        let r = self.toks(&m.toks, &mut args, min, macro_name.as_deref(), true);
        if visible <= 1 {
            if let [Tok::Slot(_)] | [Tok::Atom(_), Tok::Slot(_)] = m.toks.as_slice() {
                if let Some(p) = single_slot_prec(&m.toks, &r) {
                    return (r, p);
                }
            }
        }
        let p = prec_of(&r);
        (r, p)
    }

    fn toks(&self, toks: &[Tok], args: &mut [Option<(M, Prec)>], min: Prec, macro_name: Option<&str>, top: bool) -> M {
        let mut segs: Vec<M> = Vec::new();
        let mut glue = false;
        let push = |segs: &mut Vec<M>, glue: &mut bool, m: M| {
            if m.is_empty() {
                return;
            }
            if *glue {
                if let Some(last) = segs.pop() {
                    segs.push(M::row(vec![last, m]));
                } else {
                    segs.push(m);
                }
                *glue = false;
            } else {
                segs.push(m);
            }
        };
        fn take(args: &mut [Option<(M, Prec)>], i: usize, min: Prec) -> M {
            match args.get_mut(i).and_then(|a| a.take()) {
                Some(a) => wrap(a, min),
                None => M::Empty,
            }
        }
        let mut i = 0;
        while i < toks.len() {
            match &toks[i] {
                Tok::Atom(a) if a == "_" => {
                    let m = M::Sym(Sym::Under);
                    if let Some(last) = segs.pop() {
                        segs.push(M::row(vec![last, m]));
                    } else {
                        segs.push(m);
                    }
                    glue = true;
                }
                Tok::Atom(a) if a.starts_with('_') && a.len() > 1 => {}
                Tok::Atom(a) if a.ends_with('_') && a.len() > 1 && matches!(toks.get(i + 1), Some(Tok::Slot(_))) => {
                    let head = self.head_atom(a.trim_end_matches('_'), macro_name, top && i == 0);
                    let Some(Tok::Slot(j)) = toks.get(i + 1) else { unreachable!() };
                    let s = take(args, *j, 0);
                    push(&mut segs, &mut glue, M::sub(head, s));
                    i += 1;
                }
                Tok::Atom(a) => {
                    let m = self.head_atom(a, macro_name, top && i == 0);
                    push(&mut segs, &mut glue, m);
                }
                Tok::Slot(j) => {
                    // The last argument of a notation needs no parentheses for a juxtaposition:
                    // nothing follows it (`label_n{instr*} val* instr*`).
                    let last = top && i + 1 == toks.len() && min == P_POW;
                    let m = take(args, *j, if last { P_JUX } else { min });
                    push(&mut segs, &mut glue, m);
                }
                Tok::Sub(a, inner) => {
                    let s = self.toks(inner, args, 0, None, false);
                    // An empty subscript is not written (`->_(eps)` is a plain arrow).
                    let s = if s == M::Sym(Sym::Eps) { M::Empty } else { s };
                    let base = self.atom(a);
                    push(&mut segs, &mut glue, M::sub(base, s));
                }
                Tok::Bracket(b, inner) => {
                    let s = self.toks(inner, args, 0, None, false);
                    let (o, c) = match b {
                        crate::ast::Bracket::Brace => (Sym::LBrace, Sym::RBrace),
                        crate::ast::Bracket::Square => (Sym::LBrack, Sym::RBrack),
                    };
                    // A bracket follows what precedes it without space (`label_n{instr*}`).
                    let group = M::Row(vec![M::Sym(o), s, M::Sym(c)]);
                    match segs.pop() {
                        Some(last) if !glue => segs.push(M::row(vec![last, group])),
                        Some(last) => {
                            segs.push(last);
                            push(&mut segs, &mut glue, group);
                        }
                        None => segs.push(group),
                    }
                }
            }
            i += 1;
        }
        M::spaced(segs)
    }

    fn head_atom(&self, a: &str, macro_name: Option<&str>, is_head: bool) -> M {
        let m = self.atom(a);
        match macro_name {
            Some(name) if is_head => M::Macro(self::macro_name(name), Box::new(m)),
            _ => m,
        }
    }

    /// A constructor applied to rendered arguments.
    pub fn con(&self, ty: TypeId, inst: Option<usize>, case: usize, args: Vec<(M, Prec)>) -> (M, Prec) {
        match self.case(ty, inst, case) {
            Some(Case { kind: CaseKind::Con(m), hints, .. }) => self.mixop(m, hints, args),
            _ => (M::Var("?".into()), P_ATOM),
        }
    }

    /// A relation's notation with rendered arguments.
    pub fn rel_args(&self, rel: RelId, args: Vec<M>) -> M {
        let Some(r) = self.spec.relations.get(rel) else { return M::Var("?".into()) };
        let args: Vec<(M, Prec)> = args.into_iter().map(|m| {
            let p = prec_of(&m);
            // A judgement's positions need no parentheses for what binds tighter than `:`.
            (m, if p >= P_REL { P_ATOM } else { p })
        }).collect();
        self.mixop(&r.notation, &r.hints, args).0
    }

    pub fn rel(&self, rel: RelId, args: &[Exp]) -> M {
        let args = args.iter().map(|e| self.exp(e)).collect();
        self.rel_args(rel, args)
    }

    // -----------------------------------------------------------------------------------------
    // Expressions

    pub fn exp(&self, e: &Exp) -> M {
        self.ex(e).0
    }

    /// An expression as an element of a juxtaposition (parenthesised unless atomic).
    pub fn exp_atomic(&self, e: &Exp) -> M {
        wrap(self.ex(e), P_POW)
    }

    pub fn ex(&self, e: &Exp) -> (M, Prec) {
        // Formulas nested deeper than anyone reads are cut, so that no input exhausts the stack.
        let d = self.exp_depth.get();
        if d > MAX_DEPTH {
            return (M::Sym(Sym::Dots), P_ATOM);
        }
        self.exp_depth.set(d + 1);
        let r = self.ex_inner(e);
        self.exp_depth.set(d);
        r
    }

    fn ex_inner(&self, e: &Exp) -> (M, Prec) {
        match &e.kind {
            ExpKind::Var(v) => (self.var(v), P_ATOM),
            ExpKind::Num(n) => {
                let s = n.to_string();
                let p = if s.starts_with('-') { P_NEG } else { P_ATOM };
                (M::Num(s), p)
            }
            ExpKind::Text(t) => (M::Text(t.clone()), P_ATOM),
            ExpKind::Bool(b) => (M::Atom(b.to_string()), P_ATOM),
            ExpKind::Con { ty, inst, case, args } => {
                // An absent optional argument is not written.
                let args = args
                    .iter()
                    .map(|a| match (&a.kind, &a.ty) {
                        (ExpKind::List(x), Ty::Iter(_, IterKind::Opt)) if x.is_empty() => (M::Empty, P_ATOM),
                        _ => self.ex(a),
                    })
                    .collect();
                self.con(*ty, *inst, *case, args)
            }
            ExpKind::Tuple(xs) => (M::paren(M::sep(xs.iter().map(|x| self.exp(x)).collect(), Sym::Comma)), P_ATOM),
            ExpKind::Record(fs) => {
                let parts: Vec<M> = fs
                    .iter()
                    .filter(|(_, v)| !matches!(&v.kind, ExpKind::List(x) if x.is_empty()))
                    .map(|(n, v)| M::spaced(vec![M::Atom(n.to_lowercase()), self.exp(v)]))
                    .collect();
                (M::Row(vec![M::Sym(Sym::LBrace), M::sep(parts, Sym::Comma), M::Sym(Sym::RBrace)]), P_ATOM)
            }
            ExpKind::List(xs) if xs.is_empty() => (M::Sym(Sym::Eps), P_ATOM),
            ExpKind::List(xs) if xs.len() == 1 && !is_seq(&xs[0]) => self.ex(&xs[0]),
            ExpKind::List(xs) => (M::spaced(xs.iter().map(|x| self.item(x)).collect()), P_JUX),
            ExpKind::Cat(xs) => {
                if is_record(&e.ty, self.spec) {
                    let parts: Vec<M> = xs.iter().map(|x| wrap(self.ex(x), P_MUL)).collect();
                    (M::sep(parts, Sym::Cat), P_ADD)
                } else {
                    // Parts that are sequences written out are spliced in.
                    let mut parts: Vec<M> = Vec::new();
                    self.cat_parts(xs, &mut parts);
                    let m = M::spaced(parts);
                    let p = if matches!(m, M::Spaced(_)) { P_JUX } else { prec_of(&m) };
                    (m, p)
                }
            }
            ExpKind::Some(x) => self.ex(x),
            ExpKind::Sub(x, _) => self.ex(x),
            ExpKind::Iter(body, spec) => {
                let b = self.ex(body);
                let base = if b.1 >= P_ATOM && b.0.is_atomic() { b.0 } else { M::paren(b.0) };
                (M::sup(base, self.iter_spec(spec)), P_ATOM)
            }
            ExpKind::Call(id, args) => {
                let args = args.iter().map(|a| self.exp(a)).collect();
                let m = self.call(*id, args);
                let p = prec_of(&m);
                (m, p)
            }
            ExpKind::Field(x, f) => (M::row(vec![wrap(self.ex(x), P_ATOM), M::Sym(Sym::Dot), M::Atom(f.to_lowercase())]), P_ATOM),
            ExpKind::Index(x, i) => (M::row(vec![wrap(self.ex(x), P_ATOM), M::Sym(Sym::LBrack), self.exp(i), M::Sym(Sym::RBrack)]), P_ATOM),
            ExpKind::Slice(x, i, n) => (
                M::row(vec![wrap(self.ex(x), P_ATOM), M::Sym(Sym::LBrack), self.exp(i), M::Sym(Sym::Colon), self.exp(n), M::Sym(Sym::RBrack)]),
                P_ATOM,
            ),
            ExpKind::Update(x, path, op, v) => {
                let mut parts = vec![wrap(self.ex(x), P_ATOM), M::Sym(Sym::LBrack)];
                parts.push(self.path(path));
                parts.push(M::Sym(if *op == UpdateOp::Extend { Sym::ExtendEq } else { Sym::Eq }));
                parts.push(self.exp(v));
                parts.push(M::Sym(Sym::RBrack));
                (M::row(parts), P_ATOM)
            }
            ExpKind::Len(x) => (M::row(vec![M::Sym(Sym::Bar0), self.exp(x), M::Sym(Sym::Bar0)]), P_ATOM),
            ExpKind::Not(x) => (M::row(vec![M::Sym(Sym::Not), wrap(self.ex(x), P_NOT)]), P_NOT),
            ExpKind::Neg(x) => (M::row(vec![M::Sym(Sym::Minus0), wrap(self.ex(x), P_NEG + 1)]), P_NEG),
            ExpKind::Bin(op, a, b) => self.bin(*op, a, b),
            ExpKind::Cmp(op, a, b) => {
                let s = match op {
                    CmpOp::Eq => Sym::Eq,
                    CmpOp::Ne => Sym::Ne,
                    CmpOp::Lt => Sym::Lt,
                    CmpOp::Gt => Sym::Gt,
                    CmpOp::Le => Sym::Le,
                    CmpOp::Ge => Sym::Ge,
                    CmpOp::In => Sym::In,
                };
                (M::infix(wrap(self.ex(a), P_ADD), s, wrap(self.ex(b), P_ADD)), P_REL)
            }
        }
    }

    fn cat_parts(&self, xs: &[Exp], out: &mut Vec<M>) {
        for x in xs {
            match &x.kind {
                ExpKind::List(items) if !items.is_empty() => out.extend(items.iter().map(|i| self.item(i))),
                ExpKind::Cat(inner) if !is_record(&x.ty, self.spec) => self.cat_parts(inner, out),
                ExpKind::List(_) if xs.len() > 1 => {}
                _ => out.push(self.exp_atomic(x)),
            }
        }
    }

    /// An element of a sequence: a sequence as an element is parenthesised (`(w*) (w'*)*`).
    fn item(&self, x: &Exp) -> M {
        if is_seq(x) {
            let (m, _) = self.ex(x);
            M::paren(m)
        } else {
            self.exp_atomic(x)
        }
    }

    fn bin(&self, op: BinOp, a: &Exp, b: &Exp) -> (M, Prec) {
        let (s, p, lmin, rmin) = match op {
            BinOp::Or => (Sym::Or, P_OR, P_OR, P_AND),
            BinOp::And => (Sym::And, P_AND, P_AND, P_NOT),
            BinOp::Add => (Sym::Plus, P_ADD, P_ADD, P_MUL),
            BinOp::Sub => (Sym::Minus, P_ADD, P_ADD, P_MUL),
            BinOp::Mul => (Sym::Times, P_MUL, P_MUL, P_NEG),
            BinOp::Div => (Sym::Div, P_MUL, P_MUL, P_NEG),
            BinOp::Mod => (Sym::Mod, P_MUL, P_MUL, P_NEG),
            BinOp::Pow => {
                let base = wrap(self.ex(a), P_ATOM);
                // A power's base that is itself a power or an iteration needs parentheses.
                let base = if matches!(base, M::Sup(..)) { M::paren(base) } else { base };
                return (M::sup(base, self.exp(b)), P_POW);
            }
        };
        (M::infix(wrap(self.ex(a), lmin), s, wrap(self.ex(b), rmin)), p)
    }

    fn path(&self, path: &[Path]) -> M {
        let mut parts = Vec::new();
        for p in path {
            match p {
                Path::Field(f) => {
                    parts.push(M::Sym(Sym::Dot));
                    parts.push(M::Atom(f.to_lowercase()));
                }
                Path::Index(i) => parts.extend([M::Sym(Sym::LBrack), self.exp(i), M::Sym(Sym::RBrack)]),
                Path::Slice(i, n) => parts.extend([M::Sym(Sym::LBrack), self.exp(i), M::Sym(Sym::Colon), self.exp(n), M::Sym(Sym::RBrack)]),
            }
        }
        M::row(parts)
    }

    pub fn iter_spec(&self, s: &IterSpec) -> M {
        match (&s.kind, &s.count, &s.index) {
            (IterKind::Pow, Some(c), Some(i)) => M::row(vec![self.var(i), M::Sym(Sym::Lt), self.exp(c)]),
            (IterKind::Pow, Some(c), None) => self.exp(c),
            (k, _, _) => iter_sym(*k),
        }
    }

    // -----------------------------------------------------------------------------------------
    // Premises

    pub fn premise(&self, p: &Premise) -> M {
        match &p.kind {
            PremiseKind::If { exp, .. } => self.exp(exp),
            PremiseKind::Otherwise => M::Word("otherwise".into()),
            PremiseKind::Rel { rel, args, .. } => self.rel(*rel, args),
            PremiseKind::Iter { premise, iter } => {
                let inner = self.premise(premise);
                M::sup(M::paren(inner), self.iter_spec(iter))
            }
        }
    }

    // -----------------------------------------------------------------------------------------
    // Declarations

    /// A syntax case with its slots shown as their types (or the variable names written in the
    /// case, `numtype_1`).
    pub fn case_form(&self, c: &Case) -> M {
        match &c.kind {
            CaseKind::Include(t) => self.ty(t),
            CaseKind::Con(m) => {
                let args: Vec<(M, Prec)> = m
                    .slots
                    .iter()
                    .enumerate()
                    .map(|(i, t)| {
                        let name = m.slot_names.get(i).cloned().flatten();
                        let r = self.slot_form(t, name.as_deref());
                        let p = prec_of(&r);
                        (r, p)
                    })
                    .collect();
                self.mixop(m, &c.hints, args).0
            }
        }
    }

    /// A slot of a case: its type, or the variable the case names it by when that differs from
    /// the type's name.
    pub fn slot_form(&self, t: &Ty, name: Option<&str>) -> M {
        let mut iters = Vec::new();
        let mut inner = t;
        while let Ty::Iter(x, k) = inner {
            iters.push(*k);
            inner = x;
        }
        if let Some(n) = name {
            let base = n.split('_').next().unwrap_or(n).trim_end_matches('\'');
            // A declared metavariable (`NORM m e`), or a type's name with a subscript or prime.
            let named_type = match inner {
                Ty::Named(id, args) => args.is_empty() && self.spec.types.get(*id).is_some_and(|td| base == td.name && n != td.name),
                _ => false,
            };
            if named_type || (self.vars.contains_key(base) && !self.spec.type_index.contains_key(base)) {
                let mut m = self.var(n);
                for k in iters.iter().rev() {
                    m = M::sup(m, iter_sym(*k));
                }
                return m;
            }
        }
        self.ty(t)
    }

    /// The left side of a syntax definition: the type's name with its parameters.
    pub fn type_lhs(&self, id: TypeId) -> M {
        let Some(t) = self.spec.types.get(id) else { return M::Var("?".into()) };
        let args = t.params.iter().map(|(n, _)| self.var(n)).collect();
        self.type_name(id, args)
    }

    /// A definition's signature: `size(numtype) : ℕ`.
    pub fn def_sig(&self, id: DefId) -> M {
        let Some(d) = self.spec.defs.get(id) else { return M::Empty };
        let args = d
            .params
            .iter()
            .map(|(n, t)| match n {
                Some(n) => self.var(n),
                None => self.ty(t),
            })
            .collect();
        let head = self.call(id, args);
        M::infix(head, Sym::Colon, self.ty(&d.result))
    }

    /// A grammar symbol.
    pub fn sym(&self, s: &crate::ir::Sym) -> M {
        self.sym_p(s).0
    }

    fn sym_p(&self, s: &crate::ir::Sym) -> (M, Prec) {
        let d = self.exp_depth.get();
        if d > MAX_DEPTH {
            return (M::Sym(Sym::Dots), P_ATOM);
        }
        self.exp_depth.set(d + 1);
        let r = self.sym_inner(s);
        self.exp_depth.set(d);
        r
    }

    fn sym_inner(&self, s: &crate::ir::Sym) -> (M, Prec) {
        match &s.kind {
            SymKind::Byte(b) => (M::Tt(format!("0x{b:02X}")), P_ATOM),
            SymKind::Range(a, b) => (M::row(vec![M::Tt(format!("0x{a:02X}")), M::Sym(Sym::Dots), M::Tt(format!("0x{b:02X}"))]), P_JUX),
            SymKind::Text(t) => (M::Text(t.clone()), P_ATOM),
            SymKind::Eps => (M::Sym(Sym::Eps), P_ATOM),
            SymKind::NonTerm(r, args) => {
                let args: Vec<M> = args
                    .iter()
                    .map(|a| match a {
                        SymArg::Value(e) => self.exp(e),
                        SymArg::Grammar(g) => self.sym(g),
                    })
                    .collect();
                let m = match r {
                    NonTermRef::Grammar(id) => self.gram_name(*id, args),
                    NonTermRef::Param(p) => {
                        let head = M::Tt(nonterminal(p));
                        if args.is_empty() {
                            head
                        } else {
                            M::row(vec![head, M::paren(M::sep(args, Sym::Comma))])
                        }
                    }
                };
                (m, P_ATOM)
            }
            SymKind::Bind(e, s) => {
                let pat = wrap(self.ex(e), P_ATOM);
                let sym = wrap(self.sym_p(s), P_ATOM);
                (M::row(vec![pat, M::Sym(Sym::TightColon), sym]), P_ATOM)
            }
            SymKind::Seq(xs) => {
                let m = M::spaced(xs.iter().map(|x| wrap(self.sym_p(x), P_POW)).collect());
                let p = prec_of(&m);
                (m, p)
            }
            SymKind::Alt(xs) => (M::sep(xs.iter().map(|x| wrap(self.sym_p(x), P_JUX)).collect(), Sym::Bar), P_OR),
            SymKind::Iter(inner, spec) => {
                let b = self.sym_p(inner);
                let base = if b.1 >= P_ATOM && b.0.is_atomic() { b.0 } else { M::paren(b.0) };
                (M::sup(base, self.iter_spec(spec)), P_ATOM)
            }
        }
    }

    /// A grammar's left side: its nonterminal with its parameters.
    pub fn gram_lhs(&self, id: GramId) -> M {
        let Some(g) = self.spec.grammars.get(id) else { return M::Tt("?".into()) };
        let args = g
            .params
            .iter()
            .map(|p| match p {
                GramParam::Value(n, _) => self.var(n),
                GramParam::Grammar(n, _) => M::Tt(nonterminal(n)),
            })
            .collect();
        self.gram_name(id, args)
    }
}

/// The nonterminal of a grammar name: `Bnumtype` is `numtype` (binary grammars are named with a
/// `B` prefix, which the standard does not write).
pub fn nonterminal(name: &str) -> String {
    match name.strip_prefix('B') {
        Some(rest) if rest.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_uppercase()) => rest.to_string(),
        _ => name.to_string(),
    }
}

fn single_slot_prec(toks: &[Tok], r: &M) -> Option<Prec> {
    let _ = toks;
    Some(prec_of(r))
}

/// The LaTeX macro of `hint(macro "name")`: `\wsname`, prefixed so that it cannot clash with
/// LaTeX's own commands.
pub fn macro_name(name: &str) -> String {
    format!("ws{name}")
}

/// A LaTeX macro name given by a hint: letters only.
pub fn is_macro_name(s: &str) -> bool {
    !s.is_empty() && s.len() <= 40 && s.chars().all(|c| c.is_ascii_alphabetic())
}

/// Whether an expression is a sequence (as an element of a sequence of sequences).
fn is_seq(e: &Exp) -> bool {
    match &e.ty {
        Ty::Iter(_, k) => *k != IterKind::Opt,
        _ => false,
    }
}

fn is_record(t: &Ty, spec: &Spec) -> bool {
    match t {
        Ty::Named(id, _) => match spec.types.get(*id).map(|t| &t.body) {
            Some(TypeBody::Record(_)) => true,
            Some(TypeBody::Alias(inner)) => is_record(inner, spec),
            _ => false,
        },
        _ => false,
    }
}

/// Whether a hint list marks something.
pub fn marked(hints: &[Hint], name: &str) -> bool {
    has_hint(hints, name)
}

impl<'a> Notation<'a> {
    /// A relation's conclusion split at its arrow (`~>`, `~>*`) when it has one: the left side,
    /// the arrow and the right side.
    pub fn rel_split(&self, rel: RelId, args: &[Exp]) -> Option<(M, M, M)> {
        let r = self.spec.relations.get(rel)?;
        let at = r.notation.toks.iter().position(|t| matches!(t, Tok::Atom(a) if a == "~>" || a == "~>*"))?;
        let mut rendered: Vec<Option<(M, Prec)>> = args
            .iter()
            .map(|e| {
                let (m, p) = self.ex(e);
                Some((m, if p >= P_REL { P_ATOM } else { p }))
            })
            .collect();
        let toks = &r.notation.toks;
        let lhs = self.toks(&toks[..at], &mut rendered, P_REL, None, false);
        let arrow = self.toks(&toks[at..at + 1], &mut rendered, P_REL, None, false);
        let rhs = self.toks(&toks[at + 1..], &mut rendered, P_REL, None, false);
        Some((lhs, arrow, rhs))
    }

    /// Whether a relation is a reduction (its notation has `~>`, or it carries `hint(step)`).
    pub fn is_reduction(&self, rel: RelId) -> bool {
        self.spec.relations.get(rel).is_some_and(|r| {
            has_hint(&r.hints, "step") || r.notation.toks.iter().any(|t| matches!(t, Tok::Atom(a) if a == "~>" || a == "~>*"))
        })
    }

    /// A relation's judgement form, its positions shown as their types.
    pub fn rel_form(&self, rel: RelId) -> M {
        let Some(r) = self.spec.relations.get(rel) else { return M::Empty };
        let args = r.notation.slots.iter().enumerate().map(|(i, t)| {
            let name = r.notation.slot_names.get(i).cloned().flatten();
            self.slot_form(t, name.as_deref())
        }).collect();
        self.rel_args(rel, args)
    }
}
