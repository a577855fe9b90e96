//! Sharing coordination detections: uploaded post datasets, background detection jobs and the
//! publication of chosen groups as STIX 2.1 through the hub's own ingest.
//!
//! Datasets and jobs live in memory and do not survive a restart. Each is visible only to the
//! organisation that created it; others get `NotFound`, never told apart from a missing id.
//! [`DetectLimits`] bound every organisation on its own: its oldest dataset gives way to its
//! new upload, its oldest finished job to its new job, and a running or queued job is never
//! evicted (an organisation with too many active jobs is refused until one ends or is
//! cancelled). Jobs run on a fixed pool of worker threads ([`Detections::with_workers`]) and
//! wait as `queued`; [`Detections::cancel`] and [`Detections::shutdown`] stop them through a
//! flag the engine checks as it sweeps.

use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use coord::{Corpus, Network, Params};
use serde_json::{json, Value};
use store::{Role, Tlp};

use crate::{now_micros, Hub, HubError, ObjectFilter, Principal};

/// The STIX 2.1 namespace of deterministic SCO ids (UUIDv5).
const STIX_NAMESPACE: uuid::Uuid = uuid::Uuid::from_u128(0x00abedb4_aa42_466c_9c01_fed23315a9b7);

/// The DISARM technique a coordinated group is related to, looked up by name.
pub const TECHNIQUE_NAME: &str = "Flood Information Space";

/// Bounds of the in-memory detection state, per organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DetectLimits {
    /// Datasets one organisation keeps at once; its oldest is evicted beyond this (a job
    /// that uses an evicted dataset keeps it until the job ends).
    pub max_datasets: usize,
    /// Jobs one organisation keeps at once; its oldest finished job is evicted beyond this.
    pub max_jobs: usize,
    /// Queued and running jobs one organisation may have; more are refused (`Conflict`).
    pub max_active_jobs: usize,
    /// Jobs of one organisation running at once; its other jobs wait while other
    /// organisations' jobs take the free workers.
    pub max_running_jobs: usize,
    /// Posts one dataset may hold.
    pub max_posts: u64,
    /// Worker threads of [`Detections::with_workers`].
    pub workers: usize,
}

impl Default for DetectLimits {
    fn default() -> Self {
        DetectLimits {
            max_datasets: 4,
            max_jobs: 32,
            max_active_jobs: 4,
            max_running_jobs: 1,
            max_posts: 5_000_000,
            workers: 2,
        }
    }
}

/// What an upload read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatasetInfo {
    /// The dataset id.
    pub id: String,
    /// The detected or given format (`cnt`, `archive`, `ndjson`).
    pub format: &'static str,
    /// Records read.
    pub records: u64,
    /// Posts kept.
    pub posts: u64,
    /// Distinct accounts.
    pub users: u64,
    /// Records dropped as duplicate message ids (the first wins).
    pub duplicates: u64,
    /// Malformed records skipped (only with `skip_invalid`).
    pub skipped: u64,
    /// The STIX `account_type` of the accounts, if given.
    pub account_type: Option<String>,
}

impl DatasetInfo {
    /// The JSON form answered by the REST API.
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id, "format": self.format, "records": self.records, "posts": self.posts,
            "users": self.users, "duplicates": self.duplicates, "skipped": self.skipped,
            "account_type": self.account_type,
        })
    }
}

/// A detection request.
#[derive(Debug, Clone, PartialEq)]
pub struct DetectRequest {
    /// The dataset id.
    pub dataset: String,
    /// Network names (`co_retweet`, `co_tweet`, ...).
    pub networks: Vec<String>,
    /// Window in seconds; `None` estimates it from the data (CooRnet, q = 0.1, p = 0.5).
    pub window: Option<f64>,
    /// Minimum edge weight per direction.
    pub min_weight: u32,
    /// Jaccard threshold of `co_similar_tweet`.
    pub similarity: f64,
}

struct Dataset {
    id: String,
    org_id: i64,
    corpus: Corpus,
    account_type: Option<String>,
    /// What the upload answered.
    info: DatasetInfo,
}

