//! Parcel labels as cadastral drawings carry them, and the map sheet a file is.
//!
//! A parcel's label is one text or several text elements inside its outline: the parcel
//! number, the land-use code and the legal area, on separate lines or elements (`123`,
//! `ONT`, `245,6`) or in one text (`123/ONT/245.6`), with a decimal comma or point
//! (`1.245,6` and `1,245.6` are both 1 245.6 m²). drainplan's own drawings label a parcel
//! `sheet/number` (`20/1`): one text of exactly two whole numbers split by `/`.

use std::path::Path;

/// What a parcel's label says.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ParcelLabel {
    /// Map sheet (only from a `sheet/number` label).
    pub sheet: Option<i64>,
    /// Parcel number.
    pub number: Option<i64>,
    /// Land-use code (`ONT`, `CLN`, `ONT+CLN`).
    pub land_use: Option<String>,
    /// Legal area, m².
    pub area_m2: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Whole(i64),
    Decimal(f64),
    Code(String),
}

/// A number written with a decimal comma or point and perhaps thousands separators.
pub fn parse_decimal(s: &str) -> Option<f64> {
    let s = s.trim();
    if s.is_empty()
        || !s
            .chars()
            .all(|c| c.is_ascii_digit() || c == ',' || c == '.')
    {
        return None;
    }
    let last_sep = s.rfind([',', '.']);
    let normal = match last_sep {
        None => s.to_owned(),
        Some(i) => {
            let (int, frac) = s.split_at(i);
            let int: String = int.chars().filter(char::is_ascii_digit).collect();
            format!("{int}.{}", &frac[1..])
        }
    };
    normal.parse().ok()
}

fn token(t: &str) -> Option<Token> {
    let t = t.trim().trim_matches(|c: char| c == '(' || c == ')');
    if t.is_empty() {
        return None;
    }
    if t.chars().all(|c| c.is_ascii_digit()) {
        return t.parse().ok().map(Token::Whole);
    }
    if let Some(d) = parse_decimal(t) {
        return Some(Token::Decimal(d));
    }
    let first = t.chars().next()?;
    (first.is_alphabetic() && t.chars().all(|c| c.is_alphanumeric() || c == '+'))
        .then(|| Token::Code(t.to_uppercase()))
}

/// Reads a parcel's label from its texts, top to bottom.
pub fn parse_label(texts: &[String]) -> ParcelLabel {
    if let [only] = texts
        && let Some((a, b)) = only.trim().split_once('/')
        && let (Some(Token::Whole(sheet)), Some(Token::Whole(number))) = (token(a), token(b))
    {
        return ParcelLabel {
            sheet: Some(sheet),
            number: Some(number),
            ..Default::default()
        };
    }
    let tokens: Vec<Token> = texts
        .iter()
        .flat_map(|t| {
            t.split(['/', ';', '\n', '\r'])
                .flat_map(|p| p.split("\\P"))
                .flat_map(str::split_whitespace)
                .filter_map(token)
                .collect::<Vec<_>>()
        })
        .collect();
    let mut label = ParcelLabel::default();
    let code_at = tokens.iter().position(|t| matches!(t, Token::Code(_)));
    for (i, t) in tokens.iter().enumerate() {
        match t {
            Token::Code(c) if label.land_use.is_none() => label.land_use = Some(c.clone()),
            Token::Decimal(d) if label.area_m2.is_none() => label.area_m2 = Some(*d),
            Token::Whole(n) => {
                let after_code = code_at.is_some_and(|c| i > c);
                if label.number.is_none() && !after_code {
                    label.number = Some(*n);
                } else if label.area_m2.is_none() {
                    #[expect(
                        clippy::cast_precision_loss,
                        reason = "a legal area in m² is far below 2^53"
                    )]
                    let area = *n as f64;
                    label.area_m2 = Some(area);
                }
            }
            _ => {}
        }
    }
    label
}

/// The map sheet (tờ bản đồ) a file's name gives: `to_12.dgn`, `To12.dgn`, `TBD12.dgn`,
/// `tobando_12.dxf`, `sheet-12.shp`, `tờ 12.dgn`.
pub fn sheet_from_file_name(path: &Path) -> Option<i64> {
    let stem = path.file_stem()?.to_str()?.to_lowercase();
    for prefix in [
        "to_ban_do",
        "tobando",
        "to-ban-do",
        "tbd",
        "sheet",
        "tờ",
        "to",
    ] {
        if let Some(rest) = stem.strip_prefix(prefix) {
            let rest = rest.trim_start_matches(['_', '-', ' ', '.']);
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            let after = rest[digits.len()..].chars().next();
            if !digits.is_empty() && !after.is_some_and(|c| c.is_ascii_alphanumeric()) {
                return digits.parse().ok();
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(t: &[&str]) -> Vec<String> {
        t.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn labels_in_the_usual_layouts() {
        let want = ParcelLabel {
            sheet: None,
            number: Some(123),
            land_use: Some("ONT".into()),
            area_m2: Some(245.6),
        };
        assert_eq!(parse_label(&texts(&["123", "ONT", "245,6"])), want);
        assert_eq!(parse_label(&texts(&["123/ONT/245.6"])), want);
        assert_eq!(parse_label(&texts(&["123\nONT\n245,6"])), want);
        assert_eq!(
            parse_label(&texts(&["123", "ONT", "245"])).area_m2,
            Some(245.0)
        );
        assert_eq!(
            parse_label(&texts(&["7", "CLN", "1.245,6"])).area_m2,
            Some(1245.6)
        );
        let drainplan = parse_label(&texts(&["20/1"]));
        assert_eq!((drainplan.sheet, drainplan.number), (Some(20), Some(1)));
    }

    #[test]
    fn sheets_from_file_names() {
        for (name, sheet) in [
            ("to_12.dgn", Some(12)),
            ("TBD12.dgn", Some(12)),
            ("To 7.dxf", Some(7)),
            ("tobando_03.dgn", Some(3)),
            ("parcels_EPSG9208.dxf", None),
            ("topo.dgn", None),
            ("cadastre.shp", None),
        ] {
            assert_eq!(sheet_from_file_name(Path::new(name)), sheet, "{name}");
        }
    }
}
