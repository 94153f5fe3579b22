use chancery_domain::lint::PersonalData;
use chancery_domain::workflow::Refusal;
use chancery_store::StoreError;

/// Why a use case did not happen. Nothing was written in any of these cases.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Input that does not parse or validate; names where and what.
    #[error("{0}")]
    Invalid(String),
    /// An object that does not exist (or that the user may not know exists).
    #[error("{0} not found")]
    NotFound(String),
    /// The user may not do this.
    #[error("not allowed: {0}")]
    Forbidden(String),
    /// The workflow rules refuse the action.
    #[error("refused: {0}")]
    Refused(#[from] Refusal),
    /// Free text contains personal data (E006): rejected on save.
    #[error(
        "E006 personal-data: {location} contains {}: remove it (Chancery holds no personal data about private individuals)",
        describe(.found)
    )]
    PersonalData {
        /// Where (section, field).
        location: String,
        /// What was found.
        found: Vec<PersonalData>,
    },
    /// A storage failure (including conflicts and missing databases).
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn describe(found: &[PersonalData]) -> String {
    let mut kinds: Vec<&str> = found
        .iter()
        .map(|p| match p.kind {
            chancery_domain::lint::PersonalDataKind::Email => "an e-mail address",
            chancery_domain::lint::PersonalDataKind::Phone => "a telephone number",
            chancery_domain::lint::PersonalDataKind::IdentityNumber => {
                "an identity or passport number"
            }
            chancery_domain::lint::PersonalDataKind::DateOfBirth => "a date of birth",
        })
        .collect();
    kinds.dedup();
    kinds.join(" and ")
}

impl AppError {
    pub(crate) fn invalid(msg: impl Into<String>) -> Self {
        AppError::Invalid(msg.into())
    }
}

/// Result of a use case.
pub type AppResult<T> = Result<T, AppError>;
