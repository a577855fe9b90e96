//! What a passed respond-by or due time means, as pure functions of `now`.
//!
//! Times are seconds since the epoch, `now` is passed in. A deadline is passed when `now` is
//! later than it (at the deadline itself one is still on time). A passed deadline changes no
//! status by itself: it makes recipients and actions overdue (for reminders, escalation and
//! inbox flags) and closes a proposal to votes, after which [`crate::vote::tally`] decides
//! with `deadline_passed`. [`reminders_due`] decides which message a deadline sends about an
//! item at `now` (a reminder a lead time before it, an overdue notice after it, each once);
//! the services' deadline sweeps act on it.

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

/// A message a deadline sends about one item (an alert recipient, an action), at most once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Reminder {
    /// Sent a lead time before the deadline.
    Reminder,
    /// Sent once the deadline has passed (the escalation).
    Overdue,
}

impl Reminder {
    /// The stable name stored with the mark (`reminder`, `overdue`).
    pub fn as_str(self) -> &'static str {
        match self {
            Reminder::Reminder => "reminder",
            Reminder::Overdue => "overdue",
        }
    }

    /// The reminder named `s`, if any.
    pub fn parse(s: &str) -> Option<Reminder> {
        match s {
            "reminder" => Some(Reminder::Reminder),
            "overdue" => Some(Reminder::Overdue),
            _ => None,
        }
    }
}

/// One item with a deadline as the reminder rules see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadline {
    /// The deadline, seconds since the epoch.
    pub due: i64,
    /// When the deadline was set (the item's creation): no reminder is sent when it was set
    /// less than the lead time before it.
    pub set_at: i64,
    /// Whether the item is settled (a recipient's final answer, a finished action): then
    /// nothing is sent.
    pub settled: bool,
    /// Whether the reminder was sent already.
    pub reminded: bool,
    /// Whether the overdue notice was sent already.
    pub overdue_sent: bool,
}

/// The messages due for `item` at `now`, with reminders `lead` seconds before the deadline:
/// the reminder from `due - lead` up to the deadline itself (unless the deadline was set
/// closer than `lead`), the overdue notice once the deadline has passed; each only if not
/// sent yet, and nothing for a settled item. A reminder whose window was missed (the sweep
/// did not run) is not sent late: the overdue notice follows instead.
pub fn reminders_due(item: &Deadline, now: i64, lead: i64) -> Option<Reminder> {
    if item.settled {
        return None;
    }
    if now > item.due {
        return (!item.overdue_sent).then_some(Reminder::Overdue);
    }
    let lead = lead.max(0);
    let window_opens = item.due.saturating_sub(lead);
    let wanted = lead > 0 && item.set_at <= window_opens && now >= window_opens;
    (wanted && !item.reminded && !item.overdue_sent).then_some(Reminder::Reminder)
}

/// The default lead time of reminders: 24 hours.
pub const DEFAULT_LEAD: i64 = 24 * 60 * 60;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn item(due: i64, set_at: i64) -> Deadline {
        Deadline {
            due,
            set_at,
            settled: false,
            reminded: false,
            overdue_sent: false,
        }
    }

    #[test]
    fn reminder_then_overdue() {
        let d = item(1_000, 0);
        assert_eq!(reminders_due(&d, 800, 100), None);
        assert_eq!(reminders_due(&d, 900, 100), Some(Reminder::Reminder));
        assert_eq!(reminders_due(&d, 1_000, 100), Some(Reminder::Reminder));
        assert_eq!(reminders_due(&d, 1_001, 100), Some(Reminder::Overdue));
        let sent = Deadline {
            reminded: true,
            ..d
        };
        assert_eq!(reminders_due(&sent, 950, 100), None);
        assert_eq!(reminders_due(&sent, 1_001, 100), Some(Reminder::Overdue));
    }

    #[test]
    fn no_reminder_for_a_deadline_set_closer_than_the_lead() {
        let d = item(1_000, 950);
        assert_eq!(reminders_due(&d, 990, 100), None);
        assert_eq!(reminders_due(&d, 1_001, 100), Some(Reminder::Overdue));
        assert_eq!(
            reminders_due(&item(1_000, 900), 990, 100),
            Some(Reminder::Reminder)
        );
    }

    #[test]
    fn names_round_trip() {
        for r in [Reminder::Reminder, Reminder::Overdue] {
            assert_eq!(Reminder::parse(r.as_str()), Some(r));
        }
        assert_eq!(Reminder::parse("late"), None);
    }

    proptest! {
        /// Sweeping an item at increasing times and marking what is sent never sends anything
        /// twice, never for a settled item, never an overdue notice on time and never a
        /// reminder late.
        #[test]
        fn each_message_at_most_once_and_in_its_window(
            due in -1_000i64..1_000,
            set_before in 0i64..500,
            lead in 0i64..400,
            settled in any::<bool>(),
            reminded in any::<bool>(),
            overdue_sent in any::<bool>(),
            mut times in proptest::collection::vec(-2_000i64..2_000, 0..30),
        ) {
            times.sort_unstable();
            let mut d = Deadline { due, set_at: due - set_before, settled, reminded, overdue_sent };
            let (mut reminders, mut overdues) = (0, 0);
            for now in times {
                let Some(r) = reminders_due(&d, now, lead) else { continue };
                prop_assert!(!settled);
                match r {
                    Reminder::Reminder => {
                        prop_assert!(now <= due, "reminder after the deadline");
                        prop_assert!(now >= due - lead);
                        prop_assert!(set_before >= lead && lead > 0);
                        prop_assert!(!d.reminded && !d.overdue_sent);
                        d.reminded = true;
                        reminders += 1;
                    }
                    Reminder::Overdue => {
                        prop_assert!(now > due, "overdue notice before the deadline");
                        prop_assert!(!d.overdue_sent);
                        d.overdue_sent = true;
                        overdues += 1;
                    }
                }
            }
            prop_assert!(reminders <= 1 && overdues <= 1);
        }

        /// Whatever has been sent, a settled item gets nothing, and the answer depends only on
        /// the item, the time and the lead.
        #[test]
        fn settled_items_get_nothing(
            due in any::<i32>(), set_at in any::<i32>(), now in any::<i32>(),
            lead in any::<i32>(), reminded in any::<bool>(), overdue_sent in any::<bool>(),
        ) {
            let d = Deadline {
                due: i64::from(due), set_at: i64::from(set_at), settled: true, reminded, overdue_sent,
            };
            prop_assert_eq!(reminders_due(&d, i64::from(now), i64::from(lead)), None);
        }
    }
}
