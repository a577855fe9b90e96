//! Notice response times per platform and period: the median and 90th percentile of the time
//! to acknowledge and to decide, and the share of items actioned (`response::notice_stats`),
//! as a typed report, CSV (RFC 4180) and a STIX 2.1 `note`, optionally published.
//!
//! Only notices the caller may see count: an organisation's users see the notices it sent
//! (a row per platform it sent to) and those it received (a row for itself); the operator sees
//! every notice except the TLP:RED and AMBER+STRICT ones between other organisations. A
//! period is half-open, `[from, to)`, on the send time; each sent version is one notice.

use std::collections::BTreeMap;

use hub::{Actor as HubActor, HubError, Principal};
use response::notice_stats::{self, Stats, Timing};
use serde::Serialize;
use store::{NoticeTiming, TimingScope};

use crate::{fmt_secs, wire_time, NoticeError, Notices};

/// The default length of a period that names no `from`: 365 days before `to`.
pub const DEFAULT_PERIOD_SECS: i64 = 365 * 86_400;

/// What to compute: the period's bounds as RFC 3339 times or `YYYY-MM-DD` dates (UTC).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatsQuery {
    /// The start, included (default: 365 days before `to`).
    pub from: Option<String>,
    /// The end, excluded (default: one second after now).
    pub to: Option<String>,
}

/// A half-open period of send times, seconds since the epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Period {
    /// The start, included (RFC 3339).
    #[serde(serialize_with = "wire_time::rfc3339")]
    pub from: i64,
    /// The end, excluded (RFC 3339).
    #[serde(serialize_with = "wire_time::rfc3339")]
    pub to: i64,
}

impl std::fmt::Display for Period {
    /// The ISO 8601 interval `from/to`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", fmt_secs(self.from), fmt_secs(self.to))
    }
}

/// The organisation a row is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlatformRef {
    /// Its slug.
    pub slug: String,
    /// Its display name.
    pub name: String,
    /// Its STIX identity's id.
    pub identity: String,
}

/// One platform's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatsRow {
    /// The platform (the notices' recipient).
    pub platform: PlatformRef,
    /// The figures.
    #[serde(flatten)]
    pub stats: Stats,
}

/// The figures of a period, a row per platform by slug.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatsReport {
    /// The period.
    pub period: Period,
    /// The rows.
    pub platforms: Vec<StatsRow>,
}

/// The CSV header, one column per figure.
pub const CSV_HEADER: [&str; 15] = [
    "platform",
    "name",
    "from",
    "to",
    "notices",
    "acknowledged",
    "decided",
    "acknowledge_median_s",
    "acknowledge_p90_s",
    "decide_median_s",
    "decide_p90_s",
    "items",
    "items_actioned",
    "share_actioned",
    "identity",
];

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

impl StatsReport {
    /// The report as CSV (RFC 4180, CRLF line ends): the header, then a row per platform; a
    /// figure without a value (no acknowledged notice) is an empty field.
    pub fn to_csv(&self) -> String {
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(Vec::new());
        // Writing to memory cannot fail but for a bug; an error leaves a shorter document.
        let _ = w.write_record(CSV_HEADER);
        for r in &self.platforms {
            let s = &r.stats;
            let _ = w.write_record([
                r.platform.slug.clone(),
                r.platform.name.clone(),
                fmt_secs(self.period.from),
                fmt_secs(self.period.to),
                s.notices.to_string(),
                s.acknowledged.to_string(),
                s.decided.to_string(),
                opt(s.acknowledge_median_s),
                opt(s.acknowledge_p90_s),
                opt(s.decide_median_s),
                opt(s.decide_p90_s),
                s.items.to_string(),
                s.items_actioned.to_string(),
                opt(s.share_actioned),
                r.platform.identity.clone(),
            ]);
        }
        let bytes = w.into_inner().unwrap_or_default();
        String::from_utf8(bytes).unwrap_or_default()
    }

