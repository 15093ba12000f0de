#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! End to end against a real Anvil: a 2-of-3 threshold-ECDSA wallet (DKLs23
//! from accord-mpc) sends ETH and an ERC-20 token. Each transaction is built
//! from the node's answers, previewed from its bytes, signed by parties 1
//! and 3 over the signing hash a co-signer computes from those same bytes,
//! checked with k256 0.13 (not the library that made or assembled the
//! signature), assembled, broadcast and mined; then the balances must have
//! moved exactly as the preview said.
//!
//! Anvil is `$ACCORD_ANVIL` (set by scripts/test), or the path scripts/test
//! installs it to.

#[path = "../../../tests/support/anvil.rs"]
mod anvil;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use accord_chains::ethereum::address::{checksummed, from_public_key};
use accord_chains::ethereum::rpc::{self, EthereumRpc, Receipt};
use accord_chains::ethereum::{Address, U256, UnsignedTx, erc20, preview};
use accord_chains::rpc::{JsonRpcRequest, RpcError, json_rpc_result};
use accord_chains::{Asset, FeeKind, Preview};
use accord_mpc::{GroupKey, KeyShare, Parameters, PartyId, Scheme, Signature};
use anvil::Anvil;
use rand::rngs::OsRng;
use serde_json::{Value, json};

/// Anvil's first dev account (unlocked, 10 000 ETH).
const DEPLOYER: &str = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";

/// JSON-RPC over blocking HTTP (ureq), as `EthereumRpc` for the library.
struct Http {
    url: String,
    agent: ureq::Agent,
    id: AtomicU64,
}

impl Http {
    fn new(url: &str) -> Http {
        let config = ureq::Agent::config_builder()
            .proxy(None)
            .timeout_global(Some(Duration::from_secs(30)))
            .build();
        Http {
            url: url.to_owned(),
            agent: ureq::Agent::new_with_config(config),
            id: AtomicU64::new(1),
        }
    }

    /// One call, `result` or error.
    fn raw(&self, method: &'static str, params: Value) -> Result<Value, RpcError> {
        let body =
            JsonRpcRequest::new(method, params).body(self.id.fetch_add(1, Ordering::Relaxed));
        let text = self
            .agent
            .post(&self.url)
            .header("content-type", "application/json")
            .send(body)
            .and_then(|mut r| r.body_mut().read_to_string())
            .map_err(|e| RpcError::Transport(e.to_string()))?;
        json_rpc_result(method, &text)
    }
}

impl EthereumRpc for Http {
    fn call(
        &self,
        request: JsonRpcRequest,
    ) -> impl core::future::Future<Output = Result<Value, RpcError>> + Send {
        let result = self.raw(request.method, request.params);
        async move { result }
    }
}

fn block_on<F: core::future::Future>(f: F) -> F::Output {
    pollster::block_on(f)
}

/// A 2-of-3 threshold-ECDSA wallet.
struct Wallet {
    shares: Vec<Arc<KeyShare>>,
    key: [u8; 33],
    address: Address,
}

impl Wallet {
    fn generate() -> Wallet {
        let (shares, _) =
            accord_mpc::sim::keygen(Scheme::Ecdsa, Parameters::new(2, 3).unwrap(), &mut OsRng)
                .unwrap();
        let GroupKey::Secp256k1(key) = shares[0].group_key() else {
            panic!("an ECDSA key share has a secp256k1 group key");
        };
        let address = from_public_key(&key).unwrap();
        Wallet {
            shares,
            key,
            address,
        }
    }

    /// What a co-signer does with the proposed bytes: decode, compute the
    /// signing hash itself, run the threshold signing with parties 1 and 3;
    /// the signature is then checked with k256 0.13 and assembled.
    fn sign(&self, unsigned: &[u8]) -> accord_chains::ethereum::SignedTx {
        let tx = UnsignedTx::decode(unsigned).unwrap();
        let hash = tx.signing_hash();
        let signers = [PartyId::new(1).unwrap(), PartyId::new(3).unwrap()];
        let (signature, _) =
            accord_mpc::sim::sign(&self.shares, &signers, signers[1], &hash, &mut OsRng).unwrap();
        let Signature::Ecdsa { r, s, recovery_id } = signature else {
            panic!("ECDSA signature expected");
        };
        check_with_k256_v13(&self.key, &hash, r, s, recovery_id);
        tx.assemble(r, s, recovery_id == 1, self.address).unwrap()
    }
}

/// Independent check: k256 0.13 verifies (r, s) over the hash under the group
/// key, s is low, and the recovery id recovers the group key.
fn check_with_k256_v13(key: &[u8; 33], hash: &[u8; 32], r: [u8; 32], s: [u8; 32], recid: u8) {
    use k256_v13::ecdsa::signature::hazmat::PrehashVerifier;
    use k256_v13::ecdsa::{RecoveryId, Signature, VerifyingKey};
    let vk = VerifyingKey::from_sec1_bytes(key).unwrap();
    let sig = Signature::from_scalars(r, s).unwrap();
    assert!(sig.normalize_s().is_none(), "low s");
    vk.verify_prehash(hash, &sig).unwrap();
    let recovered =
        VerifyingKey::recover_from_prehash(hash, &sig, RecoveryId::from_byte(recid).unwrap())
            .unwrap();
    assert_eq!(recovered, vk);
}

