//! `cargo xtask codegen [--check]`: regenerates the checked-in `zk-records` records from
//! `zookeeper.jute`, or (with `--check`) fails when they are stale.

use std::path::{Path, PathBuf};

#[path = "../../zk-records/codegen_config.rs"]
mod zk_records_config;

/// Runs the subcommand with the arguments after `codegen`.
pub(crate) fn run(args: &[String]) -> Result<(), String> {
    let mut check = false;
    for arg in args {
        match arg.as_str() {
            "--check" => check = true,
            other => {
                return Err(format!(
                    "codegen: unknown argument `{other}`; usage: cargo xtask codegen [--check]"
                ))
            }
        }
    }
    let root = workspace_root();
    let code = zk_records_config::config()
        .generate_file(root.join(zk_records_config::SCHEMA))
        .map_err(|e| e.to_string())?;
    ensure_file_contents(&root, Path::new(zk_records_config::GENERATED), &code, check)
}

fn workspace_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

/// Makes `root/relative` hold `contents`. With `check`, a difference is an error instead of a
/// write, so CI catches generated code that was not regenerated after a change.
fn ensure_file_contents(
    root: &Path,
    relative: &Path,
    contents: &str,
    check: bool,
) -> Result<(), String> {
    let path = root.join(relative);
    let current = std::fs::read_to_string(&path).ok();
    if current.as_deref() == Some(contents) {
        return Ok(());
    }
    if check {
        let why = if current.is_some() {
            "is out of date"
        } else {
            "is missing"
        };
        return Err(format!(
            "{} {why}: run `cargo xtask codegen` and commit the result",
            relative.display()
        ));
    }
    std::fs::write(&path, contents).map_err(|e| format!("{}: {e}", path.display()))?;
    report_updated(relative);
    Ok(())
}

#[allow(clippy::print_stderr)]
fn report_updated(relative: &Path) {
    eprintln!("updated {}", relative.display());
}
