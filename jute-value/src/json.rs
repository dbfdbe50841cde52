//! JSON for values: an order-preserving [`Json`] tree for output, and [`from_json`] for input.
//!
//! # Mapping
//!
//! | Jute              | JSON                                                            |
//! |-------------------|-----------------------------------------------------------------|
//! | `byte`, `int`, `long` | integer (exact for every `long`)                            |
//! | `boolean`         | `true` / `false`                                                |
//! | `float`, `double` | number; NaN and infinities as the strings `"NaN"`, `"Infinity"`, `"-Infinity"` |
//! | `ustring`         | string                                                          |
//! | `buffer`          | lowercase hex string (input accepts either case)                |
//! | `vector<T>`       | array                                                           |
//! | `map<K,V>`        | array of `[key, value]` pairs, in wire order                    |
//! | record            | object with the Jute field names as keys, in schema order       |
//! | null (-1 length)  | `null`                                                          |
//!
//! A `float` is printed with the fewest digits that read back as the same `float`
//! (`0.1`, not `0.10000000149011612`). JSON has no NaN or infinity, hence the strings; every
//! NaN is written back as Java's canonical NaN (as `DataOutputStream.writeFloat` does), so a
//! NaN with another payload does not survive a round trip.

use std::fmt;

use jute_parser::{Schema, Type};

use crate::encode::type_phrase;
use crate::error::{EncodeError, EncodeErrorKind};
use crate::options::Options;
use crate::value::{RecordValue, Value};

/// A JSON value whose objects keep their keys in insertion order.
///
/// `Display` writes compact JSON; [`Json::pretty`] writes it indented.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A finite number (non-finite numbers are written as `null`; [`Value::to_json`] turns
    /// them into strings first).
    Float(f64),
    /// A string.
    String(String),
    /// An array.
    Array(Vec<Json>),
    /// An object, keys in order.
    Object(Vec<(String, Json)>),
}

impl Json {
    /// An object from `(key, value)` pairs.
    pub fn object<K: Into<String>>(pairs: impl IntoIterator<Item = (K, Json)>) -> Json {
        Json::Object(pairs.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// Writes indented JSON (two spaces per level).
    pub fn pretty(&self) -> String {
        let mut out = String::new();
        self.write(&mut out, Some(0));
        out
    }

    fn write(&self, out: &mut String, indent: Option<usize>) {
        match self {
            Json::Null => out.push_str("null"),
            Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Json::Int(i) => out.push_str(&i.to_string()),
            Json::Float(f) => match serde_json::Number::from_f64(*f) {
                Some(n) => out.push_str(&n.to_string()),
                None => out.push_str("null"),
            },
            Json::String(s) => write_string(out, s),
            Json::Array(items) => {
                write_seq(out, indent, '[', ']', items, |out, item, indent| {
                    item.write(out, indent);
                });
            }
            Json::Object(pairs) => {
                write_seq(out, indent, '{', '}', pairs, |out, (k, v), indent| {
                    write_string(out, k);
                    out.push(':');
                    if indent.is_some() {
                        out.push(' ');
                    }
                    v.write(out, indent);
                });
            }
        }
    }
}

fn write_seq<T>(
    out: &mut String,
    indent: Option<usize>,
    open: char,
    close: char,
    items: &[T],
    mut each: impl FnMut(&mut String, &T, Option<usize>),
) {
    out.push(open);
    if items.is_empty() {
        out.push(close);
        return;
    }
    let inner = indent.map(|n| n + 1);
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        newline(out, inner);
        each(out, item, inner);
    }
    newline(out, indent);
    out.push(close);
}

fn newline(out: &mut String, indent: Option<usize>) {
    if let Some(n) = indent {
        out.push('\n');
        for _ in 0..n {
            out.push_str("  ");
        }
    }
}

fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
}

impl fmt::Display for Json {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        self.write(&mut out, None);
        f.write_str(&out)
    }
}

impl Value {
    /// The value as JSON (see the [module docs](crate::json) for the mapping).
    ///
    /// ```
    /// use jute_value::Value;
    ///
    /// let v = Value::Vector(vec![Value::Buffer(vec![0xca, 0xfe]), Value::Float(0.1), Value::Double(f64::NAN), Value::Null]);
    /// assert_eq!(v.to_json().to_string(), r#"["cafe",0.1,"NaN",null]"#);
    /// ```
    pub fn to_json(&self) -> Json {
        match self {
            Value::Byte(x) => Json::Int(i64::from(*x)),
            Value::Bool(x) => Json::Bool(*x),
            Value::Int(x) => Json::Int(i64::from(*x)),
            Value::Long(x) => Json::Int(*x),
            Value::Float(x) => float_json(f64::from(*x), shortest_f32(*x)),
            Value::Double(x) => float_json(*x, *x),
            Value::String(s) => Json::String(s.clone()),
            Value::Buffer(b) => Json::String(hex_string(b)),
            Value::Vector(items) => Json::Array(items.iter().map(Value::to_json).collect()),
            Value::Map(entries) => Json::Array(
                entries
                    .iter()
                    .map(|(k, v)| Json::Array(vec![k.to_json(), v.to_json()]))
                    .collect(),
            ),
            Value::Record(r) => r.to_json(),
            Value::Null => Json::Null,
        }
    }
}

