//! The `wirefeed` binary: reads flags and the config file, sets up logging and signals, and
//! hands a [`config::Config`] to [`pipeline::run`]. Nothing else happens here.

mod check_cmd;
mod cli;
mod config;
mod decisions;
mod ingest_cmd;
mod parse_cmd;
mod pipeline;
mod tail_cmd;

use std::process::ExitCode;

use clap::Parser;
use tokio_util::sync::CancellationToken;

/// jemalloc instead of glibc malloc: the profile of the load benchmark showed ~20% of CPU in
/// glibc's malloc/free/consolidate plus page zeroing from its trimming, and a long-running
/// service with many short-lived strings per story fragments glibc's arenas (resident memory
/// kept growing past the dedup window). Same choice as Vector. Built unprefixed (Cargo.toml),
/// so the C libraries (librdkafka and its zstd) allocate from it too.
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    cli::init_logging(&cli);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("wirefeed: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(dispatch(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e:#}");
            eprintln!("wirefeed: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn dispatch(cli: cli::Cli) -> anyhow::Result<()> {
    match cli.command {
        // An operator tool: the reason on one line, without the log line the service prints.
        cli::Command::Parse(args) => {
            if let Err(e) = parse_cmd::run(args).await {
                eprintln!("wirefeed parse: {e:#}");
                std::process::exit(1);
            }
            Ok(())
        }
        cli::Command::Run(args) => {
            let once = args.once;
            let config = args.into_config()?;
            config.validate()?;
            let shutdown = CancellationToken::new();
            let deadline = config.pipeline.shutdown_timeout;
            tokio::spawn(watch_signals(shutdown.clone(), deadline));
            let summary = pipeline::run(config, shutdown, once).await?;
            tracing::info!(
                published = summary.published,
                duplicates = summary.duplicates,
                dead_letters = summary.dead_letters,
                "pipeline stopped"
            );
            if once {
                println!(
                    "wirefeed: published {} stories, dropped {} duplicates, {} dead letters",
                    summary.published, summary.duplicates, summary.dead_letters
                );
            }
            Ok(())
        }
        cli::Command::Check(args) => {
            println!("{}", check_cmd::check(args.config)?);
            Ok(())
        }
        cli::Command::Tail(args) => tail_cmd::run(args).await,
        cli::Command::Ingest(args) => {
            let shutdown = CancellationToken::new();
            tokio::spawn(watch_signals(
                shutdown.clone(),
                std::time::Duration::from_secs(9),
            ));
            ingest_cmd::run(args, shutdown).await
        }
    }
}

/// First SIGINT/SIGTERM: graceful shutdown, bounded by `deadline`. Second: exit at once.
async fn watch_signals(shutdown: CancellationToken, deadline: std::time::Duration) {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        tracing::error!("cannot install signal handlers");
        return;
    };
    tokio::select! { _ = term.recv() => {}, _ = int.recv() => {} }
    tracing::info!("shutting down: stopping sources, draining in-flight stories");
    shutdown.cancel();
    tokio::select! {
        _ = term.recv() => tracing::warn!("second signal: exiting now"),
        _ = int.recv() => tracing::warn!("second signal: exiting now"),
        _ = tokio::time::sleep(deadline) => tracing::error!(?deadline, "shutdown deadline passed: exiting"),
    }
    std::process::exit(1);
}
