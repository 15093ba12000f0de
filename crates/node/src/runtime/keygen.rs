//! Wallet creation: the initiator redeems its peers' pairing tickets and
//! invites them (wallet name, threshold, members, network: all a member's
//! user must see before round 1). Each member checks the invitation, asks
//! its approver, pins the other members, and joins; once all joined, the
//! initiator starts the rounds and the DKGs of all three schemes run at
//! once, each under its own session id derived from the invitation's. At
//! the end every member sends the group keys it computed; each compares
//! them with its own before storing the wallet.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Instant;

use accord_chains::Chain;
use accord_chains::signing::WalletPublicKeys;
use accord_mpc::{GroupKey, KeyShare, Keygen, Parameters, PartyId, Scheme};
use iroh::{EndpointAddr, EndpointId};
use rand_core::{OsRng, RngCore};
use tokio::sync::mpsc;

use super::drive::{Driver, Failure, Peer, Progress, ProgressFn};
use super::router::Inbound;
use super::{KeygenError, Node, Shared, derive, fault, log, now, pair};
use crate::approve::{self, Decision};
use crate::pairing::ticket::Ticket;
use crate::store::{Member, NewWallet, WalletRecord};
use crate::wire::{Control, Invitation, InvitedMember, SessionBytes, valid_name};

/// The networks a wallet may be created for.
pub const NETWORKS: [&str; 4] = ["mainnet", "testnet", "signet", "regtest"];

/// A created wallet, as `accord wallet create` prints it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WalletSummary {
    /// The wallet.
    pub wallet: WalletRecord,
    /// Its members.
    pub members: Vec<Member>,
    /// The group key of each scheme.
    pub keys: BTreeMap<Scheme, GroupKey>,
    /// Its address on each chain.
    pub addresses: BTreeMap<Chain, String>,
}

/// The wallet's public keys in the chains crate's form.
pub fn public_keys(keys: &BTreeMap<Scheme, GroupKey>) -> Option<WalletPublicKeys> {
    let (taproot_output, taproot_internal) = match keys.get(&Scheme::FrostTaproot)? {
        GroupKey::Taproot {
            output_key,
            internal_key,
        } => (*output_key, *internal_key),
        _ => return None,
    };
    let ed25519 = match keys.get(&Scheme::FrostEd25519)? {
        GroupKey::Ed25519(k) => *k,
        _ => return None,
    };
    let ecdsa = match keys.get(&Scheme::Ecdsa)? {
        GroupKey::Secp256k1(k) => *k,
        _ => return None,
    };
    Some(WalletPublicKeys {
        taproot_output,
        taproot_internal: Some(taproot_internal),
        ecdsa,
        ed25519,
    })
}

/// The summary of a stored wallet.
pub(crate) fn summary(
    shared: &Shared,
    wallet: WalletRecord,
) -> Result<WalletSummary, crate::store::StoreError> {
    let store = shared.store();
    let members = store.members(&wallet)?;
    let keys = store.group_keys(&wallet)?;
    drop(store);
    let mut addresses = BTreeMap::new();
    if let Some(pk) = public_keys(&keys) {
        for chain in [Chain::Bitcoin, Chain::Ethereum, Chain::Solana] {
            if let Ok(a) = pk.address(chain, &wallet.network) {
                addresses.insert(chain, a);
            }
        }
    }
    Ok(WalletSummary {
        wallet,
        members,
        keys,
        addresses,
    })
}

