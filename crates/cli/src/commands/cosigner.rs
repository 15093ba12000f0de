//! `accord cosigner serve` (the co-signer daemon: phone stand-in or
//! recovery server) and `accord cosigner ticket` (another pairing ticket
//! for it, issued through the store it shares with the running daemon).

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::time::Duration;

use accord_node::Node;
use accord_node::approve::{Acknowledged, Approver, AutoApprove, Interactive, PolicyOnly};
use serde_json::json;

use crate::cli::{Global, Role, ServeArgs, TicketArgs};
use crate::error::CliError;
use crate::node;

/// How often the event log is looked at for new entries.
const EVENT_POLL: Duration = Duration::from_millis(500);

/// Runs the co-signer until SIGINT or SIGTERM.
pub fn serve(global: &Global, args: &ServeArgs) -> Result<String, CliError> {
    let mut vault = node::open(global)?;
    if let Some(secs) = args.replacement_delay {
        vault.set_setting(
            accord_node::runner::host::REPLACEMENT_DELAY_SETTING,
            &secs.to_string(),
        )?;
    }
    let approver: Arc<dyn Approver> = if args.auto_approve {
        eprintln!(
            "WARNING: --auto-approve is on: this co-signer will approve EVERY wallet and \
             EVERY transaction it is asked to sign, whatever the policy says. \
             For tests and demos only: never use it with a wallet holding value."
        );
        Arc::new(AutoApprove::new(Acknowledged::ForTestsOnly))
    } else {
        match args.role {
            Role::Phone | Role::Member => {
                if !std::io::stdin().is_terminal() {
                    eprintln!(
                        "warning: standard input is not a terminal: every request will be \
                         declined unless an answer (y) arrives on it"
                    );
                }
                Arc::new(Interactive::terminal())
            }
            Role::Recovery => Arc::new(PolicyOnly),
        }
    };
    let _lock = node::hold_serve_lock(global)?;
    let name = args
        .name
        .clone()
        .unwrap_or_else(|| args.role.name().to_owned());
    node::block_on(async {
        // Signal handlers first: whoever reads the first line may stop us
        // at once.
        let signals = Signals::new()?;
        node::with_named_node(
            vault,
            args.role.node_role(),
            &name,
            global,
            approver,
            async |node| run(node, args, signals).await,
        )
        .await
    })?;
    Ok(String::new())
}

async fn run(node: &Node, args: &ServeArgs, mut signals: Signals) -> Result<(), CliError> {
    let ticket = node.issue_ticket(Duration::from_secs(args.ticket_ttl))?;
    let id = node.id().to_string();
    let first = json!({ "device_id": id, "ticket": ticket.encode() });
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "{first}")
            .and_then(|()| out.flush())
            .map_err(|e| CliError::Io(format!("cannot write to standard output: {e}")))?;
    }
    eprintln!(
        "accord: {} co-signer {id} serving; stop with Ctrl-C or SIGTERM",
        args.role.name()
    );
    let mut last = node
        .with_vault(|v| v.events(None, 0))
        .await?
        .last()
        .map_or(0, |e| e.seq);
    let mut tick = tokio::time::interval(EVENT_POLL);
    loop {
        tokio::select! {
            stopped = signals.wait() => {
                stopped?;
                break;
            }
            _ = tick.tick() => {
                let from = last;
                let events = node.with_vault(move |v| v.events(None, from)).await?;
                for e in &events {
                    eprintln!("{}", node::event_line(e));
                    if let Some(id) = waiting_proposal(e) {
                        eprintln!(
                            "accord: team proposal {id} waits for this device's approval: \
                             `accord proposals show {id}`, then `accord proposals approve {id}` \
                             or `accord proposals reject {id}`"
                        );
                    }
                    last = e.seq;
                }
            }
        }
    }
    eprintln!("accord: stopping");
    Ok(())
}

/// The id of a team proposal that arrived from another member (an event
/// `team proposal ID: … by NAME`), which then waits for this device.
fn waiting_proposal(e: &accord_node::event::Event) -> Option<&str> {
    if e.kind != accord_node::event::EventKind::Proposed || e.detail.contains("proposed here") {
        return None;
    }
    let rest = e.detail.strip_prefix("team proposal ")?;
    let (id, what) = rest.split_once(": ")?;
    (!what.starts_with("signed")).then_some(id)
}

/// SIGINT and SIGTERM (Ctrl-C elsewhere than Unix).
struct Signals {
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
    #[cfg(unix)]
    int: tokio::signal::unix::Signal,
}

fn signal_error(e: std::io::Error) -> CliError {
    CliError::Io(format!("cannot listen for signals: {e}"))
}

impl Signals {
    /// Installs the handlers (inside the runtime).
    #[cfg(unix)]
    fn new() -> Result<Signals, CliError> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Signals {
            term: signal(SignalKind::terminate()).map_err(signal_error)?,
            int: signal(SignalKind::interrupt()).map_err(signal_error)?,
        })
    }

    #[cfg(not(unix))]
    fn new() -> Result<Signals, CliError> {
        Ok(Signals {})
    }

    /// Until a signal arrives.
    #[cfg(unix)]
    async fn wait(&mut self) -> Result<(), CliError> {
        tokio::select! {
            _ = self.term.recv() => {}
            _ = self.int.recv() => {}
        }
        Ok(())
    }

    #[cfg(not(unix))]
    async fn wait(&mut self) -> Result<(), CliError> {
        tokio::signal::ctrl_c().await.map_err(signal_error)
    }
}

/// Issues a pairing ticket for the co-signer of this data directory.
pub fn ticket(global: &Global, args: &TicketArgs) -> Result<String, CliError> {
    let mut vault = node::open(global)?;
    let ticket = vault
        .issue_ticket(global.no_relay, Duration::from_secs(args.ttl))?
        .ok_or_else(|| {
            CliError::Setup(
                "no co-signer has run with this data directory yet, so its loopback port is \
                 unknown: start `accord cosigner serve --no-relay` first"
                    .into(),
            )
        })?;
    Ok(if global.json {
        json!({ "ticket": ticket.encode() }).to_string()
    } else {
        ticket.encode()
    })
}
