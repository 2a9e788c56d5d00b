//! A small MCP client harness for the end-to-end tests: starts the built `ttrpg` binary
//! (stdio or Streamable HTTP), connects with rmcp's client, and wraps `tools/call` with
//! the checks every test wants (success has structured content matching the tool's output
//! schema; failure is a tool error with a message).

#![allow(dead_code, reason = "not every test binary uses every helper")]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rmcp::model::{CallToolRequestParams, CallToolResult, Tool};
use rmcp::service::{NotificationContext, RunningService};
use rmcp::transport::{StreamableHttpClientTransport, TokioChildProcess};
use rmcp::{ClientHandler, RoleClient, ServiceExt};
use serde_json::{Map, Value};
use tokio::io::{AsyncBufReadExt, BufReader};

/// Generous: a loaded CI machine with two cores shared by several builds.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(30);

/// The `ttrpg` binary cargo built for this test.
pub fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_ttrpg"))
}

/// The shared folder beside the repository (`../shared`: data, models, service binaries).
pub fn shared() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared")
}

/// The environment a server needs for embeddings (the model folder and ONNX Runtime, which
/// scripts/test installs), or why it cannot have it.
pub fn embedding_env() -> Result<Vec<(String, String)>, String> {
    let model = shared().join("models/all-MiniLM-L6-v2");
    if !model.join("model.onnx").exists() {
        return Err(format!("no embedding model in {}", model.display()));
    }
    let ort =
        std::env::var("ORT_DYLIB_PATH").map_err(|_| "ORT_DYLIB_PATH is not set (scripts/test sets it)")?;
    if !Path::new(&ort).exists() {
        return Err(format!("ORT_DYLIB_PATH={ort} does not exist"));
    }
    Ok(vec![
        ("TTRPG_MODEL_DIR".to_string(), model.display().to_string()),
        ("TTRPG_ONNXRUNTIME".to_string(), ort),
    ])
}

/// A scratch folder holding the server's data dir (`data/`) and its stderr logs.
pub struct Scratch {
    dir: tempfile::TempDir,
}

impl Scratch {
    pub fn new() -> Self {
        let dir = tempfile::Builder::new().prefix("ttrpg-e2e-").tempdir().expect("temp dir");
        std::fs::create_dir_all(dir.path().join("data")).expect("data dir");
        Scratch { dir }
    }

    /// The `--data-dir` of every server started on this scratch folder.
    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// The SQLite file the server keeps.
    pub fn db_path(&self) -> PathBuf {
        self.data_dir().join("ttrpg.db")
    }

    /// A fresh log file for one server's stderr.
    fn log_file(&self, label: &str) -> (PathBuf, std::fs::File) {
        for n in 0.. {
            let path = self.dir.path().join(format!("{label}-{n}.log"));
            if !path.exists() {
                let file = std::fs::File::create(&path).expect("log file");
                return (path, file);
            }
        }
        unreachable!()
    }

    /// Runs `ttrpg ARGS…` on this scratch folder's data dir and returns its stdout; panics
    /// when it fails.
    pub fn cli(&self, args: &[&str]) -> String {
        let mut command = std::process::Command::new(binary());
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("TTRPG_") {
                command.env_remove(key);
            }
        }
        let output =
            command.arg("--data-dir").arg(self.data_dir()).args(args).output().expect("running ttrpg");
        assert!(
            output.status.success(),
            "ttrpg {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// Makes a bearer token with `ttrpg token create` and returns (token, token id).
    pub fn token(&self, user: &str, admin: bool) -> (String, String) {
        let role = if admin { "admin" } else { "user" };
        let out = self.cli(&["token", "create", "--user", user, "--role", role, "--json"]);
        let made: Value = serde_json::from_str(&out).expect("token create --json prints JSON");
        let token = made["token"].as_str().expect("the token").to_string();
        let id = made["record"]["id"].as_str().expect("the token id").to_string();
        (token, id)
    }

    /// Every server log written so far, for failure messages.
    pub fn logs(&self) -> String {
        let mut out = String::new();
        let mut entries: Vec<_> = std::fs::read_dir(self.dir.path())
            .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
            .unwrap_or_default();
        entries.sort();
        for path in entries.into_iter().filter(|p| p.extension().is_some_and(|e| e == "log")) {
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            out.push_str(&format!("--- {} ---\n{text}\n", path.display()));
        }
        out
    }
}

/// The server command with a clean environment: no `TTRPG_*` variable of the machine
/// running the tests leaks into it; `env` is set on top.
fn server_command(data_dir: &Path, env: &[(&str, &str)]) -> tokio::process::Command {
    let mut command = tokio::process::Command::new(binary());
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("TTRPG_") {
            command.env_remove(key);
        }
    }
    for (key, value) in env {
        command.env(key, value);
    }
    command.arg("--data-dir").arg(data_dir).arg("--log").arg("info");
    command.kill_on_drop(true);
    command
}

