//! Wallet creation as a state machine, for the inviter ([`KeygenSession::lead`])
//! and for each member ([`KeygenSession::admit`]).
//!
//! 1. The inviter sends the invitation: wallet name, threshold, network and
//!    every member's device id, name and role — all a member's user must see
//!    and accept before round 1. Each member's approver decides (members it
//!    was never paired with are shown as such), heartbeats telling the
//!    inviter meanwhile that it is still there; it pins the other members
//!    and joins.
//! 2. Once every member joined, the inviter says start and the DKG of every
//!    scheme runs at once ([`dkg`]); every member compares the group keys
//!    all others computed with its own.
//! 3. **Everywhere or nowhere** (two-phase commit, the inviter deciding):
//!    each member stores its shares durably but not usable yet and tells the
//!    inviter; when every member has, the inviter commits and tells them to
//!    commit. A member that failed never says it stored, so nobody commits;
//!    the others drop what they stored. A member that stored but hears
//!    nothing asks the inviter; an inviter that no longer runs the session
//!    answers from its store (committed, or — presumed abort — drop).

mod dkg;
pub(crate) mod refresh;
mod steps;
mod timers;

pub use refresh::LocalWallet;

use std::collections::BTreeSet;

use accord_mpc::{Parameters, PartyId, Scheme};
use iroh::EndpointId;
use rand_core::CryptoRngCore;

use self::dkg::Dkg;
use super::Session;
use super::clock::{Time, Timeouts, earliest};
use super::cosign::Refusal;
use super::effect::{Approval, Effect, Effects, Input, Progress, ProgressState};
use super::failure::{Failure, truncate};
use super::parts::derive;
use super::peer::{Culprit, Peer, by_id};
use crate::approve::{self, Decision, KeygenRequest};
use crate::event::EventKind;
use crate::policy::{PolicyDocument, defaults};
use crate::wallet::Network;
use crate::wire::{Control, Invitation, Message, SessionBytes, valid_name};

/// Messages kept while waiting to start.
const BACKLOG: usize = 4096;

/// Everything a member of a wallet creation knows before round 1.
#[derive(Clone, Debug)]
pub struct KeygenPlan {
    /// The invitation, as every member received it.
    pub invitation: Invitation,
    /// This device's party.
    pub me: PartyId,
    /// The inviter's party (it decides the commit).
    pub leader: PartyId,
    /// The other members.
    pub peers: Vec<Peer>,
    /// `t` of `n`.
    pub params: Parameters,
    /// The schemes to generate keys for (every wallet: [`Scheme::ALL`]).
    pub schemes: Vec<Scheme>,
    /// A refresh: this device's shares it starts from, one per scheme
    /// (empty for a new wallet).
    pub current: Vec<std::sync::Arc<accord_mpc::KeyShare>>,
    /// Deadlines.
    pub timeouts: Timeouts,
}

/// The wallet an inviter asks for.
#[derive(Clone, Debug)]
pub struct WalletSpec {
    /// Its name.
    pub name: String,
    /// `t`.
    pub threshold: u16,
    /// Its network.
    pub network: Network,
    /// Its first policy (`None`: the default for the network).
    pub policy: Option<PolicyDocument>,
}

impl KeygenPlan {
    /// The inviter's plan: a fresh session (random, from `rng`) inviting
    /// `members` (party 1, the inviter, first) to a `threshold`-of-n wallet.
    pub fn invite(
        wallet: WalletSpec,
        members: Vec<crate::wire::InvitedMember>,
        schemes: Vec<Scheme>,
        timeouts: Timeouts,
        rng: &mut dyn CryptoRngCore,
    ) -> Result<KeygenPlan, Failure> {
        let WalletSpec {
            name,
            threshold,
            network,
            policy,
        } = wallet;
        let parties = u16::try_from(members.len())
            .map_err(|_| Failure::Invalid("too many members".into()))?;
        let params =
            Parameters::new(threshold, parties).map_err(|e| Failure::Invalid(e.to_string()))?;
        let me = members
            .first()
            .map(|m| m.addr.id)
            .ok_or_else(|| Failure::Invalid("no members".into()))?;
        let leader = PartyId::new(1).ok_or_else(|| Failure::Invalid("party 1".into()))?;
        let mut session = [0u8; 32];
        rng.fill_bytes(&mut session);
        let wallet_id = hex::encode(&session[..16]);
        let policy = match policy {
            Some(mut doc) => {
                doc.wallet_id.clone_from(&wallet_id);
                doc.version = 1;
                doc.previous = None;
                doc.check()
                    .map_err(|e| Failure::Invalid(format!("the first policy: {e}")))?;
                Some(doc.to_json())
            }
            None => None,
        };
        let invitation = Invitation {
            session,
            wallet_id,
            name,
            threshold,
            network: network.name().to_owned(),
            members,
            policy,
            refresh: None,
            replace: None,
        };
        Ok(KeygenPlan {
            peers: peers_of(&invitation, me),
            invitation,
            me: leader,
            leader,
            params,
            schemes,
            current: Vec::new(),
            timeouts,
        })
    }
}

