//! Request types (`RequestHeader.type`), from `ZooDefs.OpCode`.

use super::code_enum::code_enum;

code_enum! {
    /// The operation a request performs: `RequestHeader.type`, `TxnHeader.type`,
    /// `MultiHeader.type`. Values from upstream `ZooDefs.OpCode`.
    pub enum OpCode {
        /// A watch notification (only in the server's internal bookkeeping).
        Notification = 0 => "notification",
        /// Create a node (`CreateRequest` -> `CreateResponse`).
        Create = 1 => "create",
        /// Delete a node (`DeleteRequest`).
        Delete = 2 => "delete",
        /// Check whether a node exists (`ExistsRequest` -> `ExistsResponse`).
        Exists = 3 => "exists",
        /// Read a node's data (`GetDataRequest` -> `GetDataResponse`).
        GetData = 4 => "getData",
        /// Write a node's data (`SetDataRequest` -> `SetDataResponse`).
        SetData = 5 => "setData",
        /// Read a node's ACL (`GetACLRequest` -> `GetACLResponse`).
        GetAcl = 6 => "getACL",
        /// Set a node's ACL (`SetACLRequest` -> `SetACLResponse`).
        SetAcl = 7 => "setACL",
        /// List children (`GetChildrenRequest` -> `GetChildrenResponse`).
        GetChildren = 8 => "getChildren",
        /// Sync the server with the leader (`SyncRequest` -> `SyncResponse`).
        Sync = 9 => "sync",
        /// Heartbeat (xid -2, header only).
        Ping = 11 => "ping",
        /// List children with the parent's stat (`GetChildren2Request` -> `GetChildren2Response`).
        GetChildren2 = 12 => "getChildren2",
        /// Version check inside a multi (`CheckVersionRequest`).
        Check = 13 => "check",
        /// Transaction of several operations (framed with `MultiHeader`).
        Multi = 14 => "multi",
        /// Create returning the stat (`CreateRequest` -> `Create2Response`).
        Create2 = 15 => "create2",
        /// Change the ensemble membership (`ReconfigRequest` -> `GetDataResponse`).
        Reconfig = 16 => "reconfig",
        /// Check that a watch exists (`CheckWatchesRequest`).
        CheckWatches = 17 => "checkWatches",
        /// Remove watches (`RemoveWatchesRequest`).
        RemoveWatches = 18 => "removeWatches",
        /// Create a container node (`CreateRequest` -> `Create2Response`).
        CreateContainer = 19 => "createContainer",
        /// Delete a container node (server internal).
        DeleteContainer = 20 => "deleteContainer",
        /// Create a node with a time to live (`CreateTTLRequest` -> `Create2Response`).
        CreateTtl = 21 => "createTTL",
        /// Several reads in one request (framed with `MultiHeader`).
        MultiRead = 22 => "multiRead",
        /// Authentication (xid -4, `AuthPacket`).
        Auth = 100 => "auth",
        /// Re-register watches after reconnecting (xid -8, `SetWatches`).
        SetWatches = 101 => "setWatches",
        /// SASL token exchange (`GetSASLRequest` -> `SetSASLResponse`).
        Sasl = 102 => "sasl",
        /// List the session's ephemeral nodes (`GetEphemeralsRequest` -> `GetEphemeralsResponse`).
        GetEphemerals = 103 => "getEphemerals",
        /// Count all descendants (`GetAllChildrenNumberRequest` -> `GetAllChildrenNumberResponse`).
        GetAllChildrenNumber = 104 => "getAllChildrenNumber",
        /// Re-register watches, including persistent ones (xid -8, `SetWatches2`).
        SetWatches2 = 105 => "setWatches2",
        /// Add a persistent watch (`AddWatchRequest`).
        AddWatch = 106 => "addWatch",
        /// Ask the server who the client is authenticated as (`WhoAmIResponse`).
        WhoAmI = 107 => "whoAmI",
        /// Session creation (transaction log and server internal).
        CreateSession = -10 => "createSession",
        /// Close the session (header only).
        CloseSession = -11 => "closeSession",
        /// An error result (transaction log, `MultiHeader` of a failed operation).
        Error = -1 => "error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_match_upstream() {
        let table = [
            (OpCode::Notification, 0),
            (OpCode::Create, 1),
            (OpCode::Delete, 2),
            (OpCode::Exists, 3),
            (OpCode::GetData, 4),
            (OpCode::SetData, 5),
            (OpCode::GetAcl, 6),
            (OpCode::SetAcl, 7),
            (OpCode::GetChildren, 8),
            (OpCode::Sync, 9),
            (OpCode::Ping, 11),
            (OpCode::GetChildren2, 12),
            (OpCode::Check, 13),
            (OpCode::Multi, 14),
            (OpCode::Create2, 15),
            (OpCode::Reconfig, 16),
            (OpCode::CheckWatches, 17),
            (OpCode::RemoveWatches, 18),
            (OpCode::CreateContainer, 19),
            (OpCode::DeleteContainer, 20),
            (OpCode::CreateTtl, 21),
            (OpCode::MultiRead, 22),
            (OpCode::Auth, 100),
            (OpCode::SetWatches, 101),
            (OpCode::Sasl, 102),
            (OpCode::GetEphemerals, 103),
            (OpCode::GetAllChildrenNumber, 104),
            (OpCode::SetWatches2, 105),
            (OpCode::AddWatch, 106),
            (OpCode::WhoAmI, 107),
            (OpCode::CreateSession, -10),
            (OpCode::CloseSession, -11),
            (OpCode::Error, -1),
        ];
        assert_eq!(table.len(), OpCode::ALL.len());
        for (op, value) in table {
            assert_eq!(i32::from(op), value);
            assert_eq!(op.code(), value);
            assert_eq!(OpCode::try_from(value), Ok(op));
        }
        for unknown in [10, 23, 99, 108, -2, -12, i32::MIN, i32::MAX] {
            assert_eq!(
                OpCode::try_from(unknown),
                Err(super::super::UnknownCode {
                    kind: "OpCode",
                    value: unknown
                })
            );
        }
        assert_eq!(OpCode::GetAcl.as_str(), "getACL");
        assert_eq!(OpCode::CreateTtl.to_string(), "createTTL");
    }
}
