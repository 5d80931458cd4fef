//! The service under hostile load, over real sockets: wrong passwords, idle and slow
//! connections, more connections than file descriptors. Each test starts its own
//! `drainplan serve`. (The sign-in flood, which measures latency, has a test binary of its
//! own, tests/sign_in_flood.rs, so that nothing else runs beside it.)

#![expect(
    clippy::unwrap_used,
    reason = "a load test fails loudly on any I/O surprise"
)]

mod common;

use std::io::{Read, Write};
use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use common::{PASSWORD, Server, connect_from, copy_fixture};

/// The documented limits (README, "Limits and timeouts").
const HEADER_READ: Duration = Duration::from_secs(10);
const BODY_READ: Duration = Duration::from_secs(30);
/// Time allowed beyond a limit for the server to notice and close.
const SLACK: Duration = Duration::from_secs(2);

#[test]
fn wrong_passwords_back_off_with_retry_after_and_a_right_one_then_works() {
    let dir = copy_fixture("small", "backoff");
    let server = Server::start(&dir, &[]);
    let sign_in = |password: &str| {
        server.request(
            Some(Ipv4Addr::new(127, 0, 2, 1)),
            "POST /api/session HTTP/1.1\r\nContent-Type: application/json",
            &format!(r#"{{"name":"officer","password":"{password}"}}"#),
        )
    };
    // Five free tries from one address, then 429 with the wait in the body.
    for _ in 0..5 {
        assert_eq!(sign_in("wrong").0, 401);
    }
    assert_eq!(sign_in("wrong").0, 401);
    let (status, body) = sign_in(PASSWORD);
    assert_eq!(status, 429, "{body}");
    assert!(body.contains("retry_after_s"), "{body}");
    // After the second's back-off, the right password works.
    std::thread::sleep(Duration::from_millis(1100));
    assert_eq!(sign_in(PASSWORD).0, 201);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Seconds until the server closes `s` (reads until EOF or reset), with what it sent.
fn seconds_until_closed(mut s: std::net::TcpStream) -> (f64, String) {
    let t = Instant::now();
    s.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
        }
    }
    (
        t.elapsed().as_secs_f64(),
        String::from_utf8_lossy(&got).into_owned(),
    )
}

#[test]
fn idle_slow_and_half_sent_connections_are_closed_in_time() {
    let dir = copy_fixture("small", "timeouts");
    let server = Server::start(&dir, &[]);
    let addr = server.addr.clone();
    let open = |ip: u8| connect_from(&addr, Some(Ipv4Addr::new(127, 0, 3, ip)));

    // Connected, never a byte.
    let idle = open(1);
    // A head sent one byte a second (slowloris).
    let mut slowloris = open(2);
    slowloris
        .write_all(b"GET /conformance HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    let drip = {
        let mut s = slowloris.try_clone().unwrap();
        std::thread::spawn(move || {
            for _ in 0..40 {
                std::thread::sleep(Duration::from_secs(1));
                if s.write_all(b"X").is_err() {
                    break;
                }
            }
        })
    };
    // A body promised at 1 000 bytes, 10 sent.
    let mut half = open(3);
    half.write_all(
        b"POST /api/analyses/route-impact HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"route\": ",
    )
    .unwrap();
    // One whole request, then kept open and idle.
    let mut kept = open(4);
    kept.write_all(b"GET /conformance HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();

    let handles: Vec<_> = [idle, slowloris, half, kept]
        .into_iter()
        .map(|s| std::thread::spawn(move || seconds_until_closed(s)))
        .collect();
    let results: Vec<(f64, String)> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    drip.join().unwrap();
    let names = ["idle", "slowloris", "half-sent body", "idle keep-alive"];
    for ((secs, got), name) in results.iter().zip(names) {
        eprintln!("{name}: closed after {secs:.1} s: {:?}", got.lines().next());
    }
    let header = (HEADER_READ + SLACK).as_secs_f64();
    assert!(results[0].0 < header, "idle: {:.1} s", results[0].0);
    assert!(results[1].0 < header, "slowloris: {:.1} s", results[1].0);
    assert!(
        results[2].0 < (BODY_READ + SLACK).as_secs_f64() && results[2].0 > 5.0,
        "half-sent body: {:.1} s",
        results[2].0
    );
    assert!(
        results[2].1.starts_with("HTTP/1.1 408"),
        "a body that never came is a 408: {}",
        results[2].1
    );
    assert!(results[3].1.starts_with("HTTP/1.1 200"), "{}", results[3].1);
    assert!(
        results[3].0 < header,
        "idle keep-alive: {:.1} s",
        results[3].0
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn more_idle_sockets_than_file_descriptors_do_not_lock_clients_out() {
    let dir = copy_fixture("small", "fds");
    // 256 descriptors: the service serves at most 192 connections (64 kept for files).
    let server = Server::start(&dir, &["prlimit", "--nofile=256:256", "--"]);
    // 300 idle connections from three addresses (100 each, under the per-client cap).
    let idle: Vec<_> = (0..300u16)
        .map(|i| {
            connect_from(
                &server.addr,
                Some(Ipv4Addr::new(127, 0, 4, 1 + (i % 3) as u8)),
            )
        })
        .collect();
    std::thread::sleep(Duration::from_millis(500));
    // A new client waits at most until idle connections time out, then is served.
    let t = Instant::now();
    let (status, _) = server.request(
        Some(Ipv4Addr::new(127, 0, 4, 9)),
        "GET /conformance HTTP/1.1",
        "",
    );
    let waited = t.elapsed();
    eprintln!(
        "served after {:.1} s with 300 idle sockets",
        waited.as_secs_f64()
    );
    assert_eq!(status, 200);
    assert!(waited < HEADER_READ + SLACK, "{waited:?}");
    drop(idle);
    // One client cannot hold more than its share: past 128, its connections are closed.
    let mine: Vec<_> = (0..140)
        .map(|_| connect_from(&server.addr, Some(Ipv4Addr::new(127, 0, 4, 20))))
        .collect();
    std::thread::sleep(Duration::from_millis(500));
    let closed = mine
        .iter()
        .filter(|s| {
            let mut s = (*s).try_clone().unwrap();
            s.set_nonblocking(true).unwrap();
            // EOF or a reset is a closed connection; nothing to read an open one.
            match s.read(&mut [0u8; 1]) {
                Ok(0) => true,
                Ok(_) => false,
                Err(e) => !matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ),
            }
        })
        .count();
    eprintln!("{closed} of 140 connections from one address closed");
    assert_eq!(closed, 140 - 128);
    let (status, _) = server.request(None, "GET /conformance HTTP/1.1", "");
    assert_eq!(status, 200);
    let _ = std::fs::remove_dir_all(&dir);
}
