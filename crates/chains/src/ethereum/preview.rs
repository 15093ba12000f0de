//! The preview of an unsigned EIP-1559, EIP-2930 or legacy (EIP-155)
//! transaction, computed from its bytes alone (plus, when given, the
//! wallet's address): network from the chain id, the ETH sent, ERC-20
//! `transfer` / `approve` / `transferFrom` decoded, the maximum fee
//! (`gas_limit × max_fee_per_gas`, or `× gas_price`) and warnings for what
//! deserves a second look.
//!
//! Warnings, most important first: contract creation; calldata that cannot be
//! decoded (an ERC-20 selector with arguments too short to decode), or ERC-20
//! calldata that is not canonical but that tokens still execute (trailing
//! bytes, dirty address words: the transfer is shown as the token executes
//! it); unlimited ERC-20 approvals (≥ `type(uint96).max`); anything else unusual (tokens sent to their own contract, ETH
//! to the zero address, a tip above the fee cap); sending to the wallet
//! itself; a fee above the network's cap or above 5% of the ETH sent.
//!
//! Effects ([`crate::effect`]): the contract creation, the ETH sent, per
//! ERC-20 (EIP-20) call a token call followed by the wallet's tokens it
//! moves or the allowance it grants, and calldata that cannot be decoded
//! (an unknown selector, or an ERC-20 selector with arguments that are not
//! a valid encoding) as unknown.

use std::collections::BTreeMap;

use alloy_primitives::{Address, TxKind, U256};

use crate::amount::Amount;
use crate::chain::Chain;
use crate::effect::{Effect, TokenFunction};
use crate::ethereum::address::checksummed;
use crate::ethereum::erc20::{self, Decoded, Erc20Call, UNLIMITED_APPROVAL};
use crate::ethereum::network::{NATIVE_DECIMALS, Network};
use crate::ethereum::tokens;
use crate::ethereum::tx::{DecodeError, Gas, TxType, UnsignedTx};
use crate::preview::{
    Asset, Call, FeeKind, Preview, Transfer, Warning, fee_warnings, self_send_warnings,
};

/// Why there is no preview.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PreviewError {
    /// The bytes are not an unsigned EIP-1559 transaction.
    #[error(transparent)]
    Decode(#[from] DecodeError),
}

/// Previews the unsigned EIP-2718 transaction `bytes`; `wallet` is the
/// sending wallet's address, when known (self-sends, `transferFrom` out of
/// the wallet, the address a deployment creates).
pub fn preview(bytes: &[u8], wallet: Option<Address>) -> Result<Preview, PreviewError> {
    let tx = UnsignedTx::decode(bytes)?;
    let f = tx.fields();
    let network = Network::from_chain_id(f.chain_id);
    let mut out = Findings::default();

    let to_text = match f.to {
        TxKind::Create => {
            out.first.push(Warning::ContractCreation);
            let created = wallet.map(|w| checksummed(&w.create(f.nonce)));
            out.effects.push(Effect::ContractCreation {
                address: created.clone(),
            });
            let target = created
                .clone()
                .unwrap_or_else(|| "(new contract)".to_owned());
            if !f.value.is_zero() {
                out.transfer(native(&network, target, f.value));
            }
            if let Some(created) = created {
                out.details.insert("contract_address".into(), created);
            }
            "(contract creation)".to_owned()
        }
        TxKind::Call(to) => {
            let to_text = checksummed(&to);
            if !f.value.is_zero() || f.input.is_empty() {
                out.transfer(native(&network, to_text.clone(), f.value));
                if to.is_zero() && !f.value.is_zero() {
                    out.unusual(format!(
                        "sends {} to the zero address, where it is lost",
                        native_display(&network, f.value)
                    ));
                }
            }
            if !f.input.is_empty() {
                out.contract_call(&network, to, &f.input, wallet);
            }
            to_text
        }
    };

    let gas = Gas {
        gas_limit: f.gas_limit,
        max_fee_per_gas: f.max_fee_per_gas,
        max_priority_fee_per_gas: f.max_priority_fee_per_gas,
    };
    if gas.max_priority_fee_per_gas > gas.max_fee_per_gas {
        out.unusual(format!(
            "the priority fee per gas ({}) is above the maximum fee per gas ({}): nodes will refuse it",
            gas.max_priority_fee_per_gas, gas.max_fee_per_gas
        ));
    }
    let fee = Amount::from_units(gas.max_fee(), NATIVE_DECIMALS);
    let own: Vec<String> = wallet.iter().map(checksummed).collect();
    let self_sends = self_send_warnings(&out.transfers, &own);
    let fees = fee_warnings(fee, &out.transfers, network.fee_cap);

    let mut details = out.details;
    details.insert("tx_type".into(), f.tx_type.name().into());
    details.insert("chain_id".into(), f.chain_id.to_string());
    details.insert("nonce".into(), f.nonce.to_string());
    details.insert("gas_limit".into(), f.gas_limit.to_string());
    if f.tx_type == TxType::Eip1559 {
        details.insert("max_fee_per_gas".into(), f.max_fee_per_gas.to_string());
        details.insert(
            "max_priority_fee_per_gas".into(),
            f.max_priority_fee_per_gas.to_string(),
        );
    } else {
        // Legacy and EIP-2930: one gas price, paid in full.
        details.insert("gas_price".into(), f.max_fee_per_gas.to_string());
    }
    details.insert("to".into(), to_text);
    details.insert("value".into(), f.value.to_string());
    details.insert("data_length".into(), f.input.len().to_string());
    details.insert(
        "signing_hash".into(),
        format!("0x{}", hex::encode(tx.signing_hash())),
    );
    if !f.access_list.0.is_empty() {
        details.insert(
            "access_list_entries".into(),
            f.access_list.0.len().to_string(),
        );
    }
    if let Some(from) = own.first() {
        details.insert("from".into(), from.clone());
    }

    let warnings = [
        out.first,
        out.calldata,
        out.approvals,
        out.others,
        self_sends,
        fees,
    ]
    .into_iter()
    .flatten()
    .collect();
    Ok(Preview {
        chain: Chain::Ethereum,
        network: network.name,
        transfers: out.transfers,
        change: Vec::new(),
        fee,
        fee_kind: FeeKind::Maximum,
        calls: out.calls,
        warnings,
        effects: out.effects,
        details,
    })
}

