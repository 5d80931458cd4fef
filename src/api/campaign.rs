//! The campaign over HTTP: people, tasks with their progress and flags at a date, a
//! task's history, and the public summary of counts.
//!
//! People and tasks carry names and titles, personal data: reading them needs a signed-in
//! viewer (the public gets 401), changing a task an officer. `PUT` needs `If-Match` with
//! the task's ETag (its version in the register): 412 when it has changed since, 428
//! without. The public reads `GET /api/tasks/summary`: counts per village and per kind by
//! flag, no names, no titles.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::Date;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::require;
use super::etag::required_if_match;
use super::openapi::TAG_CAMPAIGN;
use super::{ApiError, ApiJson, ApiQuery, AppState, JSON, docs, json_with_type};
use crate::auth::{Caller, Role};
use crate::campaign::people::{self, Person};
use crate::campaign::register::{Change, Proposed, RegisterError};
use crate::campaign::tasks::{self, Flag, Summary, Task, TaskView};
use crate::model::date;
use crate::store::live::Precondition;

/// The campaign routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::default()
        .routes(routes!(list_people))
        .routes(routes!(list_tasks, create_task))
        .routes(routes!(summary))
        .routes(routes!(get_task, replace_task))
        .routes(routes!(task_history))
}

/// A person with the version of their record.
#[derive(Serialize, utoipa::ToSchema)]
pub struct PersonView {
    /// The person.
    #[serde(flatten)]
    pub person: Person,
    /// The record's version.
    pub version: u64,
}

/// The people.
#[derive(Serialize, utoipa::ToSchema)]
pub struct People {
    /// Every person, in the order they were added.
    pub people: Vec<PersonView>,
}

/// Tasks evaluated at a date.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Tasks {
    /// The date the progress and flags are for.
    pub at: String,
    /// The tasks that pass the filters, in the order they were added.
    pub tasks: Vec<TaskView>,
}

/// One change to a task.
#[derive(Serialize, utoipa::ToSchema)]
pub struct TaskChange {
    /// Sequence number in the register (the task's version after it).
    pub seq: u64,
    /// When, RFC 3339 UTC.
    pub at: String,
    /// Who.
    pub user: String,
    /// create, replace or delete.
    pub op: String,
    /// The fields that changed, each with its value before and after.
    pub changes: Vec<FieldChange>,
    /// The task before (null for create).
    #[schema(value_type = Object)]
    pub before: Option<Value>,
    /// The task after (null for delete).
    #[schema(value_type = Object)]
    pub after: Option<Value>,
}

/// A field's values before and after a change.
#[derive(Serialize, utoipa::ToSchema)]
pub struct FieldChange {
    /// The field.
    pub field: String,
    /// Before (null when absent).
    #[schema(value_type = Object)]
    pub from: Value,
    /// After (null when absent).
    #[schema(value_type = Object)]
    pub to: Value,
}

/// A task's history.
#[derive(Serialize, utoipa::ToSchema)]
pub struct TaskHistory {
    /// The task.
    pub id: String,
    /// Its changes, oldest first.
    pub changes: Vec<TaskChange>,
}

/// The date of a request (`at`): `YYYY-MM-DD`, any day of the calendar; by default
/// today in Vietnam (UTC+7).
fn at_date(at: Option<&str>) -> Result<Date, ApiError> {
    match at {
        None => Ok(date::today()),
        Some(s) => date::parse_day(s)
            .ok_or_else(|| ApiError::BadRequest(format!("at `{s}` is not a date YYYY-MM-DD"))),
    }
}

/// Filters of the task list.
#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct TaskQuery {
    /// The date the progress and flags are for, `YYYY-MM-DD`; today in Vietnam (UTC+7) by
    /// default.
    #[param(format = Date, pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]
    at: Option<String>,
    /// Only the tasks this person (a `people` id) is responsible for or supports.
    person: Option<String>,
    /// Only the tasks of this village id.
    village: Option<String>,
    /// Only the tasks with this flag.
    flag: Option<Flag>,
}

/// The date of the public summary.
#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AtQuery {
    /// The date the flags are for, `YYYY-MM-DD`; today in Vietnam (UTC+7) by default.
    #[param(format = Date, pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]
    at: Option<String>,
}

