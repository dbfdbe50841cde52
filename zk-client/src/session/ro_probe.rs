//! Read-only mode: while connected to a read-only server (one cut off from its quorum), look
//! for a read-write server with the `isro` four-letter word and move to it, as ZooKeeper's
//! Java client does (`ClientCnxn`'s `pingRwServer`).
//!
//! Each probe round asks the servers of the session's current list (an `update_server_list`
//! reaches a probe under way), as Java's probe takes its server from the host provider.
//! Differences from the Java client, on purpose: each probe round asks every server of the
//! list (Java asks one per round), so a read-write server is found after one round whatever
//! the list's order. The pause between rounds starts at 100 ms and doubles up to 60 s, as in
//! Java.

use std::future::Future;
use std::time::Duration;

use tokio::sync::watch;

use super::transport::Connector;
use crate::connect_string::HostPort;

/// First pause before probing.
const MIN_INTERVAL: Duration = Duration::from_millis(100);
/// Longest pause between probe rounds.
const MAX_INTERVAL: Duration = Duration::from_secs(60);

/// What the session tracks for read-only mode.
#[derive(Debug, Clone, Default)]
pub(crate) struct ReadOnlyState {
    /// The current (or last) connection is to a read-only server.
    read_only: bool,
    /// A read-write server the probe found, to connect to next.
    found: Option<HostPort>,
}

impl ReadOnlyState {
    /// A handshake succeeded; `read_only` is what the server said.
    pub(crate) fn connected(&mut self, read_only: bool) {
        self.read_only = read_only;
    }

    /// The read-write server found by the probe, if any (taken: tried once, first).
    pub(crate) fn take_found(&mut self) -> Option<HostPort> {
        self.found.take()
    }

    /// Remembers a read-write server to connect to next.
    pub(crate) fn set_found(&mut self, host: HostPort) {
        self.found = Some(host);
    }

    /// A future that, on a read-only connection, probes the servers of `servers` (the list
    /// as it is at each round; through `connector`: over TLS for a TLS client) until one
    /// serves reads and writes and returns it; on a read-write connection it never completes.
    pub(crate) fn probe(
        &self,
        connector: &Connector,
        servers: watch::Receiver<Vec<HostPort>>,
    ) -> impl Future<Output = HostPort> + 'static {
        let read_only = self.read_only;
        let connector = connector.clone();
        async move {
            if !read_only {
                return std::future::pending().await;
            }
            seek_rw_server(connector, servers).await
        }
    }
}

/// Probes the servers of `servers` in rounds, with a doubling pause between rounds, until one
/// answers `rw` to `isro`.
async fn seek_rw_server(connector: Connector, servers: watch::Receiver<Vec<HostPort>>) -> HostPort {
    let mut pause = MIN_INTERVAL;
    loop {
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(MAX_INTERVAL);
        let hosts = servers.borrow().clone();
        for host in &hosts {
            if is_read_write(&connector, host).await {
                tracing::info!(server = %host, "found a read-write server");
                return host.clone();
            }
        }
        tracing::debug!(next = ?pause, "no read-write server yet");
    }
}

/// Whether `host` answers `rw` to the `isro` four-letter word in time.
pub(crate) async fn is_read_write(connector: &Connector, host: &HostPort) -> bool {
    // The answer is "rw", "ro" or "null" and a newline; read no more than that.
    connector
        .ask(host, b"isro", 16)
        .await
        .is_some_and(|answer| answer.trim_ascii() == b"rw")
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test]
    async fn probe_finds_the_server_answering_rw() {
        let listen = |answer: &'static [u8]| async move {
            let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let port = l.local_addr().unwrap().port();
            tokio::spawn(async move {
                while let Ok((mut s, _)) = l.accept().await {
                    let mut word = [0u8; 4];
                    if s.read_exact(&mut word).await.is_ok() && &word == b"isro" {
                        let _ = s.write_all(answer).await;
                    }
                }
            });
            HostPort {
                host: "127.0.0.1".into(),
                port,
            }
        };
        let ro = listen(b"ro\n").await;
        let rw = listen(b"rw\n").await;
        let plain = Connector::default();
        assert!(!is_read_write(&plain, &ro).await);
        assert!(is_read_write(&plain, &rw).await);
        let mut state = ReadOnlyState::default();
        state.connected(false);
        let (servers, list) = watch::channel(vec![rw.clone()]);
        let never = state.probe(&plain, list.clone());
        assert!(tokio::time::timeout(Duration::from_millis(300), never)
            .await
            .is_err());
        state.connected(true);
        servers.send_replace(vec![ro.clone()]);
        let probing = state.probe(&plain, list);
        tokio::pin!(probing);
        assert!(
            tokio::time::timeout(Duration::from_millis(300), probing.as_mut())
                .await
                .is_err(),
            "no read-write server in the list yet"
        );
        // A list updated while the probe runs is the one its next round asks.
        servers.send_replace(vec![ro, rw.clone()]);
        let found = tokio::time::timeout(Duration::from_secs(5), probing)
            .await
            .unwrap();
        assert_eq!(found, rw);
    }
}
