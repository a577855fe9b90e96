//! STIX object versions: ingest with the versioning rules, filtered scans, deletes.

use std::collections::HashMap;
use std::ops::ControlFlow;

use rusqlite::types::Value;
use rusqlite::{params, params_from_iter, Connection, OptionalExtension};
use store::{
    AddOutcome, NewObject, ObjectQuery, Result, StoreError, StoredObject, Tlp, VersionFilter,
};

use crate::accounts::{collection_key, require_collection};
use crate::util::{backend, format_version, now_micros, parse_col};

/// SQLite refuses statements with more bound values than this (bundled default 32766).
const MAX_PARAMS: usize = 30_000;

/// A collection touched by a batch: its key and the last `date_added` given in it.
struct CollState {
    ckey: i64,
    last_added: i64,
    dirty: bool,
}

/// Adds a batch of object versions inside the caller's transaction.
pub(crate) fn add_objects(c: &Connection, objs: &[NewObject]) -> Result<Vec<Result<AddOutcome>>> {
    let mut colls: HashMap<&str, Option<CollState>> = HashMap::new();
    let mut out = Vec::with_capacity(objs.len());
    for obj in objs {
        let state = match colls.get_mut(obj.collection_id.as_str()) {
            Some(s) => s,
            None => {
                let s = load_collection(c, &obj.collection_id)?;
                colls.entry(obj.collection_id.as_str()).or_insert(s)
            }
        };
        let outcome = match state {
            Some(state) => add_one(c, state, obj)?,
            None => Err(StoreError::NotFound(format!(
                "collection '{}'",
                obj.collection_id
            ))),
        };
        out.push(outcome);
    }
    for state in colls.values().flatten().filter(|s| s.dirty) {
        c.prepare_cached("UPDATE collections SET last_added = ?2 WHERE ckey = ?1")
            .and_then(|mut st| st.execute(params![state.ckey, state.last_added]))
            .map_err(|e| backend("recording a collection's last date_added", e))?;
    }
    Ok(out)
}

fn load_collection(c: &Connection, collection_id: &str) -> Result<Option<CollState>> {
    c.prepare_cached("SELECT ckey, last_added FROM collections WHERE id = ?1")
        .and_then(|mut st| {
            st.query_row([collection_id], |r| {
                Ok(CollState {
                    ckey: r.get(0)?,
                    last_added: r.get(1)?,
                    dirty: false,
                })
            })
            .optional()
        })
        .map_err(|e| backend("finding a collection", e))
}

