//! Why a transfer could not be built, sent or confirmed, or a balance not
//! read: one [`SendError`], every message one line. The categories are the
//! command line's (`accord send`), which maps each to its own error.

use std::time::Duration;

use accord_chains::AmountError;
use accord_chains::bitcoin::UnknownNetwork;

/// A field of a [`super::Transfer`] named in an error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Field {
    /// [`super::Transfer::to`].
    To,
    /// [`super::Transfer::token`].
    Token,
}

impl Field {
    /// The field's name: `to`, `token`.
    pub const fn name(self) -> &'static str {
        match self {
            Field::To => "to",
            Field::Token => "token",
        }
    }
}

impl core::fmt::Display for Field {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a transfer was not built, broadcast or confirmed, or a balance not read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SendError {
    /// An RPC URL that is neither `http://` nor `https://`.
    #[error("the RPC URL {url:?} is not an https:// or http:// URL")]
    Url {
        /// The URL as given.
        url: String,
    },
    /// A plain `http://` URL to a host that is neither loopback nor private.
    #[error(
        "plain http:// to {host} is refused: anything on the way could read or change what the node \
         answers; use https://, or set ACCORD_ALLOW_HTTP=1 to allow it anyway"
    )]
    PlainHttp {
        /// The URL's host.
        host: String,
    },
    /// The extra CA file (`ACCORD_CA_FILE`) cannot be used.
    #[error("ACCORD_CA_FILE {path}: {reason}")]
    CaFile {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// The server's TLS certificate was not accepted: nothing was sent.
    #[error(
        "the TLS certificate of {origin} is not trusted ({reason}); nothing was sent to it \
         (a private CA can be added with ACCORD_CA_FILE=<PEM file>)"
    )]
    Certificate {
        /// `https://host` of the endpoint.
        origin: String,
        /// What TLS said.
        reason: String,
    },
    /// A Bitcoin network name that is not known.
    #[error(transparent)]
    Network(#[from] UnknownNetwork),
    /// The wallet's keys give no address on this chain and network.
    #[error("{0}")]
    Wallet(String),
    /// A recipient or token address the chain refuses.
    #[error("{field}: {reason}")]
    Address {
        /// Which address.
        field: Field,
        /// Why.
        reason: String,
    },
    /// An amount that is not a decimal in the asset's unit.
    #[error("amount: {0}")]
    Amount(#[source] AmountError),
    /// An amount of zero.
    #[error("the amount is zero")]
    ZeroAmount,
    /// An amount above what the chain's transfers carry.
    #[error("amount {amount} is too large")]
    AmountTooLarge {
        /// The amount as given.
        amount: String,
    },
    /// A signed transaction whose id is not what its chain uses.
    #[error("{0}")]
    Input(String),
    /// The chain's node or API failed or answered something unusable.
    #[error("{0}")]
    Rpc(String),
    /// The Esplora server has no fee estimate and none was given.
    #[error("the server has no fee estimate: give a fee rate in sat/vB")]
    NoFeeEstimate,
    /// A transaction that could not be built.
    #[error("cannot build the transaction: {0}")]
    Build(String),
    /// The node refused the signed transaction.
    #[error("the node did not accept transaction {txid}: {reason}")]
    Rejected {
        /// The transaction's id.
        txid: String,
        /// The node's answer.
        reason: String,
    },
    /// The transaction is in a block but failed there (reverted, or a
    /// Solana instruction error); it paid its fee.
    #[error("{0}")]
    Failed(String),
    /// Broadcast, but not in a block within the wait.
    #[error(
        "transaction {txid} was broadcast but not confirmed within {} s; check it later",
        .waited.as_secs()
    )]
    NotConfirmed {
        /// The transaction's id.
        txid: String,
        /// How long we waited.
        waited: Duration,
    },
    /// Something this build does not do yet.
    #[error("not supported yet: {0}")]
    Unsupported(String),
}

impl SendError {
    /// Any error as [`SendError::Rpc`], on one line.
    pub(crate) fn rpc(e: impl core::fmt::Display) -> Self {
        SendError::Rpc(one_line(e))
    }

    /// Any error as [`SendError::Build`], on one line.
    pub(crate) fn build(e: impl core::fmt::Display) -> Self {
        SendError::Build(one_line(e))
    }

    /// Any error as [`SendError::Wallet`], on one line.
    pub(crate) fn wallet(e: impl core::fmt::Display) -> Self {
        SendError::Wallet(one_line(e))
    }

    /// `field`'s address refused, on one line.
    pub(crate) fn address(field: Field, e: impl core::fmt::Display) -> Self {
        SendError::Address {
            field,
            reason: one_line(e),
        }
    }

    /// The node's refusal of `txid`, on one line.
    pub(crate) fn rejected(txid: &str, e: impl core::fmt::Display) -> Self {
        SendError::Rejected {
            txid: txid.to_owned(),
            reason: one_line(e),
        }
    }
}

/// `e` on one line.
pub(crate) fn one_line(e: impl core::fmt::Display) -> String {
    e.to_string()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_one_line() {
        let e = SendError::rejected("0xab", "nonce\n  too low");
        assert_eq!(
            e.to_string(),
            "the node did not accept transaction 0xab: nonce too low"
        );
        let e = SendError::NotConfirmed {
            txid: "t".into(),
            waited: Duration::from_secs(60),
        };
        assert_eq!(
            e.to_string(),
            "transaction t was broadcast but not confirmed within 60 s; check it later"
        );
        assert_eq!(
            SendError::address(Field::To, "bad\tchecksum").to_string(),
            "to: bad checksum"
        );
    }
}
