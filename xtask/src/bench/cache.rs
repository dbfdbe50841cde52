//! `cargo xtask bench cache [--nodes N] [--size BYTES]`: the resident memory of a
//! `zk_recipes::TreeCache` holding N nodes of BYTES bytes (default 100,000 of 100), measured by
//! `zk-cache-bench` against a local ZooKeeper it starts, once with the system's allocator
//! (glibc malloc) and, when Debian's `libjemalloc2` is installed, once more with jemalloc
//! preloaded: glibc keeps much of what the first read frees (fragmentation), jemalloc returns
//! it, so the two rows bound what the cache itself holds. Prints one Markdown table.

use std::process::Command;

use super::tools::{build_release, output};

/// Debian's jemalloc (`libjemalloc2`).
const JEMALLOC: &str = "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2";

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
    let mut rows = Vec::new();
    for (allocator, preload) in [
        ("glibc malloc", None),
        ("jemalloc (LD_PRELOAD)", Some(JEMALLOC)),
    ] {
        if preload.is_some_and(|p| !std::path::Path::new(p).exists()) {
            eprintln!("{JEMALLOC} not found (apt-get install -y libjemalloc2): no jemalloc row");
            continue;
        }
        // A fresh server per row: one test server's heap (256 MiB) does not hold two trees.
        let server = zk_testkit::ZkServer::start().map_err(|e| e.to_string())?;
        let cs = server.connect_string();
        eprintln!("{allocator}: ZooKeeper on {cs}; writing {nodes} nodes of {size} bytes, then caching them...");
        let mut command = Command::new(&bench);
        command.args([
            "--server",
            &cs,
            "--path",
            "/zk-cache-bench",
            "--nodes",
            &nodes.to_string(),
            "--size",
            &size.to_string(),
        ]);
        if let Some(lib) = preload {
            command.env("LD_PRELOAD", lib);
        }
        let stdout = output(&mut command)?;
        drop(server);
        let row: Vec<String> = stdout
            .lines()
            .last()
            .ok_or_else(|| format!("no result row in {stdout:?}"))?
            .split('\t')
            .map(str::to_owned)
            .collect();
        if row.len() != 8 {
            return Err(format!("unexpected result row in {stdout:?}"));
        }
        rows.push((allocator, row));
    }
    println!("| allocator | nodes held | data bytes | first read (s) | RSS before (MiB) | RSS live (MiB) | cache (MiB) | bytes per node | peak RSS (MiB) |");
    println!("|---|--:|--:|--:|--:|--:|--:|--:|--:|");
    for (allocator, row) in rows {
        println!("| {allocator} | {} |", row.join(" | "));
    }
    println!(
        "\nOne run per allocator; nodes held = the leaves, their {} parents and the root; cache = \
         RSS live - RSS before (data copied out of the reply buffers, paths, stats, the map, and \
         whatever the allocator kept of what the first read freed).",
        nodes.div_ceil(1000)
    );
    Ok(())
}
