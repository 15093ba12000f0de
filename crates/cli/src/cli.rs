//! Command-line syntax.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

mod team;
pub use team::*;

/// Accord: a co-signing wallet in which no device holds a whole key.
#[derive(Debug, Parser)]
#[command(name = "accord", version, about)]
pub struct Cli {
    /// Options every command takes.
    #[command(flatten)]
    pub global: Global,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes (before or after the command's name).
#[derive(Debug, Clone, Args)]
pub struct Global {
    /// The device's data directory (default: $ACCORD_DATA_DIR, else the
    /// platform data directory, e.g. ~/.local/share/accord).
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Print JSON.
    #[arg(long, global = true)]
    pub json: bool,
    /// Use no relay servers: reach peers on loopback only (tests, one machine).
    #[arg(long, global = true)]
    pub no_relay: bool,
    /// Unlock the store with this key file (32 bytes or 64 hex digits).
    /// Without it: $ACCORD_WRAPPING_KEY (64 hex digits), else
    /// $ACCORD_PASSPHRASE, else a passphrase asked on the terminal.
    #[arg(long, global = true, value_name = "PATH")]
    pub key_file: Option<PathBuf>,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the address of a group public key on a chain.
    Address(AddressArgs),
    /// Preview an unsigned transaction: transfers, fee, warnings.
    Preview(PreviewArgs),
    /// Create this device's identity (if needed) and print its device id.
    Init,
    /// Run or pair a co-signer (phone stand-in or recovery server).
    #[command(subcommand)]
    Cosigner(CosignerCommand),
    /// Create, list and show wallets.
    #[command(subcommand)]
    Wallet(WalletCommand),
    /// Co-sign an unsigned transaction with a quorum of the wallet's devices.
    SignTx(SignTxArgs),
    /// Build, co-sign, broadcast and confirm a transfer.
    Send(SendArgs),
    /// Show, propose, approve or cancel a wallet's policy (what a recovery
    /// server signs).
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Export, check or restore a backup of this device's part of a wallet.
    #[command(subcommand)]
    Backup(BackupCommand),
    /// List the devices paired with this one.
    Devices,
    /// Replace a wallet's lost device, or cancel a replacement.
    #[command(subcommand)]
    Device(DeviceCommand),
    /// Propose a transaction to the wallet's team: every member previews
    /// it and approves or rejects it when they next look; a quorum's
    /// approvals get it signed without anyone acting again.
    Propose(ProposeArgs),
    /// List, show, approve, reject or watch the team's proposals.
    #[command(subcommand)]
    Proposals(ProposalsCommand),
    /// Let devices without a share propose to a wallet (they cannot
    /// approve), withdraw them, list them.
    #[command(subcommand)]
    Proposers(ProposersCommand),
    /// Export this device's tamper-evident event log, or check an exported
    /// one.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Show or set the chain endpoints used per network (the desktop's
    /// Settings): `accord endpoints`, `accord endpoints set …`.
    Endpoints(EndpointsArgs),
}

/// `accord endpoints [set --chain C --network N URLS]`.
#[derive(Debug, Args)]
pub struct EndpointsArgs {
    /// Set instead of show.
    #[command(subcommand)]
    pub set: Option<EndpointsCommand>,
}

/// `accord endpoints set`.
#[derive(Debug, Subcommand)]
pub enum EndpointsCommand {
    /// Set the endpoints of a chain on a network: one URL or several
    /// separated by commas, tried in order; "" goes back to the presets.
    Set(SetEndpointArgs),
}

/// `accord endpoints set`.
#[derive(Debug, Args)]
pub struct SetEndpointArgs {
    /// bitcoin, ethereum or solana.
    #[arg(long)]
    pub chain: String,
    /// mainnet, testnet, signet or regtest (the wallet's network).
    #[arg(long)]
    pub network: String,
    /// The URLs ("" for the presets).
    pub urls: String,
}

/// `accord device …`.
#[derive(Debug, Subcommand)]
pub enum DeviceCommand {
    /// Replace the lost member DEVICE_ID of a wallet with the device of
    /// TICKET: the other members repair its shares, then all refresh. A
    /// recovery server takes part only after the replacement's delay
    /// (prints {"pending_until": …} until then; run it again after).
    /// Prints {"wallet","epoch","replaced","by"} when done.
    Replace(ReplaceArgs),
    /// Cancel a replacement of a device of the wallet that waits for its
    /// delay (any member; every member online is told).
    CancelReplace(CancelReplaceArgs),
}

/// `accord device replace`.
#[derive(Debug, Args)]
pub struct ReplaceArgs {
    /// The wallet's name.
    #[arg(long)]
    pub wallet: String,
    /// The lost member's device id (`wallet show`).
    #[arg(long, value_name = "DEVICE_ID")]
    pub lost: String,
    /// The new device's pairing ticket (`accord1…`).
    #[arg(long, value_name = "TICKET")]
    pub peer: String,
}

/// `accord device cancel-replace`.
#[derive(Debug, Args)]
pub struct CancelReplaceArgs {
    /// The wallet's name.
    #[arg(long)]
    pub wallet: String,
}

/// `accord backup …`. The passphrase comes from
/// `$ACCORD_BACKUP_PASSPHRASE`, else it is asked (twice for an export).
#[derive(Debug, Subcommand)]
pub enum BackupCommand {
    /// Write this device's shares of a wallet, what it needs to rejoin it
    /// and its identity to FILE, sealed under a passphrase.
    Export(BackupExportArgs),
    /// Open FILE and check it (every share against the group keys);
    /// writes nothing.
    Verify(BackupFileArgs),
    /// Restore FILE into --data-dir (an empty one, or this device's).
    Restore(BackupFileArgs),
}

/// `accord backup export`.
#[derive(Debug, Args)]
pub struct BackupExportArgs {
    /// The wallet's name.
    #[arg(long)]
    pub wallet: String,
    /// The file to write (refused if it exists).
    #[arg(long, value_name = "FILE")]
    pub out: std::path::PathBuf,
}

/// `accord backup verify | restore`.
#[derive(Debug, Args)]
pub struct BackupFileArgs {
    /// The backup file.
    #[arg(long = "in", value_name = "FILE")]
    pub file: std::path::PathBuf,
}

/// `accord address`.
#[derive(Debug, Args)]
pub struct AddressArgs {
    /// bitcoin, ethereum or solana.
    #[arg(long)]
    pub chain: String,
    /// Bitcoin: mainnet, testnet, signet or regtest (default mainnet).
    /// Solana: a label for the cluster (default mainnet).
    #[arg(long)]
    pub network: Option<String>,
    /// Hex. Bitcoin: the 32-byte x-only Taproot output key; Ethereum: the
    /// 33-byte compressed (or 65-byte uncompressed) secp256k1 key; Solana:
    /// the 32-byte Ed25519 key.
    #[arg(long)]
    pub public_key: String,
}

/// `accord preview`.
#[derive(Debug, Args)]
pub struct PreviewArgs {
    /// bitcoin, ethereum or solana.
    #[arg(long)]
    pub chain: String,
    /// Bitcoin: mainnet, testnet, signet or regtest (default mainnet).
    /// Solana: a label for the cluster (default mainnet). Ethereum: the
    /// chain id in the transaction decides; a network name (`mainnet`,
    /// `sepolia`) or chain id (`1`) given here must agree with it.
    #[arg(long)]
    pub network: Option<String>,
    /// The unsigned transaction: hex (optionally 0x…), base64, or @FILE
    /// (binary, hex or base64). Bitcoin: a PSBT; Ethereum: the EIP-2718
    /// payload 0x02‖rlp(fields); Solana: message bytes or a transaction
    /// with empty signature slots.
    #[arg(long)]
    pub unsigned: String,
    /// The wallet's own address, to recognise change and self-sends.
    #[arg(long)]
    pub wallet: Option<String>,
}

/// `accord cosigner …`.
#[derive(Debug, Subcommand)]
pub enum CosignerCommand {
    /// Run the co-signer until SIGINT or SIGTERM. The first line on
    /// standard output is `{"device_id": …, "ticket": …}`.
    Serve(ServeArgs),
    /// Issue another pairing ticket for the co-signer of this data
    /// directory (it may be running).
    Ticket(TicketArgs),
}

/// What a co-signer is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Role {
    /// A person approves each request at the terminal.
    Phone,
    /// Signs only what the wallet's policy allows.
    Recovery,
    /// A team member's always-on node: relays and keeps the team's
    /// proposals, co-signs what its person approved (`accord proposals
    /// approve`), asks at the terminal about anything else.
    Member,
}

impl Role {
    /// The node's role.
    pub fn node_role(self) -> accord_node::Role {
        match self {
            Role::Phone => accord_node::Role::Phone,
            Role::Recovery => accord_node::Role::Recovery,
            Role::Member => accord_node::Role::Member,
        }
    }

