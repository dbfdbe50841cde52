//! A reconfigurable ZooKeeper ensemble on loopback: `reconfigEnabled=true`,
//! `standaloneEnabled=false`, the membership in a dynamic configuration file
//! (`server.N=host:quorum:election:participant;clientHost:clientPort`), and servers that join
//! a running ensemble the way ZooKeeper's administrator guide describes: a joiner starts with
//! the current members plus itself as its configuration, connects to the leader as a
//! non-voting follower, and becomes a member once someone runs `reconfig -add` with its
//! [`DynamicEnsemble::spec`].
//!
//! Reconfiguration needs the right to write `/zookeeper/config` (3.5.3+). The servers here
//! keep ACLs on and name a super user through
//! `zookeeper.DigestAuthenticationProvider.superDigest`: a client that adds the digest
//! credentials [`SUPER_AUTH`] may reconfigure. (`skipACL=yes` would also allow it, but it
//! switches off every ACL check, which tests of ACLs on the same ensemble need.)

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fmt;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::ensemble::{Mode, QUORUM_TIMEOUT};
use crate::java::{Installation, Jvm};
use crate::process::{
    after_start, common_config, four_letter_word, free_port, fresh_temp_dir, log_tail,
    on_free_ports, port_taken, write, Failure, QuorumSlot, Spawned,
};
use crate::{EnsembleOptions, Error};

/// The `digest` credentials (`user:password`) of the super user the servers of a
/// [`DynamicEnsemble`] know; a session that adds them may run `reconfig`.
pub const SUPER_AUTH: &str = "super:reconfig";
/// `super:` and the base64 SHA-1 of [`SUPER_AUTH`], as `superDigest` takes it.
const SUPER_DIGEST: &str = "super:0IfulLovh7nRLTMiwMmHcRw2FTg=";

/// One server of the ensemble, member or not.
struct Server {
    client_port: u16,
    quorum_port: u16,
    election_port: u16,
    dir: PathBuf,
    java_args: Vec<OsString>,
    process: Option<Spawned>,
}

/// ZooKeeper servers with dynamic reconfiguration enabled. Ids start at 1; servers started
/// by [`DynamicEnsemble::start_joiner`] take the next ids.
///
/// Dropping it kills every server and removes the data directories. One quorum runs per
/// process at a time, as with [`Ensemble`](crate::Ensemble): a start waits until any other of
/// this process is dropped.
pub struct DynamicEnsemble {
    root: PathBuf,
    installation: Installation,
    options: EnsembleOptions,
    servers: BTreeMap<u32, Server>,
    /// Last, so that it is let go once the servers are gone.
    _slot: QuorumSlot,
}

impl fmt::Debug for DynamicEnsemble {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ports: Vec<(u32, u16)> = self
            .servers
            .iter()
            .map(|(id, s)| (*id, s.client_port))
            .collect();
        f.debug_struct("DynamicEnsemble")
            .field("root", &self.root)
            .field("client_ports", &ports)
            .finish()
    }
}

impl DynamicEnsemble {
    /// Starts `size` servers (at least 1) that all list each other in their dynamic
    /// configuration, and waits until every one serves as leader or follower.
    ///
    /// ```no_run
    /// let mut ensemble = zk_testkit::DynamicEnsemble::start(3, Default::default())?;
    /// let joiner = ensemble.start_joiner()?; // server 4, not a member yet
    /// // A client authenticated as zk_testkit::SUPER_AUTH reconfigures with
    /// // joining = ensemble.spec(joiner).
    /// # Ok::<(), zk_testkit::Error>(())
    /// ```
    pub fn start(size: u32, options: EnsembleOptions) -> Result<DynamicEnsemble, Error> {
        on_free_ports(|| DynamicEnsemble::start_once(size, options.clone()))
    }

    fn start_once(size: u32, options: EnsembleOptions) -> Result<DynamicEnsemble, Failure> {
        let mut ensemble = DynamicEnsemble {
            root: fresh_temp_dir()?,
            installation: Installation::find()?,
            options,
            servers: BTreeMap::new(),
            _slot: QuorumSlot::take(),
        };
        let ids: Vec<u32> = (1..=size.max(1)).collect();
        for &id in &ids {
            ensemble.prepare(id)?;
        }
        let members: Vec<String> = ids.iter().map(|&id| ensemble.spec(id)).collect();
        for &id in &ids {
            ensemble.write_config(id, &members)?;
            ensemble.spawn(id)?;
        }
        ensemble.wait_started(&ids)?;
        Ok(ensemble)
    }

