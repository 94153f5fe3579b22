//! Reports: start, edit sections, lint, workflow actions, and the clearance-filtered view.

use std::collections::{BTreeMap, HashSet};

use chancery_domain::Classification;
use chancery_domain::access::{Resource, may_see};
use chancery_domain::ids::{PostCode, SectionKey, TaskingRef};
use chancery_domain::lint::{Finding, LintInput, lint_report};
use chancery_domain::markdown::{portions, with_explicit_markings};
use chancery_domain::report::ReportStatus;
use chancery_domain::tasking::TaskingStatus;
use chancery_domain::user::Actor;
use chancery_domain::workflow::{self, Action, ActionKind, ReportFacts};
use chancery_store::{Frozen, ReportRow, TaskingRow, Transition};
use serde::Serialize;
use serde_json::json;

use crate::{App, AppError, AppResult, By, audit, reject_personal_data};

/// A report as one user may see it.
#[derive(Debug, Clone, Serialize)]
pub struct ReportView {
    /// Tasking reference.
    pub tasking: TaskingRef,
    /// Tasking subject.
    pub subject: String,
    /// The post.
    pub post: PostCode,
    /// Workflow status.
    pub status: ReportStatus,
    /// Version being drafted or last transmitted.
    pub version: i64,
    /// Highest marking among the paragraphs this user sees (the banner).
    pub banner: Classification,
    /// Sections in template order.
    pub sections: Vec<SectionView>,
    /// Open lint findings on the current text (empty when `findings_withheld`).
    pub findings: Vec<Finding>,
    /// Findings quote paragraph text, so they are not shown to a user from whom any paragraph
    /// is withheld.
    pub findings_withheld: bool,
    /// Transmitted versions.
    pub versions: Vec<VersionInfo>,
    /// Comments and return reasons.
    pub comments: Vec<CommentInfo>,
    /// Actions this user may take now.
    pub actions: Vec<ActionKind>,
}

/// One section of a report view.
#[derive(Debug, Clone, Serialize)]
pub struct SectionView {
    /// Template key.
    pub key: SectionKey,
    /// Heading.
    pub title: String,
    /// Current revision (0 if never written).
    pub revision: i64,
    /// Who saved the current revision.
    pub author: Option<String>,
    /// Paragraphs, withheld ones included as markers.
    pub portions: Vec<PortionView>,
}

/// One paragraph of a section, or the marker for a withheld one.
#[derive(Debug, Clone, Serialize)]
pub struct PortionView {
    /// Portion marking.
    pub marking: Classification,
    /// Whether it is withheld from this user.
    pub withheld: bool,
    /// The Markdown, or `[paragraph withheld: C]`.
    pub markdown: String,
}

/// A transmitted version, as listed.
#[derive(Debug, Clone, Serialize)]
pub struct VersionInfo {
    /// Number.
    pub version: i64,
    /// SHA-256 of the frozen content.
    pub sha256: String,
    /// Who transmitted it.
    pub transmitted_by: String,
    /// When.
    pub transmitted_at: String,
    /// Override reason for lint findings, if any.
    pub lint_override: Option<String>,
}

/// A comment, as listed.
#[derive(Debug, Clone, Serialize)]
pub struct CommentInfo {
    /// `comment` or `return`.
    pub kind: String,
    /// Section, if any.
    pub section: Option<String>,
    /// Author.
    pub author: String,
    /// Text.
    pub body: String,
    /// When.
    pub at: String,
}

