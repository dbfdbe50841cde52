//! The [`Jute`] trait (a record or field type: encode, decode, sizes) and [`Nullable`].

use bytes::{Buf, BufMut};

use crate::{Chunks, Decoder, Error};

/// A Jute record (or field type): encodes into any [`BufMut`], decodes from any [`Buf`].
///
/// Implement it with `#[derive(Jute)]`, or by hand for records whose layout depends on their
/// contents (as ZooKeeper does for its multi-operation records):
///
/// ```
/// use jute::{bytes::{Buf, BufMut}, Decoder, Error, Jute};
///
/// /// A record whose body depends on a tag.
/// enum Shape { Circle(f64), Square(i32) }
///
/// impl Jute for Shape {
///     const MIN_ENCODED_LEN: usize = 5;
///     fn encode<B: BufMut + ?Sized>(&self, buf: &mut B) {
///         match self {
///             Shape::Circle(r) => { 1i8.encode(buf); r.encode(buf) }
///             Shape::Square(s) => { 2i8.encode(buf); s.encode(buf) }
///         }
///     }
///     fn encoded_len(&self) -> usize {
///         1 + match self { Shape::Circle(_) => 8, Shape::Square(_) => 4 }
///     }
///     fn decode<B: Buf>(d: &mut Decoder<B>) -> Result<Self, Error> {
///         let at = d.offset();
///         match i8::decode(d)? {
///             1 => Ok(Shape::Circle(f64::decode(d)?)),
///             2 => Ok(Shape::Square(i32::decode(d)?)),
///             tag => Err(Error::invalid("shape tag 1 or 2", tag.to_string(), at)),
///         }
///     }
/// }
///
/// let bytes = jute::to_vec(&Shape::Square(7));
/// assert!(matches!(jute::from_slice(&bytes)?, Shape::Square(7)));
/// # Ok::<(), Error>(())
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a Jute type",
    label = "no Jute encoding for `{Self}`",
    note = "Jute types are i8, bool, i32, i64, f32, f64, String, Vec<u8>, bytes::Bytes, Vec<T>, \
            BTreeMap<K, V>, Option of a string/buffer/vector/map, and records that derive `Jute`"
)]
pub trait Jute: Sized {
    /// The fewest bytes any value of this type encodes to. Used to bound vector and map counts
    /// by the input that remains; it must never exceed a real encoding's length (0 is always
    /// safe).
    const MIN_ENCODED_LEN: usize = 0;

    /// Writes the value. Infallible: the buffer grows or the caller sized it with
    /// [`Jute::encoded_len`].
    ///
    /// # Panics
    ///
    /// When a string, buffer, vector or map holds more than `i32::MAX` bytes or elements:
    /// the wire's `int` prefix cannot hold the length (it would wrap, and -1 reads as null).
    fn encode<B: BufMut + ?Sized>(&self, buf: &mut B);

    /// The exact number of bytes [`Jute::encode`] writes.
    fn encoded_len(&self) -> usize;

    /// Writes the same bytes as [`Jute::encode`] into [`Chunks`], except that `Bytes` and
    /// `Utf8Bytes` values of at least [`SHARE_MIN_LEN`](crate::SHARE_MIN_LEN) bytes become chunks of their own,
    /// shared rather than copied (for a vectored write). Records and containers forward to
    /// their fields; everything else writes into [`Chunks::buf`].
    ///
    /// # Panics
    ///
    /// As [`Jute::encode`], on a length or count over `i32::MAX`.
    #[inline]
    fn encode_chunks(&self, out: &mut Chunks) {
        self.encode(out.buf());
    }

    /// Reads one value.
    fn decode<B: Buf>(d: &mut Decoder<B>) -> Result<Self, Error>;

    /// Decodes `bytes` in one step when the type has a fixed size (a record whose fields are
    /// all fixed-size primitives, such as `Stat`) and `bytes` are exactly one value; `None`
    /// otherwise, for the caller to decode through a [`Decoder`] (which reports why the bytes
    /// do not fit). [`from_slice`](crate::from_slice), [`from_bytes`](crate::from_bytes) and [`from_buf_with_limits`](crate::from_buf_with_limits) try it first.
    /// `#[derive(Jute)]` implements it for fixed-size records; the default returns `None`.
    ///
    /// Contract for an implementation: `Some(v)` only when decoding `bytes` with
    /// [`Jute::decode`] would consume all of them and give the same `v`.
    #[inline(always)]
    fn decode_exact(bytes: &[u8]) -> Option<Self> {
        let _ = bytes;
        None
    }
}

/// A length-prefixed type that has a null form (-1): `ustring`, `buffer`, `vector`, `map`.
///
/// `Option<T>` of such a type represents null; a plain `T` reads null as empty.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no null form, so `Option<{Self}>` is not a Jute type",
    label = "only ustring, buffer, vector and map can be null",
    note = "for a field that may be missing at the end of a record, use `#[jute(trailing)]`"
)]
pub trait Nullable: Jute + Default {
    /// Reads the length or count prefix; `None` is the null marker.
    fn read_prefix<B: Buf>(d: &mut Decoder<B>) -> Result<Option<usize>, Error>;

    /// Reads the body after a non-null prefix of `len`.
    fn decode_body<B: Buf>(d: &mut Decoder<B>, len: usize) -> Result<Self, Error>;
}
