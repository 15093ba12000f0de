//! The SQLite schema, versioned with `PRAGMA user_version`. Events are
//! append-only: triggers refuse UPDATE and DELETE.

use rusqlite::Connection;

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = 11;

const V1: &str = "
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value BLOB NOT NULL
) STRICT;
CREATE TABLE wallets (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    threshold  INTEGER NOT NULL CHECK (threshold >= 2),
    parties    INTEGER NOT NULL CHECK (parties >= threshold AND parties <= 16),
    party      INTEGER NOT NULL CHECK (party >= 1 AND party <= parties),
    network    TEXT NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;
CREATE TABLE shares (
    wallet_id TEXT NOT NULL REFERENCES wallets(id),
    scheme    INTEGER NOT NULL,
    sealed    BLOB NOT NULL,
    PRIMARY KEY (wallet_id, scheme)
) STRICT;
CREATE TABLE peers (
    wallet_id   TEXT NOT NULL REFERENCES wallets(id),
    party       INTEGER NOT NULL,
    endpoint_id TEXT NOT NULL,
    name        TEXT NOT NULL,
    PRIMARY KEY (wallet_id, party)
) STRICT;
CREATE TABLE sessions (
    id         BLOB PRIMARY KEY,
    wallet_id  TEXT NOT NULL REFERENCES wallets(id),
    kind       TEXT NOT NULL,
    state      TEXT NOT NULL CHECK (state IN ('running', 'done', 'aborted')),
    detail     TEXT NOT NULL DEFAULT '',
    started_at INTEGER NOT NULL,
    deadline   INTEGER NOT NULL
) STRICT;
CREATE TABLE consumed_nonces (
    session_id BLOB NOT NULL,
    scheme     INTEGER NOT NULL,
    at         INTEGER NOT NULL,
    PRIMARY KEY (session_id, scheme)
) STRICT;
CREATE TABLE banned (
    wallet_id TEXT NOT NULL REFERENCES wallets(id),
    scheme    INTEGER NOT NULL,
    party     INTEGER NOT NULL,
    reason    TEXT NOT NULL,
    at        INTEGER NOT NULL,
    PRIMARY KEY (wallet_id, scheme, party)
) STRICT;
CREATE TABLE events (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    wallet_id TEXT,
    at        INTEGER NOT NULL,
    kind      TEXT NOT NULL,
    detail    TEXT NOT NULL
) STRICT;
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
    BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
    BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
";

/// Version 2: paired devices, pairing tickets, the wallets' public keys,
/// approval policies and finished signatures.
const V2: &str = "
CREATE TABLE devices (
    endpoint_id TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    addr        TEXT NOT NULL,
    paired_at   INTEGER NOT NULL,
    last_seen   INTEGER
) STRICT;
CREATE TABLE tickets (
    secret_hash BLOB PRIMARY KEY,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER,
    used_by     TEXT
) STRICT;
CREATE TABLE wallet_keys (
    wallet_id TEXT NOT NULL REFERENCES wallets(id),
    scheme    INTEGER NOT NULL,
    public    BLOB NOT NULL,
    PRIMARY KEY (wallet_id, scheme)
) STRICT;
ALTER TABLE peers ADD COLUMN addr TEXT NOT NULL DEFAULT '';
CREATE TABLE policies (
    wallet_id TEXT PRIMARY KEY REFERENCES wallets(id),
    policy    TEXT NOT NULL,
    at        INTEGER NOT NULL
) STRICT;
CREATE TABLE signatures (
    wallet_id   TEXT NOT NULL REFERENCES wallets(id),
    scheme      INTEGER NOT NULL,
    message     BLOB NOT NULL,
    signature   BLOB NOT NULL,
    recovery_id INTEGER,
    at          INTEGER NOT NULL,
    PRIMARY KEY (wallet_id, scheme, message)
) STRICT;
";

/// Version 3: wallets stored before every member confirmed (`pending`,
/// with the key generation session and its inviter), members' roles, and
/// removed devices (kept, so a removed wallet member stays shut out).
const V3: &str = "
ALTER TABLE wallets ADD COLUMN state TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'pending'));
ALTER TABLE wallets ADD COLUMN session BLOB;
ALTER TABLE wallets ADD COLUMN initiator TEXT;
ALTER TABLE peers ADD COLUMN role TEXT NOT NULL DEFAULT '';
ALTER TABLE devices ADD COLUMN removed_at INTEGER;
CREATE INDEX wallets_session ON wallets (session);
CREATE INDEX peers_endpoint ON peers (endpoint_id);
";

