//! Team proposals from this device ([`crate::team`]): propose, approve,
//! reject, list and show, on the store (the `accord` CLI and the desktop
//! work on it while a node of the same store runs, which relays and signs
//! within a second), and on a node: pull what members hold, push, and sign
//! what is ready and this device's to sign.

use std::str::FromStr as _;
use std::time::Duration;

use accord_chains::signing::prepare;
use accord_chains::{Chain, Preview};

use super::{Node, Vault};
use crate::runner::team_sync::{self, log_proposal, log_vote};
use crate::runner::team_wallet::{team_wallet, team_wallet_ref};
use crate::store::{ProposalDone, StoreError, StoredProposal};
use crate::team::{Status, TeamProposal, Vote, VoteKind, tally, vote};
use crate::transport::identity;
use crate::wallet::WalletRef;

/// How long a proposal stays open by default: 7 days.
pub const DEFAULT_EXPIRY: u64 = 7 * 24 * 3600;

/// Why a proposal or a vote was not made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TeamError {
    /// The store failed (or no such wallet).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The wallet cannot sign this transaction.
    #[error("the wallet cannot sign this transaction: {0}")]
    Prepare(#[from] accord_chains::signing::PrepareError),
    /// A proposal that is not acceptable (too large, a long note, ...).
    #[error("{0}")]
    Invalid(String),
    /// No proposal with that id here.
    #[error("no proposal {0} here")]
    NotFound(String),
    /// The proposal is closed.
    #[error("proposal {id} is {}: it can no longer be approved or rejected", .status.name())]
    Closed {
        /// Its id.
        id: String,
        /// Where it stands.
        status: Status,
    },
    /// This device holds no share of the wallet: it proposes, it does not
    /// approve.
    #[error("this device may propose to wallet {0} but not approve or reject: it holds no share")]
    ProposerOnly(String),
    /// This device may no longer propose to the wallet.
    #[error("this device may no longer propose to wallet {0}: its grant was withdrawn")]
    Withdrawn(String),
    /// This device voted on it already.
    #[error("this device {} proposal {id} already", if *.approved { "approved" } else { "rejected" })]
    Voted {
        /// Its id.
        id: String,
        /// How.
        approved: bool,
    },
}

/// A member's vote, as shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VoteView {
    /// The device (hex).
    pub device: String,
    /// Its name.
    pub name: String,
    /// Approve or reject.
    pub kind: VoteKind,
    /// Why.
    pub reason: String,
    /// When (seconds since the epoch).
    pub at: i64,
    /// Whether it counts towards the quorum (a proposer-only device's
    /// approval of its own proposal does not).
    pub counts: bool,
}

/// A proposal as a member sees it.
#[derive(Clone, Debug)]
pub struct ProposalView {
    /// Its id (hex).
    pub id: String,
    /// The wallet's name.
    pub wallet: String,
    /// The wallet's id.
    pub wallet_id: String,
    /// The chain.
    pub chain: Chain,
    /// The proposer's note.
    pub note: String,
    /// The proposer's name.
    pub proposer: String,
    /// When it was made.
    pub created_at: i64,
    /// When it closes unsigned.
    pub expires_at: i64,
    /// Where it stands.
    pub status: Status,
    /// How many approvals it needs.
    pub needs: u16,
    /// The approvals and rejections, in the order they arrived here.
    pub votes: Vec<VoteView>,
    /// What it does, computed here from its bytes.
    pub preview: Option<Preview>,
    /// Why no preview, if none.
    pub preview_error: Option<String>,
    /// Its signed result.
    pub done: Option<ProposalDone>,
    /// Whether this device voted.
    pub voted_here: Option<VoteKind>,
    /// Whether this device only proposes to the wallet (no share: it
    /// cannot approve or reject).
    pub proposer_only: bool,
}

impl ProposalView {
    /// How many approved.
    pub fn approvals(&self) -> usize {
        self.votes
            .iter()
            .filter(|v| v.counts && v.kind == VoteKind::Approve)
            .count()
    }
}

impl Vault {
    fn view(&self, sp: StoredProposal, now: i64) -> Result<ProposalView, StoreError> {
        let all = self.read().team_proposals(Some(&sp.proposal.wallet_id))?;
        let superseded = team_sync::superseded(&team_sync::signed_proposals(&all), &sp.proposal);
        self.view_with(sp, superseded, now)
    }

