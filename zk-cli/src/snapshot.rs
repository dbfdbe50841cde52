//! `zk snapshot FILE`: a ZooKeeper snapshot's sessions, ACLs and znodes, as JSON lines
//! (offline: no server is asked).

use std::io::{BufWriter, Write as _};
use std::path::PathBuf;

use zk_files::json::FileHeaderLine;
use zk_files::Limits;
use zk_files::{
    Compression, DataFormat, LimitReached, SnapItem, SnapshotReader, ZkFileError,
    DEFAULT_MAX_DECOMPRESSED,
};

use crate::exit::{self, Failure};
use crate::format;
use crate::progress::Progress;

/// Arguments of `zk snapshot`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  zk snapshot /var/lib/zookeeper/version-2/snapshot.100000005
  zk snapshot snapshot.100000005.gz --data utf8 | jq 'select(.kind == \"node\") | .path'
  zk snapshot snapshot.100000005.snappy --max-size 8589934592

Output: one JSON object per line. The first has \"kind\": \"snapshot\" and the FileHeader
(magic ZKSN, version, dbid) and the compression. Then \"session\" lines (id, hex id, timeout),
\"acl\" lines (the ACL cache: id and ACL list), one \"node\" line per znode, parents first
(path, data, acl id, StatPersisted), the \"seal\" (stored and computed Adler-32 and whether
they match), the \"digest\" where present (3.6+), \"lastProcessedZxid\" where present (3.9+),
and \"end\" (with the count of trailing bytes after the last section, if any).

Compressed snapshots (zookeeper.snapshot.compression.method=gz or snappy, files ending in .gz
or .snappy) are recognised by their first bytes and decompressed as they are read, up to
--max-size; \"compression\" in the first line says which (\"gz\", \"snappy\", or null).
Memory holds the item being read, not the file. Damage (in the compressed data too) ends the
output with an \"error\" line naming the offset, after everything read before it. Exit status
1 if the snapshot is damaged. On a terminal, a progress line on stderr appears after a second
(ZK_PROGRESS_AFTER_MS sets the delay) and is erased at the end.")]
pub(crate) struct Args {
    /// The snapshot file (`version-2/snapshot.<zxid>`, optionally `.gz` or `.snappy`; `-`:
    /// stdin).
    #[arg(value_name = "FILE")]
    file: PathBuf,

    /// How to print node data: `hex`, or `utf8` (text where valid UTF-8, else hex under
    /// `dataHex`).
    #[arg(long, value_enum, default_value_t = Data::Hex)]
    data: Data,

    /// Largest accepted node data length, in bytes (raise it for servers run with a larger
    /// jute.maxbuffer).
    #[arg(long, value_name = "BYTES")]
    max_len: Option<usize>,

    /// Largest accepted size of a compressed snapshot once decompressed, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_DECOMPRESSED)]
    max_size: u64,
}

/// `--data`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Data {
    /// Lowercase hex.
    Hex,
    /// UTF-8 text where valid.
    Utf8,
}

/// Runs `zk snapshot`: exit 0, or 1 when the snapshot is damaged.
pub(crate) fn run(args: &Args) -> Result<u8, Failure> {
    match print_snapshot(args) {
        Ok(true) => Ok(exit::OK),
        Ok(false) => Ok(exit::GENERIC),
        Err(failure) => Err(failure),
    }
}

/// Prints the snapshot; returns whether it was intact.
fn print_snapshot(args: &Args) -> Result<bool, Failure> {
    let name = args.file.display();
    let file = crate::spool::open(&args.file).map_err(|e| format!("cannot read {name}: {e}"))?;
    let total = file
        .metadata()
        .map_err(|e| format!("cannot read {name}: {e}"))?
        .len();
    let mut progress = Progress::new(name.to_string(), total);
    let mut limits = Limits::default();
    if let Some(max) = args.max_len {
        limits.max_len = max;
    }
    let reader =
        SnapshotReader::from_reader(progress.track(file), limits, args.max_size).map_err(|e| {
            let hint = match e {
                ZkFileError::TooLarge { .. } => " (raise it with --max-size)",
                ZkFileError::Snappy(ref s) if s.exceeds_limit() => " (raise it with --max-size)",
                _ => "",
            };
            format!("{name}: {e}{hint}")
        })?;
    let compression = reader.compression();
    let format = match args.data {
        Data::Hex => DataFormat::Hex,
        Data::Utf8 => DataFormat::Utf8,
    };
    let mut out = BufWriter::new(std::io::stdout().lock());
    let write_err = format::stdout_error;
    let json_err = format::json_stdout_error;
    let compression = match compression {
        Compression::None => None,
        Compression::Gzip => Some("gz"),
        Compression::Snappy => Some("snappy"),
    };
    let header = FileHeaderLine::new("snapshot", reader.header()).compression(compression);
    zk_files::json::to_writer(&mut out, &header).map_err(json_err)?;
    writeln!(out).map_err(write_err)?;
    let mut intact = true;
    for (n, item) in reader.enumerate() {
        progress.tick(n as u64);
        let problem = match &item {
            SnapItem::Seal {
                offset,
                stored,
                computed,
            } if *stored != i64::from(*computed) => Some(format!(
                "seal at offset {offset}: stored checksum {stored:#x}, computed {computed:#x}"
            )),
            SnapItem::Error {
                offset,
                message,
                limit,
            } => {
                let hint = match limit {
                    Some(LimitReached::ItemLength) => " (raise the limit with --max-len)",
                    Some(LimitReached::DecompressedSize) => " (raise the limit with --max-size)",
                    _ => "",
                };
                Some(format!("at offset {offset}: {message}{hint}"))
            }
            SnapItem::End { offset, trailing } if *trailing > 0 => Some(format!(
                "{trailing} unexpected bytes after the end of the snapshot at offset {offset}"
            )),
            _ => None,
        };
        if let Some(problem) = problem {
            intact = false;
            progress.finish();
            eprintln!("zk: {name}: {problem}");
        }
        zk_files::json::to_writer(&mut out, &item.json(format)).map_err(json_err)?;
        writeln!(out).map_err(write_err)?;
    }
    out.flush().map_err(write_err)?;
    progress.finish();
    Ok(intact)
}
