//! The generated code compiles, derives what it should, and round-trips through `jute`.
//!
//! `tests/generated/*.rs` are the fixtures' generated code, checked in and included here;
//! `generated_files_are_fresh` fails when they drift (rerun with `UPDATE_GENERATED=1`).

mod common;

#[allow(unreachable_pub, dead_code)]
mod all_types {
    include!("generated/all_types.rs");
}

#[allow(unreachable_pub, dead_code)]
mod naming_fixture {
    include!("generated/naming.rs");
}

use std::collections::BTreeMap;
use std::path::Path;

use all_types::common::Id;
use all_types::types::{Containers, Optional, Primitives, Weighted};

#[test]
fn generated_files_are_fresh() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/generated");
    for stem in ["all_types", "naming"] {
        let path = dir.join(format!("{stem}.rs"));
        let fresh = common::generate_for_compile(stem);
        if std::env::var_os("UPDATE_GENERATED").is_some() {
            std::fs::write(&path, &fresh).expect("write generated file");
        }
        let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            checked_in == fresh,
            "{} is stale: rerun with UPDATE_GENERATED=1",
            path.display()
        );
    }
}

fn id(scheme: &str, id: &str) -> Id {
    Id {
        scheme: scheme.into(),
        id: id.into(),
    }
}

fn round_trip<T: jute::Jute + PartialEq + std::fmt::Debug>(value: &T) -> Vec<u8> {
    let bytes = jute::to_vec(value);
    assert_eq!(bytes.len(), value.encoded_len());
    let back: T = jute::from_slice(&bytes).expect("decode");
    assert_eq!(&back, value);
    bytes
}

#[test]
fn primitives_round_trip() {
    let p = Primitives {
        b: -5,
        flag: true,
        i: -1,
        l: i64::MAX,
        f: 1.5,
        d: -2.25,
        s: "héllo".into(),
        data: vec![1, 2, 3],
    };
    let bytes = round_trip(&p);
    assert_eq!(&bytes[..2], &[0xfb, 1]);
    assert_eq!(bytes.len(), 1 + 1 + 4 + 8 + 4 + 8 + (4 + 6) + (4 + 3));
}

#[test]
fn containers_round_trip() {
    let c = Containers {
        ints: vec![1, -2, 3],
        nested: vec![vec!["a".into()], vec![], vec!["b".into(), "c".into()]],
        ids: vec![id("world", "anyone"), id("digest", "u:p")],
        counts: BTreeMap::from([("x".to_owned(), 1), ("y".to_owned(), 2)]),
        by_id: BTreeMap::from([(7, id("ip", "127.0.0.1"))]),
        blobs: BTreeMap::from([("k".to_owned(), vec![vec![0u8], vec![]])]),
        grid: BTreeMap::from([(1, BTreeMap::from([(2, true)]))]),
    };
    round_trip(&c);
    let w = Weighted {
        weights: BTreeMap::from([(1, 0.5)]),
        prims: vec![Primitives::default()],
    };
    round_trip(&w);
    let leaf = all_types::types::deep::Leaf {
        up: c,
        id: id("a", "b"),
        weighted: w,
    };
    round_trip(&all_types::other::place::Outside {
        leaf,
        id: id("c", "d"),
    });
}

#[test]
fn nullable_and_trailing() {
    let none = Optional::default();
    let bytes = round_trip(&none);
    // Four nulls (-1) and the version; the trailing fields are absent.
    assert_eq!(bytes.len(), 4 * 4 + 4);
    assert_eq!(&bytes[..4], &[0xff; 4]);
    let some = Optional {
        maybe_name: Some(String::new()),
        maybe_data: Some(vec![]),
        maybe_list: Some(vec![1]),
        maybe_map: Some(BTreeMap::new()),
        version: 3,
        extra: Some(true),
        more: Some(9),
    };
    let bytes = round_trip(&some);
    assert_eq!(bytes.len(), 4 + 4 + 8 + 4 + 4 + 1 + 8);
    let short: Optional =
        jute::from_slice(&bytes[..bytes.len() - 8]).expect("decode without `more`");
    assert_eq!(short.extra, Some(true));
    assert_eq!(short.more, None);
}

#[test]
fn derives_follow_field_types() {
    fn eq_hash<T: Eq + std::hash::Hash + Default + Clone>() {}
    eq_hash::<Id>();
    eq_hash::<Containers>();
    eq_hash::<Optional>();
    eq_hash::<naming_fixture::naming::Acl>();
    // The configured type attribute.
    assert!(id("a", "b") < id("b", "a"));
    // Weighted and Primitives hold floats: PartialEq only (checked by the snapshot).
    assert_ne!(
        Primitives {
            f: f32::NAN,
            ..Primitives::default()
        },
        Primitives {
            f: f32::NAN,
            ..Primitives::default()
        }
    );
}

#[test]
fn error_paths_use_jute_names() {
    let mut bytes = jute::to_vec(&Optional {
        version: 1,
        ..Optional::default()
    });
    bytes[0..4].copy_from_slice(&(-2i32).to_be_bytes());
    let err = jute::from_slice::<Optional>(&bytes).expect_err("-2 is not a length");
    assert!(err.to_string().starts_with("Optional.maybeName"), "{err}");
    let err =
        jute::from_slice::<naming_fixture::naming::LowercaseRecord>(&[0; 3]).expect_err("short");
    assert!(
        err.to_string().starts_with("lowercase_record.type"),
        "{err}"
    );
}

#[test]
fn naming_corners_compile() {
    use naming_fixture::naming::{
        r#type::Self_, user::UsesKeywordModule, CreateTtlRequest, GetAclRequest, LowercaseRecord,
        NotRaw, NotRawUpper, StatPersistedV1,
    };
    let r = LowercaseRecord {
        r#type: 1,
        r#match: 2,
        r#async: 3,
        last_zxid_seen: 4,
        time_out: 5,
        cversion: 6,
        paths2_delete: 7,
        parent_c_version: 8,
    };
    round_trip(&r);
    round_trip(&NotRaw {
        self_: 1,
        super_: 2,
        crate_: 3,
    });
    round_trip(&NotRawUpper { self_: 1 });
    round_trip(&StatPersistedV1 {
        czxid: 1,
        ephemeral_owner: 2,
    });
    round_trip(&CreateTtlRequest {
        path: "/p".into(),
        ttl: 5,
    });
    round_trip(&UsesKeywordModule {
        s: Self_ {
            r#dyn: 1,
            acl: naming_fixture::naming::Acl { perms: 31 },
        },
        req: GetAclRequest { path: "/".into() },
    });
}
