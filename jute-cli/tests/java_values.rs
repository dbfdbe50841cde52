//! Proof against Apache's Java classes: every record of `zookeeper.jute`, with values produced
//! by Apache's Java records (the golden samples of `zk-records/tests/data/golden.txt`, written
//! by the `zookeeper-jute` jar), decodes with `jute decode` to JSON that matches, field by field,
//! the values the Java object holds (read back by reflection in `tests/java/JsonDump.java`),
//! and `jute encode` of that JSON gives back the same bytes.
//!
//! Needs `java`, `javac` and `/usr/share/java/zookeeper-jute.jar`: `apt-get install -y zookeeper`
//! (plus a JDK). Fails (never skips) without them.

use std::collections::BTreeSet;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use jute_parser::{Schema, Type};
use serde_json::Value as J;

const JAR: &str = "/usr/share/java/zookeeper-jute.jar";
const JUTE: &str = env!("CARGO_BIN_EXE_jute");
const INSTALL: &str = "apt-get install -y zookeeper (and a JDK for javac: default-jdk-headless)";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Runs JsonDump over the golden samples: lines of (name, hex, Java-side JSON).
fn java_values() -> Vec<(String, String, J)> {
    assert!(Path::new(JAR).is_file(), "{JAR} is missing: {INSTALL}");
    let tmp = std::env::temp_dir().join(format!("jute-cli-java-values-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/java/JsonDump.java");
    let javac = Command::new("javac")
        .args(["-nowarn", "-cp", JAR, "-d"])
        .arg(&tmp)
        .arg(&src)
        .output()
        .unwrap_or_else(|e| panic!("cannot run javac ({e}): {INSTALL}"));
    assert!(
        javac.status.success(),
        "javac failed: {}",
        String::from_utf8_lossy(&javac.stderr)
    );
    let golden = std::fs::read(root().join("zk-records/tests/data/golden.txt"))
        .expect("zk-records/tests/data/golden.txt");
    let mut java = Command::new("java")
        .arg("-cp")
        .arg(format!("{}:{JAR}", tmp.display()))
        .arg("JsonDump")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run java ({e}): {INSTALL}"));
    java.stdin.take().unwrap().write_all(&golden).unwrap();
    let out = java.wait_with_output().unwrap();
    let _ = std::fs::remove_dir_all(&tmp);
    assert!(
        out.status.success(),
        "JsonDump failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|line| {
            let mut parts = line.splitn(3, ' ');
            let name = parts.next().unwrap().to_string();
            let hex = parts.next().unwrap().to_string();
            let json = serde_json::from_str(parts.next().unwrap())
                .unwrap_or_else(|e| panic!("bad JSON from Java for {name}: {e}"));
            (name, hex, json)
        })
        .collect()
}

fn float_of(j: &J) -> Option<f64> {
    match j {
        J::Number(n) => n.as_f64(),
        J::String(s) => match s.as_str() {
            "NaN" => Some(f64::NAN),
            "Infinity" => Some(f64::INFINITY),
            "-Infinity" => Some(f64::NEG_INFINITY),
            _ => None,
        },
        _ => None,
    }
}

