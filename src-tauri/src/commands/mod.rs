//! The commands the UI invokes, a few lines each over `accord-node`. Names
//! and types are `accord_desktop_api`'s; every command returns
//! `Result<_, ApiError>`.

pub mod activity;
pub mod approvals;
pub mod devices;
pub mod lock;
pub mod send;
pub mod settings;
pub mod wallets;

use accord_desktop_api::ApiError;
use accord_node::Node;
use accord_node::store::Store;

use crate::error;

/// Runs `f` with the node's store on a blocking thread (SQLite, fsync).
pub async fn with_store<T: Send + 'static>(
    node: std::sync::Arc<Node>,
    f: impl FnOnce(&mut Store) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(move || f(&mut node.store()))
        .await
        .map_err(|e| ApiError::new(accord_desktop_api::ErrorCode::Internal, e.to_string()))?
}

/// How long a device may take to answer a ping.
pub const PING_TIMEOUT: std::time::Duration = std::time::Duration::from_millis(1500);

/// Whether the device stored at `addr` (JSON of an iroh address) answers a
/// ping within [`PING_TIMEOUT`].
pub async fn online(node: &Node, addr: &str) -> bool {
    match serde_json::from_str(addr) {
        Ok(addr) => node.ping(addr, PING_TIMEOUT).await,
        Err(_) => false,
    }
}

/// A store result as an API result.
pub fn stored<T>(r: Result<T, accord_node::store::StoreError>) -> Result<T, ApiError> {
    r.map_err(error::store)
}
