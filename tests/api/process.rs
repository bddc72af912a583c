//! The real binary, started on a socket and stopped with a signal.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

const BINARY: &str = env!("CARGO_BIN_EXE_kbs-graphql");

/// Runs as root, whom file permissions do not stop.
pub fn running_as_root() -> bool {
    std::fs::read_to_string("/proc/self/status").is_ok_and(|status| {
        status
            .lines()
            .find_map(|line| line.strip_prefix("Uid:"))
            .and_then(|ids| ids.split_whitespace().nth(1))
            == Some("0")
    })
}

/// A command's output once it exited 0; else the test fails with what it said on stderr.
pub fn succeeded(output: std::process::Output) -> std::process::Output {
    assert!(
        output.status.success(),
        "{}: {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// The binary, as a user who may read `database` (and list its directory) but write neither.
pub fn unable_to_write(database: &std::path::Path) -> Command {
    use std::os::unix::fs::PermissionsExt;
    let directory = database.parent().unwrap();
    let set = |path: &std::path::Path, mode| {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap()
    };
    if running_as_root() {
        set(directory, 0o755);
        set(database, 0o644);
        let mut command = Command::new("setpriv");
        command.args(["--reuid=65534", "--regid=65534", "--clear-groups", BINARY]);
        command
    } else {
        set(database, 0o444);
        set(directory, 0o555);
        Command::new(BINARY)
    }
}

pub struct Server {
    child: Child,
    pub address: String,
    log: BufReader<std::process::ChildStderr>,
    /// The bootstrap administrator's password, when this start created it.
    pub admin_password: Option<String>,
    /// What it logged until it listened.
    startup: String,
}

impl Server {
    /// Starts `kbs-graphql` with no subcommand, on port 0, and waits for its address.
    pub fn start(database: &std::path::Path) -> Server {
        Server::start_with(database, &[])
    }

    /// Starts it with more environment (settings such as `KBS_HEADER_TIMEOUT`).
    pub fn start_with(database: &std::path::Path, settings: &[(&str, &str)]) -> Server {
        Server::launch(Command::new(BINARY), database, settings)
    }

    /// Starts it as a user who may read `database` and its directory but write neither:
    /// `nobody` when the tests run as root (whom permissions do not stop), else this user
    /// after taking the write permissions away.
    pub fn start_unable_to_write(database: &std::path::Path) -> Server {
        Server::launch(unable_to_write(database), database, &[])
    }

    // The child is owned by `Server`, whose Drop kills and waits for it.
    #[allow(clippy::zombie_processes)]
    fn launch(
        mut command: Command,
        database: &std::path::Path,
        settings: &[(&str, &str)],
    ) -> Server {
        let mut child = command
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
            startup: String::new(),
        };
        let mut line = String::new();
        while server.address.is_empty() {
            line.clear();
            let read = server.log.read_line(&mut line).unwrap();
            assert!(
                read > 0,
                "server exited before listening: {}",
                server.startup
            );
            server.startup.push_str(&line);
            if let Some(rest) = line.split("address=").nth(1) {
                server.address = rest.split_whitespace().next().unwrap().to_owned();
            }
            // The same line written as JSON (`--log-format json`).
            if let Ok(json) = serde_json::from_str::<serde_json::Value>(&line) {
                if let Some(address) = json["address"].as_str() {
                    server.address = address.to_owned();
                }
            }
            if let Some(password) = line.trim().strip_prefix("password:") {
                server.admin_password = Some(password.trim().to_owned());
            }
        }
        server
    }

    /// What it logged until it listened.
    pub fn startup_log(&self) -> &str {
        &self.startup
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
        http_request(&self.address, authorization, method, path, body)
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

/// A small memory file system mounted for one test (`mount` needs root), unmounted on drop.
pub struct SmallFileSystem {
    pub path: std::path::PathBuf,
}

impl SmallFileSystem {
    /// Mounts `megabytes` of tmpfs at `path` (created); `None` when mounting is not allowed.
    pub fn mount(path: std::path::PathBuf, megabytes: u32) -> Option<SmallFileSystem> {
        std::fs::create_dir_all(&path).unwrap();
        let size = format!("size={megabytes}m");
        mount(&["-t", "tmpfs", "-o", &size, "tmpfs", path.to_str()?])
            .then_some(SmallFileSystem { path })
    }

    /// Makes it read-only, as a read-only volume is.
    pub fn make_read_only(&self) {
        assert!(mount(&["-o", "remount,ro", self.path.to_str().unwrap()]));
    }
}

impl Drop for SmallFileSystem {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.path).status();
    }
}

fn mount(args: &[&str]) -> bool {
    Command::new("mount")
        .args(args)
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// One HTTP/1.1 request to `address` over a fresh connection; returns the status and body.
pub fn http_request(
    address: &str,
    authorization: Option<&str>,
    method: &str,
    path: &str,
    body: &str,
) -> (u16, String) {
    let authorization = authorization.map(|a| format!("Authorization: {a}"));
    let answer = http(address, method, path, authorization.as_slice(), body);
    (answer.status, answer.body)
}

/// An answer read off the wire.
pub struct Answer {
    pub status: u16,
    /// By lower-case name.
    pub headers: std::collections::HashMap<String, String>,
    pub body: String,
}

/// One HTTP/1.1 request with `headers` (`Name: value`) over a fresh connection.
pub fn http(address: &str, method: &str, path: &str, headers: &[String], body: &str) -> Answer {
    let mut stream = TcpStream::connect(address).unwrap();
    let extra: String = headers.iter().map(|h| format!("{h}\r\n")).collect();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\n{extra}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let headers = head
        .lines()
        .skip(1)
        .filter_map(|line| line.split_once(": "))
        .map(|(name, value)| (name.to_ascii_lowercase(), value.to_owned()))
        .collect();
    Answer {
        status: head[9..12].parse().unwrap(),
        headers,
        body: body.to_owned(),
    }
}
