//! Fixtures: the organisations of a notice, notice content and statements of reasons.

use std::sync::Arc;

use hub::{Access, Actor, Principal};
use notices::{NewNotice, Notices};
use serde_json::{json, Value};
use store::{Role, Sector};
use test_support::{new_hub, TestHub};

/// The fields of the complete statement that the current `sor::Statement` does not know yet
/// (the sor crate's skeleton); the lead empties this list when the full crate is merged.
pub const NOT_YET_IN_SOR: &[&str] = &[
    "incompatible_content_ground",
    "incompatible_content_explanation",
    "territorial_scope",
    "content_date",
    "content_language",
];

/// A statement of reasons that is complete under the Transparency Database's current rules,
/// for content `puid`: the one place these fields are written in the Rust tests.
pub fn statement_json(puid: &str) -> Value {
    let mut s = json!({
        "decision_visibility": ["DECISION_VISIBILITY_CONTENT_REMOVED"],
        "decision_ground": "DECISION_GROUND_INCOMPATIBLE_CONTENT",
        "incompatible_content_ground": "Platform manipulation policy, section 2",
        "incompatible_content_explanation": "The account is part of a coordinated inauthentic network.",
        "category": "STATEMENT_CATEGORY_NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS",
        "content_type": ["CONTENT_TYPE_TEXT"],
        "automated_detection": "No",
        "automated_decision": "AUTOMATED_DECISION_NOT_AUTOMATED",
        "application_date": "2026-11-30",
        "decision_facts": "Removed after review of the notice and the account's activity.",
        "source_type": "SOURCE_ARTICLE_16",
        "puid": puid,
        "territorial_scope": ["CA", "DE", "FR"],
        "content_date": "2026-11-29",
        "content_language": "EN"
    });
    if let Some(m) = s.as_object_mut() {
        for f in NOT_YET_IN_SOR {
            m.remove(*f);
        }
    }
    s
}

/// The statement of [`statement_json`], parsed.
pub fn statement(puid: &str) -> sor::Statement {
    serde_json::from_value(statement_json(puid)).expect("statement fixture")
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
