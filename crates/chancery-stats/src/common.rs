//! Pieces every importer shares: value parsing, string interning, duplicate detection and the
//! quote tracker that notices CSV files cut off inside a quoted field.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::io::Read;
use std::sync::Arc;

use crate::country::Country;
use crate::period::Period;

/// Hash maps keyed by what a file supplies: foldhash is fast on short keys and seeded per
/// process, so a crafted file cannot aim at collisions.
type Map<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// What a value cell holds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Value {
    Number(f64),
    Missing,
}

/// Parses a value cell: a finite number, or one of the missing-value markers publishers use
/// (empty, `:` Eurostat, `..` UN/OECD, `NA`, `NaN` SDMX). Anything else is an error message.
pub(crate) fn parse_value(raw: &[u8]) -> Result<Value, String> {
    let b = raw.trim_ascii();
    if is_missing(b) {
        return Ok(Value::Missing);
    }
    let text = std::str::from_utf8(b)
        .map_err(|_| "expected a number, found bytes that are not UTF-8".to_string())?;
    match text.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(Value::Number(v)),
        _ => Err(format!(
            "expected a number (plain digits, `.` for decimals, no thousands separators), found {text:?}"
        )),
    }
}

pub(crate) fn is_missing(b: &[u8]) -> bool {
    matches!(
        b,
        b"" | b":" | b".." | b"NA" | b"N/A" | b"n/a" | b"NaN" | b"nan" | b"NAN"
    )
}

/// Hands out one shared `Arc<str>` (and a small id) per distinct string.
#[derive(Debug, Default)]
pub(crate) struct Interner {
    map: Map<Arc<str>, u32>,
    last: Option<(Arc<str>, u32)>,
}

impl Interner {
    /// Like [`Interner::intern`] for raw field bytes: the repeat of the previous string (the
    /// common case in files grouped by series) is recognised before any UTF-8 validation.
    pub(crate) fn intern_bytes(
        &mut self,
        b: &[u8],
    ) -> Result<(Arc<str>, u32), std::str::Utf8Error> {
        if let Some((arc, id)) = &self.last
            && arc.as_bytes() == b
        {
            return Ok((Arc::clone(arc), *id));
        }
        Ok(self.intern(std::str::from_utf8(b)?))
    }

    pub(crate) fn intern(&mut self, s: &str) -> (Arc<str>, u32) {
        if let Some((arc, id)) = &self.last
            && &**arc == s
        {
            return (Arc::clone(arc), *id);
        }
        let found = match self.map.get_key_value(s) {
            Some((arc, &id)) => (Arc::clone(arc), id),
            None => {
                let arc: Arc<str> = Arc::from(s);
                // More than 4 billion distinct strings would exhaust memory long before.
                let id = u32::try_from(self.map.len()).unwrap_or(u32::MAX);
                self.map.insert(Arc::clone(&arc), id);
                (arc, id)
            }
        };
        self.last = Some(found.clone());
        found
    }
}

/// Outcome of checking a key against earlier rows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Seen {
    /// First time.
    New,
    /// Same key and same value as the row at `first` (tagged with `tag`).
    Repeat,
    /// Same key, different value.
    Conflict {
        first: u64,
        tag: u32,
        value: Option<f64>,
    },
}

/// One row seen by the [`Deduper`]: its period, value bits ([`NO_VALUE`] for a missing
/// value), line or cell, and caller tag.
#[derive(Debug, Clone, Copy)]
struct SeenRow {
    period: Period,
    bits: u64,
    at: u64,
    tag: u32,
}

/// Value bits standing for "missing": a NaN pattern, and values are never NaN.
const NO_VALUE: u64 = u64::MAX;

/// "No row" in [`Logged::prev`] and [`Pair::tail`].
const NONE: usize = usize::MAX;

/// A row in the [`Deduper`]'s log, linked to the previous row of its (country, series).
#[derive(Debug, Clone, Copy)]
struct Logged {
    row: SeenRow,
    prev: usize,
}

/// What the [`Deduper`] knows of one (country, series).
#[derive(Debug)]
struct Pair {
    /// Its latest period while periods arrive in increasing order.
    last: Period,
    /// Its latest row in the log, [`NONE`] before the first.
    tail: usize,
    /// Once a period arrives out of order: every row of the pair by period.
    hashed: Option<Map<Period, SeenRow>>,
}

