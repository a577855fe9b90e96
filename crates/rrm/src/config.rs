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

/// One `serve` setting: its flag, environment variable and TOML key come from its name, and
/// its default, when it has a fixed one, is written here once (as README's table shows it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Setting {
    /// The field name: `--name-with-hyphens`, `server.name` in the TOML file.
    pub name: &'static str,
    /// The environment variable.
    pub env: &'static str,
    /// The default, in the form the flag takes; `None` when it is computed or absent.
    pub default: Option<&'static str>,
}

impl Setting {
    /// The flag, such as `--max-connections`.
    pub fn flag(&self) -> String {
        format!("--{}", self.name.replace('_', "-"))
    }

    /// The TOML key, such as `server.max_connections`.
    pub fn toml_key(&self) -> String {
        format!("server.{}", self.name)
    }

    /// How error messages name the setting: the flag, variable and key.
    pub fn names(&self) -> String {
        format!("{} ({}, {})", self.flag(), self.env, self.toml_key())
    }
}

/// Defines every `serve` setting once: the clap arguments (flag and environment variable), the
/// `[server]` table of the TOML file, the [`SERVE_SETTINGS`] table and [`ServeValues`], the
/// settings after flags, environment, file and default are merged by [`merge`].
macro_rules! serve_settings {
    ($(
        $(#[doc = $doc:literal])*
        $name:ident: $ty:ty = $default:expr, env $env:literal, value $vn:literal
        $(, arg($($extra:tt)*))?;
    )*) => {
        /// Arguments of `rrm serve`.
        #[derive(clap::Args, Debug)]
        pub struct ServeArgs {
            $(
                $(#[doc = $doc])*
                #[arg(long, env = $env, hide_env_values = true, value_name = $vn $(, $($extra)*)?)]
                pub $name: Option<$ty>,
            )*
            /// Create demo organisations, users, collections and objects on first start
            /// (loopback only).
            #[arg(long)]
            pub demo: bool,
        }

        /// The `[server]` table of the configuration file. Every key is optional.
        #[derive(Debug, Default, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct ServerFile {
            $(
                $(#[doc = $doc])*
                pub $name: Option<$ty>,
            )*
        }

        /// Every `serve` setting, in the order of README's table.
        pub const SERVE_SETTINGS: &[Setting] = &[
            $(Setting { name: stringify!($name), env: $env, default: $default },)*
        ];

        /// The `serve` settings after merging; `None` where nothing (not even a fixed default)
        /// gives a value.
        #[derive(Debug, Clone)]
        pub struct ServeValues {
            $(
                $(#[doc = $doc])*
                pub $name: Option<$ty>,
            )*
        }

        /// Merges flags and environment (clap gives the flag first), then the file, then the
        /// fixed default.
        pub fn merge(args: &ServeArgs, file: &ServerFile) -> anyhow::Result<ServeValues> {
            let mut i = 0..;
            Ok(ServeValues {
                $(
                    $name: pick(
                        args.$name.clone(),
                        file.$name.clone(),
                        &SERVE_SETTINGS[i.next().unwrap_or(0)],
                    )?,
                )*
            })
        }
    };
}

/// The first of flag (or environment), file and fixed default that gives a value.
fn pick<T: std::str::FromStr>(
    flag: Option<T>,
    file: Option<T>,
    setting: &Setting,
) -> anyhow::Result<Option<T>> {
    if let Some(v) = flag.or(file) {
        return Ok(Some(v));
    }
    match setting.default {
        Some(text) => match text.parse() {
            Ok(v) => Ok(Some(v)),
            Err(_) => bail!(
                "the built-in default {text:?} of {} is invalid",
                setting.names()
            ),
        },
        None => Ok(None),
    }
}

serve_settings! {
    /// Address to listen on [default: 127.0.0.1:8750].
    listen: String = Some(DEFAULT_LISTEN), env "RRM_LISTEN", value "IP:PORT";
    /// PEM certificate chain; serves HTTPS with rustls.
    tls_cert: PathBuf = None, env "RRM_TLS_CERT", value "FILE", arg(requires = "tls_key");
    /// PEM private key.
    tls_key: PathBuf = None, env "RRM_TLS_KEY", value "FILE", arg(requires = "tls_cert");
    /// Allow plain HTTP on a non-loopback address (behind a TLS-terminating proxy only).
    insecure_http: bool = Some("false"), env "RRM_INSECURE_HTTP", value "BOOL",
        arg(num_args = 0..=1, default_missing_value = "true",
            value_parser = clap::builder::BoolishValueParser::new());
    /// Largest request body in bytes [default: 8388608].
    max_content_length: usize = Some("8388608"), env "RRM_MAX_CONTENT_LENGTH", value "BYTES";
    /// Base URL announced in TAXII discovery, e.g. https://rrm.example.org.
    public_url: String = None, env "RRM_PUBLIC_URL", value "URL";
    /// Title of TAXII discovery and the API root [default: rrm].
    title: String = Some(server::DEFAULT_TITLE), env "RRM_TITLE", value "TEXT";
    /// Serve Prometheus metrics at /metrics (off by default; /metrics is unauthenticated).
    metrics: bool = Some("false"), env "RRM_METRICS", value "BOOL",
        arg(num_args = 0..=1, default_missing_value = "true",
            value_parser = clap::builder::BoolishValueParser::new());
    /// The most argon2id credential verifications at once [default: number of cores].
    auth_concurrency: usize = None, env "RRM_AUTH_CONCURRENCY", value "N";
    /// Failed logins allowed before backoff, per client address and per account, as
    /// ADDRESS/ACCOUNT [default: 10/5]; 0 turns the backoff off (for test rigs only).
    auth_free_failures: String = Some("10/5"), env "RRM_AUTH_FREE_FAILURES", value "A/B";
    /// Default TLP of new collections [default: AMBER].
    default_tlp: String = Some("AMBER"), env "RRM_DEFAULT_TLP", value "LEVEL";
    /// Open connections at most; more are closed at once [default: 2048, and well below the
    /// open-file limit].
    max_connections: usize = Some("2048"), env "RRM_MAX_CONNECTIONS", value "N";
    /// Open connections at most from one client address (IPv6: one /64; 0: no limit)
    /// [default: 64].
    max_connections_per_ip: usize = Some("64"), env "RRM_MAX_CONNECTIONS_PER_IP", value "N";
    /// Seconds for the TLS handshake, each request head and the first request [default: 10].
    header_timeout: u64 = Some("10"), env "RRM_HEADER_TIMEOUT", value "SECS";
    /// Seconds a connection with no request in progress stays open, and a request body may
    /// stall [default: 60].
    idle_timeout: u64 = Some("60"), env "RRM_IDLE_TIMEOUT", value "SECS";
    /// Seconds a response may wait for the client to read before the connection is dropped
    /// [default: 30].
    write_timeout: u64 = Some("30"), env "RRM_WRITE_TIMEOUT", value "SECS";
    /// Election exports (`/public/elections/{id}/ads.csv|jsonl`) in progress at most
    /// (0: no limit) [default: 64].
    max_exports: usize = Some("64"), env "RRM_MAX_EXPORTS", value "N";
    /// Election exports in progress at most from one client address (0: no limit)
    /// [default: 4].
    max_exports_per_ip: usize = Some("4"), env "RRM_MAX_EXPORTS_PER_IP", value "N";
    /// Rate limit of the public routes per client address, RATE/BURST requests per second
    /// (0: off) [default: 20/60].
    public_rate: String = Some("20/60"), env "RRM_PUBLIC_RATE", value "RATE/BURST";
    /// Worker threads that run detection jobs [default: 2].
    detect_workers: usize = Some("2"), env "RRM_DETECT_WORKERS", value "N";
    /// Detection jobs that may wait for a worker, over all organisations; more are refused
    /// with 503 busy [default: 64].
    detect_queue: usize = Some("64"), env "RRM_DETECT_QUEUE", value "N";
    /// Worker threads of exports and imports (bank entries, ad violations, election exports)
    /// [default: 2].
    work_workers: usize = Some("2"), env "RRM_WORK_WORKERS", value "N";
    /// Exports and imports that may wait for a worker; more are refused with 503 busy
    /// [default: 32].
    work_queue: usize = Some("32"), env "RRM_WORK_QUEUE", value "N";
    /// Seconds one webhook POST or one SMTP exchange may take [default: 10].
    notify_timeout: u64 = Some("10"), env "RRM_NOTIFY_TIMEOUT", value "SECS";
    /// Seconds before a failed notification is retried; the wait doubles with each failure,
    /// up to an hour, with jitter [default: 30].
    notify_backoff: u64 = Some("30"), env "RRM_NOTIFY_BACKOFF", value "SECS";
    /// Attempts of a notification before it is marked failed [default: 8].
    notify_attempts: u32 = Some("8"), env "RRM_NOTIFY_ATTEMPTS", value "N";
    /// SMTP relay of e-mail notifications (without it e-mail deliveries fail).
    smtp_host: String = None, env "RRM_SMTP_HOST", value "HOST";
    /// Port of the SMTP relay [default: 587].
    smtp_port: u16 = Some("587"), env "RRM_SMTP_PORT", value "PORT";
    /// How the SMTP connection is secured: starttls, tls or none (loopback only)
    /// [default: starttls].
    smtp_tls: String = Some("starttls"), env "RRM_SMTP_TLS", value "MODE";
    /// From address of e-mail notifications (required with --smtp-host).
    smtp_from: String = None, env "RRM_SMTP_FROM", value "ADDRESS";
    /// SMTP user name, when the relay wants authentication.
    smtp_username: String = None, env "RRM_SMTP_USERNAME", value "USER";
    /// SMTP password (prefer the environment variable or the file to the flag).
    smtp_password: Secret = None, env "RRM_SMTP_PASSWORD", value "PASSWORD";
    /// PEM file of root certificates trusted for the SMTP relay besides the Mozilla roots.
    smtp_ca: PathBuf = None, env "RRM_SMTP_CA", value "FILE";
    /// The MISP galaxies' directory (or the countermeasure galaxy file itself) that case
    /// options come from; without it they answer 503 not_configured.
    disarm_galaxy: PathBuf = None, env "RRM_DISARM_GALAXY", value "PATH";
    /// The collection (UUID or slug) where published joint statements of response cases go,
    /// as TLP:CLEAR notes.
    statements_collection: String = None, env "RRM_STATEMENTS_COLLECTION", value "COLLECTION";
    /// Seconds between scheduled audit checkpoints, each made only when the audit log grew
    /// (1 to 86400) [default: 3600].
    audit_checkpoint_every: u64 = Some("3600"), env "RRM_AUDIT_CHECKPOINT_EVERY", value "SECS";
    /// Seconds between deadline sweeps, which send reminders and overdue notices of alerts
    /// and actions and close proposals past their deadline (0: no sweep) [default: 60].
    deadline_sweep_every: u64 = Some("60"), env "RRM_DEADLINE_SWEEP_EVERY", value "SECS";
    /// Seconds before a respond-by or due time that its reminder is sent [default: 86400].
    reminder_lead: u64 = Some("86400"), env "RRM_REMINDER_LEAD", value "SECS";
    /// Days breach reports are kept after awareness and their last change before the
    /// retention job purges them (at least 730: 24 months, PIPEDA s. 6) [default: 731].
    breach_retention_days: i64 = Some("731"), env "RRM_BREACH_RETENTION_DAYS", value "DAYS";
}

/// A secret setting: read like a string, shown as `<redacted>` in `Debug`.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// The secret itself.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

impl std::str::FromStr for Secret {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Secret, Self::Err> {
        Ok(Secret(s.to_string()))
    }
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
impl ServeArgs {
    /// No flag given.
    fn default_for_tests() -> ServeArgs {
        use clap::FromArgMatches as _;
        let matches = {
            use clap::Args as _;
            ServeArgs::augment_args(clap::Command::new("serve")).get_matches_from(["serve"])
        };
        ServeArgs::from_arg_matches(&matches).expect("no flags parse")
    }
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

    /// The `serve` command's arguments, as clap sees them.
    fn serve_command() -> clap::Command {
        use clap::Args as _;
        ServeArgs::augment_args(clap::Command::new("serve"))
    }

    #[test]
    fn every_serve_flag_has_an_env_var_and_a_toml_key() {
        let cmd = serve_command();
        let mut flags = Vec::new();
        for arg in cmd.get_arguments() {
            let id = arg.get_id().as_str();
            if id == "demo" {
                // A one-off action on first start, not a setting.
                continue;
            }
            let setting = SERVE_SETTINGS
                .iter()
                .find(|s| s.name == id)
                .unwrap_or_else(|| panic!("--{id} is not in SERVE_SETTINGS"));
            let env = arg.get_env().and_then(|e| e.to_str());
            assert_eq!(env, Some(setting.env), "--{id}");
            assert_eq!(
                arg.get_long().map(|l| format!("--{l}")),
                Some(setting.flag())
            );
            // The file accepts the key (a wrong type is an error naming the key, not an
            // unknown key).
            let text = format!("[server]\n{} = {{}}\n", setting.name);
            let err = toml::from_str::<FileConfig>(&text).unwrap_err().to_string();
            assert!(
                !err.contains("unknown field"),
                "{}: {err}",
                setting.toml_key()
            );
            flags.push(id.to_string());
        }
        assert_eq!(flags.len(), SERVE_SETTINGS.len());
        let unknown = toml::from_str::<FileConfig>("[server]\nnot_a_setting = 1\n");
        assert!(unknown.is_err());
    }

    /// The rows of README's configuration table for `serve` settings: flag, variable, key and
    /// default, without backticks and placeholders.
    fn readme_serve_rows() -> Vec<(String, String, String, String)> {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md");
        let text = std::fs::read_to_string(path).expect("README.md beside the workspace");
        let clean = |c: &str| c.trim().trim_matches('`').to_string();
        text.lines()
            .filter(|l| l.starts_with("| `serve --"))
            .map(|l| {
                let cells: Vec<&str> = l.trim_matches('|').split('|').collect();
                let flag = clean(cells[0]).trim_start_matches("serve ").to_string();
                let flag = flag
                    .split([' ', '['])
                    .next()
                    .unwrap_or_default()
                    .to_string();
                (flag, clean(cells[1]), clean(cells[2]), clean(cells[3]))
            })
            .collect()
    }

    #[test]
    fn readme_lists_exactly_the_serve_settings() {
        let rows = readme_serve_rows();
        let expected: Vec<(String, String, String)> = SERVE_SETTINGS
            .iter()
            .map(|s| (s.flag(), s.env.to_string(), s.toml_key()))
            .collect();
        let listed: Vec<(String, String, String)> = rows
            .iter()
            .map(|(f, e, k, _)| (f.clone(), e.clone(), k.clone()))
            .collect();
        assert_eq!(listed, expected, "README's configuration table");
        for (s, (_, _, _, default)) in SERVE_SETTINGS.iter().zip(&rows) {
            if let Some(d) = s.default {
                assert_eq!(default, d, "README's default of {}", s.flag());
            }
        }
    }

    #[test]
    fn fixed_defaults_are_the_libraries_defaults() {
        let v = merge(&ServeArgs::default_for_tests(), &ServerFile::default()).unwrap();
        let server = server::ServerConfig::default();
        let conn = server::ConnLimits::default();
        let auth = server::AuthLimits::default();
        assert_eq!(v.max_content_length, Some(server.max_content_length));
        assert_eq!(
            v.max_content_length,
            Some(server::DEFAULT_MAX_CONTENT_LENGTH)
        );
        assert_eq!(v.title.as_deref(), Some(server.title.as_str()));
        assert_eq!(v.metrics, Some(server.metrics));
        assert_eq!(v.max_exports, Some(server.exports.max));
        assert_eq!(v.max_exports_per_ip, Some(server.exports.per_ip));
        assert_eq!(
            v.public_rate
                .as_deref()
                .map(|r| r.parse::<server::PublicRate>()),
            Some(Ok(server.public_rate))
        );
        assert_eq!(v.detect_workers, Some(server.detect.workers));
        assert_eq!(v.detect_queue, Some(server.detect.queue));
        assert_eq!(v.work_workers, Some(server.work.workers));
        assert_eq!(v.work_queue, Some(server.work.queue));
        assert_eq!(server.work, server::DEFAULT_WORK);
        assert_eq!(v.max_connections, Some(conn.max_connections));
        assert_eq!(v.max_connections_per_ip, Some(conn.max_connections_per_ip));
        assert_eq!(v.header_timeout, Some(conn.header_timeout.as_secs()));
        assert_eq!(v.idle_timeout, Some(conn.idle_timeout.as_secs()));
        assert_eq!(v.write_timeout, Some(conn.write_timeout.as_secs()));
        assert_eq!(
            v.auth_free_failures,
            Some(format!(
                "{}/{}",
                auth.address_free_failures, auth.account_free_failures
            ))
        );
        assert_eq!(v.default_tlp.as_deref(), Some(stix::Tlp::Amber.as_str()));
        assert_eq!(v.listen.as_deref(), Some(DEFAULT_LISTEN));
    }

    #[test]
    fn flags_beat_the_file_and_the_file_beats_defaults() {
        let file: FileConfig =
            toml::from_str("[server]\nmax_exports = 7\npublic_rate = \"1/2\"\nmetrics = true\n")
                .unwrap();
        let mut args = ServeArgs::default_for_tests();
        args.max_exports = Some(9);
        let v = merge(&args, &file.server).unwrap();
        assert_eq!(v.max_exports, Some(9));
        assert_eq!(v.public_rate.as_deref(), Some("1/2"));
        assert_eq!(v.metrics, Some(true));
        assert_eq!(v.max_exports_per_ip, Some(4));
        assert_eq!(v.public_url, None);
    }

    #[test]
    fn smtp_settings_are_read_and_the_password_is_redacted() {
        let file: FileConfig = toml::from_str(
            "[server]\nsmtp_host = \"smtp.example.org\"\nsmtp_port = 465\nsmtp_tls = \"tls\"\n\
             smtp_from = \"rrm@example.org\"\nsmtp_username = \"rrm\"\n\
             smtp_password = \"hunter2-secret\"\n",
        )
        .unwrap();
        let v = merge(&ServeArgs::default_for_tests(), &file.server).unwrap();
        assert_eq!(v.smtp_port, Some(465));
        assert_eq!(v.smtp_tls.as_deref(), Some("tls"));
        assert_eq!(
            v.smtp_password.as_ref().map(Secret::expose),
            Some("hunter2-secret")
        );
        for shown in [format!("{v:?}"), format!("{file:?}")] {
            assert!(!shown.contains("hunter2"), "{shown}");
        }
        let d = merge(&ServeArgs::default_for_tests(), &ServerFile::default()).unwrap();
        assert_eq!(d.smtp_port, Some(587));
        assert_eq!(d.smtp_tls.as_deref(), Some("starttls"));
        assert_eq!(d.notify_timeout, Some(10));
        assert_eq!(
            d.notify_attempts,
            Some(notify::RetryPolicy::default().max_attempts)
        );
        assert_eq!(
            d.notify_backoff,
            Some(notify::RetryPolicy::default().base.as_secs())
        );
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
