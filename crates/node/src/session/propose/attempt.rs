//! The proposer's attempt once proposed: the members' answers and
//! threshold messages, silences and deadlines, and the attempt's end —
//! signatures recorded, or the failure, then the next quorum or the end of
//! the signing.

use accord_mpc::{PartyId, SessionId, SignOutput};
use rand_core::CryptoRngCore;

use super::{Attempt, Proposer, SignResult, State};
use crate::event::EventKind;
use crate::session::clock::Time;
use crate::session::effect::{Effect, Effects, Journal, Progress, ProgressState};
use crate::session::failure::{Failure, truncate};
use crate::session::parts::{Handled, sends};
use crate::session::peer::{Culprit, Peer, by_id, names};
use crate::wire::{Control, Message};

impl Proposer {
    /// Ends the attempt after `failure`: every member is told, every
    /// machine ended, and the end recorded.
    pub(super) fn fail(&mut self, mut a: Attempt, failure: Failure, out: &mut Effects<SignResult>) {
        a.parts.abort();
        let notice = Control::Abort {
            session: a.base,
            reason: failure.notice(),
        };
        // Not to a member that could not be reached or went silent: it
        // would only delay the next attempt (a silent one's connection is
        // dialled afresh, which costs a connect timeout if it is gone).
        let gone: Vec<String> = match &failure {
            Failure::Unreachable { who, .. } => vec![who.device_id.clone()],
            Failure::Silent { who } => who.iter().map(|c| c.device_id.clone()).collect(),
            _ => Vec::new(),
        };
        let told: Vec<Peer> = a
            .quorum
            .iter()
            .filter(|p| !gone.contains(&p.id.to_string()))
            .cloned()
            .collect();
        out.send_all(&told, &Message::Control(notice));
        out.log(
            Some(&self.plan.wallet),
            EventKind::Failed,
            format!("signing with {}: {failure}", names(&a.quorum)),
        );
        let ban = failure
            .ban()
            .map(|party| (self.scheme(), party, failure.to_string()));
        out.push(Effect::Journal(Journal::EndSigning {
            session: SessionId(a.base),
            wallet: self.plan.wallet.clone(),
            outcome: Err(failure.to_string()),
            signatures: Vec::new(),
            ban,
            event: None,
        }));
        self.state = State::Ending(a, Err(failure));
    }

    /// Every part has its signature: record them.
    pub(super) fn succeed(&mut self, mut a: Attempt, out: &mut Effects<SignResult>) {
        let mut signatures = Vec::new();
        for (&i, output) in a.todo.iter().zip(a.parts.take_outputs()) {
            match output {
                SignOutput::Signature(sig) => {
                    if let (Some(slot), Some(message)) =
                        (self.plan.done.get_mut(i), self.plan.messages.get(i))
                    {
                        *slot = Some(sig);
                        signatures.push((self.scheme(), message.clone(), sig));
                    }
                }
                SignOutput::Contributed => {
                    return self.fail(
                        a,
                        Failure::Invalid("the coordinator got no signature".into()),
                        out,
                    );
                }
            }
        }
        out.push(Effect::Journal(Journal::EndSigning {
            session: SessionId(a.base),
            wallet: self.plan.wallet.clone(),
            outcome: Ok("signed".into()),
            signatures,
            ban: None,
            event: None,
        }));
        self.state = State::Ending(a, Ok(()));
    }

