//! `reconfig` (op 16), as Java's `ZooKeeperAdmin.reconfigure`: an incremental change (servers
//! joining, servers leaving) or a whole new membership, optionally only from a given
//! configuration version; the answer is the new configuration.

use jute::Utf8Bytes;
use zk_records::data::Stat;
use zk_records::proto::ReconfigRequest;

use super::handle::Client;
use crate::config::EnsembleConfig;
use crate::error::Error;
use crate::path::CONFIG_NODE;

/// A change of the ensemble's membership for [`Client::reconfig`].
///
/// Incremental: servers that join (`server.N=host:quorum:election[:role];[clientHost:]clientPort`,
/// as in a configuration file) and ids that leave, applied by the leader to its current
/// configuration. Non-incremental: the complete new membership. Either may be made
/// conditional on the current configuration's version.
///
/// ```
/// use zk_client::Reconfig;
///
/// let grow = Reconfig::incremental()
///     .join("server.4=10.0.0.4:2888:3888:participant;2181")
///     .leave(1);
/// let replace = Reconfig::members([
///     "server.1=10.0.0.1:2888:3888;2181",
///     "server.2=10.0.0.2:2888:3888;2181",
///     "server.3=10.0.0.3:2888:3888;2181",
/// ])
/// .from_version(0x100000003);
/// # let _ = (grow, replace);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Reconfig {
    joining: Vec<String>,
    leaving: Vec<u64>,
    members: Option<Vec<String>>,
    from_version: Option<i64>,
}

impl Reconfig {
    /// An incremental change with nothing in it yet: add [`Reconfig::join`] and
    /// [`Reconfig::leave`] entries.
    pub fn incremental() -> Reconfig {
        Reconfig::default()
    }

    /// A non-incremental change: `members` (`server.N=...` lines) become the whole
    /// membership.
    pub fn members<S: Into<String>>(members: impl IntoIterator<Item = S>) -> Reconfig {
        Reconfig {
            members: Some(members.into_iter().map(Into::into).collect()),
            ..Reconfig::default()
        }
    }

    /// A server that joins, or changes its ports or role (incremental only): a
    /// `server.N=...` line.
    pub fn join(mut self, server: impl Into<String>) -> Reconfig {
        self.joining.push(server.into());
        self
    }

    /// A server id that leaves (incremental only).
    pub fn leave(mut self, id: u64) -> Reconfig {
        self.leaving.push(id);
        self
    }

    /// Applies only if the leader's last configuration has this version (the `version` of
    /// an [`EnsembleConfig`]); otherwise the call fails with [`Error::BadVersion`]. By
    /// default any version (`-1`).
    pub fn from_version(mut self, version: i64) -> Reconfig {
        self.from_version = Some(version);
        self
    }

    /// The request record, or why the change cannot be sent.
    fn to_request(&self) -> Result<ReconfigRequest, Error> {
        let bad = |why: String| Err(Error::InvalidArgument(format!("reconfig: {why}")));
        let lines = self.joining.iter().chain(self.members.iter().flatten());
        for line in lines {
            if line.contains(',') || line.contains('\n') || line.trim().is_empty() {
                return bad(format!(
                    "expected one server.N=... line per entry, found {line:?}"
                ));
            }
        }
        let join = |v: &[String]| (!v.is_empty()).then(|| Utf8Bytes::from(v.join(",")));
        let (joining, leaving, members) = match &self.members {
            Some(members) if !self.joining.is_empty() || !self.leaving.is_empty() => {
                return bad(
                    "a new membership cannot be combined with joining or leaving servers".into(),
                )
            }
            Some(members) if members.is_empty() => {
                return bad("the new membership has no server".into())
            }
            Some(members) => (None, None, join(members)),
            None if self.joining.is_empty() && self.leaving.is_empty() => {
                return bad("no server joins or leaves".into())
            }
            None => {
                let leaving: Vec<String> = self.leaving.iter().map(u64::to_string).collect();
                (join(&self.joining), join(&leaving), None)
            }
        };
        Ok(ReconfigRequest {
            joining_servers: joining,
            leaving_servers: leaving,
            new_members: members,
            cur_config_id: self.from_version.unwrap_or(-1),
        })
    }
}

