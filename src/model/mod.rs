//! The five layers of drainplan and the typed records behind their GeoJSON properties.
//!
//! Every layer is a set of GeoJSON features with a stable ASCII string `id`; the
//! properties each layer must carry are listed on the record types below and in
//! `data/README.md`. Parsing a feature into its record checks every property once, at the
//! door, so that analyses never meet a missing owner or a misspelt status.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub mod date;
pub mod geometry;
mod intern;
pub mod schema;

pub use intern::intern;

/// The JSON object of a feature's properties.
pub type Properties = Map<String, Value>;

/// The five layers, in the order they are loaded and listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LayerKind {
    /// Village (thôn) boundaries.
    Villages,
    /// Drainage canals, existing and planned.
    Canals,
    /// Cadastral parcels (thửa đất).
    Parcels,
    /// Areas flooded in the rainy season.
    FloodZones,
    /// Households, as the point of their dwelling.
    Households,
    /// Catchments: areas whose rain drains into one canal.
    Catchments,
}

impl LayerKind {
    /// All layers in load order.
    pub const ALL: [LayerKind; 6] = [
        LayerKind::Villages,
        LayerKind::Canals,
        LayerKind::Parcels,
        LayerKind::FloodZones,
        LayerKind::Households,
        LayerKind::Catchments,
    ];

    /// The collection id and file stem (`parcels` → `parcels.geojson`).
    pub fn id(self) -> &'static str {
        match self {
            LayerKind::Villages => "villages",
            LayerKind::Canals => "canals",
            LayerKind::Parcels => "parcels",
            LayerKind::FloodZones => "flood_zones",
            LayerKind::Households => "households",
            LayerKind::Catchments => "catchments",
        }
    }

    /// The layer with collection id `id`, if there is one.
    pub fn from_id(id: &str) -> Option<LayerKind> {
        LayerKind::ALL.into_iter().find(|k| k.id() == id)
    }

    /// A human title for the collection.
    pub fn title(self) -> &'static str {
        match self {
            LayerKind::Villages => "Villages (thôn)",
            LayerKind::Canals => "Drainage canals (mương tiêu thoát nước)",
            LayerKind::Parcels => "Cadastral parcels (thửa đất)",
            LayerKind::FloodZones => "Flooded residential areas (vùng ngập úng)",
            LayerKind::Households => "Households (hộ gia đình)",
            LayerKind::Catchments => "Drainage catchments (lưu vực tiêu nước)",
        }
    }

    /// Whether the layer holds polygons (Polygon or MultiPolygon features, served and
    /// exported as MultiPolygon, the one type that holds both).
    pub fn is_polygonal(self) -> bool {
        matches!(
            self,
            LayerKind::Villages
                | LayerKind::Parcels
                | LayerKind::FloodZones
                | LayerKind::Catchments
        )
    }

    /// The geometry types a feature of this layer may have.
    pub fn allowed_geometry(self) -> &'static [&'static str] {
        match self {
            LayerKind::Villages | LayerKind::FloodZones => &["Polygon", "MultiPolygon"],
            LayerKind::Catchments => &["Polygon", "MultiPolygon"],
            LayerKind::Parcels => &["Polygon", "MultiPolygon"],
            LayerKind::Canals => &["LineString"],
            LayerKind::Households => &["Point"],
        }
    }
}

