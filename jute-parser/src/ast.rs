//! The syntax tree of one Jute file, as written, with byte spans into its source text.
//!
//! This is the unresolved form: type references are plain names and includes are not
//! followed. Use [`parse_ast`](crate::parse_ast) to obtain it, or the `parse_*` functions of
//! the crate root to get a validated [`Schema`](crate::Schema) instead.

use std::fmt;
use std::path::PathBuf;

/// A half-open byte range `start..end` into the source text of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    /// Byte offset of the first byte.
    pub start: usize,
    /// Byte offset just past the last byte.
    pub end: usize,
}

impl Span {
    /// Creates a span.
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }

    /// The spanned text of `source`, or `""` if the span does not fit.
    pub fn text<'s>(&self, source: &'s str) -> &'s str {
        source.get(self.start..self.end).unwrap_or("")
    }
}

/// One parsed file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    /// The file's path, as given to the parser.
    pub path: PathBuf,
    /// Top-level items in source order.
    pub items: Vec<Item>,
}

/// A top-level item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// `include "path";`
    Include(Include),
    /// `module a.b { ... }`
    Module(Module),
}

/// `include "other.jute"`: pulls in another file, resolved relative to this file's directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Include {
    /// The path between the quotes, verbatim.
    pub path: String,
    /// Span of the quoted string literal, quotes included.
    pub path_span: Span,
    /// Span of the whole item.
    pub span: Span,
}

/// A `module a.b.c { ... }` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Module {
    /// The dotted module name.
    pub name: QualifiedName,
    /// The classes in declaration order.
    pub classes: Vec<Class>,
    /// Span of the whole block.
    pub span: Span,
}

/// A `class Name { ... }` declaration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Class {
    /// The class name.
    pub name: Ident,
    /// Documentation taken from the comments attached to the declaration.
    pub doc: Option<String>,
    /// The fields in declaration order.
    pub fields: Vec<Field>,
    /// Span of the whole declaration, from `class` to `}`.
    pub span: Span,
}

/// A `type name;` field declaration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// The declared type.
    pub ty: TypeExpr,
    /// The field name.
    pub name: Ident,
    /// Documentation taken from the comments attached to the field.
    pub doc: Option<String>,
    /// Span of the field, from its type to the `;`.
    pub span: Span,
}

/// A type as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeExpr {
    /// What kind of type.
    pub kind: TypeKind,
    /// Where it was written.
    pub span: Span,
}

/// The kinds of type expressions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeKind {
    /// A built-in scalar type.
    Primitive(Primitive),
    /// `vector<T>`
    Vector(Box<TypeExpr>),
    /// `map<K, V>`
    Map(Box<TypeExpr>, Box<TypeExpr>),
    /// A record reference, qualified (`a.b.C`) or not (`C`).
    Named(QualifiedName),
}

/// The built-in scalar types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Primitive {
    /// `byte`
    Byte,
    /// `boolean`
    Boolean,
    /// `int`
    Int,
    /// `long`
    Long,
    /// `float`
    Float,
    /// `double`
    Double,
    /// `ustring`
    UString,
    /// `buffer`
    Buffer,
}

impl Primitive {
    /// Looks up a primitive type by its keyword.
    pub fn from_keyword(word: &str) -> Option<Self> {
        Some(match word {
            "byte" => Primitive::Byte,
            "boolean" => Primitive::Boolean,
            "int" => Primitive::Int,
            "long" => Primitive::Long,
            "float" => Primitive::Float,
            "double" => Primitive::Double,
            "ustring" => Primitive::UString,
            "buffer" => Primitive::Buffer,
            _ => return None,
        })
    }

    /// The keyword spelling of the type.
    pub fn keyword(self) -> &'static str {
        match self {
            Primitive::Byte => "byte",
            Primitive::Boolean => "boolean",
            Primitive::Int => "int",
            Primitive::Long => "long",
            Primitive::Float => "float",
            Primitive::Double => "double",
            Primitive::UString => "ustring",
            Primitive::Buffer => "buffer",
        }
    }
}

/// An identifier with its span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ident {
    /// The identifier text.
    pub name: String,
    /// Where it was written.
    pub span: Span,
}

/// A possibly dotted name, such as a module name or a qualified record reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QualifiedName {
    /// The dot-separated parts (at least one).
    pub segments: Vec<Ident>,
    /// Span from the first to the last segment (may contain whitespace or comments).
    pub span: Span,
}

impl QualifiedName {
    /// Whether the name has more than one segment.
    pub fn is_qualified(&self) -> bool {
        self.segments.len() > 1
    }

    /// The segments joined with `.`.
    pub fn joined(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for QualifiedName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, seg) in self.segments.iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            f.write_str(&seg.name)?;
        }
        Ok(())
    }
}
