//! The `jute` command-line tool: one module per subcommand.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod check;
mod decode;
mod encode;
mod gen;
mod schema_arg;

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
    /// Decode one record (raw bytes on stdin, or --hex) to JSON, driven by a schema.
    Decode(decode::Args),
    /// Encode one record from JSON on stdin to bytes, driven by a schema.
    Encode(encode::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Check(args) => check::run(&args),
        Command::Gen(args) => gen::run(&args),
        Command::Decode(args) => decode::run(&args),
        Command::Encode(args) => encode::run(&args),
    }
}
