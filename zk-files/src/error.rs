//! [`ZkFileError`]: why a ZooKeeper data file cannot be read at all.

/// A file that cannot be read at all (problems with single entries are reported as items
/// by the readers, which go on reading).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ZkFileError {
    /// The file header could not be decoded.
    #[error("cannot read the file header: {0}")]
    Header(#[source] jute::Error),
    /// The magic number is not the one of this kind of file.
    #[error(
        "not a ZooKeeper {kind}: magic is {found:?} ({found_hex:#010x}), expected {expected:?}"
    )]
    BadMagic {
        /// `transaction log` or `snapshot`.
        kind: &'static str,
        /// The magic as text (non-ASCII bytes as `?`).
        found: String,
        /// The magic as a number.
        found_hex: u32,
        /// The expected magic, `ZKLG` or `ZKSN`.
        expected: &'static str,
    },
    /// The file is compressed in a format this build cannot read.
    #[error("{0}")]
    Unsupported(String),
    /// Decompression failed.
    #[error("cannot decompress: {0}")]
    Decompress(#[source] std::io::Error),
    /// Snappy decompression failed (the error names the byte offset in the file).
    #[error("cannot decompress snappy data: {0}")]
    Snappy(#[source] crate::snappy::SnappyError),
    /// gzip decompression failed.
    #[error("cannot decompress gzip data (compressed input read up to byte {offset}): {source}")]
    Gzip {
        /// Bytes of the compressed file the decoder had consumed.
        offset: u64,
        /// The decoder's error.
        #[source]
        source: std::io::Error,
    },
    /// The file could not be read.
    #[error("cannot read the file: {0}")]
    Read(#[source] std::io::Error),
    /// The decompressed file would be larger than the limit.
    #[error("the decompressed file is larger than the limit of {limit} bytes")]
    TooLarge {
        /// The limit, in bytes.
        limit: u64,
    },
}

/// A reader limit that an intact file can reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitReached {
    /// A string or buffer longer than [`jute::Limits::max_len`] (a server run with a larger
    /// `jute.maxbuffer`), or a snapshot item larger than the reader buffers for that limit.
    ItemLength,
    /// More decompressed bytes than the snapshot reader's decompressed-size limit.
    DecompressedSize,
}

/// Checks `magic` (the FileHeader's first int) against `expected`.
pub(crate) fn check_magic(
    kind: &'static str,
    magic: i32,
    expected: &'static str,
) -> Result<(), ZkFileError> {
    let bytes = magic.to_be_bytes();
    if bytes == expected.as_bytes() {
        return Ok(());
    }
    Err(ZkFileError::BadMagic {
        kind,
        found: bytes
            .iter()
            .map(|&b| {
                if b.is_ascii_graphic() {
                    char::from(b)
                } else {
                    '?'
                }
            })
            .collect(),
        found_hex: u32::from_be_bytes(bytes),
        expected,
    })
}
