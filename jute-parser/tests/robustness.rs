//! Property tests: no input makes the parser panic, and pathological input stays fast.

use proptest::prelude::*;
use std::time::{Duration, Instant};

fn corpus() -> Vec<String> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/corpus/valid");
    let mut out: Vec<String> = std::fs::read_dir(dir)
        .expect("corpus")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "jute"))
        .filter_map(|e| std::fs::read_to_string(e.path()).ok())
        .collect();
    out.sort();
    out.push(
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../zookeeper.jute"))
            .expect("zookeeper.jute"),
    );
    out
}

/// Parses with a virtual name in a directory that has no includable files nearby, so random
/// `include` paths resolve to nothing (or to files the loader refuses).
fn parse(src: &str) -> Result<jute_parser::Schema, jute_parser::Diagnostics> {
    let res = jute_parser::parse_str("/nonexistent-jute-dir/fuzz.jute", src);
    if let Err(d) = &res {
        // Rendering must not panic either.
        let _ = d.to_string();
    }
    res
}

fn timed(src: &str) {
    let start = Instant::now();
    let _ = parse(src);
    let _ = jute_parser::parse_ast("fuzz.jute", src);
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "parsing took {:?}",
        start.elapsed()
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        timed(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn random_token_soup_never_panics(tokens in proptest::collection::vec(
        prop::sample::select(vec![
            "module", "class", "include", "int", "vector", "map", "ustring", "a", "B", "c.d",
            "{", "}", "<", ">", ",", ";", ".", "\"x.jute\"", "//c\n", "/*c*/", " ", "\n", "\"",
            "/*", "@", "_",
        ]),
        0..80,
    )) {
        timed(&tokens.concat());
    }

    #[test]
    fn truncated_corpus_never_panics(idx in 0usize..64, cut in 0.0f64..1.0) {
        let files = corpus();
        let src = &files[idx % files.len()];
        let mut end = (src.len() as f64 * cut) as usize;
        while !src.is_char_boundary(end) {
            end -= 1;
        }
        timed(&src[..end]);
    }

    #[test]
    fn mutated_corpus_never_panics(
        idx in 0usize..64,
        edits in proptest::collection::vec((0.0f64..1.0, 0usize..3, any::<char>()), 1..8),
    ) {
        let files = corpus();
        let mut src: Vec<char> = files[idx % files.len()].chars().collect();
        for (at, op, ch) in edits {
            let i = ((src.len() as f64) * at) as usize;
            match op {
                0 if i < src.len() => { src.remove(i); }
                1 => src.insert(i.min(src.len()), ch),
                _ if i < src.len() => src[i] = ch,
                _ => {}
            }
        }
        timed(&src.into_iter().collect::<String>());
    }
}

#[test]
fn deep_nesting_is_reported_not_overflowed() {
    for depth in [64usize, 65, 1_000, 100_000] {
        let src = format!(
            "module m {{ class A {{ {}int{} x; }} }}\n",
            "vector<".repeat(depth),
            ">".repeat(depth)
        );
        let res = parse(&src);
        if depth <= 64 {
            assert!(
                res.is_ok(),
                "depth {depth}: {:?}",
                res.err().map(|d| d.to_string())
            );
        } else {
            let err = res.expect_err("too deep").to_string();
            assert!(err.contains("type nesting is too deep"), "{err}");
        }
    }
    // Unbalanced openers only.
    let src = format!("module m {{ class A {{ {}", "map<".repeat(100_000));
    timed(&src);
}

#[test]
fn huge_flat_inputs_are_fast() {
    let mut src = String::from("module m {\n");
    for i in 0..5_000 {
        src.push_str(&format!("  class C{i} {{ int x; vector<int> y; }}\n"));
    }
    src.push_str("}\n");
    let start = Instant::now();
    let schema = parse(&src).expect("valid");
    assert_eq!(schema.records().count(), 5_000);
    assert!(start.elapsed() < Duration::from_secs(10));
    // Many errors: each class broken.
    let broken = src.replace("int x;", "int x");
    let err = parse(&broken).expect_err("broken");
    assert_eq!(err.len(), 5_000);
}

#[test]
fn special_files_are_refused() {
    let err = jute_parser::parse_str(
        "/x.jute",
        "include \"dev/zero\"\nmodule m { class A { int x; } }\n",
    )
    .expect_err("refused");
    assert!(err.to_string().contains("not a regular file"), "{err}");
}