/// Version 4: signed policy documents (every version received, with the
/// member devices' statements about it) and the spend ledger, replacing the
/// unsigned `policies` rows — which are no longer read: an unsigned policy
/// is never enforced.
const V4: &str = "
CREATE TABLE policy_versions (
    wallet_id   TEXT NOT NULL REFERENCES wallets(id),
    hash        TEXT NOT NULL,
    version     INTEGER NOT NULL,
    document    TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    PRIMARY KEY (wallet_id, hash)
) STRICT;
CREATE TABLE policy_statements (
    wallet_id TEXT NOT NULL,
    hash      TEXT NOT NULL,
    device    TEXT NOT NULL,
    statement TEXT NOT NULL CHECK (statement IN ('approve', 'cancel')),
    signature TEXT NOT NULL,
    at        INTEGER NOT NULL,
    PRIMARY KEY (wallet_id, hash, device, statement),
    FOREIGN KEY (wallet_id, hash) REFERENCES policy_versions (wallet_id, hash)
) STRICT;
CREATE TABLE spend_ledger (
    wallet_id TEXT NOT NULL REFERENCES wallets(id),
    tx        BLOB NOT NULL,
    chain     TEXT NOT NULL,
    chain_id  INTEGER,
    asset     TEXT NOT NULL,
    amount    TEXT NOT NULL,
    at        INTEGER NOT NULL,
    PRIMARY KEY (wallet_id, tx, asset)
) STRICT;
CREATE INDEX spend_ledger_at ON spend_ledger (wallet_id, at);
";

/// Version 5: transfers queued for a policy's delay (`origin` empty: queued
/// by this device, whose clock counts; else the member that reported it)
/// and members' signed cancels of them.
const V5: &str = "
CREATE TABLE delayed_transfers (
    wallet_id   TEXT NOT NULL REFERENCES wallets(id),
    intent      BLOB NOT NULL,
    origin      TEXT NOT NULL,
    summary     TEXT NOT NULL,
    first_seen  INTEGER NOT NULL,
    eligible_at INTEGER NOT NULL,
    used_by     BLOB,
    PRIMARY KEY (wallet_id, intent, origin)
) STRICT;
CREATE TABLE delayed_cancels (
    wallet_id TEXT NOT NULL REFERENCES wallets(id),
    intent    BLOB NOT NULL,
    device    TEXT NOT NULL,
    signature TEXT NOT NULL,
    at        INTEGER NOT NULL,
    PRIMARY KEY (wallet_id, intent, device)
) STRICT;
";

/// Version 6: a generation counter of what the policy sync pushes (policy
/// versions and statements, delayed transfers and cancels, wallets and
/// their members), kept by triggers — so a change made by this process or
/// by another one on the same file (the `accord` CLI) is seen by reading
/// one row, not every wallet's policy. Edits and deletions count too: a
/// policy row altered in place must be seen (and refused) at once.
const V6: &str = "
CREATE TABLE generations (
    name TEXT PRIMARY KEY,
    n    INTEGER NOT NULL
) STRICT;
INSERT INTO generations (name, n) VALUES ('policy', 0);
CREATE TRIGGER policy_versions_insert_policy_gen AFTER INSERT ON policy_versions
    BEGIN UPDATE generations SET n = n + 1 WHERE name = 'policy'; END;
CREATE TRIGGER policy_versions_delete_policy_gen AFTER DELETE ON policy_versions
    BEGIN UPDATE generations SET n = n + 1 WHERE name = 'policy'; END;
CREATE TRIGGER policy_versions_update_policy_gen AFTER UPDATE ON policy_versions
    BEGIN UPDATE generations SET n = n + 1 WHERE name = 'policy'; END;
CREATE TRIGGER policy_statements_insert_policy_gen AFTER INSERT ON policy_statements
    BEGIN UPDATE generations SET n = n + 1 WHERE name = 'policy'; END;
CREATE TRIGGER policy_statements_delete_policy_gen AFTER DELETE ON policy_statements
    BEGIN UPDATE generations SET n = n + 1 WHERE name = 'policy'; END;
