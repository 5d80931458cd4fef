//! Editing over HTTP: OGC API – Features Part 4 (create, replace, update, delete) with
//! ETags, the common changes as one step each, and the change history.
//!
//! Writes need an officer. Replace, update and delete need `If-Match` with the ETag the
//! client read, so that two officers cannot silently overwrite each other: a stale one gets
//! 412, a missing one 428.
//!
//! A POST (create, and the one-step changes) may carry `Idempotency-Key: <key>`, a value
//! the client makes up for that one change (a UUID): sent again with the same key — the
//! first answer was lost on a weak connection — it gets the first answer back (with
//! `Idempotent-Replayed: true`) and nothing is changed twice. Keys are the user's own, and
//! remembered for a day ([`crate::store::live::REQUEST_KEY_HOURS`]); the same key with
//! another path or body is refused (422).

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::require;
use super::etag::{if_match, required_if_match};
use super::openapi::{TAG_EDIT, TAG_HISTORY};
use super::{ApiError, ApiJson, ApiQuery, AppState, GEOJSON, JSON, docs, json_with_type};
use crate::auth::{Caller, Role};
use crate::model::{CanalStatus, ClearanceStatus, LayerKind, WaterStatus, date};
use crate::store::Feature;
use crate::store::edit::{Edit, EditError, EditOp};
use crate::store::journal::{JournalEntry, RequestKey};
use crate::store::live::{Edited, Precondition};

/// The editing and history routes, each with its documentation.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::default()
        .routes(routes!(create))
        .routes(routes!(replace, update, remove))
        .routes(routes!(feature_history))
        .routes(routes!(history))
        .routes(routes!(canal_status))
        .routes(routes!(parcel_clearance))
        .routes(routes!(household_contribution))
        .routes(routes!(household_water))
}

fn collection(id: &str) -> Result<LayerKind, ApiError> {
    LayerKind::from_id(id).ok_or_else(|| {
        ApiError::NotFound(format!(
            "no collection `{id}`; the collections are villages, canals, parcels, flood_zones, households"
        ))
    })
}

/// The ETag header value of a feature (for callers who see all of it).
pub fn etag(f: &Feature) -> HeaderValue {
    super::etag::of_feature(f)
}

/// The header that names a request's key.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";
/// The header on an answer given again for a request sent again with its key.
pub const IDEMPOTENT_REPLAYED: &str = "idempotent-replayed";
/// The longest key taken.
const MAX_KEY_LEN: usize = 128;

/// The `Idempotency-Key` header of a POST that a weak connection may make the client send
/// again: documented once, for every operation that takes it.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
pub struct IdempotencyKeyHeader {
    /// A key the client makes up for this one change (a UUID, say): the same request sent
    /// again with it, by the same user within a day, gets the first answer back with
    /// `Idempotent-Replayed: true` and changes nothing twice; the same key with another
    /// path or body is refused (422). 1 to 128 of `A-Z a-z 0-9 - _ . :`, optionally quoted.
    #[serde(rename = "Idempotency-Key")]
    #[param(pattern = r#"^([A-Za-z0-9._:-]{1,128}|"[A-Za-z0-9._:-]{1,128}")$"#)]
    pub idempotency_key: Option<String>,
}

/// The `If-Match` header of a change to a stored feature that must name the version read:
/// documented once, for every operation that requires it.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
pub struct IfMatchHeader {
    /// The ETag of the feature as read (or `*`): 412 when it has changed since, 428 when missing
    #[serde(rename = "If-Match")]
    #[param(pattern = r#"^(\*|(W/)?"[0-9A-Za-z-]*"(, ?(W/)?"[0-9A-Za-z-]*")*)$"#)]
    pub if_match: String,
}

/// The `If-Match` header of a one-step change (a clearance step, a status, a consent
/// record), which applies to the feature as it is when the header is left out.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
pub struct IfMatchOptionalHeader {
    /// The ETag of the feature as read (or `*`): 412 when it has changed since; without it the change applies to the feature as it is
    #[serde(rename = "If-Match")]
    #[param(pattern = r#"^(\*|(W/)?"[0-9A-Za-z-]*"(, ?(W/)?"[0-9A-Za-z-]*")*)$"#)]
    pub if_match: Option<String>,
}

