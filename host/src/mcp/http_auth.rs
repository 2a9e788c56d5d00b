//! Bearer-token authentication of every Streamable HTTP request.
//!
//! Every request to `/mcp` passes [`require_token`] first: with a valid
//! `Authorization: Bearer` token its holder goes into the request's extensions (where
//! [`super::McpServer`] reads it back through rmcp's `http::request::Parts`); without one, a
//! loopback server no live token exists for serves it as the local user; anything else is
//! answered `401` with `WWW-Authenticate: Bearer` and an empty body, before rmcp sees it.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::access::token::{self, AuthError};
use crate::storage::Storage;

/// What the middleware needs: the storage the tokens live in, and whether a request
/// without a token may be the local user.
#[derive(Clone)]
pub struct HttpAuth {
    /// Where tokens are looked up.
    pub storage: Arc<dyn Storage>,
    /// The server listens on a loopback address only: until a token is made, a request
    /// without one is the machine's own user.
    pub loopback: bool,
}

/// Authenticates one request, or answers it `401`.
pub async fn require_token(State(auth): State<HttpAuth>, mut request: Request, next: Next) -> Response {
    let header = request.headers().get(header::AUTHORIZATION).and_then(|value| value.to_str().ok());
    match token::authenticate(auth.storage.as_ref(), header, auth.loopback).await {
        Ok(caller) => {
            request.extensions_mut().insert(caller);
            next.run(request).await
        }
        Err(err @ (AuthError::Missing | AuthError::Invalid)) => {
            let challenge = match err {
                AuthError::Invalid => r#"Bearer realm="ttrpg", error="invalid_token""#,
                _ => r#"Bearer realm="ttrpg""#,
            };
            let mut response = StatusCode::UNAUTHORIZED.into_response();
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(challenge));
            response
        }
        Err(err) => {
            tracing::error!("cannot check a bearer token: {err}");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}
