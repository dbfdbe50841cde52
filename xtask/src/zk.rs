//! `cargo xtask zk start [--port P] [--dir D] | stop | status`: a local ZooKeeper for people.
//!
//! Uses the same launcher as the integration tests (`zk-testkit`), but detached: the server
//! outlives this command, and its pid is kept in `target/zk/zk.pid`.
#![allow(clippy::print_stderr)] // A command-line tool: progress and results go to stderr.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use zk_testkit::{four_letter_word, process_alive, ServerOptions, ZkServer};

/// The port `cargo xtask zk start` uses unless told otherwise.
const DEFAULT_PORT: u16 = 2181;

const USAGE: &str = "usage: cargo xtask zk start [--port P] [--dir D] | stop | status";

/// Runs `cargo xtask zk ARGS`.
pub(crate) fn run(args: &[String]) -> Result<(), String> {
    let state = workspace_root().join("target/zk");
    match args.first().map(String::as_str) {
        Some("start") => start(&state, &args[1..]),
        Some("stop") => stop(&state),
        Some("status") => status(&state),
        _ => Err(USAGE.into()),
    }
}

fn workspace_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

fn pid_file(state: &Path) -> PathBuf {
    state.join("zk.pid")
}

/// The recorded `(pid, port)` of a running server, if any.
fn recorded(state: &Path) -> Option<(u32, u16)> {
    let text = std::fs::read_to_string(pid_file(state)).ok()?;
    let mut parts = text.split_whitespace();
    let pid = parts.next()?.parse().ok()?;
    let port = parts.next()?.parse().ok()?;
    process_alive(pid).then_some((pid, port))
}

fn start(state: &Path, args: &[String]) -> Result<(), String> {
    if let Some((pid, port)) = recorded(state) {
        return Err(format!(
            "ZooKeeper is already running (pid {pid}, 127.0.0.1:{port}); `cargo xtask zk stop` first"
        ));
    }
    let mut options = ServerOptions {
        port: Some(DEFAULT_PORT),
        dir: Some(state.join("server")),
        detached: true,
        ..ServerOptions::default()
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{name} needs a value\n{USAGE}"))
        };
        match arg.as_str() {
            "--port" => {
                let v = value("--port")?;
                options.port = Some(v.parse().map_err(|_| format!("bad port {v:?}"))?);
            }
            "--dir" => options.dir = Some(PathBuf::from(value("--dir")?)),
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
    }
    std::fs::create_dir_all(state).map_err(|e| format!("creating {}: {e}", state.display()))?;
    let server = ZkServer::start_with(options).map_err(|e| e.to_string())?;
    let port = server.port();
    let dir = server.dir().to_path_buf();
    let pid = server
        .detach()
        .ok_or_else(|| "the server has no pid".to_owned())?;
    std::fs::write(pid_file(state), format!("{pid} {port}\n"))
        .map_err(|e| format!("writing {}: {e}", pid_file(state).display()))?;
    eprintln!(
        "ZooKeeper running: pid {pid}, connect string 127.0.0.1:{port}, data and log in {}",
        dir.display()
    );
    Ok(())
}

fn stop(state: &Path) -> Result<(), String> {
    let Some((pid, _)) = recorded(state) else {
        let _ = std::fs::remove_file(pid_file(state));
        eprintln!("ZooKeeper is not running");
        return Ok(());
    };
    let signal = |sig: &str| {
        std::process::Command::new("kill")
            .args([sig, &pid.to_string()])
            .status()
            .map_err(|e| format!("running kill: {e}"))
    };
    signal("-TERM")?;
    let deadline = Instant::now() + Duration::from_secs(10);
    while process_alive(pid) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    if process_alive(pid) {
        signal("-KILL")?;
    }
    let _ = std::fs::remove_file(pid_file(state));
    eprintln!("ZooKeeper (pid {pid}) stopped");
    Ok(())
}

fn status(state: &Path) -> Result<(), String> {
    match recorded(state) {
        Some((pid, port)) => {
            let srvr = four_letter_word(port, "srvr").unwrap_or_else(|e| format!("({e})"));
            eprintln!("ZooKeeper running: pid {pid}, 127.0.0.1:{port}\n{srvr}");
        }
        None => eprintln!("ZooKeeper is not running"),
    }
    Ok(())
}
