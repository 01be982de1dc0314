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
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Parse { json, file } => read_input(&file).and_then(|bytes| {
            let postmortem = postmortem_bot::postmortem::parse_bytes(&bytes);
            let out = if json {
                let mut s = serde_json::to_string_pretty(&postmortem)?;
                s.push('\n');
                s
            } else {
                postmortem_bot::postmortem::render_text(&postmortem)
            };
            write_stdout(&out)
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
