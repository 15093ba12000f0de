//! What a co-signer shows its user before it signs, computed from the raw
//! unsigned bytes alone (plus, when given, the wallet's own addresses).
//!
//! JSON (`serde_json::to_value(&preview)`):
//! `{"chain","network","transfers":[{"to","amount","asset",..}],"fee","warnings":[..],..,"effects":[{"kind",..}]}`
//! with amounts and the fee as decimal strings of base units, `asset` either
//! `"native"` or the token contract / mint, each warning one string that
//! starts with a stable code (`"unlimited_approval: ..."`), and the typed
//! [`Effect`]s as [`crate::effect`] describes.

use std::collections::BTreeMap;

use alloy_primitives::U256;
use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};

use crate::amount::Amount;
use crate::chain::Chain;
use crate::effect::Effect;

/// What moves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Asset {
    /// BTC, ETH (or the EVM chain's coin), SOL.
    Native,
    /// A token: ERC-20 contract or SPL mint.
    Token {
        /// The contract (EIP-55) or mint (base58) address.
        address: String,
        /// Its symbol, when known.
        symbol: Option<String>,
    },
}

impl Serialize for Asset {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Asset::Native => s.serialize_str("native"),
            Asset::Token { address, .. } => s.serialize_str(address),
        }
    }
}

/// One movement of value to a recipient.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transfer {
    /// The recipient's address, in the chain's canonical text form.
    pub to: String,
    /// How much, in base units (decimals known when `amount.decimals()` is meaningful).
    pub amount: Amount,
    /// What.
    pub asset: Asset,
    /// The asset's display symbol (`"BTC"`, `"ETH"`, `"SOL"`, a token's), if known.
    pub symbol: Option<String>,
    /// Whether the decimals are known (an SPL `Transfer` or an ERC-20 with no
    /// metadata shows base units only).
    pub decimals_known: bool,
}

impl Transfer {
    /// `"1.5 BTC"`, or base units when the decimals are unknown.
    pub fn display(&self) -> String {
        let symbol = self.symbol.as_deref().unwrap_or("units");
        if self.decimals_known {
            format!("{} {symbol}", self.amount)
        } else {
            format!("{} base units", self.amount.units())
        }
    }
}

impl Serialize for Transfer {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Transfer", 6)?;
        st.serialize_field("to", &self.to)?;
        st.serialize_field("amount", &self.amount.units().to_string())?;
        st.serialize_field("asset", &self.asset)?;
        st.serialize_field("display", &self.display())?;
        st.serialize_field("symbol", &self.symbol)?;
        st.serialize_field(
            "decimals",
            &self.decimals_known.then_some(self.amount.decimals()),
        )?;
        st.end()
    }
}

/// How sure the fee is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FeeKind {
    /// Exactly this (Bitcoin: inputs − outputs; Solana: signatures and priority fee).
    Exact,
    /// At most this (Ethereum: gas limit × max fee per gas).
    Maximum,
}

/// Something the user should read twice.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Warning {
    /// A contract call this preview cannot decode.
    UnknownCalldata {
        /// The contract.
        to: String,
        /// The 4-byte selector, hex, if there is one.
        selector: Option<String>,
    },
    /// An approval for the maximum amount.
    UnlimitedApproval {
        /// The token.
        token: String,
        /// Who may spend it.
        spender: String,
    },
    /// The fee is more than 5% of the native amount sent.
    HighFeeRatio {
        /// The fee.
        fee: Amount,
        /// The native amount sent.
        sent: Amount,
    },
    /// The fee is above the chain's fixed cap.
    FeeAboveCap {
        /// The fee.
        fee: Amount,
        /// The cap.
        cap: Amount,
    },
    /// A transfer to the wallet's own address.
    SendToSelf {
        /// The address.
        to: String,
    },
    /// The transaction deploys a contract.
    ContractCreation,
    /// An instruction of a program this preview does not decode.
    UnknownInstruction {
        /// The program id.
        program: String,
    },
    /// An output or instruction this preview decodes only in part.
    Unusual {
        /// What.
        detail: String,
    },
}

impl Warning {
    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Warning::UnknownCalldata { .. } => "unknown_calldata",
            Warning::UnlimitedApproval { .. } => "unlimited_approval",
            Warning::HighFeeRatio { .. } => "high_fee",
            Warning::FeeAboveCap { .. } => "fee_above_cap",
            Warning::SendToSelf { .. } => "send_to_self",
            Warning::ContractCreation => "contract_creation",
            Warning::UnknownInstruction { .. } => "unknown_instruction",
            Warning::Unusual { .. } => "unusual",
        }
    }
}

impl core::fmt::Display for Warning {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}: ", self.code())?;
        match self {
            Warning::UnknownCalldata { to, selector } => match selector {
                Some(sel) => write!(f, "call to {to} with unknown function selector 0x{sel}"),
                None => write!(f, "call to {to} with calldata too short to decode"),
            },
            Warning::UnlimitedApproval { token, spender } => {
                write!(
                    f,
                    "{spender} may spend an unlimited amount of token {token}"
                )
            }
            Warning::HighFeeRatio { fee, sent } => {
                write!(
                    f,
                    "the fee ({fee}) is more than 5% of the amount sent ({sent})"
                )
            }
            Warning::FeeAboveCap { fee, cap } => write!(f, "the fee ({fee}) is above {cap}"),
            Warning::SendToSelf { to } => write!(f, "sends to the wallet's own address {to}"),
            Warning::ContractCreation => write!(f, "deploys a new contract"),
            Warning::UnknownInstruction { program } => {
                write!(
                    f,
                    "runs an instruction of program {program} that cannot be previewed"
                )
            }
            Warning::Unusual { detail } => f.write_str(detail),
        }
    }
}

