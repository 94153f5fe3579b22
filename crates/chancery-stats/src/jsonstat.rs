//! JSON-stat: 2.0 datasets and collections, and the 1.x bundles still served by statistics
//! offices (Eurostat's old v1.1 web service, CSO Ireland).
//!
//! The whole document is read (JSON has no streaming form that keeps `id`/`size` before
//! `value`). Each cell of `value` is one candidate observation, its dimensions found from the
//! flat index in `id`/`size` row-major order. `value` and `status` may be arrays or sparse
//! objects keyed by flat index; `null`, `":"` and the other missing markers are missing values.
//! The country dimension has role `geo` (or is named `geo`, `REF_AREA`, `country`, `area`), the
//! time dimension role `time` (or named `time`, `year`, `TIME_PERIOD`, `period`); the remaining
//! dimensions, in `id` order, joined with `.`, are the series key, and a dimension with
//! role `metric` (or with `category.unit`) gives the unit.

use std::collections::HashMap;
use std::io::Read;
use std::sync::Arc;

use serde_json::{Map, Value};

use crate::common::{Deduper, Interner, Seen, Value as Cell, parse_value, show_value};
use crate::country::Resolved;
use crate::error::{Duplicate, ImportError, Location};
use crate::observation::{
    CountrySpec, Duplicates, Flags, Import, ImportOptions, MissingValues, Observation, PeriodSpec,
    SkipReason, SourceInfo,
};
use crate::period::Period;

const GEO_NAMES: &[&str] = &["geo", "ref_area", "country", "area"];
const TIME_NAMES: &[&str] = &["time", "year", "time_period", "period", "date"];

/// Reads a JSON-stat document (2.0 dataset, 2.0 collection with embedded datasets, or 1.x
/// bundle) into observations. Collection items that only link to a dataset are counted as
/// skipped with [`SkipReason::DatasetNotEmbedded`].
pub fn read_json_stat<R: Read>(mut input: R, opts: &ImportOptions) -> Result<Import, ImportError> {
    let mut bytes = Vec::new();
    input.read_to_end(&mut bytes)?;
    let root: Value = serde_json::from_slice(&bytes).map_err(|e| {
        let text = e.to_string();
        let message = text
            .rfind(" at line ")
            .map_or(text.as_str(), |i| &text[..i])
            .to_string();
        ImportError::Json {
            line: e.line(),
            column: e.column(),
            message,
        }
    })?;
    let mut found = Vec::new();
    let mut linked = Vec::new();
    collect(&root, None, &mut found, &mut linked, 0)?;
    let mut reader = Reader {
        opts,
        import: Import::default(),
        series: Interner::default(),
        units: Interner::default(),
        statuses: Interner::default(),
        dedup: (opts.duplicates == Duplicates::Check).then(Deduper::default),
        names: Vec::new(),
    };
    for href in linked {
        reader
            .import
            .summary
            .skip(&SkipReason::DatasetNotEmbedded { href }, 0);
    }
    for (name, dataset) in found {
        reader.dataset(name, dataset)?;
    }
    Ok(reader.import)
}

fn str_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

fn bad(dataset: &str, field: &str, message: impl Into<String>) -> ImportError {
    ImportError::JsonStat {
        dataset: dataset.to_string(),
        field: field.to_string(),
        message: message.into(),
    }
}

