//! Running a program under test (a workspace binary such as `zk` or `jute`) and checking how
//! it ended: its stdout when it must succeed, its stderr when it must fail with a given exit
//! code. The failure messages carry the program's stderr, so a failing test says why.

use std::fmt::Display;
use std::io::{BufRead as _, BufReader, Write as _};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;

/// Runs `command` with `input` on its stdin and collects its output. The input is written from
/// a thread (a large input cannot deadlock against a full stdout pipe), and a program that
/// exits without reading all of it is not an error.
pub fn run_with_stdin(command: &mut Command, input: &[u8]) -> Output {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("running {:?}: {e}", command.get_program()));
    let mut stdin = child.stdin.take().expect("a piped stdin");
    let input = input.to_vec();
    let writer = std::thread::spawn(move || {
        // A command that fails before reading stdin closes it: that write may fail.
        let _ = stdin.write_all(&input);
    });
    let out = child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("waiting for {:?}: {e}", command.get_program()));
    writer.join().expect("the stdin writer panicked");
    out
}

/// Starts `command` (its stderr inherited) and returns it with its stdout lines as they come,
/// read by a thread; the channel ends when stdout closes. For programs that keep running,
/// such as `zk watch`.
pub fn spawn_lines(command: &mut Command) -> (Child, mpsc::Receiver<String>) {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| panic!("running {:?}: {e}", command.get_program()));
    let stdout = child.stdout.take().expect("a piped stdout");
    let (tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { return };
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    (child, lines)
}

/// Asserts that the run `what` (e.g. `zk ["ls", "/"]`) succeeded; its stdout.
pub fn stdout_ok(out: &Output, what: impl Display) -> String {
    assert!(
        out.status.success(),
        "{what} failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Asserts that the run `what` ended with exit code `code`; its stderr.
pub fn stderr_of_exit(out: &Output, code: i32, what: impl Display) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(code), "{what}: {stderr}");
    stderr
}

/// Asserts that a run ended with exit code `code` and that its stderr says `says`.
pub fn assert_fails(out: &Output, code: i32, says: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "{stderr}");
    assert!(stderr.contains(says), "{stderr:?} lacks {says:?}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stdin_reaches_the_program_and_exit_codes_are_checked() {
        let out = run_with_stdin(&mut Command::new("cat"), b"hello");
        assert_eq!(stdout_ok(&out, "cat"), "hello");
        let out = run_with_stdin(Command::new("sh").args(["-c", "echo no >&2; exit 3"]), b"");
        assert_eq!(stderr_of_exit(&out, 3, "sh"), "no\n");
        assert_fails(&out, 3, "no");
    }

    #[test]
    fn lines_arrive_as_the_program_writes_them() {
        let (mut child, lines) = spawn_lines(Command::new("printf").arg("a\\nb\\n"));
        assert_eq!(lines.iter().collect::<Vec<_>>(), ["a", "b"]);
        assert!(child.wait().unwrap().success());
    }

    #[test]
    #[should_panic(expected = "false failed")]
    fn a_failure_where_success_was_due_panics_with_the_run_named() {
        let out = run_with_stdin(&mut Command::new("false"), b"");
        stdout_ok(&out, "false");
    }
}