/// What the parts of a transaction contribute, warnings grouped by importance.
#[derive(Default)]
struct Findings {
    transfers: Vec<Transfer>,
    calls: Vec<Call>,
    effects: Vec<Effect>,
    first: Vec<Warning>,
    calldata: Vec<Warning>,
    approvals: Vec<Warning>,
    others: Vec<Warning>,
    details: BTreeMap<String, String>,
}

impl Findings {
    fn unusual(&mut self, detail: String) {
        self.others.push(Warning::Unusual { detail });
    }

    /// Value leaving the wallet: a transfer, and its effect.
    fn transfer(&mut self, transfer: Transfer) {
        self.effects.push(Effect::Transfer(transfer.clone()));
        self.transfers.push(transfer);
    }

    /// Decodes `input` sent to `contract`.
    fn contract_call(
        &mut self,
        network: &Network,
        contract: Address,
        input: &[u8],
        wallet: Option<Address>,
    ) {
        let contract_text = checksummed(&contract);
        let call = match erc20::decode(input) {
            Decoded::Call(call) => call,
            Decoded::NonCanonical {
                call,
                extra_bytes,
                dirty_addresses,
            } => {
                let mut how = Vec::new();
                if extra_bytes > 0 {
                    how.push(format!(
                        "{extra_bytes} extra bytes after its arguments, which tokens ignore"
                    ));
                }
                if !dirty_addresses.is_empty() {
                    let names: Vec<String> =
                        dirty_addresses.iter().map(|n| format!("`{n}`")).collect();
                    how.push(format!(
                        "a non-canonical address word for {} (non-zero high bytes), which \
                         ABI-v1 tokens such as USDT ignore, using the low 20 bytes shown here \
                         (newer tokens revert)",
                        names.join(" and ")
                    ));
                }
                self.calldata.push(Warning::Unusual {
                    detail: format!(
                        "call to {contract_text} is ERC-20 {} with non-canonical calldata: {}; \
                         it is shown as the token executes it — a correct wallet or dapp \
                         never encodes it like this",
                        call.signature(),
                        how.join("; ")
                    ),
                });
                call
            }
            Decoded::Malformed { signature, len } => {
                self.effects.push(Effect::Unknown {
                    program: contract_text.clone(),
                    detail: format!(
                        "{len} bytes of calldata with the selector of ERC-20 {signature} \
                         that are not a valid encoding of it"
                    ),
                });
                self.calldata.push(Warning::Unusual {
                    detail: format!(
                        "call to {contract_text} has the selector of ERC-20 {signature}, \
                         but its {len} bytes of calldata are not a valid encoding of it"
                    ),
                });
                return;
            }
            Decoded::Unknown { selector } => {
                let selector = selector.map(hex::encode);
                self.effects.push(Effect::Unknown {
                    program: contract_text.clone(),
                    detail: match &selector {
                        Some(sel) => format!("unknown function selector 0x{sel}"),
                        None => "calldata too short to hold a function selector".to_owned(),
                    },
                });
                self.calldata.push(Warning::UnknownCalldata {
                    to: contract_text,
                    selector,
                });
                return;
            }
        };
        let token = Token::new(network.chain_id, contract);
        let (function, from, to, amount) = match call {
            Erc20Call::Transfer { to, amount } => (TokenFunction::Transfer, None, Some(to), amount),
            Erc20Call::Approve { amount, .. } => (TokenFunction::Approve, None, None, amount),
            Erc20Call::TransferFrom { from, to, amount } => {
                (TokenFunction::TransferFrom, Some(from), Some(to), amount)
            }
        };
        self.effects.push(Effect::TokenCall {
            contract: contract_text.clone(),
            function,
            from: from.as_ref().map(checksummed),
            to: to.as_ref().map(checksummed),
            amount: Some(amount),
        });
        let mut args = BTreeMap::new();
        match call {
            Erc20Call::Transfer { to, amount } => {
                args.insert("to".into(), checksummed(&to));
                self.token_transfer(&token, to, amount);
            }
            Erc20Call::Approve { spender, amount } => {
                args.insert("spender".into(), checksummed(&spender));
                let unlimited = amount >= UNLIMITED_APPROVAL;
                self.effects.push(Effect::Approval {
                    token: contract_text.clone(),
                    spender: checksummed(&spender),
                    amount,
                    unlimited,
                });
                if unlimited {
                    self.approvals.push(Warning::UnlimitedApproval {
                        token: token.display_name(),
                        spender: checksummed(&spender),
                    });
                }
            }
            Erc20Call::TransferFrom { from, to, amount } => {
                args.insert("from".into(), checksummed(&from));
                args.insert("to".into(), checksummed(&to));
                // Value leaves the wallet only when it moves the wallet's own tokens.
                if wallet.is_none_or(|w| w == from) {
                    self.token_transfer(&token, to, amount);
                }
            }
        }
        args.insert("amount".into(), amount.to_string());
        args.insert("amount_display".into(), token.display(amount));
        self.calls.push(Call {
            program: contract_text,
            function: call.function().to_owned(),
            args,
        });
    }