/// The people of the campaign (viewer)
///
/// Board members, village heads, mass organisations and officers, with their phone.
#[utoipa::path(
    get,
    path = "/api/people",
    tag = TAG_CAMPAIGN,
    operation_id = "listPeople",
    responses(
        (status = 200, description = "Every person", body = People),
        (status = 401, response = docs::Unauthorized),
    ),
    security(("basic" = []), ("bearer" = [])),
)]
async fn list_people(State(state): State<AppState>, caller: Caller) -> Result<Response, ApiError> {
    require(&caller, Role::Viewer, "the people of the campaign")?;
    let people = people::all(&state.register().snapshot())?
        .into_iter()
        .map(|v| PersonView {
            person: v.record,
            version: v.version,
        })
        .collect();
    Ok(json_with_type(&People { people }, JSON))
}

/// Tasks with their progress and flags at a date (viewer)
///
/// Progress is measured on the linked features (canal metres completed, parcels handed
/// over, fences and gates on cleared lots, dwellings registered for piped water); the
/// flag is done, on_time, at_risk, late or cancelled by the rule in the README. Each task
/// carries its features' ids and their bounding box (WGS84).
#[utoipa::path(
    get,
    path = "/api/tasks",
    tag = TAG_CAMPAIGN,
    operation_id = "listTasks",
    params(TaskQuery),
    responses(
        (status = 200, description = "The tasks that pass the filters", body = Tasks),
        (status = 400, response = docs::BadRequest),
        (status = 401, response = docs::Unauthorized),
    ),
    security(("basic" = []), ("bearer" = [])),
)]
async fn list_tasks(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<TaskQuery>,
) -> Result<Response, ApiError> {
    require(&caller, Role::Viewer, "the tasks of the campaign")?;
    let at = at_date(q.at.as_deref())?;
    let flag = q.flag;
    let reg = state.register().snapshot();
    let data = state.dataset();
    let views = super::compute(move || tasks::evaluate_all(&reg, &data, at)).await??;
    let tasks = views
        .into_iter()
        .filter(|v| {
            q.person
                .as_deref()
                .is_none_or(|p| tasks::people_of(&v.task).contains(p))
                && q.village
                    .as_deref()
                    .is_none_or(|vil| v.task.village_id.as_deref() == Some(vil))
                && flag.is_none_or(|f| v.flag == f)
        })
        .collect();
    Ok(json_with_type(
        &Tasks {
            at: date::iso(at),
            tasks,
        },
        JSON,
    ))
}

/// Counts of tasks by flag, per village and per kind (public)
///
/// What anyone may read: how many tasks are done, on time, at risk, late or cancelled at a
/// date, in all, per village and per kind. No names, no titles.
#[utoipa::path(
    get,
    path = "/api/tasks/summary",
    tag = TAG_CAMPAIGN,
    operation_id = "taskSummary",
    params(AtQuery),
    responses(
        (status = 200, description = "The counts", body = Summary),
        (status = 400, response = docs::BadRequest),
    ),
)]
async fn summary(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<AtQuery>,
) -> Result<Response, ApiError> {
    let at = at_date(q.at.as_deref())?;
    let reg = state.register().snapshot();
    let data = state.dataset();
    let views = super::compute(move || tasks::evaluate_all(&reg, &data, at)).await??;
    Ok(json_with_type(&tasks::summary(&views, at), JSON))
}

fn task_response(status: StatusCode, view: &TaskView) -> Response {
    let mut resp = json_with_type(view, JSON);
    *resp.status_mut() = status;
    if let Ok(tag) = HeaderValue::from_str(&format!("\"{}\"", view.version)) {
        resp.headers_mut().insert(header::ETAG, tag);
    }
    if let Ok(loc) = HeaderValue::from_str(&format!("/api/tasks/{}", view.task.id)) {
        resp.headers_mut().insert(header::LOCATION, loc);
    }
    resp
}

async fn view_of(state: &AppState, id: &str, at: Date) -> Result<TaskView, ApiError> {
    let reg = state.register().snapshot();
    let record = reg
        .get(tasks::TABLE, id)
        .ok_or_else(|| ApiError::NotFound(format!("no task `{id}`")))?;
    let task = Task::deserialize(&record.value)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("stored task {id}: {e}")))?;
    let version = record.version;
    let data = state.dataset();
    let view = super::compute(move || tasks::evaluate(&task, &data, at)).await?;
    Ok(TaskView { version, ..view })
}

