//! [`Outgoing`]: the bytes a connection has yet to write, with large payloads kept as shared
//! chunks so that they reach the socket without being copied.

use std::collections::VecDeque;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Buf, Bytes, BytesMut};
use tokio::io::AsyncWrite;

/// At most this many slices go to one vectored write.
const MAX_SLICES: usize = 16;

/// Encoded frames not yet written: whole chunks (`queue`, large payloads shared with the
/// caller's `Bytes`) followed by `tail`, where small writes are appended.
///
/// Offsets count every byte the connection has queued, from 0: where each frame not yet fully
/// written ends is kept, so that a close can drop the frames not started and keep the one
/// being written whole (the stream must stay frame-aligned for the `closeSession` after it).
#[derive(Debug)]
pub(crate) struct Outgoing {
    queue: VecDeque<Bytes>,
    /// Bytes in `queue`.
    queued: usize,
    tail: BytesMut,
    /// Bytes written so far (the offset of the first unwritten byte).
    written: u64,
    /// Where the last fully written frame ends.
    written_frames_end: u64,
    /// The end offsets of the frames not fully written, in order.
    frame_ends: VecDeque<u64>,
}

impl Outgoing {
    /// An empty buffer with room for `capacity` bytes of small writes.
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        Self {
            queue: VecDeque::new(),
            queued: 0,
            tail: BytesMut::with_capacity(capacity),
            written: 0,
            written_frames_end: 0,
            frame_ends: VecDeque::new(),
        }
    }

    /// Marks the end of a frame: everything queued so far. Returns its end offset.
    #[inline]
    pub(crate) fn end_frame(&mut self) -> u64 {
        let end = self.written + self.len() as u64;
        self.frame_ends.push_back(end);
        end
    }

    /// Drops every frame not started yet, keeping the rest of the one being written. Returns
    /// the end offset of what is kept: frames ending after it will never be written.
    pub(crate) fn drop_unstarted(&mut self) -> u64 {
        let partial = self.written > self.written_frames_end;
        let keep_end = match self.frame_ends.front() {
            Some(&end) if partial => end,
            _ => self.written,
        };
        self.truncate((keep_end - self.written) as usize);
        self.frame_ends.retain(|&end| end <= keep_end);
        keep_end
    }

    /// Keeps the first `keep` unwritten bytes.
    fn truncate(&mut self, keep: usize) {
        if keep >= self.queued {
            self.tail.truncate(keep - self.queued);
            return;
        }
        self.tail.clear();
        let mut left = keep;
        let mut kept = 0;
        for chunk in &mut self.queue {
            if left == 0 {
                break;
            }
            chunk.truncate(left);
            left -= chunk.len();
            kept += 1;
        }
        self.queue.truncate(kept);
        self.queued = keep;
    }

    /// Where small writes go (after everything queued so far).
    #[inline]
    pub(crate) fn buf(&mut self) -> &mut BytesMut {
        &mut self.tail
    }

    /// Appends `bytes` without copying them.
    pub(crate) fn push_shared(&mut self, bytes: Bytes) {
        if bytes.is_empty() {
            return;
        }
        if !self.tail.is_empty() {
            let head = self.tail.split().freeze();
            self.queued += head.len();
            self.queue.push_back(head);
        }
        self.queued += bytes.len();
        self.queue.push_back(bytes);
    }

    /// Where the last fully written frame ends: requests ending there or before are with
    /// the server.
    #[inline]
    pub(crate) fn written_end(&self) -> u64 {
        self.written_frames_end
    }

    /// Bytes not yet written.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.queued + self.tail.len()
    }

    /// Whether everything was written.
    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Writes what it can: one `poll_write` of the small-write buffer when nothing is queued
    /// (the common case), else one vectored write of the queued chunks and the buffer.
    pub(crate) fn poll_write<W: AsyncWrite + Unpin>(
        &mut self,
        cx: &mut Context<'_>,
        writer: &mut W,
    ) -> Poll<io::Result<usize>> {
        let written = if self.queue.is_empty() {
            std::task::ready!(Pin::new(writer).poll_write(cx, &self.tail))
        } else {
            let mut slices = Vec::with_capacity(MAX_SLICES);
            slices.extend(self.queue.iter().take(MAX_SLICES).map(|b| IoSlice::new(b)));
            if slices.len() < MAX_SLICES && !self.tail.is_empty() {
                slices.push(IoSlice::new(&self.tail));
            }
            std::task::ready!(Pin::new(writer).poll_write_vectored(cx, &slices))
        };
        if let Ok(n) = written {
            self.advance(n.min(self.len()));
        }
        Poll::Ready(written)
    }

    /// Drops the first `n` bytes (written).
    fn advance(&mut self, mut n: usize) {
        self.written += n as u64;
        while let Some(&end) = self.frame_ends.front() {
            if end > self.written {
                break;
            }
            self.written_frames_end = end;
            self.frame_ends.pop_front();
        }
        while n > 0 {
            let Some(front) = self.queue.front_mut() else {
                self.tail.advance(n.min(self.tail.len()));
                return;
            };
            let take = n.min(front.len());
            front.advance(take);
            self.queued -= take;
            n -= take;
            if front.is_empty() {
                self.queue.pop_front();
            }
        }
    }

    /// Writes everything (used to flush a closing connection).
    pub(crate) async fn write_all<W: AsyncWrite + Unpin>(
        &mut self,
        writer: &mut W,
    ) -> io::Result<()> {
        while !self.is_empty() {
            let n = std::future::poll_fn(|cx| self.poll_write(cx, writer)).await?;
            if n == 0 {
                return Err(io::ErrorKind::WriteZero.into());
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer that takes at most `step` bytes per call, vectored or not.
    struct Trickle {
        written: Vec<u8>,
        step: usize,
        vectored: bool,
    }

    impl AsyncWrite for Trickle {
        fn poll_write(
            mut self: Pin<&mut Self>,
            _cx: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            let n = buf.len().min(self.step);
            self.written.extend_from_slice(&buf[..n]);
            Poll::Ready(Ok(n))
        }

        fn poll_write_vectored(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            bufs: &[IoSlice<'_>],
        ) -> Poll<io::Result<usize>> {
            if !self.vectored {
                let first = bufs
                    .iter()
                    .find(|b| !b.is_empty())
                    .map_or(&[][..], |b| &b[..]);
                return self.poll_write(cx, first);
            }
            let mut left = self.step;
            let mut n = 0;
            for b in bufs {
                let k = b.len().min(left);
                self.written.extend_from_slice(&b[..k]);
                n += k;
                left -= k;
            }
            Poll::Ready(Ok(n))
        }

        fn is_write_vectored(&self) -> bool {
            self.vectored
        }

        fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }

        fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
    }

    /// Small writes, shared chunks and more small writes come out in order, whatever the
    /// writer takes per call.
    #[tokio::test]
    async fn every_byte_in_order_with_partial_writes() {
        let big = Bytes::from((0..10_000u32).map(|i| i as u8).collect::<Vec<_>>());
        for vectored in [false, true] {
            for step in [1, 3, 7, 100, 4096, 100_000] {
                let mut out = Outgoing::with_capacity(16);
                let mut want = Vec::new();
                for round in 0..20u8 {
                    out.buf().extend_from_slice(&[round; 5]);
                    want.extend_from_slice(&[round; 5]);
                    if round % 3 == 0 {
                        out.push_shared(big.slice(round as usize..));
                        want.extend_from_slice(&big[round as usize..]);
                    }
                }
                assert_eq!(out.len(), want.len());
                let mut w = Trickle {
                    written: Vec::new(),
                    step,
                    vectored,
                };
                out.write_all(&mut w).await.unwrap();
                assert!(out.is_empty());
                assert_eq!(w.written, want, "step {step}, vectored {vectored}");
            }
        }
    }

    /// A close keeps exactly the frame being written and drops the ones not started, wherever
    /// the writer stopped, with small and shared bytes mixed.
    #[tokio::test]
    async fn dropping_unstarted_frames_keeps_the_partial_one_whole() {
        let big = Bytes::from(vec![9u8; 5000]);
        let build = || {
            let mut out = Outgoing::with_capacity(16);
            let mut want = Vec::new();
            let mut ends = vec![0u64];
            for round in 0..6u8 {
                out.buf().extend_from_slice(&[round; 7]);
                want.extend_from_slice(&[round; 7]);
                if round % 2 == 1 {
                    out.push_shared(big.clone());
                    want.extend_from_slice(&big);
                    out.buf().extend_from_slice(&[round; 2]);
                    want.extend_from_slice(&[round; 2]);
                }
                ends.push(out.end_frame());
            }
            (out, want, ends)
        };
        let total = build().1.len();
        for first_write in [
            0,
            1,
            6,
            7,
            8,
            5008,
            5009,
            5016,
            5017,
            9000,
            total - 1,
            total,
        ] {
            let (mut out, want, ends) = build();
            let mut w = Trickle {
                written: Vec::new(),
                step: first_write,
                vectored: true,
            };
            if first_write > 0 {
                let n = std::future::poll_fn(|cx| out.poll_write(cx, &mut w))
                    .await
                    .unwrap();
                assert_eq!(n, first_write);
            }
            let keep_end = out.drop_unstarted();
            let expected = *ends.iter().find(|&&e| e >= first_write as u64).unwrap();
            assert_eq!(keep_end, expected, "after writing {first_write}");
            w.step = usize::MAX;
            out.write_all(&mut w).await.unwrap();
            assert_eq!(
                w.written,
                want[..keep_end as usize],
                "after writing {first_write}"
            );
            assert_eq!(out.drop_unstarted(), keep_end, "nothing left to drop");
        }
    }
}
