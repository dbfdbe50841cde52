//! The `zk` binary against a real ZooKeeper server: every command, stdin data, exit codes,
//! a dead server, watches while another client writes, chroot, digest auth.

use std::process::Command;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use zk_client::CreateOptions;
use zk_testkit::{four_letter_word, start_server, ZkServer};

use crate::support::{connect, fails, ok, zk_at_with_stdin as zk, ZK};
use test_support::process::spawn_lines;

#[test]
fn every_command_and_exit_code() {
    let server = start_server();
    let cs = server.connect_string();

    assert_eq!(ok(&cs, &["create", "/a", "hello"]), "/a\n");
    assert_eq!(ok(&cs, &["get", "/a"]), "hello");
    ok(&cs, &["set", "/a", "world", "-v", "0"]);
    assert_eq!(ok(&cs, &["get", "/a"]), "world");
    let stat: serde_json::Value = serde_json::from_str(&ok(&cs, &["stat", "/a"])).unwrap();
    assert_eq!(stat["version"], 1);
    assert_eq!(stat["dataLength"], 5);
    assert_eq!(stat["ephemeralOwner"], 0);
    assert_eq!(stat["numChildren"], 0);
    for field in [
        "czxid", "mzxid", "ctime", "mtime", "cversion", "aversion", "pzxid",
    ] {
        assert!(stat[field].is_i64(), "{field} in {stat}");
    }

    // Data from stdin, binary-safe; no data at all.
    let bytes = b"line 1\nline 2\n\x00\xff";
    let out = zk(&cs, &["create", "/a/in", "-"], bytes);
    assert!(out.status.success());
    assert_eq!(zk(&cs, &["get", "/a/in"], b"").stdout, bytes);
    let out = zk(&cs, &["set", "/a/in", "-"], b"from stdin");
    assert!(out.status.success());
    assert_eq!(ok(&cs, &["get", "/a/in"]), "from stdin");
    assert_eq!(ok(&cs, &["create", "/a/empty"]), "/a/empty\n");
    assert_eq!(ok(&cs, &["get", "/a/empty"]), "");

    // Modes: sequential paths are printed; ephemeral nodes end with the command's session;
    // containers and TTL nodes.
    assert_eq!(ok(&cs, &["create", "-s", "/a/q-"]), "/a/q-0000000002\n");
    assert_eq!(
        ok(&cs, &["create", "-s", "/a/q-", "x"]),
        "/a/q-0000000003\n"
    );
    assert_eq!(
        ok(&cs, &["create", "-e", "-s", "/a/e-"]),
        "/a/e-0000000004\n"
    );
    fails(&cs, &["exists", "/a/e-0000000004"], 1);
    ok(&cs, &["create", "-c", "/container"]);
    ok(&cs, &["create", "--ttl", "60000", "/ttl", "t"]);
    ok(&cs, &["create", "-s", "--ttl", "60000", "/ttl/s-"]);
    let ttl: serde_json::Value = serde_json::from_str(&ok(&cs, &["stat", "/ttl"])).unwrap();
    assert_eq!(ttl["numChildren"], 1);
    fails(&cs, &["create", "-e", "--ttl", "5", "/x"], 2);

    assert_eq!(
        ok(&cs, &["ls", "/a"]),
        "empty\nin\nq-0000000002\nq-0000000003\n"
    );
    assert_eq!(ok(&cs, &["exists", "/a"]), "");
    assert_eq!(ok(&cs, &["acl", "/a"]), "cdrwa world:anyone\n");
    let me: serde_json::Value = serde_json::from_str(&ok(&cs, &["whoami"])).unwrap();
    assert_eq!(me[0]["authScheme"], "ip");
    assert_eq!(me[0]["user"], "127.0.0.1");

    // Exit codes.
    let err = fails(&cs, &["get", "/missing"], 3);
    assert!(err.contains("no node /missing"), "{err}");
    fails(&cs, &["set", "/missing", "x"], 3);
    fails(&cs, &["ls", "/missing"], 3);
    fails(&cs, &["stat", "/missing"], 3);
    fails(&cs, &["acl", "/missing"], 3);
    fails(&cs, &["rm", "/missing"], 3);
    fails(&cs, &["rm", "-r", "/missing"], 3);
    assert_eq!(zk(&cs, &["exists", "/missing"], b"").stdout, b"");
    fails(&cs, &["exists", "/missing"], 1);
    fails(&cs, &["create", "/a"], 4);
    fails(&cs, &["set", "/a", "x", "-v", "7"], 5);
    fails(&cs, &["rm", "/a"], 6);
    fails(&cs, &["rm", "/a/empty", "-v", "3"], 5);
    fails(&cs, &["get", "no-slash"], 2);
    fails(&cs, &["get"], 2);
    fails(&cs, &["--server", "bad:port:x", "get", "/"], 2);

    // rm, and rm -r (children before parents).
    ok(&cs, &["rm", "/a/empty", "-v", "0"]);
    for p in ["/a/in/b", "/a/in/b/c", "/a/in/d"] {
        ok(&cs, &["create", p]);
    }
    ok(&cs, &["rm", "-r", "/a"]);
    fails(&cs, &["exists", "/a"], 1);
    fails(&cs, &["rm", "-r", "/"], 2);
    assert_eq!(ok(&cs, &["ls", "/"]), "container\nttl\nzookeeper\n");
}

