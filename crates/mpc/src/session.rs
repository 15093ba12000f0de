//! The round engine shared by every protocol: routing checks, buffering of
//! early messages, and the hand-off of each complete round to the protocol's
//! state machine (STYLE: quinn-proto, round-based — no IO, data in, data out).
//!
//! A protocol declares how each round is delivered and how long its messages
//! may be. The engine accepts an envelope only if the transport authenticated
//! its sender as the party the envelope names, it belongs to this session and
//! scheme, comes from a peer, is addressed to us with the round's delivery,
//! fits the round's size limit, and is the first from that peer for that
//! round; anything else is [`Rejected`] and changes nothing.
//! Messages for later rounds wait in the inbox, so delivery order does not
//! matter. When a round is complete the protocol consumes it.

use std::collections::{BTreeMap, BTreeSet};

use zeroize::Zeroizing;

use crate::envelope::{Envelope, Recipient};
use crate::error::{Abort, HandleError, Rejected};
use crate::ids::{PartyId, Scheme, SessionId};

/// How the messages of one round travel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Delivery {
    /// The same message to every peer (not secret; echo-checked where it matters).
    Broadcast,
    /// A different message to each peer, over a confidential channel.
    Private,
    /// From every other signer to the coordinator only.
    ToCoordinator,
}

/// One round of a protocol: how it travels and its largest payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Round {
    pub delivery: Delivery,
    pub max_len: usize,
}

impl Round {
    pub(crate) const fn new(delivery: Delivery, max_len: usize) -> Self {
        Round { delivery, max_len }
    }
}

/// Payloads of one complete round, by sender; zeroized when dropped.
pub(crate) type Payloads = BTreeMap<PartyId, Zeroizing<Vec<u8>>>;

/// What a protocol hands back to the engine.
pub(crate) struct Outbound {
    pub round: u8,
    pub to: Recipient,
    pub payload: Vec<u8>,
}

/// A protocol's reaction to a complete round.
pub(crate) enum Progress<O> {
    /// Send these and wait for the next round.
    Continue(Vec<Outbound>),
    /// Send these; the session is over with this output.
    Finished(Vec<Outbound>, O),
}

/// The fixed facts of a session, visible to the protocol.
#[derive(Clone, Debug)]
pub(crate) struct Context {
    pub scheme: Scheme,
    pub session: SessionId,
    pub me: PartyId,
    /// Everybody in the session but us.
    pub peers: BTreeSet<PartyId>,
    pub coordinator: Option<PartyId>,
}

impl Context {
    fn expects(&self, delivery: Delivery) -> bool {
        match delivery {
            Delivery::Broadcast | Delivery::Private => true,
            Delivery::ToCoordinator => self.coordinator == Some(self.me),
        }
    }
}

/// A protocol state machine driven by [`Engine`].
pub(crate) trait Protocol {
    type Output;
    /// Rounds `1..=len`.
    fn rounds(&self) -> &[Round];
    /// Consumes complete round `round` (payloads keyed by sender, ours excluded).
    fn on_round(
        &mut self,
        ctx: &Context,
        round: u8,
        payloads: Payloads,
    ) -> Result<Progress<Self::Output>, Abort>;
}

/// A running session of a threshold protocol, as the node drives it: key
/// generation ([`crate::Keygen`]) and signing ([`crate::Signer`]) both
/// implement it, so a runner needs one wrapper for all of them.
pub trait Session {
    /// What the session ends with.
    type Output;

    /// Takes one envelope that arrived from `from`, the peer the transport
    /// authenticated (an envelope naming another sender is refused).
    fn handle(
        &mut self,
        from: PartyId,
        envelope: Envelope,
    ) -> Result<Step<Self::Output>, HandleError>;

    /// The peers whose message for the current round has not arrived yet.
    fn waiting_for(&self) -> Vec<PartyId>;

    /// Whether the session has ended (with an output or an abort).
    fn is_finished(&self) -> bool;

    /// Ends the session now: every secret it holds is dropped.
    fn abort(&mut self);

    /// The session's id.
    fn session_id(&self) -> SessionId;
}

/// One step of a session: what to send, and the result once there is one.
#[derive(Debug)]
#[must_use = "outgoing messages must be sent"]
pub struct Step<O> {
    /// Envelopes to deliver, in order.
    pub outgoing: Vec<Envelope>,
    /// The session's result, on its last step.
    pub output: Option<O>,
}

pub(crate) struct Engine<P: Protocol> {
    ctx: Context,
    /// The round waited for.
    current: u8,
    inbox: BTreeMap<(u8, PartyId), Zeroizing<Vec<u8>>>,
    /// `None` once the session ended; dropping the protocol zeroizes its secrets.
    protocol: Option<P>,
}

impl<P: Protocol> Engine<P> {
    pub(crate) fn new(ctx: Context, protocol: P, first: Vec<Outbound>) -> (Self, Vec<Envelope>) {
        let engine = Engine {
            ctx,
            current: 1,
            inbox: BTreeMap::new(),
            protocol: Some(protocol),
        };
        let out = engine.wrap(first);
        (engine, out)
    }

