//! Solana JSON-RPC vocabulary (<https://solana.com/docs/rpc>), no IO:
//! request builders and strict parsers for `getLatestBlockhash`,
//! `getBlockHeight`, `getBalance`, `getAccountInfo` (base64),
//! `getTokenAccountsByOwner` (jsonParsed), `sendTransaction` (base64) and
//! `getSignatureStatuses`, behind [`SolanaRpc`], whose one required method
//! moves a request to a node and back. Answers are checked, never trusted:
//! wrong types, out-of-range numbers, accounts of another owner or mint, or
//! a signature other than ours are [`RpcError::Malformed`].

use core::future::Future;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Value, json};
use solana_hash::Hash;
use solana_pubkey::Pubkey;

use super::address;
use super::programs::{TOKEN_2022_PROGRAM, TOKEN_PROGRAM};
use crate::rpc::{JsonRpcRequest, RpcError};

/// Carries one JSON-RPC request to a Solana node and returns its `result`
/// (see [`crate::rpc::json_rpc_result`]). crates/node implements it over
/// HTTP; the provided methods build the request and parse the answer.
pub trait SolanaRpc: Sync {
    /// Sends `request`, returns the `result` member of the answer.
    fn call(&self, request: JsonRpcRequest)
    -> impl Future<Output = Result<Value, RpcError>> + Send;

    /// `getLatestBlockhash` at `confirmed`.
    fn latest_blockhash(&self) -> impl Future<Output = Result<LatestBlockhash, RpcError>> + Send {
        async move { parse_latest_blockhash(&self.call(latest_blockhash_request()).await?) }
    }

    /// `getBlockHeight` at `confirmed`.
    fn block_height(&self) -> impl Future<Output = Result<u64, RpcError>> + Send {
        async move { parse_block_height(&self.call(block_height_request()).await?) }
    }

    /// `getBalance` of `address`, in lamports.
    fn balance(&self, address: &Pubkey) -> impl Future<Output = Result<u64, RpcError>> + Send {
        let request = balance_request(address);
        async move { parse_balance(&self.call(request).await?) }
    }

    /// `getAccountInfo` of `address` (`None` if it does not exist).
    fn account_info(
        &self,
        address: &Pubkey,
    ) -> impl Future<Output = Result<Option<AccountInfo>, RpcError>> + Send {
        let request = account_info_request(address);
        async move { parse_account_info(&self.call(request).await?) }
    }

    /// `getTokenAccountsByOwner` of `owner` for `mint`.
    fn token_accounts(
        &self,
        owner: &Pubkey,
        mint: &Pubkey,
    ) -> impl Future<Output = Result<Vec<TokenAccount>, RpcError>> + Send {
        let request = token_accounts_request(owner, mint);
        let (owner, mint) = (*owner, *mint);
        async move { parse_token_accounts(&self.call(request).await?, &owner, &mint) }
    }

    /// `sendTransaction` of a signed wire transaction; checks that the node
    /// answers with the transaction's own id (its first signature). Bytes
    /// without a first signature to check against are refused
    /// ([`RpcError::Malformed`]) and never sent.
    fn send_transaction(
        &self,
        wire: &[u8],
    ) -> impl Future<Output = Result<String, RpcError>> + Send {
        let request = send_transaction_request(wire);
        let expected = first_signature(wire);
        async move {
            let expected = expected.ok_or_else(|| {
                RpcError::malformed(
                    "sendTransaction",
                    "the bytes to send are not a signed wire transaction (no first signature): \
                     the node's answer could not be checked, so nothing was sent",
                )
            })?;
            parse_send_transaction(&self.call(request).await?, &expected)
        }
    }

    /// The priority fees (micro-lamports per compute unit) paid in recent
    /// slots by transactions that locked `accounts` (writable).
    fn recent_prioritization_fees(
        &self,
        accounts: &[Pubkey],
    ) -> impl Future<Output = Result<Vec<u64>, RpcError>> + Send {
        let request = recent_prioritization_fees_request(accounts);
        async move { parse_recent_prioritization_fees(&self.call(request).await?) }
    }

