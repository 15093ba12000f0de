//! What the forms turn into: the requests of `accord-desktop-api`, checked
//! for what can be checked without the backend (which checks again).

use accord_desktop_api::{CreateWallet, PolicyChange, SendRequest};

/// The networks a wallet can be on, in the order the selects show them.
pub const NETWORKS: [&str; 4] = ["regtest", "testnet", "signet", "mainnet"];

/// The chains, in the order the UI shows them.
pub const CHAINS: [&str; 3] = ["bitcoin", "ethereum", "solana"];

/// The create form as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CreateForm {
    /// The wallet's name.
    pub name: String,
    /// The threshold as typed.
    pub threshold: String,
    /// The network.
    pub network: String,
    /// The peer ticket inputs, empty ones included.
    pub tickets: Vec<String>,
    /// The first policy's delay in seconds, as typed (empty: the
    /// default's).
    pub policy_delay: String,
}

/// Seconds as typed: a whole number, or `None` when empty.
fn seconds(text: &str, what: &str) -> Result<Option<u64>, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    t.parse()
        .map(Some)
        .map_err(|_| format!("{what} must be a whole number of seconds."))
}

impl CreateForm {
    /// The request, or what is wrong with the form.
    pub fn request(&self) -> Result<CreateWallet, String> {
        let name = self.name.trim();
        if name.is_empty() {
            return Err("Give the wallet a name.".to_owned());
        }
        let tickets: Vec<String> = self
            .tickets
            .iter()
            .map(|t| t.trim())
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .collect();
        if tickets.is_empty() {
            return Err("Paste the pairing ticket of at least one other device.".to_owned());
        }
        let parties = tickets.len() + 1;
        let threshold: u16 = self
            .threshold
            .trim()
            .parse()
            .map_err(|_| "The threshold must be a whole number.".to_owned())?;
        if threshold < 1 || usize::from(threshold) > parties {
            return Err(format!(
                "The threshold must be between 1 and {parties} (the number of devices)."
            ));
        }
        if !NETWORKS.contains(&self.network.as_str()) {
            return Err(format!("Unknown network {:?}.", self.network));
        }
        Ok(CreateWallet {
            name: name.to_owned(),
            threshold,
            network: self.network.clone(),
            tickets,
            policy_delay_secs: seconds(&self.policy_delay, "The policy's delay")?,
        })
    }
}

/// The send form as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SendForm {
    /// The wallet's id.
    pub wallet_id: String,
    /// The chain.
    pub chain: String,
    /// The recipient.
    pub to: String,
    /// The amount in whole units.
    pub amount: String,
    /// A token, or empty for the native asset.
    pub token: String,
}

impl SendForm {
    /// The request, or what is wrong with the form.
    pub fn request(&self) -> Result<SendRequest, String> {
        if self.wallet_id.is_empty() {
            return Err("Choose a wallet.".to_owned());
        }
        if !CHAINS.contains(&self.chain.as_str()) {
            return Err(format!("Unknown chain {:?}.", self.chain));
        }
        let to = self.to.trim();
        if to.is_empty() {
            return Err("Enter the recipient's address.".to_owned());
        }
        let amount = self.amount.trim();
        if amount.is_empty() {
            return Err("Enter an amount.".to_owned());
        }
        let token = self.token.trim();
        Ok(SendRequest {
            wallet_id: self.wallet_id.clone(),
            chain: self.chain.clone(),
            to: to.to_owned(),
            amount: amount.to_owned(),
            token: (!token.is_empty()).then(|| token.to_owned()),
        })
    }
}

/// The policy change form as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PolicyForm {
    /// The wallet's id.
    pub wallet_id: String,
    /// The chain.
    pub chain: String,
    /// Its EVM chain id, as typed.
    pub chain_id: String,
    /// Per transfer, in the native coin.
    pub max_per_tx: String,
    /// Per window, in the native coin.
    pub max_per_window: String,
    /// The window in seconds.
    pub window: String,
    /// Delay transfers over this, in the native coin.
    pub delay_over: String,
    /// `""` (unchanged), `book-only`, `book-or-delay`, `anyone`.
    pub recipients: String,
    /// An address for the book.
    pub allow_address: String,
    /// Its name.
    pub allow_name: String,
    /// The wallet's delay in seconds.
    pub delay: String,
}

