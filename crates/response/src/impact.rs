//! Impacts of a response case: the `impact` object of the OASIS Incident Extension Suite
//! (Incident Core Extension 2.0), checked before it is stored.
//!
//! An impact has a category and the sub-extension named after it, carrying the category's
//! own properties (`external` with `impact_type`, `integrity` with `alteration`, ...); its
//! criticality is 0 to 100, its end after its start, its recoverability from the suite's
//! enumeration and its entity counts non-negative. Closed vocabularies are enforced; rrm also
//! holds the external impact types to the suite's vocabulary, so a typo is refused rather than
//! shared. Times are microseconds since the epoch, from the caller.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::wire::wire_enum;

wire_enum! {
    /// The category of an impact; the name of the sub-extension that carries its details.
    pub enum Category ("impact category") {
        /// Loss of availability of services or systems.
        Availability => "availability",
        /// Information whose confidentiality was compromised.
        Confidentiality => "confidentiality",
        /// Impact outside the organisation (national security, public confidence, ...).
        External => "external",
        /// Information whose integrity was compromised.
        Integrity => "integrity",
        /// Monetary losses.
        Monetary => "monetary",
        /// Physical damage.
        Physical => "physical",
        /// Loss of the ability to audit or to provide non-repudiation.
        Traceability => "traceability",
    }
}

wire_enum! {
    /// The suite's recoverability enumeration.
    pub enum Recoverability ("recoverability") {
        /// Time to recovery is unpredictable; outside help is needed.
        Extended => "extended",
        /// No recovery is necessary.
        NotApplicable => "not-applicable",
        /// Recovery is not possible.
        NotRecoverable => "not-recoverable",
        /// Predictable with existing resources.
        Regular => "regular",
        /// Predictable with additional resources.
        Supplemented => "supplemented",
    }
}

/// The suite's external impact vocabulary (`external-impact-ov`).
pub const EXTERNAL_IMPACT_TYPES: &[&str] = &[
    "economic",
    "emergency-services",
    "foreign-relations",
    "national-security",
    "public-confidence",
    "public-health",
    "public-safety",
];

/// The suite's confidentiality loss enumeration.
pub const LOSS_TYPES: &[&str] = &[
    "confirmed-loss",
    "contained",
    "exploited-loss",
    "suspected-loss",
    "none",
];

/// The suite's integrity alteration enumeration.
pub const ALTERATIONS: &[&str] = &[
    "potential-destruction",
    "potential-modification",
    "partial-destruction",
    "partial-modification",
    "full-destruction",
    "full-modification",
    "none",
];

/// The suite's monetary impact type vocabulary (`monetary-impact-type-ov`).
pub const MONETARY_VARIETIES: &[&str] = &[
    "asset-and-fraud",
    "brand-damage",
    "business-disruption",
    "competitive-advantage",
    "legal-and-regulatory",
    "operating-costs",
    "ransom-demand",
    "ransom-payment",
    "response-and-recovery",
    "uncategorized",
];

/// The suite's physical impact enumeration.
pub const PHYSICAL_IMPACTS: &[&str] = &[
    "damaged-functional",
    "damaged-nonfunctional",
    "destruction",
    "none",
    "unknown",
];

/// The suite's traceability enumeration.
pub const TRACEABILITY_IMPACTS: &[&str] = &[
    "accountability-lost",
    "partial-accountability",
    "provable-accountability",
];

/// The availability sub-extension.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Availability {
    /// The availability impact, 0 to 100 (required).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability_impact: Option<i64>,
}

/// The confidentiality sub-extension.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Confidentiality {
    /// The type of information (open vocabulary); required unless `loss_type` is `none`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub information_type: Option<String>,
    /// The type of loss (required).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loss_type: Option<String>,
    /// Records compromised.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record_count: Option<i64>,
    /// Bytes compromised.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record_size: Option<i64>,
}

/// The external sub-extension.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct External {
    /// The type of impact outside the organisation (required), e.g. `public-confidence`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub impact_type: Option<String>,
}

/// The integrity sub-extension.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Integrity {
    /// The type of information (open vocabulary); required unless `alteration` is `none`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub information_type: Option<String>,
    /// The alteration (required).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alteration: Option<String>,
    /// Records compromised.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record_count: Option<i64>,
    /// Bytes compromised.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record_size: Option<i64>,
}

