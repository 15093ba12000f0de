//! The Ethereum JSON-RPC vocabulary, without IO: request builders
//! ([`requests`]), result parsers ([`parse`]), and one small trait,
//! [`EthereumRpc`], whose only method carries a request to a node and
//! returns its `result`. crates/node implements it over HTTP; tests over
//! Anvil. The async functions here combine the three, e.g. [`prepare_eth_transfer`]
//! checks that the node serves the chain the caller expects, asks it for the
//! nonce, fees and a gas estimate and returns the [`UnsignedTx`] to preview
//! and sign. The chain id is never taken from the node: a node of another
//! chain would otherwise make us sign a transaction valid there.
//!
//! Methods used: `eth_chainId`, `eth_getTransactionCount` (pending),
//! `eth_feeHistory` + `eth_maxPriorityFeePerGas` (EIP-1559 fees),
//! `eth_estimateGas`, `eth_getBalance`, `eth_call` (ERC-20 `balanceOf`, `decimals`),
//! `eth_sendRawTransaction`, `eth_getTransactionReceipt`.

pub mod parse;
pub mod requests;

use alloy_primitives::{Address, U256};
use serde_json::Value;

use crate::ethereum::erc20;
use crate::ethereum::tx::{Gas, SignedTx, UnsignedTx};
use crate::rpc::{JsonRpcRequest, RpcError};

pub use parse::Receipt;

/// Carries one JSON-RPC request to an Ethereum node.
pub trait EthereumRpc {
    /// Sends `request` and returns the response's `result` — the node's error
    /// object as [`RpcError::Node`] (see [`crate::rpc::json_rpc_result`]).
    fn call(
        &self,
        request: JsonRpcRequest,
    ) -> impl core::future::Future<Output = Result<Value, RpcError>> + Send;
}

/// EIP-1559 fee suggestion.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fees {
    /// The next block's base fee per gas.
    pub base_fee_per_gas: u128,
    /// The node's suggested tip per gas.
    pub max_priority_fee_per_gas: u128,
    /// `2 × base fee + tip`: still included after six full blocks of base-fee rises.
    pub max_fee_per_gas: u128,
}

impl Fees {
    /// Fees from a base fee and a tip: `max = 2 × base + tip` (saturating).
    pub fn new(base_fee_per_gas: u128, max_priority_fee_per_gas: u128) -> Fees {
        Fees {
            base_fee_per_gas,
            max_priority_fee_per_gas,
            max_fee_per_gas: base_fee_per_gas
                .saturating_mul(2)
                .saturating_add(max_priority_fee_per_gas),
        }
    }

    /// With a gas limit: the transaction's [`Gas`].
    pub fn with_gas_limit(&self, gas_limit: u64) -> Gas {
        Gas {
            gas_limit,
            max_fee_per_gas: self.max_fee_per_gas,
            max_priority_fee_per_gas: self.max_priority_fee_per_gas,
        }
    }
}

/// The node's chain id.
pub async fn chain_id<R: EthereumRpc + ?Sized>(rpc: &R) -> Result<u64, RpcError> {
    let req = requests::chain_id();
    let method = req.method;
    parse::quantity_u64(method, &rpc.call(req).await?)
}

/// Checks that the node serves chain `expected`: its `eth_chainId` must be
/// exactly that, else [`RpcError::Malformed`] naming both.
pub async fn check_chain_id<R: EthereumRpc + ?Sized>(
    rpc: &R,
    expected: u64,
) -> Result<(), RpcError> {
    let node = chain_id(rpc).await?;
    if node != expected {
        return Err(RpcError::malformed(
            requests::chain_id().method,
            format!(
                "the node serves chain id {node}, but the transaction is for chain id {expected}: \
                 wrong node or wrong network"
            ),
        ));
    }
    Ok(())
}

/// The next nonce of `address`, counting pending transactions.
pub async fn nonce<R: EthereumRpc + ?Sized>(rpc: &R, address: Address) -> Result<u64, RpcError> {
    let req = requests::transaction_count(address);
    let method = req.method;
    parse::quantity_u64(method, &rpc.call(req).await?)
}

/// The next block's base fee and the node's suggested tip.
pub async fn fees<R: EthereumRpc + ?Sized>(rpc: &R) -> Result<Fees, RpcError> {
    let base = parse::next_base_fee(&rpc.call(requests::fee_history()).await?)?;
    let req = requests::max_priority_fee_per_gas();
    let method = req.method;
    let tip = parse::quantity_u128(method, &rpc.call(req).await?)?;
    Ok(Fees::new(base, tip))
}

