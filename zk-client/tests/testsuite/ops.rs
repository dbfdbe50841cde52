//! Every operation against a real ZooKeeper server.
use crate::support;

use std::time::Duration;

use zk_client::{Acl, ClientInfo, CreateMode, CreateOptions, Error, Id, Perms, SessionState};

#[tokio::test]
async fn create_get_set_delete() {
    let server = support::start_server();
    let zk = support::connect(&server).await;
    assert_eq!(zk.state(), SessionState::Connected);
    assert!(zk.session().unwrap().id != 0);

    let path = zk
        .create("/a", b"hello".to_vec(), &CreateOptions::persistent())
        .await
        .unwrap();
    assert_eq!(path, "/a");
    let (data, stat) = zk.get_data("/a").await.unwrap();
    assert_eq!(&data[..], b"hello");
    assert_eq!(stat.version, 0);
    assert_eq!(stat.data_length, 5);

    let stat = zk.set_data("/a", b"world".to_vec(), Some(0)).await.unwrap();
    assert_eq!(stat.version, 1);
    assert_eq!(
        zk.set_data("/a", b"x".to_vec(), Some(0)).await,
        Err(Error::BadVersion { path: "/a".into() })
    );
    assert_eq!(
        zk.create("/a", Vec::new(), &CreateOptions::persistent())
            .await,
        Err(Error::NodeExists { path: "/a".into() })
    );
    zk.create("/a/b", Vec::new(), &CreateOptions::persistent())
        .await
        .unwrap();
    assert_eq!(
        zk.delete("/a", None).await,
        Err(Error::NotEmpty { path: "/a".into() })
    );
    assert_eq!(
        zk.delete("/a/b", Some(7)).await,
        Err(Error::BadVersion {
            path: "/a/b".into()
        })
    );
    zk.delete("/a/b", Some(0)).await.unwrap();
    zk.delete("/a", None).await.unwrap();
    assert_eq!(zk.exists("/a").await.unwrap(), None);
    assert_eq!(
        zk.get_data("/a").await,
        Err(Error::NoNode { path: "/a".into() })
    );
    assert_eq!(
        zk.delete("/nope", None).await,
        Err(Error::NoNode {
            path: "/nope".into()
        })
    );
    assert!(matches!(
        zk.get_data("no-slash").await,
        Err(Error::InvalidPath { .. })
    ));
}

#[tokio::test]
async fn create_modes_and_create2() {
    let server = support::start_server();
    let zk = support::connect(&server).await;
    let (path, stat) = zk
        .create2("/p", b"d".to_vec(), &CreateOptions::persistent())
        .await
        .unwrap();
    assert_eq!(path, "/p");
    assert_eq!(
        (stat.version, stat.data_length, stat.ephemeral_owner),
        (0, 1, 0)
    );

    let seq = CreateOptions::new(CreateMode::PersistentSequential);
    let s1 = zk.create("/p/s-", Vec::new(), &seq).await.unwrap();
    let s2 = zk.create("/p/s-", Vec::new(), &seq).await.unwrap();
    // The counter is the parent's child version.
    assert_eq!(s1, "/p/s-0000000000");
    assert_eq!(s2, "/p/s-0000000001");
    let s3 = zk.create("/p/", Vec::new(), &seq).await.unwrap();
    assert_eq!(s3, "/p/0000000002");

    let (eph, stat) = zk
        .create2("/p/e", Vec::new(), &CreateOptions::ephemeral())
        .await
        .unwrap();
    assert_eq!(eph, "/p/e");
    assert_eq!(stat.ephemeral_owner, zk.session().unwrap().id);
    let es = zk
        .create(
            "/p/es-",
            Vec::new(),
            &CreateOptions::new(CreateMode::EphemeralSequential),
        )
        .await
        .unwrap();
    assert!(es.starts_with("/p/es-"), "{es}");
    assert_eq!(
        zk.create("/p/e/child", Vec::new(), &CreateOptions::persistent())
            .await,
        Err(Error::NoChildrenForEphemerals {
            path: "/p/e/child".into()
        })
    );

    let (c, _) = zk
        .create2("/c", Vec::new(), &CreateOptions::new(CreateMode::Container))
        .await
        .unwrap();
    assert_eq!(c, "/c");

    let ttl = CreateOptions::new(CreateMode::PersistentWithTtl).with_ttl(Duration::from_secs(60));
    let (t, stat) = zk.create2("/ttl", b"t".to_vec(), &ttl).await.unwrap();
    assert_eq!(t, "/ttl");
    assert_eq!(stat.data_length, 1);
    let ttl_seq = CreateOptions::new(CreateMode::PersistentSequentialWithTtl)
        .with_ttl(Duration::from_secs(60));
    let ts = zk.create("/ttl-", Vec::new(), &ttl_seq).await.unwrap();
    assert!(ts.starts_with("/ttl-0"), "{ts}");

    // A second session sees the ephemerals go when the first closes.
    let other = support::connect(&server).await;
    assert!(other.exists("/p/e").await.unwrap().is_some());
    let mut ephemerals = zk.get_ephemerals("/").await.unwrap();
    ephemerals.sort();
    assert_eq!(ephemerals, ["/p/e".to_string(), es.clone()]);
    assert_eq!(zk.get_ephemerals("/p/es").await.unwrap(), vec![es.clone()]);
    zk.close().await.unwrap();
    assert_eq!(zk.state(), SessionState::Closed);
    assert_eq!(zk.exists("/p").await, Err(Error::Closed));
    assert_eq!(other.exists("/p/e").await.unwrap(), None);
    assert_eq!(other.exists(&es).await.unwrap(), None);
}

