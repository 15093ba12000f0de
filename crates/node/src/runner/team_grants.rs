//! Proposer-only devices on the wire ([`crate::team::Grant`]): members
//! relay each other's grants and keep the latest per device; a
//! proposer-only device keeps the card of each wallet it may propose to,
//! first from a device it is paired with, later from any member listed on
//! the card it holds. Either way the allow-list follows: a granted device
//! is let in by every member, and a proposer-only device lets the members
//! in.

use std::sync::Arc;

use iroh::{EndpointAddr, EndpointId};

use super::team_wallet::{of_card, team_wallet};
use super::{Shared, now};
use crate::event::EventKind;
use crate::store::{Persist, StoreError};
use crate::team::{Grant, WalletCard};
use crate::wire::GrantRelay;

/// Devices whose place in the allow-list may have changed.
pub(crate) type Repin = Vec<EndpointId>;

/// Keeps a member's grant relayed by member `from`; the device to re-pin
/// if it was new, or why it was refused.
pub(crate) fn receive_grant(
    store: &mut dyn Persist,
    from: EndpointId,
    grant: &Grant,
    addr: &EndpointAddr,
    now: i64,
) -> Result<Result<Repin, String>, StoreError> {
    if store.wallet_by_id(&grant.wallet_id).is_err() {
        return Ok(Err("a grant for a wallet not here".into()));
    }
    let Some(tw) = team_wallet(&*store, &grant.wallet_id)? else {
        return Ok(Err("a grant for a wallet not here".into()));
    };
    if !tw.is_member(&hex::encode(from.as_bytes())) {
        return Ok(Err(format!(
            "a grant on wallet {} relayed by a device that is not a member",
            tw.name
        )));
    }
    if let Err(e) = grant.verify() {
        return Ok(Err(e.to_string()));
    }
    if !tw.is_member(&grant.by) {
        return Ok(Err(format!(
            "a grant on wallet {} by {}, not a member",
            tw.name, grant.by
        )));
    }
    if tw.is_member(&grant.device) {
        return Ok(Err("a member cannot be made a proposer-only device".into()));
    }
    if hex::encode(addr.id.as_bytes()) != grant.device {
        return Ok(Err("a grant whose address is another device's".into()));
    }
    if !store.add_grant(grant, addr)? {
        return Ok(Ok(Vec::new()));
    }
    log_grant(store, &grant.wallet_id, &tw.name_of(&grant.by), grant, now)?;
    Ok(Ok(vec![addr.id]))
}

/// Logs a grant with its signature.
pub(crate) fn log_grant(
    store: &mut dyn Persist,
    wallet_id: &str,
    by: &str,
    grant: &Grant,
    now: i64,
) -> Result<(), StoreError> {
    store.log(
        Some(wallet_id),
        EventKind::Granted,
        &format!(
            "{by} {} {} ({}) as a proposer-only device{}{}",
            if grant.active { "granted" } else { "withdrew" },
            crate::approve::sanitize(&grant.name),
            grant.device,
            crate::audit::SIGNED_GRANT,
            serde_json::to_string(grant).unwrap_or_default()
        ),
        now,
    )
}

