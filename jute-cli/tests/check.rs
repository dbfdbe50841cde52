//! Runs the `jute` binary: `jute check` exit codes and output.

use std::path::Path;
use std::process::Command;

fn jute() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_jute"));
    // Run from the workspace root so paths in messages are short and stable.
    cmd.current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(".."));
    cmd
}

#[test]
fn check_accepts_zookeeper_jute() {
    let out = jute()
        .args(["check", "zookeeper.jute"])
        .output()
        .expect("run jute");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim(), "ok: 5 modules, 72 records");
}

#[test]
fn check_quiet_prints_nothing() {
    let out = jute()
        .args(["check", "--quiet", "zookeeper.jute"])
        .output()
        .expect("run jute");
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stderr.is_empty() && out.stdout.is_empty());
}

#[test]
fn check_reports_all_errors_of_all_files() {
    let out = jute()
        .args([
            "check",
            "jute-parser/tests/corpus/invalid/multiple_errors.jute",
            "jute-parser/tests/corpus/invalid/unknown_type.jute",
            "zookeeper.jute",
        ])
        .output()
        .expect("run jute");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        err.matches("\nerror: ").count() + usize::from(err.starts_with("error: ")),
        7,
        "{err}"
    );
    assert!(
        err.contains(" --> jute-parser/tests/corpus/invalid/unknown_type.jute:6:9\n"),
        "{err}"
    );
    assert!(
        err.contains("        ^^^ not declared in module `a.b`"),
        "{err}"
    );
    assert!(
        err.ends_with("error: could not check the schema due to 6 previous errors\n"),
        "{err}"
    );
}

#[test]
fn check_missing_file_fails() {
    let out = jute()
        .args(["check", "no/such/file.jute"])
        .output()
        .expect("run jute");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cannot read `no/such/file.jute`: file not found"),
        "{err}"
    );
}

#[test]
fn check_without_files_is_a_usage_error() {
    let out = jute().arg("check").output().expect("run jute");
    assert_eq!(out.status.code(), Some(2));
}