impl Node {
    /// Creates a `threshold`-of-(1 + peers) wallet named `name` with the
    /// devices whose pairing tickets are `peers` (redeemed first).
    pub async fn create_wallet(
        &self,
        name: &str,
        threshold: u16,
        network: &str,
        peers: &[Ticket],
        progress: ProgressFn<'_>,
    ) -> Result<WalletSummary, KeygenError> {
        let shared = &*self.shared;
        if !valid_name(name) {
            return Err(KeygenError::Invalid(format!(
                "invalid wallet name {name:?}: 1 to 64 characters, no control characters"
            )));
        }
        if !NETWORKS.contains(&network) {
            return Err(KeygenError::Invalid(format!(
                "unknown network {network:?}: mainnet, testnet, signet or regtest"
            )));
        }
        let parties = u16::try_from(peers.len() + 1).unwrap_or(u16::MAX);
        let params =
            Parameters::new(threshold, parties).map_err(|e| KeygenError::Invalid(e.to_string()))?;
        if shared.store().wallet(name).is_ok() {
            return Err(KeygenError::Invalid(format!(
                "a wallet named {name:?} exists already"
            )));
        }
        let mut members = vec![InvitedMember {
            party: 1,
            addr: shared.transport.addr(),
            name: shared.name.clone(),
        }];
        let mut seen = BTreeSet::from([shared.transport.id()]);
        for (i, ticket) in peers.iter().enumerate() {
            if !seen.insert(ticket.addr.id) {
                return Err(KeygenError::Invalid(
                    "the same device was given twice".into(),
                ));
            }
            let device = pair::redeem(shared, ticket).await?;
            let party = u8::try_from(i + 2).unwrap_or(u8::MAX);
            progress(Progress {
                party,
                name: device.name.clone(),
                state: "paired".into(),
                detail: device.endpoint_id.clone(),
            });
            members.push(InvitedMember {
                party,
                addr: ticket.addr.clone(),
                name: device.name,
            });
        }
        let mut base = [0u8; 32];
        OsRng.fill_bytes(&mut base);
        let invitation = Invitation {
            session: base,
            wallet_id: hex::encode(&base[..16]),
            name: name.to_owned(),
            threshold,
            network: network.to_owned(),
            members: members.clone(),
        };
        let (_route, mut rx) = shared
            .router
            .register(&route_ids(&base))
            .ok_or_else(|| KeygenError::Failed("session id in use".into()))?;
        let peers = peers_of(&members, shared.transport.id());
        let deadline = Instant::now() + shared.timeouts.approval + shared.timeouts.session;
        let mut driver: Driver<'_, Keygen> = Driver::new(
            shared,
            base,
            peers,
            shared.timeouts.keygen_round,
            deadline,
            progress,
        );
        let result = initiate(&mut driver, &mut rx, &invitation, params).await;
        match result {
            Ok(shares) => store(shared, &invitation, &shares).map_err(KeygenError::Store),
            Err(failure) => {
                driver.fail(&failure).await;
                log(
                    shared,
                    "failed",
                    &format!("creating wallet {name:?}: {}", failure.describe()),
                );
                Err(match failure {
                    Failure::Declined { name, reason } => KeygenError::Declined {
                        member: name,
                        reason,
                    },
                    other => KeygenError::Failed(other.describe()),
                })
            }
        }
    }
}

fn route_ids(base: &SessionBytes) -> Vec<SessionBytes> {
    let mut ids = vec![*base];
    ids.extend(
        Scheme::ALL
            .iter()
            .map(|s| derive(base, u16::from(s.code())).0),
    );
    ids
}

fn peers_of(members: &[InvitedMember], me: EndpointId) -> Vec<Peer> {
    members
        .iter()
        .filter(|m| m.addr.id != me)
        .filter_map(|m| {
            Some(Peer {
                party: PartyId::new(u16::from(m.party))?,
                id: m.addr.id,
                addr: m.addr.clone(),
                name: m.name.clone(),
            })
        })
        .collect()
}

async fn initiate(
    driver: &mut Driver<'_, Keygen>,
    rx: &mut mpsc::Receiver<Inbound>,
    invitation: &Invitation,
    params: Parameters,
) -> Result<Vec<KeyShare>, Failure> {
    for peer in &driver.peers {
        (driver.progress)(Progress {
            party: peer.party.get(),
            name: peer.name.clone(),
            state: "invited".into(),
            detail: String::new(),
        });
    }
    driver
        .broadcast(&Control::Invite(invitation.clone()), true)
        .await?;
    // Every member's user decides; heartbeats (every 400 ms) show they
    // are still there, so a member silent for a signing round's timeout is
    // gone.
    let mut backlog = Vec::new();
    let round = driver.shared.timeouts.sign_round;
    driver
        .wait(
            rx,
            &mut backlog,
            |d| {
                let missing: Vec<PartyId> = d
                    .peers
                    .iter()
                    .map(|p| p.party)
                    .filter(|p| !d.joined.contains(p))
                    .collect();
                (!missing.is_empty()).then_some(missing)
            },
            round,
        )
        .await?;
    driver
        .broadcast(
            &Control::Start {
                session: invitation.session,
            },
            true,
        )
        .await?;
    let me = PartyId::new(1).ok_or_else(|| Failure::Local("party 1".into()))?;
    run_rounds(driver, rx, backlog, invitation, params, me).await
}

