//! A throwaway MIT Kerberos KDC on loopback for tests of Kerberos (SASL GSSAPI): its own
//! realm, database, `krb5.conf` and `kdc.conf` in a temporary directory (found through
//! `KRB5_CONFIG` and `KRB5_KDC_PROFILE`, never the system's), principals with random keys
//! exported to keytabs, and tickets put into private caches by `kinit -kt`.
//!
//! Needs Debian's `krb5-kdc` (`krb5kdc`, `kdb5_util`), `krb5-admin-server` (`kadmin.local`)
//! and `krb5-user` (`kinit`); a missing one is [`Error::Missing`] with how to get it.

use std::ffi::OsString;
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::process::{free_port, fresh_temp_dir, log_tail, write, Spawned};
use crate::Error;

/// The realm of every KDC this crate starts.
pub const REALM: &str = "ZK.TEST";

/// The Debian packages a [`Kdc`] needs.
pub const KDC_PACKAGES: [&str; 3] = ["krb5-kdc", "krb5-admin-server", "krb5-user"];

/// How long the KDC may take to listen.
const START_TIMEOUT: Duration = Duration::from_secs(20);

/// A running KDC for realm [`REALM`] on a free loopback port (TCP and UDP). Dropping it
/// kills the KDC and removes its directory (database, configuration, keytabs, caches). Like
/// the servers, the KDC dies with this process even when it is killed.
#[derive(Debug)]
pub struct Kdc {
    dir: PathBuf,
    port: u16,
    process: Option<Spawned>,
    /// Serializes changes to the database (principals and their keytabs).
    admin: Mutex<()>,
}

impl Kdc {
    /// Creates the realm's database and starts the KDC in a fresh temporary directory;
    /// returns once it accepts connections.
    pub fn start() -> Result<Kdc, Error> {
        let dir = fresh_temp_dir()?;
        let kdc = Kdc::start_in(&dir);
        if kdc.is_err() {
            let _ = std::fs::remove_dir_all(&dir);
        }
        kdc
    }

    /// Like [`Kdc::start`], in `dir` (emptied first): for one KDC shared by the tests of a
    /// process, held in a `static` that is never dropped, whose files the next run replaces.
    pub fn start_in(dir: &Path) -> Result<Kdc, Error> {
        let _ = std::fs::remove_dir_all(dir);
        let mut last = None;
        // A picked port can be taken before the KDC binds it: retry with another.
        for _ in 0..3 {
            match Kdc::launch(dir) {
                Ok(kdc) => return Ok(kdc),
                Err(e) if e.to_string().contains("in use") => last = Some(e),
                Err(e) => return Err(e),
            }
        }
        Err(last.unwrap_or_else(|| Error::NotReady("no attempt was made".into())))
    }

