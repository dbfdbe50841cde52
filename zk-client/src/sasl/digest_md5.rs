//! The DIGEST-MD5 SASL mechanism (RFC 2831) as ZooKeeper's `DigestLoginModule` expects it:
//! client side, `qop=auth` only, pure (the cnonce is given), no I/O.
//!
//! The client answers the server's digest-challenge with a digest-response, then checks the
//! server's `rspauth`, which proves that the server knows the password too.

use md5::{Digest, Md5};

/// The realm ZooKeeper's server announces (its SASL server name), used when a challenge names none.
pub(crate) const DEFAULT_REALM: &str = "zk-sasl-md5";
/// The digest-uri ZooKeeper's server expects: its protocol and server name.
pub(crate) const DIGEST_URI: &str = "zookeeper/zk-sasl-md5";

/// Why a DIGEST-MD5 exchange cannot go on: what was expected and what the server sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum DigestError {
    /// The challenge is not a list of `name=value` directives.
    #[error("malformed DIGEST-MD5 challenge: {0}")]
    Malformed(String),
    /// A directive the mechanism needs is missing or has a value it cannot use.
    #[error("DIGEST-MD5 challenge: expected {expected}, found {found}")]
    Unsupported {
        /// What the client needs.
        expected: &'static str,
        /// What the server sent.
        found: String,
    },
    /// The user name or password cannot be sent in the charset the server asked for.
    #[error("{0}")]
    Charset(&'static str),
    /// The server's final answer does not prove that it knows the password.
    #[error("the server's rspauth does not match (expected {expected}, found {found:?})")]
    BadRspAuth {
        /// The value computed from the password.
        expected: String,
        /// What the server sent.
        found: String,
    },
}

/// A computed digest-response and the `rspauth` the server must answer it with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Response {
    /// The digest-response token to send.
    pub(crate) token: Vec<u8>,
    /// The lowercase hex `rspauth` a server that knows the password sends back.
    pub(crate) expected_rspauth: String,
}

/// The parts of a digest-challenge the client uses.
#[derive(Debug, Default)]
struct Challenge {
    realms: Vec<String>,
    nonce: Option<String>,
    qop: Option<String>,
    charset_utf8: bool,
    algorithm: Option<String>,
}

/// Answers `challenge` for `user` with `password`, with `cnonce` (a fresh random string for
/// each exchange) and `digest_uri`.
pub(crate) fn respond(
    challenge: &[u8],
    user: &str,
    password: &str,
    cnonce: &str,
    digest_uri: &str,
) -> Result<Response, DigestError> {
    let text = std::str::from_utf8(challenge)
        .map_err(|e| DigestError::Malformed(format!("not UTF-8 ({e})")))?;
    let challenge = parse_challenge(text)?;
    let nonce = challenge.nonce.ok_or(DigestError::Unsupported {
        expected: "a nonce",
        found: "none".into(),
    })?;
    match challenge.algorithm.as_deref() {
        Some(a) if a.eq_ignore_ascii_case("md5-sess") => {}
        other => {
            return Err(DigestError::Unsupported {
                expected: "algorithm=md5-sess",
                found: other.unwrap_or("no algorithm").to_string(),
            })
        }
    }
    // An absent qop means "auth".
    if let Some(qop) = &challenge.qop {
        if !qop
            .split(',')
            .any(|q| q.trim().eq_ignore_ascii_case("auth"))
        {
            return Err(DigestError::Unsupported {
                expected: "qop auth",
                found: format!("qop {qop:?}"),
            });
        }
    }
    let realm = challenge
        .realms
        .first()
        .cloned()
        .unwrap_or_else(|| DEFAULT_REALM.to_string());
    let utf8 = challenge.charset_utf8;
    let user_bytes = encode_text(
        user,
        utf8,
        "the user name is not ISO 8859-1 and the server does not accept UTF-8",
    )?;
    let realm_bytes = encode_text(&realm, utf8, "the realm is not ISO 8859-1")?;
    let password_bytes = encode_text(
        password,
        utf8,
        "the password is not ISO 8859-1 and the server does not accept UTF-8",
    )?;
    let nc = "00000001";

    // A1 = { H({ user ":" realm ":" password }) ":" nonce ":" cnonce }.
    let secret = Md5::new()
        .chain_update(&user_bytes)
        .chain_update(b":")
        .chain_update(&realm_bytes)
        .chain_update(b":")
        .chain_update(&password_bytes)
        .finalize();
    let ha1 = hex(&Md5::new()
        .chain_update(secret)
        .chain_update(b":")
        .chain_update(nonce.as_bytes())
        .chain_update(b":")
        .chain_update(cnonce.as_bytes())
        .finalize());
    let kd = |a2: &str| {
        let ha2 = hex(&Md5::digest(a2.as_bytes()));
        hex(&Md5::digest(
            format!("{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}").as_bytes(),
        ))
    };
    let response = kd(&format!("AUTHENTICATE:{digest_uri}"));
    let expected_rspauth = kd(&format!(":{digest_uri}"));

    let mut token = String::new();
    if utf8 {
        token.push_str("charset=utf-8,");
    }
    token.push_str(&format!(
        "username={},realm={},nonce={},nc={nc},cnonce={},digest-uri={},response={response},qop=auth",
        quote(user),
        quote(&realm),
        quote(&nonce),
        quote(cnonce),
        quote(digest_uri),
    ));
    Ok(Response {
        token: token.into_bytes(),
        expected_rspauth,
    })
}

