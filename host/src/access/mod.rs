//! Who is calling, and what they may do: authentication of HTTP requests by bearer token
//! ([`token`]) and the role a caller has in a campaign ([`authorize`]).
//!
//! A [`Caller`] is the machine's own user ([`Caller::Local`]: stdio, or a loopback HTTP
//! server no token has been made for) or a token's holder. Every tool declares the
//! [`Need`] it has of its caller; [`authorize`] finds the campaign a call's arguments name
//! (its `campaign_id`, or the campaign of its `character_id`, `session_id`, `document_id` or
//! `note_id`, all of which must agree), the caller's [`Role`] in it, and refuses the call
//! before the tool runs when the role falls short. The [`Viewer`] it returns tells the tool
//! what the caller may see, so a player's answers are filtered where they are read.
//!
//! A user who is not a member of a campaign is told the campaign (or the character, …)
//! does not exist, in the words an unknown id gets: the error never says it is there.

mod scope;
pub mod token;

use crate::app::App;
use crate::storage::Visibility;
use crate::storage::{ApiToken, DocumentRecord, Image, ImageFilter, MemberRole, StorageError, TokenRole};

/// Who makes a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// The machine's own user: the stdio channel, or a loopback HTTP server with no token
    /// made. Acts as the GM of every campaign.
    Local,
    /// The holder of a bearer token.
    Token(ApiToken),
}

impl Caller {
    /// The calling user's id, for a token's holder.
    pub fn user_id(&self) -> Option<&str> {
        match self {
            Caller::Local => None,
            Caller::Token(token) => Some(&token.user.id),
        }
    }

    /// Whether the caller is the machine's own user or holds an admin token: GM of every
    /// campaign, and may manage the shared library.
    pub fn is_operator(&self) -> bool {
        match self {
            Caller::Local => true,
            Caller::Token(token) => token.role == TokenRole::Admin,
        }
    }

    /// Whether the caller holds an admin token (what granting plugin capabilities over MCP
    /// takes without asking the person).
    pub fn is_admin_token(&self) -> bool {
        matches!(self, Caller::Token(token) if token.role == TokenRole::Admin)
    }

    /// How logs name the caller.
    pub fn describe(&self) -> String {
        match self {
            Caller::Local => "local".into(),
            Caller::Token(token) => format!("{} ({})", token.user.name, token.role.as_str()),
        }
    }
}

/// A caller's part in the campaign a call acts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    /// Plays: rolls, sees what players see, reads and updates their own character.
    Player,
    /// Runs the game: sees and changes everything in the campaign.
    Gm,
}

/// What a tool needs of its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Any member of the campaign it acts in (or, without one, any caller).
    Player,
    /// The GM of the campaign it acts in.
    Gm,
    /// The operator: the local user or an admin token.
    Operator,
}

impl Need {
    /// Whether a caller with `role` (and operator standing or not) may call such a tool.
    pub fn allows(self, role: Role, operator: bool) -> bool {
        match self {
            Need::Player => true,
            Need::Gm => role == Role::Gm,
            Need::Operator => operator,
        }
    }
}

/// What one call may see: who calls, in which campaign, with which role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Viewer {
    /// Who calls.
    pub caller: Caller,
    /// The campaign the call acts in, when its arguments name one.
    pub campaign_id: Option<String>,
    /// The caller's role there (without a campaign: GM for the operator, else player).
    pub role: Role,
}

impl Viewer {
    /// The local user's view: everything.
    pub fn local() -> Self {
        Viewer { caller: Caller::Local, campaign_id: None, role: Role::Gm }
    }

    /// Whether the call may see GM content of its campaign.
    pub fn is_gm(&self) -> bool {
        self.role == Role::Gm
    }

    /// The calling user's id, for a token's holder.
    pub fn user_id(&self) -> Option<&str> {
        self.caller.user_id()
    }
}

/// Why a call was refused before it ran.
#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    /// The thing named does not exist, or the caller may not know it does (same words).
    #[error("{0}")]
    Unknown(String),
    /// The caller's role falls short of what the tool needs.
    #[error("{tool} needs {needed}; {have}")]
    Forbidden {
        /// The tool.
        tool: String,
        /// What it needs, in words ("the GM role in this campaign").
        needed: String,
        /// What the caller is, in words ("you are a player here").
        have: String,
    },
    /// The arguments name things of different campaigns.
    #[error("{0}")]
    Mismatch(String),
    /// The database failed.
    #[error(transparent)]
    Storage(StorageError),
}

