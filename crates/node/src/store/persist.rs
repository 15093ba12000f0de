//! The store behind narrow traits, one per concern, each with typed
//! records, so a second backend (PostgreSQL, for a fleet of recovery
//! servers) can implement them: [`WalletStore`] (wallets, shares, members,
//! keys), [`PolicyStore`] (policy documents, the spend ledger), [`SessionJournal`] (signing sessions, the nonce journal,
//! finished signatures, bans), [`DeviceStore`] (identity, paired devices,
//! tickets, settings) and [`EventLog`]. The node holds a [`Persist`]: all
//! four. No connection or transaction leaves a backend; every method that
//! writes is one atomic transaction.

use std::collections::{BTreeMap, BTreeSet};

use accord_mpc::{GroupKey, KeyShare, Scheme, SessionId, Signature};
use iroh::EndpointId;
use zeroize::Zeroizing;

use super::epochs::{NewEpoch, PendingEpoch};
use super::records::{
    KeygenOutcome, Member, NewWalletOwned, PairedDevice, PendingWallet, WalletRecord,
};
use super::{SealedShare, StoreError, TicketRefused};
use crate::event::{Event, EventKind};
use crate::policy::PolicyDocument;
use crate::policy::ledger::{LedgerEntry, Spend};
use crate::policy::resolve::StoredVersion;
use crate::policy::signed::Endorsement;
use crate::wire::SessionBytes;

/// Whether a stored wallet can be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WalletState {
    /// Created everywhere: usable.
    Active,
    /// Stored here, not committed yet: invisible and unusable.
    Pending,
}

/// Wallets and this device's shares of them.
pub trait WalletStore {
    /// Every usable wallet, by name.
    fn wallets(&self) -> Result<Vec<WalletRecord>, StoreError>;
    /// The usable wallet named `name`.
    fn wallet(&self, name: &str) -> Result<WalletRecord, StoreError>;
    /// The usable wallet with id `id`.
    fn wallet_by_id(&self, id: &str) -> Result<WalletRecord, StoreError>;
    /// Its members, by party.
    fn members(&self, wallet: &WalletRecord) -> Result<Vec<Member>, StoreError>;
    /// Its group key of every scheme it has (every wallet made by this
    /// build has all three).
    fn group_keys(&self, wallet: &WalletRecord) -> Result<BTreeMap<Scheme, GroupKey>, StoreError>;
    /// This device's `scheme` share, sealed as stored (open it with
    /// [`SealedShare::open`], outside any lock).
    fn sealed_share(
        &self,
        wallet: &WalletRecord,
        scheme: Scheme,
    ) -> Result<SealedShare, StoreError>;
    /// This device's `scheme` share, opened and validated.
    fn share(&self, wallet: &WalletRecord, scheme: Scheme) -> Result<KeyShare, StoreError> {
        self.sealed_share(wallet, scheme)?.open()
    }
    /// Stores a wallet in `state`; never over an existing wallet of that name or id.
    fn store_wallet(
        &mut self,
        new: &NewWalletOwned,
        state: WalletState,
        now: i64,
    ) -> Result<WalletRecord, StoreError>;
    /// Makes a pending wallet usable (done if it is already).
    fn commit_wallet(&mut self, id: &str, now: i64) -> Result<(), StoreError>;
    /// Forgets a pending wallet and its shares (nothing if there is none).
    fn drop_wallet(&mut self, id: &str, reason: &str, now: i64) -> Result<(), StoreError>;
    /// The wallets stored but not committed.
    fn pending_wallets(&self) -> Result<Vec<PendingWallet>, StoreError>;
    /// What this device knows of key generation `session`'s wallet.
    fn keygen_outcome(&self, session: &SessionBytes) -> Result<KeygenOutcome, StoreError>;
}

/// A wallet's key epochs: a refresh's shares stored beside the ones in
/// use, switched to atomically once every member stored theirs, or dropped.
pub trait EpochStore {
    /// Stores a refresh's shares, unusable, beside the ones in use
    /// (replacing another pending refresh of the wallet). Refused unless
    /// they are of the epoch after the wallet's, this device's party and
    /// the wallet's group keys.
    fn store_epoch(&mut self, new: &NewEpoch, now: i64) -> Result<(), StoreError>;
    /// Switches the wallet to its pending epoch of `session` in one
    /// transaction (the old shares erased); returns the wallet's epoch.
    /// Done already if the wallet is on it.
    fn commit_epoch(
        &mut self,
        wallet: &str,
        session: &SessionBytes,
        now: i64,
    ) -> Result<u64, StoreError>;
    /// Forgets the pending epoch of `session` (nothing if there is none).
    fn drop_epoch(
        &mut self,
        wallet: &str,
        session: &SessionBytes,
        reason: &str,
        now: i64,
    ) -> Result<(), StoreError>;
    /// Every refresh stored here and not switched to.
    fn pending_epochs(&self) -> Result<Vec<PendingEpoch>, StoreError>;
    /// What this device knows of refresh `session`.
    fn epoch_outcome(&self, session: &SessionBytes) -> Result<KeygenOutcome, StoreError>;
    /// When this device first saw the request to replace `party` of
    /// `wallet` with `new_device` (now, if it had not, or if it had seen a
    /// request for another device).
    fn replacement_seen(
        &mut self,
        wallet: &str,
        party: u8,
        new_device: &EndpointId,
        now: i64,
    ) -> Result<i64, StoreError>;
    /// Forgets the replacement waiting here (a member cancelled it); whether
    /// there was one.
    fn cancel_replacement(&mut self, wallet: &str, now: i64) -> Result<bool, StoreError>;
}

