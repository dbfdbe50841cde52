//! SASL DIGEST-MD5 against a real ZooKeeper with a `DigestLoginModule` JAAS section: the
//! session's identity, refused credentials (final, and prompt), re-authentication on every
//! reconnect, an `enforce.auth.enabled` server, and SASL over mutual TLS.

use std::time::Duration;

use zk_client::{
    Acl, Client, ClientInfo, ConnectFailure, CreateOptions, Error, Id, Perms, SessionEvent,
    SessionState, TlsConfig,
};
use zk_testkit::{ClientAuth, Jaas, SaslServer, ServerCert, ServerOptions, TlsServer};

use crate::support;

/// Far longer than any answer takes: reaching it means the client hung.
const GENEROUS: Duration = Duration::from_secs(60);

fn start(options: ServerOptions) -> SaslServer {
    SaslServer::start_with(&[("alice", "secret"), ("bob", "hunter2")], options)
        .unwrap_or_else(|e| panic!("{e}"))
}

async fn connect_as(server: &SaslServer, user: &str, password: &str) -> Result<Client, Error> {
    let connect_string = server.connect_string();
    let connecting = Client::builder()
        // Longer than GENEROUS: a refusal must not wait for it.
        .connect_timeout(GENEROUS * 2)
        .session_timeout(support::OUTLIVES_RESTART)
        .sasl_digest_md5(user, password)
        .connect(&connect_string);
    tokio::time::timeout(GENEROUS, connecting)
        .await
        .unwrap_or_else(|_| panic!("connecting as {user} hung"))
}

fn alice_only() -> Vec<Acl> {
    vec![Acl {
        perms: Perms::ALL.bits(),
        id: Id {
            scheme: "sasl".into(),
            id: "alice".into(),
        },
    }]
}

fn is_alice(who: &[ClientInfo]) -> bool {
    who.contains(&ClientInfo {
        auth_scheme: "sasl".into(),
        user: "alice".into(),
    })
}

#[tokio::test]
async fn sasl_names_the_session_and_acls_follow() {
    let server = start(ServerOptions::default());
    let alice = connect_as(&server, "alice", "secret").await.unwrap();
    assert_eq!(alice.state(), SessionState::Connected);
    let who = alice.who_am_i().await.unwrap();
    assert!(is_alice(&who), "{who:?}");
    let private = CreateOptions::persistent().with_acl(alice_only());
    alice
        .create("/alice", b"mine".to_vec(), &private)
        .await
        .unwrap();
    let (data, _) = alice.get_data("/alice").await.unwrap();
    assert_eq!(&data[..], b"mine");

    // Another SASL user and an unauthenticated client are refused by the ACL.
    let bob = connect_as(&server, "bob", "hunter2").await.unwrap();
    let who = bob.who_am_i().await.unwrap();
    assert!(!is_alice(&who), "{who:?}");
    let nobody = support::connect_to(&server.connect_string()).await;
    for client in [&bob, &nobody] {
        assert_eq!(
            client.get_data("/alice").await.map(|_| ()),
            Err(Error::NoAuth {
                path: "/alice".into()
            })
        );
    }
}

#[tokio::test]
async fn wrong_password_and_unknown_user_fail_promptly() {
    let server = start(ServerOptions::default());
    // The unknown user first: ZooKeeper 3.8's `SaslServerCallbackHandler` is shared by all
    // connections and keeps the last known user name, so an unknown user sending that user's
    // password is let in (as that name) once a known user has tried (ZOOKEEPER-4839, fixed
    // upstream after the Debian package's release).
    for (user, password) in [("mallory", "secret"), ("alice", "not-secret")] {
        match connect_as(&server, user, password).await {
            Err(Error::AuthFailed { reason }) => {
                assert!(reason.contains("AUTHFAILED"), "{user}/{password}: {reason}")
            }
            other => panic!("{user}/{password}: expected AuthFailed, found {other:?}"),
        }
    }
    // The server is fine; the right password still works.
    let alice = connect_as(&server, "alice", "secret").await.unwrap();
    assert!(alice.exists("/zookeeper").await.unwrap().is_some());
}

#[tokio::test]
async fn every_reconnect_authenticates_again() {
    let mut server = start(ServerOptions::default());
    let alice = connect_as(&server, "alice", "secret").await.unwrap();
    let private = CreateOptions::persistent().with_acl(alice_only());
    alice.create("/n", b"v".to_vec(), &private).await.unwrap();
    let session = alice.session().map(|s| s.id);
    let mut events = alice.session_events();
    for _ in 0..2 {
        server.server().restart().unwrap();
        support::wait_event(&mut events, "the reconnect", |e| {
            matches!(e, SessionEvent::Connected { .. })
        })
        .await;
        // Identities are per connection on the server: the ACL lets the resumed session
        // in only after SASL on the new connection.
        let (data, _) = tokio::time::timeout(GENEROUS, alice.get_data("/n"))
            .await
            .expect("no reply after the restart")
            .unwrap();
        assert_eq!(&data[..], b"v");
        assert!(is_alice(&alice.who_am_i().await.unwrap()));
    }
    assert_eq!(alice.session().map(|s| s.id), session);
}

