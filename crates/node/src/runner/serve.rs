//! Serving what peers send, until the transport closes: threshold messages
//! and control messages are routed to their sessions; a proposal or an
//! invitation is admitted ([`host`]) and becomes a session of its own,
//! within limits per peer; pings are answered; pairing requests go to
//! [`pair`]; wallet creations that no longer run here are answered from
//! the store.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex, PoisonError};

use accord_mpc::{Scheme, SessionId};
use iroh::EndpointId;
use tokio::sync::mpsc;

use super::host::{self, Admission};
use super::router::{Delivered, Inbound};
use super::{Shared, drive, now, pair, ping_session};
use crate::event::EventKind;
use crate::transport::Event;
use crate::wire::{Control, Message};

/// Key generations one inviter may run with this device at once.
const KEYGENS_PER_PEER: usize = 1;
/// Co-signings one proposer may run with this device at once (a team's
/// desktop signing a batch of payouts runs a hundred; each holds little).
const COSIGNS_PER_PEER: usize = 256;

/// Serves `events` until the transport closes.
pub(crate) async fn serve(shared: Arc<Shared>, mut events: mpsc::Receiver<Event>) {
    while let Some(event) = events.recv().await {
        match event {
            Event::Message { from, bytes } => match Message::decode(&bytes) {
                Ok(message) => dispatch(&shared, from, message, bytes.len()),
                Err(e) => shared.log(
                    None,
                    EventKind::Rejected,
                    &format!("bad message from {from}: {e}"),
                ),
            },
            Event::PairRequest(request) => {
                tokio::spawn(pair::answer(shared.clone(), request));
            }
            Event::BadFrame { peer, error } => {
                shared.log(
                    None,
                    EventKind::Rejected,
                    &format!("bad frame from {peer}: {error}"),
                );
            }
            _ => {}
        }
    }
}

/// A slot in a per-peer count; freed on drop.
struct Slot<'a, K: Eq + Hash + Copy> {
    counts: &'a Mutex<HashMap<K, usize>>,
    key: K,
}

impl<'a, K: Eq + Hash + Copy> Slot<'a, K> {
    fn take(counts: &'a Mutex<HashMap<K, usize>>, key: K, limit: usize) -> Option<Self> {
        let mut c = counts.lock().unwrap_or_else(PoisonError::into_inner);
        let n = c.entry(key).or_insert(0);
        if *n >= limit {
            return None;
        }
        *n += 1;
        Some(Slot { counts, key })
    }
}

impl<K: Eq + Hash + Copy> Drop for Slot<'_, K> {
    fn drop(&mut self) {
        let mut c = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(n) = c.get_mut(&self.key) {
            *n -= 1;
            if *n == 0 {
                c.remove(&self.key);
            }
        }
    }
}

