//! Time: the portal's time zone, the clock, and parsing of date bounds.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

/// The portal's time zone: every time on the wire is rendered with its offset.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PortalTz(pub Tz);

impl Default for PortalTz {
    fn default() -> Self {
        PortalTz(chrono_tz::Asia::Ho_Chi_Minh)
    }
}

impl PortalTz {
    pub fn parse(name: &str) -> Result<Self, String> {
        name.parse::<Tz>().map(PortalTz).map_err(|_| {
            format!("unknown time zone `{name}` (use an IANA name such as Asia/Ho_Chi_Minh)")
        })
    }

    pub fn name(&self) -> &'static str {
        self.0.name()
    }

    /// A stored UTC timestamp as the portal's local time with its offset.
    pub fn render(&self, utc: NaiveDateTime) -> DateTime<FixedOffset> {
        let local = self.0.from_utc_datetime(&utc);
        let offset = local.offset().fix();
        // RFC 3339 offsets have no seconds: a historic local mean time (+07:06:40 in Saigon
        // before 1906) would be cut to minutes and name another instant, so it goes out in UTC.
        if offset.local_minus_utc() % 60 == 0 {
            local.with_timezone(&offset)
        } else {
            local.with_timezone(&chrono::Utc.fix())
        }
    }

    /// The UTC instant at which a portal-local day starts.
    pub fn start_of_day(&self, day: NaiveDate) -> NaiveDateTime {
        let midnight = day.and_time(NaiveTime::MIN);
        match self.0.from_local_datetime(&midnight).earliest() {
            Some(t) => t.naive_utc(),
            // A zone that skips midnight (DST): the first instant of the day is one hour later.
            None => midnight + chrono::Duration::hours(1),
        }
    }

    /// The portal-local date of an instant.
    pub fn local_date(&self, utc: NaiveDateTime) -> NaiveDate {
        self.0.from_utc_datetime(&utc).date_naive()
    }
}

/// Which end of a range a date bound is: `YYYY-MM-DD` means the day's first instant as a lower
/// bound and its last one as an upper bound, so bounds are inclusive either way.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Bound {
    Lower,
    Upper,
}

/// The pattern the spec gives date bounds; `has_bound_shape` checks exactly this, because chrono
/// also takes forms outside it (a space or a lowercase `t` for `T`).
pub const BOUND_PATTERN: &str = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2}))?$";