/// The node's gas estimate for a call from `from` to `to`.
pub async fn estimate_gas<R: EthereumRpc + ?Sized>(
    rpc: &R,
    from: Address,
    to: Address,
    value: U256,
    data: &[u8],
) -> Result<u64, RpcError> {
    let req = requests::estimate_gas(from, to, value, data);
    let method = req.method;
    parse::quantity_u64(method, &rpc.call(req).await?)
}

/// The balance of `address` in wei.
pub async fn balance<R: EthereumRpc + ?Sized>(rpc: &R, address: Address) -> Result<U256, RpcError> {
    let req = requests::balance(address);
    let method = req.method;
    parse::quantity_u256(method, &rpc.call(req).await?)
}

/// `owner`'s balance of the ERC-20 `token`, in base units.
pub async fn erc20_balance<R: EthereumRpc + ?Sized>(
    rpc: &R,
    token: Address,
    owner: Address,
) -> Result<U256, RpcError> {
    let req = requests::erc20_balance(token, owner);
    let method = req.method;
    parse::uint256_word(method, &rpc.call(req).await?)
}

/// Broadcasts `tx`; the node must answer with the hash we computed.
pub async fn send_raw_transaction<R: EthereumRpc + ?Sized>(
    rpc: &R,
    tx: &SignedTx,
) -> Result<[u8; 32], RpcError> {
    let req = requests::send_raw_transaction(&tx.raw);
    let method = req.method;
    let hash = parse::hash(method, &rpc.call(req).await?)?;
    if hash != tx.hash {
        return Err(RpcError::malformed(
            method,
            format!(
                "node reports hash 0x{}, but the transaction's hash is 0x{}",
                hex::encode(hash),
                hex::encode(tx.hash)
            ),
        ));
    }
    Ok(hash)
}

/// The receipt of transaction `hash`, `None` while it is pending.
pub async fn receipt<R: EthereumRpc + ?Sized>(
    rpc: &R,
    hash: &[u8; 32],
) -> Result<Option<Receipt>, RpcError> {
    parse::receipt(&rpc.call(requests::transaction_receipt(hash)).await?, hash)
}

/// Builds an ETH transfer on chain `chain_id` from `from`, with nonce, fees
/// and gas limit from the node, after checking ([`check_chain_id`]) that
/// the node serves that chain.
pub async fn prepare_eth_transfer<R: EthereumRpc + ?Sized>(
    rpc: &R,
    chain_id: u64,
    from: Address,
    to: Address,
    value_wei: U256,
) -> Result<UnsignedTx, RpcError> {
    check_chain_id(rpc, chain_id).await?;
    let nonce = nonce(rpc, from).await?;
    let fees = fees(rpc).await?;
    let gas_limit = estimate_gas(rpc, from, to, value_wei, &[]).await?;
    Ok(UnsignedTx::eth_transfer(
        chain_id,
        nonce,
        to,
        value_wei,
        fees.with_gas_limit(gas_limit),
    ))
}

