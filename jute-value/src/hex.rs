//! Lowercase hexadecimal text for buffers, by hand (no dependency).

/// Encodes bytes as lowercase hex.
///
/// ```
/// assert_eq!(jute_value::hex::encode(&[0x00, 0xab, 0x7f]), "00ab7f");
/// ```
pub fn encode(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    out
}

/// Why text is not hex.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HexError {
    /// A character that is not a hex digit (nor, where allowed, whitespace).
    #[error("invalid hex digit {found:?} at character {at}")]
    InvalidDigit {
        /// The character.
        found: char,
        /// Its position (in characters).
        at: usize,
    },
    /// An odd number of hex digits.
    #[error("odd number of hex digits ({0})")]
    OddLength(usize),
}

/// Decodes hex text (either case). ASCII whitespace between digits is ignored, so
/// `xxd -p` output and `"00 ab 7f"` are accepted.
///
/// ```
/// assert_eq!(jute_value::hex::decode("00AB 7f\n")?, vec![0x00, 0xab, 0x7f]);
/// assert!(jute_value::hex::decode("0g").is_err());
/// # Ok::<(), jute_value::hex::HexError>(())
/// ```
///
/// # Errors
///
/// [`HexError`] for a non-hex character or an odd digit count.
pub fn decode(text: &str) -> Result<Vec<u8>, HexError> {
    let mut out = Vec::with_capacity(text.len() / 2);
    let mut high: Option<u8> = None;
    let mut digits = 0usize;
    for (at, c) in text.chars().enumerate() {
        if c.is_ascii_whitespace() {
            continue;
        }
        let Some(v) = c.to_digit(16) else {
            return Err(HexError::InvalidDigit { found: c, at });
        };
        // A hex digit is below 16, so it fits a byte.
        let v = v as u8;
        digits += 1;
        match high.take() {
            None => high = Some(v),
            Some(h) => out.push(h << 4 | v),
        }
    }
    if high.is_some() {
        return Err(HexError::OddLength(digits));
    }
    Ok(out)
}

/// Decodes hex text strictly: lowercase or uppercase digits only, no whitespace.
///
/// # Errors
///
/// [`HexError`] for any other character or an odd digit count.
pub fn decode_strict(text: &str) -> Result<Vec<u8>, HexError> {
    if let Some((at, found)) = text
        .chars()
        .enumerate()
        .find(|(_, c)| !c.is_ascii_hexdigit())
    {
        return Err(HexError::InvalidDigit { found, at });
    }
    decode(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_all_bytes() {
        let all: Vec<u8> = (0..=255).collect();
        assert_eq!(decode(&encode(&all)).unwrap(), all);
        assert_eq!(decode_strict(&encode(&all).to_uppercase()).unwrap(), all);
    }

    #[test]
    fn errors() {
        assert_eq!(decode("abc"), Err(HexError::OddLength(3)));
        assert_eq!(
            decode_strict("ab cd"),
            Err(HexError::InvalidDigit { found: ' ', at: 2 })
        );
        assert_eq!(
            decode("zz"),
            Err(HexError::InvalidDigit { found: 'z', at: 0 })
        );
    }
}
