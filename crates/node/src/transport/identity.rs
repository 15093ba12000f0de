//! Device identity: the 32-byte device secret sealed in the store
//! ([`DeviceStore::device_secret`]) is the Ed25519 secret key of the
//! device's iroh endpoint, so the device id is its [`EndpointId`] (the
//! Ed25519 public key, proven in every QUIC/TLS handshake).

use iroh::{EndpointId, SecretKey};

use crate::store::{DeviceStore, StoreError};

/// This device's endpoint secret key, created in the store on first use.
pub fn secret_key<S: DeviceStore + ?Sized>(store: &mut S) -> Result<SecretKey, StoreError> {
    let bytes = store.device_secret()?;
    Ok(SecretKey::from_bytes(&bytes))
}

/// This device's id: the endpoint id of [`secret_key`].
pub fn device_id<S: DeviceStore + ?Sized>(store: &mut S) -> Result<EndpointId, StoreError> {
    Ok(secret_key(store)?.public())
}
