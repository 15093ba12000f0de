//! Which version of a wallet's policy is in force, from every version a
//! device holds and the statements about each.
//!
//! Starting from nothing, the version that follows the one in force and
//! stands [`Standing::Active`] replaces it, until none does. What remains
//! at that level is pending (or cancelled). Statements whose signature
//! does not verify, or that come from a device that is not a member, are
//! left out and reported — so nothing written into a store by hand counts.
//! Of two versions that could both be in force at one level (two
//! tightenings), the one with the lower hash is: every device picks the
//! same.
//! A loosening's delay runs from when this device received the statement
//! that completed its quorum.

use super::document::PolicyDocument;
use super::signed::{self, Endorsement, Signers, Standing, Statement, follows};

/// One version as a device holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredVersion {
    /// The document.
    pub document: PolicyDocument,
    /// Statements about it, each with when this device received it
    /// (seconds since the epoch).
    pub statements: Vec<(Endorsement, u64)>,
    /// When this device received the document.
    pub received_at: u64,
}

/// A version that is not in force.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pending {
    /// The document.
    pub document: PolicyDocument,
    /// Where it stands.
    pub standing: Standing,
    /// The devices that approved it.
    pub approved_by: Vec<String>,
}

/// What is in force, and what waits.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Resolved {
    /// The version in force, if any.
    pub active: Option<PolicyDocument>,
    /// The devices that approved it.
    pub active_approved_by: Vec<String>,
    /// Versions that follow it and are not in force (pending or
    /// cancelled).
    pub pending: Vec<Pending>,
    /// What was left out, and why.
    pub rejected: Vec<String>,
}

/// Resolves `versions` for a wallet signed by `signers`, at `now`.
pub fn resolve(versions: &[StoredVersion], signers: &Signers, now: u64) -> Resolved {
    // Competing versions of one number (two members each proposed a
    // tightening) are taken in the order of their hashes, the same on every
    // device whatever order they arrived in.
    let mut versions: Vec<(String, &StoredVersion)> = versions
        .iter()
        .map(|v| (v.document.hash_hex(), v))
        .collect();
    versions.sort_by(|a, b| a.0.cmp(&b.0));
    let mut out = Resolved::default();
    let mut rejected_at_level = Vec::new();
    loop {
        let mut next: Option<(&StoredVersion, Vec<String>)> = None;
        let mut pending = Vec::new();
        for (_, v) in &versions {
            let v: &StoredVersion = v;
            if follows(out.active.as_ref(), &v.document).is_err() {
                continue;
            }
            let valid = valid_statements(v, signers, &mut rejected_at_level);
            let approved_by: Vec<String> = valid
                .iter()
                .filter(|(e, _)| e.statement == Statement::Approve)
                .map(|(e, _)| e.device.clone())
                .collect();
            let seen = quorum_seen(&valid, signers);
            let statements: Vec<Endorsement> = valid.into_iter().map(|(e, _)| e).collect();
            // Checked above: it follows, every statement a member's valid
            // signature.
            match signed::standing_verified(
                out.active.as_ref(),
                &v.document,
                &statements,
                signers,
                seen,
                now,
            ) {
                Standing::Active if next.is_none() => next = Some((v, approved_by)),
                standing => pending.push(Pending {
                    document: v.document.clone(),
                    standing,
                    approved_by,
                }),
            }
        }
        match next {
            Some((v, approved_by)) => {
                out.active = Some(v.document.clone());
                out.active_approved_by = approved_by;
            }
            None => {
                out.pending = pending;
                out.rejected = rejected_at_level;
                return out;
            }
        }
    }
}

/// The statements about `v` that verify and come from members, each
/// device's first of each kind.
fn valid_statements(
    v: &StoredVersion,
    signers: &Signers,
    rejected: &mut Vec<String>,
) -> Vec<(Endorsement, u64)> {
    let members: Vec<&String> = signers.user_devices.iter().chain(&signers.others).collect();
    let mut out: Vec<(Endorsement, u64)> = Vec::new();
    for (e, at) in &v.statements {
        if let Err(err) = signed::verify(&v.document, e) {
            rejected.push(format!("version {}: {err}", v.document.version));
            continue;
        }
        if !members.contains(&&e.device) {
            rejected.push(format!(
                "version {}: {} is not a member",
                v.document.version, e.device
            ));
            continue;
        }
        let dup = out
            .iter()
            .any(|(o, _)| o.device == e.device && o.statement == e.statement);
        if !dup {
            out.push((e.clone(), *at));
        }
    }
    out
}

/// When the approvals a loosening needs were all received: the time of the
/// quorum-th user device's approval, in order of arrival.
fn quorum_seen(valid: &[(Endorsement, u64)], signers: &Signers) -> Option<u64> {
    let mut times: Vec<u64> = valid
        .iter()
        .filter(|(e, _)| {
            e.statement == Statement::Approve && signers.user_devices.contains(&e.device)
        })
        .map(|(_, at)| *at)
        .collect();
    times.sort_unstable();
    times
        .get(signers.loosening_quorum().checked_sub(1)?)
        .copied()
}
