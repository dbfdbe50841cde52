//! Interoperability with Apache Curator (Debian's `libcurator-recipes-java`, run by the Java
//! harness zk-testkit's `java/CuratorHarness.java` in source-file mode): Rust `Mutex`es and Curator
//! `InterProcessMutex`es on one path exclude each other, in both directions, and their
//! fencing tokens grow in the order they held the lock.

use crate::support::peer::{each_side_waits, mixed_contention, Side};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_and_curator_contenders_never_overlap() {
    mixed_contention(Side::Curator).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_side_waits_for_curators_holder_and_the_other_way() {
    each_side_waits(Side::Curator).await;
}
