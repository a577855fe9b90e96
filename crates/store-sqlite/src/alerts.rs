//! Groups of organisations and alerts in SQLite (`store::AlertStore`).

use rusqlite::{params, Connection, OptionalExtension, Row, Transaction};
use serde_json::Value;
use store::{
    AlertBox, AlertDeadlineRow, AlertEvent, AlertObjectRef, AlertPageQuery, AlertPageRow,
    AlertRecord, AlertStore, GroupRecord, NewAlert, NewAlertEvent, NewAudit, NewDomainEvent,
    NewRecipient, RecipientRecord, Result, StoreError,
};

use crate::accounts::append_audit;
use crate::domain_events::insert_domain_events;
use crate::util::{backend, insert_error, parse_col};
use crate::SqliteStore;

const ALERT_COLS: &str = "a.seq, a.id, a.sender_org_id, a.sender_user_id, a.title, a.summary, \
                          a.priority, a.tlp, a.objects, a.responses, a.respond_by, a.created";
const RECIPIENT_COLS: &str =
    "a.id, r.org_id, r.state, r.via_group, r.forwarded_by, r.added, r.updated";

/// An alert row with its TLP, objects and responses as stored text, parsed by [`finish_alert`].
type RawAlert = (AlertRecord, String, String, String);

fn alert_from_row(r: &Row<'_>) -> rusqlite::Result<RawAlert> {
    Ok((
        AlertRecord {
            seq: r.get(0)?,
            id: r.get(1)?,
            sender_org_id: r.get(2)?,
            sender_user_id: r.get(3)?,
            title: r.get(4)?,
            summary: r.get(5)?,
            priority: r.get(6)?,
            // Replaced once the stored text is parsed.
            tlp: store::Tlp::Red,
            objects: Vec::new(),
            responses: Vec::new(),
            respond_by: r.get(10)?,
            created: r.get(11)?,
        },
        r.get(7)?,
        r.get(8)?,
        r.get(9)?,
    ))
}

fn finish_alert((mut a, tlp, objects, responses): RawAlert) -> Result<AlertRecord> {
    a.tlp = parse_col("alerts", "tlp", &tlp)?;
    let bad =
        |col: &str| StoreError::Invalid(format!("alerts.{col} of alert {} is not valid", a.id));
    let objects: Value = serde_json::from_str(&objects).map_err(|_| bad("objects"))?;
    for o in objects.as_array().ok_or_else(|| bad("objects"))? {
        let pair = o.as_array().ok_or_else(|| bad("objects"))?;
        match (
            pair.first().and_then(Value::as_str),
            pair.get(1).and_then(Value::as_str),
        ) {
            (Some(c), Some(id)) => a.objects.push(AlertObjectRef {
                collection_id: c.to_string(),
                object_id: id.to_string(),
            }),
            _ => return Err(bad("objects")),
        }
    }
    a.responses = serde_json::from_str(&responses).map_err(|_| bad("responses"))?;
    Ok(a)
}

fn recipient_from_row(r: &Row<'_>) -> rusqlite::Result<RecipientRecord> {
    Ok(RecipientRecord {
        alert_id: r.get(0)?,
        org_id: r.get(1)?,
        state: r.get(2)?,
        via_group: r.get(3)?,
        forwarded_by: r.get(4)?,
        added: r.get(5)?,
        updated: r.get(6)?,
    })
}

fn group_where(
    c: &Connection,
    clause: &str,
    value: &dyn rusqlite::ToSql,
) -> Result<Option<GroupRecord>> {
    let found = c
        .prepare_cached(&format!(
            "SELECT id, name, created FROM alert_groups WHERE {clause} = ?1"
        ))
        .and_then(|mut st| {
            st.query_row([value], |r| {
                Ok(GroupRecord {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    created: r.get(2)?,
                    members: Vec::new(),
                })
            })
            .optional()
        })
        .map_err(|e| backend("reading a group", e))?;
    match found {
        Some(mut g) => {
            g.members = members(c, g.id)?;
            Ok(Some(g))
        }
        None => Ok(None),
    }
}

