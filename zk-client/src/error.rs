//! The client's one error type: server error codes with the path they concern, connection and
//! session failures, and invalid arguments.

use crate::admin::failure::AdminError;
use crate::tls::failure::TlsFailure;

/// Everything an operation can fail with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The node does not exist (`NONODE`).
    #[error("no node {path}")]
    NoNode {
        /// The client path concerned.
        path: String,
    },
    /// The node already exists (`NODEEXISTS`).
    #[error("node {path} already exists")]
    NodeExists {
        /// The client path concerned.
        path: String,
    },
    /// The expected version did not match (`BADVERSION`).
    #[error("version mismatch for {path}")]
    BadVersion {
        /// The client path concerned.
        path: String,
    },
    /// The node has children (`NOTEMPTY`).
    #[error("node {path} has children")]
    NotEmpty {
        /// The client path concerned.
        path: String,
    },
    /// The session's identities do not grant the permission (`NOAUTH`).
    #[error("not authorized for {path}")]
    NoAuth {
        /// The client path concerned.
        path: String,
    },
    /// Ephemeral nodes cannot have children (`NOCHILDRENFOREPHEMERALS`).
    #[error("{path}: ephemeral nodes cannot have children")]
    NoChildrenForEphemerals {
        /// The client path concerned.
        path: String,
    },
    /// The ACL is empty or malformed (`INVALIDACL`).
    #[error("invalid ACL for {path}")]
    InvalidAcl {
        /// The client path concerned.
        path: String,
    },
    /// The server refused the arguments (`BADARGUMENTS`), e.g. a TTL out of range.
    #[error("bad arguments for {path}")]
    BadArguments {
        /// The client path concerned.
        path: String,
    },
    /// A four-letter word got no usable answer.
    #[error(transparent)]
    Admin(#[from] AdminError),
    /// The ensemble configuration the server holds does not parse.
    #[error(transparent)]
    EnsembleConfig(#[from] ConfigParseError),
    /// No such watch to remove or check (`NOWATCHER`).
    #[error("no matching watch on {path}")]
    NoWatcher {
        /// The client path concerned.
        path: String,
    },
    /// The server does not implement the operation (`UNIMPLEMENTED`), e.g. TTL nodes with
    /// extended types disabled.
    #[error("the server does not implement this operation ({path})")]
    Unimplemented {
        /// The client path concerned (empty when none).
        path: String,
    },
    /// A write was sent to a read-only server (`NOTREADONLY`).
    #[error("the server is read-only")]
    NotReadOnly,
    /// `reconfig`: the servers do not allow reconfiguration (`RECONFIGDISABLED`; they need
    /// `reconfigEnabled=true`).
    #[error("reconfiguration is disabled on the server (reconfigEnabled=false)")]
    ReconfigDisabled,
    /// `reconfig`: another reconfiguration has not finished yet (`RECONFIGINPROGRESS`);
    /// retry once it has.
    #[error("another reconfiguration is in progress")]
    ReconfigInProgress,
    /// `reconfig`: no quorum of the new configuration is connected to the leader and in sync
    /// with it (`NEWCONFIGNOQUORUM`): start the joining servers first.
    #[error("no quorum of the new configuration is connected and in sync with the leader")]
    NewConfigNoQuorum,
    /// Any other server error code.
    #[error("server error {code} ({name}) for {path}")]
    Server {
        /// The wire error code.
        code: i32,
        /// The upstream name of the code (or `"unknown"`).
        name: &'static str,
        /// The client path concerned (empty when none).
        path: String,
    },
    /// The connection was lost before the reply arrived; the operation may or may not have
    /// been applied. The session may still be alive.
    #[error("connection lost")]
    ConnectionLoss,
    /// The session expired; the client cannot be used any more.
    #[error("session expired")]
    SessionExpired,
    /// Authentication failed; the client cannot be used any more. `reason` says why, as far
    /// as the client knows: the server's answer (`AUTHFAILED` to SASL or `add_auth`
    /// credentials, a server that requires authentication), or why the client could not go
    /// on (no Kerberos ticket, a server that did not prove its identity).
    #[error("authentication failed: {reason}")]
    AuthFailed {
        /// Why.
        reason: String,
    },
    /// The server requires an authenticated session (`enforce.auth.enabled`) and this one has
    /// no credentials of a scheme it accepts (`SESSIONCLOSEDREQUIRESASLAUTH`): it closed the
    /// session. Add credentials ([`crate::ClientBuilder::auth`], SASL) and connect again.
    #[error("the server requires authentication and closed the session ({path})")]
    AuthRequired {
        /// The client path of the refused request (empty when none).
        path: String,
    },
    /// The client was closed.
    #[error("the client is closed")]
    Closed,
    /// A path broke ZooKeeper's rules; nothing was sent.
    #[error("invalid path {path:?}: {reason}")]
    InvalidPath {
        /// The path as given.
        path: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A connect string could not be parsed.
    #[error("invalid connect string {input:?}: {reason}")]
    InvalidConnectString {
        /// The connect string as given.
        input: String,
        /// What is wrong with it.
        reason: String,
    },
    /// An argument was refused before sending (e.g. a TTL on a non-TTL mode).
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// The server broke the protocol (undecodable reply, reply to the wrong request); the
    /// connection was reset. The request whose reply could not be read gets this error; the
    /// others written on that connection get [`Error::ConnectionLoss`] (the server may have
    /// applied them).
    #[error("protocol error: {0}")]
    Protocol(String),
    /// An operation of a multi failed; the whole transaction was rolled back.
    #[error("multi operation {index} failed: {source}")]
    Multi {
        /// Index of the failing operation in the request.
        index: usize,
        /// Its error.
        source: Box<Error>,
    },
    /// No connection could be established within the connect timeout; `failures` holds the
    /// last failure of each server tried, in the order they were tried.
    #[error("could not connect within the timeout{}", list_failures(failures))]
    ConnectTimeout {
        /// Each server tried (as written in the connect string) and why its last attempt
        /// failed.
        failures: Vec<(String, ConnectFailure)>,
    },
    /// Every server of the connect string answered with something that is not ZooKeeper (a
    /// web server, a TLS port, a text protocol): reported as soon as the last one did, not
    /// after the connect timeout.
    #[error("{server} is not a ZooKeeper server: {seen}")]
    NotZooKeeper {
        /// The last server tried.
        server: String,
        /// What it answered.
        seen: String,
    },
    /// Every server of the connect string failed the TLS handshake (or, for a client without
    /// TLS, expects TLS): reported as soon as the last one did, not after the connect timeout.
    #[error("TLS with {server} failed: {failure}")]
    Tls {
        /// The last server tried.
        server: String,
        /// Why.
        failure: TlsFailure,
    },
    /// The TLS configuration ([`crate::TlsConfig`]) could not be loaded: a PEM file that
    /// cannot be read or holds no usable certificate or key. Nothing was sent.
    #[error("TLS configuration: {origin} {reason}")]
    TlsConfig {
        /// What was being loaded (`CA file /etc/zk/ca.pem`, ...).
        origin: String,
        /// What is wrong with it.
        reason: String,
    },
    /// `close()` gave up waiting for a server to confirm the close (within
    /// [`crate::ClientBuilder::close_timeout`]): the client is closed, but the session, and its
    /// ephemeral nodes and watches, may live on the server until it expires the session.
    #[error("the close was not confirmed by a server within {after:?}; the session lives until it expires")]
    CloseUnconfirmed {
        /// The close timeout that passed.
        after: std::time::Duration,
    },
    /// No reply arrived within the request timeout
    /// ([`crate::ClientBuilder::request_timeout`], [`crate::Client::with_request_timeout`]).
    /// A request that was still waiting for a connection was never sent; one that was sent
    /// may still be applied by the server (its late reply is discarded). The session is
    /// unaffected.
    #[error("no reply within {after:?}")]
    Timeout {
        /// The timeout that passed.
        after: std::time::Duration,
    },
}

/// A configuration line that does not have the expected form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("ensemble configuration, line {line}: expected {expected}, found {found:?}")]
pub struct ConfigParseError {
    /// 1-based line number.
    pub line: usize,
    /// What the line should have had.
    pub expected: &'static str,
    /// What it had.
    pub found: String,
}

/// Why one connection attempt to a server failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectFailure {
    /// The host name did not resolve.
    #[error("not resolvable: {0}")]
    Unresolvable(String),
    /// Nothing accepts connections on the port (or a firewall rejects them).
    #[error("connection refused")]
    Refused,
    /// No complete answer within the attempt's timeout.
    #[error("timed out")]
    TimedOut,
    /// The server accepted the connection and closed it without answering the handshake: how
    /// ZooKeeper refuses a session. Why, as far as the server's `srvr` four-letter word tells.
    #[error("the server refused the session: {0}")]
    SessionRefused(RefusalReason),
    /// The peer answered with something that is not a ZooKeeper handshake.
    #[error("not ZooKeeper: {0}")]
    NotZooKeeper(String),
    /// The TLS handshake failed (or the port expects TLS and the client has none).
    #[error("{0}")]
    Tls(TlsFailure),
    /// SASL authentication failed: the server refused the credentials (an `AUTHFAILED` or
    /// `SESSIONCLOSEDREQUIRESASLAUTH` answer), or the exchange could not go on (a challenge
    /// the mechanism cannot answer, a server that does not prove it knows the password).
    /// Final: the session ends with [`crate::SessionState::AuthFailed`].
    #[error("SASL authentication failed: {0}")]
    AuthFailed(String),
    /// Another I/O failure.
    #[error("{0}")]
    Io(String),
}

/// Why a server refused a session (closed the connection without answering the handshake), as
/// its `srvr` four-letter word tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RefusalReason {
    /// The server has not seen the client's last zxid: its data were lost (or it lags behind).
    #[error("it is behind the client (its zxid {server_zxid:#x}, the client has seen {last_zxid_seen:#x})")]
    Behind {
        /// The server's last zxid.
        server_zxid: i64,
        /// The client's.
        last_zxid_seen: i64,
    },
    /// The server is not serving requests: it lost its quorum (or is still starting).
    #[error("it is not serving requests (no quorum)")]
    NotServing,
    /// The server is read-only (cut off from its quorum) and the client does not accept
    /// read-only servers.
    #[error("it is read-only")]
    ReadOnly,
    /// The server did not say (`srvr` is not whitelisted, did not answer, or explains nothing).
    #[error("reason unknown")]
    Unknown,
}

