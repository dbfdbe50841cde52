//! The ensemble configuration as a type: the `server.N=host:port:port[:role][;client]` lines
//! and the `version=` line of `/zookeeper/config`, parsed as ZooKeeper's `QuorumPeer` reads
//! them, with the client addresses a connect string needs.

use std::fmt;

use crate::connect_string::HostPort;
use crate::error::ConfigParseError;

/// A member's role in the ensemble.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Votes (the default when a line names no role).
    Participant,
    /// Follows without voting.
    Observer,
}

impl Role {
    /// The name used in the configuration (`participant`, `observer`).
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Participant => "participant",
            Role::Observer => "observer",
        }
    }
}

/// One quorum address of a member: the host, its quorum (follower) port and its election port.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct QuorumAddress {
    /// Host name or IP literal (IPv6 without brackets).
    pub host: String,
    /// The port followers connect to the leader on.
    pub quorum_port: u16,
    /// The leader-election port.
    pub election_port: u16,
}

/// A member of the ensemble: one `server.N=` line.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Member {
    /// The server id (`N`).
    pub id: u64,
    /// Its quorum addresses (more than one with `multiAddress.enabled`, `|`-separated).
    pub addresses: Vec<QuorumAddress>,
    /// Participant or observer.
    pub role: Role,
    /// Where it serves clients, if the line says (`0.0.0.0` means every interface).
    pub client: Option<HostPort>,
    /// Where it serves TLS clients, if the line says.
    pub secure_client: Option<HostPort>,
}

impl Member {
    /// The address a client connects to: the client address, with a wildcard host
    /// (`0.0.0.0`, `::`) replaced by the member's first quorum host; `None` when the line has
    /// no client address.
    pub fn client_address(&self) -> Option<HostPort> {
        self.client.as_ref().map(|c| self.reachable(c))
    }

    /// The address a TLS client connects to: the secure client address, with a wildcard
    /// host replaced as in [`Member::client_address`]; `None` when the line has none.
    pub fn secure_client_address(&self) -> Option<HostPort> {
        self.secure_client.as_ref().map(|c| self.reachable(c))
    }

    /// `client` with a wildcard host replaced by the first quorum host.
    fn reachable(&self, client: &HostPort) -> HostPort {
        let wildcard = matches!(client.host.as_str(), "0.0.0.0" | "::" | "0:0:0:0:0:0:0:0");
        let host = match self.addresses.first() {
            Some(quorum) if wildcard => quorum.host.clone(),
            _ => client.host.clone(),
        };
        HostPort {
            host,
            port: client.port,
        }
    }
}

/// The ensemble configuration, as the data of [`crate::CONFIG_NODE`] holds it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EnsembleConfig {
    /// The members, in the order of their lines.
    pub members: Vec<Member>,
    /// The configuration's version (the zxid that made it; `version=` in hex), if present.
    pub version: Option<u64>,
    /// Other `key=value` lines (`group.N`, `weight.N` of hierarchical quorums), verbatim.
    pub other: Vec<(String, String)>,
}

impl EnsembleConfig {
    /// Parses the configuration text (`server.N=...` lines, `version=...`, other `key=value`
    /// lines kept as they are; blank lines ignored).
    ///
    /// ```
    /// use zk_client::{EnsembleConfig, Role};
    ///
    /// let config = EnsembleConfig::parse(
    ///     "server.1=zk1:2888:3888:participant;0.0.0.0:2181\n\
    ///      server.2=zk2:2888:3888:observer;zk2:2181\n\
    ///      version=100000003",
    /// )?;
    /// assert_eq!(config.version, Some(0x100000003));
    /// assert_eq!(config.members[1].role, Role::Observer);
    /// assert_eq!(config.connect_string(), "zk1:2181,zk2:2181");
    /// # Ok::<(), zk_client::ConfigParseError>(())
    /// ```
    pub fn parse(text: &str) -> Result<EnsembleConfig, ConfigParseError> {
        let mut config = EnsembleConfig::default();
        for (index, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() {
                continue;
            }
            let err = |expected, found: &str| ConfigParseError {
                line: index + 1,
                expected,
                found: found.to_owned(),
            };
            let (key, value) = line
                .split_once('=')
                .ok_or_else(|| err("a key=value line", line))?;
            if key == "version" {
                let version = u64::from_str_radix(value, 16)
                    .map_err(|_| err("a hexadecimal version", value))?;
                config.version = Some(version);
            } else if let Some(id) = key.strip_prefix("server.") {
                let id = id.parse().map_err(|_| err("a numeric server id", key))?;
                let member = parse_member(id, value).map_err(|(e, f)| err(e, f))?;
                config.members.push(member);
            } else {
                config.other.push((key.to_owned(), value.to_owned()));
            }
        }
        Ok(config)
    }

    /// Parses the data of [`crate::CONFIG_NODE`], which must be UTF-8.
    pub fn parse_bytes(data: &[u8]) -> Result<EnsembleConfig, ConfigParseError> {
        match std::str::from_utf8(data) {
            Ok(text) => EnsembleConfig::parse(text),
            Err(e) => {
                let valid = &data[..e.valid_up_to()];
                let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
                let end = data.len().min(e.valid_up_to() + 4);
                Err(ConfigParseError {
                    line,
                    expected: "UTF-8 text",
                    found: format!("the bytes {:02x?}", &data[e.valid_up_to()..end]),
                })
            }
        }
    }