    fn view_with(
        &self,
        sp: StoredProposal,
        superseded: bool,
        now: i64,
    ) -> Result<ProposalView, StoreError> {
        let tw = team_wallet(self.read(), &sp.proposal.wallet_id)?.ok_or_else(|| {
            StoreError::NotFound(format!(
                "wallet {} of proposal {}",
                sp.proposal.wallet_id, sp.id
            ))
        })?;
        let ids = tw.member_ids();
        let t = tally(
            &sp.votes,
            &ids,
            tw.threshold,
            sp.done.is_some(),
            sp.proposal.expires_at,
            now,
        )
        .superseded_if(superseded);
        let chain = Chain::from_str(&sp.proposal.chain)
            .map_err(|_| StoreError::Corrupt(format!("proposal {}'s chain", sp.id)))?;
        let (preview, preview_error) = match tw
            .keys
            .as_ref()
            .map(|k| prepare(chain, tw.network.name(), &sp.proposal.unsigned, k))
        {
            Some(Ok(p)) => (Some(p.preview), None),
            Some(Err(e)) => (None, Some(e.to_string())),
            None => (None, Some("the wallet's keys are not readable".into())),
        };
        Ok(ProposalView {
            wallet: tw.name.clone(),
            wallet_id: tw.id.clone(),
            chain,
            note: sp.proposal.note.clone(),
            proposer: tw.name_of(&sp.proposal.proposer),
            created_at: sp.proposal.created_at,
            expires_at: sp.proposal.expires_at,
            status: t.status,
            needs: t.needs,
            voted_here: sp
                .votes
                .iter()
                .find(|v| v.device == tw.me && tw.member_here())
                .map(|v| v.kind),
            proposer_only: !tw.member_here(),
            votes: sp
                .votes
                .iter()
                .map(|v| VoteView {
                    device: v.device.clone(),
                    name: tw.name_of(&v.device),
                    kind: v.kind,
                    reason: v.reason.clone(),
                    at: v.at,
                    counts: tw.is_member(&v.device),
                })
                .collect(),
            preview,
            preview_error,
            done: sp.done,
            id: sp.id,
        })
    }

    /// Proposes `unsigned` to the team of `wallet` (approved by this device
    /// at once); it expires `expires_in` seconds from `now`.
    pub fn propose(
        &mut self,
        wallet: &WalletRef,
        chain: Chain,
        unsigned: Vec<u8>,
        note: &str,
        expires_in: u64,
        now: i64,
    ) -> Result<ProposalView, TeamError> {
        let tw = team_wallet_ref(self.read(), wallet)?;
        if tw.proposer_grant.as_ref().is_some_and(|g| !g.active) {
            return Err(TeamError::Withdrawn(tw.name));
        }
        let keys = tw
            .keys
            .as_ref()
            .ok_or_else(|| StoreError::Corrupt(format!("the keys of wallet {}", tw.name)))?;
        prepare(chain, tw.network.name(), &unsigned, keys)?;
        let key = identity::secret_key(self.store())?;
        let p = TeamProposal {
            wallet_id: tw.id.clone(),
            chain: chain.name().to_owned(),
            unsigned,
            note: note.to_owned(),
            created_at: now,
            expires_at: now.saturating_add(i64::try_from(expires_in).unwrap_or(i64::MAX)),
            proposer: hex::encode(key.public().as_bytes()),
        };
        team_sync::check_proposal(&p, &tw).map_err(TeamError::Invalid)?;
        let all = self.read().team_proposals(Some(&tw.id))?;
        if team_sync::superseded(&team_sync::signed_proposals(&all), &p) {
            return Err(TeamError::Invalid(
                "a signed proposal of this wallet spends the same nonce or inputs already".into(),
            ));
        }
        let mine = vote(&key, &p, VoteKind::Approve, "", now);
        let store = self.store();
        store.add_proposal(&p, now)?;
        log_proposal(store, &tw, &p, "proposed here", now)?;
        store.add_vote(&mine)?;
        log_vote(store, &tw, &mine, now)?;
        self.proposal(&p.id_hex(), now)
    }

