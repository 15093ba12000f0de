//! How the endpoint is built: [`Config::production`] (n0's relays and
//! address lookup, all local interfaces) or [`Config::loopback`] — the
//! `--no-relay` mode for tests and offline use: no relays, no address
//! lookup, no port mapping, bound to `127.0.0.1:0`, so nothing leaves the
//! machine.
//!
//! Both lower QUIC's idle timeout (RFC 9000 §10.1; iroh's default is 30 s)
//! and send keep-alives more often than that, so a live but quiet peer
//! stays connected and a dead one is noticed within the idle timeout.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use iroh::endpoint::{
    Builder, NetReportConfig, PortmapperConfig, QuicTransportConfig, VarInt, presets,
};
use iroh::{Endpoint, RelayMode, SecretKey};

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
}

/// The endpoint configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    network: Network,
    port: u16,
    idle_timeout: Duration,
    keep_alive: Duration,
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

    fn new(network: Network) -> Self {
        Config {
            network,
            port: 0,
            idle_timeout: IDLE_TIMEOUT,
            keep_alive: KEEP_ALIVE,
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
        self.network == Network::Production
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
        };
        Ok(builder
            .secret_key(secret)
            .alpns(vec![ALPN.to_vec(), PAIR_ALPN.to_vec()])
            .transport_config(self.quic()?)
            .hooks(allowlist.hook()))
    }
}
