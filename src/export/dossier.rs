//! The dossier bundle for a planned canal or a drawn route (hồ sơ thiết kế): one zip with
//!
//! 1. `<name>_EPSG9208.dxf`: route (labelled with the canal's name), corridor, affected
//!    parcels (one layer per clearance status, `sheet/number` labels) and the taken strips
//!    (labelled with the owner's name), in VN-2000 / TM-3 104-45;
//! 2. the same as shapefiles (`route`, `corridor`, `parcels_affected`, `taken_strips`,
//!    each with its `.prj` and `.cpg`);
//! 3. `alignment_EPSG9208.csv`: each vertex with its chainage `Km0+000.00` and E, N to the
//!    millimetre;
//! 4. `land_taken_by_parcel.csv` and `land_taken_by_owner.csv` with totals;
//! 5. `README.txt` saying what each file is and which CRS it uses.
//!
//! The CSVs are UTF-8 with a byte-order mark so that Excel shows Vietnamese names, and
//! text that a spreadsheet would run as a formula is quoted out (see [`super::csv`]).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use geo::{Geometry, LineString};
use serde_json::{Value, json};

use super::csv::{BOM, push_record};
use super::{ExportCrs, ExportError, Output, Row, Table, impact_table, shapefile, zipfile};
use crate::analysis::route_impact::RouteImpact;
use crate::crs::geodesic_length_m;
use crate::store::Dataset;

/// The CRS of every file in the bundle.
pub const DOSSIER_CRS: ExportCrs = ExportCrs::Tm3NgheAn;

/// A station along the route written as engineers do: `Km1+234.57` (km, then metres to
/// the centimetre).
pub fn chainage(m: f64) -> String {
    let cm = (m * 100.0).round() as i64;
    format!(
        "Km{}+{:03}.{:02}",
        cm / 100_000,
        (cm % 100_000) / 100,
        cm % 100
    )
}

/// Builds the bundle for `route` (WGS84) named `name` (a canal id or `route`) from its
/// `impact` (computed by [`route_impact`](crate::analysis::route_impact::route_impact),
/// redacted or not by the caller).
pub fn dossier(
    data: &Dataset,
    name: &str,
    route: &LineString,
    impact: &RouteImpact,
) -> Result<Output, ExportError> {
    let crs = DOSSIER_CRS;
    let tag = crs.file_tag();
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();

    let tables = drawing_tables(data, name, route, impact)?;
    let projected: Vec<Table> = tables
        .iter()
        .map(|t| t.project(crs))
        .collect::<Result<_, _>>()?;
    let refs: Vec<&Table> = projected.iter().collect();

    let mut files = vec![(format!("{safe}_{tag}.dxf"), super::dxf::write(&refs)?)];
    for t in &projected {
        files.extend(shapefile::write(t, &format!("{}_{tag}", t.name))?);
    }
    files.push((format!("alignment_{tag}.csv"), alignment_csv(route, crs)?));
    files.push(("land_taken_by_parcel.csv".into(), by_parcel_csv(impact)));
    files.push(("land_taken_by_owner.csv".into(), by_owner_csv(impact)));
    let names: Vec<String> = files.iter().map(|f| f.0.clone()).collect();
    files.insert(
        0,
        (
            "README.txt".into(),
            readme(name, impact, &names, &projected).into_bytes(),
        ),
    );
    Ok(Output {
        file_name: format!("dossier_{safe}_{tag}.zip"),
        media_type: "application/zip",
        crs,
        bytes: zipfile::zip(&files)?,
    })
}

