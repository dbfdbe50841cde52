//! Apache Curator from Debian's packages, for the recipes' interoperability tests: where its
//! jars are, the class path a Java harness runs with, and the harnesses themselves
//! (`zk-testkit/java/*.java`, run in Java's source-file mode, so no `javac` step).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::Error;

/// The Debian packages that bring Curator (and, through their dependencies, Guava, SLF4J,
/// Jackson and ZooKeeper's client).
pub const CURATOR_PACKAGES: [&str; 4] = [
    "libcurator-recipes-java",
    "libcurator-framework-java",
    "libcurator-client-java",
    "libcurator-discovery-java",
];

/// The jars of a Curator harness, as Debian installs them under `/usr/share/java`.
const JARS: [&str; 12] = [
    "curator-recipes.jar",
    "curator-x-discovery.jar",
    "jackson-databind.jar",
    "jackson-core.jar",
    "jackson-annotations.jar",
    "curator-framework.jar",
    "curator-client.jar",
    "guava.jar",
    "slf4j-api.jar",
    "slf4j-nop.jar",
    "zookeeper.jar",
    "zookeeper-jute.jar",
];

/// Where Debian installs jars.
const JAVA_DIR: &str = "/usr/share/java";

/// The class path of a program using Curator's recipes, or [`Error::Missing`] naming the
/// missing jar and the packages to install.
pub fn curator_classpath() -> Result<String, Error> {
    let mut paths = Vec::new();
    for jar in JARS {
        let path = Path::new(JAVA_DIR).join(jar);
        if !path.exists() {
            return Err(Error::Missing(format!(
                "{} not found (Apache Curator: `apt-get install -y {}`, which \
                 `cargo xtask test` does)",
                path.display(),
                CURATOR_PACKAGES.join(" ")
            )));
        }
        paths.push(path.display().to_string());
    }
    Ok(paths.join(":"))
}

/// The Curator harnesses the test kit ships in `java/`: small Java programs, driven by
/// command-line arguments and lines on stdin, that run Curator's side of an interoperability
/// test (each file's header lists its commands).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CuratorHarness {
    /// `CuratorHarness.java`: `InterProcessMutex`, the read-write lock, the semaphore and
    /// `LeaderLatch`.
    Recipes,
    /// `CuratorCacheHarness.java`: `CuratorCache`'s events.
    Cache,
    /// `CuratorCountHarness.java`: `SharedCount`, the barrier and the double barrier.
    Count,
    /// `DiscoveryHarness.java`: curator-x-discovery's `ServiceDiscovery` and providers.
    Discovery,
}

impl CuratorHarness {
    /// The harness's source file.
    pub fn path(self) -> PathBuf {
        let name = match self {
            CuratorHarness::Recipes => "CuratorHarness.java",
            CuratorHarness::Cache => "CuratorCacheHarness.java",
            CuratorHarness::Count => "CuratorCountHarness.java",
            CuratorHarness::Discovery => "DiscoveryHarness.java",
        };
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("java")
            .join(name)
    }

    /// `java -cp <Curator's class path> <the harness file>`, to which a test adds the harness's
    /// arguments; [`Error::Missing`] without Java or Curator, saying what to install.
    pub fn command(self) -> Result<Command, Error> {
        let java = crate::java::java_binary().ok_or_else(|| {
            Error::Missing("java not found on PATH or under $JAVA_HOME".to_owned())
        })?;
        let classpath = curator_classpath()?;
        let mut command = Command::new(java);
        command.arg("-cp").arg(classpath).arg(self.path());
        Ok(command)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_harness_file_is_there() {
        for harness in [
            CuratorHarness::Recipes,
            CuratorHarness::Cache,
            CuratorHarness::Count,
            CuratorHarness::Discovery,
        ] {
            assert!(harness.path().is_file(), "{}", harness.path().display());
        }
    }
}
