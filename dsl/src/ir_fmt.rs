//! Printing the IR back in DSL-like notation, showing how everything was resolved: constructors
//! with their types, coercions, iterations with the variables they iterate, premise order.
//! Used by `wspec check --dump` and by tests.

use crate::ir::*;
use std::fmt::Write;

pub struct Printer<'a> {
    pub spec: &'a Spec,
}

impl<'a> Printer<'a> {
    pub fn new(spec: &'a Spec) -> Printer<'a> {
        Printer { spec }
    }

    pub fn ty(&self, t: &Ty) -> String {
        match t {
            Ty::Nat => "nat".into(),
            Ty::Int => "int".into(),
            Ty::Rat => "rat".into(),
            Ty::Bool => "bool".into(),
            Ty::Text => "text".into(),
            Ty::Named(id, args) => {
                let name = &self.spec.types[*id].name;
                if args.is_empty() {
                    name.clone()
                } else {
                    let a: Vec<String> = args.iter().map(|e| self.exp(e)).collect();
                    format!("{name}({})", a.join(", "))
                }
            }
            Ty::Iter(inner, k) => format!("{}{}", self.ty(inner), k.symbol()),
            Ty::Tuple(ts) => format!("({})", ts.iter().map(|t| self.ty(t)).collect::<Vec<_>>().join(", ")),
            Ty::Param(p) => p.clone(),
            Ty::Error => "?".into(),
        }
    }

    fn case_mixop(&self, ty: TypeId, inst: Option<usize>, case: usize) -> Option<&'a Mixop> {
        let def = &self.spec.types[ty];
        let body = match (inst, &def.body) {
            (Some(i), TypeBody::Family(insts)) => &insts.get(i)?.body,
            _ => &def.body,
        };
        match body {
            TypeBody::Variant(cases) => match &cases.get(case)?.kind {
                CaseKind::Con(m) => Some(m),
                CaseKind::Include(_) => None,
            },
            _ => None,
        }
    }

    fn toks(&self, toks: &[Tok], args: &[Exp], out: &mut Vec<String>) {
        for t in toks {
            match t {
                Tok::Atom(a) => out.push(a.clone()),
                Tok::Slot(i) => out.push(args.get(*i).map(|a| self.atomic(a)).unwrap_or_default()),
                Tok::Sub(a, inner) => {
                    let mut sub = Vec::new();
                    self.toks(inner, args, &mut sub);
                    out.push(format!("{a}({})", sub.join(" ")));
                }
                Tok::Bracket(b, inner) => {
                    let mut sub = Vec::new();
                    self.toks(inner, args, &mut sub);
                    out.push(format!("{}{}{}", b.open(), sub.join(" "), b.close()));
                }
            }
        }
    }

    fn atomic(&self, e: &Exp) -> String {
        let s = self.exp(e);
        match &e.kind {
            ExpKind::Var(_) | ExpKind::Num(_) | ExpKind::Text(_) | ExpKind::Bool(_) | ExpKind::Call(..) | ExpKind::Tuple(_) | ExpKind::Record(_) => s,
            ExpKind::Con { args, .. } if args.is_empty() => s,
            ExpKind::List(xs) if xs.is_empty() => s,
            _ => format!("({s})"),
        }
    }

