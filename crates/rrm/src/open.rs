//! Opening the data directory: the SQLite store, the instance secret and the hub over them.

use std::fs;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use anyhow::{bail, Context};
use rand::RngCore;

use crate::config::Settings;

/// The database file inside the data directory.
pub const DB_FILE: &str = "rrm.db";
/// The file holding the instance's 32-byte secret (paging cursor MAC key).
pub const KEY_FILE: &str = "instance.key";
/// The file holding the instance's ed25519 signing key (its 32-byte seed) for audit
/// checkpoints; outside the database, so a copy of the database alone cannot forge one.
pub const AUDIT_KEY_FILE: &str = "audit.key";

/// Opens (creating if needed) the data directory and returns the hub over its store.
pub fn hub(settings: &Settings, default_tlp: Option<stix::Tlp>) -> anyhow::Result<hub::Hub> {
    Ok(open(settings, default_tlp)?.0)
}

/// What `rrm serve` sets in the services besides the data directory.
pub struct ServiceOptions<'a> {
    /// The TLP of objects that carry no marking, if the operator set one.
    pub default_tlp: Option<stix::Tlp>,
    /// Notification delivery settings.
    pub notify: notify::NotifyConfig,
    /// The DISARM galaxies (a directory or the countermeasure file), if configured.
    pub galaxy: Option<&'a Path>,
    /// The collection of published joint statements, if configured.
    pub statements: Option<String>,
    /// Days breach reports are kept (`--breach-retention-days`), at least
    /// [`breaches::MIN_RETENTION_DAYS`].
    pub breach_retention_days: i64,
}

/// The hub and every service over the data directory's store (what `rrm serve` runs), and
/// the relay of their stored notices into the notification outbox, which the services wake
/// after each committed change.
pub fn services(
    settings: &Settings,
    options: ServiceOptions<'_>,
) -> anyhow::Result<(server::Services, crate::bridge::Relay)> {
    let (hub, store) = open(settings, options.default_tlp)?;
    let notify = notify::Notifier::new(store.clone(), options.notify);
    let relay = crate::bridge::Relay::new(notify.clone());
    let cases = match options.galaxy {
        Some(path) => cases::Cases::new(hub.clone(), store.clone(), read_galaxy(path)?),
        None => cases::Cases::without_galaxy(hub.clone(), store.clone()),
    }
    .with_statements(options.statements)
    .with_alerts(store.clone())
    .with_notifier(std::sync::Arc::new(relay.clone()));
    let banks =
        banks::Banks::new(hub.clone(), store.clone()).context("cannot load the hash banks")?;
    let ads = ads::Ads::new(hub.clone(), store.clone());
    let alerts = alerts::Alerts::new(hub.clone(), store.clone());
    alerts.set_notifier(std::sync::Arc::new(relay.clone()));
    let breaches = breaches::Breaches::new(hub.clone(), store.clone())
        .with_retention_days(options.breach_retention_days)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let notices = notices::Notices::new(hub.clone(), store.clone())
        .with_cases(store.clone())
        .with_notifier(std::sync::Arc::new(relay.clone()));
    Ok((
        server::Services {
            hub,
            banks,
            ads,
            detect_store: store,
            alerts,
            notify,
            cases,
            breaches,
            notices,
        },
        relay,
    ))
}

/// The response case service over the data directory's store (for `rrm case`), with the
/// countermeasure galaxy at `galaxy` when given.
pub fn cases(settings: &Settings, galaxy: Option<&Path>) -> anyhow::Result<cases::Cases> {
    let (hub, store) = open(settings, None)?;
    Ok(match galaxy {
        Some(path) => cases::Cases::new(hub, store.clone(), read_galaxy(path)?),
        None => cases::Cases::without_galaxy(hub, store.clone()),
    }
    .with_alerts(store))
}

/// The breach report service over the data directory's store (for `rrm breach`).
pub fn breaches(settings: &Settings) -> anyhow::Result<(hub::Hub, breaches::Breaches)> {
    let (hub, store) = open(settings, None)?;
    Ok((hub.clone(), breaches::Breaches::new(hub, store)))
}

/// The notices service over the data directory's store (for `rrm notice`). Events it stores are
/// relayed by the next `rrm serve`.
pub fn notices(settings: &Settings) -> anyhow::Result<notices::Notices> {
    let (hub, store) = open(settings, None)?;
    let banks =
        banks::Banks::new(hub.clone(), store.clone()).context("cannot load the hash banks")?;
    let detections =
        detect::Detections::new(hub.clone(), store.clone(), detect::DetectLimits::default());
    Ok(notices::Notices::new(hub, store.clone())
        .with_cases(store)
        .with_banks(banks)
        .with_detections(detections))
}

/// The MISP countermeasure galaxy file itself: `path`, or the
/// `misp-galaxy-disarm-countermeasures.json` inside the directory `path`.
pub fn galaxy_file(path: &Path) -> std::path::PathBuf {
    if path.is_dir() {
        path.join(GALAXY_FILE)
    } else {
        path.to_path_buf()
    }
}

