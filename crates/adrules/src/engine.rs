//! The engine: picks the rule sets in force for each linked election, evaluates every rule and
//! returns the verdict with every rule that fired.

use crate::codes::{currency_exponent, is_eu_member};
use crate::date::Date;
use crate::error::Error;
use crate::model::{
    Ad, ConsentBasis, DataSource, DateRange, Election, EuBasis, Periods, Sponsor, SponsorKind,
    Submission,
};
use crate::rules::{
    Anchor, Condition, Field, ForeignTest, Outcome, Party, Period, RetentionSpec, RuleSet,
    YearsAfter,
};
use crate::validate::{validate, Limits};
use serde::Serialize;
use std::sync::Arc;

/// The shipped Canadian rule set (Canada Elections Act as amended in 2018).
pub const CANADA_2018_JSON: &str = include_str!("../rules/canada-2018.json");
/// The shipped EU rule set (Regulation (EU) 2024/900).
pub const EU_2024_900_JSON: &str = include_str!("../rules/eu-2024-900.json");

/// A rule that fired for an ad. Texts taken from the rule are shared, not copied.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FiredRule {
    /// Rule id.
    pub rule_id: Arc<str>,
    /// Id of the rule set holding the rule.
    pub rule_set: Arc<str>,
    /// Legal citation.
    pub citation: Arc<str>,
    /// Short title.
    pub title: Arc<str>,
    /// Outcome of the rule.
    pub outcome: Outcome,
    /// Plain-language explanation.
    pub explanation: Arc<str>,
    /// The rule's tags (`foreign_funding`, `foreign_interference`).
    pub tags: Arc<[String]>,
    /// What in this ad made the rule fire.
    pub details: Vec<String>,
    /// Linked elections the rule fired for.
    pub elections: Vec<String>,
}

/// Publication and retention dates set by the rules that fired.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RetentionDates {
    /// Latest day the ad must stay public, if a rule requires publication.
    pub publish_until: Option<Date>,
    /// Latest day the record must be kept, if a rule requires keeping it.
    pub keep_until: Option<Date>,
    /// Whether a retention date waits for the ad's dissemination to end.
    pub awaiting_dissemination_end: bool,
}

/// The result of checking one ad.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CheckResult {
    /// Id of the ad.
    pub ad_id: String,
    /// The most severe outcome among the fired rules; ACCEPT when none fired.
    pub verdict: Outcome,
    /// Every rule that fired, most severe first, then in rule-set order.
    pub fired: Vec<FiredRule>,
    /// Publication and retention dates.
    pub retention: RetentionDates,
    /// Ids of the rule sets applied.
    pub rule_sets: Vec<String>,
    /// Remarks, e.g. linked elections no rule set covers.
    pub notes: Vec<String>,
}

/// The rules engine: rule sets plus creative limits.
#[derive(Clone, Debug)]
pub struct Engine {
    rule_sets: Vec<RuleSet>,
    /// Shared texts of each rule, parallel to `rule_sets`.
    texts: Vec<Vec<RuleTexts>>,
    limits: Limits,
}

/// The texts of a rule that go into every firing, shared between results.
#[derive(Clone, Debug)]
struct RuleTexts {
    id: Arc<str>,
    set: Arc<str>,
    citation: Arc<str>,
    title: Arc<str>,
    explanation: Arc<str>,
    tags: Arc<[String]>,
}

impl Engine {
    /// An engine with the given rule sets, which are checked and resolved.
    pub fn new(rule_sets: Vec<RuleSet>) -> Result<Engine, Error> {
        let mut engine = Engine {
            rule_sets: Vec::new(),
            texts: Vec::new(),
            limits: Limits::default(),
        };
        for set in rule_sets {
            engine.add_rule_set(set)?;
        }
        Ok(engine)
    }

