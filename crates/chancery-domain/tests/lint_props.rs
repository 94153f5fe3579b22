//! Property tests for the evidence lints: they never panic on arbitrary text, and what they
//! report is well-formed.

use std::collections::{BTreeMap, HashMap, HashSet};

use chancery_domain::Classification;
use chancery_domain::evidence::Grade;
use chancery_domain::ids::{SectionKey, TalkingPointId};
use chancery_domain::lint::{LintInput, SourceFacts, lint_report, personal_data};
use chancery_domain::tasking::TemplateSection;
use proptest::prelude::*;

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[0-9 ,.+()\\-/%:@a-zA-Z]{0,80}",
        "[a-z ]{0,10}(born|DOB|passport|SIN|call|\\+1|ID) [0-9 \\-./A-Z]{0,20}[a-z ]{0,10}",
    ]
}

fn template_section(key: SectionKey, required: bool, min: u32, judgment: bool) -> TemplateSection {
    TemplateSection {
        title: key.to_string(),
        key,
        guidance: String::new(),
        required,
        min_citations: min,
        confidence_required: judgment,
        indicators: Vec::new(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn personal_data_ranges_are_sorted_disjoint_and_on_boundaries(text in text()) {
        let found = personal_data(&text);
        let mut end = 0;
        for f in &found {
            prop_assert!(f.range.start >= end && f.range.start < f.range.end);
            prop_assert!(text.get(f.range.clone()).is_some());
            end = f.range.end;
        }
    }

    #[test]
    fn lint_report_never_panics_and_stays_in_the_template(
        a in text(),
        b in text(),
        extra in text(),
        required in any::<bool>(),
        min in 0u32..4,
        judgment in any::<bool>(),
    ) {
        let template = vec![
            template_section(SectionKey::parse("first").unwrap(), required, min, judgment),
            template_section(SectionKey::parse("second").unwrap(), !required, min, !judgment),
        ];
        let sections = BTreeMap::from([
            (SectionKey::parse("first").unwrap(), a),
            (SectionKey::parse("second").unwrap(), b),
            (SectionKey::parse("elsewhere").unwrap(), extra),
        ]);
        let sources = HashMap::from([
            (1, SourceFacts { grade: Grade::default(), root: 1 }),
            (12, SourceFacts { grade: Grade::parse("A1").unwrap(), root: 12 }),
        ]);
        let incidents = HashSet::from([3]);
        let talking_points = vec![TalkingPointId(1)];
        let findings = lint_report(&LintInput {
            template: &template,
            sections: &sections,
            default_marking: Classification::Unclassified,
            sources: &sources,
            incidents: &incidents,
            talking_points: &talking_points,
        });
        let order: Vec<usize> = findings
            .iter()
            .map(|f| match f.section.as_ref().map(SectionKey::as_str) {
                Some("first") => 0,
                Some("second") => 1,
                _ => 2,
            })
            .collect();
        prop_assert!(order.iter().all(|&i| i < 2), "{findings:?}");
        prop_assert!(order.windows(2).all(|w| w[0] <= w[1]), "{findings:?}");
        prop_assert!(findings.iter().all(|f| !f.message.is_empty()));
    }
}
