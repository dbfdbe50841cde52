//! `jute gen FILE...`: generates Rust records from schema files with `jute_codegen`, printing
//! the code (one schema) or writing `<out-dir>/<stem>.rs` per schema.

use std::path::PathBuf;
use std::process::ExitCode;

use jute_codegen::{BufferType, Config, StringType};

use crate::input;
use crate::output::{self, Stop};

/// The Rust type for `buffer` fields.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub(crate) enum BufferArg {
    /// `Vec<u8>`.
    Vec,
    /// `bytes::Bytes` (through `jute::bytes`).
    Bytes,
}

/// `--string-type`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub(crate) enum StringArg {
    /// `String`.
    String,
    /// `jute::Utf8Bytes`.
    Utf8Bytes,
}

/// Arguments of `jute gen`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Root schema files (`-`: stdin, as the only one, printed); their includes are read
    /// too.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,

    /// Write `<DIR>/<file stem>.rs` for each schema instead of printing the code.
    #[arg(long, value_name = "DIR")]
    out_dir: Option<PathBuf>,

    /// Dotted module prefix to drop from Rust module paths, e.g. `org.apache.zookeeper.`.
    #[arg(long, value_name = "PREFIX")]
    strip_prefix: Option<String>,

    /// Rust type for `buffer` fields.
    #[arg(long, value_enum, default_value = "vec")]
    buffer_type: BufferArg,

    /// Rust type for `ustring` fields (`utf8-bytes`: `jute::Utf8Bytes`, shares a `Bytes` input).
    #[arg(long, value_enum, default_value = "string")]
    string_type: StringArg,

    /// Also generate a borrowed view `NameView<'a>` of each record holding text or buffers.
    #[arg(long)]
    views: bool,

    /// Make a string/buffer/vector/map field `Option<T>` (null survives): `module.Record.field`.
    #[arg(long, value_name = "PATH")]
    nullable: Vec<String>,

    /// Make a field optional at the end of the input (`#[jute(trailing)]`): `module.Record.field`.
    #[arg(long, value_name = "PATH")]
    trailing: Vec<String>,

    /// Add an attribute to the records under a module or record: `PATH=#[...]`.
    #[arg(long, value_name = "PATH=ATTR")]
    type_attr: Vec<String>,

    /// Add an attribute to the fields under a module, record or field: `PATH=#[...]`.
    #[arg(long, value_name = "PATH=ATTR")]
    field_attr: Vec<String>,

    /// Path of the `jute` runtime crate in the generated code.
    #[arg(long, value_name = "PATH", default_value = "::jute")]
    runtime_crate: String,

    /// Derive serde's `Serialize`/`Deserialize` behind this cargo feature of the crate the
    /// code goes into (`#[cfg_attr(feature = "FEATURE", derive(...))]`). Without it the code
    /// has no serde attributes, as with `jute_codegen::Config`.
    #[arg(long, value_name = "FEATURE", conflicts_with = "no_serde")]
    serde_feature: Option<String>,

    /// Emit no serde attributes (what happens without `--serde-feature` too).
    #[arg(long)]
    no_serde: bool,
}

fn split_attr(arg: &str) -> Result<(&str, &str), String> {
    arg.split_once('=')
        .ok_or_else(|| format!("`{arg}`: expected PATH=ATTRIBUTE"))
}

fn config(args: &Args) -> Result<Config, String> {
    let mut config = Config::new();
    if let Some(prefix) = &args.strip_prefix {
        config.strip_prefix(prefix.as_str());
    }
    config
        .buffer_type(match args.buffer_type {
            BufferArg::Vec => BufferType::Vec,
            BufferArg::Bytes => BufferType::Bytes,
        })
        .string_type(match args.string_type {
            StringArg::String => StringType::String,
            StringArg::Utf8Bytes => StringType::Utf8Bytes,
        })
        .views(args.views)
        .runtime_crate(args.runtime_crate.as_str())
        .serde_feature(if args.no_serde {
            None
        } else {
            args.serde_feature.as_deref()
        });
    for path in &args.nullable {
        config.nullable(path.as_str());
    }
    for path in &args.trailing {
        config.trailing(path.as_str());
    }
    for arg in &args.type_attr {
        let (path, attr) = split_attr(arg)?;
        config.type_attribute(path, attr);
    }
    for arg in &args.field_attr {
        let (path, attr) = split_attr(arg)?;
        config.field_attribute(path, attr);
    }
    Ok(config)
}

/// Runs the generator; exit code 0 on success, 1 on any error.
pub(crate) fn run(args: &Args) -> ExitCode {
    output::exit(generate(args).map(|()| ExitCode::SUCCESS))
}

fn generate(args: &Args) -> Result<(), Stop> {
    let mut config = config(args)?;
    let stdin = args.files.iter().any(|f| input::is_stdin(f));
    match &args.out_dir {
        Some(_) if stdin => Err(Stop::Failed(
            "a schema on stdin (`-`) is printed: leave out --out-dir".into(),
        )),
        Some(dir) => {
            config.out_dir(dir);
            config.compile(&args.files).map_err(|e| e.to_string())?;
            Ok(())
        }
        None => {
            let [file] = args.files.as_slice() else {
                return Err(Stop::Failed(
                    "several schema files need --out-dir (one output file each)".into(),
                ));
            };
            let code = if stdin {
                let schema = input::parse_schemas(&args.files).map_err(|d| {
                    Stop::Failed(format!(
                        "{}: invalid Jute schema:\n{d}",
                        input::STDIN_SCHEMA
                    ))
                })?;
                config.generate(&schema, input::STDIN_SCHEMA)
            } else {
                config.generate_file(file)
            };
            output::write_stdout(code.map_err(|e| e.to_string())?.as_bytes())
        }
    }
}
