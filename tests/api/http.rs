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
        Self::start_env(dir, extra, &[])
    }

    /// A server with extra flags and environment variables.
    fn start_env(dir: Option<std::path::PathBuf>, extra: &[&str], envs: &[(&str, &str)]) -> Server {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        let dir = dir.unwrap_or_else(|| {
            std::env::temp_dir().join(format!("newsroom-http-{}-{port}", std::process::id()))
        });
        std::fs::create_dir_all(&dir).expect("dir");
        let log = std::fs::File::create(dir.join(format!("server-{port}.log"))).expect("log file");
        let child = Command::new(env!("CARGO_BIN_EXE_newsroom"))
            .args([
                "serve",
                "--bind",
                &format!("127.0.0.1:{port}"),
                "--workers",
                "1",
            ])
            .args(extra)
            .envs(envs.iter().copied())
            .env("DATABASE_URL", dir.join("http.db"))
            .env("NEWSROOM_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(log)
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

    /// A handle that only sends requests to a server another thread owns.
    fn client(port: u16) -> Server {
        Server {
            child: Command::new("true").spawn().expect("a placeholder process"),
            port,
            dir: std::path::PathBuf::new(),
            keep: true,
        }
    }

    /// What the server has logged so far.
    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join(format!("server-{}.log", self.port)))
            .unwrap_or_default()
    }

    /// Sends raw bytes and reads the whole answer (the request must say `Connection: close`).
    fn raw(&self, request: &str) -> Option<String> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).ok()?;
        stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
        // A server that refuses a request may answer and close before reading all of it: the
        // write then fails, and the answer is still there to read.
        let written = stream.write_all(request.as_bytes());
        let mut answer = Vec::new();
        let read = stream.read_to_end(&mut answer);
        if answer.is_empty() && (written.is_err() || read.is_err()) {
            return None;
        }
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

/// Requests actix refuses before the app (it cannot parse them) answer 400 or 431 and are
/// counted, not logged as an ERROR line each: anyone could otherwise fill the error log.
#[test]
fn requests_refused_before_the_app_do_not_fill_the_error_log() {
    let mut server = Server::start();
    let many: Vec<String> = (0..10_000).map(|i| format!("p{i}=1")).collect();
    let refused = [
        ("GET /api/v1/articles?q=\"x\" HTTP/1.1".to_owned(), "400"),
        (
            format!("GET /api/v1/articles?{} HTTP/1.1", many.join("&")),
            "400",
        ),
        (
            format!("GET /api/v1/articles?q={} HTTP/1.1", "a".repeat(200_000)),
            "431",
        ),
    ];
    for (line, status) in &refused {
        let answer = server
            .raw(&format!("{line}\r\nHost: x\r\nConnection: close\r\n\r\n"))
            .expect("answered");
        assert!(
            answer.starts_with(&format!("HTTP/1.1 {status}")),
            "{answer}"
        );
    }
    let fine = server
        .raw("GET /livez HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .expect("answers");
    assert!(fine.starts_with("HTTP/1.1 200"), "{fine}");
    server.stop();
    let log = server.log();
    assert!(!log.contains("ERROR"), "{log}");
}

/// Sends `head`, then trickles `body` in `pieces` every `every`, and reads the answer; returns it
/// with the time it took.
fn trickle(
    port: u16,
    head: &str,
    body: &[u8],
    pieces: usize,
    every: Duration,
) -> (String, Duration) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connects");
    stream
        .set_read_timeout(Some(Duration::from_secs(15)))
        .expect("timeout");
    let started = Instant::now();
    stream.write_all(head.as_bytes()).expect("head sent");
    let mut writer = stream.try_clone().expect("clone");
    let body = body.to_vec();
    let sender = std::thread::spawn(move || {
        for piece in body.chunks(body.len().div_ceil(pieces).max(1)) {
            std::thread::sleep(every);
            if writer.write_all(piece).is_err() {
                return;
            }
        }
    });
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let took = started.elapsed();
    let _ = sender.join();
    (String::from_utf8_lossy(&answer).into_owned(), took)
}

