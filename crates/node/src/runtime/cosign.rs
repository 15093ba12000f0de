//! Co-signing, a member's side: a proposal is checked (known wallet, the
//! proposer a member and the coordinator, the signer set a valid quorum
//! with this device in it and nobody banned, a session never seen), the
//! preview and messages are computed here from the raw transaction, the
//! approver decides (with the wallet's policy), and only then are the
//! nonces journaled as consumed — committed before any signature share
//! leaves — and the rounds run.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Instant;

use accord_chains::Chain;
use accord_mpc::{PartyId, Scheme, SessionId, SignRequest, Signer};
use iroh::EndpointId;
use rand_core::OsRng;

use super::drive::{Driver, Failure, Peer, Progress};
use super::keygen::heartbeat;
use super::sign::{prepare_for, record_end, scheme_of};
use super::{Shared, derive, fault, log, now};
use crate::approve::{self, Decision, policy::Policy};
use crate::store::{Member, SessionOutcome, StoreError, WalletRecord};
use crate::wire::{Control, Proposal};

struct Checked {
    wallet: WalletRecord,
    chain: Chain,
    proposer: Member,
    signers: Vec<PartyId>,
    peers: Vec<Peer>,
}

fn check(shared: &Shared, from: EndpointId, p: &Proposal) -> Result<Checked, String> {
    let store = shared.store();
    let wallet = store
        .wallet_by_id(&p.wallet_id)
        .map_err(|_| "unknown wallet".to_owned())?;
    let members = store.members(&wallet).map_err(|e| e.to_string())?;
    let proposer = members
        .iter()
        .find(|m| m.endpoint_id == from.to_string())
        .cloned()
        .ok_or("the proposer is not a member of the wallet")?;
    let chain: Chain = p
        .chain
        .parse()
        .map_err(|_| format!("unknown chain {:?}", p.chain))?;
    let unique: BTreeSet<u8> = p.signers.iter().copied().collect();
    if unique.len() != p.signers.len() || unique.len() != usize::from(wallet.threshold) {
        return Err("the signer set is not a quorum of the wallet".into());
    }
    if !unique.contains(&wallet.party) || !unique.contains(&proposer.party) {
        return Err("the signer set must include the proposer and this device".into());
    }
    let mut peers = Vec::new();
    let scheme_guess = [Scheme::FrostTaproot, Scheme::FrostEd25519, Scheme::Ecdsa];
    for party in &unique {
        let m = members
            .iter()
            .find(|m| m.party == *party)
            .ok_or("a signer is not a member")?;
        if scheme_guess
            .iter()
            .any(|s| store.is_banned(&wallet, *s, *party).unwrap_or(true))
            && *party != wallet.party
        {
            return Err(format!("{} is banned from this wallet's sessions", m.name));
        }
        if *party != wallet.party {
            peers.push(Peer::from_member(m).ok_or("a member's record is corrupt")?);
        }
    }
    if store
        .session_state(SessionId(p.session))
        .map_err(|e| e.to_string())?
        .is_some()
    {
        return Err("this session was seen before (replayed proposal)".into());
    }
    let signers = unique
        .iter()
        .filter_map(|p| PartyId::new(u16::from(*p)))
        .collect();
    Ok(Checked {
        wallet,
        chain,
        proposer,
        signers,
        peers,
    })
}