/// The DKGs of all three schemes, then the comparison of the group keys.
async fn run_rounds(
    driver: &mut Driver<'_, Keygen>,
    rx: &mut mpsc::Receiver<Inbound>,
    backlog: Vec<Inbound>,
    invitation: &Invitation,
    params: Parameters,
    me: PartyId,
) -> Result<Vec<KeyShare>, Failure> {
    driver.heavy = true;
    for scheme in Scheme::ALL {
        let id = derive(&invitation.session, u16::from(scheme.code()));
        let started =
            tokio::task::spawn_blocking(move || Keygen::start(scheme, id, params, me, &mut OsRng))
                .await
                .map_err(|e| Failure::Local(e.to_string()))?
                .map_err(|e| Failure::Local(e.to_string()))?;
        driver.add(id, started.0, started.1).await?;
    }
    fault::point("keygen-started");
    let shares = driver.run(rx, backlog).await?;
    let mine = reported_keys(&shares);
    driver
        .broadcast(
            &Control::KeygenDone {
                session: invitation.session,
                keys: mine.clone(),
            },
            false,
        )
        .await?;
    let round = driver.round_timeout;
    let mut none = Vec::new();
    driver
        .wait(
            rx,
            &mut none,
            |d| {
                let missing: Vec<PartyId> = d
                    .peers
                    .iter()
                    .map(|p| p.party)
                    .filter(|p| !d.reported.contains_key(p))
                    .collect();
                (!missing.is_empty()).then_some(missing)
            },
            round,
        )
        .await?;
    for peer in &driver.peers {
        if driver.reported.get(&peer.party) != Some(&mine) {
            return Err(Failure::Local(format!(
                "{} computed different group keys: the wallet is not created",
                peer.name
            )));
        }
    }
    Ok(shares)
}

fn reported_keys(shares: &[KeyShare]) -> Vec<(u8, Vec<u8>)> {
    let mut keys: Vec<(u8, Vec<u8>)> = shares
        .iter()
        .map(|s| {
            (
                s.scheme().code(),
                crate::store::group_key_bytes(&s.group_key()),
            )
        })
        .collect();
    keys.sort();
    keys
}

/// Stores the wallet, members and shares; returns its summary.
fn store(
    shared: &Shared,
    invitation: &Invitation,
    shares: &[KeyShare],
) -> Result<WalletSummary, crate::store::StoreError> {
    let members: Vec<Member> = invitation
        .members
        .iter()
        .map(|m| Member {
            party: m.party,
            endpoint_id: m.addr.id.to_string(),
            name: m.name.clone(),
            addr: serde_json::to_string(&m.addr).unwrap_or_default(),
        })
        .collect();
    let refs: Vec<&KeyShare> = shares.iter().collect();
    let record = shared.store().create_wallet_with(
        &NewWallet {
            id: invitation.wallet_id.clone(),
            name: &invitation.name,
            network: &invitation.network,
            shares: &refs,
            members: &members,
        },
        now(),
    )?;
    fault::point("keygen-stored");
    summary(shared, record)
}

/// Checks an invitation from `from`; returns the inviter's party and ours.
fn check(
    shared: &Shared,
    from: EndpointId,
    inv: &Invitation,
) -> Result<(PartyId, PartyId, Parameters), String> {
    let paired = shared
        .store()
        .devices()
        .map_err(|e| e.to_string())?
        .into_iter()
        .any(|d| d.endpoint_id == from.to_string());
    if !paired {
        return Err("the inviter is not paired with this device".into());
    }
    if !valid_name(&inv.name) || !NETWORKS.contains(&inv.network.as_str()) {
        return Err("invalid wallet name or network".into());
    }
    if inv.wallet_id != hex::encode(&inv.session[..16]) {
        return Err("the wallet id does not match the session".into());
    }
    let parties = u16::try_from(inv.members.len()).map_err(|_| "too many members".to_owned())?;
    let params = Parameters::new(inv.threshold, parties).map_err(|e| e.to_string())?;
    let mut ids = BTreeSet::new();
    for (i, m) in inv.members.iter().enumerate() {
        if usize::from(m.party) != i + 1
            || !ids.insert(m.addr.id)
            || !valid_name(&m.name)
            || m.addr.addrs.len() > 16
        {
            return Err("the member list is malformed".into());
        }
    }
    let party_of = |id: EndpointId| {
        inv.members
            .iter()
            .find(|m| m.addr.id == id)
            .and_then(|m| PartyId::new(u16::from(m.party)))
    };
    let inviter = party_of(from).ok_or("the inviter is not a member")?;
    let me = party_of(shared.transport.id()).ok_or("this device is not a member")?;
    let store = shared.store();
    if store.wallet(&inv.name).is_ok() || store.wallet_by_id(&inv.wallet_id).is_ok() {
        return Err(format!(
            "a wallet named {:?} exists already on this device",
            inv.name
        ));
    }
    Ok((inviter, me, params))
}

