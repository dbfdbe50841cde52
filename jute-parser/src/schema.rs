//! The validated schema model: what the resolver produces and what code generators consume.
//!
//! Every reference in a [`Schema`] has been resolved to a fully qualified record name that
//! exists in the same schema, and names are unique, so consumers can index without checks.

use std::path::PathBuf;

/// A set of Jute files, resolved together (the root file and everything it includes).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Schema {
    /// Modules in the order they were first seen (include order, then declaration order).
    /// Modules with the same name from different files are merged into one entry.
    pub modules: Vec<Module>,
    /// Every file read, roots and includes, each once, in the order they were loaded (as
    /// given to the parser or resolved relative to the including file): what a build script
    /// watches (`cargo:rerun-if-changed`). Only files on disk: a schema parsed from a string
    /// lists the files it includes.
    pub files: Vec<PathBuf>,
}

/// A Jute `module a.b.c { ... }` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Module {
    /// Dotted module name, e.g. `org.apache.zookeeper.proto`.
    pub name: String,
    /// Records declared in this module, in declaration order.
    pub records: Vec<Record>,
}

/// A Jute `class Name { ... }` declaration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The record's simple name as written, e.g. `ConnectRequest`.
    pub name: String,
    /// The module it belongs to, e.g. `org.apache.zookeeper.proto`.
    pub module: String,
    /// Text of the comments immediately preceding the declaration, comment markers removed.
    pub doc: Option<String>,
    /// Fields in wire order.
    pub fields: Vec<Field>,
    /// Where the record was declared.
    pub location: Location,
}

impl Record {
    /// The fully qualified name, `module.Name`.
    pub fn qualified_name(&self) -> String {
        format!("{}.{}", self.module, self.name)
    }
}

/// One field of a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// The field name as written in the schema, e.g. `lastZxidSeen`.
    pub name: String,
    /// The field's type.
    pub ty: Type,
    /// Text of the comments immediately preceding the field, comment markers removed.
    pub doc: Option<String>,
    /// Where the field was declared.
    pub location: Location,
}

/// A Jute type.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Type {
    /// `byte`: one signed byte.
    Byte,
    /// `boolean`: one byte, 0 or 1.
    Boolean,
    /// `int`: 4 bytes big-endian.
    Int,
    /// `long`: 8 bytes big-endian.
    Long,
    /// `float`: IEEE-754 single, big-endian.
    Float,
    /// `double`: IEEE-754 double, big-endian.
    Double,
    /// `ustring`: length-prefixed UTF-8.
    UString,
    /// `buffer`: length-prefixed bytes.
    Buffer,
    /// `vector<T>`: count-prefixed sequence.
    Vector(Box<Type>),
    /// `map<K, V>`: count-prefixed key/value pairs.
    Map(Box<Type>, Box<Type>),
    /// A reference to a record, by fully qualified name (`module.Name`).
    Record(String),
}

/// A position in a schema file.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Location {
    /// The file, as it was given to the parser (or resolved relative to the including file).
    pub file: PathBuf,
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
}

impl Schema {
    /// Looks up a record by its fully qualified name, e.g. `org.apache.zookeeper.data.Stat`.
    pub fn record(&self, qualified: &str) -> Option<&Record> {
        let (module, name) = qualified.rsplit_once('.')?;
        self.module(module)?.records.iter().find(|r| r.name == name)
    }

    /// Looks up a module by its dotted name.
    pub fn module(&self, name: &str) -> Option<&Module> {
        self.modules.iter().find(|m| m.name == name)
    }

    /// All records of all modules, in module order then declaration order.
    pub fn records(&self) -> impl Iterator<Item = &Record> + '_ {
        self.modules.iter().flat_map(|m| m.records.iter())
    }
}