/// Keeps a card sent by `from` to this device (`me`); the members to
/// re-pin, or why it was refused.
pub(crate) fn receive_card(
    store: &mut dyn Persist,
    from: EndpointId,
    me: EndpointId,
    card: &WalletCard,
    now: i64,
) -> Result<Result<Repin, String>, StoreError> {
    let g = &card.grant;
    if g.wallet_id != card.id || g.device != hex::encode(me.as_bytes()) {
        return Ok(Err("a wallet card granted to another device".into()));
    }
    if let Err(e) = g.verify() {
        return Ok(Err(e.to_string()));
    }
    let member = |id: &str| {
        card.members
            .iter()
            .any(|m| hex::encode(m.addr.id.as_bytes()) == id)
    };
    if !member(&g.by) || !member(&hex::encode(from.as_bytes())) {
        return Ok(Err("a wallet card not granted or sent by a member".into()));
    }
    if store.wallet_by_id(&card.id).is_ok() {
        return Ok(Err("a card of a wallet this device holds a share of".into()));
    }
    let held = store.watched()?.into_iter().find(|(_, c)| c.id == card.id);
    match &held {
        Some((_, c)) => {
            let was_member = c.members.iter().any(|m| m.addr.id == from);
            if !was_member {
                return Ok(Err(
                    "a wallet card from a device not among its members".into()
                ));
            }
            if c.grant.at > g.at || c == card {
                return Ok(Ok(Vec::new()));
            }
        }
        None => {
            if !store.devices()?.iter().any(|d| d.id == from) {
                return Ok(Err(
                    "a first wallet card from a device this one is not paired with".into(),
                ));
            }
        }
    }
    if card.members.len() < usize::from(card.threshold)
        || of_card(card.name.clone(), card.clone()).is_none_or(|tw| tw.keys.is_none())
    {
        return Ok(Err("a wallet card that is not readable".into()));
    }
    let name = store.watch(card, now)?;
    if held.as_ref().is_none_or(|(_, c)| c.grant != *g) {
        let by = card
            .members
            .iter()
            .find(|m| hex::encode(m.addr.id.as_bytes()) == g.by)
            .map_or_else(|| g.by.clone(), |m| m.name.clone());
        store.log(
            Some(&card.id),
            EventKind::Granted,
            &format!(
                "{by} {} this device to propose to wallet {name}{}{}",
                if g.active {
                    "allowed"
                } else {
                    "no longer allows"
                },
                crate::audit::SIGNED_GRANT,
                serde_json::to_string(g).unwrap_or_default()
            ),
            now,
        )?;
    }
    let mut ids: Repin = card.members.iter().map(|m| m.addr.id).collect();
    if let Some((_, c)) = held {
        ids.extend(c.members.iter().map(|m| m.addr.id));
    }
    Ok(Ok(ids))
}

impl Shared {
    /// Lets in `ids` the store lets in, and no longer those it does not
    /// (unless a running session pinned them).
    pub(crate) async fn repin(self: &Arc<Self>, ids: Repin) {
        if ids.is_empty() {
            return;
        }
        let Ok(keep) = self.with_store(|store| store.pinned_ids()).await else {
            return;
        };
        let sessions = self.session_pins();
        for id in ids {
            if keep.contains(&id) {
                self.transport.allowlist().pin(id);
            } else if !sessions.contains(&id) {
                self.transport.allowlist().unpin(&id);
            }
        }
    }
}

/// Handles a grant relayed by `from`.
pub(crate) async fn on_grant(shared: Arc<Shared>, from: EndpointId, relay: GrantRelay) {
    let got = shared
        .with_store(move |store| receive_grant(store, from, &relay.grant, &relay.addr, now()))
        .await;
    done(&shared, from, "proposer grant", got).await;
}

/// Handles a wallet card sent by `from`.
pub(crate) async fn on_card(shared: Arc<Shared>, from: EndpointId, card: WalletCard) {
    let me = shared.transport.id();
    let got = shared
        .with_store(move |store| receive_card(store, from, me, &card, now()))
        .await;
    done(&shared, from, "wallet card", got).await;
}

async fn done(
    shared: &Arc<Shared>,
    from: EndpointId,
    what: &str,
    got: Result<Result<Repin, String>, StoreError>,
) {
    match got {
        Ok(Ok(ids)) => {
            if !ids.is_empty() {
                shared.repin(ids).await;
                shared.team_wake.notify_one();
            }
        }
        Ok(Err(why)) => shared.log(
            None,
            EventKind::Rejected,
            &format!("{what} from {from}: {why}"),
        ),
        Err(e) => shared.log(None, EventKind::Failed, &format!("keeping a {what}: {e}")),
    }
}
