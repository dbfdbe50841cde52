//! Transactions and batched reads against a real ZooKeeper server, and chroot handling.
use crate::support;

use zk_client::{CreateMode, CreateOptions, Error, Op, OpResult, ReadOp, ReadResult};

#[tokio::test]
async fn multi_commits_all_operations() {
    let server = support::start_server();
    let zk = support::connect(&server).await;
    zk.create("/m", b"0".to_vec(), &CreateOptions::persistent())
        .await
        .unwrap();
    let results = zk
        .multi(&[
            Op::check("/m", 0),
            Op::create("/m/a", b"a".to_vec(), CreateOptions::persistent()),
            Op::create(
                "/m/s-",
                Vec::new(),
                CreateOptions::new(CreateMode::PersistentSequential),
            ),
            Op::set_data("/m", b"1".to_vec(), Some(0)),
            Op::create("/m/gone", Vec::new(), CreateOptions::persistent()),
            Op::delete("/m/gone", None),
        ])
        .await
        .unwrap();
    assert_eq!(results.len(), 6);
    assert_eq!(results[0], OpResult::Check);
    assert_eq!(
        results[1],
        OpResult::Create {
            path: "/m/a".into(),
            stat: None
        }
    );
    assert!(matches!(&results[2], OpResult::Create { path, .. } if path.starts_with("/m/s-")));
    assert!(matches!(&results[3], OpResult::SetData { stat } if stat.version == 1));
    assert_eq!(results[5], OpResult::Delete);
    assert_eq!(&zk.get_data("/m").await.unwrap().0[..], b"1");
    assert!(zk.exists("/m/gone").await.unwrap().is_none());
    assert!(zk.multi(&[]).await.unwrap().is_empty());
}

#[tokio::test]
async fn failing_multi_names_the_operation_and_rolls_back() {
    let server = support::start_server();
    let zk = support::connect(&server).await;
    zk.create("/f", Vec::new(), &CreateOptions::persistent())
        .await
        .unwrap();
    let err = zk
        .multi(&[
            Op::create("/f/new", Vec::new(), CreateOptions::persistent()),
            Op::set_data("/f", b"x".to_vec(), None),
            Op::check("/f", 42),
            Op::delete("/f/absent", None),
        ])
        .await
        .unwrap_err();
    assert_eq!(
        err,
        Error::Multi {
            index: 2,
            source: Box::new(Error::BadVersion { path: "/f".into() })
        }
    );
    assert!(err.to_string().contains("operation 2"), "{err}");
    assert!(zk.exists("/f/new").await.unwrap().is_none(), "rolled back");
    assert_eq!(zk.get_data("/f").await.unwrap().1.version, 0);

    let err = zk
        .multi(&[Op::delete("/f/absent", None)])
        .await
        .unwrap_err();
    assert_eq!(
        err,
        Error::Multi {
            index: 0,
            source: Box::new(Error::NoNode {
                path: "/f/absent".into()
            })
        }
    );
    // Invalid input is refused before sending.
    assert!(matches!(
        zk.multi(&[Op::check("bad", 0)]).await,
        Err(Error::InvalidPath { .. })
    ));
}

#[tokio::test]
async fn multi_read_reports_each_read() {
    let server = support::start_server();
    let zk = support::connect(&server).await;
    zk.create("/r", b"data".to_vec(), &CreateOptions::persistent())
        .await
        .unwrap();
    zk.create("/r/k", Vec::new(), &CreateOptions::persistent())
        .await
        .unwrap();
    let results = zk
        .multi_read(&[
            ReadOp::GetData { path: "/r".into() },
            ReadOp::GetChildren { path: "/r".into() },
            ReadOp::GetData {
                path: "/missing".into(),
            },
        ])
        .await
        .unwrap();
    assert!(
        matches!(&results[0], ReadResult::Data { data, stat } if &data[..] == b"data" && stat.num_children == 1)
    );
    assert_eq!(
        results[1],
        ReadResult::Children {
            children: vec!["k".into()]
        }
    );
    assert_eq!(
        results[2],
        ReadResult::Error(Error::NoNode {
            path: "/missing".into()
        })
    );
}

#[tokio::test]
async fn chroot_is_added_and_stripped_everywhere() {
    let server = support::start_server();
    let root = support::connect(&server).await;
    root.create("/app", Vec::new(), &CreateOptions::persistent())
        .await
        .unwrap();
    root.create("/apple", Vec::new(), &CreateOptions::persistent())
        .await
        .unwrap();
    let zk = support::connect_to(&format!("{}/app", server.connect_string())).await;
    assert_eq!(zk.chroot().as_str(), Some("/app"));
    let p = zk
        .create("/n", b"1".to_vec(), &CreateOptions::persistent())
        .await
        .unwrap();
    assert_eq!(p, "/n");
    assert!(root.exists("/app/n").await.unwrap().is_some());
    let (seq, _) = zk
        .create2(
            "/n/s-",
            Vec::new(),
            &CreateOptions::new(CreateMode::EphemeralSequential),
        )
        .await
        .unwrap();
    assert_eq!(seq, "/n/s-0000000000");
    // An ephemeral outside the chroot whose path shares its prefix is not reported.
    zk.create("/e", Vec::new(), &CreateOptions::ephemeral())
        .await
        .unwrap();
    assert_eq!(zk.get_children("/").await.unwrap().len(), 2);
    let mut eph = zk.get_ephemerals("/").await.unwrap();
    eph.sort();
    assert_eq!(eph, ["/e".to_string(), seq.clone()]);
    let results = zk
        .multi(&[Op::create("/m", Vec::new(), CreateOptions::persistent())])
        .await
        .unwrap();
    assert_eq!(
        results,
        [OpResult::Create {
            path: "/m".into(),
            stat: None
        }]
    );
    assert!(root.exists("/app/m").await.unwrap().is_some());
    assert_eq!(
        zk.get_data("/nope").await,
        Err(Error::NoNode {
            path: "/nope".into()
        })
    );
    let (_, _, w) = zk.get_data_and_watch("/n").await.unwrap();
    root.set_data("/app/n", b"2".to_vec(), None).await.unwrap();
    assert_eq!(w.changed().await.unwrap().path, "/n");
    // "/" under a chroot is the chroot node itself; the config node is outside it.
    assert_eq!(zk.exists("/").await.unwrap().unwrap().num_children, 3);
    zk.get_config().await.unwrap();
}
