//! The decoding error: what was expected, what was found, at which byte, in which field.

use std::fmt;

/// A decoding error.
///
/// The message names the field path (`ConnectResponse.passwd`, `SetWatches.dataWatches[3]`),
/// the byte offset at which the offending item starts, what was expected and what was found.
/// The error is one pointer wide, so `Result<T, Error>` stays small on hot paths.
pub struct Error {
    inner: Box<Inner>,
}

struct Inner {
    kind: ErrorKind,
    offset: usize,
    /// Innermost segment first (segments are pushed while the error unwinds).
    path: Vec<PathSegment>,
}

/// One step of the path from the outermost record to the item that failed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PathSegment {
    /// A field of a record.
    Field {
        /// The record's name, e.g. `ConnectResponse`.
        record: &'static str,
        /// The field's name, e.g. `passwd`.
        field: &'static str,
    },
    /// An element of a vector, by position (also used by callers that do not say whether a
    /// map entry's key or value failed).
    Index(usize),
    /// A field of a record whose names are known only at run time (schema-driven decoders,
    /// such as `jute-value`). Rendered exactly like [`PathSegment::Field`].
    NamedField {
        /// The record's name, e.g. `ConnectResponse`.
        record: Box<str>,
        /// The field's name, e.g. `passwd`.
        field: Box<str>,
    },
    /// The key of a map's entry, by the entry's position. Rendered `[i]:key`.
    MapKey(usize),
    /// The value of a map's entry, by the entry's position. Rendered `[i]:value`.
    MapValue(usize),
}

/// What went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The input ended inside an item.
    UnexpectedEof {
        /// The item being read, e.g. `int`.
        expected: &'static str,
        /// Bytes it needs.
        needed: usize,
        /// Bytes that were left.
        remaining: usize,
    },
    /// A length or count prefix was negative (and not the null marker -1).
    NegativeLength {
        /// The item whose prefix it was (`ustring`, `buffer`, `vector`, `map`, `frame`).
        what: &'static str,
        /// The prefix as read.
        len: i32,
    },
    /// A length prefix was larger than the configured limit (Java's `jute.maxbuffer` rule).
    LengthOverLimit {
        /// The item whose prefix it was.
        what: &'static str,
        /// The prefix as read.
        len: usize,
        /// The configured limit.
        limit: usize,
    },
    /// A length or count prefix promises more bytes than the input holds.
    LengthOverInput {
        /// The item whose prefix it was.
        what: &'static str,
        /// The prefix as read.
        len: usize,
        /// The minimum number of bytes that many items need.
        needed: usize,
        /// Bytes that were left after the prefix.
        remaining: usize,
    },
    /// A `ustring` was neither valid UTF-8 nor the CESU-8 that Java writes.
    InvalidString {
        /// Offset of the first bad byte, relative to the start of the string's bytes.
        valid_up_to: usize,
    },
    /// Vectors or maps were nested deeper than the configured limit.
    DepthOverLimit {
        /// The configured limit.
        limit: u32,
    },
    /// `from_slice` decoded a whole value but bytes were left over.
    TrailingBytes {
        /// How many bytes were left.
        count: usize,
    },
    /// A frame's 4-byte length prefix is larger than the configured frame limit.
    FrameTooLarge {
        /// The length as read.
        len: usize,
        /// The configured limit.
        limit: usize,
    },
    /// A value was well-formed Jute but not acceptable to a hand-written decoder
    /// (for example an unknown enumeration code).
    Invalid {
        /// What was expected.
        expected: String,
        /// What was found.
        found: String,
    },
}

impl Error {
    /// Creates an error of `kind` at byte `offset`.
    #[cold]
    pub fn new(kind: ErrorKind, offset: usize) -> Self {
        Self {
            inner: Box::new(Inner {
                kind,
                offset,
                path: Vec::new(),
            }),
        }
    }

    /// Creates an [`ErrorKind::Invalid`] error for hand-written decoders.
    #[cold]
    pub fn invalid(expected: impl Into<String>, found: impl Into<String>, offset: usize) -> Self {
        Self::new(
            ErrorKind::Invalid {
                expected: expected.into(),
                found: found.into(),
            },
            offset,
        )
    }

    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.inner.kind
    }

    /// The byte offset, from the start of the decoded input, where the offending item starts.
    pub fn offset(&self) -> usize {
        self.inner.offset
    }

    /// The same error with its offset moved `by` bytes later: for input decoded from a slice
    /// that starts `by` bytes into a larger stream, so that the offset counts from the
    /// stream's start.
    #[cold]
    pub fn shifted(mut self, by: usize) -> Self {
        self.inner.offset = self.inner.offset.saturating_add(by);
        self
    }

    /// The path from the outermost record to the failing item, outermost first.
    pub fn path(&self) -> impl Iterator<Item = &PathSegment> {
        self.inner.path.iter().rev()
    }

    /// The path rendered as text, e.g. `ConnectResponse.passwd` or `SetWatches.dataWatches[3]`.
    /// Empty when the error happened outside any record.
    pub fn path_string(&self) -> String {
        let mut out = String::new();
        for segment in self.path() {
            match segment {
                PathSegment::Field { record, field } => {
                    push_field(&mut out, record, field);
                }
                PathSegment::NamedField { record, field } => {
                    push_field(&mut out, record, field);
                }
                PathSegment::Index(i) => push_index(&mut out, *i),
                PathSegment::MapKey(i) => {
                    push_index(&mut out, *i);
                    out.push_str(":key");
                }
                PathSegment::MapValue(i) => {
                    push_index(&mut out, *i);
                    out.push_str(":value");
                }
            }
        }
        out
    }

    /// Records that the error happened inside `record.field` (called while unwinding).
    #[cold]
    pub fn in_field(mut self, record: &'static str, field: &'static str) -> Self {
        self.inner.path.push(PathSegment::Field { record, field });
        self
    }

    /// Like [`Error::in_field`], for names known only at run time (a schema loaded by a
    /// program rather than compiled into it). Allocates, on the error path only.
    #[cold]
    pub fn in_named_field(mut self, record: &str, field: &str) -> Self {
        self.inner.path.push(PathSegment::NamedField {
            record: record.into(),
            field: field.into(),
        });
        self
    }

    /// Records that the error happened inside element `index` of a vector (or, when the caller
    /// does not say which part, entry `index` of a map).
    #[cold]
    pub fn in_index(mut self, index: usize) -> Self {
        self.inner.path.push(PathSegment::Index(index));
        self
    }

    /// Records that the error happened inside the key of entry `index` of a map.
    #[cold]
    pub fn in_map_key(mut self, index: usize) -> Self {
        self.inner.path.push(PathSegment::MapKey(index));
        self
    }

    /// Records that the error happened inside the value of entry `index` of a map.
    #[cold]
    pub fn in_map_value(mut self, index: usize) -> Self {
        self.inner.path.push(PathSegment::MapValue(index));
        self
    }
}

