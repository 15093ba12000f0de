//! Anvil (Foundry's Ethereum node) for tests: started on a free loopback
//! port, killed when dropped (also when a test fails). Shared by the
//! cross-process tests (`#[path]`-included).

// Each test crate uses a different part of this module.
#![allow(dead_code)]

use std::io::Read as _;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// A running Anvil on a free loopback port, killed when dropped (also when
/// a test fails).
pub struct Anvil {
    child: Child,
    /// Its JSON-RPC URL.
    pub url: String,
    agent: ureq::Agent,
}

impl Drop for Anvil {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `$ACCORD_ANVIL`, else `anvil` on `PATH`, else where scripts/test
/// installs it.
pub fn anvil_path() -> PathBuf {
    if let Some(path) = std::env::var_os("ACCORD_ANVIL").filter(|p| !p.is_empty()) {
        let path = PathBuf::from(path);
        assert!(
            path.is_file(),
            "ACCORD_ANVIL={} is not a file: run ./scripts/test (it installs Anvil)",
            path.display()
        );
        return path;
    }
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|dir| dir.join("anvil"))
        .find(|p| p.is_file());
    let installed = std::env::var_os("HOME").map(|home| {
        PathBuf::from(home)
            .join(".cache/accord/tools/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil")
    });
    on_path
        .or(installed.filter(|p| p.is_file()))
        .expect("Anvil not found ($ACCORD_ANVIL unset, no anvil on PATH): run ./scripts/test, which installs it and sets ACCORD_ANVIL")
}

impl Anvil {
    /// Starts Anvil and waits until it answers (another port if the one
    /// picked was taken meanwhile).
    pub fn start() -> Anvil {
        let path = anvil_path();
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .proxy(None)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .into();
        for _ in 0..3 {
            let port = TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .unwrap()
                .port();
            let child = Command::new(&path)
                .args(["--host", "127.0.0.1", "--port", &port.to_string()])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start {}: {e}", path.display()));
            let mut anvil = Anvil {
                child,
                url: format!("http://127.0.0.1:{port}"),
                agent: agent.clone(),
            };
            let deadline = Instant::now() + Duration::from_secs(30);
            loop {
                if let Some(status) = anvil.child.try_wait().unwrap() {
                    let mut err = String::new();
                    if let Some(mut stderr) = anvil.child.stderr.take() {
                        let _ = stderr.read_to_string(&mut err);
                    }
                    eprintln!("anvil exited ({status}) on port {port}: {err}");
                    break;
                }
                if anvil.try_rpc("eth_chainId", json!([])).is_ok() {
                    assert_eq!(anvil.rpc("eth_chainId", json!([])), "0x7a69");
                    return anvil;
                }
                assert!(Instant::now() < deadline, "Anvil did not answer in 30 s");
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        panic!("Anvil did not start on any of three ports");
    }

    /// One JSON-RPC call's `result`, or the error.
    pub fn try_rpc(&self, method: &str, params: Value) -> Result<Value, String> {
        let body = json!({ "jsonrpc": "2.0", "id": 1, "method": method, "params": params });
        let text = self
            .agent
            .post(&self.url)
            .header("content-type", "application/json")
            .send(body.to_string())
            .and_then(|mut r| r.body_mut().read_to_string())
            .map_err(|e| e.to_string())?;
        let v: Value = serde_json::from_str(&text).map_err(|e| format!("{e}: {text}"))?;
        match v.get("error") {
            Some(e) => Err(format!("{method}: {e}")),
            None => Ok(v["result"].clone()),
        }
    }

    /// One JSON-RPC call's `result`.
    pub fn rpc(&self, method: &str, params: Value) -> Value {
        self.try_rpc(method, params).unwrap()
    }

    /// The balance of `address` in wei.
    pub fn balance(&self, address: &str) -> u128 {
        hex_u128(&self.rpc("eth_getBalance", json!([address, "latest"])))
    }

    /// Deploys the test ERC-20 (crates/chains/tests/fixtures/ethereum, 6
    /// decimals) from Anvil's first (unlocked) account and gives `to` 100
    /// of it; the token's address.
    pub fn deploy_test_token(&self, to: &str) -> String {
        let bytecode =
            include_str!("../../crates/chains/tests/fixtures/ethereum/TestToken.bin").trim();
        let deploy = self.rpc(
            "eth_sendTransaction",
            json!([{"from": DEPLOYER, "data": format!("0x{bytecode}"), "gas": "0x200000"}]),
        );
        let token = self.receipt(deploy.as_str().unwrap())["contractAddress"]
            .as_str()
            .unwrap()
            .to_owned();
        let fund = self.rpc(
            "eth_sendTransaction",
            json!([{"from": DEPLOYER, "to": token, "data": call_data("a9059cbb", to, 100_000_000)}]),
        );
        assert_eq!(self.receipt(fund.as_str().unwrap())["status"], "0x1");
        token
    }

    /// `who`'s balance of the ERC-20 `token` (`balanceOf`, by `eth_call`).
    pub fn erc20_balance(&self, token: &str, who: &str) -> u128 {
        let data = call_data("70a08231", who, 0)[..74].to_owned();
        hex_u128(&self.rpc("eth_call", json!([{"to": token, "data": data}, "latest"])))
    }

    /// The receipt of `txid` (Anvil mines each transaction at once).
    pub fn receipt(&self, txid: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let r = self.rpc("eth_getTransactionReceipt", json!([txid]));
            if !r.is_null() {
                return r;
            }
            assert!(Instant::now() < deadline, "no receipt for {txid}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// A `0x` hex quantity.
pub fn hex_u128(v: &Value) -> u128 {
    u128::from_str_radix(v.as_str().unwrap().trim_start_matches("0x"), 16).unwrap()
}

/// Anvil's first dev account (unlocked): deploys the test token.
const DEPLOYER: &str = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";

/// ABI: `selector ‖ address word ‖ uint256 word`.
fn call_data(selector: &str, address: &str, amount: u128) -> String {
    format!(
        "0x{selector}{:0>64}{:064x}",
        address.trim_start_matches("0x").to_lowercase(),
        amount
    )
}
