//! A peer process (the Curator or kazoo harness) contending on a lock with Rust, and the
//! mixed tests both peers run: the shared critical section, contention, waiting for the other
//! side's holder.

use std::process::Stdio;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdout, Command};
use tokio::time::timeout;
use zk_client::{Client, CreateMode, CreateOptions};
use zk_recipes::{Layout, Mutex};
use zk_testkit::CuratorHarness;

use super::client::{connect, wait_children, WAIT};

const KAZOO_HARNESS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/python/kazoo_harness.py");
/// Debian's Python, which has python3-kazoo (not whatever is first on PATH).
const PYTHON: &str = "/usr/bin/python3";

/// Which peer contends with Rust.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// Apache Curator's `InterProcessMutex` (Java).
    Curator,
    /// kazoo's `Lock` (Python).
    Kazoo,
}

impl Side {
    fn start(self, connect: &str, args: &[&str]) -> Peer {
        match self {
            Side::Curator => Peer::curator(connect, args),
            Side::Kazoo => Peer::kazoo(connect, args),
        }
    }

    fn layout(self) -> Layout {
        match self {
            Side::Curator => Layout::Curator,
            Side::Kazoo => Layout::Kazoo,
        }
    }

    /// The tag of its entries in `/log`.
    fn tag(self) -> &'static str {
        match self {
            Side::Curator => "java",
            Side::Kazoo => "python",
        }
    }

    /// Asserts that a lock node name of this peer has its layout.
    fn check_name(self, name: &str) {
        match self {
            Side::Curator => {
                assert!(zk_client::is_protected(name), "{name}");
                assert!(
                    zk_client::strip_protected(name).starts_with("lock-"),
                    "Curator's layout: {name}"
                );
            }
            Side::Kazoo => {
                let (uuid, seq) = name.split_once("__lock__").expect(name);
                assert_eq!(uuid.len(), 32, "kazoo's layout: {name}");
                assert!(uuid.bytes().all(|b| b.is_ascii_hexdigit()), "{name}");
                assert!(zk_recipes::layout::sequence(seq).is_some(), "{name}");
            }
        }
    }
}

/// A running peer: its stdin (to release a held lock) and its stdout lines.
pub struct Peer {
    child: Child,
    lines: Lines<BufReader<ChildStdout>>,
}

impl Peer {
    /// Starts the Curator harness (zk-testkit's `java/CuratorHarness.java CONNECT ARGS...`,
    /// Java source-file mode); fails (never skips) without Java or Curator, saying what to
    /// install.
    pub fn curator(connect: &str, args: &[&str]) -> Peer {
        Peer::java(CuratorHarness::Recipes, connect, args)
    }

    /// Starts one of zk-testkit's Curator harnesses (`NAME.java CONNECT ARGS...`).
    pub fn java(harness: CuratorHarness, connect: &str, args: &[&str]) -> Peer {
        let command = harness.command().unwrap_or_else(|e| panic!("{e}"));
        Peer::start(Command::from(command), connect, args)
    }

    /// Starts the service-discovery harness (zk-testkit's `java/DiscoveryHarness.java CONNECT
    /// ARGS...`, Curator's ServiceDiscovery); fails (never skips) without Java or Curator.
    pub fn discovery(connect: &str, args: &[&str]) -> Peer {
        Peer::java(CuratorHarness::Discovery, connect, args)
    }

    /// Starts the kazoo harness (`tests/python/kazoo_harness.py CONNECT ARGS...`) with
    /// Debian's Python; fails (never skips) without kazoo, saying what to install.
    pub fn kazoo(connect: &str, args: &[&str]) -> Peer {
        let has_kazoo = std::process::Command::new(PYTHON)
            .args(["-c", "import kazoo"])
            .status()
            .is_ok_and(|s| s.success());
        assert!(
            has_kazoo,
            "kazoo not found for {PYTHON} (apt-get install -y python3-kazoo; cargo xtask test does)"
        );
        let mut command = Command::new(PYTHON);
        command.arg(KAZOO_HARNESS);
        Peer::start(command, connect, args)
    }

