//! Inputs for the generated-request tests, derived from the OpenAPI document: for each path
//! parameter, query parameter and JSON body, the valid values the schema allows (enums, bounds,
//! examples) and the malformed, oversized and boundary ones a careless or hostile client sends.
//! Path and query values come percent-encoded, ready for a URI. `#[path]`-included beside
//! `openapi_walk.rs`.
#![allow(dead_code)]

use serde_json::{json, Map, Value};

use super::openapi_walk::{resolve, Param};

/// Ten kilobytes of one character: longer than any id or value the API takes.
pub fn long(c: char) -> String {
    std::iter::repeat_n(c, 10 * 1024).collect()
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
pub fn encode(raw: &str) -> String {
    raw.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Values for a path parameter: `known` ones that exist (so valid ids reach real handlers),
/// then unknown, empty-ish, boundary, very long, unicode, percent-encoded and malformed ones.
pub fn path_values(known: &[&str]) -> Vec<String> {
    let mut values: Vec<String> = known.iter().map(|v| encode(v)).collect();
    let raw = [
        "W-404",
        "x".repeat(64).as_str(),
        "x".repeat(65).as_str(),
        " ",
        "..",
        "0",
        "-1",
        "18446744073709551616",
        "é",
        "\u{1F6E2}",
        "W/001",
        "W-001:",
        ":",
        "@system:",
        "feeder@:power_event",
        "' OR 1=1 --",
        "<script>",
        "\0",
        long('A').as_str(),
        long('é').as_str(),
    ]
    .map(encode);
    values.extend(raw);
    // Already encoded: percent signs that decode to nothing or to bytes that are not UTF-8.
    values.extend(["%FF", "%C3", "%C0%AF", "%25", "%2F", "%2e%2e", "%"].map(String::from));
    values
}

/// Values for a query parameter from its schema, each encoded: what it allows first, then
/// what it must refuse.
pub fn query_values(doc: &Value, param: &Param) -> Vec<String> {
    let schema = resolve(doc, &param.schema);
    let schema = nullable_inner(doc, schema);
    let mut values = allowed(doc, schema, param);
    let mut hostile: Vec<String> = [
        "",
        " ",
        "null",
        "-1",
        "0",
        "1.5",
        "1e309",
        "99999999999999999999999",
        "true",
        "not a value",
        "é\u{1F6E2}",
        "' OR 1=1 --",
        long('9').as_str(),
    ]
    .map(encode)
    .into_iter()
    .collect();
    hostile.extend(["%", "%FF", "%zz", "a%00b"].map(String::from));
    values.append(&mut hostile);
    values
}

/// `Option<T>` is `oneOf: [null, T]` or `type: [T, "null"]`: the `T`.
fn nullable_inner<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    let choices = schema["oneOf"].as_array().into_iter().flatten();
    choices.map(|choice| resolve(doc, choice)).find(|choice| choice["type"] != "null").unwrap_or(schema)
}

fn kind(schema: &Value) -> &str {
    match &schema["type"] {
        Value::String(kind) => kind,
        Value::Array(kinds) => kinds.iter().filter_map(Value::as_str).find(|k| *k != "null").unwrap_or(""),
        _ => "",
    }
}

/// The values a parameter's schema allows, and its boundaries.
fn allowed(doc: &Value, schema: &Value, param: &Param) -> Vec<String> {
    let mut values: Vec<String> = enum_names(schema).map(|name| encode(&name)).collect();
    match kind(schema) {
        "integer" | "number" => {
            let min = schema["minimum"].as_i64().unwrap_or(0);
            let max = schema["maximum"].as_i64().unwrap_or(i64::MAX);
            for n in [min, min.saturating_add(1), max, max.saturating_sub(1), max.saturating_add(1), min - 1] {
                values.push(n.to_string());
            }
        }
        "boolean" => values.extend(["true", "false", "TRUE", "1"].map(String::from)),
        "string" if schema["format"] == "date-time" => {
            let now = chrono::Utc::now();
            for at in [now - chrono::TimeDelta::hours(2), now, now + chrono::TimeDelta::days(1)] {
                values.push(encode(&at.to_rfc3339()));
            }
            values.extend(
                ["2026-01-01T02:00:00+02:00", "0000-01-01T00:00:00Z", "9999-12-31T23:59:59Z"].map(String::from),
            );
            values.extend(["2026-02-30T00:00:00Z", "2026-01-01", "1767225600"].map(encode));
        }
        "array" => {
            let names: Vec<String> = enum_names(resolve(doc, &schema["items"])).collect();
            if let (Some(first), Some(last)) = (names.first(), names.last()) {
                values.push(encode(&format!("{first},{last}")));
                values.push(encode(&format!("{first},,{first}, ")));
                values.push(encode(&names.join(",")));
            }
            values.push(encode(","));
        }
        _ => {}
    }
    values.extend(schema["examples"].as_array().into_iter().flatten().filter_map(Value::as_str).map(encode));
    values.extend(schema["default"].as_str().map(encode));
    if param.name == "resolution" {
        values.extend(["raw", "1m", "1h", "auto", "5m"].map(String::from));
    }
    values
}

fn enum_names(schema: &Value) -> impl Iterator<Item = String> + '_ {
    schema["enum"].as_array().into_iter().flatten().filter_map(Value::as_str).map(str::to_owned)
}