/// A `notifications/message` as the client saw it: level, logger, data.
pub type LogSeen = (String, Option<String>, Value);

/// A `notifications/progress` as the client saw it: token, progress, total, message.
pub type ProgressSeen = (String, f64, Option<f64>, Option<String>);

/// How the test client answers `elicitation/create` (the server asking the person).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Elicitation {
    /// It supports elicitation and the "person" says yes (the default).
    #[default]
    Accept,
    /// It supports elicitation and the "person" says no.
    Decline,
    /// It does not declare the capability at all.
    Unsupported,
}

/// The client side's notification handler: counts `notifications/tools/list_changed`,
/// records progress, and answers elicitation as told.
#[derive(Clone, Default)]
pub struct Notifications {
    tool_list_changed: Arc<AtomicUsize>,
    arrived: Arc<tokio::sync::Notify>,
    /// Every `notifications/progress`: (token, progress, total, message).
    pub progress: Arc<Mutex<Vec<ProgressSeen>>>,
    /// How elicitation is answered.
    pub elicitation: Elicitation,
    /// Every question the server asked.
    pub questions: Arc<Mutex<Vec<String>>>,
    /// Every `notifications/message`: (level, logger, data).
    pub logs: Arc<Mutex<Vec<LogSeen>>>,
    /// Every `notifications/resources/updated`, by URI.
    pub updated: Arc<Mutex<Vec<String>>>,
}

impl Notifications {
    /// A handler that answers elicitation as `elicitation` says.
    pub fn answering(elicitation: Elicitation) -> Self {
        Notifications { elicitation, ..Notifications::default() }
    }

    /// How many `notifications/tools/list_changed` arrived so far.
    pub fn tool_list_changed(&self) -> usize {
        self.tool_list_changed.load(Ordering::SeqCst)
    }

    /// Waits until more than `seen` list_changed notifications arrived, at most `timeout`;
    /// returns the count then.
    pub async fn wait_tool_list_changed(&self, seen: usize, timeout: Duration) -> usize {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.arrived.notified();
            let count = self.tool_list_changed();
            if count > seen {
                return count;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return self.tool_list_changed();
            }
        }
    }
}

impl Notifications {
    /// Waits until at least `count` resource updates arrived, at most `timeout`; returns how
    /// many arrived.
    pub async fn wait_updated(&self, count: usize, timeout: Duration) -> usize {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.arrived.notified();
            let seen = self.updated.lock().unwrap().len();
            if seen >= count || tokio::time::timeout_at(deadline, notified).await.is_err() {
                return self.updated.lock().unwrap().len();
            }
        }
    }

    /// Waits until a log message whose data mentions `needle` arrived, at most `timeout`.
    pub async fn wait_log(&self, needle: &str, timeout: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.arrived.notified();
            if self.logs.lock().unwrap().iter().any(|(_, _, data)| data.to_string().contains(needle)) {
                return true;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return false;
            }
        }
    }
}

impl ClientHandler for Notifications {
    fn get_info(&self) -> rmcp::model::ClientConfig {
        let mut info = rmcp::model::ClientConfig::default();
        if self.elicitation != Elicitation::Unsupported {
            info.capabilities.elicitation = Some(rmcp::model::ElicitationCapability::default());
        }
        info
    }

