//! Drives one session's state machines (one DKG per scheme, or one signer
//! per message) over the transport: sends what they emit to the members
//! they name, feeds them what members send (the sender is the id the
//! connection authenticated, mapped to its party), and enforces the
//! deadlines — a member we wait for that stays silent (no message, no
//! heartbeat) for a round's timeout, or the session's absolute deadline,
//! fails the session. A failure is announced to every member with an abort
//! notice, and every machine is ended (its secrets dropped).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::{Duration, Instant};

use accord_mpc::{
    Abort, Envelope, HandleError, KeyShare, Keygen, PartyId, Recipient, SessionId, SignOutput,
    Signer, Step,
};
use iroh::{EndpointAddr, EndpointId};
use tokio::sync::mpsc;

use super::router::Inbound;
use super::{Shared, fault, log};
use crate::wire::{Control, Message, SessionBytes};

/// A state machine of `accord_mpc`.
pub(crate) trait Machine: Send + 'static {
    type Output: Send + 'static;
    fn handle(
        &mut self,
        from: PartyId,
        envelope: Envelope,
    ) -> Result<Step<Self::Output>, HandleError>;
    fn waiting_for(&self) -> Vec<PartyId>;
    fn abort(&mut self);
}

impl Machine for Keygen {
    type Output = KeyShare;
    fn handle(&mut self, from: PartyId, envelope: Envelope) -> Result<Step<KeyShare>, HandleError> {
        Keygen::handle(self, from, envelope)
    }
    fn waiting_for(&self) -> Vec<PartyId> {
        Keygen::waiting_for(self)
    }
    fn abort(&mut self) {
        Keygen::abort(self);
    }
}

impl Machine for Signer {
    type Output = SignOutput;
    fn handle(
        &mut self,
        from: PartyId,
        envelope: Envelope,
    ) -> Result<Step<SignOutput>, HandleError> {
        Signer::handle(self, from, envelope)
    }
    fn waiting_for(&self) -> Vec<PartyId> {
        Signer::waiting_for(self)
    }
    fn abort(&mut self) {
        Signer::abort(self);
    }
}

/// Another member of the session.
#[derive(Clone, Debug)]
pub(crate) struct Peer {
    pub party: PartyId,
    pub id: EndpointId,
    pub addr: EndpointAddr,
    pub name: String,
}

impl Peer {
    /// A wallet member as a session peer; `None` if its record is corrupt.
    pub(crate) fn from_member(m: &crate::store::Member) -> Option<Peer> {
        Some(Peer {
            party: PartyId::new(u16::from(m.party))?,
            id: m.endpoint_id.parse().ok()?,
            addr: serde_json::from_str(&m.addr).ok()?,
            name: m.name.clone(),
        })
    }
}

/// Why a session failed.
#[derive(Debug)]
pub(crate) enum Failure {
    /// A member's user or policy said no.
    Declined { name: String, reason: String },
    /// A member aborted.
    PeerAborted { name: String, reason: String },
    /// Members we waited for were silent for a round's timeout.
    Silent { names: Vec<String> },
    /// The session's absolute deadline passed.
    Deadline,
    /// The threshold protocol aborted.
    Protocol {
        abort: Box<Abort>,
        culprit: Option<Box<Peer>>,
    },
    /// A member could not be reached.
    Unreachable { name: String, error: String },
    /// Something here failed.
    Local(String),
}

impl Failure {
    /// Whether another quorum may succeed where this one failed.
    pub(crate) fn retryable(&self) -> bool {
        !matches!(self, Failure::Declined { .. } | Failure::Local(_))
    }

    /// The notice sent to members.
    pub(crate) fn describe(&self) -> String {
        match self {
            Failure::Declined { name, reason } => format!("{name} declined: {reason}"),
            Failure::PeerAborted { name, reason } => format!("{name} aborted: {reason}"),
            Failure::Silent { names } => format!("no answer in time from {}", names.join(", ")),
            Failure::Deadline => "the session's deadline passed".into(),
            Failure::Protocol { abort, culprit } => match culprit {
                Some(p) => format!("{abort} (blamed: {})", p.name),
                None => abort.to_string(),
            },
            Failure::Unreachable { name, error } => format!("cannot reach {name}: {error}"),
            Failure::Local(e) => e.clone(),
        }
    }
}

