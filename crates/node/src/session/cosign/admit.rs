//! Admitting a proposal: checked against what this device stores of the
//! wallet it names, and previewed here from the raw transaction.

use std::collections::BTreeSet;

use accord_chains::Chain;
use accord_chains::signing::prepare;
use accord_mpc::PartyId;
use iroh::EndpointId;

use super::{Cosigner, MAX_PARTS, Refusal, State, WalletView};
use crate::approve;
use crate::policy::{DelayedTransfer, Queue, Verdict};
use crate::session::clock::Timeouts;
use crate::session::effect::Approval;
use crate::session::failure::truncate;
use crate::session::peer::Peer;
use crate::store::Member;
use crate::wallet::scheme_of;
use crate::wire::Proposal;
use sha2::{Digest as _, Sha256};

fn peer_of(m: &Member) -> Option<Peer> {
    Some(Peer {
        party: PartyId::new(u16::from(m.party))?,
        id: m.device,
        addr: m.addr.clone(),
        name: m.name.clone(),
        role: m.role,
    })
}

impl Cosigner {
    /// Checks `proposal`, which `from` sent, against `view`; computes the
    /// preview and messages. A refusal is sent back as a `Decline`.
    pub fn admit(
        view: WalletView,
        from: EndpointId,
        proposal: Proposal,
        timeouts: Timeouts,
    ) -> Result<Cosigner, Refusal> {
        let refuse = |s: &str| Refusal::veto(s);
        let wallet = &view.record;
        let proposer = view
            .members
            .iter()
            .find(|m| m.device == from)
            .ok_or_else(|| refuse("the proposer is not a member of the wallet"))?;
        if proposal.epoch != wallet.epoch {
            return Err(Refusal::cannot(format!(
                "the proposer's shares are of key epoch {}, this device's of epoch {}: shares \
                 of different epochs cannot sign together (the device behind restores a current \
                 backup or is replaced)",
                proposal.epoch, wallet.epoch
            )));
        }
        let chain: Chain = proposal
            .chain
            .parse()
            .map_err(|_| Refusal::veto(format!("unknown chain {:?}", truncate(&proposal.chain))))?;
        let unique: BTreeSet<u8> = proposal.signers.iter().copied().collect();
        if unique.len() != proposal.signers.len() || unique.len() != usize::from(wallet.threshold) {
            return Err(refuse("the signer set is not a quorum of the wallet"));
        }
        if !unique.contains(&wallet.party) || !unique.contains(&proposer.party) {
            return Err(refuse(
                "the signer set must include the proposer and this device",
            ));
        }
        if view.seen {
            return Err(refuse("this session was seen before (replayed proposal)"));
        }
        let prepared = prepare(chain, wallet.network.name(), &proposal.unsigned, &view.keys)
            .map_err(|e| Refusal::cannot(format!("cannot sign this transaction: {e}")))?;
        if prepared.messages.len() > MAX_PARTS {
            return Err(Refusal::veto(format!(
                "the transaction needs {} signatures, more than the {MAX_PARTS} a signing carries",
                prepared.messages.len()
            )));
        }
        let scheme = scheme_of(prepared.kind);
        let banned = view.banned.get(&scheme).cloned().unwrap_or_default();
        let mut peers = Vec::new();
        for party in &unique {
            let m = view
                .members
                .iter()
                .find(|m| m.party == *party)
                .ok_or_else(|| refuse("a signer is not a member"))?;
            if *party == wallet.party {
                continue;
            }
            if banned.contains(party) {
                // This device's own record of a protocol abort; the
                // proposer may not know it: not a veto.
                return Err(Refusal::cannot(format!(
                    "{} is banned from this wallet's {scheme} sessions",
                    m.name
                )));
            }
            peers.push(peer_of(m).ok_or_else(|| Refusal::cannot("a member's record is corrupt"))?);
        }
        let proposer =
            peer_of(proposer).ok_or_else(|| Refusal::cannot("a member's record is corrupt"))?;
        let me = PartyId::new(u16::from(wallet.party)).ok_or_else(|| Refusal::cannot("party"))?;
        // The verdict of the policy in force (the approver follows it or
        // shows it), and what the signature spends by its count.
        let signer_ids: Vec<String> = view
            .members
            .iter()
            .filter(|m| unique.contains(&m.party))
            .map(|m| crate::policy::device_hex(&m.device))
            .collect();
        let digest: [u8; 32] = Sha256::digest(&proposal.unsigned).into();
        let check = view
            .policy
            .as_ref()
            .map(|p| p.check(chain, &prepared.preview, &signer_ids, &digest));
        let spends = check.as_ref().and_then(|c| match &c.verdict {
            Verdict::Allow { spends } | Verdict::Delay { spends, .. } => {
                Some((digest, spends.clone()))
            }
            Verdict::Refuse(_) => None,
        });
        let uses = check.as_ref().and_then(crate::policy::PolicyCheck::uses);
        let queue = check
            .as_ref()
            .and_then(|c| c.queued.as_ref())
            .and_then(|q| match q.queue {
                Queue::New { eligible_at } => Some(DelayedTransfer {
                    intent: q.intent,
                    summary: q.summary.clone(),
                    first_seen: q.now,
                    eligible_at,
                    used_by: None,
                    cancelled_by: Vec::new(),
                }),
                _ => None,
            });
        let request = approve::SignRequest {
            wallet: wallet.name.clone(),
            wallet_id: wallet.id.clone(),
            chain,
            preview: prepared.preview.clone(),
            from: approve::Member {
                party: proposer.party.get(),
                device_id: proposer.id.to_string(),
                name: proposer.name.clone(),
                role: proposer.role,
                known: true,
            },
            proposal: view.team_approved.clone(),
        };
        Ok(Cosigner {
            wallet: wallet.id.clone(),
            me,
            proposer,
            peers,
            signers: unique
                .iter()
                .filter_map(|p| PartyId::new(u16::from(*p)))
                .collect(),
            scheme,
            chain,
            base: proposal.session,
            messages: prepared.messages,
            approval: Some(Approval::Sign(Box::new(request), check)),
            spends,
            uses,
            queue,
            timeouts,
            state: State::Idle,
        })
    }
}
