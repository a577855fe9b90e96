//! Detection datasets and jobs in SQLite (`store::DetectStore`).

use rusqlite::{params, Connection, OptionalExtension, Row, Transaction};
use store::{
    DatasetRecord, DetectStore, JobAdded, JobEnd, JobParams, JobQuota, JobRecord, JobStatus, Result,
};

use crate::util::{backend, insert_error, parse_col};
use crate::SqliteStore;

const DATASET_COLS: &str = "id, org_id, name, format, skip_invalid, account_type, records, \
                            posts, users, duplicates, skipped, created";
const JOB_COLS: &str = "id, org_id, dataset_id, networks, req_window, min_weight, similarity, \
                        status, progress, window_seconds, error, created, updated";

fn dataset_from_row(r: &Row<'_>) -> rusqlite::Result<DatasetRecord> {
    Ok(DatasetRecord {
        id: r.get(0)?,
        org_id: r.get(1)?,
        name: r.get(2)?,
        format: r.get(3)?,
        skip_invalid: r.get(4)?,
        account_type: r.get(5)?,
        records: r.get::<_, i64>(6)? as u64,
        posts: r.get::<_, i64>(7)? as u64,
        users: r.get::<_, i64>(8)? as u64,
        duplicates: r.get::<_, i64>(9)? as u64,
        skipped: r.get::<_, i64>(10)? as u64,
        created: r.get(11)?,
    })
}

/// A job row and its status text, parsed by [`finish_job_row`].
fn job_from_row(r: &Row<'_>) -> rusqlite::Result<(JobRecord, String)> {
    let networks: String = r.get(3)?;
    Ok((
        JobRecord {
            id: r.get(0)?,
            org_id: r.get(1)?,
            dataset_id: r.get(2)?,
            params: JobParams {
                networks: networks
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect(),
                window: r.get(4)?,
                min_weight: r.get(5)?,
                similarity: r.get(6)?,
            },
            // Replaced once the status text is parsed.
            status: JobStatus::Failed,
            progress: r.get(8)?,
            window_seconds: r.get(9)?,
            error: r.get(10)?,
            result: None,
            created: r.get(11)?,
            updated: r.get(12)?,
        },
        r.get(7)?,
    ))
}

fn finish_job_row((mut job, status): (JobRecord, String)) -> Result<JobRecord> {
    job.status = parse_col("detect_jobs", "status", &status)?;
    Ok(job)
}

fn count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Deletes evicted datasets that no queued or running job uses.
fn purge_evicted(tx: &Transaction<'_>) -> Result<()> {
    tx.execute(
        "DELETE FROM detect_datasets WHERE evicted = 1 AND id NOT IN \
         (SELECT dataset_id FROM detect_jobs WHERE status IN ('queued', 'running'))",
        [],
    )
    .map_err(|e| backend("deleting evicted datasets", e))?;
    Ok(())
}

fn add_dataset(tx: &Transaction<'_>, d: &DatasetRecord, content: &[u8], keep: usize) -> Result<()> {
    tx.execute(
        "INSERT INTO detect_datasets (id, org_id, name, format, skip_invalid, account_type, \
         records, posts, users, duplicates, skipped, created, content) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        params![
            d.id,
            d.org_id,
            d.name,
            d.format,
            d.skip_invalid,
            d.account_type,
            count(d.records),
            count(d.posts),
            count(d.users),
            count(d.duplicates),
            count(d.skipped),
            d.created,
            content
        ],
    )
    .map_err(|e| insert_error(|_| format!("dataset '{}'", d.id), e))?;
    // The organisation's oldest datasets beyond `keep` are evicted (rowid breaks ties).
    tx.execute(
        "UPDATE detect_datasets SET evicted = 1 WHERE org_id = ?1 AND evicted = 0 AND rowid NOT IN \
         (SELECT rowid FROM detect_datasets WHERE org_id = ?1 AND evicted = 0 \
          ORDER BY created DESC, rowid DESC LIMIT ?2)",
        params![d.org_id, i64::try_from(keep).unwrap_or(i64::MAX)],
    )
    .map_err(|e| backend("evicting old datasets", e))?;
    purge_evicted(tx)
}

fn add_job(tx: &Transaction<'_>, j: &JobRecord, quota: JobQuota) -> Result<JobAdded> {
    let active: i64 = tx
        .query_row(
            "SELECT count(*) FROM detect_jobs WHERE org_id = ?1 \
             AND status IN ('queued', 'running')",
            [j.org_id],
            |r| r.get(0),
        )
        .map_err(|e| backend("counting active jobs", e))?;
    if active as u64 >= quota.max_active as u64 {
        return Ok(JobAdded::TooManyActive(active as u64));
    }
    tx.execute(
        "INSERT INTO detect_jobs (id, org_id, dataset_id, networks, req_window, min_weight, \
         similarity, status, progress, window_seconds, error, result, created, updated) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
        params![
            j.id,
            j.org_id,
            j.dataset_id,
            j.params.networks.join(","),
            j.params.window,
            j.params.min_weight,
            j.params.similarity,
            j.status.as_str(),
            j.progress,
            j.window_seconds,
            j.error,
            j.result,
            j.created,
            j.updated
        ],
    )
    .map_err(|e| insert_error(|_| format!("job '{}'", j.id), e))?;
    // The oldest finished jobs beyond `keep` give way; active ones never do.
    let total: i64 = tx
        .query_row(
            "SELECT count(*) FROM detect_jobs WHERE org_id = ?1",
            [j.org_id],
            |r| r.get(0),
        )
        .map_err(|e| backend("counting jobs", e))?;
    let excess = total - i64::try_from(quota.keep).unwrap_or(i64::MAX);
    if excess > 0 {
        tx.execute(
            "DELETE FROM detect_jobs WHERE rowid IN (SELECT rowid FROM detect_jobs \
             WHERE org_id = ?1 AND status NOT IN ('queued', 'running') \
             ORDER BY created, rowid LIMIT ?2)",
            params![j.org_id, excess],
        )
        .map_err(|e| backend("deleting old jobs", e))?;
    }
    Ok(JobAdded::Added)
}