    /// `getSignatureStatuses` of `signatures` (base58), one answer each.
    fn signature_statuses(
        &self,
        signatures: &[String],
    ) -> impl Future<Output = Result<Vec<Option<SignatureStatus>>, RpcError>> + Send {
        let request = signature_statuses_request(signatures);
        let count = signatures.len();
        async move { parse_signature_statuses(&self.call(request).await?, count) }
    }
}

/// A blockhash and the last block height at which it is valid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LatestBlockhash {
    /// The blockhash.
    pub blockhash: Hash,
    /// The transaction expires after this block height.
    pub last_valid_block_height: u64,
}

/// An account as `getAccountInfo` returns it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountInfo {
    /// Balance.
    pub lamports: u64,
    /// The program that owns it.
    pub owner: Pubkey,
    /// Its data.
    pub data: Vec<u8>,
    /// Whether it is a program.
    pub executable: bool,
}

/// A token account of an owner.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenAccount {
    /// The token account's address.
    pub address: Pubkey,
    /// Its mint.
    pub mint: Pubkey,
    /// SPL Token or Token-2022.
    pub token_program: Pubkey,
    /// Balance in base units.
    pub amount: u64,
    /// The mint's decimals.
    pub decimals: u8,
    /// Whether it is frozen.
    pub frozen: bool,
}

/// How far a transaction has got.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Confirmation {
    /// Seen by the node, in a block not yet voted on.
    Processed,
    /// Voted on by a supermajority.
    Confirmed,
    /// Rooted: final.
    Finalized,
}

/// The status of one signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignatureStatus {
    /// The slot it landed in.
    pub slot: u64,
    /// How final.
    pub confirmation: Confirmation,
    /// The error if the transaction failed (it was still charged its fee).
    pub error: Option<String>,
}

fn commitment() -> Value {
    json!({"commitment": "confirmed"})
}

/// `getLatestBlockhash`.
pub fn latest_blockhash_request() -> JsonRpcRequest {
    JsonRpcRequest::new("getLatestBlockhash", json!([commitment()]))
}

/// `getBlockHeight`.
pub fn block_height_request() -> JsonRpcRequest {
    JsonRpcRequest::new("getBlockHeight", json!([commitment()]))
}

/// `getBalance`.
pub fn balance_request(address: &Pubkey) -> JsonRpcRequest {
    JsonRpcRequest::new("getBalance", json!([address.to_string(), commitment()]))
}

/// `getAccountInfo`, base64 data.
pub fn account_info_request(address: &Pubkey) -> JsonRpcRequest {
    JsonRpcRequest::new(
        "getAccountInfo",
        json!([address.to_string(), {"encoding": "base64", "commitment": "confirmed"}]),
    )
}

/// `getTokenAccountsByOwner` filtered by mint, jsonParsed.
pub fn token_accounts_request(owner: &Pubkey, mint: &Pubkey) -> JsonRpcRequest {
    JsonRpcRequest::new(
        "getTokenAccountsByOwner",
        json!([
            owner.to_string(),
            {"mint": mint.to_string()},
            {"encoding": "jsonParsed", "commitment": "confirmed"}
        ]),
    )
}

/// `sendTransaction` of wire bytes, base64, with preflight.
pub fn send_transaction_request(wire: &[u8]) -> JsonRpcRequest {
    JsonRpcRequest::new(
        "sendTransaction",
        json!([
            BASE64.encode(wire),
            {"encoding": "base64", "preflightCommitment": "confirmed"}
        ]),
    )
}

/// `getSignatureStatuses`, searching history.
pub fn signature_statuses_request(signatures: &[String]) -> JsonRpcRequest {
    JsonRpcRequest::new(
        "getSignatureStatuses",
        json!([signatures, {"searchTransactionHistory": true}]),
    )
}

fn field<'a>(method: &str, v: &'a Value, name: &str) -> Result<&'a Value, RpcError> {
    v.get(name)
        .ok_or_else(|| RpcError::malformed(method, format!("no {name}")))
}

fn u64_field(method: &str, v: &Value, name: &str) -> Result<u64, RpcError> {
    field(method, v, name)?
        .as_u64()
        .ok_or_else(|| RpcError::malformed(method, format!("{name} is not a u64")))
}