/// `: a: reason; b: reason` for an error message (empty without failures).
fn list_failures(failures: &[(String, ConnectFailure)]) -> String {
    let mut out = String::new();
    for (i, (server, failure)) in failures.iter().enumerate() {
        out.push_str(if i == 0 { ": " } else { "; " });
        out.push_str(server);
        out.push_str(": ");
        out.push_str(&failure.to_string());
    }
    out
}

impl Error {
    /// Whether the session survives this error and the operation may be retried: connection
    /// loss and request timeouts. The failed attempt may or may not have been applied, so
    /// retry only what is safe to apply twice (or check first).
    pub fn is_retryable(&self) -> bool {
        matches!(self, Error::ConnectionLoss | Error::Timeout { .. })
    }

    /// Whether the client can no longer be used (expired, auth failed, closed).
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            Error::SessionExpired
                | Error::AuthFailed { .. }
                | Error::AuthRequired { .. }
                | Error::Closed
                | Error::CloseUnconfirmed { .. }
        )
    }
}

impl Error {
    /// The error for a server error code concerning the client path `path`.
    pub fn from_server(code: i32, path: &str) -> Error {
        use zk_records::ErrorCode as C;
        let path = path.to_owned();
        match C::try_from(code) {
            Ok(C::NoNode) => Error::NoNode { path },
            Ok(C::NodeExists) => Error::NodeExists { path },
            Ok(C::BadVersion) => Error::BadVersion { path },
            Ok(C::NotEmpty) => Error::NotEmpty { path },
            Ok(C::NoAuth) => Error::NoAuth { path },
            Ok(C::NoChildrenForEphemerals) => Error::NoChildrenForEphemerals { path },
            Ok(C::InvalidAcl) => Error::InvalidAcl { path },
            Ok(C::BadArguments) => Error::BadArguments { path },
            Ok(C::NoWatcher) => Error::NoWatcher { path },
            Ok(C::Unimplemented) => Error::Unimplemented { path },
            Ok(C::NotReadOnly) => Error::NotReadOnly,
            Ok(C::ReconfigDisabled) => Error::ReconfigDisabled,
            Ok(C::ReconfigInProgress) => Error::ReconfigInProgress,
            Ok(C::NewConfigNoQuorum) => Error::NewConfigNoQuorum,
            Ok(C::ConnectionLoss) => Error::ConnectionLoss,
            Ok(C::SessionExpired) => Error::SessionExpired,
            Ok(C::AuthFailed) => Error::AuthFailed {
                reason: format!("the server answered AUTHFAILED ({path})"),
            },
            Ok(C::SessionClosedRequireSaslAuth) => Error::AuthRequired { path },
            Ok(c) => Error::Server {
                code,
                name: c.as_str(),
                path,
            },
            Err(_) => Error::Server {
                code,
                name: "unknown",
                path,
            },
        }
    }

