//! Breach and personal-data-misuse reports: regimes, the contents each requires, the
//! statutory clock, late reports and their reasons, phases, and the report's lifecycle.
//!
//! A report goes from a platform or ISP (the reporter, [`Membership::Owner`]) to an authority
//! (the recipient, [`Membership::Participant`]) under one [`Regime`]:
//!
//! - `gdpr-art33`: GDPR Art. 33. The deadline is 72 hours after the reporter became aware
//!   (Art. 33(1)); the contents are Art. 33(3)(a) to (d): the nature of the breach, the
//!   categories and approximate numbers of data subjects and of records, a contact point,
//!   the likely consequences and the measures taken or proposed. The reporter may not set
//!   another deadline.
//! - `pipeda`: PIPEDA s. 10.1 and the Breach of Security Safeguards Regulations s. 2(1):
//!   the circumstances and cause, the day or period, the personal information involved, the
//!   number affected, the steps taken to reduce the risk of harm, the steps taken or
//!   intended to notify the affected individuals, and a contact. The law says "as soon as
//!   feasible": rrm computes no clock of its own. The reporter may set a target deadline,
//!   which then counts exactly like the GDPR's; without one the report is never late.
//! - `other`: the nature, a contact and the measures taken; the reporter must give the
//!   deadline.
//!
//! A report past its deadline must carry the reasons for the delay (Art. 33(1)). Contents
//! may come in phases (Art. 33(4)): a report may leave an element to a later phase only if
//! it lists it in `deferred`; it is complete when every required element is there.
//!
//! The lifecycle (rule table [`BREACH_RULES`]):
//!
//! ```text
//!   draft --submit--> submitted --acknowledge--> acknowledged --(all contents)--> complete
//!     |                   |                          |
//!     +---- deadline -----+-------- deadline --------+--> escalated  (at most once)
//!   close (recipient): from every state but closed --> closed
//! ```
//!
//! `update` (a new phase of contents, by the reporter) keeps the state, except that an
//! acknowledged (or escalated, submitted) report with every required element is `complete`
//! ([`settle`]); acknowledging a report that already has every element makes it `complete` at
//! once. A report becomes
//! `escalated` when its deadline passes while it is not submitted, or was submitted late
//! without reasons, or is still incomplete ([`escalation_due`]); the deadline sweep applies
//! it once. An escalated report can still be submitted (`submitted`), completed
//! (`complete`), acknowledged or closed.

use serde::{Deserialize, Serialize};

use crate::actor::{Accepted, Actor, Refused};
use crate::rules::{self, writer, Rule, To};
use crate::wire::wire_enum;
use crate::Membership;

/// The GDPR Art. 33(1) clock: 72 hours, in seconds.
pub const GDPR_DEADLINE_SECS: i64 = 72 * 3600;

/// The longest free-text element, in characters.
pub const MAX_TEXT: usize = 10_000;

/// The most categories in one list, each at most [`MAX_CATEGORY`] characters.
pub const MAX_CATEGORIES: usize = 50;

/// The longest category, in characters.
pub const MAX_CATEGORY: usize = 200;

wire_enum! {
    /// The law a report is made under.
    pub enum Regime ("breach regime") {
        /// GDPR Art. 33.
        GdprArt33 => "gdpr-art33",
        /// PIPEDA s. 10.1 and its Breach of Security Safeguards Regulations.
        Pipeda => "pipeda",
        /// Any other regime: the reporter gives the deadline.
        Other => "other",
    }
}

