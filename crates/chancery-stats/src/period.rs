//! Reference periods of observations: parsed once, stored in one canonical form, ordered by time.
//!
//! Publishers write the same period many ways (`2024Q3`, `2024-Q3`, `2024-M07`, `2024-07`).
//! [`Period::parse`] accepts them all, rejects impossible dates with a message saying why, and
//! [`Period`]'s `Display` prints the one canonical form Chancery stores and compares:
//!
//! | kind | canonical | also accepted |
//! |---|---|---|
//! | year | `2024` | `2024-A1` (SDMX) |
//! | half-year | `2024-S1` | `2024S1`, `2024-H1`, `2024H1` |
//! | quarter | `2024-Q3` | `2024Q3`, `2024-q3` |
//! | month | `2024-07` | `2024-M07`, `2024M07`, `2024M7` |
//! | ISO week | `2024-W05` | `2024W05`, `2024-W5` |
//! | day | `2024-07-01` | |
//! | Australian fiscal year (1 July – 30 June) | `FY2024-25` | `FY2024-2025`, `FY 2024-25` |
//! | range of two of the above | `2023-04/2023-08` | |

use std::cmp::Ordering;
use std::fmt;

/// A reference period: one point (a year, quarter, month, day…) or an inclusive range of two.
///
/// `Copy` and small. Equality is structural (`2024-Q1` is not `2024-01/2024-03`); ordering is
/// chronological: by first day, then by last day, then by kind, so sorted observations read as
/// a time line with longer periods after shorter ones that start the same day.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Period {
    start: Point,
    end: Option<Point>,
}

/// One period that is not a range. The building block of [`Period`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Point {
    /// A calendar year.
    Year(u16),
    /// A half-year, 1 or 2.
    Half(u16, u8),
    /// A quarter, 1 to 4.
    Quarter(u16, u8),
    /// A month, 1 to 12.
    Month(u16, u8),
    /// An ISO 8601 week, 1 to 52 or 53; weeks start on Monday and week 1 holds 4 January.
    Week(u16, u8),
    /// A calendar day (often a reference date such as a census night).
    Day(u16, u8, u8),
    /// An Australian fiscal year from 1 July of the given year to 30 June of the next
    /// (`FY2024-25` is `FiscalYear(2024)`).
    FiscalYear(u16),
}

/// A calendar date, used for the first and last day of a period.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    /// Year, 1 to 9999.
    pub year: u16,
    /// Month, 1 to 12.
    pub month: u8,
    /// Day of the month, 1 to 31.
    pub day: u8,
}

/// A period string that could not be parsed, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid period {input:?}: {reason}")]
pub struct PeriodError {
    /// The rejected text.
    pub input: String,
    /// What is wrong with it and what was expected.
    pub reason: String,
}

const EXPECTED: &str =
    "expected YYYY, YYYY-Sn, YYYY-Qn, YYYY-MM, YYYY-Www, YYYY-MM-DD, FYyyyy-yy or start/end";

impl Period {
    /// Parses any accepted spelling (see the module docs), trimming surrounding spaces.
    pub fn parse(text: &str) -> Result<Period, PeriodError> {
        Self::parse_bytes(text.trim().as_bytes()).map_err(|reason| PeriodError {
            input: text.trim().to_string(),
            reason,
        })
    }

    /// Parses from bytes without building a `String` unless it fails: the importers' hot path.
    pub(crate) fn parse_bytes(b: &[u8]) -> Result<Period, String> {
        if let Some(slash) = b.iter().position(|&c| c == b'/') {
            let start = parse_point(&b[..slash])?;
            let end = parse_point(&b[slash + 1..])?;
            return Period::range(start, end);
        }
        Ok(Period::from(parse_point(b)?))
    }

    /// A range from `start` to `end` inclusive. Refused when `end` finishes before `start`
    /// begins; a range from a point to itself is that point.
    pub fn range(start: Point, end: Point) -> Result<Period, String> {
        if start == end {
            return Ok(Period::from(start));
        }
        if end.last_day() < start.first_day() {
            return Err(format!("the range ends ({end}) before it starts ({start})"));
        }
        Ok(Period {
            start,
            end: Some(end),
        })
    }

    /// The first point (the only one unless this is a range).
    pub fn start(self) -> Point {
        self.start
    }

    /// The end point of a range, `None` for a single point.
    pub fn end(self) -> Option<Point> {
        self.end
    }

    /// Whether this is a `start/end` range.
    pub fn is_range(self) -> bool {
        self.end.is_some()
    }

    /// First day covered.
    pub fn first_day(self) -> Date {
        self.start.first_day()
    }

    /// Last day covered.
    pub fn last_day(self) -> Date {
        self.end.unwrap_or(self.start).last_day()
    }
}

