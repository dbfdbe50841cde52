//! Closing against a real server whatever is queued: a close overtakes a burst of watch
//! removals, so the server ends the session at once rather than at its timeout.
use std::time::Duration;

use zk_client::{CreateOptions, SessionState};
use zk_testkit::ZkServer;

use crate::support;

/// The packets the server has received (`Received:` of the `srvr` four-letter word).
fn received_packets(server: &ZkServer) -> u64 {
    let srvr = zk_testkit::four_letter_word(server.port(), "srvr").unwrap();
    srvr.lines()
        .find_map(|l| l.strip_prefix("Received: "))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no Received line in {srvr}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn close_right_after_dropping_thousands_of_watchers_is_confirmed() {
    let server = support::start_server();
    let client = support::connect(&server).await;
    let observer = support::connect(&server).await;
    client
        .create("/owned", Vec::new(), &CreateOptions::ephemeral())
        .await
        .unwrap();

    // 20,000 exist watches on missing nodes, each its own server-side watch.
    let mut tasks = Vec::new();
    for chunk in 0..20 {
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            let mut watchers = Vec::new();
            for i in 0..1000 {
                let path = format!("/missing-{chunk}-{i}");
                let (stat, watcher) = client.exists_and_watch(&path).await.unwrap();
                assert!(stat.is_none());
                watchers.push(watcher);
            }
            watchers
        }));
    }
    let mut watchers = Vec::new();
    for task in tasks {
        watchers.extend(task.await.unwrap());
    }
    assert_eq!(watchers.len(), 20_000);

    // Dropping them all asks for 20,000 removals; the close right after must not wait
    // behind them (the close removes the session's watches anyway). Removals go out at most
    // 64 at a time while the watchers are being dropped and the close drops the rest: far
    // fewer than one per watcher (20,003 packets without the deferral), however slowly a
    // loaded machine drops them.
    let received_before = received_packets(&server);
    drop(watchers);
    let closed = client.close().await;
    assert_eq!(closed, Ok(()), "the server confirmed the close");
    let received = received_packets(&server) - received_before;
    assert!(
        received < 10_000,
        "{received} packets reached the server before the close"
    );
    assert_eq!(client.state(), SessionState::Closed);
    // The session is gone on the server now, not at its timeout: its ephemeral node too.
    let gone = tokio::time::timeout(Duration::from_secs(1), observer.exists("/owned")).await;
    assert!(matches!(gone, Ok(Ok(None))), "{gone:?}");
}
