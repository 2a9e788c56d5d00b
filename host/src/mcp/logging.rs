//! MCP logging (`logging/setLevel`, `notifications/message`): the host's own log lines,
//! at the level each client set, to the clients they concern.
//!
//! [`layer`] is a `tracing` layer (installed by `cli::init_logging`) that hands every event
//! of this workspace's crates at `debug` or above to a process-wide [`LogHub`], once some
//! session asked for that level. An event inside a tool call's span carries the id of the
//! MCP session that made the call ([`SESSION_FIELD`] on the `tool_call` span): ingestion
//! stages, plugin warnings and the log lines a plugin was granted to write go to that
//! session only. An event outside any call (a cache or backend outage, a relay losing its
//! connection) is the server's own, and goes to the sessions of operators (the local user or
//! an admin token) alone. Nothing is sent to a session that has not set a level.
//!
//! Secrets never leave: fields named like a token, secret, password or key are dropped and
//! the user and password of every URL in a line are replaced by `***`.
//!
//! rmcp marks MCP logging deprecated (SEP-2577 moves it elsewhere in a later protocol
//! version); clients of the protocol versions this server speaks use it, so it is served.
#![allow(
    deprecated,
    reason = "MCP logging is deprecated by a protocol version this server does not speak yet"
)]

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex};

use rmcp::RoleServer;
use rmcp::model::{LoggingLevel, LoggingMessageNotificationParam};
use rmcp::service::Peer;
use serde_json::{Map, Value};
use tokio::sync::broadcast;
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::LookupSpan;

/// The field of the `tool_call` span that names the MCP session making the call.
pub const SESSION_FIELD: &str = "mcp_session";

/// How many log lines may wait for slow sessions before the oldest are dropped.
const BACKLOG: usize = 1024;

/// The longest message sent, in bytes (plugin lines are shorter already).
const MAX_MESSAGE: usize = 4096;

/// One log line on its way to the sessions.
#[derive(Debug, Clone)]
pub struct LogLine {
    /// Its severity.
    pub level: LoggingLevel,
    /// The module it came from.
    pub target: String,
    /// What it says, secrets removed.
    pub message: String,
    /// Its fields, secrets removed.
    pub fields: Map<String, Value>,
    /// The session whose call it happened in, or `None` for the server's own lines.
    pub session: Option<u64>,
}

/// Where the layer puts log lines and the sessions take them.
pub struct LogHub {
    lines: broadcast::Sender<LogLine>,
    /// The most detailed level any session asked for, as [`rank`] (0: none asked).
    wanted: AtomicU8,
    /// Every session's level, to recompute `wanted` when one changes or closes.
    levels: Mutex<std::collections::HashMap<u64, u8>>,
    next_session: AtomicU64,
}

/// The process's one hub.
pub static HUB: LazyLock<LogHub> = LazyLock::new(|| LogHub {
    lines: broadcast::channel(BACKLOG).0,
    wanted: AtomicU8::new(0),
    levels: Mutex::new(std::collections::HashMap::new()),
    next_session: AtomicU64::new(1),
});

/// How detailed a level is: higher is more detailed; 0 is "nothing".
fn rank(level: LoggingLevel) -> u8 {
    match level {
        LoggingLevel::Emergency => 1,
        LoggingLevel::Alert => 2,
        LoggingLevel::Critical => 3,
        LoggingLevel::Error => 4,
        LoggingLevel::Warning => 5,
        LoggingLevel::Notice => 6,
        LoggingLevel::Info => 7,
        LoggingLevel::Debug => 8,
    }
}

/// The MCP level of a `tracing` level (trace is sent as debug).
fn level_of(level: &Level) -> LoggingLevel {
    match *level {
        Level::ERROR => LoggingLevel::Error,
        Level::WARN => LoggingLevel::Warning,
        Level::INFO => LoggingLevel::Info,
        _ => LoggingLevel::Debug,
    }
}

impl LogHub {
    /// A fresh id for one MCP session's log lines.
    pub fn session_id(&self) -> u64 {
        self.next_session.fetch_add(1, Ordering::Relaxed)
    }

