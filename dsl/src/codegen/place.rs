//! Places: reading parts of large values (the store, a frame) where they are, instead of
//! copying them first. `$mem(z, x).BYTES[i : n]` becomes a slice of the memory's bytes, not a
//! copy of the store; a pattern matched against a value in place binds references to its parts.

use super::names::{field_name, fn_name};
use super::rust::{CResult, Fx, Local, LocalKind};
use crate::ir::*;
use std::fmt::Write;

impl Fx<'_, '_> {
    /// The view of a local variable.
    pub fn var_view(&self, v: &str, l: &Local) -> String {
        let copy = l.dim == 0 && self.g.is_copy(&self.g.repr(&l.ty), &mut Default::default());
        match l.kind {
            LocalKind::Owned if copy || self.movable.contains(v) => l.rust.clone(),
            LocalKind::Owned => format!("{}.clone()", l.rust),
            LocalKind::Ref if copy => format!("(*{})", l.rust),
            LocalKind::Ref => format!("(*{}).clone()", l.rust),
            LocalKind::Place if copy => l.rust.clone(),
            LocalKind::Place => format!("{}.clone()", l.rust),
            LocalKind::Slice => format!("{}.to_vec()", l.rust),
            LocalKind::Handle => {
                // A handle (dimension 1) or lists of handles: read each through the arena.
                let field = self.arena_field(&Ty::Iter(Box::new(l.ty.clone()), IterKind::Star)).unwrap_or_else(|_| "instr".into());
                let ctx = self.ctx.clone().unwrap_or_else(|| "cx_".into());
                let mut code = format!("{ctx}.{field}.get(h).to_vec()");
                for _ in 1..l.dim {
                    code = format!("h.into_iter().map(|h| {code}).collect::<Vec<_>>()");
                }
                format!("{{ let h = {}.clone(); {code} }}", l.rust)
            }
        }
    }

    /// The value a local contributes to a list collected over an iteration.
    pub fn collected(&self, v: &str, l: &Local) -> String {
        match l.kind {
            LocalKind::Owned | LocalKind::Handle => l.rust.clone(),
            _ => self.var_view(v, l),
        }
    }

    /// Executing, binds a variable pattern (`x` or `x*`) of an arena sequence type to the
    /// sequence's handle; whether it did.
    pub fn bind_handle(&mut self, p: &Exp, t: &Ty, value: &str, out: &mut String) -> bool {
        if self.exec.is_none() || !self.differs(t) {
            return false;
        }
        // The arena element under the lists: `expr*` is a list of handles (dimension 2).
        let mut el = t.clone();
        let mut dim = 0;
        while let Some((inner, k)) = self.g.seq_elem(&el) {
            if k == IterKind::Opt {
                return false;
            }
            el = inner;
            dim += 1;
        }
        if !self.g.is_arena(&el) {
            return false;
        }
        let Some(var) = list_var(p) else { return false };
        if self.locals.contains_key(var) {
            return false;
        }
        let rust = self.fresh(&super::names::var_name(var));
        let _ = writeln!(out, "let {rust} = {value};");
        self.bind_kind(var, el, dim, LocalKind::Handle, rust);
        true
    }

    /// A Rust place expression denoting the stored value of `e`, if `e` is a part of a value at
    /// hand (a variable, a field or element of one, an accessor definition applied to one).
    pub fn place(&self, e: &Exp) -> CResult<Option<String>> {
        self.place_in(e, false)
    }

    /// The same, for updating: elements are reached with `at_mut`, shared parts are unshared.
    pub fn place_mut(&self, e: &Exp) -> CResult<Option<String>> {
        self.place_in(e, true)
    }