    /// The report as a readable fixed-width table (a `note`'s content, the CLI's output).
    pub fn to_table(&self) -> String {
        let secs = |v: Option<i64>| v.map_or("-".to_string(), |s| format!("{s} s"));
        let mut out = format!(
            "{:<24} {:>7} {:>6} {:>12} {:>12} {:>7} {:>12} {:>12} {:>7} {:>8} {:>7}\n",
            "platform",
            "notices",
            "acked",
            "ack median",
            "ack p90",
            "decided",
            "dec median",
            "dec p90",
            "items",
            "actioned",
            "share"
        );
        for r in &self.platforms {
            let s = &r.stats;
            out.push_str(&format!(
                "{:<24} {:>7} {:>6} {:>12} {:>12} {:>7} {:>12} {:>12} {:>7} {:>8} {:>7}\n",
                r.platform.slug,
                s.notices,
                s.acknowledged,
                secs(s.acknowledge_median_s),
                secs(s.acknowledge_p90_s),
                s.decided,
                secs(s.decide_median_s),
                secs(s.decide_p90_s),
                s.items,
                s.items_actioned,
                s.share_actioned
                    .map_or("-".to_string(), |x| format!("{:.1}%", x * 100.0)),
            ));
        }
        if self.platforms.is_empty() {
            out.push_str("(no notices sent in the period)\n");
        }
        out
    }
}

/// The statistics as a STIX 2.1 `note`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatsNote {
    /// Always `note`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// Always `2.1`.
    pub spec_version: &'static str,
    /// `note--<uuid>`.
    pub id: String,
    /// Creation (STIX timestamp).
    pub created: String,
    /// Same as `created`.
    pub modified: String,
    /// The caller's organisation's identity.
    pub created_by_ref: String,
    /// `Notice response times, <period>`.
    #[serde(rename = "abstract")]
    pub summary: String,
    /// The table of figures.
    pub content: String,
    /// The platforms' identities (the caller's own when there is no row).
    pub object_refs: Vec<String>,
    /// The TLP marking.
    pub object_marking_refs: Vec<String>,
}

/// A parsed bound: an RFC 3339 time or a `YYYY-MM-DD` date (midnight UTC), whole seconds.
fn bound(field: &str, value: &str) -> Result<i64, NoticeError> {
    let v = value.trim();
    let text = if v.len() == 10 {
        format!("{v}T00:00:00Z")
    } else {
        v.to_string()
    };
    stix::parse_timestamp(&text)
        .map(|micros| micros.div_euclid(1_000_000))
        .map_err(|e| {
            NoticeError::invalid(
                field,
                format!("not an RFC 3339 time or a YYYY-MM-DD date ({e})"),
            )
        })
}

/// The period of `q` at time `now`: `Invalid` naming `from` or `to` for a bound that does not
/// parse, `to` when it is not after `from`.
pub fn period(q: &StatsQuery, now: i64) -> Result<Period, NoticeError> {
    let to = match &q.to {
        Some(t) => bound("to", t)?,
        None => now.saturating_add(1),
    };
    let from = match &q.from {
        Some(f) => bound("from", f)?,
        None => to.saturating_sub(DEFAULT_PERIOD_SECS),
    };
    if to <= from {
        return Err(NoticeError::invalid("to", "must be after from"));
    }
    Ok(Period { from, to })
}

/// Whether the operator, not a party, may count a notice at this TLP.
fn operator_may_count(tlp: &str) -> bool {
    !matches!(
        tlp.parse::<stix::Tlp>(),
        Ok(stix::Tlp::Red | stix::Tlp::AmberStrict) | Err(_)
    )
}

impl Notices {
    /// The timings `p` may see in `period`, by recipient organisation.
    fn visible_timings(
        &self,
        p: &Principal,
        period: Period,
    ) -> Result<BTreeMap<i64, Vec<Timing>>, NoticeError> {
        let operator = HubActor::User(p).is_operator();
        let scope = if operator {
            TimingScope::All
        } else {
            TimingScope::Party(p.org.id)
        };
        let mut by_recipient: BTreeMap<i64, Vec<Timing>> = BTreeMap::new();
        for t in self.store.notice_timings(scope, period.from, period.to)? {
            let party = t.sender_org_id == p.org.id || t.recipient_org_id == p.org.id;
            if !(party || (operator && operator_may_count(&t.tlp))) {
                continue;
            }
            let NoticeTiming {
                recipient_org_id,
                sent_at,
                acknowledged_at,
                decided_at,
                items,
                items_actioned,
                ..
            } = t;
            by_recipient
                .entry(recipient_org_id)
                .or_default()
                .push(Timing {
                    sent: sent_at,
                    acknowledged: acknowledged_at,
                    decided: decided_at,
                    items,
                    items_actioned,
                });
        }
        Ok(by_recipient)
    }