fn dispatch(shared: &Arc<Shared>, from: EndpointId, message: Message, bytes: usize) {
    shared.heard(from);
    match message {
        Message::Mpc(envelope) => {
            let id = envelope.session.0;
            // A session registers its route before it journals its nonces,
            // so "consumed, and still not running" can only mean it ended
            // (the last check closes the race with a session starting
            // between the first two).
            let replayed = !shared.router.is_running(&id)
                && shared.store().seen(SessionId(id)).unwrap_or(false)
                && !shared.router.is_running(&id);
            if replayed {
                return shared.log(
                    None,
                    EventKind::Rejected,
                    &format!("replayed message from {from} for a finished session"),
                );
            }
            deliver(shared, id, from, Message::Mpc(envelope), bytes);
        }
        Message::Control(Control::Ping { nonce }) => {
            let shared = shared.clone();
            tokio::spawn(async move {
                if let Some(addr) = addr_of(&shared, &from) {
                    let _ = shared.send_control(&addr, &Control::Pong { nonce }).await;
                }
            });
        }
        Message::Control(Control::Pong { nonce }) => {
            let inbound = Inbound {
                from,
                message: Message::Control(Control::Pong { nonce }),
            };
            let _ = shared.router.deliver(ping_session(nonce), inbound, bytes);
        }
        Message::Control(Control::Invite(invitation)) => {
            tokio::spawn(ask_undecided(shared.clone(), from));
            if shared.router.is_running(&invitation.session) {
                return shared.log(
                    None,
                    EventKind::Rejected,
                    &format!("repeated invitation from {from}"),
                );
            }
            tokio::spawn(start_keygen(shared.clone(), from, invitation));
        }
        Message::Control(Control::Policy(sync)) => {
            // Kept before the next message from the same peer is looked at
            // (a proposal right after a policy is judged by it): a short
            // write, on this thread.
            let got = super::policy_sync::receive(&mut *shared.store(), from, &sync, now());
            match got {
                Ok(Ok(_)) => {}
                Ok(Err(why)) => shared.log(
                    None,
                    EventKind::Rejected,
                    &format!("policy from {from}: {why}"),
                ),
                Err(e) => shared.log(None, EventKind::Failed, &format!("keeping a policy: {e}")),
            }
        }
        Message::Control(Control::CancelReplacement { wallet_id }) => {
            let cancelled = {
                let mut store = shared.store();
                let member = store
                    .wallet_by_id(&wallet_id)
                    .and_then(|w| store.members(&w))
                    .is_ok_and(|m| m.iter().any(|m| m.device == from));
                if member {
                    store.cancel_replacement(&wallet_id, now()).map(Some)
                } else {
                    Ok(None)
                }
            };
            match cancelled {
                Ok(Some(_)) => {}
                Ok(None) => shared.log(
                    None,
                    EventKind::Rejected,
                    &format!("a replacement cancel from {from}, not a member of that wallet"),
                ),
                Err(e) => shared.log(None, EventKind::Failed, &format!("cancelling: {e}")),
            }
        }
        Message::Control(Control::ReplacementAsked {
            wallet_id,
            party,
            new_device,
            new_name,
        }) => {
            let store = shared.store();
            let wallet = store.wallet_by_id(&wallet_id);
            let asker = wallet
                .as_ref()
                .ok()
                .and_then(|w| store.members(w).ok())
                .and_then(|m| m.into_iter().find(|m| m.device == from));
            drop(store);
            match (wallet, asker) {
                (Ok(w), Some(asker)) => {
                    let detail = format!(
                        "{} asks to replace party {party} of wallet {} with the device {} ({}): \
                         the recovery server takes part after its delay; any member can cancel \
                         it meanwhile (accord device cancel-replace --wallet {})",
                        crate::approve::sanitize(&asker.name),
                        crate::approve::sanitize(&w.name),
                        crate::approve::sanitize(&new_name),
                        new_device,
                        crate::approve::sanitize(&w.name),
                    );
                    eprintln!("accord: {detail}");
                    shared.log(Some(&w.id), EventKind::Rejected, &detail);
                }
                _ => shared.log(
                    None,
                    EventKind::Rejected,
                    &format!("a replacement notice from {from}, not a member of that wallet"),
                ),
            }
        }
        Message::Control(Control::Delayed(sync)) => {
            let got = super::delayed_sync::receive(&mut *shared.store(), from, &sync, now());
            match got {
                Ok(Ok(_)) => {}
                Ok(Err(why)) => shared.log(
                    None,
                    EventKind::Rejected,
                    &format!("delayed transfer from {from}: {why}"),
                ),
                Err(e) => shared.log(
                    None,
                    EventKind::Failed,
                    &format!("keeping a delayed transfer: {e}"),
                ),
            }
        }
        Message::Control(Control::Team(item)) => {
            let shared = shared.clone();
            tokio::spawn(async move {
                let s = shared.clone();
                let got = s
                    .with_store(move |store| super::team_sync::receive(store, from, &item, now()))
                    .await;
                match got {
                    Ok(Ok(changed)) => {
                        if changed {
                            shared.team_wake.notify_one();
                        }
                    }
                    Ok(Err(why)) => shared.log(
                        None,
                        EventKind::Rejected,
                        &format!("team proposal from {from}: {why}"),
                    ),
                    Err(e) => shared.log(
                        None,
                        EventKind::Failed,
                        &format!("keeping a team proposal: {e}"),
                    ),
                }
            });
        }
        Message::Control(Control::TeamGrant(relay)) => {
            tokio::spawn(super::team_grants::on_grant(shared.clone(), from, *relay));
        }
        Message::Control(Control::TeamCard(card)) => {
            tokio::spawn(super::team_grants::on_card(shared.clone(), from, *card));
        }
        Message::Control(Control::TeamPull { wallet_id }) => {
            tokio::spawn(super::team_sync::answer_pull(
                shared.clone(),
                from,
                wallet_id,
            ));
        }
        Message::Control(Control::PolicyPull { wallet_id, nonce }) => {
            tokio::spawn(super::policy_sync::answer_pull(
                shared.clone(),
                from,
                wallet_id,
                nonce,
            ));
        }
        Message::Control(Control::PolicyPulled { nonce }) => {
            let inbound = Inbound {
                from,
                message: Message::Control(Control::PolicyPulled { nonce }),
            };
            let _ = shared
                .router
                .deliver(super::policy_sync::pull_session(nonce), inbound, bytes);
        }
        Message::Control(Control::Propose(proposal)) => {
            if shared.router.is_running(&proposal.session) {
                return shared.log(
                    None,
                    EventKind::Rejected,
                    &format!("repeated proposal from {from}"),
                );
            }
            tokio::spawn(start_cosign(shared.clone(), from, proposal));
        }
        Message::Control(control) => {
            let Some(id) = control.session() else { return };
            if !shared.router.is_running(&id) && host::resolvable(&control).is_some() {
                let shared2 = shared.clone();
                let answer_to = control.clone();
                tokio::spawn(async move {
                    let answer = shared2
                        .with_store(move |store| host::resolve(store, from, &answer_to, now()))
                        .await;
                    if let Ok(Some(answer)) = answer
                        && let Some(addr) = addr_of(&shared2, &from)
                    {
                        let _ = shared2.send_control(&addr, &answer).await;
                    }
                });
                if matches!(control, Control::Outcome { .. }) {
                    return;
                }
            }
            deliver(shared, id, from, Message::Control(control), bytes);
        }
    }
}