    pub(super) fn on_message(
        &mut self,
        mut a: Attempt,
        now: Time,
        from: iroh::EndpointId,
        message: Message,
        out: &mut Effects<SignResult>,
    ) {
        let Some(peer) = by_id(&a.quorum, &from).cloned() else {
            out.log(
                Some(&self.plan.wallet),
                EventKind::Rejected,
                format!("a message from {from}, not in this signing's quorum"),
            );
            self.state = State::Running(a);
            return;
        };
        a.live.heard(peer.party, now);
        match message {
            Message::Mpc(envelope) => match a.parts.handle(peer.party, envelope) {
                Handled::Outgoing(envelopes) => {
                    sends(out, &a.quorum, envelopes);
                    if a.parts.finished() {
                        return self.succeed(a, out);
                    }
                }
                Handled::Rejected(why) => out.log(
                    Some(&self.plan.wallet),
                    EventKind::Rejected,
                    format!("message from {}: {why}", peer.name),
                ),
                Handled::Aborted(abort) => {
                    let culprit = abort
                        .culprit()
                        .and_then(|c| a.quorum.iter().find(|p| p.party == c))
                        .map(Culprit::from);
                    let failure = Failure::Protocol {
                        abort: Box::new(abort),
                        culprit,
                    };
                    return self.fail(a, failure, out);
                }
            },
            Message::Control(control) => match control {
                Control::Pending { .. }
                    if !a.joined.contains(&peer.party) && a.pending_shown.insert(peer.party) =>
                {
                    out.progress(Progress::of(&peer, ProgressState::Pending, ""));
                }
                Control::Join { .. } if a.joined.insert(peer.party) => {
                    out.progress(Progress::of(&peer, ProgressState::Joined, ""));
                    // Those that joined before waited for this one: their
                    // next round is due from now.
                    for p in &a.quorum {
                        a.live.heard(p.party, now);
                    }
                }
                Control::Decline { reason, .. } => {
                    let reason = truncate(&reason);
                    out.progress(Progress::of(&peer, ProgressState::Declined, reason.clone()));
                    let failure = Failure::Declined {
                        who: Culprit::from(&peer),
                        reason,
                    };
                    return self.fail(a, failure, out);
                }
                Control::Abort { reason, .. } => {
                    let failure = Failure::PeerAborted {
                        who: Culprit::from(&peer),
                        reason: truncate(&reason),
                    };
                    return self.fail(a, failure, out);
                }
                _ => {}
            },
        }
        self.state = State::Running(a);
    }

    /// The members owing a round (once nobody decides any more), and the
    /// members still deciding (not joined). A member deciding is given
    /// longer before it counts as gone (three rounds: more than a send may
    /// take), so that its refusal, on its way, is not mistaken for silence
    /// and routed around.
    pub(super) fn waiting(a: &Attempt) -> (Vec<PartyId>, Vec<PartyId>) {
        let deciding: Vec<PartyId> = a
            .quorum
            .iter()
            .map(|p| p.party)
            .filter(|p| !a.joined.contains(p))
            .collect();
        // While someone decides, those that joined may be waiting for its
        // first round: their silence means nothing yet.
        let rounds = if deciding.is_empty() {
            a.parts.waiting()
        } else {
            Vec::new()
        };
        (rounds, deciding)
    }

    pub(super) fn on_tick(&mut self, a: Attempt, now: Time, out: &mut Effects<SignResult>) {
        if now >= a.deadline {
            return self.fail(a, Failure::Deadline, out);
        }
        let round = self.plan.timeouts.sign_round;
        let (rounds, deciding) = Self::waiting(&a);
        let mut silent = a.live.silent(&rounds, now, round);
        silent.extend(a.live.silent(&deciding, now, round * 3));
        if !silent.is_empty() {
            let quiet: Vec<&Peer> = a
                .quorum
                .iter()
                .filter(|p| silent.contains(&p.party))
                .collect();
            out.push(Effect::Redial(quiet.iter().map(|p| p.id).collect()));
            let who = quiet.into_iter().map(Culprit::from).collect();
            return self.fail(a, Failure::Silent { who }, out);
        }
        self.state = State::Running(a);
    }

    pub(super) fn ended(
        &mut self,
        a: Attempt,
        result: Result<(), Failure>,
        now: Time,
        rng: &mut dyn CryptoRngCore,
        out: &mut Effects<SignResult>,
    ) {
        match result {
            Ok(()) => {
                let cosigners = a.quorum.iter().map(Culprit::from).collect();
                if self.all_done() {
                    self.finish(out, cosigners);
                } else {
                    self.next_attempt(now, rng, out);
                }
            }
            Err(failure) => {
                for p in a.quorum.iter().filter(|p| !a.joined.contains(&p.party)) {
                    out.progress(Progress::of(p, ProgressState::Failed, failure.to_string()));
                }
                if let Some(p) = failure
                    .ban()
                    .and_then(|party| PartyId::new(u16::from(party)))
                {
                    self.plan.banned.insert(p);
                    self.quorums.retain(|q| q.iter().all(|m| m.party != p));
                }
                if !failure.retryable() {
                    self.state = State::Over;
                    return out.push(Effect::Aborted(failure));
                }
                self.failures.push(failure.to_string());
                self.next_attempt(now, rng, out);
            }
        }
    }
}
