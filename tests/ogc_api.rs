//! OGC API – Features over HTTP, through `oneshot`, on the hand-made data set in
//! tests/fixtures/ogc (three villages, five canals, five parcels, two flood zones, twelve
//! households around lon 105.70, lat 19.22; Vietnamese names with diacritics).
//!
//! Expected answers are worked out by hand from the fixture's coordinates, except:
//! - VN-2000 coordinates of household h-01 at lon 105.70, lat 19.22, from PROJ 9.1.1's
//!   `cs2cs` (`echo "19.22 105.70" | cs2cs -d 4 EPSG:4326 EPSG:9208` → 599692.5147
//!   2126189.3926, the value pyproj and PostGIS also give; with EPSG:3405 → 573382.9066
//!   2125427.1698);
//! - the length of canal c-tc-1 (0.002° of longitude along lat 19.215): the parallel arc
//!   N(φ)·cos φ·Δλ on WGS84 = 210.312 m, which agrees with the geodesic to well under 1 mm
//!   over 210 m (the same formula gives pyproj's 210.30444958 m at lat 19.221).

#![expect(
    clippy::unwrap_used,
    reason = "helpers outside #[test] fns unwrap too: a test fails loudly on a broken fixture"
)]

mod common;

use std::path::{Path, PathBuf};

use approx::assert_abs_diff_eq;
use axum::http::StatusCode;
use common::{Req, basic_with, memory_state_with_web, shared_memory_state};
use serde_json::Value;

const FIXTURE: &str = "ogc";
const CRS84: &str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";
const EPSG_9208: &str = "http://www.opengis.net/def/crs/EPSG/0/9208";
const EPSG_3405: &str = "http://www.opengis.net/def/crs/EPSG/0/3405";

/// A 200 GeoJSON answer's feature ids, as a viewer sees them.
async fn ids(uri: &str) -> Vec<String> {
    let a = Req::get(uri)
        .user("viewer")
        .send(&shared_memory_state(FIXTURE))
        .await;
    assert_eq!(a.status, StatusCode::OK, "{uri}: {}", a.text());
    assert_eq!(a.content_type(), "application/geo+json", "{uri}");
    feature_ids(&a.json())
}

fn feature_ids(fc: &Value) -> Vec<String> {
    fc["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_owned())
        .collect()
}

fn link<'a>(doc: &'a Value, rel: &str) -> Option<&'a Value> {
    doc["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["rel"] == rel)
}

fn href(doc: &Value, rel: &str) -> String {
    link(doc, rel).unwrap()["href"].as_str().unwrap().to_owned()
}

/// Asserts a 400 whose message contains every one of `words`.
async fn bad_request(uri: &str, words: &[&str]) {
    let a = Req::get(uri).send(&shared_memory_state(FIXTURE)).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "{uri}: {}", a.text());
    assert_eq!(a.content_type(), "application/json", "{uri}");
    let body = a.json();
    let message = body["error"].as_str().unwrap();
    for w in words {
        assert!(message.contains(w), "{uri}: `{message}` lacks `{w}`");
    }
}

#[tokio::test]
async fn landing_page_links_what_clients_look_for() {
    let s = shared_memory_state(FIXTURE);
    let a = Req::get("/")
        .header("accept", "application/json")
        .header("host", "drain.example:8080")
        .send(&s)
        .await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.content_type(), "application/json");
    assert_eq!(a.json()["title"], "drainplan — Quỳnh Liên");
    assert!(
        a.json()["description"]
            .as_str()
            .unwrap()
            .contains("Quỳnh Liên")
    );
    let doc = a.json();
    let desc = link(&doc, "service-desc").unwrap();
    assert_eq!(desc["href"], "http://drain.example:8080/api/openapi.json");
    assert_eq!(desc["type"], "application/vnd.oai.openapi+json;version=3.0");
    assert_eq!(
        href(&a.json(), "conformance"),
        "http://drain.example:8080/conformance"
    );
    assert_eq!(
        href(&a.json(), "data"),
        "http://drain.example:8080/collections"
    );
    assert_eq!(href(&a.json(), "self"), "http://drain.example:8080/");

    // Behind a proxy the links follow the forwarded host and scheme.
    let a = Req::get("/")
        .header("host", "127.0.0.1:8080")
        .header("x-forwarded-host", "gis.quynhlien.vn")
        .header("x-forwarded-proto", "https")
        .send(&s)
        .await;
    assert_eq!(
        href(&a.json(), "data"),
        "https://gis.quynhlien.vn/collections"
    );
    // No Accept header at all (curl without -H) is JSON too.
    let a = Req::get("/").send(&s).await;
    assert_eq!(a.content_type(), "application/json");
    assert_eq!(href(&a.json(), "data"), "/collections");
}

