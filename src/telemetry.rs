//! Structured logs with tracing: text for people, JSON for collectors.

use std::sync::atomic::{AtomicU64, Ordering};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// Installs the global subscriber; `filter` is an `EnvFilter` directive such as `info` or
/// `newsroom=debug,actix_web=info`. Lines go to stderr from a thread of their own (the access
/// log's write per request was a tenth of a cached read's time on the worker), in order and
/// never dropped: a full queue makes the logger wait. Keep the guard until exit: dropping it
/// flushes what is queued. Colours only on a terminal.
pub fn init(filter: &str, format: LogFormat) -> tracing_appender::non_blocking::WorkerGuard {
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .lossy(false)
        // The queue's slots are allocated and written up front: tracing-appender's default of
        // 128,000 lines held 5 MiB of every process's memory. 8,192 lines is a burst of 8k
        // requests ahead of stderr before a worker waits for it.
        .buffered_lines_limit(8192)
        // Buffered on the writer's thread: lines queued together go out in one write, and the
        // buffer is flushed whenever the queue runs empty (tracing-appender's worker does).
        .finish(std::io::BufWriter::with_capacity(
            64 * 1024,
            std::io::stderr(),
        ));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    // Access lines are written by hand, on the same writer (so in order with the others),
    // except on a terminal, where tracing's coloured lines are kept.
    if !ansi {
        let _ = ACCESS_LOG.set((writer.clone(), format));
    }
    let lines = tracing_subscriber::fmt::layer()
        .with_ansi(ansi)
        .with_writer(writer);
    let lines = match format {
        LogFormat::Text => lines.boxed(),
        LogFormat::Json => lines.json().boxed(),
    };
    let result = tracing_subscriber::registry()
        .with(filter)
        .with(RefusedRequests)
        .with(lines)
        .try_init();
    // A second init (tests) keeps the first subscriber.
    let _ = result;
    guard
}

/// The writer and format of the access log, once logging is set up (not in tests).
static ACCESS_LOG: std::sync::OnceLock<(tracing_appender::non_blocking::NonBlocking, LogFormat)> =
    std::sync::OnceLock::new();

/// One access log line: a request's id, method, path, status and time to answer.
pub struct AccessLine<'a> {
    pub request_id: &'a str,
    pub method: &'a str,
    pub path: &'a str,
    pub status: u16,
    pub micros: u64,
}

/// Writes one access line at INFO under the target `newsroom::access` (so
/// `NEWSROOM_LOG=info,newsroom::access=off` silences it), in the shape tracing gives its own
/// lines, text or JSON. It is formatted by hand: tracing's formatter was a tenth of a cached
/// read's time. Before logging is set up (tests), it goes through tracing.
pub fn access(line: AccessLine<'_>) {
    if !tracing::enabled!(target: "newsroom::access", Level::INFO) {
        return;
    }
    let Some((writer, format)) = ACCESS_LOG.get() else {
        tracing::info!(
            target: "newsroom::access",
            request_id = line.request_id,
            method = line.method,
            path = line.path,
            status = line.status,
            micros = line.micros,
            "request"
        );
        return;
    };
    thread_local! {
        static LINE: std::cell::RefCell<Vec<u8>> = std::cell::RefCell::new(Vec::with_capacity(256));
    }
    LINE.with(|out| {
        let Ok(mut out) = out.try_borrow_mut() else {
            return;
        };
        out.clear();
        format_access(&mut out, &line, *format, std::time::SystemTime::now());
        let _ = std::io::Write::write_all(&mut writer.clone(), &out);
    });
}

