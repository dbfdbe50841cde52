//! Readers of the four-letter words' answers whose format is stable across ZooKeeper 3.5 to
//! 3.9: `srvr`/`stat` (`Name: value` lines), `mntr` (tab-separated), `conf` and `envi`
//! (`key=value`), `ruok` and `isro`.

use super::failure::AdminError;

/// A server's role, as `srvr` reports it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ServerMode {
    /// A single server.
    Standalone,
    /// The ensemble's leader.
    Leader,
    /// A voting follower.
    Follower,
    /// A non-voting observer.
    Observer,
    /// Cut off from its quorum, serving reads.
    ReadOnly,
    /// Something else, verbatim.
    Other(String),
}

impl ServerMode {
    fn parse(s: &str) -> ServerMode {
        match s {
            "standalone" => ServerMode::Standalone,
            "leader" => ServerMode::Leader,
            "follower" => ServerMode::Follower,
            "observer" => ServerMode::Observer,
            "read-only" => ServerMode::ReadOnly,
            other => ServerMode::Other(other.to_owned()),
        }
    }

    /// The name `srvr` uses.
    pub fn as_str(&self) -> &str {
        match self {
            ServerMode::Standalone => "standalone",
            ServerMode::Leader => "leader",
            ServerMode::Follower => "follower",
            ServerMode::Observer => "observer",
            ServerMode::ReadOnly => "read-only",
            ServerMode::Other(s) => s,
        }
    }
}

/// The answer to `srvr` (and the server part of `stat`).
#[derive(Debug, Clone, PartialEq)]
pub struct ServerStats {
    /// `Zookeeper version:`, verbatim (version, build, date).
    pub version: String,
    /// Request latency in milliseconds: minimum, average, maximum.
    pub latency: (f64, f64, f64),
    /// Packets received.
    pub received: u64,
    /// Packets sent.
    pub sent: u64,
    /// Client connections.
    pub connections: u64,
    /// Requests queued.
    pub outstanding: u64,
    /// The last zxid the server applied.
    pub zxid: i64,
    /// Its role.
    pub mode: ServerMode,
    /// The number of znodes.
    pub node_count: u64,
    /// Other `Name: value` lines (`Proposal sizes last/min/max`, ...), verbatim.
    pub other: Vec<(String, String)>,
}

/// The answer to `stat`: the server's figures and its client connections.
#[derive(Debug, Clone, PartialEq)]
pub struct StatAnswer {
    /// As `srvr` reports them.
    pub server: ServerStats,
    /// One line per client connection (`/127.0.0.1:50000[1](queued=0,recved=5,sent=5)`).
    pub clients: Vec<String>,
}

/// The answer that means the server is up but has no quorum (or is starting).
const NOT_SERVING: &str = "not currently serving requests";

/// Fails with the reasons every word shares: not whitelisted, not serving.
pub(super) fn check_refusals(word: &str, answer: &str) -> Result<(), AdminError> {
    if answer.contains("is not executed because it is not in the whitelist") {
        return Err(AdminError::NotAllowed {
            word: word.to_owned(),
        });
    }
    if answer.contains(NOT_SERVING) {
        return Err(AdminError::NotServing {
            word: word.to_owned(),
        });
    }
    Ok(())
}

fn unexpected(word: &str, expected: &'static str, found: &str) -> AdminError {
    AdminError::Unexpected {
        word: word.to_owned(),
        expected,
        found: found.chars().take(200).collect(),
    }
}

/// `ruok`: `imok` when the server runs (not necessarily serving: see `srvr`).
pub(super) fn ruok(answer: &str) -> Result<bool, AdminError> {
    match answer.trim() {
        "imok" => Ok(true),
        "" => Ok(false),
        other => Err(unexpected("ruok", "imok", other)),
    }
}

/// `isro`: `ro` for a read-only server, `rw` otherwise.
pub(super) fn isro(answer: &str) -> Result<bool, AdminError> {
    match answer.trim() {
        "ro" => Ok(true),
        "rw" => Ok(false),
        other => Err(unexpected("isro", "ro or rw", other)),
    }
}

/// `srvr`.
pub(super) fn srvr(answer: &str) -> Result<ServerStats, AdminError> {
    server_stats("srvr", answer.lines())
}

/// `stat`: the `srvr` lines with a `Clients:` section (one indented line each, then a blank
/// line) after the version.
pub(super) fn stat(answer: &str) -> Result<StatAnswer, AdminError> {
    let mut clients = Vec::new();
    let mut rest = Vec::new();
    let mut in_clients = false;
    for line in answer.lines() {
        if line == "Clients:" {
            in_clients = true;
        } else if in_clients && line.trim().is_empty() {
            in_clients = false;
        } else if in_clients {
            clients.push(line.trim().to_owned());
        } else {
            rest.push(line);
        }
    }
    Ok(StatAnswer {
        server: server_stats("stat", rest.into_iter())?,
        clients,
    })
}

fn server_stats<'a>(
    word: &str,
    lines: impl Iterator<Item = &'a str>,
) -> Result<ServerStats, AdminError> {
    let mut fields: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let mut take = |name: &'static str| -> Result<String, AdminError> {
        let at = fields.iter().position(|(k, _)| k == name);
        at.map(|i| fields.remove(i).1)
            .ok_or_else(|| unexpected(word, name, "an answer without it"))
    };
    let number = |name: &'static str, v: String| -> Result<u64, AdminError> {
        v.parse().map_err(|_| unexpected(word, name, &v))
    };
    let version = take("Zookeeper version")?;
    let latency_text = take("Latency min/avg/max")?;
    let latency = parse_latency(&latency_text)
        .ok_or_else(|| unexpected(word, "latencies min/avg/max", &latency_text))?;
    let received = number("Received", take("Received")?)?;
    let sent = number("Sent", take("Sent")?)?;
    let connections = number("Connections", take("Connections")?)?;
    let outstanding = number("Outstanding", take("Outstanding")?)?;
    let zxid_text = take("Zxid")?;
    let zxid = zxid_text
        .strip_prefix("0x")
        .and_then(|hex| i64::from_str_radix(hex, 16).ok())
        .ok_or_else(|| unexpected(word, "a zxid 0x...", &zxid_text))?;
    let mode = ServerMode::parse(&take("Mode")?);
    let node_count = number("Node count", take("Node count")?)?;
    Ok(ServerStats {
        version,
        latency,
        received,
        sent,
        connections,
        outstanding,
        zxid,
        mode,
        node_count,
        other: fields,
    })
}

fn parse_latency(s: &str) -> Option<(f64, f64, f64)> {
    let mut it = s.split('/').map(|x| x.trim().parse::<f64>().ok());
    let (min, avg, max) = (it.next()??, it.next()??, it.next()??);
    it.next().is_none().then_some((min, avg, max))
}

/// `mntr`: one `name<TAB>value` line per metric.
pub(super) fn mntr(answer: &str) -> Result<Vec<(String, String)>, AdminError> {
    answer
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            l.split_once('\t')
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .ok_or_else(|| unexpected("mntr", "name<TAB>value lines", l))
        })
        .collect()
}

/// `conf` and `envi`: `key=value` lines (`envi` starts with an `Environment:` line).
pub(super) fn key_values(word: &str, answer: &str) -> Result<Vec<(String, String)>, AdminError> {
    answer
        .lines()
        .filter(|l| !l.trim().is_empty() && *l != "Environment:")
        .map(|l| {
            l.split_once('=')
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .ok_or_else(|| unexpected(word, "key=value lines", l))
        })
        .collect()
}

#[cfg(test)]
#[path = "parse_tests.rs"]
mod tests;