const FIREFOX: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

#[tokio::test]
async fn browsers_get_the_map_page_and_f_overrides() {
    // Without index.html: a small page that links to the collections.
    let s = memory_state_with_web(FIXTURE, Path::new("tests/fixtures/ogc/no-web-dir"));
    let a = Req::get("/").header("accept", FIREFOX).send(&s).await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.content_type(), "text/html; charset=utf-8");
    assert!(a.text().contains("href=\"/collections\""), "{}", a.text());

    let a = Req::get("/?f=json")
        .header("accept", FIREFOX)
        .send(&s)
        .await;
    assert_eq!(a.content_type(), "application/json");
    assert_eq!(a.json()["title"], "drainplan — Quỳnh Liên");

    let a = Req::get("/?f=html")
        .header("accept", "application/json")
        .send(&s)
        .await;
    assert_eq!(a.content_type(), "text/html; charset=utf-8");

    bad_request("/?f=xml", &["f=`xml`"]).await;

    // With index.html in the web directory: that file.
    let web: PathBuf =
        std::env::temp_dir().join(format!("drainplan-ogc-web-{}", std::process::id()));
    std::fs::create_dir_all(&web).unwrap();
    std::fs::write(
        web.join("index.html"),
        "<!doctype html><title>Bản đồ</title>",
    )
    .unwrap();
    let a = Req::get("/")
        .header("accept", FIREFOX)
        .send(&memory_state_with_web(FIXTURE, &web))
        .await;
    std::fs::remove_dir_all(&web).unwrap();
    assert_eq!(a.content_type(), "text/html; charset=utf-8");
    assert_eq!(a.text(), "<!doctype html><title>Bản đồ</title>");
}

#[tokio::test]
async fn head_requests_answer_like_get_without_a_body() {
    let s = shared_memory_state(FIXTURE);
    for uri in ["/", "/collections", "/collections/canals/items"] {
        let a = Req::new("HEAD", uri).send(&s).await;
        assert_eq!(a.status, StatusCode::OK, "{uri}");
        assert!(a.text().is_empty(), "{uri}");
    }
}

