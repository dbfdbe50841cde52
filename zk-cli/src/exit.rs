//! Exit codes, and the failure type that carries one with its message.

use zk_client::{ConnectFailure, Error};

/// Success.
pub(crate) const OK: u8 = 0;
/// `exists` found no node; also any error without a code of its own.
pub(crate) const GENERIC: u8 = 1;
/// Bad arguments (clap uses 2 for usage errors too).
pub(crate) const USAGE: u8 = 2;
/// `NONODE`.
pub(crate) const NO_NODE: u8 = 3;
/// `NODEEXISTS`.
pub(crate) const NODE_EXISTS: u8 = 4;
/// `BADVERSION`.
pub(crate) const BAD_VERSION: u8 = 5;
/// `NOTEMPTY`.
pub(crate) const NOT_EMPTY: u8 = 6;
/// `NOAUTH`, authentication failed, or the server requires authentication
/// (`SESSIONCLOSEDREQUIRESASLAUTH`).
pub(crate) const NO_AUTH: u8 = 7;
/// No connection within the timeout, or the connection was lost.
pub(crate) const CONNECTION: u8 = 10;
/// The session expired.
pub(crate) const EXPIRED: u8 = 11;
/// TLS failed: a certificate refused (either side's), a port of the other kind (TLS or
/// plaintext), or an unusable `--tls-*` file.
pub(crate) const TLS: u8 = 12;
/// `lock --timeout`, `elect --timeout`: the lock or leadership was not acquired in time.
pub(crate) const NOT_ACQUIRED: u8 = 13;
/// `lock`: the lock may have been lost while held (the command got SIGTERM).
pub(crate) const LOCK_LOST: u8 = 14;
/// `lock`: the command could not be run (shells' 126).
pub(crate) const COMMAND_NOT_RUN: u8 = 126;
/// `lock`: the command was not found (shells' 127).
pub(crate) const COMMAND_NOT_FOUND: u8 = 127;

/// The server does not allow the four-letter word (`4lw.commands.whitelist`).
pub(crate) const NOT_ALLOWED: u8 = 15;
/// The server runs but does not serve requests (no quorum, or starting).
pub(crate) const NOT_SERVING: u8 = 16;

/// `--read-only`: a write sent to a read-only server (`NOTREADONLY`).
pub(crate) const NOT_READ_ONLY: u8 = 17;

/// `exists`: an error no other code names (`exists` answers "no" with [`GENERIC`]).
pub(crate) const EXISTS_FAILED: u8 = 9;
/// `reconfig`: refused: reconfiguration disabled on the servers (`RECONFIGDISABLED`), or no
/// quorum of the new configuration connected and in sync with the leader (`NEWCONFIGNOQUORUM`).
pub(crate) const RECONFIG_REFUSED: u8 = 20;
/// `reconfig`: another reconfiguration is in progress (`RECONFIGINPROGRESS`): try again.
pub(crate) const RECONFIG_IN_PROGRESS: u8 = 21;

/// Why a command failed: an exit code, with a message for stderr or without one.
#[derive(Debug)]
pub(crate) enum Failure {
    /// Exit with this code, printing nothing (e.g. stdout closed by the reader).
    Quiet(u8),
    /// Print `zk: MESSAGE` on stderr and exit with the code.
    Message(u8, String),
}

impl Failure {
    /// A usage error.
    pub(crate) fn usage(message: impl Into<String>) -> Failure {
        Failure::Message(USAGE, message.into())
    }
}

/// The exit code for a client error.
pub(crate) fn code_for(e: &Error) -> u8 {
    match e {
        Error::NoNode { .. } => NO_NODE,
        Error::NodeExists { .. } => NODE_EXISTS,
        Error::BadVersion { .. } => BAD_VERSION,
        Error::NotEmpty { .. } => NOT_EMPTY,
        Error::NoAuth { .. } | Error::AuthFailed { .. } | Error::AuthRequired { .. } => NO_AUTH,
        Error::ConnectionLoss
        | Error::ConnectTimeout { .. }
        | Error::NotZooKeeper { .. }
        | Error::Timeout { .. }
        | Error::Closed => CONNECTION,
        Error::SessionExpired => EXPIRED,
        Error::Tls { .. } | Error::TlsConfig { .. } => TLS,
        Error::NotReadOnly => NOT_READ_ONLY,
        Error::ReconfigDisabled | Error::NewConfigNoQuorum => RECONFIG_REFUSED,
        Error::ReconfigInProgress => RECONFIG_IN_PROGRESS,
        Error::InvalidPath { .. }
        | Error::InvalidAcl { .. }
        | Error::InvalidConnectString { .. }
        | Error::InvalidArgument(_) => USAGE,
        Error::Multi { source, .. } => code_for(source),
        _ => GENERIC,
    }
}

