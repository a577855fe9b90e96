//! ads: the political-advertising registry service, over `hub`'s public API and its own
//! [`store::AdStore`]. The registry and its public archive (the `/public/` routes) are one
//! domain, `ads`. Platforms register themselves and sponsors and submit
//! ads (checked by `adrules`), election authorities register elections and follow violations
//! (foreign-funding and foreign-interference ones also become STIX incidents through the hub's
//! own ingest), and the public searches and downloads published ads with their versions.
//! Rejected submissions are recorded and never published. A retention job takes ads off the
//! public registry after their publication date and purges them after their retention date,
//! with an audit record.
//!
//! It knows no HTTP and no SQL.
//!
//! ```
//! use std::sync::Arc;
//! use hub::{Hub, HubConfig};
//!
//! let dir = tempfile::tempdir().unwrap();
//! let store = Arc::new(store_sqlite::SqliteStore::open(&dir.path().join("hub.db")).unwrap());
//! let hub = Hub::new(store.clone(), HubConfig::new([7u8; 32])).unwrap();
//! let ads = ads::Ads::new(hub, store);
//! assert!(ads.public_elections().unwrap().is_empty());
//! assert_eq!(ads.public_ad(1).unwrap_err().code(), "not_found");
//! ```

use std::ops::ControlFlow;
use std::sync::{Arc, OnceLock};

use adrules::model::{
    Ad, AdClass, CanadianRole, Creative, Dissemination, DistributionShare, EuBasis, FundingSource,
    Label, Money, Notice, Range, SponsorKind, TargetingCriterion,
};
use adrules::{Date, Engine, Limits, Outcome, Submission};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use store::{
    AdListing, AdQuery, AdRow, AdStore, ElectionRecord, NewAdSubmission, NewCreative, NewViolation,
    PlatformRecord, RetentionRun, Role, Sector, SponsorRecord, StoreError, Tlp, ViolationQuery,
    ViolationRow,
};

use hub::{now_micros, now_secs, Hub, Principal};

mod error;
mod request;
pub use error::Error;
pub use request::{CreativeData, ImportRecord, Keyed, RecordBody, SubmissionRequest, SubmitBody};

/// The registry's election, platform and sponsor records are the `adrules` ones.
pub use adrules::model::{Election, Platform, Sponsor};

/// Setting written by earlier versions: the collection (UUID) every incident went to, chosen
/// over HTTP by any election authority. Read only, as that authority's own destination.
const SET_COLLECTION: &str = "incident_collection";
/// Setting written by earlier versions: the user who chose it, incidents are ingested as.
const SET_USER: &str = "incident_user";
/// Setting written by earlier versions: the TLP of those incidents.
const SET_TLP: &str = "incident_tlp";
/// Setting: the operator's hub-wide default destination (JSON).
const SET_DEFAULT: &str = "incident_destination.default";

/// Setting key of one election's incident destination.
fn election_key(election: &str) -> String {
    format!("incident_destination.election.{election}")
}

/// Setting key of the incident destination an authority chose for all its elections.
fn org_key(org_id: i64) -> String {
    format!("incident_destination.org.{org_id}")
}

/// Where the STIX incidents of an election's violations go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentDestination {
    /// The collection's UUID.
    pub collection: String,
    /// The election-authority user incidents are ingested as.
    pub user: String,
    /// The TLP of the incidents.
    pub tlp: Tlp,
}

/// The label of the STIX incident a fired rule with these tags becomes, if any: rules on
/// foreign funding (`foreign-funding`) and on foreign buyers or sponsors
/// (`foreign-interference`).
fn incident_label(tags: &[String]) -> Option<&'static str> {
    if tags.iter().any(|t| t == "foreign_funding") {
        Some("foreign-funding")
    } else if tags.iter().any(|t| t == "foreign_interference") {
        Some("foreign-interference")
    } else {
        None
    }
}

/// How many `controlled_by` steps a control chain may have.
const MAX_CHAIN: usize = 32;

/// The largest page of a public search.
pub const MAX_PUBLIC_PAGE: usize = 200;
/// The default page of a public search.
pub const DEFAULT_PUBLIC_PAGE: usize = 50;

/// The shipped rules engine, built once.
fn engine() -> Result<&'static Engine, Error> {
    static ENGINE: OnceLock<Result<Engine, String>> = OnceLock::new();
    ENGINE
        .get_or_init(|| Engine::shipped().map_err(|e| e.to_string()))
        .as_ref()
        .map_err(|e| Error::broken(format!("the shipped ad rules do not load: {e}")))
}

/// The creative limits (size and media types) of the registry.
pub fn creative_limits() -> Limits {
    Limits::default()
}

/// A creative uploaded with a submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreativeUpload {
    /// The bytes.
    pub bytes: Vec<u8>,
    /// The declared media type (`image/png`, ...).
    pub media_type: String,
}

/// What a submission did (the body of `POST /api/v1/ads`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SubmitOutcome {
    /// The verdict.
    pub verdict: Outcome,
    /// Whether the ad was published (ACCEPT or FLAG).
    pub published: bool,
    /// The public registry id, when published.
    #[serde(rename = "id")]
    pub ad: Option<i64>,
    /// The published version, when published.
    pub version: Option<i64>,
    /// The submission record's id.
    pub submission_id: i64,
    /// STIX incident ids created for foreign-funding and foreign-interference violations.
    pub incidents: Vec<String>,
    /// The full check result (verdict, every fired rule, retention dates).
    pub result: adrules::CheckResult,
}

/// A checked submission ready to store.
struct Prepared {
    new: NewAdSubmission,
    /// For each violation, the incident label when it becomes a STIX incident.
    incident_labels: Vec<Option<&'static str>>,
    sub: Submission,
    verdict: Outcome,
    published: bool,
    result: adrules::CheckResult,
}

/// A public search's filters (no paging).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PublicSearch {
    /// Sponsor id or public name.
    pub sponsor: Option<String>,
    /// Payer id or public name.
    pub payer: Option<String>,
    /// Platform id.
    pub platform: Option<String>,
    /// Election id.
    pub election: Option<String>,
    /// Running on or after this day, `YYYY-MM-DD`.
    pub from: Option<String>,
    /// Running on or before this day, `YYYY-MM-DD`.
    pub to: Option<String>,
    /// Region of the distribution.
    pub region: Option<String>,
    /// Language (ISO 639-1).
    pub language: Option<String>,
    /// Smallest exact spend, minor units.
    pub spend_min: Option<i64>,
    /// Largest exact spend, minor units.
    pub spend_max: Option<i64>,
    /// Words that must all occur in the text or the sponsor and payer names.
    pub q: Option<String>,
}

/// A page of public ads (the body of `GET /public/ads`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AdPage {
    /// The ads, by id.
    pub ads: Vec<PublicAd>,
    /// The cursor of the next page, when more may follow.
    pub next: Option<String>,
}

/// A violation as its election authority reads it (`GET /api/v1/ads/violations`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Violation {
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
    /// Elections the rule fired for.
    pub elections: Vec<String>,
    /// When the submission was received, seconds.
    pub received: i64,
    /// The STIX incident id created for it, if any.
    pub incident_id: Option<String>,
    /// The fired rule; `None` when its stored form cannot be read.
    pub rule: Option<ViolationRule>,
}

