//! Vietnamese text in the encodings cadastral and planning files were written in before
//! Unicode: TCVN3 (ABC, TCVN 5712:1993), VNI-Windows, VISCII (RFC 1456) and Windows-1258,
//! besides UTF-8; every decoded text is put in Unicode NFC.
//!
//! Which one a file uses is rarely written down (a shapefile's `.cpg` or DBF language
//! driver byte says "windows-1252" for a TCVN3 or VNI file, because those encodings are
//! fonts laid over the Latin code page), so [`detect`] decodes the file's texts in every
//! candidate and scores how Vietnamese the result reads: each word with non-ASCII letters
//! that is a well-formed Vietnamese syllable (initial consonant, one to three vowels, final
//! consonant, at most one tone mark, one case pattern) counts for, each malformed word and
//! each non-letter symbol (`§`, `¹`, a stray combining mark) against.
//!
//! Where the tables come from:
//! - TCVN3: TCVN 5712:1993 "VN1", whose 0xA1–0xFE range is the ABC font's (à = 0xB5,
//!   á = 0xB8, ă = 0xA8, đ = 0xAE, Đ = 0xA7, …) and which places the accented capitals
//!   at 0x80–0x9F and a few control positions; the table is glibc iconv's `TCVN5712-1`
//!   (equal to X.Org's `lcUniConv/tcvn.h`). Capitals typed in the separate upper-case
//!   font (`.VnTimeH`) are stored with the lower-case bytes: a word whose ASCII letters
//!   are all capitals is put in capitals whole ("TH\xB5NH" → "THÀNH").
//! - VISCII: RFC 1456, as glibc iconv's `VISCII` implements it.
//! - VNI-Windows: a base letter followed by one byte for its marks (the VNI font's layout,
//!   as in the open-source converters): lower-case marks 0xE0–0xFC, upper-case marks 32 below.
//! - Windows-1258 and Windows-1252: the WHATWG tables of `encoding_rs`; Windows-1258
//!   writes tone marks as combining characters, which NFC composes.

use unicode_normalization::UnicodeNormalization;

/// A text encoding drainplan reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum TextEncoding {
    /// UTF-8.
    Utf8,
    /// Windows-1258 (Vietnamese), tone marks as combining characters.
    Windows1258,
    /// TCVN3 / ABC (TCVN 5712:1993), with the capitals of VN1 and the upper-case font.
    Tcvn3,
    /// VNI-Windows: base letter + mark byte.
    Vni,
    /// VISCII (RFC 1456).
    Viscii,
    /// Windows-1252 (Western European), what an undeclared Latin file is.
    Windows1252,
}

/// `--encoding` named an encoding drainplan does not read.
#[derive(Debug, thiserror::Error)]
#[error("--encoding {0}: use one of {names}", names = TextEncoding::names())]
pub struct UnknownEncoding(pub String);

impl TextEncoding {
    /// Every encoding, in the order a tie in [`detect`] prefers them.
    pub const ALL: [TextEncoding; 6] = [
        TextEncoding::Utf8,
        TextEncoding::Windows1258,
        TextEncoding::Tcvn3,
        TextEncoding::Vni,
        TextEncoding::Viscii,
        TextEncoding::Windows1252,
    ];

