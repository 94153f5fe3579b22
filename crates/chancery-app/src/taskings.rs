//! Taskings: import, issue, list, show with completeness per post.

use chancery_domain::access::{Resource, may_see};
use chancery_domain::ids::{PostCode, TaskingRef};
use chancery_domain::lint::Finding;
use chancery_domain::tasking::{TaskingSpec, TaskingStatus};
use chancery_domain::user::{Actor, Role};
use chancery_store::{ReportRow, SectionHead, StoreError, TaskingImport, TaskingRow};
use rayon::prelude::*;
use serde::Serialize;
use serde_json::json;

use crate::reports::Evidence;
use crate::{App, AppError, AppResult, By, audit, reject_personal_data};

/// A tasking as shown to one user, with the completeness table.
#[derive(Debug, Clone, Serialize)]
pub struct TaskingView {
    /// The tasking.
    pub tasking: TaskingSpec,
    /// Draft, issued or closed.
    pub status: TaskingStatus,
    /// When issued.
    pub issued_at: Option<String>,
    /// One row per addressee post.
    pub completeness: Vec<CompletenessRow>,
}

/// Where one addressee post stands on a tasking.
#[derive(Debug, Clone, Serialize)]
pub struct CompletenessRow {
    /// The post.
    pub post: PostCode,
    /// The report status; `not_started`; or `not_received` when the viewer may not follow the
    /// post's progress (readers, other posts) and no version has reached them.
    pub status: String,
    /// The report version being drafted or last transmitted.
    pub version: Option<i64>,
    /// When the latest version was transmitted.
    pub transmitted_at: Option<String>,
    /// `on_time`, `late` or `pending` (not yet transmitted, due date not passed).
    pub timeliness: String,
    /// Open lint findings on the current version (None when the viewer may not see the report).
    pub lint_findings: Option<usize>,
    /// Codes of the open findings, e.g. `E001`, `E007`.
    pub lint_codes: Vec<String>,
}

impl App {
    /// Imports a tasking file as a draft (HQ editor, or system for shipped content). Importing
    /// the same file again changes nothing.
    pub async fn import_tasking(
        &self,
        by: By<'_>,
        file: &str,
        text: &str,
    ) -> AppResult<(TaskingRef, TaskingImport)> {
        if let By::User(a) = by
            && a.role != Role::HqEditor
        {
            return Err(AppError::Forbidden(format!(
                "{} is {}; only HQ editors import taskings",
                a.username, a.role
            )));
        }
        let spec =
            TaskingSpec::from_toml(file, text).map_err(|e| AppError::invalid(e.to_string()))?;
        reject_personal_data(&format!("{file}: body"), &spec.body)?;
        for s in &spec.sections {
            reject_personal_data(&format!("{file}: section {} guidance", s.key), &s.guidance)?;
        }
        for tp in &spec.talking_points {
            reject_personal_data(&format!("{file}: {}", tp.id), &tp.text)?;
        }
        let record = audit(
            by,
            "tasking.import",
            "tasking",
            spec.reference.as_str(),
            json!({"file": file}),
        );
        // Name the file in refusals (an addressee that is not a post, a reference taken by
        // different content) as the parser's errors do.
        let outcome = self
            .store
            .import_tasking(&spec, &record)
            .await
            .map_err(|e| match e {
                StoreError::NotFound(_) | StoreError::AlreadyExists(_) => {
                    AppError::invalid(format!("{file}: {e}"))
                }
                other => AppError::Store(other),
            })?;
        Ok((spec.reference, outcome))
    }

    /// Issues a draft tasking to its addressees (HQ editor, or system for the demo).
    pub async fn issue_tasking(&self, by: By<'_>, reference: &TaskingRef) -> AppResult<()> {
        if let By::User(a) = by
            && a.role != Role::HqEditor
        {
            return Err(AppError::Forbidden(format!(
                "{} is {}; only HQ editors issue taskings",
                a.username, a.role
            )));
        }
        let row = self.tasking_row(reference).await?;
        if row.status != TaskingStatus::Draft {
            // A conflict with the tasking's state (409 over HTTP), not a malformed request.
            return Err(AppError::Store(chancery_store::StoreError::AlreadyExists(
                format!(
                    "tasking {reference} is already {}: only a draft tasking can be issued, and nothing was changed",
                    row.status.code()
                ),
            )));
        }
        let record = audit(
            by,
            "tasking.issue",
            "tasking",
            reference.as_str(),
            json!({"addressees": row.spec.addressees}),
        );
        self.store
            .set_tasking_status(
                reference,
                TaskingStatus::Draft,
                TaskingStatus::Issued,
                by_name(by),
                &record,
            )
            .await?;
        Ok(())
    }

