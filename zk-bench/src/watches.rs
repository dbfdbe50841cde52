//! `--watches N`: the resident memory that N registered one-shot data watches take.

use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::task::JoinSet;
use zk_bench_harness::nodes::{watched_path, WATCHED};
use zk_bench_harness::procfs;
use zk_bench_harness::report::watch_row;
use zk_client::Client;

use crate::setup::create_missing;

/// Registers `n` one-shot data watches (`exists` with a watch on existing nodes) and reports
/// resident memory before and after.
pub(crate) async fn watch_memory(client: &Client, n: usize) -> Result<String, String> {
    let started = Instant::now();
    // Listing 100,000 children to find the missing ones would leave its buffers in this
    // process's heap before the measurement: skip it when every node is there (the xtask
    // creates them in a run of its own first).
    let present = client
        .exists(WATCHED)
        .await
        .map_err(|e| format!("exists {WATCHED}: {e}"))?
        .map_or(0, |stat| stat.num_children);
    if usize::try_from(present).unwrap_or(0) < n {
        let created = create_missing(
            client,
            WATCHED,
            (0..n).map(watched_path).collect(),
            Bytes::new(),
        )
        .await?;
        eprintln!(
            "watches: {created} nodes created in {:.1?}",
            started.elapsed()
        );
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let before = procfs::rss()?;
    let started = Instant::now();
    let mut watchers = Vec::with_capacity(n);
    let mut i = 0;
    while i < n {
        let mut batch = JoinSet::new();
        for j in i..(i + 1000).min(n) {
            let c = client.clone();
            batch.spawn(async move { c.exists_and_watch(&watched_path(j)).await });
        }
        while let Some(r) = batch.join_next().await {
            let (stat, w) = r
                .map_err(|e| e.to_string())?
                .map_err(|e| format!("exists_and_watch: {e}"))?;
            if stat.is_none() {
                return Err("a watched node is missing".into());
            }
            watchers.push(w);
        }
        i += 1000;
    }
    let took = started.elapsed();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let after = procfs::rss()?;
    Ok(watch_row(n, before, after, took))
}
