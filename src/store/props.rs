//! A feature's properties kept as packed JSON text, read as a map on demand.
//!
//! A `serde_json::Map` of a dozen properties costs about 1.5 KB (an `IndexMap` entry, a
//! heap key and often a heap value per property); a million parcels and half a million
//! households would hold two gigabytes of them. Kept as the compact JSON text of the
//! object they cost its length, about 240 bytes for a parcel, and two thirds of that are
//! the key names every parcel repeats (`"clearance_status":`, `"owner_household":`, …).
//!
//! So the text is *packed*: the object's braces and commas are dropped and each
//! top-level `"key":` whose key is in the process-wide [`KeyDictionary`] is replaced by a
//! one- or two-byte code made of ASCII control bytes, which compact JSON never holds (a
//! string escapes them); any other key is kept as its JSON string behind a marker byte.
//! A value runs to the next control byte, so a packed text is read back exactly. A
//! parcel's properties then take about 85 bytes. The dictionary gives codes to the first
//! [`CODES`] distinct keys of up to [`MAX_KEY_LEN`] bytes it meets; keys inside a nested
//! value stay as they are, in the value's JSON text.
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

use serde::{Serialize, Serializer};
use serde_json::Value;
use serde_json::value::RawValue;

use crate::model::Properties;

/// Keys with a one-byte code (bytes 0x01–0x1D).
const ONE_BYTE: usize = 29;
/// The byte before a key without a code, which follows as a JSON string.
const LITERAL: u8 = 0x1E;
/// The byte that starts a two-byte code; the second byte is 0x20–0x7E.
const TWO_BYTE: u8 = 0x1F;
/// How many keys get a code: twenty-nine of one byte, ninety-five of two.
pub const CODES: usize = ONE_BYTE + 95;
/// Longer keys are never given a code.
pub const MAX_KEY_LEN: usize = 64;

/// A key with a code: its name, and `"name":` as JSON text.
type Slot = (Box<str>, Box<str>);

/// Property keys given short codes in packed text, in the order they were first met.
///
/// Codes are handed out once and never change or go away, so any packed text made in
/// this process can be read back with the dictionary it was made with.
pub struct KeyDictionary {
    /// The key, and `"key":` as JSON text, by code.
    slots: Box<[OnceLock<Slot>]>,
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
        slot.set((key.into(), text.into_boxed_str())).ok()?;
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
            .map_or("\"\":", |(_, text)| text)
    }

    /// The key of a code.
    fn key_name(&self, code: usize) -> &str {
        self.slots
            .get(code)
            .and_then(OnceLock::get)
            .map_or("", |(name, _)| name)
    }

    /// The packed text of a properties object.
    pub fn pack(&self, map: &Properties) -> Box<str> {
        self.pack_with(map, &mut |k| self.code_or_assign(k))
    }

    fn pack_with(&self, map: &Properties, code_of: &mut dyn FnMut(&str) -> Option<u8>) -> Box<str> {
        let mut out = Vec::with_capacity(96);
        for (k, v) in map {
            match code_of(k).map(usize::from) {
                Some(c) if c < ONE_BYTE => out.push(c as u8 + 1),
                Some(c) => out.extend([TWO_BYTE, (c - ONE_BYTE) as u8 + 0x20]),
                None => {
                    out.push(LITERAL);
                    // Writing to a Vec cannot fail, nor can a string or a Value be refused.
                    let _ = serde_json::to_writer(&mut out, k);
                }
            }
            let _ = serde_json::to_writer(&mut out, v);
        }
        // Only ASCII bytes were added to JSON text, which is UTF-8.
        String::from_utf8(out).unwrap_or_default().into_boxed_str()
    }

    /// The compact JSON text of a packed text.
    pub fn unpack(&self, packed: &str) -> String {
        self.unpack_where(packed, |_| true)
    }

    /// The compact JSON text of a packed text, with only the top-level keys `keep` takes.
    pub fn unpack_where(&self, packed: &str, keep: impl Fn(&str) -> bool) -> String {
        let mut out = String::with_capacity(packed.len() * 3);
        out.push('{');
        for (key, value) in entries(packed) {
            let kept = match key {
                Key::Code(c) => keep(self.key_name(c)),
                Key::Text(k) => serde_json::from_str::<Cow<str>>(k).is_ok_and(|k| keep(&k)),
            };
            if !kept {
                continue;
            }
            if out.len() > 1 {
                out.push(',');
            }
            match key {
                Key::Code(c) => out.push_str(self.key_text(c)),
                Key::Text(k) => {
                    out.push_str(k);
                    out.push(':');
                }
            }
            out.push_str(value);
        }
        out.push('}');
        out
    }

    /// The value of top-level key `code` in a packed text, read without unpacking it.
    fn value_of(packed: &str, code: u8) -> Option<Value> {
        entries(packed)
            .find(|(k, _)| *k == Key::Code(usize::from(code)))
            .and_then(|(_, value)| serde_json::from_str(value).ok())
    }
}

