//! Command-line syntax of the team's proposals and the audit log
//! (`accord propose`, `accord proposals …`, `accord audit …`).

use clap::{Args, Subcommand};

/// `accord propose`.
#[derive(Debug, Args)]
pub struct ProposeArgs {
    /// The wallet's name.
    #[arg(long)]
    pub wallet: String,
    /// bitcoin, ethereum or solana.
    #[arg(long)]
    pub chain: String,
    /// The unsigned transaction: hex, base64 or @FILE (see `accord preview`).
    #[arg(long)]
    pub unsigned: String,
    /// What it is for, shown to every member.
    #[arg(long, default_value = "")]
    pub note: String,
    /// Seconds until it closes unsigned (default 7 days).
    #[arg(long, value_name = "SECS")]
    pub expires: Option<u64>,
}

/// `accord proposals …`.
#[derive(Debug, Subcommand)]
pub enum ProposalsCommand {
    /// The proposals, oldest first.
    List(ProposalsListArgs),
    /// One proposal: preview, votes, status, the signed transaction once done.
    Show(ProposalIdArgs),
    /// Approve a proposal (signed by this device).
    Approve(ProposalIdArgs),
    /// Reject a proposal (signed by this device).
    Reject(ProposalRejectArgs),
    /// One JSON line per new proposal or change, until interrupted.
    Watch(ProposalsListArgs),
}

/// `accord proposals list | watch`.
#[derive(Debug, Args)]
pub struct ProposalsListArgs {
    /// Only this wallet's.
    #[arg(long)]
    pub wallet: Option<String>,
}

/// `accord proposals show | approve`.
#[derive(Debug, Args)]
pub struct ProposalIdArgs {
    /// The proposal's id (or a unique prefix of it).
    pub id: String,
}

/// `accord proposals reject`.
#[derive(Debug, Args)]
pub struct ProposalRejectArgs {
    /// The proposal's id (or a unique prefix of it).
    pub id: String,
    /// Why, shown to every member.
    #[arg(long, default_value = "")]
    pub reason: String,
}

/// `accord proposers …`.
#[derive(Debug, Subcommand)]
pub enum ProposersCommand {
    /// Let a device propose to a wallet without a share: it cannot approve
    /// or sign. Give its pairing ticket (pairs with it first) or the id of
    /// a device paired already.
    Add(ProposerAddArgs),
    /// Withdraw a device's grant to propose.
    Remove(ProposerRemoveArgs),
    /// The proposer-only devices of this device's wallets, and the wallets
    /// this device only proposes to.
    List(ProposalsListArgs),
}

/// `accord proposers add`.
#[derive(Debug, Args)]
pub struct ProposerAddArgs {
    /// The wallet's name.
    #[arg(long)]
    pub wallet: String,
    /// The device's id (paired with this one already).
    #[arg(
        long,
        value_name = "DEVICE_ID",
        required_unless_present = "ticket",
        conflicts_with = "ticket"
    )]
    pub device: Option<String>,
    /// The device's pairing ticket (`accord1…`, from its `cosigner serve`).
    #[arg(long, value_name = "TICKET")]
    pub ticket: Option<String>,
    /// Its person's name, shown to every member (default: the name it
    /// paired under).
    #[arg(long)]
    pub name: Option<String>,
}

/// `accord proposers remove`.
#[derive(Debug, Args)]
pub struct ProposerRemoveArgs {
    /// The wallet's name.
    #[arg(long)]
    pub wallet: String,
    /// The device's id.
    #[arg(long, value_name = "DEVICE_ID")]
    pub device: String,
}

/// `accord audit …`.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Write this device's whole event log to FILE: hash-chained (each
    /// event covers the one before it), its end signed by the device.
    Export(AuditExportArgs),
    /// Check an exported log: every event's hash, the chain from the
    /// device's first event, the signed end and the device's signature;
    /// names the line where it was cut, edited or reordered.
    Verify(AuditVerifyArgs),
}

/// `accord audit export`.
#[derive(Debug, Args)]
pub struct AuditExportArgs {
    /// The file to write (replaced if it exists).
    #[arg(long, value_name = "FILE")]
    pub out: std::path::PathBuf,
}

/// `accord audit verify`.
#[derive(Debug, Args)]
pub struct AuditVerifyArgs {
    /// The exported log.
    #[arg(value_name = "FILE")]
    pub file: std::path::PathBuf,
}
