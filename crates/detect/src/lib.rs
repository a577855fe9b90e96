//! detect: the coordination-detection service over `hub`'s public API. Sharing coordination
//! detections: uploaded post datasets, background detection jobs and the
//! publication of chosen groups as STIX 2.1 through the hub's own ingest.
//!
//! Datasets and jobs are stored through a [`DetectStore`] (the upload deflated, as a blob, and
//! the job's parameters, state, progress and result), so they survive a restart; a job that
//! was queued or running when its process stopped is marked failed ("interrupted by a
//! restart") when a pooled service starts. Each is visible only to the organisation that
//! created it; others get [`Error::UnknownDataset`] or [`Error::UnknownJob`], never told apart from a missing id. [`DetectLimits`]
//! bound every organisation on its own: its oldest dataset gives way to its new upload, its
//! oldest finished job to its new job, and a running or queued job is never evicted (an
//! organisation with too many active jobs is refused until one ends or is cancelled). Jobs run
//! on the bounded worker facility [`hub::work`] ([`Detections::with_workers`]) and wait as
//! `queued`; when its queue is full a new job is refused ([`Error::Busy`]);
//! [`Detections::cancel`] and [`Detections::shutdown`] stop them through a flag the engine
//! checks as it sweeps.
//!
//! It knows no HTTP and no SQL.
//!
//! ```
//! use std::sync::Arc;
//! use hub::{Actor, Hub, HubConfig};
//! use store::{Role, Sector};
//!
//! let dir = tempfile::tempdir().unwrap();
//! let store = Arc::new(store_sqlite::SqliteStore::open(&dir.path().join("hub.db")).unwrap());
//! let hub = Hub::new(store.clone(), HubConfig::new([7u8; 32])).unwrap();
//! hub.add_org(Actor::Operator, "lab", "Lab", Sector::CivilSociety, "ca").unwrap();
//! hub.add_user(Actor::Operator, "lab", "ana", Role::Analyst, None).unwrap();
//! let ana = hub.principal_for("ana").unwrap();
//!
//! let det = detect::Detections::new(hub, store, detect::DetectLimits::default());
//! assert!(matches!(det.job(&ana, "no-such-job"), Err(detect::Error::UnknownJob { .. })));
//! ```

use std::collections::{BTreeMap, VecDeque};
use std::io::{Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use coord::{Corpus, Network, Params};
use serde_json::{json, Value};
use store::{DatasetRecord, DetectStore, JobAdded, JobEnd, JobParams, JobQuota, JobRecord, Role};

pub use store::JobStatus;

use hub::work::{WorkConfig, Workers};
use hub::{now_micros, now_secs, Hub, ObjectFilter, Principal};

mod answer;
mod error;
mod recheck;
mod request;
pub use answer::{
    DetectedGroup, GroupMember, GroupNetwork, PublishOutcome, PublishedGroup, SharedItem, Technique,
};
pub use error::{Error, Result};
pub use recheck::AccountActivity;
pub use request::{DetectRequest, PublishRequest, DEFAULT_NETWORKS, DEFAULT_WINDOW};

/// The STIX 2.1 namespace of deterministic SCO ids (UUIDv5).
const STIX_NAMESPACE: uuid::Uuid = uuid::Uuid::from_u128(0x00abedb4_aa42_466c_9c01_fed23315a9b7);

/// The DISARM technique a coordinated group is related to, looked up by name.
pub const TECHNIQUE_NAME: &str = "Flood Information Space";

/// The error of a job that was queued or running when its process stopped.
pub const INTERRUPTED: &str = "interrupted by a restart";

/// The error of a job cancelled because the hub stopped (start it again after the restart).
pub const SHUTDOWN_CANCELLED: &str = "cancelled: the hub is shutting down";

/// How many parsed datasets are kept in memory for the jobs that run over them.
const CORPUS_CACHE: usize = 2;

/// Bounds of the detection state, per organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DetectLimits {
    /// Datasets one organisation keeps at once; its oldest is evicted beyond this (a job
    /// that uses an evicted dataset keeps it until the job ends).
    pub max_datasets: usize,
    /// Jobs one organisation keeps at once; its oldest finished job is evicted beyond this.
    pub max_jobs: usize,
    /// Queued and running jobs one organisation may have; more are refused ([`Error::QuotaExceeded`]).
    pub max_active_jobs: usize,
    /// Jobs of one organisation running at once; its other jobs wait while other
    /// organisations' jobs take the free workers.
    pub max_running_jobs: usize,
    /// Posts one dataset may hold.
    pub max_posts: u64,
    /// Worker threads of [`Detections::with_workers`].
    pub workers: usize,
    /// Jobs, over all organisations, that may wait for a worker; more are refused ([`Error::Busy`]).
    pub queue: usize,
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
            queue: 64,
        }
    }
}

