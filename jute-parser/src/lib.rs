//! Parser, resolver and diagnostics for Apache Jute IDL schemas (the `.jute` files of
//! Apache ZooKeeper).
//!
//! # Usage
//!
//! ```no_run
//! let schema = jute_parser::parse_file("zookeeper.jute")?;
//! for record in schema.records() {
//!     println!("{}", record.qualified_name());
//! }
//! # Ok::<(), jute_parser::Diagnostics>(())
//! ```
//!
//! [`parse_file`], [`parse_files`] and [`parse_str`] read a file and everything it includes,
//! and return a validated [`Schema`] or all [`Diagnostics`] found (syntax errors of every file,
//! recovered per top-level item and per class, plus all resolve errors), rendered rustc-style
//! by their `Display` implementation. [`parse_ast`] gives the syntax tree ([`ast`]) of one file
//! without following includes.
//!
//! # Language
//!
//! The accepted language is that of Apache's compiler (`rcc`):
//!
//! ```text
//! file    := (include | module)+
//! include := "include" STRING                      // at least one character, no escapes
//! module  := "module" NAME ("." NAME)* "{" class+ "}"
//! class   := "class" NAME "{" (type NAME ";")+ "}"
//! type    := byte | boolean | int | long | float | double | ustring | buffer
//!          | "vector" "<" type ">" | "map" "<" type "," type ">" | NAME ("." NAME)*
//! ```
//!
//! Names are an ASCII letter followed by ASCII letters, digits and `_`. All thirteen keywords
//! (`module class include` and the type keywords) are reserved, but names may start with one
//! (`integer`, `mapping`). Whitespace is space, tab, CR and LF only. Comments are `// ...`
//! (ended by a line break: like `rcc`, a `//` comment that ends the file without one is an
//! error) and non-nesting `/* ... */`; both may appear between any two tokens, including
//! inside dotted names. Empty files, empty modules and empty classes are rejected, as by `rcc`.
//!
//! # Diagnostics
//!
//! Syntax errors are recovered from per top-level item and per class, so each broken class
//! is reported once; references to a class whose declaration is broken are not reported
//! again. Diagnostics are ordered by file (in reading order), then line and column.
//!
//! # Name resolution (as in `rcc`)
//!
//! Files are read depth-first: an `include` is read where it appears, relative to the
//! directory of the including file. A record becomes known when its declaration has been read
//! completely, so a field can only use records declared earlier in reading order (earlier in
//! the same file or in a file included before it); forward and self references are errors.
//! An unqualified type name `N` inside `module a.b` means exactly `a.b.N`: other modules are
//! not searched. A dotted name is always fully qualified (`b.N` inside `module a` is `b.N`,
//! never `a.b.N`). A module may be reopened, in the same or another file; its records merge.
//! With several root files ([`parse_files`]), each root sees only what it reads itself (as
//! `rcc` compiles each file on its command line on its own), whatever their order; a file
//! read by several roots gives its records once and has its references checked for each.
//!
//! An `include` path is joined to the including file's directory and resolved by the system,
//! as `rcc` opens `new File(dir, path)`: `..` follows symbolic links and needs the directories
//! it passes through to exist, and an absolute path is taken below that directory (unless
//! the including file was named without one).
//!
//! # Comments as documentation
//!
//! The comments directly above a class or field (no blank line in between, not trailing
//! another token on its line) become its `doc`, followed by a comment trailing the field on
//! the line where it ends (`int x; // like this`). Markers (`//`, `/*`, `*/`) and a leading
//! ` * ` decoration are removed and lines are joined with `\n`.
//!
//! # Deliberate differences from Apache's compiler
//!
//! Every input `rcc` accepts is accepted, except:
//!
//! 1. Duplicate record names (same fully qualified name, in one or several files) are an
//!    error; `rcc` silently keeps the last declaration.
//! 2. Duplicate field names in a record are an error; `rcc` accepts them and generates code
//!    that does not compile.
//! 3. `vector`/`map` types nested more than 64 levels deep are an error (to bound recursion).
//!
//! Every input `rcc` rejects is rejected too, but with located, complete diagnostics:
//!
//! 4. Include cycles are reported as an error with the include chain; `rcc` recurses until
//!    it dies of a stack overflow.
//! 5. Lexical errors (bad characters, unterminated comments and strings, a `//` comment
//!    ending the file without a line break) are reported with a location; `rcc` aborts with
//!    an uncaught exception, and unknown types and missing includes are reported by `rcc`
//!    without any location.
//! 6. All independent errors are reported; `rcc` stops at the first.
//!
//! Other differences that do not change what is accepted: including the same file twice
//! reads it once (`rcc` reads it again, with the same result); an absolute include path is
//! used as is (`rcc` appends it to the including file's directory); files that are not UTF-8
//! are read lossily; files over 16 MiB or that are not regular files are refused.

pub mod ast;
mod diagnostic;
mod grammar;
mod resolve;
mod scan;
pub mod schema;
mod source;
mod syntax;
mod syntax_error;

use std::path::{Path, PathBuf};

pub use diagnostic::{Diagnostic, Diagnostics, Label, Severity};
pub use schema::{Field, Location, Module, Record, Schema, Type};

use resolve::Root;

/// Parses the file at `path` and everything it includes into a validated [`Schema`].
///
/// # Errors
///
/// Returns every problem found (I/O, syntax and resolve errors) as [`Diagnostics`].
pub fn parse_file(path: impl AsRef<Path>) -> Result<Schema, Diagnostics> {
    resolve::resolve(vec![Root::Path(path.as_ref().to_path_buf())])
}

/// Parses several root files (and their includes) into one [`Schema`].
///
/// Each root resolves names on its own, like separate `rcc` inputs; a file included by
/// several roots appears once. Records with the same qualified name in different files are
/// reported as duplicates.
///
/// # Errors
///
/// Returns every problem found in any of the files as [`Diagnostics`].
pub fn parse_files<P: AsRef<Path>>(
    paths: impl IntoIterator<Item = P>,
) -> Result<Schema, Diagnostics> {
    resolve::resolve(
        paths
            .into_iter()
            .map(|p| Root::Path(p.as_ref().to_path_buf()))
            .collect(),
    )
}

/// Parses `source` as if it were the file `file_name` into a validated [`Schema`].
///
/// `file_name` is used in diagnostics and locations, and includes are read from disk
/// relative to its directory.
///
/// # Errors
///
/// Returns every problem found as [`Diagnostics`].
pub fn parse_str(file_name: impl Into<PathBuf>, source: &str) -> Result<Schema, Diagnostics> {
    resolve::resolve(vec![Root::Source(file_name.into(), source.to_string())])
}

/// Parses one file's text into its syntax tree, without following includes or resolving
/// names.
///
/// # Errors
///
/// Returns all syntax errors found as [`Diagnostics`].
pub fn parse_ast(file_name: impl Into<PathBuf>, source: &str) -> Result<ast::File, Diagnostics> {
    let src = source::SourceFile::new(file_name.into(), source.to_string());
    let parsed = syntax::parse_source(&src);
    if parsed.diagnostics.is_empty() {
        Ok(parsed.file)
    } else {
        Err(Diagnostics::new(parsed.diagnostics))
    }
}

/// The crate README's Rust examples, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
