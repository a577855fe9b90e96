//! From findings to notices in one step, and re-checks of what a decision changed.
//!
//! A published coordination detection (its `grouping` and evidence `note`) becomes a draft
//! notice naming the group's accounts; a hash match against a bank becomes a referral naming
//! the content's URLs and the matched indicators. After a decision with an `actioned` item,
//! the sender re-checks on fresh data (a later detection job, a later upload of the content)
//! which of the notice's items are still active; each re-check is stored and audited.

use std::collections::BTreeSet;

use hub::{HubError, ObjectFilter, Principal};
use response::notice::{Item, ItemOutcome, ItemType, Missing, NoticeStatus};
use response::Membership;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use store::{RecheckRecord, SignalType};

use crate::{audit, stored, wire_time, NewNotice, NoticeError, NoticeView, Notices};

/// The most accounts a grouping may name to become one notice.
pub const MAX_GROUP_ACCOUNTS: usize = 5_000;
/// The most contents of one referral.
pub const MAX_CONTENTS: usize = 1_000;

/// A draft notice from a published coordination detection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FromDetection {
    /// The collection the detection was published to (UUID or slug).
    pub collection: String,
    /// The published `grouping` id.
    pub grouping: String,
    /// The evidence `note` id; found among the collection's notes when not given.
    pub note: Option<String>,
    /// The notice's other fields (recipient, kind, ground, contact, ...); its items must be
    /// empty (they are the grouping's), its explanation is put before the evidence.
    pub notice: NewNotice,
}

/// One content of a referral: its URL and its PDQ hash or image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchedContent {
    /// The content's URL on the platform.
    pub url: String,
    /// Its PDQ hash (64 hex digits).
    pub pdq: Option<String>,
    /// The image itself, hashed here when no hash is given.
    pub image: Option<Vec<u8>>,
}

/// A draft referral from a hash match against the banks the caller may use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FromMatch {
    /// The contents.
    pub content: Vec<MatchedContent>,
    /// The PDQ match threshold (default 31).
    pub threshold: Option<u32>,
    /// The notice's other fields; its items must be empty.
    pub notice: NewNotice,
}

/// A later upload of one `url` item's content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LaterUpload {
    /// The item's index.
    pub item: usize,
    /// The later content's PDQ hash.
    pub pdq: Option<String>,
    /// The later image, hashed here when no hash is given.
    pub image: Option<Vec<u8>>,
}

/// What a re-check runs on.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RecheckRequest {
    /// A finished detection job of the sender's organisation on a later post set, for the
    /// `account` items.
    pub job: Option<String>,
    /// Later uploads of `url` items' content.
    pub uploads: Vec<LaterUpload>,
    /// The PDQ threshold within which a later upload is the same content (default 31).
    pub threshold: Option<u32>,
}

/// One item of a re-check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecheckedItem {
    /// The item's index.
    pub index: usize,
    /// Its type.
    #[serde(rename = "type")]
    pub item_type: ItemType,
    /// Its value.
    pub value: String,
    /// The recipient's decision on it.
    pub outcome: Option<ItemOutcome>,
    /// Whether it is still active, or `null` when the re-check has no data on it.
    pub still_active: Option<bool>,
    /// The account's posts in the later post set, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub posts: Option<u64>,
    /// The later job's groups the account is in.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
    /// The PDQ distance of the later upload to the original.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distance: Option<u32>,
}

/// A stored re-check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecheckView {
    /// The re-check id.
    pub id: String,
    /// The notice.
    pub notice: String,
    /// The later detection job, if one was used.
    pub job: Option<String>,
    /// When (RFC 3339).
    #[serde(serialize_with = "wire_time::rfc3339")]
    pub checked_at: i64,
    /// Who re-checked.
    pub by: String,
    /// Every item, in order.
    pub items: Vec<RecheckedItem>,
    /// The indexes of the items still active.
    pub still_active: Vec<usize>,
}

/// The stored form of a re-check's answer.
#[derive(Serialize, Deserialize)]
struct StoredResult {
    items: Vec<RecheckedItem>,
}