    /// An engine with the shipped rule sets: Canada 2018 and EU 2024/900.
    pub fn shipped() -> Result<Engine, Error> {
        Engine::new(vec![
            RuleSet::from_json("rules/canada-2018.json", CANADA_2018_JSON)?,
            RuleSet::from_json("rules/eu-2024-900.json", EU_2024_900_JSON)?,
        ])
    }

    /// Adds a rule set (e.g. a later amendment given as data); its id must be new.
    pub fn add_rule_set(&mut self, mut set: RuleSet) -> Result<(), Error> {
        set.resolve()?;
        if self.rule_sets.iter().any(|s| s.id == set.id) {
            return Err(Error::RuleSet {
                rule_set: set.id,
                rule: None,
                message: "a rule set with this id is already loaded".into(),
            });
        }
        let set_id: Arc<str> = Arc::from(set.id.as_str());
        self.texts.push(
            set.rules
                .iter()
                .map(|r| RuleTexts {
                    id: Arc::from(r.id.as_str()),
                    set: set_id.clone(),
                    citation: Arc::from(r.citation.as_str()),
                    title: Arc::from(r.title.as_str()),
                    explanation: Arc::from(r.explanation.as_str()),
                    tags: Arc::from(r.tags.clone()),
                })
                .collect(),
        );
        self.rule_sets.push(set);
        Ok(())
    }

    /// Replaces the creative limits.
    pub fn with_limits(mut self, limits: Limits) -> Engine {
        self.limits = limits;
        self
    }

    /// The loaded rule sets.
    pub fn rule_sets(&self) -> &[RuleSet] {
        &self.rule_sets
    }

    /// Parses a submission from JSON and checks it.
    pub fn check_json(&self, source_name: &str, text: &str) -> Result<CheckResult, Error> {
        let sub: Submission =
            serde_json::from_str(text).map_err(|e| Error::from_json(source_name, &e))?;
        self.check(&sub)
    }

    /// Validates a submission and checks its ad against every rule set in force for each
    /// linked election.
    pub fn check(&self, sub: &Submission) -> Result<CheckResult, Error> {
        let errors = validate(sub, &self.limits);
        if !errors.is_empty() {
            return Err(Error::Invalid(errors));
        }
        let ad = &sub.ad;
        let (Some(sponsor), Some(payer)) = (find(sub, &ad.sponsor), find(sub, ad.payer_id()))
        else {
            // Unreachable after validation; reported rather than panicking.
            return Err(Error::Invalid(vec![crate::error::FieldError {
                field: "ad.sponsor".into(),
                message: "sponsor or payer not found".into(),
            }]));
        };
        let mut fired: Vec<(usize, FiredRule)> = Vec::new();
        let mut retention = RetentionDates::default();
        let mut applied: Vec<String> = Vec::new();
        let mut notes = Vec::new();
        if ad.linked_elections.is_empty() {
            notes.push("the ad is linked to no election, so no rule set applies".to_string());
        }
        for eid in &ad.linked_elections {
            let Some(election) = sub.elections.iter().find(|e| &e.id == eid) else {
                continue;
            };
            let days = days_in_zones(ad, election);
            let ctx = Ctx {
                sub,
                ad,
                election,
                sponsor,
                payer,
                days,
                periods: election.periods(),
            };
            let mut covered = false;
            for (set, texts) in self.rule_sets.iter().zip(&self.texts) {
                if !covers(set, &election.jurisdiction) {
                    continue;
                }
                let set_range = DateRange {
                    start: set.effective_from,
                    end: set.effective_until.unwrap_or(MAX_DATE),
                };
                if ctx.overlapping(&set_range).is_none() {
                    continue;
                }
                covered = true;
                if !applied.contains(&set.id) {
                    applied.push(set.id.clone());
                }
                for (rule, text) in set.rules.iter().zip(texts) {
                    let range = DateRange {
                        start: rule.effective_from.unwrap_or(set.effective_from),
                        end: rule
                            .effective_until
                            .or(set.effective_until)
                            .unwrap_or(MAX_DATE),
                    };
                    if ctx.overlapping(&range).is_none() || !eval(&rule.condition, &ctx, None) {
                        continue;
                    }
                    let mut details = Vec::new();
                    eval(&rule.condition, &ctx, Some(&mut details));
                    if let Some(spec) = &rule.retention {
                        apply_retention(spec, &ctx, &mut retention, &mut details);
                    }
                    record(&mut fired, text, rule.outcome, details, eid);
                }
            }
            if !covered {
                notes.push(format!(
                    "no rule set in force covers election {eid:?} (jurisdiction {}) on the ad's dissemination days",
                    election.jurisdiction
                ));
            }
        }
        fired.sort_by(|a, b| b.1.outcome.cmp(&a.1.outcome).then(a.0.cmp(&b.0)));
        let verdict = fired
            .iter()
            .map(|f| f.1.outcome)
            .max()
            .unwrap_or(Outcome::Accept);
        Ok(CheckResult {
            ad_id: ad.id.clone(),
            verdict,
            fired: fired.into_iter().map(|f| f.1).collect(),
            retention,
            rule_sets: applied,
            notes,
        })
    }
}

