//! The semaphore against a real server: at most N leases at once, a lease freed lets a
//! waiter in, a timed-out waiter leaves no lease behind, a waiter rides out reads that time
//! out; and shared with Curator's `InterProcessSemaphoreV2` (the Java harness) on one path.
use crate::support;

use std::time::Duration;

use tokio::time::timeout;
use zk_recipes::Semaphore;

use zk_testkit::{Fault, Proxy};

use crate::support::peer::Peer;
use crate::support::{connect, wait_children, WAIT};

const SHORT: Duration = Duration::from_millis(500);

#[tokio::test]
async fn at_most_n_leases() {
    let server = support::start_server();
    let cs = server.connect_string();
    let zk = connect(&cs).await;
    let pool = Semaphore::new(zk.clone(), "/pool", 2).unwrap();
    let a = pool.acquire().await.unwrap();
    let name = a.node().rsplit('/').next().unwrap().to_owned();
    assert!(a.node().starts_with("/pool/leases/"), "{}", a.node());
    assert!(
        zk_client::strip_protected(&name).starts_with("lease-"),
        "{name}"
    );
    let b = Semaphore::new(connect(&cs).await, "/pool", 2)
        .unwrap()
        .acquire()
        .await
        .unwrap();
    let third = Semaphore::new(connect(&cs).await, "/pool", 2).unwrap();
    assert!(third.acquire_timeout(SHORT).await.unwrap().is_none());
    wait_children(&zk, "/pool/leases", "the timed-out lease withdrawn", |c| {
        c.len() == 2
    })
    .await;
    let waiting = {
        let third = third.clone();
        tokio::spawn(async move { third.acquire().await })
    };
    wait_children(&zk, "/pool/leases", "the waiter's lease", |c| c.len() == 3).await;
    assert!(!waiting.is_finished());
    a.release().await.unwrap();
    let c = timeout(WAIT, waiting).await.unwrap().unwrap().unwrap();
    assert_eq!(pool.leases().await.unwrap().len(), 2);
    drop((b, c));
    wait_children(&zk, "/pool/leases", "leases released on drop", |c| {
        c.is_empty()
    })
    .await;
    assert!(Semaphore::new(zk, "/pool", 0).is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shared_with_curators_semaphore() {
    let server = support::start_server();
    let cs = server.connect_string();
    let zk = connect(&cs).await;
    let mut java = Peer::curator(&cs, &["sem-hold", "/pool", "2"]);
    let held = java.line().await;
    let java_lease = held.strip_prefix("HELD ").expect(&held).to_owned();
    assert!(
        zk_client::strip_protected(&java_lease).starts_with("lease-"),
        "{held}"
    );
    let pool = Semaphore::new(zk.clone(), "/pool", 2).unwrap();
    let mine = pool.acquire().await.unwrap();
    let leases = pool.leases().await.unwrap();
    assert!(leases.contains(&java_lease), "one pool: {leases:?}");
    assert!(pool.acquire_timeout(SHORT).await.unwrap().is_none());
    let waiting = {
        let pool = pool.clone();
        tokio::spawn(async move { pool.acquire().await })
    };
    wait_children(&zk, "/pool/leases", "the Rust waiter", |c| c.len() == 3).await;
    assert!(!waiting.is_finished());
    java.send_line().await;
    assert_eq!(java.line().await, "RELEASED");
    java.finish().await;
    let second = timeout(WAIT, waiting).await.unwrap().unwrap().unwrap();
    // Two Rust leases: a Curator contender gets none, then one when a Rust lease goes.
    let mut java = Peer::curator(&cs, &["sem-try", "/pool", "2", "500"]);
    assert_eq!(java.line().await, "TIMEOUT");
    java.finish().await;
    let mut java = Peer::curator(&cs, &["sem-try", "/pool", "2", "60000"]);
    wait_children(&zk, "/pool/leases", "the Curator waiter", |c| c.len() == 3).await;
    mine.release().await.unwrap();
    let got = java.line().await;
    assert!(got.starts_with("ACQUIRED "), "{got}");
    java.finish().await;
    second.release().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_waiter_rides_out_a_slow_connection() {
    let server = support::start_server();
    let zk = connect(&server.connect_string()).await;
    let holder = Semaphore::new(zk.clone(), "/pool", 1)
        .unwrap()
        .acquire()
        .await
        .unwrap();
    let proxy = Proxy::start(server.addr()).await.unwrap();
    // Requests time out after 500 ms; the session outlives the slow spell.
    let waiter_zk = zk_client::Client::builder()
        .session_timeout(Duration::from_secs(20))
        .request_timeout(Duration::from_millis(500))
        .connect(&proxy.connect_string())
        .await
        .unwrap();
    let session = waiter_zk.session().unwrap().id;
    let waiter = Semaphore::new(waiter_zk.clone(), "/pool", 1).unwrap();
    let pending = tokio::spawn(async move { waiter.acquire().await });
    wait_children(&zk, "/pool/leases", "the waiter's lease", |c| c.len() == 2).await;
    // The release's watch event reaches the waiter late, and its read of the leases then
    // times out once or twice before the connection is quick again: it reads again, as
    // Curator's retry loop does, and gets the lease.
    proxy.set_fault(Fault::Delay(Duration::from_secs(1)));
    holder.release().await.unwrap();
    tokio::time::sleep(Duration::from_secs(2)).await;
    proxy.set_fault(Fault::Pass);
    let lease = timeout(WAIT, pending)
        .await
        .expect("the waiter hangs")
        .unwrap()
        .expect("the waiter gave up on a timed-out read");
    assert_eq!(waiter_zk.session().unwrap().id, session, "same session");
    let leases = wait_children(&zk, "/pool/leases", "one lease", |c| c.len() == 1).await;
    assert!(lease.node().ends_with(&leases[0]), "{leases:?}");
}
