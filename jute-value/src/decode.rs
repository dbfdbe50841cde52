//! Schema-driven decoding: bytes -> [`Value`], as safe as the compiled runtime.
//!
//! All reads go through [`jute::Decoder`], so the runtime's rules apply unchanged: lengths
//! and counts are checked against [`jute::Limits`] and the remaining input before anything is
//! allocated, and vectors and maps nest at most [`jute::Limits::max_depth`] deep. Records do
//! not count toward that limit (a parsed schema defines a record before its use, so record
//! nesting is bounded by the schema, as in compiled code); because a schema is input, they
//! nest at most [`MAX_RECORD_DEPTH`] deep, which guards the stack.

use std::collections::HashMap;

use jute::bytes::Buf;
use jute::{Decoder, Error, Jute};
use jute_parser::{Record, Schema, Type};

use crate::options::Options;
use crate::value::{RecordValue, Value};

/// Decodes one record of type `record` (a fully qualified name of `schema`) from `d`.
///
/// Bytes after the record are left in `d` (check [`Decoder::remaining`] to reject them).
///
/// ```
/// use jute::Decoder;
/// use jute_value::Value;
///
/// let schema = jute_parser::parse_str("id.jute", "module m { class Id { ustring scheme; ustring id; } }")?;
/// let bytes = b"\0\0\0\x05world\0\0\0\x06anyone";
/// let value = jute_value::decode(&schema, "m.Id", &mut Decoder::new(&bytes[..]))?;
/// assert_eq!(value.field("id"), Some(&Value::String("anyone".into())));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// A [`jute::Error`] naming the field path (`Id.scheme`), the byte offset, and what was
/// expected and found; also when `record` is not a record of `schema`.
pub fn decode<B: Buf>(schema: &Schema, record: &str, d: &mut Decoder<B>) -> Result<Value, Error> {
    decode_with(schema, record, d, &Options::new())
}

/// Like [`decode`], with [`Options`] (trailing fields).
///
/// # Errors
///
/// As [`decode`].
pub fn decode_with<B: Buf>(
    schema: &Schema,
    record: &str,
    d: &mut Decoder<B>,
    options: &Options,
) -> Result<Value, Error> {
    let Some(r) = schema.record(record) else {
        return Err(Error::invalid(
            "a record type of the schema",
            format!("`{record}`"),
            d.offset(),
        ));
    };
    Reader::new(schema, options).record(r, d)
}

/// Decodes one value of `ty` (any Jute type whose records belong to `schema`) from `d`.
///
/// # Errors
///
/// As [`decode`].
pub fn decode_type<B: Buf>(schema: &Schema, ty: &Type, d: &mut Decoder<B>) -> Result<Value, Error> {
    Reader::new(schema, &Options::new()).value(ty, d)
}

/// The fewest bytes any value of `ty` encodes to, in `schema` (0 for an unknown record).
/// Used to bound vector and map counts by the input that remains.
pub fn min_encoded_len(schema: &Schema, ty: &Type) -> usize {
    Reader::new(schema, &Options::new()).min_len(ty)
}

/// How deep `min_len` follows record references before settling for a lower bound.
const MIN_LEN_DEPTH: u32 = 128;

/// The deepest nesting of records (one inside another's field, at any depth of vectors and
/// maps) that decoding accepts: far beyond real schemas (ZooKeeper's nest 3 deep), and
/// shallow enough for the stack of a 2 MiB thread.
pub const MAX_RECORD_DEPTH: u32 = 512;

/// One decoding run: the schema, a memo of record minimum lengths, and the record nesting.
struct Reader<'s> {
    schema: &'s Schema,
    options: &'s Options,
    min_lens: HashMap<&'s str, usize>,
    record_depth: u32,
}

impl<'s> Reader<'s> {
    fn new(schema: &'s Schema, options: &'s Options) -> Self {
        Self {
            schema,
            options,
            min_lens: HashMap::new(),
            record_depth: 0,
        }
    }

    fn record<B: Buf>(&mut self, r: &'s Record, d: &mut Decoder<B>) -> Result<Value, Error> {
        if self.record_depth >= MAX_RECORD_DEPTH {
            return Err(Error::invalid(
                format!("records nested at most {MAX_RECORD_DEPTH} deep"),
                format!("`{}` deeper", r.qualified_name()),
                d.offset(),
            ));
        }
        self.record_depth += 1;
        let result = self.fields(r, d);
        self.record_depth -= 1;
        result
    }