impl Serialize for Warning {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

/// A decoded contract call or program instruction.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Call {
    /// The contract or program.
    pub program: String,
    /// `transfer`, `approve`, `transferFrom`, `TransferChecked`, ...
    pub function: String,
    /// Named arguments, as text.
    pub args: BTreeMap<String, String>,
}

/// A preview of one unsigned transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Preview {
    /// The chain.
    pub chain: Chain,
    /// `mainnet`, `testnet`, `signet`, `regtest`; for EVM chains the name or
    /// `chain-<id>`; for Solana the network the caller named.
    pub network: String,
    /// Value leaving the wallet, in order.
    pub transfers: Vec<Transfer>,
    /// Outputs recognised as the wallet's own (Bitcoin change).
    pub change: Vec<Transfer>,
    /// The fee, in the native asset.
    pub fee: Amount,
    /// Exact or maximum.
    pub fee_kind: FeeKind,
    /// Decoded calls and instructions.
    pub calls: Vec<Call>,
    /// Warnings, most important first.
    pub warnings: Vec<Warning>,
    /// What the transaction does, typed (for the approval policy; see
    /// [`crate::effect`]). Its [`Effect::Transfer`]s are `transfers`.
    pub effects: Vec<Effect>,
    /// Chain-specific facts (`nonce`, `chain_id`, `gas_limit`, `fee_payer`,
    /// `recent_blockhash`, `txid`, ...).
    pub details: BTreeMap<String, String>,
}

impl Serialize for Preview {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Preview", 11)?;
        st.serialize_field("chain", &self.chain)?;
        st.serialize_field("network", &self.network)?;
        st.serialize_field("transfers", &self.transfers)?;
        st.serialize_field("fee", &self.fee.units().to_string())?;
        st.serialize_field("warnings", &self.warnings)?;
        st.serialize_field("fee_display", &self.fee.to_string())?;
        st.serialize_field("fee_kind", &self.fee_kind)?;
        st.serialize_field("change", &self.change)?;
        st.serialize_field("calls", &self.calls)?;
        st.serialize_field("details", &self.details)?;
        st.serialize_field("effects", &self.effects)?;
        st.end()
    }
}

/// The fee warnings every chain applies: above `cap`, or above 5% of the
/// native amount sent (when something native is sent at all).
pub fn fee_warnings(fee: Amount, transfers: &[Transfer], cap: Amount) -> Vec<Warning> {
    let mut out = Vec::new();
    if fee.units() > cap.units() {
        out.push(Warning::FeeAboveCap { fee, cap });
    }
    let sent: U256 = transfers
        .iter()
        .filter(|t| t.asset == Asset::Native)
        .fold(U256::ZERO, |acc, t| acc.saturating_add(t.amount.units()));
    // fee > 5% of sent  ⇔  20·fee > sent
    if !sent.is_zero() && fee.units().saturating_mul(U256::from(20u8)) > sent {
        out.push(Warning::HighFeeRatio {
            fee,
            sent: Amount::from_units(sent, fee.decimals()),
        });
    }
    out
}

/// A [`Warning::SendToSelf`] for each transfer to one of `own`.
pub fn self_send_warnings(transfers: &[Transfer], own: &[String]) -> Vec<Warning> {
    transfers
        .iter()
        .filter(|t| own.iter().any(|o| o.eq_ignore_ascii_case(&t.to)))
        .map(|t| Warning::SendToSelf { to: t.to.clone() })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn native(to: &str, units: u64) -> Transfer {
        Transfer {
            to: to.into(),
            amount: Amount::from_u64(units, 8),
            asset: Asset::Native,
            symbol: Some("BTC".into()),
            decimals_known: true,
        }
    }

    #[test]
    fn json_shape() {
        let p = Preview {
            chain: Chain::Bitcoin,
            network: "regtest".into(),
            transfers: vec![native("bcrt1p…", 150_000_000)],
            change: vec![],
            fee: Amount::from_u64(1_000, 8),
            fee_kind: FeeKind::Exact,
            calls: vec![],
            warnings: vec![Warning::ContractCreation],
            effects: vec![
                Effect::ContractCreation { address: None },
                Effect::Transfer(native("bcrt1p…", 150_000_000)),
            ],
            details: BTreeMap::new(),
        };
        let v = serde_json::to_value(&p).unwrap();
        assert_eq!(v["chain"], "bitcoin");
        assert_eq!(v["network"], "regtest");
        assert_eq!(v["transfers"][0]["to"], "bcrt1p…");
        assert_eq!(v["transfers"][0]["amount"], "150000000");
        assert_eq!(v["transfers"][0]["asset"], "native");
        assert_eq!(v["transfers"][0]["display"], "1.5 BTC");
        assert_eq!(v["fee"], "1000");
        assert_eq!(
            v["warnings"][0],
            "contract_creation: deploys a new contract"
        );
        assert_eq!(v["effects"][0]["kind"], "contract_creation");
        assert_eq!(v["effects"][1]["kind"], "transfer");
        assert_eq!(v["effects"][1]["amount"], "150000000");
    }

    #[test]
    fn fee_rules() {
        let cap = Amount::from_u64(100_000, 8);
        let t = [native("a", 1_000_000)];
        assert!(fee_warnings(Amount::from_u64(50_000, 8), &t, cap).is_empty());
        let w = fee_warnings(Amount::from_u64(50_001, 8), &t, cap);
        assert_eq!(
            w.iter().map(Warning::code).collect::<Vec<_>>(),
            ["high_fee"]
        );
        let w = fee_warnings(Amount::from_u64(100_001, 8), &[], cap);
        assert_eq!(
            w.iter().map(Warning::code).collect::<Vec<_>>(),
            ["fee_above_cap"]
        );
    }
}
