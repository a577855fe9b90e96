//! Credentials: argon2id password and token verification with a short-lived cache.

use std::time::{Duration, Instant};

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::{Hub, HubError, Principal};

/// How long a successful verification is remembered.
const CACHE_TTL: Duration = Duration::from_secs(60);
/// The most credentials remembered at once; the cache is cleared when it is full.
const CACHE_MAX: usize = 10_000;

/// A remembered successful verification. It holds the hash that was verified against, so a
/// changed password or a revoked token invalidates it at once.
pub(crate) struct CacheEntry {
    /// The verified user.
    user_id: i64,
    /// The token lookup id, for tokens.
    lookup: Option<String>,
    /// The argon2id hash the credential was verified against.
    hash: String,
    /// When the entry stops being trusted.
    expires: Instant,
}

/// Hashes a secret with argon2id into a PHC string.
pub(crate) fn hash_secret(secret: &str) -> Result<String, HubError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(secret.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| HubError::internal("argon2 hashing failed", e.to_string()))
}

/// Verifies a secret against an argon2 PHC string; a malformed hash never verifies.
pub(crate) fn verify_secret(secret: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(parsed) => Argon2::default()
            .verify_password(secret.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// Random bytes as lower-case hex.
pub(crate) fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut buf);
    hex::encode(buf)
}

/// The cache key of a credential: SHA-256 over a kind tag and the credential parts.
fn cache_key(kind: &str, parts: &[&str]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(kind.as_bytes());
    for p in parts {
        h.update((p.len() as u64).to_le_bytes());
        h.update(p.as_bytes());
    }
    h.finalize().into()
}

/// The lookup id and secret of a token `rrm_<lookup>_<secret>`.
fn split_token(token: &str) -> Option<(&str, &str)> {
    token
        .strip_prefix("rrm_")
        .and_then(|rest| rest.split_once('_'))
}

/// The lookup id of a well-formed token, for throttling and logs (it is not secret).
pub fn token_lookup(token: &str) -> Option<&str> {
    split_token(token).map(|(lookup, _)| lookup)
}

/// Constant-time string equality.
fn ct_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

impl Hub {
    /// Authenticates HTTP Basic credentials. Unknown users, users without a password,
    /// disabled users and wrong passwords all give `Unauthenticated` after one argon2
    /// verification.
    pub fn authenticate_basic(
        &self,
        username: &str,
        password: &str,
    ) -> Result<Principal, HubError> {
        if let Some(p) = self.cached_basic(username, password)? {
            return Ok(p);
        }
        let key = cache_key("basic", &[username, password]);
        let user = self.accounts().user_by_name(username)?;
        let hash = user.as_ref().and_then(|u| u.password_hash.clone());
        let ok = match &hash {
            Some(h) => verify_secret(password, h),
            None => {
                let _ = verify_secret(password, self.dummy_hash());
                false
            }
        };
        match (ok, user, hash) {
            (true, Some(user), Some(hash)) if !user.disabled => {
                self.remember(key, user.id, None, hash);
                self.principal_of(user)
            }
            _ => Err(HubError::Unauthenticated),
        }
    }

    /// The principal of HTTP Basic credentials verified recently, without an argon2
    /// verification; `None` when they are not in the cache (or changed since, or the user
    /// was disabled), and then only [`Hub::authenticate_basic`] can tell.
    pub fn cached_basic(
        &self,
        username: &str,
        password: &str,
    ) -> Result<Option<Principal>, HubError> {
        let key = cache_key("basic", &[username, password]);
        let Some(user_id) = self.cached(&key) else {
            return Ok(None);
        };
        let Some(user) = self.accounts().user_by_id(user_id)? else {
            return Ok(None);
        };
        let fresh = self.cache_fresh(&key, user.password_hash.as_deref(), None);
        if fresh && user.username == username && !user.disabled {
            return self.principal_of(user).map(Some);
        }
        Ok(None)
    }