    async fn create_elicitation(
        &self,
        request: rmcp::model::ElicitRequestParams,
        _context: rmcp::service::RequestContext<RoleClient>,
    ) -> Result<rmcp::model::ElicitResult, rmcp::ErrorData> {
        use rmcp::model::{ElicitResult, ElicitationAction};
        let message = match &request {
            rmcp::model::ElicitRequestParams::FormElicitationParams { message, .. } => message.clone(),
            other => format!("{other:?}"),
        };
        self.questions.lock().unwrap().push(message);
        Ok(match self.elicitation {
            Elicitation::Accept => ElicitResult::new(ElicitationAction::Accept)
                .with_content(serde_json::json!({"confirm": true})),
            _ => ElicitResult::new(ElicitationAction::Decline),
        })
    }

    async fn on_progress(
        &self,
        params: rmcp::model::ProgressNotificationParam,
        _context: NotificationContext<RoleClient>,
    ) {
        let token = serde_json::to_value(&params.progress_token).map(|v| v.to_string()).unwrap_or_default();
        self.progress.lock().unwrap().push((token, params.progress, params.total, params.message));
    }

    #[allow(deprecated, reason = "MCP logging is what this protocol version has")]
    async fn on_logging_message(
        &self,
        params: rmcp::model::LoggingMessageNotificationParam,
        _context: NotificationContext<RoleClient>,
    ) {
        let level = serde_json::to_value(params.level).ok().and_then(|v| v.as_str().map(str::to_string));
        self.logs.lock().unwrap().push((level.unwrap_or_default(), params.logger, params.data));
        self.arrived.notify_waiters();
    }

    async fn on_resource_updated(
        &self,
        params: rmcp::model::ResourceUpdatedNotificationParam,
        _context: NotificationContext<RoleClient>,
    ) {
        self.updated.lock().unwrap().push(params.uri);
        self.arrived.notify_waiters();
    }

    async fn on_tool_list_changed(&self, _context: NotificationContext<RoleClient>) {
        self.tool_list_changed.fetch_add(1, Ordering::SeqCst);
        self.arrived.notify_waiters();
    }
}

/// A connected MCP client (stdio or HTTP) plus the output schemas of the tools it listed.
pub struct Client {
    pub service: RunningService<RoleClient, Notifications>,
    /// The server's pid when this client started it over stdio.
    pub pid: Option<u32>,
    /// The output schemas of every `tools/list` so far, by tool name.
    schemas: Mutex<BTreeMap<String, Arc<Map<String, Value>>>>,
    pub label: String,
    /// What the server notified.
    pub notifications: Notifications,
}

/// Starts `ttrpg serve --transport stdio` on the scratch folder and connects to it.
pub async fn connect_stdio(scratch: &Scratch) -> Client {
    connect_stdio_with_env(scratch, &[]).await
}

/// [`connect_stdio`] with extra environment variables for the server.
pub async fn connect_stdio_with_env(scratch: &Scratch, env: &[(&str, &str)]) -> Client {
    let (_, log) = scratch.log_file("stdio");
    let mut command = server_command(&scratch.data_dir(), env);
    command.arg("serve").arg("--transport").arg("stdio");
    let (transport, _) = TokioChildProcess::builder(command)
        .stderr(Stdio::from(log))
        .spawn()
        .expect("spawning ttrpg serve --transport stdio");
    let pid = transport.id();
    let notifications = Notifications::default();
    let service = tokio::time::timeout(CALL_TIMEOUT, notifications.clone().serve(transport))
        .await
        .expect("initialize timed out")
        .unwrap_or_else(|err| panic!("initialize over stdio failed: {err}\n{}", scratch.logs()));
    Client::ready(service, pid, "stdio", notifications).await
}

/// Connects an MCP client over Streamable HTTP to `url` (a server, or a proxy in front of
/// several), sending `token` as its bearer token when given.
pub async fn connect_url(
    url: &str,
    label: &str,
    token: Option<&str>,
    notifications: Notifications,
) -> Client {
    let mut config = rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig::with_uri(
        url.to_string(),
    );
    if let Some(token) = token {
        config = config.auth_header(token.to_string());
    }
    let transport = StreamableHttpClientTransport::from_config(config);
    let service = tokio::time::timeout(CALL_TIMEOUT, notifications.clone().serve(transport))
        .await
        .expect("initialize over HTTP timed out")
        .unwrap_or_else(|err| panic!("initialize over HTTP failed: {err}"));
    Client::ready(service, None, label, notifications).await
}

