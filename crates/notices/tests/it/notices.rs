//! A notice from a government to a platform, end to end, and each refusal on the way.

use notices::{By, NewDecision, NewNotice, NoticeError};
use response::notice::{AppealAnswer, ItemOutcome, NoticeOutcome, NoticeStatus};
use serde_json::json;
use sha2::{Digest, Sha256};
use store::Tlp;
use test_support::{indicator, marked, new_id};

use crate::fixtures::{art16, env, statement, Env};

fn fields(e: NoticeError) -> Vec<String> {
    match e {
        NoticeError::Invalid(m) => m.into_iter().map(|m| m.field).collect(),
        other => panic!("expected invalid input, got {other:?}"),
    }
}

fn sent(e: &Env, new: &NewNotice) -> String {
    let n = e.notices.create(&e.gov, new).unwrap();
    e.notices.approve(&e.colleague, &n.id).unwrap();
    e.notices.send(&e.gov, &n.id).unwrap().id
}

#[test]
fn a_notice_from_draft_to_closed() {
    let e = env();
    let n = e.notices.create(&e.gov, &art16("chirp")).unwrap();
    assert_eq!(n.status, NoticeStatus::Draft);
    // The recipient does not see a draft; its author may not approve it.
    assert!(matches!(
        e.notices.show(&e.chirp, &n.id),
        Err(NoticeError::NotFound(_))
    ));
    assert!(matches!(
        e.notices.approve(&e.gov, &n.id),
        Err(NoticeError::Forbidden(_))
    ));
    assert!(matches!(
        e.notices.send(&e.gov, &n.id),
        Err(NoticeError::Transition { .. })
    ));
    let approved = e.notices.approve(&e.colleague, &n.id).unwrap();
    assert_eq!(approved.approved_by.as_deref(), Some("ben"));
    let s = e.notices.send(&e.gov, &n.id).unwrap();
    assert_eq!(s.status, NoticeStatus::Sent);
    // The hash is the SHA-256 of the frozen canonical JSON, which holds the content.
    let frozen = s.frozen.clone().unwrap();
    assert_eq!(
        s.content_hash.as_deref(),
        Some(hex::encode(Sha256::digest(frozen.as_bytes())).as_str())
    );
    let parsed: serde_json::Value = serde_json::from_str(&frozen).unwrap();
    assert_eq!(response::notice::canonical_json(&parsed), frozen);
    assert_eq!(parsed["items"][2]["value"], "@mirror_lake_3");
    assert_eq!(parsed["recipient"], "chirp");

    // The inbox, incrementally: the first fetch delivers it, the next one is empty.
    let page = e.notices.inbox(&e.chirp, None, None).unwrap();
    assert_eq!(page.notices.len(), 1);
    assert_eq!(page.notices[0].status, NoticeStatus::Delivered);
    assert!(e
        .notices
        .inbox(&e.chirp, Some(&page.next), None)
        .unwrap()
        .notices
        .is_empty());
    assert!(e
        .notices
        .inbox(&e.other, None, None)
        .unwrap()
        .notices
        .is_empty());
    let second = sent(&e, &art16("chirp"));
    let newer = e.notices.inbox(&e.chirp, Some(&page.next), None).unwrap();
    assert_eq!(
        newer
            .notices
            .iter()
            .map(|n| n.id.as_str())
            .collect::<Vec<_>>(),
        [second.as_str()]
    );

    // The sender may not acknowledge or decide; the recipient does.
    assert!(matches!(
        e.notices.acknowledge(&e.gov, &n.id),
        Err(NoticeError::Forbidden(_))
    ));
    let ack = e.notices.acknowledge(&e.chirp, &n.id).unwrap();
    assert_eq!(ack.status, NoticeStatus::UnderReview);
    assert!(ack.acknowledged_at.is_some());
    let two = e
        .notices
        .decide(
            &e.chirp,
            &n.id,
            &[
                NewDecision {
                    item: 0,
                    outcome: ItemOutcome::Actioned,
                    statement: Some(statement("1001")),
                },
                NewDecision {
                    item: 1,
                    outcome: ItemOutcome::Actioned,
                    statement: Some(statement("1002")),
                },
            ],
        )
        .unwrap();
    assert_eq!(two.status, NoticeStatus::UnderReview);
    assert_eq!(two.decisions.len(), 2);
    // Deciding an item twice is named; nothing is stored.
    let again = e.notices.decide(
        &e.chirp,
        &n.id,
        &[NewDecision {
            item: 1,
            outcome: ItemOutcome::NoAction,
            statement: None,
        }],
    );
    assert_eq!(fields(again.unwrap_err()), ["decisions.0.item"]);
    let done = e
        .notices
        .decide(
            &e.chirp,
            &n.id,
            &[NewDecision {
                item: 2,
                outcome: ItemOutcome::NoAction,
                statement: None,
            }],
        )
        .unwrap();
    assert_eq!(done.status, NoticeStatus::Decided);
    assert_eq!(done.outcome, Some(NoticeOutcome::PartiallyActioned));

    // Both sides find the decision by puid; an outsider does not.
    for p in [&e.gov, &e.chirp] {
        let found = e.notices.decisions_by_puid(p, "1002").unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(
            (found[0].notice.as_str(), found[0].item),
            (n.id.as_str(), 1)
        );
    }
    assert!(e
        .notices
        .decisions_by_puid(&e.other, "1002")
        .unwrap()
        .is_empty());

    // The export is a batch of the platform's statements, paged by cursor.
    let first = e
        .notices
        .export_statements(&e.chirp, None, Some(1))
        .unwrap();
    assert_eq!(first.batch.statements().len(), 1);
    assert_eq!(first.batch.statements()[0].puid, "1001");
    let rest = e
        .notices
        .export_statements(&e.chirp, Some(&first.next), Some(100))
        .unwrap();
    assert_eq!(rest.batch.statements().len(), 1);
    assert_eq!(rest.batch.statements()[0].puid, "1002");
    assert_eq!(
        fields(
            e.notices
                .export_statements(&e.chirp, None, Some(101))
                .unwrap_err()
        ),
        ["limit"]
    );

    // The sender appeals; the platform answers; the notice is closed.
    assert!(matches!(
        e.notices.appeal(&e.chirp, &n.id, "no"),
        Err(NoticeError::Forbidden(_))
    ));
    assert_eq!(
        fields(e.notices.appeal(&e.gov, &n.id, "  ").unwrap_err()),
        ["reasons"]
    );
    let appealed = e
        .notices
        .appeal(
            &e.gov,
            &n.id,
            "The third account posts the same forged notice.",
        )
        .unwrap();
    assert_eq!(appealed.status, NoticeStatus::Appealed);
    let closed = e
        .notices
        .answer(
            &e.chirp,
            &n.id,
            AppealAnswer::Upheld,
            "The third account is a news outlet quoting the forgery.",
        )
        .unwrap();
    assert_eq!(closed.status, NoticeStatus::Closed);
    assert_eq!(
        closed.appeal.as_ref().and_then(|a| a.answer),
        Some(AppealAnswer::Upheld)
    );
    assert!(matches!(
        e.notices.appeal(&e.gov, &n.id, "again"),
        Err(NoticeError::Transition { .. })
    ));
}

