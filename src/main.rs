//! The `postmortem-bot` command line: serve, parse, nag, digest, check-config.

use std::io::Read as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand};

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
    /// Print the follow-ups, timeline and figures found in a post-mortem.
    Parse {
        /// One JSON object instead of a table.
        #[arg(long)]
        json: bool,
        /// A Markdown file, or `-` for standard input.
        file: PathBuf,
    },
}

fn read_input(file: &PathBuf) -> anyhow::Result<Vec<u8>> {
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

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Parse { json, file } => read_input(&file).and_then(|bytes| {
            let postmortem = postmortem_bot::postmortem::parse_bytes(&bytes);
            if json {
                println!("{}", serde_json::to_string_pretty(&postmortem)?);
            } else {
                print!("{}", postmortem_bot::postmortem::render_text(&postmortem));
            }
            Ok(())
        }),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
