//! Administration: organisations, users, tokens, collections, grants and the directory.

use store::{
    Access, AuditQuery, Collection, NewAudit, NewCollection, NewObject, NewOrg, NewToken, NewUser,
    ObjectQuery, Org, Role, Sector, Tlp, User,
};

use crate::accounts::{
    decide, may_create_user, require_admin_scope, require_operator, AccountAction, AccountTarget,
    Actor, Decision,
};
use crate::auth::{hash_secret, random_hex, verify_secret};
use crate::{now_micros, Hub, HubError, Principal, Stores, DIRECTORY_SLUG, DIRECTORY_TITLE};

/// The hex form of a leaf hash, for answers.
fn leaf_hex(leaf: Option<(u64, [u8; 32])>) -> (Option<u64>, Option<String>) {
    match leaf {
        Some((i, h)) => (Some(i), Some(hex::encode(h))),
        None => (None, None),
    }
}

/// An API token as listed: never its secret nor its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInfo {
    /// The public lookup id (`rrm_<lookup>_…`).
    pub lookup: String,
    /// The user the token acts as.
    pub username: String,
    /// Its label.
    pub label: String,
    /// Creation time, seconds since the epoch.
    pub created: i64,
    /// Whether it was revoked.
    pub revoked: bool,
}

/// A record of the account audit log, with organisations named by slug.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    /// Position in the log, increasing.
    pub seq: i64,
    /// When, seconds since the epoch.
    pub at: i64,
    /// The acting username, or `operator` for the local operator.
    pub actor: String,
    /// The acting user's organisation.
    pub actor_org: Option<String>,
    /// What was done (`user.create`, `user.password`, `user.disable`, `user.enable`,
    /// `token.create`, `token.revoke`).
    pub action: String,
    /// The account concerned: a username, or `username/lookup` for a token.
    pub target: String,
    /// The organisation of the account concerned.
    pub target_org: Option<String>,
    /// Details (a token label, a role, whether a password was reset).
    pub detail: String,
    /// The record's random bytes, hex (part of its leaf).
    pub nonce: String,
    /// Its leaf index in the audit tree (`None` only after tampering).
    pub index: Option<u64>,
    /// Its stored leaf hash, hex.
    pub leaf_hash: Option<String>,
    /// Its canonical bytes, hex: `SHA-256(0x00 || these)` must equal `leaf_hash`.
    pub leaf_data: String,
}

/// The hub's own STIX identity id (the creator of the recipients extension definition).
pub(crate) fn hub_identity_id() -> String {
    // A slug that `add_org` refuses (it has an upper-case letter), so no organisation can
    // ever share this identity.
    stix::org_identity_id("rrm-Hub")
}

/// The STIX industry sector of an organisation sector, if there is a fitting one.
fn stix_sectors(sector: Sector) -> &'static [&'static str] {
    match sector {
        Sector::Government => &["government"],
        Sector::Platform => &["technology"],
        Sector::Isp => &["telecommunications"],
        Sector::CivilSociety => &["non-profit"],
        Sector::ElectionAuthority => &["government"],
        Sector::Other => &[],
    }
}

/// Checks a slug: 2 to 64 characters of `[a-z0-9-]`.
fn check_slug(field: &str, slug: &str) -> Result<(), HubError> {
    let ok_len = (2..=64).contains(&slug.len());
    let ok_chars = slug
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if ok_len && ok_chars {
        Ok(())
    } else {
        Err(HubError::invalid(
            field,
            format!("{slug:?} must be 2 to 64 characters of a-z, 0-9 and '-'"),
        ))
    }
}

