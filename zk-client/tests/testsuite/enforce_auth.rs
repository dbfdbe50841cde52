//! A server that enforces authentication (`enforce.auth.enabled`): a session without accepted
//! credentials gets a typed error and ends, rather than a generic server error and a loop.
use zk_client::{Error, SessionState};

use zk_testkit::{ServerOptions, ZkServer};

use crate::support;

#[tokio::test]
async fn a_session_without_credentials_is_told_authentication_is_required() {
    let server = ZkServer::start_with(ServerOptions {
        extra_config: vec![
            "enforce.auth.enabled=true".into(),
            "enforce.auth.schemes=digest".into(),
        ],
        ..ServerOptions::default()
    })
    .unwrap_or_else(|e| panic!("{e}"));
    let client = support::connect(&server).await;
    let refused = client.get_data("/zookeeper").await;
    assert_eq!(
        refused,
        Err(Error::AuthRequired {
            path: "/zookeeper".into()
        })
    );
    let mut states = client.state_watcher();
    let state = tokio::time::timeout(
        std::time::Duration::from_secs(30),
        states.wait_for(|s| s.is_terminal()),
    )
    .await
    .unwrap();
    assert_eq!(state, Some(SessionState::AuthFailed));
    match client.exists("/").await {
        Err(Error::AuthFailed { reason }) => {
            assert!(reason.contains("SESSIONCLOSEDREQUIRESASLAUTH"), "{reason}")
        }
        other => panic!("expected AuthFailed, found {other:?}"),
    }

    // With digest credentials the same server serves the session.
    let authed = zk_client::Client::builder()
        .auth("digest", "user:secret")
        .connect(&server.connect_string())
        .await
        .unwrap();
    assert!(authed.exists("/zookeeper").await.unwrap().is_some());
}