/// The last representable day, for open-ended ranges.
const MAX_DATE: Date = Date::MAX;

/// Whether a rule set covers an election jurisdiction.
fn covers(set: &RuleSet, jurisdiction: &str) -> bool {
    set.jurisdictions
        .iter()
        .any(|j| j == jurisdiction || (j == "EU" && is_eu_member(jurisdiction)))
}

/// Finds a sponsor record by id.
fn find<'a>(sub: &'a Submission, id: &str) -> Option<&'a Sponsor> {
    sub.sponsors.iter().find(|s| s.id == id)
}

/// Adds a firing to the list, merging identical firings for different elections.
fn record(
    fired: &mut Vec<(usize, FiredRule)>,
    text: &RuleTexts,
    outcome: Outcome,
    details: Vec<String>,
    election: &str,
) {
    if let Some((_, f)) = fired
        .iter_mut()
        .find(|(_, f)| f.rule_id == text.id && f.rule_set == text.set && f.details == details)
    {
        if !f.elections.iter().any(|e| e == election) {
            f.elections.push(election.to_string());
        }
        return;
    }
    let order = fired.len();
    fired.push((
        order,
        FiredRule {
            rule_id: text.id.clone(),
            rule_set: text.set.clone(),
            citation: text.citation.clone(),
            title: text.title.clone(),
            outcome,
            explanation: text.explanation.clone(),
            tags: text.tags.clone(),
            details,
            elections: vec![election.to_string()],
        },
    ));
}

/// Everything a condition can look at.
struct Ctx<'a> {
    sub: &'a Submission,
    ad: &'a Ad,
    election: &'a Election,
    sponsor: &'a Sponsor,
    payer: &'a Sponsor,
    /// The ad's dissemination days in each time zone it is counted in for this election.
    days: Vec<DateRange>,
    periods: Periods,
}

/// The ad's dissemination days for an election, once per UTC offset of the districts it runs
/// in (`ad.districts`, or every district of the election when empty); when the election has
/// no districts, each instant counts on the day of its own offset.
fn days_in_zones(ad: &Ad, election: &Election) -> Vec<DateRange> {
    let mut offsets: Vec<i32> = election
        .districts
        .iter()
        .filter(|d| ad.districts.is_empty() || ad.districts.contains(&d.id))
        .map(|d| d.poll_close.offset_minutes())
        .collect();
    offsets.sort_unstable();
    offsets.dedup();
    let d = ad.dissemination();
    if offsets.is_empty() {
        return vec![d.days_at(None)];
    }
    offsets.into_iter().map(|o| d.days_at(Some(o))).collect()
}

impl<'a> Ctx<'a> {
    /// The ad's days in the first time zone where they share a day with `range`, if any.
    fn overlapping(&self, range: &DateRange) -> Option<DateRange> {
        self.days.iter().copied().find(|d| d.overlaps(range))
    }

