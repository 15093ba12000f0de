//! The team's proposals (`accord_node::team`), on the Approvals screen:
//! listed with what each does, who voted, where it stands; approved or
//! rejected here (signed by this device). The node relays the vote and,
//! when this device is the quorum's signer, signs by itself. A send
//! previewed on the Send screen can be proposed to the team instead of
//! signed at once.

use accord_desktop_api::{ApiError, ErrorCode, ProposalCard, ProposeDraft, VoteCard, VoteProposal};
use accord_node::facade::{DEFAULT_EXPIRY, ProposalView, TeamError};
use accord_node::runner::now;
use accord_node::team::MAX_NOTE;
use accord_node::team::VoteKind;
use tauri::State;

use super::{stored, with_vault};
use crate::state::App;
use crate::views;

/// A proposal as the screen shows it.
pub fn card(v: &ProposalView) -> ProposalCard {
    ProposalCard {
        id: v.id.clone(),
        wallet: v.wallet.clone(),
        chain: v.chain.name().to_owned(),
        note: v.note.clone(),
        proposer: v.proposer.clone(),
        created_at: v.created_at,
        expires_at: v.expires_at,
        status: v.status.name().to_owned(),
        approvals: u32::try_from(v.approvals()).unwrap_or(u32::MAX),
        needs: v.needs,
        votes: v
            .votes
            .iter()
            .map(|x| VoteCard {
                name: x.name.clone(),
                vote: x.kind.name().to_owned(),
                reason: x.reason.clone(),
                at: x.at,
            })
            .collect(),
        preview: v.preview.as_ref().map(views::preview),
        waiting: v.status.is_live() && v.voted_here.is_none() && !v.proposer_only,
        proposer_only: v.proposer_only,
        signed: v.done.as_ref().map(|d| d.encoded.clone()),
        txid: v.done.as_ref().map(|d| d.txid.clone()),
    }
}

fn team_error(e: TeamError) -> ApiError {
    match e {
        TeamError::Store(e) => crate::error::store(e),
        TeamError::NotFound(_) => ApiError::new(ErrorCode::NotFound, e.to_string()),
        other => ApiError::new(ErrorCode::InvalidInput, other.to_string()),
    }
}

/// Every proposal, newest first.
#[tauri::command]
pub async fn proposals(app: State<'_, App>) -> Result<Vec<ProposalCard>, ApiError> {
    let node = app.node().await?;
    with_vault(&node, |vault| {
        let all = stored(vault.proposals(None, now()))?;
        Ok(all.iter().rev().map(card).collect())
    })
    .await
}

/// Approves or rejects one.
#[tauri::command]
pub async fn vote_proposal(
    app: State<'_, App>,
    request: VoteProposal,
) -> Result<ProposalCard, ApiError> {
    let node = app.node().await?;
    let kind = if request.approve {
        VoteKind::Approve
    } else {
        VoteKind::Reject
    };
    let reason = request
        .reason
        .map(|r| r.trim().to_owned())
        .unwrap_or_default();
    node.vote_on_proposal(&request.id, kind, &reason)
        .await
        .map(|v| card(&v))
        .map_err(team_error)
}

/// Proposes a previewed send to the wallet's team (approved by this
/// device at once; open for [`DEFAULT_EXPIRY`]).
#[tauri::command]
pub async fn propose_draft(
    app: State<'_, App>,
    request: ProposeDraft,
) -> Result<ProposalCard, ApiError> {
    let node = app.node().await?;
    let note = request.note.trim().to_owned();
    if note.len() > MAX_NOTE {
        return Err(crate::error::input(format!(
            "a note of at most {MAX_NOTE} bytes"
        )));
    }
    let draft = app.take_draft(&request.draft)?;
    node.propose(
        draft.wallet,
        draft.chain,
        draft.unsigned,
        note,
        DEFAULT_EXPIRY,
    )
    .await
    .map(|v| card(&v))
    .map_err(team_error)
}
