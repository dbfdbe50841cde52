//! Borrowed decoding: [`JuteView`] reads records whose text and buffers point into the input.

use std::borrow::Cow;
use std::collections::BTreeMap;

use bytes::{Buf, BufMut, Bytes};

use crate::decoder::Decoder;
use crate::error::Error;
use crate::utf8_bytes::Utf8Bytes;
use crate::{Jute, Nullable};

/// A type that can be decoded from a byte slice it may borrow from: `Cow<'de, str>` text and
/// `Cow<'de, [u8]>` buffers point into the input, so decoding allocates nothing but vectors
/// and maps (and text in Java's CESU-8 form, which is converted).
///
/// `#[derive(Jute)]` implements it for every record: a record with a lifetime parameter
/// (a *view*) decodes its fields borrowed; any other record decodes as [`Jute::decode`] does,
/// so owned records nest inside views. `jute-codegen` can generate a view next to each record
/// that holds text or buffers (`Config::views`).
///
/// ```
/// use std::borrow::Cow;
/// use jute::Jute;
///
/// #[derive(Jute, Debug, PartialEq)]
/// struct Children<'a> {
///     children: Vec<Cow<'a, str>>,
/// }
///
/// let bytes = jute::to_vec(&Children { children: vec!["a".into(), "lock-1".into()] });
/// let view: Children<'_> = jute::view(&bytes)?;
/// assert!(matches!(view.children[1], Cow::Borrowed("lock-1")));
/// # Ok::<(), jute::Error>(())
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be decoded as a borrowed Jute view",
    note = "views hold i8, bool, i32, i64, f32, f64, Cow<str>, Cow<[u8]>, Vec, BTreeMap, Option, \
            owned Jute types, and records that derive `Jute`"
)]
pub trait JuteView<'de>: Sized {
    /// The fewest bytes any value of this type encodes to (see [`Jute::MIN_ENCODED_LEN`]).
    const MIN_ENCODED_LEN: usize = 0;

    /// Reads one value, borrowing from the decoder's input where the type allows.
    fn decode_view(d: &mut Decoder<&'de [u8]>) -> Result<Self, Error>;

    /// The view counterpart of [`Jute::decode_exact`]: `bytes` decoded in one step when the
    /// type has a fixed size and they are exactly one value, else `None`. [`view`] tries it
    /// first.
    #[inline(always)]
    fn decode_exact_view(bytes: &'de [u8]) -> Option<Self> {
        let _ = bytes;
        None
    }
}

