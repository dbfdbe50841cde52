//! Barrier and DoubleBarrier against a real server and with Apache Curator's
//! `DistributedBarrier` / `DistributedDoubleBarrier` (Java harness
//! zk-testkit's `java/CuratorCountHarness.java`): waiters pass only once the barrier is removed;
//! nobody enters a double barrier before all members are there, nor leaves before all are done,
//! and a member whose `enter` is dropped is not counted.
use crate::support;

use std::time::Duration;

use tokio::time::timeout;
use zk_recipes::{Barrier, DoubleBarrier};

use crate::support::peer::Peer;
use crate::support::{connect, wait_children, WAIT};
use zk_testkit::CuratorHarness;

const HARNESS: CuratorHarness = CuratorHarness::Count;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waiters_pass_when_the_barrier_is_removed() {
    let server = support::start_server();
    let cs = server.connect_string();
    let barrier = Barrier::new(connect(&cs).await, "/b/gate").unwrap();
    assert!(
        barrier
            .wait_timeout(Duration::from_millis(10))
            .await
            .unwrap(),
        "down: passes"
    );
    barrier.set().await.unwrap();
    barrier.set().await.unwrap();
    assert!(barrier.is_set().await.unwrap());
    assert!(!barrier
        .wait_timeout(Duration::from_millis(300))
        .await
        .unwrap());
    let mut waiters = Vec::new();
    for _ in 0..2 {
        let b = Barrier::new(connect(&cs).await, "/b/gate").unwrap();
        waiters.push(tokio::spawn(async move { b.wait().await }));
    }
    let mut curator = Peer::java(HARNESS, &cs, &["barrier-wait", "/b/gate"]);
    assert_eq!(curator.line().await, "WAITING");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        waiters.iter().all(|w| !w.is_finished()),
        "passed a raised barrier"
    );
    barrier.remove().await.unwrap();
    for w in waiters {
        timeout(WAIT, w)
            .await
            .expect("a waiter never passed")
            .unwrap()
            .unwrap();
    }
    assert_eq!(curator.line().await, "PASSED");
    curator.finish().await;
    barrier.remove().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_enter_and_leave_together_with_curators() {
    let server = support::start_server();
    let cs = server.connect_string();
    let zk = connect(&cs).await;
    let first = DoubleBarrier::new(connect(&cs).await, "/b/double", 3).unwrap();
    let second = DoubleBarrier::new(connect(&cs).await, "/b/double", 3).unwrap();
    assert!(DoubleBarrier::new(zk.clone(), "/b/double", 0).is_err());
    // Two members alone do not get in; one that gives up withdraws.
    let quitter = DoubleBarrier::new(connect(&cs).await, "/b/double", 3).unwrap();
    assert!(!quitter
        .enter_timeout(Duration::from_millis(300))
        .await
        .unwrap());
    let f = first.clone();
    let entering = tokio::spawn(async move { f.enter().await });
    wait_children(&zk, "/b/double", "the first member", |c| c.len() == 1).await;
    let s = second.clone();
    let entering2 = tokio::spawn(async move { s.enter().await });
    wait_children(&zk, "/b/double", "two members", |c| c.len() == 2).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !entering.is_finished() && !entering2.is_finished(),
        "entered with 2 of 3"
    );
    // Curator's member is the third: everyone enters.
    let mut curator = Peer::java(HARNESS, &cs, &["double", "/b/double", "3"]);
    assert_eq!(curator.line().await, "ENTERED");
    timeout(WAIT, entering)
        .await
        .expect("first never entered")
        .unwrap()
        .unwrap();
    timeout(WAIT, entering2)
        .await
        .expect("second never entered")
        .unwrap()
        .unwrap();
    let names = wait_children(&zk, "/b/double", "ready", |c| {
        c.contains(&"ready".to_owned())
    })
    .await;
    assert_eq!(names.len(), 4, "3 members and ready: {names:?}");
    // Leaving: ours wait until Curator's member leaves too.
    let f = first.clone();
    let leaving = tokio::spawn(async move { f.leave().await });
    let s = second.clone();
    let leaving2 = tokio::spawn(async move { s.leave().await });
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        !leaving.is_finished() && !leaving2.is_finished(),
        "left before Curator's member"
    );
    curator.send_line().await;
    assert_eq!(curator.line().await, "LEFT");
    timeout(WAIT, leaving)
        .await
        .expect("first never left")
        .unwrap()
        .unwrap();
    timeout(WAIT, leaving2)
        .await
        .expect("second never left")
        .unwrap()
        .unwrap();
    curator.finish().await;
    wait_children(&zk, "/b/double", "nothing left", |c| c.is_empty()).await;
}

#[tokio::test]
async fn a_dropped_enter_leaves_no_member_behind() {
    let server = support::start_server();
    let cs = server.connect_string();
    let zk = connect(&cs).await;
    // A member whose caller stops waiting (a timeout around `enter`, a `select!`) is not a
    // member: its node goes, and it is not counted.
    let dropped = DoubleBarrier::new(connect(&cs).await, "/b/dropped", 2).unwrap();
    assert!(timeout(Duration::from_millis(300), dropped.enter())
        .await
        .is_err());
    let alone = DoubleBarrier::new(connect(&cs).await, "/b/dropped", 2).unwrap();
    assert!(
        !alone
            .enter_timeout(Duration::from_millis(500))
            .await
            .unwrap(),
        "entered with one live member of two"
    );
    wait_children(&zk, "/b/dropped", "no member left", |c| c.is_empty()).await;
}
