//! TLP 2.0 levels and the STIX marking-definition ids that carry them.

use std::fmt;
use std::str::FromStr;

/// A Traffic Light Protocol 2.0 level, ordered from least to most restrictive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Tlp {
    /// TLP:CLEAR, no restriction on disclosure.
    Clear,
    /// TLP:GREEN, the recipient's community.
    Green,
    /// TLP:AMBER, the recipient's organisation and its clients.
    Amber,
    /// TLP:AMBER+STRICT, the recipient's organisation only; never leaves this instance.
    AmberStrict,
    /// TLP:RED, named recipients only.
    Red,
}

/// TLP 2.0 marking-definition ids (OASIS `cti-stix-common-objects`).
pub const TLP2_CLEAR: &str = "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487";
/// TLP 2.0 GREEN marking-definition id.
pub const TLP2_GREEN: &str = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb";
/// TLP 2.0 AMBER marking-definition id.
pub const TLP2_AMBER: &str = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421";
/// TLP 2.0 AMBER+STRICT marking-definition id.
pub const TLP2_AMBER_STRICT: &str = "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003";
/// TLP 2.0 RED marking-definition id.
pub const TLP2_RED: &str = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1";
/// TLP 1.0 WHITE marking-definition id, read as CLEAR.
pub const TLP1_WHITE: &str = "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9";
/// TLP 1.0 GREEN marking-definition id.
pub const TLP1_GREEN: &str = "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da";
/// TLP 1.0 AMBER marking-definition id.
pub const TLP1_AMBER: &str = "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82";
/// TLP 1.0 RED marking-definition id.
pub const TLP1_RED: &str = "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed";

/// Every TLP 1.0 and 2.0 marking-definition id with the level it stands for.
pub const TLP_MARKINGS: [(&str, Tlp); 9] = [
    (TLP2_CLEAR, Tlp::Clear),
    (TLP2_GREEN, Tlp::Green),
    (TLP2_AMBER, Tlp::Amber),
    (TLP2_AMBER_STRICT, Tlp::AmberStrict),
    (TLP2_RED, Tlp::Red),
    (TLP1_WHITE, Tlp::Clear),
    (TLP1_GREEN, Tlp::Green),
    (TLP1_AMBER, Tlp::Amber),
    (TLP1_RED, Tlp::Red),
];

impl Tlp {
    /// Every level, least restrictive first.
    pub const ALL: [Tlp; 5] = [
        Tlp::Clear,
        Tlp::Green,
        Tlp::Amber,
        Tlp::AmberStrict,
        Tlp::Red,
    ];

    /// The level a marking-definition id stands for, TLP 1.0 ids mapped to TLP 2.0.
    ///
    /// UUIDs compare case-insensitively, as RFC 4122 says (`check_object` refuses upper-case
    /// ids, so this matters only for data stored before that rule).
    pub fn from_marking_id(id: &str) -> Option<Tlp> {
        TLP_MARKINGS
            .iter()
            .find(|(m, _)| m.eq_ignore_ascii_case(id))
            .map(|(_, level)| *level)
    }

    /// The TLP 2.0 marking-definition id of this level.
    pub fn marking_id(self) -> &'static str {
        match self {
            Tlp::Clear => TLP2_CLEAR,
            Tlp::Green => TLP2_GREEN,
            Tlp::Amber => TLP2_AMBER,
            Tlp::AmberStrict => TLP2_AMBER_STRICT,
            Tlp::Red => TLP2_RED,
        }
    }

    /// The canonical upper-case name, as in `TLP:AMBER+STRICT` without the prefix.
    pub fn as_str(self) -> &'static str {
        match self {
            Tlp::Clear => "CLEAR",
            Tlp::Green => "GREEN",
            Tlp::Amber => "AMBER",
            Tlp::AmberStrict => "AMBER+STRICT",
            Tlp::Red => "RED",
        }
    }

    /// Whether objects at this level may leave this instance (export, remote TAXII sync).
    pub fn exportable(self) -> bool {
        self <= Tlp::Amber
    }
}

impl fmt::Display for Tlp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TLP:{}", self.as_str())
    }
}

/// The error returned when a string names no TLP level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownTlp(pub String);

impl fmt::Display for UnknownTlp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown TLP level {:?}: expected one of CLEAR, GREEN, AMBER, AMBER+STRICT, RED",
            self.0
        )
    }
}

impl std::error::Error for UnknownTlp {}

impl FromStr for Tlp {
    type Err = UnknownTlp;

    /// Parses `CLEAR`, `tlp:amber+strict`, `amber-strict`, `WHITE` and the like.
    fn from_str(s: &str) -> Result<Tlp, UnknownTlp> {
        let t = s.trim();
        let t = t
            .strip_prefix("TLP:")
            .or_else(|| t.strip_prefix("tlp:"))
            .unwrap_or(t);
        match t.to_ascii_uppercase().replace(['-', '_'], "+").as_str() {
            "CLEAR" | "WHITE" => Ok(Tlp::Clear),
            "GREEN" => Ok(Tlp::Green),
            "AMBER" => Ok(Tlp::Amber),
            "AMBER+STRICT" | "AMBERSTRICT" => Ok(Tlp::AmberStrict),
            "RED" => Ok(Tlp::Red),
            _ => Err(UnknownTlp(s.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tlp1_ids_map_to_tlp2_levels() {
        assert_eq!(Tlp::from_marking_id(TLP1_WHITE), Some(Tlp::Clear));
        assert_eq!(Tlp::from_marking_id(TLP1_RED), Some(Tlp::Red));
        assert_eq!(Tlp::from_marking_id("marking-definition--x"), None);
        assert_eq!(
            Tlp::from_marking_id(&TLP2_RED.to_ascii_uppercase()),
            Some(Tlp::Red)
        );
    }

    #[test]
    fn names_round_trip() {
        for t in Tlp::ALL {
            assert_eq!(t.as_str().parse::<Tlp>(), Ok(t));
            assert_eq!(Tlp::from_marking_id(t.marking_id()), Some(t));
        }
        assert_eq!("tlp:amber-strict".parse::<Tlp>(), Ok(Tlp::AmberStrict));
        assert!("purple".parse::<Tlp>().is_err());
    }
}
