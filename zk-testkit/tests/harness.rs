//! Tests of the test harness itself: the real server starts, answers, stops and restarts.
use zk_testkit::{four_letter_word, process_alive, start_server};

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