/// Progress of a session, for the user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Progress {
    /// The member's party id.
    pub party: u8,
    /// The member's name.
    pub name: String,
    /// `invited`, `pending`, `joined`, `declined`, `done`, `failed`, `retrying`.
    pub state: String,
    /// Free text.
    pub detail: String,
}

/// A progress sink.
pub type ProgressFn<'a> = &'a (dyn Fn(Progress) + Send + Sync);

/// One session's machines and members.
pub(crate) struct Driver<'a, M: Machine> {
    pub shared: &'a Shared,
    pub base: SessionBytes,
    pub peers: Vec<Peer>,
    parts: Vec<Part<M>>,
    heard: HashMap<PartyId, Instant>,
    pub round_timeout: Duration,
    pub deadline: Instant,
    /// Run `handle` off the async threads (DKLs23 computes for a while).
    pub heavy: bool,
    pub progress: ProgressFn<'a>,
    /// The member whose `Start` begins the rounds.
    pub leader: Option<PartyId>,
    /// Members that joined.
    pub joined: BTreeSet<PartyId>,
    /// Whether the leader said `Start`.
    pub started: bool,
    /// The group keys each member reported (`KeygenDone`).
    pub reported: BTreeMap<PartyId, Vec<(u8, Vec<u8>)>>,
}

struct Part<M: Machine> {
    id: SessionId,
    machine: Option<M>,
    output: Option<M::Output>,
}

impl<'a, M: Machine> Driver<'a, M> {
    pub(crate) fn new(
        shared: &'a Shared,
        base: SessionBytes,
        peers: Vec<Peer>,
        round_timeout: Duration,
        deadline: Instant,
        progress: ProgressFn<'a>,
    ) -> Self {
        let now = Instant::now();
        let heard = peers.iter().map(|p| (p.party, now)).collect();
        Driver {
            shared,
            base,
            peers,
            parts: Vec::new(),
            heard,
            round_timeout,
            deadline,
            heavy: false,
            progress,
            leader: None,
            joined: BTreeSet::new(),
            started: false,
            reported: BTreeMap::new(),
        }
    }

    /// Adds a started machine and sends its first messages.
    pub(crate) async fn add(
        &mut self,
        id: SessionId,
        machine: M,
        first: Vec<Envelope>,
    ) -> Result<(), Failure> {
        self.parts.push(Part {
            id,
            machine: Some(machine),
            output: None,
        });
        self.dispatch(first).await
    }

    pub(crate) fn peer_by_id(&self, id: &EndpointId) -> Option<&Peer> {
        self.peers.iter().find(|p| p.id == *id)
    }

    /// Marks `party` as heard from now.
    pub(crate) fn heard(&mut self, party: PartyId) {
        self.heard.insert(party, Instant::now());
    }

    /// Sends envelopes to the members they name.
    pub(crate) async fn dispatch(&self, outgoing: Vec<Envelope>) -> Result<(), Failure> {
        for envelope in outgoing {
            if let Some(delay) = fault::delay() {
                tokio::time::sleep(delay).await;
            }
            let to: Vec<&Peer> = match envelope.recipient {
                Recipient::All => self.peers.iter().collect(),
                Recipient::Party(p) => self.peers.iter().filter(|peer| peer.party == p).collect(),
            };
            let bytes = Message::Mpc(envelope).encode();
            for peer in to {
                self.shared
                    .send_bytes(&peer.addr, &bytes)
                    .await
                    .map_err(|error| Failure::Unreachable {
                        name: peer.name.clone(),
                        error,
                    })?;
            }
        }
        Ok(())
    }

    /// Sends a control message to every member (concurrently, best effort
    /// unless `strict`).
    pub(crate) async fn broadcast(&self, control: &Control, strict: bool) -> Result<(), Failure> {
        let sends = self
            .peers
            .iter()
            .map(|p| async move { (p, self.shared.send_control(&p.addr, control).await) });
        for (peer, result) in futures_join_all(sends).await {
            if let Err(error) = result
                && strict
            {
                return Err(Failure::Unreachable {
                    name: peer.name.clone(),
                    error,
                });
            }
        }
        Ok(())
    }

