//! The semaphore against a real server: at most N leases at once, a lease freed lets a
//! waiter in, a timed-out waiter leaves no lease behind, a waiter rides out reads that time
//! out; and shared with Curator's `InterProcessSemaphoreV2` (the Java harness) on one path.
//! With the limit a `SharedCount`: raising it lets a waiter in with no lease released,
//! lowering it takes no lease back, a dropped acquisition leaves no lease, and the limit is
//! shared with a Curator semaphore built on a `SharedCount` at the same path.
use crate::support;

use std::time::Duration;

use tokio::time::timeout;
use zk_recipes::{Error, Semaphore, SharedCount};

use zk_testkit::{CuratorHarness, Fault, Proxy};

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

/// The last path segment of a lease node.
fn name(node: &str) -> String {
    node.rsplit('/').next().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_raised_shared_count_lets_a_waiter_in() {
    let server = support::start_server();
    let cs = server.connect_string();
    let zk = connect(&cs).await;
    let count = SharedCount::new(zk.clone(), "/pool-max", 1).await.unwrap();
    let pool = Semaphore::with_shared_count(zk.clone(), "/pool", count.clone()).unwrap();
    assert_eq!(pool.max_leases().await.unwrap(), 1);
    assert_eq!(pool.shared_count().unwrap().path(), "/pool-max");
    let a = pool.acquire().await.unwrap();
    // The second acquirer has a client and a count handle of its own.
    let other = connect(&cs).await;
    let other_count = SharedCount::new(other.clone(), "/pool-max", 1)
        .await
        .unwrap();
    let other_pool = Semaphore::with_shared_count(other, "/pool", other_count).unwrap();
    let waiting = tokio::spawn(async move { other_pool.acquire().await });
    wait_children(&zk, "/pool/leases", "the waiter's lease", |c| c.len() == 2).await;
    tokio::time::sleep(SHORT).await;
    assert!(
        !waiting.is_finished(),
        "count 1 and one holder: the second waits"
    );
    count.set(2).await.unwrap();
    let b = timeout(WAIT, waiting)
        .await
        .expect("raising the count wakes the waiter")
        .unwrap()
        .unwrap();
    let leases = pool.leases().await.unwrap();
    assert_eq!(leases.len(), 2, "{leases:?}");
    assert!(
        leases.contains(&name(a.node())),
        "the first keeps its lease"
    );
    assert!(leases.contains(&name(b.node())), "{leases:?}");

    // Lowered below the holders: both keep their leases, a new acquirer waits, and one that
    // gives up (a timeout, an aborted task) leaves no lease node.
    count.set(1).await.unwrap();
    assert_eq!(pool.max_leases().await.unwrap(), 1);
    assert!(pool.acquire_timeout(SHORT).await.unwrap().is_none());
    wait_children(&zk, "/pool/leases", "the timed-out lease withdrawn", |c| {
        c.len() == 2
    })
    .await;
    let dropped = {
        let pool = pool.clone();
        tokio::spawn(async move { pool.acquire().await })
    };
    wait_children(&zk, "/pool/leases", "the waiter's lease", |c| c.len() == 3).await;
    dropped.abort();
    wait_children(&zk, "/pool/leases", "the aborted lease withdrawn", |c| {
        c.len() == 2
    })
    .await;
    // One holder left and a count of 1: a newcomer's lease makes 2, so it still waits.
    a.release().await.unwrap();
    assert!(pool.acquire_timeout(SHORT).await.unwrap().is_none());
    b.release().await.unwrap();

    // A count below 1 lets no one in, even with no holder; raising it does.
    count.set(-1).await.unwrap();
    assert_eq!(pool.max_leases().await.unwrap(), 0);
    let waiting = {
        let pool = pool.clone();
        tokio::spawn(async move { pool.acquire().await })
    };
    wait_children(&zk, "/pool/leases", "the waiter's lease", |c| c.len() == 1).await;
    tokio::time::sleep(SHORT).await;
    assert!(!waiting.is_finished(), "a count of -1 lets no one in");
    count.set(1).await.unwrap();
    let c = timeout(WAIT, waiting).await.unwrap().unwrap().unwrap();

    // A count node that holds no count: a typed error, and no lease left behind.
    zk.set_data("/pool-max", "ten", None).await.unwrap();
    let err = pool.acquire().await.unwrap_err();
    assert!(
        matches!(&err, Error::NotACount { path, len: 3 } if path == "/pool-max"),
        "{err}"
    );
    wait_children(&zk, "/pool/leases", "the failed lease withdrawn", |l| {
        l == [name(c.node())]
    })
    .await;
    c.release().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shared_count_limit_is_shared_with_curators_semaphore() {
    let server = support::start_server();
    let cs = server.connect_string();
    let zk = connect(&cs).await;
    let count = SharedCount::new(zk.clone(), "/pool-max", 1).await.unwrap();
    let mut java = Peer::curator(&cs, &["sem-hold", "/pool", "/pool-max"]);
    let held = java.line().await;
    let java_lease = held.strip_prefix("HELD ").expect(&held).to_owned();
    let pool = Semaphore::with_shared_count(zk.clone(), "/pool", count.clone()).unwrap();
    assert!(
        pool.acquire_timeout(SHORT).await.unwrap().is_none(),
        "Curator's lease fills a count of 1"
    );
    let waiting = {
        let pool = pool.clone();
        tokio::spawn(async move { pool.acquire().await })
    };
    wait_children(&zk, "/pool/leases", "the Rust waiter", |c| c.len() == 2).await;
    // Curator's SharedCount raises the limit: the Rust waiter is let in, Curator's holder
    // keeps its lease.
    let mut setter = Peer::java(
        CuratorHarness::Count,
        &cs,
        &["count-set", "/pool-max", "1", "2"],
    );
    assert_eq!(setter.line().await, "SET");
    setter.finish().await;
    let mine = timeout(WAIT, waiting)
        .await
        .expect("Curator's count change wakes the Rust waiter")
        .unwrap()
        .unwrap();
    let leases = pool.leases().await.unwrap();
    assert!(leases.contains(&java_lease), "{leases:?}");
    assert_eq!(leases.len(), 2, "{leases:?}");
    // Curator reads the same limit: its contender waits at 2 and is let in when Rust raises
    // the count to 3.
    let mut contender = Peer::curator(&cs, &["sem-try", "/pool", "/pool-max", "60000"]);
    wait_children(&zk, "/pool/leases", "the Curator waiter", |c| c.len() == 3).await;
    assert!(
        timeout(SHORT, contender.line()).await.is_err(),
        "Curator waits at a count of 2"
    );
    count.set(3).await.unwrap();
    let got = contender.line().await;
    assert!(got.starts_with("ACQUIRED "), "{got}");
    contender.finish().await;
    // Lowered below the holders: Curator's holder and ours keep their leases, and a Curator
    // newcomer gets none.
    count.set(1).await.unwrap();
    let mut late = Peer::curator(&cs, &["sem-try", "/pool", "/pool-max", "500"]);
    assert_eq!(late.line().await, "TIMEOUT");
    late.finish().await;
    let leases = pool.leases().await.unwrap();
    assert!(leases.contains(&java_lease), "{leases:?}");
    assert!(leases.contains(&name(mine.node())), "{leases:?}");
    java.send_line().await;
    assert_eq!(java.line().await, "RELEASED");
    java.finish().await;
    mine.release().await.unwrap();
}