fn str_field<'a>(method: &str, v: &'a Value, name: &str) -> Result<&'a str, RpcError> {
    field(method, v, name)?
        .as_str()
        .ok_or_else(|| RpcError::malformed(method, format!("{name} is not a string")))
}

fn address_field(method: &str, v: &Value, name: &str) -> Result<Pubkey, RpcError> {
    address::parse(str_field(method, v, name)?)
        .map_err(|_| RpcError::malformed(method, format!("{name} is not an address")))
}

/// `{"context": .., "value": X}` → `X`.
fn value<'a>(method: &str, result: &'a Value) -> Result<&'a Value, RpcError> {
    field(method, result, "value")
}

/// Parses `getLatestBlockhash`.
pub fn parse_latest_blockhash(result: &Value) -> Result<LatestBlockhash, RpcError> {
    const M: &str = "getLatestBlockhash";
    let v = value(M, result)?;
    let text = str_field(M, v, "blockhash")?;
    let bytes = bs58::decode(text)
        .into_vec()
        .ok()
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .ok_or_else(|| RpcError::malformed(M, "blockhash is not 32 bytes of base58"))?;
    Ok(LatestBlockhash {
        blockhash: Hash::new_from_array(bytes),
        last_valid_block_height: u64_field(M, v, "lastValidBlockHeight")?,
    })
}

/// Parses `getBlockHeight`.
pub fn parse_block_height(result: &Value) -> Result<u64, RpcError> {
    result
        .as_u64()
        .ok_or_else(|| RpcError::malformed("getBlockHeight", "not a u64"))
}

/// Parses `getBalance`.
pub fn parse_balance(result: &Value) -> Result<u64, RpcError> {
    const M: &str = "getBalance";
    value(M, result)?
        .as_u64()
        .ok_or_else(|| RpcError::malformed(M, "value is not a u64"))
}

/// Parses `getAccountInfo` (base64 encoding).
pub fn parse_account_info(result: &Value) -> Result<Option<AccountInfo>, RpcError> {
    const M: &str = "getAccountInfo";
    let v = value(M, result)?;
    if v.is_null() {
        return Ok(None);
    }
    let data = match field(M, v, "data")?.as_array().map(Vec::as_slice) {
        Some([Value::String(b64), Value::String(encoding)]) if encoding == "base64" => BASE64
            .decode(b64)
            .map_err(|_| RpcError::malformed(M, "data is not base64"))?,
        _ => return Err(RpcError::malformed(M, "data is not [base64, \"base64\"]")),
    };
    Ok(Some(AccountInfo {
        lamports: u64_field(M, v, "lamports")?,
        owner: address_field(M, v, "owner")?,
        data,
        executable: field(M, v, "executable")?
            .as_bool()
            .ok_or_else(|| RpcError::malformed(M, "executable is not a bool"))?,
    }))
}

/// Parses `getTokenAccountsByOwner` (jsonParsed), keeping only what matches
/// the request: every account must be a token account of `owner` for `mint`.
pub fn parse_token_accounts(
    result: &Value,
    owner: &Pubkey,
    mint: &Pubkey,
) -> Result<Vec<TokenAccount>, RpcError> {
    const M: &str = "getTokenAccountsByOwner";
    let list = value(M, result)?
        .as_array()
        .ok_or_else(|| RpcError::malformed(M, "value is not an array"))?;
    list.iter()
        .map(|entry| {
            let account = field(M, entry, "account")?;
            let token_program = address_field(M, account, "owner")?;
            if token_program != TOKEN_PROGRAM && token_program != TOKEN_2022_PROGRAM {
                return Err(RpcError::malformed(
                    M,
                    "account not owned by a token program",
                ));
            }
            let parsed = field(M, field(M, account, "data")?, "parsed")?;
            if str_field(M, parsed, "type")? != "account" {
                return Err(RpcError::malformed(M, "not a token account"));
            }
            let info = field(M, parsed, "info")?;
            if address_field(M, info, "owner")? != *owner {
                return Err(RpcError::malformed(M, "token account of another owner"));
            }
            let account_mint = address_field(M, info, "mint")?;
            if account_mint != *mint {
                return Err(RpcError::malformed(M, "token account of another mint"));
            }
            let amount_field = field(M, info, "tokenAmount")?;
            let amount = str_field(M, amount_field, "amount")?
                .parse::<u64>()
                .map_err(|_| RpcError::malformed(M, "tokenAmount.amount is not a u64"))?;
            let decimals = u8::try_from(u64_field(M, amount_field, "decimals")?)
                .map_err(|_| RpcError::malformed(M, "decimals is not a u8"))?;
            let frozen = match str_field(M, info, "state")? {
                "initialized" => false,
                "frozen" => true,
                _ => return Err(RpcError::malformed(M, "token account state")),
            };
            Ok(TokenAccount {
                address: address_field(M, entry, "pubkey")?,
                mint: account_mint,
                token_program,
                amount,
                decimals,
                frozen,
            })
        })
        .collect()
}

