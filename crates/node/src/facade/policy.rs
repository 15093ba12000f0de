//! A wallet's policy as the faces show and change it: which version is in
//! force here and what waits (with who signed), a new version proposed
//! (signed here; the node pushes it to the members), a pending version
//! approved or cancelled by this device.

use std::collections::BTreeMap;

use super::vault::Vault;
use crate::policy::resolve::Pending;
use crate::policy::signed::{ChainError, follows};
use crate::policy::{
    self, DocumentError, PolicyCheck, PolicyDocument, Resolved, Signers, Standing, Statement,
    defaults,
};
use crate::runner::{now, policy_sync};
use crate::store::StoreError;
use crate::wallet::WalletRef;

/// A wallet's policy as this device holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyView {
    /// The wallet's id.
    pub wallet_id: String,
    /// What is in force and what waits.
    pub resolved: Resolved,
    /// Who signs its policies.
    pub signers: Signers,
    /// Member names by device id (hex).
    pub names: BTreeMap<String, String>,
}

impl PolicyView {
    /// The version a new one follows: a version every member needed has
    /// signed that is only waiting out its delay (it will be in force
    /// first), else the version in force.
    pub fn head(&self) -> Option<&PolicyDocument> {
        let signed = self.resolved.pending.iter().find(|p| {
            matches!(
                p.standing,
                Standing::Pending {
                    needs: 0,
                    effective_at: Some(_),
                    ..
                }
            )
        });
        signed
            .map(|p| &p.document)
            .or(self.resolved.active.as_ref())
    }

    /// The base of a new version: the [`PolicyView::head`] with the next
    /// version number and its hash, or the default first policy.
    pub fn next_draft(&self, network: crate::wallet::Network) -> PolicyDocument {
        match self.head() {
            Some(active) => {
                let mut next = active.clone();
                next.version = active.version.saturating_add(1);
                next.previous = Some(active.hash_hex());
                next
            }
            None => defaults::first_policy(&self.wallet_id, network),
        }
    }

    /// Where `doc` stands here (`None`: not held, or refused).
    pub fn standing_of(&self, doc: &PolicyDocument) -> Option<Standing> {
        if self.resolved.active.as_ref() == Some(doc) {
            return Some(Standing::Active);
        }
        self.resolved
            .pending
            .iter()
            .find(|p| &p.document == doc)
            .map(|p| p.standing.clone())
    }

    /// The pending versions numbered `version`.
    pub fn pending(&self, version: u64) -> Vec<&Pending> {
        self.resolved
            .pending
            .iter()
            .filter(|p| p.document.version == version)
            .collect()
    }
}

/// Why a policy change was not made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyChangeError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Not a valid document.
    #[error(transparent)]
    Invalid(#[from] DocumentError),
    /// The change asked for cannot be made.
    #[error(transparent)]
    Edit(#[from] crate::policy::EditError),
    /// For another wallet.
    #[error("the document is for wallet {0}, not this one")]
    OtherWallet(String),
    /// Does not follow the version in force.
    #[error(transparent)]
    NotNext(#[from] ChainError),
    /// No pending version of that number.
    #[error("no pending version {0} of this wallet's policy")]
    NoSuchVersion(u64),
    /// Two pending versions of that number: name one by hash.
    #[error("{0} pending versions numbered {1}: give the hash")]
    Ambiguous(usize, u64),
    /// No delayed transfer of that id.
    #[error("no delayed transfer of this wallet has an id starting with {0:?}")]
    NoSuchTransfer(String),
    /// Several delayed transfers start with that id.
    #[error("{0} delayed transfers have ids starting with {1:?}: give more digits")]
    AmbiguousTransfer(usize, String),
}

impl Vault {
    /// What the wallet's recovery server will decide about `unsigned`
    /// (previewed as `preview`) by the policy in force here, for a quorum of
    /// this device and the recovery server (`None`: no policy in force).
    pub fn recovery_verdict(
        &mut self,
        wallet: &WalletRef,
        chain: accord_chains::Chain,
        preview: &accord_chains::Preview,
        unsigned: &[u8],
    ) -> Result<Option<PolicyCheck>, StoreError> {
        use sha2::Digest as _;
        let record = self.record(wallet)?;
        let members = self.read().members(&record)?;
        let Some(active) =
            crate::runner::host::active_policy(self.read(), &record, &members, None)?
        else {
            return Ok(None);
        };
        let me = self.device_id()?;
        let quorum: Vec<String> = members
            .iter()
            .filter(|m| m.device == me || m.role == crate::session::Role::Recovery)
            .map(|m| policy::device_hex(&m.device))
            .collect();
        let digest: [u8; 32] = sha2::Sha256::digest(unsigned).into();
        Ok(Some(active.check(chain, preview, &quorum, &digest)))
    }

    /// The wallet's policy: in force here and pending, every signature
    /// verified.
    pub fn policy(&self, wallet: &WalletRef) -> Result<PolicyView, StoreError> {
        let record = self.record(wallet)?;
        let members = self.read().members(&record)?;
        let signers = policy::signers_of(&members, record.threshold);
        let versions = self.read().policy_versions(&record)?;
        let resolved = policy::resolve(&versions, &signers, u64::try_from(now()).unwrap_or(0));
        Ok(PolicyView {
            wallet_id: record.id,
            resolved,
            signers,
            names: members
                .iter()
                .map(|m| (policy::device_hex(&m.device), m.name.clone()))
                .collect(),
        })
    }

    /// Proposes `doc` as the wallet's next policy version, approved by this
    /// device; where it stands here. A running node pushes it to the
    /// members.
    pub fn propose_policy(
        &mut self,
        wallet: &WalletRef,
        doc: &PolicyDocument,
    ) -> Result<Standing, PolicyChangeError> {
        doc.check()?;
        let view = self.policy(wallet)?;
        if doc.wallet_id != view.wallet_id {
            return Err(PolicyChangeError::OtherWallet(doc.wallet_id.clone()));
        }
        if follows(view.head(), doc).is_err() {
            follows(view.resolved.active.as_ref(), doc)?;
        }
        self.sign_policy_document(wallet, doc, Statement::Approve)
    }

    /// Signs `statement` about the pending version `version` (or, with
    /// `hash`, the one of that hash); where it stands then.
    pub fn sign_policy(
        &mut self,
        wallet: &WalletRef,
        version: u64,
        hash: Option<&str>,
        statement: Statement,
    ) -> Result<(PolicyDocument, Standing), PolicyChangeError> {
        let view = self.policy(wallet)?;
        let candidates: Vec<&Pending> = view
            .pending(version)
            .into_iter()
            .filter(|p| hash.is_none_or(|h| p.document.hash_hex().starts_with(h)))
            .collect();
        let doc = match candidates.as_slice() {
            [] => return Err(PolicyChangeError::NoSuchVersion(version)),
            [one] => one.document.clone(),
            many => return Err(PolicyChangeError::Ambiguous(many.len(), version)),
        };
        let standing = self.sign_policy_document(wallet, &doc, statement)?;
        Ok((doc, standing))
    }

    fn sign_policy_document(
        &mut self,
        wallet: &WalletRef,
        doc: &PolicyDocument,
        statement: Statement,
    ) -> Result<Standing, PolicyChangeError> {
        let record = self.record(wallet)?;
        policy_sync::sign_and_keep(self.store(), &record, doc, statement, now())?;
        let view = self.policy(wallet)?;
        Ok(view.standing_of(doc).unwrap_or(Standing::Pending {
            needs: 0,
            effective_at: None,
            loosens: Vec::new(),
        }))
    }
}
