//! File arguments, where `-` means stdin: schema files (`jute check`, `gen`, `--schema`) and
//! the record input of `jute decode` and `jute encode`.

use std::io::Read as _;
use std::path::{Path, PathBuf};

use jute_parser::{Diagnostic, Diagnostics, Schema};

use crate::output::Stop;
use crate::suggest;

/// The name a schema read from stdin has in diagnostics; its includes are read relative to
/// the working directory.
pub(crate) const STDIN_SCHEMA: &str = "<stdin>";

/// Whether a file argument is `-` (stdin).
pub(crate) fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// Parses schema files and what they include; `-` reads the schema text from stdin and must
/// then be the only file. Unknown record types get close names as notes.
pub(crate) fn parse_schemas(files: &[PathBuf]) -> Result<Schema, Diagnostics> {
    if !files.iter().any(|f| is_stdin(f)) {
        return jute_parser::parse_files(files).map_err(|d| suggest::add(d, files, None));
    }
    let error = |message: String| Diagnostics::new(vec![Diagnostic::file_error(message, "-")]);
    if files.len() > 1 {
        return Err(error(
            "`-` (a schema on stdin) must be the only schema file".into(),
        ));
    }
    let mut text = String::new();
    std::io::stdin()
        .lock()
        .read_to_string(&mut text)
        .map_err(|e| error(format!("cannot read the schema from stdin: {e}")))?;
    let name = Path::new(STDIN_SCHEMA);
    jute_parser::parse_str(name, &text).map_err(|d| suggest::add(d, &[], Some((name, &text))))
}

/// Reads a record input: stdin for `None` or `-`, else the file.
pub(crate) fn read_input(file: Option<&Path>) -> Result<Vec<u8>, Stop> {
    let mut bytes = Vec::new();
    match file {
        Some(path) if !is_stdin(path) => {
            bytes = std::fs::read(path)
                .map_err(|e| Stop::Failed(format!("cannot read {}: {e}", path.display())))?;
        }
        _ => {
            std::io::stdin()
                .lock()
                .read_to_end(&mut bytes)
                .map_err(|e| Stop::Failed(format!("reading stdin: {e}")))?;
        }
    }
    Ok(bytes)
}

/// A usage error when the schema and the record would both come from stdin.
pub(crate) fn stdin_once(schemas: &[PathBuf], input_on_stdin: bool) -> Result<(), Stop> {
    if input_on_stdin && schemas.iter().any(|f| is_stdin(f)) {
        return Err(Stop::Failed(
            "stdin can be read once: the schema is `-`, so give the record as a FILE argument (or --hex)"
                .into(),
        ));
    }
    Ok(())
}