/// The monetary sub-extension (amounts in one currency; no conversion).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Monetary {
    /// The variety (required), e.g. `operating-costs`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variety: Option<String>,
    /// The currency of the amounts (ISO 4217 alpha code); required with the amounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// The minimum estimate; given together with `max_amount`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_amount: Option<f64>,
    /// The maximum estimate; given together with `min_amount`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_amount: Option<f64>,
}

/// The physical sub-extension.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Physical {
    /// The physical impact (required).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub impact_type: Option<String>,
    /// The type of asset (open vocabulary); required unless `impact_type` is `none`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asset_type: Option<String>,
}

/// The traceability sub-extension.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Traceability {
    /// The traceability impact (required).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traceability_impact: Option<String>,
}

/// The category-specific properties as given: at most one sub-extension per category.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Details {
    /// Availability details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability: Option<Availability>,
    /// Confidentiality details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidentiality: Option<Confidentiality>,
    /// External details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external: Option<External>,
    /// Integrity details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub integrity: Option<Integrity>,
    /// Monetary details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monetary: Option<Monetary>,
    /// Physical details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub physical: Option<Physical>,
    /// Traceability details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traceability: Option<Traceability>,
}

impl Details {
    /// The categories whose sub-extension is present.
    pub fn present(&self) -> Vec<Category> {
        let mut v = Vec::new();
        if self.availability.is_some() {
            v.push(Category::Availability);
        }
        if self.confidentiality.is_some() {
            v.push(Category::Confidentiality);
        }
        if self.external.is_some() {
            v.push(Category::External);
        }
        if self.integrity.is_some() {
            v.push(Category::Integrity);
        }
        if self.monetary.is_some() {
            v.push(Category::Monetary);
        }
        if self.physical.is_some() {
            v.push(Category::Physical);
        }
        if self.traceability.is_some() {
            v.push(Category::Traceability);
        }
        v
    }
}

/// An impact as given, before it is checked.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ImpactInput {
    /// The category's wire name.
    pub category: String,
    /// The sub-extensions given.
    pub details: Details,
    /// Criticality, 0 to 100.
    pub criticality: Option<i64>,
    /// A description.
    pub description: String,
    /// When the impact was first recorded, microseconds since the epoch.
    pub start_micros: Option<i64>,
    /// When it was last recorded, microseconds since the epoch.
    pub end_micros: Option<i64>,
    /// The recoverability's wire name.
    pub recoverability: Option<String>,
    /// Impacted entities by type (`individual`, `organization`, ...).
    pub impacted_entity_counts: BTreeMap<String, i64>,
}

/// An impact that passed [`check`]: its category and exactly that category's sub-extension.
#[derive(Debug, Clone, PartialEq)]
pub struct Impact {
    /// The category.
    pub category: Category,
    /// Only the category's sub-extension, its required properties present.
    pub details: Details,
    /// Criticality, 0 to 100.
    pub criticality: Option<u8>,
    /// A description (may be empty).
    pub description: String,
    /// Start, microseconds since the epoch.
    pub start_micros: Option<i64>,
    /// End, microseconds since the epoch; after the start.
    pub end_micros: Option<i64>,
    /// The recoverability.
    pub recoverability: Option<Recoverability>,
    /// Impacted entities by type, each count at least 0.
    pub impacted_entity_counts: BTreeMap<String, u64>,
}

/// Why an impact is refused: the field (dotted path, e.g. `external.impact_type`) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    /// The field.
    pub field: String,
    /// What is wrong with it.
    pub reason: String,
}

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.reason)
    }
}

fn bad(field: impl Into<String>, reason: impl Into<String>) -> Invalid {
    Invalid {
        field: field.into(),
        reason: reason.into(),
    }
}

/// The longest description accepted, in characters.
pub const MAX_DESCRIPTION: usize = 10_000;

/// The longest vocabulary term or currency accepted, in characters.
const MAX_TERM: usize = 100;

/// Free text: no control characters but tab and newline.
fn check_text(field: &str, s: &str, max: usize) -> Result<(), Invalid> {
    if s.chars().count() > max {
        return Err(bad(field, format!("must be at most {max} characters")));
    }
    if s.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(bad(field, "must not hold control characters"));
    }
    Ok(())
}

