//! Every object of the DISARM framework bundle passes validation.

use serde_json::Value;

/// The DISARM framework bundle in the shared folder.
fn disarm() -> String {
    test_data::shared("data/disarm/DISARM.json")
}

#[test]
fn every_disarm_object_is_valid() {
    let text = std::fs::read_to_string(disarm()).expect("shared DISARM.json is readable");
    let bundle: Value = serde_json::from_str(&text).expect("DISARM.json is JSON");
    let objects = bundle["objects"].as_array().expect("bundle has objects");
    assert_eq!(objects.len(), 698);
    let mut failures = Vec::new();
    let mut custom = 0;
    for obj in objects {
        match stix::check_object(obj) {
            Ok(c) => {
                assert_eq!(Some(c.id.as_str()), obj["id"].as_str());
                assert_eq!(Some(c.stix_type.as_str()), obj["type"].as_str());
                if c.stix_type.starts_with("x-") {
                    custom += 1;
                    assert!(c.version.is_some(), "custom SDO {} has a version", c.id);
                }
            }
            Err(problems) => failures.extend(problems.iter().map(|p| p.to_string())),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(custom, 17);
}
