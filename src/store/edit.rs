//! Edits to the data set: create, replace and delete a feature, each checked like any
//! other input before it changes anything.
//!
//! [`Dataset::apply`] works in place on the data set it is given. The layer parts sit
//! behind `Arc`s, so a server that keeps readers on a snapshot clones the data set (cheap)
//! and applies the edit to the clone: only the edited layer is copied.

use std::hash::BuildHasher;
use std::sync::Arc;

use geo::{Coord, Rect};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::layers::edit_metric;
use super::{Dataset, Feature, Layer, check_geometry};
use crate::model::schema::{Invalid, Rule, check_properties};
use crate::model::{LayerKind, Parcel, Properties};

/// The most two parcels may overlap, m²: slivers from digitising shared boundaries stay
/// under it; a parcel drawn over its neighbour does not (overlapping parcels once made a
/// route take 1,104 m² from a corridor of 1,072 m²).
pub const PARCEL_OVERLAP_TOLERANCE_M2: f64 = 1.0;

/// How far outside the villages' extent an edited feature may reach, in degrees (≈ 1 km).
const AREA_MARGIN_DEG: f64 = 0.01;
/// The most vertices one edited feature may have.
pub const MAX_VERTICES: usize = 100_000;

/// What an edit does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EditOp {
    /// Add a feature with a new id.
    Create,
    /// Replace a feature's geometry and properties.
    Replace,
    /// Remove a feature.
    Delete,
}

/// One edit: the layer, the feature id and, for create and replace, the new GeoJSON
/// Feature.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Edit {
    /// What to do.
    pub op: EditOp,
    /// The layer.
    pub collection: LayerKind,
    /// The feature id.
    pub id: String,
    /// The new feature (create, replace).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feature: Option<Value>,
    /// The day the change took place, `YYYY-MM-DD` in Vietnam, as the officer entered it
    /// with a one-step change (a canal's status, a clearance step, a contribution, a water
    /// registration); none for a plain OGC API edit. The journal keeps it, so that the
    /// monthly progress dates the change by it rather than by when it was saved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
}

/// Why an edit was refused. Nothing has changed when one is returned.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EditError {
    /// No feature has that id.
    #[error("no feature `{id}` in {collection}")]
    NotFound {
        /// The layer.
        collection: LayerKind,
        /// The id.
        id: String,
    },
    /// A feature with that id already exists.
    #[error("{collection} already has a feature `{id}`")]
    Exists {
        /// The layer.
        collection: LayerKind,
        /// The id.
        id: String,
    },
    /// The new feature is not acceptable: which field, which rule, why.
    #[error("{0}")]
    Invalid(#[from] Invalid),
    /// Other features refer to this one.
    #[error("{0}")]
    Referenced(String),
}

/// A refusal of the feature as a whole (not of one field).
fn invalid(msg: impl Into<String>) -> EditError {
    EditError::Invalid(Invalid::new("feature", Rule::Type, msg))
}

fn invalid_geometry(msg: impl Into<String>) -> EditError {
    EditError::Invalid(Invalid::new("geometry", Rule::Geometry, msg))
}

impl Feature {
    /// The feature as a GeoJSON Feature object.
    pub fn to_json(&self) -> Value {
        serde_json::json!({
            "type": "Feature",
            "id": self.id,
            "geometry": geojson::Geometry::from(&self.geometry),
            "properties": self.properties,
        })
    }

    /// A strong validator of the feature's current content, for ETag and If-Match:
    /// FNV-1a 64 of its GeoJSON text, stable across restarts and builds.
    pub fn version(&self) -> String {
        version_of(&self.to_json())
    }
}