    fn place_in(&self, e: &Exp, mutable: bool) -> CResult<Option<String>> {
        match &e.kind {
            ExpKind::Var(v) => {
                let Some(l) = self.locals.get(v) else { return Ok(None) };
                Ok(match l.kind {
                    LocalKind::Owned | LocalKind::Place => Some(l.rust.clone()),
                    LocalKind::Ref => Some(format!("(*{})", l.rust)),
                    LocalKind::Slice | LocalKind::Handle => None,
                })
            }
            ExpKind::Field(x, f) => {
                let Some(p) = self.place_in(x, mutable)? else { return Ok(None) };
                let Ty::Named(owner, _) = self.g.expand(&x.ty) else { return Ok(None) };
                let TypeBody::Record(fields) = &self.g.spec.types[owner].body else { return Ok(None) };
                let Some(fd) = fields.iter().find(|fd| &fd.name == f) else { return Ok(None) };
                let base = if mutable && self.g.is_shared(owner) { format!("std::rc::Rc::make_mut(&mut {p})") } else { p };
                let place = format!("{base}.{}", field_name(f));
                Ok(Some(if self.g.field_boxed(&self.g.repr(&fd.ty), owner) { format!("(*{place})") } else { place }))
            }
            ExpKind::Index(x, i) => {
                let Some(p) = self.seq_place_in(x, mutable)? else { return Ok(None) };
                let i = self.wide(i)?;
                Ok(Some(if mutable {
                    format!("(*wspec_runtime::seq::at_mut(&mut {p}, {i})?)")
                } else {
                    format!("(*wspec_runtime::seq::at(&{p}, {i})?)")
                }))
            }
            ExpKind::Sub(x, t) if self.view_type(&x.ty) == self.view_type(t) => self.place_in(x, mutable),
            ExpKind::Call(d, args) if !mutable => match self.exec {
                Some(info) => info.call_place(self, *d, args),
                None => Ok(None),
            },
            _ => Ok(None),
        }
    }

    /// A place holding the elements of a sequence (a `Vec`, or a slice).
    pub fn seq_place(&self, e: &Exp) -> CResult<Option<String>> {
        self.seq_place_in(e, false)
    }

    fn seq_place_in(&self, e: &Exp, mutable: bool) -> CResult<Option<String>> {
        if let ExpKind::Var(v) = &e.kind {
            if let Some(l) = self.locals.get(v) {
                if l.kind == LocalKind::Slice && !mutable {
                    return Ok(Some(format!("(*{})", l.rust)));
                }
            }
        }
        // Arena sequences are handles, not elements.
        if self.g.seq_elem(&e.ty).is_some_and(|(t, _)| self.g.is_arena(&t)) {
            return Ok(None);
        }
        // `x*` of a list variable `x` is the list itself: index it where it is, not a copy.
        if let ExpKind::Iter(b, spec) = &e.kind {
            if let (ExpKind::Var(v), None, None) = (&b.kind, &spec.index, &spec.count) {
                let only = spec.kind != IterKind::Opt && spec.vars.len() == 1 && &spec.vars[0] == v;
                if let Some(l) = self.locals.get(v).filter(|l| only && l.dim >= 1 && !l.opt.first().copied().unwrap_or(false)) {
                    match l.kind {
                        LocalKind::Owned | LocalKind::Place if !mutable => return Ok(Some(l.rust.clone())),
                        LocalKind::Ref if !mutable => return Ok(Some(format!("(*{})", l.rust))),
                        _ => {}
                    }
                }
            }
        }
        self.place_in(e, mutable)
    }

    /// The view of the value at a place of type `t`.
    pub fn clone_place(&self, p: &str, t: &Ty) -> String {
        let code = if self.g.is_copy(&self.g.repr(t), &mut Default::default()) { p.to_string() } else { format!("{p}.clone()") };
        self.read_seq(code.clone(), t).unwrap_or(code)
    }

    /// Code passing `e` to a parameter of type `t`: `Copy` values by value, others by reference.
    pub fn arg(&self, e: &Exp, t: &Ty) -> CResult<String> {
        if self.g.is_copy(&self.g.repr(t), &mut Default::default()) {
            // An arena sequence: its handle.
            if let Some(h) = self.handle_of(e, t) {
                return Ok(h);
            }
            return self.view_as(e, t);
        }
        if self.differs(t) {
            // Lists of arena sequences are passed as lists of handles.
            if let Some(v) = list_var(e) {
                if let Some(l) = self.locals.get(v) {
                    if l.kind == LocalKind::Handle {
                        return Ok(format!("&{}", l.rust));
                    }
                }
            }
            if let Some(p) = self.place(e)? {
                return Ok(format!("&{p}"));
            }
            return Err(format!("a `{}` that is not at hand as arena sequences", self.g.show(t)));
        }
        if self.view_type(&e.ty) == self.view_type(t) {
            if let Some(v) = list_var(e) {
                if let Some(l) = self.locals.get(v) {
                    match l.kind {
                        LocalKind::Ref | LocalKind::Slice => return Ok(l.rust.clone()),
                        LocalKind::Owned | LocalKind::Place => return Ok(format!("&{}", l.rust)),
                        LocalKind::Handle => {}
                    }
                }
            }
            if let Some(p) = self.place(e)? {
                return Ok(format!("&{p}"));
            }
            // The bytes a builtin gives, read where it gives them.
            if self.g.is_number_list(t) {
                if let Some(raw) = self.builtin_list(e)? {
                    return Ok(format!("&*{raw}"));
                }
            }
            // A slice that is only read is borrowed where it lies.
            if let ExpKind::Slice(x, i, n) = &e.kind {
                let (i, n) = (self.wide(i)?, self.wide(n)?);
                let xs = match self.seq_place(x)? {
                    Some(p) => p,
                    None => format!("({})", self.view(x)?),
                };
                return Ok(format!("wspec_runtime::seq::slice_ref(&{xs}, {i}, {n})?"));
            }
        }
        Ok(format!("&({})", self.view_as(e, t)?))
    }

