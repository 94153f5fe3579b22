//! SVG charts for statistics: line charts (one series per country over time) and bar charts
//! (one period, many countries), each with a title, axis labels, the unit, a legend and a
//! source line under the chart.
//!
//! A small SVG writer of our own rather than plotters: the charts are simple, the output must
//! be byte-for-byte deterministic (the compiler hashes what it embeds; tests snapshot it), and
//! it needs no fonts at build time. Text is left to the renderer (browsers, typst), in a
//! generic sans-serif family. The API is deliberately small and stable:
//! `LineChart { … }.to_svg()` and `BarChart { … }.to_svg()` return a standalone `<svg>`
//! string that can be inlined in HTML or handed to typst as a file.
//!
//! ```
//! use chancery_stats::chart::{BarChart, LineChart, Series};
//!
//! let svg = BarChart {
//!     title: "Asylum applications per 100,000 residents, 2024".into(),
//!     x_label: "Country".into(),
//!     y_label: "per 100,000 residents".into(),
//!     bars: vec![("CAN".into(), 421.0), ("NZL".into(), 19.5)],
//!     source: "Source: UNHCR (S10); World Bank (S9)".into(),
//!     decimals: 0,
//! }
//! .to_svg();
//! assert!(svg.starts_with("<svg") && svg.contains("Source: UNHCR"));
//!
//! let line = LineChart {
//!     title: "Net migration per 1,000".into(),
//!     x_label: "Year".into(),
//!     y_label: "per 1,000 residents".into(),
//!     series: vec![Series { name: "CAN".into(), points: vec![("2022".into(), 9.8), ("2023".into(), 10.8)] }],
//!     source: "Source: World Bank".into(),
//!     decimals: 1,
//! }
//! .to_svg();
//! assert!(line.contains("<path"));
//! ```

use std::collections::BTreeSet;
use std::fmt::Write as _;

/// Colours of successive series or bars (colour-blind-friendly Tableau 10, then repeats).
const PALETTE: [&str; 10] = [
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
    "#9c755f", "#bab0ac",
];

const WIDTH: f64 = 760.0;
const PLOT_LEFT: f64 = 90.0;
const PLOT_TOP: f64 = 56.0;
const PLOT_HEIGHT: f64 = 260.0;
/// Characters per line of the wrapped source note.
const SOURCE_LINE: usize = 120;

/// One line of a [`LineChart`]: a country (or group) and its values by period.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Legend label.
    pub name: String,
    /// (period, value), in any order; periods are sorted as text (canonical periods sort in
    /// time order).
    pub points: Vec<(String, f64)>,
}

/// Several series over time.
#[derive(Debug, Clone, PartialEq)]
pub struct LineChart {
    /// Title above the chart.
    pub title: String,
    /// Horizontal axis label.
    pub x_label: String,
    /// Vertical axis label: the unit.
    pub y_label: String,
    /// The lines.
    pub series: Vec<Series>,
    /// The source line printed under the chart.
    pub source: String,
    /// Decimal places of tick labels at most.
    pub decimals: u8,
}

/// Many countries (or groups), one period.
#[derive(Debug, Clone, PartialEq)]
pub struct BarChart {
    /// Title above the chart.
    pub title: String,
    /// Horizontal axis label.
    pub x_label: String,
    /// Vertical axis label: the unit.
    pub y_label: String,
    /// (label, value), drawn in this order.
    pub bars: Vec<(String, f64)>,
    /// The source line printed under the chart.
    pub source: String,
    /// Decimal places of value labels.
    pub decimals: u8,
}

/// Escapes text for SVG content and attributes.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// `1234567.5` → `1,234,567.5`.
fn number(value: f64, decimals: u8) -> String {
    let text = format!("{:.*}", usize::from(decimals), value.abs());
    let (int, frac) = text
        .split_once('.')
        .map_or((text.as_str(), None), |(i, f)| (i, Some(f)));
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let negative = value < 0.0 && text.bytes().any(|b| (b'1'..=b'9').contains(&b));
    let sign = if negative { "-" } else { "" };
    match frac {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    }
}

