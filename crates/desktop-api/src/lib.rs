//! What the desktop UI (`ui/`, wasm) and the Tauri backend (`src-tauri/`)
//! say to each other: the names of the commands, their requests and
//! answers, the progress streamed over a Tauri channel, and the one error
//! type every command returns. Plain serde types (JSON over Tauri's IPC),
//! shared by both sides so they cannot drift apart.
//!
//! Nothing here carries key material: the UI sees addresses, previews,
//! device ids and tickets (public), never a share or a wrapping key. The
//! only secret that crosses is the passphrase the user types to unlock a
//! store when there is no OS keychain, from the UI to the backend.
//!
//! Every command takes at most one argument, named `request` on the
//! JavaScript side (see [`Command`]), plus `onProgress` for the commands
//! that stream progress.

mod error;
mod policy;
mod team;
mod views;

pub use error::{ApiError, CulpritView, ErrorCode};
pub use policy::*;
pub use team::*;
pub use views::*;

/// The commands the backend registers, by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Command {
    /// `()` → [`Status`].
    Status,
    /// [`Unlock`] → [`Status`]: unlock with a passphrase when there is no
    /// OS keychain (or the store was created with one).
    UnlockWithPassphrase,
    /// `()` → [`Status`]: try opening the store again (after a keychain
    /// entry was restored or a failure was fixed).
    Reopen,
    /// `()` → [`TicketView`]: a one-time ticket for another device to pair
    /// with this one.
    PairingTicket,
    /// [`CreateWallet`] (+ `onProgress`) → [`WalletView`].
    CreateWallet,
    /// `()` → `Vec<`[`WalletView`]`>`.
    Wallets,
    /// [`WalletRef`] → `Vec<`[`BalanceView`]`>`.
    Balances,
    /// [`WalletRef`] → `Vec<`[`PresenceView`]`>`: which co-signers answer.
    Presence,
    /// [`SendRequest`] → [`SendPreview`]: builds the transaction, previews
    /// it; nothing is signed.
    PrepareSend,
    /// [`DraftRef`] (+ `onProgress`) → [`SendResult`]: co-signs,
    /// broadcasts, waits for the block.
    Send,
    /// `()` → `Vec<`[`ApprovalView`]`>`: requests from other members.
    Approvals,
    /// [`Decide`] → `()`.
    Decide,
    /// `()` → `Vec<`[`DeviceView`]`>`.
    Devices,
    /// [`TicketText`] → [`DeviceView`]: redeems another device's ticket.
    AddDevice,
    /// [`DeviceRef`] → `()`.
    RemoveDevice,
    /// [`ActivityRequest`] → `Vec<`[`EventView`]`>`.
    Activity,
    /// `()` → [`Settings`].
    Settings,
    /// [`Settings`] → [`Settings`].
    SaveSettings,
    /// [`WalletRef`] → [`PolicyScreen`].
    Policy,
    /// [`PolicyChange`] → [`PolicyVersionView`]: the next version, signed
    /// here.
    ProposePolicy,
    /// [`PolicyStatement`] → [`PolicyVersionView`].
    SignPolicy,
    /// [`TransferRef`] → `()`: cancels a delayed transfer for good.
    CancelTransfer,
    /// [`ExportBackup`] → [`BackupMade`]: writes this device's part of a
    /// wallet to a file, sealed under the passphrase.
    ExportBackup,
    /// [`WalletRef`] (+ `onProgress`) → [`WalletView`]: refreshes the
    /// wallet's shares with every member.
    RefreshWallet,
    /// [`ReplaceDevice`] (+ `onProgress`) → [`ReplaceResult`]: replaces a
    /// wallet's lost device with a new one (or says until when it waits).
    ReplaceDevice,
    /// [`WalletRef`] → [`ReplaceCancelled`]: cancels a replacement waiting
    /// for its delay.
    CancelReplacement,
    /// [`RestoreBackup`] → [`BackupRestored`]: restores a backup into this
    /// (new) device, which restarts as the device of the backup.
    RestoreBackup,
    /// `()` → `Vec<`[`ProposalCard`]`>`: the team's proposals.
    Proposals,
    /// [`VoteProposal`] → [`ProposalCard`]: approves or rejects one,
    /// signed by this device.
    VoteProposal,
    /// [`ProposeDraft`] → [`ProposalCard`]: proposes a previewed send to
    /// the wallet's team instead of signing it now.
    ProposeDraft,
}

impl Command {
    /// Every command.
    pub const ALL: [Command; 30] = [
        Command::Status,
        Command::UnlockWithPassphrase,
        Command::Reopen,
        Command::PairingTicket,
        Command::CreateWallet,
        Command::Wallets,
        Command::Balances,
        Command::Presence,
        Command::PrepareSend,
        Command::Send,
        Command::Approvals,
        Command::Decide,
        Command::Devices,
        Command::AddDevice,
        Command::RemoveDevice,
        Command::Activity,
        Command::Settings,
        Command::SaveSettings,
        Command::Policy,
        Command::ProposePolicy,
        Command::SignPolicy,
        Command::CancelTransfer,
        Command::ExportBackup,
        Command::RefreshWallet,
        Command::ReplaceDevice,
        Command::CancelReplacement,
        Command::RestoreBackup,
        Command::Proposals,
        Command::VoteProposal,
        Command::ProposeDraft,
    ];

    /// The name the UI invokes (the Rust function's name in src-tauri).
    pub const fn name(self) -> &'static str {
        match self {
            Command::Status => "status",
            Command::UnlockWithPassphrase => "unlock_with_passphrase",
            Command::Reopen => "reopen",
            Command::PairingTicket => "pairing_ticket",
            Command::CreateWallet => "create_wallet",
            Command::Wallets => "wallets",
            Command::Balances => "balances",
            Command::Presence => "presence",
            Command::PrepareSend => "prepare_send",
            Command::Send => "send",
            Command::Approvals => "approvals",
            Command::Decide => "decide",
            Command::Devices => "devices",
            Command::AddDevice => "add_device",
            Command::RemoveDevice => "remove_device",
            Command::Activity => "activity",
            Command::Settings => "settings",
            Command::SaveSettings => "save_settings",
            Command::Policy => "policy",
            Command::ProposePolicy => "propose_policy",
            Command::SignPolicy => "sign_policy",
            Command::CancelTransfer => "cancel_transfer",
            Command::ExportBackup => "export_backup",
            Command::RefreshWallet => "refresh_wallet",
            Command::ReplaceDevice => "replace_device",
            Command::CancelReplacement => "cancel_replacement",
            Command::RestoreBackup => "restore_backup",
            Command::Proposals => "proposals",
            Command::VoteProposal => "vote_proposal",
            Command::ProposeDraft => "propose_draft",
        }
    }
}
