//! What `zk-bench` and the Rust peers of `cargo xtask bench client` (`benches/client-peers`)
//! share, so that every Rust client's figures come from the same code: the latency histogram,
//! the operation mix and its PRNG, open-loop pacing, the `/proc` readers, the benchmark's node
//! layout, the measured window with its tally, and the report rows (`--tsv`, `--watches`).
//!
//! It has no dependencies: the peers build it in their own workspace without pulling in
//! `zk-client` or anything else of this one. The Java and Python harnesses that `cargo xtask
//! bench client` runs beside them reimplement the same histogram layout and rows.

pub mod hist;
pub mod measure;
pub mod nodes;
pub mod pace;
pub mod procfs;
pub mod report;
pub mod workload;