fn deliver(shared: &Shared, id: [u8; 32], from: EndpointId, message: Message, bytes: usize) {
    match shared.router.deliver(id, Inbound { from, message }, bytes) {
        Delivered::Routed => {}
        Delivered::Buffered { expired } => {
            if expired > 0 {
                shared.log(
                    None,
                    EventKind::Rejected,
                    &format!(
                        "{expired} message(s) for sessions that never started here were dropped"
                    ),
                );
            }
        }
        Delivered::Dropped(why) => shared.log(
            None,
            EventKind::Rejected,
            &format!(
                "message from {from} for session {} dropped: {why}",
                hex::encode(&id[..8])
            ),
        ),
    }
}

/// The address of a paired device or wallet member.
pub(crate) fn addr_of(shared: &Shared, id: &EndpointId) -> Option<iroh::EndpointAddr> {
    let store = shared.store();
    if let Some(d) = store.devices().ok()?.into_iter().find(|d| d.id == *id) {
        return Some(d.addr);
    }
    for wallet in store.wallets().ok()? {
        if let Some(m) = store
            .members(&wallet)
            .ok()?
            .into_iter()
            .find(|m| m.device == *id)
        {
            return Some(m.addr);
        }
    }
    for pending in store.pending_wallets().ok()? {
        if let Some(m) = store
            .members(&pending.record)
            .ok()?
            .into_iter()
            .find(|m| m.device == *id)
        {
            return Some(m.addr);
        }
    }
    None
}

async fn refuse(shared: &Shared, from: EndpointId, what: &str, control: Control) {
    let reason = match &control {
        Control::Decline { reason, .. } | Control::Abort { reason, .. } => reason.clone(),
        _ => String::new(),
    };
    shared.log(
        None,
        EventKind::Rejected,
        &format!("{what} from {from}: {reason}"),
    );
    if let Some(addr) = addr_of(shared, &from) {
        let _ = shared.send_control(&addr, &control).await;
    }
}

async fn start_cosign(shared: Arc<Shared>, from: EndpointId, proposal: crate::wire::Proposal) {
    let session = proposal.session;
    let Some(_slot) = Slot::take(&shared.cosigns, from, COSIGNS_PER_PEER) else {
        let control = Control::Abort {
            session,
            reason: "too many signings with this device at once".into(),
        };
        return refuse(&shared, from, "proposal", control).await;
    };
    let timeouts = shared.timeouts;
    // The wallet's view is read under the store's lock; the transaction (up
    // to 4 MiB) is parsed and previewed outside it.
    let view = shared
        .in_place(|store| host::wallet_view_with(store, &proposal, Some(&shared.policies)))
        .await;
    let len = proposal.unsigned.len();
    let admitted = super::sized::for_tx(len, move || {
        host::admit_with(view, from, proposal, timeouts)
    })
    .await
    .unwrap_or_else(|e| {
        Admission::Reply(Control::Abort {
            session,
            reason: format!("the proposal could not be read: {e}"),
        })
    });
    match admitted {
        Admission::Cosign(cosigner) => {
            let cosigner = if shared.approver.follows_policy() {
                *cosigner
            } else {
                cosigner.without_queue()
            };
            let Some((route, inbox)) = shared.router.register(&cosigner.routes()) else {
                return;
            };
            let quiet = |_| {};
            let _ = drive(shared.clone(), cosigner, Some(route), Some(inbox), &quiet).await;
        }
        Admission::Reply(control) => refuse(&shared, from, "proposal", control).await,
        Admission::Keygen(_) | Admission::Ignore(_) => {}
    }
}