/// A body must keep coming at a minimum rate (here 1 KiB a second): trickled a byte at a time
/// it is a 408 within the window; a large body sent steadily for longer than the window is
/// read whole (a rate, not a total time).
#[test]
fn slow_bodies_are_timed_out_by_rate_not_by_total_time() {
    let server = Server::start_with(None, &["--body-window", "1", "--body-min-bytes", "1024"]);
    let beacon = br#"{"path": "/trang-chu"}"#;
    let head = format!(
        "POST /api/v1/visits HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n",
        beacon.len()
    );
    let (answer, took) = trickle(
        server.port,
        &head,
        beacon,
        beacon.len(),
        Duration::from_millis(300),
    );
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("/problems/request-timeout"), "{answer}");
    assert!(took < Duration::from_secs(4), "closed after {took:?}");

    let token = Command::new(env!("CARGO_BIN_EXE_newsroom"))
        .args([
            "token",
            "create",
            "--name",
            "Ban biên tập",
            "--scope",
            "content:write",
        ])
        .env("DATABASE_URL", server.dir.join("http.db"))
        .env("NEWSROOM_LOG", "error")
        .output()
        .expect("token create runs");
    let token = String::from_utf8_lossy(&token.stdout).trim().to_owned();
    assert!(token.starts_with("nr_"), "{token}");
    let write = |body: &[u8]| {
        format!(
            "POST /api/v1/articles HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        )
    };
    let slow = r#"{"title": "Tin chậm"}"#.as_bytes();
    let (answer, _) = trickle(
        server.port,
        &write(slow),
        slow,
        slow.len(),
        Duration::from_millis(300),
    );
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    // 200 KB in ten pieces over about two seconds: twice the window, at a steady 100 KB/s.
    let lead = "Đoàn đại biểu Việt Nam tham dự Hội nghị. ".repeat(4_000);
    let steady =
        serde_json::to_vec(&serde_json::json!({"title": "Tin dài", "lead": lead})).expect("json");
    let (answer, took) = trickle(
        server.port,
        &write(&steady),
        &steady,
        10,
        Duration::from_millis(200),
    );
    assert!(took > Duration::from_secs(1), "{took:?}");
    // Read whole, then judged on its values: the lead is over its bound.
    assert!(answer.starts_with("HTTP/1.1 422"), "{answer}");
}

