//! Pairing: this device issues one-time tickets and redeems others'. The
//! redeemer pins the issuer's id (from the ticket) and sends the ticket's
//! secret with its own name and address over the pairing ALPN; the issuer
//! checks the secret (unknown, expired or used tickets are refused), pins
//! the redeemer, and answers with its name. Both sides then let each other
//! in on `accord/1`.

use std::sync::Arc;
use std::time::Duration;

use iroh::EndpointAddr;
use rand_core::{OsRng, RngCore};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::{Node, PairingError, Shared, log, now};
use crate::pairing::ticket::Ticket;
use crate::store::Device;
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

impl Node {
    /// Issues a one-time pairing ticket valid for `ttl`.
    pub fn issue_ticket(&self, ttl: Duration) -> Result<Ticket, PairingError> {
        issue(&self.shared, ttl)
    }

    /// Redeems `ticket`: pins its device here and this device there.
    pub async fn redeem(&self, ticket: &Ticket) -> Result<Device, PairingError> {
        redeem(&self.shared, ticket).await
    }
}

/// A fresh ticket, recorded in the store (so a daemon sharing the store
/// honours it).
pub(crate) fn issue(shared: &Shared, ttl: Duration) -> Result<Ticket, PairingError> {
    let addr = shared.transport.addr();
    issue_ticket(&mut shared.store(), &shared.name, addr, ttl)
}

/// Issues a ticket for the device of `store`, reachable at `addr`, without
/// a running node: a running daemon on the same store honours it (`accord
/// cosigner ticket`).
pub fn issue_ticket(
    store: &mut crate::store::Store,
    name: &str,
    addr: EndpointAddr,
    ttl: Duration,
) -> Result<Ticket, PairingError> {
    let mut secret = Zeroizing::new([0u8; 32]);
    OsRng.fill_bytes(secret.as_mut_slice());
    let expires_at = now().saturating_add(i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX));
    store.add_ticket(&secret, expires_at)?;
    let mut addr = addr;
    // A ticket holds at most MAX_ADDRS addresses (relays sort first).
    addr.addrs = addr
        .addrs
        .into_iter()
        .take(crate::pairing::ticket::MAX_ADDRS)
        .collect();
    Ok(Ticket {
        addr,
        secret,
        expires_at: u64::try_from(expires_at).unwrap_or(0),
        name: name.to_owned(),
    })
}

/// Where the device of `store` listens, as far as the store knows: its id,
/// and in loopback mode `127.0.0.1` with the port it keeps. In production
/// the id alone is enough (address lookup finds the device).
pub fn stored_addr(
    store: &mut crate::store::Store,
    loopback: bool,
) -> Result<EndpointAddr, crate::store::StoreError> {
    let id = crate::transport::identity::device_id(store)?;
    let mut addr = EndpointAddr::new(id);
    if loopback && let Some(port) = store.bound_port()? {
        addr = addr.with_ip_addr(std::net::SocketAddr::from(([127, 0, 0, 1], port)));
    }
    Ok(addr)
}

pub(crate) async fn redeem(shared: &Shared, ticket: &Ticket) -> Result<Device, PairingError> {
    if ticket.is_expired(u64::try_from(now()).unwrap_or(0)) {
        return Err(PairingError::Expired);
    }
    let issuer = ticket.addr.id;
    if issuer == shared.transport.id() {
        return Err(PairingError::OwnTicket);
    }
    let was_pinned = !shared.transport.allowlist().pin(issuer);
    let hello = Hello {
        secret: *ticket.secret,
        name: shared.name.clone(),
        addr: shared.transport.addr(),
    };
    let request = postcard::to_allocvec(&hello).unwrap_or_default();
    let answer = shared.transport.pair(ticket.addr.clone(), &request).await;
    let unpin = || {
        if !was_pinned {
            shared.transport.allowlist().unpin(&issuer);
        }
    };
    let answer = match answer {
        Ok(bytes) => bytes,
        Err(e) => {
            unpin();
            return Err(e.into());
        }
    };
    match postcard::from_bytes::<Answer>(&answer) {
        Ok(Answer::Welcome { name }) if valid_name(&name) => {
            let device = Device {
                endpoint_id: issuer.to_string(),
                name,
                addr: serde_json::to_string(&ticket.addr).unwrap_or_default(),
                paired_at: now(),
                last_seen: Some(now()),
            };
            shared.store().pair_device(&device, now())?;
            Ok(device)
        }
        Ok(Answer::Welcome { .. }) => {
            unpin();
            Err(PairingError::BadAnswer("invalid device name".into()))
        }
        Ok(Answer::Refused { reason }) => {
            unpin();
            Err(PairingError::Refused(reason.chars().take(200).collect()))
        }
        Err(e) => {
            unpin();
            Err(PairingError::BadAnswer(e.to_string()))
        }
    }
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
            let device = Device {
                endpoint_id: from.to_string(),
                name: hello.name.clone(),
                addr: serde_json::to_string(&hello.addr).unwrap_or_default(),
                paired_at: now(),
                last_seen: Some(now()),
            };
            let redeemed = shared.store().redeem_ticket(&hello.secret, &device, now());
            match redeemed {
                Ok(Ok(())) => {
                    shared.transport.allowlist().pin(from);
                    Answer::Welcome {
                        name: shared.name.clone(),
                    }
                }
                Ok(Err(refused)) => {
                    log(
                        &shared,
                        "rejected",
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
