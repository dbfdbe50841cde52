//! `jute encode`: one JSON object on stdin -> the record's bytes (raw, or hex with `--hex`).

use std::io::{Read as _, Write as _};
use std::process::ExitCode;

use crate::schema_arg::SchemaArgs;

/// Arguments of `jute encode`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  echo '{\"perms\":31,\"id\":{\"scheme\":\"world\",\"id\":\"anyone\"}}' | jute encode -s zookeeper.jute -t ACL --hex
  jute decode -s zookeeper.jute -t Stat < stat.bin | jute encode -s zookeeper.jute -t Stat > again.bin

The JSON is what `jute decode` prints (see `jute decode --help`); every field must be present,
unknown fields are errors, and errors name the field path, e.g.
  ConnectRequest.passwd: expected a hex string, found 12")]
pub(crate) struct Args {
    #[command(flatten)]
    schema: SchemaArgs,

    /// Print the bytes as lowercase hex (and a newline) instead of raw bytes.
    #[arg(long)]
    hex: bool,
}

/// Runs `jute encode`.
pub(crate) fn run(args: &Args) -> ExitCode {
    match encode(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            let _ = writeln!(std::io::stderr().lock(), "{message}");
            ExitCode::FAILURE
        }
    }
}

fn encode(args: &Args) -> Result<(), String> {
    let (schema, record) = args.schema.load()?;
    let mut text = String::new();
    std::io::stdin()
        .lock()
        .read_to_string(&mut text)
        .map_err(|e| format!("error: reading stdin: {e}"))?;
    let json: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("error: stdin is not JSON: {e}"))?;
    let options = args.schema.options();
    let value = jute_value::from_json_with(&schema, &record, &json, &options)
        .map_err(|e| format!("error: cannot encode {record}: {e}"))?;
    let bytes = jute_value::encode_to_vec_with(&schema, &record, &value, &options)
        .map_err(|e| format!("error: cannot encode {record}: {e}"))?;
    let mut out = std::io::stdout().lock();
    let written = if args.hex {
        writeln!(out, "{}", hex::encode(&bytes))
    } else {
        out.write_all(&bytes)
    };
    written
        .and_then(|()| out.flush())
        .map_err(|e| format!("error: writing stdout: {e}"))
}
