//! The approver for a person at a terminal: it writes the request — for a
//! signature the wallet, who asks, the chain, every transfer, change, call,
//! the fee, every warning and, when the wallet has a policy, its verdict —
//! and reads a yes/no answer. Only `y` or `yes` (any case) approves; end of
//! input, an IO error or any other answer refuses.
//!
//! The IO is blocking and done inside the returned future, synchronously:
//! the runner awaits approvers on a thread of their own, so a person taking
//! their time holds up nothing else. One prompt at a time: the reader and
//! writer sit behind a mutex.
//!
//! Everything printed passes through [`super::sanitize`]: names and
//! addresses come from peers and transactions, and must not be able to
//! drive the terminal.

use core::fmt::Write as _;
use std::io::{BufRead, BufReader, Read as _, Stderr, Stdin, Write};
use std::sync::Mutex;

use super::{
    Approver, Decision, KeygenRequest, Member, Pending, PolicyRequest, SignRequest, render,
    sanitize,
};
use crate::policy::PolicyCheck;

/// The longest answer line read.
const MAX_ANSWER: u64 = 256;

/// Asks on `W`, reads the answer from `R`.
pub struct Interactive<R, W> {
    io: Mutex<Io<R, W>>,
}

struct Io<R, W> {
    reader: R,
    writer: W,
}

impl<R, W> core::fmt::Debug for Interactive<R, W> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Interactive").finish_non_exhaustive()
    }
}

impl Interactive<BufReader<Stdin>, Stderr> {
    /// Asks on standard error, reads the answer from standard input.
    pub fn terminal() -> Self {
        Interactive::new(BufReader::new(std::io::stdin()), std::io::stderr())
    }
}

impl<R: BufRead + Send, W: Write + Send> Interactive<R, W> {
    /// Asks on `writer`, reads answers from `reader`.
    pub fn new(reader: R, writer: W) -> Self {
        Interactive {
            io: Mutex::new(Io { reader, writer }),
        }
    }

    /// The reader and the writer back.
    pub fn into_inner(self) -> (R, W) {
        let io = self
            .io
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        (io.reader, io.writer)
    }

    /// Shows `text`, then asks and reads the answer.
    fn ask(&self, text: &str) -> Decision {
        // A panic while another prompt held the lock leaves only a reader
        // and a writer behind: still fit to ask.
        let mut io = self
            .io
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let Io { reader, writer } = &mut *io;
        let shown =
            write!(writer, "\n{}\nApprove? [y/N] ", sanitize(text)).and_then(|()| writer.flush());
        if let Err(e) = shown {
            return Decision::Reject(format!("could not show the request: {e}"));
        }
        let mut answer = String::new();
        match reader.take(MAX_ANSWER).read_line(&mut answer) {
            Ok(0) => Decision::Reject("no answer (end of input)".into()),
            Err(e) => Decision::Reject(format!("could not read the answer: {e}")),
            Ok(_) => {
                let answer = answer.trim();
                if answer.eq_ignore_ascii_case("y") || answer.eq_ignore_ascii_case("yes") {
                    Decision::Approve
                } else {
                    Decision::Reject("declined at the prompt".into())
                }
            }
        }
    }
}

fn member(m: &Member) -> String {
    let seen = if m.known {
        ""
    } else {
        " — NOT PAIRED with this device: check this device id on the device itself"
    };
    format!(
        "{} ({}, party {}, device {}){seen}",
        m.name, m.role, m.party, m.device_id
    )
}

