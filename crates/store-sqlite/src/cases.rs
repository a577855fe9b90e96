//! Response cases in SQLite (`store::CaseStore`).

use rusqlite::{params, OptionalExtension, Row, Transaction};
use store::{
    ActionDeadlineRow, ActionRecord, CaseObject, CasePageQuery, CasePageRow, CaseParticipant,
    CaseRecord, CaseRole, CaseStore, NewAudit, NewDomainEvent, ProposalRecord, Result, StoreError,
    VoteRecord,
};

use crate::accounts::append_audit;
use crate::domain_events::insert_domain_events;
use crate::util::{backend, insert_error};
use crate::SqliteStore;

mod impacts;

const CASE_COLS: &str =
    "id, owner_org_id, title, description, status, reopen_reason, created_by, created, updated, \
     alert_id";
const ACTION_COLS: &str = "id, case_id, counter_id, title, description, performing_org_id, \
                           target_org_id, due, status, author_id, proposer_id, approver_id, \
                           created, updated";
const PROPOSAL_COLS: &str =
    "id, case_id, text, rule, deadline, status, created_by, created, updated";

fn case_from_row(r: &Row<'_>) -> rusqlite::Result<CaseRecord> {
    Ok(CaseRecord {
        id: r.get(0)?,
        owner_org_id: r.get(1)?,
        title: r.get(2)?,
        description: r.get(3)?,
        status: r.get(4)?,
        reopen_reason: r.get(5)?,
        created_by: r.get(6)?,
        created: r.get(7)?,
        updated: r.get(8)?,
        alert_id: r.get(9)?,
    })
}

fn action_from_row(r: &Row<'_>) -> rusqlite::Result<ActionRecord> {
    Ok(ActionRecord {
        id: r.get(0)?,
        case_id: r.get(1)?,
        counter_id: r.get(2)?,
        title: r.get(3)?,
        description: r.get(4)?,
        performing_org_id: r.get(5)?,
        target_org_id: r.get(6)?,
        due: r.get(7)?,
        status: r.get(8)?,
        author_id: r.get(9)?,
        proposer_id: r.get(10)?,
        approver_id: r.get(11)?,
        created: r.get(12)?,
        updated: r.get(13)?,
    })
}

fn proposal_from_row(r: &Row<'_>) -> rusqlite::Result<ProposalRecord> {
    Ok(ProposalRecord {
        id: r.get(0)?,
        case_id: r.get(1)?,
        text: r.get(2)?,
        rule: r.get(3)?,
        deadline: r.get(4)?,
        status: r.get(5)?,
        created_by: r.get(6)?,
        created: r.get(7)?,
        updated: r.get(8)?,
    })
}

/// `NotFound` unless the case exists.
fn case_exists(tx: &Transaction<'_>, case_id: &str) -> Result<()> {
    let found: Option<i64> = tx
        .query_row("SELECT 1 FROM cases WHERE id = ?1", [case_id], |r| r.get(0))
        .optional()
        .map_err(|e| backend("looking a case up", e))?;
    found
        .map(drop)
        .ok_or_else(|| StoreError::NotFound(format!("case '{case_id}'")))
}

fn create_case(
    tx: &Transaction<'_>,
    c: &CaseRecord,
    participants: &[i64],
    audit: &NewAudit,
) -> Result<()> {
    tx.execute(
        &format!(
            "INSERT INTO cases ({CASE_COLS}, seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, \
             ?10, (SELECT coalesce(max(seq), 0) + 1 FROM cases))"
        ),
        params![
            c.id,
            c.owner_org_id,
            c.title,
            c.description,
            c.status,
            c.reopen_reason,
            c.created_by,
            c.created,
            c.updated,
            c.alert_id
        ],
    )
    .map_err(|e| insert_error(|_| format!("case '{}'", c.id), e))?;
    for org in participants {
        add_participant(tx, &c.id, *org, c.created)?;
    }
    append_audit(tx, audit)?;
    Ok(())
}

fn add_participant(tx: &Transaction<'_>, case_id: &str, org_id: i64, now: i64) -> Result<()> {
    case_exists(tx, case_id)?;
    tx.execute(
        "INSERT INTO case_participants (case_id, org_id, added, case_seq) \
         VALUES (?1, ?2, ?3, (SELECT seq FROM cases WHERE id = ?1))",
        params![case_id, org_id, now],
    )
    .map_err(|e| insert_error(|_| format!("participant {org_id} of case '{case_id}'"), e))?;
    Ok(())
}

