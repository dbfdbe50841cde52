//! The TLS section of `cargo xtask bench client`: pipelined getData over TLS against the same
//! over plaintext, both through zk-client, on one ZooKeeper serving both ports
//! (`zk_testkit::TlsServer`: Netty, TLS 1.2, no client certificates). Java's client is not in
//! it: with `zookeeper.client.secure` and the Netty socket it did not connect in this harness
//! (not investigated further).

use std::path::Path;
use std::process::Command;

use super::client_rotation::{
    bench_server_options, find_java, rotate, scenario_report, RunShape, Runner, ServerWatch,
};
use super::client_scenarios::{flags, Scenario};
use super::tools::output;

/// The scenario's name (for `--only`).
pub(crate) const NAME: &str = "get-pipelined-tls";

/// Runs the TLS rows; their report section.
#[allow(clippy::print_stderr)]
pub(crate) fn section(zk_bench: &Path, o: &RunShape) -> Result<String, String> {
    let pki = zk_testkit::Pki::generate().map_err(|e| e.to_string())?;
    let mut server = zk_testkit::TlsServer::start_with_options(
        &pki,
        zk_testkit::ServerCert::Good,
        zk_testkit::ClientAuth::None,
        bench_server_options(),
    )
    .map_err(|e| e.to_string())?;
    let pid = server
        .server()
        .pid()
        .and_then(find_java)
        .ok_or("cannot find the TLS server's java process")?;
    let (secure, plain) = (server.connect_string(), server.plain_connect_string());
    eprintln!("TLS ZooKeeper on {secure} (plaintext {plain}), java pid {pid}");
    let sc = Scenario {
        name: NAME,
        what: "1 session, 64 outstanding getData of 1 KiB values over TLS 1.2 (`-tls` rows) \
               and over plaintext, one Netty server",
        flags: flags(&["--sessions", "1", "--pipeline", "64", "--mix", "read"]),
        value_size: 1024,
        kazoo: false,
        peers: false,
        floors: false,
    };
    let ca = pki.ca_pem().display().to_string();
    let size = sc.value_size.to_string();
    output(Command::new(zk_bench).args([
        "--server",
        &plain,
        "--setup-only",
        "--value-size",
        &size,
    ]))?;
    let tls_flags = flags(&["--tls-ca", &ca]);
    let clients = vec![
        (
            "zk-client-tls".to_owned(),
            Runner::ZkBench(zk_bench.to_path_buf(), None),
        ),
        (
            "zk-client".to_owned(),
            Runner::ZkBench(zk_bench.to_path_buf(), None),
        ),
    ];
    let common = |label: &str| -> Vec<String> {
        let tls = label.ends_with("-tls");
        let server = if tls { &secure } else { &plain };
        let mut v = flags(&["--server", server, "--server-pid", &pid.to_string()]);
        v.extend(flags(&["--duration", &o.duration, "--warmup", &o.warmup]));
        v.extend(flags(&["--label", label, "--tsv"]));
        v.extend_from_slice(&sc.flags);
        v.extend(flags(&["--value-size", &size]));
        if tls {
            v.extend_from_slice(&tls_flags);
        }
        v
    };
    let results = rotate(
        sc.name,
        &clients,
        o.rounds,
        &common,
        &ServerWatch::new(pid, o)?,
    )?;
    Ok(scenario_report(&sc, &results, "zk-client-tls"))
}
