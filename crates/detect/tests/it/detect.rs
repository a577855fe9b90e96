//! The detection service over a real hub on SQLite: job states, publication rules, bounds and
//! the deterministic account ids.

use test_support as common;

use common::{new_hub, org_with_user, RW};
use detect::{user_account_id, DetectLimits, DetectRequest, Detections, PublishRequest};
use hub::Actor;
use hub::ObjectFilter;
use proptest::prelude::*;
use store::{Role, Tlp};

/// A job's wire form (`Detections::job` serialised as the API answers it).
fn job_json(
    d: &Detections,
    p: &hub::Principal,
    id: &str,
) -> Result<serde_json::Value, detect::Error> {
    d.job(p, id)
        .map(|v| serde_json::to_value(v).expect("a job view serialises"))
}

const CSV: &str = "message_id,user_id,username,repost_id,reply_id,message,timestamp,urls\n\
m1,a,na,o1,,RT x,100,\nm2,b,nb,o1,,RT x,101,\nm3,a,na,o2,,RT y,500,\nm4,b,nb,o2,,RT y,505,\n";

fn publish_req(groups: &[String], collection: &str, tlp: Tlp) -> PublishRequest {
    PublishRequest {
        groups: groups.to_vec(),
        collection: collection.to_string(),
        tlp,
    }
}

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
    let det = Detections::new(t.hub.clone(), t.store.clone(), DetectLimits::default());
    let ds = det
        .upload(&ana, "p.csv", CSV.as_bytes(), None, false, None)
        .unwrap();
    assert_eq!((ds.posts, ds.users), (4, 2));
    let job = det.create_job(&ana, &request(&ds.id)).unwrap();
    assert_eq!(job_json(&det, &ana, &job).unwrap()["status"], "queued");
    let groups = vec!["group-1".to_string()];
    let err = det
        .publish(&ana, &job, &publish_req(&groups, &col.id, Tlp::Amber))
        .unwrap_err();
    assert!(matches!(err, detect::Error::NotDone { .. }), "{err}");
    det.run(&job);
    let v = job_json(&det, &ana, &job).unwrap();
    assert_eq!(v["status"], "done");
    assert_eq!(v["groups"][0]["size"], 2);
    let first = det
        .publish(&ana, &job, &publish_req(&groups, &col.id, Tlp::Amber))
        .unwrap();
    assert_eq!(first.status.failure_count, 0, "{first:?}");
    // Publishing again adds new SDOs; the accounts keep their ids.
    let again = det
        .publish(&ana, &job, &publish_req(&groups, &col.id, Tlp::Amber))
        .unwrap();
    let f = ObjectFilter {
        types: vec!["user-account".to_string()],
        ..ObjectFilter::default()
    };
    let accounts = t.hub.get_objects(&ana, &col.id, &f, None, None).unwrap();
    assert_eq!(accounts.objects.len(), 2, "{again:?}");
    assert_eq!(again.status.failure_count, 0, "{again:?}");
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
        ..DetectLimits::default()
    };
    let det = Detections::new(t.hub.clone(), t.store.clone(), limits);
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
        Err(detect::Error::UnknownDataset { .. })
    ));
    assert!(det.dataset_info(&ana, &ids[2]).is_ok());
    assert!(matches!(
        det.dataset_info(&bob, &ids[2]),
        Err(detect::Error::UnknownDataset { .. })
    ));
    assert!(matches!(
        det.create_job(&bob, &request(&ids[2])),
        Err(detect::Error::UnknownDataset { .. })
    ));
}

const SMALL: &str =
    "message_id,user_id,username,repost_id,reply_id,message,timestamp,urls\nm1,a,na,,,hi,1,\n";

/// `n` posts by 500 accounts over `n` seconds: co_post with a huge window is slow.
fn big_csv(n: usize) -> String {
    let mut out =
        String::from("message_id,user_id,username,repost_id,reply_id,message,timestamp,urls\n");
    for i in 0..n {
        out.push_str(&format!("m{i},u{},n{},,,text {i},{i},\n", i % 500, i % 500));
    }
    out
}

fn slow_request(dataset: &str) -> DetectRequest {
    DetectRequest {
        networks: vec!["co_post".to_string()],
        window: Some(1e9),
        min_weight: 1,
        ..request(dataset)
    }
}