/// How a signing session ended, with what it finished.
#[derive(Debug)]
pub struct SigningEnd<'a> {
    /// The session.
    pub session: SessionId,
    /// The wallet's id.
    pub wallet: &'a str,
    /// `Ok(detail)` with a result, `Err(reason)` without.
    pub outcome: Result<&'a str, &'a str>,
    /// Finished signatures: (scheme, message, signature).
    pub signatures: &'a [(Scheme, Vec<u8>, Signature)],
    /// A party to exclude from a scheme's sessions for good: (scheme, party, reason).
    pub ban: Option<&'a (Scheme, u8, String)>,
    /// An event to log in the same transaction.
    pub event: Option<(&'a crate::event::EventKind, &'a str)>,
}

/// A signing session starting on this device.
#[derive(Debug)]
pub struct SigningBegin<'a> {
    /// The session.
    pub session: SessionId,
    /// The wallet's id.
    pub wallet: &'a str,
    /// Each part (one signature) and its scheme.
    pub parts: &'a [(SessionId, Scheme)],
    /// When it must be over (seconds since the epoch).
    pub deadline: i64,
    /// The transaction (a digest of its unsigned bytes) and what it spends
    /// by the policy's count: recorded once per transaction.
    pub spends: Option<(&'a [u8; 32], &'a [Spend])>,
    /// The delayed transfer (its intent) this signature uses up, marked
    /// used by the transaction above.
    pub uses: Option<&'a crate::policy::Intent>,
}

