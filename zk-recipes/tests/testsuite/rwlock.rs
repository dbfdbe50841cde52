//! The read-write lock against a real server: readers share, a writer excludes everyone, a
//! waiting writer keeps later readers out; and with Curator's `InterProcessReadWriteLock`
//! (the Java harness) on the same path, in both directions.
use crate::support;

use std::time::Duration;

use tokio::time::timeout;
use zk_recipes::ReadWriteLock;

use crate::support::peer::Peer;
use crate::support::{connect, wait_children, WAIT};

const SHORT: Duration = Duration::from_millis(500);

#[tokio::test]
async fn readers_share_writers_exclude() {
    let server = support::start_server();
    let cs = server.connect_string();
    let zk = connect(&cs).await;
    let a = ReadWriteLock::new(connect(&cs).await, "/rw").unwrap();
    let b = ReadWriteLock::new(connect(&cs).await, "/rw").unwrap();
    let c = ReadWriteLock::new(connect(&cs).await, "/rw").unwrap();

    let r1 = a.read_lock().acquire().await.unwrap();
    let name = r1.node().rsplit('/').next().unwrap().to_owned();
    assert!(zk_client::is_protected(&name), "{name}");
    assert!(
        zk_client::strip_protected(&name).starts_with("__READ__"),
        "{name}"
    );
    // A second reader shares; a writer does not get in.
    let r2 = b
        .read_lock()
        .acquire_timeout(WAIT)
        .await
        .unwrap()
        .expect("readers share");
    assert!(c
        .write_lock()
        .acquire_timeout(SHORT)
        .await
        .unwrap()
        .is_none());
    // A queued writer keeps a later reader out.
    let writer = {
        let c = c.clone();
        tokio::spawn(async move { c.write_lock().acquire().await })
    };
    wait_children(&zk, "/rw", "the writer queued", |ch| {
        ch.iter().any(|n| n.contains("__WRIT__"))
    })
    .await;
    let late = ReadWriteLock::new(connect(&cs).await, "/rw").unwrap();
    assert!(late
        .read_lock()
        .acquire_timeout(SHORT)
        .await
        .unwrap()
        .is_none());
    wait_children(&zk, "/rw", "the late reader withdrawn", |ch| ch.len() == 3).await;
    assert_eq!(b.read_lock().participants().await.unwrap().len(), 2);
    assert_eq!(c.write_lock().participants().await.unwrap().len(), 1);
    r1.release().await.unwrap();
    assert!(
        !writer.is_finished(),
        "the writer got in with a reader holding"
    );
    let max_reader = r2.fencing_token();
    r2.release().await.unwrap();
    let w = timeout(WAIT, writer).await.unwrap().unwrap().unwrap();
    assert!(w.fencing_token() > max_reader);
    let reader = {
        let late = late.clone();
        tokio::spawn(async move { late.read_lock().acquire().await })
    };
    wait_children(&zk, "/rw", "the late reader queued", |ch| ch.len() == 2).await;
    assert!(
        !reader.is_finished(),
        "a reader got in with the writer holding"
    );
    let wt = w.fencing_token();
    w.release().await.unwrap();
    let r = timeout(WAIT, reader).await.unwrap().unwrap().unwrap();
    assert!(r.fencing_token() > wt);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shared_with_curators_read_write_lock() {
    let server = support::start_server();
    let cs = server.connect_string();
    let zk = connect(&cs).await;
    let lock = ReadWriteLock::new(zk.clone(), "/rw").unwrap();

    // Curator writes; a Rust reader waits, then reads once Curator lets go.
    let mut java = Peer::curator(&cs, &["hold-write", "/rw"]);
    let held = java.line().await;
    assert!(held.contains("__WRIT__"), "{held}");
    assert!(lock
        .read_lock()
        .acquire_timeout(SHORT)
        .await
        .unwrap()
        .is_none());
    let reader = {
        let lock = lock.clone();
        tokio::spawn(async move { lock.read_lock().acquire().await })
    };
    wait_children(&zk, "/rw", "the Rust reader queued", |c| c.len() == 2).await;
    java.send_line().await;
    assert_eq!(java.line().await, "RELEASED");
    java.finish().await;
    let reading = timeout(WAIT, reader).await.unwrap().unwrap().unwrap();

    // Rust reads: a Curator reader shares, a Curator writer does not get in.
    let mut java = Peer::curator(&cs, &["try-read", "/rw", "30000"]);
    let acquired = java.line().await;
    assert!(
        acquired.starts_with("ACQUIRED ") && acquired.contains("__READ__"),
        "{acquired}"
    );
    java.finish().await;
    let mut java = Peer::curator(&cs, &["try-write", "/rw", "500"]);
    assert_eq!(java.line().await, "TIMEOUT");
    java.finish().await;
    // A Curator writer queued behind the Rust reader gets in when it releases.
    let mut java = Peer::curator(&cs, &["try-write", "/rw", "60000"]);
    wait_children(&zk, "/rw", "the Curator writer queued", |c| c.len() == 2).await;
    reading.release().await.unwrap();
    let acquired = java.line().await;
    assert!(acquired.contains("__WRIT__"), "{acquired}");
    java.finish().await;
}
