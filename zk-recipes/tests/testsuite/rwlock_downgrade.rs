//! The write lock's holder taking the read lock (Curator's lock downgrade) against a real
//! server: the read node sorts with the write node, so readers queued behind the write lock
//! get in and writers queued behind it (Rust or Curator's `InterProcessReadWriteLock`) wait
//! for the read lock; a dropped downgrade leaves no node behind; guards that are not this
//! lock's writer's, or a lost write lock, are refused.
use crate::support;

use std::time::Duration;

use tokio::time::{sleep, timeout};
use zk_recipes::{Error, Mutex, ReadWriteLock};

use crate::support::peer::Peer;
use crate::support::{connect, wait_children, WAIT};

const SHORT: Duration = Duration::from_millis(500);

/// The last segment of a node path.
fn name(node: &str) -> &str {
    node.rsplit('/').next().unwrap_or(node)
}

/// What Curator (5.5.0 on) names the read node its write lock's holder takes:
/// `_c_<uuid>-__READ__<the write node's sequence>`.
fn assert_read_beside(read: &str, write: &str) {
    let (read, write) = (name(read), name(write));
    assert!(zk_client::is_protected(read), "{read}");
    let sequence = zk_client::strip_protected(write)
        .strip_prefix("__WRIT__")
        .unwrap_or_else(|| panic!("a write node: {write}"));
    assert_eq!(
        zk_client::strip_protected(read),
        format!("__READ__{sequence}"),
        "the read node has the write node's sequence"
    );
}

#[tokio::test]
async fn downgrade_lets_queued_readers_in_and_keeps_writers_out() {
    let server = support::start_server();
    let cs = server.connect_string();
    let zk = connect(&cs).await;
    let a = ReadWriteLock::new(connect(&cs).await, "/rw").unwrap();
    let b = ReadWriteLock::new(connect(&cs).await, "/rw").unwrap();
    let c = ReadWriteLock::new(connect(&cs).await, "/rw").unwrap();

    let w = a.write_lock().acquire().await.unwrap();
    let (write_node, write_token) = (w.node().to_owned(), w.fencing_token());
    // Behind the write lock: a reader, then a writer.
    let reader = {
        let c = c.clone();
        tokio::spawn(async move { c.read_lock().acquire().await })
    };
    wait_children(&zk, "/rw", "the reader queued", |ch| ch.len() == 2).await;
    let writer = {
        let b = b.clone();
        tokio::spawn(async move { b.write_lock().acquire().await })
    };
    wait_children(&zk, "/rw", "the writer queued", |ch| ch.len() == 3).await;

    let r = timeout(WAIT, a.downgrade(w)).await.unwrap().unwrap();
    assert_read_beside(r.node(), &write_node);
    assert_eq!(r.fencing_token(), write_token);
    let children = wait_children(&zk, "/rw", "the write node gone", |ch| {
        !ch.iter().any(|n| write_node.ends_with(n.as_str()))
    })
    .await;
    assert_eq!(children.len(), 3, "{children:?}");
    assert_eq!(a.read_lock().participants().await.unwrap().len(), 2);

    // The reader queued behind the write lock now shares with us; the writer waits.
    let other = timeout(WAIT, reader).await.unwrap().unwrap().unwrap();
    sleep(SHORT).await;
    assert!(
        !writer.is_finished(),
        "a writer got in with two readers holding"
    );
    // With the other reader gone, our read lock alone holds the writer off.
    other.release().await.unwrap();
    sleep(SHORT).await;
    assert!(
        !writer.is_finished(),
        "a writer got in while the downgraded read lock was held"
    );
    let read_token = r.fencing_token();
    r.release().await.unwrap();
    let w2 = timeout(WAIT, writer).await.unwrap().unwrap().unwrap();
    assert!(w2.fencing_token() > read_token);
    w2.release().await.unwrap();
}

#[tokio::test]
async fn read_as_writer_holds_both_sides_until_each_is_released() {
    let server = support::start_server();
    let cs = server.connect_string();
    let zk = connect(&cs).await;
    let a = ReadWriteLock::new(connect(&cs).await, "/rw").unwrap();
    let b = ReadWriteLock::new(connect(&cs).await, "/rw").unwrap();

    let w = a.write_lock().acquire().await.unwrap();
    let r = timeout(WAIT, a.read_as_writer(&w)).await.unwrap().unwrap();
    assert_read_beside(r.node(), w.node());
    // Both held: neither a reader nor a writer gets in.
    assert!(b
        .read_lock()
        .acquire_timeout(SHORT)
        .await
        .unwrap()
        .is_none());
    assert!(b
        .write_lock()
        .acquire_timeout(SHORT)
        .await
        .unwrap()
        .is_none());
    wait_children(&zk, "/rw", "the refused withdrawn", |ch| ch.len() == 2).await;
    // The write lock released: readers share, writers wait for our read lock.
    w.release().await.unwrap();
    let other = b
        .read_lock()
        .acquire_timeout(WAIT)
        .await
        .unwrap()
        .expect("a reader shares with the read lock kept");
    other.release().await.unwrap();
    assert!(b
        .write_lock()
        .acquire_timeout(SHORT)
        .await
        .unwrap()
        .is_none());
    r.release().await.unwrap();
    let w2 = b.write_lock().acquire_timeout(WAIT).await.unwrap();
    w2.expect("the writer gets in once the read lock is released")
        .release()
        .await
        .unwrap();
}

