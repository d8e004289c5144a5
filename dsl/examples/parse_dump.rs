use wspec_dsl::ast::*;
fn main() {
    let path = std::env::args().nth(1).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let mut sm = wspec_dsl::source::SourceMap::new();
    let id = sm.add(path.clone(), text.clone());
    let (file, diags) = wspec_dsl::parse::parse_file(id, &text);
    for d in &file.decls {
        match &d.kind {
            DeclKind::Rule(r) => {
                println!("rule {}: {}", r.relation.name, r.conclusion);
                for p in &r.premises { println!("   -- {:?}", pk(p)); }
            }
            DeclKind::DefClause(c) => println!("def {}({}) = {}", c.name.name, c.args.as_ref().map(|a| a.iter().map(|e| e.to_string()).collect::<Vec<_>>().join(" , ")).unwrap_or_default(), c.body),
            DeclKind::Grammar(g) => for p in &g.productions { println!("prod {} => {}", p.symbols.len(), p.result.as_ref().map(|e| e.to_string()).unwrap_or_default()); for q in &p.premises { println!("   -- {:?}", pk(q)); } },
            DeclKind::Syntax(s) => if let Some(SyntaxBody::Range(a,b,_)) = &s.body { println!("range {} .. {}", a, b) },
            _ => {}
        }
    }
    print!("{}", wspec_dsl::diag::render_all(&diags, &sm));
}
fn pk(p: &Premise) -> String {
    match &p.kind { PremiseKind::If(e) => format!("if {e}"), PremiseKind::Rel(r, e) => format!("{}: {e}", r.name), PremiseKind::Otherwise => "otherwise".into(), PremiseKind::Iter(p, it) => format!("({}){}", pk(p), it.iter().map(|i| i.0.to_string()).collect::<String>()) }
}
