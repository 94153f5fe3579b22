//! Importing official statistics: parse (chancery-stats), then store as one vintage in one
//! transaction (chancery-store). Idempotent: the same file again changes nothing.

use chancery_domain::audit::sha256_hex;
use chancery_domain::user::Role;
use chancery_stats::{Format, ImportOptions, Observation};
use chancery_store::{NewVintage, ObservationRow};
use serde::Serialize;
use serde_json::json;

use crate::{App, AppError, AppResult, By, audit};

/// One skip reason in an import report.
#[derive(Debug, Clone, Serialize)]
pub struct SkipLine {
    /// Why.
    pub reason: String,
    /// How many rows or cells.
    pub count: u64,
    /// The first few lines (or JSON-stat cell indices).
    pub examples: Vec<u64>,
}

/// What an import did (or, on a dry run, would do).
#[derive(Debug, Clone, Serialize)]
pub struct StatsImportReport {
    /// The file as named.
    pub file: String,
    /// The format read.
    pub format: String,
    /// SHA-256 of the file.
    pub sha256: String,
    /// Rows (or cells) examined.
    pub rows_read: u64,
    /// Observations found.
    pub observations: u64,
    /// New or changed observations stored.
    pub imported: u64,
    /// Observations identical to what is stored.
    pub unchanged: u64,
    /// Skipped rows by reason.
    pub skipped: Vec<SkipLine>,
    /// The vintage recorded, if anything changed.
    pub vintage: Option<i64>,
    /// Whether nothing was written because it was a dry run.
    pub dry_run: bool,
}

fn row(o: &Observation) -> ObservationRow {
    let source = o.source.as_deref();
    ObservationRow {
        country: o.country.as_str().to_string(),
        series: o.series.to_string(),
        period: o.period.to_string(),
        value: o.value,
        unit: o.unit.as_deref().map(str::to_string),
        status: o.flags.status.as_deref().map(str::to_string),
        provisional: o.flags.provisional,
        estimate: o.flags.estimate,
        break_in_series: o.flags.break_in_series,
        source_publisher: source.and_then(|s| s.publisher.clone()),
        source_title: source.and_then(|s| s.title.clone()),
        source_url: source.and_then(|s| s.url.clone()),
        note: o.note.as_deref().map(str::to_string),
        line: i64::try_from(o.line).unwrap_or(i64::MAX),
    }
}

impl App {
    /// Imports a statistics file. All or nothing; the same file twice changes nothing.
    pub async fn import_statistics(
        &self,
        by: By<'_>,
        file: &str,
        bytes: &[u8],
        format: Format,
        options: &ImportOptions,
        dry_run: bool,
    ) -> AppResult<StatsImportReport> {
        if let By::User(a) = by
            && a.role == Role::Reader
        {
            return Err(AppError::Forbidden(format!(
                "{} is a reader; readers do not import statistics",
                a.username
            )));
        }
        let format = match format {
            Format::Auto => chancery_stats::detect(bytes)
                .map_err(|e| AppError::invalid(format!("{file}: {e}")))?,
            f => f,
        };
        let parsed = chancery_stats::import(bytes, format, options)
            .map_err(|e| AppError::invalid(format!("{file}: {e}")))?;
        let rows: Vec<ObservationRow> = parsed.observations.iter().map(row).collect();
        let sha256 = sha256_hex(bytes);
        let summary = &parsed.summary;
        let vintage = NewVintage {
            file_name: file.to_string(),
            file_sha256: sha256.clone(),
            format: format.name().to_string(),
            imported_by: match by {
                By::User(a) => a.username.to_string(),
                By::System => "system".into(),
            },
            rows_read: i64::try_from(summary.rows).unwrap_or(i64::MAX),
            skipped: i64::try_from(summary.skipped_total()).unwrap_or(i64::MAX),
        };
        let record = audit(
            by,
            "statistics.import",
            "vintage",
            "",
            json!({"file": file, "sha256": sha256, "format": format.name()}),
        );
        let stored = self
            .store
            .import_observations(&vintage, &rows, dry_run, &record)
            .await?;
        Ok(StatsImportReport {
            file: file.to_string(),
            format: format.name().to_string(),
            sha256,
            rows_read: summary.rows,
            observations: summary.observations,
            imported: stored.imported,
            unchanged: stored.unchanged,
            skipped: summary
                .skipped
                .iter()
                .map(|(reason, s)| SkipLine {
                    reason: reason.to_string(),
                    count: s.count,
                    examples: s.examples.clone(),
                })
                .collect(),
            vintage: stored.vintage,
            dry_run,
        })
    }
}
