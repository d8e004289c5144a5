//! Elaboration: AST to typed IR.
//!
//! Passes, each recovering per declaration so that independent errors are all reported:
//! 1. collect the names every declaration introduces (types, relations, definitions, grammars);
//! 2. elaborate syntax types (cases, records, ranges, families);
//! 3. variables, definition signatures, relation notations, grammar signatures;
//! 4. bodies: case premises, definition clauses, rules, grammar productions, each followed by
//!    iteration and binding analysis (`bind`).

pub(crate) mod bind;
mod decl;
pub(crate) mod exp;
pub(crate) mod ty;

use crate::ast::{self, Span};
use crate::diag::Diagnostic;
use crate::ir::*;
use crate::source::SourceMap;
use std::collections::{HashMap, HashSet};

pub(crate) type R<T> = Result<T, Diagnostic>;

/// A variable occurrence, with the iterations around it.
#[derive(Clone, Debug)]
pub(crate) struct Occ {
    pub name: String,
    pub ctx: Vec<IterKind>,
    pub span: Span,
}

/// The local state of elaborating one body (a rule, a clause, a production, a case).
#[derive(Clone, Debug, Default)]
pub(crate) struct Scope {
    /// Variables local to the body: parameters, binders, and undeclared variables typed by
    /// their first use.
    pub locals: HashMap<String, Ty>,
    pub type_params: HashSet<String>,
    /// Grammar parameters of the enclosing grammar, with their result types.
    pub gram_params: HashMap<String, Ty>,
    /// The iterations enclosing the expression being elaborated.
    pub iters: Vec<IterKind>,
    pub occs: Vec<Occ>,
    /// The syntax type whose definition this is, if any (the likeliest name a misspelling
    /// inside it means).
    pub defining: Option<TypeId>,
}

/// A saved scope state, to backtrack to.
#[derive(Clone)]
pub(crate) struct Snapshot {
    locals: HashMap<String, Ty>,
    occs: usize,
    iters: usize,
}

impl Scope {
    pub(crate) fn snapshot(&self) -> Snapshot {
        Snapshot { locals: self.locals.clone(), occs: self.occs.len(), iters: self.iters.len() }
    }
    pub(crate) fn restore(&mut self, s: Snapshot) {
        self.locals = s.locals;
        self.occs.truncate(s.occs);
        self.iters.truncate(s.iters);
    }
}

pub struct Elab<'s> {
    pub(crate) sources: &'s SourceMap,
    pub(crate) spec: Spec,
    pub(crate) diags: Vec<Diagnostic>,
    /// Names whose declarations failed; references to them are not errors of their own.
    pub(crate) poisoned: HashSet<String>,
    pub(crate) var_index: HashMap<String, usize>,
    /// Definitions whose signatures have been elaborated.
    pub(crate) sig_known: HashSet<DefId>,
    /// The number of parameters of each parameterised syntax type.
    pub(crate) arity: HashMap<TypeId, usize>,
    /// Depth of nested case collection, to stop cycles through families.
    pub(crate) depth: std::cell::Cell<usize>,
    /// Every word written as an atom in a syntax case (for checking variable names).
    pub(crate) atoms: HashSet<String>,
    /// Relations and definitions that have rules or clauses written, even ones that failed.
    pub(crate) written: HashSet<String>,
    /// How many rules or clauses of each relation or definition were elaborated so far
    /// (successfully or not): `otherwise` needs an earlier one.
    pub(crate) seen: HashMap<String, usize>,
}

/// The result of checking a spec.
pub struct Checked {
    pub spec: Spec,
    pub diagnostics: Vec<Diagnostic>,
}

impl Checked {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(|d| d.is_error())
    }
    pub fn errors(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }
    pub fn warnings(&self) -> usize {
        self.diagnostics.iter().filter(|d| !d.is_error()).count()
    }
}

/// The stack [`check`] parses and elaborates on. Elaboration and binding analysis recurse over
/// expression trees: nesting is bounded by [`crate::parse::MAX_NESTING`], but a flat chain
/// `a + b + ...`, `a < b < ...` or `- - x` is a tree as deep as it is long, about 2 KiB of stack
/// per link (an 8 MiB main thread overflowed at about 4,000 links). Chains are bounded by
/// [`crate::parse::MAX_OPERATORS`] (20,000 links, about 40 MiB); this stack overflowed only
/// beyond 100,000. Only the pages used are allocated.
pub const CHECK_STACK_SIZE: usize = 256 << 20;

