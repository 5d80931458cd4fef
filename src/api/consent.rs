//! Voluntary land donations over HTTP: the attached scans (`/api/attachments`), a
//! parcel's consent record as a one-step change (`/api/parcels/{id}/consent`), and the
//! donations report (`/api/reports/donations`).
//!
//! The consent record is personal (it names the witness and who told the household, and
//! points at the signed paper): its properties are served only to viewers and officers,
//! and so are the scans. The public gets the counts of complete and incomplete records
//! per village.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value, json};
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
use utoipa::openapi::{RefOr, Schema};
use utoipa::{PartialSchema, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::require;
use super::edit::{
    IdempotencyKeyHeader, IfMatchOptionalHeader, entered_date, one_step, request_key,
};
use super::openapi::{TAG_EDIT, TAG_REPORTS};
use super::reports::ReportFormat;
use super::{ApiError, ApiJson, ApiQuery, AppState, JSON, docs, json_with_type};
use crate::analysis::donations::donations;
use crate::auth::{Caller, Role};
use crate::model::schema::{FENCE_GATE_STATES, Invalid, Rule};
use crate::model::{LayerKind, date};
use crate::store::attachments::{self, AttachmentError, Attachments, MAX_BYTES};
use crate::store::edit::{Edit, EditError};

/// The routes, each with its documentation.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::default()
        .routes(routes!(upload_attachment))
        .routes(routes!(get_attachment))
        .routes(routes!(record_consent))
        .routes(routes!(donations_report))
}

/// The tag of the attachments.
pub const TAG_ATTACHMENTS: &str = "Attachments";

/// Any bytes (a PDF, JPEG or PNG file).
pub struct Binary;

impl PartialSchema for Binary {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
            .into()
    }
}

impl ToSchema for Binary {}

impl From<AttachmentError> for ApiError {
    fn from(e: AttachmentError) -> Self {
        match e {
            AttachmentError::TooLarge { .. } => ApiError::TooLarge(e.to_string()),
            AttachmentError::Empty => ApiError::BadRequest(e.to_string()),
            AttachmentError::NotAllowed { .. } | AttachmentError::Mismatch { .. } => {
                ApiError::Media(StatusCode::UNSUPPORTED_MEDIA_TYPE, e.to_string())
            }
            AttachmentError::BadName(_) => ApiError::NotFound(e.to_string()),
            AttachmentError::Io { .. } if super::is_disk_full(&e) => ApiError::DiskFull(
                "the disk is full: the attachment was not stored; free some space and send it again"
                    .into(),
            ),
            AttachmentError::Io { .. } => ApiError::Internal(e.into()),
        }
    }
}

/// An edit that sets a parcel's scan must name a stored attachment (an unchanged one is
/// not checked again: a parcel whose scan file was lost can still be edited otherwise).
pub(super) fn check_scan(
    attachments: &Attachments,
    data: &crate::store::Dataset,
    edit: &Edit,
) -> Result<(), EditError> {
    const SCAN: &str = "consent_scan_sha256";
    if edit.collection != LayerKind::Parcels {
        return Ok(());
    }
    let Some(Value::String(sha)) = edit
        .feature
        .as_ref()
        .and_then(|f| f.get("properties"))
        .and_then(|p| p.get(SCAN))
    else {
        return Ok(());
    };
    let before = data
        .parcels
        .get(&edit.id)
        .and_then(|f| f.properties.get_value(SCAN));
    if before.as_ref().and_then(Value::as_str) == Some(sha.as_str()) {
        return Ok(());
    }
    // A malformed value is the rule set's to refuse, with its own message.
    if attachments::parse_name(sha).is_ok_and(|s| s == *sha) && !attachments.exists(sha) {
        return Err(EditError::Invalid(Invalid::property(
            SCAN,
            Rule::Reference,
            format!(
                "no attachment `{sha}` is stored; upload the scan first (POST /api/attachments)"
            ),
        )));
    }
    Ok(())
}