impl RecordValue {
    /// The record as a JSON object with its fields in schema order.
    pub fn to_json(&self) -> Json {
        Json::Object(
            self.fields
                .iter()
                .map(|(k, v)| (k.clone(), v.to_json()))
                .collect(),
        )
    }
}

/// `finite` as a number, or the non-finite `raw` as its string.
fn float_json(raw: f64, finite: f64) -> Json {
    if raw.is_nan() {
        Json::String("NaN".into())
    } else if raw.is_infinite() {
        Json::String(if raw > 0.0 { "Infinity" } else { "-Infinity" }.into())
    } else {
        Json::Float(finite)
    }
}

/// The double closest to the shortest decimal that reads back as `x`, so it prints short.
fn shortest_f32(x: f32) -> f64 {
    x.to_string().parse::<f64>().unwrap_or(f64::from(x))
}

/// Converts JSON to a value of the record `record` (a fully qualified name of `schema`),
/// checking it against the schema.
///
/// ```
/// let schema = jute_parser::parse_str("c.jute", "module m { class C { long id; buffer passwd; } }")?;
/// let json: serde_json::Value = serde_json::from_str(r#"{"id": -1, "passwd": "00ff"}"#)?;
/// let value = jute_value::from_json(&schema, "m.C", &json)?;
/// assert_eq!(jute_value::encode_to_vec(&schema, "m.C", &value)?, b"\xff\xff\xff\xff\xff\xff\xff\xff\0\0\0\x02\x00\xff");
///
/// let bad: serde_json::Value = serde_json::from_str(r#"{"id": 1, "passwd": 12}"#)?;
/// let err = jute_value::from_json(&schema, "m.C", &bad).unwrap_err();
/// assert_eq!(err.to_string(), "C.passwd: expected a hex string, found 12");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// An [`EncodeError`] naming the field path when the JSON does not fit the schema.
pub fn from_json(
    schema: &Schema,
    record: &str,
    json: &serde_json::Value,
) -> Result<Value, EncodeError> {
    from_json_with(schema, record, json, &Options::new())
}

/// Like [`from_json`], with [`Options`]: trailing fields may be missing from the object.
///
/// # Errors
///
/// As [`from_json`].
pub fn from_json_with(
    schema: &Schema,
    record: &str,
    json: &serde_json::Value,
    options: &Options,
) -> Result<Value, EncodeError> {
    convert(schema, &Type::Record(record.to_string()), json, options)
}

/// Converts JSON to a value of `ty`.
///
/// # Errors
///
/// As [`from_json`].
pub fn from_json_type(
    schema: &Schema,
    ty: &Type,
    json: &serde_json::Value,
) -> Result<Value, EncodeError> {
    convert(schema, ty, json, &Options::new())
}

