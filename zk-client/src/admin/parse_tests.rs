//! Unit tests of the four-letter answers' readers, on answers as ZooKeeper 3.8 writes them.

use super::*;

const SRVR: &str = "Zookeeper version: 3.8.4-9316c2a7a97e1666d8f4593f34dd6fc36ecc436c, built on 2024-02-12 22:16 UTC\n\
Latency min/avg/max: 0/0.4286/3\n\
Received: 15\n\
Sent: 14\n\
Connections: 1\n\
Outstanding: 0\n\
Zxid: 0x10000002a\n\
Mode: leader\n\
Node count: 6\n\
Proposal sizes last/min/max: 48/48/92\n";

#[test]
fn srvr_is_read_field_by_field() {
    let s = srvr(SRVR).unwrap();
    assert!(s.version.starts_with("3.8.4-"), "{s:?}");
    assert_eq!(s.latency, (0.0, 0.4286, 3.0));
    assert_eq!(
        (s.received, s.sent, s.connections, s.outstanding),
        (15, 14, 1, 0)
    );
    assert_eq!(s.zxid, 0x1_0000_002a);
    assert_eq!(s.mode, ServerMode::Leader);
    assert_eq!(s.node_count, 6);
    assert_eq!(
        s.other,
        vec![("Proposal sizes last/min/max".into(), "48/48/92".into())]
    );
}

#[test]
fn stat_has_the_clients_too() {
    let answer = SRVR.replacen(
        "\n",
        "\nClients:\n /127.0.0.1:50000[1](queued=0,recved=5,sent=5)\n /127.0.0.1:50002[0](queued=0,recved=1,sent=0)\n\n",
        1,
    );
    let s = stat(&answer).unwrap();
    assert_eq!(s.clients.len(), 2);
    assert_eq!(
        s.clients[0],
        "/127.0.0.1:50000[1](queued=0,recved=5,sent=5)"
    );
    assert_eq!(s.server, srvr(SRVR).unwrap());
}

#[test]
fn broken_answers_say_what_was_expected() {
    let e = srvr(&SRVR.replace("Zxid: 0x10000002a", "Zxid: 12")).unwrap_err();
    assert_eq!(
        e,
        AdminError::Unexpected {
            word: "srvr".into(),
            expected: "a zxid 0x...",
            found: "12".into()
        }
    );
    let e = srvr(&SRVR.replace("Mode: leader\n", "")).unwrap_err();
    assert!(
        matches!(
            e,
            AdminError::Unexpected {
                expected: "Mode",
                ..
            }
        ),
        "{e:?}"
    );
    let e = srvr(&SRVR.replace("0/0.4286/3", "0/x/3")).unwrap_err();
    assert!(matches!(e, AdminError::Unexpected { found, .. } if found == "0/x/3"));
    assert!(mntr("zk_version\t3.8\nno tab here\n").is_err());
    assert!(key_values("conf", "clientPort=2181\nnonsense\n").is_err());
    assert!(isro("maybe").is_err());
    assert!(ruok("imnotok").is_err());
}

#[test]
fn simple_words() {
    assert_eq!(ruok("imok"), Ok(true));
    assert_eq!(ruok(""), Ok(false));
    assert_eq!(isro("ro"), Ok(true));
    assert_eq!(isro("rw"), Ok(false));
    let metrics = mntr("zk_version\t3.8.4\nzk_znode_count\t6\n").unwrap();
    assert_eq!(metrics[1], ("zk_znode_count".into(), "6".into()));
    let envi = key_values(
        "envi",
        "Environment:\nzookeeper.version=3.8.4\nos.name=Linux\n",
    )
    .unwrap();
    assert_eq!(
        envi,
        vec![
            ("zookeeper.version".into(), "3.8.4".into()),
            ("os.name".into(), "Linux".into())
        ]
    );
}

#[test]
fn refusals_are_recognised() {
    assert_eq!(
        check_refusals(
            "wchs",
            "wchs is not executed because it is not in the whitelist.\n"
        ),
        Err(AdminError::NotAllowed {
            word: "wchs".into()
        })
    );
    assert_eq!(
        check_refusals(
            "srvr",
            "This ZooKeeper instance is not currently serving requests\n"
        ),
        Err(AdminError::NotServing {
            word: "srvr".into()
        })
    );
    assert_eq!(check_refusals("srvr", SRVR), Ok(()));
}
