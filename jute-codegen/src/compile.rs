//! The entry points that run a [`Config`]: on a parsed schema ([`Config::generate`]), on a
//! file ([`Config::generate_file`]), and for build scripts ([`Config::compile`],
//! [`Config::compile_or_exit`]).

use std::io::Write as _;
use std::path::{Path, PathBuf};

use jute_parser::schema::Schema;

use crate::{Config, Error};

impl Config {
    /// Generates the Rust source for an already parsed schema. `source` names the schema in
    /// the `@generated` header (e.g. `zookeeper.jute`).
    ///
    /// # Errors
    ///
    /// When the config does not fit the schema, or a name has no usable Rust spelling.
    pub fn generate(&self, schema: &Schema, source: &str) -> Result<String, Error> {
        crate::generate::generate(self, schema, source)
    }

    /// Parses the schema file at `path` (and its includes) and returns the generated source.
    ///
    /// # Errors
    ///
    /// [`Error::Parse`] with the parser's diagnostics, or as [`Config::generate`].
    pub fn generate_file(&self, path: impl AsRef<Path>) -> Result<String, Error> {
        let path = path.as_ref();
        let schema = parse(&[path])?;
        self.generate(&schema, &file_name(path))
    }

    /// Generates code for the schema files (resolved together, as
    /// `jute_parser::parse_files` does: a file included by several of them is read, and its
    /// records generated, once) and writes it to `<out_dir>/<stem of the first file>.rs`.
    /// Returns the written path. In a build script, prints `cargo:rerun-if-changed` for every
    /// file read, includes too (see [`Config::rerun_if_changed`]).
    ///
    /// Writes only when the content changed, so cargo does not rebuild needlessly.
    ///
    /// # Errors
    ///
    /// [`Error::Parse`] (its `Debug` and `Display` are the rustc-style diagnostics),
    /// [`Error::Io`], [`Error::NoOutDir`], or as [`Config::generate`].
    pub fn compile(&self, files: &[impl AsRef<Path>]) -> Result<Vec<PathBuf>, Error> {
        let out_dir = match &self.out_dir {
            Some(dir) => dir.clone(),
            None => std::env::var_os("OUT_DIR")
                .map(PathBuf::from)
                .ok_or(Error::NoOutDir)?,
        };
        let paths: Vec<&Path> = files.iter().map(AsRef::as_ref).collect();
        let Some(first) = paths.first() else {
            return Ok(Vec::new());
        };
        let parsed = parse(&paths);
        if self.rerun_if_changed {
            rerun_if_changed(&paths, parsed.as_ref().ok());
        }
        let schema = parsed?;
        let source = paths
            .iter()
            .map(|p| file_name(p))
            .collect::<Vec<_>>()
            .join("`, `");
        let code = self.generate(&schema, &source)?;
        let stem = first
            .file_stem()
            .map_or_else(|| "schema".into(), |s| s.to_string_lossy().into_owned());
        let target = out_dir.join(format!("{stem}.rs"));
        write_if_changed(&target, &code)?;
        Ok(vec![target])
    }

    /// [`Config::compile`] for build scripts: on failure, prints the error (a schema's
    /// diagnostics exactly as `jute check` shows them) to stderr and exits with status 1, so
    /// cargo shows it as it is instead of one escaped `Debug` string.
    ///
    /// ```no_run
    /// // build.rs, in `fn main`
    /// jute_codegen::Config::new().compile_or_exit(&["schema/app.jute"]);
    /// ```
    pub fn compile_or_exit(&self, files: &[impl AsRef<Path>]) -> Vec<PathBuf> {
        match self.compile(files) {
            Ok(written) => written,
            Err(e) => {
                let _ = writeln!(std::io::stderr().lock(), "error: {e}");
                std::process::exit(1)
            }
        }
    }
}

/// Prints `cargo:rerun-if-changed` for the roots and, when the schema resolved, every file
/// it read (so a broken include is watched as soon as it parses again).
fn rerun_if_changed(roots: &[&Path], schema: Option<&Schema>) {
    let mut out = std::io::stdout().lock();
    let read = schema.map(|s| s.files.as_slice()).unwrap_or_default();
    let mut seen: Vec<&Path> = Vec::new();
    for path in roots
        .iter()
        .copied()
        .chain(read.iter().map(PathBuf::as_path))
    {
        if !seen.contains(&path) {
            seen.push(path);
            let _ = writeln!(out, "cargo:rerun-if-changed={}", path.display());
        }
    }
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

fn parse(paths: &[&Path]) -> Result<Schema, Error> {
    jute_parser::parse_files(paths).map_err(|diagnostics| Error::Parse {
        path: paths.first().map(|p| p.to_path_buf()).unwrap_or_default(),
        diagnostics,
    })
}

fn write_if_changed(path: &Path, contents: &str) -> Result<(), Error> {
    if std::fs::read_to_string(path).is_ok_and(|old| old == contents) {
        return Ok(());
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|source| Error::Io {
            path: parent.to_owned(),
            source,
        })?;
    }
    std::fs::write(path, contents).map_err(|source| Error::Io {
        path: path.to_owned(),
        source,
    })
}
