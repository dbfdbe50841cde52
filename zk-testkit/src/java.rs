//! Finding Java and ZooKeeper on this machine, and the `java` command line a server runs with.
//!
//! ZooKeeper is looked for in this order: `ZOOKEEPER_CLASSPATH` (a Java class path, used as
//! given), `ZOOKEEPER_HOME` (an Apache release directory: every `lib/*.jar` goes on the class
//! path), then Debian's package (`/usr/share/java/zookeeper.jar`, whose manifest brings most of
//! its dependencies, plus the Netty jars it leaves out and an SLF4J binding if one is
//! installed). Java is `$JAVA_HOME/bin/java`,
//! else the first `java` on `PATH`.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use crate::Error;

/// Names a Java class path (jars or directories joined with `:`) that holds ZooKeeper's
/// server classes and their dependencies; used as given, before anything else.
pub const CLASSPATH_VAR: &str = "ZOOKEEPER_CLASSPATH";
/// Names an Apache ZooKeeper release directory (`apache-zookeeper-3.8.x-bin`): its `lib/*.jar`
/// go on the class path, and its `conf/logback.xml`, when present, configures the logging.
pub const HOME_VAR: &str = "ZOOKEEPER_HOME";
/// The server jar of Debian's `zookeeper` package.
pub const DEBIAN_JAR: &str = "/usr/share/java/zookeeper.jar";
/// SLF4J bindings Debian installs, best first (the server jar's manifest brings the rest).
const DEBIAN_LOG_BINDINGS: &[&str] = &[
    "/usr/share/java/slf4j-simple.jar",
    "/usr/share/java/slf4j-nop.jar",
];

/// Netty jars Debian's server jar leaves out of its manifest's class path, which the Netty
/// connection factory (TLS) needs: without the codec every TLS connection dies with
/// `NoClassDefFoundError`.
const DEBIAN_NETTY_EXTRAS: &[&str] = &[
    "/usr/share/java/netty-codec.jar",
    "/usr/share/java/netty-resolver.jar",
    "/usr/share/java/netty-transport-native-unix-common.jar",
];

/// Jetty, the servlet API and Jackson, which the AdminServer (`admin.enableServer=true`)
/// needs and Debian's server jar leaves out of its class path (Debian's `zookeeper` package
/// installs them).
const DEBIAN_ADMIN_SERVER_EXTRAS: &[&str] = &[
    "/usr/share/java/jetty9-server.jar",
    "/usr/share/java/jetty9-servlet.jar",
    "/usr/share/java/jetty9-security.jar",
    "/usr/share/java/jetty9-http.jar",
    "/usr/share/java/jetty9-io.jar",
    "/usr/share/java/jetty9-util.jar",
    "/usr/share/java/servlet-api.jar",
    "/usr/share/java/jackson-annotations.jar",
    "/usr/share/java/jackson-core.jar",
    "/usr/share/java/jackson-databind.jar",
];

/// What to do when ZooKeeper is not found.
pub(crate) const INSTALL_HINT: &str =
    "To get it, install Debian's package (`apt-get install -y zookeeper`, \
     it brings Java 17); or, with a Java runtime (11 or later) on PATH or in JAVA_HOME, set \
     ZOOKEEPER_HOME to an Apache ZooKeeper release directory (the -bin tarball from \
     https://zookeeper.apache.org/releases.html) or ZOOKEEPER_CLASSPATH to a Java class path \
     holding ZooKeeper's jars";

/// Where ZooKeeper's classes were found, and how to run them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Installation {
    /// The `java` binary.
    pub java: PathBuf,
    /// The class path (`:`-separated) holding ZooKeeper's server and its dependencies.
    pub classpath: OsString,
    /// Extra `-D` properties this installation needs (e.g. its logging configuration).
    pub jvm_properties: Vec<String>,
    /// Which source the class path came from, for messages: the variable or the path.
    pub source: String,
}

impl Installation {
    /// Finds Java and ZooKeeper as the module docs describe, or says what to install or set.
    pub fn find() -> Result<Installation, Error> {
        let java = java_binary()
            .ok_or_else(|| Error::Missing("java not found in $JAVA_HOME/bin or $PATH".into()))?;
        let (classpath, jvm_properties, source) = zookeeper_classpath()?;
        Ok(Installation {
            java,
            classpath,
            jvm_properties,
            source,
        })
    }

    /// The command line that runs `main_class` with `config` (a `zoo.cfg`) on a JVM tuned as
    /// `jvm` says (for [`Jvm::Quick`], with a heap of `heap_mb`), plus `properties` (`-D...`).
    pub(crate) fn command(
        &self,
        jvm: Jvm,
        heap_mb: u32,
        properties: &[&str],
        main_class: &str,
        config: &Path,
    ) -> Vec<OsString> {
        let mut args: Vec<OsString> = vec![self.java.clone().into()];
        match jvm {
            Jvm::Quick => args.extend(
                [
                    format!("-Xmx{heap_mb}m"),
                    "-XX:+UseSerialGC".into(),
                    "-XX:TieredStopAtLevel=1".into(),
                ]
                .map(OsString::from),
            ),
            // What Debian's `zkServer.sh` gives a server: 1000 MiB and the JVM's own choices.
            Jvm::Production => args.push("-Xmx1000m".into()),
        }
        args.extend(
            [
                "-Xshare:auto",
                "-Dzookeeper.admin.enableServer=false",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=info",
                "-Dorg.slf4j.simpleLogger.showDateTime=true",
            ]
            .map(OsString::from),
        );
        args.extend(self.jvm_properties.iter().map(OsString::from));
        args.extend(properties.iter().map(OsString::from));
        args.push("-cp".into());
        args.push(self.classpath.clone());
        args.push(main_class.into());
        args.push(config.as_os_str().to_owned());
        args
    }
}

