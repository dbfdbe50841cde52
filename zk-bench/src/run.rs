//! Running the command line: checks the flags, finds (or starts) the server, creates the nodes
//! the workload needs, then runs the workload, a floor or the watch-memory mode and prints its
//! report.

use zk_bench_harness::pace;
use zk_bench_harness::procfs;
use zk_bench_harness::report::Report;
use zk_bench_harness::workload::Mix;

use crate::args::Args;
use crate::connect::connect_one;
use crate::{floor, lanes, setup, watches};

/// Runs the command line.
pub(crate) async fn main(args: Args) -> Result<(), String> {
    let mix = Mix::parse(&args.mix)?;
    if args.sessions == 0 || args.pipeline == 0 || args.keys == 0 {
        return Err("--sessions, --pipeline and --keys must be at least 1".into());
    }
    if args.rate != 0.0 {
        pace::interval(args.rate)?;
    }
    if args.floor.is_some() {
        floor::check(&args)?;
    }
    // Keep a local server alive until the end of the run.
    let (_local, connect, server_pid) = if args.local {
        let s = zk_testkit::ZkServer::start().map_err(|e| e.to_string())?;
        let pid = s.pid().and_then(procfs::find_java).or(s.pid());
        let cs = s.connect_string();
        eprintln!("started ZooKeeper on {cs} (pid {pid:?})");
        (Some(s), cs, pid)
    } else {
        let cs = args
            .server
            .clone()
            .ok_or("give --server HOST:PORT or --local")?;
        let pid = args.server_pid.map(|p| procfs::find_java(p).unwrap_or(p));
        (None, cs, pid)
    };

    let tls = args.tls_ca.as_deref();
    let setup_client = connect_one(&connect, tls, !args.no_coalesce).await?;
    setup::setup(&setup_client, &args).await?;
    if args.setup_only {
        let _ = setup_client.close().await;
        return Ok(());
    }
    if let Some(n) = args.watches {
        let report = watches::watch_memory(&setup_client, n).await?;
        println!("{report}");
        let _ = setup_client.close().await;
        // Dropping 100k watchers would unregister them one by one; the process ends here.
        return Ok(());
    }
    let _ = setup_client.close().await;

    let report = match args.floor {
        Some(floor) => floor::run(floor, &args, &connect, server_pid).await?,
        None => lanes::workload(&args, mix, &connect, server_pid).await?,
    };
    if args.tsv {
        println!("{}", Report::TSV_HEADER);
        println!("{}", report.tsv());
    } else {
        println!("{}", Report::HEADER);
        println!("{report}");
    }
    Ok(())
}