CREATE TRIGGER policy_statements_update_policy_gen AFTER UPDATE ON policy_statements
    BEGIN UPDATE generations SET n = n + 1 WHERE name = 'policy'; END;
CREATE TRIGGER delayed_transfers_insert_policy_gen AFTER INSERT ON delayed_transfers
    BEGIN UPDATE generations SET n = n + 1 WHERE name = 'policy'; END;
CREATE TRIGGER delayed_transfers_update_policy_gen AFTER UPDATE ON delayed_transfers
    BEGIN UPDATE generations SET n = n + 1 WHERE name = 'policy'; END;
CREATE TRIGGER delayed_transfers_delete_policy_gen AFTER DELETE ON delayed_transfers
    BEGIN UPDATE generations SET n = n + 1 WHERE name = 'policy'; END;
CREATE TRIGGER delayed_cancels_insert_policy_gen AFTER INSERT ON delayed_cancels
    BEGIN UPDATE generations SET n = n + 1 WHERE name = 'policy'; END;
CREATE TRIGGER delayed_cancels_delete_policy_gen AFTER DELETE ON delayed_cancels
    BEGIN UPDATE generations SET n = n + 1 WHERE name = 'policy'; END;
CREATE TRIGGER delayed_cancels_update_policy_gen AFTER UPDATE ON delayed_cancels
    BEGIN UPDATE generations SET n = n + 1 WHERE name = 'policy'; END;
CREATE TRIGGER wallets_insert_policy_gen AFTER INSERT ON wallets
    BEGIN UPDATE generations SET n = n + 1 WHERE name = 'policy'; END;
CREATE TRIGGER wallets_update_policy_gen AFTER UPDATE ON wallets
    BEGIN UPDATE generations SET n = n + 1 WHERE name = 'policy'; END;
CREATE TRIGGER wallets_delete_policy_gen AFTER DELETE ON wallets
    BEGIN UPDATE generations SET n = n + 1 WHERE name = 'policy'; END;
CREATE TRIGGER peers_insert_policy_gen AFTER INSERT ON peers
    BEGIN UPDATE generations SET n = n + 1 WHERE name = 'policy'; END;
CREATE TRIGGER peers_update_policy_gen AFTER UPDATE ON peers
    BEGIN UPDATE generations SET n = n + 1 WHERE name = 'policy'; END;
CREATE TRIGGER peers_delete_policy_gen AFTER DELETE ON peers
    BEGIN UPDATE generations SET n = n + 1 WHERE name = 'policy'; END;
";

/// Version 7: key epochs. A wallet's shares are of its `epoch` (0 after
/// key generation; a refresh or replacement moves it on, made by session
/// `epoch_session`); a refresh's new shares wait in `pending_shares`
/// beside the ones in use until every member stored theirs
/// (`pending_epochs`: which epoch, which session, who decides).
const V7: &str = "
ALTER TABLE wallets ADD COLUMN epoch INTEGER NOT NULL DEFAULT 0 CHECK (epoch >= 0);
ALTER TABLE wallets ADD COLUMN epoch_session BLOB;
CREATE TABLE pending_epochs (
    wallet_id TEXT PRIMARY KEY REFERENCES wallets(id),
    epoch     INTEGER NOT NULL,
    session   BLOB NOT NULL,
    initiator TEXT NOT NULL,
    at        INTEGER NOT NULL
) STRICT;
CREATE TABLE pending_shares (
    wallet_id TEXT NOT NULL REFERENCES pending_epochs(wallet_id),
    scheme    INTEGER NOT NULL,
    sealed    BLOB NOT NULL,
    PRIMARY KEY (wallet_id, scheme)
) STRICT;
";

/// Version 8: replacements of lost devices waiting for their delay here
/// (one per wallet: which party, by which new device, since when).
const V8: &str = "
CREATE TABLE replacements (
    wallet_id  TEXT PRIMARY KEY REFERENCES wallets(id),
    party      INTEGER NOT NULL,
    new_device TEXT NOT NULL,
    first_seen INTEGER NOT NULL
) STRICT;
ALTER TABLE pending_epochs ADD COLUMN replacing TEXT;
";