    /// The name used in reports and accepted by `--encoding`.
    pub fn name(self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "UTF-8",
            TextEncoding::Windows1258 => "windows-1258",
            TextEncoding::Tcvn3 => "TCVN3",
            TextEncoding::Vni => "VNI-Windows",
            TextEncoding::Viscii => "VISCII",
            TextEncoding::Windows1252 => "windows-1252",
        }
    }

    /// The accepted names, for messages.
    pub fn names() -> String {
        TextEncoding::ALL.map(TextEncoding::name).join(", ")
    }

    /// Parses a name given by a user, a `.cpg` or a DXF `$DWGCODEPAGE` (`utf8`, `cp1258`,
    /// `ANSI_1258`, `tcvn3`, `abc`, `vni`, `viscii`, `latin1`, …), ignoring case.
    pub fn parse(s: &str) -> Result<TextEncoding, UnknownEncoding> {
        let t: String = s
            .trim()
            .to_ascii_lowercase()
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect();
        let found = match t.as_str() {
            "utf8" | "65001" | "unicode" => Some(TextEncoding::Utf8),
            "windows1258" | "cp1258" | "1258" | "ansi1258" => Some(TextEncoding::Windows1258),
            "tcvn3" | "tcvn" | "abc" | "tcvn5712" | "tcvn57121" | "vn3" | "vntime" => {
                Some(TextEncoding::Tcvn3)
            }
            "vni" | "vniwindows" | "vniwin" => Some(TextEncoding::Vni),
            "viscii" => Some(TextEncoding::Viscii),
            "windows1252" | "cp1252" | "1252" | "ansi1252" | "latin1" | "iso88591" | "ansi" => {
                Some(TextEncoding::Windows1252)
            }
            _ => None,
        };
        found.ok_or_else(|| UnknownEncoding(s.trim().to_owned()))
    }

    /// Whether the encoding can hold Vietnamese (so a declaration of it is believed).
    pub fn is_vietnamese(self) -> bool {
        !matches!(self, TextEncoding::Windows1252)
    }

    /// Decodes `bytes` to Unicode NFC. Bytes an encoding leaves undefined become U+FFFD.
    pub fn decode(self, bytes: &[u8]) -> String {
        let raw: String = match self {
            TextEncoding::Utf8 => String::from_utf8_lossy(bytes).into_owned(),
            TextEncoding::Windows1258 => encoding_rs::WINDOWS_1258.decode(bytes).0.into_owned(),
            TextEncoding::Windows1252 => encoding_rs::WINDOWS_1252.decode(bytes).0.into_owned(),
            TextEncoding::Tcvn3 => {
                upper_case_font_words(&bytes.iter().map(|&b| tcvn3(b)).collect::<String>())
            }
            TextEncoding::Viscii => bytes.iter().map(|&b| viscii(b)).collect(),
            TextEncoding::Vni => {
                let mut s = String::with_capacity(bytes.len());
                bytes.iter().for_each(|&b| vni(b, &mut s));
                s
            }
        };
        raw.nfc().collect()
    }
}

fn table_low(low: &[(u8, char)], b: u8) -> char {
    low.iter()
        .find(|(k, _)| *k == b)
        .map_or(char::from(b), |(_, c)| *c)
}

fn tcvn3(b: u8) -> char {
    if b >= 0x80 {
        TCVN3_HIGH[usize::from(b - 0x80)]
    } else {
        table_low(&TCVN3_LOW, b)
    }
}

fn viscii(b: u8) -> char {
    if b >= 0x80 {
        VISCII_HIGH[usize::from(b - 0x80)]
    } else {
        table_low(&VISCII_LOW, b)
    }
}

