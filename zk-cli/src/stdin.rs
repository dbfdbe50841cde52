//! stdin as a file argument: `-` for DATA (`create`, `set`), FILE (`import`),
//! `--sasl-password-file`, `--tls-ca`, `--tls-cert` and `--tls-key`. stdin can be read once, so at most one of them
//! may be `-`, and it is read before connecting (a slow producer must not eat into the
//! session).

use std::io::Read as _;
use std::path::Path;
use std::sync::OnceLock;

use crate::exit::{self, Failure};
use crate::Global;

/// stdin's bytes, once read.
static STDIN: OnceLock<Vec<u8>> = OnceLock::new();

/// Whether a file argument is `-`.
pub(crate) fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// A usage error when more than one argument is `-`; `argument` names the command's own
/// argument that is `-` (`DATA`, `FILE`), if one is.
pub(crate) fn check_single_use(global: &Global, argument: Option<&str>) -> Result<(), Failure> {
    let is = |p: &Option<std::path::PathBuf>| p.as_deref().is_some_and(is_stdin);
    let options = [
        (is(&global.sasl_password_file), "--sasl-password-file"),
        (global.tls_ca.iter().any(|p| is_stdin(p)), "--tls-ca"),
        (is(&global.tls_cert), "--tls-cert"),
        (is(&global.tls_key), "--tls-key"),
    ];
    let uses: Vec<&str> = argument
        .into_iter()
        .chain(
            options
                .into_iter()
                .filter_map(|(used, name)| used.then_some(name)),
        )
        .collect();
    let stdin_cas = global.tls_ca.iter().filter(|p| is_stdin(p)).count();
    if uses.len() > 1 || stdin_cas > 1 {
        return Err(Failure::usage(format!(
            "stdin can be read once, but several arguments are `-`: {}",
            uses.join(", ")
        )));
    }
    Ok(())
}

/// All of stdin (read at the first call; later calls return the same bytes).
pub(crate) fn read() -> Result<Vec<u8>, Failure> {
    if let Some(bytes) = STDIN.get() {
        return Ok(bytes.clone());
    }
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .read_to_end(&mut bytes)
        .map_err(|e| Failure::Message(exit::GENERIC, format!("reading stdin: {e}")))?;
    Ok(STDIN.get_or_init(|| bytes).clone())
}

/// The contents of a file argument (`-`: stdin); `option` names it in errors, which exit
/// with `code`.
pub(crate) fn read_file(path: &Path, option: &str, code: u8) -> Result<Vec<u8>, Failure> {
    if is_stdin(path) {
        return read();
    }
    std::fs::read(path).map_err(|e| {
        Failure::Message(
            code,
            format!("{option} {}: cannot read it: {e}", path.display()),
        )
    })
}