/// Checks the server's final token (`rspauth=<hex>`) against the expected value.
pub(crate) fn verify_rspauth(token: &[u8], expected: &str) -> Result<(), DigestError> {
    let text = String::from_utf8_lossy(token);
    let found = parse_directives(&text)?
        .into_iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("rspauth"))
        .map(|(_, value)| value);
    match found {
        // Compared in full whatever differs first; the value is no secret once sent, but
        // an early exit costs nothing to avoid.
        Some(found)
            if found.len() == expected.len()
                && found
                    .bytes()
                    .zip(expected.bytes())
                    .fold(0u8, |acc, (a, b)| acc | (a.to_ascii_lowercase() ^ b))
                    == 0 =>
        {
            Ok(())
        }
        Some(found) => Err(DigestError::BadRspAuth {
            expected: expected.to_string(),
            found,
        }),
        None => Err(DigestError::BadRspAuth {
            expected: expected.to_string(),
            found: text.chars().take(64).collect(),
        }),
    }
}

fn parse_challenge(text: &str) -> Result<Challenge, DigestError> {
    let mut challenge = Challenge::default();
    for (name, value) in parse_directives(text)? {
        let once = |slot: &mut Option<String>, what: &str| {
            if slot.is_some() {
                return Err(DigestError::Malformed(format!("{what} appears twice")));
            }
            *slot = Some(value.clone());
            Ok(())
        };
        match name.to_ascii_lowercase().as_str() {
            "realm" => challenge.realms.push(value.clone()),
            "nonce" => once(&mut challenge.nonce, "nonce")?,
            "qop" => once(&mut challenge.qop, "qop")?,
            "algorithm" => once(&mut challenge.algorithm, "algorithm")?,
            "charset" if value.eq_ignore_ascii_case("utf-8") => challenge.charset_utf8 = true,
            "charset" => {
                return Err(DigestError::Unsupported {
                    expected: "charset=utf-8",
                    found: format!("charset={value}"),
                })
            }
            // stale, maxbuf, cipher, and extensions: not needed for qop=auth.
            _ => {}
        }
    }
    Ok(challenge)
}

/// Splits `name=value, name="quoted \" value", ...` (RFC 2831's `#` rule: empty elements and
/// linear white space allowed) into pairs with the quotes and escapes removed.
fn parse_directives(text: &str) -> Result<Vec<(String, String)>, DigestError> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace() || *c == ',').is_some() {}
        if chars.peek().is_none() {
            return Ok(out);
        }
        let mut name = String::new();
        while let Some(c) = chars.next_if(|c| *c != '=' && *c != ',' && !c.is_whitespace()) {
            name.push(c);
        }
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        if chars.next() != Some('=') {
            return Err(DigestError::Malformed(format!(
                "directive {name:?} has no '='"
            )));
        }
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let mut value = String::new();
        if chars.next_if_eq(&'"').is_some() {
            loop {
                match chars.next() {
                    Some('"') => break,
                    Some('\\') => match chars.next() {
                        Some(c) => value.push(c),
                        None => return Err(unterminated(&name)),
                    },
                    Some(c) => value.push(c),
                    None => return Err(unterminated(&name)),
                }
            }
        } else {
            while let Some(c) = chars.next_if(|c| *c != ',' && !c.is_whitespace()) {
                value.push(c);
            }
        }
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        match chars.peek() {
            None | Some(',') => out.push((name, value)),
            Some(c) => {
                return Err(DigestError::Malformed(format!(
                    "expected ',' after directive {name:?}, found {c:?}"
                )))
            }
        }
    }
}

fn unterminated(name: &str) -> DigestError {
    DigestError::Malformed(format!("the quoted value of {name:?} does not end"))
}