#[tokio::test]
async fn credentials_refused_on_a_reconnect_end_the_session_with_the_reason() {
    let mut server = start(ServerOptions::default());
    let alice = connect_as(&server, "alice", "secret").await.unwrap();
    let mut events = alice.session_events();
    server.set_users(&[("alice", "changed")]).unwrap();
    server.server().restart().unwrap();
    let (failed, _) = support::wait_event(&mut events, "a refused SASL attempt", |e| {
        matches!(e, SessionEvent::AttemptFailed { .. })
    })
    .await;
    match failed {
        SessionEvent::AttemptFailed {
            failure: ConnectFailure::AuthFailed(reason),
            ..
        } => assert!(reason.contains("AUTHFAILED"), "{reason}"),
        other => panic!("expected an AuthFailed attempt, found {other:?}"),
    }
    let (ended, _) = support::wait_event(&mut events, "the end of the session", |e| {
        matches!(e, SessionEvent::AuthFailed { .. })
    })
    .await;
    let SessionEvent::AuthFailed { reason } = ended else {
        unreachable!("wait_event returns the matching event")
    };
    assert!(reason.contains("AUTHFAILED"), "{reason}");
    assert_eq!(alice.state(), SessionState::AuthFailed);
    assert_eq!(alice.exists("/").await, Err(Error::AuthFailed { reason }));
}

