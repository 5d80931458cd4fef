//! Request values parsed at the door, each one way: a query string's text or a JSON
//! body's typed member, into the checked value the domain takes.

use serde_json::Value;

use super::ApiError;
use crate::analysis::route::{DEFAULT_CORRIDOR_WIDTH_M, check_width};
use crate::model::schema::{Invalid, Rule};

/// The corridor width of a query string (`?corridor_width_m=6`): a number written as
/// text; the default when absent. A mistake is a 400.
pub fn width_from_query(text: Option<&str>) -> Result<f64, ApiError> {
    let Some(text) = text else {
        return Ok(DEFAULT_CORRIDOR_WIDTH_M);
    };
    let w: f64 = text.trim().parse().map_err(|_| {
        ApiError::BadRequest(format!(
            "corridor_width_m must be a number of metres, found `{text}`"
        ))
    })?;
    Ok(check_width(w)?)
}

/// The corridor width of a JSON body: a JSON number (not a string holding one); the
/// default when absent or null. A mistake is a 422 naming the member and the rule.
pub fn width_from_body(v: Option<&Value>) -> Result<f64, ApiError> {
    match v {
        None | Some(Value::Null) => Ok(DEFAULT_CORRIDOR_WIDTH_M),
        Some(Value::Number(n)) => {
            let w = n.as_f64().unwrap_or(f64::NAN);
            check_width(w).map_err(|e| {
                ApiError::Invalid(Invalid::new("corridor_width_m", Rule::Range, e.to_string()))
            })
        }
        Some(other) => Err(ApiError::Invalid(Invalid::new(
            "corridor_width_m",
            Rule::Type,
            format!("must be a JSON number of metres, found {other}"),
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_width_is_a_number_in_a_body_and_text_in_a_query() {
        assert_eq!(width_from_body(Some(&json!(6))).ok(), Some(6.0));
        assert_eq!(width_from_body(None).ok(), Some(DEFAULT_CORRIDOR_WIDTH_M));
        match width_from_body(Some(&json!("6"))) {
            Err(ApiError::Invalid(i)) => {
                assert_eq!((i.field.as_str(), i.rule), ("corridor_width_m", Rule::Type));
            }
            other => panic!("{other:?}"),
        }
        match width_from_body(Some(&json!(-1))) {
            Err(ApiError::Invalid(i)) => assert_eq!(i.rule, Rule::Range),
            other => panic!("{other:?}"),
        }
        assert_eq!(width_from_query(Some("6")).ok(), Some(6.0));
        assert!(matches!(
            width_from_query(Some("wide")),
            Err(ApiError::BadRequest(_))
        ));
    }
}
