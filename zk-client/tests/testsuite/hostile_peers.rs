//! Peers that break the protocol on purpose, scripted in-process: a server that accepts every
//! session and drops the connection at once, and a backlog that the peer never reads.
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use zk_client::{Client, Error, SessionEvent, SessionState};
use zk_records::proto::{ConnectRequest, ConnectResponse, RequestHeader, SetDataRequest};
use zk_records::OpCode;

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
