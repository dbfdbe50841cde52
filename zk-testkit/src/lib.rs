//! Real Apache ZooKeeper servers for tests: a standalone server ([`ZkServer`]) or a
//! three-server quorum ([`Ensemble`]) on loopback, each on free ports with fresh data
//! directories, a fault-injecting TCP [`Proxy`] to put between a client and a server, and
//! servers on a TLS port ([`TlsServer`]) with certificates made at run time ([`Pki`]),
//! servers with SASL ([`SaslServer`] for DIGEST-MD5, [`KerberosServer`] for Kerberos against a
//! throwaway MIT KDC, [`Kdc`]; [`Jaas`] to put SASL under any server, a TLS one included), and
//! reconfigurable ensembles that servers join and leave ([`DynamicEnsemble`]); and Apache
//! Curator's Java harnesses for interoperability tests ([`CuratorHarness`]).
//!
//! ```no_run
//! let server = zk_testkit::ZkServer::start()?;
//! // Point the code under test at `server.connect_string()` ("127.0.0.1:PORT").
//! assert!(zk_testkit::four_letter_word(server.port(), "ruok")? == "imok");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Servers are killed when their value is dropped, a panicking test included, and also when
//! the test process dies without unwinding (even by `SIGKILL`): Java runs under a small `sh`
//! wrapper that holds the read end of a pipe whose write end only the test process owns; when
//! that pipe closes, the wrapper kills Java. Each server leads its own process group, which
//! is what [`ZkServer::pause`] (`SIGSTOP`, a hung machine) and the kills signal.
//!
//! # Finding ZooKeeper
//!
//! Any ZooKeeper 3.5 or later works (the workspace tests against 3.8). In this order:
//!
//! 1. `ZOOKEEPER_CLASSPATH`: a Java class path (jars or directories joined with `:`) holding
//!    ZooKeeper's server classes and their dependencies, used as given.
//! 2. `ZOOKEEPER_HOME`: an Apache release directory (`apache-zookeeper-3.8.4-bin`, from
//!    <https://zookeeper.apache.org/releases.html>): every `lib/*.jar` goes on the class path,
//!    and `conf/logback.xml` configures logging when present.
//! 3. Debian's package: `apt-get install -y zookeeper` (`/usr/share/java/zookeeper.jar`).
//!
//! Java is `$JAVA_HOME/bin/java`, else `java` on `PATH`. When something is missing, starting
//! a server fails with [`Error::Missing`], whose message says what to install or set; tests
//! should fail on it (as [`start_server`] does), never skip.
//!
//! Linux only: liveness is read from `/proc`, signals go through `kill(1)`.
//!
//! # Not published
//!
//! The crate is `publish = false`: its API follows what this workspace's tests, benchmarks
//! and `cargo xtask` need and changes with them, and it depends on the unpublished
//! `test-support` crate (the proxy's seeded generator). Users testing their own code against
//! ZooKeeper can depend on it by git or path.

mod curator;
mod dynamic;
mod ensemble;
pub mod files;
mod jaas;
mod java;
mod kdc;
mod kerberos;
mod process;
mod proxy;
mod sasl;
mod server;
mod tls;

use std::fmt;

pub use curator::{curator_classpath, CuratorHarness, CURATOR_PACKAGES};
pub use dynamic::{DynamicEnsemble, SUPER_AUTH};
pub use ensemble::{Ensemble, EnsembleOptions, Mode, QUORUM_TIMEOUT};
pub use jaas::{Jaas, SASL_PROVIDER};
pub use java::{java_binary, Installation, Jvm, CLASSPATH_VAR, DEBIAN_JAR, HOME_VAR};
pub use kdc::{Kdc, KDC_PACKAGES, REALM};
pub use kerberos::{KerberosServer, SERVICE_PRINCIPAL};
pub use process::{four_letter_word, process_alive};
pub use proxy::{ConnInfo, Fault, Proxy, HOLD_LIMIT};
pub use sasl::SaslServer;
pub use server::{start_server, ServerOptions, ZkServer};
pub use tls::{admin_https_config, ClientAuth, Pki, ServerCert, TlsServer, STORE_PASSWORD};

/// Why a server or an ensemble could not be started.
#[derive(Debug)]
pub enum Error {
    /// Java or ZooKeeper was not found; the message says where it was looked for, and the
    /// error's text (`Display`) adds what to install or set.
    Missing(String),
    /// An I/O error while preparing or spawning, with what was being done.
    Io(String, std::io::Error),
    /// The server exited or did not answer in time; carries the log's tail.
    NotReady(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Missing(what) => write!(f, "{what}. {}", java::INSTALL_HINT),
            Error::Io(what, e) => write!(f, "{what}: {e}"),
            Error::NotReady(msg) => write!(f, "ZooKeeper did not start: {msg}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io(_, e) => Some(e),
            _ => None,
        }
    }
}