/// The rule that fired for a violation, as the engine reported it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ViolationRule {
    /// Rule id.
    pub rule_id: String,
    /// Id of the rule set holding the rule.
    pub rule_set: String,
    /// Legal citation.
    pub citation: String,
    /// Short title.
    pub title: String,
    /// Outcome of the rule.
    pub outcome: Outcome,
    /// Plain-language explanation.
    pub explanation: String,
    /// The rule's tags.
    pub tags: Vec<String>,
    /// What in the ad made the rule fire.
    pub details: Vec<String>,
    /// Linked elections the rule fired for.
    pub elections: Vec<String>,
}

impl Violation {
    /// The view of a stored violation.
    pub fn of(v: &ViolationRow) -> Violation {
        Violation {
            id: v.id,
            submission_id: v.submission_id,
            platform_org_id: v.platform_org_id,
            ad_id: v.ad_id.clone(),
            verdict: v.verdict.clone(),
            rule_id: v.rule_id.clone(),
            outcome: v.outcome.clone(),
            foreign_funding: v.foreign_funding,
            elections: if v.elections.is_empty() {
                Vec::new()
            } else {
                v.elections.split(',').map(str::to_string).collect()
            },
            received: v.received,
            incident_id: v.incident_id.clone(),
            rule: serde_json::from_str(&v.detail_json).ok(),
        }
    }
}

/// A published ad as the public sees it: its registry id and version, then its public
/// document.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PublicAd {
    /// Registry id.
    pub id: i64,
    /// Published version.
    pub version: i64,
    /// The published fields; absent only when the stored document cannot be read.
    #[serde(flatten)]
    pub document: Option<PublicAdDocument>,
}

/// The public document of one version of an ad: only the fields a registry publishes. It has
/// no field for anything private (no submitter, no sponsor's citizenship or residence, no
/// legal name behind a disclosed one), so none can be published by mistake.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublicAdDocument {
    /// Platform id.
    pub platform: String,
    /// The platform's own id of the ad.
    pub platform_ad_id: String,
    /// The sponsor.
    pub sponsor: PublicAdParty,
    /// The payer (the sponsor when none is named).
    pub payer: PublicAdParty,
    /// Who authorized the ad.
    pub authorized_by: Option<String>,
    /// Kind of ad.
    pub class: AdClass,
    /// Linked election ids.
    pub elections: Vec<String>,
    /// The ad's text.
    pub text: String,
    /// Languages (ISO 639-1).
    pub languages: Vec<String>,
    /// When it was meant to run.
    pub intended_dissemination: Dissemination,
    /// When it ran, when known.
    pub actual_dissemination: Option<Dissemination>,
    /// Exact spend.
    pub spend: Option<Money>,
    /// Spend range.
    pub spend_range: Option<Range>,
    /// Impressions range.
    pub impressions_range: Option<Range>,
    /// Targeting criteria.
    pub targeting: Vec<TargetingCriterion>,
    /// Distribution by region, age and gender.
    pub distribution: Vec<DistributionShare>,
    /// Tagline.
    pub tagline: Option<String>,
    /// Political-ad label.
    pub label: Option<Label>,
    /// Transparency notice.
    pub notice: Option<Notice>,
    /// The creative's hash, type and size.
    pub creative: Option<Creative>,
    /// The verdict.
    pub verdict: Outcome,
    /// The rules that fired.
    pub fired: Vec<PublicFiredRule>,
    /// Latest day the ad stays public, `YYYY-MM-DD`.
    pub publish_until: Option<String>,
    /// Latest day it is kept, `YYYY-MM-DD`.
    pub keep_until: Option<String>,
}

/// A sponsor or payer in a public ad document: its public form, or only its id when the
/// submission did not describe it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum PublicAdParty {
    /// The public form of the party.
    Known(PublicParty),
    /// Only the id.
    Unknown {
        /// Registry id.
        id: String,
    },
}

/// A fired rule as the public sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicFiredRule {
    /// Rule id.
    pub rule_id: String,
    /// What the rule asks for.
    pub outcome: Outcome,
    /// Legal citation.
    pub citation: String,
}

/// One published version of an ad (an entry of `GET /public/ads/{id}/versions`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PublicAdVersion {
    /// Version number.
    pub version: i64,
    /// When it was published.
    pub published: String,
    /// SHA-256 of its creative.
    pub creative_sha256: Option<String>,
    /// Its public document.
    pub document: Option<PublicAdDocument>,
}

/// A registered platform as the public sees it: the platform record and when it changed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PublicPlatform {
    /// The platform record (name, monthly reach by language).
    #[serde(flatten)]
    pub platform: adrules::model::Platform,
    /// When it was last registered.
    pub updated: String,
}

/// A registered election as the public sees it: the election and its computed periods.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PublicElection {
    /// The election.
    #[serde(flatten)]
    pub election: adrules::model::Election,
    /// Its election, pre-election and EU sponsor periods.
    pub periods: adrules::model::Periods,
}

fn day_text(d: Date) -> String {
    if d == Date::MAX {
        return "9999-12-31".to_string();
    }
    let (y, m, dd) = d.ymd();
    format!("{y:04}-{m:02}-{dd:02}")
}

/// Checks that the caller's organisation is of one of `sectors` and, when `write`, that the
/// user may write (analyst or admin); `what` names the action in the refusal.
fn require_sector(p: &Principal, sectors: &[Sector], write: bool, what: &str) -> Result<(), Error> {
    if !sectors.contains(&p.org.sector) {
        let names: Vec<String> = sectors.iter().map(Sector::to_string).collect();
        return Err(Error::Forbidden(format!(
            "{what} needs an organisation of sector {}; '{}' is {}",
            names.join(" or "),
            p.org.slug,
            p.org.sector
        )));
    }
    if write && p.user.role == Role::Reader {
        return Err(Error::Forbidden(format!(
            "user '{}' has the reader role; {what} needs analyst or admin",
            p.user.username
        )));
    }
    Ok(())
}

fn adrules_error(e: adrules::Error) -> Error {
    match e {
        adrules::Error::Invalid(fields) => {
            let field = fields
                .first()
                .map(|f| f.field.clone())
                .unwrap_or_else(|| "submission".to_string());
            let message = fields
                .iter()
                .map(|f| f.to_string())
                .collect::<Vec<_>>()
                .join("; ");
            Error::Invalid { field, message }
        }
        other => Error::invalid("submission", other.to_string()),
    }
}

fn check_id(field: &str, id: &str) -> Result<(), Error> {
    if id.is_empty()
        || id.len() > 200
        || !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'))
    {
        return Err(Error::invalid(
            field,
            format!("{id:?} is not a valid id: 1 to 200 characters of A-Z a-z 0-9 - _ . :"),
        ));
    }
    Ok(())
}

/// Parses a `YYYY-MM-DD` day, naming the field.
fn parse_day(field: &str, s: &str) -> Result<String, Error> {
    Date::parse(s)
        .map(day_text)
        .ok_or_else(|| Error::invalid(field, format!("{s:?} is not a date (YYYY-MM-DD)")))
}

/// The cursor fingerprint of a search's filters.
fn fingerprint(s: &PublicSearch) -> String {
    let text = format!("{s:?}");
    let digest = Sha256::digest(text.as_bytes());
    hex::encode(&digest[..8])
}

/// The public document of an ad row: its id and version, then the published fields.
pub fn ad_document(row: &AdRow) -> PublicAd {
    PublicAd {
        id: row.id,
        version: row.version,
        document: serde_json::from_str(&row.listing.public_json).ok(),
    }
}