/// Version 9: the event log is a hash chain (`crate::audit`): each event
/// holds the previous one's hash and its own, filled in by a trigger as it
/// is written (with the connection's `accord_event_hash` function, so a
/// writer without it cannot add an event); an event may be updated only
/// while it has no hash yet (by that trigger), never after.
const V9: &str = "
ALTER TABLE events ADD COLUMN prev BLOB;
ALTER TABLE events ADD COLUMN hash BLOB;
DROP TRIGGER events_no_update;
CREATE TRIGGER events_no_update BEFORE UPDATE ON events WHEN OLD.hash IS NOT NULL
    BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
CREATE TRIGGER events_chain AFTER INSERT ON events BEGIN
    UPDATE events SET prev = COALESCE(
        (SELECT e.hash FROM events e WHERE e.seq < NEW.seq ORDER BY e.seq DESC LIMIT 1),
        zeroblob(32))
    WHERE seq = NEW.seq;
    UPDATE events SET hash = accord_event_hash(prev, seq, wallet_id, at, kind, detail)
    WHERE seq = NEW.seq;
END;
";

/// Version 10: team proposals (`crate::team`) and the members' signed
/// votes, with a generation counter a running node watches (the `accord`
/// CLI writes here too).
const V10: &str = "
CREATE TABLE team_proposals (
    id          TEXT PRIMARY KEY,
    wallet_id   TEXT NOT NULL REFERENCES wallets(id),
    chain       TEXT NOT NULL,
    unsigned    BLOB NOT NULL,
    note        TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    proposer    TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    signatures  TEXT,
    encoded     TEXT,
    txid        TEXT,
    done_at     INTEGER
) STRICT;
CREATE INDEX team_proposals_wallet ON team_proposals (wallet_id, created_at);
CREATE TABLE team_votes (
    proposal_id TEXT NOT NULL REFERENCES team_proposals(id),
    device      TEXT NOT NULL,
    kind        TEXT NOT NULL,
    reason      TEXT NOT NULL,
    at          INTEGER NOT NULL,
    signature   TEXT NOT NULL,
    arrived     INTEGER NOT NULL,
    PRIMARY KEY (proposal_id, device)
) STRICT;
INSERT INTO generations (name, n) VALUES ('team', 0);
CREATE TRIGGER team_proposals_insert_gen AFTER INSERT ON team_proposals
    BEGIN UPDATE generations SET n = n + 1 WHERE name = 'team'; END;
CREATE TRIGGER team_proposals_update_gen AFTER UPDATE ON team_proposals
    BEGIN UPDATE generations SET n = n + 1 WHERE name = 'team'; END;
CREATE TRIGGER team_votes_insert_gen AFTER INSERT ON team_votes
    BEGIN UPDATE generations SET n = n + 1 WHERE name = 'team'; END;
";

/// Version 11: proposer-only devices ([`crate::team::Grant`]). On a
/// member: the grants of its wallets (the latest per device). On a
/// proposer-only device: the wallets it may propose to, as their cards;
/// their proposals are kept with the others, so `team_proposals` no longer
/// requires a wallet with a share here (rebuilt without that reference,
/// foreign keys off: SQLite's twelve-step table change).
const V11: &str = "
CREATE TABLE team_proposals_v11 (
    id          TEXT PRIMARY KEY,
    wallet_id   TEXT NOT NULL,
    chain       TEXT NOT NULL,
    unsigned    BLOB NOT NULL,
    note        TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    proposer    TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    signatures  TEXT,
    encoded     TEXT,
    txid        TEXT,
    done_at     INTEGER
) STRICT;
INSERT INTO team_proposals_v11 SELECT id, wallet_id, chain, unsigned, note, created_at,
    expires_at, proposer, received_at, signatures, encoded, txid, done_at FROM team_proposals;
DROP TABLE team_proposals;
ALTER TABLE team_proposals_v11 RENAME TO team_proposals;
CREATE INDEX team_proposals_wallet ON team_proposals (wallet_id, created_at);
CREATE TRIGGER team_proposals_insert_gen AFTER INSERT ON team_proposals
    BEGIN UPDATE generations SET n = n + 1 WHERE name = 'team'; END;
CREATE TRIGGER team_proposals_update_gen AFTER UPDATE ON team_proposals
    BEGIN UPDATE generations SET n = n + 1 WHERE name = 'team'; END;