/// Ticks covering `[lo, hi]` at a 1–2–5 step, always including zero in the range.
fn ticks(lo: f64, hi: f64) -> (f64, f64, f64) {
    let lo = lo.min(0.0);
    let hi = hi.max(0.0);
    let hi = if hi > lo { hi } else { lo + 1.0 };
    let span = hi - lo;
    let rough = span / 5.0;
    let magnitude = 10f64.powf(rough.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|s| span / s <= 6.0)
        .unwrap_or(10.0 * magnitude);
    let start = (lo / step).floor() * step;
    let end = (hi / step).ceil() * step;
    (start, if end > start { end } else { start + step }, step)
}

/// Decimals a tick label needs for `step`.
fn tick_decimals(step: f64, max: u8) -> u8 {
    let mut d = 0u8;
    while d < max && (step * 10f64.powi(i32::from(d))).fract().abs() > 1e-9 {
        d += 1;
    }
    d
}

/// Splits a long source note into lines at spaces.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// The frame shared by both charts: header, axes with ticks, axis labels, and the source note.
struct Frame {
    svg: String,
    plot_width: f64,
    lo: f64,
    hi: f64,
}

/// The texts around a chart.
struct Labels<'a> {
    title: &'a str,
    x_label: &'a str,
    y_label: &'a str,
    source: &'a str,
    /// The accessible description (`<desc>`).
    description: &'a str,
}

impl Frame {
    fn new(
        labels: &Labels<'_>,
        plot_width: f64,
        values: impl Iterator<Item = f64>,
        decimals: u8,
    ) -> Frame {
        let Labels {
            title,
            x_label,
            y_label,
            source,
            description,
        } = *labels;
        let (mut min, mut max) = (f64::INFINITY, f64::NEG_INFINITY);
        for v in values.filter(|v| v.is_finite()) {
            min = min.min(v);
            max = max.max(v);
        }
        if !min.is_finite() {
            (min, max) = (0.0, 1.0);
        }
        let (lo, hi, step) = ticks(min, max);
        let source_lines = wrap(source, SOURCE_LINE);
        let height = PLOT_TOP + PLOT_HEIGHT + 70.0 + 14.0 * source_lines.len() as f64;
        let mut svg = String::new();
        let _ = write!(
            svg,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" role="img" aria-labelledby="chart-title chart-desc" font-family="sans-serif" font-size="12">"#
        );
        let _ = write!(
            svg,
            "\n<title id=\"chart-title\">{}</title>\n<desc id=\"chart-desc\">{}</desc>\n<rect width=\"{WIDTH}\" height=\"{height}\" fill=\"#ffffff\"/>",
            escape(title),
            escape(description)
        );
        let _ = write!(
            svg,
            "\n<text x=\"{PLOT_LEFT}\" y=\"24\" font-size=\"15\" font-weight=\"bold\">{}</text>",
            escape(title)
        );
        let frame = Frame {
            svg,
            plot_width,
            lo,
            hi,
        };
        let mut frame = frame;
        let bottom = PLOT_TOP + PLOT_HEIGHT;
        let d = tick_decimals(step, decimals.max(2));
        let mut t = lo;
        let mut guard = 0;
        while t <= hi + step * 1e-9 && guard < 50 {
            let y = frame.y(t);
            let _ = write!(
                frame.svg,
                "\n<line x1=\"{PLOT_LEFT}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"#e0e0e0\"/><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
                PLOT_LEFT + plot_width,
                PLOT_LEFT - 6.0,
                y + 4.0,
                number(t, d)
            );
            t += step;
            guard += 1;
        }
        let _ = write!(
            frame.svg,
            "\n<line x1=\"{PLOT_LEFT}\" y1=\"{PLOT_TOP}\" x2=\"{PLOT_LEFT}\" y2=\"{bottom}\" stroke=\"#333333\"/><line x1=\"{PLOT_LEFT}\" y1=\"{y0:.1}\" x2=\"{:.1}\" y2=\"{y0:.1}\" stroke=\"#333333\"/>",
            PLOT_LEFT + plot_width,
            y0 = frame.y(0.0)
        );
        let _ = write!(
            frame.svg,
            "\n<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            PLOT_LEFT + plot_width / 2.0,
            bottom + 40.0,
            escape(x_label)
        );
        let _ = write!(
            frame.svg,
            "\n<text x=\"18\" y=\"{:.1}\" text-anchor=\"middle\" transform=\"rotate(-90 18 {:.1})\">{}</text>",
            PLOT_TOP + PLOT_HEIGHT / 2.0,
            PLOT_TOP + PLOT_HEIGHT / 2.0,
            escape(y_label)
        );
        for (i, line) in source_lines.iter().enumerate() {
            let _ = write!(
                frame.svg,
                "\n<text class=\"source\" x=\"10\" y=\"{:.1}\" font-size=\"10\" fill=\"#555555\">{}</text>",
                bottom + 64.0 + 14.0 * i as f64,
                escape(line)
            );
        }
        frame
    }

