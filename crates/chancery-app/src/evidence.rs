//! Sources, grading, incidents, engagements and policy measures.

use chancery_domain::access::{Resource, may_see};
use chancery_domain::evidence::{EngagementSpec, Grade, IncidentSpec, PolicySpec, SourceSpec};
use chancery_domain::user::{Actor, Role};
use chancery_store::{Capture, EngagementRow, IncidentRow, PolicyRow, SourceRow};
use serde_json::json;

use crate::edits::{check_policy, not_above_clearance};
use crate::{App, AppError, AppResult, By, audit, reject_personal_data};

pub(crate) fn may_record(actor: &Actor) -> AppResult<()> {
    match actor.role {
        Role::PostDrafter | Role::PostApprover | Role::HqEditor => Ok(()),
        other => Err(AppError::Forbidden(format!(
            "{} is {other}; evidence is recorded by post staff and HQ editors",
            actor.username
        ))),
    }
}

pub(crate) fn own_post(actor: &Actor, post: &chancery_domain::ids::PostCode) -> AppResult<()> {
    if actor.role.is_post_scoped() && !actor.is_at(post) {
        return Err(AppError::Forbidden(format!(
            "{} works for another post and cannot record for {post}",
            actor.username
        )));
    }
    Ok(())
}

impl App {
    /// Records a source with optional captured content (hashed). Returns its id (`S<id>`).
    pub async fn add_source(
        &self,
        actor: &Actor,
        spec: &SourceSpec,
        capture: Option<&Capture>,
    ) -> AppResult<i64> {
        may_record(actor)?;
        if let Some(parent) = spec.derived_from {
            self.cited_source(actor, "derived_from", parent).await?;
        }
        self.add_source_as(By::User(actor), actor.username.as_str(), spec, capture)
            .await
    }

    pub(crate) async fn add_source_as(
        &self,
        by: By<'_>,
        created_by: &str,
        spec: &SourceSpec,
        capture: Option<&Capture>,
    ) -> AppResult<i64> {
        spec.validate()
            .map_err(|e| AppError::invalid(format!("source: {e}")))?;
        reject_personal_data("source title", &spec.title)?;
        if spec.marking
            > match by {
                By::User(a) => a.clearance,
                By::System => chancery_domain::Classification::Secret,
            }
        {
            return Err(AppError::invalid("source: marking is above your clearance"));
        }
        let record = audit(
            by,
            "source.add",
            "source",
            "",
            json!({"kind": spec.kind.code(), "title": spec.title}),
        );
        Ok(self
            .store
            .insert_source(spec, capture, created_by, &record)
            .await?)
    }

    /// Grades a source (A–F, 1–6) with a rationale; the grader is recorded by name.
    pub async fn grade_source(
        &self,
        actor: &Actor,
        id: i64,
        grade: Grade,
        rationale: &str,
    ) -> AppResult<()> {
        may_record(actor)?;
        if rationale.trim().is_empty() {
            return Err(AppError::invalid(
                "grade: give a rationale (why this reliability and credibility)",
            ));
        }
        reject_personal_data("grade rationale", rationale)?;
        self.visible_source(actor, id).await?;
        let record = audit(
            By::User(actor),
            "source.grade",
            "source",
            format!("S{id}"),
            json!({"grade": grade.to_string()}),
        );
        self.store
            .grade_source(id, grade, rationale.trim(), &actor.username, &record)
            .await?;
        Ok(())
    }

    /// A source the actor may see.
    pub async fn visible_source(&self, actor: &Actor, id: i64) -> AppResult<SourceRow> {
        match self.store.source(id).await? {
            Some(s)
                if may_see(
                    actor,
                    &Resource::Record {
                        post: None,
                        marking: s.spec.marking,
                    },
                ) =>
            {
                Ok(s)
            }
            _ => Err(AppError::NotFound(format!("source S{id}"))),
        }
    }

    /// Sources the actor may see.
    pub async fn list_sources(&self, actor: &Actor) -> AppResult<Vec<SourceRow>> {
        let generation = self.store.generation().await?;
        let all = match self.cache.sources.get(&generation) {
            Some(all) => all,
            None => self
                .cache
                .sources
                .insert(generation, self.store.sources().await?.into()),
        };
        Ok(all
            .iter()
            .filter(|s| {
                may_see(
                    actor,
                    &Resource::Record {
                        post: None,
                        marking: s.spec.marking,
                    },
                )
            })
            .cloned()
            .collect())
    }