fn eth(milli: u64) -> U256 {
    U256::from(milli) * U256::from(1_000_000_000_000_000u64)
}

fn hex0x(bytes: &[u8]) -> String {
    format!("0x{}", hex::encode(bytes))
}

fn set_balance(rpc: &Http, address: Address, wei: U256) {
    rpc.raw(
        "anvil_setBalance",
        json!([checksummed(&address), format!("{wei:#x}")]),
    )
    .unwrap();
}

fn wait_for_receipt(rpc: &Http, hash: &[u8; 32]) -> Receipt {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(receipt) = block_on(rpc::receipt(rpc, hash)).unwrap() {
            return receipt;
        }
        assert!(Instant::now() < deadline, "no receipt after 30 s");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Sends from the unlocked deployer account; returns the raw receipt.
fn send_from_deployer(rpc: &Http, tx: Value) -> Value {
    let hash = rpc.raw("eth_sendTransaction", json!([tx])).unwrap();
    let hash: [u8; 32] = hex::decode(hash.as_str().unwrap().trim_start_matches("0x"))
        .unwrap()
        .try_into()
        .unwrap();
    assert!(wait_for_receipt(rpc, &hash).success);
    rpc.raw("eth_getTransactionReceipt", json!([hex0x(&hash)]))
        .unwrap()
}

/// The node's view of who sent `hash`.
fn sender_of(rpc: &Http, hash: &[u8; 32]) -> String {
    let tx = rpc
        .raw("eth_getTransactionByHash", json!([hex0x(hash)]))
        .unwrap();
    tx["from"].as_str().unwrap().to_owned()
}

fn check_common(p: &Preview, tx: &UnsignedTx, wallet: Address) {
    assert_eq!(p.network, "anvil");
    assert_eq!(p.fee_kind, FeeKind::Maximum);
    let f = tx.fields();
    assert_eq!(
        p.fee.units(),
        U256::from(f.gas_limit) * U256::from(f.max_fee_per_gas)
    );
    assert_eq!(p.details["from"], checksummed(&wallet));
    assert_eq!(p.details["chain_id"], "31337");
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
}

#[test]
fn eth_transfer_signed_by_two_of_three() {
    let anvil = Anvil::start();
    let rpc = Http::new(&anvil.url);
    assert_eq!(block_on(rpc::chain_id(&rpc)).unwrap(), 31_337);
    let wallet = Wallet::generate();
    set_balance(&rpc, wallet.address, eth(100_000));
    let bob = Address::repeat_byte(0xb0);

    // The initiator builds from the node's answers; co-signers get the bytes.
    let value = eth(1_500);
    // The chain id is ours, checked against the node's: a node of another
    // chain is refused before anything is built.
    let err = block_on(rpc::prepare_eth_transfer(
        &rpc,
        1,
        wallet.address,
        bob,
        value,
    ))
    .unwrap_err();
    assert!(err.to_string().contains("serves chain id 31337"), "{err}");
    let tx = block_on(rpc::prepare_eth_transfer(
        &rpc,
        31_337,
        wallet.address,
        bob,
        value,
    ))
    .unwrap();
    assert_eq!(tx.fields().chain_id, 31_337);
    assert_eq!(tx.fields().gas_limit, 21_000);
    let unsigned = tx.encode();

    let p = preview(&unsigned, Some(wallet.address)).unwrap();
    check_common(&p, &tx, wallet.address);
    assert_eq!(p.transfers.len(), 1);
    assert_eq!(p.transfers[0].to, checksummed(&bob));
    assert_eq!(p.transfers[0].asset, Asset::Native);
    assert_eq!(p.transfers[0].display(), "1.5 ETH");

    let before_wallet = block_on(rpc::balance(&rpc, wallet.address)).unwrap();
    let before_bob = block_on(rpc::balance(&rpc, bob)).unwrap();

    let signed = wallet.sign(&unsigned);
    let hash = block_on(rpc::send_raw_transaction(&rpc, &signed)).unwrap();
    let receipt = wait_for_receipt(&rpc, &hash);
    assert!(receipt.success);
    assert_eq!(
        sender_of(&rpc, &hash).to_lowercase(),
        checksummed(&wallet.address).to_lowercase(),
        "Anvil recovered the threshold wallet as the sender"
    );

    let after_wallet = block_on(rpc::balance(&rpc, wallet.address)).unwrap();
    let after_bob = block_on(rpc::balance(&rpc, bob)).unwrap();
    assert_eq!(after_bob - before_bob, p.transfers[0].amount.units());
    assert_eq!(before_wallet - after_wallet, value + receipt.fee());
    assert!(
        receipt.fee() <= p.fee.units(),
        "paid at most the previewed fee"
    );
    assert_eq!(block_on(rpc::nonce(&rpc, wallet.address)).unwrap(), 1);

    // The same transaction again: the node refuses it, and that is an error.
    let again = block_on(rpc::send_raw_transaction(&rpc, &signed));
    assert!(matches!(again, Err(RpcError::Node { .. })), "{again:?}");
}

#[test]
fn erc20_transfer_signed_by_two_of_three() {
    let anvil = Anvil::start();
    let rpc = Http::new(&anvil.url);
    let wallet = Wallet::generate();
    set_balance(&rpc, wallet.address, eth(1_000));
    let bob = Address::repeat_byte(0xb0);

    // Deploy the fixture token from Anvil's first account, which gets the supply.
    let bytecode = include_str!("fixtures/ethereum/TestToken.bin").trim();
    let deployed = send_from_deployer(
        &rpc,
        json!({"from": DEPLOYER, "data": format!("0x{bytecode}"), "gas": "0x200000"}),
    );
    let token: Address = deployed["contractAddress"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let deployer: Address = DEPLOYER.parse().unwrap();
    let supply = U256::from(1_000_000_000_000u64);
    assert_eq!(
        block_on(rpc::erc20_balance(&rpc, token, deployer)).unwrap(),
        supply
    );
    // 1000 ATT (6 decimals) to the threshold wallet.
    let funded = U256::from(1_000_000_000u64);
    send_from_deployer(
        &rpc,
        json!({"from": DEPLOYER, "to": checksummed(&token),
               "data": hex0x(&erc20::transfer(wallet.address, funded))}),
    );
    assert_eq!(
        block_on(rpc::erc20_balance(&rpc, token, wallet.address)).unwrap(),
        funded
    );

    let amount = U256::from(250_500_000u64); // 250.5 ATT
    assert!(
        block_on(rpc::prepare_erc20_transfer(
            &rpc,
            11_155_111,
            wallet.address,
            token,
            bob,
            U256::ONE,
        ))
        .is_err(),
        "an Anvil node is not Sepolia"
    );
    let tx = block_on(rpc::prepare_erc20_transfer(
        &rpc,
        31_337,
        wallet.address,
        token,
        bob,
        amount,
    ))
    .unwrap();
    let unsigned = tx.encode();

    let p = preview(&unsigned, Some(wallet.address)).unwrap();
    check_common(&p, &tx, wallet.address);
    assert_eq!(p.transfers.len(), 1, "no ETH moves");
    let t = &p.transfers[0];
    assert_eq!(t.to, checksummed(&bob));
    assert_eq!(
        t.asset,
        Asset::Token {
            address: checksummed(&token),
            symbol: None
        }
    );
    assert!(!t.decimals_known, "the test token is in no table");
    assert_eq!(t.display(), "250500000 base units");
    assert_eq!(p.calls.len(), 1);
    assert_eq!(p.calls[0].function, "transfer");
    assert_eq!(p.calls[0].args["to"], checksummed(&bob));
    assert_eq!(p.calls[0].args["amount"], "250500000");

    let eth_before = block_on(rpc::balance(&rpc, wallet.address)).unwrap();
    let signed = wallet.sign(&unsigned);
    let hash = block_on(rpc::send_raw_transaction(&rpc, &signed)).unwrap();
    let receipt = wait_for_receipt(&rpc, &hash);
    assert!(receipt.success);
    assert_eq!(
        sender_of(&rpc, &hash).to_lowercase(),
        checksummed(&wallet.address).to_lowercase()
    );

    assert_eq!(
        block_on(rpc::erc20_balance(&rpc, token, bob)).unwrap(),
        t.amount.units()
    );
    assert_eq!(
        block_on(rpc::erc20_balance(&rpc, token, wallet.address)).unwrap(),
        funded - t.amount.units()
    );
    let eth_after = block_on(rpc::balance(&rpc, wallet.address)).unwrap();
    assert_eq!(eth_before - eth_after, receipt.fee());
    assert!(receipt.fee() <= p.fee.units());
}

#[test]
fn a_signature_by_another_key_is_never_assembled() {
    // No node needed: the threshold wallet signs, but the transaction claims
    // another sender, or the bytes changed after signing.
    let wallet = Wallet::generate();
    let gas = accord_chains::ethereum::Gas {
        gas_limit: 21_000,
        max_fee_per_gas: 2_000_000_000,
        max_priority_fee_per_gas: 1_000_000_000,
    };
    let tx = UnsignedTx::eth_transfer(31_337, 0, Address::repeat_byte(1), eth(1), gas);
    let hash = tx.signing_hash();
    let signers = [PartyId::new(1).unwrap(), PartyId::new(2).unwrap()];
    let (signature, _) =
        accord_mpc::sim::sign(&wallet.shares, &signers, signers[0], &hash, &mut OsRng).unwrap();
    let Signature::Ecdsa { r, s, recovery_id } = signature else {
        panic!("ECDSA signature expected");
    };
    let parity = recovery_id == 1;
    assert!(tx.assemble(r, s, parity, wallet.address).is_ok());
    assert!(tx.assemble(r, s, parity, Address::repeat_byte(2)).is_err());
    let other = UnsignedTx::eth_transfer(31_337, 0, Address::repeat_byte(1), eth(2), gas);
    assert!(other.assemble(r, s, parity, wallet.address).is_err());
}
