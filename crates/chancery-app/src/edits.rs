//! Editing records after they were created (incidents, engagements, policy measures, a
//! source's `derived_from` link), administering accounts, and a section's revision history as
//! one user may see it. Every write is checked like its creation and audited.

use chancery_domain::Classification;
use chancery_domain::access::{Resource, may_see};
use chancery_domain::evidence::{EngagementSpec, IncidentSpec, PolicySpec};
use chancery_domain::ids::{PostCode, SectionKey, TaskingRef, Username};
use chancery_domain::markdown::portions;
use chancery_domain::post::Post;
use chancery_domain::user::{Actor, Role};
use chancery_store::{EngagementRow, IncidentRow, PolicyRow, UserRow};
use serde_json::json;

use crate::evidence::{may_record, own_post};
use crate::reject_personal_data;
use crate::{App, AppError, AppResult, By, audit, hash_password, random_password};

/// One saved revision of a section, with the paragraphs the viewer may not see replaced by
/// their `[paragraph withheld: C]` marker.
#[derive(Debug, Clone)]
pub struct RevisionView {
    /// Revision number within the section (from 1).
    pub revision: i64,
    /// The report version it was saved in.
    pub version: i64,
    /// Who saved it.
    pub author: String,
    /// When.
    pub saved_at: String,
    /// Paragraphs: (marking, Markdown or withheld marker, withheld).
    pub paragraphs: Vec<(Classification, String, bool)>,
}

pub(crate) fn not_above_clearance(
    actor: &Actor,
    what: &str,
    marking: Classification,
) -> AppResult<()> {
    if marking > actor.clearance {
        return Err(AppError::invalid(format!(
            "{what}: marking {marking} is above your clearance {}",
            actor.clearance
        )));
    }
    Ok(())
}

/// The checks a policy measure passes before it is stored (added or edited).
pub(crate) fn check_policy(spec: &PolicySpec) -> AppResult<()> {
    if spec.title.trim().is_empty() {
        return Err(AppError::invalid("policy: title must not be empty"));
    }
    reject_personal_data("policy description", &spec.description)?;
    reject_personal_data("policy title", &spec.title)
}

fn may_admin(actor: &Actor) -> AppResult<()> {
    if actor.role == Role::Admin {
        Ok(())
    } else {
        Err(AppError::Forbidden(format!(
            "{} is {}; only an admin manages accounts and posts",
            actor.username, actor.role
        )))
    }
}

impl App {
    /// The checks an incident passes before it is stored (added or edited).
    pub(crate) async fn check_incident(&self, actor: &Actor, spec: &IncidentSpec) -> AppResult<()> {
        may_record(actor)?;
        own_post(actor, &spec.post)?;
        not_above_clearance(actor, "incident", spec.marking)?;
        spec.validate()
            .map_err(|e| AppError::invalid(format!("incident: {e}")))?;
        for (field, text) in [
            ("incident summary", Some(spec.summary.as_str())),
            ("incident region", spec.region.as_deref()),
            ("incident locality", spec.locality.as_deref()),
        ] {
            if let Some(text) = text {
                reject_personal_data(field, text)?;
            }
        }
        for s in &spec.sources {
            self.cited_source(actor, "sources", *s).await?;
        }
        Ok(())
    }

    /// Checks a source that `field` of a record refers to. A source the actor may not see is
    /// refused exactly like one that does not exist (a 400 naming the field, the same words),
    /// so the answer never tells whether a hidden source exists.
    pub(crate) async fn cited_source(&self, actor: &Actor, field: &str, id: i64) -> AppResult<()> {
        match self.visible_source(actor, id).await {
            Ok(_) => Ok(()),
            Err(AppError::NotFound(_)) => Err(AppError::invalid(format!(
                "field `{field}`: there is no source S{id} that you may cite; check the id in the evidence locker"
            ))),
            Err(e) => Err(e),
        }
    }

    /// The checks an engagement passes before it is stored (added or edited).
    pub(crate) async fn check_engagement(
        &self,
        actor: &Actor,
        spec: &EngagementSpec,
    ) -> AppResult<()> {
        may_record(actor)?;
        own_post(actor, &spec.post)?;
        not_above_clearance(actor, "engagement", spec.marking)?;
        for (field, text) in [
            ("engagement host office", spec.host_office.as_str()),
            ("engagement official title", spec.official_title.as_str()),
            ("engagement host response", spec.host_response.as_str()),
            ("engagement follow-up", spec.follow_up.as_str()),
        ] {
            reject_personal_data(field, text)?;
        }
        if spec.host_office.trim().is_empty() || spec.official_title.trim().is_empty() {
            return Err(AppError::invalid(
                "engagement: give the host office and the official's title",
            ));
        }
        match &spec.tasking {
            Some(reference) => {
                let t = match self.visible_tasking(actor, reference).await {
                    Err(AppError::NotFound(_)) => {
                        return Err(AppError::invalid(format!(
                            "field `tasking`: there is no tasking {reference} that you may see"
                        )));
                    }
                    other => other?,
                };
                for tp in &spec.talking_points {
                    if !t.spec.talking_points.iter().any(|p| &p.id == tp) {
                        return Err(AppError::invalid(format!(
                            "engagement: tasking {reference} has no talking point {tp}"
                        )));
                    }
                }
            }
            None if !spec.talking_points.is_empty() => {
                return Err(AppError::invalid(
                    "engagement: talking points need the tasking they come from (--tasking)",
                ));
            }
            None => {}
        }
        Ok(())
    }

