//! `rrm serve`: runs the hub's HTTP server (TAXII 2.1, REST, metrics) until interrupted.

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context};

use crate::config::{self, FileConfig, Settings};
use crate::{demo, open};

/// Arguments of `rrm serve`.
#[derive(clap::Args)]
pub struct Args {
    /// Address to listen on [default: 127.0.0.1:8750].
    #[arg(
        long,
        env = "RRM_LISTEN",
        hide_env_values = true,
        value_name = "IP:PORT"
    )]
    pub listen: Option<String>,
    /// PEM certificate chain; serves HTTPS with rustls.
    #[arg(
        long,
        env = "RRM_TLS_CERT",
        hide_env_values = true,
        value_name = "FILE",
        requires = "tls_key"
    )]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key.
    #[arg(
        long,
        env = "RRM_TLS_KEY",
        hide_env_values = true,
        value_name = "FILE",
        requires = "tls_cert"
    )]
    pub tls_key: Option<PathBuf>,
    /// Allow plain HTTP on a non-loopback address (behind a TLS-terminating proxy only).
    #[arg(long, env = "RRM_INSECURE_HTTP")]
    pub insecure_http: bool,
    /// Largest request body in bytes [default: 8388608].
    #[arg(
        long,
        env = "RRM_MAX_CONTENT_LENGTH",
        hide_env_values = true,
        value_name = "BYTES"
    )]
    pub max_content_length: Option<usize>,
    /// Base URL announced in TAXII discovery, e.g. https://rrm.example.org.
    #[arg(
        long,
        env = "RRM_PUBLIC_URL",
        hide_env_values = true,
        value_name = "URL"
    )]
    pub public_url: Option<String>,
    /// Default TLP of new collections [default: AMBER].
    #[arg(
        long,
        env = "RRM_DEFAULT_TLP",
        hide_env_values = true,
        value_name = "LEVEL"
    )]
    pub default_tlp: Option<stix::Tlp>,
    /// Serve Prometheus metrics at /metrics (off by default; /metrics is unauthenticated).
    #[arg(long, env = "RRM_METRICS")]
    pub metrics: bool,
    /// The most argon2id credential verifications at once [default: number of cores].
    #[arg(
        long,
        env = "RRM_AUTH_CONCURRENCY",
        hide_env_values = true,
        value_name = "N"
    )]
    pub auth_concurrency: Option<usize>,
    /// Failed logins allowed before backoff, per client address and per account, as
    /// ADDRESS/ACCOUNT [default: 10/5]; 0 turns the backoff off (for test rigs only).
    #[arg(
        long,
        env = "RRM_AUTH_FREE_FAILURES",
        hide_env_values = true,
        value_name = "A/B"
    )]
    pub auth_free_failures: Option<String>,
    /// Open connections at most; more are closed at once [default: 2048, and well below the
    /// open-file limit].
    #[arg(
        long,
        env = "RRM_MAX_CONNECTIONS",
        hide_env_values = true,
        value_name = "N",
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    pub max_connections: Option<u64>,
    /// Open connections at most from one client address (IPv6: one /64; 0: no limit)
    /// [default: 64].
    #[arg(
        long,
        env = "RRM_MAX_CONNECTIONS_PER_IP",
        hide_env_values = true,
        value_name = "N"
    )]
    pub max_connections_per_ip: Option<usize>,
    /// Seconds for the TLS handshake, each request head and the first request [default: 10].
    #[arg(
        long,
        env = "RRM_HEADER_TIMEOUT",
        hide_env_values = true,
        value_name = "SECS",
        value_parser = clap::value_parser!(u64).range(1..=MAX_TIMEOUT_SECS)
    )]
    pub header_timeout: Option<u64>,
    /// Seconds a connection with no request in progress stays open, and a request body may
    /// stall [default: 60].
    #[arg(
        long,
        env = "RRM_IDLE_TIMEOUT",
        hide_env_values = true,
        value_name = "SECS",
        value_parser = clap::value_parser!(u64).range(1..=MAX_TIMEOUT_SECS)
    )]
    pub idle_timeout: Option<u64>,
    /// Seconds a response may wait for the client to read before the connection is dropped
    /// [default: 30].
    #[arg(
        long,
        env = "RRM_WRITE_TIMEOUT",
        hide_env_values = true,
        value_name = "SECS",
        value_parser = clap::value_parser!(u64).range(1..=MAX_TIMEOUT_SECS)
    )]
    pub write_timeout: Option<u64>,
    /// Election exports (`/public/elections/{id}/ads.csv|jsonl`) in progress at most
    /// (0: no limit) [default: 64].
    #[arg(
        long,
        env = "RRM_MAX_EXPORTS",
        hide_env_values = true,
        value_name = "N"
    )]
    pub max_exports: Option<usize>,
    /// Election exports in progress at most from one client address (0: no limit)
    /// [default: 4].
    #[arg(
        long,
        env = "RRM_MAX_EXPORTS_PER_IP",
        hide_env_values = true,
        value_name = "N"
    )]
    pub max_exports_per_ip: Option<usize>,
    /// Create demo organisations, users, collections and objects on first start (loopback only).
    #[arg(long)]
    pub demo: bool,
}

