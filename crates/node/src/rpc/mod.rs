//! The chain-node IO of a transfer and of a balance, shared by `accord send`
//! and the desktop app: [`build`] asks the chain's node for what an unsigned
//! transaction needs (nonce, fees, coins, blockhash) and returns its bytes
//! to preview and co-sign; [`broadcast`] sends the signed transaction and
//! waits (at most [`CONFIRM_TIMEOUT`]) until it is in a block; [`balance`]
//! reads the wallet's native balance.
//!
//! One private module per chain, each naming the specs it speaks: `eth`
//! (Ethereum JSON-RPC, EIP-1559, EIP-155, EIP-20), `btc` (Esplora REST API,
//! BIP341 key-path spends) and `sol` (Solana JSON-RPC, System and SPL
//! Token programs). The requests and the parsing of the answers are
//! `accord_chains`' (no IO there); [`Http`] carries them, over HTTPS
//! ([`tls`]) to the endpoints of [`endpoint`].

mod btc;
pub mod endpoint;
mod error;
mod eth;
mod http;
pub mod presets;
mod sol;
pub mod tls;

use std::time::Duration;

use accord_chains::signing::{Signed, WalletPublicKeys};
use accord_chains::{Amount, Chain};

pub use self::error::{Field, SendError};
pub use self::http::{Http, RETRY_BACKOFF, RETRY_ROUNDS};

/// The longest wait for a broadcast transaction to be in a block.
pub const CONFIRM_TIMEOUT: Duration = Duration::from_secs(60);
/// How often the node is asked whether it is.
pub const POLL: Duration = Duration::from_millis(500);

/// A transfer to build: what the user asked for, before the node is asked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transfer {
    /// The chain.
    pub chain: Chain,
    /// The recipient's address.
    pub to: String,
    /// The amount, as a decimal in whole units of the asset (BTC, ETH, SOL,
    /// or the token's unit), e.g. `"0.5"`.
    pub amount: String,
    /// A token instead of the chain's coin: an ERC-20 contract (Ethereum)
    /// or an SPL mint (Solana); Bitcoin has none.
    pub token: Option<String>,
    /// Ethereum: the EIP-155 chain id the transaction is for (the node must
    /// serve it). `None`: 1 for a mainnet wallet, else the node's.
    pub chain_id: Option<u64>,
    /// Bitcoin: the fee rate in sat/vB. `None`: the server's estimate for
    /// six blocks (1 sat/vB on a test network whose server has none).
    pub fee_rate: Option<u64>,
}

/// The unsigned transaction for `transfer` from the wallet with `keys` on
/// `network`, built from the node's answers: a PSBT (Bitcoin), an EIP-2718
/// payload (Ethereum) or a wire transaction with empty signatures (Solana).
pub async fn build(
    http: &Http,
    transfer: &Transfer,
    network: &str,
    keys: &WalletPublicKeys,
) -> Result<Vec<u8>, SendError> {
    match transfer.chain {
        Chain::Bitcoin => btc::build(http, transfer, network, keys).await,
        Chain::Ethereum => eth::build(http, transfer, network, keys).await,
        Chain::Solana => sol::build(http, transfer, network, keys).await,
    }
}

/// Broadcasts `signed` and waits until it is in a block (at most
/// [`CONFIRM_TIMEOUT`]): the block height (Bitcoin), block number
/// (Ethereum) or slot (Solana).
pub async fn broadcast(http: &Http, chain: Chain, signed: &Signed) -> Result<u64, SendError> {
    match chain {
        Chain::Bitcoin => btc::broadcast(http, signed).await,
        Chain::Ethereum => eth::broadcast(http, signed).await,
        Chain::Solana => sol::broadcast(http, signed).await,
    }
}

