//! Installs what the project needs from the system on a fresh machine: Debian's `zookeeper`
//! (the server, Java's runtime and Apache's Jute jar), and for the tests also the JDK's `javac`
//! (golden tests), kazoo (ZooKeeper data files written by a Python client), Apache Curator (the
//! Java peer of the recipes' interoperability tests), and for the TLS tests Netty's jars
//! (`libnetty-java`, which the server's Netty connection factory needs) and `openssl` (it exports
//! the test certificates' keys; `keytool` comes with Java), and for Kerberos (SASL GSSAPI) an MIT
//! KDC with its tools (`krb5-kdc`, `krb5-admin-server`, `krb5-user`), and what building
//! zk-client's `gssapi` feature needs: the GSS-API headers (`libkrb5-dev`), `libclang-dev`
//! (bindgen) and `pkg-config`.
#![allow(clippy::print_stderr)] // progress of a command-line tool goes to stderr

use std::path::Path;
use std::process::Command;

/// Apache's Jute classes, which the golden tests compile against (from Debian's `zookeeper`).
const JUTE_JAR: &str = "/usr/share/java/zookeeper-jute.jar";

/// Netty's codec, which Debian's ZooKeeper jar leaves out of its class path and its TLS
/// connection factory needs (from `libnetty-java`).
const NETTY_CODEC_JAR: &str = "/usr/share/java/netty-codec.jar";

/// The MIT Kerberos programs the tests' KDC runs (in `/usr/sbin`, which not every `PATH` has).
const KRB5_TOOLS: [&str; 4] = [
    "/usr/sbin/krb5kdc",
    "/usr/sbin/kdb5_util",
    "/usr/sbin/kadmin.local",
    "kinit",
];

/// A header of the GSS-API development files (Debian's `libkrb5-dev`).
const GSSAPI_HEADER: &str = "/usr/include/gssapi/gssapi.h";

/// What the system must provide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Needs {
    /// A ZooKeeper server to run (`cargo xtask quickstart`): found where `zk-testkit` looks
    /// (`ZOOKEEPER_CLASSPATH`, `ZOOKEEPER_HOME`, Debian's package), else Debian's package.
    Server,
    /// Everything the whole test suite needs (`cargo xtask test`): the server, Apache's Jute
    /// jar, `javac`, kazoo, Curator, Netty's jars, `openssl`, and Kerberos (a KDC, its tools,
    /// and the build dependencies of the `gssapi` feature).
    Tests,
}

/// Installs the Debian packages `needs` calls for if anything is missing; a no-op on a
/// prepared machine.
pub(crate) fn ensure_system_packages(needs: Needs) -> Result<(), String> {
    let mut packages = Vec::new();
    let server_found = zk_testkit::Installation::find().is_ok();
    if !server_found || (needs == Needs::Tests && !Path::new(JUTE_JAR).exists()) {
        packages.push("zookeeper");
    }
    if needs == Needs::Tests {
        if !command_exists("javac") {
            packages.push("default-jdk-headless");
        }
        if !kazoo_installed() {
            packages.push("python3-kazoo");
        }
        if !Path::new(NETTY_CODEC_JAR).exists() {
            packages.push("libnetty-java");
        }
        if !command_exists("openssl") {
            packages.push("openssl");
        }
        // Kerberos: the tests' KDC and its tools (zk_testkit::Kdc) ...
        if !KRB5_TOOLS.iter().all(|tool| command_exists(tool)) {
            packages.extend(zk_testkit::KDC_PACKAGES);
        }
        // ... and the GSS-API headers, libclang and pkg-config that building the `gssapi`
        // feature (libgssapi-sys, bindgen) needs.
        if !Path::new(GSSAPI_HEADER).exists() {
            packages.push("libkrb5-dev");
        }
        if !libclang_installed() {
            packages.push("libclang-dev");
        }
        if !command_exists("pkg-config") {
            packages.push("pkg-config");
        }
        // Apache Curator, the Java peer of zk-recipes' interoperability tests.
        if zk_testkit::curator_classpath().is_err() {
            packages.extend(zk_testkit::CURATOR_PACKAGES);
        }
    }
    if packages.is_empty() {
        return Ok(());
    }
    eprintln!("xtask: installing {} with apt-get", packages.join(" "));
    let sudo = !is_root();
    run_apt(sudo, &["update", "-qq"])?;
    let mut args = vec!["install", "-y", "-qq", "--no-install-recommends"];
    args.extend(&packages);
    run_apt(sudo, &args)
}

fn run_apt(sudo: bool, args: &[&str]) -> Result<(), String> {
    let mut cmd = if sudo {
        let mut c = Command::new("sudo");
        c.arg("apt-get");
        c
    } else {
        Command::new("apt-get")
    };
    cmd.args(args).env("DEBIAN_FRONTEND", "noninteractive");
    let status = cmd.status().map_err(|e| {
        format!("cannot run apt-get ({e}); install the Debian packages by hand (or point ZOOKEEPER_HOME at an Apache ZooKeeper release)")
    })?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`apt-get {}` failed ({status})", args.join(" ")))
    }
}

/// Tests run kazoo with Debian's Python (`/usr/bin/python3`), not whatever is first on PATH.
fn kazoo_installed() -> bool {
    Command::new("/usr/bin/python3")
        .args(["-c", "import kazoo"])
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// bindgen loads `libclang.so` (Debian's `libclang-dev` links it under the LLVM directory).
fn libclang_installed() -> bool {
    Command::new("sh")
        .args([
            "-c",
            "for f in /usr/lib/llvm-*/lib/libclang.so /usr/lib/*/libclang.so; do \
             [ -e \"$f\" ] && exit 0; done; exit 1",
        ])
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

fn command_exists(name: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {name} >/dev/null 2>&1")])
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout.starts_with(b"0"))
        .unwrap_or(false)
}
