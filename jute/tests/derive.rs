//! `#[derive(Jute)]`: hygiene, generics, renamed runtime crate, and compile-error UI tests.

// Shadow the prelude names the expansion could accidentally rely on.
#[allow(dead_code)]
mod shadowed {
    pub struct Result;
    pub struct Ok;
    pub struct Err;
    pub struct Vec;
    pub struct Option;
    pub struct Some;
    pub struct None;
    pub struct Box;
    #[allow(non_camel_case_types)]
    pub struct usize;
    pub struct Self_;
    pub trait Buf {}
    pub trait BufMut {}
}

#[allow(unused_imports)]
use shadowed::*;

/// A record whose derive must not depend on anything in scope.
#[derive(jute::Jute, Debug, PartialEq)]
struct Hygienic {
    a: i32,
    b: std::vec::Vec<std::string::String>,
    #[jute(trailing)]
    c: std::option::Option<bool>,
}

/// A generic record: the derive adds `T: Jute` bounds.
#[derive(jute::Jute, Debug, PartialEq)]
struct Page<T> {
    items: std::vec::Vec<T>,
    next: std::option::Option<std::string::String>,
}

mod renamed {
    // The runtime reached through another name.
    pub use ::jute as runtime;

    #[derive(runtime::Jute, Debug, PartialEq)]
    #[jute(crate = "runtime", name = "Renamed")]
    pub struct WithCrate {
        #[jute(name = "theValue")]
        pub value: i64,
        pub r#type: i32,
    }
}

#[test]
fn expansion_ignores_shadowed_prelude() {
    let v = Hygienic {
        a: 1,
        b: std::vec!["x".into()],
        c: std::option::Option::Some(true),
    };
    let bytes = jute::to_vec(&v);
    assert_eq!(jute::from_slice::<Hygienic>(&bytes).unwrap(), v);
}

#[test]
fn generic_records_roundtrip() {
    let p = Page {
        items: std::vec![1i64, 2, 3],
        next: std::option::Option::None,
    };
    let bytes = jute::to_vec(&p);
    assert_eq!(bytes.len(), 4 + 24 + 4);
    assert_eq!(jute::from_slice::<Page<i64>>(&bytes).unwrap(), p);
    assert_eq!(<Page<i64> as jute::Jute>::MIN_ENCODED_LEN, 8);
}

#[test]
fn renamed_crate_and_wire_names() {
    let v = renamed::WithCrate {
        value: 5,
        r#type: 6,
    };
    let bytes = jute::to_vec(&v);
    assert_eq!(jute::from_slice::<renamed::WithCrate>(&bytes).unwrap(), v);
    let err = jute::from_slice::<renamed::WithCrate>(&bytes[..3]).unwrap_err();
    assert_eq!(err.path_string(), "Renamed.theValue");
    let err = jute::from_slice::<renamed::WithCrate>(&bytes[..9]).unwrap_err();
    assert_eq!(err.path_string(), "Renamed.type");
}

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
