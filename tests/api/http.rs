//! The real binary over real HTTP: what the in-process tests cannot see (HEAD bodies stripped by
//! the HTTP layer, the listening socket, a graceful stop).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Server {
    child: Child,
    port: u16,
    dir: std::path::PathBuf,
    keep: bool,
}

impl Server {
    fn start() -> Server {
        Self::start_with(None, &[])
    }

    /// A server on `dir` (a fresh one when `None`) with extra flags.
    fn start_with(dir: Option<std::path::PathBuf>, extra: &[&str]) -> Server {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        let dir = dir.unwrap_or_else(|| {
            std::env::temp_dir().join(format!("newsroom-http-{}-{port}", std::process::id()))
        });
        std::fs::create_dir_all(&dir).expect("dir");
        let child = Command::new(env!("CARGO_BIN_EXE_newsroom"))
            .args([
                "serve",
                "--bind",
                &format!("127.0.0.1:{port}"),
                "--workers",
                "1",
            ])
            .args(extra)
            .env("DATABASE_URL", dir.join("http.db"))
            .env("NEWSROOM_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the binary starts");
        let server = Server {
            child,
            port,
            dir,
            keep: false,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if server
                .raw("GET /livez HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                .is_some()
            {
                return server;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("the server did not answer /livez");
    }

    /// Sends raw bytes and reads the whole answer (the request must say `Connection: close`).
    fn raw(&self, request: &str) -> Option<String> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).ok()?;
        stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
        stream.write_all(request.as_bytes()).ok()?;
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).ok()?;
        Some(String::from_utf8_lossy(&answer).into_owned())
    }
}

impl Server {
    /// SIGTERM, then wait for a clean exit.
    fn stop(&mut self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success());
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(Some(exit)) = self.child.try_wait() {
                assert!(exit.success(), "a graceful stop exits 0: {exit}");
                return;
            }
            assert!(Instant::now() < deadline, "SIGTERM did not stop the server");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if !self.keep {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

#[test]
fn a_graceful_stop_flushes_every_accepted_beacon() {
    // A flush interval far longer than the test: only the final flush can count these.
    let mut first = Server::start_with(None, &["--visit-flush-ms", "600000"]);
    first.keep = true;
    for i in 0..25 {
        let body = format!("{{\"path\": \"/trang/{i}\"}}");
        let answer = first
            .raw(&format!(
                "POST /api/v1/visits HTTP/1.1\r\nHost: x\r\nUser-Agent: Mozilla/5.0 Firefox/130\r\n\
                 Content-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            ))
            .expect("beacon answered");
        assert!(answer.starts_with("HTTP/1.1 202"), "{answer}");
    }
    first.stop();
    let dir = first.dir.clone();
    drop(first);
    let second = Server::start_with(Some(dir), &[]);
    let stats = second
        .raw("GET /api/v1/stats/visits HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .expect("stats");
    assert!(stats.contains("\"today\":25"), "{stats}");
    assert!(stats.contains("\"visitors_today\":1"), "{stats}");
}

#[test]
fn head_sends_headers_without_a_body_and_sigterm_stops_the_server() {
    let mut server = Server::start();
    let get = server
        .raw("GET /api/v1/articles?fields=title HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .expect("GET answers");
    assert!(get.starts_with("HTTP/1.1 200"), "{get}");
    assert!(
        get.contains("Tô Lâm"),
        "the demo content is loaded on first start"
    );
    let head = server
        .raw("HEAD /api/v1/articles?fields=title HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .expect("HEAD answers");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    let (headers, body) = head.split_once("\r\n\r\n").expect("a header block");
    assert!(body.is_empty(), "HEAD has no body: {body}");
    assert!(headers
        .to_ascii_lowercase()
        .contains("content-type: application/json"));
    let wrong = server
        .raw("DELETE /api/v1/tags HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .expect("answers");
    assert!(wrong.starts_with("HTTP/1.1 405"), "{wrong}");
    assert!(
        wrong
            .to_ascii_lowercase()
            .contains("allow: get, post, head"),
        "{wrong}"
    );
    assert!(wrong.contains("application/problem+json"));

    server.stop();
}
