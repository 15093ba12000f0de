//! The commands the UI invokes, a few lines each over `accord-node`'s
//! facade (`Node`). Names and types are `accord_desktop_api`'s; every
//! command returns `Result<_, ApiError>`.

pub mod activity;
pub mod approvals;
pub mod backup;
pub mod devices;
pub mod lock;
pub mod policy;
pub mod proposals;
pub mod send;
pub mod settings;
pub mod wallets;

use accord_desktop_api::ApiError;
use accord_node::{Node, Vault};

use crate::error;

/// Runs `f` with the node's data on a blocking thread (SQLite, fsync).
pub async fn with_vault<T: Send + 'static>(
    node: &Node,
    f: impl FnOnce(&mut Vault) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    node.with_vault(f).await
}

/// How long a device may take to answer a ping.
pub const PING_TIMEOUT: std::time::Duration = std::time::Duration::from_millis(1500);

/// A store result as an API result.
pub fn stored<T>(r: Result<T, accord_node::store::StoreError>) -> Result<T, ApiError> {
    r.map_err(error::store)
}