    /// The device name the co-signer tells its peers.
    pub fn name(self) -> &'static str {
        match self {
            Role::Phone => "phone",
            Role::Recovery => "recovery",
            Role::Member => "member",
        }
    }
}

/// `accord cosigner serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// phone (asks at the terminal) or recovery (signs by policy).
    #[arg(long, value_enum)]
    pub role: Role,
    /// Approve every request without asking and ignore policies.
    /// FOR TESTS AND DEMOS ONLY: never with a wallet holding value.
    #[arg(long)]
    pub auto_approve: bool,
    /// How long a replacement of a wallet's device waits here before this
    /// co-signer (a recovery server) takes part, in seconds, instead of the
    /// wallet policy's `replace_delay` (72 hours by default); kept for later
    /// runs. Any member can cancel meanwhile.
    #[arg(long, value_name = "SECS")]
    pub replacement_delay: Option<u64>,
    /// The name this device shows to the other members (default: the
    /// role's).
    #[arg(long)]
    pub name: Option<String>,
    /// How long the printed pairing ticket stays valid, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 600,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub ticket_ttl: u64,
}

/// `accord cosigner ticket`.
#[derive(Debug, Args)]
pub struct TicketArgs {
    /// How long the ticket stays valid, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 600,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub ttl: u64,
}

