//! What the forms turn into: the requests of `accord-desktop-api`, checked
//! for what can be checked without the backend (which checks again).

use accord_desktop_api::{CreateWallet, SendRequest};

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
}
