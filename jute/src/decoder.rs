//! The decoding cursor: reads primitives from any `bytes::Buf`, tracks the byte offset for
//! error messages, and enforces the [`Limits`] that keep hostile input from costing memory.

use std::borrow::Cow;

use bytes::{Buf, Bytes};

use crate::error::{Error, ErrorKind};
use crate::utf8_bytes::Utf8Bytes;

/// Java's default `jute.maxbuffer`: 0xfffff bytes (1 MiB - 1).
pub const DEFAULT_MAX_BUFFER: usize = 0xfffff;

/// Limits applied while decoding.
///
/// Every length prefix is checked against these limits *and* against the bytes that remain
/// before anything is allocated, so a hostile 4-byte prefix can never make the decoder reserve
/// more memory than the input itself (times a small constant) could justify.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest accepted `ustring` or `buffer` length. Java's `BinaryInputArchive` rejects lengths
    /// above `jute.maxbuffer + zookeeper.jute.maxbuffer.extrasize`, both 0xfffff by default,
    /// so the default is `2 * 0xfffff`.
    pub max_len: usize,
    /// Largest accepted nesting of vectors and maps (records are bounded by their types; only
    /// containers can nest to a depth chosen by the input). Guards the stack.
    pub max_depth: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_len: 2 * DEFAULT_MAX_BUFFER,
            max_depth: 64,
        }
    }
}

/// A decoding cursor over a [`Buf`].
///
/// `Decoder<&[u8]>` decodes from a slice; `Decoder<Bytes>` lets `bytes::Bytes` fields share the
/// input's allocation instead of copying it.
#[derive(Debug)]
pub struct Decoder<B> {
    buf: B,
    start: usize,
    limits: Limits,
    depth: u32,
}

impl<B: Buf> Decoder<B> {
    /// A decoder with the default [`Limits`].
    pub fn new(buf: B) -> Self {
        Self::with_limits(buf, Limits::default())
    }

    /// A decoder with explicit limits.
    pub fn with_limits(buf: B, limits: Limits) -> Self {
        let start = buf.remaining();
        Self {
            buf,
            start,
            limits,
            depth: 0,
        }
    }

    /// Bytes consumed so far: the offset reported in errors.
    #[inline]
    pub fn offset(&self) -> usize {
        self.start - self.buf.remaining()
    }

    /// Bytes left in the input.
    #[inline]
    pub fn remaining(&self) -> usize {
        self.buf.remaining()
    }

    /// The limits in force.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// `decoded`, unless it succeeded without consuming the whole input: then
    /// [`ErrorKind::TrailingBytes`]. Takes and returns the whole result so that the decoded
    /// value is built in place, not unwrapped and wrapped again.
    #[inline]
    pub(crate) fn finish<T>(&self, decoded: Result<T, Error>) -> Result<T, Error> {
        if decoded.is_ok() && self.remaining() != 0 {
            return Err(self.trailing_bytes());
        }
        decoded
    }

    #[cold]
    fn trailing_bytes(&self) -> Error {
        Error::new(
            ErrorKind::TrailingBytes {
                count: self.remaining(),
            },
            self.offset(),
        )
    }

    /// Gives back the underlying buffer, positioned after what was decoded.
    pub fn into_inner(self) -> B {
        self.buf
    }

    #[inline]
    fn need(&self, expected: &'static str, needed: usize) -> Result<(), Error> {
        if self.buf.remaining() < needed {
            return Err(self.eof(expected, needed));
        }
        Ok(())
    }

    /// The error for input that ends before `needed` more bytes.
    #[cold]
    fn eof(&self, expected: &'static str, needed: usize) -> Error {
        Error::new(
            ErrorKind::UnexpectedEof {
                expected,
                needed,
                remaining: self.buf.remaining(),
            },
            self.offset(),
        )
    }

    /// Takes the next `N` bytes. Fast path: they are all in the current chunk (always so for
    /// `&[u8]` and `Bytes`), read straight from it, then one `advance`. Otherwise (a chunked
    /// `Buf`, or too few bytes left) the checked path gives the same result or error.
    #[inline(always)]
    fn read_array<const N: usize>(&mut self, expected: &'static str) -> Result<[u8; N], Error> {
        if let Some(a) = self.buf.chunk().first_chunk::<N>() {
            let a = *a;
            self.buf.advance(N);
            return Ok(a);
        }
        self.read_array_slow(expected)
    }

