//! Passes 2 to 4: declarations.

use super::exp::{flatten, is_atom_name, MItem};
use super::{Elab, Scope, R};
use crate::ast::{self, Span};
use crate::diag::{suggest, Diagnostic};
use crate::ir::*;
use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};

/// A syntax case whose premises wait for definition signatures (pass 4).
pub(crate) struct PendingCase<'a> {
    pub ty: TypeId,
    pub inst: Option<usize>,
    pub case: usize,
    pub premises: &'a [ast::Premise],
    pub scope: Scope,
    pub bound: Vec<String>,
}

/// The `case` of a pending entry that holds a range's premises.
const RANGE: usize = usize::MAX;

const BUILTIN_TYPES: [&str; 5] = ["nat", "int", "rat", "bool", "text"];

/// Levenshtein distance, ignoring case as `suggest` does.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diag = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let sub = diag + usize::from(!ca.eq_ignore_ascii_case(cb));
            diag = row[j + 1];
            row[j + 1] = sub.min(row[j] + 1).min(row[j + 1] + 1);
        }
    }
    row[b.len()]
}

fn iter_kind(it: &ast::Iter) -> IterKind {
    match it {
        ast::Iter::Star => IterKind::Star,
        ast::Iter::Opt => IterKind::Opt,
        ast::Iter::Plus => IterKind::Plus,
        ast::Iter::Pow(_) | ast::Iter::PowIndexed(..) => IterKind::Pow,
    }
}

impl<'s> Elab<'s> {
    // -----------------------------------------------------------------------------------------
    // Types of declarations

    fn is_type_name(&self, sc: &Scope, name: &str) -> bool {
        BUILTIN_TYPES.contains(&name)
            || self.spec.type_index.contains_key(name)
            || sc.type_params.contains(name)
            || (self.poisoned.contains(name) && !is_atom_name(name))
    }

    /// A type written in a declaration: `valtype`, `instr*`, `num_(numtype)`, `(valtype*)?`.
    pub(crate) fn type_item(&self, sc: &mut Scope, it: &ast::TypItem) -> R<Ty> {
        let mut ty = match &it.kind {
            ast::TypItemKind::Name(id, args) => self.type_name(sc, id, args.as_deref())?,
            ast::TypItemKind::Paren(parts) => match parts.len() {
                0 => Ty::Tuple(Vec::new()),
                1 => self.type_seq(sc, &parts[0], it.span)?,
                _ => Ty::Tuple(parts.iter().map(|p| self.type_seq(sc, p, it.span)).collect::<R<_>>()?),
            },
            _ => {
                return Err(Diagnostic::error(format!("expected a type, found `{it}`"))
                    .at(it.span, "not a type")
                    .help("atoms and symbols belong in syntax cases and relation notations"))
            }
        };
        for (iter, _) in &it.iters {
            ty = ty.iter(iter_kind(iter));
        }
        Ok(ty)
    }

    /// A type given as a sequence that must be one type.
    pub(crate) fn type_seq(&self, sc: &mut Scope, items: &[ast::TypItem], span: Span) -> R<Ty> {
        match items {
            [one] => self.type_item(sc, one),
            [] => Err(Diagnostic::error("expected a type").at(span, "missing type")),
            [first, ..] => {
                let whole = first.span.to(items.last().unwrap().span);
                Err(Diagnostic::error("expected one type, found a notation")
                    .at(whole, "not a single type")
                    .help("declare the notation as a syntax type and use its name here"))
            }
        }
    }

    fn type_name(&self, sc: &mut Scope, id: &ast::Ident, args: Option<&[ast::Exp]>) -> R<Ty> {
        let name = id.name.as_str();
        let no_args = |ty: Ty| -> R<Ty> {
            if args.is_some() {
                Err(Diagnostic::error(format!("type `{name}` takes no arguments")).at(id.span, "has no parameters"))
            } else {
                Ok(ty)
            }
        };
        match name {
            "nat" => return no_args(Ty::Nat),
            "int" => return no_args(Ty::Int),
            "rat" => return no_args(Ty::Rat),
            "bool" => return no_args(Ty::Bool),
            "text" => return no_args(Ty::Text),
            _ => {}
        }
        if sc.type_params.contains(name) {
            return no_args(Ty::Param(name.to_string()));
        }
        let Some(&tid) = self.spec.type_index.get(name) else {
            if self.poisoned.contains(name) {
                return Ok(Ty::Error);
            }
            let mut d = Diagnostic::error(format!("unknown syntax type `{name}`")).at(id.span, "not declared");
            let names: Vec<&str> =
                self.spec.type_index.keys().map(|s| s.as_str()).chain(BUILTIN_TYPES).collect();
            let mut best = suggest(name, names);
            // Inside a type's own definition, its name wins a tie (`comptyp` in `comptype`'s cases
            // means `comptype` rather than an equally close `comptyp2`).
            if let (Some(own), Some(b)) = (sc.defining.map(|i| self.spec.types[i].name.as_str()), &best) {
                if suggest(name, [own]).is_some() && edit_distance(name, own) <= edit_distance(name, b) {
                    best = Some(own.to_string());
                }
            }
            if let Some(s) = best {
                d = d.help(format!("did you mean `{s}`?"));
            }
            return Err(d);
        };
        let arity = self.arity.get(&tid).copied().unwrap_or(0);
        let given = args.map(|a| a.len()).unwrap_or(0);
        if given != arity {
            let def = &self.spec.types[tid];
            let msg = if arity == 0 {
                format!("type `{name}` takes no arguments")
            } else {
                format!("type `{name}` takes {arity} argument{}, but {given} {} given", if arity == 1 { "" } else { "s" }, if given == 1 { "was" } else { "were" })
            };
            return Err(Diagnostic::error(msg).at(id.span, "wrong number of arguments").with(def.span, "declared here"));
        }
        let mut xs = Vec::new();
        for a in args.unwrap_or(&[]) {
            let x = match self.infer(sc, a) {
                Ok(x) => x,
                Err(d) => return Err(d),
            };
            xs.push(x);
        }
        Ok(Ty::Named(tid, xs))
    }

    /// Reads a notation: atoms become tokens, types become slots.
    fn template(
        &self,
        sc: &mut Scope,
        items: &[ast::TypItem],
        toks: &mut Vec<Tok>,
        slots: &mut Vec<Ty>,
        names: &mut Vec<Option<String>>,
    ) -> R<()> {
        for it in items {
            match &it.kind {
                ast::TypItemKind::Name(id, None)
                    if !self.is_type_name(sc, &id.name) && !self.var_index.contains_key(&id.name) && is_atom_name(&id.name) =>
                {
                    if let Some((_, s)) = it.iters.first() {
                        return Err(Diagnostic::error(format!("the atom `{}` cannot be iterated", id.name))
                            .at(*s, "iterator on an atom")
                            .help(format!("declare a type for it (`syntax x = {}`) and iterate that", id.name)));
                    }
                    toks.push(Tok::Atom(id.name.clone()));
                }
                ast::TypItemKind::Name(id, None)
                    if !self.is_type_name(sc, &id.name)
                        && (self.var_index.contains_key(&id.name) || !is_atom_name(&id.name))
                        && self.var_type(sc, &id.name).is_some() =>
                {
                    // A slot named by a variable (`NORM m e`) or a subscripted type name
                    // (`CVTOP numtype_1 numtype_2 ...`) has the variable's type.
                    let mut ty = self.var_type(sc, &id.name).unwrap_or(Ty::Error);
                    for (iter, _) in &it.iters {
                        ty = ty.iter(iter_kind(iter));
                    }
                    toks.push(Tok::Slot(slots.len()));
                    slots.push(ty);
                    names.push(Some(id.name.clone()));
                }
                ast::TypItemKind::Num(n) if it.iters.is_empty() => toks.push(Tok::Atom(n.to_string())),
                ast::TypItemKind::Sym(s, None) => toks.push(Tok::Atom(s.clone())),
                ast::TypItemKind::Sym(s, Some(sub)) => {
                    let mut inner = Vec::new();
                    self.template(sc, sub, &mut inner, slots, names)?;
                    toks.push(Tok::Sub(s.clone(), inner));
                }
                ast::TypItemKind::Bracket(b, sub) => {
                    let mut inner = Vec::new();
                    self.template(sc, sub, &mut inner, slots, names)?;
                    toks.push(Tok::Bracket(*b, inner));
                }
                ast::TypItemKind::Text(_) => {
                    return Err(Diagnostic::error("text cannot appear in a notation").at(it.span, "text literal"))
                }
                _ => {
                    let ty = self.type_item(sc, it)?;
                    toks.push(Tok::Slot(slots.len()));
                    slots.push(ty);
                    names.push(match &it.kind {
                        ast::TypItemKind::Name(id, None) => Some(id.name.clone()),
                        _ => None,
                    });
                }
            }
        }
        Ok(())
    }

