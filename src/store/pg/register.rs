//! The campaign register in the PostGIS database, shared by every instance
//! ([`crate::campaign::register`] keeps the same records in files for a file store).
//!
//! - `campaign_records`: one row per record, `ord` its creation order, `version` the
//!   sequence number of its last change (0: none recorded);
//! - `campaign_history`: one row per change, `entry` the register's [`Change`] as its
//!   history file holds it, so that `migrate --from` writes it back as it was.
//!
//! A change is one transaction under the register's advisory lock: the records are read,
//! the caller's check runs on them, the row is written only if its `version` is still
//! the one read, the history row is added, and the `drainplan_campaign` channel is
//! notified. Reads look at the last sequence number and read the tables again only when
//! it moved, so every instance serves what the database holds (the register is small).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use postgres::GenericClient;
use serde_json::Value;

use super::PgError;
use super::schema::{OFFICER_ROLE, SCHEMA, VIEWER_ROLE};
use crate::campaign::register::{Change, Op};

/// The advisory lock a register change takes (not the layers' lock: the two do not
/// depend on each other).
pub const REGISTER_LOCK: i64 = 0x0d7a_ca9e;
/// The channel notified after a register change.
pub const CHANNEL: &str = "drainplan_campaign";

/// The register's tables and grants: viewers read them, officers write them, the public
/// nothing (they hold names).
pub fn ddl(out: &mut String) {
    let _ = writeln!(
        out,
        "CREATE TABLE {SCHEMA}.campaign_records (\n  tbl text NOT NULL,\n  id text NOT NULL,\n  ord bigint NOT NULL,\n  version bigint NOT NULL CHECK (version >= 0),\n  record json NOT NULL,\n  PRIMARY KEY (tbl, id)\n);\nCREATE TABLE {SCHEMA}.campaign_history (\n  seq bigint PRIMARY KEY CHECK (seq > 0),\n  at timestamptz NOT NULL,\n  username text NOT NULL,\n  tbl text NOT NULL,\n  id text NOT NULL,\n  entry json NOT NULL\n);\nGRANT SELECT ON {SCHEMA}.campaign_records, {SCHEMA}.campaign_history TO {VIEWER_ROLE};\nGRANT INSERT, UPDATE, DELETE ON {SCHEMA}.campaign_records, {SCHEMA}.campaign_history TO {OFFICER_ROLE};"
    );
}

/// The register as the database holds it.
#[derive(Debug, Default)]
pub struct Contents {
    /// Each table's records in creation order: id, version, record.
    pub tables: BTreeMap<String, Vec<(String, u64, Value)>>,
    /// Every change, oldest first.
    pub history: Vec<Change>,
    /// The last sequence number (0: none).
    pub last_seq: u64,
}

fn seq_of(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

fn signed(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// The last change's sequence number (0: none).
pub fn last_seq(c: &mut impl GenericClient) -> Result<u64, PgError> {
    let row = c.query_one(
        &format!("SELECT coalesce(max(seq), 0) FROM {SCHEMA}.campaign_history"),
        &[],
    )?;
    Ok(seq_of(row.get(0)))
}

/// Reads the whole register.
pub fn read(c: &mut impl GenericClient) -> Result<Contents, PgError> {
    let mut out = Contents::default();
    for row in c.query(
        &format!(
            "SELECT tbl, id, version, record::text FROM {SCHEMA}.campaign_records ORDER BY tbl, ord"
        ),
        &[],
    )? {
        let (tbl, id): (String, String) = (row.get(0), row.get(1));
        let text: String = row.get(3);
        let value: Value = serde_json::from_str(&text)
            .map_err(|e| PgError::Data(format!("campaign_records {tbl} `{id}`: {e}")))?;
        out.tables
            .entry(tbl)
            .or_default()
            .push((id, seq_of(row.get(2)), value));
    }
    for row in c.query(
        &format!("SELECT seq, entry::text FROM {SCHEMA}.campaign_history ORDER BY seq"),
        &[],
    )? {
        let seq: i64 = row.get(0);
        let text: String = row.get(1);
        let change: Change = serde_json::from_str(&text)
            .map_err(|e| PgError::Data(format!("campaign_history {seq}: {e}")))?;
        out.tables.entry(change.table.clone()).or_default();
        out.history.push(change);
    }
    out.last_seq = out.history.last().map_or(0, |c| c.seq);
    Ok(out)
}

/// Writes `change` in the transaction `tx` (which holds [`REGISTER_LOCK`]): the record's
/// row only if it is still at `version` (`Ok(false)` otherwise: nothing written), the
/// history row, the notification.
pub fn write(tx: &mut impl GenericClient, change: &Change, version: u64) -> Result<bool, PgError> {
    let seq = signed(change.seq);
    let record = change
        .after
        .as_ref()
        .map(|v| serde_json::to_string(v).unwrap_or_default());
    let written = match change.op {
        Op::Create => tx.execute(
            &format!(
                "INSERT INTO {SCHEMA}.campaign_records (tbl, id, ord, version, record) SELECT $1, $2, coalesce(max(ord), 0) + 1, $3, $4::text::json FROM {SCHEMA}.campaign_records WHERE tbl = $1"
            ),
            &[&change.table, &change.id, &seq, &record],
        )?,
        Op::Replace => tx.execute(
            &format!(
                "UPDATE {SCHEMA}.campaign_records SET version = $3, record = $4::text::json WHERE tbl = $1 AND id = $2 AND version = $5"
            ),
            &[&change.table, &change.id, &seq, &record, &signed(version)],
        )?,
        Op::Delete => tx.execute(
            &format!(
                "DELETE FROM {SCHEMA}.campaign_records WHERE tbl = $1 AND id = $2 AND version = $3"
            ),
            &[&change.table, &change.id, &signed(version)],
        )?,
    };
    if written != 1 {
        return Ok(false);
    }
    insert_history(tx, change)?;
    tx.execute(
        "SELECT pg_notify($1, $2)",
        &[&CHANNEL, &change.seq.to_string()],
    )?;
    Ok(true)
}

/// Adds `change` to the history table.
pub fn insert_history(c: &mut impl GenericClient, change: &Change) -> Result<(), PgError> {
    let entry = serde_json::to_string(change)
        .map_err(|e| PgError::Data(format!("change {}: {e}", change.seq)))?;
    c.execute(
        &format!(
            "INSERT INTO {SCHEMA}.campaign_history (seq, at, username, tbl, id, entry) VALUES ($1, $2::text::timestamptz, $3, $4, $5, $6::text::json)"
        ),
        &[
            &signed(change.seq),
            &change.at,
            &change.user,
            &change.table,
            &change.id,
            &entry,
        ],
    )?;
    Ok(())
}

/// Adds a record as it stands (for `migrate --to`), after the table's others.
pub fn insert_record(
    c: &mut impl GenericClient,
    table: &str,
    id: &str,
    version: u64,
    record: &Value,
) -> Result<(), PgError> {
    let text =
        serde_json::to_string(record).map_err(|e| PgError::Data(format!("{table} `{id}`: {e}")))?;
    c.execute(
        &format!(
            "INSERT INTO {SCHEMA}.campaign_records (tbl, id, ord, version, record) SELECT $1, $2, coalesce(max(ord), 0) + 1, $3, $4::text::json FROM {SCHEMA}.campaign_records WHERE tbl = $1"
        ),
        &[&table, &id, &signed(version), &text],
    )?;
    Ok(())
}
