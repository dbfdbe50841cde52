//! Raw snappy blocks (what `Snappy.compress` returns), decoded by the `snap` crate after the
//! checks that bound the memory reserved for them.

use super::SnappyError;

/// Decompresses one raw snappy block (what `Snappy.compress` returns), producing at most
/// `max_len` bytes.
///
/// ```
/// use zk_files::decompress_snappy_block;
/// // Length 10; the literal "a"; a copy-2 of 9 bytes from 1 back (tag 0b001000_10).
/// let block = [10, 0x00, b'a', 0x22, 0x01, 0x00];
/// assert_eq!(decompress_snappy_block(&block, 100)?, b"aaaaaaaaaa");
/// assert!(decompress_snappy_block(&block, 9).is_err());
/// # Ok::<(), zk_files::SnappyError>(())
/// ```
///
/// # Errors
///
/// When the declared length is not a valid varint, exceeds `max_len` or what the block can
/// encode, or the elements are malformed (truncated, a copy reaching before the block's
/// start, output longer or shorter than declared).
pub fn decompress_snappy_block(block: &[u8], max_len: u64) -> Result<Vec<u8>, SnappyError> {
    let mut out = Vec::new();
    decode_block_into(&mut out, block, 0, 0, max_len)?;
    Ok(out)
}

/// The uncompressed length a block declares (its leading varint).
pub(super) fn declared_len(block: &[u8], base: usize) -> Result<usize, SnappyError> {
    snap::raw::decompress_len(block).map_err(|e| {
        SnappyError::new(
            base,
            "the block's uncompressed length (a varint below 2^32)",
            e.to_string(),
        )
    })
}

/// Appends the decompression of `block` (found at offset `base` of the whole input) to `out`,
/// keeping `before` (bytes produced earlier and no longer in `out`) plus `out`'s length at
/// most `max_total`. Errors inside the block name the block's offset.
pub(super) fn decode_block_into(
    out: &mut Vec<u8>,
    block: &[u8],
    base: usize,
    before: u64,
    max_total: u64,
) -> Result<(), SnappyError> {
    let declared = declared_len(block, base)?;
    let so_far = before + out.len() as u64;
    if so_far.saturating_add(declared as u64) > max_total {
        return Err(SnappyError {
            over_limit: true,
            ..SnappyError::new(
                base,
                format!("at most {max_total} decompressed bytes in all"),
                format!("a block declaring {declared} bytes after {so_far} bytes"),
            )
        });
    }
    // Every element yields at most 64 bytes per 3 bytes of input (a 2-byte-offset copy of
    // 64): checked before the output is reserved.
    let body = block.len() as u64;
    if declared as u64 * 3 > body * 64 {
        return Err(SnappyError::new(
            base,
            format!(
                "an uncompressed length that a {body}-byte block can encode (at most {})",
                body * 64 / 3
            ),
            declared.to_string(),
        ));
    }
    let start = out.len();
    out.resize(start + declared, 0);
    if let Err(e) = snap::raw::Decoder::new().decompress(block, &mut out[start..]) {
        out.truncate(start);
        return Err(SnappyError::new(
            base,
            "a well-formed snappy block",
            e.to_string(),
        ));
    }
    Ok(())
}