    fn party(&self, p: Party) -> &'a Sponsor {
        match p {
            Party::Sponsor => self.sponsor,
            Party::Payer => self.payer,
        }
    }

    fn period(&self, p: Period) -> Option<DateRange> {
        match p {
            Period::ElectionPeriod => self.periods.election_period,
            Period::PreElectionPeriod => self.periods.pre_election_period,
            Period::MonthsBeforePollingDay(3) => Some(self.periods.eu_sponsor_window),
            Period::MonthsBeforePollingDay(m) => Some(self.election.eu_window(m)),
        }
    }
}

/// Pushes a detail when details are being collected.
fn note(out: &mut Option<&mut Vec<String>>, f: impl FnOnce() -> String) {
    if let Some(v) = out.as_deref_mut() {
        v.push(f());
    }
}

/// Evaluates a condition; when `out` is given, explains why it holds.
fn eval(c: &Condition, ctx: &Ctx<'_>, mut out: Option<&mut Vec<String>>) -> bool {
    match c {
        Condition::All(v) => {
            let mark = out.as_ref().map(|o| o.len()).unwrap_or(0);
            for x in v {
                if !eval(x, ctx, out.as_deref_mut()) {
                    if let Some(o) = out.as_deref_mut() {
                        o.truncate(mark);
                    }
                    return false;
                }
            }
            true
        }
        Condition::Any(v) => v.iter().any(|x| eval(x, ctx, out.as_deref_mut())),
        Condition::Not(x) => {
            let mark = out.as_ref().map(|o| o.len()).unwrap_or(0);
            let r = eval(x, ctx, out.as_deref_mut());
            if let Some(o) = out.as_deref_mut() {
                o.truncate(mark);
            }
            !r
        }
        // Unresolved references never hold (rule sets are resolved when loaded).
        Condition::Ref(_) => false,
        Condition::ClassIn(classes) => classes.contains(&ctx.ad.class),
        Condition::DisseminatedIn(p) => match ctx
            .period(*p)
            .filter(|r| !r.is_empty())
            .and_then(|r| Some((r, ctx.overlapping(&r)?)))
        {
            Some((range, days)) => {
                note(&mut out, || {
                    let name = match p {
                        Period::ElectionPeriod => "election period".to_string(),
                        Period::PreElectionPeriod => "pre-election period".to_string(),
                        Period::MonthsBeforePollingDay(m) => {
                            format!("{m}-month window before polling day")
                        }
                    };
                    format!(
                        "dissemination {} to {} overlaps the {name} of {} ({} to {})",
                        days.start,
                        end_text(ctx, &days),
                        ctx.election.id,
                        range.start,
                        range.end
                    )
                });
                true
            }
            _ => false,
        },
        Condition::ReachAtLeast(thresholds) => {
            let pl = &ctx.sub.platform;
            let threshold = |lang: &str| {
                thresholds
                    .iter()
                    .find(|t| t.language == lang)
                    .or_else(|| thresholds.iter().find(|t| t.language == "*"))
            };
            let Some((lang, t)) = pl
                .main_languages()
                .into_iter()
                .filter_map(|l| Some((l, threshold(l)?)))
                .min_by_key(|(_, t)| t.visitors)
            else {
                return false;
            };
            let total = pl.total_reach_ca();
            if total < t.visitors {
                return false;
            }
            note(&mut out, || {
                format!(
                    "platform {} has {total} monthly visitors in Canada, content mainly in {lang:?}, threshold {}",
                    pl.id, t.visitors
                )
            });
            true
        }
        Condition::Missing(fields) => {
            let mut any = false;
            for f in fields {
                if field_missing(*f, ctx) {
                    any = true;
                    note(&mut out, || format!("missing {}", f.path()));
                }
            }
            any
        }
        Condition::TaglineLacksName => {
            let Some(t) = non_blank(&ctx.ad.tagline) else {
                return false;
            };
            let s = ctx.sponsor;
            let names = [
                Some(s.legal_name.as_str()),
                s.disclosed_name.as_deref(),
                s.authorized_agent.as_deref(),
            ];
            let named = names
                .iter()
                .flatten()
                .map(|n| n.trim())
                .filter(|n| !n.is_empty())
                .any(|n| contains_ci(t, n));
            if !named {
                note(&mut out, || {
                    format!(
                        "tagline {:?} names neither the sponsor {:?} nor its agent",
                        ctx.ad.tagline.as_deref().unwrap_or(""),
                        s.public_name()
                    )
                });
            }
            !named
        }
        Condition::TaglineLacksWords(words) => {
            let Some(t) = non_blank(&ctx.ad.tagline) else {
                return false;
            };
            let has = words.iter().any(|w| contains_ci(t, w));
            if !has {
                note(&mut out, || {
                    format!("tagline {t:?} contains none of {}", words.join(", "))
                });
            }
            !has
        }
        Condition::Foreign { who, test } => {
            let mut any = false;
            for (i, p) in who.iter().enumerate() {
                let s = ctx.party(*p);
                if who[..i].iter().any(|q| ctx.party(*q).id == s.id) {
                    continue;
                }
                let reason = match test {
                    ForeignTest::Canada2824 => foreign_canada(s),
                    ForeignTest::EuArt52 => foreign_eu(ctx.sub, s),
                };
                if let Some(r) = reason {
                    any = true;
                    note(&mut out, || {
                        format!("{} {} ({}): {r}", party_name(*p), s.id, s.public_name())
                    });
                }
            }
            any
        }
        Condition::FundedFromOutside { who, area, roles } => {
            let mut any = false;
            for (i, p) in who.iter().enumerate() {
                let s = ctx.party(*p);
                if who[..i].iter().any(|q| ctx.party(*q).id == s.id) {
                    continue;
                }
                if !roles.is_empty() && !s.canadian_role.is_some_and(|r| roles.contains(&r)) {
                    continue;
                }
                for f in &s.funding {
                    if !in_area(&f.origin, area) {
                        any = true;
                        note(&mut out, || {
                            format!(
                                "{} {} ({}) has {} of {} funds from {}",
                                party_name(*p),
                                s.id,
                                s.public_name(),
                                money_text(f.amount.minor, &f.amount.currency),
                                match f.source {
                                    crate::model::FundingSource::Public => "public",
                                    crate::model::FundingSource::Private => "private",
                                },
                                f.origin
                            )
                        });
                    }
                }
            }
            any
        }
        Condition::PayerDiffers => ctx.payer.id != ctx.sponsor.id,
        Condition::DeclarationMissing => {
            let missing = ctx.sponsor.eu_declaration.is_none();
            if missing {
                note(&mut out, || {
                    format!(
                        "sponsor {} has no Art. 5(2) self-declaration",
                        ctx.sponsor.id
                    )
                });
            }
            missing
        }
        Condition::NoticeOriginMismatch { area } => {
            let Some(origin) = ctx
                .ad
                .notice
                .as_ref()
                .and_then(|n| n.amount_origin.as_ref())
            else {
                return false;
            };
            if origin.outside_eu {
                return false;
            }
            let mut outside = ctx
                .sponsor
                .funding
                .iter()
                .chain(if ctx.payer.id != ctx.sponsor.id {
                    ctx.payer.funding.iter()
                } else {
                    [].iter()
                });
            match outside.find(|f| !in_area(&f.origin, area)) {
                Some(f) => {
                    note(&mut out, || {
                        format!(
                            "the notice says no amount came from outside, but {} came from {}",
                            money_text(f.amount.minor, &f.amount.currency),
                            f.origin
                        )
                    });
                    true
                }
                None => false,
            }
        }
        Condition::TargetingSpecialCategory => {
            let mut any = false;
            for (i, t) in ctx.ad.targeting.iter().enumerate() {
                for d in t.data_categories.iter().filter(|d| d.is_special()) {
                    any = true;
                    note(&mut out, || {
                        format!("ad.targeting[{i}] ({}) uses special category {d:?}", t.kind)
                    });
                }
            }
            any
        }
        Condition::TargetingWithoutConsent => {
            let mut any = false;
            for (i, t) in ctx.ad.targeting.iter().enumerate() {
                if t.personal_data && t.consent_basis != Some(ConsentBasis::ExplicitConsent) {
                    any = true;
                    note(&mut out, || {
                        format!(
                            "ad.targeting[{i}] ({}) processes personal data on basis {:?}, not explicit consent",
                            t.kind, t.consent_basis
                        )
                    });
                }
            }
            any
        }
        Condition::TargetingDataNotFromSubject => {
            let mut any = false;
            for (i, t) in ctx.ad.targeting.iter().enumerate() {
                if t.personal_data && t.data_source != Some(DataSource::DataSubject) {
                    any = true;
                    note(&mut out, || {
                        format!(
                            "ad.targeting[{i}] ({}) uses personal data from {:?}, not from the data subject",
                            t.kind, t.data_source
                        )
                    });
                }
            }
            any
        }
        Condition::TargetingAgeBelowVotingAge { years } => {
            let vote = ctx.election.voting_age();
            let limit = i32::from(vote) - i32::from(*years);
            let mut any = false;
            for (i, t) in ctx.ad.targeting.iter().enumerate() {
                if t.age_min.is_none() && t.age_max.is_none() {
                    continue;
                }
                let youngest = i32::from(t.age_min.unwrap_or(0));
                if youngest <= limit {
                    any = true;
                    note(&mut out, || {
                        format!(
                            "ad.targeting[{i}] reaches age {youngest}, at least one year under the voting age {vote} of {}",
                            ctx.election.id
                        )
                    });
                }
            }
            any
        }
        Condition::NewOrChangedBeforePollsClose => blackout(ctx, out),
    }
}

