//! Typed answers of the detection API: the coordinated groups a job found (stored with the
//! job and shown when it is done) and what publishing some of them did.

use serde::{Deserialize, Serialize};

/// A coordinated group of accounts, with its evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DetectedGroup {
    /// The group's id within its job (`group-1`, ...).
    pub id: String,
    /// Total internal edge weight per member, rounded to three decimals.
    pub score: f64,
    /// How many accounts it has.
    pub size: usize,
    /// Its accounts, by platform user id.
    pub members: Vec<GroupMember>,
    /// The networks with edges inside the group.
    pub networks: Vec<GroupNetwork>,
    /// Items shared by at least two members, most shared first.
    pub shared_items: Vec<SharedItem>,
    /// Earliest time of the evidence, seconds since the epoch.
    pub first_time: f64,
    /// Latest time of the evidence, seconds since the epoch.
    pub last_time: f64,
    /// Up to three distinct member texts.
    pub sample_texts: Vec<String>,
}

/// An account of a group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupMember {
    /// The platform's user id.
    pub user_id: String,
    /// The account's name (may be empty).
    pub username: String,
}

/// One network's evidence inside a group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupNetwork {
    /// The network's name (`co_retweet`, ...).
    pub network: String,
    /// Directed edges of this network between members.
    pub edges: usize,
    /// The sum of their weights.
    pub weight: u64,
}

/// An item members shared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedItem {
    /// `repost`, `reply`, `url` or `text`.
    pub kind: String,
    /// The post id, URL or normalised text.
    pub value: String,
    /// Distinct members who shared it.
    pub accounts: usize,
    /// Posts by members that shared it.
    pub posts: usize,
}

/// What publishing groups did: the ingest's TAXII status, the ids created per group, the
/// technique related (or none, with a warning) and the TLP used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublishOutcome {
    /// The TAXII status of the one ingest call.
    pub status: hub::Status,
    /// The objects created, per group, in request order.
    pub published: Vec<PublishedGroup>,
    /// The DISARM attack-pattern the campaigns `use`, if it is visible to the caller.
    pub technique: Option<Technique>,
    /// The TLP level of everything published (`AMBER`, ...).
    pub tlp: &'static str,
    /// Why no relationship was published, when no technique was found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
}

/// The ids created for one group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublishedGroup {
    /// The group's id.
    pub group: String,
    /// The `grouping` id.
    pub grouping: String,
    /// The `campaign` id.
    pub campaign: String,
    /// The `note` id.
    pub note: String,
    /// The `relationship` id (campaign uses technique), or null without a technique.
    pub relationship: Option<String>,
    /// How many accounts the group has.
    pub accounts: usize,
}

/// A DISARM technique.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Technique {
    /// The attack-pattern's STIX id.
    pub id: String,
    /// Its name.
    pub name: String,
}
