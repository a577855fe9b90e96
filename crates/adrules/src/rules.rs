//! Rules as data: rule sets with effective dates, rules with citations, conditions and outcomes.
//!
//! A rule set is a JSON document (see `rules/*.json` for the shipped ones). Its conditions are a
//! small language of legal tests ([`Condition`]); named conditions in `definitions` can be
//! referred to with `{"ref": "name"}` and are inlined when the rule set is loaded.

use crate::date::Date;
use crate::error::Error;
use crate::model::{AdClass, CanadianRole};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What a fired rule asks for, from least to most severe.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Outcome {
    /// No objection; the rule records a duty or a date.
    Accept,
    /// Accepted and published, but flagged for the election authority to review.
    Flag,
    /// Not accepted as submitted (incomplete or inadmissible); recorded as a rejected submission.
    Reject,
    /// The ad must not run at all: the law forbids its dissemination.
    Block,
}

impl Outcome {
    /// The upper-case name (`ACCEPT`, `FLAG`, `REJECT`, `BLOCK`).
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Accept => "ACCEPT",
            Outcome::Flag => "FLAG",
            Outcome::Reject => "REJECT",
            Outcome::Block => "BLOCK",
        }
    }
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

/// A jurisdiction's rules, in force over a span of days.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSet {
    /// Stable id (`CA-CEA-2018`).
    pub id: String,
    /// Human name.
    pub name: String,
    /// Election jurisdictions the set applies to: ISO 3166-1 codes, or `EU`, which covers
    /// European Parliament elections and every member state.
    pub jurisdictions: Vec<String>,
    /// First day the set is in force.
    pub effective_from: Date,
    /// Last day the set is in force, if it has been replaced.
    #[serde(default)]
    pub effective_until: Option<Date>,
    /// Named conditions, referred to from rules with `{"ref": "name"}`.
    #[serde(default)]
    pub definitions: BTreeMap<String, Condition>,
    /// The rules.
    pub rules: Vec<Rule>,
}

/// One rule: a legal provision turned into a condition and an outcome.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Stable id (`CA-282.4-5`).
    pub id: String,
    /// Legal citation.
    pub citation: String,
    /// Short title.
    pub title: String,
    /// First day the rule is in force, when later than its set's.
    #[serde(default)]
    pub effective_from: Option<Date>,
    /// Last day the rule is in force, when it was amended or repealed.
    #[serde(default)]
    pub effective_until: Option<Date>,
    /// When the rule fires.
    pub condition: Condition,
    /// What a firing asks for.
    pub outcome: Outcome,
    /// Plain-language explanation shown when the rule fires.
    pub explanation: String,
    /// Publication and retention dates the rule sets when it fires.
    #[serde(default)]
    pub retention: Option<RetentionSpec>,
    /// Labels for consumers of results, e.g. `foreign_funding` for firings the election
    /// authority turns into incidents.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
}

/// Who a condition looks at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Party {
    /// The ad's sponsor.
    Sponsor,
    /// The ad's payer (the sponsor when none is given).
    Payer,
}

/// Legal tests of foreignness.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ForeignTest {
    /// Canada Elections Act s. 282.4(1)(a)-(e): individuals who are neither citizens nor
    /// permanent residents and do not reside in Canada; entities formed outside Canada that do not
    /// carry on business in it; trade unions without bargaining rights in Canada; foreign
    /// political parties; foreign governments.
    #[serde(rename = "canada_282_4")]
    Canada2824,
    /// EU Regulation 2024/900 Art. 5(2): anyone who is not an EU citizen, an EU-resident voter
    /// or an EU-established legal person not controlled (through its whole control chain) by a
    /// third-country national or an entity established outside the Union.
    #[serde(rename = "eu_art_5_2")]
    EuArt52,
}

/// Periods an ad's dissemination can fall in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    /// Canada: writ issue to polling day (or withdrawal).
    ElectionPeriod,
    /// Canada: June 30 to the day before the writ, for fixed-date general elections.
    PreElectionPeriod,
    /// The given number of calendar months before polling day, polling day included.
    MonthsBeforePollingDay(u32),
}

/// A reach threshold in one language (`*` for any language not listed elsewhere).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReachThreshold {
    /// ISO 639-1 code, or `*`.
    pub language: String,
    /// Average monthly visitors at or above which the threshold is met.
    pub visitors: u64,
}

