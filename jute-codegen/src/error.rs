//! The one error type of `jute-codegen`.

use std::fmt;
use std::path::PathBuf;

/// Why code generation failed.
///
/// `Debug` shows the same text as `Display` (a schema's diagnostics rendered rustc-style), so
/// a build script that returns the error with `?` prints them as they are.
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The schema did not parse or resolve; the diagnostics are rendered in the message.
    #[error("{path}: invalid Jute schema:\n{diagnostics}")]
    Parse {
        /// The schema file given to the parser.
        path: PathBuf,
        /// The parser's diagnostics (files, spans, notes), as `jute_parser` reports them.
        diagnostics: jute_parser::Diagnostics,
    },
    /// Reading a schema or writing generated code failed.
    #[error("{path}: {source}")]
    Io {
        /// The file that could not be read or written.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// [`crate::Config::compile`] was called without an output directory and `OUT_DIR` is unset.
    #[error("no output directory: call `Config::out_dir` or run from a build script (OUT_DIR)")]
    NoOutDir,
    /// A Jute name has no usable Rust spelling.
    #[error("{what} `{name}` has no usable Rust name")]
    BadName {
        /// What was being named (`record`, `field`, `module`).
        what: &'static str,
        /// The Jute name.
        name: String,
    },
    /// Two Jute names turn into the same Rust name.
    #[error("{first} and {second} both become `{rust}` in Rust; rename one in the schema")]
    NameCollision {
        /// The first Jute name (qualified).
        first: String,
        /// The second Jute name (qualified).
        second: String,
        /// The Rust name they share.
        rust: String,
    },
    /// A configuration entry names no record or field of the schema (probably a typo).
    #[error("config `{option}(\"{path}\")` matches no {expected} in the schema")]
    UnmatchedConfig {
        /// The config method, e.g. `nullable`.
        option: &'static str,
        /// The path as configured.
        path: String,
        /// What the path had to name (`field`, `record or field`, ...).
        expected: &'static str,
    },
    /// A configuration entry applies to something it cannot apply to.
    #[error("config `{option}(\"{path}\")`: {reason}")]
    InvalidConfig {
        /// The config method, e.g. `trailing`.
        option: &'static str,
        /// The path as configured.
        path: String,
        /// Why it does not apply.
        reason: String,
    },
    /// A type in the schema cannot be represented in Rust as configured.
    #[error("{field}: {reason}")]
    Unsupported {
        /// The qualified field name.
        field: String,
        /// What is wrong.
        reason: String,
    },
    /// The generated tokens did not parse as a Rust file (a bug in jute-codegen or in an
    /// attribute string given to the config).
    #[error("generated code does not parse as Rust ({0}); check type/field attribute strings")]
    InvalidOutput(String),
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}
