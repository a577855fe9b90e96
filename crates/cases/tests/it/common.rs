//! Three governments, a case service with a settable clock, and helpers.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use cases::{CaseError, Cases, NewCase};
use hub::{Actor, Principal};
use response::counters::CounterGalaxy;
use store::Role;
use test_support::{new_hub, org_with_user, TestHub, RW};

/// The start of the test clock (2026-12-01T00:00:00Z).
pub const T0: i64 = 1_796_083_200;

pub struct World {
    pub t: TestHub,
    pub cases: Cases,
    pub clock: Arc<AtomicI64>,
    /// Analyst and second analyst of the owner (gov-ca), analysts of gov-fr and gov-jp, an
    /// analyst of an outside organisation (gov-xx), a reader of gov-ca.
    pub ca: Principal,
    pub ca2: Principal,
    pub fr: Principal,
    pub fr2: Principal,
    pub jp: Principal,
    pub xx: Principal,
    pub ca_reader: Principal,
    /// A collection every government reads and writes.
    pub shared: String,
}

impl World {
    pub fn advance(&self, secs: i64) {
        self.clock.fetch_add(secs, Ordering::SeqCst);
    }

    pub fn now(&self) -> i64 {
        self.clock.load(Ordering::SeqCst)
    }
}

pub fn galaxy() -> CounterGalaxy {
    let path = test_data::shared("data/disarm/misp-galaxy-disarm-countermeasures.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    CounterGalaxy::parse(&text).expect("countermeasure galaxy")
}

pub fn world() -> World {
    let t = new_hub();
    let ca = org_with_user(&t.hub, "gov-ca", "ca-ana", Role::Analyst);
    let ca2 = org_with_user(&t.hub, "gov-ca", "ca-ana2", Role::Admin);
    let ca_reader = org_with_user(&t.hub, "gov-ca", "ca-reader", Role::Reader);
    let fr = org_with_user(&t.hub, "gov-fr", "fr-ana", Role::Analyst);
    let fr2 = org_with_user(&t.hub, "gov-fr", "fr-ana2", Role::Analyst);
    let jp = org_with_user(&t.hub, "gov-jp", "jp-ana", Role::Analyst);
    let xx = org_with_user(&t.hub, "gov-xx", "xx-ana", Role::Analyst);
    let shared = t
        .hub
        .add_collection(Actor::Operator, "g7", "G7 RRM", "", None)
        .unwrap()
        .id;
    for org in ["gov-ca", "gov-fr", "gov-jp", "gov-xx"] {
        t.hub.grant(Actor::Operator, org, "g7", RW).unwrap();
    }
    let clock = Arc::new(AtomicI64::new(T0));
    let c = clock.clone();
    let cases = Cases::new(t.hub.clone(), t.store.clone(), galaxy())
        .with_clock(Arc::new(move || c.load(Ordering::SeqCst)));
    World {
        t,
        cases,
        clock,
        ca,
        ca2,
        fr,
        fr2,
        jp,
        xx,
        ca_reader,
        shared,
    }
}

/// A case owned by gov-ca with gov-fr and gov-jp taking part, opened.
pub fn open_case(w: &World) -> String {
    let c = w
        .cases
        .create_case(
            &w.ca,
            &NewCase {
                title: "Election interference campaign".into(),
                participants: vec!["gov-fr".into(), "gov-jp".into()],
                ..NewCase::default()
            },
        )
        .unwrap();
    w.cases
        .change_status(&w.ca, &c.id, response::case::CaseAction::Open, None)
        .unwrap();
    c.id
}

/// The field an `Invalid` error names.
pub fn invalid_field(e: &CaseError) -> &str {
    match e {
        CaseError::Invalid { field, .. } => field,
        other => panic!("expected invalid input, got {other:?}"),
    }
}

/// Every case `p` sees, newest first, walking the pages `limit` at a time.
pub fn all_cases(w: &World, p: &Principal, limit: usize) -> Vec<cases::CaseView> {
    let mut query = cases::CaseListQuery {
        role: cases::CaseRole::All,
        limit: Some(limit),
        next: None,
    };
    let mut out = Vec::new();
    loop {
        let page = w.cases.case_page(p, &query).unwrap();
        out.extend(page.cases);
        match page.next {
            Some(next) => query.next = Some(next),
            None => return out,
        }
    }
}
