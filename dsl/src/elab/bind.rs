//! Iteration and binding analysis of one body (a rule, a clause, a production, a case).
//!
//! Iteration: a metavariable's dimension is the iteration context of its least iterated
//! occurrence; every other occurrence must extend it. Every iteration must iterate at least one
//! metavariable (or have an explicit count), or its length would be unknown.
//!
//! Binding: inputs bind the variables in their pattern positions; premises are then ordered by
//! data flow (the first premise in source order whose inputs are all bound goes next, and binds
//! its outputs); finally outputs must use only bound variables (an `open` output may hold
//! unknowns). Anything that cannot be ordered is reported with the variable nobody binds.

use super::{Elab, Scope};
use crate::ast::Span;
use crate::diag::Diagnostic;
use crate::ir::*;
use std::collections::{HashMap, HashSet};

fn walk_vars(e: &Exp, local: &mut Vec<String>, f: &mut dyn FnMut(&str, Span)) {
    match &e.kind {
        ExpKind::Var(v) => {
            if !local.contains(v) {
                f(v, e.span)
            }
        }
        ExpKind::Num(_) | ExpKind::Text(_) | ExpKind::Bool(_) => {}
        ExpKind::Con { args, .. } => args.iter().for_each(|a| walk_vars(a, local, f)),
        ExpKind::Tuple(xs) | ExpKind::List(xs) | ExpKind::Cat(xs) => xs.iter().for_each(|a| walk_vars(a, local, f)),
        ExpKind::Record(fs) => fs.iter().for_each(|(_, a)| walk_vars(a, local, f)),
        ExpKind::Some(x) | ExpKind::Field(x, _) | ExpKind::Len(x) | ExpKind::Not(x) | ExpKind::Neg(x) | ExpKind::Sub(x, _) => {
            walk_vars(x, local, f)
        }
        ExpKind::Iter(body, spec) => {
            if let Some(c) = &spec.count {
                walk_vars(c, local, f);
            }
            let pushed = spec.index.clone();
            if let Some(i) = &pushed {
                local.push(i.clone());
            }
            walk_vars(body, local, f);
            if pushed.is_some() {
                local.pop();
            }
        }
        ExpKind::Call(_, xs) => xs.iter().for_each(|a| walk_vars(a, local, f)),
        ExpKind::Index(a, b) | ExpKind::Bin(_, a, b) | ExpKind::Cmp(_, a, b) => {
            walk_vars(a, local, f);
            walk_vars(b, local, f);
        }
        ExpKind::Slice(a, b, c) => {
            walk_vars(a, local, f);
            walk_vars(b, local, f);
            walk_vars(c, local, f);
        }
        ExpKind::Update(a, path, _, v) => {
            walk_vars(a, local, f);
            for p in path {
                match p {
                    Path::Field(_) => {}
                    Path::Index(i) => walk_vars(i, local, f),
                    Path::Slice(i, n) => {
                        walk_vars(i, local, f);
                        walk_vars(n, local, f);
                    }
                }
            }
            walk_vars(v, local, f);
        }
    }
}

/// The variables a pattern binds, and those it only uses (inside calls, arithmetic, ...).
fn pattern_vars(e: &Exp, binds: &mut Vec<String>, uses: &mut Vec<(String, Span)>) {
    match &e.kind {
        ExpKind::Var(v) => binds.push(v.clone()),
        ExpKind::Num(_) | ExpKind::Text(_) | ExpKind::Bool(_) => {}
        ExpKind::Con { args, .. } => args.iter().for_each(|a| pattern_vars(a, binds, uses)),
        ExpKind::Tuple(xs) | ExpKind::List(xs) | ExpKind::Cat(xs) => xs.iter().for_each(|a| pattern_vars(a, binds, uses)),
        ExpKind::Record(fs) => fs.iter().for_each(|(_, a)| pattern_vars(a, binds, uses)),
        ExpKind::Some(x) | ExpKind::Sub(x, _) => pattern_vars(x, binds, uses),
        ExpKind::Iter(body, spec) => {
            // `x^n` binds `n` from the length when `n` is a plain variable.
            match spec.count.as_deref() {
                Some(Exp { kind: ExpKind::Var(n), .. }) if spec.index.is_none() => binds.push(n.clone()),
                Some(c) => walk_vars(c, &mut Vec::new(), &mut |v, s| uses.push((v.to_string(), s))),
                None => {}
            }
            let mut inner = Vec::new();
            pattern_vars(body, &mut inner, uses);
            binds.extend(inner.into_iter().filter(|v| Some(v) != spec.index.as_ref()));
        }
        _ => walk_vars(e, &mut Vec::new(), &mut |v, s| uses.push((v.to_string(), s))),
    }
}