    /// Ends the session after `failure`: every member is told, every
    /// machine ended.
    pub(crate) async fn fail(&mut self, failure: &Failure) {
        for part in &mut self.parts {
            if let Some(m) = part.machine.as_mut() {
                m.abort();
            }
        }
        let notice = Control::Abort {
            session: self.base,
            reason: failure.describe(),
        };
        let _ = tokio::time::timeout(Duration::from_secs(1), self.broadcast(&notice, false)).await;
    }

    /// Whether every machine has its output.
    fn finished(&self) -> bool {
        self.parts.iter().all(|p| p.output.is_some())
    }

    /// When the next deadline falls: the earliest silence deadline among
    /// members we wait for, or the absolute deadline.
    fn next_deadline(&self, waiting: &[PartyId], round_timeout: Duration) -> Instant {
        waiting
            .iter()
            .filter_map(|p| self.heard.get(p).map(|h| *h + round_timeout))
            .chain([self.deadline])
            .min()
            .unwrap_or(self.deadline)
    }

    fn waiting(&self, also: &[PartyId]) -> Vec<PartyId> {
        let mut w: Vec<PartyId> = self
            .parts
            .iter()
            .filter(|p| p.output.is_none())
            .filter_map(|p| p.machine.as_ref())
            .flat_map(Machine::waiting_for)
            .chain(also.iter().copied())
            .collect();
        w.sort();
        w.dedup();
        w
    }

    /// Runs until every machine has its output; `backlog` is handled first.
    pub(crate) async fn run(
        &mut self,
        rx: &mut mpsc::Receiver<Inbound>,
        backlog: Vec<Inbound>,
    ) -> Result<Vec<M::Output>, Failure> {
        for inbound in backlog {
            self.take(inbound).await?;
        }
        while !self.finished() {
            let waiting = self.waiting(&[]);
            let deadline = self.next_deadline(&waiting, self.round_timeout);
            tokio::select! {
                inbound = rx.recv() => match inbound {
                    Some(inbound) => self.take(inbound).await?,
                    None => return Err(Failure::Local("the node is shutting down".into())),
                },
                () = tokio::time::sleep_until(deadline.into()) => {
                    return Err(self.timed_out(&waiting, self.round_timeout));
                }
            }
        }
        Ok(self
            .parts
            .iter_mut()
            .filter_map(|p| p.output.take())
            .collect())
    }

    /// Waits, without running machines, until `pending(self)` is `None`;
    /// while it names members, they must keep talking (heartbeats count)
    /// within `round_timeout`. Threshold messages that arrive meanwhile are
    /// kept in `backlog` for [`Driver::run`].
    pub(crate) async fn wait(
        &mut self,
        rx: &mut mpsc::Receiver<Inbound>,
        backlog: &mut Vec<Inbound>,
        pending: impl Fn(&Self) -> Option<Vec<PartyId>>,
        round_timeout: Duration,
    ) -> Result<(), Failure> {
        while let Some(w) = pending(self) {
            let deadline = self.next_deadline(&w, round_timeout);
            tokio::select! {
                inbound = rx.recv() => match inbound {
                    Some(inbound @ Inbound::Mpc { .. }) => {
                        if backlog.len() < 4096 {
                            backlog.push(inbound);
                        }
                    }
                    Some(Inbound::Control { from, control }) => {
                        let Some(peer) = self.peer_by_id(&from).cloned() else { continue };
                        self.heard(peer.party);
                        self.control(&peer, control)?;
                    }
                    None => return Err(Failure::Local("the node is shutting down".into())),
                },
                () = tokio::time::sleep_until(deadline.into()) => {
                    return Err(self.timed_out(&w, round_timeout));
                }
            }
        }
        Ok(())
    }

    fn timed_out(&self, waiting: &[PartyId], round_timeout: Duration) -> Failure {
        if Instant::now() >= self.deadline {
            return Failure::Deadline;
        }
        let names = self
            .peers
            .iter()
            .filter(|p| waiting.contains(&p.party))
            .filter(|p| {
                self.heard
                    .get(&p.party)
                    .is_some_and(|h| h.elapsed() >= round_timeout)
            })
            .map(|p| p.name.clone())
            .collect();
        Failure::Silent { names }
    }

