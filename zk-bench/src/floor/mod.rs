//! Floors for the open-loop `get` workload: the same `getData` requests at the same rate,
//! written straight onto a socket by a few lines of code instead of a client library. What
//! such a run costs per operation is what the OS takes for one request per round trip in that
//! thread structure (sleeps, wake-ups, loopback TCP) before any client does anything; it
//! puts the clients' figures at a fixed rate in proportion.
//!
//! Each floor paces its slots with the harness's own [`Pacer`]: a slot not yet due counts from
//! the wake-up, a late one from its scheduled time. Unlike the clients, a floor keeps one
//! request at a time in flight (`caller-writes`: as many as the slots ask for), reads only
//! the reply header, and runs on the current-thread runtime only.

mod meter;
mod structures;
mod wire;

use std::time::Instant;

use zk_bench_harness::pace::Pacer;
use zk_bench_harness::report::Report;

use crate::args::{Args, Floor};
use meter::{Meter, Window};
use structures::{blocking, caller_writes, tokio_one_task, tokio_two_tasks};
use wire::{handshake, Requests};

/// Refuses flags a floor cannot honour: it is one session of getData at a fixed rate, on the
/// current-thread runtime (with worker threads, each wake-up would also cross to the thread
/// blocked in `block_on`, which the thread structures above do not have).
pub(crate) fn check(args: &Args) -> Result<(), String> {
    if args.rate > 0.0
        && args.sessions == 1
        && args.threads <= 1
        && matches!(args.mix.as_str(), "read" | "get=100")
    {
        Ok(())
    } else {
        Err(
            "--floor runs one session of getData at a fixed rate on one thread: give --rate, \
             --sessions 1, --mix read and no --threads"
                .into(),
        )
    }
}

/// Runs `floor` against `connect` with the workload flags of `args` (`--rate`, `--duration`
/// or `--count`, `--warmup`, `--keys`), which [`check`] accepted.
pub(crate) async fn run(
    floor: Floor,
    args: &Args,
    connect: &str,
    server_pid: Option<u32>,
) -> Result<Report, String> {
    let stream = handshake(connect)?;
    let now = Instant::now();
    let window = Window {
        start: now + args.warmup,
        end: args
            .count
            .is_none()
            .then(|| now + args.warmup + args.duration),
        count: args.count,
    };
    let pacer = Pacer::new(now, args.rate)?;
    let requests = Requests::new(args.keys);
    let meter = Meter::new(window, server_pid);
    let meter = match floor {
        Floor::Blocking => {
            let job = move || blocking(stream, pacer, requests, meter);
            tokio::task::spawn_blocking(job)
                .await
                .map_err(|e| format!("floor thread: {e}"))??
        }
        Floor::TokioOneTask => tokio_one_task(stream, pacer, requests, meter).await?,
        Floor::TokioTwoTasks => tokio_two_tasks(stream, pacer, requests, meter).await?,
        Floor::CallerWrites => caller_writes(stream, pacer, requests, meter).await?,
    };
    Ok(meter.report(args.label.clone()))
}