/// The native balance of the wallet's address on `chain`, with the coin's
/// decimals (BTC 8, ETH 18, SOL 9): Bitcoin confirmed plus unconfirmed,
/// Ethereum at the latest block, Solana at `confirmed`. Its `to_string()`
/// is the decimal (`"1.5"`); [`native_symbol`] gives the unit.
pub async fn balance(
    http: &Http,
    chain: Chain,
    network: &str,
    keys: &WalletPublicKeys,
) -> Result<Amount, SendError> {
    match chain {
        Chain::Bitcoin => btc::balance(http, network, keys).await,
        Chain::Ethereum => eth::balance(http, network, keys).await,
        Chain::Solana => sol::balance(http, network, keys).await,
    }
}

/// The decimals of `chain`'s coin: BTC 8, ETH 18, SOL 9.
pub const fn native_decimals(chain: Chain) -> u8 {
    match chain {
        Chain::Bitcoin => 8,
        Chain::Ethereum => 18,
        Chain::Solana => 9,
    }
}

/// The symbol of `chain`'s coin: `BTC`, `ETH`, `SOL`.
pub const fn native_symbol(chain: Chain) -> &'static str {
    match chain {
        Chain::Bitcoin => "BTC",
        Chain::Ethereum => "ETH",
        Chain::Solana => "SOL",
    }
}

/// `text` in base units of an asset with `decimals`, exactly; not zero.
fn amount(text: &str, decimals: u8) -> Result<Amount, SendError> {
    let amount = Amount::parse(text.trim(), decimals).map_err(SendError::Amount)?;
    if amount.units().is_zero() {
        return Err(SendError::ZeroAmount);
    }
    Ok(amount)
}

/// `text` in base units that must fit in a `u64` (satoshi, lamports, SPL units).
fn amount_u64(text: &str, decimals: u8) -> Result<u64, SendError> {
    u64::try_from(amount(text, decimals)?.units()).map_err(|_| SendError::AmountTooLarge {
        amount: text.to_owned(),
    })
}

/// The broadcast transaction `txid` is not in a block after [`CONFIRM_TIMEOUT`].
fn not_confirmed(txid: &str) -> SendError {
    SendError::NotConfirmed {
        txid: txid.to_owned(),
        waited: CONFIRM_TIMEOUT,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_exact_and_not_zero() {
        assert_eq!(amount("0.5", 8).map(|a| a.to_string()), Ok("0.5".into()));
        assert_eq!(amount(" 1 ", 18).map(|a| a.decimals()), Ok(18));
        assert_eq!(amount("0.000", 9), Err(SendError::ZeroAmount));
        assert!(matches!(amount("1e5", 8), Err(SendError::Amount(_))));
        assert!(matches!(amount("0.123", 2), Err(SendError::Amount(_))));
        assert_eq!(amount_u64("0.00000001", 8), Ok(1));
        assert_eq!(
            amount_u64("18446744073709551616", 0),
            Err(SendError::AmountTooLarge {
                amount: "18446744073709551616".into()
            })
        );
    }

    #[test]
    fn bitcoin_has_no_tokens() {
        let keys = WalletPublicKeys {
            taproot_output: [2; 32],
            taproot_internal: None,
            ecdsa: [2; 33],
            ed25519: [3; 32],
        };
        let http = Http::new("http://127.0.0.1:1").unwrap();
        let transfer = Transfer {
            chain: Chain::Bitcoin,
            to: "bcrt1q".into(),
            amount: "1".into(),
            token: Some("x".into()),
            chain_id: None,
            fee_rate: None,
        };
        let err = pollster::block_on(build(&http, &transfer, "regtest", &keys)).unwrap_err();
        assert!(matches!(err, SendError::Unsupported(_)), "{err}");
    }

    #[test]
    fn urls() {
        assert!(Http::new(" http://127.0.0.1:8545/ ").is_ok());
        assert!(Http::new("https://rpc.example, http://127.0.0.1:8545").is_ok());
        assert!(matches!(
            Http::new("http://rpc.example"),
            Err(SendError::PlainHttp { .. })
        ));
        assert_eq!(
            Http::new("ftp://x").unwrap_err(),
            SendError::Url {
                url: "ftp://x".into()
            }
        );
    }
}
