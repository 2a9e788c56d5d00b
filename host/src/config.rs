//! Configuration: one typed struct, loaded once at start-up and passed down.
//!
//! Precedence, lowest first: built-in defaults, the TOML file (`--config` or
//! `TTRPG_CONFIG`), `TTRPG_*` environment variables, command-line flags. Every
//! default is embedded, so a host runs with no file at all. Nothing below the CLI
//! reads the environment.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// The environment variables the host reads, with what each overrides.
pub const ENV_VARS: &[(&str, &str)] = &[
    ("TTRPG_CONFIG", "path of the TOML configuration file"),
    ("TTRPG_DATA_DIR", "data_dir"),
    ("TTRPG_DATABASE_URL", "database_url"),
    ("TTRPG_LISTEN", "server.listen"),
    ("TTRPG_ALLOWED_HOSTS", "server.allowed_hosts (comma-separated)"),
    ("TTRPG_MAX_SESSIONS", "server.max_sessions"),
    ("TTRPG_SESSION_IDLE_SECS", "server.session_idle_secs"),
    ("TTRPG_HEADER_TIMEOUT_SECS", "server.header_timeout_secs"),
    ("TTRPG_TOOLS_PAGE_SIZE", "server.tools_page_size"),
    ("TTRPG_TOOLSETS", "server.toolsets (comma-separated; `all`, or none when empty)"),
    ("TTRPG_DYNAMIC_TOOLSETS", "server.dynamic_toolsets (true or false)"),
    ("TTRPG_LOG", "log.level (a tracing filter such as `info` or `ttrpg_host=debug`)"),
    ("TTRPG_MAX_DICE", "dice.max_dice"),
    ("TTRPG_PLUGIN_MEMORY_MB", "plugins.memory_limit_mb"),
    ("TTRPG_PLUGIN_TIMEOUT_MS", "plugins.call_timeout_ms"),
    ("TTRPG_PLUGIN_KV_QUOTA_KB", "plugins.kv_quota_kb"),
    ("TTRPG_MODEL_DIR", "search.model_dir"),
    ("TTRPG_ONNXRUNTIME", "search.onnxruntime (falls back to ORT_DYLIB_PATH)"),
    ("TTRPG_MODEL_PRECISION", "search.model_precision (auto, fp32 or int8)"),
    ("TTRPG_SEARCH_GLOSSARY", "search.glossary (true or false)"),
    ("TTRPG_EMBED_THREADS", "search.embed_threads (ONNX Runtime threads per embedding session)"),
    ("TTRPG_QDRANT_URL", "search.qdrant_url"),
    ("TTRPG_QDRANT_API_KEY", "search.qdrant_api_key"),
    ("TTRPG_QDRANT_REPLICATION", "search.qdrant_replication"),
    ("TTRPG_LIBRARY_ROOTS", "library.roots (folders, separated like PATH)"),
    ("TTRPG_LIBRARY_MAX_FILE_MB", "library.max_file_mb"),
    ("TTRPG_REDIS_URL", "cache.redis_url"),
    ("TTRPG_CACHE_L1_MB", "cache.l1_mb"),
    ("TTRPG_REDIS_PREFIX", "cache.redis_prefix"),
    ("TTRPG_INGEST_THREADS", "ingest.threads"),
    ("TTRPG_INGEST_CONCURRENT", "ingest.concurrent"),
    ("TTRPG_MEMORY_CEILING_MB", "ingest.memory_ceiling_mb"),
    ("TTRPG_INGEST_PAGE_TIME_MS", "ingest.page_time_ms"),
    ("TTRPG_INGEST_LEASE_SECS", "ingest.lease_secs"),
];

/// Why the configuration could not be loaded.
#[derive(Debug, Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("reading configuration file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not valid TOML for this configuration.
    #[error("configuration file {path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What the TOML parser said, with line and column.
        message: String,
    },
    /// An environment variable holds a value that does not fit.
    #[error("environment variable {name}={value:?}: {message}")]
    Env {
        /// The variable.
        name: &'static str,
        /// Its value.
        value: String,
        /// What is wrong with it.
        message: String,
    },
}

