//! Snappy decompression, hand-written: the raw block format of Google's snappy and the
//! stream framing of xerial snappy-java's `SnappyOutputStream`, which ZooKeeper's
//! `SnapStream` uses for `zookeeper.snapshot.compression.method=snappy`.
//!
//! Stream (big-endian ints): a 16-byte header, the magic `\x82SNAPPY\0` then the format
//! `version` and the oldest reader version able to read it (`compatibleVersion`, both 1 in
//! every snappy-java release); then chunks, each an `int` compressed length and that many
//! bytes of one raw block. A chunk length equal to the magic's first four bytes starts a
//! further header (streams concatenated). Each block decompresses on its own.
//!
//! Block: the uncompressed length as a little-endian base-128 varint (at most 32 bits), then
//! elements, each starting with a tag byte whose low two bits give the kind:
//! `00` literal (length - 1 in the upper six bits, or values 60..=63 there meaning 1..=4
//! little-endian length bytes follow), `01` copy with an 11-bit offset (length 4..=11),
//! `10` copy with a 2-byte offset and `11` copy with a 4-byte offset (length 1..=64, from the
//! upper six bits). A copy repeats bytes already decoded in the same block, `offset` bytes
//! back; it may overlap what it writes (offset 1, length 10 repeats one byte ten times).
//!
//! Hostile input is bounded: a block's declared length is checked against the caller's limit
//! on the total output and against the most its compressed bytes can encode (64 bytes per
//! 3-byte copy) before anything is reserved, the output then grows as it is written, and every
//! element is checked (offsets of 0 or before the block's start, copies or literals past the
//! declared length, truncation). Errors name the byte offset in the compressed input.

use std::fmt;

/// The magic that starts a snappy-java stream (and every stream concatenated to it).
pub const SNAPPY_JAVA_MAGIC: &[u8; 8] = b"\x82SNAPPY\x00";

/// Length of a snappy-java stream header: the magic, then `version` and
/// `compatibleVersion`.
const HEADER_LEN: usize = 16;

/// The snappy-java stream format version this reader implements.
const STREAM_VERSION: i32 = 1;

/// Why snappy data cannot be decompressed: where, and what was expected there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnappyError {
    offset: usize,
    expected: String,
    found: String,
    over_limit: bool,
}

