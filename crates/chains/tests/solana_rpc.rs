#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Solana JSON-RPC vocabulary: request shapes, parsers on answers shaped as
//! in the Solana RPC documentation, hostile and malformed answers, and the
//! typed helpers of [`SolanaRpc`] over an in-memory node.

use std::sync::Mutex;

use accord_chains::rpc::{JsonRpcRequest, RpcError};
use accord_chains::solana::programs::{SYSTEM_PROGRAM, TOKEN_PROGRAM};
use accord_chains::solana::rpc::*;
use accord_chains::solana::{Hash, Pubkey, address};
use serde_json::{Value, json};

const OWNER: &str = "4Qkev8aNZcqFNSRhQzwyLMFSsi94jHqE8WNVTJzTP99F";
const MINT: &str = "3wyAj7Rt1TWVPZVteFJPLa26JmLvdb1CAKEFZm3NY75E";
const SIG: &str =
    "2id3YC2jK9G5Wo2phDx4gJVAew8DcY5NAojnVuao8rkxwPYPe8cSwE5GzhEgJA2y8fVjDEo6iR6ykBvDxrTQrtpb";

fn pk(s: &str) -> Pubkey {
    address::parse(s).unwrap()
}

fn malformed<T: std::fmt::Debug>(r: Result<T, RpcError>) -> bool {
    matches!(r, Err(RpcError::Malformed { .. }))
}

fn token_entry(owner: &str, mint: &str, program: &str, amount: &str, state: &str) -> Value {
    json!({
        "account": {
            "data": {
                "program": "spl-token",
                "parsed": {
                    "info": {
                        "tokenAmount": {"amount": amount, "decimals": 1, "uiAmount": 0.1, "uiAmountString": "0.1"},
                        "isNative": false,
                        "mint": mint,
                        "owner": owner,
                        "state": state
                    },
                    "type": "account"
                },
                "space": 165
            },
            "executable": false,
            "lamports": 1_726_080,
            "owner": program,
            "rentEpoch": 4,
            "space": 165
        },
        "pubkey": "C2gJg6tKpQs41PRS1nC8aw3ZKNZK3HQQZGVrDFDup5nx"
    })
}

#[test]
fn requests() {
    let a = pk(OWNER);
    assert_eq!(
        latest_blockhash_request().body(1),
        r#"{"jsonrpc":"2.0","id":1,"method":"getLatestBlockhash","params":[{"commitment":"confirmed"}]}"#
    );
    assert_eq!(
        balance_request(&a).params,
        json!([OWNER, {"commitment": "confirmed"}])
    );
    assert_eq!(
        token_accounts_request(&a, &pk(MINT)).params,
        json!([OWNER, {"mint": MINT}, {"encoding": "jsonParsed", "commitment": "confirmed"}])
    );
    assert_eq!(
        send_transaction_request(&[1, 2, 3]).params[0],
        json!("AQID")
    );
    assert_eq!(
        send_transaction_request(&[]).params[1]["encoding"],
        json!("base64")
    );
    assert_eq!(
        signature_statuses_request(&[SIG.to_owned()]).params,
        json!([[SIG], {"searchTransactionHistory": true}])
    );
    assert_eq!(account_info_request(&a).method, "getAccountInfo");
    assert_eq!(block_height_request().method, "getBlockHeight");
}

#[test]
fn latest_blockhash_and_balance() {
    let r = json!({"context": {"slot": 2792}, "value": {
        "blockhash": "EkSnNWid2cvwEVnVx9aBqawnmiCNiDgp3gUdkDPTKN1N", "lastValidBlockHeight": 3090}});
    let b = parse_latest_blockhash(&r).unwrap();
    assert_eq!(
        b.blockhash.to_string(),
        "EkSnNWid2cvwEVnVx9aBqawnmiCNiDgp3gUdkDPTKN1N"
    );
    assert_eq!(b.last_valid_block_height, 3090);
    for bad in [
        json!({"value": {"blockhash": "0OIl", "lastValidBlockHeight": 1}}),
        json!({"value": {"blockhash": "1111", "lastValidBlockHeight": 1}}),
        json!({"value": {"blockhash": "EkSnNWid2cvwEVnVx9aBqawnmiCNiDgp3gUdkDPTKN1N", "lastValidBlockHeight": -1}}),
        json!({"value": null}),
        json!("x"),
    ] {
        assert!(malformed(parse_latest_blockhash(&bad)), "{bad}");
    }
    assert_eq!(
        parse_balance(&json!({"context": {"slot": 1}, "value": 0})),
        Ok(0)
    );
    assert_eq!(
        parse_balance(&json!({"value": 18_446_744_073_709_551_615u64})),
        Ok(u64::MAX)
    );
    for bad in [
        json!({"value": -5}),
        json!({"value": 1.5}),
        json!({"value": "5"}),
        json!(5),
    ] {
        assert!(malformed(parse_balance(&bad)), "{bad}");
    }
    assert_eq!(parse_block_height(&json!(1233)), Ok(1233));
    assert!(malformed(parse_block_height(&json!(null))));
}

