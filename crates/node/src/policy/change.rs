//! Whether a new version of a policy only tightens the one it replaces or
//! loosens anything — the difference between "any member signs it and it
//! applies at once" and "a quorum of user devices signs it, then it waits
//! out the current delay".
//!
//! The comparison is conservative: whatever is not shown to be at least as
//! strict is a loosening. A change that tightens one thing and loosens
//! another is a loosening (the Term Finance incident: a delay set to zero
//! and a drain in the same step must not pass as a tightening).

use accord_chains::ethereum::U256;

use super::describe::chain_name;
use super::document::{AssetLimits, ChainRules, PolicyDocument, parse_units, same_address};

/// What a change does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// Nothing is allowed that the current version refuses, nothing waits
    /// less.
    Tightening,
    /// Something is allowed sooner or more; each reason in words.
    Loosening(Vec<String>),
}

impl Change {
    /// Whether this is a loosening.
    pub fn loosens(&self) -> bool {
        matches!(self, Change::Loosening(_))
    }
}

/// How `new` relates to `old` (the version it replaces).
pub fn classify(old: &PolicyDocument, new: &PolicyDocument) -> Change {
    let mut why = Vec::new();
    if new.delay < old.delay {
        why.push(format!(
            "the delay drops from {} s to {} s",
            old.delay, new.delay
        ));
    }
    if new.replace_delay < old.replace_delay {
        why.push(format!(
            "the device replacement delay drops from {} s to {} s",
            old.replace_delay, new.replace_delay
        ));
    }
    for a in &old.required_approvers {
        if !new.required_approvers.contains(a) {
            why.push(format!("{a} is no longer a required approver"));
        }
    }
    for e in &new.address_book {
        if old.name_of(e.chain, &e.address).is_none() {
            why.push(format!("{} ({}) joins the address book", e.address, e.name));
        }
    }
    for c in &new.chains {
        match old.rules(c.chain, c.chain_id) {
            None => why.push(format!("{} becomes signable", chain_name(c))),
            Some(o) => compare_chain(o, c, &mut why),
        }
    }
    if why.is_empty() {
        Change::Tightening
    } else {
        Change::Loosening(why)
    }
}

fn compare_chain(old: &ChainRules, new: &ChainRules, why: &mut Vec<String>) {
    let name = chain_name(new);
    if new.recipients > old.recipients {
        why.push(format!(
            "{name}: recipients {:?} instead of {:?}",
            new.recipients, old.recipients
        ));
    }
    if new.tokens && !old.tokens {
        why.push(format!("{name}: tokens allowed"));
    }
    for a in &new.assets {
        let before = old
            .assets
            .iter()
            .find(|o| same_address(new.chain, &o.asset, &a.asset));
        match before {
            None => why.push(format!("{name}: {} gets limits and may move", a.asset)),
            Some(o) => compare_asset(&name, o, a, why),
        }
    }
}

fn units(v: &str) -> U256 {
    // Documents are checked before they are compared; an unparsable
    // amount counts as unlimited, the loosest reading.
    parse_units(v).unwrap_or(U256::MAX)
}

fn compare_asset(chain: &str, old: &AssetLimits, new: &AssetLimits, why: &mut Vec<String>) {
    let what = format!("{chain}: {}", new.asset);
    if units(&new.max_per_tx) > units(&old.max_per_tx) {
        why.push(format!(
            "{what}: per transaction {} instead of {}",
            new.max_per_tx, old.max_per_tx
        ));
    }
    match (
        &old.max_per_window,
        old.window,
        &new.max_per_window,
        new.window,
    ) {
        (None, _, _, _) | (_, None, _, _) => {}
        (Some(om), Some(ow), Some(nm), Some(nw)) => {
            // At least as strict: no more per window, and a window at least
            // as long (a shorter window refills sooner).
            if units(nm) > units(om) || nw < ow {
                why.push(format!(
                    "{what}: {nm} per {nw} s instead of {om} per {ow} s"
                ));
            }
        }
        _ => why.push(format!("{what}: no limit per window any more")),
    }
    match (&old.delay_over, &new.delay_over) {
        (None, _) => {}
        (Some(o), Some(n)) if units(n) <= units(o) => {}
        (Some(o), n) => why.push(format!(
            "{what}: delayed over {} instead of over {o}",
            n.as_deref().unwrap_or("nothing")
        )),
    }
}
