//! SASL DIGEST-MD5 against a real ZooKeeper with a `DigestLoginModule` JAAS section: the
//! session's identity, refused credentials (final, and prompt), re-authentication on every
//! reconnect, and an `enforce.auth.enabled` server.

use std::time::Duration;

use zk_client::{
    Acl, Client, ClientInfo, ConnectFailure, CreateOptions, Error, Id, Perms, SessionEvent,
    SessionState,
};
use zk_testkit::{SaslServer, ServerOptions};

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
        let refused = connect_as(&server, user, password).await;
        assert_eq!(
            refused.map(|_| ()),
            Err(Error::AuthFailed),
            "{user}/{password}"
        );
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
    support::wait_event(&mut events, "the end of the session", |e| {
        matches!(e, SessionEvent::AuthFailed)
    })
    .await;
    assert_eq!(alice.state(), SessionState::AuthFailed);
    assert_eq!(alice.exists("/").await, Err(Error::AuthFailed));
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
