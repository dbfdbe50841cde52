//! `peer-rust-zookeeper`: `zk-bench`'s closed-loop workloads and `--watches` through the
//! `zookeeper` crate, for `cargo xtask bench client`.
//!
//! The crate's API is blocking (each call waits for its reply; the crate's own I/O thread
//! talks to the server), so `--pipeline N` outstanding requests per session are N threads
//! calling one shared `ZooKeeper` handle, each with one request outstanding.

use std::process::ExitCode;
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::{Duration, Instant};

use zookeeper::{Acl, CreateMode, WatchedEvent, ZkError, ZooKeeper};

use client_peers::{Args, Run};
use zk_bench_harness::measure::Tally;
use zk_bench_harness::nodes::{watched_path, KEYS};
use zk_bench_harness::procfs::{self, CpuReading};
use zk_bench_harness::report::watch_row;
use zk_bench_harness::workload::{OpKind, Rng};

/// How long the `watch` operation waits for its notification.
const NOTIFICATION_TIMEOUT: Duration = Duration::from_secs(30);
/// Threads registering watches in `--watches` mode.
const WATCH_THREADS: usize = 16;

fn main() -> ExitCode {
    match run() {
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

fn connect(server: &str) -> Result<Arc<ZooKeeper>, String> {
    ZooKeeper::connect(server, Duration::from_secs(30), |_: WatchedEvent| {})
        .map(Arc::new)
        .map_err(|e| format!("connecting to {server}: {e}"))
}

fn run() -> Result<String, String> {
    let args = Args::parse("rust-zookeeper")?;
    if let Some(n) = args.watches {
        return watches(&connect(&args.server)?, n);
    }
    let mut clients = Vec::with_capacity(args.sessions);
    for _ in 0..args.sessions {
        clients.push(connect(&args.server)?);
    }
    let run = Arc::new(Run::new(&args));
    let mut lanes = Vec::new();
    for (s, zk) in clients.iter().enumerate() {
        for w in 0..args.pipeline {
            let seed = (s * args.pipeline + w) as u64 + 1;
            let (zk, run) = (zk.clone(), run.clone());
            lanes.push(thread::spawn(move || lane(&zk, &run, seed)));
        }
    }
    thread::sleep(run.window.start.saturating_duration_since(Instant::now()));
    let cpu0 = CpuReading::now(args.server_pid);
    let mut cpu1 = None;
    if let Some(end) = run.window.end {
        thread::sleep(end.saturating_duration_since(Instant::now()));
        cpu1 = Some(CpuReading::now(args.server_pid));
        run.window.stop();
    }
    let mut tally = Tally::default();
    for lane in lanes {
        tally.merge(
            lane.join()
                .map_err(|_| "a lane thread panicked".to_owned())?,
        );
    }
    let cpu1 = cpu1.unwrap_or_else(|| CpuReading::now(args.server_pid));
    let out = client_peers::report(&args.label, &run, tally, (cpu0, cpu1));
    for zk in clients {
        let _ = zk.close();
    }
    Ok(out)
}

/// One lane: a thread with one request outstanding at a time.
fn lane(zk: &ZooKeeper, run: &Run, seed: u64) -> Tally {
    let mut rng = Rng::new(seed);
    let mut tally = Tally::default();
    while !run.window.stopped() {
        let start = Instant::now();
        let outcome = one_op(zk, run, &mut rng);
        if !run.window.finish(&mut tally, start, outcome) {
            break;
        }
    }
    tally
}

fn one_op(zk: &ZooKeeper, run: &Run, rng: &mut Rng) -> Result<(), String> {
    let kind = run.mix.pick(rng);
    let key = &run.keys[rng.below(run.keys.len())];
    let e = |e: ZkError| format!("{kind:?}: {e:?}");
    match kind {
        OpKind::Get => zk.get_data(key, false).map(drop).map_err(e),
        OpKind::Exists => zk.exists(key, false).map(drop).map_err(e),
        OpKind::Children => zk.get_children(KEYS, false).map(drop).map_err(e),
        OpKind::Set => zk
            .set_data(key, run.value.clone(), None)
            .map(drop)
            .map_err(e),
        OpKind::Create => create(zk, run).map_err(e),
        OpKind::Delete => match run.created.victim() {
            Some(path) => zk.delete(&path, None).map_err(e),
            None => create(zk, run).map_err(e),
        },
        OpKind::Watch => {
            let (tx, rx) = mpsc::sync_channel(1);
            zk.get_data_w(key, move |ev: WatchedEvent| {
                let _ = tx.try_send(ev);
            })
            .map_err(e)?;
            zk.set_data(key, run.value.clone(), None).map_err(e)?;
            rx.recv_timeout(NOTIFICATION_TIMEOUT)
                .map(drop)
                .map_err(|_| format!("no notification for {key} within {NOTIFICATION_TIMEOUT:?}"))
        }
    }
}

fn create(zk: &ZooKeeper, run: &Run) -> Result<(), ZkError> {
    let path = run.created.next_path();
    zk.create(
        &path,
        run.value.clone(),
        Acl::open_unsafe().clone(),
        CreateMode::Persistent,
    )?;
    run.created.push(path);
    Ok(())
}

/// Registers `n` one-shot data watches (`exists_w` with a closure, from 16 threads) on the
/// nodes `zk-bench --watches` created, and reports resident memory.
fn watches(zk: &Arc<ZooKeeper>, n: usize) -> Result<String, String> {
    thread::sleep(Duration::from_millis(200));
    let before = procfs::rss()?;
    let started = Instant::now();
    let workers: Vec<_> = (0..WATCH_THREADS)
        .map(|t| {
            let zk = zk.clone();
            thread::spawn(move || -> Result<(), String> {
                for i in (t..n).step_by(WATCH_THREADS) {
                    let path = watched_path(i);
                    let stat = zk
                        .exists_w(&path, |_: WatchedEvent| {})
                        .map_err(|e| format!("exists_w {path}: {e:?}"))?;
                    if stat.is_none() {
                        return Err(
                            "a watched node is missing (run zk-bench --watches first)".into()
                        );
                    }
                }
                Ok(())
            })
        })
        .collect();
    for w in workers {
        w.join()
            .map_err(|_| "a registering thread panicked".to_owned())??;
    }
    let took = started.elapsed();
    thread::sleep(Duration::from_millis(200));
    let after = procfs::rss()?;
    Ok(watch_row(n, before, after, took))
}
