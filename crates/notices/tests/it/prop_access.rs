//! Access control, by property: for a notice driven to a random point of its lifecycle, any
//! step by any user of any organisation. Outsiders never see it (`NotFound`, as an unknown id),
//! the recipient never sees a draft or an approved notice, nobody approves their own notice,
//! and a refused step changes nothing.

use notices::{NewDecision, NoticeError, NoticeView};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use response::notice::{AppealAnswer, ItemOutcome, NoticeStatus};

use crate::fixtures::{art16, env, statement, Env};

/// The happy path, one step at a time: approve, send, acknowledge, decide, appeal, answer.
fn advance(e: &Env, id: &str, steps: usize) {
    for step in 0..steps {
        match step {
            0 => drop(e.notices.approve(&e.colleague, id).unwrap()),
            1 => drop(e.notices.send(&e.gov, id).unwrap()),
            2 => drop(e.notices.acknowledge(&e.chirp, id).unwrap()),
            3 => drop(
                e.notices
                    .decide(
                        &e.chirp,
                        id,
                        &(0..3)
                            .map(|item| NewDecision {
                                item,
                                outcome: ItemOutcome::NoAction,
                                statement: None,
                            })
                            .collect::<Vec<_>>(),
                    )
                    .unwrap(),
            ),
            4 => drop(e.notices.appeal(&e.gov, id, "reasons").unwrap()),
            _ => drop(
                e.notices
                    .answer(&e.chirp, id, AppealAnswer::Upheld, "explained")
                    .unwrap(),
            ),
        }
    }
}

fn op(e: &Env, who: &hub::Principal, id: &str, op: usize) -> Result<NoticeView, NoticeError> {
    match op {
        0 => e.notices.show(who, id),
        1 => e.notices.approve(who, id),
        2 => e.notices.send(who, id),
        3 => e.notices.acknowledge(who, id),
        4 => e.notices.decide(
            who,
            id,
            &[NewDecision {
                item: 0,
                outcome: ItemOutcome::Actioned,
                statement: Some(statement("p-0")),
            }],
        ),
        5 => e.notices.appeal(who, id, "why"),
        6 => e.notices.answer(who, id, AppealAnswer::Reversed, "because"),
        7 => e.notices.close(who, id),
        8 => e.notices.new_version(who, id, &art16("chirp")),
        _ => e.notices.versions(who, id).map(|mut v| v.remove(0)),
    }
}

#[test]
fn nobody_outside_sees_a_notice_and_nobody_approves_their_own() {
    let e = env();
    let mut runner = TestRunner::new(Config {
        cases: 48,
        ..Config::default()
    });
    runner
        .run(
            &(0..7usize, 0..6usize, 0..10usize),
            |(steps, who, which)| {
                let n = e.notices.create(&e.gov, &art16("chirp")).unwrap();
                advance(&e, &n.id, steps);
                let before = e.notices.show(&e.gov, &n.id).unwrap();
                let users = [
                    &e.gov,
                    &e.colleague,
                    &e.gov_admin,
                    &e.chirp,
                    &e.other,
                    &e.isp,
                ];
                let actor = users[who];
                let got = op(&e, actor, &n.id, which);
                let outsider = who >= 4;
                let unsent = matches!(before.status, NoticeStatus::Draft | NoticeStatus::Approved);
                if outsider || (who == 3 && unsent) {
                    prop_assert!(
                        matches!(got, Err(NoticeError::NotFound(_))),
                        "user {} op {} in {}: {:?}",
                        who,
                        which,
                        before.status,
                        got.as_ref().map(|v| v.status)
                    );
                }
                if which == 1 && who == 0 {
                    prop_assert!(got.is_err(), "approved by its author");
                }
                if got.is_err() {
                    let after = e.notices.show(&e.gov, &n.id).unwrap();
                    prop_assert_eq!(after.status, before.status);
                    prop_assert_eq!(after.decisions.len(), before.decisions.len());
                    prop_assert_eq!(after.appeal, before.appeal);
                }
                Ok(())
            },
        )
        .unwrap();
}