fn job(c: &Connection, org_id: i64, id: &str) -> Result<Option<JobRecord>> {
    let row = c
        .prepare_cached(&format!(
            "SELECT {JOB_COLS}, result FROM detect_jobs WHERE org_id = ?1 AND id = ?2"
        ))
        .and_then(|mut st| {
            st.query_row(params![org_id, id], |r| {
                let (job, status) = job_from_row(r)?;
                let result: Option<Vec<u8>> = r.get(13)?;
                Ok((JobRecord { result, ..job }, status))
            })
            .optional()
        })
        .map_err(|e| backend("reading a job", e))?;
    row.map(finish_job_row).transpose()
}

impl DetectStore for SqliteStore {
    fn add_dataset(&self, dataset: &DatasetRecord, content: &[u8], keep: usize) -> Result<()> {
        self.write(|tx| add_dataset(tx, dataset, content, keep))
    }

    fn dataset(&self, org_id: i64, id: &str) -> Result<Option<DatasetRecord>> {
        self.read(|c| {
            c.prepare_cached(&format!(
                "SELECT {DATASET_COLS} FROM detect_datasets \
                 WHERE org_id = ?1 AND id = ?2 AND evicted = 0"
            ))
            .and_then(|mut st| {
                st.query_row(params![org_id, id], dataset_from_row)
                    .optional()
            })
            .map_err(|e| backend("reading a dataset", e))
        })
    }

    fn list_datasets(&self, org_id: i64) -> Result<Vec<DatasetRecord>> {
        self.read(|c| {
            c.prepare_cached(&format!(
                "SELECT {DATASET_COLS} FROM detect_datasets WHERE org_id = ?1 AND evicted = 0 \
                 ORDER BY created, rowid"
            ))
            .and_then(|mut st| {
                st.query_map([org_id], dataset_from_row)?
                    .collect::<rusqlite::Result<Vec<_>>>()
            })
            .map_err(|e| backend("listing datasets", e))
        })
    }

    fn dataset_content(&self, id: &str) -> Result<Option<(DatasetRecord, Vec<u8>)>> {
        self.read(|c| {
            c.query_row(
                &format!("SELECT {DATASET_COLS}, content FROM detect_datasets WHERE id = ?1"),
                [id],
                |r| Ok((dataset_from_row(r)?, r.get(12)?)),
            )
            .optional()
            .map_err(|e| backend("reading a dataset's content", e))
        })
    }

    fn add_job(&self, job: &JobRecord, quota: JobQuota) -> Result<JobAdded> {
        self.write(|tx| add_job(tx, job, quota))
    }

    fn job(&self, org_id: i64, id: &str) -> Result<Option<JobRecord>> {
        self.read(|c| job(c, org_id, id))
    }

    fn list_jobs(&self, org_id: i64) -> Result<Vec<JobRecord>> {
        let rows = self.read(|c| {
            c.prepare_cached(&format!(
                "SELECT {JOB_COLS} FROM detect_jobs WHERE org_id = ?1 ORDER BY created, rowid"
            ))
            .and_then(|mut st| {
                st.query_map([org_id], job_from_row)?
                    .collect::<rusqlite::Result<Vec<_>>>()
            })
            .map_err(|e| backend("listing jobs", e))
        })?;
        rows.into_iter().map(finish_job_row).collect()
    }

    fn start_job(&self, id: &str, now: i64) -> Result<bool> {
        self.write(|tx| {
            tx.execute(
                "UPDATE detect_jobs SET status = 'running', updated = ?2 \
                 WHERE id = ?1 AND status = 'queued'",
                params![id, now],
            )
            .map(|n| n == 1)
            .map_err(|e| backend("starting a job", e))
        })
    }

    fn set_job_progress(&self, id: &str, progress: f64) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "UPDATE detect_jobs SET progress = ?2 WHERE id = ?1",
                params![id, progress],
            )
            .map(drop)
            .map_err(|e| backend("recording a job's progress", e))
        })
    }

    fn finish_job(&self, id: &str, end: &JobEnd, now: i64) -> Result<bool> {
        self.write(|tx| {
            let n = tx
                .execute(
                    "UPDATE detect_jobs SET status = ?2, error = ?3, \
                     window_seconds = coalesce(?4, window_seconds), result = ?5, \
                     progress = CASE WHEN ?2 = 'done' THEN 1.0 ELSE progress END, updated = ?6 \
                     WHERE id = ?1 AND status IN ('queued', 'running')",
                    params![
                        id,
                        end.status.as_str(),
                        end.error,
                        end.window_seconds,
                        end.result,
                        now
                    ],
                )
                .map_err(|e| backend("ending a job", e))?;
            purge_evicted(tx)?;
            Ok(n == 1)
        })
    }

    fn fail_active_jobs(&self, reason: &str, now: i64) -> Result<u64> {
        self.write(|tx| {
            let n = tx
                .execute(
                    "UPDATE detect_jobs SET status = 'failed', error = ?1, updated = ?2 \
                     WHERE status IN ('queued', 'running')",
                    params![reason, now],
                )
                .map_err(|e| backend("failing interrupted jobs", e))?;
            purge_evicted(tx)?;
            Ok(n as u64)
        })
    }
}
