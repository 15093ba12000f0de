//! Requests and answers of the commands, and the progress stream.
//! Chains are named `bitcoin`, `ethereum`, `solana`; times are seconds
//! since the Unix epoch; amounts are decimal strings in whole units with
//! their symbol (`0.5 ETH`).

use serde::{Deserialize, Serialize};

/// Where the app stands: whether the store is open and why not.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Status {
    /// Whether the store is open and the device is online.
    pub lock: Lock,
    /// This device, once unlocked.
    pub device: Option<DeviceInfo>,
    /// How many wallets the store holds (0 = first run).
    pub wallets: u32,
    /// Where the wrapping key lives: `keychain` or `passphrase`.
    pub protector: Option<String>,
    /// The app's version.
    pub version: String,
}

/// Whether the store is open.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Lock {
    /// Open; the device is on the network.
    Unlocked,
    /// Still opening.
    Opening,
    /// No OS keychain is reachable (`reason` says why); the user may
    /// choose a passphrase instead. Nothing is ever stored in plain files.
    KeychainUnavailable {
        /// Why, from the keychain.
        reason: String,
        /// Whether a store exists already (then its passphrase is asked).
        store_exists: bool,
    },
    /// The store is protected by a passphrase; ask for it.
    PassphraseRequired {
        /// Whether the store is new (then ask twice).
        new_store: bool,
    },
    /// The store exists but its wrapping key is not in the keychain.
    KeyMissing {
        /// What is missing, for people.
        reason: String,
    },
    /// Opening failed.
    Failed {
        /// The error.
        error: super::ApiError,
    },
}

/// This device.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceInfo {
    /// Its endpoint id.
    pub id: String,
    /// Its name (`desktop`).
    pub name: String,
}

/// The passphrase, when there is no keychain.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unlock {
    /// The passphrase.
    pub passphrase: String,
}

impl core::fmt::Debug for Unlock {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Unlock(<redacted>)")
    }
}

/// A pairing ticket of this device, for another device to redeem.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketView {
    /// The ticket as text (`accord1…`).
    pub text: String,
    /// The same as a QR code, an SVG document.
    pub qr_svg: String,
    /// When it expires.
    pub expires_at: i64,
}

/// A ticket another device shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketText {
    /// `accord1…`.
    pub ticket: String,
}

/// Create a wallet with the devices whose tickets are given.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateWallet {
    /// Its name.
    pub name: String,
    /// How many devices must sign.
    pub threshold: u16,
    /// `mainnet`, `testnet`, `signet`, `regtest`.
    pub network: String,
    /// The other devices' pairing tickets (`accord1…`).
    pub tickets: Vec<String>,
    /// The first policy's delay, in seconds (`None`: the default's 48 h).
    #[serde(default)]
    pub policy_delay_secs: Option<u64>,
}

/// Where a member (or, for party 0, the transaction) stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProgressState {
    /// Paired with this device.
    Paired,
    /// Asked to join.
    Invited,
    /// Deciding.
    Pending,
    /// Approved.
    Joined,
    /// Refused.
    Declined,
    /// Finished its part.
    Done,
    /// Stored a new wallet's shares.
    Stored,
    /// The attempt failed.
    Failed,
    /// Trying again with other members.
    Retrying,
    /// Sent to the chain's node.
    Broadcast,
    /// In a block.
    Confirmed,
}

impl ProgressState {
    /// The state in words.
    pub const fn name(self) -> &'static str {
        match self {
            ProgressState::Paired => "paired",
            ProgressState::Invited => "invited",
            ProgressState::Pending => "pending",
            ProgressState::Joined => "joined",
            ProgressState::Declined => "declined",
            ProgressState::Done => "done",
            ProgressState::Stored => "stored",
            ProgressState::Failed => "failed",
            ProgressState::Retrying => "retrying",
            ProgressState::Broadcast => "broadcast",
            ProgressState::Confirmed => "confirmed",
        }
    }
}

impl core::fmt::Display for ProgressState {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}

/// A step of a session, per member; streamed while it runs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgressEvent {
    /// The member's party id (0 for the transaction on its chain).
    pub party: u8,
    /// The member's name.
    pub name: String,
    /// Where it stands.
    pub state: ProgressState,
    /// Free text.
    pub detail: String,
}