    fn mixop_of(&self, sc: &mut Scope, items: &[ast::TypItem]) -> R<Mixop> {
        let (mut toks, mut slots, mut names) = (Vec::new(), Vec::new(), Vec::new());
        self.template(sc, items, &mut toks, &mut slots, &mut names)?;
        Ok(Mixop { toks, slots, slot_names: names })
    }

    // -----------------------------------------------------------------------------------------
    // Pass 2: syntax

    pub(crate) fn syntax_pass<'a>(&mut self, decls: &[(usize, &'a ast::Decl)], pending: &mut Vec<PendingCase<'a>>) {
        // Fragments extend a variant declared by its own `syntax X`; a fragment of a name that
        // nothing declares is likely misspelt, and would otherwise quietly make a new type.
        let declared: HashSet<&str> = decls
            .iter()
            .filter_map(|(_, d)| match &d.kind {
                ast::DeclKind::Syntax(s) if s.fragment.is_none() => Some(s.name.name.as_str()),
                _ => None,
            })
            .collect();
        let mut reported = HashSet::new();
        for &(_, d) in decls {
            if let ast::DeclKind::Syntax(s) = &d.kind {
                if let Some(frag) = &s.fragment {
                    let name = s.name.name.as_str();
                    if !declared.contains(name) && !self.poisoned.contains(name) && reported.insert(name) {
                        let declare = format!("declare `syntax {name}` first; fragments then add its cases");
                        let help = match suggest(name, declared.iter().copied()) {
                            Some(similar) => format!("did you mean `{similar}/{}`? Otherwise {declare}", frag.name),
                            None => declare,
                        };
                        self.error(
                            Diagnostic::error(format!("fragment `{name}/{}` of a syntax type that is never declared", frag.name))
                                .at(s.name.span.to(frag.span), format!("`{name}` is declared nowhere"))
                                .help(help),
                        );
                    }
                }
                if let Err(diag) = self.syntax_decl(s, d.span, pending) {
                    self.error(diag);
                    let id = self.spec.type_index[&s.name.name];
                    if matches!(self.spec.types[id].body, TypeBody::Pending) {
                        self.poisoned.insert(s.name.name.clone());
                    }
                }
            }
        }
    }

    fn syntax_decl<'a>(&mut self, s: &'a ast::SyntaxDecl, span: Span, pending: &mut Vec<PendingCase<'a>>) -> R<()> {
        let id = self.spec.type_index[&s.name.name];
        let name = s.name.name.clone();
        match (&s.params, &s.body, &s.fragment) {
            (None, None, None) => {
                self.spec.types[id].hints.extend(s.hints.iter().cloned());
                self.spec.types[id].span = s.name.span;
                self.item(Item::Syntax(id, None), span);
            }
            (None, Some(body), None) => {
                if !matches!(self.spec.types[id].body, TypeBody::Pending) {
                    return Err(self.defined_twice(id, s.name.span));
                }
                let mut sc = Scope { defining: Some(id), ..Scope::default() };
                let b = self.type_body(&mut sc, id, None, body, false, pending);
                let t = &mut self.spec.types[id];
                t.body = b;
                t.hints.extend(s.hints.iter().cloned());
                t.span = s.name.span;
                if let ast::SyntaxBody::Record(_, h) | ast::SyntaxBody::Range(_, _, h, _) = body {
                    t.hints.extend(h.iter().cloned());
                }
                self.item(Item::Syntax(id, None), span);
            }
            (None, Some(ast::SyntaxBody::Cases(_)), Some(frag)) => {
                if !matches!(self.spec.types[id].body, TypeBody::Pending | TypeBody::Variant(_)) {
                    return Err(Diagnostic::error(format!("`{name}` is not a variant type, so it has no fragments"))
                        .at(frag.span, "fragment of a non-variant")
                        .with(self.spec.types[id].span, "declared here"));
                }
                if let Some(prev) = self.spec.types[id].fragments.iter().find(|f| f.name == frag.name) {
                    return Err(Diagnostic::error(format!("fragment `{name}/{}` is declared twice", frag.name))
                        .at(frag.span, "declared again here")
                        .with(prev.span, "first declared here"));
                }
                let mut sc = Scope { defining: Some(id), ..Scope::default() };
                let body = s.body.as_ref().unwrap();
                let new = self.type_body(&mut sc, id, None, body, true, pending);
                let TypeBody::Variant(new_cases) = new else { unreachable!("cases elaborate to a variant") };
                let t = &mut self.spec.types[id];
                let cases = match &mut t.body {
                    TypeBody::Variant(c) => c,
                    body => {
                        *body = TypeBody::Variant(Vec::new());
                        match body {
                            TypeBody::Variant(c) => c,
                            _ => unreachable!(),
                        }
                    }
                };
                let start = cases.len();
                // Pending premises refer to cases by index within the fragment; shift them.
                for p in pending.iter_mut().filter(|p| p.ty == id && p.inst.is_none() && p.case >= usize::MAX / 2 && p.case != RANGE) {
                    p.case = p.case - usize::MAX / 2 + start;
                }
                cases.extend(new_cases);
                let end = cases.len();
                let idx = t.fragments.len();
                t.fragments.push(Fragment { name: frag.name.clone(), span: frag.span, hints: s.hints.clone(), cases: start..end });
                self.item(Item::Syntax(id, Some(idx)), span);
            }
            (None, None, Some(frag)) => {
                return Err(Diagnostic::error(format!("fragment `{name}/{}` has no cases", frag.name))
                    .at(frag.span, "expected `= ...`"))
            }
            (None, Some(_), Some(frag)) => {
                return Err(Diagnostic::error("only a variant's cases can be split into fragments")
                    .at(frag.span, "fragment of a record or range"))
            }
            (Some(params), None, None) => {
                if !matches!(self.spec.types[id].body, TypeBody::Pending) {
                    return Err(self.defined_twice(id, s.name.span));
                }
                let mut sc = Scope { defining: Some(id), ..Scope::default() };
                let mut ps = Vec::new();
                for p in params {
                    ps.push(self.param_of(&mut sc, p, "syntax")?);
                }
                let t = &mut self.spec.types[id];
                t.params = ps;
                t.body = TypeBody::Family(Vec::new());
                t.hints.extend(s.hints.iter().cloned());
                t.span = s.name.span;
                self.item(Item::Syntax(id, None), span);
            }
            (Some(params), Some(body), None) => {
                let mut sc = Scope { defining: Some(id), ..Scope::default() };
                let is_family = matches!(self.spec.types[id].body, TypeBody::Family(_));
                let patterns = if is_family && !self.spec.types[id].params.is_empty() {
                    let head: Vec<Ty> = self.spec.types[id].params.iter().map(|(_, t)| t.clone()).collect();
                    if head.len() != params.len() {
                        return Err(Diagnostic::error(format!(
                            "`{name}` has {} parameter{}, but this instance gives {}",
                            head.len(),
                            if head.len() == 1 { "" } else { "s" },
                            params.len()
                        ))
                        .at(s.name.span, "wrong number of patterns")
                        .with(self.spec.types[id].span, "family declared here"));
                    }
                    let mut pats = Vec::new();
                    for (p, t) in params.iter().zip(&head) {
                        pats.push(self.check(&mut sc, p, t)?);
                    }
                    pats
                } else if matches!(self.spec.types[id].body, TypeBody::Pending) {
                    let mut ps = Vec::new();
                    for p in params {
                        ps.push(self.param_of(&mut sc, p, "syntax")?);
                    }
                    let pats = ps
                        .iter()
                        .zip(params)
                        .map(|((n, t), p)| Exp { kind: ExpKind::Var(n.clone()), ty: t.clone(), span: p.span })
                        .collect();
                    self.spec.types[id].params = ps;
                    self.spec.types[id].body = TypeBody::Family(Vec::new());
                    pats
                } else {
                    return Err(self.defined_twice(id, s.name.span));
                };
                let inst = match &self.spec.types[id].body {
                    TypeBody::Family(insts) => insts.len(),
                    _ => 0,
                };
                let bound: Vec<String> = sc.occs.iter().map(|o| o.name.clone()).collect();
                let before = pending.len();
                let b = self.type_body(&mut sc, id, Some(inst), body, false, pending);
                for p in pending[before..].iter_mut() {
                    p.bound.extend(bound.iter().cloned());
                }
                if let TypeBody::Family(insts) = &mut self.spec.types[id].body {
                    insts.push(Instance { patterns, body: b, span });
                }
                if self.spec.types[id].hints.is_empty() {
                    self.spec.types[id].hints = s.hints.clone();
                }
                self.item(Item::Instance(id, inst), span);
            }
            (Some(_), _, Some(frag)) => {
                return Err(Diagnostic::error("a parameterised type cannot be split into fragments")
                    .at(frag.span, "fragment of a family"))
            }
        }
        Ok(())
    }

    fn defined_twice(&self, id: TypeId, at: Span) -> Diagnostic {
        let t = &self.spec.types[id];
        Diagnostic::error(format!("syntax type `{}` is defined twice", t.name))
            .at(at, "defined again here")
            .with(t.span, "first defined here")
            .help(format!("split a variant into fragments with `syntax {}/part = ...`", t.name))
    }

    /// A parameter of a type or grammar, named by a type or a declared variable (`N`, `numtype`).
    fn param_of(&self, sc: &mut Scope, p: &ast::Exp, what: &str) -> R<(String, Ty)> {
        let ast::ExpKind::Ident(n) = &p.kind else {
            return Err(Diagnostic::error(format!("a {what} parameter is a name")).at(p.span, "expected a parameter name"));
        };
        let Some(t) = self.var_type(sc, n) else {
            return Err(Diagnostic::error(format!("cannot tell the type of parameter `{n}`"))
                .at(p.span, "not a type or a declared variable")
                .help(format!("declare it with `var {n} : TYPE`, or name the parameter by its type")));
        };
        sc.locals.insert(n.clone(), t.clone());
        Ok((n.clone(), t))
    }

    /// Elaborates a type body. Case errors are reported here and the case is dropped, so the
    /// rest of the type stays usable.
    fn type_body<'a>(
        &mut self,
        sc: &mut Scope,
        id: TypeId,
        inst: Option<usize>,
        body: &'a ast::SyntaxBody,
        fragment: bool,
        pending: &mut Vec<PendingCase<'a>>,
    ) -> TypeBody {
        match body {
            ast::SyntaxBody::Range(lo, hi, _, prems) => {
                let lo = self.infer(sc, lo);
                let hi = self.infer(sc, hi);
                if !prems.is_empty() {
                    let name = self.spec.types[id].name.clone();
                    pending.push(PendingCase { ty: id, inst, case: RANGE, premises: prems, scope: sc.clone(), bound: vec![name] });
                }
                match (lo, hi) {
                    (Ok(lo), Ok(hi)) => TypeBody::Range(lo, hi, Vec::new()),
                    (Err(d), _) | (_, Err(d)) => {
                        self.error(d);
                        TypeBody::Alias(Ty::Nat)
                    }
                }
            }
            ast::SyntaxBody::Record(fields, _) => {
                let mut out: Vec<Field> = Vec::new();
                // Field name -> first declaration (a map: searching `out` is quadratic).
                let mut seen: HashMap<&str, Span> = HashMap::new();
                for f in fields {
                    if let Some(&prev) = seen.get(f.name.name.as_str()) {
                        let d = Diagnostic::error(format!("field `{}` is declared twice", f.name.name))
                            .at(f.name.span, "declared again here")
                            .with(prev, "first declared here");
                        self.error(d);
                        continue;
                    }
                    seen.insert(&f.name.name, f.name.span);
                    match self.type_item(sc, &f.typ) {
                        Ok(ty) => out.push(Field { name: f.name.name.clone(), ty, hints: f.hints.clone(), span: f.name.span }),
                        Err(d) => {
                            self.error(d);
                            out.push(Field { name: f.name.name.clone(), ty: Ty::Error, hints: f.hints.clone(), span: f.name.span });
                        }
                    }
                }
                TypeBody::Record(out)
            }
            ast::SyntaxBody::Cases(cases) => {
                let mut out = Vec::new();
                // Constructor (atoms, arity) -> first case (a map: searching `out` is quadratic).
                let mut constructors: HashMap<(Vec<String>, usize), Span> = HashMap::new();
                for c in cases {
                    let mut csc = sc.clone();
                    match self.mixop_of(&mut csc, &c.items) {
                        Ok(m) => {
                            let has_atoms = m.toks.iter().any(|t| !matches!(t, Tok::Slot(_)));
                            // Slots are named by their types (`sz`) or variables (`M`); premises use them.
                            let slot_names: Vec<String> = m.slot_names.iter().flatten().cloned().collect();
                            let kind = if !has_atoms && m.slots.len() == 1 {
                                CaseKind::Include(m.slots.into_iter().next().unwrap())
                            } else {
                                CaseKind::Con(m)
                            };
                            if let CaseKind::Con(m) = &kind {
                                let key = (m.atoms().into_iter().map(str::to_string).collect(), m.slots.len());
                                match constructors.entry(key) {
                                    Entry::Occupied(prev) => {
                                        let d = Diagnostic::error(format!("constructor `{}` is declared twice in this type", m.name()))
                                            .at(c.span, "declared again here")
                                            .with(*prev.get(), "first declared here");
                                        self.error(d);
                                        continue;
                                    }
                                    Entry::Vacant(v) => {
                                        v.insert(c.span);
                                    }
                                }
                            }
                            if !c.premises.is_empty() {
                                let bound = slot_names;
                                // Fragments number their cases after the existing ones later.
                                let case = if fragment { usize::MAX / 2 + out.len() } else { out.len() };
                                pending.push(PendingCase { ty: id, inst, case, premises: &c.premises, scope: csc, bound });
                            }
                            out.push(Case { kind, hints: c.hints.clone(), premises: Vec::new(), span: c.span });
                        }
                        Err(d) => {
                            self.error(d);
                            if let Some(ast::TypItem { kind: ast::TypItemKind::Name(h, None), .. }) = c.items.first() {
                                if is_atom_name(&h.name) {
                                    self.poisoned.insert(h.name.clone());
                                }
                            }
                        }
                    }
                }
                let alias = !fragment
                    && out.len() == 1
                    && cases.len() == 1
                    && matches!(out[0].kind, CaseKind::Include(_))
                    && cases[0].premises.is_empty()
                    && out[0].hints.is_empty();
                if alias {
                    match out.pop().unwrap().kind {
                        CaseKind::Include(t) => TypeBody::Alias(t),
                        CaseKind::Con(_) => unreachable!(),
                    }
                } else {
                    TypeBody::Variant(out)
                }
            }
        }
    }

    // -----------------------------------------------------------------------------------------
    // Pass 3: signatures

    pub(crate) fn signature_pass(&mut self, decls: &[(usize, &ast::Decl)]) {
        for &(_, d) in decls {
            let r = match &d.kind {
                ast::DeclKind::DefSig(s) => self.def_sig(s),
                ast::DeclKind::Relation(r) => self.relation_decl(r),
                _ => Ok(()),
            };
            if let Err(diag) = r {
                self.error(diag);
            }
        }
        // Grammar signatures after variables, which grammar parameters may name.
        let mut seen_whole: HashSet<GramId> = HashSet::new();
        for &(_, d) in decls {
            if let ast::DeclKind::Grammar(g) = &d.kind {
                if let Err(diag) = self.grammar_sig(g, &mut seen_whole) {
                    self.error(diag);
                    self.poisoned.insert(g.name.name.clone());
                }
            }
        }
    }

    /// Variables come right after the names: syntax parameters (`uN(N)`) name them.
    pub(crate) fn var_pass(&mut self, decls: &[(usize, &ast::Decl)]) {
        for &(_, d) in decls {
            if let ast::DeclKind::Var(v) = &d.kind {
                if let Err(diag) = self.var_decl(v, d.span) {
                    self.error(diag);
                    self.poisoned.insert(v.name.name.clone());
                }
            }
        }
    }

    /// Elaborates the variables' types again after the syntax types (their type arguments may
    /// name constructors), reporting errors now.
    pub(crate) fn var_retype(&mut self, decls: &[(usize, &ast::Decl)]) {
        for &(_, d) in decls {
            if let ast::DeclKind::Var(v) = &d.kind {
                let Some(&i) = self.var_index.get(&v.name.name) else { continue };
                if self.spec.vars[i].span != v.name.span {
                    continue;
                }
                let mut sc = Scope::default();
                match self.type_seq(&mut sc, &v.typ, v.name.span) {
                    Ok(t) => self.spec.vars[i].ty = t,
                    Err(d) => {
                        self.error(d);
                        self.spec.vars[i].ty = Ty::Error;
                    }
                }
            }
        }
    }

    /// Aliases that lead back to themselves define nothing.
    pub(crate) fn alias_cycles(&mut self) {
        let mut reported: HashSet<TypeId> = HashSet::new();
        for start in 0..self.spec.types.len() {
            let mut path = vec![start];
            let mut cur = start;
            loop {
                let TypeBody::Alias(Ty::Named(next, _)) = &self.spec.types[cur].body else { break };
                let next = *next;
                if let Some(pos) = path.iter().position(|&x| x == next) {
                    let cycle: Vec<TypeId> = path[pos..].to_vec();
                    if cycle.iter().any(|c| reported.contains(c)) {
                        break;
                    }
                    reported.extend(cycle.iter().copied());
                    let first = cycle[0];
                    let names: Vec<String> = cycle.iter().map(|&c| format!("`{}`", self.spec.types[c].name)).collect();
                    let msg = if cycle.len() == 1 {
                        format!("syntax type {} is defined in terms of itself", names[0])
                    } else {
                        format!("syntax types {} are defined in terms of each other", names.join(" and "))
                    };
                    let mut d = Diagnostic::error(msg).at(self.spec.types[first].span, "this type has no values");
                    for &c in &cycle[1..] {
                        d = d.with(self.spec.types[c].span, "part of the cycle");
                    }
                    d = d.help("give one of them cases, or make it an alias of a type with values");
                    self.error(d);
                    for &c in &cycle {
                        self.spec.types[c].body = TypeBody::Alias(Ty::Error);
                    }
                    break;
                }
                path.push(next);
                cur = next;
            }
        }
    }

    fn var_decl(&mut self, v: &ast::VarDecl, span: Span) -> R<()> {
        let name = &v.name.name;
        // Single capitals (`C`, `N`, `M`) are conventional variable names; longer all-capital
        // names read as constructor atoms.
        if is_atom_name(name) && name.chars().count() > 1 {
            let why = if self.atoms.contains(name) {
                format!("`{name}` is a constructor atom of a syntax type")
            } else {
                format!("`{name}` is written in capitals, so it reads as a constructor atom")
            };
            return Err(Diagnostic::error(format!("{why}; it cannot be a variable"))
                .at(v.name.span, "a variable needs a name with a lowercase letter")
                .help(format!("call it `{}` or declare a syntax type for it", name.to_lowercase())));
        }
        if let Some(&i) = self.var_index.get(name) {
            return Err(Diagnostic::error(format!("variable `{name}` is declared twice"))
                .at(v.name.span, "declared again here")
                .with(self.spec.vars[i].span, "first declared here"));
        }
        if let Some(&t) = self.spec.type_index.get(name) {
            return Err(Diagnostic::error(format!("`{name}` is a syntax type, and so already a variable of that type"))
                .at(v.name.span, "declared as a variable here")
                .with(self.spec.types[t].span, "syntax type declared here")
                .help("choose another name for the variable"));
        }
        let mut sc = Scope::default();
        // Type arguments naming constructors can only be read after the syntax types; errors
        // of the type are reported then (see `var_retype`).
        let ty = self.type_seq(&mut sc, &v.typ, v.name.span).unwrap_or(Ty::Error);
        self.var_index.insert(name.clone(), self.spec.vars.len());
        self.spec.vars.push(VarDecl { name: name.clone(), ty, span: v.name.span, hints: v.hints.clone() });
        self.item(Item::Var(name.clone()), span);
        Ok(())
    }

    fn def_sig(&mut self, s: &ast::DefSig) -> R<()> {
        let Some(&id) = self.spec.def_index.get(&s.name.name) else { return Ok(()) };
        if self.spec.defs[id].span != s.name.span {
            return Ok(()); // a duplicate, reported in pass 1
        }
        let mut sc = Scope::default();
        let mut type_params = Vec::new();
        let mut params = Vec::new();
        for p in s.params.iter().flatten() {
            if p.type_param {
                let n = p.name.as_ref().map(|n| n.name.clone()).unwrap_or_default();
                sc.type_params.insert(n.clone());
                type_params.push(n);
                continue;
            }
            // A parameter named by a variable (`def $signif(N) : nat`) or by a subscripted type
            // name (`def $cvtop__(numtype_1, numtype_2, ...)`) has that variable's or type's type,
            // and the name names the parameter.
            if let (None, [ast::TypItem { kind: ast::TypItemKind::Name(id, None), iters, .. }]) = (&p.name, p.typ.as_slice()) {
                if !self.is_type_name(&sc, &id.name) {
                    if let Some(mut ty) = self.var_type(&sc, &id.name) {
                        for (iter, _) in iters {
                            ty = ty.iter(iter_kind(iter));
                        }
                        params.push((Some(id.name.clone()), ty));
                        continue;
                    }
                }
            }
            let ty = self.type_seq(&mut sc, &p.typ, p.span)?;
            if let Some(n) = &p.name {
                sc.locals.insert(n.name.clone(), ty.clone());
            }
            params.push((p.name.as_ref().map(|n| n.name.clone()), ty));
        }
        let result = self.type_seq(&mut sc, &s.result, s.name.span)?;
        let builtin = s.hints.iter().find(|h| h.name.name == "builtin").map(|h| match h.args.first() {
            Some(ast::HintArg::Text(t)) | Some(ast::HintArg::Ident(t)) => t.clone(),
            _ => s.name.name.clone(),
        });
        let d = &mut self.spec.defs[id];
        d.type_params = type_params;
        d.params = params;
        d.result = result;
        d.builtin = builtin;
        self.sig_known.insert(id);
        Ok(())
    }

    fn relation_decl(&mut self, r: &ast::RelationDecl) -> R<()> {
        let Some(&id) = self.spec.rel_index.get(&r.name.name) else { return Ok(()) };
        if self.spec.relations[id].span != r.name.span {
            return Ok(());
        }
        let mut sc = Scope::default();
        let m = self.mixop_of(&mut sc, &r.notation)?;
        let n = m.slots.len();
        let modes = match &r.mode {
            None => vec![Mode::In; n],
            Some((words, span)) => {
                if words.len() != n {
                    return Err(Diagnostic::error(format!(
                        "relation `{}` has {n} position{}, but its mode names {}",
                        r.name.name,
                        if n == 1 { "" } else { "s" },
                        words.len()
                    ))
                    .at(*span, format!("expected {n} modes"))
                    .with(r.name.span, "relation declared here"));
                }
                let mut modes = Vec::new();
                for w in words {
                    modes.push(match w.name.as_str() {
                        "in" => Mode::In,
                        "out" => Mode::Out,
                        "open" => Mode::Open,
                        other => {
                            return Err(Diagnostic::error(format!("unknown mode `{other}`"))
                                .at(w.span, "not a mode")
                                .help("a position is `in` (given), `out` (computed) or `open` (computed, may hold unknowns)"))
                        }
                    });
                }
                modes
            }
        };
        let rel = &mut self.spec.relations[id];
        rel.notation = m;
        rel.modes = modes;
        Ok(())
    }

    fn grammar_sig(&mut self, g: &ast::GrammarDecl, seen_whole: &mut HashSet<GramId>) -> R<()> {
        let id = self.spec.gram_index[&g.name.name];
        let first = self.spec.grammars[id].span == g.name.span;
        if g.fragment.is_none() {
            if !seen_whole.insert(id) || !first {
                if !first {
                    let prev = self.spec.grammars[id].span;
                    return Err(Diagnostic::error(format!("grammar `{}` is declared twice", g.name.name))
                        .at(g.name.span, "declared again here")
                        .with(prev, "first declared here")
                        .help("split a grammar into fragments with `grammar NAME/part : ...`"));
                }
            }
        } else if seen_whole.contains(&id) {
            let prev = self.spec.grammars[id].span;
            return Err(Diagnostic::error(format!("grammar `{}` is already complete; it has no fragments", g.name.name))
                .at(g.name.span, "fragment of a whole grammar")
                .with(prev, "declared here"));
        }
        let (params, result) = self.grammar_params(g)?;
        if first {
            let gr = &mut self.spec.grammars[id];
            gr.params = params;
            gr.result = result;
        } else if !self.same(&self.spec.grammars[id].result, &result) {
            let prev = self.spec.grammars[id].span;
            let expected = self.show(&self.spec.grammars[id].result);
            return Err(Diagnostic::error(format!("fragments of `{}` disagree on its type", g.name.name))
                .at(g.name.span, format!("expected `{expected}`"))
                .with(prev, "first fragment declared here"));
        }
        Ok(())
    }

    pub(crate) fn grammar_params(&self, g: &ast::GrammarDecl) -> R<(Vec<GramParam>, Ty)> {
        let mut sc = Scope::default();
        let mut params = Vec::new();
        // Type parameters first: the other parameters' types may name them in any order.
        for p in g.params.iter().flatten() {
            if let ast::GramParam::Type(n) = p {
                sc.type_params.insert(n.name.clone());
            }
        }
        for p in g.params.iter().flatten() {
            match p {
                ast::GramParam::Type(_) => {}
                ast::GramParam::Grammar(n, t, span) => {
                    let ty = self.type_seq(&mut sc, t, *span)?;
                    params.push(GramParam::Grammar(n.name.clone(), ty));
                }
                ast::GramParam::Typed(n, t, span) => {
                    let ty = self.type_seq(&mut sc, t, *span)?;
                    sc.locals.insert(n.name.clone(), ty.clone());
                    params.push(GramParam::Value(n.name.clone(), ty));
                }
                ast::GramParam::Plain(e) => {
                    let (n, t) = self.param_of(&mut sc, e, "grammar")?;
                    params.push(GramParam::Value(n, t));
                }
            }
        }
        let result = self.type_seq(&mut sc, &g.result, g.name.span)?;
        Ok((params, result))
    }

    /// The scope inside a grammar: its parameters.
    fn grammar_scope(&self, g: &ast::GrammarDecl, id: GramId) -> Scope {
        let mut sc = Scope::default();
        for p in g.params.iter().flatten() {
            if let ast::GramParam::Type(n) = p {
                sc.type_params.insert(n.name.clone());
            }
        }
        for p in &self.spec.grammars[id].params {
            match p {
                GramParam::Value(n, t) => {
                    sc.locals.insert(n.clone(), t.clone());
                }
                GramParam::Grammar(n, t) => {
                    sc.gram_params.insert(n.clone(), t.clone());
                }
            }
        }
        sc
    }

    // -----------------------------------------------------------------------------------------
    // Pass 4: bodies

    pub(crate) fn body_pass<'a>(&mut self, decls: &[(usize, &'a ast::Decl)], pending: Vec<PendingCase<'a>>) {
        for p in pending {
            self.case_premises(p);
        }
        for &(_, d) in decls {
            let r = match &d.kind {
                ast::DeclKind::DefClause(c) => self.def_clause(c, d.span),
                ast::DeclKind::Rule(r) => self.rule(r, d.span),
                ast::DeclKind::Grammar(g) => self.grammar_body(g, d.span),
                _ => Ok(()),
            };
            if let Err(diag) = r {
                self.error(diag);
            }
        }
    }

    fn case_premises(&mut self, p: PendingCase<'_>) {
        let mut sc = p.scope;
        let mut prems = Vec::new();
        for ap in p.premises {
            match self.premise(&mut sc, ap) {
                Ok(x) => prems.push(x),
                Err(d) => {
                    self.error(d);
                    return;
                }
            }
        }
        let mut bound: Vec<String> = p.bound;
        bound.extend(sc.locals.keys().cloned());
        let (_binders, order, diags) = self.analyze(&sc, &[], &mut prems, &[], &bound);
        let _ = order;
        self.diags.extend(diags);
        let def = &mut self.spec.types[p.ty];
        let body = match (p.inst, &mut def.body) {
            (Some(i), TypeBody::Family(insts)) => &mut insts[i].body,
            (_, b) => b,
        };
        match body {
            TypeBody::Variant(cases) => {
                if let Some(c) = cases.get_mut(p.case) {
                    c.premises = prems;
                }
            }
            TypeBody::Range(_, _, ps) if p.case == RANGE => *ps = prems,
            _ => {}
        }
    }

    pub(crate) fn premise(&self, sc: &mut Scope, p: &ast::Premise) -> R<Premise> {
        let kind = match &p.kind {
            ast::PremiseKind::If(e) => PremiseKind::If { exp: self.check(sc, e, &Ty::Bool)?, binds: Vec::new() },
            ast::PremiseKind::Otherwise => PremiseKind::Otherwise,
            ast::PremiseKind::Rel(name, e) => {
                let Some(&rel) = self.spec.rel_index.get(&name.name) else {
                    let mut d = Diagnostic::error(format!("unknown relation `{}`", name.name)).at(name.span, "not declared");
                    if let Some(s) = suggest(&name.name, self.spec.rel_index.keys().map(|s| s.as_str())) {
                        d = d.help(format!("did you mean `{s}`?"));
                    }
                    return Err(d);
                };
                let args = self.relation_args(sc, rel, e)?;
                PremiseKind::Rel { rel, args, binds: Vec::new() }
            }
            ast::PremiseKind::Iter(inner, iters) => {
                for (it, _) in iters.iter() {
                    sc.iters.push(iter_kind(it));
                }
                let r = self.premise(sc, inner);
                for _ in iters {
                    sc.iters.pop();
                }
                let mut prem = r?;
                for (it, _) in iters.iter().rev() {
                    let (count, index) = match it {
                        ast::Iter::Pow(c) => (Some(Box::new(self.check(sc, c, &Ty::Nat)?)), None),
                        ast::Iter::PowIndexed(i, c) => (Some(Box::new(self.check(sc, c, &Ty::Nat)?)), Some(i.name.clone())),
                        _ => (None, None),
                    };
                    prem = Premise {
                        kind: PremiseKind::Iter {
                            premise: Box::new(prem),
                            iter: IterSpec { kind: iter_kind(it), count, index, vars: Vec::new() },
                        },
                        hints: Vec::new(),
                        span: p.span,
                    };
                }
                prem.hints = p.hints.clone();
                return Ok(prem);
            }
        };
        Ok(Premise { kind, hints: p.hints.clone(), span: p.span })
    }

    /// Matches an expression against a relation's notation.
    fn relation_args(&self, sc: &mut Scope, rel: RelId, e: &ast::Exp) -> R<Vec<Exp>> {
        let r = &self.spec.relations[rel];
        let m = &r.notation;
        let mut items: Vec<MItem<'_>> = Vec::new();
        flatten(e, &mut items);
        let mut args = vec![None; m.slots.len()];
        let mut budget = 512;
        match self.match_toks(sc, &m.toks, m, &items, e.span, &mut args, &mut budget) {
            Ok(()) => Ok(args
                .into_iter()
                .map(|a| a.unwrap_or_else(|| Exp { kind: ExpKind::Tuple(Vec::new()), ty: Ty::Error, span: e.span }))
                .collect()),
            Err(super::exp::MatchErr::Elab(d)) => Err(d),
            Err(super::exp::MatchErr::Shape(at, detail)) => Err(Diagnostic::error(format!(
                "this does not match the notation of `{}`: `{}`",
                r.name,
                self.show_mixop(m)
            ))
            .at(at, detail)
            .with(r.span, "relation declared here")),
        }
    }

    fn def_clause(&mut self, c: &ast::DefClause, span: Span) -> R<()> {
        let Some(&id) = self.spec.def_index.get(&c.name.name) else {
            if self.poisoned.contains(&c.name.name) {
                return Ok(());
            }
            let mut d = Diagnostic::error(format!("definition `${}` has no signature", c.name.name))
                .at(c.name.span, "clause of an undeclared definition");
            if let Some(s) = suggest(&c.name.name, self.spec.def_index.keys().map(|s| s.as_str())) {
                d = d.help(format!("did you mean `${s}`?"));
            } else {
                d = d.help(format!("declare it first: `def ${}(...) : TYPE`", c.name.name));
            }
            return Err(d);
        };
        if !self.sig_known.contains(&id) {
            return Ok(()); // its signature failed and was reported
        }
        // The signature only: cloning the whole definition, with the clauses elaborated so far,
        // made n clauses take O(n^2).
        let def = {
            let d = &self.spec.defs[id];
            DefSignature {
                name: d.name.clone(),
                span: d.span,
                type_params: d.type_params.clone(),
                params: d.params.clone(),
                result: d.result.clone(),
            }
        };
        let args = c.args.as_deref().unwrap_or(&[]);
        let expected = def.type_params.len() + def.params.len();
        if args.len() != expected {
            return Err(Diagnostic::error(format!(
                "`${}` takes {expected} argument{}, but this clause has {}",
                def.name,
                if expected == 1 { "" } else { "s" },
                args.len()
            ))
            .at(c.name.span, format!("expected {expected}"))
            .with(def.span, "signature here"));
        }
        let earlier = {
            let n = self.seen.entry(format!("def {}", def.name)).or_default();
            *n += 1;
            *n - 1
        };
        if earlier == 0 {
            if let Some(p) = c.premises.iter().find(|p| matches!(p.kind, ast::PremiseKind::Otherwise)) {
                return Err(Diagnostic::error("`-- otherwise` in the first clause of a definition")
                    .at(p.span, "no earlier clause to be the alternative of")
                    .help("`otherwise` holds when no earlier clause applies; put this clause after them"));
            }
        }
        let mut sc = Scope::default();
        for t in &def.type_params {
            sc.type_params.insert(t.clone());
        }
        let mut xs = Vec::new();
        for ((_, pty), a) in def.params.iter().zip(&args[def.type_params.len()..]) {
            xs.push(self.check(&mut sc, a, pty)?);
        }
        let body = self.check(&mut sc, &c.body, &def.result)?;
        let mut prems = Vec::new();
        let mut failed = false;
        for p in &c.premises {
            match self.premise(&mut sc, p) {
                Ok(x) => prems.push(x),
                Err(d) => {
                    self.error(d);
                    failed = true;
                }
            }
        }
        if failed {
            return Ok(());
        }
        let mut xs = xs;
        let mut body = body;
        let inputs: Vec<&mut Exp> = xs.iter_mut().collect();
        let (binders, order, diags) = self.analyze_io(&sc, inputs, &mut prems, vec![(&mut body, Mode::Out)], &[]);
        self.diags.extend(diags);
        let clause = Clause { span: c.name.span.to(span), args: xs, body, premises: prems, order, binders };
        let idx = self.spec.defs[id].clauses.len();
        self.spec.defs[id].clauses.push(clause);
        self.item(Item::DefClause(id, idx), span);
        Ok(())
    }

    fn rule(&mut self, r: &ast::RuleDecl, span: Span) -> R<()> {
        let Some(&rel) = self.spec.rel_index.get(&r.relation.name) else {
            if self.poisoned.contains(&r.relation.name) {
                return Ok(());
            }
            let mut d = Diagnostic::error(format!("rule of an unknown relation `{}`", r.relation.name))
                .at(r.relation.span, "not declared");
            if let Some(s) = suggest(&r.relation.name, self.spec.rel_index.keys().map(|s| s.as_str())) {
                d = d.help(format!("did you mean `{s}`?"));
            } else {
                d = d.help(format!("declare it first: `relation {}: ...`", r.relation.name));
            }
            return Err(d);
        };
        let case = r.case.as_ref().map(|c| c.name.clone()).unwrap_or_default();
        let here = r.relation.span.to(r.case.as_ref().map(|c| c.span).unwrap_or(r.relation.span));
        if let Some(prev) = self.spec.relations[rel].rules.iter().find(|x| x.name == case) {
            return Err(Diagnostic::error(format!("rule `{}` is declared twice", prev.full_name(&r.relation.name)))
                .at(here, "declared again here")
                .with(prev.span, "first declared here"));
        }
        let earlier = {
            let n = self.seen.entry(format!("rule {}", r.relation.name)).or_default();
            *n += 1;
            *n - 1
        };
        if earlier == 0 {
            if let Some(p) = r.premises.iter().find(|p| matches!(p.kind, ast::PremiseKind::Otherwise)) {
                return Err(Diagnostic::error("`-- otherwise` in the first rule of a relation")
                    .at(p.span, "no earlier rule to be the alternative of")
                    .help("`otherwise` holds when no earlier rule of the relation applies; put this rule after them"));
            }
        }
        if self.spec.relations[rel].notation.toks.is_empty() {
            return Ok(()); // the relation's notation failed and was reported
        }
        let mut sc = Scope::default();
        let mut args = self.relation_args(&mut sc, rel, &r.conclusion)?;
        let mut prems = Vec::new();
        let mut failed = false;
        for p in &r.premises {
            match self.premise(&mut sc, p) {
                Ok(x) => prems.push(x),
                Err(d) => {
                    self.error(d);
                    failed = true;
                }
            }
        }
        if failed {
            return Ok(());
        }
        let modes = self.spec.relations[rel].modes.clone();
        let mut inputs = Vec::new();
        let mut outputs = Vec::new();
        for (a, m) in args.iter_mut().zip(&modes) {
            match m {
                Mode::In => inputs.push(a),
                _ => outputs.push((a, *m)),
            }
        }
        let (binders, order, diags) = self.analyze_io(&sc, inputs, &mut prems, outputs, &[]);
        self.diags.extend(diags);
        let name_span = r.case.as_ref().map(|c| c.span).unwrap_or(r.relation.span);
        let rule = Rule { name: case, span: r.relation.span.to(name_span), hints: r.hints.clone(), args, premises: prems, order, binders };
        let idx = self.spec.relations[rel].rules.len();
        self.spec.relations[rel].rules.push(rule);
        self.item(Item::Rule(rel, idx), span);
        Ok(())
    }

    fn grammar_body(&mut self, g: &ast::GrammarDecl, span: Span) -> R<()> {
        let id = self.spec.gram_index[&g.name.name];
        if self.poisoned.contains(&g.name.name) {
            return Ok(());
        }
        let result = self.spec.grammars[id].result.clone();
        if g.productions.is_empty() && !g.hints.iter().any(|h| matches!(h.name.name.as_str(), "builtin" | "abstract")) {
            return Err(Diagnostic::error(format!("grammar `{}` has no productions", g.name.name))
                .at(g.name.span, "expected `= ...`")
                .help("give it productions, or mark it `hint(builtin \"name\")` if Rust implements it"));
        }
        let start = self.spec.grammars[id].productions.len();
        for p in &g.productions {
            let mut sc = self.grammar_scope(g, id);
            match self.production(&mut sc, p, &result) {
                Ok(prod) => self.spec.grammars[id].productions.push(prod),
                Err(d) => self.error(d),
            }
        }
        let end = self.spec.grammars[id].productions.len();
        let idx = if let Some(f) = &g.fragment {
            let frags = &mut self.spec.grammars[id].fragments;
            frags.retain(|f| !f.name.is_empty());
            frags.push(Fragment { name: f.name.clone(), span: f.span, hints: g.hints.clone(), cases: start..end });
            Some(frags.len() - 1)
        } else {
            None
        };
        self.item(Item::Grammar(id, idx), span);
        Ok(())
    }

    fn production(&mut self, sc: &mut Scope, p: &ast::Production, result: &Ty) -> R<Production> {
        let prebound: Vec<String> = sc.locals.keys().cloned().collect();
        let mut symbols = Vec::new();
        for s in &p.symbols {
            symbols.push(self.symbol(sc, s)?);
        }
        let value = match &p.result {
            Some(e) => Some(self.check(sc, e, result)?),
            None => {
                let nonlit: Vec<&Sym> = symbols.iter().filter(|s| !matches!(s.kind, SymKind::Byte(_) | SymKind::Text(_) | SymKind::Eps)).collect();
                match nonlit.as_slice() {
                    [one] => {
                        let t = self.sym_type(one);
                        if !self.sub(&t, result) {
                            return Err(self.mismatch(result, &t, one.span).help("give the production a value with `=> ...`"));
                        }
                        None
                    }
                    [] if matches!(self.expand(result), Ty::Tuple(ref v) if v.is_empty()) => None,
                    _ => {
                        return Err(Diagnostic::error("this production needs a value")
                            .at(p.span, "no `=> ...`")
                            .help("add `=> value` after the symbols"))
                    }
                }
            }
        };
        let mut prems = Vec::new();
        for ap in &p.premises {
            prems.push(self.premise(sc, ap)?);
        }
        let mut patterns: Vec<Exp> = Vec::new();
        collect_binders(&symbols, &mut patterns);
        let mut value = value;
        let inputs: Vec<&mut Exp> = patterns.iter_mut().collect();
        let outputs: Vec<(&mut Exp, Mode)> = value.iter_mut().map(|v| (v, Mode::Out)).collect();
        let (binders, order, diags) = self.analyze_io(sc, inputs, &mut prems, outputs, &prebound);
        self.diags.extend(diags);
        Ok(Production { span: p.span, symbols, result: value, premises: prems, order, binders })
    }

    /// The type of the value a symbol produces.
    pub(crate) fn sym_type(&self, s: &Sym) -> Ty {
        match &s.kind {
            SymKind::Byte(_) | SymKind::Range(..) => Ty::Nat,
            SymKind::Text(_) => Ty::Text,
            SymKind::Eps => Ty::Tuple(Vec::new()),
            SymKind::NonTerm(NonTermRef::Grammar(g), args) => {
                // Type parameters are inferred from the grammar arguments: `Blist(Bbyte)` is a `byte*`.
                let gr = &self.spec.grammars[*g];
                let mut subst = Vec::new();
                for (p, a) in gr.params.iter().zip(args) {
                    if let (GramParam::Grammar(_, pty), SymArg::Grammar(sym)) = (p, a) {
                        unify(pty, &self.sym_type(sym), &mut subst);
                    }
                }
                super::exp::subst_ty(&gr.result, &subst)
            }
            SymKind::NonTerm(NonTermRef::Param(name), _) => {
                self.spec.grammars.iter().flat_map(|g| g.params.iter()).find_map(|p| match p {
                    GramParam::Grammar(n, t) if n == name => Some(t.clone()),
                    _ => None,
                }).unwrap_or(Ty::Error)
            }
            SymKind::Bind(_, inner) => self.sym_type(inner),
            SymKind::Seq(xs) if xs.len() == 1 => self.sym_type(&xs[0]),
            SymKind::Seq(_) => Ty::Tuple(Vec::new()),
            SymKind::Alt(xs) => xs.first().map(|x| self.sym_type(x)).unwrap_or(Ty::Error),
            SymKind::Iter(inner, spec) => self.sym_type(inner).iter(spec.kind),
        }
    }

    fn symbol(&mut self, sc: &mut Scope, s: &ast::GSym) -> R<Sym> {
        // Binders under an iteration (`(in:Binstr)*`) are iterated variables.
        for (it, _) in &s.iters {
            sc.iters.push(iter_kind(it));
        }
        let kind = self.symbol_kind(sc, s);
        for _ in &s.iters {
            sc.iters.pop();
        }
        let kind = kind?;
        let mut sym = Sym { kind, span: s.span };
        for (it, ispan) in &s.iters {
            let (count, index) = match it {
                ast::Iter::Pow(c) => (Some(Box::new(self.check(sc, c, &Ty::Nat)?)), None),
                ast::Iter::PowIndexed(i, c) => (Some(Box::new(self.check(sc, c, &Ty::Nat)?)), Some(i.name.clone())),
                _ => (None, None),
            };
            sym = Sym {
                kind: SymKind::Iter(Box::new(sym), IterSpec { kind: iter_kind(it), count, index, vars: Vec::new() }),
                span: s.span.to(*ispan),
            };
        }
        Ok(sym)
    }

    fn symbol_kind(&mut self, sc: &mut Scope, s: &ast::GSym) -> R<SymKind> {
        let kind = match &s.kind {
            ast::GSymKind::Byte(n) => match u8::try_from(n) {
                Ok(b) => SymKind::Byte(b),
                Err(_) => return Err(Diagnostic::error(format!("`{n}` is not a byte")).at(s.span, "bytes are 0x00 to 0xFF")),
            },
            ast::GSymKind::Range(lo, hi) => match (u8::try_from(lo), u8::try_from(hi)) {
                (Ok(a), Ok(b)) if a <= b => SymKind::Range(a, b),
                _ => return Err(Diagnostic::error("a byte range runs from a byte to a larger byte").at(s.span, "invalid range")),
            },
            ast::GSymKind::Text(t) => SymKind::Text(t.clone()),
            ast::GSymKind::Eps => SymKind::Eps,
            ast::GSymKind::Paren(alts) => {
                let mut xs = Vec::new();
                for alt in alts {
                    let mut seq = Vec::new();
                    for x in alt {
                        seq.push(self.symbol(sc, x)?);
                    }
                    xs.push(Sym { span: s.span, kind: SymKind::Seq(seq) });
                }
                if xs.len() == 1 {
                    xs.pop().unwrap().kind
                } else {
                    SymKind::Alt(xs)
                }
            }
            ast::GSymKind::NonTerm(name, args) => self.nonterm(sc, name, args.as_deref(), s.span)?,
            ast::GSymKind::Bind(pat, inner) => {
                let inner = self.symbol(sc, inner)?;
                let t = self.sym_type(&inner);
                let p = self.check(sc, pat, &t)?;
                SymKind::Bind(p, Box::new(inner))
            }
        };
        Ok(kind)
    }

    fn nonterm(&self, sc: &mut Scope, name: &ast::Ident, args: Option<&[ast::Exp]>, span: Span) -> R<SymKind> {
        if sc.gram_params.contains_key(&name.name) {
            if args.is_some() {
                return Err(Diagnostic::error("a grammar parameter takes no arguments").at(span, "arguments given"));
            }
            return Ok(SymKind::NonTerm(NonTermRef::Param(name.name.clone()), Vec::new()));
        }
        if self.poisoned.contains(&name.name) {
            return Ok(SymKind::Eps);
        }
        let Some(&g) = self.spec.gram_index.get(&name.name) else {
            let mut d = Diagnostic::error(format!("unknown grammar `{}`", name.name)).at(name.span, "not declared");
            let names = self.spec.gram_index.keys().map(|s| s.as_str()).chain(sc.gram_params.keys().map(|s| s.as_str()));
            if let Some(s) = suggest(&name.name, names) {
                d = d.help(format!("did you mean `{s}`?"));
            }
            return Err(d);
        };
        let params = self.spec.grammars[g].params.clone();
        let args = args.unwrap_or(&[]);
        if args.len() != params.len() {
            return Err(Diagnostic::error(format!(
                "grammar `{}` takes {} argument{}, but {} {} given",
                name.name,
                params.len(),
                if params.len() == 1 { "" } else { "s" },
                args.len(),
                if args.len() == 1 { "was" } else { "were" }
            ))
            .at(span, "wrong number of arguments")
            .with(self.spec.grammars[g].span, "grammar declared here"));
        }
        let mut xs = Vec::new();
        for (p, a) in params.iter().zip(args) {
            match p {
                GramParam::Value(_, t) => xs.push(SymArg::Value(self.check(sc, a, t)?)),
                GramParam::Grammar(..) => {
                    let (n, inner_args) = match &a.kind {
                        ast::ExpKind::Ident(n) => (ast::Ident { name: n.clone(), span: a.span }, None),
                        ast::ExpKind::Seq(parts) if parts.len() == 2 => match (&parts[0].kind, &parts[1].kind) {
                            (ast::ExpKind::Ident(n), ast::ExpKind::Paren(x)) => {
                                (ast::Ident { name: n.clone(), span: parts[0].span }, Some(vec![(**x).clone()]))
                            }
                            (ast::ExpKind::Ident(n), ast::ExpKind::Tuple(xs)) => {
                                (ast::Ident { name: n.clone(), span: parts[0].span }, Some(xs.clone()))
                            }
                            _ => return Err(Diagnostic::error("expected a grammar").at(a.span, "not a grammar")),
                        },
                        _ => return Err(Diagnostic::error("expected a grammar").at(a.span, "not a grammar")),
                    };
                    let k = self.nonterm(sc, &n, inner_args.as_deref(), a.span)?;
                    xs.push(SymArg::Grammar(Box::new(Sym { kind: k, span: a.span })));
                }
            }
        }
        Ok(SymKind::NonTerm(NonTermRef::Grammar(g), xs))
    }
}

