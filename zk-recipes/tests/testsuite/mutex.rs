//! The mutex against a real server: Curator's node layout, mutual exclusion among many
//! contenders, growing fencing tokens, timeouts and cancellation that withdraw the node,
//! herd-free waiting, and a holder that learns at once when it may have lost the lock.
use crate::support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::time::timeout;
use zk_client::CreateOptions;
use zk_recipes::layout::{plain_name, sequence};
use zk_recipes::{LockState, LossPolicy, LossReason, Mutex};
use zk_testkit::{Fault, Proxy};

use crate::support::{connect, connect_with_timeout, wait_children, WAIT};

#[tokio::test]
async fn curator_layout_and_release() {
    let server = support::start_server();
    let zk = connect(&server.connect_string()).await;
    let mutex = Mutex::new(zk.clone(), "/locks/a").unwrap();
    let guard = mutex.acquire().await.unwrap();
    let name = guard.node().strip_prefix("/locks/a/").unwrap().to_owned();
    // _c_<36-char uuid>-lock-<10 digits>
    assert!(zk_client::is_protected(&name), "{name}");
    assert_eq!(name.len(), 3 + 36 + 1 + "lock-".len() + 10, "{name}");
    assert_eq!(plain_name(&name), "lock-0000000000");
    let (_, stat) = zk
        .exists(guard.node())
        .await
        .unwrap()
        .map(|s| ((), s))
        .unwrap();
    assert_eq!(stat.ephemeral_owner, zk.session().unwrap().id);
    assert_eq!(guard.fencing_token().get(), stat.czxid);
    assert_eq!(guard.state(), LockState::Held);
    assert_eq!(mutex.participants().await.unwrap(), vec![name]);
    guard.release().await.unwrap();
    assert!(mutex.participants().await.unwrap().is_empty());

    // Dropping the guard releases too.
    let guard = mutex.acquire().await.unwrap();
    let node = guard.node().to_owned();
    drop(guard);
    wait_children(&zk, "/locks/a", "released on drop", |c| c.is_empty()).await;
    assert!(zk.exists(&node).await.unwrap().is_none());
    assert!(Mutex::new(zk.clone(), "/").is_err());
    assert!(Mutex::new(zk, "no-slash").is_err());
}

#[tokio::test]
async fn contenders_never_overlap_and_tokens_grow() {
    let server = support::start_server();
    let cs = server.connect_string();
    let inside = Arc::new(AtomicUsize::new(0));
    let tokens = Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut tasks = Vec::new();
    for _ in 0..5 {
        let zk = connect(&cs).await;
        let (inside, tokens) = (inside.clone(), tokens.clone());
        tasks.push(tokio::spawn(async move {
            let mutex = Mutex::new(zk.clone(), "/locks/shared").unwrap();
            for _ in 0..4 {
                let guard = mutex.acquire().await.unwrap();
                // An ephemeral marker: a second holder would find it there (NodeExists).
                zk.create("/holder", Vec::new(), &CreateOptions::ephemeral())
                    .await
                    .expect("two holders at once");
                assert_eq!(inside.fetch_add(1, Ordering::SeqCst), 0, "overlap");
                tokens.lock().unwrap().push(guard.fencing_token());
                tokio::time::sleep(Duration::from_millis(5)).await;
                inside.fetch_sub(1, Ordering::SeqCst);
                zk.delete("/holder", None).await.unwrap();
                guard.release().await.unwrap();
            }
        }));
    }
    for t in tasks {
        timeout(Duration::from_secs(120), t)
            .await
            .expect("contenders stuck")
            .unwrap();
    }
    let tokens = tokens.lock().unwrap().clone();
    assert_eq!(tokens.len(), 20);
    assert!(
        tokens.windows(2).all(|w| w[0] < w[1]),
        "tokens in acquisition order: {tokens:?}"
    );
}

