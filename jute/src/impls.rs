//! `Jute` for the primitive and container types of the Jute type mapping.

use std::collections::BTreeMap;

use bytes::{Buf, BufMut, Bytes};

use crate::decoder::Decoder;
use crate::error::Error;
use crate::utf8_bytes::Utf8Bytes;
use crate::{Jute, Nullable};

/// A fixed-size primitive; `$bytes` gives its big-endian wire bytes (floats canonicalize NaN).
macro_rules! primitive {
    ($ty:ty, $len:expr, $read:ident) => {
        primitive!($ty, $len, $read, <$ty>::to_be_bytes);
    };
    ($ty:ty, $len:expr, $read:ident, $bytes:expr) => {
        impl Jute for $ty {
            const MIN_ENCODED_LEN: usize = $len;

            #[inline]
            fn encode<B: BufMut + ?Sized>(&self, buf: &mut B) {
                crate::put::put_array(buf, ($bytes)(*self));
            }

            #[inline]
            fn encoded_len(&self) -> usize {
                $len
            }

            #[inline]
            fn decode<B: Buf>(d: &mut Decoder<B>) -> Result<Self, Error> {
                d.$read()
            }
        }
    };
}

primitive!(i8, 1, read_i8);
primitive!(i32, 4, read_i32);
primitive!(i64, 8, read_i64);
primitive!(f32, 4, read_f32, crate::put::f32_bytes);
primitive!(f64, 8, read_f64, crate::put::f64_bytes);

impl Jute for bool {
    const MIN_ENCODED_LEN: usize = 1;

    #[inline]
    fn encode<B: BufMut + ?Sized>(&self, buf: &mut B) {
        crate::put::put_array(buf, [u8::from(*self)]);
    }

    #[inline]
    fn encoded_len(&self) -> usize {
        1
    }

    #[inline]
    fn decode<B: Buf>(d: &mut Decoder<B>) -> Result<Self, Error> {
        d.read_bool()
    }
}

