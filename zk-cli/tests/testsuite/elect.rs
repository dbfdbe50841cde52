//! `zk elect` against a real server: the command runs once leading, waits while another
//! participant leads, `--timeout` gives up with exit code 13, and `--listen` prints each
//! change of leader as a JSON line.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use zk_recipes::LeaderLatch;
use zk_testkit::start_server;

use crate::support::{connect, first_line, WAIT, ZK};

/// Waits (within [`WAIT`]) until the election has `n` participants.
async fn wait_participants(latch: &LeaderLatch, n: usize) {
    tokio::time::timeout(WAIT, async {
        while latch.participants().await.unwrap().len() != n {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("never {n} participants"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_the_command_once_leading() {
    let server = start_server();
    let cs = server.connect_string();
    let out = Command::new(ZK)
        .args([
            "--server", &cs, "elect", "/e", "p1", "--", "sh", "-c", "exit 3",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{out:?}");

    // Another participant leads: zk waits, then runs the command when it leaves.
    let lib = LeaderLatch::new(connect(&cs).await, "/e", "lib")
        .unwrap()
        .start()
        .await
        .unwrap();
    tokio::time::timeout(WAIT, lib.wait_leadership())
        .await
        .unwrap()
        .unwrap();
    let mut child = Command::new(ZK)
        .args(["--server", &cs, "elect", "/e", "cli", "--", "true"])
        .spawn()
        .unwrap();
    let observer = LeaderLatch::new(connect(&cs).await, "/e", "observer").unwrap();
    wait_participants(&observer, 2).await;
    assert!(child.try_wait().unwrap().is_none(), "ran while not leading");
    let ids: Vec<_> = observer
        .participants()
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.id)
        .collect();
    assert_eq!(ids, ["lib", "cli"]);
    lib.close().await.unwrap();
    let status = tokio::task::spawn_blocking(move || child.wait().unwrap())
        .await
        .unwrap();
    assert!(status.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeout_gives_up_while_another_leads() {
    let server = start_server();
    let cs = server.connect_string();
    for layout in ["curator", "kazoo"] {
        let path = format!("/t-{layout}");
        let holder = Command::new(ZK)
            .args([
                "--server", &cs, "elect", "--layout", layout, &path, "holder",
            ])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut holder = Killed(holder);
        let mut line = String::new();
        BufReader::new(holder.0.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert!(line.starts_with(&path), "the holder leads: {line:?}");
        let out = Command::new(ZK)
            .args([
                "--server",
                &cs,
                "elect",
                "--layout",
                layout,
                "--timeout",
                "500ms",
                &path,
                "late",
                "--",
                "true",
            ])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(13), "{layout}: {out:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("not acquired"));
        let lib = connect(&cs).await;
        assert_eq!(
            lib.get_children(&path).await.unwrap().len(),
            1,
            "{layout}: the late participant left"
        );
    }
}

/// Kills the child when dropped, so a failing assertion leaves no `zk` running.
struct Killed(std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listen_prints_each_change_of_leader() {
    let server = start_server();
    let cs = server.connect_string();
    let mut child = Command::new(ZK)
        .args(["--server", &cs, "elect", "--listen", "/e"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, lines) = mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            if tx.send(line.unwrap()).is_err() {
                break;
            }
        }
    });
    let next = |lines: &mpsc::Receiver<String>| {
        let v: serde_json::Value =
            serde_json::from_str(&lines.recv_timeout(WAIT).expect("no line")).unwrap();
        v["leader"].clone()
    };
    assert_eq!(next(&lines), serde_json::Value::Null);
    let a = LeaderLatch::new(connect(&cs).await, "/e", "a")
        .unwrap()
        .start()
        .await
        .unwrap();
    assert_eq!(next(&lines), "a");
    let b = LeaderLatch::new(connect(&cs).await, "/e", "b")
        .unwrap()
        .start()
        .await
        .unwrap();
    wait_participants(&LeaderLatch::new(connect(&cs).await, "/e", "x").unwrap(), 2).await;
    a.close().await.unwrap();
    assert_eq!(
        next(&lines),
        "b",
        "b joining printed nothing; a leaving made b leader"
    );
    b.close().await.unwrap();
    assert_eq!(next(&lines), serde_json::Value::Null);
    let _ = child.kill();
    let _ = child.wait();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kazoo_layout_takes_turns_with_a_kazoo_layout_selector() {
    use zk_recipes::{Layout, LeaderSelector};

    let server = start_server();
    let cs = server.connect_string();
    let lib = LeaderSelector::new(connect(&cs).await, "/ke", "lib")
        .unwrap()
        .with_layout(Layout::Kazoo);
    let (release_tx, release) = tokio::sync::oneshot::channel::<()>();
    let (led_tx, led) = tokio::sync::oneshot::channel::<()>();
    let mut once = Some((release, led_tx));
    let leading = {
        let lib = lib.clone();
        tokio::spawn(async move {
            lib.lead(move |_| {
                let once = once.take();
                async move {
                    if let Some((release, led_tx)) = once {
                        let _ = led_tx.send(());
                        let _ = release.await;
                    }
                }
            })
            .await
        })
    };
    tokio::time::timeout(WAIT, led).await.unwrap().unwrap();
    let mut listen = Command::new(ZK)
        .args([
            "--server", &cs, "elect", "--layout", "kazoo", "--listen", "/ke",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = listen.stdout.take().unwrap();
    let first = first_line(stdout).await;
    let v: serde_json::Value = serde_json::from_str(&first).unwrap();
    assert_eq!(v["leader"], "lib", "{first}");
    let mut child = Command::new(ZK)
        .args([
            "--server", &cs, "elect", "--layout", "kazoo", "/ke", "cli", "--", "true",
        ])
        .spawn()
        .unwrap();
    tokio::time::timeout(WAIT, async {
        while lib.participants().await.unwrap().len() != 2 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("zk never joined: {:?}", child.try_wait()));
    let ids: Vec<_> = lib
        .participants()
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.id)
        .collect();
    assert_eq!(ids, ["lib", "cli"]);
    assert!(child.try_wait().unwrap().is_none(), "ran while not leading");
    release_tx.send(()).unwrap();
    tokio::time::timeout(WAIT, leading)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let status = tokio::task::spawn_blocking(move || child.wait().unwrap())
        .await
        .unwrap();
    assert!(status.success());
    let _ = listen.kill();
    let _ = listen.wait();
}
