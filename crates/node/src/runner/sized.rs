//! Where a transaction's parsing and preview run: on the async thread at
//! hand when the transaction is small, on a blocking thread when it is
//! large. A hop to a blocking thread and back costs more than parsing a
//! usual transaction (measured: the recovery server's co-signatures per
//! second, README); a PSBT of many inputs (up to 4 MiB) would hold an
//! async thread for milliseconds.

use std::sync::Arc;

use super::Shared;
use crate::store::Persist;

/// Transactions up to this size are parsed and previewed here.
const PARSE_HERE: usize = 16 * 1024;

/// Runs `f`, the work on a transaction of `len` bytes, here or on a
/// blocking thread by its size; `Err` is the blocking thread's panic, in
/// words.
pub(crate) async fn for_tx<T: Send + 'static>(
    len: usize,
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, String> {
    if len <= PARSE_HERE {
        Ok(f())
    } else {
        tokio::task::spawn_blocking(f)
            .await
            .map_err(|e| e.to_string())
    }
}

impl Shared {
    /// Runs `f`, store work that includes a transaction of `len` bytes,
    /// in the store's turn: here ([`Shared::in_place`]) or on a blocking
    /// thread ([`Shared::with_store`]) by its size.
    pub(crate) async fn store_for_tx<T: Send + 'static>(
        self: &Arc<Self>,
        len: usize,
        f: impl FnOnce(&mut dyn Persist) -> T + Send + 'static,
    ) -> T {
        if len <= PARSE_HERE {
            self.in_place(f).await
        } else {
            self.with_store(f).await
        }
    }
}
