//! What the UI is shown, made from `accord-node`'s records: previews,
//! policy verdicts, wallets, devices, events, progress. Every text that
//! came from a peer or a transaction passes through `sanitize` (no
//! control or bidirectional characters).

use accord_chains::{FeeKind, Preview};
use accord_desktop_api::{
    AddressView, CallView, CulpritView, DeviceView, Endpoint, EventView, MemberView, PolicyVerdict,
    PreviewView, ProgressEvent, ProgressState, Settings, TransferView, WalletView,
};
use accord_node::approve::sanitize;
use accord_node::event::Event;
use accord_node::facade::WalletSummary;
use accord_node::facade::settings as node_settings;
use accord_node::policy::{PolicyCheck, Verdict};
use accord_node::session::{Culprit, Progress, ProgressState as State};
use accord_node::store::PairedDevice;
use accord_node::transport::EndpointId;

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

/// What the policy in force (if any) says of the transaction.
pub fn verdict(check: Option<&PolicyCheck>) -> PolicyVerdict {
    match check {
        None => PolicyVerdict {
            has_policy: false,
            allowed: false,
            violations: vec!["no policy in force: the recovery server signs nothing".into()],
            text: "no policy in force for this wallet".into(),
            delayed: false,
        },
        Some(c) => {
            let violations = match &c.verdict {
                Verdict::Allow { .. } => Vec::new(),
                Verdict::Delay { reasons, .. } => reasons.iter().map(|r| sanitize(r)).collect(),
                Verdict::Refuse(v) => vec![sanitize(&v.to_string())],
            };
            PolicyVerdict {
                has_policy: true,
                allowed: c.allows(),
                violations,
                text: sanitize(&c.describe()),
                delayed: matches!(c.verdict, Verdict::Delay { .. }),
            }
        }
    }
}

/// A wallet with its members and addresses.
pub fn summary(s: &WalletSummary, me: &EndpointId) -> WalletView {
    let record = &s.wallet;
    WalletView {
        id: record.id.clone(),
        name: sanitize(&record.name),
        threshold: record.threshold,
        parties: record.parties,
        network: record.network.name().to_owned(),
        created_at: record.created_at,
        addresses: s
            .addresses
            .iter()
            .map(|(chain, address)| AddressView {
                chain: chain.to_string(),
                address: address.clone(),
            })
            .collect(),
        members: s
            .members
            .iter()
            .map(|m| MemberView {
                party: m.party,
                name: sanitize(&m.name),
                device_id: m.device.to_string(),
                this_device: m.device == *me,
            })
            .collect(),
        epoch: record.epoch,
        backup: s.backup.name().to_owned(),
        backup_at: s.backup_at,
    }
}

/// A paired device.
pub fn device(d: &PairedDevice, online: Option<bool>) -> DeviceView {
    DeviceView {
        device_id: d.id.to_string(),
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
        kind: sanitize(e.kind.name()),
        detail: sanitize(&e.detail),
        wallet,
    }
}

/// A session's progress.
pub fn progress(p: Progress) -> ProgressEvent {
    ProgressEvent {
        party: p.party,
        name: sanitize(&p.name),
        state: match p.state {
            State::Paired => ProgressState::Paired,
            State::Invited => ProgressState::Invited,
            State::Pending => ProgressState::Pending,
            State::Joined => ProgressState::Joined,
            State::Declined => ProgressState::Declined,
            State::Done => ProgressState::Done,
            State::Stored => ProgressState::Stored,
            State::Failed => ProgressState::Failed,
            State::Retrying => ProgressState::Retrying,
            State::Broadcast => ProgressState::Broadcast,
            State::Confirmed => ProgressState::Confirmed,
        },
        detail: sanitize(&p.detail),
    }
}

/// Whom a failure blames.
pub fn culprits(culprits: Vec<Culprit>) -> Vec<CulpritView> {
    culprits
        .into_iter()
        .map(|c| CulpritView {
            party: c.party,
            device_id: c.device_id,
            name: sanitize(&c.name),
        })
        .collect()
}

/// The node's settings as the UI edits them.
pub fn settings(name: String, s: &node_settings::Settings) -> Settings {
    Settings {
        name,
        default_network: s.default_network.name().to_owned(),
        endpoints: s
            .endpoints
            .iter()
            .map(|e| Endpoint {
                chain: e.chain.to_string(),
                network: e.network.name().to_owned(),
                url: e.url.clone(),
            })
            .collect(),
    }
}

/// The UI's settings, parsed; what is wrong with them in words.
pub fn settings_from(s: &Settings) -> Result<node_settings::Settings, String> {
    let network = |n: &str| {
        n.parse()
            .map_err(|_| format!("unknown network {n:?}: mainnet, testnet, signet or regtest"))
    };
    let endpoints = s
        .endpoints
        .iter()
        .map(|e| {
            Ok(node_settings::Endpoint {
                chain: e.chain.parse().map_err(|_| {
                    format!("unknown chain {:?}: bitcoin, ethereum or solana", e.chain)
                })?,
                network: network(&e.network)?,
                url: e.url.clone(),
            })
        })
        .collect::<Result<_, String>>()?;
    Ok(node_settings::Settings {
        default_network: network(&s.default_network)?,
        endpoints,
    })
}
