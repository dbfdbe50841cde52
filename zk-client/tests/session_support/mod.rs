//! Helpers for the session tests: a TCP gate between a client and the server that can cut
//! every connection and hold new ones (a partition), and event-stream helpers.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use zk_client::{SessionEvent, SessionEvents};

/// Generous bound for anything that should happen soon, on a loaded shared machine.
pub const WAIT: Duration = Duration::from_secs(30);

/// A TCP forwarder to one upstream address that can be closed (cutting every forwarded
/// connection and holding new ones unanswered) and opened again (held connections are then
/// forwarded, with whatever the client already wrote).
pub struct Gate {
    addr: SocketAddr,
    /// (open, generation): each cut bumps the generation.
    control: watch::Sender<(bool, u64)>,
    accept: tokio::task::JoinHandle<()>,
}

impl Gate {
    /// Starts an open gate to `upstream`.
    pub async fn start(upstream: SocketAddr) -> Gate {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (control, _) = watch::channel((true, 0u64));
        let ctl = control.clone();
        let accept = tokio::spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else {
                    return;
                };
                let mut rx = ctl.subscribe();
                tokio::spawn(async move {
                    let Ok(now) = rx.wait_for(|(open, _)| *open).await.map(|v| *v) else {
                        return;
                    };
                    let generation = now.1;
                    let Ok(up) = TcpStream::connect(upstream).await else {
                        return;
                    };
                    let (mut client, mut up) = (client, up);
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut up) => {}
                        _ = rx.wait_for(|(_, g)| *g != generation) => {}
                    }
                    // Dropping both ends cuts the connection.
                });
            }
        });
        Gate {
            addr,
            control,
            accept,
        }
    }

    /// `127.0.0.1:PORT` of the gate.
    pub fn connect_string(&self) -> String {
        self.addr.to_string()
    }

    /// Cuts every forwarded connection and holds new ones until [`Gate::open`].
    pub fn close(&self) {
        self.control.send_modify(|(open, generation)| {
            *open = false;
            *generation += 1;
        });
    }

    /// Forwards again (including connections held meanwhile).
    pub fn open(&self) {
        self.control.send_modify(|(open, _)| *open = true);
    }
}

impl Drop for Gate {
    fn drop(&mut self) {
        self.accept.abort();
        self.close();
    }
}

/// Reads events until one matches `pred` (within [`WAIT`]); returns it with the events
/// read before it.
pub async fn wait_event(
    events: &mut SessionEvents,
    what: &str,
    mut pred: impl FnMut(&SessionEvent) -> bool,
) -> (SessionEvent, Vec<SessionEvent>) {
    let mut before = Vec::new();
    let found = tokio::time::timeout(WAIT, async {
        while let Some(e) = events.next().await {
            if pred(&e) {
                return Some(e);
            }
            before.push(e);
        }
        None
    })
    .await;
    match found {
        Ok(Some(e)) => (e, before),
        Ok(None) => panic!("event stream ended waiting for {what}; saw {before:?}"),
        Err(_) => panic!("no {what} within {WAIT:?}; saw {before:?}"),
    }
}