#[tokio::test]
async fn conformance_declares_core_geojson_oas30_crs_and_editing() {
    let s = shared_memory_state(FIXTURE);
    let a = Req::get("/conformance").send(&s).await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.content_type(), "application/json");
    let doc = a.json();
    let mut classes: Vec<&str> = doc["conformsTo"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    classes.sort_unstable();
    assert_eq!(
        classes,
        [
            "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
            "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
            "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
            "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
            "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete",
        ]
    );
    assert_eq!(
        Req::get("/conformance/").send(&s).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn collections_list_the_five_layers_with_extent_and_crs() {
    let s = shared_memory_state(FIXTURE);
    for uri in ["/collections", "/collections/"] {
        let a = Req::get(uri).send(&s).await;
        assert_eq!(a.status, StatusCode::OK, "{uri}");
        assert_eq!(a.content_type(), "application/json");
        let doc = a.json();
        let ids: Vec<&str> = doc["collections"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap())
            .collect();
        assert_eq!(
            ids,
            [
                "villages",
                "canals",
                "parcels",
                "flood_zones",
                "households",
                "catchments"
            ]
        );
    }
    let a = Req::get("/collections/villages").send(&s).await;
    assert_eq!(a.content_type(), "application/json");
    let c = &a.json();
    assert_eq!(c["itemType"], "feature");
    assert_eq!(c["title"], "Villages (thôn)");
    // The three villages tile lon 105.69–105.71, lat 19.21–19.23.
    assert_eq!(
        c["extent"]["spatial"]["bbox"],
        serde_json::json!([[105.69, 19.21, 105.71, 19.23]])
    );
    assert_eq!(c["extent"]["spatial"]["crs"], CRS84);
    assert_eq!(c["crs"], serde_json::json!([CRS84, EPSG_9208, EPSG_3405]));
    assert_eq!(c["storageCrs"], CRS84);
    let items = link(c, "items").unwrap();
    assert_eq!(items["type"], "application/geo+json");
    assert_eq!(items["href"], "/collections/villages/items");
    assert_eq!(
        link(c, "queryables").unwrap()["type"],
        "application/schema+json"
    );
    assert_eq!(href(c, "describedby"), "/collections/villages/schema");
    assert_eq!(
        Req::get("/collections/villages/").send(&s).await.json()["id"],
        "villages"
    );
}

#[tokio::test]
async fn unknown_collections_and_features_are_404_with_the_list() {
    let s = shared_memory_state(FIXTURE);
    for uri in [
        "/collections/roads",
        "/collections/roads/items",
        "/collections/roads/items/x",
        "/collections/roads/queryables",
    ] {
        let a = Req::get(uri).send(&s).await;
        assert_eq!(a.status, StatusCode::NOT_FOUND, "{uri}");
        assert_eq!(a.content_type(), "application/json");
        assert_eq!(
            a.json()["error"],
            "no collection `roads`; the collections are villages, canals, parcels, flood_zones, households, catchments"
        );
    }
    let a = Req::get("/collections/parcels/items/p-99").send(&s).await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    assert_eq!(
        a.json()["error"],
        "no feature `p-99` in the parcels collection"
    );
}

#[tokio::test]
async fn queryables_and_schema_come_from_the_data() {
    let s = shared_memory_state(FIXTURE);
    let a = Req::get("/collections/parcels/queryables").send(&s).await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.content_type(), "application/schema+json");
    let p = &a.json()["properties"];
    assert_eq!(p["map_sheet"]["type"], "integer");
    assert_eq!(p["gate"]["type"], "boolean");
    assert_eq!(p["land_use"]["type"], "string");
    assert_eq!(
        p["clearance_status"]["enum"],
        serde_json::json!([
            "not_required",
            "awaiting",
            "agreed",
            "donated",
            "compensated",
            "cleared"
        ])
    );
    let a = Req::get("/collections/canals/queryables").send(&s).await;
    assert_eq!(a.json()["properties"]["width_m"]["type"], "number");
    assert_eq!(a.json()["properties"]["year"]["type"], "integer");
    assert!(a.json()["properties"].get("length_m").is_none());

    // The feature schema lists every property, also one seen only on a later page, and the
    // computed canal length.
    let a = Req::get("/collections/households/schema")
        .user("viewer")
        .send(&s)
        .await;
    assert_eq!(a.content_type(), "application/schema+json");
    let props = &a.json()["properties"]["properties"]["properties"];
    assert_eq!(props["note"]["type"], "string");
    assert_eq!(props["members"]["type"], "integer");
    // The public is not told of personal properties.
    let a = Req::get("/collections/households/schema").send(&s).await;
    let schema = a.json();
    let props = schema["properties"]["properties"]["properties"]
        .as_object()
        .unwrap();
    let mut names: Vec<&str> = props.keys().map(String::as_str).collect();
    names.sort_unstable();
    assert_eq!(names, ["village_id", "water_status"]);
    let a = Req::get("/collections/parcels/queryables").send(&s).await;
    assert!(a.json()["properties"].get("owner_household").is_none());
    let a = Req::get("/collections/canals/schema").send(&s).await;
    assert_eq!(
        a.json()["properties"]["properties"]["properties"]["length_m"]["type"],
        "number"
    );
}

#[tokio::test]
async fn items_page_with_next_and_prev_links() {
    let s = shared_memory_state(FIXTURE);
    let a = Req::get("/collections/households/items")
        .header("host", "127.0.0.1:8080")
        .send(&s)
        .await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.content_type(), "application/geo+json");
    assert_eq!(
        a.header("content-crs").as_deref(),
        Some(format!("<{CRS84}>").as_str())
    );
    let fc = &a.json();
    assert_eq!(fc["type"], "FeatureCollection");
    assert_eq!(fc["numberMatched"], 12);
    assert_eq!(fc["numberReturned"], 10);
    assert_eq!(feature_ids(fc)[..3], ["h-01", "h-02", "h-03"]);
    assert!(fc["timeStamp"].as_str().unwrap().ends_with('Z'));
    assert_eq!(
        href(fc, "next"),
        "http://127.0.0.1:8080/collections/households/items?limit=10&offset=10"
    );
    assert!(link(fc, "prev").is_none());
    assert_eq!(link(fc, "next").unwrap()["type"], "application/geo+json");

    let fc = Req::get("/collections/households/items?offset=10")
        .send(&s)
        .await
        .json();
    assert_eq!(fc["numberReturned"], 2);
    assert_eq!(feature_ids(&fc), ["h-11", "h-12"]);
    assert!(link(&fc, "next").is_none());
    assert_eq!(
        href(&fc, "prev"),
        "/collections/households/items?limit=10&offset=0"
    );

    // Links keep the other parameters.
    let fc = Req::get("/collections/households/items?water_status=registered&limit=2&f=json")
        .user("viewer")
        .send(&s)
        .await
        .json();
    assert_eq!(fc["numberMatched"], 5);
    assert_eq!(feature_ids(&fc), ["h-02", "h-04"]);
    assert_eq!(
        href(&fc, "next"),
        "/collections/households/items?water_status=registered&f=json&limit=2&offset=2"
    );

    // Past the end: nothing returned, the count still right.
    let fc = Req::get("/collections/households/items?offset=50")
        .send(&s)
        .await
        .json();
    assert_eq!(
        (fc["numberReturned"].as_u64(), fc["numberMatched"].as_u64()),
        (Some(0), Some(12))
    );
    assert!(link(&fc, "next").is_none());
}

