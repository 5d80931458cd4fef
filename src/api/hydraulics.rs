//! The drainage check over HTTP: `GET /api/analyses/hydraulics` (the whole network),
//! `GET /api/canals/{id}/hydraulics` (one canal), `GET /api/canals/{id}/profile.svg` and
//! `GET /api/export/swmm` (the network as an EPA SWMM 5 input file, VN-2000 metres).
//!
//! Every answer carries `rain_constants_unverified`, `unverified_constants` and
//! `unverified_note`; canals and catchments the check had to leave out come back as
//! `problems` lines (`{"kind", "id", "problem"}`), not as an error for the whole network.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::Value;
use serde_json::json;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::openapi::{TAG_ANALYSES, TAG_EXPORT};
use super::{ApiError, ApiQuery, AppState, JSON, docs, json_with_type};
use crate::analysis::hydraulics::{
    self as check, HydraulicsError, Inputs, NetworkAnswer, profile_of,
};
use crate::hydraulics::{DesignError, DesignOptions, Routing, SwmmOptions, write_inp};
use crate::model::LayerKind;
use crate::store::Dataset;

/// The drainage-check routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::default()
        .routes(routes!(network))
        .routes(routes!(canal))
        .routes(routes!(profile))
        .routes(routes!(swmm))
        .routes(routes!(compare_routes))
}

/// Choices of a design run, from the query string.
#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DesignQuery {
    /// Rain station (data/hydraulics/rain_stations.csv).
    station: Option<String>,
    /// One return period for every canal, years: a column of the runoff-coefficient table.
    #[param(minimum = 1)]
    return_period_years: Option<u32>,
    /// Freeboard of open channels, m.
    #[param(minimum = 0)]
    freeboard_m: Option<f64>,
}

impl DesignQuery {
    fn options(&self) -> Result<DesignOptions, ApiError> {
        if let Some(f) = self.freeboard_m
            && !(f.is_finite() && f >= 0.0)
        {
            return Err(ApiError::BadRequest(format!(
                "freeboard_m must be a number >= 0, not {f}"
            )));
        }
        Ok(DesignOptions {
            station: self.station.clone(),
            freeboard_m: self.freeboard_m,
            return_period_years: self.return_period_years,
        })
    }
}

/// The layers the check reads, from a snapshot.
pub fn inputs(data: &Dataset) -> Inputs<'_> {
    Inputs {
        canals: &data.layer(LayerKind::Canals).features,
        catchments: &data.layer(LayerKind::Catchments).features,
        parcels: data.layer(LayerKind::Parcels),
        flood_zones: &data.layer(LayerKind::FloodZones).features,
    }
}

fn api_error(e: HydraulicsError) -> ApiError {
    match e {
        // The caller's choices: a station, period or freeboard that does not fit.
        HydraulicsError::Design(
            d @ (DesignError::UnknownStation(_)
            | DesignError::ReturnPeriod(_)
            | DesignError::Freeboard { .. }),
        ) => ApiError::Unprocessable(d.to_string()),
        other => ApiError::Internal(other.into()),
    }
}

/// The whole network's check, off the async workers.
pub async fn run(state: &AppState, options: DesignOptions) -> Result<NetworkAnswer, ApiError> {
    let data = state.dataset();
    let tables = state.tables();
    super::compute(move || check::check_network(inputs(&data), &tables, &options))
        .await?
        .map_err(api_error)
}

/// The drainage check of the whole network
///
/// Every canal section in flow order: contributing area, runoff coefficient, time of
/// concentration, TCVN 7957 intensity, design flow by the rational method, Manning capacity,
/// velocity, ratio and verdict; canals and catchments the check had to leave out come back
/// as `problems`. `rain_constants_unverified` flags results resting on rain constants not
/// checked against the standard's text.
#[utoipa::path(
    get,
    path = "/api/analyses/hydraulics",
    tag = TAG_ANALYSES,
    operation_id = "networkHydraulics",
    params(DesignQuery),
    responses(
        (status = 200, description = "The check of every section", content_type = "application/json", body = Object),
        (status = 400, response = docs::BadRequest),
        (status = 422, response = docs::UnprocessableEntity),
    )
)]
async fn network(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<DesignQuery>,
) -> Result<Response, ApiError> {
    let answer = run(&state, q.options()?).await?;
    Ok(json_with_type(&answer, JSON))
}

fn known_canal(state: &AppState, id: &str) -> Result<(), ApiError> {
    match state.dataset().layer(LayerKind::Canals).get(id) {
        Some(_) => Ok(()),
        None => Err(ApiError::NotFound(format!("no canal `{id}`"))),
    }
}