impl fmt::Display for LayerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// Declares a string-valued status enum with its snake_case names in one place.
macro_rules! status_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[derive(utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            /// Every value, in workflow order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// Every value's name, in workflow order.
            pub const NAMES: &'static [&'static str] = &[$($text),+];

            /// The value's name as stored in the data.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// Parses a stored name.
            pub fn parse(s: &str) -> Option<$name> {
                match s { $($text => Some($name::$variant),)+ _ => None }
            }

            /// The allowed names, for error messages.
            pub fn names() -> String {
                [$($text),+].join(", ")
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

status_enum! {
    /// Where a canal section stands.
    CanalStatus {
        /// Built before the programme.
        Existing = "existing",
        /// Built by the programme.
        Completed = "completed",
        /// Being built.
        UnderConstruction = "under_construction",
        /// Approved, not started.
        Planned = "planned",
        /// Proposed, not yet approved.
        Proposed = "proposed",
    }
}

status_enum! {
    /// A parcel's site-clearance (GPMB) step.
    ClearanceStatus {
        /// No land is needed from this parcel.
        NotRequired = "not_required",
        /// Land is needed; the household has not yet agreed.
        Awaiting = "awaiting",
        /// The household has agreed to give the strip.
        Agreed = "agreed",
        /// The household has signed the donation.
        Donated = "donated",
        /// The household was compensated instead of donating.
        Compensated = "compensated",
        /// The strip is cleared and handed over.
        Cleared = "cleared",
    }
}

status_enum! {
    /// A household's piped-water connection.
    WaterStatus {
        /// Not registered.
        NotRegistered = "not_registered",
        /// Registered for a connection, not yet connected.
        Registered = "registered",
        /// Connected.
        Connected = "connected",
    }
}

status_enum! {
    /// What stands on a parcel's frontage.
    FenceType {
        /// A masonry wall (tường bao).
        Wall = "wall",
        /// A light fence.
        Fence = "fence",
        /// A hedge.
        Hedge = "hedge",
        /// Nothing.
        None = "none",
    }
}

/// A village (thôn).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Village {
    /// Feature id.
    pub id: String,
    /// Name with diacritics, e.g. "Đại Đồng".
    pub name: String,
    /// Short code.
    pub code: String,
    /// The year's piped-water target as a share of dwellings (0.35 = 35 %).
    pub water_target_rate: f64,
}

/// A drainage canal section.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Canal {
    /// Feature id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Construction status.
    pub status: CanalStatus,
}

/// A cadastral parcel: what analyses read from its properties. Its id is its feature's
/// (`data.parcels.features[i].id` for `data.parcels.records[i]`), not repeated here: a
/// million copies cost 40 MB.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Parcel {
    /// Map sheet number (tờ bản đồ số).
    pub map_sheet: i64,
    /// Parcel number on the sheet (thửa số).
    pub parcel_no: i64,
    /// Land-use code (ONT residential, CLN garden, LUC rice, DGT road, …), shared.
    pub land_use: Arc<str>,
    /// Village id, shared.
    pub village_id: Option<Arc<str>>,
    /// The owning household's id, if the parcel is privately held.
    pub owner_household: Option<String>,
    /// Site-clearance step.
    pub clearance_status: ClearanceStatus,
    /// What stands on the frontage.
    pub fence_type: FenceType,
    /// Whether the frontage has a gate.
    pub gate: bool,
    /// Index `i` of the exterior-ring edge (vertex i → i+1) of the first polygon that is
    /// the frontage, where the fence stands.
    pub frontage_edge: Option<u32>,
}

/// A flooded area.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FloodZone {
    /// Feature id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Village id.
    pub village_id: Option<String>,
    /// Typical flood depth.
    pub depth_m: f64,
}

/// A catchment: the area whose rain drains into one canal.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CatchmentArea {
    /// Name.
    pub name: Option<String>,
    /// The canal it drains into.
    pub drains_to: Option<String>,
}

/// A household and its contributions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Household {
    /// Head of household.
    pub head: String,
    /// Village id, shared.
    pub village_id: Arc<str>,
    /// The dwelling this household lives in (several households may share one).
    pub dwelling_id: String,
    /// Piped-water connection.
    pub water_status: WaterStatus,
    /// Contributions, pledged and done.
    pub contributions: Contributions,
}

/// What a household pledged and gave.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Contributions {
    /// Land promised, m².
    pub land_pledged_m2: f64,
    /// Land signed over, m².
    pub land_donated_m2: f64,
    /// Labour days promised.
    pub labour_pledged_days: f64,
    /// Labour days worked.
    pub labour_done_days: f64,
    /// Money promised, VND.
    pub money_pledged_vnd: f64,
    /// Money paid, VND.
    pub money_paid_vnd: f64,
}

impl Contributions {
    /// The property names, in the order of the fields.
    pub const FIELDS: [&'static str; 6] = [
        "land_pledged_m2",
        "land_donated_m2",
        "labour_pledged_days",
        "labour_done_days",
        "money_pledged_vnd",
        "money_paid_vnd",
    ];

    fn values_mut(&mut self) -> [&mut f64; 6] {
        [
            &mut self.land_pledged_m2,
            &mut self.land_donated_m2,
            &mut self.labour_pledged_days,
            &mut self.labour_done_days,
            &mut self.money_pledged_vnd,
            &mut self.money_paid_vnd,
        ]
    }