fn all_vars(e: &Exp) -> Vec<(String, Span)> {
    let mut out = Vec::new();
    walk_vars(e, &mut Vec::new(), &mut |v, s| out.push((v.to_string(), s)));
    out
}

/// Whether the iteration at `depth` iterates a variable of dimension `d` whose occurrence is
/// inside the iterations `chain` (outermost first; `true` for those with a count, like `^n`).
/// The variable takes the `d` innermost iterations without a count, and counted ones only when
/// there are too few: in `((LOCAL t)^n)*`, `t` goes with `*`, while `^n` repeats.
fn iterates(chain: &[bool], d: usize, depth: usize) -> bool {
    let mut chosen = Vec::new();
    for (i, counted) in chain.iter().enumerate().rev() {
        if chosen.len() == d {
            break;
        }
        if !counted {
            chosen.push(i);
        }
    }
    for (i, counted) in chain.iter().enumerate().rev() {
        if chosen.len() == d {
            break;
        }
        if *counted && !chosen.contains(&i) {
            chosen.push(i);
        }
    }
    chosen.contains(&depth)
}

/// The variables an iteration at `depth` iterates, in order of first occurrence, given the
/// occurrences in its body.
fn iterated_vars(inner: &[(String, Vec<bool>)], index: Option<&String>, dims: &HashMap<String, Vec<IterKind>>, depth: usize) -> Vec<String> {
    let mut iterated: Vec<String> = Vec::new();
    for (v, level) in inner {
        let d = dims.get(v).map(|d| d.len()).unwrap_or(0);
        if Some(v) != index && d > 0 && iterates(level, d, depth) && !iterated.contains(v) {
            iterated.push(v.clone());
        }
    }
    iterated
}

/// Removes the occurrences of an iteration's index variable from those of its body
/// (`occs[start..]`): outside the iteration it is not that variable.
fn drop_index(occs: &mut Vec<(String, Vec<bool>)>, start: usize, index: Option<&String>) {
    if let Some(index) = index {
        let mut k = start;
        for j in start..occs.len() {
            if &occs[j].0 != index {
                occs.swap(k, j);
                k += 1;
            }
        }
        occs.truncate(k);
    }
}

/// Are two iterators the same kind of container? (`?` holds at most one; the others are lists.)
fn same_class(a: IterKind, b: IterKind) -> bool {
    (a == IterKind::Opt) == (b == IterKind::Opt)
}