/// A key in a packed text: a code, or its JSON string.
#[derive(Debug, PartialEq)]
enum Key<'a> {
    Code(usize),
    Text(&'a str),
}

/// The entries of a packed text: each key and its value's JSON text.
fn entries(packed: &str) -> impl Iterator<Item = (Key<'_>, &str)> {
    let bytes = packed.as_bytes();
    let mut i = 0;
    std::iter::from_fn(move || {
        if i >= bytes.len() {
            return None;
        }
        let key = match bytes[i] {
            TWO_BYTE => {
                let c = bytes.get(i + 1).map_or(0, |b| b.saturating_sub(0x20));
                i += 2;
                Key::Code(ONE_BYTE + usize::from(c))
            }
            LITERAL => {
                // A JSON string: up to the first quote not escaped.
                let start = i + 1;
                let mut j = start + 1;
                while j < bytes.len() && bytes[j] != b'"' {
                    j += if bytes[j] == b'\\' { 2 } else { 1 };
                }
                i = (j + 1).min(bytes.len());
                Key::Text(&packed[start..i])
            }
            b => {
                i += 1;
                Key::Code(usize::from(b.saturating_sub(1)))
            }
        };
        let start = i;
        while i < bytes.len() && bytes[i] >= 0x20 {
            i += 1;
        }
        Some((key, &packed[start..i]))
    })
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
    /// Packed text of the object (see the module doc); the truth unless `None`, which
    /// means the map was handed out mutably and holds the current properties.
    packed: Option<Box<str>>,
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
            packed: Some(pack(map)),
            map: OnceLock::new(),
        }
    }

    /// The compact JSON text of the properties object.
    pub fn json_text(&self) -> String {
        match &self.packed {
            Some(packed) => KeyDictionary::global().unpack(packed),
            None => serde_json::to_string(self.map()).unwrap_or_else(|_| "{}".into()),
        }
    }

    /// The compact JSON text of the properties object with only the properties whose
    /// name `keep` takes, without parsing the values.
    pub fn json_text_where(&self, keep: impl Fn(&str) -> bool) -> String {
        match &self.packed {
            Some(packed) => KeyDictionary::global().unpack_where(packed, keep),
            None => {
                let kept: Properties = self
                    .map()
                    .iter()
                    .filter(|(k, _)| keep(k))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                serde_json::to_string(&kept).unwrap_or_else(|_| "{}".into())
            }
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
        match (&self.packed, global_code(name, false)) {
            // A key with a code is packed as that code in every text.
            (Some(packed), Some(code)) => KeyDictionary::value_of(packed, code),
            _ => self.to_map().remove(name),
        }
    }

    /// Whether the parsed map is being kept beside the text.
    #[cfg(test)]
    pub(crate) fn keeps_a_map(&self) -> bool {
        self.map.get().is_some()
    }

    fn map(&self) -> &Properties {
        self.map
            .get_or_init(|| Box::new(serde_json::from_str(&self.json_text()).unwrap_or_default()))
    }
}

/// Reads a few named properties of many features as their JSON text, in one pass over
/// each packed text and without parsing a value: for loops over many features that
/// want few properties (vector tiles).
#[derive(Debug)]
pub struct RawProperties {
    /// The names, and each one's code (`None`: read through the map, as `get_value` does).
    names: Vec<(Box<str>, Option<u8>)>,
}

impl RawProperties {
    /// A reader of `names`.
    pub fn new(names: &[&str]) -> Self {
        RawProperties {
            names: names
                .iter()
                .map(|&n| (n.into(), global_code(n, false)))
                .collect(),
        }
    }

