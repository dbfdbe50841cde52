//! Test support shared by the integration tests: a real ZooKeeper server per test.
#![allow(dead_code)]

pub(crate) mod server;

pub(crate) use server::ZkServer;

/// Starts a fresh server, failing the test (never skipping it) when ZooKeeper is missing.
pub(crate) fn start_server() -> ZkServer {
    match ZkServer::start() {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    }
}
