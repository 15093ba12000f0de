//! The chains crate's RPC ports ([`EthereumRpc`], [`SolanaRpc`],
//! [`Esplora`]) over blocking HTTP/1.1 (ureq), each request on a blocking
//! thread of the tokio runtime. JSON-RPC 2.0 bodies for Ethereum and
//! Solana, Esplora REST for Bitcoin. Plain `http://` only: this build's
//! HTTP client has no TLS.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use accord_chains::bitcoin::rpc::Esplora;
use accord_chains::ethereum::rpc::EthereumRpc;
use accord_chains::rpc::{HttpMethod, HttpRequest, JsonRpcRequest, RpcError, json_rpc_result};
use accord_chains::solana::rpc::SolanaRpc;
use serde_json::Value;

use super::SendError;

/// How long one HTTP request may take.
const TIMEOUT: Duration = Duration::from_secs(30);

/// An API at one base URL.
#[derive(Clone)]
pub struct Http {
    inner: Arc<Inner>,
}

struct Inner {
    base: String,
    agent: ureq::Agent,
    id: AtomicU64,
}

impl core::fmt::Debug for Http {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // The URL may carry an API key: not printed.
        f.debug_struct("Http").finish_non_exhaustive()
    }
}

impl Http {
    /// The API at `url` (`http://host:port/path`): [`SendError::Unsupported`]
    /// for `https://`, [`SendError::Url`] for anything else.
    pub fn new(url: &str) -> Result<Http, SendError> {
        let url = url.trim();
        let rest = if let Some(rest) = url.strip_prefix("http://") {
            rest
        } else if url.starts_with("https://") {
            return Err(SendError::Unsupported(
                "https:// RPC URLs (this build's HTTP client has no TLS): use an http:// URL, \
                 e.g. a local node or a TLS-terminating proxy"
                    .into(),
            ));
        } else {
            return Err(SendError::Url {
                url: url.to_owned(),
            });
        };
        let host = rest.split(['/', '?']).next().unwrap_or_default();
        let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
        let local =
            host.starts_with("127.") || host.starts_with("localhost") || host.starts_with("[::1]");
        let mut config = ureq::Agent::config_builder()
            .timeout_global(Some(TIMEOUT))
            .http_status_as_error(false);
        if local {
            // A proxy from the environment cannot reach this machine's ports.
            config = config.proxy(None);
        }
        Ok(Http {
            inner: Arc::new(Inner {
                base: url.to_owned(),
                agent: ureq::Agent::new_with_config(config.build()),
                id: AtomicU64::new(1),
            }),
        })
    }

    /// Runs `f` on a blocking thread.
    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Inner) -> Result<T, RpcError> + Send + 'static,
    ) -> Result<T, RpcError> {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || f(&inner))
            .await
            .map_err(|e| RpcError::Transport(e.to_string()))?
    }

    async fn json_rpc(&self, request: JsonRpcRequest) -> Result<Value, RpcError> {
        self.blocking(move |inner| {
            let id = inner.id.fetch_add(1, Ordering::Relaxed);
            let body = Some((request.body(id), "application/json"));
            let (status, text) = inner.send_raw(HttpMethod::Post, "", body)?;
            match json_rpc_result(request.method, &text) {
                // Some nodes answer a JSON-RPC error with an HTTP error status.
                Err(e @ RpcError::Node { .. }) => Err(e),
                _ if !success(status) => Err(http_error(status, &text)),
                other => other,
            }
        })
        .await
    }

    async fn rest(&self, request: HttpRequest) -> Result<String, RpcError> {
        self.blocking(move |inner| {
            let body = request.body.map(|b| (b, "text/plain"));
            inner.send(request.method, &request.path, body)
        })
        .await
    }
}

impl Inner {
    /// One request; the body of a 2xx answer.
    fn send(
        &self,
        method: HttpMethod,
        path: &str,
        body: Option<(String, &str)>,
    ) -> Result<String, RpcError> {
        let (status, text) = self.send_raw(method, path, body)?;
        if success(status) {
            Ok(text)
        } else {
            Err(http_error(status, &text))
        }
    }

    /// One request; the HTTP status and the body.
    fn send_raw(
        &self,
        method: HttpMethod,
        path: &str,
        body: Option<(String, &str)>,
    ) -> Result<(u16, String), RpcError> {
        let url = if path.is_empty() {
            self.base.clone()
        } else {
            format!("{}{path}", self.base.trim_end_matches('/'))
        };
        let transport = |e: ureq::Error| RpcError::Transport(e.to_string());
        let mut response = match (method, body) {
            (HttpMethod::Get, _) => self.agent.get(&url).call().map_err(transport)?,
            (HttpMethod::Post, Some((body, kind))) => self
                .agent
                .post(&url)
                .header("content-type", kind)
                .send(body)
                .map_err(transport)?,
            (HttpMethod::Post, None) => self.agent.post(&url).send_empty().map_err(transport)?,
        };
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string().map_err(transport)?;
        Ok((status, text))
    }
}

fn success(status: u16) -> bool {
    (200..300).contains(&status)
}

/// An error answer, shortened.
fn http_error(status: u16, text: &str) -> RpcError {
    let text: String = text.trim().chars().take(300).collect();
    RpcError::Transport(format!("HTTP {status}: {text}"))
}

impl EthereumRpc for Http {
    fn call(
        &self,
        request: JsonRpcRequest,
    ) -> impl core::future::Future<Output = Result<Value, RpcError>> + Send {
        self.json_rpc(request)
    }
}

impl SolanaRpc for Http {
    fn call(
        &self,
        request: JsonRpcRequest,
    ) -> impl core::future::Future<Output = Result<Value, RpcError>> + Send {
        self.json_rpc(request)
    }
}

impl Esplora for Http {
    fn request(
        &self,
        request: HttpRequest,
    ) -> impl core::future::Future<Output = Result<String, RpcError>> + Send {
        self.rest(request)
    }
}