    /// Code converting the view `v` of a `from` to a `to`: numbers of other widths, a family
    /// instance's value into its family, a value into a type that includes its type (or back,
    /// failing softly where it is not one).
    pub fn convert_elem(&self, v: &str, from: &Ty, to: &Ty) -> String {
        let (rf, rt) = (self.g.repr(from), self.g.repr(to));
        if rf == rt {
            return v.to_string();
        }
        if let (Ty::Named(a, _), Ty::Named(b, _)) = (self.g.expand(from), self.g.expand(to)) {
            if a != b && self.g.int_of_repr(&rf, 0).is_none() && self.g.family_instance_for(b, from).is_none() && !self.g.is_plain_family(b) {
                let narrow = !self.g.covers(b, a);
                if !matches!(self.g.spec.types[b].body, TypeBody::Family(_)) && !matches!(self.g.spec.types[a].body, TypeBody::Family(_)) {
                    self.unit.convs.borrow_mut().insert(super::rust::Conv { from: a, to: b, narrow });
                    let name = super::rust::conv_name(self.g, a, b, narrow);
                    return if narrow { format!("wspec_runtime::ok(conv::{name}({v}))?") } else { format!("conv::{name}({v})") };
                }
            }
        }
        self.g.convert_code(v, from, to)
    }

    /// An arena sequence held as a handle, stored as itself (no copy through a view).
    pub fn handle_of(&self, e: &Exp, t: &Ty) -> Option<String> {
        if !self.g.seq_elem(t).is_some_and(|(el, _)| self.g.is_arena(&el)) {
            return None;
        }
        if let ExpKind::Sub(x, _) = &e.kind {
            return self.handle_of(x, t);
        }
        let v = list_var(e)?;
        let l = self.locals.get(v)?;
        (l.kind == LocalKind::Handle).then(|| l.rust.clone())
    }

    /// `r_1 ++ r_2`: records joined field by field (sequences concatenated, an empty optional
    /// replaced).
    pub fn record_cat(&self, t: &Ty, parts: &[Exp]) -> CResult<String> {
        let Ty::Named(id, _) = self.g.expand(t) else { return Err("`++` of something that is neither a sequence nor a record".into()) };
        let TypeBody::Record(fields) = &self.g.spec.types[id].body else { return Err("`++` of something that is neither a sequence nor a record".into()) };
        let Some((first, rest)) = parts.split_first() else { return Err("an empty concatenation".into()) };
        let r = self.fresh("rc");
        let mut code = format!("{{ let mut {r} = {}; ", self.view(first)?);
        let target = if self.g.is_shared(id) { format!("std::rc::Rc::make_mut(&mut {r})") } else { r.clone() };
        for p in rest {
            let o = self.fresh("ro");
            let _ = write!(code, "let {o} = {}; ", self.view(p)?);
            for f in fields {
                let name = field_name(&f.name);
                match self.g.seq_elem(&f.ty) {
                    Some((el, _)) if self.g.is_arena(&el) => return Err("`++` of records with arena sequences".into()),
                    Some((_, IterKind::Opt)) => {
                        let _ = write!(code, "if {target}.{name}.is_none() {{ {target}.{name} = {o}.{name}.clone(); }} ");
                    }
                    Some(_) => {
                        let _ = write!(code, "{target}.{name}.extend({o}.{name}.iter().cloned()); ");
                    }
                    None => return Err(format!("`++` of records with a field `{}` that is not a sequence", f.name)),
                }
            }
        }
        let _ = write!(code, "{r} }}");
        Ok(code)
    }