/// One JSON Lines record of an ad (the public document), without the newline.
pub fn ad_json_line(row: &AdRow, out: &mut String) {
    use std::fmt::Write;
    let _ = write!(out, "{{\"id\":{},\"version\":{}", row.id, row.version);
    let rest = row.listing.public_json.trim();
    match rest.strip_prefix('{') {
        Some(body) if body.trim() != "}" => {
            out.push(',');
            out.push_str(body);
        }
        _ => out.push('}'),
    }
}

/// The columns of the CSV export.
pub const AD_CSV_COLUMNS: [&str; 17] = [
    "id",
    "version",
    "platform",
    "ad_id",
    "sponsor",
    "sponsor_name",
    "payer",
    "payer_name",
    "elections",
    "start_day",
    "end_day",
    "regions",
    "languages",
    "spend_minor",
    "currency",
    "creative_sha256",
    "text",
];

/// One CSV record of an ad, in the order of [`AD_CSV_COLUMNS`]; write it with
/// [`crate::csv_dialect::writer`].
pub fn ad_csv_record(row: &AdRow) -> [String; 17] {
    let l = &row.listing;
    [
        row.id.to_string(),
        row.version.to_string(),
        l.platform.clone(),
        row.ad_id.clone(),
        l.sponsor.clone(),
        l.sponsor_name.clone(),
        l.payer.clone(),
        l.payer_name.clone(),
        l.elections.join(";"),
        l.start_day.clone(),
        l.end_day.clone(),
        l.regions.join(";"),
        l.languages.join(";"),
        l.spend_minor.map(|s| s.to_string()).unwrap_or_default(),
        l.currency.clone(),
        l.creative_sha256.clone().unwrap_or_default(),
        l.text.clone(),
    ]
}

/// Builds the listing (searchable and public form) of a checked submission.
fn listing(sub: &Submission, result: &adrules::CheckResult) -> AdListing {
    let ad = &sub.ad;
    let name_of = |id: &str| {
        sub.sponsors
            .iter()
            .find(|s| s.id == id)
            .map(|s| s.public_name().to_string())
            .unwrap_or_else(|| id.to_string())
    };
    let sponsor_doc = |id: &str| match sub.sponsors.iter().find(|s| s.id == id) {
        Some(s) => PublicAdParty::Known(PublicParty::of(s)),
        None => PublicAdParty::Unknown { id: id.to_string() },
    };
    let days = ad.dissemination().days();
    let mut regions: Vec<String> = ad
        .distribution
        .iter()
        .filter_map(|d| d.region.clone())
        .collect();
    regions.sort();
    regions.dedup();
    let fired: Vec<PublicFiredRule> = result
        .fired
        .iter()
        .map(|f| PublicFiredRule {
            rule_id: f.rule_id.to_string(),
            outcome: f.outcome,
            citation: f.citation.to_string(),
        })
        .collect();
    let public = PublicAdDocument {
        platform: sub.platform.id.clone(),
        platform_ad_id: ad.platform_ad_id.clone().unwrap_or_else(|| ad.id.clone()),
        sponsor: sponsor_doc(&ad.sponsor),
        payer: sponsor_doc(ad.payer_id()),
        authorized_by: ad.authorized_by.clone(),
        class: ad.class,
        elections: ad.linked_elections.clone(),
        text: ad.text.clone(),
        languages: ad.languages.clone(),
        intended_dissemination: ad.intended_dissemination.clone(),
        actual_dissemination: ad.actual_dissemination.clone(),
        spend: ad.spend.clone(),
        spend_range: ad.spend_range,
        impressions_range: ad.impressions_range,
        targeting: ad.targeting.clone(),
        distribution: ad.distribution.clone(),
        tagline: ad.tagline.clone(),
        label: ad.label.clone(),
        notice: ad.notice.clone(),
        creative: ad.creative.clone(),
        verdict: result.verdict,
        fired,
        publish_until: result.retention.publish_until.map(day_text),
        keep_until: result.retention.keep_until.map(day_text),
    };
    AdListing {
        sponsor: ad.sponsor.clone(),
        sponsor_name: name_of(&ad.sponsor),
        payer: ad.payer_id().to_string(),
        payer_name: name_of(ad.payer_id()),
        platform: sub.platform.id.clone(),
        elections: ad.linked_elections.clone(),
        start_day: day_text(days.start),
        end_day: day_text(days.end),
        regions,
        languages: ad.languages.clone(),
        spend_minor: ad.spend.as_ref().map(|s| s.minor),
        currency: ad
            .spend
            .as_ref()
            .map(|s| s.currency.clone())
            .unwrap_or_default(),
        text: ad.text.clone(),
        creative_sha256: ad.creative.as_ref().map(|c| c.sha256.clone()),
        publish_until: result.retention.publish_until.map(day_text),
        keep_until: result.retention.keep_until.map(day_text),
        public_json: serde_json::to_string(&public).unwrap_or_default(),
    }
}

/// The ad-registry service: its store and the hub for identities and incident publication.
/// Cheap to clone.
#[derive(Clone)]
pub struct Ads {
    hub: Hub,
    store: Arc<dyn AdStore>,
}

impl std::fmt::Debug for Ads {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ads").finish_non_exhaustive()
    }
}

impl Ads {
    /// The ad registry over its store.
    pub fn new(hub: Hub, store: Arc<dyn AdStore>) -> Ads {
        Ads { hub, store }
    }

    /// The hub incidents are published through.
    pub fn hub(&self) -> &Hub {
        &self.hub
    }

    fn store(&self) -> &dyn AdStore {
        self.store.as_ref()
    }
}

/// A record a caller asks to register, for [`Ads::may_register`].
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Registration<'a> {
    /// An election.
    Election,
    /// A sponsor, payer or controlling entity.
    Sponsor,
    /// The platform record of this id.
    Platform(&'a str),
}

impl Ads {
    /// Whether `p` may register `what` at all, from its organisation's sector, its role and
    /// (for a platform record) the record's id; the `put_` methods check it first, and a
    /// server may check it before it reads a body. Ownership of an existing record is
    /// checked when it is written.
    pub fn may_register(&self, p: &Principal, what: Registration<'_>) -> Result<(), Error> {
        match what {
            Registration::Election => require_sector(
                p,
                &[Sector::ElectionAuthority],
                true,
                "registering elections",
            ),
            Registration::Sponsor => require_sector(
                p,
                &[Sector::Platform, Sector::ElectionAuthority],
                true,
                "registering sponsors",
            ),
            Registration::Platform(id) => {
                require_sector(p, &[Sector::Platform], true, "registering a platform")?;
                if id != p.org.slug {
                    return Err(Error::Forbidden(format!(
                        "organisation '{}' may only register its own platform record ('{}')",
                        p.org.slug, p.org.slug
                    )));
                }
                Ok(())
            }
        }
    }

    /// Registers or replaces election `id` (an `adrules` election; a body without `id` takes
    /// this one, a different one is refused). Needs an
    /// election-authority organisation and the analyst or admin role; only the organisation
    /// that registered an election may replace it. The election is validated as a
    /// submission's elections are (dates in order, every district's polls closing on polling
    /// day in an offset in use), the field named.
    pub fn put_election(
        &self,
        p: &Principal,
        id: &str,
        body: RecordBody<Election>,
    ) -> Result<ElectionRecord, Error> {
        self.may_register(p, Registration::Election)?;
        check_id("id", id)?;
        let e = body.into_record(id)?;
        // The same checks a submission's elections get, so a registered election never makes
        // the submissions linked to it invalid.
        if let Some(f) = adrules::validate::validate_election(&e).into_iter().next() {
            return Err(Error::invalid(&f.field, f.message));
        }
        let json = serde_json::to_string(&e)
            .map_err(|err| Error::internal("an election does not serialize", err))?;
        let rec = ElectionRecord {
            id: e.id.clone(),
            json,
            org_id: p.org.id,
            updated: now_secs(),
        };
        match self.store().put_election(&rec) {
            Ok(()) => Ok(rec),
            Err(StoreError::NotOwner { .. }) => Err(Error::Forbidden(format!(
                "election {:?} is registered by another organisation; only it may change it",
                e.id
            ))),
            Err(e) => Err(e.into()),
        }
    }

