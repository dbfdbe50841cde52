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

/// Views decode the records' bytes borrowing text and buffers, and encode them back unchanged.
#[test]
fn views_decode_the_same_bytes() {
    use all_types::other::place::{Outside, OutsideView};
    use all_types::types::{ContainersView, OptionalView, PrimitivesView};
    use std::borrow::Cow;

    let p = Primitives {
        s: "héllo".into(),
        data: vec![1, 2, 3],
        ..Primitives::default()
    };
    let bytes = jute::to_vec(&p);
    let view: PrimitivesView<'_> = jute::view(&bytes).expect("view");
    assert!(matches!(view.s, Cow::Borrowed("héllo")));
    assert!(matches!(view.data, Cow::Borrowed([1, 2, 3])));
    assert_eq!(jute::to_vec(&view), bytes);

    let c = Containers {
        nested: vec![vec!["a".into()], vec!["b".into(), "c".into()]],
        ids: vec![id("world", "anyone")],
        counts: BTreeMap::from([("x".to_owned(), 1)]),
        by_id: BTreeMap::from([(7, id("ip", "127.0.0.1"))]),
        blobs: BTreeMap::from([("k".to_owned(), vec![vec![0u8], vec![]])]),
        ..Containers::default()
    };
    let bytes = jute::to_vec(&c);
    let view: ContainersView<'_> = jute::view(&bytes).expect("view");
    // Nested records that hold text are views too.
    let first: &all_types::common::IdView<'_> = &view.ids[0];
    assert!(matches!(first.scheme, Cow::Borrowed("world")));
    assert_eq!(jute::to_vec(&view), bytes);

    let outside = Outside {
        leaf: all_types::types::deep::Leaf {
            up: c,
            id: id("a", "b"),
            weighted: Weighted::default(),
        },
        id: id("c", "d"),
    };
    let bytes = jute::to_vec(&outside);
    let view: OutsideView<'_> = jute::view(&bytes).expect("view");
    assert_eq!(view.leaf.id.id, "b");
    assert_eq!(jute::to_vec(&view), bytes);

    let some = Optional {
        maybe_name: Some("n".into()),
        version: 3,
        extra: Some(true),
        ..Optional::default()
    };
    let bytes = jute::to_vec(&some);
    let view: OptionalView<'_> = jute::view(&bytes).expect("view");
    assert_eq!(view.maybe_name.as_deref(), Some("n"));
    assert_eq!((view.extra, view.more), (Some(true), None));
    assert_eq!(jute::to_vec(&view), bytes);
    // Errors name the Jute record and field, as for the owned record.
    let err = jute::view::<OptionalView<'_>>(&bytes[..3]).unwrap_err();
    let owned = jute::from_slice::<Optional>(&bytes[..3]).unwrap_err();
    assert_eq!(err.to_string(), owned.to_string());
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
