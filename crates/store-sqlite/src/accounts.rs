//! Organisations, users, tokens, collections, grants and TAXII statuses.

use rusqlite::{params, Connection, OptionalExtension, Row, ToSql};
use store::{
    Access, Collection, Grant, NewAudit, NewCollection, NewOrg, NewToken, NewUser, Org, Result,
    Status, StoreError, Token, User,
};

use crate::util::{backend, insert_error, now_secs, parse_col};

const ORG_COLS: &str = "id, slug, name, sector, country, identity_id, identity_json, created";
const USER_COLS: &str = "id, org_id, username, role, password_hash, created, disabled";
const COLLECTION_COLS: &str = "id, slug, title, description, default_tlp, created";

fn org_from_row(r: &Row<'_>) -> rusqlite::Result<(Org, String)> {
    let sector: String = r.get(3)?;
    Ok((
        Org {
            id: r.get(0)?,
            slug: r.get(1)?,
            name: r.get(2)?,
            // Replaced below, once the sector text is parsed outside rusqlite's error type.
            sector: store::Sector::Other,
            country: r.get(4)?,
            identity_id: r.get(5)?,
            identity_json: r.get(6)?,
            created: r.get(7)?,
        },
        sector,
    ))
}

fn finish_org((mut org, sector): (Org, String)) -> Result<Org> {
    org.sector = parse_col("orgs", "sector", &sector)?;
    Ok(org)
}