/// Appends `[index]` to a rendered path.
fn push_index(out: &mut String, index: usize) {
    out.push('[');
    out.push_str(&index.to_string());
    out.push(']');
}

/// Appends `record.field` to a rendered path (the record only for the outermost segment).
fn push_field(out: &mut String, record: &str, field: &str) {
    if out.is_empty() {
        out.push_str(record);
    }
    out.push('.');
    out.push_str(field);
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorKind::UnexpectedEof {
                expected,
                needed,
                remaining,
            } => write!(
                f,
                "expected {expected} ({needed} bytes), found end of input ({remaining} bytes left)"
            ),
            ErrorKind::NegativeLength { what, len } => write!(
                f,
                "expected a {what} length >= -1, found {len}"
            ),
            ErrorKind::LengthOverLimit { what, len, limit } => write!(
                f,
                "expected a {what} length <= {limit} (the configured limit), found {len}"
            ),
            ErrorKind::LengthOverInput {
                what,
                len,
                needed,
                remaining,
            } => write!(
                f,
                "expected a {what} length that fits the input, found {len} \
                 (needs at least {needed} bytes, {remaining} left)"
            ),
            ErrorKind::InvalidString { valid_up_to } => write!(
                f,
                "expected UTF-8 (or Java's CESU-8) text, found an invalid sequence at string byte {valid_up_to}"
            ),
            ErrorKind::DepthOverLimit { limit } => write!(
                f,
                "expected vectors and maps nested at most {limit} deep, found deeper nesting"
            ),
            ErrorKind::TrailingBytes { count } => write!(
                f,
                "expected end of input after the value, found {count} trailing byte{}",
                if *count == 1 { "" } else { "s" }
            ),
            ErrorKind::FrameTooLarge { len, limit } => {
                write!(
                    f,
                    "expected a frame length <= {limit} (the configured limit), found {len}"
                )?;
                if let Some(hint) = crate::length_hint::explain_bad_length(*len as u64) {
                    write!(f, "; {hint}")?;
                }
                Ok(())
            }
            ErrorKind::Invalid { expected, found } => {
                write!(f, "expected {expected}, found {found}")
            }
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = self.path_string();
        if !path.is_empty() {
            write!(f, "{path}: ")?;
        }
        write!(f, "at byte {}: {}", self.inner.offset, self.inner.kind)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("kind", &self.inner.kind)
            .field("offset", &self.inner.offset)
            .field("path", &self.path_string())
            .finish()
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_is_one_pointer() {
        assert_eq!(std::mem::size_of::<Error>(), std::mem::size_of::<usize>());
    }

    #[test]
    fn path_renders_outermost_first() {
        let e = Error::new(
            ErrorKind::UnexpectedEof {
                expected: "long",
                needed: 8,
                remaining: 3,
            },
            41,
        )
        .in_field("Stat", "mzxid")
        .in_index(2)
        .in_field("MultiResponse", "stats");
        assert_eq!(e.path_string(), "MultiResponse.stats[2].mzxid");
        let named = Error::new(ErrorKind::TrailingBytes { count: 1 }, 3)
            .in_named_field("Stat", "mzxid")
            .in_index(0)
            .in_field("MultiResponse", "stats");
        assert_eq!(named.path_string(), "MultiResponse.stats[0].mzxid");
        assert_eq!(
            e.to_string(),
            "MultiResponse.stats[2].mzxid: at byte 41: expected long (8 bytes), found end of input (3 bytes left)"
        );
    }

    #[test]
    fn map_keys_and_values_are_told_apart() {
        let key = Error::invalid("a key", "null", 0)
            .in_map_key(1)
            .in_field("SetWatches", "m");
        assert_eq!(key.path_string(), "SetWatches.m[1]:key");
        let value = Error::invalid("a value", "null", 0)
            .in_field("Id", "scheme")
            .in_map_value(4);
        assert_eq!(value.path_string(), "[4]:value.scheme");
    }

    #[test]
    fn shifted_moves_the_offset_and_keeps_the_path() {
        let e = Error::invalid("a node path", "null", 4)
            .in_field("Znode", "path")
            .shifted(1000);
        assert_eq!(e.offset(), 1004);
        assert_eq!(
            e.to_string(),
            "Znode.path: at byte 1004: expected a node path, found null"
        );
    }
}
