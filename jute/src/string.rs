//! Reading `ustring` text as Java peers write it.
//!
//! Apache's `BinaryOutputArchive` (3.8) encodes a Java `String` one UTF-16 unit at a time, so a
//! character outside the Basic Multilingual Plane becomes two 3-byte surrogate encodings
//! (CESU-8, six bytes), while its `BinaryInputArchive` decodes standard UTF-8 and turns those
//! six bytes into two U+FFFD. Java's writer and reader disagree; the only encoding a Java peer
//! reads back correctly is standard UTF-8. So we *write* standard UTF-8 and *read* both forms:
//! every Unicode scalar value survives a trip through a Java server in either direction.

use crate::error::{Error, ErrorKind};

/// Views ASCII bytes as a `str` without a second validation pass.
///
/// `str::from_utf8` checks short strings byte by byte (about 135 instructions for a 15-byte
/// ZooKeeper path under callgrind, 18% of decoding a GetChildrenResponse); `is_ascii` checks
/// them a word at a time, and ASCII is always valid UTF-8. One of the crate's three `unsafe`
/// blocks (with `Utf8Bytes::as_str` and `put::put_array`).
#[inline]
pub(crate) fn ascii_str(ascii: &[u8]) -> &str {
    debug_assert!(ascii.is_ascii());
    #[allow(unsafe_code)]
    // SAFETY: the caller checked that `ascii` is all ASCII with this module's `is_ascii` (which
    // its test compares with the standard check at every length and position), and every
    // ASCII byte sequence is UTF-8.
    unsafe {
        std::str::from_utf8_unchecked(ascii)
    }
}

/// Whether `bytes` are all ASCII. ZooKeeper's strings are mostly short (ACL schemes, ids,
/// node names, paths), where `<[u8]>::is_ascii` ends in a byte-at-a-time tail (up to seven
/// compares and branches). Up to 16 bytes this is two loads that may overlap, or three single
/// bytes below 4; up to 64 a word at a time; longer input goes to the standard (vectorized)
/// check, out of line.
#[inline(always)]
pub(crate) fn is_ascii(bytes: &[u8]) -> bool {
    const HIGH32: u32 = 0x8080_8080;
    const HIGH64: u64 = 0x8080_8080_8080_8080;
    let n = bytes.len();
    match (bytes.first_chunk::<8>(), bytes.last_chunk::<8>()) {
        (Some(head), Some(tail)) if n <= 16 => {
            return (u64::from_le_bytes(*head) | u64::from_le_bytes(*tail)) & HIGH64 == 0;
        }
        (Some(_), Some(tail)) if n <= 64 => {
            // Whole words, then the last eight bytes (overlapping the last word).
            let mut high = u64::from_le_bytes(*tail);
            for word in bytes.chunks_exact(8) {
                high |= u64::from_le_bytes(word.try_into().unwrap_or_default());
            }
            return high & HIGH64 == 0;
        }
        (Some(_), Some(_)) => return is_ascii_long(bytes),
        _ => {}
    }
    if let (Some(head), Some(tail)) = (bytes.first_chunk::<4>(), bytes.last_chunk::<4>()) {
        return (u32::from_le_bytes(*head) | u32::from_le_bytes(*tail)) & HIGH32 == 0;
    }
    match bytes {
        [] => true,
        [first, .., last] => (first | bytes[n / 2] | last) < 0x80,
        [only] => *only < 0x80,
    }
}

#[inline(never)]
fn is_ascii_long(bytes: &[u8]) -> bool {
    bytes.is_ascii()
}

/// Views string bytes as text: borrowed when they are standard UTF-8, converted (owned) when
/// they hold Java's CESU-8 surrogate pairs. The one validation behind every string decoder
/// (`String`, `Utf8Bytes`, `Cow<str>` views).
#[inline(always)]
pub(crate) fn view_java(bytes: &[u8], offset: usize) -> Result<std::borrow::Cow<'_, str>, Error> {
    if is_ascii(bytes) {
        return Ok(std::borrow::Cow::Borrowed(ascii_str(bytes)));
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(std::borrow::Cow::Borrowed(s)),
        Err(_) => decode_cesu(bytes, offset).map(std::borrow::Cow::Owned),
    }
}

/// Decodes string bytes: standard UTF-8 (fast path, no copy) or Java's CESU-8 surrogate pairs.
pub(crate) fn decode_java(bytes: Vec<u8>, offset: usize) -> Result<String, Error> {
    match String::from_utf8(bytes) {
        Ok(s) => Ok(s),
        Err(e) => decode_cesu(e.as_bytes(), offset),
    }
}

