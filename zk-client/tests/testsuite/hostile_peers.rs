//! Peers that break the protocol on purpose, scripted in-process: a server that accepts every
//! session and drops the connection at once, a backlog that the peer never reads, and servers
//! that refuse sessions for each reason `srvr` can give.
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use zk_client::{
    Client, ConnectFailure, Error, ExpiryCause, RefusalReason, SessionEvent, SessionState,
};
use zk_records::proto::{
    ConnectRequest, ConnectResponse, ReplyHeader, RequestHeader, SetDataRequest,
};
use zk_records::{ErrorCode, OpCode};

use crate::support::WAIT;

/// Reads the client's ConnectRequest and answers it (session 0x1234, `time_out` ms).
async fn handshake(s: &mut TcpStream, time_out: i32) -> Option<ConnectRequest> {
    let mut buf = BytesMut::new();
    let request = loop {
        if let Some(frame) = jute::frame::split_frame(&mut buf, 1 << 20).ok()? {
            break jute::from_bytes::<ConnectRequest>(frame.freeze()).ok()?;
        }
        if s.read_buf(&mut buf).await.ok()? == 0 {
            return None;
        }
    };
    let mut out = BytesMut::new();
    jute::frame::encode_frame(
        &ConnectResponse {
            protocol_version: 0,
            time_out,
            session_id: 0x1234,
            passwd: Bytes::from_static(&[7; 16]),
            read_only: Some(false),
        },
        &mut out,
    );
    s.write_all(&out).await.ok()?;
    Some(request)
}

/// A server that completes every handshake and closes the connection at once; counts them.
async fn dropping_server() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let _ = handshake(&mut s, 10_000).await;
                // Dropped here: the connection dies right after a good handshake.
            });
        }
    });
    (addr, accepted)
}

#[tokio::test]
async fn connections_dropped_after_the_handshake_back_off_and_are_reported() {
    let (addr, accepted) = dropping_server().await;
    let client = Client::builder()
        .session_timeout(Duration::from_secs(10))
        .request_timeout(Duration::from_secs(1))
        .connect(&addr)
        .await
        .unwrap();
    let mut events = client.session_events();

    // A request made meanwhile ends within its timeout: written and lost, or never answered.
    let result = tokio::time::timeout(WAIT, client.get_data("/x")).await;
    assert!(
        matches!(
            result,
            Ok(Err(Error::Timeout { .. } | Error::ConnectionLoss))
        ),
        "{result:?}"
    );

    let deadline = Instant::now() + WAIT;
    let reported = loop {
        let event = tokio::time::timeout_at(deadline.into(), events.next())
            .await
            .expect("a ConnectionsDropping event in time")
            .expect("the session goes on");
        if let SessionEvent::ConnectionsDropping { consecutive, lived } = event {
            break (consecutive, lived);
        }
    };
    assert_eq!(reported.0, 3, "reported at the third young connection");
    assert!(reported.1 < Duration::from_secs(1), "{reported:?}");

    // From here the client waits seconds between attempts: a few connections at most in
    // five seconds (a client reconnecting at once makes thousands).
    let before = accepted.load(Ordering::SeqCst);
    tokio::time::sleep(Duration::from_secs(5)).await;
    let during = accepted.load(Ordering::SeqCst) - before;
    assert!(during <= 6, "{during} connections in 5 s");
    assert!(
        !client.state().is_terminal(),
        "the session is not given up: the server keeps accepting it"
    );
}

/// Reads request frames off `s` until the client hangs up (or nothing comes for `quiet`);
/// returns the path of every `setData` among them.
async fn set_data_paths(s: &mut TcpStream, quiet: Duration) -> Vec<String> {
    let mut buf = BytesMut::new();
    let mut paths = Vec::new();
    loop {
        while let Ok(Some(frame)) = jute::frame::split_frame(&mut buf, 1 << 24) {
            let frame = frame.freeze();
            let header: RequestHeader = jute::from_bytes(frame.slice(..8)).unwrap();
            if header.r#type == OpCode::SetData.code() {
                let request: SetDataRequest = jute::from_bytes(frame.slice(8..)).unwrap();
                paths.push(request.path.to_string());
            }
        }
        match tokio::time::timeout(quiet, s.read_buf(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => {}
            _ => return paths,
        }
    }
}

