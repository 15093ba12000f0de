//! Pairing two devices: the issuing device shows a one-time [`ticket`]
//! (its endpoint address, a one-time secret, an expiry and its name); the
//! other device redeems it to pin the issuer and prove it saw the ticket.

pub mod ticket;
