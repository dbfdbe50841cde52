//! Shared helpers for the workspace's tests (a dev-dependency, and a dependency of the
//! unpublished `zk-testkit`; never published): a seeded xorshift64* generator and the byte
//! mutator behind the mutation fuzzers that run on the stable toolchain
//! (`jute/tests/fuzz_decode.rs`, `zk-client/tests/testsuite/fuzz_client.rs`), and
//! [`process`]: running a command-line binary under test and checking how it ended.
//!
//! The generator and the mutator are deterministic: the same seed gives the same inputs, so a
//! failing round can be replayed from the seed a fuzz test prints.

pub mod process;

/// xorshift64*: deterministic, dependency-free, fast. Not for anything but tests.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed` (any value: the low bit is set, as xorshift needs a state that is
    /// not zero).
    pub fn new(seed: u64) -> Rng {
        Rng(seed | 1)
    }

    /// The next value.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A value in `0..n`; `0` when `n` is `0` (without drawing).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }

    /// True with probability `p` (one draw).
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
}

/// Bytes the mutator writes over a random byte.
pub const INTERESTING_BYTES: [u8; 5] = [0, 0xff, 0x7f, 0x80, 1];

/// Offsets of the frames (4-byte big-endian length, then that many bytes) in a stream that may
/// already be mutated, as far as their lengths parse: a negative length ends the list, and the
/// last offset may belong to a frame that is cut short.
pub fn frame_starts(s: &[u8]) -> Vec<usize> {
    let mut out = Vec::new();
    let mut at = 0;
    while at + 4 <= s.len() {
        out.push(at);
        let len = i32::from_be_bytes([s[at], s[at + 1], s[at + 2], s[at + 3]]);
        if len < 0 {
            break;
        }
        at += 4 + len as usize;
    }
    out
}

/// Mutates inputs in place with 1 to 4 operators a round, each picked at random: flip a bit,
/// overwrite a byte with one of [`INTERESTING_BYTES`], overwrite 4 bytes with a big-endian value
/// from the caller's interesting `i32`s (hostile lengths, counts, xids), insert 1-8 random
/// bytes, delete 1-8 bytes, truncate, or splice in a slice of another input of the pool.
///
/// [`Mutator::with_frames`] adds the operators for length-prefixed frame streams: the 4-byte
/// overwrite lands on a frame's length prefix half of the time, and a whole frame may be
/// duplicated or dropped (a replayed or lost reply).
#[derive(Debug, Clone, Copy)]
pub struct Mutator<'a> {
    interesting_i32: &'a [i32],
    frames: bool,
}

impl<'a> Mutator<'a> {
    /// A mutator that writes values from `interesting_i32` (which must not be empty).
    pub fn new(interesting_i32: &'a [i32]) -> Mutator<'a> {
        assert!(
            !interesting_i32.is_empty(),
            "the mutator needs at least one interesting i32"
        );
        Mutator {
            interesting_i32,
            frames: false,
        }
    }

    /// The same mutator, also aware of frames (see [`frame_starts`]).
    pub fn with_frames(self) -> Mutator<'a> {
        Mutator {
            frames: true,
            ..self
        }
    }

    /// Applies one round of mutations to `input`, splicing from `pool` (inputs to take slices
    /// of; must not be empty).
    pub fn mutate(&self, rng: &mut Rng, input: &mut Vec<u8>, pool: &[Vec<u8>]) {
        let operators = if self.frames { 9 } else { 7 };
        for _ in 0..1 + rng.below(4) {
            let len = input.len();
            match rng.below(operators) {
                0 if len > 0 => {
                    let i = rng.below(len);
                    input[i] ^= 1 << rng.below(8);
                }
                1 if len > 0 => {
                    let i = rng.below(len);
                    input[i] = INTERESTING_BYTES[rng.below(INTERESTING_BYTES.len())];
                }
                2 if len >= 4 => {
                    let i = if self.frames {
                        // A hostile value, often exactly on a frame's length prefix.
                        let starts = frame_starts(input);
                        if rng.below(2) == 0 && !starts.is_empty() {
                            starts[rng.below(starts.len())]
                        } else {
                            rng.below(len - 3)
                        }
                    } else {
                        rng.below(len - 3)
                    };
                    let v = self.interesting_i32[rng.below(self.interesting_i32.len())];
                    input[i..i + 4].copy_from_slice(&v.to_be_bytes());
                }
                3 => {
                    let i = rng.below(len + 1);
                    let n = 1 + rng.below(8);
                    let bytes: Vec<u8> = (0..n).map(|_| rng.next_u64() as u8).collect();
                    input.splice(i..i, bytes);
                }
                4 if len > 0 => {
                    let i = rng.below(len);
                    let n = 1 + rng.below((len - i).min(8));
                    input.drain(i..i + n);
                }
                5 => input.truncate(rng.below(len + 1)),
                6 | 7 if self.frames => {
                    // Duplicate or drop a whole frame (replayed or lost replies).
                    let starts = frame_starts(input);
                    if starts.len() >= 2 {
                        let k = rng.below(starts.len() - 1);
                        let (a, b) = (starts[k], starts[k + 1]);
                        if rng.below(2) == 0 {
                            let copy = input[a..b].to_vec();
                            input.splice(b..b, copy);
                        } else {
                            input.drain(a..b);
                        }
                    }
                }
                _ => {
                    let other = &pool[rng.below(pool.len())];
                    if !other.is_empty() {
                        let a = rng.below(other.len());
                        let b = a + rng.below(other.len() - a + 1);
                        let at = rng.below(len + 1);
                        input.splice(at..at, other[a..b].iter().copied());
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fuzz tests' seeds mean the same inputs only while the sequence stays the same.
    #[test]
    fn the_sequence_is_pinned() {
        let mut rng = Rng::new(0x5eed);
        let first: Vec<u64> = (0..3).map(|_| rng.next_u64()).collect();
        assert_eq!(
            first,
            [
                0x970d_7842_0bec_184a,
                0xc7e2_c283_945e_48d8,
                0xe90a_11ce_3da0_4682
            ]
        );
        assert_eq!(Rng::new(0).below(0), 0);
        assert_eq!(Rng::new(0).next_u64(), Rng::new(1).next_u64());
    }

    #[test]
    fn frame_starts_follow_the_length_prefixes() {
        let stream = [0, 0, 0, 2, 9, 9, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 1];
        assert_eq!(frame_starts(&stream), [0, 6, 10]);
        assert_eq!(frame_starts(&stream[..3]), [] as [usize; 0]);
    }

    #[test]
    fn mutation_is_deterministic() {
        let pool = [vec![0, 0, 0, 3, 1, 2, 3, 0, 0, 0, 1, 7], vec![]];
        for mutator in [Mutator::new(&[-1, 0]), Mutator::new(&[-1, 0]).with_frames()] {
            let run = |seed| {
                let mut rng = Rng::new(seed);
                let mut input = pool[0].clone();
                for _ in 0..100 {
                    mutator.mutate(&mut rng, &mut input, &pool);
                }
                input
            };
            assert_eq!(run(3), run(3));
        }
    }
}