/// A view type with a null form (-1), so that `Option<T>` represents null.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no null form, so `Option<{Self}>` is not a Jute view type",
    label = "only ustring, buffer, vector and map can be null",
    note = "for a field that may be missing at the end of a record, use `#[jute(trailing)]`"
)]
pub trait NullableView<'de>: JuteView<'de> + Default {
    /// Reads the length or count prefix; `None` is the null marker.
    fn read_prefix_view(d: &mut Decoder<&'de [u8]>) -> Result<Option<usize>, Error>;

    /// Reads the body after a non-null prefix of `len`.
    fn decode_body_view(d: &mut Decoder<&'de [u8]>, len: usize) -> Result<Self, Error>;
}

/// Decodes one `T` from `bytes`, borrowing text and buffers from them, with the default
/// [`Limits`](crate::Limits); fails when bytes are left over.
#[inline]
pub fn view<'de, T: JuteView<'de>>(bytes: &'de [u8]) -> Result<T, Error> {
    if let Some(value) = T::decode_exact_view(bytes) {
        return Ok(value);
    }
    let mut d = Decoder::new(bytes);
    let decoded = T::decode_view(&mut d);
    d.finish(decoded)
}

/// Owned types decode as they always do (copying).
macro_rules! owned_view {
    ($($ty:ty),*) => {$(
        impl<'de> JuteView<'de> for $ty {
            const MIN_ENCODED_LEN: usize = <$ty as Jute>::MIN_ENCODED_LEN;

            #[inline]
            fn decode_view(d: &mut Decoder<&'de [u8]>) -> Result<Self, Error> {
                <$ty as Jute>::decode(d)
            }
        }
    )*};
}

owned_view!(
    i8,
    bool,
    i32,
    i64,
    f32,
    f64,
    (),
    String,
    Vec<u8>,
    Bytes,
    Utf8Bytes
);

macro_rules! owned_nullable_view {
    ($($ty:ty),*) => {$(
        impl<'de> NullableView<'de> for $ty {
            #[inline]
            fn read_prefix_view(d: &mut Decoder<&'de [u8]>) -> Result<Option<usize>, Error> {
                <$ty as Nullable>::read_prefix(d)
            }

            #[inline]
            fn decode_body_view(d: &mut Decoder<&'de [u8]>, len: usize) -> Result<Self, Error> {
                <$ty as Nullable>::decode_body(d, len)
            }
        }
    )*};
}

owned_nullable_view!(String, Vec<u8>, Bytes, Utf8Bytes);

/// Plain (non-`Option`) length-prefixed views read the null marker -1 as empty.
macro_rules! nullable_view_decode {
    () => {
        nullable_view_decode!(#[inline]);
    };
    (#[$inline:meta]) => {
        #[$inline]
        fn decode_view(d: &mut Decoder<&'de [u8]>) -> Result<Self, Error> {
            match Self::read_prefix_view(d)? {
                Some(len) => Self::decode_body_view(d, len),
                None => Ok(Self::default()),
            }
        }
    };
}

impl<'de: 'a, 'a> JuteView<'de> for Cow<'a, str> {
    const MIN_ENCODED_LEN: usize = 4;
    // Short enough for every record's decoder to hold in line (like the owned strings).
    nullable_view_decode!(#[inline(always)]);
}

impl<'de: 'a, 'a> NullableView<'de> for Cow<'a, str> {
    #[inline(always)]
    fn read_prefix_view(d: &mut Decoder<&'de [u8]>) -> Result<Option<usize>, Error> {
        d.read_byte_len("ustring")
    }

    #[inline(always)]
    fn decode_body_view(d: &mut Decoder<&'de [u8]>, len: usize) -> Result<Self, Error> {
        let at = d.offset();
        let bytes = d.take_slice(len)?;
        crate::string::view_java(bytes, at)
    }
}

impl<'de: 'a, 'a> JuteView<'de> for Cow<'a, [u8]> {
    const MIN_ENCODED_LEN: usize = 4;
    nullable_view_decode!();
}

impl<'de: 'a, 'a> NullableView<'de> for Cow<'a, [u8]> {
    #[inline]
    fn read_prefix_view(d: &mut Decoder<&'de [u8]>) -> Result<Option<usize>, Error> {
        d.read_byte_len("buffer")
    }

    #[inline]
    fn decode_body_view(d: &mut Decoder<&'de [u8]>, len: usize) -> Result<Self, Error> {
        d.take_slice(len).map(Cow::Borrowed)
    }
}

impl<'de, T: JuteView<'de>> JuteView<'de> for Vec<T> {
    const MIN_ENCODED_LEN: usize = 4;
    nullable_view_decode!();
}

impl<'de, T: JuteView<'de>> NullableView<'de> for Vec<T> {
    #[inline]
    fn read_prefix_view(d: &mut Decoder<&'de [u8]>) -> Result<Option<usize>, Error> {
        d.read_count("vector", T::MIN_ENCODED_LEN)
    }

    fn decode_body_view(d: &mut Decoder<&'de [u8]>, len: usize) -> Result<Self, Error> {
        d.nested(|d| {
            let mut out = Vec::with_capacity(crate::impls::capacity(len, T::MIN_ENCODED_LEN));
            for i in 0..len {
                out.push(T::decode_view(d).map_err(|e| e.in_index(i))?);
            }
            Ok(out)
        })
    }
}

impl<'de, K: JuteView<'de> + Ord, V: JuteView<'de>> JuteView<'de> for BTreeMap<K, V> {
    const MIN_ENCODED_LEN: usize = 4;
    nullable_view_decode!();
}

impl<'de, K: JuteView<'de> + Ord, V: JuteView<'de>> NullableView<'de> for BTreeMap<K, V> {
    fn read_prefix_view(d: &mut Decoder<&'de [u8]>) -> Result<Option<usize>, Error> {
        d.read_count("map", K::MIN_ENCODED_LEN + V::MIN_ENCODED_LEN)
    }

    fn decode_body_view(d: &mut Decoder<&'de [u8]>, len: usize) -> Result<Self, Error> {
        d.nested(|d| {
            let mut out = BTreeMap::new();
            for i in 0..len {
                let k = K::decode_view(d).map_err(|e| e.in_map_key(i))?;
                let v = V::decode_view(d).map_err(|e| e.in_map_value(i))?;
                out.insert(k, v);
            }
            Ok(out)
        })
    }
}

impl<'de, T: NullableView<'de>> JuteView<'de> for Option<T> {
    const MIN_ENCODED_LEN: usize = 4;

    #[inline]
    fn decode_view(d: &mut Decoder<&'de [u8]>) -> Result<Self, Error> {
        match T::read_prefix_view(d)? {
            Some(len) => T::decode_body_view(d, len).map(Some),
            None => Ok(None),
        }
    }
}

