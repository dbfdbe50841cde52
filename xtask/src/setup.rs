//! Installs what the project needs from the system on a fresh machine: Debian's `zookeeper`
#![allow(clippy::print_stderr)] // progress of a command-line tool goes to stderr
//! (the server, Java's runtime and Apache's Jute jar) and the JDK's `javac` for golden tests.

use std::path::Path;
use std::process::Command;

/// Files whose presence means the system packages are installed.
const NEEDED: &[&str] = &[
    "/usr/share/java/zookeeper.jar",
    "/usr/share/java/zookeeper-jute.jar",
];

/// Installs the Debian packages if anything is missing; a no-op on a prepared machine.
pub(crate) fn ensure_system_packages() -> Result<(), String> {
    let mut packages = Vec::new();
    if !command_exists("java") || NEEDED.iter().any(|f| !Path::new(f).exists()) {
        packages.push("zookeeper");
    }
    if !command_exists("javac") {
        packages.push("default-jdk-headless");
    }
    if !kazoo_installed() {
        packages.push("python3-kazoo");
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
        format!("cannot run apt-get ({e}); install the Debian package `zookeeper` by hand")
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