/// The request's `Idempotency-Key`, if any, with a digest of what is asked (`method`,
/// `path`, the body as parsed): 1 to 128 of `A-Z a-z 0-9 - _ . :`, optionally quoted
/// (the header's structured-field form).
pub(super) fn request_key(
    headers: &HeaderMap,
    method: &str,
    path: &str,
    body: &impl serde::Serialize,
) -> Result<Option<RequestKey>, ApiError> {
    use sha2::{Digest, Sha256};
    let mut values = headers.get_all(IDEMPOTENCY_KEY).iter();
    let Some(value) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err(ApiError::BadRequest(
            "send one Idempotency-Key header, not several".into(),
        ));
    }
    let text = value.to_str().unwrap_or("").trim();
    let key = text
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or(text);
    let ok = !key.is_empty()
        && key.len() <= MAX_KEY_LEN
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b));
    if !ok {
        return Err(ApiError::BadRequest(format!(
            "Idempotency-Key must be 1 to {MAX_KEY_LEN} of the characters A-Z a-z 0-9 - _ . : (a UUID, say); found `{}`",
            value.to_str().unwrap_or("(not text)")
        )));
    }
    let mut h = Sha256::new();
    h.update(method.as_bytes());
    h.update(b" ");
    h.update(path.as_bytes());
    h.update(b"\n");
    h.update(serde_json::to_vec(body).unwrap_or_default());
    Ok(Some(RequestKey {
        key: key.to_owned(),
        digest: hex::encode(h.finalize()),
    }))
}

async fn run_edit(
    state: &AppState,
    caller: &Caller,
    request: Option<RequestKey>,
    precondition: Option<Precondition>,
    make: impl FnOnce(&crate::store::Dataset) -> Result<Edit, EditError> + Send + 'static,
) -> Result<Edited, ApiError> {
    require(caller, Role::Officer, "editing")?;
    let state = state.clone();
    let user = caller.name.clone();
    // The journal fsync blocks; keep it off the async workers.
    let store = state.clone();
    let edited = tokio::task::spawn_blocking(move || {
        let attachments = store.attachments();
        store
            .store()
            .edit_once(&user, request.as_ref(), precondition.as_ref(), |data| {
                let edit = make(data)?;
                super::consent::check_scan(attachments, data, &edit)?;
                Ok(edit)
            })
    })
    .await??;
    if state.store().wants_compaction() {
        // In the background: edits and reads go on while the snapshot is written.
        tokio::task::spawn_blocking(move || {
            if let Err(e) = state.store().compact() {
                tracing::error!(
                    error = format!("{e:#}"),
                    "compaction failed; the journal is kept whole"
                );
            }
        });
    }
    Ok(edited)
}

/// The answer to an edit that leaves a feature: the feature and its ETag, or, for a
/// request sent again with its key, the feature as that first request left it.
fn edited_response(
    status: StatusCode,
    collection: LayerKind,
    edited: &Edited,
) -> Result<Response, ApiError> {
    if edited.replayed {
        let value =
            edited.entry.edit.feature.clone().ok_or_else(|| {
                ApiError::Internal(anyhow::anyhow!("replayed edit has no feature"))
            })?;
        let version = crate::store::edit::version_of(&value);
        let mut resp = json_with_type(&value, GEOJSON);
        *resp.status_mut() = status;
        if let Ok(tag) = HeaderValue::from_str(&format!("\"{version}\"")) {
            resp.headers_mut().insert(header::ETAG, tag);
        }
        if let Ok(loc) = HeaderValue::from_str(&format!(
            "/collections/{}/items/{}",
            collection.id(),
            edited.entry.edit.id
        )) {
            resp.headers_mut().insert(header::LOCATION, loc);
        }
        resp.headers_mut()
            .insert(IDEMPOTENT_REPLAYED, HeaderValue::from_static("true"));
        return Ok(resp);
    }
    let f = edited
        .feature
        .as_ref()
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("edited feature missing")))?;
    Ok(feature_response(status, collection, f))
}

fn feature_response(status: StatusCode, collection: LayerKind, f: &Feature) -> Response {
    let mut resp = json_with_type(&f.to_json(), GEOJSON);
    *resp.status_mut() = status;
    resp.headers_mut().insert(header::ETAG, etag(f));
    if let Ok(loc) =
        HeaderValue::from_str(&format!("/collections/{}/items/{}", collection.id(), f.id))
    {
        resp.headers_mut().insert(header::LOCATION, loc);
    }
    resp
}

fn new_id(kind: LayerKind) -> String {
    use rand::RngExt;
    let n: u64 = rand::rng().random();
    let prefix = match kind {
        LayerKind::Villages => "vil",
        LayerKind::Canals => "canal",
        LayerKind::Parcels => "parcel",
        LayerKind::FloodZones => "flood",
        LayerKind::Households => "hh",
        LayerKind::Catchments => "catchment",
    };
    format!("{prefix}-{n:012x}")
}

