//! Who may administer what: the hub operator, organisation admins and users acting on
//! their own accounts.
//!
//! The rules, which every administration call applies:
//!
//! - The **operator** (the local CLI, or a user with the `operator` role) may do everything:
//!   create organisations, collections and grants, list every organisation and collection,
//!   create users of any role in any organisation, mint tokens for any user, and revoke,
//!   reset, disable and enable any account.
//! - An **organisation admin** manages its own organisation's accounts: it creates users of
//!   its organisation (reader, analyst or admin, never operator), lists and revokes their
//!   tokens, resets their passwords, disables and enables them. It may not touch an operator
//!   account, and it may not mint a token for anyone but itself: a token is minted only by
//!   its user or the operator. Organisations, collections and grants are hub-wide, so they
//!   are the operator's (a grant gives an organisation access to a collection that other
//!   organisations share; there is no collection owner to delegate it to). An admin lists
//!   only its own organisation.
//! - **Every user** mints, lists and revokes its own tokens and changes its own password
//!   (giving the current one).
//! - An account of another organisation answers exactly like an unknown one (`NotFound`),
//!   so nobody learns which usernames or tokens exist elsewhere; a visible account the actor
//!   may not manage answers `Forbidden` with the reason.

use store::Role;

use crate::{HubError, Principal};

/// Who is acting on an administration call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor<'a> {
    /// The hub operator at the local CLI, with direct access to the data directory.
    Operator,
    /// An authenticated user (an `operator`-role user acts as the operator).
    User(&'a Principal),
}

impl Actor<'_> {
    /// Whether the actor has the operator's powers.
    pub fn is_operator(&self) -> bool {
        match self {
            Actor::Operator => true,
            Actor::User(p) => p.user.role == Role::Operator,
        }
    }

    /// The name recorded in the audit log.
    pub(crate) fn name(&self) -> &str {
        match self {
            Actor::Operator => "operator",
            Actor::User(p) => &p.user.username,
        }
    }

    /// The organisation recorded in the audit log.
    pub(crate) fn org_id(&self) -> Option<i64> {
        match self {
            Actor::Operator => None,
            Actor::User(p) => Some(p.org.id),
        }
    }
}

/// Something an actor does to an existing account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountAction {
    /// Mint an API token for the account.
    MintToken,
    /// List the account's tokens.
    ListTokens,
    /// Revoke one of the account's tokens.
    RevokeToken,
    /// Set the account's password (the account itself must give its current one).
    SetPassword,
    /// Disable or enable the account.
    SetDisabled,
}

/// The account an action is aimed at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccountTarget {
    /// The user's id.
    pub user_id: i64,
    /// The user's organisation.
    pub org_id: i64,
    /// The user's role.
    pub role: Role,
}

/// The decision on an account action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Allowed.
    Allow,
    /// The account is not visible to the actor: answer as for an unknown account.
    Hidden,
    /// Visible but not allowed, with the reason.
    Deny(&'static str),
}

/// The access rule for account actions (see the module documentation).
pub fn decide(actor: &Actor<'_>, action: AccountAction, target: &AccountTarget) -> Decision {
    let p = match actor {
        Actor::User(p) if p.user.role != Role::Operator => p,
        _ => return Decision::Allow,
    };
    let is_self = p.user.id == target.user_id;
    if !is_self && p.org.id != target.org_id {
        return Decision::Hidden;
    }
    if is_self && action != AccountAction::SetDisabled {
        return Decision::Allow;
    }
    if action == AccountAction::MintToken {
        return Decision::Deny("a token is minted only by its user or the hub operator");
    }
    if p.user.role != Role::Admin {
        return Decision::Deny("only an admin of the organisation manages its users");
    }
    if target.role == Role::Operator {
        return Decision::Deny("only the hub operator manages an operator account");
    }
    Decision::Allow
}

/// Whether `actor` may create a user with `role` in organisation `org_id`.
pub fn may_create_user(actor: &Actor<'_>, org_id: i64, role: Role) -> Result<(), &'static str> {
    let p = match actor {
        Actor::User(p) if p.user.role != Role::Operator => p,
        _ => return Ok(()),
    };
    match p {
        p if p.user.role != Role::Admin => {
            Err("only an admin of the organisation or the hub operator creates users")
        }
        p if p.org.id != org_id => {
            Err("an organisation admin creates users only in its own organisation")
        }
        _ if role == Role::Operator => Err("only the hub operator creates operator accounts"),
        _ => Ok(()),
    }
}

/// Requires the operator's powers.
pub(crate) fn require_operator(actor: &Actor<'_>, what: &str) -> Result<(), HubError> {
    if actor.is_operator() {
        return Ok(());
    }
    let who = actor.name();
    Err(HubError::Forbidden(format!(
        "{what} is reserved to the hub operator; user '{who}' is not the operator"
    )))
}

/// Requires the operator or an organisation admin; returns the organisation an admin is
/// limited to (`None` for the operator).
pub(crate) fn require_admin_scope(actor: &Actor<'_>, what: &str) -> Result<Option<i64>, HubError> {
    match actor {
        Actor::Operator => Ok(None),
        Actor::User(p) if p.user.role == Role::Operator => Ok(None),
        Actor::User(p) if p.user.role == Role::Admin => Ok(Some(p.org.id)),
        Actor::User(p) => Err(HubError::Forbidden(format!(
            "{what} needs an admin; user '{}' is not an admin",
            p.user.username
        ))),
    }
}
