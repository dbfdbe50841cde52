//! [`Config`]: what to generate and how, for a build script, `cargo xtask codegen` or `jute gen`.

use std::path::PathBuf;

/// The Rust type generated for Jute `buffer` fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum BufferType {
    /// `Vec<u8>`: owned, no extra dependency.
    #[default]
    Vec,
    /// `bytes::Bytes` (through `jute::bytes`): decoding from a `Bytes` input shares its
    /// allocation instead of copying.
    Bytes,
}

/// The Rust type generated for Jute `ustring` fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum StringType {
    /// `String`: owned, one allocation per decoded string.
    #[default]
    String,
    /// `jute::Utf8Bytes`: a UTF-8 view of a shared `Bytes` buffer; decoding from a `Bytes`
    /// input shares its allocation instead of allocating a `String` per field or element
    /// (records made of many short strings decode several times faster).
    Utf8Bytes,
}

/// Code generation settings, built fluently; the entry point for build scripts.
///
/// Every path given to the config is a dotted Jute name as written in the schema (not the
/// Rust name): a module (`org.apache.zookeeper.proto`), a record
/// (`org.apache.zookeeper.proto.ConnectRequest`) or a field
/// (`org.apache.zookeeper.proto.ConnectRequest.readOnly`). Entries that match nothing in the
/// schema are errors, so a typo cannot silently do nothing.
///
/// ```no_run
/// // build.rs
/// jute_codegen::Config::new()
///     .serde_feature(Some("serde"))
///     .strip_prefix("org.apache.zookeeper.")
///     .buffer_type(jute_codegen::BufferType::Bytes)
///     .trailing("org.apache.zookeeper.proto.ConnectRequest.readOnly")
///     .compile_or_exit(&["zookeeper.jute"]);
/// // lib.rs: include!(concat!(env!("OUT_DIR"), "/zookeeper.rs"));
/// ```
#[derive(Debug, Clone)]
pub struct Config {
    pub(crate) strip_prefix: Option<String>,
    pub(crate) buffer_type: BufferType,
    pub(crate) string_type: StringType,
    pub(crate) views: bool,
    pub(crate) nullable: Vec<String>,
    pub(crate) trailing: Vec<String>,
    pub(crate) type_attributes: Vec<(String, String)>,
    pub(crate) field_attributes: Vec<(String, String)>,
    pub(crate) runtime_crate: String,
    pub(crate) serde_feature: Option<String>,
    pub(crate) extern_paths: Vec<(String, String)>,
    pub(crate) out_dir: Option<PathBuf>,
    pub(crate) rerun_if_changed: bool,
}

impl Default for Config {
    fn default() -> Self {
        Self::new()
    }
}

impl Config {
    /// The defaults: no prefix stripped, `String` text, `Vec<u8>` buffers, nothing nullable or
    /// trailing, runtime crate `::jute`, no serde attributes (a crate with a `serde` feature
    /// asks for them with [`Config::serde_feature`]), `cargo:rerun-if-changed` lines printed
    /// by [`Config::compile`].
    pub fn new() -> Self {
        Self {
            strip_prefix: None,
            buffer_type: BufferType::Vec,
            string_type: StringType::String,
            views: false,
            nullable: Vec::new(),
            trailing: Vec::new(),
            type_attributes: Vec::new(),
            field_attributes: Vec::new(),
            runtime_crate: "::jute".to_owned(),
            serde_feature: None,
            extern_paths: Vec::new(),
            out_dir: None,
            rerun_if_changed: true,
        }
    }

    /// Drops this dotted prefix from module names before turning them into Rust modules:
    /// with `org.apache.zookeeper.`, module `org.apache.zookeeper.proto` becomes `proto`.
    /// Modules outside the prefix keep their full name.
    pub fn strip_prefix(&mut self, prefix: impl Into<String>) -> &mut Self {
        self.strip_prefix = Some(prefix.into());
        self
    }

    /// The Rust type for `buffer` fields.
    pub fn buffer_type(&mut self, buffer_type: BufferType) -> &mut Self {
        self.buffer_type = buffer_type;
        self
    }

    /// The Rust type for `ustring` fields.
    pub fn string_type(&mut self, string_type: StringType) -> &mut Self {
        self.string_type = string_type;
        self
    }

    /// Also generates a borrowed view `NameView<'a>` next to every record `Name` that holds
    /// text or buffers (directly or in a nested record): the same fields with `ustring` as
    /// `Cow<'a, str>` and `buffer` as `Cow<'a, [u8]>`, decoded by `jute::view` from a byte
    /// slice without copying them (see `jute::JuteView`). Views also encode, byte for byte like
    /// the record. `type_attribute`, `field_attribute` and serde apply to records only.
    pub fn views(&mut self, enabled: bool) -> &mut Self {
        self.views = enabled;
        self
    }