impl PolicyForm {
    /// The request, or what is wrong with the form.
    pub fn request(&self) -> Result<PolicyChange, String> {
        if self.wallet_id.is_empty() {
            return Err("Choose a wallet.".to_owned());
        }
        if !CHAINS.contains(&self.chain.as_str()) {
            return Err(format!("Unknown chain {:?}.", self.chain));
        }
        let chain_id = if self.chain == "ethereum" {
            let id = self.chain_id.trim();
            Some(
                id.parse()
                    .map_err(|_| "Ethereum rules need a chain id (1 mainnet, 31337 Anvil, …).")?,
            )
        } else {
            None
        };
        let text = |t: &str| Some(t.trim().to_owned()).filter(|t| !t.is_empty());
        let change = PolicyChange {
            wallet_id: self.wallet_id.clone(),
            chain: self.chain.clone(),
            chain_id,
            max_per_tx: text(&self.max_per_tx),
            max_per_window: text(&self.max_per_window),
            window_secs: seconds(&self.window, "The window")?,
            delay_over: text(&self.delay_over),
            recipients: text(&self.recipients),
            allow: text(&self.allow_address).map(|a| (a, self.allow_name.trim().to_owned())),
            delay_secs: seconds(&self.delay, "The delay")?,
        };
        if change.max_per_window.is_some() != change.window_secs.is_some() {
            return Err("Give the maximum per window and the window's length together.".to_owned());
        }
        let unchanged = PolicyChange {
            wallet_id: change.wallet_id.clone(),
            chain: change.chain.clone(),
            chain_id: change.chain_id,
            ..PolicyChange::default()
        };
        if change == unchanged {
            return Err("Change at least one rule.".to_owned());
        }
        Ok(change)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn create() -> CreateForm {
        CreateForm {
            name: " family ".to_owned(),
            threshold: "2".to_owned(),
            network: "regtest".to_owned(),
            tickets: vec![
                " accord1a ".to_owned(),
                String::new(),
                "accord1b".to_owned(),
            ],
            policy_delay: String::new(),
        }
    }

    #[test]
    fn create_request_trims_and_drops_empty_tickets() {
        let req = create().request().unwrap();
        assert_eq!(req.name, "family");
        assert_eq!(req.threshold, 2);
        assert_eq!(req.tickets, ["accord1a", "accord1b"]);
    }

    #[test]
    fn create_request_rejects_bad_input() {
        let mut f = create();
        f.threshold = "4".to_owned();
        assert!(f.request().unwrap_err().contains("between 1 and 3"));
        f.threshold = "0".to_owned();
        assert!(f.request().is_err());
        f.threshold = "two".to_owned();
        assert!(f.request().is_err());
        let mut f = create();
        f.tickets = vec![" ".to_owned()];
        assert!(f.request().is_err());
        let mut f = create();
        f.name = "  ".to_owned();
        assert!(f.request().is_err());
        let mut f = create();
        f.network = "moonnet".to_owned();
        assert!(f.request().is_err());
    }

    #[test]
    fn send_request() {
        let mut f = SendForm {
            wallet_id: "w1".to_owned(),
            chain: "ethereum".to_owned(),
            to: " 0xabc ".to_owned(),
            amount: "0.5".to_owned(),
            token: "  ".to_owned(),
        };
        let req = f.request().unwrap();
        assert_eq!(req.to, "0xabc");
        assert_eq!(req.token, None);
        f.token = " 0xtoken".to_owned();
        assert_eq!(f.request().unwrap().token.as_deref(), Some("0xtoken"));
        f.amount = String::new();
        assert!(f.request().is_err());
        f.amount = "1".to_owned();
        f.wallet_id = String::new();
        assert!(f.request().is_err());
    }

    fn policy() -> PolicyForm {
        PolicyForm {
            wallet_id: "w".to_owned(),
            chain: "ethereum".to_owned(),
            chain_id: "31337".to_owned(),
            max_per_tx: " 1 ".to_owned(),
            ..PolicyForm::default()
        }
    }

    #[test]
    fn policy_changes() {
        let r = policy().request().unwrap();
        assert_eq!(r.chain_id, Some(31337));
        assert_eq!(r.max_per_tx.as_deref(), Some("1"));
        assert_eq!(r.delay_secs, None);
        let mut f = policy();
        f.chain_id = String::new();
        assert!(f.request().unwrap_err().contains("chain id"));
        let mut f = policy();
        f.max_per_tx = String::new();
        assert!(f.request().unwrap_err().contains("at least one"));
        f.max_per_window = "2".to_owned();
        assert!(f.request().unwrap_err().contains("together"));
        f.window = "3600".to_owned();
        assert_eq!(f.request().unwrap().window_secs, Some(3600));
        let mut f = policy();
        f.chain = "bitcoin".to_owned();
        f.delay = "x".to_owned();
        assert!(f.request().unwrap_err().contains("whole number"));
        f.delay = "60".to_owned();
        let r = f.request().unwrap();
        assert_eq!((r.chain_id, r.delay_secs), (None, Some(60)));
        let mut c = create();
        c.policy_delay = "8".to_owned();
        assert_eq!(c.request().unwrap().policy_delay_secs, Some(8));
    }
}
