//! Helpers of the `zk log` / `zk snapshot` tests on a real server's files: kazoo scripts,
//! the server's data files, JSON lines.

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value as J;
use zk_testkit::{ServerOptions, ZkServer};

use super::run::zk;

pub fn python() -> PathBuf {
    // Debian's python3 has python3-kazoo; a python3 earlier on PATH (pyenv) may not.
    let system = PathBuf::from("/usr/bin/python3");
    if system.is_file() {
        system
    } else {
        PathBuf::from("python3")
    }
}

pub fn json_lines(out: &Output) -> Vec<J> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad JSON line {l}: {e}")))
        .collect()
}

/// Files of `dir/data/version-2` whose name starts with `prefix`, oldest (lowest zxid) first.
pub fn data_files(server: &ZkServer, prefix: &str) -> Vec<PathBuf> {
    let dir = server.dir().join("data/version-2");
    let mut files: Vec<(u64, PathBuf)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter_map(|p| {
            let name = p.file_name()?.to_str()?.to_string();
            let zxid = name.strip_prefix(prefix)?.split('.').next()?;
            Some((u64::from_str_radix(zxid, 16).ok()?, p))
        })
        .collect();
    files.sort();
    files.into_iter().map(|(_, p)| p).collect()
}

pub fn start(extra: &[&str]) -> ZkServer {
    let options = ServerOptions {
        extra_config: extra.iter().map(|s| s.to_string()).collect(),
        ..ServerOptions::default()
    };
    ZkServer::start_with(options).unwrap_or_else(|e| panic!("{e}"))
}

/// All transactions of all logs of the server, in order.
pub fn all_txns(server: &ZkServer) -> Vec<J> {
    let logs = data_files(server, "log.");
    assert!(!logs.is_empty(), "no transaction log written");
    let mut txns = Vec::new();
    for log in &logs {
        let out = zk(&["log", log.to_str().unwrap()]);
        assert!(
            out.status.success(),
            "zk log {} failed: {}",
            log.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        let lines = json_lines(&out);
        assert_eq!(lines[0]["kind"], "log");
        assert_eq!(lines[0]["magic"], "ZKLG");
        assert_eq!(lines[0]["header"]["version"], 2);
        assert_eq!(lines.last().unwrap()["kind"], "end", "{}", log.display());
        txns.extend(lines.into_iter().filter(|l| l["kind"] == "txn"));
    }
    txns
}

pub fn run_python(server: &ZkServer, script: &str) {
    let out = Command::new(python())
        .args(["-c", script, &server.connect_string()])
        .output()
        .expect("run python3");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Writes `bytes` to a fresh file named `name` in the temporary directory.
pub fn temp_file(name: &str, bytes: &[u8]) -> PathBuf {
    let path = std::env::temp_dir().join(format!("jute-zk-files-{}-{name}", std::process::id()));
    std::fs::write(&path, bytes).unwrap();
    path
}
