//! The policy in force per wallet, resolved once and kept until something
//! it depends on changes: the store's policy generation (a counter SQLite
//! triggers keep for policy versions, statements, wallets and members,
//! also when another process writes), or the time a pending version comes
//! into force. Resolving — parsing every version, hashing it, checking
//! every signature and the chain — for every proposal cost the recovery
//! server a tenth of its throughput under load.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use crate::policy::{self, PolicyDocument, Standing};
use crate::store::{Member, Persist, StoreError, WalletRecord};

/// What was resolved for one wallet.
struct Entry {
    generation: i64,
    /// Resolve again from this time on (a pending version's effective time).
    until: u64,
    document: Option<PolicyDocument>,
}

/// Resolved policies by wallet id.
#[derive(Default)]
pub struct PolicyCache(Mutex<HashMap<String, Entry>>);

impl core::fmt::Debug for PolicyCache {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PolicyCache").finish_non_exhaustive()
    }
}

impl PolicyCache {
    /// The version of `record`'s policy in force at `now`.
    pub fn document(
        &self,
        store: &dyn Persist,
        record: &WalletRecord,
        members: &[Member],
        now: u64,
    ) -> Result<Option<PolicyDocument>, StoreError> {
        let generation = store.policy_generation()?;
        let lock = || self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(e) = lock().get(&record.id)
            && e.generation == generation
            && now < e.until
        {
            return Ok(e.document.clone());
        }
        let (document, until) = resolve(store, record, members, now)?;
        lock().insert(
            record.id.clone(),
            Entry {
                generation,
                until,
                document: document.clone(),
            },
        );
        Ok(document)
    }
}

/// The version in force at `now`, and when that may change by itself.
pub fn resolve(
    store: &dyn Persist,
    record: &WalletRecord,
    members: &[Member],
    now: u64,
) -> Result<(Option<PolicyDocument>, u64), StoreError> {
    let versions = store.policy_versions(record)?;
    let signers = policy::signers_of(members, record.threshold);
    let resolved = policy::resolve(&versions, &signers, now);
    let until = resolved
        .pending
        .iter()
        .filter_map(|p| match p.standing {
            Standing::Pending {
                effective_at: Some(t),
                ..
            } => Some(t),
            _ => None,
        })
        .min()
        .unwrap_or(u64::MAX);
    Ok((resolved.active, until))
}
