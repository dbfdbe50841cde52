//! `cargo xtask bench cache [--nodes N] [--size BYTES]`: the resident memory of a
//! `zk_recipes::TreeCache` holding N nodes of BYTES bytes (default 100,000 of 100), measured by
//! `zk-cache-bench` against a local ZooKeeper it starts; prints one Markdown table.

use std::process::Command;

use super::{build_release, output};

const USAGE: &str = "usage: cargo xtask bench cache [--nodes N] [--size BYTES]";

/// Runs `cargo xtask bench cache ARGS`.
#[allow(clippy::print_stdout, clippy::print_stderr)]
pub(crate) fn run(args: &[String]) -> Result<(), String> {
    let (mut nodes, mut size) = (100_000usize, 100usize);
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = || -> Result<usize, String> {
            it.next()
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| USAGE.to_owned())
        };
        match arg.as_str() {
            "--nodes" => nodes = value()?,
            "--size" => size = value()?,
            _ => return Err(USAGE.into()),
        }
    }
    let bench = build_release("zk-bench", "zk-cache-bench")?;
    let server = zk_testkit::ZkServer::start().map_err(|e| e.to_string())?;
    let cs = server.connect_string();
    eprintln!("ZooKeeper on {cs}; writing {nodes} nodes of {size} bytes, then caching them...");
    let stdout = output(Command::new(&bench).args([
        "--server",
        &cs,
        "--nodes",
        &nodes.to_string(),
        "--size",
        &size.to_string(),
    ]))?;
    drop(server);
    let row: Vec<&str> = stdout
        .lines()
        .last()
        .ok_or_else(|| format!("no result row in {stdout:?}"))?
        .split('\t')
        .collect();
    let [held, data, load, before, live, cache, per_node, peak] = row[..] else {
        return Err(format!("unexpected result row in {stdout:?}"));
    };
    println!("| nodes held | data bytes | first read (s) | RSS before (MiB) | RSS live (MiB) | cache (MiB) | bytes per node | peak RSS (MiB) |");
    println!("|--:|--:|--:|--:|--:|--:|--:|--:|");
    println!("| {held} | {data} | {load} | {before} | {live} | {cache} | {per_node} | {peak} |");
    println!(
        "\nOne run; nodes held = the leaves, their {} parents and the root; cache = RSS live - \
         RSS before (data copied out of the reply buffers, paths, stats, the map).",
        nodes.div_ceil(1000)
    );
    Ok(())
}
