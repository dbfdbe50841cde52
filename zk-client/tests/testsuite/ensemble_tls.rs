//! Read-only mode over TLS with a real three-server quorum whose servers also serve a
//! `secureClientPort` (zk-testkit's `Ensemble::start_tls`): a client allowing read-only
//! servers finds the survivor over TLS when the quorum is lost, and its read-write probes
//! (`isro`, over TLS too) move it back once the quorum returns.

use std::time::Duration;

use zk_client::{Client, CreateOptions, Error, SessionEvent, SessionState, TlsConfig};
use zk_testkit::{Ensemble, EnsembleOptions, Mode, QUORUM_TIMEOUT};

use crate::support;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_over_tls_when_the_quorum_is_lost_and_back_when_it_returns() {
    let pki = crate::tls::pki();
    // Local sessions: in 3.8 a read-only server only creates local sessions.
    let options = EnsembleOptions {
        local_sessions: true,
        ..EnsembleOptions::default()
    };
    let mut ens = Ensemble::start_tls(options, pki).unwrap_or_else(|e| panic!("{e}"));
    let secure = ens.secure_connect_string();
    let tls = TlsConfig::new().ca_file(pki.ca_pem());
    let connect = |read_only: bool| {
        Client::builder()
            .tls(tls.clone())
            .read_only(read_only)
            .session_timeout(Duration::from_secs(10))
            .connect_timeout(support::WAIT)
            .connect(&secure)
    };
    let setup = connect(false).await.unwrap();
    setup
        .create("/ro", b"kept".to_vec(), &CreateOptions::persistent())
        .await
        .unwrap();
    setup.close().await.unwrap();

    let survivor = 3;
    ens.stop(1);
    ens.stop(2);
    ens.wait_mode(survivor, Mode::ReadOnly, QUORUM_TIMEOUT)
        .unwrap();

    let zk = connect(true).await.unwrap();
    assert_eq!(zk.state(), SessionState::ConnectedReadOnly);
    let (data, _) = zk.get_data("/ro").await.unwrap();
    assert_eq!(&data[..], b"kept");
    assert_eq!(
        zk.set_data("/ro", b"no".to_vec(), None).await,
        Err(Error::NotReadOnly)
    );

    // The quorum returns: the probes (over TLS) find a read-write server.
    let mut events = zk.session_events();
    ens.restart(1).unwrap();
    ens.restart(2).unwrap();
    let within = Duration::from_secs(90);
    let mut states = zk.state_watcher();
    let state = tokio::time::timeout(
        within,
        states.wait_for(|s| *s == SessionState::Connected || s.is_terminal()),
    )
    .await
    .unwrap_or_else(|_| panic!("not read-write within {within:?}; state {}", zk.state()));
    assert_eq!(state, Some(SessionState::Connected));
    let (back, _) = support::wait_event(&mut events, "the read-write connection", |e| {
        matches!(
            e,
            SessionEvent::Connected {
                read_only: false,
                ..
            }
        )
    })
    .await;
    let SessionEvent::Connected { server, .. } = back else {
        unreachable!("wait_event returns the matching event")
    };
    // A secure port, never a plaintext one.
    assert!(
        secure.split(',').any(|s| s == server),
        "{server} not in {secure}"
    );
    zk.set_data("/ro", b"writable".to_vec(), None)
        .await
        .unwrap();
    zk.close().await.unwrap();
}
