//! Test support shared by the integration tests: a real ZooKeeper server per test.
#![allow(dead_code)]

pub(crate) mod ensemble;
pub(crate) mod proxy;
pub(crate) mod server;

pub(crate) use server::ZkServer;

/// Starts a fresh server, failing the test (never skipping it) when ZooKeeper is missing.
pub(crate) fn start_server() -> ZkServer {
    match ZkServer::start() {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    }
}

/// A connected client for `server`, with a short session timeout.
pub(crate) async fn connect(server: &ZkServer) -> zk_client::Client {
    connect_to(&server.connect_string()).await
}

/// A connected client for a connect string.
pub(crate) async fn connect_to(connect_string: &str) -> zk_client::Client {
    zk_client::Client::builder()
        .session_timeout(std::time::Duration::from_secs(6))
        .connect(connect_string)
        .await
        .unwrap_or_else(|e| panic!("connecting to {connect_string}: {e}"))
}
