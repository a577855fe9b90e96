//! Domain events, the transactional outbox of domain changes, in SQLite: written by the alert and
//! case stores inside their change's transaction, claimed and marked relayed through
//! `store::NotifyStore`.

use rusqlite::{params, Row, Transaction};
use store::{DomainEventRecord, NewDomainEvent, Result, StoreError};

use crate::util::{backend, insert_error};

pub(crate) const NOTICE_COLS: &str =
    "seq, id, domain, kind, subject_id, payload, orgs, created, attempts, relayed";

/// Writes `notices` in the caller's transaction.
pub(crate) fn insert_domain_events(tx: &Transaction<'_>, notices: &[NewDomainEvent]) -> Result<()> {
    if notices.is_empty() {
        return Ok(());
    }
    let mut st = tx
        .prepare_cached(
            "INSERT INTO domain_events (id, domain, kind, subject_id, payload, orgs, created) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )
        .map_err(|e| backend("preparing the notice insert", e))?;
    for n in notices {
        let orgs = n
            .orgs
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(",");
        st.execute(params![
            n.id,
            n.domain,
            n.kind,
            n.subject_id,
            n.payload,
            orgs,
            n.created
        ])
        .map_err(|e| insert_error(|_| format!("notice '{}'", n.id), e))?;
    }
    Ok(())
}

/// A notice row, its organisations still as text.
pub(crate) fn domain_event_from_row(r: &Row<'_>) -> rusqlite::Result<(DomainEventRecord, String)> {
    Ok((
        DomainEventRecord {
            seq: r.get(0)?,
            id: r.get(1)?,
            domain: r.get(2)?,
            kind: r.get(3)?,
            subject_id: r.get(4)?,
            payload: r.get(5)?,
            orgs: Vec::new(),
            created: r.get(7)?,
            attempts: r.get(8)?,
            relayed: r.get(9)?,
        },
        r.get(6)?,
    ))
}

/// Parses the organisations column into the record.
pub(crate) fn finish_notice(
    (mut n, orgs): (DomainEventRecord, String),
) -> Result<DomainEventRecord> {
    n.orgs = orgs
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<i64>()
                .map_err(|_| StoreError::Invalid(format!("notices.orgs of '{}' holds {s:?}", n.id)))
        })
        .collect::<Result<_>>()?;
    Ok(n)
}
