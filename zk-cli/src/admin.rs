//! `zk ruok`, `zk srvr` and `zk mntr`: the four-letter words, asked of every server of the
//! connect string without a session, over TLS with the `--tls-*` options; one JSON line per
//! server where the answer is parsed.

use serde_json::{json, Map, Value};
use zk_client::admin::{Admin, AdminError, ServerStats};
use zk_client::{ConnectString, Error};

use crate::connect::tls_config;
use crate::exit::{self, Failure};
use crate::Global;

/// The four-letter words `zk` asks.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Word {
    /// `ruok`: prints `SERVER imok` per server.
    Ruok,
    /// `srvr`: one JSON object per server.
    Srvr,
    /// `mntr`: one JSON object per server (numbers where the value is one).
    Mntr,
}

/// The exit code for a four-letter word's failure.
pub(crate) fn code_for(e: &Error) -> u8 {
    match e {
        Error::Admin(AdminError::Unreachable { .. } | AdminError::Truncated { .. }) => {
            exit::CONNECTION
        }
        Error::Admin(AdminError::NotAllowed { .. }) => exit::NOT_ALLOWED,
        Error::Admin(AdminError::NotServing { .. }) => exit::NOT_SERVING,
        other => exit::code_for(other),
    }
}

/// Asks every server of `global.server`; prints what each answers, and on stderr why a server
/// did not. The exit code is the first failure's, 0 when all answered.
pub(crate) async fn run(global: &Global, word: Word) -> Result<u8, Failure> {
    let cs = ConnectString::parse(global.server()?)?;
    let tls = tls_config(global)?;
    let mut code = exit::OK;
    for host in cs.hosts() {
        let server = host.to_string();
        let mut admin = Admin::new(&server)?.timeout(global.timeout);
        if let Some(tls) = &tls {
            admin = admin.tls(tls)?;
        }
        let answer = match word {
            Word::Ruok => admin.ruok().await.map(|ok| {
                let status = if ok { "imok" } else { "no answer" };
                format!("{server} {status}")
            }),
            Word::Srvr => admin
                .srvr()
                .await
                .map(|s| srvr_json(&server, &s).to_string()),
            Word::Mntr => admin
                .mntr()
                .await
                .map(|m| mntr_json(&server, &m).to_string()),
        };
        match answer {
            Ok(line) => {
                crate::format::line(&line)?;
                if line.ends_with("no answer") && code == exit::OK {
                    code = exit::GENERIC;
                }
            }
            Err(e) => {
                eprintln!("zk: {server}: {e}");
                if code == exit::OK {
                    code = code_for(&e);
                }
            }
        }
    }
    Ok(code)
}

/// `srvr` as JSON: camel-case names, the zxid as a number like `stat`'s.
pub(crate) fn srvr_json(server: &str, s: &ServerStats) -> Value {
    let mut object = json!({
        "server": server,
        "version": s.version,
        "latencyMin": s.latency.0,
        "latencyAvg": s.latency.1,
        "latencyMax": s.latency.2,
        "received": s.received,
        "sent": s.sent,
        "connections": s.connections,
        "outstanding": s.outstanding,
        "zxid": s.zxid,
        "mode": s.mode.as_str(),
        "nodeCount": s.node_count,
    });
    if let Value::Object(map) = &mut object {
        for (k, v) in &s.other {
            map.insert(k.clone(), Value::String(v.clone()));
        }
    }
    object
}

/// `mntr` as JSON: integers and decimals as numbers, the rest as strings.
pub(crate) fn mntr_json(server: &str, metrics: &[(String, String)]) -> Value {
    let mut map = Map::new();
    map.insert("server".into(), Value::String(server.to_owned()));
    for (k, v) in metrics {
        let value = if let Ok(i) = v.parse::<i64>() {
            Value::from(i)
        } else if let Some(f) = v.parse::<f64>().ok().filter(|f| f.is_finite()) {
            Value::from(f)
        } else {
            Value::String(v.clone())
        };
        map.insert(k.clone(), value);
    }
    Value::Object(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mntr_values_are_typed() {
        let v = mntr_json(
            "h:1",
            &[
                ("zk_version".into(), "3.8.4-abc".into()),
                ("zk_znode_count".into(), "6".into()),
                ("zk_avg_latency".into(), "0.5".into()),
                ("zk_server_state".into(), "NaN".into()),
            ],
        );
        assert_eq!(
            v,
            json!({"server": "h:1", "zk_version": "3.8.4-abc", "zk_znode_count": 6,
                   "zk_avg_latency": 0.5, "zk_server_state": "NaN"})
        );
    }

    #[test]
    fn codes() {
        let e = |a| Error::Admin(a);
        assert_eq!(
            code_for(&e(AdminError::NotAllowed {
                word: "mntr".into()
            })),
            exit::NOT_ALLOWED
        );
        assert_eq!(
            code_for(&e(AdminError::NotServing {
                word: "srvr".into()
            })),
            exit::NOT_SERVING
        );
        let gone = AdminError::Unreachable {
            server: "h:1".into(),
            word: "ruok".into(),
            timeout: std::time::Duration::from_secs(1),
            reason: "connecting to 127.0.0.1:1: Connection refused".into(),
        };
        assert_eq!(code_for(&e(gone)), exit::CONNECTION);
    }
}