#[test]
fn another_platform_sees_nothing() {
    let e = env();
    let id = sent(&e, &art16("chirp"));
    assert!(matches!(
        e.notices.show(&e.other, &id),
        Err(NoticeError::NotFound(_))
    ));
    assert!(matches!(
        e.notices.decide(
            &e.other,
            &id,
            &[NewDecision {
                item: 0,
                outcome: ItemOutcome::NoAction,
                statement: None
            }]
        ),
        Err(NoticeError::NotFound(_))
    ));
}

#[test]
fn every_missing_element_is_named_and_nothing_is_stored() {
    let e = env();
    let mut bad = art16("chirp");
    bad.content = serde_json::from_value(json!({"kind": "dsa-art16"})).unwrap();
    let f = fields(e.notices.create(&e.gov, &bad).unwrap_err());
    assert_eq!(
        f,
        [
            "items",
            "explanation",
            "ground",
            "contact.name",
            "contact.email",
            "bona_fide"
        ]
    );
    assert_eq!(
        fields(e.notices.create(&e.gov, &art16("gov-ca")).unwrap_err()),
        ["recipient"]
    );
    let mut to_gov = art16("nobody");
    to_gov.recipient = "nobody".into();
    assert_eq!(
        fields(e.notices.create(&e.gov, &to_gov).unwrap_err()),
        ["recipient"]
    );
    assert!(e
        .notices
        .outbox(&e.gov, None, None)
        .unwrap()
        .notices
        .is_empty());
}

