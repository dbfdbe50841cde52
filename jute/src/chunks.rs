//! [`Chunks`]: zero-copy encoding, where large `Bytes` fields stay separate chunks.

use std::io::IoSlice;

use bytes::{Bytes, BytesMut};

/// Buffers of at least this many bytes are shared by [`Jute::encode_chunks`](crate::Jute::encode_chunks), not copied.
pub const SHARE_MIN_LEN: usize = 4096;

/// An encoding made of chunks: small fields are copied into a buffer, while [`Bytes`] and
/// [`Utf8Bytes`](crate::Utf8Bytes) fields of at least [`SHARE_MIN_LEN`] bytes are kept as
/// references to their own allocation. Hand the chunks to a vectored write
/// ([`Chunks::io_slices`], `write_vectored`) and a large payload reaches the socket without
/// ever being copied in user space.
///
/// ```
/// use jute::bytes::Bytes;
/// use jute::{Chunks, Jute};
///
/// let payload = Bytes::from(vec![7u8; 64 * 1024]);
/// let record = (42i32, payload.clone());
/// let mut out = Chunks::new();
/// record.encode_chunks(&mut out);
/// assert_eq!(out.len(), record.encoded_len());
/// let chunks = out.into_chunks();
/// assert_eq!(chunks.len(), 2); // [42, length prefix] and the payload itself
/// assert_eq!(chunks[1].as_ptr(), payload.as_ptr()); // shared, not copied
/// assert_eq!(chunks.concat(), jute::to_vec(&record));
/// ```
#[derive(Debug, Default)]
pub struct Chunks {
    /// Finished chunks, in order.
    done: Vec<Bytes>,
    /// Bytes written since the last shared chunk.
    buf: BytesMut,
    /// Total length of `done`.
    done_len: usize,
}

impl Chunks {
    /// An empty encoding.
    pub fn new() -> Self {
        Self::default()
    }

    /// The buffer that small writes go to (what [`Jute::encode_chunks`](crate::Jute::encode_chunks) passes to
    /// [`Jute::encode`](crate::Jute::encode) by default).
    #[inline]
    pub fn buf(&mut self) -> &mut BytesMut {
        &mut self.buf
    }

    /// Appends `bytes` as a chunk of its own (after what was written so far), without
    /// copying it.
    pub fn push_shared(&mut self, bytes: Bytes) {
        if !self.buf.is_empty() {
            let head = self.buf.split().freeze();
            self.done_len += head.len();
            self.done.push(head);
        }
        self.done_len += bytes.len();
        self.done.push(bytes);
    }

    /// The total encoded length.
    pub fn len(&self) -> usize {
        self.done_len + self.buf.len()
    }

    /// Whether nothing was written.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The chunks, in order, as slices for `write_vectored`.
    pub fn io_slices(&self) -> Vec<IoSlice<'_>> {
        self.done
            .iter()
            .map(|b| IoSlice::new(b))
            .chain((!self.buf.is_empty()).then(|| IoSlice::new(&self.buf)))
            .collect()
    }

    /// The chunks, in order.
    pub fn into_chunks(mut self) -> Vec<Bytes> {
        if !self.buf.is_empty() {
            self.done.push(self.buf.split().freeze());
        }
        self.done
    }

    /// Forgets the encoding, keeping the buffer's capacity for the next one.
    pub fn clear(&mut self) {
        self.done.clear();
        self.done_len = 0;
        self.buf.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Utf8Bytes;
    use crate::{to_chunks, Jute};

    #[test]
    fn large_fields_are_shared_and_the_bytes_are_the_same() {
        let big = Bytes::from(vec![1u8; SHARE_MIN_LEN]);
        let small = Bytes::from(vec![2u8; SHARE_MIN_LEN - 1]);
        let text = Utf8Bytes::from("x".repeat(SHARE_MIN_LEN));
        let value = (
            vec![Some(big.clone()), None, Some(small)],
            (text.clone(), 5i64),
        );
        let out = to_chunks(&value);
        assert_eq!(out.len(), value.encoded_len());
        let sliced: Vec<u8> = out
            .io_slices()
            .iter()
            .flat_map(|s| s.iter().copied())
            .collect();
        let chunks = out.into_chunks();
        assert_eq!(chunks.concat(), crate::to_vec(&value));
        assert_eq!(sliced, crate::to_vec(&value));
        // [count, prefix] [big] [-1, small with prefix, prefix] [text] [5]
        assert_eq!(chunks.len(), 5);
        assert_eq!(chunks[1].as_ptr(), big.as_ptr());
        assert_eq!(chunks[3].as_ptr(), text.as_ptr());
    }

    #[test]
    fn clear_reuses_the_encoder() {
        let mut out = Chunks::new();
        (1i32, Bytes::from(vec![0u8; 5000])).encode_chunks(&mut out);
        out.clear();
        assert!(out.is_empty());
        7i32.encode_chunks(&mut out);
        assert_eq!(out.into_chunks().concat(), [0, 0, 0, 7]);
    }
}
