//! Users, their bearer tokens, and who plays in which campaign.
//!
//! A token is stored only as the SHA-256 of its text (`token_hash`); the text is shown once,
//! by whoever made it. A campaign's members are its players and any co-GMs; its own GM is
//! the campaign's `gm_user_id`.

use super::sql::{SqlEngine, SqlStorage, is_unique_violation, known, new_id, now, sql};
use super::{StorageError, StorageResult};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sqlx::Row;

/// A person the server knows by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct User {
    /// The user's id.
    pub id: String,
    /// The unique name (`alice`).
    pub name: String,
    /// When the user was made.
    pub created_at: DateTime<Utc>,
}

/// What a token lets its holder do across the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum TokenRole {
    /// Acts as its user: GM of the campaigns they run, player in those they play.
    User,
    /// The server's operator: GM of every campaign, may manage the shared library and
    /// grant plugin capabilities.
    Admin,
}

impl TokenRole {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenRole::User => "user",
            TokenRole::Admin => "admin",
        }
    }

    /// Parses a stored name.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "user" => Some(TokenRole::User),
            "admin" => Some(TokenRole::Admin),
            _ => None,
        }
    }
}

/// A bearer token as the server lists it (never its text).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ApiToken {
    /// The token's id (what `ttrpg token revoke` takes).
    pub id: String,
    /// Whose token it is.
    pub user: User,
    /// What it may do.
    pub role: TokenRole,
    /// A label its maker gave it ("alice's laptop").
    pub label: Option<String>,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When a request last carried it (updated at most once a minute).
    pub last_used_at: Option<DateTime<Utc>>,
    /// When it was revoked; a revoked token is refused.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A member's part in a campaign.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum MemberRole {
    /// Runs the game with the campaign's GM.
    Gm,
    /// Plays in it.
    Player,
}

impl MemberRole {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            MemberRole::Gm => "gm",
            MemberRole::Player => "player",
        }
    }

    /// Parses a stored name.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "gm" => Some(MemberRole::Gm),
            "player" => Some(MemberRole::Player),
            _ => None,
        }
    }
}

/// One member of a campaign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CampaignMember {
    /// The campaign.
    pub campaign_id: String,
    /// The member.
    pub user: User,
    /// Their part in it.
    pub role: MemberRole,
    /// When they joined.
    pub created_at: DateTime<Utc>,
}

const TOKEN_COLUMNS: &str = "t.id, t.role, t.label, t.created_at, t.last_used_at, t.revoked_at, \
     u.id AS user_id, u.name AS user_name, u.created_at AS user_created_at";

/// Users, tokens and campaign membership.
#[async_trait]
pub trait UserStore: Send + Sync {
    /// Makes a user; a name already taken is a conflict.
    async fn create_user(&self, name: &str) -> StorageResult<User>;
    /// A user by id.
    async fn get_user(&self, id: &str) -> StorageResult<User>;
    /// A user by name.
    async fn user_by_name(&self, name: &str) -> StorageResult<User>;
    /// Stores a new token's hash for a user.
    async fn create_token(
        &self,
        user_id: &str,
        role: TokenRole,
        token_hash: &str,
        label: Option<String>,
    ) -> StorageResult<ApiToken>;
    /// Every token, newest first (revoked ones too).
    async fn list_tokens(&self) -> StorageResult<Vec<ApiToken>>;
    /// Revokes a token at once (revoking twice keeps the first time).
    async fn revoke_token(&self, id: &str) -> StorageResult<ApiToken>;
    /// The live (not revoked) token with this hash.
    async fn token_by_hash(&self, token_hash: &str) -> StorageResult<Option<ApiToken>>;
    /// Whether any live token exists (then every HTTP request must carry one).
    async fn any_live_token(&self) -> StorageResult<bool>;
    /// Records that a token was used now.
    async fn touch_token(&self, id: &str) -> StorageResult<()>;
    /// Adds a member to a campaign or changes their role.
    async fn set_member(
        &self,
        campaign_id: &str,
        user_id: &str,
        role: MemberRole,
    ) -> StorageResult<CampaignMember>;
    /// Removes a member; false when they were not one.
    async fn remove_member(&self, campaign_id: &str, user_id: &str) -> StorageResult<bool>;
    /// A campaign's members by name.
    async fn members(&self, campaign_id: &str) -> StorageResult<Vec<CampaignMember>>;
    /// A user's role in a campaign as a member, if any.
    async fn member_role(&self, campaign_id: &str, user_id: &str) -> StorageResult<Option<MemberRole>>;
}

