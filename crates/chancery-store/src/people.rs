//! Posts, users and vocabularies.

use chancery_domain::Classification;
use chancery_domain::audit::AuditRecord;
use chancery_domain::evidence::VocabTerm;
use chancery_domain::ids::{CountryCode, PostCode, Username, VocabCode};
use chancery_domain::post::{Post, PostKind};
use chancery_domain::user::{Actor, Role};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::audit::append;
use crate::db::{Store, require_post};
use crate::error::StoreError;

/// A stored user account.
#[derive(Debug, Clone)]
pub struct UserRow {
    /// Who they are to the rules.
    pub actor: Actor,
    /// argon2 PHC string, if the account can log in.
    pub password_hash: Option<String>,
    /// Whether the account is enabled.
    pub active: bool,
    /// When created.
    pub created_at: String,
}

fn post_from_row(r: &AnyRow) -> Result<Post, StoreError> {
    let kind: String = r.try_get("kind")?;
    Ok(Post {
        code: PostCode::parse(&r.try_get::<String, _>("code")?).map_err(StoreError::corrupt)?,
        name: r.try_get("name")?,
        kind: PostKind::parse(&kind)
            .ok_or_else(|| StoreError::corrupt(format!("post kind {kind}")))?,
        country: CountryCode::parse(&r.try_get::<String, _>("country")?)
            .map_err(StoreError::corrupt)?,
        region: r.try_get("region")?,
    })
}

fn user_from_row(r: &AnyRow) -> Result<UserRow, StoreError> {
    let username =
        Username::parse(&r.try_get::<String, _>("username")?).map_err(StoreError::corrupt)?;
    let role: Role = r
        .try_get::<String, _>("role")?
        .parse()
        .map_err(StoreError::corrupt)?;
    let clearance = Classification::parse(&r.try_get::<String, _>("clearance")?)
        .map_err(StoreError::corrupt)?;
    let post = r
        .try_get::<Option<String>, _>("post_code")?
        .map(|p| PostCode::parse(&p))
        .transpose()
        .map_err(StoreError::corrupt)?;
    Ok(UserRow {
        actor: Actor::new(username, role, clearance, post).map_err(StoreError::corrupt)?,
        password_hash: r.try_get("password_hash")?,
        active: r.try_get::<i64, _>("active")? != 0,
        created_at: r.try_get("created_at")?,
    })
}

const USER_COLUMNS: &str =
    "username, role, clearance, post_code, password_hash, active, created_at";

impl Store {
    /// Inserts posts, or updates them when the code exists; one transaction, one audit event.
    pub async fn upsert_posts(
        &self,
        posts: &[Post],
        audit: &AuditRecord,
    ) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        for p in posts {
            sqlx::query(
                "INSERT INTO posts (code, name, kind, country, region) VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (code) DO UPDATE SET name = excluded.name, kind = excluded.kind,
                     country = excluded.country, region = excluded.region",
            )
            .bind(p.code.as_str())
            .bind(&p.name)
            .bind(p.kind.code())
            .bind(p.country.as_str())
            .bind(&p.region)
            .execute(&mut *tx)
            .await?;
        }
        append(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    /// All posts, by code.
    pub async fn posts(&self) -> Result<Vec<Post>, StoreError> {
        let rows = sqlx::query("SELECT code, name, kind, country, region FROM posts ORDER BY code")
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(post_from_row).collect()
    }

    /// One post.
    pub async fn post(&self, code: &PostCode) -> Result<Option<Post>, StoreError> {
        let row =
            sqlx::query("SELECT code, name, kind, country, region FROM posts WHERE code = $1")
                .bind(code.as_str())
                .fetch_optional(&self.pool)
                .await?;
        row.as_ref().map(post_from_row).transpose()
    }

    /// Creates a user. Refuses an existing username.
    pub async fn insert_user(
        &self,
        actor: &Actor,
        password_hash: Option<&str>,
        audit: &AuditRecord,
    ) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        let exists: Option<String> =
            sqlx::query_scalar("SELECT username FROM users WHERE username = $1")
                .bind(actor.username.as_str())
                .fetch_optional(&mut *tx)
                .await?;
        if exists.is_some() {
            return Err(StoreError::AlreadyExists(format!(
                "user {} already exists",
                actor.username
            )));
        }
        if let Some(post) = &actor.post {
            require_post(&mut tx, post).await?;
        }
        sqlx::query(
            "INSERT INTO users (username, role, clearance, post_code, password_hash, active, created_at)
             VALUES ($1, $2, $3, $4, $5, 1, $6)",
        )
        .bind(actor.username.as_str())
        .bind(actor.role.code())
        .bind(actor.clearance.code())
        .bind(actor.post.as_ref().map(|p| p.as_str()))
        .bind(password_hash)
        .bind(crate::now())
        .execute(&mut *tx)
        .await?;
        append(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    /// One user.
    pub async fn user(&self, username: &Username) -> Result<Option<UserRow>, StoreError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE username = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(username.as_str())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    /// All users, by username.
    pub async fn users(&self) -> Result<Vec<UserRow>, StoreError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users ORDER BY username");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(user_from_row).collect()
    }

    /// Number of user accounts (zero means the first admin may be created without `--as`).
    pub async fn user_count(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM users")
            .fetch_one(&self.pool)
            .await?)
    }

    /// Replaces the terms of one vocabulary; one transaction, one audit event.
    pub async fn replace_vocab(
        &self,
        vocab: &str,
        terms: &[VocabTerm],
        audit: &AuditRecord,
    ) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        sqlx::query("DELETE FROM vocab_terms WHERE vocab = $1")
            .bind(vocab)
            .execute(&mut *tx)
            .await?;
        for t in terms {
            sqlx::query(
                "INSERT INTO vocab_terms (vocab, code, label, definition) VALUES ($1, $2, $3, $4)",
            )
            .bind(vocab)
            .bind(t.code.as_str())
            .bind(&t.label)
            .bind(&t.definition)
            .execute(&mut *tx)
            .await?;
        }
        append(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The terms of one vocabulary, by code.
    pub async fn vocab(&self, vocab: &str) -> Result<Vec<VocabTerm>, StoreError> {
        let rows = sqlx::query(
            "SELECT code, label, definition FROM vocab_terms WHERE vocab = $1 ORDER BY code",
        )
        .bind(vocab)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(VocabTerm {
                    code: VocabCode::parse(&r.try_get::<String, _>("code")?)
                        .map_err(StoreError::corrupt)?,
                    label: r.try_get("label")?,
                    definition: r.try_get("definition")?,
                })
            })
            .collect()
    }
}
