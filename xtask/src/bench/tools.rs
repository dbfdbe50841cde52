//! What the benchmarks share: the workspace's root and target directory, release builds of
//! its binaries, and running a command for its output.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The workspace's target directory (`CARGO_TARGET_DIR` when set).
pub(crate) fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root().join("target"), PathBuf::from)
}

/// Builds `bin` of `package` in release mode; its path.
#[allow(clippy::print_stderr)] // progress of a command-line tool goes to stderr
pub(crate) fn build_release(package: &str, bin: &str) -> Result<PathBuf, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    eprintln!("building {bin} (release)...");
    output(Command::new(&cargo).current_dir(root()).args([
        "build",
        "--quiet",
        "--release",
        "-p",
        package,
        "--bin",
        bin,
    ]))?;
    Ok(target_dir().join("release").join(bin))
}

/// The workspace's root directory.
pub(crate) fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// Runs `cmd`, failing with its stderr; returns its stdout.
pub(crate) fn output(cmd: &mut Command) -> Result<String, String> {
    let shown = format!("{cmd:?}");
    let out = cmd
        .output()
        .map_err(|e| format!("cannot run {shown}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{shown} failed ({}):\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    String::from_utf8(out.stdout).map_err(|e| format!("{shown}: {e}"))
}
