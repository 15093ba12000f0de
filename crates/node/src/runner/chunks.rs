//! Background work over every wallet in chunks: a few wallets per store
//! turn, so that sessions waiting for the store are not held up by a pass
//! over all of them.

use std::sync::Arc;

use super::Shared;
use crate::store::{Persist, StoreError};

/// Items per store turn in [`Shared::in_chunks`].
const CHUNK: usize = 8;

impl Shared {
    /// Runs `f` on each of `items`, [`CHUNK`] of them per store turn, and
    /// collects what it returns: background work over every wallet (the
    /// syncs' passes) leaves the store to sessions between chunks instead
    /// of holding it for all of them (a hundred wallets: tens of
    /// milliseconds, which a co-signature starting then waited).
    pub(crate) async fn in_chunks<I, T, F>(
        self: &Arc<Self>,
        items: Vec<I>,
        f: F,
    ) -> Result<Vec<T>, StoreError>
    where
        I: Send + 'static,
        T: Send + 'static,
        F: Fn(&mut dyn Persist, I) -> Result<Option<T>, StoreError> + Send + Sync + 'static,
    {
        let f = Arc::new(f);
        let mut out = Vec::new();
        let mut items = items.into_iter().peekable();
        while items.peek().is_some() {
            let chunk: Vec<I> = items.by_ref().take(CHUNK).collect();
            let f = f.clone();
            let got = self
                .with_store(move |store| -> Result<Vec<T>, StoreError> {
                    let mut got = Vec::new();
                    for item in chunk {
                        got.extend(f(store, item)?);
                    }
                    Ok(got)
                })
                .await?;
            out.extend(got);
        }
        Ok(out)
    }
}
