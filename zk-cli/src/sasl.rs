//! `--sasl digest-md5:USER`: the mechanism, the user, and the password from
//! `--sasl-password-file` or `ZK_SASL_PASSWORD` (never from the command line).

use std::path::Path;

use crate::exit::{self, Failure};

/// The environment variable a SASL password may come from.
pub(crate) const PASSWORD_VAR: &str = "ZK_SASL_PASSWORD";

/// SASL DIGEST-MD5 credentials.
pub(crate) struct Credentials {
    /// The user name.
    pub(crate) user: String,
    /// The password (never printed).
    pub(crate) password: String,
}

/// The credentials of `--sasl MECH:USER`, with the password read from `password_file` or
/// else from `env_password` (the value of [`PASSWORD_VAR`]).
pub(crate) fn credentials(
    sasl: &str,
    password_file: Option<&Path>,
    env_password: Option<String>,
) -> Result<Credentials, Failure> {
    let user = match sasl.split_once(':') {
        Some((mech, user)) if mech.eq_ignore_ascii_case("digest-md5") && !user.is_empty() => user,
        _ => {
            return Err(Failure::usage(format!(
                "--sasl wants digest-md5:USER (the only mechanism supported), found {sasl:?}"
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
