//! `cargo xtask bench codec [--quick] [--only NAME]`: Rust and Apache's Java codec side by side
//! (see `codec.rs` below this module);
//! `cargo xtask bench client [--quick] [--rounds N] [--duration D] [--only SCENARIO]`: zk-client,
//! the Rust peers (`peers.rs`), Apache's Java client and kazoo against one local ZooKeeper,
//! side by side (see `client.rs`);
//! `cargo xtask bench locks [--quick] [--rounds N] [--duration MS] [--warmup MS]`: lock
//! contention through zk-recipes, Curator and kazoo (see `locks.rs`);
//! `cargo xtask bench cache [--nodes N] [--size BYTES]`: the memory of a tree cache (see
//! `cache.rs`). `tools.rs` has what they share: release builds, the target directory, a
//! command's output.

mod cache;
mod client;
mod client_report;
mod client_rotation;
mod client_scenarios;
mod client_targets;
mod client_tls;
mod codec;
mod cpu_split;
mod locks;
mod machine;
mod peers;
mod tools;

/// Runs `cargo xtask bench ARGS`.
pub(crate) fn run(args: &[String]) -> Result<(), String> {
    match args.first().map(String::as_str) {
        Some("codec") => codec::run(&args[1..]),
        Some("client") => client::run(&args[1..]),
        Some("locks") => locks::run(&args[1..]),
        Some("cache") => cache::run(&args[1..]),
        _ => Err("usage: cargo xtask bench codec [--quick] [--only NAME] | \
                  bench client [--quick] [--rounds N] [--duration D] [--only SCENARIO] \
                  [--no-kazoo] [--no-java] [--no-peers] | \
                  bench locks [--quick] [--rounds N] [--duration MS] [--warmup MS] | \
                  bench cache [--nodes N] [--size BYTES]"
            .to_owned()),
    }
}
