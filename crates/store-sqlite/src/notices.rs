//! Notices to platforms and ISPs in SQLite (`store::NoticeStore`).

use rusqlite::{params, OptionalExtension, Row, Transaction};
use store::{
    Conclusion, DecisionRecord, NewAudit, NewDomainEvent, NoticeChange, NoticePageRow,
    NoticeRecord, NoticeStore, RecheckRecord, Result, StoreError,
};

use crate::accounts::append_audit;
use crate::domain_events::insert_domain_events;
use crate::util::{backend, insert_error};
use crate::SqliteStore;

const NOTICE_COLS: &str = "id, root_id, version, previous_id, kind, sender_org_id, \
     recipient_org_id, tlp, status, outcome, content, case_id, action_id, respond_by, \
     created_by, approved_by, sent_by, frozen, content_hash, inbox_seq, created, updated, \
     sent_at, delivered_at, acknowledged_at, decided_at, appeal, appealed_at, answer, \
     answer_explanation, answered_at";
const DECISION_COLS: &str = "notice_id, item, outcome, statement, puid, sender_org_id, \
     recipient_org_id, decided_by, decided_at, seq";
/// The statuses a respond-by time still applies to.
const OPEN_STATUSES: &str = "('draft', 'approved', 'sent', 'delivered', 'under-review')";

fn notice_from_row(r: &Row<'_>) -> rusqlite::Result<NoticeRecord> {
    Ok(NoticeRecord {
        id: r.get(0)?,
        root_id: r.get(1)?,
        version: r.get(2)?,
        previous_id: r.get(3)?,
        kind: r.get(4)?,
        sender_org_id: r.get(5)?,
        recipient_org_id: r.get(6)?,
        tlp: r.get(7)?,
        status: r.get(8)?,
        outcome: r.get(9)?,
        content: r.get(10)?,
        case_id: r.get(11)?,
        action_id: r.get(12)?,
        respond_by: r.get(13)?,
        created_by: r.get(14)?,
        approved_by: r.get(15)?,
        sent_by: r.get(16)?,
        frozen: r.get(17)?,
        content_hash: r.get(18)?,
        inbox_seq: r.get(19)?,
        created: r.get(20)?,
        updated: r.get(21)?,
        sent_at: r.get(22)?,
        delivered_at: r.get(23)?,
        acknowledged_at: r.get(24)?,
        decided_at: r.get(25)?,
        appeal: r.get(26)?,
        appealed_at: r.get(27)?,
        answer: r.get(28)?,
        answer_explanation: r.get(29)?,
        answered_at: r.get(30)?,
    })
}

fn decision_from_row(r: &Row<'_>) -> rusqlite::Result<DecisionRecord> {
    Ok(DecisionRecord {
        notice_id: r.get(0)?,
        item: r.get(1)?,
        outcome: r.get(2)?,
        statement: r.get(3)?,
        puid: r.get(4)?,
        sender_org_id: r.get(5)?,
        recipient_org_id: r.get(6)?,
        decided_by: r.get(7)?,
        decided_at: r.get(8)?,
        seq: r.get(9)?,
    })
}

