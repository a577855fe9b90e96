//! Audit: appending records to the audit log together with their leaf and the complete
//! subtrees they close, reading the tree, and checkpoints.

use std::ops::ControlFlow;

use rusqlite::{params, Connection, OptionalExtension, Row};
use store::{
    AuditEntry, AuditItem, AuditLeaf, AuditNode, AuditQuery, Checkpoint, NewAudit, Result,
    StoreError,
};

use crate::util::{backend, now_secs};

/// The columns of a record, then its leaf (`NULL` when it has none).
const ENTRY_COLUMNS: &str = "a.seq, a.at, a.actor, a.actor_org_id, a.action, a.target, \
     a.target_org_id, a.detail, a.nonce, l.idx, l.hash";

fn hash32(what: &str, v: Vec<u8>) -> rusqlite::Result<[u8; 32]> {
    v.try_into().map_err(|v: Vec<u8>| {
        rusqlite::Error::FromSqlConversionFailure(
            v.len(),
            rusqlite::types::Type::Blob,
            format!("{what} is {} bytes, not 32", v.len()).into(),
        )
    })
}

fn entry_from_row(r: &Row<'_>) -> rusqlite::Result<AuditEntry> {
    let idx: Option<i64> = r.get(9)?;
    let hash: Option<Vec<u8>> = r.get(10)?;
    let leaf = match (idx, hash) {
        (Some(i), Some(h)) => Some((i as u64, hash32("a leaf hash", h)?)),
        _ => None,
    };
    Ok(AuditEntry {
        seq: r.get(0)?,
        at: r.get(1)?,
        actor: r.get(2)?,
        actor_org_id: r.get(3)?,
        action: r.get(4)?,
        target: r.get(5)?,
        target_org_id: r.get(6)?,
        detail: r.get(7)?,
        nonce: r.get::<_, Option<Vec<u8>>>(8)?.unwrap_or_default(),
        leaf,
    })
}

/// Appends a record and its leaf, in the caller's transaction: the one entry point of every
/// store method that takes a `NewAudit`.
pub(crate) fn append(c: &Connection, a: &NewAudit) -> Result<AuditEntry> {
    let at = now_secs();
    let (seq, nonce): (i64, Vec<u8>) = c
        .prepare_cached(
            "INSERT INTO account_audit
                 (at, actor, actor_org_id, action, target, target_org_id, detail, nonce)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, randomblob(16))
             RETURNING seq, nonce",
        )
        .and_then(|mut st| {
            st.query_row(
                params![
                    at,
                    a.actor,
                    a.actor_org_id,
                    a.action,
                    a.target,
                    a.target_org_id,
                    a.detail
                ],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
        })
        .map_err(|e| backend("appending to the audit log", e))?;
    let mut entry = AuditEntry {
        seq,
        at,
        actor: a.actor.clone(),
        actor_org_id: a.actor_org_id,
        action: a.action.clone(),
        target: a.target.clone(),
        target_org_id: a.target_org_id,
        detail: a.detail.clone(),
        nonce,
        leaf: None,
    };
    entry.leaf = Some(add_leaf(c, &entry)?);
    Ok(entry)
}

/// Adds a record's leaf at the next index and stores the complete subtrees it closes.
fn add_leaf(c: &Connection, entry: &AuditEntry) -> Result<(u64, [u8; 32])> {
    let err = |e| backend("adding a leaf to the audit tree", e);
    let index: i64 = c
        .prepare_cached("SELECT coalesce(max(idx) + 1, 0) FROM audit_leaves")
        .and_then(|mut st| st.query_row([], |r| r.get(0)))
        .map_err(err)?;
    let leaf = merkle::leaf_hash(&entry.canonical_bytes());
    c.prepare_cached("INSERT INTO audit_leaves (idx, seq, hash) VALUES (?1, ?2, ?3)")
        .and_then(|mut st| st.execute(params![index, entry.seq, &leaf[..]]))
        .map_err(err)?;
    let mut cur = leaf;
    for (left, parent) in merkle::completed_by(index as u64) {
        let left_hash = node(c, left.level, left.index)?.ok_or_else(|| {
            StoreError::Backend(format!(
                "the audit tree lacks node ({}, {}) below leaf {index}",
                left.level, left.index
            ))
        })?;
        cur = merkle::node_hash(&left_hash, &cur);
        c.prepare_cached("INSERT INTO audit_nodes (level, idx, hash) VALUES (?1, ?2, ?3)")
            .and_then(|mut st| st.execute(params![parent.level, parent.index as i64, &cur[..]]))
            .map_err(err)?;
    }
    Ok((index as u64, leaf))
}