/// Ad fields a rule can require.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Field {
    /// The stored creative.
    #[serde(rename = "creative")]
    Creative,
    /// Name of the person who authorized the placement.
    #[serde(rename = "authorized_by")]
    AuthorizedBy,
    /// Canadian tagline.
    #[serde(rename = "tagline")]
    Tagline,
    /// Exact spend.
    #[serde(rename = "spend")]
    Spend,
    /// EU label.
    #[serde(rename = "label")]
    Label,
    /// Label statement that this is political advertising.
    #[serde(rename = "label.statement")]
    LabelStatement,
    /// Sponsor identity on the label.
    #[serde(rename = "label.sponsor")]
    LabelSponsor,
    /// Controlling entity on the label, required only when the sponsor is controlled.
    #[serde(rename = "label.controlling_entity")]
    LabelControllingEntity,
    /// Targeting statement on the label, required only when personal data is used for targeting.
    #[serde(rename = "label.targeting_statement")]
    LabelTargetingStatement,
    /// Link to the notice on the label.
    #[serde(rename = "label.notice_url")]
    LabelNoticeUrl,
    /// EU transparency notice.
    #[serde(rename = "notice")]
    Notice,
    /// Sponsor identity in the notice.
    #[serde(rename = "notice.sponsor")]
    NoticeSponsor,
    /// Controlling entity in the notice, required only when the sponsor is controlled.
    #[serde(rename = "notice.controlling_entity")]
    NoticeControllingEntity,
    /// Payer in the notice.
    #[serde(rename = "notice.payer")]
    NoticePayer,
    /// Dissemination period in the notice.
    #[serde(rename = "notice.period")]
    NoticePeriod,
    /// Amounts in the notice.
    #[serde(rename = "notice.amount")]
    NoticeAmount,
    /// Origin of the amounts in the notice.
    #[serde(rename = "notice.amount_origin")]
    NoticeAmountOrigin,
    /// The election being checked, among the notice's linked elections.
    #[serde(rename = "notice.linked_elections")]
    NoticeLinkedElections,
}

impl Field {
    /// The field's path in the submission.
    pub fn path(self) -> &'static str {
        match self {
            Field::Creative => "ad.creative",
            Field::AuthorizedBy => "ad.authorized_by",
            Field::Tagline => "ad.tagline",
            Field::Spend => "ad.spend",
            Field::Label => "ad.label",
            Field::LabelStatement => "ad.label.statement",
            Field::LabelSponsor => "ad.label.sponsor",
            Field::LabelControllingEntity => "ad.label.controlling_entity",
            Field::LabelTargetingStatement => "ad.label.targeting_statement",
            Field::LabelNoticeUrl => "ad.label.notice_url",
            Field::Notice => "ad.notice",
            Field::NoticeSponsor => "ad.notice.sponsor",
            Field::NoticeControllingEntity => "ad.notice.controlling_entity",
            Field::NoticePayer => "ad.notice.payer",
            Field::NoticePeriod => "ad.notice.period",
            Field::NoticeAmount => "ad.notice.amount",
            Field::NoticeAmountOrigin => "ad.notice.amount_origin",
            Field::NoticeLinkedElections => "ad.notice.linked_elections",
        }
    }
}

/// A condition of a rule. Each is evaluated for one ad and one linked election.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    /// All of these hold.
    All(Vec<Condition>),
    /// At least one of these holds.
    Any(Vec<Condition>),
    /// This does not hold.
    Not(Box<Condition>),
    /// A named condition from the rule set's `definitions` (inlined at load).
    Ref(String),
    /// The ad's class is one of these.
    ClassIn(Vec<AdClass>),
    /// The ad's dissemination days overlap this period of the election.
    DisseminatedIn(Period),
    /// The platform's monthly visitors in Canada, all languages counted, meet the threshold of
    /// the language its content is mainly in (`*` for any language not listed); when the main
    /// language is not stated and several languages tie for the most visitors, the lowest of
    /// their thresholds applies.
    ReachAtLeast(Vec<ReachThreshold>),
    /// At least one of these fields is missing or blank.
    Missing(Vec<Field>),
    /// The tagline is present but names neither the sponsor nor its authorized agent.
    TaglineLacksName,
    /// The tagline is present but contains none of these words (compared case-insensitively).
    TaglineLacksWords(Vec<String>),
    /// One of the parties is foreign under the test.
    Foreign {
        /// Parties to test.
        who: Vec<Party>,
        /// The legal test.
        test: ForeignTest,
    },
    /// One of the parties (with one of the roles, when roles are given) has funds from outside
    /// the area (ISO 3166-1 codes, `EU` for all member states).
    FundedFromOutside {
        /// Parties to test.
        who: Vec<Party>,
        /// Where funds may come from.
        area: Vec<String>,
        /// Canadian roles the party must have for the test to apply; any when empty.
        #[serde(default)]
        roles: Vec<CanadianRole>,
    },
    /// The payer is a different sponsor record from the sponsor.
    PayerDiffers,
    /// The sponsor has no EU Art. 5(2) self-declaration.
    DeclarationMissing,
    /// The notice says no amount came from outside the area although some funding did.
    NoticeOriginMismatch {
        /// The area, as in `funded_from_outside`.
        area: Vec<String>,
    },
    /// A targeting criterion uses a special category of personal data (GDPR Art. 9(1)).
    TargetingSpecialCategory,
    /// A targeting criterion processes personal data without explicit consent.
    TargetingWithoutConsent,
    /// A targeting criterion processes personal data not collected from the data subject.
    TargetingDataNotFromSubject,
    /// An age criterion targets ages (in completed years) at or below voting age minus `years`.
    TargetingAgeBelowVotingAge {
        /// How many years below the voting age the youngest permitted age bound lies.
        years: u8,
    },
    /// The ad or a new version of it is first shown on polling day before the polls close in a
    /// district where it runs.
    NewOrChangedBeforePollsClose,
}

