//! What a member (or a proposer-only device) keeps of what another sent
//! of a team proposal ([`crate::team`]): the proposal only from a member or
//! a device granted to propose, with its proposer's signed approval;
//! votes signed by members (a proposer's own approval is kept as proof of
//! who proposed, never counted); a result only when its signatures make a
//! valid transaction under the wallet's keys (checked by the chain's
//! library).

use std::str::FromStr as _;

use accord_chains::Chain;
use accord_chains::signing::{ThresholdSignature, prepare};
use iroh::EndpointId;

use super::team_sync::MAX_PROPOSALS;
use super::team_wallet::{TeamWallet, team_wallet};
use crate::event::EventKind;
use crate::store::{Persist, ProposalDone, StoreError};
use crate::team::{MAX_NOTE, TeamProposal, VoteKind};
use crate::wire::{MAX_UNSIGNED, TeamItem};

/// Checks what a proposal must be before it is kept: by a member or a
/// proposer-only device granted on the wallet, and within the limits.
pub(crate) fn check_proposal(p: &TeamProposal, tw: &TeamWallet) -> Result<(), String> {
    let by_proposer = tw.proposer(&p.proposer).is_some()
        || tw
            .proposer_grant
            .as_ref()
            .is_some_and(|g| g.active && g.device == p.proposer);
    if !tw.is_member(&p.proposer) && !by_proposer {
        return Err("a proposal by a device that is neither a member nor a proposer".into());
    }
    if p.unsigned.len() > MAX_UNSIGNED {
        return Err(format!(
            "a proposal of {} bytes (at most {MAX_UNSIGNED})",
            p.unsigned.len()
        ));
    }
    if p.note.len() > MAX_NOTE {
        return Err(format!(
            "a note of {} bytes (at most {MAX_NOTE})",
            p.note.len()
        ));
    }
    if Chain::from_str(&p.chain).is_err() {
        return Err(format!("a proposal for chain {:?}", p.chain));
    }
    if p.expires_at <= p.created_at {
        return Err("a proposal that expires before it was made".into());
    }
    Ok(())
}

/// The signed result of `p` from `signatures`, assembled and checked here
/// (by the chain's library, under the wallet's keys).
pub(crate) fn check_result(
    tw: &TeamWallet,
    p: &TeamProposal,
    signatures: &[(Vec<u8>, Option<u8>)],
    now: i64,
) -> Result<ProposalDone, String> {
    let keys = tw
        .keys
        .as_ref()
        .ok_or_else(|| format!("the public keys of wallet {} are not readable", tw.name))?;
    let chain = Chain::from_str(&p.chain).map_err(|_| format!("chain {:?}", p.chain))?;
    let prepared =
        prepare(chain, tw.network.name(), &p.unsigned, keys).map_err(|e| e.to_string())?;
    let mut sigs = Vec::new();
    for (bytes, recovery_id) in signatures {
        let bytes = <[u8; 64]>::try_from(bytes.as_slice())
            .map_err(|_| "a signature that is not 64 bytes".to_owned())?;
        sigs.push(ThresholdSignature {
            bytes,
            recovery_id: *recovery_id,
        });
    }
    match prepared.finish(&sigs) {
        Ok(signed) => Ok(ProposalDone {
            signatures: signatures.to_vec(),
            encoded: signed.encoded,
            txid: signed.txid,
            at: now,
        }),
        Err(e) => Err(format!("its signatures do not make the transaction: {e}")),
    }
}