/// Add a feature (officer)
///
/// OGC API – Features Part 4 create. The feature is checked against the layer's rules
/// and journalled before the answer; its id is the one given when free, else one is made.
#[utoipa::path(
    post,
    path = "/collections/{collectionId}/items",
    tag = TAG_EDIT,
    operation_id = "createFeature",
    params(
        ("collectionId" = docs::CollectionId, Path, description = "The layer"),
        IdempotencyKeyHeader,
    ),
    request_body(
        description = "A GeoJSON Feature in CRS84",
        content(
            (docs::FeatureInput = "application/geo+json"),
            (docs::FeatureInput = "application/json"),
        ),
    ),
    responses(
        (status = 201, description = "Created: the feature as stored", body = docs::Feature, content_type = GEOJSON,
            headers(
                ("ETag" = String, description = "The feature's new version, for the next If-Match"),
                ("Location" = String, description = "The feature's path"),
                ("Idempotent-Replayed" = String, description = "`true` when this is the first answer to the same request sent again with its Idempotency-Key"),
            ),
        ),
        (status = 400, response = docs::BadRequest),
        (status = 403, response = docs::Forbidden),
        (status = 404, response = docs::NotFound),
        (status = 409, response = docs::Conflict),
        (status = 422, response = docs::UnprocessableEntity),
        (status = 507, response = docs::InsufficientStorage),
    ),
    security(("basic" = []), ("bearer" = [])),
)]
async fn create(
    State(state): State<AppState>,
    Path(coll): Path<String>,
    caller: Caller,
    headers: HeaderMap,
    ApiJson(feature): ApiJson<Value>,
) -> Result<Response, ApiError> {
    let kind = collection(&coll)?;
    require(&caller, Role::Officer, "editing")?;
    let request = request_key(
        &headers,
        "POST",
        &format!("/collections/{}/items", kind.id()),
        &feature,
    )?;
    let id = match feature.get("id") {
        Some(Value::String(s)) => s.clone(),
        None | Some(Value::Null) => new_id(kind),
        Some(other) => {
            return Err(ApiError::Unprocessable(format!(
                "the feature's id must be a string, found {other}"
            )));
        }
    };
    let mut feature = feature;
    if let Value::Object(obj) = &mut feature {
        obj.insert("id".into(), Value::String(id.clone()));
    }
    let edited = run_edit(&state, &caller, request, None, move |_| {
        Ok(Edit {
            op: EditOp::Create,
            collection: kind,
            id,
            feature: Some(feature),
            date: None,
        })
    })
    .await?;
    edited_response(StatusCode::CREATED, kind, &edited)
}

/// Replace a feature (officer)
///
/// OGC API – Features Part 4 replace: the feature's geometry and properties become the
/// ones sent.
#[utoipa::path(
    put,
    path = "/collections/{collectionId}/items/{featureId}",
    tag = TAG_EDIT,
    operation_id = "replaceFeature",
    params(
        ("collectionId" = docs::CollectionId, Path, description = "The layer"),
        ("featureId" = String, Path, description = "The feature id"),
        IfMatchHeader,
    ),
    request_body(
        description = "A GeoJSON Feature in CRS84",
        content(
            (docs::FeatureInput = "application/geo+json"),
            (docs::FeatureInput = "application/json"),
        ),
    ),
    responses(
        (status = 200, description = "The feature as stored", body = docs::Feature, content_type = GEOJSON,
            headers(
                ("ETag" = String, description = "The feature's new version, for the next If-Match"),
                ("Location" = String, description = "The feature's path"),
            ),
        ),
        docs::EditRefusals,
        (status = 428, response = docs::PreconditionRequired),
    ),
    security(("basic" = []), ("bearer" = [])),
)]
async fn replace(
    State(state): State<AppState>,
    Path((coll, fid)): Path<(String, String)>,
    caller: Caller,
    headers: HeaderMap,
    ApiJson(feature): ApiJson<Value>,
) -> Result<Response, ApiError> {
    let kind = collection(&coll)?;
    require(&caller, Role::Officer, "editing")?;
    let tag = required_if_match(&headers)?;
    let edited = run_edit(&state, &caller, None, Some(tag), move |_| {
        Ok(Edit {
            op: EditOp::Replace,
            collection: kind,
            id: fid,
            feature: Some(feature),
            date: None,
        })
    })
    .await?;
    let f = edited
        .feature
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("replaced feature missing")))?;
    Ok(feature_response(StatusCode::OK, kind, &f))
}