/// Finds the datasets in a document: (name, dataset) pairs, and hrefs of linked-only items.
fn collect<'a>(
    v: &'a Value,
    name: Option<String>,
    out: &mut Vec<(String, &'a Value)>,
    linked: &mut Vec<String>,
    depth: usize,
) -> Result<(), ImportError> {
    let doc = name.clone().unwrap_or_else(|| "document".to_string());
    if depth > 8 {
        return Err(bad(
            &doc,
            "link.item",
            "collections nested more than 8 deep",
        ));
    }
    let Some(obj) = v.as_object() else {
        return Err(bad(
            &doc,
            "(top level)",
            "expected a JSON object (a JSON-stat dataset, collection or bundle)",
        ));
    };
    let has_data = obj.contains_key("value") && obj.contains_key("dimension");
    match str_of(v, "class") {
        Some("dataset") => {
            let name = name
                .or_else(|| str_of(v, "label").map(str::to_string))
                .unwrap_or_else(|| "dataset".to_string());
            out.push((name, v));
        }
        Some("collection") => {
            let items = v
                .get("link")
                .and_then(|l| l.get("item"))
                .and_then(Value::as_array);
            for (i, item) in items.into_iter().flatten().enumerate() {
                let label = str_of(item, "label")
                    .or_else(|| str_of(item, "href"))
                    .map_or_else(|| format!("item {i}"), str::to_string);
                if item.get("value").is_some() && item.get("dimension").is_some() {
                    out.push((label, item));
                } else if str_of(item, "class") == Some("collection") && item.get("link").is_some()
                {
                    collect(item, Some(label), out, linked, depth + 1)?;
                } else {
                    linked.push(str_of(item, "href").map_or(label, str::to_string));
                }
            }
        }
        Some("bundle") | None if has_data => {
            out.push((name.unwrap_or_else(|| "dataset".to_string()), v));
        }
        Some("bundle") | None => {
            let before = out.len();
            for (key, d) in obj {
                if d.get("dimension").is_some() && d.get("value").is_some() {
                    out.push((key.clone(), d));
                }
            }
            if out.len() == before && linked.is_empty() {
                return Err(ImportError::UnsupportedFormat {
                    found: "JSON without a JSON-stat dataset (no `class` dataset/collection, and no member with `dimension` and `value` as in a 1.x bundle)".to_string(),
                });
            }
        }
        Some(other) => {
            return Err(bad(
                &doc,
                "class",
                format!("unknown class {other:?}; expected dataset, collection or bundle"),
            ));
        }
    }
    Ok(())
}

/// One dimension, resolved.
#[derive(Debug)]
struct Dim {
    id: String,
    size: usize,
    codes: Vec<String>,
    /// Per category: unit label when the category has one.
    units: Vec<Option<String>>,
}

struct Reader<'o> {
    opts: &'o ImportOptions,
    import: Import,
    series: Interner,
    units: Interner,
    statuses: Interner,
    dedup: Option<Deduper>,
    names: Vec<Arc<str>>,
}