impl Elab<'_> {
    /// Dimensions of the body's variables. A variable of dimension `d` is iterated by the `d`
    /// innermost iterations around each of its occurrences; the outer ones repeat it unchanged.
    fn dims(&self, sc: &Scope, diags: &mut Vec<Diagnostic>) -> HashMap<String, Vec<IterKind>> {
        let mut least: HashMap<String, (Vec<IterKind>, Span)> = HashMap::new();
        for o in &sc.occs {
            match least.get(&o.name) {
                Some((ctx, _)) if ctx.len() <= o.ctx.len() => {}
                _ => {
                    least.insert(o.name.clone(), (o.ctx.clone(), o.span));
                }
            }
        }
        let mut reported = HashSet::new();
        for o in &sc.occs {
            let (dim, at) = &least[&o.name];
            let inner = &o.ctx[o.ctx.len() - dim.len()..];
            let ok = dim.iter().zip(inner).all(|(a, b)| same_class(*a, *b));
            if !ok && reported.insert(o.name.clone()) {
                let show = |ctx: &[IterKind]| ctx.iter().map(|k| k.symbol()).collect::<String>();
                diags.push(
                    Diagnostic::error(format!("inconsistent iteration of `{}`", o.name))
                        .at(o.span, format!("iterated as `{}{}` here", o.name, show(inner)))
                        .with(*at, format!("but as `{}{}` here", o.name, show(dim)))
                        .help("an optional (`?`) and a list (`*`, `+`, `^n`) cannot be the same variable"),
                );
            }
        }
        least.into_iter().map(|(k, (d, _))| (k, d)).collect()
    }

    /// Records in every iteration which variables it iterates. Returns the variable occurrences
    /// of `e` with the number of iterations around each (counting from the body's top).
    fn fill_exp(&self, e: &mut Exp, depth: usize, dims: &HashMap<String, Vec<IterKind>>, diags: &mut Vec<Diagnostic>) -> Vec<(String, Vec<bool>)> {
        let mut occs = Vec::new();
        self.fill_exp_in(e, depth, &mut Vec::new(), dims, diags, &mut occs);
        occs
    }

    /// `chain` says, for each enclosing iteration (outermost first), whether it has a count.
    /// The occurrences are appended to `occs` (one vector for the whole walk: a vector per node,
    /// copied into its parent's, made a chain `a ++ b ++ ...` quadratic).
    fn fill_exp_in(
        &self,
        e: &mut Exp,
        depth: usize,
        chain: &mut Vec<bool>,
        dims: &HashMap<String, Vec<IterKind>>,
        diags: &mut Vec<Diagnostic>,
        occs: &mut Vec<(String, Vec<bool>)>,
    ) {
        match &mut e.kind {
            ExpKind::Iter(body, spec) => {
                if let Some(c) = &mut spec.count {
                    self.fill_exp_in(c, depth, chain, dims, diags, occs);
                }
                chain.push(spec.count.is_some());
                let start = occs.len();
                self.fill_exp_in(body, depth + 1, chain, dims, diags, occs);
                chain.pop();
                let iterated = iterated_vars(&occs[start..], spec.index.as_ref(), dims, depth);
                if iterated.is_empty() && spec.count.is_none() {
                    diags.push(
                        Diagnostic::error("this iteration has no iterated metavariable, so its length is unknown")
                            .at(e.span, format!("nothing inside is iterated by `{}`", spec.kind.symbol()))
                            .help("iterate over a variable that is a sequence here, or give a count with `^n`"),
                    );
                }
                spec.vars = iterated;
                drop_index(occs, start, spec.index.as_ref());
            }
            ExpKind::Var(v) => occs.push((v.clone(), chain.clone())),
            ExpKind::Con { args, .. } | ExpKind::Tuple(args) | ExpKind::List(args) | ExpKind::Cat(args) | ExpKind::Call(_, args) => {
                for a in args {
                    self.fill_exp_in(a, depth, chain, dims, diags, occs);
                }
            }
            ExpKind::Record(fs) => {
                for (_, a) in fs {
                    self.fill_exp_in(a, depth, chain, dims, diags, occs);
                }
            }
            ExpKind::Some(x) | ExpKind::Field(x, _) | ExpKind::Len(x) | ExpKind::Not(x) | ExpKind::Neg(x) | ExpKind::Sub(x, _) => {
                self.fill_exp_in(x, depth, chain, dims, diags, occs)
            }
            ExpKind::Index(a, b) | ExpKind::Bin(_, a, b) | ExpKind::Cmp(_, a, b) => {
                self.fill_exp_in(a, depth, chain, dims, diags, occs);
                self.fill_exp_in(b, depth, chain, dims, diags, occs);
            }
            ExpKind::Slice(a, b, c) => {
                self.fill_exp_in(a, depth, chain, dims, diags, occs);
                self.fill_exp_in(b, depth, chain, dims, diags, occs);
                self.fill_exp_in(c, depth, chain, dims, diags, occs);
            }
            ExpKind::Update(a, path, _, v) => {
                self.fill_exp_in(a, depth, chain, dims, diags, occs);
                for p in path {
                    match p {
                        Path::Field(_) => {}
                        Path::Index(i) => self.fill_exp_in(i, depth, chain, dims, diags, occs),
                        Path::Slice(i, n) => {
                            self.fill_exp_in(i, depth, chain, dims, diags, occs);
                            self.fill_exp_in(n, depth, chain, dims, diags, occs);
                        }
                    }
                }
                self.fill_exp_in(v, depth, chain, dims, diags, occs);
            }
            ExpKind::Num(_) | ExpKind::Text(_) | ExpKind::Bool(_) => {}
        }
    }

    fn fill_premise(&self, p: &mut Premise, depth: usize, dims: &HashMap<String, Vec<IterKind>>, diags: &mut Vec<Diagnostic>) -> Vec<(String, Vec<bool>)> {
        let mut occs = Vec::new();
        self.fill_premise_in(p, depth, &mut Vec::new(), dims, diags, &mut occs);
        occs
    }

    fn fill_premise_in(
        &self,
        p: &mut Premise,
        depth: usize,
        chain: &mut Vec<bool>,
        dims: &HashMap<String, Vec<IterKind>>,
        diags: &mut Vec<Diagnostic>,
        occs: &mut Vec<(String, Vec<bool>)>,
    ) {
        match &mut p.kind {
            PremiseKind::If { exp, .. } => self.fill_exp_in(exp, depth, chain, dims, diags, occs),
            PremiseKind::Otherwise => {}
            PremiseKind::Rel { args, .. } => {
                for a in args {
                    self.fill_exp_in(a, depth, chain, dims, diags, occs);
                }
            }
            PremiseKind::Iter { premise, iter } => {
                if let Some(c) = &mut iter.count {
                    self.fill_exp_in(c, depth, chain, dims, diags, occs);
                }
                chain.push(iter.count.is_some());
                let start = occs.len();
                self.fill_premise_in(premise, depth + 1, chain, dims, diags, occs);
                chain.pop();
                let iterated = iterated_vars(&occs[start..], iter.index.as_ref(), dims, depth);
                if iterated.is_empty() && iter.count.is_none() {
                    diags.push(
                        Diagnostic::error("this iterated premise has no iterated metavariable")
                            .at(p.span, format!("nothing inside is iterated by `{}`", iter.kind.symbol()))
                            .help("iterate over a variable that is a sequence here"),
                    );
                }
                iter.vars = iterated;
                drop_index(occs, start, iter.index.as_ref());
            }
        }
    }

    /// Whether a premise can be evaluated with `bound`; if so, the variables it binds.
    fn ready(&self, p: &Premise, bound: &HashSet<String>) -> Option<Vec<String>> {
        premise_ready(&self.spec, p, bound)
    }
}

