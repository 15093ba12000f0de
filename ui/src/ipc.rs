//! Calls into the Tauri backend: one typed function per command of
//! `accord-desktop-api` ([`Command`]). Each command gets one argument
//! object `{ request }` (or `{}`), the streaming ones also
//! `onProgress: Channel` whose messages are [`ProgressEvent`]s; a rejected
//! promise carries an [`ApiError`], turned into a [`Failure`].
//!
//! Needs `app.withGlobalTauri` (`window.__TAURI__.core`).

use accord_desktop_api::{
    ActivityRequest, ApiError, ApprovalView, BalanceView, Command, Decide, DeviceRef, DeviceView,
    DraftRef, ErrorCode, EventView, PolicyChange, PolicyScreen, PolicyStatement, PolicyVersionView,
    PresenceView, ProgressEvent, ProposalCard, ProposeDraft, SendPreview, SendRequest, SendResult,
    Settings, Status, TicketText, TicketView, TransferRef, Unlock, VoteProposal, WalletRef,
    WalletView,
};
use js_sys::{Array, Function, Object, Reflect};
use serde::{Serialize, de::DeserializeOwned};
use wasm_bindgen::{JsCast, JsValue, prelude::*};

use crate::error::Failure;

#[wasm_bindgen]
extern "C" {
    /// `window.__TAURI__.core.invoke(cmd, args)`.
    #[wasm_bindgen(js_namespace = ["window", "__TAURI__", "core"], catch)]
    async fn invoke(cmd: &str, args: JsValue) -> Result<JsValue, JsValue>;
}

/// Calls `command` with `args` (the whole argument object) and decodes
/// its answer.
async fn call<R: DeserializeOwned>(command: Command, args: Object) -> Result<R, Failure> {
    let answer = invoke(command.name(), args.into())
        .await
        .map_err(rejection)?;
    serde_wasm_bindgen::from_value(answer).map_err(|e| {
        Failure::new(
            ErrorCode::Internal,
            format!("Unexpected answer to {}: {e}", command.name()),
        )
    })
}

/// `{ request }`, or `{}` without one.
fn args(request: Option<&impl Serialize>) -> Result<Object, Failure> {
    let args = Object::new();
    if let Some(request) = request {
        let value = request
            .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
            .map_err(|e| Failure::new(ErrorCode::Internal, format!("Cannot encode: {e}")))?;
        set(&args, "request", &value)?;
    }
    Ok(args)
}

/// A command without a request.
async fn call0<R: DeserializeOwned>(command: Command) -> Result<R, Failure> {
    call(command, args(None::<&()>)?).await
}

/// A command with a request.
async fn call1<R: DeserializeOwned>(
    command: Command,
    request: &impl Serialize,
) -> Result<R, Failure> {
    call(command, args(Some(request))?).await
}

/// A streaming command: `on_progress` sees each [`ProgressEvent`].
async fn call_streaming<R: DeserializeOwned>(
    command: Command,
    request: &impl Serialize,
    on_progress: impl FnMut(ProgressEvent) + 'static,
) -> Result<R, Failure> {
    let args = args(Some(request))?;
    set(&args, "onProgress", &channel(on_progress)?)?;
    call(command, args).await
}

fn set(target: &Object, key: &str, value: &JsValue) -> Result<(), Failure> {
    Reflect::set(target, &JsValue::from_str(key), value)
        .map(|_| ())
        .map_err(rejection)
}

/// A new `window.__TAURI__.core.Channel` whose messages go to
/// `on_message`; messages that are not a [`ProgressEvent`] are skipped.
fn channel(mut on_message: impl FnMut(ProgressEvent) + 'static) -> Result<JsValue, Failure> {
    let missing = || {
        Failure::new(
            ErrorCode::Internal,
            "window.__TAURI__.core.Channel is missing",
        )
    };
    let window: JsValue = js_sys::global().into();
    let mut ctor = window;
    for key in ["__TAURI__", "core", "Channel"] {
        ctor = Reflect::get(&ctor, &JsValue::from_str(key)).map_err(|_| missing())?;
        if ctor.is_undefined() || ctor.is_null() {
            return Err(missing());
        }
    }
    let ctor: Function = ctor.dyn_into().map_err(|_| missing())?;
    let channel = Reflect::construct(&ctor, &Array::new()).map_err(rejection)?;
    let handler = Closure::<dyn FnMut(JsValue)>::new(move |message: JsValue| {
        if let Ok(event) = serde_wasm_bindgen::from_value::<ProgressEvent>(message) {
            on_message(event);
        }
    });
    // The channel (a JS object) owns the handler from here on.
    Reflect::set(
        &channel,
        &JsValue::from_str("onmessage"),
        &handler.into_js_value(),
    )
    .map_err(rejection)?;
    Ok(channel)
}