    pub(crate) fn context(&self) -> &Context {
        &self.ctx
    }

    pub(crate) fn is_finished(&self) -> bool {
        self.protocol.is_none()
    }

    fn wrap(&self, outbound: Vec<Outbound>) -> Vec<Envelope> {
        outbound
            .into_iter()
            .map(|o| Envelope {
                scheme: self.ctx.scheme,
                session: self.ctx.session,
                round: o.round,
                sender: self.ctx.me,
                recipient: o.to,
                payload: o.payload,
            })
            .collect()
    }

    /// The peers whose message for the current round has not arrived (for a
    /// node enforcing round deadlines).
    pub(crate) fn waiting_for(&self) -> Vec<PartyId> {
        let expects = self
            .protocol
            .as_ref()
            .and_then(|p| p.rounds().get(usize::from(self.current).wrapping_sub(1)))
            .is_some_and(|r| self.ctx.expects(r.delivery));
        if !expects {
            return Vec::new();
        }
        self.ctx
            .peers
            .iter()
            .copied()
            .filter(|p| !self.inbox.contains_key(&(self.current, *p)))
            .collect()
    }

    fn admit(&self, from: PartyId, env: &Envelope, rounds: &[Round]) -> Result<(), Rejected> {
        let ctx = &self.ctx;
        if env.sender != from {
            return Err(Rejected::Spoofed {
                claimed: env.sender,
                authenticated: from,
            });
        }
        if env.session != ctx.session {
            return Err(Rejected::WrongSession {
                expected: ctx.session,
                got: env.session,
            });
        }
        if env.scheme != ctx.scheme {
            return Err(Rejected::WrongScheme {
                expected: ctx.scheme,
                got: env.scheme,
            });
        }
        let sender = env.sender;
        if !ctx.peers.contains(&sender) {
            return Err(Rejected::UnexpectedSender { sender });
        }
        if let Recipient::Party(recipient) = env.recipient
            && recipient != ctx.me
        {
            return Err(Rejected::NotForUs { sender, recipient });
        }
        let round = env.round;
        let spec = usize::from(round)
            .checked_sub(1)
            .and_then(|i| rounds.get(i).copied());
        let Some(Round { delivery, max_len }) = spec else {
            return Err(Rejected::UnknownRound { sender, round });
        };
        if round < self.current {
            return Err(Rejected::StaleRound {
                sender,
                round,
                current: self.current,
            });
        }
        let broadcast = env.recipient == Recipient::All;
        if (delivery == Delivery::Broadcast) != broadcast || !ctx.expects(delivery) {
            return Err(Rejected::WrongDelivery { sender, round });
        }
        if env.payload.len() > max_len {
            return Err(Rejected::TooLarge {
                sender,
                round,
                len: env.payload.len(),
                max: max_len,
            });
        }
        if self.inbox.contains_key(&(round, sender)) {
            return Err(Rejected::Duplicate { sender, round });
        }
        Ok(())
    }

    /// Takes one envelope that the transport received from `from` (the
    /// authenticated peer); runs every round it completes.
    pub(crate) fn handle(
        &mut self,
        from: PartyId,
        mut env: Envelope,
    ) -> Result<Step<P::Output>, HandleError> {
        let Some(protocol) = self.protocol.as_ref() else {
            return Err(Rejected::Ended.into());
        };
        self.admit(from, &env, protocol.rounds())?;
        let payload = Zeroizing::new(std::mem::take(&mut env.payload));
        self.inbox.insert((env.round, env.sender), payload);

        let mut outgoing = Vec::new();
        loop {
            let Some(protocol) = self.protocol.as_mut() else {
                return Ok(Step {
                    outgoing,
                    output: None,
                });
            };
            let round = self.current;
            let complete = self
                .ctx
                .peers
                .iter()
                .all(|p| self.inbox.contains_key(&(round, *p)));
            if !complete {
                return Ok(Step {
                    outgoing,
                    output: None,
                });
            }
            let payloads: Payloads = self
                .ctx
                .peers
                .iter()
                .filter_map(|p| self.inbox.remove(&(round, *p)).map(|m| (*p, m)))
                .collect();
            self.current = round.saturating_add(1);
            match protocol.on_round(&self.ctx, round, payloads) {
                Ok(Progress::Continue(out)) => outgoing.extend(self.wrap(out)),
                Ok(Progress::Finished(out, output)) => {
                    outgoing.extend(self.wrap(out));
                    self.end();
                    return Ok(Step {
                        outgoing,
                        output: Some(output),
                    });
                }
                Err(abort) => {
                    self.end();
                    return Err(abort.into());
                }
            }
        }
    }

    /// Ends the session now, dropping (and so zeroizing) every secret it held.
    pub(crate) fn end(&mut self) {
        self.protocol = None;
        self.inbox.clear();
    }
}
