//! Apache Jute's binary encoding, byte for byte what ZooKeeper's `BinaryOutputArchive` writes
//! and `BinaryInputArchive` accepts, and safe against hostile input.
//!
//! A record is any type implementing [`Jute`]; `#[derive(Jute)]` writes the implementation for
//! a struct with named fields, encoding the fields in declaration order with no header:
//!
//! ```
//! use jute::Jute;
//!
//! #[derive(Jute, Debug, PartialEq)]
//! struct Id {
//!     scheme: String,
//!     id: String,
//! }
//!
//! let id = Id { scheme: "world".into(), id: "anyone".into() };
//! let bytes = jute::to_vec(&id);
//! assert_eq!(&bytes[..9], b"\0\0\0\x05world");
//! assert_eq!(jute::from_slice::<Id>(&bytes)?, id);
//! # Ok::<(), jute::Error>(())
//! ```
//!
//! # Type mapping
//!
//! | Jute            | Rust                          | Bytes on the wire                                   |
//! |-----------------|-------------------------------|-----------------------------------------------------|
//! | `byte`          | `i8`                          | 1                                                   |
//! | `boolean`       | `bool`                        | 1: writes 0/1, reads any non-zero byte as `true`    |
//! | `int`           | `i32`                         | 4, big-endian                                       |
//! | `long`          | `i64`                         | 8, big-endian                                       |
//! | `float`         | `f32`                         | 4, IEEE-754 big-endian                              |
//! | `double`        | `f64`                         | 8, IEEE-754 big-endian                              |
//! | `ustring`       | `String`, [`Utf8Bytes`], `Cow<str>` | `int` length + UTF-8 (see below); -1 = null   |
//! | `buffer`        | `Vec<u8>`, [`bytes::Bytes`], `Cow<[u8]>` | `int` length + bytes; -1 = null        |
//! | `vector<T>`     | `Vec<T>`                      | `int` count + elements; -1 = null                   |
//! | `map<K,V>`      | `BTreeMap<K, V>`              | `int` count + key, value pairs, in key order        |
//! | record          | the struct                    | the fields in order, no header                      |
//!
//! **Null.** `Option<T>` of a string, buffer, vector or map represents null (length -1) and
//! round-trips it. A plain (non-`Option`) field reads -1 as empty and always writes a length,
//! so null becomes empty on a round trip: use `Option` where the difference matters.
//!
//! **Text.** Java's `BinaryOutputArchive` writes characters outside the Basic Multilingual Plane
//! as two 3-byte surrogate encodings (CESU-8), but its `BinaryInputArchive` reads only standard
//! UTF-8 (CESU-8 surrogates become U+FFFD). [`Jute`] for `String` therefore writes standard UTF-8,
//! the one form a Java peer reads back correctly, and reads both forms, so every character
//! survives a trip through a Java server. This is the one place where our bytes deliberately
//! differ from Java's writer (only for non-BMP characters). A lone surrogate, which a Rust
//! string cannot hold, is an error.
//!
//! **Maps.** Java writes a `TreeMap` in key order; `BTreeMap` does the same for keys whose Rust
//! order matches Java's (numbers, ASCII strings). A repeated key on input keeps the last value,
//! as in Java.
//!
//! **Chunks.** [`Jute::encode_chunks`] / [`to_chunks`] write the same bytes as `encode`, but
//! keep `Bytes`/`Utf8Bytes` values of [`SHARE_MIN_LEN`] bytes or more as shared chunks for a
//! vectored write, so large payloads are never copied.
//!
//! **Views.** [`view`] decodes from a byte slice without copying text or buffers: a record with
//! a lifetime parameter whose fields are `Cow<'a, str>` / `Cow<'a, [u8]>` (see [`JuteView`])
//! borrows them from the input, so decoding allocates only for vectors and maps.
//!
//! **Bytes.** Decoding from a [`bytes::Bytes`] input (see [`from_bytes`]) gives `Bytes` and
//! [`Utf8Bytes`] fields that share the input's allocation instead of copying it: no allocation
//! per buffer or string (text in Java's CESU-8 form is converted, so it is copied).
//!
//! **Fixed-size records.** A derived record whose fields are all fixed-size primitives
//! (ZooKeeper's `Stat`, `ReplyHeader`, ...) encodes through one stack array and decodes with
//! one bounds check; an input that is exactly one such record decodes without a [`Decoder`]
//! at all ([`Jute::decode_exact`], tried first by [`from_slice`], [`from_bytes`] and [`view`]).
//!
//! # Hostile input
//!
//! Decoding is as permissive as Apache's `BinaryInputArchive` where that is safe (a boolean
//! byte other than 0 is `true`), and stricter where Java is sloppy but the input is nonsense:
//!
//! - a length or count below -1 is an error (Java reads a negative vector count as empty);
//! - a string or buffer length above [`Limits::max_len`] (Java's `jute.maxbuffer` plus its extra
//!   allowance) or above the bytes that remain is an error, checked *before* allocating;
//! - a vector or map count is checked against the remaining bytes using each element's minimum
//!   encoded size ([`Jute::MIN_ENCODED_LEN`]), so a 4-byte prefix cannot reserve gigabytes;
//! - containers nest at most [`Limits::max_depth`] deep, so input cannot exhaust the stack.
//!
//! Every error names the field path, byte offset, what was expected and what was found:
//!
//! ```
//! # use jute::Jute;
//! #[derive(Jute, Debug)]
//! struct ConnectResponse { protocolVersion: i32, timeOut: i32, sessionId: i64, passwd: Vec<u8> }
//!
//! let mut bytes = vec![0u8; 16];
//! bytes.extend_from_slice(&300i32.to_be_bytes());
//! let err = jute::from_slice::<ConnectResponse>(&bytes).unwrap_err();
//! assert_eq!(
//!     err.to_string(),
//!     "ConnectResponse.passwd: at byte 16: expected a buffer length that fits the input, \
//!      found 300 (needs at least 300 bytes, 0 left)"
//! );
//! ```
//!
//! # The derive
//!
//! `#[derive(Jute)]` (feature `derive`, on by default) supports these attributes:
//!
//! - `#[jute(name = "lastZxidSeen")]` on a field or struct: the name used in error paths
//!   (defaults to the Rust identifier).
//! - `#[jute(trailing)]` on a final `Option<T>` field: a field that may be absent at the end of
//!   the input, like `readOnly` of ZooKeeper's `ConnectRequest`. It decodes as `None` when the
//!   input has ended and is not written when `None`. Only trailing fields may follow it.
//! - `#[jute(crate = "path::to::jute")]` on the struct: where to find this crate when it was
//!   renamed or re-exported.
#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used))]