    /// `base[path = v]` or `base[path =++ v]` as a value: a copy of `base`, updated.
    pub fn update_value(&self, base: &Exp, path: &[Path], op: crate::ast::UpdateOp, v: &Exp) -> CResult<String> {
        let mut code = String::from("{ ");
        let u = self.fresh("upd");
        let nv = self.fresh("nv");
        let _ = write!(code, "let mut {u} = {}; ", self.view(base)?);
        let mut ty = base.ty.clone();
        let mut place = u.clone();
        for (k, p) in path.iter().enumerate() {
            let last = k + 1 == path.len();
            match p {
                Path::Field(f) => {
                    let Ty::Named(owner, _) = self.g.expand(&ty) else { return Err("a field of a non-record".into()) };
                    let TypeBody::Record(fields) = &self.g.spec.types[owner].body else { return Err("a field of a non-record".into()) };
                    let fd = fields.iter().find(|x| &x.name == f).ok_or("unknown field")?;
                    if self.g.is_shared(owner) {
                        place = format!("std::rc::Rc::make_mut(&mut {place})");
                    }
                    place = format!("{place}.{}", field_name(f));
                    if self.g.field_boxed(&self.g.repr(&fd.ty), owner) {
                        place = format!("(*{place})");
                    }
                    ty = fd.ty.clone();
                }
                Path::Index(i) => {
                    let ix = self.fresh("ix");
                    let _ = write!(code, "let {ix} = {}; ", self.wide(i)?);
                    place = format!("(*wspec_runtime::seq::at_mut(&mut {place}, {ix})?)");
                    ty = self.g.seq_elem(&ty).map(|(e, _)| e).ok_or("an index into a non-sequence")?;
                }
                Path::Slice(i, n) if last => {
                    let (ix, len) = (self.fresh("ix"), self.fresh("len"));
                    let _ = write!(code, "let {ix} = {}; let {len} = {}; let {nv} = {}; ", self.wide(i)?, self.wide(n)?, self.view_as(v, &ty)?);
                    let _ = write!(code, "wspec_runtime::seq::splice(&mut {place}, {ix}, {len}, {nv})?; {u} }}");
                    return Ok(code);
                }
                Path::Slice(..) => return Err("a slice in the middle of an update path".into()),
            }
        }
        let value = match op {
            crate::ast::UpdateOp::Replace => self.view_as(v, &ty)?,
            crate::ast::UpdateOp::Extend => self.view(v)?,
        };
        let _ = write!(code, "let {nv} = {value}; ");
        match op {
            crate::ast::UpdateOp::Replace => {
                let _ = write!(code, "{place} = {nv}; ");
            }
            crate::ast::UpdateOp::Extend => {
                let _ = write!(code, "{place}.extend({nv}); ");
            }
        }
        let _ = write!(code, "{u} }}");
        Ok(code)
    }

    // -----------------------------------------------------------------------------------------
    // Patterns against values in place

