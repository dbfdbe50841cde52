//! Apache Curator from Debian's packages, for the recipes' interoperability tests: where its
//! jars are, and the class path a Java harness runs with.

use std::path::Path;

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
