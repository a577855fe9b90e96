//! The REST administration API under `/api/v1/` (JSON): whoami, organisations, users (with
//! password changes, disable and enable), tokens (mint, list, revoke), the account audit log,
//! collections and grants. The JSON read of a collection's objects is in `routes::objects`.

use hub::Actor;
use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use store::{Access, Role, Sector, Tlp};

use crate::auth::Principal;
use crate::body::ApiJson;
use crate::error::{blocking, ApiError};
use crate::filters::query_pairs;
use crate::AppState;
use stix::format_secs;

type ApiResult = Result<Response, ApiError>;

/// The REST routes (without the guard); `openapi.json` is routed separately because it
/// needs no authentication.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/whoami", get(whoami))
        .route("/api/v1/orgs", get(list_orgs).post(create_org))
        .route("/api/v1/users", post(create_user))
        .route("/api/v1/users/{username}/password", put(set_password))
        .route("/api/v1/users/{username}/disable", post(disable_user))
        .route("/api/v1/users/{username}/enable", post(enable_user))
        .route("/api/v1/tokens", get(list_tokens).post(create_token))
        .route("/api/v1/tokens/{lookup}", delete(revoke_token))
        .route("/api/v1/audit", get(audit_log))
        .route(
            "/api/v1/collections",
            get(list_collections).post(create_collection),
        )
        .route("/api/v1/collections/{id}/grants/{org}", put(set_grant))
}

/// An organisation as the API shows it.
#[derive(Serialize)]
struct OrgView<'a> {
    slug: &'a str,
    name: &'a str,
    sector: &'static str,
    country: &'a str,
    identity_id: &'a str,
    /// Creation time, RFC 3339.
    created: String,
}

impl<'a> From<&'a store::Org> for OrgView<'a> {
    fn from(o: &'a store::Org) -> OrgView<'a> {
        OrgView {
            slug: &o.slug,
            name: &o.name,
            sector: o.sector.as_str(),
            country: &o.country,
            identity_id: &o.identity_id,
            created: format_secs(o.created),
        }
    }
}

/// A collection as the API shows it, with the caller's access when listed.
#[derive(Serialize)]
struct CollectionView<'a> {
    id: &'a str,
    slug: &'a str,
    title: &'a str,
    description: &'a str,
    default_tlp: &'static str,
    /// Creation time, RFC 3339.
    created: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    can_read: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    can_write: Option<bool>,
}

impl<'a> CollectionView<'a> {
    fn of(c: &'a store::Collection, access: Option<Access>) -> CollectionView<'a> {
        CollectionView {
            id: &c.id,
            slug: &c.slug,
            title: &c.title,
            description: &c.description,
            default_tlp: c.default_tlp.as_str(),
            created: format_secs(c.created),
            can_read: access.map(|a| a.read),
            can_write: access.map(|a| a.write),
        }
    }
}

/// The body of `GET /api/v1/whoami`.
#[derive(Serialize)]
struct Whoami<'a> {
    username: &'a str,
    role: &'static str,
    org: OrgView<'a>,
    identities: &'a [String],
}

async fn whoami(Principal(p): Principal) -> ApiResult {
    Ok(Json(Whoami {
        username: &p.user.username,
        role: p.user.role.as_str(),
        org: OrgView::from(&p.org),
        identities: &p.identities,
    })
    .into_response())
}

/// The body of `GET /api/v1/orgs`.
#[derive(Serialize)]
struct Orgs<'a> {
    orgs: Vec<OrgView<'a>>,
}