/// Keeps what a member (or a proposer-only device) sent of a proposal,
/// after checking it; whether anything was new, or why it was refused.
pub(crate) fn receive(
    store: &mut dyn Persist,
    from: EndpointId,
    item: &TeamItem,
    now: i64,
) -> Result<Result<bool, String>, StoreError> {
    let p = &item.proposal;
    let Some(tw) = team_wallet(&*store, &p.wallet_id)? else {
        return Ok(Err("a proposal for a wallet not here".into()));
    };
    let sender = hex::encode(from.as_bytes());
    if !tw.is_member(&sender) && tw.proposer(&sender).is_none() {
        return Ok(Err(format!(
            "a proposal of wallet {} from a device that is neither a member nor a proposer",
            tw.name
        )));
    }
    let id = p.id_hex();
    let existing = store.team_proposal(&id)?;
    // Checked when first kept: a proposer's grant withdrawn since stops
    // its new proposals, not the votes on those made before.
    if existing.is_none()
        && let Err(why) = check_proposal(p, &tw)
    {
        return Ok(Err(why));
    }
    // Nothing new (every member's periodic push and start): the same votes
    // were verified when they were kept — nothing to check.
    if let Some(e) = &existing
        && item.votes.iter().all(|v| e.votes.contains(v))
        && (item.signatures.is_none() || e.done.is_some())
    {
        return Ok(Ok(false));
    }
    let mut refused = Vec::new();
    let mut votes = Vec::new();
    for v in &item.votes {
        // A proposer-only device's approval of its own proposal says who
        // proposed it; it is kept, never counted.
        let authorship = v.device == p.proposer && v.kind == VoteKind::Approve;
        match v.verify(p) {
            Ok(()) if tw.is_member(&v.device) || authorship => votes.push(v.clone()),
            Ok(()) => refused.push(format!("a vote of {}, not a member", v.device)),
            Err(e) => refused.push(e.to_string()),
        }
    }
    let mut changed = false;
    if existing.is_none() {
        let signed_by_proposer = votes
            .iter()
            .any(|v| v.device == p.proposer && v.kind == VoteKind::Approve);
        if !signed_by_proposer {
            return Ok(Err(format!(
                "proposal {id} without its proposer's signed approval"
            )));
        }
        if store.team_count(&tw.id)? >= MAX_PROPOSALS {
            return Ok(Err(format!(
                "wallet {} holds {MAX_PROPOSALS} proposals already",
                tw.name
            )));
        }
        store.add_proposal(p, now)?;
        changed = true;
        log_proposal(
            store,
            &tw,
            p,
            &format!("by {}", tw.name_of(&p.proposer)),
            now,
        )?;
    }
    for v in votes {
        if store.add_vote(&v)? {
            changed = true;
            log_vote(store, &tw, &v, now)?;
        }
    }
    let done_here = existing.as_ref().is_some_and(|e| e.done.is_some());
    if let (Some(sigs), false) = (&item.signatures, done_here) {
        match check_result(&tw, p, sigs, now) {
            Ok(done) => {
                if store.finish_proposal(&id, &done)? {
                    changed = true;
                    store.log(
                        Some(&tw.id),
                        EventKind::Proposed,
                        &format!("team proposal {id} signed: {}", done.txid),
                        now,
                    )?;
                }
            }
            Err(why) => refused.push(format!("the result of proposal {id}: {why}")),
        }
    }
    if !refused.is_empty() {
        store.log(
            Some(&tw.id),
            EventKind::Rejected,
            &format!(
                "team proposal {id} from {from}: left out {}",
                refused.join("; ")
            ),
            now,
        )?;
    }
    Ok(Ok(changed))
}

/// Logs proposal `p` of `tw`, made `how` ("by NAME", "proposed here").
pub(crate) fn log_proposal(
    store: &mut dyn Persist,
    tw: &TeamWallet,
    p: &TeamProposal,
    how: &str,
    now: i64,
) -> Result<(), StoreError> {
    let note = if p.note.is_empty() {
        String::new()
    } else {
        format!(" ({})", p.note)
    };
    store.log(
        Some(&tw.id),
        EventKind::Proposed,
        &format!(
            "team proposal {}: {} transaction {how}{note}",
            p.id_hex(),
            p.chain
        ),
        now,
    )
}

/// Logs a vote with its signature (the audit log keeps both).
pub(crate) fn log_vote(
    store: &mut dyn Persist,
    tw: &TeamWallet,
    v: &crate::team::Vote,
    now: i64,
) -> Result<(), StoreError> {
    store.log(
        Some(&tw.id),
        EventKind::Voted,
        &format!(
            "{} {} team proposal {}{}{}{}",
            tw.name_of(&v.device),
            match v.kind {
                VoteKind::Approve if !tw.is_member(&v.device) => "proposed (not counted)",
                VoteKind::Approve => "approved",
                VoteKind::Reject => "rejected",
            },
            v.proposal,
            if v.reason.is_empty() {
                String::new()
            } else {
                format!(" ({})", v.reason)
            },
            crate::audit::SIGNED_VOTE,
            serde_json::to_string(v).unwrap_or_default()
        ),
        now,
    )
}
