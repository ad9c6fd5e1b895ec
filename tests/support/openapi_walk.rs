//! Reading the service's OpenAPI document for the generated-request tests: its operations with
//! their parameters, bodies and documented answers, and a checker of JSON values against the
//! document's schemas (the subset utoipa writes: `$ref`, `type`, `properties`, `required`,
//! `additionalProperties`, `propertyNames`, `items`, `enum`, `allOf`, `oneOf`, `anyOf`,
//! `minimum`, `maximum`). `#[path]`-included by the test files that use it.
#![allow(dead_code)]

use std::collections::BTreeSet;

use serde_json::{Map, Value};

/// One operation of the document.
#[derive(Clone, Debug)]
pub struct Operation {
    pub method: String,
    /// The template, `/api/v1/wells/{id}`.
    pub path: String,
    pub params: Vec<Param>,
    /// The JSON body's schema, resolved, when the operation takes one.
    pub body: Option<Value>,
    /// The statuses the document says it answers (`"200"`, `"404"`...).
    pub statuses: BTreeSet<String>,
    /// Whether the operation names no security requirement (a public route).
    pub public: bool,
}

#[derive(Clone, Debug)]
pub struct Param {
    pub name: String,
    /// `path` or `query`.
    pub location: String,
    /// The parameter's schema, resolved.
    pub schema: Value,
    pub style_form_list: bool,
}

/// The document, and what it says of each operation.
pub struct Spec {
    pub doc: Value,
    pub operations: Vec<Operation>,
}

impl Spec {
    pub fn new(doc: Value) -> Self {
        let mut operations = Vec::new();
        let paths = doc["paths"].as_object().cloned().unwrap_or_default();
        for (path, item) in &paths {
            for (method, operation) in item.as_object().into_iter().flatten() {
                operations.push(Self::operation(&doc, method, path, operation));
            }
        }
        Self { doc, operations }
    }

    fn operation(doc: &Value, method: &str, path: &str, operation: &Value) -> Operation {
        let params = operation["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|param| Param {
                name: param["name"].as_str().unwrap_or_default().to_owned(),
                location: param["in"].as_str().unwrap_or_default().to_owned(),
                schema: resolve(doc, &param["schema"]).clone(),
                style_form_list: param["explode"] == Value::Bool(false),
            })
            .collect();
        let body = operation["requestBody"]["content"]["application/json"]["schema"].clone();
        let body = (!body.is_null()).then(|| resolve(doc, &body).clone());
        let statuses = operation["responses"].as_object().map(|r| r.keys().cloned().collect()).unwrap_or_default();
        let public = operation["security"].as_array().is_some_and(|s| s.is_empty());
        Operation { method: method.to_uppercase(), path: path.to_owned(), params, body, statuses, public }
    }

    /// The schema of the answer `status` of `operation` in JSON, when the document names one.
    pub fn answer_schema(&self, operation: &Operation, status: u16) -> Option<&Value> {
        let responses = &self.doc["paths"][&operation.path][operation.method.to_lowercase()]["responses"];
        let response = resolve_response(&self.doc, &responses[status.to_string()]);
        let schema = &response["content"]["application/json"]["schema"];
        (!schema.is_null()).then_some(schema)
    }

    /// Checks `value` against `schema`; the error names where it does not fit.
    pub fn check(&self, schema: &Value, value: &Value) -> Result<(), String> {
        check(&self.doc, schema, value, "$")
    }
}

/// Follows a `$ref` to `#/components/schemas/...`.
pub fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str().and_then(|r| r.strip_prefix("#/components/schemas/")) {
        Some(name) => resolve(doc, &doc["components"]["schemas"][name]),
        None => schema,
    }
}

fn resolve_response<'a>(doc: &'a Value, response: &'a Value) -> &'a Value {
    match response["$ref"].as_str().and_then(|r| r.strip_prefix("#/components/responses/")) {
        Some(name) => &doc["components"]["responses"][name],
        None => response,
    }
}

fn check(doc: &Value, schema: &Value, value: &Value, at: &str) -> Result<(), String> {
    let schema = resolve(doc, schema);
    if let Some(parts) = schema["allOf"].as_array() {
        for part in parts {
            check_loose(doc, part, value, at)?;
        }
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(choices) = schema[key].as_array() {
            if !choices.iter().any(|choice| check(doc, choice, value, at).is_ok()) {
                return Err(format!("{at}: {value} fits none of {key}"));
            }
        }
    }
    check_type(schema, value, at)?;
    if let Some(values) = schema["enum"].as_array() {
        if !values.contains(value) {
            return Err(format!("{at}: {value} is not one of {values:?}"));
        }
    }
    check_bounds(schema, value, at)?;
    if let Some(items) = value.as_array() {
        for (i, item) in items.iter().enumerate().filter(|_| schema["items"].is_object()) {
            check(doc, &schema["items"], item, &format!("{at}[{i}]"))?;
        }
    }
    match value.as_object() {
        Some(object) => check_object(doc, schema, object, at, true),
        None => Ok(()),
    }
}

/// A part of an `allOf`: its properties must fit, but fields of the other parts are not extra.
fn check_loose(doc: &Value, schema: &Value, value: &Value, at: &str) -> Result<(), String> {
    let schema = resolve(doc, schema);
    match value.as_object() {
        Some(object) if schema["properties"].is_object() => check_object(doc, schema, object, at, false),
        _ => check(doc, schema, value, at),
    }
}

fn check_type(schema: &Value, value: &Value, at: &str) -> Result<(), String> {
    let types: Vec<&str> = match &schema["type"] {
        Value::String(one) => vec![one.as_str()],
        Value::Array(many) => many.iter().filter_map(Value::as_str).collect(),
        _ => return Ok(()),
    };
    let fits = |kind: &&str| match *kind {
        "string" => value.is_string(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        "null" => value.is_null(),
        _ => true,
    };
    match types.iter().any(fits) {
        true => Ok(()),
        false => Err(format!("{at}: {value} is not of type {types:?}")),
    }
}

fn check_bounds(schema: &Value, value: &Value, at: &str) -> Result<(), String> {
    let Some(number) = value.as_f64() else { return Ok(()) };
    let below = schema["minimum"].as_f64().is_some_and(|min| number < min);
    let above = schema["maximum"].as_f64().is_some_and(|max| number > max);
    match below || above {
        true => Err(format!("{at}: {number} is out of the schema's bounds")),
        false => Ok(()),
    }
}

fn check_object(doc: &Value, schema: &Value, object: &Map<String, Value>, at: &str, whole: bool) -> Result<(), String> {
    let properties = schema["properties"].as_object();
    for required in schema["required"].as_array().into_iter().flatten().filter_map(Value::as_str) {
        if !object.contains_key(required) {
            return Err(format!("{at}: the required field {required:?} is missing"));
        }
    }
    for (key, field) in object {
        let here = format!("{at}.{key}");
        if let Some(names) = schema["propertyNames"].as_object() {
            check(doc, &Value::Object(names.clone()), &Value::String(key.clone()), &here)?;
        }
        match (properties.and_then(|p| p.get(key)), &schema["additionalProperties"]) {
            (Some(property), _) => check(doc, property, field, &here)?,
            (None, Value::Bool(false)) if whole => return Err(format!("{here}: a field the schema does not allow")),
            (None, extra) if extra.is_object() => check(doc, extra, field, &here)?,
            (None, _) => {}
        }
    }
    Ok(())
}
