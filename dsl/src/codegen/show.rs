//! A printer for generated values, in the spec's own notation: each constructor is written with
//! its atoms and arguments (`(LOAD I32 ?? 0 {ALIGN 2, OFFSET 0})`), instruction sequences one
//! instruction a line. Used by `wspec decode` and in failure reports.

use super::names::field_name;
use super::{hint_text, Gen};
use crate::ir::*;
use std::fmt::Write;

impl Gen<'_> {
    pub fn gen_show(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "{}\n", super::HEADER);
        let _ = writeln!(out, "//! Printing values in the spec's notation.\n");
        let _ = writeln!(out, "use crate::decode::Ctx;\nuse crate::syntax::*;\nuse wspec_runtime::Seq;\n");
        let _ = writeln!(
            out,
            "{}",
            r#"/// Where printed text goes, with the arenas that sequences live in.
pub struct Printer<'a> {
    pub cx: &'a Ctx,
    pub out: String,
    pub indent: usize,
}

impl<'a> Printer<'a> {
    pub fn new(cx: &'a Ctx) -> Printer<'a> {
        Printer { cx, out: String::new(), indent: 0 }
    }
    pub fn word(&mut self, s: &str) {
        self.out.push_str(s);
    }
    pub fn newline(&mut self) {
        self.out.push('\n');
        for _ in 0..self.indent {
            self.out.push_str("  ");
        }
    }
}

/// A value that prints in the spec's notation.
pub trait Show {
    fn show(&self, p: &mut Printer<'_>);

    /// A sequence of such values: space separated, `eps` when empty. Characters print as a
    /// text and bytes as a string, as the text format writes them.
    fn show_seq(items: &[Self], p: &mut Printer<'_>)
    where
        Self: Sized,
    {
        if items.is_empty() {
            return p.word("eps");
        }
        for (i, x) in items.iter().enumerate() {
            if i > 0 {
                p.word(" ");
            }
            x.show(p);
        }
    }
}

/// The text of a value.
pub fn show<T: Show + ?Sized>(x: &T, cx: &Ctx) -> String {
    let mut p = Printer::new(cx);
    x.show(&mut p);
    p.out
}

macro_rules! show_display {
    ($($t:ty),*) => { $(impl Show for $t { fn show(&self, p: &mut Printer<'_>) { p.word(&self.to_string()); } })* };
}
show_display!(u16, u32, u64, u128, i8, i16, i32, i64, i128, bool);

impl Show for u8 {
    fn show(&self, p: &mut Printer<'_>) {
        p.word(&self.to_string());
    }
    fn show_seq(items: &[u8], p: &mut Printer<'_>) {
        let mut s = String::from("\"");
        for b in items {
            match b {
                b'"' => s.push_str("\\\""),
                b'\\' => s.push_str("\\\\"),
                0x20..=0x7E => s.push(*b as char),
                _ => s.push_str(&format!("\\{b:02x}")),
            }
        }
        s.push('"');
        p.word(&s);
    }
}

impl Show for char {
    fn show(&self, p: &mut Printer<'_>) {
        p.word(&format!("{:?}", self));
    }
    fn show_seq(items: &[char], p: &mut Printer<'_>) {
        p.word(&format!("{:?}", items.iter().collect::<String>()));
    }
}

impl Show for String {
    fn show(&self, p: &mut Printer<'_>) {
        p.word(&format!("{:?}", self));
    }
}

impl<T: Show> Show for Box<T> {
    fn show(&self, p: &mut Printer<'_>) {
        (**self).show(p)
    }
}

impl<T: Show> Show for std::rc::Rc<T> {
    fn show(&self, p: &mut Printer<'_>) {
        (**self).show(p)
    }
}

impl<T: Show> Show for Option<T> {
    fn show(&self, p: &mut Printer<'_>) {
        match self {
            Some(x) => x.show(p),
            None => p.word("eps"),
        }
    }
}

impl<T: Show> Show for Vec<T> {
    fn show(&self, p: &mut Printer<'_>) {
        T::show_seq(self, p)
    }
}

impl Show for () {
    fn show(&self, p: &mut Printer<'_>) {
        p.word("()");
    }
}

macro_rules! show_tuple {
    ($($n:tt $t:ident),*) => {
        impl<$($t: Show),*> Show for ($($t,)*) {
            fn show(&self, p: &mut Printer<'_>) {
                p.word("(");
                let mut first = true;
                $( if !first { p.word(", "); } first = false; self.$n.show(p); )*
                let _ = first;
                p.word(")");
            }
        }
    };
}
show_tuple!(0 A);
show_tuple!(0 A, 1 B);
show_tuple!(0 A, 1 B, 2 C);
show_tuple!(0 A, 1 B, 2 C, 3 D);
"#
        );
        // Arena sequences: one element a line, indented.
        let mut arenas: Vec<TypeId> = self.arena.iter().copied().collect();
        arenas.sort();
        for id in arenas {
            let tn = &self.type_names[id];
            let field = field_name(&self.spec.types[id].name);
            let _ = writeln!(
                out,
                "impl Show for Seq<{tn}> {{\n    fn show(&self, p: &mut Printer<'_>) {{\n        let items = p.cx.{field}.get(*self);\n        if items.is_empty() {{\n            return p.word(\"eps\");\n        }}\n        p.indent += 1;\n        for x in items {{\n            p.newline();\n            x.show(p);\n        }}\n        p.indent -= 1;\n    }}\n}}\n"
            );
        }
        for (id, def) in self.spec.types.iter().enumerate() {
            self.gen_show_type(&mut out, id, def);
        }
        out
    }

    fn gen_show_type(&self, out: &mut String, id: TypeId, def: &TypeDef) {
        if hint_text(&def.hints, "repr").is_some() {
            return;
        }
        let name = &self.type_names[id];
        match &def.body {
            TypeBody::Variant(cases) if !self.numeric_enums.contains_key(&id) => self.gen_show_variant(out, id, None, name, cases),
            TypeBody::Record(fields) => self.gen_show_record(out, name, fields),
            TypeBody::Family(insts) if self.is_plain_family(id) => match &insts[0].body {
                TypeBody::Variant(cases) => self.gen_show_variant(out, id, Some(0), name, cases),
                TypeBody::Record(fields) => self.gen_show_record(out, name, fields),
                _ => {}
            },
            TypeBody::Family(insts) => {
                let _ = writeln!(out, "impl Show for {name} {{\n    fn show(&self, p: &mut Printer<'_>) {{\n        match self {{");
                for (i, inst) in insts.iter().enumerate() {
                    let v = &self.inst_variants[&(id, i)];
                    let has_payload = !matches!(inst.body, TypeBody::Pending | TypeBody::Family(_));
                    if has_payload {
                        let _ = writeln!(out, "            {name}::{v}(x) => x.show(p),");
                    } else {
                        let _ = writeln!(out, "            {name}::{v} => p.word(\"{v}\"),");
                    }
                }
                let _ = writeln!(out, "        }}\n    }}\n}}\n");
                for (i, inst) in insts.iter().enumerate() {
                    let Some(tn) = self.inst_types.get(&(id, i)) else { continue };
                    match &inst.body {
                        TypeBody::Variant(cases) => self.gen_show_variant(out, id, Some(i), tn, cases),
                        TypeBody::Record(fields) => self.gen_show_record(out, tn, fields),
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }

    fn gen_show_record(&self, out: &mut String, name: &str, fields: &[Field]) {
        let _ = writeln!(out, "impl Show for {name} {{\n    fn show(&self, p: &mut Printer<'_>) {{\n        p.word(\"{{\");\n        p.indent += 1;");
        for (i, f) in fields.iter().enumerate() {
            let sep = if i + 1 < fields.len() { "," } else { "" };
            let _ = writeln!(
                out,
                "        p.newline();\n        p.word(\"{} \");\n        self.{}.show(p);\n        p.word(\"{sep}\");",
                f.name,
                field_name(&f.name)
            );
        }
        let _ = writeln!(out, "        p.indent -= 1;\n        p.newline();\n        p.word(\"}}\");\n    }}\n}}\n");
    }

    fn gen_show_variant(&self, out: &mut String, id: TypeId, inst: Option<usize>, name: &str, cases: &[Case]) {
        let _ = writeln!(out, "impl Show for {name} {{\n    fn show(&self, p: &mut Printer<'_>) {{");
        let key_inst = if self.is_plain_family(id) { Some(0) } else { inst };
        if self.variant_is_struct(cases) {
            let CaseKind::Con(m) = &cases[0].kind else { unreachable!() };
            let binders: Vec<String> = (0..m.slots.len()).map(|i| format!("self.{i}")).collect();
            let body = self.show_toks(m, &binders);
            let _ = writeln!(out, "{body}    }}\n}}\n");
            return;
        }
        let _ = writeln!(out, "        match self {{");
        for (i, c) in cases.iter().enumerate() {
            let v = self.case_names.get(&(id, key_inst, i)).cloned().unwrap_or_else(|| format!("C{i}"));
            match &c.kind {
                CaseKind::Include(_) => {
                    let _ = writeln!(out, "            {name}::{v}(x) => x.show(p),");
                }
                CaseKind::Con(m) => {
                    let binders: Vec<String> = (0..m.slots.len()).map(|i| format!("f{i}")).collect();
                    let pat = if binders.is_empty() { format!("{name}::{v}") } else { format!("{name}::{v}({})", binders.join(", ")) };
                    let body = self.show_toks(m, &binders);
                    let _ = writeln!(out, "            {pat} => {{\n{body}            }}");
                }
            }
        }
        let _ = writeln!(out, "        }}\n    }}\n}}\n");
    }

    /// Statements printing a constructor: its notation, parenthesised when it has arguments.
    fn show_toks(&self, m: &Mixop, binders: &[String]) -> String {
        let mut out = String::new();
        let wrap = !m.slots.is_empty();
        if wrap {
            out.push_str("                p.word(\"(\");\n");
        }
        fn toks(ts: &[Tok], binders: &[String], out: &mut String, first: &mut bool) {
            for t in ts {
                if !*first {
                    out.push_str("                p.word(\" \");\n");
                }
                *first = false;
                match t {
                    Tok::Atom(a) => {
                        let _ = writeln!(out, "                p.word({a:?});");
                    }
                    Tok::Slot(i) => {
                        let _ = writeln!(out, "                {}.show(p);", binders[*i]);
                    }
                    Tok::Sub(a, inner) => {
                        let _ = writeln!(out, "                p.word(\"{a}(\");");
                        let mut f = true;
                        toks(inner, binders, out, &mut f);
                        out.push_str("                p.word(\")\");\n");
                    }
                    Tok::Bracket(b, inner) => {
                        let _ = writeln!(out, "                p.word({:?});", b.open().trim_start_matches('`'));
                        let mut f = true;
                        toks(inner, binders, out, &mut f);
                        let _ = writeln!(out, "                p.word({:?});", b.close());
                    }
                }
            }
        }
        let mut first = true;
        toks(&m.toks, binders, &mut out, &mut first);
        if wrap {
            out.push_str("                p.word(\")\");\n");
        }
        out
    }
}