#[tokio::test]
async fn close_with_megabytes_queued_behind_a_peer_that_stops_reading() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let (resume_tx, resume_rx) = tokio::sync::oneshot::channel::<()>();
    let peer = tokio::spawn(async move {
        let (mut s, _) = listener.accept().await.unwrap();
        handshake(&mut s, 10_000).await.unwrap();
        // Stop reading until the test has seen close() return.
        let _ = resume_rx.await;
        set_data_paths(&mut s, Duration::from_secs(3)).await
    });
    let client = Client::builder()
        .session_timeout(Duration::from_secs(10))
        .close_timeout(Duration::from_secs(1))
        .connect(&addr)
        .await
        .unwrap();

    // 32 MiB of setData, far more than the socket buffers hold.
    let data = Bytes::from(vec![7u8; 8 * 1024]);
    let requests: Vec<_> = (0..4096)
        .map(|i| {
            let client = client.clone();
            let data = data.clone();
            tokio::spawn(async move {
                let path = format!("/n{i}");
                (path.clone(), client.set_data(&path, data, None).await)
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(500)).await;

    let closed = tokio::time::timeout(WAIT, client.close())
        .await
        .expect("close returns");
    assert!(
        matches!(closed, Err(Error::CloseUnconfirmed { .. })),
        "{closed:?}"
    );
    assert_eq!(client.state(), SessionState::Closed);
    let late = tokio::time::timeout(Duration::from_secs(1), client.exists("/late")).await;
    assert!(matches!(late, Ok(Err(Error::Closed))), "{late:?}");

    let mut never_written = Vec::new();
    for request in requests {
        let (path, result) = request.await.unwrap();
        match result {
            Err(Error::Closed) => never_written.push(path),
            Err(Error::ConnectionLoss) => {}
            other => panic!("{path}: {other:?}"),
        }
    }
    assert!(
        never_written.len() > 1000,
        "most requests never left the client ({} did not)",
        never_written.len()
    );

    // What reaches the peer from now on holds none of the requests that failed with Closed.
    resume_tx.send(()).unwrap();
    let received = peer.await.unwrap();
    let received: std::collections::HashSet<_> = received.into_iter().collect();
    assert!(!received.is_empty(), "the first requests were written");
    for path in &never_written {
        assert!(
            !received.contains(path),
            "{path} failed with Closed but was written ({} closed, {} received)",
            never_written.len(),
            received.len()
        );
    }
}

/// A server that serves one session (answering its first request with zxid 0x50, then
/// dropping the connection) and then refuses every handshake (closes without an answer), as
/// ZooKeeper does; to `srvr` it answers `srvr_answer`.
async fn refusing_server(srvr_answer: &'static str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    tokio::spawn(async move {
        let mut served = false;
        while let Ok((mut s, _)) = listener.accept().await {
            let mut word = [0u8; 4];
            if s.peek(&mut word).await.is_err() {
                continue;
            }
            if &word == b"srvr" {
                // Read the word first: closing with unread bytes would reset the connection.
                let _ = s.read_exact(&mut word).await;
                let _ = s.write_all(srvr_answer.as_bytes()).await;
                continue;
            }
            if served {
                // Read the request, then close without answering.
                let mut buf = BytesMut::new();
                let _ =
                    tokio::time::timeout(Duration::from_millis(200), s.read_buf(&mut buf)).await;
                continue;
            }
            served = true;
            handshake(&mut s, 4_000).await.unwrap();
            let mut buf = BytesMut::new();
            let frame = loop {
                if let Some(frame) = jute::frame::split_frame(&mut buf, 1 << 20).unwrap() {
                    break frame.freeze();
                }
                assert!(s.read_buf(&mut buf).await.unwrap() > 0);
            };
            let header: RequestHeader = jute::from_bytes(frame.slice(..8)).unwrap();
            let mut reply = BytesMut::new();
            jute::frame::encode_frame(
                &ReplyHeader {
                    xid: header.xid,
                    zxid: 0x50,
                    err: ErrorCode::NoNode.code(),
                },
                &mut reply,
            );
            s.write_all(&reply).await.unwrap();
            // Dropped: the client reconnects, and is refused from now on.
        }
    });
    addr
}

