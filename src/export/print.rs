//! What the printable A4 pages (the review pack, the posting list) share: HTML escaping and
//! numbers written the Vietnamese way.

/// Escapes text for HTML (element content and quoted attribute values).
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A number as Vietnamese print writes it: `.` between thousands, `,` before decimals
/// (`1.686`, `41,81`), and the typographic minus `−` for a negative one.
pub fn vi_number(v: f64, decimals: usize) -> String {
    let text = format!("{:.*}", decimals, v.abs());
    let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push('.');
        }
        grouped.push(c);
    }
    // A value that rounds to zero is written without a sign.
    let sign = if v < 0.0 && text.chars().any(|c| c.is_ascii_digit() && c != '0') {
        "−"
    } else {
        ""
    };
    if frac.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped},{frac}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_as_vietnamese_print_writes_them() {
        assert_eq!(vi_number(1234567.891, 2), "1.234.567,89");
        assert_eq!(vi_number(875.0421, 2), "875,04");
        assert_eq!(vi_number(12.0, 0), "12");
        assert_eq!(vi_number(1686.0, 0), "1.686");
        assert_eq!(vi_number(-1000.5, 1), "−1.000,5");
        assert_eq!(vi_number(-0.001, 2), "0,00");
    }

    #[test]
    fn html_special_characters_are_escaped() {
        assert_eq!(
            esc(r#"<a href="x">Đ & 'b'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;Đ &amp; &#39;b&#39;&lt;/a&gt;"
        );
    }
}
