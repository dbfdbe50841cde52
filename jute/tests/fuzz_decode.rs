//! A mutation fuzzer for decoding that runs on the stable toolchain.
//!
//! Seeds are Java's golden bytes and encodings of sample records; each round mutates a seed with
//! `test_support::Mutator` (bit flips, interesting bytes, hostile length prefixes, insertions,
//! deletions, truncation, splices) and decodes it as several types. Properties: decoding never
//! panics, an error's offset lies within the input, a successful decode re-encodes to a fixed
//! point, and borrowed views and `Utf8Bytes` records decode exactly like their owned
//! counterparts.
//!
//! The suite runs a bounded number of rounds; for a long run:
//! `JUTE_FUZZ_SECONDS=600 cargo test --release -p jute-runtime --test fuzz_decode -- --nocapture`.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use jute::bytes::Bytes;
use jute::Jute;
use test_support::{Mutator, Rng};

#[derive(Jute, Debug, Clone, PartialEq)]
struct Acl {
    perms: i32,
    scheme: String,
    id: String,
}

#[derive(Jute, Debug, Clone, PartialEq)]
struct Record {
    b: i8,
    flag: bool,
    i: i32,
    l: i64,
    d: f64,
    path: String,
    data: Bytes,
    acl: Vec<Acl>,
    nullable: Option<Vec<String>>,
    grid: Vec<Vec<i32>>,
    map: BTreeMap<String, Vec<u8>>,
    #[jute(trailing)]
    read_only: Option<bool>,
}

#[derive(Jute, Debug, Clone, PartialEq)]
struct Tree {
    name: String,
    children: Vec<Tree>,
}

/// `Record` as a borrowed view: must decode exactly like it (differential target).
#[derive(Jute, Debug, Clone, PartialEq)]
#[jute(name = "Record")]
struct RecordView<'a> {
    b: i8,
    flag: bool,
    i: i32,
    l: i64,
    d: f64,
    path: Cow<'a, str>,
    data: Cow<'a, [u8]>,
    acl: Vec<AclView<'a>>,
    nullable: Option<Vec<Cow<'a, str>>>,
    grid: Vec<Vec<i32>>,
    map: BTreeMap<Cow<'a, str>, Cow<'a, [u8]>>,
    #[jute(trailing)]
    read_only: Option<bool>,
}

#[derive(Jute, Debug, Clone, PartialEq)]
#[jute(name = "Acl")]
struct AclView<'a> {
    perms: i32,
    scheme: Cow<'a, str>,
    id: Cow<'a, str>,
}

/// `Tree` with shared strings, decoded from `Bytes` (differential target).
#[derive(Jute, Debug, Clone, PartialEq)]
#[jute(name = "Tree")]
struct SharedTree {
    name: jute::Utf8Bytes,
    children: Vec<SharedTree>,
}

fn seeds() -> Vec<Vec<u8>> {
    let mut seeds: Vec<Vec<u8>> = include_str!("data/golden.txt")
        .lines()
        .filter_map(|l| l.split_once(' '))
        .map(|(_, hex)| {
            (0..hex.len())
                .step_by(2)
                .filter_map(|i| u8::from_str_radix(&hex[i..i + 2], 16).ok())
                .collect()
        })
        .collect();
    let record = Record {
        b: 1,
        flag: true,
        i: 7,
        l: -1,
        d: 0.5,
        path: "/a/b".into(),
        data: Bytes::from_static(b"data"),
        acl: vec![Acl {
            perms: 31,
            scheme: "world".into(),
            id: "anyone".into(),
        }],
        nullable: Some(vec!["x".into()]),
        grid: vec![vec![1], vec![]],
        map: [("k".to_owned(), vec![1, 2])].into(),
        read_only: Some(false),
    };
    seeds.push(jute::to_vec(&record));
    let tree = Tree {
        name: "root".into(),
        children: vec![Tree {
            name: "leaf".into(),
            children: vec![],
        }],
    };
    seeds.push(jute::to_vec(&tree));
    seeds
}

/// Hostile 32-bit values (lengths, counts) the mutator writes.
const INTERESTING_I32: [i32; 9] = [
    -1,
    -2,
    0,
    1,
    0x7fff_ffff,
    i32::MIN,
    0xfffff,
    0x100000,
    1213486160,
];

/// Decodes `input` as `T`; checks the error offset or the re-encoding fixed point.
fn check<T: Jute>(input: &[u8]) -> bool {
    match jute::from_slice::<T>(input) {
        Ok(value) => {
            let once = jute::to_vec(&value);
            assert_eq!(once.len(), value.encoded_len());
            let again =
                jute::to_vec(&jute::from_slice::<T>(&once).expect("re-decode of our own encoding"));
            assert_eq!(
                once, again,
                "re-encoding is not a fixed point for {input:02x?}"
            );
            true
        }
        Err(e) => {
            assert!(
                e.offset() <= input.len(),
                "offset {} beyond input {}: {e}",
                e.offset(),
                input.len()
            );
            let _ = e.to_string();
            false
        }
    }
}

/// Decodes `input` as `Owned` and as `Other` (a view from the slice, or shared strings from
/// `Bytes`): both succeed with the same bytes re-encoded, or fail with the same error.
fn differential<Owned: Jute, Other: Jute>(input: &[u8], other: Result<Other, jute::Error>) {
    let owned = jute::from_slice::<Owned>(input);
    match (owned, other) {
        (Ok(a), Ok(b)) => assert_eq!(jute::to_vec(&a), jute::to_vec(&b), "{input:02x?}"),
        (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{input:02x?}"),
        (a, b) => panic!(
            "decoders disagree on {input:02x?}: {:?} vs {:?}",
            a.map(|_| ()),
            b.map(|_| ())
        ),
    }
}

#[test]
fn fuzz_decode() {
    let seconds: Option<u64> = std::env::var("JUTE_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok());
    let (deadline, max_rounds) = match seconds {
        Some(s) => (Instant::now() + Duration::from_secs(s), u64::MAX),
        None => (Instant::now() + Duration::from_secs(3600), 200_000),
    };
    let seed: u64 = std::env::var("JUTE_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed);
    let mut rng = Rng::new(seed);
    let mutator = Mutator::new(&INTERESTING_I32);
    let pool = seeds();
    let (mut rounds, mut decoded) = (0u64, 0u64);
    while rounds < max_rounds && Instant::now() < deadline {
        let mut input = pool[rng.below(pool.len())].clone();
        mutator.mutate(&mut rng, &mut input, &pool);
        let ok = [
            check::<Record>(&input),
            check::<Tree>(&input),
            check::<Acl>(&input),
            check::<Vec<Option<String>>>(&input),
            check::<BTreeMap<i32, Vec<i64>>>(&input),
            check::<(i64, Bytes)>(&input),
        ];
        differential::<Record, RecordView<'_>>(&input, jute::view(&input));
        differential::<Tree, SharedTree>(&input, jute::from_bytes(Bytes::from(input.clone())));
        decoded += ok.iter().filter(|&&ok| ok).count() as u64;
        rounds += 1;
    }
    eprintln!("fuzz_decode: {rounds} rounds, {decoded} successful decodes, seed {seed:#x}");
    assert!(rounds > 0);
}
