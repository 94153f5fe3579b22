//! `chancery`: the command-line interface. Thin: parses arguments, builds validated types at
//! the edge, calls `chancery-app`, prints text or JSON. Errors go to stderr, on one line, with
//! exit code 1.

/// `println!` that ignores a closed standard output (`chancery … --json | head`) instead of
/// panicking: the reader has what it wanted.
macro_rules! say {
    () => {
        say!("")
    };
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

mod args;
mod compile;
mod output;
mod run;
mod search;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run::run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {}", one_line(&e));
            ExitCode::FAILURE
        }
    }
}

/// The error and its causes on one line. Causes whose text the message already contains are
/// skipped: errors that both print and chain their source (`refused: {0}` with `#[from]`, sqlx's
/// database errors) would otherwise repeat themselves two or three times.
fn one_line(e: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if line.contains(text.trim()) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(text.trim());
    }
    // One line, even if a message (a TOML parser's, say) spans several.
    line.lines().map(str::trim).collect::<Vec<_>>().join(" ")
}