/// RFC 7396 JSON merge patch.
fn merge_patch(target: &mut Value, patch: &Value) {
    match patch {
        Value::Object(p) => {
            if !target.is_object() {
                *target = Value::Object(Map::new());
            }
            if let Value::Object(t) = target {
                for (k, v) in p {
                    if v.is_null() {
                        t.remove(k);
                    } else {
                        merge_patch(t.entry(k.clone()).or_insert(Value::Null), v);
                    }
                }
            }
        }
        other => *target = other.clone(),
    }
}

/// Change part of a feature (officer)
///
/// OGC API – Features Part 4 update, as a JSON merge patch (RFC 7396): the members sent
/// replace the feature's, and a property set to `null` is removed.
#[utoipa::path(
    patch,
    path = "/collections/{collectionId}/items/{featureId}",
    tag = TAG_EDIT,
    operation_id = "updateFeature",
    params(
        ("collectionId" = docs::CollectionId, Path, description = "The layer"),
        ("featureId" = String, Path, description = "The feature id"),
        IfMatchHeader,
    ),
    request_body(
        description = "A JSON merge patch of the feature",
        content(
            (docs::FeaturePatch = "application/merge-patch+json"),
            (docs::FeaturePatch = "application/json"),
        ),
    ),
    responses(
        (status = 200, description = "The feature as stored", body = docs::Feature, content_type = GEOJSON,
            headers(
                ("ETag" = String, description = "The feature's new version, for the next If-Match"),
                ("Location" = String, description = "The feature's path"),
            ),
        ),
        docs::EditRefusals,
        (status = 428, response = docs::PreconditionRequired),
    ),
    security(("basic" = []), ("bearer" = [])),
)]
async fn update(
    State(state): State<AppState>,
    Path((coll, fid)): Path<(String, String)>,
    caller: Caller,
    headers: HeaderMap,
    ApiJson(patch): ApiJson<Value>,
) -> Result<Response, ApiError> {
    let kind = collection(&coll)?;
    require(&caller, Role::Officer, "editing")?;
    let tag = required_if_match(&headers)?;
    if !patch.is_object() {
        return Err(ApiError::BadRequest(
            "a PATCH body is a JSON merge patch object, e.g. {\"properties\": {\"status\": \"completed\"}}".into(),
        ));
    }
    if let Some(k) = patch.as_object().and_then(|o| {
        o.keys()
            .find(|k| !["type", "id", "geometry", "properties"].contains(&k.as_str()))
    }) {
        return Err(ApiError::BadRequest(format!(
            "cannot patch `{k}`; patch geometry or properties"
        )));
    }
    let edited = run_edit(&state, &caller, None, Some(tag), move |data| {
        let current = data
            .layer(kind)
            .get(&fid)
            .ok_or_else(|| EditError::NotFound {
                collection: kind,
                id: fid.clone(),
            })?;
        let mut value = current.to_json();
        merge_patch(&mut value, &patch);
        Ok(Edit {
            op: EditOp::Replace,
            collection: kind,
            id: fid,
            feature: Some(value),
            date: None,
        })
    })
    .await?;
    let f = edited
        .feature
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("updated feature missing")))?;
    Ok(feature_response(StatusCode::OK, kind, &f))
}

