//! What goes on the wire: one module per resource with its wire types (the full item, its
//! reference, the "reference or full item" enum) and a loader that gathers what a set of rows
//! needs, one query per relation, and hands it to pure builders. Views read through `db` and
//! know nothing of HTTP; a view imports only the views of the resources it embeds
//! (organizations <- people <- events <- articles), never the other way.

pub mod articles;
pub mod authors;
pub mod envelope;
pub mod events;
pub mod feeds;
pub mod keys;
pub mod media;
pub mod names;
pub mod organizations;
pub mod people;
pub mod related;
pub mod sections;
pub mod tags;
pub mod translations;

use chrono::{NaiveDate, NaiveDateTime};
use std::collections::BTreeMap;

use crate::domain::languages::Lang;
use crate::domain::time::PortalTz;
use crate::error::ApiError;

/// What turning rows into wire types needs: the time zone, "now" for visibility and for
/// which positions are current, and the language names are shown in.
#[derive(Debug, Clone, Copy)]
pub struct Ctx {
    pub tz: PortalTz,
    pub now: NaiveDateTime,
    pub lang: Lang,
}

impl Ctx {
    pub fn today(&self) -> NaiveDate {
        self.tz.local_date(self.now)
    }
}

/// `include=events.parent,people` as a tree: {"events": {"parent": {}}, "people": {}}.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct IncludeTree(pub BTreeMap<String, IncludeTree>);

impl IncludeTree {
    pub fn get(&self, relation: &str) -> Option<&IncludeTree> {
        self.0.get(relation)
    }

    pub fn insert_path(&mut self, path: &str) {
        let mut node = self;
        for part in path.split('.') {
            node = node.0.entry(part.to_owned()).or_default();
        }
    }
}

/// Serializes a wire type (for projection by `fields`, and for revisions).
pub fn to_value<T: serde::Serialize>(item: &T) -> Result<serde_json::Value, ApiError> {
    serde_json::to_value(item).map_err(|e| ApiError::Internal(format!("serialization: {e}")))
}

/// The one item a loader made of one row.
pub fn single<T>(mut items: Vec<T>, noun: &str) -> Result<T, ApiError> {
    items
        .pop()
        .ok_or_else(|| ApiError::Internal(format!("the {noun} vanished while loading")))
}