/// A wallet created (or refreshed) everywhere.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Created {
    /// Its id.
    pub wallet: String,
    /// Its name.
    pub name: String,
    /// The key epoch of its shares now (0 for a new wallet).
    pub epoch: u64,
}

/// The first policy an invitation carries — checked: version 1 of this
/// wallet — or the default one for its network.
pub fn first_policy(invitation: &Invitation, network: Network) -> Result<PolicyDocument, String> {
    let Some(text) = &invitation.policy else {
        return Ok(defaults::first_policy(&invitation.wallet_id, network));
    };
    let doc = PolicyDocument::from_json(text).map_err(|e| format!("the first policy: {e}"))?;
    if doc.wallet_id != invitation.wallet_id || doc.version != 1 {
        return Err("the first policy is not version 1 of this wallet".into());
    }
    Ok(doc)
}

/// The ids of a wallet creation's messages: the invitation's session,
/// each scheme's DKG (or refresh) and, for a replacement, its repair.
pub fn routes(base: &SessionBytes) -> Vec<SessionBytes> {
    let mut ids = vec![*base];
    for s in Scheme::ALL {
        let code = u16::from(s.code());
        ids.push(derive(base, code).0);
        // A replacement's repairs.
        ids.push(derive(base, dkg::REPAIR + code).0);
    }
    ids
}

enum Phase {
    Idle,
    Inviting {
        joined: BTreeSet<PartyId>,
        shown: BTreeSet<PartyId>,
        live: super::parts::Liveness,
        deadline: Time,
        backlog: Vec<(EndpointId, Message)>,
    },
    Asking {
        deadline: Time,
        beat: Time,
        backlog: Vec<(EndpointId, Message)>,
    },
    AwaitStart {
        deadline: Time,
        backlog: Vec<(EndpointId, Message)>,
    },
    Rounds {
        dkg: Dkg,
        deadline: Time,
    },
    Storing,
    AwaitStored {
        deadline: Time,
    },
    AwaitCommit {
        ask: Time,
        give_up: Time,
    },
    Committing,
    Dropping(Failure),
    Over,
}

/// One device's side of a wallet creation.
pub struct KeygenSession {
    plan: KeygenPlan,
    lead: bool,
    approval: Option<KeygenRequest>,
    /// Ids this session pinned (unpinned if the wallet is not created).
    pinned: Vec<EndpointId>,
    /// Members that said they stored (the inviter's count).
    stored: BTreeSet<PartyId>,
    /// An abort that came while this device was storing: dropped once stored.
    aborted: Option<Failure>,
    phase: Phase,
}

impl core::fmt::Debug for KeygenSession {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("KeygenSession")
            .field("wallet", &self.plan.invitation.name)
            .field("lead", &self.lead)
            .finish_non_exhaustive()
    }
}

/// What a member checks an invitation against.
#[derive(Clone, Copy)]
pub struct Known<'a> {
    /// This device's id.
    pub me: EndpointId,
    /// Whether a device is paired with this one (or a member of a wallet here).
    pub device: &'a dyn Fn(&EndpointId) -> bool,
    /// Whether a wallet of that name or id exists here already.
    pub wallet: &'a dyn Fn(&str, &str) -> bool,
}

impl KeygenSession {
    /// The inviter's side of `plan`.
    pub fn lead(plan: KeygenPlan) -> KeygenSession {
        KeygenSession {
            lead: true,
            approval: None,
            pinned: Vec::new(),
            stored: BTreeSet::new(),
            aborted: None,
            phase: Phase::Idle,
            plan,
        }
    }

