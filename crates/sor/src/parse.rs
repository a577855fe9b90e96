//! Reading a statement from JSON as the Transparency Database reads it: strings trimmed, empty
//! strings absent, every unknown field, wrong type and unknown value named, then the rules.

use serde_json::{Map, Value};

use crate::{rules, FieldError, Invalid, Statement};

/// The field name of a problem with the request body as a whole (not JSON, not an object).
pub(crate) const BODY: &str = "body";

/// Parses one statement from JSON and checks it at `now` (seconds since the epoch).
///
/// Every problem is collected: an unknown field, a wrong type or an unknown enumeration value
/// names its field (`content_type.1` for the second element of `content_type`), and the rules of
/// [`Statement::check`] are applied to the fields that could be read. JSON that is not an object
/// is one error on the field `body`.
pub fn parse(json: &str, now: i64) -> Result<Statement, Invalid> {
    let value: Value = serde_json::from_str(json).map_err(|e| Invalid {
        errors: vec![FieldError::new(BODY, format!("not JSON: {e}"))],
    })?;
    parse_value(value, now).map_err(|errors| Invalid { errors })
}

/// Parses one statement from a JSON value; the errors' fields are the Database's names.
pub(crate) fn parse_value(value: Value, now: i64) -> Result<Statement, Vec<FieldError>> {
    let Value::Object(object) = normalize(value) else {
        return Err(vec![FieldError::new(BODY, "a statement is a JSON object")]);
    };
    let mut errors = Vec::new();
    nulls(&object, &mut errors);

    // Each field on its own, so that one bad field does not hide the others.
    let mut good = Map::new();
    for (key, value) in object {
        let mut single = Map::new();
        single.insert(key.clone(), value);
        let single = Value::Object(single);
        match serde_path_to_error::deserialize::<_, Statement>(single.clone()) {
            Ok(_) => {
                if let Value::Object(m) = single {
                    good.extend(m);
                }
            }
            Err(e) => errors.push(field_error(&key, &e)),
        }
    }
    let statement = match serde_path_to_error::deserialize::<_, Statement>(Value::Object(good)) {
        Ok(s) => s,
        Err(e) => {
            errors.push(field_error("", &e));
            return Err(errors);
        }
    };

    // The rules, on what could be read. A field already in error is not reported again, nor
    // is a rule that depends on a field that could not be read.
    let unread: Vec<String> = errors
        .iter()
        .map(|e| e.field.split('.').next().unwrap_or_default().to_owned())
        .collect();
    for rule_error in rules::check(&statement, now) {
        let top = rule_error.field.split('.').next().unwrap_or_default();
        let hidden = std::iter::once(top)
            .chain(depends_on(top).iter().copied())
            .any(|f| unread.iter().any(|u| u == f));
        if !hidden {
            errors.push(rule_error);
        }
    }
    if errors.is_empty() {
        Ok(statement)
    } else {
        Err(errors)
    }
}

/// The fields whose values decide whether a rule on `field` applies.
fn depends_on(field: &str) -> &'static [&'static str] {
    const DECISIONS: &[&str] = &[
        "decision_visibility",
        "decision_monetary",
        "decision_provision",
        "decision_account",
    ];
    match field {
        "decision_visibility" | "decision_monetary" | "decision_provision" | "decision_account" => {
            DECISIONS
        }
        "decision_visibility_other" => &["decision_visibility"],
        "decision_monetary_other" => &["decision_monetary"],
        "content_type_other" => &["content_type"],
        "source_identity" => &["source_type"],
        "illegal_content_legal_ground"
        | "illegal_content_explanation"
        | "incompatible_content_ground"
        | "incompatible_content_explanation"
        | "incompatible_content_illegal" => &["decision_ground"],
        _ => &[],
    }
}

/// The Database's request middleware: every string trimmed, and an empty string made `null`.
fn normalize(value: Value) -> Value {
    match value {
        Value::String(s) => {
            let t = rules::trim(&s);
            if t.is_empty() {
                Value::Null
            } else if t.len() == s.len() {
                Value::String(s)
            } else {
                Value::String(t.to_owned())
            }
        }
        Value::Array(items) => Value::Array(items.into_iter().map(normalize).collect()),
        Value::Object(map) => {
            Value::Object(map.into_iter().map(|(k, v)| (k, normalize(v))).collect())
        }
        other => other,
    }
}

/// The explicit `null`s the Database refuses although absence is fine.
fn nulls(object: &Map<String, Value>, errors: &mut Vec<FieldError>) {
    if object.get("category_addition") == Some(&Value::Null) {
        errors.push(FieldError::new(
            "category_addition",
            "The category addition field must be an array.",
        ));
    }
    let incompatible = object.get("decision_ground").and_then(Value::as_str)
        == Some("DECISION_GROUND_INCOMPATIBLE_CONTENT");
    if incompatible && object.get("incompatible_content_illegal") == Some(&Value::Null) {
        errors.push(FieldError::new(
            "incompatible_content_illegal",
            "The selected incompatible content illegal is invalid.",
        ));
    }
    if let Some(Value::Object(id)) = object.get("content_id") {
        if id.get("EAN-13") == Some(&Value::Null) {
            errors.push(FieldError::new(
                "content_id.EAN-13",
                "The content id EAN-13 field must be a string.",
            ));
        }
    }
}

/// A deserialisation error as a field error: the path in the Database's dotted form.
fn field_error(key: &str, e: &serde_path_to_error::Error<serde_json::Error>) -> FieldError {
    let mut parts = Vec::new();
    for segment in e.path().iter() {
        use serde_path_to_error::Segment;
        match segment {
            Segment::Seq { index } => parts.push(index.to_string()),
            Segment::Map { key } => parts.push(key.clone()),
            Segment::Enum { variant } => parts.push(variant.clone()),
            Segment::Unknown => {}
        }
    }
    let mut message = e.inner().to_string();
    if message.starts_with("unknown field") {
        message = "not a field of the Transparency Database's schema".to_owned();
    } else if let Some(rest) = message.strip_prefix("unknown variant ") {
        let value = rest.split(", expected").next().unwrap_or_default();
        message = format!("{value} is not one of the Database's values");
    }
    let field = if parts.is_empty() {
        key.to_owned()
    } else {
        parts.join(".")
    };
    FieldError::new(field, message)
}
