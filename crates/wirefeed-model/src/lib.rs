//! The shared vocabulary of the wirefeed pipeline.
//!
//! Every stage crate depends on this one and on nothing else of ours, so the data types here are
//! the contract between stages. Read these first:
//! - [`RawItem`]: what the fetch stage hands to the normalizer — one entry of one feed or file,
//!   as published (HTML or text), not cleaned yet.
//! - [`Story`]: one clean story version, filled in by normalize (text, dateline, credits,
//!   identity) and enrich (subjects, places, organisations, people).
//! - [`Ninjs`]: the IPTC ninjs 2.2 record a [`Story`] is published as ([`Story::to_ninjs`]).
//! - [`Flow`] and [`DeadLetter`]: how a bad item travels to the dead-letter output instead of
//!   being dropped.
//!
//! This crate does no I/O.

pub mod chars;
mod dead_letter;
mod item;
mod ninjs;
mod published;
mod story;

pub use dead_letter::{DeadLetter, ErrorClass, Flow, Stage};
pub use item::{ItemFormat, RawItem, Text, TextKind};
pub use ninjs::{
    Ninjs, NinjsAltId, NinjsAssociation, NinjsBody, NinjsEntity, NinjsGenre, NinjsHeadline,
    NinjsInfoSource, NinjsSubject, DUPLICATE_OF_ASSOCIATION, INPUT_ALTID_ROLE, NINJS_CONTENT_TYPE,
    NINJS_SCHEMA_ID, NINJS_VERSION,
};
pub use published::{Published, FINGERPRINT_ALTID_ROLE};
pub use story::{
    Credit, CreditRole, Dateline, Entity, IptcConcept, Place, PlaceKind, PubStatus, Story, Subject,
};

/// The ninjs 2.2 JSON Schema, vendored (MIT, IPTC) so records can be validated offline.
pub const NINJS_2_2_SCHEMA: &str = include_str!("../schema/ninjs-schema_2.2.json");
/// The GeoJSON schema that ninjs 2.2 references as `https://geojson.org/schema/GeoJSON.json`.
pub const GEOJSON_SCHEMA: &str = include_str!("../schema/GeoJSON-schema.json");
/// The URI under which [`GEOJSON_SCHEMA`] must be registered for the ninjs `$ref` to resolve.
pub const GEOJSON_SCHEMA_URI: &str = "https://geojson.org/schema/GeoJSON.json";

/// The version of wirefeed that produced a record; goes into Kafka headers and `/metrics`.
pub const WIREFEED_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Builds a validator for ninjs 2.2 with the GeoJSON reference resolved offline.
#[cfg(feature = "validate")]
pub fn ninjs_validator() -> jsonschema::Validator {
    // Both schemas are compiled into the binary and checked by this crate's tests, so a
    // failure here is a build defect, not a runtime condition.
    let schema: serde_json::Value =
        serde_json::from_str(NINJS_2_2_SCHEMA).expect("vendored ninjs schema is JSON");
    let geo: serde_json::Value =
        serde_json::from_str(GEOJSON_SCHEMA).expect("vendored GeoJSON schema is JSON");
    jsonschema::options()
        .with_resource(
            GEOJSON_SCHEMA_URI,
            jsonschema::Resource::from_contents(geo).expect("GeoJSON schema is a resource"),
        )
        .build(&schema)
        .expect("vendored ninjs schema compiles")
}

/// Validates a record against ninjs 2.2, returning every violation as text.
#[cfg(feature = "validate")]
pub fn validate_ninjs(
    validator: &jsonschema::Validator,
    record: &serde_json::Value,
) -> Vec<String> {
    validator
        .iter_errors(record)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect()
}