/// Signing sessions: the nonce journal, finished signatures, bans.
pub trait SessionJournal {
    /// Records a signing session as running, journals the nonces of every
    /// part as consumed and records what the signature will spend in the
    /// wallet's spend ledger — one transaction, committed before any
    /// signature share leaves. [`StoreError::NonceConsumed`] (nothing
    /// written) if the session or a part was seen before.
    fn begin_signing(&mut self, begin: &SigningBegin<'_>, now: i64) -> Result<(), StoreError>;
    /// Ends a running signing session: outcome, signatures and ban, one
    /// transaction.
    fn end_signing(&mut self, end: &SigningEnd<'_>, now: i64) -> Result<(), StoreError>;
    /// Whether session (or part) `session` was seen here: as a session or in
    /// the nonce journal.
    fn seen(&self, session: SessionId) -> Result<bool, StoreError>;
    /// A finished signature of `message`, if this device has one.
    fn finished_signature(
        &self,
        wallet: &WalletRecord,
        scheme: Scheme,
        message: &[u8],
    ) -> Result<Option<Signature>, StoreError>;
    /// The parties banned from `scheme` sessions of `wallet`.
    fn banned(&self, wallet: &WalletRecord, scheme: Scheme) -> Result<BTreeSet<u8>, StoreError>;
    /// Marks sessions a crash left running as aborted; how many.
    fn recover(&mut self, now: i64) -> Result<usize, StoreError>;
}

/// This device: its identity, the devices it is paired with, tickets,
/// settings.
pub trait DeviceStore {
    /// This device's long-term secret (its endpoint key), created on first use.
    fn device_secret(&mut self) -> Result<Zeroizing<[u8; 32]>, StoreError>;
    /// Makes `secret` this device's identity (a restore): refused with
    /// [`StoreError::OtherDevice`] when another identity is here that a
    /// wallet or a paired device relies on.
    fn import_device_secret(&mut self, secret: &[u8; 32]) -> Result<(), StoreError>;
    /// The paired devices (not removed), by name.
    fn devices(&self) -> Result<Vec<PairedDevice>, StoreError>;
    /// Pins `device` (the redeemer's side of pairing, or a new address).
    fn pair_device(&mut self, device: &PairedDevice, now: i64) -> Result<(), StoreError>;
    /// Removes a device: it is let in no more, even as a wallet member.
    fn remove_device(&mut self, id: &EndpointId, now: i64) -> Result<bool, StoreError>;
    /// Notes that `id` was heard from at `now`.
    fn seen_device(&mut self, id: &EndpointId, now: i64) -> Result<(), StoreError>;
    /// Records a ticket with `secret`, valid until `expires_at`.
    fn add_ticket(&mut self, secret: &[u8; 32], expires_at: i64) -> Result<(), StoreError>;
    /// Whether a ticket is unused and unexpired at `now`.
    fn has_open_ticket(&self, now: i64) -> Result<bool, StoreError>;
    /// Redeems the ticket with `secret` for `device` and pins it, atomically.
    fn redeem_ticket(
        &mut self,
        secret: &[u8],
        device: &PairedDevice,
        now: i64,
    ) -> Result<Result<(), TicketRefused>, StoreError>;
    /// Paired devices and wallet members, not removed: the devices whose
    /// invitations and replacements count as known.
    fn known_ids(&self) -> Result<Vec<EndpointId>, StoreError>;
    /// Every id to let in: [`DeviceStore::known_ids`], the proposer-only
    /// devices granted on a wallet here, and on a proposer-only device the
    /// members of the wallets it proposes to.
    fn pinned_ids(&self) -> Result<Vec<EndpointId>, StoreError>;
    /// Whether `id` is paired (not removed) or a member of a wallet here.
    fn is_known(&self, id: &EndpointId) -> Result<bool, StoreError>;
    /// The UDP port this device listened on last.
    fn bound_port(&self) -> Result<Option<u16>, StoreError>;
    /// Remembers the UDP port.
    fn set_bound_port(&mut self, port: u16) -> Result<(), StoreError>;
    /// A text setting, if set.
    fn setting(&self, key: &str) -> Result<Option<String>, StoreError>;
    /// Sets a text setting.
    fn set_setting(&mut self, key: &str, value: &str) -> Result<(), StoreError>;
}

/// The wallet's policy documents, the statements about them, and the
/// spend ledger (written with the nonce journal: [`SessionJournal::begin_signing`]).
pub trait PolicyStore {
    /// Every version of `wallet`'s policy held here, with the statements
    /// about each (unverified: [`crate::policy::resolve`] checks them),
    /// oldest first.
    fn policy_versions(&self, wallet: &WalletRecord) -> Result<Vec<StoredVersion>, StoreError>;
    /// Keeps `document` (once) and the `statements` about it not kept yet;
    /// one transaction. How many rows were new.
    fn add_policy(
        &mut self,
        wallet: &WalletRecord,
        document: &PolicyDocument,
        statements: &[Endorsement],
        now: i64,
    ) -> Result<usize, StoreError>;
    /// Whether `document` and every one of `statements` (same signature)
    /// are kept for `wallet` already (a few indexed lookups: what a push
    /// that brings nothing new costs the receiver).
    fn holds_policy(
        &self,
        wallet: &WalletRecord,
        document: &PolicyDocument,
        statements: &[Endorsement],
    ) -> Result<bool, StoreError>;
    /// The ledger's spends of `wallet` recorded after `since`.
    fn spends(&self, wallet: &WalletRecord, since: i64) -> Result<Vec<LedgerEntry>, StoreError>;
    /// A number that changes whenever anything the policy sync pushes
    /// changes (in this process or another on the same store).
    fn policy_generation(&self) -> Result<i64, StoreError>;
    /// The wallet's delayed transfers: this device's queue (origin `""`)
    /// and what members reported, with their cancels.
    fn delayed(&self, wallet: &WalletRecord) -> Result<Vec<super::QueuedTransfer>, StoreError>;
    /// Queues `transfer` of wallet `wallet_id`: as this device's own entry
    /// (`origin` `""`, replacing one used or forgotten) or as member
    /// `origin` reported it (kept as first received). Whether it was new.
    fn queue_delayed(
        &mut self,
        wallet_id: &str,
        origin: &str,
        transfer: &crate::policy::DelayedTransfer,
    ) -> Result<bool, StoreError>;
    /// Keeps a member's cancel of a queued transfer (its signature checked
    /// by the caller); whether it was new. `NotFound` when no entry of
    /// that intent is here.
    fn cancel_delayed(
        &mut self,
        wallet_id: &str,
        intent: &crate::policy::Intent,
        cancel: &Endorsement,
        now: i64,
    ) -> Result<bool, StoreError>;
}

/// The append-only event log.
pub trait EventLog {
    /// Appends an event.
    fn log(
        &mut self,
        wallet: Option<&str>,
        kind: EventKind,
        detail: &str,
        now: i64,
    ) -> Result<(), StoreError>;
    /// The events of `wallet` (or of every wallet and the device, with
    /// `None`) written after `after` (a `seq`; 0 for all), oldest first.
    fn events(&self, wallet: Option<&str>, after: i64) -> Result<Vec<Event>, StoreError>;
    /// Every event with its place in the hash chain, oldest first
    /// (`crate::audit`).
    fn chained_events(&self) -> Result<Vec<crate::audit::ChainedEvent>, StoreError>;
}

/// A team proposal as a member keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredProposal {
    /// Its id (hex).
    pub id: String,
    /// The proposal.
    pub proposal: crate::team::TeamProposal,
    /// The verified votes, in the order they arrived here.
    pub votes: Vec<crate::team::Vote>,
    /// Its signed result, once known (verified here).
    pub done: Option<ProposalDone>,
    /// When it arrived here.
    pub received_at: i64,
}

/// A proposal's signed result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProposalDone {
    /// The signatures, as the chain library assembles them: (64 bytes, the
    /// ECDSA recovery id).
    pub signatures: Vec<(Vec<u8>, Option<u8>)>,
    /// The signed transaction as `sign-tx` prints it.
    pub encoded: String,
    /// Its txid.
    pub txid: String,
    /// When it was known here.
    pub at: i64,
}