fn convert(
    schema: &Schema,
    ty: &Type,
    json: &serde_json::Value,
    options: &Options,
) -> Result<Value, EncodeError> {
    use serde_json::Value as J;
    let mismatch = |expected: &str| EncodeError::mismatch(expected, json_phrase(json));
    Ok(match (ty, json) {
        (Type::UString | Type::Buffer | Type::Vector(_) | Type::Map(..), J::Null) => Value::Null,
        (Type::Byte, _) => Value::Byte(json_int(json, "a byte (-128..=127)")?),
        (Type::Boolean, J::Bool(b)) => Value::Bool(*b),
        (Type::Int, _) => Value::Int(json_int(json, "an int")?),
        (Type::Long, _) => Value::Long(json_int(json, "a long")?),
        (Type::Float, _) => Value::Float(json_float(json, "a float")? as f32),
        (Type::Double, _) => Value::Double(json_float(json, "a double")?),
        (Type::UString, J::String(s)) => Value::String(s.clone()),
        (Type::Buffer, J::String(s)) => {
            Value::Buffer(hex::decode(s).map_err(|e| mismatch(&format!("a hex string ({e})")))?)
        }
        (Type::Buffer, _) => return Err(mismatch("a hex string")),
        (Type::Vector(elem), J::Array(items)) => Value::Vector(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| convert(schema, elem, item, options).map_err(|e| e.in_index(i)))
                .collect::<Result<_, _>>()?,
        ),
        (Type::Map(k, v), J::Array(entries)) => {
            let mut out = Vec::with_capacity(entries.len());
            for (i, entry) in entries.iter().enumerate() {
                let pair = match entry {
                    J::Array(pair) if pair.len() == 2 => pair,
                    other => {
                        return Err(EncodeError::mismatch(
                            "a [key, value] pair",
                            json_phrase(other),
                        )
                        .in_index(i))
                    }
                };
                let key = convert(schema, k, &pair[0], options).map_err(|e| e.in_index(i))?;
                let value = convert(schema, v, &pair[1], options).map_err(|e| e.in_index(i))?;
                out.push((key, value));
            }
            Value::Map(out)
        }
        (Type::Map(..), _) => return Err(mismatch("an array of [key, value] pairs")),
        (Type::Record(name), J::Object(map)) => {
            let Some(record) = schema.record(name) else {
                return Err(EncodeError::new(EncodeErrorKind::UnknownRecord(
                    name.clone(),
                )));
            };
            if let Some(unknown) = map
                .keys()
                .find(|k| !record.fields.iter().any(|f| f.name == **k))
            {
                return Err(EncodeError::new(EncodeErrorKind::UnknownField {
                    record: record.name.clone(),
                    field: unknown.clone(),
                    expected: record.fields.iter().map(|f| f.name.clone()).collect(),
                }));
            }
            let mut fields = Vec::with_capacity(record.fields.len());
            for (i, field) in record.fields.iter().enumerate() {
                let Some(j) = map.get(&field.name) else {
                    if options.rest_is_trailing(record, i)
                        && record.fields[i..]
                            .iter()
                            .all(|f| !map.contains_key(&f.name))
                    {
                        break;
                    }
                    return Err(EncodeError::new(EncodeErrorKind::MissingField {
                        record: record.name.clone(),
                        field: field.name.clone(),
                    }));
                };
                let v = convert(schema, &field.ty, j, options)
                    .map_err(|e| e.in_field(&record.name, &field.name))?;
                fields.push((field.name.clone(), v));
            }
            Value::Record(RecordValue {
                name: record.qualified_name(),
                fields,
            })
        }
        (Type::Record(_), _) => {
            return Err(mismatch(&format!("{} (a JSON object)", type_phrase(ty))))
        }
        (Type::Vector(_), _) => return Err(mismatch("an array")),
        (_, _) => return Err(mismatch(&type_phrase(ty))),
    })
}

fn json_int<T: TryFrom<i64>>(json: &serde_json::Value, expected: &str) -> Result<T, EncodeError> {
    json.as_i64()
        .and_then(|n| T::try_from(n).ok())
        .ok_or_else(|| EncodeError::mismatch(expected, json_phrase(json)))
}

fn json_float(json: &serde_json::Value, expected: &str) -> Result<f64, EncodeError> {
    match json {
        serde_json::Value::Number(n) => n.as_f64(),
        serde_json::Value::String(s) => match s.as_str() {
            "NaN" => Some(f64::NAN),
            "Infinity" => Some(f64::INFINITY),
            "-Infinity" => Some(f64::NEG_INFINITY),
            _ => None,
        },
        _ => None,
    }
    .ok_or_else(|| {
        EncodeError::mismatch(
            format!("{expected} (a number, \"NaN\", \"Infinity\" or \"-Infinity\")"),
            json_phrase(json),
        )
    })
}

/// How a JSON value is named in "found ..." messages.
fn json_phrase(json: &serde_json::Value) -> String {
    use serde_json::Value as J;
    match json {
        J::Null => "null".into(),
        J::Bool(b) => b.to_string(),
        J::Number(n) => n.to_string(),
        J::String(s) => {
            let mut shown: String = s.chars().take(40).collect();
            if shown.len() < s.len() {
                shown.push_str("...");
            }
            format!("the string {}", Json::String(shown))
        }
        J::Array(a) => format!(
            "an array of {} element{}",
            a.len(),
            if a.len() == 1 { "" } else { "s" }
        ),
        J::Object(_) => "an object".into(),
    }
}
/// Lowercase hex of `bytes`, by `hex::encode_to_slice` into a buffer sized once (the
/// iterator behind `hex::encode` costs several times more on large node data).
pub(crate) fn hex_string(bytes: &[u8]) -> String {
    let mut out = vec![0; bytes.len() * 2];
    match hex::encode_to_slice(bytes, &mut out).map(|()| String::from_utf8(out)) {
        Ok(Ok(text)) => text,
        // Not reached: the buffer has the right length and hex digits are ASCII.
        _ => hex::encode(bytes),
    }
}