/// Compares our JSON with Java's, guided by the schema type (floats compare as `float`).
fn same(schema: &Schema, ty: &Type, ours: &J, java: &J, path: &str) -> Result<(), String> {
    let differ = || Err(format!("{path}: ours {ours}, Java {java}"));
    if ours.is_null() || java.is_null() {
        return if ours == java { Ok(()) } else { differ() };
    }
    match ty {
        Type::Float => match (float_of(ours), float_of(java)) {
            (Some(a), Some(b)) if (a as f32).to_bits() == (b as f32).to_bits() => Ok(()),
            (Some(a), Some(b)) if a.is_nan() && b.is_nan() => Ok(()),
            _ => differ(),
        },
        Type::Double => match (float_of(ours), float_of(java)) {
            (Some(a), Some(b)) if a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()) => {
                Ok(())
            }
            _ => differ(),
        },
        Type::Byte | Type::Int | Type::Long => match (ours.as_i64(), java.as_i64()) {
            (Some(a), Some(b)) if a == b => Ok(()),
            _ => differ(),
        },
        Type::Boolean | Type::UString | Type::Buffer => {
            if ours == java {
                Ok(())
            } else {
                differ()
            }
        }
        Type::Vector(elem) => {
            let (Some(a), Some(b)) = (ours.as_array(), java.as_array()) else {
                return differ();
            };
            if a.len() != b.len() {
                return differ();
            }
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                same(schema, elem, x, y, &format!("{path}[{i}]"))?;
            }
            Ok(())
        }
        Type::Map(k, v) => {
            let (Some(a), Some(b)) = (ours.as_array(), java.as_array()) else {
                return differ();
            };
            if a.len() != b.len() {
                return differ();
            }
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                same(schema, k, &x[0], &y[0], &format!("{path}[{i}].key"))?;
                same(schema, v, &x[1], &y[1], &format!("{path}[{i}].value"))?;
            }
            Ok(())
        }
        Type::Record(name) => {
            let record = schema.record(name).expect("record of the schema");
            let (Some(a), Some(b)) = (ours.as_object(), java.as_object()) else {
                return differ();
            };
            let names: BTreeSet<&str> = record.fields.iter().map(|f| f.name.as_str()).collect();
            let ours_keys: BTreeSet<&str> = a.keys().map(String::as_str).collect();
            let java_keys: BTreeSet<&str> = b.keys().map(String::as_str).collect();
            // Fields may be missing only where ZooKeeper's Java classes lack them: the 3.8 jar
            // predates `readOnly` in the schema (it writes it by hand), so it is a trailing field.
            let absent_ok = names.iter().filter(|n| !ours_keys.contains(*n)).all(|n| {
                jute_value::ZOOKEEPER_TRAILING_FIELDS.contains(&format!("{name}.{n}").as_str())
            });
            if ours_keys != java_keys || !ours_keys.is_subset(&names) || !absent_ok {
                return Err(format!(
                    "{path}: fields differ: schema {names:?}, ours {ours_keys:?}, Java {java_keys:?}"
                ));
            }
            for f in record.fields.iter().filter(|f| a.contains_key(&f.name)) {
                same(
                    schema,
                    &f.ty,
                    &a[&f.name],
                    &b[&f.name],
                    &format!("{path}.{}", f.name),
                )?;
            }
            Ok(())
        }
    }
}

#[test]
fn every_record_matches_java_field_by_field_and_round_trips() {
    let schema_path = root().join("zookeeper.jute");
    let schema = jute_parser::parse_file(&schema_path).expect("zookeeper.jute parses");
    let samples = java_values();

    // Every record of the schema is covered.
    let covered: BTreeSet<String> = samples
        .iter()
        .map(|(n, _, _)| format!("org.apache.zookeeper.{n}"))
        .collect();
    let all: BTreeSet<String> = schema.records().map(|r| r.qualified_name()).collect();
    assert_eq!(covered, all, "golden samples must cover every record");

    let schema_arg = schema_path.to_str().unwrap();
    let mut failures = Vec::new();
    for (name, hex, java) in &samples {
        let qualified = format!("org.apache.zookeeper.{name}");
        let out = Command::new(JUTE)
            .args([
                "decode", "--schema", schema_arg, "--type", &qualified, "--hex", hex,
            ])
            .output()
            .unwrap();
        if !out.status.success() {
            failures.push(format!(
                "decode {name} {hex}: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
            continue;
        }
        let ours: J = serde_json::from_slice(&out.stdout).expect("decode prints JSON");
        if let Err(e) = same(&schema, &Type::Record(qualified.clone()), &ours, java, name) {
            failures.push(e);
            continue;
        }
        let mut encode = Command::new(JUTE)
            .args([
                "encode", "--schema", schema_arg, "--type", &qualified, "--hex",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        encode.stdin.take().unwrap().write_all(&out.stdout).unwrap();
        let encoded = encode.wait_with_output().unwrap();
        let again = String::from_utf8_lossy(&encoded.stdout).trim().to_string();
        if !encoded.status.success() || again != *hex {
            failures.push(format!(
                "encode {name}: got {again}, want {hex}; {}",
                String::from_utf8_lossy(&encoded.stderr)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} samples failed:\n{}",
        failures.len(),
        samples.len(),
        failures.join("\n")
    );
}
