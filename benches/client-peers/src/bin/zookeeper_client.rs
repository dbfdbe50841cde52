//! `peer-zookeeper-client`: `zk-bench`'s closed-loop workloads and `--watches` through
//! kezhuw's `zookeeper-client` crate, for `cargo xtask bench client`.
//!
//! As in `zk-bench`: one current-thread tokio runtime, one task per lane (`--sessions` x
//! `--pipeline`), each with one request outstanding, sharing its session's `Client`.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinSet;
use tokio::time::Instant;
use zookeeper_client::{Acls, Client, CreateMode};

use client_peers::{Args, Run};
use zk_bench_harness::measure::Tally;
use zk_bench_harness::nodes::{watched_path, KEYS};
use zk_bench_harness::procfs::{self, CpuReading};
use zk_bench_harness::report::watch_row;
use zk_bench_harness::workload::{OpKind, Rng};

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    match run().await {
        Ok(out) => {
            println!("{out}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn connect(server: &str) -> Result<Client, String> {
    Client::connector()
        .with_session_timeout(Duration::from_secs(30))
        .connect(server)
        .await
        .map_err(|e| format!("connecting to {server}: {e}"))
}

async fn run() -> Result<String, String> {
    let args = Args::parse("zookeeper-client")?;
    if let Some(n) = args.watches {
        return watches(&connect(&args.server).await?, n).await;
    }
    let mut clients = Vec::with_capacity(args.sessions);
    for _ in 0..args.sessions {
        clients.push(connect(&args.server).await?);
    }
    let run = Arc::new(Run::new(&args));
    let mut lanes = JoinSet::new();
    for (s, client) in clients.iter().enumerate() {
        for w in 0..args.pipeline {
            let seed = (s * args.pipeline + w) as u64 + 1;
            lanes.spawn(lane(client.clone(), run.clone(), seed));
        }
    }
    tokio::time::sleep_until(run.window.start.into()).await;
    let cpu0 = CpuReading::now(args.server_pid);
    let mut cpu1 = None;
    if let Some(end) = run.window.end {
        tokio::time::sleep_until(end.into()).await;
        cpu1 = Some(CpuReading::now(args.server_pid));
        run.window.stop();
    }
    let mut tally = Tally::default();
    while let Some(t) = lanes.join_next().await {
        tally.merge(t.map_err(|e| format!("lane: {e}"))?);
    }
    let cpu1 = cpu1.unwrap_or_else(|| CpuReading::now(args.server_pid));
    Ok(client_peers::report(&args.label, &run, tally, (cpu0, cpu1)))
}

/// One lane: one request outstanding at a time.
async fn lane(client: Client, run: Arc<Run>, seed: u64) -> Tally {
    let mut rng = Rng::new(seed);
    let mut tally = Tally::default();
    while !run.window.stopped() {
        let start = Instant::now().into_std();
        let outcome = one_op(&client, &run, &mut rng).await;
        if !run.window.finish(&mut tally, start, outcome) {
            break;
        }
    }
    tally
}

async fn one_op(client: &Client, run: &Run, rng: &mut Rng) -> Result<(), String> {
    let kind = run.mix.pick(rng);
    let key = &run.keys[rng.below(run.keys.len())];
    let e = |e: zookeeper_client::Error| format!("{kind:?}: {e}");
    match kind {
        OpKind::Get => client.get_data(key).await.map(drop).map_err(e),
        OpKind::Exists => client.check_stat(key).await.map(drop).map_err(e),
        OpKind::Children => client.list_children(KEYS).await.map(drop).map_err(e),
        OpKind::Set => client
            .set_data(key, &run.value, None)
            .await
            .map(drop)
            .map_err(e),
        OpKind::Create => create(client, run).await.map_err(e),
        OpKind::Delete => match run.created.victim() {
            Some(path) => client.delete(&path, None).await.map_err(e),
            None => create(client, run).await.map_err(e),
        },
        OpKind::Watch => {
            let (_, _, watcher) = client.get_and_watch_data(key).await.map_err(e)?;
            client.set_data(key, &run.value, None).await.map_err(e)?;
            watcher.changed().await;
            Ok(())
        }
    }
}

async fn create(client: &Client, run: &Run) -> Result<(), zookeeper_client::Error> {
    let path = run.created.next_path();
    let options = CreateMode::Persistent.with_acls(Acls::anyone_all());
    client.create(&path, &run.value, &options).await?;
    run.created.push(path);
    Ok(())
}

/// Registers `n` one-shot data watches (`check_and_watch_stat`, 1,000 in flight) on the nodes
/// `zk-bench --watches` created, keeping every watcher, and reports resident memory.
async fn watches(client: &Client, n: usize) -> Result<String, String> {
    tokio::time::sleep(Duration::from_millis(200)).await;
    let before = procfs::rss()?;
    let started = Instant::now();
    let mut watchers = Vec::with_capacity(n);
    for first in (0..n).step_by(1000) {
        let mut batch = JoinSet::new();
        for i in first..(first + 1000).min(n) {
            let c = client.clone();
            batch.spawn(async move { c.check_and_watch_stat(&watched_path(i)).await });
        }
        while let Some(r) = batch.join_next().await {
            let (stat, watcher) = r
                .map_err(|e| e.to_string())?
                .map_err(|e| format!("check_and_watch_stat: {e}"))?;
            if stat.is_none() {
                return Err("a watched node is missing (run zk-bench --watches first)".into());
            }
            watchers.push(watcher);
        }
    }
    let took = started.elapsed();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let after = procfs::rss()?;
    let report = watch_row(n, before, after, took);
    // Dropping 100,000 watchers would unregister them one by one; the process ends here.
    std::mem::forget(watchers);
    Ok(report)
}
