//! How `zk-records/src/generated.rs` is generated from `zookeeper.jute`: shared by
//! `cargo xtask codegen` (`#[path]` module in xtask) and the freshness test in `tests/`.
//!
//! Every `nullable`/`trailing` entry follows what ZooKeeper's Java code does on the wire.

use jute_codegen::{BufferType, Config, StringType};

/// The schema, relative to the workspace root.
pub(crate) const SCHEMA: &str = "zookeeper.jute";

/// The generated file, relative to the workspace root.
pub(crate) const GENERATED: &str = "zk-records/src/generated.rs";

/// The code generation settings for `zk-records`.
pub(crate) fn config() -> Config {
    let mut config = Config::new();
    config
        // Public paths are `zk_records::proto::ConnectRequest`, `zk_records::data::Stat`, ...
        .strip_prefix("org.apache.zookeeper.")
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