/// A wallet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WalletView {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// How many must sign.
    pub threshold: u16,
    /// How many hold a share.
    pub parties: u16,
    /// Its network.
    pub network: String,
    /// When it was created.
    pub created_at: i64,
    /// Its Bitcoin, Ethereum and Solana addresses.
    pub addresses: Vec<AddressView>,
    /// Its members.
    pub members: Vec<MemberView>,
    /// The key epoch of this device's shares (0 after creation; each
    /// refresh or replacement adds one).
    #[serde(default)]
    pub epoch: u64,
    /// This device's backup of it: `current`, `stale` (made before the
    /// last refresh: useless) or `none`.
    #[serde(default)]
    pub backup: String,
    /// When the last backup was made here.
    #[serde(default)]
    pub backup_at: Option<i64>,
}

/// Write this device's part of a wallet to a backup file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportBackup {
    /// The wallet's id.
    pub wallet_id: String,
    /// What seals it (at least 12 characters). Secret: typed by the user,
    /// never shown or stored.
    pub passphrase: String,
    /// Where to write it (refused if a file is there).
    pub path: String,
}

/// Replace a wallet's lost device with a new one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplaceDevice {
    /// The wallet's id.
    pub wallet_id: String,
    /// The lost member's device id.
    pub lost_device_id: String,
    /// The new device's pairing ticket.
    pub ticket: String,
}

/// How a replacement stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplaceResult {
    /// It waits for the recovery server's delay until then (seconds since
    /// the epoch); ask again after it. Any member can cancel meanwhile.
    pub pending_until: Option<i64>,
    /// Done: the key epoch every member is on now.
    pub epoch: Option<u64>,
    /// Done: the new device's id.
    pub by: Option<String>,
}

/// A replacement cancelled.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplaceCancelled {
    /// How many members were told (those online).
    pub members_told: usize,
}

/// Restore a backup file into this device.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RestoreBackup {
    /// The file (in the home folder unless a full path).
    pub path: String,
    /// What seals it. Secret: typed by the user, never shown or stored.
    pub passphrase: String,
}

/// A backup restored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupRestored {
    /// The wallet's name.
    pub wallet: String,
    /// This device's party in it.
    pub party: u8,
    /// The key epoch of the shares.
    pub epoch: u64,
}

/// A backup written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupMade {
    /// Where.
    pub path: String,
    /// The key epoch of the shares in it.
    pub epoch: u64,
}

/// One chain's address.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddressView {
    /// The chain.
    pub chain: String,
    /// The address.
    pub address: String,
}

/// A member of a wallet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberView {
    /// Its party id.
    pub party: u8,
    /// Its name.
    pub name: String,
    /// Its device id.
    pub device_id: String,
    /// Whether it is this device.
    pub this_device: bool,
}

/// A wallet, by id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WalletRef {
    /// The wallet's id.
    pub wallet_id: String,
}

/// One chain's balance.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BalanceView {
    /// The chain.
    pub chain: String,
    /// The balance (`1.5 ETH`), if the endpoint answered.
    pub amount: Option<String>,
    /// Why not, if it did not (or no endpoint is configured).
    pub error: Option<String>,
}

/// Whether a co-signer answers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PresenceView {
    /// Its device id.
    pub device_id: String,
    /// Its name.
    pub name: String,
    /// Whether it answered a ping.
    pub online: bool,
}

/// A transfer to build.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendRequest {
    /// From this wallet.
    pub wallet_id: String,
    /// `bitcoin`, `ethereum`, `solana`.
    pub chain: String,
    /// The recipient.
    pub to: String,
    /// In whole units (`0.5`).
    pub amount: String,
    /// A token (ERC-20 contract, SPL mint) instead of the native asset.
    pub token: Option<String>,
}

/// What a transaction does, as every device shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviewView {
    /// The chain.
    pub chain: String,
    /// The network.
    pub network: String,
    /// Every transfer leaving the wallet.
    pub transfers: Vec<TransferView>,
    /// Change back to the wallet.
    pub change: Vec<TransferView>,
    /// Decoded calls.
    pub calls: Vec<CallView>,
    /// The fee (`0.000021 ETH`).
    pub fee: String,
    /// Whether the fee is a maximum rather than exact.
    pub fee_is_maximum: bool,
    /// Warnings, most important first.
    pub warnings: Vec<String>,
    /// Chain-specific facts (nonce, chain id, ...).
    pub details: Vec<(String, String)>,
}

