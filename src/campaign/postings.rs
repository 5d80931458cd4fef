//! Postings kept on record (`postings` table of the [`super::register`]): when and where a
//! canal's posting list ([`crate::analysis::posting`]) was posted and until when comments
//! are taken. The list's heading shows the latest one.

use serde::Deserialize;
use serde_json::Value;

use super::register::{Proposed, RecordError, Register, RegisterError, Snapshot};
use crate::analysis::posting::{Posting, PostingDateError, check_dates};
use crate::model::date::{entered_date, today};
use crate::model::schema::{Invalid, Rule};

/// The register table.
pub const TABLE: &str = "postings";

/// The longest a place's text may be, characters.
const MAX_TEXT: usize = 500;

/// What an officer sends to record a posting.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"posted_on": "2026-11-02", "comment_until": "2026-12-01", "places": ["Trụ sở UBND phường Quỳnh Mai", "Nhà văn hóa thôn Thành Công"], "posted_by": "p-officer-1", "note": null}))]
pub struct PostingInput {
    /// Day the list was posted, `YYYY-MM-DD` (not after today).
    pub posted_on: String,
    /// Last day of the comment period, `YYYY-MM-DD`, after `posted_on`.
    pub comment_until: String,
    /// Where it is posted: at least one place.
    pub places: Vec<String>,
    /// Who posted it.
    #[serde(default)]
    pub posted_by: Option<String>,
    /// A note.
    #[serde(default)]
    pub note: Option<String>,
}

fn invalid(field: &str, rule: Rule, message: impl Into<String>) -> Invalid {
    Invalid::new(field, rule, message.into())
}

/// Checks `input` for `canal_id`: the dates ([`check_dates`], `posted_on` not in the
/// future), at least one place, no empty or overlong text. Answers the warning of a short
/// comment period.
pub fn check(input: &PostingInput) -> Result<Option<String>, Invalid> {
    let warning = check_dates(&input.posted_on, &input.comment_until).map_err(|e| match &e {
        PostingDateError::Format { field, .. } => invalid(field, Rule::Date, e.to_string()),
        PostingDateError::Order { .. } => invalid("comment_until", Rule::Date, e.to_string()),
    })?;
    if let Err(e) = entered_date(&input.posted_on, today()) {
        return Err(invalid("posted_on", Rule::Date, e.to_string()));
    }
    if input.places.is_empty() {
        return Err(invalid(
            "places",
            Rule::Required,
            "places must name at least one place where the list is posted",
        ));
    }
    for p in &input.places {
        if p.trim().is_empty() || p.chars().count() > MAX_TEXT {
            return Err(invalid(
                "places",
                Rule::Range,
                format!("each place must be a text of 1 to {MAX_TEXT} characters"),
            ));
        }
    }
    for (field, v) in [("posted_by", &input.posted_by), ("note", &input.note)] {
        if v.as_deref().is_some_and(|s| s.chars().count() > 2000) {
            return Err(invalid(field, Rule::Range, format!("{field} is too long")));
        }
    }
    Ok(warning)
}

/// The postings of `canal_id`, oldest posting first.
pub fn of_canal(snapshot: &Snapshot, canal_id: &str) -> Result<Vec<Posting>, RegisterError> {
    let mut all: Vec<(String, u64, Posting)> = snapshot
        .typed::<Posting>(TABLE)?
        .into_iter()
        .filter(|v| v.record.canal_id == canal_id)
        .map(|v| (v.record.posted_on.clone(), v.version, v.record))
        .collect();
    all.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
    Ok(all.into_iter().map(|(_, _, p)| p).collect())
}

/// The latest posting of `canal_id` (by posting day, then the latest recorded).
pub fn latest(snapshot: &Snapshot, canal_id: &str) -> Result<Option<Posting>, RegisterError> {
    Ok(of_canal(snapshot, canal_id)?.pop())
}

/// Records a posting of `canal_id` (a canal the caller has checked exists) by `user`;
/// answers it and the warning of a short comment period.
pub fn record(
    register: &Register,
    user: &str,
    canal_id: &str,
    input: PostingInput,
) -> Result<(Posting, Option<String>), RecordError> {
    let warning = check(&input)?;
    let mut made = None;
    register.change(user, TABLE, |snap: &Snapshot| {
        // A fresh id under the writer's lock: one more than the postings ever numbered.
        let n = snap
            .records(TABLE)
            .iter()
            .filter_map(|r| r.id.strip_prefix("post-")?.parse::<u64>().ok())
            .max()
            .unwrap_or(0)
            + 1;
        let posting = Posting {
            id: format!("post-{n}"),
            canal_id: canal_id.to_owned(),
            posted_on: input.posted_on.clone(),
            comment_until: input.comment_until.clone(),
            places: input.places.iter().map(|p| p.trim().to_owned()).collect(),
            posted_by: input.posted_by.clone(),
            note: input.note.clone(),
        };
        let value: Value =
            serde_json::to_value(&posting).map_err(|e| RegisterError::BadRecord(e.to_string()))?;
        made = Some(posting);
        Ok::<_, RecordError>(Proposed::Create(value))
    })?;
    let posting = made.ok_or_else(|| RegisterError::BadRecord("no posting made".into()))?;
    Ok((posting, warning))
}
