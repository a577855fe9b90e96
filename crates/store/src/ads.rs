//! Political-advertising registry: records and the `AdStore` storage contract for elections,
//! sponsors, platforms, submissions (accepted and rejected), published ads with versions,
//! creatives addressed by SHA-256, violations, settings and audit records.

use std::ops::ControlFlow;

use crate::Result;

/// An election or referendum registered by an election authority.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ElectionRecord {
    /// Stable id, referred to by ads.
    pub id: String,
    /// The election as `adrules` JSON.
    pub json: String,
    /// The organisation that registered it.
    pub org_id: i64,
    /// Last change, seconds since the epoch.
    pub updated: i64,
}

/// A sponsor, payer or controlling entity in the sponsor registry, reusable by every ad that
/// names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SponsorRecord {
    /// Stable id, referred to by ads and by other sponsors' `controlled_by`.
    pub id: String,
    /// The sponsor as `adrules` JSON.
    pub json: String,
    /// The organisation that registered it; only it may replace the record.
    pub org_id: i64,
    /// Last change, seconds since the epoch.
    pub updated: i64,
}

/// A platform's record in the registry: its monthly reach by language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlatformRecord {
    /// The platform id (the slug of its organisation).
    pub id: String,
    /// The platform as `adrules` JSON.
    pub json: String,
    /// The platform organisation.
    pub org_id: i64,
    /// Last change, seconds since the epoch.
    pub updated: i64,
}

/// One published version of an ad.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdVersionRow {
    /// Version number, from 1.
    pub version: i64,
    /// When it was published, seconds since the epoch.
    pub published: i64,
    /// SHA-256 of the version's creative, when it has one.
    pub creative_sha256: Option<String>,
    /// The public document of the version (none for versions stored before it was kept).
    pub public_json: Option<String>,
}

/// A creative's bytes with their address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCreative {
    /// Lower-case hex SHA-256 of `bytes`.
    pub sha256: String,
    /// Media type.
    pub media_type: String,
    /// The content.
    pub bytes: Vec<u8>,
}

/// The searchable, public form of an ad, written when a submission is published.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AdListing {
    /// Sponsor id.
    pub sponsor: String,
    /// Sponsor's public name.
    pub sponsor_name: String,
    /// Payer id.
    pub payer: String,
    /// Payer's public name.
    pub payer_name: String,
    /// Platform id.
    pub platform: String,
    /// Linked election ids.
    pub elections: Vec<String>,
    /// First day of dissemination, `YYYY-MM-DD`.
    pub start_day: String,
    /// Last day of dissemination, `YYYY-MM-DD` (`9999-12-31` while open).
    pub end_day: String,
    /// Regions of the distribution.
    pub regions: Vec<String>,
    /// Languages (ISO 639-1).
    pub languages: Vec<String>,
    /// Exact spend in minor units, when given.
    pub spend_minor: Option<i64>,
    /// Currency of the spend (empty when none).
    pub currency: String,
    /// The ad's text.
    pub text: String,
    /// SHA-256 of the current creative, when there is one.
    pub creative_sha256: Option<String>,
    /// Last day the ad is public, `YYYY-MM-DD` (none: until retention or forever).
    pub publish_until: Option<String>,
    /// Last day the record is kept, `YYYY-MM-DD` (none: kept).
    pub keep_until: Option<String>,
    /// The public JSON document of the ad (without the registry id, which the reader adds).
    pub public_json: String,
}

/// A violation: one non-ACCEPT rule that fired for a submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewViolation {
    /// Rule id.
    pub rule_id: String,
    /// Outcome (`FLAG`, `REJECT`, `BLOCK`).
    pub outcome: String,
    /// Whether the rule is tagged `foreign_funding`.
    pub foreign_funding: bool,
    /// Linked elections the rule fired for (comma separated, may be empty).
    pub elections: String,
    /// The fired rule as JSON.
    pub detail_json: String,
}

/// One submission of an ad by a platform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAdSubmission {
    /// The submitting platform organisation.
    pub platform_org_id: i64,
    /// The submitting user.
    pub user_id: i64,
    /// The ad id the platform gave.
    pub ad_id: String,
    /// The verdict (`ACCEPT`, `FLAG`, `REJECT`, `BLOCK`).
    pub verdict: String,
    /// The submission as received (with registry elections and creative filled in).
    pub submission_json: String,
    /// The check result as JSON.
    pub result_json: String,
    /// When, seconds since the epoch.
    pub received: i64,
    /// The creative, stored once per SHA-256.
    pub creative: Option<NewCreative>,
    /// The listing to publish; `None` records a rejected submission that is never published.
    pub listing: Option<AdListing>,
    /// Rules that fired with an outcome other than ACCEPT.
    pub violations: Vec<NewViolation>,
}