    /// Adds another household's contributions to these.
    pub fn add(&mut self, other: &Contributions) {
        let mut o = *other;
        for (a, b) in self.values_mut().into_iter().zip(o.values_mut()) {
            *a += *b;
        }
    }
}

/// A property that is missing or has the wrong type or value.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("property `{name}`: {problem}")]
pub struct PropertyError {
    /// The property's name.
    pub name: String,
    /// What is wrong with it.
    pub problem: String,
}

fn prop_err(name: &str, problem: impl Into<String>) -> PropertyError {
    PropertyError {
        name: name.to_owned(),
        problem: problem.into(),
    }
}

/// Typed reads of a feature's properties with errors that name the property.
pub struct Props<'a>(pub &'a Properties);

impl Props<'_> {
    fn get(&self, name: &str) -> Option<&Value> {
        self.0.get(name).filter(|v| !v.is_null())
    }

    /// A required non-empty string.
    pub fn string(&self, name: &str) -> Result<String, PropertyError> {
        self.opt_string(name)?
            .ok_or_else(|| prop_err(name, "is required"))
    }

    /// An optional string; empty counts as absent.
    pub fn opt_string(&self, name: &str) -> Result<Option<String>, PropertyError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(prop_err(name, format!("must be a string, found {other}"))),
        }
    }

    /// An optional finite, non-negative number.
    pub fn opt_non_negative(&self, name: &str) -> Result<Option<f64>, PropertyError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Number(n)) => match n.as_f64() {
                Some(x) if x.is_finite() && x >= 0.0 => Ok(Some(x)),
                _ => Err(prop_err(
                    name,
                    format!("must be a non-negative number, found {n}"),
                )),
            },
            Some(other) => Err(prop_err(name, format!("must be a number, found {other}"))),
        }
    }

    /// A required integer.
    pub fn integer(&self, name: &str) -> Result<i64, PropertyError> {
        match self.get(name) {
            None => Err(prop_err(name, "is required")),
            Some(v) => v
                .as_i64()
                .ok_or_else(|| prop_err(name, format!("must be an integer, found {v}"))),
        }
    }

    /// An optional boolean (absent = false).
    pub fn flag(&self, name: &str) -> Result<bool, PropertyError> {
        match self.get(name) {
            None => Ok(false),
            Some(Value::Bool(b)) => Ok(*b),
            Some(other) => Err(prop_err(
                name,
                format!("must be true or false, found {other}"),
            )),
        }
    }

    /// A required status from the enum's allowed names.
    pub fn status<T>(
        &self,
        name: &str,
        parse: fn(&str) -> Option<T>,
        names: fn() -> String,
    ) -> Result<T, PropertyError> {
        let s = self.string(name)?;
        parse(&s).ok_or_else(|| prop_err(name, format!("`{s}` is not one of {}", names())))
    }
}

impl Village {
    /// Reads a village from its id and properties.
    pub fn from_properties(id: &str, p: &Properties) -> Result<Self, PropertyError> {
        let p = Props(p);
        let water_target_rate = p.opt_non_negative("water_target_rate")?.unwrap_or(0.0);
        if water_target_rate > 1.0 {
            return Err(prop_err(
                "water_target_rate",
                format!("is a share between 0 and 1, found {water_target_rate}"),
            ));
        }
        Ok(Village {
            id: id.to_owned(),
            name: p.string("name")?,
            code: p.opt_string("code")?.unwrap_or_default(),
            water_target_rate,
        })
    }
}

impl Canal {
    /// Reads a canal from its id and properties.
    pub fn from_properties(id: &str, p: &Properties) -> Result<Self, PropertyError> {
        let p = Props(p);
        Ok(Canal {
            id: id.to_owned(),
            name: p.opt_string("name")?.unwrap_or_else(|| id.to_owned()),
            status: p.status("status", CanalStatus::parse, CanalStatus::names)?,
        })
    }
}