/// VNI-Windows: a mark byte becomes the combining marks it draws (NFC then composes them
/// with the base letter before it); the letters VNI has whole (ơ ư đ and the i's with
/// their tones, ỵ) become those letters; any other byte is its Windows-1252 character.
fn vni(b: u8, out: &mut String) {
    const ACUTE: char = '\u{301}';
    const GRAVE: char = '\u{300}';
    const HOOK: char = '\u{309}';
    const TILDE: char = '\u{303}';
    const DOT: char = '\u{323}';
    const CIRCUMFLEX: char = '\u{302}';
    const BREVE: char = '\u{306}';
    if b >= 0xC0 {
        // Upper-case mark bytes are the lower-case ones less 0x20.
        let lower = b | 0x20;
        let marks: &[char] = match lower {
            0xF9 => &[ACUTE],
            0xF8 => &[GRAVE],
            0xFB => &[HOOK],
            0xF5 => &[TILDE],
            0xEF => &[DOT],
            0xE2 => &[CIRCUMFLEX],
            0xE1 => &[CIRCUMFLEX, ACUTE],
            0xE0 => &[CIRCUMFLEX, GRAVE],
            0xE5 => &[CIRCUMFLEX, HOOK],
            0xE3 => &[CIRCUMFLEX, TILDE],
            0xE4 => &[CIRCUMFLEX, DOT],
            0xEA => &[BREVE],
            0xE9 => &[BREVE, ACUTE],
            0xE8 => &[BREVE, GRAVE],
            0xFA => &[BREVE, HOOK],
            0xFC => &[BREVE, TILDE],
            0xEB => &[BREVE, DOT],
            _ => &[],
        };
        if !marks.is_empty() {
            out.extend(marks);
            return;
        }
        let letter = match lower {
            0xF4 => Some(('ơ', 'Ơ')),
            0xF6 => Some(('ư', 'Ư')),
            0xF1 => Some(('đ', 'Đ')),
            0xED => Some(('í', 'Í')),
            0xEC => Some(('ì', 'Ì')),
            0xE6 => Some(('ỉ', 'Ỉ')),
            0xF3 => Some(('ĩ', 'Ĩ')),
            0xF2 => Some(('ị', 'Ị')),
            0xEE => Some(('ỵ', 'Ỵ')),
            _ => None,
        };
        if let Some((l, u)) = letter {
            out.push(if b < 0xE0 { u } else { l });
            return;
        }
    }
    out.push_str(
        &encoding_rs::WINDOWS_1252
            .decode_without_bom_handling(&[b])
            .0,
    );
}

