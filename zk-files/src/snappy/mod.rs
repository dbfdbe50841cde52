//! Snappy decompression: xerial snappy-java's stream framing (`SnappyOutputStream`, which
//! ZooKeeper's `SnapStream` uses for `zookeeper.snapshot.compression.method=snappy`),
//! hand-written here, around raw snappy blocks decoded by the `snap` crate.
//!
//! Stream (big-endian ints): a 16-byte header, the magic `\x82SNAPPY\0` then the format
//! `version` and the oldest reader version able to read it (`compatibleVersion`, both 1 in
//! every snappy-java release); then chunks, each an `int` compressed length and that many
//! bytes of one raw block. A chunk length equal to the magic's first four bytes starts a
//! further header (streams concatenated). Each block decompresses on its own: a varint
//! uncompressed length, then literal and copy elements.
//!
//! Hostile input is bounded: a chunk's length and a block's declared length are checked
//! against the caller's limit on the total output, against the most the block's compressed
//! bytes can encode (64 bytes per 3-byte copy) and, in a stream, against a per-block cap,
//! before anything is reserved. Errors name the byte offset in the compressed input: of the
//! header field or chunk length at fault, or of the block whose elements are malformed.

mod block;
mod stream;
#[cfg(test)]
mod tests;

use std::fmt;

pub use block::decompress_snappy_block;
pub use stream::decompress_snappy_stream;
pub(crate) use stream::SnappyJavaReader;

/// The magic that starts a snappy-java stream (and every stream concatenated to it).
pub const SNAPPY_JAVA_MAGIC: &[u8; 8] = b"\x82SNAPPY\x00";

/// Why snappy data cannot be decompressed: where, and what was expected there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnappyError {
    offset: usize,
    expected: String,
    found: String,
    over_limit: bool,
}

impl SnappyError {
    pub(crate) fn new(
        offset: usize,
        expected: impl Into<String>,
        found: impl Into<String>,
    ) -> Self {
        Self {
            offset,
            expected: expected.into(),
            found: found.into(),
            over_limit: false,
        }
    }

    /// Whether the data may be intact but decompresses to more than the caller's limit.
    pub fn exceeds_limit(&self) -> bool {
        self.over_limit
    }

    /// Byte offset in the compressed input where the problem is.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// What the decoder expected there.
    pub fn expected(&self) -> &str {
        &self.expected
    }

    /// What it found instead.
    pub fn found(&self) -> &str {
        &self.found
    }
}

impl fmt::Display for SnappyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "at byte {}: expected {}, found {}",
            self.offset, self.expected, self.found
        )
    }
}

impl std::error::Error for SnappyError {}

pub(crate) fn hex_bytes(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}
