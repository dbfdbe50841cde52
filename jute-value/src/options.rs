//! [`Options`]: fields that may be absent at the end of the input (ZooKeeper's `readOnly`).

use jute_parser::Record;

/// Options for decoding and encoding.
///
/// A *trailing* field may be absent when the input ends right before it, as ZooKeeper's
/// `ConnectRequest.readOnly` is for older peers (it is read only if bytes remain). Absent
/// fields are left out of the decoded [`RecordValue`](crate::RecordValue) (and so of the
/// JSON), and a value or JSON object without them encodes without them. Only trailing fields
/// may follow a field that is absent.
///
/// ```
/// use jute::Decoder;
/// use jute_value::Options;
///
/// let schema = jute_parser::parse_str("c.jute", "module m { class C { int a; boolean readOnly; } }")?;
/// let opts = Options::new().trailing("m.C.readOnly");
/// let v = jute_value::decode_with(&schema, "m.C", &mut Decoder::new(&[0, 0, 0, 7][..]), &opts)?;
/// assert_eq!(v.to_json(), r#"{"a":7}"#);
/// assert!(jute_value::decode(&schema, "m.C", &mut Decoder::new(&[0, 0, 0, 7][..])).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    trailing: Vec<String>,
}

/// The fields ZooKeeper reads only when bytes remain (as `zk-records` generates them).
pub const ZOOKEEPER_TRAILING_FIELDS: &[&str] = &[
    "org.apache.zookeeper.proto.ConnectRequest.readOnly",
    "org.apache.zookeeper.proto.ConnectResponse.readOnly",
    "org.apache.zookeeper.server.quorum.LearnerInfo.protocolVersion",
    "org.apache.zookeeper.server.quorum.LearnerInfo.configVersion",
];

impl Options {
    /// No trailing fields: every field must be present.
    pub fn new() -> Self {
        Self::default()
    }

    /// The options ZooKeeper's records need: [`ZOOKEEPER_TRAILING_FIELDS`].
    pub fn zookeeper() -> Self {
        ZOOKEEPER_TRAILING_FIELDS
            .iter()
            .fold(Self::new(), |o, f| o.trailing(*f))
    }

    /// Marks `field` (`module.Record.field`, fully qualified) as trailing.
    pub fn trailing(mut self, field: impl Into<String>) -> Self {
        self.trailing.push(field.into());
        self
    }

    /// Whether `field` of `record` is trailing.
    pub(crate) fn is_trailing(&self, record: &Record, field: &str) -> bool {
        self.trailing.iter().any(|t| {
            t.strip_suffix(field)
                .and_then(|head| head.strip_suffix('.'))
                .and_then(|head| head.strip_suffix(record.name.as_str()))
                .and_then(|head| head.strip_suffix('.'))
                .is_some_and(|module| module == record.module)
        })
    }

    /// Whether fields `from..` of `record` are all trailing (so may all be absent).
    pub(crate) fn rest_is_trailing(&self, record: &Record, from: usize) -> bool {
        record.fields[from..]
            .iter()
            .all(|f| self.is_trailing(record, &f.name))
    }
}
