//! The field filter of `host.search`: a JSON object of conditions that must all hold.
//!
//! - `{"type": "dragon"}`: equals (strings case-insensitively); on an array field, contains;
//! - `{"challenge_rating": {"gte": 5, "lte": 10}}`: a range (`gt`, `gte`, `lt`, `lte`);
//! - `{"school": {"any": ["evocation", "necromancy"]}}`: one of.

use serde_json::Value;

/// A malformed filter.
#[derive(Debug, thiserror::Error)]
#[error("invalid search filter: {0}")]
pub struct FilterError(String);

/// Checks a filter's shape, so a mistake is reported instead of matching nothing.
pub fn validate(filter: &Value) -> Result<(), FilterError> {
    let Some(conditions) = filter.as_object() else {
        return Err(FilterError(format!("expected a JSON object of field conditions, got {filter}")));
    };
    for (field, condition) in conditions {
        if let Some(ops) = condition.as_object() {
            for (op, value) in ops {
                match op.as_str() {
                    "gt" | "gte" | "lt" | "lte" if value.is_number() => {}
                    "gt" | "gte" | "lt" | "lte" => {
                        return Err(FilterError(format!("{field}.{op} needs a number, got {value}")));
                    }
                    "any" if value.is_array() => {}
                    "any" => return Err(FilterError(format!("{field}.any needs a list, got {value}"))),
                    other => {
                        return Err(FilterError(format!(
                            "{field}: unknown operator {other:?}; use gt, gte, lt, lte or any"
                        )));
                    }
                }
            }
        }
    }
    Ok(())
}

/// Whether a record's fields satisfy every condition (a missing field satisfies none).
pub fn matches_filter(data: &Value, filter: &Value) -> bool {
    let Some(conditions) = filter.as_object() else { return true };
    conditions.iter().all(|(field, condition)| {
        let Some(value) = data.get(field) else { return false };
        match condition.as_object() {
            Some(ops) => ops.iter().all(|(op, bound)| match op.as_str() {
                "any" => bound.as_array().is_some_and(|options| options.iter().any(|o| equals(value, o))),
                _ => match (value.as_f64(), bound.as_f64()) {
                    (Some(v), Some(b)) => match op.as_str() {
                        "gt" => v > b,
                        "gte" => v >= b,
                        "lt" => v < b,
                        "lte" => v <= b,
                        _ => false,
                    },
                    _ => false,
                },
            }),
            None => equals(value, condition),
        }
    })
}

fn equals(value: &Value, wanted: &Value) -> bool {
    match (value, wanted) {
        (Value::Array(items), _) => items.iter().any(|item| equals(item, wanted)),
        (Value::String(a), Value::String(b)) => a.eq_ignore_ascii_case(b),
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        (a, b) => a == b,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn conditions_all_hold() {
        let goblin =
            json!({"type": "humanoid", "challenge_rating": 0.25, "environments": ["forest", "hills"]});
        assert!(matches_filter(&goblin, &json!({})));
        assert!(matches_filter(&goblin, &json!({"type": "Humanoid"})));
        assert!(matches_filter(&goblin, &json!({"environments": "forest"})));
        assert!(!matches_filter(&goblin, &json!({"environments": "desert"})));
        assert!(matches_filter(&goblin, &json!({"challenge_rating": {"gte": 0.125, "lte": 1}})));
        assert!(!matches_filter(&goblin, &json!({"challenge_rating": {"gt": 0.25}})));
        assert!(matches_filter(&goblin, &json!({"type": {"any": ["beast", "humanoid"]}})));
        assert!(!matches_filter(&goblin, &json!({"size": "small"})), "a missing field matches nothing");
    }

    #[test]
    fn malformed_filters_are_named() {
        assert!(validate(&json!({"cr": {"gte": "five"}})).unwrap_err().to_string().contains("cr.gte"));
        assert!(validate(&json!({"cr": {"between": [1, 2]}})).unwrap_err().to_string().contains("between"));
        assert!(validate(&json!([1])).is_err());
        assert!(validate(&json!({"type": "dragon", "cr": {"lt": 3}})).is_ok());
    }
}