    /// Checks an invitation `from` sent; the member's side of it. A refusal
    /// is sent back as a `Decline`.
    pub fn admit(
        invitation: Invitation,
        from: EndpointId,
        known: Known<'_>,
        schemes: Vec<Scheme>,
        timeouts: Timeouts,
    ) -> Result<KeygenSession, Refusal> {
        let refuse = |s: &str| Refusal::veto(s);
        if !(known.device)(&from) {
            return Err(refuse("the inviter is not paired with this device"));
        }
        let network: Network = invitation
            .network
            .parse()
            .map_err(|_| refuse("invalid wallet name or network"))?;
        if !valid_name(&invitation.name) {
            return Err(refuse("invalid wallet name or network"));
        }
        if invitation.wallet_id != hex::encode(&invitation.session[..16]) {
            return Err(refuse("the wallet id does not match the session"));
        }
        let policy = first_policy(&invitation, network).map_err(Refusal::veto)?;
        let parties =
            u16::try_from(invitation.members.len()).map_err(|_| refuse("too many members"))?;
        let params = Parameters::new(invitation.threshold, parties)
            .map_err(|e| Refusal::veto(e.to_string()))?;
        let mut ids = BTreeSet::new();
        for (i, m) in invitation.members.iter().enumerate() {
            if usize::from(m.party) != i + 1
                || !ids.insert(m.addr.id)
                || !valid_name(&m.name)
                || m.addr.addrs.len() > crate::pairing::ticket::MAX_ADDRS
            {
                return Err(refuse("the member list is malformed"));
            }
        }
        let party_of = |id: EndpointId| {
            invitation
                .members
                .iter()
                .find(|m| m.addr.id == id)
                .and_then(|m| PartyId::new(u16::from(m.party)))
        };
        let leader = party_of(from).ok_or_else(|| refuse("the inviter is not a member"))?;
        let me = party_of(known.me).ok_or_else(|| refuse("this device is not a member"))?;
        if (known.wallet)(&invitation.name, &invitation.wallet_id) {
            return Err(Refusal::veto(format!(
                "a wallet named {:?} exists already on this device",
                invitation.name
            )));
        }
        let member = |m: &crate::wire::InvitedMember| approve::Member {
            party: m.party,
            device_id: m.addr.id.to_string(),
            name: m.name.clone(),
            role: m.role,
            known: m.addr.id == known.me || (known.device)(&m.addr.id),
        };
        let from_member = invitation
            .members
            .iter()
            .find(|m| m.addr.id == from)
            .map(member)
            .ok_or_else(|| refuse("the inviter is not a member"))?;
        let request = KeygenRequest {
            wallet: invitation.name.clone(),
            threshold: invitation.threshold,
            parties,
            network: network.name().to_owned(),
            members: invitation.members.iter().map(member).collect(),
            from: from_member,
            policy: crate::policy::describe::describe(&policy),
            refresh: None,
            replaced: None,
        };
        let peers = peers_of(&invitation, known.me);
        Ok(KeygenSession {
            plan: KeygenPlan {
                invitation,
                me,
                leader,
                peers,
                params,
                schemes,
                current: Vec::new(),
                timeouts,
            },
            lead: false,
            approval: Some(request),
            pinned: Vec::new(),
            stored: BTreeSet::new(),
            aborted: None,
            phase: Phase::Idle,
        })
    }

    /// The session ids this creation's messages carry.
    pub fn routes(&self) -> Vec<SessionBytes> {
        routes(&self.plan.invitation.session)
    }

    fn base(&self) -> SessionBytes {
        self.plan.invitation.session
    }

    fn wallet(&self) -> &str {
        &self.plan.invitation.wallet_id
    }

    fn leader(&self) -> Option<&Peer> {
        self.plan.peers.iter().find(|p| p.party == self.plan.leader)
    }

    /// The other members not in `have`.
    fn missing(&self, have: &BTreeSet<PartyId>) -> Vec<PartyId> {
        self.plan
            .peers
            .iter()
            .map(|p| p.party)
            .filter(|p| !have.contains(p))
            .collect()
    }

    fn control(&self, out: &mut Effects<Created>, to: &[Peer], control: Control) {
        out.send_all(to, &Message::Control(control));
    }
}

/// The other members of `invitation`, as session peers.
pub(crate) fn peers_of(invitation: &Invitation, me: EndpointId) -> Vec<Peer> {
    invitation
        .members
        .iter()
        .filter(|m| m.addr.id != me)
        .filter_map(|m| {
            Some(Peer {
                party: PartyId::new(u16::from(m.party))?,
                id: m.addr.id,
                addr: m.addr.clone(),
                name: m.name.clone(),
                role: m.role,
            })
        })
        .collect()
}

impl Session for KeygenSession {
    type Output = Created;