    /// Statements that match the value that `value` (an expression of type `&T`, `T` the
    /// stored form of `at`) refers to against pattern `p`. Variables are bound to references
    /// into the value (or to copies, for `Copy` types); what cannot be matched in place is
    /// matched on a copy.
    pub fn pattern_ref(&mut self, p: &Exp, at: &Ty, value: &str, out: &mut String) -> CResult<()> {
        let copy = self.g.is_copy(&self.g.repr(at), &mut Default::default());
        if self.exec.is_some() && self.g.seq_elem(at).is_some_and(|(el, _)| self.g.is_arena(&el)) {
            let var = list_var(p);
            if let Some(v) = var {
                if !self.locals.contains_key(v) {
                    let el = self.g.seq_elem(at).map(|(e, _)| e).unwrap_or(Ty::Error);
                    let rust = self.fresh(&super::names::var_name(v));
                    let _ = writeln!(out, "let {rust} = *{value};");
                    self.bind_kind(v, el, 1, LocalKind::Handle, rust);
                    return Ok(());
                }
            }
        }
        match &p.kind {
            ExpKind::Var(v) if self.view_type(&p.ty) == self.view_type(at) && !self.differs(at) => {
                if let Some(l) = self.locals.get(v).cloned() {
                    let have = self.var_view(v, &l);
                    let _ = writeln!(out, "wspec_runtime::check({have} == *{value})?;");
                    return Ok(());
                }
                let dim = match self.g.seq_elem(at) {
                    Some(_) if self.g.seq_elem(&p.ty).is_some() => 0,
                    _ => 0,
                };
                let rust = self.bind(v, p.ty.clone(), dim);
                if copy {
                    let _ = writeln!(out, "let {rust} = *{value};");
                } else {
                    let _ = writeln!(out, "let {rust} = {value};");
                    if let Some(l) = self.locals.get_mut(v) {
                        l.kind = LocalKind::Ref;
                    }
                }
                Ok(())
            }
            ExpKind::Iter(body, spec)
                if matches!(body.kind, ExpKind::Var(_)) && spec.index.is_none() && spec.kind != IterKind::Opt && !self.differs(at) =>
            {
                let ExpKind::Var(v) = &body.kind else { unreachable!() };
                if self.locals.contains_key(v) {
                    return self.pattern_copy(p, value, out);
                }
                self.bind_count(spec, value, out)?;
                let rust = self.bind(v, body.ty.clone(), 1);
                let _ = writeln!(out, "let {rust} = {value};");
                if let Some(l) = self.locals.get_mut(v) {
                    l.kind = LocalKind::Ref;
                }
                Ok(())
            }
            // Element-wise, in place: a call reads the types of a function's locals, `(LOCAL t)*`,
            // and copied all of the function's locals to do so.
            ExpKind::Iter(body, spec)
                if spec.index.is_none() && spec.kind != IterKind::Opt && !self.differs(at) && matches!(self.g.expand(at), Ty::Iter(_, k) if k != IterKind::Opt) =>
            {
                let Ty::Iter(el, _) = self.g.expand(at) else { unreachable!() };
                self.pattern_elementwise(body, spec, value, Some(&el), out)
            }
            ExpKind::Con { ty, inst, case, args } => {
                let m = self.g.mixop_of(*ty, *inst, *case).ok_or("constructor of a non-variant")?.clone();
                let target = self.g.expand(at);
                let Ty::Named(tid, targs) = &target else { return self.pattern_copy(p, value, out) };
                if self.g.numeric_enums.contains_key(tid) {
                    return self.pattern_copy(p, value, out);
                }
                let Some((wrappers, (ctor, _), owner, owner_inst)) = self.g.con_path(*tid, targs, *ty, *inst, *case, &m, 0) else {
                    return self.pattern_copy(p, value, out);
                };
                if self.g.numeric_enums.contains_key(&owner) {
                    return self.pattern_copy(p, value, out);
                }
                let names: Vec<String> = args.iter().map(|_| self.fresh("f")).collect();
                let mut pat = if names.is_empty() { ctor.clone() } else { format!("{ctor}({})", names.join(", ")) };
                for w in wrappers.iter().rev() {
                    pat = format!("{w}({pat})");
                }
                let pat = self.g.with_alternatives(pat, *tid, owner, owner_inst, &m, &names);
                let value = if self.g.is_shared(owner) { format!("&**{value}") } else { value.to_string() };
                let _ = writeln!(out, "#[allow(irrefutable_let_patterns)]\nlet {pat} = {value} else {{ return Err(wspec_runtime::Fail::soft()) }};");
                let idx = self.g.case_index_in(owner, owner_inst, &m).unwrap_or(0);
                let slots: Vec<Ty> = self.g.mixop_of(owner, owner_inst, idx).map(|mm| mm.slots.clone()).unwrap_or_default();
                for (i, (x, n)) in args.iter().zip(&names).enumerate() {
                    let st = slots.get(i).cloned().unwrap_or_else(|| x.ty.clone());
                    let boxed = self.g.field_boxed(&self.g.repr(&st), owner);
                    let r = if boxed { format!("&**{n}") } else { n.clone() };
                    self.pattern_ref(x, &st, &r, out)?;
                }
                Ok(())
            }
            ExpKind::Some(inner) if !self.differs(at) && matches!(self.g.expand(at), Ty::Iter(_, IterKind::Opt)) => {
                // An optional that holds a value (a local that is set): matched in place.
                let Ty::Iter(el, _) = self.g.expand(at) else { unreachable!() };
                let o = self.fresh("o");
                let _ = writeln!(out, "let Some({o}) = {value} else {{ return Err(wspec_runtime::Fail::soft()) }};");
                self.pattern_ref(inner, &el, &o, out)
            }
            ExpKind::Num(n) => {
                let _ = writeln!(out, "wspec_runtime::check(wspec_runtime::num::wide(*{value})? == {n}i128)?;");
                Ok(())
            }
            ExpKind::Record(fields) => {
                let Ty::Named(id, _) = self.g.expand(at) else { return self.pattern_copy(p, value, out) };
                let TypeBody::Record(decl) = &self.g.spec.types[id].body else { return self.pattern_copy(p, value, out) };
                let decl = decl.clone();
                for ((name, x), fd) in fields.iter().zip(&decl) {
                    let f = self.fresh("fld");
                    let boxed = self.g.field_boxed(&self.g.repr(&fd.ty), id);
                    let read = if boxed { format!("&*{value}.{}", field_name(name)) } else { format!("&{value}.{}", field_name(name)) };
                    let _ = writeln!(out, "let {f} = {read};");
                    self.pattern_ref(x, &fd.ty, &f, out)?;
                }
                Ok(())
            }
            ExpKind::Sub(inner, _) => {
                // A narrowing to an included type: unwrap the inclusions in place.
                if let (Ty::Named(from, _), Ty::Named(to, _)) = (self.g.expand(at), self.g.expand(&inner.ty)) {
                    if let Some(path) = self.g.include_path(from, to, 0) {
                        let n = self.fresh("n");
                        let mut pat = n.clone();
                        for w in path.iter().rev() {
                            pat = format!("{w}({pat})");
                        }
                        let _ = writeln!(out, "#[allow(irrefutable_let_patterns)]\nlet {pat} = {value} else {{ return Err(wspec_runtime::Fail::soft()) }};");
                        let inner_ty = inner.ty.clone();
                        return self.pattern_ref(inner, &inner_ty, &n, out);
                    }
                }
                if self.view_type(&inner.ty) == self.view_type(at) && !self.differs(at) {
                    return self.pattern_ref(inner, at, value, out);
                }
                self.pattern_copy(p, value, out)
            }
            _ => self.pattern_copy(p, value, out),
        }
    }

