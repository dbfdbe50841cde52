//! Four-letter-word and AdminServer answers that a scripted one-connection server cuts short
//! (a reset, a body shorter than its `Content-Length`, a chunked body without its last
//! chunk): each is an error, never an answer; complete answers, and a reset after a body its
//! framing says is complete, are answers. An answer longer than the most read (16 MiB) is an
//! error too, not an answer cut at the limit.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use zk_client::admin::{Admin, AdminError, AdminServer};
use zk_client::Error;

/// How a scripted server ends its connection after the answer.
#[derive(Clone, Copy)]
enum End {
    /// A normal close (FIN).
    Close,
    /// A reset (RST: `SO_LINGER` 0), after a pause that lets the client read the answer.
    Reset,
}

/// A server of one connection: it reads the request up to `request_end`, writes `answer`
/// and ends the connection as `end` says.
async fn serve_once(request_end: &'static [u8], answer: &'static [u8], end: End) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        let mut request = Vec::new();
        let mut buf = [0; 512];
        while !request.ends_with(request_end) {
            let n = stream.read(&mut buf).await.unwrap();
            assert!(n > 0, "the client closed before its request's end");
            request.extend_from_slice(&buf[..n]);
        }
        stream.write_all(answer).await.unwrap();
        if let End::Reset = end {
            tokio::time::sleep(Duration::from_millis(200)).await;
            stream.set_zero_linger().unwrap();
        }
        drop(stream);
    });
    addr
}

/// Asserts that `result` is the error of an answer truncated after `received` bytes (of the
/// body, for HTTP), whose end should have been `expected`.
fn assert_truncated(result: Result<String, Error>, expected: &str, received: usize) {
    match result {
        Err(Error::Admin(AdminError::Truncated {
            expected: e,
            received: r,
            ..
        })) if e == expected && r == received => {}
        Err(e) => panic!("expected an answer truncated after {received} bytes, got {e:?}"),
        Ok(answer) => panic!("expected a truncated-answer error, got the answer {answer:?}"),
    }
}

const SRVR_START: &[u8] = b"Zookeeper version: 3.8.0-1, built on 2022-02-25 08:49 UTC\nLatency";

#[tokio::test]
async fn a_four_letter_answer_cut_by_a_reset_is_an_error() {
    let addr = serve_once(b"srvr", SRVR_START, End::Reset).await;
    assert_truncated(
        Admin::new(&addr.to_string()).unwrap().raw("srvr").await,
        "the server to close the connection after the answer",
        SRVR_START.len(),
    );
    // A close after the answer ends a four-letter answer.
    let addr = serve_once(b"srvr", SRVR_START, End::Close).await;
    let answer = Admin::new(&addr.to_string()).unwrap().raw("srvr").await;
    assert_eq!(answer.unwrap().as_bytes(), SRVR_START);
}

/// Runs the AdminServer command `ruok` against a server answering `answer`, ending as `end`.
async fn command(answer: &'static [u8], end: End) -> Result<String, Error> {
    let addr = serve_once(b"\r\n\r\n", answer, end).await;
    AdminServer::new(&addr.to_string())
        .unwrap()
        .command("ruok")
        .await
}

#[tokio::test]
async fn an_http_answer_shorter_than_its_content_length_is_an_error() {
    let short = b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"command\":\"ruok\"";
    assert_truncated(
        command(short, End::Close).await,
        "100 body bytes (Content-Length)",
        17,
    );
    // The body its Content-Length announces is the answer, a reset after it or not.
    let whole = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n{\"a\"}";
    assert_eq!(command(whole, End::Reset).await.unwrap(), "{\"a\"}");
    assert_eq!(command(whole, End::Close).await.unwrap(), "{\"a\"}");
}

#[tokio::test]
async fn an_unframed_http_answer_cut_by_a_reset_is_an_error() {
    let unframed = b"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n{\"command\":";
    assert_truncated(
        command(unframed, End::Reset).await,
        "the server to close the connection after the body",
        11,
    );
    // Without framing, a close ends the body.
    assert_eq!(
        command(unframed, End::Close).await.unwrap(),
        "{\"command\":"
    );
}

#[tokio::test]
async fn chunked_http_answers_are_read_and_an_unterminated_one_is_an_error() {
    let cut = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n";
    assert_truncated(
        command(cut, End::Close).await,
        "the last chunk of a chunked body",
        10,
    );
    let whole = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\
                  5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n\r\n";
    assert_eq!(command(whole, End::Close).await.unwrap(), "hello world");
}

/// The most bytes `Admin` and `AdminServer` read of one answer.
const LIMIT: usize = 16 << 20;

/// `head` followed by `len` bytes of `x`, for the life of the test binary.
fn long_answer(head: &[u8], len: usize) -> &'static [u8] {
    let mut answer = head.to_vec();
    answer.resize(head.len() + len, b'x');
    answer.leak()
}

/// Asserts that `result` is the error of an answer longer than [`LIMIT`].
fn assert_too_large(result: Result<String, Error>) {
    match result {
        Err(Error::Admin(AdminError::TooLarge { limit, .. })) if limit == LIMIT as u64 => {}
        Err(e) => panic!("expected an answer too large, got {e:?}"),
        Ok(answer) => panic!("expected an error, got an answer of {} bytes", answer.len()),
    }
}

#[tokio::test]
async fn an_answer_longer_than_the_limit_is_an_error_not_a_cut_answer() {
    let admin = |addr: SocketAddr| Admin::new(&addr.to_string()).unwrap();
    let addr = serve_once(b"cons", long_answer(b"", LIMIT + 1), End::Close).await;
    assert_too_large(admin(addr).raw("cons").await);
    // An answer of the limit's length is whole.
    let addr = serve_once(b"cons", long_answer(b"", LIMIT), End::Close).await;
    assert_eq!(admin(addr).raw("cons").await.unwrap().len(), LIMIT);

    let head = b"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n";
    assert_too_large(command(long_answer(head, LIMIT), End::Close).await);
}