/// The state of a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobStatus {
    /// Waiting for a worker.
    Queued,
    /// Computing.
    Running,
    /// Finished; groups are available.
    Done,
    /// Stopped with an error.
    Failed,
    /// Cancelled by its organisation or by the hub shutting down.
    Cancelled,
}

impl JobStatus {
    /// The lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Queued => "queued",
            JobStatus::Running => "running",
            JobStatus::Done => "done",
            JobStatus::Failed => "failed",
            JobStatus::Cancelled => "cancelled",
        }
    }

    /// Whether the job is queued or running.
    pub fn is_active(self) -> bool {
        matches!(self, JobStatus::Queued | JobStatus::Running)
    }
}

struct JobState {
    status: JobStatus,
    progress: f64,
    error: Option<String>,
    window_seconds: Option<f64>,
    /// Groups in JSON form, keyed by group id, in score order.
    groups: Vec<Value>,
}

struct Job {
    id: String,
    org_id: i64,
    dataset: Arc<Dataset>,
    networks: Vec<Network>,
    window: Option<f64>,
    min_weight: u32,
    similarity: f64,
    state: Mutex<JobState>,
    /// Set to stop the job; the engine checks it as it sweeps.
    cancel: AtomicBool,
}

#[derive(Default)]
struct State {
    datasets: Vec<Arc<Dataset>>,
    jobs: Vec<Arc<Job>>,
    /// Jobs waiting for a worker, oldest first.
    queue: VecDeque<Arc<Job>>,
    /// Whether a worker pool takes jobs from `queue`.
    pooled: bool,
    /// Set by [`Detections::shutdown`]: workers stop, new jobs are refused.
    closing: bool,
}

/// The detection service of a hub. Cheap to clone; clones share the state.
#[derive(Clone)]
pub struct Detections {
    hub: Hub,
    limits: DetectLimits,
    state: Arc<Mutex<State>>,
    /// Wakes workers when a job is queued or the service closes.
    wake: Arc<Condvar>,
    workers: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl std::fmt::Debug for Detections {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Detections")
            .field("limits", &self.limits)
            .finish()
    }
}

fn need_analyst(p: &Principal) -> Result<(), HubError> {
    if p.user.role == Role::Reader {
        return Err(HubError::Forbidden(format!(
            "user '{}' has the reader role; detection needs analyst or admin",
            p.user.username
        )));
    }
    Ok(())
}

fn format_name(f: posts::Format) -> &'static str {
    match f {
        posts::Format::Cnt => "cnt",
        posts::Format::TwitterArchive => "archive",
        posts::Format::Ndjson => "ndjson",
    }
}

