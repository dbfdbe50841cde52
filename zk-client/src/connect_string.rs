//! Parses connect strings: `host1:2181,host2,[::1]:2182/chroot`.

use std::fmt;
use std::str::FromStr;

use crate::error::Error;
use crate::path::Chroot;

/// The port used when a host names none.
pub const DEFAULT_PORT: u16 = 2181;

/// One server address from a connect string: a host name or IP literal and a port.
///
/// Host names are kept unresolved; they are resolved again on every connection attempt.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct HostPort {
    /// Host name, IPv4 literal or IPv6 literal (without brackets).
    pub host: String,
    /// TCP port.
    pub port: u16,
}

impl fmt::Display for HostPort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

/// A parsed connect string: the servers of one ensemble and an optional chroot.
///
/// ```
/// use zk_client::ConnectString;
///
/// let cs: ConnectString = "zk1:2181, zk2 ,[::1]:2182/app/prod".parse()?;
/// assert_eq!(cs.hosts().len(), 3);
/// assert_eq!(cs.hosts()[1].port, 2181);
/// assert_eq!(cs.hosts()[2].host, "::1");
/// assert_eq!(cs.chroot().as_str(), Some("/app/prod"));
/// # Ok::<(), zk_client::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectString {
    hosts: Vec<HostPort>,
    chroot: Chroot,
}

impl ConnectString {
    /// Parses a connect string.
    ///
    /// Hosts are separated by commas (blanks around them ignored, empty entries skipped); a host
    /// is `name`, `name:port`, `[ipv6]` or `[ipv6]:port`; an unbracketed host's port follows its
    /// last colon. Everything from the first `/` on is the chroot, validated as a path; a chroot
    /// of `/` means none.
    pub fn parse(input: &str) -> Result<ConnectString, Error> {
        let bad = |reason: String| Error::InvalidConnectString {
            input: input.to_owned(),
            reason,
        };
        if input.trim().is_empty() {
            return Err(bad("the connect string is empty".into()));
        }
        if input.starts_with("dns-srv://") {
            return Err(bad("dns-srv:// connect strings are not supported".into()));
        }
        let (servers, chroot) = match input.find('/') {
            Some(at) => {
                let chroot = Chroot::new(&input[at..]).map_err(|e| bad(e.to_string()))?;
                (&input[..at], chroot)
            }
            None => (input, Chroot::none()),
        };
        let mut hosts = Vec::new();
        for entry in servers.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            hosts.push(parse_host(entry).map_err(|reason| bad(format!("{entry:?}: {reason}")))?);
        }
        if hosts.is_empty() {
            return Err(bad("no hosts".into()));
        }
        Ok(ConnectString { hosts, chroot })
    }

    /// The servers, in the order written.
    pub fn hosts(&self) -> &[HostPort] {
        &self.hosts
    }

    /// The chroot.
    pub fn chroot(&self) -> &Chroot {
        &self.chroot
    }
}

impl FromStr for ConnectString {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ConnectString::parse(s)
    }
}

impl fmt::Display for ConnectString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, h) in self.hosts.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{h}")?;
        }
        if let Some(root) = self.chroot.as_str() {
            f.write_str(root)?;
        }
        Ok(())
    }
}

fn parse_port(text: &str) -> Result<u16, String> {
    match text.parse::<u16>() {
        Ok(0) | Err(_) => Err(format!("invalid port {text:?} (expected 1..=65535)")),
        Ok(p) => Ok(p),
    }
}

fn parse_host(entry: &str) -> Result<HostPort, String> {
    if let Some(rest) = entry.strip_prefix('[') {
        let close = rest
            .rfind(']')
            .ok_or_else(|| "starts with '[' but has no matching ']'".to_owned())?;
        let host = &rest[..close];
        if host.is_empty() {
            return Err("empty IPv6 address".into());
        }
        let after = &rest[close + 1..];
        let port = match after {
            "" => DEFAULT_PORT,
            _ => match after.strip_prefix(':') {
                Some("") => return Err("no port after ':'".into()),
                Some(p) => parse_port(p)?,
                None => return Err("expected ':' after ']'".into()),
            },
        };
        return Ok(HostPort {
            host: host.to_owned(),
            port,
        });
    }
    let (host, port) = match entry.rsplit_once(':') {
        // A colon at the very end: no port given.
        Some((h, "")) => (h, DEFAULT_PORT),
        Some((h, p)) => (h, parse_port(p)?),
        None => (entry, DEFAULT_PORT),
    };
    if host.is_empty() {
        return Err("empty host name".into());
    }
    if host.contains(':') {
        return Err("IPv6 addresses must be written in brackets, like [::1]:2181".into());
    }
    Ok(HostPort {
        host: host.to_owned(),
        port,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hp(host: &str, port: u16) -> HostPort {
        HostPort {
            host: host.into(),
            port,
        }
    }

    #[test]
    fn hosts_ports_and_defaults() {
        let cs = ConnectString::parse("a:1,b, c:3 ,,d:,10.0.0.1:2182").unwrap();
        assert_eq!(
            cs.hosts(),
            [
                hp("a", 1),
                hp("b", 2181),
                hp("c", 3),
                hp("d", 2181),
                hp("10.0.0.1", 2182)
            ]
        );
        assert_eq!(cs.chroot(), &Chroot::none());
    }

    #[test]
    fn ipv6_in_brackets() {
        let cs = ConnectString::parse("[::1]:2182,[fe80::1%eth0],[2001:db8::7]:9/r").unwrap();
        assert_eq!(
            cs.hosts(),
            [
                hp("::1", 2182),
                hp("fe80::1%eth0", 2181),
                hp("2001:db8::7", 9)
            ]
        );
        assert_eq!(cs.chroot().as_str(), Some("/r"));
        assert_eq!(
            cs.to_string(),
            "[::1]:2182,[fe80::1%eth0]:2181,[2001:db8::7]:9/r"
        );
    }

    #[test]
    fn chroot_rules() {
        assert_eq!(
            ConnectString::parse("h/").unwrap().chroot(),
            &Chroot::none()
        );
        assert_eq!(
            ConnectString::parse("h:1/a/b").unwrap().chroot().as_str(),
            Some("/a/b")
        );
        for bad in ["h/a/", "h//a", "h/a/../b", "h/./x", "h/a\u{1}"] {
            let err = ConnectString::parse(bad).unwrap_err();
            assert!(matches!(err, Error::InvalidConnectString { .. }), "{bad}");
        }
    }

    #[test]
    fn rejects_nonsense() {
        for bad in [
            "",
            "  ",
            ",,",
            "/chroot",
            "h:x",
            "h:0",
            "h:65536",
            "[::1",
            "[]:1",
            "[::1]x",
            "[::1]:",
            "::1:2181",
            ":2181",
            "dns-srv://zk.example/app",
        ] {
            let err = ConnectString::parse(bad);
            assert!(err.is_err(), "{bad:?} accepted: {err:?}");
        }
        let msg = ConnectString::parse("a:1,b:zz").unwrap_err().to_string();
        assert!(
            msg.contains("\"b:zz\"") && msg.contains("invalid port"),
            "{msg}"
        );
    }
}
