//! The options shared by `jute decode` and `jute encode`: which schema files, which record.

use std::path::PathBuf;

use jute_parser::Schema;

use crate::output::Stop;

/// `--schema FILE... --type NAME`.
#[derive(Debug, clap::Args)]
pub(crate) struct SchemaArgs {
    /// A schema file (repeat for several; `-`: stdin, as the only one); its includes are
    /// read too.
    #[arg(long = "schema", short = 's', value_name = "FILE", required = true)]
    pub(crate) schemas: Vec<PathBuf>,

    /// The record type: fully qualified (`org.apache.zookeeper.data.Stat`), or any unambiguous
    /// dotted suffix of it (`data.Stat`, `Stat`).
    #[arg(long = "type", short = 't', value_name = "NAME")]
    record: String,

    /// A field that may be absent at the end of the input (`module.Record.field`; repeat for
    /// several). ZooKeeper's own (ConnectRequest/ConnectResponse.readOnly,
    /// LearnerInfo.protocolVersion/configVersion) are always included.
    #[arg(long = "trailing", value_name = "FIELD")]
    trailing: Vec<String>,
}

impl SchemaArgs {
    /// The decoding/encoding options: ZooKeeper's trailing fields plus `--trailing`.
    pub(crate) fn options(&self) -> jute_value::Options {
        self.trailing
            .iter()
            .fold(jute_value::Options::zookeeper(), |o, f| {
                o.trailing(f.clone())
            })
    }

    /// Parses the schema files and resolves the record type to its qualified name.
    ///
    /// On failure returns what to print (the diagnostics, or the lookup error).
    pub(crate) fn load(&self) -> Result<(Schema, String), Stop> {
        let schema = crate::input::parse_schemas(&self.schemas).map_err(|d| {
            Stop::Report(format!(
                "{d}\nerror: could not load the schema ({} error{})",
                d.error_count(),
                if d.error_count() == 1 { "" } else { "s" }
            ))
        })?;
        let name = jute_value::find_record(&schema, &self.record)
            .map_err(|e| Stop::Failed(e.to_string()))?
            .qualified_name();
        Ok((schema, name))
    }
}