wire_enum! {
    /// One element of a report's contents, named as its field under `contents`.
    pub enum Element ("breach report element") {
        /// The nature of the breach (GDPR 33(3)(a); `other`).
        Nature => "nature",
        /// The categories of data subjects concerned (GDPR 33(3)(a)).
        SubjectCategories => "subject_categories",
        /// The approximate number of data subjects (GDPR 33(3)(a)).
        ApproxSubjects => "approx_subjects",
        /// The categories of personal data records concerned (GDPR 33(3)(a)).
        RecordCategories => "record_categories",
        /// The approximate number of records (GDPR 33(3)(a)).
        ApproxRecords => "approx_records",
        /// A contact point (GDPR 33(3)(b); PIPEDA 2(1)(g); `other`).
        Contact => "contact",
        /// The likely consequences (GDPR 33(3)(c)).
        Consequences => "consequences",
        /// The measures taken or proposed (GDPR 33(3)(d); `other`).
        Measures => "measures",
        /// The circumstances and, if known, the cause (PIPEDA 2(1)(a)).
        Circumstances => "circumstances",
        /// The day or period of the breach (PIPEDA 2(1)(b)).
        Period => "period",
        /// The personal information involved, as far as known (PIPEDA 2(1)(c)).
        PersonalInformation => "personal_information",
        /// The number of individuals affected, or an estimate (PIPEDA 2(1)(d)).
        NumberAffected => "number_affected",
        /// The steps taken to reduce the risk of harm (PIPEDA 2(1)(e)).
        Mitigation => "mitigation",
        /// The steps taken or intended to notify the individuals (PIPEDA 2(1)(f)).
        Notification => "notification",
    }
}

impl Element {
    /// The element's field path in a request (`contents.nature`).
    pub fn field(self) -> String {
        format!("contents.{}", self.as_str())
    }
}

impl Regime {
    /// The elements the regime requires, in the order of the law.
    pub fn required(self) -> &'static [Element] {
        use Element::*;
        match self {
            Regime::GdprArt33 => &[
                Nature,
                SubjectCategories,
                ApproxSubjects,
                RecordCategories,
                ApproxRecords,
                Contact,
                Consequences,
                Measures,
            ],
            Regime::Pipeda => &[
                Circumstances,
                Period,
                PersonalInformation,
                NumberAffected,
                Mitigation,
                Notification,
                Contact,
            ],
            Regime::Other => &[Nature, Contact, Measures],
        }
    }
}

/// A report's contents: every element of every regime, each optional. Personal data is not
/// asked for: counts and categories, never names.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contents {
    /// The nature of the breach.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nature: Option<String>,
    /// Categories of data subjects (e.g. `users`, `minors`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subject_categories: Vec<String>,
    /// Approximate number of data subjects.
    #[serde(
        default,
        deserialize_with = "count",
        skip_serializing_if = "Option::is_none"
    )]
    pub approx_subjects: Option<u64>,
    /// Categories of personal data records (e.g. `email addresses`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub record_categories: Vec<String>,
    /// Approximate number of records.
    #[serde(
        default,
        deserialize_with = "count",
        skip_serializing_if = "Option::is_none"
    )]
    pub approx_records: Option<u64>,
    /// A contact point (an office, not a private person's data).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<String>,
    /// Likely consequences.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consequences: Option<String>,
    /// Measures taken or proposed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measures: Option<String>,
    /// Circumstances and cause.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub circumstances: Option<String>,
    /// The day or period of the breach, as text (e.g. `2026-11-02 to 2026-11-04`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
    /// The personal information involved, described by kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub personal_information: Option<String>,
    /// The number of individuals affected, or an estimate.
    #[serde(
        default,
        deserialize_with = "count",
        skip_serializing_if = "Option::is_none"
    )]
    pub number_affected: Option<u64>,
    /// Steps taken to reduce the risk of harm.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mitigation: Option<String>,
    /// Steps taken or intended to notify the individuals.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notification: Option<String>,
}

/// A count: a whole number of at least 0, written `1500` or, as JSON Schema's `integer`
/// allows, `1500.0` or `1.5e3`; anything else is refused naming the value.
fn count<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    use serde::de::Error as _;
    let n: Option<serde_json::Number> = Option::deserialize(d)?;
    n.map(|n| {
        whole(&n).ok_or_else(|| {
            D::Error::custom(format!("expected a whole number of at least 0, not {n}"))
        })
    })
    .transpose()
}

/// The value of a JSON number that is a whole number from 0 to 2^53 (where every whole number
/// is exact as a float), or any `u64` written without a fraction.
fn whole(n: &serde_json::Number) -> Option<u64> {
    if let Some(v) = n.as_u64() {
        return Some(v);
    }
    let f: f64 = n.to_string().parse().ok()?;
    (f >= 0.0 && f.fract() == 0.0 && f <= 9_007_199_254_740_992.0).then_some(f as u64)
}

