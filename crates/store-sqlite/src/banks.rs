//! Hash banks, entries and feedback in SQLite (`store::BankStore`).

use rusqlite::{params, Connection, OptionalExtension, Row};
use store::{
    Bank, BankEntry, BankStore, BankUpdate, Feedback, FeedbackCounts, FeedbackKind, Labels,
    NewBank, NewEntry, Result, SignalType, StoreError,
};

use crate::util::{backend, insert_error, now_secs, parse_col};
use crate::SqliteStore;

const BANK_COLS: &str = "id, name, description, owner_org_id, tlp, enabled, collection_id, created";
const ENTRY_COLS: &str = "id, bank_id, signal_type, value, content_type, producing_entity, \
                          behaviour, contributor_org_id, created, updated, enabled, stix_id";

fn bank_from_row(r: &Row<'_>) -> rusqlite::Result<(Bank, String)> {
    Ok((
        Bank {
            id: r.get(0)?,
            name: r.get(1)?,
            description: r.get(2)?,
            owner_org_id: r.get(3)?,
            // Replaced once the TLP text is parsed.
            tlp: store::Tlp::Red,
            enabled: r.get(5)?,
            collection_id: r.get(6)?,
            created: r.get(7)?,
        },
        r.get(4)?,
    ))
}

fn finish_bank((mut bank, tlp): (Bank, String)) -> Result<Bank> {
    bank.tlp = parse_col("banks", "tlp", &tlp)?;
    Ok(bank)
}

fn entry_from_row(r: &Row<'_>) -> rusqlite::Result<(BankEntry, String)> {
    Ok((
        BankEntry {
            id: r.get(0)?,
            bank_id: r.get(1)?,
            // Replaced once the signal type text is parsed.
            signal_type: SignalType::Pdq,
            value: r.get(3)?,
            labels: Labels {
                content_type: r.get(4)?,
                producing_entity: r.get(5)?,
                behaviour: r.get(6)?,
            },
            contributor_org_id: r.get(7)?,
            created: r.get(8)?,
            updated: r.get(9)?,
            enabled: r.get(10)?,
            stix_id: r.get(11)?,
        },
        r.get(2)?,
    ))
}

fn finish_entry((mut entry, signal_type): (BankEntry, String)) -> Result<BankEntry> {
    entry.signal_type = parse_col("bank_entries", "signal_type", &signal_type)?;
    Ok(entry)
}

fn exists(c: &Connection, sql: &str, key: &dyn rusqlite::ToSql, what: &str) -> Result<bool> {
    c.prepare_cached(sql)
        .and_then(|mut st| st.exists([key]))
        .map_err(|e| backend(format!("checking {what}"), e))
}

fn bank_where(c: &Connection, column: &str, value: &dyn rusqlite::ToSql) -> Result<Option<Bank>> {
    let sql = format!("SELECT {BANK_COLS} FROM banks WHERE {column} = ?1");
    let row = c
        .prepare_cached(&sql)
        .and_then(|mut st| st.query_row([value], bank_from_row).optional())
        .map_err(|e| backend(format!("reading a bank by {column}"), e))?;
    row.map(finish_bank).transpose()
}

fn entry_where(c: &Connection, id: i64) -> Result<Option<BankEntry>> {
    let sql = format!("SELECT {ENTRY_COLS} FROM bank_entries WHERE id = ?1");
    let row = c
        .prepare_cached(&sql)
        .and_then(|mut st| st.query_row([id], entry_from_row).optional())
        .map_err(|e| backend("reading a bank entry", e))?;
    row.map(finish_entry).transpose()
}