    /// The server error code this error stands for, if it is one.
    pub fn code(&self) -> Option<i32> {
        use zk_records::ErrorCode as C;
        Some(match self {
            Error::NoNode { .. } => C::NoNode.code(),
            Error::NodeExists { .. } => C::NodeExists.code(),
            Error::BadVersion { .. } => C::BadVersion.code(),
            Error::NotEmpty { .. } => C::NotEmpty.code(),
            Error::NoAuth { .. } => C::NoAuth.code(),
            Error::NoChildrenForEphemerals { .. } => C::NoChildrenForEphemerals.code(),
            Error::InvalidAcl { .. } => C::InvalidAcl.code(),
            Error::BadArguments { .. } => C::BadArguments.code(),
            Error::NoWatcher { .. } => C::NoWatcher.code(),
            Error::Unimplemented { .. } => C::Unimplemented.code(),
            Error::NotReadOnly => C::NotReadOnly.code(),
            Error::ReconfigDisabled => C::ReconfigDisabled.code(),
            Error::ReconfigInProgress => C::ReconfigInProgress.code(),
            Error::NewConfigNoQuorum => C::NewConfigNoQuorum.code(),
            Error::ConnectionLoss => C::ConnectionLoss.code(),
            Error::SessionExpired => C::SessionExpired.code(),
            Error::AuthFailed { .. } => C::AuthFailed.code(),
            Error::AuthRequired { .. } => C::SessionClosedRequireSaslAuth.code(),
            Error::Server { code, .. } => *code,
            Error::Multi { source, .. } => return source.code(),
            _ => return None,
        })
    }
}

