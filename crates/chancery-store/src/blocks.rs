//! Observation blocks: the observations one vintage brought for one (series, country), stored
//! as one row whose `data` is a JSON object of columns (migration 0009).
//!
//! ```json
//! {"period":["2019","2020"],"value":[64177.0,null],"line":[2,3],
//!  "unit":"persons","status":["A","M"],"provisional":false,"estimate":false,
//!  "break_in_series":false,"source_publisher":"IRCC","source_title":null,
//!  "source_url":null,"note":null}
//! ```
//!
//! `period`, `value` and `line` have one entry per observation, in period order (a period
//! appears at most once). Every other column is either one value that holds for all of the
//! block's observations or an array with one entry per observation. Values are written as
//! the shortest decimal that reads back as the same `f64`, so nothing changes on the way
//! through; importers never produce NaN or infinities.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::error::StoreError;

/// A column other than period, value and line: the same for every observation, or one entry
/// each.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub(crate) enum Column<T> {
    /// One entry per observation.
    Each(Vec<T>),
    /// The same for all.
    All(T),
}

impl<T: Clone + PartialEq> Column<T> {
    /// `All` when every item is equal, else `Each`.
    fn of(items: impl Iterator<Item = T>) -> Self {
        let mut items = items.peekable();
        let Some(first) = items.next() else {
            return Column::Each(Vec::new());
        };
        let mut each: Option<Vec<T>> = None;
        let mut n = 1;
        for item in items {
            match &mut each {
                Some(v) => v.push(item),
                None if item == first => n += 1,
                None => {
                    let mut v = vec![first.clone(); n];
                    v.push(item);
                    each = Some(v);
                }
            }
        }
        each.map_or(Column::All(first), Column::Each)
    }

    fn get(&self, i: usize) -> Option<&T> {
        match self {
            Column::Each(v) => v.get(i),
            Column::All(x) => Some(x),
        }
    }

    fn fits(&self, n: usize) -> bool {
        match self {
            Column::Each(v) => v.len() == n,
            Column::All(_) => true,
        }
    }
}

/// The attributes of an observation other than its period, value and line. An import keeps
/// each distinct combination once.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub(crate) struct Attributes {
    pub unit: Option<Arc<str>>,
    pub status: Option<Arc<str>>,
    pub provisional: bool,
    pub estimate: bool,
    pub break_in_series: bool,
    pub source_publisher: Option<Arc<str>>,
    pub source_title: Option<Arc<str>>,
    pub source_url: Option<Arc<str>>,
    pub note: Option<Arc<str>>,
}

/// One observation waiting to be written: its attributes by index into the import's table.
#[derive(Debug, Clone)]
pub(crate) struct Pending {
    pub period: Arc<str>,
    pub value: Option<f64>,
    pub line: i64,
    pub attributes: u32,
}

#[derive(Serialize)]
struct BlockOut<'a> {
    period: Vec<&'a str>,
    value: Vec<Option<f64>>,
    line: Vec<i64>,
    unit: Column<Option<&'a str>>,
    status: Column<Option<&'a str>>,
    provisional: Column<bool>,
    estimate: Column<bool>,
    break_in_series: Column<bool>,
    source_publisher: Column<Option<&'a str>>,
    source_title: Column<Option<&'a str>>,
    source_url: Column<Option<&'a str>>,
    note: Column<Option<&'a str>>,
}

/// Encodes a block; `rows` are in period order with no period twice, `attributes` the
/// import's table that their indices point into.
pub(crate) fn encode(rows: &[Pending], attributes: &[Attributes]) -> Result<String, StoreError> {
    let attrs = |id: u32| {
        attributes
            .get(id as usize)
            .ok_or_else(|| StoreError::corrupt("an observation's attributes are missing"))
    };
    // Usually every observation of a block has the same attributes: one value per column,
    // without comparing them observation by observation.
    let all: Vec<&Attributes> = if let Some(first) = rows.first().map(|p| p.attributes)
        && rows.iter().all(|p| p.attributes == first)
    {
        vec![attrs(first)?]
    } else {
        rows.iter()
            .map(|p| attrs(p.attributes))
            .collect::<Result<_, _>>()?
    };
    let text =
        |f: fn(&Attributes) -> &Option<Arc<str>>| Column::of(all.iter().map(|a| f(a).as_deref()));
    let flag = |f: fn(&Attributes) -> bool| Column::of(all.iter().map(|a| f(a)));
    let block = BlockOut {
        period: rows.iter().map(|p| &*p.period).collect(),
        value: rows.iter().map(|p| p.value).collect(),
        line: rows.iter().map(|p| p.line).collect(),
        unit: text(|a| &a.unit),
        status: text(|a| &a.status),
        provisional: flag(|a| a.provisional),
        estimate: flag(|a| a.estimate),
        break_in_series: flag(|a| a.break_in_series),
        source_publisher: text(|a| &a.source_publisher),
        source_title: text(|a| &a.source_title),
        source_url: text(|a| &a.source_url),
        note: text(|a| &a.note),
    };
    // About 30 bytes an observation (period, value, line); one allocation for most blocks.
    let mut out = Vec::with_capacity(rows.len() * 32 + 256);
    serde_json::to_writer(&mut out, &block)
        .map_err(|e| StoreError::corrupt(format!("observation block: {e}")))?;
    String::from_utf8(out).map_err(|e| StoreError::corrupt(format!("observation block: {e}")))
}