/// What an upload read (the body of `POST /api/v1/datasets` and `GET /api/v1/datasets/{id}`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
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
    fn from_record(r: &DatasetRecord) -> DatasetInfo {
        DatasetInfo {
            id: r.id.clone(),
            format: parse_format(&r.format)
                .ok()
                .flatten()
                .map_or("cnt", format_name),
            records: r.records,
            posts: r.posts,
            users: r.users,
            duplicates: r.duplicates,
            skipped: r.skipped,
            account_type: r.account_type.clone(),
        }
    }
}

/// Parsed datasets by id, newest last.
type CorpusCache = VecDeque<(String, Arc<Corpus>)>;

/// A job waiting for a worker.
#[derive(Debug, Clone)]
struct Queued {
    id: String,
    org_id: i64,
}

/// A job on a worker, with the flag that stops it.
struct Running {
    id: String,
    org_id: i64,
    cancel: Arc<AtomicBool>,
}

#[derive(Default)]
struct State {
    /// Jobs waiting for a worker, oldest first.
    queue: VecDeque<Queued>,
    /// Jobs being computed.
    running: Vec<Running>,
    /// Set by [`Detections::shutdown`]: workers stop, new jobs are refused.
    closing: bool,
}

/// The detection service of a hub. Cheap to clone; clones share the state.
#[derive(Clone)]
pub struct Detections {
    hub: Hub,
    store: Arc<dyn DetectStore>,
    limits: DetectLimits,
    state: Arc<Mutex<State>>,
    /// The workers that run queued jobs; `None` when the caller runs them.
    pool: Option<Workers>,
    /// Recently parsed datasets, newest last.
    corpora: Arc<Mutex<CorpusCache>>,
    /// Where the end of a job is announced (`detection.finished`), if anywhere.
    notifier: Option<notify::Notifier>,
}

impl std::fmt::Debug for Detections {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Detections")
            .field("limits", &self.limits)
            .finish()
    }
}

