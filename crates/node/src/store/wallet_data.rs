//! What a wallet has besides its shares: its members (party → device), its
//! group public keys (readable without the wrapping key's secrets being
//! used), its approval policy and the signatures it finished — looked up
//! before a signing session is retried, so a finished signature is never
//! asked for twice.

use accord_mpc::{GroupKey, Scheme, Signature};
use rusqlite::{OptionalExtension, params};

use super::{Store, StoreError, WalletRecord};

/// A member of a wallet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    /// Its party id in the wallet (1..=n).
    pub party: u8,
    /// Its device (endpoint) id, hex.
    pub endpoint_id: String,
    /// Its name.
    pub name: String,
    /// How to reach it (JSON of an iroh `EndpointAddr`), as last learned.
    pub addr: String,
}

/// A wallet to create.
#[derive(Debug)]
pub struct NewWallet<'a> {
    /// The id every member uses for it (hex).
    pub id: String,
    /// Its unique name on this device.
    pub name: &'a str,
    /// `mainnet`, `testnet`, `signet`, `regtest`.
    pub network: &'a str,
    /// This device's shares, one per scheme.
    pub shares: &'a [&'a accord_mpc::KeyShare],
    /// Every member, this device included.
    pub members: &'a [Member],
}

/// The group key as stored: Taproot `Q ‖ P`, otherwise [`GroupKey::to_bytes`].
pub fn group_key_bytes(key: &GroupKey) -> Vec<u8> {
    match key {
        GroupKey::Taproot {
            output_key,
            internal_key,
        } => [output_key.as_slice(), internal_key.as_slice()].concat(),
        other => other.to_bytes(),
    }
}

fn parse_group_key(scheme: Scheme, bytes: &[u8]) -> Option<GroupKey> {
    match scheme {
        Scheme::FrostTaproot => {
            let (q, p) = bytes.split_at_checked(32)?;
            Some(GroupKey::Taproot {
                output_key: q.try_into().ok()?,
                internal_key: p.try_into().ok()?,
            })
        }
        Scheme::FrostEd25519 => Some(GroupKey::Ed25519(bytes.try_into().ok()?)),
        Scheme::Ecdsa => Some(GroupKey::Secp256k1(bytes.try_into().ok()?)),
    }
}

impl Store {
    /// The members of `wallet`, by party.
    pub fn members(&self, wallet: &WalletRecord) -> Result<Vec<Member>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT party, endpoint_id, name, addr FROM peers WHERE wallet_id = ?1 ORDER BY party",
        )?;
        let rows = stmt.query_map([&wallet.id], |r| {
            Ok(Member {
                party: r.get(0)?,
                endpoint_id: r.get(1)?,
                name: r.get(2)?,
                addr: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The group public key of `wallet` for `scheme`.
    pub fn group_key(&self, wallet: &WalletRecord, scheme: Scheme) -> Result<GroupKey, StoreError> {
        let bytes: Vec<u8> = self
            .conn
            .query_row(
                "SELECT public FROM wallet_keys WHERE wallet_id = ?1 AND scheme = ?2",
                params![wallet.id, scheme.code()],
                |r| r.get(0),
            )
            .optional()?
            .ok_or_else(|| {
                StoreError::NotFound(format!("{scheme} key of wallet {}", wallet.name))
            })?;
        parse_group_key(scheme, &bytes).ok_or_else(|| StoreError::CorruptShare {
            wallet: wallet.name.clone(),
            scheme,
            reason: "stored public key has the wrong length".into(),
        })
    }

    /// The group public key of every scheme of `wallet`.
    pub fn group_keys(
        &self,
        wallet: &WalletRecord,
    ) -> Result<std::collections::BTreeMap<Scheme, GroupKey>, StoreError> {
        Scheme::ALL
            .into_iter()
            .map(|s| Ok((s, self.group_key(wallet, s)?)))
            .collect()
    }

    /// Sets the approval policy of `wallet` (JSON, checked by the caller).
    pub fn set_policy(
        &mut self,
        wallet: &WalletRecord,
        policy_json: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO policies (wallet_id, policy, at) VALUES (?1, ?2, ?3)
             ON CONFLICT (wallet_id) DO UPDATE SET policy = excluded.policy, at = excluded.at",
            params![wallet.id, policy_json, now],
        )?;
        tx.execute(
            "INSERT INTO events (wallet_id, at, kind, detail) VALUES (?1, ?2, 'policy', ?3)",
            params![wallet.id, now, policy_json],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The approval policy of `wallet` (JSON), if one is set.
    pub fn policy(&self, wallet: &WalletRecord) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT policy FROM policies WHERE wallet_id = ?1",
                [&wallet.id],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Records a finished, verified signature of `message`.
    pub fn record_signature(
        &mut self,
        wallet: &WalletRecord,
        scheme: Scheme,
        message: &[u8],
        signature: &Signature,
        now: i64,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT OR IGNORE INTO signatures (wallet_id, scheme, message, signature, recovery_id, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                wallet.id,
                scheme.code(),
                message,
                signature.to_bytes().to_vec(),
                signature.recovery_id(),
                now
            ],
        )?;
        Ok(())
    }

    /// A finished signature of `message`, if this device has one.
    pub fn finished_signature(
        &self,
        wallet: &WalletRecord,
        scheme: Scheme,
        message: &[u8],
    ) -> Result<Option<Signature>, StoreError> {
        let row: Option<(Vec<u8>, Option<u8>)> = self
            .conn
            .query_row(
                "SELECT signature, recovery_id FROM signatures WHERE wallet_id = ?1 AND scheme = ?2 AND message = ?3",
                params![wallet.id, scheme.code(), message],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((bytes, recovery_id)) = row else {
            return Ok(None);
        };
        let bytes: [u8; 64] = bytes.try_into().map_err(|_| StoreError::CorruptShare {
            wallet: wallet.name.clone(),
            scheme,
            reason: "stored signature has the wrong length".into(),
        })?;
        let (r, s) = bytes.split_at(32);
        Ok(Some(match (scheme, recovery_id) {
            (Scheme::FrostTaproot, _) => Signature::Bip340(bytes),
            (Scheme::FrostEd25519, _) => Signature::Ed25519(bytes),
            (Scheme::Ecdsa, recovery_id) => Signature::Ecdsa {
                r: r.try_into().unwrap_or([0; 32]),
                s: s.try_into().unwrap_or([0; 32]),
                recovery_id: recovery_id.unwrap_or(0),
            },
        }))
    }
}
