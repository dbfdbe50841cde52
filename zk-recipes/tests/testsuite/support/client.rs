//! Clients for the tests: connected with a short session (or re-creating theirs behind a fault
//! proxy), generous bounds, waiting for children and for session events, and expiry through a
//! proxy.

use std::time::Duration;

use tokio::time::timeout;
use zk_client::{Client, SessionEvent};
use zk_testkit::Proxy;

/// Generous bound for anything that should happen soon, on a loaded shared machine.
pub const WAIT: Duration = Duration::from_secs(30);

/// A session timeout that outlives a server restart on a loaded machine: the client gives a
/// session up 4/3 of its timeout after losing the server, and stopping and starting a JVM
/// can take ten seconds or more. The test servers allow sessions up to 60 s.
pub const OUTLIVES_RESTART: Duration = Duration::from_secs(40);

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

/// A client behind `proxy` (4 s sessions) that re-creates its session when it expires.
pub async fn recreating_client(proxy: &Proxy) -> Client {
    Client::builder()
        .session_timeout(Duration::from_secs(4))
        .recreate_session_on_expiry(true)
        .connect(&proxy.connect_string())
        .await
        .unwrap()
}

/// Waits (within [`WAIT`]) for a session event of `zk` matching `pred`; `what` names it in the
/// failure.
pub async fn wait_event(zk: &Client, what: &str, pred: impl Fn(&SessionEvent) -> bool) {
    let mut events = zk.session_events();
    timeout(WAIT, async {
        while let Some(e) = events.next().await {
            if pred(&e) {
                return;
            }
        }
        panic!("session events ended waiting for {what}");
    })
    .await
    .unwrap_or_else(|_| panic!("no {what} within {WAIT:?}"));
}

/// Cuts the clients behind `proxy` off until `zk`'s session expired (running `during` while
/// cut off), then heals the proxy.
pub async fn expire_during(
    zk: &Client,
    proxy: &Proxy,
    during: impl std::future::Future<Output = ()>,
) {
    let mut events = zk.session_events();
    proxy.partition();
    during.await;
    timeout(WAIT, async {
        while let Some(e) = events.next().await {
            if matches!(e, SessionEvent::Expired { .. }) {
                return;
            }
        }
    })
    .await
    .expect("the session never expired");
    proxy.heal();
}

/// Cuts the client off until its session expired, then lets it re-create one.
pub async fn expire(zk: &Client, proxy: &Proxy) {
    expire_during(zk, proxy, async {}).await;
}
