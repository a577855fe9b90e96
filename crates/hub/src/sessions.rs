//! The web console's sessions: opened after a checked sign-in, looked up on every page,
//! ended by sign-out, expiry, a password change or a disabled account.
//!
//! A session's secret is 256 random bits from the OS, given to the browser once as
//! `rrms_<base64url>`; only its SHA-256 is stored. A slow hash such as argon2id protects
//! guessable secrets (passwords); a 256-bit random secret cannot be guessed, and every page
//! load checks it, so one SHA-256 is the right cost. Lookups are by that hash, so no
//! comparison of secrets happens in code at all.

use std::time::Duration;

use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};
use store::{NewAudit, NewSession};
use subtle::ConstantTimeEq;

use crate::{Hub, HubError, Principal};

/// The prefix of a session secret.
pub const SESSION_PREFIX: &str = "rrms_";

/// How often a session's `last_seen` is written at most (a page load is not a write).
const TOUCH_EVERY_MICROS: i64 = 60 * 1_000_000;

/// The most sessions listed on a user's account page.
const LIST_LIMIT: usize = 50;

/// How long a session lasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLimits {
    /// Ends when not used for this long (default 30 minutes).
    pub idle: Duration,
    /// Ends this long after sign-in whatever happens (default 12 hours).
    pub absolute: Duration,
}

impl Default for SessionLimits {
    fn default() -> Self {
        SessionLimits {
            idle: Duration::from_secs(30 * 60),
            absolute: Duration::from_secs(12 * 3600),
        }
    }
}

/// Where a sign-in came from, for the user's list of sessions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionClient {
    /// The browser as it named itself (cut to 200 characters).
    pub user_agent: String,
    /// The client address.
    pub address: String,
}

/// A session secret, given to the browser once. `Debug` does not show it.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionToken(String);

impl SessionToken {
    /// The secret, to put in the cookie.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionToken(<redacted>)")
    }
}

/// A session just opened.
#[derive(Debug, Clone)]
pub struct OpenedSession {
    /// The secret for the cookie.
    pub token: SessionToken,
    /// The public id.
    pub id: String,
    /// When it ends at the latest (microseconds).
    pub expires_at: i64,
}

/// A live session: who is signed in, and the keys of its forms.
#[derive(Clone)]
pub struct ConsoleSession {
    /// The signed-in user, read afresh.
    pub principal: Principal,
    /// The session's public id.
    pub id: String,
    /// When it ends at the latest (microseconds).
    pub expires_at: i64,
    csrf_key: [u8; 32],
}

impl std::fmt::Debug for ConsoleSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConsoleSession")
            .field("user", &self.principal.user.username)
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl ConsoleSession {
    /// The CSRF token of this session's forms: an HMAC-SHA256 of its id under a key derived
    /// from the instance's secret, so it differs per session and cannot be made without it.
    pub fn csrf_token(&self) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.csrf_key)
            .expect("HMAC takes any key length");
        mac.update(b"rrm console csrf\0");
        mac.update(self.id.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// Whether a form's token is this session's (compared in constant time).
    pub fn check_csrf(&self, token: &str) -> bool {
        let expected = self.csrf_token();
        expected.len() == token.len() && bool::from(expected.as_bytes().ct_eq(token.as_bytes()))
    }
}

/// One of a user's sessions, as their account page lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInfo {
    /// The public id.
    pub id: String,
    /// Opened (microseconds).
    pub created: i64,
    /// Last used (microseconds, to the minute).
    pub last_seen: i64,
    /// The browser.
    pub user_agent: String,
    /// The client address.
    pub address: String,
}

fn secret_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn micros(d: Duration) -> i64 {
    i64::try_from(d.as_micros()).unwrap_or(i64::MAX)
}

fn session_audit(p: &Principal, action: &str, id: &str) -> NewAudit {
    NewAudit {
        actor: p.user.username.clone(),
        actor_org_id: Some(p.org.id),
        action: action.to_string(),
        target: p.user.username.clone(),
        target_org_id: Some(p.org.id),
        detail: format!("session {id}"),
    }
}

impl Hub {
    fn csrf_key(&self) -> [u8; 32] {
        crate::derived_key(b"rrm console csrf key", &self.config().cursor_key)
    }