    /// Matches a copy of the value.
    fn pattern_copy(&mut self, p: &Exp, value: &str, out: &mut String) -> CResult<()> {
        let t = self.fresh("cp");
        // Executing, arena sequences stay handles: match the stored form, and the variables of
        // arena sequence types hold handles.
        if self.exec.is_some() && self.differs(&p.ty) {
            let _ = writeln!(out, "let {t} = (*{value}).clone();");
            let before: std::collections::HashSet<String> = self.locals.keys().cloned().collect();
            self.pattern(p, &t, out)?;
            let new: Vec<String> = self.locals.keys().filter(|k| !before.contains(*k)).cloned().collect();
            for k in new {
                if let Some(l) = self.locals.get_mut(&k) {
                    let mut ty = l.ty.clone();
                    let mut dim = l.dim;
                    if let Some((el, _)) = self.g.seq_elem(&ty) {
                        if self.g.is_arena(&el) {
                            ty = el;
                            dim += 1;
                        }
                    }
                    if self.g.is_arena(&ty) {
                        l.ty = ty;
                        l.dim = dim;
                        l.opt = vec![false; dim];
                        l.kind = LocalKind::Handle;
                    }
                }
            }
            return Ok(());
        }
        // A list of numbers may be a borrowed slice (a definition's parameter).
        let copy = if self.g.is_number_list(&p.ty) { "to_vec" } else { "clone" };
        let code = self.read_seq(format!("(*{value}).{copy}()"), &p.ty)?;
        let _ = writeln!(out, "let {t} = {code};");
        self.pattern(p, &t, out)
    }

    /// Binds `v` to a local of the given kind.
    pub fn bind_kind(&mut self, v: &str, ty: Ty, dim: usize, kind: LocalKind, rust: String) {
        self.locals.insert(v.to_string(), Local { rust, ty, dim, opt: vec![false; dim], kind });
    }
}

/// The variable `e` names, seen through plain iterations (no count, no index): a list variable
/// is written iterated (`b*`), and the list itself is at hand.
fn list_var(e: &Exp) -> Option<&String> {
    let mut inner = e;
    while let ExpKind::Iter(b, spec) = &inner.kind {
        if spec.count.is_some() || spec.index.is_some() {
            break;
        }
        inner = b;
    }
    match &inner.kind {
        ExpKind::Var(v) => Some(v),
        _ => None,
    }
}

