//! Schema-driven encoding: [`Value`] -> bytes, checking every value against the schema.

use jute::bytes::BufMut;
use jute::Jute;
use jute_parser::{Record, Schema, Type};

use crate::error::{EncodeError, EncodeErrorKind};
use crate::options::Options;
use crate::value::{RecordValue, Value};

/// Encodes `value` as the record `record` (a fully qualified name of `schema`) into `buf`.
///
/// Integers are accepted from any integer variant whose value fits the field's type, and
/// `float`/`double` fields accept either floating-point variant. Record fields are matched
/// by name (any order); missing and unknown fields are errors. Strings are written as
/// standard UTF-8, like [`jute::Jute`] for `String`.
///
/// On error, `buf` may hold part of the encoding; use [`encode_to_vec`] to get all or
/// nothing.
///
/// ```
/// use jute_value::{RecordValue, Value};
///
/// let schema = jute_parser::parse_str("id.jute", "module m { class Id { ustring scheme; ustring id; } }")?;
/// let id = Value::Record(RecordValue {
///     name: "m.Id".into(),
///     fields: vec![
///         ("scheme".into(), Value::String("world".into())),
///         ("id".into(), Value::String("anyone".into())),
///     ],
/// });
/// let mut bytes = Vec::new();
/// jute_value::encode(&schema, "m.Id", &id, &mut bytes)?;
/// assert_eq!(bytes, b"\0\0\0\x05world\0\0\0\x06anyone");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// An [`EncodeError`] naming the field path when the value does not fit the schema.
pub fn encode<B: BufMut + ?Sized>(
    schema: &Schema,
    record: &str,
    value: &Value,
    buf: &mut B,
) -> Result<(), EncodeError> {
    encode_with(schema, record, value, buf, &Options::new())
}

/// Like [`encode`], with [`Options`]: trailing fields may be missing from `value`.
///
/// # Errors
///
/// As [`encode`].
pub fn encode_with<B: BufMut + ?Sized>(
    schema: &Schema,
    record: &str,
    value: &Value,
    buf: &mut B,
    options: &Options,
) -> Result<(), EncodeError> {
    write(
        schema,
        &Type::Record(record.to_string()),
        value,
        buf,
        options,
    )
}

/// Encodes `value` as the record `record` into a new `Vec<u8>`.
///
/// # Errors
///
/// As [`encode`].
pub fn encode_to_vec(schema: &Schema, record: &str, value: &Value) -> Result<Vec<u8>, EncodeError> {
    encode_to_vec_with(schema, record, value, &Options::new())
}

/// Like [`encode_to_vec`], with [`Options`].
///
/// # Errors
///
/// As [`encode`].
pub fn encode_to_vec_with(
    schema: &Schema,
    record: &str,
    value: &Value,
    options: &Options,
) -> Result<Vec<u8>, EncodeError> {
    let mut out = Vec::new();
    encode_with(schema, record, value, &mut out, options)?;
    Ok(out)
}

/// Encodes `value` as a value of `ty` into `buf`.
///
/// # Errors
///
/// As [`encode`].
pub fn encode_type<B: BufMut + ?Sized>(
    schema: &Schema,
    ty: &Type,
    value: &Value,
    buf: &mut B,
) -> Result<(), EncodeError> {
    write(schema, ty, value, buf, &Options::new())
}

fn write<B: BufMut + ?Sized>(
    schema: &Schema,
    ty: &Type,
    value: &Value,
    buf: &mut B,
    options: &Options,
) -> Result<(), EncodeError> {
    match (ty, value) {
        (Type::Byte, v) => buf.put_i8(integer(v, "a byte (-128..=127)")?),
        (Type::Boolean, Value::Bool(b)) => buf.put_u8(u8::from(*b)),
        (Type::Int, v) => buf.put_i32(integer(v, "an int")?),
        (Type::Long, v) => buf.put_i64(integer(v, "a long")?),
        // Narrowing a double to a float field is the caller's explicit choice of value.
        // Written through `Jute`, which writes every NaN as Java's canonical NaN.
        (Type::Float, Value::Float(x)) => x.encode(buf),
        (Type::Float, Value::Double(x)) => narrow(*x)?.encode(buf),
        (Type::Double, Value::Double(x)) => x.encode(buf),
        (Type::Double, Value::Float(x)) => f64::from(*x).encode(buf),
        (Type::UString | Type::Buffer | Type::Vector(_) | Type::Map(..), Value::Null) => {
            buf.put_i32(-1)
        }
        (Type::UString, Value::String(s)) => {
            buf.put_i32(length(s.len(), "ustring")?);
            buf.put_slice(s.as_bytes());
        }
        (Type::Buffer, Value::Buffer(b)) => {
            buf.put_i32(length(b.len(), "buffer")?);
            buf.put_slice(b);
        }
        (Type::Vector(elem), Value::Vector(items)) => {
            buf.put_i32(length(items.len(), "vector")?);
            for (i, item) in items.iter().enumerate() {
                write(schema, elem, item, buf, options).map_err(|e| e.in_index(i))?;
            }
        }
        (Type::Map(k, v), Value::Map(entries)) => {
            buf.put_i32(length(entries.len(), "map")?);
            for (i, (key, value)) in entries.iter().enumerate() {
                write(schema, k, key, buf, options).map_err(|e| e.in_index(i))?;
                write(schema, v, value, buf, options).map_err(|e| e.in_index(i))?;
            }
        }
        (Type::Record(name), Value::Record(r)) => {
            let Some(record) = schema.record(name) else {
                return Err(EncodeError::new(EncodeErrorKind::UnknownRecord(
                    name.clone(),
                )));
            };
            if r.name != *name {
                return Err(EncodeError::mismatch(
                    format!("a {} record", record.name),
                    format!("a {} record", r.simple_name()),
                ));
            }
            encode_record(schema, record, r, buf, options)?;
        }
        (ty, v) => return Err(EncodeError::mismatch(type_phrase(ty), value_phrase(v))),
    }
    Ok(())
}