    fn y(&self, v: f64) -> f64 {
        PLOT_TOP + PLOT_HEIGHT - (v - self.lo) / (self.hi - self.lo) * PLOT_HEIGHT
    }

    fn finish(mut self) -> String {
        self.svg.push_str("\n</svg>\n");
        self.svg
    }
}

impl LineChart {
    /// The chart as a standalone SVG document. Same input, same bytes.
    pub fn to_svg(&self) -> String {
        let periods: Vec<&str> = self
            .series
            .iter()
            .flat_map(|s| s.points.iter().map(|(p, _)| p.as_str()))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let plot_width = WIDTH - PLOT_LEFT - 130.0;
        let description = format!(
            "Line chart: {} over {} periods ({} to {}) for {}.",
            self.y_label,
            periods.len(),
            periods.first().unwrap_or(&""),
            periods.last().unwrap_or(&""),
            self.series
                .iter()
                .map(|s| s.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
        let labels = Labels {
            title: &self.title,
            x_label: &self.x_label,
            y_label: &self.y_label,
            source: &self.source,
            description: &description,
        };
        let mut frame = Frame::new(
            &labels,
            plot_width,
            self.series
                .iter()
                .flat_map(|s| s.points.iter().map(|(_, v)| *v)),
            self.decimals,
        );
        let x = |i: usize| {
            if periods.len() <= 1 {
                PLOT_LEFT + frame.plot_width / 2.0
            } else {
                PLOT_LEFT + 10.0 + (frame.plot_width - 20.0) * i as f64 / (periods.len() - 1) as f64
            }
        };
        // Label at most ~12 periods so the axis stays legible.
        let every = periods.len().div_ceil(12).max(1);
        let bottom = PLOT_TOP + PLOT_HEIGHT;
        for (i, p) in periods.iter().enumerate() {
            if i % every == 0 || i + 1 == periods.len() {
                let _ = write!(
                    frame.svg,
                    "\n<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                    x(i),
                    bottom + 18.0,
                    escape(p)
                );
            }
        }
        for (n, s) in self.series.iter().enumerate() {
            let colour = PALETTE[n % PALETTE.len()];
            let mut pts: Vec<(usize, f64)> = s
                .points
                .iter()
                .filter(|(_, v)| v.is_finite())
                .filter_map(|(p, v)| periods.iter().position(|q| q == p).map(|i| (i, *v)))
                .collect();
            pts.sort_by_key(|(i, _)| *i);
            // A missing period breaks the line rather than bridging the gap.
            let mut d = String::new();
            let mut prev: Option<usize> = None;
            for (i, v) in &pts {
                let cmd = if prev.is_some_and(|p| p + 1 == *i) {
                    'L'
                } else {
                    'M'
                };
                let _ = write!(d, "{cmd}{:.1},{:.1} ", x(*i), frame.y(*v));
                prev = Some(*i);
            }
            let _ = write!(
                frame.svg,
                "\n<g class=\"series\"><title>{}</title><path d=\"{}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\"/>",
                escape(&s.name),
                d.trim_end()
            );
            for (i, v) in &pts {
                let _ = write!(
                    frame.svg,
                    "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"{colour}\"><title>{} {}: {}</title></circle>",
                    x(*i),
                    frame.y(*v),
                    escape(&s.name),
                    escape(periods[*i]),
                    number(*v, self.decimals)
                );
            }
            frame.svg.push_str("</g>");
            let ly = PLOT_TOP + 8.0 + 18.0 * n as f64;
            let lx = PLOT_LEFT + frame.plot_width + 16.0;
            let _ = write!(
                frame.svg,
                "\n<g class=\"legend\"><line x1=\"{lx:.1}\" y1=\"{ly:.1}\" x2=\"{:.1}\" y2=\"{ly:.1}\" stroke=\"{colour}\" stroke-width=\"3\"/><text x=\"{:.1}\" y=\"{:.1}\">{}</text></g>",
                lx + 22.0,
                lx + 28.0,
                ly + 4.0,
                escape(&s.name)
            );
        }
        frame.finish()
    }
}

impl BarChart {
    /// The chart as a standalone SVG document. Same input, same bytes.
    pub fn to_svg(&self) -> String {
        let plot_width = WIDTH - PLOT_LEFT - 130.0;
        let description = format!(
            "Bar chart: {} for {}.",
            self.y_label,
            self.bars
                .iter()
                .map(|(l, v)| format!("{l} {}", number(*v, self.decimals)))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let labels = Labels {
            title: &self.title,
            x_label: &self.x_label,
            y_label: &self.y_label,
            source: &self.source,
            description: &description,
        };
        let mut frame = Frame::new(
            &labels,
            plot_width,
            self.bars.iter().map(|(_, v)| *v),
            self.decimals,
        );
        let n = self.bars.len().max(1) as f64;
        let slot = frame.plot_width / n;
        let bar = (slot * 0.7).min(48.0);
        let y0 = frame.y(0.0);
        let bottom = PLOT_TOP + PLOT_HEIGHT;
        for (i, (label, value)) in self.bars.iter().enumerate() {
            if !value.is_finite() {
                continue;
            }
            let cx = PLOT_LEFT + slot * (i as f64 + 0.5);
            let yv = frame.y(*value);
            let (top, h) = if yv < y0 {
                (yv, y0 - yv)
            } else {
                (y0, yv - y0)
            };
            let _ = write!(
                frame.svg,
                "\n<g class=\"bar\"><title>{}: {}</title><rect x=\"{:.1}\" y=\"{top:.1}\" width=\"{bar:.1}\" height=\"{h:.1}\" fill=\"{}\"/>",
                escape(label),
                number(*value, self.decimals),
                cx - bar / 2.0,
                PALETTE[0]
            );
            let ty = if *value >= 0.0 {
                top - 4.0
            } else {
                top + h + 12.0
            };
            let _ = write!(
                frame.svg,
                "<text x=\"{cx:.1}\" y=\"{ty:.1}\" text-anchor=\"middle\" font-size=\"10\">{}</text><text x=\"{cx:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text></g>",
                number(*value, self.decimals),
                bottom + 18.0,
                escape(label)
            );
        }
        // One colour, one legend entry: under the title, where a long unit has room.
        let _ = write!(
            frame.svg,
            "\n<g class=\"legend\"><rect x=\"{PLOT_LEFT}\" y=\"34\" width=\"12\" height=\"12\" fill=\"{}\"/><text x=\"{:.1}\" y=\"44\">{}</text></g>",
            PALETTE[0],
            PLOT_LEFT + 18.0,
            escape(&self.y_label)
        );
        frame.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_and_cover_the_data() {
        assert_eq!(ticks(0.0, 421.0), (0.0, 500.0, 100.0));
        assert_eq!(
            ticks(-334_072.0, 433_842.0),
            (-400_000.0, 600_000.0, 200_000.0)
        );
        assert_eq!(ticks(2.5, 7.6), (0.0, 8.0, 2.0));
        assert_eq!(ticks(0.0, 0.0), (0.0, 1.0, 0.2));
    }

    #[test]
    fn numbers_and_text_are_safe() {
        assert_eq!(number(1_234_567.5, 1), "1,234,567.5");
        assert_eq!(number(-0.01, 1), "0.0");
        assert_eq!(escape("<a & \"b\">"), "&lt;a &amp; &quot;b&quot;&gt;");
        assert_eq!(wrap("a bb ccc dddd", 6), ["a bb", "ccc", "dddd"]);
    }
}