fn from_detect(e: detect::Error) -> NoticeError {
    match e {
        detect::Error::UnknownJob { .. } => {
            NoticeError::invalid("job", "no detection job of your organisation with this id")
        }
        detect::Error::NotDone { job, status } => NoticeError::invalid(
            "job",
            format!("detection job '{job}' is {status:?}, not done"),
        ),
        detect::Error::Invalid { field, message } => NoticeError::invalid(field, message),
        detect::Error::Forbidden(m) => NoticeError::Forbidden(m),
        detect::Error::Hub(h) => h.into(),
        detect::Error::Store(s) => s.into(),
        e => NoticeError::Hub(HubError::broken(format!(
            "re-checking with a detection: {e}"
        ))),
    }
}

fn from_banks(e: banks::Error) -> NoticeError {
    match e {
        banks::Error::Invalid { field, message } => NoticeError::invalid(field, message),
        banks::Error::Forbidden(m) => NoticeError::Forbidden(m),
        banks::Error::Hub(h) => h.into(),
        banks::Error::Store(s) => s.into(),
        e => NoticeError::Hub(HubError::broken(format!("matching against the banks: {e}"))),
    }
}

/// A content's PDQ hash from its hash or image; `Err` names the field under `field`.
fn pdq_of(field: &str, pdq: Option<&str>, image: Option<&[u8]>) -> Result<String, Missing> {
    let bad = |f: &str, m: String| Missing {
        field: format!("{field}.{f}"),
        message: m,
    };
    match (pdq, image) {
        (Some(h), _) => banks::normalise_value(SignalType::Pdq, h).map_err(|m| bad("hash", m)),
        (None, Some(bytes)) => match banks::hash_image(bytes) {
            Ok(h) if h.quality >= pdq::MIN_MATCH_QUALITY => Ok(h.pdq),
            Ok(h) => Err(bad(
                "image",
                format!(
                    "the image's PDQ quality is {}, below the minimum of {}",
                    h.quality,
                    pdq::MIN_MATCH_QUALITY
                ),
            )),
            Err(e) => Err(bad("image", e.to_string())),
        },
        (None, None) => Err(bad("hash", "a PDQ hash (64 hex digits) or an image".into())),
    }
}

/// The explanation line of a referral's content: the recheck reads the original hash back.
fn match_line(url: &str, hash: &str, rest: &str) -> String {
    format!("- {url}: PDQ {hash} {rest}")
}

/// The original PDQ hash of the `url` item `url`, from its referral's explanation line.
fn original_hash(explanation: &str, url: &str) -> Option<String> {
    let prefix = format!("- {url}: PDQ ");
    explanation.lines().find_map(|l| {
        let h = l.strip_prefix(&prefix)?.split_whitespace().next()?;
        pdq::PdqHash::from_hex(h).ok().map(|_| h.to_string())
    })
}

fn no_items(new: &NewNotice) -> Result<(), NoticeError> {
    if new.content.items.is_empty() {
        Ok(())
    } else {
        Err(NoticeError::invalid(
            "items",
            "the items are made from the finding; give none",
        ))
    }
}

impl Notices {
    /// The same service matching referrals against `banks`.
    pub fn with_banks(mut self, banks: banks::Banks) -> Notices {
        self.banks = Some(banks);
        self
    }

    /// The same service re-checking account items with `detections`.
    pub fn with_detections(mut self, detections: detect::Detections) -> Notices {
        self.detections = Some(detections);
        self
    }

    /// The latest version of an object `p` may see, or `NotFound` naming it (an object the
    /// caller may not see does not exist).
    fn visible_object(
        &self,
        p: &Principal,
        collection: &str,
        id: &str,
    ) -> Result<Value, NoticeError> {
        let nf = || NoticeError::NotFound(format!("object '{id}' in collection '{collection}'"));
        match self
            .hub
            .get_object(p, collection, id, &ObjectFilter::default(), None, None)
        {
            Ok(page) => page.objects.into_iter().last().ok_or_else(nf),
            Err(HubError::NotFound(_) | HubError::Forbidden(_)) => Err(nf()),
            Err(e) => Err(e.into()),
        }
    }