/// The drainage check of one canal
#[utoipa::path(
    get,
    path = "/api/canals/{canalId}/hydraulics",
    tag = TAG_ANALYSES,
    operation_id = "canalHydraulics",
    params(
        ("canalId" = String, Path, description = "The canal id"),
        DesignQuery,
    ),
    responses(
        (status = 200, description = "The canal's section check, or the problems that keep it out", content_type = "application/json", body = Object),
        (status = 400, response = docs::BadRequest),
        (status = 404, response = docs::NotFound),
        (status = 422, response = docs::UnprocessableEntity),
    )
)]
async fn canal(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<DesignQuery>,
) -> Result<Response, ApiError> {
    known_canal(&state, &id)?;
    let answer = run(&state, q.options()?).await?;
    let body = json!({
        "canal_id": id,
        "section": answer.section(&id),
        "problems": answer.problems_of(&id),
        "rain_station": answer.rain_station,
        "rain_constants_unverified": answer.rain_constants_unverified,
        "unverified_constants": answer.unverified_constants,
        "unverified_note": answer.unverified_note,
    });
    Ok(json_with_type(&body, JSON))
}

/// A canal's longitudinal profile
///
/// Chainage against ground level, invert and the design water level, as SVG.
#[utoipa::path(
    get,
    path = "/api/canals/{canalId}/profile.svg",
    tag = TAG_ANALYSES,
    operation_id = "canalProfile",
    params(
        ("canalId" = String, Path, description = "The canal id"),
        DesignQuery,
    ),
    responses(
        (status = 200, description = "The profile drawing", content_type = "image/svg+xml", body = String),
        (status = 400, response = docs::BadRequest),
        (status = 404, response = docs::NotFound),
        (status = 422, response = docs::UnprocessableEntity),
    )
)]
async fn profile(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<DesignQuery>,
) -> Result<Response, ApiError> {
    known_canal(&state, &id)?;
    let options = q.options()?;
    let data = state.dataset();
    let tables = state.tables();
    let svg = super::compute(move || profile_of(inputs(&data), &tables, &options, &id))
        .await?
        .map_err(api_error)?
        .map_err(ApiError::Unprocessable)?;
    let mut resp = svg.into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("image/svg+xml; charset=utf-8"),
    );
    Ok(resp)
}

/// `routing=dynwave|kinwave`, `return_period_years`, `station`.
#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct SwmmQuery {
    /// Flow routing: dynwave (the default) or kinwave.
    #[param(pattern = "^(dynwave|kinwave)$")]
    routing: Option<String>,
    /// One return period for every canal, years: a column of the runoff-coefficient table.
    #[param(minimum = 1)]
    return_period_years: Option<u32>,
    /// Rain station.
    station: Option<String>,
}

/// The network as an EPA SWMM 5 input file
///
/// Junctions and outfalls with invert levels, conduits with their sections and roughness,
/// subcatchments, and a rain gauge with the design storm; coordinates in VN-2000 metres.
#[utoipa::path(
    get,
    path = "/api/export/swmm",
    tag = TAG_EXPORT,
    operation_id = "exportSwmm",
    params(SwmmQuery),
    responses(
        (status = 200, description = "The SWMM 5 .inp file", content_type = "text/plain", body = String),
        (status = 400, response = docs::BadRequest),
        (status = 422, response = docs::UnprocessableEntity),
    )
)]
async fn swmm(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<SwmmQuery>,
) -> Result<Response, ApiError> {
    let routing = match q.routing.as_deref() {
        None | Some("dynwave") => Routing::Dynwave,
        Some("kinwave") => Routing::Kinwave,
        Some(other) => {
            return Err(ApiError::BadRequest(format!(
                "routing=`{other}` is not one of dynwave, kinwave"
            )));
        }
    };
    let options = SwmmOptions {
        title: "drainplan sample network".into(),
        routing,
        station: q.station,
        return_period_years: q.return_period_years,
        ..SwmmOptions::default()
    };
    let data = state.dataset();
    let tables = state.tables();
    let text = super::compute(move || swmm_text(&data, &tables, &options))
        .await?
        .map_err(|e| match e {
            SwmmExportError::Check(h) => api_error(h),
            SwmmExportError::Write(w) => ApiError::Unprocessable(w.to_string()),
        })?;
    let mut resp = text.into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"drainplan_network.inp\""),
    );
    Ok(resp)
}

