//! The PostGIS schema, generated from the one property table ([`crate::model::schema`]):
//! one table per layer with a typed column per stored property, its CHECK constraints,
//! NOT NULL and foreign keys, the triggers that version rows and record changes made
//! outside drainplan (QGIS, psql) in the history, and the roles' grants, so that the
//! database's rules and drainplan's cannot drift apart.
//!
//! What the database checks: the value of each property (type, range, allowed names,
//! required, SHA-256 form, dates from 1900 to tomorrow in Vietnam), the layer's geometry
//! type and SRID, references between layers (foreign keys, deferred to the commit) and a
//! parcel's consent dates (told before signed). What it does not: that parcels do not
//! overlap, that a parcel's sheet/number is unique, the frontage edge's index against
//! the polygon, that a geometry lies in the data set's area, and geometry validity
//! (self-intersections): drainplan refuses those in its own edits, and an edit made
//! outside that breaks them is kept (it is in the database) and logged by each instance.

use std::fmt::Write;

use crate::model::LayerKind;
use crate::model::schema::{PropertySpec, ValueKind, properties};

/// The schema every table lives in.
pub const SCHEMA: &str = "drainplan";
/// The channel instances listen on.
pub const CHANNEL: &str = "drainplan";
/// The advisory lock every writer holds until its commit, so that history numbers are
/// given in commit order with no gap (a follower reading `seq > last` misses nothing).
pub const WRITE_LOCK: i64 = 0x0d7a_1a9e;
/// The role that may read the public columns only.
pub const PUBLIC_ROLE: &str = "drainplan_public";
/// The role that may read everything.
pub const VIEWER_ROLE: &str = "drainplan_viewer";
/// The role that may edit the layers.
pub const OFFICER_ROLE: &str = "drainplan_officer";

/// The stored (not computed) properties of a layer, in the table's column order.
pub fn columns(kind: LayerKind) -> impl Iterator<Item = &'static PropertySpec> {
    properties(kind).iter().filter(|p| !p.computed)
}

/// The SQL type of a property's column.
pub fn sql_type(kind: ValueKind) -> &'static str {
    match kind {
        // numeric keeps the number's written scale (2 and 2.0 come back as written), so
        // that a feature read back is the feature stored, and its version with it.
        ValueKind::Integer { .. } | ValueKind::Number { .. } => "numeric",
        ValueKind::Boolean => "boolean",
        ValueKind::Date => "date",
        ValueKind::Text | ValueKind::Enum(_) | ValueKind::Id(_) | ValueKind::Sha256 => "text",
    }
}

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// The CHECK on one column's values (none for free text).
fn check(spec: &PropertySpec) -> Option<String> {
    let c = spec.name;
    match spec.kind {
        ValueKind::Integer { min, max } => {
            Some(format!("{c} = trunc({c}) AND {c} BETWEEN {min} AND {max}"))
        }
        ValueKind::Number {
            min,
            min_exclusive,
            max,
        } => Some(format!(
            "{c} <> 'NaN' AND {c} {} {min:?} AND {c} <= {max:?}",
            if min_exclusive { ">" } else { ">=" }
        )),
        ValueKind::Date => Some(format!("{c} >= DATE '1900-01-01'")),
        ValueKind::Enum(names) => Some(format!(
            "{c} IN ({})",
            names
                .iter()
                .map(|n| quote(n))
                .collect::<Vec<_>>()
                .join(", ")
        )),
        ValueKind::Sha256 => Some(format!("{c} ~ '^[0-9a-f]{{64}}$'")),
        ValueKind::Id(_) => Some(format!("{c} <> ''")),
        ValueKind::Text | ValueKind::Boolean => None,
    }
}

/// The geometry types a layer's column takes, as PostGIS's `GeometryType` names them.
fn geometry_types(kind: LayerKind) -> Vec<String> {
    kind.allowed_geometry()
        .iter()
        .map(|t| quote(&t.to_uppercase()))
        .collect()
}