#[test]
fn account_info() {
    assert_eq!(
        parse_account_info(&json!({"context": {"slot": 1}, "value": null})),
        Ok(None)
    );
    let r = json!({"context": {"slot": 1}, "value": {
        "data": ["AQID", "base64"], "executable": false, "lamports": 1_000_000_000u64,
        "owner": "11111111111111111111111111111111", "rentEpoch": 2, "space": 3}});
    let a = parse_account_info(&r).unwrap().unwrap();
    assert_eq!(a.data, [1, 2, 3]);
    assert_eq!(a.owner, SYSTEM_PROGRAM);
    assert_eq!(a.lamports, 1_000_000_000);
    assert!(!a.executable);
    let mut base58 = r.clone();
    base58["value"]["data"] = json!(["Ldp", "base58"]);
    assert!(malformed(parse_account_info(&base58)));
    let mut no_owner = r.clone();
    no_owner["value"]["owner"] = json!("nope");
    assert!(malformed(parse_account_info(&no_owner)));
    assert!(malformed(parse_account_info(&json!({}))));
}

#[test]
fn token_accounts_are_checked_against_the_request() {
    let (owner, mint) = (pk(OWNER), pk(MINT));
    let program = TOKEN_PROGRAM.to_string();
    let ok = json!({"context": {"slot": 1114}, "value": [token_entry(OWNER, MINT, &program, "1", "initialized")]});
    let list = parse_token_accounts(&ok, &owner, &mint).unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].amount, 1);
    assert_eq!(list[0].decimals, 1);
    assert_eq!(list[0].token_program, TOKEN_PROGRAM);
    assert_eq!(
        list[0].address,
        pk("C2gJg6tKpQs41PRS1nC8aw3ZKNZK3HQQZGVrDFDup5nx")
    );
    assert!(!list[0].frozen);
    let frozen =
        json!({"value": [token_entry(OWNER, MINT, &program, "18446744073709551615", "frozen")]});
    let list = parse_token_accounts(&frozen, &owner, &mint).unwrap();
    assert!(list[0].frozen);
    assert_eq!(list[0].amount, u64::MAX);

    let other = "11111111111111111111111111111111";
    for bad in [
        token_entry(other, MINT, &program, "1", "initialized"), // another owner
        token_entry(OWNER, other, &program, "1", "initialized"), // another mint
        token_entry(OWNER, MINT, other, "1", "initialized"),    // not a token program
        token_entry(OWNER, MINT, &program, "-1", "initialized"),
        token_entry(OWNER, MINT, &program, "18446744073709551616", "initialized"),
        token_entry(OWNER, MINT, &program, "1", "uninitialized"),
        json!({"pubkey": "x"}),
    ] {
        let r = json!({"value": [bad]});
        assert!(malformed(parse_token_accounts(&r, &owner, &mint)), "{r}");
    }
    assert_eq!(
        parse_token_accounts(&json!({"value": []}), &owner, &mint),
        Ok(vec![])
    );
}

#[test]
fn send_transaction_must_answer_our_id() {
    assert_eq!(parse_send_transaction(&json!(SIG), SIG), Ok(SIG.to_owned()));
    let other = bs58::encode([7u8; 64]).into_string();
    assert!(malformed(parse_send_transaction(&json!(other), SIG)));
    assert!(malformed(parse_send_transaction(&json!("abc"), "abc")));
    assert!(malformed(parse_send_transaction(&json!(1), SIG)));
    let mut wire = vec![1];
    wire.extend_from_slice(&[7; 64]);
    wire.extend_from_slice(&[0; 10]);
    assert_eq!(first_signature(&wire), Some(other));
    assert_eq!(first_signature(&[0]), None);
    assert_eq!(first_signature(&[1, 2]), None);
}