/// One task with its progress and flag at a date (viewer)
#[utoipa::path(
    get,
    path = "/api/tasks/{id}",
    tag = TAG_CAMPAIGN,
    operation_id = "getTask",
    params(
        ("id" = String, Path, description = "The task id"),
        AtQuery,
    ),
    responses(
        (status = 200, description = "The task", body = TaskView,
            headers(("ETag" = String, description = "The task's version, for If-Match"))),
        (status = 400, response = docs::BadRequest),
        (status = 401, response = docs::Unauthorized),
        (status = 404, response = docs::NotFound),
    ),
    security(("basic" = []), ("bearer" = [])),
)]
async fn get_task(
    State(state): State<AppState>,
    Path(id): Path<String>,
    caller: Caller,
    ApiQuery(q): ApiQuery<AtQuery>,
) -> Result<Response, ApiError> {
    require(&caller, Role::Viewer, "the tasks of the campaign")?;
    let at = at_date(q.at.as_deref())?;
    Ok(task_response(
        StatusCode::OK,
        &view_of(&state, &id, at).await?,
    ))
}

/// Reads a task body: a JSON object fitting [`Task`]; `id` taken from `id` when absent.
fn task_body(mut body: Value, id: &str) -> Result<Task, ApiError> {
    let obj = body
        .as_object_mut()
        .ok_or_else(|| ApiError::Unprocessable("a task is a JSON object".into()))?;
    obj.entry("id")
        .or_insert_with(|| Value::String(id.to_owned()));
    Task::deserialize(&body)
        .map_err(|e| ApiError::Unprocessable(format!("the task does not fit: {e}")))
}

/// Makes a task change: reads the body against the current register, checks it, writes.
fn write_task(
    state: &AppState,
    caller: &Caller,
    body: Value,
    path_id: Option<String>,
    expect: Option<Precondition>,
) -> Result<Change, ApiError> {
    let data = state.dataset();
    state
        .register()
        .change(&caller.name, tasks::TABLE, |reg| -> Result<_, ApiError> {
            let id = match &path_id {
                Some(id) => id.clone(),
                None => next_id(reg),
            };
            let task = task_body(body, &id)?;
            if task.id != id {
                return Err(ApiError::Invalid(crate::model::schema::Invalid::new(
                    "id",
                    crate::model::schema::Rule::Range,
                    format!("the body's id `{}` is not the task `{id}`", task.id),
                )));
            }
            tasks::validate(&task, reg, &data)?;
            let value = serde_json::to_value(&task)?;
            Ok(match path_id {
                Some(_) => Proposed::Replace { id, value, expect },
                None => Proposed::Create(value),
            })
        })
}

/// The first free `t-NNN`.
fn next_id(reg: &crate::campaign::register::Snapshot) -> String {
    let mut n = reg.records(tasks::TABLE).len() + 1;
    loop {
        let id = format!("t-{n:03}");
        if reg.get(tasks::TABLE, &id).is_none() {
            return id;
        }
        n += 1;
    }
}

impl From<crate::model::schema::Invalid> for ApiError {
    fn from(i: crate::model::schema::Invalid) -> Self {
        ApiError::Invalid(i)
    }
}

/// Assign a task (officer)
///
/// The body is a task without `progress` or `flag` (they are computed); without `id` the
/// next free `t-NNN` is given. Every reference must resolve: the responsible and
/// supporting people, the village, the linked features (canals for a canal section,
/// parcels for clearance and fences, households for a water target).
#[utoipa::path(
    post,
    path = "/api/tasks",
    tag = TAG_CAMPAIGN,
    operation_id = "createTask",
    request_body(content = Task, content_type = "application/json"),
    responses(
        (status = 201, description = "The task as stored, evaluated today", body = TaskView,
            headers(
                ("ETag" = String, description = "The task's version, for If-Match"),
                ("Location" = String, description = "The task's path"),
            )),
        (status = 400, response = docs::BadRequest),
        (status = 401, response = docs::Unauthorized),
        (status = 403, response = docs::Forbidden),
        (status = 409, response = docs::Conflict),
        (status = 415, response = docs::UnsupportedMediaType),
        (status = 422, response = docs::UnprocessableEntity),
        (status = 507, response = docs::InsufficientStorage),
    ),
    security(("basic" = []), ("bearer" = [])),
)]
async fn create_task(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<Value>,
) -> Result<Response, ApiError> {
    require(&caller, Role::Officer, "assigning tasks")?;
    let change = {
        let state = state.clone();
        let caller = caller.clone();
        super::compute(move || write_task(&state, &caller, body, None, None)).await??
    };
    let view = view_of(&state, &change.id, date::today()).await?;
    Ok(task_response(StatusCode::CREATED, &view))
}