/// A running `ttrpg serve --transport http --listen 127.0.0.1:0`.
pub struct HttpServer {
    pub child: tokio::process::Child,
    /// `http://127.0.0.1:PORT/mcp`
    pub url: String,
}

impl HttpServer {
    /// Starts the server and waits for the `listening on …` line on stderr.
    pub async fn start(scratch: &Scratch) -> HttpServer {
        Self::start_with_env(scratch, &[]).await
    }

    /// [`HttpServer::start`] with extra environment variables for the server.
    pub async fn start_with_env(scratch: &Scratch, env: &[(&str, &str)]) -> HttpServer {
        let (log_path, mut log) = scratch.log_file("http");
        let mut command = server_command(&scratch.data_dir(), env);
        command.args(["serve", "--transport", "http", "--listen", "127.0.0.1:0"]);
        command.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::piped());
        let mut child = command.spawn().expect("spawning ttrpg serve --transport http");
        let stderr = child.stderr.take().expect("piped stderr");
        let mut lines = BufReader::new(stderr).lines();
        let url = tokio::time::timeout(CALL_TIMEOUT, async {
            while let Some(line) = lines.next_line().await.expect("reading the server's stderr") {
                use std::io::Write as _;
                let _ = writeln!(log, "{line}");
                if let Some(rest) = line.split("listening on ").nth(1) {
                    return rest.trim().to_string();
                }
            }
            panic!("the HTTP server exited before listening; log: {}", log_path.display())
        })
        .await
        .expect("the HTTP server did not say where it listens");
        assert!(url.starts_with("http://127.0.0.1:") && url.ends_with("/mcp"), "unexpected address {url}");
        // Keep draining stderr so the server never blocks on a full pipe.
        tokio::spawn(async move {
            use std::io::Write as _;
            while let Ok(Some(line)) = lines.next_line().await {
                let _ = writeln!(log, "{line}");
            }
        });
        HttpServer { child, url }
    }

    /// Connects one more MCP client over Streamable HTTP.
    pub async fn connect(&self, label: &str) -> Client {
        self.connect_as(label, None).await
    }

    /// Connects a client that sends `token` as its bearer token (what a client config's
    /// `Authorization` header does).
    pub async fn connect_as(&self, label: &str, token: Option<&str>) -> Client {
        self.connect_with(label, token, Notifications::default()).await
    }

    /// [`HttpServer::connect_as`] with a handler that answers elicitation as told.
    pub async fn connect_with(
        &self,
        label: &str,
        token: Option<&str>,
        notifications: Notifications,
    ) -> Client {
        connect_url(&self.url, label, token, notifications).await
    }

    /// POSTs an `initialize` request by hand (one connection, HTTP/1.1) with an optional
    /// `Authorization` header; returns the status code, the response headers (lowercase
    /// names) and the body.
    pub async fn raw_initialize(&self, authorization: Option<&str>) -> (u16, Vec<(String, String)>, String) {
        let body = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}"#;
        self.raw_request("POST", "/mcp", authorization, Some(body)).await
    }

    /// One HTTP/1.1 request by hand on its own connection: `method` `path`, an optional
    /// `Authorization` header and JSON body; returns the status, the headers (lowercase
    /// names) and the body.
    pub async fn raw_request(
        &self,
        method: &str,
        path: &str,
        authorization: Option<&str>,
        body: Option<&str>,
    ) -> (u16, Vec<(String, String)>, String) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let address = self.url.trim_start_matches("http://").trim_end_matches("/mcp").to_string();
        let auth = authorization.map(|a| format!("Authorization: {a}\r\n")).unwrap_or_default();
        let body = body.unwrap_or("");
        let request = format!(
            "{method} {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n\
             Accept: application/json, text/event-stream\r\n{auth}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        let mut stream = tokio::net::TcpStream::connect(&address).await.expect("connecting");
        stream.write_all(request.as_bytes()).await.expect("sending");
        let mut response = Vec::new();
        let _ = tokio::time::timeout(CALL_TIMEOUT, stream.read_to_end(&mut response)).await;
        let text = String::from_utf8_lossy(&response).into_owned();
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        let mut lines = head.lines();
        let status =
            lines.next().and_then(|l| l.split_whitespace().nth(1)).and_then(|c| c.parse().ok()).unwrap_or(0);
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
            .collect();
        let chunked = headers.iter().any(|(k, v)| k == "transfer-encoding" && v.contains("chunked"));
        let body = if chunked { dechunk(body) } else { body.to_string() };
        (status, headers, body)
    }

    /// SIGINT (Ctrl-C): the server shuts down gracefully; returns how long it took to exit.
    pub async fn interrupt(mut self) -> Duration {
        let pid = self.child.id().expect("the HTTP server is running");
        let started = std::time::Instant::now();
        let status = std::process::Command::new("kill")
            .arg("-INT")
            .arg(pid.to_string())
            .status()
            .expect("running kill");
        assert!(status.success(), "kill -INT {pid}");
        let exit = tokio::time::timeout(CALL_TIMEOUT, self.child.wait())
            .await
            .expect("the HTTP server did not exit after SIGINT")
            .expect("waiting for the HTTP server");
        assert!(exit.success(), "the HTTP server exited with {exit} after SIGINT");
        started.elapsed()
    }

    /// SIGKILL: no chance to flush or shut down cleanly.
    pub async fn kill(mut self) {
        self.child.kill().await.expect("killing the HTTP server");
    }
}

