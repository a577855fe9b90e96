//! Detection cases: uploaded post datasets and detection jobs (`DetectStore`).

use super::*;

// ---------------------------------------------------------------------------------------
// Detection datasets and jobs (`DetectStore`).

fn dataset_record(id: &str, org_id: i64, created: i64) -> store::DatasetRecord {
    store::DatasetRecord {
        id: id.to_string(),
        org_id,
        name: "posts.csv".into(),
        format: "cnt".into(),
        skip_invalid: false,
        account_type: Some("twitter".into()),
        records: 5,
        posts: 4,
        users: 2,
        duplicates: 1,
        skipped: 0,
        created,
    }
}

fn job_record(id: &str, org_id: i64, dataset: &str, created: i64) -> store::JobRecord {
    store::JobRecord {
        id: id.to_string(),
        org_id,
        dataset_id: dataset.to_string(),
        params: store::JobParams {
            networks: vec!["co_retweet".into(), "co_link".into()],
            window: Some(60.0),
            min_weight: 2,
            similarity: 0.8,
        },
        status: store::JobStatus::Queued,
        progress: 0.0,
        window_seconds: Some(60.0),
        error: None,
        result: None,
        created,
        updated: created,
    }
}

fn ids<T>(items: &[T], id: impl Fn(&T) -> &str) -> Vec<String> {
    items.iter().map(|t| id(t).to_string()).collect()
}

/// Datasets: round trip, privacy per organisation, eviction of the oldest beyond `keep`
/// (only within the organisation), content deleted with an unused evicted dataset.
pub fn detect_datasets(s: &dyn Backend) {
    let fx = fixture(s);
    let d1 = dataset_record("d1", fx.a.id, 10);
    s.add_dataset(&d1, b"blob-1", 2).unwrap();
    assert_eq!(s.dataset(fx.a.id, "d1").unwrap(), Some(d1.clone()));
    assert_eq!(
        s.dataset(fx.b.id, "d1").unwrap(),
        None,
        "another organisation's"
    );
    assert_eq!(
        s.dataset_content("d1").unwrap(),
        Some((d1.clone(), b"blob-1".to_vec()))
    );
    assert!(matches!(
        s.add_dataset(&d1, b"again", 2),
        Err(StoreError::Conflict(_))
    ));
    s.add_dataset(&dataset_record("b1", fx.b.id, 11), b"b", 1)
        .unwrap();
    s.add_dataset(&dataset_record("d2", fx.a.id, 12), b"blob-2", 2)
        .unwrap();
    s.add_dataset(&dataset_record("d3", fx.a.id, 13), b"blob-3", 2)
        .unwrap();
    let listed = s.list_datasets(fx.a.id).unwrap();
    assert_eq!(ids(&listed, |d| &d.id), ["d2", "d3"], "the oldest gave way");
    assert_eq!(s.dataset(fx.a.id, "d1").unwrap(), None);
    assert_eq!(s.dataset_content("d1").unwrap(), None, "no job uses it");
    assert_eq!(ids(&s.list_datasets(fx.b.id).unwrap(), |d| &d.id), ["b1"]);
}

