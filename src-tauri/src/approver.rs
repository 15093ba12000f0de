//! The desktop's approver: a request from another member (a team's
//! proposal, an invitation to a new wallet) waits in a list the UI shows
//! on the Approvals screen until the user approves or rejects it there.
//! The request leaves the list when answered or when the session stops
//! waiting (its future is dropped).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use accord_desktop_api::ApprovalView;
use accord_node::approve::{Approver, Decision, KeygenRequest, Pending, SignRequest, sanitize};
use accord_node::policy::PolicyCheck;
use accord_node::runner::now;
use tokio::sync::oneshot;

use crate::views;

struct Waiting {
    view: ApprovalView,
    answer: oneshot::Sender<Decision>,
}

/// Requests waiting for the user.
pub struct UiApprover {
    next: AtomicU64,
    waiting: Arc<Mutex<BTreeMap<u64, Waiting>>>,
    /// How long a request waits before it is refused (the session's own
    /// approval deadline).
    timeout: Duration,
}

impl Default for UiApprover {
    fn default() -> Self {
        UiApprover {
            next: AtomicU64::new(0),
            waiting: Arc::default(),
            timeout: accord_node::Timeouts::default().approval,
        }
    }
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
    /// An approver whose requests wait at most `timeout`.
    pub fn with_timeout(timeout: Duration) -> Self {
        UiApprover {
            timeout,
            ..UiApprover::default()
        }
    }

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
        let limit = self.timeout;
        Box::pin(async move {
            let decision = match tokio::time::timeout(limit, decided).await {
                Ok(Ok(decision)) => decision,
                Ok(Err(_)) => Decision::Reject("the desktop app closed".into()),
                Err(_) => Decision::Reject(format!(
                    "no answer on the desktop within {} s",
                    limit.as_secs()
                )),
            };
            drop(forget);
            decision
        })
    }
}

impl Approver for UiApprover {
    fn keygen<'a>(&'a self, request: &'a KeygenRequest) -> Pending<'a> {
        // Every member with its role and device id; one this device never
        // paired with is marked, so the user checks its id on the device.
        let names: Vec<String> = request
            .members
            .iter()
            .map(|m| {
                let unknown = if m.known {
                    ""
                } else {
                    ", NOT PAIRED with this device"
                };
                format!(
                    "{} ({}, {}{unknown})",
                    sanitize(&m.name),
                    m.role,
                    m.device_id
                )
            })
            .collect();
        self.ask(ApprovalView {
            id: 0,
            kind: "keygen".into(),
            wallet: sanitize(&request.wallet),
            from: sanitize(&request.from.name),
            received_at: now(),
            preview: None,
            policy: None,
            summary: match request.refresh {
                Some(epoch) => format!(
                    "refresh the shares of this wallet (key epoch {epoch} to {}) with {}: same \
                     keys and addresses; every copy and backup of the current shares stops working",
                    epoch.saturating_add(1),
                    names.join(", ")
                ),
                None => format!(
                    "create a {} of {} wallet on {} with {}; its first policy (what the recovery \
                     server will sign): {}",
                    request.threshold,
                    request.parties,
                    sanitize(&request.network),
                    names.join(", "),
                    request
                        .policy
                        .iter()
                        .map(|l| sanitize(l))
                        .collect::<Vec<_>>()
                        .join("; ")
                ),
            },
        })
    }

    fn sign<'a>(&'a self, request: &'a SignRequest, check: Option<&'a PolicyCheck>) -> Pending<'a> {
        self.ask(ApprovalView {
            id: 0,
            kind: "sign".into(),
            wallet: sanitize(&request.wallet),
            from: sanitize(&request.from.name),
            received_at: now(),
            preview: Some(views::preview(&request.preview)),
            policy: Some(views::verdict(check)),
            summary: format!(
                "co-sign a {} transaction from {}",
                request.chain,
                sanitize(&request.wallet)
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use accord_node::approve::Member;

    fn request() -> KeygenRequest {
        let me = Member {
            party: 1,
            device_id: "a".into(),
            name: "desktop".into(),
            role: accord_node::Role::Desktop,
            known: true,
        };
        KeygenRequest {
            wallet: "w\u{202e}x".into(),
            threshold: 2,
            parties: 3,
            network: "regtest".into(),
            members: vec![me.clone()],
            from: me,
            policy: vec!["bitcoin: BTC: up to 0.01 BTC per transfer".into()],
            refresh: None,
            replaced: None,
        }
    }

    #[tokio::test]
    async fn a_request_waits_for_the_user_and_leaves_when_answered() {
        let approver = UiApprover::default();
        let r = request();
        let pending = approver.keygen(&r);
        let waiting = approver.pending();
        assert_eq!(waiting.len(), 1);
        assert!(!waiting[0].wallet.contains('\u{202e}'), "sanitized");
        assert!(
            waiting[0].summary.contains(
                "first policy (what the recovery server will sign): bitcoin: BTC: up to 0.01 BTC"
            ),
            "{}",
            waiting[0].summary
        );
        assert!(approver.decide(waiting[0].id, Decision::Approve));
        assert_eq!(pending.await, Decision::Approve);
        assert!(approver.pending().is_empty());
        assert!(
            !approver.decide(waiting[0].id, Decision::Approve),
            "answered once"
        );
    }

    #[tokio::test]
    async fn a_request_is_refused_after_the_timeout_and_forgotten_when_dropped() {
        let approver = UiApprover::with_timeout(Duration::from_millis(50));
        let r = request();
        let decision = approver.keygen(&r).await;
        assert!(matches!(decision, Decision::Reject(reason) if reason.contains("no answer")));
        assert!(approver.pending().is_empty());
        drop(approver.keygen(&r));
        assert!(
            approver.pending().is_empty(),
            "a dropped session's request goes"
        );
    }
}
