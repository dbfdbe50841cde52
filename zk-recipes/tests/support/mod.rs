//! Helpers shared by zk-recipes' integration tests: a server, clients, and generous bounds.
#![allow(dead_code, unused_imports)] // each test binary uses a part

use std::time::Duration;

pub mod model;
pub mod peer;

pub use zk_testkit::start_server;

/// Generous bound for anything that should happen soon, on a loaded shared machine.
pub const WAIT: Duration = Duration::from_secs(30);

/// A connected client with a short session timeout.
pub async fn connect(connect_string: &str) -> zk_client::Client {
    connect_with_timeout(connect_string, Duration::from_secs(6)).await
}

/// A connected client with the given session timeout.
pub async fn connect_with_timeout(connect_string: &str, session: Duration) -> zk_client::Client {
    zk_client::Client::builder()
        .session_timeout(session)
        .connect(connect_string)
        .await
        .unwrap_or_else(|e| panic!("connecting to {connect_string}: {e}"))
}

/// Waits (within [`WAIT`]) until `pred` holds of the lock path's children.
pub async fn wait_children(
    zk: &zk_client::Client,
    path: &str,
    what: &str,
    mut pred: impl FnMut(&[String]) -> bool,
) -> Vec<String> {
    let mut last = Vec::new();
    let found = tokio::time::timeout(WAIT, async {
        loop {
            last = match zk.get_children(path).await {
                Ok(c) => c.iter().map(|c| c.to_string()).collect(),
                Err(zk_client::Error::NoNode { .. }) => Vec::new(),
                Err(e) => panic!("listing {path}: {e}"),
            };
            if pred(&last) {
                return last.clone();
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    found.unwrap_or_else(|_| panic!("{what}: not within {WAIT:?}; children {last:?}"))
}