    fn control(&mut self, peer: &Peer, control: Control) -> Result<(), Failure> {
        let state = |state: &str, detail: String| Progress {
            party: peer.party.get(),
            name: peer.name.clone(),
            state: state.into(),
            detail,
        };
        match control {
            Control::Pending { .. } => {
                if !self.joined.contains(&peer.party) {
                    (self.progress)(state("pending", String::new()));
                }
                Ok(())
            }
            Control::Decline { reason, .. } => {
                (self.progress)(state("declined", reason.clone()));
                Err(Failure::Declined {
                    name: peer.name.clone(),
                    reason: truncate(&reason),
                })
            }
            Control::Abort { reason, .. } => Err(Failure::PeerAborted {
                name: peer.name.clone(),
                reason: truncate(&reason),
            }),
            Control::Join { .. } => {
                if self.joined.insert(peer.party) {
                    (self.progress)(state("joined", String::new()));
                }
                Ok(())
            }
            Control::Start { .. } => {
                if self.leader == Some(peer.party) {
                    self.started = true;
                }
                Ok(())
            }
            Control::KeygenDone { keys, .. } => {
                (self.progress)(state("done", String::new()));
                self.reported.insert(peer.party, keys);
                Ok(())
            }
            Control::Invite(_)
            | Control::Propose(_)
            | Control::Ping { .. }
            | Control::Pong { .. } => Ok(()),
        }
    }

    async fn take(&mut self, inbound: Inbound) -> Result<(), Failure> {
        match inbound {
            Inbound::Control { from, control } => {
                let Some(peer) = self.peer_by_id(&from).cloned() else {
                    log(
                        self.shared,
                        "rejected",
                        &format!("control message from {from}, not a member of the session"),
                    );
                    return Ok(());
                };
                self.heard(peer.party);
                self.control(&peer, control)
            }
            Inbound::Mpc { from, envelope } => {
                let Some(peer) = self.peer_by_id(&from).cloned() else {
                    log(
                        self.shared,
                        "rejected",
                        &format!("threshold message from {from}, not a member of the session"),
                    );
                    return Ok(());
                };
                self.heard(peer.party);
                let Some(index) = self.parts.iter().position(|p| p.id == envelope.session) else {
                    // A part not started yet cannot exist here: parts start together.
                    return Ok(());
                };
                let Some(part) = self.parts.get_mut(index) else {
                    return Ok(());
                };
                let Some(mut machine) = part.machine.take() else {
                    return Ok(());
                };
                let party = peer.party;
                let (machine, result) = if self.heavy {
                    tokio::task::spawn_blocking(move || {
                        let r = machine.handle(party, envelope);
                        (machine, r)
                    })
                    .await
                    .map_err(|e| Failure::Local(format!("a protocol step failed: {e}")))?
                } else {
                    let r = machine.handle(party, envelope);
                    (machine, r)
                };
                if let Some(part) = self.parts.get_mut(index) {
                    part.machine = Some(machine);
                }
                match result {
                    Ok(step) => {
                        if let Some(output) = step.output
                            && let Some(part) = self.parts.get_mut(index)
                        {
                            part.output = Some(output);
                        }
                        self.dispatch(step.outgoing).await
                    }
                    Err(HandleError::Rejected(rejected)) => {
                        log(
                            self.shared,
                            "rejected",
                            &format!("message from {}: {rejected}", peer.name),
                        );
                        Ok(())
                    }
                    Err(HandleError::Aborted(abort)) => {
                        let culprit = abort
                            .culprit()
                            .and_then(|c| self.peers.iter().find(|p| p.party == c).cloned());
                        Err(Failure::Protocol {
                            abort: Box::new(abort),
                            culprit: culprit.map(Box::new),
                        })
                    }
                }
            }
        }
    }
}

fn truncate(s: &str) -> String {
    s.chars().take(300).collect()
}

/// Awaits every future, concurrently.
pub(crate) async fn futures_join_all<F: Future>(
    futures: impl IntoIterator<Item = F>,
) -> Vec<F::Output> {
    futures_util::future::join_all(futures).await
}
