//! Notices: random step sequences by random actors, never approved by the author, each side's
//! steps refused to the other, nothing out of a final state; every missing element named.

use proptest::prelude::*;
use response::notice::{
    self, check, outcome, ItemOutcome, NoticeContent, NoticeContext, NoticeKind, NoticeOutcome,
    NoticeStatus, NoticeStep, Parties, NOTICE_RULES, RECIPIENT_STEPS, SENDER_STEPS,
};
use response::{rules, Membership, Role, Sector};

use crate::common::any_actor;

fn content(v: serde_json::Value) -> NoticeContent {
    serde_json::from_value(v).expect("notice content")
}

fn platform() -> Parties {
    Parties {
        sender_is_authority: false,
        recipient_sector: Sector::Platform,
    }
}

fn fields(c: &NoticeContent, parties: &Parties) -> Vec<String> {
    match check(c, parties) {
        Ok(()) => Vec::new(),
        Err(missing) => missing.into_iter().map(|m| m.field).collect(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_sequences_keep_the_rules(
        author in any_actor(),
        steps in prop::collection::vec(
            (prop::sample::select(NoticeStep::ALL.to_vec()), any_actor()),
            1..50,
        )
    ) {
        // Organisation 1 sends (Owner), 2 and 3 receive (Participant), 4 is outside.
        let ctx = NoticeContext { author: author.user_id };
        let mut status = NoticeStatus::Draft;
        for (step, who) in steps {
            let before = status;
            let matching = rules::matching(NOTICE_RULES, status, step, &who, &ctx);
            match notice::decide(status, step, &who, &ctx) {
                Ok(acc) => {
                    prop_assert_eq!(matching.len(), 1);
                    prop_assert!(!before.is_final(), "a step out of final state {}", before);
                    if step == NoticeStep::Approve {
                        prop_assert_ne!(who.user_id, ctx.author, "approved by its author");
                        prop_assert_eq!(who.membership, Membership::Owner);
                    }
                    if RECIPIENT_STEPS.contains(&step) {
                        prop_assert_eq!(who.membership, Membership::Participant);
                    }
                    if SENDER_STEPS.contains(&step) {
                        prop_assert_eq!(who.membership, Membership::Owner);
                        prop_assert!(matches!(who.role, Role::Analyst | Role::Admin));
                    }
                    prop_assert!(
                        !matches!(step, NoticeStep::Escalate | NoticeStep::Expire),
                        "only the sweep escalates or expires"
                    );
                    status = acc.to;
                }
                Err(refused) => {
                    prop_assert_eq!(refused.current, before);
                    prop_assert!(matching.is_empty());
                }
            }
        }
    }

    #[test]
    fn each_side_is_refused_the_other_sides_steps(
        who in any_actor(),
        status in prop::sample::select(NoticeStatus::ALL.to_vec()),
    ) {
        let ctx = NoticeContext { author: -1 };
        for step in RECIPIENT_STEPS {
            if who.membership != Membership::Participant {
                prop_assert!(notice::decide(status, *step, &who, &ctx).is_err());
            }
        }
        for step in SENDER_STEPS {
            if who.membership != Membership::Owner {
                prop_assert!(notice::decide(status, *step, &who, &ctx).is_err());
            }
        }
    }

    #[test]
    fn nothing_leaves_a_final_state(
        who in any_actor(),
        step in prop::sample::select(NoticeStep::ALL.to_vec()),
        status in prop::sample::select(vec![NoticeStatus::Closed, NoticeStatus::Expired]),
    ) {
        let ctx = NoticeContext { author: who.user_id + 1 };
        prop_assert!(notice::decide(status, step, &who, &ctx).is_err());
    }

    #[test]
    fn outcome_needs_every_item(decisions in prop::collection::vec(
        prop::option::of(prop::sample::select(ItemOutcome::ALL.to_vec())), 0..8)
    ) {
        let o = outcome(&decisions);
        if decisions.is_empty() || decisions.iter().any(Option::is_none) {
            prop_assert_eq!(o, None);
        } else {
            let actioned = decisions.iter().filter(|d| **d == Some(ItemOutcome::Actioned)).count();
            let expected = if actioned == decisions.len() {
                NoticeOutcome::Actioned
            } else if actioned == 0 {
                NoticeOutcome::NoAction
            } else {
                NoticeOutcome::PartiallyActioned
            };
            prop_assert_eq!(o, Some(expected));
        }
    }

    #[test]
    fn check_never_panics(v in "\\PC{0,40}", kind in prop::sample::select(NoticeKind::ALL.to_vec())) {
        let c = content(serde_json::json!({
            "kind": kind.as_str(),
            "items": [{"type": "url", "value": v.clone()}, {"type": "ip", "value": v.clone()},
                      {"type": "domain", "value": v.clone()}],
            "explanation": v.clone(), "ground": v.clone(), "territorial_scope": [v.clone()],
            "contact": {"name": v.clone(), "email": v.clone()},
            "xarf": {"Date": v.clone(), "ReportClass": v}
        }));
        let _ = check(&c, &platform());
    }
}

#[test]
fn an_empty_art16_notice_names_every_missing_element() {
    let c = content(serde_json::json!({"kind": "dsa-art16"}));
    let f = fields(&c, &platform());
    for want in [
        "items",
        "explanation",
        "ground",
        "contact.name",
        "contact.email",
        "bona_fide",
    ] {
        assert!(f.contains(&want.to_string()), "{want} not in {f:?}");
    }
}

#[test]
fn a_complete_art16_notice_passes() {
    let c = content(serde_json::json!({
        "kind": "dsa-art16",
        "items": [{"type": "account", "value": "@mirror_lake_1", "platform": "1234"},
                  {"type": "url", "value": "https://chirp.example/p/1"}],
        "explanation": "The accounts spread the forged ballot notice (electoral fraud).",
        "ground": "Canada Elections Act s. 91",
        "territorial_scope": ["CA"],
        "contact": {"name": "RRM Canada", "email": "rrm@example.gc.ca"},
        "bona_fide": true
    }));
    assert_eq!(check(&c, &platform()), Ok(()));
    let to_government = Parties {
        recipient_sector: Sector::Government,
        ..platform()
    };
    assert_eq!(fields(&c, &to_government), vec!["recipient".to_string()]);
}

#[test]
fn trusted_flaggers_name_their_designation() {
    let c = content(serde_json::json!({
        "kind": "dsa-trusted-flagger",
        "items": [{"type": "url", "value": "https://chirp.example/p/1"}],
        "explanation": "x", "ground": "y",
        "contact": {"name": "Lab", "email": "lab@example.org"}, "bona_fide": true
    }));
    assert_eq!(fields(&c, &platform()), vec!["trusted_flagger".to_string()]);
}

#[test]
fn an_order_needs_an_authority_and_every_element_of_art9() {
    let c = content(serde_json::json!({
        "kind": "dsa-art9-order",
        "items": [{"type": "url", "value": "not a url"}]
    }));
    let f = fields(&c, &platform());
    for want in [
        "kind",
        "items[0].value",
        "ground",
        "explanation",
        "order.issuing_authority",
        "order.redress",
        "territorial_scope",
    ] {
        assert!(f.contains(&want.to_string()), "{want} not in {f:?}");
    }
    let ok = content(serde_json::json!({
        "kind": "dsa-art9-order",
        "items": [{"type": "url", "value": "https://chirp.example/p/1"}],
        "ground": "Loi n° 2018-1202, art. 1",
        "explanation": "False information likely to alter the vote, contrary to Art. L163-2 of the electoral code.",
        "order": {"issuing_authority": "Tribunal judiciaire de Paris", "redress": "Appeal within 48 hours."},
        "territorial_scope": ["FR"]
    }));
    let authority = Parties {
        sender_is_authority: true,
        ..platform()
    };
    assert_eq!(check(&ok, &authority), Ok(()));
    assert_eq!(fields(&ok, &platform()), vec!["kind".to_string()]);
}

#[test]
fn a_tos_report_needs_its_clause_items_and_explanation() {
    let c = content(serde_json::json!({"kind": "tos-report"}));
    assert_eq!(
        fields(&c, &platform()),
        vec!["items".to_string(), "ground".into(), "explanation".into()]
    );
}

#[test]
fn an_abuse_report_has_the_xarf_shape() {
    let c = content(serde_json::json!({
        "kind": "abuse-report",
        "items": [{"type": "account", "value": "@x"}],
        "xarf": {"ReportClass": "Nonsense", "Date": "yesterday"}
    }));
    let f = fields(&c, &platform());
    for want in [
        "items[0].type",
        "xarf.ReporterInfo",
        "xarf.Disclosure",
        "xarf.ReportClass",
        "xarf.ReportType",
        "xarf.Date",
        "explanation",
    ] {
        assert!(f.contains(&want.to_string()), "{want} not in {f:?}");
    }
    let ok = content(serde_json::json!({
        "kind": "abuse-report",
        "items": [{"type": "ip", "value": "192.0.2.55"}, {"type": "domain", "value": "c2.example.net"}],
        "explanation": "Command-and-control server of a botnet of compromised routers.",
        "xarf": {"ReporterInfo": {"ReporterOrg": "RRM Canada", "ReporterOrgDomain": "rrm.example.ca",
                                  "ReporterOrgEmail": "abuse@rrm.example.ca"},
                 "Disclosure": true, "ReportClass": "Activity", "ReportType": "Botnet",
                 "Date": "2026-11-29T10:00:00Z"}
    }));
    let isp = Parties {
        recipient_sector: Sector::Isp,
        ..platform()
    };
    assert_eq!(check(&ok, &isp), Ok(()));
}

#[test]
fn canonical_json_sorts_keys() {
    let v = serde_json::json!({"b": [1, {"z": "é\n", "a": null}], "a": true});
    assert_eq!(
        notice::canonical_json(&v),
        r#"{"a":true,"b":[1,{"a":null,"z":"é\n"}]}"#
    );
}

#[test]
fn a_statement_of_reasons_names_its_provision() {
    let order = |explanation: &str| {
        content(serde_json::json!({
            "kind": "dsa-art9-order",
            "items": [{"type": "url", "value": "https://chirp.example/p/1"}],
            "ground": "Canada Elections Act", "explanation": explanation,
            "order": {"issuing_authority": "Commissioner", "redress": "Federal Court review."},
            "territorial_scope": ["CA"]
        }))
    };
    let authority = Parties {
        sender_is_authority: true,
        ..platform()
    };
    for ok in [
        "contrary to s. 91(1)",
        "under ss. 91-92",
        "Art. 5",
        "section 12",
        "§ 130 StGB",
    ] {
        assert_eq!(check(&order(ok), &authority), Ok(()), "{ok}");
    }
    for bad in ["it is illegal", "the posts are harmful.", "bus. 12"] {
        assert_eq!(
            fields(&order(bad), &authority),
            vec!["explanation".to_string()],
            "{bad}"
        );
    }
}
