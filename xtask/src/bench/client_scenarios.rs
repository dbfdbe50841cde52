//! The workloads of `cargo xtask bench client`: each scenario's flags, as every client of the
//! rotation gets them, and the floors that take part in the fixed-rate one.

/// One workload, run by every client with the same flags.
pub(crate) struct Scenario {
    pub(crate) name: &'static str,
    pub(crate) what: &'static str,
    pub(crate) flags: Vec<String>,
    /// Bytes per key node (`--value-size`, set up before the scenario).
    pub(crate) value_size: usize,
    /// kazoo takes part (it cannot keep up everywhere: see the notes).
    pub(crate) kazoo: bool,
    /// The Rust peers take part (closed-loop workloads only).
    pub(crate) peers: bool,
    /// The floors (`zk-bench --floor`, no client library) take part: fixed-rate `get` only.
    pub(crate) floors: bool,
}

impl Scenario {
    pub(crate) fn fixed_rate(&self) -> bool {
        self.flags.iter().any(|f| f == "--rate")
    }
}

/// The floors' labels, `floor-` and their `zk-bench --floor` value: the same requests written
/// onto a socket in four thread structures, so the clients' CPU per operation at a fixed rate
/// can be read against what the OS alone costs.
pub(crate) const FLOORS: [&str; 4] = [
    "floor-blocking",
    "floor-tokio-one-task",
    "floor-tokio-two-tasks",
    "floor-caller-writes",
];

pub(crate) fn flags(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

pub(crate) fn scenarios() -> Vec<Scenario> {
    let s = |name, what, f: &[&str], value_size, kazoo, peers, floors| Scenario {
        name,
        what,
        flags: flags(f),
        value_size,
        kazoo,
        peers,
        floors,
    };
    vec![
        s(
            "get-pipelined",
            "1 session, 64 outstanding getData of 1 KiB values, 1,000 keys",
            &[
                "--sessions",
                "1",
                "--pipeline",
                "64",
                "--mix",
                "read",
                "--value-size",
                "1024",
            ],
            1024,
            true,
            true,
            false,
        ),
        s(
            "get-sequential",
            "1 session, one getData of a 1 KiB value at a time (latency)",
            &[
                "--sessions",
                "1",
                "--pipeline",
                "1",
                "--mix",
                "read",
                "--value-size",
                "1024",
            ],
            1024,
            true,
            true,
            false,
        ),
        s(
            "create-delete",
            "1 session, 64 outstanding: create of a 100-byte node or delete of one (50/50)",
            &["--sessions", "1", "--pipeline", "64", "--mix", "churn"],
            100,
            true,
            true,
            false,
        ),
        s(
            "children-1000",
            "1 session, 16 outstanding getChildren of a node with 1,000 children",
            &["--sessions", "1", "--pipeline", "16", "--mix", "children"],
            100,
            true,
            true,
            false,
        ),
        s(
            "mixed",
            "4 sessions x 16 outstanding, get=80,set=10,create=5,delete=5",
            &["--sessions", "4", "--pipeline", "16", "--mix", "mixed"],
            100,
            true,
            true,
            false,
        ),
        s(
            "watch-churn",
            "1 session x 16: getData+watch, setData, notification (one op)",
            &["--sessions", "1", "--pipeline", "16", "--mix", "watch"],
            100,
            true,
            true,
            false,
        ),
        s(
            "get-rate",
            "1 session, getData at an equal open-loop rate of 4,000 ops/s (at most 100 \
             outstanding)",
            &[
                "--sessions",
                "1",
                "--pipeline",
                "100",
                "--mix",
                "read",
                "--rate",
                "4000",
            ],
            100,
            true,
            false,
            true,
        ),
    ]
}