/// Team proposals and the members' votes (`crate::team`).
pub trait TeamStore {
    /// Keeps a proposal (checked by the caller); `false` if it was here.
    fn add_proposal(&mut self, p: &crate::team::TeamProposal, now: i64)
    -> Result<bool, StoreError>;
    /// Keeps a verified vote; `false` if that device's vote was here (the
    /// first one counts).
    fn add_vote(&mut self, v: &crate::team::Vote) -> Result<bool, StoreError>;
    /// Records the signed result; `false` if one was here.
    fn finish_proposal(&mut self, id: &str, done: &ProposalDone) -> Result<bool, StoreError>;
    /// The proposals of `wallet_id` (every wallet: `None`), oldest first.
    fn team_proposals(&self, wallet_id: Option<&str>) -> Result<Vec<StoredProposal>, StoreError>;
    /// One proposal, by id.
    fn team_proposal(&self, id: &str) -> Result<Option<StoredProposal>, StoreError>;
    /// The proposals of `wallet_id` for exactly this transaction that are
    /// not signed yet (what an incoming co-signature may be for: looked up
    /// for every one, so without reading the wallet's other proposals).
    fn unsigned_proposals_for(
        &self,
        wallet_id: &str,
        chain: &str,
        unsigned: &[u8],
    ) -> Result<Vec<StoredProposal>, StoreError>;
    /// How many proposals wallet `wallet_id` holds.
    fn team_count(&self, wallet_id: &str) -> Result<usize, StoreError>;
    /// The ids of the wallets that hold proposals or grants of
    /// proposer-only devices: the only ones the team sync has anything to
    /// push or sign for.
    fn team_wallets(&self) -> Result<Vec<String>, StoreError>;
    /// A counter that moves whenever a proposal, vote or result is written
    /// (by any process on this store).
    fn team_generation(&self) -> Result<i64, StoreError>;
}

/// Proposer-only devices ([`crate::team::Grant`]): on a member, the grants
/// of its wallets; on a proposer-only device, the wallets it may propose to.
pub trait ProposerStore {
    /// Keeps a verified grant (with how to reach its device) unless a
    /// statement about that device as late or later is here; whether it
    /// was kept.
    fn add_grant(
        &mut self,
        grant: &crate::team::Grant,
        addr: &iroh::EndpointAddr,
    ) -> Result<bool, StoreError>;
    /// The latest grant of each device for `wallet_id` (withdrawn ones
    /// included), with its address.
    fn grants(
        &self,
        wallet_id: &str,
    ) -> Result<Vec<(crate::team::Grant, iroh::EndpointAddr)>, StoreError>;
    /// Keeps (or updates) a wallet this device may propose to; the name it
    /// is kept under (the card's, or with a suffix when a wallet here has
    /// that name).
    fn watch(&mut self, card: &crate::team::WalletCard, now: i64) -> Result<String, StoreError>;
    /// The wallets this device may propose to (or could: the grant in each
    /// says whether it still can), with the names they are kept under.
    fn watched(&self) -> Result<Vec<(String, crate::team::WalletCard)>, StoreError>;
}

/// Everything the node keeps.
pub trait Persist:
    WalletStore
    + EpochStore
    + SessionJournal
    + DeviceStore
    + PolicyStore
    + EventLog
    + TeamStore
    + ProposerStore
    + Send
{
}

impl<T> Persist for T where
    T: WalletStore
        + EpochStore
        + SessionJournal
        + DeviceStore
        + PolicyStore
        + EventLog
        + TeamStore
        + ProposerStore
        + Send
{
}