/// The host's whole configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// The folder that holds everything this host keeps: the SQLite file and, later,
    /// vectors, images and plugins. Two hosts with two data folders share nothing.
    pub data_dir: PathBuf,
    /// The structured database: `sqlite://PATH` (default: `ttrpg.db` in the data
    /// folder) or `postgres://user@host/db`.
    pub database_url: Option<String>,
    /// MCP server settings.
    pub server: ServerConfig,
    /// Dice engine limits.
    pub dice: DiceConfig,
    /// Plugin sandbox limits.
    pub plugins: PluginsConfig,
    /// Rulebook search: embedding model and vector index.
    pub search: SearchConfig,
    /// Logging.
    pub log: LogConfig,
    /// Where MCP clients may ingest books from.
    pub library: LibraryConfig,
    /// Limits on ingestion against hostile files.
    pub ingest: IngestConfig,
    /// The two-level cache.
    pub cache: CacheConfig,
    /// Maps, handouts, tokens and portraits.
    pub images: ImagesConfig,
    /// Scheduled backups.
    pub backup: BackupConfig,
}

/// Limits on images against hostile files, and each campaign's quota. The limits are
/// checked on the declared dimensions before a pixel is decoded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ImagesConfig {
    /// Largest file accepted, in MiB.
    pub max_file_mb: u64,
    /// Largest width or height accepted, in pixels.
    pub max_side: u32,
    /// Most pixels accepted (width × height), in millions: a decoded image takes four
    /// bytes per pixel.
    pub max_megapixels: u64,
    /// Bytes a campaign's images may take (originals and derived sizes), in MiB.
    pub campaign_quota_mb: u64,
    /// JPEG quality of the derived sizes of opaque images (1–100).
    pub jpeg_quality: u8,
}

impl Default for ImagesConfig {
    fn default() -> Self {
        ImagesConfig {
            max_file_mb: 50,
            max_side: 16_384,
            max_megapixels: 100,
            campaign_quota_mb: 1024,
            jpeg_quality: 85,
        }
    }
}

/// Backups the server takes by itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BackupConfig {
    /// How often the server takes one (`6h`, `1d`, `30m`); none when empty.
    pub every: Option<String>,
    /// How many scheduled backups to keep; older ones are deleted, oldest first.
    pub keep: usize,
}

impl Default for BackupConfig {
    fn default() -> Self {
        BackupConfig { every: None, keep: 7 }
    }
}

/// The cache: L1 in process, and Redis as a shared L2 when a URL is given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CacheConfig {
    /// Redis shared by every host (`redis://host:6379/0`); none by default.
    pub redis_url: Option<String>,
    /// Bytes the in-process level may hold, in MiB.
    pub l1_mb: u64,
    /// What every key and channel in Redis starts with: the hosts of one deployment share
    /// it, and two deployments on one Redis must differ.
    pub redis_prefix: String,
}

impl Default for CacheConfig {
    fn default() -> Self {
        CacheConfig { redis_url: None, l1_mb: 64, redis_prefix: "ttrpg".into() }
    }
}

/// How much one ingestion may take: the PDF budgets (see `ttrpg_pdf::Budgets`) and how many
/// run at once. Peak memory of an extraction is bounded per reading thread by the page
/// budgets (about a quarter GiB at the defaults) and by the file budgets, so `threads` is
/// held to what fits under `memory_ceiling_mb` beside the rest of the server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IngestConfig {
    /// Threads reading pages of one file (held to what the ceiling allows).
    pub threads: usize,
    /// Ingestions running at once; more wait in a queue.
    pub concurrent: usize,
    /// The memory the whole server may use, in MiB.
    pub memory_ceiling_mb: u64,
    /// Most bytes one page may decompress (every reference to a stream counted), in MiB.
    pub page_decompressed_mb: u64,
    /// Most time one page may take, in milliseconds.
    pub page_time_ms: u64,
    /// Most bytes one file may decompress, in MiB.
    pub file_decompressed_mb: u64,
    /// How long an ingestion's lease lasts unless its host renews it, in seconds: a host
    /// that dies mid-ingest leaves the document to the next host after this long.
    pub lease_secs: u64,
}

impl Default for IngestConfig {
    fn default() -> Self {
        IngestConfig {
            threads: 2,
            concurrent: 1,
            memory_ceiling_mb: 1024,
            page_decompressed_mb: 64,
            page_time_ms: 5000,
            file_decompressed_mb: 2048,
            lease_secs: 30,
        }
    }
}

