//! `accord-testnode`: the **test nodes** of `accord_testnodes` as a
//! process, for the local demo (`./scripts/run`). Not for real networks.
//!
//! ```text
//! accord-testnode esplora [--port 3002] [--fee-rate 2]
//! accord-testnode solana --litesvm PATH [--port 8899]
//! ```
//! Prints `listening on http://127.0.0.1:PORT` and serves until killed.

use std::process::ExitCode;

use accord_testnodes::esplora::Esplora;
use accord_testnodes::http::Server;
use accord_testnodes::solana::Solana;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let server = match args.first().map(String::as_str) {
        Some("esplora") => {
            let port = flag("--port").and_then(|p| p.parse().ok()).unwrap_or(3002);
            let rate = flag("--fee-rate")
                .and_then(|r| r.parse().ok())
                .unwrap_or(2.0);
            let node = Esplora::new(bitcoin::Network::Regtest, rate);
            Server::start(port, node.handler())
        }
        Some("solana") => {
            let port = flag("--port").and_then(|p| p.parse().ok()).unwrap_or(8899);
            let Some(binary) = flag("--litesvm") else {
                eprintln!("accord-testnode solana: --litesvm PATH (the LiteSVM node) is needed");
                return ExitCode::from(2);
            };
            match Solana::start(std::path::Path::new(&binary)) {
                Ok(node) => Server::start(port, node.handler()),
                Err(e) => Err(e),
            }
        }
        _ => {
            eprintln!(
                "usage: accord-testnode esplora [--port 3002] [--fee-rate 2]\n       \
                 accord-testnode solana --litesvm PATH [--port 8899]"
            );
            return ExitCode::from(2);
        }
    };
    match server {
        Ok(server) => {
            println!(
                "TEST NODE (not a real network) listening on {}",
                server.url()
            );
            loop {
                std::thread::park();
            }
        }
        Err(e) => {
            eprintln!("accord-testnode: cannot listen: {e}");
            ExitCode::FAILURE
        }
    }
}