/// The version of a feature given as its GeoJSON ([`Feature::to_json`]): a journal
/// entry's feature has the version the feature had right after that edit.
pub fn version_of(feature: &Value) -> String {
    // The text of a JSON value, which cannot fail to serialise (string keys only):
    // never an empty text, whose hash every feature would share.
    let text = feature.to_string();
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

impl Layer {
    pub(super) fn push(&mut self, f: Feature) {
        let pos = self.features.len();
        self.note_properties(&f);
        self.index.insert(f.bbox(), pos);
        self.features.push(f);
        self.by_id.insert(&self.features, pos);
    }

    pub(super) fn set(&mut self, pos: usize, f: Feature) {
        self.note_properties(&f);
        self.index.remove(self.features[pos].bbox(), pos);
        self.index.insert(f.bbox(), pos);
        self.features[pos] = f;
    }

    pub(super) fn swap_remove(&mut self, pos: usize) -> Feature {
        let last = self.features.len() - 1;
        self.index.remove(self.features[pos].bbox(), pos);
        self.by_id.remove(&self.features, pos);
        if pos != last {
            self.index.remove(self.features[last].bbox(), last);
            self.index.insert(self.features[last].bbox(), pos);
            self.by_id.relocate(&self.features, last, pos);
        }
        self.features.swap_remove(pos)
    }
}

fn parcel_record(f: &Feature) -> Result<Parcel, Invalid> {
    Parcel::from_properties(&f.id, &f.properties)
        .map_err(|e| Invalid::property(&e.name, Rule::Type, e.problem))
}

fn duplicate_parcel(p: &Parcel, other: &str) -> Invalid {
    Invalid::property(
        "parcel_no",
        Rule::Duplicate,
        format!(
            "sheet {} parcel {} is already parcel `{other}`",
            p.map_sheet, p.parcel_no
        ),
    )
}

impl Dataset {
    /// The area edits must stay inside: the villages' extent (or the whole data's) with
    /// a margin.
    pub fn edit_area(&self) -> Rect {
        let base = self.villages.extent().unwrap_or(self.extent);
        Rect::new(
            Coord {
                x: base.min().x - AREA_MARGIN_DEG,
                y: base.min().y - AREA_MARGIN_DEG,
            },
            Coord {
                x: base.max().x + AREA_MARGIN_DEG,
                y: base.max().y + AREA_MARGIN_DEG,
            },
        )
    }

    /// Checks a GeoJSON Feature for layer `kind` with id `id`: geometry, properties,
    /// references to other layers, and that it lies inside the data set's area.
    pub fn check_feature(
        &self,
        kind: LayerKind,
        id: &str,
        value: &Value,
    ) -> Result<Feature, EditError> {
        let Value::Object(obj) = value else {
            return Err(invalid("the body must be a GeoJSON Feature object"));
        };
        if obj.get("type").and_then(Value::as_str) != Some("Feature") {
            return Err(invalid(
                "the body must be a GeoJSON Feature (\"type\": \"Feature\")",
            ));
        }
        match obj.get("id") {
            None | Some(Value::Null) => {}
            Some(Value::String(s)) if s == id => {}
            Some(other) => {
                return Err(invalid(format!(
                    "the feature's id {other} does not match `{id}`"
                )));
            }
        }
        if id.is_empty() || !id.is_ascii() || id.contains('/') || id.len() > 200 {
            return Err(EditError::Invalid(Invalid::new(
                "id",
                Rule::Type,
                format!("id {id:?} must be 1–200 ASCII characters without '/'"),
            )));
        }
        let geometry = obj
            .get("geometry")
            .filter(|g| !g.is_null())
            .ok_or_else(|| {
                EditError::Invalid(Invalid::new(
                    "geometry",
                    Rule::Required,
                    "the feature has no geometry",
                ))
            })?;
        let geometry: geojson::Geometry = serde_json::from_value(geometry.clone())
            .map_err(|e| invalid_geometry(format!("bad geometry: {e}")))?;
        let geometry = check_geometry(kind, &geometry)?;
        if geo::CoordsIter::coords_count(&geometry) > MAX_VERTICES {
            return Err(invalid_geometry(format!(
                "the geometry has more than {MAX_VERTICES} vertices"
            )));
        }
        let bbox = crate::index::bounding_box(&geometry)
            .ok_or_else(|| invalid_geometry("empty geometry"))?;
        let area = self.edit_area();
        if bbox.min().x < area.min().x
            || bbox.max().x > area.max().x
            || bbox.min().y < area.min().y
            || bbox.max().y > area.max().y
        {
            return Err(invalid_geometry(format!(
                "the geometry ({:.5}, {:.5})–({:.5}, {:.5}) lies outside the data set's area (lon {:.4}..{:.4}, lat {:.4}..{:.4}); coordinates are longitude, latitude in WGS84",
                bbox.min().x,
                bbox.min().y,
                bbox.max().x,
                bbox.max().y,
                area.min().x,
                area.max().x,
                area.min().y,
                area.max().y
            )));
        }
        let properties = match obj.get("properties") {
            None | Some(Value::Null) => Properties::new(),
            Some(Value::Object(p)) => p.clone(),
            Some(_) => {
                return Err(EditError::Invalid(Invalid::new(
                    "properties",
                    Rule::Type,
                    "properties must be an object",
                )));
            }
        };
        let mut properties = properties;
        crate::model::schema::strip_computed(kind, &mut properties);
        check_properties(kind, &properties)?;
        let f = Feature {
            id: id.to_owned(),
            geometry,
            properties: properties.into(),
        };
        self.check_rules(kind, &f)?;
        Ok(f)
    }

    /// The rules a checked feature must meet as a member of its layer: its record parses
    /// and its geometry projects ([`AnyLayer::check`]), its references and keys hold, and
    /// a parcel does not overlap another.
    fn check_rules(&self, kind: LayerKind, f: &Feature) -> Result<(), EditError> {
        self.typed(kind).check(f, &self.metric_grid)?;
        self.check_links(kind, f)?;
        if kind == LayerKind::Parcels {
            let unchanged = self
                .parcels
                .get(&f.id)
                .is_some_and(|old| old.geometry == f.geometry);
            if !unchanged {
                self.check_parcel_overlap(f)?;
            }
        }
        Ok(())
    }

    /// The rules that need the rest of the data: references to other features, the
    /// parcel's frontage edge and its sheet/number key (unique among the others). Loading
    /// checks every feature with the same rules ([`Dataset::check_all_links`]).
    pub fn check_links(&self, kind: LayerKind, f: &Feature) -> Result<(), Invalid> {
        self.check_links_only(kind, f)?;
        if kind == LayerKind::Parcels {
            let p = parcel_record(f)?;
            let key = self.parcel_key(&p);
            for (i, other) in self.parcels.records.iter().enumerate() {
                if other.parcel_no == p.parcel_no
                    && other.map_sheet == p.map_sheet
                    && self.parcels.features[i].id != f.id
                    && self.parcel_key(other) == key
                {
                    return Err(duplicate_parcel(&p, &self.parcels.features[i].id));
                }
            }
        }
        Ok(())
    }

    /// References to other features, and the parcel's frontage edge.
    fn check_links_only(&self, kind: LayerKind, f: &Feature) -> Result<(), Invalid> {
        use crate::model::schema::{ValueKind, properties};
        for spec in properties(kind) {
            let ValueKind::Id(target) = spec.kind else {
                continue;
            };
            // get_value: reading through Deref would keep a parsed map on every feature.
            if let Some(serde_json::Value::String(id)) = f.properties.get_value(spec.name)
                && !id.trim().is_empty()
                && self.layer(target).position(&id).is_none()
            {
                return Err(Invalid::property(
                    spec.name,
                    Rule::Reference,
                    format!("`{id}` is not one of the {target}"),
                ));
            }
        }
        if kind == LayerKind::Parcels
            && let Some(edge) = f
                .properties
                .get_value("frontage_edge")
                .and_then(|v| v.as_u64())
        {
            let edges =
                super::first_exterior(&f.geometry).map_or(0, |r| r.0.len().saturating_sub(1));
            if edge as usize >= edges {
                return Err(Invalid::property(
                    "frontage_edge",
                    Rule::Range,
                    format!(
                        "is {edge} but the exterior ring has {edges} edges (0 to {})",
                        edges.saturating_sub(1)
                    ),
                ));
            }
        }
        Ok(())
    }

    /// What makes a parcel unique: its commune (through its village), map sheet and
    /// number — sheets are numbered per commune.
    pub(crate) fn parcel_key(&self, p: &Parcel) -> (Option<(String, String)>, i64, i64) {
        let commune = p
            .village_id
            .as_deref()
            .and_then(|v| self.villages.position(v))
            .and_then(|i| self.village_commune(i));
        (commune, p.map_sheet, p.parcel_no)
    }

    /// The commune of village `i`, named with its province (commune names repeat across
    /// provinces; a village that names none has ""); `None` without a commune.
    fn village_commune(&self, i: usize) -> Option<(String, String)> {
        let props = &self.villages.features[i].properties;
        let text = |name| match props.get_value(name) {
            Some(serde_json::Value::String(c)) => Some(c),
            _ => None,
        };
        text("commune").map(|c| (text("province").unwrap_or_default(), c))
    }

    /// The references and keys of every feature ([`Dataset::check_links`], with the
    /// parcels' keys through one map instead of a scan per parcel): what loading checks.
    ///
    /// The references are checked on every core. The parcels' keys are compared as
    /// numbers (a commune number per village, then sheet and number) in a table of
    /// positions: a map of the keys themselves, each with its commune's name, took 1.2 GB
    /// for ten million parcels at the end of loading, the peak of the load.
    pub fn check_all_links(&self) -> Result<(), (LayerKind, String, Invalid)> {
        for kind in LayerKind::ALL {
            super::par_map(&self.layer(kind).features, |f| {
                self.check_links_only(kind, f)
                    .map_err(|e| (kind, f.id.clone(), e))
            })?;
        }
        // Villages of one commune share a number.
        let mut numbers = std::collections::HashMap::new();
        let village_commune: Vec<Option<u32>> = (0..self.villages.features.len())
            .map(|i| {
                let next = u32::try_from(numbers.len()).unwrap_or(u32::MAX);
                self.village_commune(i)
                    .map(|c| *numbers.entry(c).or_insert(next))
            })
            .collect();
        let parcels = &self.parcels.records;
        let commune: Vec<Option<u32>> = super::par_map(parcels, |p| {
            Ok::<_, ()>(
                p.village_id
                    .as_deref()
                    .and_then(|v| self.villages.position(v))
                    .and_then(|i| village_commune[i]),
            )
        })
        .unwrap_or_default();
        let key = |i: usize| (commune[i], parcels[i].map_sheet, parcels[i].parcel_no);
        let hasher = hashbrown::DefaultHashBuilder::default();
        let mut seen = hashbrown::HashTable::<u32>::with_capacity(parcels.len());
        for i in 0..parcels.len() {
            let k = key(i);
            let hash = hasher.hash_one(k);
            if let Some(&first) = seen.find(hash, |&j| key(j as usize) == k) {
                let first = &self.parcels.features[first as usize].id;
                let f = &self.parcels.features[i];
                return Err((
                    LayerKind::Parcels,
                    f.id.clone(),
                    duplicate_parcel(&parcels[i], first),
                ));
            }
            let pos = u32::try_from(i).expect("fewer than 4 billion parcels");
            seen.insert_unique(hash, pos, |&j| hasher.hash_one(key(j as usize)));
        }
        Ok(())
    }
    /// Refuses a parcel that overlaps another by more than
    /// [`PARCEL_OVERLAP_TOLERANCE_M2`] (areas in the metric CRS).
    pub fn check_parcel_overlap(&self, f: &Feature) -> Result<(), Invalid> {
        use geo::{Area, BooleanOps};
        let mine = edit_metric(&self.metric_grid, f).map_err(|e| match e {
            EditError::Invalid(i) => i,
            other => Invalid::new("geometry", Rule::Geometry, other.to_string()),
        })?;
        for i in self.parcels.intersecting(f.bbox()) {
            let other = &self.parcels.features[i];
            if other.id == f.id {
                continue;
            }
            let theirs = self
                .parcel_metric(i)
                .map_err(|e| Invalid::new("geometry", Rule::Geometry, e.to_string()))?;
            let shared = mine.intersection(&*theirs).unsigned_area();
            if shared > PARCEL_OVERLAP_TOLERANCE_M2 {
                return Err(Invalid::new(
                    "geometry",
                    Rule::Overlap,
                    format!(
                        "the parcel overlaps parcel `{}` by {shared:.1} m² (at most {PARCEL_OVERLAP_TOLERANCE_M2} m² is taken as a digitising sliver); fix the shared boundary",
                        other.id
                    ),
                ));
            }
        }
        Ok(())
    }

    fn references_to(&self, kind: LayerKind, id: &str) -> Option<String> {
        match kind {
            LayerKind::Households => self
                .parcels
                .records
                .iter()
                .position(|p| p.owner_household.as_deref() == Some(id))
                .map(|p| {
                    format!(
                        "household `{id}` owns parcel `{}`; change the parcel's owner first",
                        self.parcels.features[p].id
                    )
                }),
            LayerKind::Villages => self
                .households
                .records
                .iter()
                .position(|h| &*h.village_id == id)
                .map(|h| {
                    format!(
                        "village `{id}` has household `{}`; move or delete its households first",
                        self.households.features[h].id
                    )
                }),
            _ => None,
        }
    }

    /// Checks an edit against the current data without applying it; returns the checked
    /// new feature (create, replace).
    pub fn check_edit(&self, edit: &Edit) -> Result<Option<Feature>, EditError> {
        let layer = self.layer(edit.collection);
        let exists = layer.position(&edit.id).is_some();
        let not_found = || EditError::NotFound {
            collection: edit.collection,
            id: edit.id.clone(),
        };
        match edit.op {
            EditOp::Create if exists => Err(EditError::Exists {
                collection: edit.collection,
                id: edit.id.clone(),
            }),
            EditOp::Replace | EditOp::Delete if !exists => Err(not_found()),
            EditOp::Delete => match self.references_to(edit.collection, &edit.id) {
                Some(why) => Err(EditError::Referenced(why)),
                None => Ok(None),
            },
            EditOp::Create | EditOp::Replace => {
                let value = edit
                    .feature
                    .as_ref()
                    .ok_or_else(|| invalid("the edit carries no feature"))?;
                self.check_feature(edit.collection, &edit.id, value)
                    .map(Some)
            }
        }
    }

    /// Checks and applies an edit in place; returns the feature as it was before (replace,
    /// delete). On error nothing has changed.
    pub fn apply(&mut self, edit: &Edit) -> Result<Option<Feature>, EditError> {
        let new = self.check_edit(edit)?;
        let pos = self.layer(edit.collection).position(&edit.id);
        let before = pos.map(|p| self.layer(edit.collection).features[p].clone());
        if edit.collection == LayerKind::Parcels {
            self.parcel_metric_cache = Arc::default();
        }
        let grid = Arc::clone(&self.metric_grid);
        let layer = self.typed_mut(edit.collection);
        match (edit.op, new, pos) {
            (EditOp::Delete, _, Some(p)) => {
                layer.remove(p);
            }
            (EditOp::Create, Some(f), None) => layer.put(None, f, &grid)?,
            (EditOp::Replace, Some(f), Some(p)) => layer.put(Some(p), f, &grid)?,
            _ => return Err(invalid("inconsistent edit")),
        }
        if let Some(f) = self.layer(edit.collection).get(&edit.id) {
            self.extent = union(self.extent, f.bbox());
        }
        Ok(before)
    }
}

fn union(a: Rect, b: Rect) -> Rect {
    Rect::new(
        Coord {
            x: a.min().x.min(b.min().x),
            y: a.min().y.min(b.min().y),
        },
        Coord {
            x: a.max().x.max(b.max().x),
            y: a.max().y.max(b.max().y),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Household;
    use crate::store::query::Selection;
    use serde_json::json;

    fn small() -> Dataset {
        Dataset::load(std::path::Path::new("tests/fixtures/small")).unwrap()
    }

    fn household(id: &str, x: f64, y: f64, village: &str) -> Edit {
        Edit {
            op: EditOp::Create,
            collection: LayerKind::Households,
            id: id.into(),
            feature: Some(
                json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [x, y]},
                "properties": {"head": "Võ Văn Hải", "village_id": village, "water_status": "registered"}}),
            ),
            date: None,
        }
    }

    #[test]
    fn an_edited_parcel_is_projected_afresh() {
        use geo::Area;
        let mut d = small();
        let i = d.parcels.position("p1").unwrap();
        // 0.0004° × 0.00014° at 19.22° N: about 42.0 m × 15.5 m (650 m²).
        let before = d.parcel_metric(i).unwrap().unsigned_area();
        assert!((before - 650.0).abs() < 10.0, "{before}");
        let edit = Edit {
            op: EditOp::Replace,
            collection: LayerKind::Parcels,
            id: "p1".into(),
            feature: Some(json!({"type": "Feature",
                "geometry": {"type": "Polygon", "coordinates": [[[105.7008, 19.22035],
                    [105.7016, 19.22035], [105.7016, 19.22049], [105.7008, 19.22049],
                    [105.7008, 19.22035]]]},
                "properties": {"map_sheet": 5, "parcel_no": 12, "land_use": "ONT",
                    "village_id": "vil-a", "owner_household": "h3",
                    "clearance_status": "awaiting", "fence_type": "wall", "gate": true,
                    "frontage_edge": 2}})),
            date: None,
        };
        d.apply(&edit).unwrap();
        let i = d.parcels.position("p1").unwrap();
        let after = d.parcel_metric(i).unwrap().unsigned_area();
        // Twice as wide, so twice the area (to the interpolation's half millimetre).
        assert!((after - 2.0 * before).abs() < 0.05, "{before} {after}");
    }

    #[test]
    fn an_edited_village_is_projected_as_a_loaded_one() {
        // Put back vil-a as it is: its metric polygon must be the one loading made,
        // coordinate for coordinate (edits once went through PROJ, loads through the
        // grid, and the two differ by up to half a millimetre).
        let mut d = small();
        let i = d.villages.position("vil-a").unwrap();
        let loaded = d.villages.metric[i].clone();
        let edit = Edit {
            op: EditOp::Replace,
            collection: LayerKind::Villages,
            id: "vil-a".into(),
            feature: Some(d.villages.features[i].to_json()),
            date: None,
        };
        d.apply(&edit).unwrap();
        let i = d.villages.position("vil-a").unwrap();
        assert_eq!(d.villages.metric[i], loaded);
    }

    #[test]
    fn create_replace_delete_keep_index_ids_and_records_in_step() {
        let mut d = small();
        let before = d.households.features.len();
        d.apply(&household("h9", 105.7031, 19.2213, "vil-b"))
            .unwrap();
        assert_eq!(d.households.features.len(), before + 1);
        // Without a dwelling_id a household's dwelling is its own id.
        assert_eq!(d.households.records.last().unwrap().dwelling_id, "h9");
        let near = Rect::new(
            Coord {
                x: 105.7030,
                y: 19.2212,
            },
            Coord {
                x: 105.7032,
                y: 19.2214,
            },
        );
        let ids = |d: &Dataset| -> Vec<String> {
            let mut ids: Vec<String> = d
                .households
                .select(&Selection {
                    bbox: Some(near),
                    equals: vec![],
                })
                .into_iter()
                .map(|i| d.households.features[i].id.clone())
                .collect();
            ids.sort();
            ids
        };
        assert_eq!(ids(&d), ["h6", "h9"]);

        // Deleting h1, owner of p2, is refused; h2 owns nothing.
        let del = |id: &str| Edit {
            op: EditOp::Delete,
            collection: LayerKind::Households,
            id: id.into(),
            feature: None,
            date: None,
        };
        assert!(matches!(d.apply(&del("h1")), Err(EditError::Referenced(_))));
        d.apply(&del("h2")).unwrap();
        assert!(d.households.get("h2").is_none());
        // Every id still maps to its own feature and record.
        for (i, f) in d.households.features.iter().enumerate() {
            assert_eq!(d.households.position(&f.id), Some(i));
            let from_feature = Household::from_properties(&f.id, &f.properties.to_map());
            assert_eq!(Ok(&d.households.records[i]), from_feature.as_ref());
        }
        assert_eq!(ids(&d), ["h6", "h9"]);
        let mut replace = household("h9", 105.7001, 19.2201, "vil-a");
        replace.op = EditOp::Replace;
        d.apply(&replace).unwrap();
        assert_eq!(ids(&d), ["h6"]);
        assert_eq!(
            &*d.households.records[d.households.position("h9").unwrap()].village_id,
            "vil-a"
        );
    }

    #[test]
    fn a_refused_edit_changes_nothing() {
        let mut d = small();
        let snapshot = format!("{:?}", d.households.features);
        let cases = [
            (household("h1", 105.7031, 19.2213, "vil-b"), "already has"),
            (
                household("h9", 19.2213, 105.7031, "vil-b"),
                "not a longitude",
            ),
            (
                household("h9", 106.5, 10.8, "vil-b"),
                "outside the data set's area",
            ),
            (
                household("h9", 105.7031, 19.2213, "vil-zz"),
                "is not one of the villages",
            ),
        ];
        for (edit, want) in cases {
            let e = d.apply(&edit).unwrap_err().to_string();
            assert!(e.contains(want), "{e}");
        }
        let mut bad_status = household("h9", 105.7031, 19.2213, "vil-b");
        bad_status.feature.as_mut().unwrap()["properties"]["water_status"] = json!("maybe");
        assert!(
            d.apply(&bad_status)
                .unwrap_err()
                .to_string()
                .contains("water_status")
        );
        assert_eq!(format!("{:?}", d.households.features), snapshot);
    }

    #[test]
    fn a_clone_shares_untouched_layers_and_copies_the_edited_one() {
        let d = small();
        let mut next = d.clone();
        next.apply(&household("h9", 105.7031, 19.2213, "vil-b"))
            .unwrap();
        assert!(Arc::ptr_eq(&d.parcels.layer, &next.parcels.layer));
        assert!(!Arc::ptr_eq(&d.households.layer, &next.households.layer));
        assert!(d.households.get("h9").is_none());
    }

    #[test]
    fn version_changes_with_content_only() {
        let d = small();
        let f = d.households.get("h1").unwrap();
        assert_eq!(f.version(), f.clone().version());
        let mut g = f.clone();
        g.properties.insert("members".into(), json!(5));
        assert_ne!(f.version(), g.version());
    }

    /// The small fixture with parcel p3 (village B) numbered as p1 (village A, sheet 5
    /// parcel 12), and village properties changed by `villages`.
    fn with_p3_as_p1(name: &str, villages: [Value; 2]) -> Result<Dataset, super::super::LoadError> {
        let dir =
            std::env::temp_dir().join(format!("drainplan-keys-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        for e in std::fs::read_dir("tests/fixtures/small").unwrap() {
            let e = e.unwrap();
            std::fs::copy(e.path(), dir.join(e.file_name())).unwrap();
        }
        let edit = |layer: &str, change: &dyn Fn(&mut Value)| {
            let path = dir.join(format!("{layer}.geojson"));
            let mut v: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
            change(&mut v);
            std::fs::write(&path, v.to_string()).unwrap();
        };
        edit("parcels", &|v| {
            let p3 = &mut v["features"][2]["properties"];
            p3["map_sheet"] = json!(5);
            p3["parcel_no"] = json!(12);
        });
        edit("villages", &|v| {
            for (i, props) in villages.iter().enumerate() {
                for (k, x) in props.as_object().unwrap() {
                    v["features"][i]["properties"][k] = x.clone();
                }
            }
        });
        let d = Dataset::load_files(&dir);
        std::fs::remove_dir_all(&dir).unwrap();
        d
    }

    #[test]
    fn parcel_numbers_are_unique_per_commune_of_a_province() {
        // Both villages in Xã Thử: p3 repeats p1's sheet and number.
        let e = with_p3_as_p1("same", [json!({}), json!({})])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains(
                "feature p3: properties.parcel_no: sheet 5 parcel 12 is already parcel `p1`"
            ),
            "{e}"
        );
        let e = with_p3_as_p1(
            "same-province",
            [json!({"province": "Tỉnh A"}), json!({"province": "Tỉnh A"})],
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("already parcel `p1`"), "{e}");
        // Another commune, or a commune of the same name in another province, numbers
        // its sheets afresh.
        with_p3_as_p1("other-commune", [json!({}), json!({"commune": "Xã Khác"})]).unwrap();
        with_p3_as_p1(
            "other-province",
            [json!({"province": "Tỉnh A"}), json!({"province": "Tỉnh B"})],
        )
        .unwrap();
    }
}