/// How a server's JVM is tuned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Jvm {
    /// A small heap, the serial collector and the C1 compiler only: a server that starts in
    /// about a second and stays small, for tests on shared machines.
    #[default]
    Quick,
    /// The JVM's own choices (tiered compilation up to C2, its default collector) and a
    /// 1000 MiB heap, as Debian's `zkServer.sh` runs a server: for benchmarks, where the
    /// server's cost per request should be a production server's.
    Production,
}

/// `$JAVA_HOME/bin/java`, else the first `java` on `PATH`.
pub fn java_binary() -> Option<PathBuf> {
    if let Some(home) = std::env::var_os("JAVA_HOME") {
        let p = PathBuf::from(home).join("bin/java");
        if p.is_file() {
            return Some(p);
        }
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("java"))
        .find(|p| p.is_file())
}

/// The class path, extra JVM properties and a description of where they came from.
fn zookeeper_classpath() -> Result<(OsString, Vec<String>, String), Error> {
    if let Some(cp) = std::env::var_os(CLASSPATH_VAR).filter(|v| !v.is_empty()) {
        return Ok((cp, Vec::new(), format!("${CLASSPATH_VAR}")));
    }
    if let Some(home) = std::env::var_os(HOME_VAR).filter(|v| !v.is_empty()) {
        return release_classpath(Path::new(&home));
    }
    if !Path::new(DEBIAN_JAR).is_file() {
        return Err(Error::Missing(format!(
            "ZooKeeper not found: {CLASSPATH_VAR} and {HOME_VAR} are unset, and {DEBIAN_JAR} \
             does not exist"
        )));
    }
    let mut cp = OsString::from(DEBIAN_JAR);
    for jar in DEBIAN_NETTY_EXTRAS
        .iter()
        .chain(DEBIAN_ADMIN_SERVER_EXTRAS)
        .filter(|p| Path::new(p).is_file())
    {
        cp.push(":");
        cp.push(jar);
    }
    if let Some(binding) = DEBIAN_LOG_BINDINGS.iter().find(|p| Path::new(p).is_file()) {
        cp.push(":");
        cp.push(binding);
    }
    Ok((cp, Vec::new(), DEBIAN_JAR.to_owned()))
}

/// Every `lib/*.jar` of a release directory, sorted (a stable class path), and its logging
/// configuration.
fn release_classpath(home: &Path) -> Result<(OsString, Vec<String>, String), Error> {
    let lib = home.join("lib");
    let source = format!("${HOME_VAR} ({})", home.display());
    let entries = std::fs::read_dir(&lib).map_err(|e| {
        Error::Missing(format!(
            "ZooKeeper not found: {source} has no readable lib/ directory ({e})"
        ))
    })?;
    let mut jars: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "jar"))
        .collect();
    jars.sort();
    if !jars.iter().any(|j| {
        j.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("zookeeper-") && !n.starts_with("zookeeper-jute"))
    }) {
        return Err(Error::Missing(format!(
            "ZooKeeper not found: {} holds no zookeeper-*.jar (is {HOME_VAR} a -bin release?)",
            lib.display()
        )));
    }
    let classpath = std::env::join_paths(&jars).map_err(|e| {
        Error::Missing(format!(
            "ZooKeeper not usable: no class path from {}: {e}",
            lib.display()
        ))
    })?;
    let mut properties = Vec::new();
    let logback = home.join("conf/logback.xml");
    if logback.is_file() {
        properties.push(format!("-Dlogback.configurationFile={}", logback.display()));
    }
    Ok((classpath, properties, source))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_release_directory_puts_every_lib_jar_on_the_class_path() {
        let home = crate::process::fresh_temp_dir().unwrap();
        std::fs::create_dir_all(home.join("lib")).unwrap();
        std::fs::create_dir_all(home.join("conf")).unwrap();
        for jar in [
            "zookeeper-3.8.4.jar",
            "zookeeper-jute-3.8.4.jar",
            "netty.jar",
        ] {
            std::fs::write(home.join("lib").join(jar), b"").unwrap();
        }
        std::fs::write(home.join("lib/README.txt"), b"").unwrap();
        std::fs::write(home.join("conf/logback.xml"), b"").unwrap();
        let (cp, props, source) = release_classpath(&home).unwrap();
        let cp = cp.into_string().unwrap();
        let lib = home.join("lib");
        let want = [
            "netty.jar",
            "zookeeper-3.8.4.jar",
            "zookeeper-jute-3.8.4.jar",
        ]
        .map(|j| lib.join(j).display().to_string())
        .join(":");
        assert_eq!(cp, want);
        assert_eq!(props.len(), 1);
        assert!(props[0].ends_with("conf/logback.xml"), "{props:?}");
        assert!(source.starts_with("$ZOOKEEPER_HOME"), "{source}");
        std::fs::remove_dir_all(&home).unwrap();
    }

    #[test]
    fn a_directory_without_the_server_jar_is_refused_with_a_hint() {
        let home = crate::process::fresh_temp_dir().unwrap();
        std::fs::create_dir_all(home.join("lib")).unwrap();
        std::fs::write(home.join("lib/zookeeper-jute-3.8.4.jar"), b"").unwrap();
        let err = release_classpath(&home).unwrap_err().to_string();
        assert!(err.contains("no zookeeper-*.jar"), "{err}");
        assert!(err.contains("apt-get install -y zookeeper"), "{err}");
        let err = release_classpath(&home.join("nowhere"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("no readable lib/"), "{err}");
        std::fs::remove_dir_all(&home).unwrap();
    }
}
