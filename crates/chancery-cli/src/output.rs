//! Printing: JSON for scripts, aligned text for people.

use anyhow::Result;
use chancery_app::{ReportView, TaskingView};
use chancery_domain::lint::Finding;
use serde::Serialize;

/// Output mode.
#[derive(Debug, Clone, Copy)]
pub struct Out {
    /// Print JSON.
    pub json: bool,
}

impl Out {
    /// Prints `value` as JSON, or runs `text`.
    pub fn value<T: Serialize>(&self, value: &T, text: impl FnOnce()) -> Result<()> {
        if self.json {
            say!("{}", serde_json::to_string_pretty(value)?);
        } else {
            text();
        }
        Ok(())
    }
}

/// Prints lint findings, one per line.
pub fn print_findings(findings: &[Finding]) {
    if findings.is_empty() {
        say!("lint: clean");
        return;
    }
    say!("lint: {} finding(s)", findings.len());
    for f in findings {
        let place = match (&f.section, f.portion) {
            (Some(s), Some(p)) => format!("{s} ¶{}", p + 1),
            (Some(s), None) => s.to_string(),
            _ => "report".into(),
        };
        say!(
            "  {} {:<26} {:<28} {}",
            f.code.code(),
            f.code.name(),
            place,
            f.message
        );
    }
}

/// Prints a tasking with its completeness table.
pub fn print_tasking(v: &TaskingView) {
    let t = &v.tasking;
    say!("{}  {}", t.classification.banner(), t.reference);
    say!("SUBJECT: {}", t.subject);
    say!(
        "status {}  issued {}  due {}  from {}",
        v.status.code(),
        v.issued_at.as_deref().unwrap_or("-"),
        chancery_domain::dates::format(t.due),
        t.issuing_office
    );
    say!(
        "template: {}",
        t.sections
            .iter()
            .map(|s| s.key.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    say!(
        "talking points: {}",
        t.talking_points
            .iter()
            .map(|p| p.id.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );
    say!();
    say!(
        "{:<10} {:<13} {:<4} {:<8} {:<21} lint",
        "post",
        "status",
        "ver",
        "timing",
        "transmitted"
    );
    for c in &v.completeness {
        let lint = match c.lint_findings {
            Some(0) => "clean".to_string(),
            Some(n) => format!("{n} ({})", c.lint_codes.join(",")),
            None => "-".into(),
        };
        say!(
            "{:<10} {:<13} {:<4} {:<8} {:<21} {}",
            c.post.as_str(),
            c.status,
            c.version
                .map(|v| v.to_string())
                .unwrap_or_else(|| "-".into()),
            c.timeliness,
            c.transmitted_at.as_deref().unwrap_or("-"),
            lint
        );
    }
}

/// Prints a report as the user may see it.
pub fn print_report(v: &ReportView) {
    say!("{}", v.banner.banner());
    say!("{} {}: {}", v.tasking, v.post, v.subject);
    say!("status {}  version {}", v.status, v.version);
    for s in &v.sections {
        say!();
        say!("## {} [{}]", s.title, s.key);
        if s.portions.is_empty() {
            say!("(empty)");
        }
        for p in &s.portions {
            say!();
            say!("{}", p.markdown.trim_end());
        }
    }
    say!();
    if !v.versions.is_empty() {
        say!("transmitted versions:");
        for ver in &v.versions {
            say!(
                "  v{} {} by {} sha256 {}{}",
                ver.version,
                ver.transmitted_at,
                ver.transmitted_by,
                ver.sha256,
                ver.lint_override
                    .as_deref()
                    .map(|r| format!(" (lint override: {r})"))
                    .unwrap_or_default()
            );
        }
    }
    for c in &v.comments {
        say!("{} by {} at {}: {}", c.kind, c.author, c.at, c.body);
    }
    print_findings(&v.findings);
    say!(
        "you may: {}",
        v.actions
            .iter()
            .map(|a| a.code())
            .collect::<Vec<_>>()
            .join(", ")
    );
    say!("{}", v.banner.banner());
}
