//! Output formats (stat and identities as JSON, ACL lines, watch events) and writing to
//! stdout in a way that survives a reader that goes away (`zk ls / | head -1`).

use std::io::Write;

use zk_client::{Acl, ClientInfo, Id, Perms, Stat, WatchedEvent};

use crate::exit::{self, Failure};

/// Permission letters in the order ZooKeeper's own tools print them.
const PERM_LETTERS: [(char, Perms); 5] = [
    ('c', Perms::CREATE),
    ('d', Perms::DELETE),
    ('r', Perms::READ),
    ('w', Perms::WRITE),
    ('a', Perms::ADMIN),
];

/// Writes `bytes` to stdout and flushes. A closed pipe ends the command quietly with 0.
pub(crate) fn write_stdout(bytes: &[u8]) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .map_err(stdout_error)
}

/// The failure for an error writing to stdout: a closed pipe ends the command quietly with 0.
pub(crate) fn stdout_error(e: std::io::Error) -> Failure {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        Failure::Quiet(exit::OK)
    } else {
        Failure::Message(exit::GENERIC, format!("writing to stdout: {e}"))
    }
}

/// [`stdout_error`] for serde_json's writer, whose I/O errors keep their kind.
pub(crate) fn json_stdout_error(e: serde_json::Error) -> Failure {
    stdout_error(std::io::Error::from(e))
}

/// Writes one line to stdout.
pub(crate) fn line(text: &str) -> Result<(), Failure> {
    let mut bytes = Vec::with_capacity(text.len() + 1);
    bytes.extend_from_slice(text.as_bytes());
    bytes.push(b'\n');
    write_stdout(&bytes)
}

/// A JSON string literal.
pub(crate) fn json_str(s: &str) -> String {
    serde_json::Value::String(s.to_owned()).to_string()
}

/// The stat as one JSON object with the Jute field names, in schema order.
pub(crate) fn stat_json(s: &Stat) -> String {
    format!(
        "{{\"czxid\":{},\"mzxid\":{},\"ctime\":{},\"mtime\":{},\"version\":{},\"cversion\":{},\
         \"aversion\":{},\"ephemeralOwner\":{},\"dataLength\":{},\"numChildren\":{},\"pzxid\":{}}}",
        s.czxid,
        s.mzxid,
        s.ctime,
        s.mtime,
        s.version,
        s.cversion,
        s.aversion,
        s.ephemeral_owner,
        s.data_length,
        s.num_children,
        s.pzxid
    )
}

/// The data and stat of `get -s` as one JSON object: `data` as text when it is UTF-8,
/// otherwise `dataHex` (lowercase hex), and `stat` as [`stat_json`] writes it.
pub(crate) fn data_and_stat_json(data: &[u8], stat: &Stat) -> String {
    let data = match std::str::from_utf8(data) {
        Ok(text) => format!("\"data\":{}", json_str(text)),
        Err(_) => {
            let hex: String = data.iter().map(|b| format!("{b:02x}")).collect();
            format!("\"dataHex\":\"{hex}\"")
        }
    };
    format!("{{{data},\"stat\":{}}}", stat_json(stat))
}

/// The ensemble configuration as one JSON object: `version` (a number, or null), `members`
/// (`id`, `role`, `addresses` as `host:quorumPort:electionPort`, `client` and `secureClient`
/// as `host:port` or null), `other` (`key=value` lines as an object).
pub(crate) fn config_json(c: &zk_client::EnsembleConfig) -> String {
    use serde_json::{json, Value};
    let members: Vec<Value> = c
        .members
        .iter()
        .map(|m| {
            let addresses: Vec<String> = m
                .addresses
                .iter()
                .map(|a| {
                    let host = zk_client::HostPort {
                        host: a.host.clone(),
                        port: a.quorum_port,
                    };
                    format!("{host}:{}", a.election_port)
                })
                .collect();
            json!({
                "id": m.id,
                "role": m.role.as_str(),
                "addresses": addresses,
                "client": m.client_address().map(|a| a.to_string()),
                "secureClient": m.secure_client.as_ref().map(ToString::to_string),
            })
        })
        .collect();
    let other: serde_json::Map<String, Value> = c
        .other
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    json!({"version": c.version, "members": members, "other": other}).to_string()
}

/// The session's identities as a JSON array of `{"authScheme", "user"}` (`ClientInfo`).
pub(crate) fn whoami_json(infos: &[ClientInfo]) -> String {
    let items: Vec<String> = infos
        .iter()
        .map(|i| {
            format!(
                "{{\"authScheme\":{},\"user\":{}}}",
                json_str(&i.auth_scheme),
                json_str(&i.user)
            )
        })
        .collect();
    format!("[{}]", items.join(","))
}

/// One watch event as a JSON object: `{"type","state","path"}`.
pub(crate) fn event_json(e: &WatchedEvent) -> String {
    format!(
        "{{\"type\":{},\"state\":{},\"path\":{}}}",
        json_str(e.event_type.as_str()),
        json_str(e.state.as_str()),
        json_str(&e.path)
    )
}

/// Permission bits as letters of `cdrwa` (`-` for none).
pub(crate) fn perm_letters(perms: i32) -> String {
    let perms = Perms::from_bits(perms);
    let s: String = PERM_LETTERS
        .iter()
        .filter(|(_, p)| perms.contains(*p))
        .map(|(c, _)| *c)
        .collect();
    if s.is_empty() {
        "-".into()
    } else {
        s
    }
}