#[test]
fn dead_server_fails_fast_with_exit_10() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let cs = format!("127.0.0.1:{port}");
    let start = Instant::now();
    let err = fails(&cs, &["get", "/x"], 10);
    assert!(err.contains("could not connect"), "{err}");
    assert!(
        start.elapsed() < Duration::from_secs(8),
        "{:?}",
        start.elapsed()
    );
    let start = Instant::now();
    fails(&cs, &["--timeout", "1s", "exists", "/x"], 10);
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "{:?}",
        start.elapsed()
    );
}

/// A running `zk watch`, killed if the test fails before it exits.
struct Watching(std::process::Child);

impl Drop for Watching {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `zk --server CS ARGS` (a `watch` command) and returns its stdout lines as they come.
fn spawn_watch(cs: &str, args: &[&str]) -> (Watching, mpsc::Receiver<String>) {
    let (child, rx) = spawn_lines(Command::new(ZK).args(["--server", cs]).args(args));
    (Watching(child), rx)
}

/// Waits until a connection other than session `other` has had `n` requests answered
/// (four-letter word `cons`, field `lcxid`): the `zk watch` process has set its watch `n`
/// times. (`wchp` does not list persistent watches, so it cannot tell.)
fn wait_for_requests(server: &ZkServer, other: i64, n: i64) {
    let deadline = Instant::now() + Duration::from_secs(15);
    let other = format!("sid={other:#x},");
    loop {
        let report = four_letter_word(server.port(), "cons").unwrap_or_default();
        let answered = report
            .lines()
            .filter(|l| !l.contains(&other))
            .filter_map(|l| l.split("lcxid=0x").nth(1))
            .filter_map(|rest| rest.split(',').next())
            .filter_map(|hex| i64::from_str_radix(hex, 16).ok())
            .max()
            .unwrap_or(0);
        if answered >= n {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "zk watch did not set its watch:\n{report}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn event(line: &str) -> (String, String, String) {
    let v: serde_json::Value = serde_json::from_str(line).unwrap();
    let s = |k: &str| v[k].as_str().unwrap_or_default().to_owned();
    (s("type"), s("state"), s("path"))
}

fn ev(t: &str, path: &str) -> (String, String, String) {
    (t.into(), "SyncConnected".into(), path.into())
}

fn finish(mut child: Watching) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = child.0.try_wait().unwrap() {
            assert!(status.success(), "watch exited with {status}");
            return;
        }
        assert!(Instant::now() < deadline, "watch did not exit");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_prints_events_while_another_client_writes() {
    let server = start_server();
    let cs = server.connect_string();
    let other = connect(&server.connect_string()).await;
    let me = other.session().unwrap().id;
    let recv = |rx: &mpsc::Receiver<String>| rx.recv_timeout(Duration::from_secs(10)).unwrap();

    // One-shot data watch, re-armed: creation, then a data change.
    let (child, rx) = spawn_watch(&cs, &["watch", "--count", "2", "/w"]);
    wait_for_requests(&server, me, 1);
    other
        .create("/w", b"1".to_vec(), &CreateOptions::persistent())
        .await
        .unwrap();
    assert_eq!(event(&recv(&rx)), ev("NodeCreated", "/w"));
    wait_for_requests(&server, me, 2);
    other.set_data("/w", b"2".to_vec(), None).await.unwrap();
    assert_eq!(event(&recv(&rx)), ev("NodeDataChanged", "/w"));
    finish(child);

    // Persistent recursive: events of descendants, no re-arming.
    let (child, rx) = spawn_watch(&cs, &["watch", "--recursive", "-n", "2", "/w"]);
    wait_for_requests(&server, me, 1);
    other
        .create("/w/c", Vec::new(), &CreateOptions::persistent())
        .await
        .unwrap();
    other.delete("/w/c", None).await.unwrap();
    assert_eq!(event(&recv(&rx)), ev("NodeCreated", "/w/c"));
    assert_eq!(event(&recv(&rx)), ev("NodeDeleted", "/w/c"));
    finish(child);

    // Children, through a chroot: paths are relative to it.
    let (child, rx) = spawn_watch(&format!("{cs}/w"), &["watch", "--children", "/"]);
    wait_for_requests(&server, me, 1);
    other
        .create("/w/d", Vec::new(), &CreateOptions::persistent())
        .await
        .unwrap();
    assert_eq!(event(&recv(&rx)), ev("NodeChildrenChanged", "/"));
    finish(child);

    // Persistent on the node: data and child events.
    let (child, rx) = spawn_watch(&cs, &["watch", "--persistent", "--count", "2", "/w"]);
    wait_for_requests(&server, me, 1);
    other.set_data("/w", b"3".to_vec(), None).await.unwrap();
    other.delete("/w/d", None).await.unwrap();
    assert_eq!(event(&recv(&rx)), ev("NodeDataChanged", "/w"));
    assert_eq!(event(&recv(&rx)), ev("NodeChildrenChanged", "/w"));
    finish(child);
    other.close().await.unwrap();
}

#[test]
fn chroot_and_digest_auth() {
    let server = start_server();
    let cs = server.connect_string();

    // Chroot: paths in and out are relative to it.
    ok(&cs, &["create", "/app"]);
    let app = format!("{cs}/app");
    assert_eq!(ok(&app, &["create", "/x", "in chroot"]), "/x\n");
    assert_eq!(ok(&app, &["create", "-s", "/s-"]), "/s-0000000001\n");
    assert_eq!(ok(&cs, &["get", "/app/x"]), "in chroot");
    assert_eq!(ok(&app, &["ls", "/"]), "s-0000000001\nx\n");
    ok(&app, &["rm", "-r", "/x"]);
    fails(&cs, &["exists", "/app/x"], 1);

    // Digest auth and an ACL that only the creator's identity passes.
    fn with<'a>(args: &[&'a str]) -> Vec<&'a str> {
        [&["--auth", "digest:alice:secret"][..], args].concat()
    }
    assert_eq!(
        ok(
            &cs,
            &with(&["create", "--acl", "auth::cdrwa", "/secret", "s3"])
        ),
        "/secret\n"
    );
    assert_eq!(ok(&cs, &with(&["get", "/secret"])), "s3");
    let acl = ok(&cs, &with(&["acl", "/secret"]));
    assert!(acl.starts_with("cdrwa digest:alice:"), "{acl}");
    assert_eq!(acl.lines().count(), 1);
    let err = fails(&cs, &["get", "/secret"], 7);
    assert!(err.contains("not authorized"), "{err}");
    fails(&cs, &["--auth", "digest:alice:wrong", "get", "/secret"], 7);
    fails(&cs, &["set", "/secret", "x"], 7);
    let me: serde_json::Value = serde_json::from_str(&ok(&cs, &with(&["whoami"]))).unwrap();
    let me = me.as_array().unwrap();
    assert!(
        me.iter()
            .any(|i| i["authScheme"] == "digest" && i["user"] == "alice"),
        "{me:?}"
    );
    // Read for anyone, everything for alice.
    ok(
        &cs,
        &with(&[
            "create",
            "--acl",
            "world:anyone:r",
            "--acl",
            "auth::cdrwa",
            "/shared",
            "pub",
        ]),
    );
    assert_eq!(ok(&cs, &["get", "/shared"]), "pub");
    fails(&cs, &["set", "/shared", "x"], 7);
    let acl = ok(&cs, &["acl", "/shared"]);
    assert!(
        acl.starts_with("r world:anyone\ncdrwa digest:alice:"),
        "{acl}"
    );
    fails(&cs, &["create", "--acl", "world:anyone:q", "/bad"], 2);
    fails(&cs, &["--auth", "nocolon", "get", "/"], 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_reports_session_expiry_with_exit_11() {
    let server = start_server();
    let cs = server.connect_string();
    let other = connect(&server.connect_string()).await;
    let me = other.session().unwrap().id;
    other.close().await.unwrap();
    let (mut child, rx) = spawn_watch(
        &cs,
        &[
            "--session-timeout",
            "1s",
            "--timeout",
            "2s",
            "watch",
            "--persistent",
            "/x",
        ],
    );
    wait_for_requests(&server, me, 1);
    // A hung server: the client hears nothing for 4/3 of the session timeout and expires
    // the session itself.
    server.pause();
    let started = Instant::now();
    let line = rx.recv_timeout(Duration::from_secs(15));
    let status = loop {
        if let Some(status) = child.0.try_wait().unwrap() {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "zk watch still running"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    server.resume();
    let (t, state, _) = event(&line.unwrap());
    assert_eq!((t.as_str(), state.as_str()), ("None", "Expired"));
    assert_eq!(status.code(), Some(11));
}

#[test]
fn verbose_logs_each_failed_attempt_and_the_error_says_why() {
    // A port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let cs = format!("127.0.0.1:{port}");
    let quiet = fails(&cs, &["--timeout", "1s", "ls", "/"], 10);
    assert!(
        quiet.contains(&format!("{cs}: connection refused")),
        "{quiet}"
    );
    assert!(
        !quiet.contains("connection attempt failed"),
        "no log without -v: {quiet}"
    );
    let verbose = fails(&cs, &["-v", "--timeout", "1s", "ls", "/"], 10);
    assert!(verbose.contains("connection attempt failed"), "{verbose}");
    assert!(verbose.contains(&cs), "{verbose}");
}

#[test]
fn sync_count_and_get_with_stat() {
    let server = start_server();
    let cs = server.connect_string();
    ok(&cs, &["create", "/t", "top"]);
    ok(&cs, &["create", "/t/a"]);
    ok(&cs, &["create", "/t/a/b"]);
    zk(&cs, &["create", "/t/bin", "-"], &[0xff, 0x00]);
    assert_eq!(ok(&cs, &["count", "/t"]), "3\n");
    assert_eq!(ok(&cs, &["count", "/t/a/b"]), "0\n");
    assert_eq!(ok(&cs, &["sync", "/t"]), "");
    fails(&cs, &["count", "/missing"], 3);
    fails(&cs, &["sync", "bad"], 2);

    let got: serde_json::Value = serde_json::from_str(&ok(&cs, &["get", "-s", "/t"])).unwrap();
    assert_eq!(got["data"], "top");
    assert_eq!(got["stat"]["numChildren"], 2);
    assert_eq!(got["stat"]["dataLength"], 3);
    let bin: serde_json::Value =
        serde_json::from_str(&ok(&cs, &["get", "--stat", "/t/bin"])).unwrap();
    assert_eq!(bin["dataHex"], "ff00");
    assert!(bin.get("data").is_none(), "{bin}");
    fails(&cs, &["get", "-s", "/missing"], 3);
}
