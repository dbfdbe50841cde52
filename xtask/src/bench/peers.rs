//! The Rust peers of `cargo xtask bench client`: kezhuw's `zookeeper-client` and the
//! `zookeeper` crate, each driven by a binary of `benches/client-peers` (a cargo workspace of
//! its own, so their dependency trees stay out of the project's `Cargo.lock`), built here in
//! release mode on demand. The binaries take `zk-bench`'s flags and print its TSV row.

use std::path::PathBuf;
use std::process::Command;

use super::tools::{output, root, target_dir};

/// The peers: label in the tables, and the binary that drives it.
pub(crate) const PEERS: [(&str, &str); 2] = [
    ("zookeeper-client", "peer-zookeeper-client"),
    ("rust-zookeeper", "peer-rust-zookeeper"),
];

/// Builds the peer drivers (release); the directory holding the binaries.
#[allow(clippy::print_stderr)] // progress of a command-line tool goes to stderr
pub(crate) fn build() -> Result<PathBuf, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let target = target_dir().join("client-peers");
    eprintln!("building the peer drivers (benches/client-peers, release)...");
    output(
        Command::new(&cargo)
            .current_dir(root().join("benches/client-peers"))
            .args(["build", "--quiet", "--release", "--locked", "--target-dir"])
            .arg(&target),
    )?;
    Ok(target.join("release"))
}
