//! Runs a dealerless key generation and one threshold signature in one
//! process, verifies the signature with an independent library, and prints
//! one JSON object on its last line.
//!
//! ```text
//! cargo run --release -p accord-mpc --example simulate -- \
//!     --scheme frost-taproot --threshold 2 --parties 3 --message <64 hex>
//! ```

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

#[path = "../tests/common/verify.rs"]
mod verify;

use std::process::ExitCode;

use accord_mpc::{Parameters, PartyId, Scheme, Signature, sim};
use rand::seq::SliceRandom;
use rand_core::OsRng;

struct Args {
    scheme: Scheme,
    params: Parameters,
    message: Vec<u8>,
}

fn parse() -> Result<Args, String> {
    let mut scheme = None;
    let mut threshold = None;
    let mut parties = None;
    let mut message = None;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--scheme" => scheme = Some(value()?.parse::<Scheme>().map_err(|e| e.to_string())?),
            "--threshold" => {
                threshold = Some(
                    value()?
                        .parse::<u16>()
                        .map_err(|e| format!("--threshold: {e}"))?,
                )
            }
            "--parties" => {
                parties = Some(
                    value()?
                        .parse::<u16>()
                        .map_err(|e| format!("--parties: {e}"))?,
                )
            }
            "--message" => {
                message = Some(hex::decode(value()?).map_err(|e| format!("--message: {e}"))?)
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    let scheme = scheme.ok_or("--scheme is required")?;
    let params = Parameters::new(
        threshold.ok_or("--threshold is required")?,
        parties.ok_or("--parties is required")?,
    )
    .map_err(|e| e.to_string())?;
    let message = message.ok_or("--message is required")?;
    if message.len() != 32 {
        return Err(format!(
            "--message must be 32 bytes (64 hex digits), got {}",
            message.len()
        ));
    }
    Ok(Args {
        scheme,
        params,
        message,
    })
}

fn main() -> ExitCode {
    let args = match parse() {
        Ok(args) => args,
        Err(e) => {
            eprintln!("error: {e}");
            eprintln!(
                "usage: simulate --scheme <frost-taproot|frost-ed25519|ecdsa> --threshold T --parties N --message <64 hex>"
            );
            return ExitCode::from(2);
        }
    };
    let mut rng = OsRng;
    let (shares, dkg_net) = match sim::keygen(args.scheme, args.params, &mut rng) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: key generation failed: {e}");
            return ExitCode::FAILURE;
        }
    };
    let key = shares[0].group_key();
    let mut signers: Vec<PartyId> = args.params.all().collect();
    signers.shuffle(&mut rand::thread_rng());
    signers.truncate(usize::from(args.params.threshold()));
    signers.sort();
    let coordinator = signers[0];
    let (signature, sign_net) =
        match sim::sign(&shares, &signers, coordinator, &args.message, &mut rng) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("error: signing failed: {e}");
                return ExitCode::FAILURE;
            }
        };
    verify::verify_externally(&key, &args.message, &signature);
    println!(
        "{}-of-{} {}: key generation {} messages / {} bytes, signing by {:?} {} messages / {} bytes; signature verified independently",
        args.params.threshold(),
        args.params.parties(),
        args.scheme,
        dkg_net.messages,
        dkg_net.bytes,
        signers.iter().map(|p| p.get()).collect::<Vec<_>>(),
        sign_net.messages,
        sign_net.bytes,
    );
    let mut json = serde_json::json!({
        "scheme": args.scheme.name(),
        "threshold": args.params.threshold(),
        "parties": args.params.parties(),
        "signers": signers.iter().map(|p| p.get()).collect::<Vec<_>>(),
        "group_public_key": hex::encode(key.to_bytes()),
        "message": hex::encode(&args.message),
        "signature": hex::encode(signature.to_bytes()),
    });
    if let Signature::Ecdsa { recovery_id, .. } = signature {
        json["recovery_id"] = recovery_id.into();
    }
    println!("{json}");
    ExitCode::SUCCESS
}
