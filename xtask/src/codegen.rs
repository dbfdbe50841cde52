//! `cargo xtask codegen [--check]`: regenerates the checked-in `zk-records` records from
//! `zookeeper.jute`, or (with `--check`) fails when they are stale. This module owns the code
//! generation settings; its `#[test]` runs the same check, so `cargo test --workspace` fails
//! on stale generated code too.
//!
//! Every `nullable`/`trailing` entry follows what ZooKeeper's Java code does on the wire.

use std::path::{Path, PathBuf};

use jute_codegen::{BufferType, Config, StringType};

/// Runs the subcommand with the arguments after `codegen`.
pub(crate) fn run(args: &[String]) -> Result<(), String> {
    let mut check = false;
    for arg in args {
        match arg.as_str() {
            "--check" => check = true,
            other => {
                return Err(format!(
                    "codegen: unknown argument `{other}`; usage: cargo xtask codegen [--check]"
                ))
            }
        }
    }
    generate(check)
}

/// Generates the records and writes them, or with `check` fails when the file differs.
fn generate(check: bool) -> Result<(), String> {
    let root = workspace_root();
    let code = config()
        .generate_file(root.join(SCHEMA))
        .map_err(|e| e.to_string())?;
    ensure_file_contents(&root, Path::new(GENERATED), &code, check)
}

/// The schema, relative to the workspace root.
const SCHEMA: &str = "zookeeper.jute";

/// The generated file, relative to the workspace root.
const GENERATED: &str = "zk-records/src/generated.rs";

/// The code generation settings for `zk-records`.
fn config() -> Config {
    let mut config = Config::new();
    config
        // Public paths are `zk_records::proto::ConnectRequest`, `zk_records::data::Stat`, ...
        .strip_prefix("org.apache.zookeeper.")
        // serde derives behind zk-records' `serde` feature.
        .serde_feature(Some("serde"))
        // The client decodes frames held in `Bytes`: node data then shares the frame's buffer.
        .buffer_type(BufferType::Bytes)
        // ... and so do strings: a GetChildrenResponse's names, an event's path or a log's
        // paths are views of the frame, not one `String` allocation each.
        .string_type(StringType::Utf8Bytes)
        // Borrowed views (`GetChildrenResponseView<'a>`, ...) for decoding without any
        // per-field allocation (`jute::view`).
        .views(true)
        // Servers before 3.4 neither send nor expect `readOnly`; Java's ProtocolManager reads it
        // only if the byte is there (ConnectRequest on the server, ConnectResponse on the client).
        .trailing("org.apache.zookeeper.proto.ConnectRequest.readOnly")
        .trailing("org.apache.zookeeper.proto.ConnectResponse.readOnly")
        // LearnerHandler reads LearnerInfo by hand with length checks (>= 8: serverid,
        // >= 12: protocolVersion, >= 20: configVersion): older learners send shorter records.
        .trailing("org.apache.zookeeper.server.quorum.LearnerInfo.protocolVersion")
        .trailing("org.apache.zookeeper.server.quorum.LearnerInfo.configVersion")
        // Node data may be null (Java's `create(path, null, ...)`/`setData(path, null, v)`);
        // the server stores and returns null, written as length -1, distinct from empty.
        .nullable("org.apache.zookeeper.proto.CreateRequest.data")
        .nullable("org.apache.zookeeper.proto.CreateTTLRequest.data")
        .nullable("org.apache.zookeeper.proto.SetDataRequest.data")
        .nullable("org.apache.zookeeper.proto.GetDataResponse.data")
        // The same data, as logged in transactions.
        .nullable("org.apache.zookeeper.txn.CreateTxnV0.data")
        .nullable("org.apache.zookeeper.txn.CreateTxn.data")
        .nullable("org.apache.zookeeper.txn.CreateTTLTxn.data")
        .nullable("org.apache.zookeeper.txn.CreateContainerTxn.data")
        .nullable("org.apache.zookeeper.txn.SetDataTxn.data")
        // Reconfig: the Java client sends null for the lists it does not use (incremental
        // joining/leaving vs. a full newMembers list) and the server branches on null.
        .nullable("org.apache.zookeeper.proto.ReconfigRequest.joiningServers")
        .nullable("org.apache.zookeeper.proto.ReconfigRequest.leavingServers")
        .nullable("org.apache.zookeeper.proto.ReconfigRequest.newMembers")
        // SASL: a finished exchange answers with a null token.
        .nullable("org.apache.zookeeper.proto.SetSASLResponse.token")
        // Quorum packets: `new QuorumPacket(type, zxid, null, null)` is the common case
        // (pings, acks, commits carry no data and no auth info).
        .nullable("org.apache.zookeeper.server.quorum.QuorumPacket.data")
        .nullable("org.apache.zookeeper.server.quorum.QuorumPacket.authinfo")
        .nullable("org.apache.zookeeper.server.quorum.QuorumAuthPacket.token");
    // Not configured, on purpose:
    // - CreateTxn.parentCVersion: Java decodes a short CreateTxn as a whole CreateTxnV0 (its
    //   own record here), it is not an optional field.
    // - TxnDigest after a log entry and CloseSessionTxn before 3.6 may be missing as whole
    //   records: the caller decides, not the record.
    config
}

pub(crate) fn workspace_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

/// Makes `root/relative` hold `contents`. With `check`, a difference is an error instead of a
/// write, so CI catches generated code that was not regenerated after a change.
fn ensure_file_contents(
    root: &Path,
    relative: &Path,
    contents: &str,
    check: bool,
) -> Result<(), String> {
    let path = root.join(relative);
    let current = std::fs::read_to_string(&path).ok();
    if current.as_deref() == Some(contents) {
        return Ok(());
    }
    if check {
        let why = if current.is_some() {
            "is out of date"
        } else {
            "is missing"
        };
        return Err(format!(
            "{} {why}: run `cargo xtask codegen` and commit the result",
            relative.display()
        ));
    }
    std::fs::write(&path, contents).map_err(|e| format!("{}: {e}", path.display()))?;
    report_updated(relative);
    Ok(())
}

#[allow(clippy::print_stderr)]
fn report_updated(relative: &Path) {
    eprintln!("updated {}", relative.display());
}

#[cfg(test)]
mod tests {
    /// `cargo xtask codegen --check`, as a test.
    #[test]
    fn generated_code_is_fresh() {
        if let Err(message) = super::generate(true) {
            panic!("{message}");
        }
    }
}
