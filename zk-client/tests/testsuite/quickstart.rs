//! Runs the quick-start example (`examples/quickstart.rs`) in-process and checks what it prints.

#[path = "../../examples/quickstart.rs"]
mod example;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quickstart_prints_each_step_and_event() {
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
        "created /services/demo",
        "watching /services/demo (persistent, recursive)",
        "registered /services/demo/instance-0000000000",
        "event: NodeCreated /services/demo/instance-0000000000",
        "membership changed: [instance-0000000000]",
        "registered /services/demo/instance-0000000001 (second session)",
        "event: NodeCreated /services/demo/instance-0000000001",
        "membership changed: [instance-0000000000, instance-0000000001]",
        "closed the second session: its instance goes away",
        "event: NodeDeleted /services/demo/instance-0000000001",
        "membership changed: [instance-0000000000]",
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