/// Parses and elaborates every file of a source map, on a thread of its own with a stack of
/// [`CHECK_STACK_SIZE`] (or on the calling thread if that thread cannot be started).
pub fn check(sources: &SourceMap) -> Checked {
    std::thread::scope(|scope| {
        // Named like the caller, so that a message about the thread still names the caller.
        let mut worker = std::thread::Builder::new().stack_size(CHECK_STACK_SIZE);
        if let Some(name) = std::thread::current().name() {
            worker = worker.name(name.to_string());
        }
        match worker.spawn_scoped(scope, || check_here(sources)) {
            Ok(handle) => handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            Err(_) => check_here(sources),
        }
    })
}

fn check_here(sources: &SourceMap) -> Checked {
    let mut diags = Vec::new();
    let mut files = Vec::new();
    let mut poisoned = HashSet::new();
    let mut written = HashSet::new();
    for id in 0..sources.len() {
        let (file, d) = crate::parse::parse_file(id, sources.text(id));
        diags.extend(d);
        poisoned.extend(file.failed.iter().cloned());
        written.extend(file.failed.iter().cloned());
        files.push(file);
    }
    let mut e = Elab {
        sources,
        spec: Spec::default(),
        diags,
        poisoned,
        var_index: HashMap::new(),
        sig_known: HashSet::new(),
        arity: HashMap::new(),
        depth: std::cell::Cell::new(0),
        atoms: HashSet::new(),
        written,
        seen: HashMap::new(),
    };
    e.run(&files);
    let mut diagnostics = e.diags;
    diagnostics.sort_by_key(|d| d.sort_key());
    Checked { spec: e.spec, diagnostics }
}

