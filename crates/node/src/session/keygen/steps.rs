//! Wallet creation's steps as messages and journal acknowledgements come
//! in: the inviter gathering joins, the rounds and the key comparison,
//! storing, and the commit (or dropping what was stored).

use iroh::EndpointId;
use rand_core::CryptoRngCore;

use super::dkg::{Dkg, Progressed};
use super::{BACKLOG, Created, KeygenSession, Phase};
use crate::event::EventKind;
use crate::session::clock::Time;
use crate::session::effect::{Effect, Effects, Journal, Milestone, Progress, ProgressState};
use crate::session::failure::{Failure, truncate};
use crate::session::peer::{Culprit, by_id};
use crate::store::{Member, NewEpoch, NewWalletOwned};
use crate::wallet::Network;
use crate::wire::{Control, Message};

impl KeygenSession {
    /// Ends without a wallet: drop what was stored first, then tell
    /// everyone, unpin, and report.
    pub(super) fn fail(&mut self, failure: Failure, stored: bool, out: &mut Effects<Created>) {
        if let Phase::Rounds { dkg, .. } = &mut self.phase {
            dkg.abort();
        }
        if stored {
            out.push(Effect::Journal(self.drop_journal(failure.to_string())));
            self.phase = Phase::Dropping(failure);
            return;
        }
        self.give_up(failure, out);
    }

    pub(super) fn give_up(&mut self, failure: Failure, out: &mut Effects<Created>) {
        let notice = Control::Abort {
            session: self.base(),
            reason: failure.notice(),
        };
        let peers = self.plan.peers.clone();
        self.control(out, &peers, notice);
        if !self.pinned.is_empty() {
            out.push(Effect::Unpin(std::mem::take(&mut self.pinned)));
        }
        out.log(
            None,
            EventKind::Failed,
            format!("{}: {failure}", self.doing()),
        );
        self.phase = Phase::Over;
        out.push(Effect::Aborted(failure));
    }

    pub(super) fn start_rounds(
        &mut self,
        now: Time,
        backlog: Vec<(EndpointId, Message)>,
        rng: &mut dyn CryptoRngCore,
        out: &mut Effects<Created>,
    ) {
        match Dkg::start(&self.plan, now, rng, out) {
            Ok(dkg) => {
                out.push(Effect::Milestone(Milestone::KeygenStarted));
                self.phase = Phase::Rounds {
                    dkg,
                    deadline: now.after(self.plan.timeouts.session),
                };
                for (from, message) in backlog {
                    self.on_message(now, from, message, rng, out);
                }
            }
            Err(failure) => self.fail(failure, false, out),
        }
    }

    pub(super) fn agreed(&mut self, shares: Vec<accord_mpc::KeyShare>, out: &mut Effects<Created>) {
        let inv = &self.plan.invitation;
        if let Some(epoch) = inv.refresh
            && !self.is_target()
        {
            let initiator = if self.lead {
                self.plan
                    .invitation
                    .members
                    .iter()
                    .find(|m| m.party == self.plan.me.get())
            } else {
                self.plan
                    .invitation
                    .members
                    .iter()
                    .find(|m| m.party == self.plan.leader.get())
            };
            let Some(initiator) = initiator.map(|m| m.addr.id) else {
                return self.fail(Failure::Invalid("no initiator".into()), false, out);
            };
            out.push(Effect::Journal(Journal::StoreEpoch(Box::new(NewEpoch {
                wallet: inv.wallet_id.clone(),
                epoch: epoch.saturating_add(1),
                session: inv.session,
                initiator,
                shares: shares.into_iter().map(std::sync::Arc::new).collect(),
                replace: self.replacing(),
            }))));
            self.phase = Phase::Storing;
            return;
        }
        let Ok(network) = inv.network.parse::<Network>() else {
            return self.fail(Failure::Invalid("unknown network".into()), false, out);
        };
        let members = inv
            .members
            .iter()
            .map(|m| Member {
                party: m.party,
                device: m.addr.id,
                name: m.name.clone(),
                addr: m.addr.clone(),
                role: m.role,
            })
            .collect();
        let initiator = inv
            .members
            .iter()
            .find(|m| m.party == self.plan.leader.get())
            .map(|m| m.addr.id);
        let Some(initiator) = initiator else {
            return self.fail(Failure::Invalid("no inviter".into()), false, out);
        };
        // A replacement's new device gets the wallet's policy versions from
        // the members (the policy sync), not a first one.
        let policy = if self.is_target() {
            None
        } else {
            match super::first_policy(inv, network) {
                Ok(p) => Some(p),
                Err(e) => return self.fail(Failure::Invalid(e), false, out),
            }
        };
        out.push(Effect::Journal(Journal::StoreWallet(Box::new(
            NewWalletOwned {
                id: inv.wallet_id.clone(),
                name: inv.name.clone(),
                network,
                shares: shares.into_iter().map(std::sync::Arc::new).collect(),
                members,
                session: inv.session,
                epoch: inv.refresh.map_or(0, |e| e.saturating_add(1)),
                initiator,
                policy,
                policy_approval: Vec::new(),
            },
        ))));
        self.phase = Phase::Storing;
    }