/// Why the network could not be written for SWMM.
#[derive(Debug, thiserror::Error)]
pub enum SwmmExportError {
    /// The data set's network could not be built.
    #[error(transparent)]
    Check(#[from] HydraulicsError),
    /// The writer refused it (a name SWMM cannot hold, an unknown station).
    #[error(transparent)]
    Write(#[from] crate::hydraulics::SwmmWriteError),
}

/// The data set's network as a SWMM .inp, with the canals and catchments left out listed
/// as comments at the top.
pub fn swmm_text(
    data: &Dataset,
    tables: &crate::hydraulics::Tables,
    options: &SwmmOptions,
) -> Result<String, SwmmExportError> {
    let built = check::build(inputs(data), tables)?;
    let body = write_inp(&built.network, tables, options)?;
    let mut out = String::new();
    for p in &built.problems {
        out.push_str(&format!(
            ";; left out: {} {}: {}\n",
            p.kind, p.id, p.problem
        ));
    }
    out.push_str(&body);
    Ok(out)
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct CompareQuery {
    /// json (the default), csv or xlsx.
    #[param(pattern = "^(json|csv|xlsx)$")]
    format: Option<String>,
}

/// The section proposed for every route: `{"shape", "width_m", "depth_m", "side_slope",
/// "diameter_m", "lining", "drainage_class"}` as a canal's properties.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SectionBody {
    shape: Option<String>,
    width_m: Option<f64>,
    depth_m: Option<f64>,
    side_slope: Option<f64>,
    diameter_m: Option<f64>,
    lining: String,
    drainage_class: Option<String>,
}

fn proposed(body: &SectionBody) -> Result<crate::hydraulics::ProposedSection, ApiError> {
    use crate::hydraulics::{CrossSection, Shape};
    let bad = |m: String| ApiError::BadRequest(format!("section: {m}"));
    let shape = match body.shape.as_deref() {
        None => Shape::RectangularOpen,
        Some(s) => Shape::parse(s).ok_or_else(|| {
            bad(format!(
                "shape {s:?} is not rectangular, trapezoidal or circular"
            ))
        })?,
    };
    let need = |v: Option<f64>, what: &str| v.ok_or_else(|| bad(format!("{what} is missing")));
    let xs = match shape {
        Shape::CircularPipe => CrossSection::circular(need(body.diameter_m, "diameter_m")?),
        Shape::RectangularOpen => CrossSection::rectangular(
            need(body.width_m, "width_m")?,
            need(body.depth_m, "depth_m")?,
        ),
        Shape::TrapezoidalOpen => CrossSection::trapezoidal(
            need(body.width_m, "width_m")?,
            need(body.depth_m, "depth_m")?,
            need(body.side_slope, "side_slope")?,
        ),
    };
    if let Some(rule) = xs.check().first() {
        return Err(bad(rule.to_string()));
    }
    Ok(crate::hydraulics::ProposedSection {
        cross_section: xs,
        lining: body.lining.clone(),
        canal_class: body.drainage_class.clone(),
    })
}

/// `POST /api/analyses/compare-routes`:
/// `{"routes": [{"id": "A", "route": <LineString>} | {"id": "B", "canal_id": "cn-…"}, …]`
/// (2 to 5), `"section": {…}`, `"slope"` (bed fall per metre of the drawn routes),
/// `"corridor_width_m"` (default 6)`}`; `?format=json|csv|xlsx`.
/// Route options compared side by side
///
/// Two to five routes, drawn (`{"id", "route": LineString}`) or stored (`{"id",
/// "canal_id"}`), with the section proposed (`section`) and, for drawn routes, `slope`:
/// one row each with length, land taken, owners, fences and gates, households served,
/// design flow against capacity, and cost at the unit prices kept as data.
#[utoipa::path(
    post,
    path = "/api/analyses/compare-routes",
    tag = TAG_ANALYSES,
    operation_id = "compareRoutes",
    params(CompareQuery),
    request_body(content = Object, content_type = "application/json"),
    responses(
        (status = 200, description = "One row per route", content(
            (Object = "application/json"),
            (String = "text/csv"),
            (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        )),
        (status = 400, response = docs::BadRequest),
        (status = 404, response = docs::NotFound),
        (status = 413, description = "The body is too large"),
        (status = 415, description = "The body is not JSON"),
        (status = 422, response = docs::UnprocessableEntity),
    )
)]
async fn compare_routes(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<CompareQuery>,
    super::ApiJson(body): super::ApiJson<Value>,
) -> Result<Response, ApiError> {
    let format = q.format.as_deref().unwrap_or("json");
    if !["json", "csv", "xlsx"].contains(&format) {
        return Err(ApiError::BadRequest(format!(
            "format=`{format}` is not one of json, csv, xlsx"
        )));
    }
    let Value::Object(body) = body else {
        return Err(ApiError::BadRequest(
            "the body must be a JSON object {\"routes\": [...], \"section\": {...}, \"slope\": <m/m>}".into(),
        ));
    };
    if let Some(k) = body
        .keys()
        .find(|k| !["routes", "section", "slope", "corridor_width_m"].contains(&k.as_str()))
    {
        return Err(ApiError::BadRequest(format!(
            "unknown field `{k}`; the body takes routes, section, slope and corridor_width_m"
        )));
    }
    let data = state.dataset();
    let width = super::params::width_from_body(body.get("corridor_width_m"))?;
    let section: SectionBody = serde_json::from_value(
        body.get("section")
            .cloned()
            .ok_or_else(|| ApiError::BadRequest("the body has no `section`".into()))?,
    )
    .map_err(|e| ApiError::BadRequest(format!("section: {e}")))?;
    let proposed = proposed(&section)?;
    let slope = match body.get("slope") {
        None => None,
        Some(v) => Some(
            v.as_f64()
                .filter(|s| s.is_finite() && *s > 0.0 && *s < 1.0)
                .ok_or_else(|| {
                    ApiError::BadRequest(format!(
                        "slope must be a bed fall per metre in (0, 1), not {v}"
                    ))
                })?,
        ),
    };
    let routes = body
        .get("routes")
        .and_then(Value::as_array)
        .ok_or_else(|| ApiError::BadRequest("`routes` must be an array of 2 to 5 routes".into()))?;
    if !(2..=5).contains(&routes.len()) {
        return Err(ApiError::BadRequest(format!(
            "give 2 to 5 routes to compare, not {}",
            routes.len()
        )));
    }
    let mut inputs = Vec::new();
    for (i, r) in routes.iter().enumerate() {
        let id = r
            .get("id")
            .and_then(Value::as_str)
            .map_or_else(|| format!("route {}", i + 1), str::to_owned);
        if inputs.iter().any(|x: &check::RouteInput| x.id == id) {
            return Err(ApiError::BadRequest(format!("route id `{id}` given twice")));
        }
        let input = match (r.get("route"), r.get("canal_id").and_then(Value::as_str)) {
            (Some(route), None) => {
                if slope.is_none() {
                    return Err(ApiError::BadRequest(format!(
                        "route {id} is drawn: give `slope` (bed fall per metre) for drawn routes"
                    )));
                }
                let line = crate::analysis::route::parse_route(route, &data)
                    .map_err(|e| ApiError::BadRequest(format!("route {id}: {e}")))?;
                check::RouteInput {
                    id,
                    line,
                    canal_id: None,
                }
            }
            (None, Some(canal)) => check::RouteInput {
                id,
                line: super::analyses::canal_route(&data, canal)?,
                canal_id: Some(canal.to_owned()),
            },
            _ => {
                return Err(ApiError::BadRequest(format!(
                    "route {id}: give either `route` (a LineString) or `canal_id`"
                )));
            }
        };
        inputs.push(input);
    }
    let tables = state.tables();
    let lines: Vec<(String, geo::LineString)> = inputs
        .iter()
        .map(|r| (r.id.clone(), r.line.clone()))
        .collect();
    let rows = super::compute(move || {
        check::compare(
            &data,
            &inputs,
            width,
            slope.unwrap_or(0.0),
            &proposed,
            &tables,
            &DesignOptions::default(),
        )
    })
    .await?
    .map_err(|e| match e {
        check::CompareError::Route(r) => ApiError::Unprocessable(r.to_string()),
        check::CompareError::Check(h) => api_error(h),
        other => ApiError::Internal(other.into()),
    })?;
    match format {
        "csv" => {
            let bytes = check::compare_sheet(&rows).to_csv();
            let mut resp = bytes.into_response();
            let h = resp.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            );
            h.insert(
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static("attachment; filename=\"route_options.csv\""),
            );
            Ok(resp)
        }
        "xlsx" => {
            let book = crate::export::sheet::Workbook::new(
                "Route options",
                vec![check::compare_sheet(&rows)],
            )
            .note("Prices", "Costs use SAMPLE unit prices (data/hydraulics/unit_prices.csv), not a price list")
            .note("Rain", "Design rain from TCVN 7957 station constants not checked against the standard (UNVERIFIED)");
            let bytes =
                crate::export::xlsx::write(&book).map_err(|e| ApiError::Internal(e.into()))?;
            let mut resp = bytes.into_response();
            let h = resp.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(crate::export::XLSX_MEDIA_TYPE),
            );
            h.insert(
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static("attachment; filename=\"route_options.xlsx\""),
            );
            Ok(resp)
        }
        _ => {
            let rain = rows.iter().any(|r| r.rain_constants_unverified);
            let body = json!({
                "rows": rows,
                "routes": lines.iter().map(|(id, l)| json!({
                    "id": id,
                    "geometry": geojson::Geometry::from(l),
                })).collect::<Vec<_>>(),
                "corridor_width_m": width,
                "prices_are_samples": rows.iter().any(|r| r.prices_are_samples),
                "rain_constants_unverified": rain,
                "unverified_note": check::unverified_note(rain, true),
            });
            Ok(json_with_type(&body, JSON))
        }
    }
}