#[test]
fn signature_statuses() {
    let r = json!({"context": {"slot": 82}, "value": [
        {"slot": 48, "confirmations": null, "err": null, "status": {"Ok": null}, "confirmationStatus": "finalized"},
        null,
        {"slot": 50, "confirmations": 3, "err": {"InstructionError": [0, {"Custom": 1}]}, "confirmationStatus": "confirmed"}
    ]});
    let s = parse_signature_statuses(&r, 3).unwrap();
    assert_eq!(
        s[0],
        Some(SignatureStatus {
            slot: 48,
            confirmation: Confirmation::Finalized,
            error: None
        })
    );
    assert_eq!(s[1], None);
    assert_eq!(s[2].as_ref().unwrap().confirmation, Confirmation::Confirmed);
    assert!(
        s[2].as_ref()
            .unwrap()
            .error
            .as_ref()
            .unwrap()
            .contains("Custom")
    );
    assert!(Confirmation::Processed < Confirmation::Finalized);
    assert!(
        malformed(parse_signature_statuses(&r, 2)),
        "count must match"
    );
    let bad = json!({"value": [{"slot": 1, "err": null, "confirmationStatus": "done"}]});
    assert!(malformed(parse_signature_statuses(&bad, 1)));
    let bad = json!({"value": [{"slot": 1, "confirmationStatus": "processed"}]});
    assert!(
        malformed(parse_signature_statuses(&bad, 1)),
        "err must be present"
    );
}

/// A node that answers from a table and records what it was asked.
struct Node {
    asked: Mutex<Vec<JsonRpcRequest>>,
    answer: fn(&JsonRpcRequest) -> Result<Value, RpcError>,
}

impl SolanaRpc for Node {
    fn call(
        &self,
        request: JsonRpcRequest,
    ) -> impl Future<Output = Result<Value, RpcError>> + Send {
        let result = (self.answer)(&request);
        self.asked.lock().unwrap().push(request);
        std::future::ready(result)
    }
}

#[test]
fn typed_helpers_over_a_node() {
    let node = Node {
        asked: Mutex::new(Vec::new()),
        answer: |r| match r.method {
            "getLatestBlockhash" => Ok(json!({"context": {"slot": 1}, "value": {
                "blockhash": Hash::new_from_array([5; 32]).to_string(), "lastValidBlockHeight": 9}})),
            "getBalance" => Ok(json!({"context": {"slot": 1}, "value": 42})),
            "sendTransaction" => Ok(json!(bs58::encode([7u8; 64]).into_string())),
            "getSignatureStatuses" => Ok(json!({"context": {"slot": 1}, "value": [null]})),
            "getAccountInfo" => Ok(json!({"context": {"slot": 1}, "value": null})),
            "getBlockHeight" => Ok(json!(8)),
            _ => Err(RpcError::Node {
                method: r.method.into(),
                code: -32601,
                message: "no".into(),
            }),
        },
    };
    let a = pk(OWNER);
    let b = pollster::block_on(node.latest_blockhash()).unwrap();
    assert_eq!(b.blockhash, Hash::new_from_array([5; 32]));
    assert_eq!(pollster::block_on(node.balance(&a)), Ok(42));
    assert_eq!(pollster::block_on(node.block_height()), Ok(8));
    assert_eq!(pollster::block_on(node.account_info(&a)), Ok(None));
    let mut wire = vec![1];
    wire.extend_from_slice(&[7; 64]);
    assert!(pollster::block_on(node.send_transaction(&wire)).is_ok());
    wire[1] = 8;
    assert!(malformed(pollster::block_on(node.send_transaction(&wire))));
    // No first signature to check the answer against: refused, never sent
    // (the node would answer with a valid-looking id).
    for unsigned in [vec![0u8, 1, 2], vec![1, 7, 7], vec![], vec![0x80, 0x01]] {
        let err = pollster::block_on(node.send_transaction(&unsigned)).unwrap_err();
        assert!(err.to_string().contains("no first signature"), "{err}");
    }
    assert_eq!(
        pollster::block_on(node.signature_statuses(&[SIG.to_owned()])),
        Ok(vec![None])
    );
    assert!(matches!(
        pollster::block_on(node.token_accounts(&a, &pk(MINT))),
        Err(RpcError::Node { code: -32601, .. })
    ));
    let asked: Vec<_> = node
        .asked
        .lock()
        .unwrap()
        .iter()
        .map(|r| r.method)
        .collect();
    assert_eq!(
        asked,
        [
            "getLatestBlockhash",
            "getBalance",
            "getBlockHeight",
            "getAccountInfo",
            "sendTransaction",
            "sendTransaction",
            "getSignatureStatuses",
            "getTokenAccountsByOwner"
        ]
    );
}
