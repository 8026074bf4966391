//! The CLI's standard output. A reader that goes away (`guardhouse test --json | head`)
//! ends the output quietly: later writes are dropped and the command finishes with its
//! usual exit code, instead of panicking as `println!` does on a broken pipe.

use std::fmt;
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};

/// Set once stdout refused a write; nothing more is written.
static CLOSED: AtomicBool = AtomicBool::new(false);

/// Writes to stdout; a broken pipe closes the output for the rest of the process, and
/// any other write error is reported once on stderr and closes it too.
pub fn write(args: fmt::Arguments<'_>) {
    if CLOSED.load(Ordering::Relaxed) {
        return;
    }
    let mut stdout = io::stdout().lock();
    if let Err(e) = stdout.write_fmt(args) {
        CLOSED.store(true, Ordering::Relaxed);
        if e.kind() != io::ErrorKind::BrokenPipe {
            eprintln!("error: writing to stdout: {e}");
        }
    }
}

/// `print!` that ends quietly on a closed stdout.
#[macro_export]
macro_rules! out {
    ($($arg:tt)*) => { $crate::out::write(format_args!($($arg)*)) };
}

/// `println!` that ends quietly on a closed stdout.
#[macro_export]
macro_rules! outln {
    () => { $crate::out::write(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::out::write(format_args!("{}\n", format_args!($($arg)*))) };
}