#[tokio::test]
async fn tokens_grow_across_a_recreated_parent() {
    let server = support::start_server();
    let zk = connect(&server.connect_string()).await;
    let mutex = Mutex::new(zk.clone(), "/locks/re").unwrap();
    let first = mutex.acquire().await.unwrap();
    let t1 = first.fencing_token();
    first.release().await.unwrap();
    // The parent goes (as a reaped container would) and comes back: the sequence restarts.
    zk.delete_all("/locks/re").await.unwrap();
    let second = mutex.acquire().await.unwrap();
    assert_eq!(
        sequence(second.node()),
        Some(0),
        "the sequence restarts in a new parent"
    );
    assert!(second.fencing_token() > t1);
}

#[tokio::test]
async fn timeout_and_cancellation_withdraw_the_node() {
    let server = support::start_server();
    let cs = server.connect_string();
    let holder = Mutex::new(connect(&cs).await, "/locks/t").unwrap();
    let guard = holder.acquire().await.unwrap();
    let waiter_zk = connect(&cs).await;
    let waiter = Mutex::new(waiter_zk.clone(), "/locks/t").unwrap();
    assert!(waiter
        .acquire_timeout(Duration::from_millis(300))
        .await
        .unwrap()
        .is_none());
    wait_children(&waiter_zk, "/locks/t", "timed-out node withdrawn", |c| {
        c.len() == 1
    })
    .await;
    // Cancelled by select!: the same.
    tokio::select! {
        r = waiter.acquire() => panic!("acquired while held: {r:?}"),
        _ = wait_children(&waiter_zk, "/locks/t", "queued", |c| c.len() == 2) => {}
    }
    wait_children(&waiter_zk, "/locks/t", "cancelled node withdrawn", |c| {
        c.len() == 1
    })
    .await;
    // The waiter gets it once the holder lets go.
    let pending = tokio::spawn(async move { waiter.acquire().await.map(|g| g.fencing_token()) });
    wait_children(&waiter_zk, "/locks/t", "queued again", |c| c.len() == 2).await;
    let held = guard.fencing_token();
    guard.release().await.unwrap();
    let next = timeout(WAIT, pending).await.unwrap().unwrap().unwrap();
    assert!(next > held);
}

