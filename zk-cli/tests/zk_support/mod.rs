//! Helpers shared by the `zk` binary's test files: running `zk` (with or without `--server`,
//! with stdin) and checking how it ended, through `test_support::process`; a library client
//! for the other side of a test; and (files.rs) the `zk log` / `zk snapshot` helpers.
#![allow(dead_code, unused_imports)] // Each test binary uses a different subset.

pub use zk_testkit as server;

mod files;

pub use files::*;

use std::process::{Command, Output};
use std::time::Duration;

use test_support::process::{run_with_stdin, stderr_of_exit, stdout_ok};

/// The `zk` binary under test.
pub const ZK: &str = env!("CARGO_BIN_EXE_zk");

/// Runs `zk ARGS`.
pub fn zk(args: &[&str]) -> Output {
    Command::new(ZK).args(args).output().expect("run zk")
}

/// Runs `zk ARGS` with `input` on its stdin.
pub fn zk_stdin(args: &[&str], input: &[u8]) -> Output {
    run_with_stdin(Command::new(ZK).args(args), input)
}

/// Runs `zk --server CS ARGS`.
pub fn zk_at(cs: &str, args: &[&str]) -> Output {
    Command::new(ZK)
        .args(["--server", cs])
        .args(args)
        .output()
        .expect("run zk")
}

/// Runs `zk --server CS ARGS` with `input` on its stdin.
pub fn zk_at_with_stdin(cs: &str, args: &[&str], input: &[u8]) -> Output {
    run_with_stdin(Command::new(ZK).args(["--server", cs]).args(args), input)
}

/// Runs `zk --server CS ARGS`, which must succeed; its stdout.
pub fn ok(cs: &str, args: &[&str]) -> String {
    ok_in(cs, args, b"")
}

/// Runs `zk --server CS ARGS` with `input` on its stdin, which must succeed; its stdout.
pub fn ok_in(cs: &str, args: &[&str], input: &[u8]) -> String {
    stdout_ok(
        &zk_at_with_stdin(cs, args, input),
        format_args!("zk {args:?}"),
    )
}

/// Runs `zk --server CS ARGS`, which must fail with `code`; its stderr.
pub fn fails(cs: &str, args: &[&str], code: i32) -> String {
    fails_in(cs, args, b"", code)
}

/// Runs `zk --server CS ARGS` with `input` on its stdin, which must fail with `code`; its
/// stderr.
pub fn fails_in(cs: &str, args: &[&str], input: &[u8], code: i32) -> String {
    stderr_of_exit(
        &zk_at_with_stdin(cs, args, input),
        code,
        format_args!("zk {args:?}"),
    )
}

/// A library client of `cs` with a 6 s session: the other party of the watch, lock and
/// election tests.
pub async fn connect(cs: &str) -> zk_client::Client {
    zk_client::Client::builder()
        .session_timeout(Duration::from_secs(6))
        .connect(cs)
        .await
        .unwrap_or_else(|e| panic!("connecting to {cs}: {e}"))
}

/// Generous bound for anything that should happen soon, on a loaded shared machine.
pub const WAIT: Duration = Duration::from_secs(30);

/// The first line a child writes to `stdout` (read on a blocking thread).
pub async fn first_line(stdout: std::process::ChildStdout) -> String {
    tokio::task::spawn_blocking(move || {
        use std::io::BufRead as _;
        let mut line = String::new();
        std::io::BufReader::new(stdout)
            .read_line(&mut line)
            .expect("reading the child's stdout");
        line
    })
    .await
    .expect("the reading thread panicked")
}