fn text_present(s: &Option<String>) -> bool {
    s.as_deref().is_some_and(|s| !s.trim().is_empty())
}

impl Contents {
    /// Whether the element is given (text that is not blank, a non-empty list, a number).
    pub fn has(&self, e: Element) -> bool {
        match e {
            Element::Nature => text_present(&self.nature),
            Element::SubjectCategories => !self.subject_categories.is_empty(),
            Element::ApproxSubjects => self.approx_subjects.is_some(),
            Element::RecordCategories => !self.record_categories.is_empty(),
            Element::ApproxRecords => self.approx_records.is_some(),
            Element::Contact => text_present(&self.contact),
            Element::Consequences => text_present(&self.consequences),
            Element::Measures => text_present(&self.measures),
            Element::Circumstances => text_present(&self.circumstances),
            Element::Period => text_present(&self.period),
            Element::PersonalInformation => text_present(&self.personal_information),
            Element::NumberAffected => self.number_affected.is_some(),
            Element::Mitigation => text_present(&self.mitigation),
            Element::Notification => text_present(&self.notification),
        }
    }

    /// A later phase over this one: every element the phase gives replaces this one's.
    pub fn merged(&self, phase: &Contents) -> Contents {
        fn pick<T: Clone>(new: &Option<T>, old: &Option<T>) -> Option<T> {
            new.clone().or_else(|| old.clone())
        }
        // Blank text in a phase gives nothing: it does not replace an earlier element.
        fn text(new: &Option<String>, old: &Option<String>) -> Option<String> {
            if text_present(new) {
                new.clone()
            } else {
                old.clone()
            }
        }
        fn list(new: &[String], old: &[String]) -> Vec<String> {
            if new.is_empty() {
                old.to_vec()
            } else {
                new.to_vec()
            }
        }
        Contents {
            nature: text(&phase.nature, &self.nature),
            subject_categories: list(&phase.subject_categories, &self.subject_categories),
            approx_subjects: pick(&phase.approx_subjects, &self.approx_subjects),
            record_categories: list(&phase.record_categories, &self.record_categories),
            approx_records: pick(&phase.approx_records, &self.approx_records),
            contact: text(&phase.contact, &self.contact),
            consequences: text(&phase.consequences, &self.consequences),
            measures: text(&phase.measures, &self.measures),
            circumstances: text(&phase.circumstances, &self.circumstances),
            period: text(&phase.period, &self.period),
            personal_information: text(&phase.personal_information, &self.personal_information),
            number_affected: pick(&phase.number_affected, &self.number_affected),
            mitigation: text(&phase.mitigation, &self.mitigation),
            notification: text(&phase.notification, &self.notification),
        }
    }

    fn texts(&self) -> [(&'static str, &Option<String>); 9] {
        [
            ("nature", &self.nature),
            ("contact", &self.contact),
            ("consequences", &self.consequences),
            ("measures", &self.measures),
            ("circumstances", &self.circumstances),
            ("period", &self.period),
            ("personal_information", &self.personal_information),
            ("mitigation", &self.mitigation),
            ("notification", &self.notification),
        ]
    }
}

/// One thing wrong with a report, named by its field path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The field (`contents.nature`, `delay_reasons`, `deadline`).
    pub field: String,
    /// What is wrong, as a sentence.
    pub message: String,
}

impl Problem {
    fn new(field: impl Into<String>, message: impl Into<String>) -> Problem {
        Problem {
            field: field.into(),
            message: message.into(),
        }
    }
}

fn bad_text(s: &str, max: usize) -> Option<String> {
    if s.chars().count() > max {
        Some(format!("must be at most {max} characters"))
    } else if s.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        Some("must not hold control characters".to_string())
    } else {
        None
    }
}