/// Parses `ADDRESS/ACCOUNT` free failures; `0` means no backoff at all.
fn parse_free_failures(text: &str) -> anyhow::Result<(u32, u32)> {
    let text = text.trim();
    if text == "0" {
        return Ok((u32::MAX, u32::MAX));
    }
    let (a, b) = text
        .split_once('/')
        .context("expected ADDRESS/ACCOUNT, such as 10/5, or 0")?;
    let number = |part: &str| -> anyhow::Result<u32> {
        let n: u32 = part.trim().parse().context("not a whole number")?;
        if n == 0 {
            bail!("each count must be at least 1 (0 alone turns the backoff off)");
        }
        Ok(n)
    };
    Ok((number(a)?, number(b)?))
}

/// Runs `rrm serve`.
pub fn run(settings: &Settings, file: &FileConfig, args: Args) -> anyhow::Result<()> {
    open::init_logging(settings)?;
    let s = &file.server;
    let limits = conn_limits(&args, s)?;
    let listen = args
        .listen
        .or_else(|| s.listen.clone())
        .unwrap_or_else(|| config::DEFAULT_LISTEN.to_string());
    let addr = config::parse_listen(&listen)?;
    if args.demo && !addr.ip().is_loopback() {
        bail!("--demo listens on loopback only; {addr} is not a loopback address (try 127.0.0.1:8750)");
    }
    let tls = match (
        args.tls_cert.or_else(|| s.tls_cert.clone()),
        args.tls_key.or_else(|| s.tls_key.clone()),
    ) {
        (Some(cert), Some(key)) => Some(server::TlsFiles { cert, key }),
        (None, None) => None,
        _ => bail!("TLS needs both a certificate and a key (--tls-cert and --tls-key)"),
    };
    let default_tlp = match args.default_tlp {
        Some(t) => Some(t),
        None => s
            .default_tlp
            .as_deref()
            .map(str::parse)
            .transpose()
            .context("server.default_tlp in the configuration file")?,
    };
    let hub = open::hub(settings, default_tlp)?;
    if args.demo && demo::seed(&hub)? {
        tracing::info!("demo data created");
    }
    let mut auth = server::AuthLimits::default();
    if let Some(n) = args.auth_concurrency.or(s.auth_concurrency) {
        if n == 0 {
            bail!("--auth-concurrency (server.auth_concurrency) must be at least 1");
        }
        auth.max_concurrent = n;
    }
    if let Some(text) = args
        .auth_free_failures
        .or_else(|| s.auth_free_failures.clone())
    {
        let (address, account) = parse_free_failures(&text).with_context(|| {
            format!("--auth-free-failures (server.auth_free_failures) {text:?}")
        })?;
        auth.address_free_failures = address;
        auth.account_free_failures = account;
    }
    let public_url = args.public_url.or_else(|| s.public_url.clone());
    if public_url.is_none() {
        tracing::warn!(
            "no --public-url (RRM_PUBLIC_URL, server.public_url): TAXII discovery builds its \
             URLs from each request's Host header; set it on every deployment"
        );
    }
    let defaults = server::ServerConfig::default();
    let config = server::ServerConfig {
        max_content_length: args
            .max_content_length
            .or(s.max_content_length)
            .unwrap_or(config::DEFAULT_MAX_CONTENT_LENGTH),
        title: s.title.clone().unwrap_or_else(|| "rrm hub".to_string()),
        public_url,
        metrics: args.metrics || s.metrics.unwrap_or(false),
        auth,
        exports: server::ExportLimits {
            max: args
                .max_exports
                .or(s.max_exports)
                .unwrap_or(defaults.exports.max),
            per_ip: args
                .max_exports_per_ip
                .or(s.max_exports_per_ip)
                .unwrap_or(defaults.exports.per_ip),
        },
    };
    let metrics_on = config.metrics;
    let scheme = if tls.is_some() { "https" } else { "http" };
    let listen = server::Listen {
        addr,
        tls,
        insecure_http: args.insecure_http || s.insecure_http.unwrap_or(false),
    };
    let retention_hub = hub.clone();
    let state = server::AppState::new(hub, config);
    let detections = state.detections().clone();
    let closing = detections.clone();
    let app = server::router(state);
    let demo_mode = args.demo;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let served = runtime.block_on(async move {
        tokio::spawn(retention_job(retention_hub));
        server::serve_with(
            app,
            listen,
            limits,
            move |bound| {
                let base = format!("{scheme}://{bound}");
                let mut out = std::io::stdout().lock();
                let _ = writeln!(out, "rrm: listening on {base}/");
                if demo_mode {
                    let _ = writeln!(out, "{}", demo::banner(&base, metrics_on));
                }
                let _ = out.flush();
            },
            async move {
                shutdown_signal().await;
                // Detection jobs stop at once, while open requests finish.
                closing.close();
            },
        )
        .await
        .context("server failed")
    });
    if !detections.shutdown(STOP_WAIT) {
        tracing::warn!("detection jobs did not stop within 5 s; exiting anyway");
    }
    runtime.shutdown_timeout(STOP_WAIT);
    served
}