/// A body the schema accepts, built from its examples, defaults and required fields.
pub fn valid_body(doc: &Value, schema: &Value) -> Value {
    let schema = nullable_inner(doc, resolve(doc, schema));
    if let Some(example) = schema["examples"].as_array().and_then(|e| e.first()) {
        return example.clone();
    }
    if let Some(first) = schema["enum"].as_array().and_then(|e| e.first()) {
        return first.clone();
    }
    match kind(schema) {
        "object" => {
            let mut object = Map::new();
            for (name, property) in schema["properties"].as_object().into_iter().flatten() {
                let required = schema["required"].as_array().is_some_and(|r| r.contains(&json!(name)));
                let example = resolve(doc, property)["examples"].is_array() || property["examples"].is_array();
                if required || example {
                    let value = match property["examples"].as_array().and_then(|e| e.first()) {
                        Some(example) => example.clone(),
                        None => valid_body(doc, property),
                    };
                    object.insert(name.clone(), value);
                }
            }
            Value::Object(object)
        }
        "string" if schema["format"] == "date-time" => json!(chrono::Utc::now().to_rfc3339()),
        "string" => json!("x"),
        "integer" | "number" => json!(schema["minimum"].as_i64().unwrap_or(1)),
        "boolean" => json!(false),
        "array" if schema["items"].is_object() => json!([valid_body(doc, &schema["items"])]),
        "array" => json!([]),
        _ => Value::Null,
    }
}

/// A value of another JSON type than `value`.
fn wrong_type(value: &Value) -> Vec<Value> {
    match value {
        Value::String(_) => vec![json!(12), json!(null), json!(["x"]), json!({})],
        Value::Number(_) => vec![json!("12"), json!(-1), json!(1e308), json!(u64::MAX), json!(null)],
        Value::Bool(_) => vec![json!("true"), json!(1)],
        Value::Array(_) => vec![json!({}), json!("x")],
        Value::Object(_) => vec![json!([]), json!("x"), json!(0)],
        Value::Null => vec![json!(0), json!("")],
    }
}

/// Bodies for an operation that takes `schema`, as raw bytes: the valid one, then each required
/// field missing, each field of a wrong type or out of bounds, unknown fields, wrong top-level
/// types, malformed JSON, deep nesting and a body past `body_limit`.
pub fn bodies(doc: &Value, schema: &Value, body_limit: usize) -> Vec<Vec<u8>> {
    let valid = valid_body(doc, schema);
    let mut bodies = vec![valid.clone()];
    if let Value::Object(fields) = &valid {
        for name in fields.keys() {
            let mut missing = fields.clone();
            missing.remove(name);
            bodies.push(Value::Object(missing));
            for wrong in wrong_type(&fields[name]).into_iter().chain([json!(long('x')), json!("é\u{1F6E2}"), json!("")])
            {
                let mut changed = fields.clone();
                changed.insert(name.clone(), wrong);
                bodies.push(Value::Object(changed));
            }
        }
        let mut unknown = fields.clone();
        unknown.insert("unknown_field".into(), json!(1));
        bodies.push(Value::Object(unknown));
    }
    bodies.extend([json!({}), json!([]), json!(null), json!(0), json!("x"), json!([valid])]);
    let mut raw: Vec<Vec<u8>> = bodies.iter().map(|b| b.to_string().into_bytes()).collect();
    let nested = format!("{{\"reason\":{}{}}}", "[".repeat(5_000), "]".repeat(5_000));
    let oversized = format!("{{\"reason\":\"{}\"}}", "x".repeat(body_limit + 1));
    for text in ["", "{", "{\"reason\":}", "nul", "{\"a\":1}{", "\u{feff}{}", nested.as_str(), oversized.as_str()] {
        raw.push(text.as_bytes().to_vec());
    }
    raw.push(vec![0xff, 0xfe, b'{', b'}']);
    raw
}