impl Client {
    async fn ready(
        service: RunningService<RoleClient, Notifications>,
        pid: Option<u32>,
        label: &str,
        notifications: Notifications,
    ) -> Client {
        let client = Client {
            service,
            pid,
            schemas: Mutex::new(BTreeMap::new()),
            label: label.to_string(),
            notifications,
        };
        client.list_tools().await;
        client
    }

    /// The output schema `tools/list` gave for a tool.
    pub fn output_schema(&self, name: &str) -> Option<Value> {
        self.schema(name).map(|schema| Value::Object((*schema).clone()))
    }

    fn schema(&self, name: &str) -> Option<Arc<Map<String, Value>>> {
        self.schemas.lock().unwrap_or_else(|p| p.into_inner()).get(name).cloned()
    }

    /// `tools/list`, every page; remembers the output schemas it lists (plugin tools
    /// appear after `campaign_use`).
    pub async fn list_tools(&self) -> Vec<Tool> {
        let mut tools = Vec::new();
        let mut cursor = None;
        loop {
            let params = cursor.map(|c| rmcp::model::PaginatedRequestParams::default().with_cursor(Some(c)));
            let page = tokio::time::timeout(CALL_TIMEOUT, self.service.peer().list_tools(params))
                .await
                .expect("tools/list timed out")
                .expect("tools/list failed");
            tools.extend(page.tools);
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        let mut schemas = self.schemas.lock().unwrap_or_else(|p| p.into_inner());
        for tool in &tools {
            if let Some(schema) = tool.output_schema.clone() {
                schemas.insert(tool.name.to_string(), schema);
            }
        }
        tools
    }

    /// The names `tools/list` gives now.
    pub async fn tool_names(&self) -> Vec<String> {
        self.list_tools().await.into_iter().map(|t| t.name.to_string()).collect()
    }

    /// A raw `tools/call`; panics only on a protocol failure or a timeout.
    pub async fn call(&self, name: &str, arguments: Value) -> CallToolResult {
        let mut params = CallToolRequestParams::new(name.to_string());
        match arguments {
            Value::Object(map) => params = params.with_arguments(map),
            Value::Null => {}
            other => panic!("arguments must be an object, got {other}"),
        }
        tokio::time::timeout(CALL_TIMEOUT, self.service.peer().call_tool(params))
            .await
            .unwrap_or_else(|_| panic!("[{}] {name} timed out", self.label))
            .unwrap_or_else(|err| panic!("[{}] {name} failed at the protocol level: {err}", self.label))
    }

    /// A call that must succeed: returns its structured content after checking it
    /// against the tool's output schema.
    pub async fn ok(&self, name: &str, arguments: Value) -> Value {
        let result = self.call(name, arguments.clone()).await;
        assert_ne!(
            result.is_error,
            Some(true),
            "[{}] {name}({arguments}) failed: {}",
            self.label,
            text_of(&result)
        );
        let structured = result
            .structured_content
            .clone()
            .unwrap_or_else(|| panic!("[{}] {name} returned no structured content", self.label));
        let schema =
            self.schema(name).unwrap_or_else(|| panic!("[{}] {name} has no output schema", self.label));
        let root = Value::Object((*schema).clone());
        if let Err(problem) = check_schema(&structured, &root, &root, "$", 0) {
            panic!(
                "[{}] {name} result does not match its output schema: {problem}\n{structured:#}",
                self.label
            );
        }
        structured
    }

    /// A call that must fail as a tool error (not a protocol error); returns its message.
    pub async fn err(&self, name: &str, arguments: Value) -> String {
        let result = self.call(name, arguments.clone()).await;
        assert_eq!(
            result.is_error,
            Some(true),
            "[{}] {name}({arguments}) should have been refused, got {:?}",
            self.label,
            result.structured_content
        );
        let message = text_of(&result);
        assert!(!message.trim().is_empty(), "[{}] {name} failed without a message", self.label);
        message
    }

    /// Ends the session the polite way: close stdin (stdio) or DELETE the session (HTTP),
    /// then wait for the transport to finish.
    pub async fn close(self) {
        let _ = tokio::time::timeout(CALL_TIMEOUT, self.service.cancel()).await;
    }
}

/// The body of a `Transfer-Encoding: chunked` response, joined.
fn dechunk(mut rest: &str) -> String {
    let mut out = String::new();
    while let Some((size, after)) = rest.split_once("\r\n") {
        let Ok(size) = usize::from_str_radix(size.trim(), 16) else { break };
        if size == 0 || after.len() < size {
            break;
        }
        out.push_str(&after[..size]);
        rest = after[size..].trim_start_matches("\r\n");
    }
    out
}

/// The text blocks of a result, joined.
pub fn text_of(result: &CallToolResult) -> String {
    result.content.iter().filter_map(|c| c.as_text()).map(|t| t.text.as_str()).collect::<Vec<_>>().join("\n")
}

/// Checks `value` against a JSON Schema: `$ref` (local), `type`, `enum`, `const`,
/// `required`, `properties`, `items`, `anyOf`/`oneOf`/`allOf`. Enough of the vocabulary
/// schemars emits to catch a result that drifted from its declared schema.
pub fn check_schema(
    value: &Value,
    schema: &Value,
    root: &Value,
    at: &str,
    depth: usize,
) -> Result<(), String> {
    if depth > 64 {
        return Ok(());
    }
    let schema = match schema {
        Value::Bool(true) => return Ok(()),
        Value::Bool(false) => return Err(format!("{at}: schema false admits nothing")),
        Value::Object(schema) => schema,
        other => return Err(format!("{at}: not a schema: {other}")),
    };
    if let Some(Value::String(reference)) = schema.get("$ref") {
        let pointer =
            reference.strip_prefix('#').ok_or_else(|| format!("{at}: non-local $ref {reference}"))?;
        let target = root.pointer(pointer).ok_or_else(|| format!("{at}: dangling $ref {reference}"))?;
        check_schema(value, target, root, at, depth + 1)?;
    }
    if let Some(Value::Array(options)) = schema.get("anyOf").or_else(|| schema.get("oneOf")) {
        let problems: Vec<String> = options
            .iter()
            .filter_map(|option| check_schema(value, option, root, at, depth + 1).err())
            .collect();
        if problems.len() == options.len() {
            return Err(format!("{at}: matches none of the alternatives: {}", problems.join(" | ")));
        }
    }
    if let Some(Value::Array(parts)) = schema.get("allOf") {
        for part in parts {
            check_schema(value, part, root, at, depth + 1)?;
        }
    }
    if let Some(expected) = schema.get("type") {
        let names: Vec<&str> = match expected {
            Value::String(name) => vec![name.as_str()],
            Value::Array(names) => names.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        if !names.is_empty() && !names.iter().any(|name| type_matches(value, name)) {
            return Err(format!("{at}: expected {names:?}, got {value}"));
        }
    }
    if let Some(Value::Array(allowed)) = schema.get("enum")
        && !allowed.contains(value)
    {
        return Err(format!("{at}: {value} is not one of {allowed:?}"));
    }
    if let Some(constant) = schema.get("const")
        && constant != value
    {
        return Err(format!("{at}: {value} is not {constant}"));
    }
    if let Value::Object(object) = value {
        if let Some(Value::Array(required)) = schema.get("required") {
            for key in required.iter().filter_map(Value::as_str) {
                if !object.contains_key(key) {
                    return Err(format!("{at}: required field {key:?} is missing"));
                }
            }
        }
        if let Some(Value::Object(properties)) = schema.get("properties") {
            for (key, property) in properties {
                if let Some(field) = object.get(key) {
                    check_schema(field, property, root, &format!("{at}.{key}"), depth + 1)?;
                }
            }
        }
    }
    if let (Value::Array(items), Some(item_schema)) = (value, schema.get("items")) {
        for (index, item) in items.iter().enumerate() {
            check_schema(item, item_schema, root, &format!("{at}[{index}]"), depth + 1)?;
        }
    }
    Ok(())
}

fn type_matches(value: &Value, name: &str) -> bool {
    match name {
        "null" => value.is_null(),
        "boolean" => value.is_boolean(),
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "number" => value.is_number(),
        "integer" => value.is_i64() || value.is_u64(),
        _ => true,
    }
}

/// Opens the server's SQLite file read-only (the server may still be running: WAL mode
/// lets a reader in beside it).
pub async fn open_db(path: &Path) -> sqlx::SqliteConnection {
    use sqlx::Connection as _;
    let options = sqlx::sqlite::SqliteConnectOptions::new().filename(path).read_only(true);
    sqlx::SqliteConnection::connect_with(&options)
        .await
        .unwrap_or_else(|err| panic!("opening {} read-only: {err}", path.display()))
}

/// The passage texts of a `search_rules` result, best first.
pub fn passages(result: &Value) -> Vec<String> {
    result["hits"].as_array().unwrap().iter().map(|h| h["text"].as_str().unwrap().to_string()).collect()
}

/// The string at a JSON pointer, or a panic that shows the value.
pub fn str_of<'a>(value: &'a Value, pointer: &str) -> &'a str {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no string at {pointer} in {value:#}"))
}