    pub(crate) async fn tasking_row(&self, reference: &TaskingRef) -> AppResult<TaskingRow> {
        self.store
            .tasking(reference)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("tasking {reference}")))
    }

    /// A tasking the user may see (not found otherwise, so existence does not leak).
    pub(crate) async fn visible_tasking(
        &self,
        actor: &Actor,
        reference: &TaskingRef,
    ) -> AppResult<TaskingRow> {
        let row = self.tasking_row(reference).await?;
        if !may_see(actor, &tasking_resource(&row)) {
            return Err(AppError::NotFound(format!("tasking {reference}")));
        }
        Ok(row)
    }

    /// Taskings the user may see.
    pub async fn list_taskings(&self, actor: &Actor) -> AppResult<Vec<TaskingView>> {
        let mut out = Vec::new();
        // The evidence facts are read once for all taskings, and only if some lint is shown.
        let mut evidence = None;
        for row in self.store.taskings().await? {
            if may_see(actor, &tasking_resource(&row)) {
                out.push(self.tasking_view(actor, row, Some(&mut evidence)).await?);
            }
        }
        Ok(out)
    }

    /// [`App::list_taskings`] without the lint counts (`lint_findings` is `None`, `lint_codes`
    /// empty): what the dashboard shows, at two queries and no linting fewer per tasking.
    pub async fn list_taskings_brief(&self, actor: &Actor) -> AppResult<Vec<TaskingView>> {
        let mut out = Vec::new();
        for row in self.store.taskings().await? {
            if may_see(actor, &tasking_resource(&row)) {
                out.push(self.tasking_view(actor, row, None).await?);
            }
        }
        Ok(out)
    }

    /// One tasking with its completeness table.
    pub async fn show_tasking(
        &self,
        actor: &Actor,
        reference: &TaskingRef,
    ) -> AppResult<TaskingView> {
        let row = self.visible_tasking(actor, reference).await?;
        self.tasking_view(actor, row, Some(&mut None)).await
    }

    /// The completeness table of one tasking: three queries for all its reports (reports,
    /// transmission times, current section heads); lint findings come from the cache when the
    /// text has not changed.
    async fn tasking_view(
        &self,
        actor: &Actor,
        row: TaskingRow,
        // `None`: no lint counts (and no reading of section heads or evidence for them).
        evidence: Option<&mut Option<Evidence>>,
    ) -> AppResult<TaskingView> {
        let reports = self.store.reports_for(&row.spec.reference).await?;
        let today = chancery_store::now()
            .get(..10)
            .unwrap_or_default()
            .to_string();
        let due = chancery_domain::dates::format(row.spec.due);
        let followed = |report: &ReportRow| {
            may_see(
                actor,
                &Resource::Report {
                    post: &report.post,
                    status: report.status,
                },
            ) || may_see(actor, &Resource::ReportProgress { post: &report.post })
        };
        let (times, heads) = if reports.iter().any(followed) {
            (
                self.store.transmission_times(&row.spec.reference).await?,
                if evidence.is_some() {
                    self.store.section_heads(&row.spec.reference).await?
                } else {
                    Vec::new()
                },
            )
        } else {
            (Vec::new(), Vec::new())
        };
        let mut completeness = Vec::new();
        // Reports whose lint counts the table shows, by row.
        let mut to_lint: Vec<(usize, &ReportRow)> = Vec::new();
        for post in &row.spec.addressees {
            let report = reports.iter().find(|r| &r.post == post);
            let mut line = CompletenessRow {
                post: post.clone(),
                status: "not_started".into(),
                version: None,
                transmitted_at: None,
                timeliness: if today > due {
                    "late".into()
                } else {
                    "pending".into()
                },
                lint_findings: None,
                lint_codes: Vec::new(),
            };
            if let Some(report) = report {
                if followed(report) {
                    line.status = report.status.code().into();
                    line.version = Some(report.version_no);
                    // Timeliness is judged on the first transmission.
                    if let Some(t) = times.iter().find(|t| t.report_id == report.id) {
                        line.transmitted_at = Some(t.last_at.clone());
                        let on_time = t.first_at.get(..10).unwrap_or_default() <= due.as_str();
                        line.timeliness = if on_time {
                            "on_time".into()
                        } else {
                            "late".into()
                        };
                    }
                    if evidence.is_some() {
                        to_lint.push((completeness.len(), report));
                    }
                } else {
                    line.status = "not_received".into();
                    line.timeliness = "-".into();
                }
            } else if !may_see(actor, &Resource::ReportProgress { post }) {
                // Readers and other posts cannot tell a report in progress from one not started.
                line.status = "not_received".into();
                line.timeliness = "-".into();
            }
            completeness.push(line);
        }
        if let Some(slot) = evidence
            && !to_lint.is_empty()
        {
            let evidence = match slot {
                Some(e) => e,
                None => slot.insert(self.evidence().await?.visible_to(actor)),
            };
            // Cached findings come from the section heads alone; the other reports' text is
            // read, then linted in parallel (a tasking to hundreds of posts, on a cold cache).
            let mut found: Vec<(usize, Vec<Finding>)> = Vec::new();
            let mut misses = Vec::new();
            for (i, report) in to_lint {
                let mine: Vec<&SectionHead> =
                    heads.iter().filter(|h| h.report_id == report.id).collect();
                match self.cached_visible_findings(actor, &row, report, &mine, evidence) {
                    Some(findings) => found.push((i, findings)),
                    None => misses.push((i, report, self.store.sections(report.id).await?)),
                }
            }
            let evidence = &*evidence;
            found.extend(
                misses
                    .par_iter()
                    .map(|(i, report, sections)| {
                        let f = self.visible_findings_of(actor, &row, report, sections, evidence);
                        (*i, f)
                    })
                    .collect::<Vec<_>>(),
            );
            // Counts and codes only: no finding text, which quotes paragraphs.
            for (i, findings) in found {
                let line = &mut completeness[i];
                line.lint_findings = Some(findings.len());
                let mut codes: Vec<String> =
                    findings.iter().map(|f| f.code.code().to_string()).collect();
                codes.sort();
                codes.dedup();
                line.lint_codes = codes;
            }
        }
        Ok(TaskingView {
            tasking: row.spec,
            status: row.status,
            issued_at: row.issued_at,
            completeness,
        })
    }
}

pub(crate) fn tasking_resource(row: &TaskingRow) -> Resource<'_> {
    Resource::Tasking {
        status: row.status,
        addressees: &row.spec.addressees,
        marking: row.spec.classification,
    }
}

fn by_name(by: By<'_>) -> Option<&str> {
    match by {
        By::User(a) => Some(a.username.as_str()),
        By::System => None,
    }
}
