//! Validation of submissions: codes, references, date order, amounts and creative limits.
//!
//! Every problem found is reported with the path of the field; nothing is checked against the
//! rules until the submission is valid.

use crate::codes::{currency_exponent, is_country, is_language};
use crate::error::FieldError;
use crate::model::{Election, Money, Platform, Range, Sponsor, Submission};
use std::fmt;

/// Limits on creatives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest creative accepted, in bytes.
    pub max_creative_bytes: u64,
    /// Media types accepted for creatives.
    pub media_types: Vec<String>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_creative_bytes: 50 * 1024 * 1024,
            media_types: [
                "image/png",
                "image/jpeg",
                "image/gif",
                "image/webp",
                "video/mp4",
                "video/webm",
                "audio/mpeg",
                "text/plain",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        }
    }
}

/// A list element path such as `sponsors[2]`, formatted only when an error is reported.
#[derive(Clone, Copy)]
struct Idx(&'static str, usize);

impl fmt::Display for Idx {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}[{}]", self.0, self.1)
    }
}

/// Collects field errors.
struct Out(Vec<FieldError>);

impl Out {
    fn push(&mut self, field: impl fmt::Display, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.to_string(),
            message: message.into(),
        });
    }

    fn country(&mut self, field: impl fmt::Display, code: &str) {
        if !is_country(code) {
            self.push(
                field,
                format!("unknown country code {code:?} (expected ISO 3166-1 alpha-2, e.g. \"CA\")"),
            );
        }
    }

    fn money(&mut self, field: impl fmt::Display, m: &Money) {
        if m.minor < 0 {
            self.push(
                format!("{field}.minor"),
                format!("amount {} is below zero", m.minor),
            );
        }
        if currency_exponent(&m.currency).is_none() {
            self.push(
                format!("{field}.currency"),
                format!(
                    "unknown currency code {:?} (expected ISO 4217, e.g. \"CAD\")",
                    m.currency
                ),
            );
        }
    }

    fn range(&mut self, field: impl fmt::Display, r: &Range, value: Option<i64>) {
        if r.lower < 0 {
            self.push(
                format!("{field}.lower"),
                format!("{} is below zero", r.lower),
            );
        }
        if r.upper < r.lower {
            self.push(
                &field,
                format!("upper {} is below lower {}", r.upper, r.lower),
            );
        }
        if let Some(v) = value {
            if v < r.lower || v > r.upper {
                self.push(
                    &field,
                    format!(
                        "published range {}..{} does not contain the exact value {v}",
                        r.lower, r.upper
                    ),
                );
            }
        }
    }
}

/// Whether `s` is 64 lower-case hex digits.
fn is_sha256(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'))
}

/// Checks a submission, returning every problem found (empty when valid).
pub fn validate(sub: &Submission, limits: &Limits) -> Vec<FieldError> {
    let mut out = Out(Vec::new());
    validate_sponsors(sub, &mut out);
    validate_elections(sub, &mut out);
    validate_platform(sub, &mut out);
    validate_ad(sub, limits, &mut out);
    out.0
}

fn validate_sponsors(sub: &Submission, out: &mut Out) {
    for (i, s) in sub.sponsors.iter().enumerate() {
        let p = Idx("sponsors", i);
        if sub.sponsors[..i].iter().any(|o| o.id == s.id) {
            out.push(
                format!("{p}.id"),
                format!("duplicate sponsor id {:?}", s.id),
            );
        }
        sponsor_fields(s, Some(&p), out);
        if let Some(c) = &s.controlled_by {
            if c == &s.id {
                // Reported by `sponsor_fields`.
            } else if !sub.sponsors.iter().any(|o| &o.id == c) {
                out.push(
                    format!("{p}.controlled_by"),
                    format!("unknown sponsor id {c:?}"),
                );
            } else if control_cycle(sub, &s.id) {
                out.push(
                    format!("{p}.controlled_by"),
                    format!("control chain from {:?} loops back on itself", s.id),
                );
            }
        }
    }
}

/// Checks one sponsor on its own, for a sponsor registry: every field except whether the
/// entity named by `controlled_by` exists, which only the registry knows. Fields are named
/// without a prefix (`legal_name`, `funding[0].amount.currency`).
pub fn validate_sponsor(s: &Sponsor) -> Vec<FieldError> {
    let mut out = Out(Vec::new());
    sponsor_fields(s, None, &mut out);
    out.0
}

