//! Project automation entry point: `cargo xtask <subcommand>`, each subcommand in its own
//! module.

mod bench;
mod codegen;
mod msrv;
mod quickstart;
#[cfg(test)]
mod readme;
mod setup;
mod test;
mod zk;

use std::process::ExitCode;

#[allow(clippy::print_stderr)]
fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rest = args.get(1..).unwrap_or_default();
    let result = match args.first().map(String::as_str) {
        Some("bench") => bench::run(rest),
        Some("codegen") => codegen::run(rest),
        Some("msrv-check") => msrv::run(rest),
        Some("test") => test::run(rest),
        Some("quickstart") => quickstart::run(rest),
        Some("zk") => zk::run(rest),
        Some(other) => Err(format!("unknown subcommand `{other}`")),
        None => Err(
            "usage: cargo xtask <codegen|msrv-check|test|zk|quickstart|bench> [args]".to_owned(),
        ),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
