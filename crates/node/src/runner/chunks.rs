//! Background work over every wallet in chunks: a few wallets per store
//! turn, so that sessions waiting for the store are not held up by a pass
//! over all of them. One item's error is logged and skipped: a wallet
//! whose records cannot be read does not stop the work for the others.

use std::sync::Arc;

use super::{Shared, now};
use crate::event::EventKind;
use crate::store::{Persist, StoreError};

/// Items per store turn in [`Shared::in_chunks`].
const CHUNK: usize = 8;

impl Shared {
    /// Runs `f` on each of `items`, [`CHUNK`] of them per store turn, and
    /// collects what it returns: background work over every wallet (the
    /// syncs' passes) leaves the store to sessions between chunks instead
    /// of holding it for all of them (a hundred wallets: tens of
    /// milliseconds, which a co-signature starting then waited). An
    /// item's error goes to the event log as "`what`: error".
    pub(crate) async fn in_chunks<I, T, F>(
        self: &Arc<Self>,
        what: &'static str,
        items: Vec<I>,
        f: F,
    ) -> Vec<T>
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
                .with_store(move |store| one_chunk(store, what, chunk, &*f))
                .await;
            out.extend(got);
        }
        out
    }
}

/// The work on one item: what it yields, if anything.
type Work<I, T> = dyn Fn(&mut dyn Persist, I) -> Result<Option<T>, StoreError>;

/// One store turn of [`Shared::in_chunks`].
fn one_chunk<I, T>(store: &mut dyn Persist, what: &str, chunk: Vec<I>, f: &Work<I, T>) -> Vec<T> {
    let mut got = Vec::new();
    for item in chunk {
        match f(store, item) {
            Ok(t) => got.extend(t),
            Err(e) => {
                let detail = format!("{what}: {e}");
                let _ = store.log(None, EventKind::Failed, &detail, now());
            }
        }
    }
    got
}

#[cfg(test)]
mod tests {
    use zeroize::Zeroizing;

    use super::*;
    use crate::secret::Protector;
    use crate::store::{EventLog as _, Store};

    #[test]
    fn an_items_error_is_logged_and_the_others_go_on() {
        let dir = tempfile::tempdir().unwrap();
        let protector = Protector::Key(Zeroizing::new([3; 32]));
        let mut store = Store::open(&dir.path().join("accord.db"), &protector, 1).unwrap();
        let f = |_: &mut dyn Persist, n: u32| match n {
            2 => Err(StoreError::NotFound("wallet two".into())),
            3 => Ok(None),
            n => Ok(Some(n * 10)),
        };
        assert_eq!(
            one_chunk(&mut store, "a pass", vec![1, 2, 3, 4], &f),
            [10, 40]
        );
        let failed: Vec<String> = store
            .events(None, 0)
            .unwrap()
            .into_iter()
            .filter(|e| e.kind == EventKind::Failed)
            .map(|e| e.detail)
            .collect();
        assert_eq!(failed.len(), 1, "{failed:?}");
        assert!(failed[0].starts_with("a pass: ") && failed[0].contains("wallet two"));
    }
}
