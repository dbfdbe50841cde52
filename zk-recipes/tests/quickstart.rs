//! Runs the quick-start example (`examples/quickstart.rs`) in-process and checks what it prints.

#[path = "../examples/quickstart.rs"]
mod example;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quickstart_prints_each_step_and_change() {
    let mut out = Vec::new();
    let started = std::time::Instant::now();
    let result = example::run(&mut out).await;
    let text = String::from_utf8_lossy(&out);
    if let Err(e) = result {
        panic!("the quick start failed: {e}\noutput:\n{text}");
    }
    let lines: Vec<&str> = text.lines().collect();
    // The server's port and the session id vary; everything else is fixed.
    let expected = [
        "starting ZooKeeper (standalone, loopback, temporary data directory)",
        "ZooKeeper is serving on 127.0.0.1:",
        "connected: session 0x",
        "following /services/demo with a service cache",
        "registered /services/demo/instance-1",
        "added: instance-1 at http://127.0.0.1:8080",
        "instances of demo: [instance-1]",
        "registered /services/demo/instance-2 (second session)",
        "added: instance-2 at http://127.0.0.1:8081",
        "instances of demo: [instance-1, instance-2]",
        "round-robin provider: http://127.0.0.1:8080, http://127.0.0.1:8081, http://127.0.0.1:8080",
        "closed the second session: its instance goes away",
        "removed: instance-2 at http://127.0.0.1:8081",
        "instances of demo: [instance-1]",
        "unregistered instance-1",
        "removed: instance-1 at http://127.0.0.1:8080",
        "instances of demo: []",
        "closed the session and stopped ZooKeeper",
    ];
    assert_eq!(lines.len(), expected.len(), "{text}");
    for (line, want) in lines.iter().zip(expected) {
        assert!(
            line.starts_with(want),
            "expected {want:?}, got {line:?}\n{text}"
        );
    }
    // The server's start dominates; the example itself takes well under a few seconds.
    assert!(started.elapsed() < std::time::Duration::from_secs(60));
}