/// Each waiter watches only its predecessor: the server's watches by path (`wchp`) show
/// one watch on each lock node but the last.
#[tokio::test]
async fn waiters_watch_only_their_predecessor() {
    let server = support::start_server();
    let cs = server.connect_string();
    let zk = connect(&cs).await;
    let guard = Mutex::new(zk.clone(), "/locks/h")
        .unwrap()
        .acquire()
        .await
        .unwrap();
    let mut waiters = Vec::new();
    for _ in 0..4 {
        let m = Mutex::new(connect(&cs).await, "/locks/h").unwrap();
        waiters.push(tokio::spawn(async move {
            let g = m.acquire().await.unwrap();
            g.release().await.unwrap();
        }));
    }
    let children = wait_children(&zk, "/locks/h", "five queued", |c| c.len() == 5).await;
    let mut sorted = children.clone();
    zk_recipes::layout::sort_children(&mut sorted, "lock-");
    let expected: Vec<String> = sorted[..4]
        .iter()
        .map(|n| format!("/locks/h/{n}"))
        .collect();
    let port = server.port();
    let watched = timeout(WAIT, async {
        loop {
            let wchp = tokio::task::spawn_blocking(move || {
                zk_testkit::four_letter_word(port, "wchp").unwrap()
            })
            .await
            .unwrap();
            let paths: Vec<String> = wchp
                .lines()
                .filter(|l| l.starts_with("/locks/h/"))
                .map(String::from)
                .collect();
            if paths.len() >= 4 {
                return (paths, wchp);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("the waiters' watches never showed");
    let (mut paths, wchp) = watched;
    paths.sort();
    let mut want = expected.clone();
    want.sort();
    assert_eq!(paths, want, "{wchp}");
    // One session per watched node.
    let sessions_per_path: Vec<usize> = wchp
        .split('/')
        .filter(|b| b.starts_with("locks/h/"))
        .map(|b| {
            b.lines()
                .skip(1)
                .filter(|l| l.trim().starts_with("0x"))
                .count()
        })
        .collect();
    assert!(sessions_per_path.iter().all(|&n| n == 1), "{wchp}");
    guard.release().await.unwrap();
    for w in waiters {
        timeout(WAIT, w).await.unwrap().unwrap();
    }
}

#[tokio::test]
async fn holder_learns_of_suspension_before_another_acquires() {
    let server = support::start_server();
    let proxy = Proxy::start(server.addr()).await.unwrap();
    let holder_zk = connect_with_timeout(&proxy.connect_string(), Duration::from_secs(4)).await;
    let guard = Mutex::new(holder_zk, "/locks/p")
        .unwrap()
        .acquire()
        .await
        .unwrap();
    let lost = guard.lost();
    let other = Mutex::new(connect(&server.connect_string()).await, "/locks/p").unwrap();
    let acquired = tokio::spawn(async move { other.acquire().await.map(|g| g.fencing_token()) });
    // Silently cut off (packets vanish, nothing is closed) past its session timeout: the
    // server expires the session at the full timeout and the other contender acquires,
    // but the holder's client notices the silence at 2/3 of it.
    proxy.set_fault(Fault::BlackHole);
    let state = timeout(WAIT, lost)
        .await
        .expect("the holder was never told");
    assert_eq!(state, LockState::Suspended);
    assert!(
        !acquired.is_finished(),
        "another contender acquired before the holder was told"
    );
    let next = timeout(WAIT, acquired).await.unwrap().unwrap().unwrap();
    assert!(next > guard.fencing_token());
    // And, the session gone, the guard ends in Lost.
    let mut status = guard.status_watcher();
    timeout(
        WAIT,
        status.wait_for(|s| matches!(s.state, LockState::Lost(_))),
    )
    .await
    .expect("never lost")
    .unwrap();
    assert_eq!(
        guard.state(),
        LockState::Lost(LossReason::SessionExpired),
        "{:?}",
        guard.status()
    );
    proxy.heal();
}

#[tokio::test]
async fn on_expiry_policy_rides_out_a_short_suspension() {
    let server = support::start_server();
    let proxy = Proxy::start(server.addr()).await.unwrap();
    let zk = connect_with_timeout(&proxy.connect_string(), Duration::from_secs(10)).await;
    let mutex = Mutex::new(zk.clone(), "/locks/s")
        .unwrap()
        .with_loss_policy(LossPolicy::OnExpiry);
    let guard = mutex.acquire().await.unwrap();
    let mut status = guard.status_watcher();
    proxy.partition();
    timeout(WAIT, status.wait_for(|s| s.state == LockState::Suspended))
        .await
        .unwrap()
        .unwrap();
    proxy.heal();
    timeout(WAIT, status.wait_for(|s| s.state == LockState::Held))
        .await
        .expect("held again after the reconnect")
        .unwrap();
    assert!(guard.status().was_suspended);
    assert!(!guard.is_lost(), "OnExpiry: a suspension is not a loss");
    // Under the default policy, the same history counts as lost.
    let strict = Mutex::new(zk.clone(), "/locks/s2")
        .unwrap()
        .acquire()
        .await
        .unwrap();
    proxy.partition();
    timeout(WAIT, strict.lost()).await.unwrap();
    proxy.heal();
    assert!(strict.is_lost());
    // An operator deleting the node: lost at once, whatever the policy.
    let node = guard.node().to_owned();
    let admin = connect(&server.connect_string()).await;
    admin.delete(&node, None).await.unwrap();
    assert_eq!(
        timeout(WAIT, guard.lost()).await.unwrap(),
        LockState::Lost(LossReason::NodeDeleted)
    );
}