    fn token_transfer(&mut self, token: &Token, to: Address, amount: U256) {
        if to == token.address {
            self.unusual(format!(
                "sends {} to the token contract itself, where it is usually lost",
                token.display(amount)
            ));
        }
        self.transfer(Transfer {
            to: checksummed(&to),
            amount: Amount::from_units(amount, token.decimals.unwrap_or(0)),
            asset: Asset::Token {
                address: checksummed(&token.address),
                symbol: token.symbol.map(str::to_owned),
            },
            symbol: token.symbol.map(str::to_owned),
            decimals_known: token.decimals.is_some(),
        });
    }
}

/// A token contract and what [`tokens`] knows of it.
struct Token {
    address: Address,
    symbol: Option<&'static str>,
    decimals: Option<u8>,
}

impl Token {
    fn new(chain_id: u64, address: Address) -> Token {
        let known = tokens::lookup(chain_id, &address);
        Token {
            address,
            symbol: known.map(|t| t.symbol),
            decimals: known.map(|t| t.decimals),
        }
    }

    /// `USDC (0xA0b8…)` or the address.
    fn display_name(&self) -> String {
        match self.symbol {
            Some(symbol) => format!("{symbol} ({})", checksummed(&self.address)),
            None => checksummed(&self.address),
        }
    }

    /// `12.5 USDC`, or base units when the decimals are unknown.
    fn display(&self, amount: U256) -> String {
        match (self.decimals, self.symbol) {
            (Some(decimals), Some(symbol)) => {
                format!("{} {symbol}", Amount::from_units(amount, decimals))
            }
            _ => format!(
                "{amount} base units of token {}",
                checksummed(&self.address)
            ),
        }
    }
}

fn native(network: &Network, to: String, value: U256) -> Transfer {
    Transfer {
        to,
        amount: Amount::from_units(value, NATIVE_DECIMALS),
        asset: Asset::Native,
        symbol: network.symbol.map(str::to_owned),
        decimals_known: true,
    }
}

fn native_display(network: &Network, value: U256) -> String {
    let amount = Amount::from_units(value, NATIVE_DECIMALS);
    format!("{amount} {}", network.symbol.unwrap_or("(native coin)"))
}