    /// An incident the actor may see (not found otherwise, like a missing id).
    pub async fn visible_incident(&self, actor: &Actor, id: i64) -> AppResult<IncidentRow> {
        self.list_incidents(actor)
            .await?
            .into_iter()
            .find(|i| i.id == id)
            .ok_or_else(|| AppError::NotFound(format!("incident INC{id}")))
    }

    /// An engagement the actor may see.
    pub async fn visible_engagement(&self, actor: &Actor, id: i64) -> AppResult<EngagementRow> {
        self.list_engagements(actor)
            .await?
            .into_iter()
            .find(|e| e.id == id)
            .ok_or_else(|| AppError::NotFound(format!("engagement ENG{id}")))
    }

    /// A policy measure the actor may see.
    pub async fn visible_policy(&self, actor: &Actor, id: i64) -> AppResult<PolicyRow> {
        self.list_policies(actor)
            .await?
            .into_iter()
            .find(|p| p.id == id)
            .ok_or_else(|| AppError::NotFound(format!("policy measure PM{id}")))
    }

    /// Replaces an incident. The editor must be allowed to record it both as it was and as
    /// it becomes (post staff cannot move an incident to or from another post).
    pub async fn update_incident(
        &self,
        actor: &Actor,
        id: i64,
        spec: &IncidentSpec,
    ) -> AppResult<()> {
        let old = self.visible_incident(actor, id).await?;
        own_post(actor, &old.spec.post)?;
        self.check_incident(actor, spec).await?;
        let record = audit(
            By::User(actor),
            "incident.edit",
            "incident",
            format!("INC{id}"),
            json!({"category": spec.category.as_str(), "post": spec.post.as_str()}),
        );
        Ok(self.store.update_incident(id, spec, &record).await?)
    }

    /// Replaces an engagement (the same rules as recording one).
    pub async fn update_engagement(
        &self,
        actor: &Actor,
        id: i64,
        spec: &EngagementSpec,
    ) -> AppResult<()> {
        let old = self.visible_engagement(actor, id).await?;
        own_post(actor, &old.spec.post)?;
        self.check_engagement(actor, spec).await?;
        let record = audit(
            By::User(actor),
            "engagement.edit",
            "engagement",
            format!("ENG{id}"),
            json!({"post": spec.post.as_str(), "date": chancery_domain::dates::format(spec.date)}),
        );
        Ok(self.store.update_engagement(id, spec, &record).await?)
    }

    /// Replaces a policy measure.
    pub async fn update_policy(&self, actor: &Actor, id: i64, spec: &PolicySpec) -> AppResult<()> {
        self.visible_policy(actor, id).await?;
        may_record(actor)?;
        not_above_clearance(actor, "policy", spec.marking)?;
        check_policy(spec)?;
        if let Some(s) = spec.source {
            self.cited_source(actor, "source", s).await?;
        }
        let record = audit(
            By::User(actor),
            "policy.edit",
            "policy",
            format!("PM{id}"),
            json!({"country": spec.country.as_str(), "title": spec.title}),
        );
        Ok(self.store.update_policy(id, spec, &record).await?)
    }

    /// Marks source `id` as repeating `parent` (or clears the mark with `None`). An echo is
    /// not independent corroboration, so the linter counts both as one. The parent must be
    /// visible to the actor and older than the source (chains always end).
    pub async fn mark_derived_from(
        &self,
        actor: &Actor,
        id: i64,
        parent: Option<i64>,
    ) -> AppResult<()> {
        may_record(actor)?;
        self.visible_source(actor, id).await?;
        if let Some(p) = parent {
            if p == id {
                return Err(AppError::invalid(format!(
                    "field `derived_from`: S{id} cannot repeat itself"
                )));
            }
            self.cited_source(actor, "derived_from", p).await?;
            if p > id {
                return Err(AppError::invalid(format!(
                    "field `derived_from`: S{p} was recorded after S{id}; a source can only repeat an older one"
                )));
            }
        }
        let record = audit(
            By::User(actor),
            "source.derived_from",
            "source",
            format!("S{id}"),
            json!({"derived_from": parent.map(|p| format!("S{p}"))}),
        );
        Ok(self.store.set_derived_from(id, parent, &record).await?)
    }