/// Binds type parameters of `pattern` to the corresponding parts of `actual`.
fn unify(pattern: &Ty, actual: &Ty, subst: &mut Vec<(String, Ty)>) {
    match (pattern, actual) {
        (Ty::Param(x), t) => {
            if !subst.iter().any(|(n, _)| n == x) {
                subst.push((x.clone(), t.clone()));
            }
        }
        (Ty::Iter(a, _), Ty::Iter(b, _)) => unify(a, b, subst),
        (Ty::Tuple(xs), Ty::Tuple(ys)) if xs.len() == ys.len() => {
            for (x, y) in xs.iter().zip(ys) {
                unify(x, y, subst);
            }
        }
        _ => {}
    }
}

fn collect_binders(symbols: &[Sym], out: &mut Vec<Exp>) {
    for s in symbols {
        match &s.kind {
            SymKind::Bind(p, inner) => {
                out.push(p.clone());
                collect_binders(std::slice::from_ref(inner), out);
            }
            SymKind::Seq(xs) | SymKind::Alt(xs) => collect_binders(xs, out),
            SymKind::Iter(inner, _) => collect_binders(std::slice::from_ref(inner), out),
            _ => {}
        }
    }
}

/// What a clause needs of its definition's signature (see `def_clause`).
struct DefSignature {
    name: String,
    span: Span,
    type_params: Vec<String>,
    params: Vec<(Option<String>, Ty)>,
    result: Ty,
}
