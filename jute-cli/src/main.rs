//! The `jute` command-line tool: one module per subcommand.

use std::process::ExitCode;

use clap::{CommandFactory as _, Parser, Subcommand};

mod check;
mod decode;
mod encode;
mod gen;
mod input;
mod output;
mod schema_arg;
mod suggest;

/// Tools for Apache Jute IDL schemas.
#[derive(Debug, Parser)]
#[command(
    name = "jute",
    version,
    about,
    after_help = "A file argument `-` is stdin (read once). A reader that closes stdout early \
                  (`jute gen SCHEMA | head`) ends the command quietly with status 0."
)]
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
    /// Print the shell completion script for `jute`, e.g.
    /// `jute completions bash > ~/.local/share/bash-completion/completions/jute`.
    Completions {
        /// The shell.
        shell: Shell,
    },
}

/// The shells `jute completions` writes scripts for.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Shell {
    /// Bash.
    Bash,
    /// Zsh.
    Zsh,
    /// Fish.
    Fish,
}

/// Writes the completion script for `shell` to stdout.
fn completions(shell: Shell) -> ExitCode {
    use clap_complete::Shell as S;
    let shell = match shell {
        Shell::Bash => S::Bash,
        Shell::Zsh => S::Zsh,
        Shell::Fish => S::Fish,
    };
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "jute", &mut script);
    output::exit(output::write_stdout(&script).map(|()| ExitCode::SUCCESS))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Check(args) => check::run(&args),
        Command::Gen(args) => gen::run(&args),
        Command::Decode(args) => decode::run(&args),
        Command::Encode(args) => encode::run(&args),
        Command::Completions { shell } => completions(shell),
    }
}

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::CommandFactory as _;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