/// Remembers every (country, series, period) of an import and what value it had.
///
/// Files are mostly sorted by time within each (country, series), whatever else their order
/// (by series, or a year at a time across every series). While a pair's periods increase, a
/// row costs one comparison with the pair's latest period, kept in a small per-pair table
/// that stays in cache, and an append to one log in file order: no probe into a table of
/// millions of keys, no write into millions of places. The first period that does not
/// increase turns that pair into a hash map of its rows, found by following the log's links.
#[derive(Debug, Default)]
pub(crate) struct Deduper {
    index: Map<(Country, u32), usize>,
    last: Option<((Country, u32), usize)>,
    pairs: Vec<Pair>,
    log: Vec<Logged>,
}

impl Deduper {
    /// `series` is the interner id; `at` the line or cell and `tag` a caller-defined context
    /// (the JSON-stat dataset) reported back on conflict.
    pub(crate) fn check(
        &mut self,
        country: Country,
        series: u32,
        period: Period,
        value: Option<f64>,
        at: u64,
        tag: u32,
    ) -> Seen {
        let key = (country, series);
        let slot = match self.last {
            Some((k, slot)) if k == key => slot,
            _ => {
                let next = self.pairs.len();
                let slot = *self.index.entry(key).or_insert(next);
                if slot == next {
                    self.pairs.push(Pair {
                        last: period,
                        tail: NONE,
                        hashed: None,
                    });
                }
                self.last = Some((key, slot));
                slot
            }
        };
        let bits = value.map_or(NO_VALUE, f64::to_bits);
        let row = SeenRow {
            period,
            bits,
            at,
            tag,
        };
        let Some(pair) = self.pairs.get_mut(slot) else {
            return Seen::New;
        };
        if pair.hashed.is_none() {
            if pair.tail == NONE || pair.last < period {
                self.log.push(Logged {
                    row,
                    prev: pair.tail,
                });
                pair.tail = self.log.len() - 1;
                pair.last = period;
                return Seen::New;
            }
            let mut rows = Map::default();
            let mut at = pair.tail;
            while let Some(logged) = self.log.get(at) {
                rows.insert(logged.row.period, logged.row);
                at = logged.prev;
            }
            pair.hashed = Some(rows);
        }
        let Some(rows) = pair.hashed.as_mut() else {
            return Seen::New;
        };
        let earlier = match rows.entry(period) {
            Entry::Vacant(e) => {
                e.insert(row);
                return Seen::New;
            }
            Entry::Occupied(e) => *e.get(),
        };
        if earlier.bits == bits {
            Seen::Repeat
        } else {
            let value = (earlier.bits != NO_VALUE).then(|| f64::from_bits(earlier.bits));
            Seen::Conflict {
                first: earlier.at,
                tag: earlier.tag,
                value,
            }
        }
    }
}

pub(crate) fn show_value(v: Option<f64>) -> String {
    v.map_or_else(|| "empty".to_string(), |v| v.to_string())
}

/// A `Read` adapter that follows CSV quoting just enough to know, at the end, whether the input
/// stopped inside a quoted field (a truncated file), and counts bytes for progress reports.
///
/// The csv crate silently closes a quoted field at end of input, so without this a file cut
/// off in the middle of its last quoted field would import a shortened last value.
#[derive(Debug)]
pub(crate) struct QuoteTracker<R> {
    inner: R,
    delimiter: u8,
    in_quotes: bool,
    /// The previous byte was the quote that closed a quoted field (a quote right after it is
    /// an escaped `""`, so the field goes on).
    just_closed: bool,
    prev: u8,
    bytes: u64,
}

impl<R: Read> QuoteTracker<R> {
    pub(crate) fn new(inner: R, delimiter: u8) -> Self {
        QuoteTracker {
            inner,
            delimiter,
            in_quotes: false,
            just_closed: false,
            prev: b'\n',
            bytes: 0,
        }
    }

    /// Whether everything read so far ends inside an open quoted field.
    pub(crate) fn in_quotes(&self) -> bool {
        self.in_quotes
    }

    /// Bytes read so far.
    pub(crate) fn bytes(&self) -> u64 {
        self.bytes
    }

    fn scan(&mut self, chunk: &[u8]) {
        let mut i = 0;
        while i < chunk.len() {
            let Some(p) = memchr::memchr(b'"', &chunk[i..]) else {
                break;
            };
            let at = i + p;
            if self.in_quotes {
                self.in_quotes = false;
                self.just_closed = true;
            } else {
                let prev = if at == 0 { self.prev } else { chunk[at - 1] };
                let escaped = self.just_closed && p == 0;
                let opens = escaped || prev == self.delimiter || prev == b'\n' || prev == b'\r';
                self.just_closed = false;
                if opens {
                    self.in_quotes = true;
                }
            }
            i = at + 1;
        }
        if let Some(&last) = chunk.last() {
            if last != b'"' {
                self.just_closed = false;
            }
            self.prev = last;
        }
    }
}

