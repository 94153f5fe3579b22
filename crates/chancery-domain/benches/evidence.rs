//! Evidence-lint throughput on the shipped OTTAWA demo report (eight sections, ~36 sources).
//! Lints run on every save, so they must stay well under a keystroke's budget.
//!
//! Run: `cargo bench -p chancery-domain --bench evidence`

use std::collections::{BTreeMap, HashMap, HashSet};

use chancery_domain::Classification;
use chancery_domain::evidence::Grade;
use chancery_domain::ids::SectionKey;
use chancery_domain::lint::{LintInput, SourceFacts, lint_report, personal_data};
use chancery_domain::markdown::{citations, portions};
use chancery_domain::tasking::TaskingSpec;

const TASKING: &str = include_str!("../../../content/taskings/CHN-2026-0001-migration.toml");
const SECTIONS: [(&str, &str); 8] = [
    (
        "summary",
        include_str!("../../../content/demo/reports/OTTAWA/summary.md"),
    ),
    (
        "migration_flows_policy",
        include_str!("../../../content/demo/reports/OTTAWA/migration_flows_policy.md"),
    ),
    (
        "public_safety",
        include_str!("../../../content/demo/reports/OTTAWA/public_safety.md"),
    ),
    (
        "human_rights",
        include_str!("../../../content/demo/reports/OTTAWA/human_rights.md"),
    ),
    (
        "housing_labour",
        include_str!("../../../content/demo/reports/OTTAWA/housing_labour.md"),
    ),
    (
        "equality_before_law",
        include_str!("../../../content/demo/reports/OTTAWA/equality_before_law.md"),
    ),
    (
        "host_engagement",
        include_str!("../../../content/demo/reports/OTTAWA/host_engagement.md"),
    ),
    (
        "assessment",
        include_str!("../../../content/demo/reports/OTTAWA/assessment.md"),
    ),
];

fn main() {
    divan::main();
}

fn all_text() -> String {
    SECTIONS
        .iter()
        .map(|(_, t)| *t)
        .collect::<Vec<_>>()
        .join("\n\n")
}

#[divan::bench]
fn lint_whole_report(bencher: divan::Bencher) {
    let Ok(tasking) = TaskingSpec::from_toml("tasking", TASKING) else {
        panic!("the shipped tasking must parse");
    };
    let sections: BTreeMap<SectionKey, String> = SECTIONS
        .iter()
        .filter_map(|(k, t)| SectionKey::parse(k).ok().map(|k| (k, (*t).to_string())))
        .collect();
    let sources: HashMap<i64, SourceFacts> = (1..=64)
        .map(|id| {
            (
                id,
                SourceFacts {
                    grade: Grade::parse("A1").unwrap_or_default(),
                    root: id,
                },
            )
        })
        .collect();
    let incidents = HashSet::new();
    let tps: Vec<_> = tasking.talking_points.iter().map(|t| t.id).collect();
    let input = LintInput {
        template: &tasking.sections,
        sections: &sections,
        default_marking: Classification::SensitiveButUnclassified,
        sources: &sources,
        incidents: &incidents,
        talking_points: &tps,
    };
    bencher
        .counter(divan::counter::BytesCount::of_str(&all_text()))
        .bench(|| lint_report(divan::black_box(&input)));
}

#[divan::bench]
fn portions_whole_report(bencher: divan::Bencher) {
    let text = all_text();
    bencher
        .counter(divan::counter::BytesCount::of_str(&text))
        .bench(|| {
            portions(
                divan::black_box(&text),
                Classification::SensitiveButUnclassified,
            )
        });
}

#[divan::bench]
fn citations_whole_report(bencher: divan::Bencher) {
    let text = all_text();
    bencher
        .counter(divan::counter::BytesCount::of_str(&text))
        .bench(|| citations(divan::black_box(&text)));
}

#[divan::bench]
fn personal_data_whole_report(bencher: divan::Bencher) {
    let text = all_text();
    bencher
        .counter(divan::counter::BytesCount::of_str(&text))
        .bench(|| personal_data(divan::black_box(&text)));
}
