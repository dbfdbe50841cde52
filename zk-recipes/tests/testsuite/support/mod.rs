//! Helpers shared by zk-recipes' integration tests: client.rs (clients, bounds, waits, session
//! events, expiry through a fault proxy), model.rs (the tree cache's model), peer.rs (the
//! Curator and kazoo peers), and the server.

mod client;
pub mod model;
pub mod peer;

pub use client::*;
pub use zk_testkit::start_server;