/// A plain (non-`Option`) length-prefixed value reads the null marker -1 as empty.
/// Strings and buffers ask for `#[inline(always)]` (a short body that every record's decoder
/// should hold in line); containers take the default `#[inline]`.
macro_rules! nullable_decode {
    () => {
        $crate::impls::nullable_decode!(#[inline]);
    };
    (#[$inline:meta]) => {
        #[$inline]
        fn decode<B: Buf>(d: &mut Decoder<B>) -> Result<Self, Error> {
            match <Self as Nullable>::read_prefix(d)? {
                Some(len) => <Self as Nullable>::decode_body(d, len),
                None => Ok(Self::default()),
            }
        }
    };
}

pub(crate) use nullable_decode;

/// `ustring` and `buffer`: an `int` length, then the bytes. Types backed by `Bytes` name how
/// to get it (`shared`), so that [`Jute::encode_chunks`] can share large values.
macro_rules! length_prefixed_bytes {
    ($ty:ty, $what:literal, $take:ident) => {
        length_prefixed_bytes!($ty, $what, $take, {});
    };
    ($ty:ty, $what:literal, $take:ident, shared = $shared:expr) => {
        length_prefixed_bytes!($ty, $what, $take, {
            #[inline]
            fn encode_chunks(&self, out: &mut crate::Chunks) {
                if self.len() >= crate::SHARE_MIN_LEN {
                    crate::put::put_len(out.buf(), self.len());
                    out.push_shared($shared(self));
                } else {
                    self.encode(out.buf());
                }
            }
        });
    };
    ($ty:ty, $what:literal, $take:ident, { $($chunks:tt)* }) => {
        impl Jute for $ty {
            $($chunks)*

            const MIN_ENCODED_LEN: usize = 4;

            #[inline]
            fn encode<B: BufMut + ?Sized>(&self, buf: &mut B) {
                let bytes = <$ty as AsRef<[u8]>>::as_ref(self);
                crate::put::put_len(buf, bytes.len());
                buf.put_slice(bytes);
            }

            #[inline]
            fn encoded_len(&self) -> usize {
                4 + self.len()
            }

            nullable_decode!(#[inline(always)]);
        }

        impl Nullable for $ty {
            #[inline(always)]
            fn read_prefix<B: Buf>(d: &mut Decoder<B>) -> Result<Option<usize>, Error> {
                d.read_byte_len($what)
            }

            #[inline]
            fn decode_body<B: Buf>(d: &mut Decoder<B>, len: usize) -> Result<Self, Error> {
                d.$take(len)
            }
        }
    };
}

length_prefixed_bytes!(String, "ustring", take_string);
length_prefixed_bytes!(
    Utf8Bytes,
    "ustring",
    take_utf8_bytes,
    shared = |s: &Utf8Bytes| s.clone().into_bytes()
);
length_prefixed_bytes!(Vec<u8>, "buffer", take_vec);
length_prefixed_bytes!(Bytes, "buffer", take_bytes, shared = Bytes::clone);

/// Initial capacity for `count` elements of at least `min_len` bytes each: exact when each
/// element takes input bytes, capped when elements may be empty (their count is bounded by the
/// remaining input at one byte each, which the elements themselves need not consume).
#[inline]
pub(crate) fn capacity(count: usize, min_len: usize) -> usize {
    if min_len == 0 {
        count.min(1024)
    } else {
        count
    }
}

impl<T: Jute> Jute for Vec<T> {
    const MIN_ENCODED_LEN: usize = 4;

    #[inline]
    fn encode<B: BufMut + ?Sized>(&self, buf: &mut B) {
        crate::put::put_len(buf, self.len());
        for item in self {
            item.encode(buf);
        }
    }

    #[inline]
    fn encoded_len(&self) -> usize {
        4 + self.iter().map(Jute::encoded_len).sum::<usize>()
    }

    fn encode_chunks(&self, out: &mut crate::Chunks) {
        crate::put::put_len(out.buf(), self.len());
        for item in self {
            item.encode_chunks(out);
        }
    }

    nullable_decode!();
}

impl<T: Jute> Nullable for Vec<T> {
    #[inline]
    fn read_prefix<B: Buf>(d: &mut Decoder<B>) -> Result<Option<usize>, Error> {
        d.read_count("vector", T::MIN_ENCODED_LEN)
    }

    fn decode_body<B: Buf>(d: &mut Decoder<B>, len: usize) -> Result<Self, Error> {
        d.nested(|d| {
            let mut out = Vec::with_capacity(capacity(len, T::MIN_ENCODED_LEN));
            for i in 0..len {
                out.push(T::decode(d).map_err(|e| e.in_index(i))?);
            }
            Ok(out)
        })
    }
}

impl<K: Jute + Ord, V: Jute> Jute for BTreeMap<K, V> {
    const MIN_ENCODED_LEN: usize = 4;

    fn encode<B: BufMut + ?Sized>(&self, buf: &mut B) {
        crate::put::put_len(buf, self.len());
        for (k, v) in self {
            k.encode(buf);
            v.encode(buf);
        }
    }

    fn encoded_len(&self) -> usize {
        4 + self
            .iter()
            .map(|(k, v)| k.encoded_len() + v.encoded_len())
            .sum::<usize>()
    }

    fn encode_chunks(&self, out: &mut crate::Chunks) {
        crate::put::put_len(out.buf(), self.len());
        for (k, v) in self {
            k.encode_chunks(out);
            v.encode_chunks(out);
        }
    }

    nullable_decode!();
}

impl<K: Jute + Ord, V: Jute> Nullable for BTreeMap<K, V> {
    fn read_prefix<B: Buf>(d: &mut Decoder<B>) -> Result<Option<usize>, Error> {
        d.read_count("map", K::MIN_ENCODED_LEN + V::MIN_ENCODED_LEN)
    }

    fn decode_body<B: Buf>(d: &mut Decoder<B>, len: usize) -> Result<Self, Error> {
        d.nested(|d| {
            let mut out = BTreeMap::new();
            for i in 0..len {
                let k = K::decode(d).map_err(|e| e.in_map_key(i))?;
                let v = V::decode(d).map_err(|e| e.in_map_value(i))?;
                // Like Java's TreeMap, a repeated key keeps the last value.
                out.insert(k, v);
            }
            Ok(out)
        })
    }
}

impl<T: Nullable> Jute for Option<T> {
    const MIN_ENCODED_LEN: usize = 4;

    #[inline]
    fn encode<B: BufMut + ?Sized>(&self, buf: &mut B) {
        match self {
            Some(v) => v.encode(buf),
            None => crate::put::put_array(buf, (-1i32).to_be_bytes()),
        }
    }

    #[inline]
    fn encoded_len(&self) -> usize {
        self.as_ref().map_or(4, Jute::encoded_len)
    }

    #[inline]
    fn encode_chunks(&self, out: &mut crate::Chunks) {
        match self {
            Some(v) => v.encode_chunks(out),
            None => crate::put::put_array(out.buf(), (-1i32).to_be_bytes()),
        }
    }

    #[inline]
    fn decode<B: Buf>(d: &mut Decoder<B>) -> Result<Self, Error> {
        match T::read_prefix(d)? {
            Some(len) => T::decode_body(d, len).map(Some),
            None => Ok(None),
        }
    }
}

/// The empty record: encodes to nothing (a request with no body, such as a ping).
impl Jute for () {
    #[inline]
    fn encode<B: BufMut + ?Sized>(&self, _buf: &mut B) {}

    #[inline]
    fn encoded_len(&self) -> usize {
        0
    }

    #[inline]
    fn decode<B: Buf>(_d: &mut Decoder<B>) -> Result<Self, Error> {
        Ok(())
    }
}

/// Two records back to back, such as a request header and its body.
impl<A: Jute, Z: Jute> Jute for (A, Z) {
    const MIN_ENCODED_LEN: usize = A::MIN_ENCODED_LEN + Z::MIN_ENCODED_LEN;

    #[inline]
    fn encode<B: BufMut + ?Sized>(&self, buf: &mut B) {
        self.0.encode(buf);
        self.1.encode(buf);
    }

    #[inline]
    fn encoded_len(&self) -> usize {
        self.0.encoded_len() + self.1.encoded_len()
    }

    #[inline]
    fn encode_chunks(&self, out: &mut crate::Chunks) {
        self.0.encode_chunks(out);
        self.1.encode_chunks(out);
    }

    #[inline]
    fn decode<B: Buf>(d: &mut Decoder<B>) -> Result<Self, Error> {
        Ok((A::decode(d)?, Z::decode(d)?))
    }
}

/// A boxed value encodes as the value.
impl<T: Jute> Jute for Box<T> {
    const MIN_ENCODED_LEN: usize = T::MIN_ENCODED_LEN;

    #[inline]
    fn encode<B: BufMut + ?Sized>(&self, buf: &mut B) {
        (**self).encode(buf);
    }

    #[inline]
    fn encoded_len(&self) -> usize {
        (**self).encoded_len()
    }

    #[inline]
    fn encode_chunks(&self, out: &mut crate::Chunks) {
        (**self).encode_chunks(out);
    }

    #[inline]
    fn decode<B: Buf>(d: &mut Decoder<B>) -> Result<Self, Error> {
        T::decode(d).map(Box::new)
    }
}