    fn handle(
        &mut self,
        now: Time,
        input: Input,
        rng: &mut dyn CryptoRngCore,
    ) -> Vec<Effect<Created>> {
        let mut out = Effects::new();
        match input {
            Input::Start => {
                if !matches!(self.phase, Phase::Idle) {
                    return out.into_vec();
                }
                out.push(Effect::Listen(self.routes()));
                let t = self.plan.timeouts;
                if self.lead {
                    let peers = self.plan.peers.clone();
                    for p in &peers {
                        out.progress(Progress::of(p, ProgressState::Invited, ""));
                    }
                    self.control(
                        &mut out,
                        &peers,
                        Control::Invite(self.plan.invitation.clone()),
                    );
                    self.phase = Phase::Inviting {
                        joined: BTreeSet::new(),
                        shown: BTreeSet::new(),
                        live: super::parts::Liveness::new(&peers, now),
                        deadline: now.after(t.approval + t.keygen_round),
                        backlog: Vec::new(),
                    };
                } else if let Some(request) = self.approval.take() {
                    out.push(Effect::Ask(Box::new(Approval::Keygen(request))));
                    if let Some(leader) = self.leader().cloned() {
                        let session = self.base();
                        out.send(&leader, Message::Control(Control::Pending { session }));
                    }
                    self.phase = Phase::Asking {
                        deadline: now.after(t.approval),
                        beat: now.after(t.heartbeat),
                        backlog: Vec::new(),
                    };
                }
            }
            Input::Decision(decision) => {
                if let Phase::Asking { backlog, .. } =
                    std::mem::replace(&mut self.phase, Phase::Over)
                {
                    match decision {
                        Decision::Approve => {
                            // A refresh's members are pinned already.
                            let ids = self.to_pin();
                            if !ids.is_empty() {
                                self.pinned.clone_from(&ids);
                                out.push(Effect::Pin(ids));
                            }
                            // Only the inviter counts joins; the other members
                            // may not have pinned this one yet.
                            let session = self.base();
                            if let Some(leader) = self.leader().cloned() {
                                out.send(&leader, Message::Control(Control::Join { session }));
                            }
                            let t = self.plan.timeouts;
                            self.phase = Phase::AwaitStart {
                                // Other members' users may take their time:
                                // the inviter is silent meanwhile.
                                deadline: now.after(t.approval + t.keygen_round),
                                backlog,
                            };
                        }
                        Decision::Reject(reason) => {
                            let reason = truncate(&reason);
                            if let Some(leader) = self.leader().cloned() {
                                let session = self.base();
                                out.send(
                                    &leader,
                                    Message::Control(Control::Decline {
                                        session,
                                        reason: reason.clone(),
                                    }),
                                );
                            }
                            out.log(
                                None,
                                EventKind::Rejected,
                                format!(
                                    "declined wallet {:?}: {reason}",
                                    self.plan.invitation.name
                                ),
                            );
                            out.push(Effect::Aborted(Failure::Declined {
                                who: Culprit {
                                    party: self.plan.me.get(),
                                    device_id: String::new(),
                                    name: "this device".into(),
                                },
                                reason,
                            }));
                        }
                    }
                }
            }
            Input::Message { from, message } => {
                self.on_message(now, from, message, rng, &mut out);
            }
            Input::Journaled(result) => {
                self.on_journaled(now, result.map_err(|e| e.to_string()), &mut out);
            }
            Input::Unreachable { to, error } => {
                let stored = matches!(self.phase, Phase::AwaitStored { .. });
                let early = matches!(
                    self.phase,
                    Phase::Inviting { .. } | Phase::AwaitStart { .. } | Phase::Rounds { .. }
                );
                if (early || stored)
                    && let Some(who) = by_id(&self.plan.peers, &to).map(Culprit::from)
                {
                    self.fail(Failure::Unreachable { who, error }, stored, &mut out);
                }
            }
            Input::Tick => self.on_tick(now, rng, &mut out),
            // Never asked for here.
            Input::Continue => {}
            Input::Share(_) => {}
        }
        out.into_vec()
    }

    fn deadline(&self) -> Option<Time> {
        let t = self.plan.timeouts;
        match &self.phase {
            Phase::Inviting {
                joined,
                live,
                deadline,
                ..
            } => {
                let waiting = self.missing(joined);
                earliest([Some(*deadline), live.next(&waiting, t.sign_round)])
            }
            Phase::Asking { deadline, beat, .. } => earliest([Some(*deadline), Some(*beat)]),
            Phase::AwaitStart { deadline, .. } | Phase::AwaitStored { deadline } => Some(*deadline),
            Phase::Rounds { dkg, deadline } => earliest([
                Some(*deadline),
                dkg.live
                    .next(&dkg.waiting(&self.plan.peers), t.keygen_round),
            ]),
            Phase::AwaitCommit { ask, give_up } => earliest([Some(*ask), Some(*give_up)]),
            _ => None,
        }
    }

    fn heavy(&self, input: &Input) -> bool {
        self.plan.schemes.contains(&Scheme::Ecdsa)
            && (matches!(input, Input::Start | Input::Journaled(_))
                || matches!(
                    input,
                    Input::Message {
                        message: Message::Mpc(_),
                        ..
                    }
                ))
    }
}