/// Slow path: the bytes hold at least one sequence that is not standard UTF-8.
#[cold]
fn decode_cesu(bytes: &[u8], offset: usize) -> Result<String, Error> {
    let mut out = String::with_capacity(bytes.len());
    let mut rest = bytes;
    loop {
        match std::str::from_utf8(rest) {
            Ok(s) => {
                out.push_str(s);
                return Ok(out);
            }
            Err(e) => {
                let good = e.valid_up_to();
                // `good` bytes were validated by from_utf8 just above.
                out.push_str(std::str::from_utf8(&rest[..good]).unwrap_or_default());
                let tail = &rest[good..];
                match surrogate_pair(tail) {
                    Some(c) => {
                        out.push(c);
                        rest = &tail[6..];
                    }
                    None => {
                        return Err(Error::new(
                            ErrorKind::InvalidString {
                                valid_up_to: bytes.len() - tail.len(),
                            },
                            offset,
                        ))
                    }
                }
            }
        }
    }
}

/// Decodes a 6-byte CESU-8 surrogate pair at the start of `b`.
fn surrogate_pair(b: &[u8]) -> Option<char> {
    let unit = |s: &[u8]| -> Option<u32> {
        if s.len() >= 3 && s[0] == 0xED && s[1] & 0xC0 == 0x80 && s[2] & 0xC0 == 0x80 {
            Some(((s[0] as u32 & 0x0F) << 12) | ((s[1] as u32 & 0x3F) << 6) | (s[2] as u32 & 0x3F))
        } else {
            None
        }
    };
    let hi = unit(b)?;
    let lo = unit(b.get(3..)?)?;
    if !(0xD800..0xDC00).contains(&hi) || !(0xDC00..0xE000).contains(&lo) {
        return None;
    }
    char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What Java's BinaryOutputArchive writes for `s`.
    fn cesu(s: &str) -> Vec<u8> {
        let mut out = Vec::new();
        for unit in s.encode_utf16() {
            let u = unit as u32;
            match u {
                0..=0x7F => out.push(u as u8),
                0x80..=0x7FF => out.extend([0xC0 | (u >> 6) as u8, 0x80 | (u & 0x3F) as u8]),
                _ => out.extend([
                    0xE0 | (u >> 12) as u8,
                    0x80 | ((u >> 6) & 0x3F) as u8,
                    0x80 | (u & 0x3F) as u8,
                ]),
            }
        }
        out
    }

    #[test]
    fn short_ascii_check_agrees_with_std_at_every_length_and_position() {
        for len in 0..=80 {
            let mut bytes = vec![b'a'; len];
            assert!(is_ascii(&bytes), "len {len}");
            for at in 0..len {
                for high in [0x80, 0xC3, 0xFF] {
                    bytes[at] = high;
                    assert!(!is_ascii(&bytes), "len {len}, byte {high:#x} at {at}");
                    assert_eq!(is_ascii(&bytes), bytes.is_ascii());
                    bytes[at] = 0x7F;
                    assert!(is_ascii(&bytes), "len {len}, 0x7f at {at}");
                    bytes[at] = b'a';
                }
            }
        }
    }

    #[test]
    fn non_bmp_cesu8_is_a_surrogate_pair() {
        // U+1F600 = D83D DE00
        assert_eq!(cesu("😀"), [0xED, 0xA0, 0xBD, 0xED, 0xB8, 0x80]);
    }

    #[test]
    fn both_forms_decode() {
        for s in [
            "",
            "abc",
            "\0é€\u{FFFF}",
            "a😀b",
            "𐍈",
            "x\u{10FFFF}y\u{10000}",
        ] {
            assert_eq!(decode_java(cesu(s), 0).unwrap(), s);
            assert_eq!(decode_java(s.as_bytes().to_vec(), 0).unwrap(), s);
        }
    }

    #[test]
    fn lone_surrogates_and_garbage_are_rejected() {
        for bad in [
            &[0xED, 0xA0, 0xBD][..],
            &[b'a', 0xED, 0xB8, 0x80, 0xED, 0xA0, 0xBD],
            &[0xFF],
            &[0xC3],
        ] {
            let err = decode_java(bad.to_vec(), 10).unwrap_err();
            assert_eq!(err.offset(), 10);
            assert!(matches!(err.kind(), ErrorKind::InvalidString { .. }));
        }
    }
}