impl IngestConfig {
    /// The reading threads one extraction gets: `threads`, held to what fits under the
    /// memory ceiling once the rest of the server (the embedding model, caches, the index:
    /// taken as 384 MiB) is counted, at four times the page decompression budget per thread
    /// (the decoded streams, the parsed objects and the glyphs of one page), and at least one.
    pub fn reading_threads(&self) -> usize {
        let per_thread = (self.page_decompressed_mb.max(1) * 4).max(64);
        let room = self.memory_ceiling_mb.saturating_sub(384);
        let fits = (room / per_thread).max(1) as usize;
        self.threads.clamp(1, fits.max(1))
    }
}

/// The folders `ingest_document` (over MCP) may read books from. The CLI, run by the
/// machine's own user, reads any path it is given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LibraryConfig {
    /// The library folders. Default: `<data folder>/library`.
    pub roots: Vec<PathBuf>,
    /// The largest file `ingest_document` accepts, in MiB.
    pub max_file_mb: u64,
}

impl Default for LibraryConfig {
    fn default() -> Self {
        LibraryConfig { roots: Vec::new(), max_file_mb: 512 }
    }
}

/// Rulebook search: the embedding model and where vectors live.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SearchConfig {
    /// The folder of the ONNX embedding model (all-MiniLM-L6-v2 exported by
    /// sentence-transformers). Default: `models/all-MiniLM-L6-v2` in the data folder.
    pub model_dir: Option<PathBuf>,
    /// The ONNX Runtime shared library (`libonnxruntime.so.1.31.1`). Default:
    /// `ORT_DYLIB_PATH`.
    pub onnxruntime: Option<PathBuf>,
    /// Which of the model folder's files runs: `auto` (int8 on a CPU with VNNI, else fp32;
    /// the default), `fp32` or `int8` (the embed module chooses the file).
    pub model_precision: Precision,
    /// A Qdrant server (`http://host:6334`, gRPC), or several peers of one cluster separated
    /// by commas (the host fails over between them). Unset: Qdrant Edge in process, with its
    /// files in `vectors/` in the data folder.
    pub qdrant_url: Option<String>,
    /// The Qdrant server's API key, if it needs one.
    pub qdrant_api_key: Option<String>,
    /// Copies of each shard a new collection keeps on different peers of a Qdrant cluster
    /// (2 lets search answer while one peer is down). Unset: the server's default, 1.
    pub qdrant_replication: Option<u32>,
    /// Shards per new collection. Unset: the server's default (one per peer).
    pub qdrant_shards: Option<u32>,
    /// Expand rules questions with the system plugins' glossaries (a question saying
    /// "lying on the ground" is also searched for "prone"). Default: on.
    pub glossary: bool,
    /// ONNX Runtime threads per embedding session (the embedder keeps a pool of sessions,
    /// one per core plus one). Default 1: an ingestion embeds one batch per core and a
    /// question finds a free session; 2 measured no faster here (BENCHMARKS.md).
    pub embed_threads: usize,
}

impl Default for SearchConfig {
    fn default() -> Self {
        SearchConfig {
            model_dir: None,
            onnxruntime: None,
            model_precision: Precision::default(),
            qdrant_url: None,
            qdrant_api_key: None,
            qdrant_replication: None,
            qdrant_shards: None,
            glossary: true,
            embed_threads: 1,
        }
    }
}

impl SearchConfig {
    /// The Qdrant peers `qdrant_url` names, in order (empty when it is unset).
    pub fn qdrant_urls(&self) -> Vec<String> {
        self.qdrant_url
            .as_deref()
            .unwrap_or_default()
            .split([',', ' '])
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .map(str::to_string)
            .collect()
    }
}

/// Which of the model folder's ONNX files runs (`search.model_precision`,
/// `TTRPG_MODEL_PRECISION`); the embed module chooses the file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    /// Int8 where the CPU has VNNI and the folder has the signed int8 file, else fp32.
    #[default]
    Auto,
    /// Always `model.onnx`.
    Fp32,
    /// Int8: the signed file on a CPU with VNNI, else the unsigned one.
    Int8,
}

