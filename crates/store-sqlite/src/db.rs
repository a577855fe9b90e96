//! Opening the database: pragmas, embedded migrations, the writer and the reader pool.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};
use store::{ObjectQuery, Result, StoreError};

use crate::util::backend;

/// The embedded migrations, in order; migration `i` brings the schema to version `i + 1`.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_init.sql"),
    include_str!("migrations/0002_banks.sql"),
    include_str!("migrations/0003_ads.sql"),
    include_str!("migrations/0004_ad_registry.sql"),
    include_str!("migrations/0005_object_state.sql"),
    include_str!("migrations/0006_account_audit.sql"),
    include_str!("migrations/0007_bank_names.sql"),
    include_str!("migrations/0008_detect.sql"),
    include_str!("migrations/0009_cases.sql"),
    include_str!("migrations/0010_bank_retired_indicators.sql"),
    include_str!("migrations/0011_alerts.sql"),
    include_str!("migrations/0012_notify.sql"),
    include_str!("migrations/0013_audit.sql"),
    include_str!("migrations/0014_case_alert.sql"),
    include_str!("migrations/0015_deadline_reminders.sql"),
    include_str!("migrations/0016_case_impacts.sql"),
    include_str!("migrations/0017_notices.sql"),
    include_str!("migrations/0018_case_page.sql"),
    include_str!("migrations/0019_domain_events.sql"),
    include_str!("migrations/0020_breaches.sql"),
    include_str!("migrations/0021_notices.sql"),
    include_str!("migrations/0022_notice_stats.sql"),
    include_str!("migrations/0023_notice_rechecks.sql"),
    include_str!("migrations/0024_sessions.sql"),
];

/// The schema version this binary writes (`PRAGMA user_version` after all migrations).
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// How long a connection waits for a lock held by another connection or process.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// The size in bytes the WAL file is truncated to after a checkpoint resets it (64 MiB;
/// with `wal_autocheckpoint` at 4000 pages the WAL normally stays near 16 MiB).
pub const JOURNAL_SIZE_LIMIT: i64 = 64 * 1024 * 1024;

/// How many idle reader connections are kept open.
const MAX_IDLE_READERS: usize = 8;

/// Every store trait on one SQLite file: one writer connection behind a mutex, a pool of readers.
pub struct SqliteStore {
    path: PathBuf,
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Creates or opens the database file at `path`, sets WAL (with a journal size limit),
    /// `synchronous=FULL`, foreign keys and a busy timeout, and runs the embedded migrations it still needs.
    ///
    /// Fails with `StoreError::Invalid` if the file was written by a newer rrm (its schema
    /// version is above [`SCHEMA_VERSION`]), and with `StoreError::Backend` if the file
    /// cannot be opened or is not a database.
    pub fn open(path: &Path) -> Result<SqliteStore> {
        let mut writer = Connection::open(path)
            .map_err(|e| backend(format!("cannot open database {}", path.display()), e))?;
        configure(&writer, path)?;
        let mode: String = writer
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .map_err(|e| backend(format!("cannot set WAL mode on {}", path.display()), e))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Backend(format!(
                "{}: journal mode is {mode:?}, WAL is required",
                path.display()
            )));
        }
        // Fewer, larger checkpoints: pages rewritten by consecutive batches are copied
        // into the database file once.
        writer
            .pragma_update(None, "wal_autocheckpoint", 4000)
            .map_err(|e| {
                backend(
                    format!("setting wal_autocheckpoint on {}", path.display()),
                    e,
                )
            })?;
        // After a checkpoint that resets the WAL, the file is truncated back to this size,
        // so a WAL that grew while a checkpoint could not finish does not stay large.
        writer
            .pragma_update(None, "journal_size_limit", JOURNAL_SIZE_LIMIT)
            .map_err(|e| {
                backend(
                    format!("setting journal_size_limit on {}", path.display()),
                    e,
                )
            })?;
        migrate(&mut writer, path)?;
        let store = SqliteStore {
            path: path.to_path_buf(),
            writer: Mutex::new(writer),
            readers: Mutex::new(Vec::new()),
        };
        store.write(|tx| crate::audit::backfill(tx))?;
        Ok(store)
    }

    /// The path of the database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version recorded in the file (`PRAGMA user_version`).
    pub fn schema_version(&self) -> Result<u32> {
        self.read(|c| {
            c.query_row("PRAGMA user_version", [], |r| r.get(0))
                .map_err(|e| backend("reading the schema version", e))
        })
    }

    /// The query plans SQLite chooses for the store's hot statements: paging through a
    /// collection, a scan shaped like `query`, and lookups by id and by (id, version).
    /// Each entry is a statement name and the `detail` lines of `EXPLAIN QUERY PLAN`.
    /// Meant for tests and diagnostics.
    pub fn query_plans(&self, query: &ObjectQuery) -> Result<Vec<(String, Vec<String>)>> {
        self.read(|c| crate::objects::query_plans(c, query))
    }

    /// Runs `f` in an immediate (write-locking) transaction on the writer connection and
    /// commits if it returns `Ok`; otherwise everything `f` wrote is rolled back.
    pub(crate) fn write<T>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        let mut conn = lock(&self.writer);
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| backend("beginning a write transaction", e))?;
        let out = f(&tx)?;
        tx.commit()
            .map_err(|e| backend("committing a write transaction", e))?;
        Ok(out)
    }

    /// Runs `f` on a reader connection from the pool (opening one if none is idle).
    pub(crate) fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let conn = match lock(&self.readers).pop() {
            Some(c) => c,
            None => self.open_reader()?,
        };
        let out = f(&conn);
        // A connection left inside a transaction (it should never be) is not reused.
        if conn.is_autocommit() {
            let mut idle = lock(&self.readers);
            if idle.len() < MAX_IDLE_READERS {
                idle.push(conn);
            }
        }
        out
    }

    fn open_reader(&self) -> Result<Connection> {
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(&self.path, flags).map_err(|e| {
            backend(
                format!("cannot open a reader on {}", self.path.display()),
                e,
            )
        })?;
        configure(&conn, &self.path)?;
        Ok(conn)
    }
}

