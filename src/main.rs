use clap::Parser;

fn main() {
    few_allocator_arenas();
    let cli = newsroom::config::Cli::parse();
    let logs = newsroom::telemetry::init(&cli.settings.log, cli.settings.log_format);
    if let Err(error) = newsroom::cli::run(cli.command, cli.settings) {
        tracing::error!(%error, "newsroom failed");
        drop(logs);
        eprintln!("newsroom: {error}");
        std::process::exit(1);
    }
}

/// glibc gives each thread that allocates under contention its own arena (up to eight per
/// core), and freed memory stays in them: with the blocking pool's threads that was a third of
/// the resident memory under load. Two arenas cost no measurable throughput here. The
/// `MALLOC_ARENA_MAX` environment variable, when set, wins.
fn few_allocator_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        // SAFETY: called first in `main`, before any other thread exists; mallopt only
        // changes the allocator's tuning.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, 2);
        }
    }
}
