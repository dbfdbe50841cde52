//! `zk reconfig`: changes the ensemble's membership (zk-client's `Client::reconfig`) and
//! prints the new configuration as `zk config` does.

use clap::Args;
use zk_client::Reconfig;

use crate::connect::Session;
use crate::exit::{self, Failure};
use crate::format;

/// `reconfig`.
#[derive(Debug, Args)]
pub(crate) struct ReconfigArgs {
    /// Servers that join (or change ports or role): `server.N=HOST:QUORUM:ELECTION[:ROLE];[HOST:]CLIENT`,
    /// comma-separated or repeated.
    #[arg(long, value_name = "SERVER,...")]
    add: Vec<String>,
    /// Ids of servers that leave, comma-separated or repeated.
    #[arg(long, value_name = "ID,...", value_delimiter = ',')]
    remove: Vec<u64>,
    /// The whole new membership (non-incremental): `server.N=...` entries, comma-separated
    /// or repeated.
    #[arg(long, value_name = "SERVER,...", conflicts_with_all = ["add", "remove", "file"])]
    members: Vec<String>,
    /// The whole new membership from a dynamic configuration file (`server.N=...`,
    /// `group.N=...`, `weight.N=...` lines; `version=`, blank and `#` lines are skipped).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["add", "remove"])]
    file: Option<String>,
    /// Only if the current configuration has this version (hex as `zk config --raw` shows
    /// it, e.g. 100000003, or 0x100000003); else exit 5.
    #[arg(long, value_name = "VERSION", value_parser = parse_version)]
    from_version: Option<i64>,
    /// Print the new configuration as the server holds it instead of JSON.
    #[arg(long)]
    raw: bool,
}

/// A configuration version: hexadecimal, with or without `0x`.
fn parse_version(s: &str) -> Result<i64, String> {
    let digits = s.strip_prefix("0x").unwrap_or(s);
    i64::from_str_radix(digits, 16)
        .map_err(|_| format!("expected a hexadecimal configuration version, found {s:?}"))
}

/// `server.N=...` entries of a `--add`/`--members` value (split at commas).
fn entries(values: &[String]) -> Vec<String> {
    values
        .iter()
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The membership lines of a dynamic configuration file's text.
fn file_members(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| {
            ["server.", "group.", "weight."]
                .iter()
                .any(|k| l.starts_with(k))
        })
        .map(str::to_owned)
        .collect()
}

/// The change the arguments ask for.
pub(crate) fn change(a: &ReconfigArgs) -> Result<Reconfig, Failure> {
    if a.add.is_empty() && a.remove.is_empty() && a.members.is_empty() && a.file.is_none() {
        return Err(Failure::usage(
            "reconfig needs --add, --remove, --members or --file",
        ));
    }
    let mut change = if let Some(file) = &a.file {
        let text = std::fs::read_to_string(file)
            .map_err(|e| Failure::Message(exit::GENERIC, format!("reading {file}: {e}")))?;
        let members = file_members(&text);
        if members.is_empty() {
            return Err(Failure::usage(format!("{file}: no server.N= line")));
        }
        Reconfig::members(members)
    } else if !a.members.is_empty() {
        Reconfig::members(entries(&a.members))
    } else {
        let mut change = Reconfig::incremental();
        for server in entries(&a.add) {
            change = change.join(server);
        }
        for &id in &a.remove {
            change = change.leave(id);
        }
        change
    };
    if let Some(v) = a.from_version {
        change = change.from_version(v);
    }
    Ok(change)
}

/// `reconfig`: sends `change` (from [`change`], built before connecting) and prints the new
/// configuration.
pub(crate) async fn run(s: &Session, a: &ReconfigArgs, change: &Reconfig) -> Result<u8, Failure> {
    let (config, _) = s.call(s.client.reconfig(change)).await?;
    if a.raw {
        format::line(&config.to_string())?;
    } else {
        format::line(&format::config_json(&config))?;
    }
    Ok(exit::OK)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_entries_and_files() {
        assert_eq!(parse_version("100000003"), Ok(0x100000003));
        assert_eq!(parse_version("0x1f"), Ok(0x1f));
        assert!(parse_version("xyz").is_err());
        assert_eq!(
            entries(&[
                "server.4=a:1:2;3, server.5=b:1:2;3".into(),
                "6=c:1:2;3".into()
            ]),
            ["server.4=a:1:2;3", "server.5=b:1:2;3", "6=c:1:2;3"]
        );
        let text = "# new\nserver.1=a:1:2;3\n\nserver.2=b:1:2:observer;3\nversion=100000003\n";
        assert_eq!(
            file_members(text),
            ["server.1=a:1:2;3", "server.2=b:1:2:observer;3"]
        );
    }
}
