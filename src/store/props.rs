//! A feature's properties kept as packed JSON text, read as a map on demand.
//!
//! A `serde_json::Map` of a dozen properties costs about 1.5 KB (an `IndexMap` entry, a
//! heap key and often a heap value per property); a million parcels and half a million
//! households would hold two gigabytes of them. Kept as the compact JSON text of the
//! object they cost its length, about 240 bytes for a parcel, and two thirds of that are
//! the key names every parcel repeats (`"clearance_status":`, `"owner_household":`, …).
//!
//! So the text is *packed*: each top-level `"key":` whose key is in the process-wide
//! [`KeyDictionary`] is replaced by a one- or two-byte code made of ASCII control bytes,
//! which compact JSON never holds (a string escapes them), so a packed text is read back
//! exactly. A parcel's properties then take about 90 bytes. The dictionary gives codes to
//! the first [`CODES`] distinct keys of up to [`MAX_KEY_LEN`] bytes it meets; any other
//! key, and every key inside a nested value, stays as JSON text.
//!
//! Code that wants the map — `f.properties.get("name")`, `f.properties["name"]`,
//! iteration, `insert` — still gets it through `Deref`/`DerefMut`: the first such use
//! parses the text once and keeps the map beside it, so that only the features that are
//! read that way pay for a map. Hot paths (filters, serialisation) use [`get_value`],
//! [`to_map`] and `Serialize`, which never build the cached map.
//!
//! [`get_value`]: FeatureProperties::get_value
//! [`to_map`]: FeatureProperties::to_map

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::{Mutex, OnceLock, PoisonError};

use serde::{Deserialize, Serialize, Serializer};
use serde_json::Value;
use serde_json::value::RawValue;

use crate::model::Properties;

/// Keys with a one-byte code (bytes 0x01–0x1E).
const ONE_BYTE: usize = 30;
/// The byte that starts a two-byte code; the second byte is 0x20–0x7E.
const TWO_BYTE: u8 = 0x1F;
/// How many keys get a code: thirty of one byte, ninety-five of two.
pub const CODES: usize = ONE_BYTE + 95;
/// Longer keys are never given a code.
pub const MAX_KEY_LEN: usize = 64;

/// Property keys given short codes in packed text, in the order they were first met.
///
/// Codes are handed out once and never change or go away, so any packed text made in
/// this process can be read back with the dictionary it was made with.
pub struct KeyDictionary {
    /// `"key":` as JSON text, by code.
    slots: Box<[OnceLock<Box<str>>]>,
    /// The code of each key that has one.
    codes: Mutex<HashMap<Box<str>, u8>>,
}

impl KeyDictionary {
    /// An empty dictionary that gives codes to the first `capacity` keys (at most
    /// [`CODES`]).
    pub fn new(capacity: usize) -> Self {
        KeyDictionary {
            slots: (0..capacity.min(CODES)).map(|_| OnceLock::new()).collect(),
            codes: Mutex::new(HashMap::new()),
        }
    }