/// The well-formedness of the contents (lengths, control characters, category lists),
/// whatever the regime: every problem, not the first.
pub fn check_form(c: &Contents) -> Vec<Problem> {
    let mut out = Vec::new();
    for (name, v) in c.texts() {
        if let Some(m) = v.as_deref().and_then(|s| bad_text(s, MAX_TEXT)) {
            out.push(Problem::new(format!("contents.{name}"), m));
        }
    }
    for (name, list) in [
        ("subject_categories", &c.subject_categories),
        ("record_categories", &c.record_categories),
    ] {
        if list.len() > MAX_CATEGORIES {
            out.push(Problem::new(
                format!("contents.{name}"),
                format!("at most {MAX_CATEGORIES} categories"),
            ));
        }
        for (i, s) in list.iter().enumerate() {
            let m = if s.trim().is_empty() {
                Some("must not be empty".to_string())
            } else {
                bad_text(s, MAX_CATEGORY)
            };
            if let Some(m) = m {
                out.push(Problem::new(format!("contents.{name}[{i}]"), m));
            }
        }
    }
    out
}

/// The required elements the contents lack, in the order of the law.
pub fn missing(regime: Regime, c: &Contents) -> Vec<Element> {
    regime
        .required()
        .iter()
        .copied()
        .filter(|e| !c.has(*e))
        .collect()
}

/// Checks a report's contents for its regime, allowing the elements listed in `deferred`
/// to follow in a later phase. Every problem is named: each missing element that is not
/// deferred, each deferred element the regime does not ask for, and each ill-formed value.
/// On success, the elements still to come (empty when the report is complete).
pub fn check_contents(
    regime: Regime,
    c: &Contents,
    deferred: &[Element],
) -> Result<Vec<Element>, Vec<Problem>> {
    let mut problems = check_form(c);
    for (i, d) in deferred.iter().enumerate() {
        if !regime.required().contains(d) {
            problems.push(Problem::new(
                format!("deferred[{i}]"),
                format!("{d} is not an element {regime} requires"),
            ));
        }
    }
    let missing = missing(regime, c);
    for e in &missing {
        if !deferred.contains(e) {
            problems.push(Problem::new(
                e.field(),
                format!(
                    "{regime} requires {e}; give it, or list it in deferred to provide it in a \
                     later phase"
                ),
            ));
        }
    }
    if problems.is_empty() {
        Ok(missing)
    } else {
        Err(problems)
    }
}

/// The report's deadline, seconds since the epoch: 72 hours after awareness under the GDPR
/// (no other may be given), the reporter's target under PIPEDA (none if not given), the
/// reporter's deadline under `other` (required). A given deadline must follow awareness.
pub fn deadline(regime: Regime, aware_at: i64, given: Option<i64>) -> Result<Option<i64>, Problem> {
    if let Some(d) = given {
        if d <= aware_at {
            return Err(Problem::new(
                "deadline",
                "must be after the time the reporter became aware",
            ));
        }
    }
    match (regime, given) {
        (Regime::GdprArt33, Some(_)) => Err(Problem::new(
            "deadline",
            "the GDPR Art. 33(1) deadline is 72 hours after awareness; it may not be set",
        )),
        (Regime::GdprArt33, None) => Ok(Some(aware_at.saturating_add(GDPR_DEADLINE_SECS))),
        (Regime::Pipeda, g) => Ok(g),
        (Regime::Other, None) => Err(Problem::new(
            "deadline",
            "a report under regime other must give its deadline",
        )),
        (Regime::Other, Some(d)) => Ok(Some(d)),
    }
}

/// Whether a report made at `at` is late: after its deadline.
pub fn is_late(deadline: Option<i64>, at: i64) -> bool {
    deadline.is_some_and(|d| at > d)
}

/// GDPR Art. 33(1): a report made after its deadline carries the reasons for the delay.
pub fn check_delay(deadline: Option<i64>, at: i64, reasons: Option<&str>) -> Result<(), Problem> {
    let given = reasons.is_some_and(|r| !r.trim().is_empty());
    if let Some(m) = reasons.and_then(|r| bad_text(r, MAX_TEXT)) {
        return Err(Problem::new("delay_reasons", m));
    }
    if is_late(deadline, at) && !given {
        return Err(Problem::new(
            "delay_reasons",
            "the report is past its deadline: it must give the reasons for the delay",
        ));
    }
    Ok(())
}

