//! `zk watch --tree` end to end: the initial contents and `live`, then a JSON line per change;
//! cut off from the server (a fault proxy), it reports `resyncing`, and the changes made
//! meanwhile come as lines once it is back; `--count` ends it after N changes.

use std::process::{Child, Command};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::{json, Value};
use test_support::process::spawn_lines;
use zk_client::{Client, CreateOptions};
use zk_testkit::{start_server, Fault, Proxy};

use crate::support::ZK;
const WAIT: Duration = Duration::from_secs(30);

/// A running `zk watch --tree` and its stdout lines.
struct Watch {
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl Watch {
    fn start(cs: &str, args: &[&str]) -> Watch {
        let (child, lines) = spawn_lines(
            Command::new(ZK)
                .args([
                    "--server",
                    cs,
                    "--session-timeout",
                    "30s",
                    "watch",
                    "--tree",
                ])
                .args(args),
        );
        Watch { child, lines }
    }

    /// The next line, as JSON.
    async fn next(&mut self) -> Value {
        let deadline = std::time::Instant::now() + WAIT;
        loop {
            match self.lines.try_recv() {
                Ok(line) => {
                    return serde_json::from_str(&line)
                        .unwrap_or_else(|e| panic!("not JSON: {line}: {e}"))
                }
                Err(mpsc::TryRecvError::Empty) if std::time::Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(10)).await
                }
                Err(e) => panic!("no line from zk watch --tree: {e}"),
            }
        }
    }

    /// The next line's event, path and data (`null` where absent).
    async fn next_brief(&mut self) -> Value {
        let v = self.next().await;
        json!([v["event"], v.get("path").or(v.get("state")), v["data"]])
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn create(zk: &Client, path: &str, data: &str) {
    zk.create(path, data.as_bytes().to_vec(), &CreateOptions::persistent())
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_contents_then_changes_across_a_reconnect() {
    let server = start_server();
    let zk = Client::connect(&server.connect_string()).await.unwrap();
    create(&zk, "/app", "r").await;
    create(&zk, "/app/a", "1").await;
    let proxy = Proxy::start(server.addr()).await.unwrap();
    let mut watch = Watch::start(&proxy.connect_string(), &["/app"]);
    let first = watch.next().await;
    assert_eq!(first["event"], "created");
    assert_eq!(first["path"], "/app");
    assert_eq!(first["data"], "r");
    assert!(first["stat"]["czxid"].as_i64().unwrap() > 0, "{first}");
    assert_eq!(watch.next_brief().await, json!(["created", "/app/a", "1"]));
    assert_eq!(watch.next_brief().await, json!(["state", "live", null]));
    zk.set_data("/app/a", "2", None).await.unwrap();
    assert_eq!(watch.next_brief().await, json!(["changed", "/app/a", "2"]));
    // Cut off: changes made meanwhile come after the reconnect.
    proxy.set_fault(Fault::Drop);
    assert_eq!(
        watch.next_brief().await,
        json!(["state", "resyncing", null])
    );
    create(&zk, "/app/b", "3").await;
    zk.delete("/app/a", None).await.unwrap();
    proxy.set_fault(Fault::Pass);
    assert_eq!(watch.next_brief().await, json!(["deleted", "/app/a", null]));
    assert_eq!(watch.next_brief().await, json!(["created", "/app/b", "3"]));
    assert_eq!(watch.next_brief().await, json!(["state", "live", null]));
    assert!(watch.child.try_wait().unwrap().is_none(), "still running");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn count_ends_after_n_changes_and_no_data_prints_stats() {
    let server = start_server();
    let cs = server.connect_string();
    let zk = Client::connect(&cs).await.unwrap();
    create(&zk, "/n", "x").await;
    let mut watch = Watch::start(&cs, &["--no-data", "--count", "2", "/n"]);
    let first = watch.next().await;
    assert_eq!(first["event"], "created");
    assert!(
        first.get("data").is_none() && first["stat"]["dataLength"] == 1,
        "{first}"
    );
    assert_eq!(watch.next_brief().await, json!(["state", "live", null]));
    create(&zk, "/n/1", "").await;
    assert_eq!(watch.next_brief().await, json!(["created", "/n/1", null]));
    zk.delete("/n/1", None).await.unwrap();
    assert_eq!(watch.next_brief().await, json!(["deleted", "/n/1", null]));
    let status = tokio::time::timeout(WAIT, async {
        loop {
            if let Some(status) = watch.child.try_wait().unwrap() {
                return status;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("zk watch --tree --count 2 did not end");
    assert!(status.success(), "{status}");
}