    /// This device's vote on proposal `id`.
    pub fn vote_on(
        &mut self,
        id: &str,
        kind: VoteKind,
        reason: &str,
        now: i64,
    ) -> Result<ProposalView, TeamError> {
        let shown = self.proposal(id, now)?;
        if shown.proposer_only {
            return Err(TeamError::ProposerOnly(shown.wallet));
        }
        if let Some(k) = shown.voted_here {
            return Err(TeamError::Voted {
                id: id.to_owned(),
                approved: k == VoteKind::Approve,
            });
        }
        if !shown.status.is_live() {
            return Err(TeamError::Closed {
                id: id.to_owned(),
                status: shown.status,
            });
        }
        let sp = self
            .read()
            .team_proposal(id)?
            .ok_or_else(|| TeamError::NotFound(id.to_owned()))?;
        let tw = team_wallet(self.read(), &sp.proposal.wallet_id)?
            .ok_or_else(|| TeamError::NotFound(id.to_owned()))?;
        let key = identity::secret_key(self.store())?;
        let v: Vote = vote(&key, &sp.proposal, kind, reason, now);
        v.verify(&sp.proposal)
            .map_err(|e| TeamError::Invalid(e.to_string()))?;
        let store = self.store();
        store.add_vote(&v)?;
        log_vote(store, &tw, &v, now)?;
        self.proposal(id, now)
    }

    /// Proposal `id` (a unique prefix of it will do).
    pub fn proposal(&self, id: &str, now: i64) -> Result<ProposalView, TeamError> {
        let found = match self.read().team_proposal(id)? {
            Some(sp) => sp,
            None => {
                let mut matching: Vec<StoredProposal> = self
                    .read()
                    .team_proposals(None)?
                    .into_iter()
                    .filter(|sp| !id.is_empty() && sp.id.starts_with(id))
                    .collect();
                if matching.len() != 1 {
                    return Err(TeamError::NotFound(id.to_owned()));
                }
                matching.remove(0)
            }
        };
        Ok(self.view(found, now)?)
    }

    /// How many proposals `wallet` holds here.
    pub fn proposal_count(&self, wallet: &WalletRef) -> Result<usize, StoreError> {
        let tw = team_wallet_ref(self.read(), wallet)?;
        self.read().team_count(&tw.id)
    }

    /// The proposals of `wallet` (every wallet: `None`), oldest first.
    pub fn proposals(
        &self,
        wallet: Option<&WalletRef>,
        now: i64,
    ) -> Result<Vec<ProposalView>, StoreError> {
        let tw = wallet
            .map(|w| team_wallet_ref(self.read(), w))
            .transpose()?;
        let all = self
            .read()
            .team_proposals(tw.as_ref().map(|r| r.id.as_str()))?;
        let superseded: Vec<bool> = {
            let signed = team_sync::signed_proposals(&all);
            all.iter()
                .map(|sp| team_sync::superseded(&signed, &sp.proposal))
                .collect()
        };
        all.into_iter()
            .zip(superseded)
            .map(|(sp, s)| self.view_with(sp, s, now))
            .collect()
    }
}

impl Node {
    /// This device's vote on proposal `id` ([`Vault::vote_on`]), relayed
    /// (and, when it completes a quorum this device signs for, signed) at
    /// once.
    pub async fn vote_on_proposal(
        &self,
        id: &str,
        kind: VoteKind,
        reason: &str,
    ) -> Result<ProposalView, TeamError> {
        let (id, reason) = (id.to_owned(), reason.to_owned());
        let voted = self
            .with_vault(move |v| v.vote_on(&id, kind, &reason, crate::runner::now()))
            .await;
        self.shared.team_wake.notify_one();
        voted
    }

    /// A proposal ([`Vault::propose`]), relayed at once.
    pub async fn propose(
        &self,
        wallet: WalletRef,
        chain: Chain,
        unsigned: Vec<u8>,
        note: String,
        expires_in: u64,
    ) -> Result<ProposalView, TeamError> {
        let made = self
            .with_vault(move |v| {
                v.propose(
                    &wallet,
                    chain,
                    unsigned,
                    &note,
                    expires_in,
                    crate::runner::now(),
                )
            })
            .await;
        self.shared.team_wake.notify_one();
        made
    }

    /// Asks every member for the proposals it holds, waits `wait` for the
    /// answers, pushes what this device holds, and signs what is ready and
    /// this device's to sign (what a running node does by itself).
    pub async fn sync_team(&self, wait: Duration) -> Result<(), StoreError> {
        team_sync::pull_all(&self.shared).await;
        tokio::time::sleep(wait).await;
        team_sync::push_now(&self.shared).await?;
        let mut tried = std::collections::HashMap::new();
        team_sync::advance(&self.shared, &mut tried).await;
        Ok(())
    }
}
