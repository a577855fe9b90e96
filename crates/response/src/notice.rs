//! Notices to platforms and ISPs: their kinds, what each kind's law or format requires, and the
//! lifecycle `draft` -> `approved` -> `sent` -> `delivered` -> `under-review` -> `decided` ->
//! `appealed` -> `closed`, with `escalated` and `expired` when a due time passes.
//!
//! A notice is written by analysts of the sender organisation and approved by a second person
//! of it (never its author) before it is sent. The recipient organisation (a platform or an
//! ISP) acknowledges it (DSA Art. 16(4)), decides on each item and answers appeals; the sender
//! appeals a decision or closes the notice. [`check`] names every missing element of a notice
//! at once; [`decide`] applies the rule table.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use crate::actor::{Accepted, Actor, Membership, Refused};
use crate::rules::{self, writer, Rule, To};
use crate::wire::wire_enum;
use store::Sector;

wire_enum! {
    /// What a notice is, and so which rules its content must meet.
    pub enum NoticeKind ("notice kind") {
        /// A notice of illegal content under DSA Art. 16.
        DsaArt16 => "dsa-art16",
        /// A notice by a trusted flagger (DSA Art. 22): an Art. 16 notice with a designation.
        DsaTrustedFlagger => "dsa-trusted-flagger",
        /// An order to act against illegal content (DSA Art. 9), from a competent authority.
        DsaArt9Order => "dsa-art9-order",
        /// A report under the platform's terms of service.
        TosReport => "tos-report",
        /// An abuse report to an ISP or host in the XARF v4 shape.
        AbuseReport => "abuse-report",
    }
}

wire_enum! {
    /// What an item of a notice points at.
    pub enum ItemType ("item type") {
        /// An exact URL.
        Url => "url",
        /// An account, by handle or id.
        Account => "account",
        /// An IP address.
        Ip => "ip",
        /// A domain name.
        Domain => "domain",
        /// A stored STIX object (by id, with its collection).
        Stix => "stix",
    }
}

wire_enum! {
    /// The status of a notice.
    pub enum NoticeStatus ("notice status") {
        /// Being written by the sender.
        Draft => "draft",
        /// Approved by a second person of the sender organisation.
        Approved => "approved",
        /// Sent; its content is frozen.
        Sent => "sent",
        /// Read by the recipient (inbox fetch or show).
        Delivered => "delivered",
        /// Acknowledged by the recipient (Art. 16(4)); being reviewed.
        UnderReview => "under-review",
        /// Every item has a decision.
        Decided => "decided",
        /// The sender appealed the decision.
        Appealed => "appealed",
        /// Concluded.
        Closed => "closed",
        /// Never sent before its respond-by time.
        Expired => "expired",
        /// Not decided by its respond-by time.
        Escalated => "escalated",
    }
}

impl NoticeStatus {
    /// Whether no step leads out of the status.
    pub fn is_final(self) -> bool {
        matches!(self, NoticeStatus::Closed | NoticeStatus::Expired)
    }

    /// Whether the recipient may see the notice in this status (once it is sent).
    pub fn is_sent(self) -> bool {
        !matches!(
            self,
            NoticeStatus::Draft | NoticeStatus::Approved | NoticeStatus::Expired
        )
    }
}

wire_enum! {
    /// The steps of a notice's lifecycle.
    pub enum NoticeStep ("notice step") {
        /// Approve a draft (a second person of the sender organisation).
        Approve => "approve",
        /// Send an approved notice.
        Send => "send",
        /// Mark a sent notice read by the recipient.
        Deliver => "deliver",
        /// Acknowledge receipt (Art. 16(4)).
        Acknowledge => "acknowledge",
        /// Record decisions on items.
        Decide => "decide",
        /// Conclude once every item has a decision.
        Conclude => "conclude",
        /// Appeal the decision.
        Appeal => "appeal",
        /// Answer an appeal.
        Answer => "answer",
        /// Accept the decision and close the notice.
        Close => "close",
        /// Write a corrected version (a new draft referring to this one).
        Revise => "revise",
        /// Mark a notice not decided by its respond-by time (the deadline sweep).
        Escalate => "escalate",
        /// Mark a notice never sent before its respond-by time (the deadline sweep).
        Expire => "expire",
    }
}

