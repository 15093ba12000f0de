//! **Test node**: a Solana cluster of one on LiteSVM (the Agave SVM with
//! signature verification and blockhash checks on), behind the subset of
//! Solana's JSON-RPC API Accord uses: `getLatestBlockhash`,
//! `getBlockHeight`, `getBalance`, `getAccountInfo` (base64),
//! `getTokenAccountsByOwner` (jsonParsed, the token accounts this node was
//! told of), `sendTransaction` (base64), `getSignatureStatuses`,
//! `getRecentPrioritizationFees`, `getMinimumBalanceForRentExemption`,
//! `requestAirdrop`. A sent transaction is executed at once and
//! `finalized`.
//!
//! LiteSVM runs in a child process (`crates/chains/tests/solana_litesvm_node`,
//! its own Cargo workspace: litesvm's pins of the Solana crates cannot share
//! a dependency graph with Accord's), which also decodes the wire bytes with
//! another decoder (bincode + solana-transaction 4) than Accord's encoder.

use std::collections::HashMap;
use std::io::{BufRead as _, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::{Value, json};

use crate::http::{Handler, Request, Response};

/// The SPL Token program.
pub const TOKEN_PROGRAM: &str = "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA";
/// Rent-exempt lamports of a mint (82 bytes) and a token account (165 bytes).
const MINT_LEN: usize = 82;
const TOKEN_ACCOUNT_LEN: usize = 165;

/// How the node lies, for tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hostile {
    /// Honest.
    No,
    /// `getLatestBlockhash` answers a blockhash of another cluster (one
    /// this node never produced).
    ForeignBlockhash,
}

struct Lite {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Drop for Lite {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The node.
pub struct Solana {
    lite: Mutex<Lite>,
    slot: AtomicU64,
    statuses: Mutex<HashMap<String, u64>>,
    /// (owner, mint, token account) this node was told of.
    token_accounts: Mutex<Vec<(String, String, String)>>,
    hostile: Mutex<Hostile>,
    priority_fee: AtomicU64,
}

/// The LiteSVM node's manifest: beside this crate as it was compiled, else
/// found from the working directory up (a build directory shared between
/// checkouts at other paths keeps the path of the one that compiled it).
fn litesvm_manifest() -> PathBuf {
    const RELATIVE: &str = "crates/chains/tests/solana_litesvm_node/Cargo.toml";
    let compiled = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../chains/tests/solana_litesvm_node/Cargo.toml");
    if compiled.is_file() {
        return compiled;
    }
    std::env::current_dir()
        .ok()
        .and_then(|dir| {
            dir.ancestors()
                .map(|d| d.join(RELATIVE))
                .find(|m| m.is_file())
        })
        .unwrap_or(compiled)
}

/// The LiteSVM node's binary: `$ACCORD_LITESVM_NODE`, else built by cargo
/// into `build_dir` (the first time about 100 s of CPU).
pub fn litesvm_binary(build_dir: &Path) -> std::io::Result<PathBuf> {
    if let Some(path) = std::env::var_os("ACCORD_LITESVM_NODE").filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(path));
    }
    let manifest = litesvm_manifest();
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .args(["build", "--quiet", "--locked", "--manifest-path"])
        .arg(&manifest)
        .arg("--target-dir")
        .arg(build_dir)
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .status()?;
    if !status.success() {
        return Err(std::io::Error::other("building the LiteSVM node failed"));
    }
    Ok(build_dir.join("debug/solana-litesvm-node"))
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Solana {
    /// Starts the LiteSVM node at `binary`.
    pub fn start(binary: &Path) -> std::io::Result<Arc<Solana>> {
        let mut child = Command::new(binary)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()?;
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            return Err(std::io::Error::other("no pipes to the LiteSVM node"));
        };
        Ok(Arc::new(Solana {
            lite: Mutex::new(Lite {
                child,
                stdin,
                stdout: BufReader::new(stdout),
            }),
            slot: AtomicU64::new(1),
            statuses: Mutex::new(HashMap::new()),
            token_accounts: Mutex::new(Vec::new()),
            hostile: Mutex::new(Hostile::No),
            priority_fee: AtomicU64::new(0),
        }))
    }

    /// Makes it lie, or stop lying.
    pub fn set_hostile(&self, hostile: Hostile) {
        *lock(&self.hostile) = hostile;
    }

    /// What `getRecentPrioritizationFees` says recent slots paid
    /// (micro-lamports per compute unit; 0 at start).
    pub fn set_priority_fee(&self, micro_lamports_per_unit: u64) {
        self.priority_fee
            .store(micro_lamports_per_unit, Ordering::Relaxed);
    }

