//! The RPC vocabulary, without IO: requests to build and responses to parse,
//! for Esplora (HTTP + JSON), Ethereum JSON-RPC and Solana JSON-RPC. Each
//! chain has one small trait ([`crate::bitcoin::rpc::Esplora`],
//! [`crate::ethereum::rpc::EthereumRpc`], [`crate::solana::rpc::SolanaRpc`])
//! whose only required method moves bytes; crates/node implements it over
//! HTTP, tests over a local node. Answers are parsed, never trusted: a
//! malformed or hostile answer is an [`RpcError`], never a panic.

use serde_json::{Value, json};

/// A JSON-RPC 2.0 call.
#[derive(Clone, Debug, PartialEq)]
pub struct JsonRpcRequest {
    /// The method, e.g. `eth_getTransactionCount`.
    pub method: &'static str,
    /// Its parameters (an array).
    pub params: Value,
}

impl JsonRpcRequest {
    /// A call of `method` with `params`.
    pub fn new(method: &'static str, params: Value) -> Self {
        JsonRpcRequest { method, params }
    }

    /// The request body with id `id`.
    pub fn body(&self, id: u64) -> String {
        json!({"jsonrpc": "2.0", "id": id, "method": self.method, "params": self.params})
            .to_string()
    }
}

/// An HTTP request for REST APIs (Esplora).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpRequest {
    /// `GET` or `POST`.
    pub method: HttpMethod,
    /// The path below the API's base URL, starting with `/`.
    pub path: String,
    /// The body, for `POST` (`text/plain`).
    pub body: Option<String>,
}

/// An HTTP method.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HttpMethod {
    /// GET.
    Get,
    /// POST.
    Post,
}

/// Why an RPC answer could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RpcError {
    /// The transport failed (connection, HTTP status, timeout).
    #[error("RPC transport failed: {0}")]
    Transport(String),
    /// The node answered with a JSON-RPC error object.
    #[error("node refused {method}: {message} (code {code})")]
    Node {
        /// The method called.
        method: String,
        /// The JSON-RPC error code.
        code: i64,
        /// The node's message.
        message: String,
    },
    /// The answer is not what the method returns.
    #[error("malformed answer to {method}: {detail}")]
    Malformed {
        /// The method called.
        method: String,
        /// What was wrong.
        detail: String,
    },
}

impl RpcError {
    /// A malformed-answer error for `method`.
    pub fn malformed(method: &str, detail: impl Into<String>) -> Self {
        RpcError::Malformed {
            method: method.to_owned(),
            detail: detail.into(),
        }
    }
}

/// Extracts `result` from a JSON-RPC 2.0 response body to `method`.
pub fn json_rpc_result(method: &str, body: &str) -> Result<Value, RpcError> {
    let value: Value =
        serde_json::from_str(body).map_err(|e| RpcError::malformed(method, e.to_string()))?;
    if let Some(error) = value.get("error").filter(|e| !e.is_null()) {
        return Err(RpcError::Node {
            method: method.to_owned(),
            code: error.get("code").and_then(Value::as_i64).unwrap_or(0),
            message: error
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or("(no message)")
                .chars()
                .take(500)
                .collect(),
        });
    }
    value
        .get("result")
        .cloned()
        .ok_or_else(|| RpcError::malformed(method, "no result and no error"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_errors_and_garbage() {
        assert_eq!(
            json_rpc_result("m", r#"{"jsonrpc":"2.0","id":1,"result":"0x1"}"#),
            Ok(json!("0x1"))
        );
        assert!(matches!(
            json_rpc_result(
                "m",
                r#"{"jsonrpc":"2.0","id":1,"error":{"code":-32000,"message":"nonce too low"}}"#
            ),
            Err(RpcError::Node { code: -32000, .. })
        ));
        assert!(matches!(
            json_rpc_result("m", "<html>"),
            Err(RpcError::Malformed { .. })
        ));
        assert!(matches!(
            json_rpc_result("m", "{}"),
            Err(RpcError::Malformed { .. })
        ));
    }
}