    /// The process-wide dictionary all stored properties are packed with.
    pub fn global() -> &'static KeyDictionary {
        static GLOBAL: OnceLock<KeyDictionary> = OnceLock::new();
        GLOBAL.get_or_init(|| KeyDictionary::new(CODES))
    }

    /// The code of `key`, giving it the next free one if it has none; `None` for a key
    /// too long, or once every code is taken.
    fn code_or_assign(&self, key: &str) -> Option<u8> {
        if key.len() > MAX_KEY_LEN {
            return None;
        }
        let mut codes = self.codes.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(&c) = codes.get(key) {
            return Some(c);
        }
        let c = codes.len();
        let slot = self.slots.get(c)?;
        let text = format!("{}:", serde_json::to_string(key).ok()?);
        slot.set(text.into_boxed_str()).ok()?;
        let c = u8::try_from(c).ok()?;
        codes.insert(key.into(), c);
        Some(c)
    }

    /// The code of `key`, if it has one.
    fn code(&self, key: &str) -> Option<u8> {
        if key.len() > MAX_KEY_LEN {
            return None;
        }
        let codes = self.codes.lock().unwrap_or_else(PoisonError::into_inner);
        codes.get(key).copied()
    }

    /// `"key":` for a code.
    fn key_text(&self, code: usize) -> &str {
        // Every code in a packed text was set before the text was made.
        self.slots
            .get(code)
            .and_then(OnceLock::get)
            .map_or("\"\":", |s| s)
    }

    /// The packed text of a properties object.
    pub fn pack(&self, map: &Properties) -> Box<str> {
        self.pack_with(map, &mut |k| self.code_or_assign(k))
    }

    fn pack_with(&self, map: &Properties, code_of: &mut dyn FnMut(&str) -> Option<u8>) -> Box<str> {
        let mut out = Vec::with_capacity(96);
        out.push(b'{');
        for (i, (k, v)) in map.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            match code_of(k).map(usize::from) {
                Some(c) if c < ONE_BYTE => out.push(c as u8 + 1),
                Some(c) => out.extend([TWO_BYTE, (c - ONE_BYTE) as u8 + 0x20]),
                None => {
                    // Writing to a Vec cannot fail, nor can a string or a Value be refused.
                    let _ = serde_json::to_writer(&mut out, k);
                    out.push(b':');
                }
            }
            let _ = serde_json::to_writer(&mut out, v);
        }
        out.push(b'}');
        // Only ASCII bytes were added to JSON text, which is UTF-8.
        String::from_utf8(out)
            .unwrap_or_else(|_| "{}".to_owned())
            .into_boxed_str()
    }

    /// The code at `bytes[i]` and its length in bytes.
    fn code_at(bytes: &[u8], i: usize) -> (usize, usize) {
        match bytes[i] {
            TWO_BYTE => (
                ONE_BYTE + usize::from(bytes.get(i + 1).map_or(0, |b| b.saturating_sub(0x20))),
                2,
            ),
            b => (usize::from(b) - 1, 1),
        }
    }

    /// The compact JSON text of a packed text.
    pub fn unpack(&self, packed: &str) -> String {
        let bytes = packed.as_bytes();
        let mut out = String::with_capacity(packed.len() * 3);
        let (mut start, mut i) = (0, 0);
        while i < bytes.len() {
            if bytes[i] < 0x20 {
                out.push_str(&packed[start..i]);
                let (code, len) = Self::code_at(bytes, i);
                out.push_str(self.key_text(code));
                i += len;
                start = i;
            } else {
                i += 1;
            }
        }
        out.push_str(&packed[start..]);
        out
    }

    /// The value of top-level key `code` in a packed text, read without unpacking it.
    fn value_of(packed: &str, code: u8) -> Option<Value> {
        let bytes = packed.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] < 0x20 {
                let (c, len) = Self::code_at(bytes, i);
                if c == usize::from(code) {
                    let mut de = serde_json::Deserializer::from_str(&packed[i + len..]);
                    return Value::deserialize(&mut de).ok();
                }
                i += len;
            } else {
                i += 1;
            }
        }
        None
    }
}

thread_local! {
    /// This thread's copy of the global dictionary's codes, so that packing a million
    /// features on every core does not take the dictionary's lock for each key.
    static CODES_SEEN: RefCell<HashMap<Box<str>, u8>> = RefCell::new(HashMap::new());
}

/// The global dictionary's code for `key`, assigning one if `assign`.
fn global_code(key: &str, assign: bool) -> Option<u8> {
    if let Some(c) = CODES_SEEN.with(|seen| seen.borrow().get(key).copied()) {
        return Some(c);
    }
    let dict = KeyDictionary::global();
    let c = if assign {
        dict.code_or_assign(key)
    } else {
        dict.code(key)
    }?;
    CODES_SEEN.with(|seen| seen.borrow_mut().insert(key.into(), c));
    Some(c)
}

/// A feature's properties: the packed text of the object, and the parsed map once
/// something has asked for it: 32 bytes beside the text.
pub struct FeatureProperties {
    /// Packed text of the object (see the module doc); the truth unless empty, which
    /// means the map was handed out mutably and holds the current properties.
    packed: Box<str>,
    /// The parsed map, built on first `Deref`.
    map: OnceLock<Box<Properties>>,
}

fn pack(map: &Properties) -> Box<str> {
    KeyDictionary::global().pack_with(map, &mut |k| global_code(k, true))
}

impl FeatureProperties {
    /// Properties from a map (stored packed; the map is dropped).
    pub fn from_map(map: &Properties) -> Self {
        FeatureProperties {
            packed: pack(map),
            map: OnceLock::new(),
        }
    }

    /// Whether the map holds the truth.
    fn dirty(&self) -> bool {
        self.packed.is_empty()
    }

    /// The compact JSON text of the properties object.
    pub fn json_text(&self) -> Cow<'_, str> {
        if self.dirty() {
            Cow::Owned(serde_json::to_string(self.map()).unwrap_or_else(|_| "{}".into()))
        } else {
            Cow::Owned(KeyDictionary::global().unpack(&self.packed))
        }
    }

    /// The properties parsed into a fresh map, without keeping it.
    pub fn to_map(&self) -> Properties {
        if let Some(m) = self.map.get() {
            return (**m).clone();
        }
        serde_json::from_str(&self.json_text()).unwrap_or_default()
    }

    /// The value of one property, without keeping a parsed map.
    pub fn get_value(&self, name: &str) -> Option<Value> {
        if let Some(m) = self.map.get() {
            return m.get(name).cloned();
        }
        match global_code(name, false) {
            // A key with a code is packed as that code in every text.
            Some(code) => KeyDictionary::value_of(&self.packed, code),
            None => self.to_map().remove(name),
        }
    }

    /// Whether the parsed map is being kept beside the text.
    #[cfg(test)]
    pub(crate) fn keeps_a_map(&self) -> bool {
        self.map.get().is_some()
    }

    fn map(&self) -> &Properties {
        self.map.get_or_init(|| {
            Box::new(
                serde_json::from_str(&KeyDictionary::global().unpack(&self.packed))
                    .unwrap_or_default(),
            )
        })
    }
}

