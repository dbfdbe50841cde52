//! Jute values driven by a schema at run time: what `protoc --decode` is to protobuf.
//!
//! Compiled records (`#[derive(jute::Jute)]`, the `zk-records` crate) know their types at
//! build time. This crate works from a [`jute_parser::Schema`] loaded at run time instead:
//!
//! - [`Value`] is a dynamic value (one variant per Jute type, records as named fields);
//! - [`decode`] reads one record through [`jute::Decoder`], so hostile input is bounded by
//!   [`jute::Limits`] exactly as for compiled records, and errors are [`jute::Error`]s with
//!   field paths and byte offsets;
//! - [`encode`] writes a [`Value`], checking it against the schema ([`EncodeError`] names the
//!   field path);
//! - [`Value`] implements `serde::Serialize` ([`Value::to_json`] is it through serde_json),
//!   and [`from_json`] converts back (mapping in [`json`]);
//! - [`find_record`] resolves `Stat`, `data.Stat` or `org.apache.zookeeper.data.Stat`.
//!
//! Nothing here is specific to ZooKeeper; its data files are read by the `zk-files` crate, on
//! the compiled `zk-records`.
//!
//! ```
//! use jute::Decoder;
//!
//! let schema = jute_parser::parse_str(
//!     "zk.jute",
//!     "module org.apache.zookeeper.data {
//!          class Id { ustring scheme; ustring id; }
//!          class ACL { int perms; Id id; }
//!      }",
//! )?;
//! let record = jute_value::find_record(&schema, "ACL")?.qualified_name();
//!
//! let bytes = hex::decode("0000001f00000005776f726c6400000006616e796f6e65")?;
//! let value = jute_value::decode(&schema, &record, &mut Decoder::new(&bytes[..]))?;
//! assert_eq!(value.to_json(), r#"{"perms":31,"id":{"scheme":"world","id":"anyone"}}"#);
//!
//! let json = serde_json::from_str(r#"{"perms":31,"id":{"scheme":"world","id":"anyone"}}"#)?;
//! let again = jute_value::from_json(&schema, &record, &json)?;
//! assert_eq!(jute_value::encode_to_vec(&schema, &record, &again)?, bytes);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Decoding errors read like those of compiled records:
//!
//! ```
//! # let schema = jute_parser::parse_str("c.jute", "module m { class ConnectResponse { int protocolVersion; int timeOut; long sessionId; buffer passwd; } }")?;
//! let mut bytes = vec![0u8; 16];
//! bytes.extend_from_slice(&300i32.to_be_bytes());
//! let err = jute_value::decode(&schema, "m.ConnectResponse", &mut jute::Decoder::new(&bytes[..])).unwrap_err();
//! assert_eq!(
//!     err.to_string(),
//!     "ConnectResponse.passwd: at byte 16: expected a buffer length that fits the input, found 300 (needs at least 300 bytes, 0 left)"
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used))]

mod decode;
mod encode;
mod error;
pub mod json;
mod lookup;
mod options;
mod value;

pub use decode::{decode, decode_type, decode_with, min_encoded_len, MAX_RECORD_DEPTH};
pub use encode::{encode, encode_to_vec, encode_to_vec_with, encode_type, encode_with};
pub use error::{EncodeError, EncodeErrorKind};
pub use json::{from_json, from_json_type, from_json_with};
pub use lookup::{find_record, LookupError};
pub use options::{Options, ZOOKEEPER_TRAILING_FIELDS};
pub use value::{RecordValue, Value};

/// The crate README's Rust examples, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
