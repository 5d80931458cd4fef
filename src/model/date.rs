//! The commune's calendar: the dates officers enter for a change, and the month a moment
//! falls in.
//!
//! Quỳnh Liên keeps Vietnam's time, Asia/Ho_Chi_Minh: UTC+07:00 all year (Vietnam has had
//! no daylight saving time since 1975), so a fixed offset gives the local date of every
//! moment the data can hold, with no time-zone database.

use time::format_description::well_known::Rfc3339;
use time::{Date, Month, OffsetDateTime, UtcOffset};

/// The commune's time zone, by its IANA name.
pub const TIME_ZONE: &str = "Asia/Ho_Chi_Minh";

/// The commune's offset from UTC, the same all year.
pub const UTC_OFFSET: UtcOffset = time::macros::offset!(+7);

/// The earliest date an officer may enter: the programme's records do not go further back,
/// and an earlier year is a typing mistake (1926 for 2026).
pub const EARLIEST: Date = time::macros::date!(2000 - 01 - 01);

/// The earliest date a date property may hold: a canal's status date can be its building
/// in 1996, long before the programme.
pub const STORED_EARLIEST: Date = time::macros::date!(1900 - 01 - 01);

/// The properties that keep the day of a feature's latest one-step change, as entered.
pub mod property {
    /// A canal's `status` step.
    pub const CANAL_STATUS: &str = "status_date";
    /// A parcel's `clearance_status` step.
    pub const CLEARANCE: &str = "clearance_date";
    /// A household's `water_status` step.
    pub const WATER: &str = "water_date";
    /// A household's contribution recorded last (given or pledged).
    pub const CONTRIBUTION: &str = "contribution_date";
}

/// Why an entered date was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    /// Not written as `YYYY-MM-DD`.
    #[error("`{0}` is not a date YYYY-MM-DD")]
    Format(String),
    /// Written as `YYYY-MM-DD` but no such day exists.
    #[error("`{given}` is not a date: {why}")]
    NoSuchDay {
        /// What was sent.
        given: String,
        /// Which part does not exist.
        why: String,
    },
    /// Before the earliest day allowed ([`EARLIEST`] for a change entered now,
    /// [`STORED_EARLIEST`] for a date kept in the data).
    #[error("`{0}` is before {1}; give the day it took place")]
    TooEarly(String, Date),
    /// More than a day after today in Vietnam.
    #[error(
        "`{given}` is in the future (today is {today} in Vietnam, UTC+7); give the day the change took place, at most tomorrow"
    )]
    Future {
        /// What was sent.
        given: String,
        /// Today's date in the commune.
        today: Date,
    },
}

/// Today's date in the commune.
pub fn today() -> Date {
    OffsetDateTime::now_utc().to_offset(UTC_OFFSET).date()
}