    /// Authenticates a bearer token `rrm_<lookup>_<secret>`. Malformed, unknown, revoked and
    /// wrong tokens, and tokens of disabled users, all give `Unauthenticated`.
    pub fn authenticate_token(&self, token: &str) -> Result<Principal, HubError> {
        if let Some(p) = self.cached_token(token)? {
            return Ok(p);
        }
        let Some((lookup, secret)) = split_token(token) else {
            let _ = verify_secret(token, self.dummy_hash());
            return Err(HubError::Unauthenticated);
        };
        let key = cache_key("token", &[lookup, secret]);
        let stored = self.accounts().token_by_lookup(lookup)?;
        let ok = match &stored {
            Some(t) => verify_secret(secret, &t.secret_hash) && !t.revoked,
            None => {
                let _ = verify_secret(secret, self.dummy_hash());
                false
            }
        };
        let Some(t) = stored.filter(|_| ok) else {
            return Err(HubError::Unauthenticated);
        };
        let Some(user) = self
            .accounts()
            .user_by_id(t.user_id)?
            .filter(|u| !u.disabled)
        else {
            return Err(HubError::Unauthenticated);
        };
        self.remember(key, user.id, Some(t.lookup.clone()), t.secret_hash.clone());
        self.principal_of(user)
    }

    /// The principal of a token verified recently, without an argon2 verification; `None`
    /// when it is not in the cache (or was revoked, or its user disabled).
    pub fn cached_token(&self, token: &str) -> Result<Option<Principal>, HubError> {
        let Some((lookup, secret)) = split_token(token) else {
            return Ok(None);
        };
        let key = cache_key("token", &[lookup, secret]);
        if self.cached(&key).is_none() {
            return Ok(None);
        }
        let Some(t) = self.accounts().token_by_lookup(lookup)? else {
            return Ok(None);
        };
        if t.revoked || !self.cache_fresh(&key, Some(&t.secret_hash), Some(lookup)) {
            return Ok(None);
        }
        match self.accounts().user_by_id(t.user_id)? {
            Some(user) if !user.disabled => self.principal_of(user).map(Some),
            _ => Ok(None),
        }
    }

    /// The principal of a user by name, without credentials (the local CLI's `--as USER`).
    pub fn principal_for(&self, username: &str) -> Result<Principal, HubError> {
        match self.accounts().user_by_name(username)? {
            Some(user) => self.principal_of(user),
            None => Err(HubError::NotFound(format!("user '{username}'"))),
        }
    }

    /// The argon2id hash verified against when there is no real one, made on first use.
    fn dummy_hash(&self) -> &str {
        self.inner
            .dummy_hash
            .get_or_init(|| hash_secret("rrm-dummy-password-for-timing").unwrap_or_default())
    }

    /// Builds the principal of a stored user.
    pub(crate) fn principal_of(&self, user: store::User) -> Result<Principal, HubError> {
        let org = self.accounts().org_by_id(user.org_id)?.ok_or_else(|| {
            HubError::broken(format!(
                "user '{}' belongs to unknown organisation {}",
                user.username, user.org_id
            ))
        })?;
        let identities = vec![
            stix::user_identity_id(&user.username),
            org.identity_id.clone(),
        ];
        Ok(Principal {
            user,
            org,
            identities,
        })
    }

    /// The user id of a cached, unexpired credential.
    fn cached(&self, key: &[u8; 32]) -> Option<i64> {
        let cache = self.inner.auth_cache.lock().ok()?;
        let entry = cache.get(key)?;
        (entry.expires > Instant::now()).then_some(entry.user_id)
    }

    /// Whether the cached entry was verified against `hash` (and `lookup`), i.e. the
    /// credential has not changed since.
    fn cache_fresh(&self, key: &[u8; 32], hash: Option<&str>, lookup: Option<&str>) -> bool {
        let Ok(cache) = self.inner.auth_cache.lock() else {
            return false;
        };
        let Some(entry) = cache.get(key) else {
            return false;
        };
        let hash_ok = hash.is_some_and(|h| ct_eq(h, &entry.hash));
        let lookup_ok = entry.lookup.as_deref() == lookup;
        hash_ok && lookup_ok && entry.expires > Instant::now()
    }

    /// Forgets every cached credential of a user (after a password change, a revocation or
    /// a disable), so that nothing stale is trusted even for a moment.
    pub(crate) fn forget_user(&self, user_id: i64) {
        if let Ok(mut cache) = self.inner.auth_cache.lock() {
            cache.retain(|_, e| e.user_id != user_id);
        }
    }

    /// Remembers a successful verification.
    fn remember(&self, key: [u8; 32], user_id: i64, lookup: Option<String>, hash: String) {
        if let Ok(mut cache) = self.inner.auth_cache.lock() {
            if cache.len() >= CACHE_MAX {
                cache.clear();
            }
            cache.insert(
                key,
                CacheEntry {
                    user_id,
                    lookup,
                    hash,
                    expires: Instant::now() + CACHE_TTL,
                },
            );
        }
    }
}
