//! `accord`: the headless Accord — the desktop's command line, the phone
//! stand-in and the recovery server.
//!
//! Offline: `address` (a chain address from a group public key) and
//! `preview` (what a co-signer shows before it signs, from raw unsigned
//! bytes).
//!
//! With the device's store (`--data-dir DIR`, unlocked by `--key-file`,
//! `$ACCORD_WRAPPING_KEY`, `$ACCORD_PASSPHRASE` or a passphrase prompt):
//! - `init`: the device identity; `devices`: the paired devices.
//! - `cosigner serve --role phone|recovery`: the co-signer daemon (first
//!   stdout line `{"device_id", "ticket"}`; events on stderr; stops on
//!   SIGINT/SIGTERM); `cosigner ticket`: another pairing ticket for it.
//! - `wallet create | list | show`: threshold wallets (three DKGs with the
//!   `--peer` devices, with a first policy); `policy show | propose |
//!   approve | cancel`: the wallet's signed policy (what a recovery server
//!   signs).
//! - `sign-tx`: co-sign raw unsigned bytes; `send`: build from a chain
//!   node, co-sign, broadcast, confirm.
//!
//! Every command takes `--json`, `--data-dir` and `--no-relay` (loopback
//! only). Errors are one line on stderr (with `--json` also
//! `{"error": {"code", "message", "culprits"}}` on stdout); exit 2 for a
//! usage error, 1 for a failure.

mod cli;
mod commands;
mod error;
mod input;
mod node;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

use accord_node::policy::Statement;

use crate::cli::{
    AuditCommand, BackupCommand, Cli, Command, CosignerCommand, DeviceCommand, PolicyCommand,
    ProposalsCommand, ProposersCommand, WalletCommand,
};
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
    let json = cli.global.json;
    match run(cli) {
        Ok(out) => {
            // A closed pipe (`| head`) is not an error worth a panic.
            if !out.is_empty() {
                let _ = writeln!(std::io::stdout(), "{out}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {}", error::one_line(&e));
            if json {
                // Scripts read what failed, and whom it is blamed on.
                let out = serde_json::json!({ "error": {
                    "code": e.code(),
                    "message": error::one_line(&e),
                    "culprits": e.culprits(),
                }});
                let _ = writeln!(std::io::stdout(), "{out}");
            }
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<String, CliError> {
    let g = &cli.global;
    match &cli.command {
        Command::Address(args) => commands::address::run(args, g.json),
        Command::Preview(args) => commands::preview::run(args, g.json),
        Command::Init => commands::device::init(g),
        Command::Devices => commands::device::devices(g),
        Command::Device(DeviceCommand::Replace(args)) => commands::device::replace(g, args),
        Command::Device(DeviceCommand::CancelReplace(args)) => {
            commands::device::cancel_replace(g, args)
        }
        Command::Propose(args) => commands::proposals::propose(g, args),
        Command::Proposals(ProposalsCommand::List(args)) => commands::proposals::list(g, args),
        Command::Proposals(ProposalsCommand::Show(args)) => commands::proposals::show(g, args),
        Command::Proposals(ProposalsCommand::Approve(args)) => {
            commands::proposals::approve(g, args)
        }
        Command::Proposals(ProposalsCommand::Reject(args)) => commands::proposals::reject(g, args),
        Command::Proposals(ProposalsCommand::Watch(args)) => commands::proposals::watch(g, args),
        Command::Proposers(ProposersCommand::Add(args)) => commands::proposers::add(g, args),
        Command::Proposers(ProposersCommand::Remove(args)) => commands::proposers::remove(g, args),
        Command::Proposers(ProposersCommand::List(args)) => commands::proposers::list(g, args),
        Command::Audit(AuditCommand::Export(args)) => commands::audit::export(g, args),
        Command::Audit(AuditCommand::Verify(args)) => commands::audit::verify(g, args),
        Command::Backup(BackupCommand::Export(args)) => commands::backup::export(g, args),
        Command::Backup(BackupCommand::Verify(args)) => commands::backup::verify(g, args),
        Command::Backup(BackupCommand::Restore(args)) => commands::backup::restore(g, args),
        Command::Cosigner(CosignerCommand::Serve(args)) => commands::cosigner::serve(g, args),
        Command::Cosigner(CosignerCommand::Ticket(args)) => commands::cosigner::ticket(g, args),
        Command::Wallet(WalletCommand::Create(args)) => commands::wallet::create(g, args),
        Command::Wallet(WalletCommand::List) => commands::wallet::list(g),
        Command::Wallet(WalletCommand::Show(args)) => commands::wallet::show(g, args),
        Command::Wallet(WalletCommand::Refresh(args)) => commands::wallet::refresh(g, args),
        Command::SignTx(args) => commands::sign::sign_tx(g, args),
        Command::Send(args) => commands::send::send(g, args),
        Command::Endpoints(args) => commands::endpoints::run(g, args),
        Command::Policy(PolicyCommand::Show(args)) => commands::policy::show(g, args),
        Command::Policy(PolicyCommand::Propose(args)) => commands::policy::propose(g, args),
        Command::Policy(PolicyCommand::Approve(args)) => {
            commands::policy::sign(g, args, Statement::Approve)
        }
        Command::Policy(PolicyCommand::Cancel(args)) => {
            commands::policy::sign(g, args, Statement::Cancel)
        }
        Command::Policy(PolicyCommand::Delayed(args)) => commands::delayed::list(g, args),
        Command::Policy(PolicyCommand::CancelTransfer(args)) => commands::delayed::cancel(g, args),
    }
}