    /// Starts the next server as a joiner: its configuration is the current membership (read
    /// from a serving member's `conf`) plus itself as a participant. Waits until it follows
    /// the leader (as a non-voting follower: it serves clients, but it is not a member until
    /// a `reconfig` adds [`DynamicEnsemble::spec`]). Returns its id.
    pub fn start_joiner(&mut self) -> Result<u32, Error> {
        on_free_ports(|| self.try_joiner())
    }

    fn try_joiner(&mut self) -> Result<u32, Failure> {
        let id = self.servers.keys().next_back().map_or(1, |last| last + 1);
        let mut members = self.membership_lines()?;
        self.prepare(id)?;
        members.push(self.spec(id));
        self.write_config(id, &members)?;
        self.spawn(id)?;
        if let Err(e) = self.wait_started(&[id]) {
            // A joiner that did not start is no part of the ensemble; the next try takes its
            // id. The error carries its log's tail.
            self.stop(id);
            if let Some(s) = self.servers.remove(&id) {
                let _ = std::fs::remove_dir_all(&s.dir);
            }
            return Err(e);
        }
        Ok(id)
    }

    /// Server `id`'s line for a configuration, as `reconfig` takes it:
    /// `server.N=127.0.0.1:QUORUM:ELECTION:participant;127.0.0.1:CLIENT`.
    ///
    /// # Panics
    ///
    /// When no server `id` was started.
    pub fn spec(&self, id: u32) -> String {
        let s = self.server(id);
        format!(
            "server.{id}=127.0.0.1:{}:{}:participant;127.0.0.1:{}",
            s.quorum_port, s.election_port, s.client_port
        )
    }

    /// The ids of the current members, as a serving server's `conf` reports them.
    pub fn membership(&self) -> Result<Vec<u32>, Error> {
        let lines = self.membership_lines()?;
        Ok(lines
            .iter()
            .filter_map(|l| l.strip_prefix("server.")?.split('=').next()?.parse().ok())
            .collect())
    }

    /// The ids of every server started, member or not, running or stopped.
    pub fn ids(&self) -> Vec<u32> {
        self.servers.keys().copied().collect()
    }

