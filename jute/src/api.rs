//! Whole-value helpers: [`to_vec`], [`to_chunks`], [`from_slice`], [`from_bytes`],
//! [`from_buf_with_limits`].

use bytes::{Buf, Bytes};

use crate::{Chunks, Decoder, Error, Jute, Limits};

/// Encodes `value` into a new, exactly sized `Vec<u8>`.
///
/// # Panics
///
/// As [`Jute::encode`], on a length or count over `i32::MAX`.
pub fn to_vec<T: Jute>(value: &T) -> Vec<u8> {
    let mut out = Vec::with_capacity(value.encoded_len());
    value.encode(&mut out);
    out
}

/// Encodes `value` into [`Chunks`], sharing its large buffers (see [`Jute::encode_chunks`]).
///
/// # Panics
///
/// As [`Jute::encode`], on a length or count over `i32::MAX`.
pub fn to_chunks<T: Jute>(value: &T) -> Chunks {
    let mut out = Chunks::new();
    value.encode_chunks(&mut out);
    out
}

/// Decodes one `T` from `bytes`, with the default [`Limits`], and fails when bytes are left over.
#[inline]
pub fn from_slice<T: Jute>(bytes: &[u8]) -> Result<T, Error> {
    from_buf_with_limits(bytes, Limits::default())
}

/// Decodes one `T` from `bytes`; `Bytes` fields share the input's allocation (zero-copy).
/// Fails when bytes are left over.
#[inline]
pub fn from_bytes<T: Jute>(bytes: Bytes) -> Result<T, Error> {
    from_buf_with_limits(bytes, Limits::default())
}

/// Decodes one `T` from `buf` with explicit limits, and fails when bytes are left over.
#[inline]
pub fn from_buf_with_limits<T: Jute, B: Buf>(buf: B, limits: Limits) -> Result<T, Error> {
    let chunk = buf.chunk();
    if chunk.len() == buf.remaining() {
        if let Some(value) = T::decode_exact(chunk) {
            return Ok(value);
        }
    }
    let mut d = Decoder::with_limits(buf, limits);
    let decoded = T::decode(&mut d);
    d.finish(decoded)
}