/// An open-vocabulary term: lower-case letters, digits and dashes.
fn check_term(field: &str, s: &str) -> Result<(), Invalid> {
    let ok = !s.is_empty()
        && s.len() <= MAX_TERM
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
        Ok(())
    } else {
        Err(bad(
            field,
            "must be a vocabulary term: lower-case letters, digits and dashes",
        ))
    }
}

fn one_of(field: &str, value: &str, allowed: &[&str]) -> Result<(), Invalid> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(bad(
            field,
            format!(
                "unknown value {value:?}: expected one of {}",
                allowed.join(", ")
            ),
        ))
    }
}

fn need<'a>(field: &str, v: &'a Option<String>) -> Result<&'a str, Invalid> {
    v.as_deref().ok_or_else(|| bad(field, "is required"))
}

fn non_negative(field: &str, v: Option<i64>) -> Result<(), Invalid> {
    match v {
        Some(n) if n < 0 => Err(bad(field, "must not be negative")),
        _ => Ok(()),
    }
}

fn percent(field: &str, v: i64) -> Result<u8, Invalid> {
    u8::try_from(v)
        .ok()
        .filter(|n| *n <= 100)
        .ok_or_else(|| bad(field, format!("must be between 0 and 100, not {v}")))
}

/// The information type of a confidentiality or integrity impact: required unless nothing
/// was affected (`none`).
fn information_type(prefix: &str, v: &Option<String>, nothing: bool) -> Result<(), Invalid> {
    let field = format!("{prefix}.information_type");
    match v {
        Some(t) => check_term(&field, t),
        None if nothing => Ok(()),
        None => Err(bad(field, "is required unless nothing was affected (none)")),
    }
}

fn check_details(category: Category, d: &Details) -> Result<(), Invalid> {
    match category {
        Category::Availability => {
            let a = d.availability.as_ref().ok_or_else(missing(category))?;
            let v = a
                .availability_impact
                .ok_or_else(|| bad("availability.availability_impact", "is required"))?;
            percent("availability.availability_impact", v)?;
        }
        Category::Confidentiality => {
            let c = d.confidentiality.as_ref().ok_or_else(missing(category))?;
            let loss = need("confidentiality.loss_type", &c.loss_type)?;
            one_of("confidentiality.loss_type", loss, LOSS_TYPES)?;
            information_type("confidentiality", &c.information_type, loss == "none")?;
            non_negative("confidentiality.record_count", c.record_count)?;
            non_negative("confidentiality.record_size", c.record_size)?;
        }
        Category::External => {
            let e = d.external.as_ref().ok_or_else(missing(category))?;
            let t = need("external.impact_type", &e.impact_type)?;
            one_of("external.impact_type", t, EXTERNAL_IMPACT_TYPES)?;
        }
        Category::Integrity => {
            let i = d.integrity.as_ref().ok_or_else(missing(category))?;
            let alt = need("integrity.alteration", &i.alteration)?;
            one_of("integrity.alteration", alt, ALTERATIONS)?;
            information_type("integrity", &i.information_type, alt == "none")?;
            non_negative("integrity.record_count", i.record_count)?;
            non_negative("integrity.record_size", i.record_size)?;
        }
        Category::Monetary => {
            let m = d.monetary.as_ref().ok_or_else(missing(category))?;
            let variety = need("monetary.variety", &m.variety)?;
            one_of("monetary.variety", variety, MONETARY_VARIETIES)?;
            match (m.min_amount, m.max_amount) {
                (None, None) => {
                    if m.currency.is_some() {
                        return Err(bad(
                            "monetary.currency",
                            "is given only with min_amount and max_amount",
                        ));
                    }
                }
                (Some(min), Some(max)) => {
                    let cur = need("monetary.currency", &m.currency)?;
                    let iso = cur.len() == 3 && cur.chars().all(|c| c.is_ascii_uppercase());
                    if !iso {
                        return Err(bad(
                            "monetary.currency",
                            "must be an ISO 4217 alphabetic code such as CAD or EUR",
                        ));
                    }
                    if !min.is_finite() || min < 0.0 {
                        return Err(bad("monetary.min_amount", "must be 0 or more"));
                    }
                    if !max.is_finite() || max <= 0.0 {
                        return Err(bad("monetary.max_amount", "must be greater than 0"));
                    }
                    if min > max {
                        return Err(bad("monetary.min_amount", "must not exceed max_amount"));
                    }
                }
                (Some(_), None) => {
                    return Err(bad("monetary.max_amount", "is required with min_amount"))
                }
                (None, Some(_)) => {
                    return Err(bad("monetary.min_amount", "is required with max_amount"))
                }
            }
        }
        Category::Physical => {
            let p = d.physical.as_ref().ok_or_else(missing(category))?;
            let t = need("physical.impact_type", &p.impact_type)?;
            one_of("physical.impact_type", t, PHYSICAL_IMPACTS)?;
            match &p.asset_type {
                Some(a) => check_term("physical.asset_type", a)?,
                None if t == "none" => {}
                None => {
                    return Err(bad(
                        "physical.asset_type",
                        "is required unless nothing was damaged (none)",
                    ))
                }
            }
        }
        Category::Traceability => {
            let t = d.traceability.as_ref().ok_or_else(missing(category))?;
            let v = need("traceability.traceability_impact", &t.traceability_impact)?;
            one_of("traceability.traceability_impact", v, TRACEABILITY_IMPACTS)?;
        }
    }
    Ok(())
}

