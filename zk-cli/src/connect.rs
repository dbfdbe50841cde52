//! Connecting: the client built from the global options, the per-request timeout, and
//! many requests in flight at once for commands that read whole trees.

use std::future::Future;
use std::time::Duration;

use zk_client::{Client, Error, TlsConfig};

use crate::exit::{self, Failure};
use crate::sasl;
use crate::stdin;
use crate::Global;

/// How many requests [`Session::pipelined`] keeps in flight.
pub(crate) const PIPELINE: usize = 128;

/// A connected session and the time each request may take.
pub(crate) struct Session {
    /// The client.
    pub(crate) client: Client,
    /// `--timeout`.
    pub(crate) timeout: Duration,
}

/// Splits `SCHEME:CREDENTIALS` at its first colon.
pub(crate) fn parse_auth(s: &str) -> Result<(&str, &str), Failure> {
    match s.split_once(':') {
        Some((scheme, credentials)) if !scheme.is_empty() => Ok((scheme, credentials)),
        _ => Err(Failure::usage(format!(
            "--auth wants SCHEME:CREDENTIALS (e.g. digest:user:password), found {s:?}"
        ))),
    }
}

/// The TLS settings of the `--tls-*` options; `None` without `--tls-ca` and
/// `--tls-platform-roots` (plaintext). A file given as `-` is read from stdin.
pub(crate) fn tls_config(global: &Global) -> Result<Option<TlsConfig>, Failure> {
    if global.tls_ca.is_empty() && !global.tls_platform_roots {
        return Ok(None);
    }
    let mut tls = TlsConfig::new().platform_roots(global.tls_platform_roots);
    for ca in &global.tls_ca {
        tls = if stdin::is_stdin(ca) {
            tls.ca_pem(stdin::read()?)
        } else {
            tls.ca_file(ca)
        };
    }
    if let (Some(cert), Some(key)) = (&global.tls_cert, &global.tls_key) {
        tls = if stdin::is_stdin(cert) || stdin::is_stdin(key) {
            let cert = stdin::read_file(cert, "--tls-cert", exit::TLS)?;
            let key = stdin::read_file(key, "--tls-key", exit::TLS)?;
            tls.identity_pem(cert, key)
        } else {
            tls.identity_files(cert, key)
        };
    }
    Ok(Some(tls.danger_accept_invalid_hostnames(
        global.tls_no_hostname_check,
    )))
}

impl Session {
    /// Connects as `global` says; fails with exit code 10 when no server answers in time, 12
    /// when TLS fails.
    pub(crate) async fn open(global: &Global) -> Result<Session, Failure> {
        let mut builder = Client::builder()
            .session_timeout(global.session_timeout)
            .connect_timeout(global.timeout)
            .request_timeout(global.timeout)
            .close_timeout(global.timeout)
            .read_only(global.read_only);
        for auth in &global.auth {
            let (scheme, credentials) = parse_auth(auth)?;
            builder = builder.auth(scheme, credentials.as_bytes().to_vec());
        }
        if let Some(tls) = tls_config(global)? {
            builder = builder.tls(tls);
        }
        if let Some(spec) = &global.sasl {
            let env_password = std::env::var(sasl::PASSWORD_VAR).ok();
            let chosen = sasl::parse(
                spec,
                global.sasl_service.as_deref(),
                global.sasl_password_file.as_deref(),
                env_password,
            )?;
            builder = sasl::configure(builder, chosen)?;
        }
        let server = global.server()?;
        let client = builder.connect(server).await.map_err(|e| match e {
            Error::InvalidConnectString { .. } => Failure::usage(e.to_string()),
            Error::ConnectTimeout { failures } => Failure::Message(
                exit::connect_timeout_code(&failures),
                format!(
                    "could not connect to {} within {:?} (see --timeout){}",
                    server,
                    global.timeout,
                    failures
                        .iter()
                        .map(|(server, failure)| format!("\n  {server}: {failure}"))
                        .collect::<String>()
                ),
            ),
            Error::AuthFailed { reason } => Failure::Message(
                exit::NO_AUTH,
                match &global.sasl {
                    Some(spec) => format!("authentication failed (--sasl {spec}): {reason}"),
                    None => format!("authentication failed: {reason}"),
                },
            ),
            other => Failure::from(other),
        })?;
        Ok(Session {
            client,
            timeout: global.timeout,
        })
    }

    /// Runs one request. The client fails it with [`Error::Timeout`] (exit code 10) when no
    /// reply comes within `--timeout`; this outer bound is only a safety net.
    pub(crate) async fn call<T>(
        &self,
        request: impl Future<Output = Result<T, Error>>,
    ) -> Result<T, Error> {
        match tokio::time::timeout(self.timeout * 2, request).await {
            Ok(result) => result,
            Err(_) => Err(Error::ConnectionLoss),
        }
    }

    /// Runs `f` on every item with up to [`PIPELINE`] requests in flight on the session's
    /// connection (the client pipelines them), and returns the results in the items' order.
    /// Each request is bounded by the client's request timeout (`--timeout`).
    pub(crate) async fn pipelined<T, R, F, Fut>(&self, items: Vec<T>, f: F) -> Vec<Result<R, Error>>
    where
        T: Send + 'static,
        R: Send + 'static,
        F: Fn(Client, T) -> Fut,
        Fut: Future<Output = Result<R, Error>> + Send + 'static,
    {
        let mut results: Vec<Option<Result<R, Error>>> = items.iter().map(|_| None).collect();
        let mut set = tokio::task::JoinSet::new();
        let mut collect = |joined: Option<Result<(usize, Result<R, Error>), _>>| {
            if let Some(Ok((i, result))) = joined {
                results[i] = Some(result);
            }
        };
        for (i, item) in items.into_iter().enumerate() {
            if set.len() >= PIPELINE {
                collect(set.join_next().await);
            }
            let request = f(self.client.clone(), item);
            set.spawn(async move { (i, request.await) });
        }
        while let Some(joined) = set.join_next().await {
            collect(Some(joined));
        }
        // A task that panicked left its slot empty: report it as what it is.
        results
            .into_iter()
            .map(|r| r.unwrap_or_else(|| Err(Error::Protocol("a request task failed".into()))))
            .collect()
    }

    /// Closes the session (its ephemeral nodes go away); the client bounds the wait by the
    /// close timeout (`--timeout`).
    pub(crate) async fn close(self) {
        let _ = tokio::time::timeout(self.timeout * 2, self.client.close()).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth_arguments() {
        assert_eq!(parse_auth("digest:u:p").ok(), Some(("digest", "u:p")));
        assert_eq!(parse_auth("ip:").ok(), Some(("ip", "")));
        assert!(parse_auth("digest").is_err());
        assert!(parse_auth(":x").is_err());
    }
}