/// What a rejected promise carried: an [`ApiError`] from a command, or a
/// string or JS `Error` from Tauri itself (an unknown command, a missing
/// permission, no `__TAURI__`).
fn rejection(value: JsValue) -> Failure {
    if let Ok(api) = serde_wasm_bindgen::from_value::<ApiError>(value.clone()) {
        return api.into();
    }
    if let Some(text) = value.as_string() {
        return Failure::new(ErrorCode::Internal, text);
    }
    let field = |key: &str| {
        Reflect::get(&value, &JsValue::from_str(key))
            .ok()
            .and_then(|v| v.as_string())
    };
    match (field("code"), field("message")) {
        // A code this build does not know yet: keep it as it came.
        (Some(code), Some(message)) => Failure { code, message },
        (None, Some(message)) => Failure::new(ErrorCode::Internal, message),
        _ => Failure::new(
            ErrorCode::Internal,
            js_sys::JSON::stringify(&value)
                .ok()
                .and_then(|s| s.as_string())
                .unwrap_or_else(|| "The backend failed without saying why.".to_owned()),
        ),
    }
}

/// `status`.
pub async fn status() -> Result<Status, Failure> {
    call0(Command::Status).await
}

/// `unlock_with_passphrase`.
pub async fn unlock_with_passphrase(request: &Unlock) -> Result<Status, Failure> {
    call1(Command::UnlockWithPassphrase, request).await
}

/// `reopen`.
pub async fn reopen() -> Result<Status, Failure> {
    call0(Command::Reopen).await
}

/// `pairing_ticket`.
pub async fn pairing_ticket() -> Result<TicketView, Failure> {
    call0(Command::PairingTicket).await
}

/// `create_wallet`, streaming the key generation's progress.
pub async fn create_wallet(
    request: &accord_desktop_api::CreateWallet,
    on_progress: impl FnMut(ProgressEvent) + 'static,
) -> Result<WalletView, Failure> {
    call_streaming(Command::CreateWallet, request, on_progress).await
}

/// `export_backup`: writes this device's part of a wallet to a file.
pub async fn export_backup(
    request: &accord_desktop_api::ExportBackup,
) -> Result<accord_desktop_api::BackupMade, Failure> {
    call1(Command::ExportBackup, request).await
}

/// `refresh_wallet`, streaming the refresh's progress.
pub async fn refresh_wallet(
    request: &WalletRef,
    on_progress: impl FnMut(ProgressEvent) + 'static,
) -> Result<WalletView, Failure> {
    call_streaming(Command::RefreshWallet, request, on_progress).await
}

/// `replace_device`, streaming the replacement's progress.
pub async fn replace_device(
    request: &accord_desktop_api::ReplaceDevice,
    on_progress: impl FnMut(ProgressEvent) + 'static,
) -> Result<accord_desktop_api::ReplaceResult, Failure> {
    call_streaming(Command::ReplaceDevice, request, on_progress).await
}

/// `cancel_replacement`.
pub async fn cancel_replacement(
    request: &WalletRef,
) -> Result<accord_desktop_api::ReplaceCancelled, Failure> {
    call1(Command::CancelReplacement, request).await
}

/// `restore_backup`: restores a backup into this device.
pub async fn restore_backup(
    request: &accord_desktop_api::RestoreBackup,
) -> Result<accord_desktop_api::BackupRestored, Failure> {
    call1(Command::RestoreBackup, request).await
}

/// `wallets`.
pub async fn wallets() -> Result<Vec<WalletView>, Failure> {
    call0(Command::Wallets).await
}

/// `balances`.
pub async fn balances(request: &WalletRef) -> Result<Vec<BalanceView>, Failure> {
    call1(Command::Balances, request).await
}