/// `accord wallet …`.
#[derive(Debug, Subcommand)]
pub enum WalletCommand {
    /// Create a wallet with the devices whose pairing tickets are given.
    Create(CreateArgs),
    /// List the wallets this device holds a share of.
    List,
    /// Show one wallet and its event log.
    Show(ShowArgs),
    /// Refresh the wallet's shares with every member (all online): same
    /// keys and addresses, and every earlier share, copy and backup stops
    /// working. Prints {"wallet","epoch"}.
    Refresh(RefreshArgs),
}

/// `accord wallet refresh`.
#[derive(Debug, Args)]
pub struct RefreshArgs {
    /// The wallet's name.
    #[arg(long)]
    pub wallet: String,
}

/// `accord wallet create`.
#[derive(Debug, Args)]
pub struct CreateArgs {
    /// The wallet's name.
    #[arg(long)]
    pub name: String,
    /// How many devices must sign.
    #[arg(long)]
    pub threshold: u16,
    /// A co-signer's pairing ticket (`accord1…`); once per co-signer.
    #[arg(long = "peer", value_name = "TICKET", required = true)]
    pub peers: Vec<String>,
    /// The network the wallet is for.
    #[arg(long, default_value = "regtest", value_parser = ["mainnet", "testnet", "signet", "regtest"])]
    pub network: String,
    /// The wallet's first policy, a JSON document (README: "Policies"),
    /// shown to every member and agreed by all; its `wallet_id`, `version`
    /// and `previous` may be left out. Default: the cautious default.
    #[arg(long, value_name = "POLICY.json")]
    pub policy: Option<std::path::PathBuf>,
}

/// `accord wallet show`.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The wallet's name.
    pub wallet: String,
}

/// `accord sign-tx`.
#[derive(Debug, Args)]
pub struct SignTxArgs {
    /// The wallet's name.
    #[arg(long)]
    pub wallet: String,
    /// bitcoin, ethereum or solana.
    #[arg(long)]
    pub chain: String,
    /// The unsigned transaction: hex, base64 or @FILE (see `accord preview`).
    #[arg(long)]
    pub unsigned: String,
    /// Sign without asking for confirmation.
    #[arg(long)]
    pub yes: bool,
    /// Ask this co-signer first (its party id in the wallet, see `wallet
    /// show`); repeatable, in order of preference. The others follow.
    #[arg(long = "cosigner", value_name = "PARTY")]
    pub cosigners: Vec<u8>,
    /// Bitcoin: also write the signed PSBT (base64, BIP174; each wallet
    /// input's PSBT_IN_TAP_KEY_SIG set, nothing finalized) to FILE, for
    /// the wallet that made the PSBT to finalize or combine.
    #[arg(long, value_name = "FILE")]
    pub psbt_out: Option<PathBuf>,
}

/// `accord send`.
#[derive(Debug, Args)]
pub struct SendArgs {
    /// The wallet's name.
    #[arg(long)]
    pub wallet: String,
    /// bitcoin, ethereum or solana.
    #[arg(long)]
    pub chain: String,
    /// The recipient's address.
    #[arg(long)]
    pub to: String,
    /// The amount, as a decimal in the asset's unit (BTC, ETH, SOL, or the
    /// token's unit), e.g. 0.01.
    #[arg(long)]
    pub amount: String,
    /// A token to send instead of the chain's coin: an ERC-20 contract
    /// address (Ethereum) or an SPL mint (Solana).
    #[arg(long)]
    pub token: Option<String>,
    /// The chain's API: Ethereum or Solana JSON-RPC URL, Bitcoin Esplora
    /// base URL; several separated by commas are tried in order. https://,
    /// or http:// to a loopback or private host. Default: this device's
    /// endpoints for the wallet's network (`accord endpoints`), or for
    /// --chain-id the public RPCs Accord knows for that chain.
    #[arg(long, value_name = "URL[,URL..]")]
    pub rpc: Option<String>,
    /// Ethereum: the chain id the transaction is for (the node must serve
    /// it). Default: 1 for a mainnet wallet, else the node's chain id.
    #[arg(long)]
    pub chain_id: Option<u64>,
    /// Bitcoin: the fee rate in sat/vB (default: the server's estimate for
    /// six blocks).
    #[arg(long, value_name = "SAT_PER_VB")]
    pub fee_rate: Option<u64>,
    /// Sign without asking for confirmation.
    #[arg(long)]
    pub yes: bool,
}