wire_enum! {
    /// The recipient's decision on one item.
    pub enum ItemOutcome ("item outcome") {
        /// The item was restricted (a statement of reasons goes with it).
        Actioned => "actioned",
        /// Nothing was done.
        NoAction => "no-action",
    }
}

wire_enum! {
    /// The outcome of a decided notice.
    pub enum NoticeOutcome ("notice outcome") {
        /// Every item was actioned.
        Actioned => "actioned",
        /// Some items were actioned.
        PartiallyActioned => "partially-actioned",
        /// No item was actioned.
        NoAction => "no-action",
    }
}

wire_enum! {
    /// The recipient's answer to an appeal.
    pub enum AppealAnswer ("appeal answer") {
        /// The decision stands.
        Upheld => "upheld",
        /// The decision is reversed.
        Reversed => "reversed",
    }
}

/// The outcome of a notice whose items have these decisions: `None` while any is missing.
pub fn outcome(decisions: &[Option<ItemOutcome>]) -> Option<NoticeOutcome> {
    if decisions.is_empty() || decisions.iter().any(Option::is_none) {
        return None;
    }
    let actioned = decisions
        .iter()
        .filter(|d| **d == Some(ItemOutcome::Actioned))
        .count();
    Some(if actioned == decisions.len() {
        NoticeOutcome::Actioned
    } else if actioned == 0 {
        NoticeOutcome::NoAction
    } else {
        NoticeOutcome::PartiallyActioned
    })
}

/// One item of a notice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    /// What it points at.
    #[serde(rename = "type")]
    pub item_type: ItemType,
    /// The URL, handle, address, domain or STIX id.
    pub value: String,
    /// The platform's id or handle of the account or content, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
    /// The collection of a `stix` item (UUID or slug on input, UUID once stored).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collection: Option<String>,
}

/// Who to contact about a notice.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    /// The name of the individual or entity.
    #[serde(default)]
    pub name: String,
    /// An e-mail address.
    #[serde(default)]
    pub email: String,
}

/// What an order under DSA Art. 9(2) carries beyond the common fields.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderDetails {
    /// Art. 9(2)(a)(iii): information identifying the issuing authority.
    #[serde(default)]
    pub issuing_authority: String,
    /// Art. 9(2)(a)(v): the redress available to the provider and to the content's author.
    #[serde(default)]
    pub redress: String,
}

/// The reporter of an XARF report (`ReporterInfo`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct XarfReporter {
    /// The reporter organisation's name (at least 3 characters).
    #[serde(rename = "ReporterOrg", default)]
    pub org: String,
    /// The reporter organisation's domain.
    #[serde(rename = "ReporterOrgDomain", default)]
    pub org_domain: String,
    /// The reporter organisation's e-mail address.
    #[serde(rename = "ReporterOrgEmail", default)]
    pub org_email: String,
    /// The contact's e-mail address.
    #[serde(
        rename = "ReporterContactEmail",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub contact_email: Option<String>,
    /// The contact's name.
    #[serde(
        rename = "ReporterContactName",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub contact_name: Option<String>,
}

/// The XARF v4 fields of an abuse report; the items are its sources.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct XarfDetails {
    /// `ReporterInfo`.
    #[serde(
        rename = "ReporterInfo",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub reporter: Option<XarfReporter>,
    /// `Disclosure`: whether the report may be disclosed.
    #[serde(
        rename = "Disclosure",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub disclosure: Option<bool>,
    /// `ReportClass`: `Content` or `Activity`.
    #[serde(
        rename = "ReportClass",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub report_class: Option<String>,
    /// `ReportType`, e.g. `Phishing`, `Malware`, `Botnet`, `DOS`.
    #[serde(
        rename = "ReportType",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub report_type: Option<String>,
    /// `Date`: when the abuse happened, RFC 3339.
    #[serde(rename = "Date", default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
}

/// The XARF `ReportClass` values.
pub const XARF_CLASSES: &[&str] = &["Content", "Activity"];