/// The end of the ad's dissemination (counted as in `days`) as text.
fn end_text(ctx: &Ctx<'_>, days: &DateRange) -> String {
    match ctx.ad.dissemination().end {
        Some(_) => days.end.to_string(),
        None => "(still running)".to_string(),
    }
}

/// Polling-day blackout: a start or new version on polling day before the district's polls close.
fn blackout(ctx: &Ctx<'_>, mut out: Option<&mut Vec<String>>) -> bool {
    let ad = ctx.ad;
    let starts = std::iter::once(("the ad", &ad.dissemination().start)).chain(
        ad.versions
            .iter()
            .skip(1)
            .map(|v| ("a new version", &v.first_shown)),
    );
    let mut hits = 0usize;
    let mut first: Option<String> = None;
    for (what, t) in starts {
        for d in &ctx.election.districts {
            if !ad.districts.is_empty() && !ad.districts.contains(&d.id) {
                continue;
            }
            let opens = d.poll_close.start_of_local_day();
            if *t >= opens && *t < d.poll_close {
                hits += 1;
                if first.is_none() && out.is_some() {
                    first = Some(format!(
                        "{what} is first shown {t} in district {}, before its polls close at {}",
                        d.id, d.poll_close
                    ));
                }
            }
        }
    }
    if let Some(f) = first {
        note(&mut out, || {
            if hits > 1 {
                format!("{f} (and {} more such case(s) in its districts)", hits - 1)
            } else {
                f
            }
        });
    }
    hits > 0
}

