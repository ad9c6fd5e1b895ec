//! OpenAPI schemas (feature `openapi`) for the types whose JSON shape is written by hand rather
//! than derived: well ids, parameter and diagnosis names, and the value maps keyed by parameter.
//! The service's HTTP layer puts them in its OpenAPI document; everything else derives
//! `utoipa::ToSchema` beside its `Serialize`.

use serde_json::json;
use utoipa::openapi::schema::{AdditionalProperties, Object, ObjectBuilder, Schema, Type};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{PartialSchema, ToSchema};

use crate::diagnostics::DiagnosisKind;
use crate::domain::{Parameter, Quality, Values, WellId};
use crate::fleet::LatestValues;

/// A string that is one of `names`.
fn names_schema<'a>(description: &str, names: impl IntoIterator<Item = &'a str>) -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::String).description(Some(description)).enum_values(Some(names))
}

fn parameter_names() -> Schema {
    names_schema("a canonical parameter name", Parameter::ALL.iter().map(|p| p.as_str())).into()
}

impl PartialSchema for WellId {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some("a well id: 1-64 ASCII letters, digits, '-', '_' or '.'"))
            .min_length(Some(1))
            .max_length(Some(WellId::MAX_LEN))
            .pattern(Some("^[A-Za-z0-9._-]{1,64}$"))
            .examples([json!("W-001")])
            .into()
    }
}

impl ToSchema for WellId {}

impl PartialSchema for Parameter {
    fn schema() -> RefOr<Schema> {
        names_schema("a canonical ESP parameter", Parameter::ALL.iter().map(|p| p.as_str())).into()
    }
}

impl ToSchema for Parameter {}

impl PartialSchema for DiagnosisKind {
    fn schema() -> RefOr<Schema> {
        names_schema("a canonical diagnosis", DiagnosisKind::ALL.iter().map(|k| k.as_str())).into()
    }
}

impl ToSchema for DiagnosisKind {}

impl PartialSchema for Values {
    /// Only the parameters a poll produced are present, each in its fixed unit.
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .description(Some("values by canonical parameter name, in each parameter's unit; absent when not read"))
            .property_names(Some(parameter_names()))
            .additional_properties(Some(AdditionalProperties::RefOr(f64::schema())))
            .examples([json!({ "frequency": 55.5, "current_a": 40.0 })])
            .into()
    }
}

impl ToSchema for Values {}

impl PartialSchema for LatestValues {
    fn schema() -> RefOr<Schema> {
        let reading: Object = ObjectBuilder::new()
            .property("value", f64::schema())
            .property("unit", ObjectBuilder::new().schema_type(Type::String).examples([json!("Hz")]))
            .property("quality", Ref::from_schema_name(Quality::name()))
            .required("value")
            .required("unit")
            .required("quality")
            .build();
        ObjectBuilder::new()
            .description(Some("the latest value of every parameter read so far, with unit and quality"))
            .property_names(Some(parameter_names()))
            .additional_properties(Some(AdditionalProperties::RefOr(RefOr::T(Schema::Object(reading)))))
            .into()
    }
}

impl ToSchema for LatestValues {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((Quality::name().into_owned(), Quality::schema()));
        <Quality as ToSchema>::schemas(schemas);
    }
}
