use clap::Parser;

fn main() {
    let cli = newsroom::config::Cli::parse();
    newsroom::telemetry::init(&cli.settings.log, cli.settings.log_format);
    if let Err(error) = newsroom::cli::run(cli.command, cli.settings) {
        tracing::error!(%error, "newsroom failed");
        eprintln!("newsroom: {error}");
        std::process::exit(1);
    }
}
