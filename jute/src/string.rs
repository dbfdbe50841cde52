//! `ustring` text as Java peers write and read it.
//!
//! Apache's `BinaryOutputArchive` encodes a Java `String` one UTF-16 unit at a time, so a
//! character outside the Basic Multilingual Plane becomes two 3-byte surrogate encodings
//! (CESU-8, six bytes) instead of the four bytes of standard UTF-8. We write exactly those bytes,
//! and read both forms, so every Unicode scalar value survives a round trip through Java.

use crate::error::{Error, ErrorKind};

/// Length in bytes of `s` as Java writes it (CESU-8).
#[inline]
pub(crate) fn java_len(s: &str) -> usize {
    // Each 4-byte UTF-8 sequence (lead byte >= 0xF0) becomes six bytes.
    s.len() + 2 * s.bytes().filter(|&b| b >= 0xF0).count()
}

/// Appends `s` as Java writes it. `out` must be empty or hold unrelated earlier bytes.
pub(crate) fn encode_java<B: bytes::BufMut + ?Sized>(s: &str, out: &mut B) {
    if !s.bytes().any(|b| b >= 0xF0) {
        out.put_slice(s.as_bytes());
        return;
    }
    let mut start = 0;
    for (i, c) in s.char_indices() {
        let cp = c as u32;
        if cp < 0x10000 {
            continue;
        }
        out.put_slice(&s.as_bytes()[start..i]);
        let v = cp - 0x10000;
        for unit in [0xD800 + (v >> 10), 0xDC00 + (v & 0x3FF)] {
            out.put_slice(&[
                0xE0 | (unit >> 12) as u8,
                0x80 | ((unit >> 6) & 0x3F) as u8,
                0x80 | (unit & 0x3F) as u8,
            ]);
        }
        start = i + 4;
    }
    out.put_slice(&s.as_bytes()[start..]);
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

    fn enc(s: &str) -> Vec<u8> {
        let mut v = Vec::new();
        encode_java(s, &mut v);
        v
    }

    #[test]
    fn bmp_text_is_plain_utf8() {
        for s in ["", "abc", "é", "€", "\u{FFFF}", "\0"] {
            assert_eq!(enc(s), s.as_bytes());
            assert_eq!(java_len(s), s.len());
        }
    }

    #[test]
    fn non_bmp_is_a_cesu8_surrogate_pair() {
        // U+1F600 = D83D DE00
        assert_eq!(enc("😀"), [0xED, 0xA0, 0xBD, 0xED, 0xB8, 0x80]);
        assert_eq!(java_len("a😀b"), 8);
        assert_eq!(enc("a😀b").len(), 8);
    }

    #[test]
    fn both_forms_decode() {
        for s in ["a😀b", "𐍈", "x\u{10FFFF}y\u{10000}"] {
            assert_eq!(decode_java(enc(s), 0).unwrap(), s);
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
