//! Command-line syntax.

use clap::{Args, Parser, Subcommand};

/// Accord: a co-signing wallet in which no device holds a whole key.
#[derive(Debug, Parser)]
#[command(name = "accord", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the address of a group public key on a chain.
    Address(AddressArgs),
    /// Preview an unsigned transaction: transfers, fee, warnings.
    Preview(PreviewArgs),
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
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
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
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}
