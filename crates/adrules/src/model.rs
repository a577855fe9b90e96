//! The data model: elections, sponsors, platforms and ads, as serde structs.
//!
//! A [`Submission`] is one JSON document holding an ad with everything needed to judge it: the
//! sponsor, payer and controlling entities, the linked elections and the platform. Unknown
//! fields are refused so that a misspelt field is reported instead of silently ignored.

use crate::date::{Date, Instant};
use serde::{Deserialize, Serialize};

/// An ad with its context, as checked by [`crate::Engine::check`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Submission {
    /// The ad being checked.
    pub ad: Ad,
    /// Sponsors, payers and controlling entities referred to by id from the ad and each other.
    pub sponsors: Vec<Sponsor>,
    /// Elections and referendums referred to by `ad.linked_elections`.
    pub elections: Vec<Election>,
    /// The platform the ad runs on.
    pub platform: Platform,
}

/// An election or referendum.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Election {
    /// Stable id, referred to by ads.
    pub id: String,
    /// Human name ("45th general election").
    #[serde(default)]
    pub name: String,
    /// ISO 3166-1 alpha-2 code of the country holding it, or `EU` for European Parliament elections.
    pub jurisdiction: String,
    /// Kind of vote.
    pub kind: ElectionKind,
    /// Polling day (for votes over several days, the last one).
    pub polling_day: Date,
    /// Day the writ was issued (Canada); the election period starts on it.
    #[serde(default)]
    pub writ_issued: Option<Date>,
    /// Day the writ was withdrawn (Canada); the election period then ends on it.
    #[serde(default)]
    pub writ_withdrawn: Option<Date>,
    /// Whether this is a fixed-date Canadian general election (s. 56.1(2)), which has a
    /// pre-election period starting on June 30 of the polling year.
    #[serde(default)]
    pub fixed_date: bool,
    /// Voting age of this vote (EU Art. 18(2)); 18 when absent.
    #[serde(default)]
    pub voting_age: Option<u8>,
    /// Electoral districts with their poll closing instants (for the polling-day blackout).
    #[serde(default)]
    pub districts: Vec<District>,
}

/// Kinds of votes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ElectionKind {
    /// A general election of a national or federal parliament.
    General,
    /// A by-election in one or more districts.
    ByElection,
    /// A referendum.
    Referendum,
    /// A European Parliament election.
    EuropeanParliament,
    /// A regional election.
    Regional,
    /// A local or municipal election.
    Local,
}

/// An electoral district and the instant its polls close.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct District {
    /// District id (e.g. the Elections Canada district number).
    pub id: String,
    /// Human name.
    #[serde(default)]
    pub name: String,
    /// Instant all polling stations of the district close, with the district's UTC offset on
    /// polling day (`2025-04-28T21:30:00-04:00`). The offset fixes the district's local day.
    pub poll_close: Instant,
}

/// An inclusive range of calendar days.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DateRange {
    /// First day.
    pub start: Date,
    /// Last day (inclusive).
    pub end: Date,
}

impl DateRange {
    /// Whether the two ranges share at least one day.
    pub fn overlaps(&self, other: &DateRange) -> bool {
        self.start <= other.end && other.start <= self.end
    }

    /// Whether the range holds no day (end before start).
    pub fn is_empty(&self) -> bool {
        self.end < self.start
    }
}

/// The periods computed from an election's dates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Periods {
    /// Canada s. 2(1): from the issue of the writ to polling day, or to the withdrawal of the writ.
    pub election_period: Option<DateRange>,
    /// Canada s. 2(1): for a fixed-date general election, June 30 of the polling year to the day
    /// before the writ is issued (to the day before polling day while no writ is issued).
    pub pre_election_period: Option<DateRange>,
    /// EU Art. 5(2): the three calendar months before polling day, see [`Election::eu_window`].
    pub eu_sponsor_window: DateRange,
}

impl Election {
    /// The voting age, 18 when not given.
    pub fn voting_age(&self) -> u8 {
        self.voting_age.unwrap_or(18)
    }

    /// The last day of the Canadian election period.
    pub fn election_period_end(&self) -> Date {
        self.writ_withdrawn.unwrap_or(self.polling_day)
    }