fn need_analyst(p: &Principal) -> Result<()> {
    if p.user.role == Role::Reader {
        return Err(Error::Forbidden(format!(
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
pub fn parse_format(s: &str) -> Result<Option<posts::Format>> {
    Ok(match s.trim() {
        "" | "auto" => None,
        "cnt" => Some(posts::Format::Cnt),
        "archive" | "twitter-archive" => Some(posts::Format::TwitterArchive),
        "ndjson" => Some(posts::Format::Ndjson),
        other => {
            return Err(Error::invalid(
                "format",
                format!("unknown format {other:?}: expected auto, cnt, archive or ndjson"),
            ))
        }
    })
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Deflates bytes for storage (fast level: uploads are large, CSV shrinks well).
fn deflate(bytes: &[u8]) -> Result<Vec<u8>> {
    let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(bytes)
        .and_then(|()| enc.finish())
        .map_err(|e| Error::internal("cannot deflate a detection record", e))
}

/// Inflates stored bytes.
fn inflate(bytes: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    flate2::read::DeflateDecoder::new(bytes)
        .read_to_end(&mut out)
        .map_err(|e| format!("a stored detection record is corrupt: {e}"))?;
    Ok(out)
}

/// The stored result of a finished job: the groups and the dataset's account type (the
/// dataset may be evicted before the groups are published).
#[derive(serde::Serialize, serde::Deserialize)]
struct StoredResult {
    #[serde(default)]
    account_type: Option<String>,
    #[serde(default)]
    groups: Vec<DetectedGroup>,
}

/// Deflates the stored result of a finished job.
fn encode_result(groups: Vec<DetectedGroup>, account_type: Option<String>) -> Result<Vec<u8>> {
    let result = StoredResult {
        account_type,
        groups,
    };
    let text = serde_json::to_vec(&result)
        .map_err(|e| Error::internal("cannot serialise a detection result", e))?;
    deflate(&text)
}

/// The groups and account type of a stored result.
fn decode_result(bytes: &[u8]) -> Result<(Vec<DetectedGroup>, Option<String>)> {
    let text =
        inflate(bytes).map_err(|e| Error::internal("reading a stored detection result", e))?;
    let r: StoredResult = serde_json::from_slice(&text)
        .map_err(|e| Error::internal("a stored detection result does not parse", e))?;
    Ok((r.groups, r.account_type))
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

/// A detection job as the API shows it: status, progress (0 to 1), parameters and, when
/// done, its groups.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct JobView {
    /// The job id.
    pub id: String,
    /// The dataset it runs on.
    pub dataset: String,
    /// `queued`, `running`, `done`, `failed` or `cancelled`.
    pub status: &'static str,
    /// How far it is, 0 to 1.
    pub progress: f64,
    /// The networks asked for.
    pub networks: Vec<String>,
    /// The time window asked for: seconds, or `auto`.
    pub window: JobWindow,
    /// The window used, in seconds (known once the job has run).
    pub window_seconds: Option<f64>,
    /// Edges lighter than this are dropped.
    pub min_weight: u32,
    /// The near-duplicate text similarity threshold.
    pub similarity: f64,
    /// Why it failed or was cancelled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The groups found (only on a single done job).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub groups: Option<Vec<DetectedGroup>>,
}

/// A job's requested time window.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
#[serde(untagged)]
pub enum JobWindow {
    /// A fixed window, in seconds.
    Seconds(f64),
    /// Chosen from the data (serialised as `"auto"`).
    Auto(&'static str),
}

impl JobView {
    /// The view of a stored job; `groups` only when done.
    fn of(job: &JobRecord, groups: Option<Vec<DetectedGroup>>) -> JobView {
        JobView {
            id: job.id.clone(),
            dataset: job.dataset_id.clone(),
            status: job.status.as_str(),
            progress: job.progress,
            networks: job.params.networks.clone(),
            window: job
                .params
                .window
                .map_or(JobWindow::Auto("auto"), JobWindow::Seconds),
            window_seconds: job.window_seconds,
            min_weight: job.params.min_weight,
            similarity: job.params.similarity,
            error: job.error.clone(),
            groups,
        }
    }
}

impl Detections {
    /// The detection service over a hub and the store of its datasets and jobs, without
    /// workers: the caller runs each job with [`Detections::run`].
    pub fn new(hub: Hub, store: Arc<dyn DetectStore>, limits: DetectLimits) -> Detections {
        Detections {
            hub,
            store,
            limits,
            state: Arc::new(Mutex::new(State::default())),
            pool: None,
            corpora: Arc::new(Mutex::new(VecDeque::new())),
            notifier: None,
        }
    }

    /// The same service, announcing the end of every job it runs to the job's organisation
    /// as a `detection.finished` event.
    pub fn notifying(mut self, notifier: notify::Notifier) -> Detections {
        self.notifier = Some(notifier);
        self
    }

    /// The detection service with a pool of `limits.workers` worker threads (at least one,
    /// started with the first job) and `limits.queue` waiting jobs that run queued jobs in
    /// order; a job waits as `queued` until a worker is free. Jobs the store still holds as queued or running were left by a process that
    /// stopped: they are marked failed ([`INTERRUPTED`]).
    pub fn with_workers(hub: Hub, store: Arc<dyn DetectStore>, limits: DetectLimits) -> Detections {
        let mut det = Detections::new(hub, store, limits);
        det.pool = Some(Workers::new(
            "detect",
            WorkConfig {
                workers: limits.workers,
                queue: limits.queue,
            },
        ));
        match det.store.fail_active_jobs(INTERRUPTED, now_secs()) {
            Ok(0) => {}
            Ok(n) => tracing::warn!(
                jobs = n,
                "detection jobs interrupted by a restart are marked failed"
            ),
            Err(e) => tracing::error!(error = %e, "cannot mark interrupted detection jobs failed"),
        }
        det
    }

    /// Marks a queued job running (in memory and in the store); its stop flag, or `None` if
    /// the store no longer holds it as queued.
    fn begin(&self, st: &mut State, job: Queued) -> Option<Arc<AtomicBool>> {
        match self.store.start_job(&job.id, now_secs()) {
            Ok(true) => {
                let cancel = Arc::new(AtomicBool::new(false));
                st.running.push(Running {
                    id: job.id,
                    org_id: job.org_id,
                    cancel: cancel.clone(),
                });
                Some(cancel)
            }
            Ok(false) => None,
            Err(e) => {
                tracing::error!(error = %e, job = %job.id, "cannot start a detection job");
                None
            }
        }
    }

    /// A pool task: runs the oldest eligible queued job, then the next, until none is eligible
    /// or the service closes. One task is queued per new job; a job that is not eligible yet
    /// (its organisation runs its most) is taken by the task of a job that ends.
    fn run_queued(&self) {
        loop {
            let (id, org_id, cancel) = {
                let mut st = lock(&self.state);
                loop {
                    if st.closing {
                        return;
                    }
                    let Some(i) = self.next_eligible(&st) else {
                        return;
                    };
                    if let Some(job) = st.queue.remove(i) {
                        let (id, org_id) = (job.id.clone(), job.org_id);
                        if let Some(cancel) = self.begin(&mut st, job) {
                            break (id, org_id, cancel);
                        }
                    }
                }
            };
            self.execute(&id, org_id, &cancel);
            lock(&self.state).running.retain(|r| r.id != id);
        }
    }

    /// The queue position of the oldest job whose organisation runs fewer than
    /// `max_running_jobs` jobs.
    fn next_eligible(&self, st: &State) -> Option<usize> {
        let limit = self.limits.max_running_jobs.max(1);
        st.queue
            .iter()
            .position(|job| st.running.iter().filter(|r| r.org_id == job.org_id).count() < limit)
    }

    /// Cancels a queued or running job of the caller's organisation (analyst or admin): a
    /// queued job ends at once, a running one at the engine's next check. Cancelling a
    /// cancelled job changes nothing; a finished one is [`Error::NotCancellable`]. Returns the job.
    pub fn cancel(&self, p: &Principal, id: &str) -> Result<JobView> {
        need_analyst(p)?;
        {
            let mut st = lock(&self.state);
            let job = self.job_record(p, id)?;
            match job.status {
                JobStatus::Done | JobStatus::Failed => {
                    return Err(Error::NotCancellable {
                        job: id.to_string(),
                        status: job.status,
                    })
                }
                JobStatus::Cancelled => {}
                JobStatus::Queued => {
                    st.queue.retain(|j| j.id != job.id);
                    self.store.finish_job(
                        &job.id,
                        &JobEnd {
                            status: JobStatus::Cancelled,
                            error: Some("cancelled by the organisation".to_string()),
                            window_seconds: None,
                            result: None,
                        },
                        now_secs(),
                    )?;
                }
                JobStatus::Running => {
                    if let Some(r) = st.running.iter().find(|r| r.id == job.id) {
                        r.cancel.store(true, Ordering::SeqCst);
                    }
                }
            }
        }
        self.job(p, id)
    }

    /// Starts stopping the service without waiting: new jobs are refused, queued jobs are
    /// cancelled, running jobs are asked to stop and idle workers are woken to exit.
    pub fn close(&self) {
        {
            let mut st = lock(&self.state);
            st.closing = true;
            let end = JobEnd {
                status: JobStatus::Cancelled,
                error: Some(SHUTDOWN_CANCELLED.to_string()),
                window_seconds: None,
                result: None,
            };
            for job in std::mem::take(&mut st.queue) {
                if let Err(e) = self.store.finish_job(&job.id, &end, now_secs()) {
                    tracing::error!(error = %e, job = %job.id, "cannot cancel a queued detection job");
                }
            }
            for r in &st.running {
                r.cancel.store(true, Ordering::SeqCst);
            }
        }
        if let Some(pool) = &self.pool {
            pool.close();
        }
    }

    /// [`Detections::close`], then waits up to `wait` for the workers to end. Returns whether
    /// every worker ended in time.
    pub fn shutdown(&self, wait: Duration) -> bool {
        self.close();
        self.pool.as_ref().is_none_or(|p| p.shutdown(wait))
    }

    /// Reads an uploaded post file (CNT CSV, Twitter archive CSV or NDJSON, detected from the
    /// content unless `format` is given) into a new dataset of the caller's organisation,
    /// stored with its upload (deflated). A malformed record is an `Invalid` error naming the
    /// line, unless `skip_invalid`.
    pub fn upload(
        &self,
        p: &Principal,
        name: &str,
        bytes: &[u8],
        format: Option<posts::Format>,
        skip_invalid: bool,
        account_type: Option<String>,
    ) -> Result<DatasetInfo> {
        need_analyst(p)?;
        if let Some(t) = &account_type {
            let ok = !t.is_empty()
                && t.len() <= 64
                && t.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
            if !ok {
                return Err(Error::invalid(
                    "account_type",
                    "must be 1-64 lower-case letters, digits or hyphens (e.g. twitter)",
                ));
            }
        }
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(Error::invalid("body", "the uploaded file is empty"));
        }
        let format = format.unwrap_or_else(|| posts::detect_format(name, bytes));
        let (corpus, stats) = parse_posts(name, bytes, format, skip_invalid)
            .map_err(|e| Error::invalid("body", e))?;
        if stats.added == 0 {
            return Err(Error::invalid("body", "the file holds no posts"));
        }
        if stats.added > self.limits.max_posts {
            return Err(Error::invalid(
                "body",
                format!(
                    "{} posts exceed the limit of {}",
                    stats.added, self.limits.max_posts
                ),
            ));
        }
        let record = DatasetRecord {
            id: uuid::Uuid::new_v4().to_string(),
            org_id: p.org.id,
            name: name.to_string(),
            format: format_name(format).to_string(),
            skip_invalid,
            account_type,
            records: stats.records,
            posts: stats.added,
            users: corpus.user_count() as u64,
            duplicates: stats.duplicates,
            skipped: stats.skipped,
            created: now_secs(),
        };
        let content = deflate(bytes)?;
        // Only this organisation's own oldest datasets give way.
        self.store
            .add_dataset(&record, &content, self.limits.max_datasets)?;
        self.remember(&record.id, Arc::new(corpus));
        Ok(DatasetInfo::from_record(&record))
    }

    /// Keeps a parsed dataset for the jobs that follow.
    fn remember(&self, id: &str, corpus: Arc<Corpus>) {
        let mut c = lock(&self.corpora);
        c.retain(|(d, _)| d != id);
        c.push_back((id.to_string(), corpus));
        while c.len() > CORPUS_CACHE {
            c.pop_front();
        }
    }

    /// The parsed posts and account type of a stored dataset (from memory, or read and
    /// parsed again the way its upload was).
    fn corpus(&self, dataset_id: &str) -> Result<(Arc<Corpus>, Option<String>), String> {
        let cached = lock(&self.corpora)
            .iter()
            .find(|(d, _)| d == dataset_id)
            .map(|(_, c)| c.clone());
        let (record, content) = self
            .store
            .dataset_content(dataset_id)
            .map_err(|e| format!("cannot read dataset '{dataset_id}': {e}"))?
            .ok_or_else(|| format!("dataset '{dataset_id}' is no longer stored"))?;
        if let Some(c) = cached {
            return Ok((c, record.account_type));
        }
        let bytes = inflate(&content)?;
        let format = parse_format(&record.format)
            .ok()
            .flatten()
            .unwrap_or_else(|| posts::detect_format(&record.name, &bytes));
        let (corpus, _) = parse_posts(&record.name, &bytes, format, record.skip_invalid)?;
        let corpus = Arc::new(corpus);
        self.remember(dataset_id, corpus.clone());
        Ok((corpus, record.account_type))
    }

    /// A dataset of the caller's organisation.
    pub fn dataset_info(&self, p: &Principal, id: &str) -> Result<DatasetInfo> {
        self.store
            .dataset(p.org.id, id)?
            .map(|r| DatasetInfo::from_record(&r))
            .ok_or_else(|| Error::UnknownDataset { id: id.to_string() })
    }

    /// The datasets of the caller's organisation, oldest first.
    pub fn list_datasets(&self, p: &Principal) -> Result<Vec<DatasetInfo>> {
        Ok(self
            .store
            .list_datasets(p.org.id)?
            .iter()
            .map(DatasetInfo::from_record)
            .collect())
    }

    fn job_record(&self, p: &Principal, id: &str) -> Result<JobRecord> {
        self.store
            .job(p.org.id, id)?
            .ok_or_else(|| Error::UnknownJob { id: id.to_string() })
    }

    /// Checks a request and records a queued job; a pooled service's workers run it, else the
    /// caller runs [`Detections::run`] on a worker thread. Returns the job id.
    pub fn create_job(&self, p: &Principal, req: &DetectRequest) -> Result<String> {
        need_analyst(p)?;
        if self.store.dataset(p.org.id, &req.dataset)?.is_none() {
            return Err(Error::UnknownDataset {
                id: req.dataset.clone(),
            });
        }
        let mut networks = Vec::new();
        for name in &req.networks {
            let n: Network = name
                .parse()
                .map_err(|e: coord::CoordError| Error::invalid("networks", e.to_string()))?;
            if !networks.contains(&n) {
                networks.push(n);
            }
        }
        if networks.is_empty() {
            return Err(Error::invalid("networks", "name at least one network"));
        }
        if let Some(w) = req.window {
            if !(w.is_finite() && (0.0..=1e9).contains(&w)) {
                return Err(Error::invalid(
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
            Error::invalid(field, e.to_string())
        })?;
        let now = now_secs();
        let job = JobRecord {
            id: uuid::Uuid::new_v4().to_string(),
            org_id: p.org.id,
            dataset_id: req.dataset.clone(),
            params: JobParams {
                networks: networks.iter().map(|n| n.name().to_string()).collect(),
                window: req.window,
                min_weight: req.min_weight,
                similarity: req.similarity,
            },
            status: JobStatus::Queued,
            progress: 0.0,
            window_seconds: req.window,
            error: None,
            result: None,
            created: now,
            updated: now,
        };
        let mut st = lock(&self.state);
        if st.closing {
            return Err(Error::ShuttingDown);
        }
        let quota = JobQuota {
            keep: self.limits.max_jobs,
            max_active: self.limits.max_active_jobs,
        };
        // The job's pool task is queued first (a full queue stores nothing); it waits for the
        // state lock held here, so it sees the job.
        if let Some(pool) = &self.pool {
            let runner = self.clone();
            pool.try_submit(move |_| runner.run_queued())
                .map_err(|b| match b.closing {
                    true => Error::ShuttingDown,
                    false => Error::Busy {
                        queue: self.limits.queue,
                    },
                })?;
        }
        // Only this organisation's own oldest finished jobs give way; active jobs never do.
        if let JobAdded::TooManyActive(active) = self.store.add_job(&job, quota)? {
            return Err(Error::QuotaExceeded {
                org: p.org.slug.clone(),
                active,
            });
        }
        st.queue.push_back(Queued {
            id: job.id.clone(),
            org_id: job.org_id,
        });
        Ok(job.id)
    }

    /// Runs a queued job to the end (blocking), updating its progress, on a service without
    /// workers. Unknown ids and jobs that are not queued are ignored.
    pub fn run(&self, job_id: &str) {
        let cancel = {
            let mut st = lock(&self.state);
            // The workers run a pooled service's jobs; running one here too would run it twice.
            if self.pool.is_some() {
                return;
            }
            let Some(i) = st.queue.iter().position(|j| j.id == job_id) else {
                return;
            };
            let Some(job) = st.queue.remove(i) else {
                return;
            };
            let org_id = job.org_id;
            match self.begin(&mut st, job) {
                Some(c) => (c, org_id),
                None => return,
            }
        };
        let (cancel, org_id) = cancel;
        self.execute(job_id, org_id, &cancel);
        lock(&self.state).running.retain(|r| r.id != job_id);
    }

    /// A job's status, progress (0 to 1), parameters and, when done, its groups.
    pub fn job(&self, p: &Principal, id: &str) -> Result<JobView> {
        let job = self.job_record(p, id)?;
        let groups = match (&job.status, &job.result) {
            (JobStatus::Done, Some(r)) => Some(decode_result(r)?.0),
            (JobStatus::Done, None) => Some(Vec::new()),
            _ => None,
        };
        Ok(JobView::of(&job, groups))
    }

    /// The jobs of the caller's organisation, oldest first, without their groups.
    pub fn list_jobs(&self, p: &Principal) -> Result<Vec<JobView>> {
        Ok(self
            .store
            .list_jobs(p.org.id)?
            .iter()
            .map(|j| JobView::of(j, None))
            .collect())
    }

    /// Runs a job already marked running on the calling thread and stores how it ended. A
    /// panic in the engine fails the job instead of ending the worker.
    fn execute(&self, id: &str, org_id: i64, cancel: &AtomicBool) {
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            self.compute_job(id, org_id, cancel)
        }))
        .unwrap_or_else(|_| Err("internal error in the detection engine".to_string()));
        let end = match outcome {
            Ok((window, groups, account_type)) => match encode_result(groups, account_type) {
                Ok(r) => JobEnd {
                    status: JobStatus::Done,
                    error: None,
                    window_seconds: Some(window),
                    result: Some(r),
                },
                Err(e) => JobEnd {
                    status: JobStatus::Failed,
                    error: Some(format!("cannot store the result: {e}")),
                    window_seconds: Some(window),
                    result: None,
                },
            },
            Err(_) if cancel.load(Ordering::SeqCst) => JobEnd {
                status: JobStatus::Cancelled,
                error: Some(if lock(&self.state).closing {
                    SHUTDOWN_CANCELLED.to_string()
                } else {
                    "cancelled".to_string()
                }),
                window_seconds: None,
                result: None,
            },
            Err(e) => JobEnd {
                status: JobStatus::Failed,
                error: Some(e),
                window_seconds: None,
                result: None,
            },
        };
        match self.store.finish_job(id, &end, now_secs()) {
            Ok(true) => {
                if let Some(n) = &self.notifier {
                    let event = notify::Event::DetectionFinished {
                        job_id: id.to_string(),
                        status: end.status.as_str().to_string(),
                    };
                    if let Err(e) = n.emit(&event, &[org_id]) {
                        tracing::error!(error = %e, job = %id, "cannot notify the end of a detection job");
                    }
                }
            }
            Ok(false) => {}
            Err(e) => {
                tracing::error!(error = %e, job = %id, "cannot record the end of a detection job")
            }
        }
    }

    /// Loads a job and its dataset and computes its groups: the window in seconds, the groups
    /// and the dataset's account type.
    fn compute_job(
        &self,
        id: &str,
        org_id: i64,
        cancel: &AtomicBool,
    ) -> Result<(f64, Vec<DetectedGroup>, Option<String>), String> {
        let job = self
            .store
            .job(org_id, id)
            .map_err(|e| format!("cannot read the job: {e}"))?
            .ok_or_else(|| "the job is no longer stored".to_string())?;
        let (corpus, account_type) = self.corpus(&job.dataset_id)?;
        let networks: Vec<Network> = job
            .params
            .networks
            .iter()
            .filter_map(|n| n.parse().ok())
            .collect();
        let progress = |p: f64| {
            if let Err(e) = self.store.set_job_progress(id, p) {
                tracing::warn!(error = %e, job = %id, "cannot record a detection's progress");
            }
        };
        let (window, groups) = compute(&corpus, &job.params, &networks, cancel, &progress)?;
        Ok((window, groups, account_type))
    }

    /// Publishes chosen groups of a finished job to a collection, through
    /// [`Hub::add_objects`](hub::Hub::add_objects) as the caller: per group a `campaign`, a `grouping`
    /// (context `suspicious-activity`) of the campaign and the members' `user-account`
    /// objects, a `note` with the evidence and, when the DISARM technique named
    /// [`TECHNIQUE_NAME`] is visible to the caller, a `uses` relationship from the campaign to
    /// it. Everything carries the TLP marking; SDOs and SROs carry the organisation's identity
    /// as `created_by_ref`. Returns the TAXII status and the ids created per group.
    pub fn publish(
        &self,
        p: &Principal,
        job_id: &str,
        req: &PublishRequest,
    ) -> Result<PublishOutcome> {
        let (group_ids, collection_id, tlp) = (&req.groups, req.collection.as_str(), req.tlp);
        need_analyst(p)?;
        let job = self.job_record(p, job_id)?;
        if job.status != JobStatus::Done {
            return Err(Error::NotDone {
                job: job_id.to_string(),
                status: job.status,
            });
        }
        let (all, account_type) = match &job.result {
            Some(r) => decode_result(r)?,
            None => (Vec::new(), None),
        };
        let mut groups = Vec::new();
        for gid in group_ids {
            match all.iter().find(|g| g.id == *gid) {
                Some(g) => groups.push(g.clone()),
                None => {
                    return Err(Error::invalid(
                        "groups",
                        format!("detection '{job_id}' has no group '{gid}'"),
                    ))
                }
            }
        }
        if groups.is_empty() {
            return Err(Error::invalid("groups", "choose at least one group"));
        }
        // Checks access before the technique look-up.
        self.hub.collection_for(p, collection_id)?;
        let technique = self.find_technique(p)?;
        let marking = tlp.marking_id();
        let now = stix::format_timestamp(now_micros());
        let by = p.org.identity_id.clone();
        let acct_type = account_type.as_deref();
        let mut objects: Vec<Value> = Vec::new();
        let mut seen_accounts = std::collections::HashSet::new();
        let mut published = Vec::new();
        for g in &groups {
            let gid = g.id.as_str();
            let mut refs: Vec<Value> = Vec::new();
            for m in &g.members {
                let uid = m.user_id.as_str();
                let login = Some(m.username.as_str()).filter(|s| !s.is_empty());
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
            campaign["first_seen"] = Value::from(secs_timestamp(g.first_time));
            campaign["last_seen"] = Value::from(secs_timestamp(g.last_time));
            objects.push(campaign);
            refs.push(Value::from(campaign_id.clone()));
            let mut relationship_id = None;
            if let Some((tid, _)) = &technique {
                let rid = format!("relationship--{}", uuid::Uuid::new_v4());
                objects.push(json!({
                    "type": "relationship", "spec_version": "2.1", "id": rid,
                    "created": now, "modified": now, "created_by_ref": by,
                    "relationship_type": "uses", "source_ref": campaign_id, "target_ref": tid,
                    "object_marking_refs": [marking],
                }));
                refs.push(Value::from(rid.clone()));
                relationship_id = Some(rid);
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
                "content": evidence_text(g, &job.params),
                "object_refs": [grouping_id, campaign_id],
                "object_marking_refs": [marking],
            }));
            published.push(PublishedGroup {
                group: gid.to_string(),
                grouping: grouping_id,
                campaign: campaign_id,
                note: note_id,
                relationship: relationship_id,
                accounts: size,
            });
        }
        let status = self.hub.add_objects(p, collection_id, objects)?;
        let warning = technique.is_none().then(|| {
            format!(
                "no attack-pattern named '{TECHNIQUE_NAME}' is visible to you (import the DISARM \
                 bundle); published without the relationship"
            )
        });
        Ok(PublishOutcome {
            status,
            published,
            technique: technique.map(|(id, name)| Technique { id, name }),
            tlp: tlp.as_str(),
            warning,
        })
    }

    /// The id and name of the DISARM attack-pattern named [`TECHNIQUE_NAME`] among the objects
    /// the caller may read, if any.
    fn find_technique(&self, p: &Principal) -> Result<Option<(String, String)>> {
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

fn secs_timestamp(s: f64) -> String {
    stix::format_timestamp((s * 1_000_000.0).round() as i64)
}

fn evidence_text(g: &DetectedGroup, job: &JobParams) -> String {
    let mut t = String::new();
    t.push_str(&format!(
        "Coordinated group {} of {} accounts, score {:.3}.\n",
        g.id, g.size, g.score
    ));
    t.push_str(&format!(
        "Detection: networks {}, min edge weight {}, similarity {}.\n",
        job.networks.join(", "),
        job.min_weight,
        job.similarity
    ));
    for n in &g.networks {
        t.push_str(&format!(
            "- {}: {} edges, total weight {}\n",
            n.network, n.edges, n.weight
        ));
    }
    t.push_str(&format!(
        "Active from {} to {}.\n",
        secs_timestamp(g.first_time),
        secs_timestamp(g.last_time)
    ));
    for s in &g.shared_items {
        t.push_str(&format!(
            "Shared {} {}: {} accounts, {} posts\n",
            s.kind, s.value, s.accounts, s.posts
        ));
    }
    for s in &g.sample_texts {
        t.push_str(&format!("Sample: {s}\n"));
    }
    t
}

/// Reads posts into a new corpus; the corpus and the reader's counts, or the reader's error.
fn parse_posts(
    name: &str,
    bytes: &[u8],
    format: posts::Format,
    skip_invalid: bool,
) -> Result<(Corpus, posts::Stats), String> {
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
    .map_err(|e| e.to_string())?;
    Ok((corpus, stats))
}

/// Runs the networks and grouping of a job; returns the window in seconds and the groups.
fn compute(
    corpus: &Corpus,
    job: &JobParams,
    networks: &[Network],
    cancel: &AtomicBool,
    progress: &dyn Fn(f64),
) -> Result<(f64, Vec<DetectedGroup>), String> {
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
    let steps = networks.len() as f64 + 1.0;
    let stop = || cancel.load(Ordering::Relaxed);
    let mut results: Vec<(Network, Vec<coord::Edge>)> = Vec::new();
    for (i, &net) in networks.iter().enumerate() {
        let edges = coord::compute_until(corpus, net, &params, &stop).map_err(|e| e.to_string())?;
        results.push((net, edges));
        progress((i as f64 + 1.0) / steps);
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
            DetectedGroup {
                id: format!("group-{}", i + 1),
                score: (g.score * 1000.0).round() / 1000.0,
                size: g.members.len(),
                members: members
                    .iter()
                    .map(|(u, n)| GroupMember {
                        user_id: u.to_string(),
                        username: n.to_string(),
                    })
                    .collect(),
                networks: g
                    .networks
                    .iter()
                    .map(|n| GroupNetwork {
                        network: n.network.name().to_string(),
                        edges: n.edges,
                        weight: n.weight,
                    })
                    .collect(),
                shared_items: g
                    .shared_items
                    .iter()
                    .map(|s| SharedItem {
                        kind: s.kind.to_string(),
                        value: s.value.clone(),
                        accounts: s.accounts,
                        posts: s.posts,
                    })
                    .collect(),
                first_time: g.first_time as f64 / 1000.0,
                last_time: g.last_time as f64 / 1000.0,
                sample_texts: g.sample_texts.clone(),
            }
        })
        .collect();
    Ok((window_ms as f64 / 1000.0, list))
}
