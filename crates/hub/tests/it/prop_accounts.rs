//! Property test of the account rule: over random organisations, users with random roles,
//! random actors (the local operator or any user) and random account actions, an actor
//! affects a user or its tokens only if it is the operator, the user itself, or (for user
//! management, never for minting tokens) an admin of the same organisation; accounts of
//! other organisations answer like unknown ones.

use test_support as common;

use common::*;
use hub::{Actor, HubError};
use proptest::prelude::*;
use store::{Role, Sector};

const ORGS: [&str; 3] = ["org-a", "org-b", "org-c"];

#[derive(Debug, Clone, Copy)]
enum Act {
    Mint,
    List,
    Revoke,
    Password,
    Disable,
    Create(usize, Role),
}

fn role() -> impl Strategy<Value = Role> {
    prop_oneof![
        Just(Role::Reader),
        Just(Role::Analyst),
        Just(Role::Admin),
        Just(Role::Operator)
    ]
}

fn act() -> impl Strategy<Value = Act> {
    prop_oneof![
        Just(Act::Mint),
        Just(Act::List),
        Just(Act::Revoke),
        Just(Act::Password),
        Just(Act::Disable),
        (0..ORGS.len(), role()).prop_map(|(o, r)| Act::Create(o, r)),
    ]
}

/// What the rule says, written from the words: `Ok`, `not_found` or `forbidden`.
fn expected(
    actor: Option<(usize, Role, usize)>,
    target: (usize, Role, usize),
    a: Act,
) -> &'static str {
    let Some((a_org, a_role, a_id)) = actor else {
        return "ok";
    };
    if a_role == Role::Operator {
        return "ok";
    }
    if let Act::Create(org, role) = a {
        let ok = a_role == Role::Admin && org == a_org && role != Role::Operator;
        return if ok { "ok" } else { "forbidden" };
    }
    let (t_org, t_role, t_id) = target;
    if a_id == t_id {
        return match a {
            Act::Disable if a_role != Role::Admin => "forbidden",
            _ => "ok",
        };
    }
    if a_org != t_org {
        return "not_found";
    }
    match a {
        Act::Mint => "forbidden",
        _ if a_role == Role::Admin && t_role != Role::Operator => "ok",
        _ => "forbidden",
    }
}

fn code<T>(r: &Result<T, HubError>) -> &'static str {
    match r {
        Ok(_) => "ok",
        Err(e) => e.code(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn only_the_operator_the_user_or_its_org_admin_affect_an_account(
        users in proptest::collection::vec((0..ORGS.len(), role()), 2..6),
        ops in proptest::collection::vec((proptest::option::of(0..6usize), 0..6usize, act()), 1..8),
    ) {
        let t = new_hub();
        let hub = &t.hub;
        for slug in ORGS {
            hub.add_org(Actor::Operator, slug, slug, Sector::Other, "CA").unwrap();
        }
        let names: Vec<String> = (0..users.len()).map(|i| format!("u{i}")).collect();
        let mut passwords: Vec<String> = Vec::new();
        for (i, (org, role)) in users.iter().enumerate() {
            let pw = format!("password-{i}-0");
            hub.add_user(Actor::Operator, ORGS[*org], &names[i], *role, Some(&pw)).unwrap();
            passwords.push(pw);
        }
        for (n, (actor, target, a)) in ops.into_iter().enumerate() {
            let actor = actor.map(|i| i % users.len());
            let target = target % users.len();
            let principal = actor.map(|i| hub.principal_for(&names[i]).unwrap());
            let who = match &principal {
                None => Actor::Operator,
                Some(p) => Actor::User(p),
            };
            let model_actor = actor.map(|i| (users[i].0, users[i].1, i));
            let model_target = (users[target].0, users[target].1, target);
            let want = expected(model_actor, model_target, a);
            let tname = &names[target];
            let got = match a {
                Act::Mint => {
                    let r = hub.create_token(who, tname, "p");
                    if let Ok(tok) = &r {
                        prop_assert_eq!(&hub.authenticate_token(tok).unwrap().user.username, tname);
                    }
                    code(&r)
                }
                Act::List => code(&hub.list_tokens(who, tname)),
                Act::Revoke => {
                    let tok = hub.create_token(Actor::Operator, tname, "victim").unwrap();
                    let lookup = hub::token_lookup(&tok).unwrap().to_string();
                    let r = hub.revoke_token(who, &lookup);
                    // Revoked at once when allowed, untouched otherwise.
                    prop_assert_eq!(hub.authenticate_token(&tok).is_ok(), r.is_err());
                    code(&r)
                }
                Act::Password => {
                    let new_pw = format!("password-{target}-{}", n + 1);
                    let r = hub.set_password(who, tname, Some(&passwords[target]), &new_pw);
                    if r.is_ok() {
                        passwords[target] = new_pw;
                    }
                    prop_assert!(hub.authenticate_basic(tname, &passwords[target]).is_ok());
                    code(&r)
                }
                Act::Disable => {
                    let r = hub.set_disabled(who, tname, true);
                    prop_assert_eq!(
                        hub.authenticate_basic(tname, &passwords[target]).is_ok(),
                        r.is_err()
                    );
                    hub.set_disabled(Actor::Operator, tname, false).unwrap();
                    code(&r)
                }
                Act::Create(org, role) => {
                    let r = hub.add_user(who, ORGS[org], &format!("new{n}"), role, None);
                    if let Ok(u) = &r {
                        prop_assert_eq!(u.role, role);
                    }
                    code(&r)
                }
            };
            prop_assert_eq!(got, want, "actor {:?} target {} action {:?}", model_actor, target, a);
        }
    }
}