fn list<T>(
    c: &rusqlite::Connection,
    sql: &str,
    args: impl rusqlite::Params,
    f: fn(&Row<'_>) -> rusqlite::Result<T>,
    what: &str,
) -> Result<Vec<T>> {
    c.prepare_cached(sql)
        .and_then(|mut st| st.query_map(args, f)?.collect::<rusqlite::Result<Vec<_>>>())
        .map_err(|e| backend(what, e))
}

fn limit(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn create(tx: &Transaction<'_>, n: &NoticeRecord, audit: &NewAudit) -> Result<()> {
    tx.execute(
        &format!(
            "INSERT INTO notices ({NOTICE_COLS}, seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, \
             ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, \
             ?25, ?26, ?27, ?28, ?29, ?30, ?31, (SELECT coalesce(max(seq), 0) + 1 FROM notices))"
        ),
        params![
            n.id,
            n.root_id,
            n.version,
            n.previous_id,
            n.kind,
            n.sender_org_id,
            n.recipient_org_id,
            n.tlp,
            n.status,
            n.outcome,
            n.content,
            n.case_id,
            n.action_id,
            n.respond_by,
            n.created_by,
            n.approved_by,
            n.sent_by,
            n.frozen,
            n.content_hash,
            n.inbox_seq,
            n.created,
            n.updated,
            n.sent_at,
            n.delivered_at,
            n.acknowledged_at,
            n.decided_at,
            n.appeal,
            n.appealed_at,
            n.answer,
            n.answer_explanation,
            n.answered_at
        ],
    )
    .map_err(|e| {
        insert_error(
            |msg| {
                if msg.contains("previous_id") {
                    format!(
                        "a correction of notice '{}'",
                        n.previous_id.as_deref().unwrap_or_default()
                    )
                } else {
                    format!("notice '{}'", n.id)
                }
            },
            e,
        )
    })?;
    append_audit(tx, audit)
}

fn change(
    tx: &Transaction<'_>,
    c: &NoticeChange,
    audit: &NewAudit,
    events: &[NewDomainEvent],
) -> Result<bool> {
    let (sent_by, frozen, hash) = match &c.sent {
        Some(s) => (Some(s.by), Some(s.frozen.as_str()), Some(s.hash.as_str())),
        None => (None, None, None),
    };
    let (answer, explanation) = match &c.answer {
        Some((a, e)) => (Some(a.as_str()), Some(e.as_str())),
        None => (None, None),
    };
    let applied = tx
        .execute(
            "UPDATE notices SET status = ?3, updated = ?4, \
             approved_by = coalesce(?5, approved_by), \
             sent_by = coalesce(?6, sent_by), frozen = coalesce(?7, frozen), \
             content_hash = coalesce(?8, content_hash), \
             sent_at = CASE WHEN ?6 IS NULL THEN sent_at ELSE ?4 END, \
             inbox_seq = CASE WHEN ?6 IS NULL THEN inbox_seq ELSE \
                 (SELECT coalesce(max(inbox_seq), 0) + 1 FROM notices) END, \
             delivered_at = CASE WHEN ?9 THEN coalesce(delivered_at, ?4) ELSE delivered_at END, \
             acknowledged_at = CASE WHEN ?10 THEN ?4 ELSE acknowledged_at END, \
             appeal = coalesce(?11, appeal), \
             appealed_at = CASE WHEN ?11 IS NULL THEN appealed_at ELSE ?4 END, \
             answer = coalesce(?12, answer), \
             answer_explanation = coalesce(?13, answer_explanation), \
             answered_at = CASE WHEN ?12 IS NULL THEN answered_at ELSE ?4 END \
             WHERE id = ?1 AND status = ?2",
            params![
                c.id,
                c.from,
                c.to,
                c.now,
                c.approved_by,
                sent_by,
                frozen,
                hash,
                c.delivered,
                c.acknowledged,
                c.appeal,
                answer,
                explanation
            ],
        )
        .map(|n| n == 1)
        .map_err(|e| backend("changing a notice's status", e))?;
    if applied {
        insert_domain_events(tx, events)?;
        append_audit(tx, audit)?;
    }
    Ok(applied)
}

fn add_decisions(
    tx: &Transaction<'_>,
    notice_id: &str,
    expected_status: &str,
    decisions: &[DecisionRecord],
    audit: &NewAudit,
    conclude: &dyn Fn(&[DecisionRecord]) -> Option<Conclusion>,
) -> Result<bool> {
    let status: Option<String> = tx
        .query_row(
            "SELECT status FROM notices WHERE id = ?1",
            [notice_id],
            |r| r.get(0),
        )
        .optional()
        .map_err(|e| backend("reading a notice's status", e))?;
    match status {
        None => return Err(StoreError::NotFound(format!("notice '{notice_id}'"))),
        Some(s) if s != expected_status => return Ok(false),
        Some(_) => {}
    }
    for d in decisions {
        tx.execute(
            "INSERT INTO notice_decisions (notice_id, item, outcome, statement, puid, \
             sender_org_id, recipient_org_id, decided_by, decided_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                notice_id,
                d.item,
                d.outcome,
                d.statement,
                d.puid,
                d.sender_org_id,
                d.recipient_org_id,
                d.decided_by,
                d.decided_at
            ],
        )
        .map_err(|e| insert_error(|_| format!("a decision on item {}", d.item), e))?;
    }
    append_audit(tx, audit)?;
    let all = list(
        tx,
        &format!("SELECT {DECISION_COLS} FROM notice_decisions WHERE notice_id = ?1 ORDER BY item"),
        [notice_id],
        decision_from_row,
        "listing a notice's decisions",
    )?;
    if let Some(c) = conclude(&all) {
        let now = decisions.last().map_or(0, |d| d.decided_at);
        let applied = tx
            .execute(
                "UPDATE notices SET status = ?3, outcome = ?4, decided_at = ?5, updated = ?5 \
                 WHERE id = ?1 AND status = ?2",
                params![notice_id, expected_status, c.to, c.outcome, now],
            )
            .map(|n| n == 1)
            .map_err(|e| backend("concluding a notice", e))?;
        if applied {
            insert_domain_events(tx, &c.events)?;
            append_audit(tx, &c.audit)?;
        }
    }
    Ok(true)
}

/// The paged reads of notices, by name, with their SQL and sample parameters.
const PAGED: &[(&str, &str)] = &[
    (
        "inbox",
        "SELECT id FROM notices WHERE recipient_org_id = ?1 AND inbox_seq > ?2 \
         ORDER BY inbox_seq LIMIT ?3",
    ),
    (
        "outbox",
        "SELECT id FROM notices WHERE sender_org_id = ?1 AND seq < ?2 ORDER BY seq DESC LIMIT ?3",
    ),
    (
        "statements",
        "SELECT seq FROM notice_decisions WHERE recipient_org_id = ?1 \
         AND statement IS NOT NULL AND seq > ?2 ORDER BY seq LIMIT ?3",
    ),
];

impl SqliteStore {
    /// The query plans SQLite chooses for the inbox, outbox and statement pages (`detail`
    /// lines of `EXPLAIN QUERY PLAN`). Meant for tests and diagnostics.
    pub fn notice_query_plans(&self) -> Result<Vec<(String, Vec<String>)>> {
        self.read(|c| {
            let mut out = Vec::new();
            for (name, sql) in PAGED {
                let lines = c
                    .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
                    .and_then(|mut st| {
                        st.query_map(params![1, 0, 50], |r| r.get::<_, String>(3))?
                            .collect::<rusqlite::Result<Vec<_>>>()
                    })
                    .map_err(|e| backend("planning a notice page", e))?;
                out.push(((*name).to_string(), lines));
            }
            Ok(out)
        })
    }
}

impl NoticeStore for SqliteStore {
    fn create_notice(&self, notice: &NoticeRecord, audit: &NewAudit) -> Result<()> {
        self.write(|tx| create(tx, notice, audit))
    }

    fn notice(&self, id: &str) -> Result<Option<NoticeRecord>> {
        self.read(|c| {
            c.query_row(
                &format!("SELECT {NOTICE_COLS} FROM notices WHERE id = ?1"),
                [id],
                notice_from_row,
            )
            .optional()
            .map_err(|e| backend("reading a notice", e))
        })
    }

    fn versions(&self, root_id: &str) -> Result<Vec<NoticeRecord>> {
        self.read(|c| {
            list(
                c,
                &format!("SELECT {NOTICE_COLS} FROM notices WHERE root_id = ?1 ORDER BY version"),
                [root_id],
                notice_from_row,
                "listing a notice's versions",
            )
        })
    }

    fn outbox_page(
        &self,
        org_id: i64,
        before: Option<i64>,
        n: usize,
    ) -> Result<Vec<NoticePageRow>> {
        self.read(|c| {
            c.prepare_cached(&format!(
                "SELECT {NOTICE_COLS}, seq FROM notices WHERE sender_org_id = ?1 AND seq < ?2 \
                 ORDER BY seq DESC LIMIT ?3"
            ))
            .and_then(|mut st| {
                st.query_map(params![org_id, before.unwrap_or(i64::MAX), limit(n)], |r| {
                    Ok(NoticePageRow {
                        key: r.get(31)?,
                        notice: notice_from_row(r)?,
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()
            })
            .map_err(|e| backend("paging the outbox", e))
        })
    }

    fn inbox_page(&self, org_id: i64, after: i64, n: usize) -> Result<Vec<NoticeRecord>> {
        self.read(|c| {
            list(
                c,
                &format!(
                    "SELECT {NOTICE_COLS} FROM notices WHERE recipient_org_id = ?1 \
                     AND inbox_seq > ?2 ORDER BY inbox_seq LIMIT ?3"
                ),
                params![org_id, after, limit(n)],
                notice_from_row,
                "paging an inbox",
            )
        })
    }

    fn change_notice(
        &self,
        c: &NoticeChange,
        audit: &NewAudit,
        events: &[NewDomainEvent],
    ) -> Result<bool> {
        self.write(|tx| change(tx, c, audit, events))
    }

    fn add_decisions(
        &self,
        notice_id: &str,
        expected_status: &str,
        decisions: &[DecisionRecord],
        audit: &NewAudit,
        conclude: &dyn Fn(&[DecisionRecord]) -> Option<Conclusion>,
    ) -> Result<bool> {
        self.write(|tx| add_decisions(tx, notice_id, expected_status, decisions, audit, conclude))
    }

    fn decisions(&self, notice_id: &str) -> Result<Vec<DecisionRecord>> {
        self.read(|c| {
            list(
                c,
                &format!(
                    "SELECT {DECISION_COLS} FROM notice_decisions WHERE notice_id = ?1 ORDER BY item"
                ),
                [notice_id],
                decision_from_row,
                "listing a notice's decisions",
            )
        })
    }

    fn decisions_by_puid(&self, puid: &str) -> Result<Vec<DecisionRecord>> {
        self.read(|c| {
            list(
                c,
                &format!(
                    "SELECT {DECISION_COLS} FROM notice_decisions WHERE puid = ?1 ORDER BY seq"
                ),
                [puid],
                decision_from_row,
                "finding decisions by puid",
            )
        })
    }

    fn statements_page(&self, org_id: i64, after: i64, n: usize) -> Result<Vec<DecisionRecord>> {
        self.read(|c| {
            list(
                c,
                &format!(
                    "SELECT {DECISION_COLS} FROM notice_decisions WHERE recipient_org_id = ?1 \
                     AND statement IS NOT NULL AND seq > ?2 ORDER BY seq LIMIT ?3"
                ),
                params![org_id, after, limit(n)],
                decision_from_row,
                "paging statements of reasons",
            )
        })
    }

    fn set_authority(&self, org_id: i64, on: bool, now: i64, audit: &NewAudit) -> Result<bool> {
        self.write(|tx| {
            let changed = if on {
                tx.execute(
                    "INSERT OR IGNORE INTO notice_authorities (org_id, set_at) VALUES (?1, ?2)",
                    params![org_id, now],
                )
            } else {
                tx.execute("DELETE FROM notice_authorities WHERE org_id = ?1", [org_id])
            }
            .map(|n| n == 1)
            .map_err(|e| backend("marking a competent authority", e))?;
            if changed {
                append_audit(tx, audit)?;
            }
            Ok(changed)
        })
    }

    fn is_authority(&self, org_id: i64) -> Result<bool> {
        self.read(|c| {
            c.query_row(
                "SELECT 1 FROM notice_authorities WHERE org_id = ?1",
                [org_id],
                |_| Ok(()),
            )
            .optional()
            .map(|x| x.is_some())
            .map_err(|e| backend("reading a competent authority", e))
        })
    }

    fn authorities(&self) -> Result<Vec<i64>> {
        self.read(|c| {
            list(
                c,
                "SELECT org_id FROM notice_authorities ORDER BY org_id",
                [],
                |r| r.get(0),
                "listing competent authorities",
            )
        })
    }

    fn notices_due(&self, until: i64, n: usize) -> Result<Vec<NoticeRecord>> {
        self.read(|c| {
            list(
                c,
                &format!(
                    "SELECT {NOTICE_COLS} FROM notices WHERE respond_by IS NOT NULL \
                     AND respond_by <= ?1 AND status IN {OPEN_STATUSES} \
                     ORDER BY respond_by, seq LIMIT ?2"
                ),
                params![until, limit(n)],
                notice_from_row,
                "listing notices due",
            )
        })
    }

    fn notice_reminded(&self, notice_id: &str, kind: &str) -> Result<bool> {
        self.read(|c| {
            c.query_row(
                "SELECT 1 FROM notice_reminders WHERE notice_id = ?1 AND kind = ?2",
                params![notice_id, kind],
                |_| Ok(()),
            )
            .optional()
            .map(|x| x.is_some())
            .map_err(|e| backend("reading a notice reminder", e))
        })
    }

    fn notice_timings(
        &self,
        scope: store::TimingScope,
        from: i64,
        to: i64,
    ) -> Result<Vec<store::NoticeTiming>> {
        self.read(|c| crate::notice_stats::notice_timings(c, scope, from, to))
    }

    fn mark_notice_reminder(&self, notice_id: &str, kind: &str, at: i64) -> Result<bool> {
        self.write(|tx| {
            tx.execute(
                "INSERT OR IGNORE INTO notice_reminders (notice_id, kind, at) VALUES (?1, ?2, ?3)",
                params![notice_id, kind, at],
            )
            .map(|n| n == 1)
            .map_err(|e| backend("marking a notice reminder", e))
        })
    }

    fn add_recheck(&self, r: &RecheckRecord, audit: &NewAudit) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO notice_rechecks (id, notice_id, sender_org_id, job_id, result, \
                 created_by, created) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    r.id,
                    r.notice_id,
                    r.sender_org_id,
                    r.job_id,
                    r.result,
                    r.created_by,
                    r.created
                ],
            )
            .map_err(|e| insert_error(|_| format!("notice re-check '{}'", r.id), e))?;
            append_audit(tx, audit)
        })
    }

    fn rechecks(&self, notice_id: &str) -> Result<Vec<RecheckRecord>> {
        self.read(|c| {
            list(
                c,
                "SELECT id, notice_id, sender_org_id, job_id, result, created_by, created \
                 FROM notice_rechecks WHERE notice_id = ?1 ORDER BY seq",
                [notice_id],
                |r| {
                    Ok(RecheckRecord {
                        id: r.get(0)?,
                        notice_id: r.get(1)?,
                        sender_org_id: r.get(2)?,
                        job_id: r.get(3)?,
                        result: r.get(4)?,
                        created_by: r.get(5)?,
                        created: r.get(6)?,
                    })
                },
                "listing a notice's re-checks",
            )
        })
    }
}