/// Update a task (officer)
///
/// The whole task, as for a new one; `If-Match` must name the version read.
#[utoipa::path(
    put,
    path = "/api/tasks/{id}",
    tag = TAG_CAMPAIGN,
    operation_id = "replaceTask",
    params(
        ("id" = String, Path, description = "The task id"),
        ("If-Match" = String, Header, pattern = r#"^(\*|(W/)?"[0-9A-Za-z-]*"(, ?(W/)?"[0-9A-Za-z-]*")*)$"#,
            description = "The ETag of the task as read (or `*`): 412 when it has changed since, 428 when missing"),
    ),
    request_body(content = Task, content_type = "application/json"),
    responses(
        (status = 200, description = "The task as stored, evaluated today", body = TaskView,
            headers(
                ("ETag" = String, description = "The task's new version"),
                ("Location" = String, description = "The task's path"),
            )),
        docs::EditRefusals,
        (status = 401, response = docs::Unauthorized),
        (status = 415, response = docs::UnsupportedMediaType),
        (status = 428, response = docs::PreconditionRequired),
    ),
    security(("basic" = []), ("bearer" = [])),
)]
async fn replace_task(
    State(state): State<AppState>,
    Path(id): Path<String>,
    caller: Caller,
    headers: HeaderMap,
    ApiJson(body): ApiJson<Value>,
) -> Result<Response, ApiError> {
    require(&caller, Role::Officer, "changing tasks")?;
    let expect = required_if_match(&headers)?;
    if state.register().snapshot().get(tasks::TABLE, &id).is_none() {
        return Err(RegisterError::NotFound {
            table: tasks::TABLE.into(),
            id,
        }
        .into());
    }
    let change = {
        let state = state.clone();
        let caller = caller.clone();
        super::compute(move || write_task(&state, &caller, body, Some(id), Some(expect))).await??
    };
    let view = view_of(&state, &change.id, date::today()).await?;
    Ok(task_response(StatusCode::OK, &view))
}

/// The fields whose values differ between two records.
fn field_changes(before: Option<&Value>, after: Option<&Value>) -> Vec<FieldChange> {
    let empty = serde_json::Map::new();
    let b = before.and_then(Value::as_object).unwrap_or(&empty);
    let a = after.and_then(Value::as_object).unwrap_or(&empty);
    let keys: Vec<&String> = b.keys().chain(a.keys()).collect();
    let mut seen = std::collections::HashSet::new();
    keys.into_iter()
        .filter(|k| seen.insert(*k))
        .filter_map(|k| {
            let from = b.get(k).cloned().unwrap_or(Value::Null);
            let to = a.get(k).cloned().unwrap_or(Value::Null);
            (from != to).then(|| FieldChange {
                field: k.clone(),
                from,
                to,
            })
        })
        .collect()
}

/// Who changed a task, when, from what to what (viewer)
#[utoipa::path(
    get,
    path = "/api/tasks/{id}/history",
    tag = TAG_CAMPAIGN,
    operation_id = "getTaskHistory",
    params(("id" = String, Path, description = "The task id")),
    responses(
        (status = 200, description = "The task's changes, oldest first", body = TaskHistory),
        (status = 401, response = docs::Unauthorized),
        (status = 404, response = docs::NotFound),
    ),
    security(("basic" = []), ("bearer" = [])),
)]
async fn task_history(
    State(state): State<AppState>,
    Path(id): Path<String>,
    caller: Caller,
) -> Result<Response, ApiError> {
    require(&caller, Role::Viewer, "the history of tasks")?;
    let changes = state.register().history(tasks::TABLE, Some(&id));
    if changes.is_empty() && state.register().snapshot().get(tasks::TABLE, &id).is_none() {
        return Err(ApiError::NotFound(format!("no task `{id}`")));
    }
    let changes = changes
        .iter()
        .map(|c| TaskChange {
            seq: c.seq,
            at: c.at.clone(),
            user: c.user.clone(),
            op: serde_json::to_value(c.op)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
            changes: field_changes(c.before.as_ref(), c.after.as_ref()),
            before: c.before.clone(),
            after: c.after.clone(),
        })
        .collect();
    Ok(json_with_type(&TaskHistory { id, changes }, JSON))
}
