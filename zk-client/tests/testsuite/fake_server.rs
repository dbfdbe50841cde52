//! Protocol edge cases against a scripted in-process server: handshake variants, batching,
//! and replies that break the protocol.
use std::time::Duration;

use bytes::{BufMut, Bytes, BytesMut};
use jute::Jute;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use zk_client::{Client, Error, SessionState};
use zk_records::proto::{
    ConnectRequest, ConnectResponse, ExistsRequest, ReplyHeader, RequestHeader,
};

/// Reads one frame body.
async fn read_frame(s: &mut TcpStream, buf: &mut BytesMut) -> Bytes {
    loop {
        if let Some(frame) = jute::frame::split_frame(buf, 1 << 20).unwrap() {
            return frame.freeze();
        }
        assert!(s.read_buf(buf).await.unwrap() > 0, "client hung up");
    }
}

async fn write_record<R: Jute>(s: &mut TcpStream, r: &R) {
    let mut out = BytesMut::new();
    jute::frame::encode_frame(r, &mut out);
    s.write_all(&out).await.unwrap();
}

/// Accepts a connection and answers the handshake; `read_only_byte` adds the trailing byte.
async fn accept(
    l: &TcpListener,
    time_out: i32,
    read_only_byte: bool,
) -> (TcpStream, BytesMut, ConnectRequest) {
    let (mut s, _) = l.accept().await.unwrap();
    let mut buf = BytesMut::new();
    let req: ConnectRequest = jute::from_bytes(read_frame(&mut s, &mut buf).await).unwrap();
    write_record(
        &mut s,
        &ConnectResponse {
            protocol_version: 0,
            time_out,
            session_id: 0x1234,
            passwd: Bytes::from_static(&[7; 16]),
            read_only: read_only_byte.then_some(false),
        },
    )
    .await;
    (s, buf, req)
}

fn reply(xid: i32, err: i32, body: &[u8]) -> Vec<u8> {
    let mut v = BytesMut::new();
    v.put_i32((16 + body.len()) as i32);
    ReplyHeader { xid, zxid: 10, err }.encode(&mut v);
    v.put_slice(body);
    v.to_vec()
}

async fn listener() -> (TcpListener, String) {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap().to_string();
    (l, addr)
}

