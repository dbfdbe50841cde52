//! The `zk` binary's integration tests, one test binary: each module covers one command or
//! one concern, running the binary (`CARGO_BIN_EXE_zk`) against real ZooKeeper servers and
//! ensembles started by `zk-testkit`, and against Apache's tools and kazoo for the data files.
//!
//! `cargo test -p zk-command --test testsuite MODULE::` runs one module, e.g. `lock::`.

mod cli;
mod completions;
mod config;
mod elect;
mod four_letter;
// Needs the system's GSS-API library: `cargo test -p zk-command --features gssapi`
// (`cargo xtask test` turns the feature on).
#[cfg(feature = "gssapi")]
mod gssapi;
mod lock;
mod node_options;
mod progress;
mod read_only;
mod reconfig;
mod sasl;
mod services;
mod signals;
mod streams;
mod support;
mod tls;
mod transfer;
mod tree;
mod watch_tree;
mod zk_configs;
mod zk_files;
mod zk_maxbuffer;
mod zk_parity;
mod zk_snapshots;