/// Checks a free-text name: not blank, at most `max` characters, no control characters.
fn check_text(field: &str, text: &str, max: usize, allow_empty: bool) -> Result<(), HubError> {
    if !allow_empty && text.trim().is_empty() {
        return Err(HubError::invalid(field, "must not be empty"));
    }
    if text.chars().count() > max {
        return Err(HubError::invalid(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(HubError::invalid(
            field,
            "must not contain control characters",
        ));
    }
    Ok(())
}

/// Checks a username: 1 to 64 characters of `[A-Za-z0-9._@-]` (never `:`, which HTTP Basic
/// reserves).
fn check_username(username: &str) -> Result<(), HubError> {
    let ok_len = (1..=64).contains(&username.len());
    let ok_chars = username
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'@' | b'-'));
    if ok_len && ok_chars {
        Ok(())
    } else {
        Err(HubError::invalid(
            "username",
            format!("{username:?} must be 1 to 64 characters of A-Z, a-z, 0-9, '.', '_', '@', '-'"),
        ))
    }
}

/// Checks a password: 8 to 1024 bytes.
fn check_password(password: &str) -> Result<(), HubError> {
    if password.chars().count() < 8 {
        return Err(HubError::invalid(
            "password",
            "must be at least 8 characters long",
        ));
    }
    if password.len() > 1024 {
        return Err(HubError::invalid(
            "password",
            "must be at most 1024 bytes long",
        ));
    }
    Ok(())
}

/// Applies the account rule: `Hidden` answers like an unknown user, `Deny` is `Forbidden`.
fn check_account(
    actor: &Actor<'_>,
    action: AccountAction,
    user: &User,
    not_found: impl FnOnce() -> String,
) -> Result<(), HubError> {
    let target = AccountTarget {
        user_id: user.id,
        org_id: user.org_id,
        role: user.role,
    };
    match decide(actor, action, &target) {
        Decision::Allow => Ok(()),
        Decision::Hidden => Err(HubError::NotFound(not_found())),
        Decision::Deny(reason) => Err(HubError::Forbidden(reason.to_string())),
    }
}

/// An audit record of `actor` doing `action` to `target` of organisation `target_org_id`.
fn audit(
    actor: &Actor<'_>,
    action: &str,
    target: String,
    target_org_id: i64,
    detail: String,
) -> NewAudit {
    NewAudit {
        actor: actor.name().to_string(),
        actor_org_id: actor.org_id(),
        action: action.to_string(),
        target,
        target_org_id: Some(target_org_id),
        detail,
    }
}

/// Builds the store record of a hub-generated object placed in the directory.
fn directory_object(
    directory_id: &str,
    obj: &serde_json::Value,
    owner_org_id: i64,
) -> Result<NewObject, HubError> {
    let checked = crate::ingest::check_generated(obj, "a hub-generated directory object")?;
    let by = crate::ingest::Submitter {
        user_id: 0,
        org_id: owner_org_id,
        owner_org_id,
    };
    Ok(crate::ingest::new_object(directory_id, checked, obj, by))
}

/// Whether the directory already holds an object with this id.
fn directory_has(store: &Stores, directory_id: &str, id: &str) -> Result<bool, HubError> {
    let query = ObjectQuery {
        collection_id: directory_id.to_string(),
        ids: vec![id.to_string()],
        versions: store::VersionFilter::all(),
        ..ObjectQuery::default()
    };
    let mut found = false;
    store.objects.scan_objects(&query, &mut |_| {
        found = true;
        std::ops::ControlFlow::Break(())
    })?;
    Ok(found)
}

/// Creates the directory collection, the hub's identity and the recipients extension
/// definition when missing; returns the directory's UUID.
pub(crate) fn ensure_directory(store: &Stores, hub_identity: &str) -> Result<String, HubError> {
    let directory = match store.accounts.collection_by_slug(DIRECTORY_SLUG)? {
        Some(c) => c,
        None => store.accounts.create_collection(
            &NewCollection {
                id: uuid::Uuid::new_v4().to_string(),
                slug: DIRECTORY_SLUG.to_string(),
                title: DIRECTORY_TITLE.to_string(),
                description:
                    "Identities of every organisation on this hub, the hub's own identity \
                          and the rrm recipients extension definition."
                        .to_string(),
                default_tlp: Tlp::Clear,
            },
            &NewAudit::system("collection.create", DIRECTORY_SLUG, None, "the directory"),
        )?,
    };
    let now = now_micros();
    let hub_obj = stix::identity_object(hub_identity, "rrm hub", "system", &[], now);
    let ext = stix::recipients_extension_definition(hub_identity, now);
    let cases_ext = stix::cases_extension_definition(hub_identity, now);
    for obj in [hub_obj, ext, cases_ext] {
        let id = obj.get("id").and_then(|v| v.as_str()).unwrap_or_default();
        if !directory_has(store, &directory.id, id)? {
            let new = directory_object(&directory.id, &obj, 0)?;
            store.objects.add_object(&new)?;
        }
    }
    // Repairs an organisation made by an older rrm whose creation stopped before its identity
    // reached the directory (today `add_org` is one transaction). A repair that cannot be
    // done is logged and skipped: it must never stop the hub from starting.
    for org in store.accounts.list_orgs()? {
        if let Err(e) = repair_org(store, &directory.id, &org) {
            tracing::warn!(
                org = %org.slug,
                identity = %org.identity_id,
                error = %e,
                "the directory lacks this organisation's identity and it could not be added; \
                 the hub starts without it"
            );
        }
    }
    Ok(directory.id)
}