impl<'s> Elab<'s> {
    fn run<'a>(&mut self, files: &'a [ast::File]) {
        for (i, _) in files.iter().enumerate() {
            self.spec.files.push(FileItems { name: self.sources.name(i).to_string(), items: Vec::new() });
        }
        let decls: Vec<(usize, &'a ast::Decl)> =
            files.iter().enumerate().flat_map(|(i, f)| f.decls.iter().map(move |d| (i, d))).collect();
        self.collect(&decls);
        let mut pending = Vec::new();
        self.var_pass(&decls);
        self.syntax_pass(&decls, &mut pending);
        // Variables again, now that type arguments like `num_(I32)` can be read.
        self.var_retype(&decls);
        self.alias_cycles();
        self.signature_pass(&decls);
        self.body_pass(&decls, pending);
        self.final_checks();
        for f in &mut self.spec.files {
            f.items.sort_by_key(|(_, s)| s.start);
        }
    }

    pub(crate) fn item(&mut self, item: Item, span: Span) {
        if let Some(f) = self.spec.files.get_mut(span.file) {
            f.items.push((item, span));
        }
    }

    pub(crate) fn error(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    /// Pass 1: the names every declaration introduces.
    fn collect(&mut self, decls: &[(usize, &ast::Decl)]) {
        for &(_, d) in decls {
            match &d.kind {
                ast::DeclKind::Rule(r) => {
                    self.written.insert(r.relation.name.clone());
                }
                ast::DeclKind::DefClause(c) => {
                    self.written.insert(c.name.name.clone());
                }
                _ => {}
            }
        }
        for &(_, d) in decls {
            match &d.kind {
                ast::DeclKind::Syntax(s) => {
                    if let Some(ast::SyntaxBody::Cases(cases)) = &s.body {
                        for c in cases {
                            for it in &c.items {
                                if let ast::TypItemKind::Name(n, None) = &it.kind {
                                    if exp::is_atom_name(&n.name) {
                                        self.atoms.insert(n.name.clone());
                                    }
                                }
                            }
                        }
                    }
                    if let (Some(&id), Some(params)) = (self.spec.type_index.get(&s.name.name), &s.params) {
                        self.arity.entry(id).or_insert(params.len());
                    }
                    if !self.spec.type_index.contains_key(&s.name.name) {
                        let id = self.spec.types.len();
                        if let Some(params) = &s.params {
                            self.arity.insert(id, params.len());
                        }
                        self.spec.types.push(TypeDef {
                            name: s.name.name.clone(),
                            span: s.name.span,
                            hints: Vec::new(),
                            params: Vec::new(),
                            body: TypeBody::Pending,
                            fragments: Vec::new(),
                        });
                        self.spec.type_index.insert(s.name.name.clone(), id);
                    }
                }
                ast::DeclKind::Relation(r) => {
                    if let Some(&prev) = self.spec.rel_index.get(&r.name.name) {
                        let prev_span = self.spec.relations[prev].span;
                        self.error(
                            Diagnostic::error(format!("relation `{}` is declared twice", r.name.name))
                                .at(r.name.span, "declared again here")
                                .with(prev_span, "first declared here"),
                        );
                        continue;
                    }
                    let id = self.spec.relations.len();
                    self.spec.relations.push(Relation {
                        name: r.name.name.clone(),
                        span: r.name.span,
                        hints: r.hints.clone(),
                        notation: Mixop { toks: Vec::new(), slots: Vec::new(), slot_names: Vec::new() },
                        modes: Vec::new(),
                        rules: Vec::new(),
                    });
                    self.spec.rel_index.insert(r.name.name.clone(), id);
                    self.item(Item::Relation(id), d.span);
                }
                ast::DeclKind::DefSig(s) => {
                    if let Some(&prev) = self.spec.def_index.get(&s.name.name) {
                        let prev_span = self.spec.defs[prev].span;
                        self.error(
                            Diagnostic::error(format!("definition `${}` is declared twice", s.name.name))
                                .at(s.name.span, "declared again here")
                                .with(prev_span, "first declared here")
                                .help("a definition has one signature and any number of `def $f(...) = ...` clauses"),
                        );
                        continue;
                    }
                    let id = self.spec.defs.len();
                    self.spec.defs.push(Def {
                        name: s.name.name.clone(),
                        span: s.name.span,
                        hints: s.hints.clone(),
                        type_params: Vec::new(),
                        params: Vec::new(),
                        result: Ty::Error,
                        clauses: Vec::new(),
                        builtin: None,
                    });
                    self.spec.def_index.insert(s.name.name.clone(), id);
                    self.item(Item::DefSig(id), d.span);
                }
                ast::DeclKind::Grammar(g) => {
                    if self.spec.gram_index.contains_key(&g.name.name) {
                        continue; // fragments, or a duplicate reported with the signatures
                    }
                    let id = self.spec.grammars.len();
                    self.spec.grammars.push(Grammar {
                        name: g.name.name.clone(),
                        span: g.name.span,
                        hints: g.hints.clone(),
                        params: Vec::new(),
                        result: Ty::Error,
                        productions: Vec::new(),
                        fragments: Vec::new(),
                    });
                    self.spec.gram_index.insert(g.name.name.clone(), id);
                }
                _ => {}
            }
        }
    }

    fn final_checks(&mut self) {
        for t in &self.spec.types {
            if matches!(t.body, TypeBody::Pending) && !self.poisoned.contains(&t.name) {
                self.diags.push(
                    Diagnostic::error(format!("syntax type `{}` is declared but never defined", t.name))
                        .at(t.span, "declared here")
                        .help(format!("give it cases: `syntax {} = ...`", t.name)),
                );
            }
        }
        for r in &self.spec.relations {
            if r.rules.is_empty() && !self.written.contains(&r.name) && !r.hints.iter().any(|h| h.name.name == "abstract") {
                self.diags.push(
                    Diagnostic::warning(format!("relation `{}` has no rules", r.name))
                        .at(r.span, "declared here")
                        .help("add rules, or mark it `hint(abstract)` if it is defined elsewhere"),
                );
            }
        }
        for d in &self.spec.defs {
            if d.clauses.is_empty() && d.builtin.is_none() && !self.written.contains(&d.name) && !d.hints.iter().any(|h| h.name.name == "abstract") {
                self.diags.push(
                    Diagnostic::warning(format!("definition `${}` has no clauses", d.name))
                        .at(d.span, "declared here")
                        .help("add clauses, or a `hint(builtin \"name\")` for a Rust implementation"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests;