/// A precision name that is none of `auto`, `fp32` and `int8`.
#[derive(Debug, thiserror::Error)]
#[error("{0:?} is not a model precision: use auto, fp32 or int8")]
pub struct UnknownPrecision(String);

impl std::str::FromStr for Precision {
    type Err = UnknownPrecision;

    /// Parses `auto`, `fp32` or `int8` (any case).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim().to_ascii_lowercase().as_str() {
            "auto" => Ok(Precision::Auto),
            "fp32" => Ok(Precision::Fp32),
            "int8" => Ok(Precision::Int8),
            _ => Err(UnknownPrecision(text.to_owned())),
        }
    }
}

/// MCP server settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// Address the Streamable HTTP transport listens on.
    pub listen: String,
    /// Host names accepted in the HTTP `Host` header (DNS-rebinding protection).
    /// Loopback names are always accepted.
    pub allowed_hosts: Vec<String>,
    /// Most MCP sessions open at once over HTTP; a new one beyond it gets `503`.
    pub max_sessions: usize,
    /// An HTTP session with no request for this long is closed (seconds).
    pub session_idle_secs: u64,
    /// A connection that has not sent a whole request head in this long is dropped
    /// (seconds): a client that trickles headers cannot hold connections open.
    pub header_timeout_secs: u64,
    /// Tools per page of `tools/list` (the rest follow a cursor).
    pub tools_page_size: usize,
    /// The toolsets `tools/list` shows (`all`, or names such as `campaigns`, `combat`,
    /// `dice`; `ttrpg_host::tools::toolsets` lists them). Listing only: a caller may call
    /// any tool its role allows.
    pub toolsets: Vec<String>,
    /// Whether a session starts with only `toolsets` listed and adds more itself with the
    /// `toolset_list` and `toolset_enable` tools (the client is told the list changed).
    pub dynamic_toolsets: bool,
}

/// Dice engine limits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DiceConfig {
    /// Most dice one expression may roll, rerolls and explosions included.
    pub max_dice: u32,
}

/// Plugin sandbox limits, per call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PluginsConfig {
    /// Most memory one plugin call may use, in MiB.
    pub memory_limit_mb: u32,
    /// Longest one plugin call may run, in milliseconds.
    pub call_timeout_ms: u64,
    /// Most one plugin's key-value space may hold in one campaign, in KiB: every key's and
    /// value's bytes plus 64 bytes per entry. A write past it is refused, naming the quota.
    pub kv_quota_kb: u64,
}

impl Default for PluginsConfig {
    fn default() -> Self {
        PluginsConfig { memory_limit_mb: 128, call_timeout_ms: 5000, kv_quota_kb: 1024 }
    }
}

/// Logging.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogConfig {
    /// A tracing filter, e.g. `info` or `ttrpg_host=debug,sqlx=warn`.
    pub level: String,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            data_dir: PathBuf::from("./data"),
            database_url: None,
            server: ServerConfig::default(),
            dice: DiceConfig::default(),
            plugins: PluginsConfig::default(),
            search: SearchConfig::default(),
            log: LogConfig::default(),
            library: LibraryConfig::default(),
            ingest: IngestConfig::default(),
            cache: CacheConfig::default(),
            images: ImagesConfig::default(),
            backup: BackupConfig::default(),
        }
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: "127.0.0.1:8765".into(),
            allowed_hosts: Vec::new(),
            max_sessions: 1000,
            session_idle_secs: 600,
            header_timeout_secs: 10,
            tools_page_size: 100,
            toolsets: vec!["all".into()],
            dynamic_toolsets: false,
        }
    }
}

impl Default for DiceConfig {
    fn default() -> Self {
        DiceConfig { max_dice: 1000 }
    }
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig { level: "info".into() }
    }
}

impl Config {
    /// Loads the configuration: defaults, then `file` if given, then the variables
    /// of `env` (pass `std::env::vars()` from `main`, a fixed list in tests).
    pub fn load(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Config, ConfigError> {
        let mut config = match file {
            Some(path) => Self::from_file(path)?,
            None => Config::default(),
        };
        for (name, value) in env {
            config.apply_env(&name, value)?;
        }
        Ok(config)
    }

    /// Reads a TOML file; unknown keys are an error naming them.
    pub fn from_file(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| ConfigError::Read { path: path.to_path_buf(), source })?;
        toml::from_str(&text)
            .map_err(|err| ConfigError::Parse { path: path.to_path_buf(), message: err.to_string() })
    }