/// The exit code for a connect that timed out with these failures: TLS when every server
/// failed TLS, a connection failure otherwise.
pub(crate) fn connect_timeout_code(failures: &[(String, ConnectFailure)]) -> u8 {
    let all_tls = !failures.is_empty()
        && failures
            .iter()
            .all(|(_, f)| matches!(f, ConnectFailure::Tls(_)));
    if all_tls {
        TLS
    } else {
        CONNECTION
    }
}

/// The exit code of an `exists` that failed with `code`: `exists` answers "no" with
/// [`GENERIC`], so its unlisted failures take [`EXISTS_FAILED`] instead.
pub(crate) fn for_exists(code: u8) -> u8 {
    if code == GENERIC {
        EXISTS_FAILED
    } else {
        code
    }
}

/// A message for stderr, with the generic exit code 1 (the offline commands' errors).
impl From<String> for Failure {
    fn from(message: String) -> Failure {
        Failure::Message(GENERIC, message)
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Failure {
        let message = match &e {
            Error::ConnectTimeout { .. } => format!("{e} (see --timeout)"),
            _ => e.to_string(),
        };
        Failure::Message(code_for(&e), message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exists_never_fails_with_its_no() {
        assert_eq!(for_exists(code_for(&Error::ConnectionLoss)), CONNECTION);
        assert_eq!(
            for_exists(code_for(&Error::Unimplemented { path: "/p".into() })),
            EXISTS_FAILED
        );
        assert_ne!(for_exists(GENERIC), GENERIC);
    }

    #[test]
    fn codes() {
        let p = || "/p".to_owned();
        assert_eq!(code_for(&Error::NoNode { path: p() }), NO_NODE);
        assert_eq!(code_for(&Error::NodeExists { path: p() }), NODE_EXISTS);
        assert_eq!(code_for(&Error::BadVersion { path: p() }), BAD_VERSION);
        assert_eq!(code_for(&Error::NotEmpty { path: p() }), NOT_EMPTY);
        assert_eq!(code_for(&Error::NoAuth { path: p() }), NO_AUTH);
        let failed = Error::AuthFailed {
            reason: "AUTHFAILED".into(),
        };
        assert_eq!(code_for(&failed), NO_AUTH);
        assert_eq!(code_for(&Error::AuthRequired { path: p() }), NO_AUTH);
        let none = Error::ConnectTimeout {
            failures: Vec::new(),
        };
        assert_eq!(code_for(&none), CONNECTION);
        let foreign = Error::NotZooKeeper {
            server: "h:80".into(),
            seen: "HTTP".into(),
        };
        assert_eq!(code_for(&foreign), CONNECTION);
        assert_eq!(code_for(&Error::ConnectionLoss), CONNECTION);
        let slow = Error::Timeout {
            after: std::time::Duration::from_secs(1),
        };
        assert_eq!(code_for(&slow), CONNECTION);
        assert_eq!(code_for(&Error::SessionExpired), EXPIRED);
        let tls = Error::Tls {
            server: "h:2281".into(),
            failure: zk_client::TlsFailure::UnknownIssuer,
        };
        assert_eq!(code_for(&tls), TLS);
        let files = Error::TlsConfig {
            origin: "CA file ca.pem".into(),
            reason: "cannot be read".into(),
        };
        assert_eq!(code_for(&files), TLS);
        let tls_failure = ConnectFailure::Tls(zk_client::TlsFailure::TlsPort);
        assert_eq!(
            connect_timeout_code(&[("a:1".into(), tls_failure.clone())]),
            TLS
        );
        assert_eq!(
            connect_timeout_code(&[
                ("a:1".into(), tls_failure),
                ("b:2".into(), ConnectFailure::Refused)
            ]),
            CONNECTION
        );
        assert_eq!(connect_timeout_code(&[]), CONNECTION);
        assert_eq!(code_for(&Error::InvalidArgument("x".into())), USAGE);
        assert_eq!(code_for(&Error::InvalidAcl { path: p() }), USAGE);
        assert_eq!(code_for(&Error::NotReadOnly), NOT_READ_ONLY);
        assert_eq!(code_for(&Error::ReconfigDisabled), RECONFIG_REFUSED);
        assert_eq!(code_for(&Error::NewConfigNoQuorum), RECONFIG_REFUSED);
        assert_eq!(code_for(&Error::ReconfigInProgress), RECONFIG_IN_PROGRESS);
        assert_eq!(code_for(&Error::Protocol("x".into())), GENERIC);
        assert_eq!(OK, 0);
    }
}
