//! `rrm serve`: runs the hub's HTTP server (TAXII 2.1, REST, metrics) until interrupted.

use std::io::Write;
use std::time::Duration;

use anyhow::{bail, Context};

use crate::config::{self, FileConfig, Settings};
use crate::{demo, open};

pub use crate::config::ServeArgs as Args;

/// Where `serve --demo` looks for the MISP galaxies when `--disarm-galaxy` is not given.
const DEMO_GALAXY: &str = "../shared/data/disarm/";

/// The collection `serve --demo` publishes joint statements to when
/// `--statements-collection` is not given.
const DEMO_STATEMENTS: &str = "public";

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

/// The setting named `name` of [`config::SERVE_SETTINGS`], for messages.
fn setting(name: &str) -> String {
    config::SERVE_SETTINGS
        .iter()
        .find(|s| s.name == name)
        .map_or_else(|| name.to_string(), config::Setting::names)
}

/// Runs `rrm serve`.
pub fn run(settings: &Settings, file: &FileConfig, args: Args) -> anyhow::Result<()> {
    open::init_logging(settings)?;
    let v = config::merge(&args, &file.server)?;
    let limits = conn_limits(&v)?;
    let listen = v
        .listen
        .clone()
        .unwrap_or_else(|| config::DEFAULT_LISTEN.to_string());
    let addr = config::parse_listen(&listen)?;
    if args.demo && !addr.ip().is_loopback() {
        bail!("--demo listens on loopback only; {addr} is not a loopback address (try 127.0.0.1:8750)");
    }
    let tls = match (v.tls_cert.clone(), v.tls_key.clone()) {
        (Some(cert), Some(key)) => Some(server::TlsFiles { cert, key }),
        (None, None) => None,
        _ => bail!("TLS needs both a certificate and a key (--tls-cert and --tls-key)"),
    };
    let default_tlp = v
        .default_tlp
        .as_deref()
        .map(str::parse::<stix::Tlp>)
        .transpose()
        .with_context(|| setting("default_tlp"))?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    let base_url = v
        .public_url
        .clone()
        .unwrap_or_else(|| format!("{scheme}://{addr}"));
    let (notify_config, transport_config) = notify_settings(&v, base_url)?;
    // Built before the async runtime starts: the blocking HTTP client must not live on it.
    let transport = server::transport::NetTransport::new(&transport_config)
        .map_err(|e| anyhow::anyhow!("notifications: {e}"))?;
    let galaxy = v.disarm_galaxy.clone().or_else(|| {
        // The demo uses the shared data folder's galaxies when they are there.
        let shared = std::path::PathBuf::from(DEMO_GALAXY);
        (args.demo && open::galaxy_file(&shared).is_file()).then_some(shared)
    });
    if galaxy.is_none() {
        tracing::warn!(
            "no {}: case response options answer 503 not_configured",
            setting("disarm_galaxy")
        );
    }
    // The demo publishes joint statements to its public collection.
    let statements = v
        .statements_collection
        .clone()
        .or_else(|| args.demo.then(|| DEMO_STATEMENTS.to_string()));
    let breach_retention_days = v
        .breach_retention_days
        .unwrap_or(breaches::DEFAULT_RETENTION_DAYS);
    if breach_retention_days < breaches::MIN_RETENTION_DAYS {
        bail!(
            "{} must be at least {} days (24 months, PIPEDA s. 6), not {breach_retention_days}",
            setting("breach_retention_days"),
            breaches::MIN_RETENTION_DAYS
        );
    }
    let (services, relay) = open::services(
        settings,
        open::ServiceOptions {
            default_tlp,
            notify: notify_config,
            galaxy: galaxy.as_deref(),
            statements: statements.clone(),
            breach_retention_days,
        },
    )?;
    if args.demo && demo::seed(&services)? {
        tracing::info!("demo data created");
    }
    if let Some(c) = &statements {
        services
            .hub
            .find_collection(c)
            .with_context(|| format!("{} names no collection", setting("statements_collection")))?;
    }
    let mut auth = server::AuthLimits::default();
    if let Some(n) = v.auth_concurrency {
        if n == 0 {
            bail!("{} must be at least 1", setting("auth_concurrency"));
        }
        auth.max_concurrent = n;
    }
    if let Some(text) = &v.auth_free_failures {
        let (address, account) = parse_free_failures(text)
            .with_context(|| format!("{} {text:?}", setting("auth_free_failures")))?;
        auth.address_free_failures = address;
        auth.account_free_failures = account;
    }
    let public_rate = match &v.public_rate {
        Some(text) => text
            .parse::<server::PublicRate>()
            .map_err(|e| anyhow::anyhow!("{}: {e}", setting("public_rate")))?,
        None => server::PublicRate::default(),
    };
    let public_url = v.public_url.clone();
    if public_url.is_none() {
        tracing::warn!(
            "no --public-url (RRM_PUBLIC_URL, server.public_url): TAXII discovery builds its \
             URLs from each request's Host header; set it on every deployment"
        );
    }
    let defaults = server::ServerConfig::default();
    let mut detect = defaults.detect;
    if let Some(n) = v.detect_workers {
        if n == 0 {
            bail!("{} must be at least 1", setting("detect_workers"));
        }
        detect.workers = n;
    }
    if let Some(n) = v.detect_queue {
        detect.queue = n;
    }
    let mut work = defaults.work;
    if let Some(n) = v.work_workers {
        if n == 0 {
            bail!("{} must be at least 1", setting("work_workers"));
        }
        work.workers = n;
    }
    if let Some(n) = v.work_queue {
        work.queue = n;
    }
    let config = server::ServerConfig {
        max_content_length: v.max_content_length.unwrap_or(defaults.max_content_length),
        title: v.title.clone().unwrap_or(defaults.title),
        public_url,
        metrics: v.metrics.unwrap_or(false),
        auth,
        exports: server::ExportLimits {
            max: v.max_exports.unwrap_or(defaults.exports.max),
            per_ip: v.max_exports_per_ip.unwrap_or(defaults.exports.per_ip),
        },
        public_rate,
        detect,
        work,
        sessions: defaults.sessions,
    };
    let metrics_on = config.metrics;
    let listen = server::Listen {
        addr,
        tls,
        insecure_http: v.insecure_http.unwrap_or(false),
    };
    let retention_ads = services.ads.clone();
    let retention_breaches = services.breaches.clone();
    let deliveries = services.notify.start(std::sync::Arc::new(transport));
    let relayed = relay.start(RELAY_EVERY)?;
    let audit_hub = services.hub.clone();
    let audit_every = match v.audit_checkpoint_every {
        Some(n) if !(1..=MAX_TIMEOUT_SECS).contains(&n) => bail!(
            "{} must be between 1 and {MAX_TIMEOUT_SECS} seconds",
            setting("audit_checkpoint_every")
        ),
        Some(n) => Duration::from_secs(n),
        None => Duration::from_secs(3600),
    };
    let sweep_every = match v.deadline_sweep_every {
        Some(n) if n > MAX_TIMEOUT_SECS => bail!(
            "{} must be between 0 and {MAX_TIMEOUT_SECS} seconds",
            setting("deadline_sweep_every")
        ),
        Some(0) => None,
        Some(n) => Some(Duration::from_secs(n)),
        None => Some(Duration::from_secs(60)),
    };
    let lead = v.reminder_lead.unwrap_or(86_400);
    if lead > 366 * MAX_TIMEOUT_SECS {
        bail!(
            "{} must be at most {} seconds (a year)",
            setting("reminder_lead"),
            366 * MAX_TIMEOUT_SECS
        );
    }
    let sweep = crate::deadlines::DeadlineSweep {
        alerts: services.alerts.clone(),
        cases: services.cases.clone(),
        breaches: services.breaches.clone(),
        notices: services.notices.clone(),
        notify: services.notify.clone(),
        lead: i64::try_from(lead).unwrap_or(i64::MAX),
    };
    let (stop_sweep, sweep_stopped) = tokio::sync::watch::channel(false);
    let state = server::AppState::new(services, config);
    let detections = state.detections().clone();
    let work = state.work().clone();
    let retention_work = work.clone();
    let closing = detections.clone();
    let app = server::router(state);
    let demo_mode = args.demo;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let sweeping = sweep_every.map(|every| {
        tracing::info!(
            every_s = every.as_secs(),
            reminder_lead_s = lead,
            "deadline sweep on"
        );
        runtime.spawn(sweep.run(every, sweep_stopped))
    });
    if sweeping.is_none() {
        tracing::info!("deadline sweep off");
    }
    let served = runtime.block_on(async move {
        tokio::spawn(RetentionJob::hourly(retention_ads, retention_breaches, retention_work).run());
        tokio::spawn(checkpoint_job(audit_hub, audit_every));
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
    // The deadline sweep finishes the sweep in progress, like the delivery workers below.
    let _ = stop_sweep.send(true);
    if let Some(handle) = sweeping {
        // The timer is made inside the runtime: `timeout` needs its context.
        let stopped =
            runtime.block_on(async move { tokio::time::timeout(STOP_WAIT, handle).await });
        if stopped.is_err() {
            tracing::warn!("the deadline sweep did not stop within 5 s; exiting anyway");
        }
    }
    if !detections.shutdown(STOP_WAIT) {
        tracing::warn!("detection jobs did not stop within 5 s; exiting anyway");
    }
    if !work.shutdown(STOP_WAIT) {
        tracing::warn!("exports and imports did not stop within 5 s; exiting anyway");
    }
    if !relayed.shutdown(STOP_WAIT) {
        tracing::warn!("the notice relay did not stop within 5 s; exiting anyway");
    }
    if !deliveries.shutdown(STOP_WAIT) {
        tracing::warn!(
            "notification deliveries did not stop within 5 s; exiting anyway (they are sent \
             again after the next start)"
        );
    }
    runtime.shutdown_timeout(STOP_WAIT);
    served
}

/// How long `serve` waits for detection workers, the export and import workers and blocking
/// tasks when it stops.
const STOP_WAIT: std::time::Duration = std::time::Duration::from_secs(5);
/// How often the notice relay looks for notices when nothing woke it (changes made by the
/// command line or by another process on the same database).
const RELAY_EVERY: std::time::Duration = std::time::Duration::from_millis(250);
/// The longest connection timeout accepted, in seconds (one day).
const MAX_TIMEOUT_SECS: u64 = 86_400;

/// The notification service's settings and its transports' from the merged settings: links
/// under `base_url`, retries, the lease (twice the timeout and 2 s, so that only a dead
/// sender's rows are claimed again) and the SMTP relay.
fn notify_settings(
    v: &config::ServeValues,
    base_url: String,
) -> anyhow::Result<(notify::NotifyConfig, server::transport::TransportConfig)> {
    let timeout = match v.notify_timeout {
        Some(n) if !(1..=MAX_TIMEOUT_SECS).contains(&n) => bail!(
            "{} must be between 1 and {MAX_TIMEOUT_SECS} seconds",
            setting("notify_timeout")
        ),
        Some(n) => Duration::from_secs(n),
        None => Duration::from_secs(10),
    };
    let defaults = notify::NotifyConfig::default();
    let mut retry = defaults.retry;
    if let Some(n) = v.notify_backoff {
        if !(1..=MAX_TIMEOUT_SECS).contains(&n) {
            bail!(
                "{} must be between 1 and {MAX_TIMEOUT_SECS} seconds",
                setting("notify_backoff")
            );
        }
        retry.base = Duration::from_secs(n);
    }
    if let Some(n) = v.notify_attempts {
        if n == 0 {
            bail!("{} must be at least 1", setting("notify_attempts"));
        }
        retry.max_attempts = n;
    }
    let smtp = match &v.smtp_host {
        None => None,
        Some(host) => {
            let from = v.smtp_from.clone().with_context(|| {
                format!(
                    "{} is required with {}",
                    setting("smtp_from"),
                    setting("smtp_host")
                )
            })?;
            let tls = v
                .smtp_tls
                .as_deref()
                .unwrap_or("starttls")
                .parse::<server::transport::SmtpTls>()
                .map_err(|e| anyhow::anyhow!("{}: {e}", setting("smtp_tls")))?;
            let extra_roots = match &v.smtp_ca {
                Some(path) => Some(
                    std::fs::read(path)
                        .with_context(|| format!("{} {}", setting("smtp_ca"), path.display()))?,
                ),
                None => None,
            };
            Some(server::transport::SmtpSettings {
                host: host.clone(),
                port: v.smtp_port.unwrap_or(587),
                tls,
                from,
                username: v.smtp_username.clone(),
                password: v.smtp_password.as_ref().map(|p| p.expose().to_string()),
                extra_roots,
            })
        }
    };
    let config = notify::NotifyConfig {
        public_url: base_url,
        retry,
        lease: timeout * 2 + Duration::from_secs(2),
        ..defaults
    };
    Ok((config, server::transport::TransportConfig { timeout, smtp }))
}

/// The connection limits from the merged settings, with the connection cap kept well below
/// the open-file limit (raised to its hard limit first).
fn conn_limits(v: &config::ServeValues) -> anyhow::Result<server::ConnLimits> {
    let d = server::ConnLimits::default();
    let secs = |value: Option<u64>, name: &str, default: Duration| match value {
        Some(n) if !(1..=MAX_TIMEOUT_SECS).contains(&n) => bail!(
            "{} must be between 1 and {MAX_TIMEOUT_SECS} seconds",
            setting(name)
        ),
        Some(n) => Ok(Duration::from_secs(n)),
        None => Ok(default),
    };
    let configured = match v.max_connections {
        Some(0) => bail!("{} must be at least 1", setting("max_connections")),
        other => other,
    };
    let wanted = configured.unwrap_or(d.max_connections);
    let max_connections = match raise_open_file_limit() {
        Some(nofile) => {
            let budget = connection_budget(nofile);
            if wanted > budget && configured != Some(d.max_connections) {
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
        max_connections_per_ip: v.max_connections_per_ip.unwrap_or(d.max_connections_per_ip),
        header_timeout: secs(v.header_timeout, "header_timeout", d.header_timeout)?,
        idle_timeout: secs(v.idle_timeout, "idle_timeout", d.idle_timeout)?,
        write_timeout: secs(v.write_timeout, "write_timeout", d.write_timeout)?,
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

/// How often the retention rules of the ad registry and of breach reports run.
const RETENTION_EVERY: std::time::Duration = std::time::Duration::from_secs(3600);

/// One run of the retention rules at a time (seconds since the epoch).
type RetentionRun = dyn Fn(i64) -> Result<store::RetentionRun, ads::Error> + Send + Sync;

/// The ad registry's retention job: at start-up and every `every` it runs `run` at `now()` on
/// the worker facility `work` (the server's exports and imports), one run at a time. A full
/// queue is logged and the run retried at the next tick; the job ends when `work` shuts down.
struct RetentionJob {
    run: std::sync::Arc<RetentionRun>,
    work: hub::work::Workers,
    every: Duration,
    now: fn() -> i64,
}

impl RetentionJob {
    /// The hourly job of `ads` and `breaches` on `work`: breach reports past their retention
    /// period are purged (audited), then the ad registry's rules run.
    fn hourly(
        ads: ads::Ads,
        breaches: breaches::Breaches,
        work: hub::work::Workers,
    ) -> RetentionJob {
        RetentionJob {
            run: std::sync::Arc::new(move |now| {
                match breaches.purge_expired(now) {
                    Ok(ids) if !ids.is_empty() => {
                        tracing::info!(purged = ids.len(), "breach retention ran");
                    }
                    Ok(_) => {}
                    Err(e) => tracing::error!(error = %e, "breach retention failed"),
                }
                ads.run_ad_retention(now)
            }),
            work,
            every: RETENTION_EVERY,
            now: clock::now_secs,
        }
    }

    /// Runs the job until the worker facility shuts down.
    async fn run(self) {
        let mut tick = tokio::time::interval(self.every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let (tx, rx) = tokio::sync::oneshot::channel();
            let run = self.run.clone();
            let now = (self.now)();
            match self.work.try_submit(move |_stop| {
                let _ = tx.send(run(now));
            }) {
                Ok(()) => {}
                Err(busy) if busy.closing => return,
                Err(busy) => {
                    tracing::warn!(error = %busy, "ad retention did not run; retried at the next tick");
                    continue;
                }
            }
            match rx.await {
                Ok(Ok(run)) if run.hidden + run.purged > 0 => {
                    tracing::info!(
                        unpublished = run.hidden,
                        purged = run.purged,
                        "ad retention ran"
                    );
                }
                Ok(Ok(_)) => {}
                Ok(Err(e)) => tracing::error!(error = %e, "ad retention failed"),
                // Dropped unrun: the worker facility is shutting down.
                Err(_) => return,
            }
        }
    }
}

/// Signs an audit checkpoint at start-up and then every `every`, each only when the audit
/// log grew since the latest one.
async fn checkpoint_job(hub: hub::Hub, every: Duration) {
    let mut tick = tokio::time::interval(every);
    loop {
        tick.tick().await;
        let hub = hub.clone();
        match tokio::task::spawn_blocking(move || hub.audit_checkpoint_if_grown()).await {
            Ok(Ok(Some(c))) => {
                tracing::info!(size = c.size, root = %hex::encode(c.root), "audit checkpoint signed");
            }
            Ok(Ok(None)) => {}
            Ok(Err(e)) => tracing::error!(error = %e, "audit checkpoint failed"),
            Err(e) => tracing::error!(error = %e, "audit checkpoint task failed"),
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

    /// Retention runs on the worker facility at start-up and at every tick; while every
    /// worker is taken and the queue is full the tick is skipped, and the next one runs.
    #[tokio::test]
    async fn retention_runs_on_the_workers_and_a_busy_tick_is_retried() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let work = hub::work::Workers::new(
            "t",
            hub::work::WorkConfig {
                workers: 1,
                queue: 0,
            },
        );
        let runs = std::sync::Arc::new(AtomicUsize::new(0));
        let counted = runs.clone();
        let job = RetentionJob {
            run: std::sync::Arc::new(move |now| {
                assert_eq!(now, 1_000);
                counted.fetch_add(1, Ordering::SeqCst);
                Ok(store::RetentionRun::default())
            }),
            work: work.clone(),
            every: Duration::from_millis(50),
            now: || 1_000,
        };
        // Hold the only worker so the first ticks find the pool full.
        let (release, wait) = std::sync::mpsc::channel::<()>();
        work.try_submit(move |_| {
            let _ = wait.recv();
        })
        .unwrap();
        let handle = tokio::spawn(job.run());
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(
            runs.load(Ordering::SeqCst),
            0,
            "no run while the pool is full"
        );
        release.send(()).unwrap();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while runs.load(Ordering::SeqCst) < 2 {
            assert!(
                tokio::time::Instant::now() < deadline,
                "retention did not run again"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        // The job ends when the workers shut down.
        assert!(work.shutdown(Duration::from_secs(5)));
        tokio::time::timeout(Duration::from_secs(5), handle)
            .await
            .expect("the job ends with its workers")
            .unwrap();
    }

    #[test]
    fn the_connection_budget_stays_well_below_the_open_file_limit() {
        assert_eq!(connection_budget(1024), 768);
        assert_eq!(connection_budget(20_000), 15_000);
        assert_eq!(connection_budget(100), 1);
        assert!(connection_budget(1 << 20) < 1 << 20);
    }
}
