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
    let missing_java = !command_exists("java") || !command_exists("javac");
    let missing_files = NEEDED.iter().any(|f| !Path::new(f).exists());
    if !missing_java && !missing_files {
        return Ok(());
    }
    let mut packages = vec!["zookeeper"];
    if !command_exists("javac") {
        packages.push("default-jdk-headless");
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