/// Whether a field required by a rule is missing or blank.
fn field_missing(f: Field, ctx: &Ctx<'_>) -> bool {
    let ad = ctx.ad;
    let controlled = ctx.sponsor.controlled_by.is_some();
    let targeted = ad.targeting.iter().any(|t| t.personal_data);
    // A missing parent is reported once, as the parent.
    let label = ad.label.as_ref();
    let notice = ad.notice.as_ref();
    match f {
        Field::Creative => ad.creative.is_none(),
        Field::AuthorizedBy => non_blank(&ad.authorized_by).is_none(),
        Field::Tagline => non_blank(&ad.tagline).is_none(),
        Field::Spend => ad.spend.is_none(),
        Field::Label => label.is_none(),
        Field::LabelStatement => label.is_some_and(|l| non_blank(&l.statement).is_none()),
        Field::LabelSponsor => label.is_some_and(|l| non_blank(&l.sponsor).is_none()),
        Field::LabelControllingEntity => {
            controlled && label.is_some_and(|l| non_blank(&l.controlling_entity).is_none())
        }
        Field::LabelTargetingStatement => {
            targeted && label.is_some_and(|l| non_blank(&l.targeting_statement).is_none())
        }
        Field::LabelNoticeUrl => label.is_some_and(|l| non_blank(&l.notice_url).is_none()),
        Field::Notice => notice.is_none(),
        Field::NoticeSponsor => notice.is_some_and(|n| non_blank(&n.sponsor).is_none()),
        Field::NoticeControllingEntity => {
            controlled && notice.is_some_and(|n| non_blank(&n.controlling_entity).is_none())
        }
        Field::NoticePayer => notice.is_some_and(|n| non_blank(&n.payer).is_none()),
        Field::NoticePeriod => notice.is_some_and(|n| n.period.is_none()),
        Field::NoticeAmount => notice.is_some_and(|n| n.amount.is_none()),
        Field::NoticeAmountOrigin => notice.is_some_and(|n| n.amount_origin.is_none()),
        Field::NoticeLinkedElections => {
            notice.is_some_and(|n| !n.linked_elections.contains(&ctx.election.id))
        }
    }
}