    fn apply_env(&mut self, name: &str, value: String) -> Result<(), ConfigError> {
        match name {
            "TTRPG_DATA_DIR" => self.data_dir = PathBuf::from(value),
            "TTRPG_DATABASE_URL" => self.database_url = Some(value),
            "TTRPG_LISTEN" => self.server.listen = value,
            "TTRPG_ALLOWED_HOSTS" => {
                self.server.allowed_hosts =
                    value.split(',').map(str::trim).filter(|h| !h.is_empty()).map(String::from).collect()
            }
            "TTRPG_MAX_SESSIONS" => {
                self.server.max_sessions =
                    parse_env("TTRPG_MAX_SESSIONS", &value, "a whole number such as 1000")?
            }
            "TTRPG_SESSION_IDLE_SECS" => {
                self.server.session_idle_secs =
                    parse_env("TTRPG_SESSION_IDLE_SECS", &value, "a whole number of seconds such as 600")?
            }
            "TTRPG_TOOLS_PAGE_SIZE" => {
                self.server.tools_page_size =
                    parse_env("TTRPG_TOOLS_PAGE_SIZE", &value, "a whole number of tools such as 100")?
            }
            "TTRPG_TOOLSETS" => {
                self.server.toolsets =
                    value.split(',').map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect()
            }
            "TTRPG_DYNAMIC_TOOLSETS" => {
                self.server.dynamic_toolsets = parse_env("TTRPG_DYNAMIC_TOOLSETS", &value, "true or false")?
            }
            "TTRPG_HEADER_TIMEOUT_SECS" => {
                self.server.header_timeout_secs =
                    parse_env("TTRPG_HEADER_TIMEOUT_SECS", &value, "a whole number of seconds such as 10")?
            }
            "TTRPG_LOG" => self.log.level = value,
            "TTRPG_MAX_DICE" => {
                self.dice.max_dice = parse_env("TTRPG_MAX_DICE", &value, "a whole number such as 1000")?
            }
            "TTRPG_PLUGIN_MEMORY_MB" => {
                self.plugins.memory_limit_mb =
                    parse_env("TTRPG_PLUGIN_MEMORY_MB", &value, "a whole number of MiB such as 128")?
            }
            "TTRPG_PLUGIN_TIMEOUT_MS" => {
                self.plugins.call_timeout_ms = parse_env(
                    "TTRPG_PLUGIN_TIMEOUT_MS",
                    &value,
                    "a whole number of milliseconds such as 5000",
                )?
            }
            "TTRPG_PLUGIN_KV_QUOTA_KB" => {
                self.plugins.kv_quota_kb =
                    parse_env("TTRPG_PLUGIN_KV_QUOTA_KB", &value, "a whole number of KiB such as 1024")?
            }
            "TTRPG_MODEL_DIR" => self.search.model_dir = Some(PathBuf::from(value)),
            "TTRPG_ONNXRUNTIME" => self.search.onnxruntime = Some(PathBuf::from(value)),
            "TTRPG_MODEL_PRECISION" => {
                self.search.model_precision =
                    parse_env("TTRPG_MODEL_PRECISION", &value, "auto, fp32 or int8")?
            }
            // ONNX Runtime's own variable, read here (once) like every other: it applies
            // only when neither the file nor TTRPG_ONNXRUNTIME names the library.
            "ORT_DYLIB_PATH" if self.search.onnxruntime.is_none() && !value.is_empty() => {
                self.search.onnxruntime = Some(PathBuf::from(value))
            }
            "TTRPG_EMBED_THREADS" => {
                self.search.embed_threads =
                    parse_env("TTRPG_EMBED_THREADS", &value, "a whole number of threads such as 1")?
            }
            "TTRPG_SEARCH_GLOSSARY" => {
                self.search.glossary = parse_env("TTRPG_SEARCH_GLOSSARY", &value, "true or false")?
            }
            "TTRPG_QDRANT_URL" => self.search.qdrant_url = Some(value).filter(|v| !v.is_empty()),
            "TTRPG_QDRANT_API_KEY" => self.search.qdrant_api_key = Some(value).filter(|v| !v.is_empty()),
            "TTRPG_QDRANT_REPLICATION" => {
                self.search.qdrant_replication =
                    Some(parse_env("TTRPG_QDRANT_REPLICATION", &value, "a whole number of copies such as 2")?)
            }
            "TTRPG_LIBRARY_ROOTS" => {
                self.library.roots =
                    std::env::split_paths(&value).filter(|p| !p.as_os_str().is_empty()).collect()
            }
            "TTRPG_REDIS_URL" => self.cache.redis_url = Some(value).filter(|v| !v.is_empty()),
            "TTRPG_REDIS_PREFIX" if !value.is_empty() => self.cache.redis_prefix = value,
            "TTRPG_CACHE_L1_MB" => {
                self.cache.l1_mb = parse_env("TTRPG_CACHE_L1_MB", &value, "a whole number of MiB such as 64")?
            }
            "TTRPG_INGEST_THREADS" => {
                self.ingest.threads = parse_env("TTRPG_INGEST_THREADS", &value, "a whole number such as 2")?
            }
            "TTRPG_INGEST_CONCURRENT" => {
                self.ingest.concurrent =
                    parse_env("TTRPG_INGEST_CONCURRENT", &value, "a whole number such as 1")?
            }
            "TTRPG_MEMORY_CEILING_MB" => {
                self.ingest.memory_ceiling_mb =
                    parse_env("TTRPG_MEMORY_CEILING_MB", &value, "a whole number of MiB such as 1024")?
            }
            "TTRPG_INGEST_LEASE_SECS" => {
                self.ingest.lease_secs =
                    parse_env("TTRPG_INGEST_LEASE_SECS", &value, "a whole number of seconds such as 30")?
            }
            "TTRPG_INGEST_PAGE_TIME_MS" => {
                self.ingest.page_time_ms = parse_env(
                    "TTRPG_INGEST_PAGE_TIME_MS",
                    &value,
                    "a whole number of milliseconds such as 5000",
                )?
            }
            "TTRPG_LIBRARY_MAX_FILE_MB" => {
                self.library.max_file_mb =
                    parse_env("TTRPG_LIBRARY_MAX_FILE_MB", &value, "a whole number of MiB such as 512")?
            }
            "TTRPG_IMAGE_QUOTA_MB" => {
                self.images.campaign_quota_mb =
                    parse_env("TTRPG_IMAGE_QUOTA_MB", &value, "a whole number of MiB such as 1024")?
            }
            "TTRPG_BACKUP_EVERY" => self.backup.every = Some(value).filter(|v| !v.is_empty()),
            "TTRPG_BACKUP_KEEP" => {
                self.backup.keep = parse_env("TTRPG_BACKUP_KEEP", &value, "a whole number such as 7")?
            }
            _ => {}
        }
        Ok(())
    }

