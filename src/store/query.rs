//! Selecting features of a layer: by bounding box (through the R-tree, then an exact
//! intersection test) and by property equality.

use geo::{Intersects, Rect};
use serde_json::Value;

use super::{Feature, Layer};

/// Which features to take from a layer.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Only features whose geometry meets this WGS84 box.
    pub bbox: Option<Rect>,
    /// Only features whose property `name` equals `value` (every pair must hold).
    pub equals: Vec<(String, String)>,
}

impl Selection {
    /// Whether a feature's properties pass the equality filters.
    ///
    /// A value given as text matches a string property with the same text, a number
    /// property with the same numeric value, a boolean `true`/`false`, and `null` matches a
    /// missing or null property.
    pub fn matches_properties(&self, f: &Feature) -> bool {
        if self.equals.is_empty() {
            return true;
        }
        // Each value read on its own from the stored text: a filter over a whole layer
        // must not leave a cached map on every feature.
        self.equals
            .iter()
            .all(|(name, want)| property_equals(f.properties.get_value(name).as_ref(), want))
    }
}

/// Whether a stored property value equals a value given as text.
pub fn property_equals(value: Option<&Value>, want: &str) -> bool {
    match value {
        None | Some(Value::Null) => want == "null",
        Some(Value::String(s)) => s == want,
        Some(Value::Number(n)) => match (n.as_f64(), want.trim().parse::<f64>()) {
            (Some(a), Ok(b)) => a == b,
            _ => false,
        },
        Some(Value::Bool(b)) => want == if *b { "true" } else { "false" },
        Some(other) => serde_json::to_string(other).is_ok_and(|s| s == want),
    }
}

impl Layer {
    /// Positions of the features that `sel` selects, ascending. With a bbox, the R-tree
    /// narrows the candidates and each is tested exactly against the box.
    pub fn select(&self, sel: &Selection) -> Vec<usize> {
        let candidates: Vec<usize> = match sel.bbox {
            Some(b) => self
                .intersecting(b)
                .into_iter()
                .filter(|&i| self.features[i].geometry.intersects(&b))
                .collect(),
            None => (0..self.features.len()).collect(),
        };
        candidates
            .into_iter()
            .filter(|&i| sel.matches_properties(&self.features[i]))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn equality_compares_by_type() {
        assert!(property_equals(Some(&json!("planned")), "planned"));
        assert!(!property_equals(Some(&json!("planned")), "Planned"));
        assert!(property_equals(Some(&json!(12)), "12"));
        assert!(property_equals(Some(&json!(12.0)), "12"));
        assert!(!property_equals(Some(&json!(12)), "12a"));
        assert!(property_equals(Some(&json!(true)), "true"));
        assert!(property_equals(None, "null"));
        assert!(!property_equals(None, "x"));
    }
}

#[cfg(test)]
mod select_tests {
    use super::*;
    use crate::model::LayerKind;
    use geo::coord;

    #[test]
    fn bbox_tests_the_geometry_not_just_its_box() {
        // A diagonal canal from (0,0) to (1,1) has a box that meets [0.8,0..1,0.2] while the
        // line itself does not; a straight one along y = 0.1 does.
        let text = r#"{"type":"FeatureCollection","features":[
          {"type":"Feature","id":"diag","properties":{"status":"planned"},"geometry":{"type":"LineString","coordinates":[[0,0],[1,1]]}},
          {"type":"Feature","id":"flat","properties":{"status":"completed"},"geometry":{"type":"LineString","coordinates":[[0,0.1],[1,0.1]]}}]}"#;
        let features =
            crate::store::parse_layer(std::path::Path::new("t"), LayerKind::Canals, text).unwrap();
        let layer = Layer::new(features);
        let b = Rect::new(coord! { x: 0.8, y: 0.0 }, coord! { x: 1.0, y: 0.2 });
        let sel = Selection {
            bbox: Some(b),
            equals: vec![],
        };
        assert_eq!(layer.select(&sel), vec![1]);
        let sel = Selection {
            bbox: None,
            equals: vec![("status".into(), "planned".into())],
        };
        assert_eq!(layer.select(&sel), vec![0]);
    }
}
