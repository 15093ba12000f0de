//! What a runner does with the store, without IO of its own: carrying out a
//! session's [`Journal`] writes and share loads, admitting what peers start
//! (a proposal becomes a [`Cosigner`], an invitation a [`KeygenSession`],
//! or a refusal) and — re-exported from `undecided` — answering for wallet
//! creations and refreshes that no longer run here. The tokio runner and the simulation tests both use these, so both
//! run the sessions by the same rules.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use accord_mpc::{KeyShare, Scheme, SessionId};
use iroh::EndpointId;

use super::policy_cache::PolicyCache;
use crate::policy::{self, ActivePolicy};
use crate::session::{
    Cosigner, Journal, JournalError, KeygenSession, Refusal, Timeouts, WalletView,
    keygen::{Known, LocalWallet},
};
use crate::store::{
    Member, Persist, SealedShare, SigningBegin, SigningEnd, StoreError, WalletRecord, WalletState,
};
use crate::wire::{Control, Invitation, Proposal, SessionBytes};

pub use super::undecided::{interrupted_creations, pending_questions, resolvable, resolve};

/// Carries out `journal`, durably, at wall time `now` (seconds).
pub fn apply(store: &mut dyn Persist, journal: Journal, now: i64) -> Result<(), JournalError> {
    let failed = |e: StoreError| JournalError::Failed(e.to_string());
    match journal {
        Journal::BeginSigning {
            session,
            wallet,
            parts,
            lasts,
            spends,
            uses,
        } => {
            let deadline = now.saturating_add(i64::try_from(lasts.as_secs()).unwrap_or(i64::MAX));
            let begin = SigningBegin {
                session,
                wallet: &wallet,
                parts: &parts,
                deadline,
                spends: spends.as_ref().map(|(tx, s)| (tx, s.as_slice())),
                uses: uses.as_ref(),
            };
            match store.begin_signing(&begin, now) {
                Ok(()) => Ok(()),
                Err(StoreError::NonceConsumed(_)) => Err(JournalError::Replayed),
                Err(e) => Err(failed(e)),
            }
        }
        Journal::EndSigning {
            session,
            wallet,
            outcome,
            signatures,
            ban,
            event,
        } => {
            let end = SigningEnd {
                session,
                wallet: &wallet,
                outcome: outcome.as_deref().map_err(String::as_str),
                signatures: &signatures,
                ban: ban.as_ref(),
                event: event.as_ref().map(|(k, d)| (k, d.as_str())),
            };
            store.end_signing(&end, now).map_err(failed)
        }
        Journal::StoreWallet(mut new) => {
            // This device approves the first policy the invitation carried
            // (its members agreed to it by taking part), in the same write.
            if let Some(doc) = &new.policy {
                let key = iroh::SecretKey::from_bytes(&*store.device_secret().map_err(failed)?);
                new.policy_approval = vec![policy::signed::endorse(
                    &key,
                    doc,
                    policy::Statement::Approve,
                )];
            }
            store
                .store_wallet(&new, WalletState::Pending, now)
                .map(drop)
                .map_err(failed)
        }
        Journal::QueueDelayed { wallet, transfer } => store
            .queue_delayed(&wallet, "", &transfer)
            .map(drop)
            .map_err(failed),
        Journal::CommitWallet { wallet } => store.commit_wallet(&wallet, now).map_err(failed),
        Journal::StoreEpoch(new) => store.store_epoch(&new, now).map_err(failed),
        Journal::CommitEpoch { wallet, session } => store
            .commit_epoch(&wallet, &session, now)
            .map(drop)
            .map_err(failed),
        Journal::DropEpoch {
            wallet,
            session,
            reason,
        } => store
            .drop_epoch(&wallet, &session, &reason, now)
            .map_err(failed),
        Journal::DropWallet { wallet, reason } => {
            store.drop_wallet(&wallet, &reason, now).map_err(failed)
        }
    }
}

/// This device's `scheme` share of `wallet` as stored (read under the
/// store's lock; open it with [`open_share`] outside it).
pub fn sealed_share(
    store: &dyn Persist,
    wallet: &str,
    scheme: Scheme,
) -> Result<SealedShare, String> {
    let record = store.wallet_by_id(wallet).map_err(|e| e.to_string())?;
    store
        .sealed_share(&record, scheme)
        .map_err(|e| e.to_string())
}