/// A member's side of wallet creation.
pub(crate) async fn respond(shared: Arc<Shared>, from: EndpointId, invitation: Invitation) {
    let Some(addr) = shared.addr_of(&from) else {
        return log(
            &shared,
            "rejected",
            &format!("invitation from unknown device {from}"),
        );
    };
    let reply = |control: Control| {
        let (shared, addr) = (shared.clone(), addr.clone());
        async move { shared.send_control(&addr, &control).await }
    };
    let session = invitation.session;
    let (inviter, me, params) = match check(&shared, from, &invitation) {
        Ok(v) => v,
        Err(reason) => {
            log(
                &shared,
                "rejected",
                &format!("invitation to {:?}: {reason}", invitation.name),
            );
            let _ = reply(Control::Decline { session, reason }).await;
            return;
        }
    };
    let Some((_route, mut rx)) = shared.router.register(&route_ids(&session)) else {
        return;
    };
    // The user decides; the inviter hears a heartbeat meanwhile.
    let heartbeat = tokio::spawn(heartbeat(shared.clone(), addr.clone(), session));
    let member = |m: &InvitedMember| approve::Member {
        party: m.party,
        device_id: m.addr.id.to_string(),
        name: m.name.clone(),
    };
    let request = approve::KeygenRequest {
        wallet: invitation.name.clone(),
        threshold: invitation.threshold,
        parties: params.parties(),
        network: invitation.network.clone(),
        members: invitation.members.iter().map(member).collect(),
        from: invitation
            .members
            .iter()
            .find(|m| m.addr.id == from)
            .map(member)
            .unwrap_or_else(|| approve::Member {
                party: inviter.get(),
                device_id: from.to_string(),
                name: String::new(),
            }),
    };
    let decision = tokio::time::timeout(
        shared.timeouts.approval,
        super::decide(shared.approver.keygen(&request)),
    )
    .await;
    heartbeat.abort();
    match decision {
        Ok(Decision::Approve) => {}
        Ok(Decision::Reject(reason)) => {
            log(
                &shared,
                "rejected",
                &format!("declined wallet {:?}: {reason}", invitation.name),
            );
            let _ = reply(Control::Decline { session, reason }).await;
            return;
        }
        Err(_) => {
            let _ = reply(Control::Decline {
                session,
                reason: "no decision in time".into(),
            })
            .await;
            return;
        }
    }
    // Pin the other members for this session; kept if the wallet is created.
    let newly: Vec<EndpointId> = invitation
        .members
        .iter()
        .map(|m| m.addr.id)
        .filter(|id| shared.transport.allowlist().pin(*id))
        .collect();
    let peers = peers_of(&invitation.members, shared.transport.id());
    let deadline = Instant::now() + shared.timeouts.session;
    let quiet = |_: Progress| {};
    let mut driver: Driver<'_, Keygen> = Driver::new(
        &shared,
        session,
        peers,
        shared.timeouts.keygen_round,
        deadline,
        &quiet,
    );
    driver.leader = Some(inviter);
    let result = async {
        driver.broadcast(&Control::Join { session }, false).await?;
        let mut backlog = Vec::new();
        // Other members' users may take their time: the inviter is silent
        // meanwhile, so wait for its start as long as an approval may take.
        let round = shared.timeouts.approval + shared.timeouts.keygen_round;
        driver
            .wait(
                &mut rx,
                &mut backlog,
                |d| (!d.started).then(|| vec![inviter]),
                round,
            )
            .await?;
        run_rounds(&mut driver, &mut rx, backlog, &invitation, params, me).await
    }
    .await;
    match result.map(|shares| store(&shared, &invitation, &shares)) {
        Ok(Ok(summary)) => log(
            &shared,
            "created",
            &format!("wallet {:?} ({})", summary.wallet.name, summary.wallet.id),
        ),
        Ok(Err(e)) => {
            log(
                &shared,
                "failed",
                &format!("storing wallet {:?}: {e}", invitation.name),
            );
            for id in newly {
                shared.transport.allowlist().unpin(&id);
            }
        }
        Err(failure) => {
            driver.fail(&failure).await;
            log(
                &shared,
                "failed",
                &format!(
                    "creating wallet {:?}: {}",
                    invitation.name,
                    failure.describe()
                ),
            );
            for id in newly {
                shared.transport.allowlist().unpin(&id);
            }
        }
    }
}

/// Sends `Pending` to `to` every heartbeat until aborted.
pub(crate) async fn heartbeat(shared: Arc<Shared>, to: EndpointAddr, session: SessionBytes) {
    loop {
        let _ = shared
            .send_control(&to, &Control::Pending { session })
            .await;
        tokio::time::sleep(super::HEARTBEAT).await;
    }
}