    /// The response-time figures of the notices `p` may see, sent in the query's period, a row
    /// per platform (by slug). Any user may ask; `Invalid` names `from` or `to`.
    pub fn stats(&self, p: &Principal, q: &StatsQuery) -> Result<StatsReport, NoticeError> {
        let period = period(q, self.now())?;
        let mut platforms = Vec::new();
        for (org_id, timings) in self.visible_timings(p, period)? {
            let org = self
                .hub
                .org_by_id(org_id)?
                .ok_or_else(|| HubError::broken(format!("organisation #{org_id} is gone")))?;
            platforms.push(StatsRow {
                platform: PlatformRef {
                    slug: org.slug,
                    name: org.name,
                    identity: org.identity_id,
                },
                stats: notice_stats::stats(&timings),
            });
        }
        platforms.sort_by(|a, b| a.platform.slug.cmp(&b.platform.slug));
        Ok(StatsReport { period, platforms })
    }

    /// The report as a STIX `note` by `p`'s organisation, marked `tlp`.
    pub fn stats_note(&self, p: &Principal, report: &StatsReport, tlp: stix::Tlp) -> StatsNote {
        let created = stix::format_timestamp(hub::now_micros());
        let mut refs: Vec<String> = report
            .platforms
            .iter()
            .map(|r| r.platform.identity.clone())
            .collect();
        if refs.is_empty() {
            refs.push(p.org.identity_id.clone());
        }
        StatsNote {
            kind: "note",
            spec_version: "2.1",
            id: format!("note--{}", uuid::Uuid::new_v4()),
            modified: created.clone(),
            created,
            created_by_ref: p.org.identity_id.clone(),
            summary: format!("Notice response times, {}", report.period),
            content: report.to_table(),
            object_refs: refs,
            object_marking_refs: vec![tlp.marking_id().to_string()],
        }
    }

    /// Computes the figures, makes their `note` and stores it in `collection` (one `p`'s
    /// organisation may write; `Invalid` naming `publish` otherwise), owned by `p`'s
    /// organisation.
    pub fn publish_stats(
        &self,
        p: &Principal,
        q: &StatsQuery,
        tlp: stix::Tlp,
        collection: &str,
    ) -> Result<StatsNote, NoticeError> {
        let report = self.stats(p, q)?;
        let no_collection = || {
            NoticeError::invalid(
                "publish",
                format!("no collection '{collection}' that you may write"),
            )
        };
        let (col, access) = match self.hub.collection_for(p, collection) {
            Ok(x) => x,
            Err(HubError::NotFound(_)) => return Err(no_collection()),
            Err(e) => return Err(e.into()),
        };
        if !access.write {
            return Err(no_collection());
        }
        let note = self.stats_note(p, &report, tlp);
        let value = serde_json::to_value(&note)
            .map_err(|e| HubError::broken(format!("statistics note: {e}")))?;
        for outcome in self.hub.publish_generated(
            p,
            &col.id,
            "a notice statistics note",
            &[(p.org.id, value)],
        )? {
            outcome.map_err(|e| {
                NoticeError::Conflict(format!("the statistics note was refused: {e}"))
            })?;
        }
        Ok(note)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_name_the_bad_bound() {
        let q = |f: Option<&str>, t: Option<&str>| StatsQuery {
            from: f.map(str::to_string),
            to: t.map(str::to_string),
        };
        let field = |r: Result<Period, NoticeError>| match r {
            Err(NoticeError::Invalid(m)) => m[0].field.clone(),
            other => panic!("{other:?}"),
        };
        assert_eq!(field(period(&q(Some("yesterday"), None), 100)), "from");
        assert_eq!(field(period(&q(None, Some("2026-13-01")), 100)), "to");
        assert_eq!(
            field(period(&q(Some("2026-02-01"), Some("2026-01-01")), 100)),
            "to"
        );
        let p = period(&q(Some("2026-01-01"), Some("2026-01-02T00:00:00Z")), 0).unwrap();
        assert_eq!(p.to - p.from, 86_400);
        let d = period(&q(None, None), 1_000_000_000).unwrap();
        assert_eq!(
            (d.from, d.to),
            (1_000_000_001 - DEFAULT_PERIOD_SECS, 1_000_000_001)
        );
        assert_eq!(
            p.to_string(),
            "2026-01-01T00:00:00.000Z/2026-01-02T00:00:00.000Z"
        );
        // Extreme clocks neither panic nor give an empty period.
        for now in [i64::MAX, i64::MIN, 0] {
            let d = period(&q(None, None), now).unwrap();
            assert!(d.from < d.to);
            assert!(!d.to_string().is_empty());
        }
    }

    #[test]
    fn the_operator_never_counts_red_or_amber_strict_of_others() {
        assert!(operator_may_count("AMBER"));
        assert!(operator_may_count("CLEAR"));
        assert!(!operator_may_count("RED"));
        assert!(!operator_may_count("AMBER+STRICT"));
        assert!(!operator_may_count("nonsense"));
    }
}
