//! `cargo xtask test`: the whole test suite on a fresh machine (installs ZooKeeper first).
//!
//! Snapshot tests run with `CI=true`, so insta never writes snapshots: a changed snapshot fails.

use std::process::Command;

use crate::setup;

/// The cargo features the test run turns on: Kerberos (SASL GSSAPI) in the client, whose
/// tests need the KDC that [`setup`] installs.
const FEATURES: &str = "zk-client/gssapi,zk-command/gssapi";

/// Runs `cargo test` over the workspace with [`FEATURES`] (extra arguments are passed to
/// cargo).
pub(crate) fn run(args: &[String]) -> Result<(), String> {
    setup::ensure_system_packages(setup::Needs::Tests)?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    // Unit, integration and doc tests of every crate.
    let status = Command::new(cargo)
        .args(["test", "--workspace", "--features", FEATURES])
        .args(args)
        .env("CI", "true")
        .env("INSTA_UPDATE", "no")
        .env_remove("TRYBUILD")
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("cargo test failed ({status})"))
    }
}
