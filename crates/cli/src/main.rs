//! `accord`: the headless Accord. This build has the offline commands:
//! `address` (a chain address from a group public key) and `preview` (what a
//! co-signer shows before it signs, from raw unsigned bytes).
//!
//! Errors are one line on stderr and a non-zero exit.

mod cli;
mod commands;
mod error;
mod input;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command};
use crate::error::CliError;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind;
            match e.kind() {
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
                    let _ = e.print();
                    return ExitCode::SUCCESS;
                }
                ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
                    eprintln!("error: no command given (see accord --help)");
                    return ExitCode::from(2);
                }
                _ => {}
            }
            // One line: clap's message up to its usage block.
            let text = e.to_string();
            let message: Vec<&str> = text
                .lines()
                .take_while(|l| !l.starts_with("Usage:"))
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect();
            eprintln!("{} (see accord --help)", message.join(" "));
            return ExitCode::from(2);
        }
    };
    match run(cli) {
        Ok(out) => {
            // A closed pipe (`| head`) is not an error worth a panic.
            let _ = writeln!(std::io::stdout(), "{out}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<String, CliError> {
    match cli.command {
        Command::Address(args) => commands::address::run(&args),
        Command::Preview(args) => commands::preview::run(&args),
    }
}