/// `CREATE TABLE` and its index for one layer.
fn table(kind: LayerKind, out: &mut String) {
    let t = kind.id();
    let _ = writeln!(out, "CREATE TABLE {SCHEMA}.{t} (");
    let _ = writeln!(
        out,
        "  id text PRIMARY KEY CHECK (id <> '' AND length(id) <= 200 AND strpos(id, '/') = 0 AND id ~ '^[\\x01-\\x7f]+$'),"
    );
    let _ = writeln!(
        out,
        "  geom geometry(Geometry, 4326) NOT NULL CHECK (GeometryType(geom) IN ({}) AND NOT ST_IsEmpty(geom)),",
        geometry_types(kind).join(", ")
    );
    for spec in columns(kind) {
        let mut col = format!("  {} {}", spec.name, sql_type(spec.kind));
        if spec.required {
            col.push_str(" NOT NULL");
        }
        let mut checks: Vec<String> = check(spec).into_iter().collect();
        if spec.required && spec.kind == ValueKind::Text {
            checks.push(format!("btrim({}) <> ''", spec.name));
        }
        if !checks.is_empty() {
            let _ = write!(
                col,
                " CONSTRAINT {t}_{}_check CHECK ({})",
                spec.name,
                checks.join(" AND ")
            );
        }
        let _ = writeln!(out, "{col},");
    }
    if kind == LayerKind::Parcels {
        let _ = writeln!(
            out,
            "  CONSTRAINT parcels_consent_dates CHECK (consent_told_on <= consent_date),"
        );
    }
    let _ = writeln!(
        out,
        "  keys text[] NOT NULL DEFAULT '{{}}',\n  ord bigint NOT NULL DEFAULT nextval('{SCHEMA}.feature_order'),\n  row_version bigint NOT NULL DEFAULT 0\n);"
    );
    let _ = writeln!(
        out,
        "CREATE INDEX {t}_geom ON {SCHEMA}.{t} USING gist (geom);\nCREATE INDEX {t}_ord ON {SCHEMA}.{t} (ord);"
    );
    for spec in columns(kind) {
        if let ValueKind::Id(target) = spec.kind {
            let _ = writeln!(
                out,
                "CREATE INDEX {t}_{c} ON {SCHEMA}.{t} ({c});",
                c = spec.name
            );
            let _ = target;
        }
    }
}

/// The foreign keys of one layer (added once every table exists).
fn foreign_keys(kind: LayerKind, out: &mut String) {
    let t = kind.id();
    for spec in columns(kind) {
        if let ValueKind::Id(target) = spec.kind {
            let _ = writeln!(
                out,
                "ALTER TABLE {SCHEMA}.{t} ADD CONSTRAINT {t}_{c}_fkey FOREIGN KEY ({c}) REFERENCES {SCHEMA}.{target} (id) DEFERRABLE INITIALLY DEFERRED;",
                c = spec.name,
                target = target.id()
            );
        }
    }
}

/// A row's properties as JSON in the schema's order, nulls left out (as drainplan's
/// history writes a feature), for `rec` (NEW or OLD).
fn properties_json(kind: LayerKind, rec: &str) -> String {
    let pairs: Vec<String> = columns(kind)
        .map(|s| match s.kind {
            ValueKind::Date => format!("'{n}', to_char({rec}.{n}, 'YYYY-MM-DD')", n = s.name),
            _ => format!("'{n}', {rec}.{n}", n = s.name),
        })
        .collect();
    // json_build_object takes at most 100 arguments: the widest layer has 22 columns.
    debug_assert!(pairs.len() <= 50);
    format!("json_strip_nulls(json_build_object({}))", pairs.join(", "))
}