/// A stored block, decoded.
#[derive(Debug, Deserialize)]
pub(crate) struct Block {
    period: Vec<String>,
    value: Vec<Option<f64>>,
    line: Vec<i64>,
    unit: Column<Option<String>>,
    status: Column<Option<String>>,
    provisional: Column<bool>,
    estimate: Column<bool>,
    break_in_series: Column<bool>,
    source_publisher: Column<Option<String>>,
    source_title: Column<Option<String>>,
    source_url: Column<Option<String>>,
    note: Column<Option<String>>,
}

/// One observation read back from a block.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Stored<'a> {
    pub period: &'a str,
    pub value: Option<f64>,
    pub line: i64,
    pub unit: Option<&'a str>,
    pub status: Option<&'a str>,
    pub provisional: bool,
    pub estimate: bool,
    pub break_in_series: bool,
    pub source_publisher: Option<&'a str>,
    pub source_title: Option<&'a str>,
    pub source_url: Option<&'a str>,
    pub note: Option<&'a str>,
}

impl Block {
    /// Decodes a stored block and checks that every column has one entry per observation
    /// (`observations`, the row's count).
    pub(crate) fn decode(data: &str, observations: i64, what: &str) -> Result<Block, StoreError> {
        let block: Block = serde_json::from_str(data)
            .map_err(|e| StoreError::corrupt(format!("observation block {what}: {e}")))?;
        let n = block.period.len();
        let fits = i64::try_from(n).is_ok_and(|n| n == observations)
            && block.value.len() == n
            && block.line.len() == n
            && block.unit.fits(n)
            && block.status.fits(n)
            && block.provisional.fits(n)
            && block.estimate.fits(n)
            && block.break_in_series.fits(n)
            && block.source_publisher.fits(n)
            && block.source_title.fits(n)
            && block.source_url.fits(n)
            && block.note.fits(n);
        if !fits {
            return Err(StoreError::corrupt(format!(
                "observation block {what}: its columns do not all have {observations} entries"
            )));
        }
        Ok(block)
    }
}

/// Entry `i` of a text column.
fn text(column: &Column<Option<String>>, i: usize) -> Option<&str> {
    column.get(i).and_then(|s| s.as_deref())
}

impl Block {
    /// The observations, in stored order.
    pub(crate) fn rows(&self) -> impl Iterator<Item = Stored<'_>> {
        (0..self.period.len()).map(move |i| Stored {
            period: &self.period[i],
            value: self.value[i],
            line: self.line[i],
            unit: text(&self.unit, i),
            status: text(&self.status, i),
            provisional: self.provisional.get(i).copied().unwrap_or(false),
            estimate: self.estimate.get(i).copied().unwrap_or(false),
            break_in_series: self.break_in_series.get(i).copied().unwrap_or(false),
            source_publisher: text(&self.source_publisher, i),
            source_title: text(&self.source_title, i),
            source_url: text(&self.source_url, i),
            note: text(&self.note, i),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pending(period: &str, value: Option<f64>, line: i64, attributes: u32) -> Pending {
        Pending {
            period: period.into(),
            value,
            line,
            attributes,
        }
    }

    #[test]
    fn a_block_reads_back_exactly_with_shared_and_varying_columns() {
        let a = Attributes {
            unit: Some("persons".into()),
            status: Some("A".into()),
            source_publisher: Some("IRCC".into()),
            ..Attributes::default()
        };
        let b = Attributes {
            status: Some("P".into()),
            provisional: true,
            ..a.clone()
        };
        let rows = [
            pending("2019", Some(64177.0), 2, 0),
            pending("2020", None, 3, 1),
            pending("2021", Some(0.1 + 0.2), 4, 0),
            pending("2022", Some(-1.5e-300), 5, 0),
        ];
        let data = encode(&rows, &[a, b]).unwrap();
        assert!(data.contains(r#""unit":"persons""#), "{data}");
        assert!(data.contains(r#""status":["A","P","A","A"]"#), "{data}");
        assert!(
            data.contains(r#""provisional":[false,true,false,false]"#),
            "{data}"
        );
        assert!(data.contains(r#""note":null"#), "{data}");
        let block = Block::decode(&data, 4, "test").unwrap();
        let back: Vec<Stored<'_>> = block.rows().collect();
        assert_eq!(back.len(), 4);
        assert_eq!(back[1].value, None);
        assert_eq!(back[1].status, Some("P"));
        assert!(back[1].provisional && !back[0].provisional);
        assert_eq!(back[2].value, Some(0.1 + 0.2), "bit-exact");
        assert_eq!(back[3].value, Some(-1.5e-300));
        assert_eq!((back[3].period, back[3].line), ("2022", 5));
        assert!(
            back.iter()
                .all(|r| r.unit == Some("persons") && r.note.is_none())
        );
    }

    #[test]
    fn a_damaged_block_is_refused_not_misread() {
        let data = encode(
            &[pending("2019", Some(1.0), 2, 0)],
            &[Attributes::default()],
        )
        .unwrap();
        assert!(Block::decode(&data, 2, "x").is_err(), "count disagrees");
        let short = data.replace(r#""line":[2]"#, r#""line":[]"#);
        let err = Block::decode(&short, 1, "CAN x").unwrap_err().to_string();
        assert!(err.contains("CAN x") && err.contains("1 entries"), "{err}");
        assert!(Block::decode("{", 1, "x").is_err());
        assert!(encode(&[pending("2019", None, 2, 7)], &[]).is_err());
    }
}