    /// Every registered election.
    pub fn elections(&self) -> Result<Vec<adrules::model::Election>, Error> {
        Ok(self
            .store()
            .list_elections()?
            .into_iter()
            .filter_map(|r| serde_json::from_str(&r.json).ok())
            .collect())
    }

    /// Submits or updates an ad as a platform organisation (analyst or admin).
    ///
    /// `submission` is completed from the registries (see [`SubmissionRequest`]): its
    /// elections always (an unknown linked election is refused), its platform and sponsors
    /// when it leaves them out; `platform.id` must be the caller's organisation slug. A creative uploaded with it is stored by SHA-256 and described in
    /// `ad.creative`. Bad input (unknown codes, dates out of order, negative amounts, an
    /// unknown election, a creative too large or of an unsupported type) is refused with the
    /// field named and nothing stored. Otherwise the submission is recorded with its verdict;
    /// ACCEPT and FLAG publish a new version of the ad, REJECT and BLOCK are never published.
    pub fn submit_ad(
        &self,
        p: &Principal,
        submission: SubmissionRequest,
        creative: Option<CreativeUpload>,
    ) -> Result<SubmitOutcome, Error> {
        let prepared = self.prepare_ad(p, submission, creative)?;
        let stored = self.store().add_ad_submission(&prepared.new)?;
        self.finish_ad(p, prepared, stored)
    }

    /// Submits many ads as [`Ads::submit_ad`] does, storing the valid ones in one transaction;
    /// returns one outcome per input, in order (bad input fails only its own entry).
    pub fn submit_ads(
        &self,
        p: &Principal,
        inputs: Vec<(SubmissionRequest, Option<CreativeUpload>)>,
    ) -> Result<Vec<Result<SubmitOutcome, Error>>, Error> {
        let mut prepared = Vec::with_capacity(inputs.len());
        let mut out: Vec<Option<Result<SubmitOutcome, Error>>> = Vec::with_capacity(inputs.len());
        let mut at = Vec::new();
        for (i, (sub, creative)) in inputs.into_iter().enumerate() {
            match self.prepare_ad(p, sub, creative) {
                Ok(pr) => {
                    prepared.push(pr);
                    at.push(i);
                    out.push(None);
                }
                Err(e) if e.is_internal() => return Err(e),
                Err(e) => out.push(Some(Err(e))),
            }
        }
        let news: Vec<NewAdSubmission> = prepared.iter().map(|pr| pr.new.clone()).collect();
        let stored = self.store().add_ad_submissions(&news)?;
        for ((pr, st), i) in prepared.into_iter().zip(stored).zip(at) {
            if let Some(slot) = out.get_mut(i) {
                *slot = Some(self.finish_ad(p, pr, st));
            }
        }
        Ok(out
            .into_iter()
            .map(|o| o.unwrap_or_else(|| Err(Error::invalid("submission", "not processed"))))
            .collect())
    }

    /// Validates and checks one submission; nothing is stored.
    fn prepare_ad(
        &self,
        p: &Principal,
        request: SubmissionRequest,
        creative: Option<CreativeUpload>,
    ) -> Result<Prepared, Error> {
        require_sector(p, &[Sector::Platform], true, "submitting ads")?;
        let SubmissionRequest {
            mut ad,
            sponsors,
            platform,
            ..
        } = request;
        // Elections come from the registry.
        let mut elections = Vec::with_capacity(ad.linked_elections.len());
        for (i, id) in ad.linked_elections.iter().enumerate() {
            let rec = self.store().election_by_id(id)?.ok_or_else(|| {
                Error::invalid(
                    &format!("ad.linked_elections[{i}]"),
                    format!("election {id:?} does not exist in the registry"),
                )
            })?;
            let e: Election = serde_json::from_str(&rec.json).map_err(|e| {
                Error::internal(format!("the stored election {id:?} does not parse"), e)
            })?;
            elections.push(e);
        }
        let platform = match platform {
            Some(platform) => platform,
            None => self.registered_platform(p)?,
        };
        let sponsors = self.fill_sponsors(&ad, sponsors)?;
        // The creative: a supported type, within the size limit, and bytes of that type.
        let limits = creative_limits();
        let mut new_creative = None;
        if let Some(up) = creative {
            let media_type = adrules::media::normalize_media_type(&up.media_type);
            adrules::check_creative(&media_type, &up.bytes, &limits)
                .map_err(|m| Error::invalid("creative", m))?;
            let sha256 = hex::encode(Sha256::digest(&up.bytes));
            ad.creative = Some(Creative {
                sha256: sha256.clone(),
                media_type: media_type.clone(),
                size_bytes: u64::try_from(up.bytes.len()).unwrap_or(u64::MAX),
            });
            new_creative = Some(NewCreative {
                sha256,
                media_type,
                bytes: up.bytes,
            });
        }
        let sub = Submission {
            ad,
            sponsors,
            elections,
            platform,
        };
        if sub.platform.id != p.org.slug {
            return Err(Error::invalid(
                "platform.id",
                format!(
                    "{:?} is not the submitting organisation; use {:?}",
                    sub.platform.id, p.org.slug
                ),
            ));
        }
        check_id("ad.id", &sub.ad.id)?;
        if new_creative.is_none() {
            if let Some(c) = &sub.ad.creative {
                if self.store().creative(&c.sha256)?.is_none() {
                    return Err(Error::invalid(
                        "ad.creative",
                        "the creative's bytes are not stored yet: upload them with the ad",
                    ));
                }
            }
        }
        let result = engine()?.check(&sub).map_err(adrules_error)?;
        let published = matches!(result.verdict, Outcome::Accept | Outcome::Flag);
        let violations: Vec<NewViolation> = result
            .fired
            .iter()
            .filter(|f| f.outcome != Outcome::Accept)
            .map(|f| NewViolation {
                rule_id: f.rule_id.to_string(),
                outcome: f.outcome.as_str().to_string(),
                foreign_funding: f.tags.iter().any(|t| t == "foreign_funding"),
                elections: f.elections.join(","),
                detail_json: serde_json::to_string(f).unwrap_or_default(),
            })
            .collect();
        let incident_labels = result
            .fired
            .iter()
            .filter(|f| f.outcome != Outcome::Accept)
            .map(|f| incident_label(&f.tags))
            .collect();
        let new = NewAdSubmission {
            platform_org_id: p.org.id,
            user_id: p.user.id,
            ad_id: sub.ad.id.clone(),
            verdict: result.verdict.as_str().to_string(),
            submission_json: serde_json::to_string(&sub).unwrap_or_default(),
            result_json: serde_json::to_string(&result).unwrap_or_default(),
            received: now_secs(),
            creative: new_creative,
            listing: published.then(|| listing(&sub, &result)),
            violations,
        };
        Ok(Prepared {
            new,
            incident_labels,
            sub,
            verdict: result.verdict,
            published,
            result,
        })
    }