/// The content of a notice, as its sender writes it; frozen when it is sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoticeContent {
    /// The kind.
    pub kind: NoticeKind,
    /// What the notice is about.
    #[serde(default)]
    pub items: Vec<Item>,
    /// Why the items are illegal or break the terms (Art. 16(2)(a); Art. 9(2)(a)(ii), the
    /// statement of reasons).
    #[serde(default)]
    pub explanation: String,
    /// The legal provision or terms-of-service clause (Art. 9(2)(a)(i), the legal basis).
    #[serde(default)]
    pub ground: String,
    /// ISO 3166-1 alpha-2 country codes (`EU` allowed) where the notice applies.
    #[serde(default)]
    pub territorial_scope: Vec<String>,
    /// Who to contact (Art. 16(2)(c)).
    #[serde(default)]
    pub contact: Contact,
    /// The statement of good faith (Art. 16(2)(d)).
    #[serde(default)]
    pub bona_fide: bool,
    /// A trusted flagger's designation reference by its Digital Services Coordinator (Art. 22).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trusted_flagger: Option<String>,
    /// An order's authority and redress (Art. 9(2)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<OrderDetails>,
    /// An abuse report's XARF fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub xarf: Option<XarfDetails>,
}

/// One missing or malformed element, by its field path in the request (`items[0].value`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Missing {
    /// The field path.
    pub field: String,
    /// What the law or the format requires there.
    pub message: String,
}

/// The facts about the sender and the recipient the content rules look at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parties {
    /// Whether the operator marked the sender organisation a competent authority.
    pub sender_is_authority: bool,
    /// The recipient organisation's sector.
    pub recipient_sector: Sector,
}

/// The most items a notice holds.
pub const MAX_ITEMS: usize = 10_000;
/// The most characters of a free-text field.
pub const MAX_TEXT: usize = 20_000;

/// Whether `s` looks like an e-mail address (one `@`, a dot in the domain, no spaces).
pub fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Whether `s` is an absolute `http` or `https` URL with a host.
pub fn is_url(s: &str) -> bool {
    let rest = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"));
    match rest {
        Some(r) => {
            let host = r.split(['/', '?', '#']).next().unwrap_or_default();
            !host.is_empty() && !s.chars().any(|c| c.is_whitespace() || c.is_control())
        }
        None => false,
    }
}

