//! The `postmortem-bot` command line: serve, parse, check-config, nag, digest, migrate.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use clap::{Parser, Subcommand};
use postmortem_bot::app::App;
use postmortem_bot::config::{ServeArgs, Settings, load_env_file};
use postmortem_bot::ids::RepoName;
use postmortem_bot::jobs::scheduler::{self, Scheduler, Sweep};
use tracing::info;

#[derive(Debug, Parser)]
#[command(
    name = "postmortem-bot",
    version,
    about = "Keeps post-mortem follow-ups alive as GitHub issues"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the GitHub App: webhooks, jobs, health and metrics.
    Serve(Box<ServeArgs>),
    /// Print the follow-ups, timeline and figures found in a post-mortem.
    Parse {
        /// One JSON object instead of a table.
        #[arg(long)]
        json: bool,
        /// A Markdown file, or `-` for standard input.
        file: PathBuf,
    },
    /// Check a `.github/postmortem.yml` settings file; prints each mistake with its line.
    CheckConfig {
        /// The settings file, or `-` for standard input.
        file: PathBuf,
    },
    /// Copy a single-machine SQLite store into PostgreSQL (idempotent: run it again to resume or
    /// catch up), then check every table's row count.
    Migrate {
        /// The SQLite store, `sqlite://FILE`.
        #[arg(long)]
        from: String,
        /// The PostgreSQL database, `postgres://...`.
        #[arg(long)]
        to: String,
        /// Rows per upsert.
        #[arg(long, default_value_t = postmortem_bot::migrate::DEFAULT_BATCH)]
        batch: usize,
        /// Also compare every row of both stores after the copy.
        #[arg(long)]
        verify: bool,
    },
    /// Run one nag sweep now, with the server's settings and database.
    Nag(Box<SweepArgs>),
    /// Run one digest sweep now (every repository whose digest is due, or just `--repo`).
    Digest {
        /// Only this repository, OWNER/REPO.
        #[arg(long)]
        repo: Option<RepoName>,
        #[command(flatten)]
        sweep: Box<SweepArgs>,
    },
}

#[derive(Debug, clap::Args)]
struct SweepArgs {
    /// Print what would be sent; touch nothing.
    #[arg(long)]
    dry_run: bool,
    /// The clock to sweep at (RFC 3339), instead of now.
    #[arg(long, value_parser = parse_rfc3339)]
    now: Option<DateTime<Utc>>,
    #[command(flatten)]
    serve: ServeArgs,
}

fn parse_rfc3339(text: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| format!("not an RFC 3339 time ({e}), e.g. 2026-11-23T09:00:00Z"))
}

async fn sweep(args: SweepArgs, sweep: Sweep) -> anyhow::Result<()> {
    let settings = Settings::from_args(args.serve)?;
    let now = args.now.unwrap_or_else(Utc::now);
    let report = scheduler::run_once(settings, sweep, now, args.dry_run).await?;
    write_stdout(&report)
}

fn run_async(future: impl std::future::Future<Output = anyhow::Result<()>>) -> anyhow::Result<()> {
    init_logging();
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
        .and_then(|runtime| runtime.block_on(future))
}

fn read_input(file: &Path) -> anyhow::Result<Vec<u8>> {
    if file.as_os_str() == "-" {
        let mut bytes = Vec::new();
        std::io::stdin()
            .read_to_end(&mut bytes)
            .context("cannot read standard input")?;
        Ok(bytes)
    } else {
        std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))
    }
}

fn parse_command(json: bool, file: &Path) -> anyhow::Result<()> {
    let bytes = read_input(file)?;
    let postmortem = postmortem_bot::postmortem::parse_bytes(&bytes);
    let out = if json {
        let mut text = serde_json::to_string_pretty(&postmortem)?;
        text.push('\n');
        text
    } else {
        postmortem_bot::postmortem::render_text(&postmortem)
    };
    write_stdout(&out)
}

/// Exit status 1 (with the mistakes on standard error) when the file is not valid.
fn check_config(file: &Path) -> anyhow::Result<bool> {
    let bytes = read_input(file)?;
    let text = String::from_utf8(bytes).context("the settings file is not UTF-8")?;
    match postmortem_bot::repo_config::parse(&text) {
        Ok(_) => {
            write_stdout(&format!("{}: ok\n", file.display()))?;
            Ok(true)
        }
        Err(errors) => {
            for error in errors {
                eprintln!(
                    "{}:{}: `{}`: {}",
                    file.display(),
                    error.line,
                    error.key,
                    error.message
                );
            }
            Ok(false)
        }
    }
}

async fn migrate_command(from: &str, to: &str, batch: usize, verify: bool) -> anyhow::Result<()> {
    use postmortem_bot::migrate;
    let counts = migrate::migrate(from, to, batch, &migrate::StderrProgress::default()).await?;
    let mut out = String::from("table             rows (SQLite = PostgreSQL)\n");
    for count in &counts {
        out.push_str(&format!("{:<17} {}\n", count.table, count.source));
    }
    if verify {
        let differing = migrate::verify(from, to).await?;
        if !differing.is_empty() {
            anyhow::bail!("rows differ in: {}", differing.join(", "));
        }
        out.push_str("every row is identical\n");
    }
    write_stdout(&out)
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if std::env::var("LOG_FORMAT").is_ok_and(|f| f == "json") {
        builder.json().init();
    } else {
        builder.init();
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let settings = Settings::from_args(args)?;
    let bind = settings.bind;
    let app = App::start(settings).await?;
    let scheduler = Scheduler::start(
        app.store().clone(),
        app.state.signals.clone(),
        app.state.settings.jobs.max_attempts,
        scheduler::TICK,
    );
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .with_context(|| format!("cannot listen on {bind}"))?;
    info!(address = %bind, "postmortem-bot listening");
    axum::serve(listener, app.router())
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("the server stopped")?;
    info!("shutting down: letting running jobs finish");
    scheduler.shutdown().await;
    app.shutdown().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = terminate => {}
    }
}

/// Writes to standard output; a closed pipe (`parse ... | head`) is not an error.
fn write_stdout(text: &str) -> anyhow::Result<()> {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("cannot write to standard output"),
    }
}

fn main() -> ExitCode {
    // Before clap reads the environment and before any thread exists.
    let env_file =
        std::env::var_os("ENV_FILE").map_or_else(|| PathBuf::from(".env"), PathBuf::from);
    if let Err(error) = load_env_file(&env_file) {
        eprintln!("error: {error:#}");
        return ExitCode::FAILURE;
    }
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Parse { json, file } => parse_command(json, &file),
        Command::CheckConfig { file } => match check_config(&file) {
            Ok(true) => Ok(()),
            Ok(false) => return ExitCode::FAILURE,
            Err(error) => Err(error),
        },
        Command::Migrate {
            from,
            to,
            batch,
            verify,
        } => run_async(migrate_command(&from, &to, batch, verify)),
        Command::Serve(args) => run_async(serve(*args)),
        Command::Nag(args) => run_async(sweep(*args, Sweep::Nag)),
        Command::Digest { repo, sweep: args } => run_async(sweep(*args, Sweep::Digest { repo })),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