/// Checks one platform on its own, for a platform registry; fields are named without a
/// prefix (`monthly_reach_ca[0].language`).
pub fn validate_platform_record(p: &Platform) -> Vec<FieldError> {
    let mut out = Out(Vec::new());
    platform_fields(p, None, &mut out);
    out.0
}

/// A field name under an optional prefix, formatted only when an error is reported.
struct At<'a>(Option<&'a dyn fmt::Display>, fmt::Arguments<'a>);

impl fmt::Display for At<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(p) = self.0 {
            write!(f, "{p}.")?;
        }
        self.1.fmt(f)
    }
}

fn at<'a>(p: Option<&'a dyn fmt::Display>, name: fmt::Arguments<'a>) -> At<'a> {
    At(p, name)
}

/// The checks of one sponsor that need nothing else; `p` prefixes the field names.
fn sponsor_fields(s: &Sponsor, p: Option<&dyn fmt::Display>, out: &mut Out) {
    if s.id.trim().is_empty() {
        out.push(at(p, format_args!("id")), "must not be empty");
    }
    if s.legal_name.trim().is_empty() {
        out.push(at(p, format_args!("legal_name")), "must not be empty");
    }
    for (j, c) in s.citizenship.iter().enumerate() {
        out.country(at(p, format_args!("citizenship[{j}]")), c);
    }
    for (j, c) in s.permanent_resident_of.iter().enumerate() {
        out.country(at(p, format_args!("permanent_resident_of[{j}]")), c);
    }
    if let Some(c) = &s.residence {
        out.country(at(p, format_args!("residence")), c);
    }
    match &s.established_in {
        Some(c) => out.country(at(p, format_args!("established_in")), c),
        None if s.kind != crate::model::SponsorKind::Individual => out.push(
            at(p, format_args!("established_in")),
            format!("required for a sponsor of kind {:?}", s.kind),
        ),
        None => {}
    }
    for (j, c) in s.operates_in.iter().enumerate() {
        out.country(at(p, format_args!("operates_in[{j}]")), c);
    }
    if s.controlled_by.as_deref() == Some(s.id.as_str()) {
        out.push(
            at(p, format_args!("controlled_by")),
            "a sponsor cannot control itself",
        );
    }
    for (j, f) in s.funding.iter().enumerate() {
        out.money(at(p, format_args!("funding[{j}].amount")), &f.amount);
        out.country(at(p, format_args!("funding[{j}].origin")), &f.origin);
    }
}

/// Whether following `controlled_by` from `start` comes back to a sponsor already seen.
fn control_cycle(sub: &Submission, start: &str) -> bool {
    let mut cur = start;
    for _ in 0..=sub.sponsors.len() {
        let Some(s) = sub.sponsors.iter().find(|s| s.id == cur) else {
            return false;
        };
        match &s.controlled_by {
            Some(next) => cur = next,
            None => return false,
        }
    }
    true
}

fn validate_elections(sub: &Submission, out: &mut Out) {
    for (i, e) in sub.elections.iter().enumerate() {
        let p = Idx("elections", i);
        if sub.elections[..i].iter().any(|o| o.id == e.id) {
            out.push(
                format!("{p}.id"),
                format!("duplicate election id {:?}", e.id),
            );
        }
        election_fields(e, Some(&p), out);
    }
}

/// Checks one election on its own, for an election registry: the same checks a submission's
/// elections get, so a registered election never makes a submission invalid. Fields are named
/// without a prefix (`writ_issued`, `districts[3].poll_close`).
pub fn validate_election(e: &Election) -> Vec<FieldError> {
    let mut out = Out(Vec::new());
    election_fields(e, None, &mut out);
    out.0
}

/// The smallest UTC offset in use anywhere, in minutes (UTC-12:00).
const MIN_OFFSET_MINUTES: i32 = -12 * 60;
/// The largest UTC offset in use anywhere, in minutes (UTC+14:00).
const MAX_OFFSET_MINUTES: i32 = 14 * 60;

