//! `--sasl`: the mechanism and its settings. `digest-md5:USER` with the password from
//! `--sasl-password-file` or `ZK_SASL_PASSWORD` (never from the command line); `gssapi`
//! (Kerberos, with the ticket cache's credentials) with `--sasl-service NAME`.

use std::path::Path;

use zk_client::ClientBuilder;

use crate::exit::{self, Failure};

/// The environment variable a SASL password may come from.
pub(crate) const PASSWORD_VAR: &str = "ZK_SASL_PASSWORD";

/// What `--sasl` asks for.
pub(crate) enum Sasl {
    /// DIGEST-MD5 credentials.
    DigestMd5(Credentials),
    /// Kerberos: the service part of the server principal (`zookeeper` unless given).
    Gssapi {
        /// `--sasl-service`.
        #[cfg_attr(not(feature = "gssapi"), allow(dead_code))]
        service: Option<String>,
    },
}

/// SASL DIGEST-MD5 credentials.
pub(crate) struct Credentials {
    /// The user name.
    pub(crate) user: String,
    /// The password (never printed).
    pub(crate) password: String,
}

/// The settings of `--sasl SPEC` with `--sasl-service` (`service`) and the password read
/// from `password_file` or else from `env_password` (the value of [`PASSWORD_VAR`]).
pub(crate) fn parse(
    spec: &str,
    service: Option<&str>,
    password_file: Option<&Path>,
    env_password: Option<String>,
) -> Result<Sasl, Failure> {
    if spec.eq_ignore_ascii_case("gssapi") {
        if password_file.is_some() {
            return Err(Failure::usage(
                "--sasl-password-file is for digest-md5: gssapi uses the Kerberos ticket cache",
            ));
        }
        return Ok(Sasl::Gssapi {
            service: service.map(str::to_owned),
        });
    }
    if service.is_some() {
        return Err(Failure::usage(format!(
            "--sasl-service is for --sasl gssapi, found --sasl {spec}"
        )));
    }
    credentials(spec, password_file, env_password).map(Sasl::DigestMd5)
}

/// `builder` authenticating as `sasl` says; `gssapi` in a `zk` built without the `gssapi`
/// feature is a usage error.
pub(crate) fn configure(builder: ClientBuilder, sasl: Sasl) -> Result<ClientBuilder, Failure> {
    match sasl {
        Sasl::DigestMd5(c) => Ok(builder.sasl_digest_md5(&c.user, &c.password)),
        #[cfg(feature = "gssapi")]
        Sasl::Gssapi { service } => {
            let mut config = zk_client::GssapiConfig::new();
            if let Some(service) = service {
                config = config.service(service);
            }
            Ok(builder.sasl_gssapi(config))
        }
        #[cfg(not(feature = "gssapi"))]
        Sasl::Gssapi { .. } => Err(Failure::usage(
            "--sasl gssapi: this zk was built without Kerberos (cargo feature `gssapi`)",
        )),
    }
}

/// The credentials of `--sasl digest-md5:USER`, with the password read from
/// `password_file` or else from `env_password`.
fn credentials(
    sasl: &str,
    password_file: Option<&Path>,
    env_password: Option<String>,
) -> Result<Credentials, Failure> {
    let user = match sasl.split_once(':') {
        Some((mech, user)) if mech.eq_ignore_ascii_case("digest-md5") && !user.is_empty() => user,
        _ => {
            return Err(Failure::usage(format!(
                "--sasl wants digest-md5:USER or gssapi, found {sasl:?}"
            )))
        }
    };
    let password = match (password_file, env_password) {
        (Some(file), _) => {
            let bytes = crate::stdin::read_file(file, "--sasl-password-file", exit::USAGE)?;
            let text = String::from_utf8(bytes).map_err(|_| {
                Failure::usage(format!(
                    "--sasl-password-file {}: expected UTF-8 text, found other bytes",
                    file.display()
                ))
            })?;
            // One trailing line break is the file's, not the password's.
            let text = text.strip_suffix('\n').unwrap_or(&text);
            text.strip_suffix('\r').unwrap_or(text).to_string()
        }
        (None, Some(password)) => password,
        (None, None) => {
            return Err(Failure::usage(format!(
                "--sasl {sasl} needs a password: --sasl-password-file FILE or {PASSWORD_VAR}"
            )))
        }
    };
    Ok(Credentials {
        user: user.to_string(),
        password,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user_and_password(r: Result<Credentials, Failure>) -> Option<(String, String)> {
        r.ok().map(|c| (c.user, c.password))
    }

    #[test]
    fn mechanism_user_and_password_sources() {
        let env = || Some("from-env".to_string());
        assert_eq!(
            user_and_password(credentials("digest-md5:alice", None, env())),
            Some(("alice".into(), "from-env".into()))
        );
        assert_eq!(
            user_and_password(credentials("DIGEST-MD5:a:b", None, env())),
            Some(("a:b".into(), "from-env".into()))
        );
        assert!(credentials("digest-md5:alice", None, None).is_err());
        assert!(credentials("gssapi:alice", None, env()).is_err());
        assert!(credentials("digest-md5:", None, env()).is_err());
        assert!(credentials("alice", None, env()).is_err());
        assert!(credentials(
            "digest-md5:alice",
            Some(Path::new("/nonexistent/pw")),
            env()
        )
        .is_err());
    }

    #[test]
    fn gssapi_takes_a_service_and_no_password() {
        match parse("GSSAPI", Some("zk"), None, Some("ignored".into())) {
            Ok(Sasl::Gssapi { service }) => assert_eq!(service.as_deref(), Some("zk")),
            _ => panic!("expected gssapi"),
        }
        assert!(matches!(
            parse("gssapi", None, None, None),
            Ok(Sasl::Gssapi { service: None })
        ));
        assert!(parse("gssapi", None, Some(Path::new("/pw")), None).is_err());
        assert!(parse("digest-md5:alice", Some("zk"), None, Some("pw".into())).is_err());
        assert!(matches!(
            parse("digest-md5:alice", None, None, Some("pw".into())),
            Ok(Sasl::DigestMd5(_))
        ));
    }

    #[test]
    fn the_file_wins_and_loses_one_line_break() {
        let dir = std::env::temp_dir().join(format!("zk-cli-sasl-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("pw");
        std::fs::write(&file, "s3cret\r\n").unwrap();
        let got = user_and_password(credentials(
            "digest-md5:alice",
            Some(&file),
            Some("x".into()),
        ));
        assert_eq!(got, Some(("alice".into(), "s3cret".into())));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
