//! Command-line syntax.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

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
    /// Set or show a wallet's signing policy (what a recovery server signs).
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// List the devices paired with this one.
    Devices,
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
    /// chain id in the transaction decides.
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
}

impl Role {
    /// The node's role.
    pub fn node_role(self) -> accord_node::Role {
        match self {
            Role::Phone => accord_node::Role::Phone,
            Role::Recovery => accord_node::Role::Recovery,
        }
    }

    /// The device name the co-signer tells its peers.
    pub fn name(self) -> &'static str {
        match self {
            Role::Phone => "phone",
            Role::Recovery => "recovery",
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
    /// base URL (http:// only in this build).
    #[arg(long, value_name = "URL")]
    pub rpc: String,
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
    /// Set the wallet's rule for one chain (replacing the chain's old rule).
    Set(PolicySetArgs),
    /// Print the wallet's policy.
    Show(PolicyShowArgs),
}

/// `accord policy set`.
#[derive(Debug, Args)]
pub struct PolicySetArgs {
    /// The wallet's name.
    #[arg(long)]
    pub wallet: String,
    /// bitcoin, ethereum or solana.
    #[arg(long)]
    pub chain: String,
    /// The most of the chain's coin one transaction may send to others, in
    /// base units (satoshi, wei, lamports). Default: no cap.
    #[arg(long, value_name = "AMOUNT_IN_BASE_UNITS")]
    pub max: Option<String>,
    /// A recipient allowed (repeatable); none: any recipient.
    #[arg(long = "allow", value_name = "ADDR")]
    pub allow: Vec<String>,
    /// Allow token transfers (and, on Ethereum, any token call).
    #[arg(long)]
    pub tokens: bool,
}

/// `accord policy show`.
#[derive(Debug, Args)]
pub struct PolicyShowArgs {
    /// The wallet's name.
    pub wallet: String,
}
