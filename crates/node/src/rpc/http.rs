//! The chains crate's RPC ports ([`EthereumRpc`], [`SolanaRpc`],
//! [`Esplora`]) over blocking HTTP/1.1 (ureq, RFC 9112) and TLS 1.2/1.3
//! (rustls with ring, roots in [`super::tls`]), each request on a blocking
//! thread of the tokio runtime. JSON-RPC 2.0 bodies for Ethereum and
//! Solana, Esplora REST for Bitcoin.
//!
//! One [`Http`] holds one or several endpoints of the same chain and
//! network ([`super::endpoint`]), tried in order. A call that only reads
//! (every GET, every JSON-RPC method but a broadcast) is retried with
//! backoff ([`RETRY_BACKOFF`], [`RETRY_ROUNDS`] rounds over all endpoints)
//! when an endpoint cannot be reached, times out or answers 429/5xx. A
//! broadcast moves to the next endpoint only when nothing reached the
//! previous one (no connection, untrusted certificate), never after it was
//! sent. A node's own answer (a JSON-RPC error, an HTTP 4xx) is final.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use accord_chains::bitcoin::rpc::Esplora;
use accord_chains::ethereum::rpc::EthereumRpc;
use accord_chains::rpc::{HttpMethod, HttpRequest, JsonRpcRequest, RpcError, json_rpc_result};
use accord_chains::solana::rpc::SolanaRpc;
use serde_json::Value;

use super::SendError;
use super::endpoint::{self, Endpoint};

/// How long one HTTP request may take, answer included.
const TIMEOUT: Duration = Duration::from_secs(30);
/// How long connecting (DNS, TCP, TLS) may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The wait before the second round over the endpoints; doubled after.
pub const RETRY_BACKOFF: Duration = Duration::from_millis(250);
/// How many rounds over the endpoints a call that only reads gets.
pub const RETRY_ROUNDS: u32 = 3;

/// JSON-RPC methods that change something on the chain: not retried.
const BROADCASTS: [&str; 3] = [
    "eth_sendRawTransaction",
    "eth_sendTransaction",
    "sendTransaction",
];

/// A chain's API at one or several base URLs.
#[derive(Clone)]
pub struct Http {
    inner: Arc<Inner>,
}

struct Inner {
    targets: Vec<Target>,
    id: AtomicU64,
    backoff: Duration,
}

/// One endpoint and its agent.
struct Target {
    endpoint: Endpoint,
    agent: ureq::Agent,
}

impl core::fmt::Debug for Http {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // The URLs may carry API keys: only the hosts are printed.
        let hosts: Vec<_> = self.inner.targets.iter().map(|t| &t.endpoint).collect();
        f.debug_struct("Http").field("endpoints", &hosts).finish()
    }
}

/// How a request failed, for the retry.
enum Failure {
    /// Nothing reached the endpoint (no connection, untrusted certificate):
    /// the next endpoint may be tried even for a broadcast.
    NotSent(RpcError),
    /// It may have reached the endpoint (timeout, 429, 5xx): retried only
    /// if the call only reads.
    Unsure(RpcError),
    /// The node's own answer: returned as is.
    Final(RpcError),
}

impl Http {
    /// The API at `urls`: one URL or several separated by commas, tried in
    /// order; `https://`, or `http://` to a loopback or private host (any
    /// host with `ACCORD_ALLOW_HTTP=1`). Certificates are checked against
    /// Mozilla's and the platform's roots and `ACCORD_CA_FILE`.
    pub fn new(urls: &str) -> Result<Http, SendError> {
        Http::with_backoff(urls, RETRY_BACKOFF)
    }