    #[cold]
    #[inline(never)]
    fn read_array_slow<const N: usize>(
        &mut self,
        expected: &'static str,
    ) -> Result<[u8; N], Error> {
        self.need(expected, N)?;
        let mut a = [0u8; N];
        self.buf.copy_to_slice(&mut a);
        Ok(a)
    }

    /// The next `N` bytes if the current chunk holds them all (consumed), else `None` (nothing
    /// consumed). Used by derived records whose fields all have a fixed size, to read them in
    /// one step; they fall back to field-by-field decoding (and its errors) on `None`.
    #[inline(always)]
    pub(crate) fn take_array<const N: usize>(&mut self) -> Option<[u8; N]> {
        let a = *self.buf.chunk().first_chunk::<N>()?;
        self.buf.advance(N);
        Some(a)
    }

    /// Reads a Jute `byte`.
    #[inline]
    pub fn read_i8(&mut self) -> Result<i8, Error> {
        self.read_array::<1>("byte").map(i8::from_be_bytes)
    }

    /// Reads a Jute `boolean`: like Java, any non-zero byte is `true`.
    #[inline]
    pub fn read_bool(&mut self) -> Result<bool, Error> {
        self.read_array::<1>("boolean").map(|[b]| b != 0)
    }

    /// Reads a Jute `int` (big-endian).
    #[inline]
    pub fn read_i32(&mut self) -> Result<i32, Error> {
        self.read_array("int").map(i32::from_be_bytes)
    }

    /// Reads a Jute `long` (big-endian).
    #[inline]
    pub fn read_i64(&mut self) -> Result<i64, Error> {
        self.read_array("long").map(i64::from_be_bytes)
    }

    /// Reads a Jute `float` (IEEE-754, big-endian).
    #[inline]
    pub fn read_f32(&mut self) -> Result<f32, Error> {
        self.read_array("float").map(f32::from_be_bytes)
    }

    /// Reads a Jute `double` (IEEE-754, big-endian).
    #[inline]
    pub fn read_f64(&mut self) -> Result<f64, Error> {
        self.read_array("double").map(f64::from_be_bytes)
    }

    /// Reads a length prefix for a `ustring` or `buffer` of `what`.
    ///
    /// Returns `None` for the null marker -1. Rejects other negative values, lengths over
    /// [`Limits::max_len`], and lengths larger than the bytes that remain.
    #[inline]
    pub fn read_byte_len(&mut self, what: &'static str) -> Result<Option<usize>, Error> {
        self.read_checked_prefix(what, 1, true)
    }

    /// Reads an element count for a `vector` or `map` whose elements need at least
    /// `min_element_len` bytes each.
    ///
    /// Returns `None` for the null marker -1. Rejects other negative counts, and counts whose
    /// elements could not fit in the bytes that remain. Every element counts as at least one
    /// byte, so even elements that may encode to nothing (an empty record, one whose fields are
    /// all trailing) cannot be promised in greater number than the bytes left; their count is
    /// also checked against [`Limits::max_len`].
    #[inline]
    pub fn read_count(
        &mut self,
        what: &'static str,
        min_element_len: usize,
    ) -> Result<Option<usize>, Error> {
        self.read_checked_prefix(what, min_element_len.max(1), min_element_len == 0)
    }

    /// Reads a length or count prefix: -1 is null, other negatives are errors; the value is
    /// checked against [`Limits::max_len`] when `check_limit`, and `value * unit_len` against
    /// the bytes that remain. The error, if any, is built out of line; the three tests stay
    /// separate branches (one combined condition measured ~9% more instructions per string).
    #[inline(always)]
    fn read_checked_prefix(
        &mut self,
        what: &'static str,
        unit_len: usize,
        check_limit: bool,
    ) -> Result<Option<usize>, Error> {
        let raw = self.read_i32()?;
        if raw == -1 {
            return Ok(None);
        }
        let len = raw as usize;
        if raw < 0 {
            return Err(self.bad_prefix(what, raw, unit_len, check_limit));
        }
        if check_limit && len > self.limits.max_len {
            return Err(self.bad_prefix(what, raw, unit_len, check_limit));
        }
        if len.saturating_mul(unit_len) > self.remaining() {
            return Err(self.bad_prefix(what, raw, unit_len, check_limit));
        }
        Ok(Some(len))
    }

