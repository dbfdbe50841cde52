//! `zk lock` and `zk elect` stopped by a signal: the command is stopped (SIGTERM, then SIGKILL
//! at a second signal), the lock or leadership is let go before `zk` exits with 128 + the
//! signal, and a signal while waiting withdraws from the queue. Killing `zk` must never leave
//! its command running while another contender takes the lock.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::support::{connect, first_line, wait_exit, ZK};

/// Whether process `pid` is still running (a zombie counts as gone).
fn running(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state follows the command name in parentheses: `pid (comm) S ...`.
        Ok(stat) => stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| !rest.trim_start().starts_with('Z')),
        Err(_) => false,
    }
}

/// Sends `signal` (a name for kill(1), like `TERM`) to `child`.
fn signal(child: &Child, signal: &str) {
    let status = Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success(), "kill -{signal}");
}

/// Starts `zk --server cs ARGS -- sh -c SCRIPT` with SCRIPT printing its pid first; returns
/// zk and the command's pid once the command runs.
async fn start(cs: &str, args: &[&str], script: &str) -> (Child, u32) {
    let mut child = Command::new(ZK)
        .args(["--server", cs])
        .args(args)
        .args(["--", "sh", "-c", script])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let line = first_line(child.stdout.take().unwrap()).await;
    let pid = line.trim().parse().unwrap_or_else(|_| panic!("{line:?}"));
    (child, pid)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_the_command_and_lets_the_lock_go() {
    let server = zk_testkit::start_server();
    let cs = server.connect_string();
    let lib = connect(&cs).await;
    let (zk, pid) = start(&cs, &["lock", "/l"], "echo $$; exec sleep 600").await;
    assert!(running(pid));
    assert_eq!(lib.get_children("/l").await.unwrap().len(), 1);
    signal(&zk, "TERM");
    let status = wait_exit(zk).await;
    assert_eq!(status.code(), Some(128 + 15), "{status}");
    assert!(!running(pid), "the command outlived zk");
    // Let go at once, not when the session expires.
    assert_eq!(lib.get_children("/l").await.unwrap(), Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_command_that_ignores_sigterm_is_killed_at_the_second_signal() {
    let server = zk_testkit::start_server();
    let cs = server.connect_string();
    let lib = connect(&cs).await;
    let (zk, pid) = start(
        &cs,
        &["lock", "/stubborn"],
        "trap '' TERM; echo $$; while :; do sleep 1; done",
    )
    .await;
    signal(&zk, "TERM");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(running(pid), "the command ignores SIGTERM");
    signal(&zk, "INT");
    let status = wait_exit(zk).await;
    assert_eq!(status.code(), Some(128 + 15), "{status}");
    assert!(!running(pid), "the command outlived zk");
    assert_eq!(
        lib.get_children("/stubborn").await.unwrap(),
        Vec::<String>::new()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signal_while_waiting_withdraws_from_the_queue() {
    let server = zk_testkit::start_server();
    let cs = server.connect_string();
    let lib = connect(&cs).await;
    let guard = zk_recipes::Mutex::new(lib.clone(), "/q")
        .unwrap()
        .acquire()
        .await
        .unwrap();
    let zk = Command::new(ZK)
        .args(["--server", &cs, "lock", "/q", "--", "true"])
        .spawn()
        .unwrap();
    tokio::time::timeout(crate::support::WAIT, async {
        while lib.get_children("/q").await.unwrap().len() < 2 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("zk never queued");
    signal(&zk, "HUP");
    let status = wait_exit(zk).await;
    assert_eq!(status.code(), Some(128 + 1), "{status}");
    assert_eq!(lib.get_children("/q").await.unwrap().len(), 1, "withdrawn");
    guard.release().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_a_leader_and_hands_leadership_on() {
    let server = zk_testkit::start_server();
    let cs = server.connect_string();
    let lib = connect(&cs).await;
    for layout in ["curator", "kazoo"] {
        let path = format!("/e-{layout}");
        let (zk, pid) = start(
            &cs,
            &["elect", "--layout", layout, &path, "leader"],
            "echo $$; exec sleep 600",
        )
        .await;
        signal(&zk, "TERM");
        let status = wait_exit(zk).await;
        assert_eq!(status.code(), Some(128 + 15), "{layout}: {status}");
        assert!(!running(pid), "{layout}: the command outlived zk");
        assert_eq!(
            lib.get_children(&path).await.unwrap(),
            Vec::<String>::new(),
            "{layout}"
        );
    }
}