/// Opens and validates what [`sealed_share`] read.
pub fn open_share(sealed: Result<SealedShare, String>) -> Result<Arc<KeyShare>, String> {
    sealed?.open().map(Arc::new).map_err(|e| e.to_string())
}

/// What to do with a message that starts something here.
#[derive(Debug)]
pub enum Admission {
    /// Run this co-signer.
    Cosign(Box<Cosigner>),
    /// Run this wallet creation.
    Keygen(Box<KeygenSession>),
    /// Answer the sender with this and nothing else.
    Reply(Control),
    /// Drop it (already logged by the caller from the reason).
    Ignore(String),
}

/// The store's view of the wallet a proposal names (`None`: no usable
/// wallet of that id here).
pub fn wallet_view(store: &dyn Persist, p: &Proposal) -> Result<Option<WalletView>, StoreError> {
    wallet_view_with(store, p, None)
}

/// [`wallet_view`], the policy in force taken from `cache` when it holds.
pub fn wallet_view_with(
    store: &dyn Persist,
    p: &Proposal,
    cache: Option<&PolicyCache>,
) -> Result<Option<WalletView>, StoreError> {
    let record = match store.wallet_by_id(&p.wallet_id) {
        Ok(r) => r,
        Err(StoreError::NotFound(_)) => return Ok(None),
        Err(e) => return Err(e),
    };
    let members = store.members(&record)?;
    let keys = crate::wallet::public_keys(&store.group_keys(&record)?)
        .ok_or_else(|| StoreError::Corrupt(format!("the public keys of wallet {}", record.name)))?;
    let mut banned = BTreeMap::new();
    for scheme in Scheme::ALL {
        banned.insert(scheme, store.banned(&record, scheme)?);
    }
    let policy = active_policy(store, &record, &members, cache)?;
    let seen = store.seen(SessionId(p.session))?;
    let team_approved = team_approval(store, &record, &members, p)?;
    Ok(Some(WalletView {
        record,
        members,
        keys,
        banned,
        policy,
        seen,
        team_approved,
    }))
}

/// The id of a live team proposal of wallet `record` for exactly `p`'s
/// transaction that this device approved, if there is one.
fn team_approval(
    store: &dyn Persist,
    record: &WalletRecord,
    members: &[Member],
    p: &Proposal,
) -> Result<Option<String>, StoreError> {
    let Some(me) = members.iter().find(|m| m.party == record.party) else {
        return Ok(None);
    };
    let me = hex::encode(me.device.as_bytes());
    let devices: Vec<String> = members
        .iter()
        .map(|m| hex::encode(m.device.as_bytes()))
        .collect();
    let candidates = store.unsigned_proposals_for(&record.id, &p.chain, &p.unsigned)?;
    if candidates.is_empty() {
        // Not a team proposal's transaction (the usual co-signature): the
        // wallet's other proposals are not read.
        return Ok(None);
    }
    let all = store.team_proposals(Some(&record.id))?;
    let signed = super::team_sync::signed_proposals(&all);
    for sp in &candidates {
        let approved_here = sp
            .votes
            .iter()
            .any(|v| v.device == me && v.kind == crate::team::VoteKind::Approve);
        let tally = crate::team::tally(
            &sp.votes,
            &devices,
            record.threshold,
            false,
            sp.proposal.expires_at,
            super::now(),
        )
        .superseded_if(super::team_sync::superseded(&signed, &sp.proposal));
        if approved_here && tally.status.is_live() {
            return Ok(Some(sp.id.clone()));
        }
    }
    Ok(None)
}

/// The policy of `record` in force here — every signature on it and its
/// chain of versions verified ([`crate::policy::resolve`]) — with the
/// spend ledger; `None` when no version is in force.
pub fn active_policy(
    store: &dyn Persist,
    record: &WalletRecord,
    members: &[Member],
    cache: Option<&PolicyCache>,
) -> Result<Option<ActivePolicy>, StoreError> {
    let now = u64::try_from(super::now()).unwrap_or(0);
    let document = match cache {
        Some(c) => c.document(store, record, members, now)?,
        None => super::policy_cache::resolve(store, record, members, now)?.0,
    };
    let Some(document) = document else {
        return Ok(None);
    };
    // Only the longest window of the version in force counts.
    let longest = document
        .chains
        .iter()
        .flat_map(|c| &c.assets)
        .filter_map(|a| a.window)
        .max()
        .unwrap_or(0);
    let since = now.saturating_sub(longest);
    let ledger = store.spends(record, i64::try_from(since).unwrap_or(0))?;
    let delayed = store
        .delayed(record)?
        .into_iter()
        .filter(|q| q.origin.is_empty())
        .map(|q| q.transfer)
        .collect();
    Ok(Some(ActivePolicy {
        document,
        ledger,
        delayed,
        now,
    }))
}

