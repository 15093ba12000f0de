//! Wallet creation's deadlines: members silent during the invitation or a
//! round, no decision in time, heartbeats while deciding, members that
//! never said they stored, and the question a member that stored asks an
//! inviter that went quiet.

use accord_mpc::PartyId;
use rand_core::CryptoRngCore;

use super::{Created, KeygenSession, Phase};
use crate::event::EventKind;
use crate::session::clock::Time;
use crate::session::effect::{Effect, Effects};
use crate::session::failure::Failure;
use crate::session::peer::Culprit;
use crate::wire::{Control, Message};

impl KeygenSession {
    pub(super) fn on_tick(
        &mut self,
        now: Time,
        rng: &mut dyn CryptoRngCore,
        out: &mut Effects<Created>,
    ) {
        let t = self.plan.timeouts;
        match std::mem::replace(&mut self.phase, Phase::Over) {
            Phase::Inviting {
                joined,
                shown,
                live,
                deadline,
                backlog,
            } => {
                let waiting = self.missing(&joined);
                let silent = live.silent(&waiting, now, t.sign_round);
                if now >= deadline {
                    return self.give_up(Failure::Deadline, out);
                }
                if !silent.is_empty() {
                    return self.give_up(self.silent(&silent), out);
                }
                self.phase = Phase::Inviting {
                    joined,
                    shown,
                    live,
                    deadline,
                    backlog,
                };
            }
            Phase::Asking {
                deadline,
                mut beat,
                backlog,
            } => {
                if now >= deadline {
                    out.push(Effect::CancelAsk);
                    return self.give_up(Failure::NoDecision, out);
                }
                if now >= beat {
                    beat = now.after(t.heartbeat);
                    if let Some(leader) = self.leader().cloned() {
                        let session = self.base();
                        out.send(&leader, Message::Control(Control::Pending { session }));
                    }
                }
                self.phase = Phase::Asking {
                    deadline,
                    beat,
                    backlog,
                };
            }
            Phase::AwaitStart { deadline, backlog } => {
                if now >= deadline {
                    let who = self.leader().map(Culprit::from).into_iter().collect();
                    return self.give_up(Failure::Silent { who }, out);
                }
                self.phase = Phase::AwaitStart { deadline, backlog };
            }
            Phase::Rounds { dkg, deadline } => {
                let silent = dkg
                    .live
                    .silent(&dkg.waiting(&self.plan.peers), now, t.keygen_round);
                let failure = if now >= deadline {
                    Some(Failure::Deadline)
                } else {
                    (!silent.is_empty()).then(|| self.silent(&silent))
                };
                self.phase = Phase::Rounds { dkg, deadline };
                if let Some(failure) = failure {
                    self.fail(failure, false, out);
                }
            }
            Phase::AwaitStored { deadline } => {
                self.phase = Phase::AwaitStored { deadline };
                if now >= deadline {
                    let missing = self.missing(&self.stored);
                    let failure = self.silent(&missing);
                    self.fail(failure, true, out);
                }
            }
            Phase::AwaitCommit { ask, give_up } => {
                if now >= give_up {
                    // Stored, and the inviter never said: the wallet stays
                    // pending (unusable) until the inviter answers.
                    self.phase = Phase::Over;
                    out.log(
                        Some(self.wallet()),
                        EventKind::Failed,
                        format!(
                            "{}: the initiator has not confirmed it; it stays pending until it \
                             does",
                            self.doing()
                        ),
                    );
                    return out.push(Effect::Aborted(Failure::Undecided));
                }
                let mut ask = ask;
                if now >= ask {
                    ask = now.after(t.sign_round);
                    if let Some(leader) = self.leader().cloned() {
                        let session = self.base();
                        out.send(&leader, Message::Control(Control::Outcome { session }));
                    }
                }
                self.phase = Phase::AwaitCommit { ask, give_up };
            }
            other => self.phase = other,
        }
        let _ = rng;
    }

    pub(super) fn silent(&self, parties: &[PartyId]) -> Failure {
        Failure::Silent {
            who: self
                .plan
                .peers
                .iter()
                .filter(|p| parties.contains(&p.party))
                .map(Culprit::from)
                .collect(),
        }
    }
}