fn create_bank(c: &Connection, new: &NewBank) -> Result<Bank> {
    if !exists(
        c,
        "SELECT 1 FROM orgs WHERE id = ?1",
        &new.owner_org_id,
        "an organisation",
    )? {
        return Err(StoreError::NotFound(format!(
            "organisation id {} (owner of bank '{}')",
            new.owner_org_id, new.name
        )));
    }
    if !exists(
        c,
        "SELECT 1 FROM collections WHERE id = ?1",
        &new.collection_id,
        "a collection",
    )? {
        return Err(StoreError::NotFound(format!(
            "collection '{}' (for bank '{}')",
            new.collection_id, new.name
        )));
    }
    let created = now_secs();
    c.prepare_cached(
        "INSERT INTO banks (name, description, owner_org_id, tlp, enabled, collection_id, created)
         VALUES (?1, ?2, ?3, ?4, 1, ?5, ?6)",
    )
    .and_then(|mut st| {
        st.execute(params![
            new.name,
            new.description,
            new.owner_org_id,
            new.tlp.as_str(),
            new.collection_id,
            created
        ])
    })
    .map_err(|e| insert_error(|_| format!("bank '{}'", new.name), e))?;
    Ok(Bank {
        id: c.last_insert_rowid(),
        name: new.name.clone(),
        description: new.description.clone(),
        owner_org_id: new.owner_org_id,
        tlp: new.tlp,
        enabled: true,
        collection_id: new.collection_id.clone(),
        created,
    })
}

fn update_bank(c: &Connection, id: i64, u: &BankUpdate) -> Result<Bank> {
    let n = c
        .prepare_cached(
            "UPDATE banks SET description = COALESCE(?2, description), tlp = COALESCE(?3, tlp),
             enabled = COALESCE(?4, enabled) WHERE id = ?1",
        )
        .and_then(|mut st| {
            st.execute(params![
                id,
                u.description,
                u.tlp.map(|t| t.as_str()),
                u.enabled
            ])
        })
        .map_err(|e| backend("updating a bank", e))?;
    if n == 0 {
        return Err(StoreError::NotFound(format!("bank id {id}")));
    }
    bank_where(c, "id", &id)?.ok_or_else(|| StoreError::NotFound(format!("bank id {id}")))
}

fn add_entries(c: &Connection, new: &[NewEntry]) -> Result<Vec<BankEntry>> {
    let mut out = Vec::with_capacity(new.len());
    let mut known_bank: Option<i64> = None;
    let mut st = c
        .prepare_cached(
            "INSERT INTO bank_entries (bank_id, signal_type, value, content_type,
             producing_entity, behaviour, contributor_org_id, created, updated, enabled, stix_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, 1, ?9)",
        )
        .map_err(|e| backend("preparing an entry insert", e))?;
    for (i, e) in new.iter().enumerate() {
        if known_bank != Some(e.bank_id) {
            if !exists(c, "SELECT 1 FROM banks WHERE id = ?1", &e.bank_id, "a bank")? {
                return Err(StoreError::NotFound(format!("bank id {}", e.bank_id)));
            }
            known_bank = Some(e.bank_id);
        }
        st.execute(params![
            e.bank_id,
            e.signal_type.as_str(),
            e.value,
            e.labels.content_type,
            e.labels.producing_entity,
            e.labels.behaviour,
            e.contributor_org_id,
            e.created,
            e.stix_id
        ])
        .map_err(|err| {
            insert_error(
                |_| {
                    format!(
                        "entry {} of the input: {} value {} in bank id {}",
                        i + 1,
                        e.signal_type,
                        e.value,
                        e.bank_id
                    )
                },
                err,
            )
        })?;
        out.push(BankEntry {
            id: c.last_insert_rowid(),
            bank_id: e.bank_id,
            signal_type: e.signal_type,
            value: e.value.clone(),
            labels: e.labels.clone(),
            contributor_org_id: e.contributor_org_id,
            created: e.created,
            updated: e.created,
            enabled: true,
            stix_id: e.stix_id.clone(),
        });
    }
    Ok(out)
}

fn list_entries(
    c: &Connection,
    bank_id: Option<i64>,
    after_id: i64,
    limit: usize,
) -> Result<Vec<BankEntry>> {
    let sql = format!(
        "SELECT {ENTRY_COLS} FROM bank_entries WHERE (?1 IS NULL OR bank_id = ?1) AND id > ?2
         ORDER BY id LIMIT ?3"
    );
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let rows = c
        .prepare_cached(&sql)
        .and_then(|mut st| {
            st.query_map(params![bank_id, after_id, limit], entry_from_row)?
                .collect::<rusqlite::Result<Vec<_>>>()
        })
        .map_err(|e| backend("listing bank entries", e))?;
    rows.into_iter().map(finish_entry).collect()
}

