//! Changes to records after they were created: incidents, engagements and policy measures
//! edited, a source's `derived_from` link, an account's role, clearance and post, and the
//! section revision history. Each change commits with its audit event in one transaction.

use chancery_domain::audit::AuditRecord;
use chancery_domain::evidence::{EngagementSpec, IncidentSpec, PolicySpec};
use chancery_domain::ids::SectionKey;
use chancery_domain::user::Actor;

use crate::audit::append;
use crate::db::{Store, require_post};
use crate::error::StoreError;
use crate::evidence::{link_incident_sources, require_incident_refs, require_source};
use crate::reports::{SectionRow, section_from_row};

fn missing(what: String) -> StoreError {
    StoreError::NotFound(what)
}

impl Store {
    /// Replaces incident `id` (its post, category and sources must exist).
    pub async fn update_incident(
        &self,
        id: i64,
        spec: &IncidentSpec,
        audit: &AuditRecord,
    ) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        require_incident_refs(&mut tx, spec).await?;
        let done = crate::evidence::bind_incident(
            sqlx::query(
                "UPDATE incidents SET post_code = $1, occurred = $2, occurred_until = $3, country = $4, region = $5,
                     locality = $6, category = $7, victims = $8, suspects = $9, legal_status = $10,
                     verification = $11, summary = $12, marking = $13
                 WHERE id = $14",
            ),
            spec,
        )
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Err(missing(format!("incident INC{id}")));
        }
        sqlx::query("DELETE FROM incident_sources WHERE incident_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        link_incident_sources(&mut tx, id, &spec.sources).await?;
        append(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Replaces engagement `id` (its post must exist).
    pub async fn update_engagement(
        &self,
        id: i64,
        spec: &EngagementSpec,
        audit: &AuditRecord,
    ) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        require_post(&mut tx, &spec.post).await?;
        let tps = serde_json::to_string(&spec.talking_points).map_err(StoreError::corrupt)?;
        let done = sqlx::query(
            "UPDATE engagements SET post_code = $1, tasking_ref = $2, date = $3, host_office = $4,
                 official_title = $5, talking_points = $6, host_response = $7, follow_up = $8, marking = $9
             WHERE id = $10",
        )
        .bind(spec.post.as_str())
        .bind(spec.tasking.as_ref().map(|t| t.as_str()))
        .bind(chancery_domain::dates::format(spec.date))
        .bind(&spec.host_office)
        .bind(&spec.official_title)
        .bind(&tps)
        .bind(&spec.host_response)
        .bind(&spec.follow_up)
        .bind(spec.marking.code())
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Err(missing(format!("engagement ENG{id}")));
        }
        append(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Replaces policy measure `id` (its source, if given, must exist).
    pub async fn update_policy(
        &self,
        id: i64,
        spec: &PolicySpec,
        audit: &AuditRecord,
    ) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        if let Some(s) = spec.source {
            require_source(&mut tx, s, "source").await?;
        }
        let targets = serde_json::to_string(&spec.targets).map_err(StoreError::corrupt)?;
        let done = sqlx::query(
            "UPDATE policy_measures SET country = $1, title = $2, measure_type = $3, announced = $4,
                 in_force = $5, description = $6, source_id = $7, targets_json = $8, marking = $9
             WHERE id = $10",
        )
        .bind(spec.country.as_str())
        .bind(&spec.title)
        .bind(spec.measure_type.code())
        .bind(spec.announced.as_ref().map(|d| d.as_str()))
        .bind(spec.in_force.as_ref().map(|d| d.as_str()))
        .bind(&spec.description)
        .bind(spec.source)
        .bind(&targets)
        .bind(spec.marking.code())
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Err(missing(format!("policy measure PM{id}")));
        }
        append(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sets (or clears) the source that source `id` repeats. The parent must be an older
    /// source, so `derived_from` chains always end.
    pub async fn set_derived_from(
        &self,
        id: i64,
        parent: Option<i64>,
        audit: &AuditRecord,
    ) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        if let Some(p) = parent {
            require_source(&mut tx, p, "derived_from").await?;
        }
        let done = sqlx::query("UPDATE sources SET derived_from = $1 WHERE id = $2")
            .bind(parent)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() != 1 {
            return Err(missing(format!("source S{id}")));
        }
        append(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Changes an account's role, clearance and post (the post must exist).
    pub async fn update_user(&self, user: &Actor, audit: &AuditRecord) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        if let Some(p) = &user.post {
            require_post(&mut tx, p).await?;
        }
        let done = sqlx::query(
            "UPDATE users SET role = $1, clearance = $2, post_code = $3 WHERE username = $4",
        )
        .bind(user.role.code())
        .bind(user.clearance.code())
        .bind(user.post.as_ref().map(|p| p.as_str()))
        .bind(user.username.as_str())
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Err(missing(format!("user {}", user.username)));
        }
        append(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Every revision of one section, oldest first.
    pub async fn section_revisions(
        &self,
        report_id: i64,
        key: &SectionKey,
    ) -> Result<Vec<SectionRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT section_key, body, body_sha256, revision, version_no, author, created_at FROM section_revisions
             WHERE report_id = $1 AND section_key = $2 ORDER BY revision",
        )
        .bind(report_id)
        .bind(key.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(section_from_row).collect()
    }
}
