//! The fault proxy against an in-process echo server (no ZooKeeper needed): traffic passes,
//! a partition cuts live connections and holds new ones, healing delivers what was held.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::timeout;
use zk_testkit::{Fault, Proxy};

const WAIT: Duration = Duration::from_secs(10);

/// An upstream that echoes every byte back, one task per connection.
async fn echo_server() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            tokio::spawn(async move {
                let (mut r, mut w) = s.split();
                let _ = tokio::io::copy(&mut r, &mut w).await;
            });
        }
    });
    addr
}

async fn round_trip(s: &mut TcpStream, msg: &[u8]) -> Vec<u8> {
    s.write_all(msg).await.unwrap();
    let mut buf = vec![0; msg.len()];
    timeout(WAIT, s.read_exact(&mut buf))
        .await
        .expect("echo in time")
        .unwrap();
    buf
}

#[tokio::test]
async fn a_partition_cuts_live_connections_holds_new_ones_and_heals() {
    let proxy = Proxy::start(echo_server().await).await.unwrap();
    let mut before = TcpStream::connect(proxy.addr()).await.unwrap();
    assert_eq!(round_trip(&mut before, b"ping").await, b"ping");

    proxy.partition();
    // The live connection is closed.
    let mut buf = [0u8; 8];
    let read = timeout(WAIT, before.read(&mut buf))
        .await
        .expect("cut in time");
    assert!(matches!(read, Ok(0) | Err(_)), "{read:?}");

    // A new connection is accepted but nothing comes back while partitioned.
    let mut during = TcpStream::connect(proxy.addr()).await.unwrap();
    during.write_all(b"held").await.unwrap();
    let mut held = [0u8; 4];
    assert!(
        timeout(Duration::from_millis(300), during.read_exact(&mut held))
            .await
            .is_err(),
        "answered during a partition"
    );

    // Healing forwards what the client wrote meanwhile.
    proxy.heal();
    timeout(WAIT, during.read_exact(&mut held))
        .await
        .expect("held bytes delivered on healing")
        .unwrap();
    assert_eq!(&held, b"held");
    assert_eq!(proxy.accepted(), 2);
}

#[tokio::test]
async fn corrupt_at_flips_one_server_byte() {
    let proxy = Proxy::start(echo_server().await).await.unwrap();
    proxy.set_fault(Fault::CorruptAt {
        offset: 2,
        xor: 0x20,
    });
    let mut s = TcpStream::connect(proxy.addr()).await.unwrap();
    assert_eq!(round_trip(&mut s, b"abcd").await, b"abCd");
    assert_eq!(proxy.only_connection().server_bytes, 4);
}
