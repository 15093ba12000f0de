#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Chain nodes over HTTPS (issue 13), across processes: `accord send` on
//! Ethereum through an HTTPS endpoint in front of a real Anvil, its test CA
//! given by `ACCORD_CA_FILE`.
//!
//! - Trusted (the test CA in `ACCORD_CA_FILE`), listed after an endpoint
//!   that is down: the send fails over to it and the transfer is mined;
//!   the signature is checked by alloy + k256 (not the signer's library).
//! - An endpoint whose certificate another CA issued, and the trusted
//!   endpoint without `ACCORD_CA_FILE`: refused with a certificate error
//!   before any request reached it; nothing signed, nothing broadcast (the
//!   wallet's nonce is unchanged, no co-signer signed).
//! - A plain `http://` endpoint on another host: refused before anything.

#[path = "support/anvil.rs"]
mod anvil;
mod common;
#[path = "support/tls_proxy.rs"]
mod tls_proxy;

use anvil::{Anvil, hex_u128};
use common::{ANVIL_ACCOUNT_1, ETHER, Trio, verify_ethereum};
use serde_json::json;
use tls_proxy::{TestCa, TlsProxy};

fn send_args(rpc: &str) -> Vec<String> {
    [
        "--json",
        "send",
        "--wallet",
        "w",
        "--chain",
        "ethereum",
        "--to",
        ANVIL_ACCOUNT_1,
        "--amount",
        "0.25",
        "--rpc",
        rpc,
        "--yes",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect()
}

#[test]
fn send_over_https_with_a_private_ca_and_refusals() {
    let anvil = Anvil::start();
    let upstream = anvil
        .url
        .trim_start_matches("http://")
        .trim_end_matches('/');
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new(dir.path(), "Accord Test CA");
    let other = TestCa::new(dir.path(), "Some Other CA");
    let trusted = TlsProxy::start(&ca, upstream);
    let untrusted = TlsProxy::start(&other, upstream);
    let ca_file = ca.ca_pem.to_str().unwrap();

    let trio = Trio::new(false, &[]);
    let w = trio.wallet.clone();
    anvil.rpc(
        "anvil_setBalance",
        json!([w.ethereum, format!("{:#x}", 10 * ETHER)]),
    );
    let nonce = || hex_u128(&anvil.rpc("eth_getTransactionCount", json!([w.ethereum, "latest"])));
    let cosigned = || {
        trio.phone
            .events("w")
            .iter()
            .filter(|(kind, _)| kind == "cosigned")
            .count()
    };
    let refused = |rpc: &str, env: &[(&str, &str)]| -> String {
        let args = send_args(rpc);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let run = trio.desktop.run_env(&args, env);
        assert!(!run.status.success(), "{rpc}: {run:?}");
        assert!(!run.stdout.contains("signed"), "{rpc}: {run:?}");
        run.stderr
    };

    // Another CA's certificate: refused at the handshake.
    let err = refused(
        &format!("https://localhost:{}", untrusted.port),
        &[("ACCORD_CA_FILE", ca_file)],
    );
    assert!(
        err.contains("TLS certificate of https://localhost is not trusted"),
        "{err}"
    );
    assert!(err.contains("UnknownIssuer"), "{err}");
    assert_eq!(untrusted.requests(), 0);
    // The right endpoint, but its CA not given: refused the same way.
    let err = refused(&format!("https://127.0.0.1:{}", trusted.port), &[]);
    assert!(err.contains("is not trusted"), "{err}");
    assert_eq!(trusted.requests(), 0);
    // Plain http:// to another host: refused before anything.
    let err = refused("http://rpc.example.com:8545", &[]);
    assert!(
        err.contains("plain http:// to rpc.example.com is refused"),
        "{err}"
    );
    // Nothing was signed or broadcast.
    assert_eq!(nonce(), 0);
    assert_eq!(cosigned(), 0);

    // Trusted, after an endpoint that is down: mined.
    let down = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let down_port = down.local_addr().unwrap().port();
    drop(down);
    let rpc = format!(
        "https://127.0.0.1:{down_port}, https://localhost:{}",
        trusted.port
    );
    let args = send_args(&rpc);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let recipient_before = anvil.balance(ANVIL_ACCOUNT_1);
    let run = trio.desktop.run_env(&args, &[("ACCORD_CA_FILE", ca_file)]);
    assert!(run.status.success(), "{run:?}");
    let out: serde_json::Value = serde_json::from_str(run.stdout.trim()).unwrap();
    assert_eq!(out["confirmed"], true, "{out}");
    assert!(trusted.requests() > 0);
    let txid = out["txid"].as_str().unwrap();
    let raw = hex::decode(out["signed"].as_str().unwrap().trim_start_matches("0x")).unwrap();
    let (signer, hash) = verify_ethereum(&w, &raw, None);
    assert_eq!(format!("0x{}", hex::encode(hash)), txid.to_lowercase());
    let receipt = anvil.receipt(txid);
    assert_eq!(receipt["status"], "0x1", "{receipt}");
    assert_eq!(
        receipt["from"].as_str().unwrap(),
        format!("{signer:#x}"),
        "{receipt}"
    );
    assert_eq!(nonce(), 1);
    assert_eq!(anvil.balance(ANVIL_ACCOUNT_1) - recipient_before, ETHER / 4);
}
