//! [`Node`]: the facade both faces (the `accord` CLI and the desktop app)
//! use, with the workflows in it — send (build from the chain's data,
//! prepare, co-sign, broadcast, confirm, record), prepare a send, create a
//! wallet, pair and remove devices, presence, settings — so nothing is
//! composed twice and no face touches the store. [`Vault`] is the same
//! device's data without the network.

mod delayed;
mod devices;
mod error;
mod keygen;
mod policy;
mod proposers;
mod refresh;
mod replace;
mod send;
pub mod settings;
pub(crate) mod sign;
mod team;
mod vault;

use std::sync::{Arc, MutexGuard};

use iroh::{EndpointAddr, EndpointId};
use tokio::task::JoinHandle;

use crate::approve::Approver;
use crate::runner::{Shared, serve};
use crate::session::{Role, Timeouts};
use crate::store::StoreError;
use crate::transport::{Allowlist, Config, Transport, identity};
use crate::wallet::WalletRef;

pub use delayed::DelayedView;
pub use error::{KeygenError, NodeError, OpenError, PairingError, SendError, SignError};
pub use keygen::CreateWallet;
pub use policy::{PolicyChangeError, PolicyView};
pub use proposers::{ProposerView, ProposingTo};
pub use refresh::Refreshed;
pub use replace::Replaced;
pub use send::{Draft, SendOutcome};
pub use sign::{SignOutcome, SignRequest, sign_plan};
pub use team::{DEFAULT_EXPIRY, ProposalView, TeamError, VoteView};
pub use vault::{Vault, WalletSummary};

/// The longest device name, in characters.
pub const MAX_DEVICE_NAME: usize = 64;

/// Why a name was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RenameError {
    /// Empty, too long or with control characters.
    #[error("a name must be 1 to {MAX_DEVICE_NAME} characters, without control characters: {0:?}")]
    Invalid(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// How a node runs.
pub struct NodeOptions {
    /// This device's name, told to peers (`desktop`, `phone`, `recovery`).
    pub name: String,
    /// What this device is to its wallets.
    pub role: Role,
    /// The endpoint configuration (production or loopback).
    pub transport: Config,
    /// Deadlines.
    pub timeouts: Timeouts,
    /// Who approves invitations and proposals from peers.
    pub approver: Arc<dyn Approver>,
}

impl core::fmt::Debug for NodeOptions {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("NodeOptions")
            .field("name", &self.name)
            .field("role", &self.role)
            .field("transport", &self.transport)
            .field("timeouts", &self.timeouts)
            .finish_non_exhaustive()
    }
}

/// A running device.
pub struct Node {
    shared: Arc<Shared>,
    serving: JoinHandle<()>,
}

impl core::fmt::Debug for Node {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Node")
            .field("id", &self.id())
            .finish_non_exhaustive()
    }
}

impl Node {
    /// Starts the device on `vault`: its identity, the pinned peers (before
    /// the endpoint accepts), the endpoint, the loop that serves peers, and
    /// the resumption of wallet creations a restart interrupted.
    pub async fn start(mut vault: Vault, options: NodeOptions) -> Result<Node, NodeError> {
        let store = vault.store();
        // Sessions a crash left running here ended with it.
        store.recover(crate::runner::now())?;
        let secret = identity::secret_key(store)?;
        let allowlist = Allowlist::new();
        for id in store.pinned_ids()? {
            allowlist.pin(id);
        }
        let mut config = options.transport.clone();
        if config.network() == crate::transport::config::Network::Loopback
            && let Some(port) = store.bound_port()?
        {
            config = config.with_port(port);
        }
        let (transport, events) =
            match Transport::bind(secret.clone(), &config, allowlist.clone()).await {
                Ok(bound) => bound,
                // The old port is taken: take any.
                Err(_) if config != options.transport => {
                    Transport::bind(secret, &options.transport, allowlist.clone()).await?
                }
                Err(e) => return Err(e.into()),
            };
        if let Some(port) = transport.addr().ip_addrs().next().map(|a| a.port()) {
            store.set_bound_port(port)?;
        }
        store.set_setting("name", &options.name)?;
        let shared = Arc::new(Shared::new(
            vault,
            transport,
            options.approver,
            options.name,
            options.role,
            options.timeouts,
        ));
        let gate = Arc::downgrade(&shared);
        allowlist.set_pairing_gate(Arc::new(move || {
            gate.upgrade().is_some_and(|s| {
                s.store()
                    .has_open_ticket(crate::runner::now())
                    .unwrap_or(false)
            })
        }));
        let serving = tokio::spawn(serve::serve(shared.clone(), events));
        tokio::spawn(serve::resume(shared.clone()));
        tokio::spawn(crate::runner::policy_sync::sync(shared.clone()));
        tokio::spawn(crate::runner::team_sync::sync(shared.clone()));
        Ok(Node { shared, serving })
    }

