//! Whole-buffer decompression of snapshot files (the reader itself streams, see
//! `source.rs`): for callers that want the uncompressed bytes.

use std::borrow::Cow;

use super::{Compression, DEFAULT_MAX_DECOMPRESSED};
use crate::error::ZkFileError;
use crate::snappy::{decompress_snappy_stream, SNAPPY_JAVA_MAGIC};

/// Decompresses a snapshot file if needed, by its leading bytes (not its name), to at most
/// [`DEFAULT_MAX_DECOMPRESSED`] bytes.
///
/// # Errors
///
/// As [`decompress_with_limit`].
pub fn decompress(raw: &[u8]) -> Result<(Cow<'_, [u8]>, Compression), ZkFileError> {
    decompress_with_limit(raw, DEFAULT_MAX_DECOMPRESSED)
}

/// Decompresses a snapshot file if needed, by its leading bytes (not its name): gzip
/// (`1f 8b`) or a snappy-java stream (`\x82SNAPPY\0`); anything else is returned as is. At
/// most `max_len` bytes are produced; the limit is checked before memory is reserved.
///
/// # Errors
///
/// For gzip without the `gzip` feature, corrupt compressed data (for snappy, with the byte
/// offset in the file and what was expected there), or output beyond `max_len`.
pub fn decompress_with_limit(
    raw: &[u8],
    max_len: u64,
) -> Result<(Cow<'_, [u8]>, Compression), ZkFileError> {
    if raw.starts_with(&[0x1f, 0x8b]) {
        return gunzip(raw, max_len).map(|b| (Cow::Owned(b), Compression::Gzip));
    }
    if raw.starts_with(SNAPPY_JAVA_MAGIC) {
        return decompress_snappy_stream(raw, max_len)
            .map(|b| (Cow::Owned(b), Compression::Snappy))
            .map_err(ZkFileError::Snappy);
    }
    Ok((Cow::Borrowed(raw), Compression::None))
}

#[cfg(feature = "gzip")]
fn gunzip(raw: &[u8], max_len: u64) -> Result<Vec<u8>, ZkFileError> {
    use std::io::Read as _;
    let mut out = Vec::new();
    // One byte past the limit tells a stream at the limit from one beyond it.
    flate2::read::MultiGzDecoder::new(raw)
        .take(max_len.saturating_add(1))
        .read_to_end(&mut out)
        .map_err(ZkFileError::Decompress)?;
    if out.len() as u64 > max_len {
        return Err(ZkFileError::TooLarge { limit: max_len });
    }
    Ok(out)
}

#[cfg(not(feature = "gzip"))]
fn gunzip(_raw: &[u8], _max_len: u64) -> Result<Vec<u8>, ZkFileError> {
    Err(ZkFileError::Unsupported(
        "gzip-compressed snapshot, but jute-value was built without its `gzip` feature".into(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decompress_detects_the_format_and_applies_the_limit() {
        let plain = b"ZKSN\0\0\0\x02";
        let (out, c) = decompress(plain).unwrap();
        assert!(matches!(out, Cow::Borrowed(_)) && c == Compression::None);

        // A snappy-java stream holding "hello".
        let snappy = b"\x82SNAPPY\0\0\0\0\x01\0\0\0\x01\0\0\0\x07\x05\x10hello";
        let (out, c) = decompress_with_limit(snappy, 5).unwrap();
        assert_eq!((&out[..], c), (&b"hello"[..], Compression::Snappy));
        match decompress_with_limit(snappy, 4) {
            Err(ZkFileError::Snappy(e)) => assert!(e.exceeds_limit(), "{e}"),
            other => panic!("{other:?}"),
        }
        let e = decompress(&snappy[..21]).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("cannot decompress snappy data: at byte 20: expected a chunk"),
            "{e}"
        );
    }

    #[cfg(feature = "gzip")]
    #[test]
    fn gzip_output_is_bounded() {
        use std::io::Write as _;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(&[0u8; 1000]).unwrap();
        let gz = gz.finish().unwrap();
        let (out, c) = decompress_with_limit(&gz, 1000).unwrap();
        assert_eq!((out.len(), c), (1000, Compression::Gzip));
        assert!(matches!(
            decompress_with_limit(&gz, 999),
            Err(ZkFileError::TooLarge { limit: 999 })
        ));
    }
}