/// One stored complete subtree (level 0: a leaf).
fn node(c: &Connection, level: u32, index: u64) -> Result<Option<[u8; 32]>> {
    let sql = if level == 0 {
        "SELECT hash FROM audit_leaves WHERE idx = ?2 AND ?1 = 0"
    } else {
        "SELECT hash FROM audit_nodes WHERE level = ?1 AND idx = ?2"
    };
    let found: Option<Vec<u8>> = c
        .prepare_cached(sql)
        .and_then(|mut st| {
            st.query_row(params![level, index as i64], |r| r.get(0))
                .optional()
        })
        .map_err(|e| backend("reading the audit tree", e))?;
    found
        .map(|h| hash32("a tree hash", h).map_err(|e| backend("reading the audit tree", e)))
        .transpose()
}

/// Gives every record without a leaf its leaf, once, for records written before schema
/// version 9 (afterwards a record without a leaf is tampering, which `rrm audit verify`
/// reports).
pub(crate) fn backfill(c: &Connection) -> Result<()> {
    let err = |e| backend("computing the leaves of older audit records", e);
    let pending: i64 = c
        .query_row("SELECT count(*) FROM audit_backfill", [], |r| r.get(0))
        .map_err(err)?;
    if pending == 0 {
        return Ok(());
    }
    // In chunks, each read before its leaves are written, so memory stays bounded.
    let sql = format!(
        "SELECT {ENTRY_COLUMNS} FROM account_audit a LEFT JOIN audit_leaves l ON l.seq = a.seq
         WHERE l.seq IS NULL AND a.seq > ?1 ORDER BY a.seq LIMIT 10000"
    );
    let mut after = i64::MIN;
    loop {
        let entries: Vec<AuditEntry> = {
            let mut st = c.prepare_cached(&sql).map_err(err)?;
            let rows = st.query_map([after], entry_from_row).map_err(err)?;
            rows.collect::<rusqlite::Result<_>>().map_err(err)?
        };
        let Some(last) = entries.last() else { break };
        after = last.seq;
        for e in &entries {
            add_leaf(c, e)?;
        }
    }
    c.execute("DELETE FROM audit_backfill", []).map_err(err)?;
    Ok(())
}

/// Reads the audit log, oldest first.
pub(crate) fn list(c: &Connection, q: &AuditQuery) -> Result<Vec<AuditEntry>> {
    let limit = i64::try_from(q.limit).unwrap_or(i64::MAX);
    let sql = format!(
        "SELECT {ENTRY_COLUMNS} FROM account_audit a LEFT JOIN audit_leaves l ON l.seq = a.seq
         WHERE a.seq > ?1 AND (?2 IS NULL OR a.target_org_id = ?2)
         ORDER BY a.seq LIMIT ?3"
    );
    c.prepare_cached(&sql)
        .and_then(|mut st| {
            st.query_map(params![q.after, q.org_id, limit], entry_from_row)?
                .collect()
        })
        .map_err(|e| backend("reading the audit log", e))
}

/// The record at a leaf index.
pub(crate) fn entry_at(c: &Connection, index: u64) -> Result<Option<AuditEntry>> {
    let sql = format!(
        "SELECT {ENTRY_COLUMNS} FROM audit_leaves l JOIN account_audit a ON a.seq = l.seq
         WHERE l.idx = ?1"
    );
    c.prepare_cached(&sql)
        .and_then(|mut st| st.query_row([index as i64], entry_from_row).optional())
        .map_err(|e| backend("reading an audit record", e))
}

/// How many leaves the tree has.
pub(crate) fn size(c: &Connection) -> Result<u64> {
    c.prepare_cached("SELECT coalesce(max(idx) + 1, 0) FROM audit_leaves")
        .and_then(|mut st| st.query_row([], |r| r.get::<_, i64>(0)))
        .map(|n| n as u64)
        .map_err(|e| backend("reading the audit tree size", e))
}

/// Several stored complete subtrees.
pub(crate) fn nodes(c: &Connection, wanted: &[(u32, u64)]) -> Result<Vec<Option<[u8; 32]>>> {
    wanted.iter().map(|&(l, i)| node(c, l, i)).collect()
}