/// The base58 first signature of a wire transaction, if it has one.
pub fn first_signature(wire: &[u8]) -> Option<String> {
    // One to 127 signatures: a one-byte count, then the first signature.
    match wire.first() {
        Some(1..=0x7f) => wire.get(1..65).map(|s| bs58::encode(s).into_string()),
        _ => None,
    }
}

/// Parses `sendTransaction`: the transaction id, which must be `expected`
/// (the transaction's first signature, [`first_signature`]).
pub fn parse_send_transaction(result: &Value, expected: &str) -> Result<String, RpcError> {
    const M: &str = "sendTransaction";
    let id = result
        .as_str()
        .ok_or_else(|| RpcError::malformed(M, "not a string"))?;
    let valid = bs58::decode(id).into_vec().is_ok_and(|b| b.len() == 64);
    if !valid {
        return Err(RpcError::malformed(M, "not a base58 signature"));
    }
    if id != expected {
        return Err(RpcError::malformed(
            M,
            "answered with another transaction's id",
        ));
    }
    Ok(id.to_owned())
}

/// Parses `getSignatureStatuses`: exactly `count` entries, each `null` or a
/// status.
pub fn parse_signature_statuses(
    result: &Value,
    count: usize,
) -> Result<Vec<Option<SignatureStatus>>, RpcError> {
    const M: &str = "getSignatureStatuses";
    let list = value(M, result)?
        .as_array()
        .ok_or_else(|| RpcError::malformed(M, "value is not an array"))?;
    if list.len() != count {
        return Err(RpcError::malformed(
            M,
            format!("{} statuses for {count} signatures", list.len()),
        ));
    }
    list.iter()
        .map(|s| {
            if s.is_null() {
                return Ok(None);
            }
            let confirmation = match str_field(M, s, "confirmationStatus")? {
                "processed" => Confirmation::Processed,
                "confirmed" => Confirmation::Confirmed,
                "finalized" => Confirmation::Finalized,
                _ => return Err(RpcError::malformed(M, "unknown confirmationStatus")),
            };
            let error = match field(M, s, "err")? {
                Value::Null => None,
                e => Some(e.to_string().chars().take(500).collect()),
            };
            Ok(Some(SignatureStatus {
                slot: u64_field(M, s, "slot")?,
                confirmation,
                error,
            }))
        })
        .collect()
}

/// `getRecentPrioritizationFees` for `accounts` (at most 128).
pub fn recent_prioritization_fees_request(accounts: &[Pubkey]) -> JsonRpcRequest {
    let accounts: Vec<String> = accounts.iter().take(128).map(ToString::to_string).collect();
    JsonRpcRequest::new("getRecentPrioritizationFees", json!([accounts]))
}

/// The `prioritizationFee` of each recent slot; at most 1 000 000 000
/// micro-lamports per unit each (above that an answer is malformed).
pub fn parse_recent_prioritization_fees(result: &Value) -> Result<Vec<u64>, RpcError> {
    const M: &str = "getRecentPrioritizationFees";
    let list = result
        .as_array()
        .ok_or_else(|| RpcError::malformed(M, "not an array"))?;
    list.iter()
        .map(|entry| {
            let fee = u64_field(M, entry, "prioritizationFee")?;
            if fee > 1_000_000_000 {
                return Err(RpcError::malformed(
                    M,
                    format!("fee {fee} is not believable"),
                ));
            }
            Ok(fee)
        })
        .collect()
}
