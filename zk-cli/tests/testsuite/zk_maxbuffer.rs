//! `zk log` / `zk snapshot` on the files of a real server run with a raised
//! `jute.maxbuffer`: a 3 MiB node is over the readers' default string/buffer limit (Java's
//! default `jute.maxbuffer` plus its extra allowance), so both commands report it and name
//! `--max-len`, and read it with `--max-len`.
//!
//! The server's JVM gets `-Djute.maxbuffer` as a system property. Needs the Debian packages
//! `zookeeper` and `python3-kazoo` (see `zk_files.rs`).

use zk_testkit::{ServerOptions, ZkServer};

use crate::support::{data_files, json_lines, run_python, zk};

/// Creates `/big` with 3 MiB of data.
const BIG: &str = r#"
import sys
from kazoo.client import KazooClient
zk = KazooClient(hosts=sys.argv[1]); zk.start()
zk.create("/big", bytes(i % 251 for i in range(3 << 20)))
zk.stop(); zk.close()
"#;

#[test]
fn a_raised_jute_maxbuffer_is_read_with_max_len() {
    let mut server = ZkServer::start_with(ServerOptions {
        system_properties: vec!["jute.maxbuffer=8388608".to_owned()],
        ..ServerOptions::default()
    })
    .unwrap_or_else(|e| panic!("{e}"));
    run_python(&server, BIG);
    server.restart().unwrap_or_else(|e| panic!("{e}"));

    let log = data_files(&server, "log.").remove(0);
    let log = log.to_str().unwrap();
    let out = zk(&["log", log]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--max-len"), "{stderr}");
    let out = zk(&["log", log, "--max-len", "8388608"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines = json_lines(&out);
    let create = lines
        .iter()
        .find(|l| l["op"] == "create" && l["txn"]["path"] == "/big")
        .expect("the create of /big");
    assert_eq!(
        create["txn"]["data"].as_str().map(str::len),
        Some(2 * (3 << 20))
    );

    let snap = data_files(&server, "snapshot.").pop().expect("a snapshot");
    let snap = snap.to_str().unwrap();
    let out = zk(&["snapshot", snap]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--max-len"), "{stderr}");
    let out = zk(&["snapshot", snap, "--max-len", "8388608"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines = json_lines(&out);
    let big = lines
        .iter()
        .find(|l| l["kind"] == "node" && l["path"] == "/big")
        .expect("/big in the snapshot");
    assert_eq!(big["data"].as_str().map(str::len), Some(2 * (3 << 20)));
}