    /// The embedding model's folder.
    pub fn model_dir(&self) -> PathBuf {
        self.search.model_dir.clone().unwrap_or_else(|| self.default_model_dir())
    }

    /// Where the data folder keeps the embedding model: `<data>/models/all-MiniLM-L6-v2`.
    pub fn default_model_dir(&self) -> PathBuf {
        self.data_dir.join("models").join("all-MiniLM-L6-v2")
    }

    /// The folder of the in-process vector index.
    pub fn vectors_dir(&self) -> PathBuf {
        self.data_dir.join("vectors")
    }

    /// The file whose presence tells the next host to open the in-process vector index to
    /// discard it and index every chunk again: a restore writes it before it swaps the
    /// database, so an index never outlives the database it was built from.
    pub fn vectors_discard_marker(&self) -> PathBuf {
        self.vectors_dir().join("DISCARD")
    }

    /// The lock file of the data folder: every `ttrpg serve` holds it shared, a restore
    /// holds it alone, so neither starts while the other runs.
    pub fn serve_lock(&self) -> PathBuf {
        self.data_dir.join(".lock")
    }

    /// The folders `ingest_document` may read from (`library.roots`, or `<data>/library`).
    pub fn library_roots(&self) -> Vec<PathBuf> {
        if self.library.roots.is_empty() {
            vec![self.data_dir.join("library")]
        } else {
            self.library.roots.clone()
        }
    }

