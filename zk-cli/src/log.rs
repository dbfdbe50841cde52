//! `zk log FILE`: every transaction of a ZooKeeper transaction log, as JSON lines (offline:
//! no server is asked).

use std::io::{BufWriter, Write as _};
use std::path::PathBuf;

use zk_files::json::FileHeaderLine;
use zk_files::Limits;
use zk_files::{LogItem, TxnLogReader};

use crate::exit::{self, Failure};
use crate::format;
use crate::progress::Progress;

/// Arguments of `zk log`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  zk log /var/lib/zookeeper/version-2/log.100000001
  zk log log.100000001 | jq 'select(.op == \"multi\") | .txn.txns'

Output: one JSON object per line. The first has \"kind\": \"log\" and the FileHeader (magic
ZKLG, version, dbid). Then one per entry: \"kind\": \"txn\" with the entry's file offset, zxid
and session in hex, time (UTC), op name, the TxnHeader (clientId, cxid, zxid, time, type),
the body record's name and value under \"txn\" (a multi's sub-transactions decoded under
txn.txns), and the TxnDigest (or null). Checksums (Adler-32) are verified; a corrupt or
truncated entry gives a \"kind\": \"corrupt\" line with its offset (and a message on stderr),
and reading goes on at the next valid entry (also after an entry length of 0 that non-zero
bytes follow: a zeroed sector or a gap, where Java's reader stops). The last line,
\"kind\": \"end\", is where the preallocated zero padding starts. Exit status 1 if any
entry was corrupt. Op names are those Apache's TxnLogToolkit prints (ZooKeeper 3.8).

An entry holding data longer than --max-len (servers run with a larger jute.maxbuffer write
such entries) is reported as corrupt, with a message naming --max-len.

The file is streamed: memory holds one entry and a read-ahead, whatever the file's size. On a
terminal, a progress line on stderr appears after a second (ZK_PROGRESS_AFTER_MS sets the
delay) and is erased at the end.")]
pub(crate) struct Args {
    /// The transaction log file (`version-2/log.<zxid>`; `-`: stdin).
    #[arg(value_name = "FILE")]
    file: PathBuf,

    /// Largest accepted string or buffer length in a transaction, in bytes (raise it for
    /// servers run with a larger jute.maxbuffer; the default is Java's default limit).
    #[arg(long, value_name = "BYTES")]
    max_len: Option<usize>,
}

/// Runs `zk log`: exit 0, or 1 when an entry was corrupt.
pub(crate) fn run(args: &Args) -> Result<u8, Failure> {
    let cannot_read = |e: std::io::Error| {
        Failure::Message(
            exit::GENERIC,
            format!("cannot read {}: {e}", args.file.display()),
        )
    };
    let file = crate::spool::open(&args.file).map_err(cannot_read)?;
    let total = file.metadata().map_err(cannot_read)?.len();
    let mut progress = Progress::new(args.file.display().to_string(), total);
    let mut limits = Limits::default();
    if let Some(max) = args.max_len {
        limits.max_len = max;
    }
    // Streamed: memory holds an entry and a read-ahead, not the file.
    let reader = TxnLogReader::from_reader(progress.track(file), limits)
        .map_err(|e| Failure::Message(exit::GENERIC, format!("{}: {e}", args.file.display())))?;
    let mut out = BufWriter::new(std::io::stdout().lock());
    let write_err = format::stdout_error;
    let json_err = format::json_stdout_error;
    zk_files::json::to_writer(&mut out, &FileHeaderLine::new("log", reader.header()))
        .map_err(json_err)?;
    writeln!(out).map_err(write_err)?;
    let mut corrupt = 0;
    for (n, item) in reader.enumerate() {
        progress.tick(n as u64);
        if let LogItem::Corrupt {
            offset,
            message,
            limit,
        } = &item
        {
            corrupt += 1;
            progress.finish();
            let hint = if limit.is_some() {
                " (raise the limit with --max-len)"
            } else {
                ""
            };
            eprintln!(
                "zk: {}: entry at offset {offset}: {message}{hint}",
                args.file.display()
            );
        }
        zk_files::json::to_writer(&mut out, &item).map_err(json_err)?;
        writeln!(out).map_err(write_err)?;
    }
    out.flush().map_err(write_err)?;
    progress.finish();
    Ok(if corrupt == 0 {
        exit::OK
    } else {
        exit::GENERIC
    })
}