async fn list_orgs(State(state): State<AppState>, Principal(p): Principal) -> ApiResult {
    let hub = state.hub.clone();
    let orgs = blocking(move || hub.list_orgs(Actor::User(&p))).await?;
    Ok(Json(Orgs {
        orgs: orgs.iter().map(OrgView::from).collect(),
    })
    .into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewOrgBody {
    slug: String,
    name: String,
    sector: String,
    country: String,
}

async fn create_org(
    State(state): State<AppState>,
    Principal(p): Principal,
    ApiJson(b): ApiJson<NewOrgBody>,
) -> ApiResult {
    let sector: Sector = b
        .sector
        .parse()
        .map_err(|m: String| ApiError::invalid("sector", m))?;
    let hub = state.hub.clone();
    let org = blocking(move || hub.add_org(Actor::User(&p), &b.slug, &b.name, sector, &b.country))
        .await?;
    Ok((StatusCode::CREATED, Json(OrgView::from(&org))).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewUserBody {
    org: String,
    username: String,
    role: String,
    password: Option<String>,
}

/// The body answering `POST /api/v1/users`.
#[derive(Serialize)]
struct NewUser<'a> {
    username: &'a str,
    org: &'a str,
    role: &'static str,
    /// Creation time, RFC 3339.
    created: String,
}

async fn create_user(
    State(state): State<AppState>,
    Principal(p): Principal,
    ApiJson(b): ApiJson<NewUserBody>,
) -> ApiResult {
    let role: Role = b
        .role
        .parse()
        .map_err(|m: String| ApiError::invalid("role", m))?;
    let permit = match &b.password {
        Some(_) => match crate::auth::argon2_slot(&state, None).await {
            Ok(p) => Some(p),
            Err(resp) => return Ok(resp),
        },
        None => None,
    };
    let hub = state.hub.clone();
    let org = b.org.clone();
    let _permit = permit;
    let user = blocking(move || {
        hub.add_user(
            Actor::User(&p),
            &b.org,
            &b.username,
            role,
            b.password.as_deref(),
        )
    })
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(NewUser {
            username: &user.username,
            org: &org,
            role: user.role.as_str(),
            created: format_secs(user.created),
        }),
    )
        .into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewTokenBody {
    username: String,
    #[serde(default)]
    label: String,
}

/// The body answering `POST /api/v1/tokens`: the token, shown once. It has no `Debug`, so
/// the secret cannot reach a log by formatting.
#[derive(Serialize)]
struct NewToken {
    token: String,
    username: String,
    label: String,
}

async fn create_token(
    State(state): State<AppState>,
    Principal(p): Principal,
    ApiJson(b): ApiJson<NewTokenBody>,
) -> ApiResult {
    let _permit = match crate::auth::argon2_slot(&state, None).await {
        Ok(p) => p,
        Err(resp) => return Ok(resp),
    };
    let hub = state.hub.clone();
    let (username, label) = (b.username.clone(), b.label.clone());
    let token = blocking(move || hub.create_token(Actor::User(&p), &b.username, &b.label)).await?;
    Ok((
        StatusCode::CREATED,
        Json(NewToken {
            token,
            username,
            label,
        }),
    )
        .into_response())
}

/// A token as listed (never its secret).
#[derive(Serialize)]
struct TokenView<'a> {
    lookup: &'a str,
    username: &'a str,
    label: &'a str,
    /// Creation time, RFC 3339.
    created: String,
    revoked: bool,
}

impl<'a> From<&'a hub::TokenInfo> for TokenView<'a> {
    fn from(t: &'a hub::TokenInfo) -> TokenView<'a> {
        TokenView {
            lookup: &t.lookup,
            username: &t.username,
            label: &t.label,
            created: format_secs(t.created),
            revoked: t.revoked,
        }
    }
}

/// The body of `GET /api/v1/tokens`.
#[derive(Serialize)]
struct Tokens<'a> {
    tokens: Vec<TokenView<'a>>,
}

/// Parses the only allowed query parameters of a GET into (name, value) pairs.
fn only_params(q: Option<&str>, allowed: &[&str]) -> Result<Vec<(String, String)>, ApiError> {
    let pairs = query_pairs(q).map_err(|e| ApiError::invalid(&e.parameter, e.to_string()))?;
    for (k, _) in &pairs {
        if !allowed.contains(&k.as_str()) {
            return Err(ApiError::invalid(
                k,
                format!(
                    "unknown query parameter {k:?}: expected {}",
                    allowed.join(" or ")
                ),
            ));
        }
    }
    Ok(pairs)
}

async fn list_tokens(
    State(state): State<AppState>,
    Principal(p): Principal,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let pairs = only_params(q.as_deref(), &["username"])?;
    let username = pairs
        .into_iter()
        .find(|(k, _)| k == "username")
        .map(|(_, v)| v)
        .unwrap_or_else(|| p.user.username.clone());
    let hub = state.hub.clone();
    let tokens = blocking(move || hub.list_tokens(Actor::User(&p), &username)).await?;
    Ok(Json(Tokens {
        tokens: tokens.iter().map(TokenView::from).collect(),
    })
    .into_response())
}

async fn revoke_token(
    State(state): State<AppState>,
    Principal(p): Principal,
    Path(lookup): Path<String>,
) -> ApiResult {
    let hub = state.hub.clone();
    let t = blocking(move || hub.revoke_token(Actor::User(&p), &lookup)).await?;
    Ok(Json(TokenView::from(&t)).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PasswordBody {
    password: String,
    /// Absent, or a string: null or another type is refused even when a reset ignores it.
    #[serde(default, deserialize_with = "present_string")]
    current_password: Option<String>,
}

/// An optional field that, when present, must be a string (null is refused).
fn present_string<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    String::deserialize(d).map(Some)
}

async fn set_password(
    State(state): State<AppState>,
    Principal(p): Principal,
    Path(username): Path<String>,
    ApiJson(b): ApiJson<PasswordBody>,
) -> ApiResult {
    // A wrong current password counts like a failed login for the account, so that a token
    // holder cannot brute-force the password here.
    let own = p.user.username == username;
    let _permit = match crate::auth::argon2_slot(&state, own.then_some(username.as_str())).await {
        Ok(permit) => permit,
        Err(resp) => return Ok(resp),
    };
    let hub = state.hub.clone();
    let name = username.clone();
    let r = blocking(move || {
        hub.set_password(
            Actor::User(&p),
            &name,
            b.current_password.as_deref(),
            &b.password,
        )
    })
    .await;
    if own && matches!(r, Err(hub::HubError::Forbidden(_))) {
        crate::auth::wrong_current_password(&state, &username);
    }
    r?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// The body answering a disable or enable.
#[derive(Serialize)]
struct UserState<'a> {
    username: &'a str,
    disabled: bool,
}

async fn set_disabled(
    state: AppState,
    p: Arc<hub::Principal>,
    username: String,
    disabled: bool,
) -> ApiResult {
    let hub = state.hub.clone();
    let user = blocking(move || hub.set_disabled(Actor::User(&p), &username, disabled)).await?;
    Ok(Json(UserState {
        username: &user.username,
        disabled: user.disabled,
    })
    .into_response())
}

async fn disable_user(
    State(state): State<AppState>,
    Principal(p): Principal,
    Path(username): Path<String>,
) -> ApiResult {
    set_disabled(state, p, username, true).await
}

async fn enable_user(
    State(state): State<AppState>,
    Principal(p): Principal,
    Path(username): Path<String>,
) -> ApiResult {
    set_disabled(state, p, username, false).await
}

/// A record of the account audit log as the API shows it.
#[derive(Serialize)]
struct AuditView<'a> {
    seq: i64,
    /// When, RFC 3339.
    at: String,
    actor: &'a str,
    actor_org: Option<&'a str>,
    action: &'a str,
    target: &'a str,
    target_org: Option<&'a str>,
    detail: &'a str,
    /// The record's leaf index in the audit log's Merkle tree.
    index: Option<u64>,
    /// Its leaf hash, hex.
    leaf_hash: Option<&'a str>,
    /// The random nonce in its leaf.
    nonce: &'a str,
    /// The leaf's canonical bytes, for checking `leaf_hash` and proofs.
    leaf_data: &'a str,
}

impl<'a> From<&'a hub::AuditRecord> for AuditView<'a> {
    fn from(r: &'a hub::AuditRecord) -> AuditView<'a> {
        AuditView {
            seq: r.seq,
            at: format_secs(r.at),
            actor: &r.actor,
            actor_org: r.actor_org.as_deref(),
            action: &r.action,
            target: &r.target,
            target_org: r.target_org.as_deref(),
            detail: &r.detail,
            index: r.index,
            leaf_hash: r.leaf_hash.as_deref(),
            nonce: &r.nonce,
            leaf_data: &r.leaf_data,
        }
    }
}

/// The body of `GET /api/v1/audit`.
#[derive(Serialize)]
struct Audit<'a> {
    records: Vec<AuditView<'a>>,
    next_after: Option<i64>,
}