    /// The evidence note of a grouping: the newest note `p` may see whose `object_refs`
    /// names it.
    fn find_note(
        &self,
        p: &Principal,
        collection: &str,
        grouping: &str,
    ) -> Result<Option<Value>, NoticeError> {
        let filter = ObjectFilter {
            types: vec!["note".into()],
            ..ObjectFilter::default()
        };
        let mut next: Option<String> = None;
        let mut found = None;
        loop {
            let page = self
                .hub
                .get_objects(p, collection, &filter, Some(1000), next.as_deref())?;
            for o in page.objects {
                if refs(&o).iter().any(|r| r == grouping) {
                    found = Some(o);
                }
            }
            match (page.more, page.next) {
                (true, Some(n)) => next = Some(n),
                _ => return Ok(found),
            }
        }
    }

    /// A draft notice from a published coordination detection, read as the caller: the
    /// grouping's `user-account` members become `account` items (the login, else the user
    /// id; the user id as `platform`), the grouping a `stix` item, its evidence note the
    /// explanation. Written through [`Notices::create`], with its checks and approval; a
    /// grouping the caller may not see is `NotFound`.
    pub fn draft_from_detection(
        &self,
        p: &Principal,
        req: &FromDetection,
    ) -> Result<NoticeView, NoticeError> {
        response::notice::may_create(&Self::actor(p, Membership::Owner))
            .map_err(NoticeError::Forbidden)?;
        no_items(&req.notice)?;
        let grouping_id = req.grouping.trim();
        if !grouping_id.starts_with("grouping--") {
            return Err(NoticeError::invalid(
                "grouping",
                "a published grouping id (grouping--...)",
            ));
        }
        let grouping = self.visible_object(p, &req.collection, grouping_id)?;
        let (collection, _) = self.hub.collection_for(p, &req.collection)?;
        let mut items = Vec::new();
        let mut seen = BTreeSet::new();
        for r in refs(&grouping)
            .iter()
            .filter(|r| r.starts_with("user-account--"))
        {
            if !seen.insert(r.clone()) {
                continue;
            }
            if items.len() >= MAX_GROUP_ACCOUNTS {
                return Err(NoticeError::invalid(
                    "grouping",
                    format!("more than {MAX_GROUP_ACCOUNTS} accounts; split the notice"),
                ));
            }
            // A member the caller may not see is left out.
            let Ok(acct) = self.visible_object(p, &collection.id, r) else {
                continue;
            };
            let user_id = acct.get("user_id").and_then(Value::as_str);
            let login = acct
                .get("account_login")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty());
            let Some(value) = login.or(user_id) else {
                continue;
            };
            items.push(Item {
                item_type: ItemType::Account,
                value: value.to_string(),
                platform: login.and(user_id).map(str::to_string),
                collection: None,
            });
        }
        if items.is_empty() {
            return Err(NoticeError::invalid(
                "grouping",
                "the grouping names no user-account you may see",
            ));
        }
        items.push(Item {
            item_type: ItemType::Stix,
            value: grouping_id.to_string(),
            platform: None,
            collection: Some(collection.id.clone()),
        });
        let note = match &req.note {
            Some(n) => {
                let note = self
                    .visible_object(p, &collection.id, n.trim())
                    .map_err(|_| {
                        NoticeError::invalid("note", format!("no note '{n}' that you may see"))
                    })?;
                if !refs(&note).iter().any(|r| r == grouping_id) {
                    return Err(NoticeError::invalid(
                        "note",
                        format!("note '{n}' does not refer to the grouping"),
                    ));
                }
                Some(note)
            }
            None => self.find_note(p, &collection.id, grouping_id)?,
        };
        let mut explanation = req.notice.content.explanation.trim().to_string();
        let evidence = note.map(|n| {
            let text = |k: &str| n.get(k).and_then(Value::as_str).unwrap_or("").to_string();
            format!(
                "Evidence ({}, on {grouping_id}): {}\n{}",
                text("id"),
                text("abstract"),
                text("content")
            )
        });
        if let Some(e) = evidence {
            if !explanation.is_empty() {
                explanation.push_str("\n\n");
            }
            explanation.push_str(e.trim());
        }
        let mut new = req.notice.clone();
        new.content.items = items;
        new.content.explanation = explanation;
        self.create(p, &new)
    }

    /// A draft referral from a hash match, run as the caller against the banks it may use:
    /// each content's URL becomes a `url` item and its nearest matched entry's indicator a
    /// `stix` item (when the entry has one), the distances the explanation. A content with no
    /// match is `Invalid` naming `content.N.hash`.
    pub fn draft_from_match(
        &self,
        p: &Principal,
        req: &FromMatch,
    ) -> Result<NoticeView, NoticeError> {
        response::notice::may_create(&Self::actor(p, Membership::Owner))
            .map_err(NoticeError::Forbidden)?;
        no_items(&req.notice)?;
        let Some(banks) = &self.banks else {
            return Err(NoticeError::invalid(
                "content",
                "this instance does not match against hash banks",
            ));
        };
        if req.content.is_empty() || req.content.len() > MAX_CONTENTS {
            return Err(NoticeError::invalid(
                "content",
                format!("from 1 to {MAX_CONTENTS} contents, each a url and a hash or image"),
            ));
        }
        let mut missing = Vec::new();
        let mut hashes = Vec::new();
        for (i, c) in req.content.iter().enumerate() {
            let f = format!("content.{i}");
            let url = c.url.trim();
            if url.is_empty() || url.chars().any(char::is_whitespace) {
                missing.push(Missing {
                    field: format!("{f}.url"),
                    message: "the content's URL on the platform".into(),
                });
            }
            match pdq_of(&f, c.pdq.as_deref(), c.image.as_deref()) {
                Ok(h) => hashes.push(h),
                Err(m) => {
                    missing.push(m);
                    hashes.push(String::new());
                }
            }
        }
        if !missing.is_empty() {
            return Err(NoticeError::Invalid(missing));
        }
        let threshold = req.threshold.unwrap_or(pdq::DEFAULT_THRESHOLD);
        let queries: Vec<banks::MatchQuery> = hashes
            .iter()
            .map(|h| banks::MatchQuery {
                signal_type: SignalType::Pdq,
                value: h.clone(),
            })
            .collect();
        let lists = banks
            .match_hashes(p, &queries, Some(threshold))
            .map_err(from_banks)?;
        let mut items = Vec::new();
        let mut lines = Vec::new();
        for (i, (c, list)) in req.content.iter().zip(&lists).enumerate() {
            let Some(m) = list.matches.first() else {
                missing.push(Missing {
                    field: format!("content.{i}.hash"),
                    message: format!(
                        "no entry of a bank you may use is within distance {threshold}"
                    ),
                });
                continue;
            };
            let url = c.url.trim().to_string();
            items.push(Item {
                item_type: ItemType::Url,
                value: url.clone(),
                platform: None,
                collection: None,
            });
            let bank = banks
                .get_bank(p, &format!("{}:{}", m.bank_owner, m.bank))
                .map_err(from_banks)?;
            let indicator = if m.entry.stix_id.is_empty() {
                String::new()
            } else {
                items.push(Item {
                    item_type: ItemType::Stix,
                    value: m.entry.stix_id.clone(),
                    platform: None,
                    collection: Some(bank.collection_id.clone()),
                });
                format!(", indicator {}", m.entry.stix_id)
            };
            lines.push(match_line(
                &url,
                &hashes[i],
                &format!(
                    "matches entry {} of bank {}:{}{indicator} at distance {} (threshold {threshold})",
                    m.entry.id, m.bank_owner, m.bank, m.distance
                ),
            ));
        }
        if !missing.is_empty() {
            return Err(NoticeError::Invalid(missing));
        }
        let mut explanation = req.notice.content.explanation.trim().to_string();
        if !explanation.is_empty() {
            explanation.push_str("\n\n");
        }
        explanation.push_str("Hash matches:\n");
        explanation.push_str(&lines.join("\n"));
        let mut new = req.notice.clone();
        new.content.items = items;
        new.content.explanation = explanation;
        self.create(p, &new)
    }

    /// Re-checks a decided notice on fresh data (the sender only, once decided with at least
    /// one `actioned` item): `account` items against a later detection job of the sender's
    /// organisation, `url` items of a referral against later uploads of their content. The
    /// answer is stored and audited.
    pub fn recheck(
        &self,
        p: &Principal,
        id: &str,
        req: &RecheckRequest,
    ) -> Result<RecheckView, NoticeError> {
        let l = self.load(p, id)?;
        if l.actor.membership != Membership::Owner {
            return Err(NoticeError::Forbidden(
                "only the sender's organisation re-checks a notice".into(),
            ));
        }
        let decisions = self.store.decisions(id)?;
        let mut outcomes: Vec<Option<ItemOutcome>> = vec![None; l.content.items.len()];
        for d in &decisions {
            if let Some(slot) = usize::try_from(d.item)
                .ok()
                .and_then(|i| outcomes.get_mut(i))
            {
                *slot = Some(stored("item outcome", &d.outcome)?);
            }
        }
        let decided = matches!(
            l.status,
            NoticeStatus::Decided | NoticeStatus::Appealed | NoticeStatus::Closed
        );
        if !decided || !outcomes.contains(&Some(ItemOutcome::Actioned)) {
            return Err(NoticeError::Transition {
                current: l.status.as_str().to_string(),
                allowed: Vec::new(),
                reason: "a notice is re-checked once decided with at least one actioned item"
                    .into(),
            });
        }
        let threshold = req.threshold.unwrap_or(pdq::DEFAULT_THRESHOLD);
        if threshold > banks::MAX_THRESHOLD {
            return Err(NoticeError::invalid(
                "threshold",
                format!("must be between 0 and {}", banks::MAX_THRESHOLD),
            ));
        }
        if req.job.is_none() && req.uploads.is_empty() {
            return Err(NoticeError::invalid(
                "job",
                "a later detection job, or later uploads of the items' content",
            ));
        }
        let mut missing = Vec::new();
        let mut distances: Vec<Option<u32>> = vec![None; l.content.items.len()];
        let mut seen = BTreeSet::new();
        for (k, u) in req.uploads.iter().enumerate() {
            let f = format!("uploads.{k}");
            let item = match l.content.items.get(u.item) {
                Some(it) if it.item_type == ItemType::Url => it,
                _ => {
                    missing.push(Missing {
                        field: format!("{f}.item"),
                        message: "the index of a url item of the notice".into(),
                    });
                    continue;
                }
            };
            if !seen.insert(u.item) {
                missing.push(Missing {
                    field: format!("{f}.item"),
                    message: format!("item {} is uploaded twice", u.item),
                });
                continue;
            }
            let Some(original) = original_hash(&l.content.explanation, &item.value) else {
                missing.push(Missing {
                    field: format!("{f}.item"),
                    message: "the notice records no original PDQ hash of this item (a referral \
                              made from a hash match does)"
                        .into(),
                });
                continue;
            };
            match pdq_of(&f, u.pdq.as_deref(), u.image.as_deref()) {
                Ok(later) => {
                    let d = pdq::PdqHash::from_hex(&later)
                        .and_then(|a| pdq::PdqHash::from_hex(&original).map(|b| a.distance(&b)))
                        .map_err(|e| HubError::broken(format!("a checked PDQ hash: {e}")))?;
                    distances[u.item] = Some(d);
                }
                Err(m) => missing.push(m),
            }
        }
        if !missing.is_empty() {
            return Err(NoticeError::Invalid(missing));
        }
        let accounts: Vec<(usize, String)> = l
            .content
            .items
            .iter()
            .enumerate()
            .filter(|(_, it)| it.item_type == ItemType::Account)
            .map(|(i, it)| (i, it.value.clone()))
            .collect();
        let mut activity = std::collections::HashMap::new();
        if let Some(job) = &req.job {
            let Some(det) = &self.detections else {
                return Err(NoticeError::invalid(
                    "job",
                    "this instance does not re-check with detections",
                ));
            };
            let names: Vec<String> = accounts.iter().map(|(_, v)| v.clone()).collect();
            let found = det
                .account_activity(p, job.trim(), &names)
                .map_err(from_detect)?;
            for ((i, _), a) in accounts.iter().zip(found) {
                activity.insert(*i, a);
            }
        }
        let items: Vec<RecheckedItem> = l
            .content
            .items
            .iter()
            .enumerate()
            .map(|(i, it)| {
                let act = activity.remove(&i);
                let distance = distances[i];
                RecheckedItem {
                    index: i,
                    item_type: it.item_type,
                    value: it.value.clone(),
                    outcome: outcomes[i],
                    still_active: act
                        .as_ref()
                        .map(|a| a.active)
                        .or(distance.map(|d| d <= threshold)),
                    posts: act.as_ref().and_then(|a| a.posts),
                    groups: act.map(|a| a.groups).unwrap_or_default(),
                    distance,
                }
            })
            .collect();
        let now = self.now();
        let record = RecheckRecord {
            id: uuid::Uuid::new_v4().to_string(),
            notice_id: id.to_string(),
            sender_org_id: l.record.sender_org_id,
            job_id: req.job.as_ref().map(|j| j.trim().to_string()),
            result: serde_json::to_string(&StoredResult {
                items: items.clone(),
            })
            .map_err(|e| HubError::broken(format!("a re-check: {e}")))?,
            created_by: p.user.id,
            created: now,
        };
        let active: Vec<String> = items
            .iter()
            .filter(|x| x.still_active == Some(true))
            .map(|x| x.index.to_string())
            .collect();
        self.store.add_recheck(
            &record,
            &audit(
                p,
                "notice.recheck",
                id,
                l.record.sender_org_id,
                format!(
                    "{}still active: [{}]",
                    record
                        .job_id
                        .as_ref()
                        .map(|j| format!("job {j}; "))
                        .unwrap_or_default(),
                    active.join(",")
                ),
            ),
        )?;
        self.recheck_view(&record)
    }

    fn recheck_view(&self, r: &RecheckRecord) -> Result<RecheckView, NoticeError> {
        let result: StoredResult = serde_json::from_str(&r.result)
            .map_err(|e| HubError::broken(format!("a stored re-check: {e}")))?;
        Ok(RecheckView {
            id: r.id.clone(),
            notice: r.notice_id.clone(),
            job: r.job_id.clone(),
            checked_at: r.created,
            by: self.username(r.created_by)?,
            still_active: result
                .items
                .iter()
                .filter(|x| x.still_active == Some(true))
                .map(|x| x.index)
                .collect(),
            items: result.items,
        })
    }

    /// The notice's past re-checks, oldest first (the sender only).
    pub fn rechecks(&self, p: &Principal, id: &str) -> Result<Vec<RecheckView>, NoticeError> {
        let l = self.load(p, id)?;
        if l.actor.membership != Membership::Owner {
            return Err(NoticeError::Forbidden(
                "only the sender's organisation reads a notice's re-checks".into(),
            ));
        }
        self.store
            .rechecks(id)?
            .iter()
            .map(|r| self.recheck_view(r))
            .collect()
    }
}

/// The ids in an object's `object_refs`.
fn refs(o: &Value) -> Vec<String> {
    o.get("object_refs")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_original_hash_is_read_back_from_its_line() {
        let h = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22";
        let text = format!(
            "Why.\n\nHash matches:\n{}\n{}",
            match_line("https://x.example/a", h, "matches entry 1"),
            match_line("https://x.example/b", "zz", "matches entry 2"),
        );
        assert_eq!(
            original_hash(&text, "https://x.example/a").as_deref(),
            Some(h)
        );
        assert_eq!(original_hash(&text, "https://x.example/b"), None);
        assert_eq!(original_hash(&text, "https://x.example/c"), None);
    }
}