/// Whether `hay` contains `needle`, ignoring case.
fn contains_ci(hay: &str, needle: &str) -> bool {
    if hay.is_ascii() && needle.is_ascii() {
        let (h, n) = (hay.as_bytes(), needle.as_bytes());
        n.is_empty() || h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n))
    } else {
        hay.to_lowercase().contains(&needle.to_lowercase())
    }
}

/// The trimmed text of an optional string, `None` when absent or blank.
fn non_blank(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|t| !t.is_empty())
}

/// Whether a country is inside an area (`EU` stands for all member states).
fn in_area(country: &str, area: &[String]) -> bool {
    area.iter()
        .any(|a| a == country || (a == "EU" && is_eu_member(country)))
}

/// The name of a party role for explanations.
fn party_name(p: Party) -> &'static str {
    match p {
        Party::Sponsor => "sponsor",
        Party::Payer => "payer",
    }
}

/// An amount in minor units as decimal text with its currency.
pub fn money_text(minor: i64, currency: &str) -> String {
    let exp = currency_exponent(currency).unwrap_or(2) as u32;
    if exp == 0 {
        return format!("{minor} {currency}");
    }
    let unit = 10i64.pow(exp);
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    let unit = unit as u64;
    format!(
        "{sign}{}.{:0width$} {currency}",
        abs / unit,
        abs % unit,
        width = exp as usize
    )
}

/// Canada Elections Act s. 282.4(1)(a)-(e): why a person or entity is foreign, if it is.
pub fn foreign_canada(s: &Sponsor) -> Option<String> {
    let ca = |v: &Option<String>| v.as_deref() == Some("CA");
    let has_ca = |v: &[String]| v.iter().any(|c| c == "CA");
    match s.kind {
        SponsorKind::Individual => {
            if has_ca(&s.citizenship) || has_ca(&s.permanent_resident_of) || ca(&s.residence) {
                None
            } else {
                Some("individual who is neither a Canadian citizen nor a permanent resident and does not reside in Canada (282.4(1)(a))".into())
            }
        }
        SponsorKind::Corporation | SponsorKind::Association => {
            if ca(&s.established_in) || has_ca(&s.operates_in) {
                None
            } else {
                Some(format!(
                    "entity formed in {} that does not carry on business in Canada (282.4(1)(b))",
                    s.established_in.as_deref().unwrap_or("an unknown country")
                ))
            }
        }
        SponsorKind::TradeUnion => {
            if has_ca(&s.operates_in) {
                None
            } else {
                Some("trade union that holds no bargaining rights in Canada (282.4(1)(c))".into())
            }
        }
        SponsorKind::PoliticalParty => (!ca(&s.established_in)).then(|| {
            format!(
                "foreign political party of {} (282.4(1)(d))",
                s.established_in.as_deref().unwrap_or("an unknown country")
            )
        }),
        SponsorKind::Government => (!ca(&s.established_in)).then(|| {
            format!(
                "foreign government or its agent, of {} (282.4(1)(e))",
                s.established_in.as_deref().unwrap_or("an unknown country")
            )
        }),
    }
}