/// Adds one version. The outer `Result` is a storage failure (the batch is abandoned),
/// the inner one the outcome for this object.
fn add_one(c: &Connection, coll: &mut CollState, obj: &NewObject) -> Result<Result<AddOutcome>> {
    if obj.version.is_none() {
        return add_unversioned(c, coll, obj);
    }
    let fail = |what: &str, e| backend(format!("{what} for {}", obj.id), e);

    // Ownership and revocation are facts about the id in this collection. An id never seen
    // in the collection needs no further lookups.
    let state: Option<(i64, bool)> = c
        .prepare_cached(
            "SELECT owner_org_id, revoked FROM object_state WHERE ckey = ?1 AND id = ?2",
        )
        .and_then(|mut st| {
            st.query_row(params![coll.ckey, obj.id], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()
        })
        .map_err(|e| fail("looking up the owner", e))?;
    let Some((owner_org, revoked)) = state else {
        c.prepare_cached(
            "INSERT INTO object_state (ckey, id, owner_org_id, revoked, revoked_version)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .and_then(|mut st| {
            st.execute(params![
                coll.ckey,
                obj.id,
                obj.owner_org_id,
                obj.revoked,
                obj.version.filter(|_| obj.revoked)
            ])
        })
        .map_err(|e| fail("recording the owner", e))?;
        // Without a state row the collection holds no version of the id.
        return insert_version(c, coll, obj, true, true).map(Ok);
    };

    // 1. The same (id, version) already in this collection: identical or a conflict.
    let same: Option<(i64, bool)> = c
        .prepare_cached(
            "SELECT date_added, json = ?4 FROM objects
             WHERE ckey = ?1 AND id = ?2 AND version IS ?3",
        )
        .and_then(|mut st| {
            st.query_row(params![coll.ckey, obj.id, obj.version, obj.json], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()
        })
        .map_err(|e| fail("looking up the version", e))?;
    if let Some((date_added, identical)) = same {
        return Ok(if identical {
            Ok(AddOutcome::Unchanged { date_added })
        } else {
            Err(StoreError::VersionConflict {
                id: obj.id.clone(),
                version: format_version(obj.version),
            })
        });
    }

    // 2. Only the owner adds versions, and none (older or newer) once it is revoked.
    if owner_org != obj.owner_org_id {
        return Ok(Err(StoreError::NotOwner { id: obj.id.clone() }));
    }
    if revoked {
        return Ok(Err(StoreError::Revoked { id: obj.id.clone() }));
    }
    if obj.revoked {
        c.prepare_cached(
            "UPDATE object_state SET revoked = 1, revoked_version = ?3 WHERE ckey = ?1 AND id = ?2",
        )
        .and_then(|mut st| st.execute(params![coll.ckey, obj.id, obj.version]))
        .map_err(|e| fail("recording the revocation", e))?;
    }

    // 3. First and last version flags.
    let last = edge_version(c, coll.ckey, &obj.id, "DESC")?;
    let first = edge_version(c, coll.ckey, &obj.id, "ASC")?;
    let is_last = last.is_none_or(|(_, v)| obj.version > v);
    let is_first = first.is_none_or(|(_, v)| obj.version < v);
    if is_last {
        if let Some((seq, _)) = last {
            set_flag(c, "is_last", seq, false)?;
        }
    }
    if is_first {
        if let Some((seq, _)) = first {
            set_flag(c, "is_first", seq, false)?;
        }
    }
    insert_version(c, coll, obj, is_last, is_first).map(Ok)
}

/// Adds an unversioned object (a cyber-observable). Nobody owns it: each organisation keeps
/// its own copy in the collection, which is its own first and last version, so an id stored
/// by another organisation changes nothing for the submitter.
fn add_unversioned(
    c: &Connection,
    coll: &mut CollState,
    obj: &NewObject,
) -> Result<Result<AddOutcome>> {
    let same: Option<(i64, bool)> = c
        .prepare_cached(
            "SELECT date_added, json = ?4 FROM objects INDEXED BY objects_unversioned
             WHERE ckey = ?1 AND id = ?2 AND submitter_org_id = ?3 AND version IS NULL",
        )
        .and_then(|mut st| {
            st.query_row(
                params![coll.ckey, obj.id, obj.submitter_org_id, obj.json],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
        })
        .map_err(|e| backend(format!("looking up the copy of {}", obj.id), e))?;
    match same {
        Some((date_added, true)) => Ok(Ok(AddOutcome::Unchanged { date_added })),
        Some((_, false)) => Ok(Err(StoreError::VersionConflict {
            id: obj.id.clone(),
            version: format_version(None),
        })),
        None => insert_version(c, coll, obj, true, true).map(Ok),
    }
}

/// Inserts a new version row with its first/last flags; returns `Added`.
fn insert_version(
    c: &Connection,
    coll: &mut CollState,
    obj: &NewObject,
    is_last: bool,
    is_first: bool,
) -> Result<AddOutcome> {
    // 4. The row itself.
    let date_added = now_micros().max(coll.last_added.saturating_add(1));
    let recipients = if obj.recipients.is_empty() {
        None
    } else {
        Some(
            serde_json::to_string(&obj.recipients)
                .map_err(|e| StoreError::Backend(format!("encoding recipients: {e}")))?,
        )
    };
    c.prepare_cached(
        "INSERT INTO objects (ckey, id, stix_type, spec_version, version, date_added, json,
             tlp, recipients, created_by_ref, revoked, submitter_user_id, submitter_org_id,
             is_last, is_first)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
    )
    .and_then(|mut st| {
        st.execute(params![
            coll.ckey,
            obj.id,
            obj.stix_type,
            obj.spec_version,
            obj.version,
            date_added,
            obj.json,
            obj.tlp.map(Tlp::as_str),
            recipients,
            obj.created_by_ref,
            obj.revoked,
            obj.submitter_user_id,
            obj.submitter_org_id,
            is_last,
            is_first,
        ])
    })
    .map_err(|e| backend(format!("inserting a version of {}", obj.id), e))?;
    coll.last_added = date_added;
    coll.dirty = true;
    Ok(AddOutcome::Added { date_added })
}

/// The (seq, version) of the last (`DESC`) or first (`ASC`) version of an object (unversioned
/// copies are their own first and last versions and are not counted).
fn edge_version(
    c: &Connection,
    ckey: i64,
    id: &str,
    order: &str,
) -> Result<Option<(i64, Option<i64>)>> {
    let sql = format!(
        "SELECT seq, version FROM objects WHERE ckey = ?1 AND id = ?2 AND version IS NOT NULL
         ORDER BY version {order} LIMIT 1"
    );
    c.prepare_cached(&sql)
        .and_then(|mut st| {
            st.query_row(params![ckey, id], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()
        })
        .map_err(|e| backend(format!("finding the edge versions of {id}"), e))
}

fn set_flag(c: &Connection, flag: &str, seq: i64, value: bool) -> Result<()> {
    let sql = format!("UPDATE objects SET {flag} = ?2 WHERE seq = ?1");
    c.prepare_cached(&sql)
        .and_then(|mut st| st.execute(params![seq, value]))
        .map_err(|e| backend(format!("updating {flag}"), e))?;
    Ok(())
}

/// Appends `column IN (?, ?, ...)` for `values` to `sql`.
fn push_in(
    sql: &mut String,
    args: &mut Vec<Value>,
    column: &str,
    values: impl Iterator<Item = Value>,
) {
    sql.push_str(column);
    sql.push_str(" IN (");
    for (i, v) in values.enumerate() {
        if i > 0 {
            sql.push(',');
        }
        sql.push('?');
        args.push(v);
    }
    sql.push(')');
}

/// The SQL condition selecting versions by `match[version]`, or `None` for "every version".
fn version_condition(f: &VersionFilter, args: &mut Vec<Value>) -> Option<String> {
    if f.all {
        return None;
    }
    let mut parts = Vec::new();
    if f.last {
        parts.push("is_last = 1".to_string());
    }
    if f.first {
        parts.push("is_first = 1".to_string());
    }
    if !f.at.is_empty() {
        let mut s = String::new();
        push_in(
            &mut s,
            args,
            "version",
            f.at.iter().map(|v| Value::Integer(*v)),
        );
        parts.push(s);
    }
    if parts.is_empty() {
        // A filter with no selector selects nothing.
        return Some("0".to_string());
    }
    Some(format!("({})", parts.join(" OR ")))
}

const OBJECT_COLS: &str = "seq, id, stix_type, spec_version, version, date_added, json, tlp, \
                           recipients, created_by_ref, submitter_user_id, submitter_org_id";

/// Builds the scan statement for `query` on collection `ckey`.
fn scan_sql(ckey: i64, query: &ObjectQuery) -> Result<(String, Vec<Value>)> {
    let index = if !query.ids.is_empty() {
        "objects_id"
    } else if query.types.len() == 1 {
        "objects_type"
    } else {
        "objects_page"
    };
    let mut sql = format!("SELECT {OBJECT_COLS} FROM objects INDEXED BY {index} WHERE ckey = ?");
    let mut args = vec![Value::Integer(ckey)];
    if let Some(p) = query.after {
        sql.push_str(" AND (date_added, seq) > (?, ?)");
        args.push(Value::Integer(p.date_added));
        args.push(Value::Integer(p.seq));
    }
    if let Some(t) = query.added_after {
        sql.push_str(" AND date_added > ?");
        args.push(Value::Integer(t));
    }
    if !query.ids.is_empty() {
        sql.push_str(" AND ");
        push_in(
            &mut sql,
            &mut args,
            "id",
            query.ids.iter().map(|s| Value::Text(s.clone())),
        );
    }
    if !query.types.is_empty() {
        sql.push_str(" AND ");
        push_in(
            &mut sql,
            &mut args,
            "stix_type",
            query.types.iter().map(|s| Value::Text(s.clone())),
        );
    }
    if !query.spec_versions.is_empty() {
        sql.push_str(" AND ");
        push_in(
            &mut sql,
            &mut args,
            "spec_version",
            query.spec_versions.iter().map(|s| Value::Text(s.clone())),
        );
    }
    if let Some(cond) = version_condition(&query.versions, &mut args) {
        sql.push_str(" AND ");
        sql.push_str(&cond);
    }
    sql.push_str(" ORDER BY date_added, seq");
    if args.len() > MAX_PARAMS {
        return Err(StoreError::Invalid(format!(
            "the object query on collection '{}' has {} filter values; at most {MAX_PARAMS} \
             are supported",
            query.collection_id,
            args.len()
        )));
    }
    Ok((sql, args))
}

/// Streams the versions matching `query` to `visit`, in (date_added, seq) order.
pub(crate) fn scan_objects(
    c: &Connection,
    query: &ObjectQuery,
    visit: &mut dyn FnMut(StoredObject) -> ControlFlow<()>,
) -> Result<()> {
    let ckey = require_collection(c, &query.collection_id)?;
    let (sql, args) = scan_sql(ckey, query)?;
    let fail = |e| backend(format!("scanning collection '{}'", query.collection_id), e);
    let mut st = c.prepare_cached(&sql).map_err(fail)?;
    let mut rows = st.query(params_from_iter(args)).map_err(fail)?;
    while let Some(r) = rows.next().map_err(fail)? {
        let tlp: Option<String> = r.get(7).map_err(fail)?;
        let recipients: Option<String> = r.get(8).map_err(fail)?;
        let obj = StoredObject {
            collection_id: query.collection_id.clone(),
            seq: r.get(0).map_err(fail)?,
            id: r.get(1).map_err(fail)?,
            stix_type: r.get(2).map_err(fail)?,
            spec_version: r.get(3).map_err(fail)?,
            version: r.get(4).map_err(fail)?,
            date_added: r.get(5).map_err(fail)?,
            json: r.get(6).map_err(fail)?,
            tlp: tlp
                .as_deref()
                .map(|t| parse_col("objects", "tlp", t))
                .transpose()?,
            recipients: match recipients {
                Some(text) => serde_json::from_str(&text).map_err(|e| {
                    StoreError::Invalid(format!("objects.recipients holds bad JSON: {e}"))
                })?,
                None => Vec::new(),
            },
            created_by_ref: r.get(9).map_err(fail)?,
            submitter_user_id: r.get(10).map_err(fail)?,
            submitter_org_id: r.get(11).map_err(fail)?,
        };
        if visit(obj).is_break() {
            break;
        }
    }
    Ok(())
}

/// Deletes the selected versions of one object and re-flags its first and last versions.
pub(crate) fn delete_object(
    c: &Connection,
    collection_id: &str,
    id: &str,
    versions: &VersionFilter,
) -> Result<u64> {
    let ckey = require_collection(c, collection_id)?;
    let mut args = vec![Value::Integer(ckey), Value::Text(id.to_string())];
    // The selected versions; every version when there is no condition.
    let selected = version_condition(versions, &mut args).unwrap_or_else(|| "1 = 1".to_string());
    if args.len() > MAX_PARAMS {
        return Err(StoreError::Invalid(format!(
            "deleting {id}: {} version values; at most {MAX_PARAMS} are supported",
            args.len()
        )));
    }
    let fail = |e| {
        backend(
            format!("deleting {id} from collection '{collection_id}'"),
            e,
        )
    };
    let exists = |sql: &str| {
        c.prepare_cached(sql)
            .and_then(|mut st| st.exists(params_from_iter(args.iter())))
            .map_err(fail)
    };
    // Revocation is final: the revoking version is deleted only with every other version,
    // so what remains is never an un-revoked object (the object's state stays revoked).
    let object = "FROM objects WHERE ckey = ? AND id = ?";
    if exists(&format!(
        "SELECT 1 {object} AND ({selected}) AND revoked = 1 LIMIT 1"
    ))? && exists(&format!("SELECT 1 {object} AND NOT ({selected}) LIMIT 1"))?
    {
        return Err(StoreError::Revoked { id: id.to_string() });
    }
    let sql = format!("DELETE {object} AND ({selected})");
    let n = c
        .prepare_cached(&sql)
        .and_then(|mut st| st.execute(params_from_iter(args)))
        .map_err(fail)?;
    if n > 0 {
        reflag(c, ckey, id).map_err(fail)?;
    }
    Ok(n as u64)
}

/// Re-flags the first and last versions of an object; unversioned copies stay both.
fn reflag(c: &Connection, ckey: i64, id: &str) -> rusqlite::Result<usize> {
    c.prepare_cached(
        "UPDATE objects SET
             is_last = (version IS NULL OR seq = (SELECT seq FROM objects
                 WHERE ckey = ?1 AND id = ?2 AND version IS NOT NULL
                 ORDER BY version DESC LIMIT 1)),
             is_first = (version IS NULL OR seq = (SELECT seq FROM objects
                 WHERE ckey = ?1 AND id = ?2 AND version IS NOT NULL
                 ORDER BY version ASC LIMIT 1))
         WHERE ckey = ?1 AND id = ?2",
    )
    .and_then(|mut st| st.execute(params![ckey, id]))
}

/// Deletes one organisation's copy of an unversioned object.
pub(crate) fn delete_copy(
    c: &Connection,
    collection_id: &str,
    id: &str,
    org_id: i64,
) -> Result<u64> {
    let ckey = require_collection(c, collection_id)?;
    let n = c
        .prepare_cached(
            "DELETE FROM objects WHERE ckey = ?1 AND id = ?2 AND submitter_org_id = ?3
             AND version IS NULL",
        )
        .and_then(|mut st| st.execute(params![ckey, id, org_id]))
        .map_err(|e| backend(format!("deleting a copy of {id} from '{collection_id}'"), e))?;
    Ok(n as u64)
}

/// Counts the versions in a collection.
pub(crate) fn count_objects(c: &Connection, collection_id: &str) -> Result<u64> {
    let ckey = require_collection(c, collection_id)?;
    c.prepare_cached("SELECT count(*) FROM objects WHERE ckey = ?1")
        .and_then(|mut st| st.query_row([ckey], |r| r.get::<_, i64>(0)))
        .map(|n| n.max(0) as u64)
        .map_err(|e| backend(format!("counting collection '{collection_id}'"), e))
}

/// `EXPLAIN QUERY PLAN` of the hot statements, for tests and diagnostics.
pub(crate) fn query_plans(
    c: &Connection,
    query: &ObjectQuery,
) -> Result<Vec<(String, Vec<String>)>> {
    let ckey = collection_key(c, &query.collection_id)?.unwrap_or(0);
    let (scan, scan_args) = scan_sql(ckey, query)?;
    let lookup_version = "SELECT date_added, json = ?4 FROM objects \
                          WHERE ckey = ?1 AND id = ?2 AND version IS ?3";
    let lookup_last = "SELECT seq, version FROM objects WHERE ckey = ?1 AND id = ?2 \
                       ORDER BY version DESC LIMIT 1";
    let page = "SELECT seq FROM objects WHERE ckey = ?1 AND (date_added, seq) > (?2, ?3) \
                ORDER BY date_added, seq LIMIT 100";
    let fixed: [(&str, &str, Vec<Value>); 3] = [
        (
            "lookup by (id, version)",
            lookup_version,
            vec![
                Value::Integer(ckey),
                Value::Text("x".into()),
                Value::Integer(0),
                Value::Text("{}".into()),
            ],
        ),
        (
            "last version of an id",
            lookup_last,
            vec![Value::Integer(ckey), Value::Text("x".into())],
        ),
        (
            "page after a position",
            page,
            vec![Value::Integer(ckey), Value::Integer(0), Value::Integer(0)],
        ),
    ];
    let mut out = Vec::new();
    for (name, sql, args) in fixed.into_iter().chain(std::iter::once((
        "scan for the query",
        scan.as_str(),
        scan_args,
    ))) {
        let explain = format!("EXPLAIN QUERY PLAN {sql}");
        let lines = c
            .prepare(&explain)
            .and_then(|mut st| {
                st.query_map(params_from_iter(args), |r| r.get::<_, String>(3))?
                    .collect::<rusqlite::Result<Vec<_>>>()
            })
            .map_err(|e| backend(format!("explaining {name}"), e))?;
        out.push((name.to_string(), lines));
    }
    Ok(out)
}
