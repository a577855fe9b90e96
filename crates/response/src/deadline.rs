//! What a passed respond-by or due time means, as pure functions of `now`.
//!
//! Times are seconds since the epoch, `now` is passed in. A deadline is passed when `now` is
//! later than it (at the deadline itself one is still on time). A passed deadline changes no
//! status by itself: it makes recipients and actions overdue (for reminders, escalation and
//! inbox flags) and closes a proposal to votes, after which [`crate::vote::tally`] decides
//! with `deadline_passed`.

use crate::action::ActionStatus;
use crate::Error;

/// Whether `due` has passed at `now` (never, when there is no deadline).
pub fn is_passed(due: Option<i64>, now: i64) -> bool {
    due.is_some_and(|d| now > d)
}

/// Checks a deadline being set at `now`: it must lie in the future.
pub fn check_new(due: i64, now: i64) -> Result<(), Error> {
    if due > now {
        Ok(())
    } else {
        Err(Error::DeadlineInPast { due, now })
    }
}

/// One overdue item and how late it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Overdue<'a, T> {
    /// The item.
    pub item: &'a T,
    /// Seconds past its deadline.
    pub late_by: i64,
}

/// The recipients that owe an answer past `respond_by`: those not `settled` (a recipient is
/// settled once it has given its final answer, e.g. contributed or declined), most late
/// first (all share one deadline, so in input order). Empty while the deadline has not passed.
pub fn overdue_recipients<'a, T>(
    respond_by: Option<i64>,
    now: i64,
    recipients: &'a [T],
    settled: impl Fn(&T) -> bool,
) -> Vec<Overdue<'a, T>> {
    let Some(due) = respond_by.filter(|&d| now > d) else {
        return Vec::new();
    };
    recipients
        .iter()
        .filter(|r| !settled(r))
        .map(|r| Overdue {
            item: r,
            late_by: now - due,
        })
        .collect()
}

/// A response action as the deadline rules see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActionDue {
    /// The action's id.
    pub id: i64,
    /// Its status.
    pub status: ActionStatus,
    /// Its due time, if any.
    pub due: Option<i64>,
}

/// The actions past their due time that are not finished (done, failed or withdrawn), most
/// late first, then by id.
pub fn overdue_actions(actions: &[ActionDue], now: i64) -> Vec<Overdue<'_, ActionDue>> {
    let mut out: Vec<Overdue<'_, ActionDue>> = actions
        .iter()
        .filter(|a| !a.status.is_final())
        .filter_map(|a| match a.due {
            Some(d) if now > d => Some(Overdue {
                item: a,
                late_by: now - d,
            }),
            _ => None,
        })
        .collect();
    out.sort_by(|x, y| y.late_by.cmp(&x.late_by).then(x.item.id.cmp(&y.item.id)));
    out
}

/// Whether a proposal with `deadline` still takes votes at `now`.
pub fn votes_open(deadline: Option<i64>, now: i64) -> bool {
    !is_passed(deadline, now)
}
