//! Raw snappy blocks (what `Snappy.compress` returns): the block half of the format described
//! in the parent module.

use super::SnappyError;

/// Decompresses one raw snappy block (what `Snappy.compress` returns), producing at most
/// `max_len` bytes.
///
/// ```
/// use jute_value::zk::decompress_snappy_block;
/// // Length 10; the literal "a"; a copy-2 of 9 bytes from 1 back (tag 0b001000_10).
/// let block = [10, 0x00, b'a', 0x22, 0x01, 0x00];
/// assert_eq!(decompress_snappy_block(&block, 100)?, b"aaaaaaaaaa");
/// assert!(decompress_snappy_block(&block, 9).is_err());
/// # Ok::<(), jute_value::zk::SnappyError>(())
/// ```
///
/// # Errors
///
/// When the declared length is not a valid varint, exceeds `max_len` or what the block can
/// encode; when an element is truncated, a copy's offset is 0 or reaches before the block,
/// an element goes past the declared length, or the elements end short of it.
pub fn decompress_snappy_block(block: &[u8], max_len: u64) -> Result<Vec<u8>, SnappyError> {
    let mut out = Vec::new();
    decode_block_into(&mut out, block, 0, 0, max_len)?;
    Ok(out)
}

/// Most bytes reserved ahead of writing them; beyond this the output grows as written.
const RESERVE_AHEAD: usize = 1 << 20;

/// Appends the decompression of `block` (found at offset `base` of the whole input) to `out`,
/// keeping `before` (bytes produced earlier and no longer in `out`) plus `out`'s length at
/// most `max_total`.
pub(super) fn decode_block_into(
    out: &mut Vec<u8>,
    block: &[u8],
    base: usize,
    before: u64,
    max_total: u64,
) -> Result<(), SnappyError> {
    let (declared, varint_len) = read_varint(block, base)?;
    let body = block.len() - varint_len;
    let so_far = before + out.len() as u64;
    if so_far.saturating_add(u64::from(declared)) > max_total {
        return Err(SnappyError {
            over_limit: true,
            ..SnappyError::new(
                base,
                format!("at most {max_total} decompressed bytes in all"),
                format!("a block declaring {declared} bytes after {so_far} bytes"),
            )
        });
    }
    // Every element yields at most 64 bytes per 3 bytes of input (a 2-byte-offset copy of 64).
    if u64::from(declared) * 3 > body as u64 * 64 {
        return Err(SnappyError::new(
            base,
            format!(
                "an uncompressed length that {body} bytes of elements can encode (at most {})",
                body as u64 * 64 / 3
            ),
            declared.to_string(),
        ));
    }
    // Fits in usize: at most 64/3 times the length of a slice.
    let declared = declared as usize;
    out.reserve(declared.min(RESERVE_AHEAD));
    let start = out.len();
    let end = start + declared;
    let mut i = varint_len;
    while i < block.len() {
        let at = base + i;
        let tag = block[i];
        i += 1;
        let room = end - out.len();
        match tag & 3 {
            0 => {
                // u64: four length bytes hold up to 2^32 - 1, plus one.
                let mut len = u64::from(tag >> 2) + 1;
                if len > 60 {
                    let n = (len - 60) as usize;
                    let Some(bytes) = block.get(i..i + n) else {
                        return Err(SnappyError::new(
                            at,
                            format!("a literal tag and {n} length bytes ({} bytes)", n + 1),
                            format!("only {} bytes before the block's end", block.len() - i + 1),
                        ));
                    };
                    len = bytes
                        .iter()
                        .rev()
                        .fold(0u64, |acc, &b| (acc << 8) | u64::from(b))
                        + 1;
                    i += n;
                }
                if len > room as u64 {
                    return Err(SnappyError::new(
                        at,
                        format!("at most {room} more bytes (the block's declared length)"),
                        format!("a literal of {len} bytes"),
                    ));
                }
                // At most `room` now, so it fits in usize.
                let len = len as usize;
                let Some(bytes) = block.get(i..i + len) else {
                    return Err(SnappyError::new(
                        at,
                        format!("a literal of {len} bytes"),
                        format!("only {} bytes before the block's end", block.len() - i),
                    ));
                };
                out.extend_from_slice(bytes);
                i += len;
            }
            kind => {
                let (len, offset_len) = match kind {
                    1 => (usize::from((tag >> 2) & 7) + 4, 1),
                    2 => (usize::from(tag >> 2) + 1, 2),
                    _ => (usize::from(tag >> 2) + 1, 4),
                };
                let Some(bytes) = block.get(i..i + offset_len) else {
                    return Err(SnappyError::new(
                        at,
                        format!(
                            "a copy tag and {offset_len} offset bytes ({} bytes)",
                            offset_len + 1
                        ),
                        format!("only {} bytes before the block's end", block.len() - i + 1),
                    ));
                };
                i += offset_len;
                let mut offset = bytes
                    .iter()
                    .rev()
                    .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
                if kind == 1 {
                    offset |= usize::from(tag >> 5) << 8;
                }
                let decoded = out.len() - start;
                if offset == 0 {
                    return Err(SnappyError::new(
                        at,
                        "a copy offset of at least 1",
                        "offset 0",
                    ));
                }
                if offset > decoded {
                    return Err(SnappyError::new(
                        at,
                        format!(
                            "a copy offset within the {decoded} bytes decoded so far in the block"
                        ),
                        format!("offset {offset}"),
                    ));
                }
                if len > room {
                    return Err(SnappyError::new(
                        at,
                        format!("at most {room} more bytes (the block's declared length)"),
                        format!("a copy of {len} bytes"),
                    ));
                }
                copy_within(out, offset, len);
            }
        }
    }
    if out.len() < end {
        return Err(SnappyError::new(
            base + block.len(),
            format!("{declared} bytes (the block's declared length)"),
            format!("the block's end after {} bytes", out.len() - start),
        ));
    }
    Ok(())
}

/// Appends `len` bytes copied from `offset` bytes back (`1 <= offset <= out.len()`); the
/// source may overlap what is appended, which then repeats with period `offset`.
fn copy_within(out: &mut Vec<u8>, offset: usize, len: usize) {
    let from = out.len() - offset;
    let mut left = len;
    while left > 0 {
        // Everything from `from` to the end is valid source; the window doubles each round.
        let n = left.min(out.len() - from);
        out.extend_from_within(from..from + n);
        left -= n;
    }
}

/// Reads the block's uncompressed length; returns it and how many bytes it took.
fn read_varint(block: &[u8], base: usize) -> Result<(u32, usize), SnappyError> {
    let mut value = 0u64;
    for (i, &b) in block.iter().enumerate().take(5) {
        value |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return u32::try_from(value).map(|v| (v, i + 1)).map_err(|_| {
                SnappyError::new(base, "an uncompressed length below 2^32", value.to_string())
            });
        }
    }
    if block.len() >= 5 {
        Err(SnappyError::new(
            base,
            "an uncompressed length (a varint of at most 5 bytes)",
            "a longer varint",
        ))
    } else {
        Err(SnappyError::new(
            base + block.len(),
            "the block's uncompressed length (a varint)",
            if block.is_empty() {
                "an empty block".to_string()
            } else {
                "the block's end inside it".to_string()
            },
        ))
    }
}