/// Whether `s` is a domain name: dot-separated labels of letters, digits and hyphens.
pub fn is_domain(s: &str) -> bool {
    let s = s.strip_suffix('.').unwrap_or(s);
    s.len() <= 253
        && s.contains('.')
        && s.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

/// Whether `s` is an RFC 3339 date-time (`2026-11-29T10:00:00Z`, fraction and offset allowed).
pub fn is_rfc3339(s: &str) -> bool {
    let b = s.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|x| x.iter().all(u8::is_ascii_digit));
    if b.len() < 20
        || !digits(0..4)
        || b[4] != b'-'
        || !digits(5..7)
        || b[7] != b'-'
        || !digits(8..10)
        || !matches!(b[10], b'T' | b't')
        || !digits(11..13)
        || b[13] != b':'
        || !digits(14..16)
        || b[16] != b':'
        || !digits(17..19)
    {
        return false;
    }
    let mut i = 19;
    if b[i] == b'.' {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    match b.get(i) {
        Some(b'Z' | b'z') => i + 1 == b.len(),
        Some(b'+' | b'-') => {
            i + 6 == b.len() && digits(i + 1..i + 3) && b[i + 3] == b':' && digits(i + 4..i + 6)
        }
        _ => false,
    }
}

struct Report(Vec<Missing>);

impl Report {
    fn push(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(Missing {
            field: field.into(),
            message: message.into(),
        });
    }

    fn text(&mut self, field: &str, value: &str, why: &str) {
        if value.trim().is_empty() {
            self.push(field, why);
        } else if value.chars().count() > MAX_TEXT {
            self.push(field, format!("at most {MAX_TEXT} characters"));
        }
    }
}

/// Checks `content` against its kind's rules and the parties: every missing or malformed
/// element is named, not only the first.
pub fn check(content: &NoticeContent, parties: &Parties) -> Result<(), Vec<Missing>> {
    let mut r = Report(Vec::new());
    let kind = content.kind;
    if !matches!(parties.recipient_sector, Sector::Platform | Sector::Isp) {
        r.push(
            "recipient",
            format!(
                "notices go to a platform or an ISP, not to a {} organisation",
                parties.recipient_sector
            ),
        );
    }
    if kind == NoticeKind::DsaArt9Order && !parties.sender_is_authority {
        r.push(
            "kind",
            "an order under DSA Art. 9 comes only from an organisation the operator marked a \
             competent authority",
        );
    }
    check_items(content, &mut r);
    check_scope(content, &mut r);
    match kind {
        NoticeKind::DsaArt16 | NoticeKind::DsaTrustedFlagger => {
            r.text(
                "explanation",
                &content.explanation,
                "Art. 16(2)(a): a sufficiently substantiated explanation of why the items are \
                 illegal content",
            );
            r.text(
                "ground",
                &content.ground,
                "the legal provision the content breaks",
            );
            check_contact(content, &mut r, "Art. 16(2)(c)");
            if !content.bona_fide {
                r.push(
                    "bona_fide",
                    "Art. 16(2)(d): a statement confirming the bona fide belief that the \
                     information and allegations are accurate and complete",
                );
            }
            if kind == NoticeKind::DsaTrustedFlagger {
                r.text(
                    "trusted_flagger",
                    content.trusted_flagger.as_deref().unwrap_or_default(),
                    "Art. 22: the reference of the flagger's designation by its Digital \
                     Services Coordinator",
                );
            }
        }
        NoticeKind::DsaArt9Order => {
            r.text(
                "ground",
                &content.ground,
                "Art. 9(2)(a)(i): a reference to the legal basis for the order",
            );
            r.text(
                "explanation",
                &content.explanation,
                "Art. 9(2)(a)(ii): a statement of reasons why the information is illegal \
                 content",
            );
            if !content.explanation.trim().is_empty()
                && !content.ground.trim().is_empty()
                && !mentions_provision(&content.explanation)
            {
                r.push(
                    "explanation",
                    "Art. 9(2)(a)(ii): the statement of reasons refers to one or more specific \
                     provisions (e.g. 'Art. 5', 'section 12', '§ 130')",
                );
            }
            let order = content.order.clone().unwrap_or_default();
            r.text(
                "order.issuing_authority",
                &order.issuing_authority,
                "Art. 9(2)(a)(iii): information identifying the issuing authority",
            );
            r.text(
                "order.redress",
                &order.redress,
                "Art. 9(2)(a)(v): information about redress available to the provider and to \
                 the recipient of the service who provided the content",
            );
            if content.territorial_scope.is_empty() {
                r.push(
                    "territorial_scope",
                    "Art. 9(2)(b): the territorial scope of the order",
                );
            }
        }
        NoticeKind::TosReport => {
            r.text(
                "ground",
                &content.ground,
                "the terms-of-service clause the items break",
            );
            r.text(
                "explanation",
                &content.explanation,
                "why the items break the clause",
            );
        }
        NoticeKind::AbuseReport => check_xarf(content, &mut r),
    }
    if r.0.is_empty() {
        Ok(())
    } else {
        Err(r.0)
    }
}

/// Whether a statement of reasons names a provision (an article, section or paragraph).
fn mentions_provision(text: &str) -> bool {
    let lower = text.to_lowercase();
    if ["art.", "article", "section", "sec.", "§", "para", "artikel"]
        .iter()
        .any(|w| lower.contains(w))
    {
        return true;
    }
    // `s. 91`, `ss. 91-92`: a section sign written as `s.` before a number.
    let chars: Vec<char> = lower.chars().collect();
    chars.windows(2).enumerate().any(|(i, w)| {
        w == ['s', '.']
            && (i == 0
                || !chars[i - 1].is_alphanumeric()
                || (chars[i - 1] == 's' && (i < 2 || !chars[i - 2].is_alphanumeric())))
            && chars[i + 2..]
                .iter()
                .find(|c| !c.is_whitespace())
                .is_some_and(char::is_ascii_digit)
    })
}

fn check_contact(content: &NoticeContent, r: &mut Report, basis: &str) {
    r.text(
        "contact.name",
        &content.contact.name,
        &format!("{basis}: the name of the individual or entity submitting the notice"),
    );
    if content.contact.email.trim().is_empty() {
        r.push(
            "contact.email",
            format!("{basis}: the e-mail address of the individual or entity submitting it"),
        );
    } else if !is_email(content.contact.email.trim()) {
        r.push("contact.email", "not an e-mail address");
    }
}

fn check_items(content: &NoticeContent, r: &mut Report) {
    if content.items.is_empty() {
        let why = match content.kind {
            NoticeKind::DsaArt16 | NoticeKind::DsaTrustedFlagger => {
                "Art. 16(2)(b): the exact electronic location of the content (at least one item)"
            }
            NoticeKind::DsaArt9Order => {
                "Art. 9(2)(a)(iv): information identifying and locating the content (at least \
                 one item)"
            }
            NoticeKind::TosReport => "at least one item",
            NoticeKind::AbuseReport => "XARF Source: at least one IP address, domain or URL",
        };
        r.push("items", why);
        return;
    }
    if content.items.len() > MAX_ITEMS {
        r.push("items", format!("at most {MAX_ITEMS} items"));
        return;
    }
    for (i, item) in content.items.iter().enumerate() {
        let f = format!("items[{i}]");
        let v = item.value.trim();
        if v.is_empty() {
            r.push(format!("{f}.value"), "must not be empty");
            continue;
        }
        if v.chars().count() > 2048 {
            r.push(format!("{f}.value"), "at most 2048 characters");
            continue;
        }
        let ok = match item.item_type {
            ItemType::Url => is_url(v),
            ItemType::Ip => v.parse::<IpAddr>().is_ok(),
            ItemType::Domain => is_domain(v),
            ItemType::Account => !v.chars().any(char::is_control),
            ItemType::Stix => v.contains("--"),
        };
        if !ok {
            let what = match item.item_type {
                ItemType::Url => "an exact http(s) URL",
                ItemType::Ip => "an IPv4 or IPv6 address",
                ItemType::Domain => "a domain name",
                ItemType::Account => "an account handle or id without control characters",
                ItemType::Stix => "a STIX id (type--uuid)",
            };
            r.push(format!("{f}.value"), format!("must be {what}"));
        }
        if item.item_type == ItemType::Stix {
            if item
                .collection
                .as_deref()
                .is_none_or(|c| c.trim().is_empty())
            {
                r.push(
                    format!("{f}.collection"),
                    "a stix item names its collection",
                );
            }
        } else if item.collection.is_some() {
            r.push(
                format!("{f}.collection"),
                "only a stix item names a collection",
            );
        }
        if content.kind == NoticeKind::AbuseReport
            && !matches!(
                item.item_type,
                ItemType::Ip | ItemType::Domain | ItemType::Url
            )
        {
            r.push(
                format!("{f}.type"),
                "an abuse report's sources are IP addresses, domains or URLs",
            );
        }
    }
}

fn check_scope(content: &NoticeContent, r: &mut Report) {
    for (i, c) in content.territorial_scope.iter().enumerate() {
        if !(c.len() == 2 && c.chars().all(|x| x.is_ascii_uppercase())) {
            r.push(
                format!("territorial_scope[{i}]"),
                "must be an ISO 3166-1 alpha-2 country code in upper case (or EU)",
            );
        }
    }
}

fn check_xarf(content: &NoticeContent, r: &mut Report) {
    let x = content.xarf.clone().unwrap_or_default();
    match &x.reporter {
        None => r.push(
            "xarf.ReporterInfo",
            "XARF: ReporterInfo (ReporterOrg, ReporterOrgDomain, ReporterOrgEmail)",
        ),
        Some(rep) => {
            if rep.org.trim().chars().count() < 3 {
                r.push(
                    "xarf.ReporterInfo.ReporterOrg",
                    "XARF: the reporter organisation's name, at least 3 characters",
                );
            }
            if !is_domain(rep.org_domain.trim()) {
                r.push(
                    "xarf.ReporterInfo.ReporterOrgDomain",
                    "XARF: the reporter organisation's domain",
                );
            }
            if !is_email(rep.org_email.trim()) {
                r.push(
                    "xarf.ReporterInfo.ReporterOrgEmail",
                    "XARF: the reporter organisation's e-mail address",
                );
            }
            if rep.contact_email.as_deref().is_some_and(|e| !is_email(e)) {
                r.push(
                    "xarf.ReporterInfo.ReporterContactEmail",
                    "not an e-mail address",
                );
            }
        }
    }
    if x.disclosure.is_none() {
        r.push(
            "xarf.Disclosure",
            "XARF: whether the report may be disclosed (true or false)",
        );
    }
    match x.report_class.as_deref() {
        None => r.push(
            "xarf.ReportClass",
            "XARF: the report class (Content or Activity)",
        ),
        Some(c) if !XARF_CLASSES.contains(&c) => {
            r.push("xarf.ReportClass", "XARF: must be Content or Activity")
        }
        Some(_) => {}
    }
    if x.report_type.as_deref().is_none_or(|t| t.trim().is_empty()) {
        r.push(
            "xarf.ReportType",
            "XARF: the report type (e.g. Phishing, Malware, Botnet, DOS)",
        );
    }
    match x.date.as_deref() {
        None => r.push("xarf.Date", "XARF: when the abuse happened (RFC 3339)"),
        Some(d) if !is_rfc3339(d) => r.push("xarf.Date", "XARF: an RFC 3339 date-time"),
        Some(_) => {}
    }
    r.text(
        "explanation",
        &content.explanation,
        "what was observed (XARF ReporterNotes)",
    );
}

/// The facts about the notice the rules look at beyond the actor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoticeContext {
    /// The user who wrote the notice.
    pub author: i64,
}