    /// Every account (admin only).
    pub async fn list_users(&self, actor: &Actor) -> AppResult<Vec<UserRow>> {
        may_admin(actor)?;
        Ok(self.store.users().await?)
    }

    /// Every post (admin only, for the admin pages).
    pub async fn list_posts(&self, actor: &Actor) -> AppResult<Vec<Post>> {
        may_admin(actor)?;
        Ok(self.store.posts().await?)
    }

    /// Creates an account with a generated one-time password, returned to be handed over.
    pub async fn create_user(&self, actor: &Actor, new: &Actor) -> AppResult<String> {
        may_admin(actor)?;
        let password = random_password()?;
        self.add_user(Some(actor), new, Some(&password)).await?;
        Ok(password)
    }

    /// Changes an account's role, clearance and post (admin only). An admin cannot change
    /// their own role, so the system always keeps the admin who is doing this.
    pub async fn update_user(
        &self,
        actor: &Actor,
        username: &Username,
        role: Role,
        clearance: Classification,
        post: Option<PostCode>,
    ) -> AppResult<()> {
        may_admin(actor)?;
        if self.store.user(username).await?.is_none() {
            return Err(AppError::NotFound(format!("user {username}")));
        }
        if username == &actor.username && role != Role::Admin {
            return Err(AppError::invalid(
                "field `role`: you cannot take the admin role from yourself; ask another admin",
            ));
        }
        let updated = Actor::new(username.clone(), role, clearance, post)
            .map_err(|e| AppError::invalid(e.to_string()))?;
        let record = audit(
            By::User(actor),
            "user.edit",
            "user",
            username.as_str(),
            json!({"role": role.code(), "clearance": clearance.code(), "post": updated.post.as_ref().map(|p| p.as_str())}),
        );
        Ok(self.store.update_user(&updated, &record).await?)
    }

    /// Disables or re-enables an account (admin only). A disabled account cannot log in (the
    /// login answers as for a wrong password), and its sessions end and its API tokens are
    /// revoked at once. An admin cannot disable their own account, so one admin always remains.
    /// Returns (sessions ended, tokens revoked).
    pub async fn set_user_active(
        &self,
        actor: &Actor,
        username: &Username,
        active: bool,
    ) -> AppResult<(u64, u64)> {
        may_admin(actor)?;
        if self.store.user(username).await?.is_none() {
            return Err(AppError::NotFound(format!("user {username}")));
        }
        if username == &actor.username && !active {
            return Err(AppError::invalid(
                "field `active`: you cannot disable your own account; ask another admin",
            ));
        }
        let record = audit(
            By::User(actor),
            if active {
                "user.enable"
            } else {
                "user.disable"
            },
            "user",
            username.as_str(),
            json!({}),
        );
        Ok(self
            .store
            .set_user_active(username, active, &record)
            .await?)
    }

    /// Sets a new random password on an account (admin only) and returns it, to be shown
    /// once and changed by its owner.
    pub async fn reset_password(&self, actor: &Actor, username: &Username) -> AppResult<String> {
        may_admin(actor)?;
        if self.store.user(username).await?.is_none() {
            return Err(AppError::NotFound(format!("user {username}")));
        }
        let password = random_password()?;
        let hash = hash_password(&password)?;
        let record = audit(
            By::User(actor),
            "user.password_reset",
            "user",
            username.as_str(),
            json!({}),
        );
        self.store
            .set_password_hash(username, &hash, &record)
            .await?;
        Ok(password)
    }

    /// The saved revisions of one section of a report the actor may see, oldest first. Each
    /// paragraph above the actor's clearance is replaced by its withheld marker, so a diff
    /// between two revisions never shows (or hints at the wording of) such a paragraph.
    pub async fn section_history(
        &self,
        actor: &Actor,
        tasking: &TaskingRef,
        post: &PostCode,
        section: &SectionKey,
    ) -> AppResult<Vec<RevisionView>> {
        let (t, report) = self.visible_report(actor, tasking, post).await?;
        if t.spec.section(section).is_none() {
            return Err(AppError::NotFound(format!("section {section}")));
        }
        let revisions = self.store.section_revisions(report.id, section).await?;
        Ok(revisions
            .into_iter()
            .map(|r| RevisionView {
                revision: r.revision,
                version: r.version_no,
                author: r.author,
                saved_at: r.saved_at,
                paragraphs: portions(&r.body, t.spec.classification)
                    .into_iter()
                    .map(|p| {
                        let visible = may_see(
                            actor,
                            &Resource::Paragraph {
                                post,
                                status: report.status,
                                marking: p.marking,
                            },
                        );
                        if visible {
                            (p.marking, p.markdown, false)
                        } else {
                            (
                                p.marking,
                                format!("[paragraph withheld: {}]", p.marking),
                                true,
                            )
                        }
                    })
                    .collect(),
            })
            .collect())
    }
}