#[tokio::test]
async fn handshake_without_trailing_read_only_byte() {
    let (l, addr) = listener().await;
    let server = tokio::spawn(async move {
        let (mut s, mut buf, req) = accept(&l, 4000, false).await;
        assert_eq!(req.protocol_version, 0);
        assert_eq!(req.time_out, 5000);
        assert_eq!(req.session_id, 0);
        assert_eq!(&req.passwd[..], &[0; 16]);
        assert_eq!(
            req.read_only,
            Some(false),
            "the client always sends the byte"
        );
        // One exists request: answer NONODE without a body.
        let frame = read_frame(&mut s, &mut buf).await;
        let mut d = jute::Decoder::new(frame);
        let h = RequestHeader::decode(&mut d).unwrap();
        assert_eq!((h.xid, h.r#type), (1, 3));
        let r = ExistsRequest::decode(&mut d).unwrap();
        assert_eq!((r.path.as_str(), r.watch), ("/x", false));
        s.write_all(&reply(1, -101, &[])).await.unwrap();
        s
    });
    let zk = Client::builder()
        .session_timeout(Duration::from_secs(5))
        .connect(&addr)
        .await
        .unwrap();
    let session = zk.session().unwrap();
    assert_eq!(session.id, 0x1234);
    assert_eq!(session.timeout, Duration::from_secs(4), "negotiated");
    assert_eq!(&session.password[..], &[7; 16]);
    assert_eq!(zk.exists("/x").await.unwrap(), None);
    drop(server.await.unwrap());
}

#[tokio::test]
async fn queued_requests_are_written_in_batches() {
    let (l, addr) = listener().await;
    let zk_server = tokio::spawn(async move {
        let (mut s, mut buf, _) = accept(&l, 10000, true).await;
        // Wait for the burst, then count how many frames arrived together.
        let mut first = 0;
        while first < 50 {
            if let Some(frame) = jute::frame::split_frame(&mut buf, 1 << 20).unwrap() {
                let xid = i32::from_be_bytes([frame[0], frame[1], frame[2], frame[3]]);
                assert_eq!(xid, first + 1, "xids in issue order");
                first += 1;
                continue;
            }
            if first > 0 {
                break;
            }
            assert!(s.read_buf(&mut buf).await.unwrap() > 0);
        }
        let mut got = first;
        while got < 50 {
            read_frame(&mut s, &mut buf).await;
            got += 1;
        }
        let mut out = Vec::new();
        for xid in 1..=50 {
            out.extend(reply(xid, -101, &[]));
        }
        s.write_all(&out).await.unwrap();
        (first, s)
    });
    let zk = Client::connect(&addr).await.unwrap();
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..50 {
        let zk = zk.clone();
        set.spawn(async move { zk.exists("/a").await });
    }
    while let Some(r) = set.join_next().await {
        assert_eq!(r.unwrap(), Ok(None));
    }
    let (first, _s) = zk_server.await.unwrap();
    assert!(first > 1, "only {first} request(s) in the first read");
}

/// A reply that arrives on its own, after an earlier one was read, is handled at once: the
/// connection task must keep listening after every read, not only when it next sends.
#[tokio::test]
async fn replies_arriving_apart_are_each_handled_at_once() {
    let (l, addr) = listener().await;
    let (go_tx, go_rx) = tokio::sync::oneshot::channel::<()>();
    let zk_server = tokio::spawn(async move {
        // 30 s: pings (and so any unrelated wake-up of the client) only every 10 s.
        let (mut s, mut buf, _) = accept(&l, 30000, true).await;
        read_frame(&mut s, &mut buf).await;
        read_frame(&mut s, &mut buf).await;
        s.write_all(&reply(1, -101, &[])).await.unwrap();
        go_rx.await.unwrap();
        s.write_all(&reply(2, -101, &[])).await.unwrap();
        s
    });
    let zk = Client::builder()
        .session_timeout(Duration::from_secs(30))
        .connect(&addr)
        .await
        .unwrap();
    let (a, b) = (zk.clone(), zk.clone());
    let first = tokio::spawn(async move { a.exists("/a").await });
    let second = tokio::spawn(async move { b.exists("/b").await });
    assert_eq!(first.await.unwrap(), Ok(None));
    go_tx.send(()).unwrap();
    let second = tokio::time::timeout(Duration::from_secs(2), second)
        .await
        .expect("the second reply was not handled when it arrived");
    assert_eq!(second.unwrap(), Ok(None));
    drop(zk_server.await.unwrap());
}

#[tokio::test]
async fn reply_to_the_wrong_xid_is_a_protocol_error_and_resets() {
    let (l, addr) = listener().await;
    let zk_server = tokio::spawn(async move {
        let (mut s, mut buf, _) = accept(&l, 10000, true).await;
        read_frame(&mut s, &mut buf).await;
        s.write_all(&reply(99, 0, &[])).await.unwrap();
        // The client must hang up and come back.
        let mut rest = [0u8; 64];
        while s.read(&mut rest).await.unwrap_or(0) > 0 {}
        let (s2, _, req) = accept(&l, 10000, true).await;
        assert_eq!(req.session_id, 0x1234, "the session is resumed");
        s2
    });
    let zk = Client::connect(&addr).await.unwrap();
    let mut states = zk.state_watcher();
    let err = zk.exists("/a").await.unwrap_err();
    assert!(
        matches!(&err, Error::Protocol(m) if m.contains("xid 99")),
        "{err}"
    );
    let s = tokio::time::timeout(
        Duration::from_secs(10),
        states.wait_for(|s| *s == SessionState::Connected),
    )
    .await
    .unwrap();
    assert_eq!(s, Some(SessionState::Connected));
    drop(zk_server.await.unwrap());
}

#[tokio::test]
async fn expired_session_at_handshake_fails_connect() {
    let (l, addr) = listener().await;
    let zk_server = tokio::spawn(async move { accept(&l, 0, true).await });
    let err = Client::builder()
        .session(0x1234, Bytes::from_static(&[7; 16]))
        .connect(&addr)
        .await
        .unwrap_err();
    assert_eq!(err, Error::SessionExpired);
    drop(zk_server.await.unwrap());
}

#[tokio::test]
async fn http_server_is_not_zookeeper() {
    let (l, addr) = listener().await;
    let zk_server = tokio::spawn(async move {
        let (mut s, _) = l.accept().await.unwrap();
        let _ = s.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n").await;
        s
    });
    // Reported when the only server has answered, well before the connect timeout.
    let err = Client::builder()
        .connect_timeout(Duration::from_secs(30))
        .connect(&addr)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::NotZooKeeper { server, seen } if *server == addr && seen.contains("HTTP server")),
        "{err:?}"
    );
    drop(zk_server.await.unwrap());
}

