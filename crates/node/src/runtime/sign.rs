//! Co-signing, the proposer's side. The proposer (who coordinates and
//! aggregates) computes the preview and the messages with `accord_chains`,
//! picks a quorum (itself and `t − 1` members, in party order, skipping
//! banned ones), proposes the raw transaction to them and signs with them.
//! If an attempt fails because a member is offline, silent or aborted, the
//! next quorum is tried without user action; before each attempt the
//! signatures already finished (recorded in the store) are looked up, so a
//! finished signature is never asked for again. A member's explicit
//! refusal ends the whole signing (its veto is not routed around).

use std::sync::Arc;
use std::time::Instant;

use accord_chains::signing::{Prepared, SignatureKind, Signed, ThresholdSignature, prepare};
use accord_chains::{Chain, Preview};
use accord_mpc::{
    KeyShare, PartyId, Scheme, SessionId, SignOutput, SignRequest, Signature, Signer,
};
use rand_core::{OsRng, RngCore};

use super::drive::{Driver, Failure, Peer};
use super::{Node, Shared, SignError, derive, keygen, now};
use crate::store::{SessionOutcome, StoreError, WalletRecord};
use crate::wire::{Control, Proposal};

use super::drive::{Progress, ProgressFn};

/// A signed transaction.
#[derive(Debug)]
pub struct SignOutcome {
    /// What was signed.
    pub preview: Preview,
    /// The transaction, ready to broadcast.
    pub signed: Signed,
    /// The names of the devices that signed (this one first).
    pub signers: Vec<String>,
    /// Attempts made (1 if the first quorum signed).
    pub attempts: u32,
}

/// The threshold scheme a chain's signatures need.
pub fn scheme_of(kind: SignatureKind) -> Scheme {
    match kind {
        SignatureKind::Bip340 => Scheme::FrostTaproot,
        SignatureKind::Ecdsa => Scheme::Ecdsa,
        SignatureKind::Ed25519 => Scheme::FrostEd25519,
    }
}

/// The chains crate's form of a threshold signature.
pub(crate) fn threshold_signature(sig: &Signature) -> ThresholdSignature {
    ThresholdSignature {
        bytes: sig.to_bytes(),
        recovery_id: sig.recovery_id(),
    }
}

/// Prepares `unsigned` for `wallet` on `chain`.
pub(crate) fn prepare_for(
    shared: &Shared,
    wallet: &WalletRecord,
    chain: Chain,
    unsigned: &[u8],
) -> Result<Prepared, SignError> {
    let keys = shared.store().group_keys(wallet)?;
    let keys = keygen::public_keys(&keys)
        .ok_or_else(|| StoreError::NotFound(format!("public keys of wallet {}", wallet.name)))?;
    Ok(prepare(chain, &wallet.network, unsigned, &keys)?)
}

impl Node {
    /// The preview and messages of `unsigned` for wallet `wallet`.
    pub fn prepare(
        &self,
        wallet: &str,
        chain: Chain,
        unsigned: &[u8],
    ) -> Result<Prepared, SignError> {
        let record = self.shared.store().wallet(wallet)?;
        prepare_for(&self.shared, &record, chain, unsigned)
    }

    /// Co-signs `unsigned` with a quorum of `wallet`'s members and returns
    /// the verified, assembled transaction. Quorums are tried in party
    /// order (2-of-3 on the desktop: the phone, else the recovery server).
    pub async fn sign(
        &self,
        wallet: &str,
        chain: Chain,
        unsigned: &[u8],
        progress: ProgressFn<'_>,
    ) -> Result<SignOutcome, SignError> {
        self.sign_with(wallet, chain, unsigned, &[], progress).await
    }