wire_enum! {
    /// Where a report stands.
    pub enum BreachStatus ("breach status") {
        /// Being written by the reporter; the recipient sees it (it is on the clock).
        Draft => "draft",
        /// Submitted to the recipient, some contents possibly still to come.
        Submitted => "submitted",
        /// The recipient acknowledged it.
        Acknowledged => "acknowledged",
        /// Acknowledged with every required element.
        Complete => "complete",
        /// Closed by the recipient.
        Closed => "closed",
        /// The deadline passed while it was not submitted, late without reasons, or
        /// incomplete.
        Escalated => "escalated",
    }
}

wire_enum! {
    /// What may be done to a report.
    pub enum BreachAction ("breach action") {
        /// A new phase of contents (reporter).
        Update => "update",
        /// Submit it (reporter).
        Submit => "submit",
        /// Acknowledge it (recipient).
        Acknowledge => "acknowledge",
        /// Close it (recipient).
        Close => "close",
        /// Share it as a STIX incident (reporter).
        Share => "share",
    }
}

/// The facts of a report the rules look at.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BreachContext {
    /// Whether it was submitted already.
    pub submitted: bool,
}

fn reporter(a: &Actor, _: &BreachContext) -> Result<(), String> {
    writer(a)?;
    match a.membership {
        Membership::Owner => Ok(()),
        _ => Err("only the reporter organisation may do this".into()),
    }
}

fn reporter_unsubmitted(a: &Actor, c: &BreachContext) -> Result<(), String> {
    reporter(a, c)?;
    if c.submitted {
        Err("the report was submitted already".into())
    } else {
        Ok(())
    }
}

fn recipient(a: &Actor, _: &BreachContext) -> Result<(), String> {
    writer(a)?;
    match a.membership {
        Membership::Participant => Ok(()),
        _ => Err("only the recipient authority may do this".into()),
    }
}

fn recipient_submitted(a: &Actor, c: &BreachContext) -> Result<(), String> {
    recipient(a, c)?;
    if c.submitted {
        Ok(())
    } else {
        Err("the report was not submitted yet".into())
    }
}

use BreachStatus::{Acknowledged, Closed, Complete, Draft, Escalated, Submitted};

/// The lifecycle of a report.
pub static BREACH_RULES: &[Rule<BreachStatus, BreachAction, BreachContext>] = &[
    Rule {
        id: "breach.update",
        from: &[Draft, Submitted, Acknowledged, Escalated],
        action: BreachAction::Update,
        who: "an analyst or admin of the reporter organisation",
        guard: reporter,
        to: To::Same,
    },
    Rule {
        id: "breach.submit",
        from: &[Draft, Escalated],
        action: BreachAction::Submit,
        who: "an analyst or admin of the reporter organisation, once",
        guard: reporter_unsubmitted,
        to: To::State(Submitted),
    },
    Rule {
        id: "breach.acknowledge",
        from: &[Submitted, Escalated],
        action: BreachAction::Acknowledge,
        who: "an analyst or admin of the recipient authority, once submitted",
        guard: recipient_submitted,
        to: To::State(Acknowledged),
    },
    Rule {
        id: "breach.close",
        from: &[Draft, Submitted, Acknowledged, Complete, Escalated],
        action: BreachAction::Close,
        who: "an analyst or admin of the recipient authority",
        guard: recipient,
        to: To::State(Closed),
    },
    Rule {
        id: "breach.share",
        from: &[Submitted, Acknowledged, Complete, Escalated, Closed],
        action: BreachAction::Share,
        who: "an analyst or admin of the reporter organisation, once submitted",
        guard: reporter,
        to: To::Same,
    },
];

/// Whether `actor` may perform `action` on a report in `status`.
pub fn decide(
    status: BreachStatus,
    action: BreachAction,
    actor: &Actor,
    ctx: &BreachContext,
) -> Result<Accepted<BreachStatus>, Refused<BreachStatus, BreachAction>> {
    rules::decide(BREACH_RULES, status, action, actor, ctx)
}

/// The actions the table allows from `status`.
pub fn allowed(status: BreachStatus) -> Vec<BreachAction> {
    rules::allowed(BREACH_RULES, status)
}

/// The state after a change: an acknowledged report, or an escalated one that was submitted,
/// with every required element is `complete`; any other keeps `to` (a submitted report waits
/// for the recipient's acknowledgement).
pub fn settle(to: BreachStatus, submitted: bool, complete: bool) -> BreachStatus {
    match to {
        Acknowledged | Escalated if submitted && complete => Complete,
        s => s,
    }
}