#[test]
fn orders_come_only_from_competent_authorities() {
    let e = env();
    let order = NewNotice {
        content: serde_json::from_value(json!({
            "kind": "dsa-art9-order",
            "items": [{"type": "url", "value": "https://chirp.example/p/1"}],
            "ground": "Loi n° 2018-1202, art. 1",
            "explanation": "False information likely to alter the vote (Art. L163-2).",
            "order": {"issuing_authority": "Tribunal judiciaire de Paris",
                      "redress": "Appeal within 48 hours."},
            "territorial_scope": ["FR"]
        }))
        .unwrap(),
        ..art16("chirp")
    };
    assert_eq!(
        fields(e.notices.create(&e.gov, &order).unwrap_err()),
        ["kind"]
    );
    // An organisation's own admin may not certify it; the operator does.
    assert!(matches!(
        e.notices
            .set_authority(By::User(&e.gov_admin), "gov-ca", true),
        Err(NoticeError::Forbidden(_))
    ));
    assert!(e
        .notices
        .set_authority(By::Operator, "gov-ca", true)
        .unwrap());
    assert_eq!(e.notices.authorities().unwrap(), ["gov-ca"]);
    assert!(e.notices.create(&e.gov, &order).is_ok());
}

#[test]
fn a_red_object_blocks_sending_with_the_blocker_named() {
    let e = env();
    let id = new_id("indicator");
    let status =
        e.t.hub
            .add_objects(
                &e.gov,
                &e.collection,
                vec![marked(indicator(&id, 1), Tlp::Red)],
            )
            .unwrap();
    assert_eq!(status.success_count, 1);
    let mut new = art16("chirp");
    new.content.items.push(
        serde_json::from_value(json!({"type": "stix", "value": id, "collection": "threats"}))
            .unwrap(),
    );
    let n = e.notices.create(&e.gov, &new).unwrap();
    assert_eq!(
        n.content.items[3].collection.as_deref(),
        Some(e.collection.as_str())
    );
    e.notices.approve(&e.colleague, &n.id).unwrap();
    match e.notices.send(&e.gov, &n.id) {
        Err(NoticeError::NotVisible(b)) => {
            assert_eq!(b.len(), 1);
            assert_eq!(
                (b[0].item, b[0].object.as_str(), b[0].org.as_str()),
                (3, id.as_str(), "chirp")
            );
        }
        other => panic!("expected a blocker, got {other:?}"),
    }
    assert_eq!(
        e.notices.show(&e.gov, &n.id).unwrap().status,
        NoticeStatus::Approved
    );
    // An object the sender may not see is named at creation.
    new.content.items[3].value = new_id("indicator");
    assert_eq!(
        fields(e.notices.create(&e.gov, &new).unwrap_err()),
        ["items[3]"]
    );
}

#[test]
fn a_correction_is_a_new_version_approved_again() {
    let e = env();
    let id = sent(&e, &art16("chirp"));
    assert!(matches!(
        e.notices.new_version(&e.chirp, &id, &art16("chirp")),
        Err(NoticeError::Forbidden(_))
    ));
    let v2 = e.notices.new_version(&e.gov, &id, &art16("chirp")).unwrap();
    assert_eq!((v2.version, v2.previous.as_deref()), (2, Some(id.as_str())));
    assert_eq!(v2.status, NoticeStatus::Draft);
    assert!(matches!(
        e.notices.new_version(&e.gov, &id, &art16("chirp")),
        Err(NoticeError::Conflict(_))
    ));
    // The recipient sees only the sent version until the correction is sent.
    assert_eq!(e.notices.versions(&e.chirp, &id).unwrap().len(), 1);
    e.notices.approve(&e.colleague, &v2.id).unwrap();
    e.notices.send(&e.gov, &v2.id).unwrap();
    let versions = e.notices.versions(&e.chirp, &v2.id).unwrap();
    assert_eq!(
        versions.iter().map(|v| v.version).collect::<Vec<_>>(),
        [1, 2]
    );
    // An ISP gets abuse reports, not notices to someone else.
    assert!(matches!(
        e.notices.show(&e.isp, &id),
        Err(NoticeError::NotFound(_))
    ));
}
