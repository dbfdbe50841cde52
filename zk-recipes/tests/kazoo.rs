//! Interoperability with kazoo (Debian's `python3-kazoo`, run by the Python harness
//! `tests/python/kazoo_harness.py`): with `Layout::Kazoo`, Rust `Mutex`es and kazoo `Lock`s
//! on one path exclude each other, in both directions.
mod support;

use support::peer::{each_side_waits, mixed_contention, Side};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_and_kazoo_contenders_never_overlap() {
    mixed_contention(Side::Kazoo).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_side_waits_for_kazoos_holder_and_the_other_way() {
    each_side_waits(Side::Kazoo).await;
}