/// Words typed in TCVN3's upper-case font carry lower-case bytes: a word whose ASCII
/// letters are all capitals (and that has at least one) is put in capitals whole.
fn upper_case_font_words(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        let ascii_upper = word.chars().any(|c| c.is_ascii_uppercase());
        let ascii_lower = word.chars().any(|c| c.is_ascii_lowercase());
        if ascii_upper && !ascii_lower && word.chars().any(|c| !c.is_ascii() && c.is_lowercase()) {
            out.push_str(&word.to_uppercase());
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for c in s.chars() {
        if c.is_alphabetic() || is_mark(c) {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// The five tone marks as combining characters.
const TONES: [char; 5] = ['\u{300}', '\u{301}', '\u{303}', '\u{309}', '\u{323}'];
/// The vowel modifiers: circumflex, breve, horn.
const MODIFIERS: [char; 3] = ['\u{302}', '\u{306}', '\u{31B}'];

fn is_mark(c: char) -> bool {
    ('\u{300}'..='\u{36F}').contains(&c)
}

/// Whether `c` is a letter of the Vietnamese alphabet (with any tone) or an ASCII letter.
fn is_vietnamese_letter(c: char) -> bool {
    if c.is_ascii_alphabetic() || matches!(c, 'đ' | 'Đ') {
        return true;
    }
    let mut parts = std::iter::once(c).nfd();
    let Some(base) = parts.next() else {
        return false;
    };
    base.is_ascii_alphabetic() && parts.all(|m| TONES.contains(&m) || MODIFIERS.contains(&m))
}

const INITIALS: [&str; 27] = [
    "ngh", "ch", "gh", "gi", "kh", "ng", "nh", "ph", "qu", "th", "tr", "b", "c", "d", "đ", "g",
    "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x",
];
const FINALS: [&str; 9] = ["ch", "ng", "nh", "c", "m", "n", "p", "t", ""];
const VOWELS: [char; 12] = ['a', 'ă', 'â', 'e', 'ê', 'i', 'o', 'ô', 'ơ', 'u', 'ư', 'y'];

/// Whether `word` (letters only) is a well-formed Vietnamese syllable in one case pattern
/// (lower, Capitalised or UPPER) with at most one tone mark.
fn is_syllable(word: &str) -> bool {
    let chars: Vec<char> = word.chars().collect();
    if chars.is_empty() {
        return false;
    }
    let rest_lower = chars[1..].iter().all(|c| !c.is_uppercase());
    let all_upper = chars.iter().all(|c| !c.is_lowercase());
    if !(rest_lower || all_upper) {
        return false;
    }
    let lower = word.to_lowercase();
    let decomposed: Vec<char> = lower.nfd().collect();
    if decomposed.iter().filter(|c| TONES.contains(c)).count() > 1 {
        return false;
    }
    let toneless: String = decomposed
        .into_iter()
        .filter(|c| !TONES.contains(c))
        .collect::<String>()
        .nfc()
        .collect();
    let initial = INITIALS
        .iter()
        .find(|i| toneless.starts_with(*i))
        .map_or("", |i| *i);
    // "gi" and "qu" before no other vowel are the vowel i / u themselves.
    let after = &toneless[initial.len()..];
    let after = if after.is_empty() && (initial == "gi") {
        "i"
    } else {
        after
    };
    let vowels = after.chars().take_while(|c| VOWELS.contains(c)).count();
    let tail: String = after.chars().skip(vowels).collect();
    (1..=3).contains(&vowels) && FINALS.contains(&tail.as_str())
}

/// How Vietnamese `s` reads: +2 per well-formed syllable with a non-ASCII letter, −3 per
/// malformed word with one, −4 per non-ASCII character that is no Vietnamese letter, −10
/// per undecodable byte (U+FFFD). ASCII words count for nothing: they read the same in
/// every candidate.
pub fn vietnamese_score(s: &str) -> i64 {
    let mut score = 0;
    for c in s.chars() {
        if c == '\u{FFFD}' {
            score -= 10;
        } else if !c.is_ascii() && !c.is_whitespace() && !is_vietnamese_letter(c) {
            score -= 4;
        }
    }
    for word in s.split(|c: char| !(c.is_alphabetic() || is_mark(c))) {
        if word.is_ascii() {
            continue;
        }
        score += if is_syllable(word) { 2 } else { -3 };
    }
    score
}

/// The encoding whose decoding of `texts` reads most like Vietnamese, with every
/// candidate's score (UTF-8 is a candidate only when every text is valid UTF-8).
pub fn detect(texts: &[&[u8]]) -> (TextEncoding, Vec<(TextEncoding, i64)>) {
    let all_utf8 = texts.iter().all(|t| std::str::from_utf8(t).is_ok());
    let scores: Vec<(TextEncoding, i64)> = TextEncoding::ALL
        .into_iter()
        .filter(|e| *e != TextEncoding::Utf8 || all_utf8)
        .map(|e| {
            let total = texts
                .iter()
                .filter(|t| !t.is_ascii())
                .map(|t| vietnamese_score(&e.decode(t)))
                .sum();
            (e, total)
        })
        .collect();
    let best = scores
        .iter()
        .fold(None::<(TextEncoding, i64)>, |best, &(e, s)| match best {
            Some((_, b)) if b >= s => best,
            _ => Some((e, s)),
        })
        .map_or(TextEncoding::Utf8, |(e, _)| e);
    (best, scores)
}

/// The encoding a DBF language driver byte (offset 29 of the header) names, where it
/// names one drainplan reads: the ANSI/Windows-1252 drivers (0x03, 0x57, 0x58, 0x59) and
/// Windows-1258 (0xA3). 0 means "not said".
pub fn from_ldid(ldid: u8) -> Option<TextEncoding> {
    match ldid {
        0x03 | 0x57 | 0x58 | 0x59 => Some(TextEncoding::Windows1252),
        _ => None,
    }
}

/// `bytes` for a person to read: ASCII as it is, other bytes as `\xNN`.
pub fn escaped(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        if b.is_ascii() && !b.is_ascii_control() {
            s.push(char::from(b));
        } else {
            s.push_str(&format!("\\x{b:02X}"));
        }
    }
    s
}

/// TCVN3: the bytes below 0x80 that are not ASCII.
const TCVN3_LOW: [(u8, char); 12] = [
    (0x01, '\u{00DA}'),
    (0x02, '\u{1EE4}'),
    (0x04, '\u{1EEA}'),
    (0x05, '\u{1EEC}'),
    (0x06, '\u{1EEE}'),
    (0x11, '\u{1EE8}'),
    (0x12, '\u{1EF0}'),
    (0x13, '\u{1EF2}'),
    (0x14, '\u{1EF6}'),
    (0x15, '\u{1EF8}'),
    (0x16, '\u{00DD}'),
    (0x17, '\u{1EF4}'),
];
/// TCVN3: bytes 0x80..=0xFF.
const TCVN3_HIGH: [char; 128] = [
    '\u{00C0}', '\u{1EA2}', '\u{00C3}', '\u{00C1}', '\u{1EA0}', '\u{1EB6}', '\u{1EAC}',
    '\u{00C8}', // 0x80
    '\u{1EBA}', '\u{1EBC}', '\u{00C9}', '\u{1EB8}', '\u{1EC6}', '\u{00CC}', '\u{1EC8}',
    '\u{0128}', // 0x88
    '\u{00CD}', '\u{1ECA}', '\u{00D2}', '\u{1ECE}', '\u{00D5}', '\u{00D3}', '\u{1ECC}',
    '\u{1ED8}', // 0x90
    '\u{1EDC}', '\u{1EDE}', '\u{1EE0}', '\u{1EDA}', '\u{1EE2}', '\u{00D9}', '\u{1EE6}',
    '\u{0168}', // 0x98
    '\u{00A0}', '\u{0102}', '\u{00C2}', '\u{00CA}', '\u{00D4}', '\u{01A0}', '\u{01AF}',
    '\u{0110}', // 0xA0
    '\u{0103}', '\u{00E2}', '\u{00EA}', '\u{00F4}', '\u{01A1}', '\u{01B0}', '\u{0111}',
    '\u{1EB0}', // 0xA8
    '\u{0300}', '\u{0309}', '\u{0303}', '\u{0301}', '\u{0323}', '\u{00E0}', '\u{1EA3}',
    '\u{00E3}', // 0xB0
    '\u{00E1}', '\u{1EA1}', '\u{1EB2}', '\u{1EB1}', '\u{1EB3}', '\u{1EB5}', '\u{1EAF}',
    '\u{1EB4}', // 0xB8
    '\u{1EAE}', '\u{1EA6}', '\u{1EA8}', '\u{1EAA}', '\u{1EA4}', '\u{1EC0}', '\u{1EB7}',
    '\u{1EA7}', // 0xC0
    '\u{1EA9}', '\u{1EAB}', '\u{1EA5}', '\u{1EAD}', '\u{00E8}', '\u{1EC2}', '\u{1EBB}',
    '\u{1EBD}', // 0xC8
    '\u{00E9}', '\u{1EB9}', '\u{1EC1}', '\u{1EC3}', '\u{1EC5}', '\u{1EBF}', '\u{1EC7}',
    '\u{00EC}', // 0xD0
    '\u{1EC9}', '\u{1EC4}', '\u{1EBE}', '\u{1ED2}', '\u{0129}', '\u{00ED}', '\u{1ECB}',
    '\u{00F2}', // 0xD8
    '\u{1ED4}', '\u{1ECF}', '\u{00F5}', '\u{00F3}', '\u{1ECD}', '\u{1ED3}', '\u{1ED5}',
    '\u{1ED7}', // 0xE0
    '\u{1ED1}', '\u{1ED9}', '\u{1EDD}', '\u{1EDF}', '\u{1EE1}', '\u{1EDB}', '\u{1EE3}',
    '\u{00F9}', // 0xE8
    '\u{1ED6}', '\u{1EE7}', '\u{0169}', '\u{00FA}', '\u{1EE5}', '\u{1EEB}', '\u{1EED}',
    '\u{1EEF}', // 0xF0
    '\u{1EE9}', '\u{1EF1}', '\u{1EF3}', '\u{1EF7}', '\u{1EF9}', '\u{00FD}', '\u{1EF5}',
    '\u{1ED0}', // 0xF8
];
/// VISCII: the bytes below 0x80 that are not ASCII.
const VISCII_LOW: [(u8, char); 6] = [
    (0x02, '\u{1EB2}'),
    (0x05, '\u{1EB4}'),
    (0x06, '\u{1EAA}'),
    (0x14, '\u{1EF6}'),
    (0x19, '\u{1EF8}'),
    (0x1E, '\u{1EF4}'),
];
/// VISCII: bytes 0x80..=0xFF.
const VISCII_HIGH: [char; 128] = [
    '\u{1EA0}', '\u{1EAE}', '\u{1EB0}', '\u{1EB6}', '\u{1EA4}', '\u{1EA6}', '\u{1EA8}',
    '\u{1EAC}', // 0x80
    '\u{1EBC}', '\u{1EB8}', '\u{1EBE}', '\u{1EC0}', '\u{1EC2}', '\u{1EC4}', '\u{1EC6}',
    '\u{1ED0}', // 0x88
    '\u{1ED2}', '\u{1ED4}', '\u{1ED6}', '\u{1ED8}', '\u{1EE2}', '\u{1EDA}', '\u{1EDC}',
    '\u{1EDE}', // 0x90
    '\u{1ECA}', '\u{1ECE}', '\u{1ECC}', '\u{1EC8}', '\u{1EE6}', '\u{0168}', '\u{1EE4}',
    '\u{1EF2}', // 0x98
    '\u{00D5}', '\u{1EAF}', '\u{1EB1}', '\u{1EB7}', '\u{1EA5}', '\u{1EA7}', '\u{1EA9}',
    '\u{1EAD}', // 0xA0
    '\u{1EBD}', '\u{1EB9}', '\u{1EBF}', '\u{1EC1}', '\u{1EC3}', '\u{1EC5}', '\u{1EC7}',
    '\u{1ED1}', // 0xA8
    '\u{1ED3}', '\u{1ED5}', '\u{1ED7}', '\u{1EE0}', '\u{01A0}', '\u{1ED9}', '\u{1EDD}',
    '\u{1EDF}', // 0xB0
    '\u{1ECB}', '\u{1EF0}', '\u{1EE8}', '\u{1EEA}', '\u{1EEC}', '\u{01A1}', '\u{1EDB}',
    '\u{01AF}', // 0xB8
    '\u{00C0}', '\u{00C1}', '\u{00C2}', '\u{00C3}', '\u{1EA2}', '\u{0102}', '\u{1EB3}',
    '\u{1EB5}', // 0xC0
    '\u{00C8}', '\u{00C9}', '\u{00CA}', '\u{1EBA}', '\u{00CC}', '\u{00CD}', '\u{0128}',
    '\u{1EF3}', // 0xC8
    '\u{0110}', '\u{1EE9}', '\u{00D2}', '\u{00D3}', '\u{00D4}', '\u{1EA1}', '\u{1EF7}',
    '\u{1EEB}', // 0xD0
    '\u{1EED}', '\u{00D9}', '\u{00DA}', '\u{1EF9}', '\u{1EF5}', '\u{00DD}', '\u{1EE1}',
    '\u{01B0}', // 0xD8
    '\u{00E0}', '\u{00E1}', '\u{00E2}', '\u{00E3}', '\u{1EA3}', '\u{0103}', '\u{1EEF}',
    '\u{1EAB}', // 0xE0
    '\u{00E8}', '\u{00E9}', '\u{00EA}', '\u{1EBB}', '\u{00EC}', '\u{00ED}', '\u{0129}',
    '\u{1EC9}', // 0xE8
    '\u{0111}', '\u{1EF1}', '\u{00F2}', '\u{00F3}', '\u{00F4}', '\u{00F5}', '\u{1ECF}',
    '\u{1ECD}', // 0xF0
    '\u{1EE5}', '\u{00F9}', '\u{00FA}', '\u{0169}', '\u{1EE7}', '\u{00FD}', '\u{1EE3}',
    '\u{1EEE}', // 0xF8
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tcvn3_letters_of_field_md() {
        // FIELD.md (from the ABC table): à=0xB5, ả=0xB6, ã=0xB7, á=0xB8, ạ=0xB9, ă=0xA8,
        // â=0xA9, đ=0xAE, Đ=0xA7, ê=0xAA, ô=0xAB, ơ=0xAC, ư=0xAD.
        let bytes = [
            0xB5, 0xB6, 0xB7, 0xB8, 0xB9, 0xA8, 0xA9, 0xAE, 0xA7, 0xAA, 0xAB, 0xAC, 0xAD,
        ];
        assert_eq!(TextEncoding::Tcvn3.decode(&bytes), "àảãáạăâđĐêôơư");
    }

    #[test]
    fn tcvn3_upper_case_font_words_become_capitals() {
        // "THÀNH CÔNG" typed in .VnTimeH: the lower-case bytes à = 0xB5, ô = 0xAB.
        assert_eq!(
            TextEncoding::Tcvn3.decode(b"TH\xB5NH C\xABNG"),
            "THÀNH CÔNG"
        );
        // A lower-case ASCII letter keeps the word as typed: Đại = 0xA7 0xB9 i.
        assert_eq!(TextEncoding::Tcvn3.decode(b"\xA7\xB9i"), "Đại");
    }

    #[test]
    fn vni_marks_compose_with_their_base_letter() {
        // VNI layout (base + mark byte, as in lamdao/xvnkb vni.h): ễ = "e" 0xE3,
        // ạ = "a" 0xEF, ị = 0xF2, Đ = 0xD1, ặ = "a" 0xEB.
        assert_eq!(TextEncoding::Vni.decode(b"Nguye\xE3n"), "Nguyễn");
        assert_eq!(TextEncoding::Vni.decode(b"\xD1a\xEFi"), "Đại");
        assert_eq!(TextEncoding::Vni.decode(b"Th\xF2"), "Thị");
        assert_eq!(TextEncoding::Vni.decode(b"\xD1a\xEBng"), "Đặng");
    }

    #[test]
    fn names_parse() {
        assert_eq!(
            TextEncoding::parse("CP1258").unwrap(),
            TextEncoding::Windows1258
        );
        assert_eq!(
            TextEncoding::parse("ANSI_1258").unwrap(),
            TextEncoding::Windows1258
        );
        assert_eq!(TextEncoding::parse("tcvn3").unwrap(), TextEncoding::Tcvn3);
        assert_eq!(TextEncoding::parse("UTF-8").unwrap(), TextEncoding::Utf8);
        assert!(TextEncoding::parse("koi8-r").is_err());
    }

    #[test]
    fn syllables() {
        for ok in [
            "Nguyễn", "Đặng", "thị", "ĐỒNG", "Quỳnh", "giữa", "nghiêng", "Ưởng",
        ] {
            assert!(is_syllable(ok), "{ok}");
        }
        for bad in ["ĐạI", "Nguyeón", "ậỰi", "thịị", "aáà"] {
            assert!(!is_syllable(bad), "{bad}");
        }
    }

    #[test]
    fn detection_tells_tcvn3_from_vni_and_utf8() {
        let tcvn: &[&[u8]] = &[b"\xA7\xB9i \xA7\xABng", b"Nguy\xD4n V\xA8n"];
        assert_eq!(detect(tcvn).0, TextEncoding::Tcvn3);
        let vni: &[&[u8]] = &[b"\xD1a\xEFi \xD1o\xE0ng", b"Nguye\xE3n Va\xEAn"];
        assert_eq!(detect(vni).0, TextEncoding::Vni);
        let utf8: &[&[u8]] = &["Đại Đồng".as_bytes(), "Nguyễn Văn".as_bytes()];
        assert_eq!(detect(utf8).0, TextEncoding::Utf8);
    }
}
