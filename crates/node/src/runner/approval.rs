//! Asking this device's approver without letting it block anything: the
//! approver's future runs on a thread of its own (an interactive approver
//! blocks on the terminal inside it), so the runtime, heartbeats and the
//! session's approval deadline keep running. When the session stops
//! waiting, the request is cancelled: an async approver (the desktop's
//! list) drops it at once; a blocked prompt's late answer is discarded.

use std::sync::Arc;

use tokio::sync::oneshot;

use crate::approve::{Approver, Decision};
use crate::session::Approval;

/// A request being decided; dropping it cancels it.
pub(crate) struct Asking {
    pub(crate) decision: oneshot::Receiver<Decision>,
    _cancel: oneshot::Sender<()>,
}

/// The decision of an approver that decides at once
/// ([`Approver::decides_at_once`]), on this thread; `None` for one that may
/// block or wait (ask it with [`ask`]).
pub(crate) fn at_once(approver: &dyn Approver, approval: &Approval) -> Option<Decision> {
    use futures_util::FutureExt as _;
    if !approver.decides_at_once() {
        return None;
    }
    match approval {
        Approval::Keygen(request) => approver.keygen(request).now_or_never(),
        Approval::Sign(request, policy) => approver.sign(request, policy.as_ref()).now_or_never(),
    }
}

/// The decision already made for `approval`: a team proposal this
/// device's person approved (signed) is not asked about again.
pub(crate) fn made(approval: &Approval) -> Option<Decision> {
    match approval {
        Approval::Sign(request, _) if request.proposal.is_some() => Some(Decision::Approve),
        _ => None,
    }
}

/// Asks `approver` about `approval`.
pub(crate) fn ask(approver: Arc<dyn Approver>, approval: Approval) -> Asking {
    let (answer, decision) = oneshot::channel();
    let (cancel, cancelled) = oneshot::channel::<()>();
    let handle = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || {
        let decided = handle.block_on(async move {
            let asked = async {
                match &approval {
                    Approval::Keygen(request) => approver.keygen(request).await,
                    Approval::Sign(request, policy) => {
                        approver.sign(request, policy.as_ref()).await
                    }
                }
            };
            tokio::select! {
                d = asked => Some(d),
                _ = cancelled => None,
            }
        });
        if let Some(d) = decided {
            let _ = answer.send(d);
        }
    });
    Asking {
        decision,
        _cancel: cancel,
    }
}