/// Connects to a [`refusing_server`], sees a zxid, and collects session events until the
/// session expires (4/3 of 4 s without a server).
async fn refusals_until_expiry(srvr_answer: &'static str) -> Vec<SessionEvent> {
    let addr = refusing_server(srvr_answer).await;
    let client = Client::builder()
        .session_timeout(Duration::from_secs(4))
        .connect(&addr)
        .await
        .unwrap();
    let mut events = client.session_events();
    assert_eq!(
        client.exists("/x").await,
        Ok(None),
        "served once, with zxid 0x50"
    );
    let mut seen = Vec::new();
    loop {
        let event = tokio::time::timeout(WAIT, events.next())
            .await
            .expect("the session expires in time")
            .expect("events go on until expiry");
        let done = matches!(event, SessionEvent::Expired { .. });
        seen.push(event);
        if done {
            return seen;
        }
    }
}

fn refusal_reasons(events: &[SessionEvent]) -> Vec<RefusalReason> {
    events
        .iter()
        .filter_map(|e| match e {
            SessionEvent::AttemptFailed {
                failure: ConnectFailure::SessionRefused(reason),
                ..
            } => Some(*reason),
            _ => None,
        })
        .collect()
}

fn expiry_cause(events: &[SessionEvent]) -> &ExpiryCause {
    match events.last() {
        Some(SessionEvent::Expired { cause, .. }) => cause,
        other => panic!("{other:?}"),
    }
}

/// Refusals explained by `srvr_answer`: every one is `expected`, none is reported as the
/// server being behind; returns how the session expired.
async fn refused_but_not_behind(srvr_answer: &'static str, expected: RefusalReason) -> ExpiryCause {
    let events = refusals_until_expiry(srvr_answer).await;
    let reasons = refusal_reasons(&events);
    assert!(!reasons.is_empty(), "{events:?}");
    assert!(reasons.iter().all(|r| *r == expected), "{reasons:?}");
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, SessionEvent::ServerBehind { .. })),
        "{events:?}"
    );
    expiry_cause(&events).clone()
}

#[tokio::test]
async fn a_refusing_server_that_is_not_serving_is_not_reported_behind() {
    let cause = refused_but_not_behind(
        "This ZooKeeper instance is not currently serving requests\n",
        RefusalReason::NotServing,
    )
    .await;
    assert!(matches!(cause, ExpiryCause::NotServing { .. }), "{cause:?}");
}

#[tokio::test]
async fn without_srvr_a_refusal_is_honestly_unknown() {
    let cause = refused_but_not_behind(
        "srvr is not executed because it is not in the whitelist.\n",
        RefusalReason::Unknown,
    )
    .await;
    assert!(
        matches!(cause, ExpiryCause::LocalTimeout { .. }),
        "{cause:?}"
    );
}

#[tokio::test]
async fn a_refusing_server_behind_the_client_is_reported_behind() {
    let events = refusals_until_expiry(
        "Zookeeper version: 3.8.4\nZxid: 0x3\nMode: standalone\nNode count: 5\n",
    )
    .await;
    let reasons = refusal_reasons(&events);
    assert!(
        reasons.contains(&RefusalReason::Behind {
            server_zxid: 3,
            last_zxid_seen: 0x50
        }),
        "{reasons:?}"
    );
    assert!(
        events.iter().any(|e| matches!(
            e,
            SessionEvent::ServerBehind {
                last_zxid_seen: 0x50,
                ..
            }
        )),
        "{events:?}"
    );
    assert_eq!(expiry_cause(&events), &ExpiryCause::ServerBehind);
}
