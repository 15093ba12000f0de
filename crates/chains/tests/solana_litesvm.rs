#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Solana end to end on LiteSVM (the Agave SVM with mainnet features,
//! signature verification and blockhash checks on), signed by a 2-of-3
//! FROST-Ed25519 key: SOL transfer with a priority fee, SPL `TransferChecked`
//! creating the recipient's associated token account, the fee LiteSVM charges
//! equal to the previewed fee, and refusals of a tampered signature and an
//! expired blockhash.
//!
//! LiteSVM runs in a child process (`tests/solana_litesvm_node`, its own
//! Cargo workspace): every litesvm release pins solana-hash / solana-address
//! to minors older than solana-message 6 requires, so the two cannot share a
//! dependency graph. The node decodes our wire bytes with bincode +
//! solana-transaction 4 — an independent decoder. It is built on first use
//! into `$CARGO_TARGET_TMPDIR/solana-litesvm-node` (about 100 s of CPU the
//! first time), or taken from `$ACCORD_LITESVM_NODE` if set.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::str::FromStr;
use std::sync::{Arc, OnceLock};

use accord_chains::solana::fee::ComputeBudget;
use accord_chains::solana::instruction::compute_budget::set_compute_unit_price;
use accord_chains::solana::instruction::system;
use accord_chains::solana::preview::TOKEN_ACCOUNT_RENT;
use accord_chains::solana::programs::TOKEN_PROGRAM;
use accord_chains::solana::{Hash, Pubkey, SplTransfer, UnsignedTx, address, preview};
use accord_chains::{Asset, FeeKind};
use accord_mpc::sim;
use accord_mpc::{GroupKey, KeyShare, Parameters, PartyId, Scheme, Signature};
use alloy_primitives::U256;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use rand::rngs::OsRng;
use serde_json::{Value, json};

const LAMPORTS_PER_SOL: u64 = 1_000_000_000;

// ---------------------------------------------------------------- the node

fn node_binary() -> PathBuf {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY
        .get_or_init(|| {
            if let Some(path) = std::env::var_os("ACCORD_LITESVM_NODE") {
                return PathBuf::from(path);
            }
            let manifest =
                PathBuf::from(manifest_dir()).join("tests/solana_litesvm_node/Cargo.toml");
            let target = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("solana-litesvm-node");
            let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
            let status = Command::new(cargo)
                .args(["build", "--quiet", "--locked", "--manifest-path"])
                .arg(&manifest)
                .arg("--target-dir")
                .arg(&target)
                .env_remove("CARGO_TARGET_DIR")
                .env_remove("RUSTFLAGS")
                .env_remove("CARGO_ENCODED_RUSTFLAGS")
                .status()
                .expect("run cargo to build the LiteSVM node");
            assert!(status.success(), "building the LiteSVM node failed");
            target.join("debug/solana-litesvm-node")
        })
        .clone()
}

struct Node {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Node {
    fn start() -> Node {
        let mut child = Command::new(node_binary())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the LiteSVM node");
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        Node {
            child,
            stdin,
            stdout,
        }
    }

    fn call(&mut self, request: Value) -> Result<Value, String> {
        writeln!(self.stdin, "{request}").unwrap();
        self.stdin.flush().unwrap();
        let mut line = String::new();
        self.stdout.read_line(&mut line).unwrap();
        let answer: Value = serde_json::from_str(&line).expect("node answers JSON");
        match answer.get("err") {
            Some(e) => Err(e.as_str().unwrap_or_default().to_owned()),
            None => Ok(answer["ok"].clone()),
        }
    }

    fn ok(&mut self, request: Value) -> Value {
        let what = request.to_string();
        self.call(request)
            .unwrap_or_else(|e| panic!("{what} failed: {e}"))
    }

    fn blockhash(&mut self) -> Hash {
        Hash::from_str(self.ok(json!({"op": "blockhash"})).as_str().unwrap()).unwrap()
    }

    fn airdrop(&mut self, to: &Pubkey, lamports: u64) {
        self.ok(json!({"op": "airdrop", "to": to.to_string(), "lamports": lamports}));
    }

    fn balance(&mut self, address: &Pubkey) -> u64 {
        self.ok(json!({"op": "balance", "address": address.to_string()}))
            .as_u64()
            .unwrap_or(0)
    }

    fn rent(&mut self, len: usize) -> u64 {
        self.ok(json!({"op": "rent", "len": len})).as_u64().unwrap()
    }

    fn account_data(&mut self, address: &Pubkey) -> Option<(Pubkey, Vec<u8>)> {
        let a = self.ok(json!({"op": "account", "address": address.to_string()}));
        if a.is_null() {
            return None;
        }
        let owner = address::parse(a["owner"].as_str().unwrap()).unwrap();
        Some((owner, B64.decode(a["data"].as_str().unwrap()).unwrap()))
    }

