//! `jute encode`: one JSON object on stdin -> the record's bytes (raw, or hex with `--hex`).

use std::path::PathBuf;
use std::process::ExitCode;

use crate::input;
use crate::output::{self, Stop};
use crate::schema_arg::SchemaArgs;

/// Arguments of `jute encode`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  echo '{\"perms\":31,\"id\":{\"scheme\":\"world\",\"id\":\"anyone\"}}' | jute encode -s zookeeper.jute -t ACL --hex
  jute decode -s zookeeper.jute -t Stat < stat.bin | jute encode -s zookeeper.jute -t Stat > again.bin
  jute encode -s zookeeper.jute -t ACL acl.json > acl.bin

The JSON is what `jute decode` prints (see `jute decode --help`); every field must be present,
unknown fields are errors, and errors name the field path, e.g.
  ConnectRequest.passwd: expected a hex string, found 12")]
pub(crate) struct Args {
    #[command(flatten)]
    schema: SchemaArgs,

    /// The file holding the JSON (default, or `-`: stdin).
    #[arg(value_name = "FILE")]
    input: Option<PathBuf>,

    /// Print the bytes as lowercase hex (and a newline) instead of raw bytes.
    #[arg(long)]
    hex: bool,
}

/// Runs `jute encode`.
pub(crate) fn run(args: &Args) -> ExitCode {
    output::exit(encode(args).map(|()| ExitCode::SUCCESS))
}

fn encode(args: &Args) -> Result<(), Stop> {
    let input_on_stdin = args.input.as_deref().is_none_or(input::is_stdin);
    input::stdin_once(&args.schema.schemas, input_on_stdin)?;
    let (schema, record) = args.schema.load()?;
    let text = input::read_input(args.input.as_deref())?;
    let from = match args.input.as_deref() {
        Some(path) if !input_on_stdin => path.display().to_string(),
        _ => "stdin".to_owned(),
    };
    let json: serde_json::Value =
        serde_json::from_slice(&text).map_err(|e| format!("{from} is not JSON: {e}"))?;
    let options = args.schema.options();
    let value = jute_value::from_json_with(&schema, &record, &json, &options)
        .map_err(|e| format!("cannot encode {record}: {e}"))?;
    let bytes = jute_value::encode_to_vec_with(&schema, &record, &value, &options)
        .map_err(|e| format!("cannot encode {record}: {e}"))?;
    if args.hex {
        output::write_stdout(format!("{}\n", hex::encode(&bytes)).as_bytes())
    } else {
        output::write_stdout(&bytes)
    }
}
