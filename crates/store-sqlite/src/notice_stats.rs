//! The notices sent in a period, with their times and items, for response-time statistics.

use rusqlite::{params, Connection, Row};
use store::{NoticeTiming, Result, TimingScope};

use crate::util::backend;
use crate::SqliteStore;

/// The columns of one timing: the item count is the length of the content's `items`, the
/// actioned count read from the decisions through their `(notice_id, item)` key.
const TIMING_COLS: &str = "n.id, n.sender_org_id, n.recipient_org_id, n.tlp, n.sent_at, \
     n.acknowledged_at, n.decided_at, COALESCE(json_array_length(n.content, '$.items'), 0), \
     (SELECT COUNT(*) FROM notice_decisions d WHERE d.notice_id = n.id AND d.outcome = 'actioned')";

/// The notices an organisation (`?1`) sent, then those it received from others, sent in
/// `[?2, ?3)`.
fn party_sql() -> String {
    format!(
        "SELECT {TIMING_COLS} FROM notices n INDEXED BY notices_sent_by_sender \
         WHERE n.sender_org_id = ?1 AND n.sent_at >= ?2 AND n.sent_at < ?3 \
         UNION ALL \
         SELECT {TIMING_COLS} FROM notices n INDEXED BY notices_sent_by_recipient \
         WHERE n.recipient_org_id = ?1 AND n.sender_org_id <> ?1 \
         AND n.sent_at >= ?2 AND n.sent_at < ?3"
    )
}

/// Every notice sent in `[?1, ?2)`.
fn all_sql() -> String {
    format!(
        "SELECT {TIMING_COLS} FROM notices n INDEXED BY notices_sent \
         WHERE n.sent_at >= ?1 AND n.sent_at < ?2"
    )
}

fn timing_from_row(r: &Row<'_>) -> rusqlite::Result<NoticeTiming> {
    let count = |i: usize| -> rusqlite::Result<u32> {
        let n: i64 = r.get(i)?;
        Ok(u32::try_from(n.max(0)).unwrap_or(u32::MAX))
    };
    Ok(NoticeTiming {
        id: r.get(0)?,
        sender_org_id: r.get(1)?,
        recipient_org_id: r.get(2)?,
        tlp: r.get(3)?,
        sent_at: r.get(4)?,
        acknowledged_at: r.get(5)?,
        decided_at: r.get(6)?,
        items: count(7)?,
        items_actioned: count(8)?,
    })
}

/// The timings `scope` selects, by recipient, then send time, then id.
pub(crate) fn notice_timings(
    c: &Connection,
    scope: TimingScope,
    from: i64,
    to: i64,
) -> Result<Vec<NoticeTiming>> {
    let err = |e| backend("reading notice timings", e);
    let mut out = match scope {
        TimingScope::Party(org) => {
            let mut st = c.prepare_cached(&party_sql()).map_err(err)?;
            let rows = st
                .query_map(params![org, from, to], timing_from_row)
                .map_err(err)?;
            rows.collect::<rusqlite::Result<Vec<_>>>().map_err(err)?
        }
        TimingScope::All => {
            let mut st = c.prepare_cached(&all_sql()).map_err(err)?;
            let rows = st
                .query_map(params![from, to], timing_from_row)
                .map_err(err)?;
            rows.collect::<rusqlite::Result<Vec<_>>>().map_err(err)?
        }
    };
    out.sort_by(|a, b| {
        (a.recipient_org_id, a.sent_at, &a.id).cmp(&(b.recipient_org_id, b.sent_at, &b.id))
    });
    Ok(out)
}

fn plan(c: &Connection, sql: &str, args: impl rusqlite::Params) -> Result<Vec<String>> {
    let mut st = c
        .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
        .map_err(|e| backend("planning notice timings", e))?;
    let rows = st
        .query_map(args, |r| r.get::<_, String>(3))
        .map_err(|e| backend("planning notice timings", e))?;
    rows.collect::<rusqlite::Result<Vec<_>>>()
        .map_err(|e| backend("planning notice timings", e))
}

impl SqliteStore {
    /// The query plans SQLite chooses for the notice timings of one party and of everyone
    /// (`detail` lines of `EXPLAIN QUERY PLAN`). Meant for tests and diagnostics.
    pub fn notice_timing_plans(&self) -> Result<Vec<(String, Vec<String>)>> {
        self.read(|c| {
            Ok(vec![
                (
                    "party".to_string(),
                    plan(c, &party_sql(), params![1, 0, 1])?,
                ),
                ("all".to_string(), plan(c, &all_sql(), params![0, 1])?),
            ])
        })
    }
}
