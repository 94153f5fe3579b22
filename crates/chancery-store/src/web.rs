//! State the web layer keeps in the database so app servers stay stateless: sessions, login
//! throttling, API tokens.

use chancery_domain::audit::{AuditRecord, sha256_hex};
use chancery_domain::ids::Username;
use sqlx::Row;

use crate::audit::append;
use crate::db::Store;
use crate::error::StoreError;

/// A stored API token (never the token itself).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ApiTokenRow {
    /// Id.
    pub id: i64,
    /// Owner.
    pub username: String,
    /// What it is for.
    pub label: String,
    /// When created.
    pub created_at: String,
    /// When last used.
    pub last_used_at: Option<String>,
    /// When revoked.
    pub revoked_at: Option<String>,
}

/// A stored session, as [`Store::session_load`] reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    /// The session's data (JSON).
    pub data: String,
    /// When it expires (Unix seconds).
    pub expires_at: i64,
    /// The data generation at the time of reading ([`Store::generation`]).
    pub generation: i64,
}

impl Store {
    /// A live session (`now` in Unix seconds), read with the data generation in one query.
    pub async fn session_load(&self, id: &str, now: i64) -> Result<Option<SessionRow>, StoreError> {
        let row = sqlx::query(
            "SELECT s.data, s.expires_at, g.n FROM sessions s CROSS JOIN data_generation g
             WHERE s.id = $1 AND s.expires_at > $2",
        )
        .bind(id)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(SessionRow {
                data: r.try_get("data")?,
                expires_at: r.try_get("expires_at")?,
                generation: r.try_get("n")?,
            })
        })
        .transpose()
    }

    /// The data generation: a counter every committed change to the content tables moves
    /// forward in its own transaction (see migration 0008 for what counts). Anything derived
    /// from those tables under one generation may be reused while it is unchanged.
    pub async fn generation(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar("SELECT n FROM data_generation")
            .fetch_one(&self.pool)
            .await?)
    }

    /// The tables whose changes move the data generation (those with its triggers).
    pub async fn generation_tables(&self) -> Result<Vec<String>, StoreError> {
        let sql = match self.backend() {
            crate::Backend::Sqlite => {
                "SELECT DISTINCT tbl_name FROM sqlite_master
                 WHERE type = 'trigger' AND sql LIKE '%UPDATE data_generation%' ORDER BY tbl_name"
            }
            crate::Backend::Postgres => {
                "SELECT DISTINCT event_object_table::text FROM information_schema.triggers
                 WHERE trigger_schema = current_schema() AND action_statement LIKE '%bump_data_generation%'
                 ORDER BY 1"
            }
        };
        Ok(sqlx::query_scalar(sql).fetch_all(&self.pool).await?)
    }

    /// Creates or replaces a session.
    pub async fn session_save(
        &self,
        id: &str,
        data: &str,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO sessions (id, data, expires_at) VALUES ($1, $2, $3)
             ON CONFLICT (id) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at",
        )
        .bind(id)
        .bind(data)
        .bind(expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Creates a session only if the id is unused; false if it exists.
    pub async fn session_create(
        &self,
        id: &str,
        data: &str,
        expires_at: i64,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query("INSERT INTO sessions (id, data, expires_at) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING")
            .bind(id)
            .bind(data)
            .bind(expires_at)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Deletes a session.
    pub async fn session_delete(&self, id: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM sessions WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Deletes expired sessions; returns how many.
    pub async fn session_purge(&self, now: i64) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    /// Failed logins recorded for `key` in the window that started after `since`.
    pub async fn throttle_failures(&self, key: &str, since: i64) -> Result<i64, StoreError> {
        let n: Option<i64> = sqlx::query_scalar(
            "SELECT failures FROM login_throttle WHERE key = $1 AND window_start > $2",
        )
        .bind(key)
        .bind(since)
        .fetch_optional(&self.pool)
        .await?;
        Ok(n.unwrap_or(0))
    }

    /// Records a failed login for `key`: a new window starts at `now` if the old one began
    /// at or before `since`. Returns the failures in the current window.
    pub async fn throttle_fail(&self, key: &str, now: i64, since: i64) -> Result<i64, StoreError> {
        let mut tx = self.write().await?;
        sqlx::query(
            "INSERT INTO login_throttle (key, window_start, failures) VALUES ($1, $2, 1)
             ON CONFLICT (key) DO UPDATE SET
                 failures = CASE WHEN login_throttle.window_start > $3 THEN login_throttle.failures + 1 ELSE 1 END,
                 window_start = CASE WHEN login_throttle.window_start > $3 THEN login_throttle.window_start ELSE $2 END",
        )
        .bind(key)
        .bind(now)
        .bind(since)
        .execute(&mut *tx)
        .await?;
        let n: i64 = sqlx::query_scalar("SELECT failures FROM login_throttle WHERE key = $1")
            .bind(key)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(n)
    }

    /// Forgets failures for `key` (after a successful login).
    pub async fn throttle_clear(&self, key: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM login_throttle WHERE key = $1")
            .bind(key)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Disables (`active = false`) or re-enables an account. Disabling also ends every
    /// session of the account and revokes its live API tokens, in the same transaction as the
    /// change and its audit event, so nothing the account held keeps working (and a re-enabled
    /// account starts with no sessions or tokens). Returns (sessions ended, tokens revoked);
    /// not found if there is no such account.
    pub async fn set_user_active(
        &self,
        username: &Username,
        active: bool,
        audit: &AuditRecord,
    ) -> Result<(u64, u64), StoreError> {
        let mut tx = self.write().await?;
        let done = sqlx::query("UPDATE users SET active = $1 WHERE username = $2")
            .bind(i64::from(active))
            .bind(username.as_str())
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::NotFound(format!("user {username}")));
        }
        let (mut sessions, mut tokens) = (0, 0);
        if !active {
            // Session data is the JSON map tower-sessions stores; the login keeps the
            // account's name under "user". Parsed rather than matched with LIKE, so no other
            // account's session is touched.
            let rows = sqlx::query("SELECT id, data FROM sessions")
                .fetch_all(&mut *tx)
                .await?;
            for row in rows {
                let data: String = row.try_get("data")?;
                let owner = serde_json::from_str::<serde_json::Value>(&data)
                    .ok()
                    .and_then(|v| v.get("user").and_then(|u| u.as_str()).map(str::to_owned));
                if owner.as_deref() == Some(username.as_str()) {
                    let id: String = row.try_get("id")?;
                    sessions += sqlx::query("DELETE FROM sessions WHERE id = $1")
                        .bind(id)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                }
            }
            tokens = sqlx::query(
                "UPDATE api_tokens SET revoked_at = $1 WHERE username = $2 AND revoked_at IS NULL",
            )
            .bind(crate::now())
            .bind(username.as_str())
            .execute(&mut *tx)
            .await?
            .rows_affected();
        }
        let mut record = audit.clone();
        if let Some(map) = record.payload.as_object_mut() {
            map.insert("sessions_ended".into(), sessions.into());
            map.insert("tokens_revoked".into(), tokens.into());
        }
        append(&mut tx, &record).await?;
        tx.commit().await?;
        Ok((sessions, tokens))
    }

    /// Stores a new API token's hash for `username`; returns its id.
    pub async fn api_token_create(
        &self,
        username: &Username,
        label: &str,
        token: &str,
        audit: &AuditRecord,
    ) -> Result<i64, StoreError> {
        let mut tx = self.write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO api_tokens (username, label, token_sha256, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(username.as_str())
        .bind(label)
        .bind(sha256_hex(token.as_bytes()))
        .bind(crate::now())
        .fetch_one(&mut *tx)
        .await?;
        append(&mut tx, &audit.for_object(format!("token {id}"))).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The owner of a live (unrevoked) token, marking it used.
    pub async fn api_token_user(&self, token: &str) -> Result<Option<String>, StoreError> {
        let sha = sha256_hex(token.as_bytes());
        let user: Option<String> = sqlx::query_scalar(
            "SELECT username FROM api_tokens WHERE token_sha256 = $1 AND revoked_at IS NULL",
        )
        .bind(&sha)
        .fetch_optional(&self.pool)
        .await?;
        if user.is_some() {
            sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE token_sha256 = $2")
                .bind(crate::now())
                .bind(&sha)
                .execute(&self.pool)
                .await?;
        }
        Ok(user)
    }

    /// Revokes one of `username`'s tokens. False if there is no such live token.
    pub async fn api_token_revoke(
        &self,
        username: &Username,
        id: i64,
        audit: &AuditRecord,
    ) -> Result<bool, StoreError> {
        let mut tx = self.write().await?;
        let done = sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND username = $3 AND revoked_at IS NULL",
        )
        .bind(crate::now())
        .bind(id)
        .bind(username.as_str())
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Ok(false);
        }
        append(&mut tx, &audit.for_object(format!("token {id}"))).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// `username`'s tokens, newest first.
    pub async fn api_tokens(&self, username: &Username) -> Result<Vec<ApiTokenRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, username, label, created_at, last_used_at, revoked_at FROM api_tokens WHERE username = $1 ORDER BY id DESC",
        )
        .bind(username.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ApiTokenRow {
                    id: r.try_get("id")?,
                    username: r.try_get("username")?,
                    label: r.try_get("label")?,
                    created_at: r.try_get("created_at")?,
                    last_used_at: r.try_get("last_used_at")?,
                    revoked_at: r.try_get("revoked_at")?,
                })
            })
            .collect()
    }

    /// Replaces a user's password hash (one audit event).
    pub async fn set_password_hash(
        &self,
        username: &Username,
        hash: &str,
        audit: &AuditRecord,
    ) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        let done = sqlx::query("UPDATE users SET password_hash = $1 WHERE username = $2")
            .bind(hash)
            .bind(username.as_str())
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::NotFound(format!("user {username}")));
        }
        append(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }
}
