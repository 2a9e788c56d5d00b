//! `ttrpg token`: make, list and revoke the bearer tokens HTTP clients sign in with.

use std::process::ExitCode;

use clap::{Args, Subcommand, ValueEnum};

use crate::access::token;
use crate::config::Config;
use crate::storage::{self, ApiToken, MigrateOnOpen, TokenRole};

/// Arguments of `ttrpg token`.
#[derive(Debug, Args)]
pub struct TokenArgs {
    /// create, list or revoke.
    #[command(subcommand)]
    pub action: TokenAction,
}

/// A token's role as the command line spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RoleArg {
    /// GM of the campaigns the user runs, player in those they play (the default).
    User,
    /// The server's operator: GM of every campaign, manages the shared library, grants plugin capabilities.
    Admin,
}

/// What to do with tokens.
#[derive(Debug, Subcommand)]
pub enum TokenAction {
    /// Make a token for a user (made if new). The token is printed once: it is not stored.
    Create {
        /// The user's name, e.g. alice.
        #[arg(long)]
        user: String,
        /// user (default) or admin.
        #[arg(long, value_enum, default_value = "user")]
        role: RoleArg,
        /// A label to tell tokens apart ("alice's laptop").
        #[arg(long)]
        label: Option<String>,
        /// Print JSON (the token is in `token`).
        #[arg(long)]
        json: bool,
    },
    /// List tokens (never their text), newest first.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Revoke a token by id: every host refuses it from the next request on.
    Revoke {
        /// The token's id (from `ttrpg token list`).
        id: String,
    },
}

/// Runs the token action.
pub async fn run(config: Config, args: TokenArgs) -> anyhow::Result<ExitCode> {
    let url = config.database_url();
    let storage = storage::open(&url, MigrateOnOpen::Apply).await?;
    match args.action {
        TokenAction::Create { user, role, label, json } => {
            let name = user.trim();
            if name.is_empty() || name.len() > 64 || name.chars().any(char::is_control) {
                anyhow::bail!("--user must be a name of 1 to 64 printable characters, not {user:?}");
            }
            let role = match role {
                RoleArg::User => TokenRole::User,
                RoleArg::Admin => TokenRole::Admin,
            };
            let made = token::create(storage.as_ref(), name, role, label).await?;
            if json {
                super::print_json(&serde_json::json!({ "token": made.secret, "record": made.record }))?;
            } else {
                println!("{}", made.secret);
                eprintln!(
                    "token {} for {} ({}); it is shown only now. A client sends it as the HTTP header\n  \
                     Authorization: Bearer {}",
                    made.record.id,
                    made.record.user.name,
                    made.record.role.as_str(),
                    made.secret
                );
            }
        }
        TokenAction::List { json } => {
            let tokens = storage.list_tokens().await?;
            if json {
                super::print_json(&tokens)?;
            } else if tokens.is_empty() {
                println!("no tokens: a loopback server serves its local user without one");
            } else {
                for t in &tokens {
                    println!("{}", describe(t));
                }
            }
        }
        TokenAction::Revoke { id } => {
            let revoked = storage.revoke_token(&id).await?;
            println!("revoked {}", describe(&revoked));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// One line per token: id, user, role, label, when made and last used, revoked or not.
fn describe(t: &ApiToken) -> String {
    let used = t.last_used_at.map_or("never used".to_string(), |at| format!("last used {}", at.to_rfc3339()));
    let state = t.revoked_at.map_or(String::new(), |at| format!("  REVOKED {}", at.to_rfc3339()));
    let label = t.label.as_deref().map_or(String::new(), |l| format!("  {l:?}"));
    format!(
        "{}  {}  {}{label}  made {}  {used}{state}",
        t.id,
        t.user.name,
        t.role.as_str(),
        t.created_at.to_rfc3339()
    )
}