fn encode_record<B: BufMut + ?Sized>(
    schema: &Schema,
    record: &Record,
    value: &RecordValue,
    buf: &mut B,
    options: &Options,
) -> Result<(), EncodeError> {
    if let Some((unknown, _)) = value
        .fields
        .iter()
        .find(|(n, _)| !record.fields.iter().any(|f| f.name == *n))
    {
        return Err(EncodeError::new(EncodeErrorKind::UnknownField {
            record: record.name.clone(),
            field: unknown.clone(),
            expected: record.fields.iter().map(|f| f.name.clone()).collect(),
        }));
    }
    for (i, field) in record.fields.iter().enumerate() {
        let Some(v) = value.get(&field.name) else {
            if options.rest_is_trailing(record, i)
                && record.fields[i..]
                    .iter()
                    .all(|f| value.get(&f.name).is_none())
            {
                break;
            }
            return Err(EncodeError::new(EncodeErrorKind::MissingField {
                record: record.name.clone(),
                field: field.name.clone(),
            }));
        };
        write(schema, &field.ty, v, buf, options)
            .map_err(|e| e.in_field(&record.name, &field.name))?;
    }
    Ok(())
}

/// An integer variant converted to the field's width, or a mismatch naming `expected`.
fn integer<T: TryFrom<i64>>(v: &Value, expected: &str) -> Result<T, EncodeError> {
    let Some(n) = v.as_i64() else {
        return Err(EncodeError::mismatch(expected, value_phrase(v)));
    };
    T::try_from(n).map_err(|_| EncodeError::mismatch(expected, n.to_string()))
}

/// A double as a float, rounded to the nearest; an error when a finite double is beyond the
/// largest float (it would become an infinity). NaN and the infinities stay what they are.
pub(crate) fn narrow(x: f64) -> Result<f32, EncodeError> {
    let narrowed = x as f32;
    if x.is_finite() && narrowed.is_infinite() {
        return Err(EncodeError::mismatch(
            format!("a float (at most {:e} in magnitude)", f32::MAX),
            x.to_string(),
        ));
    }
    Ok(narrowed)
}

/// A length or count as the `int` prefix, or an error when it does not fit.
fn length(len: usize, what: &str) -> Result<i32, EncodeError> {
    i32::try_from(len).map_err(|_| {
        EncodeError::mismatch(
            format!("a {what} of at most {} items", i32::MAX),
            format!("{len} items"),
        )
    })
}

/// How a type is named in "expected ..." messages.
pub(crate) fn type_phrase(ty: &Type) -> String {
    match ty {
        Type::Byte => "a byte".into(),
        Type::Boolean => "a boolean".into(),
        Type::Int => "an int".into(),
        Type::Long => "a long".into(),
        Type::Float => "a float".into(),
        Type::Double => "a double".into(),
        Type::UString => "a ustring".into(),
        Type::Buffer => "a buffer".into(),
        Type::Vector(_) => "a vector".into(),
        Type::Map(..) => "a map".into(),
        Type::Record(name) => format!("a {} record", name.rsplit('.').next().unwrap_or(name)),
    }
}

/// How a value is named in "found ..." messages.
fn value_phrase(v: &Value) -> String {
    match v {
        Value::Byte(x) => format!("byte {x}"),
        Value::Bool(x) => format!("boolean {x}"),
        Value::Int(x) => format!("int {x}"),
        Value::Long(x) => format!("long {x}"),
        Value::Float(x) => format!("float {x}"),
        Value::Double(x) => format!("double {x}"),
        Value::String(_) => "a ustring".into(),
        Value::Buffer(_) => "a buffer".into(),
        Value::Vector(_) => "a vector".into(),
        Value::Map(_) => "a map".into(),
        Value::Record(r) => format!("a {} record", r.simple_name()),
        Value::Null => "null".into(),
    }
}