/// Appends `audit` when the compare-and-set step `applied`.
fn audit_if(tx: &Transaction<'_>, applied: bool, audit: &NewAudit) -> Result<bool> {
    if applied {
        append_audit(tx, audit)?;
    }
    Ok(applied)
}

fn query_list<T>(
    c: &rusqlite::Connection,
    sql: &str,
    arg: impl rusqlite::Params,
    f: fn(&Row<'_>) -> rusqlite::Result<T>,
    what: &str,
) -> Result<Vec<T>> {
    c.prepare_cached(sql)
        .and_then(|mut st| st.query_map(arg, f)?.collect::<rusqlite::Result<Vec<_>>>())
        .map_err(|e| backend(what, e))
}

/// The SQL of a case page: `?1` the organisation, `?2` the key bound, `?3` the limit. Each
/// side is read newest first through its index (cases by owner and seq, participants by org
/// and case seq) and limited before the two are merged.
fn case_page_sql(role: CaseRole) -> String {
    let owned = "SELECT seq AS k FROM cases WHERE owner_org_id = ?1 AND seq < ?2 \
                 ORDER BY seq DESC LIMIT ?3";
    let joined = "SELECT case_seq AS k FROM case_participants WHERE org_id = ?1 \
                  AND case_seq < ?2 ORDER BY case_seq DESC LIMIT ?3";
    let keys = match role {
        CaseRole::Mine => format!("SELECT k FROM ({owned})"),
        CaseRole::Participating => format!("SELECT k FROM ({joined})"),
        CaseRole::All => format!("SELECT k FROM ({owned}) UNION SELECT k FROM ({joined})"),
    };
    format!("SELECT seq, {CASE_COLS} FROM cases WHERE seq IN ({keys}) ORDER BY seq DESC LIMIT ?3")
}

fn case_page(c: &rusqlite::Connection, q: &CasePageQuery) -> Result<Vec<CasePageRow>> {
    let limit = i64::try_from(q.limit).unwrap_or(i64::MAX);
    let before = q.before.unwrap_or(i64::MAX);
    c.prepare_cached(&case_page_sql(q.role))
        .and_then(|mut st| {
            st.query_map(params![q.org_id, before, limit], |r| {
                let key: i64 = r.get(0)?;
                let case = CaseRecord {
                    id: r.get(1)?,
                    owner_org_id: r.get(2)?,
                    title: r.get(3)?,
                    description: r.get(4)?,
                    status: r.get(5)?,
                    reopen_reason: r.get(6)?,
                    created_by: r.get(7)?,
                    created: r.get(8)?,
                    updated: r.get(9)?,
                    alert_id: r.get(10)?,
                };
                Ok(CasePageRow { key, case })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()
        })
        .map_err(|e| backend("paging cases", e))
}

fn case_page_plans(c: &rusqlite::Connection) -> Result<Vec<(String, Vec<String>)>> {
    let mut out = Vec::new();
    for (name, role) in [
        ("all", CaseRole::All),
        ("mine", CaseRole::Mine),
        ("participating", CaseRole::Participating),
    ] {
        let lines = c
            .prepare(&format!("EXPLAIN QUERY PLAN {}", case_page_sql(role)))
            .and_then(|mut st| {
                st.query_map(params![1, i64::MAX, 50], |r| r.get::<_, String>(3))?
                    .collect::<rusqlite::Result<Vec<_>>>()
            })
            .map_err(|e| backend("planning a case page", e))?;
        out.push((name.to_string(), lines));
    }
    Ok(out)
}

impl SqliteStore {
    /// The query plans SQLite chooses for the case pages of each role (`detail` lines of
    /// `EXPLAIN QUERY PLAN`). Meant for tests and diagnostics.
    pub fn case_query_plans(&self) -> Result<Vec<(String, Vec<String>)>> {
        self.read(case_page_plans)
    }
}

impl CaseStore for SqliteStore {
    fn create_case(&self, case: &CaseRecord, participants: &[i64], audit: &NewAudit) -> Result<()> {
        self.write(|tx| create_case(tx, case, participants, audit))
    }

    fn case(&self, id: &str) -> Result<Option<CaseRecord>> {
        self.read(|c| {
            c.query_row(
                &format!("SELECT {CASE_COLS} FROM cases WHERE id = ?1"),
                [id],
                case_from_row,
            )
            .optional()
            .map_err(|e| backend("reading a case", e))
        })
    }

    fn case_page(&self, q: &CasePageQuery) -> Result<Vec<CasePageRow>> {
        self.read(|c| case_page(c, q))
    }

    fn set_case_status(
        &self,
        id: &str,
        from: &str,
        to: &str,
        reopen_reason: Option<&str>,
        now: i64,
        audit: &NewAudit,
        notices: &[NewDomainEvent],
    ) -> Result<bool> {
        self.write(|tx| {
            let applied = tx
                .execute(
                    "UPDATE cases SET status = ?3, reopen_reason = coalesce(?4, reopen_reason), \
                 updated = ?5 WHERE id = ?1 AND status = ?2",
                    params![id, from, to, reopen_reason, now],
                )
                .map(|n| n == 1)
                .map_err(|e| backend("changing a case's status", e))?;
            if applied {
                insert_domain_events(tx, notices)?;
            }
            audit_if(tx, applied, audit)
        })
    }

    fn add_participant(
        &self,
        case_id: &str,
        org_id: i64,
        now: i64,
        audit: &NewAudit,
    ) -> Result<()> {
        self.write(|tx| {
            add_participant(tx, case_id, org_id, now)?;
            append_audit(tx, audit)
        })
    }

    fn remove_participant(&self, case_id: &str, org_id: i64, audit: &NewAudit) -> Result<bool> {
        self.write(|tx| {
            let applied = tx
                .execute(
                    "DELETE FROM case_participants WHERE case_id = ?1 AND org_id = ?2",
                    params![case_id, org_id],
                )
                .map(|n| n == 1)
                .map_err(|e| backend("removing a participant", e))?;
            audit_if(tx, applied, audit)
        })
    }

    fn participants(&self, case_id: &str) -> Result<Vec<CaseParticipant>> {
        self.read(|c| {
            query_list(
                c,
                "SELECT case_id, org_id, added FROM case_participants WHERE case_id = ?1 \
                 ORDER BY added, rowid",
                [case_id],
                |r| {
                    Ok(CaseParticipant {
                        case_id: r.get(0)?,
                        org_id: r.get(1)?,
                        added: r.get(2)?,
                    })
                },
                "listing participants",
            )
        })
    }

    fn add_case_object(&self, o: &CaseObject, audit: &NewAudit) -> Result<()> {
        self.write(|tx| {
            case_exists(tx, &o.case_id)?;
            tx.execute(
                "INSERT INTO case_objects (case_id, collection_id, object_id, added_by, added) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![o.case_id, o.collection_id, o.object_id, o.added_by, o.added],
            )
            .map_err(|e| insert_error(|_| format!("object '{}' of the case", o.object_id), e))?;
            append_audit(tx, audit)
        })
    }

    fn case_objects(&self, case_id: &str) -> Result<Vec<CaseObject>> {
        self.read(|c| {
            query_list(
                c,
                "SELECT case_id, collection_id, object_id, added_by, added FROM case_objects \
                 WHERE case_id = ?1 ORDER BY added, rowid",
                [case_id],
                |r| {
                    Ok(CaseObject {
                        case_id: r.get(0)?,
                        collection_id: r.get(1)?,
                        object_id: r.get(2)?,
                        added_by: r.get(3)?,
                        added: r.get(4)?,
                    })
                },
                "listing a case's objects",
            )
        })
    }

    fn add_action(&self, a: &ActionRecord, audit: &NewAudit) -> Result<()> {
        self.write(|tx| {
            case_exists(tx, &a.case_id)?;
            tx.execute(
                &format!(
                    "INSERT INTO case_actions ({ACTION_COLS}) VALUES \
                     (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"
                ),
                params![
                    a.id,
                    a.case_id,
                    a.counter_id,
                    a.title,
                    a.description,
                    a.performing_org_id,
                    a.target_org_id,
                    a.due,
                    a.status,
                    a.author_id,
                    a.proposer_id,
                    a.approver_id,
                    a.created,
                    a.updated
                ],
            )
            .map_err(|e| insert_error(|_| format!("action '{}'", a.id), e))?;
            append_audit(tx, audit)
        })
    }

    fn action(&self, case_id: &str, id: &str) -> Result<Option<ActionRecord>> {
        self.read(|c| {
            c.query_row(
                &format!("SELECT {ACTION_COLS} FROM case_actions WHERE case_id = ?1 AND id = ?2"),
                [case_id, id],
                action_from_row,
            )
            .optional()
            .map_err(|e| backend("reading an action", e))
        })
    }

    fn list_actions(&self, case_id: &str) -> Result<Vec<ActionRecord>> {
        self.read(|c| {
            query_list(
                c,
                &format!(
                    "SELECT {ACTION_COLS} FROM case_actions WHERE case_id = ?1 \
                     ORDER BY created, rowid"
                ),
                [case_id],
                action_from_row,
                "listing actions",
            )
        })
    }

    fn update_action(
        &self,
        a: &ActionRecord,
        expected_status: &str,
        audit: &NewAudit,
    ) -> Result<bool> {
        self.write(|tx| {
            let applied = tx
                .execute(
                    "UPDATE case_actions SET title = ?3, description = ?4, counter_id = ?5, \
                 target_org_id = ?6, due = ?7, status = ?8, proposer_id = ?9, approver_id = ?10, \
                 updated = ?11 WHERE id = ?1 AND case_id = ?2 AND status = ?12",
                    params![
                        a.id,
                        a.case_id,
                        a.title,
                        a.description,
                        a.counter_id,
                        a.target_org_id,
                        a.due,
                        a.status,
                        a.proposer_id,
                        a.approver_id,
                        a.updated,
                        expected_status
                    ],
                )
                .map(|n| n == 1)
                .map_err(|e| backend("updating an action", e))?;
            audit_if(tx, applied, audit)
        })
    }

    fn add_proposal(&self, p: &ProposalRecord, audit: &NewAudit) -> Result<()> {
        self.write(|tx| {
            case_exists(tx, &p.case_id)?;
            tx.execute(
                &format!(
                    "INSERT INTO case_proposals ({PROPOSAL_COLS}) VALUES \
                     (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
                ),
                params![
                    p.id,
                    p.case_id,
                    p.text,
                    p.rule,
                    p.deadline,
                    p.status,
                    p.created_by,
                    p.created,
                    p.updated
                ],
            )
            .map_err(|e| insert_error(|_| format!("proposal '{}'", p.id), e))?;
            append_audit(tx, audit)
        })
    }

    fn proposal(&self, case_id: &str, id: &str) -> Result<Option<ProposalRecord>> {
        self.read(|c| {
            c.query_row(
                &format!(
                    "SELECT {PROPOSAL_COLS} FROM case_proposals WHERE case_id = ?1 AND id = ?2"
                ),
                [case_id, id],
                proposal_from_row,
            )
            .optional()
            .map_err(|e| backend("reading a proposal", e))
        })
    }

    fn list_proposals(&self, case_id: &str) -> Result<Vec<ProposalRecord>> {
        self.read(|c| {
            query_list(
                c,
                &format!(
                    "SELECT {PROPOSAL_COLS} FROM case_proposals WHERE case_id = ?1 \
                     ORDER BY created, rowid"
                ),
                [case_id],
                proposal_from_row,
                "listing proposals",
            )
        })
    }

    fn cast_vote(&self, v: &VoteRecord, open_status: &str, audit: &NewAudit) -> Result<bool> {
        self.write(|tx| {
            let status: Option<String> = tx
                .query_row(
                    "SELECT status FROM case_proposals WHERE id = ?1",
                    [&v.proposal_id],
                    |r| r.get(0),
                )
                .optional()
                .map_err(|e| backend("reading a proposal's status", e))?;
            match status {
                None => {
                    return Err(StoreError::NotFound(format!(
                        "proposal '{}'",
                        v.proposal_id
                    )))
                }
                Some(s) if s != open_status => return Ok(false),
                Some(_) => {}
            }
            tx.execute(
                "INSERT INTO case_votes (proposal_id, org_id, user_id, ballot, cast_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![v.proposal_id, v.org_id, v.user_id, v.ballot, v.cast],
            )
            .map_err(|e| insert_error(|_| format!("vote of organisation {}", v.org_id), e))?;
            append_audit(tx, audit)?;
            Ok(true)
        })
    }

    fn votes(&self, proposal_id: &str) -> Result<Vec<VoteRecord>> {
        self.read(|c| {
            query_list(
                c,
                "SELECT proposal_id, org_id, user_id, ballot, cast_at FROM case_votes \
                 WHERE proposal_id = ?1 ORDER BY cast_at, rowid",
                [proposal_id],
                |r| {
                    Ok(VoteRecord {
                        proposal_id: r.get(0)?,
                        org_id: r.get(1)?,
                        user_id: r.get(2)?,
                        ballot: r.get(3)?,
                        cast: r.get(4)?,
                    })
                },
                "listing votes",
            )
        })
    }

    fn set_proposal_status(
        &self,
        id: &str,
        from: &str,
        to: &str,
        now: i64,
        audit: &NewAudit,
    ) -> Result<bool> {
        self.write(|tx| {
            let applied = tx.execute(
                "UPDATE case_proposals SET status = ?3, updated = ?4 WHERE id = ?1 AND status = ?2",
                params![id, from, to, now],
            )
            .map(|n| n == 1)
            .map_err(|e| backend("changing a proposal's status", e))?;
            audit_if(tx, applied, audit)
        })
    }

    fn record_case_step(&self, case_id: &str, audit: &NewAudit) -> Result<()> {
        self.write(|tx| {
            case_exists(tx, case_id)?;
            append_audit(tx, audit)
        })
    }

    fn deadline_actions(&self, until: i64, limit: usize) -> Result<Vec<ActionDeadlineRow>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.read(|c| {
            c.prepare_cached(&format!(
                "SELECT {ACTION_COLS}, \
                 (SELECT group_concat(m.kind) FROM action_reminders m \
                  WHERE m.action_id = case_actions.id) \
                 FROM case_actions WHERE due IS NOT NULL AND due <= ?1 \
                 AND status NOT IN ('done', 'failed', 'withdrawn') \
                 AND NOT EXISTS (SELECT 1 FROM action_reminders m \
                     WHERE m.action_id = case_actions.id AND m.kind = 'overdue') \
                 AND NOT EXISTS (SELECT 1 FROM cases k \
                     WHERE k.id = case_actions.case_id AND k.status = 'closed') \
                 ORDER BY due, id LIMIT ?2"
            ))
            .and_then(|mut st| {
                st.query_map(params![until, limit], |r| {
                    let sent: Option<String> = r.get(14)?;
                    Ok(ActionDeadlineRow {
                        action: action_from_row(r)?,
                        sent: split_kinds(sent),
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()
            })
            .map_err(|e| backend("listing actions with a due time", e))
        })
    }

    fn mark_action_reminder(&self, action_id: &str, kind: &str, at: i64) -> Result<bool> {
        self.write(|tx| {
            let known = tx
                .query_row(
                    "SELECT 1 FROM case_actions WHERE id = ?1",
                    [action_id],
                    |_| Ok(()),
                )
                .optional()
                .map_err(|e| backend("reading an action", e))?;
            if known.is_none() {
                return Err(StoreError::NotFound(format!("action '{action_id}'")));
            }
            tx.execute(
                "INSERT OR IGNORE INTO action_reminders (action_id, kind, sent) VALUES (?1, ?2, ?3)",
                params![action_id, kind, at],
            )
            .map(|n| n == 1)
            .map_err(|e| backend("marking an action reminder sent", e))
        })
    }

    fn proposals_past_deadline(&self, now: i64, limit: usize) -> Result<Vec<ProposalRecord>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.read(|c| {
            query_list(
                c,
                &format!(
                    "SELECT {PROPOSAL_COLS} FROM case_proposals \
                     WHERE status = 'open' AND deadline IS NOT NULL AND deadline < ?1 \
                     ORDER BY deadline, id LIMIT ?2"
                ),
                params![now, limit],
                proposal_from_row,
                "listing proposals past their deadline",
            )
        })
    }

    fn add_impact(&self, impact: &store::ImpactRecord, audit: &NewAudit) -> Result<()> {
        self.write(|tx| {
            case_exists(tx, &impact.case_id)?;
            impacts::insert(tx, impact)?;
            append_audit(tx, audit)
        })
    }

    fn list_impacts(&self, case_id: &str) -> Result<Vec<store::ImpactRecord>> {
        self.read(|c| impacts::list(c, case_id))
    }
}

/// The deadline messages of a `group_concat`, in a stable order.
pub(crate) fn split_kinds(sent: Option<String>) -> Vec<String> {
    let mut v: Vec<String> = sent
        .unwrap_or_default()
        .split(',')
        .filter(|k| !k.is_empty())
        .map(str::to_string)
        .collect();
    v.sort();
    v
}
