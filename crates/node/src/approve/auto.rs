//! The approver that says yes to everything: for tests and demos only,
//! behind the `--auto-approve` flag. It ignores the wallet's policy too.
//! Building one takes an explicit [`Acknowledged`] token, so no code ends
//! up with it by accident.

use super::{Approver, Decision, KeygenRequest, Pending, SignRequest};
use crate::policy::PolicyCheck;

/// The caller's statement that approving everything is what it wants.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Acknowledged {
    /// A test or a demo (`--auto-approve`): never a wallet holding value.
    ForTestsOnly,
}

/// Approves every key generation and every signature, policy or not.
#[derive(Debug)]
pub struct AutoApprove {
    _acknowledged: Acknowledged,
}

impl AutoApprove {
    /// The approver; see [`Acknowledged`].
    pub fn new(acknowledged: Acknowledged) -> Self {
        AutoApprove {
            _acknowledged: acknowledged,
        }
    }
}

impl Approver for AutoApprove {
    fn keygen<'a>(&'a self, _request: &'a KeygenRequest) -> Pending<'a> {
        Box::pin(async { Decision::Approve })
    }

    fn sign<'a>(
        &'a self,
        _request: &'a SignRequest,
        _check: Option<&'a PolicyCheck>,
    ) -> Pending<'a> {
        Box::pin(async { Decision::Approve })
    }

    fn decides_at_once(&self) -> bool {
        true
    }
}