impl From<jute::Error> for Error {
    fn from(e: jute::Error) -> Self {
        Error::Protocol(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_codes_round_trip() {
        for code in zk_records::ErrorCode::ALL {
            if code.code() == 0 {
                continue;
            }
            let err = Error::from_server(code.code(), "/p");
            assert_eq!(err.code(), Some(code.code()), "{code}");
        }
        assert_eq!(
            Error::from_server(-101, "/x"),
            Error::NoNode { path: "/x".into() }
        );
        let other = Error::from_server(-999, "/y");
        assert_eq!(other.to_string(), "server error -999 (unknown) for /y");
        assert_eq!(other.code(), Some(-999));
        let timeout = Error::ConnectTimeout {
            failures: vec![
                ("a:1".into(), ConnectFailure::Refused),
                ("b:2".into(), ConnectFailure::TimedOut),
            ],
        };
        assert_eq!(
            timeout.to_string(),
            "could not connect within the timeout: a:1: connection refused; b:2: timed out"
        );
        let required = Error::from_server(-124, "/z");
        assert_eq!(required, Error::AuthRequired { path: "/z".into() });
        assert!(required.is_terminal());
        let timeout = Error::from_server(-7, "");
        assert!(
            timeout.to_string().contains("OPERATIONTIMEOUT"),
            "{timeout}"
        );
    }
}