async fn start_keygen(shared: Arc<Shared>, from: EndpointId, invitation: crate::wire::Invitation) {
    let session = invitation.session;
    let name = invitation.name.clone();
    // The same inviter's previous session may be ending here (its commit
    // and this invitation travel on different streams): wait for it a
    // moment before refusing.
    let mut slot = Slot::take(&shared.keygens, from, KEYGENS_PER_PEER);
    for _ in 0..20 {
        if slot.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        slot = Slot::take(&shared.keygens, from, KEYGENS_PER_PEER);
    }
    let Some(_slot) = slot else {
        let control = Control::Decline {
            session,
            reason: "another wallet creation with this device is under way".into(),
        };
        return refuse(&shared, from, "invitation", control).await;
    };
    let (timeouts, me) = (shared.timeouts, shared.transport.id());
    let follows_policy = shared.approver.follows_policy();
    let wallet_id = invitation.wallet_id.clone();
    let admitted = shared
        .with_store(move |store| {
            // The recovery server takes part in a replacement only after the
            // wallet's delay (its policy's `replace_delay`; this server's
            // operator setting, if any, instead); a person's device asks its
            // person.
            let replacement_delay = follows_policy.then(|| {
                let operator = store
                    .setting(host::REPLACEMENT_DELAY_SETTING)
                    .ok()
                    .flatten()
                    .and_then(|s| s.parse().ok());
                operator.unwrap_or_else(|| wallet_replace_delay(store, &wallet_id))
            });
            let rules = host::Rules {
                replacement_delay,
                now: now(),
            };
            host::admit_invitation(
                store,
                me,
                from,
                invitation,
                Scheme::ALL.to_vec(),
                timeouts,
                rules,
            )
        })
        .await;
    match admitted {
        Admission::Keygen(keygen) => {
            let Some((route, inbox)) = shared.router.register(&keygen.routes()) else {
                return;
            };
            let quiet = |_| {};
            let _ = drive(shared.clone(), *keygen, Some(route), Some(inbox), &quiet).await;
        }
        Admission::Reply(control) => {
            refuse(&shared, from, &format!("invitation to {name:?}"), control).await;
        }
        Admission::Cosign(_) | Admission::Ignore(_) => {}
    }
}

/// The replacement delay of wallet `id`'s policy in force (seconds), else
/// the default.
fn wallet_replace_delay(store: &dyn crate::store::Persist, id: &str) -> i64 {
    let now = u64::try_from(now()).unwrap_or(0);
    store
        .wallet_by_id(id)
        .ok()
        .and_then(|w| {
            let members = store.members(&w).ok()?;
            super::policy_cache::resolve(store, &w, &members, now)
                .ok()?
                .0
        })
        .and_then(|doc| i64::try_from(doc.replace_delay).ok())
        .unwrap_or(host::REPLACEMENT_DELAY)
}

/// A device that decides a wallet creation or refresh undecided here is
/// online (it just invited this one again): ask it now, not at the next
/// round of questions. (Not on proposals: they are the recovery server's
/// hot path, and a co-signer on the old epoch is routed around meanwhile.)
async fn ask_undecided(shared: Arc<Shared>, from: EndpointId) {
    let Ok(questions) = shared
        .with_store(|store| host::pending_questions(store))
        .await
    else {
        return;
    };
    for (session, addr, control) in questions {
        if addr.id == from && !shared.router.is_running(&session) {
            let _ = shared.send_control(&addr, &control).await;
        }
    }
}

/// How often a wallet whose creation is undecided here is asked about.
const ASK_AGAIN: std::time::Duration = std::time::Duration::from_secs(30);

/// At start: tells the members of wallets whose creation was interrupted
/// here, and asks inviters about the others — then again every
/// [`ASK_AGAIN`] while any stays undecided (and its session does not run).
pub(crate) async fn resume(shared: Arc<Shared>) {
    let messages = shared
        .with_store(|store| host::interrupted_creations(store, now()))
        .await;
    match messages {
        Ok(messages) => {
            for (addr, control) in messages {
                let _ = shared.send_control(&addr, &control).await;
            }
        }
        Err(e) => shared.log(
            None,
            EventKind::Failed,
            &format!("resuming wallet creations: {e}"),
        ),
    }
    loop {
        tokio::time::sleep(ASK_AGAIN).await;
        let Ok(questions) = shared
            .with_store(|store| host::pending_questions(store))
            .await
        else {
            continue;
        };
        for (session, addr, control) in questions {
            if !shared.router.is_running(&session) {
                let _ = shared.send_control(&addr, &control).await;
            }
        }
    }
}