    pub fn exp(&self, e: &Exp) -> String {
        match &e.kind {
            ExpKind::Var(v) => v.clone(),
            ExpKind::Num(n) => n.to_string(),
            ExpKind::Text(t) => format!("{t:?}"),
            ExpKind::Bool(b) => b.to_string(),
            ExpKind::Con { ty, inst, case, args } => match self.case_mixop(*ty, *inst, *case) {
                Some(m) => {
                    let mut parts = Vec::new();
                    self.toks(&m.toks, args, &mut parts);
                    parts.join(" ")
                }
                None => "<con?>".into(),
            },
            ExpKind::Tuple(xs) => format!("({})", xs.iter().map(|x| self.exp(x)).collect::<Vec<_>>().join(", ")),
            ExpKind::Record(fs) => {
                let parts: Vec<String> = fs.iter().map(|(n, v)| format!("{n} {}", self.exp(v))).collect();
                format!("{{{}}}", parts.join(", "))
            }
            ExpKind::List(xs) if xs.is_empty() => "eps".into(),
            ExpKind::List(xs) => format!("[{}]", xs.iter().map(|x| self.exp(x)).collect::<Vec<_>>().join(" ")),
            ExpKind::Cat(xs) => xs.iter().map(|x| self.atomic(x)).collect::<Vec<_>>().join(" ++ "),
            ExpKind::Some(x) => format!("some({})", self.exp(x)),
            ExpKind::Iter(body, spec) => {
                let it = match (&spec.kind, &spec.count, &spec.index) {
                    (IterKind::Pow, Some(c), Some(i)) => format!("^({i}<{})", self.exp(c)),
                    (IterKind::Pow, Some(c), None) => format!("^{}", self.atomic(c)),
                    (k, _, _) => k.symbol().to_string(),
                };
                format!("{}{it}{{{}}}", self.atomic(body), spec.vars.join(" "))
            }
            ExpKind::Call(id, args) => {
                let name = &self.spec.defs[*id].name;
                format!("${name}({})", args.iter().map(|a| self.exp(a)).collect::<Vec<_>>().join(", "))
            }
            ExpKind::Field(x, f) => format!("{}.{f}", self.atomic(x)),
            ExpKind::Index(x, i) => format!("{}[{}]", self.atomic(x), self.exp(i)),
            ExpKind::Slice(x, i, n) => format!("{}[{} : {}]", self.atomic(x), self.exp(i), self.exp(n)),
            ExpKind::Update(x, path, op, v) => {
                let mut p = String::new();
                for el in path {
                    match el {
                        Path::Field(f) => {
                            let _ = write!(p, ".{f}");
                        }
                        Path::Index(i) => {
                            let _ = write!(p, "[{}]", self.exp(i));
                        }
                        Path::Slice(i, n) => {
                            let _ = write!(p, "[{} : {}]", self.exp(i), self.exp(n));
                        }
                    }
                }
                let op = if *op == crate::ast::UpdateOp::Extend { "=++" } else { "=" };
                format!("{}[{p} {op} {}]", self.atomic(x), self.exp(v))
            }
            ExpKind::Len(x) => format!("|{}|", self.exp(x)),
            ExpKind::Not(x) => format!("~{}", self.atomic(x)),
            ExpKind::Neg(x) => format!("-{}", self.atomic(x)),
            ExpKind::Bin(op, a, b) => {
                let s = match op {
                    BinOp::And => "/\\",
                    BinOp::Or => "\\/",
                    BinOp::Add => "+",
                    BinOp::Sub => "-",
                    BinOp::Mul => "*",
                    BinOp::Div => "/",
                    BinOp::Mod => "\\",
                    BinOp::Pow => "^",
                };
                format!("{} {s} {}", self.atomic(a), self.atomic(b))
            }
            ExpKind::Cmp(op, a, b) => format!("{} {} {}", self.atomic(a), op.symbol(), self.atomic(b)),
            ExpKind::Sub(x, t) => format!("{}:>{}", self.atomic(x), self.ty(t)),
        }
    }

    pub fn premise(&self, p: &Premise) -> String {
        match &p.kind {
            PremiseKind::If { exp, binds } => {
                let b = if binds.is_empty() { String::new() } else { format!("  [binds {}]", binds.join(" ")) };
                format!("if {}{b}", self.exp(exp))
            }
            PremiseKind::Otherwise => "otherwise".into(),
            PremiseKind::Rel { rel, args, binds } => {
                let r = &self.spec.relations[*rel];
                let mut parts = Vec::new();
                self.toks(&r.notation.toks, args, &mut parts);
                let b = if binds.is_empty() { String::new() } else { format!("  [binds {}]", binds.join(" ")) };
                format!("{}: {}{b}", r.name, parts.join(" "))
            }
            PremiseKind::Iter { premise, iter } => {
                format!("({}){}{{{}}}", self.premise(premise), iter.kind.symbol(), iter.vars.join(" "))
            }
        }
    }

