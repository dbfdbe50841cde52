//! Finding the next intact log entry after damage, in time linear in the file: the Adler-32
//! of any byte range in O(1) amortised, from prefix sums kept at every [`STRIDE`]th byte.
//!
//! The Adler-32 of `d[s..e]` (n = e - s, modulo 65521) is `A = 1 + Σ d[j]` and
//! `B = n + Σ (e - j) d[j]` over `j` in `s..e`, so with the prefix sums `S1(x) = Σ d[j]` and
//! `S2(x) = Σ j d[j]` over `j < x` it is `A = 1 + S1(e) - S1(s)` and
//! `B = n + e (S1(e) - S1(s)) - (S2(e) - S2(s))`. The sums are stored every [`STRIDE`] bytes
//! and completed from the nearest stored one, so a candidate entry costs at most
//! [`STRIDE`] summed bytes whatever its length, and the table costs 8 bytes per
//! [`STRIDE`] bytes of the log.

use super::adler32::MOD;

/// Bytes between stored prefix sums.
pub(crate) const STRIDE: usize = 32;

/// Prefix sums of a byte slice, for range Adler-32s.
#[derive(Debug)]
pub(crate) struct RangeAdler {
    /// `(S1, S2)` modulo 65521 at every multiple of [`STRIDE`], and at the end.
    sums: Vec<(u32, u32)>,
}

impl RangeAdler {
    /// The prefix sums of `bytes`; adds the bytes summed to `work`.
    pub(crate) fn new(bytes: &[u8], work: &mut u64) -> Self {
        let mut sums = Vec::with_capacity(bytes.len() / STRIDE + 1);
        let (mut s1, mut s2) = (0u64, 0u64);
        sums.push((0, 0));
        for (i, chunk) in bytes.chunks(STRIDE).enumerate() {
            let base = i * STRIDE;
            for (k, &b) in chunk.iter().enumerate() {
                s1 += u64::from(b);
                s2 += ((base + k) as u64 % u64::from(MOD)) * u64::from(b);
            }
            s1 %= u64::from(MOD);
            s2 %= u64::from(MOD);
            // A last, shorter chunk's sums stand for the end of the input.
            sums.push((s1 as u32, s2 as u32));
        }
        *work += bytes.len() as u64;
        Self { sums }
    }

    /// `(S1(x), S2(x))` for `x <= bytes.len()`, from the nearest stored sums.
    fn at(&self, bytes: &[u8], x: usize, work: &mut u64) -> (u64, u64) {
        let m = u64::from(MOD);
        let below = x / STRIDE;
        let above = below + 1;
        let use_above = x % STRIDE > STRIDE / 2 && above < self.sums.len();
        let (s1, s2) = self.sums.get(below).copied().unwrap_or((0, 0));
        let (mut s1, mut s2) = (u64::from(s1), u64::from(s2));
        if use_above {
            // Subtract the bytes x..hi from the sums stored at hi.
            let hi = (above * STRIDE).min(bytes.len());
            let (a1, a2) = self.sums[above];
            let (mut d1, mut d2) = (0u64, 0u64);
            for (j, &b) in bytes[x..hi].iter().enumerate() {
                d1 += u64::from(b);
                d2 += ((x + j) as u64 % m) * u64::from(b);
            }
            *work += (hi - x) as u64;
            s1 = (u64::from(a1) + m - d1 % m) % m;
            s2 = (u64::from(a2) + m - d2 % m) % m;
        } else {
            for (j, &b) in bytes[below * STRIDE..x].iter().enumerate() {
                s1 += u64::from(b);
                s2 += ((below * STRIDE + j) as u64 % m) * u64::from(b);
            }
            *work += (x - below * STRIDE) as u64;
            s1 %= m;
            s2 %= m;
        }
        (s1, s2)
    }

    /// The Adler-32 of `bytes[s..e]` (`s <= e <= bytes.len()`, the slice given to `new`).
    pub(crate) fn adler32(&self, bytes: &[u8], s: usize, e: usize, work: &mut u64) -> u32 {
        let m = u64::from(MOD);
        let (s1s, s2s) = self.at(bytes, s, work);
        let (s1e, s2e) = self.at(bytes, e, work);
        let sum = (s1e + m - s1s) % m;
        let weighted = (s2e + m - s2s) % m;
        let n = (e - s) as u64 % m;
        let a = (1 + sum) % m;
        let b = (n + (e as u64 % m) * sum % m + m - weighted) % m;
        ((b << 16) | a) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::super::adler32::adler32;
    use super::*;

    #[test]
    fn range_checksums_match_the_direct_ones() {
        let bytes: Vec<u8> = (0..3000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8 | 0x80)
            .collect();
        let mut work = 0;
        let r = RangeAdler::new(&bytes, &mut work);
        for (s, e) in [
            (0, 0),
            (0, 3000),
            (5, 6),
            (31, 33),
            (17, 2999),
            (64, 96),
            (1000, 2017),
        ] {
            let mut w = 0;
            assert_eq!(
                r.adler32(&bytes, s, e, &mut w),
                adler32(&bytes[s..e]),
                "{s}..{e}"
            );
            assert!(w <= STRIDE as u64, "{s}..{e}: {w} bytes summed");
        }
        // Sums near the modulus: all 0xff.
        let ff = vec![0xffu8; 100_000];
        let r = RangeAdler::new(&ff, &mut work);
        assert_eq!(
            r.adler32(&ff, 3, 99_990, &mut work),
            adler32(&ff[3..99_990])
        );
    }
}
