//! Peers that break the protocol on purpose, scripted in-process: a server that accepts every
//! session and drops the connection at once, and a backlog that the peer never reads.
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use zk_client::{Client, Error, SessionEvent};
use zk_records::proto::{ConnectRequest, ConnectResponse};

/// Generous bound for anything that should happen soon, on a loaded shared machine.
const WAIT: Duration = Duration::from_secs(30);

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