impl From<Point> for Period {
    fn from(p: Point) -> Period {
        Period {
            start: p,
            end: None,
        }
    }
}

impl std::str::FromStr for Period {
    type Err = PeriodError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Period::parse(s)
    }
}

impl PartialOrd for Period {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Period {
    fn cmp(&self, other: &Self) -> Ordering {
        self.first_day()
            .cmp(&other.first_day())
            .then_with(|| self.last_day().cmp(&other.last_day()))
            .then_with(|| self.start.cmp(&other.start))
            .then_with(|| self.end.cmp(&other.end))
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.end {
            None => self.start.fmt(f),
            Some(end) => write!(f, "{}/{}", self.start, end),
        }
    }
}

impl fmt::Debug for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Period({self})")
    }
}

impl serde::Serialize for Period {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Period {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Period::parse(&s).map_err(serde::de::Error::custom)
    }
}

impl fmt::Display for Point {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Point::Year(y) => write!(f, "{y:04}"),
            Point::Half(y, h) => write!(f, "{y:04}-S{h}"),
            Point::Quarter(y, q) => write!(f, "{y:04}-Q{q}"),
            Point::Month(y, m) => write!(f, "{y:04}-{m:02}"),
            Point::Week(y, w) => write!(f, "{y:04}-W{w:02}"),
            Point::Day(y, m, d) => write!(f, "{y:04}-{m:02}-{d:02}"),
            Point::FiscalYear(y) => write!(f, "FY{y:04}-{:02}", (y + 1) % 100),
        }
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl Point {
    /// First day covered.
    pub fn first_day(self) -> Date {
        match self {
            Point::Year(y) => date(y, 1, 1),
            Point::Half(y, h) => date(y, 6 * h - 5, 1),
            Point::Quarter(y, q) => date(y, 3 * q - 2, 1),
            Point::Month(y, m) => date(y, m, 1),
            Point::Week(y, w) => from_days(iso_week1_monday(y) + 7 * (i64::from(w) - 1)),
            Point::Day(y, m, d) => date(y, m, d),
            Point::FiscalYear(y) => date(y, 7, 1),
        }
    }

    /// Last day covered.
    pub fn last_day(self) -> Date {
        match self {
            Point::Year(y) => date(y, 12, 31),
            Point::Half(y, h) => date(y, 6 * h, days_in_month(y, 6 * h)),
            Point::Quarter(y, q) => date(y, 3 * q, days_in_month(y, 3 * q)),
            Point::Month(y, m) => date(y, m, days_in_month(y, m)),
            Point::Week(y, w) => from_days(iso_week1_monday(y) + 7 * (i64::from(w) - 1) + 6),
            Point::Day(y, m, d) => date(y, m, d),
            Point::FiscalYear(y) => date(y + 1, 6, 30),
        }
    }
}

fn date(year: u16, month: u8, day: u8) -> Date {
    Date { year, month, day }
}

fn is_leap(y: u16) -> bool {
    (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400)
}