/// The user id the deadline sweep acts as (no hub user has it).
pub const SWEEP_USER: i64 = 0;

fn sender_writer(a: &Actor, _: &NoticeContext) -> Result<(), String> {
    writer(a)?;
    match a.membership {
        Membership::Owner => Ok(()),
        _ => Err("only the sender organisation may do this".into()),
    }
}

fn second_person(a: &Actor, c: &NoticeContext) -> Result<(), String> {
    sender_writer(a, c)?;
    if a.user_id == c.author {
        Err(
            "a notice is approved by a second person of the sender organisation, never its author"
                .into(),
        )
    } else {
        Ok(())
    }
}

fn recipient_reader(a: &Actor, _: &NoticeContext) -> Result<(), String> {
    match a.membership {
        Membership::Participant => Ok(()),
        _ => Err("only the recipient organisation may do this".into()),
    }
}

fn recipient_writer(a: &Actor, c: &NoticeContext) -> Result<(), String> {
    recipient_reader(a, c)?;
    writer(a)
}

fn sweep(a: &Actor, _: &NoticeContext) -> Result<(), String> {
    if a.user_id == SWEEP_USER && a.membership == Membership::Outsider {
        Ok(())
    } else {
        Err("only the deadline sweep marks notices escalated or expired".into())
    }
}