/// Attach a scan: a PDF, JPEG or PNG file (officer)
///
/// The raw file is the body, with its media type as Content-Type; the bytes must be what
/// it says (`%PDF-`, JPEG's FF D8 FF, PNG's signature) and at most 10 MiB. It is stored
/// once under the SHA-256 of its bytes, which a consent record then names
/// (`scan_sha256`). A refused file leaves nothing stored.
#[utoipa::path(
    post,
    path = "/api/attachments",
    tag = TAG_ATTACHMENTS,
    operation_id = "uploadAttachment",
    request_body(
        description = "The file's bytes, at most 10 MiB",
        content(
            (Binary = "application/pdf"),
            (Binary = "image/jpeg"),
            (Binary = "image/png"),
        ),
    ),
    responses(
        (status = 201, description = "Stored", body = attachments::Stored,
            headers(("Location" = String, description = "The attachment's path"))),
        (status = 200, description = "The same bytes were already stored", body = attachments::Stored,
            headers(("Location" = String, description = "The attachment's path"))),
        (status = 400, response = docs::BadRequest),
        (status = 403, response = docs::Forbidden),
        (status = 413, response = docs::PayloadTooLarge),
        (status = 415, response = docs::UnsupportedMediaType),
        (status = 507, response = docs::InsufficientStorage),
    ),
    security(("basic" = []), ("bearer" = [])),
)]
async fn upload_attachment(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    require(&caller, Role::Officer, "attaching a document")?;
    let declared = headers
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap_or("(not text)").to_owned());
    // Refused before a byte is read when it says it is too large or of a type not taken.
    let length = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if let Some(size) = length.filter(|n| *n > MAX_BYTES) {
        return Err(AttachmentError::TooLarge { size }.into());
    }
    if declared
        .as_deref()
        .and_then(attachments::Kind::from_media_type)
        .is_none()
    {
        return Err(AttachmentError::NotAllowed {
            declared: declared.unwrap_or_else(|| "(none)".into()),
        }
        .into());
    }
    let bytes = read_limited(body, MAX_BYTES).await?;
    let store = state.clone();
    let stored =
        tokio::task::spawn_blocking(move || store.attachments().put(declared.as_deref(), &bytes))
            .await??;
    let status = if stored.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let mut resp = json_with_type(&stored, JSON);
    *resp.status_mut() = status;
    if let Ok(loc) = HeaderValue::from_str(&format!("/api/attachments/{}", stored.sha256)) {
        resp.headers_mut().insert(header::LOCATION, loc);
    }
    Ok(resp)
}

/// Reads a body of at most `limit` bytes, refusing it (413) as soon as it is more.
async fn read_limited(mut body: Body, limit: usize) -> Result<Vec<u8>, ApiError> {
    use axum::body::HttpBody;
    let mut bytes = Vec::new();
    while let Some(frame) =
        std::future::poll_fn(|cx| std::pin::Pin::new(&mut body).poll_frame(cx)).await
    {
        let frame = frame.map_err(|e| {
            if super::serve::is_body_timeout(&e) {
                ApiError::RequestTimeout(format!(
                    "the request body did not arrive within {} s",
                    super::serve::BODY_READ_TIMEOUT.as_secs()
                ))
            } else {
                ApiError::BadRequest(format!("cannot read the body: {e}"))
            }
        })?;
        if let Ok(data) = frame.into_data() {
            if bytes.len() + data.len() > limit {
                return Err(AttachmentError::TooLarge {
                    size: bytes.len() + data.len(),
                }
                .into());
            }
            bytes.extend_from_slice(&data);
        }
    }
    Ok(bytes)
}