    /// The window of `months` calendar months before polling day.
    ///
    /// It opens on the day that has polling day's number `months` months earlier (the month's
    /// last day when that month is shorter) and closes at the end of polling day, both included:
    /// for polling day 2026-06-07 and three months, 2026-03-07 through 2026-06-07.
    pub fn eu_window(&self, months: u32) -> DateRange {
        let m = i32::try_from(months).unwrap_or(i32::MAX);
        DateRange {
            start: self.polling_day.add_months(-m),
            end: self.polling_day,
        }
    }

    /// The periods computed from this election's dates.
    pub fn periods(&self) -> Periods {
        let election_period = self.writ_issued.map(|w| DateRange {
            start: w,
            end: self.election_period_end(),
        });
        let pre_election_period = if self.fixed_date {
            let (y, _, _) = self.polling_day.ymd();
            let start = Date::from_ymd(y, 6, 30);
            let end = match self.writ_issued {
                Some(w) => w.add_days(-1),
                None => self.polling_day.add_days(-1),
            };
            start
                .map(|start| DateRange { start, end })
                .filter(|r| !r.is_empty())
        } else {
            None
        };
        Periods {
            election_period,
            pre_election_period,
            eu_sponsor_window: self.eu_window(3),
        }
    }
}

/// A sponsor, payer, authorizing organisation or controlling entity.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sponsor {
    /// Stable id, referred to by ads and by `controlled_by`.
    pub id: String,
    /// Legal name.
    pub legal_name: String,
    /// Name disclosed to the public, when it differs from the legal name.
    #[serde(default)]
    pub disclosed_name: Option<String>,
    /// What kind of person or entity this is.
    pub kind: SponsorKind,
    /// Citizenships of an individual (ISO 3166-1 alpha-2).
    #[serde(default)]
    pub citizenship: Vec<String>,
    /// Countries where an individual holds permanent-resident status.
    #[serde(default)]
    pub permanent_resident_of: Vec<String>,
    /// Country of residence.
    #[serde(default)]
    pub residence: Option<String>,
    /// Country where an entity is incorporated, formed or otherwise organized.
    #[serde(default)]
    pub established_in: Option<String>,
    /// Countries where an entity carries on business (a trade union: holds bargaining rights).
    #[serde(default)]
    pub operates_in: Vec<String>,
    /// Id of the entity that controls this one, if any; following it gives the control chain.
    #[serde(default)]
    pub controlled_by: Option<String>,
    /// Canadian role under the Canada Elections Act, if any.
    #[serde(default)]
    pub canadian_role: Option<CanadianRole>,
    /// Name of the authorized agent (official, registered or financial agent).
    #[serde(default)]
    pub authorized_agent: Option<String>,
    /// The sponsor's EU Art. 5(2) self-declaration, if made.
    #[serde(default)]
    pub eu_declaration: Option<EuDeclaration>,
    /// Where the sponsor's money comes from.
    #[serde(default)]
    pub funding: Vec<Funding>,
}

impl Sponsor {
    /// The name shown to the public: the disclosed name, else the legal name.
    pub fn public_name(&self) -> &str {
        self.disclosed_name.as_deref().unwrap_or(&self.legal_name)
    }
}

/// Kinds of sponsors.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SponsorKind {
    /// A natural person.
    Individual,
    /// A corporation or company.
    Corporation,
    /// An unincorporated association, group or other entity.
    Association,
    /// A trade union.
    TradeUnion,
    /// A political party.
    PoliticalParty,
    /// A government or one of its agents.
    Government,
}

/// Roles under the Canada Elections Act.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CanadianRole {
    /// A registered party.
    RegisteredParty,
    /// An eligible party.
    EligibleParty,
    /// A candidate.
    Candidate,
    /// A potential candidate.
    PotentialCandidate,
    /// A nomination contestant.
    NominationContestant,
    /// A leadership contestant.
    LeadershipContestant,
    /// A registered electoral district association.
    ElectoralDistrictAssociation,
    /// A third party registered under s. 349.6.
    RegisteredThirdParty,
    /// A third party not (yet) registered.
    ThirdParty,
}

impl CanadianRole {
    /// Whether this role is a third party (registered or not), to which s. 349.02 applies.
    pub fn is_third_party(self) -> bool {
        matches!(
            self,
            CanadianRole::RegisteredThirdParty | CanadianRole::ThirdParty
        )
    }
}

