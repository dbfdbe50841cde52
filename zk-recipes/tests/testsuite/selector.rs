//! The leader selector against a real server: one task runs at a time, a task is cancelled
//! as soon as its leader is suspended (before another leader starts), and finishing a task
//! hands leadership on.
use crate::support;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::time::timeout;
use zk_recipes::{LeaderSelector, LockState, Term};
use zk_testkit::{Fault, Proxy};

use crate::support::{connect, connect_with_timeout, WAIT};

/// Sets its flag when dropped: the task's future was cancelled.
struct Cancelled(Arc<AtomicBool>);

impl Drop for Cancelled {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

#[tokio::test]
async fn a_suspended_leader_s_task_is_cancelled_before_another_leads() {
    let server = support::start_server();
    let proxy = Proxy::start(server.addr()).await.unwrap();
    let zk = connect_with_timeout(&proxy.connect_string(), Duration::from_secs(4)).await;
    let first = LeaderSelector::new(zk, "/sched", "first").unwrap();
    let cancelled = Arc::new(AtomicBool::new(false));
    let (started_tx, started) = oneshot::channel();
    let first_run = {
        let cancelled = cancelled.clone();
        tokio::spawn(async move {
            let mut started_tx = Some(started_tx);
            first
                .lead(move |_token| {
                    let flag = Cancelled(cancelled.clone());
                    let started = started_tx.take();
                    async move {
                        let _flag = flag;
                        if let Some(tx) = started {
                            let _ = tx.send(());
                        }
                        std::future::pending::<()>().await;
                    }
                })
                .await
        })
    };
    timeout(WAIT, started).await.unwrap().unwrap();

    let second =
        LeaderSelector::new(connect(&server.connect_string()).await, "/sched", "second").unwrap();
    let saw_cancelled = Arc::new(AtomicBool::new(false));
    let second_run = {
        let (cancelled, saw) = (cancelled.clone(), saw_cancelled.clone());
        let second = second.clone();
        tokio::spawn(async move {
            second
                .lead(move |token| {
                    saw.store(cancelled.load(Ordering::SeqCst), Ordering::SeqCst);
                    async move {
                        let _ = token;
                    }
                })
                .await
        })
    };
    let ids: Vec<String> = timeout(WAIT, async {
        loop {
            let p = second.participants().await.unwrap();
            if p.len() == 2 {
                return p.into_iter().map(|p| p.id).collect();
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .unwrap();
    assert_eq!(ids, ["first", "second"]);
    // The first leader is cut off silently: its task is cancelled at 2/3 of the session
    // timeout, before the server expires its session and the second leads.
    proxy.set_fault(Fault::BlackHole);
    let term = timeout(WAIT, first_run).await.unwrap().unwrap().unwrap();
    assert_eq!(term, Term::Lost(LockState::Suspended));
    assert!(cancelled.load(Ordering::SeqCst));
    let term = timeout(WAIT * 2, second_run)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(term, Term::Finished);
    assert!(
        saw_cancelled.load(Ordering::SeqCst),
        "the second leader started before the first one's task was cancelled"
    );
    proxy.heal();
}

#[tokio::test]
async fn a_finished_task_hands_leadership_on_and_requeues() {
    let server = support::start_server();
    let cs = server.connect_string();
    let count = Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut runs = Vec::new();
    for id in ["a", "b"] {
        let selector = LeaderSelector::new(connect(&cs).await, "/sched", id)
            .unwrap()
            .auto_requeue(true);
        let count = count.clone();
        runs.push(tokio::spawn(async move {
            selector
                .lead(move |token| {
                    let count = count.clone();
                    async move {
                        count.lock().unwrap().push((id, token));
                        tokio::time::sleep(Duration::from_millis(10)).await;
                    }
                })
                .await
        }));
    }
    timeout(WAIT, async {
        while count.lock().unwrap().len() < 6 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("leadership did not pass around");
    for r in &runs {
        r.abort();
    }
    let terms = count.lock().unwrap().clone();
    assert!(terms.windows(2).all(|w| w[0].1 < w[1].1), "{terms:?}");
    assert!(terms.iter().any(|t| t.0 == "a") && terms.iter().any(|t| t.0 == "b"));
}