/// `accord policy …`.
#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// The version in force, its rules, pending changes and who signed.
    Show(PolicyShowArgs),
    /// Propose the next version (signed by this device): a tightening is
    /// in force at once; a loosening needs a quorum of the wallet's user
    /// devices, then waits out the current delay.
    Propose(Box<PolicyProposeArgs>),
    /// Approve a pending version (on another member device).
    Approve(PolicyVersionArgs),
    /// Cancel a pending version (any member, while it is pending).
    Cancel(PolicyVersionArgs),
    /// The transfers the policy delays: what each member queued, when its
    /// delay is over, who cancelled.
    Delayed(PolicyShowArgs),
    /// Cancel a delayed transfer (any member, for good): the recovery
    /// server will not co-sign it.
    CancelTransfer(CancelTransferArgs),
}

/// `accord policy cancel-transfer`.
#[derive(Debug, Args)]
pub struct CancelTransferArgs {
    /// The wallet's name.
    #[arg(long)]
    pub wallet: String,
    /// The transfer's id (`accord policy delayed`), or its start.
    #[arg(long)]
    pub id: String,
}

/// `accord policy propose`.
#[derive(Debug, Clone, Args)]
pub struct PolicyProposeArgs {
    /// The wallet's name.
    #[arg(long)]
    pub wallet: String,
    /// The whole next version as a JSON document (README: "Policies");
    /// the other options change the version in force instead.
    #[arg(long, value_name = "POLICY.json", conflicts_with_all = ["chain"])]
    pub file: Option<std::path::PathBuf>,
    /// The chain whose rules change: bitcoin, ethereum or solana.
    #[arg(long, required_unless_present = "file")]
    pub chain: Option<String>,
    /// The EVM chain id (EIP-155) the rules are for (ethereum only).
    #[arg(long)]
    pub chain_id: Option<u64>,
    /// The asset whose limits change: native, or a token contract or mint.
    #[arg(long, default_value = "native")]
    pub asset: String,
    /// The most one transaction may move, in base units.
    #[arg(long, value_name = "BASE_UNITS")]
    pub max_per_tx: Option<String>,
    /// The most all transactions may move within --window, in base units.
    #[arg(long, value_name = "BASE_UNITS", requires = "window")]
    pub max_per_window: Option<String>,
    /// The rolling window of --max-per-window, in seconds.
    #[arg(long, value_name = "SECS", requires = "max_per_window")]
    pub window: Option<u64>,
    /// Add to the address book (repeatable): ADDR or ADDR=NAME.
    #[arg(long = "allow", value_name = "ADDR[=NAME]")]
    pub allow: Vec<String>,
    /// Who may receive: book-only, book-or-delay or anyone.
    #[arg(long)]
    pub recipients: Option<String>,
    /// Allow tokens on this chain (each still needs limits: --asset).
    #[arg(long, conflicts_with = "no_tokens")]
    pub tokens: bool,
    /// Forbid tokens on this chain.
    #[arg(long)]
    pub no_tokens: bool,
    /// Transfers of the asset over this many base units wait the delay.
    #[arg(long, value_name = "BASE_UNITS")]
    pub delay_over: Option<String>,
    /// The wallet's delay, in seconds: for delayed transfers and for a
    /// loosening of the policy.
    #[arg(long, value_name = "SECS")]
    pub delay: Option<u64>,
}

/// `accord policy approve | cancel`.
#[derive(Debug, Args)]
pub struct PolicyVersionArgs {
    /// The wallet's name.
    #[arg(long)]
    pub wallet: String,
    /// The pending version's number.
    #[arg(long)]
    pub version: u64,
    /// The start of its hash, when two pending versions share the number.
    #[arg(long)]
    pub hash: Option<String>,
}

/// `accord policy show`.
#[derive(Debug, Args)]
pub struct PolicyShowArgs {
    /// The wallet's name.
    pub wallet: String,
}