    /// Publishes the incidents of a stored submission and builds its outcome.
    fn finish_ad(
        &self,
        p: &Principal,
        pr: Prepared,
        stored: store::AdSubmitted,
    ) -> Result<SubmitOutcome, Error> {
        let mut incidents = Vec::new();
        for ((v, id), label) in pr
            .new
            .violations
            .iter()
            .zip(&stored.violation_ids)
            .zip(&pr.incident_labels)
        {
            if let Some(label) = label {
                incidents.extend(self.publish_incidents(p, &pr.sub, v, *id, label)?);
            }
        }
        Ok(SubmitOutcome {
            verdict: pr.verdict,
            published: pr.published,
            ad: stored.ad,
            version: stored.version,
            submission_id: stored.submission_id,
            result: pr.result,
            incidents,
        })
    }

    /// Where the incidents of an election's violations go: the election's own destination,
    /// else the one its authority chose for all its elections, else the hub-wide default;
    /// `None` when there is none.
    pub fn incident_destination(
        &self,
        election: &str,
    ) -> Result<Option<IncidentDestination>, Error> {
        if let Some(d) = self.destination_setting(&election_key(election))? {
            return Ok(Some(d));
        }
        if let Some(rec) = self.store().election_by_id(election)? {
            if let Some(d) = self.destination_setting(&org_key(rec.org_id))? {
                return Ok(Some(d));
            }
            if let Some(d) = self.legacy_destination(rec.org_id)? {
                return Ok(Some(d));
            }
        }
        self.destination_setting(SET_DEFAULT)
    }

    /// The single destination earlier versions let any authority choose for every election;
    /// it now counts only for the elections of the organisation whose user chose it.
    fn legacy_destination(&self, org_id: i64) -> Result<Option<IncidentDestination>, Error> {
        let (Some(collection), Some(user)) = (
            self.store().ad_setting(SET_COLLECTION)?,
            self.store().ad_setting(SET_USER)?,
        ) else {
            return Ok(None);
        };
        match self.hub.user_by_name(&user)? {
            Some(u) if u.org_id == org_id => {}
            _ => return Ok(None),
        }
        let tlp = self
            .store()
            .ad_setting(SET_TLP)?
            .and_then(|t| t.parse::<Tlp>().ok())
            .unwrap_or(Tlp::Amber);
        Ok(Some(IncidentDestination {
            collection,
            user,
            tlp,
        }))
    }

    /// A destination stored as JSON under `key`.
    fn destination_setting(&self, key: &str) -> Result<Option<IncidentDestination>, Error> {
        let Some(text) = self.store().ad_setting(key)? else {
            return Ok(None);
        };
        let v: Value = parse_stored("incident destination", &text)?;
        let field = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
        match (field("collection"), field("user")) {
            (Some(collection), Some(user)) => Ok(Some(IncidentDestination {
                collection,
                user,
                tlp: field("tlp")
                    .and_then(|t| t.parse::<Tlp>().ok())
                    .unwrap_or(Tlp::Amber),
            })),
            _ => Ok(None),
        }
    }

    /// Publishes one foreign-funding or foreign-interference violation as a STIX incident in
    /// the destination of each election it fired for (once per distinct destination), as the
    /// authority user who chose it; the violation records the first incident. Nothing happens
    /// for elections without a destination.
    fn publish_incidents(
        &self,
        platform: &Principal,
        sub: &Submission,
        v: &NewViolation,
        violation_id: i64,
        label: &str,
    ) -> Result<Vec<String>, Error> {
        let mut destinations: Vec<IncidentDestination> = Vec::new();
        let elections: Vec<&str> = v.elections.split(',').filter(|e| !e.is_empty()).collect();
        let mut found = Vec::new();
        if elections.is_empty() {
            found.extend(self.destination_setting(SET_DEFAULT)?);
        }
        for e in elections {
            found.extend(self.incident_destination(e)?);
        }
        for d in found {
            if !destinations.contains(&d) {
                destinations.push(d);
            }
        }
        let mut ids = Vec::new();
        for d in &destinations {
            let id = self.publish_incident(platform, sub, v, violation_id, label, d)?;
            if ids.is_empty() {
                self.store().set_violation_incident(violation_id, &id)?;
            }
            ids.push(id);
        }
        Ok(ids)
    }

    /// Publishes one incident in one destination; its id.
    fn publish_incident(
        &self,
        platform: &Principal,
        sub: &Submission,
        v: &NewViolation,
        violation_id: i64,
        label: &str,
        dest: &IncidentDestination,
    ) -> Result<String, Error> {
        let authority = self.hub.principal_for(&dest.user)?;
        let detail: Value = serde_json::from_str(&v.detail_json).unwrap_or(Value::Null);
        let explanation = detail
            .get("explanation")
            .and_then(Value::as_str)
            .unwrap_or("");
        let reasons: Vec<&str> = detail
            .get("details")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let citation = detail.get("citation").and_then(Value::as_str).unwrap_or("");
        let ts = stix::format_timestamp(now_micros());
        let id = format!("incident--{}", uuid::Uuid::new_v4());
        let incident = json!({
            "type": "incident",
            "spec_version": "2.1",
            "id": id,
            "created": ts,
            "modified": ts,
            "created_by_ref": authority.org.identity_id,
            "name": format!("{} {}: ad {} on platform {}", v.rule_id, v.outcome, sub.ad.id,
                            platform.org.slug),
            "description": format!("{explanation} {} (sponsor {}, payer {}, elections {})",
                                   reasons.join("; "), sub.ad.sponsor, sub.ad.payer_id(),
                                   sub.ad.linked_elections.join(", ")),
            "labels": [label, "political-advertising"],
            "external_references": [{
                "source_name": "rrm-ad-registry",
                "external_id": format!("violation-{violation_id}"),
                "description": citation,
            }],
            "object_marking_refs": [dest.tlp.marking_id()],
        });
        let status = self
            .hub
            .add_objects(&authority, &dest.collection, vec![incident])?;
        if status.success_count == 1 {
            Ok(id)
        } else {
            Err(Error::broken(format!(
                "the incident for violation {violation_id} was refused: {status}"
            )))
        }
    }

    /// Checks that `p` (an election-authority analyst or admin) may write incidents to
    /// `collection`; its UUID.
    fn incident_collection_for(&self, p: &Principal, collection: &str) -> Result<String, Error> {
        require_sector(
            p,
            &[Sector::ElectionAuthority],
            true,
            "choosing an incident collection",
        )?;
        let (col, access) = self.hub.collection_for(p, collection)?;
        if !access.write || col.id == self.hub.directory_id() {
            return Err(Error::Forbidden(format!(
                "organisation '{}' may not write to collection '{collection}'",
                p.org.slug
            )));
        }
        Ok(col.id)
    }

    /// Stores a destination under `key`.
    fn store_destination(&self, key: &str, d: &IncidentDestination) -> Result<(), Error> {
        let v = json!({"collection": d.collection, "user": d.user, "tlp": d.tlp.as_str()});
        Ok(self.store().set_ad_setting(key, &v.to_string())?)
    }

    /// Chooses the collection (UUID or slug) and TLP (AMBER by default) of the incidents of
    /// one election; only the organisation that registered the election may, with write
    /// access to the collection, and incidents are ingested as the caller.
    pub fn set_election_incident_collection(
        &self,
        p: &Principal,
        election: &str,
        collection: &str,
        tlp: Option<Tlp>,
    ) -> Result<IncidentDestination, Error> {
        require_sector(
            p,
            &[Sector::ElectionAuthority],
            true,
            "choosing an incident collection",
        )?;
        let rec = self
            .store()
            .election_by_id(election)?
            .ok_or_else(|| Error::UnknownElection(election.to_string()))?;
        if rec.org_id != p.org.id {
            return Err(Error::Forbidden(format!(
                "election {election:?} is registered by another organisation; only it chooses \
                 where its incidents go"
            )));
        }
        let d = IncidentDestination {
            collection: self.incident_collection_for(p, collection)?,
            user: p.user.username.clone(),
            tlp: tlp.unwrap_or(Tlp::Amber),
        };
        self.store_destination(&election_key(election), &d)?;
        Ok(d)
    }