/// Whether a premise can be evaluated with `bound`; if so, the variables it binds. (Code
/// generation orders premises itself, with inputs the elaborator did not assume bound.)
pub(crate) fn premise_ready(spec: &Spec, p: &Premise, bound: &HashSet<String>) -> Option<Vec<String>> {
    {
        let all_bound = |e: &Exp| all_vars(e).iter().all(|(v, _)| bound.contains(v));
        match &p.kind {
            PremiseKind::Otherwise => Some(Vec::new()),
            PremiseKind::If { exp, .. } => {
                if all_bound(exp) {
                    return Some(Vec::new());
                }
                // `x <- e*` chooses an element: it binds `x` like an equation.
                if let ExpKind::Cmp(crate::ast::CmpOp::In, l, r) = &exp.kind {
                    if all_bound(r) {
                        let (mut b, mut u) = (Vec::new(), Vec::new());
                        pattern_vars(l, &mut b, &mut u);
                        if u.iter().all(|(v, _)| bound.contains(v)) {
                            b.retain(|v| !bound.contains(v));
                            return Some(b);
                        }
                    }
                }
                if let ExpKind::Cmp(crate::ast::CmpOp::Eq, l, r) = &exp.kind {
                    for (pat, other) in [(l, r), (r, l)] {
                        if all_bound(other) {
                            let (mut b, mut u) = (Vec::new(), Vec::new());
                            pattern_vars(pat, &mut b, &mut u);
                            if u.iter().all(|(v, _)| bound.contains(v)) {
                                b.retain(|v| !bound.contains(v));
                                return Some(b);
                            }
                        }
                    }
                }
                None
            }
            PremiseKind::Rel { rel, args, .. } => {
                let modes = &spec.relations[*rel].modes;
                let mut binds = Vec::new();
                for (a, m) in args.iter().zip(modes) {
                    match m {
                        Mode::In => {
                            if !all_bound(a) {
                                return None;
                            }
                        }
                        Mode::Out | Mode::Open => {
                            let (mut b, mut u) = (Vec::new(), Vec::new());
                            pattern_vars(a, &mut b, &mut u);
                            if !u.iter().all(|(v, _)| bound.contains(v) || b.contains(v)) {
                                return None;
                            }
                            binds.extend(b.into_iter().filter(|v| !bound.contains(v)));
                        }
                    }
                }
                Some(binds)
            }
            PremiseKind::Iter { premise, iter } => {
                let mut inner_bound = bound.clone();
                if let Some(i) = &iter.index {
                    inner_bound.insert(i.clone());
                }
                if let Some(c) = &iter.count {
                    if !all_bound(c) {
                        return None;
                    }
                }
                premise_ready(spec, premise, &inner_bound)
            }
        }
    }
}