    fn fields<B: Buf>(&mut self, r: &'s Record, d: &mut Decoder<B>) -> Result<Value, Error> {
        let mut fields = Vec::with_capacity(r.fields.len());
        for (i, f) in r.fields.iter().enumerate() {
            if d.remaining() == 0 && self.options.rest_is_trailing(r, i) {
                break;
            }
            let v = self
                .value(&f.ty, d)
                .map_err(|e| e.in_named_field(&r.name, &f.name))?;
            fields.push((f.name.clone(), v));
        }
        Ok(Value::Record(RecordValue {
            name: r.qualified_name(),
            fields,
        }))
    }

    fn value<B: Buf>(&mut self, ty: &'s Type, d: &mut Decoder<B>) -> Result<Value, Error> {
        Ok(match ty {
            Type::Byte => Value::Byte(d.read_i8()?),
            Type::Boolean => Value::Bool(d.read_bool()?),
            Type::Int => Value::Int(d.read_i32()?),
            Type::Long => Value::Long(d.read_i64()?),
            Type::Float => Value::Float(d.read_f32()?),
            Type::Double => Value::Double(d.read_f64()?),
            Type::UString => Option::<String>::decode(d)?.map_or(Value::Null, Value::String),
            Type::Buffer => Option::<Vec<u8>>::decode(d)?.map_or(Value::Null, Value::Buffer),
            Type::Vector(elem) => {
                let min = self.min_len(elem);
                let Some(count) = d.read_count("vector", min)? else {
                    return Ok(Value::Null);
                };
                d.nested(|d| {
                    // The count was checked against the remaining input (at one byte or more
                    // per element); cap the reservation anyway.
                    let mut items = Vec::with_capacity(count.min(4096));
                    for i in 0..count {
                        items.push(self.value(elem, d).map_err(|e| e.in_index(i))?);
                    }
                    Ok(Value::Vector(items))
                })?
            }
            Type::Map(k, v) => {
                let min = self.min_len(k).saturating_add(self.min_len(v));
                let Some(count) = d.read_count("map", min)? else {
                    return Ok(Value::Null);
                };
                d.nested(|d| {
                    let mut entries = Vec::with_capacity(count.min(4096));
                    for i in 0..count {
                        let key = self.value(k, d).map_err(|e| e.in_map_key(i))?;
                        let value = self.value(v, d).map_err(|e| e.in_map_value(i))?;
                        entries.push((key, value));
                    }
                    Ok(Value::Map(entries))
                })?
            }
            Type::Record(name) => match self.schema.record(name) {
                Some(r) => self.record(r, d)?,
                None => {
                    return Err(Error::invalid(
                        "a record type of the schema",
                        format!("`{name}`"),
                        d.offset(),
                    ))
                }
            },
        })
    }

    fn min_len(&mut self, ty: &'s Type) -> usize {
        self.min_len_at(ty, 0)
    }

    fn min_len_at(&mut self, ty: &'s Type, depth: u32) -> usize {
        match ty {
            Type::Byte | Type::Boolean => 1,
            Type::Int | Type::Float => 4,
            Type::Long | Type::Double => 8,
            Type::UString | Type::Buffer | Type::Vector(_) | Type::Map(..) => 4,
            Type::Record(name) => {
                if let Some(&n) = self.min_lens.get(name.as_str()) {
                    return n;
                }
                if depth >= MIN_LEN_DEPTH {
                    // Deeper than any value could be decoded; every record has a field of at
                    // least one byte, so 1 is a safe lower bound (and bounds the stack).
                    return 1;
                }
                // The resolver rejects forward and self references, so this recursion ends;
                // the memo keeps it linear in the schema's size.
                let n = match self.schema.record(name) {
                    Some(r) => r.fields.iter().fold(0usize, |acc, f| {
                        acc.saturating_add(self.min_len_at(&f.ty, depth + 1))
                    }),
                    None => 0,
                };
                self.min_lens.insert(name.as_str(), n);
                n
            }
        }
    }
}
