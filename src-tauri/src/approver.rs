//! The desktop's approver: a request from another member (a team's
//! proposal, an invitation to a new wallet) waits in a list the UI shows
//! on the Approvals screen until the user approves or rejects it there.
//! The request leaves the list when answered or when the session stops
//! waiting (its future is dropped).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use accord_desktop_api::ApprovalView;
use accord_node::approve::{
    Approver, Decision, KeygenRequest, Pending, Policy, SignRequest, sanitize,
};
use accord_node::runtime::now;
use tokio::sync::oneshot;

use crate::views;

struct Waiting {
    view: ApprovalView,
    answer: oneshot::Sender<Decision>,
}

/// Requests waiting for the user.
#[derive(Default)]
pub struct UiApprover {
    next: AtomicU64,
    waiting: Arc<Mutex<BTreeMap<u64, Waiting>>>,
}

/// Removes a request when its session stops waiting.
struct Forget {
    id: u64,
    waiting: Arc<Mutex<BTreeMap<u64, Waiting>>>,
}

impl Drop for Forget {
    fn drop(&mut self) {
        self.waiting
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&self.id);
    }
}

impl UiApprover {
    /// The requests waiting, oldest first.
    pub fn pending(&self) -> Vec<ApprovalView> {
        let waiting = self.waiting.lock().unwrap_or_else(PoisonError::into_inner);
        waiting.values().map(|w| w.view.clone()).collect()
    }

    /// Answers request `id`; `false` if it is no longer waiting.
    pub fn decide(&self, id: u64, decision: Decision) -> bool {
        let waiting = self
            .waiting
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&id);
        waiting.is_some_and(|w| w.answer.send(decision).is_ok())
    }

    fn ask(&self, mut view: ApprovalView) -> Pending<'static> {
        let id = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        view.id = id;
        let (answer, decided) = oneshot::channel();
        self.waiting
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(id, Waiting { view, answer });
        let forget = Forget {
            id,
            waiting: self.waiting.clone(),
        };
        Box::pin(async move {
            let decision = decided
                .await
                .unwrap_or_else(|_| Decision::Reject("the desktop app closed".into()));
            drop(forget);
            decision
        })
    }
}

impl Approver for UiApprover {
    fn keygen<'a>(&'a self, request: &'a KeygenRequest) -> Pending<'a> {
        let names: Vec<String> = request.members.iter().map(|m| sanitize(&m.name)).collect();
        self.ask(ApprovalView {
            id: 0,
            kind: "keygen".into(),
            wallet: sanitize(&request.wallet),
            from: sanitize(&request.from.name),
            received_at: now(),
            preview: None,
            policy: None,
            summary: format!(
                "create a {} of {} wallet on {} with {}",
                request.threshold,
                request.parties,
                sanitize(&request.network),
                names.join(", ")
            ),
        })
    }

    fn sign<'a>(&'a self, request: &'a SignRequest, policy: Option<&'a Policy>) -> Pending<'a> {
        self.ask(ApprovalView {
            id: 0,
            kind: "sign".into(),
            wallet: sanitize(&request.wallet),
            from: sanitize(&request.from.name),
            received_at: now(),
            preview: Some(views::preview(&request.preview)),
            policy: Some(views::verdict(policy, request.chain, &request.preview)),
            summary: format!(
                "co-sign a {} transaction from {}",
                request.chain,
                sanitize(&request.wallet)
            ),
        })
    }
}