/// Why one person or entity fails EU Art. 5(2) on its own, if it does.
fn eu_self(s: &Sponsor, as_controller: bool) -> Option<String> {
    if s.kind == SponsorKind::Individual {
        if s.citizenship.iter().any(|c| is_eu_member(c)) {
            return None;
        }
        let resident = s.residence.as_deref().is_some_and(is_eu_member);
        let voter = s
            .eu_declaration
            .as_ref()
            .is_some_and(|d| d.basis == EuBasis::ResidentVoter);
        if !as_controller && resident && voter {
            return None;
        }
        return Some(if as_controller {
            format!("{} ({}) is a third-country national", s.id, s.legal_name)
        } else {
            format!(
                "{} ({}) is neither an EU citizen nor a third-country national resident in the EU with the right to vote",
                s.id, s.legal_name
            )
        });
    }
    match s.established_in.as_deref() {
        Some(c) if is_eu_member(c) => None,
        c => Some(format!(
            "{} ({}) is established in {}, outside the EU",
            s.id,
            s.legal_name,
            c.unwrap_or("an unknown country")
        )),
    }
}

/// EU Art. 5(2): why a sponsor is not eligible in the pre-election window, following its whole
/// control chain, if it is not.
pub fn foreign_eu(sub: &Submission, s: &Sponsor) -> Option<String> {
    if let Some(r) = eu_self(s, false) {
        return Some(r);
    }
    let mut chain = vec![s.id.as_str()];
    let mut cur = s;
    for _ in 0..sub.sponsors.len() {
        let next_id = cur.controlled_by.as_deref()?;
        let next = sub.sponsors.iter().find(|x| x.id == next_id)?;
        chain.push(next.id.as_str());
        if let Some(r) = eu_self(next, true) {
            return Some(format!(
                "controlled from outside the EU through {}: {r}",
                chain.join(" -> ")
            ));
        }
        cur = next;
    }
    None
}

/// Computes the dates a firing rule sets and explains them.
fn apply_retention(
    spec: &RetentionSpec,
    ctx: &Ctx<'_>,
    dates: &mut RetentionDates,
    details: &mut Vec<String>,
) {
    let anchor = |y: &YearsAfter, publish: Option<Date>| -> Option<Date> {
        let base = match y.anchor {
            Anchor::ElectionPeriodEnd => Some(ctx.election.election_period_end()),
            // The last day the ad ran in any of its time zones.
            Anchor::DisseminationEnd => ctx
                .ad
                .dissemination()
                .end
                .and_then(|_| ctx.days.iter().map(|d| d.end).max()),
            Anchor::PublishUntil => publish,
        }?;
        Some(base.add_years(i32::from(y.years)))
    };
    let publish = spec.publish_until.as_ref().and_then(|y| anchor(y, None));
    if let Some(p) = publish {
        details.push(format!("publish until {p}"));
        dates.publish_until = dates.publish_until.max(Some(p));
    }
    if let Some(k) = &spec.keep_until {
        match anchor(k, publish) {
            Some(d) => {
                details.push(format!("keep until {d}"));
                dates.keep_until = dates.keep_until.max(Some(d));
            }
            None => {
                details.push(format!(
                    "keep for {} years after the last dissemination (the ad is still running)",
                    k.years
                ));
                dates.awaiting_dissemination_end = true;
            }
        }
    }
}
