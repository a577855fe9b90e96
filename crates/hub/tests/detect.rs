//! The detection service over a real hub on SQLite: job states, publication rules, bounds and
//! the deterministic account ids.

mod common;

use common::{new_hub, org_with_user, RW};
use hub::detect::{user_account_id, DetectLimits, DetectRequest, Detections};
use hub::Actor;
use hub::{HubError, ObjectFilter};
use proptest::prelude::*;
use store::{Role, Tlp};

const CSV: &str = "message_id,user_id,username,repost_id,reply_id,message,timestamp,urls\n\
m1,a,na,o1,,RT x,100,\nm2,b,nb,o1,,RT x,101,\nm3,a,na,o2,,RT y,500,\nm4,b,nb,o2,,RT y,505,\n";

fn request(dataset: &str) -> DetectRequest {
    DetectRequest {
        dataset: dataset.to_string(),
        networks: vec!["co_retweet".to_string()],
        window: Some(10.0),
        min_weight: 2,
        similarity: 0.8,
    }
}

#[test]
fn publish_waits_for_the_job_and_republishing_stays_clean() {
    let t = new_hub();
    let ana = org_with_user(&t.hub, "gov", "ana", Role::Analyst);
    let col = t
        .hub
        .add_collection(Actor::Operator, "cib", "CIB", "", None)
        .unwrap();
    t.hub.grant(Actor::Operator, "gov", "cib", RW).unwrap();
    let det = Detections::new(t.hub.clone(), DetectLimits::default());
    let ds = det
        .upload(&ana, "p.csv", CSV.as_bytes(), None, false, None)
        .unwrap();
    assert_eq!((ds.posts, ds.users), (4, 2));
    let job = det.create_job(&ana, &request(&ds.id)).unwrap();
    assert_eq!(det.job_json(&ana, &job).unwrap()["status"], "queued");
    let groups = vec!["group-1".to_string()];
    let err = det
        .publish(&ana, &job, &groups, &col.id, Tlp::Amber)
        .unwrap_err();
    assert!(matches!(err, HubError::Conflict(_)), "{err}");
    det.run(&job);
    let v = det.job_json(&ana, &job).unwrap();
    assert_eq!(v["status"], "done");
    assert_eq!(v["groups"][0]["size"], 2);
    let first = det
        .publish(&ana, &job, &groups, &col.id, Tlp::Amber)
        .unwrap();
    assert_eq!(first["status"]["failure_count"], 0, "{first}");
    // Publishing again adds new SDOs; the accounts keep their ids.
    let again = det
        .publish(&ana, &job, &groups, &col.id, Tlp::Amber)
        .unwrap();
    let f = ObjectFilter {
        types: vec!["user-account".to_string()],
        ..ObjectFilter::default()
    };
    let accounts = t.hub.get_objects(&ana, &col.id, &f, None, None).unwrap();
    assert_eq!(accounts.objects.len(), 2, "{again}");
    assert_eq!(again["status"]["failure_count"], 0, "{again}");
}

#[test]
fn datasets_are_bounded_and_private() {
    let t = new_hub();
    let ana = org_with_user(&t.hub, "gov", "ana", Role::Analyst);
    let bob = org_with_user(&t.hub, "other", "bob", Role::Analyst);
    let limits = DetectLimits {
        max_datasets: 2,
        max_jobs: 2,
        max_posts: 3,
    };
    let det = Detections::new(t.hub.clone(), limits);
    let err = det
        .upload(&ana, "p.csv", CSV.as_bytes(), None, false, None)
        .unwrap_err();
    assert!(err.to_string().contains("limit"), "{err}");
    let small =
        "message_id,user_id,username,repost_id,reply_id,message,timestamp,urls\nm1,a,na,,,hi,1,\n";
    let ids: Vec<String> = (0..3)
        .map(|_| {
            det.upload(&ana, "p.csv", small.as_bytes(), None, false, None)
                .unwrap()
                .id
        })
        .collect();
    assert!(matches!(
        det.dataset_info(&ana, &ids[0]),
        Err(HubError::NotFound(_))
    ));
    assert!(det.dataset_info(&ana, &ids[2]).is_ok());
    assert!(matches!(
        det.dataset_info(&bob, &ids[2]),
        Err(HubError::NotFound(_))
    ));
    assert!(matches!(
        det.create_job(&bob, &request(&ids[2])),
        Err(HubError::NotFound(_))
    ));
}

proptest! {
    #[test]
    fn account_ids_are_deterministic_uuid5(user in "[a-z0-9]{1,12}", login in proptest::option::of("[a-z_]{1,10}")) {
        let a = user_account_id(Some("twitter"), &user, login.as_deref());
        prop_assert_eq!(&a, &user_account_id(Some("twitter"), &user, login.as_deref()));
        prop_assert_ne!(&a, &user_account_id(None, &user, login.as_deref()));
        let uuid = uuid::Uuid::parse_str(a.trim_start_matches("user-account--")).unwrap();
        prop_assert_eq!(uuid.get_version_num(), 5);
    }
}

#[test]
fn two_organisations_publish_overlapping_detections() {
    let t = new_hub();
    let ana = org_with_user(&t.hub, "gov", "ana", Role::Analyst);
    let bob = org_with_user(&t.hub, "other", "bob", Role::Analyst);
    let col = t.hub.add_collection(Actor::Operator, "cib", "CIB", "", None).unwrap();
    t.hub.grant(Actor::Operator, "gov", "cib", RW).unwrap();
    t.hub.grant(Actor::Operator, "other", "cib", RW).unwrap();
    let det = Detections::new(t.hub.clone(), DetectLimits::default());
    let groups = vec!["group-1".to_string()];
    for (who, tlp) in [(&ana, Tlp::Red), (&bob, Tlp::Green)] {
        let ds = det
            .upload(who, "p.csv", CSV.as_bytes(), None, false, None)
            .unwrap();
        let job = det.create_job(who, &request(&ds.id)).unwrap();
        det.run(&job);
        // The same accounts (deterministic ids) are published by both organisations.
        let out = det.publish(who, &job, &groups, &col.id, tlp).unwrap();
        assert_eq!(out["status"]["failure_count"], 0, "{out}");
    }
    let f = ObjectFilter {
        types: vec!["user-account".to_string()],
        ..ObjectFilter::default()
    };
    // Each organisation sees its own copies; ana's RED ones stay hidden from bob.
    let bob_sees = t.hub.get_objects(&bob, &col.id, &f, None, None).unwrap();
    assert_eq!(bob_sees.objects.len(), 2);
    assert!(bob_sees
        .objects
        .iter()
        .all(|o| o["object_marking_refs"] == serde_json::json!([Tlp::Green.marking_id()])));
    let ana_sees = t.hub.get_objects(&ana, &col.id, &f, None, None).unwrap();
    assert_eq!(ana_sees.objects.len(), 4);
}
