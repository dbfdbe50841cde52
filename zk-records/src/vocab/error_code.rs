//! Result codes (`ReplyHeader.err`, `MultiHeader.err`), from `KeeperException.Code`.

use super::code_enum::code_enum;

code_enum! {
    /// A result code: `ReplyHeader.err`, `MultiHeader.err`, `ErrorResponse.err`. Values from
    /// upstream `KeeperException.Code`; `as_str` gives the Java constant name.
    pub enum ErrorCode {
        /// Everything is OK.
        Ok = 0 => "OK",
        /// Marks the start of the system error range; never sent by the server.
        SystemError = -1 => "SYSTEMERROR",
        /// A runtime inconsistency was found.
        RuntimeInconsistency = -2 => "RUNTIMEINCONSISTENCY",
        /// A data inconsistency was found.
        DataInconsistency = -3 => "DATAINCONSISTENCY",
        /// The connection to the server was lost.
        ConnectionLoss = -4 => "CONNECTIONLOSS",
        /// Error while marshalling or unmarshalling data.
        MarshallingError = -5 => "MARSHALLINGERROR",
        /// The operation is not implemented.
        Unimplemented = -6 => "UNIMPLEMENTED",
        /// The operation timed out.
        OperationTimeout = -7 => "OPERATIONTIMEOUT",
        /// Invalid arguments.
        BadArguments = -8 => "BADARGUMENTS",
        /// Unknown session (server internal).
        UnknownSession = -12 => "UNKNOWNSESSION",
        /// No quorum of the new configuration is connected and up to date with the leader.
        NewConfigNoQuorum = -13 => "NEWCONFIGNOQUORUM",
        /// Another reconfiguration is in progress.
        ReconfigInProgress = -14 => "RECONFIGINPROGRESS",
        /// Marks the start of the API error range; never sent by the server.
        ApiError = -100 => "APIERROR",
        /// The node does not exist.
        NoNode = -101 => "NONODE",
        /// Not authenticated.
        NoAuth = -102 => "NOAUTH",
        /// Version conflict.
        BadVersion = -103 => "BADVERSION",
        /// Ephemeral nodes may not have children.
        NoChildrenForEphemerals = -108 => "NOCHILDRENFOREPHEMERALS",
        /// The node already exists.
        NodeExists = -110 => "NODEEXISTS",
        /// The node has children.
        NotEmpty = -111 => "NOTEMPTY",
        /// The session has been expired by the server.
        SessionExpired = -112 => "SESSIONEXPIRED",
        /// Invalid callback specified.
        InvalidCallback = -113 => "INVALIDCALLBACK",
        /// Invalid ACL specified.
        InvalidAcl = -114 => "INVALIDACL",
        /// Client authentication failed.
        AuthFailed = -115 => "AUTHFAILED",
        /// The session moved to another server, so the operation is ignored.
        SessionMoved = -118 => "SESSIONMOVED",
        /// A state-changing request was sent to a read-only server.
        NotReadOnly = -119 => "NOTREADONLY",
        /// Attempt to create an ephemeral node on a local session.
        EphemeralOnLocalSession = -120 => "EPHEMERALONLOCALSESSION",
        /// Attempt to remove a watch that does not exist.
        NoWatcher = -121 => "NOWATCHER",
        /// The request timed out (client side).
        RequestTimeout = -122 => "REQUESTTIMEOUT",
        /// Reconfiguration is disabled on the server.
        ReconfigDisabled = -123 => "RECONFIGDISABLED",
        /// The server closed the session because it requires SASL authentication.
        SessionClosedRequireSaslAuth = -124 => "SESSIONCLOSEDREQUIRESASLAUTH",
        /// The quota set on the path was exceeded.
        QuotaExceeded = -125 => "QUOTAEXCEEDED",
        /// The server is overloaded and did not execute the operation; retry with back-off.
        ThrottledOp = -127 => "THROTTLEDOP",
    }
}

impl ErrorCode {
    /// Whether this is a system error (between `SystemError` and `ApiError`, exclusive of the
    /// latter), as opposed to an API error.
    pub const fn is_system_error(self) -> bool {
        let c = self.code();
        c <= -1 && c > -100
    }

    /// Whether this is an API error (`ApiError` or below).
    pub const fn is_api_error(self) -> bool {
        self.code() <= -100
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_match_upstream() {
        let table = [
            (ErrorCode::Ok, 0),
            (ErrorCode::SystemError, -1),
            (ErrorCode::RuntimeInconsistency, -2),
            (ErrorCode::DataInconsistency, -3),
            (ErrorCode::ConnectionLoss, -4),
            (ErrorCode::MarshallingError, -5),
            (ErrorCode::Unimplemented, -6),
            (ErrorCode::OperationTimeout, -7),
            (ErrorCode::BadArguments, -8),
            (ErrorCode::UnknownSession, -12),
            (ErrorCode::NewConfigNoQuorum, -13),
            (ErrorCode::ReconfigInProgress, -14),
            (ErrorCode::ApiError, -100),
            (ErrorCode::NoNode, -101),
            (ErrorCode::NoAuth, -102),
            (ErrorCode::BadVersion, -103),
            (ErrorCode::NoChildrenForEphemerals, -108),
            (ErrorCode::NodeExists, -110),
            (ErrorCode::NotEmpty, -111),
            (ErrorCode::SessionExpired, -112),
            (ErrorCode::InvalidCallback, -113),
            (ErrorCode::InvalidAcl, -114),
            (ErrorCode::AuthFailed, -115),
            (ErrorCode::SessionMoved, -118),
            (ErrorCode::NotReadOnly, -119),
            (ErrorCode::EphemeralOnLocalSession, -120),
            (ErrorCode::NoWatcher, -121),
            (ErrorCode::RequestTimeout, -122),
            (ErrorCode::ReconfigDisabled, -123),
            (ErrorCode::SessionClosedRequireSaslAuth, -124),
            (ErrorCode::QuotaExceeded, -125),
            (ErrorCode::ThrottledOp, -127),
        ];
        assert_eq!(table.len(), ErrorCode::ALL.len());
        for (code, value) in table {
            assert_eq!(i32::from(code), value);
            assert_eq!(ErrorCode::try_from(value), Ok(code));
        }
        for unknown in [1, -9, -116, -117, -126, -128] {
            assert_eq!(
                ErrorCode::try_from(unknown),
                Err(super::super::UnknownCode {
                    kind: "ErrorCode",
                    value: unknown
                })
            );
        }
        assert_eq!(ErrorCode::NoNode.to_string(), "NONODE");
        assert!(ErrorCode::ConnectionLoss.is_system_error());
        assert!(!ErrorCode::ConnectionLoss.is_api_error());
        assert!(ErrorCode::NoNode.is_api_error());
        assert!(!ErrorCode::Ok.is_api_error() && !ErrorCode::Ok.is_system_error());
    }
}