/// The checks of one election; `p` prefixes the field names.
fn election_fields(e: &Election, p: Option<&dyn fmt::Display>, out: &mut Out) {
    if e.id.trim().is_empty() {
        out.push(at(p, format_args!("id")), "must not be empty");
    }
    if e.jurisdiction != "EU" && !is_country(&e.jurisdiction) {
        out.push(
            at(p, format_args!("jurisdiction")),
            format!(
                "unknown jurisdiction {:?} (expected ISO 3166-1 alpha-2 or \"EU\")",
                e.jurisdiction
            ),
        );
    }
    if let Some(w) = e.writ_issued {
        if w > e.polling_day {
            out.push(
                at(p, format_args!("writ_issued")),
                format!("writ issued {w} after polling day {}", e.polling_day),
            );
        }
    }
    if let Some(w) = e.writ_withdrawn {
        match e.writ_issued {
            None => out.push(
                at(p, format_args!("writ_withdrawn")),
                "a writ cannot be withdrawn before it is issued (writ_issued is missing)",
            ),
            Some(iss) if w < iss => out.push(
                at(p, format_args!("writ_withdrawn")),
                format!("writ withdrawn {w} before it was issued {iss}"),
            ),
            _ => {}
        }
        if w > e.polling_day {
            out.push(
                at(p, format_args!("writ_withdrawn")),
                format!("writ withdrawn {w} after polling day {}", e.polling_day),
            );
        }
    }
    if let Some(age) = e.voting_age {
        if !(14..=25).contains(&age) {
            out.push(
                at(p, format_args!("voting_age")),
                format!("{age} is not a plausible voting age (14 to 25)"),
            );
        }
    }
    for (j, d) in e.districts.iter().enumerate() {
        if d.id.trim().is_empty() {
            out.push(
                at(p, format_args!("districts[{j}].id")),
                "must not be empty",
            );
        }
        if e.districts[..j].iter().any(|o| o.id == d.id) {
            out.push(
                at(p, format_args!("districts[{j}].id")),
                format!("duplicate district id {:?}", d.id),
            );
        }
        let offset = d.poll_close.offset_minutes();
        if !(MIN_OFFSET_MINUTES..=MAX_OFFSET_MINUTES).contains(&offset) {
            out.push(
                at(p, format_args!("districts[{j}].poll_close")),
                format!(
                    "the UTC offset of {} ({} minutes) is not one in use (-12:00 to +14:00)",
                    d.poll_close, offset
                ),
            );
            continue;
        }
        let day = d.poll_close.local_date();
        if day != e.polling_day {
            out.push(
                at(p, format_args!("districts[{j}].poll_close")),
                format!(
                    "polls close on {day} (in the given offset), not on polling day {}",
                    e.polling_day
                ),
            );
        }
    }
}

fn validate_platform(sub: &Submission, out: &mut Out) {
    platform_fields(&sub.platform, Some(&"platform"), out);
}

/// The checks of a platform; `p` prefixes the field names.
fn platform_fields(pl: &Platform, p: Option<&dyn fmt::Display>, out: &mut Out) {
    if pl.id.trim().is_empty() {
        out.push(at(p, format_args!("id")), "must not be empty");
    }
    if let Some(l) = &pl.main_language {
        if !is_language(l) {
            out.push(
                at(p, format_args!("main_language")),
                format!("{l:?} is not an ISO 639 language code"),
            );
        }
    }
    for (i, r) in pl.monthly_reach_ca.iter().enumerate() {
        if !is_language(&r.language) {
            out.push(
                at(p, format_args!("monthly_reach_ca[{i}].language")),
                format!("{:?} is not an ISO 639 language code", r.language),
            );
        }
        if pl.monthly_reach_ca[..i]
            .iter()
            .any(|o| o.language == r.language)
        {
            out.push(
                at(p, format_args!("monthly_reach_ca[{i}].language")),
                format!("language {:?} listed twice", r.language),
            );
        }
    }
}