/// A sponsor's EU Art. 5(2) self-declaration.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EuDeclaration {
    /// The ground of eligibility the sponsor declares.
    pub basis: EuBasis,
    /// Day the declaration was made.
    pub declared_on: Date,
}

/// Grounds of eligibility under EU Art. 5(2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EuBasis {
    /// (a) a citizen of the Union.
    Citizen,
    /// (b) a third-country national permanently resident in the Union with the right to vote in
    /// the election concerned.
    ResidentVoter,
    /// (c) a legal person established in the Union not ultimately controlled from outside it.
    EstablishedEntity,
}

/// One source of a sponsor's funds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Funding {
    /// Amount received.
    pub amount: Money,
    /// Country the funds come from (ISO 3166-1 alpha-2).
    pub origin: String,
    /// Whether the source is public or private.
    pub source: FundingSource,
    /// Free description ("donations", "membership fees").
    #[serde(default)]
    pub description: String,
}

/// Public or private funds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FundingSource {
    /// Public money (state funding).
    Public,
    /// Private money.
    Private,
}

/// An exact amount of money in minor units (cents) of an ISO 4217 currency.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Money {
    /// Amount in minor units; must not be negative.
    pub minor: i64,
    /// ISO 4217 code.
    pub currency: String,
}

/// An online platform that sells advertising space.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Platform {
    /// Stable id.
    pub id: String,
    /// Human name.
    #[serde(default)]
    pub name: String,
    /// Average monthly visitors or users in Canada over the 12 months before the pre-election or
    /// election period, by the language of the content they use.
    #[serde(default)]
    pub monthly_reach_ca: Vec<LanguageReach>,
    /// ISO 639-1 code of the language the platform's content is mainly in (Canada s. 325.1(1));
    /// when absent, the language of `monthly_reach_ca` with the most visitors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub main_language: Option<String>,
}

impl Platform {
    /// Average monthly visitors in Canada over every language.
    pub fn total_reach_ca(&self) -> u64 {
        self.monthly_reach_ca
            .iter()
            .fold(0u64, |n, r| n.saturating_add(r.visitors))
    }

    /// The languages the platform's content may be mainly in: `main_language` when given,
    /// else every language tied for the most visitors (none without any reach).
    pub fn main_languages(&self) -> Vec<&str> {
        if let Some(l) = &self.main_language {
            return vec![l.as_str()];
        }
        let most = self.monthly_reach_ca.iter().map(|r| r.visitors).max();
        self.monthly_reach_ca
            .iter()
            .filter(|r| Some(r.visitors) == most)
            .map(|r| r.language.as_str())
            .collect()
    }
}

/// Monthly reach in one language.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LanguageReach {
    /// ISO 639-1 language code (`en`, `fr`, ...).
    pub language: String,
    /// Average monthly unique visitors or users.
    pub visitors: u64,
}

