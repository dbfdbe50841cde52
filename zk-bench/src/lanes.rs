//! The timed workload through zk-client: `--sessions` x `--pipeline` lanes, each with one
//! request outstanding (closed loop, or open loop at `--rate` through [`Arrivals`]), their
//! latency and CPU time over the measured window.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use zk_bench_harness::measure::{Tally, Window};
use zk_bench_harness::nodes::{key_path, Created, KEYS};
use zk_bench_harness::pace::Pacer;
use zk_bench_harness::procfs::CpuReading;
use zk_bench_harness::report::Report;
use zk_bench_harness::workload::{Mix, OpKind, Rng};
use zk_client::{Client, CreateOptions, Error};

use crate::args::Args;
use crate::arrivals::{Arrivals, Slots};
use crate::connect::connect_one;

/// State shared by the lanes of a run.
struct Shared {
    mix: Mix,
    keys: Vec<String>,
    value: Bytes,
    window: Window,
    /// Open loop: the lanes waiting for a slot and the slots waiting for a lane.
    arrivals: Option<Arrivals>,
    /// Nodes created by this run, deleted by `delete` operations.
    created: Created,
}

/// Runs the timed workload and reports.
pub(crate) async fn workload(
    args: &Args,
    mix: Mix,
    connect: &str,
    server_pid: Option<u32>,
) -> Result<Report, String> {
    let mut clients = Vec::with_capacity(args.sessions);
    for _ in 0..args.sessions {
        clients.push(connect_one(connect, args.tls_ca.as_deref(), !args.no_coalesce).await?);
    }
    let now = Instant::now();
    let open_loop = args.rate > 0.0;
    let lanes = args.sessions * args.pipeline;
    // Open loop: one channel per lane, the senders for the dispatcher thread (started below,
    // once `shared` exists).
    let (lane_tx, mut lane_rx): (Vec<_>, Vec<_>) = if open_loop {
        (0..lanes).map(|_| mpsc::unbounded_channel()).unzip()
    } else {
        (Vec::new(), Vec::new())
    };
    let shared = Arc::new(Shared {
        mix,
        keys: (0..args.keys).map(key_path).collect(),
        value: Bytes::from(vec![b'v'; args.value_size]),
        window: Window::new(now, args.warmup, args.duration, args.count),
        arrivals: open_loop.then(Arrivals::default),
        created: Created::new(&args.label),
    });
    let mut workers = JoinSet::new();
    let mut lane_rx = lane_rx.drain(..);
    for (s, client) in clients.iter().enumerate() {
        for w in 0..args.pipeline {
            let lane = s * args.pipeline + w;
            let slots = lane_rx.next().map(|rx| (lane, rx));
            workers.spawn(worker(
                client.clone(),
                shared.clone(),
                lane as u64 + 1,
                slots,
            ));
        }
    }
    let dispatcher_stop = if open_loop {
        let stop = Arc::new(AtomicBool::new(false));
        let pacer = Pacer::new(now, args.rate)?;
        let (flag, shared) = (stop.clone(), shared.clone());
        std::thread::spawn(move || {
            if let Some(arrivals) = &shared.arrivals {
                arrivals.dispatch(lane_tx, pacer, &flag);
            }
        });
        Some(stop)
    } else {
        None
    };
    let window = &shared.window;
    tokio::time::sleep_until(window.start.into()).await;
    let cpu0 = CpuReading::now(server_pid);
    let mut cpu1 = None;
    if let Some(end) = window.end {
        tokio::time::sleep_until(end.into()).await;
        cpu1 = Some(CpuReading::now(server_pid));
        window.stop();
    }
    let stop_dispatcher = || {
        if let Some(flag) = &dispatcher_stop {
            flag.store(true, Ordering::Relaxed);
        }
    };
    if window.end.is_some() {
        stop_dispatcher();
    }
    let mut total = Tally::default();
    while let Some(r) = workers.join_next().await {
        total.merge(r.map_err(|e| format!("worker: {e}"))?);
        // Count mode: the first lane to finish means the count is reached.
        stop_dispatcher();
    }
    let cpu1 = cpu1.unwrap_or_else(|| CpuReading::now(server_pid));
    let end = window.end_for(&total);
    for c in &clients {
        let _ = c.close().await;
    }
    if let Some(failures) = total.failures() {
        eprintln!("{failures}");
    }
    Ok(Report::measured(
        args.label.clone(),
        window,
        total,
        (cpu0, cpu1),
        end,
    ))
}

/// One closed-loop (or open-loop) lane: at most one request outstanding. Open loop: `slots` is
/// the lane's number and the channel the dispatcher wakes it through.
async fn worker(client: Client, shared: Arc<Shared>, seed: u64, mut slots: Option<Slots>) -> Tally {
    let mut rng = Rng::new(seed);
    let mut tally = Tally::default();
    while !shared.window.stopped() {
        let start = match (&shared.arrivals, &mut slots) {
            (Some(arrivals), Some(slots)) => match arrivals.next(slots).await {
                Some(start) => start,
                None => break,
            },
            _ => Instant::now(),
        };
        let kind = shared.mix.pick(&mut rng);
        let outcome = one_op(&client, &shared, kind, &mut rng)
            .await
            .map_err(|e| format!("{kind:?}: {e}"));
        if !shared.window.finish(&mut tally, start, outcome) {
            break;
        }
    }
    tally
}

async fn one_op(
    client: &Client,
    shared: &Shared,
    kind: OpKind,
    rng: &mut Rng,
) -> Result<(), Error> {
    let key = &shared.keys[rng.below(shared.keys.len())];
    match kind {
        OpKind::Get => client.get_data(key).await.map(drop),
        OpKind::Exists => client.exists(key).await.map(drop),
        OpKind::Children => client.get_children(KEYS).await.map(drop),
        OpKind::Set => client
            .set_data(key, shared.value.clone(), None)
            .await
            .map(drop),
        OpKind::Create => create(client, shared).await,
        OpKind::Delete => match shared.created.victim() {
            Some(path) => client.delete(&path, None).await,
            None => create(client, shared).await,
        },
        OpKind::Watch => {
            let (_, _, watcher) = client.get_data_and_watch(key).await?;
            client.set_data(key, shared.value.clone(), None).await?;
            watcher.changed().await.map(drop)
        }
    }
}

async fn create(client: &Client, shared: &Shared) -> Result<(), Error> {
    let path = shared.created.next_path();
    client
        .create(&path, shared.value.clone(), &CreateOptions::persistent())
        .await?;
    shared.created.push(path);
    Ok(())
}