    /// Sets (or with `None` clears) the level `session` wants.
    fn set_level(&self, session: u64, level: Option<LoggingLevel>) {
        let mut levels = self.levels.lock().unwrap_or_else(|p| p.into_inner());
        match level {
            Some(level) => levels.insert(session, rank(level)),
            None => levels.remove(&session),
        };
        let wanted = levels.values().copied().max().unwrap_or(0);
        self.wanted.store(wanted, Ordering::Relaxed);
    }

    /// Whether any session wants lines at `level`.
    fn wants(&self, level: LoggingLevel) -> bool {
        rank(level) <= self.wanted.load(Ordering::Relaxed)
    }

    fn subscribe(&self) -> broadcast::Receiver<LogLine> {
        self.lines.subscribe()
    }
}

/// The tag the layer keeps on a `tool_call` span: the session that made the call.
struct SessionTag(u64);

/// Reads [`SESSION_FIELD`] off a span's fields.
struct SessionVisitor(Option<u64>);

impl Visit for SessionVisitor {
    fn record_u64(&mut self, field: &Field, value: u64) {
        if field.name() == SESSION_FIELD {
            self.0 = Some(value);
        }
    }

    fn record_debug(&mut self, _field: &Field, _value: &dyn std::fmt::Debug) {}
}

/// Collects an event's message and fields, leaving out secrets.
#[derive(Default)]
struct LineVisitor {
    message: String,
    fields: Map<String, Value>,
}

/// Whether a field's name says it holds a secret.
fn secret_name(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    ["token", "secret", "password", "passwd", "key", "authorization", "credential"]
        .iter()
        .any(|word| name.contains(word))
}

impl LineVisitor {
    fn put(&mut self, field: &Field, value: Value) {
        if field.name() == "message" {
            if let Value::String(text) = value {
                self.message = text;
            }
        } else if field.name() != SESSION_FIELD && !secret_name(field.name()) {
            self.fields.insert(field.name().to_string(), value);
        }
    }
}

impl Visit for LineVisitor {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.put(field, Value::String(redact(value)));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.put(field, Value::from(value));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.put(field, Value::from(value));
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        self.put(field, Value::from(value));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.put(field, Value::from(value));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let mut text = String::new();
        let _ = write!(text, "{value:?}");
        self.put(field, Value::String(redact(&text)));
    }
}

/// `text` with the user and password of every URL replaced by `***`
/// (`redis://:hunter2@cache:6379` → `redis://***@cache:6379`), cut to 4 KiB.
pub fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("://") {
        let (before, after) = rest.split_at(at + 3);
        out.push_str(before);
        let authority_end = after.find(|c: char| c == '/' || c.is_whitespace()).unwrap_or(after.len());
        let authority = &after[..authority_end];
        match authority.rfind('@') {
            Some(userinfo_end) => {
                out.push_str("***");
                out.push_str(&authority[userinfo_end..]);
            }
            None => out.push_str(authority),
        }
        rest = &after[authority_end..];
    }
    out.push_str(rest);
    if out.len() > MAX_MESSAGE {
        let mut end = MAX_MESSAGE;
        while !out.is_char_boundary(end) {
            end -= 1;
        }
        out.truncate(end);
    }
    out
}

/// The layer that feeds the [`HUB`].
pub struct McpLogLayer;

/// The layer `cli::init_logging` installs: this workspace's events, `debug` and up.
pub fn layer<S>() -> impl Layer<S>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    let ours = tracing_subscriber::filter::filter_fn(|meta| {
        meta.target().starts_with("ttrpg") && *meta.level() <= Level::DEBUG
    });
    McpLogLayer.with_filter(ours)
}

impl<S> Layer<S> for McpLogLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(
        &self,
        attrs: &tracing::span::Attributes<'_>,
        id: &tracing::span::Id,
        ctx: Context<'_, S>,
    ) {
        if attrs.metadata().fields().field(SESSION_FIELD).is_none() {
            return;
        }
        let mut visitor = SessionVisitor(None);
        attrs.record(&mut visitor);
        if let (Some(session), Some(span)) = (visitor.0, ctx.span(id)) {
            span.extensions_mut().insert(SessionTag(session));
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let level = level_of(event.metadata().level());
        if !HUB.wants(level) || HUB.lines.receiver_count() == 0 {
            return;
        }
        let session = ctx.event_scope(event).and_then(|scope| {
            scope.from_root().find_map(|span| span.extensions().get::<SessionTag>().map(|t| t.0))
        });
        let mut visitor = LineVisitor::default();
        event.record(&mut visitor);
        let _ = HUB.lines.send(LogLine {
            level,
            target: event.metadata().target().to_string(),
            message: visitor.message,
            fields: visitor.fields,
            session,
        });
    }
}