async fn audit_log(
    State(state): State<AppState>,
    Principal(p): Principal,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let mut after = 0i64;
    let mut limit = 100usize;
    for (k, v) in only_params(q.as_deref(), &["after", "limit"])? {
        if k == "after" {
            after = v
                .parse::<i64>()
                .ok()
                .filter(|n| *n >= 0)
                .ok_or_else(|| ApiError::invalid("after", "must be a non-negative integer"))?;
        } else {
            limit = v
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=1000).contains(n))
                .ok_or_else(|| ApiError::invalid("limit", "must be an integer from 1 to 1000"))?;
        }
    }
    let hub = state.hub.clone();
    let records = blocking(move || hub.audit_log(Actor::User(&p), after, limit)).await?;
    let next = if records.len() == limit {
        records.last().map(|r| r.seq)
    } else {
        None
    };
    Ok(Json(Audit {
        records: records.iter().map(AuditView::from).collect(),
        next_after: next,
    })
    .into_response())
}

/// The body of `GET /api/v1/collections`.
#[derive(Serialize)]
struct Collections<'a> {
    collections: Vec<CollectionView<'a>>,
}

async fn list_collections(State(state): State<AppState>, Principal(p): Principal) -> ApiResult {
    let hub = state.hub.clone();
    let listed = blocking(move || {
        let mine = hub.collections_for(&p)?;
        if Actor::User(&p).is_operator() {
            let all = hub.list_collections_admin(Actor::User(&p))?;
            Ok(all
                .into_iter()
                .map(|c| {
                    let access = mine
                        .iter()
                        .find(|(m, _)| m.id == c.id)
                        .map(|(_, a)| *a)
                        .unwrap_or_default();
                    (c, access)
                })
                .collect::<Vec<_>>())
        } else {
            Ok(mine)
        }
    })
    .await?;
    Ok(Json(Collections {
        collections: listed
            .iter()
            .map(|(c, a)| CollectionView::of(c, Some(*a)))
            .collect(),
    })
    .into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewCollectionBody {
    slug: String,
    title: String,
    #[serde(default)]
    description: String,
    default_tlp: Option<String>,
}

async fn create_collection(
    State(state): State<AppState>,
    Principal(p): Principal,
    ApiJson(b): ApiJson<NewCollectionBody>,
) -> ApiResult {
    let tlp: Option<Tlp> = match &b.default_tlp {
        None => None,
        Some(s) => Some(
            s.parse()
                .map_err(|e: stix::UnknownTlp| ApiError::invalid("default_tlp", e.to_string()))?,
        ),
    };
    let hub = state.hub.clone();
    let c = blocking(move || {
        hub.add_collection(Actor::User(&p), &b.slug, &b.title, &b.description, tlp)
    })
    .await?;
    Ok((StatusCode::CREATED, Json(CollectionView::of(&c, None))).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GrantBody {
    read: bool,
    #[serde(default)]
    write: bool,
}

/// The body answering a grant.
#[derive(Serialize)]
struct Grant<'a> {
    org: &'a str,
    collection: &'a str,
    read: bool,
    write: bool,
}

async fn set_grant(
    State(state): State<AppState>,
    Principal(p): Principal,
    Path((collection, org)): Path<(String, String)>,
    ApiJson(b): ApiJson<GrantBody>,
) -> ApiResult {
    let access = Access {
        read: b.read,
        write: b.write,
    };
    let hub = state.hub.clone();
    let (c2, o2) = (collection.clone(), org.clone());
    blocking(move || hub.grant(Actor::User(&p), &o2, &c2, access)).await?;
    Ok(Json(Grant {
        org: &org,
        collection: &collection,
        read: access.read,
        write: access.write,
    })
    .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The views keep the wire form the `json!` answers had: the same keys in the same
    /// order, access only on listed collections, timestamps as RFC 3339 text.
    #[test]
    fn views_keep_the_wire_form() {
        let c = store::Collection {
            id: "c1".into(),
            slug: "intel".into(),
            title: "Intel".into(),
            description: String::new(),
            default_tlp: Tlp::Amber,
            created: 0,
        };
        let created = serde_json::to_string(&CollectionView::of(&c, None)).unwrap();
        assert_eq!(
            created,
            r#"{"id":"c1","slug":"intel","title":"Intel","description":"","default_tlp":"AMBER","created":"1970-01-01T00:00:00Z"}"#
        );
        let listed = serde_json::to_value(CollectionView::of(
            &c,
            Some(Access {
                read: true,
                write: false,
            }),
        ))
        .unwrap();
        assert_eq!(
            (listed["can_read"].clone(), listed["can_write"].clone()),
            (true.into(), false.into())
        );
        let r = hub::AuditRecord {
            seq: 3,
            at: 0,
            actor: "operator".into(),
            actor_org: None,
            action: "user.create".into(),
            target: "ana".into(),
            target_org: Some("gov".into()),
            detail: "analyst".into(),
            nonce: "00".repeat(16),
            index: Some(2),
            leaf_hash: Some("ab".repeat(32)),
            leaf_data: "bGVhZg==".into(),
        };
        let nonce = "00".repeat(16);
        let leaf = "ab".repeat(32);
        assert_eq!(
            serde_json::to_string(&AuditView::from(&r)).unwrap(),
            format!(
                r#"{{"seq":3,"at":"1970-01-01T00:00:00Z","actor":"operator","actor_org":null,"action":"user.create","target":"ana","target_org":"gov","detail":"analyst","index":2,"leaf_hash":"{leaf}","nonce":"{nonce}","leaf_data":"bGVhZg=="}}"#
            )
        );
    }
}
