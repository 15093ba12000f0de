//! How the endpoint is built: [`Config::production`] (n0's relays and
//! address lookup, all local interfaces), [`Config::loopback`] — the
//! `--no-relay` mode for tests and offline use: no relays, no address
//! lookup, no port mapping, bound to `127.0.0.1:0`, so nothing leaves the
//! machine — or [`Config::relay_only`]: one given relay and no direct
//! paths at all (no IP transports), what two devices behind NATs that
//! cannot punch through get; tests use it to run the production path
//! through a local relay.
//!
//! Both lower QUIC's idle timeout (RFC 9000 §10.1; iroh's default is 30 s)
//! and send keep-alives more often than that, so a live but quiet peer
//! stays connected and a dead one is noticed within the idle timeout.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use iroh::endpoint::{
    Builder, NetReportConfig, PortmapperConfig, QuicTransportConfig, VarInt, presets,
};
use iroh::tls::CaTlsConfig;
use iroh::{Endpoint, RelayMap, RelayMode, RelayUrl, SecretKey};
use rustls::pki_types::CertificateDer;

use super::allowlist::Allowlist;
use super::error::BindError;
use super::{ALPN, PAIR_ALPN};

/// The default QUIC idle timeout: a peer silent this long is gone.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(3);
/// The default keep-alive interval; shorter than [`IDLE_TIMEOUT`].
pub const KEEP_ALIVE: Duration = Duration::from_secs(1);
/// Incoming unidirectional streams a peer may have open at once (Accord
/// uses one per direction; each may buffer one maximal frame).
const MAX_UNI_STREAMS: u32 = 4;

/// Where the endpoint may reach peers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Network {
    /// n0's relays and address lookup; every local interface.
    Production,
    /// Loopback only (`--no-relay`): `127.0.0.1:0`, nothing off-machine.
    Loopback,
    /// Through one relay only, no direct paths ([`Config::relay_only`]).
    RelayOnly,
}

/// The relay of [`Network::RelayOnly`] and the roots its certificate is
/// checked against.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Relay {
    url: RelayUrl,
    /// Extra CA certificates (DER); empty: the platform's and Mozilla's.
    roots: Vec<Vec<u8>>,
}

/// The endpoint configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    network: Network,
    port: u16,
    idle_timeout: Duration,
    keep_alive: Duration,
    relay: Option<Relay>,
}

impl Config {
    /// Relays and address lookup on (iroh's `presets::N0`).
    pub fn production() -> Self {
        Self::new(Network::Production)
    }

    /// Relays off, address lookup cleared, port mapper off, bound to
    /// `127.0.0.1:0`.
    pub fn loopback() -> Self {
        Self::new(Network::Loopback)
    }

    /// Only through the relay at `url` (its TLS certificate issued by one
    /// of `roots`, DER; none: the platform's and Mozilla's roots): no IP
    /// transports, so no direct path is ever tried; no address lookup (a
    /// peer's address is the relay URL its ticket carries), no port mapping.
    pub fn relay_only(url: RelayUrl, roots: Vec<Vec<u8>>) -> Self {
        Config {
            relay: Some(Relay { url, roots }),
            ..Self::new(Network::RelayOnly)
        }
    }

    fn new(network: Network) -> Self {
        Config {
            network,
            port: 0,
            idle_timeout: IDLE_TIMEOUT,
            keep_alive: KEEP_ALIVE,
            relay: None,
        }
    }

    /// Other timeouts; `None` unless `keep_alive < idle_timeout` and the
    /// idle timeout fits QUIC's varint milliseconds.
    pub fn with_timeouts(self, idle_timeout: Duration, keep_alive: Duration) -> Option<Self> {
        if keep_alive.is_zero() || keep_alive >= idle_timeout {
            return None;
        }
        VarInt::from_u64(u64::try_from(idle_timeout.as_millis()).ok()?).ok()?;
        Some(Config {
            idle_timeout,
            keep_alive,
            ..self
        })
    }

    /// Binds to `port` (loopback mode; `0` picks a free one). A device
    /// that keeps its port is found again by peers after a restart without
    /// address lookup.
    pub fn with_port(self, port: u16) -> Self {
        Config { port, ..self }
    }

    /// Which network.
    pub fn network(&self) -> Network {
        self.network
    }

    /// The QUIC idle timeout.
    pub fn idle_timeout(&self) -> Duration {
        self.idle_timeout
    }

    /// The keep-alive interval.
    pub fn keep_alive(&self) -> Duration {
        self.keep_alive
    }

    /// Whether relays are used.
    pub fn uses_relays(&self) -> bool {
        matches!(self.network, Network::Production | Network::RelayOnly)
    }

    /// The QUIC transport parameters: short idle timeout, keep-alives, no
    /// peer-opened bidirectional streams, a few unidirectional ones.
    pub fn quic(&self) -> Result<QuicTransportConfig, BindError> {
        let idle = self
            .idle_timeout
            .try_into()
            .map_err(|_| BindError::Config("idle timeout out of range"))?;
        Ok(QuicTransportConfig::builder()
            .max_idle_timeout(Some(idle))
            .keep_alive_interval(self.keep_alive)
            .default_path_keep_alive_interval(self.keep_alive)
            .max_concurrent_bidi_streams(VarInt::from_u32(0))
            .max_concurrent_uni_streams(VarInt::from_u32(MAX_UNI_STREAMS))
            .build())
    }

    /// The iroh endpoint builder for `secret`, speaking [`ALPN`] and
    /// enforcing `allowlist`. Nothing is bound or sent until
    /// [`Builder::bind`].
    pub fn builder(&self, secret: SecretKey, allowlist: &Allowlist) -> Result<Builder, BindError> {
        let builder = match self.network {
            Network::Production => Endpoint::builder(presets::N0),
            Network::Loopback => Endpoint::builder(presets::Minimal)
                .relay_mode(RelayMode::Disabled)
                .clear_address_lookup()
                .portmapper_config(PortmapperConfig::Disabled)
                .net_report_config(NetReportConfig::minimal())
                .clear_ip_transports()
                .bind_addr(SocketAddr::from((Ipv4Addr::LOCALHOST, self.port)))
                .map_err(|_| BindError::Config("loopback address refused"))?,
            Network::RelayOnly => {
                let relay = self
                    .relay
                    .as_ref()
                    .ok_or(BindError::Config("relay-only without a relay"))?;
                // With no IP transport, HTTPS probes are how the relay's
                // latency is measured and so how it becomes the home relay.
                let mut report = NetReportConfig::minimal();
                report.https_probes = true;
                let builder = Endpoint::builder(presets::Minimal)
                    .relay_mode(RelayMode::Custom(RelayMap::from(relay.url.clone())))
                    .clear_address_lookup()
                    .portmapper_config(PortmapperConfig::Disabled)
                    .net_report_config(report)
                    .clear_ip_transports();
                if relay.roots.is_empty() {
                    builder
                } else {
                    let roots = relay.roots.iter().cloned().map(CertificateDer::from);
                    builder.ca_tls_config(CaTlsConfig::custom_roots(roots))
                }
            }
        };
        Ok(builder
            .secret_key(secret)
            .alpns(vec![ALPN.to_vec(), PAIR_ALPN.to_vec()])
            .transport_config(self.quic()?)
            .hooks(allowlist.hook()))
    }
}
