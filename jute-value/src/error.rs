//! [`EncodeError`]: a value (or JSON) that does not fit the schema, with the field path.

use std::fmt;

/// A value that does not fit the schema, found while encoding or converting from JSON.
///
/// The message names the field path like decoding errors do:
/// `ConnectRequest.passwd: expected a hex string, found 12`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodeError {
    kind: EncodeErrorKind,
    /// Innermost segment first (pushed while unwinding).
    path: Vec<Segment>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Field { record: String, field: String },
    Index(usize),
}

/// What did not fit.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum EncodeErrorKind {
    /// A value of the wrong shape or out of range.
    Mismatch {
        /// What the schema wants, e.g. `a hex string`.
        expected: String,
        /// What was given, e.g. `12`.
        found: String,
    },
    /// A record's field is missing.
    MissingField {
        /// The record's simple name.
        record: String,
        /// The missing field.
        field: String,
    },
    /// A record was given a field it does not have.
    UnknownField {
        /// The record's simple name.
        record: String,
        /// The unexpected field.
        field: String,
        /// The record's fields, in schema order.
        expected: Vec<String>,
    },
    /// The type names a record that is not in the schema.
    UnknownRecord(String),
}

impl EncodeError {
    /// A [`EncodeErrorKind::Mismatch`] error.
    pub fn mismatch(expected: impl Into<String>, found: impl Into<String>) -> Self {
        Self::new(EncodeErrorKind::Mismatch {
            expected: expected.into(),
            found: found.into(),
        })
    }

    /// An error of `kind` with an empty path.
    pub fn new(kind: EncodeErrorKind) -> Self {
        Self {
            kind,
            path: Vec::new(),
        }
    }

    /// What did not fit.
    pub fn kind(&self) -> &EncodeErrorKind {
        &self.kind
    }

    /// Records that the error happened inside `record.field`.
    pub fn in_field(mut self, record: &str, field: &str) -> Self {
        self.path.push(Segment::Field {
            record: record.to_string(),
            field: field.to_string(),
        });
        self
    }

    /// Records that the error happened inside element `index` of a vector or map.
    pub fn in_index(mut self, index: usize) -> Self {
        self.path.push(Segment::Index(index));
        self
    }

    /// The path rendered as text, e.g. `MultiTxn.txns[0].data` (empty at the top level).
    pub fn path_string(&self) -> String {
        let mut out = String::new();
        for segment in self.path.iter().rev() {
            match segment {
                Segment::Field { record, field } => {
                    if out.is_empty() {
                        out.push_str(record);
                    }
                    out.push('.');
                    out.push_str(field);
                }
                Segment::Index(i) => {
                    out.push('[');
                    out.push_str(&i.to_string());
                    out.push(']');
                }
            }
        }
        out
    }
}

impl fmt::Display for EncodeErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EncodeErrorKind::Mismatch { expected, found } => {
                write!(f, "expected {expected}, found {found}")
            }
            EncodeErrorKind::MissingField { record, field } => {
                write!(f, "missing field `{field}` of {record}")
            }
            EncodeErrorKind::UnknownField {
                record,
                field,
                expected,
            } => write!(
                f,
                "unknown field `{field}` for {record} (its fields are: {})",
                expected.join(", ")
            ),
            EncodeErrorKind::UnknownRecord(name) => {
                write!(f, "unknown record type `{name}` (not in the schema)")
            }
        }
    }
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = self.path_string();
        if !path.is_empty() {
            write!(f, "{path}: ")?;
        }
        write!(f, "{}", self.kind)
    }
}

impl std::error::Error for EncodeError {}
