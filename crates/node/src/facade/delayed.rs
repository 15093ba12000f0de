//! A wallet's delayed transfers as the faces show and cancel them
//! ([`crate::policy::delayed`]): what each member queued (the recovery
//! server's entry is the one whose delay counts for its signature), and a
//! cancel signed here with this device's identity key, which a running
//! node pushes to every member within a second.

use std::collections::BTreeMap;

use super::policy::PolicyChangeError;
use super::vault::Vault;
use crate::policy::delayed::{self, READY_FOR};
use crate::policy::{self, Intent};
use crate::runner::now;
use crate::store::StoreError;
use crate::wallet::WalletRef;

/// One delayed transfer of a wallet, as every member reported it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DelayedView {
    /// Its intent.
    pub intent: Intent,
    /// What it moves, in words.
    pub summary: String,
    /// Per member that queued it (its name; `this device` for the own
    /// entry): when its delay is over there.
    pub eligible_at: BTreeMap<String, u64>,
    /// Whether this device's own entry was co-signed already.
    pub used: bool,
    /// The names of the members that cancelled it.
    pub cancelled_by: Vec<String>,
}

impl DelayedView {
    /// Its id, as people type it: the intent's first 12 hex digits.
    pub fn id(&self) -> String {
        delayed::short(&self.intent)
    }

    /// When the last member's delay is over.
    pub fn last_eligible(&self) -> u64 {
        self.eligible_at.values().copied().max().unwrap_or(0)
    }
}

impl Vault {
    /// The wallet's delayed transfers still waiting or ready (not used, not
    /// forgotten), cancelled ones included, oldest first.
    pub fn delayed_transfers(&self, wallet: &WalletRef) -> Result<Vec<DelayedView>, StoreError> {
        let record = self.record(wallet)?;
        let members = self.read().members(&record)?;
        let name = |hex: &str| {
            members
                .iter()
                .find(|m| policy::device_hex(&m.device) == hex)
                .map_or_else(|| hex.to_owned(), |m| m.name.clone())
        };
        let now = u64::try_from(now()).unwrap_or(0);
        let mut out: Vec<DelayedView> = Vec::new();
        for q in self.read().delayed(&record)? {
            let t = &q.transfer;
            if now > t.eligible_at.saturating_add(READY_FOR) && t.cancelled_by.is_empty() {
                continue;
            }
            let i = match out.iter().position(|v| v.intent == t.intent) {
                Some(i) => i,
                None => {
                    out.push(DelayedView {
                        intent: t.intent,
                        summary: t.summary.clone(),
                        eligible_at: BTreeMap::new(),
                        used: false,
                        cancelled_by: t.cancelled_by.iter().map(|d| name(d)).collect(),
                    });
                    out.len() - 1
                }
            };
            let who = if q.origin.is_empty() {
                "this device".to_owned()
            } else {
                name(&q.origin)
            };
            out[i].eligible_at.insert(who, t.eligible_at);
            if q.origin.is_empty() && t.used_by.is_some() {
                out[i].used = true;
            }
        }
        out.retain(|v| !v.used);
        Ok(out)
    }

    /// Cancels the delayed transfer whose id starts with `id` (hex), signed
    /// with this device's identity key; the transfer as it stands then.
    pub fn cancel_transfer(
        &mut self,
        wallet: &WalletRef,
        id: &str,
    ) -> Result<DelayedView, PolicyChangeError> {
        let record = self.record(wallet)?;
        let id = id.trim().to_ascii_lowercase();
        let found: Vec<DelayedView> = self
            .delayed_transfers(wallet)?
            .into_iter()
            .filter(|v| !id.is_empty() && hex::encode(v.intent).starts_with(&id))
            .collect();
        let intent = match found.as_slice() {
            [one] => one.intent,
            [] => return Err(PolicyChangeError::NoSuchTransfer(id)),
            many => return Err(PolicyChangeError::AmbiguousTransfer(many.len(), id)),
        };
        let key = iroh::SecretKey::from_bytes(&*self.store().device_secret()?);
        let cancel = delayed::sign_cancel(&key, &record.id, &intent);
        self.store()
            .cancel_delayed(&record.id, &intent, &cancel, now())?;
        self.store().log(
            Some(&record.id),
            crate::event::EventKind::Policy,
            &format!(
                "delayed transfer {} cancelled here",
                delayed::short(&intent)
            ),
            now(),
        )?;
        self.delayed_transfers(wallet)?
            .into_iter()
            .find(|v| v.intent == intent)
            .ok_or(PolicyChangeError::NoSuchTransfer(id))
    }
}
