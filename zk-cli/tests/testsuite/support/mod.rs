//! Helpers shared by the `zk` binary's test files: run.rs (running `zk`, with or without
//! `--server`, with stdin, and checking how it ended through `test_support::process`),
//! files.rs (the `zk log` / `zk snapshot` helpers), workload.rs (the kazoo workload those tests
//! decode), and here a library client for the other side of a test and waiting on a child.

mod files;
mod run;
mod workload;

pub use files::*;
pub use run::*;
pub use workload::*;

use std::time::Duration;

/// A library client of `cs` with a 6 s session: the other party of the watch, lock and
/// election tests.
pub async fn connect(cs: &str) -> zk_client::Client {
    zk_client::Client::builder()
        .session_timeout(Duration::from_secs(6))
        .connect(cs)
        .await
        .unwrap_or_else(|e| panic!("connecting to {cs}: {e}"))
}

/// Generous bound for anything that should happen soon, on a loaded shared machine.
pub const WAIT: Duration = Duration::from_secs(30);

/// The first line a child writes to `stdout` (read on a blocking thread).
pub async fn first_line(stdout: std::process::ChildStdout) -> String {
    tokio::task::spawn_blocking(move || {
        use std::io::BufRead as _;
        let mut line = String::new();
        std::io::BufReader::new(stdout)
            .read_line(&mut line)
            .expect("reading the child's stdout");
        line
    })
    .await
    .expect("the reading thread panicked")
}

/// Waits for a child in a blocking thread, within [`WAIT`].
pub async fn wait_exit(mut child: std::process::Child) -> std::process::ExitStatus {
    let waited = tokio::task::spawn_blocking(move || {
        let deadline = std::time::Instant::now() + WAIT;
        while std::time::Instant::now() < deadline {
            if let Some(status) = child.try_wait().unwrap() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = child.kill();
        None
    });
    waited
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("zk did not exit within {WAIT:?}"))
}