/// `YYYY-MM-DD`.
pub fn iso(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// `YYYY-MM`, the key of a month.
pub fn month_key(d: Date) -> String {
    format!("{:04}-{:02}", d.year(), u8::from(d.month()))
}

/// The commune's date at an RFC 3339 moment (`2026-11-30T18:00:00Z` is 1 December).
pub fn local_date(rfc3339: &str) -> Option<Date> {
    OffsetDateTime::parse(rfc3339, &Rfc3339)
        .ok()
        .map(|t| t.to_offset(UTC_OFFSET).date())
}

/// Reads a date an officer entered for a change: `YYYY-MM-DD`, a day of the calendar, not
/// before [`EARLIEST`] and not after the day following `today` (a form filled in just
/// before midnight, or on a clock a little ahead, is still accepted).
///
/// # Examples
///
/// ```
/// use drainplan::model::date::{DateError, entered_date};
/// use time::macros::date;
///
/// let today = date!(2026 - 11 - 28);
/// assert_eq!(entered_date("2026-10-15", today), Ok(date!(2026 - 10 - 15)));
/// assert_eq!(entered_date("2026-11-29", today), Ok(date!(2026 - 11 - 29)));
/// assert!(matches!(entered_date("2026-02-30", today), Err(DateError::NoSuchDay { .. })));
/// assert!(matches!(entered_date("2026-11-30", today), Err(DateError::Future { .. })));
/// ```
pub fn entered_date(given: &str, today: Date) -> Result<Date, DateError> {
    date_between(given, EARLIEST, today)
}

/// A day written `YYYY-MM-DD`, any day of the calendar: no bound on the year (a request's
/// `at`, a stored property read back, a posting's days; their callers apply their own).
pub fn parse_day(s: &str) -> Option<Date> {
    Date::parse(s, time::macros::format_description!("[year]-[month]-[day]")).ok()
}

/// Reads a date property's value (`status_date`, `water_date`, …): `YYYY-MM-DD`, a day of
/// the calendar from [`STORED_EARLIEST`] to the day after `today`.
pub fn stored_date(given: &str, today: Date) -> Result<Date, DateError> {
    date_between(given, STORED_EARLIEST, today)
}

fn date_between(given: &str, earliest: Date, today: Date) -> Result<Date, DateError> {
    let b = given.as_bytes();
    let shaped = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shaped {
        return Err(DateError::Format(given.to_owned()));
    }
    let number = |range: std::ops::Range<usize>| given[range].parse::<u16>().unwrap_or(0);
    let (year, month, day) = (number(0..4), number(5..7), number(8..10));
    let no_such_day = |why: String| DateError::NoSuchDay {
        given: given.to_owned(),
        why,
    };
    let month = u8::try_from(month)
        .ok()
        .and_then(|m| Month::try_from(m).ok())
        .ok_or_else(|| no_such_day(format!("there is no month {month}")))?;
    let year = i32::from(year);
    let length = month.length(year);
    if day == 0 || day > u16::from(length) {
        return Err(no_such_day(format!(
            "{month} {year} has {length} days, not {day}"
        )));
    }
    let date = u8::try_from(day)
        .ok()
        .and_then(|d| Date::from_calendar_date(year, month, d).ok())
        .ok_or_else(|| no_such_day(format!("{month} {year} has no day {day}")))?;
    if date < earliest {
        return Err(DateError::TooEarly(given.to_owned(), earliest));
    }
    if today.next_day().is_some_and(|tomorrow| date > tomorrow) {
        return Err(DateError::Future {
            given: given.to_owned(),
            today,
        });
    }
    Ok(date)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 28);

    #[test]
    fn calendar_days_are_checked() {
        assert_eq!(entered_date("2024-02-29", TODAY), Ok(date!(2024 - 02 - 29)));
        let e = entered_date("2026-02-30", TODAY).unwrap_err();
        assert_eq!(
            e.to_string(),
            "`2026-02-30` is not a date: February 2026 has 28 days, not 30"
        );
        assert_eq!(
            entered_date("2026-13-01", TODAY).unwrap_err().to_string(),
            "`2026-13-01` is not a date: there is no month 13"
        );
        assert!(matches!(
            entered_date("2026-04-00", TODAY),
            Err(DateError::NoSuchDay { .. })
        ));
        assert!(matches!(
            entered_date("2026-04-31", TODAY),
            Err(DateError::NoSuchDay { .. })
        ));
    }

    #[test]
    fn only_yyyy_mm_dd_is_read() {
        for s in [
            "yesterday",
            "",
            "2026-1-05",
            "15/10/2026",
            "2026-10-15T00:00",
            "+2026-10-15",
            "2026-10-1５",
        ] {
            assert_eq!(
                entered_date(s, TODAY),
                Err(DateError::Format(s.into())),
                "{s}"
            );
        }
    }

    #[test]
    fn from_2000_to_tomorrow() {
        assert_eq!(entered_date("2000-01-01", TODAY), Ok(EARLIEST));
        assert_eq!(
            entered_date("1999-12-31", TODAY),
            Err(DateError::TooEarly("1999-12-31".into(), EARLIEST))
        );
        assert_eq!(entered_date("2026-11-29", TODAY), Ok(date!(2026 - 11 - 29)));
        assert!(matches!(
            entered_date("2026-11-30", TODAY),
            Err(DateError::Future { .. })
        ));
        // Tomorrow across a year's end.
        assert_eq!(
            entered_date("2027-01-01", date!(2026 - 12 - 31)),
            Ok(date!(2027 - 01 - 01))
        );
    }

    #[test]
    fn moments_fall_in_the_communes_day() {
        // 18:00 UTC on 30 November is 01:00 on 1 December in Vietnam.
        assert_eq!(
            local_date("2026-11-30T18:00:00Z"),
            Some(date!(2026 - 12 - 01))
        );
        // The last second of November there, and the first of December.
        assert_eq!(
            local_date("2026-11-30T16:59:59Z"),
            Some(date!(2026 - 11 - 30))
        );
        assert_eq!(
            local_date("2026-11-30T17:00:00Z"),
            Some(date!(2026 - 12 - 01))
        );
        assert_eq!(
            local_date("2026-12-31T17:30:00Z").map(month_key),
            Some("2027-01".into())
        );
        assert_eq!(local_date("not a time"), None);
        assert_eq!(iso(date!(2026 - 03 - 02)), "2026-03-02");
    }
}