mod chunks;
mod decoder;
mod error;
pub mod frame;
mod impls;
mod put;
mod string;
mod utf8_bytes;
mod view;

pub use bytes;
pub use chunks::{to_chunks, Chunks, SHARE_MIN_LEN};
pub use decoder::{Decoder, Limits, DEFAULT_MAX_BUFFER};
pub use error::{Error, ErrorKind, PathSegment};
pub use utf8_bytes::Utf8Bytes;
pub use view::{view, JuteView, NullableView};

#[cfg(feature = "derive")]
pub use jute_derive::Jute;

use bytes::{Buf, BufMut, Bytes};

/// A Jute record (or field type): encodes into any [`BufMut`], decodes from any [`Buf`].
///
/// Implement it with `#[derive(Jute)]`, or by hand for records whose layout depends on their
/// contents (as ZooKeeper does for its multi-operation records):
///
/// ```
/// use jute::{bytes::{Buf, BufMut}, Decoder, Error, Jute};
///
/// /// A record whose body depends on a tag.
/// enum Shape { Circle(f64), Square(i32) }
///
/// impl Jute for Shape {
///     const MIN_ENCODED_LEN: usize = 5;
///     fn encode<B: BufMut + ?Sized>(&self, buf: &mut B) {
///         match self {
///             Shape::Circle(r) => { 1i8.encode(buf); r.encode(buf) }
///             Shape::Square(s) => { 2i8.encode(buf); s.encode(buf) }
///         }
///     }
///     fn encoded_len(&self) -> usize {
///         1 + match self { Shape::Circle(_) => 8, Shape::Square(_) => 4 }
///     }
///     fn decode<B: Buf>(d: &mut Decoder<B>) -> Result<Self, Error> {
///         let at = d.offset();
///         match i8::decode(d)? {
///             1 => Ok(Shape::Circle(f64::decode(d)?)),
///             2 => Ok(Shape::Square(i32::decode(d)?)),
///             tag => Err(Error::invalid("shape tag 1 or 2", tag.to_string(), at)),
///         }
///     }
/// }
///
/// let bytes = jute::to_vec(&Shape::Square(7));
/// assert!(matches!(jute::from_slice(&bytes)?, Shape::Square(7)));
/// # Ok::<(), Error>(())
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a Jute type",
    label = "no Jute encoding for `{Self}`",
    note = "Jute types are i8, bool, i32, i64, f32, f64, String, Vec<u8>, bytes::Bytes, Vec<T>, \
            BTreeMap<K, V>, Option of a string/buffer/vector/map, and records that derive `Jute`"
)]
pub trait Jute: Sized {
    /// The fewest bytes any value of this type encodes to. Used to bound vector and map counts
    /// by the input that remains; it must never exceed a real encoding's length (0 is always
    /// safe).
    const MIN_ENCODED_LEN: usize = 0;

