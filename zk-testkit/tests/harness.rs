//! Tests of the kit itself: a real server starts, answers, stops and restarts, and never
//! outlives the process that started it.
use zk_testkit::{four_letter_word, process_alive, start_server, ServerOptions, ZkServer};

#[test]
fn server_starts_answers_and_stops() {
    let mut server = start_server();
    assert_eq!(four_letter_word(server.port(), "ruok").unwrap(), "imok");
    let stat = four_letter_word(server.port(), "stat").unwrap();
    assert!(stat.contains("Mode: standalone"), "{stat}");
    let pid = server.pid().unwrap();
    let port = server.port();
    let dir = server.dir().to_path_buf();
    assert!(dir.join("zoo.cfg").is_file());
    assert!(server.is_running());
    drop(server);
    assert!(!process_alive(pid));
    assert!(four_letter_word(port, "ruok").is_err());
    assert!(!dir.exists(), "temporary directory removed");
}

#[test]
fn a_taken_fixed_port_fails_and_leaves_no_directory() {
    // Held on the wildcard address: the server binds its client port there.
    let holder = std::net::TcpListener::bind("0.0.0.0:0").unwrap();
    let port = holder.local_addr().unwrap().port();
    let err = match ZkServer::start_with(ServerOptions {
        port: Some(port),
        ..ServerOptions::default()
    }) {
        Ok(_) => panic!("a server started on port {port}, which is taken"),
        Err(e) => e.to_string(),
    };
    assert!(err.contains("Address already in use"), "{err}");
    // The error names the log in the temporary directory, which is gone.
    let log = err
        .split_whitespace()
        .find(|w| w.ends_with("zookeeper.log:"))
        .unwrap_or_else(|| panic!("no log path in {err}"));
    let dir = std::path::Path::new(log.trim_end_matches(':'))
        .parent()
        .unwrap();
    assert!(!dir.exists(), "{} left behind", dir.display());
}

#[test]
fn restart_keeps_port_and_data_dir() {
    let mut server = start_server();
    let port = server.port();
    server.stop();
    assert!(!server.is_running());
    assert!(four_letter_word(port, "ruok").is_err());
    server.restart().unwrap();
    assert_eq!(server.port(), port);
    assert_eq!(four_letter_word(port, "ruok").unwrap(), "imok");
    assert!(server.dir().join("data/version-2").is_dir());
}

#[test]
fn panicking_test_still_stops_server() {
    let (tx, rx) = std::sync::mpsc::channel();
    let result = std::thread::spawn(move || {
        let server = start_server();
        tx.send((server.pid().unwrap(), server.port())).unwrap();
        panic!("deliberate");
    })
    .join();
    assert!(result.is_err());
    let (pid, port) = rx.recv().unwrap();
    assert!(!process_alive(pid));
    assert!(four_letter_word(port, "ruok").is_err());
}

/// Set in the child process of [`server_dies_with_its_parent_even_by_sigkill`].
const CHILD_ENV: &str = "ZK_TESTKIT_LIFELINE_CHILD";

/// Runs twice: as the test, it starts this test binary again as a child (with [`CHILD_ENV`])
/// that starts a server, reports it and waits; then kills the child with `SIGKILL` (no drop
/// runs) and expects the server to go away with it.
#[test]
fn server_dies_with_its_parent_even_by_sigkill() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};

    if std::env::var_os(CHILD_ENV).is_some() {
        let server = start_server();
        #[allow(clippy::print_stdout)] // the report to the parent
        {
            println!("\nSERVER {} {}", server.pid().unwrap(), server.port());
        }
        std::thread::sleep(Duration::from_secs(120));
        drop(server);
        return;
    }
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "server_dies_with_its_parent_even_by_sigkill",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, "1")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let report = lines
        .find_map(|l| Some(l.unwrap().split_once("SERVER ")?.1.to_owned()))
        .expect("the child reports its server");
    let (pid, port) = report.split_once(' ').unwrap();
    let (pid, port): (u32, u16) = (pid.parse().unwrap(), port.parse().unwrap());
    assert_eq!(four_letter_word(port, "ruok").unwrap(), "imok");
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while (process_alive(pid) || four_letter_word(port, "ruok").is_ok())
        && Instant::now() < deadline
    {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        !process_alive(pid),
        "the server's wrapper {pid} outlived its parent"
    );
    assert!(
        four_letter_word(port, "ruok").is_err(),
        "the server on port {port} outlived its parent"
    );
}
