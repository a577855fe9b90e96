//! The SQLite backend of `store::SessionStore`: the web console's sessions.

use rusqlite::{params, OptionalExtension, Row};
use store::{NewAudit, NewSession, Result, SessionRecord, SessionStore};

use crate::accounts::append_audit;
use crate::util::backend;
use crate::SqliteStore;

const COLUMNS: &str =
    "id, secret_hash, user_id, created, last_seen, idle_expires, expires, user_agent, address";

fn record(r: &Row<'_>) -> rusqlite::Result<SessionRecord> {
    Ok(SessionRecord {
        id: r.get(0)?,
        secret_hash: r.get(1)?,
        user_id: r.get(2)?,
        created: r.get(3)?,
        last_seen: r.get(4)?,
        idle_expires: r.get(5)?,
        expires: r.get(6)?,
        user_agent: r.get(7)?,
        address: r.get(8)?,
    })
}

impl SessionStore for SqliteStore {
    fn add_session(&self, new: &NewSession, audit: &NewAudit) -> Result<()> {
        self.write(|tx| {
            tx.prepare_cached(
                "INSERT INTO sessions (id, secret_hash, user_id, created, last_seen, idle_expires, \
                 expires, user_agent, address) VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?6, ?7, ?8)",
            )
            .and_then(|mut st| {
                st.execute(params![
                    new.id,
                    new.secret_hash,
                    new.user_id,
                    new.created,
                    new.idle_expires,
                    new.expires,
                    new.user_agent,
                    new.address
                ])
            })
            .map_err(|e| backend("storing a session", e))?;
            append_audit(tx, audit)
        })
    }

    fn session_by_secret(&self, secret_hash: &str) -> Result<Option<SessionRecord>> {
        self.read(|c| {
            c.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM sessions WHERE secret_hash = ?1"
            ))
            .and_then(|mut st| st.query_row([secret_hash], record).optional())
            .map_err(|e| backend("reading a session", e))
        })
    }

    fn touch_session(&self, id: &str, last_seen: i64, idle_expires: i64) -> Result<bool> {
        self.write(|tx| {
            let n = tx
                .prepare_cached(
                    "UPDATE sessions SET last_seen = ?2, idle_expires = MIN(?3, expires) \
                     WHERE id = ?1",
                )
                .and_then(|mut st| st.execute(params![id, last_seen, idle_expires]))
                .map_err(|e| backend("touching a session", e))?;
            Ok(n == 1)
        })
    }

    fn delete_session(&self, id: &str, audit: &NewAudit) -> Result<bool> {
        self.write(|tx| {
            let n = tx
                .prepare_cached("DELETE FROM sessions WHERE id = ?1")
                .and_then(|mut st| st.execute([id]))
                .map_err(|e| backend("deleting a session", e))?;
            if n == 1 {
                append_audit(tx, audit)?;
            }
            Ok(n == 1)
        })
    }

    fn delete_user_sessions(&self, user_id: i64, keep: Option<&str>) -> Result<u64> {
        self.write(|tx| {
            let n = tx
                .prepare_cached("DELETE FROM sessions WHERE user_id = ?1 AND id IS NOT ?2")
                .and_then(|mut st| st.execute(params![user_id, keep]))
                .map_err(|e| backend("deleting a user's sessions", e))?;
            Ok(n as u64)
        })
    }

    fn user_sessions(&self, user_id: i64, now: i64, limit: usize) -> Result<Vec<SessionRecord>> {
        self.read(|c| {
            let mut st = c
                .prepare_cached(&format!(
                    "SELECT {COLUMNS} FROM sessions WHERE user_id = ?1 AND expires > ?2 \
                     AND idle_expires > ?2 ORDER BY created DESC, id LIMIT ?3"
                ))
                .map_err(|e| backend("listing sessions", e))?;
            let rows = st
                .query_map(params![user_id, now, limit as i64], record)
                .map_err(|e| backend("listing sessions", e))?;
            rows.collect::<rusqlite::Result<Vec<_>>>()
                .map_err(|e| backend("listing sessions", e))
        })
    }

    fn purge_sessions(&self, now: i64) -> Result<u64> {
        self.write(|tx| {
            let n = tx
                .prepare_cached("DELETE FROM sessions WHERE expires <= ?1 OR idle_expires <= ?1")
                .and_then(|mut st| st.execute([now]))
                .map_err(|e| backend("purging sessions", e))?;
            Ok(n as u64)
        })
    }
}