fn set_entry_enabled(
    c: &Connection,
    id: i64,
    enabled: bool,
    updated: i64,
    stix_id: &str,
) -> Result<BankEntry> {
    c.prepare_cached(
        "INSERT OR IGNORE INTO bank_retired_indicators (entry_id, stix_id) \
         SELECT id, stix_id FROM bank_entries WHERE id = ?1 AND stix_id <> ?2",
    )
    .and_then(|mut st| st.execute(params![id, stix_id]))
    .map_err(|e| backend("keeping a bank entry's retired indicator", e))?;
    let n = c
        .prepare_cached(
            "UPDATE bank_entries SET enabled = ?2, updated = ?3, stix_id = ?4 WHERE id = ?1",
        )
        .and_then(|mut st| st.execute(params![id, enabled, updated, stix_id]))
        .map_err(|e| backend("updating a bank entry", e))?;
    if n == 0 {
        return Err(StoreError::NotFound(format!("bank entry id {id}")));
    }
    entry_where(c, id)?.ok_or_else(|| StoreError::NotFound(format!("bank entry id {id}")))
}

fn retired_stix_ids(c: &Connection, bank_id: i64) -> Result<Vec<(i64, String)>> {
    let mut st = c
        .prepare_cached(
            "SELECT r.entry_id, r.stix_id FROM bank_retired_indicators r \
             JOIN bank_entries e ON e.id = r.entry_id WHERE e.bank_id = ?1 \
             ORDER BY r.entry_id, r.stix_id",
        )
        .map_err(|e| backend("reading retired bank indicators", e))?;
    let rows = st
        .query_map(params![bank_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .map_err(|e| backend("reading retired bank indicators", e))?;
    rows.collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| backend("reading retired bank indicators", e))
}

fn put_feedback(c: &Connection, f: &Feedback) -> Result<()> {
    if !exists(
        c,
        "SELECT 1 FROM bank_entries WHERE id = ?1",
        &f.entry_id,
        "a bank entry",
    )? {
        return Err(StoreError::NotFound(format!(
            "bank entry id {}",
            f.entry_id
        )));
    }
    if !exists(
        c,
        "SELECT 1 FROM orgs WHERE id = ?1",
        &f.org_id,
        "an organisation",
    )? {
        return Err(StoreError::NotFound(format!(
            "organisation id {}",
            f.org_id
        )));
    }
    c.prepare_cached(
        "INSERT INTO bank_feedback (entry_id, org_id, kind, created) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (entry_id, org_id) DO UPDATE SET kind = excluded.kind,
         created = excluded.created",
    )
    .and_then(|mut st| st.execute(params![f.entry_id, f.org_id, f.kind.as_str(), f.created]))
    .map_err(|e| backend("storing feedback", e))?;
    Ok(())
}

fn feedback_counts(c: &Connection, entry_id: i64) -> Result<FeedbackCounts> {
    let rows = c
        .prepare_cached(
            "SELECT kind, COUNT(*) FROM bank_feedback WHERE entry_id = ?1 GROUP BY kind",
        )
        .and_then(|mut st| {
            st.query_map([entry_id], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()
        })
        .map_err(|e| backend("counting feedback", e))?;
    let mut counts = FeedbackCounts::default();
    for (kind, n) in rows {
        let n = u64::try_from(n).unwrap_or(0);
        match parse_col::<FeedbackKind>("bank_feedback", "kind", &kind)? {
            FeedbackKind::TruePositive => counts.true_positive = n,
            FeedbackKind::FalsePositive => counts.false_positive = n,
            FeedbackKind::DisagreeLabels => counts.disagree_labels = n,
        }
    }
    Ok(counts)
}

impl BankStore for SqliteStore {
    fn create_bank(&self, new: &NewBank) -> Result<Bank> {
        self.write(|tx| create_bank(tx, new))
    }

    fn bank_by_id(&self, id: i64) -> Result<Option<Bank>> {
        self.read(|c| bank_where(c, "id", &id))
    }

    fn bank_by_name(&self, owner_org_id: i64, name: &str) -> Result<Option<Bank>> {
        self.read(|c| {
            let sql =
                format!("SELECT {BANK_COLS} FROM banks WHERE owner_org_id = ?1 AND name = ?2");
            let row = c
                .prepare_cached(&sql)
                .and_then(|mut st| {
                    st.query_row(params![owner_org_id, name], bank_from_row)
                        .optional()
                })
                .map_err(|e| backend("reading a bank by owner and name", e))?;
            row.map(finish_bank).transpose()
        })
    }

    fn banks_named(&self, name: &str) -> Result<Vec<Bank>> {
        self.read(|c| {
            let sql = format!("SELECT {BANK_COLS} FROM banks WHERE name = ?1 ORDER BY id");
            let rows = c
                .prepare_cached(&sql)
                .and_then(|mut st| {
                    st.query_map([name], bank_from_row)?
                        .collect::<rusqlite::Result<Vec<_>>>()
                })
                .map_err(|e| backend("listing banks by name", e))?;
            rows.into_iter().map(finish_bank).collect()
        })
    }

    fn list_banks(&self) -> Result<Vec<Bank>> {
        self.read(|c| {
            let sql = format!("SELECT {BANK_COLS} FROM banks ORDER BY name, id");
            let rows = c
                .prepare_cached(&sql)
                .and_then(|mut st| {
                    st.query_map([], bank_from_row)?
                        .collect::<rusqlite::Result<Vec<_>>>()
                })
                .map_err(|e| backend("listing banks", e))?;
            rows.into_iter().map(finish_bank).collect()
        })
    }

    fn update_bank(&self, id: i64, update: &BankUpdate) -> Result<Bank> {
        self.write(|tx| update_bank(tx, id, update))
    }

    fn add_entries(&self, new: &[NewEntry]) -> Result<Vec<BankEntry>> {
        if new.is_empty() {
            return Ok(Vec::new());
        }
        self.write(|tx| add_entries(tx, new))
    }

    fn entry_by_id(&self, id: i64) -> Result<Option<BankEntry>> {
        self.read(|c| entry_where(c, id))
    }

    fn entries_by_ids(&self, ids: &[i64]) -> Result<Vec<BankEntry>> {
        let mut sorted = ids.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        self.read(|c| {
            let mut out = Vec::with_capacity(sorted.len());
            for id in sorted {
                if let Some(e) = entry_where(c, id)? {
                    out.push(e);
                }
            }
            Ok(out)
        })
    }

    fn entry_by_value(
        &self,
        bank_id: i64,
        signal_type: SignalType,
        value: &str,
    ) -> Result<Option<BankEntry>> {
        self.read(|c| {
            let sql = format!(
                "SELECT {ENTRY_COLS} FROM bank_entries
                 WHERE bank_id = ?1 AND signal_type = ?2 AND value = ?3"
            );
            let row = c
                .prepare_cached(&sql)
                .and_then(|mut st| {
                    st.query_row(
                        params![bank_id, signal_type.as_str(), value],
                        entry_from_row,
                    )
                    .optional()
                })
                .map_err(|e| backend("reading a bank entry by value", e))?;
            row.map(finish_entry).transpose()
        })
    }

    fn list_entries(
        &self,
        bank_id: Option<i64>,
        after_id: i64,
        limit: usize,
    ) -> Result<Vec<BankEntry>> {
        self.read(|c| list_entries(c, bank_id, after_id, limit))
    }

    fn set_entry_enabled(
        &self,
        id: i64,
        enabled: bool,
        updated: i64,
        stix_id: &str,
    ) -> Result<BankEntry> {
        self.write(|tx| set_entry_enabled(tx, id, enabled, updated, stix_id))
    }

    fn retired_stix_ids(&self, bank_id: i64) -> Result<Vec<(i64, String)>> {
        self.read(|c| retired_stix_ids(c, bank_id))
    }

    fn put_feedback(&self, feedback: &Feedback) -> Result<()> {
        self.write(|tx| put_feedback(tx, feedback))
    }

    fn feedback_counts(&self, entry_id: i64) -> Result<FeedbackCounts> {
        self.read(|c| feedback_counts(c, entry_id))
    }
}
