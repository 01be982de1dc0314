//! Runs the fake GitHub on its own, for manual trials of the App against it.
//!
//! `cargo run --bin fake-github -- --bind 127.0.0.1:3001 --app-id 1 \
//!     --public-key tests/fixtures/test-app-key.pub.pem [--seed FILE.json]`

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use postmortem_bot::fake_github::{FakeConfig, FakeGitHub, Seed};

#[derive(Debug, Parser)]
#[command(about = "A stateful fake of the GitHub REST API (and wiki git) for trying the App")]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:3001")]
    bind: SocketAddr,
    /// The App's id: App JWTs must carry it as `iss`.
    #[arg(long)]
    app_id: u64,
    /// The App's public key (PEM); App JWTs must verify against it.
    #[arg(long)]
    public_key: PathBuf,
    /// The App's slug; issues it opens are by `<slug>[bot]`.
    #[arg(long, default_value = "postmortem-bot")]
    slug: String,
    /// Lifetime of installation tokens, in seconds.
    #[arg(long, default_value_t = 3600)]
    token_ttl_secs: u64,
    /// A JSON file describing installations, repositories, permissions, issues, files, wiki pages.
    #[arg(long)]
    seed: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let args = Args::parse();
    let public_key = std::fs::read_to_string(&args.public_key)
        .with_context(|| format!("reading the public key {}", args.public_key.display()))?;
    let mut config = FakeConfig::new(args.app_id, public_key);
    config.bind = args.bind;
    config.app_slug = args.slug.clone();
    config.app_name = args.slug;
    config.token_ttl = Duration::from_secs(args.token_ttl_secs);
    let fake = FakeGitHub::start(config).await?;
    if let Some(path) = &args.seed {
        fake.seed(&Seed::from_file(path)?)?;
    }
    println!("fake GitHub API: {}", fake.url());
    println!("fake GitHub git: {}", fake.git_url());
    println!(
        "GITHUB_API_URL={} GITHUB_GIT_URL={}",
        fake.url(),
        fake.git_url()
    );
    wait_for_stop().await?;
    // Dropping the fake stops it and removes its temporary wiki repositories.
    drop(fake);
    Ok(())
}

/// Ctrl-C or SIGTERM.
async fn wait_for_stop() -> anyhow::Result<()> {
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .context("listening for SIGTERM")?;
    tokio::select! {
        result = tokio::signal::ctrl_c() => result.context("waiting for Ctrl-C"),
        _ = terminate.recv() => Ok(()),
    }
}
