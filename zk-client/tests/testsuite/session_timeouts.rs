//! Request timeouts and close against a real server: typed timeouts that leave xid matching
//! intact, requests that time out before being sent are never sent, and close() returns
//! promptly whatever the connection is doing.
use crate::support;

use std::time::{Duration, Instant};

use crate::support::{wait_event, WAIT};
use tokio::time::timeout;
use zk_client::{Client, CreateOptions, Error, SessionEvent, SessionState};

#[tokio::test]
async fn a_request_without_reply_in_time_fails_typed_and_later_replies_still_match() {
    let mut server = support::start_server();
    let zk = Client::builder()
        .session_timeout(support::OUTLIVES_RESTART)
        .request_timeout(Duration::from_millis(400))
        .connect(&server.connect_string())
        .await
        .unwrap();
    assert_eq!(zk.request_timeout(), Some(Duration::from_millis(400)));
    zk.create("/t", b"v0".to_vec(), &CreateOptions::persistent())
        .await
        .unwrap();
    let mut events = zk.session_events();

    // A hung server: the request is written, no reply comes in time.
    server.pause();
    let err = zk.get_data("/t").await.unwrap_err();
    assert_eq!(
        err,
        Error::Timeout {
            after: Duration::from_millis(400)
        }
    );
    assert!(err.is_retryable() && !err.is_terminal());
    // A handle without a timeout waits for the same server.
    let patient = zk.with_request_timeout(None);
    let waiting = tokio::spawn(async move { patient.get_data("/t").await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    server.resume();
    let (data, _) = timeout(WAIT, waiting).await.unwrap().unwrap().unwrap();
    assert_eq!(&data[..], b"v0");
    // The late reply to the timed-out request was matched and dropped: replies still go
    // to the right requests, on the same connection.
    for i in 0..20u8 {
        zk.set_data("/t", vec![i], None).await.unwrap();
        let (data, _) = zk.get_data("/t").await.unwrap();
        assert_eq!(&data[..], &[i]);
    }
    assert!(
        !std::iter::from_fn(|| events.try_next())
            .any(|e| matches!(e, SessionEvent::Disconnected { .. })),
        "the connection was kept"
    );

    // While disconnected: a request that times out before a connection exists is never sent.
    server.stop();
    wait_event(&mut events, "Disconnected", |e| {
        matches!(e, SessionEvent::Disconnected { .. })
    })
    .await;
    let err = zk
        .create("/never", Vec::new(), &CreateOptions::persistent())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err}");
    server.restart().unwrap();
    wait_event(&mut events, "Connected", |e| {
        matches!(e, SessionEvent::Connected { .. })
    })
    .await;
    let slow = zk.with_request_timeout(Some(WAIT));
    assert!(slow.exists("/never").await.unwrap().is_none());
    assert!(slow.exists("/t").await.unwrap().is_some());
}

/// Asserts `close()` returns within a bound (the close timeout of 1 s, plus a generous
/// margin for a loaded machine), says whether a server confirmed it, and leaves the client
/// closed. Returns how long it took.
async fn assert_prompt_close(zk: &Client, what: &str, confirmed: bool) -> Duration {
    let started = Instant::now();
    let result = timeout(Duration::from_secs(10), zk.close())
        .await
        .unwrap_or_else(|_| panic!("close hung when {what}"));
    if confirmed {
        result.unwrap_or_else(|e| panic!("close when {what}: {e}"));
    } else {
        let err = result.expect_err(what);
        assert_eq!(
            err,
            Error::CloseUnconfirmed {
                after: Duration::from_secs(1)
            },
            "{what}"
        );
        assert!(err.is_terminal());
    }
    let took = started.elapsed();
    assert!(
        took < Duration::from_secs(5),
        "close took {took:?} when {what}"
    );
    assert_eq!(zk.state(), SessionState::Closed, "{what}");
    assert_eq!(zk.exists("/").await, Err(Error::Closed), "{what}");
    took
}

async fn client(server: &zk_testkit::ZkServer) -> Client {
    Client::builder()
        .session_timeout(Duration::from_secs(6))
        .close_timeout(Duration::from_secs(1))
        .connect(&server.connect_string())
        .await
        .unwrap()
}

#[tokio::test]
async fn close_is_prompt_in_every_connection_state() {
    let mut server = support::start_server();
    let observer = Client::builder()
        .session_timeout(Duration::from_secs(20))
        .connect(&server.connect_string())
        .await
        .unwrap();

    // Connected: the server confirms and the ephemeral node goes at once.
    let zk = client(&server).await;
    zk.create("/e", Vec::new(), &CreateOptions::ephemeral())
        .await
        .unwrap();
    let mut took = vec![(
        "connected",
        assert_prompt_close(&zk, "connected", true).await,
    )];
    assert!(observer.exists("/e").await.unwrap().is_none());

    // Server hung while connected.
    let zk = client(&server).await;
    server.pause();
    took.push((
        "the server is paused",
        assert_prompt_close(&zk, "the server is paused", false).await,
    ));
    server.resume();

    // Reconnecting: the connection was given up and an attempt hangs on the frozen server.
    let zk = client(&server).await;
    let mut events = zk.session_events();
    server.pause();
    wait_event(&mut events, "Disconnected", |e| {
        matches!(e, SessionEvent::Disconnected { .. })
    })
    .await;
    took.push((
        "reconnecting",
        assert_prompt_close(&zk, "reconnecting", false).await,
    ));
    server.resume();

    // Server dead: nothing listens any more.
    let zk = client(&server).await;
    let mut events = zk.session_events();
    server.stop();
    wait_event(&mut events, "Disconnected", |e| {
        matches!(e, SessionEvent::Disconnected { .. })
    })
    .await;
    took.push((
        "the server is dead",
        assert_prompt_close(&zk, "the server is dead", false).await,
    ));
    // Closing twice is fine: the session is already over.
    took.push((
        "already closed",
        assert_prompt_close(&zk, "already closed", true).await,
    ));
    eprintln!("close durations: {took:?}");
}