#[tokio::test]
async fn a_limit_above_the_maximum_is_served_as_the_maximum() {
    let s = shared_memory_state(FIXTURE);
    let fc = Req::get("/collections/households/items?limit=20000")
        .send(&s)
        .await
        .json();
    assert_eq!(fc["numberReturned"], 12);
    assert_eq!(
        href(&fc, "self"),
        "/collections/households/items?limit=10000&offset=0"
    );
    assert_eq!(ids("/collections/households/items?limit=1").await, ["h-01"]);
}

#[tokio::test]
async fn bbox_uses_exact_geometry_not_just_boxes() {
    let s = shared_memory_state(FIXTURE);
    // h-05 (105.7032, 19.2154) and h-06 (105.7045, 19.2160) are inside; h-12
    // (105.7020, 19.2135) is just south of it.
    assert_eq!(
        ids("/collections/households/items?bbox=105.701,19.214,105.705,19.217").await,
        ["h-05", "h-06"]
    );
    // The old canal runs diagonally from (105.690, 19.210) to (105.699, 19.219): this box
    // meets its bounding box but not the line (at lon 105.697–105.699 it is at lat ≥ 19.217).
    let fc = Req::get("/collections/canals/items?bbox=105.697,19.210,105.699,19.212")
        .send(&s)
        .await
        .json();
    assert_eq!(fc["numberMatched"], 0);
    // Around (105.695, 19.215) both the Quyết Tiến canal's end and the old canal pass.
    assert_eq!(
        ids("/collections/canals/items?bbox=105.6945,19.2145,105.6955,19.2155").await,
        ["c-qt-1", "c-old"]
    );
    // Flood zones: only the Thành Công one lies east of lon 105.700.
    assert_eq!(
        ids("/collections/flood_zones/items?bbox=105.700,19.200,105.720,19.240").await,
        ["fz-tc"]
    );
    // Six numbers (with heights) are the 3-D form of the same box.
    assert_eq!(
        ids("/collections/households/items?bbox=105.701,19.214,0,105.705,19.217,100").await,
        ["h-05", "h-06"]
    );
}

