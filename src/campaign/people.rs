//! The people of the campaign (table `people`): board members, village heads, mass
//! organisations and officers, whom tasks name as responsible or supporting.
//!
//! Names and phones are personal data: only signed-in viewers and officers read them.

use serde::{Deserialize, Serialize};

use super::register::{self, Snapshot, Versioned};
use crate::model::schema::{Invalid, Rule};
use crate::store::Dataset;

/// The register table of people.
pub const TABLE: &str = "people";

/// What a person is in the campaign.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PersonRole {
    /// A member of the steering board (ban chỉ đạo), its chair included.
    BoardMember,
    /// A village head (trưởng thôn).
    VillageHead,
    /// Someone answering for a mass organisation (Women's Union, Farmers' Association,
    /// Youth Union, Veterans' Association).
    MassOrganisation,
    /// A commune officer (land, construction).
    Officer,
}

/// A person tasks can name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Person {
    /// `p-…`, ASCII.
    pub id: String,
    /// Full name with diacritics (personal).
    pub name: String,
    /// What the person is in the campaign.
    pub role: PersonRole,
    /// The organisation the person answers for, e.g. "Hội Liên hiệp Phụ nữ xã".
    #[serde(default)]
    pub organisation: Option<String>,
    /// The village the person belongs to or heads, if any.
    #[serde(default)]
    pub village_id: Option<String>,
    /// Phone number (personal).
    #[serde(default)]
    pub phone: Option<String>,
}

/// The people of the register, in creation order.
pub fn all(reg: &Snapshot) -> Result<Vec<Versioned<Person>>, register::RegisterError> {
    reg.typed::<Person>(TABLE)
}

/// Checks a person against the rules of the table and the data set's villages.
pub fn validate(p: &Person, data: &Dataset) -> Result<(), Invalid> {
    if !p.id.starts_with("p-") || !register::is_record_id(&p.id) {
        return Err(Invalid::new(
            "id",
            Rule::Type,
            format!(
                "`{}` is not a person id: `p-` then ASCII letters, digits, `-`",
                p.id
            ),
        ));
    }
    if p.name.trim().is_empty() || p.name.chars().count() > 120 {
        return Err(Invalid::new(
            "name",
            Rule::Range,
            "a name is 1 to 120 characters",
        ));
    }
    if let Some(v) = &p.village_id
        && data.villages.get(v).is_none()
    {
        return Err(Invalid::new(
            "village_id",
            Rule::Reference,
            format!("there is no village `{v}`"),
        ));
    }
    if let Some(phone) = &p.phone
        && (phone.is_empty()
            || phone.len() > 20
            || !phone
                .bytes()
                .all(|b| b.is_ascii_digit() || matches!(b, b' ' | b'+' | b'.' | b'-')))
    {
        return Err(Invalid::new(
            "phone",
            Rule::Type,
            format!("`{phone}` is not a phone number (digits, spaces, + . -; at most 20)"),
        ));
    }
    Ok(())
}