impl<'de, T: JuteView<'de>> JuteView<'de> for Box<T> {
    const MIN_ENCODED_LEN: usize = T::MIN_ENCODED_LEN;

    #[inline]
    fn decode_view(d: &mut Decoder<&'de [u8]>) -> Result<Self, Error> {
        T::decode_view(d).map(Box::new)
    }
}

impl<'de, A: JuteView<'de>, B: JuteView<'de>> JuteView<'de> for (A, B) {
    const MIN_ENCODED_LEN: usize = A::MIN_ENCODED_LEN + B::MIN_ENCODED_LEN;

    /// The two values back to back (a header and a body in one frame, say).
    #[inline]
    fn decode_view(d: &mut Decoder<&'de [u8]>) -> Result<Self, Error> {
        Ok((A::decode_view(d)?, B::decode_view(d)?))
    }
}

/// `Cow` text and buffers are Jute types too (owned when decoded from a `Buf`), so a view
/// record also encodes, and decodes without borrowing.
macro_rules! cow_jute {
    ($ty:ty, $what:literal, $take:ident, $as_bytes:expr) => {
        impl<'a> Jute for Cow<'a, $ty> {
            const MIN_ENCODED_LEN: usize = 4;

            #[inline]
            fn encode<B: BufMut + ?Sized>(&self, buf: &mut B) {
                let bytes: &[u8] = $as_bytes(&**self);
                crate::put::put_len(buf, bytes.len());
                buf.put_slice(bytes);
            }

            #[inline]
            fn encoded_len(&self) -> usize {
                4 + self.len()
            }

            crate::impls::nullable_decode!();
        }

        impl<'a> Nullable for Cow<'a, $ty> {
            #[inline]
            fn read_prefix<B: Buf>(d: &mut Decoder<B>) -> Result<Option<usize>, Error> {
                d.read_byte_len($what)
            }

            #[inline]
            fn decode_body<B: Buf>(d: &mut Decoder<B>, len: usize) -> Result<Self, Error> {
                d.$take(len).map(Cow::Owned)
            }
        }
    };
}

cow_jute!(str, "ustring", take_string, str::as_bytes);
cow_jute!([u8], "buffer", take_vec, std::convert::identity::<&[u8]>);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_buffers_borrow_the_input() {
        let owned = (String::from("/zk/a"), vec![1u8, 2, 3]);
        let bytes = crate::to_vec(&owned);
        let mut d = Decoder::new(&bytes[..]);
        let text = <Cow<'_, str>>::decode_view(&mut d).unwrap();
        let data = <Cow<'_, [u8]>>::decode_view(&mut d).unwrap();
        assert!(matches!(text, Cow::Borrowed("/zk/a")));
        assert!(matches!(data, Cow::Borrowed([1, 2, 3])));
        assert_eq!(text.as_ptr(), bytes[4..].as_ptr());
    }

    #[test]
    fn cesu8_text_is_converted() {
        // U+1F600 as Java writes it: a CESU-8 surrogate pair.
        let mut bytes = vec![0, 0, 0, 6];
        bytes.extend_from_slice(&[0xED, 0xA0, 0xBD, 0xED, 0xB8, 0x80]);
        let text: Cow<'_, str> = view(&bytes).unwrap();
        assert!(matches!(text, Cow::Owned(ref s) if s == "\u{1F600}"));
    }

    #[test]
    fn null_and_errors_match_the_owned_decoders() {
        let null = (-1i32).to_be_bytes();
        assert_eq!(view::<Option<Cow<'_, str>>>(&null).unwrap(), None);
        assert_eq!(view::<Cow<'_, str>>(&null).unwrap(), "");
        assert_eq!(
            view::<Vec<Cow<'_, [u8]>>>(&null).unwrap(),
            Vec::<Cow<'_, [u8]>>::new()
        );
        for bad in [
            &[0, 0, 0, 9, b'a'][..],
            &[0xff, 0xff, 0xff, 0xfe],
            &[0, 0, 0, 1, 0xff],
            &[0, 0],
        ] {
            let owned = crate::from_slice::<String>(bad).unwrap_err().to_string();
            let viewed = view::<Cow<'_, str>>(bad).unwrap_err().to_string();
            assert_eq!(viewed, owned);
        }
        let trailing = view::<i32>(&[0, 0, 0, 1, 9]).unwrap_err();
        assert!(matches!(
            trailing.kind(),
            crate::ErrorKind::TrailingBytes { count: 1 }
        ));
    }
}
