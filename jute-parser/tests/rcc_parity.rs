//! Accept/reject parity with Apache's compiler (`rcc`) on every corpus file.
//!
//! For each `tests/corpus/{valid,invalid}/*.jute`, runs
//! `java -cp /usr/share/java/zookeeper-jute.jar org.apache.jute.compiler.generated.Rcc
//! --language java FILE` in a fresh temporary directory and compares its verdict with ours.
//! `rcc` signals failure only through its exit status: it prints parse errors and unknown
//! types on stdout and calls `System.exit(1)`, and dies with an uncaught exception (exit
//! status 1, stack trace on stderr) on lexical errors and include cycles. It exits 0 after
//! printing "... Parsed Successfully" and generating code. So: accepted == exit status 0.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const DEFAULT_JAR: &str = "/usr/share/java/zookeeper-jute.jar";

/// Fixtures where we deliberately disagree with `rcc`, with the reason.
const DELIBERATE_DIFFERENCES: &[(&str, &str)] = &[
    (
        "duplicate_class.jute",
        "rcc silently lets the last duplicate record win",
    ),
    (
        "duplicate_field.jute",
        "rcc accepts duplicate fields (its Java output does not compile)",
    ),
    (
        "duplicate_across_files.jute",
        "rcc silently lets a record in an included file be redeclared",
    ),
    (
        "deep_nesting.jute",
        "we cap vector/map nesting at 64 levels to bound recursion",
    ),
];

fn jar() -> PathBuf {
    std::env::var_os("JUTE_RCC_JAR").map_or_else(|| PathBuf::from(DEFAULT_JAR), PathBuf::from)
}

fn require_java() {
    let java = Command::new("java")
        .arg("-version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    assert!(
        matches!(java, Ok(s) if s.success()),
        "`java` is not available: the rcc parity test needs Apache's Jute compiler. \
         Install it with `apt-get install -y zookeeper` (provides java and {DEFAULT_JAR})"
    );
    assert!(
        jar().is_file(),
        "{} is missing: install Apache's Jute compiler with `apt-get install -y zookeeper` \
         (or point JUTE_RCC_JAR at zookeeper-jute.jar)",
        jar().display()
    );
}

/// Runs rcc on `file` in a fresh temporary directory; true if it accepted the file.
fn rcc_accepts(file: &Path, n: usize) -> bool {
    let dir = std::env::temp_dir().join(format!("jute-rcc-parity-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create temp dir");
    let mut child = Command::new("java")
        .arg("-XX:TieredStopAtLevel=1")
        .arg("-cp")
        .arg(jar())
        .arg("org.apache.jute.compiler.generated.Rcc")
        .arg("--language")
        .arg("java")
        .arg(file)
        .current_dir(&dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn java");
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for java") {
            break status;
        }
        if start.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            let _ = child.wait();
            let _ = std::fs::remove_dir_all(&dir);
            panic!("rcc did not finish within 120 s on {}", file.display());
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let _ = std::fs::remove_dir_all(&dir);
    status.success()
}

#[test]
fn corpus_matches_rcc() {
    require_java();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut files = Vec::new();
    for sub in ["valid", "invalid"] {
        for entry in std::fs::read_dir(root.join(sub)).expect("corpus dir") {
            let path = entry.expect("dir entry").path();
            if path.extension().is_some_and(|e| e == "jute") {
                files.push(path);
            }
        }
    }
    files.sort();
    // The upstream schema itself.
    files.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("../zookeeper.jute"));
    assert!(files.len() > 40, "corpus too small: {}", files.len());
    let mut mismatches = Vec::new();
    for (n, file) in files.iter().enumerate() {
        let name = file.file_name().and_then(|s| s.to_str()).unwrap_or("");
        let ours = jute_parser::parse_file(file).is_ok();
        let theirs = rcc_accepts(file, n);
        let deliberate = DELIBERATE_DIFFERENCES.iter().find(|(f, _)| *f == name);
        match deliberate {
            Some((_, reason)) => {
                if !theirs || ours {
                    mismatches.push(format!(
                        "{name}: listed as a deliberate difference ({reason}) but rcc accepts={theirs}, we accept={ours}"
                    ));
                }
            }
            None => {
                if ours != theirs {
                    mismatches.push(format!("{name}: rcc accepts={theirs}, we accept={ours}"));
                }
            }
        }
    }
    assert!(
        mismatches.is_empty(),
        "parity failures:\n{}",
        mismatches.join("\n")
    );
}
