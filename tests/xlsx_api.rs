//! `format=xlsx` over HTTP, through `oneshot`, on tests/fixtures/small: each report and
//! export answers with an Excel workbook (read back with openpyxl), and the personal-data
//! rules of the JSON and CSV answers hold for it: the public gets no household names,
//! owners or contributions in any workbook, a viewer does.

mod common;

use common::{Reply, Req, memory_state};
use drainplan::api::AppState;
use serde_json::json;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Names and ids of tests/fixtures/small's households, none of which the public may see.
const PERSONAL: [&str; 8] = [
    "Nguyễn Văn An",
    "Trần Văn Cường",
    "Lê Thị Dung",
    "Phạm Văn Em",
    "h1",
    "h3",
    "h4",
    "500000",
];

fn state() -> AppState {
    memory_state("small")
}

/// Every cell's value (formulas as written) of every sheet, as openpyxl reads them, and
/// the first sheet's header row.
fn cells(r: &Reply, name: &str) -> (Vec<String>, Vec<String>) {
    assert_eq!(r.status, 200, "{name}: {}", r.text());
    assert_eq!(r.header("content-type").as_deref(), Some(XLSX), "{name}");
    let disposition = r.header("content-disposition").unwrap_or_default();
    assert!(disposition.contains(".xlsx\""), "{name}: {disposition}");
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("xlsx_api");
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    let path = dir.join(format!("{name}.xlsx"));
    std::fs::write(&path, &r.bytes).expect("the workbook saved");
    let out = common::python::run_python(
        "import json, sys, openpyxl\n\
         wb = openpyxl.load_workbook(sys.argv[1])\n\
         cells = [str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]\n\
         header = [str(c.value) for c in next(wb.worksheets[0].iter_rows())]\n\
         print(json.dumps([cells, header]))",
        &[&path.display().to_string()],
    );
    serde_json::from_str(&out).expect("openpyxl's answer")
}

fn assert_no_personal(cells: &[String], name: &str) {
    for c in cells {
        for p in PERSONAL {
            assert!(
                c != p && !c.contains(&format!("{p} ")) && !c.starts_with("Nguyễn"),
                "{name}: the public sees `{c}`"
            );
        }
    }
}

#[tokio::test]
async fn every_report_comes_as_a_workbook() {
    let s = state();
    for (uri, name, expect) in [
        (
            "/api/reports/canal-length?format=xlsx&by=status,village",
            "canal_length",
            "Thôn A",
        ),
        (
            "/api/reports/water-connection?format=xlsx",
            "water_connection",
            "Thôn B",
        ),
        (
            "/api/reports/monthly-progress?format=xlsx",
            "monthly_progress",
            "Tháng (month)",
        ),
    ] {
        // The public may read these reports: as JSON, so as a workbook.
        let r = Req::get(uri).send(&s).await;
        let (cells, _) = cells(&r, name);
        assert!(
            r.header("content-disposition")
                .unwrap_or_default()
                .contains(&format!("{name}.xlsx")),
            "{name}"
        );
        assert!(cells.iter().any(|c| c == expect), "{name}: {cells:?}");
        assert_no_personal(&cells, name);
    }
    let r = Req::get("/api/reports/water-connection?format=pdf")
        .send(&s)
        .await;
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(r.text().contains("json, xlsx"), "{}", r.text());
}

#[tokio::test]
async fn the_contributions_workbook_is_for_signed_in_roles_only() {
    let s = state();
    let uri = "/api/reports/contributions?format=xlsx";
    let r = Req::get(uri).send(&s).await;
    assert_eq!(r.status, 401, "the public, as for JSON: {}", r.text());
    let r = Req::get(uri).user("viewer").send(&s).await;
    let (cells, _) = cells(&r, "contributions");
    // h1, h4 and h5 gave (tests/fixtures/small/households.geojson); h3 has not agreed.
    for name in [
        "Nguyễn Văn An",
        "Lê Thị Dung",
        "Phạm Văn Em",
        "Trần Văn Cường",
    ] {
        assert!(cells.iter().any(|c| c == name), "{name}: {cells:?}");
    }
    assert!(cells.iter().any(|c| c.starts_with("=SUM(")), "{cells:?}");
}

#[tokio::test]
async fn layer_and_impact_workbooks_are_redacted_for_the_public() {
    let s = state();
    // A viewer gets the households' heads and contributions; the public gets neither.
    let uri = "/api/export/households?format=xlsx";
    let (viewer, header) = cells(&Req::get(uri).user("viewer").send(&s).await, "hh_viewer");
    assert!(viewer.iter().any(|c| c == "Nguyễn Văn An"), "{viewer:?}");
    assert!(header.iter().any(|h| h.contains("(head)")), "{header:?}");
    let (public, header) = cells(&Req::get(uri).send(&s).await, "hh_public");
    // The points' ids are public in every format (GeoJSON, CSV): names and money are not.
    let public: Vec<String> = public.into_iter().filter(|c| !c.starts_with('h')).collect();
    assert_no_personal(&public, "households");
    assert!(
        header
            .iter()
            .all(|h| !h.contains("(head)") && !h.contains("money")),
        "{header:?}"
    );

    let uri = "/api/export/parcels?format=xlsx";
    let (_, header) = cells(&Req::get(uri).send(&s).await, "parcels_public");
    assert!(
        header.iter().all(|h| !h.contains("owner_household")),
        "{header:?}"
    );

    // The land c2 takes: owners for a viewer, none for the public.
    let uri = "/api/export/canals/c2/impact?format=xlsx&corridor_width_m=6";
    let (viewer, _) = cells(
        &Req::get(uri).user("viewer").send(&s).await,
        "impact_viewer",
    );
    assert!(viewer.iter().any(|c| c == "Trần Văn Cường"), "{viewer:?}");
    let (public, _) = cells(&Req::get(uri).send(&s).await, "impact_public");
    assert_no_personal(&public, "impact");
    assert!(public.iter().any(|c| c.starts_with("=SUM(")), "{public:?}");

    let body = json!({"route": {"type": "LineString",
        "coordinates": [[105.7005, 19.2205], [105.7015, 19.2205]]}, "corridor_width_m": 6});
    let r = Req::post("/api/export/route-impact?format=xlsx")
        .json(&body)
        .send(&s)
        .await;
    let (public, _) = cells(&r, "route_public");
    assert_no_personal(&public, "route impact");
    let r = Req::post("/api/export/route-impact?format=xlsx")
        .user("viewer")
        .json(&body)
        .send(&s)
        .await;
    let (viewer, _) = cells(&r, "route_viewer");
    assert!(viewer.iter().any(|c| c == "Nguyễn Văn An"), "{viewer:?}");
}