    fn start(mut command: Command, connect: &str, args: &[&str]) -> Peer {
        let mut child = command
            .arg(connect)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("starting the harness {command:?}: {e}"));
        let stdout = child.stdout.take().expect("piped stdout");
        Peer {
            child,
            lines: BufReader::new(stdout).lines(),
        }
    }

    /// The next line it prints (JVM start and compilation included in the bound).
    pub async fn line(&mut self) -> String {
        match timeout(WAIT * 2, self.lines.next_line()).await {
            Ok(Ok(Some(line))) => line,
            Ok(Ok(None)) => panic!("the harness exited: {:?}", self.child.wait().await),
            Ok(Err(e)) => panic!("reading the harness: {e}"),
            Err(_) => panic!("no line from the harness within {:?}", WAIT * 2),
        }
    }

    /// Sends a line (a holding harness releases on it).
    pub async fn send_line(&mut self) {
        let stdin = self.child.stdin.as_mut().expect("piped stdin");
        stdin.write_all(b"\n").await.unwrap();
        stdin.flush().await.unwrap();
    }

    /// Waits for it to exit successfully.
    pub async fn finish(mut self) {
        let status = timeout(WAIT * 2, self.child.wait())
            .await
            .expect("the harness never exited")
            .unwrap();
        assert!(status.success(), "harness exited with {status}");
    }
}

/// The shared critical section, as the harness runs it: an ephemeral `/holder` marker (a
/// second holder at once fails to create it), `/counter` + 1, the token logged under `/log`.
pub async fn critical(zk: &Client, token: i64) {
    zk.create("/holder", Vec::new(), &CreateOptions::ephemeral())
        .await
        .unwrap_or_else(|e| panic!("OVERLAP: /holder while the Rust side holds the lock: {e}"));
    let (data, stat) = zk.get_data("/counter").await.unwrap();
    let count: u64 = std::str::from_utf8(&data).unwrap().parse().unwrap();
    tokio::time::sleep(Duration::from_millis(2)).await;
    zk.set_data("/counter", (count + 1).to_string(), Some(stat.version))
        .await
        .unwrap();
    zk.create(
        "/log/t-",
        format!("rust:{token}"),
        &CreateOptions::new(CreateMode::PersistentSequential),
    )
    .await
    .unwrap();
    zk.delete("/holder", None).await.unwrap();
}

/// The log, in order: (side, token).
pub async fn read_log(zk: &Client) -> Vec<(String, i64)> {
    let mut names: Vec<String> = zk
        .get_children("/log")
        .await
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    names.sort();
    let mut log = Vec::new();
    for n in names {
        let (data, _) = zk.get_data(&format!("/log/{n}")).await.unwrap();
        let text = String::from_utf8(data.to_vec()).unwrap();
        let (side, token) = text.split_once(':').unwrap();
        log.push((side.to_owned(), token.parse().unwrap()));
    }
    log
}

