//! Requests from other members, answered on the Approvals screen.

use accord_desktop_api::{ApiError, ApprovalView, Decide, ErrorCode};
use accord_node::approve::Decision;
use tauri::State;

use crate::state::App;

/// The requests waiting for the user.
#[tauri::command]
pub async fn approvals(app: State<'_, App>) -> Result<Vec<ApprovalView>, ApiError> {
    Ok(app.approver.pending())
}

/// Approves or rejects one.
#[tauri::command]
pub async fn decide(app: State<'_, App>, request: Decide) -> Result<(), ApiError> {
    let decision = if request.approve {
        Decision::Approve
    } else {
        let reason = request
            .reason
            .map(|r| r.trim().to_owned())
            .filter(|r| !r.is_empty())
            .unwrap_or_else(|| "rejected on the desktop".into());
        Decision::Reject(reason)
    };
    if app.approver.decide(request.id, decision) {
        Ok(())
    } else {
        Err(ApiError::new(
            ErrorCode::NotFound,
            "that request is no longer waiting (it was answered or timed out)",
        ))
    }
}
