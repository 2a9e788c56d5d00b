//! A small JSON Schema (2020-12) checker covering what schemars derives for tool results:
//! `type` (one or a list), `properties`, `required`, `additionalProperties: false`, `items`,
//! `$ref` into `$defs`, `anyOf`/`oneOf`, `enum`, `const`, `minimum`/`maximum`.

use serde_json::Value;

/// Every way `value` breaks `schema` (whose `$defs` live in `root`), with JSON paths.
pub fn violations(root: &Value, schema: &Value, value: &Value, path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let Some(schema) = schema.as_object() else {
        if schema == &Value::Bool(false) {
            out.push(format!("{path}: nothing is allowed here"));
        }
        return out;
    };
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let name = reference.trim_start_matches("#/$defs/");
        out.extend(violations(root, &root["$defs"][name], value, path));
    }
    if let Some(types) = schema.get("type") {
        let allowed: Vec<&str> = match types {
            Value::String(t) => vec![t.as_str()],
            Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        if !allowed.iter().any(|t| has_type(value, t)) {
            out.push(format!("{path}: {value} is not of type {allowed:?}"));
        }
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(options) = schema.get(key).and_then(Value::as_array) {
            let passing = options.iter().filter(|o| violations(root, o, value, path).is_empty()).count();
            if passing == 0 || (key == "oneOf" && passing > 1) {
                out.push(format!("{path}: {value} matches {passing} of the {key} options"));
            }
        }
    }
    if let Some(options) = schema.get("enum").and_then(Value::as_array)
        && !options.contains(value)
    {
        out.push(format!("{path}: {value} is not one of {options:?}"));
    }
    if let Some(constant) = schema.get("const")
        && constant != value
    {
        out.push(format!("{path}: {value} is not {constant}"));
    }
    if let Some(n) = value.as_f64() {
        if schema.get("minimum").and_then(Value::as_f64).is_some_and(|m| n < m) {
            out.push(format!("{path}: {n} is below the minimum"));
        }
        if schema.get("maximum").and_then(Value::as_f64).is_some_and(|m| n > m) {
            out.push(format!("{path}: {n} is above the maximum"));
        }
    }
    if let Some(object) = value.as_object() {
        let properties = schema.get("properties").and_then(Value::as_object);
        for required in schema.get("required").and_then(Value::as_array).into_iter().flatten() {
            if !object.contains_key(required.as_str().unwrap_or_default()) {
                out.push(format!("{path}: missing required {required}"));
            }
        }
        for (key, inner) in object {
            match properties.and_then(|p| p.get(key)) {
                Some(sub) => out.extend(violations(root, sub, inner, &format!("{path}.{key}"))),
                None if schema.get("additionalProperties") == Some(&Value::Bool(false)) => {
                    out.push(format!("{path}: unexpected property {key}"));
                }
                None => {}
            }
        }
    }
    if let (Some(items), Some(array)) = (schema.get("items"), value.as_array()) {
        for (i, item) in array.iter().enumerate() {
            out.extend(violations(root, items, item, &format!("{path}[{i}]")));
        }
    }
    out
}

fn has_type(value: &Value, t: &str) -> bool {
    match t {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "boolean" => value.is_boolean(),
        "null" => value.is_null(),
        "number" => value.is_number(),
        "integer" => value.is_i64() || value.is_u64(),
        _ => false,
    }
}
