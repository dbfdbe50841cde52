//! Adler-32, the checksum of ZooKeeper's log entries and snapshots (`java.util.zip.Adler32`),
//! computed by the `adler2` crate.

/// Adler-32's modulus, the largest prime below 2^16 (for the range sums of `resync.rs`).
pub(crate) const MOD: u32 = 65_521;

/// The Adler-32 checksum of `bytes` (RFC 1950), as `java.util.zip.Adler32` computes it.
///
/// ```
/// assert_eq!(zk_files::adler32(b"Wikipedia"), 0x11E6_0398);
/// assert_eq!(zk_files::adler32(b""), 1);
/// ```
pub fn adler32(bytes: &[u8]) -> u32 {
    adler32_update(1, bytes)
}

/// Continues an Adler-32 checksum `state` over more bytes.
pub(crate) fn adler32_update(state: u32, bytes: &[u8]) -> u32 {
    let mut adler = adler2::Adler32::from_checksum(state);
    adler.write_slice(bytes);
    adler.checksum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values_and_incremental() {
        let big: Vec<u8> = (0..100_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let whole = adler32(&big);
        let split = adler32_update(adler32(&big[..12_345]), &big[12_345..]);
        assert_eq!(whole, split);
        assert_eq!(adler32(&[0xff; 100_000]), {
            // Straightforward definition, modulo at every step.
            let (mut a, mut b) = (1u64, 0u64);
            for _ in 0..100_000 {
                a = (a + 255) % 65_521;
                b = (b + a) % 65_521;
            }
            ((b << 16) | a) as u32
        });
    }
}