/// A proposal `from` sent: a co-signer, or a refusal — a `Decline` (a
/// veto) for what this device will not sign, an `Abort` when it cannot
/// take part (no such usable wallet here, its store failing, its own
/// records): the proposer then tries another quorum.
pub fn admit_proposal(
    store: &dyn Persist,
    from: EndpointId,
    proposal: Proposal,
    timeouts: Timeouts,
) -> Admission {
    let view = wallet_view(store, &proposal);
    admit_with(view, from, proposal, timeouts)
}

/// [`admit_proposal`] with the wallet's view already read (the runner reads
/// it under the store's lock, then previews the transaction outside it).
pub fn admit_with(
    view: Result<Option<WalletView>, StoreError>,
    from: EndpointId,
    proposal: Proposal,
    timeouts: Timeouts,
) -> Admission {
    let session = proposal.session;
    match view {
        Ok(Some(view)) => match Cosigner::admit(view, from, proposal, timeouts) {
            Ok(c) => Admission::Cosign(Box::new(c)),
            Err(refusal) => Admission::Reply(refuse(session, refusal)),
        },
        // Possibly a wallet still pending here (its creation undecided).
        Ok(None) => Admission::Reply(Control::Abort {
            session,
            reason: "this device has no usable wallet of that id".into(),
        }),
        Err(e) => Admission::Reply(Control::Abort {
            session,
            reason: format!("storage error: {e}"),
        }),
    }
}

fn refuse(session: SessionBytes, r: Refusal) -> Control {
    if r.veto {
        Control::Decline {
            session,
            reason: r.reason,
        }
    } else {
        Control::Abort {
            session,
            reason: r.reason,
        }
    }
}