fn validate_ad(sub: &Submission, limits: &Limits, out: &mut Out) {
    let ad = &sub.ad;
    if ad.id.trim().is_empty() {
        out.push("ad.id", "must not be empty");
    }
    if let Some(p) = &ad.platform {
        if p != &sub.platform.id {
            out.push(
                "ad.platform",
                format!(
                    "{p:?} is not the submission's platform {:?}",
                    sub.platform.id
                ),
            );
        }
    }
    if !sub.sponsors.iter().any(|s| s.id == ad.sponsor) {
        out.push("ad.sponsor", format!("unknown sponsor id {:?}", ad.sponsor));
    }
    if let Some(p) = &ad.payer {
        if !sub.sponsors.iter().any(|s| &s.id == p) {
            out.push("ad.payer", format!("unknown sponsor id {p:?}"));
        }
    }
    for (i, e) in ad.linked_elections.iter().enumerate() {
        if !sub.elections.iter().any(|x| &x.id == e) {
            out.push(
                format!("ad.linked_elections[{i}]"),
                format!("election {e:?} does not exist"),
            );
        }
    }
    for (i, d) in ad.districts.iter().enumerate() {
        let known = sub
            .elections
            .iter()
            .filter(|e| ad.linked_elections.contains(&e.id))
            .any(|e| e.districts.iter().any(|x| &x.id == d));
        if !known {
            out.push(
                format!("ad.districts[{i}]"),
                format!("district {d:?} is not a district of any linked election"),
            );
        }
    }
    for (i, l) in ad.languages.iter().enumerate() {
        if !is_language(l) {
            out.push(
                format!("ad.languages[{i}]"),
                format!("{l:?} is not an ISO 639 language code"),
            );
        }
    }
    for (i, v) in ad.versions.iter().enumerate() {
        if let Some(prev) = i.checked_sub(1).and_then(|j| ad.versions.get(j)) {
            if v.version <= prev.version {
                out.push(
                    format!("ad.versions[{i}].version"),
                    format!(
                        "version {} does not follow version {}",
                        v.version, prev.version
                    ),
                );
            }
            if v.first_shown < prev.first_shown {
                out.push(
                    format!("ad.versions[{i}].first_shown"),
                    format!(
                        "{} is before the previous version's {}",
                        v.first_shown, prev.first_shown
                    ),
                );
            }
        }
        if let Some(h) = &v.creative_sha256 {
            if !is_sha256(h) {
                out.push(
                    format!("ad.versions[{i}].creative_sha256"),
                    "expected 64 lower-case hex digits",
                );
            }
        }
    }
    if let Some(c) = &ad.creative {
        if !is_sha256(&c.sha256) {
            out.push("ad.creative.sha256", "expected 64 lower-case hex digits");
        }
        if !limits.media_types.iter().any(|m| m == &c.media_type) {
            out.push(
                "ad.creative.media_type",
                format!(
                    "unsupported media type {:?} (supported: {})",
                    c.media_type,
                    limits.media_types.join(", ")
                ),
            );
        }
        if c.size_bytes == 0 {
            out.push("ad.creative.size_bytes", "the creative is empty");
        }
        if c.size_bytes > limits.max_creative_bytes {
            out.push(
                "ad.creative.size_bytes",
                format!(
                    "{} bytes is over the limit of {} bytes",
                    c.size_bytes, limits.max_creative_bytes
                ),
            );
        }
    }
    for (name, d) in [
        (
            "ad.intended_dissemination",
            Some(&ad.intended_dissemination),
        ),
        ("ad.actual_dissemination", ad.actual_dissemination.as_ref()),
    ] {
        if let Some(d) = d {
            if let Some(end) = &d.end {
                if end < &d.start {
                    out.push(
                        format!("{name}.end"),
                        format!("end {end} is before start {}", d.start),
                    );
                }
            }
        }
    }
    if let Some(m) = &ad.spend {
        out.money("ad.spend", m);
    }
    if let Some(r) = &ad.spend_range {
        if ad.spend.is_none() {
            out.push("ad.spend_range", "a spend range needs the exact ad.spend");
        }
        out.range("ad.spend_range", r, ad.spend.as_ref().map(|m| m.minor));
    }
    if let Some(r) = &ad.impressions_range {
        let exact = ad.impressions.map(|n| i64::try_from(n).unwrap_or(i64::MAX));
        out.range("ad.impressions_range", r, exact);
    }
    for (i, t) in ad.targeting.iter().enumerate() {
        if t.kind.trim().is_empty() {
            out.push(format!("ad.targeting[{i}].kind"), "must not be empty");
        }
        if let (Some(lo), Some(hi)) = (t.age_min, t.age_max) {
            if hi < lo {
                out.push(
                    format!("ad.targeting[{i}].age_max"),
                    format!("age_max {hi} is below age_min {lo}"),
                );
            }
        }
    }
    for (i, d) in ad.distribution.iter().enumerate() {
        if !(d.share.is_finite() && (0.0..=1.0).contains(&d.share)) {
            out.push(
                format!("ad.distribution[{i}].share"),
                format!("{} is not a fraction between 0 and 1", d.share),
            );
        }
    }
    if let Some(n) = &ad.notice {
        if let Some(m) = &n.amount {
            out.money("ad.notice.amount", m);
        }
        if let Some(p) = &n.period {
            if p.end < p.start {
                out.push(
                    "ad.notice.period.end",
                    format!("end {} is before start {}", p.end, p.start),
                );
            }
        }
        for (i, e) in n.linked_elections.iter().enumerate() {
            if !sub.elections.iter().any(|x| &x.id == e) {
                out.push(
                    format!("ad.notice.linked_elections[{i}]"),
                    format!("election {e:?} does not exist"),
                );
            }
        }
    }
}
