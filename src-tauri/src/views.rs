//! What the UI is shown, made from `accord-node`'s records: previews,
//! policy verdicts, wallets, devices, events, progress. Every text that
//! came from a peer or a transaction passes through `sanitize` (no
//! control or bidirectional characters).

use accord_chains::{Chain, FeeKind, Preview};
use accord_desktop_api::{
    AddressView, CallView, DeviceView, EventView, MemberView, PolicyVerdict, PreviewView,
    ProgressEvent, TransferView, WalletView,
};
use accord_node::approve::{Policy, evaluate, sanitize};
use accord_node::runtime::{Progress, WalletSummary};
use accord_node::store::{Device, Event, Member, WalletRecord};

/// The preview as the UI shows it.
pub fn preview(p: &Preview) -> PreviewView {
    let transfer = |t: &accord_chains::Transfer| TransferView {
        to: sanitize(&t.to),
        amount: sanitize(&t.display()),
    };
    PreviewView {
        chain: p.chain.to_string(),
        network: sanitize(&p.network),
        transfers: p.transfers.iter().map(transfer).collect(),
        change: p.change.iter().map(transfer).collect(),
        calls: p
            .calls
            .iter()
            .map(|c| CallView {
                program: sanitize(&c.program),
                function: sanitize(&c.function),
                args: c
                    .args
                    .iter()
                    .map(|(k, v)| (sanitize(k), sanitize(v)))
                    .collect(),
            })
            .collect(),
        fee: format!("{} {}", p.fee, accord_node::rpc::native_symbol(p.chain)),
        fee_is_maximum: p.fee_kind == FeeKind::Maximum,
        warnings: p
            .warnings
            .iter()
            .map(|w| sanitize(&w.to_string()))
            .collect(),
        details: p
            .details
            .iter()
            .map(|(k, v)| (sanitize(k), sanitize(v)))
            .collect(),
    }
}

/// What `policy` (if any) says of the transaction.
pub fn verdict(policy: Option<&Policy>, chain: Chain, p: &Preview) -> PolicyVerdict {
    match policy {
        None => PolicyVerdict {
            has_policy: false,
            allowed: true,
            violations: Vec::new(),
        },
        Some(policy) => match evaluate(policy, chain, p) {
            Ok(()) => PolicyVerdict {
                has_policy: true,
                allowed: true,
                violations: Vec::new(),
            },
            Err(v) => PolicyVerdict {
                has_policy: true,
                allowed: false,
                violations: vec![sanitize(&v.to_string())],
            },
        },
    }
}

/// A wallet from its record, members and addresses.
pub fn wallet(
    record: &WalletRecord,
    members: &[Member],
    addresses: impl IntoIterator<Item = (Chain, String)>,
    me: &str,
) -> WalletView {
    WalletView {
        id: record.id.clone(),
        name: sanitize(&record.name),
        threshold: record.threshold,
        parties: record.parties,
        network: record.network.clone(),
        created_at: record.created_at,
        addresses: addresses
            .into_iter()
            .map(|(chain, address)| AddressView {
                chain: chain.to_string(),
                address,
            })
            .collect(),
        members: members
            .iter()
            .map(|m| MemberView {
                party: m.party,
                name: sanitize(&m.name),
                device_id: m.endpoint_id.clone(),
                this_device: m.endpoint_id == me,
            })
            .collect(),
    }
}

/// A wallet just created.
pub fn summary(s: &WalletSummary, me: &str) -> WalletView {
    wallet(
        &s.wallet,
        &s.members,
        s.addresses.iter().map(|(c, a)| (*c, a.clone())),
        me,
    )
}

/// A paired device.
pub fn device(d: &Device, online: Option<bool>) -> DeviceView {
    DeviceView {
        device_id: d.endpoint_id.clone(),
        name: sanitize(&d.name),
        paired_at: d.paired_at,
        last_seen: d.last_seen,
        online,
    }
}

/// An event, with its wallet's name.
pub fn event(e: &Event, wallet: Option<String>) -> EventView {
    EventView {
        at: e.at,
        kind: sanitize(&e.kind),
        detail: sanitize(&e.detail),
        wallet,
    }
}

/// A session's progress.
pub fn progress(p: Progress) -> ProgressEvent {
    ProgressEvent {
        party: p.party,
        name: sanitize(&p.name),
        state: p.state,
        detail: sanitize(&p.detail),
    }
}