    /// The captured content of a source the actor may see: (file name, media type, bytes).
    /// Not found when the source is not visible or has no capture.
    pub async fn source_capture(
        &self,
        actor: &Actor,
        id: i64,
    ) -> AppResult<(String, String, Vec<u8>)> {
        let source = self.visible_source(actor, id).await?;
        let none = || AppError::NotFound(format!("capture of S{id}"));
        let sha = source.capture_sha256.ok_or_else(none)?;
        let (media_type, bytes) = self.store.blob_with_type(&sha).await?.ok_or_else(none)?;
        let name = source
            .capture_name
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| format!("S{id}-capture"));
        Ok((name, media_type, bytes))
    }

    /// Records an incident (an event: its free text is checked for personal data).
    pub async fn add_incident(&self, actor: &Actor, spec: &IncidentSpec) -> AppResult<i64> {
        self.check_incident(actor, spec).await?;
        let record = audit(
            By::User(actor),
            "incident.add",
            "incident",
            "",
            json!({"category": spec.category.as_str(), "post": spec.post.as_str()}),
        );
        Ok(self
            .store
            .insert_incident(spec, actor.username.as_str(), &record)
            .await?)
    }

    /// Incidents the actor may see.
    pub async fn list_incidents(&self, actor: &Actor) -> AppResult<Vec<IncidentRow>> {
        Ok(self
            .store
            .incidents()
            .await?
            .into_iter()
            .filter(|i| {
                may_see(
                    actor,
                    &Resource::Record {
                        post: Some(&i.spec.post),
                        marking: i.spec.marking,
                    },
                )
            })
            .collect())
    }

    /// Records an engagement with host officials (by office and title). Its talking points
    /// must exist in the named tasking.
    pub async fn add_engagement(&self, actor: &Actor, spec: &EngagementSpec) -> AppResult<i64> {
        self.check_engagement(actor, spec).await?;
        let record = audit(
            By::User(actor),
            "engagement.add",
            "engagement",
            "",
            json!({"post": spec.post.as_str(), "date": chancery_domain::dates::format(spec.date)}),
        );
        Ok(self
            .store
            .insert_engagement(spec, actor.username.as_str(), &record)
            .await?)
    }

    /// Engagements the actor may see.
    pub async fn list_engagements(&self, actor: &Actor) -> AppResult<Vec<EngagementRow>> {
        Ok(self
            .store
            .engagements()
            .await?
            .into_iter()
            .filter(|e| {
                may_see(
                    actor,
                    &Resource::Record {
                        post: Some(&e.spec.post),
                        marking: e.spec.marking,
                    },
                )
            })
            .collect())
    }

    /// Records a host-government policy measure.
    pub async fn add_policy(&self, actor: &Actor, spec: &PolicySpec) -> AppResult<i64> {
        may_record(actor)?;
        not_above_clearance(actor, "policy", spec.marking)?;
        if let Some(s) = spec.source {
            self.cited_source(actor, "source", s).await?;
        }
        self.add_policy_as(By::User(actor), actor.username.as_str(), spec)
            .await
    }

    pub(crate) async fn add_policy_as(
        &self,
        by: By<'_>,
        created_by: &str,
        spec: &PolicySpec,
    ) -> AppResult<i64> {
        check_policy(spec)?;
        let record = audit(
            by,
            "policy.add",
            "policy",
            "",
            json!({"country": spec.country.as_str(), "title": spec.title}),
        );
        Ok(self.store.insert_policy(spec, created_by, &record).await?)
    }

    /// Policy measures the actor may see.
    pub async fn list_policies(&self, actor: &Actor) -> AppResult<Vec<PolicyRow>> {
        Ok(self
            .store
            .policies()
            .await?
            .into_iter()
            .filter(|p| {
                may_see(
                    actor,
                    &Resource::Record {
                        post: None,
                        marking: p.spec.marking,
                    },
                )
            })
            .collect())
    }
}