fn members(c: &Connection, group_id: i64) -> Result<Vec<i64>> {
    c.prepare_cached("SELECT org_id FROM alert_group_members WHERE group_id = ?1 ORDER BY org_id")
        .and_then(|mut st| {
            st.query_map([group_id], |r| r.get(0))?
                .collect::<rusqlite::Result<Vec<i64>>>()
        })
        .map_err(|e| backend("reading a group's members", e))
}

fn org_exists(c: &Connection, org_id: i64) -> Result<bool> {
    c.prepare_cached("SELECT 1 FROM orgs WHERE id = ?1")
        .and_then(|mut st| st.exists([org_id]))
        .map_err(|e| backend("checking an organisation", e))
}

fn group_or_not_found(c: &Connection, id: i64) -> Result<GroupRecord> {
    group_where(c, "id", &id)?.ok_or_else(|| StoreError::NotFound(format!("group {id}")))
}

fn alert_seq(c: &Connection, id: &str) -> Result<Option<i64>> {
    c.prepare_cached("SELECT seq FROM alerts WHERE id = ?1")
        .and_then(|mut st| st.query_row([id], |r| r.get(0)).optional())
        .map_err(|e| backend("finding an alert", e))
}

fn alert_by_id(c: &Connection, id: &str) -> Result<Option<AlertRecord>> {
    let raw = c
        .prepare_cached(&format!(
            "SELECT {ALERT_COLS} FROM alerts a WHERE a.id = ?1"
        ))
        .and_then(|mut st| st.query_row([id], alert_from_row).optional())
        .map_err(|e| backend("reading an alert", e))?;
    raw.map(finish_alert).transpose()
}

fn insert_recipients(
    tx: &Transaction<'_>,
    alert_seq: i64,
    recipients: &[NewRecipient],
    added: i64,
) -> Result<Vec<i64>> {
    let mut inserted = Vec::new();
    for r in recipients {
        if !org_exists(tx, r.org_id)? {
            return Err(StoreError::NotFound(format!("organisation {}", r.org_id)));
        }
        let n = tx
            .prepare_cached(
                "INSERT OR IGNORE INTO alert_recipients \
                 (alert_seq, org_id, state, via_group, forwarded_by, added, updated) \
                 VALUES (?1, ?2, 'pending', ?3, ?4, ?5, ?5)",
            )
            .and_then(|mut st| {
                st.execute(params![
                    alert_seq,
                    r.org_id,
                    r.via_group,
                    r.forwarded_by,
                    added
                ])
            })
            .map_err(|e| backend("adding an alert recipient", e))?;
        if n == 1 {
            inserted.push(r.org_id);
        }
    }
    Ok(inserted)
}

fn recipients_of(c: &Connection, alert_id: &str, org: Option<i64>) -> Result<Vec<RecipientRecord>> {
    c.prepare_cached(&format!(
        "SELECT {RECIPIENT_COLS} FROM alert_recipients r JOIN alerts a ON a.seq = r.alert_seq \
         WHERE a.id = ?1 AND (?2 IS NULL OR r.org_id = ?2) ORDER BY r.seq"
    ))
    .and_then(|mut st| {
        st.query_map(params![alert_id, org], recipient_from_row)?
            .collect::<rusqlite::Result<Vec<_>>>()
    })
    .map_err(|e| backend("reading alert recipients", e))
}