    fn op(&self, request: Value) -> Result<Value, String> {
        let mut lite = lock(&self.lite);
        writeln!(lite.stdin, "{request}").map_err(|e| e.to_string())?;
        lite.stdin.flush().map_err(|e| e.to_string())?;
        let mut line = String::new();
        lite.stdout
            .read_line(&mut line)
            .map_err(|e| e.to_string())?;
        let answer: Value = serde_json::from_str(&line).map_err(|e| format!("{e}: {line:?}"))?;
        match (answer.get("ok"), answer.get("err")) {
            (Some(ok), _) => Ok(ok.clone()),
            (_, Some(err)) => Err(err.as_str().unwrap_or_default().to_owned()),
            _ => Err(format!("bad answer {line:?}")),
        }
    }

    /// Gives `lamports` to `to` (base58).
    pub fn airdrop(&self, to: &str, lamports: u64) -> Result<(), String> {
        self.op(json!({"op": "airdrop", "to": to, "lamports": lamports}))
            .map(|_| ())
    }

    /// The lamports of `address`.
    pub fn balance(&self, address: &str) -> Result<u64, String> {
        match self.op(json!({"op": "balance", "address": address}))? {
            // An account that does not exist holds nothing.
            Value::Null => Ok(0),
            v => v.as_u64().ok_or_else(|| "balance is not a number".into()),
        }
    }

    fn rent(&self, len: usize) -> Result<u64, String> {
        self.op(json!({"op": "rent", "len": len}))?
            .as_u64()
            .ok_or_else(|| "rent is not a number".into())
    }

    /// An account's owner and data.
    pub fn account(&self, address: &str) -> Result<Option<(String, Vec<u8>, u64)>, String> {
        let a = self.op(json!({"op": "account", "address": address}))?;
        if a.is_null() {
            return Ok(None);
        }
        let data = B64
            .decode(a["data"].as_str().unwrap_or_default())
            .map_err(|e| e.to_string())?;
        Ok(Some((
            a["owner"].as_str().unwrap_or_default().to_owned(),
            data,
            a["lamports"].as_u64().unwrap_or_default(),
        )))
    }

    fn set_account(&self, address: &str, owner: &str, data: &[u8]) -> Result<(), String> {
        let lamports = self.rent(data.len())?;
        self.op(json!({
            "op": "set_account", "address": address, "owner": owner,
            "lamports": lamports, "data": B64.encode(data),
        }))
        .map(|_| ())
    }

    /// Creates an SPL Token mint at `mint` (no mint authority) with
    /// `decimals`.
    pub fn create_mint(&self, mint: &str, decimals: u8, supply: u64) -> Result<(), String> {
        let mut data = vec![0u8; MINT_LEN];
        data[36..44].copy_from_slice(&supply.to_le_bytes());
        data[44] = decimals;
        data[45] = 1; // initialized
        self.set_account(mint, TOKEN_PROGRAM, &data)
    }

    /// Creates the token account `account` of `owner` for `mint` holding
    /// `amount`, and lists it for `getTokenAccountsByOwner`.
    pub fn create_token_account(
        &self,
        account: &str,
        owner: &str,
        mint: &str,
        amount: u64,
    ) -> Result<(), String> {
        let key = |s: &str| -> Result<Vec<u8>, String> {
            bs58::decode(s)
                .into_vec()
                .ok()
                .filter(|k| k.len() == 32)
                .ok_or_else(|| format!("{s} is not an address"))
        };
        let mut data = vec![0u8; TOKEN_ACCOUNT_LEN];
        data[..32].copy_from_slice(&key(mint)?);
        data[32..64].copy_from_slice(&key(owner)?);
        data[64..72].copy_from_slice(&amount.to_le_bytes());
        data[108] = 1; // initialized
        self.set_account(account, TOKEN_PROGRAM, &data)?;
        lock(&self.token_accounts).push((owner.into(), mint.into(), account.into()));
        Ok(())
    }

    /// The amount an SPL token account holds, if it exists.
    pub fn token_balance(&self, account: &str) -> Result<Option<u64>, String> {
        Ok(self.account(account)?.and_then(|(_, data, _)| {
            data.get(64..72)
                .and_then(|b| <[u8; 8]>::try_from(b).ok())
                .map(u64::from_le_bytes)
        }))
    }

    /// The HTTP handler (JSON-RPC 2.0 over POST).
    pub fn handler(self: &Arc<Self>) -> Handler {
        let node = self.clone();
        Arc::new(move |request: &Request| node.answer(request))
    }