/// The integer at a JSON pointer, or a panic that shows the value.
pub fn int_of(value: &Value, pointer: &str) -> i64 {
    value
        .pointer(pointer)
        .and_then(Value::as_i64)
        .unwrap_or_else(|| panic!("no integer at {pointer} in {value:#}"))
}

/// The array at a JSON pointer, or a panic that shows the value.
pub fn array_of<'a>(value: &'a Value, pointer: &str) -> &'a Vec<Value> {
    value
        .pointer(pointer)
        .and_then(Value::as_array)
        .unwrap_or_else(|| panic!("no array at {pointer} in {value:#}"))
}

/// SHA-256 of `bytes` in lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// `ttrpg ARGS…` on the data folder `data_dir`, with `env` and no other `TTRPG_` variable of
/// the machine, ready to run or spawn.
pub fn ttrpg_command<K: AsRef<std::ffi::OsStr>, V: AsRef<std::ffi::OsStr>>(
    data_dir: &Path,
    env: &[(K, V)],
    args: &[&str],
) -> std::process::Command {
    let mut command = std::process::Command::new(binary());
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("TTRPG_") {
            command.env_remove(key);
        }
    }
    command.envs(env.iter().map(|(k, v)| (k, v)));
    command.arg("--data-dir").arg(data_dir).args(args);
    command
}

/// Runs [`ttrpg_command`] to the end.
pub fn ttrpg_output<K: AsRef<std::ffi::OsStr>, V: AsRef<std::ffi::OsStr>>(
    data_dir: &Path,
    env: &[(K, V)],
    args: &[&str],
) -> std::process::Output {
    ttrpg_command(data_dir, env, args).output().expect("running ttrpg")
}

/// The JSON a `ttrpg … --json` run printed; panics (with its stderr) when it failed.
pub fn json_printed(output: &std::process::Output) -> Value {
    assert!(output.status.success(), "ttrpg failed: {}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("ttrpg --json prints JSON")
}

/// The stderr of a `ttrpg` run that had to fail; panics when it succeeded.
pub fn refusal(output: &std::process::Output) -> String {
    assert!(!output.status.success(), "ttrpg succeeded where it had to refuse: {output:?}");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The base64 data of the first `image` content item of a tool result.
pub fn inline_image(result: &CallToolResult) -> Option<String> {
    result.content.iter().find_map(|c| match c {
        rmcp::model::ContentBlock::Image(image) => Some(image.data.clone()),
        _ => None,
    })
}
