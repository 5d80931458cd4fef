//! The drainage check over HTTP: `GET /api/analyses/hydraulics` (the whole network),
//! `GET /api/canals/{id}/hydraulics` (one canal), `GET /api/canals/{id}/profile.svg` and
//! `GET /api/export/swmm` (the network as an EPA SWMM 5 input file, VN-2000 metres).
//!
//! Every answer carries `rain_constants_unverified`, `unverified_constants` and
//! `unverified_note`; canals and catchments the check had to leave out come back as
//! `problems` lines (`{"kind", "id", "problem"}`), not as an error for the whole network.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use serde_json::json;

use super::{ApiError, ApiQuery, AppState, JSON, json_with_type};
use crate::analysis::hydraulics::{
    self as check, HydraulicsError, Inputs, NetworkAnswer, profile_of,
};
use crate::hydraulics::{DesignError, DesignOptions, Routing, SwmmOptions, write_inp};
use crate::model::LayerKind;
use crate::store::Dataset;

/// The drainage-check routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/analyses/hydraulics", get(network))
        .route("/api/canals/{id}/hydraulics", get(canal))
        .route("/api/canals/{id}/profile.svg", get(profile))
        .route("/api/export/swmm", get(swmm))
}

/// Choices of a design run, from the query string.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct DesignQuery {
    /// Rain station (data/hydraulics/rain_stations.csv).
    station: Option<String>,
    /// One return period for every canal.
    return_period_years: Option<u32>,
    /// Freeboard of open channels, m.
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
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct SwmmQuery {
    routing: Option<String>,
    return_period_years: Option<u32>,
    station: Option<String>,
}

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