    fn answer(&self, request: &Request) -> Response {
        let Ok(call) = serde_json::from_slice::<Value>(&request.body) else {
            return Response::text(400, "not JSON");
        };
        let id = call["id"].clone();
        let method = call["method"].as_str().unwrap_or_default();
        let params = call["params"].clone();
        let body = match self.call(method, &params) {
            Ok(result) => json!({"jsonrpc": "2.0", "id": id, "result": result}),
            Err((code, message)) => {
                json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}})
            }
        };
        Response::json(&body)
    }

    fn context(&self, value: Value) -> Value {
        json!({"context": {"slot": self.slot.load(Ordering::Relaxed)}, "value": value})
    }

    fn call(&self, method: &str, params: &Value) -> Result<Value, (i64, String)> {
        let internal = |e: String| (-32603, e);
        let param = |i: usize| params.get(i).and_then(Value::as_str).unwrap_or_default();
        let slot = self.slot.load(Ordering::Relaxed);
        match method {
            "getLatestBlockhash" => {
                let blockhash = if *lock(&self.hostile) == Hostile::ForeignBlockhash {
                    json!(bs58::encode([7u8; 32]).into_string())
                } else {
                    self.op(json!({"op": "blockhash"})).map_err(internal)?
                };
                Ok(self
                    .context(json!({"blockhash": blockhash, "lastValidBlockHeight": slot + 150})))
            }
            "getBlockHeight" => Ok(json!(slot)),
            "getBalance" => Ok(self.context(json!(self.balance(param(0)).map_err(internal)?))),
            "getMinimumBalanceForRentExemption" => {
                let len = params.get(0).and_then(Value::as_u64).unwrap_or_default();
                Ok(json!(
                    self.rent(usize::try_from(len).unwrap_or(0))
                        .map_err(internal)?
                ))
            }
            "getAccountInfo" => {
                let value = match self.account(param(0)).map_err(internal)? {
                    Some((owner, data, lamports)) => json!({
                        "lamports": lamports, "owner": owner, "executable": false,
                        "rentEpoch": 0, "space": data.len(),
                        "data": [B64.encode(&data), "base64"],
                    }),
                    None => Value::Null,
                };
                Ok(self.context(value))
            }
            "getTokenAccountsByOwner" => {
                let (owner, mint) = (param(0), params[1]["mint"].as_str().unwrap_or_default());
                let listed: Vec<String> = lock(&self.token_accounts)
                    .iter()
                    .filter(|(o, m, _)| o == owner && m == mint)
                    .map(|(_, _, a)| a.clone())
                    .collect();
                let mut out = Vec::new();
                for account in listed {
                    if let Some(entry) = self.parsed_token_account(&account).map_err(internal)? {
                        out.push(entry);
                    }
                }
                Ok(self.context(json!(out)))
            }
            "sendTransaction" => {
                let sent = self
                    .op(json!({"op": "send", "tx": param(0)}))
                    .map_err(|e| (-32002, format!("Transaction simulation failed: {e}")))?;
                let signature = sent["signature"].as_str().unwrap_or_default().to_owned();
                let slot = self.slot.fetch_add(1, Ordering::Relaxed) + 1;
                lock(&self.statuses).insert(signature.clone(), slot);
                Ok(json!(signature))
            }
            "getSignatureStatuses" => {
                let statuses = lock(&self.statuses);
                let list: Vec<Value> = params[0]
                    .as_array()
                    .map(Vec::as_slice)
                    .unwrap_or_default()
                    .iter()
                    .map(|s| match statuses.get(s.as_str().unwrap_or_default()) {
                        Some(slot) => json!({
                            "slot": slot, "confirmations": null, "err": null,
                            "status": {"Ok": null}, "confirmationStatus": "finalized",
                        }),
                        None => Value::Null,
                    })
                    .collect();
                Ok(self.context(json!(list)))
            }
            "getRecentPrioritizationFees" => {
                let fee = self.priority_fee.load(Ordering::Relaxed);
                Ok(json!([
                    {"slot": slot.saturating_sub(1), "prioritizationFee": 0},
                    {"slot": slot, "prioritizationFee": fee},
                ]))
            }
            "requestAirdrop" => {
                let lamports = params.get(1).and_then(Value::as_u64).unwrap_or_default();
                self.airdrop(param(0), lamports).map_err(internal)?;
                Ok(json!(bs58::encode([slot as u8; 64]).into_string()))
            }
            other => Err((-32601, format!("Method not found: {other}"))),
        }
    }

    /// `getTokenAccountsByOwner`'s jsonParsed entry of a token account.
    fn parsed_token_account(&self, account: &str) -> Result<Option<Value>, String> {
        let Some((owner_program, data, lamports)) = self.account(account)? else {
            return Ok(None);
        };
        if data.len() < TOKEN_ACCOUNT_LEN {
            return Ok(None);
        }
        let b58 = |b: &[u8]| bs58::encode(b).into_string();
        let mint = b58(&data[..32]);
        let amount = u64::from_le_bytes(data[64..72].try_into().unwrap_or_default());
        let decimals = match self.account(&mint)? {
            Some((_, m, _)) if m.len() >= MINT_LEN => m[44],
            _ => return Ok(None),
        };
        let state = if data[108] == 2 {
            "frozen"
        } else {
            "initialized"
        };
        Ok(Some(json!({
            "pubkey": account,
            "account": {
                "lamports": lamports, "owner": owner_program, "executable": false,
                "rentEpoch": 0, "space": data.len(),
                "data": {
                    "program": "spl-token", "space": data.len(),
                    "parsed": {"type": "account", "info": {
                        "mint": mint, "owner": b58(&data[32..64]), "state": state,
                        "isNative": false,
                        "tokenAmount": {"amount": amount.to_string(), "decimals": decimals},
                    }},
                },
            },
        })))
    }
}