fn drawing_tables(
    data: &Dataset,
    name: &str,
    route: &LineString,
    impact: &RouteImpact,
) -> Result<Vec<Table>, ExportError> {
    let one = |table: &str, id: &str, geometry: Geometry, properties: Value| Table {
        name: table.into(),
        rows: vec![Row {
            id: id.into(),
            geometry,
            properties: match properties {
                Value::Object(m) => m,
                _ => Default::default(),
            },
            label: None,
        }],
        layer_by: None,
        crs: ExportCrs::Wgs84,
    };
    let mut route_table = one(
        "route",
        name,
        Geometry::LineString(route.clone()),
        json!({"name": name, "length_m": impact.route_length_m,
               "width_m": impact.corridor_width_m}),
    );
    // A stored canal's route is labelled with the canal's own name (`Mương 2`).
    route_table.rows[0].label = data
        .canals
        .get(name)
        .and_then(|c| c.properties.get("name"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    let mut tables = vec![
        route_table,
        one(
            "corridor",
            name,
            Geometry::MultiPolygon(impact.corridor.clone()),
            json!({"width_m": impact.corridor_width_m, "area_m2": impact.corridor_area_m2}),
        ),
    ];
    if !impact.parcels.is_empty() {
        let mut strips = impact_table(impact);
        let mut parcels = strips.clone();
        parcels.name = "parcels_affected".into();
        for r in &mut parcels.rows {
            let f = data.parcels.get(&r.id).ok_or_else(|| {
                ExportError::Geometry(format!("parcel {} vanished from the data set", r.id))
            })?;
            r.geometry = f.geometry.clone();
        }
        strips.layer_by = None;
        // Each strip carries its owner's name (absent when the caller may not see it, as
        // `impact` is redacted then), the parcel beside it its `sheet/number`.
        for (r, p) in strips.rows.iter_mut().zip(&impact.parcels) {
            r.label = p.owner_name.clone();
        }
        tables.push(parcels);
        tables.push(strips);
    }
    Ok(tables)
}

fn alignment_csv(route: &LineString, crs: ExportCrs) -> Result<Vec<u8>, ExportError> {
    let p = crs.projector()?;
    let mut out = BOM.to_owned();
    push_record(
        &mut out,
        ["vertex", "chainage", "chainage_m", "E", "N"].map(String::from),
    );
    let mut along = 0.0;
    for (i, c) in route.0.iter().enumerate() {
        if i > 0 {
            along += geodesic_length_m(&LineString(vec![route.0[i - 1], *c]));
        }
        let en = p.coord(*c)?;
        push_record(
            &mut out,
            [
                (i + 1).to_string(),
                chainage(along),
                format!("{along:.2}"),
                format!("{:.3}", en.x),
                format!("{:.3}", en.y),
            ],
        );
    }
    Ok(out.into_bytes())
}

fn by_parcel_csv(impact: &RouteImpact) -> Vec<u8> {
    let mut out = BOM.to_owned();
    push_record(
        &mut out,
        [
            "Tờ bản đồ (map sheet)",
            "Thửa số (parcel no)",
            "parcel id",
            "Chủ hộ (owner)",
            "owner household",
            "Thôn (village)",
            "land use",
            "parcel area m2",
            "Diện tích thu hồi (taken m2)",
            "taken %",
            "clearance status",
            "fence to rebuild m",
            "gate to rebuild",
        ]
        .map(String::from),
    );
    let mut rows: Vec<_> = impact.parcels.iter().collect();
    rows.sort_by_key(|p| (p.map_sheet, p.parcel_no, p.id.clone()));
    for p in rows {
        push_record(
            &mut out,
            [
                p.map_sheet.to_string(),
                p.parcel_no.to_string(),
                p.id.clone(),
                p.owner_name.clone().unwrap_or_default(),
                p.owner_household.clone().unwrap_or_default(),
                p.village.clone().unwrap_or_default(),
                p.land_use.clone(),
                format!("{:.2}", p.parcel_area_m2),
                format!("{:.2}", p.taken_area_m2),
                format!("{:.1}", p.taken_share * 100.0),
                p.clearance_status.to_string(),
                format!("{:.2}", p.fence_to_rebuild_m),
                if p.gate_to_rebuild { "yes" } else { "no" }.into(),
            ],
        );
    }
    let t = &impact.totals;
    push_record(
        &mut out,
        [
            "TOTAL (Tổng)".to_owned(),
            format!("{} parcels", t.parcels),
            String::new(),
            format!("{} households", t.households_affected),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            format!("{:.2}", t.taken_area_m2),
            String::new(),
            String::new(),
            format!("{:.2}", t.fence_to_rebuild_m),
            t.gates_to_rebuild.to_string(),
        ],
    );
    out.into_bytes()
}

/// The group of parcels with no owner household (roads, public land) or whose owner the
/// caller may not see.
const NO_OWNER: &str = "(no owner)";

#[derive(Default)]
struct OwnerSum {
    name: String,
    parcels: Vec<String>,
    taken_m2: f64,
    fence_m: f64,
    gates: usize,
}

fn by_owner_csv(impact: &RouteImpact) -> Vec<u8> {
    let mut owners: BTreeMap<String, OwnerSum> = BTreeMap::new();
    for p in &impact.parcels {
        let key = p.owner_household.clone().unwrap_or_else(|| NO_OWNER.into());
        let s = owners.entry(key).or_default();
        s.name = p.owner_name.clone().unwrap_or_default();
        s.parcels.push(format!("{}/{}", p.map_sheet, p.parcel_no));
        s.taken_m2 += p.taken_area_m2;
        s.fence_m += p.fence_to_rebuild_m;
        s.gates += usize::from(p.gate_to_rebuild);
    }
    let mut out = BOM.to_owned();
    push_record(
        &mut out,
        [
            "owner household",
            "Chủ hộ (owner)",
            "parcels (sheet/number)",
            "Diện tích thu hồi (taken m2)",
            "fence to rebuild m",
            "gates to rebuild",
        ]
        .map(String::from),
    );
    let (mut taken, mut fence, mut gates) = (0.0, 0.0, 0);
    for (id, s) in &owners {
        taken += s.taken_m2;
        fence += s.fence_m;
        gates += s.gates;
        push_record(
            &mut out,
            [
                id.clone(),
                s.name.clone(),
                s.parcels.join(" "),
                format!("{:.2}", s.taken_m2),
                format!("{:.2}", s.fence_m),
                s.gates.to_string(),
            ],
        );
    }
    push_record(
        &mut out,
        [
            "TOTAL (Tổng)".to_owned(),
            format!(
                "{} households",
                owners.keys().filter(|k| *k != NO_OWNER).count()
            ),
            format!("{} parcels", impact.parcels.len()),
            format!("{taken:.2}"),
            format!("{fence:.2}"),
            gates.to_string(),
        ],
    );
    out.into_bytes()
}

fn readme(name: &str, impact: &RouteImpact, files: &[String], tables: &[Table]) -> String {
    let crs = DOSSIER_CRS;
    let mut s = String::new();
    let _ = writeln!(s, "drainplan dossier for {name}");
    let _ = writeln!(s, "{}", "=".repeat(24 + name.chars().count()));
    let _ = writeln!(
        s,
        "\nRoute length {:.2} m (ground, geodesic on the WGS84 ellipsoid), corridor {} m wide\n\
         (flat ends, round joins), {} parcels affected, {:.2} m2 of land taken from {} households.",
        impact.route_length_m,
        impact.corridor_width_m,
        impact.totals.parcels,
        impact.totals.taken_area_m2,
        impact.totals.households_affected,
    );
    let _ = writeln!(
        s,
        "\nCoordinate system of every drawing, shapefile and table: {} ({}),\n\
         EPSG's definition with its datum shift to WGS84 (not the widely copied +towgs84\n\
         string, which lands about 0.7 m away). Coordinates are in metres, E then N, to the mm.",
        crs.title(),
        crs.name()
    );
    let _ = writeln!(s, "\nFiles:");
    for f in files {
        let what = describe(f, tables);
        let _ = writeln!(s, "- {f}: {what}");
    }
    let _ = writeln!(
        s,
        "\nChainage (lý trình) is the ground distance along the route from its first vertex;\n\
         grid distances measured in the drawing are longer by the TM-3 scale factor\n\
         (about 2 cm per km here). Areas are computed in {} (grid).",
        crs.name()
    );
    let _ = writeln!(
        s,
        "\nThe CSV tables are UTF-8 with a byte-order mark, so Excel opens Vietnamese names\n\
         correctly. Land-taken tables hold personal data: share them only with the people\n\
         working on this dossier."
    );
    s
}

fn describe(file: &str, tables: &[Table]) -> String {
    let stem = file.rsplit_once('.').map_or(file, |(s, _)| s);
    let ext = file.rsplit_once('.').map_or("", |(_, e)| e);
    let table = tables
        .iter()
        .find(|t| stem.starts_with(&format!("{}_", t.name)));
    let what = |t: &Table| match t.name.as_str() {
        "route" => "the route centre line".to_owned(),
        "corridor" => "the corridor polygon".to_owned(),
        "parcels_affected" => format!(
            "the {} affected parcels, whole, with what is taken from each",
            t.rows.len()
        ),
        "taken_strips" => "the strips of land taken from each parcel".to_owned(),
        other => other.to_owned(),
    };
    match (ext, table) {
        ("dxf", _) => "AutoCAD DXF (2007) drawing: layers route, corridor, parcels_affected_<clearance status> with sheet/number labels, taken_strips labelled with the owner's name".into(),
        ("shp", Some(t)) => format!("Shapefile geometry of {}", what(t)),
        ("shx", Some(_)) => "Shapefile index".into(),
        ("dbf", Some(t)) => format!("Shapefile attributes of {} (UTF-8)", what(t)),
        ("prj", Some(_)) => format!("Shapefile CRS, ESRI WKT of {}", DOSSIER_CRS.name()),
        ("cpg", Some(_)) => "Shapefile text encoding (UTF-8)".into(),
        _ if file.starts_with("alignment") => "alignment coordinate table: vertex, chainage Km0+000.00, chainage in metres, E, N".into(),
        _ if file.contains("by_parcel") => "land taken per parcel (sheet, number, owner, areas, clearance status, fences) with totals".into(),
        _ if file.contains("by_owner") => "land taken per owner household with totals".into(),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chainage_is_written_km_plus_metres() {
        assert_eq!(chainage(0.0), "Km0+000.00");
        assert_eq!(chainage(57.834), "Km0+057.83");
        assert_eq!(chainage(999.996), "Km1+000.00");
        assert_eq!(chainage(1234.5), "Km1+234.50");
    }
}