/// An invitation `from` sent: a member's wallet creation, or a `Decline`.
pub fn admit_invitation(
    store: &mut dyn Persist,
    me: EndpointId,
    from: EndpointId,
    invitation: Invitation,
    schemes: Vec<Scheme>,
    timeouts: Timeouts,
    rules: Rules,
) -> Admission {
    let session = invitation.session;
    let storage = |e: StoreError| {
        Admission::Reply(Control::Abort {
            session,
            reason: format!("storage error: {e}"),
        })
    };
    if let Some(r) = &invitation.replace
        && invitation
            .members
            .iter()
            .any(|m| m.party == r.party && m.addr.id == me)
    {
        let pinned: BTreeSet<EndpointId> = match store.known_ids() {
            Ok(ids) => ids.into_iter().collect(),
            Err(e) => return storage(e),
        };
        if store.wallet_by_id(&invitation.wallet_id).is_ok() {
            return Admission::Reply(Control::Decline {
                session,
                reason: "this device holds that wallet already".into(),
            });
        }
        // An earlier attempt of the same initiator left it stored here and
        // undecided: the initiator starts anew, so it never committed it.
        let earlier = store.pending_wallets().map(|pending| {
            pending.into_iter().find(|w| {
                w.record.id == invitation.wallet_id && w.initiator == from && w.session != session
            })
        });
        match earlier {
            Ok(Some(w)) => {
                let reason = "its initiator started the replacement again";
                if let Err(e) = store.drop_wallet(&w.record.id, reason, rules.now) {
                    return storage(e);
                }
            }
            Ok(None) => {}
            Err(e) => return storage(e),
        }
        let known = |id: &EndpointId| pinned.contains(id);
        return match KeygenSession::admit_replacement(invitation, from, me, &known, timeouts) {
            Ok(k) => Admission::Keygen(Box::new(k)),
            Err(refusal) => Admission::Reply(refuse(session, refusal)),
        };
    }
    if let Some(epoch) = invitation.refresh {
        // A refresh stored here that the same initiator left undecided: it
        // starts another from the epoch it is on, so it never switched to
        // that one (only it switches first) and never will — drop it.
        let stale = store.pending_epochs().map(|pending| {
            pending.into_iter().find(|p| {
                p.wallet.id == invitation.wallet_id
                    && p.initiator == from
                    && p.wallet.epoch == epoch
                    && p.session != invitation.session
            })
        });
        match stale {
            Ok(Some(p)) => {
                let reason = "its initiator started another refresh from the same epoch";
                if let Err(e) = store.drop_epoch(&p.wallet.id, &p.session, reason, rules.now) {
                    return storage(e);
                }
            }
            Ok(None) => {}
            Err(e) => return storage(e),
        }
        let replacing = invitation.replace.as_ref().and_then(|r| {
            let new = invitation.members.iter().find(|m| m.party == r.party)?;
            Some((r.party, new.addr.id))
        });
        return match local_wallet(store, &invitation.wallet_id) {
            Ok(wallet) => {
                let id = wallet.record.id.clone();
                match KeygenSession::admit_refresh(invitation, from, wallet, timeouts) {
                    Ok(k) => {
                        // A replacement counts here only after its delay
                        // (for a device whose approvals follow the policy).
                        if let (Some((party, new)), Some(delay)) =
                            (replacing, rules.replacement_delay)
                        {
                            let first = match store.replacement_seen(&id, party, &new, rules.now) {
                                Ok(t) => t,
                                Err(e) => return storage(e),
                            };
                            let until = first.saturating_add(delay);
                            if rules.now < until {
                                return Admission::Reply(Control::Decline {
                                    session,
                                    reason: format!(
                                        "the replacement waits for its delay: {PENDING_UNTIL}{until} \
                                         (any member can cancel it until then)"
                                    ),
                                });
                            }
                        }
                        Admission::Keygen(Box::new(k))
                    }
                    Err(refusal) => Admission::Reply(refuse(session, refusal)),
                }
            }
            Err(StoreError::NotFound(_)) => Admission::Reply(Control::Decline {
                session,
                reason: "this device holds no such wallet".into(),
            }),
            Err(e) => Admission::Reply(Control::Abort {
                session,
                reason: format!("storage error: {e}"),
            }),
        };
    }
    let pinned: BTreeSet<EndpointId> = match store.known_ids() {
        Ok(ids) => ids.into_iter().collect(),
        Err(e) => {
            return Admission::Reply(Control::Abort {
                session,
                reason: format!("storage error: {e}"),
            });
        }
    };
    let device = |id: &EndpointId| pinned.contains(id);
    let wallet = |name: &str, id: &str| {
        store.wallet(name).is_ok()
            || store.wallet_by_id(id).is_ok()
            || store
                .pending_wallets()
                .is_ok_and(|p| p.iter().any(|w| w.record.name == name || w.record.id == id))
    };
    let known = Known {
        me,
        device: &device,
        wallet: &wallet,
    };
    match KeygenSession::admit(invitation, from, known, schemes, timeouts) {
        Ok(k) => Admission::Keygen(Box::new(k)),
        Err(refusal) => Admission::Reply(refuse(session, refusal)),
    }
}

/// What an invitation's admission depends on besides the store.
#[derive(Clone, Copy, Debug)]
pub struct Rules {
    /// The delay a replacement waits before this device takes part in it
    /// (seconds): set for a device whose approvals follow the wallet's
    /// policy (the recovery server); `None` where a person decides.
    pub replacement_delay: Option<i64>,
    /// Wall time (seconds).
    pub now: i64,
}

/// The default replacement delay: 72 hours.
pub const REPLACEMENT_DELAY: i64 = 72 * 3600;

/// The setting that overrides [`REPLACEMENT_DELAY`] (seconds).
pub const REPLACEMENT_DELAY_SETTING: &str = "replacement_delay_secs";

/// In a refusal's reason: when the replacement's delay ends here
/// (`pending_until=<seconds since the epoch>`).
pub const PENDING_UNTIL: &str = "pending_until=";

/// What this device holds of wallet `id`, for a refresh of it: the record,
/// members, every share (opened and validated) and whether a refresh is
/// pending.
pub fn local_wallet(store: &dyn Persist, id: &str) -> Result<LocalWallet, StoreError> {
    let record = store.wallet_by_id(id)?;
    let members = store.members(&record)?;
    let mut shares = Vec::new();
    for scheme in store.group_keys(&record)?.into_keys() {
        shares.push(Arc::new(store.share(&record, scheme)?));
    }
    let pending = store
        .pending_epochs()?
        .iter()
        .any(|p| p.wallet.id == record.id);
    Ok(LocalWallet {
        record,
        members,
        shares,
        pending,
    })
}