/// Dates a firing rule sets, each a number of years after an anchor day.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionSpec {
    /// The ad is public until this date.
    #[serde(default)]
    pub publish_until: Option<YearsAfter>,
    /// The record is kept (not public) until this date.
    #[serde(default)]
    pub keep_until: Option<YearsAfter>,
}

/// A date given as whole years after an anchor.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct YearsAfter {
    /// The anchor day.
    pub anchor: Anchor,
    /// Years after it (29 February maps to 28 February in common years).
    pub years: u16,
}

/// Anchors for retention dates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Anchor {
    /// Last day of the Canadian election period (polling day, or the day the writ is withdrawn).
    ElectionPeriodEnd,
    /// Last day of dissemination.
    DisseminationEnd,
    /// The `publish_until` date of the same rule.
    PublishUntil,
}

impl RuleSet {
    /// Parses a rule set from JSON; `source_name` names the document in errors.
    pub fn from_json(source_name: &str, text: &str) -> Result<RuleSet, Error> {
        let mut set: RuleSet =
            serde_json::from_str(text).map_err(|e| Error::from_json(source_name, &e))?;
        set.resolve()?;
        Ok(set)
    }

    /// Checks the set and inlines `ref` conditions.
    pub fn resolve(&mut self) -> Result<(), Error> {
        let err = |rule: Option<&str>, message: String| Error::RuleSet {
            rule_set: self.id.clone(),
            rule: rule.map(str::to_string),
            message,
        };
        if self.id.trim().is_empty() {
            return Err(err(None, "the rule set id is empty".into()));
        }
        if self.jurisdictions.is_empty() {
            return Err(err(None, "no jurisdictions".into()));
        }
        if let Some(u) = self.effective_until {
            if u < self.effective_from {
                return Err(err(
                    None,
                    format!(
                        "effective_until {u} is before effective_from {}",
                        self.effective_from
                    ),
                ));
            }
        }
        let defs = self.definitions.clone();
        for i in 0..self.rules.len() {
            let Some(rule) = self.rules.get(i) else {
                break;
            };
            let id = rule.id.clone();
            if id.trim().is_empty() {
                return Err(err(None, format!("rule number {} has an empty id", i + 1)));
            }
            if self.rules[..i].iter().any(|r| r.id == id) {
                return Err(err(Some(&id), "duplicate rule id".into()));
            }
            if let (Some(f), Some(u)) = (rule.effective_from, rule.effective_until) {
                if u < f {
                    return Err(err(
                        Some(&id),
                        format!("effective_until {u} is before effective_from {f}"),
                    ));
                }
            }
            let resolved = inline(&rule.condition, &defs, 0)
                .map_err(|m| err(Some(&id), format!("condition: {m}")))?;
            if let Some(r) = self.rules.get_mut(i) {
                r.condition = resolved;
            }
        }
        Ok(())
    }
}

/// Replaces `ref` conditions by their definitions, refusing unknown names and deep nesting.
fn inline(
    c: &Condition,
    defs: &BTreeMap<String, Condition>,
    depth: usize,
) -> Result<Condition, String> {
    if depth > 32 {
        return Err("conditions nest too deeply (a definition may refer to itself)".into());
    }
    let many = |v: &[Condition]| -> Result<Vec<Condition>, String> {
        v.iter().map(|x| inline(x, defs, depth + 1)).collect()
    };
    Ok(match c {
        Condition::All(v) => Condition::All(many(v)?),
        Condition::Any(v) => Condition::Any(many(v)?),
        Condition::Not(x) => Condition::Not(Box::new(inline(x, defs, depth + 1)?)),
        Condition::Ref(name) => {
            let d = defs
                .get(name)
                .ok_or_else(|| format!("unknown definition {name:?}"))?;
            inline(d, defs, depth + 1)?
        }
        other => other.clone(),
    })
}
