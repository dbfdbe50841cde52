//! `zk-bench`'s command line (clap); the Java and Python harnesses and the Rust peers take the
//! same workload flags.

use std::time::Duration;

use clap::Parser;
use zk_bench_harness::workload;

/// Command-line options. The Java and Python harnesses accept the same workload flags.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "zk-bench",
    about = "Load a ZooKeeper server with zk-client: throughput, latency percentiles, CPU per op",
    after_help = "Mix presets: read (get=100), write (set=100), mixed \
                  (get=80,set=10,create=5,delete=5), churn (create=50,delete=50), watch \
                  (watch=100: getData+watch, setData, notification, timed as one op).\n\
                  Example: zk-bench --local --sessions 1 --pipeline 100 --mix read --duration 10s"
)]
pub(crate) struct Args {
    /// Connect string of the server to load (e.g. 127.0.0.1:2181).
    #[arg(long, conflicts_with = "local")]
    pub(crate) server: Option<String>,
    /// Start a local ZooKeeper 3.8 (Debian package) on a free port for this run.
    #[arg(long)]
    pub(crate) local: bool,
    /// Process id of the server (or of a launcher above its `java`), for its CPU time.
    #[arg(long)]
    pub(crate) server_pid: Option<u32>,
    /// Concurrent sessions.
    #[arg(long, default_value_t = 1)]
    pub(crate) sessions: usize,
    /// Outstanding requests per session.
    #[arg(long, default_value_t = 1)]
    pub(crate) pipeline: usize,
    /// Operation mix: `get=80,set=10,create=5,delete=5` or a preset.
    #[arg(long, default_value = "read")]
    pub(crate) mix: String,
    /// Bytes of data per node (setup and sets).
    #[arg(long, default_value_t = 100)]
    pub(crate) value_size: usize,
    /// Number of key nodes (`/zk-bench/k/0000000` ...) read and written.
    #[arg(long, default_value_t = 1000)]
    pub(crate) keys: usize,
    /// How long to measure (after the warm-up), e.g. 10s, 500ms.
    #[arg(long, default_value = "10s", value_parser = workload::parse_duration)]
    pub(crate) duration: Duration,
    /// Measure this many operations instead of a duration.
    #[arg(long)]
    pub(crate) count: Option<u64>,
    /// Load before measuring (lets the server's and Java's JIT settle).
    #[arg(long, default_value = "2s", value_parser = workload::parse_duration)]
    pub(crate) warmup: Duration,
    /// Open loop: start operations at this rate (per second, all sessions together);
    /// latency counts from the scheduled start. 0: closed loop.
    #[arg(long, default_value_t = 0.0)]
    pub(crate) rate: f64,
    /// Tokio worker threads (1: a current-thread runtime).
    #[arg(long, default_value_t = 1)]
    pub(crate) threads: usize,
    /// Wake at every reply (`ClientBuilder::coalesce_replies(false)`), to measure what
    /// reply coalescing does.
    #[arg(long)]
    pub(crate) no_coalesce: bool,
    /// Name of this client in the output.
    #[arg(long, default_value = "zk-client")]
    pub(crate) label: String,
    /// Print a header and one tab-separated row (for `cargo xtask bench client`).
    #[arg(long)]
    pub(crate) tsv: bool,
    /// Create the nodes the workload needs, then exit.
    #[arg(long)]
    pub(crate) setup_only: bool,
    /// Instead of a workload: register this many one-shot data watches on existing nodes and
    /// report this process's resident memory before and after.
    #[arg(long)]
    pub(crate) watches: Option<usize>,
    /// Speak TLS, trusting the CA certificate in this PEM file (the server's `secureClientPort`).
    #[arg(long)]
    pub(crate) tls_ca: Option<std::path::PathBuf>,
    /// Instead of zk-client: the same open-loop getData requests written straight onto a
    /// socket in the given thread structure (needs `--rate`, `--sessions 1`, `--mix read`).
    /// Its CPU per operation is what the OS alone costs for one request per round trip.
    #[arg(long, value_enum)]
    pub(crate) floor: Option<Floor>,
}

/// Which thread structure a floor run has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Floor {
    /// One thread sleeps until the slot, writes the request and blocks reading the reply: two
    /// wake-ups per operation, no runtime.
    Blocking,
    /// The harness's structure with the least possible async client: the dispatcher thread
    /// hands each slot to one tokio task, which writes the request and awaits the reply
    /// (three wake-ups over two threads, as for zk-client).
    TokioOneTask,
    /// As [`Floor::TokioOneTask`], but the socket belongs to a second task, as in any client
    /// that multiplexes callers over one connection: the lane sends the request through a
    /// channel and awaits the reply on a oneshot (zk-client's structure, with no client).
    TokioTwoTasks,
    /// The dispatcher thread writes each request itself and a tokio task reads the replies:
    /// two wake-ups over two threads, the least a client writing from the caller's thread
    /// could reach.
    CallerWrites,
}
