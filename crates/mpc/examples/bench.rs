//! Measures key generation and signing for each scheme (2-of-3 unless
//! `--threshold/--parties` say otherwise) against a single-key signature of
//! the same scheme measured in the same run. Release builds only:
//!
//! ```text
//! cargo run --release -p accord-mpc --example bench [-- --json]
//! ```
//!
//! `sign` is every signer's compute for one signature, in one process:
//! commitments, shares, envelopes encoded and decoded, aggregation and
//! verification. `bytes` is what crosses the wire for one run.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::time::Instant;

use accord_mpc::{Parameters, PartyId, Scheme, sim};
use rand::rngs::StdRng;
use rand::{RngCore, SeedableRng};

struct Row {
    scheme: Scheme,
    op: &'static str,
    params: Parameters,
    median_us: f64,
    p99_us: f64,
    bytes: usize,
    baseline_sign_us: f64,
}

/// Median and 99th percentile, in microseconds.
fn stats(mut samples: Vec<f64>) -> (f64, f64) {
    samples.sort_by(f64::total_cmp);
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    (at(0.5), at(0.99))
}

fn time<T>(iterations: usize, mut f: impl FnMut() -> T) -> Vec<f64> {
    (0..iterations)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(f());
            start.elapsed().as_secs_f64() * 1e6
        })
        .collect()
}

/// A single-key signature of the same scheme, by a non-threshold library.
fn baseline(scheme: Scheme, rng: &mut StdRng) -> f64 {
    let mut msg = [0u8; 32];
    rng.fill_bytes(&mut msg);
    let mut secret = [0u8; 32];
    rng.fill_bytes(&mut secret);
    let samples = match scheme {
        Scheme::FrostTaproot => {
            let key = k256::schnorr::SigningKey::from_bytes(&secret.into()).unwrap();
            time(5000, || key.sign_raw(&msg, &[7u8; 32]).unwrap())
        }
        Scheme::FrostEd25519 => {
            use ed25519_dalek::Signer;
            let key = ed25519_dalek::SigningKey::from_bytes(&secret);
            time(5000, || key.sign(&msg))
        }
        Scheme::Ecdsa => {
            use k256::ecdsa::signature::hazmat::PrehashSigner;
            let key = k256::ecdsa::SigningKey::from_slice(&secret).unwrap();
            time(5000, || {
                let (sig, recid): (k256::ecdsa::Signature, k256::ecdsa::RecoveryId) =
                    key.sign_prehash(&msg).unwrap();
                (sig, recid)
            })
        }
    };
    stats(samples).0
}

fn bench(scheme: Scheme, params: Parameters, rng: &mut StdRng) -> [Row; 2] {
    let baseline_sign_us = baseline(scheme, rng);
    let (dkg_runs, sign_runs) = match scheme {
        Scheme::Ecdsa => (10, 300),
        _ => (300, 3000),
    };
    let mut dkg_bytes = 0;
    let dkg = time(dkg_runs, || {
        let (shares, net) = sim::keygen(scheme, params, rng).unwrap();
        dkg_bytes = net.bytes;
        shares
    });
    let (shares, _) = sim::keygen(scheme, params, rng).unwrap();
    let signers: Vec<PartyId> = params.all().take(usize::from(params.threshold())).collect();
    let mut message = [0u8; 32];
    let mut sign_bytes = 0;
    let sign = time(sign_runs, || {
        rng.fill_bytes(&mut message);
        let (sig, net) = sim::sign(&shares, &signers, signers[0], &message, rng).unwrap();
        sign_bytes = net.bytes;
        sig
    });
    let row = |op, samples: Vec<f64>, bytes| {
        let (median_us, p99_us) = stats(samples);
        Row {
            scheme,
            op,
            params,
            median_us,
            p99_us,
            bytes,
            baseline_sign_us,
        }
    };
    [row("dkg", dkg, dkg_bytes), row("sign", sign, sign_bytes)]
}

fn main() {
    let mut json = false;
    let (mut t, mut n) = (2u16, 3u16);
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--json" => json = true,
            "--threshold" => {
                t = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .expect("--threshold T")
            }
            "--parties" => {
                n = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .expect("--parties N")
            }
            "--bench" => {} // passed by `cargo bench`-style runners
            other => panic!("unknown argument {other:?}"),
        }
    }
    if cfg!(debug_assertions) {
        eprintln!("warning: debug build; run with --release for meaningful numbers");
    }
    let params = Parameters::new(t, n).expect("2 ≤ t ≤ n ≤ 16");
    let mut rng = StdRng::from_entropy();
    if !json {
        println!("| scheme | op | t-of-n | median | p99 | × single-key sign | bytes on the wire |");
        println!("|---|---|---|---|---|---|---|");
    }
    for scheme in Scheme::ALL {
        for r in bench(scheme, params, &mut rng) {
            if json {
                println!(
                    "{}",
                    serde_json::json!({
                        "scheme": r.scheme.name(),
                        "op": r.op,
                        "threshold": r.params.threshold(),
                        "parties": r.params.parties(),
                        "median_us": (r.median_us * 10.0).round() / 10.0,
                        "p99_us": (r.p99_us * 10.0).round() / 10.0,
                        "bytes": r.bytes,
                        "baseline_sign_us": (r.baseline_sign_us * 100.0).round() / 100.0,
                    })
                );
            } else {
                let ratio = if r.op == "sign" {
                    format!(
                        "{:.1}× (baseline {:.1} µs)",
                        r.median_us / r.baseline_sign_us,
                        r.baseline_sign_us
                    )
                } else {
                    "–".into()
                };
                let human = |us: f64| {
                    if us >= 1000.0 {
                        format!("{:.2} ms", us / 1000.0)
                    } else {
                        format!("{us:.0} µs")
                    }
                };
                println!(
                    "| {} | {} | {}-of-{} | {} | {} | {} | {} |",
                    r.scheme,
                    r.op,
                    r.params.threshold(),
                    r.params.parties(),
                    human(r.median_us),
                    human(r.p99_us),
                    ratio,
                    r.bytes
                );
            }
        }
    }
}