#[tokio::test]
async fn children_counts_sync_and_stat() {
    let server = support::start_server();
    let zk = support::connect(&server).await;
    zk.create("/r", Vec::new(), &CreateOptions::persistent())
        .await
        .unwrap();
    for name in ["x", "y", "z"] {
        zk.create(
            &format!("/r/{name}"),
            Vec::new(),
            &CreateOptions::persistent(),
        )
        .await
        .unwrap();
    }
    zk.create("/r/x/deep", Vec::new(), &CreateOptions::persistent())
        .await
        .unwrap();
    let mut children = zk.get_children("/r").await.unwrap();
    children.sort();
    assert_eq!(children, ["x", "y", "z"]);
    let (mut children2, stat) = zk.get_children2("/r").await.unwrap();
    children2.sort();
    assert_eq!(children2, children);
    assert_eq!(stat.num_children, 3);
    assert_eq!(zk.get_all_children_number("/r").await.unwrap(), 4);
    zk.sync("/r").await.unwrap();
    let stat = zk.exists("/r/y").await.unwrap().unwrap();
    assert_eq!(stat.num_children, 0);
    assert_eq!(
        zk.get_children("/missing").await,
        Err(Error::NoNode {
            path: "/missing".into()
        })
    );
}

#[tokio::test]
async fn acl_and_digest_auth() {
    let server = support::start_server();
    let zk = support::connect(&server).await;
    zk.add_auth("digest", b"alice:secret".to_vec())
        .await
        .unwrap();
    let who = zk.who_am_i().await.unwrap();
    assert!(
        who.contains(&ClientInfo {
            auth_scheme: "digest".into(),
            user: "alice".into()
        }),
        "{who:?}"
    );
    // creator_all: only alice may touch it.
    let private = CreateOptions::persistent().with_acl(zk_records_creator_all());
    zk.create("/private", b"s".to_vec(), &private)
        .await
        .unwrap();
    let (acl, stat) = zk.get_acl("/private").await.unwrap();
    assert_eq!(acl.len(), 1);
    assert_eq!(acl[0].id.scheme, "digest");
    assert!(acl[0].id.id.starts_with("alice:"));
    assert_eq!(stat.aversion, 0);

    let stranger = support::connect(&server).await;
    assert_eq!(
        stranger.get_data("/private").await,
        Err(Error::NoAuth {
            path: "/private".into()
        })
    );
    stranger
        .add_auth("digest", b"alice:secret".to_vec())
        .await
        .unwrap();
    assert_eq!(&stranger.get_data("/private").await.unwrap().0[..], b"s");

    // Read-only for everyone else.
    let read_only = vec![
        Acl {
            perms: Perms::READ.bits(),
            id: Id {
                scheme: "world".into(),
                id: "anyone".into(),
            },
        },
        acl[0].clone(),
    ];
    let stat = zk.set_acl("/private", &read_only, Some(0)).await.unwrap();
    assert_eq!(stat.aversion, 1);
    assert_eq!(
        zk.set_acl("/private", &read_only, Some(0)).await,
        Err(Error::BadVersion {
            path: "/private".into()
        })
    );
    let third = support::connect(&server).await;
    assert_eq!(&third.get_data("/private").await.unwrap().0[..], b"s");
    assert_eq!(
        third.set_data("/private", b"no".to_vec(), None).await,
        Err(Error::NoAuth {
            path: "/private".into()
        })
    );
    assert!(matches!(
        zk.set_acl("/private", &[], None).await,
        Err(Error::InvalidAcl { .. })
    ));
}