    pub(super) fn on_message(
        &mut self,
        now: Time,
        from: EndpointId,
        message: Message,
        rng: &mut dyn CryptoRngCore,
        out: &mut Effects<Created>,
    ) {
        let Some(peer) = by_id(&self.plan.peers, &from).cloned() else {
            return;
        };
        let phase = std::mem::replace(&mut self.phase, Phase::Over);
        // Aborts end the session in every phase but the last ones, where
        // only the inviter decides.
        if let Message::Control(Control::Abort { reason, .. } | Control::Decline { reason, .. }) =
            &message
        {
            let reason = truncate(reason);
            let declined = matches!(message, Message::Control(Control::Decline { .. }));
            let failure = if declined {
                out.progress(Progress::of(&peer, ProgressState::Declined, reason.clone()));
                Failure::Declined {
                    who: Culprit::from(&peer),
                    reason,
                }
            } else {
                Failure::PeerAborted {
                    who: Culprit::from(&peer),
                    reason,
                }
            };
            match phase {
                Phase::Asking { .. } => {
                    self.phase = Phase::Over;
                    out.push(Effect::CancelAsk);
                    return self.give_up(failure, out);
                }
                Phase::Inviting { .. } | Phase::AwaitStart { .. } => {
                    return self.give_up(failure, out);
                }
                Phase::Rounds { dkg, deadline } => {
                    self.phase = Phase::Rounds { dkg, deadline };
                    return self.fail(failure, false, out);
                }
                Phase::AwaitStored { .. } => return self.fail(failure, true, out),
                // Storing: drop what is being stored once it is.
                Phase::Storing if self.lead || peer.party == self.plan.leader => {
                    self.phase = Phase::Storing;
                    self.aborted = Some(failure);
                    return;
                }
                Phase::AwaitCommit { .. } if peer.party == self.plan.leader => {
                    return self.fail(failure, true, out);
                }
                other => {
                    self.phase = other;
                    return;
                }
            }
        }
        match (phase, message) {
            (
                Phase::Inviting {
                    mut joined,
                    mut shown,
                    mut live,
                    deadline,
                    mut backlog,
                },
                message,
            ) => {
                live.heard(peer.party, now);
                match message {
                    Message::Control(Control::Pending { .. })
                        if !joined.contains(&peer.party) && shown.insert(peer.party) =>
                    {
                        out.progress(Progress::of(&peer, ProgressState::Pending, ""));
                    }
                    Message::Control(Control::Join { .. }) if joined.insert(peer.party) => {
                        out.progress(Progress::of(&peer, ProgressState::Joined, ""));
                    }
                    Message::Mpc(_) if backlog.len() < BACKLOG => backlog.push((from, message)),
                    _ => {}
                }
                if self.plan.peers.iter().all(|p| joined.contains(&p.party)) {
                    let peers = self.plan.peers.clone();
                    let session = self.base();
                    self.control(out, &peers, Control::Start { session });
                    return self.start_rounds(now, backlog, rng, out);
                }
                self.phase = Phase::Inviting {
                    joined,
                    shown,
                    live,
                    deadline,
                    backlog,
                };
            }
            (
                Phase::Asking {
                    deadline,
                    beat,
                    mut backlog,
                },
                message,
            ) => {
                if matches!(message, Message::Mpc(_)) && backlog.len() < BACKLOG {
                    backlog.push((from, message));
                }
                self.phase = Phase::Asking {
                    deadline,
                    beat,
                    backlog,
                };
            }
            (
                Phase::AwaitStart {
                    deadline,
                    mut backlog,
                },
                message,
            ) => match message {
                Message::Control(Control::Start { .. }) if peer.party == self.plan.leader => {
                    self.start_rounds(now, backlog, rng, out);
                }
                Message::Mpc(_) | Message::Control(Control::KeygenDone { .. }) => {
                    if backlog.len() < BACKLOG {
                        backlog.push((from, message));
                    }
                    self.phase = Phase::AwaitStart { deadline, backlog };
                }
                _ => self.phase = Phase::AwaitStart { deadline, backlog },
            },
            (Phase::Rounds { mut dkg, deadline }, message) => {
                dkg.live.heard(peer.party, now);
                let progressed = match message {
                    Message::Mpc(envelope) => {
                        dkg.on_envelope(&self.plan, &peer, envelope, rng, out)
                    }
                    Message::Control(Control::KeygenDone { keys, .. }) => {
                        out.progress(Progress::of(&peer, ProgressState::Done, ""));
                        dkg.on_report(&peer, &self.plan.peers, keys)
                    }
                    Message::Control(Control::Stored { .. }) => {
                        self.stored.insert(peer.party);
                        Ok(Progressed::Running)
                    }
                    Message::Control(_) => Ok(Progressed::Running),
                };
                match progressed {
                    Ok(Progressed::Running) => self.phase = Phase::Rounds { dkg, deadline },
                    Ok(Progressed::Agreed(shares)) => self.agreed(shares, out),
                    Err(failure) => {
                        self.phase = Phase::Rounds { dkg, deadline };
                        self.fail(failure, false, out);
                    }
                }
            }
            (Phase::Storing, Message::Control(Control::Stored { .. })) => {
                self.stored.insert(peer.party);
                self.phase = Phase::Storing;
            }
            (Phase::AwaitStored { deadline }, Message::Control(Control::Stored { .. })) => {
                self.stored.insert(peer.party);
                out.progress(Progress::of(&peer, ProgressState::Stored, ""));
                self.phase = Phase::AwaitStored { deadline };
                self.maybe_commit(out);
            }
            (Phase::AwaitCommit { .. }, Message::Control(Control::Commit { .. }))
                if peer.party == self.plan.leader =>
            {
                out.push(Effect::Journal(self.commit_journal()));
                self.phase = Phase::Committing;
            }
            (phase, _) => self.phase = phase,
        }
    }