    fn set_account(&mut self, address: &Pubkey, owner: &Pubkey, data: &[u8]) {
        let lamports = self.rent(data.len());
        self.ok(json!({
            "op": "set_account",
            "address": address.to_string(),
            "owner": owner.to_string(),
            "lamports": lamports,
            "data": B64.encode(data),
        }));
    }

    /// Sends wire bytes; the fee LiteSVM charged.
    fn send(&mut self, wire: &[u8]) -> Result<u64, String> {
        self.call(json!({"op": "send", "tx": B64.encode(wire)}))
            .map(|meta| meta["fee"].as_u64().unwrap())
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---------------------------------------------------------------- the key

struct Wallet {
    shares: Vec<Arc<KeyShare>>,
    address: Pubkey,
}

impl Wallet {
    fn new() -> Wallet {
        let (shares, _) = sim::keygen(
            Scheme::FrostEd25519,
            Parameters::new(2, 3).unwrap(),
            &mut OsRng,
        )
        .unwrap();
        let GroupKey::Ed25519(key) = shares[0].group_key() else {
            panic!("not an Ed25519 group key")
        };
        Wallet {
            address: address::from_public_key(&key).unwrap(),
            shares,
        }
    }

    /// Parties 1 and 2 sign `message` (party 1 coordinates).
    fn sign(&self, message: &[u8]) -> [u8; 64] {
        let p1 = PartyId::new(1).unwrap();
        let p2 = PartyId::new(2).unwrap();
        let (signature, _) = sim::sign(&self.shares, &[p1, p2], p1, message, &mut OsRng).unwrap();
        let Signature::Ed25519(sig) = signature else {
            panic!("not an Ed25519 signature")
        };
        sig
    }
}

fn fresh_key() -> Pubkey {
    let secret: [u8; 32] = rand::random();
    let key = ed25519_dalek::SigningKey::from_bytes(&secret).verifying_key();
    Pubkey::new_from_array(key.to_bytes())
}

// ----------------------------------------------------- SPL account layouts

/// An initialized SPL Token mint (82 bytes) without authorities.
fn mint_data(supply: u64, decimals: u8) -> Vec<u8> {
    let mut d = vec![0u8; 4 + 32]; // mint_authority: COption::None
    d.extend_from_slice(&supply.to_le_bytes());
    d.push(decimals);
    d.push(1); // is_initialized
    d.extend_from_slice(&[0u8; 4 + 32]); // freeze_authority: None
    assert_eq!(d.len(), 82);
    d
}

/// An initialized SPL Token account (165 bytes).
fn token_account_data(mint: &Pubkey, owner: &Pubkey, amount: u64) -> Vec<u8> {
    let mut d = Vec::with_capacity(165);
    d.extend_from_slice(mint.as_ref());
    d.extend_from_slice(owner.as_ref());
    d.extend_from_slice(&amount.to_le_bytes());
    d.extend_from_slice(&[0u8; 4 + 32]); // delegate: None
    d.push(1); // state: Initialized
    d.extend_from_slice(&[0u8; 4 + 8]); // is_native: None
    d.extend_from_slice(&0u64.to_le_bytes()); // delegated_amount
    d.extend_from_slice(&[0u8; 4 + 32]); // close_authority: None
    assert_eq!(d.len(), 165);
    d
}

/// (mint, owner, amount) of a token account.
fn token_balance(node: &mut Node, account: &Pubkey) -> Option<(Pubkey, Pubkey, u64)> {
    let (program, data) = node.account_data(account)?;
    assert_eq!(program, TOKEN_PROGRAM);
    let key = |r: std::ops::Range<usize>| Pubkey::new_from_array(data[r].try_into().unwrap());
    let amount = u64::from_le_bytes(data[64..72].try_into().unwrap());
    Some((key(0..32), key(32..64), amount))
}

// ---------------------------------------------------------------- tests

#[test]
fn sol_transfer_signed_by_frost_moves_what_the_preview_says() {
    let mut node = Node::start();
    let wallet = Wallet::new();
    let to = fresh_key();
    node.airdrop(&wallet.address, 10 * LAMPORTS_PER_SOL);

    let amount = 1_500_000_000;
    let priority = ComputeBudget {
        unit_limit: 10_000,
        micro_lamports_per_unit: 50_000,
    };
    let tx = UnsignedTx::sol_transfer(
        &wallet.address,
        &to,
        amount,
        node.blockhash(),
        Some(priority),
    )
    .unwrap();

    // A co-signer previews from the raw bytes alone.
    let p = preview(tx.message_bytes(), "localnet", Some(&wallet.address)).unwrap();
    assert_eq!(p.transfers.len(), 1);
    assert_eq!(p.transfers[0].to, to.to_string());
    assert_eq!(p.transfers[0].amount.units(), u256(amount));
    assert_eq!(p.transfers[0].display(), "1.5 SOL");
    assert_eq!(p.transfers[0].asset, Asset::Native);
    assert_eq!(p.fee_kind, FeeKind::Exact);
    let previewed_fee = 5_000 + 500; // 10 000 units × 0.05 lamports
    assert_eq!(p.fee.units(), u256(previewed_fee));
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);

    let signature = wallet.sign(tx.message_bytes());
    let wire = tx.assemble(&wallet.address, &signature).unwrap();

    // The node's independent decoder reads the same message and signature.
    let decoded = node.ok(json!({"op": "decode", "tx": B64.encode(&wire)}));
    assert_eq!(
        B64.decode(decoded["message"].as_str().unwrap()).unwrap(),
        tx.message_bytes()
    );
    assert_eq!(decoded["signers"], json!([wallet.address.to_string()]));
    assert_eq!(
        decoded["signatures"][0].as_str().unwrap(),
        bs58::encode(signature).into_string()
    );

    let fee = node.send(&wire).unwrap();
    assert_eq!(fee, previewed_fee, "LiteSVM charged what the preview said");
    assert_eq!(node.balance(&to), amount);
    assert_eq!(
        node.balance(&wallet.address),
        10 * LAMPORTS_PER_SOL - amount - previewed_fee
    );
}

fn u256(units: u64) -> U256 {
    U256::from(units)
}

#[test]
fn default_compute_limit_without_set_compute_unit_limit_matches_the_runtime() {
    // A price but no limit: the runtime budgets 3 000 units per builtin
    // instruction (SIMD-0170), Compute Budget included: 2 × 3 000 here.
    let mut node = Node::start();
    let payer = ed25519_dalek::SigningKey::from_bytes(&rand::random());
    let from = Pubkey::new_from_array(payer.verifying_key().to_bytes());
    node.airdrop(&from, LAMPORTS_PER_SOL);
    let to = fresh_key();
    let ixs = [
        set_compute_unit_price(1_000_000),
        system::transfer(&from, &to, 1_000_000),
    ];
    let message =
        solana_message::legacy::Message::new_with_blockhash(&ixs, Some(&from), &node.blockhash());
    let bytes = message.serialize();
    let p = preview(&bytes, "localnet", Some(&from)).unwrap();
    assert_eq!(p.details["compute_unit_limit"], "6000");
    let tx = UnsignedTx::decode(&bytes).unwrap();
    use ed25519_dalek::Signer as _;
    let sig = payer.sign(&bytes).to_bytes();
    let fee = node.send(&tx.assemble(&from, &sig).unwrap()).unwrap();
    assert_eq!(u256(fee), p.fee.units());
    assert_eq!(fee, 5_000 + 6_000);
}

#[test]
fn spl_transfer_checked_creates_the_recipient_account() {
    let mut node = Node::start();
    let wallet = Wallet::new();
    let recipient = fresh_key();
    node.airdrop(&wallet.address, LAMPORTS_PER_SOL);

    let mint = fresh_key();
    node.set_account(&mint, &TOKEN_PROGRAM, &mint_data(1_000_000_000, 6));
    let source = address::associated_token_address(&wallet.address, &mint, &TOKEN_PROGRAM).unwrap();
    node.set_account(
        &source,
        &TOKEN_PROGRAM,
        &token_account_data(&mint, &wallet.address, 1_000_000_000),
    );
    let destination = address::associated_token_address(&recipient, &mint, &TOKEN_PROGRAM).unwrap();
    assert!(node.account_data(&destination).is_none());

    let transfer = SplTransfer {
        owner: wallet.address,
        mint,
        decimals: 6,
        to_wallet: recipient,
        amount: 2_500_000,
        token_program: TOKEN_PROGRAM,
        create_recipient_account: true,
    };
    let tx = UnsignedTx::spl_transfer_checked(&transfer, node.blockhash(), None).unwrap();
    let p = preview(&tx.wire_bytes(), "localnet", Some(&wallet.address)).unwrap();
    // The rent for the recipient's token account, then the tokens.
    assert_eq!(p.transfers.len(), 2);
    let rent_transfer = &p.transfers[0];
    assert_eq!(rent_transfer.to, destination.to_string());
    assert_eq!(rent_transfer.asset, Asset::Native);
    assert_eq!(rent_transfer.amount.units(), u256(TOKEN_ACCOUNT_RENT));
    let t = &p.transfers[1];
    assert_eq!(
        t.to,
        recipient.to_string(),
        "named through the ATA it creates"
    );
    assert_eq!(t.display(), "2.5 units");
    assert_eq!(
        t.asset,
        Asset::Token {
            address: mint.to_string(),
            symbol: None
        }
    );
    assert_eq!(p.fee.units(), u256(5_000));
    assert_eq!(
        p.warnings.iter().map(|w| w.code()).collect::<Vec<_>>(),
        ["unusual"],
        "the rent warning only: {:?}",
        p.warnings
    );
    assert!(p.warnings[0].to_string().contains("of rent for creating"));
    assert_eq!(
        p.calls
            .iter()
            .map(|c| c.function.as_str())
            .collect::<Vec<_>>(),
        ["CreateIdempotent", "TransferChecked"]
    );
    let native_sent: U256 = p
        .transfers
        .iter()
        .filter(|t| t.asset == Asset::Native)
        .map(|t| t.amount.units())
        .sum();

    let sol_before = node.balance(&wallet.address);
    let wire = tx
        .assemble(&wallet.address, &wallet.sign(tx.message_bytes()))
        .unwrap();
    let fee = node.send(&wire).unwrap();
    assert_eq!(u256(fee), p.fee.units());
    assert_eq!(
        token_balance(&mut node, &destination),
        Some((mint, recipient, 2_500_000))
    );
    assert_eq!(
        token_balance(&mut node, &source),
        Some((mint, wallet.address, 997_500_000))
    );
    let rent = node.rent(165);
    assert_eq!(rent, TOKEN_ACCOUNT_RENT);
    assert_eq!(node.balance(&wallet.address), sol_before - fee - rent);
    // The wallet lost exactly the native value previewed, plus the fee.
    assert_eq!(
        u256(sol_before - node.balance(&wallet.address)),
        native_sent + p.fee.units()
    );

    // Again, the account existing now: without CreateIdempotent the preview
    // can only name the token account.
    let transfer = SplTransfer {
        create_recipient_account: false,
        amount: 1,
        ..transfer
    };
    let tx = UnsignedTx::spl_transfer_checked(&transfer, node.blockhash(), None).unwrap();
    let p = preview(tx.message_bytes(), "localnet", Some(&wallet.address)).unwrap();
    assert_eq!(p.transfers.len(), 1, "no account created, no rent");
    assert_eq!(p.transfers[0].to, destination.to_string());
    let wire = tx
        .assemble(&wallet.address, &wallet.sign(tx.message_bytes()))
        .unwrap();
    node.send(&wire).unwrap();
    assert_eq!(
        token_balance(&mut node, &destination),
        Some((mint, recipient, 2_500_001))
    );
}

#[test]
fn tampered_signature_and_expired_blockhash_are_refused() {
    let mut node = Node::start();
    let wallet = Wallet::new();
    node.airdrop(&wallet.address, LAMPORTS_PER_SOL);
    let to = fresh_key();
    let tx =
        UnsignedTx::sol_transfer(&wallet.address, &to, 1_000_000, node.blockhash(), None).unwrap();
    let signature = wallet.sign(tx.message_bytes());

    // Our assembler refuses a wrong signature before it reaches the chain...
    let mut bad = signature;
    bad[10] ^= 1;
    assert!(tx.assemble(&wallet.address, &bad).is_err());
    // ...and the chain refuses one that got into the bytes anyway.
    let mut wire = tx.assemble(&wallet.address, &signature).unwrap();
    wire[11] ^= 1;
    let err = node.send(&wire).unwrap_err();
    assert!(err.contains("SignatureFailure"), "{err}");
    // A changed message under a good signature: also refused.
    let mut wire = tx.assemble(&wallet.address, &signature).unwrap();
    let last = wire.len() - 1;
    wire[last] ^= 1;
    let err = node.send(&wire).unwrap_err();
    assert!(err.contains("SignatureFailure"), "{err}");
    assert_eq!(node.balance(&to), 0);

    // The untouched transaction, but after its blockhash expired.
    node.ok(json!({"op": "expire_blockhash"}));
    let wire = tx.assemble(&wallet.address, &signature).unwrap();
    let err = node.send(&wire).unwrap_err();
    assert!(err.contains("BlockhashNotFound"), "{err}");
    assert_eq!(node.balance(&to), 0);

    // Rebuilt with the new blockhash and signed again, it goes through.
    let tx =
        UnsignedTx::sol_transfer(&wallet.address, &to, 1_000_000, node.blockhash(), None).unwrap();
    let wire = tx
        .assemble(&wallet.address, &wallet.sign(tx.message_bytes()))
        .unwrap();
    assert_eq!(node.send(&wire), Ok(5_000));
    assert_eq!(node.balance(&to), 1_000_000);
}

/// This package's directory, as `cargo test` gives it when it runs the test
/// (the path compiled in may be another checkout's, when a target directory
/// is shared).
fn manifest_dir() -> String {
    std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_owned())
}