/// Rust contenders and `side`'s contenders on one lock never overlap: the shared critical
/// section's marker is never found, the counter counts every round, the logged fencing tokens
/// grow in the order of holding, and the two sides interleave.
pub async fn mixed_contention(side: Side) {
    let server = zk_testkit::start_server();
    let cs = server.connect_string();
    let zk = connect(&cs).await;
    zk.create("/counter", "0", &CreateOptions::persistent())
        .await
        .unwrap();
    zk.create("/log", Vec::new(), &CreateOptions::persistent())
        .await
        .unwrap();
    const JAVA_ROUNDS: usize = 10;
    let javas: Vec<Peer> = (0..2)
        .map(|_| side.start(&cs, &["contend", "/locks/mixed", &JAVA_ROUNDS.to_string()]))
        .collect();
    // The Rust contenders go on until both Java processes are done (the JVMs start slowly),
    // so that the two sides really contend.
    let java_done = Arc::new(AtomicBool::new(false));
    let rust_rounds = Arc::new(AtomicUsize::new(0));
    let mut rust = Vec::new();
    for _ in 0..2 {
        let zk = connect(&cs).await;
        let (java_done, rust_rounds) = (java_done.clone(), rust_rounds.clone());
        rust.push(tokio::spawn(async move {
            let mutex = Mutex::new(zk.clone(), "/locks/mixed")
                .unwrap()
                .with_layout(side.layout());
            let mut rounds = 0;
            while rounds < 5 || !java_done.load(Ordering::SeqCst) {
                let guard = mutex.acquire().await.unwrap();
                critical(&zk, guard.fencing_token().get()).await;
                guard.release().await.unwrap();
                rust_rounds.fetch_add(1, Ordering::SeqCst);
                rounds += 1;
            }
        }));
    }
    for mut java in javas {
        assert_eq!(java.line().await, "DONE");
        java.finish().await;
    }
    java_done.store(true, Ordering::SeqCst);
    for r in rust {
        timeout(WAIT * 2, r).await.unwrap().unwrap();
    }
    let total = 2 * JAVA_ROUNDS + rust_rounds.load(Ordering::SeqCst);
    let (count, _) = zk.get_data("/counter").await.unwrap();
    assert_eq!(std::str::from_utf8(&count).unwrap(), total.to_string());
    let log = read_log(&zk).await;
    assert_eq!(log.len(), total);
    assert!(
        log.windows(2).all(|w| w[0].1 < w[1].1),
        "fencing tokens in the order of holding: {log:?}"
    );
    // The sides interleaved: a Java holder came after a Rust one at least once.
    assert!(
        log.windows(2)
            .any(|w| w[0].0 == "rust" && w[1].0 == side.tag()),
        "no {} holder after a Rust one: {log:?}",
        side.tag()
    );
}

/// Each side waits for the other's holder: the peer holds and a Rust contender times out,
/// then acquires when the peer releases; and the other way round.
pub async fn each_side_waits(side: Side) {
    let server = zk_testkit::start_server();
    let cs = server.connect_string();
    let zk = connect(&cs).await;
    let mutex = Mutex::new(zk.clone(), "/locks/x")
        .unwrap()
        .with_layout(side.layout());

    // The peer holds; Rust waits, and gets the lock when the peer releases.
    let mut java = side.start(&cs, &["hold", "/locks/x"]);
    let held = java.line().await;
    let java_node = held.strip_prefix("HELD /locks/x/").expect(&held).to_owned();
    side.check_name(&java_node);
    let java_czxid = zk
        .exists(&format!("/locks/x/{java_node}"))
        .await
        .unwrap()
        .unwrap()
        .czxid;
    assert!(mutex
        .acquire_timeout(Duration::from_millis(500))
        .await
        .unwrap()
        .is_none());
    let waiter = {
        let mutex = mutex.clone();
        tokio::spawn(async move { mutex.acquire().await })
    };
    wait_children(&zk, "/locks/x", "the Rust contender queued", |c| {
        c.len() == 2
    })
    .await;
    assert!(
        !waiter.is_finished(),
        "acquired while the peer holds the lock"
    );
    java.send_line().await;
    assert_eq!(java.line().await, "RELEASED");
    java.finish().await;
    let guard = timeout(WAIT, waiter).await.unwrap().unwrap().unwrap();
    assert!(guard.fencing_token().get() > java_czxid);

    // Rust holds; the peer times out, then waits and gets it when Rust releases.
    let mut java = side.start(&cs, &["try", "/locks/x", "500"]);
    assert_eq!(java.line().await, "TIMEOUT");
    java.finish().await;
    let mut java = side.start(&cs, &["try", "/locks/x", "60000"]);
    wait_children(&zk, "/locks/x", "the peer's contender queued", |c| {
        c.len() == 2
    })
    .await;
    guard.release().await.unwrap();
    let acquired = java.line().await;
    let node = acquired
        .strip_prefix("ACQUIRED /locks/x/")
        .expect(&acquired)
        .to_owned();
    side.check_name(&node);
    java.finish().await;
}
