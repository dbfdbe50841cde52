//! Interoperability with kazoo (Debian's `python3-kazoo`, run by the Python harness
//! `tests/python/kazoo_harness.py`): with `Layout::Kazoo`, Rust `Mutex`es and kazoo `Lock`s
//! on one path exclude each other, in both directions.
use crate::support;

use crate::support::peer::{each_side_waits, mixed_contention, Side};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_and_kazoo_contenders_never_overlap() {
    mixed_contention(Side::Kazoo).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_side_waits_for_kazoos_holder_and_the_other_way() {
    each_side_waits(Side::Kazoo).await;
}

/// kazoo's `Election` is its `Lock` with the id as data: a Rust `LeaderSelector` with
/// kazoo's layout takes turns with it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_selector_with_kazoos_layout_shares_kazoos_election() {
    use std::sync::Arc;
    use tokio::sync::Notify;
    use zk_recipes::{Layout, LeaderSelector};

    let server = zk_testkit::start_server();
    let cs = server.connect_string();
    let zk = support::connect(&cs).await;
    let mut python = support::peer::Peer::kazoo(&cs, &["elect", "/kelect", "py"]);
    assert_eq!(python.line().await, "LEADER");
    let selector = LeaderSelector::new(zk.clone(), "/kelect", "rust")
        .unwrap()
        .with_layout(Layout::Kazoo);
    let led = Arc::new(Notify::new());
    let run = {
        let (selector, led) = (selector.clone(), led.clone());
        tokio::spawn(async move {
            selector
                .lead(move |_| {
                    let led = led.clone();
                    async move { led.notify_one() }
                })
                .await
        })
    };
    let ids = tokio::time::timeout(support::WAIT, async {
        loop {
            let p = selector.participants().await.unwrap();
            if p.len() == 2 {
                return p.into_iter().map(|p| p.id).collect::<Vec<_>>();
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    })
    .await
    .unwrap();
    assert_eq!(ids, ["py", "rust"], "one queue");
    assert!(!run.is_finished(), "led while kazoo leads");
    python.send_line().await;
    assert_eq!(python.line().await, "RELEASED");
    python.finish().await;
    tokio::time::timeout(support::WAIT, led.notified())
        .await
        .expect("the Rust selector never led");
    tokio::time::timeout(support::WAIT, run)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
}