    /// Chooses the collection (UUID or slug) and TLP (AMBER by default) of the incidents of
    /// every election the caller's organisation registered (now or later) that has no
    /// destination of its own; the caller must be an election-authority analyst or admin with
    /// write access, and incidents are ingested as the caller. Other authorities' elections are
    /// not affected.
    pub fn set_incident_collection(
        &self,
        p: &Principal,
        collection: &str,
        tlp: Option<Tlp>,
    ) -> Result<String, Error> {
        let d = IncidentDestination {
            collection: self.incident_collection_for(p, collection)?,
            user: p.user.username.clone(),
            tlp: tlp.unwrap_or(Tlp::Amber),
        };
        self.store_destination(&org_key(p.org.id), &d)?;
        Ok(d.collection)
    }

    /// The operator's hub-wide default destination, for elections whose authority chose none:
    /// incidents go to `collection` as election-authority user `user`, who must have write
    /// access to it. Only the local command line calls this; no HTTP route reaches it.
    pub fn set_default_incident_collection(
        &self,
        user: &str,
        collection: &str,
        tlp: Option<Tlp>,
    ) -> Result<IncidentDestination, Error> {
        let p = self.hub.principal_for(user)?;
        let d = IncidentDestination {
            collection: self.incident_collection_for(&p, collection)?,
            user: p.user.username.clone(),
            tlp: tlp.unwrap_or(Tlp::Amber),
        };
        self.store_destination(SET_DEFAULT, &d)?;
        Ok(d)
    }

    /// Violations for an election authority, by id, after `after`, optionally of one election:
    /// only violations for elections the caller's organisation registered.
    pub fn ad_violations(
        &self,
        p: &Principal,
        election: Option<&str>,
        after: i64,
        limit: usize,
    ) -> Result<Vec<Violation>, Error> {
        require_sector(p, &[Sector::ElectionAuthority], false, "reading violations")?;
        let limit = limit.clamp(1, 10_000);
        Ok(self
            .store()
            .list_violations(&ViolationQuery {
                authority_org: Some(p.org.id),
                election,
                after,
                limit,
            })?
            .iter()
            .map(Violation::of)
            .collect())
    }

    /// Public search with stable keyset paging: a first page fixes the newest ad id it may
    /// show, so later pages of the same query show the same ads even while ads are added.
    /// A cursor is only valid for the filters it was issued for.
    pub fn search_ads(
        &self,
        s: &PublicSearch,
        cursor: Option<&str>,
        limit: Option<usize>,
    ) -> Result<AdPage, Error> {
        let limit = limit.unwrap_or(DEFAULT_PUBLIC_PAGE);
        if limit == 0 || limit > MAX_PUBLIC_PAGE {
            return Err(Error::invalid(
                "limit",
                format!("must be between 1 and {MAX_PUBLIC_PAGE}"),
            ));
        }
        let from = s
            .from
            .as_deref()
            .map(|d| parse_day("from", d))
            .transpose()?;
        let to = s.to.as_deref().map(|d| parse_day("to", d)).transpose()?;
        if let (Some(f), Some(t)) = (&from, &to) {
            if f > t {
                return Err(Error::invalid("to", "is before from (dates out of order)"));
            }
        }
        for (field, v) in [("spend_min", s.spend_min), ("spend_max", s.spend_max)] {
            if v.is_some_and(|v| v < 0) {
                return Err(Error::invalid(field, "spend below zero"));
            }
        }
        if let (Some(a), Some(b)) = (s.spend_min, s.spend_max) {
            if a > b {
                return Err(Error::invalid("spend_max", "is below spend_min"));
            }
        }
        let fp = fingerprint(s);
        let (after, upto) = match cursor {
            None => (0, self.store().max_ad_id()?),
            Some(c) => self.hub.decode_ads_cursor(c, &fp)?,
        };
        let q = AdQuery {
            sponsor: s.sponsor.clone(),
            payer: s.payer.clone(),
            platform: s.platform.clone(),
            election: s.election.clone(),
            from_day: from,
            to_day: to,
            region: s.region.clone(),
            language: s.language.clone(),
            spend_min: s.spend_min,
            spend_max: s.spend_max,
            text: s.q.clone(),
            after,
            upto,
            limit: limit + 1,
        };
        let mut rows = self.store().search_ads(&q)?;
        let more = rows.len() > limit;
        rows.truncate(limit);
        let next = match rows.last() {
            Some(last) if more => Some(self.hub.encode_ads_cursor(last.id, upto, &fp)?),
            _ => None,
        };
        Ok(AdPage {
            ads: rows.iter().map(ad_document).collect(),
            next,
        })
    }

    /// A public ad by id; `NotFound` when unknown or no longer public.
    pub fn public_ad(&self, id: i64) -> Result<AdRow, Error> {
        match self.store().ad_by_id(id)? {
            Some(row) if row.public => Ok(row),
            _ => Err(Error::UnknownAd(id)),
        }
    }

    /// The creative of a public ad: media type and bytes.
    pub fn public_creative(&self, id: i64) -> Result<(String, Vec<u8>), Error> {
        let row = self.public_ad(id)?;
        let sha = row
            .listing
            .creative_sha256
            .ok_or_else(|| Error::NoCreative {
                ad: id,
                version: None,
            })?;
        self.store()
            .creative(&sha)?
            .ok_or_else(|| Error::NoCreative {
                ad: id,
                version: None,
            })
    }

    /// Starts an export of a registered election's public ads: the ads that exist now,
    /// read later page by page with [`Ads::next_export_page`].
    pub fn start_election_export(&self, election: &str) -> Result<ElectionExport, Error> {
        if self.store().election_by_id(election)?.is_none() {
            return Err(Error::UnknownElection(election.to_string()));
        }
        Ok(ElectionExport {
            election: election.to_string(),
            after: 0,
            upto: self.store().max_ad_id()?,
            done: false,
        })
    }

    /// The next page of an export, at most `limit` rows (by id), each page its own short
    /// read; empty once the export is complete.
    pub fn next_export_page(
        &self,
        export: &mut ElectionExport,
        limit: usize,
    ) -> Result<Vec<AdRow>, Error> {
        if export.done {
            return Ok(Vec::new());
        }
        let limit = limit.max(1);
        let page =
            self.store()
                .election_ads_page(&export.election, export.after, export.upto, limit)?;
        match page.last() {
            Some(last) if page.len() == limit => export.after = last.id,
            _ => export.done = true,
        }
        Ok(page)
    }

    /// Streams the public ads of a registered election, by id.
    pub fn export_election_ads(
        &self,
        election: &str,
        visit: &mut dyn FnMut(&AdRow) -> ControlFlow<()>,
    ) -> Result<(), Error> {
        if self.store().election_by_id(election)?.is_none() {
            return Err(Error::UnknownElection(election.to_string()));
        }
        self.store()
            .scan_election_ads(election, &mut |row| visit(&row))?;
        Ok(())
    }

