//! JSON for values: `serde::Serialize` for [`Value`] (records keep the schema's field order)
//! for output, and [`from_json`] for input.
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

use jute_parser::{Schema, Type};
use serde::ser::{SerializeMap, SerializeSeq, SerializeTuple, Serializer};
use serde::Serialize;

use crate::encode::{narrow, type_phrase};
use crate::error::{EncodeError, EncodeErrorKind};
use crate::options::Options;
use crate::value::{RecordValue, Value};

impl Serialize for Value {
    /// The mapping of the [module docs](crate::json), for any serde format; records are maps
    /// whose keys keep the schema's order (serde_json writes them as they come).
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Byte(x) => s.serialize_i64(i64::from(*x)),
            Value::Bool(x) => s.serialize_bool(*x),
            Value::Int(x) => s.serialize_i64(i64::from(*x)),
            Value::Long(x) => s.serialize_i64(*x),
            Value::Float(x) => float(s, f64::from(*x), shortest_f32(*x)),
            Value::Double(x) => float(s, *x, *x),
            Value::String(text) => s.serialize_str(text),
            Value::Buffer(b) => s.serialize_str(&hex_string(b)),
            Value::Vector(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Value::Map(entries) => {
                let mut seq = s.serialize_seq(Some(entries.len()))?;
                for (k, v) in entries {
                    seq.serialize_element(&Pair(k, v))?;
                }
                seq.end()
            }
            Value::Record(r) => r.serialize(s),
            Value::Null => s.serialize_unit(),
        }
    }
}

/// A map entry as the array `[key, value]`.
struct Pair<'a>(&'a Value, &'a Value);

impl Serialize for Pair<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut t = s.serialize_tuple(2)?;
        t.serialize_element(self.0)?;
        t.serialize_element(self.1)?;
        t.end()
    }
}

impl Serialize for RecordValue {
    /// An object with the fields in schema order.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.fields.len()))?;
        for (k, v) in &self.fields {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

impl Value {
    /// The value as compact JSON (see the [module docs](crate::json) for the mapping):
    /// `serde_json` over its [`Serialize`] implementation.
    ///
    /// ```
    /// use jute_value::Value;
    ///
    /// let v = Value::Vector(vec![Value::Buffer(vec![0xca, 0xfe]), Value::Float(0.1), Value::Double(f64::NAN), Value::Null]);
    /// assert_eq!(v.to_json(), r#"["cafe",0.1,"NaN",null]"#);
    /// ```
    pub fn to_json(&self) -> String {
        // Serializing a `Value` into a String cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The value as indented JSON (two spaces per level).
    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

/// `finite` as a number, or the non-finite `raw` as its string.
fn float<S: Serializer>(s: S, raw: f64, finite: f64) -> Result<S::Ok, S::Error> {
    if raw.is_nan() {
        s.serialize_str("NaN")
    } else if raw.is_infinite() {
        s.serialize_str(if raw > 0.0 { "Infinity" } else { "-Infinity" })
    } else {
        s.serialize_f64(finite)
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
        (Type::Float, _) => Value::Float(narrow(json_float(json, "a float")?)?),
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
            format!("the string {}", J::String(shown))
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