/// An attached scan (viewer)
#[utoipa::path(
    get,
    path = "/api/attachments/{sha256}",
    tag = TAG_ATTACHMENTS,
    operation_id = "getAttachment",
    params(
        ("sha256" = String, Path, description = "The SHA-256 of its bytes, 64 hexadecimal digits"),
    ),
    responses(
        (status = 200, description = "The file, as uploaded",
            content(
                (Binary = "application/pdf"),
                (Binary = "image/jpeg"),
                (Binary = "image/png"),
            ),
            headers(
                ("Content-Disposition" = String, description = "inline, named <sha256>.<pdf|jpg|png>"),
                ("ETag" = String, description = "The SHA-256, quoted"),
            ),
        ),
        (status = 403, response = docs::Forbidden),
        (status = 404, response = docs::NotFound),
    ),
    security(("basic" = []), ("bearer" = [])),
)]
async fn get_attachment(
    State(state): State<AppState>,
    Path(sha256): Path<String>,
    caller: Caller,
) -> Result<Response, ApiError> {
    require(&caller, Role::Viewer, "an attached document")?;
    let store = state.clone();
    let name = sha256.clone();
    let found = tokio::task::spawn_blocking(move || store.attachments().get(&name)).await??;
    let Some((kind, bytes)) = found else {
        return Err(ApiError::NotFound(format!("no attachment `{sha256}`")));
    };
    let sha = sha256.to_ascii_lowercase();
    let disposition = format!("inline; filename=\"{sha}.{}\"", kind.extension());
    let mut resp = bytes.into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(kind.media_type()),
    );
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    if let Ok(v) = HeaderValue::from_str(&format!("\"{sha}\"")) {
        h.insert(header::ETAG, v);
    }
    // Personal: kept by the browser for this user only.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private"));
    Ok(resp)
}

/// Reads a member that may be absent (keep), null (remove) or a value (set).
fn nullable<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// A parcel's consent record, or the part of it being recorded: each member sent is
/// set, one sent as `null` is removed, one left out is kept as stored.
#[derive(Deserialize, Serialize, ToSchema)]
#[schema(example = json!({
    "told_may_refuse": true, "compensation_vnd": 18500000, "told_on": "2026-10-02",
    "told_by": "Nguyễn Văn Hùng", "witness": "Lê Thị Mai", "witness_role": "trưởng thôn (village head)",
    "document_ref": "GPMB-DD-2026/014",
    "scan_sha256": "fc022288f3e49d09353987de1c32fc1427bd2a8b3657a340e86efb8e34efe003",
    "consent_date": "2026-10-09", "fence_gate_state": "to_rebuild"}))]
#[serde(deny_unknown_fields)]
pub struct ConsentStep {
    /// The household was told it may refuse and be compensated instead.
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<bool>)]
    pub told_may_refuse: Option<Option<bool>>,
    /// The compensation it would otherwise receive, VND (0 to 10¹³).
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<f64>, minimum = 0.0, maximum = 1e13)]
    pub compensation_vnd: Option<Option<f64>>,
    /// The day it was told, YYYY-MM-DD, from 2000-01-01 to tomorrow in Vietnam; not after
    /// `consent_date`.
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>, format = Date)]
    pub told_on: Option<Option<String>>,
    /// Who told it (name).
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 200)]
    pub told_by: Option<Option<String>>,
    /// The witness's name.
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 200)]
    pub witness: Option<Option<String>>,
    /// The witness's role (village head, mass organisation …).
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 200)]
    pub witness_role: Option<Option<String>>,
    /// The signed document's reference.
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 200)]
    pub document_ref: Option<Option<String>>,
    /// The SHA-256 of the signed document's scan, as `POST /api/attachments` answered: it
    /// must be stored.
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>, pattern = "^[0-9a-fA-F]{64}$")]
    pub scan_sha256: Option<Option<String>>,
    /// The day the donation was signed, YYYY-MM-DD, from 2000-01-01 to tomorrow in
    /// Vietnam.
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>, format = Date)]
    pub consent_date: Option<Option<String>>,
    /// The frontage's fence and gate, rebuilt with the flooded households' contributions.
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<FenceGateState>)]
    pub fence_gate_state: Option<Option<String>>,
}