/// How long `serve` waits for detection workers and blocking tasks when it stops.
const STOP_WAIT: std::time::Duration = std::time::Duration::from_secs(5);
/// The longest connection timeout accepted, in seconds (one day).
const MAX_TIMEOUT_SECS: u64 = 86_400;

/// The connection limits from flags, environment and file, with the connection cap kept
/// well below the open-file limit (raised to its hard limit first).
fn conn_limits(args: &Args, s: &config::ServerFile) -> anyhow::Result<server::ConnLimits> {
    let d = server::ConnLimits::default();
    let secs =
        |flag: Option<u64>, file: Option<u64>, key: &str, default: Duration| match flag.or(file) {
            Some(n) if !(1..=MAX_TIMEOUT_SECS).contains(&n) => bail!(
                "server.{key} in the configuration file must be between 1 and \
                 {MAX_TIMEOUT_SECS} seconds"
            ),
            Some(n) => Ok(Duration::from_secs(n)),
            None => Ok(default),
        };
    let configured = match args.max_connections {
        Some(n) => Some(usize::try_from(n).unwrap_or(usize::MAX)),
        None => match s.max_connections {
            Some(0) => bail!("server.max_connections in the configuration file must be at least 1"),
            other => other,
        },
    };
    let wanted = configured.unwrap_or(d.max_connections);
    let max_connections = match raise_open_file_limit() {
        Some(nofile) => {
            let budget = connection_budget(nofile);
            if wanted > budget && configured.is_some() {
                tracing::warn!(
                    wanted,
                    open_file_limit = nofile,
                    using = budget,
                    "the connection limit is lowered to stay below the open-file limit"
                );
            }
            wanted.min(budget)
        }
        None => wanted,
    };
    let limits = server::ConnLimits {
        max_connections,
        max_connections_per_ip: args
            .max_connections_per_ip
            .or(s.max_connections_per_ip)
            .unwrap_or(d.max_connections_per_ip),
        header_timeout: secs(
            args.header_timeout,
            s.header_timeout,
            "header_timeout",
            d.header_timeout,
        )?,
        idle_timeout: secs(
            args.idle_timeout,
            s.idle_timeout,
            "idle_timeout",
            d.idle_timeout,
        )?,
        write_timeout: secs(
            args.write_timeout,
            s.write_timeout,
            "write_timeout",
            d.write_timeout,
        )?,
    };
    tracing::info!(
        max_connections = limits.max_connections,
        max_connections_per_ip = limits.max_connections_per_ip,
        header_timeout_s = limits.header_timeout.as_secs(),
        idle_timeout_s = limits.idle_timeout.as_secs(),
        write_timeout_s = limits.write_timeout.as_secs(),
        "connection limits"
    );
    Ok(limits)
}

/// Raises the soft limit on open files to the hard limit; the soft limit in force, if known.
fn raise_open_file_limit() -> Option<u64> {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(n) => Some(n),
        Err(e) => {
            tracing::warn!(error = %e, "cannot raise the open-file limit");
            rlimit::Resource::NOFILE.get().ok().map(|(soft, _)| soft)
        }
    }
}

/// How many connections fit under an open-file limit of `nofile`, leaving a quarter (at
/// least 256) for the database, its readers and other files.
fn connection_budget(nofile: u64) -> usize {
    let reserve = (nofile / 4).max(256);
    usize::try_from(nofile.saturating_sub(reserve))
        .unwrap_or(usize::MAX)
        .max(1)
}

/// How often the ad registry's retention rules run.
const RETENTION_EVERY: std::time::Duration = std::time::Duration::from_secs(3600);

/// Enforces the ad registry's publication and retention dates at start-up and every hour:
/// ads past their publication date leave the public archive, ads past their retention date are
/// purged, each with an audit record.
async fn retention_job(hub: hub::Hub) {
    let mut tick = tokio::time::interval(RETENTION_EVERY);
    loop {
        tick.tick().await;
        let hub = hub.clone();
        let now = stix::now_secs();
        match tokio::task::spawn_blocking(move || hub.run_ad_retention(now)).await {
            Ok(Ok(run)) if run.hidden + run.purged > 0 => {
                tracing::info!(
                    unpublished = run.hidden,
                    purged = run.purged,
                    "ad retention ran"
                );
            }
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::error!(error = %e, "ad retention failed"),
            Err(e) => tracing::error!(error = %e, "ad retention task failed"),
        }
    }
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_connection_budget_stays_well_below_the_open_file_limit() {
        assert_eq!(connection_budget(1024), 768);
        assert_eq!(connection_budget(20_000), 15_000);
        assert_eq!(connection_budget(100), 1);
        assert!(connection_budget(1 << 20) < 1 << 20);
    }
}