    /// [`Http::new`] with another wait between rounds (tests).
    pub fn with_backoff(urls: &str, backoff: Duration) -> Result<Http, SendError> {
        let endpoints = endpoint::parse_list(urls, endpoint::allow_http_from_env())?;
        let roots = if endpoints.iter().any(|e| e.tls) {
            Some(super::tls::roots()?)
        } else {
            None
        };
        let targets = endpoints
            .into_iter()
            .map(|endpoint| {
                let mut config = ureq::Agent::config_builder()
                    .timeout_global(Some(TIMEOUT))
                    .timeout_connect(Some(CONNECT_TIMEOUT))
                    .http_status_as_error(false);
                if let Some(roots) = &roots {
                    config = config.tls_config(
                        ureq::tls::TlsConfig::builder()
                            .provider(ureq::tls::TlsProvider::Rustls)
                            .root_certs(roots.clone())
                            .build(),
                    );
                }
                if endpoint::is_local(&endpoint.host) {
                    // A proxy from the environment cannot reach this machine's ports.
                    config = config.proxy(None);
                }
                Target {
                    endpoint,
                    agent: ureq::Agent::new_with_config(config.build()),
                }
            })
            .collect();
        Ok(Http {
            inner: Arc::new(Inner {
                targets,
                id: AtomicU64::new(1),
                backoff,
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
        let reads = !BROADCASTS.contains(&request.method);
        self.blocking(move |inner| {
            inner.call(reads, |target| {
                let id = inner.id.fetch_add(1, Ordering::Relaxed);
                let body = Some((request.body(id), "application/json"));
                let (status, text) = target.send(HttpMethod::Post, "", body)?;
                match json_rpc_result(request.method, &text) {
                    // Some nodes answer a JSON-RPC error with an HTTP error status.
                    Err(e @ RpcError::Node { .. }) => Err(Failure::Final(e)),
                    _ if !success(status) => Err(status_failure(status, &text)),
                    Err(e) => Err(Failure::Final(e)),
                    Ok(v) => Ok(v),
                }
            })
        })
        .await
    }

    async fn rest(&self, request: HttpRequest) -> Result<String, RpcError> {
        let reads = request.method == HttpMethod::Get;
        self.blocking(move |inner| {
            inner.call(reads, |target| {
                let body = request.body.clone().map(|b| (b, "text/plain"));
                let (status, text) = target.send(request.method, &request.path, body)?;
                if success(status) {
                    Ok(text)
                } else {
                    Err(status_failure(status, &text))
                }
            })
        })
        .await
    }
}

impl Inner {
    /// `attempt` on the endpoints in order, in rounds with backoff when
    /// `reads` (see the module's documentation).
    fn call<T>(
        &self,
        reads: bool,
        mut attempt: impl FnMut(&Target) -> Result<T, Failure>,
    ) -> Result<T, RpcError> {
        let rounds = if reads { RETRY_ROUNDS } else { 1 };
        let mut untrusted = vec![false; self.targets.len()];
        let mut last = None;
        let mut wait = self.backoff;
        for round in 0..rounds {
            if round > 0 {
                if untrusted.iter().all(|u| *u) {
                    break;
                }
                std::thread::sleep(wait);
                wait = wait.saturating_mul(2);
            }
            for (i, target) in self.targets.iter().enumerate() {
                if untrusted[i] {
                    continue;
                }
                match attempt(target) {
                    Ok(v) => return Ok(v),
                    Err(Failure::Final(e)) => return Err(e),
                    Err(Failure::NotSent(e)) => {
                        untrusted[i] = is_certificate(&e);
                        // An endpoint that is down says less than another's
                        // certificate or answer: that one is reported.
                        if untrusted[i] || last.is_none() {
                            last = Some(e);
                        }
                    }
                    Err(Failure::Unsure(e)) if reads => last = Some(e),
                    Err(Failure::Unsure(e)) => return Err(e),
                }
            }
        }
        Err(last.unwrap_or_else(|| RpcError::Transport("no endpoint".into())))
    }
}

impl Target {
    /// One request; the HTTP status and the body.
    fn send(
        &self,
        method: HttpMethod,
        path: &str,
        body: Option<(String, &str)>,
    ) -> Result<(u16, String), Failure> {
        let base = &self.endpoint.url;
        let url = if path.is_empty() {
            base.clone()
        } else {
            format!("{}{path}", base.trim_end_matches('/'))
        };
        let failure = |e: ureq::Error| classify(&self.endpoint, e);
        let mut response = match (method, body) {
            (HttpMethod::Get, _) => self.agent.get(&url).call().map_err(failure)?,
            (HttpMethod::Post, Some((body, kind))) => self
                .agent
                .post(&url)
                .header("content-type", kind)
                .send(body)
                .map_err(failure)?,
            (HttpMethod::Post, None) => self.agent.post(&url).send_empty().map_err(failure)?,
        };
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string().map_err(|e| {
            Failure::Unsure(RpcError::Transport(format!(
                "{}: reading the answer: {e}",
                self.endpoint.origin()
            )))
        })?;
        Ok((status, text))
    }
}

/// The prefix of a transport error for an untrusted certificate.
const CERTIFICATE: &str = "the TLS certificate of ";

fn is_certificate(e: &RpcError) -> bool {
    matches!(e, RpcError::Transport(text) if text.starts_with(CERTIFICATE))
}

/// Whether a ureq error happened before anything was sent.
fn classify(endpoint: &Endpoint, e: ureq::Error) -> Failure {
    use std::io::ErrorKind;
    let origin = endpoint.origin();
    let transport = |what: String| RpcError::Transport(format!("{origin}: {what}"));
    match e {
        ureq::Error::Io(io) => {
            if let Some(tls) = io.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
                return Failure::NotSent(untrusted(endpoint, tls));
            }
            let before = matches!(
                io.kind(),
                ErrorKind::ConnectionRefused
                    | ErrorKind::AddrNotAvailable
                    | ErrorKind::HostUnreachable
                    | ErrorKind::NetworkUnreachable
                    | ErrorKind::NotFound
            );
            let e = transport(io.to_string());
            if before {
                Failure::NotSent(e)
            } else {
                Failure::Unsure(e)
            }
        }
        ureq::Error::Rustls(tls) => Failure::NotSent(untrusted(endpoint, &tls)),
        ureq::Error::Timeout(phase @ (ureq::Timeout::Resolve | ureq::Timeout::Connect)) => {
            Failure::NotSent(transport(format!("timed out ({phase})")))
        }
        ureq::Error::HostNotFound => Failure::NotSent(transport("host not found".into())),
        ureq::Error::ConnectionFailed => Failure::NotSent(transport("connection failed".into())),
        e @ (ureq::Error::BadUri(_) | ureq::Error::Tls(_)) => {
            Failure::NotSent(transport(e.to_string()))
        }
        e => Failure::Unsure(transport(e.to_string())),
    }
}

/// An untrusted certificate (or another TLS failure) of `endpoint`.
fn untrusted(endpoint: &Endpoint, e: &rustls::Error) -> RpcError {
    let message = SendError::Certificate {
        origin: endpoint.origin(),
        reason: e.to_string(),
    }
    .to_string();
    debug_assert!(message.starts_with(CERTIFICATE));
    RpcError::Transport(message)
}

fn success(status: u16) -> bool {
    (200..300).contains(&status)
}

/// A non-2xx answer: final for a 4xx (the request itself was refused), to
/// retry for a 408, a 429 and a 5xx.
fn status_failure(status: u16, text: &str) -> Failure {
    let text: String = text.trim().chars().take(300).collect();
    let e = RpcError::Transport(format!("HTTP {status}: {text}"));
    if (400..500).contains(&status) && !matches!(status, 408 | 429) {
        Failure::Final(e)
    } else {
        Failure::Unsure(e)
    }
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