CREATE TABLE team_proposers (
    wallet_id TEXT NOT NULL REFERENCES wallets(id),
    device    TEXT NOT NULL,
    name      TEXT NOT NULL,
    active    INTEGER NOT NULL,
    by        TEXT NOT NULL,
    at        INTEGER NOT NULL,
    signature TEXT NOT NULL,
    addr      TEXT NOT NULL,
    PRIMARY KEY (wallet_id, device)
) STRICT;
CREATE TRIGGER team_proposers_insert_gen AFTER INSERT ON team_proposers
    BEGIN UPDATE generations SET n = n + 1 WHERE name = 'team'; END;
CREATE TRIGGER team_proposers_update_gen AFTER UPDATE ON team_proposers
    BEGIN UPDATE generations SET n = n + 1 WHERE name = 'team'; END;
CREATE TABLE team_watched (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    card        TEXT NOT NULL,
    received_at INTEGER NOT NULL
) STRICT;
";

/// The SQL function the chain's trigger calls ([`crate::audit::event_hash`]).
pub fn register_functions(conn: &Connection) -> rusqlite::Result<()> {
    use rusqlite::functions::FunctionFlags;
    conn.create_scalar_function(
        "accord_event_hash",
        6,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| {
            let prev: Vec<u8> = ctx.get(0)?;
            let wallet: Option<String> = ctx.get(2)?;
            let kind: String = ctx.get(4)?;
            let detail: String = ctx.get(5)?;
            Ok(crate::audit::event_hash(
                &prev,
                ctx.get(1)?,
                wallet.as_deref(),
                ctx.get(3)?,
                &kind,
                &detail,
            )
            .to_vec())
        },
    )
}

/// Chains the events written before version 9, in their order.
fn chain_existing_events(tx: &rusqlite::Transaction<'_>) -> rusqlite::Result<()> {
    let mut read = tx.prepare(
        "SELECT seq, wallet_id, at, kind, detail FROM events WHERE hash IS NULL ORDER BY seq",
    )?;
    let rows = read
        .query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut prev: Vec<u8> = rusqlite::OptionalExtension::optional(tx.query_row(
        "SELECT hash FROM events WHERE hash IS NOT NULL ORDER BY seq DESC LIMIT 1",
        [],
        |r| r.get(0),
    ))?
    .unwrap_or_else(|| crate::audit::GENESIS.to_vec());
    let mut write = tx.prepare("UPDATE events SET prev = ?1, hash = ?2 WHERE seq = ?3")?;
    for (seq, wallet, at, kind, detail) in rows {
        let hash = crate::audit::event_hash(&prev, seq, wallet.as_deref(), at, &kind, &detail);
        write.execute(rusqlite::params![prev, hash.to_vec(), seq])?;
        prev = hash.to_vec();
    }
    Ok(())
}

/// Brings the database to [`SCHEMA_VERSION`] in one transaction; refuses a
/// newer database.
pub fn migrate(conn: &mut Connection) -> rusqlite::Result<Result<(), i64>> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version > SCHEMA_VERSION {
        return Ok(Err(version));
    }
    if version < SCHEMA_VERSION {
        // Version 11 rebuilds a table others refer to: foreign keys are off
        // for the change (a no-op inside a transaction) and checked after.
        conn.pragma_update(None, "foreign_keys", false)?;
        let tx = conn.transaction()?;
        if version < 1 {
            tx.execute_batch(V1)?;
        }
        if version < 2 {
            tx.execute_batch(V2)?;
        }
        if version < 3 {
            tx.execute_batch(V3)?;
        }
        if version < 4 {
            tx.execute_batch(V4)?;
        }
        if version < 5 {
            tx.execute_batch(V5)?;
        }
        if version < 6 {
            tx.execute_batch(V6)?;
        }
        if version < 7 {
            tx.execute_batch(V7)?;
        }
        if version < 8 {
            tx.execute_batch(V8)?;
        }
        if version < 9 {
            tx.execute_batch(V9)?;
            chain_existing_events(&tx)?;
        }
        if version < 10 {
            tx.execute_batch(V10)?;
        }
        tx.execute_batch(V11)?;
        let broken: Option<String> = rusqlite::OptionalExtension::optional(tx.query_row(
            "SELECT \"table\" FROM pragma_foreign_key_check",
            [],
            |r| r.get(0),
        ))?;
        if let Some(table) = broken {
            return Err(rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY),
                Some(format!(
                    "a row of {table} refers to nothing after the migration"
                )),
            ));
        }
        tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
        tx.commit()?;
        conn.pragma_update(None, "foreign_keys", true)?;
    }
    Ok(Ok(()))
}
