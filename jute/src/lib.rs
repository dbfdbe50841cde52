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
//! | `float`         | `f32`                         | 4, IEEE-754 big-endian; NaN written as `0x7fc00000` |
//! | `double`        | `f64`                         | 8, IEEE-754 big-endian; NaN as Java's canonical NaN |
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
//!   encoded size ([`Jute::MIN_ENCODED_LEN`], and at least one byte even for elements that
//!   may encode to nothing), so a 4-byte prefix cannot reserve gigabytes;
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
//!   (defaults to the Rust identifier; an empty name is refused).
//!
//! A field whose type is not a Jute type is one error, at the field (a view's field: one per
//! trait it misses, `Jute` to encode and `JuteView<'a>` to decode borrowed, named with the
//! view's own lifetime).
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
mod length_hint;
mod put;
mod string;
mod utf8_bytes;
mod view;

pub use bytes;
pub use chunks::{Chunks, SHARE_MIN_LEN};
pub use decoder::{Decoder, Limits, DEFAULT_MAX_BUFFER};
pub use error::{Error, ErrorKind, PathSegment};
pub use utf8_bytes::Utf8Bytes;
pub use view::{view, JuteView, NullableView};

#[cfg(feature = "derive")]
pub use jute_derive::Jute;

mod api;
mod traits;

pub use api::{from_buf_with_limits, from_bytes, from_slice, to_chunks, to_vec};
pub use traits::{Jute, Nullable};

/// Support for code generated by `#[derive(Jute)]`. Not public API.
#[doc(hidden)]
pub mod __private;

/// The crate README's Rust examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
