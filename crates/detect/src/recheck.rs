//! Re-checks: which accounts of an earlier finding are still active in a later detection.
//!
//! After a platform says it acted on a notice, the sender runs the same detection on a later
//! post set and asks, for each account the notice named, whether it still posts in that set
//! and whether it is still in a coordinated group. The accounts are named by their platform
//! user id or their login, as the published `user-account` objects carry them.

use serde::Serialize;
use store::JobStatus;

use crate::{decode_result, Detections, Error, Principal, Result};

/// What a later detection says of one account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountActivity {
    /// The account as asked (a platform user id or a login).
    pub account: String,
    /// Posts by the account in the job's post set, or `None` when the post set is no longer
    /// stored (only the groups are then known).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub posts: Option<u64>,
    /// The job's groups the account is a member of, in the job's order.
    pub groups: Vec<String>,
    /// True when the account posts in the later set or is in one of its groups.
    pub active: bool,
}

impl Detections {
    /// For each of `accounts`, its activity in the finished job `job_id` of the caller's
    /// organisation. An account is matched by platform user id or by login (case-sensitive,
    /// as platforms store them).
    pub fn account_activity(
        &self,
        p: &Principal,
        job_id: &str,
        accounts: &[String],
    ) -> Result<Vec<AccountActivity>> {
        let job = self.job_record(p, job_id)?;
        if job.status != JobStatus::Done {
            return Err(Error::NotDone {
                job: job_id.to_string(),
                status: job.status,
            });
        }
        let groups = match &job.result {
            Some(r) => decode_result(r)?.0,
            None => Vec::new(),
        };
        let corpus = self.corpus(&job.dataset_id).ok().map(|(c, _)| c);
        let post_counts = corpus.as_ref().map(|c| {
            let mut counts = vec![0u64; c.user_count()];
            for i in 0..c.len() as u32 {
                counts[c.post_user(i) as usize] += 1;
            }
            counts
        });
        let mut out = Vec::with_capacity(accounts.len());
        for account in accounts {
            let member_of: Vec<String> = groups
                .iter()
                .filter(|g| {
                    g.members.iter().any(|m| {
                        m.user_id == *account || (!m.username.is_empty() && m.username == *account)
                    })
                })
                .map(|g| g.id.clone())
                .collect();
            let posts = match (&corpus, &post_counts) {
                (Some(c), Some(counts)) => {
                    let by_id = c.user_id(account).map(|u| counts[u as usize]);
                    let by_login = || {
                        (0..c.user_count() as u32)
                            .filter(|&u| c.username(u) == account.as_str())
                            .map(|u| counts[u as usize])
                            .sum::<u64>()
                    };
                    Some(by_id.unwrap_or_else(by_login))
                }
                _ => None,
            };
            let active = !member_of.is_empty() || posts.unwrap_or(0) > 0;
            out.push(AccountActivity {
                account: account.clone(),
                posts,
                groups: member_of,
                active,
            });
        }
        Ok(out)
    }
}