    /// A connect string of the servers `ids`.
    pub fn connect_string_of(&self, ids: &[u32]) -> String {
        ids.iter()
            .map(|&id| format!("127.0.0.1:{}", self.client_port(id)))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// The client port of server `id`.
    ///
    /// # Panics
    ///
    /// When no server `id` was started.
    pub fn client_port(&self, id: u32) -> u16 {
        self.server(id).client_port
    }

    /// Server `id`'s mode, or `None` when it does not serve clients (down or electing).
    pub fn mode(&self, id: u32) -> Option<Mode> {
        let srvr = four_letter_word(self.client_port(id), "srvr").ok()?;
        let mode = srvr.lines().find_map(|l| l.strip_prefix("Mode: "))?.trim();
        Some(match mode {
            "leader" => Mode::Leader,
            "follower" => Mode::Follower,
            "read-only" => Mode::ReadOnly,
            other => Mode::Other(other.to_owned()),
        })
    }

    /// The current leader's id.
    pub fn leader(&self) -> Option<u32> {
        self.ids()
            .into_iter()
            .find(|&id| self.mode(id) == Some(Mode::Leader))
    }

    /// The server holding a connection of session `session_id` (from `cons`).
    pub fn server_of_session(&self, session_id: i64) -> Option<u32> {
        let needle = format!("sid=0x{session_id:x}");
        self.ids().into_iter().find(|&id| {
            four_letter_word(self.client_port(id), "cons").is_ok_and(|c| c.contains(&needle))
        })
    }

    /// Kills server `id` abruptly; its data stays. A server removed from the membership
    /// keeps running (as a non-voting follower) until stopped.
    pub fn stop(&mut self, id: u32) {
        if let Some(p) = self.servers.get_mut(&id).and_then(|s| s.process.take()) {
            p.kill();
        }
    }

    /// Waits until each of `ids` serves as leader or follower.
    pub fn wait_serving(&self, ids: &[u32], timeout: Duration) -> Result<(), Error> {
        self.wait_serving_unless(ids, timeout, || false)
    }

    /// Waits until `ids` serve after their first start, failing at once when one of them
    /// found a picked port taken.
    fn wait_started(&self, ids: &[u32]) -> Result<(), Failure> {
        let taken = || ids.iter().any(|&id| port_taken(&self.server(id).dir));
        let serving = self.wait_serving_unless(ids, QUORUM_TIMEOUT, taken);
        after_start(serving, taken(), || self.logs())
    }

    /// Waits until each of `ids` serves as leader or follower, or `give_up` holds.
    fn wait_serving_unless(
        &self,
        ids: &[u32],
        timeout: Duration,
        give_up: impl Fn() -> bool,
    ) -> Result<(), Error> {
        let deadline = Instant::now() + timeout;
        loop {
            let serving = ids
                .iter()
                .all(|&id| matches!(self.mode(id), Some(Mode::Leader | Mode::Follower)));
            if serving || give_up() {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(Error::NotReady(format!(
                    "servers {ids:?} not all leader or follower within {timeout:?}; logs:\n{}",
                    self.logs()
                )));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The `server.N=...` lines of the current configuration, from the first running server
    /// whose `conf` lists any.
    fn membership_lines(&self) -> Result<Vec<String>, Error> {
        for s in self.servers.values().filter(|s| s.process.is_some()) {
            let Ok(conf) = four_letter_word(s.client_port, "conf") else {
                continue;
            };
            let lines: Vec<String> = conf
                .lines()
                .skip_while(|l| !l.starts_with("membership:"))
                .filter(|l| l.starts_with("server."))
                .map(str::to_owned)
                .collect();
            if !lines.is_empty() {
                return Ok(lines);
            }
        }
        Err(Error::NotReady(format!(
            "no running server reports its membership (`conf`); logs:\n{}",
            self.logs()
        )))
    }

    fn logs(&self) -> String {
        self.servers
            .iter()
            .map(|(id, s)| format!("--- server {id}:\n{}\n", log_tail(&s.dir)))
            .collect()
    }

    fn server(&self, id: u32) -> &Server {
        match self.servers.get(&id) {
            Some(s) => s,
            None => panic!("no server {id} in this ensemble"),
        }
    }

    /// Picks three free ports and a directory for server `id`, writes its `myid`.
    fn prepare(&mut self, id: u32) -> Result<(), Error> {
        let taken: Vec<u16> = self
            .servers
            .values()
            .flat_map(|s| [s.client_port, s.quorum_port, s.election_port])
            .collect();
        let mut ports = Vec::new();
        while ports.len() < 3 {
            let p = free_port()?;
            if !ports.contains(&p) && !taken.contains(&p) {
                ports.push(p);
            }
        }
        let dir = self.root.join(format!("server{id}"));
        let data = dir.join("data");
        std::fs::create_dir_all(&data)
            .map_err(|e| Error::Io(format!("creating {}", data.display()), e))?;
        write(&data.join("myid"), &format!("{id}\n"))?;
        let super_digest =
            format!("-Dzookeeper.DigestAuthenticationProvider.superDigest={SUPER_DIGEST}");
        let java_args = self.installation.command(
            Jvm::Quick,
            192,
            &[super_digest.as_str()],
            "org.apache.zookeeper.server.quorum.QuorumPeerMain",
            &dir.join("zoo.cfg"),
        );
        self.servers.insert(
            id,
            Server {
                client_port: ports[0],
                quorum_port: ports[1],
                election_port: ports[2],
                dir,
                java_args,
                process: None,
            },
        );
        Ok(())
    }

    /// Writes server `id`'s static `zoo.cfg` (no client port: that is in its
    /// `server.N` line) and its dynamic file holding `members`.
    fn write_config(&self, id: u32, members: &[String]) -> Result<(), Error> {
        let s = self.server(id);
        let dynamic = s.dir.join("zoo.cfg.dynamic");
        let mut cfg: String = common_config(self.options.tick_ms, &s.dir.join("data"), 0)
            .lines()
            .filter(|l| !l.starts_with("clientPort"))
            .map(|l| format!("{l}\n"))
            .collect();
        cfg.push_str("initLimit=20\nsyncLimit=5\n");
        cfg.push_str("reconfigEnabled=true\nstandaloneEnabled=false\n");
        if self.options.local_sessions {
            cfg.push_str("localSessionsEnabled=true\nlocalSessionsUpgradingEnabled=true\n");
        }
        cfg.push_str(&format!("dynamicConfigFile={}\n", dynamic.display()));
        write(&s.dir.join("zoo.cfg"), &cfg)?;
        write(&dynamic, &(members.join("\n") + "\n"))
    }

    fn spawn(&mut self, id: u32) -> Result<(), Error> {
        let s = self.server(id);
        let spawned = Spawned::start(&s.java_args, &s.dir, false)?;
        if let Some(s) = self.servers.get_mut(&id) {
            s.process = Some(spawned);
        }
        Ok(())
    }
}

impl Drop for DynamicEnsemble {
    fn drop(&mut self) {
        for id in self.ids() {
            self.stop(id);
        }
        let _ = std::fs::remove_dir_all(&self.root);
    }
}
