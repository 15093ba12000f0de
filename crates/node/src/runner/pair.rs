//! Pairing: this device issues one-time tickets and redeems others'. The
//! redeemer pins the issuer's id (from the ticket) and sends the ticket's
//! secret with its own name and address over the pairing ALPN; the issuer
//! checks the secret (unknown, expired or used tickets are refused), pins
//! the redeemer, and answers with its name. Both sides then let each other
//! in on `accord/1`. A redeemer that cannot store the device unpins it
//! again: nothing is let in that the store does not know.

use std::sync::Arc;
use std::time::Duration;

use iroh::EndpointAddr;
use rand_core::{OsRng, RngCore};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::{Shared, now};
use crate::event::EventKind;
use crate::facade::PairingError;
use crate::pairing::ticket::{MAX_ADDRS, Ticket};
use crate::store::{DeviceStore, PairedDevice, StoreError};
use crate::transport::PairRequest;
use crate::wire::valid_name;

#[derive(Serialize, Deserialize)]
struct Hello {
    secret: [u8; 32],
    name: String,
    addr: EndpointAddr,
}

impl Drop for Hello {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.secret);
    }
}

#[derive(Serialize, Deserialize)]
enum Answer {
    Welcome { name: String },
    Refused { reason: String },
}

/// Issues a ticket for the device of `store`, reachable at `addr`, recorded
/// in the store (so a running daemon on the same store honours it).
pub fn issue_ticket<S: DeviceStore + ?Sized>(
    store: &mut S,
    name: &str,
    addr: EndpointAddr,
    ttl: Duration,
) -> Result<Ticket, StoreError> {
    let mut secret = Zeroizing::new([0u8; 32]);
    OsRng.fill_bytes(secret.as_mut_slice());
    let expires_at = now().saturating_add(i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX));
    store.add_ticket(&secret, expires_at)?;
    let mut addr = addr;
    // A ticket holds at most MAX_ADDRS addresses (relays sort first).
    addr.addrs = addr.addrs.into_iter().take(MAX_ADDRS).collect();
    Ok(Ticket {
        addr,
        secret,
        expires_at: u64::try_from(expires_at).unwrap_or(0),
        name: name.to_owned(),
    })
}

/// The redeemer's side.
pub(crate) async fn redeem(
    shared: &Arc<Shared>,
    ticket: &Ticket,
) -> Result<PairedDevice, PairingError> {
    if ticket.is_expired(u64::try_from(now()).unwrap_or(0)) {
        return Err(PairingError::Expired);
    }
    let issuer = ticket.addr.id;
    if issuer == shared.transport.id() {
        return Err(PairingError::OwnTicket);
    }
    let was_pinned = !shared.transport.allowlist().pin(issuer);
    let unpin = || {
        if !was_pinned {
            shared.transport.allowlist().unpin(&issuer);
        }
    };
    let hello = Hello {
        secret: *ticket.secret,
        name: shared.name(),
        addr: shared.transport.addr(),
    };
    let request = postcard::to_allocvec(&hello).unwrap_or_default();
    let answer = match shared.transport.pair(ticket.addr.clone(), &request).await {
        Ok(bytes) => bytes,
        Err(e) => {
            unpin();
            return Err(e.into());
        }
    };
    let name = match postcard::from_bytes::<Answer>(&answer) {
        Ok(Answer::Welcome { name }) if valid_name(&name) => name,
        Ok(Answer::Welcome { .. }) => {
            unpin();
            return Err(PairingError::BadAnswer("invalid device name".into()));
        }
        Ok(Answer::Refused { reason }) => {
            unpin();
            return Err(PairingError::Refused(reason.chars().take(200).collect()));
        }
        Err(e) => {
            unpin();
            return Err(PairingError::BadAnswer(e.to_string()));
        }
    };
    let device = PairedDevice {
        id: issuer,
        name,
        addr: ticket.addr.clone(),
        paired_at: now(),
        last_seen: Some(now()),
    };
    let stored = device.clone();
    let result = shared
        .with_store(move |store| store.pair_device(&stored, now()))
        .await;
    if let Err(e) = result {
        unpin();
        return Err(e.into());
    }
    Ok(device)
}

/// The issuer's side.
pub(crate) async fn answer(shared: Arc<Shared>, request: PairRequest) {
    let from = request.from;
    let answer = match postcard::from_bytes::<Hello>(&request.bytes) {
        Err(e) => Answer::Refused {
            reason: format!("malformed pairing request: {e}"),
        },
        Ok(hello) if hello.addr.id != from || !valid_name(&hello.name) => Answer::Refused {
            reason: "the request's address or name is invalid".into(),
        },
        Ok(hello) => {
            let device = PairedDevice {
                id: from,
                name: hello.name.clone(),
                addr: hello.addr.clone(),
                paired_at: now(),
                last_seen: Some(now()),
            };
            let secret = hello.secret;
            let redeemed = shared
                .with_store(move |store| store.redeem_ticket(&secret, &device, now()))
                .await;
            match redeemed {
                Ok(Ok(())) => {
                    shared.transport.allowlist().pin(from);
                    Answer::Welcome {
                        name: shared.name(),
                    }
                }
                Ok(Err(refused)) => {
                    shared.log(
                        None,
                        EventKind::Rejected,
                        &format!("pairing from {from}: {refused}"),
                    );
                    Answer::Refused {
                        reason: refused.to_string(),
                    }
                }
                Err(e) => Answer::Refused {
                    reason: format!("storage error: {e}"),
                },
            }
        }
    };
    let bytes = postcard::to_allocvec(&answer).unwrap_or_default();
    let _ = request.reply(&bytes).await;
}
