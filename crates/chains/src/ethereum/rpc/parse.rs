//! Parsing Ethereum JSON-RPC results: hex quantities and data as the
//! JSON-RPC spec encodes them (`"0x1a"`, `"0x"` + bytes), fee history and
//! receipts. Nothing from the node is trusted: a wrong type, a missing field,
//! a number too large for its type or a receipt for another transaction is
//! an [`RpcError::Malformed`], never a panic.

use alloy_primitives::U256;
use serde_json::Value;

use crate::rpc::RpcError;

/// The most bytes a data result may have (1 MiB).
pub const MAX_DATA_BYTES: usize = 1 << 20;

/// A short, safe rendering of a hostile value for an error message.
fn snippet(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 80 {
        format!("{}…", text.chars().take(80).collect::<String>())
    } else {
        text
    }
}

/// The hex digits of a quantity: `0x` then 1–64 hex digits.
fn quantity_digits<'a>(method: &str, value: &'a Value) -> Result<&'a str, RpcError> {
    let bad = || {
        RpcError::malformed(
            method,
            format!("expected a hex quantity, got {}", snippet(value)),
        )
    };
    let digits = value
        .as_str()
        .and_then(|s| s.strip_prefix("0x"))
        .ok_or_else(bad)?;
    if digits.is_empty() || digits.len() > 64 || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad());
    }
    Ok(digits)
}

/// A hex quantity of up to 256 bits.
pub fn quantity_u256(method: &str, value: &Value) -> Result<U256, RpcError> {
    let digits = quantity_digits(method, value)?;
    U256::from_str_radix(digits, 16)
        .map_err(|_| RpcError::malformed(method, format!("bad quantity {}", snippet(value))))
}

/// A hex quantity that must fit in 64 bits (nonces, gas, block numbers, chain ids).
pub fn quantity_u64(method: &str, value: &Value) -> Result<u64, RpcError> {
    let n = quantity_u256(method, value)?;
    u64::try_from(n)
        .map_err(|_| RpcError::malformed(method, format!("{n} does not fit in 64 bits")))
}

/// A hex quantity that must fit in 128 bits (fees per gas).
pub fn quantity_u128(method: &str, value: &Value) -> Result<u128, RpcError> {
    let n = quantity_u256(method, value)?;
    u128::try_from(n)
        .map_err(|_| RpcError::malformed(method, format!("{n} does not fit in 128 bits")))
}

/// Hex data: `0x` then an even number of hex digits.
pub fn data(method: &str, value: &Value) -> Result<Vec<u8>, RpcError> {
    let bad = |why: &str| RpcError::malformed(method, format!("{why}, got {}", snippet(value)));
    let digits = value
        .as_str()
        .and_then(|s| s.strip_prefix("0x"))
        .ok_or_else(|| bad("expected hex data"))?;
    if digits.len() > 2 * MAX_DATA_BYTES {
        return Err(RpcError::malformed(method, "data larger than 1 MiB"));
    }
    hex::decode(digits).map_err(|_| bad("expected hex data"))
}

/// A 32-byte hash.
pub fn hash(method: &str, value: &Value) -> Result<[u8; 32], RpcError> {
    let bytes = data(method, value)?;
    <[u8; 32]>::try_from(bytes.as_slice()).map_err(|_| {
        RpcError::malformed(
            method,
            format!("expected a 32-byte hash, got {}", snippet(value)),
        )
    })
}

/// A 32-byte ABI word as an unsigned integer (an `eth_call` returning `uint256`).
pub fn uint256_word(method: &str, value: &Value) -> Result<U256, RpcError> {
    let bytes = data(method, value)?;
    let word = <[u8; 32]>::try_from(bytes.as_slice()).map_err(|_| {
        RpcError::malformed(
            method,
            format!("expected one 32-byte ABI word, got {} bytes", bytes.len()),
        )
    })?;
    Ok(U256::from_be_bytes(word))
}