use NoticeStatus::{
    Appealed, Approved, Decided, Delivered, Draft, Escalated, Expired, Sent, UnderReview,
};

/// The notice rule table.
pub static NOTICE_RULES: &[Rule<NoticeStatus, NoticeStep, NoticeContext>] = &[
    Rule {
        id: "notice.approve",
        from: &[Draft],
        action: NoticeStep::Approve,
        who: "an analyst or admin of the sender organisation other than the author",
        guard: second_person,
        to: To::State(Approved),
    },
    Rule {
        id: "notice.send",
        from: &[Approved],
        action: NoticeStep::Send,
        who: "an analyst or admin of the sender organisation",
        guard: sender_writer,
        to: To::State(Sent),
    },
    Rule {
        id: "notice.deliver",
        from: &[Sent],
        action: NoticeStep::Deliver,
        who: "any user of the recipient organisation (reading it)",
        guard: recipient_reader,
        to: To::State(Delivered),
    },
    Rule {
        id: "notice.acknowledge",
        from: &[Sent, Delivered],
        action: NoticeStep::Acknowledge,
        who: "an analyst or admin of the recipient organisation",
        guard: recipient_writer,
        to: To::State(UnderReview),
    },
    Rule {
        id: "notice.decide",
        from: &[UnderReview, Escalated],
        action: NoticeStep::Decide,
        who: "an analyst or admin of the recipient organisation",
        guard: recipient_writer,
        to: To::Same,
    },
    Rule {
        id: "notice.conclude",
        from: &[UnderReview, Escalated],
        action: NoticeStep::Conclude,
        who: "an analyst or admin of the recipient organisation (when every item is decided)",
        guard: recipient_writer,
        to: To::State(Decided),
    },
    Rule {
        id: "notice.appeal",
        from: &[Decided],
        action: NoticeStep::Appeal,
        who: "an analyst or admin of the sender organisation",
        guard: sender_writer,
        to: To::State(Appealed),
    },
    Rule {
        id: "notice.answer",
        from: &[Appealed],
        action: NoticeStep::Answer,
        who: "an analyst or admin of the recipient organisation",
        guard: recipient_writer,
        to: To::State(NoticeStatus::Closed),
    },
    Rule {
        id: "notice.close",
        from: &[Decided],
        action: NoticeStep::Close,
        who: "an analyst or admin of the sender organisation (accepting the decision)",
        guard: sender_writer,
        to: To::State(NoticeStatus::Closed),
    },
    Rule {
        id: "notice.revise",
        from: &[Sent, Delivered, UnderReview, Decided, Appealed, Escalated],
        action: NoticeStep::Revise,
        who: "an analyst or admin of the sender organisation",
        guard: sender_writer,
        to: To::Same,
    },
    Rule {
        id: "notice.escalate",
        from: &[Sent, Delivered, UnderReview],
        action: NoticeStep::Escalate,
        who: "the deadline sweep",
        guard: sweep,
        to: To::State(Escalated),
    },
    Rule {
        id: "notice.expire",
        from: &[Draft, Approved],
        action: NoticeStep::Expire,
        who: "the deadline sweep",
        guard: sweep,
        to: To::State(Expired),
    },
];