impl Elab<'_> {
    /// The unbound variables a stuck premise waits for (not those it would bind).
    fn needed(&self, p: &Premise, bound: &HashSet<String>) -> Vec<(String, Span)> {
        let unbound = |e: &Exp| all_vars(e).into_iter().filter(|(v, _)| !bound.contains(v)).collect::<Vec<_>>();
        match &p.kind {
            PremiseKind::Otherwise => Vec::new(),
            PremiseKind::If { exp, .. } => {
                if let ExpKind::Cmp(crate::ast::CmpOp::In, _, r) = &exp.kind {
                    let ur = unbound(r);
                    if !ur.is_empty() {
                        return ur;
                    }
                }
                if let ExpKind::Cmp(crate::ast::CmpOp::Eq, l, r) = &exp.kind {
                    let (ul, ur) = (unbound(l), unbound(r));
                    // The side with fewer unknowns is the one that would have to be computed.
                    return if ul.is_empty() || ur.is_empty() { [ul, ur].concat() } else if ul.len() <= ur.len() { ul } else { ur };
                }
                unbound(exp)
            }
            PremiseKind::Rel { rel, args, .. } => {
                let modes = &self.spec.relations[*rel].modes;
                let mut out = Vec::new();
                for (a, m) in args.iter().zip(modes) {
                    if *m == Mode::In {
                        out.extend(unbound(a));
                    }
                }
                if out.is_empty() {
                    for a in args {
                        out.extend(unbound(a));
                    }
                }
                out
            }
            PremiseKind::Iter { premise, iter } => {
                let mut b = bound.clone();
                if let Some(i) = &iter.index {
                    b.insert(i.clone());
                }
                self.needed(premise, &b)
            }
        }
    }

    fn set_binds(p: &mut Premise, new: Vec<String>) {
        match &mut p.kind {
            PremiseKind::If { binds, .. } | PremiseKind::Rel { binds, .. } => *binds = new,
            PremiseKind::Iter { premise, .. } => Self::set_binds(premise, new),
            PremiseKind::Otherwise => {}
        }
    }

    /// Analyses a body: fills iterations, orders premises, checks that everything is bound.
    pub(crate) fn analyze_io(
        &self,
        sc: &Scope,
        mut inputs: Vec<&mut Exp>,
        prems: &mut [Premise],
        mut outputs: Vec<(&mut Exp, Mode)>,
        prebound: &[String],
    ) -> (Vec<Binder>, Vec<usize>, Vec<Diagnostic>) {
        let mut diags = Vec::new();
        let dims = self.dims(sc, &mut diags);
        for x in inputs.iter_mut() {
            self.fill_exp(x, 0, &dims, &mut diags);
        }
        for (x, _) in outputs.iter_mut() {
            self.fill_exp(x, 0, &dims, &mut diags);
        }
        for p in prems.iter_mut() {
            self.fill_premise(p, 0, &dims, &mut diags);
        }

        let mut bound: HashSet<String> = prebound.iter().cloned().collect();
        let mut uses: Vec<(String, Span)> = Vec::new();
        for x in &inputs {
            let mut b = Vec::new();
            pattern_vars(x, &mut b, &mut uses);
            bound.extend(b);
        }
        // Unknowns of open outputs are available from the start.
        for (x, m) in &outputs {
            if *m == Mode::Open {
                bound.extend(all_vars(x).into_iter().map(|(v, _)| v));
            }
        }
        let mut remaining: Vec<usize> = (0..prems.len()).collect();
        let mut order = Vec::new();
        while let Some(pos) = remaining.iter().position(|&i| self.ready(&prems[i], &bound).is_some()) {
            let i = remaining.remove(pos);
            let binds = self.ready(&prems[i], &bound).unwrap_or_default();
            bound.extend(binds.iter().cloned());
            Self::set_binds(&mut prems[i], binds);
            order.push(i);
        }
        let mut reported: HashSet<String> = HashSet::new();
        for &i in &remaining {
            for (v, span) in self.needed(&prems[i], &bound) {
                if !bound.contains(&v) && reported.insert(v.clone()) {
                    diags.push(
                        Diagnostic::error(format!("metavariable `{v}` is never bound"))
                            .at(span, "used here, but nothing binds it")
                            .with(prems[i].span, "so this premise cannot be evaluated")
                            .help(format!("bind it in an input of the conclusion, or with a premise such as `-- if {v} = ...`")),
                    );
                }
            }
        }
        for (v, span) in uses {
            if !bound.contains(&v) && reported.insert(v.clone()) {
                diags.push(
                    Diagnostic::error(format!("metavariable `{v}` is never bound"))
                        .at(span, "used here, inside a computed part of an input, but nothing binds it")
                        .help("bind it elsewhere in the inputs, or with a premise"),
                );
            }
        }
        for (x, m) in &outputs {
            if *m != Mode::Out {
                continue;
            }
            for (v, span) in all_vars(x) {
                if !bound.contains(&v) && reported.insert(v.clone()) {
                    diags.push(
                        Diagnostic::error(format!("metavariable `{v}` is never bound"))
                            .at(span, "used in an output, but neither the inputs nor a premise bind it")
                            .help(format!("compute it with a premise such as `-- if {v} = ...`")),
                    );
                }
            }
        }
        let mut binders: Vec<Binder> = dims
            .iter()
            .map(|(name, dim)| Binder {
                name: name.clone(),
                ty: self.var_type(sc, name).unwrap_or(Ty::Error),
                dim: dim.clone(),
            })
            .collect();
        binders.sort_by(|a, b| a.name.cmp(&b.name));
        (binders, order, diags)
    }

    /// Analyses premises alone (syntax case premises): `bound` variables come from the case.
    pub(crate) fn analyze(
        &self,
        sc: &Scope,
        _inputs: &[Exp],
        prems: &mut [Premise],
        _outputs: &[Exp],
        bound: &[String],
    ) -> (Vec<Binder>, Vec<usize>, Vec<Diagnostic>) {
        self.analyze_io(sc, Vec::new(), prems, Vec::new(), bound)
    }
}