#[tokio::test]
async fn an_enforce_auth_server_serves_a_sasl_session() {
    let server = start(ServerOptions {
        extra_config: vec![
            "enforce.auth.enabled=true".into(),
            "enforce.auth.schemes=sasl".into(),
        ],
        ..ServerOptions::default()
    });
    let alice = connect_as(&server, "alice", "secret").await.unwrap();
    assert!(alice.exists("/zookeeper").await.unwrap().is_some());
    alice
        .create("/enforced", b"x".to_vec(), &CreateOptions::persistent())
        .await
        .unwrap();

    let nobody = support::connect_to(&server.connect_string()).await;
    assert_eq!(
        nobody.get_data("/zookeeper").await.map(|_| ()),
        Err(Error::AuthRequired {
            path: "/zookeeper".into()
        })
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sasl_over_mutual_tls_names_both_identities_on_every_connection() {
    let pki = crate::tls::pki();
    let jaas = Jaas::digest(&[("alice", "secret")]).unwrap();
    let options = ServerOptions {
        system_properties: jaas.system_properties(),
        ..ServerOptions::default()
    };
    let mut server =
        TlsServer::start_with_options(pki, ServerCert::Good, ClientAuth::Need, options)
            .unwrap_or_else(|e| panic!("{e}"));
    let (cert, key) = pki.client_identity();
    let tls = TlsConfig::new()
        .ca_file(pki.ca_pem())
        .identity_files(cert, key);
    let cs = server.connect_string();
    let connect = |password: &'static str| {
        let (tls, cs) = (tls.clone(), cs.clone());
        async move {
            Client::builder()
                .connect_timeout(GENEROUS * 2)
                .session_timeout(support::OUTLIVES_RESTART)
                .tls(tls)
                .sasl_digest_md5("alice", password)
                .connect(&cs)
                .await
        }
    };
    let x509 = ClientInfo {
        auth_scheme: "x509".into(),
        user: pki.client_subject().into(),
    };
    let alice = tokio::time::timeout(GENEROUS, connect("secret"))
        .await
        .expect("connecting hung")
        .unwrap();
    let who = alice.who_am_i().await.unwrap();
    assert!(is_alice(&who) && who.contains(&x509), "{who:?}");
    match tokio::time::timeout(GENEROUS, connect("wrong")).await {
        Ok(Err(Error::AuthFailed { reason })) => assert!(reason.contains("AUTHFAILED"), "{reason}"),
        other => panic!("expected AuthFailed, found {other:?}"),
    }
    // A reconnect over TLS authenticates again.
    let mut events = alice.session_events();
    server.server().restart().unwrap();
    support::wait_event(&mut events, "the reconnect", |e| {
        matches!(e, SessionEvent::Connected { .. })
    })
    .await;
    let who = tokio::time::timeout(GENEROUS, alice.who_am_i())
        .await
        .expect("no reply after the restart")
        .unwrap();
    assert!(is_alice(&who) && who.contains(&x509), "{who:?}");
}

/// A scripted server: answers the handshake, then hands the connection to `script`.
mod scripted {
    use bytes::{BufMut, Bytes, BytesMut};
    use jute::Jute;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::{TcpListener, TcpStream};
    use zk_records::proto::{
        ConnectResponse, GetSaslRequest, ReplyHeader, RequestHeader, SetSaslResponse,
    };

    pub(super) struct Conn {
        pub(super) stream: TcpStream,
        buf: BytesMut,
    }

    impl Conn {
        async fn frame(&mut self) -> Bytes {
            loop {
                if let Some(f) = jute::frame::split_frame(&mut self.buf, 1 << 20).unwrap() {
                    return f.freeze();
                }
                assert!(
                    self.stream.read_buf(&mut self.buf).await.unwrap() > 0,
                    "client hung up"
                );
            }
        }

        /// Reads a SASL request: its xid and token (any other request fails the test).
        pub(super) async fn sasl_request(&mut self) -> (i32, Bytes) {
            let frame = self.frame().await;
            let header: RequestHeader = jute::from_bytes(frame.slice(..8)).unwrap();
            assert_eq!(header.r#type, 102, "a request before SASL completed");
            let body: GetSaslRequest = jute::from_bytes(frame.slice(8..)).unwrap();
            (header.xid, body.token)
        }

        /// Answers the SASL request `xid` with `token`.
        pub(super) async fn sasl_answer(&mut self, xid: i32, token: &[u8]) {
            let body = SetSaslResponse {
                token: Some(Bytes::copy_from_slice(token)),
            };
            let mut out = BytesMut::new();
            out.put_i32((16 + body.encoded_len()) as i32);
            ReplyHeader {
                xid,
                zxid: 0,
                err: 0,
            }
            .encode(&mut out);
            body.encode(&mut out);
            self.stream.write_all(&out).await.unwrap();
        }
    }

    /// Listens on a free loopback port; returns the listener and its connect string.
    pub(super) async fn listen() -> (TcpListener, String) {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap().to_string();
        (l, addr)
    }

    /// Accepts a connection and answers its handshake with a session.
    pub(super) async fn accept(l: &TcpListener) -> Conn {
        let (stream, _) = l.accept().await.unwrap();
        let mut conn = Conn {
            stream,
            buf: BytesMut::new(),
        };
        conn.frame().await; // the ConnectRequest
        let mut out = BytesMut::new();
        jute::frame::encode_frame(
            &ConnectResponse {
                protocol_version: 0,
                time_out: 4000,
                session_id: 0x1234,
                passwd: Bytes::from_static(&[7; 16]),
                read_only: Some(false),
            },
            &mut out,
        );
        conn.stream.write_all(&out).await.unwrap();
        conn
    }
}

#[tokio::test]
async fn a_server_silent_during_sasl_costs_the_attempt_timeout_not_a_hang() {
    let (l, addr) = scripted::listen().await;
    let server = tokio::spawn(async move {
        let mut held = Vec::new();
        loop {
            let mut conn = scripted::accept(&l).await;
            let (_, token) = conn.sasl_request().await;
            assert!(token.is_empty(), "DIGEST-MD5 starts with an empty token");
            held.push(conn); // and never answers
        }
    });
    let connecting = Client::builder()
        .session_timeout(Duration::from_secs(2))
        .connect_timeout(Duration::from_secs(5))
        .sasl_digest_md5("alice", "secret")
        .connect(&addr);
    let result = tokio::time::timeout(GENEROUS, connecting)
        .await
        .expect("the client hung on a silent SASL server");
    match result.map(|_| ()) {
        Err(Error::ConnectTimeout { failures }) => assert!(
            failures.iter().all(|(_, f)| *f == ConnectFailure::TimedOut),
            "{failures:?}"
        ),
        other => panic!("expected a connect timeout, found {other:?}"),
    }
    server.abort();
}

#[tokio::test]
async fn a_server_that_does_not_know_the_password_is_refused() {
    let (l, addr) = scripted::listen().await;
    let server = tokio::spawn(async move {
        let mut conn = scripted::accept(&l).await;
        let (xid, _) = conn.sasl_request().await;
        let challenge = b"realm=\"zk-sasl-md5\",nonce=\"n0nce\",charset=utf-8,algorithm=md5-sess";
        conn.sasl_answer(xid, challenge).await;
        let (next, response) = conn.sasl_request().await;
        assert_ne!(next, xid);
        let response = String::from_utf8(response.to_vec()).unwrap();
        for part in [
            "username=\"alice\"",
            "realm=\"zk-sasl-md5\"",
            "digest-uri=\"zookeeper/zk-sasl-md5\"",
            "qop=auth",
            "nc=00000001",
            "nonce=\"n0nce\"",
        ] {
            assert!(response.contains(part), "{response:?} lacks {part}");
        }
        assert!(
            !response.contains("secret"),
            "the password went out: {response}"
        );
        // A forged proof: this server cannot know the password.
        conn.sasl_answer(next, b"rspauth=0123456789abcdef0123456789abcdef")
            .await;
        conn
    });
    match connect_to_addr(&addr).await {
        Err(Error::AuthFailed { reason }) => assert!(reason.contains("rspauth"), "{reason}"),
        other => panic!("expected AuthFailed, found {other:?}"),
    }
    drop(server.await.unwrap());
}

async fn connect_to_addr(addr: &str) -> Result<Client, Error> {
    let connecting = Client::builder()
        .connect_timeout(GENEROUS * 2)
        .sasl_digest_md5("alice", "secret")
        .connect(addr);
    tokio::time::timeout(GENEROUS, connecting)
        .await
        .expect("connecting hung")
}
