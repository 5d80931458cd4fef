//! Calendar dates for the generated records, as days since 1970-01-01.

use std::fmt;

use rand::RngExt;

/// A civil date (proleptic Gregorian).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Date(i64);

impl Date {
    /// The date `y-m-d`.
    pub const fn ymd(y: i64, m: i64, d: i64) -> Date {
        // Howard Hinnant's days_from_civil.
        let y = if m <= 2 { y - 1 } else { y };
        let era = if y >= 0 { y } else { y - 399 } / 400;
        let yoe = y - era * 400;
        let mp = (m + 9) % 12;
        let doy = (153 * mp + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        Date(era * 146_097 + doe - 719_468)
    }

    /// Year, month, day.
    pub fn civil(self) -> (i64, i64, i64) {
        let z = self.0 + 719_468;
        let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = doy - (153 * mp + 2) / 5 + 1;
        let m = if mp < 10 { mp + 3 } else { mp - 9 };
        let y = yoe + era * 400 + i64::from(m <= 2);
        (y, m, d)
    }

    /// A uniformly drawn date in `from..=to`.
    pub fn between(rng: &mut impl rand::Rng, from: Date, to: Date) -> Date {
        Date(rng.random_range(from.0..=to.0))
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.civil();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_prints_iso() {
        assert_eq!(Date::ymd(1970, 1, 1), Date(0));
        // 2024-02-29 is day 19 782 (date -d 2024-02-29 +%s / 86400).
        assert_eq!(Date::ymd(2024, 2, 29), Date(19_782));
        assert_eq!(Date::ymd(2024, 2, 29).to_string(), "2024-02-29");
        assert_eq!(Date::ymd(2023, 12, 31).civil(), (2023, 12, 31));
    }
}
