//! [`Utf8Bytes`]: an immutable UTF-8 string that shares a [`Bytes`] buffer.

use std::borrow::{Borrow, Cow};
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;
use std::str::Utf8Error;

use bytes::Bytes;

/// An immutable UTF-8 string backed by [`Bytes`]: cloning it, or decoding it from a frame held
/// in `Bytes`, shares the buffer instead of allocating.
///
/// A `ustring` decoded into a `String` costs one allocation (and later one free) per string,
/// which dominates decoding records made of many short strings (a `GetChildrenResponse`, a
/// `SetWatches`). Decoded with [`from_bytes`](crate::from_bytes) into `Utf8Bytes`, each string
/// is a reference-counted view of the input: no allocation and no copy. Generated records use
/// it when `jute-codegen` is configured with `StringType::Utf8Bytes`.
///
/// It dereferences to [`str`], so every `str` method works, and it compares, orders and hashes
/// exactly like the `str` it holds (so a `HashMap<Utf8Bytes, _>` can be queried with a `&str`).
///
/// ```
/// use jute::Utf8Bytes;
///
/// let name = Utf8Bytes::from_static("/services/api");
/// assert!(name.starts_with("/services"));
/// assert_eq!(name, "/services/api");
///
/// let owned: Utf8Bytes = String::from("lock-0000000001").into(); // no copy
/// let record = jute::to_vec(&owned);
/// let back: Utf8Bytes = jute::from_bytes(record.into()).unwrap(); // a view of the input
/// assert_eq!(back, owned);
/// ```
#[derive(Clone, Default)]
pub struct Utf8Bytes {
    /// Invariant: always valid UTF-8. Every constructor validates or starts from a `str`.
    bytes: Bytes,
}

impl Utf8Bytes {
    /// The empty string.
    #[inline]
    pub const fn new() -> Self {
        Self {
            bytes: Bytes::new(),
        }
    }

    /// A string pointing at static text: no allocation, usable in `const` items.
    #[inline]
    pub const fn from_static(text: &'static str) -> Self {
        Self {
            bytes: Bytes::from_static(text.as_bytes()),
        }
    }

    /// Checks that `bytes` are UTF-8 and wraps them without copying.
    ///
    /// ```
    /// # use jute::Utf8Bytes;
    /// use jute::bytes::Bytes;
    ///
    /// assert_eq!(Utf8Bytes::from_utf8(Bytes::from_static(b"ok")).unwrap(), "ok");
    /// assert!(Utf8Bytes::from_utf8(Bytes::from_static(&[0xff])).is_err());
    /// ```
    pub fn from_utf8(bytes: Bytes) -> Result<Self, Utf8Error> {
        if !crate::string::is_ascii(&bytes) {
            std::str::from_utf8(&bytes)?;
        }
        Ok(Self { bytes })
    }

    /// Wraps bytes the caller has already checked to be UTF-8.
    #[inline]
    pub(crate) fn from_validated(bytes: Bytes) -> Self {
        debug_assert!(std::str::from_utf8(&bytes).is_ok());
        Self { bytes }
    }

    /// The text.
    #[inline]
    pub fn as_str(&self) -> &str {
        #[allow(unsafe_code)]
        // SAFETY: `bytes` is valid UTF-8 by the type's invariant: the field is private and
        // every constructor either validates (`from_utf8`, the decoder) or starts from a `str`.
        unsafe {
            std::str::from_utf8_unchecked(&self.bytes)
        }
    }

    /// The UTF-8 bytes.
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The underlying buffer (shared, not copied).
    #[inline]
    pub fn into_bytes(self) -> Bytes {
        self.bytes
    }

    /// A string for `subset`, which must be a sub-slice of `self` (for example from
    /// `strip_prefix` or `split`), sharing the buffer instead of copying.
    ///
    /// # Panics
    ///
    /// If `subset` does not point into `self` (as [`Bytes::slice_ref`]).
    ///
    /// ```
    /// # use jute::Utf8Bytes;
    /// let path = Utf8Bytes::from(String::from("/chroot/app/node"));
    /// let inner = path.slice_ref(path.strip_prefix("/chroot").unwrap());
    /// assert_eq!(inner, "/app/node");
    /// ```
    pub fn slice_ref(&self, subset: &str) -> Self {
        // A sub-slice of a `str` starts and ends on character boundaries, so it is UTF-8.
        Self {
            bytes: self.bytes.slice_ref(subset.as_bytes()),
        }
    }
}

impl Deref for Utf8Bytes {
    type Target = str;

