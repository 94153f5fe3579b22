//! Accounts and posts.

use argon2::{Argon2, PasswordHasher};
use chancery_domain::post::Post;
use chancery_domain::user::{Actor, Role};
use serde_json::json;

use crate::{App, AppError, AppResult, By, audit};

/// Hashes a password with argon2id (PHC string).
pub fn hash_password(password: &str) -> AppResult<String> {
    if password.chars().count() < 12 {
        return Err(AppError::invalid("password: use at least 12 characters"));
    }
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| AppError::invalid(format!("password could not be hashed: {e}")))
}

/// A random password of 20 characters from an unambiguous alphabet.
pub fn random_password() -> AppResult<String> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 20];
    getrandom::fill(&mut bytes)
        .map_err(|e| AppError::invalid(format!("no randomness available: {e}")))?;
    Ok(bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect())
}

impl App {
    /// Creates an account. Only an admin may, except for the very first account, which must be
    /// an admin (bootstrap).
    pub async fn add_user(
        &self,
        by: Option<&Actor>,
        new: &Actor,
        password: Option<&str>,
    ) -> AppResult<()> {
        let by = match by {
            Some(a) if a.role == Role::Admin => By::User(a),
            Some(a) => {
                return Err(AppError::Forbidden(format!(
                    "{} is {}; only an admin may add users",
                    a.username, a.role
                )));
            }
            None if self.store.user_count().await? == 0 => {
                if new.role != Role::Admin {
                    return Err(AppError::invalid(
                        "the first account must be an admin (--role admin); it then adds the others with --as",
                    ));
                }
                By::System
            }
            None => {
                return Err(AppError::Forbidden(
                    "adding users needs an admin: pass --as ADMIN".into(),
                ));
            }
        };
        self.add_user_unchecked(by, new, password).await
    }

    pub(crate) async fn add_user_unchecked(
        &self,
        by: By<'_>,
        new: &Actor,
        password: Option<&str>,
    ) -> AppResult<()> {
        let hash = password.map(hash_password).transpose()?;
        let record = audit(
            by,
            "user.add",
            "user",
            new.username.as_str(),
            json!({"role": new.role.code(), "clearance": new.clearance.code(), "post": new.post.as_ref().map(|p| p.as_str())}),
        );
        self.store
            .insert_user(new, hash.as_deref(), &record)
            .await?;
        Ok(())
    }

    /// Loads or updates posts (admin or system).
    pub async fn upsert_posts(&self, by: By<'_>, posts: &[Post]) -> AppResult<()> {
        if let By::User(a) = by
            && a.role != Role::Admin
        {
            return Err(AppError::Forbidden("only an admin may change posts".into()));
        }
        let codes: Vec<&str> = posts.iter().map(|p| p.code.as_str()).collect();
        let record = audit(
            by,
            "post.load",
            "post",
            codes.join(","),
            json!({"count": posts.len()}),
        );
        self.store.upsert_posts(posts, &record).await?;
        Ok(())
    }
}