    /// Opens a session for a user whose credentials were just checked; audited as
    /// `session.open`.
    pub fn open_session(
        &self,
        p: &Principal,
        now: i64,
        limits: &SessionLimits,
        client: SessionClient,
    ) -> Result<OpenedSession, HubError> {
        let mut secret = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut secret);
        let token = format!(
            "{SESSION_PREFIX}{}",
            base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, secret)
        );
        let mut idb = [0u8; 12];
        rand::rngs::OsRng.fill_bytes(&mut idb);
        let id = hex::encode(idb);
        let expires = now.saturating_add(micros(limits.absolute));
        let new = NewSession {
            id: id.clone(),
            secret_hash: secret_hash(&token),
            user_id: p.user.id,
            created: now,
            idle_expires: now.saturating_add(micros(limits.idle)).min(expires),
            expires,
            user_agent: client.user_agent.chars().take(200).collect(),
            address: client.address.chars().take(64).collect(),
        };
        self.sessions()
            .add_session(&new, &session_audit(p, "session.open", &id))?;
        Ok(OpenedSession {
            token: SessionToken(token),
            id,
            expires_at: expires,
        })
    }

    /// The live session of a secret: `Unauthenticated` for a malformed, unknown or expired
    /// one, or one whose user is disabled. Records the use at most once a minute.
    pub fn session(
        &self,
        token: &str,
        now: i64,
        limits: &SessionLimits,
    ) -> Result<ConsoleSession, HubError> {
        if !token.starts_with(SESSION_PREFIX) || token.len() > 128 {
            return Err(HubError::Unauthenticated);
        }
        let Some(s) = self.sessions().session_by_secret(&secret_hash(token))? else {
            return Err(HubError::Unauthenticated);
        };
        if now >= s.expires || now >= s.idle_expires {
            return Err(HubError::Unauthenticated);
        }
        let user = match self.accounts().user_by_id(s.user_id)? {
            Some(u) if !u.disabled => u,
            _ => {
                self.sessions().delete_user_sessions(s.user_id, None)?;
                return Err(HubError::Unauthenticated);
            }
        };
        let principal = self.principal_of(user)?;
        if now - s.last_seen >= TOUCH_EVERY_MICROS
            && !self.sessions().touch_session(
                &s.id,
                now,
                now.saturating_add(micros(limits.idle)),
            )?
        {
            return Err(HubError::Unauthenticated);
        }
        Ok(ConsoleSession {
            principal,
            id: s.id,
            expires_at: s.expires,
            csrf_key: self.csrf_key(),
        })
    }

    /// Ends the session of a secret (sign-out), audited as `session.close`. An unknown
    /// secret is not an error: the session is gone either way.
    pub fn close_session(&self, token: &str) -> Result<(), HubError> {
        let Some(s) = self.sessions().session_by_secret(&secret_hash(token))? else {
            return Ok(());
        };
        let p = match self.accounts().user_by_id(s.user_id)? {
            Some(u) => self.principal_of(u)?,
            None => return Ok(()),
        };
        self.sessions()
            .delete_session(&s.id, &session_audit(&p, "session.close", &s.id))?;
        Ok(())
    }

    /// The user's own live sessions, newest first.
    pub fn user_sessions(&self, p: &Principal) -> Result<Vec<SessionInfo>, HubError> {
        let now = clock::now_micros();
        Ok(self
            .sessions()
            .user_sessions(p.user.id, now, LIST_LIMIT)?
            .into_iter()
            .map(|s| SessionInfo {
                id: s.id,
                created: s.created,
                last_seen: s.last_seen,
                user_agent: s.user_agent,
                address: s.address,
            })
            .collect())
    }

    /// Ends every session of the user but `keep`; returns how many.
    pub fn close_other_sessions(&self, p: &Principal, keep: &str) -> Result<u64, HubError> {
        Ok(self
            .sessions()
            .delete_user_sessions(p.user.id, Some(keep))?)
    }

    /// Ends every session of a user (a password reset by an admin, a disabled user).
    pub(crate) fn close_all_sessions(&self, user_id: i64) -> Result<u64, HubError> {
        Ok(self.sessions().delete_user_sessions(user_id, None)?)
    }

    /// Deletes expired sessions; returns how many.
    pub fn purge_sessions(&self, now: i64) -> Result<u64, HubError> {
        Ok(self.sessions().purge_sessions(now)?)
    }
}