    /// The inviter: every member stored; commit.
    pub(super) fn maybe_commit(&mut self, out: &mut Effects<Created>) {
        if matches!(self.phase, Phase::AwaitStored { .. })
            && self
                .plan
                .peers
                .iter()
                .all(|p| self.stored.contains(&p.party))
        {
            out.push(Effect::Journal(self.commit_journal()));
            self.phase = Phase::Committing;
        }
    }

    /// Makes what this device stored usable: the wallet, or the epoch.
    fn commit_journal(&self) -> Journal {
        let wallet = self.wallet().to_owned();
        match self.plan.invitation.refresh {
            Some(_) if !self.is_target() => Journal::CommitEpoch {
                wallet,
                session: self.base(),
            },
            _ => Journal::CommitWallet { wallet },
        }
    }

    /// Forgets what this device stored.
    fn drop_journal(&self, reason: String) -> Journal {
        let wallet = self.wallet().to_owned();
        match self.plan.invitation.refresh {
            Some(_) if !self.is_target() => Journal::DropEpoch {
                wallet,
                session: self.base(),
                reason,
            },
            _ => Journal::DropWallet { wallet, reason },
        }
    }

    pub(super) fn on_journaled(
        &mut self,
        now: Time,
        ok: Result<(), String>,
        out: &mut Effects<Created>,
    ) {
        match std::mem::replace(&mut self.phase, Phase::Over) {
            Phase::Storing => match ok {
                Ok(()) if self.aborted.is_some() => {
                    let failure = self.aborted.take().unwrap_or(Failure::ShuttingDown);
                    self.fail(failure, true, out);
                }
                Ok(()) => {
                    out.push(Effect::Milestone(Milestone::KeygenStored));
                    if self.lead {
                        self.phase = Phase::AwaitStored {
                            // Every member had what it needed to store when
                            // this device did: it takes them milliseconds.
                            deadline: now.after(self.plan.timeouts.sign_round * 3),
                        };
                        self.maybe_commit(out);
                    } else {
                        let session = self.base();
                        if let Some(leader) = self.leader().cloned() {
                            out.send(&leader, Message::Control(Control::Stored { session }));
                        }
                        self.phase = Phase::AwaitCommit {
                            ask: now.after(self.plan.timeouts.keygen_round),
                            give_up: now.after(self.plan.timeouts.session),
                        };
                    }
                }
                Err(e) => self.fail(Failure::Storage(e), false, out),
            },
            Phase::Committing => match ok {
                Ok(()) => {
                    // The lost device is out of the live allow-list now (the
                    // store removed it with the switch).
                    if let Some((_, lost)) = self.replacing()
                        && !self.is_target()
                    {
                        out.push(Effect::Unpin(vec![lost]));
                    }
                    if self.lead {
                        let peers = self.plan.peers.clone();
                        let session = self.base();
                        self.control(out, &peers, Control::Commit { session });
                    }
                    let inv = &self.plan.invitation;
                    out.push(Effect::Finished(Created {
                        wallet: inv.wallet_id.clone(),
                        name: inv.name.clone(),
                        epoch: inv.refresh.map_or(0, |e| e.saturating_add(1)),
                    }));
                }
                // The inviter decides: it drops what it stored (nobody
                // was told to commit).
                Err(e) if self.lead => self.fail(Failure::Storage(e), true, out),
                // A member was told to commit, so the others did: it keeps
                // its shares pending (unusable) and asks again later.
                Err(e) => {
                    out.log(
                        Some(self.wallet()),
                        EventKind::Failed,
                        format!(
                            "committing wallet {:?}: {e}; it stays pending until the inviter \
                             is asked again",
                            self.plan.invitation.name
                        ),
                    );
                    out.push(Effect::Aborted(Failure::Storage(e)));
                }
            },
            Phase::Dropping(failure) => self.give_up(failure, out),
            other => self.phase = other,
        }
    }
}
