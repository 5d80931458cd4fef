//! The dossier bundle for a planned canal or a drawn route (hồ sơ thiết kế): one zip with
//!
//! 1. `<name>_EPSG9208.dxf`: route (labelled with the canal's name), corridor, affected
//!    parcels (one layer per clearance status, `sheet/number` labels, hatched on a
//!    `_hatch` layer per status) and the taken strips
//!    (labelled with the owner's name), in VN-2000 / TM-3 104-45;
//! 2. the same as shapefiles (`route`, `corridor`, `parcels_affected`, `taken_strips`,
//!    each with its `.prj` and `.cpg`);
//! 3. `alignment_EPSG9208.csv`: each vertex with its chainage `Km0+000.00` and E, N to the
//!    millimetre;
//! 4. `land_taken_by_parcel.csv` and `land_taken_by_owner.csv` with totals;
//!
//! each of the tables 3 and 4 also as an Excel workbook beside its CSV
//! (`land_taken_by_parcel.xlsx`, …) with number formats and totals as formulas;
//! 5. `README.txt` saying what each file is and which CRS it uses.
//!
//! The CSVs are UTF-8 with a byte-order mark so that Excel shows Vietnamese names, and
//! text that a spreadsheet would run as a formula is quoted out (see [`super::csv`]).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use geo::{Geometry, LineString};
use serde_json::{Value, json};

use super::sheet::{Column, Sheet, Total, Unit, Workbook};
use super::{Crs, ExportError, Output, Row, Table, impact_table, shapefile, xlsx, zipfile};
use crate::analysis::route_impact::RouteImpact;
use crate::crs::geodesic_length_m;
use crate::store::Dataset;

/// Where the dossier's land lies, as the commune's own papers name it since July 2025.
pub const PLACE: &str = "Quỳnh Liên (nay thuộc phường Quỳnh Mai), tỉnh Nghệ An";

/// The CRS of every file in the bundle.
pub const DOSSIER_CRS: Crs = Crs::Tm3NgheAn;

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

/// What the drainage check says of a stored canal, for its dossier: `hydraulics.txt` and
/// `profile.svg` in the bundle, and the verdict in the README.
#[derive(Debug, Clone, PartialEq)]
pub struct DossierHydraulics {
    /// The verdict in words: "carries X l/s against a design inflow of Y l/s from Z ha",
    /// the flood zones drained and the unverified-constants flag (or why the canal could
    /// not be checked).
    pub text: String,
    /// The longitudinal profile, when it could be drawn.
    pub profile_svg: Option<String>,
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
    dossier_with_hydraulics(data, name, route, impact, None)
}

