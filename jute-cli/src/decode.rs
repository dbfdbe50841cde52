//! `jute decode`: one record's bytes (stdin or `--hex`) -> one JSON object, driven by a schema.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use jute::{Decoder, Limits};

use crate::input;
use crate::output::{self, Stop};
use crate::schema_arg::SchemaArgs;

/// Arguments of `jute decode`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  jute decode --schema zookeeper.jute --type Stat < stat.bin
  jute decode --schema zookeeper.jute --type Stat stat.bin
  jute decode -s zookeeper.jute -t proto.ConnectRequest --hex 000000000000000000000000000075300000000000000000000000100000000000000000000000000000000000
  jute decode -s zookeeper.jute -t ACL --hex 0000001f00000005776f726c6400000006616e796f6e65 --pretty

JSON: ints and longs are integers, booleans booleans, floats numbers (NaN and infinities as
the strings \"NaN\", \"Infinity\", \"-Infinity\"), ustrings strings, buffers lowercase hex,
vectors arrays, maps arrays of [key, value] pairs in wire order, records objects, null null.
`jute encode` reads the same JSON back.")]
pub(crate) struct Args {
    #[command(flatten)]
    schema: SchemaArgs,

    /// The file holding the record's bytes (default, or `-`: stdin).
    #[arg(value_name = "FILE", conflicts_with = "hex")]
    input: Option<PathBuf>,

    /// The record's bytes as hex (whitespace allowed) instead of raw bytes on stdin.
    #[arg(long, value_name = "HEX")]
    hex: Option<String>,

    /// Accept bytes after the record (they are reported on stderr) instead of failing.
    #[arg(long)]
    allow_trailing: bool,

    /// Print indented JSON.
    #[arg(long)]
    pretty: bool,

    /// Largest accepted ustring/buffer length, in bytes (default: twice ZooKeeper's
    /// jute.maxbuffer default, as Java's reader).
    #[arg(long, value_name = "BYTES")]
    max_len: Option<usize>,
}

/// Runs `jute decode`.
pub(crate) fn run(args: &Args) -> ExitCode {
    output::exit(decode(args).map(|()| ExitCode::SUCCESS))
}

fn decode(args: &Args) -> Result<(), Stop> {
    let input_on_stdin = args.hex.is_none() && args.input.as_deref().is_none_or(input::is_stdin);
    input::stdin_once(&args.schema.schemas, input_on_stdin)?;
    let (schema, record) = args.schema.load()?;
    let bytes = match &args.hex {
        Some(text) => decode_hex(text).map_err(|e| format!("--hex: {e}"))?,
        None => input::read_input(args.input.as_deref())?,
    };
    let mut limits = Limits::default();
    if let Some(max) = args.max_len {
        limits.max_len = max;
    }
    let mut d = Decoder::with_limits(&bytes[..], limits);
    let value = jute_value::decode_with(&schema, &record, &mut d, &args.schema.options())
        .map_err(|e| format!("cannot decode {record}: {e}"))?;
    let trailing = d.remaining();
    if trailing > 0 {
        let message = format!(
            "{trailing} trailing byte{} after the {record} record, at byte {}",
            if trailing == 1 { "" } else { "s" },
            d.offset()
        );
        if args.allow_trailing {
            let _ = writeln!(std::io::stderr().lock(), "warning: {message}");
        } else {
            return Err(Stop::Failed(format!(
                "{message} (pass --allow-trailing to accept them)"
            )));
        }
    }
    let text = if args.pretty {
        value.to_json_pretty()
    } else {
        value.to_json()
    };
    output::write_stdout(format!("{text}\n").as_bytes())
}

/// Decodes `--hex` text (either case) with the `hex` crate; ASCII whitespace between digits is
/// ignored, so `xxd -p` output and `"00 ab 7f"` are accepted. Errors count characters of the
/// text as given.
fn decode_hex(text: &str) -> Result<Vec<u8>, String> {
    let (positions, digits): (Vec<usize>, String) = text
        .chars()
        .enumerate()
        .filter(|(_, c)| !c.is_ascii_whitespace())
        .unzip();
    hex::decode(&digits).map_err(|e| match e {
        hex::FromHexError::InvalidHexCharacter { c, index } => {
            let at = positions.get(index).copied().unwrap_or(index);
            format!("invalid hex digit {c:?} at character {at}")
        }
        hex::FromHexError::OddLength => {
            format!("odd number of hex digits ({})", digits.chars().count())
        }
        other => other.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::decode_hex;

    #[test]
    fn hex_with_whitespace_and_errors_at_the_given_position() {
        assert_eq!(decode_hex("00AB 7f\n").unwrap(), [0x00, 0xab, 0x7f]);
        assert_eq!(
            decode_hex("00 zz").unwrap_err(),
            "invalid hex digit 'z' at character 3"
        );
        assert_eq!(
            decode_hex("abc").unwrap_err(),
            "odd number of hex digits (3)"
        );
    }
}