impl Default for FeatureProperties {
    fn default() -> Self {
        FeatureProperties {
            packed: "{}".into(),
            map: OnceLock::new(),
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
            packed: if self.dirty() {
                pack(self.map())
            } else {
                self.packed.clone()
            },
            map: OnceLock::new(),
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
        self.packed = Box::default();
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
            Some(m) if self.dirty() => m.serialize(s),
            _ => RawValue::from_string(KeyDictionary::global().unpack(&self.packed))
                .map_err(serde::ser::Error::custom)?
                .serialize(s),
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

    fn map(v: Value) -> Properties {
        let Value::Object(m) = v else { unreachable!() };
        m
    }

    #[test]
    fn packed_text_reads_back_exactly_and_is_shorter() {
        let d = KeyDictionary::new(CODES);
        let m = map(json!({
            "clearance_status": "donated",
            "owner_household": "hh-00213",
            "note": "tab\there, \u{1} and \"quotes\": {\"not\":1}",
            "nested": {"clearance_status": [1, 2.5, null, {"a\u{2}": "b"}]},
            "tên": "Đại Đồng",
            "": 0,
        }));
        let text = serde_json::to_string(&m).unwrap();
        let packed = d.pack(&m);
        // Six keys at the top level, each one byte; the nested keys stay as they are.
        assert_eq!(packed.bytes().filter(|&b| b < 0x20).count(), 6);
        assert!(packed.contains(r#"{"clearance_status":[1,2.5"#));
        assert_eq!(d.unpack(&packed), text);
        assert!(packed.len() < text.len());
        // The same key has the same code in every text.
        let again = d.pack(&map(
            json!({"owner_household": null, "clearance_status": 1}),
        ));
        assert_eq!(
            d.unpack(&again),
            r#"{"owner_household":null,"clearance_status":1}"#
        );
        assert_eq!(
            again.as_bytes()[1],
            packed.as_bytes()[packed.find(',').unwrap() + 1]
        );
    }

    #[test]
    fn a_full_dictionary_and_long_keys_leave_keys_as_text() {
        let d = KeyDictionary::new(2);
        let long = "k".repeat(MAX_KEY_LEN + 1);
        let m = map(json!({"a": 1, long.clone(): 2, "b": 3, "c": 4, "d": {"a": 5}}));
        let packed = d.pack(&m);
        assert_eq!(packed.bytes().filter(|&b| b < 0x20).count(), 2);
        assert!(packed.contains(&format!(r#""{long}":2"#)));
        assert!(packed.contains(r#""c":4,"d":{"a":5}"#));
        assert_eq!(d.unpack(&packed), serde_json::to_string(&m).unwrap());
    }

    #[test]
    fn two_byte_codes_read_back() {
        let d = KeyDictionary::new(CODES);
        let m: Properties = (0..CODES + 5)
            .map(|i| (format!("key{i}"), json!(i)))
            .collect();
        let packed = d.pack(&m);
        assert_eq!(d.unpack(&packed), serde_json::to_string(&m).unwrap());
        // 30 one-byte codes, 95 two-byte ones, 5 keys left as text.
        assert_eq!(packed.bytes().filter(|&b| b < 0x20).count(), CODES);
        assert!(packed.ends_with(&format!(r#","key{}":{}}}"#, CODES + 4, CODES + 4)));
        let code = d.code("key100").unwrap();
        assert_eq!(KeyDictionary::value_of(&packed, code), Some(json!(100)));
        assert_eq!(d.code(&format!("key{CODES}")), None);
    }

    #[test]
    fn one_value_is_read_without_a_map() {
        let p = FeatureProperties::from(map(json!({
            "map_sheet": 20, "land_use": "ONT", "owner": {"name": "Lê Công Kiên"},
            "area_legal_m2": 1318.3,
        })));
        assert_eq!(p.get_value("land_use"), Some(json!("ONT")));
        assert_eq!(p.get_value("area_legal_m2"), Some(json!(1318.3)));
        assert_eq!(p.get_value("owner"), Some(json!({"name": "Lê Công Kiên"})));
        assert_eq!(p.get_value("name"), None);
        assert_eq!(p.get_value("absent-key-never-seen"), None);
        assert!(!p.keeps_a_map());
    }
}
