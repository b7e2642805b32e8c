//! Structured logs with tracing: text for people, JSON for collectors.

use tracing_subscriber::EnvFilter;

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
        .finish(std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(writer);
    let result = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
    // A second init (tests) keeps the first subscriber.
    let _ = result;
    guard
}
