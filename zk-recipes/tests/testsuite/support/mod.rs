//! Helpers shared by zk-recipes' integration tests: client.rs (clients, bounds, waits, session
//! events, expiry through a fault proxy), model.rs (the tree cache's model), peer.rs (the
//! Curator and kazoo peers), and the server.

mod client;
pub mod model;
pub mod peer;

pub use client::*;
pub use zk_testkit::start_server;

/// One ensemble at a time: every test that starts an ensemble holds this, so the suite never
/// runs two quorums' JVMs at once beside the standalone servers and the Java peers, and a
/// failover within a bound is not starved by another quorum's elections.
pub static ENSEMBLES: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