impl From<StorageError> for AccessError {
    fn from(err: StorageError) -> Self {
        match err {
            err @ StorageError::NotFound { .. } => AccessError::Unknown(err.to_string()),
            other => AccessError::Storage(other),
        }
    }
}

/// The caller's role in a campaign, or `None` when they are not part of it.
pub async fn role_in(app: &App, caller: &Caller, campaign_id: &str) -> Result<Option<Role>, AccessError> {
    let campaign = app.storage.get_campaign(campaign_id).await?;
    let Caller::Token(token) = caller else { return Ok(Some(Role::Gm)) };
    if token.role == TokenRole::Admin || campaign.gm_user_id.as_deref() == Some(token.user.id.as_str()) {
        return Ok(Some(Role::Gm));
    }
    Ok(app.storage.member_role(campaign_id, &token.user.id).await?.map(|role| match role {
        MemberRole::Gm => Role::Gm,
        MemberRole::Player => Role::Player,
    }))
}

/// Checks a call before it runs: the campaign its arguments name, the caller's role there,
/// and the tool's need. Returns what the tool may show the caller.
pub async fn authorize(
    app: &App,
    caller: &Caller,
    tool: &str,
    need: Need,
    arguments: &serde_json::Value,
) -> Result<Viewer, AccessError> {
    let scope = scope::campaign_of(app, arguments).await?;
    let (campaign_id, role) = match scope {
        Some(scope) => match role_in(app, caller, &scope.campaign_id).await? {
            Some(role) => (Some(scope.campaign_id), role),
            None => return Err(AccessError::Unknown(scope.unknown_message)),
        },
        None if caller.is_operator() => (None, Role::Gm),
        None => (None, Role::Player),
    };
    if !need.allows(role, caller.is_operator()) {
        let needed = match (need, &campaign_id) {
            (Need::Operator, _) => "an admin token (or the server's own console)".to_string(),
            (_, Some(_)) => "the GM role in this campaign".to_string(),
            (_, None) => "a campaign_id of a campaign you run (or an admin token)".to_string(),
        };
        let have = match (&campaign_id, role) {
            (Some(_), Role::Player) => "you are a player here".to_string(),
            (_, _) => format!("you are signed in as {}", caller.describe()),
        };
        return Err(AccessError::Forbidden { tool: tool.to_string(), needed, have });
    }
    Ok(Viewer { caller: caller.clone(), campaign_id, role })
}

/// Whether a book may reach `caller`: a shared-library book that is the players' (or any
/// book, for the operator); a campaign's book when the caller is part of the campaign,
/// and it is the players' or the caller is its GM.
pub async fn sees_document(
    app: &App,
    caller: &Caller,
    document: &DocumentRecord,
) -> Result<bool, AccessError> {
    if caller.is_operator() {
        return Ok(true);
    }
    let role = match &document.campaign_id {
        None => Some(Role::Player),
        Some(campaign_id) => role_in(app, caller, campaign_id).await?,
    };
    Ok(match role {
        None => false,
        Some(Role::Gm) => true,
        Some(Role::Player) => document.visibility == Visibility::Players,
    })
}

/// The books `caller` may see, by title.
pub async fn visible_documents(app: &App, caller: &Caller) -> Result<Vec<DocumentRecord>, AccessError> {
    let mut visible = Vec::new();
    for document in app.storage.list_documents().await? {
        if sees_document(app, caller, &document).await? {
            visible.push(document);
        }
    }
    Ok(visible)
}

/// Whether an image may reach `caller`: its campaign's GM sees it, a player only when it is
/// shared with the players.
pub async fn sees_image(app: &App, caller: &Caller, image: &Image) -> Result<bool, AccessError> {
    Ok(match role_in(app, caller, &image.campaign_id).await? {
        None => false,
        Some(Role::Gm) => true,
        Some(Role::Player) => image.visibility == Visibility::Players,
    })
}

/// The images of every campaign `caller` is part of that they may see, campaign by campaign.
pub async fn visible_images(app: &App, caller: &Caller) -> Result<Vec<Image>, AccessError> {
    let campaigns = match (caller.is_operator(), caller.user_id()) {
        (false, Some(user_id)) => app.storage.list_campaigns_of(user_id, false).await?,
        _ => app.storage.list_campaigns(false).await?,
    };
    let mut visible = Vec::new();
    for campaign in campaigns {
        let players_only = match role_in(app, caller, &campaign.id).await? {
            None => continue,
            Some(role) => role == Role::Player,
        };
        let filter = ImageFilter { players_only, ..ImageFilter::default() };
        visible.extend(app.storage.images(&campaign.id, &filter).await?);
    }
    Ok(visible)
}