fn feature_json(kind: LayerKind, rec: &str) -> String {
    format!(
        "json_build_object('type', 'Feature', 'id', {rec}.id, 'geometry', ST_AsGeoJSON({rec}.geom, 15)::json, 'properties', {})",
        properties_json(kind, rec)
    )
}

/// The triggers of one layer: the row version and the day checks before, the history
/// after.
fn triggers(kind: LayerKind, out: &mut String) {
    let t = kind.id();
    let mut day_checks = String::new();
    for spec in columns(kind).filter(|s| s.kind == ValueKind::Date) {
        let _ = write!(
            day_checks,
            "  IF NEW.{c} > (now() AT TIME ZONE 'Asia/Ho_Chi_Minh')::date + 1 THEN\n    RAISE EXCEPTION USING ERRCODE = 'check_violation', MESSAGE = format('{t}.{c} %s is after tomorrow in Vietnam', NEW.{c});\n  END IF;\n",
            c = spec.name
        );
    }
    let _ = writeln!(
        out,
        r#"CREATE FUNCTION {SCHEMA}.{t}_before() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = {SCHEMA}, public AS $f$
BEGIN
{day_checks}  NEW.row_version := nextval('{SCHEMA}.row_versions');
  RETURN NEW;
END $f$;
CREATE TRIGGER {t}_before BEFORE INSERT OR UPDATE ON {SCHEMA}.{t}
  FOR EACH ROW EXECUTE FUNCTION {SCHEMA}.{t}_before();
CREATE TRIGGER {t}_lock BEFORE INSERT OR UPDATE OR DELETE ON {SCHEMA}.{t}
  FOR EACH STATEMENT EXECUTE FUNCTION {SCHEMA}.lock_for_sql();
CREATE FUNCTION {SCHEMA}.{t}_after() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = {SCHEMA}, public AS $f$
DECLARE
  s bigint;
  after json;
  before json;
  fid text;
BEGIN
  IF coalesce(current_setting('drainplan.origin', true), '') <> '' THEN
    -- drainplan writes the history row of its own edit itself.
    RETURN NULL;
  END IF;
  PERFORM pg_advisory_xact_lock({WRITE_LOCK});
  IF TG_OP <> 'DELETE' THEN
    after := {after};
    fid := NEW.id;
  ELSE
    fid := OLD.id;
  END IF;
  IF TG_OP <> 'INSERT' THEN
    before := {before};
  END IF;
  IF TG_OP = 'UPDATE' AND OLD.id <> NEW.id THEN
    RAISE EXCEPTION USING ERRCODE = 'check_violation', MESSAGE = 'a feature''s id cannot change: delete it and add a new one';
  END IF;
  SELECT coalesce(max(h.seq), 0) + 1 INTO s FROM {SCHEMA}.history h;
  INSERT INTO {SCHEMA}.history (seq, at, username, layer, fid, origin, entry)
  VALUES (s, clock_timestamp(), session_user, '{t}', fid, 'sql', json_build_object(
    'seq', s,
    'at', to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
    'user', session_user,
    'op', CASE TG_OP WHEN 'INSERT' THEN 'create' WHEN 'UPDATE' THEN 'replace' ELSE 'delete' END,
    'collection', '{t}',
    'id', fid,
    'feature', after,
    'before', before));
  PERFORM pg_notify('{CHANNEL}', s::text);
  RETURN NULL;
END $f$;
CREATE TRIGGER {t}_after AFTER INSERT OR UPDATE OR DELETE ON {SCHEMA}.{t}
  FOR EACH ROW EXECUTE FUNCTION {SCHEMA}.{t}_after();"#,
        after = feature_json(kind, "NEW"),
        before = feature_json(kind, "OLD"),
    );
}