    /// The retention job at `now` (seconds since the epoch, UTC day): unpublishes ads past
    /// their publication date and purges ads past their retention date, with audit records.
    pub fn run_ad_retention(&self, now: i64) -> Result<RetentionRun, Error> {
        let today = Date::from_ymd(1970, 1, 1)
            .map(|d| d.add_days(i32::try_from(now.div_euclid(86_400)).unwrap_or(i32::MAX)))
            .map(day_text)
            .ok_or_else(|| Error::invalid("now", "out of range"))?;
        Ok(self.store().run_ad_retention(&today, now)?)
    }
}

/// A resumable export of an election's public ads (see [`Ads::start_election_export`]): no
/// read transaction is held between pages.
#[derive(Debug, Clone)]
pub struct ElectionExport {
    election: String,
    after: i64,
    upto: i64,
    done: bool,
}

/// The public view of a registered sponsor: identity, control chain and declared funding.
///
/// It is built field by field from the record, so a private field can only appear here by
/// being added on purpose. Left out: an individual's citizenship, permanent residence and
/// country of residence (personal data the foreign tests use, which no publication duty
/// covers: EU Art. 12(1)(b) asks for a place of establishment only of sponsors that are not
/// natural persons), the basis of an individual's EU declaration (it states whether the
/// person is a Union citizen), and the legal name when a disclosed name is set (the public
/// then knows the sponsor by the disclosed name only; platforms and authorities read the full
/// record).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PublicSponsor {
    /// Registry id.
    pub id: String,
    /// The disclosed name when set, else the legal name.
    pub name: String,
    /// The legal name, only when no disclosed name is set (then equal to `name`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub legal_name: Option<String>,
    /// Kind of person or entity.
    pub kind: SponsorKind,
    /// Country of establishment of an entity.
    pub established_in: Option<String>,
    /// Countries where an entity carries on business.
    pub operates_in: Vec<String>,
    /// Role under the Canada Elections Act.
    pub canadian_role: Option<CanadianRole>,
    /// Name of the authorized agent.
    pub authorized_agent: Option<String>,
    /// The EU Art. 5(2) declaration of an entity; for an individual only its date.
    pub eu_declaration: Option<PublicDeclaration>,
    /// Id of the controlling entity.
    pub controlled_by: Option<String>,
    /// The controlling entities above, nearest first (empty in listings).
    pub control_chain: Vec<PublicParty>,
    /// Declared funding: amount, origin and source.
    pub funding: Vec<PublicFunding>,
}

/// A sponsor, payer or controlling entity as shown in public documents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublicParty {
    /// Registry id.
    pub id: String,
    /// The disclosed name when set, else the legal name.
    pub name: String,
    /// The legal name, only when no disclosed name is set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_name: Option<String>,
    /// Kind of person or entity.
    pub kind: SponsorKind,
    /// Country of establishment of an entity.
    pub established_in: Option<String>,
    /// Id of the controlling entity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub controlled_by: Option<String>,
}

/// An EU Art. 5(2) declaration as shown in public.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PublicDeclaration {
    /// The ground declared; left out for individuals.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub basis: Option<EuBasis>,
    /// Day of the declaration.
    pub declared_on: Date,
}

/// One declared source of funds as shown in public.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PublicFunding {
    /// Amount.
    pub amount: Money,
    /// Country of origin.
    pub origin: String,
    /// Public or private.
    pub source: FundingSource,
}

/// The legal name a public document may show: none when a disclosed name replaces it.
fn public_legal_name(s: &Sponsor) -> Option<String> {
    s.disclosed_name
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .is_none()
        .then(|| s.legal_name.clone())
}

impl PublicParty {
    /// The public form of a sponsor record.
    pub fn of(s: &Sponsor) -> PublicParty {
        PublicParty {
            id: s.id.clone(),
            name: s.public_name().to_string(),
            legal_name: public_legal_name(s),
            kind: s.kind,
            established_in: s.established_in.clone(),
            controlled_by: s.controlled_by.clone(),
        }
    }
}

impl PublicSponsor {
    /// The public view of `s` with its resolved control chain.
    pub fn of(s: &Sponsor, chain: &[Sponsor]) -> PublicSponsor {
        let individual = s.kind == SponsorKind::Individual;
        PublicSponsor {
            id: s.id.clone(),
            name: s.public_name().to_string(),
            legal_name: public_legal_name(s),
            kind: s.kind,
            established_in: s.established_in.clone(),
            operates_in: s.operates_in.clone(),
            canadian_role: s.canadian_role,
            authorized_agent: s.authorized_agent.clone(),
            eu_declaration: s.eu_declaration.as_ref().map(|d| PublicDeclaration {
                basis: (!individual).then_some(d.basis),
                declared_on: d.declared_on,
            }),
            controlled_by: s.controlled_by.clone(),
            control_chain: chain
                .iter()
                .map(|c| PublicParty {
                    controlled_by: None,
                    ..PublicParty::of(c)
                })
                .collect(),
            funding: s
                .funding
                .iter()
                .map(|f| PublicFunding {
                    amount: f.amount.clone(),
                    origin: f.origin.clone(),
                    source: f.source,
                })
                .collect(),
        }
    }
}

/// The public view of an election: its dates and the periods computed from them.
fn public_election_doc(e: adrules::model::Election) -> PublicElection {
    PublicElection {
        periods: e.periods(),
        election: e,
    }
}

fn parse_stored<T: serde::de::DeserializeOwned>(what: &str, json: &str) -> Result<T, Error> {
    serde_json::from_str(json)
        .map_err(|e| Error::internal(format!("the stored {what} does not parse"), e))
}

impl Ads {
    /// The platform record the submitting organisation registered, for a submission that
    /// leaves `platform` out.
    fn registered_platform(&self, p: &Principal) -> Result<Platform, Error> {
        let rec = self.store().platform_by_id(&p.org.slug)?.ok_or_else(|| {
            Error::invalid(
                "platform",
                format!(
                    "missing: include the platform in the submission or register it with \
                     PUT /api/v1/platforms/{}",
                    p.org.slug
                ),
            )
        })?;
        parse_stored("platform", &rec.json)
    }

    /// The sponsors of a submission: those it carries, then every registered sponsor the ad,
    /// its payer or a control chain names that it does not carry itself. Sponsors carried in
    /// the submission take precedence over registered ones.
    fn fill_sponsors(&self, ad: &Ad, mut list: Vec<Sponsor>) -> Result<Vec<Sponsor>, Error> {
        let mut wanted: Vec<String> = std::iter::once(ad.sponsor.clone())
            .chain(ad.payer.clone())
            .collect();
        wanted.extend(list.iter().filter_map(|s| s.controlled_by.clone()));
        let mut steps = 0;
        while let Some(id) = wanted.pop() {
            if list.iter().any(|s| s.id == id) {
                continue;
            }
            steps += 1;
            if steps > MAX_CHAIN * 4 {
                break;
            }
            let Some(rec) = self.store().sponsor_by_id(&id)? else {
                // Left to the rules engine's validation, which names the field.
                continue;
            };
            let s: Sponsor = parse_stored("sponsor", &rec.json)?;
            if let Some(next) = &s.controlled_by {
                wanted.push(next.clone());
            }
            list.push(s);
        }
        Ok(list)
    }

