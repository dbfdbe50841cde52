//! `zk lock` against a real server: the command's exit code passed on, the lock released
//! after it, `--wait` giving up with exit code 13, print-and-hold until SIGINT, and a command
//! stopped with SIGTERM (exit code 14) when the lock may have been lost.

use std::process::{Command, Stdio};

use zk_testkit::{start_server, Fault, Proxy};

use crate::support::{connect, first_line, wait_exit, zk_at as zk, ZK};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_the_command_under_the_lock() {
    let server = start_server();
    let cs = server.connect_string();
    let lib = connect(&cs).await;
    assert_eq!(
        zk(&cs, &["lock", "/l", "--", "sh", "-c", "exit 7"])
            .status
            .code(),
        Some(7)
    );
    assert!(zk(&cs, &["lock", "/l", "--", "true"]).status.success());
    assert!(lib.get_children("/l").await.unwrap().is_empty(), "released");
    let missing = zk(&cs, &["lock", "/l", "--", "/no/such/command"]);
    assert_eq!(missing.status.code(), Some(127));
    // kazoo's layout on request.
    let out = zk(&cs, &["lock", "--layout", "kazoo", "/k", "--", "true"]);
    assert!(out.status.success(), "{out:?}");

    // Held by a library contender: --timeout (and its alias --wait) gives up with 13.
    let guard = zk_recipes::Mutex::new(lib.clone(), "/l")
        .unwrap()
        .acquire()
        .await
        .unwrap();
    let out = tokio::task::spawn_blocking({
        let cs = cs.clone();
        move || {
            [
                zk(&cs, &["lock", "--timeout", "500ms", "/l", "--", "true"]),
                zk(&cs, &["lock", "--wait", "500ms", "/l", "--", "true"]),
            ]
        }
    })
    .await
    .unwrap();
    for out in out {
        assert_eq!(out.status.code(), Some(13), "{out:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("not acquired"));
    }
    assert_eq!(
        lib.get_children("/l").await.unwrap().len(),
        1,
        "no waiter left"
    );
    guard.release().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_command_prints_the_node_and_holds_until_interrupted() {
    let server = start_server();
    let cs = server.connect_string();
    let lib = connect(&cs).await;
    let mut child = Command::new(ZK)
        .args(["--server", &cs, "lock", "/held"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let node = first_line(stdout).await;
    let node = node.trim_end();
    assert!(node.starts_with("/held/_c_"), "{node}");
    assert!(lib.exists(node).await.unwrap().is_some());
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(wait_exit(child).await.success());
    assert!(lib.exists(node).await.unwrap().is_none(), "released");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_lock_stops_the_command_with_14() {
    let server = start_server();
    let proxy = Proxy::start(server.addr()).await.unwrap();
    let mut child = Command::new(ZK)
        .args([
            "--server",
            &proxy.connect_string(),
            "--session-timeout",
            "4s",
            "lock",
            "/lost",
            "--",
            "sh",
            "-c",
            "echo started; exec sleep 600",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let first = first_line(stdout).await;
    assert_eq!(first, "started\n");
    // Silently cut off: zk learns at 2/3 of the session timeout, stops the command with
    // SIGTERM (the sleep ends) and exits with 14.
    proxy.set_fault(Fault::BlackHole);
    let status = wait_exit(child).await;
    assert_eq!(status.code(), Some(14), "{status}");
    proxy.heal();
}