/// Remove a feature (officer)
///
/// OGC API – Features Part 4 delete. A feature others refer to (a village with canals or
/// households, a household owning parcels) cannot be removed (409).
#[utoipa::path(
    delete,
    path = "/collections/{collectionId}/items/{featureId}",
    tag = TAG_EDIT,
    operation_id = "deleteFeature",
    params(
        ("collectionId" = docs::CollectionId, Path, description = "The layer"),
        ("featureId" = String, Path, description = "The feature id"),
        IfMatchHeader,
    ),
    responses(
        (status = 204, description = "Removed"),
        (status = 400, response = docs::BadRequest),
        (status = 403, response = docs::Forbidden),
        (status = 404, response = docs::NotFound),
        (status = 409, response = docs::Conflict),
        (status = 412, response = docs::PreconditionFailed),
        (status = 428, response = docs::PreconditionRequired),
        (status = 507, response = docs::InsufficientStorage),
    ),
    security(("basic" = []), ("bearer" = [])),
)]
async fn remove(
    State(state): State<AppState>,
    Path((coll, fid)): Path<(String, String)>,
    caller: Caller,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let kind = collection(&coll)?;
    require(&caller, Role::Officer, "editing")?;
    let tag = required_if_match(&headers)?;
    run_edit(&state, &caller, None, Some(tag), move |_| {
        Ok(Edit {
            op: EditOp::Delete,
            collection: kind,
            id: fid,
            feature: None,
            date: None,
        })
    })
    .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Reads the day an officer gave for a one-step change: a calendar date YYYY-MM-DD from
/// 2000 to tomorrow in Vietnam (see [`date::entered_date`]).
pub(super) fn entered_date(field: &str, given: &str) -> Result<String, ApiError> {
    date::entered_date(given, date::today())
        .map(date::iso)
        .map_err(|e| ApiError::Unprocessable(format!("{field} {e}")))
}

/// Builds a replace edit that sets some properties of one feature, dated `date`.
fn set_properties(
    data: &crate::store::Dataset,
    kind: LayerKind,
    id: &str,
    date: String,
    set: impl FnOnce(&mut Map<String, Value>) -> Result<(), EditError>,
) -> Result<Edit, EditError> {
    let current = data
        .layer(kind)
        .get(id)
        .ok_or_else(|| EditError::NotFound {
            collection: kind,
            id: id.to_owned(),
        })?;
    let mut value = current.to_json();
    if let Some(Value::Object(props)) = value.get_mut("properties") {
        set(props)?;
    }
    Ok(Edit {
        op: EditOp::Replace,
        collection: kind,
        id: id.to_owned(),
        feature: Some(value),
        date: Some(date),
    })
}

/// Makes a one-step change; `request` is the request's key, if it has one.
#[expect(
    clippy::too_many_arguments,
    reason = "each one-step handler passes what it parsed; a struct would only rename them"
)]
pub(super) async fn one_step(
    state: AppState,
    caller: Caller,
    headers: HeaderMap,
    request: Option<RequestKey>,
    kind: LayerKind,
    id: String,
    date: String,
    set: impl FnOnce(&mut Map<String, Value>) -> Result<(), EditError> + Send + 'static,
) -> Result<Response, ApiError> {
    let tag = if_match(&headers)?;
    let edited = run_edit(&state, &caller, request, tag, move |data| {
        set_properties(data, kind, &id, date, set)
    })
    .await?;
    edited_response(StatusCode::OK, kind, &edited)
}

#[derive(Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
struct StatusStep {
    status: String,
    date: String,
}

/// A status step: which layer, which two properties it sets, and the allowed statuses.
struct StepKind {
    layer: LayerKind,
    /// The last part of its path, /api/{layer}/{id}/{step}.
    step: &'static str,
    status_property: &'static str,
    date_property: &'static str,
    parse: fn(&str) -> Option<&'static str>,
    names: fn() -> String,
}

const CANAL_STATUS: StepKind = StepKind {
    layer: LayerKind::Canals,
    step: "status",
    status_property: "status",
    date_property: date::property::CANAL_STATUS,
    parse: |s| CanalStatus::parse(s).map(CanalStatus::as_str),
    names: CanalStatus::names,
};

const CLEARANCE: StepKind = StepKind {
    layer: LayerKind::Parcels,
    step: "clearance",
    status_property: "clearance_status",
    date_property: date::property::CLEARANCE,
    parse: |s| ClearanceStatus::parse(s).map(ClearanceStatus::as_str),
    names: ClearanceStatus::names,
};

const WATER: StepKind = StepKind {
    layer: LayerKind::Households,
    step: "water",
    status_property: "water_status",
    date_property: date::property::WATER,
    parse: |s| WaterStatus::parse(s).map(WaterStatus::as_str),
    names: WaterStatus::names,
};

async fn status_step(
    kind: StepKind,
    state: AppState,
    id: String,
    caller: Caller,
    headers: HeaderMap,
    step: StatusStep,
) -> Result<Response, ApiError> {
    require(&caller, Role::Officer, "editing")?;
    let request = request_key(
        &headers,
        "POST",
        &format!("/api/{}/{id}/{}", kind.layer.id(), kind.step),
        &step,
    )?;
    let status = (kind.parse)(&step.status).ok_or_else(|| {
        ApiError::Unprocessable(format!(
            "status `{}` is not one of {}",
            step.status,
            (kind.names)()
        ))
    })?;
    let date = entered_date("date", &step.date)?;
    let property = date.clone();
    one_step(
        state,
        caller,
        headers,
        request,
        kind.layer,
        id,
        date,
        move |p| {
            p.insert(kind.status_property.into(), status.into());
            p.insert(kind.date_property.into(), property.into());
            Ok(())
        },
    )
    .await
}