    /// The members that vote.
    pub fn participants(&self) -> impl Iterator<Item = &Member> {
        self.members.iter().filter(|m| m.role == Role::Participant)
    }

    /// A connect string of every member's client address (see [`Member::client_address`]),
    /// in the order of the configuration; members without one are left out.
    pub fn connect_string(&self) -> String {
        self.join_addresses(Member::client_address)
    }

    /// Like [`EnsembleConfig::connect_string`], of the TLS client addresses
    /// ([`Member::secure_client_address`]).
    pub fn secure_connect_string(&self) -> String {
        self.join_addresses(Member::secure_client_address)
    }

    fn join_addresses(&self, address: fn(&Member) -> Option<HostPort>) -> String {
        let addresses: Vec<String> = self
            .members
            .iter()
            .filter_map(address)
            .map(|a| a.to_string())
            .collect();
        addresses.join(",")
    }
}

impl fmt::Display for EnsembleConfig {
    /// The configuration in ZooKeeper's own format.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for m in &self.members {
            write!(f, "server.{}=", m.id)?;
            for (i, a) in m.addresses.iter().enumerate() {
                let sep = if i == 0 { "" } else { "|" };
                write!(
                    f,
                    "{sep}{}:{}:{}",
                    bracketed(&a.host),
                    a.quorum_port,
                    a.election_port
                )?;
            }
            write!(f, ":{}", m.role.as_str())?;
            if let Some(c) = &m.client {
                write!(f, ";{c}")?;
            }
            if let Some(s) = &m.secure_client {
                let lead = if m.client.is_none() { ";;" } else { ";" };
                write!(f, "{lead}{s}")?;
            }
            writeln!(f)?;
        }
        for (k, v) in &self.other {
            writeln!(f, "{k}={v}")?;
        }
        if let Some(v) = self.version {
            write!(f, "version={v:x}")?;
        }
        Ok(())
    }
}

fn bracketed(host: &str) -> String {
    if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_owned()
    }
}

type Expected<'a> = (&'static str, &'a str);

/// `host:port:port[:role][|host:port:port...][;client[;secure client]]`.
fn parse_member(id: u64, value: &str) -> Result<Member, Expected<'_>> {
    let mut parts = value.split(';');
    let server = parts.next().unwrap_or_default();
    let client = parts.next().filter(|s| !s.is_empty());
    let secure = parts.next().filter(|s| !s.is_empty());
    if parts.next().is_some() {
        return Err(("at most two ';'-separated client addresses", value));
    }
    let mut role = Role::Participant;
    let mut addresses = Vec::new();
    for address in server.split('|') {
        let fields = host_and_fields(address)?;
        let (host, ports) = fields;
        let (quorum, election, named_role) = match ports.as_slice() {
            [q, e] => (*q, *e, None),
            [q, e, r] => (*q, *e, Some(*r)),
            _ => return Err(("host:port:port or host:port:port:role", address)),
        };
        if let Some(r) = named_role {
            role = match r.to_ascii_lowercase().as_str() {
                "participant" => Role::Participant,
                "observer" => Role::Observer,
                _ => return Err(("the role participant or observer", r)),
            };
        }
        addresses.push(QuorumAddress {
            host: host.to_owned(),
            quorum_port: port(quorum)?,
            election_port: port(election)?,
        });
    }
    Ok(Member {
        id,
        addresses,
        role,
        client: client.map(client_address).transpose()?,
        secure_client: secure.map(client_address).transpose()?,
    })
}

/// A host (bracketed for IPv6) and the `:`-separated fields after it, as ZooKeeper's
/// `ConfigUtils.getHostAndPort` splits them.
fn host_and_fields(s: &str) -> Result<(&str, Vec<&str>), Expected<'_>> {
    if let Some(rest) = s.strip_prefix('[') {
        let (host, after) = rest
            .split_once(']')
            .ok_or(("a ']' closing the IPv6 address", s))?;
        let fields = after
            .strip_prefix(':')
            .ok_or(("a port after the IPv6 address", s))?;
        return Ok((host, fields.split(':').collect()));
    }
    let mut it = s.split(':');
    let host = it.next().unwrap_or_default();
    Ok((host, it.collect()))
}

/// `host:port` or `port` (host `0.0.0.0`).
fn client_address(s: &str) -> Result<HostPort, Expected<'_>> {
    let (host, fields) = host_and_fields(s)?;
    match fields.as_slice() {
        [] => Ok(HostPort {
            host: "0.0.0.0".to_owned(),
            port: port(host)?,
        }),
        [p] => Ok(HostPort {
            host: host.to_owned(),
            port: port(p)?,
        }),
        _ => Err(("a client address host:port or port", s)),
    }
}

fn port(s: &str) -> Result<u16, Expected<'_>> {
    s.parse().map_err(|_| ("a port number (0-65535)", s))
}

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;