fn has_bound_shape(value: &str) -> bool {
    let b = value.as_bytes();
    let digits = |range: std::ops::Range<usize>| {
        b.get(range)
            .is_some_and(|d| d.iter().all(u8::is_ascii_digit))
    };
    let at = |i: usize, c: u8| b.get(i) == Some(&c);
    let date = digits(0..4) && at(4, b'-') && digits(5..7) && at(7, b'-') && digits(8..10);
    if !date {
        return false;
    }
    if b.len() == 10 {
        return true;
    }
    if !(at(10, b'T')
        && digits(11..13)
        && at(13, b':')
        && digits(14..16)
        && at(16, b':')
        && digits(17..19))
    {
        return false;
    }
    let mut i = 19;
    if at(i, b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    match b.get(i) {
        Some(b'Z') => i + 1 == b.len(),
        Some(b'+') | Some(b'-') => {
            digits(i + 1..i + 3) && at(i + 3, b':') && digits(i + 4..i + 6) && i + 6 == b.len()
        }
        _ => false,
    }
}

/// Parses `YYYY-MM-DD` (a portal-local day) or RFC 3339 into a UTC instant.
pub fn parse_bound(value: &str, tz: PortalTz, bound: Bound) -> Result<NaiveDateTime, String> {
    if !has_bound_shape(value) {
        return Err("must be a date (YYYY-MM-DD) or an RFC 3339 date-time".to_owned());
    }
    if let Ok(day) = NaiveDate::parse_from_str(value, "%Y-%m-%d") {
        return Ok(match bound {
            Bound::Lower => tz.start_of_day(day),
            Bound::Upper => match day.succ_opt() {
                Some(next) => tz.start_of_day(next) - chrono::Duration::microseconds(1),
                None => NaiveDateTime::MAX,
            },
        });
    }
    DateTime::parse_from_rfc3339(value)
        .map(|t| t.naive_utc())
        .map_err(|_| "must be a date (YYYY-MM-DD) or an RFC 3339 date-time".to_owned())
}

/// Where the app gets "now" from. The shipped binary uses the system clock; tests move a manual
/// one (publish moments, midnight) instead of sleeping.
#[derive(Clone)]
pub enum Clock {
    System,
    Manual(Arc<AtomicI64>),
}

impl Clock {
    /// A manual clock set to `at`, and the handle that moves it.
    pub fn manual(at: DateTime<Utc>) -> Self {
        Clock::Manual(Arc::new(AtomicI64::new(at.timestamp_micros())))
    }

    pub fn now(&self) -> NaiveDateTime {
        match self {
            // Microseconds: what PostgreSQL keeps, so both backends store the same instant
            // (exports of either are byte-identical).
            Clock::System => DateTime::from_timestamp_micros(Utc::now().timestamp_micros())
                .unwrap_or_default()
                .naive_utc(),
            Clock::Manual(micros) => DateTime::from_timestamp_micros(micros.load(Ordering::SeqCst))
                .unwrap_or_default()
                .naive_utc(),
        }
    }

    /// Moves a manual clock; the system clock cannot be moved.
    pub fn set(&self, at: DateTime<Utc>) {
        if let Clock::Manual(micros) = self {
            micros.store(at.timestamp_micros(), Ordering::SeqCst);
        }
    }
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Clock::System => f.write_str("Clock::System"),
            Clock::Manual(_) => write!(f, "Clock::Manual({})", self.now()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rendered_time_names_the_stored_instant() {
        let tz = PortalTz::default();
        for stored in [
            "1900-01-01T00:00:00",
            "1905-06-01T12:00:00",
            "2022-10-21T01:24:00",
        ] {
            let utc = NaiveDateTime::parse_from_str(stored, "%Y-%m-%dT%H:%M:%S").expect("time");
            let text = tz.render(utc).to_rfc3339();
            let back = DateTime::parse_from_rfc3339(&text).expect("RFC 3339");
            assert_eq!(back.naive_utc(), utc, "{text}");
        }
        let utc = NaiveDateTime::parse_from_str("2022-10-21T01:24:00", "%Y-%m-%dT%H:%M:%S")
            .expect("time");
        assert_eq!(tz.render(utc).to_rfc3339(), "2022-10-21T08:24:00+07:00");
    }

    #[test]
    fn renders_with_the_portal_offset() {
        let tz = PortalTz::default();
        let utc = NaiveDate::from_ymd_opt(2022, 10, 21)
            .and_then(|d| d.and_hms_opt(1, 24, 0))
            .expect("valid");
        assert_eq!(tz.render(utc).to_rfc3339(), "2022-10-21T08:24:00+07:00");
    }

    #[test]
    fn date_bounds_are_portal_local_and_inclusive() {
        let tz = PortalTz::default();
        let lower = parse_bound("2022-10-21", tz, Bound::Lower).expect("date");
        assert_eq!(lower.to_string(), "2022-10-20 17:00:00");
        let upper = parse_bound("2022-10-21", tz, Bound::Upper).expect("date");
        assert_eq!(upper.to_string(), "2022-10-21 16:59:59.999999");
        let exact = parse_bound("2022-10-21T08:24:00+07:00", tz, Bound::Lower).expect("rfc3339");
        assert_eq!(exact.to_string(), "2022-10-21 01:24:00");
        assert!(parse_bound("21/10/2022", tz, Bound::Lower).is_err());
        for outside in [
            "2022-10-21 08:24:00Z",
            "2022-10-21t08:24:00z",
            "2022-10-21T08:24Z",
            "2022-10-21T08:24:00.Z",
        ] {
            assert!(parse_bound(outside, tz, Bound::Lower).is_err(), "{outside}");
        }
        for inside in ["2022-10-21T08:24:00.123456Z", "2022-10-21T08:24:00-05:00"] {
            assert!(parse_bound(inside, tz, Bound::Lower).is_ok(), "{inside}");
        }
        assert!(parse_bound("2022-13-40", tz, Bound::Lower).is_err());
    }

    #[test]
    fn manual_clock_moves() {
        let clock = Clock::manual(DateTime::from_timestamp(0, 0).expect("epoch"));
        clock.set(DateTime::from_timestamp(60, 0).expect("minute"));
        assert_eq!(clock.now().and_utc().timestamp(), 60);
    }
}
