//! Client-side helpers of the test suite: connecting with a short session timeout, expiring
//! a session from the server's side, and waiting for session events. Servers, quorums and
//! the fault proxy come from `zk-testkit`.

use std::time::Duration;

use zk_client::{SessionEvent, SessionEvents};
pub(crate) use zk_testkit::start_server;
use zk_testkit::ZkServer;

/// Generous bound for anything that should happen soon, on a loaded shared machine.
pub(crate) const WAIT: Duration = Duration::from_secs(30);

/// A session timeout that outlives a server restart on a loaded machine: the client gives a
/// session up 4/3 of its timeout after losing the server, and stopping and starting a JVM
/// can take ten seconds or more. The test servers allow sessions up to 60 s.
pub(crate) const OUTLIVES_RESTART: Duration = Duration::from_secs(40);

/// A connected client for `server`, with a short session timeout.
pub(crate) async fn connect(server: &ZkServer) -> zk_client::Client {
    connect_to(&server.connect_string()).await
}

/// A connected client for a connect string.
pub(crate) async fn connect_to(connect_string: &str) -> zk_client::Client {
    zk_client::Client::builder()
        .session_timeout(std::time::Duration::from_secs(6))
        .connect(connect_string)
        .await
        .unwrap_or_else(|e| panic!("connecting to {connect_string}: {e}"))
}

/// Expires a session on the server: a second connection resumes it (same id and password)
/// and closes it, as ZooKeeper's own tests do. For a moment two connections share the
/// session, and the owner's reconnect can take it back before the close lands (the close is
/// then never applied), so this repeats until the server has dropped the session, seen
/// through `ephemeral` (an ephemeral node the session owns): gone or owned by another session.
#[allow(clippy::print_stderr)] // test diagnostics, shown for failing tests
pub(crate) async fn expire_session(
    server: &ZkServer,
    session: &zk_client::SessionId,
    ephemeral: &str,
) {
    use std::time::Instant;
    let observer = connect(server).await;
    for attempt in 1..=5 {
        let twin = zk_client::Client::builder()
            .session(session.id, session.password.clone())
            .connect(&server.connect_string())
            .await
            .unwrap_or_else(|e| panic!("resuming the session to expire it: {e}"));
        let _ = tokio::time::timeout(Duration::from_secs(10), twin.close()).await;
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            match observer.exists(ephemeral).await {
                Ok(Some(stat)) if stat.ephemeral_owner == session.id => {}
                Ok(_) => return,
                Err(e) => panic!("observing {ephemeral}: {e}"),
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        eprintln!(
            "expire_session: attempt {attempt} left session {:#x} alive; retrying",
            session.id
        );
    }
    panic!(
        "session {:#x} still alive after 5 expiry attempts",
        session.id
    );
}

/// Reads events until one matches `pred` (within [`WAIT`]); returns it with the events
/// read before it.
pub(crate) async fn wait_event(
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
