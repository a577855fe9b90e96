//! Fixtures: the organisations of a notice, notice content and statements of reasons.

use std::sync::Arc;

use hub::{Access, Actor, Principal};
use notices::{NewNotice, Notices};
use serde_json::json;
use store::{Role, Sector};
use test_support::{new_hub, TestHub};

/// The complete statement of the shared fixture ([`test_support::sor_statement`]), parsed.
pub fn statement(puid: &str) -> sor::Statement {
    serde_json::from_value(test_support::sor_statement(puid)).expect("statement fixture")
}

/// A government with two analysts and an admin, two platforms and an ISP, a collection.
pub struct Env {
    pub t: TestHub,
    pub notices: Notices,
    pub gov: Principal,
    pub colleague: Principal,
    pub gov_admin: Principal,
    pub chirp: Principal,
    pub other: Principal,
    pub isp: Principal,
    pub collection: String,
}

fn user(t: &TestHub, org: &str, sector: Sector, name: &str, role: Role) -> Principal {
    if t.hub.org_by_slug(org).unwrap().is_none() {
        t.hub
            .add_org(Actor::Operator, org, &format!("Org {org}"), sector, "CA")
            .unwrap();
    }
    t.hub
        .add_user(
            Actor::Operator,
            org,
            name,
            role,
            Some("a-long-test-password"),
        )
        .unwrap();
    t.hub.principal_for(name).unwrap()
}

pub fn env() -> Env {
    let t = new_hub();
    let gov = user(&t, "gov-ca", Sector::Government, "ana", Role::Analyst);
    let colleague = user(&t, "gov-ca", Sector::Government, "ben", Role::Analyst);
    let gov_admin = user(&t, "gov-ca", Sector::Government, "ada", Role::Admin);
    let chirp = user(&t, "chirp", Sector::Platform, "cat", Role::Analyst);
    let other = user(&t, "other", Sector::Platform, "oz", Role::Analyst);
    let isp = user(&t, "northnet", Sector::Isp, "ned", Role::Analyst);
    let col = t
        .hub
        .add_collection(Actor::Operator, "threats", "Threats", "", None)
        .unwrap();
    for org in ["gov-ca", "chirp"] {
        t.hub
            .grant(
                Actor::Operator,
                org,
                "threats",
                Access {
                    read: true,
                    write: true,
                },
            )
            .unwrap();
    }
    let notices = Notices::new(t.hub.clone(), t.store.clone())
        .with_cases(t.store.clone() as Arc<dyn store::CaseStore>);
    Env {
        t,
        notices,
        gov,
        colleague,
        gov_admin,
        chirp,
        other,
        isp,
        collection: col.id,
    }
}

/// An Art. 16 notice to `recipient` with three account items.
pub fn art16(recipient: &str) -> NewNotice {
    NewNotice {
        recipient: recipient.into(),
        tlp: None,
        content: serde_json::from_value(json!({
            "kind": "dsa-art16",
            "items": [
                {"type": "account", "value": "@mirror_lake_1", "platform": "1001"},
                {"type": "account", "value": "@mirror_lake_2", "platform": "1002"},
                {"type": "account", "value": "@mirror_lake_3", "platform": "1003"}
            ],
            "explanation": "The accounts spread a forged notice of a changed polling date.",
            "ground": "Canada Elections Act, s. 91(1)",
            "territorial_scope": ["CA"],
            "contact": {"name": "RRM Canada", "email": "rrm@example.gc.ca"},
            "bona_fide": true
        }))
        .unwrap(),
        case_id: None,
        action_id: None,
        respond_by: None,
    }
}
