//! The mutex under faults: the holder's server killed in an ensemble (the session moves to
//! another server and keeps the lock), and a waiter whose session expires and is re-created
//! (it re-enters the queue cleanly, with no node left of the old session); and a release
//! cancelled during a partition (the node is still deleted once the connection is back).
use crate::support;

use std::time::Duration;

use tokio::time::timeout;
use zk_client::{Client, SessionEvent};
use zk_recipes::{LockState, LossPolicy, LossReason, Mutex};
use zk_testkit::{Ensemble, EnsembleOptions, Proxy};

use crate::support::{connect, connect_with_timeout, wait_children, wait_event, WAIT};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_the_holders_server_keeps_the_lock() {
    let mut ensemble =
        Ensemble::start(EnsembleOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    let cs = ensemble.connect_string();
    let zk = connect_with_timeout(&cs, Duration::from_secs(15)).await;
    let session = zk.session().unwrap().id;
    let guard = Mutex::new(zk.clone(), "/locks/e")
        .unwrap()
        .with_loss_policy(LossPolicy::OnExpiry)
        .acquire()
        .await
        .unwrap();
    let mut status = guard.status_watcher();
    let server = ensemble
        .server_of_session(session)
        .expect("the holder's server");
    ensemble.stop(server);
    timeout(WAIT, status.wait_for(|s| s.was_suspended))
        .await
        .expect("the holder never heard of the lost connection")
        .unwrap();
    timeout(WAIT * 2, status.wait_for(|s| s.state == LockState::Held))
        .await
        .expect("not held again after the reconnect")
        .unwrap();
    assert_eq!(zk.session().unwrap().id, session, "same session");
    assert!(!guard.is_lost(), "OnExpiry: the lock survived");
    // Still exclusive: another contender does not get it.
    let other = Mutex::new(connect(&cs).await, "/locks/e").unwrap();
    assert!(other
        .acquire_timeout(Duration::from_secs(1))
        .await
        .unwrap()
        .is_none());
    let token = guard.fencing_token();
    guard.release().await.unwrap();
    let next = timeout(WAIT, other.acquire()).await.unwrap().unwrap();
    assert!(next.fencing_token() > token);
}

#[tokio::test]
async fn an_expired_waiter_re_enters_the_queue_cleanly() {
    let server = support::start_server();
    let cs = server.connect_string();
    let zk = connect(&cs).await;
    let holder = Mutex::new(zk.clone(), "/locks/r")
        .unwrap()
        .acquire()
        .await
        .unwrap();
    // The waiter, behind a proxy, with session re-creation.
    let proxy = Proxy::start(server.addr()).await.unwrap();
    let waiter_zk = Client::builder()
        .session_timeout(Duration::from_secs(4))
        .recreate_session_on_expiry(true)
        .connect(&proxy.connect_string())
        .await
        .unwrap();
    let old_session = waiter_zk.session().unwrap().id;
    let waiter = Mutex::new(waiter_zk.clone(), "/locks/r").unwrap();
    let pending = tokio::spawn(async move { waiter.acquire().await });
    let holder_name = holder.node().rsplit('/').next().unwrap().to_owned();
    let queued = wait_children(&zk, "/locks/r", "the waiter queued", |c| c.len() == 2).await;
    let old_node = queued.iter().find(|n| **n != holder_name).unwrap().clone();
    // Cut off past its session timeout: the session expires, the client re-creates it.
    let recreated = wait_event(&waiter_zk, "re-creation", |e| {
        matches!(e, SessionEvent::Recreated { .. })
    });
    let cut = async {
        proxy.partition();
        wait_event(&waiter_zk, "expiry", |e| {
            matches!(e, SessionEvent::Expired { .. })
        })
        .await;
        proxy.heal();
    };
    tokio::join!(recreated, cut);
    let new_session = waiter_zk.session().unwrap().id;
    assert_ne!(new_session, old_session);
    // The old node went with the old session; a new one of the new session queues.
    let requeued = wait_children(&zk, "/locks/r", "the waiter queued again", |c| {
        c.len() == 2 && c.contains(&holder_name) && !c.contains(&old_node)
    })
    .await;
    for name in &requeued {
        let stat = zk
            .exists(&format!("/locks/r/{name}"))
            .await
            .unwrap()
            .unwrap();
        assert_ne!(
            stat.ephemeral_owner, old_session,
            "a ghost of the old session"
        );
    }
    assert!(!pending.is_finished());
    holder.release().await.unwrap();
    let guard = timeout(WAIT, pending).await.unwrap().unwrap().unwrap();
    let stat = zk.exists(guard.node()).await.unwrap().unwrap();
    assert_eq!(stat.ephemeral_owner, new_session);
    assert_eq!(guard.state(), LockState::Held);
    // And a holder whose session expires is told so.
    proxy.partition();
    assert_eq!(
        timeout(WAIT, guard.lost()).await.unwrap(),
        LockState::Suspended
    );
    let mut status = guard.status_watcher();
    timeout(
        WAIT,
        status.wait_for(|s| matches!(s.state, LockState::Lost(_))),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(guard.state(), LockState::Lost(LossReason::SessionExpired));
    proxy.heal();
}

#[tokio::test]
async fn a_waiter_whose_session_ends_for_good_gets_the_error() {
    let server = support::start_server();
    let zk = connect(&server.connect_string()).await;
    let holder = Mutex::new(zk.clone(), "/locks/x")
        .unwrap()
        .acquire()
        .await
        .unwrap();
    let proxy = Proxy::start(server.addr()).await.unwrap();
    let waiter_zk = connect_with_timeout(&proxy.connect_string(), Duration::from_secs(4)).await;
    let waiter = Mutex::new(waiter_zk, "/locks/x").unwrap();
    let pending = tokio::spawn(async move { waiter.acquire().await.map(|g| g.fencing_token()) });
    wait_children(&zk, "/locks/x", "the waiter queued", |c| c.len() == 2).await;
    proxy.partition();
    let result = timeout(WAIT, pending)
        .await
        .expect("the waiter hangs after its session expired")
        .unwrap();
    assert_eq!(
        result,
        Err(zk_recipes::Error::Client(zk_client::Error::SessionExpired))
    );
    wait_children(&zk, "/locks/x", "the expired waiter's node gone", |c| {
        c.len() == 1
    })
    .await;
    holder.release().await.unwrap();
    proxy.heal();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_release_cancelled_during_a_partition_still_deletes_the_node() {
    let server = support::start_server();
    let zk = connect(&server.connect_string()).await;
    let proxy = Proxy::start(server.addr()).await.unwrap();
    // A session that outlives the whole test: the node must go by the release, not by expiry.
    let holder_zk = connect_with_timeout(&proxy.connect_string(), Duration::from_secs(40)).await;
    let session = holder_zk.session().unwrap().id;
    let guard = Mutex::new(holder_zk.clone(), "/locks/c")
        .unwrap()
        .acquire()
        .await
        .unwrap();
    proxy.partition();
    // The caller stops waiting while the client cannot reach the server.
    assert!(
        timeout(Duration::from_millis(200), guard.release())
            .await
            .is_err(),
        "the release finished during the partition"
    );
    proxy.heal();
    timeout(
        Duration::from_secs(5),
        wait_children(&zk, "/locks/c", "the released node gone", |c| c.is_empty()),
    )
    .await
    .expect("the lock node outlived its cancelled release");
    assert_eq!(holder_zk.session().unwrap().id, session, "same session");
    let other = Mutex::new(zk.clone(), "/locks/c").unwrap();
    let next = other.acquire_timeout(Duration::from_secs(5)).await.unwrap();
    assert!(next.is_some(), "another contender cannot acquire");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_lock_is_deleted_after_an_outage_longer_than_its_retries() {
    let server = support::start_server();
    let zk = connect(&server.connect_string()).await;
    let proxy = Proxy::start(server.addr()).await.unwrap();
    // Requests time out after 500 ms: a plain retried delete (5 runs, ~4 s) gives up long
    // before the 40 s session would take the node with it.
    let holder_zk = zk_client::Client::builder()
        .session_timeout(Duration::from_secs(40))
        .request_timeout(Duration::from_millis(500))
        .connect(&proxy.connect_string())
        .await
        .unwrap();
    let session = holder_zk.session().unwrap().id;
    let guard = Mutex::new(holder_zk.clone(), "/locks/outage")
        .unwrap()
        .acquire()
        .await
        .unwrap();
    proxy.partition();
    drop(guard);
    tokio::time::sleep(Duration::from_secs(7)).await;
    proxy.heal();
    timeout(
        Duration::from_secs(10),
        wait_children(&zk, "/locks/outage", "the dropped lock's node gone", |c| {
            c.is_empty()
        }),
    )
    .await
    .expect("the lock node outlived the outage");
    assert_eq!(holder_zk.session().unwrap().id, session, "same session");
}