fn checkpoint_from_row(r: &Row<'_>) -> rusqlite::Result<Checkpoint> {
    let sig: Vec<u8> = r.get(3)?;
    let signature: [u8; 64] = sig.try_into().map_err(|v: Vec<u8>| {
        rusqlite::Error::FromSqlConversionFailure(
            v.len(),
            rusqlite::types::Type::Blob,
            format!("a checkpoint signature is {} bytes, not 64", v.len()).into(),
        )
    })?;
    Ok(Checkpoint {
        size: r.get::<_, i64>(0)? as u64,
        root: hash32("a checkpoint root", r.get(1)?)?,
        at: r.get(2)?,
        signature,
    })
}

/// Stores a checkpoint unless one of its size exists; returns the stored one.
pub(crate) fn add_checkpoint(c: &Connection, cp: &Checkpoint) -> Result<Checkpoint> {
    let err = |e| backend("storing an audit checkpoint", e);
    c.prepare_cached(
        "INSERT INTO audit_checkpoints (size, root, at, signature) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (size) DO NOTHING",
    )
    .and_then(|mut st| {
        st.execute(params![
            cp.size as i64,
            &cp.root[..],
            cp.at,
            &cp.signature[..]
        ])
    })
    .map_err(err)?;
    c.prepare_cached("SELECT size, root, at, signature FROM audit_checkpoints WHERE size = ?1")
        .and_then(|mut st| st.query_row([cp.size as i64], checkpoint_from_row))
        .map_err(err)
}

/// Every checkpoint, by size.
pub(crate) fn list_checkpoints(c: &Connection) -> Result<Vec<Checkpoint>> {
    c.prepare_cached("SELECT size, root, at, signature FROM audit_checkpoints ORDER BY size")
        .and_then(|mut st| st.query_map([], checkpoint_from_row)?.collect())
        .map_err(|e| backend("reading the audit checkpoints", e))
}

/// Hands checkpoints, leaves, records and nodes to `f`, inside one read transaction.
pub(crate) fn scan(c: &Connection, f: &mut dyn FnMut(AuditItem) -> ControlFlow<()>) -> Result<()> {
    c.execute_batch("BEGIN")
        .map_err(|e| backend("starting a read of the audit log", e))?;
    let out = scan_in(c, f);
    let end = c
        .execute_batch("COMMIT")
        .map_err(|e| backend("ending a read of the audit log", e));
    out.and(end)
}

fn scan_in(c: &Connection, f: &mut dyn FnMut(AuditItem) -> ControlFlow<()>) -> Result<()> {
    let err = |e| backend("reading the audit log", e);
    for cp in list_checkpoints(c)? {
        if f(AuditItem::Checkpoint(cp)).is_break() {
            return Ok(());
        }
    }
    {
        let mut st = c
            .prepare("SELECT idx, seq, hash FROM audit_leaves ORDER BY idx")
            .map_err(err)?;
        let mut rows = st.query([]).map_err(err)?;
        while let Some(r) = rows.next().map_err(err)? {
            let leaf = AuditLeaf {
                index: r.get::<_, i64>(0).map_err(err)? as u64,
                seq: r.get(1).map_err(err)?,
                hash: hash32("a leaf hash", r.get(2).map_err(err)?).map_err(err)?,
            };
            if f(AuditItem::Leaf(leaf)).is_break() {
                return Ok(());
            }
        }
    }
    {
        let mut st = c
            .prepare(
                "SELECT seq, at, actor, actor_org_id, action, target, target_org_id, detail,
                        nonce, NULL, NULL
                 FROM account_audit a ORDER BY seq",
            )
            .map_err(err)?;
        let mut rows = st.query([]).map_err(err)?;
        while let Some(r) = rows.next().map_err(err)? {
            let e = entry_from_row(r).map_err(err)?;
            if f(AuditItem::Entry(e)).is_break() {
                return Ok(());
            }
        }
    }
    let mut st = c
        .prepare("SELECT level, idx, hash FROM audit_nodes ORDER BY level, idx")
        .map_err(err)?;
    let mut rows = st.query([]).map_err(err)?;
    while let Some(r) = rows.next().map_err(err)? {
        let node = AuditNode {
            level: r.get(0).map_err(err)?,
            index: r.get::<_, i64>(1).map_err(err)? as u64,
            hash: hash32("a tree hash", r.get(2).map_err(err)?).map_err(err)?,
        };
        if f(AuditItem::Node(node)).is_break() {
            return Ok(());
        }
    }
    Ok(())
}