#[test]
fn quotas_are_per_organisation_and_active_jobs_are_never_evicted() {
    let t = new_hub();
    let ana = org_with_user(&t.hub, "gov", "ana", Role::Analyst);
    let bob = org_with_user(&t.hub, "other", "bob", Role::Analyst);
    let limits = DetectLimits {
        max_datasets: 2,
        max_jobs: 1,
        max_active_jobs: 2,
        ..DetectLimits::default()
    };
    let det = Detections::new(t.hub.clone(), t.store.clone(), limits);
    let up = |p| {
        det.upload(p, "p.csv", SMALL.as_bytes(), None, false, None)
            .unwrap()
            .id
    };
    let bobs = up(&bob);
    let bob_job = det.create_job(&bob, &request(&bobs)).unwrap();
    // Many uploads by one organisation evict only its own datasets.
    let anas: Vec<String> = (0..5).map(|_| up(&ana)).collect();
    assert!(det.dataset_info(&bob, &bobs).is_ok(), "bob's dataset stays");
    assert!(det.dataset_info(&ana, &anas[2]).is_err());
    assert!(det.dataset_info(&ana, &anas[4]).is_ok());
    // Jobs: the active ones are kept beyond max_jobs; a third active one is refused.
    let j1 = det.create_job(&ana, &request(&anas[4])).unwrap();
    let j2 = det.create_job(&ana, &request(&anas[4])).unwrap();
    assert_eq!(job_json(&det, &ana, &j1).unwrap()["status"], "queued");
    assert_eq!(job_json(&det, &ana, &j2).unwrap()["status"], "queued");
    let err = det.create_job(&ana, &request(&anas[4])).unwrap_err();
    assert!(matches!(err, detect::Error::QuotaExceeded { .. }), "{err}");
    assert_eq!(job_json(&det, &bob, &bob_job).unwrap()["status"], "queued");
    // Once one is finished it is the one evicted for the next job.
    det.run(&j1);
    assert_eq!(job_json(&det, &ana, &j1).unwrap()["status"], "done");
    let j3 = det.create_job(&ana, &request(&anas[4])).unwrap();
    assert!(matches!(
        job_json(&det, &ana, &j1),
        Err(detect::Error::UnknownJob { .. })
    ));
    assert!(job_json(&det, &ana, &j2).is_ok() && job_json(&det, &ana, &j3).is_ok());
    assert!(
        job_json(&det, &bob, &bob_job).is_ok(),
        "bob's job is never evicted by ana"
    );
}