/// Locks a mutex, recovering the data if a panicking thread poisoned it (every write is
/// a transaction that rolled back while unwinding, so the connection is consistent).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Per-connection settings.
fn configure(conn: &Connection, path: &Path) -> Result<()> {
    let at = |what: &str| format!("{what} on {}", path.display());
    conn.busy_timeout(BUSY_TIMEOUT)
        .map_err(|e| backend(at("setting the busy timeout"), e))?;
    conn.execute_batch(
        "PRAGMA synchronous = FULL;
         PRAGMA foreign_keys = ON;
         PRAGMA cache_size = -32768;
         PRAGMA mmap_size = 1073741824;
         PRAGMA temp_store = MEMORY;",
    )
    .map_err(|e| backend(at("setting pragmas"), e))?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(())
}

/// Brings the schema up to [`SCHEMA_VERSION`], one transaction per migration.
fn migrate(conn: &mut Connection, path: &Path) -> Result<()> {
    // Migrations that rebuild a table need foreign keys off (SQLite's documented procedure);
    // each one is checked with `foreign_key_check` before it commits.
    conn.pragma_update(None, "foreign_keys", false)
        .map_err(|e| backend("turning foreign keys off to migrate", e))?;
    let out = migrate_steps(conn, path);
    conn.pragma_update(None, "foreign_keys", true)
        .map_err(|e| backend("turning foreign keys back on", e))?;
    out
}

fn migrate_steps(conn: &mut Connection, path: &Path) -> Result<()> {
    loop {
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| backend(format!("cannot lock {} to migrate it", path.display()), e))?;
        let version: u32 = tx
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| {
                backend(
                    format!("{} is not a readable SQLite database", path.display()),
                    e,
                )
            })?;
        if version > SCHEMA_VERSION {
            return Err(StoreError::Invalid(format!(
                "database {} has schema version {version}, newer than the {SCHEMA_VERSION} \
                 this rrm binary knows; upgrade rrm to open it",
                path.display()
            )));
        }
        let Some(sql) = MIGRATIONS.get(version as usize) else {
            return Ok(());
        };
        let next = version + 1;
        tx.execute_batch(sql).map_err(|e| {
            backend(
                format!(
                    "migration to schema version {next} failed on {}",
                    path.display()
                ),
                e,
            )
        })?;
        let dangling: i64 = tx
            .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
                r.get(0)
            })
            .map_err(|e| backend("checking foreign keys after a migration", e))?;
        if dangling > 0 {
            return Err(StoreError::Backend(format!(
                "migration to schema version {next} on {} left {dangling} row(s) with a \
                 dangling foreign key",
                path.display()
            )));
        }
        tx.pragma_update(None, "user_version", next)
            .map_err(|e| backend("recording the schema version", e))?;
        tx.commit().map_err(|e| {
            backend(
                format!("committing migration {next} on {}", path.display()),
                e,
            )
        })?;
    }
}