fn missing(category: Category) -> impl Fn() -> Invalid {
    move || {
        bad(
            category.as_str(),
            format!("the {category} impact's properties are required"),
        )
    }
}

/// Checks an impact: the category names a known sub-extension, that one (and no other) is
/// given with its required properties from the suite's vocabularies, the criticality is 0 to
/// 100, the end is after the start, the recoverability and the entity counts are valid, and
/// no text holds control characters. The first problem found is returned, naming its field.
pub fn check(input: &ImpactInput) -> Result<Impact, Invalid> {
    let category: Category = input
        .category
        .parse()
        .map_err(|e: crate::Error| bad("category", e.to_string()))?;
    for other in input.details.present() {
        if other != category {
            return Err(bad(
                other.as_str(),
                format!("does not apply to a {category} impact"),
            ));
        }
    }
    check_details(category, &input.details)?;
    let criticality = input
        .criticality
        .map(|c| percent("criticality", c))
        .transpose()?;
    check_text("description", &input.description, MAX_DESCRIPTION)?;
    if let (Some(s), Some(e)) = (input.start_micros, input.end_micros) {
        if e <= s {
            return Err(bad("end_time", "must be later than start_time"));
        }
    }
    let recoverability = input
        .recoverability
        .as_deref()
        .map(|r| {
            r.parse::<Recoverability>()
                .map_err(|e| bad("recoverability", e.to_string()))
        })
        .transpose()?;
    let mut counts = BTreeMap::new();
    for (k, v) in &input.impacted_entity_counts {
        let field = format!("impacted_entity_counts.{}", k.escape_default());
        let key_ok = !k.is_empty()
            && k.len() <= MAX_TERM
            && k.chars().all(|c| c.is_ascii_lowercase() || c == '-');
        if !key_ok {
            return Err(bad(
                field,
                "entity types are lower-case letters and dashes, e.g. individual",
            ));
        }
        let n = u64::try_from(*v).map_err(|_| bad(&field, "must not be negative"))?;
        counts.insert(k.clone(), n);
    }
    Ok(Impact {
        category,
        details: input.details.clone(),
        criticality,
        description: input.description.clone(),
        start_micros: input.start_micros,
        end_micros: input.end_micros,
        recoverability,
        impacted_entity_counts: counts,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn external(t: &str) -> ImpactInput {
        ImpactInput {
            category: "external".into(),
            details: Details {
                external: Some(External {
                    impact_type: Some(t.into()),
                }),
                ..Details::default()
            },
            ..ImpactInput::default()
        }
    }

    fn field(input: &ImpactInput) -> String {
        check(input).unwrap_err().field
    }

    #[test]
    fn an_external_impact_on_public_confidence_passes() {
        let mut i = external("public-confidence");
        i.criticality = Some(70);
        i.start_micros = Some(1);
        i.end_micros = Some(2);
        i.recoverability = Some("extended".into());
        i.impacted_entity_counts
            .insert("individual".into(), 120_000);
        let ok = check(&i).unwrap();
        assert_eq!(ok.category, Category::External);
        assert_eq!(ok.criticality, Some(70));
        assert_eq!(ok.recoverability, Some(Recoverability::Extended));
        assert_eq!(ok.impacted_entity_counts["individual"], 120_000);
    }

    #[test]
    fn each_refusal_names_its_field() {
        assert_eq!(field(&external("public-mood")), "external.impact_type");
        let mut i = external("economic");
        i.category = "emotional".into();
        assert_eq!(field(&i), "category");
        let mut i = external("economic");
        i.criticality = Some(101);
        assert_eq!(field(&i), "criticality");
        let mut i = external("economic");
        i.start_micros = Some(5);
        i.end_micros = Some(5);
        assert_eq!(field(&i), "end_time");
        let mut i = external("economic");
        i.description = "bell\u{7}".into();
        assert_eq!(field(&i), "description");
        let mut i = external("economic");
        i.recoverability = Some("soon".into());
        assert_eq!(field(&i), "recoverability");
        let mut i = external("economic");
        i.impacted_entity_counts.insert("individual".into(), -1);
        assert_eq!(field(&i), "impacted_entity_counts.individual");
        let mut i = external("economic");
        i.details.monetary = Some(Monetary::default());
        assert_eq!(field(&i), "monetary");
        let mut i = external("economic");
        i.category = "integrity".into();
        assert_eq!(field(&i), "external");
    }

    #[test]
    fn each_supported_category_checks_its_required_properties() {
        let mut i = ImpactInput {
            category: "integrity".into(),
            ..ImpactInput::default()
        };
        assert_eq!(field(&i), "integrity");
        i.details.integrity = Some(Integrity::default());
        assert_eq!(field(&i), "integrity.alteration");
        i.details.integrity = Some(Integrity {
            alteration: Some("partial-modification".into()),
            ..Integrity::default()
        });
        assert_eq!(field(&i), "integrity.information_type");
        i.details.integrity.as_mut().unwrap().information_type = Some("communication".into());
        assert!(check(&i).is_ok());

        let mut c = ImpactInput {
            category: "confidentiality".into(),
            ..ImpactInput::default()
        };
        c.details.confidentiality = Some(Confidentiality {
            loss_type: Some("none".into()),
            ..Confidentiality::default()
        });
        assert!(check(&c).is_ok());
        c.details.confidentiality.as_mut().unwrap().loss_type = Some("lost".into());
        assert_eq!(field(&c), "confidentiality.loss_type");

        let mut a = ImpactInput {
            category: "availability".into(),
            ..ImpactInput::default()
        };
        a.details.availability = Some(Availability {
            availability_impact: Some(150),
        });
        assert_eq!(field(&a), "availability.availability_impact");
        a.details.availability = Some(Availability {
            availability_impact: Some(40),
        });
        assert!(check(&a).is_ok());

        let mut m = ImpactInput {
            category: "monetary".into(),
            ..ImpactInput::default()
        };
        m.details.monetary = Some(Monetary {
            variety: Some("operating-costs".into()),
            min_amount: Some(10.0),
            max_amount: Some(5.0),
            currency: Some("CAD".into()),
        });
        assert_eq!(field(&m), "monetary.min_amount");
        m.details.monetary.as_mut().unwrap().max_amount = Some(50.0);
        assert!(check(&m).is_ok());
        m.details.monetary.as_mut().unwrap().currency = Some("dollars".into());
        assert_eq!(field(&m), "monetary.currency");
    }

    proptest! {
        #[test]
        fn criticality_passes_exactly_from_0_to_100(c in -1000i64..1000) {
            let mut i = external("national-security");
            i.criticality = Some(c);
            prop_assert_eq!(check(&i).is_ok(), (0..=100).contains(&c));
        }

        #[test]
        fn times_pass_exactly_when_the_end_is_later(s in any::<i64>(), e in any::<i64>()) {
            let mut i = external("national-security");
            i.start_micros = Some(s);
            i.end_micros = Some(e);
            prop_assert_eq!(check(&i).is_ok(), e > s);
        }

        #[test]
        fn any_string_as_impact_type_never_panics(t in ".{0,40}") {
            let ok = check(&external(&t)).is_ok();
            prop_assert_eq!(ok, EXTERNAL_IMPACT_TYPES.contains(&t.as_str()));
        }
    }
}