/// The state of a donating parcel's fence and gate.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FenceGateState {
    /// Nothing to rebuild.
    NotNeeded,
    /// To be rebuilt.
    ToRebuild,
    /// Being rebuilt.
    Rebuilding,
    /// Rebuilt.
    Rebuilt,
}

/// The longest text member of a consent record.
const MAX_TEXT_CHARS: usize = 200;

impl ConsentStep {
    /// The parcel properties to set (a value) or remove (null), checked; and the day of
    /// the change for the history (the signing day, else the day told, else today).
    fn properties(
        &self,
        attachments: &Attachments,
    ) -> Result<(Map<String, Value>, String), ApiError> {
        let mut set = Map::new();
        let text = |field: &str, v: &Option<Option<String>>| -> Result<Option<Value>, ApiError> {
            Ok(match v {
                None => None,
                Some(None) => Some(Value::Null),
                Some(Some(s)) => {
                    let s = s.trim();
                    if s.is_empty() {
                        return Err(ApiError::Unprocessable(format!(
                            "{field} is empty; send null to remove it"
                        )));
                    }
                    if s.chars().count() > MAX_TEXT_CHARS {
                        return Err(ApiError::Unprocessable(format!(
                            "{field} is longer than {MAX_TEXT_CHARS} characters"
                        )));
                    }
                    Some(Value::String(s.to_owned()))
                }
            })
        };
        let day = |field: &str, v: &Option<Option<String>>| -> Result<Option<Value>, ApiError> {
            Ok(match v {
                None => None,
                Some(None) => Some(Value::Null),
                Some(Some(s)) => Some(Value::String(entered_date(field, s)?)),
            })
        };
        let mut put = |name: &str, v: Option<Value>| {
            if let Some(v) = v {
                set.insert(name.to_owned(), v);
            }
        };
        put(
            "consent_told_may_refuse",
            self.told_may_refuse
                .map(|b| b.map_or(Value::Null, Value::Bool)),
        );
        if let Some(Some(x)) = self.compensation_vnd
            && (!x.is_finite() || !(0.0..=1e13).contains(&x))
        {
            return Err(ApiError::Unprocessable(format!(
                "compensation_vnd must be from 0 to 10000000000000 VND, found {x}"
            )));
        }
        put(
            "consent_compensation_vnd",
            self.compensation_vnd
                .map(|x| x.map_or(Value::Null, |x| json!(x))),
        );
        let told_on = day("told_on", &self.told_on)?;
        let signed = day("consent_date", &self.consent_date)?;
        put("consent_told_on", told_on.clone());
        put("consent_date", signed.clone());
        put("consent_told_by", text("told_by", &self.told_by)?);
        put("consent_witness", text("witness", &self.witness)?);
        put(
            "consent_witness_role",
            text("witness_role", &self.witness_role)?,
        );
        put(
            "consent_document_ref",
            text("document_ref", &self.document_ref)?,
        );
        let scan = match &self.scan_sha256 {
            None => None,
            Some(None) => Some(Value::Null),
            Some(Some(s)) => {
                let sha = attachments::parse_name(s.trim())
                    .map_err(|e| ApiError::Unprocessable(format!("scan_sha256: {e}")))?;
                if !attachments.exists(&sha) {
                    return Err(ApiError::Invalid(Invalid::property(
                        "consent_scan_sha256",
                        Rule::Reference,
                        format!(
                            "no attachment `{sha}` is stored; upload the scan first (POST /api/attachments)"
                        ),
                    )));
                }
                Some(Value::String(sha))
            }
        };
        put("consent_scan_sha256", scan);
        if let Some(Some(state)) = &self.fence_gate_state
            && !FENCE_GATE_STATES.contains(&state.as_str())
        {
            return Err(ApiError::Unprocessable(format!(
                "fence_gate_state `{state}` is not one of {}",
                FENCE_GATE_STATES.join(", ")
            )));
        }
        put(
            "fence_gate_state",
            self.fence_gate_state
                .clone()
                .map(|s| s.map_or(Value::Null, Value::String)),
        );
        if set.is_empty() {
            return Err(ApiError::Unprocessable(
                "the consent record sent is empty: send at least one member (told_may_refuse, compensation_vnd, told_on, told_by, witness, witness_role, document_ref, scan_sha256, consent_date, fence_gate_state)".into(),
            ));
        }
        let when = [signed, told_on]
            .into_iter()
            .flatten()
            .find_map(|v| v.as_str().map(str::to_owned))
            .unwrap_or_else(|| date::iso(date::today()));
        Ok((set, when))
    }
}

