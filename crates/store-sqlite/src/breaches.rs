//! Breach reports and their revisions in SQLite (`store::BreachStore`).

use rusqlite::{params, Connection, OptionalExtension, Row, Transaction};
use serde_json::Value;
use store::{
    BreachActorRef, BreachChange, BreachPageQuery, BreachRecord, BreachRevision, BreachState,
    BreachStore, NewAudit, NewBreach, NewDomainEvent, Result, StoreError,
};

use crate::accounts::append_audit;
use crate::domain_events::insert_domain_events;
use crate::util::{backend, insert_error};
use crate::SqliteStore;

const BREACH_COLS: &str = "seq, id, reporter_org_id, recipient_org_id, created_by, regime, \
                           title, aware_at, deadline, revision, created, updated, status, \
                           contents, deferred, delay_reasons, submitted_at, escalated_at, actors";

/// A state's columns as stored: status, contents, deferred (JSON), delay reasons, submitted,
/// escalated, actors (JSON).
type RawState = (
    String,
    String,
    String,
    Option<String>,
    Option<i64>,
    Option<i64>,
    String,
);

fn raw_state(r: &Row<'_>, at: usize) -> rusqlite::Result<RawState> {
    Ok((
        r.get(at)?,
        r.get(at + 1)?,
        r.get(at + 2)?,
        r.get(at + 3)?,
        r.get(at + 4)?,
        r.get(at + 5)?,
        r.get(at + 6)?,
    ))
}

fn finish_state(id: &str, raw: RawState) -> Result<BreachState> {
    let (status, contents, deferred, delay_reasons, submitted_at, escalated_at, actors) = raw;
    let bad =
        |col: &str| StoreError::Invalid(format!("breaches.{col} of report {id} is not valid"));
    let deferred: Vec<String> = serde_json::from_str(&deferred).map_err(|_| bad("deferred"))?;
    let actors: Value = serde_json::from_str(&actors).map_err(|_| bad("actors"))?;
    let mut refs = Vec::new();
    for o in actors.as_array().ok_or_else(|| bad("actors"))? {
        match (
            o.get(0).and_then(Value::as_str),
            o.get(1).and_then(Value::as_str),
        ) {
            (Some(c), Some(i)) => refs.push(BreachActorRef {
                collection_id: c.to_string(),
                object_id: i.to_string(),
            }),
            _ => return Err(bad("actors")),
        }
    }
    Ok(BreachState {
        status,
        contents,
        deferred,
        delay_reasons,
        submitted_at,
        escalated_at,
        actors: refs,
    })
}

fn state_cols(s: &BreachState) -> (String, String) {
    let deferred =
        Value::Array(s.deferred.iter().cloned().map(Value::String).collect()).to_string();
    let actors = Value::Array(
        s.actors
            .iter()
            .map(|a| {
                Value::Array(vec![
                    Value::String(a.collection_id.clone()),
                    Value::String(a.object_id.clone()),
                ])
            })
            .collect(),
    )
    .to_string();
    (deferred, actors)
}

type RawBreach = (BreachRecord, RawState);

fn breach_from_row(r: &Row<'_>) -> rusqlite::Result<RawBreach> {
    Ok((
        BreachRecord {
            seq: r.get(0)?,
            id: r.get(1)?,
            reporter_org_id: r.get(2)?,
            recipient_org_id: r.get(3)?,
            created_by: r.get(4)?,
            regime: r.get(5)?,
            title: r.get(6)?,
            aware_at: r.get(7)?,
            deadline: r.get(8)?,
            revision: r.get(9)?,
            created: r.get(10)?,
            updated: r.get(11)?,
            // Replaced once the stored text is parsed.
            state: BreachState {
                status: String::new(),
                contents: String::new(),
                deferred: Vec::new(),
                delay_reasons: None,
                submitted_at: None,
                escalated_at: None,
                actors: Vec::new(),
            },
        },
        raw_state(r, 12)?,
    ))
}

fn finish_breach((mut b, raw): RawBreach) -> Result<BreachRecord> {
    b.state = finish_state(&b.id, raw)?;
    Ok(b)
}

fn breaches_where(
    c: &Connection,
    clause: &str,
    params: &[&dyn rusqlite::ToSql],
) -> Result<Vec<BreachRecord>> {
    let raw = c
        .prepare_cached(&format!(
            "SELECT {BREACH_COLS} FROM breaches WHERE {clause}"
        ))
        .and_then(|mut st| {
            st.query_map(params, breach_from_row)?
                .collect::<rusqlite::Result<Vec<_>>>()
        })
        .map_err(|e| backend("reading breach reports", e))?;
    raw.into_iter().map(finish_breach).collect()
}

