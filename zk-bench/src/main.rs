//! `zk-bench`: a ZooKeeper load tool for `zk-client`, in the manner of ZooKeeper's latency
//! smoke tests. N sessions with `--pipeline` outstanding requests each (closed loop), or a fixed
//! arrival rate (`--rate`, open loop); prints throughput, latency p50/p99/p99.9, and the CPU
//! time per operation of this process and of the server. `--watches N` instead reports the
//! memory taken by N registered one-shot watches.
//!
//! `cargo xtask bench client` runs it side by side with Apache's Java client
//! (`java/JavaBench.java`) and kazoo (`python/kazoo_bench.py`), which take the same flags.
// A command-line tool: results go to stdout, progress and errors to stderr.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod args;
mod arrivals;
mod connect;
mod floor;
mod lanes;
mod run;
mod setup;
mod watches;

use std::process::ExitCode;

use clap::Parser;

use args::Args;

fn main() -> ExitCode {
    let args = Args::parse();
    let runtime = if args.threads <= 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(args.threads)
            .enable_all()
            .build()
    };
    let runtime = match runtime {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the tokio runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run::main(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
