//! Entity tags: what the `ETag` header says of a representation, and what `If-Match`
//! asks of a write. The store knows feature *versions*; this module owns their HTTP
//! syntax.
//!
//! An ETag identifies the representation the client received (RFC 9110 §8.8.3):
//! - a caller who sees the whole feature (viewer and above) gets its version, which is
//!   what `If-Match` on a write compares with;
//! - a caller who gets a redacted feature (the public) gets a digest of the bytes it was
//!   sent and nothing else, so that a change to a hidden field cannot change it, and
//!   nothing about a hidden field can be recovered from it by trying candidates offline.

use axum::http::{HeaderMap, HeaderValue, header};
use sha2::{Digest, Sha256};

use super::ApiError;
use crate::store::Feature;
use crate::store::live::Precondition;

/// The ETag of a whole feature: its version, strong.
pub fn of_feature(f: &Feature) -> HeaderValue {
    quoted(&f.version())
}

/// The ETag of a representation that may leave fields out: a digest of exactly the bytes
/// sent. Strong, because equal tags mean byte-for-byte equal bodies. Prefixed `r-` so
/// that it can never equal a feature version.
pub fn of_bytes(body: &[u8]) -> HeaderValue {
    let digest = Sha256::digest(body);
    quoted(&format!("r-{}", hex::encode(&digest[..16])))
}

fn quoted(tag: &str) -> HeaderValue {
    // Versions and digests are hex digits and `-`, always a valid header value.
    HeaderValue::from_str(&format!("\"{tag}\"")).unwrap_or(HeaderValue::from_static("\"\""))
}

/// The `If-Match` of a request, if it has one: `*`, or the list of entity tags it names
/// (RFC 9110 §13.1.1; a weak tag `W/"…"` never matches, as strong comparison requires).
pub fn if_match(headers: &HeaderMap) -> Result<Option<Precondition>, ApiError> {
    let mut tags = Vec::new();
    let mut any = false;
    let mut seen = false;
    for value in headers.get_all(header::IF_MATCH) {
        seen = true;
        let text = value
            .to_str()
            .map_err(|_| ApiError::BadRequest("If-Match is not text".into()))?;
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            if part == "*" {
                any = true;
            } else if let Some(tag) = part.strip_prefix("W/") {
                // Weak tags are never equal under strong comparison; keep the list
                // non-empty so that the write is refused as stale, not as unconditional.
                if !is_quoted(tag) {
                    return Err(bad_tag(part));
                }
                tags.push(String::new());
            } else if is_quoted(part) {
                tags.push(part[1..part.len() - 1].to_owned());
            } else {
                return Err(bad_tag(part));
            }
        }
    }
    Ok(match (seen, any) {
        (false, _) => None,
        (true, true) => Some(Precondition::Exists),
        (true, false) if tags.is_empty() => {
            return Err(ApiError::BadRequest("If-Match names no entity tag".into()));
        }
        (true, false) => Some(Precondition::OneOf(tags)),
    })
}

fn is_quoted(s: &str) -> bool {
    s.len() >= 2 && s.starts_with('"') && s.ends_with('"') && !s[1..s.len() - 1].contains('"')
}

fn bad_tag(part: &str) -> ApiError {
    ApiError::BadRequest(format!(
        "If-Match `{part}` is not an entity tag: send the ETag header you read, quotes included, e.g. If-Match: \"0123abcd…\""
    ))
}

/// The `If-Match` a write needs.
pub fn required_if_match(headers: &HeaderMap) -> Result<Precondition, ApiError> {
    if_match(headers)?.ok_or_else(|| {
        ApiError::PreconditionRequired(
            "send If-Match with the ETag of the feature you read, so that no one else's change is overwritten".into(),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(header::IF_MATCH, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn if_match_lists_and_star() {
        assert!(matches!(if_match(&HeaderMap::new()), Ok(None)));
        assert!(matches!(
            if_match(&headers(&["*"])),
            Ok(Some(Precondition::Exists))
        ));
        match if_match(&headers(&["\"a\", \"b\"", "\"c\""])) {
            Ok(Some(Precondition::OneOf(t))) => assert_eq!(t, ["a", "b", "c"]),
            other => panic!("{other:?}"),
        }
        // A weak tag is kept as a tag that matches nothing.
        match if_match(&headers(&["W/\"a\""])) {
            Ok(Some(Precondition::OneOf(t))) => assert_eq!(t, [""]),
            other => panic!("{other:?}"),
        }
        assert!(if_match(&headers(&["abc"])).is_err());
        assert!(if_match(&headers(&[""])).is_err());
    }

    #[test]
    fn representation_tags_never_look_like_versions() {
        let t = of_bytes(b"{}");
        let s = t.to_str().unwrap();
        assert!(s.starts_with("\"r-") && s.len() == 2 + 2 + 32, "{s}");
        // SHA-256("{}") = 44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a
        // (sha256sum of the two bytes).
        assert_eq!(s, "\"r-44136fa355b3678a1146ad16f7e8649e\"");
    }
}