/// A required field of an object.
fn field<'a>(method: &str, value: &'a Value, name: &str) -> Result<&'a Value, RpcError> {
    value
        .get(name)
        .filter(|v| !v.is_null())
        .ok_or_else(|| RpcError::malformed(method, format!("no {name:?} in {}", snippet(value))))
}

/// The base fee per gas of the next block: the last entry of
/// `eth_feeHistory`'s `baseFeePerGas` (which has one more entry than blocks).
pub fn next_base_fee(value: &Value) -> Result<u128, RpcError> {
    const METHOD: &str = "eth_feeHistory";
    let fees = field(METHOD, value, "baseFeePerGas")?
        .as_array()
        .ok_or_else(|| RpcError::malformed(METHOD, "baseFeePerGas is not an array"))?;
    let last = fees
        .last()
        .ok_or_else(|| RpcError::malformed(METHOD, "baseFeePerGas is empty"))?;
    quantity_u128(METHOD, last)
}

/// A mined transaction's receipt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Receipt {
    /// The transaction hash.
    pub transaction_hash: [u8; 32],
    /// `true` when the transaction succeeded (status 1), `false` when it reverted.
    pub success: bool,
    /// The block it was mined in.
    pub block_number: u64,
    /// Gas used.
    pub gas_used: u64,
    /// Wei paid per gas.
    pub effective_gas_price: u128,
}

impl Receipt {
    /// The fee actually paid: `gas_used × effective_gas_price` wei.
    pub fn fee(&self) -> U256 {
        U256::from(self.gas_used) * U256::from(self.effective_gas_price)
    }
}

