//! `zk-cache-bench`: the memory of a `zk_recipes::TreeCache`. Writes a tree of N leaves of S
//! bytes (under 1 + N/1000 interior nodes, so that no child list nears `jute.maxbuffer`), then
//! starts a cache of it in this process and prints, as one tab-separated row, how long the
//! first read took and the resident memory (`VmRSS`) before the cache and once it is live, and
//! the peak (`VmHWM`). `cargo xtask bench cache` runs it against a local ZooKeeper.
// A command-line tool: results go to stdout, errors to stderr.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;
use zk_bench_harness::procfs;
use zk_client::{Client, CreateOptions, Op};
use zk_recipes::TreeCache;

/// Command-line options.
#[derive(Debug, Parser)]
#[command(
    name = "zk-cache-bench",
    about = "Resident memory of a TreeCache of N nodes"
)]
struct Args {
    /// Connect string of the server (e.g. 127.0.0.1:2181).
    #[arg(long)]
    server: String,
    /// The tree's root (use a fresh one per run).
    #[arg(long, default_value = "/zk-cache-bench")]
    path: String,
    /// Leaves.
    #[arg(long, default_value_t = 100_000)]
    nodes: usize,
    /// Bytes of data per leaf.
    #[arg(long, default_value_t = 100)]
    size: usize,
}

/// Leaves per interior node.
const FANOUT: usize = 1000;
/// `multi` transactions in flight while writing the tree.
const IN_FLIGHT: usize = 8;

/// A field of `/proc/self/status` in bytes (`VmRSS`, `VmHWM`), or an error naming it.
fn status_bytes(field: &str) -> Result<u64, String> {
    procfs::status_bytes(field).ok_or_else(|| format!("cannot read {field} from /proc/self/status"))
}

/// Writes the root, the interior nodes and the leaves (in `multi` batches of 1000).
async fn populate(client: &Client, args: &Args) -> Result<(), String> {
    let options = CreateOptions::persistent();
    client
        .create(&args.path, Vec::new(), &options)
        .await
        .map_err(|e| format!("creating {}: {e}", args.path))?;
    let data = vec![b'x'; args.size];
    let mut batches = tokio::task::JoinSet::new();
    for parent in 0..args.nodes.div_ceil(FANOUT) {
        let dir = format!("{}/p{parent:04}", args.path);
        let mut ops = vec![Op::create(&dir, Vec::new(), options.clone())];
        for leaf in (parent * FANOUT)..((parent + 1) * FANOUT).min(args.nodes) {
            ops.push(Op::create(
                &format!("{dir}/n{leaf:06}"),
                data.clone(),
                options.clone(),
            ));
        }
        if batches.len() >= IN_FLIGHT {
            finish_one(&mut batches).await?;
        }
        let client = client.clone();
        batches.spawn(async move {
            client
                .multi(&ops)
                .await
                .map(drop)
                .map_err(|e| e.to_string())
        });
    }
    while !batches.is_empty() {
        finish_one(&mut batches).await?;
    }
    Ok(())
}

async fn finish_one(batches: &mut tokio::task::JoinSet<Result<(), String>>) -> Result<(), String> {
    match batches.join_next().await {
        Some(Ok(result)) => result,
        Some(Err(e)) => Err(e.to_string()),
        None => Ok(()),
    }
}

async fn run(args: Args) -> Result<(), String> {
    let connect = |cs: String| async move {
        Client::connect(&cs)
            .await
            .map_err(|e| format!("connecting to {cs}: {e}"))
    };
    let writer = connect(args.server.clone()).await?;
    populate(&writer, &args).await?;
    let _ = writer.close().await;
    drop(writer);
    let client = connect(args.server.clone()).await?;
    let before = status_bytes("VmRSS")?;
    let start = Instant::now();
    let cache = TreeCache::new(client, &args.path)
        .map_err(|e| e.to_string())?
        .start();
    cache.wait_live().await.map_err(|e| e.to_string())?;
    let load = start.elapsed();
    let live = status_bytes("VmRSS")?;
    let peak = status_bytes("VmHWM")?;
    let held = cache.len();
    let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
    println!("nodes_held\tdata_bytes\tload_s\trss_before_mib\trss_live_mib\tcache_mib\tbytes_per_node\tpeak_mib");
    println!(
        "{held}\t{}\t{:.2}\t{:.1}\t{:.1}\t{:.1}\t{:.0}\t{:.1}",
        args.size,
        load.as_secs_f64(),
        mib(before),
        mib(live),
        mib(live.saturating_sub(before)),
        live.saturating_sub(before) as f64 / held.max(1) as f64,
        mib(peak),
    );
    cache.close().await;
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