fn add_alert(
    tx: &Transaction<'_>,
    a: &NewAlert,
    audit: &[NewAudit],
    notices: &[NewDomainEvent],
) -> Result<AlertRecord> {
    let objects = Value::Array(
        a.objects
            .iter()
            .map(|o| {
                Value::Array(vec![
                    Value::String(o.collection_id.clone()),
                    Value::String(o.object_id.clone()),
                ])
            })
            .collect(),
    )
    .to_string();
    let responses =
        Value::Array(a.responses.iter().cloned().map(Value::String).collect()).to_string();
    tx.prepare_cached(
        "INSERT INTO alerts (id, sender_org_id, sender_user_id, title, summary, priority, tlp, \
         objects, responses, respond_by, created) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )
    .and_then(|mut st| {
        st.execute(params![
            a.id,
            a.sender_org_id,
            a.sender_user_id,
            a.title,
            a.summary,
            a.priority,
            a.tlp.as_str(),
            objects,
            responses,
            a.respond_by,
            a.created
        ])
    })
    .map_err(|e| insert_error(|_| format!("alert '{}'", a.id), e))?;
    let seq = tx.last_insert_rowid();
    insert_recipients(tx, seq, &a.recipients, a.created)?;
    for entry in audit {
        append_audit(tx, entry)?;
    }
    insert_domain_events(tx, notices)?;
    alert_by_id(tx, &a.id)?
        .ok_or_else(|| StoreError::Backend("the alert just added is gone".into()))
}

fn record_transition(
    tx: &Transaction<'_>,
    e: &NewAlertEvent,
    audit: &NewAudit,
    notices: &[NewDomainEvent],
) -> Result<bool> {
    let Some(seq) = alert_seq(tx, &e.alert_id)? else {
        return Ok(false);
    };
    let n = tx
        .prepare_cached(
            "UPDATE alert_recipients SET state = ?1, updated = ?2 \
             WHERE alert_seq = ?3 AND org_id = ?4 AND state = ?5",
        )
        .and_then(|mut st| st.execute(params![e.to_state, e.at, seq, e.org_id, e.from_state]))
        .map_err(|err| backend("changing a recipient's state", err))?;
    if n == 0 {
        return Ok(false);
    }
    tx.prepare_cached(
        "INSERT INTO alert_events (alert_seq, org_id, user_id, action, from_state, to_state, \
         rule, comment, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )
    .and_then(|mut st| {
        st.execute(params![
            seq,
            e.org_id,
            e.user_id,
            e.action,
            e.from_state,
            e.to_state,
            e.rule,
            e.comment,
            e.at
        ])
    })
    .map_err(|err| backend("recording an alert answer", err))?;
    append_audit(tx, audit)?;
    insert_domain_events(tx, notices)?;
    Ok(true)
}

fn alert_page(c: &Connection, q: &AlertPageQuery) -> Result<Vec<AlertPageRow>> {
    let limit = i64::try_from(q.limit).unwrap_or(i64::MAX);
    let before = q.before.unwrap_or(i64::MAX);
    let sql = match q.side {
        AlertBox::Inbox => format!(
            "SELECT r.seq, {ALERT_COLS}, r.state FROM alert_recipients r \
             JOIN alerts a ON a.seq = r.alert_seq \
             WHERE r.org_id = ?1 AND r.seq < ?2 ORDER BY r.seq DESC LIMIT ?3"
        ),
        AlertBox::Sent => format!(
            "SELECT a.seq, {ALERT_COLS}, NULL FROM alerts a \
             WHERE a.sender_org_id = ?1 AND a.seq < ?2 ORDER BY a.seq DESC LIMIT ?3"
        ),
    };
    let raw = c
        .prepare_cached(&sql)
        .and_then(|mut st| {
            st.query_map(params![q.org_id, before, limit], |r| {
                let key: i64 = r.get(0)?;
                let state: Option<String> = r.get(13)?;
                // The alert columns follow the key.
                let shifted = ShiftedRow(r);
                Ok((key, shifted.alert()?, state))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()
        })
        .map_err(|e| backend("paging alerts", e))?;
    raw.into_iter()
        .map(|(key, a, state)| {
            Ok(AlertPageRow {
                key,
                alert: finish_alert(a)?,
                state,
            })
        })
        .collect()
}

/// A row whose alert columns start at index 1.
struct ShiftedRow<'a, 'b>(&'a Row<'b>);

impl ShiftedRow<'_, '_> {
    fn alert(&self) -> rusqlite::Result<RawAlert> {
        let r = self.0;
        Ok((
            AlertRecord {
                seq: r.get(1)?,
                id: r.get(2)?,
                sender_org_id: r.get(3)?,
                sender_user_id: r.get(4)?,
                title: r.get(5)?,
                summary: r.get(6)?,
                priority: r.get(7)?,
                tlp: store::Tlp::Red,
                objects: Vec::new(),
                responses: Vec::new(),
                respond_by: r.get(11)?,
                created: r.get(12)?,
            },
            r.get(8)?,
            r.get(9)?,
            r.get(10)?,
        ))
    }
}

/// The query plans of the alert pages (for the index test).
pub(crate) fn alert_page_plans(c: &Connection) -> Result<Vec<(String, Vec<String>)>> {
    let mut out = Vec::new();
    for (name, side) in [("inbox", AlertBox::Inbox), ("sent", AlertBox::Sent)] {
        let sql = match side {
            AlertBox::Inbox => {
                "EXPLAIN QUERY PLAN SELECT r.seq, a.id FROM alert_recipients r \
                 JOIN alerts a ON a.seq = r.alert_seq \
                 WHERE r.org_id = ?1 AND r.seq < ?2 ORDER BY r.seq DESC LIMIT ?3"
            }
            AlertBox::Sent => {
                "EXPLAIN QUERY PLAN SELECT a.seq, a.id FROM alerts a \
                 WHERE a.sender_org_id = ?1 AND a.seq < ?2 ORDER BY a.seq DESC LIMIT ?3"
            }
        };
        let lines = c
            .prepare(sql)
            .and_then(|mut st| {
                st.query_map(params![1, i64::MAX, 50], |r| r.get::<_, String>(3))?
                    .collect::<rusqlite::Result<Vec<_>>>()
            })
            .map_err(|e| backend("explaining the alert pages", e))?;
        out.push((name.to_string(), lines));
    }
    Ok(out)
}

impl SqliteStore {
    /// The query plans SQLite chooses for the inbox and sent pages (`detail` lines of
    /// `EXPLAIN QUERY PLAN`). Meant for tests and diagnostics.
    pub fn alert_query_plans(&self) -> Result<Vec<(String, Vec<String>)>> {
        self.read(alert_page_plans)
    }
}

impl AlertStore for SqliteStore {
    fn create_group(
        &self,
        name: &str,
        members: &[i64],
        created: i64,
        audit: &NewAudit,
    ) -> Result<GroupRecord> {
        self.write(|tx| {
            tx.prepare_cached("INSERT INTO alert_groups (name, created) VALUES (?1, ?2)")
                .and_then(|mut st| st.execute(params![name, created]))
                .map_err(|e| insert_error(|_| format!("group '{name}'"), e))?;
            let id = tx.last_insert_rowid();
            for org in members {
                if !org_exists(tx, *org)? {
                    return Err(StoreError::NotFound(format!("organisation {org}")));
                }
                tx.prepare_cached(
                    "INSERT OR IGNORE INTO alert_group_members (group_id, org_id) VALUES (?1, ?2)",
                )
                .and_then(|mut st| st.execute(params![id, org]))
                .map_err(|e| backend("adding a group member", e))?;
            }
            append_audit(tx, audit)?;
            group_or_not_found(tx, id)
        })
    }

    fn group(&self, id: i64) -> Result<Option<GroupRecord>> {
        self.read(|c| group_where(c, "id", &id))
    }

    fn group_by_name(&self, name: &str) -> Result<Option<GroupRecord>> {
        self.read(|c| group_where(c, "name", &name))
    }

    fn list_groups(&self) -> Result<Vec<GroupRecord>> {
        self.read(|c| {
            let ids = c
                .prepare_cached("SELECT id FROM alert_groups ORDER BY name")
                .and_then(|mut st| {
                    st.query_map([], |r| r.get(0))?
                        .collect::<rusqlite::Result<Vec<i64>>>()
                })
                .map_err(|e| backend("listing groups", e))?;
            ids.into_iter()
                .map(|id| group_or_not_found(c, id))
                .collect()
        })
    }

    fn rename_group(&self, id: i64, name: &str, audit: &NewAudit) -> Result<GroupRecord> {
        self.write(|tx| {
            let n = tx
                .prepare_cached("UPDATE alert_groups SET name = ?1 WHERE id = ?2")
                .and_then(|mut st| st.execute(params![name, id]))
                .map_err(|e| insert_error(|_| format!("group '{name}'"), e))?;
            if n == 0 {
                return Err(StoreError::NotFound(format!("group {id}")));
            }
            append_audit(tx, audit)?;
            group_or_not_found(tx, id)
        })
    }

    fn set_group_member(
        &self,
        id: i64,
        org_id: i64,
        member: bool,
        audit: &NewAudit,
    ) -> Result<GroupRecord> {
        self.write(|tx| {
            group_or_not_found(tx, id)?;
            if !org_exists(tx, org_id)? {
                return Err(StoreError::NotFound(format!("organisation {org_id}")));
            }
            let sql = if member {
                "INSERT OR IGNORE INTO alert_group_members (group_id, org_id) VALUES (?1, ?2)"
            } else {
                "DELETE FROM alert_group_members WHERE group_id = ?1 AND org_id = ?2"
            };
            tx.prepare_cached(sql)
                .and_then(|mut st| st.execute(params![id, org_id]))
                .map_err(|e| backend("changing a group's members", e))?;
            append_audit(tx, audit)?;
            group_or_not_found(tx, id)
        })
    }

    fn add_alert(
        &self,
        alert: &NewAlert,
        audit: &[NewAudit],
        notices: &[NewDomainEvent],
    ) -> Result<AlertRecord> {
        self.write(|tx| add_alert(tx, alert, audit, notices))
    }

    fn alert(&self, id: &str) -> Result<Option<AlertRecord>> {
        self.read(|c| alert_by_id(c, id))
    }

    fn recipients(&self, alert_id: &str) -> Result<Vec<RecipientRecord>> {
        self.read(|c| recipients_of(c, alert_id, None))
    }

    fn recipient(&self, alert_id: &str, org_id: i64) -> Result<Option<RecipientRecord>> {
        self.read(|c| Ok(recipients_of(c, alert_id, Some(org_id))?.into_iter().next()))
    }

    fn events(&self, alert_id: &str) -> Result<Vec<AlertEvent>> {
        self.read(|c| {
            c.prepare_cached(
                "SELECT e.seq, a.id, e.org_id, e.user_id, e.action, e.from_state, e.to_state, \
                 e.rule, e.comment, e.at FROM alert_events e JOIN alerts a ON a.seq = e.alert_seq \
                 WHERE a.id = ?1 ORDER BY e.seq",
            )
            .and_then(|mut st| {
                st.query_map([alert_id], |r| {
                    Ok(AlertEvent {
                        seq: r.get(0)?,
                        alert_id: r.get(1)?,
                        org_id: r.get(2)?,
                        user_id: r.get(3)?,
                        action: r.get(4)?,
                        from_state: r.get(5)?,
                        to_state: r.get(6)?,
                        rule: r.get(7)?,
                        comment: r.get(8)?,
                        at: r.get(9)?,
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()
            })
            .map_err(|e| backend("reading alert answers", e))
        })
    }

    fn record_transition(
        &self,
        event: &NewAlertEvent,
        audit: &NewAudit,
        notices: &[NewDomainEvent],
    ) -> Result<bool> {
        self.write(|tx| record_transition(tx, event, audit, notices))
    }

    fn add_recipients(
        &self,
        alert_id: &str,
        recipients: &[NewRecipient],
        added: i64,
        audit: &[NewAudit],
        notices: &[NewDomainEvent],
    ) -> Result<Vec<RecipientRecord>> {
        self.write(|tx| {
            let seq = alert_seq(tx, alert_id)?
                .ok_or_else(|| StoreError::NotFound(format!("alert '{alert_id}'")))?;
            let inserted = insert_recipients(tx, seq, recipients, added)?;
            for entry in audit {
                append_audit(tx, entry)?;
            }
            insert_domain_events(tx, notices)?;
            let all = recipients_of(tx, alert_id, None)?;
            Ok(all
                .into_iter()
                .filter(|r| inserted.contains(&r.org_id))
                .collect())
        })
    }

    fn alert_page(&self, query: &AlertPageQuery) -> Result<Vec<AlertPageRow>> {
        self.read(|c| alert_page(c, query))
    }

    fn deadline_recipients(&self, until: i64, limit: usize) -> Result<Vec<AlertDeadlineRow>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let raw = self.read(|c| {
            c.prepare_cached(&format!(
                "SELECT {ALERT_COLS}, {RECIPIENT_COLS}, \
                 (SELECT group_concat(m.kind) FROM alert_reminders m \
                  WHERE m.alert_seq = a.seq AND m.org_id = r.org_id) \
                 FROM alerts a JOIN alert_recipients r ON r.alert_seq = a.seq \
                 WHERE a.respond_by IS NOT NULL AND a.respond_by <= ?1 \
                 AND r.state IN ('pending', 'acknowledged') \
                 AND NOT EXISTS (SELECT 1 FROM alert_reminders m \
                     WHERE m.alert_seq = a.seq AND m.org_id = r.org_id AND m.kind = 'overdue') \
                 ORDER BY a.respond_by, a.seq, r.seq LIMIT ?2"
            ))
            .and_then(|mut st| {
                st.query_map(params![until, limit], |r| {
                    let recipient = RecipientRecord {
                        alert_id: r.get(12)?,
                        org_id: r.get(13)?,
                        state: r.get(14)?,
                        via_group: r.get(15)?,
                        forwarded_by: r.get(16)?,
                        added: r.get(17)?,
                        updated: r.get(18)?,
                    };
                    let sent: Option<String> = r.get(19)?;
                    Ok((alert_from_row(r)?, recipient, sent))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()
            })
            .map_err(|e| backend("listing recipients with a respond-by time", e))
        })?;
        raw.into_iter()
            .map(|(a, recipient, sent)| {
                Ok(AlertDeadlineRow {
                    alert: finish_alert(a)?,
                    recipient,
                    sent: crate::cases::split_kinds(sent),
                })
            })
            .collect()
    }

    fn mark_alert_reminder(
        &self,
        alert_id: &str,
        org_id: i64,
        kind: &str,
        at: i64,
    ) -> Result<bool> {
        self.write(|tx| {
            let seq: Option<i64> = tx
                .query_row(
                    "SELECT a.seq FROM alerts a JOIN alert_recipients r ON r.alert_seq = a.seq \
                     WHERE a.id = ?1 AND r.org_id = ?2",
                    params![alert_id, org_id],
                    |r| r.get(0),
                )
                .optional()
                .map_err(|e| backend("reading an alert recipient", e))?;
            let Some(seq) = seq else {
                return Err(StoreError::NotFound(format!(
                    "recipient {org_id} of alert '{alert_id}'"
                )));
            };
            tx.execute(
                "INSERT OR IGNORE INTO alert_reminders (alert_seq, org_id, kind, sent) \
                 VALUES (?1, ?2, ?3, ?4)",
                params![seq, org_id, kind, at],
            )
            .map(|n| n == 1)
            .map_err(|e| backend("marking an alert reminder sent", e))
        })
    }
}