impl App {
    async fn report_row(&self, tasking: &TaskingRef, post: &PostCode) -> AppResult<ReportRow> {
        self.store
            .report(tasking, post)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("report of {post} for {tasking} (start it with `chancery report new {tasking} {post}`)")))
    }

    /// Loads a report the actor may see; not found otherwise, so existence does not leak.
    pub(crate) async fn visible_report(
        &self,
        actor: &Actor,
        tasking: &TaskingRef,
        post: &PostCode,
    ) -> AppResult<(TaskingRow, ReportRow)> {
        let t = self.visible_tasking(actor, tasking).await?;
        let r = self.report_row(tasking, post).await?;
        if !may_see(
            actor,
            &Resource::Report {
                post,
                status: r.status,
            },
        ) {
            return Err(AppError::NotFound(format!(
                "report of {post} for {tasking}"
            )));
        }
        Ok((t, r))
    }

    /// Starts the report of `post` for an issued tasking addressed to it.
    pub async fn new_report(
        &self,
        actor: &Actor,
        tasking: &TaskingRef,
        post: &PostCode,
    ) -> AppResult<ReportRow> {
        let t = self.visible_tasking(actor, tasking).await?;
        if t.status != TaskingStatus::Issued {
            return Err(AppError::invalid(format!(
                "tasking {tasking} is {}: reports start once it is issued",
                t.status.code()
            )));
        }
        if !t.spec.addressees.contains(post) {
            return Err(AppError::invalid(format!(
                "tasking {tasking} is not addressed to {post}"
            )));
        }
        workflow::may_start(post, actor)?;
        let record = audit(
            By::User(actor),
            "report.new",
            "report",
            report_id(tasking, post),
            json!({}),
        );
        Ok(self.store.create_report(tasking, post, &record).await?)
    }

    /// Saves one section's Markdown as a new revision and returns it with the report's lint
    /// findings. Personal data (E006) rejects the save. Unmarked paragraphs are stored with the
    /// tasking's classification as their explicit marking. `expected_revision` is the revision
    /// the editor started from; `None` means "whatever is current".
    pub async fn save_section(
        &self,
        actor: &Actor,
        tasking: &TaskingRef,
        post: &PostCode,
        section: &SectionKey,
        markdown: &str,
        expected_revision: Option<i64>,
    ) -> AppResult<(i64, Vec<Finding>)> {
        let (t, report) = self.visible_report(actor, tasking, post).await?;
        let Some(template) = t.spec.section(section) else {
            let keys: Vec<&str> = t.spec.sections.iter().map(|s| s.key.as_str()).collect();
            return Err(AppError::invalid(format!(
                "tasking {tasking} has no section \"{section}\": sections are {}",
                keys.join(", ")
            )));
        };
        workflow::may_edit(report.status, post, actor)?;
        reject_personal_data(
            &format!("section {} ({})", section, template.title),
            markdown,
        )?;
        let body = with_explicit_markings(markdown, t.spec.classification);
        if let Some(p) = portions(&body, t.spec.classification)
            .iter()
            .find(|p| p.marking > actor.clearance)
        {
            return Err(AppError::invalid(format!(
                "section {section}: paragraph {} is marked {}, above your clearance {}: you cannot write at that level",
                p.index + 1,
                p.marking,
                actor.clearance
            )));
        }
        let stored = self
            .store
            .sections(report.id)
            .await?
            .into_iter()
            .find(|s| &s.key == section);
        // Saving replaces the whole section: someone who cannot see all of it would silently
        // delete what they cannot see.
        if let Some(s) = &stored
            && portions(&s.body, t.spec.classification)
                .iter()
                .any(|p| p.marking > actor.clearance)
        {
            return Err(AppError::Forbidden(format!(
                "section {section} holds paragraphs above your clearance {}: only a user cleared for all of it may edit it",
                actor.clearance
            )));
        }
        let current = stored.map_or(0, |s| s.revision);
        let expected = expected_revision.unwrap_or(current);
        let record = audit(
            By::User(actor),
            "report.save_section",
            "report",
            report_id(tasking, post),
            json!({"section": section.as_str(), "version": report.version_no, "body_sha256": chancery_domain::audit::sha256_hex(body.as_bytes())}),
        );
        let revision = self
            .store
            .save_section(&report, section, &body, expected, &actor.username, &record)
            .await?;
        let report = self.report_row(tasking, post).await?;
        let findings = self.findings_visible_to(actor, &t, &report).await?;
        Ok((revision, findings))
    }

    /// Lint findings on a report's current text that `actor` may see.
    pub async fn lint(
        &self,
        actor: &Actor,
        tasking: &TaskingRef,
        post: &PostCode,
    ) -> AppResult<Vec<Finding>> {
        let (t, r) = self.visible_report(actor, tasking, post).await?;
        self.findings_visible_to(actor, &t, &r).await
    }

    /// The findings on a report that `actor` may see. Findings quote paragraph text and count a
    /// section's citations, so a finding about a withheld paragraph, or about a whole section
    /// holding one, would leak content above the user's clearance (DESIGN §5). Those are left
    /// out; findings about paragraphs the user may read are kept.
    pub(crate) async fn findings_visible_to(
        &self,
        actor: &Actor,
        t: &TaskingRow,
        r: &ReportRow,
    ) -> AppResult<Vec<Finding>> {
        // One read of the text, so the findings and the markings describe the same revision.
        let sections: BTreeMap<SectionKey, String> = self
            .store
            .sections(r.id)
            .await?
            .into_iter()
            .map(|s| (s.key, s.body))
            .collect();
        let markings: BTreeMap<&SectionKey, Vec<Classification>> = sections
            .iter()
            .map(|(key, body)| {
                let marks = portions(body, t.spec.classification)
                    .iter()
                    .map(|p| p.marking)
                    .collect();
                (key, marks)
            })
            .collect();
        let visible = |marking: Classification| {
            may_see(
                actor,
                &Resource::Paragraph {
                    post: &r.post,
                    status: r.status,
                    marking,
                },
            )
        };
        let findings = self.lint_sections(t, &sections).await?;
        Ok(findings
            .into_iter()
            .filter(|f| {
                let Some(section) = &f.section else {
                    return true;
                };
                let marks = markings.get(section).map_or(&[][..], Vec::as_slice);
                match f.portion {
                    Some(i) => marks.get(i).is_some_and(|m| visible(*m)),
                    None => marks.iter().all(|m| visible(*m)),
                }
            })
            .collect())
    }

    pub(crate) async fn findings_for(
        &self,
        t: &TaskingRow,
        r: &ReportRow,
    ) -> AppResult<Vec<Finding>> {
        let sections: BTreeMap<SectionKey, String> = self
            .store
            .sections(r.id)
            .await?
            .into_iter()
            .map(|s| (s.key, s.body))
            .collect();
        self.lint_sections(t, &sections).await
    }

    /// Lints the given section texts of a report on `t`.
    async fn lint_sections(
        &self,
        t: &TaskingRow,
        sections: &BTreeMap<SectionKey, String>,
    ) -> AppResult<Vec<Finding>> {
        let sources = self.store.source_facts().await?;
        let incidents: HashSet<i64> = self
            .store
            .incidents()
            .await?
            .into_iter()
            .map(|i| i.id)
            .collect();
        let tps: Vec<_> = t.spec.talking_points.iter().map(|tp| tp.id).collect();
        Ok(lint_report(&LintInput {
            template: &t.spec.sections,
            sections,
            default_marking: t.spec.classification,
            sources: &sources,
            incidents: &incidents,
            talking_points: &tps,
        }))
    }

    /// Takes a workflow action on a report. Transmission freezes the current version (content,
    /// findings and any override reason) immutably.
    pub async fn act(
        &self,
        actor: &Actor,
        tasking: &TaskingRef,
        post: &PostCode,
        action: &Action,
    ) -> AppResult<ReportRow> {
        let (t, report) = self.visible_report(actor, tasking, post).await?;
        let drafters = self.store.drafters(report.id, report.version_no).await?;
        let findings = self.findings_for(&t, &report).await?;
        let facts = ReportFacts {
            status: report.status,
            post,
            drafters: &drafters,
            blocking_findings: findings.len(),
        };
        let outcome = workflow::transition(&facts, action, actor)?;
        let freeze = if outcome.freezes_version {
            Some(Frozen {
                content_json: self.frozen_content(&t, &report).await?,
                findings_json: serde_json::to_string(&findings)
                    .map_err(|e| AppError::invalid(e.to_string()))?,
                lint_override: outcome.lint_override.clone(),
            })
        } else {
            None
        };
        let return_reason = match action {
            Action::Return { reason } => Some(reason.trim().to_string()),
            _ => None,
        };
        let transition = Transition {
            to: outcome.to,
            freeze,
            new_version: outcome.to == ReportStatus::Returned,
            return_reason: return_reason.clone(),
        };
        let record = audit(
            By::User(actor),
            &format!("report.{}", action.kind().code()),
            "report",
            report_id(tasking, post),
            json!({
                "from": report.status.code(),
                "to": outcome.to.code(),
                "version": report.version_no,
                "findings": findings.len(),
                "lint_override": outcome.lint_override,
                "reason": return_reason,
            }),
        );
        Ok(self
            .store
            .apply_transition(&report, &transition, &actor.username, &record)
            .await?)
    }

    async fn frozen_content(&self, t: &TaskingRow, r: &ReportRow) -> AppResult<String> {
        let mut bodies: BTreeMap<SectionKey, String> = self
            .store
            .sections(r.id)
            .await?
            .into_iter()
            .map(|s| (s.key, s.body))
            .collect();
        let sections: Vec<serde_json::Value> = t
            .spec
            .sections
            .iter()
            .map(|s| {
                let body = bodies.remove(&s.key).unwrap_or_default();
                let marks: Vec<&str> = portions(&body, t.spec.classification)
                    .iter()
                    .map(|p| p.marking.code())
                    .collect();
                json!({"key": s.key.as_str(), "title": s.title, "body": body, "markings": marks})
            })
            .collect();
        let content = json!({
            "tasking": t.spec.reference.as_str(),
            "post": r.post.as_str(),
            "version": r.version_no,
            "sections": sections,
        });
        Ok(content.to_string())
    }

    /// Adds a comment to a report (anyone who may see it).
    pub async fn comment(
        &self,
        actor: &Actor,
        tasking: &TaskingRef,
        post: &PostCode,
        section: Option<&SectionKey>,
        body: &str,
    ) -> AppResult<i64> {
        let (_, report) = self.visible_report(actor, tasking, post).await?;
        if !may_comment(actor, post) {
            return Err(AppError::Forbidden(format!(
                "{} is {}; comments come from the post's staff and HQ editors",
                actor.username, actor.role
            )));
        }
        if body.trim().is_empty() {
            return Err(AppError::invalid("comment: must not be empty"));
        }
        reject_personal_data("comment", body)?;
        let record = audit(
            By::User(actor),
            "report.comment",
            "report",
            report_id(tasking, post),
            json!({"section": section.map(|s| s.as_str())}),
        );
        Ok(self
            .store
            .add_comment(&report, section, &actor.username, body, &record)
            .await?)
    }

    /// The report as `actor` may see it: paragraphs above their clearance are replaced by
    /// `[paragraph withheld: C]`, and the banner is the highest marking actually shown.
    pub async fn show_report(
        &self,
        actor: &Actor,
        tasking: &TaskingRef,
        post: &PostCode,
    ) -> AppResult<ReportView> {
        let (t, r) = self.visible_report(actor, tasking, post).await?;
        let mut rows: BTreeMap<SectionKey, chancery_store::SectionRow> = self
            .store
            .sections(r.id)
            .await?
            .into_iter()
            .map(|s| (s.key.clone(), s))
            .collect();
        let mut banner = Classification::Unclassified;
        let mut sections = Vec::new();
        for s in &t.spec.sections {
            let row = rows.remove(&s.key);
            let body = row.as_ref().map(|r| r.body.as_str()).unwrap_or("");
            let portions = portions(body, t.spec.classification)
                .into_iter()
                .map(|p| {
                    let visible = may_see(
                        actor,
                        &Resource::Paragraph {
                            post,
                            status: r.status,
                            marking: p.marking,
                        },
                    );
                    if visible {
                        banner = banner.max(p.marking);
                        PortionView {
                            marking: p.marking,
                            withheld: false,
                            markdown: p.markdown,
                        }
                    } else {
                        PortionView {
                            marking: p.marking,
                            withheld: true,
                            markdown: format!("[paragraph withheld: {}]", p.marking),
                        }
                    }
                })
                .collect();
            sections.push(SectionView {
                key: s.key.clone(),
                title: s.title.clone(),
                revision: row.as_ref().map_or(0, |r| r.revision),
                author: row.map(|r| r.author),
                portions,
            });
        }
        let any_withheld = sections
            .iter()
            .flat_map(|s| &s.portions)
            .any(|p| p.withheld);
        // Findings quote paragraph text; only show them to users who see everything.
        let findings = if any_withheld {
            Vec::new()
        } else {
            self.findings_for(&t, &r).await?
        };
        let drafters = self.store.drafters(r.id, r.version_no).await?;
        let facts = ReportFacts {
            status: r.status,
            post,
            drafters: &drafters,
            blocking_findings: findings.len(),
        };
        let versions = self
            .store
            .versions(r.id)
            .await?
            .into_iter()
            .map(|v| VersionInfo {
                version: v.version_no,
                sha256: v.content_sha256,
                transmitted_by: v.transmitted_by,
                transmitted_at: v.transmitted_at,
                lint_override: v.lint_override,
            })
            .collect();
        let comments = self
            .store
            .comments(r.id)
            .await?
            .into_iter()
            .map(|c| CommentInfo {
                kind: c.kind,
                section: c.section,
                author: c.author,
                body: c.body,
                at: c.created_at,
            })
            .collect();
        Ok(ReportView {
            tasking: tasking.clone(),
            subject: t.spec.subject.clone(),
            post: post.clone(),
            status: r.status,
            version: r.version_no,
            banner,
            actions: workflow::available_actions(&facts, actor),
            sections,
            findings,
            findings_withheld: any_withheld,
            versions,
            comments,
        })
    }
}

/// Who takes part in a report's discussion: its post's staff and HQ editors (readers and
/// admins read only).
pub fn may_comment(actor: &Actor, post: &PostCode) -> bool {
    use chancery_domain::user::Role;
    match actor.role {
        Role::HqEditor => true,
        Role::PostDrafter | Role::PostApprover => actor.is_at(post),
        Role::Reader | Role::Admin => false,
    }
}

/// The audit object id of a report.
pub(crate) fn report_id(tasking: &TaskingRef, post: &PostCode) -> String {
    format!("{tasking}/{post}")
}
