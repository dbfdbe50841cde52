//! `cargo xtask quickstart`: the main job end to end on a fresh machine: install ZooKeeper,
//! regenerate the records from `zookeeper.jute`, and run the service-discovery example
//! (zk-recipes' `examples/quickstart.rs`) against a local
//! ZooKeeper that the example starts (and stops) itself.

use std::process::Command;

use crate::{codegen, setup};

/// Runs the quick start.
#[allow(clippy::print_stderr)]
pub(crate) fn run(args: &[String]) -> Result<(), String> {
    setup::ensure_system_packages(setup::Needs::Server)?;
    codegen::run(&[])?;
    // Not `--quiet`: the first run compiles the client and tokio, and cargo's progress
    // shows that something is happening.
    eprintln!("building and running the quickstart example (zk-recipes/examples/quickstart.rs)");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let status = Command::new(cargo)
        .args(["run", "-p", "zk-recipes", "--example", "quickstart", "--"])
        .args(args)
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("the quickstart example failed ({status})"))
    }
}
