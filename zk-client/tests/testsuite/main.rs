//! zk-client's integration tests, one test binary (cargo's own layout): each module is a
//! former test file, and they share one build and one link. Most run against real ZooKeeper
//! servers started by `zk-testkit` (they fail, never skip, when it is missing).
//!
//! `cargo test -p zk-client --test testsuite MODULE::` runs one module, e.g. `ops::`.

mod admin;
mod api;
mod building_blocks;
mod close;
mod coalesce;
mod cut_answers;
mod enforce_auth;
mod ensemble;
mod ensemble_tls;
mod fake_server;
mod faults;
mod fuzz_client;
// Needs the system's GSS-API library: `cargo test -p zk-client --features gssapi`
// (`cargo xtask test` turns the feature on).
#[cfg(feature = "gssapi")]
mod gssapi;
mod hostile_peers;
mod multi;
mod ops;
mod proxy_faults;
mod rebalance;
mod reconfig;
mod sasl;
mod session_expiry;
mod session_reconnect;
mod session_timeouts;
mod support;
mod tls;
mod watch_modes;
mod watches;
