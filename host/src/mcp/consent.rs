//! Asking the person at the client through MCP elicitation (`elicitation/create`, form
//! mode): the [`Consent`] the tools use before they grant a plugin capabilities.

use async_trait::async_trait;
use rmcp::RoleServer;
use rmcp::service::{ElicitationError, Peer};
use schemars::JsonSchema;
use serde::Deserialize;

use crate::tools::{Consent, ConsentAnswer};

/// How long a person has to answer before the question counts as declined.
const ANSWER_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(300);

/// The form the client shows: one yes/no field.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct Confirmation {
    /// Yes to go ahead.
    pub confirm: bool,
}

rmcp::elicit_safe!(Confirmation);

/// Asks through one MCP session's peer.
pub struct ElicitConsent {
    peer: Peer<RoleServer>,
}

impl ElicitConsent {
    /// Asks the person behind `peer`.
    pub fn new(peer: Peer<RoleServer>) -> Self {
        ElicitConsent { peer }
    }
}

#[async_trait]
impl Consent for ElicitConsent {
    async fn confirm(&self, question: &str) -> ConsentAnswer {
        match self.peer.elicit_with_timeout::<Confirmation>(question, Some(ANSWER_TIMEOUT)).await {
            Ok(Some(Confirmation { confirm: true })) => ConsentAnswer::Confirmed,
            Ok(_) | Err(ElicitationError::UserDeclined | ElicitationError::UserCancelled) => {
                ConsentAnswer::Declined
            }
            Err(ElicitationError::CapabilityNotSupported) => ConsentAnswer::Unavailable,
            Err(err) => {
                tracing::warn!("asking the client to confirm failed: {err}");
                ConsentAnswer::Declined
            }
        }
    }
}