    /// Writes the value. Infallible: the buffer grows or the caller sized it with
    /// [`Jute::encoded_len`].
    fn encode<B: BufMut + ?Sized>(&self, buf: &mut B);

    /// The exact number of bytes [`Jute::encode`] writes.
    fn encoded_len(&self) -> usize;

    /// Writes the same bytes as [`Jute::encode`] into [`Chunks`], except that `Bytes` and
    /// `Utf8Bytes` values of at least [`SHARE_MIN_LEN`] bytes become chunks of their own,
    /// shared rather than copied (for a vectored write). Records and containers forward to
    /// their fields; everything else writes into [`Chunks::buf`].
    #[inline]
    fn encode_chunks(&self, out: &mut Chunks) {
        self.encode(out.buf());
    }

    /// Reads one value.
    fn decode<B: Buf>(d: &mut Decoder<B>) -> Result<Self, Error>;

    /// Decodes `bytes` in one step when the type has a fixed size (a record whose fields are
    /// all fixed-size primitives, such as `Stat`) and `bytes` are exactly one value; `None`
    /// otherwise, for the caller to decode through a [`Decoder`] (which reports why the bytes
    /// do not fit). [`from_slice`], [`from_bytes`] and [`from_buf_with_limits`] try it first.
    /// `#[derive(Jute)]` implements it for fixed-size records; the default returns `None`.
    ///
    /// Contract for an implementation: `Some(v)` only when decoding `bytes` with
    /// [`Jute::decode`] would consume all of them and give the same `v`.
    #[inline(always)]
    fn decode_exact(bytes: &[u8]) -> Option<Self> {
        let _ = bytes;
        None
    }
}

/// A length-prefixed type that has a null form (-1): `ustring`, `buffer`, `vector`, `map`.
///
/// `Option<T>` of such a type represents null; a plain `T` reads null as empty.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no null form, so `Option<{Self}>` is not a Jute type",
    label = "only ustring, buffer, vector and map can be null",
    note = "for a field that may be missing at the end of a record, use `#[jute(trailing)]`"
)]
pub trait Nullable: Jute + Default {
    /// Reads the length or count prefix; `None` is the null marker.
    fn read_prefix<B: Buf>(d: &mut Decoder<B>) -> Result<Option<usize>, Error>;

    /// Reads the body after a non-null prefix of `len`.
    fn decode_body<B: Buf>(d: &mut Decoder<B>, len: usize) -> Result<Self, Error>;
}

