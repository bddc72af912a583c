//! The real binary, started on a socket and stopped with a signal.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

pub struct Server {
    child: Child,
    pub address: String,
    log: BufReader<std::process::ChildStderr>,
    /// The bootstrap administrator's password, when this start created it.
    pub admin_password: Option<String>,
}

impl Server {
    /// Starts `kbs-graphql` with no subcommand, on port 0, and waits for its address.
    // The child is owned by `Server`, whose Drop kills and waits for it.
    #[allow(clippy::zombie_processes)]
    pub fn start(database: &std::path::Path) -> Server {
        Server::start_with(database, &[])
    }

    /// Starts it with more environment (settings such as `KBS_HEADER_TIMEOUT`).
    #[allow(clippy::zombie_processes)]
    pub fn start_with(database: &std::path::Path, settings: &[(&str, &str)]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_kbs-graphql"))
            .env("DATABASE_URL", database)
            .env("KBS_LISTEN", "127.0.0.1:0")
            .env("RUST_LOG", "info")
            .envs(settings.iter().copied())
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let log = BufReader::new(child.stderr.take().unwrap());
        let mut server = Server {
            child,
            address: String::new(),
            log,
            admin_password: None,
        };
        let mut line = String::new();
        while server.address.is_empty() {
            line.clear();
            let read = server.log.read_line(&mut line).unwrap();
            assert!(read > 0, "server exited before listening");
            if let Some(rest) = line.split("address=").nth(1) {
                server.address = rest.split_whitespace().next().unwrap().to_owned();
            }
            if let Some(password) = line.trim().strip_prefix("password:") {
                server.admin_password = Some(password.trim().to_owned());
            }
        }
        server
    }

    /// One HTTP/1.1 request over a fresh connection; returns the status and body.
    pub fn request(&self, method: &str, path: &str, body: &str) -> (u16, String) {
        self.request_as(None, method, path, body)
    }

    pub fn request_as(
        &self,
        authorization: Option<&str>,
        method: &str,
        path: &str,
        body: &str,
    ) -> (u16, String) {
        let mut stream = TcpStream::connect(&self.address).unwrap();
        let authorization = authorization
            .map(|a| format!("Authorization: {a}\r\n"))
            .unwrap_or_default();
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: {}\r\n{authorization}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.address,
            body.len()
        )
        .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        let status = response[9..12].parse().unwrap();
        let body = response
            .split_once("\r\n\r\n")
            .map(|(_, b)| b.to_owned())
            .unwrap_or_default();
        (status, body)
    }

    pub fn stop(&mut self) -> String {
        self.signal("TERM");
        self.wait()
    }

    /// Sends the process a signal (`TERM`, `INT`).
    pub fn signal(&self, name: &str) {
        let pid = self.child.id().to_string();
        assert!(Command::new("kill")
            .args([format!("-{name}"), pid])
            .status()
            .unwrap()
            .success());
    }

    /// Waits for the process to exit, expects success, and returns the rest of its log.
    pub fn wait(&mut self) -> String {
        let status = self.child.wait().unwrap();
        assert!(status.success(), "graceful shutdown exits 0, got {status}");
        let mut rest = String::new();
        self.log.read_to_string(&mut rest).unwrap();
        rest
    }
}

impl Drop for Server {
    /// A failed test must not leave a server behind.
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