/// What storing a submission did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdSubmitted {
    /// Id of the submission record.
    pub submission_id: i64,
    /// The public registry id of the ad, when published.
    pub ad: Option<i64>,
    /// The published version number, when published.
    pub version: Option<i64>,
    /// Ids of the violation records, in input order.
    pub violation_ids: Vec<i64>,
}

/// A published ad as read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdRow {
    /// The public registry id (stable, never reused).
    pub id: i64,
    /// The platform organisation.
    pub platform_org_id: i64,
    /// The platform's ad id.
    pub ad_id: String,
    /// Current version number.
    pub version: i64,
    /// Whether the ad is public (its publication date has not passed).
    pub public: bool,
    /// The searchable fields.
    pub listing: AdListing,
    /// Last change, seconds since the epoch.
    pub updated: i64,
}

/// A public search. Empty strings and `None` mean "no filter".
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AdQuery {
    /// Sponsor id or public name (case-insensitive exact).
    pub sponsor: Option<String>,
    /// Payer id or public name (case-insensitive exact).
    pub payer: Option<String>,
    /// Platform id.
    pub platform: Option<String>,
    /// Election id.
    pub election: Option<String>,
    /// Ads running on or after this day (`YYYY-MM-DD`).
    pub from_day: Option<String>,
    /// Ads running on or before this day (`YYYY-MM-DD`).
    pub to_day: Option<String>,
    /// Region of the distribution.
    pub region: Option<String>,
    /// Language.
    pub language: Option<String>,
    /// Smallest spend in minor units.
    pub spend_min: Option<i64>,
    /// Largest spend in minor units.
    pub spend_max: Option<i64>,
    /// Full-text search over the ad text and the sponsor and payer names (words, all must
    /// occur).
    pub text: Option<String>,
    /// Only ads with id greater than this.
    pub after: i64,
    /// Only ads with id at most this (the snapshot of the first page).
    pub upto: i64,
    /// Page size.
    pub limit: usize,
}

/// A violation as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViolationRow {
    /// Internal id, increasing.
    pub id: i64,
    /// The submission it belongs to.
    pub submission_id: i64,
    /// The platform organisation.
    pub platform_org_id: i64,
    /// The platform's ad id.
    pub ad_id: String,
    /// The verdict of the submission.
    pub verdict: String,
    /// Rule id.
    pub rule_id: String,
    /// Outcome of the rule.
    pub outcome: String,
    /// Tagged `foreign_funding`.
    pub foreign_funding: bool,
    /// Elections the rule fired for, comma separated.
    pub elections: String,
    /// The fired rule as JSON.
    pub detail_json: String,
    /// When the submission was received, seconds.
    pub received: i64,
    /// The STIX incident id created for it, if any.
    pub incident_id: Option<String>,
}

/// Which violations to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ViolationQuery<'a> {
    /// Only violations for at least one election registered by this organisation (an
    /// election authority's own); `None` lists violations of every election.
    pub authority_org: Option<i64>,
    /// Only violations for this election.
    pub election: Option<&'a str>,
    /// Only violations with id greater than this.
    pub after: i64,
    /// Page size.
    pub limit: usize,
}

/// A stored submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubmissionRow {
    /// Id.
    pub id: i64,
    /// The platform organisation.
    pub platform_org_id: i64,
    /// The platform's ad id.
    pub ad_id: String,
    /// Verdict.
    pub verdict: String,
    /// Whether it was published.
    pub published: bool,
    /// When, seconds.
    pub received: i64,
}

/// An audit record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRow {
    /// Id, increasing.
    pub id: i64,
    /// When, seconds.
    pub at: i64,
    /// What happened (`hidden`, `purged`).
    pub action: String,
    /// The ad concerned.
    pub ad: i64,
    /// Details.
    pub detail: String,
}

/// What a retention run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RetentionRun {
    /// Ads taken off the public registry.
    pub hidden: u64,
    /// Ads deleted with their versions, submissions and violations.
    pub purged: u64,
}

/// How many rows one page of an election export reads.
pub const EXPORT_PAGE: usize = 1000;