fn size_of(v: &Value) -> Option<usize> {
    match v {
        Value::Number(n) => n.as_u64().and_then(|n| usize::try_from(n).ok()),
        // CSO Ireland writes sizes as strings.
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn dimension(name: &str, id: &str, dim: &Value, size: usize) -> Result<Dim, ImportError> {
    let field = format!("dimension.{id}.category");
    let cat = dim
        .get("category")
        .ok_or_else(|| bad(name, &field, "missing; every dimension needs a category"))?;
    let labels = cat.get("label").and_then(Value::as_object);
    let codes: Vec<String> = match cat.get("index") {
        Some(Value::Array(a)) => a
            .iter()
            .map(|c| {
                c.as_str().map(str::to_string).ok_or_else(|| {
                    bad(
                        name,
                        &format!("{field}.index"),
                        "expected an array of category ids (strings)",
                    )
                })
            })
            .collect::<Result<_, _>>()?,
        Some(Value::Object(m)) => {
            let mut slots: Vec<Option<String>> = vec![None; m.len()];
            for (code, pos) in m {
                let p = pos
                    .as_u64()
                    .and_then(|p| usize::try_from(p).ok())
                    .filter(|&p| p < m.len());
                let Some(p) = p else {
                    return Err(bad(
                        name,
                        &format!("{field}.index"),
                        format!(
                            "category {code:?} has position {pos}, expected 0 to {}",
                            m.len().saturating_sub(1)
                        ),
                    ));
                };
                slots[p] = Some(code.clone());
            }
            slots
                .into_iter()
                .enumerate()
                .map(|(i, c)| {
                    c.ok_or_else(|| {
                        bad(
                            name,
                            &format!("{field}.index"),
                            format!("no category at position {i}"),
                        )
                    })
                })
                .collect::<Result<_, _>>()?
        }
        None => match labels {
            Some(l) if l.len() == 1 => l.keys().cloned().collect(),
            _ => {
                return Err(bad(
                    name,
                    &field,
                    "no `index`, and `label` does not have exactly one category, so the order is unknown",
                ));
            }
        },
        Some(_) => {
            return Err(bad(
                name,
                &format!("{field}.index"),
                "expected an array or an object",
            ));
        }
    };
    if codes.len() != size {
        return Err(bad(
            name,
            &field,
            format!("has {} categories but `size` says {size}", codes.len()),
        ));
    }
    let unit_map = cat.get("unit").and_then(Value::as_object);
    let units = codes
        .iter()
        .map(|c| {
            let u = unit_map?.get(c)?;
            ["label", "base", "symbol"]
                .iter()
                .find_map(|k| str_of(u, k))
                .map(str::to_string)
        })
        .collect();
    Ok(Dim {
        id: id.to_string(),
        size,
        codes,
        units,
    })
}

/// Where the country or the period of every cell comes from.
#[derive(Debug, Clone, Copy)]
enum Axis<T> {
    Fixed(T),
    Dim(usize),
}

impl<T> Axis<T> {
    fn dim(&self) -> Option<usize> {
        match self {
            Axis::Fixed(_) => None,
            Axis::Dim(i) => Some(*i),
        }
    }
}

enum Status<'a> {
    None,
    All(&'a str),
    Dense(&'a [Value]),
    Sparse(HashMap<u64, &'a str>),
}

impl<'a> Status<'a> {
    fn parse(v: Option<&'a Value>) -> Status<'a> {
        match v {
            Some(Value::String(s)) => Status::All(s),
            Some(Value::Array(a)) if a.len() == 1 => {
                a[0].as_str().map_or(Status::None, Status::All)
            }
            Some(Value::Array(a)) => Status::Dense(a),
            // Eurostat's v1.1 service wraps the array: {"value": [...], "category": {...}}.
            Some(Value::Object(m))
                if m.get("value")
                    .is_some_and(|v| v.is_array() || v.is_object()) =>
            {
                Status::parse(m.get("value"))
            }
            Some(Value::Object(m)) => Status::Sparse(
                m.iter()
                    .filter_map(|(k, v)| Some((k.parse().ok()?, v.as_str()?)))
                    .collect(),
            ),
            _ => Status::None,
        }
    }

    fn get(&self, i: u64) -> Option<&'a str> {
        match self {
            Status::None => None,
            Status::All(s) => Some(s),
            Status::Dense(a) => usize::try_from(i)
                .ok()
                .and_then(|i| a.get(i))
                .and_then(Value::as_str),
            Status::Sparse(m) => m.get(&i).copied(),
        }
    }
}

fn pick(
    ids: &[String],
    role: Option<&Map<String, Value>>,
    role_name: &str,
    names: &[&str],
) -> Option<usize> {
    let by_role = role
        .and_then(|r| r.get(role_name))
        .and_then(Value::as_array)
        .and_then(|list| {
            list.iter()
                .filter_map(Value::as_str)
                .find_map(|r| ids.iter().position(|id| id == r))
        });
    by_role.or_else(|| {
        names
            .iter()
            .find_map(|n| ids.iter().position(|id| id.eq_ignore_ascii_case(n)))
    })
}

fn named(ids: &[String], wanted: &str, name: &str, what: &str) -> Result<usize, ImportError> {
    ids.iter()
        .position(|id| id == wanted)
        .or_else(|| ids.iter().position(|id| id.eq_ignore_ascii_case(wanted)))
        .ok_or_else(|| {
            bad(
                name,
                "id",
                format!(
                    "no {what} dimension named {wanted:?}; the dimensions are: {}",
                    ids.join(", ")
                ),
            )
        })
}

impl Reader<'_> {
    fn dataset(&mut self, name: String, d: &Value) -> Result<(), ImportError> {
        let dim_obj = d
            .get("dimension")
            .ok_or_else(|| bad(&name, "dimension", "missing"))?;
        // 2.0 puts id/size/role at the top; 1.x inside `dimension`.
        let get = |key: &str| d.get(key).or_else(|| dim_obj.get(key));
        let ids: Vec<String> = get("id")
            .and_then(Value::as_array)
            .ok_or_else(|| bad(&name, "id", "missing; expected the array of dimension ids"))?
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| bad(&name, "id", "expected strings"))
            })
            .collect::<Result<_, _>>()?;
        let sizes: Vec<usize> = get("size")
            .and_then(Value::as_array)
            .ok_or_else(|| {
                bad(
                    &name,
                    "size",
                    "missing; expected the array of dimension sizes",
                )
            })?
            .iter()
            .map(|v| {
                size_of(v).ok_or_else(|| {
                    bad(
                        &name,
                        "size",
                        format!("expected non-negative integers, found {v}"),
                    )
                })
            })
            .collect::<Result<_, _>>()?;
        if ids.len() != sizes.len() {
            return Err(bad(
                &name,
                "size",
                format!("has {} entries but `id` has {}", sizes.len(), ids.len()),
            ));
        }
        let role = get("role").and_then(Value::as_object);
        let dims: Vec<Dim> = ids
            .iter()
            .zip(&sizes)
            .map(|(id, &size)| {
                let dim = dim_obj.get(id).ok_or_else(|| {
                    bad(
                        &name,
                        &format!("dimension.{id}"),
                        "listed in `id` but not described",
                    )
                })?;
                dimension(&name, id, dim, size)
            })
            .collect::<Result<_, _>>()?;
        let total = sizes
            .iter()
            .try_fold(1u64, |acc, &s| acc.checked_mul(s as u64))
            .ok_or_else(|| bad(&name, "size", "the product of sizes overflows"))?;

        let geo = match &self.opts.country {
            CountrySpec::Fixed(c) => Axis::Fixed(*c),
            CountrySpec::Column(c) => Axis::Dim(named(&ids, c, &name, "country")?),
            CountrySpec::Auto => Axis::Dim(pick(&ids, role, "geo", GEO_NAMES).ok_or_else(|| {
                bad(&name, "role.geo", format!("no country dimension (role geo, or one named geo, REF_AREA, country or area; the dimensions are: {}); name it, or give a fixed country for a dataset about one country", ids.join(", ")))
            })?),
        };
        let time = match &self.opts.period {
            PeriodSpec::Fixed(p) => Axis::Fixed(*p),
            PeriodSpec::Column(c) => Axis::Dim(named(&ids, c, &name, "time")?),
            PeriodSpec::Auto => Axis::Dim(pick(&ids, role, "time", TIME_NAMES).ok_or_else(|| {
                bad(&name, "role.time", format!("no time dimension (role time, or one named time, year, TIME_PERIOD or period; the dimensions are: {}); name it or give a fixed period", ids.join(", ")))
            })?),
        };
        let metric = pick(&ids, role, "metric", &[]).or_else(|| {
            dims.iter()
                .position(|d| d.units.iter().any(Option::is_some))
        });
        let series_dims: Vec<usize> = (0..dims.len())
            .filter(|&i| geo.dim() != Some(i) && time.dim() != Some(i))
            .collect();

        let values = d
            .get("value")
            .ok_or_else(|| bad(&name, "value", "missing"))?;
        let cells: Vec<(u64, &Value)> = match values {
            Value::Array(a) => {
                if a.len() as u64 != total {
                    return Err(ImportError::SizeMismatch {
                        dataset: name,
                        sizes: sizes.iter().map(|&s| s as u64).collect(),
                        expected: total,
                        found: a.len() as u64,
                    });
                }
                (0..total).zip(a.iter()).collect()
            }
            Value::Object(m) => {
                let mut cells = Vec::with_capacity(m.len());
                for (k, v) in m {
                    let i: u64 = k.parse().map_err(|_| {
                        bad(
                            &name,
                            "value",
                            format!("sparse key {k:?} is not a cell index"),
                        )
                    })?;
                    if i >= total {
                        return Err(bad(
                            &name,
                            "value",
                            format!(
                                "sparse key {i} is beyond the {total} cells that `size` describes"
                            ),
                        ));
                    }
                    cells.push((i, v));
                }
                cells.sort_unstable_by_key(|c| c.0);
                cells
            }
            _ => {
                return Err(bad(
                    &name,
                    "value",
                    "expected an array or an object keyed by cell index",
                ));
            }
        };
        let status = Status::parse(d.get("status"));

        let source = SourceInfo {
            publisher: str_of(d, "source").map(str::to_string),
            title: str_of(d, "label")
                .or_else(|| str_of(d, "title"))
                .map(str::to_string),
            url: str_of(d, "href").map(str::to_string),
            retrieved_from: None,
        };
        let source = (source != SourceInfo::default()).then(|| Arc::new(source));
        let tag = u32::try_from(self.names.len()).unwrap_or(u32::MAX);
        let dataset: Arc<str> = Arc::from(name.as_str());
        self.names.push(Arc::clone(&dataset));

        let mut countries: Vec<Option<Result<Resolved, String>>> =
            vec![None; geo.dim().map_or(0, |g| dims[g].size)];
        let mut periods: Vec<Option<Result<Period, String>>> =
            vec![None; time.dim().map_or(0, |t| dims[t].size)];
        let mut coord = vec![0usize; dims.len()];
        let mut key = String::new();
        for (index, cell) in cells {
            let at = || Location::Cell {
                dataset: Arc::clone(&dataset),
                index,
            };
            let mut rem = index;
            for (c, &s) in coord.iter_mut().zip(&sizes).rev() {
                let s = s as u64;
                // s > 0 here: a zero size makes `total` 0 and leaves no cells.
                *c = usize::try_from(rem % s).unwrap_or(0);
                rem /= s;
            }
            let country = match geo {
                Axis::Fixed(c) => c,
                Axis::Dim(g) => {
                    let code = &dims[g].codes[coord[g]];
                    let slot = &mut countries[coord[g]];
                    let r = slot.get_or_insert_with(|| {
                        self.opts.country_map.resolve(code).map_err(|e| e.code)
                    });
                    match r {
                        Ok(Resolved::Country(c)) => *c,
                        Ok(Resolved::NotACountry) => {
                            self.import
                                .summary
                                .skip(&SkipReason::NotACountry { code: code.clone() }, index);
                            continue;
                        }
                        Err(code) => {
                            return Err(ImportError::UnknownCountry {
                                at: at(),
                                column: dims[g].id.clone(),
                                code: code.clone(),
                            });
                        }
                    }
                }
            };
            let value = match cell {
                Value::Number(n) => n.as_f64().map_or(Cell::Missing, Cell::Number),
                Value::Null => Cell::Missing,
                Value::String(s) => {
                    parse_value(s.as_bytes()).map_err(|message| ImportError::Field {
                        at: at(),
                        column: "value".to_string(),
                        message,
                    })?
                }
                other => {
                    return Err(ImportError::Field {
                        at: at(),
                        column: "value".to_string(),
                        message: format!("expected a number or null, found {other}"),
                    });
                }
            };
            let value = match value {
                Cell::Number(v) => Some(v),
                Cell::Missing if self.opts.missing == MissingValues::Keep => None,
                Cell::Missing => {
                    self.import.summary.skip(&SkipReason::MissingValue, index);
                    continue;
                }
            };
            let period = match time {
                Axis::Fixed(p) => p,
                Axis::Dim(t) => {
                    let code = &dims[t].codes[coord[t]];
                    match periods[coord[t]]
                        .get_or_insert_with(|| Period::parse(code).map_err(|e| e.reason))
                    {
                        Ok(p) => *p,
                        Err(reason) => {
                            return Err(ImportError::Field {
                                at: at(),
                                column: dims[t].id.clone(),
                                message: format!("invalid period {code:?}: {reason}"),
                            });
                        }
                    }
                }
            };
            key.clear();
            for (n, &i) in series_dims.iter().enumerate() {
                if n > 0 {
                    key.push('.');
                }
                key.push_str(&dims[i].codes[coord[i]]);
            }
            if series_dims.is_empty() {
                key.push_str(&dataset);
            }
            let (series, series_id) = self.series.intern(&key);
            if let Some(dedup) = &mut self.dedup {
                match dedup.check(country, series_id, period, value, index, tag) {
                    Seen::New => {}
                    Seen::Repeat => {
                        self.import.summary.skip(&SkipReason::Duplicate, index);
                        continue;
                    }
                    Seen::Conflict {
                        first,
                        tag,
                        value: first_value,
                    } => {
                        let first_dataset = self
                            .names
                            .get(tag as usize)
                            .cloned()
                            .unwrap_or_else(|| Arc::clone(&dataset));
                        return Err(ImportError::Duplicate(Box::new(Duplicate {
                            country,
                            series,
                            period,
                            first: Location::Cell {
                                dataset: first_dataset,
                                index: first,
                            },
                            first_value: show_value(first_value),
                            at: at(),
                            value: show_value(value),
                        })));
                    }
                }
            }
            let unit = metric
                .and_then(|m| dims[m].units[coord[m]].as_deref())
                .map(|u| self.units.intern(u).0);
            let flags = match status.get(index) {
                Some(s) if !s.trim().is_empty() => {
                    let mut f = Flags::from_status(s);
                    f.status = Some(self.statuses.intern(s.trim()).0);
                    f
                }
                _ => Flags::default(),
            };
            self.import.summary.rows += 1;
            self.import.summary.observations += 1;
            self.import.observations.push(Observation {
                country,
                series,
                period,
                value,
                unit,
                flags,
                source: source.clone(),
                note: None,
                line: index,
            });
        }
        Ok(())
    }
}
