//! SharedCount against a real server and against Apache Curator's `SharedCount` (Java harness
//! zk-testkit's `java/CuratorCountHarness.java`): the byte layout (4 big-endian bytes), versioned
//! compare-and-set in both directions, concurrent updates that lose none, a change stream
//! that catches up after its client was cut off, and reads and writes that ride out a slow
//! connection.
use crate::support;

use std::time::Duration;

use tokio::time::timeout;
use zk_client::CreateOptions;
use zk_recipes::{SharedCount, VersionedCount};
use zk_testkit::{Fault, Proxy};

use crate::support::peer::Peer;
use crate::support::{connect, connect_with_timeout, WAIT};
use zk_testkit::CuratorHarness;

const HARNESS: CuratorHarness = CuratorHarness::Count;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compare_and_set_and_concurrent_updates() {
    let server = support::start_server();
    let cs = server.connect_string();
    let zk = connect(&cs).await;
    let count = SharedCount::new(zk.clone(), "/counts/a", 5).await.unwrap();
    let seen = count.get().await.unwrap();
    assert_eq!(seen.value, 5);
    assert_eq!(
        zk.get_data("/counts/a").await.unwrap().0,
        [0u8, 0, 0, 5][..]
    );
    // A second SharedCount on the same path keeps the value (the seed is only a default).
    let other = SharedCount::new(connect(&cs).await, "/counts/a", 99)
        .await
        .unwrap();
    assert_eq!(other.get().await.unwrap().value, 5);
    let written = other
        .try_set(&seen, 6)
        .await
        .unwrap()
        .expect("not changed meanwhile");
    assert_eq!(written.value, 6);
    assert_eq!(
        count.try_set(&seen, 7).await.unwrap(),
        None,
        "stale version"
    );
    assert_eq!(count.get().await.unwrap(), written);
    count.set(-2).await.unwrap();
    assert_eq!(
        zk.get_data("/counts/a").await.unwrap().0,
        [0xffu8, 0xff, 0xff, 0xfe][..]
    );
    // Concurrent increments by compare-and-set: none lost.
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let c = SharedCount::new(connect(&cs).await, "/counts/a", 0)
            .await
            .unwrap();
        tasks.push(tokio::spawn(async move {
            for _ in 0..25 {
                c.update(|v| v + 1).await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(count.get().await.unwrap().value, 98);
    // A node that holds no count is an error that says so.
    zk.create("/counts/text", "hello", &CreateOptions::persistent())
        .await
        .unwrap();
    let text = SharedCount::new(zk.clone(), "/counts/text", 0)
        .await
        .unwrap();
    let err = text.get().await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "shared count /counts/text: expected 4 bytes (a big-endian int), found 5"
    );
}

/// Reads changes until one has `value`.
async fn until_value(changes: &mut zk_recipes::CountChanges, value: i32) -> VersionedCount {
    timeout(WAIT, async {
        loop {
            let v = changes.next().await.expect("the changes ended");
            if v.value == value {
                return v;
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("no value {value} within {WAIT:?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_change_stream_catches_up_after_a_cut() {
    let server = support::start_server();
    let zk = connect(&server.connect_string()).await;
    let writer = SharedCount::new(zk, "/counts/s", 1).await.unwrap();
    let proxy = Proxy::start(server.addr()).await.unwrap();
    let watching = connect_with_timeout(&proxy.connect_string(), Duration::from_secs(30)).await;
    let count = SharedCount::new(watching, "/counts/s", 0).await.unwrap();
    let mut changes = count.changes().await.unwrap();
    assert_eq!(
        changes.next().await.unwrap().value,
        1,
        "the value now first"
    );
    writer.set(2).await.unwrap();
    until_value(&mut changes, 2).await;
    proxy.set_fault(Fault::Drop);
    tokio::time::sleep(Duration::from_millis(300)).await;
    writer.set(3).await.unwrap();
    proxy.set_fault(Fault::Pass);
    let v = until_value(&mut changes, 3).await;
    assert_eq!(v, writer.get().await.unwrap());
}

/// Reads the peer's lines until `expected`; any other line must be one of `allowed`.
async fn until_line(peer: &mut Peer, expected: &str, allowed: &[&str]) {
    loop {
        let line = peer.line().await;
        if line == expected {
            return;
        }
        assert!(
            allowed.contains(&line.as_str()),
            "{line:?} while waiting for {expected:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn curator_and_we_share_one_count() {
    let server = support::start_server();
    let cs = server.connect_string();
    let zk = connect(&cs).await;
    // Curator writes, we read: 4 big-endian bytes.
    let mut java = Peer::java(HARNESS, &cs, &["count-set", "/counts/j", "0", "258"]);
    assert_eq!(java.line().await, "SET");
    java.finish().await;
    assert_eq!(
        zk.get_data("/counts/j").await.unwrap().0,
        [0u8, 0, 1, 2][..]
    );
    let count = SharedCount::new(zk.clone(), "/counts/j", 0).await.unwrap();
    assert_eq!(count.get().await.unwrap().value, 258);
    // We write, Curator reads (and hears the change).
    let mut watch = Peer::java(HARNESS, &cs, &["count-watch", "/counts/j", "0"]);
    // Curator may also report the value it starts with (its connection listener, run late
    // under load, reads it again): a line of the value already there is allowed.
    until_line(&mut watch, "STARTED", &["COUNT 258"]).await;
    let written = count.set(-7).await.unwrap();
    until_line(&mut watch, "COUNT -7", &["COUNT 258"]).await;
    let mut get = Peer::java(HARNESS, &cs, &["count-get", "/counts/j", "0"]);
    assert_eq!(get.line().await, format!("COUNT -7 {}", written.version));
    get.finish().await;
    // Curator's compare-and-set fails when we changed the count after its read.
    let mut cas = Peer::java(HARNESS, &cs, &["count-cas", "/counts/j", "0", "100"]);
    assert_eq!(cas.line().await, "READ -7");
    count.set(8).await.unwrap();
    until_line(&mut watch, "COUNT 8", &["COUNT -7"]).await;
    cas.send_line().await;
    assert_eq!(cas.line().await, "FALSE");
    cas.finish().await;
    assert_eq!(count.get().await.unwrap().value, 8);
    // And ours fails when Curator changed it after our read.
    let seen = count.get().await.unwrap();
    let mut set = Peer::java(HARNESS, &cs, &["count-set", "/counts/j", "0", "9"]);
    assert_eq!(set.line().await, "SET");
    set.finish().await;
    assert_eq!(count.try_set(&seen, 10).await.unwrap(), None);
    watch.send_line().await;
    watch.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_and_writes_ride_out_a_slow_connection() {
    let server = support::start_server();
    let proxy = Proxy::start(server.addr()).await.unwrap();
    // Requests time out after 500 ms, while the proxy holds each chunk for 1 s.
    let slow = zk_client::Client::builder()
        .session_timeout(Duration::from_secs(20))
        .request_timeout(Duration::from_millis(500))
        .connect(&proxy.connect_string())
        .await
        .unwrap();
    let session = slow.session().unwrap().id;
    let spell = async {
        proxy.set_fault(Fault::Delay(Duration::from_secs(1)));
        tokio::time::sleep(Duration::from_millis(1500)).await;
        proxy.set_fault(Fault::Pass);
    };
    let new = async { SharedCount::new(slow.clone(), "/counts/slow", 4).await };
    let (count, ()) = tokio::join!(new, spell);
    let count = count.expect("new gave up on a timed-out create");
    let spell = async {
        proxy.set_fault(Fault::Delay(Duration::from_secs(1)));
        tokio::time::sleep(Duration::from_millis(1500)).await;
        proxy.set_fault(Fault::Pass);
    };
    let (read, ()) = tokio::join!(count.get(), spell);
    assert_eq!(read.expect("get gave up on a timed-out read").value, 4);
    let spell = async {
        proxy.set_fault(Fault::Delay(Duration::from_secs(1)));
        tokio::time::sleep(Duration::from_millis(1500)).await;
        proxy.set_fault(Fault::Pass);
    };
    let (written, ()) = tokio::join!(count.set(9), spell);
    let written = written.expect("set gave up on a timed-out write");
    assert_eq!(written, count.get().await.unwrap());
    assert_eq!(slow.session().unwrap().id, session, "same session");
}

#[tokio::test]
async fn a_try_set_at_version_minus_one_is_refused() {
    let server = support::start_server();
    let zk = connect(&server.connect_string()).await;
    let count = SharedCount::new(zk, "/counts/any", 1).await.unwrap();
    count.set(2).await.unwrap();
    // Version -1 is ZooKeeper's "any version": a compare-and-set at it would be a blind write
    // (Curator's trySetCount throws IllegalTrySetVersionException).
    let forged = VersionedCount {
        value: 1,
        version: -1,
        mzxid: 0,
    };
    assert!(
        matches!(
            count.try_set(&forged, 3).await,
            Err(zk_recipes::Error::Client(
                zk_client::Error::InvalidArgument(_)
            ))
        ),
        "not refused"
    );
    assert_eq!(count.get().await.unwrap().value, 2, "written over");
}
