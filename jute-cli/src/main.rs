//! The `jute` command-line tool: one module per subcommand.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod check;
mod gen;

/// Tools for Apache Jute IDL schemas.
#[derive(Debug, Parser)]
#[command(name = "jute", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Parse and validate schema files, reporting every error found.
    Check(check::Args),
    /// Generate Rust records from schema files.
    Gen(gen::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Check(args) => check::run(&args),
        Command::Gen(args) => gen::run(&args),
    }
}
