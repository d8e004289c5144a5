use wspec_generated::syntax::*;
use wspec_interpreter::*;

fn main() {
    let path = std::env::args().nth(1).unwrap();
    let func = std::env::args().nth(2).unwrap();
    let arg: u64 = std::env::args().nth(3).unwrap().parse().unwrap();
    let trace = std::env::args().nth(4).is_some();
    let text = std::fs::read_to_string(&path).unwrap();
    let buf = wast::parser::ParseBuffer::new(&text).unwrap();
    let mut wat: wast::Wat = wast::parser::parse(&buf).unwrap();
    let bytes = wat.encode().unwrap();
    let mut it = Interp::new();
    if trace {
        it.trace(Some(Box::new(|r, i| println!("{r}  {}", i.unwrap_or_default()))));
    }
    let m = it.decode(&bytes).unwrap();
    let mm = it.instantiate(&m, vec![]).unwrap();
    let Some(Externaddr::Func(fa)) = export(&mm, &func) else { panic!("no export") };
    let t = std::time::Instant::now();
    let r = it.invoke(fa, vec![Val::Num_(Num_(Numtype::I64, Num::Inn(arg)))]);
    println!("{r:?} in {:?}, {} steps", t.elapsed(), it.steps);
}