fn days_in_month(y: u16, m: u8) -> u8 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 (proleptic Gregorian), after Howard Hinnant's `days_from_civil`.
fn days_from_civil(y: u16, m: u8, d: u8) -> i64 {
    let y = i64::from(y) - i64::from(m <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Inverse of [`days_from_civil`]. Dates outside years 1–9999 are clamped to that range (weeks
/// near the ends of the range are the only way to get there).
fn from_days(z: i64) -> Date {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    let (Ok(year), Ok(month), Ok(day)) = (
        u16::try_from(y.clamp(1, 9999)),
        u8::try_from(m),
        u8::try_from(d),
    ) else {
        return date(1, 1, 1);
    };
    date(year, month, day)
}

/// 0 = Monday … 6 = Sunday.
fn weekday(days: i64) -> i64 {
    // 1970-01-01 was a Thursday (3).
    (days + 3).rem_euclid(7)
}

fn iso_week1_monday(y: u16) -> i64 {
    let jan4 = days_from_civil(y, 1, 4);
    jan4 - weekday(jan4)
}

/// ISO years have 53 weeks when 1 January is a Thursday, or a Wednesday in a leap year.
fn iso_weeks_in_year(y: u16) -> u8 {
    let jan1 = weekday(days_from_civil(y, 1, 1));
    if jan1 == 3 || (jan1 == 2 && is_leap(y)) {
        53
    } else {
        52
    }
}

fn digits(b: &[u8]) -> Option<u32> {
    if b.is_empty() || b.len() > 4 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(
        b.iter()
            .fold(0u32, |acc, &c| acc * 10 + u32::from(c - b'0')),
    )
}

fn year(b: &[u8]) -> Result<u16, String> {
    if b.len() != 4 {
        return Err(EXPECTED.to_string());
    }
    match digits(b).and_then(|y| u16::try_from(y).ok()) {
        Some(0) => Err("year 0000 does not exist; years run from 0001".to_string()),
        Some(y) => Ok(y),
        None => Err(EXPECTED.to_string()),
    }
}

fn small(b: &[u8], what: &str, max_len: usize) -> Result<u8, String> {
    if b.len() > max_len {
        return Err(format!(
            "{what} {:?} has too many digits",
            String::from_utf8_lossy(b)
        ));
    }
    digits(b)
        .and_then(|v| u8::try_from(v).ok())
        .ok_or_else(|| format!("{what} {:?} is not a number", String::from_utf8_lossy(b)))
}

fn in_range(v: u8, lo: u8, hi: u8, what: &str) -> Result<u8, String> {
    if (lo..=hi).contains(&v) {
        Ok(v)
    } else {
        Err(format!("{what} {v} is out of range ({lo}–{hi})"))
    }
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

fn parse_point(b: &[u8]) -> Result<Point, String> {
    let b = b.trim_ascii();
    if b.len() >= 2 && b[..2].eq_ignore_ascii_case(b"FY") {
        return parse_fiscal(&b[2..]);
    }
    if b.len() < 4 {
        return Err(EXPECTED.to_string());
    }
    let y = year(&b[..4])?;
    let rest = &b[4..];
    if rest.is_empty() {
        return Ok(Point::Year(y));
    }
    // Optional '-' after the year, then a letter-tagged sub-period or a month number.
    let tagged = rest.strip_prefix(b"-").unwrap_or(rest);
    let Some((&tag, num)) = tagged.split_first() else {
        return Err(EXPECTED.to_string());
    };
    match tag.to_ascii_uppercase() {
        b'Q' => Ok(Point::Quarter(
            y,
            in_range(small(num, "quarter", 1)?, 1, 4, "quarter")?,
        )),
        b'S' | b'H' => Ok(Point::Half(
            y,
            in_range(small(num, "half-year", 1)?, 1, 2, "half-year")?,
        )),
        b'M' => Ok(Point::Month(
            y,
            in_range(small(num, "month", 2)?, 1, 12, "month")?,
        )),
        b'A' if num == b"1" || num.is_empty() => Ok(Point::Year(y)),
        b'W' => {
            let w = small(num, "week", 2)?;
            let max = iso_weeks_in_year(y);
            if w == 0 || w > max {
                return Err(format!(
                    "week {w} does not exist: {y:04} has {max} ISO weeks"
                ));
            }
            Ok(Point::Week(y, w))
        }
        b'0'..=b'9' if rest.first() == Some(&b'-') => parse_month_or_day(y, tagged),
        _ => Err(EXPECTED.to_string()),
    }
}

/// `MM` or `MM-DD` after `YYYY-`.
fn parse_month_or_day(y: u16, b: &[u8]) -> Result<Point, String> {
    let (m, d) = match b.iter().position(|&c| c == b'-') {
        Some(i) => (&b[..i], Some(&b[i + 1..])),
        None => (b, None),
    };
    if m.len() != 2 {
        return Err(format!(
            "month {:?} must have two digits; {EXPECTED}",
            String::from_utf8_lossy(m)
        ));
    }
    let month = in_range(small(m, "month", 2)?, 1, 12, "month")?;
    let Some(d) = d else {
        return Ok(Point::Month(y, month));
    };
    if d.len() != 2 {
        return Err(format!(
            "day {:?} must have two digits; {EXPECTED}",
            String::from_utf8_lossy(d)
        ));
    }
    let day = small(d, "day", 2)?;
    let max = days_in_month(y, month);
    if day == 0 || day > max {
        let name = MONTHS[usize::from(month - 1)];
        return Err(format!(
            "day {day} does not exist in {name} {y:04} ({max} days)"
        ));
    }
    Ok(Point::Day(y, month, day))
}

/// After `FY`: `2024-25` or `2024-2025` (a space after `FY` is tolerated).
fn parse_fiscal(b: &[u8]) -> Result<Point, String> {
    let b = b.trim_ascii_start();
    let expected = "expected an Australian fiscal year FYyyyy-yy such as FY2024-25";
    let Some(dash) = b.iter().position(|&c| c == b'-') else {
        return Err(expected.to_string());
    };
    let start = year(&b[..dash]).map_err(|_| expected.to_string())?;
    let end = &b[dash + 1..];
    if start >= 9999 {
        return Err("fiscal year FY9999 would end after year 9999".to_string());
    }
    let next = start + 1;
    let ok = match end.len() {
        2 => digits(end) == Some(u32::from(next % 100)),
        4 => digits(end) == Some(u32::from(next)),
        _ => return Err(expected.to_string()),
    };
    if !ok {
        return Err(format!(
            "fiscal year FY{start:04} ends in {next:04}, so it is written FY{start:04}-{:02}",
            next % 100
        ));
    }
    Ok(Point::FiscalYear(start))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Period {
        Period::parse(s).unwrap_or_else(|e| panic!("{e}"))
    }

    fn err(s: &str) -> String {
        Period::parse(s).unwrap_err().to_string()
    }

    #[test]
    fn canonical_forms() {
        for (input, canonical) in [
            ("2024", "2024"),
            (" 2024 ", "2024"),
            ("2024-A1", "2024"),
            ("2024-Q3", "2024-Q3"),
            ("2024Q3", "2024-Q3"),
            ("2024q3", "2024-Q3"),
            ("2025Q3", "2025-Q3"),
            ("2024-07", "2024-07"),
            ("2024-M07", "2024-07"),
            ("2024M7", "2024-07"),
            ("2024-07-01", "2024-07-01"),
            ("2024-W05", "2024-W05"),
            ("2024W5", "2024-W05"),
            ("2024-S1", "2024-S1"),
            ("2024H2", "2024-S2"),
            ("FY2016-17", "FY2016-17"),
            ("FY2016-2017", "FY2016-17"),
            ("fy 1999-00", "FY1999-00"),
            ("2023-04/2023-08", "2023-04/2023-08"),
            ("2017/2023-09", "2017/2023-09"),
            ("2023-03-25/2023-04-25", "2023-03-25/2023-04-25"),
            ("2024/2024", "2024"),
        ] {
            assert_eq!(p(input).to_string(), canonical, "{input}");
            assert_eq!(p(canonical), p(input), "{input} round-trips");
        }
    }

    #[test]
    fn rejects_impossible_dates_with_reasons() {
        assert!(
            err("2024-13").contains("month 13 is out of range"),
            "{}",
            err("2024-13")
        );
        assert!(err("2024-00").contains("month 0"));
        assert!(err("2023-02-29").contains("day 29 does not exist in February 2023 (28 days)"));
        assert!(Period::parse("2024-02-29").is_ok());
        assert!(err("2024-04-31").contains("April"));
        assert!(
            err("2021-W53").contains("2021 has 52 ISO weeks"),
            "{}",
            err("2021-W53")
        );
        assert!(Period::parse("2020-W53").is_ok(), "2020 has 53 ISO weeks");
        assert!(err("2024-W00").contains("week 0"));
        assert!(err("2024-Q5").contains("quarter 5"));
        assert!(err("2024-S3").contains("half-year 3"));
        assert!(err("FY2024-26").contains("FY2024-25"));
        assert!(err("2024/2023").contains("ends"));
        assert!(err("24").contains("expected YYYY"));
        assert!(err("").contains("expected"));
        assert!(err("2024-7").contains("two digits"));
        assert!(err("0000").contains("0000"));
        assert!(err("abcd").contains("expected"));
        assert!(err("2024-01-01T00:00:00").contains("day"));
    }

    #[test]
    fn first_and_last_days() {
        let d = |s: &str| (p(s).first_day().to_string(), p(s).last_day().to_string());
        assert_eq!(d("2024"), ("2024-01-01".into(), "2024-12-31".into()));
        assert_eq!(d("2024-S2"), ("2024-07-01".into(), "2024-12-31".into()));
        assert_eq!(d("2024-Q1"), ("2024-01-01".into(), "2024-03-31".into()));
        assert_eq!(d("2024-02"), ("2024-02-01".into(), "2024-02-29".into()));
        assert_eq!(d("2024-W01"), ("2024-01-01".into(), "2024-01-07".into()));
        assert_eq!(d("2021-W01"), ("2021-01-04".into(), "2021-01-10".into()));
        assert_eq!(d("2020-W53"), ("2020-12-28".into(), "2021-01-03".into()));
        assert_eq!(d("FY2016-17"), ("2016-07-01".into(), "2017-06-30".into()));
        assert_eq!(
            d("2023-04/2023-08"),
            ("2023-04-01".into(), "2023-08-31".into())
        );
    }

    #[test]
    fn orders_chronologically() {
        let mut v: Vec<Period> = [
            "2025",
            "2024-07",
            "2024-Q3",
            "2024",
            "2024-07-01",
            "FY2023-24",
            "2024-W27",
            "2024-S2",
        ]
        .iter()
        .map(|s| p(s))
        .collect();
        v.sort();
        let shown: Vec<String> = v.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "FY2023-24",
                "2024",
                "2024-07-01",
                "2024-W27",
                "2024-07",
                "2024-Q3",
                "2024-S2",
                "2025"
            ]
        );
    }

    #[test]
    fn serde_uses_the_canonical_string() {
        assert_eq!(serde_json::to_string(&p("2024Q3")).unwrap(), "\"2024-Q3\"");
        assert_eq!(
            serde_json::from_str::<Period>("\"2024-M07\"").unwrap(),
            p("2024-07")
        );
    }
}
