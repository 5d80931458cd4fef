//! The PostGIS store: the layers and the edit history in a PostgreSQL + PostGIS database,
//! shared by any number of `drainplan serve` instances and by GIS clients (QGIS) editing
//! the tables directly.
//!
//! Each instance keeps the whole data set (or its provinces or communes: [`Filter`]) in
//! memory as the file store does — the same [`Dataset`], R-trees and analyses, so reads
//! are served from this cache — and follows the database:
//! 1. every change to a layer, by drainplan or by SQL, writes one `history` row in the
//!    same transaction, numbered under one advisory lock so that numbers follow the commit
//!    order with no gap, and notifies the `drainplan` channel;
//! 2. an instance LISTENs on the channel (and, in case a notification is lost, looks every
//!    [`FOLLOW_EVERY`]) and applies the rows after the last one it has seen: for a change
//!    made elsewhere it reads the feature's row as it now stands;
//! 3. its own edit is one transaction that takes the lock, first takes in the changes made
//!    elsewhere, then writes the row only if its `row_version` is still the one the cache
//!    holds (`UPDATE … WHERE row_version = $v`), and the history row; the cache changes
//!    only after the commit.
//!
//! A lost connection fails an edit with [`PgError::Unreachable`] (nothing was written:
//! the transaction is rolled back by the server) while reads go on from the cache; the
//! next edit or the follower connects again.

pub mod migrate;
pub mod register;
pub mod schema;

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use geo::Geometry;
use postgres::{Client, GenericClient, NoTls};
use serde_json::Value;

use super::edit::{Edit, EditError, EditOp};
use super::journal::JournalEntry;
use super::{Dataset, Feature};
use crate::model::schema::ValueKind;
use crate::model::{LayerKind, Properties};
use schema::{CHANNEL, SCHEMA, WRITE_LOCK, columns};

/// How often an instance looks for changes when no notification came.
pub const FOLLOW_EVERY: Duration = Duration::from_millis(500);
/// How long a connection attempt may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// Why the database could not serve a request.
#[derive(Debug, thiserror::Error)]
pub enum PgError {
    /// The database cannot be reached (refused, closed, shut down).
    #[error("the database cannot be reached ({0}); nothing was changed; try again")]
    Unreachable(#[source] postgres::Error),
    /// The database refused a statement (a constraint, a permission): its message.
    #[error("the database refused the change: {0}")]
    Refused(String),
    /// The database holds something drainplan cannot read.
    #[error("{0}")]
    Data(String),
}

impl From<postgres::Error> for PgError {
    fn from(e: postgres::Error) -> Self {
        let lost = e.is_closed()
            || match e.code() {
                // 08: connection exceptions; 57P: the server shutting down.
                Some(c) => c.code().starts_with("08") || c.code().starts_with("57P"),
                None => true,
            };
        match e.as_db_error() {
            Some(db) if !lost => PgError::Refused(match db.detail() {
                Some(d) => format!("{} ({d})", db.message()),
                None => db.message().to_owned(),
            }),
            _ => PgError::Unreachable(e),
        }
    }
}

/// Which part of the data an instance loads: all, or the villages of some provinces
/// and/or communes and the features in them.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// The communes (a village's `commune`); empty: all.
    pub communes: Vec<String>,
    /// The provinces (a village's `province`); empty: all. With communes: the communes of
    /// these names within these provinces.
    pub provinces: Vec<String>,
}

/// Why a start-up filter cannot be served: a name that would load nothing, or a commune
/// name that means more than one commune.
#[derive(Debug, thiserror::Error)]
pub enum FilterError {
    /// No village names this province.
    #[error("no village is in province {name:?}; the provinces in the database are: {known}")]
    UnknownProvince {
        /// The name given.
        name: String,
        /// The provinces the villages name, listed.
        known: String,
    },
    /// No village (in the provinces given, if any) names this commune.
    #[error(
        "no village is in commune {name:?}{within}; a commune is named by its villages' `commune` property"
    )]
    UnknownCommune {
        /// The name given.
        name: String,
        /// ` in province(s) …` when provinces were given.
        within: String,
    },
    /// Villages of several provinces name this commune: a commune is told apart by its
    /// province and its name.
    #[error(
        "commune {name:?} is in more than one province ({provinces}): add --province to say which one is meant"
    )]
    AmbiguousCommune {
        /// The name given.
        name: String,
        /// The provinces its villages name, listed.
        provinces: String,
    },
}

