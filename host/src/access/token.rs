//! Bearer tokens: making one, and knowing its holder from a request's `Authorization`
//! header.
//!
//! A token is `ttrpg_` and 64 hex digits of 256 random bits from the operating system. The
//! database keeps only its SHA-256 (`api_tokens.token_hash`): a stolen database names no
//! token, and a token is looked up by its hash in one indexed read, so revoking one takes
//! effect on the next request of every host.

use crate::digest::{hex, sha256_hex};

use super::Caller;
use crate::storage::{ApiToken, Storage, StorageError, TokenRole};

/// What every token starts with (so a leaked one is recognisable in logs and scanners).
pub const TOKEN_PREFIX: &str = "ttrpg_";

/// How often at most a token's `last_used_at` is written.
const TOUCH_INTERVAL: chrono::TimeDelta = chrono::TimeDelta::seconds(60);

/// Why a request's credentials were refused.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// The request carries no `Authorization: Bearer` header, and the server needs one.
    #[error("this server needs a bearer token (Authorization: Bearer ttrpg_…)")]
    Missing,
    /// The header is there but names no live token (unknown, revoked or malformed).
    #[error("the bearer token is not valid (unknown or revoked)")]
    Invalid,
    /// The operating system gave no random bytes for a new token.
    #[error("cannot draw random bytes for a token: {0}")]
    Random(String),
    /// The database failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// A token made by [`create`]: its text, shown once, and its stored record.
#[derive(Debug)]
pub struct NewToken {
    /// The token itself; it is never stored and cannot be shown again.
    pub secret: String,
    /// The stored record (its id is what `ttrpg token revoke` takes).
    pub record: ApiToken,
}

/// The SHA-256 of a token's text, as stored (lowercase hex).
pub fn hash(secret: &str) -> String {
    sha256_hex(secret)
}

/// Makes a token for the user `user_name` (made if new) with `role`.
pub async fn create(
    storage: &dyn Storage,
    user_name: &str,
    role: TokenRole,
    label: Option<String>,
) -> Result<NewToken, AuthError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|err| AuthError::Random(err.to_string()))?;
    let secret = format!("{TOKEN_PREFIX}{}", hex(&bytes));
    let user = match storage.user_by_name(user_name).await {
        Ok(user) => user,
        Err(StorageError::NotFound { .. }) => storage.create_user(user_name).await?,
        Err(other) => return Err(other.into()),
    };
    let record = storage.create_token(&user.id, role, &hash(&secret), label).await?;
    Ok(NewToken { secret, record })
}

/// Who sends a request with this `Authorization` header value (`None`: no header).
///
/// Without a header the caller is the local user only when `open` (a loopback server no
/// live token exists for); otherwise the request is refused.
pub async fn authenticate(
    storage: &dyn Storage,
    header: Option<&str>,
    open: bool,
) -> Result<Caller, AuthError> {
    let Some(header) = header else {
        return if open && !storage.any_live_token().await? {
            Ok(Caller::Local)
        } else {
            Err(AuthError::Missing)
        };
    };
    let secret = header
        .strip_prefix("Bearer ")
        .or_else(|| header.strip_prefix("bearer "))
        .map(str::trim)
        .filter(|secret| secret.starts_with(TOKEN_PREFIX))
        .ok_or(AuthError::Invalid)?;
    let token = storage.token_by_hash(&hash(secret)).await?.ok_or(AuthError::Invalid)?;
    let stale = token.last_used_at.is_none_or(|at| chrono::Utc::now() - at > TOUCH_INTERVAL);
    if stale && let Err(err) = storage.touch_token(&token.id).await {
        tracing::warn!("cannot record the use of token {}: {err}", token.id);
    }
    Ok(Caller::Token(token))
}

#[cfg(test)]
mod tests {
    use super::hash;

    #[test]
    fn the_hash_is_sha256_hex() {
        assert_eq!(hash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
