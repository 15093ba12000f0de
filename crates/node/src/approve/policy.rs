//! The approver of the recovery server, which has no person behind it: it
//! joins the key generations its operator paired it for, and co-signs a
//! transaction only when the verdict of the wallet's policy in force
//! ([`crate::policy`]: signed by the wallet's members, every signature
//! verified) allows it now. A delayed transaction is refused until it can
//! be allowed; a wallet without a policy in force gets nothing signed.

use super::{Approver, Decision, KeygenRequest, Pending, SignRequest};
use crate::policy::PolicyCheck;

/// The recovery server's approver.
#[derive(Clone, Copy, Debug, Default)]
pub struct PolicyOnly;

impl PolicyOnly {
    /// The decision on `request` under the policy's verdict `check`.
    pub fn decide(request: &SignRequest, check: Option<&PolicyCheck>) -> Decision {
        match check {
            None => Decision::Reject(format!(
                "wallet {} has no policy in force here: the recovery server signs nothing without one",
                request.wallet
            )),
            Some(c) if c.allows() => Decision::Approve,
            Some(c) => Decision::Reject(format!("wallet {}: {}", request.wallet, c.describe())),
        }
    }
}

impl Approver for PolicyOnly {
    fn keygen<'a>(&'a self, _request: &'a KeygenRequest) -> Pending<'a> {
        Box::pin(async { Decision::Approve })
    }

    fn sign<'a>(&'a self, request: &'a SignRequest, check: Option<&'a PolicyCheck>) -> Pending<'a> {
        Box::pin(async move { PolicyOnly::decide(request, check) })
    }

    fn follows_policy(&self) -> bool {
        true
    }

    fn decides_at_once(&self) -> bool {
        true
    }
}