    /// This device's id.
    pub fn id(&self) -> EndpointId {
        self.shared.transport.id()
    }

    /// How to reach this device now.
    pub fn addr(&self) -> EndpointAddr {
        self.shared.transport.addr()
    }

    /// This device's name (what it tells devices it pairs with, and the
    /// members of wallets it creates).
    pub fn name(&self) -> String {
        self.shared.name()
    }

    /// Renames this device (1 to 64 characters, not blank): devices it
    /// pairs with and wallets it creates from now on know it by `name`;
    /// kept for the next start.
    pub async fn rename(&self, name: &str) -> Result<String, RenameError> {
        let name = name.trim().to_owned();
        if name.is_empty()
            || name.chars().count() > MAX_DEVICE_NAME
            || name.chars().any(char::is_control)
        {
            return Err(RenameError::Invalid(name));
        }
        let kept = name.clone();
        self.with_vault(move |v| v.store().set_setting("name", &kept))
            .await?;
        self.shared.rename(name.clone());
        Ok(name)
    }

    /// What this device is to its wallets.
    pub fn role(&self) -> Role {
        self.shared.role
    }

    /// The device's data (hold the guard briefly: sessions need it too;
    /// from async code prefer [`Node::with_vault`]).
    pub fn vault(&self) -> MutexGuard<'_, Vault> {
        self.shared.vault()
    }

    /// Runs `f` with the device's data on a blocking thread.
    pub async fn with_vault<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Vault) -> T + Send + 'static,
    ) -> T {
        let shared = self.shared.clone();
        match tokio::task::spawn_blocking(move || f(&mut shared.vault())).await {
            Ok(t) => t,
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        }
    }

    /// Asks `peer` whether it is there; `true` if it answered within `timeout`.
    pub async fn ping(&self, peer: EndpointAddr, timeout: std::time::Duration) -> bool {
        self.shared.ping(peer, timeout).await
    }

    /// Sends raw frame bytes to `to` (tests: replays and forgeries).
    #[doc(hidden)]
    pub async fn send_raw(&self, to: EndpointAddr, bytes: &[u8]) -> Result<(), String> {
        self.shared.send_bytes(&to, bytes).await
    }

    /// Asks the other members of `wallet` for what they hold of its policy
    /// and waits (at most `timeout`) for their answers — before a change is
    /// drafted on a device that was not running. How many were asked.
    pub async fn pull_policies(
        &self,
        wallet: &WalletRef,
        timeout: std::time::Duration,
    ) -> Result<usize, StoreError> {
        let r = wallet.clone();
        let id = self.with_vault(move |v| v.record(&r)).await?.id;
        crate::runner::policy_sync::pull(&self.shared, id, timeout).await
    }

    /// Pushes the policy versions of `wallet` (every wallet: `None`) and
    /// the statements about them held here to the members now (otherwise
    /// done within a second of a change while the node runs): for a short
    /// run of the CLI that changed them.
    pub async fn push_policies(&self, wallet: Option<&WalletRef>) -> Result<(), StoreError> {
        let id = match wallet {
            Some(r) => {
                let r = r.clone();
                Some(self.with_vault(move |v| v.record(&r)).await?.id)
            }
            None => None,
        };
        crate::runner::policy_sync::push_now(&self.shared, id).await
    }

    /// Stops: every live session ends (with [`crate::session::Failure::ShuttingDown`]),
    /// the endpoint closes (peers learn at once), serving stops. Sessions
    /// running elsewhere (another task signing) need not have ended first.
    pub async fn shutdown(&self) {
        self.shared.stop();
        self.shared.transport.close().await;
        self.serving.abort();
    }
}
