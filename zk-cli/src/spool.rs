//! The input file of `zk log` and `zk snapshot`: a path, or `-` for stdin, which is copied to
//! an unlinked temporary file first, since the log reader seeks (to resynchronise after
//! damage) and a pipe cannot; memory stays bounded either way.

use std::fs::{File, OpenOptions};
use std::io::{Seek, SeekFrom};
use std::path::Path;

/// Opens `path` for reading; `-` is stdin, spooled to a temporary file that is already
/// unlinked (nothing is left behind, whatever happens next).
pub(crate) fn open(path: &Path) -> std::io::Result<File> {
    if path.as_os_str() != "-" {
        return File::open(path);
    }
    let spool = std::env::temp_dir().join(format!("zk-stdin-{}", std::process::id()));
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .open(&spool)?;
    // Unlinked at once: the open handle keeps the data until it is closed.
    std::fs::remove_file(&spool)?;
    std::io::copy(&mut std::io::stdin().lock(), &mut file)?;
    file.seek(SeekFrom::Start(0))?;
    Ok(file)
}
