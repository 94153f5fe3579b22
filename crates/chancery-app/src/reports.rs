//! Reports: start, edit sections, lint, workflow actions, and the clearance-filtered view.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;
use std::sync::Arc;

use chancery_domain::Classification;
use chancery_domain::access::{Resource, may_see};
use chancery_domain::audit::sha256_hex;
use chancery_domain::ids::{PostCode, SectionKey, TaskingRef};
use chancery_domain::lint::{Finding, LintInput, SourceFacts, lint_report};
use chancery_domain::markdown::{Portion, portions, with_explicit_markings};
use chancery_domain::report::ReportStatus;
use chancery_domain::tasking::TaskingStatus;
use chancery_domain::user::Actor;
use chancery_domain::workflow::{self, Action, ActionKind, ReportFacts};
use chancery_store::{
    EvidenceKey, Frozen, ReportRow, SectionHead, SectionRow, StoreError, TaskingRow, Transition,
};
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
    /// The report's optimistic-concurrency counter, for forms that act on it as seen.
    #[serde(skip)]
    pub lock_version: i64,
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
        let sections = self.store.sections(r.id).await?;
        let evidence = self.evidence().await?.visible_to(actor);
        Ok(self.visible_findings_of(actor, t, r, &sections, &evidence))
    }

    /// [`Self::findings_visible_to`] over sections already read; `evidence` is the part
    /// `actor` may see ([`Evidence::visible_to`]).
    pub(crate) fn visible_findings_of(
        &self,
        actor: &Actor,
        t: &TaskingRow,
        r: &ReportRow,
        sections: &[SectionRow],
        evidence: &Evidence,
    ) -> Vec<Finding> {
        let findings = self.lint_cached(t, sections, evidence);
        let portions: Vec<(SectionKey, Arc<[Portion]>)> = sections
            .iter()
            .map(|s| {
                let p = self.section_portions(&s.body, &s.body_sha256, t.spec.classification);
                (s.key.clone(), p)
            })
            .collect();
        filter_findings(actor, r, &portions, &findings)
    }

    /// The findings `actor` may see on report `r`, from the current section heads alone, when
    /// the findings and the sections' portions are cached (the completeness table);
    /// `evidence` is the part `actor` may see ([`Evidence::visible_to`]).
    pub(crate) fn cached_visible_findings(
        &self,
        actor: &Actor,
        t: &TaskingRow,
        r: &ReportRow,
        heads: &[&SectionHead],
        evidence: &Evidence,
    ) -> Option<Vec<Finding>> {
        let key = lint_key(
            t,
            heads.iter().map(|h| (&h.key, h.body_sha256.as_str())),
            evidence,
        );
        let findings = self.cache.findings.get(&key)?;
        let portions: Vec<(SectionKey, Arc<[Portion]>)> = heads
            .iter()
            .map(|h| {
                self.cache
                    .sections
                    .get(&(h.body_sha256.clone(), t.spec.classification))
                    .map(|p| (h.key.clone(), p))
            })
            .collect::<Option<_>>()?;
        Some(filter_findings(actor, r, &portions, &findings))
    }

    /// What the linter resolves citations against, read once per request (kept by data
    /// generation: one small query while nothing changed).
    pub(crate) async fn evidence(&self) -> AppResult<Arc<Evidence>> {
        let generation = self.store.generation().await?;
        if let Some(e) = self.cache.evidence.get(&generation) {
            return Ok(e);
        }
        let e = self.store.lint_evidence().await?;
        let evidence = Evidence::new(
            e.sources,
            e.incidents.into_iter().collect(),
            Arc::new(e.access),
        );
        Ok(self.cache.evidence.insert(generation, Arc::new(evidence)))
    }

    /// A section body split into portions, parsed once per distinct text.
    fn section_portions(
        &self,
        body: &str,
        body_sha256: &str,
        default: Classification,
    ) -> Arc<[Portion]> {
        let key = (body_sha256.to_string(), default);
        if let Some(p) = self.cache.sections.get(&key) {
            return p;
        }
        self.cache
            .sections
            .insert(key, portions(body, default).into())
    }

    /// Every lint finding on the given current sections of a report on `t` (not filtered for
    /// any viewer), computed once per distinct input.
    fn lint_cached(
        &self,
        t: &TaskingRow,
        sections: &[SectionRow],
        evidence: &Evidence,
    ) -> Arc<[Finding]> {
        let key = lint_key(
            t,
            sections.iter().map(|s| (&s.key, s.body_sha256.as_str())),
            evidence,
        );
        if let Some(f) = self.cache.findings.get(&key) {
            return f;
        }
        let bodies: BTreeMap<SectionKey, String> = sections
            .iter()
            .map(|s| (s.key.clone(), s.body.clone()))
            .collect();
        let tps: Vec<_> = t.spec.talking_points.iter().map(|tp| tp.id).collect();
        let findings = lint_report(&LintInput {
            template: &t.spec.sections,
            sections: &bodies,
            default_marking: t.spec.classification,
            sources: &evidence.sources,
            incidents: &evidence.incidents,
            talking_points: &tps,
        });
        self.cache.findings.insert(key, findings.into())
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
        self.act_on_seen(actor, tasking, post, action, None).await
    }

    /// [`App::act`] on the report as the actor last saw it: `seen_lock` is the report's
    /// `lock_version` then (a form carries it). If the report changed since, the action is a
    /// conflict; the check and the transition are one atomic step, so of two people acting on
    /// the same page at once exactly one succeeds.
    pub async fn act_on_seen(
        &self,
        actor: &Actor,
        tasking: &TaskingRef,
        post: &PostCode,
        action: &Action,
        seen_lock: Option<i64>,
    ) -> AppResult<ReportRow> {
        let (t, report) = self.visible_report(actor, tasking, post).await?;
        // The store applies the transition only while the row is at `report.lock_version`, so
        // comparing with what was seen here is enough to make the whole check atomic.
        if seen_lock.is_some_and(|seen| seen != report.lock_version) {
            return Err(AppError::Store(StoreError::Conflict(format!(
                "the report of {post} for {tasking}"
            ))));
        }
        let drafters = self.store.drafters(report.id, report.version_no).await?;
        // Every finding (frozen with a transmitted version), and the ones the actor is shown:
        // a citation of evidence they may not see is unresolved in their eyes, so it blocks
        // them too, or whether an action went through would tell them the evidence exists.
        let sections = self.store.sections(report.id).await?;
        let evidence = self.evidence().await?;
        let findings = self.lint_cached(&t, &sections, &evidence).to_vec();
        let seen =
            self.visible_findings_of(actor, &t, &report, &sections, &evidence.visible_to(actor));
        let facts = ReportFacts {
            status: report.status,
            post,
            drafters: &drafters,
            blocking_findings: findings.len().max(seen.len()),
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
        let rows = self.store.sections(r.id).await?;
        let by_key: HashMap<&SectionKey, (&SectionRow, Arc<[Portion]>)> = rows
            .iter()
            .map(|row| {
                let p = self.section_portions(&row.body, &row.body_sha256, t.spec.classification);
                (&row.key, (row, p))
            })
            .collect();
        let mut banner = Classification::Unclassified;
        let mut sections = Vec::new();
        for s in &t.spec.sections {
            let row = by_key.get(&s.key);
            // Clearance is decided here, per viewer and per paragraph, on every view: only the
            // parsing is cached.
            let portions = row
                .map(|(_, p)| &p[..])
                .unwrap_or_default()
                .iter()
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
                            markdown: p.markdown.clone(),
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
                revision: row.map_or(0, |(r, _)| r.revision),
                author: row.map(|(r, _)| r.author.clone()),
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
            let evidence = self.evidence().await?.visible_to(actor);
            self.lint_cached(&t, &rows, &evidence).to_vec()
        };
        // Who drafted the version matters only to clearing it (separation of duties), which
        // is possible only in clearance.
        let drafters = if r.status == ReportStatus::InClearance {
            self.store.drafters(r.id, r.version_no).await?
        } else {
            Vec::new()
        };
        let facts = ReportFacts {
            status: r.status,
            post,
            drafters: &drafters,
            blocking_findings: findings.len(),
        };
        let versions = self
            .store
            .version_summaries(r.id)
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
            lock_version: r.lock_version,
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

/// The evidence the linter resolves citations against, with a digest that names it in cache
/// keys: a regraded or new source, or a new incident, changes the digest.
#[derive(Debug)]
pub(crate) struct Evidence {
    sources: HashMap<i64, SourceFacts>,
    incidents: HashSet<i64>,
    digest: String,
    /// Who may know each record exists (marking, owning post).
    access: Arc<HashMap<EvidenceKey, (Classification, Option<PostCode>)>>,
}

impl Evidence {
    fn new(
        sources: HashMap<i64, SourceFacts>,
        incidents: HashSet<i64>,
        access: Arc<HashMap<EvidenceKey, (Classification, Option<PostCode>)>>,
    ) -> Self {
        let mut ids: Vec<(&i64, &SourceFacts)> = sources.iter().collect();
        ids.sort_unstable_by_key(|(id, _)| **id);
        let mut text = String::with_capacity(ids.len() * 16 + incidents.len() * 8);
        for (id, f) in ids {
            let _ = write!(text, "S{id}<{}:{};", f.root, f.grade);
        }
        let mut inc: Vec<&i64> = incidents.iter().collect();
        inc.sort_unstable();
        for i in inc {
            let _ = write!(text, "I{i};");
        }
        let digest = sha256_hex(text.as_bytes());
        Evidence {
            sources,
            incidents,
            digest,
            access,
        }
    }

    /// The part of the evidence `actor` may see. A citation of anything else lints as
    /// unresolved, in the same words as a key that names nothing, so no finding tells a user
    /// that a source or incident above their clearance (or another post's) exists, or how it
    /// is graded.
    pub(crate) fn visible_to(&self, actor: &Actor) -> Evidence {
        let may = |key: EvidenceKey| {
            self.access.get(&key).is_some_and(|(marking, post)| {
                may_see(
                    actor,
                    &Resource::Record {
                        post: post.as_ref(),
                        marking: *marking,
                    },
                )
            })
        };
        Evidence::new(
            self.sources
                .iter()
                .filter(|(id, _)| may(EvidenceKey::Source(**id)))
                .map(|(id, f)| (*id, f.clone()))
                .collect(),
            self.incidents
                .iter()
                .copied()
                .filter(|id| may(EvidenceKey::Incident(*id)))
                .collect(),
            self.access.clone(),
        )
    }
}

/// The cache key of a report's lint findings: a digest of every input of the linter (the
/// tasking spec by its hash, which fixes template, talking points and default marking; each
/// current section by the hash of its text; the evidence facts).
fn lint_key<'a>(
    t: &TaskingRow,
    sections: impl Iterator<Item = (&'a SectionKey, &'a str)>,
    evidence: &Evidence,
) -> String {
    let mut text = format!(
        "{}|{}|{}",
        t.spec_sha256,
        t.spec.classification.code(),
        evidence.digest
    );
    for (key, sha) in sections {
        let _ = write!(text, "|{key}={sha}");
    }
    sha256_hex(text.as_bytes())
}

/// The findings `actor` may see, given each section's portions: a finding about a portion the
/// actor may not see, or about a whole section holding one, is left out.
fn filter_findings(
    actor: &Actor,
    r: &ReportRow,
    portions: &[(SectionKey, Arc<[Portion]>)],
    findings: &[Finding],
) -> Vec<Finding> {
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
    findings
        .iter()
        .filter(|f| {
            let Some(section) = &f.section else {
                return true;
            };
            let marks = portions
                .iter()
                .find(|(k, _)| k == section)
                .map_or(&[][..], |(_, p)| &p[..]);
            match f.portion {
                Some(i) => marks.get(i).is_some_and(|p| visible(p.marking)),
                None => marks.iter().all(|p| visible(p.marking)),
            }
        })
        .cloned()
        .collect()
}

/// The audit object id of a report.
pub(crate) fn report_id(tasking: &TaskingRef, post: &PostCode) -> String {
    format!("{tasking}/{post}")
}
