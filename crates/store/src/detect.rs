//! Coordination detection: records and the `DetectStore` storage contract for uploaded post
//! datasets and detection jobs, so both survive a restart.
//!
//! The store keeps a dataset's upload as an opaque blob (the detection service compresses it)
//! with the counts its parse gave, and a job's parameters, state, progress and result (also
//! an opaque blob). Every dataset and job belongs to one organisation; reads name it, so
//! another organisation's records are never returned.

use std::fmt;
use std::str::FromStr;

use crate::Result;

/// The state of a detection job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobStatus {
    /// Waiting for a worker.
    Queued,
    /// Computing.
    Running,
    /// Finished; groups are available.
    Done,
    /// Stopped with an error (or interrupted by a restart).
    Failed,
    /// Cancelled by its organisation or by the hub shutting down.
    Cancelled,
}

impl JobStatus {
    /// Every state.
    pub const ALL: [JobStatus; 5] = [
        JobStatus::Queued,
        JobStatus::Running,
        JobStatus::Done,
        JobStatus::Failed,
        JobStatus::Cancelled,
    ];

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

impl fmt::Display for JobStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for JobStatus {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<JobStatus, String> {
        JobStatus::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| format!("unknown job status {s:?}"))
    }
}

/// A dataset: what its upload held and how it was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatasetRecord {
    /// The dataset id (a UUID).
    pub id: String,
    /// The owning organisation.
    pub org_id: i64,
    /// The file name given at upload (used for format detection and messages).
    pub name: String,
    /// The format read (`cnt`, `archive`, `ndjson`).
    pub format: String,
    /// Whether malformed records were skipped.
    pub skip_invalid: bool,
    /// The STIX `account_type` of the accounts, if given.
    pub account_type: Option<String>,
    /// Records read.
    pub records: u64,
    /// Posts kept.
    pub posts: u64,
    /// Distinct accounts.
    pub users: u64,
    /// Records dropped as duplicate message ids.
    pub duplicates: u64,
    /// Malformed records skipped.
    pub skipped: u64,
    /// Upload time, seconds since the epoch.
    pub created: i64,
}

/// The parameters of a detection job.
#[derive(Debug, Clone, PartialEq)]
pub struct JobParams {
    /// Network names, in order.
    pub networks: Vec<String>,
    /// Window in seconds; `None` means estimated from the data.
    pub window: Option<f64>,
    /// Minimum edge weight.
    pub min_weight: u32,
    /// Jaccard threshold.
    pub similarity: f64,
}

/// A detection job.
#[derive(Debug, Clone, PartialEq)]
pub struct JobRecord {
    /// The job id (a UUID).
    pub id: String,
    /// The owning organisation.
    pub org_id: i64,
    /// The dataset it runs over (kept as text: the dataset may be gone since).
    pub dataset_id: String,
    /// The parameters.
    pub params: JobParams,
    /// The state.
    pub status: JobStatus,
    /// Progress from 0 to 1.
    pub progress: f64,
    /// The window used, in seconds, once known.
    pub window_seconds: Option<f64>,
    /// Why the job failed or was cancelled.
    pub error: Option<String>,
    /// The result (opaque to the store); `None` until done, and in lists.
    pub result: Option<Vec<u8>>,
    /// Creation time, seconds since the epoch.
    pub created: i64,
    /// Time of the last state change, seconds since the epoch.
    pub updated: i64,
}

/// How a job ends.
#[derive(Debug, Clone, PartialEq)]
pub struct JobEnd {
    /// `Done`, `Failed` or `Cancelled`.
    pub status: JobStatus,
    /// Why it failed or was cancelled.
    pub error: Option<String>,
    /// The window used, in seconds.
    pub window_seconds: Option<f64>,
    /// The result, when done.
    pub result: Option<Vec<u8>>,
}

/// Bounds on one organisation's jobs, applied when a job is added.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JobQuota {
    /// Jobs kept; the oldest finished ones give way beyond this (active ones never do).
    pub keep: usize,
    /// Queued and running jobs allowed; a new job beyond this is refused.
    pub max_active: usize,
}

/// What [`DetectStore::add_job`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobAdded {
    /// The job is stored, queued.
    Added,
    /// Refused: the organisation already has this many active jobs.
    TooManyActive(u64),
}

/// Uploaded datasets and detection jobs.
///
/// A dataset evicted by a newer upload is no longer listed nor found by
/// [`DetectStore::dataset`], but its content stays readable by
/// [`DetectStore::dataset_content`] while a queued or running job uses it, and is deleted
/// once none does.
pub trait DetectStore: Send + Sync + 'static {
    /// Adds a dataset with its content; then, if the organisation holds more than `keep`
    /// datasets, its oldest give way (evicted as described above).
    fn add_dataset(&self, dataset: &DatasetRecord, content: &[u8], keep: usize) -> Result<()>;
    /// A dataset of an organisation, unless evicted.
    fn dataset(&self, org_id: i64, id: &str) -> Result<Option<DatasetRecord>>;
    /// An organisation's datasets, oldest first.
    fn list_datasets(&self, org_id: i64) -> Result<Vec<DatasetRecord>>;
    /// A dataset and its content, evicted or not, while it is stored.
    fn dataset_content(&self, id: &str) -> Result<Option<(DatasetRecord, Vec<u8>)>>;
    /// Adds a queued job (its `status` must be `Queued`) unless the organisation has
    /// `quota.max_active` active jobs; then the organisation's oldest finished jobs beyond
    /// `quota.keep` are deleted.
    fn add_job(&self, job: &JobRecord, quota: JobQuota) -> Result<JobAdded>;
    /// A job of an organisation, with its result.
    fn job(&self, org_id: i64, id: &str) -> Result<Option<JobRecord>>;
    /// An organisation's jobs, oldest first, without their results.
    fn list_jobs(&self, org_id: i64) -> Result<Vec<JobRecord>>;
    /// Marks a queued job running; `false` (and no change) if it is not queued.
    fn start_job(&self, id: &str, now: i64) -> Result<bool>;
    /// Records a running job's progress.
    fn set_job_progress(&self, id: &str, progress: f64) -> Result<()>;
    /// Ends a queued or running job; `false` (and no change) if it is not active. Evicted
    /// datasets no active job uses any more are deleted.
    fn finish_job(&self, id: &str, end: &JobEnd, now: i64) -> Result<bool>;
    /// Marks every queued and running job failed with `reason` (they were left by a process
    /// that stopped), deletes evicted datasets; returns how many jobs were marked.
    fn fail_active_jobs(&self, reason: &str, now: i64) -> Result<u64>;
}