impl From<FilterError> for PgError {
    fn from(e: FilterError) -> Self {
        PgError::Data(e.to_string())
    }
}

/// Villages' provinces as the start-up errors list them: quoted, comma-separated, a
/// village with none as `(no province)`.
fn province_labels(ps: &[Option<String>]) -> String {
    ps.iter()
        .map(|p| {
            p.as_ref()
                .map_or_else(|| "(no province)".to_owned(), |p| format!("{p:?}"))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

impl Filter {
    /// Whether the filter keeps everything.
    pub fn is_all(&self) -> bool {
        self.communes.is_empty() && self.provinces.is_empty()
    }

    /// The lists the SQL of [`Filter::condition`] binds, in their parameters' order.
    fn params(&self) -> Vec<&(dyn postgres::types::ToSql + Sync)> {
        let mut out: Vec<&(dyn postgres::types::ToSql + Sync)> = Vec::new();
        if !self.communes.is_empty() {
            out.push(&self.communes);
        }
        if !self.provinces.is_empty() {
            out.push(&self.provinces);
        }
        out
    }

    /// The number of the first parameter after the filter's.
    fn next_param(&self) -> usize {
        self.params().len() + 1
    }

    /// The condition on the villages kept, their columns read from `alias` (`$1`, `$2`
    /// as [`Filter::params`] numbers them).
    fn villages_kept(&self, alias: &str) -> String {
        let mut parts = Vec::new();
        let mut n = 0;
        if !self.communes.is_empty() {
            n += 1;
            parts.push(format!("{alias}commune = ANY(${n})"));
        }
        if !self.provinces.is_empty() {
            n += 1;
            parts.push(format!("{alias}province = ANY(${n})"));
        }
        parts.join(" AND ")
    }

    /// The SQL condition on a layer's rows.
    fn condition(&self, kind: LayerKind) -> Option<String> {
        if self.is_all() {
            return None;
        }
        let kept = self.villages_kept("v.");
        let t = format!("{SCHEMA}.{}", kind.id());
        Some(match kind {
            LayerKind::Villages => self.villages_kept(""),
            // Features without a village link are kept when they meet a kept village (the
            // row's own geometry named by its table: inside the subquery a bare `geom` is
            // the village's).
            _ => format!(
                "(village_id IN (SELECT v.id FROM {SCHEMA}.villages v WHERE {kept}) OR (village_id IS NULL AND EXISTS (SELECT 1 FROM {SCHEMA}.villages v WHERE {kept} AND ST_Intersects(v.geom, {t}.geom))))"
            ),
        })
    }

    /// Checks that every name loads something and that a commune name means one commune:
    /// 1. each province names at least one village;
    /// 2. each commune names villages (within the provinces, if any) …
    /// 3. … of one province only: the same commune name in two provinces is two communes,
    ///    and the instance would serve both without saying so.
    fn check(&self, c: &mut impl GenericClient) -> Result<(), PgError> {
        if !self.provinces.is_empty() {
            let known: Vec<Option<String>> = c
                .query(
                    &format!("SELECT DISTINCT province FROM {SCHEMA}.villages ORDER BY 1"),
                    &[],
                )?
                .iter()
                .map(|r| r.get(0))
                .collect();
            for name in &self.provinces {
                if !known.iter().any(|k| k.as_deref() == Some(name.as_str())) {
                    return Err(FilterError::UnknownProvince {
                        name: name.clone(),
                        known: province_labels(&known),
                    }
                    .into());
                }
            }
        }
        let within = if self.provinces.is_empty() {
            String::new()
        } else {
            " AND province = ANY($2)".to_owned()
        };
        let sql = format!(
            "SELECT DISTINCT province FROM {SCHEMA}.villages WHERE commune = $1{within} ORDER BY 1"
        );
        for name in &self.communes {
            let rows = if self.provinces.is_empty() {
                c.query(sql.as_str(), &[name])?
            } else {
                c.query(sql.as_str(), &[name, &self.provinces])?
            };
            let provinces: Vec<Option<String>> = rows.iter().map(|r| r.get(0)).collect();
            match provinces.len() {
                0 => {
                    return Err(FilterError::UnknownCommune {
                        name: name.clone(),
                        within: if self.provinces.is_empty() {
                            String::new()
                        } else {
                            format!(" in province(s) {}", self.provinces.join(", "))
                        },
                    }
                    .into());
                }
                1 => {}
                _ => {
                    return Err(FilterError::AmbiguousCommune {
                        name: name.clone(),
                        provinces: province_labels(&provinces),
                    }
                    .into());
                }
            }
        }
        Ok(())
    }
}

/// Opens a connection.
pub fn connect(url: &str) -> Result<Client, PgError> {
    let mut config: postgres::Config = url.parse().map_err(|e: postgres::Error| {
        PgError::Data(format!("{url} is not a PostgreSQL connection string: {e}"))
    })?;
    config.connect_timeout(CONNECT_TIMEOUT);
    config.keepalives_idle(Duration::from_secs(10));
    if config.get_application_name().is_none() {
        config.application_name("drainplan");
    }
    Ok(config.connect(NoTls)?)
}

/// Whether the database already holds a drainplan schema.
pub fn has_schema(c: &mut impl GenericClient) -> Result<bool, PgError> {
    Ok(
        c.query_opt("SELECT 1 FROM pg_namespace WHERE nspname = $1", &[&SCHEMA])?
            .is_some(),
    )
}

// --- features ↔ rows -----------------------------------------------------------------

fn wkb_of(g: &Geometry) -> Result<Vec<u8>, PgError> {
    let mut out = Vec::new();
    wkb::writer::write_geometry(
        &mut out,
        g,
        &wkb::writer::WriteOptions {
            endianness: wkb::Endianness::LittleEndian,
        },
    )
    .map_err(|e| PgError::Data(format!("cannot write the geometry as WKB: {e}")))?;
    Ok(out)
}

fn geometry_of(bytes: &[u8]) -> Result<Geometry, PgError> {
    use geo_traits::to_geo::ToGeoGeometry;
    let w = wkb::reader::read_wkb(bytes)
        .map_err(|e| PgError::Data(format!("cannot read a geometry's WKB: {e}")))?;
    w.try_to_geometry()
        .ok_or_else(|| PgError::Data("an empty point in a geometry".into()))
}

/// A property's value as the text its column is cast from.
fn value_text(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// A column's text (as [`select_sql`] reads it) as the property's JSON value.
fn value_of(kind: ValueKind, text: String) -> Result<Value, PgError> {
    Ok(match kind {
        ValueKind::Integer { .. } | ValueKind::Number { .. } => serde_json::from_str(&text)
            .map_err(|e| PgError::Data(format!("number {text:?}: {e}")))?,
        ValueKind::Boolean => Value::Bool(text == "true"),
        _ => Value::String(text),
    })
}

/// The columns after `id, geom, keys` in the statements' order, with the cast of each
/// parameter.
fn cast(kind: ValueKind) -> String {
    format!("::text::{}", schema::sql_type(kind))
}

fn insert_sql(kind: LayerKind) -> String {
    let cols: Vec<&str> = columns(kind).map(|s| s.name).collect();
    let values: Vec<String> = columns(kind)
        .enumerate()
        .map(|(i, s)| format!("${}{}", i + 4, cast(s.kind)))
        .collect();
    format!(
        "INSERT INTO {SCHEMA}.{t} (id, geom, keys, {}) VALUES ($1, ST_GeomFromWKB($2, 4326), $3, {}) ON CONFLICT (id) DO NOTHING RETURNING row_version",
        cols.join(", "),
        values.join(", "),
        t = kind.id()
    )
}

fn update_sql(kind: LayerKind) -> String {
    let n = columns(kind).count();
    let sets: Vec<String> = columns(kind)
        .enumerate()
        .map(|(i, s)| format!("{} = ${}{}", s.name, i + 4, cast(s.kind)))
        .collect();
    format!(
        "UPDATE {SCHEMA}.{t} SET geom = ST_GeomFromWKB($2, 4326), keys = $3, {} WHERE id = $1 AND row_version = ${} RETURNING row_version",
        sets.join(", "),
        n + 4,
        t = kind.id()
    )
}

/// The rows `filter` keeps, and with `and` only those that also meet that condition (whose
/// parameter is numbered after the filter's: [`Filter::next_param`]).
fn select_sql(kind: LayerKind, filter: &Filter, and: Option<&str>) -> String {
    let cols: Vec<String> = columns(kind)
        .map(|s| match s.kind {
            ValueKind::Date => format!("to_char({}, 'YYYY-MM-DD')", s.name),
            _ => format!("{}::text", s.name),
        })
        .collect();
    let mut conditions: Vec<String> = filter.condition(kind).into_iter().collect();
    conditions.extend(and.map(str::to_owned));
    format!(
        "SELECT id, ST_AsBinary(geom), keys, row_version, {} FROM {SCHEMA}.{t}{} ORDER BY ord",
        cols.join(", "),
        if conditions.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", conditions.join(" AND "))
        },
        t = kind.id()
    )
}

/// A row read by [`select_sql`] as the feature and its row version.
///
/// The properties come back in the order the feature had them (`keys`, which also tells
/// a property set to null from one absent); a value set outside drainplan for a property
/// the feature did not have is added after them, in the schema's order.
fn feature_of(kind: LayerKind, row: &postgres::Row) -> Result<(Feature, i64), PgError> {
    let id: String = row.try_get(0)?;
    let geometry = geometry_of(row.try_get::<_, &[u8]>(1)?)?;
    let keys: Vec<String> = row.try_get(2)?;
    let version: i64 = row.try_get(3)?;
    let mut values: HashMap<&str, (ValueKind, Option<String>)> = HashMap::new();
    for (i, spec) in columns(kind).enumerate() {
        values.insert(spec.name, (spec.kind, row.try_get(4 + i)?));
    }
    let mut props = Properties::new();
    for k in &keys {
        if let Some((vk, text)) = values.remove(k.as_str()) {
            props.insert(
                k.clone(),
                text.map_or(Ok(Value::Null), |t| value_of(vk, t))?,
            );
        }
    }
    for spec in columns(kind) {
        if let Some((vk, Some(text))) = values.remove(spec.name) {
            props.insert(spec.name.to_owned(), value_of(vk, text)?);
        }
    }
    Ok((
        Feature {
            id,
            geometry,
            properties: props.into(),
        },
        version,
    ))
}

/// The parameters `$2…` of [`insert_sql`] and [`update_sql`] for a feature: the geometry
/// as WKB, the property names in order, each column's value as text.
struct RowParams {
    wkb: Vec<u8>,
    keys: Vec<String>,
    values: Vec<Option<String>>,
}

impl RowParams {
    /// The statement's parameters, `$1` the id.
    fn with_id<'a>(&'a self, id: &'a String) -> Vec<&'a (dyn postgres::types::ToSql + Sync)> {
        let mut params: Vec<&(dyn postgres::types::ToSql + Sync)> = vec![id, &self.wkb, &self.keys];
        for v in &self.values {
            params.push(v);
        }
        params
    }
}

fn params_of(kind: LayerKind, f: &Feature) -> Result<RowParams, PgError> {
    let map = f.properties.to_map();
    Ok(RowParams {
        wkb: wkb_of(&f.geometry)?,
        keys: map.keys().cloned().collect(),
        values: columns(kind)
            .map(|s| map.get(s.name).and_then(value_text))
            .collect(),
    })
}

/// Writes a feature: inserts it (`expected` None) or updates it if its row is at
/// `expected`. Returns the new row version, or None when the row was not at `expected`
/// (or, for an insert, already exists).
fn write_feature(
    c: &mut impl GenericClient,
    kind: LayerKind,
    f: &Feature,
    expected: Option<i64>,
) -> Result<Option<i64>, PgError> {
    let row = params_of(kind, f)?;
    let mut params = row.with_id(&f.id);
    let row = match expected {
        None => c.query_opt(insert_sql(kind).as_str(), &params)?,
        Some(v) => {
            params.push(&v);
            c.query_opt(update_sql(kind).as_str(), &params)?
        }
    };
    Ok(row.map(|r| r.get(0)))
}

/// Every feature of a layer (those `filter` keeps), in their order, with row versions.
fn read_layer(
    c: &mut impl GenericClient,
    kind: LayerKind,
    filter: &Filter,
) -> Result<Vec<(Feature, i64)>, PgError> {
    let rows = c.query(select_sql(kind, filter, None).as_str(), &filter.params())?;
    rows.iter().map(|r| feature_of(kind, r)).collect()
}

/// One feature as it now stands, if it exists (and `filter` keeps it).
fn read_feature(
    c: &mut impl GenericClient,
    kind: LayerKind,
    id: &str,
    filter: &Filter,
) -> Result<Option<(Feature, i64)>, PgError> {
    let sql = select_sql(
        kind,
        filter,
        Some(&format!("id = ${}", filter.next_param())),
    );
    let mut params = filter.params();
    params.push(&id);
    let row = c.query_opt(sql.as_str(), &params)?;
    row.map(|r| feature_of(kind, &r)).transpose()
}

/// The features of a layer that belong to one village: see [`read_linked`].
struct Linked {
    /// Those the filter keeps, as they now stand, with their row versions.
    kept: Vec<(Feature, i64)>,
    /// The ids of the others.
    others: Vec<String>,
}

/// The features of a layer that belong to village `village` (linked to it, or without a
/// link meeting it), split by whether `filter` keeps them.
fn read_linked(
    c: &mut impl GenericClient,
    kind: LayerKind,
    village: &str,
    filter: &Filter,
) -> Result<Linked, PgError> {
    let t = format!("{SCHEMA}.{}", kind.id());
    let of_village = |n: usize| {
        format!(
            "(village_id = ${n} OR (village_id IS NULL AND ST_Intersects({t}.geom, (SELECT v.geom FROM {SCHEMA}.villages v WHERE v.id = ${n}))))"
        )
    };
    let mut params = filter.params();
    params.push(&village);
    let kept = c
        .query(
            select_sql(kind, filter, Some(&of_village(filter.next_param()))).as_str(),
            &params,
        )?
        .iter()
        .map(|r| feature_of(kind, r))
        .collect::<Result<Vec<_>, _>>()?;
    let kept_ids: std::collections::HashSet<&str> =
        kept.iter().map(|(f, _)| f.id.as_str()).collect();
    let others = c
        .query(
            &format!("SELECT id FROM {t} WHERE {} ORDER BY ord", of_village(1)),
            &[&village],
        )?
        .iter()
        .map(|r| r.get::<_, String>(0))
        .filter(|id| !kept_ids.contains(id.as_str()))
        .collect();
    Ok(Linked { kept, others })
}

/// One history row.
#[derive(Debug, Clone)]
pub struct HistoryRow {
    /// Who wrote it: an instance's id, `sql` (a trigger), or `file` (a migrated journal).
    pub origin: String,
    /// The entry.
    pub entry: JournalEntry,
}

/// The history rows after `seq`, in order.
pub fn history_since(c: &mut impl GenericClient, seq: u64) -> Result<Vec<HistoryRow>, PgError> {
    let rows = c.query(
        &format!(
            "SELECT seq, origin, entry::text FROM {SCHEMA}.history WHERE seq > $1 ORDER BY seq"
        ),
        &[&i64::try_from(seq).unwrap_or(i64::MAX)],
    )?;
    rows.iter()
        .map(|r| {
            let seq: i64 = r.try_get(0)?;
            let text: String = r.try_get(2)?;
            let entry: JournalEntry = serde_json::from_str(&text)
                .map_err(|e| PgError::Data(format!("history row {seq} is not an entry: {e}")))?;
            Ok(HistoryRow {
                origin: r.try_get(1)?,
                entry,
            })
        })
        .collect()
}

/// The meta value under `key`.
fn meta(c: &mut impl GenericClient, key: &str) -> Result<Option<Value>, PgError> {
    let row = c.query_opt(
        &format!("SELECT value::text FROM {SCHEMA}.meta WHERE key = $1"),
        &[&key],
    )?;
    row.map(|r| {
        let text: String = r.get(0);
        serde_json::from_str(&text).map_err(|e| PgError::Data(format!("meta {key}: {e}")))
    })
    .transpose()
}

/// What an instance starts from: the data, their row versions, the ledger and the
/// history after the ledger's base.
#[derive(Debug)]
pub struct Loaded {
    /// The data set.
    pub data: Dataset,
    /// Each feature's row version.
    pub versions: HashMap<(LayerKind, String), i64>,
    /// The monthly-progress ledger after the last entry.
    pub ledger: crate::analysis::progress::ProgressLedger,
    /// The entries after the base the ledger was saved at (the "recent" ones).
    pub entries: Vec<JournalEntry>,
    /// The last history row.
    pub last_seq: u64,
}

/// Loads the data set from the database, in one repeatable-read transaction so that the
/// layers and the history are of one instant.
pub fn load(client: &mut Client, dir: &Path, filter: &Filter) -> Result<Loaded, PgError> {
    use crate::analysis::progress::ProgressLedger;
    let mut tx = client
        .build_transaction()
        .isolation_level(postgres::IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()?;
    if !has_schema(&mut tx)? {
        return Err(PgError::Data(format!(
            "the database has no `{SCHEMA}` schema: fill it first with `drainplan migrate --data DIR --to URL`"
        )));
    }
    filter.check(&mut tx)?;
    let mut versions = HashMap::new();
    let mut layers = Vec::new();
    for kind in LayerKind::ALL {
        let rows = read_layer(&mut tx, kind, filter)?;
        let mut features = Vec::with_capacity(rows.len());
        for (f, v) in rows {
            versions.insert((kind, f.id.clone()), v);
            features.push(f);
        }
        layers.push((kind, features));
    }
    let base_seq = meta(&mut tx, "base_seq")?
        .and_then(|v| v.as_u64())
        .unwrap_or(0);
    let base_ledger = meta(&mut tx, "base_ledger")?;
    let history = history_since(&mut tx, base_seq)?;
    let last_seq: i64 = tx
        .query_one(
            &format!("SELECT coalesce(max(seq), 0) FROM {SCHEMA}.history"),
            &[],
        )?
        .get(0);
    tx.commit()?;
    let data = if filter.is_all() {
        Dataset::from_features(dir, layers)
    } else {
        // A part of the data: links to features outside it are not checked here.
        Dataset::from_features_unchecked(dir, layers)
    }
    .map_err(|e| PgError::Data(format!("the database's layers do not load: {e}")))?;
    let entries: Vec<JournalEntry> = history.into_iter().map(|h| h.entry).collect();
    // The ledger as it was saved at the base (with the water tally of the data now, less
    // the entries after it), then those entries.
    let mut ledger = match base_ledger {
        Some(v) => serde_json::from_value::<ProgressLedger>(v)
            .map_err(|e| PgError::Data(format!("meta base_ledger: {e}")))?
            .with_tally(crate::analysis::progress::WaterTally::of(&data)),
        None => ProgressLedger::new(&data),
    };
    for e in entries.iter().rev() {
        if e.edit.collection == LayerKind::Households {
            ledger
                .tally_mut()
                .apply(&e.edit.id, e.edit.feature.as_ref(), e.before.as_ref());
        }
    }
    for e in &entries {
        ledger.add(e);
    }
    Ok(Loaded {
        data,
        versions,
        ledger,
        entries,
        last_seq: u64::try_from(last_seq).unwrap_or(0),
    })
}

/// The database side of a live store: the writer's connection, the row version of each
/// cached feature and the last history row taken in.
pub struct PgSink {
    url: String,
    instance: String,
    filter: Filter,
    client: Mutex<Option<Client>>,
    versions: Mutex<HashMap<(LayerKind, String), i64>>,
    last_seq: AtomicU64,
}

impl std::fmt::Debug for PgSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgSink")
            .field("instance", &self.instance)
            .field("filter", &self.filter)
            .field("last_seq", &self.last_seq)
            .finish_non_exhaustive()
    }
}

/// The changes made elsewhere, read for the cache.
#[derive(Debug, Default)]
pub struct Changes {
    /// The entries, in order.
    pub entries: Vec<JournalEntry>,
    /// Each changed feature as it now stands (None: deleted, or outside the filter).
    pub features: Vec<(LayerKind, String, Option<Feature>)>,
}

impl PgSink {
    /// A sink over `url` that has taken in the history up to `last_seq`.
    pub fn new(
        url: &str,
        client: Client,
        filter: Filter,
        versions: HashMap<(LayerKind, String), i64>,
        last_seq: u64,
    ) -> PgSink {
        let instance = format!(
            "instance-{}-{}",
            std::process::id(),
            time::OffsetDateTime::now_utc().unix_timestamp_nanos()
        );
        PgSink {
            url: url.to_owned(),
            instance,
            filter,
            client: Mutex::new(Some(client)),
            versions: Mutex::new(versions),
            last_seq: AtomicU64::new(last_seq),
        }
    }

    /// The connection string.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The writer's connection, connected again if it was lost.
    fn client(&self) -> Result<MutexGuard<'_, Option<Client>>, PgError> {
        let mut guard = self
            .client
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if guard.as_ref().is_none_or(Client::is_closed) {
            *guard = None;
            *guard = Some(connect(&self.url)?);
            tracing::info!("connected to the database again");
        }
        Ok(guard)
    }

    /// Runs `f` on the writer's connection; a lost connection is dropped, to be made
    /// again next time.
    pub fn with_client<T>(
        &self,
        f: impl FnOnce(&mut Client, &PgSink) -> Result<T, PgError>,
    ) -> Result<T, PgError> {
        let mut guard = self.client()?;
        let Some(client) = guard.as_mut() else {
            return Err(PgError::Data("no connection".into()));
        };
        let r = f(client, self);
        if matches!(r, Err(PgError::Unreachable(_))) {
            *guard = None;
        }
        r
    }

    /// The changes after the last history row taken in that this instance did not make,
    /// with each changed feature read as it now stands. Does not move the mark: call
    /// [`PgSink::taken_in`] once the cache holds them.
    pub fn changes(&self, c: &mut impl GenericClient) -> Result<(Changes, u64), PgError> {
        let last = self.last_seq.load(Ordering::SeqCst);
        let rows = history_since(c, last)?;
        let new_last = rows.last().map_or(last, |r| r.entry.seq);
        let mut changes = Changes::default();
        let mut seen = std::collections::HashSet::new();
        for row in rows {
            if row.origin == self.instance {
                continue;
            }
            let key = (row.entry.edit.collection, row.entry.edit.id.clone());
            if seen.insert(key.clone()) {
                let now = read_feature(c, key.0, &key.1, &self.filter)?;
                let feature = {
                    let mut versions = self
                        .versions
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner);
                    match now {
                        Some((f, v)) => {
                            versions.insert(key.clone(), v);
                            Some(f)
                        }
                        None => {
                            versions.remove(&key);
                            None
                        }
                    }
                };
                changes.features.push((key.0, key.1.clone(), feature));
                if key.0 == LayerKind::Villages && !self.filter.is_all() {
                    // A village moved into or out of the filter brings or takes its
                    // features, which have no history row of their own.
                    self.linked(c, &key.1, &mut seen, &mut changes)?;
                }
            }
            changes.entries.push(row.entry);
        }
        Ok((changes, new_last))
    }

    /// Adds to `changes` the features linked to `village` not seen yet, as the filter now
    /// keeps them or not.
    fn linked(
        &self,
        c: &mut impl GenericClient,
        village: &str,
        seen: &mut std::collections::HashSet<(LayerKind, String)>,
        changes: &mut Changes,
    ) -> Result<(), PgError> {
        for kind in LayerKind::ALL {
            if kind == LayerKind::Villages {
                continue;
            }
            let Linked { kept, others } = read_linked(c, kind, village, &self.filter)?;
            let mut versions = self
                .versions
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            for (f, v) in kept {
                if seen.insert((kind, f.id.clone())) {
                    versions.insert((kind, f.id.clone()), v);
                    changes.features.push((kind, f.id.clone(), Some(f)));
                }
            }
            for id in others {
                if seen.insert((kind, id.clone())) {
                    versions.remove(&(kind, id.clone()));
                    changes.features.push((kind, id, None));
                }
            }
        }
        Ok(())
    }

    /// Marks the history up to `seq` taken in.
    pub fn taken_in(&self, seq: u64) {
        self.last_seq.fetch_max(seq, Ordering::SeqCst);
    }

    /// Starts an edit's transaction: the write lock and this instance's mark on the rows
    /// it writes.
    pub fn begin<'a>(&self, c: &'a mut Client) -> Result<postgres::Transaction<'a>, PgError> {
        let mut tx = c.transaction()?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&WRITE_LOCK])?;
        tx.execute(
            "SELECT set_config('drainplan.origin', $1, true)",
            &[&self.instance],
        )?;
        Ok(tx)
    }

    /// Writes an edit and its history entry in `tx` (numbering the entry); `Ok(false)`
    /// when the feature's row is no longer at the version the cache holds.
    pub fn write(
        &self,
        tx: &mut postgres::Transaction<'_>,
        edit: &Edit,
        after: Option<&Feature>,
        entry: &mut JournalEntry,
    ) -> Result<bool, PgError> {
        let key = (edit.collection, edit.id.clone());
        let cached = self
            .versions
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(&key)
            .copied();
        let new_version = match (edit.op, after) {
            (EditOp::Create, Some(f)) => write_feature(tx, edit.collection, f, None)?,
            (EditOp::Replace, Some(f)) => match cached {
                Some(v) => write_feature(tx, edit.collection, f, Some(v))?,
                None => None,
            },
            (EditOp::Delete, _) => {
                let n = tx.execute(
                    &format!(
                        "DELETE FROM {SCHEMA}.{} WHERE id = $1 AND row_version = $2",
                        edit.collection.id()
                    ),
                    &[&edit.id, &cached.unwrap_or(-1)],
                )?;
                (n == 1).then_some(0)
            }
            _ => return Err(PgError::Data("an edit without its feature".into())),
        };
        let Some(new_version) = new_version else {
            return Ok(false);
        };
        let seq: i64 = tx
            .query_one(
                &format!("SELECT coalesce(max(seq), 0) + 1 FROM {SCHEMA}.history"),
                &[],
            )?
            .get(0);
        entry.seq = u64::try_from(seq).unwrap_or(0);
        let text = serde_json::to_string(&*entry)
            .map_err(|e| PgError::Data(format!("cannot write the history entry: {e}")))?;
        tx.execute(
            &format!(
                "INSERT INTO {SCHEMA}.history (seq, at, username, layer, fid, origin, entry) VALUES ($1, $2::text::timestamptz, $3, $4, $5, $6, $7::text::json)"
            ),
            &[
                &seq,
                &entry.at,
                &entry.user,
                &edit.collection.id(),
                &edit.id,
                &self.instance,
                &text,
            ],
        )?;
        tx.execute("SELECT pg_notify($1, $2)", &[&CHANNEL, &seq.to_string()])?;
        let mut versions = self
            .versions
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if edit.op == EditOp::Delete {
            versions.remove(&key);
        } else {
            versions.insert(key, new_version);
        }
        Ok(true)
    }

    /// The content version ([`Feature::version`]) of a feature as the database holds it
    /// now, for a refusal's message.
    pub fn version_now(
        &self,
        c: &mut impl GenericClient,
        kind: LayerKind,
        id: &str,
    ) -> Result<String, PgError> {
        Ok(read_feature(c, kind, id, &Filter::default())?
            .map_or_else(|| "deleted".into(), |(f, _)| f.version()))
    }

    /// Every history entry, oldest first.
    pub fn history(&self) -> Result<Vec<JournalEntry>, PgError> {
        self.with_client(|c, _| Ok(history_since(c, 0)?.into_iter().map(|h| h.entry).collect()))
    }

    /// Waits for the database's notifications on a connection of its own and calls
    /// `wake` on each one and every [`FOLLOW_EVERY`]; connects again when the connection
    /// is lost. Never returns.
    pub fn listen(&self, wake: impl Fn()) -> ! {
        loop {
            match connect(&self.url).and_then(|mut c| {
                c.batch_execute(&format!("LISTEN {CHANNEL}"))?;
                Ok(c)
            }) {
                Ok(mut c) => {
                    wake();
                    loop {
                        use postgres::fallible_iterator::FallibleIterator;
                        let got = c.notifications().timeout_iter(FOLLOW_EVERY).next();
                        if got.is_err() || c.is_closed() {
                            tracing::warn!("lost the database's notifications; connecting again");
                            break;
                        }
                        wake();
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "cannot follow the database; trying again");
                    std::thread::sleep(FOLLOW_EVERY);
                }
            }
        }
    }
}

/// Puts a feature as the database holds it into `data` (or takes it out), without the
/// rules of an edit: the database has already accepted the change.
pub fn force(
    data: &mut Dataset,
    kind: LayerKind,
    id: &str,
    feature: Option<Feature>,
) -> Result<(), EditError> {
    let pos = data.layer(kind).position(id);
    if kind == LayerKind::Parcels {
        data.parcel_metric_cache = Arc::default();
    }
    let grid = Arc::clone(&data.metric_grid);
    match (feature, pos) {
        (Some(f), p) => {
            let b = f.bbox();
            data.typed_mut(kind).put(p, f, &grid)?;
            let e = data.extent;
            data.extent = geo::Rect::new(
                geo::Coord {
                    x: e.min().x.min(b.min().x),
                    y: e.min().y.min(b.min().y),
                },
                geo::Coord {
                    x: e.max().x.max(b.max().x),
                    y: e.max().y.max(b.max().y),
                },
            );
        }
        (None, Some(p)) => {
            data.typed_mut(kind).remove(p);
        }
        (None, None) => {}
    }
    Ok(())
}