    /// The JSON text of each name's value in `p`, in the order of the names (`None` where
    /// it has none), into `out` (cleared first).
    pub fn read<'a>(&self, p: &'a FeatureProperties, out: &mut Vec<Option<Cow<'a, str>>>) {
        out.clear();
        out.resize(self.names.len(), None);
        let Some(packed) = p.packed.as_deref() else {
            for (slot, (name, _)) in out.iter_mut().zip(&self.names) {
                *slot = p
                    .get_value(name)
                    .and_then(|v| serde_json::to_string(&v).ok())
                    .map(Cow::Owned);
            }
            return;
        };
        // The names with a code that are still to be found: the rest of the text is not
        // read once they are.
        let mut left = self.names.iter().filter(|(_, code)| code.is_some()).count();
        for (key, value) in entries(packed) {
            if left == 0 {
                break;
            }
            if let Key::Code(c) = key
                && let Some(i) = self
                    .names
                    .iter()
                    .position(|(_, code)| code.map(usize::from) == Some(c))
            {
                out[i] = Some(Cow::Borrowed(value));
                left -= 1;
            }
        }
        for (slot, (name, code)) in out.iter_mut().zip(&self.names) {
            if code.is_none() {
                *slot = p
                    .get_value(name)
                    .and_then(|v| serde_json::to_string(&v).ok())
                    .map(Cow::Owned);
            }
        }
    }
}

impl Default for FeatureProperties {
    fn default() -> Self {
        FeatureProperties {
            packed: Some(Box::default()),
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
            packed: Some(match &self.packed {
                Some(packed) => packed.clone(),
                None => pack(self.map()),
            }),
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
        self.packed = None;
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
        match &self.packed {
            Some(packed) => RawValue::from_string(KeyDictionary::global().unpack(packed))
                .map_err(serde::ser::Error::custom)?
                .serialize(s),
            None => self.map().serialize(s),
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
        assert!(packed.starts_with("\u{1}\"donated\"\u{2}\"hh-00213\"\u{3}"));
        assert!(packed.contains(r#"{"clearance_status":[1,2.5"#));
        assert_eq!(d.unpack(&packed), text);
        assert!(packed.len() < text.len());
        // The same key has the same code in every text.
        let again = d.pack(&map(
            json!({"owner_household": null, "clearance_status": 1}),
        ));
        assert_eq!(&*again, "\u{2}null\u{1}1");
        assert_eq!(
            d.unpack(&again),
            r#"{"owner_household":null,"clearance_status":1}"#
        );
        assert_eq!(d.unpack(&d.pack(&Properties::new())), "{}");
        assert_eq!(
            d.unpack_where(&packed, |k| k != "clearance_status"
                && k != "nested"
                && !k.is_empty()),
            r#"{"owner_household":"hh-00213","note":"tab\there, \u0001 and \"quotes\": {\"not\":1}","tên":"Đại Đồng"}"#
        );
    }

    #[test]
    fn a_full_dictionary_and_long_keys_leave_keys_as_text() {
        let d = KeyDictionary::new(2);
        let long = "k".repeat(MAX_KEY_LEN + 1);
        let m = map(json!({"a": 1, long.clone(): 2, "b": 3, "c\"\\": 4, "d": {"a": 5}}));
        let packed = d.pack(&m);
        assert_eq!(
            &*packed,
            format!("\u{1}1\u{1e}\"{long}\"2\u{2}3\u{1e}\"c\\\"\\\\\"4\u{1e}\"d\"{{\"a\":5}}")
        );
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
        // 29 one-byte codes, 95 two-byte ones, then 5 keys left as text, each behind a
        // marker byte.
        assert_eq!(packed.bytes().filter(|&b| b < 0x20).count(), CODES + 5);
        assert!(packed.ends_with(&format!("\u{1e}\"key{}\"{}", CODES + 4, CODES + 4)));
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

    #[test]
    fn a_few_values_are_read_as_their_text() {
        let p = FeatureProperties::from(map(json!({
            "map_sheet": 20, "land_use": "ONT", "owner": {"name": "Lê Công Kiên"},
            "note": "a \"quoted\" word", "gate": false,
        })));
        let r = RawProperties::new(&["note", "absent-key-never-seen", "map_sheet", "owner"]);
        let mut out = Vec::new();
        r.read(&p, &mut out);
        let texts: Vec<Option<&str>> = out.iter().map(|v| v.as_deref()).collect();
        assert_eq!(
            texts,
            [
                Some(r#""a \"quoted\" word""#),
                None,
                Some("20"),
                Some(r#"{"name":"Lê Công Kiên"}"#)
            ]
        );
        assert!(!p.keeps_a_map());
        // Once the map was handed out to be changed, it is what is read.
        let mut q = p.clone();
        q.insert("map_sheet".into(), json!(21));
        r.read(&q, &mut out);
        assert_eq!(out[2].as_deref(), Some("21"));
    }
}