/// Jobs: round trip, the active quota, eviction of finished jobs only, state transitions,
/// results, and an evicted dataset kept while an active job uses it.
pub fn detect_jobs(s: &dyn Backend) {
    use store::{JobAdded, JobEnd, JobQuota, JobStatus};
    let fx = fixture(s);
    s.add_dataset(&dataset_record("d1", fx.a.id, 1), b"one", 1)
        .unwrap();
    let quota = JobQuota {
        keep: 2,
        max_active: 2,
    };
    let j1 = job_record("j1", fx.a.id, "d1", 10);
    assert_eq!(s.add_job(&j1, quota).unwrap(), JobAdded::Added);
    assert_eq!(s.job(fx.a.id, "j1").unwrap(), Some(j1.clone()));
    assert_eq!(
        s.job(fx.b.id, "j1").unwrap(),
        None,
        "another organisation's"
    );
    assert_eq!(
        s.add_job(&job_record("j2", fx.a.id, "d1", 11), quota)
            .unwrap(),
        JobAdded::Added
    );
    assert_eq!(
        s.add_job(&job_record("j3", fx.a.id, "d1", 12), quota)
            .unwrap(),
        JobAdded::TooManyActive(2)
    );
    assert_eq!(
        s.job(fx.a.id, "j3").unwrap(),
        None,
        "a refused job is not stored"
    );
    // A newer upload evicts d1, whose content stays while j1 and j2 use it.
    s.add_dataset(&dataset_record("d2", fx.a.id, 13), b"two", 1)
        .unwrap();
    assert_eq!(s.dataset(fx.a.id, "d1").unwrap(), None);
    let (kept, _) = s.dataset_content("d1").unwrap().expect("kept while used");
    assert_eq!(kept.id, "d1");

    assert!(s.start_job("j1", 20).unwrap());
    assert!(!s.start_job("j1", 21).unwrap(), "only a queued job starts");
    s.set_job_progress("j1", 0.5).unwrap();
    let running = s.job(fx.a.id, "j1").unwrap().unwrap();
    assert_eq!(
        (running.status, running.progress, running.updated),
        (JobStatus::Running, 0.5, 20)
    );
    let done = JobEnd {
        status: JobStatus::Done,
        error: None,
        window_seconds: Some(42.0),
        result: Some(b"groups".to_vec()),
    };
    assert!(s.finish_job("j1", &done, 30).unwrap());
    assert!(
        !s.finish_job("j1", &done, 31).unwrap(),
        "a finished job stays finished"
    );
    let j = s.job(fx.a.id, "j1").unwrap().unwrap();
    assert_eq!(j.status, JobStatus::Done);
    assert_eq!(j.progress, 1.0);
    assert_eq!(j.window_seconds, Some(42.0));
    assert_eq!(j.result.as_deref(), Some(&b"groups"[..]));
    assert_eq!(j.updated, 30);
    assert!(
        s.dataset_content("d1").unwrap().is_some(),
        "j2 still uses d1"
    );
    let cancelled = JobEnd {
        status: JobStatus::Cancelled,
        error: Some("cancelled by the organisation".into()),
        window_seconds: None,
        result: None,
    };
    assert!(s.finish_job("j2", &cancelled, 32).unwrap());
    let j2 = s.job(fx.a.id, "j2").unwrap().unwrap();
    assert_eq!(j2.status, JobStatus::Cancelled);
    assert_eq!(j2.window_seconds, Some(60.0), "the requested window stays");
    assert_eq!(
        s.dataset_content("d1").unwrap(),
        None,
        "no active job uses d1 now"
    );

    // Lists come without results; the oldest finished job gives way beyond `keep`.
    let listed = s.list_jobs(fx.a.id).unwrap();
    assert_eq!(ids(&listed, |j| &j.id), ["j1", "j2"]);
    assert!(listed.iter().all(|j| j.result.is_none()));
    assert_eq!(
        s.add_job(&job_record("j4", fx.a.id, "d2", 40), quota)
            .unwrap(),
        JobAdded::Added
    );
    assert_eq!(ids(&s.list_jobs(fx.a.id).unwrap(), |j| &j.id), ["j2", "j4"]);
    assert!(s.list_jobs(fx.b.id).unwrap().is_empty());
}

/// A restart: every queued and running job is marked failed with the reason, finished jobs
/// keep their state.
pub fn detect_interrupted_jobs(s: &dyn Backend) {
    use store::{JobEnd, JobQuota, JobStatus};
    let fx = fixture(s);
    s.add_dataset(&dataset_record("d1", fx.a.id, 1), b"one", 4)
        .unwrap();
    let quota = JobQuota {
        keep: 10,
        max_active: 10,
    };
    for (i, id) in ["queued", "running", "done"].iter().enumerate() {
        s.add_job(&job_record(id, fx.a.id, "d1", i as i64), quota)
            .unwrap();
    }
    assert!(s.start_job("running", 5).unwrap());
    assert!(s.start_job("done", 5).unwrap());
    let end = JobEnd {
        status: JobStatus::Done,
        error: None,
        window_seconds: None,
        result: Some(b"r".to_vec()),
    };
    assert!(s.finish_job("done", &end, 6).unwrap());
    assert_eq!(
        s.fail_active_jobs("interrupted by a restart", 9).unwrap(),
        2
    );
    for id in ["queued", "running"] {
        let j = s.job(fx.a.id, id).unwrap().unwrap();
        assert_eq!(j.status, JobStatus::Failed, "{id}");
        assert_eq!(j.error.as_deref(), Some("interrupted by a restart"));
        assert_eq!(j.updated, 9);
    }
    let done = s.job(fx.a.id, "done").unwrap().unwrap();
    assert_eq!(
        (done.status, done.result),
        (JobStatus::Done, Some(b"r".to_vec()))
    );
    assert_eq!(s.fail_active_jobs("again", 10).unwrap(), 0);
}
