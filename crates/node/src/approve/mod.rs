//! Who says yes: the port through which a device decides whether to join a
//! wallet's key generation or to co-sign a transaction, with three
//! implementations.
//!
//! - [`interactive::Interactive`]: asks a person at a terminal.
//! - [`policy::PolicyOnly`]: the recovery server — signs only what the
//!   wallet's policy in force allows ([`crate::policy`]).
//! - [`auto::AutoApprove`]: says yes to everything; tests and demos only
//!   (`--auto-approve`).
//!
//! The runner calls [`Approver::keygen`] or [`Approver::sign`] and awaits
//! the [`Decision`] on a thread of its own, so an approver may block (the
//! interactive one does, on the terminal) without holding up anything else;
//! the session's approval deadline fires regardless.

use core::fmt::Write as _;
use std::future::Future;
use std::pin::Pin;

use accord_chains::{Chain, FeeKind, Preview};

pub mod auto;
pub mod interactive;
pub mod policy;

pub use auto::{Acknowledged, AutoApprove};
pub use interactive::Interactive;
pub use policy::PolicyOnly;

use crate::policy::PolicyCheck;

/// A device of a wallet, as the approver shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    /// The device's party index in the wallet.
    pub party: u8,
    /// The device id (its endpoint id), as text.
    pub device_id: String,
    /// The device's name: `"phone"`, `"desktop"`, `"recovery"`.
    pub name: String,
    /// What it is to the wallet, as the inviter says.
    pub role: crate::session::Role,
    /// Whether this device was ever paired with it (or holds a wallet with
    /// it): a member never seen must be checked by its device id.
    pub known: bool,
}

/// An invitation to generate a new wallet's keys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeygenRequest {
    /// The wallet's name.
    pub wallet: String,
    /// How many devices must sign.
    pub threshold: u16,
    /// How many devices hold a share.
    pub parties: u16,
    /// The network the wallet is for (`mainnet`, `testnet`, ...).
    pub network: String,
    /// Every member, this device included.
    pub members: Vec<Member>,
    /// Who sent the invitation.
    pub from: Member,
    /// The wallet's first policy, in words (agreed by joining).
    pub policy: Vec<String>,
    /// `Some(epoch)`: not a new wallet but a refresh of this existing one,
    /// whose shares move from key epoch `epoch` to `epoch + 1` (same keys,
    /// same addresses; every earlier share and backup stops working).
    pub refresh: Option<u64>,
    /// With `refresh`: the lost member a new device replaces (`members`
    /// lists the new one at its party).
    pub replaced: Option<Member>,
}

/// A request to co-sign one transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignRequest {
    /// The wallet's name.
    pub wallet: String,
    /// The wallet's id.
    pub wallet_id: String,
    /// The chain the transaction is for.
    pub chain: Chain,
    /// What the transaction does, computed by this device from the
    /// unsigned bytes.
    pub preview: Preview,
    /// Who asks.
    pub from: Member,
    /// A live team proposal of exactly this transaction that this
    /// device's person approved already (its id): the runner co-signs it
    /// without asking again ([`crate::team`]).
    pub proposal: Option<String>,
}

/// A pending version of a wallet's policy that this device has not signed:
/// approving signs it with this device's identity key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyRequest {
    /// The wallet's name.
    pub wallet: String,
    /// The wallet's id.
    pub wallet_id: String,
    /// The proposed version.
    pub version: u64,
    /// Its hash (hex).
    pub hash: String,
    /// The version it replaces, if one is in force.
    pub replaces: Option<u64>,
    /// The proposed rules, in words.
    pub rules: Vec<String>,
    /// What it loosens, in words (empty: it only tightens, or is a first
    /// version).
    pub loosens: Vec<String>,
    /// The names of the devices that approved it so far.
    pub approved_by: Vec<String>,
}

/// An approver's answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Go ahead.
    Approve,
    /// Refuse, with the reason shown to the requester and logged.
    Reject(String),
}

impl Decision {
    /// Whether this is [`Decision::Approve`].
    pub fn is_approve(&self) -> bool {
        matches!(self, Decision::Approve)
    }
}

/// A decision still being made.
pub type Pending<'a> = Pin<Box<dyn Future<Output = Decision> + Send + 'a>>;

/// Decides whether this device takes part.
pub trait Approver: Send + Sync {
    /// Whether to join the key generation `request` describes.
    fn keygen<'a>(&'a self, request: &'a KeygenRequest) -> Pending<'a>;

    /// Whether to co-sign the transaction `request` previews; `check` is
    /// the verdict of the wallet's policy in force, if one is.
    fn sign<'a>(&'a self, request: &'a SignRequest, check: Option<&'a PolicyCheck>) -> Pending<'a>;

    /// Whether to sign the pending policy version `request` shows. Asked
    /// once per version per run; only a person answers it (the default
    /// leaves it to `accord policy approve` or the desktop's Policy
    /// screen: neither the recovery server nor `--auto-approve` ever
    /// endorses a policy).
    fn policy<'a>(&'a self, _request: &'a PolicyRequest) -> Pending<'a> {
        Box::pin(async {
            Decision::Reject("policies are approved with `accord policy approve` here".into())
        })
    }

    /// Whether [`Approver::sign`] and [`Approver::keygen`] decide as soon as
    /// they are polled, without blocking or waiting (a rule, not a
    /// person): the runner then asks on its own thread.
    fn decides_at_once(&self) -> bool {
        false
    }

    /// Whether this approver follows the policy's verdict (the recovery
    /// server): then a delayed transfer is queued here, and its delay
    /// counts from this device's first sight of it. A person's device
    /// queues nothing (its person decides).
    fn follows_policy(&self) -> bool {
        false
    }

    /// Whether [`Approver::policy`] asks anyone (a runner skips the
    /// question otherwise).
    fn asks_about_policies(&self) -> bool {
        false
    }
}

/// A person's reading of a preview, one fact per line: chain and network,
/// every transfer, change, call, the fee and every warning.
pub fn render(preview: &Preview) -> String {
    let p = preview;
    let mut out = String::new();
    // Writing to a String cannot fail.
    let _ = writeln!(out, "{} ({})", p.chain, p.network);
    if p.transfers.is_empty() {
        let _ = writeln!(out, "  sends nothing");
    }
    for t in &p.transfers {
        let _ = writeln!(out, "  send {} to {}", t.display(), t.to);
    }
    for t in &p.change {
        let _ = writeln!(out, "  change {} back to {}", t.display(), t.to);
    }
    for c in &p.calls {
        let args: Vec<String> = c.args.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let _ = writeln!(
            out,
            "  call {}.{}({})",
            c.program,
            c.function,
            args.join(", ")
        );
    }
    let kind = match p.fee_kind {
        FeeKind::Exact => "fee",
        FeeKind::Maximum => "maximum fee",
    };
    let _ = writeln!(out, "  {kind}: {} ({} base units)", p.fee, p.fee.units());
    for w in &p.warnings {
        let _ = writeln!(out, "  WARNING {w}");
    }
    sanitize(out.trim_end())
}

/// `text` safe to print on a terminal: control characters other than
/// newlines, and the Unicode bidirectional controls that can make one
/// address look like another, shown escaped (`\u{1b}`) instead of acting.
/// Everything shown comes from a peer or a transaction, so nothing in it
/// may move the cursor, recolour or reorder what the user reads.
pub fn sanitize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let bidi = matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
        if (c.is_control() && c != '\n') || bidi {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}
