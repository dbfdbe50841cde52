//! The dynamic value model: one [`Value`] per Jute type, records as named fields.

/// A Jute value whose type is known only at run time, from a schema.
///
/// Every Jute type has one variant; [`Value::Null`] stands for the null form (-1 length) of a
/// `ustring`, `buffer`, `vector` or `map`.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `byte`.
    Byte(i8),
    /// `boolean`.
    Bool(bool),
    /// `int`.
    Int(i32),
    /// `long`.
    Long(i64),
    /// `float`.
    Float(f32),
    /// `double`.
    Double(f64),
    /// `ustring`.
    String(String),
    /// `buffer`.
    Buffer(Vec<u8>),
    /// `vector<T>`.
    Vector(Vec<Value>),
    /// `map<K, V>`: key/value pairs in wire order (Java writes them sorted by key).
    Map(Vec<(Value, Value)>),
    /// A record.
    Record(RecordValue),
    /// The null form of a `ustring`, `buffer`, `vector` or `map`.
    Null,
}

/// The value of a record: its fields in schema (wire) order.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordValue {
    /// The record's fully qualified name, e.g. `org.apache.zookeeper.data.Stat`.
    pub name: String,
    /// The fields, in schema order, with their Jute names.
    pub fields: Vec<(String, Value)>,
}

impl RecordValue {
    /// The value of the field called `name`, if the record has one.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.fields.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    /// The record's simple name (the last dotted component of [`RecordValue::name`]).
    pub fn simple_name(&self) -> &str {
        self.name.rsplit('.').next().unwrap_or(&self.name)
    }
}

impl Value {
    /// The record, if this is one.
    pub fn as_record(&self) -> Option<&RecordValue> {
        match self {
            Value::Record(r) => Some(r),
            _ => None,
        }
    }

    /// The integer value of a `byte`, `int` or `long`.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Byte(v) => Some(i64::from(*v)),
            Value::Int(v) => Some(i64::from(*v)),
            Value::Long(v) => Some(*v),
            _ => None,
        }
    }

    /// The text of a `ustring`.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The bytes of a `buffer`.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Value::Buffer(b) => Some(b),
            _ => None,
        }
    }

    /// The elements of a `vector`.
    pub fn as_vector(&self) -> Option<&[Value]> {
        match self {
            Value::Vector(v) => Some(v),
            _ => None,
        }
    }

    /// A field of a record value (`None` if this is not a record or has no such field).
    pub fn field(&self, name: &str) -> Option<&Value> {
        self.as_record()?.get(name)
    }
}
