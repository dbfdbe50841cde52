//! Tests of the handshake over a host's addresses: fake servers on loopback ports, one that
//! answers the connect request and ones that take the connection and never answer.

use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use zk_records::proto::{ConnectRequest, ConnectResponse};

use super::*;

const MAX_FRAME: usize = 1 << 20;

fn request() -> ConnectRequest {
    ConnectRequest {
        protocol_version: 0,
        last_zxid_seen: 0,
        time_out: 4_000,
        session_id: 0,
        passwd: Bytes::from_static(&[0; 16]),
        read_only: Some(false),
    }
}

fn host() -> HostPort {
    HostPort {
        host: "zk.test".into(),
        port: 2181,
    }
}

/// A listener that never accepts: the kernel completes the TCP handshake, the connect request
/// goes unanswered (a blackholed server).
async fn blackhole() -> (TcpListener, SocketAddr) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    (listener, addr)
}

/// A server that grants session 0x42 to every connect request.
async fn live() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut rbuf = BytesMut::new();
                loop {
                    if let Ok(Some(_)) = jute::frame::split_frame(&mut rbuf, MAX_FRAME) {
                        break;
                    }
                    if stream.read_buf(&mut rbuf).await.unwrap_or(0) == 0 {
                        return;
                    }
                }
                let response = ConnectResponse {
                    protocol_version: 0,
                    time_out: 4_000,
                    session_id: 0x42,
                    passwd: Bytes::from_static(&[7; 16]),
                    read_only: Some(false),
                };
                let mut out = BytesMut::new();
                jute::frame::encode_frame(&response, &mut out);
                let _ = stream.write_all(&out).await;
                // Held open until the client lets go.
                let _ = stream.read_buf(&mut rbuf).await;
            });
        }
    });
    addr
}

/// A name whose first address blackholes and whose second answers: the answer comes within
/// the attempt's timeout, not after a whole timeout spent on the first address.
#[tokio::test]
async fn a_blackholed_address_leaves_the_next_one_time_within_the_attempt() {
    let (_held, dead) = blackhole().await;
    let alive = live().await;
    let timeout = Duration::from_secs(1);
    let started = Instant::now();
    let connected = handshake_addrs(
        Connector::default(),
        &host(),
        vec![dead, alive],
        request(),
        None,
        tokio::time::Instant::now() + timeout,
        MAX_FRAME,
    )
    .await
    .unwrap_or_else(|e| panic!("no session: {}", e.detail));
    let took = started.elapsed();
    assert_eq!(connected.response.session_id, 0x42);
    assert!(
        took < timeout,
        "connected after {took:?}, beyond the attempt's {timeout:?}"
    );
}

/// Every address of a name blackholes: the attempt fails, timed out, once its timeout has
/// passed, not once per address.
#[tokio::test]
async fn a_hosts_addresses_share_one_attempt_timeout() {
    let (_a, a) = blackhole().await;
    let (_b, b) = blackhole().await;
    let (_c, c) = blackhole().await;
    let timeout = Duration::from_millis(600);
    let started = Instant::now();
    let failed = handshake_addrs(
        Connector::default(),
        &host(),
        vec![a, b, c],
        request(),
        None,
        tokio::time::Instant::now() + timeout,
        MAX_FRAME,
    )
    .await;
    let took = started.elapsed();
    let Err(e) = failed else {
        panic!("a blackholed name connected");
    };
    assert!(
        matches!(e.failure, ConnectFailure::TimedOut),
        "{}",
        e.detail
    );
    assert!(
        took < timeout + Duration::from_millis(300),
        "gave up after {took:?}, the attempt's timeout is {timeout:?}"
    );
}