fn breach_by_id(c: &Connection, id: &str) -> Result<Option<BreachRecord>> {
    Ok(breaches_where(c, "id = ?1", &[&id])?.into_iter().next())
}

/// Records `c` as revision `c.expected_revision + 1` of the report at `seq`.
fn insert_revision(tx: &Transaction<'_>, seq: i64, c: &BreachChange) -> Result<()> {
    let s = &c.state;
    let (deferred, actors) = state_cols(s);
    tx.prepare_cached(
        "INSERT INTO breach_revisions (breach_seq, revision, user_id, action, rule, status, \
         contents, deferred, delay_reasons, submitted_at, escalated_at, actors, at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )
    .and_then(|mut st| {
        st.execute(params![
            seq,
            c.expected_revision.saturating_add(1),
            c.user_id,
            c.action,
            c.rule,
            s.status,
            s.contents,
            deferred,
            s.delay_reasons,
            s.submitted_at,
            s.escalated_at,
            actors,
            c.at
        ])
    })
    .map_err(|e| backend("recording a breach revision", e))?;
    Ok(())
}

fn org_exists(c: &Connection, org_id: i64) -> Result<bool> {
    c.prepare_cached("SELECT 1 FROM orgs WHERE id = ?1")
        .and_then(|mut st| st.exists([org_id]))
        .map_err(|e| backend("checking an organisation", e))
}

fn add_breach(
    tx: &Transaction<'_>,
    b: &NewBreach,
    audit: &[NewAudit],
    events: &[NewDomainEvent],
) -> Result<BreachRecord> {
    for org in [b.reporter_org_id, b.recipient_org_id] {
        if !org_exists(tx, org)? {
            return Err(StoreError::NotFound(format!("organisation {org}")));
        }
    }
    let s = &b.state;
    let (deferred, actors) = state_cols(s);
    tx.prepare_cached(
        "INSERT INTO breaches (id, reporter_org_id, recipient_org_id, created_by, regime, title, \
         aware_at, deadline, revision, status, contents, deferred, delay_reasons, submitted_at, \
         escalated_at, actors, created, updated) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 1, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?16)",
    )
    .and_then(|mut st| {
        st.execute(params![
            b.id,
            b.reporter_org_id,
            b.recipient_org_id,
            b.created_by,
            b.regime,
            b.title,
            b.aware_at,
            b.deadline,
            s.status,
            s.contents,
            deferred,
            s.delay_reasons,
            s.submitted_at,
            s.escalated_at,
            actors,
            b.created
        ])
    })
    .map_err(|e| insert_error(|_| format!("breach report '{}'", b.id), e))?;
    let seq = tx.last_insert_rowid();
    let action = if s.submitted_at.is_some() {
        "submit"
    } else {
        "create"
    };
    let first = BreachChange {
        id: b.id.clone(),
        expected_revision: 0,
        user_id: Some(b.created_by),
        action: action.to_string(),
        rule: format!("breach.{action}"),
        state: s.clone(),
        at: b.created,
    };
    insert_revision(tx, seq, &first)?;
    for entry in audit {
        append_audit(tx, entry)?;
    }
    insert_domain_events(tx, events)?;
    breach_by_id(tx, &b.id)?
        .ok_or_else(|| StoreError::Backend("the breach report just added is gone".into()))
}

fn change_breach(
    tx: &Transaction<'_>,
    c: &BreachChange,
    audit: &[NewAudit],
    events: &[NewDomainEvent],
) -> Result<bool> {
    let seq: Option<i64> = tx
        .prepare_cached("SELECT seq FROM breaches WHERE id = ?1 AND revision = ?2")
        .and_then(|mut st| {
            st.query_row(params![c.id, c.expected_revision], |r| r.get(0))
                .optional()
        })
        .map_err(|e| backend("finding a breach report", e))?;
    let Some(seq) = seq else {
        return Ok(false);
    };
    let s = &c.state;
    let (deferred, actors) = state_cols(s);
    let next = c.expected_revision.saturating_add(1);
    let n = tx
        .prepare_cached(
            "UPDATE breaches SET revision = ?1, status = ?2, contents = ?3, deferred = ?4, \
             delay_reasons = ?5, submitted_at = ?6, escalated_at = ?7, actors = ?8, updated = ?9 \
             WHERE seq = ?10 AND revision = ?11",
        )
        .and_then(|mut st| {
            st.execute(params![
                next,
                s.status,
                s.contents,
                deferred,
                s.delay_reasons,
                s.submitted_at,
                s.escalated_at,
                actors,
                c.at,
                seq,
                c.expected_revision
            ])
        })
        .map_err(|e| backend("changing a breach report", e))?;
    if n == 0 {
        return Ok(false);
    }
    insert_revision(tx, seq, c)?;
    for entry in audit {
        append_audit(tx, entry)?;
    }
    insert_domain_events(tx, events)?;
    Ok(true)
}

fn breach_revisions(c: &Connection, id: &str) -> Result<Vec<BreachRevision>> {
    let raw = c
        .prepare_cached(
            "SELECT r.revision, r.user_id, r.action, r.rule, r.at, r.status, r.contents, \
             r.deferred, r.delay_reasons, r.submitted_at, r.escalated_at, r.actors \
             FROM breach_revisions r JOIN breaches b ON b.seq = r.breach_seq \
             WHERE b.id = ?1 ORDER BY r.revision",
        )
        .and_then(|mut st| {
            st.query_map([id], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, Option<i64>>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, i64>(4)?,
                    raw_state(r, 5)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()
        })
        .map_err(|e| backend("reading breach revisions", e))?;
    raw.into_iter()
        .map(|(revision, user_id, action, rule, at, s)| {
            Ok(BreachRevision {
                revision,
                user_id,
                action,
                rule,
                state: finish_state(id, s)?,
                at,
            })
        })
        .collect()
}

fn purge(
    tx: &Transaction<'_>,
    cutoff: i64,
    audit: &dyn Fn(&[String]) -> Vec<NewAudit>,
) -> Result<Vec<String>> {
    let rows: Vec<(i64, String)> = tx
        .prepare_cached(
            "SELECT seq, id FROM breaches WHERE aware_at < ?1 AND updated < ?1 ORDER BY seq",
        )
        .and_then(|mut st| {
            st.query_map([cutoff], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<Vec<_>>>()
        })
        .map_err(|e| backend("finding expired breach reports", e))?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    for (seq, _) in &rows {
        tx.prepare_cached("DELETE FROM breach_revisions WHERE breach_seq = ?1")
            .and_then(|mut st| st.execute([seq]))
            .map_err(|e| backend("purging breach revisions", e))?;
        tx.prepare_cached("DELETE FROM breaches WHERE seq = ?1")
            .and_then(|mut st| st.execute([seq]))
            .map_err(|e| backend("purging a breach report", e))?;
    }
    let ids: Vec<String> = rows.into_iter().map(|(_, id)| id).collect();
    for entry in audit(&ids) {
        append_audit(tx, &entry)?;
    }
    Ok(ids)
}

impl BreachStore for SqliteStore {
    fn add_breach(
        &self,
        new: &NewBreach,
        audit: &[NewAudit],
        events: &[NewDomainEvent],
    ) -> Result<BreachRecord> {
        self.write(|tx| add_breach(tx, new, audit, events))
    }

    fn breach(&self, id: &str) -> Result<Option<BreachRecord>> {
        self.read(|c| breach_by_id(c, id))
    }

    fn breach_revisions(&self, id: &str) -> Result<Vec<BreachRevision>> {
        self.read(|c| breach_revisions(c, id))
    }

    fn change_breach(
        &self,
        change: &BreachChange,
        audit: &[NewAudit],
        events: &[NewDomainEvent],
    ) -> Result<bool> {
        self.write(|tx| change_breach(tx, change, audit, events))
    }

    fn record_breach_step(&self, id: &str, audit: &NewAudit) -> Result<bool> {
        self.write(|tx| {
            if breach_by_id(tx, id)?.is_none() {
                return Ok(false);
            }
            append_audit(tx, audit)?;
            Ok(true)
        })
    }

    fn breach_page(&self, q: &BreachPageQuery) -> Result<Vec<BreachRecord>> {
        let before = q.before.unwrap_or(i64::MAX);
        let limit = i64::try_from(q.limit).unwrap_or(i64::MAX);
        self.read(|c| {
            breaches_where(
                c,
                "seq IN (SELECT seq FROM breaches WHERE reporter_org_id = ?1 AND seq < ?2 \
                 UNION SELECT seq FROM breaches WHERE recipient_org_id = ?1 AND seq < ?2) \
                 ORDER BY seq DESC LIMIT ?3",
                &[&q.org_id, &before, &limit],
            )
        })
    }

    fn due_breaches(&self, until: i64, limit: usize) -> Result<Vec<BreachRecord>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.read(|c| {
            breaches_where(
                c,
                "deadline <= ?1 AND escalated_at IS NULL \
                 AND status IN ('draft', 'submitted', 'acknowledged') \
                 ORDER BY deadline, seq LIMIT ?2",
                &[&until, &limit],
            )
        })
    }

    fn purge_breaches(
        &self,
        cutoff: i64,
        audit: &dyn Fn(&[String]) -> Vec<NewAudit>,
    ) -> Result<Vec<String>> {
        self.write(|tx| purge(tx, cutoff, audit))
    }
}
