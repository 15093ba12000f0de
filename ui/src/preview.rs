//! What a transaction does and what the wallet's policy says of it, shown
//! the same way on the Send screen and for each approval.

use accord_desktop_api::{PolicyVerdict, PreviewView, TransferView};
use leptos::prelude::*;

use crate::format;

fn transfer_items(class: &'static str, list: Vec<TransferView>) -> impl IntoView {
    list.into_iter()
        .map(|t| {
            view! {
                <li class=class>
                    <span class="amount">{t.amount}</span>
                    " → "
                    <code class="to">{t.to}</code>
                </li>
            }
        })
        .collect_view()
}

/// A transaction's preview: transfers (`.transfer`, `amount → to`),
/// change (`.change`), calls (`.call`), the fee (`.fee`, `max …` when it
/// is a maximum; `id=fee_id` where given), warnings (`.warning`) and
/// chain details (`.detail`).
#[component]
pub fn Preview(
    /// What to show.
    preview: PreviewView,
    /// The fee element's id (`preview-fee` on the Send screen).
    #[prop(optional)]
    fee_id: Option<&'static str>,
) -> impl IntoView {
    let PreviewView {
        chain,
        network,
        transfers,
        change,
        calls,
        fee,
        fee_is_maximum,
        warnings,
        details,
    } = preview;
    let no_transfers = transfers.is_empty();
    let has_change = !change.is_empty();
    let has_calls = !calls.is_empty();
    let has_warnings = !warnings.is_empty();
    let has_details = !details.is_empty();
    let data_chain = chain.clone();
    view! {
        <div class="preview" data-chain=data_chain>
            <p class="preview-chain">{format!("{chain} on {network}")}</p>
            {has_warnings
                .then(|| {
                    view! {
                        <ul class="warnings">
                            {warnings
                                .into_iter()
                                .map(|w| view! { <li class="warning">{w}</li> })
                                .collect_view()}
                        </ul>
                    }
                })}
            <h4>"Sends"</h4>
            <ul class="transfers">
                {transfer_items("transfer", transfers)}
                {no_transfers.then(|| view! { <li class="none">"Nothing leaves the wallet."</li> })}
            </ul>
            {has_change
                .then(|| {
                    view! {
                        <h4>"Change back to the wallet"</h4>
                        <ul class="changes">{transfer_items("change", change)}</ul>
                    }
                })}
            {has_calls
                .then(|| {
                    view! {
                        <h4>"Calls"</h4>
                        <ul class="calls">
                            {calls
                                .into_iter()
                                .map(|c| {
                                    view! {
                                        <li class="call">
                                            <code>
                                                {format::call_text(&c.program, &c.function, &c.args)}
                                            </code>
                                        </li>
                                    }
                                })
                                .collect_view()}
                        </ul>
                    }
                })}
            <p class="fee-row">
                "Fee: " <span class="fee" id=fee_id>{format::fee_text(&fee, fee_is_maximum)}</span>
            </p>
            {has_details
                .then(|| {
                    view! {
                        <dl class="details">
                            {details
                                .into_iter()
                                .map(|(k, v)| {
                                    view! {
                                        <div class="detail">
                                            <dt>{k}</dt>
                                            <dd>{v}</dd>
                                        </div>
                                    }
                                })
                                .collect_view()}
                        </dl>
                    }
                })}
        </div>
    }
}

/// What the wallet's policy in force says — what the recovery server will
/// decide: `data-verdict` is `none`, `allowed`, `delayed` or `violated`;
/// the verdict in words (`.policy-text`), each broken rule (or reason to
/// wait) a `.violation`.
#[component]
pub fn Policy(
    /// The verdict.
    verdict: PolicyVerdict,
    /// The element's id (`send-policy` on the Send screen).
    #[prop(optional)]
    id: Option<&'static str>,
) -> impl IntoView {
    let (kind, text) = verdict_text(&verdict);
    view! {
        <div class="policy" id=id data-verdict=kind>
            <p>{text}</p>
            {(!verdict.text.is_empty())
                .then(|| view! { <p class="policy-text">{verdict.text.clone()}</p> })}
            {(!verdict.violations.is_empty())
                .then(|| {
                    view! {
                        <ul class="violations">
                            {verdict
                                .violations
                                .into_iter()
                                .map(|v| view! { <li class="violation">{v}</li> })
                                .collect_view()}
                        </ul>
                    }
                })}
        </div>
    }
}

/// The verdict's kind and sentence.
pub fn verdict_text(verdict: &PolicyVerdict) -> (&'static str, &'static str) {
    if !verdict.has_policy {
        (
            "none",
            "No policy is in force for this wallet: the recovery server signs nothing.",
        )
    } else if verdict.allowed {
        ("allowed", "The wallet's policy allows this transaction.")
    } else if verdict.delayed {
        (
            "delayed",
            "The recovery server signs this only after the policy's delay:",
        )
    } else {
        (
            "violated",
            "The wallet's policy does not allow this transaction:",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts() {
        let mut v = PolicyVerdict {
            has_policy: false,
            allowed: true,
            violations: vec![],
            text: String::new(),
            delayed: false,
        };
        assert_eq!(verdict_text(&v).0, "none");
        v.has_policy = true;
        assert_eq!(verdict_text(&v).0, "allowed");
        v.allowed = false;
        assert_eq!(verdict_text(&v).0, "violated");
        v.delayed = true;
        assert_eq!(verdict_text(&v).0, "delayed");
    }
}