/// [`dossier`] with a stored canal's drainage check (its verdict and profile).
pub fn dossier_with_hydraulics(
    data: &Dataset,
    name: &str,
    route: &LineString,
    impact: &RouteImpact,
    hydraulics: Option<&DossierHydraulics>,
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
    // Each table as CSV and, beside it, as an Excel workbook with totals as formulas.
    let alignment = alignment_sheet(route, crs)?;
    let by_parcel = land_taken_by_parcel(impact);
    let by_owner = land_taken_by_owner(impact);
    for (stem, sheet) in [
        (format!("alignment_{tag}"), alignment),
        ("land_taken_by_parcel".to_owned(), by_parcel),
        ("land_taken_by_owner".to_owned(), by_owner),
    ] {
        files.push((format!("{stem}.csv"), sheet.to_csv()));
        let book = Workbook::new(sheet.name.clone(), vec![sheet]);
        files.push((format!("{stem}.xlsx"), xlsx::write(&book)?));
    }
    if let Some(h) = hydraulics {
        files.push(("hydraulics.txt".into(), h.text.clone().into_bytes()));
        if let Some(svg) = &h.profile_svg {
            files.push(("profile.svg".into(), svg.clone().into_bytes()));
        }
    }
    let names: Vec<String> = files.iter().map(|f| f.0.clone()).collect();
    let mut text = readme(name, impact, &names, &projected);
    if let Some(h) = hydraulics {
        text.push_str("\nHydraulic check\n---------------\n");
        text.push_str(&h.text);
        text.push('\n');
    }
    files.insert(0, ("README.txt".into(), text.into_bytes()));
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
        hatch: false,
        crs: Crs::Wgs84,
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
        // The designer sees at a glance which parcels are cleared and which still wait.
        parcels.hatch = true;
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

/// The alignment table of `route`: each vertex with its chainage (`Km0+000.00`, ground
/// distance along the route) and its E, N in `crs` to the mm.
pub fn alignment_sheet(route: &LineString, crs: Crs) -> Result<Sheet, ExportError> {
    let p = crs.projector()?;
    let mut sheet = Sheet::new(
        "Tọa độ tuyến (alignment)",
        vec![
            // The CSV keeps the plain names survey and CAD tools are set up to read.
            Column::new("Đỉnh (vertex)", Unit::Number).csv_header("vertex"),
            Column::new("Lý trình (chainage)", Unit::Text).csv_header("chainage"),
            Column::new("Lý trình m (chainage_m)", Unit::Metres).csv_header("chainage_m"),
            Column::new("E", Unit::Coordinate),
            Column::new("N", Unit::Coordinate),
        ],
    );
    let mut along = 0.0;
    for (i, c) in route.0.iter().enumerate() {
        if i > 0 {
            along += geodesic_length_m(&LineString(vec![route.0[i - 1], *c]));
        }
        let en = p.coord(*c)?;
        sheet.push(vec![
            (i + 1).into(),
            chainage(along).into(),
            along.into(),
            en.x.into(),
            en.y.into(),
        ]);
    }
    Ok(sheet)
}

/// The label of the totals row.
const TOTAL: &str = "TỔNG CỘNG (TOTAL)";

/// The land `impact` takes, one row per parcel (by map sheet and number), with totals:
/// parcels and households counted, areas, fences and gates summed, the share of the
/// affected parcels' land taken.
pub fn land_taken_by_parcel(impact: &RouteImpact) -> Sheet {
    let t = &impact.totals;
    let mut sheet = Sheet::new(
        "Thu hồi theo thửa (by parcel)",
        vec![
            Column::new("Tờ bản đồ (map sheet)", Unit::Number).total(Total::Text(TOTAL.into())),
            Column::new("Thửa số (parcel no)", Unit::Number)
                .total(Total::Text(format!("{} thửa (parcels)", t.parcels))),
            Column::new("Mã thửa (parcel id)", Unit::Text),
            Column::new("Chủ hộ (owner)", Unit::Text).total(Total::Text(format!(
                "{} hộ (households)",
                t.households_affected
            ))),
            Column::new("Hộ sử dụng (owner household)", Unit::Text),
            Column::new("Thôn (village)", Unit::Text),
            Column::new("Mục đích sử dụng (land use)", Unit::Text),
            Column::new("Diện tích thửa m2 (parcel area)", Unit::SquareMetres).sum(),
            Column::new("Diện tích thu hồi m2 (taken)", Unit::SquareMetres).sum(),
            Column::new("Tỷ lệ thu hồi % (taken)", Unit::Percent)
                .total(Total::Ratio { num: 8, den: 7 }),
            Column::new("Trạng thái GPMB (clearance status)", Unit::Text),
            Column::new("Tường rào làm lại m (fence to rebuild)", Unit::Metres).sum(),
            Column::new("Cổng làm lại (gate to rebuild)", Unit::Text)
                .total(Total::CountIf("yes".into())),
        ],
    );
    let mut rows: Vec<_> = impact.parcels.iter().collect();
    rows.sort_by_key(|p| (p.map_sheet, p.parcel_no, p.id.clone()));
    for p in rows {
        sheet.push(vec![
            p.map_sheet.into(),
            p.parcel_no.into(),
            p.id.clone().into(),
            withheld_or(impact, &p.owner_name).into(),
            withheld_or(impact, &p.owner_household).into(),
            p.village.clone().into(),
            p.land_use.clone().into(),
            p.parcel_area_m2.into(),
            p.taken_area_m2.into(),
            p.taken_share.into(),
            super::reports::clearance_status_vi(p.clearance_status).into(),
            p.fence_to_rebuild_m.into(),
            if p.gate_to_rebuild { "yes" } else { "no" }.into(),
        ]);
    }
    sheet
}

/// An owner field as a table shows it: "(withheld)" when the caller may not see owners.
fn withheld_or(impact: &RouteImpact, field: &Option<String>) -> Option<String> {
    if impact.owners_withheld {
        Some(WITHHELD.into())
    } else {
        field.clone()
    }
}

/// An owner field the caller may not see.
const WITHHELD: &str = "(withheld)";

/// The group of parcels with no owner household (roads, public land).
const NO_OWNER: &str = "(no owner)";
/// The one group of all parcels when the caller may not see owners: the owners are
/// there, only withheld, so the household count comes from the impact's totals.
const OWNERS_WITHHELD: &str = "(owners withheld)";

#[derive(Default)]
struct OwnerSum {
    name: Option<String>,
    parcels: Vec<String>,
    taken_m2: f64,
    fence_m: f64,
    gates: usize,
}

/// The land `impact` takes, one row per owner household (parcels without an owner
/// together), with totals; for a redacted `impact`, one row of all parcels whose owners
/// are withheld, the household count still the true one.
pub fn land_taken_by_owner(impact: &RouteImpact) -> Sheet {
    let mut owners: BTreeMap<String, OwnerSum> = BTreeMap::new();
    for p in &impact.parcels {
        let key = if impact.owners_withheld {
            OWNERS_WITHHELD.into()
        } else {
            p.owner_household.clone().unwrap_or_else(|| NO_OWNER.into())
        };
        let s = owners.entry(key).or_default();
        s.name = p.owner_name.clone();
        s.parcels.push(format!("{}/{}", p.map_sheet, p.parcel_no));
        // Each parcel's figures as the by-parcel table shows them, so both totals agree.
        s.taken_m2 += Unit::SquareMetres.round(p.taken_area_m2);
        s.fence_m += Unit::Metres.round(p.fence_to_rebuild_m);
        s.gates += usize::from(p.gate_to_rebuild);
    }
    // The distinct owner households, counted once where the route is measured.
    let households = impact.totals.households_affected;
    let mut sheet = Sheet::new(
        "Thu hồi theo chủ hộ (by owner)",
        vec![
            Column::new("Hộ sử dụng (owner household)", Unit::Text)
                .total(Total::Text(TOTAL.into())),
            Column::new("Chủ hộ (owner)", Unit::Text)
                .total(Total::Text(format!("{households} hộ (households)"))),
            Column::new("Các thửa, tờ/thửa (parcels sheet/number)", Unit::Text).total(Total::Text(
                format!("{} thửa (parcels)", impact.parcels.len()),
            )),
            Column::new("Diện tích thu hồi m2 (taken)", Unit::SquareMetres).sum(),
            Column::new("Tường rào làm lại m (fence to rebuild)", Unit::Metres).sum(),
            Column::new("Cổng làm lại (gates to rebuild)", Unit::Count).sum(),
        ],
    );
    for (id, s) in owners {
        sheet.push(vec![
            id.into(),
            s.name.into(),
            s.parcels.join(" ").into(),
            s.taken_m2.into(),
            s.fence_m.into(),
            s.gates.into(),
        ]);
    }
    sheet
}

/// The land-taken workbook of a route-impact result: per parcel and per owner.
pub fn land_taken_workbook(impact: &RouteImpact) -> Workbook {
    Workbook::new(
        "Diện tích thu hồi đất (land taken)",
        vec![land_taken_by_parcel(impact), land_taken_by_owner(impact)],
    )
    .note(
        "Tuyến (route)",
        format!(
            "{:.2} m, hành lang (corridor) {} m",
            impact.route_length_m, impact.corridor_width_m
        ),
    )
    .note(
        "Diện tích (areas)",
        format!(
            "m², tính trong hệ {} (computed in {})",
            DOSSIER_CRS.name(),
            DOSSIER_CRS.name()
        ),
    )
}

fn readme(name: &str, impact: &RouteImpact, files: &[String], tables: &[Table]) -> String {
    let crs = DOSSIER_CRS;
    let mut s = String::new();
    let _ = writeln!(s, "drainplan dossier for {name}");
    let _ = writeln!(s, "{}", "=".repeat(24 + name.chars().count()));
    let _ = writeln!(s, "\n{PLACE}");
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
        "\nEach table comes twice: as CSV (UTF-8 with a byte-order mark, so Excel opens\n\
         Vietnamese names correctly) and as an Excel workbook (.xlsx) with number formats,\n\
         filters and totals written as formulas over the rows. Land-taken tables hold\n\
         personal data: share them only with the people working on this dossier."
    );
    if impact.owners_withheld {
        let _ = writeln!(
            s,
            "\nThis copy was made for a caller who may not see personal data: owners' names\n\
             and households are withheld (\"{OWNERS_WITHHELD}\"); every count and area is the\n\
             full one."
        );
    }
    s
}

fn as_what(ext: &str) -> &'static str {
    if ext == "xlsx" {
        " (Excel workbook, totals as formulas)"
    } else {
        " (CSV)"
    }
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
        _ if file == "hydraulics.txt" => "the canal's drainage check: design inflow against capacity (TCVN 7957 rational method, Manning), the flood zones it drains, the constants' verification flag".into(),
        _ if file == "profile.svg" => "longitudinal profile: ground, top of bank, design water level and bed against chainage".into(),
        _ if file.starts_with("alignment") => format!("alignment coordinate table: vertex, chainage Km0+000.00, chainage in metres, E, N{}", as_what(ext)),
        _ if file.contains("by_parcel") => format!("land taken per parcel (sheet, number, owner, areas, clearance status, fences) with totals{}", as_what(ext)),
        _ if file.contains("by_owner") => format!("land taken per owner household with totals{}", as_what(ext)),
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