    /// The folder of image files (by hash).
    pub fn images_dir(&self) -> PathBuf {
        self.data_dir.join("images")
    }

    /// The folder for plugin components and their compiled cache.
    pub fn plugins_dir(&self) -> PathBuf {
        self.data_dir.join("plugins")
    }

    /// The database URL in force: the configured one, or the SQLite file in the data
    /// folder.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!("sqlite://{}", self.data_dir.join("ttrpg.db").display()),
        }
    }

    /// The configuration as TOML, for `ttrpg doctor` (text and JSON): every secret hidden —
    /// the database and Qdrant URLs' passwords and the Qdrant API key.
    pub fn to_toml(&self) -> String {
        let mut shown = self.clone();
        shown.database_url = Some(redact_url(&self.database_url()));
        shown.search.qdrant_url =
            self.search.qdrant_url.as_ref().map(|_| {
                self.search.qdrant_urls().iter().map(|u| redact_url(u)).collect::<Vec<_>>().join(",")
            });
        shown.search.qdrant_api_key = self.search.qdrant_api_key.as_ref().map(|_| "***".to_string());
        shown.cache.redis_url = self.cache.redis_url.as_deref().map(redact_url);
        toml::to_string_pretty(&shown).unwrap_or_else(|err| format!("# cannot render: {err}"))
    }
}

fn parse_env<T: std::str::FromStr>(
    name: &'static str,
    value: &str,
    expected: &str,
) -> Result<T, ConfigError> {
    value.parse().map_err(|_| ConfigError::Env {
        name,
        value: value.to_string(),
        message: format!("expected {expected}"),
    })
}