/// Storage of the political-advertising registry. Every method is one transaction.
pub trait AdStore: Send + Sync + 'static {
    /// Creates or replaces an election. A record registered by another organisation is not
    /// replaced (checked in the same statement): the call fails with `NotOwner`.
    fn put_election(&self, election: &ElectionRecord) -> Result<()>;
    /// Finds an election by id.
    fn election_by_id(&self, id: &str) -> Result<Option<ElectionRecord>>;
    /// Every election, by id.
    fn list_elections(&self) -> Result<Vec<ElectionRecord>>;
    /// Creates or replaces a sponsor. A record registered by another organisation is not
    /// replaced: the call fails with `NotOwner`.
    fn put_sponsor(&self, sponsor: &SponsorRecord) -> Result<()>;
    /// Finds a sponsor by id.
    fn sponsor_by_id(&self, id: &str) -> Result<Option<SponsorRecord>>;
    /// Sponsors with id greater than `after`, by id, at most `limit`.
    fn list_sponsors(&self, after: &str, limit: usize) -> Result<Vec<SponsorRecord>>;
    /// Creates or replaces a platform's record.
    fn put_platform(&self, platform: &PlatformRecord) -> Result<()>;
    /// Finds a platform by id.
    fn platform_by_id(&self, id: &str) -> Result<Option<PlatformRecord>>;
    /// Every platform, by id.
    fn list_platforms(&self) -> Result<Vec<PlatformRecord>>;
    /// Stores a submission with its creative and violations and, when it carries a listing,
    /// publishes it as a new version of the platform's ad (creating the ad on first
    /// publication; its id never changes).
    fn add_ad_submission(&self, sub: &NewAdSubmission) -> Result<AdSubmitted>;
    /// Stores many submissions in one transaction (all or nothing), in order.
    fn add_ad_submissions(&self, subs: &[NewAdSubmission]) -> Result<Vec<AdSubmitted>>;
    /// Records the STIX incident created for a violation.
    fn set_violation_incident(&self, violation_id: i64, incident_id: &str) -> Result<()>;
    /// A published ad by id (public or not).
    fn ad_by_id(&self, id: i64) -> Result<Option<AdRow>>;
    /// The published versions of an ad, oldest first (empty when the ad does not exist).
    fn ad_versions(&self, ad: i64) -> Result<Vec<AdVersionRow>>;
    /// The largest ad id ever assigned (0 when none).
    fn max_ad_id(&self) -> Result<i64>;
    /// Public ads matching `query`, by id, at most `query.limit`.
    fn search_ads(&self, query: &AdQuery) -> Result<Vec<AdRow>>;
    /// One page of the public ads linked to an election: ids above `after` and at most
    /// `upto`, by id, at most `limit`. Each page is its own short read, so a slow consumer
    /// never holds a read transaction.
    fn election_ads_page(
        &self,
        election: &str,
        after: i64,
        upto: i64,
        limit: usize,
    ) -> Result<Vec<AdRow>>;
    /// Streams the public ads linked to an election, by id, reading them in pages of
    /// [`EXPORT_PAGE`] (the ads that exist when it starts; `visit` runs outside any read).
    fn scan_election_ads(
        &self,
        election: &str,
        visit: &mut dyn FnMut(AdRow) -> ControlFlow<()>,
    ) -> Result<()> {
        let upto = self.max_ad_id()?;
        let mut after = 0;
        loop {
            let page = self.election_ads_page(election, after, upto, EXPORT_PAGE)?;
            let full = page.len() == EXPORT_PAGE;
            for row in page {
                after = row.id;
                if visit(row).is_break() {
                    return Ok(());
                }
            }
            if !full {
                return Ok(());
            }
        }
    }
    /// A creative by SHA-256: media type and bytes.
    fn creative(&self, sha256: &str) -> Result<Option<(String, Vec<u8>)>>;
    /// Submissions of one platform ad, oldest first.
    fn ad_submissions(&self, platform_org_id: i64, ad_id: &str) -> Result<Vec<SubmissionRow>>;
    /// Violations matching `query` (id greater than `after`, optionally linked to one
    /// election and to the elections of one authority), at most `limit`, by id.
    fn list_violations(&self, query: &ViolationQuery<'_>) -> Result<Vec<ViolationRow>>;
    /// Reads a registry setting.
    fn ad_setting(&self, key: &str) -> Result<Option<String>>;
    /// Writes a registry setting.
    fn set_ad_setting(&self, key: &str, value: &str) -> Result<()>;
    /// The retention job for day `today` (`YYYY-MM-DD`) at time `now` (seconds): ads whose
    /// publication day has passed stop being public, ads whose retention day has passed are
    /// deleted; each change gets an audit record.
    fn run_ad_retention(&self, today: &str, now: i64) -> Result<RetentionRun>;
    /// Audit records with id greater than `after`, by id.
    fn ad_audit(&self, after: i64, limit: usize) -> Result<Vec<AuditRow>>;
}