/// The roles (cluster-wide, created once) and this database's grants.
fn roles(out: &mut String) {
    for role in [PUBLIC_ROLE, VIEWER_ROLE, OFFICER_ROLE] {
        let _ = writeln!(
            out,
            "DO $r$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN CREATE ROLE {role} NOLOGIN; END IF; END $r$;"
        );
    }
    let _ = writeln!(
        out,
        "GRANT {VIEWER_ROLE} TO {OFFICER_ROLE};\nGRANT USAGE ON SCHEMA {SCHEMA} TO {PUBLIC_ROLE}, {VIEWER_ROLE};"
    );
    for kind in LayerKind::ALL {
        let t = kind.id();
        // The public role is granted column by column: the personal columns (and the
        // list of keys a feature carries, which names them) are not among them.
        let public: Vec<&str> = ["id", "geom"]
            .into_iter()
            .chain(columns(kind).filter(|s| !s.personal).map(|s| s.name))
            .chain(["row_version"])
            .collect();
        let _ = writeln!(
            out,
            "GRANT SELECT ({}) ON {SCHEMA}.{t} TO {PUBLIC_ROLE};\nGRANT SELECT ON {SCHEMA}.{t} TO {VIEWER_ROLE};\nGRANT INSERT, UPDATE, DELETE ON {SCHEMA}.{t} TO {OFFICER_ROLE};",
            public.join(", ")
        );
    }
    let _ = writeln!(
        out,
        "GRANT SELECT ON {SCHEMA}.history TO {VIEWER_ROLE};\nGRANT USAGE ON SEQUENCE {SCHEMA}.feature_order TO {OFFICER_ROLE};"
    );
}

/// The whole schema, for an empty database (PostGIS is created if missing).
pub fn ddl() -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "CREATE EXTENSION IF NOT EXISTS postgis;\nCREATE SCHEMA {SCHEMA};\nCREATE SEQUENCE {SCHEMA}.feature_order;\nCREATE SEQUENCE {SCHEMA}.row_versions;"
    );
    let _ = writeln!(
        out,
        "CREATE TABLE {SCHEMA}.history (\n  seq bigint PRIMARY KEY CHECK (seq > 0),\n  at timestamptz NOT NULL,\n  username text NOT NULL,\n  layer text NOT NULL,\n  fid text NOT NULL,\n  origin text NOT NULL,\n  entry json NOT NULL\n);"
    );
    let _ = writeln!(
        out,
        "CREATE TABLE {SCHEMA}.meta (key text PRIMARY KEY, value json NOT NULL);\nCREATE TABLE {SCHEMA}.files (path text PRIMARY KEY, bytes bytea NOT NULL);"
    );
    // A change made outside drainplan takes the write lock before its first row lock, as
    // drainplan's own transactions do: taken later (in the row trigger), a QGIS
    // transaction holding a row and a drainplan edit holding the lock would deadlock.
    let _ = writeln!(
        out,
        r#"CREATE FUNCTION {SCHEMA}.lock_for_sql() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $f$
BEGIN
  IF coalesce(current_setting('drainplan.origin', true), '') = '' THEN
    PERFORM pg_advisory_xact_lock({WRITE_LOCK});
  END IF;
  RETURN NULL;
END $f$;"#
    );
    for kind in LayerKind::ALL {
        table(kind, &mut out);
    }
    for kind in LayerKind::ALL {
        foreign_keys(kind, &mut out);
        triggers(kind, &mut out);
    }
    roles(&mut out);
    super::register::ddl(&mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_stored_property_has_a_column_and_personal_ones_are_not_granted_to_the_public() {
        let sql = ddl();
        for kind in LayerKind::ALL {
            for spec in columns(kind) {
                assert!(
                    sql.contains(&format!("  {} {}", spec.name, sql_type(spec.kind))),
                    "{kind}.{}",
                    spec.name
                );
            }
        }
        let grant = sql
            .lines()
            .find(|l| l.starts_with("GRANT SELECT (") && l.contains(".households "))
            .unwrap();
        assert!(!grant.contains("head"), "{grant}");
        assert!(grant.contains("water_status"), "{grant}");
    }
}