/// The keygen prompt's text.
fn keygen_text(r: &KeygenRequest) -> String {
    let mut out = String::new();
    if let (Some(epoch), Some(lost)) = (r.refresh, &r.replaced) {
        let _ = writeln!(out, "Replace a lost device of wallet {}?", r.wallet);
        let _ = writeln!(out, "  lost: {}", member(lost));
        let _ = writeln!(
            out,
            "  its shares are repaired for the new device by the other members, then every \
             member's shares are refreshed (key epoch {epoch} -> {}); the lost device is removed",
            epoch.saturating_add(1)
        );
        let _ = writeln!(out, "  asked by: {}", member(&r.from));
        let _ = writeln!(out, "  members after:");
        for m in &r.members {
            let _ = writeln!(out, "    {}", member(m));
        }
        return out.trim_end().to_owned();
    }
    if let Some(epoch) = r.refresh {
        let _ = writeln!(out, "Refresh the shares of wallet {}?", r.wallet);
        let _ = writeln!(
            out,
            "  key epoch {epoch} -> {}: same keys and addresses; every copy and backup of the \
             current shares stops working",
            epoch.saturating_add(1)
        );
        let _ = writeln!(out, "  asked by: {}", member(&r.from));
        let _ = writeln!(out, "  members:");
        for m in &r.members {
            let _ = writeln!(out, "    {}", member(m));
        }
        return out.trim_end().to_owned();
    }
    // Writing to a String cannot fail.
    let _ = writeln!(out, "Join a new wallet?");
    let _ = writeln!(
        out,
        "  wallet: {} ({}-of-{} on {})",
        r.wallet, r.threshold, r.parties, r.network
    );
    let _ = writeln!(out, "  invited by: {}", member(&r.from));
    let _ = writeln!(out, "  members:");
    for m in &r.members {
        let _ = writeln!(out, "    {}", member(m));
    }
    let _ = writeln!(
        out,
        "  its first policy (what the recovery server will sign):"
    );
    for line in &r.policy {
        let _ = writeln!(out, "    {}", sanitize(line));
    }
    out.trim_end().to_owned()
}

/// The signing prompt's text.
fn sign_text(r: &SignRequest, check: Option<&PolicyCheck>) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Co-sign a transaction?");
    let _ = writeln!(out, "  wallet: {} (id {})", r.wallet, r.wallet_id);
    let _ = writeln!(out, "  asked by: {}", member(&r.from));
    if r.chain != r.preview.chain {
        let _ = writeln!(
            out,
            "  WARNING the request is for {}, but the transaction is for {}",
            r.chain, r.preview.chain
        );
    }
    out.push_str(&render(&r.preview));
    out.push('\n');
    match check {
        None => {
            let _ = writeln!(out, "  policy: none in force for this wallet");
        }
        Some(c) => {
            let _ = writeln!(out, "  {}", sanitize(&c.describe()));
            if !c.allows() {
                let _ = writeln!(
                    out,
                    "  (you may still approve it here; the recovery server will not co-sign it)"
                );
            }
        }
    }
    out.trim_end().to_owned()
}

/// The policy prompt's text.
fn policy_text(r: &PolicyRequest) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Approve a change of this wallet's policy?");
    let _ = writeln!(out, "  wallet: {} (id {})", r.wallet, r.wallet_id);
    let replaces = r
        .replaces
        .map(|v| format!(", replacing v{v}"))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "  version {} ({}){replaces}",
        r.version,
        &r.hash[..r.hash.len().min(12)]
    );
    let _ = writeln!(out, "  approved so far by: {}", r.approved_by.join(", "));
    if r.loosens.is_empty() {
        let _ = writeln!(out, "  it only tightens the rules");
    } else {
        let _ = writeln!(
            out,
            "  it LOOSENS the rules (in force after the current delay):"
        );
        for l in &r.loosens {
            let _ = writeln!(out, "    {l}");
        }
    }
    let _ = writeln!(out, "  the rules it sets:");
    for l in &r.rules {
        let _ = writeln!(out, "    {l}");
    }
    let _ = writeln!(
        out,
        "  (no: nothing is signed; `accord policy cancel` cancels it for everyone)"
    );
    out.trim_end().to_owned()
}

impl<R: BufRead + Send, W: Write + Send> Approver for Interactive<R, W> {
    fn policy<'a>(&'a self, request: &'a PolicyRequest) -> Pending<'a> {
        Box::pin(async move { self.ask(&policy_text(request)) })
    }

    fn asks_about_policies(&self) -> bool {
        true
    }

    fn keygen<'a>(&'a self, request: &'a KeygenRequest) -> Pending<'a> {
        Box::pin(async move { self.ask(&keygen_text(request)) })
    }

    fn sign<'a>(&'a self, request: &'a SignRequest, check: Option<&'a PolicyCheck>) -> Pending<'a> {
        Box::pin(async move { self.ask(&sign_text(request, check)) })
    }
}