#[test]
fn cancel_is_for_the_owning_organisation_and_stops_jobs() {
    let t = new_hub();
    let ana = org_with_user(&t.hub, "gov", "ana", Role::Analyst);
    let rita = org_with_user(&t.hub, "gov", "rita", Role::Reader);
    let bob = org_with_user(&t.hub, "other", "bob", Role::Analyst);
    let det = Detections::new(t.hub.clone(), t.store.clone(), DetectLimits::default());
    let ds = det
        .upload(&ana, "p.csv", CSV.as_bytes(), None, false, None)
        .unwrap();
    let queued = det.create_job(&ana, &request(&ds.id)).unwrap();
    assert!(matches!(
        det.cancel(&bob, &queued),
        Err(detect::Error::UnknownJob { .. })
    ));
    assert!(matches!(
        det.cancel(&rita, &queued),
        Err(detect::Error::Forbidden(_))
    ));
    assert_eq!(det.cancel(&ana, &queued).unwrap().status, "cancelled");
    assert_eq!(det.cancel(&ana, &queued).unwrap().status, "cancelled");
    det.run(&queued);
    assert_eq!(
        job_json(&det, &ana, &queued).unwrap()["status"],
        "cancelled",
        "a cancelled job never runs"
    );
    let done = det.create_job(&ana, &request(&ds.id)).unwrap();
    det.run(&done);
    assert!(matches!(
        det.cancel(&ana, &done),
        Err(detect::Error::NotCancellable { .. })
    ));

    // On the worker pool: a long job runs, is cancelled and stops within moments.
    let pool = Detections::with_workers(
        t.hub.clone(),
        t.store.clone(),
        DetectLimits {
            workers: 1,
            ..DetectLimits::default()
        },
    );
    let big = pool
        .upload(
            &ana,
            "big.csv",
            big_csv(20_000).as_bytes(),
            None,
            false,
            None,
        )
        .unwrap();
    let long = pool.create_job(&ana, &slow_request(&big.id)).unwrap();
    let waiting = pool.create_job(&ana, &slow_request(&big.id)).unwrap();
    let started = std::time::Instant::now();
    while job_json(&pool, &ana, &long).unwrap()["status"] != "running" {
        assert!(started.elapsed() < std::time::Duration::from_secs(30));
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert_eq!(
        job_json(&pool, &ana, &waiting).unwrap()["status"],
        "queued",
        "one worker, one job at a time"
    );
    pool.cancel(&ana, &long).unwrap();
    let cancelled = std::time::Instant::now();
    while job_json(&pool, &ana, &long).unwrap()["status"] != "cancelled" {
        assert!(
            cancelled.elapsed() < std::time::Duration::from_secs(10),
            "the running job stops"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    // The queued one starts next; shutdown stops it and the worker promptly.
    while job_json(&pool, &ana, &waiting).unwrap()["status"] != "running" {
        assert!(started.elapsed() < std::time::Duration::from_secs(60));
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert!(
        pool.shutdown(std::time::Duration::from_secs(10)),
        "workers end"
    );
    assert_eq!(
        job_json(&pool, &ana, &waiting).unwrap()["status"],
        "cancelled"
    );
    assert_eq!(
        job_json(&pool, &ana, &waiting).unwrap()["error"],
        detect::SHUTDOWN_CANCELLED,
        "the reason says the hub stopped"
    );
    assert!(matches!(
        pool.create_job(&ana, &request(&big.id)),
        Err(detect::Error::ShuttingDown)
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
    let col = t
        .hub
        .add_collection(Actor::Operator, "cib", "CIB", "", None)
        .unwrap();
    t.hub.grant(Actor::Operator, "gov", "cib", RW).unwrap();
    t.hub.grant(Actor::Operator, "other", "cib", RW).unwrap();
    let det = Detections::new(t.hub.clone(), t.store.clone(), DetectLimits::default());
    let groups = vec!["group-1".to_string()];
    for (who, tlp) in [(&ana, Tlp::Red), (&bob, Tlp::Green)] {
        let ds = det
            .upload(who, "p.csv", CSV.as_bytes(), None, false, None)
            .unwrap();
        let job = det.create_job(who, &request(&ds.id)).unwrap();
        det.run(&job);
        // The same accounts (deterministic ids) are published by both organisations.
        let out = det
            .publish(who, &job, &publish_req(&groups, &col.id, tlp))
            .unwrap();
        assert_eq!(out.status.failure_count, 0, "{out:?}");
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

#[test]
fn datasets_and_jobs_survive_a_new_service_and_interrupted_jobs_fail() {
    let t = new_hub();
    let ana = org_with_user(&t.hub, "gov", "ana", Role::Analyst);
    let limits = DetectLimits {
        max_datasets: 2,
        ..DetectLimits::default()
    };
    let det = Detections::new(t.hub.clone(), t.store.clone(), limits);
    let ds = det
        .upload(
            &ana,
            "p.csv",
            CSV.as_bytes(),
            None,
            false,
            Some("twitter".into()),
        )
        .unwrap();
    let done = det.create_job(&ana, &request(&ds.id)).unwrap();
    det.run(&done);
    let before = job_json(&det, &ana, &done).unwrap();
    let left = det.create_job(&ana, &request(&ds.id)).unwrap();
    drop(det);

    // A pooled service over the same store: what was queued is failed, the rest is kept.
    let again = Detections::with_workers(t.hub.clone(), t.store.clone(), limits);
    assert_eq!(again.dataset_info(&ana, &ds.id).unwrap(), ds);
    let listed: Vec<String> = again
        .list_datasets(&ana)
        .unwrap()
        .into_iter()
        .map(|d| d.id)
        .collect();
    assert_eq!(listed, std::slice::from_ref(&ds.id));
    assert_eq!(job_json(&again, &ana, &done).unwrap(), before);
    let v = job_json(&again, &ana, &left).unwrap();
    assert_eq!(v["status"], "failed");
    assert_eq!(v["error"], detect::INTERRUPTED);
    assert_eq!(again.list_jobs(&ana).unwrap().len(), 2);
    // The stored dataset is parsed again for a new job, with the same groups.
    let rerun = again.create_job(&ana, &request(&ds.id)).unwrap();
    let started = std::time::Instant::now();
    while job_json(&again, &ana, &rerun).unwrap()["status"] != "done" {
        assert!(started.elapsed() < std::time::Duration::from_secs(30));
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert_eq!(
        job_json(&again, &ana, &rerun).unwrap()["groups"],
        before["groups"]
    );
    // The quota counts stored datasets: two more uploads evict the first.
    for _ in 0..2 {
        again
            .upload(&ana, "p.csv", CSV.as_bytes(), None, false, None)
            .unwrap();
    }
    assert!(matches!(
        again.dataset_info(&ana, &ds.id),
        Err(detect::Error::UnknownDataset { .. })
    ));
    assert!(again.shutdown(std::time::Duration::from_secs(10)));
}

#[test]
fn a_full_detection_queue_refuses_new_jobs_as_busy_and_stores_nothing() {
    let t = new_hub();
    let ana = org_with_user(&t.hub, "gov", "ana", Role::Analyst);
    let bob = org_with_user(&t.hub, "other", "bob", Role::Analyst);
    let limits = DetectLimits {
        workers: 1,
        queue: 1,
        ..DetectLimits::default()
    };
    let pool = Detections::with_workers(t.hub.clone(), t.store.clone(), limits);
    let big = pool
        .upload(
            &ana,
            "big.csv",
            big_csv(20_000).as_bytes(),
            None,
            false,
            None,
        )
        .unwrap();
    let long = pool.create_job(&ana, &slow_request(&big.id)).unwrap();
    let started = std::time::Instant::now();
    while job_json(&pool, &ana, &long).unwrap()["status"] != "running" {
        assert!(started.elapsed() < std::time::Duration::from_secs(30));
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let small = pool
        .upload(&bob, "p.csv", CSV.as_bytes(), None, false, None)
        .unwrap();
    let waiting = pool.create_job(&bob, &request(&small.id)).unwrap();
    let err = pool.create_job(&bob, &request(&small.id)).unwrap_err();
    assert!(matches!(err, detect::Error::Busy { .. }), "{err}");
    assert!(err.to_string().contains("waiting for a worker"), "{err}");
    assert_eq!(
        pool.list_jobs(&bob).unwrap().len(),
        1,
        "the refused job is not stored"
    );
    // Once the long job is cancelled, the waiting one runs.
    pool.cancel(&ana, &long).unwrap();
    while job_json(&pool, &bob, &waiting).unwrap()["status"] != "done" {
        assert!(started.elapsed() < std::time::Duration::from_secs(60));
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert!(pool.shutdown(std::time::Duration::from_secs(10)));
}

/// A later detection tells, per account of an earlier finding, whether it still posts and
/// whether it is still in a coordinated group; other organisations cannot ask about the job.
#[test]
fn account_activity_reports_who_is_still_active_in_a_later_detection() {
    let t = new_hub();
    let ana = org_with_user(&t.hub, "gov", "ana", Role::Analyst);
    let eve = org_with_user(&t.hub, "other", "eve", Role::Analyst);
    let det = Detections::new(t.hub.clone(), t.store.clone(), DetectLimits::default());
    // Later posts: a and b still retweet together; c posts alone; d is gone.
    let later = "message_id,user_id,username,repost_id,reply_id,message,timestamp,urls\n\
        n1,a,na,o9,,RT z,100,\nn2,b,nb,o9,,RT z,102,\nn3,a,na,o8,,RT w,300,\n\
        n4,b,nb,o8,,RT w,301,\nn5,c,nc,,,hello,400,\n";
    let ds = det
        .upload(&ana, "later.csv", later.as_bytes(), None, false, None)
        .unwrap();
    let job = det.create_job(&ana, &request(&ds.id)).unwrap();
    let asked: Vec<String> = ["a", "nb", "c", "d"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let err = det.account_activity(&ana, &job, &asked).unwrap_err();
    assert!(matches!(err, detect::Error::NotDone { .. }), "{err}");
    det.run(&job);
    let got = det.account_activity(&ana, &job, &asked).unwrap();
    let summary: Vec<(&str, Option<u64>, usize, bool)> = got
        .iter()
        .map(|a| (a.account.as_str(), a.posts, a.groups.len(), a.active))
        .collect();
    assert_eq!(
        summary,
        vec![
            ("a", Some(2), 1, true),
            ("nb", Some(2), 1, true),
            ("c", Some(1), 0, true),
            ("d", Some(0), 0, false),
        ]
    );
    assert_eq!(got[0].groups, vec!["group-1".to_string()]);
    let err = det.account_activity(&eve, &job, &asked).unwrap_err();
    assert!(matches!(err, detect::Error::UnknownJob { .. }), "{err}");
}