/// Decides `step` by `actor` on a notice in `status`.
pub fn decide(
    status: NoticeStatus,
    step: NoticeStep,
    actor: &Actor,
    ctx: &NoticeContext,
) -> Result<Accepted<NoticeStatus>, Refused<NoticeStatus, NoticeStep>> {
    rules::decide(NOTICE_RULES, status, step, actor, ctx)
}

/// Who may write a notice: any analyst or admin (their organisation is the sender).
pub fn may_create(actor: &Actor) -> Result<(), String> {
    writer(actor)
}

/// The steps only the recipient organisation performs.
pub const RECIPIENT_STEPS: &[NoticeStep] = &[
    NoticeStep::Deliver,
    NoticeStep::Acknowledge,
    NoticeStep::Decide,
    NoticeStep::Conclude,
    NoticeStep::Answer,
];

/// The steps only the sender organisation performs.
pub const SENDER_STEPS: &[NoticeStep] = &[
    NoticeStep::Approve,
    NoticeStep::Send,
    NoticeStep::Appeal,
    NoticeStep::Close,
    NoticeStep::Revise,
];

/// `value` with its object keys sorted at every level and no whitespace: the canonical JSON
/// a sent notice's content hash is computed over.
pub fn canonical_json(value: &serde_json::Value) -> String {
    use serde_json::Value;
    fn write(v: &Value, out: &mut String) {
        match v {
            Value::Object(m) => {
                let mut keys: Vec<&String> = m.keys().collect();
                keys.sort();
                out.push('{');
                for (i, k) in keys.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&Value::String((*k).clone()).to_string());
                    out.push(':');
                    write(&m[k.as_str()], out);
                }
                out.push('}');
            }
            Value::Array(a) => {
                out.push('[');
                for (i, x) in a.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write(x, out);
                }
                out.push(']');
            }
            other => out.push_str(&other.to_string()),
        }
    }
    let mut out = String::new();
    write(value, &mut out);
    out
}