/// Parses a format name (`auto` gives `None`).
pub fn parse_format(s: &str) -> Result<Option<posts::Format>, HubError> {
    Ok(match s.trim() {
        "" | "auto" => None,
        "cnt" => Some(posts::Format::Cnt),
        "archive" | "twitter-archive" => Some(posts::Format::TwitterArchive),
        "ndjson" => Some(posts::Format::Ndjson),
        other => {
            return Err(HubError::invalid(
                "format",
                format!("unknown format {other:?}: expected auto, cnt, archive or ndjson"),
            ))
        }
    })
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The deterministic id of a `user-account` SCO: UUIDv5 in the STIX namespace over the
/// canonical JSON of its contributing properties (`account_type`, `user_id`, `account_login`).
pub fn user_account_id(account_type: Option<&str>, user_id: &str, login: Option<&str>) -> String {
    // serde_json maps keep insertion order here, so insert in sorted key order.
    let mut m = serde_json::Map::new();
    if let Some(l) = login {
        m.insert("account_login".into(), Value::from(l));
    }
    if let Some(t) = account_type {
        m.insert("account_type".into(), Value::from(t));
    }
    m.insert("user_id".into(), Value::from(user_id));
    let text = Value::Object(m).to_string();
    format!(
        "user-account--{}",
        uuid::Uuid::new_v5(&STIX_NAMESPACE, text.as_bytes())
    )
}

impl Detections {
    /// The detection service over a hub, without workers: the caller runs each job with
    /// [`Detections::run`].
    pub fn new(hub: Hub, limits: DetectLimits) -> Detections {
        Detections {
            hub,
            limits,
            state: Arc::new(Mutex::new(State::default())),
            wake: Arc::new(Condvar::new()),
            workers: Arc::new(Mutex::new(Vec::new())),
        }
    }

    /// The detection service with `limits.workers` worker threads (at least one, started with
    /// the first job) that run queued jobs in order; a job waits as `queued` until a worker
    /// is free.
    pub fn with_workers(hub: Hub, limits: DetectLimits) -> Detections {
        let det = Detections::new(hub, limits);
        lock(&det.state).pooled = true;
        det
    }

    /// Starts the worker threads if they are not running yet.
    fn ensure_workers(&self) -> Result<(), HubError> {
        let mut handles = lock(&self.workers);
        if !handles.is_empty() {
            return Ok(());
        }
        for n in 0..self.limits.workers.max(1) {
            let worker = self.clone();
            let h = std::thread::Builder::new()
                .name(format!("rrm-detect-{n}"))
                .spawn(move || worker.work())
                .map_err(|e| HubError::internal("cannot start a detection worker", e))?;
            handles.push(h);
        }
        Ok(())
    }

    /// A worker's loop: takes the oldest queued job and runs it, until shutdown.
    fn work(&self) {
        loop {
            let job = {
                let mut st = lock(&self.state);
                loop {
                    if st.closing {
                        return;
                    }
                    if let Some(i) = self.next_eligible(&st) {
                        if let Some(job) = st.queue.remove(i) {
                            lock(&job.state).status = JobStatus::Running;
                            break job;
                        }
                    }
                    st = self.wake.wait(st).unwrap_or_else(|e| e.into_inner());
                }
            };
            execute(&job);
            // A finished job may let another organisation's queued job run.
            self.wake.notify_all();
        }
    }

    /// The queue position of the oldest job whose organisation runs fewer than
    /// `max_running_jobs` jobs.
    fn next_eligible(&self, st: &State) -> Option<usize> {
        let limit = self.limits.max_running_jobs.max(1);
        st.queue.iter().position(|job| {
            st.jobs
                .iter()
                .filter(|j| j.org_id == job.org_id && lock(&j.state).status == JobStatus::Running)
                .count()
                < limit
        })
    }

    /// Cancels a queued or running job of the caller's organisation (analyst or admin): a
    /// queued job ends at once, a running one at the engine's next check. Cancelling a
    /// cancelled job changes nothing; a finished one is `Conflict`. Returns the job.
    pub fn cancel(&self, p: &Principal, id: &str) -> Result<Value, HubError> {
        need_analyst(p)?;
        let job = self.job(p, id)?;
        {
            let mut st = lock(&self.state);
            let mut s = lock(&job.state);
            match s.status {
                JobStatus::Done | JobStatus::Failed => {
                    return Err(HubError::Conflict(format!(
                        "detection '{id}' is {}; only a queued or running detection can be \
                         cancelled",
                        s.status.as_str()
                    )))
                }
                JobStatus::Cancelled => {}
                JobStatus::Queued => {
                    job.cancel.store(true, Ordering::SeqCst);
                    s.status = JobStatus::Cancelled;
                    s.error = Some("cancelled by the organisation".to_string());
                    st.queue.retain(|j| j.id != job.id);
                }
                JobStatus::Running => job.cancel.store(true, Ordering::SeqCst),
            }
        }
        self.job_json(p, id)
    }

    /// Starts stopping the service without waiting: new jobs are refused, queued jobs are
    /// cancelled, running jobs are asked to stop and idle workers are woken to exit.
    pub fn close(&self) {
        {
            let mut st = lock(&self.state);
            st.closing = true;
            st.queue.clear();
            for job in &st.jobs {
                job.cancel.store(true, Ordering::SeqCst);
                let mut s = lock(&job.state);
                if s.status == JobStatus::Queued {
                    s.status = JobStatus::Cancelled;
                    s.error = Some("cancelled: the hub is shutting down".to_string());
                }
            }
        }
        self.wake.notify_all();
    }

    /// [`Detections::close`], then waits up to `wait` for the workers to end. Returns whether
    /// every worker ended in time.
    pub fn shutdown(&self, wait: Duration) -> bool {
        self.close();
        let handles: Vec<JoinHandle<()>> = lock(&self.workers).drain(..).collect();
        let deadline = Instant::now() + wait;
        while handles.iter().any(|h| !h.is_finished()) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        let all = handles.iter().all(JoinHandle::is_finished);
        for h in handles {
            if h.is_finished() {
                let _ = h.join();
            }
        }
        all
    }

    /// Reads an uploaded post file (CNT CSV, Twitter archive CSV or NDJSON, detected from the
    /// content unless `format` is given) into a new dataset of the caller's organisation.
    /// A malformed record is an `Invalid` error naming the line, unless `skip_invalid`.
    pub fn upload(
        &self,
        p: &Principal,
        name: &str,
        bytes: &[u8],
        format: Option<posts::Format>,
        skip_invalid: bool,
        account_type: Option<String>,
    ) -> Result<DatasetInfo, HubError> {
        need_analyst(p)?;
        if let Some(t) = &account_type {
            let ok = !t.is_empty()
                && t.len() <= 64
                && t.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
            if !ok {
                return Err(HubError::invalid(
                    "account_type",
                    "must be 1-64 lower-case letters, digits or hyphens (e.g. twitter)",
                ));
            }
        }
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(HubError::invalid("body", "the uploaded file is empty"));
        }
        let format = format.unwrap_or_else(|| posts::detect_format(name, bytes));
        let opts = posts::Options {
            skip_invalid,
            format: Some(format),
        };
        let mut corpus = Corpus::new();
        let stats = posts::read_from(
            name,
            bytes,
            bytes.len() as u64,
            format,
            &mut corpus,
            &opts,
            &mut |_| {},
        )
        .map_err(|e| HubError::invalid("body", e.to_string()))?;
        if stats.added == 0 {
            return Err(HubError::invalid("body", "the file holds no posts"));
        }
        if stats.added > self.limits.max_posts {
            return Err(HubError::invalid(
                "body",
                format!(
                    "{} posts exceed the limit of {}",
                    stats.added, self.limits.max_posts
                ),
            ));
        }
        let info = DatasetInfo {
            id: uuid::Uuid::new_v4().to_string(),
            format: format_name(format),
            records: stats.records,
            posts: stats.added,
            users: corpus.user_count() as u64,
            duplicates: stats.duplicates,
            skipped: stats.skipped,
            account_type: account_type.clone(),
        };
        let ds = Arc::new(Dataset {
            id: info.id.clone(),
            org_id: p.org.id,
            corpus,
            account_type,
            info: info.clone(),
        });
        let mut st = lock(&self.state);
        st.datasets.push(ds);
        // Only this organisation's own oldest datasets give way.
        let org = p.org.id;
        while st.datasets.iter().filter(|d| d.org_id == org).count() > self.limits.max_datasets {
            match st.datasets.iter().position(|d| d.org_id == org) {
                Some(i) => {
                    st.datasets.remove(i);
                }
                None => break,
            }
        }
        Ok(info)
    }

    fn dataset(&self, p: &Principal, id: &str) -> Result<Arc<Dataset>, HubError> {
        lock(&self.state)
            .datasets
            .iter()
            .find(|d| d.id == id && d.org_id == p.org.id)
            .cloned()
            .ok_or_else(|| HubError::NotFound(format!("dataset '{id}'")))
    }

    /// A dataset of the caller's organisation.
    pub fn dataset_info(&self, p: &Principal, id: &str) -> Result<DatasetInfo, HubError> {
        Ok(self.dataset(p, id)?.info.clone())
    }

    fn job(&self, p: &Principal, id: &str) -> Result<Arc<Job>, HubError> {
        lock(&self.state)
            .jobs
            .iter()
            .find(|j| j.id == id && j.org_id == p.org.id)
            .cloned()
            .ok_or_else(|| HubError::NotFound(format!("detection '{id}'")))
    }

    /// Checks a request and records a queued job; the caller then runs [`Detections::run`]
    /// on a worker thread. Returns the job id.
    pub fn create_job(&self, p: &Principal, req: &DetectRequest) -> Result<String, HubError> {
        need_analyst(p)?;
        let dataset = self.dataset(p, &req.dataset)?;
        let mut networks = Vec::new();
        for name in &req.networks {
            let n: Network = name
                .parse()
                .map_err(|e: coord::CoordError| HubError::invalid("networks", e.to_string()))?;
            if !networks.contains(&n) {
                networks.push(n);
            }
        }
        if networks.is_empty() {
            return Err(HubError::invalid("networks", "name at least one network"));
        }
        if let Some(w) = req.window {
            if !(w.is_finite() && (0.0..=1e9).contains(&w)) {
                return Err(HubError::invalid(
                    "window",
                    "must be seconds between 0 and 1e9, or \"auto\"",
                ));
            }
        }
        let params = Params {
            window: req.window.map(|w| (w * 1000.0).round() as i64).unwrap_or(0),
            min_weight: req.min_weight,
            similarity: req.similarity,
            ..Params::default()
        };
        params.validate().map_err(|e| {
            let field = if req.min_weight == 0 {
                "min_weight"
            } else {
                "similarity"
            };
            HubError::invalid(field, e.to_string())
        })?;
        let job = Arc::new(Job {
            id: uuid::Uuid::new_v4().to_string(),
            org_id: p.org.id,
            dataset,
            networks,
            window: req.window,
            min_weight: req.min_weight,
            similarity: req.similarity,
            state: Mutex::new(JobState {
                status: JobStatus::Queued,
                progress: 0.0,
                error: None,
                window_seconds: req.window,
                groups: Vec::new(),
            }),
            cancel: AtomicBool::new(false),
        });
        let id = job.id.clone();
        let org = p.org.id;
        let mut st = lock(&self.state);
        if st.closing {
            return Err(HubError::Conflict(
                "the hub is shutting down; start the detection again later".to_string(),
            ));
        }
        let active = st
            .jobs
            .iter()
            .filter(|j| j.org_id == org && lock(&j.state).status.is_active())
            .count();
        if active >= self.limits.max_active_jobs {
            return Err(HubError::Conflict(format!(
                "organisation '{}' has {active} detections queued or running, the most it may \
                 have; wait for one to finish or cancel one",
                p.org.slug
            )));
        }
        st.jobs.push(job.clone());
        // Only this organisation's own oldest finished jobs give way; active jobs never do.
        loop {
            let own: Vec<usize> = (0..st.jobs.len())
                .filter(|&i| st.jobs[i].org_id == org)
                .collect();
            if own.len() <= self.limits.max_jobs {
                break;
            }
            let finished = own
                .into_iter()
                .find(|&i| !lock(&st.jobs[i].state).status.is_active());
            match finished {
                Some(i) => {
                    st.jobs.remove(i);
                }
                None => break,
            }
        }
        if st.pooled {
            st.queue.push_back(job);
            drop(st);
            self.ensure_workers()?;
            self.wake.notify_one();
        }
        Ok(id)
    }

    /// Runs a queued job to the end (blocking), updating its progress, on a service without
    /// workers. Unknown ids and jobs that are not queued are ignored.
    pub fn run(&self, job_id: &str) {
        let job = {
            let st = lock(&self.state);
            // The workers run a pooled service's jobs; running one here too would run it twice.
            if st.pooled {
                return;
            }
            st.jobs.iter().find(|j| j.id == job_id).cloned()
        };
        let Some(job) = job else { return };
        {
            let mut s = lock(&job.state);
            if s.status != JobStatus::Queued {
                return;
            }
            s.status = JobStatus::Running;
        }
        execute(&job);
    }

    /// A job's status, progress (0 to 1), parameters and, when done, its groups.
    pub fn job_json(&self, p: &Principal, id: &str) -> Result<Value, HubError> {
        let job = self.job(p, id)?;
        let s = lock(&job.state);
        let mut v = json!({
            "id": job.id,
            "dataset": job.dataset.id,
            "status": s.status.as_str(),
            "progress": s.progress,
            "networks": job.networks.iter().map(|n| n.name()).collect::<Vec<_>>(),
            "window": job.window.map(Value::from).unwrap_or_else(|| Value::from("auto")),
            "window_seconds": s.window_seconds,
            "min_weight": job.min_weight,
            "similarity": job.similarity,
        });
        if let Some(e) = &s.error {
            v["error"] = Value::from(e.clone());
        }
        if s.status == JobStatus::Done {
            v["groups"] = Value::from(s.groups.clone());
        }
        Ok(v)
    }

    /// Publishes chosen groups of a finished job to a collection, through
    /// [`Hub::add_objects`] as the caller: per group a `campaign`, a `grouping`
    /// (context `suspicious-activity`) of the campaign and the members' `user-account`
    /// objects, a `note` with the evidence and, when the DISARM technique named
    /// [`TECHNIQUE_NAME`] is visible to the caller, a `uses` relationship from the campaign to
    /// it. Everything carries the TLP marking; SDOs and SROs carry the organisation's identity
    /// as `created_by_ref`. Returns the TAXII status and the ids created per group.
    pub fn publish(
        &self,
        p: &Principal,
        job_id: &str,
        group_ids: &[String],
        collection_id: &str,
        tlp: Tlp,
    ) -> Result<Value, HubError> {
        need_analyst(p)?;
        let job = self.job(p, job_id)?;
        let groups: Vec<Value> = {
            let s = lock(&job.state);
            if s.status != JobStatus::Done {
                return Err(HubError::Conflict(format!(
                    "detection '{job_id}' is {}, not done",
                    s.status.as_str()
                )));
            }
            let mut chosen = Vec::new();
            for gid in group_ids {
                match s.groups.iter().find(|g| g["id"] == gid.as_str()) {
                    Some(g) => chosen.push(g.clone()),
                    None => {
                        return Err(HubError::invalid(
                            "groups",
                            format!("detection '{job_id}' has no group '{gid}'"),
                        ))
                    }
                }
            }
            chosen
        };
        if groups.is_empty() {
            return Err(HubError::invalid("groups", "choose at least one group"));
        }
        // Checks access before the technique look-up.
        self.hub.collection_for(p, collection_id)?;
        let technique = self.find_technique(p)?;
        let marking = tlp.marking_id();
        let now = stix::format_timestamp(now_micros());
        let by = p.org.identity_id.clone();
        let acct_type = job.dataset.account_type.as_deref();
        let mut objects: Vec<Value> = Vec::new();
        let mut seen_accounts = std::collections::HashSet::new();
        let mut published = Vec::new();
        for g in &groups {
            let gid = g["id"].as_str().unwrap_or("group");
            let mut refs: Vec<Value> = Vec::new();
            for m in g["members"].as_array().map(Vec::as_slice).unwrap_or(&[]) {
                let uid = m["user_id"].as_str().unwrap_or("");
                let login = m["username"].as_str().filter(|s| !s.is_empty());
                let id = user_account_id(acct_type, uid, login);
                refs.push(Value::from(id.clone()));
                if seen_accounts.insert(id.clone()) {
                    let mut o = json!({
                        "type": "user-account", "spec_version": "2.1", "id": id,
                        "user_id": uid, "object_marking_refs": [marking],
                    });
                    if let Some(l) = login {
                        o["account_login"] = Value::from(l);
                    }
                    if let Some(t) = acct_type {
                        o["account_type"] = Value::from(t);
                    }
                    objects.push(o);
                }
            }
            let size = refs.len();
            let campaign_id = format!("campaign--{}", uuid::Uuid::new_v4());
            let mut campaign = json!({
                "type": "campaign", "spec_version": "2.1", "id": campaign_id,
                "created": now, "modified": now, "created_by_ref": by,
                "name": format!("Coordinated accounts, detection {job_id} {gid} ({size} accounts)"),
                "description": "Accounts that acted in coordination, found by rrm's coordination detector.",
                "object_marking_refs": [marking],
            });
            let first = g["first_time"].as_f64().map(secs_timestamp);
            let last = g["last_time"].as_f64().map(secs_timestamp);
            if let (Some(f), Some(l)) = (&first, &last) {
                campaign["first_seen"] = Value::from(f.clone());
                campaign["last_seen"] = Value::from(l.clone());
            }
            objects.push(campaign);
            refs.push(Value::from(campaign_id.clone()));
            let mut relationship_id = Value::Null;
            if let Some((tid, _)) = &technique {
                let rid = format!("relationship--{}", uuid::Uuid::new_v4());
                objects.push(json!({
                    "type": "relationship", "spec_version": "2.1", "id": rid,
                    "created": now, "modified": now, "created_by_ref": by,
                    "relationship_type": "uses", "source_ref": campaign_id, "target_ref": tid,
                    "object_marking_refs": [marking],
                }));
                refs.push(Value::from(rid.clone()));
                relationship_id = Value::from(rid);
            }
            let grouping_id = format!("grouping--{}", uuid::Uuid::new_v4());
            objects.push(json!({
                "type": "grouping", "spec_version": "2.1", "id": grouping_id,
                "created": now, "modified": now, "created_by_ref": by,
                "name": format!("Coordinated group {gid} of detection {job_id}"),
                "context": "suspicious-activity", "object_refs": refs,
                "object_marking_refs": [marking],
            }));
            let note_id = format!("note--{}", uuid::Uuid::new_v4());
            objects.push(json!({
                "type": "note", "spec_version": "2.1", "id": note_id,
                "created": now, "modified": now, "created_by_ref": by,
                "abstract": format!("Coordination evidence for {gid} ({size} accounts)"),
                "content": evidence_text(g, &job),
                "object_refs": [grouping_id, campaign_id],
                "object_marking_refs": [marking],
            }));
            published.push(json!({
                "group": gid, "grouping": grouping_id, "campaign": campaign_id,
                "note": note_id, "relationship": relationship_id, "accounts": size,
            }));
        }
        let status = self.hub.add_objects(p, collection_id, objects)?;
        let technique_json = match &technique {
            Some((id, name)) => json!({"id": id, "name": name}),
            None => Value::Null,
        };
        let mut out = json!({
            "status": status, "published": published, "technique": technique_json, "tlp": tlp.as_str(),
        });
        if technique.is_none() {
            out["warning"] = Value::from(format!(
                "no attack-pattern named '{TECHNIQUE_NAME}' is visible to you (import the DISARM bundle); published without the relationship"
            ));
        }
        Ok(out)
    }

    /// The id and name of the DISARM attack-pattern named [`TECHNIQUE_NAME`] among the objects
    /// the caller may read, if any.
    fn find_technique(&self, p: &Principal) -> Result<Option<(String, String)>, HubError> {
        let filter = ObjectFilter {
            types: vec!["attack-pattern".to_string()],
            ..ObjectFilter::default()
        };
        for (col, access) in self.hub.collections_for(p)? {
            if !access.read {
                continue;
            }
            let mut next: Option<String> = None;
            loop {
                let page = self
                    .hub
                    .get_objects(p, &col.id, &filter, None, next.as_deref())?;
                for o in &page.objects {
                    if o["name"].as_str() == Some(TECHNIQUE_NAME) {
                        if let Some(id) = o["id"].as_str() {
                            return Ok(Some((id.to_string(), TECHNIQUE_NAME.to_string())));
                        }
                    }
                }
                if !page.more || page.next.is_none() {
                    break;
                }
                next = page.next;
            }
        }
        Ok(None)
    }
}