/// Set a canal's status with its date (officer)
#[utoipa::path(
    post,
    path = "/api/canals/{canalId}/status",
    tag = TAG_EDIT,
    operation_id = "setCanalStatus",
    params(
        ("canalId" = String, Path, description = "The canal id"),
        IfMatchOptionalHeader,
        IdempotencyKeyHeader,
    ),
    request_body = docs::CanalStatusStep,
    responses(
        (status = 200, description = "The feature as stored", body = docs::Feature, content_type = GEOJSON,
            headers(
                ("ETag" = String, description = "The feature's new version, for the next If-Match"),
                ("Location" = String, description = "The feature's path"),
                ("Idempotent-Replayed" = String, description = "`true` when this is the first answer to the same request sent again with its Idempotency-Key"),
            ),
        ),
        docs::EditRefusals,
    ),
    security(("basic" = []), ("bearer" = [])),
)]
async fn canal_status(
    State(state): State<AppState>,
    Path(id): Path<String>,
    caller: Caller,
    headers: HeaderMap,
    ApiJson(step): ApiJson<StatusStep>,
) -> Result<Response, ApiError> {
    status_step(CANAL_STATUS, state, id, caller, headers, step).await
}

/// Record a parcel's clearance step with its date (officer)
#[utoipa::path(
    post,
    path = "/api/parcels/{parcelId}/clearance",
    tag = TAG_EDIT,
    operation_id = "setClearance",
    params(
        ("parcelId" = String, Path, description = "The parcel id"),
        IfMatchOptionalHeader,
        IdempotencyKeyHeader,
    ),
    request_body = docs::ClearanceStep,
    responses(
        (status = 200, description = "The feature as stored", body = docs::Feature, content_type = GEOJSON,
            headers(
                ("ETag" = String, description = "The feature's new version, for the next If-Match"),
                ("Location" = String, description = "The feature's path"),
                ("Idempotent-Replayed" = String, description = "`true` when this is the first answer to the same request sent again with its Idempotency-Key"),
            ),
        ),
        docs::EditRefusals,
    ),
    security(("basic" = []), ("bearer" = [])),
)]
async fn parcel_clearance(
    State(state): State<AppState>,
    Path(id): Path<String>,
    caller: Caller,
    headers: HeaderMap,
    ApiJson(step): ApiJson<StatusStep>,
) -> Result<Response, ApiError> {
    status_step(CLEARANCE, state, id, caller, headers, step).await
}

/// Record a water registration or connection (officer)
#[utoipa::path(
    post,
    path = "/api/households/{householdId}/water",
    tag = TAG_EDIT,
    operation_id = "setWater",
    params(
        ("householdId" = String, Path, description = "The household id"),
        IfMatchOptionalHeader,
        IdempotencyKeyHeader,
    ),
    request_body = docs::WaterStep,
    responses(
        (status = 200, description = "The feature as stored", body = docs::Feature, content_type = GEOJSON,
            headers(
                ("ETag" = String, description = "The feature's new version, for the next If-Match"),
                ("Location" = String, description = "The feature's path"),
                ("Idempotent-Replayed" = String, description = "`true` when this is the first answer to the same request sent again with its Idempotency-Key"),
            ),
        ),
        docs::EditRefusals,
    ),
    security(("basic" = []), ("bearer" = [])),
)]
async fn household_water(
    State(state): State<AppState>,
    Path(id): Path<String>,
    caller: Caller,
    headers: HeaderMap,
    ApiJson(step): ApiJson<StatusStep>,
) -> Result<Response, ApiError> {
    status_step(WATER, state, id, caller, headers, step).await
}

/// A contribution given or promised.
#[derive(Deserialize, serde::Serialize, utoipa::ToSchema)]
#[schema(example = json!({"kind": "labour", "amount": 3, "state": "done", "date": "2026-10-15"}))]
#[serde(deny_unknown_fields)]
struct ContributionStep {
    /// Land (m²), labour (days) or money (VND).
    #[schema(value_type = crate::analysis::contributions::Kind)]
    kind: String,
    /// How much, in the kind's unit: above 0, at most 10¹².
    #[schema(exclusive_minimum = 0.0, maximum = 1e12)]
    amount: f64,
    /// Promised or given.
    #[schema(value_type = docs::ContributionState)]
    state: String,
    /// The day it was given or pledged, YYYY-MM-DD, from 2000-01-01 to tomorrow in
    /// Vietnam (UTC+7); today in Vietnam when absent. Stored as the household's
    /// `contribution_date` and on the history entry; the monthly progress counts the
    /// contribution in this date's month.
    #[schema(format = Date, nullable = false)]
    date: Option<String>,
}