#[tokio::test]
async fn property_filters_compare_by_type() {
    assert_eq!(
        ids("/collections/canals/items?status=completed").await,
        ["c-tc-1", "c-qt-1"]
    );
    assert_eq!(
        ids("/collections/canals/items?year=2023").await,
        ["c-tc-1", "c-qt-1", "c-dd-uc"]
    );
    assert_eq!(
        ids("/collections/canals/items?width_m=0.80").await,
        ["c-tc-1", "c-qt-1"]
    );
    assert_eq!(
        ids("/collections/parcels/items?gate=true").await,
        ["p-1", "p-5"]
    );
    assert_eq!(
        ids("/collections/parcels/items?clearance_status=donated&land_use=CLN").await,
        ["p-3"]
    );
    // UTF-8 in the query: head=Nguyễn Văn An.
    assert_eq!(
        ids("/collections/households/items?head=Nguy%E1%BB%85n%20V%C4%83n%20An").await,
        ["h-01"]
    );
    // A filter and a bbox together: registered households west of lon 105.700.
    assert_eq!(
        ids(
            "/collections/households/items?water_status=registered&bbox=105.69,19.21,105.6999,19.23"
        )
        .await,
        ["h-04", "h-10"]
    );
    assert!(
        ids("/collections/canals/items?status=abandoned")
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn features_keep_vietnamese_text_and_canals_carry_their_length() {
    let s = shared_memory_state(FIXTURE);
    let a = Req::get("/collections/canals/items/c-tc-1").send(&s).await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.content_type(), "application/geo+json");
    let f = &a.json();
    assert_eq!(f["type"], "Feature");
    assert_eq!(f["id"], "c-tc-1");
    assert_eq!(f["properties"]["name"], "Mương khu dân cư Thành Công");
    assert_eq!(f["properties"]["funding"], "xã hội hoá");
    assert_abs_diff_eq!(
        f["properties"]["length_m"].as_f64().unwrap(),
        210.31,
        epsilon = 1e-9
    );
    assert_eq!(f["geometry"]["type"], "LineString");
    assert_eq!(href(f, "self"), "/collections/canals/items/c-tc-1");
    assert_eq!(href(f, "collection"), "/collections/canals");
    // The raw body is UTF-8, not \u escapes.
    let text = String::from_utf8(a.bytes.clone()).expect("UTF-8 body");
    assert!(text.contains("Mương khu dân cư Thành Công"));
}

#[tokio::test]
async fn the_public_sees_no_names_owners_or_contributions() {
    let s = shared_memory_state(FIXTURE);
    let a = Req::get("/collections/households/items?limit=4")
        .send(&s)
        .await;
    assert_eq!(a.status, StatusCode::OK);
    for f in a.json()["features"].as_array().unwrap() {
        let mut keys: Vec<&str> = f["properties"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(keys, ["village_id", "water_status"]);
    }
    assert!(!a.text().contains("Nguyễn Văn An"));
    let a = Req::get("/collections/parcels/items/p-1").send(&s).await;
    assert!(a.json()["properties"].get("owner_household").is_none());
    assert_eq!(a.json()["properties"]["clearance_status"], "awaiting");
    // Filtering on a hidden property would reveal it: refused.
    let a = Req::get("/collections/households/items?head=x")
        .send(&s)
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    assert!(
        a.json()["error"]
            .as_str()
            .unwrap()
            .contains("`head` is personal data")
    );
    // A viewer sees everything.
    let a = Req::get("/collections/households/items/h-04")
        .user("viewer")
        .send(&s)
        .await;
    assert_eq!(a.json()["properties"]["head"], "Lê Thị Dung");
    assert_eq!(a.json()["properties"]["money_paid_vnd"], 300000);
    // Wrong credentials are refused, not downgraded to public.
    let a = Req::get("/collections/households/items")
        .header("authorization", &basic_with("viewer", "sai"))
        .send(&s)
        .await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_single_feature_carries_the_etag_editors_send_back() {
    let s = shared_memory_state(FIXTURE);
    let a = Req::get("/collections/canals/items/c-tc-1").send(&s).await;
    let tag = a.header("etag").unwrap();
    assert!(
        tag.starts_with('"') && tag.ends_with('"') && tag.len() > 2,
        "{tag}"
    );
}

#[tokio::test]
async fn output_in_vn2000_matches_proj() {
    let s = shared_memory_state(FIXTURE);
    let a = Req::get("/collections/households/items/h-01?crs=EPSG:9208")
        .send(&s)
        .await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(
        a.header("content-crs").as_deref(),
        Some(format!("<{EPSG_9208}>").as_str())
    );
    let c = &a.json()["geometry"]["coordinates"];
    assert_abs_diff_eq!(c[0].as_f64().unwrap(), 599_692.514_7, epsilon = 1e-4);
    assert_abs_diff_eq!(c[1].as_f64().unwrap(), 2_126_189.392_6, epsilon = 1e-4);

    let uri = format!(
        "/collections/households/items?crs={EPSG_3405}&bbox=105.6999,19.2199,105.7001,19.2201"
    );
    let a = Req::get(&uri).send(&s).await;
    assert_eq!(
        a.header("content-crs").as_deref(),
        Some(format!("<{EPSG_3405}>").as_str())
    );
    assert_eq!(feature_ids(&a.json()), ["h-01"]);
    let c = &a.json()["features"][0]["geometry"]["coordinates"];
    assert_abs_diff_eq!(c[0].as_f64().unwrap(), 573_382.906_6, epsilon = 1e-4);
    assert_abs_diff_eq!(c[1].as_f64().unwrap(), 2_125_427.169_8, epsilon = 1e-4);
    assert!(href(&a.json(), "self").contains(&format!("crs={EPSG_3405}")));

    // Polygons are projected vertex by vertex: a village ring stays closed. (Polygon
    // layers are served as MultiPolygon: the first part's exterior ring.)
    let v = Req::get("/collections/villages/items/vil-qt?crs=EPSG:9208")
        .send(&s)
        .await
        .json();
    assert_eq!(v["geometry"]["type"], "MultiPolygon");
    let ring = v["geometry"]["coordinates"][0][0].as_array().unwrap();
    assert_eq!(ring.first(), ring.last());
    assert!(ring[0][0].as_f64().unwrap() > 500_000.0);
}

#[tokio::test]
async fn bbox_in_vn2000_finds_the_point_within_metres() {
    // 5 m either side of h-01's EPSG:9208 position (599692.5147, 2126189.3926).
    let uri = format!(
        "/collections/households/items?bbox-crs={EPSG_9208}&bbox=599687.5,2126184.4,599697.5,2126194.4"
    );
    assert_eq!(ids(&uri).await, ["h-01"]);
    // A box 5 m east of it, 10 m wide, misses it.
    let uri = format!(
        "/collections/households/items?bbox-crs={EPSG_9208}&bbox=599697.6,2126184.4,599707.6,2126194.4"
    );
    assert!(ids(&uri).await.is_empty());
}

#[tokio::test]
async fn every_client_mistake_is_a_400_that_names_it() {
    let items = "/collections/canals/items";
    bad_request(&format!("{items}?limit=0"), &["limit=0"]).await;
    bad_request(&format!("{items}?limit=-1"), &["limit=`-1`"]).await;
    bad_request(&format!("{items}?limit=ten"), &["limit=`ten`"]).await;
    bad_request(&format!("{items}?offset=-5"), &["offset=`-5`"]).await;
    bad_request(&format!("{items}?offset=x"), &["offset=`x`"]).await;
    bad_request(
        &format!("{items}?bbox=105.7,19.2,105.8"),
        &["has 3 numbers"],
    )
    .await;
    bad_request(&format!("{items}?bbox=105.7,19.2,east,19.3"), &["`east`"]).await;
    bad_request(
        &format!("{items}?bbox=105.8,19.2,105.7,19.3"),
        &["minx 105.8 is greater than maxx 105.7"],
    )
    .await;
    bad_request(
        &format!("{items}?bbox=105.7,19.3,105.8,19.2"),
        &["miny 19.3 is greater than maxy 19.2"],
    )
    .await;
    bad_request(
        &format!("{items}?bbox=19.2,105.7,19.3,105.8"),
        &["latitude 105.7", "swapped"],
    )
    .await;
    bad_request(
        &format!("{items}?bbox=185,19.2,186,19.3"),
        &["longitude 185"],
    )
    .await;
    bad_request(
        &format!("{items}?crs=EPSG:4326"),
        &["crs", "latitude first"],
    )
    .await;
    bad_request(
        &format!("{items}?crs=EPSG:3857"),
        &["`EPSG:3857`", EPSG_9208],
    )
    .await;
    bad_request(
        &format!("{items}?bbox-crs=EPSG:32648&bbox=1,2,3,4"),
        &["bbox-crs", "`EPSG:32648`"],
    )
    .await;
    bad_request(
        &format!("{items}?stauts=planned"),
        &["`stauts`", "status", "limit"],
    )
    .await;
    bad_request(&format!("{items}?f=xml"), &["f=`xml`"]).await;
    bad_request(
        &format!("{items}?limit=1&limit=2"),
        &["`limit`", "more than once"],
    )
    .await;
    bad_request(
        &format!("{items}?filter=status%3D%27planned%27"),
        &["CQL2", "property=value"],
    )
    .await;
    bad_request(
        "/collections/canals/items/c-tc-1?limit=3",
        &["`limit`", "crs and f"],
    )
    .await;
    bad_request("/collections/canals/items/c-tc-1?crs=EPSG:1", &["`EPSG:1`"]).await;
    bad_request("/collections?f=html", &["f=`html`"]).await;
    bad_request("/collections?page=2", &["page"]).await;
}

#[tokio::test]
async fn datetime_is_accepted_and_matches_everything() {
    let s = shared_memory_state(FIXTURE);
    let fc = Req::get("/collections/canals/items?datetime=2023-01-01T00:00:00Z/..")
        .send(&s)
        .await
        .json();
    assert_eq!(fc["numberMatched"], 5);
}