    /// [`Node::sign`], trying the members with party ids in `prefer` first
    /// (in that order), then the others.
    pub async fn sign_with(
        &self,
        wallet: &str,
        chain: Chain,
        unsigned: &[u8],
        prefer: &[u8],
        progress: ProgressFn<'_>,
    ) -> Result<SignOutcome, SignError> {
        let shared = &*self.shared;
        let record = shared.store().wallet(wallet)?;
        let prepared = prepare_for(shared, &record, chain, unsigned)?;
        let scheme = scheme_of(prepared.kind);
        let share = Arc::new(shared.store().share(&record, scheme)?);
        let me = share.party();
        let members = shared.store().members(&record)?;
        let mut others: Vec<Peer> = members
            .iter()
            .filter(|m| m.party != me.get())
            .filter(|m| {
                !shared
                    .store()
                    .is_banned(&record, scheme, m.party)
                    .unwrap_or(true)
            })
            .filter_map(Peer::from_member)
            .collect();
        others.sort_by_key(|p| {
            prefer
                .iter()
                .position(|q| *q == p.party.get())
                .unwrap_or(usize::MAX)
        });
        let need = usize::from(record.threshold) - 1;
        let mut failures = Vec::new();
        let mut attempts = 0;
        for quorum in combinations(&others, need) {
            let todo = missing(shared, &record, scheme, &prepared)?;
            if todo.is_empty() {
                break;
            }
            attempts += 1;
            if attempts > 1 {
                progress(Progress {
                    party: me.get(),
                    name: shared.name.clone(),
                    state: "retrying".into(),
                    detail: format!("with {}", names(&quorum)),
                });
            }
            match attempt(
                shared, &record, &share, &quorum, chain, unsigned, &prepared, &todo, progress,
            )
            .await
            {
                Ok(signatures) => {
                    let mut store = shared.store();
                    for (index, sig) in signatures {
                        if let Some(message) = prepared.messages.get(index) {
                            store.record_signature(&record, scheme, message, &sig, now())?;
                        }
                    }
                    drop(store);
                    let signed = finish(shared, &record, scheme, &prepared)?;
                    log_wallet(
                        shared,
                        &record,
                        "signed",
                        &format!(
                            "{chain} transaction {} with {}",
                            signed.txid,
                            names(&quorum)
                        ),
                    );
                    let mut signers = vec![shared.name.clone()];
                    signers.extend(quorum.iter().map(|p| p.name.clone()));
                    return Ok(SignOutcome {
                        preview: prepared.preview.clone(),
                        signed,
                        signers,
                        attempts,
                    });
                }
                Err(failure) => {
                    let text = failure.describe();
                    log_wallet(
                        shared,
                        &record,
                        "failed",
                        &format!("signing with {}: {text}", names(&quorum)),
                    );
                    if let Failure::Declined { name, reason } = failure {
                        return Err(SignError::Declined {
                            member: name,
                            reason,
                        });
                    }
                    if !failure.retryable() {
                        return Err(SignError::NoQuorum(text));
                    }
                    failures.push(text);
                }
            }
        }
        // Every message may have been signed already (an earlier run).
        if missing(shared, &record, scheme, &prepared)?.is_empty() {
            let signed = finish(shared, &record, scheme, &prepared)?;
            return Ok(SignOutcome {
                preview: prepared.preview.clone(),
                signed,
                signers: vec![shared.name.clone()],
                attempts,
            });
        }
        Err(SignError::NoQuorum(if failures.is_empty() {
            "not enough co-signers".into()
        } else {
            failures.join("; ")
        }))
    }
}

fn log_wallet(shared: &Shared, wallet: &WalletRecord, kind: &str, detail: &str) {
    let _ = shared.store().log(Some(wallet), kind, detail, now());
}