/// An access line as bytes, ending in a newline (written piece by piece: `format!` machinery
/// was most of its cost).
fn format_access(
    out: &mut Vec<u8>,
    line: &AccessLine<'_>,
    format: LogFormat,
    at: std::time::SystemTime,
) {
    let mut numbers = itoa::Buffer::new();
    match format {
        LogFormat::Text => {
            timestamp(out, at);
            for (label, value) in [
                (
                    "  INFO newsroom::access: request request_id=",
                    line.request_id,
                ),
                (" method=", line.method),
                (" path=", line.path),
            ] {
                out.extend_from_slice(label.as_bytes());
                out.extend_from_slice(value.as_bytes());
            }
            out.extend_from_slice(b" status=");
            out.extend_from_slice(numbers.format(line.status).as_bytes());
            out.extend_from_slice(b" micros=");
            out.extend_from_slice(numbers.format(line.micros).as_bytes());
            out.push(b'\n');
        }
        LogFormat::Json => {
            out.extend_from_slice(br#"{"timestamp":""#);
            timestamp(out, at);
            for (label, value) in [
                (
                    r#"","level":"INFO","fields":{"message":"request","request_id":""#,
                    line.request_id,
                ),
                (r#"","method":""#, line.method),
                (r#"","path":""#, line.path),
            ] {
                out.extend_from_slice(label.as_bytes());
                json_text(out, value);
            }
            out.extend_from_slice(br#"","status":"#);
            out.extend_from_slice(numbers.format(line.status).as_bytes());
            out.extend_from_slice(br#","micros":"#);
            out.extend_from_slice(numbers.format(line.micros).as_bytes());
            out.extend_from_slice(b"},\"target\":\"newsroom::access\"}\n");
        }
    }
}

/// `text` inside a JSON string.
fn json_text(out: &mut Vec<u8>, text: &str) {
    if !text.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20) {
        out.extend_from_slice(text.as_bytes());
        return;
    }
    for c in text.chars() {
        match c {
            '"' => out.extend_from_slice(b"\\\""),
            '\\' => out.extend_from_slice(b"\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = std::io::Write::write_fmt(out, format_args!("\\u{:04x}", c as u32));
            }
            c => {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
}

/// RFC 3339 in UTC with microseconds, as tracing writes it (`2026-12-03T07:40:00.123456Z`);
/// the date and time up to the second are formatted once per second per thread.
fn timestamp(out: &mut Vec<u8>, at: std::time::SystemTime) {
    use std::cell::RefCell;
    thread_local! {
        static SECOND: RefCell<(u64, String)> = const { RefCell::new((u64::MAX, String::new())) };
    }
    let since = at.duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    let (secs, micros) = (since.as_secs(), since.subsec_micros());
    SECOND.with(|second| {
        let mut second = second.borrow_mut();
        if second.0 != secs {
            let date = chrono::DateTime::from_timestamp(secs as i64, 0).unwrap_or_default();
            *second = (secs, date.format("%Y-%m-%dT%H:%M:%S").to_string());
        }
        out.extend_from_slice(second.1.as_bytes());
        // Six digits of microseconds, zero-padded.
        let digits = micros + 1_000_000;
        out.push(b'.');
        out.extend_from_slice(&itoa::Buffer::new().format(digits).as_bytes()[1..]);
        out.push(b'Z');
    })
}

/// Requests the HTTP layer refused before the app saw them, since the last `take_refused`.
static REFUSED: AtomicU64 = AtomicU64::new(0);

/// How many requests the HTTP layer refused since the last call (the server logs the figure once
/// a minute, at WARN).
pub fn take_refused() -> u64 {
    REFUSED.swap(0, Ordering::Relaxed)
}

/// actix-http logs every request it cannot parse (a raw `"` in the URL, a URL or head too
/// large, a head sent too slowly) as an ERROR line of its own, before the app can answer: anyone
/// could fill the error log. Those lines are counted instead of written; other errors of the
/// HTTP layer (a response body failing) are still written.
struct RefusedRequests;

impl<S: Subscriber> Layer<S> for RefusedRequests {
    fn event_enabled(&self, event: &Event<'_>, _: Context<'_, S>) -> bool {
        let meta = event.metadata();
        if *meta.level() != Level::ERROR || meta.target() != "actix_http::h1::dispatcher" {
            return true;
        }
        let mut message = MessageStart(false);
        event.record(&mut message);
        if message.0 {
            REFUSED.fetch_add(1, Ordering::Relaxed);
        }
        !message.0
    }
}

/// Whether an event's message is actix-http's "stream error: ..." (the client's side failed).
struct MessageStart(bool);

impl tracing::field::Visit for MessageStart {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.0 = format!("{value:?}").starts_with("stream error");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(path: &str) -> AccessLine<'_> {
        AccessLine {
            request_id: "0af7",
            method: "GET",
            path,
            status: 200,
            micros: 42,
        }
    }

    #[test]
    fn access_lines_read_like_tracing_lines() {
        let at = std::time::UNIX_EPOCH + std::time::Duration::from_micros(1_670_000_000_123_456);
        let mut text = Vec::new();
        format_access(&mut text, &line("/api/v1/articles"), LogFormat::Text, at);
        assert_eq!(
            String::from_utf8_lossy(&text),
            "2022-12-02T16:53:20.123456Z  INFO newsroom::access: request request_id=0af7 \
method=GET path=/api/v1/articles status=200 micros=42\n"
        );
        let mut json = Vec::new();
        format_access(&mut json, &line("/a\"b\\c\u{1}"), LogFormat::Json, at);
        let parsed: serde_json::Value = serde_json::from_slice(&json).expect("one JSON line");
        assert_eq!(parsed["fields"]["path"], "/a\"b\\c\u{1}");
        assert_eq!(parsed["fields"]["status"], 200);
        assert_eq!(parsed["timestamp"], "2022-12-02T16:53:20.123456Z");
        assert_eq!(parsed["target"], "newsroom::access");
        assert!(json.ends_with(b"}\n"));
    }
}