/// A political ad as submitted by a platform.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ad {
    /// Stable id in rrm.
    pub id: String,
    /// Id of the platform the ad runs on; when given it must match `platform.id`.
    #[serde(default)]
    pub platform: Option<String>,
    /// The platform's own id for the ad.
    #[serde(default)]
    pub platform_ad_id: Option<String>,
    /// Versions of the ad, oldest first; the last one is current.
    #[serde(default)]
    pub versions: Vec<AdVersion>,
    /// The creative stored by rrm, content-addressed.
    #[serde(default)]
    pub creative: Option<Creative>,
    /// Text of the ad.
    #[serde(default)]
    pub text: String,
    /// Languages of the ad (ISO 639-1).
    #[serde(default)]
    pub languages: Vec<String>,
    /// Id of the sponsor in `sponsors`.
    pub sponsor: String,
    /// Id of the payer in `sponsors`; the sponsor when absent.
    #[serde(default)]
    pub payer: Option<String>,
    /// Name of the person who authorized the ad's placement (Canada 325.1(3)(b)).
    #[serde(default)]
    pub authorized_by: Option<String>,
    /// What the ad is about.
    pub class: AdClass,
    /// Ids of the elections or referendums the ad is linked to.
    #[serde(default)]
    pub linked_elections: Vec<String>,
    /// Electoral districts the ad is shown in; empty means all districts of the election.
    #[serde(default)]
    pub districts: Vec<String>,
    /// Planned dissemination.
    pub intended_dissemination: Dissemination,
    /// Dissemination that happened, when known; it takes precedence over the intended one.
    #[serde(default)]
    pub actual_dissemination: Option<Dissemination>,
    /// Exact spend.
    #[serde(default)]
    pub spend: Option<Money>,
    /// Spend range to publish, in minor units of the spend currency.
    #[serde(default)]
    pub spend_range: Option<Range>,
    /// Impressions so far.
    #[serde(default)]
    pub impressions: Option<u64>,
    /// Impressions range to publish.
    #[serde(default)]
    pub impressions_range: Option<Range>,
    /// Targeting criteria used.
    #[serde(default)]
    pub targeting: Vec<TargetingCriterion>,
    /// Distribution of impressions by region, age band and gender.
    #[serde(default)]
    pub distribution: Vec<DistributionShare>,
    /// Canadian tagline ("Authorized by the official agent for ...").
    #[serde(default)]
    pub tagline: Option<String>,
    /// EU Art. 11 label.
    #[serde(default)]
    pub label: Option<Label>,
    /// EU Art. 12 transparency notice.
    #[serde(default)]
    pub notice: Option<Notice>,
}

impl Ad {
    /// The dissemination that counts: the actual one when known, else the intended one.
    pub fn dissemination(&self) -> &Dissemination {
        self.actual_dissemination
            .as_ref()
            .unwrap_or(&self.intended_dissemination)
    }

    /// The payer id (the sponsor when no payer is given).
    pub fn payer_id(&self) -> &str {
        self.payer.as_deref().unwrap_or(&self.sponsor)
    }
}

/// One version of an ad.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdVersion {
    /// Version number, increasing.
    pub version: u32,
    /// Instant this version was first transmitted (or is to be).
    pub first_shown: Instant,
    /// SHA-256 of this version's creative.
    #[serde(default)]
    pub creative_sha256: Option<String>,
}

/// A creative stored by rrm.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Creative {
    /// Lower-case hex SHA-256 of the bytes.
    pub sha256: String,
    /// Media type (`image/png`, `video/mp4`, ...).
    pub media_type: String,
    /// Size in bytes.
    pub size_bytes: u64,
}

/// What an ad is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AdClass {
    /// Promotes or opposes a party, candidate or other political actor.
    Partisan,
    /// Takes a position on an issue associated with a party or candidate, or is otherwise liable
    /// to influence a vote or a legislative process.
    Issue,
    /// Neither: a commercial or purely private message.
    NonPolitical,
}

/// When an ad runs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dissemination {
    /// First transmission.
    pub start: Instant,
    /// Last transmission; still running when absent.
    #[serde(default)]
    pub end: Option<Instant>,
}

impl Dissemination {
    /// The calendar days covered, each instant counted in its own offset; an open end counts
    /// as running on indefinitely.
    pub fn days(&self) -> DateRange {
        self.days_at(None)
    }

    /// The calendar days covered at a UTC offset in minutes (a district's), or in each
    /// instant's own offset when `None`; an open end counts as running on indefinitely.
    pub fn days_at(&self, offset_minutes: Option<i32>) -> DateRange {
        let day = |i: &Instant| match offset_minutes {
            Some(o) => i.date_at_offset(o),
            None => i.local_date(),
        };
        let start = day(&self.start);
        let end = match &self.end {
            Some(e) => day(e),
            None => Date::MAX,
        };
        DateRange { start, end }
    }
}

/// An inclusive range of counts or minor units, as published.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Range {
    /// Lower bound.
    pub lower: i64,
    /// Upper bound.
    pub upper: i64,
}

