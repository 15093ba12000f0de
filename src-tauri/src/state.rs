//! The app's one piece of state: where the store lives, whether it is
//! open, the running node, the approvals waiting for the user and the
//! drafts previewed but not yet signed.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use accord_desktop_api::{ApiError, ErrorCode, Lock};
use accord_node::facade::Draft;
use accord_node::transport::Config;
use accord_node::{Node, NodeOptions, Role, Timeouts, Vault};
use tokio::sync::RwLock;

use crate::approver::UiApprover;
use crate::error;
use crate::unlock::ProtectorRecord;

/// The environment variable naming the data directory (tests, demo).
pub const DATA_DIR_VAR: &str = "ACCORD_DESKTOP_DATA_DIR";
/// Set to `1` to keep the node on loopback without relays (demo, tests).
pub const NO_RELAY_VAR: &str = "ACCORD_NO_RELAY";

/// A built transaction waiting for the user's confirmation.
#[derive(Clone, Debug)]
pub struct Kept {
    /// The node's draft.
    pub draft: Draft,
    /// When it was built (fees and nonces go stale).
    pub built: Instant,
}

/// How long a previewed draft may wait for its confirmation.
pub const DRAFT_TTL: Duration = Duration::from_secs(10 * 60);

enum Phase {
    Opening,
    Locked(Lock),
    Open {
        node: Arc<Node>,
        protector: ProtectorRecord,
    },
}

/// The app.
pub struct App {
    /// The data directory.
    pub dir: PathBuf,
    transport: Config,
    phase: RwLock<Phase>,
    /// Requests from other members.
    pub approver: Arc<UiApprover>,
    drafts: Mutex<HashMap<String, Kept>>,
    /// Held while a passphrase unlock runs.
    pub unlocking: tokio::sync::Mutex<()>,
}

impl App {
    /// The app for data directory `dir`.
    pub fn new(dir: PathBuf, transport: Config) -> App {
        App {
            dir,
            transport,
            phase: RwLock::new(Phase::Opening),
            approver: Arc::new(UiApprover::default()),
            drafts: Mutex::default(),
            unlocking: tokio::sync::Mutex::new(()),
        }
    }

    /// The transport configuration: loopback without relays when
    /// `ACCORD_NO_RELAY=1`, else production.
    pub fn transport_from_env() -> Config {
        if std::env::var(NO_RELAY_VAR).is_ok_and(|v| v == "1") {
            Config::loopback()
        } else {
            Config::production()
        }
    }

    /// Starts the node on an open store.
    pub async fn start(&self, vault: Vault, protector: ProtectorRecord) -> Result<(), ApiError> {
        // The person's name, once set in Settings; "desktop" until then.
        let name = vault
            .name()
            .ok()
            .flatten()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| "desktop".into());
        let options = NodeOptions {
            name,
            role: Role::Desktop,
            transport: self.transport.clone(),
            timeouts: Timeouts::default(),
            approver: self.approver.clone(),
        };
        let node = Node::start(vault, options)
            .await
            .map_err(|e| ApiError::new(ErrorCode::Storage, e.to_string()))?;
        *self.phase.write().await = Phase::Open {
            node: Arc::new(node),
            protector,
        };
        Ok(())
    }

    /// Records why the store is not open.
    pub async fn lock(&self, lock: Lock) {
        *self.phase.write().await = Phase::Locked(lock);
    }

    /// The lock state, the running node and its protector.
    pub async fn phase(&self) -> (Lock, Option<(Arc<Node>, &'static str)>) {
        match &*self.phase.read().await {
            Phase::Opening => (Lock::Opening, None),
            Phase::Locked(lock) => (lock.clone(), None),
            Phase::Open { node, protector } => {
                (Lock::Unlocked, Some((node.clone(), protector.kind())))
            }
        }
    }

    /// The running node, or [`ErrorCode::Locked`].
    pub async fn node(&self) -> Result<Arc<Node>, ApiError> {
        match &*self.phase.read().await {
            Phase::Open { node, .. } => Ok(node.clone()),
            _ => Err(error::locked()),
        }
    }

    /// Keeps a draft; its id.
    pub fn keep_draft(&self, draft: Draft) -> String {
        let draft = Kept {
            draft,
            built: Instant::now(),
        };
        let mut id = [0u8; 16];
        rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut id);
        let id = hex::encode(id);
        let mut drafts = self.drafts.lock().unwrap_or_else(PoisonError::into_inner);
        drafts.retain(|_, d| d.built.elapsed() < DRAFT_TTL);
        drafts.insert(id.clone(), draft);
        id
    }

    /// Takes draft `id` (a draft is signed at most once).
    pub fn take_draft(&self, id: &str) -> Result<Draft, ApiError> {
        self.drafts
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(id)
            .filter(|d| d.built.elapsed() < DRAFT_TTL)
            .map(|d| d.draft)
            .ok_or_else(|| {
                ApiError::new(
                    ErrorCode::NotFound,
                    "that transaction is no longer waiting; build it again",
                )
            })
    }
}