/// Builds an ERC-20 `transfer` on chain `chain_id` of `amount` base units
/// of `token` from `from` to `to`, with nonce, fees and gas limit from the
/// node, after checking ([`check_chain_id`]) that the node serves that chain.
pub async fn prepare_erc20_transfer<R: EthereumRpc + ?Sized>(
    rpc: &R,
    chain_id: u64,
    from: Address,
    token: Address,
    to: Address,
    amount: U256,
) -> Result<UnsignedTx, RpcError> {
    check_chain_id(rpc, chain_id).await?;
    let nonce = nonce(rpc, from).await?;
    let fees = fees(rpc).await?;
    let data = erc20::transfer(to, amount);
    let gas_limit = estimate_gas(rpc, from, token, U256::ZERO, &data).await?;
    Ok(UnsignedTx::erc20_transfer(
        chain_id,
        nonce,
        token,
        to,
        amount,
        fees.with_gas_limit(gas_limit),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::collections::VecDeque;
    use std::sync::Mutex;

    /// Answers calls from a script, recording what was asked.
    struct Scripted {
        answers: Mutex<VecDeque<Result<Value, RpcError>>>,
        asked: Mutex<Vec<JsonRpcRequest>>,
    }

    impl Scripted {
        fn new(answers: Vec<Result<Value, RpcError>>) -> Self {
            Scripted {
                answers: Mutex::new(answers.into()),
                asked: Mutex::new(Vec::new()),
            }
        }
    }

    impl EthereumRpc for Scripted {
        fn call(
            &self,
            request: JsonRpcRequest,
        ) -> impl core::future::Future<Output = Result<Value, RpcError>> + Send {
            self.asked.lock().unwrap().push(request);
            let answer = self
                .answers
                .lock()
                .unwrap()
                .pop_front()
                .unwrap_or_else(|| Err(RpcError::Transport("script ended".into())));
            async move { answer }
        }
    }

    /// Polls a future that never waits (the scripted transport is immediate).
    fn run<F: core::future::Future>(f: F) -> F::Output {
        let mut f = core::pin::pin!(f);
        let mut cx = core::task::Context::from_waker(core::task::Waker::noop());
        match f.as_mut().poll(&mut cx) {
            core::task::Poll::Ready(out) => out,
            core::task::Poll::Pending => panic!("scripted futures are ready at once"),
        }
    }

    #[test]
    fn prepares_an_eth_transfer_from_node_answers() {
        let rpc = Scripted::new(vec![
            Ok(json!("0x1")),
            Ok(json!("0x7")),
            Ok(json!({"baseFeePerGas": ["0x1", "0x3b9aca00"], "gasUsedRatio": [0.5]})),
            Ok(json!("0x77359400")),
            Ok(json!("0x5208")),
        ]);
        let from = Address::repeat_byte(1);
        let to = Address::repeat_byte(2);
        let tx = run(prepare_eth_transfer(&rpc, 1, from, to, U256::from(5u8))).unwrap();
        let f = tx.fields();
        assert_eq!((f.chain_id, f.nonce, f.gas_limit), (1, 7, 21_000));
        assert_eq!(f.max_priority_fee_per_gas, 2_000_000_000);
        assert_eq!(f.max_fee_per_gas, 4_000_000_000);
        let methods: Vec<_> = rpc.asked.lock().unwrap().iter().map(|r| r.method).collect();
        assert_eq!(
            methods,
            [
                "eth_chainId",
                "eth_getTransactionCount",
                "eth_feeHistory",
                "eth_maxPriorityFeePerGas",
                "eth_estimateGas"
            ]
        );
    }

    #[test]
    fn hostile_answers_are_errors() {
        let from = Address::repeat_byte(1);
        for answers in [
            vec![Ok(json!(1))],
            vec![Ok(json!("0x1")), Ok(json!("0x1ffffffffffffffff"))],
            vec![
                Ok(json!("0x1")),
                Ok(json!("0x0")),
                Ok(json!({"baseFeePerGas": []})),
            ],
            vec![Err(RpcError::Transport("down".into()))],
        ] {
            let rpc = Scripted::new(answers);
            assert!(run(prepare_eth_transfer(&rpc, 1, from, from, U256::ZERO)).is_err());
        }
    }

    #[test]
    fn a_node_of_another_chain_is_refused() {
        let from = Address::repeat_byte(1);
        let token = Address::repeat_byte(3);
        // A Sepolia node asked for a mainnet transaction: nothing else is asked.
        let rpc = Scripted::new(vec![Ok(json!("0xaa36a7")), Ok(json!("0x7"))]);
        let err = run(prepare_eth_transfer(&rpc, 1, from, from, U256::ONE)).unwrap_err();
        assert!(matches!(err, RpcError::Malformed { .. }));
        assert!(
            err.to_string()
                .contains("serves chain id 11155111, but the transaction is for chain id 1"),
            "{err}"
        );
        let methods: Vec<_> = rpc.asked.lock().unwrap().iter().map(|r| r.method).collect();
        assert_eq!(methods, ["eth_chainId"]);
        let rpc = Scripted::new(vec![Ok(json!("0x89"))]);
        assert!(
            run(prepare_erc20_transfer(
                &rpc,
                1,
                from,
                token,
                from,
                U256::ONE
            ))
            .is_err()
        );
        assert_eq!(
            run(check_chain_id(&Scripted::new(vec![Ok(json!("0x1"))]), 1)),
            Ok(())
        );
    }

    #[test]
    fn broadcast_checks_the_hash() {
        let tx = SignedTx {
            raw: vec![2, 0xc0],
            hash: [7; 32],
        };
        let ok = Scripted::new(vec![Ok(json!(format!("0x{}", "07".repeat(32))))]);
        assert_eq!(run(send_raw_transaction(&ok, &tx)), Ok([7; 32]));
        let lying = Scripted::new(vec![Ok(json!(format!("0x{}", "08".repeat(32))))]);
        assert!(matches!(
            run(send_raw_transaction(&lying, &tx)),
            Err(RpcError::Malformed { .. })
        ));
    }

    #[test]
    fn fees_saturate() {
        let f = Fees::new(u128::MAX, 1);
        assert_eq!(f.max_fee_per_gas, u128::MAX);
        assert_eq!(Fees::new(10, 3).max_fee_per_gas, 23);
    }
}
