//! `zk snapshot` on gzip- and snappy-compressed snapshots written by a real ZooKeeper 3.8
//! server after the kazoo workload, and on damaged copies of the snappy one.
//!
//! Needs the Debian packages `zookeeper` (server, Java) and `python3-kazoo`:
//! `apt-get install -y zookeeper python3-kazoo`. Fails (never skips) without them.

use crate::support::{
    big_node_data, check_snapshot, data_files, hex, json_lines, run_python, run_workload, start,
    zk, BIG_NODE,
};

#[test]
fn gzip_snapshots_are_read() {
    // zoo.cfg keys ZooKeeper does not know become `zookeeper.`-prefixed system properties.
    let mut server = start(&["snapshot.compression.method=gz"]);
    let ids = run_workload(&server);
    server.restart().unwrap_or_else(|e| panic!("{e}"));
    let lines = check_snapshot(&server, &ids, ".gz");
    assert_eq!(lines[0]["compression"], "gz");
}

#[test]
fn snappy_snapshots_are_read() {
    // SnapStream wraps the file in snappy-java's SnappyOutputStream (Debian's snappy-java.jar
    // is on zookeeper.jar's manifest classpath).
    let mut server = start(&["snapshot.compression.method=snappy"]);
    let ids = run_workload(&server);
    // A 300 kB node spans many of snappy-java's 32 KiB chunks.
    run_python(&server, BIG_NODE);
    server.restart().unwrap_or_else(|e| panic!("{e}"));
    let lines = check_snapshot(&server, &ids, ".snappy");
    assert_eq!(lines[0]["compression"], "snappy");
    let big = lines
        .iter()
        .find(|l| l["kind"] == "node" && l["path"] == "/jute/big")
        .expect("/jute/big in the snapshot");
    assert_eq!(big["dataHex"], hex(&big_node_data()));

    let snap = data_files(&server, "snapshot.").pop().unwrap();
    let original = std::fs::read(&snap).unwrap();
    assert!(
        original.starts_with(b"\x82SNAPPY\0"),
        "a snappy-java stream"
    );
    let first_chunk = u32::from_be_bytes(original[16..20].try_into().unwrap()) as usize;
    assert!(
        20 + first_chunk < original.len(),
        "more than one chunk ({} bytes)",
        original.len()
    );
    let dir = server.dir();
    let run = |name: &str, bytes: &[u8]| {
        let path = dir.join(format!("damaged-{name}.snappy"));
        std::fs::write(&path, bytes).unwrap();
        zk(&["snapshot", path.to_str().unwrap()])
    };

    // Cut inside the first chunk: a decompression error naming the offset, exit status 1.
    let out = run("cut", &original[..original.len().min(40)]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cannot decompress snappy data: at byte 20: expected a chunk of"),
        "{stderr}"
    );

    // A chunk length pointing past the end of the file.
    let mut long = original.clone();
    long[16..20].copy_from_slice(&0x7fff_fff0i32.to_be_bytes());
    let out = run("long", &long);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("at byte 20"), "{stderr}");

    // A broken length of the second chunk: the nodes of the first chunk are printed, then an
    // error naming the offset in the compressed file.
    let second = 20 + first_chunk;
    let mut broken = original.clone();
    broken[second..second + 4].copy_from_slice(&(-5i32).to_be_bytes());
    let out = run("second-chunk", &broken);
    assert!(!out.status.success());
    let lines = json_lines(&out);
    assert!(
        lines.iter().any(|l| l["kind"] == "node"),
        "the first chunk's nodes are printed"
    );
    let last = lines.last().unwrap();
    assert_eq!(last["kind"], "error", "{last}");
    assert!(
        last["error"]
            .as_str()
            .unwrap()
            .contains(&format!("cannot decompress snappy data: at byte {second}")),
        "{last}"
    );

    // Below the decompressed size limit: refused before decoding, with the flag to raise it.
    let path = dir.join("small-limit.snappy");
    std::fs::write(&path, &original).unwrap();
    let out = zk(&["snapshot", path.to_str().unwrap(), "--max-size", "100"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("at most 100 decompressed bytes") && stderr.contains("--max-size"),
        "{stderr}"
    );
}