fn zk_records_creator_all() -> Vec<Acl> {
    vec![Acl {
        perms: Perms::ALL.bits(),
        id: Id {
            scheme: "auth".into(),
            id: Default::default(),
        },
    }]
}

#[tokio::test]
async fn auth_failure_ends_the_session() {
    let server = support::start_server();
    let zk = support::connect(&server).await;
    // No provider for the scheme: the server answers AUTHFAILED and drops the connection.
    let err = zk.add_auth("no-such-scheme", b"x".to_vec()).await;
    let refused = Error::AuthFailed {
        reason: "the server refused the credentials given to add_auth (AUTHFAILED)".into(),
    };
    assert_eq!(err, Err(refused.clone()));
    assert_eq!(zk.state(), SessionState::AuthFailed);
    assert_eq!(zk.exists("/").await, Err(refused));
}

#[tokio::test]
async fn large_data_up_to_the_limit() {
    let server = support::start_server();
    let zk = support::connect(&server).await;
    let big: Vec<u8> = (0..1_000_000u32).map(|i| (i % 251) as u8).collect();
    zk.create("/big", big.clone(), &CreateOptions::persistent())
        .await
        .unwrap();
    let (data, stat) = zk.get_data("/big").await.unwrap();
    assert_eq!(stat.data_length, 1_000_000);
    assert!(data[..] == big[..]);
    // Over the server's jute.maxbuffer: refused before sending, the session stays usable.
    let too_big = vec![0u8; 0x100000];
    assert!(matches!(
        zk.set_data("/big", too_big, None).await,
        Err(Error::InvalidArgument(_))
    ));
    assert_eq!(zk.get_data("/big").await.unwrap().1.data_length, 1_000_000);

    // Large setData bodies are written from the caller's buffer (shared chunks, vectored
    // writes) while small requests are queued around them: every byte arrives in order.
    let mut tasks = tokio::task::JoinSet::new();
    for round in 0..8u32 {
        let data: Vec<u8> = (0..200_000u32).map(|i| ((i + round) % 253) as u8).collect();
        let path = format!("/big-{round}");
        let zk = zk.clone();
        tasks.spawn(async move {
            zk.create(&path, Vec::new(), &CreateOptions::persistent())
                .await
                .unwrap();
            let small = async {
                for _ in 0..20 {
                    assert!(zk.exists("/big").await.unwrap().is_some());
                }
            };
            let (set, ()) = tokio::join!(zk.set_data(&path, data.clone(), None), small);
            assert_eq!(set.unwrap().data_length, 200_000);
            let (back, _) = zk.get_data(&path).await.unwrap();
            assert!(back[..] == data[..], "{path}");
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.unwrap();
    }
}

#[tokio::test]
async fn get_config_and_unimplemented_ttl_bounds() {
    let server = support::start_server();
    let zk = support::connect(&server).await;
    // Standalone servers have an empty (but present) config node.
    let (_config, stat) = zk.get_config().await.unwrap();
    assert!(stat.czxid >= 0);
    let bad = CreateOptions::new(CreateMode::PersistentWithTtl)
        .with_ttl(Duration::from_millis(zk_client::MAX_TTL_MS as u64 + 1));
    assert!(matches!(
        zk.create("/t", Vec::new(), &bad).await,
        Err(Error::InvalidArgument(_))
    ));
}

#[tokio::test]
async fn an_oversized_reply_fails_its_request_and_leaves_the_others_retryable() {
    let server = support::start_server();
    let setup = support::connect(&server).await;
    setup
        .create("/oversized", vec![7u8; 8192], &CreateOptions::persistent())
        .await
        .unwrap();
    let zk = zk_client::Client::builder()
        .session_timeout(Duration::from_secs(6))
        .max_reply_len(4096)
        .connect(&server.connect_string())
        .await
        .unwrap();
    // Written together: the get's reply is refused, which resets the connection after the
    // server has read (and may have applied) the create behind it.
    let sequential = CreateOptions::new(CreateMode::PersistentSequential);
    let (get, create) = tokio::join!(
        zk.get_data("/oversized"),
        zk.create("/seq-", Vec::new(), &sequential)
    );
    assert!(matches!(get, Err(Error::Protocol(_))), "{get:?}");
    match create {
        Ok(path) => assert!(path.starts_with("/seq-"), "{path}"),
        Err(e) => assert!(e == Error::ConnectionLoss && e.may_have_run(), "{e:?}"),
    }
    // The session survives: the next request runs on a new connection.
    assert!(zk.exists("/oversized").await.unwrap().is_some());
}