    /// Registers or replaces a sponsor, payer or controlling entity (an `adrules` sponsor;
    /// its `id` is `id`: a body without one takes it, a different one is refused). Needs a platform or election-authority organisation and the
    /// analyst or admin role; only the registering organisation may replace the record. The
    /// entity named by `controlled_by` must be registered first, so control chains are built
    /// from reusable records and never loop.
    pub fn put_sponsor(
        &self,
        p: &Principal,
        id: &str,
        body: RecordBody<Sponsor>,
    ) -> Result<SponsorRecord, Error> {
        self.may_register(p, Registration::Sponsor)?;
        check_id("id", id)?;
        let sp = body.into_record(id)?;
        if let Some(f) = adrules::validate::validate_sponsor(&sp).into_iter().next() {
            return Err(Error::invalid(&f.field, f.message));
        }
        if let Some(parent) = &sp.controlled_by {
            let mut cur = parent.clone();
            let mut steps = 0;
            loop {
                steps += 1;
                if steps > MAX_CHAIN {
                    return Err(Error::invalid(
                        "controlled_by",
                        format!(
                            "more than {MAX_CHAIN} controlling entities above {id:?} (through {parent:?})"
                        ),
                    ));
                }
                let Some(rec) = self.store().sponsor_by_id(&cur)? else {
                    return Err(Error::invalid(
                        "controlled_by",
                        format!(
                            "sponsor {cur:?} is not registered: register the controlling \
                             entity first"
                        ),
                    ));
                };
                let up: adrules::model::Sponsor = parse_stored("sponsor", &rec.json)?;
                match up.controlled_by {
                    Some(next) if next == sp.id => {
                        return Err(Error::invalid(
                            "controlled_by",
                            format!("the control chain from {parent:?} leads back to {id:?}"),
                        ))
                    }
                    Some(next) => cur = next,
                    None => break,
                }
            }
        }
        let rec = SponsorRecord {
            id: sp.id.clone(),
            json: serde_json::to_string(&sp)
                .map_err(|e| Error::internal("a sponsor does not serialize", e))?,
            org_id: p.org.id,
            updated: now_secs(),
        };
        match self.store().put_sponsor(&rec) {
            Ok(()) => Ok(rec),
            Err(StoreError::NotOwner { .. }) => Err(Error::Forbidden(format!(
                "sponsor {id:?} is registered by another organisation; only it may replace it"
            ))),
            Err(e) => Err(e.into()),
        }
    }

    /// A registered sponsor's full record, for platforms and election authorities.
    pub fn sponsor(&self, p: &Principal, id: &str) -> Result<Sponsor, Error> {
        require_sector(
            p,
            &[Sector::Platform, Sector::ElectionAuthority],
            false,
            "reading sponsor records",
        )?;
        let rec = self
            .store()
            .sponsor_by_id(id)?
            .ok_or_else(|| Error::UnknownSponsor(id.to_string()))?;
        parse_stored("sponsor", &rec.json)
    }

    /// The public view of a registered sponsor, with its control chain resolved.
    pub fn public_sponsor(&self, id: &str) -> Result<PublicSponsor, Error> {
        let rec = self
            .store()
            .sponsor_by_id(id)?
            .ok_or_else(|| Error::UnknownSponsor(id.to_string()))?;
        let sp: Sponsor = parse_stored("sponsor", &rec.json)?;
        let mut chain = Vec::new();
        let mut next = sp.controlled_by.clone();
        while let Some(cur) = next.take() {
            if chain.len() >= MAX_CHAIN {
                break;
            }
            let Some(rec) = self.store().sponsor_by_id(&cur)? else {
                break;
            };
            let up: Sponsor = parse_stored("sponsor", &rec.json)?;
            next = up.controlled_by.clone();
            chain.push(up);
        }
        Ok(PublicSponsor::of(&sp, &chain))
    }

    /// A page of registered sponsors (public view without chains), by id after `after`.
    pub fn public_sponsors(&self, after: &str, limit: usize) -> Result<Vec<PublicSponsor>, Error> {
        if limit == 0 || limit > MAX_PUBLIC_PAGE {
            return Err(Error::invalid(
                "limit",
                format!("must be between 1 and {MAX_PUBLIC_PAGE}"),
            ));
        }
        self.store()
            .list_sponsors(after, limit)?
            .iter()
            .map(|r| {
                let sp: Sponsor = parse_stored("sponsor", &r.json)?;
                Ok(PublicSponsor::of(&sp, &[]))
            })
            .collect()
    }

    /// Registers or replaces the caller's own platform record (an `adrules` platform: name
    /// and monthly reach in Canada by language; a body without `id` takes `id`). `id` must be
    /// the caller's organisation slug; needs a platform organisation and the analyst or admin role.
    pub fn put_platform(
        &self,
        p: &Principal,
        id: &str,
        body: RecordBody<Platform>,
    ) -> Result<PlatformRecord, Error> {
        self.may_register(p, Registration::Platform(id))?;
        let pl = body.into_record(id)?;
        if let Some(f) = adrules::validate::validate_platform_record(&pl)
            .into_iter()
            .next()
        {
            return Err(Error::invalid(&f.field, f.message));
        }
        let rec = PlatformRecord {
            id: pl.id.clone(),
            json: serde_json::to_string(&pl)
                .map_err(|e| Error::internal("a platform does not serialize", e))?,
            org_id: p.org.id,
            updated: now_secs(),
        };
        self.store().put_platform(&rec)?;
        Ok(rec)
    }

    /// Every registered platform with its monthly reach, by id.
    pub fn public_platforms(&self) -> Result<Vec<PublicPlatform>, Error> {
        self.store()
            .list_platforms()?
            .iter()
            .map(|r| {
                Ok(PublicPlatform {
                    platform: parse_stored("platform", &r.json)?,
                    updated: stix::format_timestamp(r.updated.saturating_mul(1_000_000)),
                })
            })
            .collect()
    }

    /// Every registered election with its computed periods, by id.
    pub fn public_elections(&self) -> Result<Vec<PublicElection>, Error> {
        self.store()
            .list_elections()?
            .iter()
            .map(|r| Ok(public_election_doc(parse_stored("election", &r.json)?)))
            .collect()
    }

    /// One registered election with its computed periods.
    pub fn public_election(&self, id: &str) -> Result<PublicElection, Error> {
        let rec = self
            .store()
            .election_by_id(id)?
            .ok_or_else(|| Error::UnknownElection(id.to_string()))?;
        Ok(public_election_doc(parse_stored("election", &rec.json)?))
    }

    /// The version history of a public ad, oldest first: each version's number, publication
    /// time, creative and public document.
    pub fn public_ad_versions(&self, id: i64) -> Result<Vec<PublicAdVersion>, Error> {
        self.public_ad(id)?;
        Ok(self
            .store()
            .ad_versions(id)?
            .into_iter()
            .map(|v| PublicAdVersion {
                version: v.version,
                published: stix::format_timestamp(v.published.saturating_mul(1_000_000)),
                creative_sha256: v.creative_sha256,
                document: v
                    .public_json
                    .as_deref()
                    .and_then(|j| serde_json::from_str(j).ok()),
            })
            .collect())
    }

    /// The creative of one version of a public ad: media type and bytes.
    pub fn public_version_creative(
        &self,
        id: i64,
        version: i64,
    ) -> Result<(String, Vec<u8>), Error> {
        self.public_ad(id)?;
        let sha = self
            .store()
            .ad_versions(id)?
            .into_iter()
            .find(|v| v.version == version)
            .ok_or_else(|| Error::UnknownVersion { ad: id, version })?
            .creative_sha256
            .ok_or_else(|| Error::NoCreative {
                ad: id,
                version: Some(version),
            })?;
        self.store()
            .creative(&sha)?
            .ok_or_else(|| Error::NoCreative {
                ad: id,
                version: Some(version),
            })
    }
}
