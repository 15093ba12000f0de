//! Failed calls as the UI shows them: the backend's `ApiError` (or
//! whatever else a rejected promise carried), and the global banner
//! (`#error`) that shows the latest one.

use accord_desktop_api::{ApiError, ErrorCode};
use leptos::prelude::*;

/// A failure to show: the error code as the backend spells it
/// (`keychain_unavailable`) and a message for people.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// The code, kept in the banner's `data-code`.
    pub code: String,
    /// The message.
    pub message: String,
}

impl Failure {
    /// A failure of code `code`.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Failure {
            code: code_name(code),
            message: message.into(),
        }
    }

    /// Whether this is the backend's `code`.
    pub fn is(&self, code: ErrorCode) -> bool {
        self.code == code_name(code)
    }
}

impl From<ApiError> for Failure {
    fn from(e: ApiError) -> Self {
        let message = if e.culprits.is_empty() {
            e.message
        } else {
            let blamed: Vec<String> = e
                .culprits
                .iter()
                .map(|c| format!("{} (party {})", c.name, c.party))
                .collect();
            format!("{} — involving {}", e.message, blamed.join(", "))
        };
        Failure::new(e.code, message)
    }
}

/// The name of `code` on the wire: the variant in snake case, as serde's
/// `rename_all = "snake_case"` writes it (`KeyMissing` → `key_missing`).
pub fn code_name(code: ErrorCode) -> String {
    let debug = format!("{code:?}");
    let mut out = String::with_capacity(debug.len() + 4);
    for (i, c) in debug.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The banner's state, shared through context.
#[derive(Clone, Copy)]
pub struct Errors(RwSignal<Option<Failure>>);

impl Errors {
    /// Creates the banner's state and provides it to every component below.
    pub fn provide() -> Self {
        let errors = Errors(RwSignal::new(None));
        provide_context(errors);
        errors
    }

    /// The banner's state (provided by [`Errors::provide`]).
    pub fn get() -> Self {
        use_context::<Errors>().unwrap_or_else(Errors::provide)
    }

    /// Shows `failure`.
    pub fn report(self, failure: Failure) {
        self.0.set(Some(failure));
    }

    /// Shows a problem found in the UI itself (a form that is not valid).
    pub fn invalid(self, message: impl Into<String>) {
        self.report(Failure::new(ErrorCode::InvalidInput, message));
    }

    /// Hides the banner (when the user starts something new).
    pub fn clear(self) {
        if self.0.with_untracked(Option::is_some) {
            self.0.set(None);
        }
    }
}

/// The global error banner: `#error` with the code in `data-code` and the
/// message in `#error-message`.
#[component]
pub fn ErrorBanner() -> impl IntoView {
    let errors = Errors::get();
    let failure = errors.0;
    view! {
        <div
            id="error"
            role="alert"
            hidden=move || failure.with(Option::is_none)
            data-code=move || failure.with(|f| f.as_ref().map(|f| f.code.clone()))
        >
            <span id="error-message">
                {move || failure.with(|f| f.as_ref().map(|f| f.message.clone()))}
            </span>
            <button
                id="error-dismiss"
                type="button"
                aria-label="Dismiss the error"
                on:click=move |_| errors.clear()
            >
                "×"
            </button>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_names_match_serde() {
        assert_eq!(code_name(ErrorCode::Locked), "locked");
        assert_eq!(
            code_name(ErrorCode::KeychainUnavailable),
            "keychain_unavailable"
        );
        assert_eq!(code_name(ErrorCode::InvalidInput), "invalid_input");
        assert_eq!(code_name(ErrorCode::NotFound), "not_found");
    }

    #[test]
    fn failure_from_api_error() {
        let f = Failure::from(ApiError::new(ErrorCode::KeyMissing, "gone"));
        assert_eq!(f.code, "key_missing");
        assert_eq!(f.message, "gone");
        assert!(f.is(ErrorCode::KeyMissing));
    }
}