/// Encodes `value` into a new, exactly sized `Vec<u8>`.
pub fn to_vec<T: Jute>(value: &T) -> Vec<u8> {
    let mut out = Vec::with_capacity(value.encoded_len());
    value.encode(&mut out);
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

/// Support for code generated by `#[derive(Jute)]`. Not public API.
#[doc(hidden)]
pub mod __private {
    use super::{Buf, BufMut, Decoder, Error, Jute};

    /// Decodes a field that may be absent at the end of the input.
    #[inline]
    pub fn decode_trailing<T: Jute, B: Buf>(d: &mut Decoder<B>) -> Result<Option<T>, Error> {
        if d.remaining() == 0 {
            Ok(None)
        } else {
            T::decode(d).map(Some)
        }
    }

    /// Decodes a view field that may be absent at the end of the input.
    #[inline]
    pub fn decode_trailing_view<'de, T: crate::JuteView<'de>>(
        d: &mut Decoder<&'de [u8]>,
    ) -> Result<Option<T>, Error> {
        if d.remaining() == 0 {
            Ok(None)
        } else {
            T::decode_view(d).map(Some)
        }
    }

    /// Encodes a field that may be absent at the end of the input.
    #[inline]
    pub fn encode_trailing<T: Jute, B: BufMut + ?Sized>(value: &Option<T>, buf: &mut B) {
        if let Some(v) = value {
            v.encode(buf);
        }
    }

    /// Appends a fixed-size byte array (a derived fixed-size record's encoding).
    #[inline(always)]
    pub fn put_array<B: BufMut + ?Sized, const N: usize>(buf: &mut B, bytes: [u8; N]) {
        crate::put::put_array(buf, bytes)
    }

    /// Takes the next `N` bytes if the input's current chunk holds them all; otherwise takes
    /// nothing and the caller decodes field by field (which reports any error).
    #[inline(always)]
    pub fn take_array<const N: usize, B: Buf>(d: &mut Decoder<B>) -> Option<[u8; N]> {
        d.take_array()
    }

    /// A fixed-size primitive, written and read at a constant offset of a record's byte array
    /// (derived records whose fields are all fixed-size). `bytes` is always `LEN` long.
    #[diagnostic::on_unimplemented(
        message = "`{Self}` is named like a Jute primitive but is not one",
        note = "#[derive(Jute)] reads fields typed `i8`, `bool`, `i32`, `i64`, `f32` or `f64` as the primitives"
    )]
    pub trait Fixed: Sized {
        /// Encoded size.
        const LEN: usize;
        /// Writes the big-endian encoding into `bytes`.
        fn write(&self, bytes: &mut [u8]);
        /// Reads the big-endian encoding from `bytes`.
        fn read(bytes: &[u8]) -> Self;
    }

    macro_rules! fixed {
        ($($ty:ty),*) => {$(
            impl Fixed for $ty {
                const LEN: usize = ::core::mem::size_of::<$ty>();
                #[inline(always)]
                fn write(&self, bytes: &mut [u8]) {
                    bytes.copy_from_slice(&self.to_be_bytes());
                }
                #[inline(always)]
                fn read(bytes: &[u8]) -> Self {
                    <$ty>::from_be_bytes(bytes.try_into().unwrap_or_default())
                }
            }
        )*};
    }
    fixed!(i8, i32, i64, f32, f64);

    impl Fixed for bool {
        const LEN: usize = 1;
        #[inline(always)]
        fn write(&self, bytes: &mut [u8]) {
            bytes.copy_from_slice(&[u8::from(*self)]);
        }
        /// Like Java, any non-zero byte is `true`.
        #[inline(always)]
        fn read(bytes: &[u8]) -> Self {
            bytes.first().is_some_and(|b| *b != 0)
        }
    }

    /// Encoded length of a field that may be absent at the end of the input.
    #[inline]
    pub fn trailing_len<T: Jute>(value: &Option<T>) -> usize {
        value.as_ref().map_or(0, Jute::encoded_len)
    }
}

/// The crate README's Rust examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