impl SnappyError {
    fn new(offset: usize, expected: impl Into<String>, found: impl Into<String>) -> Self {
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

/// Decompresses a snappy-java stream (what `SnappyOutputStream` writes), producing at most
/// `max_len` bytes.
///
/// ```
/// use jute_value::zk::decompress_snappy_stream;
/// // Header (magic, version 1, compatible version 1), one 7-byte chunk: a block of
/// // length 5 holding the literal "hello".
/// let stream = b"\x82SNAPPY\0\0\0\0\x01\0\0\0\x01\0\0\0\x07\x05\x10hello";
/// assert_eq!(decompress_snappy_stream(stream, 1 << 20)?, b"hello");
/// let err = decompress_snappy_stream(&stream[..22], 1 << 20).unwrap_err();
/// assert_eq!(err.offset(), 20); // where the cut chunk starts
/// # Ok::<(), jute_value::zk::SnappyError>(())
/// ```
///
/// # Errors
///
/// When the header is missing, too short or of an unknown version, a chunk is truncated or
/// its length negative, a block is malformed (see [`decompress_snappy_block`]), or the
/// output would exceed `max_len`.
pub fn decompress_snappy_stream(input: &[u8], max_len: u64) -> Result<Vec<u8>, SnappyError> {
    let mut pos = read_header(input, 0)?;
    let mut out = Vec::new();
    while pos < input.len() {
        let Some(len_bytes) = input.get(pos..pos + 4) else {
            return Err(SnappyError::new(
                pos,
                "a 4-byte chunk length",
                format!("only {} bytes (truncated stream)", input.len() - pos),
            ));
        };
        if len_bytes == &SNAPPY_JAVA_MAGIC[..4] {
            pos = read_header(input, pos)?;
            continue;
        }
        let declared = i32::from_be_bytes([len_bytes[0], len_bytes[1], len_bytes[2], len_bytes[3]]);
        let Ok(chunk_len) = usize::try_from(declared) else {
            return Err(SnappyError::new(
                pos,
                "a chunk length of 0 to 2147483647",
                declared.to_string(),
            ));
        };
        let start = pos + 4;
        let Some(chunk) = input.get(start..start.saturating_add(chunk_len)) else {
            return Err(SnappyError::new(
                start,
                format!("a chunk of {chunk_len} bytes"),
                format!("only {} bytes (truncated stream)", input.len() - start),
            ));
        };
        decode_block_into(&mut out, chunk, start, max_len)?;
        pos = start + chunk_len;
    }
    Ok(out)
}

/// Checks the stream header at `pos`; returns where the first chunk starts.
fn read_header(input: &[u8], pos: usize) -> Result<usize, SnappyError> {
    let rest = &input[pos.min(input.len())..];
    let Some(header) = rest.get(..HEADER_LEN) else {
        return Err(SnappyError::new(
            pos,
            "a 16-byte snappy-java stream header",
            format!("only {} bytes", rest.len()),
        ));
    };
    if header[..8] != SNAPPY_JAVA_MAGIC[..] {
        return Err(SnappyError::new(
            pos,
            "the snappy-java magic 82 53 4e 41 50 50 59 00 (\\x82SNAPPY\\0)",
            hex_bytes(&header[..8]),
        ));
    }
    let int_at =
        |i: usize| i32::from_be_bytes([header[i], header[i + 1], header[i + 2], header[i + 3]]);
    let (version, compatible) = (int_at(8), int_at(12));
    if version < STREAM_VERSION {
        return Err(SnappyError::new(
            pos + 8,
            format!("a stream format version of at least {STREAM_VERSION}"),
            version.to_string(),
        ));
    }
    if compatible > STREAM_VERSION {
        return Err(SnappyError::new(
            pos + 12,
            format!(
                "a stream that version-{STREAM_VERSION} readers can read (compatible version \
                 at most {STREAM_VERSION})"
            ),
            format!("compatible version {compatible} (format version {version})"),
        ));
    }
    Ok(pos + HEADER_LEN)
}

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
    decode_block_into(&mut out, block, 0, max_len)?;
    Ok(out)
}

/// Most bytes reserved ahead of writing them; beyond this the output grows as written.
const RESERVE_AHEAD: usize = 1 << 20;

/// Appends the decompression of `block` (found at offset `base` of the whole input) to `out`,
/// keeping `out` at most `max_total` bytes long.
fn decode_block_into(
    out: &mut Vec<u8>,
    block: &[u8],
    base: usize,
    max_total: u64,
) -> Result<(), SnappyError> {
    let (declared, varint_len) = read_varint(block, base)?;
    let body = block.len() - varint_len;
    let so_far = out.len() as u64;
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

fn hex_bytes(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &[u8] = b"\x82SNAPPY\0\0\0\0\x01\0\0\0\x01";

    fn block(b: &[u8]) -> Result<Vec<u8>, SnappyError> {
        decompress_snappy_block(b, u64::MAX)
    }

    fn err(b: &[u8]) -> SnappyError {
        block(b).expect_err("should be rejected")
    }

    /// A stream of one header and the given blocks.
    fn stream(blocks: &[&[u8]]) -> Vec<u8> {
        let mut s = HEADER.to_vec();
        for b in blocks {
            s.extend_from_slice(&(b.len() as i32).to_be_bytes());
            s.extend_from_slice(b);
        }
        s
    }

    #[test]
    fn literals_short_and_with_length_bytes() {
        assert_eq!(block(&[0]).unwrap(), b"");
        assert_eq!(block(&[3, 2 << 2, b'a', b'b', b'c']).unwrap(), b"abc");
        // 60 in the tag: one length byte (len - 1).
        let data: Vec<u8> = (0..200u8).collect();
        let mut b = vec![0xc8, 0x01, 60 << 2, 199];
        b.extend_from_slice(&data);
        assert_eq!(block(&b).unwrap(), data);
        // 61: two length bytes, little-endian; 62, 63: three and four.
        let data = vec![7u8; 300];
        for (tag, extra) in [(61u8, 2usize), (62, 3), (63, 4)] {
            let mut b = vec![0xac, 0x02, tag << 2];
            b.extend_from_slice(&299u32.to_le_bytes()[..extra]);
            b.extend_from_slice(&data);
            assert_eq!(block(&b).unwrap(), data, "tag {tag}");
        }
    }

    #[test]
    fn all_three_copy_kinds() {
        // "abcd", then copy-1 (len 4..11, 11-bit offset): 4 bytes from 4 back.
        let b = [8, 3 << 2, b'a', b'b', b'c', b'd', 1, 4];
        assert_eq!(block(&b).unwrap(), b"abcdabcd");
        // copy-1 with the offset's high bits in the tag: offset 256 + 44 = 300, length 11.
        let mut data: Vec<u8> = (0..300u32).map(|i| (i % 251) as u8).collect();
        let mut b = vec![0xb7, 0x02, 61 << 2];
        b.extend_from_slice(&299u16.to_le_bytes());
        b.extend_from_slice(&data);
        b.extend_from_slice(&[(1 << 5) | (7 << 2) | 1, 44]);
        let want: Vec<u8> = data.iter().chain(&data[..11]).copied().collect();
        assert_eq!(block(&b).unwrap(), want);
        // copy-2: 64 bytes from 300 back.
        let mut b = vec![0xec, 0x02, 61 << 2];
        b.extend_from_slice(&299u16.to_le_bytes());
        b.extend_from_slice(&data);
        b.extend_from_slice(&[(63 << 2) | 2, 0x2c, 0x01]);
        let want: Vec<u8> = data.iter().chain(&data[..64]).copied().collect();
        assert_eq!(block(&b).unwrap(), want);
        // copy-4: 2 bytes from 70000 back.
        data = (0..70_000u32).map(|i| (i * 31 % 253) as u8).collect();
        let mut b = vec![0xf2, 0xa2, 0x04, 62 << 2];
        b.extend_from_slice(&69_999u32.to_le_bytes()[..3]);
        b.extend_from_slice(&data);
        b.extend_from_slice(&[(1 << 2) | 3]);
        b.extend_from_slice(&70_000u32.to_le_bytes());
        let want: Vec<u8> = data.iter().chain(&data[..2]).copied().collect();
        assert_eq!(block(&b).unwrap(), want);
    }

    #[test]
    fn overlapping_copies_repeat() {
        // Offset 1, length 10 (copy-2): ten more of the same byte.
        assert_eq!(
            block(&[11, 0, b'x', (9 << 2) | 2, 1, 0]).unwrap(),
            [b'x'; 11]
        );
        // Offset 2, length 7 (copy-1): "ab" repeated.
        assert_eq!(
            block(&[9, 1 << 2, b'a', b'b', (3 << 2) | 1, 2]).unwrap(),
            b"ababababa"
        );
        // Offset 3, length 64, copy-4.
        let out = block(&[67, 2 << 2, b'1', b'2', b'3', (63 << 2) | 3, 3, 0, 0, 0]).unwrap();
        assert_eq!(out, b"123".repeat(23)[..67]);
    }

    #[test]
    fn malformed_blocks_name_offset_and_expectation() {
        let e = err(&[]);
        assert_eq!((e.offset(), e.found()), (0, "an empty block"));
        let e = err(&[0x80, 0x80]);
        assert!(e.expected().contains("varint"), "{e}");
        let e = err(&[0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
        assert!(e.to_string().contains("at most 5 bytes"), "{e}");
        let e = err(&[0xff, 0xff, 0xff, 0xff, 0x7f]);
        assert!(e.to_string().contains("below 2^32"), "{e}");
        // Offset 0.
        let e = err(&[5, 0, b'a', (3 << 2) | 2, 0, 0]);
        assert_eq!(e.offset(), 3);
        assert!(e.to_string().contains("offset 0"), "{e}");
        // Offset beyond the output.
        let e = err(&[5, 0, b'a', (3 << 2) | 2, 2, 0]);
        assert_eq!(e.offset(), 3);
        assert!(e.to_string().contains("within the 1 bytes decoded"), "{e}");
        // Copy-1 offset beyond the output via the tag's high bits.
        let e = err(&[9, 0, b'a', (1 << 5) | 1, 1]);
        assert!(e.found().contains("257"), "{e}");
        // Copy past the declared length.
        let e = err(&[4, 0, b'a', (9 << 2) | 2, 1, 0]);
        assert_eq!(e.offset(), 3);
        assert!(e.to_string().contains("at most 3 more bytes"), "{e}");
        // Literal past the declared length.
        let e = err(&[1, 1 << 2, b'a', b'b']);
        assert_eq!((e.offset(), e.found()), (1, "a literal of 2 bytes"));
        // Truncated literal, literal length bytes, copy offset bytes.
        let e = err(&[3, 2 << 2, b'a']);
        assert_eq!(e.offset(), 1);
        assert!(e.to_string().contains("a literal of 3 bytes"), "{e}");
        let e = err(&[5, 61 << 2, 0x3f]);
        assert!(e.expected().contains("2 length bytes"), "{e}");
        let e = err(&[5, 0, b'a', 3, 1, 0]);
        assert_eq!(e.offset(), 3);
        assert!(e.expected().contains("4 offset bytes"), "{e}");
        let e = err(&[5, 0, b'a', 1]);
        assert!(e.expected().contains("1 offset bytes"), "{e}");
        // Elements end short of the declared length.
        let e = err(&[3, 0, b'a']);
        assert_eq!(e.offset(), 3);
        assert!(e.to_string().contains("after 1 bytes"), "{e}");
        // A length the elements cannot possibly encode is rejected before reserving.
        let e = err(&[0xff, 0xff, 0xff, 0xff, 0x0f, 0, b'a']);
        assert_eq!(e.offset(), 0);
        assert!(e.expected().contains("can encode"), "{e}");
    }

    #[test]
    fn the_limit_is_checked_before_decoding() {
        let b = [11, 0, b'x', (9 << 2) | 2, 1, 0];
        assert_eq!(decompress_snappy_block(&b, 11).unwrap().len(), 11);
        let e = decompress_snappy_block(&b, 10).unwrap_err();
        assert!(
            e.to_string().contains("at most 10 decompressed bytes"),
            "{e}"
        );
        assert!(e.exceeds_limit());
        assert!(!err(&[3, 0, b'a']).exceeds_limit());
        // Across the chunks of a stream.
        let s = stream(&[&b, &b]);
        assert_eq!(decompress_snappy_stream(&s, 22).unwrap().len(), 22);
        let e = decompress_snappy_stream(&s, 21).unwrap_err();
        assert_eq!(e.offset(), 16 + 4 + 6 + 4);
        assert!(e.found().contains("after 11 bytes"), "{e}");
    }

    #[test]
    fn stream_chunks_headers_and_concatenation() {
        assert_eq!(decompress_snappy_stream(HEADER, 0).unwrap(), b"");
        let s = stream(&[&[3, 2 << 2, b'a', b'b', b'c'], &[2, 1 << 2, b'd', b'e']]);
        assert_eq!(decompress_snappy_stream(&s, 100).unwrap(), b"abcde");
        // Copies do not reach into the previous chunk.
        let s2 = stream(&[&[1, 0, b'a'], &[2, 0, b'b', 2, 2, 0]]);
        let e = decompress_snappy_stream(&s2, 100).unwrap_err();
        assert_eq!(e.offset(), 16 + 4 + 3 + 4 + 3);
        // Two streams back to back, as snappy-java reads them.
        let mut both = s.clone();
        both.extend_from_slice(&s);
        assert_eq!(decompress_snappy_stream(&both, 100).unwrap(), b"abcdeabcde");
        // A later header with a version below 1.
        let mut bad = s.clone();
        bad.extend_from_slice(&HEADER[..8]);
        bad.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 1]);
        let e = decompress_snappy_stream(&bad, 100).unwrap_err();
        assert_eq!(e.offset(), s.len() + 8);
        assert!(e.expected().contains("version of at least 1"), "{e}");
        // Newer versions that stay compatible are read; incompatible ones are not.
        let mut v2 = s.clone();
        v2[11] = 2;
        assert_eq!(decompress_snappy_stream(&v2, 100).unwrap(), b"abcde");
        v2[15] = 2;
        let e = decompress_snappy_stream(&v2, 100).unwrap_err();
        assert_eq!(e.offset(), 12);
        assert!(e.found().contains("compatible version 2"), "{e}");
    }

    #[test]
    fn malformed_streams() {
        let e = decompress_snappy_stream(b"", 100).unwrap_err();
        assert_eq!((e.offset(), e.found()), (0, "only 0 bytes"));
        let e = decompress_snappy_stream(&HEADER[..10], 100).unwrap_err();
        assert!(e.expected().contains("16-byte"), "{e}");
        let e =
            decompress_snappy_stream(b"\x1f\x8b\x08\0\0\0\0\0\0\0\0\0\0\0\0\0", 100).unwrap_err();
        assert_eq!(e.found(), "1f 8b 08 00 00 00 00 00");
        let s = stream(&[&[3, 2 << 2, b'a', b'b', b'c']]);
        // Cut inside the chunk, inside the next chunk length.
        let e = decompress_snappy_stream(&s[..s.len() - 1], 100).unwrap_err();
        assert_eq!(e.offset(), 20);
        assert!(e.to_string().contains("a chunk of 5 bytes"), "{e}");
        let mut extra = s.clone();
        extra.extend_from_slice(&[0, 0]);
        let e = decompress_snappy_stream(&extra, 100).unwrap_err();
        assert_eq!(e.offset(), s.len());
        assert!(e.expected().contains("4-byte chunk length"), "{e}");
        // A negative chunk length; an empty chunk (no varint).
        let mut neg = HEADER.to_vec();
        neg.extend_from_slice(&(-5i32).to_be_bytes());
        let e = decompress_snappy_stream(&neg, 100).unwrap_err();
        assert_eq!((e.offset(), e.found()), (16, "-5"));
        let e = decompress_snappy_stream(&stream(&[&[]]), 100).unwrap_err();
        assert_eq!((e.offset(), e.found()), (20, "an empty block"));
    }

    /// Written by snappy-java 1.1.8.3 (`new SnappyOutputStream(out, 1024)`, two chunks) from
    /// the text [`fixture_text`] builds.
    const JAVA_STREAM: &str = "82534e41505059000000000100000001000001128008507a6e6f6465202f6a\
        7574652f3020646174613d3b0a2e150000310915006136160000320d160062361700003311170063361800\
        003415183a4800003519193a4b0000361d1a3a4e000da8086162630103366a0011af091c3a54000db63632\
        0011b436160015b236170019b03618001dae3619002eac00361a0032aa00361b000da80dc5361c0011af52\
        e1000db636320011b436160015b236170019b03618001dae3619002eac00361a0032aa00361b000da80dc5\
        361c0011af52e1000db636320011b436160015b236170019b03618001dae3619002eac00361a0032aa0036\
        1b000da80dc5361c0011af52e1000db636320011b436160015b236170019b03618001dae283b0a7a6e6f64\
        65202f6a750000009bd3037474652f3620646174613d61626361623b0a7a6e6f6465202f6a7574652f301d\
        1a0063361b0000312e1b000061361c000032321c003a54000033091d363200003409153a480000350d163a\
        420019b03645001dae3619002eac00361a0032aa00361b000da825163ee10011af21324235010db6364e00\
        11b436160015b236170019b03618001dae361900343320646174613d61626361623b0a";

    fn fixture_text() -> Vec<u8> {
        let mut s = String::new();
        for i in 0..60 {
            s += &format!("znode /jute/{} data={};\n", i % 7, &"abcabcabc"[..i % 9]);
        }
        s.into_bytes()
    }

    #[test]
    fn reads_what_snappy_java_wrote() {
        let bytes: Vec<u8> = (0..JAVA_STREAM.len() / 2)
            .map(|i| u8::from_str_radix(&JAVA_STREAM[2 * i..2 * i + 2], 16).unwrap())
            .collect();
        let text = fixture_text();
        assert_eq!(text.len(), 1491);
        assert_eq!(decompress_snappy_stream(&bytes, 1 << 20).unwrap(), text);
        // A cut between chunks reads as a shorter stream (as in snappy-java; the snapshot
        // reader then reports the truncation); any other cut is an error, never a panic.
        for cut in 0..bytes.len() {
            match decompress_snappy_stream(&bytes[..cut], 1 << 20) {
                Ok(out) => assert!(
                    out.len() < text.len() && text.starts_with(&out) && [16, 0x126].contains(&cut),
                    "cut {cut}"
                ),
                Err(e) => assert!(e.offset() <= cut, "cut {cut}: {e}"),
            }
        }
    }

    mod prop {
        use super::super::*;
        use super::HEADER;
        use proptest::prelude::*;

        /// One element for the reference encoder.
        #[derive(Debug, Clone)]
        enum Op {
            Literal(Vec<u8>),
            Copy { kind: u8, back: usize, len: usize },
        }

        fn op() -> impl Strategy<Value = Op> {
            prop_oneof![
                proptest::collection::vec(any::<u8>(), 1..300).prop_map(Op::Literal),
                (1u8..=3, any::<usize>(), 1usize..=64).prop_map(|(kind, back, len)| Op::Copy {
                    kind,
                    back,
                    len
                }),
            ]
        }

        /// Encodes `ops` as a block (copies clamped to what is valid), with the naively
        /// computed expected output.
        fn encode(ops: &[Op]) -> (Vec<u8>, Vec<u8>) {
            let mut want = Vec::new();
            let mut elems = Vec::new();
            for op in ops {
                match op {
                    Op::Literal(data) => {
                        let n = data.len() - 1;
                        if n < 60 {
                            elems.push((n as u8) << 2);
                        } else {
                            elems.push(61 << 2);
                            elems.extend_from_slice(&(n as u16).to_le_bytes());
                        }
                        elems.extend_from_slice(data);
                        want.extend_from_slice(data);
                    }
                    Op::Copy { kind, back, len } => {
                        if want.is_empty() {
                            continue;
                        }
                        let mut offset = back % want.len() + 1;
                        let mut len = *len;
                        match kind {
                            1 => {
                                offset = offset.min(2047);
                                len = len.clamp(4, 11);
                                elems.push(((offset >> 8) as u8) << 5 | ((len - 4) as u8) << 2 | 1);
                                elems.push(offset as u8);
                            }
                            2 => {
                                offset = offset.min(65_535);
                                elems.push(((len - 1) as u8) << 2 | 2);
                                elems.extend_from_slice(&(offset as u16).to_le_bytes());
                            }
                            _ => {
                                elems.push(((len - 1) as u8) << 2 | 3);
                                elems.extend_from_slice(&(offset as u32).to_le_bytes());
                            }
                        }
                        for _ in 0..len {
                            want.push(want[want.len() - offset]);
                        }
                    }
                }
            }
            let mut block = Vec::new();
            let mut n = want.len();
            while n >= 0x80 {
                block.push((n as u8) | 0x80);
                n >>= 7;
            }
            block.push(n as u8);
            block.extend_from_slice(&elems);
            (block, want)
        }

        proptest! {
            #[test]
            fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
                let _ = decompress_snappy_block(&bytes, 1 << 16);
                let mut s = HEADER.to_vec();
                s.extend_from_slice(&bytes);
                let _ = decompress_snappy_stream(&s, 1 << 16);
                // With a plausible chunk length in front too.
                let mut s = HEADER.to_vec();
                s.extend_from_slice(&(bytes.len() as i32).to_be_bytes());
                s.extend_from_slice(&bytes);
                let _ = decompress_snappy_stream(&s, 1 << 16);
            }

            #[test]
            fn encoded_elements_decode_to_the_reference(
                ops in proptest::collection::vec(op(), 0..40),
            ) {
                let (block, want) = encode(&ops);
                prop_assert_eq!(decompress_snappy_block(&block, u64::MAX).unwrap(), want.clone());
                // Every cut and every flipped byte is handled without panicking.
                for cut in 0..block.len() {
                    prop_assert!(decompress_snappy_block(&block[..cut], u64::MAX).is_err());
                }
                for i in 0..block.len() {
                    let mut b = block.clone();
                    b[i] ^= 0xa5;
                    let _ = decompress_snappy_block(&b, 1 << 20);
                }
            }
        }
    }
}