/// One MCP session's side of logging: its id among the hub's sessions and the level it
/// set. Forwarding starts with the first `logging/setLevel` and ends with the session.
pub struct SessionLog {
    id: u64,
    forwarding: Mutex<Option<tokio::task::JoinHandle<()>>>,
    level: Arc<AtomicU8>,
}

impl Default for SessionLog {
    fn default() -> Self {
        SessionLog { id: HUB.session_id(), forwarding: Mutex::new(None), level: Arc::new(AtomicU8::new(0)) }
    }
}

impl SessionLog {
    /// The id a `tool_call` span records in [`SESSION_FIELD`].
    pub fn id(&self) -> u64 {
        self.id
    }

    /// `logging/setLevel`: from now on, lines at `level` or more severe that concern this
    /// session go to `peer` (the server's own lines too when `operator`).
    pub fn set_level(&self, level: LoggingLevel, peer: Peer<RoleServer>, operator: bool) {
        self.level.store(rank(level), Ordering::Relaxed);
        HUB.set_level(self.id, Some(level));
        let mut forwarding = self.forwarding.lock().unwrap_or_else(|p| p.into_inner());
        if forwarding.as_ref().is_some_and(|task| !task.is_finished()) {
            return;
        }
        let mut lines = HUB.subscribe();
        let (id, wanted) = (self.id, self.level.clone());
        *forwarding = Some(tokio::spawn(async move {
            loop {
                let line = match lines.recv().await {
                    Ok(line) => line,
                    Err(broadcast::error::RecvError::Lagged(missed)) => LogLine {
                        level: LoggingLevel::Warning,
                        target: "ttrpg_host::mcp::logging".into(),
                        message: format!("{missed} log lines were dropped: this client read them too slowly"),
                        fields: Map::new(),
                        session: Some(id),
                    },
                    Err(broadcast::error::RecvError::Closed) => break,
                };
                let ours = match line.session {
                    Some(session) => session == id,
                    None => operator,
                };
                if !ours || rank(line.level) > wanted.load(Ordering::Relaxed) {
                    continue;
                }
                let mut data = line.fields;
                data.insert("message".into(), Value::String(line.message));
                let notification = LoggingMessageNotificationParam::new(line.level, Value::Object(data))
                    .with_logger(line.target);
                if peer.notify_logging_message(notification).await.is_err() || peer.is_transport_closed() {
                    break;
                }
            }
        }));
    }
}

impl Drop for SessionLog {
    fn drop(&mut self) {
        HUB.set_level(self.id, None);
        if let Some(task) = self.forwarding.lock().unwrap_or_else(|p| p.into_inner()).take() {
            task.abort();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_lose_their_credentials_and_keep_the_rest() {
        assert_eq!(
            redact("cannot reach redis://:hunter2@cache:6379/0 (refused)"),
            "cannot reach redis://***@cache:6379/0 (refused)"
        );
        assert_eq!(
            redact("postgres://ttrpg:pw@db/ttrpg and http://host/x"),
            "postgres://***@db/ttrpg and http://host/x"
        );
        assert_eq!(redact("no url here"), "no url here");
    }

    #[test]
    fn secret_fields_are_named_as_such() {
        for name in ["token", "api_key", "Password", "redis_secret", "authorization"] {
            assert!(secret_name(name), "{name}");
        }
        for name in ["campaign", "plugin", "round", "chunks"] {
            assert!(!secret_name(name), "{name}");
        }
    }

    #[test]
    fn severity_ranks_in_the_protocol_order() {
        assert!(rank(LoggingLevel::Debug) > rank(LoggingLevel::Info));
        assert!(rank(LoggingLevel::Info) > rank(LoggingLevel::Warning));
        assert!(rank(LoggingLevel::Error) > rank(LoggingLevel::Emergency));
    }
}