impl<R: Read> Read for QuoteTracker<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.scan(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ends_in_quotes(text: &str, chunk: usize) -> bool {
        let mut t = QuoteTracker::new(text.as_bytes(), b',');
        let mut buf = vec![0u8; chunk];
        while t.read(&mut buf).unwrap() > 0 {}
        t.in_quotes()
    }

    #[test]
    fn tracks_quotes_across_chunks() {
        for chunk in [1, 2, 3, 7, 64] {
            assert!(!ends_in_quotes("a,\"b,c\"\n1,2\n", chunk));
            assert!(ends_in_quotes("a,\"b,c\n1,2\n", chunk));
            assert!(!ends_in_quotes("a,\"say \"\"hi\"\"\",c\n", chunk));
            assert!(ends_in_quotes("a,\"say \"\"hi", chunk));
            assert!(
                !ends_in_quotes("5'10\",x\n", chunk),
                "stray quote in an unquoted field"
            );
            assert!(ends_in_quotes("\"open", chunk));
            assert!(!ends_in_quotes("\"\"", chunk));
        }
    }

    #[test]
    fn values_and_missing_markers() {
        assert_eq!(parse_value(b" 64177 "), Ok(Value::Number(64177.0)));
        assert_eq!(parse_value(b"-1.5e3"), Ok(Value::Number(-1500.0)));
        for m in ["", ":", "..", "NaN", "NA"] {
            assert_eq!(parse_value(m.as_bytes()), Ok(Value::Missing), "{m:?}");
        }
        assert!(parse_value(b"1,234").unwrap_err().contains("\"1,234\""));
        assert!(parse_value(b"inf").is_err());
        assert!(parse_value(b"abc").is_err());
    }

    #[test]
    fn interner_shares_and_deduper_compares() {
        let mut i = Interner::default();
        let (a, ida) = i.intern("x");
        let (b, _) = i.intern("y");
        let (c, idc) = i.intern("x");
        assert!(Arc::ptr_eq(&a, &c));
        assert_eq!(ida, idc);
        assert_ne!(a, b);
        let can = Country::from_alpha3("CAN").unwrap();
        let p = Period::parse("2024").unwrap();
        let mut d = Deduper::default();
        assert_eq!(d.check(can, 0, p, Some(1.0), 2, 0), Seen::New);
        assert_eq!(d.check(can, 0, p, Some(1.0), 3, 0), Seen::Repeat);
        assert_eq!(
            d.check(can, 0, p, Some(2.0), 4, 0),
            Seen::Conflict {
                first: 2,
                tag: 0,
                value: Some(1.0)
            }
        );
    }

    /// Pairs interleaved a year at a time (the order of a file sorted by period first), then
    /// periods out of order: repeats and conflicts are still found against the right row.
    #[test]
    fn deduper_follows_each_pair_through_interleaved_and_unsorted_rows() {
        let [can, nzl] = ["CAN", "NZL"].map(|c| Country::from_alpha3(c).unwrap());
        let year = |y: u16| Period::parse(&y.to_string()).unwrap();
        let mut d = Deduper::default();
        let mut line = 1;
        for y in 2000..2010 {
            for (c, s) in [(can, 0), (can, 1), (nzl, 0)] {
                line += 1;
                assert_eq!(
                    d.check(c, s, year(y), Some(f64::from(y)), line, 7),
                    Seen::New
                );
            }
        }
        // Back in time for CAN series 1: the pair becomes a map built from the log.
        assert_eq!(d.check(can, 1, year(1999), None, 100, 7), Seen::New);
        assert_eq!(
            d.check(can, 1, year(2003), Some(2003.0), 101, 7),
            Seen::Repeat
        );
        // Line of CAN series 1, 2005: 2 + 3 * 5 + 1.
        assert_eq!(
            d.check(can, 1, year(2005), Some(1.5), 102, 8),
            Seen::Conflict {
                first: 18,
                tag: 7,
                value: Some(2005.0)
            }
        );
        assert_eq!(
            d.check(can, 1, year(1999), Some(1.0), 103, 8),
            Seen::Conflict {
                first: 100,
                tag: 7,
                value: None
            }
        );
        // The other pairs are untouched: still in order, still exact.
        assert_eq!(d.check(nzl, 0, year(2010), Some(1.0), 104, 7), Seen::New);
        assert_eq!(d.check(nzl, 0, year(2010), Some(1.0), 105, 7), Seen::Repeat);
        assert_eq!(
            d.check(can, 0, year(2009), Some(0.0), 106, 7),
            Seen::Conflict {
                first: 29,
                tag: 7,
                value: Some(2009.0)
            }
        );
    }
}
