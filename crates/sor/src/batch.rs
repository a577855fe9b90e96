//! Batches: the body of the Transparency Database's multiple-statement endpoint, 1 to 100
//! statements with distinct `puid`s, each valid.

use std::collections::HashMap;

use serde::Serialize;
use serde_json::Value;

use crate::parse::{parse_value, BODY};
use crate::{rules, FieldError, Invalid, Statement, BATCH_MAX};

/// 1 to [`BATCH_MAX`] checked statements with distinct `puid`s, serialised exactly as the body
/// of the Database's multiple-statement request: `{"statements": [...]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Batch {
    statements: Vec<Statement>,
}

impl Batch {
    /// Checks the count, every statement and the `puid`s; errors name `statements` (the count)
    /// or `statements.<index>.<field>`. A `puid` already used earlier in the batch is an error
    /// on the later statement, as the Database refuses the whole call.
    pub fn new(statements: Vec<Statement>, now: i64) -> Result<Batch, Invalid> {
        let mut errors = Vec::new();
        count(statements.len(), &mut errors);
        for (i, s) in statements.iter().enumerate() {
            if let Err(invalid) = s.check(now) {
                prefix(i, invalid.errors, &mut errors);
            }
        }
        duplicates(&statements, &mut errors);
        if errors.is_empty() {
            Ok(Batch { statements })
        } else {
            Err(Invalid { errors })
        }
    }

    /// Parses a multiple-statement request body (`{"statements": [...]}`) as the Database reads
    /// it, every problem collected, and checks it at `now`.
    pub fn parse(json: &str, now: i64) -> Result<Batch, Invalid> {
        let value: Value = serde_json::from_str(json).map_err(|e| Invalid {
            errors: vec![FieldError::new(BODY, format!("not JSON: {e}"))],
        })?;
        let Value::Object(mut object) = value else {
            return Err(Invalid {
                errors: vec![FieldError::new(BODY, "a batch is a JSON object")],
            });
        };
        let mut errors = Vec::new();
        for key in object.keys().filter(|k| *k != "statements") {
            errors.push(FieldError::new(
                key.clone(),
                "not a field of the multiple-statement request",
            ));
        }
        let items = match object.remove("statements") {
            Some(Value::Array(items)) => items,
            Some(_) => {
                errors.push(FieldError::new(
                    "statements",
                    "The statements field must be an array.",
                ));
                return Err(Invalid { errors });
            }
            None => {
                errors.push(FieldError::new(
                    "statements",
                    "The statements field is required.",
                ));
                return Err(Invalid { errors });
            }
        };
        count(items.len(), &mut errors);
        let mut statements = Vec::with_capacity(items.len());
        for (i, item) in items.into_iter().enumerate() {
            match parse_value(item, now) {
                Ok(s) => statements.push(s),
                Err(e) => prefix(i, e, &mut errors),
            }
        }
        if errors.is_empty() {
            duplicates(&statements, &mut errors);
        }
        if errors.is_empty() {
            Ok(Batch { statements })
        } else {
            Err(Invalid { errors })
        }
    }

    /// The statements, in order.
    pub fn statements(&self) -> &[Statement] {
        &self.statements
    }

    /// The statements, in order, taken out of the batch.
    pub fn into_statements(self) -> Vec<Statement> {
        self.statements
    }
}

/// The Database's `between:1,100` on `statements`.
fn count(n: usize, errors: &mut Vec<FieldError>) {
    if n == 0 || n > BATCH_MAX {
        errors.push(FieldError::new(
            "statements",
            format!("The statements field must have between 1 and {BATCH_MAX} items, not {n}."),
        ));
    }
}

/// A statement's errors under `statements.<index>.`.
fn prefix(index: usize, statement_errors: Vec<FieldError>, errors: &mut Vec<FieldError>) {
    for e in statement_errors {
        errors.push(FieldError {
            field: format!("statements.{index}.{}", e.field),
            message: e.message,
        });
    }
}

/// A `puid` used earlier in the same batch (compared as the Database stores it, trimmed).
fn duplicates(statements: &[Statement], errors: &mut Vec<FieldError>) {
    let mut first: HashMap<&str, usize> = HashMap::new();
    for (i, s) in statements.iter().enumerate() {
        let puid = rules::trim(&s.puid);
        if puid.is_empty() {
            continue;
        }
        if let Some(j) = first.get(puid) {
            errors.push(FieldError::new(
                format!("statements.{i}.puid"),
                format!(
                    "The platform identifier is not unique within this call: statement {j} has it."
                ),
            ));
        } else {
            first.insert(puid, i);
        }
    }
}
