//! How a command ends: its exit status, what it prints on stderr, and stdout closed early.
//!
//! A reader that goes away (`jute gen SCHEMA | head`) is not an error: the command stops
//! writing and exits 0 without a message, as ripgrep does (coreutils die of SIGPIPE instead,
//! which shells report as 141; a Rust program ignores SIGPIPE and sees `EPIPE`, and 0 keeps
//! `set -o pipefail` scripts quiet).

use std::io::Write as _;
use std::process::ExitCode;

/// Why a command stopped before finishing its work.
#[derive(Debug)]
pub(crate) enum Stop {
    /// stdout was closed by its reader: exit 0, print nothing.
    Closed,
    /// A failure: print `error: MESSAGE` on stderr, exit 1.
    Failed(String),
    /// A failure whose full report is ready (rustc-style diagnostics): print it as it is,
    /// exit 1.
    Report(String),
}

impl From<String> for Stop {
    fn from(message: String) -> Stop {
        Stop::Failed(message)
    }
}

/// The `Stop` for a failed write to stdout: `Closed` for a broken pipe.
pub(crate) fn stdout_error(e: std::io::Error) -> Stop {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        Stop::Closed
    } else {
        Stop::Failed(format!("writing stdout: {e}"))
    }
}

/// Writes `bytes` to stdout and flushes.
pub(crate) fn write_stdout(bytes: &[u8]) -> Result<(), Stop> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .map_err(stdout_error)
}

/// The exit status of a command's result, printing its failure on stderr.
pub(crate) fn exit(result: Result<ExitCode, Stop>) -> ExitCode {
    let mut stderr = std::io::stderr().lock();
    match result {
        Ok(code) => code,
        Err(Stop::Closed) => ExitCode::SUCCESS,
        Err(Stop::Failed(message)) => {
            let _ = writeln!(stderr, "error: {message}");
            ExitCode::FAILURE
        }
        Err(Stop::Report(text)) => {
            let _ = writeln!(stderr, "{text}");
            ExitCode::FAILURE
        }
    }
}