fn names(peers: &[Peer]) -> String {
    peers
        .iter()
        .map(|p| p.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The messages without a finished signature.
fn missing(
    shared: &Shared,
    wallet: &WalletRecord,
    scheme: Scheme,
    prepared: &Prepared,
) -> Result<Vec<usize>, StoreError> {
    let store = shared.store();
    let mut out = Vec::new();
    for (i, m) in prepared.messages.iter().enumerate() {
        if store.finished_signature(wallet, scheme, m)?.is_none() {
            out.push(i);
        }
    }
    Ok(out)
}

fn finish(
    shared: &Shared,
    wallet: &WalletRecord,
    scheme: Scheme,
    prepared: &Prepared,
) -> Result<Signed, SignError> {
    let store = shared.store();
    let mut sigs = Vec::new();
    for m in &prepared.messages {
        let sig = store
            .finished_signature(wallet, scheme, m)?
            .ok_or_else(|| StoreError::NotFound("a finished signature".into()))?;
        sigs.push(threshold_signature(&sig));
    }
    Ok(prepared.finish(&sigs)?)
}

/// Every `k`-subset of `items`, in order.
fn combinations(items: &[Peer], k: usize) -> Vec<Vec<Peer>> {
    fn go(items: &[Peer], k: usize, start: usize, cur: &mut Vec<Peer>, out: &mut Vec<Vec<Peer>>) {
        if cur.len() == k {
            out.push(cur.clone());
            return;
        }
        for i in start..items.len() {
            if let Some(p) = items.get(i) {
                cur.push(p.clone());
                go(items, k, i + 1, cur, out);
                cur.pop();
            }
        }
    }
    let mut out = Vec::new();
    go(items, k, 0, &mut Vec::new(), &mut out);
    out
}

/// One signing attempt with `quorum`.
#[allow(clippy::too_many_arguments)]
async fn attempt(
    shared: &Shared,
    wallet: &WalletRecord,
    share: &Arc<KeyShare>,
    quorum: &[Peer],
    chain: Chain,
    unsigned: &[u8],
    prepared: &Prepared,
    todo: &[usize],
    progress: ProgressFn<'_>,
) -> Result<Vec<(usize, Signature)>, Failure> {
    let scheme = share.scheme();
    let me = share.party();
    let mut base = [0u8; 32];
    OsRng.fill_bytes(&mut base);
    let parts: Vec<(usize, SessionId)> = todo
        .iter()
        .map(|&i| (i, derive(&base, u16::try_from(i).unwrap_or(u16::MAX))))
        .collect();
    let mut ids = vec![base];
    ids.extend(parts.iter().map(|(_, id)| id.0));
    let (_route, mut rx) = shared
        .router
        .register(&ids)
        .ok_or_else(|| Failure::Local("session id in use".into()))?;
    let mut signers: Vec<PartyId> = quorum.iter().map(|p| p.party).chain([me]).collect();
    signers.sort();
    let timeouts = shared.timeouts;
    let deadline_secs =
        i64::try_from((timeouts.approval + timeouts.session).as_secs()).unwrap_or(i64::MAX);
    let journal: Vec<(SessionId, Scheme)> = parts.iter().map(|(_, id)| (*id, scheme)).collect();
    shared
        .store()
        .begin_signing(
            SessionId(base),
            wallet,
            &journal,
            now(),
            now().saturating_add(deadline_secs),
        )
        .map_err(|e| Failure::Local(e.to_string()))?;
    let deadline = Instant::now() + timeouts.approval + timeouts.session;
    let mut driver: Driver<'_, Signer> = Driver::new(
        shared,
        base,
        quorum.to_vec(),
        timeouts.sign_round,
        deadline,
        progress,
    );
    driver.heavy = scheme == Scheme::Ecdsa;
    let result = async {
        let proposal = Proposal {
            session: base,
            wallet_id: wallet.id.clone(),
            chain: chain.to_string(),
            unsigned: unsigned.to_vec(),
            signers: signers.iter().map(|p| p.get()).collect(),
        };
        driver.broadcast(&Control::Propose(proposal), true).await?;
        for (index, id) in &parts {
            let message = prepared
                .messages
                .get(*index)
                .ok_or_else(|| Failure::Local("message index".into()))?;
            let request = SignRequest {
                session: *id,
                signers: &signers,
                coordinator: me,
                message,
            };
            let (signer, first) = Signer::start(share.clone(), &request, &mut OsRng)
                .map_err(|e| Failure::Local(e.to_string()))?;
            driver.add(*id, signer, first).await?;
        }
        let outputs = driver.run(&mut rx, Vec::new()).await?;
        let mut signatures = Vec::new();
        for ((index, _), output) in parts.iter().zip(outputs) {
            match output {
                SignOutput::Signature(sig) => signatures.push((*index, sig)),
                SignOutput::Contributed => {
                    return Err(Failure::Local("the coordinator got no signature".into()));
                }
            }
        }
        Ok(signatures)
    }
    .await;
    let outcome = result.as_ref().map(|_| "signed");
    record_end(shared, wallet, scheme, SessionId(base), outcome);
    if let Err(failure) = &result {
        driver.fail(failure).await;
    }
    result
}

/// Ends a signing session in the store: done, or aborted with the reason —
/// and a party the protocol says must be banned is banned for good.
pub(crate) fn record_end(
    shared: &Shared,
    wallet: &WalletRecord,
    scheme: Scheme,
    session: SessionId,
    outcome: Result<&str, &Failure>,
) {
    let mut store = shared.store();
    match outcome {
        Ok(detail) => {
            let _ = store.end_session(session, SessionOutcome::Done, detail, now());
        }
        Err(failure) => {
            let _ = store.end_session(session, SessionOutcome::Aborted, &failure.describe(), now());
            if let Failure::Protocol {
                abort,
                culprit: Some(peer),
            } = failure
                && abort.ban().is_some()
            {
                let _ = store.ban(wallet, scheme, peer.party.get(), &abort.to_string(), now());
            }
        }
    }
}