/// Record a parcel's donation consent (officer)
///
/// The members sent are set on the parcel (`consent_*`, `fence_gate_state`), `null`
/// removes one, the others are kept; the record is checked by the parcel's rules (a
/// household is told before it signs) and journalled like every edit. Personal: only
/// viewers and officers read it back. `GET /api/reports/donations` says which elements a
/// donation still lacks.
#[utoipa::path(
    post,
    path = "/api/parcels/{parcelId}/consent",
    tag = TAG_EDIT,
    operation_id = "recordConsent",
    params(
        ("parcelId" = String, Path, description = "The parcel id"),
        IfMatchOptionalHeader,
        IdempotencyKeyHeader,
    ),
    request_body = ConsentStep,
    responses(
        (status = 200, description = "The parcel as stored", body = docs::Feature, content_type = super::GEOJSON,
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
async fn record_consent(
    State(state): State<AppState>,
    Path(id): Path<String>,
    caller: Caller,
    headers: HeaderMap,
    ApiJson(step): ApiJson<ConsentStep>,
) -> Result<Response, ApiError> {
    require(&caller, Role::Officer, "editing")?;
    let request = request_key(
        &headers,
        "POST",
        &format!("/api/parcels/{id}/consent"),
        &step,
    )?;
    let (set, when) = step.properties(state.attachments())?;
    one_step(
        state,
        caller,
        headers,
        request,
        LayerKind::Parcels,
        id,
        when,
        move |p| {
            for (k, v) in set {
                if v.is_null() {
                    p.remove(&k);
                } else {
                    p.insert(k, v);
                }
            }
            Ok(())
        },
    )
    .await
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct DonationsQuery {
    /// Only the parcels whose record is incomplete in the list (the counts count all).
    incomplete: Option<bool>,
    /// Only this parcel in the list (the map's popup asks for the one it shows).
    parcel: Option<String>,
    /// JSON (the default) or an Excel workbook.
    #[param(value_type = Option<ReportFormat>, inline)]
    format: Option<String>,
}

/// Voluntary land donations: complete and incomplete consent records
///
/// Counts per village for everyone; viewers and officers also get each donating parcel
/// with the elements its consent record lacks (`missing`). A parcel donates when its
/// clearance step is agreed or donated, or cleared with land pledged or given by its
/// owner (README "Consent to a land donation").
#[utoipa::path(
    get,
    path = "/api/reports/donations",
    tag = TAG_REPORTS,
    operation_id = "donations",
    params(DonationsQuery),
    responses(
        (status = 200, description = "villages, total and (viewers) parcels", body = crate::analysis::donations::DonationReport),
        (status = 400, response = docs::BadRequest),
    ),
)]
async fn donations_report(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<DonationsQuery>,
) -> Result<Response, ApiError> {
    let format = ReportFormat::parse(q.format.as_deref())?;
    let personal = caller.role >= Role::Viewer;
    let data = state.dataset();
    let incomplete = q.incomplete.unwrap_or(false);
    let mut report = super::compute(move || donations(&data, personal, incomplete)).await?;
    if let (Some(id), Some(rows)) = (&q.parcel, report.parcels.as_mut()) {
        rows.retain(|r| r.parcel_id == *id);
    }
    match format {
        ReportFormat::Json => Ok(json_with_type(&report, JSON)),
        ReportFormat::Xlsx => {
            super::reports::to_xlsx(&crate::export::donations::donations(&report), "donations")
        }
    }
}