/// Hides the password of a database URL for messages and `doctor` output, whether it is
/// given as `user:password@` or as a `password=` query parameter.
pub fn redact_url(url: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let mut redacted = match (base.find("://"), base.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &base[scheme_end + 3..at];
            match userinfo.find(':') {
                Some(colon) => {
                    format!("{}{}:***{}", &base[..scheme_end + 3], &userinfo[..colon], &base[at..])
                }
                None => base.to_string(),
            }
        }
        _ => base.to_string(),
    };
    if let Some(query) = query {
        let pairs: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((key, _)) if key.eq_ignore_ascii_case("password") => format!("{key}=***"),
                _ => pair.to_string(),
            })
            .collect();
        redacted.push('?');
        redacted.push_str(&pairs.join("&"));
    }
    redacted
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn defaults_need_no_file() {
        let config = Config::load(None, Vec::new()).unwrap();
        assert_eq!(config.data_dir, PathBuf::from("./data"));
        assert_eq!(config.database_url(), "sqlite://./data/ttrpg.db");
        assert_eq!(config.dice.max_dice, 1000);
    }

    #[test]
    fn the_annotated_example_is_the_defaults() {
        let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/ttrpg.toml");
        let config = Config::from_file(&example).unwrap();
        let defaults = Config::default();
        assert_eq!(config.server, defaults.server);
        assert_eq!(config.ingest, defaults.ingest);
        assert_eq!(config.library, defaults.library);
        assert_eq!(config.cache, defaults.cache);
    }

    #[test]
    fn reading_threads_fit_under_the_ceiling() {
        let ingest = IngestConfig::default();
        assert_eq!(ingest.reading_threads(), 2, "1 GiB holds two threads at 64 MiB pages");
        let tight = IngestConfig { memory_ceiling_mb: 512, threads: 8, ..IngestConfig::default() };
        assert_eq!(tight.reading_threads(), 1, "never zero, never over the ceiling");
        let roomy = IngestConfig { memory_ceiling_mb: 8192, threads: 4, ..IngestConfig::default() };
        assert_eq!(roomy.reading_threads(), 4);
    }

    #[test]
    fn the_plugin_kv_quota_comes_from_the_file_and_the_environment() {
        assert_eq!(Config::default().plugins.kv_quota_kb, 1024);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ttrpg.toml");
        std::fs::write(&path, "[plugins]\nkv_quota_kb = 64\n").unwrap();
        assert_eq!(Config::load(Some(&path), Vec::new()).unwrap().plugins.kv_quota_kb, 64);
        let config = Config::load(Some(&path), env(&[("TTRPG_PLUGIN_KV_QUOTA_KB", "8")])).unwrap();
        assert_eq!(config.plugins.kv_quota_kb, 8);
        let err = Config::load(None, env(&[("TTRPG_PLUGIN_KV_QUOTA_KB", "lots")])).unwrap_err();
        assert!(err.to_string().contains("TTRPG_PLUGIN_KV_QUOTA_KB"), "{err}");
    }

    #[test]
    fn environment_overrides_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ttrpg.toml");
        std::fs::write(
            &path,
            "data_dir = \"/srv/a\"\n[dice]\nmax_dice = 50\n[server]\nlisten = \"0.0.0.0:1\"\n",
        )
        .unwrap();
        let config = Config::load(
            Some(&path),
            env(&[
                ("TTRPG_DATA_DIR", "/srv/b"),
                ("TTRPG_ALLOWED_HOSTS", "a.example, b.example"),
                ("HOME", "/x"),
            ]),
        )
        .unwrap();
        assert_eq!(config.data_dir, PathBuf::from("/srv/b"));
        assert_eq!(config.dice.max_dice, 50);
        assert_eq!(config.server.listen, "0.0.0.0:1");
        assert_eq!(config.server.allowed_hosts, vec!["a.example", "b.example"]);
        assert_eq!(config.database_url(), "sqlite:///srv/b/ttrpg.db");
    }

    #[test]
    fn onnxruntime_falls_back_to_ort_dylib_path_only_when_unset() {
        let from_ort = Config::load(None, env(&[("ORT_DYLIB_PATH", "/wheel/libonnxruntime.so")])).unwrap();
        assert_eq!(from_ort.search.onnxruntime, Some(PathBuf::from("/wheel/libonnxruntime.so")));
        for order in [
            [("ORT_DYLIB_PATH", "/wheel/lib.so"), ("TTRPG_ONNXRUNTIME", "/ours/lib.so")],
            [("TTRPG_ONNXRUNTIME", "/ours/lib.so"), ("ORT_DYLIB_PATH", "/wheel/lib.so")],
        ] {
            let config = Config::load(None, env(&order)).unwrap();
            assert_eq!(config.search.onnxruntime, Some(PathBuf::from("/ours/lib.so")), "{order:?}");
        }
        let empty = Config::load(None, env(&[("ORT_DYLIB_PATH", "")])).unwrap();
        assert_eq!(empty.search.onnxruntime, None);
    }

    #[test]
    fn unknown_key_and_bad_env_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.toml");
        std::fs::write(&path, "data_dri = \"x\"\n").unwrap();
        let err = Config::load(Some(&path), Vec::new()).unwrap_err().to_string();
        assert!(err.contains("data_dri"), "{err}");
        let err = Config::load(None, env(&[("TTRPG_MAX_DICE", "lots")])).unwrap_err().to_string();
        assert!(err.contains("TTRPG_MAX_DICE") && err.contains("lots"), "{err}");
    }

    #[test]
    fn doctor_output_hides_passwords() {
        let config =
            Config { database_url: Some("postgres://gm:hunter2@db/ttrpg".into()), ..Config::default() };
        let shown = config.to_toml();
        assert!(shown.contains("postgres://gm:***@db/ttrpg"), "{shown}");
        assert!(!shown.contains("hunter2"));
    }

    #[test]
    fn doctor_output_hides_the_qdrant_key_and_url_password() {
        let config = Config::load(
            None,
            env(&[
                ("TTRPG_QDRANT_URL", "http://admin:s3cret@qdrant:6334"),
                ("TTRPG_QDRANT_API_KEY", "qk-very-secret"),
                ("TTRPG_REDIS_URL", "redis://:r3dispass@cache:6379/0"),
            ]),
        )
        .unwrap();
        let shown = config.to_toml();
        assert!(!shown.contains("qk-very-secret") && !shown.contains("s3cret"), "{shown}");
        assert!(!shown.contains("r3dispass"), "the Redis password is hidden: {shown}");
        assert!(shown.contains("qdrant_api_key = \"***\""), "{shown}");
        assert!(shown.contains("http://admin:***@qdrant:6334"), "{shown}");
        let unset = Config::default().to_toml();
        assert!(!unset.contains("qdrant_api_key"), "an unset key is not shown as set: {unset}");
    }
}
