//! A LiteSVM node for Accord's Solana integration test: one JSON request per
//! line on stdin, one JSON answer per line on stdout (`{"ok": ..}` or
//! `{"err": ".."}`). Transactions arrive as base64 wire bytes and are decoded
//! here with bincode + solana-transaction 4 (serde), independently of the
//! wincode-based encoder that produced them.

use std::io::{BufRead, Write};
use std::str::FromStr;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use litesvm::LiteSVM;
use serde_json::{Value, json};
use solana_account::Account;
use solana_address::Address;
use solana_transaction::versioned::VersionedTransaction;

fn main() {
    let mut svm = LiteSVM::new().with_sigverify(true);
    let stdin = std::io::stdin();
    let mut stdout = std::io::stdout().lock();
    for line in stdin.lock().lines() {
        let Ok(line) = line else { break };
        let answer = match serde_json::from_str::<Value>(&line) {
            Ok(request) => match handle(&mut svm, &request) {
                Ok(v) => json!({ "ok": v }),
                Err(e) => json!({ "err": e }),
            },
            Err(e) => json!({ "err": format!("bad request: {e}") }),
        };
        if writeln!(stdout, "{answer}")
            .and_then(|()| stdout.flush())
            .is_err()
        {
            break;
        }
    }
}

fn str_field<'a>(request: &'a Value, name: &str) -> Result<&'a str, String> {
    request
        .get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("missing string field {name}"))
}

fn u64_field(request: &Value, name: &str) -> Result<u64, String> {
    request
        .get(name)
        .and_then(Value::as_u64)
        .ok_or_else(|| format!("missing integer field {name}"))
}

fn address(request: &Value, name: &str) -> Result<Address, String> {
    Address::from_str(str_field(request, name)?).map_err(|e| format!("{name}: {e}"))
}

fn bytes(request: &Value, name: &str) -> Result<Vec<u8>, String> {
    B64.decode(str_field(request, name)?)
        .map_err(|e| format!("{name}: {e}"))
}

fn decode_tx(wire: &[u8]) -> Result<VersionedTransaction, String> {
    let tx: VersionedTransaction =
        bincode::deserialize(wire).map_err(|e| format!("bincode cannot decode: {e}"))?;
    let again = bincode::serialize(&tx).map_err(|e| e.to_string())?;
    if again != wire {
        return Err("bincode re-encodes the transaction differently".into());
    }
    Ok(tx)
}

fn handle(svm: &mut LiteSVM, request: &Value) -> Result<Value, String> {
    match str_field(request, "op")? {
        "blockhash" => Ok(json!(svm.latest_blockhash().to_string())),
        "expire_blockhash" => {
            svm.expire_blockhash();
            Ok(Value::Null)
        }
        "airdrop" => {
            let to = address(request, "to")?;
            svm.airdrop(&to, u64_field(request, "lamports")?)
                .map_err(|e| format!("{:?}", e.err))?;
            Ok(Value::Null)
        }
        "balance" => Ok(json!(svm.get_balance(&address(request, "address")?))),
        "rent" => {
            let len = usize::try_from(u64_field(request, "len")?).map_err(|e| e.to_string())?;
            Ok(json!(svm.minimum_balance_for_rent_exemption(len)))
        }
        "account" => Ok(match svm.get_account(&address(request, "address")?) {
            Some(a) => json!({
                "lamports": a.lamports,
                "owner": a.owner.to_string(),
                "data": B64.encode(&a.data),
            }),
            None => Value::Null,
        }),
        "set_account" => {
            let account = Account {
                lamports: u64_field(request, "lamports")?,
                data: bytes(request, "data")?,
                owner: address(request, "owner")?,
                executable: false,
                rent_epoch: 0,
            };
            svm.set_account(address(request, "address")?, account)
                .map_err(|e| format!("{e:?}"))?;
            Ok(Value::Null)
        }
        "decode" => {
            let tx = decode_tx(&bytes(request, "tx")?)?;
            let message = bincode::serialize(&tx.message).map_err(|e| e.to_string())?;
            Ok(json!({
                "signatures": tx.signatures.iter().map(ToString::to_string).collect::<Vec<_>>(),
                "signers": tx.message.static_account_keys()
                    .iter()
                    .take(usize::from(tx.message.header().num_required_signatures))
                    .map(ToString::to_string)
                    .collect::<Vec<_>>(),
                "message": B64.encode(message),
            }))
        }
        "send" => {
            let tx = decode_tx(&bytes(request, "tx")?)?;
            match svm.send_transaction(tx) {
                Ok(meta) => Ok(json!({
                    "signature": meta.signature.to_string(),
                    "fee": meta.fee,
                    "compute_units": meta.compute_units_consumed,
                })),
                Err(failed) => Err(format!("{:?} (logs: {:?})", failed.err, failed.meta.logs)),
            }
        }
        other => Err(format!("unknown op {other}")),
    }
}
