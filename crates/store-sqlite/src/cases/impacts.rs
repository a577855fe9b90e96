//! The impacts of response cases in SQLite (`case_impacts`, migration 16).

use rusqlite::{params, Connection, Row, Transaction};
use store::{ImpactRecord, Result};

use crate::util::{backend, insert_error};

const IMPACT_COLS: &str = "id, case_id, category, details, criticality, description, start_time, \
                           end_time, recoverability, entity_counts, org_id, created_by, created";

fn impact_from_row(r: &Row<'_>) -> rusqlite::Result<ImpactRecord> {
    Ok(ImpactRecord {
        id: r.get(0)?,
        case_id: r.get(1)?,
        category: r.get(2)?,
        details: r.get(3)?,
        criticality: r.get(4)?,
        description: r.get(5)?,
        start_time: r.get(6)?,
        end_time: r.get(7)?,
        recoverability: r.get(8)?,
        entity_counts: r.get(9)?,
        org_id: r.get(10)?,
        created_by: r.get(11)?,
        created: r.get(12)?,
    })
}

/// Inserts an impact (the caller checked that the case exists).
pub(super) fn insert(tx: &Transaction<'_>, i: &ImpactRecord) -> Result<()> {
    tx.execute(
        &format!(
            "INSERT INTO case_impacts ({IMPACT_COLS}) VALUES \
             (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"
        ),
        params![
            i.id,
            i.case_id,
            i.category,
            i.details,
            i.criticality,
            i.description,
            i.start_time,
            i.end_time,
            i.recoverability,
            i.entity_counts,
            i.org_id,
            i.created_by,
            i.created
        ],
    )
    .map_err(|e| insert_error(|_| format!("impact '{}'", i.id), e))?;
    Ok(())
}

/// A case's impacts, in the order they were recorded.
pub(super) fn list(c: &Connection, case_id: &str) -> Result<Vec<ImpactRecord>> {
    c.prepare_cached(&format!(
        "SELECT {IMPACT_COLS} FROM case_impacts WHERE case_id = ?1 ORDER BY created, rowid"
    ))
    .and_then(|mut st| {
        st.query_map([case_id], impact_from_row)?
            .collect::<rusqlite::Result<Vec<_>>>()
    })
    .map_err(|e| backend("listing a case's impacts", e))
}