/// Whether a sector may report (platforms and ISPs).
pub fn may_report(sector: store::Sector) -> bool {
    matches!(sector, store::Sector::Platform | store::Sector::Isp)
}

/// Whether a sector may receive reports (government authorities).
pub fn may_receive(sector: store::Sector) -> bool {
    matches!(sector, store::Sector::Government)
}

wire_enum! {
    /// Why a report is escalated at its deadline.
    pub enum Escalation ("escalation reason") {
        /// The deadline passed and it was not submitted.
        NotSubmitted => "not-submitted",
        /// It was submitted after the deadline without reasons for the delay.
        LateWithoutReasons => "late-without-reasons",
        /// The deadline passed and elements are still missing.
        Incomplete => "incomplete",
    }
}

/// What the escalation check needs of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClockFacts {
    /// Its state.
    pub status: BreachStatus,
    /// Its deadline.
    pub deadline: Option<i64>,
    /// When it was submitted.
    pub submitted_at: Option<i64>,
    /// Whether it carries delay reasons.
    pub delay_reasons: bool,
    /// Whether every required element is there.
    pub complete: bool,
    /// Whether it was escalated already (escalation happens at most once).
    pub escalated: bool,
}

/// Whether the report is to be escalated at `now`, and why: its deadline passed (strictly)
/// while it is draft, submitted or acknowledged and not submitted, submitted late without
/// reasons, or incomplete. Never twice, never for a complete or closed one.
pub fn escalation_due(f: &ClockFacts, now: i64) -> Option<Escalation> {
    let deadline = f.deadline?;
    if f.escalated || now <= deadline || !matches!(f.status, Draft | Submitted | Acknowledged) {
        return None;
    }
    match f.submitted_at {
        None => Some(Escalation::NotSubmitted),
        Some(at) if at > deadline && !f.delay_reasons => Some(Escalation::LateWithoutReasons),
        Some(_) if !f.complete => Some(Escalation::Incomplete),
        Some(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use store::{Role, Sector};

    /// Counts are whole numbers however JSON writes them; fractions, negatives and text are
    /// refused naming the field.
    #[test]
    fn counts_are_whole_numbers_however_written() {
        for (text, want) in [
            ("1500", 1500),
            ("1500.0", 1500),
            ("1.5e3", 1500),
            ("29923783.0", 29_923_783),
        ] {
            let c: Contents =
                serde_json::from_str(&format!(r#"{{"approx_records": {text}}}"#)).unwrap();
            assert_eq!(c.approx_records, Some(want), "{text}");
        }
        let c: Contents = serde_json::from_str(r#"{"number_affected": null}"#).unwrap();
        assert_eq!(c.number_affected, None);
        for bad in ["1500.5", "-1", "\"12\"", "1e300"] {
            let body = format!(r#"{{"approx_subjects": {bad}}}"#);
            let mut de = serde_json::Deserializer::from_str(&body);
            let err = serde_path_to_error::deserialize::<_, Contents>(&mut de).unwrap_err();
            assert_eq!(err.path().to_string(), "approx_subjects", "{bad}");
        }
    }

    fn full() -> Contents {
        Contents {
            nature: Some("credential stuffing".into()),
            subject_categories: vec!["users".into()],
            approx_subjects: Some(1200),
            record_categories: vec!["email addresses".into()],
            approx_records: Some(1500),
            contact: Some("dpo@platform.example".into()),
            consequences: Some("phishing".into()),
            measures: Some("password resets".into()),
            circumstances: Some("a leaked key".into()),
            period: Some("2026-11-02".into()),
            personal_information: Some("e-mail addresses".into()),
            number_affected: Some(1200),
            mitigation: Some("rotated keys".into()),
            notification: Some("e-mail to users".into()),
        }
    }

    #[test]
    fn every_missing_element_is_named() {
        for regime in Regime::ALL.iter().copied() {
            let err = check_contents(regime, &Contents::default(), &[]).unwrap_err();
            let fields: Vec<String> = err.iter().map(|p| p.field.clone()).collect();
            let want: Vec<String> = regime.required().iter().map(|e| e.field()).collect();
            assert_eq!(fields, want, "{regime}");
        }
    }

    #[test]
    fn deferred_elements_make_a_phase_and_full_contents_are_complete() {
        let mut c = full();
        c.consequences = None;
        assert_eq!(
            check_contents(Regime::GdprArt33, &c, &[Element::Consequences]),
            Ok(vec![Element::Consequences])
        );
        assert_eq!(check_contents(Regime::GdprArt33, &full(), &[]), Ok(vec![]));
        let err = check_contents(Regime::Other, &full(), &[Element::Period]).unwrap_err();
        assert_eq!(err[0].field, "deferred[0]");
    }

    #[test]
    fn deadlines_per_regime() {
        assert_eq!(
            deadline(Regime::GdprArt33, 100, None),
            Ok(Some(100 + 72 * 3600))
        );
        assert_eq!(
            deadline(Regime::GdprArt33, 100, Some(200))
                .unwrap_err()
                .field,
            "deadline"
        );
        assert_eq!(deadline(Regime::Pipeda, 100, None), Ok(None));
        assert_eq!(
            deadline(Regime::Other, 100, None).unwrap_err().field,
            "deadline"
        );
        assert_eq!(
            deadline(Regime::Other, 100, Some(50)).unwrap_err().field,
            "deadline"
        );
        assert_eq!(deadline(Regime::Other, 100, Some(500)), Ok(Some(500)));
    }

    #[test]
    fn late_reports_need_reasons() {
        assert!(check_delay(Some(10), 10, None).is_ok());
        assert_eq!(
            check_delay(Some(10), 11, None).unwrap_err().field,
            "delay_reasons"
        );
        assert_eq!(
            check_delay(Some(10), 11, Some("  ")).unwrap_err().field,
            "delay_reasons"
        );
        assert!(check_delay(Some(10), 11, Some("forensics took time")).is_ok());
        assert!(check_delay(None, 11, None).is_ok());
    }

    fn actor(membership: Membership, role: Role) -> Actor {
        Actor {
            user_id: 1,
            org_id: 1,
            role,
            sector: Sector::Platform,
            membership,
        }
    }

    #[test]
    fn lifecycle() {
        let rep = actor(Membership::Owner, Role::Analyst);
        let rec = actor(Membership::Participant, Role::Analyst);
        let ctx = BreachContext { submitted: false };
        assert_eq!(
            decide(Draft, BreachAction::Submit, &rep, &ctx).map(|a| a.to),
            Ok(Submitted)
        );
        assert!(decide(Draft, BreachAction::Submit, &rec, &ctx).is_err());
        assert!(decide(Draft, BreachAction::Acknowledge, &rec, &ctx).is_err());
        let sub = BreachContext { submitted: true };
        assert_eq!(
            decide(Submitted, BreachAction::Acknowledge, &rec, &sub).map(|a| a.to),
            Ok(Acknowledged)
        );
        assert!(decide(Escalated, BreachAction::Submit, &rep, &sub).is_err());
        assert!(decide(Closed, BreachAction::Update, &rep, &sub).is_err());
        assert_eq!(settle(Acknowledged, true, true), Complete);
        assert_eq!(settle(Submitted, true, true), Submitted);
        assert_eq!(settle(Draft, false, true), Draft);
    }

    fn facts(status: BreachStatus) -> ClockFacts {
        ClockFacts {
            status,
            deadline: Some(100),
            submitted_at: None,
            delay_reasons: false,
            complete: false,
            escalated: false,
        }
    }

    #[test]
    fn escalation_at_the_deadline() {
        assert_eq!(escalation_due(&facts(Draft), 100), None);
        assert_eq!(
            escalation_due(&facts(Draft), 101),
            Some(Escalation::NotSubmitted)
        );
        let mut f = facts(Submitted);
        f.submitted_at = Some(50);
        assert_eq!(escalation_due(&f, 101), Some(Escalation::Incomplete));
        f.complete = true;
        assert_eq!(escalation_due(&f, 101), None);
        f.submitted_at = Some(150);
        assert_eq!(
            escalation_due(&f, 151),
            Some(Escalation::LateWithoutReasons)
        );
        f.escalated = true;
        assert_eq!(escalation_due(&f, 151), None);
    }

    fn element() -> impl Strategy<Value = Element> {
        proptest::sample::select(Element::ALL.to_vec())
    }

    fn contents() -> impl Strategy<Value = Contents> {
        proptest::collection::vec(element(), 0..14).prop_map(|drop| {
            let mut c = full();
            for e in drop {
                match e {
                    Element::Nature => c.nature = None,
                    Element::SubjectCategories => c.subject_categories.clear(),
                    Element::ApproxSubjects => c.approx_subjects = None,
                    Element::RecordCategories => c.record_categories.clear(),
                    Element::ApproxRecords => c.approx_records = None,
                    Element::Contact => c.contact = Some("  ".into()),
                    Element::Consequences => c.consequences = None,
                    Element::Measures => c.measures = None,
                    Element::Circumstances => c.circumstances = None,
                    Element::Period => c.period = None,
                    Element::PersonalInformation => c.personal_information = None,
                    Element::NumberAffected => c.number_affected = None,
                    Element::Mitigation => c.mitigation = None,
                    Element::Notification => c.notification = None,
                }
            }
            c
        })
    }

    proptest! {
        #[test]
        fn check_names_exactly_the_missing_undeferred_elements(
            c in contents(),
            deferred in proptest::collection::vec(element(), 0..6),
            regime in proptest::sample::select(Regime::ALL.to_vec()),
        ) {
            let deferred: Vec<Element> = deferred
                .into_iter()
                .filter(|e| regime.required().contains(e))
                .collect();
            let missing = missing(regime, &c);
            match check_contents(regime, &c, &deferred) {
                Ok(rest) => {
                    prop_assert_eq!(&rest, &missing);
                    prop_assert!(rest.iter().all(|e| deferred.contains(e)));
                }
                Err(problems) => {
                    let want: Vec<String> = missing
                        .iter()
                        .filter(|e| !deferred.contains(e))
                        .map(|e| e.field())
                        .collect();
                    let got: Vec<String> = problems.iter().map(|p| p.field.clone()).collect();
                    prop_assert_eq!(got, want);
                }
            }
        }

        #[test]
        fn a_phase_never_loses_an_element(a in contents(), b in contents()) {
            let m = a.merged(&b);
            for e in Element::ALL.iter().copied() {
                prop_assert_eq!(m.has(e), a.has(e) || b.has(e));
            }
        }

        #[test]
        fn only_the_right_side_moves_a_report(
            status in proptest::sample::select(BreachStatus::ALL.to_vec()),
            action in proptest::sample::select(BreachAction::ALL.to_vec()),
            membership in proptest::sample::select(vec![Membership::Owner, Membership::Participant, Membership::Outsider]),
            role in proptest::sample::select(vec![Role::Reader, Role::Analyst, Role::Admin]),
            submitted in any::<bool>(),
        ) {
            let a = actor(membership, role);
            if let Ok(acc) = decide(status, action, &a, &BreachContext { submitted }) {
                prop_assert!(role != Role::Reader);
                prop_assert!(membership != Membership::Outsider);
                match action {
                    BreachAction::Acknowledge | BreachAction::Close => prop_assert_eq!(membership, Membership::Participant),
                    _ => prop_assert_eq!(membership, Membership::Owner),
                }
                prop_assert!(status != Closed || action == BreachAction::Share);
                if action == BreachAction::Submit { prop_assert!(!submitted); prop_assert_eq!(acc.to, Submitted); }
            }
        }

        #[test]
        fn escalation_only_after_the_deadline_and_once(
            status in proptest::sample::select(BreachStatus::ALL.to_vec()),
            deadline in 0i64..1000, now in 0i64..2000,
            submitted_at in proptest::option::of(0i64..2000),
            reasons in any::<bool>(), complete in any::<bool>(), escalated in any::<bool>(),
        ) {
            let f = ClockFacts { status, deadline: Some(deadline), submitted_at, delay_reasons: reasons, complete, escalated };
            if escalation_due(&f, now).is_some() {
                prop_assert!(now > deadline);
                prop_assert!(!escalated);
                prop_assert!(matches!(status, Draft | Submitted | Acknowledged));
            }
        }
    }
}
