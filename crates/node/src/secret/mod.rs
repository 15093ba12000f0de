//! Secrets at rest: a wrapping key from a [`Protector`], and sealed blobs.

mod protector;
mod sealed;

pub use protector::{ENV_VAR, ProtectError, Protector, create_key_file};
pub use sealed::{SealError, WrappingKey, open, seal};