/// `eth_getTransactionReceipt`'s result: `None` while pending; a receipt for
/// another transaction than `expected` is an error.
pub fn receipt(value: &Value, expected: &[u8; 32]) -> Result<Option<Receipt>, RpcError> {
    const METHOD: &str = "eth_getTransactionReceipt";
    if value.is_null() {
        return Ok(None);
    }
    if !value.is_object() {
        return Err(RpcError::malformed(
            METHOD,
            format!("expected an object or null, got {}", snippet(value)),
        ));
    }
    let transaction_hash = hash(METHOD, field(METHOD, value, "transactionHash")?)?;
    if transaction_hash != *expected {
        return Err(RpcError::malformed(
            METHOD,
            format!(
                "receipt is for 0x{}, not 0x{}",
                hex::encode(transaction_hash),
                hex::encode(expected)
            ),
        ));
    }
    let success = match quantity_u64(METHOD, field(METHOD, value, "status")?)? {
        0 => false,
        1 => true,
        other => {
            return Err(RpcError::malformed(
                METHOD,
                format!("status {other} is not 0 or 1"),
            ));
        }
    };
    Ok(Some(Receipt {
        transaction_hash,
        success,
        block_number: quantity_u64(METHOD, field(METHOD, value, "blockNumber")?)?,
        gas_used: quantity_u64(METHOD, field(METHOD, value, "gasUsed")?)?,
        effective_gas_price: quantity_u128(METHOD, field(METHOD, value, "effectiveGasPrice")?)?,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn quantities() {
        assert_eq!(quantity_u64("m", &json!("0x0")), Ok(0));
        assert_eq!(quantity_u64("m", &json!("0x1a")), Ok(26));
        assert_eq!(
            quantity_u64("m", &json!("0xFFFFFFFFFFFFFFFF")),
            Ok(u64::MAX)
        );
        assert_eq!(quantity_u64("m", &json!("0x01")), Ok(1));
        assert_eq!(quantity_u128("m", &json!("0x3b9aca00")), Ok(1_000_000_000));
        assert_eq!(
            quantity_u256("m", &json!(format!("0x{}", "f".repeat(64)))),
            Ok(U256::MAX)
        );
        for bad in [
            json!("0x"),
            json!("1a"),
            json!("0X1a"),
            json!("0x1g"),
            json!("0x-1"),
            json!(" 0x1"),
            json!(26),
            json!(null),
            json!(["0x1"]),
            json!({"result": "0x1"}),
            json!(format!("0x1{}", "0".repeat(64))),
        ] {
            assert!(
                matches!(quantity_u256("m", &bad), Err(RpcError::Malformed { .. })),
                "{bad}"
            );
        }
        assert!(quantity_u64("m", &json!("0x10000000000000000")).is_err());
        assert!(quantity_u128("m", &json!(format!("0x1{}", "0".repeat(32)))).is_err());
    }

    #[test]
    fn data_hashes_and_words() {
        assert_eq!(data("m", &json!("0x")), Ok(vec![]));
        assert_eq!(data("m", &json!("0x00ff")), Ok(vec![0, 255]));
        assert!(data("m", &json!("0x0")).is_err());
        assert!(data("m", &json!("00")).is_err());
        assert!(data("m", &json!(null)).is_err());
        let h = format!("0x{}", "ab".repeat(32));
        assert_eq!(hash("m", &json!(h)), Ok([0xab; 32]));
        assert!(hash("m", &json!("0xabab")).is_err());
        let word = format!("0x{}{}", "00".repeat(31), "2a");
        assert_eq!(uint256_word("m", &json!(word)), Ok(U256::from(42u8)));
        assert!(uint256_word("m", &json!("0x")).is_err());
        assert!(uint256_word("m", &json!(format!("{word}00"))).is_err());
    }

    #[test]
    fn fee_history() {
        let v = json!({"oldestBlock": "0x1", "baseFeePerGas": ["0x3b9aca00", "0x342770c0"], "gasUsedRatio": [0.0]});
        assert_eq!(next_base_fee(&v), Ok(875_000_000));
        for bad in [
            json!({}),
            json!({"baseFeePerGas": []}),
            json!({"baseFeePerGas": "0x1"}),
            json!({"baseFeePerGas": [1]}),
            json!(null),
        ] {
            assert!(next_base_fee(&bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn receipts() {
        let h = [0x11u8; 32];
        let good = json!({
            "transactionHash": format!("0x{}", hex::encode(h)),
            "status": "0x1", "blockNumber": "0x5", "gasUsed": "0x5208",
            "effectiveGasPrice": "0x3b9aca00",
        });
        let r = receipt(&good, &h).unwrap().unwrap();
        assert!(r.success);
        assert_eq!((r.block_number, r.gas_used), (5, 21_000));
        assert_eq!(r.fee(), U256::from(21_000_000_000_000u64));
        assert_eq!(receipt(&json!(null), &h), Ok(None));
        assert!(
            receipt(&good, &[0x22; 32]).is_err(),
            "another transaction's receipt"
        );
        let mut reverted = good.clone();
        reverted["status"] = json!("0x0");
        assert!(!receipt(&reverted, &h).unwrap().unwrap().success);
        for (key, value) in [
            ("status", json!("0x2")),
            ("status", json!(null)),
            ("gasUsed", json!("0x")),
            ("effectiveGasPrice", json!(format!("0x1{}", "0".repeat(40)))),
            ("blockNumber", json!(5)),
        ] {
            let mut bad = good.clone();
            bad[key] = value;
            assert!(receipt(&bad, &h).is_err(), "{key}");
        }
        assert!(receipt(&json!("0x1"), &h).is_err());
    }

    proptest! {
        #[test]
        fn parsers_never_panic(s in "\\PC{0,80}", hexish in "0x[0-9a-fA-F]{0,80}") {
            for v in [json!(s), json!(hexish)] {
                let _ = quantity_u64("m", &v);
                let _ = quantity_u128("m", &v);
                let _ = quantity_u256("m", &v);
                let _ = data("m", &v);
                let _ = hash("m", &v);
                let _ = uint256_word("m", &v);
                let _ = next_base_fee(&json!({"baseFeePerGas": [v.clone()]}));
                let _ = receipt(&json!({"transactionHash": v.clone(), "status": v}), &[0; 32]);
            }
        }

        #[test]
        fn quantity_round_trips(n in any::<u64>()) {
            prop_assert_eq!(quantity_u64("m", &json!(format!("{n:#x}"))), Ok(n));
        }
    }
}