/// `presence`.
pub async fn presence(request: &WalletRef) -> Result<Vec<PresenceView>, Failure> {
    call1(Command::Presence, request).await
}

/// `prepare_send`: builds and previews; signs nothing.
pub async fn prepare_send(request: &SendRequest) -> Result<SendPreview, Failure> {
    call1(Command::PrepareSend, request).await
}

/// `send`: co-signs and broadcasts a previewed draft, streaming progress.
pub async fn send(
    request: &DraftRef,
    on_progress: impl FnMut(ProgressEvent) + 'static,
) -> Result<SendResult, Failure> {
    call_streaming(Command::Send, request, on_progress).await
}

/// `approvals`.
pub async fn approvals() -> Result<Vec<ApprovalView>, Failure> {
    call0(Command::Approvals).await
}

/// `decide`.
pub async fn decide(request: &Decide) -> Result<(), Failure> {
    call1(Command::Decide, request).await
}

/// `propose_draft`.
pub async fn propose_draft(request: &ProposeDraft) -> Result<ProposalCard, Failure> {
    call1(Command::ProposeDraft, request).await
}

/// `proposals`.
pub async fn proposals() -> Result<Vec<ProposalCard>, Failure> {
    call0(Command::Proposals).await
}

/// `vote_proposal`.
pub async fn vote_proposal(request: &VoteProposal) -> Result<ProposalCard, Failure> {
    call1(Command::VoteProposal, request).await
}

/// `devices`.
pub async fn devices() -> Result<Vec<DeviceView>, Failure> {
    call0(Command::Devices).await
}

/// `add_device`.
pub async fn add_device(request: &TicketText) -> Result<DeviceView, Failure> {
    call1(Command::AddDevice, request).await
}

/// `remove_device`.
pub async fn remove_device(request: &DeviceRef) -> Result<(), Failure> {
    call1(Command::RemoveDevice, request).await
}

/// `activity`.
pub async fn activity(request: &ActivityRequest) -> Result<Vec<EventView>, Failure> {
    call1(Command::Activity, request).await
}

/// `settings`.
pub async fn settings() -> Result<Settings, Failure> {
    call0(Command::Settings).await
}

/// `save_settings`.
pub async fn save_settings(request: &Settings) -> Result<Settings, Failure> {
    call1(Command::SaveSettings, request).await
}

/// `policy`.
pub async fn policy(request: &WalletRef) -> Result<PolicyScreen, Failure> {
    call1(Command::Policy, request).await
}

/// `propose_policy`.
pub async fn propose_policy(request: &PolicyChange) -> Result<PolicyVersionView, Failure> {
    call1(Command::ProposePolicy, request).await
}

/// `sign_policy`.
pub async fn sign_policy(request: &PolicyStatement) -> Result<PolicyVersionView, Failure> {
    call1(Command::SignPolicy, request).await
}

/// `cancel_transfer`.
pub async fn cancel_transfer(request: &TransferRef) -> Result<(), Failure> {
    call1(Command::CancelTransfer, request).await
}

/// Copies `text` to the clipboard (`navigator.clipboard.writeText`).
pub async fn copy_text(text: &str) -> Result<(), Failure> {
    let unavailable = || {
        Failure::new(
            ErrorCode::Unsupported,
            "The clipboard is not available; select the text and copy it.",
        )
    };
    let navigator = Reflect::get(&js_sys::global(), &JsValue::from_str("navigator"))
        .map_err(|_| unavailable())?;
    let clipboard =
        Reflect::get(&navigator, &JsValue::from_str("clipboard")).map_err(|_| unavailable())?;
    if clipboard.is_undefined() || clipboard.is_null() {
        return Err(unavailable());
    }
    let write: Function = Reflect::get(&clipboard, &JsValue::from_str("writeText"))
        .map_err(|_| unavailable())?
        .dyn_into()
        .map_err(|_| unavailable())?;
    let promise: js_sys::Promise = write
        .call1(&clipboard, &JsValue::from_str(text))
        .map_err(rejection)?
        .dyn_into()
        .map_err(|_| unavailable())?;
    wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .map(|_| ())
        .map_err(|e| {
            let mut f = rejection(e);
            f.message = format!("Could not copy: {}", f.message);
            f
        })
}