/// Runs a job already marked running on the calling thread. A panic in the engine fails the
/// job instead of ending the worker.
fn execute(job: &Job) {
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| compute(job)))
        .unwrap_or_else(|_| Err("internal error in the detection engine".to_string()));
    let mut s = lock(&job.state);
    match outcome {
        Ok((window, groups)) => {
            s.window_seconds = Some(window);
            s.groups = groups;
            s.progress = 1.0;
            s.status = JobStatus::Done;
        }
        Err(_) if job.cancel.load(Ordering::SeqCst) => {
            s.error = Some("cancelled".to_string());
            s.status = JobStatus::Cancelled;
        }
        Err(e) => {
            s.error = Some(e);
            s.status = JobStatus::Failed;
        }
    }
}

fn secs_timestamp(s: f64) -> String {
    stix::format_timestamp((s * 1_000_000.0).round() as i64)
}

fn evidence_text(g: &Value, job: &Job) -> String {
    let mut t = String::new();
    let score = g["score"].as_f64().unwrap_or(0.0);
    t.push_str(&format!(
        "Coordinated group {} of {} accounts, score {score:.3}.\n",
        g["id"].as_str().unwrap_or(""),
        g["size"]
    ));
    t.push_str(&format!(
        "Detection: networks {}, min edge weight {}, similarity {}.\n",
        job.networks
            .iter()
            .map(|n| n.name())
            .collect::<Vec<_>>()
            .join(", "),
        job.min_weight,
        job.similarity
    ));
    for n in g["networks"].as_array().map(Vec::as_slice).unwrap_or(&[]) {
        t.push_str(&format!(
            "- {}: {} edges, total weight {}\n",
            n["network"].as_str().unwrap_or(""),
            n["edges"],
            n["weight"]
        ));
    }
    if let (Some(f), Some(l)) = (g["first_time"].as_f64(), g["last_time"].as_f64()) {
        t.push_str(&format!(
            "Active from {} to {}.\n",
            secs_timestamp(f),
            secs_timestamp(l)
        ));
    }
    for s in g["shared_items"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or(&[])
    {
        t.push_str(&format!(
            "Shared {} {}: {} accounts, {} posts\n",
            s["kind"].as_str().unwrap_or(""),
            s["value"].as_str().unwrap_or(""),
            s["accounts"],
            s["posts"]
        ));
    }
    for s in g["sample_texts"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or(&[])
    {
        t.push_str(&format!("Sample: {}\n", s.as_str().unwrap_or("")));
    }
    t
}

/// Runs the networks and grouping of a job; returns the window in seconds and the groups.
fn compute(job: &Job) -> Result<(f64, Vec<Value>), String> {
    let corpus = &job.dataset.corpus;
    let window_ms = match job.window {
        Some(w) => (w * 1000.0).round() as i64,
        None => {
            coord::estimate_window(corpus, 0.1, 0.5, 1000)
                .ok_or_else(|| {
                    "cannot estimate the window: no URL or reposted post is shared twice; give window in seconds".to_string()
                })?
                .window
        }
    };
    let params = Params {
        window: window_ms,
        min_weight: job.min_weight,
        similarity: job.similarity,
        ..Params::default()
    };
    let steps = job.networks.len() as f64 + 1.0;
    let stop = || job.cancel.load(Ordering::Relaxed);
    let mut results: Vec<(Network, Vec<coord::Edge>)> = Vec::new();
    for (i, &net) in job.networks.iter().enumerate() {
        let edges = coord::compute_until(corpus, net, &params, &stop).map_err(|e| e.to_string())?;
        results.push((net, edges));
        lock(&job.state).progress = (i as f64 + 1.0) / steps;
    }
    // co_post is a null model: it joins groups only when it is all there is.
    let only_post = results.iter().all(|(n, _)| *n == Network::CoPost);
    let views: Vec<(Network, &[coord::Edge])> = results
        .iter()
        .filter(|(n, _)| only_post || *n != Network::CoPost)
        .map(|(n, e)| (*n, e.as_slice()))
        .collect();
    if stop() {
        return Err("cancelled".to_string());
    }
    let groups = coord::find_groups(corpus, &views);
    let list = groups
        .iter()
        .enumerate()
        .map(|(i, g)| {
            let members: BTreeMap<&str, &str> = g
                .members
                .iter()
                .map(|&m| (corpus.user_name(m), corpus.username(m)))
                .collect();
            json!({
                "id": format!("group-{}", i + 1),
                "score": (g.score * 1000.0).round() / 1000.0,
                "size": g.members.len(),
                "members": members.iter().map(|(u, n)| json!({"user_id": u, "username": n})).collect::<Vec<_>>(),
                "networks": g.networks.iter().map(|n| json!({
                    "network": n.network.name(), "edges": n.edges, "weight": n.weight,
                })).collect::<Vec<_>>(),
                "shared_items": g.shared_items.iter().map(|s| json!({
                    "kind": s.kind, "value": s.value, "accounts": s.accounts, "posts": s.posts,
                })).collect::<Vec<_>>(),
                "first_time": g.first_time as f64 / 1000.0,
                "last_time": g.last_time as f64 / 1000.0,
                "sample_texts": g.sample_texts,
            })
        })
        .collect();
    Ok((window_ms as f64 / 1000.0, list))
}
