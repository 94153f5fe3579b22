//! The statistics explorer page and its CSV: Canada against the other hosts as rates, with a
//! chart, sources and caveats; bad parameters are 400s naming the parameter.

use axum::http::StatusCode;
use chancery_testkit::Backend;

use crate::common::TestApp;

#[tokio::test]
async fn the_explorer_compares_canada_with_the_other_hosts_as_rates() {
    let app = TestApp::new(Backend::Sqlite).await;
    let mut c = app.login("reader").await;
    let empty = c.get("/statistics").await;
    empty.assert_status(StatusCode::OK);
    let doc = empty.doc();
    assert!(doc.has("select#code option[value=asylum_rate_per_100k]"));
    assert!(!doc.has("#values"), "no table before a choice");

    let r = c
        .get("/statistics?code=asylum_rate_per_100k&from=2024&to=2024")
        .await;
    r.assert_status(StatusCode::OK);
    let doc = r.doc();
    let countries: Vec<String> = doc
        .all("#values tbody tr")
        .into_iter()
        .map(|row| {
            crate::common::text_of(
                row.select(&scraper::Selector::parse("td").unwrap())
                    .next()
                    .unwrap(),
            )
        })
        .collect();
    // UNHCR has no Australian applications for 2024: 11 hosts, each a rate.
    assert_eq!(countries.len(), 11, "{countries:?}");
    assert!(countries.contains(&"CAN".to_string()));
    let can = doc
        .all("#values tbody tr")
        .into_iter()
        .map(crate::common::text_of)
        .find(|t| t.starts_with("CAN"))
        .unwrap();
    assert!(
        can.contains("421") && can.contains("173,931") && can.contains("41,288,599"),
        "{can}"
    );
    assert!(
        doc.has("figure.chart svg g.bar"),
        "a bar chart for one year"
    );
    assert!(doc.text("ul.sources").contains("UNHCR"));
    assert!(doc.has("ul.sources a[href='/sources#S10']"));
    assert!(!doc.texts("ul.caveats li").is_empty());
    assert!(
        doc.text("ul.gaps").contains("AUS"),
        "the missing Australian row is explained"
    );
    let csv_link = doc.attr("a#csv", "href").unwrap();

    // The CSV is the table as shown.
    let csv = c.get(&csv_link).await;
    csv.assert_status(StatusCode::OK);
    assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
    assert!(
        csv.header("content-disposition")
            .unwrap()
            .contains("asylum_rate_per_100k.csv")
    );
    let mut reader = csv::Reader::from_reader(csv.body.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 11);
    let can_row = rows.iter().find(|r| &r[0] == "CAN").unwrap();
    assert_eq!(&can_row[3], "421");
    assert!(can.contains(&can_row[5]) && can.contains(&can_row[6]));

    // Over time, several countries: a line chart with a legend.
    let r = c
        .get("/statistics?code=net_migration_per_1000&countries=CAN,AUS,NZL&from=2015&to=2024")
        .await;
    r.assert_status(StatusCode::OK);
    let doc = r.doc();
    assert_eq!(doc.all("figure.chart svg g.series").len(), 3);
    assert_eq!(doc.all("figure.chart svg g.legend").len(), 3);
    assert!(
        doc.text("figure.chart svg text.source")
            .starts_with("Source:")
    );
}

#[tokio::test]
async fn bad_explorer_parameters_are_400s_naming_the_parameter() {
    let app = TestApp::new(Backend::Sqlite).await;
    let mut c = app.login("reader").await;
    for (query, parameter) in [
        ("code=no_such_indicator", "code"),
        ("code=&countries=CAN", "code"),
        ("code=asylum_rate_per_100k&countries=CANADA", "countries"),
        ("code=asylum_rate_per_100k&from=20x5", "from"),
        ("code=asylum_rate_per_100k&from=2020&to=2015", "to"),
        ("code=asylum_rate_per_100k&code=population_total", "code"),
        ("code=asylum_rate_per_100k&colour=red", "colour"),
    ] {
        for path in [
            "/statistics",
            "/statistics.csv",
            "/api/v1/statistics",
            "/api/v1/statistics/csv",
        ] {
            let r = c.get(&format!("{path}?{query}")).await;
            assert_eq!(
                r.status,
                StatusCode::BAD_REQUEST,
                "{path}?{query}: {}",
                r.body
            );
            assert!(
                r.body.contains(&format!("`{parameter}`")),
                "{path}?{query}: {}",
                r.body
            );
            if path.starts_with("/api") {
                let json: serde_json::Value = serde_json::from_str(&r.body).unwrap();
                assert_eq!(json["errors"][0]["field"], parameter, "{path}?{query}");
            }
        }
    }
    // The CSV needs a choice.
    c.get("/statistics.csv")
        .await
        .assert_status(StatusCode::BAD_REQUEST);
    // Logged out: no statistics.
    let mut anonymous = app.client();
    let r = anonymous
        .get("/api/v1/statistics?code=asylum_rate_per_100k")
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = anonymous.get("/statistics?code=asylum_rate_per_100k").await;
    assert!(
        r.status.is_redirection() || r.status == StatusCode::UNAUTHORIZED,
        "{}",
        r.status
    );
}