/// A member's side of a signing session.
pub(crate) async fn respond(shared: Arc<Shared>, from: EndpointId, proposal: Proposal) {
    fault::point("proposal-received");
    let session = proposal.session;
    let Some(addr) = shared.addr_of(&from) else {
        return log(
            &shared,
            "rejected",
            &format!("proposal from unknown device {from}"),
        );
    };
    let decline = |reason: String| {
        let (shared, addr) = (shared.clone(), addr.clone());
        async move {
            log(
                &shared,
                "rejected",
                &format!("proposal from {from}: {reason}"),
            );
            let _ = shared
                .send_control(&addr, &Control::Decline { session, reason })
                .await;
        }
    };
    let c = match check(&shared, from, &proposal) {
        Ok(c) => c,
        Err(reason) => return decline(reason).await,
    };
    let prepared = match prepare_for(&shared, &c.wallet, c.chain, &proposal.unsigned) {
        Ok(p) => p,
        Err(e) => return decline(format!("cannot sign this transaction: {e}")).await,
    };
    let scheme = scheme_of(prepared.kind);
    let parts: Vec<SessionId> = (0..prepared.messages.len())
        .map(|i| derive(&session, u16::try_from(i).unwrap_or(u16::MAX)))
        .collect();
    let mut ids = vec![session];
    ids.extend(parts.iter().map(|id| id.0));
    let Some((_route, mut rx)) = shared.router.register(&ids) else {
        return;
    };
    let heartbeat = tokio::spawn(heartbeat(shared.clone(), addr.clone(), session));
    let policy = shared
        .store()
        .policy(&c.wallet)
        .ok()
        .flatten()
        .and_then(|json| Policy::from_json(&json).ok());
    let request = approve::SignRequest {
        wallet: c.wallet.name.clone(),
        wallet_id: c.wallet.id.clone(),
        chain: c.chain,
        preview: prepared.preview.clone(),
        from: approve::Member {
            party: c.proposer.party,
            device_id: c.proposer.endpoint_id.clone(),
            name: c.proposer.name.clone(),
        },
    };
    let decision = tokio::time::timeout(
        shared.timeouts.approval,
        super::decide(shared.approver.sign(&request, policy.as_ref())),
    )
    .await;
    heartbeat.abort();
    match decision {
        Ok(Decision::Approve) => {}
        Ok(Decision::Reject(reason)) => {
            let _ = shared.store().log(
                Some(&c.wallet),
                "rejected",
                &format!("{} proposal from {}: {reason}", c.chain, c.proposer.name),
                now(),
            );
            return decline(reason).await;
        }
        Err(_) => return decline("no decision in time".into()).await,
    }
    fault::point("approved");
    let timeouts = shared.timeouts;
    let journal: Vec<(SessionId, Scheme)> = parts.iter().map(|id| (*id, scheme)).collect();
    let deadline_secs = i64::try_from(timeouts.session.as_secs()).unwrap_or(i64::MAX);
    let begun = shared.store().begin_signing(
        SessionId(session),
        &c.wallet,
        &journal,
        now(),
        now().saturating_add(deadline_secs),
    );
    match begun {
        Ok(()) => {}
        Err(StoreError::NonceConsumed(_)) => {
            return decline("this session was seen before (replayed proposal)".into()).await;
        }
        Err(e) => return decline(format!("storage error: {e}")).await,
    }
    fault::point("journaled");
    let loaded = shared.store().share(&c.wallet, scheme);
    let share = match loaded {
        Ok(s) => Arc::new(s),
        Err(e) => {
            let ended = shared.store().end_session(
                SessionId(session),
                SessionOutcome::Aborted,
                &e.to_string(),
                now(),
            );
            drop(ended);
            return decline(format!("this device's share is unusable: {e}")).await;
        }
    };
    let quiet = |_: Progress| {};
    let mut driver: Driver<'_, Signer> = Driver::new(
        &shared,
        session,
        c.peers.clone(),
        timeouts.sign_round,
        Instant::now() + timeouts.session,
        &quiet,
    );
    driver.heavy = scheme == Scheme::Ecdsa;
    let coordinator = PartyId::new(u16::from(c.proposer.party));
    let result = async {
        let coordinator = coordinator.ok_or_else(|| Failure::Local("coordinator".into()))?;
        shared
            .send_control(&addr, &Control::Join { session })
            .await
            .map_err(|error| Failure::Unreachable {
                name: c.proposer.name.clone(),
                error,
            })?;
        for (index, id) in parts.iter().enumerate() {
            let message = prepared
                .messages
                .get(index)
                .ok_or_else(|| Failure::Local("message index".into()))?;
            let request = SignRequest {
                session: *id,
                signers: &c.signers,
                coordinator,
                message,
            };
            let (signer, first) = Signer::start(share.clone(), &request, &mut OsRng)
                .map_err(|e| Failure::Local(e.to_string()))?;
            driver.add(*id, signer, first).await?;
        }
        fault::point("round1-sent");
        driver.run(&mut rx, Vec::new()).await
    }
    .await;
    match result {
        Ok(_) => {
            fault::point("share-sent");
            record_end(
                &shared,
                &c.wallet,
                scheme,
                SessionId(session),
                Ok("co-signed"),
            );
            let _ = shared.store().log(
                Some(&c.wallet),
                "cosigned",
                &format!("{} transaction proposed by {}", c.chain, c.proposer.name),
                now(),
            );
        }
        Err(failure) => {
            record_end(
                &shared,
                &c.wallet,
                scheme,
                SessionId(session),
                Err(&failure),
            );
            driver.fail(&failure).await;
        }
    }
}