/// Add to a household's contribution (officer)
///
/// The amount is added to what the household already pledged or gave of that kind.
#[utoipa::path(
    post,
    path = "/api/households/{householdId}/contributions",
    tag = TAG_EDIT,
    operation_id = "addContribution",
    params(
        ("householdId" = String, Path, description = "The household id"),
        IfMatchOptionalHeader,
        IdempotencyKeyHeader,
    ),
    request_body = ContributionStep,
    responses(
        (status = 200, description = "The feature as stored", body = docs::Feature, content_type = GEOJSON,
            headers(
                ("ETag" = String, description = "The feature's new version, for the next If-Match"),
                ("Location" = String, description = "The feature's path"),
                ("Idempotent-Replayed" = String, description = "`true` when this is the first answer to the same request sent again with its Idempotency-Key"),
            ),
        ),
        docs::EditRefusals,
    ),
    security(("basic" = []), ("bearer" = [])),
)]
async fn household_contribution(
    State(state): State<AppState>,
    Path(id): Path<String>,
    caller: Caller,
    headers: HeaderMap,
    ApiJson(step): ApiJson<ContributionStep>,
) -> Result<Response, ApiError> {
    require(&caller, Role::Officer, "editing")?;
    let request = request_key(
        &headers,
        "POST",
        &format!("/api/households/{id}/contributions"),
        &step,
    )?;
    let field = match (step.kind.as_str(), step.state.as_str()) {
        ("land", "pledged") => "land_pledged_m2",
        ("land", "done") => "land_donated_m2",
        ("labour", "pledged") => "labour_pledged_days",
        ("labour", "done") => "labour_done_days",
        ("money", "pledged") => "money_pledged_vnd",
        ("money", "done") => "money_paid_vnd",
        _ => {
            return Err(ApiError::Unprocessable(format!(
                "kind `{}` / state `{}`: kind is land, labour or money; state is pledged or done",
                step.kind, step.state
            )));
        }
    };
    if !step.amount.is_finite() || step.amount <= 0.0 || step.amount > 1e12 {
        return Err(ApiError::Unprocessable(format!(
            "amount must be a positive number, found {}",
            step.amount
        )));
    }
    let date = match &step.date {
        Some(given) => entered_date("date", given)?,
        None => date::iso(date::today()),
    };
    let property = date.clone();
    one_step(
        state,
        caller,
        headers,
        request,
        LayerKind::Households,
        id,
        date,
        move |p| {
            let before = p.get(field).and_then(Value::as_f64).unwrap_or(0.0);
            p.insert(field.into(), json!(before + step.amount));
            p.insert(date::property::CONTRIBUTION.into(), property.into());
            Ok(())
        },
    )
    .await
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct HistoryQuery {
    /// Only this layer.
    #[param(value_type = Option<docs::CollectionId>, inline)]
    collection: Option<String>,
    /// Only this feature.
    id: Option<String>,
    /// Only this user's edits.
    user: Option<String>,
    /// From this time on (RFC 3339, UTC, compared with `at`).
    since: Option<String>,
    /// Before this time (RFC 3339, UTC, compared with `at`).
    until: Option<String>,
    /// Page size: 100 by default, 1 to 10000 (outside, the nearest).
    #[param(maximum = 18446744073709551615usize)]
    limit: Option<usize>,
    /// Entries to skip.
    #[param(maximum = 18446744073709551615usize)]
    offset: Option<usize>,
}

/// One history entry as the API shows it: who, when, what, and each property's change.
pub fn entry_json(e: &JournalEntry) -> Value {
    let empty = Map::new();
    let props = |v: Option<&Value>| {
        v.and_then(|f| f.get("properties"))
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_else(|| empty.clone())
    };
    let before = props(e.before.as_ref());
    let after = props(e.edit.feature.as_ref());
    let mut changes = Vec::new();
    let mut names: Vec<&String> = before.keys().chain(after.keys()).collect();
    names.sort();
    names.dedup();
    for name in names {
        let (from, to) = (before.get(name), after.get(name));
        if from != to {
            changes.push(json!({"property": name, "from": from, "to": to}));
        }
    }
    let geometry_changed = e.before.as_ref().and_then(|b| b.get("geometry"))
        != e.edit.feature.as_ref().and_then(|a| a.get("geometry"));
    json!({
        "seq": e.seq,
        "at": e.at,
        "user": e.user,
        "op": e.edit.op,
        "collection": e.edit.collection,
        "id": e.edit.id,
        "date": e.edit.date,
        "changes": changes,
        "geometry_changed": geometry_changed,
        "before": e.before,
        "after": e.edit.feature,
    })
}

fn history_response(entries: Vec<&JournalEntry>, q: &HistoryQuery) -> Response {
    let matched = entries.len();
    let offset = q.offset.unwrap_or(0);
    let limit = q.limit.unwrap_or(100).clamp(1, 10_000);
    let page: Vec<Value> = entries
        .into_iter()
        .rev()
        .skip(offset)
        .take(limit)
        .map(entry_json)
        .collect();
    json_with_type(
        &json!({"numberMatched": matched, "numberReturned": page.len(), "entries": page}),
        JSON,
    )
}

fn filter_history<'a>(
    all: &'a [JournalEntry],
    q: &HistoryQuery,
) -> Result<Vec<&'a JournalEntry>, ApiError> {
    let kind = q.collection.as_deref().map(collection).transpose()?;
    Ok(all
        .iter()
        .filter(|e| kind.is_none_or(|k| e.edit.collection == k))
        .filter(|e| q.id.as_deref().is_none_or(|id| e.edit.id == id))
        .filter(|e| q.user.as_deref().is_none_or(|u| e.user == u))
        .filter(|e| q.since.as_deref().is_none_or(|s| e.at.as_str() >= s))
        .filter(|e| q.until.as_deref().is_none_or(|u| e.at.as_str() < u))
        .collect())
}