/// `"value"` with `"` and `\` escaped.
fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// The bytes hashed for `text`: UTF-8 when the server accepts it, ISO 8859-1 otherwise
/// (RFC 2831 2.1.2.1).
fn encode_text(text: &str, utf8: bool, refusal: &'static str) -> Result<Vec<u8>, DigestError> {
    if utf8 {
        return Ok(text.as_bytes().to_vec());
    }
    text.chars()
        .map(|c| u8::try_from(u32::from(c)).map_err(|_| DigestError::Charset(refusal)))
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 2831 section 4, the IMAP example.
    const RFC_CHALLENGE: &[u8] = b"realm=\"elwood.innosoft.com\",nonce=\"OA6MG9tEQGm2hh\",qop=\"auth\",algorithm=md5-sess,charset=utf-8";

    fn rfc_response() -> Response {
        respond(
            RFC_CHALLENGE,
            "chris",
            "secret",
            "OA6MHXh6VqTrRk",
            "imap/elwood.innosoft.com",
        )
        .unwrap()
    }

    #[test]
    fn rfc_2831_example_response() {
        let r = rfc_response();
        let token = String::from_utf8(r.token).unwrap();
        assert!(
            token.contains("response=d388dad90d4bbd760a152321f2143af7"),
            "{token}"
        );
        assert!(token.contains("username=\"chris\""), "{token}");
        assert!(token.contains("realm=\"elwood.innosoft.com\""), "{token}");
        assert!(token.contains("nonce=\"OA6MG9tEQGm2hh\""), "{token}");
        assert!(token.contains("cnonce=\"OA6MHXh6VqTrRk\""), "{token}");
        assert!(token.contains("nc=00000001"), "{token}");
        assert!(token.contains("qop=auth"), "{token}");
        assert!(
            token.contains("digest-uri=\"imap/elwood.innosoft.com\""),
            "{token}"
        );
        assert!(token.starts_with("charset=utf-8,"), "{token}");
    }

    #[test]
    fn rfc_2831_example_rspauth() {
        let r = rfc_response();
        assert_eq!(r.expected_rspauth, "ea40f60335c427b5527b84dbabcdfffd");
        verify_rspauth(
            b"rspauth=ea40f60335c427b5527b84dbabcdfffd",
            &r.expected_rspauth,
        )
        .unwrap();
    }

    #[test]
    fn wrong_rspauth_is_refused() {
        let r = rfc_response();
        let err = verify_rspauth(
            b"rspauth=00000000000000000000000000000000",
            &r.expected_rspauth,
        )
        .unwrap_err();
        assert!(matches!(err, DigestError::BadRspAuth { .. }), "{err}");
        let err = verify_rspauth(b"", &r.expected_rspauth).unwrap_err();
        assert!(matches!(err, DigestError::BadRspAuth { .. }), "{err}");
    }

    #[test]
    fn zookeeper_challenge_without_qop_or_realm() {
        let r = respond(
            b"nonce=\"abc\",charset=utf-8,algorithm=md5-sess",
            "alice",
            "secret",
            "c",
            DIGEST_URI,
        )
        .unwrap();
        let token = String::from_utf8(r.token).unwrap();
        assert!(token.contains("realm=\"zk-sasl-md5\""), "{token}");
        assert!(
            token.contains("digest-uri=\"zookeeper/zk-sasl-md5\""),
            "{token}"
        );
    }

    #[test]
    fn a_different_password_gives_a_different_response() {
        let a = respond(RFC_CHALLENGE, "chris", "secret", "x", DIGEST_URI).unwrap();
        let b = respond(RFC_CHALLENGE, "chris", "Secret", "x", DIGEST_URI).unwrap();
        assert_ne!(a.token, b.token);
        assert_ne!(a.expected_rspauth, b.expected_rspauth);
    }

    #[test]
    fn quoted_values_with_escapes_and_white_space() {
        let d = parse_directives(" a = \"x\\\"y\" ,, b=z ,").unwrap();
        assert_eq!(
            d,
            vec![("a".into(), "x\"y".into()), ("b".into(), "z".into())]
        );
        assert_eq!(quote("x\"y\\"), "\"x\\\"y\\\\\"");
    }

    #[test]
    fn bad_challenges_are_typed_errors() {
        let cases: [&[u8]; 7] = [
            b"nonce=\"abc",
            b"nonce",
            b"nonce=\"a\"x",
            b"algorithm=md5-sess",
            b"nonce=a,algorithm=md5",
            b"nonce=a,algorithm=md5-sess,qop=\"auth-conf\"",
            b"nonce=a,nonce=b,algorithm=md5-sess",
        ];
        for case in cases {
            let result = respond(case, "u", "p", "c", DIGEST_URI);
            assert!(
                result.is_err(),
                "{:?} was accepted",
                String::from_utf8_lossy(case)
            );
        }
        assert!(respond(&[0xff, 0xfe], "u", "p", "c", DIGEST_URI).is_err());
    }

    #[test]
    fn latin1_without_utf8_charset() {
        let challenge = b"nonce=a,algorithm=md5-sess";
        assert!(respond(challenge, "j\u{f6}rg", "p", "c", DIGEST_URI).is_ok());
        assert_eq!(
            respond(challenge, "\u{4e16}", "p", "c", DIGEST_URI),
            Err(DigestError::Charset(
                "the user name is not ISO 8859-1 and the server does not accept UTF-8"
            ))
        );
    }

    #[test]
    fn hex_is_lowercase() {
        assert_eq!(hex(&[0x00, 0xab, 0xff]), "00abff");
    }
}
