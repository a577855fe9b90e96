//! Settings: command-line flags override environment variables, which override the TOML file.
//!
//! Clap reads flags and their `RRM_*` environment variables; whatever neither gives is taken
//! from the optional TOML file named by `--config` (or `RRM_CONFIG`), then from defaults.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use serde::Deserialize;

/// The default data directory.
pub const DEFAULT_DATA: &str = "./rrm-data";
/// The default listen address.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8750";
/// The default largest request body, in bytes (8 MiB).
pub const DEFAULT_MAX_CONTENT_LENGTH: usize = 8 * 1024 * 1024;

/// Options every subcommand takes.
#[derive(clap::Args, Debug, Clone)]
pub struct GlobalArgs {
    /// Directory holding the database and files [default: ./rrm-data].
    #[arg(
        long,
        global = true,
        env = "RRM_DATA",
        hide_env_values = true,
        value_name = "DIR"
    )]
    pub data: Option<PathBuf>,
    /// Optional TOML configuration file.
    #[arg(
        long,
        global = true,
        env = "RRM_CONFIG",
        hide_env_values = true,
        value_name = "FILE"
    )]
    pub config: Option<PathBuf>,
    /// Log filter, as in RUST_LOG (for example `info` or `rrm=debug,server=debug`).
    #[arg(
        long,
        global = true,
        env = "RRM_LOG",
        hide_env_values = true,
        value_name = "FILTER"
    )]
    pub log: Option<String>,
    /// Log format: `text` or `json` [default: text].
    #[arg(
        long,
        global = true,
        env = "RRM_LOG_FORMAT",
        hide_env_values = true,
        value_name = "FORMAT"
    )]
    pub log_format: Option<String>,
}

/// The TOML configuration file. Every key is optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// Data directory.
    pub data: Option<PathBuf>,
    /// Log filter.
    pub log: Option<String>,
    /// Log format.
    pub log_format: Option<String>,
    /// Server settings.
    #[serde(default)]
    pub server: ServerFile,
}

/// The `[server]` table of the configuration file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerFile {
    /// Listen address.
    pub listen: Option<String>,
    /// PEM certificate chain.
    pub tls_cert: Option<PathBuf>,
    /// PEM private key.
    pub tls_key: Option<PathBuf>,
    /// Allow plain HTTP on a non-loopback address.
    pub insecure_http: Option<bool>,
    /// Largest request body in bytes.
    pub max_content_length: Option<usize>,
    /// Base URL announced in TAXII discovery.
    pub public_url: Option<String>,
    /// Default TLP of new collections.
    pub default_tlp: Option<String>,
    /// Title of the TAXII server.
    pub title: Option<String>,
    /// Serve Prometheus metrics at /metrics.
    pub metrics: Option<bool>,
    /// The most argon2id credential verifications at once.
    pub auth_concurrency: Option<usize>,
    /// Failed logins before backoff, `ADDRESS/ACCOUNT`, or `0` for none.
    pub auth_free_failures: Option<String>,
    /// Open connections at most.
    pub max_connections: Option<usize>,
    /// Open connections at most from one client address.
    pub max_connections_per_ip: Option<usize>,
    /// Seconds for the TLS handshake and each request head.
    pub header_timeout: Option<u64>,
    /// Seconds a connection with no request in progress stays open.
    pub idle_timeout: Option<u64>,
    /// Seconds a response may wait for the client to read before it is dropped.
    pub write_timeout: Option<u64>,
    /// Election exports in progress at most.
    pub max_exports: Option<usize>,
    /// Election exports in progress at most from one client address.
    pub max_exports_per_ip: Option<usize>,
}

/// The resolved global settings.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Data directory.
    pub data: PathBuf,
    /// Log filter.
    pub log: String,
    /// Log as JSON lines.
    pub log_json: bool,
}

/// Reads the configuration file, if one is named.
pub fn load_file(global: &GlobalArgs) -> anyhow::Result<FileConfig> {
    let Some(path) = &global.config else {
        return Ok(FileConfig::default());
    };
    read_file(path)
}

fn read_file(path: &Path) -> anyhow::Result<FileConfig> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read configuration file {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("invalid configuration file {}", path.display()))
}

/// Resolves the global settings from flags, environment and file.
pub fn resolve(global: &GlobalArgs, file: &FileConfig) -> anyhow::Result<Settings> {
    let data = global
        .data
        .clone()
        .or_else(|| file.data.clone())
        .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA));
    let log = global
        .log
        .clone()
        .or_else(|| file.log.clone())
        .unwrap_or_else(|| "info".to_string());
    let format = global
        .log_format
        .clone()
        .or_else(|| file.log_format.clone())
        .unwrap_or_else(|| "text".to_string());
    let log_json = match format.as_str() {
        "text" => false,
        "json" => true,
        other => bail!("unknown log format {other:?}: expected text or json"),
    };
    Ok(Settings {
        data,
        log,
        log_json,
    })
}

/// Parses a listen address such as `127.0.0.1:8750` or `[::1]:8750`.
pub fn parse_listen(s: &str) -> anyhow::Result<SocketAddr> {
    s.parse()
        .with_context(|| format!("invalid listen address {s:?}: expected IP:PORT"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(data: Option<&str>) -> GlobalArgs {
        GlobalArgs {
            data: data.map(PathBuf::from),
            config: None,
            log: None,
            log_format: None,
        }
    }

    #[test]
    fn flag_beats_file_and_file_beats_default() {
        let file: FileConfig =
            toml::from_str("data = \"/from/file\"\n[server]\nlisten = \"0.0.0.0:1\"\n")
                .expect("valid toml");
        assert_eq!(
            resolve(&args(Some("/flag")), &file).unwrap().data,
            PathBuf::from("/flag")
        );
        assert_eq!(
            resolve(&args(None), &file).unwrap().data,
            PathBuf::from("/from/file")
        );
        let none = FileConfig::default();
        assert_eq!(
            resolve(&args(None), &none).unwrap().data,
            PathBuf::from(DEFAULT_DATA)
        );
    }

    #[test]
    fn connection_and_export_limits_are_read_from_the_server_table() {
        let file: FileConfig = toml::from_str(
            "[server]\nmax_connections = 100\nmax_connections_per_ip = 8\nheader_timeout = 5\n\
             idle_timeout = 20\nwrite_timeout = 15\nmax_exports = 10\nmax_exports_per_ip = 2\n",
        )
        .expect("valid toml");
        let s = &file.server;
        assert_eq!(s.max_connections, Some(100));
        assert_eq!(s.max_connections_per_ip, Some(8));
        assert_eq!(s.header_timeout, Some(5));
        assert_eq!(s.idle_timeout, Some(20));
        assert_eq!(s.write_timeout, Some(15));
        assert_eq!(s.max_exports, Some(10));
        assert_eq!(s.max_exports_per_ip, Some(2));
    }

    #[test]
    fn unknown_keys_are_refused() {
        let err = toml::from_str::<FileConfig>("dta = 1")
            .unwrap_err()
            .to_string();
        assert!(err.contains("dta"), "{err}");
    }

    #[test]
    fn bad_log_format_is_named() {
        let mut a = args(None);
        a.log_format = Some("xml".into());
        let err = resolve(&a, &FileConfig::default()).unwrap_err().to_string();
        assert!(err.contains("xml"), "{err}");
    }
}
