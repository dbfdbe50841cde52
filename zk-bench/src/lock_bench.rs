//! `zk-lock-bench`: lock contention through `zk_recipes::Mutex`. N contenders, each its own
//! session, on one lock path: acquire, add 1 to an in-memory counter, release, repeat; prints
//! the acquisitions per second of the measured window (after a warm-up) as one tab-separated
//! row. `cargo xtask bench locks` runs it side by side with Curator's `InterProcessMutex`
//! (`java/CuratorLockBench.java`) and kazoo's `Lock` (`python/kazoo_lock_bench.py`).
// A command-line tool: results go to stdout, errors to stderr.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use zk_client::Client;
use zk_recipes::Mutex;

/// Command-line options (the Java and Python harnesses take the same values positionally).
#[derive(Debug, Parser)]
#[command(
    name = "zk-lock-bench",
    about = "Acquisitions per second of N contenders on one zk_recipes::Mutex"
)]
struct Args {
    /// Connect string of the server (e.g. 127.0.0.1:2181).
    #[arg(long)]
    server: String,
    /// The lock path (use a fresh one per run).
    #[arg(long, default_value = "/zk-lock-bench/lock")]
    path: String,
    /// Contenders, each with its own session.
    #[arg(long, default_value_t = 2)]
    contenders: usize,
    /// Contention before measuring, in milliseconds.
    #[arg(long, default_value_t = 1000)]
    warmup_ms: u64,
    /// The measured window, in milliseconds.
    #[arg(long, default_value_t = 5000)]
    duration_ms: u64,
    /// Name of this client in the output.
    #[arg(long, default_value = "zk-recipes")]
    label: String,
}

/// One contender: acquire, count, release, until `stop`.
async fn contend(mutex: Mutex, count: Arc<AtomicU64>, stop: Arc<AtomicBool>) -> Result<(), String> {
    while !stop.load(Ordering::Relaxed) {
        let guard = mutex.acquire().await.map_err(|e| e.to_string())?;
        count.fetch_add(1, Ordering::Relaxed);
        guard.release().await.map_err(|e| e.to_string())?;
    }
    Ok(())
}

async fn run(args: Args) -> Result<(), String> {
    if args.contenders == 0 {
        return Err("--contenders must be at least 1".to_owned());
    }
    let mut mutexes = Vec::with_capacity(args.contenders);
    for _ in 0..args.contenders {
        let client = Client::connect(&args.server)
            .await
            .map_err(|e| format!("connecting to {}: {e}", args.server))?;
        mutexes.push(Mutex::new(client, &args.path).map_err(|e| e.to_string())?);
    }
    let count = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let mut tasks = tokio::task::JoinSet::new();
    for mutex in mutexes {
        tasks.spawn(contend(mutex, Arc::clone(&count), Arc::clone(&stop)));
    }
    let window = async {
        tokio::time::sleep(Duration::from_millis(args.warmup_ms)).await;
        let (start, before) = (Instant::now(), count.load(Ordering::Relaxed));
        tokio::time::sleep(Duration::from_millis(args.duration_ms)).await;
        (start.elapsed(), count.load(Ordering::Relaxed) - before)
    };
    // A contender failing ends the run with its error.
    let (elapsed, acquisitions) = tokio::select! {
        measured = window => measured,
        Some(joined) = tasks.join_next() => {
            return Err(match joined {
                Ok(Err(e)) => e,
                Ok(Ok(())) => "a contender stopped early".to_owned(),
                Err(e) => e.to_string(),
            });
        }
    };
    stop.store(true, Ordering::Relaxed);
    println!("client\tcontenders\tacquisitions\tacq_per_s");
    println!(
        "{}\t{}\t{acquisitions}\t{:.1}",
        args.label,
        args.contenders,
        acquisitions as f64 / elapsed.as_secs_f64()
    );
    // The contenders still queued are dropped with the runtime (their sessions close).
    tasks.abort_all();
    Ok(())
}

fn main() -> ExitCode {
    let args = Args::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the tokio runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