    /// Makes a `ustring`, `buffer`, `vector` or `map` field `Option<T>`, so that null (length
    /// -1) survives a round trip instead of reading as empty. `field` is the full dotted
    /// field path.
    pub fn nullable(&mut self, field: impl Into<String>) -> &mut Self {
        self.nullable.push(field.into());
        self
    }

    /// Makes a field `Option<T>` with `#[jute(trailing)]`: it may be absent at the end of the
    /// input (`None`), as ZooKeeper's `ConnectRequest.readOnly` is for old peers. Only
    /// trailing fields may follow it. `field` is the full dotted field path.
    pub fn trailing(&mut self, field: impl Into<String>) -> &mut Self {
        self.trailing.push(field.into());
        self
    }

    /// Adds attribute text (e.g. `#[derive(PartialOrd)]`) to every record whose dotted name
    /// is `path` or lies under it (a module or a record).
    pub fn type_attribute(
        &mut self,
        path: impl Into<String>,
        attribute: impl Into<String>,
    ) -> &mut Self {
        self.type_attributes.push((path.into(), attribute.into()));
        self
    }

    /// Adds attribute text to every field whose dotted name is `path` or lies under it (a
    /// module, a record or a field).
    pub fn field_attribute(
        &mut self,
        path: impl Into<String>,
        attribute: impl Into<String>,
    ) -> &mut Self {
        self.field_attributes.push((path.into(), attribute.into()));
        self
    }

    /// The path of the `jute` runtime crate in the generated code, `::jute` by default (set it
    /// when the crate is renamed or re-exported, e.g. `::my_crate::jute`).
    pub fn runtime_crate(&mut self, path: impl Into<String>) -> &mut Self {
        self.runtime_crate = path.into();
        self
    }

    /// The cargo feature of the generated crate that turns on `serde` derives
    /// (`Some("serde")`: `#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]`);
    /// `None`, the default, emits no serde attributes at all, so a crate without that feature
    /// gets no `unexpected cfg` warnings.
    pub fn serde_feature(&mut self, feature: Option<&str>) -> &mut Self {
        self.serde_feature = feature.map(str::to_owned);
        self
    }

    /// Uses the Rust type at `rust_path` for the Jute records at `jute_path` instead of
    /// generating them, as `prost_build::Config::extern_path` does: `jute_path` is a module
    /// (`org.apache.zookeeper.data`, with `rust_path` the Rust module holding its records,
    /// e.g. `::zk_records::data`) or a record (with `rust_path` the type). The records are
    /// not generated; fields that refer to them use `rust_path` (their owned type, also in
    /// views). The external types must be the records `jute-codegen` generates (same Rust
    /// names), e.g. another crate's generated code.
    ///
    /// ```
    /// let schema = jute_parser::parse_str(
    ///     "app.jute",
    ///     "module org.apache.zookeeper.data { class Stat { long czxid; } }
    ///      module app { class Node { ustring path; org.apache.zookeeper.data.Stat stat; } }",
    /// )?;
    /// let code = jute_codegen::Config::new()
    ///     .extern_path("org.apache.zookeeper.data", "::zk_records::data")
    ///     .generate(&schema, "app.jute")?;
    /// assert!(code.contains("pub stat: ::zk_records::data::Stat"));
    /// assert!(!code.contains("pub struct Stat"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn extern_path(
        &mut self,
        jute_path: impl Into<String>,
        rust_path: impl Into<String>,
    ) -> &mut Self {
        self.extern_paths.push((jute_path.into(), rust_path.into()));
        self
    }

    /// Whether [`Config::compile`] prints `cargo:rerun-if-changed` for every schema file and
    /// include it reads (on by default: for build scripts).
    pub fn rerun_if_changed(&mut self, enabled: bool) -> &mut Self {
        self.rerun_if_changed = enabled;
        self
    }

    /// Where [`Config::compile`] writes; defaults to the `OUT_DIR` of the running build script.
    pub fn out_dir(&mut self, dir: impl Into<PathBuf>) -> &mut Self {
        self.out_dir = Some(dir.into());
        self
    }
}

/// Whether `path` (a configured dotted path) names `name` or something containing it.
pub(crate) fn path_matches(path: &str, name: &str) -> bool {
    let p = path.trim_end_matches('.');
    p.is_empty()
        || name == p
        || (name.len() > p.len() && name.starts_with(p) && name.as_bytes()[p.len()] == b'.')
}

#[cfg(test)]
mod tests {
    use super::path_matches;

    #[test]
    fn paths() {
        assert!(path_matches("a.b", "a.b"));
        assert!(path_matches("a.b", "a.b.C"));
        assert!(path_matches("a.b.", "a.b.C.f"));
        assert!(path_matches("", "a.b.C.f"));
        assert!(path_matches(".", "a"));
        assert!(!path_matches("a.b", "a.bc.C"));
        assert!(!path_matches("a.b.C.f", "a.b.C"));
    }
}
