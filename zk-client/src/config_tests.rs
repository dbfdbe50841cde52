//! Unit tests of the ensemble configuration parser, on lines as ZooKeeper 3.8 writes them.

use super::*;

fn hp(host: &str, port: u16) -> HostPort {
    HostPort {
        host: host.into(),
        port,
    }
}

#[test]
fn parses_what_a_server_writes() {
    let text = "server.1=127.0.0.1:2888:3888:participant;0.0.0.0:2181\n\
                server.2=127.0.0.2:2889:3889:participant;127.0.0.2:2182\n\
                server.3=[::1]:2890:3890:observer;[::1]:2183\n\
                version=10000000a";
    let config = EnsembleConfig::parse(text).unwrap();
    assert_eq!(config.version, Some(0x1_0000_000a));
    assert_eq!(config.members.len(), 3);
    let first = &config.members[0];
    assert_eq!(first.id, 1);
    assert_eq!(
        first.addresses,
        vec![QuorumAddress {
            host: "127.0.0.1".into(),
            quorum_port: 2888,
            election_port: 3888
        }]
    );
    assert_eq!(first.client, Some(hp("0.0.0.0", 2181)));
    assert_eq!(first.client_address(), Some(hp("127.0.0.1", 2181)));
    assert_eq!(config.members[2].role, Role::Observer);
    assert_eq!(config.members[2].client, Some(hp("::1", 2183)));
    assert_eq!(config.participants().count(), 2);
    assert_eq!(
        config.connect_string(),
        "127.0.0.1:2181,127.0.0.2:2182,[::1]:2183"
    );
    // Written back, it reads the same.
    assert_eq!(EnsembleConfig::parse(&config.to_string()).unwrap(), config);
}

#[test]
fn optional_parts() {
    let config = EnsembleConfig::parse(
        "server.7=a:1:2\nserver.8=b:1:2|c:3:4:observer;2181;d:2281\ngroup.1=7:8\n",
    )
    .unwrap();
    assert_eq!(config.version, None);
    let [seven, eight] = &config.members[..] else {
        panic!("two members: {config:?}");
    };
    assert_eq!(
        (seven.role, seven.client.clone()),
        (Role::Participant, None)
    );
    assert_eq!(seven.client_address(), None);
    assert_eq!(eight.addresses.len(), 2);
    assert_eq!(eight.role, Role::Observer);
    assert_eq!(eight.client, Some(hp("0.0.0.0", 2181)));
    assert_eq!(eight.secure_client, Some(hp("d", 2281)));
    assert_eq!(config.other, vec![("group.1".into(), "7:8".into())]);
    assert_eq!(config.connect_string(), "b:2181");
    // Only a secure client address.
    let secure = EnsembleConfig::parse("server.1=a:1:2;;a:2281").unwrap();
    assert_eq!(secure.members[0].client, None);
    assert_eq!(EnsembleConfig::parse(&secure.to_string()).unwrap(), secure);
}

#[test]
fn errors_say_what_was_expected_and_found() {
    let cases = [
        ("version=xyz", 1, "a hexadecimal version", "xyz"),
        ("\nserver.x=a:1:2", 2, "a numeric server id", "server.x"),
        (
            "server.1=a:1",
            1,
            "host:port:port or host:port:port:role",
            "a:1",
        ),
        (
            "server.1=a:1:2:leader",
            1,
            "the role participant or observer",
            "leader",
        ),
        ("server.1=a:1:99999", 1, "a port number (0-65535)", "99999"),
        (
            "server.1=a:1:2;a:b:c",
            1,
            "a client address host:port or port",
            "a:b:c",
        ),
        (
            "server.1=[::1:1:2",
            1,
            "a ']' closing the IPv6 address",
            "[::1:1:2",
        ),
        ("just text", 1, "a key=value line", "just text"),
    ];
    for (text, line, expected, found) in cases {
        let e = EnsembleConfig::parse(text).unwrap_err();
        assert_eq!(
            (e.line, e.expected, e.found.as_str()),
            (line, expected, found),
            "{text}"
        );
    }
}

#[test]
fn bytes_must_be_utf8() {
    let e = EnsembleConfig::parse_bytes(b"server.1=a:1:2\nversion=\xff1").unwrap_err();
    assert_eq!((e.line, e.expected), (2, "UTF-8 text"));
    assert_eq!(e.found, "the bytes [ff, 31]");
}