    #[inline]
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Utf8Bytes {
    #[inline]
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<[u8]> for Utf8Bytes {
    #[inline]
    fn as_ref(&self) -> &[u8] {
        &self.bytes
    }
}

impl Borrow<str> for Utf8Bytes {
    #[inline]
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Debug for Utf8Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Utf8Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.as_str(), f)
    }
}

impl PartialEq for Utf8Bytes {
    #[inline]
    fn eq(&self, other: &Self) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for Utf8Bytes {}

impl PartialOrd for Utf8Bytes {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Utf8Bytes {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl Hash for Utf8Bytes {
    /// Hashes like the `str` it holds, which `Borrow<str>` requires.
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

/// `==` against the other string types, in both directions.
macro_rules! eq_with {
    ($($other:ty),*) => {$(
        impl PartialEq<$other> for Utf8Bytes {
            #[inline]
            fn eq(&self, other: &$other) -> bool {
                self.as_str() == AsRef::<str>::as_ref(other)
            }
        }

        impl PartialEq<Utf8Bytes> for $other {
            #[inline]
            fn eq(&self, other: &Utf8Bytes) -> bool {
                AsRef::<str>::as_ref(self) == other.as_str()
            }
        }
    )*};
}

eq_with!(str, &str, String);

impl From<String> for Utf8Bytes {
    /// Takes over the `String`'s buffer without copying.
    #[inline]
    fn from(text: String) -> Self {
        Self {
            bytes: Bytes::from(text.into_bytes()),
        }
    }
}

impl From<&str> for Utf8Bytes {
    /// Copies the text (use [`Utf8Bytes::from_static`] for static text).
    #[inline]
    fn from(text: &str) -> Self {
        Self {
            bytes: Bytes::copy_from_slice(text.as_bytes()),
        }
    }
}

impl From<Box<str>> for Utf8Bytes {
    #[inline]
    fn from(text: Box<str>) -> Self {
        Self::from(String::from(text))
    }
}

impl From<Cow<'_, str>> for Utf8Bytes {
    #[inline]
    fn from(text: Cow<'_, str>) -> Self {
        match text {
            Cow::Borrowed(text) => Self::from(text),
            Cow::Owned(text) => Self::from(text),
        }
    }
}

impl From<Utf8Bytes> for Bytes {
    #[inline]
    fn from(text: Utf8Bytes) -> Self {
        text.bytes
    }
}

impl From<Utf8Bytes> for String {
    /// Copies the text into a new `String`.
    #[inline]
    fn from(text: Utf8Bytes) -> Self {
        text.as_str().to_owned()
    }
}

impl TryFrom<Bytes> for Utf8Bytes {
    type Error = Utf8Error;

    fn try_from(bytes: Bytes) -> Result<Self, Utf8Error> {
        Self::from_utf8(bytes)
    }
}

impl std::str::FromStr for Utf8Bytes {
    type Err = std::convert::Infallible;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Ok(Self::from(text))
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for Utf8Bytes {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for Utf8Bytes {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn behaves_like_the_str_it_holds() {
        let a = Utf8Bytes::from(String::from("/a/b"));
        let b = Utf8Bytes::from_static("/a/b");
        assert_eq!(a, b);
        assert_eq!(a, "/a/b");
        assert_eq!("/a/b", a);
        assert_eq!(a, String::from("/a/b"));
        assert_eq!(format!("{a} {a:?}"), "/a/b \"/a/b\"");
        let (lo, hi) = (Utf8Bytes::from_static("a"), Utf8Bytes::from_static("b"));
        assert!(lo < hi);
        assert_eq!(Utf8Bytes::new().len(), 0);
        let mut map = HashMap::new();
        map.insert(a.clone(), 1);
        assert_eq!(map.get("/a/b"), Some(&1));
        assert_eq!(String::from(a.clone()), "/a/b");
        assert_eq!(Bytes::from(a), Bytes::from_static(b"/a/b"));
    }

    #[test]
    fn from_utf8_validates() {
        assert_eq!(
            Utf8Bytes::from_utf8(Bytes::from("é€".as_bytes().to_vec())).unwrap(),
            "é€"
        );
        let err = Utf8Bytes::try_from(Bytes::from_static(b"ok\xc3")).unwrap_err();
        assert_eq!(err.valid_up_to(), 2);
    }

    #[test]
    fn slice_ref_shares_the_buffer() {
        let whole = Utf8Bytes::from(String::from("/chroot/x"));
        let part = whole.slice_ref(&whole[7..]);
        assert_eq!(part, "/x");
        assert_eq!(part.as_ptr(), whole[7..].as_ptr());
    }
}