/// A targeting criterion.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetingCriterion {
    /// What is targeted on (`age`, `location`, `interest`, `custom_audience`, ...).
    pub kind: String,
    /// Values targeted.
    #[serde(default)]
    pub values: Vec<String>,
    /// Youngest age targeted, for age criteria.
    #[serde(default)]
    pub age_min: Option<u8>,
    /// Oldest age targeted, for age criteria.
    #[serde(default)]
    pub age_max: Option<u8>,
    /// Whether the criterion processes personal data (false for purely contextual targeting).
    #[serde(default)]
    pub personal_data: bool,
    /// Categories of personal data used.
    #[serde(default)]
    pub data_categories: Vec<DataCategory>,
    /// Where the personal data came from.
    #[serde(default)]
    pub data_source: Option<DataSource>,
    /// Legal basis for processing.
    #[serde(default)]
    pub consent_basis: Option<ConsentBasis>,
}

/// Categories of personal data; the special categories are those of GDPR Art. 9(1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DataCategory {
    /// Age or date of birth.
    Age,
    /// Gender.
    Gender,
    /// Location.
    Location,
    /// Interests and behaviour.
    Interests,
    /// Contact lists uploaded by the sponsor.
    ContactList,
    /// Special category: racial or ethnic origin.
    RacialOrEthnicOrigin,
    /// Special category: political opinions.
    PoliticalOpinions,
    /// Special category: religious or philosophical beliefs.
    ReligiousOrPhilosophicalBeliefs,
    /// Special category: trade-union membership.
    TradeUnionMembership,
    /// Special category: genetic data.
    Genetic,
    /// Special category: biometric data for identification.
    Biometric,
    /// Special category: health.
    Health,
    /// Special category: sex life or sexual orientation.
    SexLifeOrOrientation,
}

impl DataCategory {
    /// Whether this is a special category of GDPR Art. 9(1).
    pub fn is_special(self) -> bool {
        !matches!(
            self,
            DataCategory::Age
                | DataCategory::Gender
                | DataCategory::Location
                | DataCategory::Interests
                | DataCategory::ContactList
        )
    }
}

/// Where personal data used for targeting came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DataSource {
    /// Collected from the data subject.
    DataSubject,
    /// Inferred or derived.
    Inferred,
    /// Obtained from a third party.
    ThirdParty,
}

/// Legal basis for processing personal data for targeting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentBasis {
    /// Explicit consent given separately for political advertising.
    ExplicitConsent,
    /// Any other basis (legitimate interest, contract, general consent).
    Other,
}

/// Share of impressions in one bucket.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DistributionShare {
    /// Region code (ISO 3166-2 or a district id), when split by region.
    #[serde(default)]
    pub region: Option<String>,
    /// Age band ("18-24"), when split by age.
    #[serde(default)]
    pub age: Option<String>,
    /// Gender, when split by gender.
    #[serde(default)]
    pub gender: Option<String>,
    /// Fraction of impressions, 0 to 1.
    pub share: f64,
}

/// EU Art. 11 label shown with the ad.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Label {
    /// Statement that this is a political advertisement.
    #[serde(default)]
    pub statement: Option<String>,
    /// Identity of the sponsor.
    #[serde(default)]
    pub sponsor: Option<String>,
    /// Identity of the entity ultimately controlling the sponsor, where there is one.
    #[serde(default)]
    pub controlling_entity: Option<String>,
    /// Statement that targeting or ad-delivery techniques were used, where they were.
    #[serde(default)]
    pub targeting_statement: Option<String>,
    /// Link to the transparency notice.
    #[serde(default)]
    pub notice_url: Option<String>,
}

/// EU Art. 12 transparency notice.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Notice {
    /// Identity and contact details of the sponsor.
    #[serde(default)]
    pub sponsor: Option<String>,
    /// Identity of the entity ultimately controlling the sponsor, where there is one.
    #[serde(default)]
    pub controlling_entity: Option<String>,
    /// Identity of the payer.
    #[serde(default)]
    pub payer: Option<String>,
    /// Period of dissemination.
    #[serde(default)]
    pub period: Option<DateRange>,
    /// Aggregated amounts spent.
    #[serde(default)]
    pub amount: Option<Money>,
    /// Whether the amounts came from inside or outside the Union, and whether public or private.
    #[serde(default)]
    pub amount_origin: Option<AmountOrigin>,
    /// Ids of the linked elections or referendums.
    #[serde(default)]
    pub linked_elections: Vec<String>,
}

/// Origin of the amounts as stated in a notice.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AmountOrigin {
    /// Whether any amount came from outside the Union.
    pub outside_eu: bool,
    /// Public or private.
    pub source: FundingSource,
}
