//! `jute check FILE...`: parses and resolves schema files and reports all diagnostics.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `jute check`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Root schema files (`-`: stdin, as the only one); their includes are read too.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,

    /// Print nothing on success.
    #[arg(short, long)]
    quiet: bool,
}

/// Runs the check; exit code 0 if the schema set is valid, 1 otherwise.
pub(crate) fn run(args: &Args) -> ExitCode {
    let mut stderr = std::io::stderr().lock();
    match crate::input::parse_schemas(&args.files) {
        Ok(schema) => {
            if !args.quiet {
                let records = schema.records().count();
                let _ = writeln!(
                    stderr,
                    "ok: {} module{}, {} record{}",
                    schema.modules.len(),
                    plural(schema.modules.len()),
                    records,
                    plural(records)
                );
            }
            ExitCode::SUCCESS
        }
        Err(diagnostics) => {
            let _ = write!(stderr, "{diagnostics}");
            let n = diagnostics.error_count();
            let _ = writeln!(
                stderr,
                "\nerror: could not check the schema due to {n} previous error{}",
                plural(n)
            );
            ExitCode::FAILURE
        }
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