impl Client {
    /// Changes the ensemble's membership (ZooKeeper 3.5+; the server needs
    /// `reconfigEnabled=true`) and returns the new configuration with the stat of
    /// [`CONFIG_NODE`]. The session must be allowed to write [`CONFIG_NODE`]: the super user,
    /// a user granted it, or any session on servers with `skipACL=yes`.
    ///
    /// Fails with [`Error::ReconfigDisabled`], [`Error::ReconfigInProgress`],
    /// [`Error::NewConfigNoQuorum`] (the joining servers are not connected and in sync with
    /// the leader), [`Error::BadVersion`] (see [`Reconfig::from_version`]),
    /// [`Error::BadArguments`] (a malformed line, too few participants left),
    /// [`Error::NoAuth`], or [`Error::Unimplemented`] (a standalone server).
    ///
    /// The requests behind a reconfiguration in the server's queue, this session's pings
    /// included, wait until it commits (seconds on a loaded ensemble): a session with a short
    /// timeout can see [`Error::ConnectionLoss`] meanwhile. Then read the configuration
    /// ([`Client::ensemble_config`]) to learn whether the change was applied.
    ///
    /// ```no_run
    /// # async fn demo(zk: zk_client::Client) -> Result<(), zk_client::Error> {
    /// use zk_client::Reconfig;
    ///
    /// zk.add_auth("digest", "super:secret").await?;
    /// let change = Reconfig::incremental().join("server.4=zk4:2888:3888;2181");
    /// let (config, _stat) = zk.reconfig(&change).await?;
    /// assert!(config.members.iter().any(|m| m.id == 4));
    /// # Ok(()) }
    /// ```
    pub async fn reconfig(&self, change: &Reconfig) -> Result<(EnsembleConfig, Stat), Error> {
        let request = change.to_request()?;
        let response = self.request(&request, CONFIG_NODE).await?;
        let data = response.data.unwrap_or_default();
        Ok((EnsembleConfig::parse_bytes(&data)?, response.stat))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn incremental_changes_join_their_lists_with_commas() {
        let r = Reconfig::incremental()
            .join("server.4=h:1:2;3")
            .join("server.5=h:4:5:observer;6")
            .leave(1)
            .leave(2)
            .to_request()
            .unwrap();
        assert_eq!(
            r.joining_servers.as_deref(),
            Some("server.4=h:1:2;3,server.5=h:4:5:observer;6")
        );
        assert_eq!(r.leaving_servers.as_deref(), Some("1,2"));
        assert_eq!((r.new_members, r.cur_config_id), (None, -1));
        let only_leaving = Reconfig::incremental().leave(3).to_request().unwrap();
        assert_eq!(only_leaving.joining_servers, None);
    }

    #[test]
    fn a_new_membership_carries_its_version() {
        let r = Reconfig::members(["server.1=h:1:2;3", "server.2=h:4:5;6"])
            .from_version(0x100000003)
            .to_request()
            .unwrap();
        assert_eq!(
            r.new_members.as_deref(),
            Some("server.1=h:1:2;3,server.2=h:4:5;6")
        );
        assert_eq!(r.cur_config_id, 0x100000003);
        assert_eq!((r.joining_servers, r.leaving_servers), (None, None));
    }

    #[test]
    fn malformed_changes_are_refused_before_sending() {
        let empty: [&str; 0] = [];
        for bad in [
            Reconfig::incremental(),
            Reconfig::members(empty),
            Reconfig::members(["server.1=h:1:2;3"]).leave(2),
            Reconfig::incremental().join("server.1=a:1:2;3,server.2=b:1:2;3"),
            Reconfig::incremental().join(" "),
        ] {
            let err = bad.to_request().unwrap_err();
            assert!(
                matches!(&err, Error::InvalidArgument(m) if m.starts_with("reconfig: ")),
                "{bad:?}: {err:?}"
            );
        }
    }
}
