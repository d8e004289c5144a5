//! Printing to standard output without panicking when the reader goes away
//! (`wspec check --dump | head`): a closed pipe ends the program quietly.

use std::io::Write;

pub fn write(text: &str) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("error: cannot write to standard output: {e}");
        std::process::exit(1);
    }
}

/// `say!(...)` is `println!(...)` that survives a closed pipe.
#[macro_export]
macro_rules! say {
    () => { $crate::out::write("\n") };
    ($($arg:tt)*) => { $crate::out::write(&format!("{}\n", format_args!($($arg)*))) };
}
