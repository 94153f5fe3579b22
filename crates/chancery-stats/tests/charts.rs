//! Charts: deterministic SVG (snapshots), with title, axis labels, unit, legend and source.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use chancery_stats::chart::{BarChart, LineChart, Series};

/// Real values from the data pack: new asylum applications (UNHCR) per 100,000 residents
/// (World Bank), rounded to one decimal.
fn line() -> LineChart {
    let series = |name: &str, values: &[(u16, f64)]| Series {
        name: name.into(),
        points: values.iter().map(|(y, v)| (y.to_string(), *v)).collect(),
    };
    LineChart {
        title: "New asylum applications per 100,000 residents".into(),
        x_label: "Year".into(),
        y_label: "per 100,000 residents".into(),
        series: vec![
            // CAN 2021 left out on purpose: a missing period must break the line.
            series("CAN", &[(2019, 155.1), (2020, 50.1), (2022, 242.4), (2023, 366.1), (2024, 421.3)]),
            series("NZL", &[(2019, 10.8), (2020, 8.6), (2021, 8.2), (2022, 6.6), (2023, 33.1), (2024, 45.1)]),
        ],
        source: "Source: UNHCR Refugee Population Statistics Database (S10); World Bank WDI SP.POP.TOTL (S9). Computed by Chancery: applications / population × 100,000.".into(),
        decimals: 1,
    }
}

fn bar() -> BarChart {
    BarChart {
        // Data-pack values (World Bank modelled net migration / population, 2024), plus a
        // negative bar and markup characters in the title to check drawing and escaping.
        title: "Net migration per 1,000 residents, 2024 <modelled> & projected".into(),
        x_label: "Country".into(),
        y_label: "per 1,000 residents".into(),
        bars: vec![
            ("CAN".into(), 8.9),
            ("DEU".into(), 0.4),
            ("NZL".into(), 3.5),
            ("XXX".into(), -2.5),
        ],
        source: "Source: World Bank WDI SM.POP.NETM (S27)".into(),
        decimals: 1,
    }
}

#[test]
fn line_chart_snapshot() {
    insta::assert_snapshot!(line().to_svg());
}

#[test]
fn bar_chart_snapshot() {
    insta::assert_snapshot!(bar().to_svg());
}

#[test]
fn charts_are_deterministic_and_carry_their_labels() {
    let a = line().to_svg();
    assert_eq!(a, line().to_svg());
    for needle in [
        "New asylum applications per 100,000 residents",
        ">Year<",
        ">per 100,000 residents<",
        "class=\"legend\"",
        ">CAN<",
        ">NZL<",
        "class=\"source\"",
        "Source: UNHCR",
    ] {
        assert!(a.contains(needle), "missing {needle}");
    }
    // A gap (CAN 2021) breaks CAN's line: two segments.
    let can_path = a
        .split("<path d=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    assert_eq!(can_path.matches('M').count(), 2, "{can_path}");

    let b = bar().to_svg();
    assert_eq!(b, bar().to_svg());
    assert!(
        b.contains("&lt;modelled&gt; &amp; projected"),
        "title escaped"
    );
    assert_eq!(b.matches("class=\"bar\"").count(), 4);
    assert!(b.contains(">-2.5<"), "negative bar labelled");
}

#[test]
fn empty_and_odd_inputs_do_not_panic() {
    let mut l = line();
    l.series.clear();
    assert!(l.to_svg().ends_with("</svg>\n"));
    let mut b = bar();
    b.bars = vec![("X".into(), f64::NAN), ("Y".into(), 0.0)];
    assert!(b.to_svg().ends_with("</svg>\n"));
}
