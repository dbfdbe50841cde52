//! Leader election by latch against a real server: one leader among Rust participants, the
//! next one leading when it leaves, leadership lost at once on suspension; and a Rust latch
//! with a Curator `LeaderLatch` (the Java harness) on one path electing exactly one leader.
use crate::support;

use std::time::Duration;

use tokio::time::timeout;
use zk_recipes::LeaderLatch;
use zk_testkit::{Fault, Proxy};

use crate::support::peer::Peer;
use crate::support::{connect, connect_with_timeout, wait_children, WAIT};

#[tokio::test]
async fn one_leader_and_the_next_takes_over() {
    let server = support::start_server();
    let cs = server.connect_string();
    let mut latches = Vec::new();
    for id in ["a", "b", "c"] {
        let latch = LeaderLatch::new(connect(&cs).await, "/election", id)
            .unwrap()
            .start()
            .await
            .unwrap();
        latches.push(latch);
    }
    timeout(WAIT, latches[0].wait_leadership())
        .await
        .unwrap()
        .unwrap();
    let name = latches[0].node().rsplit('/').next().unwrap().to_owned();
    assert!(zk_client::is_protected(&name), "{name}");
    assert!(
        zk_client::strip_protected(&name).starts_with("latch-"),
        "{name}"
    );
    let participants = latches[1].participants().await.unwrap();
    let ids: Vec<_> = participants.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["a", "b", "c"]);
    assert!(participants[0].is_leader && !participants[1].is_leader);
    assert_eq!(latches[2].leader().await.unwrap().unwrap().id, "a");
    assert!(!latches[1].is_leader() && !latches[2].is_leader());

    let mut b_leads = latches[1].leadership();
    let a = latches.remove(0);
    a.close().await.unwrap();
    timeout(WAIT, b_leads.wait_for(|l| l.is_leader))
        .await
        .expect("b never led")
        .unwrap();
    assert!(!latches[1].is_leader());
    assert_eq!(latches[1].leader().await.unwrap().unwrap().id, "b");
}

#[tokio::test]
async fn leadership_is_lost_at_once_on_suspension() {
    let server = support::start_server();
    let proxy = Proxy::start(server.addr()).await.unwrap();
    let zk = connect_with_timeout(&proxy.connect_string(), Duration::from_secs(4)).await;
    let latch = LeaderLatch::new(zk, "/election", "me")
        .unwrap()
        .start()
        .await
        .unwrap();
    timeout(WAIT, latch.wait_leadership())
        .await
        .unwrap()
        .unwrap();
    let other = LeaderLatch::new(
        connect(&server.connect_string()).await,
        "/election",
        "other",
    )
    .unwrap()
    .start()
    .await
    .unwrap();
    let mut mine = latch.leadership();
    // Silently cut off: told at 2/3 of the session timeout, before the server expires the
    // session and the other participant leads.
    proxy.set_fault(Fault::BlackHole);
    timeout(WAIT, mine.wait_for(|l| !l.is_leader))
        .await
        .expect("never told")
        .unwrap();
    assert!(!other.is_leader(), "the other led before this one was told");
    assert_eq!(mine.borrow().term, 1);
    timeout(WAIT, other.wait_leadership())
        .await
        .unwrap()
        .unwrap();
    proxy.heal();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_and_curator_latches_elect_one_leader() {
    let server = support::start_server();
    let cs = server.connect_string();
    let zk = connect(&cs).await;
    let rust = LeaderLatch::new(zk.clone(), "/election", "rust")
        .unwrap()
        .start()
        .await
        .unwrap();
    timeout(WAIT, rust.wait_leadership())
        .await
        .unwrap()
        .unwrap();
    let mut java = Peer::curator(&cs, &["latch", "/election", "java"]);
    assert_eq!(java.line().await, "STARTED");
    wait_children(&zk, "/election", "the Java participant joined", |c| {
        c.len() == 2
    })
    .await;
    let participants = rust.participants().await.unwrap();
    let ids: Vec<_> = participants.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["rust", "java"], "one queue, Curator's layout");
    assert!(rust.is_leader());
    // The Rust leader leaves: the Java latch leads.
    rust.close().await.unwrap();
    assert_eq!(java.line().await, "LEADER");
    // A Rust latch joining now follows.
    let again = LeaderLatch::new(zk.clone(), "/election", "rust-2")
        .unwrap()
        .start()
        .await
        .unwrap();
    wait_children(&zk, "/election", "the Rust participant joined", |c| {
        c.len() == 2
    })
    .await;
    let leader = again.leader().await.unwrap().unwrap();
    assert_eq!(leader.id, "java");
    assert!(!again.is_leader());
    java.send_line().await;
    let mut rest = Vec::new();
    loop {
        let line = java.line().await;
        if line == "CLOSED" {
            break;
        }
        rest.push(line);
    }
    java.finish().await;
    timeout(WAIT, again.wait_leadership())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again.leader().await.unwrap().unwrap().id, "rust-2");
}