/// Inserts an organisation.
pub(crate) fn create_org(c: &Connection, new: &NewOrg) -> Result<Org> {
    let created = now_secs();
    c.prepare_cached(
        "INSERT INTO orgs (slug, name, sector, country, identity_id, identity_json, created)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )
    .and_then(|mut st| {
        st.execute(params![
            new.slug,
            new.name,
            new.sector.as_str(),
            new.country,
            new.identity_id,
            new.identity_json,
            created
        ])
    })
    .map_err(|e| {
        insert_error(
            |msg| {
                if msg.contains("identity_id") {
                    format!("organisation with identity '{}'", new.identity_id)
                } else {
                    format!("organisation '{}'", new.slug)
                }
            },
            e,
        )
    })?;
    Ok(Org {
        id: c.last_insert_rowid(),
        slug: new.slug.clone(),
        name: new.name.clone(),
        sector: new.sector,
        country: new.country.clone(),
        identity_id: new.identity_id.clone(),
        identity_json: new.identity_json.clone(),
        created,
    })
}

/// Finds an organisation by one unique column.
pub(crate) fn org_where(c: &Connection, column: &str, value: impl ToSql) -> Result<Option<Org>> {
    let sql = format!("SELECT {ORG_COLS} FROM orgs WHERE {column} = ?1");
    let row = c
        .prepare_cached(&sql)
        .and_then(|mut st| st.query_row([value], org_from_row).optional())
        .map_err(|e| backend(format!("reading an organisation by {column}"), e))?;
    row.map(finish_org).transpose()
}

/// Every organisation, by slug.
pub(crate) fn list_orgs(c: &Connection) -> Result<Vec<Org>> {
    let sql = format!("SELECT {ORG_COLS} FROM orgs ORDER BY slug");
    let rows = c
        .prepare_cached(&sql)
        .and_then(|mut st| {
            st.query_map([], org_from_row)?
                .collect::<rusqlite::Result<Vec<_>>>()
        })
        .map_err(|e| backend("listing organisations", e))?;
    rows.into_iter().map(finish_org).collect()
}

fn user_from_row(r: &Row<'_>) -> rusqlite::Result<(User, String)> {
    Ok((
        User {
            id: r.get(0)?,
            org_id: r.get(1)?,
            username: r.get(2)?,
            // Replaced once the role text is parsed.
            role: store::Role::Reader,
            password_hash: r.get(4)?,
            created: r.get(5)?,
            disabled: r.get(6)?,
        },
        r.get(3)?,
    ))
}

fn finish_user((mut user, role): (User, String)) -> Result<User> {
    user.role = parse_col("users", "role", &role)?;
    Ok(user)
}

fn org_exists(c: &Connection, org_id: i64) -> Result<bool> {
    c.prepare_cached("SELECT 1 FROM orgs WHERE id = ?1")
        .and_then(|mut st| st.exists([org_id]))
        .map_err(|e| backend("checking an organisation", e))
}

/// Appends a record to the audit log with its Merkle leaf, in the caller's transaction: the
/// one entry point for every domain's `NewAudit`.
pub(crate) fn append_audit(c: &Connection, a: &NewAudit) -> Result<()> {
    crate::audit::append(c, a).map(|_| ())
}

/// Inserts a user.
pub(crate) fn create_user(c: &Connection, new: &NewUser) -> Result<User> {
    if !org_exists(c, new.org_id)? {
        return Err(StoreError::NotFound(format!(
            "organisation id {} (for user '{}')",
            new.org_id, new.username
        )));
    }
    let created = now_secs();
    c.prepare_cached(
        "INSERT INTO users (org_id, username, role, password_hash, created)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )
    .and_then(|mut st| {
        st.execute(params![
            new.org_id,
            new.username,
            new.role.as_str(),
            new.password_hash,
            created
        ])
    })
    .map_err(|e| insert_error(|_| format!("user '{}'", new.username), e))?;
    Ok(User {
        id: c.last_insert_rowid(),
        org_id: new.org_id,
        username: new.username.clone(),
        role: new.role,
        password_hash: new.password_hash.clone(),
        created,
        disabled: false,
    })
}

/// Finds a user by one unique column.
pub(crate) fn user_where(c: &Connection, column: &str, value: impl ToSql) -> Result<Option<User>> {
    let sql = format!("SELECT {USER_COLS} FROM users WHERE {column} = ?1");
    let row = c
        .prepare_cached(&sql)
        .and_then(|mut st| st.query_row([value], user_from_row).optional())
        .map_err(|e| backend(format!("reading a user by {column}"), e))?;
    row.map(finish_user).transpose()
}

/// Users, optionally of one organisation, by username.
pub(crate) fn list_users(c: &Connection, org_id: Option<i64>) -> Result<Vec<User>> {
    let sql =
        format!("SELECT {USER_COLS} FROM users WHERE ?1 IS NULL OR org_id = ?1 ORDER BY username");
    let rows = c
        .prepare_cached(&sql)
        .and_then(|mut st| {
            st.query_map([org_id], user_from_row)?
                .collect::<rusqlite::Result<Vec<_>>>()
        })
        .map_err(|e| backend("listing users", e))?;
    rows.into_iter().map(finish_user).collect()
}

/// Replaces a user's password hash.
pub(crate) fn set_password_hash(c: &Connection, user_id: i64, hash: &str) -> Result<()> {
    let n = c
        .prepare_cached("UPDATE users SET password_hash = ?2 WHERE id = ?1")
        .and_then(|mut st| st.execute(params![user_id, hash]))
        .map_err(|e| backend("setting a password hash", e))?;
    if n == 0 {
        return Err(StoreError::NotFound(format!("user id {user_id}")));
    }
    Ok(())
}

/// Disables or enables a user.
pub(crate) fn set_user_disabled(c: &Connection, user_id: i64, disabled: bool) -> Result<()> {
    let n = c
        .prepare_cached("UPDATE users SET disabled = ?2 WHERE id = ?1")
        .and_then(|mut st| st.execute(params![user_id, disabled]))
        .map_err(|e| backend("disabling a user", e))?;
    if n == 0 {
        return Err(StoreError::NotFound(format!("user id {user_id}")));
    }
    Ok(())
}

/// Inserts an API token.
pub(crate) fn create_token(c: &Connection, new: &NewToken) -> Result<Token> {
    let user_exists = c
        .prepare_cached("SELECT 1 FROM users WHERE id = ?1")
        .and_then(|mut st| st.exists([new.user_id]))
        .map_err(|e| backend("checking a user", e))?;
    if !user_exists {
        return Err(StoreError::NotFound(format!(
            "user id {} (for a new token)",
            new.user_id
        )));
    }
    let created = now_secs();
    c.prepare_cached(
        "INSERT INTO tokens (lookup, user_id, secret_hash, label, created, revoked)
         VALUES (?1, ?2, ?3, ?4, ?5, 0)",
    )
    .and_then(|mut st| {
        st.execute(params![
            new.lookup,
            new.user_id,
            new.secret_hash,
            new.label,
            created
        ])
    })
    .map_err(|e| insert_error(|_| format!("token '{}'", new.lookup), e))?;
    Ok(Token {
        lookup: new.lookup.clone(),
        user_id: new.user_id,
        secret_hash: new.secret_hash.clone(),
        label: new.label.clone(),
        created,
        revoked: false,
    })
}

fn token_from_row(r: &Row<'_>) -> rusqlite::Result<Token> {
    Ok(Token {
        lookup: r.get(0)?,
        user_id: r.get(1)?,
        secret_hash: r.get(2)?,
        label: r.get(3)?,
        created: r.get(4)?,
        revoked: r.get(5)?,
    })
}

/// Finds a token by its lookup id.
pub(crate) fn token_by_lookup(c: &Connection, lookup: &str) -> Result<Option<Token>> {
    c.prepare_cached(
        "SELECT lookup, user_id, secret_hash, label, created, revoked
         FROM tokens WHERE lookup = ?1",
    )
    .and_then(|mut st| st.query_row([lookup], token_from_row).optional())
    .map_err(|e| backend("reading a token", e))
}

/// A user's tokens, oldest first.
pub(crate) fn list_tokens(c: &Connection, user_id: i64) -> Result<Vec<Token>> {
    c.prepare_cached(
        "SELECT lookup, user_id, secret_hash, label, created, revoked
         FROM tokens WHERE user_id = ?1 ORDER BY created, lookup",
    )
    .and_then(|mut st| st.query_map([user_id], token_from_row)?.collect())
    .map_err(|e| backend("listing tokens", e))
}

/// Marks a token revoked.
pub(crate) fn revoke_token(c: &Connection, lookup: &str) -> Result<()> {
    let n = c
        .prepare_cached("UPDATE tokens SET revoked = 1 WHERE lookup = ?1")
        .and_then(|mut st| st.execute([lookup]))
        .map_err(|e| backend("revoking a token", e))?;
    if n == 0 {
        return Err(StoreError::NotFound(format!("token '{lookup}'")));
    }
    Ok(())
}

fn collection_from_row(r: &Row<'_>) -> rusqlite::Result<(Collection, String)> {
    Ok((
        Collection {
            id: r.get(0)?,
            slug: r.get(1)?,
            title: r.get(2)?,
            description: r.get(3)?,
            // Replaced once the TLP text is parsed.
            default_tlp: store::Tlp::Amber,
            created: r.get(5)?,
        },
        r.get(4)?,
    ))
}

fn finish_collection((mut coll, tlp): (Collection, String)) -> Result<Collection> {
    coll.default_tlp = parse_col("collections", "default_tlp", &tlp)?;
    Ok(coll)
}

/// Inserts a collection.
pub(crate) fn create_collection(c: &Connection, new: &NewCollection) -> Result<Collection> {
    let created = now_secs();
    c.prepare_cached(
        "INSERT INTO collections (id, slug, title, description, default_tlp, created)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )
    .and_then(|mut st| {
        st.execute(params![
            new.id,
            new.slug,
            new.title,
            new.description,
            new.default_tlp.as_str(),
            created
        ])
    })
    .map_err(|e| {
        insert_error(
            |msg| {
                if msg.contains("collections.id") {
                    format!("collection with id '{}'", new.id)
                } else {
                    format!("collection '{}'", new.slug)
                }
            },
            e,
        )
    })?;
    Ok(Collection {
        id: new.id.clone(),
        slug: new.slug.clone(),
        title: new.title.clone(),
        description: new.description.clone(),
        default_tlp: new.default_tlp,
        created,
    })
}

/// Finds a collection by one unique column.
pub(crate) fn collection_where(
    c: &Connection,
    column: &str,
    value: &str,
) -> Result<Option<Collection>> {
    let sql = format!("SELECT {COLLECTION_COLS} FROM collections WHERE {column} = ?1");
    let row = c
        .prepare_cached(&sql)
        .and_then(|mut st| st.query_row([value], collection_from_row).optional())
        .map_err(|e| backend(format!("reading a collection by {column}"), e))?;
    row.map(finish_collection).transpose()
}

/// Every collection, by slug.
pub(crate) fn list_collections(c: &Connection) -> Result<Vec<Collection>> {
    let sql = format!("SELECT {COLLECTION_COLS} FROM collections ORDER BY slug");
    let rows = c
        .prepare_cached(&sql)
        .and_then(|mut st| {
            st.query_map([], collection_from_row)?
                .collect::<rusqlite::Result<Vec<_>>>()
        })
        .map_err(|e| backend("listing collections", e))?;
    rows.into_iter().map(finish_collection).collect()
}

/// The internal key of a collection, if it exists.
pub(crate) fn collection_key(c: &Connection, collection_id: &str) -> Result<Option<i64>> {
    c.prepare_cached("SELECT ckey FROM collections WHERE id = ?1")
        .and_then(|mut st| st.query_row([collection_id], |r| r.get(0)).optional())
        .map_err(|e| backend("finding a collection", e))
}

/// The internal key of a collection, or `NotFound`.
pub(crate) fn require_collection(c: &Connection, collection_id: &str) -> Result<i64> {
    collection_key(c, collection_id)?
        .ok_or_else(|| StoreError::NotFound(format!("collection '{collection_id}'")))
}

/// Sets or removes a grant.
pub(crate) fn set_grant(
    c: &Connection,
    org_id: i64,
    collection_id: &str,
    access: Access,
) -> Result<()> {
    let ckey = require_collection(c, collection_id)?;
    if !org_exists(c, org_id)? {
        return Err(StoreError::NotFound(format!("organisation id {org_id}")));
    }
    if !access.read && !access.write {
        c.prepare_cached("DELETE FROM grants WHERE ckey = ?1 AND org_id = ?2")
            .and_then(|mut st| st.execute(params![ckey, org_id]))
            .map_err(|e| backend("removing a grant", e))?;
        return Ok(());
    }
    c.prepare_cached(
        "INSERT INTO grants (ckey, org_id, can_read, can_write) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (ckey, org_id) DO UPDATE
         SET can_read = excluded.can_read, can_write = excluded.can_write",
    )
    .and_then(|mut st| st.execute(params![ckey, org_id, access.read, access.write]))
    .map_err(|e| backend("setting a grant", e))?;
    Ok(())
}

/// An organisation's access to a collection; none for an unknown collection.
pub(crate) fn grant(c: &Connection, org_id: i64, collection_id: &str) -> Result<Access> {
    c.prepare_cached(
        "SELECT g.can_read, g.can_write FROM grants g
         JOIN collections c ON c.ckey = g.ckey
         WHERE c.id = ?1 AND g.org_id = ?2",
    )
    .and_then(|mut st| {
        st.query_row(params![collection_id, org_id], |r| {
            Ok(Access {
                read: r.get(0)?,
                write: r.get(1)?,
            })
        })
        .optional()
    })
    .map(Option::unwrap_or_default)
    .map_err(|e| backend("reading a grant", e))
}

/// Every grant of a collection, by organisation id.
pub(crate) fn list_grants(c: &Connection, collection_id: &str) -> Result<Vec<Grant>> {
    let ckey = require_collection(c, collection_id)?;
    c.prepare_cached(
        "SELECT org_id, can_read, can_write FROM grants WHERE ckey = ?1 ORDER BY org_id",
    )
    .and_then(|mut st| {
        st.query_map([ckey], |r| {
            Ok(Grant {
                org_id: r.get(0)?,
                collection_id: collection_id.to_string(),
                access: Access {
                    read: r.get(1)?,
                    write: r.get(2)?,
                },
            })
        })?
        .collect()
    })
    .map_err(|e| backend("listing grants", e))
}

/// Stores or replaces a status.
pub(crate) fn put_status(c: &Connection, s: &Status) -> Result<()> {
    c.prepare_cached(
        "INSERT INTO statuses (id, user_id, created, json) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (id) DO UPDATE
         SET user_id = excluded.user_id, created = excluded.created, json = excluded.json",
    )
    .and_then(|mut st| st.execute(params![s.id, s.user_id, s.created, s.json]))
    .map_err(|e| backend(format!("storing status '{}'", s.id), e))?;
    Ok(())
}

/// Reads a status.
pub(crate) fn get_status(c: &Connection, id: &str) -> Result<Option<Status>> {
    c.prepare_cached("SELECT id, user_id, created, json FROM statuses WHERE id = ?1")
        .and_then(|mut st| {
            st.query_row([id], |r| {
                Ok(Status {
                    id: r.get(0)?,
                    user_id: r.get(1)?,
                    created: r.get(2)?,
                    json: r.get(3)?,
                })
            })
            .optional()
        })
        .map_err(|e| backend(format!("reading status '{id}'"), e))
}

/// Deletes statuses created before `before`.
pub(crate) fn purge_statuses(c: &Connection, before: i64) -> Result<u64> {
    c.prepare_cached("DELETE FROM statuses WHERE created < ?1")
        .and_then(|mut st| st.execute([before]))
        .map(|n| n as u64)
        .map_err(|e| backend("purging statuses", e))
}