#[async_trait]
impl<DB: SqlEngine> UserStore for SqlStorage<DB> {
    async fn create_user(&self, name: &str) -> StorageResult<User> {
        let row = sqlx::query(sql!(
            "INSERT INTO users (id, name, created_at) VALUES ($1, $2, $3) RETURNING id, name, created_at"
        ))
        .bind(new_id())
        .bind(name.to_string())
        .bind(now())
        .fetch_one(&self.pool)
        .await
        .map_err(|err| {
            if is_unique_violation(&err) {
                StorageError::Conflict(format!("a user named {name:?} already exists"))
            } else {
                err.into()
            }
        })?;
        Self::user_from_row(&row)
    }

    async fn get_user(&self, id: &str) -> StorageResult<User> {
        let row = sqlx::query(sql!("SELECT id, name, created_at FROM users WHERE id = $1"))
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StorageError::not_found("user", id))?;
        Self::user_from_row(&row)
    }

    async fn user_by_name(&self, name: &str) -> StorageResult<User> {
        let row = sqlx::query(sql!("SELECT id, name, created_at FROM users WHERE name = $1"))
            .bind(name.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StorageError::not_found("user named", name))?;
        Self::user_from_row(&row)
    }

    async fn create_token(
        &self,
        user_id: &str,
        role: TokenRole,
        token_hash: &str,
        label: Option<String>,
    ) -> StorageResult<ApiToken> {
        let id = new_id();
        sqlx::query(sql!(
            "INSERT INTO api_tokens (id, user_id, role, token_hash, label, created_at) ",
            "VALUES ($1, $2, $3, $4, $5, $6)"
        ))
        .bind(id.clone())
        .bind(user_id.to_string())
        .bind(role.as_str().to_string())
        .bind(token_hash.to_string())
        .bind(label)
        .bind(now())
        .execute(&self.pool)
        .await?;
        self.token_where_id(&id).await
    }

    async fn list_tokens(&self) -> StorageResult<Vec<ApiToken>> {
        let rows = sqlx::query(sql!(
            "SELECT ",
            TOKEN_COLUMNS,
            " FROM api_tokens t JOIN users u ON u.id = t.user_id ORDER BY t.created_at DESC, t.id DESC"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(Self::token_from_row).collect()
    }

    async fn revoke_token(&self, id: &str) -> StorageResult<ApiToken> {
        let done =
            sqlx::query(sql!("UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, $2) WHERE id = $1"))
                .bind(id.to_string())
                .bind(now())
                .execute(&self.pool)
                .await?;
        if DB::rows_affected(&done) == 0 {
            return Err(StorageError::not_found("token", id));
        }
        self.token_where_id(id).await
    }

    async fn token_by_hash(&self, token_hash: &str) -> StorageResult<Option<ApiToken>> {
        let row = sqlx::query(sql!(
            "SELECT ",
            TOKEN_COLUMNS,
            " FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1 AND t.revoked_at IS NULL"
        ))
        .bind(token_hash.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(Self::token_from_row).transpose()
    }

    async fn any_live_token(&self) -> StorageResult<bool> {
        let row = sqlx::query(sql!(
            "SELECT COUNT(*) AS n FROM (SELECT 1 FROM api_tokens WHERE revoked_at IS NULL LIMIT 1) live"
        ))
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get::<i64, _>("n")? > 0)
    }

    async fn touch_token(&self, id: &str) -> StorageResult<()> {
        sqlx::query(sql!("UPDATE api_tokens SET last_used_at = $2 WHERE id = $1"))
            .bind(id.to_string())
            .bind(now())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn set_member(
        &self,
        campaign_id: &str,
        user_id: &str,
        role: MemberRole,
    ) -> StorageResult<CampaignMember> {
        self.get_user(user_id).await?;
        sqlx::query(sql!(
            "INSERT INTO campaign_members (campaign_id, user_id, role, created_at) VALUES ($1, $2, $3, $4) ",
            "ON CONFLICT (campaign_id, user_id) DO UPDATE SET role = excluded.role"
        ))
        .bind(campaign_id.to_string())
        .bind(user_id.to_string())
        .bind(role.as_str().to_string())
        .bind(now())
        .execute(&self.pool)
        .await?;
        self.members(campaign_id)
            .await?
            .into_iter()
            .find(|m| m.user.id == user_id)
            .ok_or_else(|| StorageError::not_found("campaign member", user_id))
    }

    async fn remove_member(&self, campaign_id: &str, user_id: &str) -> StorageResult<bool> {
        let done = sqlx::query(sql!("DELETE FROM campaign_members WHERE campaign_id = $1 AND user_id = $2"))
            .bind(campaign_id.to_string())
            .bind(user_id.to_string())
            .execute(&self.pool)
            .await?;
        Ok(DB::rows_affected(&done) > 0)
    }

    async fn members(&self, campaign_id: &str) -> StorageResult<Vec<CampaignMember>> {
        let rows = sqlx::query(sql!(
            "SELECT m.campaign_id, m.role, m.created_at, u.id AS user_id, u.name AS user_name, ",
            "u.created_at AS user_created_at FROM campaign_members m JOIN users u ON u.id = m.user_id ",
            "WHERE m.campaign_id = $1 ORDER BY u.name"
        ))
        .bind(campaign_id.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let user = Self::joined_user(row)?;
                let role =
                    known("campaign_members", &user.id, "role", row.try_get("role")?, MemberRole::parse)?;
                Ok(CampaignMember {
                    campaign_id: row.try_get("campaign_id")?,
                    user,
                    role,
                    created_at: row.try_get("created_at")?,
                })
            })
            .collect()
    }

    async fn member_role(&self, campaign_id: &str, user_id: &str) -> StorageResult<Option<MemberRole>> {
        let row =
            sqlx::query(sql!("SELECT role FROM campaign_members WHERE campaign_id = $1 AND user_id = $2"))
                .bind(campaign_id.to_string())
                .bind(user_id.to_string())
                .fetch_optional(&self.pool)
                .await?;
        row.map(|row| known("campaign_members", user_id, "role", row.try_get("role")?, MemberRole::parse))
            .transpose()
    }
}

impl<DB: SqlEngine> SqlStorage<DB> {
    async fn token_where_id(&self, id: &str) -> StorageResult<ApiToken> {
        let row = sqlx::query(sql!(
            "SELECT ",
            TOKEN_COLUMNS,
            " FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.id = $1"
        ))
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| StorageError::not_found("token", id))?;
        Self::token_from_row(&row)
    }

    fn user_from_row(row: &DB::Row) -> StorageResult<User> {
        Ok(User {
            id: row.try_get("id")?,
            name: row.try_get("name")?,
            created_at: row.try_get("created_at")?,
        })
    }

    fn joined_user(row: &DB::Row) -> StorageResult<User> {
        Ok(User {
            id: row.try_get("user_id")?,
            name: row.try_get("user_name")?,
            created_at: row.try_get("user_created_at")?,
        })
    }

    fn token_from_row(row: &DB::Row) -> StorageResult<ApiToken> {
        let id: String = row.try_get("id")?;
        let role = known("api_tokens", &id, "role", row.try_get("role")?, TokenRole::parse)?;
        Ok(ApiToken {
            user: Self::joined_user(row)?,
            role,
            label: row.try_get("label")?,
            created_at: row.try_get("created_at")?,
            last_used_at: row.try_get("last_used_at")?,
            revoked_at: row.try_get("revoked_at")?,
            id,
        })
    }
}