/// Connections from one address are bounded (here 3): the next one is answered 429 and closed
/// before anything else is read, and a freed slot serves again.
#[test]
fn connections_from_one_address_are_bounded() {
    let server = Server::start_with(None, &["--connections-per-client", "3"]);
    let mut held: Vec<TcpStream> = (0..3)
        .map(|_| TcpStream::connect(("127.0.0.1", server.port)).expect("connects"))
        .collect();
    // Give the server a moment to accept them all.
    std::thread::sleep(Duration::from_millis(200));
    let refused = server
        .raw("GET /livez HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .expect("answered");
    assert!(refused.starts_with("HTTP/1.1 429"), "{refused}");
    assert!(refused.contains("/problems/rate-limited"), "{refused}");
    assert!(
        refused.to_ascii_lowercase().contains("retry-after: 1"),
        "{refused}"
    );
    held.pop();
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let answer = server
            .raw("GET /livez HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .expect("answered");
        if answer.starts_with("HTTP/1.1 200") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "a freed slot never served: {answer}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Runs the binary with `args` on `database`; returns (success, stdout + stderr).
fn newsroom(database: &std::path::Path, args: &[&str]) -> (bool, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_newsroom"))
        .args(args)
        .env("DATABASE_URL", database)
        .env("NEWSROOM_LOG", "error")
        .output()
        .expect("the binary runs");
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

/// A backup taken while writes go on holds every write acknowledged before it began, and a
/// restored copy serves them.
#[test]
fn a_backup_under_write_load_restores_every_acknowledged_write() {
    let mut server = Server::start();
    let database = server.dir.join("http.db");
    let (ok, token) = newsroom(
        &database,
        &[
            "token",
            "create",
            "--name",
            "Sao lưu",
            "--scope",
            "content:write",
        ],
    );
    assert!(ok, "{token}");
    let token = token
        .lines()
        .find(|line| line.starts_with("nr_"))
        .expect("the token is printed")
        .to_owned();
    let acknowledged = std::sync::Arc::new(std::sync::Mutex::new(Vec::<usize>::new()));
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let token = token.clone();
        let (acknowledged, stop, port) = (acknowledged.clone(), stop.clone(), server.port);
        std::thread::spawn(move || {
            let writer = Server::client(port);
            let mut i = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let body = format!("{{\"name\": \"Sao lưu {i}\"}}");
                let answer = writer.raw(&format!(
                    "POST /api/v1/tags HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\
                     Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                ));
                if answer.is_some_and(|a| a.starts_with("HTTP/1.1 201")) {
                    acknowledged.lock().expect("lock").push(i);
                }
                i += 1;
            }
        })
    };
    std::thread::sleep(Duration::from_millis(700));
    let before: Vec<usize> = acknowledged.lock().expect("lock").clone();
    let copy = server.dir.join("backup.db");
    let (ok, said) = newsroom(
        &database,
        &["backup", "--output", copy.to_str().expect("utf-8")],
    );
    assert!(ok, "{said}");
    std::thread::sleep(Duration::from_millis(300));
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    writer.join().expect("the writer ends");
    let after = acknowledged.lock().expect("lock").len();
    assert!(
        before.len() >= 5 && after > before.len(),
        "writes went on: {} then {after}",
        before.len()
    );
    // A backup never overwrites.
    let (ok, said) = newsroom(
        &database,
        &["backup", "--output", copy.to_str().expect("utf-8")],
    );
    assert!(!ok && said.contains("already exists"), "{said}");
    server.stop();

    let restored_dir = server.dir.join("restored");
    std::fs::create_dir_all(&restored_dir).expect("dir");
    let (ok, said) = newsroom(
        &restored_dir.join("http.db"),
        &["restore", "--input", copy.to_str().expect("utf-8")],
    );
    assert!(ok, "{said}");
    let restored = Server::start_with(Some(restored_dir), &[]);
    for i in before {
        let answer = restored
            .raw(&format!(
                "GET /api/v1/tags/sao-luu-{i} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\
                 Connection: close\r\n\r\n"
            ))
            .expect("answers");
        assert!(
            answer.starts_with("HTTP/1.1 200"),
            "tag {i} acknowledged before the backup: {answer}"
        );
    }
}

#[test]
fn restore_refuses_what_is_not_a_newsroom_database() {
    let dir = std::env::temp_dir().join(format!("newsroom-restore-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let junk = dir.join("junk.db");
    std::fs::write(&junk, "không phải cơ sở dữ liệu").expect("write");
    let target = dir.join("target.db");
    std::fs::write(&target, "the database in place").expect("write");
    let (ok, said) = newsroom(
        &target,
        &["restore", "--input", junk.to_str().expect("utf-8")],
    );
    assert!(!ok && said.contains("not a newsroom database"), "{said}");
    assert_eq!(
        std::fs::read_to_string(&target).expect("still there"),
        "the database in place"
    );
    let (ok, said) = newsroom(
        std::path::Path::new("postgres://postgres@127.0.0.1:5432/test"),
        &[
            "backup",
            "--output",
            dir.join("pg.db").to_str().expect("utf-8"),
        ],
    );
    assert!(!ok && said.contains("pg_dump"), "{said}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The search index of rows written before it (or before its layout changed) is filled once
/// and recorded like a migration: before serving when the database is small, on a thread when
/// it is large (here: `--search-fill-inline 0`), search answering `503` until it is done, and
/// never again after.
#[test]
fn the_search_index_is_filled_once_at_start_up() {
    use diesel::connection::SimpleConnection;
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let dir = std::env::temp_dir().join(format!("newsroom-fill-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let db = dir.join("http.db");
    let db_url = db.display().to_string();
    let count = |sql: &str| -> i64 {
        let mut conn = diesel::SqliteConnection::establish(&db_url).expect("open");
        diesel::sql_query(sql)
            .get_result::<Count>(&mut conn)
            .expect("count")
            .n
    };
    let clear = |sql: &str| {
        diesel::SqliteConnection::establish(&db_url)
            .expect("open")
            .batch_execute(sql)
            .expect("clear")
    };
    let (ok, out) = newsroom(&db, &["seed"]);
    assert!(ok, "{out}");
    let indexed = count("SELECT count(*) AS n FROM search_index");
    let rows = "SELECT count(*) AS n FROM search_index";
    let steps = "SELECT count(*) AS n FROM maintenance_steps";

    // Small: filled before the service answers.
    clear("DELETE FROM search_index; DELETE FROM maintenance_steps;");
    let mut server = Server::start_with(Some(dir.clone()), &[]);
    server.keep = true;
    assert_eq!(count(rows), indexed);
    assert_eq!(count(steps), 1);
    server.stop();

    // Large: in the background, search saying so until it is done.
    clear("DELETE FROM search_index; DELETE FROM maintenance_steps;");
    let mut server = Server::start_with(Some(dir.clone()), &["--search-fill-inline", "0"]);
    server.keep = true;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let answer = server
            .raw("GET /api/v1/search?q=amcc7 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .expect("an answer");
        if answer.starts_with("HTTP/1.1 200") {
            assert!(answer.contains("amcc7"), "{answer}");
            break;
        }
        assert!(
            answer.starts_with("HTTP/1.1 503") && answer.contains("search-filling"),
            "{answer}"
        );
        assert!(Instant::now() < deadline, "the fill did not end");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(count(rows), indexed);
    assert_eq!(count(steps), 1);
    server.stop();

    // Done once: later starts only read the step.
    clear("DELETE FROM search_index;");
    let mut server = Server::start_with(Some(dir.clone()), &[]);
    server.stop();
    assert_eq!(count(rows), 0);
}

/// With `NEWSROOM_MEDIA_PUBLIC_URL` (a CDN, a public bucket) every media URL is under it.
#[test]
fn media_urls_follow_the_public_base() {
    let dir = std::env::temp_dir().join(format!("newsroom-cdn-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let (ok, out) = newsroom(&dir.join("http.db"), &["migrate"]);
    assert!(ok, "{out}");
    let (ok, out) = newsroom(
        &dir.join("http.db"),
        &[
            "token",
            "create",
            "--name",
            "cdn",
            "--scope",
            "content:write",
        ],
    );
    assert!(ok, "{out}");
    let token = out.trim().lines().next().unwrap_or_default().to_owned();
    let store = dir.join("media").display().to_string();
    let server = Server::start_with(
        Some(dir.clone()),
        &[
            "--media-store",
            &store,
            "--media-public-url",
            "https://cdn.example.vn/anh/",
        ],
    );
    let image = {
        let img = image::RgbImage::from_pixel(700, 500, image::Rgb([10, 120, 200]));
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new(&mut out)
            .encode_image(&img)
            .expect("jpeg");
        out
    };
    let mut request = format!(
        "POST /api/v1/media HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer {token}\r\nContent-Type: image/jpeg\r\nContent-Length: {}\r\n\r\n",
        image.len()
    )
    .into_bytes();
    request.extend_from_slice(&image);
    let mut stream = TcpStream::connect(("127.0.0.1", server.port)).expect("connect");
    stream.write_all(&request).expect("send");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("read");
    assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");
    let body = answer.split("\r\n\r\n").nth(1).unwrap_or_default();
    let item: serde_json::Value = serde_json::from_str(body).expect("json");
    let src = item["data"]["src"].as_str().unwrap_or_default();
    assert!(
        src.starts_with("https://cdn.example.vn/anh/") && src.ends_with(".jpg"),
        "{src}"
    );
    assert!(item["data"]["variants"]
        .as_array()
        .into_iter()
        .flatten()
        .all(|v| v["url"]
            .as_str()
            .is_some_and(|u| u.starts_with("https://cdn.example.vn/anh/"))));
    // The files are in the store all the same (the CDN pulls them from there or from /media/).
    let file = src.rsplit('/').next().unwrap_or_default();
    assert!(dir.join("media").join(file).exists());
}

#[test]
fn metrics_can_have_an_address_of_their_own() {
    let metrics_port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let server = Server::start_with(
        None,
        &["--metrics-bind", &format!("127.0.0.1:{metrics_port}")],
    );
    let get = "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    let main = server.raw(get).expect("an answer");
    assert!(main.starts_with("HTTP/1.1 404"), "{main}");
    let own = Server::client(metrics_port).raw(get).expect("an answer");
    assert!(own.starts_with("HTTP/1.1 200"), "{own}");
    assert!(
        own.contains("newsroom_build_info{backend=\"sqlite\""),
        "{own}"
    );
    assert!(
        own.contains(
            "newsroom_http_requests_total{method=\"GET\",route=\"/livez\",status=\"200\"}"
        ),
        "{own}"
    );
}

/// `POST` of a JSON body with a token; the whole answer.
fn post_json(server: &Server, token: &str, path: &str, body: &serde_json::Value) -> String {
    let body = body.to_string();
    server
        .raw(&format!(
            "POST {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ))
        .expect("an answer")
}

#[test]
fn a_kill_while_a_delivery_is_in_flight_loses_nothing() {
    let dir = std::env::temp_dir().join(format!("newsroom-outbox-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let db = dir.join("http.db");
    let (ok, out) = newsroom(&db, &["migrate"]);
    assert!(ok, "{out}");
    let (ok, out) = newsroom(
        &db,
        &["token", "create", "--name", "ops", "--scope", "admin"],
    );
    assert!(ok, "{out}");
    let token = out.trim().lines().next().unwrap_or_default().to_owned();
    // The receiver holds the first delivery without answering: it is in flight when the
    // server is killed.
    let receiver = crate::webhooks::Receiver::start_on(
        TcpListener::bind("127.0.0.1:0").expect("bind"),
        vec![],
        true,
    );
    let flags = ["--webhook-allow-private", "--webhook-timeout", "1"];
    let mut server = Server::start_with(Some(dir.clone()), &flags);
    server.keep = true;
    let hook = post_json(
        &server,
        &token,
        "/api/v1/webhooks",
        &serde_json::json!({"url": receiver.url, "events": ["tag.created"]}),
    );
    assert!(hook.starts_with("HTTP/1.1 201"), "{hook}");
    let tag = post_json(
        &server,
        &token,
        "/api/v1/tags",
        &serde_json::json!({"name": "Giữa chừng"}),
    );
    assert!(tag.starts_with("HTTP/1.1 201"), "{tag}");
    std::thread::sleep(Duration::from_millis(500));
    assert!(receiver.received().is_empty(), "the first attempt is held");
    server.child.kill().expect("SIGKILL");
    let _ = server.child.wait();

    let mut again = Server::start_with(Some(dir.clone()), &flags);
    again.keep = false;
    let deadline = Instant::now() + Duration::from_secs(20);
    while receiver.received().is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    let got = receiver.received();
    assert_eq!(got.len(), 1, "delivered after the restart, once");
    let body: serde_json::Value = serde_json::from_slice(&got[0].body).expect("JSON");
    assert_eq!(body["type"], "tag.created");
    assert_eq!(body["data"]["slug"], "giua-chung");
    assert!(got[0].headers["webhook-id"].starts_with("msg_"));
}

/// Finding 5 of the third hostile test: `restore` exited 0 beside a running server, which went
/// on acknowledging writes the restore then discarded. The server holds an OS lock for its
/// life; `restore` and `import` refuse while it does, the other commands work beside it, and a
/// `kill -9` releases it.
#[test]
fn restore_and_import_refuse_a_database_a_server_has_open() {
    let mut server = Server::start();
    let database = server.dir.join("http.db");
    let path = |name: &str| server.dir.join(name).to_str().expect("utf-8").to_owned();
    let (ok, said) = newsroom(&database, &["backup", "--output", &path("copy.db")]);
    assert!(ok, "backup beside a server: {said}");
    let (ok, said) = newsroom(&database, &["export", "--output", &path("all.ndjson")]);
    assert!(ok, "export beside a server: {said}");
    let (ok, said) = newsroom(&database, &["migrate"]);
    assert!(ok, "migrate beside a server: {said}");
    let (ok, said) = newsroom(
        &database,
        &["token", "create", "--name", "Bên cạnh", "--scope", "admin"],
    );
    assert!(ok, "token beside a server: {said}");

    let (ok, said) = newsroom(&database, &["restore", "--input", &path("copy.db")]);
    assert!(!ok, "restore beside a running server must fail: {said}");
    assert!(said.contains("server has this database open"), "{said}");
    let (ok, said) = newsroom(&database, &["import", &path("all.ndjson")]);
    assert!(
        !ok && said.contains("server has this database open"),
        "{said}"
    );
    let answer = server
        .raw("GET /api/v1/articles HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .expect("still serving");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");

    // The lock dies with the process, however it dies.
    server.child.kill().expect("kill -9");
    server.child.wait().expect("reaped");
    let (ok, said) = newsroom(&database, &["restore", "--input", &path("copy.db")]);
    assert!(ok, "restore once the server is gone: {said}");
}

/// Finding 10 of the third hostile test: two instances started together on a fresh PostgreSQL
/// database raced on the one-time maintenance steps and one exited. Migrations, the search
/// fill and the demo seed now take turns under an advisory lock: three started at once all
/// serve, and the demo is loaded once. `import` refuses the database while they run.
#[test]
fn instances_started_together_on_a_fresh_postgres_database_all_serve() {
    if std::env::var("TEST_DATABASE_URL").is_err() {
        assert!(
            std::env::var("NEWSROOM_REQUIRE_POSTGRES").is_err(),
            "NEWSROOM_REQUIRE_POSTGRES is set but TEST_DATABASE_URL is not"
        );
        eprintln!("!!! SKIPPED on PostgreSQL (TEST_DATABASE_URL is not set)");
        return;
    }
    let scratch = crate::helpers::Scratch::unmigrated(crate::helpers::Backend::Postgres);
    let url = scratch.url.clone();
    let starting: Vec<_> = (0..3)
        .map(|_| {
            let url = url.clone();
            std::thread::spawn(move || {
                Server::start_with(None, &["--database-url", &url, "--seed-demo", "always"])
            })
        })
        .collect();
    let servers: Vec<Server> = starting
        .into_iter()
        .map(|s| s.join().expect("every instance answers /livez"))
        .collect();
    let totals: Vec<String> = servers
        .iter()
        .map(|server| {
            let answer = server
                .raw("GET /api/v1/articles?fields=slug HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                .expect("answers");
            assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
            let body = &answer[answer.find("\r\n\r\n").expect("a body") + 4..];
            let json: serde_json::Value = serde_json::from_str(body).expect("json");
            json["meta"]["total"].to_string()
        })
        .collect();
    assert!(
        totals.iter().all(|t| t == &totals[0]) && totals[0] != "0",
        "the demo loaded once, seen alike: {totals:?}"
    );
    let export = servers[0].dir.join("all.ndjson");
    let (ok, said) = newsroom(
        std::path::Path::new(&url),
        &["export", "--output", export.to_str().expect("utf-8")],
    );
    assert!(ok, "{said}");
    let (ok, said) = newsroom(
        std::path::Path::new(&url),
        &["import", export.to_str().expect("utf-8")],
    );
    assert!(
        !ok && said.contains("server has this database open"),
        "{said}"
    );
}

/// A GET with a token, as JSON.
fn get_json(server: &Server, token: &str, path: &str) -> serde_json::Value {
    let answer = server
        .raw(&format!(
            "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer {token}\r\n\r\n"
        ))
        .expect("an answer");
    let body = answer.split_once("\r\n\r\n").map_or("", |(_, body)| body);
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {answer}"))
}

/// A connection counter standing in for a proxy: it answers every request 200 and counts them.
fn counting_listener(address: &str) -> (u16, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    let listener = TcpListener::bind(address).expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let seen = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let mut buffer = [0u8; 4096];
            let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
            let _ = stream.read(&mut buffer);
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        }
    });
    (port, seen)
}

/// What a counting listener has seen so far.
fn seen(counter: &std::sync::atomic::AtomicUsize) -> usize {
    counter.load(std::sync::atomic::Ordering::SeqCst)
}

/// A server with an admin token, a webhook per URL for `tag.created`, and one tag created;
/// returns each webhook's first delivery once it has been attempted.
fn attempt_deliveries(server: &Server, urls: &[String]) -> Vec<serde_json::Value> {
    let (ok, out) = newsroom(
        &server.dir.join("http.db"),
        &["token", "create", "--name", "ops", "--scope", "admin"],
    );
    assert!(ok, "{out}");
    let token = out.trim().lines().next().unwrap_or_default().to_owned();
    let mut hooks = Vec::new();
    for url in urls {
        let made = post_json(
            server,
            &token,
            "/api/v1/webhooks",
            &serde_json::json!({"url": url, "events": ["tag.created"]}),
        );
        assert!(made.starts_with("HTTP/1.1 201"), "{url}: {made}");
        let body = made.split_once("\r\n\r\n").map_or("", |(_, body)| body);
        let json: serde_json::Value = serde_json::from_str(body).expect("json");
        hooks.push(json["data"]["id"].as_i64().expect("id"));
    }
    let tag = post_json(
        server,
        &token,
        "/api/v1/tags",
        &serde_json::json!({"name": "Thử chặn SSRF"}),
    );
    assert!(tag.starts_with("HTTP/1.1 201"), "{tag}");
    let deadline = Instant::now() + Duration::from_secs(20);
    hooks
        .iter()
        .map(|hook| loop {
            let listed = get_json(
                server,
                &token,
                &format!("/api/v1/webhooks/{hook}/deliveries"),
            );
            let first = listed["data"][0].clone();
            if first["attempts"].as_i64().unwrap_or(0) > 0 {
                break first;
            }
            assert!(
                Instant::now() < deadline,
                "webhook {hook} was never attempted: {listed}"
            );
            std::thread::sleep(Duration::from_millis(100));
        })
        .collect()
}

/// Finding 4 of the third hostile test: with `HTTP_PROXY` set, a delivery to `localhost` was
/// handed to the proxy, which resolved it itself, past the guard. The proxy variables are not
/// followed; a proxy set for webhooks (`--webhook-proxy`) is, and the target is still checked.
#[test]
fn webhooks_ignore_proxy_variables_and_check_targets_through_their_own_proxy() {
    let (proxy_port, proxied) = counting_listener("127.0.0.1:0");
    let (target_port, reached) = counting_listener("127.0.0.1:0");
    let proxy = format!("http://127.0.0.1:{proxy_port}");
    let target = format!("http://localhost:{target_port}/hook");
    let variables = [
        ("HTTP_PROXY", proxy.as_str()),
        ("HTTPS_PROXY", proxy.as_str()),
        ("ALL_PROXY", proxy.as_str()),
        ("http_proxy", proxy.as_str()),
        ("https_proxy", proxy.as_str()),
        ("NO_PROXY", ""),
    ];
    let server = Server::start_env(None, &["--webhook-timeout", "2"], &variables);
    let first = attempt_deliveries(&server, std::slice::from_ref(&target));
    let error = first[0]["last_error"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        error.contains("public address"),
        "refused by the guard: {first:?}"
    );
    drop(server);

    let through = ["--webhook-timeout", "2", "--webhook-proxy", proxy.as_str()];
    let server = Server::start_env(None, &through, &[]);
    let first = attempt_deliveries(&server, std::slice::from_ref(&target));
    let error = first[0]["last_error"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        error.contains("not public"),
        "the target is checked through a proxy: {first:?}"
    );
    drop(server);
    assert_eq!(seen(&proxied), 0, "nothing went to the proxy");
    assert_eq!(seen(&reached), 0, "nothing reached localhost");

    // The proxy set for webhooks is the one used (here with private targets allowed).
    let mut open = through.to_vec();
    open.push("--webhook-allow-private");
    let server = Server::start_env(None, &open, &[]);
    let first = attempt_deliveries(&server, std::slice::from_ref(&target));
    assert_eq!(first[0]["status"], "delivered", "{first:?}");
    assert_eq!(seen(&proxied), 1, "sent through the proxy");
    assert_eq!(seen(&reached), 0, "the proxy answered");
}

/// Finding 4 again, the ranges: 198.18.0.0/15, 192.0.0.0/24, 64:ff9b::/96, ::/96, fec0::/10
/// and 6to4 of a refused address are never reached. Run inside a loopback-only network
/// namespace (as the hostile test did) where those addresses are put on `lo` and answer, so a
/// refusal is the guard's and not the network's: the test runs itself again under
/// `unshare --net` (root only; said loudly when it cannot).
#[test]
fn webhooks_never_reach_reserved_ranges_in_a_loopback_only_namespace() {
    const INSIDE: &str = "NEWSROOM_TEST_IN_NETNS";
    let addresses = [
        "198.18.0.1",
        "192.0.0.8",
        "64:ff9b::c612:1",
        "::c612:1",
        "fec0::1",
        "2002:c612:1::1",
    ];
    if std::env::var(INSIDE).is_err() {
        let root = Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| o.stdout.starts_with(b"0\n"));
        if !root {
            eprintln!("!!! SKIPPED: a network namespace needs root (CI runs as root)");
            assert!(
                std::env::var("CI").is_err(),
                "CI must run the namespace test"
            );
            return;
        }
        let output = Command::new("unshare")
            .arg("--net")
            .arg(std::env::current_exe().expect("the test binary"))
            .args([
                "http::webhooks_never_reach_reserved_ranges_in_a_loopback_only_namespace",
                "--exact",
                "--nocapture",
            ])
            .env(INSIDE, "1")
            .output()
            .expect("unshare runs");
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(
            output.status.success() && said.contains("1 passed"),
            "{said}"
        );
        return;
    }
    let ip = |args: &[&str]| {
        let status = Command::new("ip").args(args).status().expect("ip runs");
        assert!(status.success(), "ip {args:?}");
    };
    ip(&["link", "set", "lo", "up"]);
    for address in addresses {
        let family = if address.contains(':') { "-6" } else { "-4" };
        let prefix = if address.contains(':') { "/128" } else { "/32" };
        ip(&[
            family,
            "addr",
            "add",
            &format!("{address}{prefix}"),
            "dev",
            "lo",
        ]);
    }
    let mut counters = Vec::new();
    let mut urls = Vec::new();
    for address in addresses {
        let bind = if address.contains(':') {
            format!("[{address}]:0")
        } else {
            format!("{address}:0")
        };
        let (port, seen) = counting_listener(&bind);
        urls.push(format!(
            "http://{}:{port}/hook",
            bind.trim_end_matches(":0")
        ));
        counters.push(seen);
    }
    let guarded = Server::start_with(None, &["--webhook-timeout", "2"]);
    for (url, first) in urls.iter().zip(attempt_deliveries(&guarded, &urls)) {
        let error = first["last_error"].as_str().unwrap_or_default();
        assert!(error.contains("private"), "{url}: {first}");
    }
    drop(guarded);
    for (address, counter) in addresses.iter().zip(&counters) {
        assert_eq!(seen(counter), 0, "{address} was reached");
    }
    // Each address answers when private targets are allowed: the refusal was the guard's.
    let open = Server::start_with(None, &["--webhook-timeout", "2", "--webhook-allow-private"]);
    for (url, first) in urls.iter().zip(attempt_deliveries(&open, &urls)) {
        assert_eq!(first["status"], "delivered", "{url}: {first}");
    }
}
