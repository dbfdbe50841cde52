//! Borrowed views (`JuteView`): the same bytes as the owned records, errors at the same places,
//! and text and buffers that point into the input.

use std::borrow::Cow;
use std::collections::BTreeMap;

use jute::Jute;
use proptest::prelude::*;

#[derive(Jute, Debug, Clone, PartialEq, Default)]
struct Fixed {
    a: i64,
    b: i32,
    c: bool,
}

#[derive(Jute, Debug, Clone, PartialEq)]
struct Owned {
    name: String,
    data: Vec<u8>,
    maybe: Option<String>,
    maybe_data: Option<Vec<u8>>,
    names: Vec<String>,
    fixed: Fixed,
    nested: Vec<Vec<i32>>,
    index: BTreeMap<String, Vec<u8>>,
    flag: i8,
    #[jute(trailing)]
    extra: Option<String>,
}

/// The view of `Owned`: same wire layout, borrowed text and buffers.
#[derive(Jute, Debug, Clone, PartialEq)]
#[jute(name = "Owned")]
struct View<'a> {
    name: Cow<'a, str>,
    data: Cow<'a, [u8]>,
    maybe: Option<Cow<'a, str>>,
    maybe_data: Option<Cow<'a, [u8]>>,
    names: Vec<Cow<'a, str>>,
    fixed: Fixed,
    nested: Vec<Vec<i32>>,
    index: BTreeMap<Cow<'a, str>, Cow<'a, [u8]>>,
    flag: i8,
    #[jute(trailing)]
    extra: Option<Cow<'a, str>>,
}

fn owned() -> impl Strategy<Value = Owned> {
    (
        (
            any::<String>(),
            any::<Vec<u8>>(),
            any::<Option<String>>(),
            any::<Option<Vec<u8>>>(),
            any::<Vec<String>>(),
        ),
        (
            (any::<i64>(), any::<i32>(), any::<bool>()),
            any::<Vec<Vec<i32>>>(),
            any::<BTreeMap<String, Vec<u8>>>(),
            any::<i8>(),
            any::<Option<String>>(),
        ),
    )
        .prop_map(
            |((name, data, maybe, maybe_data, names), ((a, b, c), nested, index, flag, extra))| {
                Owned {
                    name,
                    data,
                    maybe,
                    maybe_data,
                    names,
                    fixed: Fixed { a, b, c },
                    nested,
                    index,
                    flag,
                    extra,
                }
            },
        )
}

fn points_into(text: &[u8], input: &[u8]) -> bool {
    text.is_empty() || input.as_ptr_range().contains(&text.as_ptr())
}

proptest! {
    #[test]
    fn views_encode_back_to_the_same_bytes(value in owned()) {
        let bytes = jute::to_vec(&value);
        let view: View<'_> = jute::view(&bytes).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(jute::to_vec(&view), bytes.clone());
        prop_assert_eq!(view.encoded_len(), bytes.len());
        // Rust strings are UTF-8, so every text field is borrowed.
        prop_assert!(matches!(view.name, Cow::Borrowed(_)));
        prop_assert!(points_into(view.name.as_bytes(), &bytes));
        prop_assert!(points_into(&view.data, &bytes));
        prop_assert!(view.names.iter().all(|n| matches!(n, Cow::Borrowed(_))));
        // The view decoded through the owned path (`Jute::decode`) is the same value.
        let owned_view: View<'static> =
            jute::from_slice(&bytes).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(owned_view, view);
    }

    #[test]
    fn views_fail_where_owned_records_fail(value in owned(), cut in any::<prop::sample::Index>(), flip in any::<prop::sample::Index>()) {
        let mut bytes = jute::to_vec(&value);
        let at = cut.index(bytes.len());
        let short = &bytes[..at];
        let owned = jute::from_slice::<Owned>(short).map(|_| ()).map_err(|e| e.to_string());
        let viewed = jute::view::<View<'_>>(short).map(|_| ()).map_err(|e| e.to_string());
        prop_assert_eq!(viewed, owned);
        let i = flip.index(bytes.len());
        bytes[i] ^= 0x80;
        let owned = jute::from_slice::<Owned>(&bytes).map(|_| ()).map_err(|e| e.to_string());
        let viewed = jute::view::<View<'_>>(&bytes).map(|_| ()).map_err(|e| e.to_string());
        prop_assert_eq!(viewed, owned);
    }

    #[test]
    fn random_input_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = jute::view::<View<'_>>(&bytes);
        let _ = jute::view::<Vec<Vec<Cow<'_, str>>>>(&bytes);
    }
}

#[test]
fn nesting_is_bounded_by_the_depth_limit() {
    use jute::{Decoder, JuteView, Limits};
    // Four nested vectors of one element each, then an empty vector of strings.
    let mut bytes = Vec::new();
    for _ in 0..4 {
        bytes.extend_from_slice(&1i32.to_be_bytes());
    }
    bytes.extend_from_slice(&0i32.to_be_bytes());
    type Deep<'a> = Vec<Vec<Vec<Vec<Vec<Cow<'a, str>>>>>>;
    let limits = |max_depth| Limits {
        max_depth,
        ..Limits::default()
    };
    let mut d = Decoder::with_limits(&bytes[..], limits(5));
    assert!(Deep::decode_view(&mut d).is_ok());
    let mut d = Decoder::with_limits(&bytes[..], limits(4));
    let err = Deep::decode_view(&mut d).unwrap_err();
    assert!(
        matches!(err.kind(), jute::ErrorKind::DepthOverLimit { limit: 4 }),
        "{err}"
    );
}
