//! The byte stream a connection runs on. The handshake and the connection driver are generic
//! over any [`tokio::io::AsyncRead`] + [`tokio::io::AsyncWrite`] stream; [`Transport`] is the one
//! place that says which streams a session opens, so another transport (TLS) is a variant
//! here, not a change to the session's logic.

use std::io::{self, IoSlice};
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

/// An open connection to a server.
#[derive(Debug)]
pub(crate) enum Transport {
    /// Plaintext TCP.
    Tcp(TcpStream),
}

impl Transport {
    /// Opens a connection to `addr`, with Nagle's algorithm off (requests are small and
    /// latency-bound; the driver batches writes itself).
    pub(crate) async fn connect(addr: SocketAddr) -> io::Result<Transport> {
        let stream = TcpStream::connect(addr).await?;
        // Best effort: a socket without TCP_NODELAY is slower, not wrong.
        let _ = stream.set_nodelay(true);
        Ok(Transport::Tcp(stream))
    }
}

impl AsyncRead for Transport {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Transport::Tcp(s) => Pin::new(s).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Transport {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Transport::Tcp(s) => Pin::new(s).poll_write(cx, buf),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Transport::Tcp(s) => Pin::new(s).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Transport::Tcp(s) => s.is_write_vectored(),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Transport::Tcp(s) => Pin::new(s).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Transport::Tcp(s) => Pin::new(s).poll_shutdown(cx),
        }
    }
}