/// Adds a missing directory identity (and the directory read grant that went with it).
fn repair_org(store: &Stores, directory_id: &str, org: &Org) -> Result<(), HubError> {
    if directory_has(store, directory_id, &org.identity_id)? {
        return Ok(());
    }
    let identity: serde_json::Value = serde_json::from_str(&org.identity_json).map_err(|e| {
        HubError::internal(
            format!("identity of organisation '{}' is not valid JSON", org.slug),
            e,
        )
    })?;
    let new = directory_object(directory_id, &identity, org.id)?;
    store.objects.add_object(&new)?;
    let access = store.accounts.grant(org.id, directory_id)?;
    if !access.read {
        store.accounts.set_grant(
            org.id,
            directory_id,
            Access {
                read: true,
                write: access.write,
            },
            &NewAudit::system(
                "grant.set",
                &format!("{}/{DIRECTORY_SLUG}", org.slug),
                Some(org.id),
                "read (repair of a missing directory identity)",
            ),
        )?;
    }
    Ok(())
}

impl Hub {
    /// Creates an organisation with its STIX identity (added to the directory collection) and
    /// a read grant on the directory.
    pub fn add_org(
        &self,
        actor: Actor<'_>,
        slug: &str,
        name: &str,
        sector: Sector,
        country: &str,
    ) -> Result<Org, HubError> {
        require_operator(&actor, "creating an organisation")?;
        check_slug("slug", slug)?;
        check_text("name", name, 200, false)?;
        let cc = country.trim();
        if cc.len() != 2 || !cc.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Err(HubError::invalid(
                "country",
                format!("{country:?} must be an ISO 3166-1 alpha-2 code such as CA or FR"),
            ));
        }
        let identity_id = stix::org_identity_id(slug);
        let identity = stix::identity_object(
            &identity_id,
            name.trim(),
            "organization",
            stix_sectors(sector),
            now_micros(),
        );
        // The organisation, its directory identity and its directory grant are one
        // transaction: a failure leaves nothing half made.
        let new = directory_object(self.directory_id(), &identity, 0)?;
        let org = self.accounts().create_org_with_identity(
            &NewOrg {
                slug: slug.to_string(),
                name: name.trim().to_string(),
                sector,
                country: cc.to_ascii_uppercase(),
                identity_id,
                identity_json: identity.to_string(),
            },
            &new,
            Access {
                read: true,
                write: false,
            },
            &NewAudit {
                actor: actor.name().to_string(),
                actor_org_id: actor.org_id(),
                action: "org.create".to_string(),
                target: slug.to_string(),
                // Set by the store to the new organisation.
                target_org_id: None,
                detail: format!("sector {sector}, country {}", cc.to_ascii_uppercase()),
            },
        )?;
        Ok(org)
    }

    /// Creates a user in an organisation, with an optional password (hashed with argon2id).
    /// The operator creates users anywhere; an organisation admin only in its own
    /// organisation, and never an operator.
    pub fn add_user(
        &self,
        actor: Actor<'_>,
        org_slug: &str,
        username: &str,
        role: Role,
        password: Option<&str>,
    ) -> Result<User, HubError> {
        let scope = require_admin_scope(&actor, "creating a user")?;
        // Checked before the organisation is looked up, so an admin learns nothing of other
        // organisations' slugs.
        if let (Some(_), Actor::User(p)) = (scope, &actor) {
            if p.org.slug != org_slug {
                return Err(HubError::Forbidden(
                    "an organisation admin creates users only in its own organisation".into(),
                ));
            }
        }
        check_username(username)?;
        if let Some(pw) = password {
            check_password(pw)?;
        }
        let org = self
            .accounts()
            .org_by_slug(org_slug)?
            .ok_or_else(|| HubError::NotFound(format!("organisation '{org_slug}'")))?;
        may_create_user(&actor, org.id, role).map_err(|m| HubError::Forbidden(m.to_string()))?;
        let password_hash = password.map(hash_secret).transpose()?;
        let record = audit(
            &actor,
            "user.create",
            username.to_string(),
            org.id,
            format!("role {role}"),
        );
        let user = self.accounts().create_user(
            &NewUser {
                org_id: org.id,
                username: username.to_string(),
                role,
                password_hash,
            },
            &record,
        )?;
        Ok(user)
    }

    /// A user by name as `actor` may see it: users of other organisations are `NotFound`
    /// exactly like unknown ones.
    fn account(
        &self,
        actor: &Actor<'_>,
        action: AccountAction,
        username: &str,
    ) -> Result<User, HubError> {
        let not_found = || format!("user '{username}'");
        let user = self
            .accounts()
            .user_by_name(username)?
            .ok_or_else(|| HubError::NotFound(not_found()))?;
        check_account(actor, action, &user, not_found)?;
        Ok(user)
    }

    /// Creates an API token for a user and returns it (`rrm_<lookup>_<secret>`); only its
    /// hash is kept, so it is shown once. Only the user itself or the operator mints one.
    pub fn create_token(
        &self,
        actor: Actor<'_>,
        username: &str,
        label: &str,
    ) -> Result<String, HubError> {
        check_text("label", label, 200, true)?;
        let user = self.account(&actor, AccountAction::MintToken, username)?;
        let lookup = random_hex(12);
        let secret = random_hex(32);
        let secret_hash = hash_secret(&secret)?;
        let record = audit(
            &actor,
            "token.create",
            format!("{}/{lookup}", user.username),
            user.org_id,
            format!("label {label:?}"),
        );
        self.accounts().create_token(
            &NewToken {
                lookup: lookup.clone(),
                user_id: user.id,
                secret_hash,
                label: label.to_string(),
            },
            &record,
        )?;
        Ok(format!("rrm_{lookup}_{secret}"))
    }

    /// A user's tokens (revoked ones included, never a secret): for the user itself, an
    /// admin of its organisation, or the operator.
    pub fn list_tokens(
        &self,
        actor: Actor<'_>,
        username: &str,
    ) -> Result<Vec<TokenInfo>, HubError> {
        let user = self.account(&actor, AccountAction::ListTokens, username)?;
        Ok(self
            .accounts()
            .list_tokens(user.id)?
            .into_iter()
            .map(|t| TokenInfo {
                lookup: t.lookup,
                username: user.username.clone(),
                label: t.label,
                created: t.created,
                revoked: t.revoked,
            })
            .collect())
    }

    /// Revokes a token by its lookup id, at once (the credential cache forgets it): by its
    /// user, an admin of its user's organisation, or the operator. Tokens of other
    /// organisations answer `NotFound` like unknown ones. Revoking twice is allowed.
    pub fn revoke_token(&self, actor: Actor<'_>, lookup: &str) -> Result<TokenInfo, HubError> {
        let not_found = || format!("token '{lookup}'");
        let token = self
            .accounts()
            .token_by_lookup(lookup)?
            .ok_or_else(|| HubError::NotFound(not_found()))?;
        let user = self
            .accounts()
            .user_by_id(token.user_id)?
            .ok_or_else(|| HubError::NotFound(not_found()))?;
        check_account(&actor, AccountAction::RevokeToken, &user, not_found)?;
        let record = audit(
            &actor,
            "token.revoke",
            format!("{}/{lookup}", user.username),
            user.org_id,
            format!("label {:?}", token.label),
        );
        self.accounts().revoke_token(lookup, &record)?;
        self.forget_user(user.id);
        Ok(TokenInfo {
            lookup: token.lookup,
            username: user.username,
            label: token.label,
            created: token.created,
            revoked: true,
        })
    }

    /// Sets a user's password. The user itself gives its current password; an admin of its
    /// organisation or the operator resets it without. Old cached credentials stop working
    /// at once.
    pub fn set_password(
        &self,
        actor: Actor<'_>,
        username: &str,
        current: Option<&str>,
        new_password: &str,
    ) -> Result<(), HubError> {
        let user = self.account(&actor, AccountAction::SetPassword, username)?;
        check_password(new_password)?;
        let is_self = matches!(actor, Actor::User(p) if p.user.id == user.id);
        if is_self {
            let Some(current) = current else {
                return Err(HubError::invalid(
                    "current_password",
                    "changing your own password needs your current password",
                ));
            };
            let ok = user
                .password_hash
                .as_deref()
                .is_some_and(|h| verify_secret(current, h));
            if !ok {
                return Err(HubError::Forbidden(
                    "the current password is not right".to_string(),
                ));
            }
        }
        let hash = hash_secret(new_password)?;
        let detail = if is_self { "changed" } else { "reset" };
        let record = audit(
            &actor,
            "user.password",
            user.username.clone(),
            user.org_id,
            detail.to_string(),
        );
        self.accounts().set_password_hash(user.id, &hash, &record)?;
        self.forget_user(user.id);
        // Every console session of the user ends; the console opens a new one for the
        // browser that changed its own password.
        self.close_all_sessions(user.id)?;
        Ok(())
    }

    /// Disables or enables a user: a disabled user's password and tokens stop working at
    /// once. By an admin of its organisation or the operator.
    pub fn set_disabled(
        &self,
        actor: Actor<'_>,
        username: &str,
        disabled: bool,
    ) -> Result<User, HubError> {
        let user = self.account(&actor, AccountAction::SetDisabled, username)?;
        let action = if disabled {
            "user.disable"
        } else {
            "user.enable"
        };
        let record = audit(
            &actor,
            action,
            user.username.clone(),
            user.org_id,
            String::new(),
        );
        self.accounts()
            .set_user_disabled(user.id, disabled, &record)?;
        self.forget_user(user.id);
        if disabled {
            self.close_all_sessions(user.id)?;
        }
        Ok(User { disabled, ..user })
    }

    /// The account audit log after position `after`, oldest first, at most `limit` records
    /// (1 to 1000): all of it for the operator, an admin's own organisation's for an admin.
    pub fn audit_log(
        &self,
        actor: Actor<'_>,
        after: i64,
        limit: usize,
    ) -> Result<Vec<AuditRecord>, HubError> {
        let scope = require_admin_scope(&actor, "reading the audit log")?;
        if !(1..=1000).contains(&limit) {
            return Err(HubError::invalid("limit", "must be between 1 and 1000"));
        }
        let slugs: std::collections::HashMap<i64, String> = self
            .accounts()
            .list_orgs()?
            .into_iter()
            .map(|o| (o.id, o.slug))
            .collect();
        let slug = |id: Option<i64>| id.and_then(|i| slugs.get(&i).cloned());
        let entries = self.accounts().list_audit(&AuditQuery {
            org_id: scope,
            after,
            limit,
        })?;
        Ok(entries
            .into_iter()
            .map(|e| {
                let (index, leaf_hash) = leaf_hex(e.leaf);
                let leaf_data = hex::encode(e.canonical_bytes());
                AuditRecord {
                    seq: e.seq,
                    at: e.at,
                    actor: e.actor,
                    actor_org: slug(e.actor_org_id),
                    action: e.action,
                    target: e.target,
                    target_org: slug(e.target_org_id),
                    detail: e.detail,
                    nonce: hex::encode(&e.nonce),
                    index,
                    leaf_hash,
                    leaf_data,
                }
            })
            .collect())
    }

    /// Creates a collection with a fresh UUID; its default TLP is the hub's unless given.
    pub fn add_collection(
        &self,
        actor: Actor<'_>,
        slug: &str,
        title: &str,
        description: &str,
        default_tlp: Option<Tlp>,
    ) -> Result<Collection, HubError> {
        require_operator(&actor, "creating a collection")?;
        check_slug("slug", slug)?;
        check_text("title", title, 200, false)?;
        check_text("description", description, 4000, true)?;
        let tlp = default_tlp.unwrap_or(self.config().default_tlp);
        let record = NewAudit {
            actor: actor.name().to_string(),
            actor_org_id: actor.org_id(),
            action: "collection.create".to_string(),
            target: slug.to_string(),
            target_org_id: None,
            detail: format!("default TLP {tlp}"),
        };
        let collection = self.accounts().create_collection(
            &NewCollection {
                id: uuid::Uuid::new_v4().to_string(),
                slug: slug.to_string(),
                title: title.trim().to_string(),
                description: description.to_string(),
                default_tlp: tlp,
            },
            &record,
        )?;
        Ok(collection)
    }

    /// Sets an organisation's access to a collection (UUID or slug); no read and no write
    /// removes the grant. Nobody may be granted write access to the directory. Grants are
    /// the operator's: collections are shared between organisations.
    pub fn grant(
        &self,
        actor: Actor<'_>,
        org_slug: &str,
        collection: &str,
        access: Access,
    ) -> Result<(), HubError> {
        require_operator(&actor, "setting a grant")?;
        let org = self
            .accounts()
            .org_by_slug(org_slug)?
            .ok_or_else(|| HubError::NotFound(format!("organisation '{org_slug}'")))?;
        let col = self.find_collection(collection)?;
        if col.id == self.directory_id() && access.write {
            return Err(HubError::Forbidden(
                "the directory collection is maintained by the hub; nobody may write to it"
                    .to_string(),
            ));
        }
        let detail = match (access.read, access.write) {
            (true, true) => "read, write",
            (true, false) => "read",
            (false, true) => "write",
            (false, false) => "none (removed)",
        };
        let record = audit(
            &actor,
            "grant.set",
            format!("{}/{}", org.slug, col.slug),
            org.id,
            detail.to_string(),
        );
        self.accounts()
            .set_grant(org.id, &col.id, access, &record)?;
        Ok(())
    }

    /// Organisations, by slug: every one for the operator, its own for an organisation admin.
    pub fn list_orgs(&self, actor: Actor<'_>) -> Result<Vec<Org>, HubError> {
        let scope = require_admin_scope(&actor, "listing organisations")?;
        let mut orgs = self.accounts().list_orgs()?;
        if let Some(own) = scope {
            orgs.retain(|o| o.id == own);
        }
        Ok(orgs)
    }

    /// Every collection, by slug, whatever the grants (the operator only).
    pub fn list_collections_admin(&self, actor: Actor<'_>) -> Result<Vec<Collection>, HubError> {
        require_operator(&actor, "listing every collection")?;
        Ok(self.accounts().list_collections()?)
    }

    /// The collections the caller's organisation may read or write, with that access.
    pub fn collections_for(&self, p: &Principal) -> Result<Vec<(Collection, Access)>, HubError> {
        let mut out = Vec::new();
        for c in self.accounts().list_collections()? {
            let access = self.accounts().grant(p.org.id, &c.id)?;
            if access.read || access.write {
                out.push((c, access));
            }
        }
        Ok(out)
    }

    /// One collection (UUID or slug) the caller's organisation may read or write; `NotFound`
    /// when it does not exist or the organisation has no access.
    pub fn collection_for(
        &self,
        p: &Principal,
        id: &str,
    ) -> Result<(Collection, Access), HubError> {
        let col = self.find_collection(id)?;
        let access = self.accounts().grant(p.org.id, &col.id)?;
        if access.read || access.write {
            Ok((col, access))
        } else {
            Err(HubError::NotFound(format!("collection '{id}'")))
        }
    }
}
