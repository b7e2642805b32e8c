//! The envelopes every response shares: `{data}` for one item, `{data, meta, links}` for a page.

use serde::Serialize;
use utoipa::ToSchema;

/// Totals and position of a page.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListMeta {
    /// The page number; absent when the page was asked for by `cursor`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = 1, minimum = 1)]
    pub page: Option<i64>,
    #[schema(example = 20, minimum = 1, maximum = 100)]
    pub per_page: i64,
    /// Items matching the filters, absent with `count=none`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = 57, minimum = 0)]
    pub total: Option<i64>,
    /// Pages at this `per_page`, absent with `count=none`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = 3, minimum = 0)]
    pub total_pages: Option<i64>,
    /// Pass as `cursor` for the next page (keyset pagination: deep pages cost as much as the
    /// first). Present when there is a next page and the list is sorted by one stable key.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(
        example = "eyJzIjoicHVibGlzaGVkX2F0IiwiZCI6dHJ1ZSwidiI6IjIwMjItMTAtMjFUMDE6MjQ6MDAiLCJpIjoxfQ"
    )]
    pub next_cursor: Option<String>,
}

/// Links to neighbouring pages, the same as in the `Link` header (RFC 8288).
#[derive(Debug, Serialize, ToSchema)]
pub struct ListLinks {
    #[serde(rename = "self")]
    #[schema(example = "/api/v1/articles?page=2")]
    pub self_: String,
    #[schema(example = "/api/v1/articles?page=1")]
    pub first: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "/api/v1/articles?page=1")]
    pub prev: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "/api/v1/articles?page=3")]
    pub next: Option<String>,
    /// Absent with `count=none`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "/api/v1/articles?page=3")]
    pub last: Option<String>,
}

/// A page of items: `data`, `meta` (totals) and `links` (neighbouring pages).
#[derive(Debug, Serialize, ToSchema)]
pub struct ListResponse<T> {
    pub data: Vec<T>,
    pub meta: ListMeta,
    pub links: ListLinks,
}

/// One item: `{"data": {...}}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ItemResponse<T> {
    pub data: T,
}
