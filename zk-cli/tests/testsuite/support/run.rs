//! Running the `zk` binary under test: with or without `--server`, with stdin, and checking
//! how it ended (its stdout when it must succeed, its stderr when it must fail).

use std::process::{Command, Output};

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