/// The countermeasure galaxy's file name inside a directory of MISP galaxies.
pub const GALAXY_FILE: &str = "misp-galaxy-disarm-countermeasures.json";

/// Reads and parses the DISARM countermeasure galaxy named by `--disarm-galaxy`.
fn read_galaxy(path: &Path) -> anyhow::Result<response::counters::CounterGalaxy> {
    let file = galaxy_file(path);
    let text = fs::read_to_string(&file).with_context(|| {
        format!(
            "cannot read the DISARM countermeasure galaxy {} (--disarm-galaxy)",
            file.display()
        )
    })?;
    response::counters::CounterGalaxy::parse(&text).with_context(|| {
        format!(
            "invalid DISARM countermeasure galaxy {} (--disarm-galaxy)",
            file.display()
        )
    })
}

/// The hub and the notification service over the data directory's store (for `rrm notify`);
/// links in notifications start with `public_url`.
pub fn notifier(
    settings: &Settings,
    public_url: String,
) -> anyhow::Result<(hub::Hub, notify::Notifier)> {
    let (hub, store) = open(settings, None)?;
    let config = notify::NotifyConfig {
        public_url,
        ..notify::NotifyConfig::default()
    };
    Ok((hub, notify::Notifier::new(store, config)))
}

/// The ad registry over the data directory's store (for `rrm ads`).
pub fn ads(settings: &Settings) -> anyhow::Result<ads::Ads> {
    let (hub, store) = open(settings, None)?;
    Ok(ads::Ads::new(hub, store))
}

/// The alerts service over the data directory's store (for `rrm alert`).
pub fn alerts(settings: &Settings) -> anyhow::Result<(hub::Hub, alerts::Alerts)> {
    let (hub, store) = open(settings, None)?;
    Ok((hub.clone(), alerts::Alerts::new(hub, store)))
}

/// Opens the store and the hub over it; the store is returned for the service crates.
fn open(
    settings: &Settings,
    default_tlp: Option<stix::Tlp>,
) -> anyhow::Result<(hub::Hub, Arc<store_sqlite::SqliteStore>)> {
    let dir = &settings.data;
    create_private_dir(dir)?;
    let db = dir.join(DB_FILE);
    let store = store_sqlite::SqliteStore::open(&db)
        .with_context(|| format!("cannot open the database {}", db.display()))?;
    let cursor_key = instance_key(
        &dir.join(KEY_FILE),
        "open paging cursors then become invalid",
    )?;
    let audit_key = instance_key(
        &dir.join(AUDIT_KEY_FILE),
        "the audit checkpoints signed so far then fail `rrm audit verify`",
    )?;
    let config = hub::HubConfig {
        default_tlp: default_tlp.unwrap_or(stix::Tlp::Amber),
        max_page: 1000,
        status_retention_secs: hub::DEFAULT_STATUS_RETENTION_SECS,
        cursor_key,
        audit_key,
    };
    let store = Arc::new(store);
    let hub = hub::Hub::new(store.clone(), config).context("cannot start the hub")?;
    Ok((hub, store))
}

fn create_private_dir(dir: &Path) -> anyhow::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder
        .create(dir)
        .with_context(|| format!("cannot create the data directory {}", dir.display()))
}

/// Reads a 32-byte instance key, creating it (mode 0600) on first use; `loss` says what
/// deleting it costs.
fn instance_key(path: &Path, loss: &str) -> anyhow::Result<[u8; 32]> {
    match fs::read(path) {
        Ok(bytes) => {
            let key: [u8; 32] = bytes.as_slice().try_into().map_err(|_| {
                anyhow::anyhow!(
                    "{} holds {} bytes, expected 32: restore it from a backup or delete it \
                     ({loss})",
                    path.display(),
                    bytes.len()
                )
            })?;
            Ok(key)
        }
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            let mut key = [0u8; 32];
            rand::rngs::OsRng.fill_bytes(&mut key);
            let mut options = fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                options.mode(0o600);
            }
            let mut file = options
                .open(path)
                .with_context(|| format!("cannot create {}", path.display()))?;
            file.write_all(&key)
                .and_then(|()| file.sync_all())
                .with_context(|| format!("cannot write {}", path.display()))?;
            Ok(key)
        }
        Err(err) => bail!("cannot read {}: {err}", path.display()),
    }
}

/// Installs the tracing subscriber: logs go to stderr, as text or JSON lines.
pub fn init_logging(settings: &Settings) -> anyhow::Result<()> {
    let filter = tracing_subscriber::EnvFilter::try_new(&settings.log)
        .with_context(|| format!("invalid log filter {:?}", settings.log))?;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let result = if settings.log_json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
    result.map_err(|e| anyhow::anyhow!("cannot install the logger: {e}"))
}