    /// The error for a prefix `raw` (already consumed) that [`Decoder::read_checked_prefix`]
    /// refused.
    #[cold]
    #[inline(never)]
    fn bad_prefix(
        &self,
        what: &'static str,
        raw: i32,
        unit_len: usize,
        check_limit: bool,
    ) -> Error {
        let at = self.offset() - 4;
        let len = raw as usize;
        let limit = self.limits.max_len;
        let kind = if raw < 0 {
            ErrorKind::NegativeLength { what, len: raw }
        } else if check_limit && len > limit {
            ErrorKind::LengthOverLimit { what, len, limit }
        } else {
            ErrorKind::LengthOverInput {
                what,
                len,
                needed: len.saturating_mul(unit_len),
                remaining: self.remaining(),
            }
        };
        Error::new(kind, at)
    }

    /// Copies the next `len` bytes into a new `Vec<u8>`. The caller has checked `len` against
    /// the remaining input (see [`Decoder::read_byte_len`]).
    #[inline]
    pub fn take_vec(&mut self, len: usize) -> Result<Vec<u8>, Error> {
        if let Some(bytes) = self.buf.chunk().get(..len) {
            let out = bytes.to_vec();
            self.buf.advance(len);
            return Ok(out);
        }
        self.take_vec_chunked(len)
    }

    #[cold]
    fn take_vec_chunked(&mut self, len: usize) -> Result<Vec<u8>, Error> {
        self.need("bytes", len)?;
        let mut out = Vec::with_capacity(len);
        while out.len() < len {
            let chunk = self.buf.chunk();
            let n = chunk.len().min(len - out.len());
            out.extend_from_slice(&chunk[..n]);
            self.buf.advance(n);
        }
        Ok(out)
    }

    /// Decodes the next `len` bytes as a `ustring` (UTF-8, or Java's CESU-8). Fast path:
    /// validates UTF-8 in place and copies once into the `String`.
    #[inline(always)]
    pub(crate) fn take_string(&mut self, len: usize) -> Result<String, Error> {
        let at = self.offset();
        if let Some(bytes) = self.buf.chunk().get(..len) {
            let out = crate::string::view_java(bytes, at)?.into_owned();
            self.buf.advance(len);
            return Ok(out);
        }
        crate::string::decode_java(self.take_vec(len)?, at)
    }

    /// Decodes the next `len` bytes as a `ustring` into [`Utf8Bytes`]: a view of the input
    /// (no allocation) when the input is `Bytes` and the text is standard UTF-8; Java's
    /// CESU-8 is converted, and input split over several chunks takes the [`String`] path.
    #[inline(always)]
    pub(crate) fn take_utf8_bytes(&mut self, len: usize) -> Result<Utf8Bytes, Error> {
        let at = self.offset();
        if let Some(bytes) = self.buf.chunk().get(..len) {
            return Ok(match crate::string::view_java(bytes, at)? {
                Cow::Borrowed(_) => Utf8Bytes::from_validated(self.buf.copy_to_bytes(len)),
                Cow::Owned(converted) => {
                    self.buf.advance(len);
                    Utf8Bytes::from(converted)
                }
            });
        }
        self.take_string(len).map(Utf8Bytes::from)
    }

    /// Takes the next `len` bytes as [`Bytes`]: zero-copy when the input is itself `Bytes`.
    #[inline]
    pub fn take_bytes(&mut self, len: usize) -> Result<Bytes, Error> {
        self.need("bytes", len)?;
        Ok(self.buf.copy_to_bytes(len))
    }

    /// Runs `f` one container level deeper, failing if that exceeds [`Limits::max_depth`].
    #[inline]
    pub fn nested<T>(&mut self, f: impl FnOnce(&mut Self) -> Result<T, Error>) -> Result<T, Error> {
        if self.depth >= self.limits.max_depth {
            return Err(Error::new(
                ErrorKind::DepthOverLimit {
                    limit: self.limits.max_depth,
                },
                self.offset(),
            ));
        }
        self.depth += 1;
        let result = f(self);
        self.depth -= 1;
        result
    }
}

impl<'de> Decoder<&'de [u8]> {
    /// Takes the next `len` bytes as a slice of the input (for borrowed views).
    #[inline]
    pub(crate) fn take_slice(&mut self, len: usize) -> Result<&'de [u8], Error> {
        let input: &'de [u8] = self.buf;
        let Some((head, tail)) = input.split_at_checked(len) else {
            return Err(self.eof("bytes", len));
        };
        self.buf = tail;
        Ok(head)
    }
}