impl Parcel {
    /// Reads a parcel from its properties (the id is not kept; the signature is every
    /// record's, for the loader).
    pub fn from_properties(_id: &str, p: &Properties) -> Result<Self, PropertyError> {
        let p = Props(p);
        let frontage_edge =
            match p.get("frontage_edge") {
                None => None,
                Some(v) => Some(v.as_u64().and_then(|n| u32::try_from(n).ok()).ok_or_else(
                    || {
                        prop_err(
                            "frontage_edge",
                            format!("must be an edge index ≥ 0, found {v}"),
                        )
                    },
                )?),
            };
        let fence_type = match p.opt_string("fence_type")? {
            None => FenceType::None,
            Some(_) => p.status("fence_type", FenceType::parse, FenceType::names)?,
        };
        Ok(Parcel {
            map_sheet: p.integer("map_sheet")?,
            parcel_no: p.integer("parcel_no")?,
            land_use: intern(&p.string("land_use")?),
            village_id: p.opt_string("village_id")?.as_deref().map(intern),
            owner_household: p.opt_string("owner_household")?,
            clearance_status: p.status(
                "clearance_status",
                ClearanceStatus::parse,
                ClearanceStatus::names,
            )?,
            fence_type,
            gate: p.flag("gate")?,
            frontage_edge,
        })
    }
}

impl FloodZone {
    /// Reads a flood zone from its id and properties.
    pub fn from_properties(id: &str, p: &Properties) -> Result<Self, PropertyError> {
        let p = Props(p);
        Ok(FloodZone {
            id: id.to_owned(),
            name: p.opt_string("name")?.unwrap_or_else(|| id.to_owned()),
            village_id: p.opt_string("village_id")?,
            depth_m: p.opt_non_negative("depth_m")?.unwrap_or(0.0),
        })
    }
}

impl CatchmentArea {
    /// Reads a catchment from its properties.
    pub fn from_properties(p: &Properties) -> Result<Self, PropertyError> {
        let p = Props(p);
        Ok(CatchmentArea {
            name: p.opt_string("name")?,
            drains_to: p.opt_string("drains_to")?,
        })
    }
}

impl Household {
    /// Reads a household from its id and properties.
    pub fn from_properties(id: &str, p: &Properties) -> Result<Self, PropertyError> {
        let props = Props(p);
        let mut contributions = Contributions::default();
        for (field, slot) in Contributions::FIELDS.iter().zip(contributions.values_mut()) {
            *slot = props.opt_non_negative(field)?.unwrap_or(0.0);
        }
        Ok(Household {
            head: props.string("head")?,
            village_id: intern(&props.string("village_id")?),
            dwelling_id: props
                .opt_string("dwelling_id")?
                .unwrap_or_else(|| id.to_owned()),
            water_status: props.status("water_status", WaterStatus::parse, WaterStatus::names)?,
            contributions,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Properties {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn parcel_reads_all_properties() {
        let p = Parcel::from_properties(
            "p1",
            &obj(json!({"map_sheet": 12, "parcel_no": 345, "land_use": "ONT",
                "owner_household": "hh-1", "clearance_status": "donated",
                "fence_type": "wall", "gate": true, "frontage_edge": 2})),
        )
        .unwrap();
        assert_eq!(p.clearance_status, ClearanceStatus::Donated);
        assert_eq!(p.fence_type, FenceType::Wall);
        assert!(p.gate);
        assert_eq!(p.frontage_edge, Some(2));
    }

    #[test]
    fn unknown_status_names_the_allowed_values() {
        let e = Parcel::from_properties(
            "p1",
            &obj(json!({"map_sheet": 1, "parcel_no": 2, "land_use": "ONT",
                "clearance_status": "given"})),
        )
        .unwrap_err();
        assert_eq!(e.name, "clearance_status");
        assert!(e.problem.contains("`given`"), "{e}");
        assert!(e.problem.contains("donated"), "{e}");
    }

    #[test]
    fn negative_contribution_is_refused() {
        let e = Household::from_properties(
            "h",
            &obj(
                json!({"head": "A", "village_id": "v", "water_status": "registered",
                "labour_done_days": -3}),
            ),
        )
        .unwrap_err();
        assert_eq!(e.name, "labour_done_days");
    }

    #[test]
    fn contributions_add_fieldwise() {
        let mut a = Contributions {
            land_donated_m2: 10.0,
            money_paid_vnd: 500_000.0,
            ..Default::default()
        };
        a.add(&Contributions {
            land_donated_m2: 2.5,
            labour_done_days: 3.0,
            ..Default::default()
        });
        assert_eq!(a.land_donated_m2, 12.5);
        assert_eq!(a.labour_done_days, 3.0);
        assert_eq!(a.money_paid_vnd, 500_000.0);
    }
}