    fn binders(&self, bs: &[Binder]) -> String {
        bs.iter()
            .map(|b| format!("{}:{}{}", b.name, self.ty(&b.ty), b.dim.iter().map(|k| k.symbol()).collect::<String>()))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The whole spec, declaration by declaration.
    pub fn spec(&self) -> String {
        let mut out = String::new();
        for (id, t) in self.spec.types.iter().enumerate() {
            let _ = writeln!(out, "syntax {}{} = {}", t.name, self.params(&t.params), self.body(id, &t.body));
        }
        for v in &self.spec.vars {
            let _ = writeln!(out, "var {} : {}", v.name, self.ty(&v.ty));
        }
        for d in &self.spec.defs {
            let params: Vec<String> = d.params.iter().map(|(n, t)| match n {
                Some(n) => format!("{n} : {}", self.ty(t)),
                None => self.ty(t),
            }).collect();
            let _ = writeln!(out, "def ${}({}) : {}", d.name, params.join(", "), self.ty(&d.result));
            for c in &d.clauses {
                let args: Vec<String> = c.args.iter().map(|a| self.exp(a)).collect();
                let _ = writeln!(out, "  ${}({}) = {}", d.name, args.join(", "), self.exp(&c.body));
                for &i in &c.order {
                    let _ = writeln!(out, "    -- {}", self.premise(&c.premises[i]));
                }
                let _ = writeln!(out, "    {{{}}}", self.binders(&c.binders));
            }
        }
        for r in &self.spec.relations {
            let modes: Vec<&str> = r.modes.iter().map(|m| match m {
                Mode::In => "in",
                Mode::Out => "out",
                Mode::Open => "open",
            }).collect();
            let mut parts = Vec::new();
            let slots: Vec<Exp> = r.notation.slots.iter().map(|t| Exp { kind: ExpKind::Var(self.ty(t)), ty: t.clone(), span: r.span }).collect();
            self.toks(&r.notation.toks, &slots, &mut parts);
            let _ = writeln!(out, "relation {}: {}  mode({})", r.name, parts.join(" "), modes.join(", "));
            for rule in &r.rules {
                let mut parts = Vec::new();
                self.toks(&r.notation.toks, &rule.args, &mut parts);
                let _ = writeln!(out, "  rule {}: {}", rule.full_name(&r.name), parts.join(" "));
                for &i in &rule.order {
                    let _ = writeln!(out, "    -- {}", self.premise(&rule.premises[i]));
                }
                let _ = writeln!(out, "    {{{}}}", self.binders(&rule.binders));
            }
        }
        for g in &self.spec.grammars {
            let _ = writeln!(out, "grammar {} : {}  ({} productions)", g.name, self.ty(&g.result), g.productions.len());
        }
        out
    }

    fn params(&self, ps: &[(String, Ty)]) -> String {
        if ps.is_empty() {
            String::new()
        } else {
            format!("({})", ps.iter().map(|(n, t)| format!("{n} : {}", self.ty(t))).collect::<Vec<_>>().join(", "))
        }
    }

    fn body(&self, id: TypeId, b: &TypeBody) -> String {
        match b {
            TypeBody::Pending => "<pending>".into(),
            TypeBody::Alias(t) => self.ty(t),
            TypeBody::Range(lo, hi, ps) => {
                let prem: Vec<String> = ps.iter().map(|p| format!(" -- {}", self.premise(p))).collect();
                format!("{} .. {}{}", self.exp(lo), self.exp(hi), prem.join(""))
            }
            TypeBody::Record(fs) => {
                format!("{{{}}}", fs.iter().map(|f| format!("{} {}", f.name, self.ty(&f.ty))).collect::<Vec<_>>().join(", "))
            }
            TypeBody::Variant(cases) => cases
                .iter()
                .map(|c| {
                    let prem: Vec<String> = c.premises.iter().map(|p| format!(" -- {}", self.premise(p))).collect();
                    let main = match &c.kind {
                        CaseKind::Include(t) => self.ty(t),
                        CaseKind::Con(m) => {
                            let slots: Vec<Exp> = m.slots.iter().map(|t| Exp { kind: ExpKind::Var(self.ty(t)), ty: t.clone(), span: c.span }).collect();
                            let mut parts = Vec::new();
                            self.toks(&m.toks, &slots, &mut parts);
                            parts.join(" ")
                        }
                    };
                    format!("{main}{}", prem.join(""))
                })
                .collect::<Vec<_>>()
                .join(" | "),
            TypeBody::Family(insts) => insts
                .iter()
                .map(|i| {
                    let pats: Vec<String> = i.patterns.iter().map(|p| self.exp(p)).collect();
                    format!("\n    [{}] {}", pats.join(", "), self.body(id, &i.body))
                })
                .collect::<String>(),
        }
    }
}
