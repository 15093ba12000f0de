//! Ethereum JSON-RPC requests, as the execution-apis spec names them:
//! quantities as compact `0x` hex, data and addresses as `0x` hex.

use alloy_primitives::{Address, U256};
use serde_json::{Value, json};

use crate::ethereum::erc20;
use crate::rpc::JsonRpcRequest;

fn addr(address: Address) -> Value {
    json!(format!("{address:#x}"))
}

fn bytes(data: &[u8]) -> Value {
    json!(format!("0x{}", hex::encode(data)))
}

fn quantity(n: U256) -> Value {
    json!(format!("{n:#x}"))
}

/// `eth_chainId`.
pub fn chain_id() -> JsonRpcRequest {
    JsonRpcRequest::new("eth_chainId", json!([]))
}

/// `eth_getTransactionCount(address, "pending")`: the next nonce.
pub fn transaction_count(address: Address) -> JsonRpcRequest {
    JsonRpcRequest::new("eth_getTransactionCount", json!([addr(address), "pending"]))
}

/// `eth_feeHistory(1, "latest", [])`: its last `baseFeePerGas` is the next block's.
pub fn fee_history() -> JsonRpcRequest {
    JsonRpcRequest::new("eth_feeHistory", json!(["0x1", "latest", []]))
}

/// `eth_maxPriorityFeePerGas`: the node's suggested tip.
pub fn max_priority_fee_per_gas() -> JsonRpcRequest {
    JsonRpcRequest::new("eth_maxPriorityFeePerGas", json!([]))
}

/// `eth_estimateGas({from, to, value, data})`.
pub fn estimate_gas(from: Address, to: Address, value: U256, data: &[u8]) -> JsonRpcRequest {
    JsonRpcRequest::new(
        "eth_estimateGas",
        json!([{
            "from": addr(from),
            "to": addr(to),
            "value": quantity(value),
            "data": bytes(data),
        }]),
    )
}

/// `eth_getBalance(address, "latest")`.
pub fn balance(address: Address) -> JsonRpcRequest {
    JsonRpcRequest::new("eth_getBalance", json!([addr(address), "latest"]))
}

/// `eth_call({to: token, data: balanceOf(owner)}, "latest")`.
pub fn erc20_balance(token: Address, owner: Address) -> JsonRpcRequest {
    JsonRpcRequest::new(
        "eth_call",
        json!([{"to": addr(token), "data": bytes(&erc20::balance_of(owner))}, "latest"]),
    )
}

/// `eth_call({to: token, data: decimals()}, "latest")`: an ABI word.
pub fn erc20_decimals(token: Address) -> JsonRpcRequest {
    JsonRpcRequest::new(
        "eth_call",
        json!([{"to": addr(token), "data": bytes(&erc20::decimals())}, "latest"]),
    )
}

/// `eth_sendRawTransaction(raw)`.
pub fn send_raw_transaction(raw: &[u8]) -> JsonRpcRequest {
    JsonRpcRequest::new("eth_sendRawTransaction", json!([bytes(raw)]))
}

/// `eth_getTransactionReceipt(hash)`.
pub fn transaction_receipt(hash: &[u8; 32]) -> JsonRpcRequest {
    JsonRpcRequest::new("eth_getTransactionReceipt", json!([bytes(hash)]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_shapes() {
        let a = Address::repeat_byte(0xab);
        let a_hex = format!("0x{}", "ab".repeat(20));
        assert_eq!(
            transaction_count(a).params,
            json!([a_hex.clone(), "pending"])
        );
        let est = estimate_gas(a, a, U256::from(255u16), &[1, 2]);
        assert_eq!(est.params[0]["value"], "0xff");
        assert_eq!(est.params[0]["data"], "0x0102");
        assert_eq!(
            estimate_gas(a, a, U256::ZERO, &[]).params[0]["value"],
            "0x0"
        );
        let call = erc20_balance(a, a);
        assert_eq!(call.method, "eth_call");
        assert_eq!(
            call.params[0]["data"],
            format!("0x70a08231{}{}", "00".repeat(12), "ab".repeat(20))
        );
        assert_eq!(
            erc20_decimals(a).params,
            json!([{"to": a_hex.clone(), "data": "0x313ce567"}, "latest"])
        );
        assert_eq!(balance(a).params, json!([a_hex.clone(), "latest"]));
        assert_eq!(
            transaction_receipt(&[1; 32]).params,
            json!([format!("0x{}", "01".repeat(32))])
        );
        assert_eq!(
            chain_id().body(3),
            r#"{"jsonrpc":"2.0","id":3,"method":"eth_chainId","params":[]}"#
        );
    }
}
