//! Notice timings (`NoticeStore::notice_timings`): the notices sent in a half-open period that
//! one party sent or received, or every one, with their times, item counts and actioned items,
//! compared with an independent model over a generated set.

use store::{Conclusion, DecisionRecord, NoticeRecord, NoticeTiming, TimingScope};

use super::*;

/// A small linear congruential generator: the same notices on every backend.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: u64) -> i64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) % n) as i64
    }
}

/// Sent notices with known times among three organisations (and drafts that never count),
/// then each party's and everyone's timings against the model.
pub fn notice_timings(s: &dyn Backend) {
    let fx = fixture(s);
    let c = s.create_org(&new_org("org-c", 3)).expect("create org-c");
    let orgs = [fx.a.id, fx.b.id, c.id];
    let mut rng = Lcg(12);
    let mut model: Vec<NoticeTiming> = Vec::new();
    for i in 0..60 {
        let sender = orgs[rng.next(3) as usize];
        let recipient = orgs[rng.next(3) as usize];
        let sent = 1_000 + rng.next(1_000);
        let items = 1 + rng.next(4) as u32;
        let acknowledged = (rng.next(3) > 0).then(|| sent + rng.next(500));
        let decide = rng.next(2) == 0;
        let actioned = if decide {
            rng.next(u64::from(items) + 1)
        } else {
            0
        } as u32;
        let draft = rng.next(6) == 0;
        let id = format!("t{i:02}");
        let content = format!(
            r#"{{"kind":"dsa-art16","items":[{}]}}"#,
            vec![r#"{"type":"url"}"#; items as usize].join(",")
        );
        let record = NoticeRecord {
            id: id.clone(),
            root_id: id.clone(),
            version: 1,
            kind: "dsa-art16".into(),
            sender_org_id: sender,
            recipient_org_id: recipient,
            tlp: if i % 5 == 0 { "RED" } else { "AMBER" }.into(),
            status: if draft { "draft" } else { "acknowledged" }.into(),
            content,
            created_by: fx.ua.id,
            created: 10,
            updated: 10,
            sent_at: (!draft).then_some(sent),
            acknowledged_at: acknowledged.filter(|_| !draft),
            ..NoticeRecord::default()
        };
        s.create_notice(&record, &test_audit()).unwrap();
        let mut decided_at = None;
        if decide && !draft {
            let decisions: Vec<DecisionRecord> = (0..items)
                .map(|item| DecisionRecord {
                    notice_id: id.clone(),
                    item: i64::from(item),
                    outcome: if item < actioned {
                        "actioned"
                    } else {
                        "no-action"
                    }
                    .into(),
                    sender_org_id: sender,
                    recipient_org_id: recipient,
                    decided_by: fx.ub.id,
                    decided_at: sent + 600 + i64::from(item),
                    ..DecisionRecord::default()
                })
                .collect();
            let n = decisions.len();
            let ok = s
                .add_decisions(&id, "acknowledged", &decisions, &test_audit(), &|all| {
                    (all.len() == n).then(|| Conclusion {
                        to: "decided".into(),
                        outcome: "actioned".into(),
                        audit: test_audit(),
                        events: Vec::new(),
                    })
                })
                .unwrap();
            assert!(ok);
            decided_at = Some(sent + 600 + i64::from(items) - 1);
        }
        if !draft {
            model.push(NoticeTiming {
                id,
                sender_org_id: sender,
                recipient_org_id: recipient,
                tlp: record.tlp.clone(),
                sent_at: sent,
                acknowledged_at: acknowledged,
                decided_at,
                items,
                items_actioned: actioned,
            });
        }
    }
    let sorted = |mut v: Vec<NoticeTiming>| {
        v.sort_by(|a, b| {
            (a.recipient_org_id, a.sent_at, &a.id).cmp(&(b.recipient_org_id, b.sent_at, &b.id))
        });
        v
    };
    for (from, to) in [
        (0, i64::MAX),
        (1_200, 1_700),
        (1_500, 1_500),
        (2_000, 3_000),
    ] {
        let within = |t: &&NoticeTiming| t.sent_at >= from && t.sent_at < to;
        let all = s.notice_timings(TimingScope::All, from, to).unwrap();
        assert_eq!(
            all,
            sorted(model.iter().filter(within).cloned().collect()),
            "all in [{from}, {to})"
        );
        for org in orgs {
            let got = s.notice_timings(TimingScope::Party(org), from, to).unwrap();
            let want = sorted(
                model
                    .iter()
                    .filter(within)
                    .filter(|t| t.sender_org_id == org || t.recipient_org_id == org)
                    .cloned()
                    .collect(),
            );
            assert_eq!(got, want, "org {org} in [{from}, {to})");
        }
    }
    // The whole set has notices in the period, and a notice to oneself counts once.
    assert!(!s
        .notice_timings(TimingScope::All, 0, i64::MAX)
        .unwrap()
        .is_empty());
    assert!(s
        .notice_timings(TimingScope::Party(9_999), 0, i64::MAX)
        .unwrap()
        .is_empty());
}
