//! `cargo xtask msrv-check`: fails when a locked dependency (normal, dev or build, on this
//! host's platform) declares a `rust-version` above the one the workspace claims, so the
//! claim in `Cargo.toml` stays true as the lock moves. Offline once the dependencies are
//! downloaded (it reads `cargo metadata`), and quick.

use std::process::Command;

use serde_json::Value;

/// A Rust version as `rust-version` writes it: `1.88` or `1.88.0`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct RustVersion(u64, u64, u64);

impl RustVersion {
    /// Parses `MAJOR.MINOR[.PATCH]`.
    pub(crate) fn parse(text: &str) -> Result<RustVersion, String> {
        let parts: Vec<&str> = text.split('.').collect();
        let number = |i: usize| -> Result<u64, String> {
            parts.get(i).map_or(Ok(0), |p| {
                p.parse()
                    .map_err(|_| format!("expected a Rust version like 1.88, found {text:?}"))
            })
        };
        if !(2..=3).contains(&parts.len()) {
            return Err(format!("expected a Rust version like 1.88, found {text:?}"));
        }
        Ok(RustVersion(number(0)?, number(1)?, number(2)?))
    }
}

impl std::fmt::Display for RustVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.0, self.1, self.2)
    }
}

/// Runs the check.
#[allow(clippy::print_stdout)]
pub(crate) fn run(args: &[String]) -> Result<(), String> {
    if let Some(arg) = args.first() {
        return Err(format!("msrv-check takes no arguments, found `{arg}`"));
    }
    let metadata = metadata()?;
    let (claim, needs) = check(&metadata)?;
    if needs.is_empty() {
        println!("msrv-check: every locked dependency builds with the claimed Rust {claim}");
        return Ok(());
    }
    let list: Vec<String> = needs
        .iter()
        .map(|(name, version, rust)| format!("  {name} {version} needs Rust {rust}"))
        .collect();
    Err(format!(
        "the workspace claims rust-version {claim}, but locked dependencies need more:\n{}\n\
         raise `rust-version` in the root Cargo.toml or pin those dependencies lower",
        list.join("\n")
    ))
}

/// `cargo metadata` for this host's platform, with the lock as it is (`--locked`).
fn metadata() -> Result<Value, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let host = host_triple()?;
    let output = Command::new(&cargo)
        .args(["metadata", "--format-version", "1", "--locked"])
        .args(["--filter-platform", &host])
        .current_dir(crate::codegen::workspace_root())
        .output()
        .map_err(|e| format!("cannot run {cargo} metadata: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "cargo metadata failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    serde_json::from_slice(&output.stdout).map_err(|e| format!("cargo metadata's JSON: {e}"))
}

/// The host target triple, from `rustc -vV`.
fn host_triple() -> Result<String, String> {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_owned());
    let output = Command::new(&rustc)
        .arg("-vV")
        .output()
        .map_err(|e| format!("cannot run {rustc} -vV: {e}"))?;
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: "))
        .map(str::to_owned)
        .ok_or_else(|| format!("{rustc} -vV printed no `host:` line"))
}

/// A dependency that needs more than the claim: name, version, its `rust-version`.
pub(crate) type Need = (String, String, RustVersion);

/// The lowest `rust-version` a workspace member claims, and every other package of the
/// resolved graph that declares a higher one.
pub(crate) fn check(metadata: &Value) -> Result<(RustVersion, Vec<Need>), String> {
    let members: Vec<&str> = metadata["workspace_members"]
        .as_array()
        .ok_or("cargo metadata without workspace_members")?
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let packages = metadata["packages"]
        .as_array()
        .ok_or("cargo metadata without packages")?;
    let field = |p: &Value, key: &str| p[key].as_str().unwrap_or_default().to_owned();
    let mut claim: Option<RustVersion> = None;
    let mut declared = Vec::new();
    for package in packages {
        let Some(rust) = package["rust_version"].as_str() else {
            continue;
        };
        let rust = RustVersion::parse(rust)?;
        if members.contains(&package["id"].as_str().unwrap_or_default()) {
            claim = Some(claim.map_or(rust, |c| c.min(rust)));
        } else {
            declared.push((field(package, "name"), field(package, "version"), rust));
        }
    }
    let claim = claim.ok_or("no workspace member declares a rust-version")?;
    let mut needs: Vec<_> = declared.into_iter().filter(|d| d.2 > claim).collect();
    needs.sort();
    Ok((claim, needs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse_and_order() {
        let v = |s| RustVersion::parse(s).unwrap();
        assert_eq!(v("1.88"), v("1.88.0"));
        assert!(v("1.88") < v("1.88.1") && v("1.88.1") < v("1.89"));
        assert!(v("1.100") > v("1.99.9"));
        for bad in ["1", "1.x", "", "1.2.3.4"] {
            assert!(RustVersion::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn dependencies_above_the_claim_are_named() {
        let metadata = serde_json::json!({
            "workspace_members": ["ours"],
            "packages": [
                {"id": "ours", "name": "ours", "version": "0.1.0", "rust_version": "1.85"},
                {"id": "a", "name": "pest", "version": "2.9.6", "rust_version": "1.88"},
                {"id": "b", "name": "bytes", "version": "1.0.0", "rust_version": "1.39"},
                {"id": "c", "name": "old", "version": "1.0.0", "rust_version": null},
            ]
        });
        let (claim, needs) = check(&metadata).unwrap();
        assert_eq!(claim, RustVersion::parse("1.85").unwrap());
        assert_eq!(
            needs,
            [(
                "pest".to_owned(),
                "2.9.6".to_owned(),
                RustVersion::parse("1.88").unwrap()
            )]
        );
    }

    /// The check itself, so `cargo test --workspace` fails too when the claim is not true.
    #[test]
    fn the_lock_fits_the_claim() {
        let (claim, needs) = check(&metadata().unwrap()).unwrap();
        assert!(
            needs.is_empty(),
            "rust-version {claim} is too low for {needs:?}"
        );
    }
}