/// Every edit ever made, archives included (a read of the disk, off the async workers).
async fn read_history(state: &AppState) -> Result<Vec<JournalEntry>, ApiError> {
    let state = state.clone();
    Ok(tokio::task::spawn_blocking(move || state.store().history()).await??)
}

/// The change history, newest first (viewer)
///
/// Archived entries included: compaction never shortens it.
#[utoipa::path(
    get,
    path = "/api/history",
    tag = TAG_HISTORY,
    operation_id = "history",
    params(HistoryQuery),
    responses(
        (status = 200, description = "Entries newest first: seq, at (saved, UTC), user, op, collection, id, date (the day entered with a one-step change, else null), changes from/to, before, after", body = docs::History),
        (status = 400, response = docs::BadRequest),
        (status = 403, response = docs::Forbidden),
        (status = 404, response = docs::NotFound),
    ),
    security(("basic" = []), ("bearer" = [])),
)]
async fn history(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<HistoryQuery>,
) -> Result<Response, ApiError> {
    require(&caller, Role::Viewer, "the change history")?;
    let all = read_history(&state).await?;
    Ok(history_response(filter_history(&all, &q)?, &q))
}

/// One feature's change history, newest first (viewer)
#[utoipa::path(
    get,
    path = "/collections/{collectionId}/items/{featureId}/history",
    tag = TAG_HISTORY,
    operation_id = "getFeatureHistory",
    params(
        ("collectionId" = docs::CollectionId, Path, description = "The layer"),
        ("featureId" = String, Path, description = "The feature id"),
        ("user" = Option<String>, Query, description = "Only this user's edits"),
        ("since" = Option<String>, Query, description = "From this time on (RFC 3339, UTC)"),
        ("until" = Option<String>, Query, description = "Before this time (RFC 3339, UTC)"),
        ("limit" = Option<usize>, Query, maximum = 18446744073709551615usize, description = "Page size: 100 by default, 1 to 10000 (outside, the nearest)"),
        ("offset" = Option<usize>, Query, maximum = 18446744073709551615usize, description = "Entries to skip"),
    ),
    responses(
        (status = 200, description = "Entries newest first: seq, at (saved, UTC), user, op, collection, id, date (the day entered with a one-step change, else null), changes from/to, before, after", body = docs::History),
        (status = 400, response = docs::BadRequest),
        (status = 403, response = docs::Forbidden),
        (status = 404, response = docs::NotFound),
    ),
    security(("basic" = []), ("bearer" = [])),
)]
async fn feature_history(
    State(state): State<AppState>,
    Path((coll, fid)): Path<(String, String)>,
    caller: Caller,
    ApiQuery(mut q): ApiQuery<HistoryQuery>,
) -> Result<Response, ApiError> {
    require(&caller, Role::Viewer, "the change history")?;
    collection(&coll)?;
    q.collection = Some(coll);
    q.id = Some(fid);
    let all = read_history(&state).await?;
    Ok(history_response(filter_history(&all, &q)?, &q))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::journal::JournalError;
    use crate::store::live::StoreError;

    #[test]
    fn a_full_disk_is_a_507_that_says_nothing_was_stored() {
        let full = StoreError::Journal(JournalError::Io {
            path: "journal.ndjson".into(),
            op: "cannot write",
            source: std::io::Error::from(std::io::ErrorKind::StorageFull),
        });
        let e = ApiError::from(full);
        assert_eq!(e.status(), StatusCode::INSUFFICIENT_STORAGE);
        assert!(e.to_string().contains("not stored"), "{e}");
        let other = StoreError::Journal(JournalError::Io {
            path: "journal.ndjson".into(),
            op: "cannot write",
            source: std::io::Error::from(std::io::ErrorKind::PermissionDenied),
        });
        assert_eq!(
            ApiError::from(other).status(),
            StatusCode::INTERNAL_SERVER_ERROR
        );
    }
}