    /// Writes the configuration for a free port, creates the database unless there is one,
    /// and starts the KDC.
    fn launch(dir: &Path) -> Result<Kdc, Error> {
        // A failed launch dropped (and removed) the directory.
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::Io(format!("creating {}", dir.display()), e))?;
        let port = free_port()?;
        write(&dir.join("krb5.conf"), &krb5_conf(port))?;
        write(&dir.join("kdc.conf"), &kdc_conf(dir, port))?;
        if !dir.join("principal").exists() {
            let create = ["create", "-s", "-r", REALM, "-P", "zk-testkit-master"];
            run_tool(dir, "kdb5_util", &create)?;
        }
        let mut args: Vec<OsString> = vec!["env".into()];
        args.extend(env_assignments(dir));
        args.push(sbin("krb5kdc").into());
        args.push("-n".into());
        let mut kdc = Kdc {
            dir: dir.to_owned(),
            port,
            process: Some(Spawned::start(&args, dir, false)?),
            admin: Mutex::new(()),
        };
        kdc.wait_listening()?;
        Ok(kdc)
    }

    /// The realm.
    pub fn realm(&self) -> &'static str {
        REALM
    }

    /// The directory holding everything.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The KDC's port (TCP, which the configuration makes every client use, and UDP).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The client configuration (`KRB5_CONFIG` for the Kerberos library,
    /// `-Djava.security.krb5.conf` for Java): this realm is the default one, its KDC this
    /// one over TCP, and host names are used as written (no DNS canonicalization).
    pub fn krb5_conf(&self) -> PathBuf {
        self.dir.join("krb5.conf")
    }

    /// Adds `principal` (`alice`, `zookeeper/localhost`; in this realm) with a random key
    /// and returns a keytab holding it. A principal added before keeps its key: the same
    /// keytab is returned (so servers sharing a service principal keep working).
    pub fn add_principal(&self, principal: &str) -> Result<PathBuf, Error> {
        let keytab = self
            .dir
            .join(format!("{}.keytab", principal.replace('/', "_")));
        let _one_at_a_time = self.admin.lock().unwrap_or_else(|e| e.into_inner());
        if keytab.exists() {
            return Ok(keytab);
        }
        let addprinc = format!("addprinc -randkey {principal}");
        self.tool("kadmin.local", &["-r", REALM, "-q", &addprinc])?;
        let ktadd = format!("ktadd -k {} {principal}", keytab.display());
        self.tool("kadmin.local", &["-r", REALM, "-q", &ktadd])?;
        Ok(keytab)
    }

    /// Gets a ticket-granting ticket for `principal` with the key in `keytab` (`kinit -kt`)
    /// into the credential cache `ccache` (`FILE:/path`, or `DIR:/path` for a collection
    /// that holds one cache per principal), valid for `lifetime` (`kinit -l`, e.g. `"3s"`)
    /// or the realm's maximum of an hour.
    pub fn kinit(
        &self,
        principal: &str,
        keytab: &Path,
        ccache: &str,
        lifetime: Option<&str>,
    ) -> Result<(), Error> {
        let keytab = keytab.display().to_string();
        let mut args = vec!["-kt", &keytab, "-c", ccache];
        if let Some(l) = lifetime {
            args.extend(["-l", l]);
        }
        args.push(principal);
        self.tool("kinit", &args)
    }

    /// The environment a Kerberos client of this KDC needs besides its ticket cache
    /// (`KRB5_CONFIG`), as (name, value).
    pub fn client_env(&self) -> Vec<(&'static str, OsString)> {
        vec![("KRB5_CONFIG", self.krb5_conf().into())]
    }

    /// Runs one of MIT Kerberos' tools with this realm's configuration.
    fn tool(&self, name: &str, args: &[&str]) -> Result<(), Error> {
        run_tool(&self.dir, name, args)
    }

    fn wait_listening(&mut self) -> Result<(), Error> {
        let deadline = Instant::now() + START_TIMEOUT;
        let addr = SocketAddr::from(([127, 0, 0, 1], self.port));
        loop {
            let running = self.process.as_mut().is_some_and(Spawned::is_running);
            let log = std::fs::read_to_string(self.dir.join("kdc.log")).unwrap_or_default();
            if !running {
                return Err(Error::NotReady(format!(
                    "krb5kdc on port {} exited: {}\n{log}",
                    self.port,
                    log_tail(&self.dir)
                )));
            }
            if log.contains("commencing operation")
                && TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok()
            {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(Error::NotReady(format!(
                    "krb5kdc did not listen on port {} within {START_TIMEOUT:?}: {log}",
                    self.port
                )));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Kdc {
    fn drop(&mut self) {
        if let Some(p) = self.process.take() {
            p.kill();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Runs one of MIT Kerberos' tools with the configuration of the realm in `dir`.
fn run_tool(dir: &Path, name: &str, args: &[&str]) -> Result<(), Error> {
    let out = Command::new(sbin(name))
        .args(args)
        .envs(env_pairs(dir))
        .current_dir(dir)
        .output()
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                Error::Missing(format!(
                    "{name} not found (apt-get install -y {})",
                    KDC_PACKAGES.join(" ")
                ))
            } else {
                Error::Io(format!("running {name}"), e)
            }
        })?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    // kadmin.local exits 0 when a query fails: the reason is on stderr, beside notes such as
    // "No policy specified".
    let complaint = stderr
        .lines()
        .any(|l| !l.trim().is_empty() && !l.starts_with("No policy specified"));
    if !out.status.success() || (name == "kadmin.local" && complaint) {
        return Err(Error::NotReady(format!(
            "`{name} {}` failed ({}): {}{stderr}",
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stdout),
        )));
    }
    Ok(())
}

/// `/usr/sbin/NAME` when it is there (not every `PATH` has `/usr/sbin`), else `NAME`.
fn sbin(name: &str) -> PathBuf {
    let path = Path::new("/usr/sbin").join(name);
    if path.is_file() {
        path
    } else {
        PathBuf::from(name)
    }
}

/// `KRB5_CONFIG` and `KRB5_KDC_PROFILE` for the realm in `dir`.
fn env_pairs(dir: &Path) -> [(&'static str, PathBuf); 2] {
    [
        ("KRB5_CONFIG", dir.join("krb5.conf")),
        ("KRB5_KDC_PROFILE", dir.join("kdc.conf")),
    ]
}

/// The same, as `NAME=VALUE` arguments of `env(1)`.
fn env_assignments(dir: &Path) -> Vec<OsString> {
    env_pairs(dir)
        .into_iter()
        .map(|(name, value)| {
            let mut arg = OsString::from(format!("{name}="));
            arg.push(value);
            arg
        })
        .collect()
}

/// The client side: the realm, its KDC over TCP only (`udp_preference_limit = 1`), no DNS.
fn krb5_conf(port: u16) -> String {
    format!(
        "[libdefaults]\n  default_realm = {REALM}\n  dns_lookup_realm = false\n  \
         dns_lookup_kdc = false\n  dns_canonicalize_hostname = false\n  rdns = false\n  \
         udp_preference_limit = 1\n\n[realms]\n  {REALM} = {{\n    kdc = 127.0.0.1:{port}\n  }}\n"
    )
}

/// The KDC side: where it listens, its database and stash, tickets of an hour at most.
fn kdc_conf(dir: &Path, port: u16) -> String {
    let dir = dir.display();
    format!(
        "[kdcdefaults]\n  kdc_listen = 127.0.0.1:{port}\n  kdc_tcp_listen = 127.0.0.1:{port}\n\n\
         [realms]\n  {REALM} = {{\n    database_name = {dir}/principal\n    \
         key_stash_file = {dir}/stash\n    max_life = 1h\n  }}\n\n\
         [logging]\n  kdc = FILE:{dir}/kdc.log\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_configuration_names_the_realm_and_its_kdc() {
        let conf = krb5_conf(8888);
        assert!(conf.contains("default_realm = ZK.TEST"), "{conf}");
        assert!(conf.contains("kdc = 127.0.0.1:8888"), "{conf}");
        assert!(conf.contains("udp_preference_limit = 1"), "{conf}");
    }
}
