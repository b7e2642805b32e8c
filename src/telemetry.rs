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
        // Buffered on the writer's thread: lines queued together go out in one write, and the
        // buffer is flushed whenever the queue runs empty (tracing-appender's worker does).
        .finish(std::io::BufWriter::with_capacity(
            64 * 1024,
            std::io::stderr(),
        ));
    let lines = tracing_subscriber::fmt::layer()
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
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