#[tokio::test]
async fn a_dropped_downgrade_leaves_no_node_behind() {
    let server = support::start_server();
    let cs = server.connect_string();
    let zk = connect(&cs).await;
    let a = ReadWriteLock::new(connect(&cs).await, "/rw").unwrap();

    // Dropped at different points: before the read node is asked for, while it is being
    // created, while the write node is being deleted. Both of our nodes go.
    let mut dropped = 0;
    for ms in [0, 1, 2, 3, 5, 8, 13, 20] {
        let w = a.write_lock().acquire().await.unwrap();
        match timeout(Duration::from_millis(ms), a.downgrade(w)).await {
            Ok(read) => read.unwrap().release().await.unwrap(),
            Err(_) => dropped += 1,
        }
        // A read node created after the drop would show up late: look twice.
        wait_children(&zk, "/rw", "both nodes gone", |ch| ch.is_empty()).await;
        sleep(Duration::from_millis(100)).await;
        wait_children(&zk, "/rw", "both nodes still gone", |ch| ch.is_empty()).await;
    }
    assert!(dropped > 0, "no downgrade was dropped midway");

    // A dropped `read_as_writer` keeps the write lock and leaves no read node.
    let w = a.write_lock().acquire().await.unwrap();
    assert!(timeout(Duration::ZERO, a.read_as_writer(&w)).await.is_err());
    sleep(SHORT).await;
    let children = wait_children(&zk, "/rw", "the write node alone", |ch| ch.len() == 1).await;
    assert!(w.node().ends_with(children[0].as_str()), "{children:?}");
    assert!(!w.is_lost());
    w.release().await.unwrap();
}

#[tokio::test]
async fn other_guards_and_lost_write_locks_are_refused() {
    let server = support::start_server();
    let cs = server.connect_string();
    let zk = connect(&cs).await;
    let client = connect(&cs).await;
    let lock = ReadWriteLock::new(client.clone(), "/rw").unwrap();
    let elsewhere = ReadWriteLock::new(client.clone(), "/rw-other").unwrap();

    // A read guard, a mutex guard, another lock's write guard: not this lock's writer's.
    let read = lock.read_lock().acquire().await.unwrap();
    let err = lock.read_as_writer(&read).await.unwrap_err();
    assert!(matches!(err, Error::NotAWriteLock { .. }), "{err}");
    read.release().await.unwrap();
    let mutex = Mutex::new(client.clone(), "/rw")
        .unwrap()
        .acquire()
        .await
        .unwrap();
    let err = lock.read_as_writer(&mutex).await.unwrap_err();
    assert!(matches!(err, Error::NotAWriteLock { .. }), "{err}");
    mutex.release().await.unwrap();
    let other = elsewhere.write_lock().acquire().await.unwrap();
    let err = lock.downgrade(other).await.unwrap_err();
    assert!(matches!(err, Error::NotAWriteLock { .. }), "{err}");
    wait_children(&zk, "/rw-other", "the refused write lock released", |ch| {
        ch.is_empty()
    })
    .await;

    // A write node deleted under its holder: no read lock on its strength, no read node.
    let w = lock.write_lock().acquire().await.unwrap();
    zk.delete(w.node(), None).await.unwrap();
    let err = lock.read_as_writer(&w).await.unwrap_err();
    assert_eq!(
        err,
        Error::WriteLockLost {
            node: w.node().to_owned()
        }
    );
    wait_children(&zk, "/rw", "no read node left", |ch| ch.is_empty()).await;
    drop(w);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn curator_writer_waits_for_a_downgraded_read_lock() {
    let server = support::start_server();
    let cs = server.connect_string();
    let zk = connect(&cs).await;
    let lock = ReadWriteLock::new(connect(&cs).await, "/rw").unwrap();

    let w = lock.write_lock().acquire().await.unwrap();
    // Behind the Rust write lock: a Curator reader, then a Curator writer.
    let mut reader = Peer::curator(&cs, &["try-read", "/rw", "60000"]);
    wait_children(&zk, "/rw", "the Curator reader queued", |c| c.len() == 2).await;
    let mut writer = Peer::curator(&cs, &["try-write", "/rw", "60000"]);
    wait_children(&zk, "/rw", "the Curator writer queued", |c| c.len() == 3).await;

    let r = timeout(WAIT, lock.downgrade(w)).await.unwrap().unwrap();
    // The Curator reader gets in beside our read lock (and releases at once).
    let acquired = reader.line().await;
    assert!(
        acquired.starts_with("ACQUIRED ") && acquired.contains("__READ__"),
        "{acquired}"
    );
    reader.finish().await;
    // The Curator writer, now right behind our read node, waits for it.
    wait_children(&zk, "/rw", "the Curator reader gone", |c| c.len() <= 2).await;
    assert!(
        timeout(Duration::from_secs(2), writer.line())
            .await
            .is_err(),
        "the Curator writer got in while the downgraded read lock was held"
    );
    r.release().await.unwrap();
    let acquired = timeout(WAIT, writer.line()).await.unwrap();
    assert!(
        acquired.starts_with("ACQUIRED ") && acquired.contains("__WRIT__"),
        "{acquired}"
    );
    writer.finish().await;
}