/// One ACL entry as `PERMS SCHEME:ID`.
pub(crate) fn acl_line(acl: &Acl) -> String {
    format!(
        "{} {}:{}",
        perm_letters(acl.perms),
        acl.id.scheme,
        acl.id.id
    )
}

/// Parses an ACL entry in ZooKeeper's `scheme:id:perms` form (`world:anyone:r`,
/// `auth::cdrwa`, `digest:user:HASH:cdrwa`, `ip:10.0.0.1:rw`). PERMS `-` is an entry without
/// permissions, as [`perm_letters`] writes it; empty PERMS is refused as a likely slip.
///
/// zkCli's comma-separated list (`world:anyone:r,auth::cdrwa`) is refused: read as one entry
/// its id would swallow the others (a `sasl` or `x509` id the server accepts as it is). A
/// comma inside one entry's id (`x509:CN=a,O=b:r`) is no list: a list is only text whose
/// every comma-separated part is an entry of its own.
pub(crate) fn parse_acl(s: &str) -> Result<Acl, String> {
    let parts: Vec<&str> = s.split(',').collect();
    if parts.len() > 1 && parts.iter().all(|p| parse_entry(p).is_ok()) {
        let separate: Vec<String> = parts.iter().map(|p| format!("`{p}`")).collect();
        return Err(format!(
            "bad ACL {s:?}: one ACL entry per argument, not zkCli's comma-separated list: give \
             {} as separate arguments (`--acl` once for each with `create`)",
            separate.join(" ")
        ));
    }
    parse_entry(s)
}

/// Parses one `scheme:id:perms` entry (see [`parse_acl`]).
fn parse_entry(s: &str) -> Result<Acl, String> {
    let bad = |why: &str| {
        format!("bad ACL {s:?}: {why} (expected SCHEME:ID:PERMS, e.g. world:anyone:cdrwa)")
    };
    let (scheme_id, letters) = s.rsplit_once(':').ok_or_else(|| bad("no permissions"))?;
    let (scheme, id) = scheme_id.split_once(':').ok_or_else(|| bad("no scheme"))?;
    if scheme.is_empty() {
        return Err(bad("empty scheme"));
    }
    let id = Id {
        scheme: scheme.into(),
        id: id.into(),
    };
    if letters == "-" {
        return Ok(Acl { perms: 0, id });
    }
    let mut perms = Perms::NONE;
    for c in letters.chars() {
        let p = PERM_LETTERS
            .iter()
            .find(|(l, _)| *l == c)
            .map(|(_, p)| *p)
            .ok_or_else(|| bad(&format!("unknown permission {c:?} (use letters of cdrwa)")))?;
        perms |= p;
    }
    if perms.is_empty() {
        return Err(bad("no permissions (`-` for an entry without any)"));
    }
    Ok(Acl {
        perms: perms.bits(),
        id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perms_and_acls() {
        assert_eq!(perm_letters(31), "cdrwa");
        assert_eq!(perm_letters(1), "r");
        assert_eq!(perm_letters(Perms::READ.bits() | Perms::ADMIN.bits()), "ra");
        assert_eq!(perm_letters(0), "-");
        let acl = parse_acl("digest:bob:abc=:rw").unwrap();
        assert_eq!(acl.perms, 3);
        assert_eq!(
            (acl.id.scheme.as_str(), acl.id.id.as_str()),
            ("digest", "bob:abc=")
        );
        assert_eq!(acl_line(&acl), "rw digest:bob:abc=");
        let acl = parse_acl("auth::cdrwa").unwrap();
        assert_eq!((acl.perms, acl.id.id.as_str()), (31, ""));
        // `-`, as `acl` and `export` write an entry without permissions.
        let none = parse_acl("ip:10.0.0.1:-").unwrap();
        assert_eq!((none.perms, none.id.id.as_str()), (0, "10.0.0.1"));
        assert_eq!(acl_line(&none), "- ip:10.0.0.1");
        // zkCli's comma-separated list is refused; a comma within an id is kept.
        let err = parse_acl("sasl:alice:cdrwa,world:anyone:r").unwrap_err();
        assert!(
            err.contains("`sasl:alice:cdrwa` `world:anyone:r` as separate"),
            "{err}"
        );
        let x509 = parse_acl("x509:CN=a,O=b:r").unwrap();
        assert_eq!((x509.perms, x509.id.id.as_str()), (1, "CN=a,O=b"));
        for bad in [
            "world",
            "world:anyone",
            "world:anyone:",
            "world:anyone:x",
            "world:anyone:r-",
            ":a:r",
        ] {
            assert!(parse_acl(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn json() {
        let infos = [ClientInfo {
            auth_scheme: "digest".into(),
            user: "a\"b".into(),
        }];
        assert_eq!(
            whoami_json(&infos),
            r#"[{"authScheme":"digest","user":"a\"b"}]"#
        );
        let stat = Stat {
            czxid: 1,
            mzxid: 2,
            ctime: 3,
            mtime: 4,
            version: 5,
            cversion: 6,
            aversion: 7,
            ephemeral_owner: 8,
            data_length: 9,
            num_children: 10,
            pzxid: 11,
        };
        let v: serde_json::Value = serde_json::from_str(&stat_json(&stat)).unwrap();
        assert_eq!(v["ephemeralOwner"], 8);
        assert_eq!(v["dataLength"], 9);
        assert_eq!(v["pzxid"], 11);
    }
}
