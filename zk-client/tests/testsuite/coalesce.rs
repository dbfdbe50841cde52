//! Reply coalescing against a real server: after large replies have sized the kernel's
//! low-water mark, a burst of replies far smaller than that still arrives (the valve lowers
//! the mark), on the same connection, long before the read timeout would end it.
use crate::support;

use std::time::Duration;

use tokio::task::JoinSet;
use zk_client::{Client, CreateOptions, SessionEvent};

/// `n` concurrent requests from `make`, all written before the first reply is read.
async fn burst<T, F>(zk: &Client, n: usize, make: impl Fn(Client) -> F) -> Vec<T>
where
    T: Send + 'static,
    F: std::future::Future<Output = T> + Send + 'static,
{
    let mut set = JoinSet::new();
    for _ in 0..n {
        set.spawn(make(zk.clone()));
    }
    let mut out = Vec::with_capacity(n);
    while let Some(r) = set.join_next().await {
        out.push(r.expect("request task"));
    }
    out
}

/// Creates `/big` (1 KiB) for [`large_then_small`].
async fn big_node(zk: &Client) {
    zk.create("/big", vec![7u8; 1024], &CreateOptions::persistent())
        .await
        .unwrap();
}

/// 128 replies of 1,116 bytes (the mark grows to several of them), then 64 replies of 20
/// bytes (a header alone: all of them together are below the mark), every one checked.
async fn large_then_small(zk: &Client) {
    for r in burst(zk, 128, |zk| async move { zk.get_data("/big").await }).await {
        assert_eq!(r.expect("getData").0.len(), 1024);
    }
    for r in burst(zk, 64, |zk| async move { zk.exists("/nothing-here").await }).await {
        assert_eq!(r.expect("exists"), None);
    }
}

#[tokio::test]
async fn small_replies_after_large_ones_are_not_held_back() {
    let server = support::start_server();
    // A 6 s session: the read timeout (2/3 of it) would end a connection stuck under the mark
    // after 4 s, failing the requests with ConnectionLoss.
    let zk = support::connect(&server).await;
    let mut events = zk.session_events();
    big_node(&zk).await;
    for _ in 0..4 {
        large_then_small(&zk).await;
    }
    // The connection that served the bursts is the one the client started with.
    while let Ok(Some(event)) = tokio::time::timeout(Duration::from_millis(10), events.next()).await
    {
        assert!(
            !matches!(event, SessionEvent::Disconnected { .. }),
            "the connection was lost: {event:?}"
        );
    }
}

#[tokio::test]
async fn without_coalescing_the_same_bursts_complete() {
    let server = support::start_server();
    let zk = Client::builder()
        .session_timeout(Duration::from_secs(6))
        .coalesce_replies(false)
        .connect(&server.connect_string())
        .await
        .unwrap();
    big_node(&zk).await;
    large_then_small(&zk).await;
}
