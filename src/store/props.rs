//! A feature's properties kept as their compact JSON text, read as a map on demand.
//!
//! A `serde_json::Map` of a dozen properties costs about 1.5 KB (an `IndexMap` entry, a
//! heap key and often a heap value per property); a million parcels and half a million
//! households would hold two gigabytes of them. Stored as the compact JSON text of the
//! object they cost its length (about 230 bytes for a parcel), and they are written out
//! (items, `to_json`) straight from that text.
//!
//! Code that wants the map — `f.properties.get("name")`, `f.properties["name"]`,
//! iteration, `insert` — still gets it through `Deref`/`DerefMut`: the first such use
//! parses the text once and keeps the map beside it, so that only the features that are
//! read that way pay for a map. Hot paths (filters, serialisation) use [`get_value`] and
//! `Serialize`, which never build the cached map.
//!
//! [`get_value`]: FeatureProperties::get_value

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::OnceLock;

use serde::{Serialize, Serializer};
use serde_json::Value;
use serde_json::value::RawValue;

use crate::model::Properties;

/// A feature's properties: the compact JSON text of the object, and the parsed map once
/// something has asked for it.
pub struct FeatureProperties {
    /// Compact JSON text of the object; the truth unless `dirty`.
    raw: Box<RawValue>,
    /// The parsed map, built on first `Deref`.
    map: OnceLock<Box<Properties>>,
    /// The map was handed out mutably: it, not `raw`, holds the current properties.
    dirty: bool,
}

fn empty_raw() -> Box<RawValue> {
    RawValue::from_string("{}".to_owned()).expect("`{}` is JSON")
}

fn raw_of(map: &Properties) -> Box<RawValue> {
    serde_json::to_string(map)
        .ok()
        .and_then(|s| RawValue::from_string(s).ok())
        .unwrap_or_else(empty_raw)
}

impl FeatureProperties {
    /// Properties from a map (stored as its compact text; the map is dropped).
    pub fn from_map(map: &Properties) -> Self {
        FeatureProperties {
            raw: raw_of(map),
            map: OnceLock::new(),
            dirty: false,
        }
    }

    /// The compact JSON text of the properties object.
    pub fn json_text(&self) -> std::borrow::Cow<'_, str> {
        if self.dirty {
            std::borrow::Cow::Owned(raw_of(self.map()).get().to_owned())
        } else {
            std::borrow::Cow::Borrowed(self.raw.get())
        }
    }

    /// The properties parsed into a fresh map, without keeping it.
    pub fn to_map(&self) -> Properties {
        if let Some(m) = self.map.get() {
            return (**m).clone();
        }
        serde_json::from_str(self.raw.get()).unwrap_or_default()
    }

    /// The value of one property, without keeping a parsed map.
    pub fn get_value(&self, name: &str) -> Option<Value> {
        if let Some(m) = self.map.get() {
            return m.get(name).cloned();
        }
        let mut m: Properties = serde_json::from_str(self.raw.get()).ok()?;
        m.remove(name)
    }

    /// Whether the parsed map is being kept beside the text.
    #[cfg(test)]
    pub(crate) fn keeps_a_map(&self) -> bool {
        self.map.get().is_some()
    }

    fn map(&self) -> &Properties {
        self.map
            .get_or_init(|| Box::new(serde_json::from_str(self.raw.get()).unwrap_or_default()))
    }
}

impl Default for FeatureProperties {
    fn default() -> Self {
        FeatureProperties {
            raw: empty_raw(),
            map: OnceLock::new(),
            dirty: false,
        }
    }
}

impl From<Properties> for FeatureProperties {
    fn from(map: Properties) -> Self {
        FeatureProperties::from_map(&map)
    }
}

impl Clone for FeatureProperties {
    fn clone(&self) -> Self {
        FeatureProperties {
            raw: if self.dirty {
                raw_of(self.map())
            } else {
                self.raw.clone()
            },
            map: OnceLock::new(),
            dirty: false,
        }
    }
}

impl Deref for FeatureProperties {
    type Target = Properties;

    fn deref(&self) -> &Properties {
        self.map()
    }
}

impl DerefMut for FeatureProperties {
    fn deref_mut(&mut self) -> &mut Properties {
        self.map();
        self.dirty = true;
        self.map.get_mut().expect("initialised just above")
    }
}

impl<'a> IntoIterator for &'a FeatureProperties {
    type Item = (&'a String, &'a Value);
    type IntoIter = serde_json::map::Iter<'a>;

    fn into_iter(self) -> Self::IntoIter {
        self.map().iter()
    }
}

impl PartialEq for FeatureProperties {
    fn eq(&self, other: &Self) -> bool {
        self.json_text() == other.json_text()
    }
}

impl fmt::Debug for FeatureProperties {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.json_text())
    }
}

impl Serialize for FeatureProperties {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.map.get() {
            Some(m) if self.dirty => m.serialize(s),
            _ => self.raw.serialize(s),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn props() -> FeatureProperties {
        let Value::Object(m) = json!({"b": 1, "a": "x", "c": null}) else {
            unreachable!()
        };
        FeatureProperties::from(m)
    }

    #[test]
    fn keeps_order_and_serialises_the_same_text() {
        let p = props();
        assert_eq!(p.json_text(), r#"{"b":1,"a":"x","c":null}"#);
        assert_eq!(serde_json::to_string(&p).unwrap(), p.json_text());
        assert_eq!(
            serde_json::to_value(&p).unwrap(),
            json!({"b": 1, "a": "x", "c": null})
        );
        assert_eq!(p.get_value("a"), Some(json!("x")));
        assert_eq!(p["b"], json!(1));
        let keys: Vec<&String> = (&p).into_iter().map(|(k, _)| k).collect();
        assert_eq!(keys, ["b", "a", "c"]);
    }

    #[test]
    fn a_mutation_is_what_is_written_and_cloned() {
        let mut p = props();
        p.insert("d".into(), json!(true));
        assert_eq!(
            serde_json::to_string(&p).unwrap(),
            r#"{"b":1,"a":"x","c":null,"d":true}"#
        );
        let q = p.clone();
        assert_eq!(q.json_text(), p.json_text());
        assert_eq!(q.get_value("d"), Some(json!(true)));
    }
}