/// A server that reads the connect request and answers `answer` (then closes).
async fn answering(answer: &'static [u8]) -> String {
    let (l, addr) = listener().await;
    tokio::spawn(async move {
        while let Ok((mut s, _)) = l.accept().await {
            let mut buf = BytesMut::new();
            let _ = read_frame(&mut s, &mut buf).await;
            let _ = s.write_all(answer).await;
        }
    });
    addr
}

#[tokio::test]
async fn peers_that_are_not_zookeeper_are_named_at_once() {
    let cases: [(&[u8], &str); 3] = [
        // A TLS server's alert to a plaintext client.
        (&[0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x50], "TLS"),
        (b"-ERR unknown command\r\n", "text"),
        // Three bytes, then the connection closes.
        (&[0, 0, 9], "3 bytes"),
    ];
    for (answer, expected) in cases {
        let addr = answering(answer).await;
        let started = std::time::Instant::now();
        let err = Client::builder()
            .connect_timeout(Duration::from_secs(30))
            .connect(&addr)
            .await
            .unwrap_err();
        assert!(
            matches!(&err, Error::NotZooKeeper { seen, .. } if seen.contains(expected)),
            "{expected}: {err:?}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "reported when the server answered, not at the connect timeout"
        );
    }
}

/// A connect string may name a server twice (Java's parser keeps both entries): the peer is
/// still named as soon as it has answered, not at the connect timeout.
#[tokio::test]
async fn a_peer_listed_twice_is_named_at_once() {
    let http = answering(b"HTTP/1.1 400 Bad Request\r\n\r\n").await;
    let err = Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .connect(&format!("{http}, {http}"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::NotZooKeeper { server, .. } if *server == http),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_connect_timeout_names_each_servers_last_failure() {
    let http = answering(b"HTTP/1.1 400 Bad Request\r\n\r\n").await;
    let err = Client::builder()
        .connect_timeout(Duration::from_secs(2))
        .connect(&format!("{http},no-such-host.invalid:2181"))
        .await
        .unwrap_err();
    let Error::ConnectTimeout { failures } = &err else {
        panic!("{err:?}");
    };
    assert_eq!(failures.len(), 2, "{err}");
    for (server, failure) in failures {
        if *server == http {
            assert!(
                matches!(failure, zk_client::ConnectFailure::NotZooKeeper(_)),
                "{err}"
            );
        } else {
            assert_eq!(server, "no-such-host.invalid:2181");
            assert!(
                matches!(failure, zk_client::ConnectFailure::Unresolvable(_)),
                "{err}"
            );
        }
    }
    assert!(err.to_string().contains("not resolvable"), "{err}");
}
