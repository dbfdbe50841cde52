//! `zk log` / `zk snapshot` draw a progress line on stderr only when it is a terminal (here a
//! pseudo-terminal from util-linux's `script`), and never into a pipe.

use std::path::{Path, PathBuf};
use std::process::Command;

use zk_testkit::files as handmade;

use crate::support::ZK;

fn temp_file(name: &str, bytes: &[u8]) -> PathBuf {
    let path = std::env::temp_dir().join(format!("zk-progress-{}-{name}", std::process::id()));
    std::fs::write(&path, bytes).expect("write the data file");
    path
}

fn log_file() -> PathBuf {
    let mut file = handmade::log_header();
    for zxid in 1..=2000 {
        file.extend(handmade::entry(&handmade::txn(
            1,
            zxid,
            5,
            &handmade::set_data("/a", b"value"),
            Some(zxid),
        )));
    }
    file.resize(file.len() + 4096, 0);
    temp_file("log.1", &file)
}

fn snapshot_file() -> PathBuf {
    let names: Vec<String> = (0..2000).map(|i| format!("/n{i}")).collect();
    let nodes: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &b"data"[..])).collect();
    let mut file = handmade::snapshot_tree(&nodes);
    handmade::seal(&mut file);
    temp_file("snapshot.1", &file)
}

/// Runs `zk ARGS FILE` with stderr on a pseudo-terminal, stdout to /dev/null; what the
/// terminal showed.
fn on_a_terminal(args: &str, file: &Path) -> String {
    let command = format!("{ZK} {args} '{}' > /dev/null", file.display());
    let out = Command::new("script")
        .args(["-qefc", &command, "/dev/null"])
        .env("ZK_PROGRESS_AFTER_MS", "0")
        .output()
        .expect("run script (util-linux)");
    assert!(out.status.success(), "{out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn a_progress_line_on_a_terminal_only() {
    for (args, file) in [("log", log_file()), ("snapshot", snapshot_file())] {
        let shown = on_a_terminal(args, &file);
        assert!(shown.contains("% ("), "{args}: {shown:?}");
        assert!(shown.contains(" items)"), "{args}: {shown:?}");
        // Erased at the end: the last thing drawn clears the line.
        assert!(shown.trim_end().ends_with("\r\x1b[K"), "{args}: {shown:?}");

        let piped = Command::new(ZK)
            .args([args, file.to_str().expect("utf-8 path")])
            .env("ZK_PROGRESS_AFTER_MS", "0")
            .output()
            .expect("run zk");
        assert!(piped.status.success(), "{piped:?}");
        assert!(
            piped.stderr.is_empty(),
            "{args}: {:?}",
            String::from_utf8_lossy(&piped.stderr)
        );
        let _ = std::fs::remove_file(&file);
    }
}
