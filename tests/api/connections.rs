//! Connections as hostile or unlucky clients hold them: slow headers, idle keep-alive, answers
//! never read, more connections than allowed, and a shutdown while requests are under way.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::process::Server;

fn start(settings: &[(&str, &str)]) -> (tempfile::TempDir, Server) {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_with(&dir.path().join("connections.db"), settings);
    (dir, server)
}

fn connect(server: &Server) -> TcpStream {
    let stream = TcpStream::connect(&server.address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream
}

/// Everything the server sends until it closes the connection (or 10 s pass).
fn read_to_close(stream: &mut TcpStream) -> String {
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer).into_owned()
}

fn status_of(answer: &str) -> u16 {
    answer.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0)
}

const HEALTHZ: &[u8] = b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";

/// A GraphQL POST whose body arrives in two halves: between them, the request is under way.
fn half_sent_query(server: &Server) -> (TcpStream, &'static [u8]) {
    let body: &'static [u8] = br#"{"query":"{ __typename }"}"#;
    let mut stream = connect(server);
    write!(
        stream,
        "POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .unwrap();
    stream.write_all(&body[..10]).unwrap();
    (stream, &body[10..])
}

#[test]
fn a_client_sending_its_headers_too_slowly_is_disconnected() {
    let (_dir, server) = start(&[("KBS_HEADER_TIMEOUT", "1")]);
    let mut stream = connect(&server);
    stream.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n").unwrap();
    let started = Instant::now();
    let answer = read_to_close(&mut stream);
    let waited = started.elapsed();
    assert!(answer.is_empty(), "{answer}");
    assert!(
        waited >= Duration::from_millis(900) && waited < Duration::from_secs(5),
        "closed after {waited:?}"
    );
}

#[test]
fn an_idle_keep_alive_connection_is_closed_after_the_header_timeout() {
    let (_dir, server) = start(&[("KBS_HEADER_TIMEOUT", "1")]);
    let mut stream = connect(&server);
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut first = [0; 512];
    let read = stream.read(&mut first).unwrap();
    assert_eq!(status_of(&String::from_utf8_lossy(&first[..read])), 200);
    let started = Instant::now();
    assert_eq!(read_to_close(&mut stream), "", "nothing more, then closed");
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(900) && waited < Duration::from_secs(5),
        "closed after {waited:?}"
    );
}

#[test]
fn a_client_that_stops_reading_its_answer_is_disconnected() {
    let (_dir, server) = start(&[("KBS_WRITE_TIMEOUT", "1")]);
    // A small receive window; and eight answers asked at once (8.5 MB), more than the
    // kernel buffers for a connection (4 MB on Linux): the server must wait on the client.
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let address: std::net::SocketAddr = server.address.parse().unwrap();
    socket.connect(&address.into()).unwrap();
    let mut stream = TcpStream::from(socket);
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let (status, page) = server.request("GET", "/graphiql", "");
    assert_eq!(status, 200);
    let script = page
        .split('"')
        .find(|part| part.starts_with("graphiql/graphiql-") && part.ends_with(".min.js"))
        .expect("the page names its script");
    let (_, full) = server.request("GET", &format!("/{script}"), "");
    const ASKED: usize = 8;
    for _ in 0..ASKED {
        write!(stream, "GET /{script} HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    }
    std::thread::sleep(Duration::from_secs(3));
    let received = read_to_close(&mut stream);
    assert_eq!(status_of(&received), 200);
    assert!(
        received.len() < ASKED * full.len(),
        "the connection was closed with answers unsent: {} of {} bytes",
        received.len(),
        ASKED * full.len()
    );
}

#[test]
fn connections_beyond_the_limit_wait_until_one_closes_and_the_limit_is_logged() {
    let (_dir, mut server) = start(&[("KBS_MAX_CONNECTIONS", "2")]);
    let first = connect(&server);
    let _second = connect(&server);
    std::thread::sleep(Duration::from_millis(200));
    let mut third = connect(&server);
    third.write_all(HEALTHZ).unwrap();
    third
        .set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    let mut byte = [0; 1];
    let early = third.read(&mut byte);
    assert!(early.is_err(), "answered beyond the limit: {early:?}");

    drop(first);
    third
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let answer = read_to_close(&mut third);
    assert_eq!(status_of(&answer), 200, "{answer}");
    let log = server.stop();
    assert_eq!(
        log.matches("connection limit reached").count(),
        1,
        "one line when the limit is reached: {log}"
    );
    assert!(log.contains("--max-connections"), "{log}");
}

#[test]
fn a_shutdown_answers_the_request_under_way_while_readiness_says_503() {
    let (_dir, mut server) = start(&[]);
    let (mut under_way, rest) = half_sent_query(&server);
    std::thread::sleep(Duration::from_millis(200));
    server.signal("TERM");
    std::thread::sleep(Duration::from_millis(300));

    let mut probe = connect(&server);
    probe
        .write_all(b"GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let readiness = read_to_close(&mut probe);
    assert_eq!(status_of(&readiness), 503, "{readiness}");
    assert!(readiness.contains("shutting down"), "{readiness}");
    assert!(
        readiness.to_ascii_lowercase().contains("connection: close"),
        "answers close their connection while draining: {readiness}"
    );

    under_way.write_all(rest).unwrap();
    let answer = read_to_close(&mut under_way);
    assert_eq!(status_of(&answer), 200, "{answer}");
    assert!(answer.contains(r#""data""#), "{answer}");
    let log = server.wait();
    assert!(log.contains("stopped"), "{log}");
}

#[test]
fn a_shutdown_answers_the_connections_waiting_in_the_backlog() {
    let (_dir, mut server) = start(&[("KBS_MAX_CONNECTIONS", "1")]);
    let (mut under_way, rest) = half_sent_query(&server);
    std::thread::sleep(Duration::from_millis(200));
    // The only slot is taken: these wait in the kernel's backlog, their requests sent.
    let mut waiting: Vec<TcpStream> = (0..3)
        .map(|_| {
            let mut stream = connect(&server);
            stream.write_all(HEALTHZ).unwrap();
            stream
        })
        .collect();
    std::thread::sleep(Duration::from_millis(200));
    server.signal("TERM");
    std::thread::sleep(Duration::from_millis(200));
    under_way.write_all(rest).unwrap();

    assert_eq!(status_of(&read_to_close(&mut under_way)), 200);
    for (n, stream) in waiting.iter_mut().enumerate() {
        let answer = read_to_close(stream);
        assert_eq!(
            status_of(&answer),
            200,
            "backlogged connection {n}: {answer:?}"
        );
    }
    server.wait();
}

#[test]
fn a_shutdown_ends_within_its_grace_period_whatever_clients_do() {
    let (_dir, mut server) = start(&[("KBS_SHUTDOWN_GRACE", "1"), ("KBS_HEADER_TIMEOUT", "60")]);
    // A request whose headers never end, and a connection that never sends anything.
    let mut stuck = connect(&server);
    stuck.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n").unwrap();
    let mut silent = connect(&server);
    std::thread::sleep(Duration::from_millis(200));
    let started = Instant::now();
    server.signal("TERM");
    let log = server.wait();
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(4),
        "exited after {took:?}"
    );
    assert!(log.contains("grace period over"), "{log}");
    assert_eq!(read_to_close(&mut stuck), "");
    assert_eq!(read_to_close(&mut silent), "");
}