/// A transfer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferView {
    /// The recipient.
    pub to: String,
    /// The amount with its symbol.
    pub amount: String,
}

/// A decoded call.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallView {
    /// The contract or program.
    pub program: String,
    /// The function.
    pub function: String,
    /// Its arguments.
    pub args: Vec<(String, String)>,
}

/// What the wallet's policy in force says of a transaction: what the
/// recovery server will decide.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyVerdict {
    /// Whether a policy is in force for the wallet.
    pub has_policy: bool,
    /// Whether it allows the transaction now.
    pub allowed: bool,
    /// Each rule it breaks (or why it waits).
    pub violations: Vec<String>,
    /// The verdict in words (`policy v2: allows this transaction`).
    #[serde(default)]
    pub text: String,
    /// Whether it waits the policy's delay.
    #[serde(default)]
    pub delayed: bool,
}

/// A built, previewed, unsigned transaction.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendPreview {
    /// The draft to sign with [`crate::Command::Send`].
    pub draft: String,
    /// What it does.
    pub preview: PreviewView,
    /// The policy's verdict.
    pub policy: PolicyVerdict,
}

/// A draft, by id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftRef {
    /// The draft's id.
    pub draft: String,
}

/// A sent transaction.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendResult {
    /// The chain.
    pub chain: String,
    /// The transaction id.
    pub txid: String,
    /// The block it is in.
    pub block: u64,
    /// The members that co-signed.
    pub signers: Vec<String>,
}

/// A request from another member.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalView {
    /// Its id, for [`Decide`].
    pub id: u64,
    /// `keygen` or `sign`.
    pub kind: String,
    /// The wallet's name.
    pub wallet: String,
    /// Who asks.
    pub from: String,
    /// When it arrived.
    pub received_at: i64,
    /// For `sign`: what the transaction does.
    pub preview: Option<PreviewView>,
    /// For `sign`: the wallet policy's verdict.
    pub policy: Option<PolicyVerdict>,
    /// For `keygen`: "2 of 3 on regtest with desktop, phone, recovery".
    pub summary: String,
}

/// The user's answer to an approval.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decide {
    /// The approval's id.
    pub id: u64,
    /// Approve or reject.
    pub approve: bool,
    /// Why not, when rejecting.
    pub reason: Option<String>,
}

/// A paired device.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceView {
    /// Its id.
    pub device_id: String,
    /// Its name.
    pub name: String,
    /// When it was paired.
    pub paired_at: i64,
    /// When it was last heard from.
    pub last_seen: Option<i64>,
    /// Whether it answered a ping just now (`None`: not asked).
    pub online: Option<bool>,
}

/// A device, by id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceRef {
    /// Its id.
    pub device_id: String,
}

/// Which events.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityRequest {
    /// One wallet's, or all (`None`).
    pub wallet_id: Option<String>,
}

/// An entry of the event log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventView {
    /// When.
    pub at: i64,
    /// What happened: `created`, `signed`, `cosigned`, `sent`, `rejected`,
    /// `failed`, `session_done`, `session_aborted`, `banned`, `paired`,
    /// `unpaired`, `policy`, `dropped` (a newer build may add kinds).
    pub kind: String,
    /// What happened, for people.
    pub detail: String,
    /// The wallet's name, if any.
    pub wallet: Option<String>,
}

/// This device's name, networks and endpoints.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    /// The person's name this device shows to devices it pairs with and
    /// to the members of wallets it creates (a team knows members by it).
    #[serde(default)]
    pub name: String,
    /// The network new wallets are for.
    pub default_network: String,
    /// One endpoint per chain and network.
    pub endpoints: Vec<Endpoint>,
}

/// A chain node to ask for balances, fees and to broadcast.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endpoint {
    /// The chain.
    pub chain: String,
    /// The network.
    pub network: String,
    /// JSON-RPC URL (Ethereum, Solana) or Esplora base URL (Bitcoin);
    /// empty: none.
    pub url: String,
}
