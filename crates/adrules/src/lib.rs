//! adrules: checks political ads against election law, with the rules kept as data.
//!
//! The crate holds the data model of a political-advertising registry (elections, sponsors,
//! platforms, ads; see [`model`]) and a rules engine ([`Engine`]) that judges one ad in its
//! context. Rules live in jurisdiction rule sets ([`RuleSet`]) with effective dates; each rule
//! has an id, a legal citation, a condition written in a small language of legal tests
//! ([`Condition`]), an outcome ([`Outcome`]: ACCEPT, FLAG, REJECT, BLOCK) and a plain-language
//! explanation. Two rule sets ship with the crate as JSON (`rules/`): the Canada Elections Act
//! as amended in 2018 and EU Regulation 2024/900; later amendments are added as more JSON.
//! `RULES.md` maps every rule to the law and says what is simplified.
//!
//! Checking validates the submission first (codes, references, date order, amounts, creative
//! limits; every problem is named by its field path) and then returns the verdict, which is the
//! most severe outcome of the rules that fired, with every rule that fired and why. A creative's
//! bytes can be checked against its declared media type with [`check_creative`] (see [`media`]).
//!
//! The crate is pure: no files, network, environment or clock. Dates come from the submission.
//!
//! ```
//! use adrules::{Engine, Outcome};
//!
//! let engine = Engine::shipped()?;
//! let doc = r#"{
//!   "ad": {
//!     "id": "ad-1", "sponsor": "acme", "class": "partisan",
//!     "linked_elections": ["ca-45"],
//!     "intended_dissemination": {"start": "2025-04-01T12:00:00-04:00",
//!                                "end": "2025-04-20T12:00:00-04:00"},
//!     "tagline": "Authorized by Acme Holdings Ltd."
//!   },
//!   "sponsors": [{"id": "acme", "legal_name": "Acme Holdings Ltd.", "kind": "corporation",
//!                 "established_in": "US", "canadian_role": "third_party"}],
//!   "elections": [{"id": "ca-45", "jurisdiction": "CA", "kind": "general",
//!                  "polling_day": "2025-04-28", "writ_issued": "2025-03-23"}],
//!   "platform": {"id": "p", "monthly_reach_ca": [{"language": "en", "visitors": 10}]}
//! }"#;
//! let result = engine.check_json("example", doc)?;
//! assert_eq!(result.verdict, Outcome::Block);
//! assert!(result.fired.iter().any(|f| &*f.rule_id == "CA-282.4-5"));
//! # Ok::<(), adrules::Error>(())
//! ```

pub mod codes;
pub mod date;
pub mod engine;
pub mod error;
pub mod media;
pub mod model;
pub mod rules;
pub mod validate;

pub use date::{Date, Instant};
pub use engine::{CheckResult, Engine, FiredRule, RetentionDates};
pub use error::{Error, FieldError};
pub use media::{check_creative, sniff};
pub use model::Submission;
pub use rules::{Condition, Outcome, Rule, RuleSet};
pub use validate::{validate, Limits};