impl super::Gen<'_> {
    /// Whether a type is shared (`hint(shared)`): values are reference-counted, not copied.
    pub fn is_shared(&self, id: TypeId) -> bool {
        super::has_hint(&self.spec.types[id].hints, "shared")
    }

    /// A constructor pattern of a family instance, or the same constructor of every other
    /// instance that has it: `ADD` at `binop_(numtype)` matches the `ADD` of `Inn` and of `Fnn`
    /// (the elaborator cannot tell which instance a pattern means; the other arguments do).
    pub fn with_alternatives(&self, pat: String, target: TypeId, owner: TypeId, owner_inst: Option<usize>, m: &Mixop, names: &[String]) -> String {
        if owner != target || self.is_plain_family(target) {
            return pat;
        }
        let TypeBody::Family(insts) = &self.spec.types[target].body else { return pat };
        let Some(oi) = owner_inst else { return pat };
        let Some(mine) = self.case_index_in(target, Some(oi), m).and_then(|i| self.mixop_of(target, Some(oi), i)).cloned() else { return pat };
        let mut alts = vec![pat];
        for (j, inst) in insts.iter().enumerate() {
            if j == oi || !matches!(inst.body, TypeBody::Variant(_)) {
                continue;
            }
            let Some(ci) = self.case_index_in(target, Some(j), m) else { continue };
            let Some(theirs) = self.mixop_of(target, Some(j), ci) else { continue };
            let same = theirs.slots.len() == mine.slots.len()
                && theirs.slots.iter().zip(&mine.slots).all(|(a, b)| self.repr_in(a, &self.instance_env(target, j), 0) == self.repr_in(b, &self.instance_env(target, oi), 0));
            if !same {
                continue;
            }
            let (Some(it), Some(v), Some(cn)) = (self.inst_types.get(&(target, j)), self.inst_variants.get(&(target, j)), self.case_names.get(&(target, Some(j), ci))) else { continue };
            let inner = if names.is_empty() { format!("{it}::{cn}") } else { format!("{it}::{cn}({})", names.join(", ")) };
            alts.push(format!("{}::{v}({inner})", self.type_names[target]));
        }
        if alts.len() == 1 {
            alts.pop().unwrap_or_default()
        } else {
            format!("({})", alts.join(" | "))
        }
    }

    /// The enum variants that wrap a value of type `to` included (maybe through other
    /// inclusions) in type `from`: `val` includes `ref` as `Val::Ref`.
    pub fn include_path(&self, from: TypeId, to: TypeId, depth: usize) -> Option<Vec<String>> {
        if depth > 8 || from == to {
            return None;
        }
        // A family: through the instance that includes it.
        if let TypeBody::Family(insts) = &self.spec.types[from].body {
            if self.is_plain_family(from) {
                return None;
            }
            for (i, inst) in insts.iter().enumerate() {
                let TypeBody::Variant(cases) = &inst.body else { continue };
                let (Some(it), Some(v)) = (self.inst_types.get(&(from, i)), self.inst_variants.get(&(from, i))) else { continue };
                for (k, c) in cases.iter().enumerate() {
                    let CaseKind::Include(t) = &c.kind else { continue };
                    let Ty::Named(j, _) = self.expand(t) else { continue };
                    let Some(cn) = self.case_names.get(&(from, Some(i), k)) else { continue };
                    let here = vec![format!("{}::{v}", self.type_names[from]), format!("{it}::{cn}")];
                    if j == to {
                        return Some(here);
                    }
                    if let Some(rest) = self.include_path(j, to, depth + 1) {
                        return Some(here.into_iter().chain(rest).collect());
                    }
                }
            }
            return None;
        }
        let TypeBody::Variant(cases) = &self.spec.types[from].body else { return None };
        for (i, c) in cases.iter().enumerate() {
            if let CaseKind::Include(t) = &c.kind {
                let Ty::Named(j, _) = self.expand(t) else { continue };
                let variant = format!("{}::{}", self.type_names[from], self.case_names.get(&(from, None, i))?);
                if j == to {
                    return Some(vec![variant]);
                }
                if let Some(mut rest) = self.include_path(j, to, depth + 1) {
                    rest.insert(0, variant);
                    return Some(rest);
                }
            }
        }
        None
    }
}

/// The Rust name of a generated definition.
pub fn def_fn(g: &super::Gen<'_>, d: DefId) -> String {
    fn_name(&g.spec.defs[d].name)
}
