//! Which of an article's columns a read takes, and conditions written out (decision 0023).

use chrono::NaiveDateTime;
use std::collections::HashMap;

use crate::db::renditions::{Form, Rendition};
use crate::db::schema::articles;

/// `status = 'published'` written out, not bound: PostgreSQL's generic plans (decision 0023)
/// can then use the partial indexes that hold only published articles.
pub(super) const PUBLISHED: crate::db::fragments::Constant<diesel::sql_types::Bool> =
    crate::db::fragments::condition("\"articles\".\"status\" = 'published'");

/// Which of an article's columns a list reads.
#[derive(Debug)]
pub enum Columns<'a> {
    All,
    /// What keys a page and finds each item's stored summary (decision 0023): `title`, `lead`,
    /// `body`, `notes` and `search_key` come back empty. Such rows are paged and counted, never
    /// rendered: a missing representation is rendered from rows read again (`rows_by_ids`).
    Heads,
    /// The heads, and in `found` each article's stored representation in `form` that is still
    /// right at `now`, read in the same statement.
    HeadsAndStored {
        form: Form,
        now: NaiveDateTime,
        found: &'a mut HashMap<i64, Rendition>,
    },
}

type Empty = crate::db::fragments::Constant<diesel::sql_types::Text>;
type Nothing = crate::db::fragments::Constant<diesel::sql_types::Nullable<diesel::sql_types::Text>>;
const EMPTY: Empty = crate::db::fragments::constant("''");
const NOTHING: Nothing = crate::db::fragments::constant("NULL");

/// `ArticleRow` with `Columns::Heads`.
#[allow(clippy::type_complexity)]
pub(super) const HEADS: (
    articles::id,
    articles::slug,
    Empty,
    Nothing,
    Empty,
    articles::source_id,
    articles::byline,
    articles::language,
    articles::status,
    articles::published_at,
    Nothing,
    Empty,
    articles::sort_key,
    articles::version,
    articles::created_at,
    articles::updated_at,
    articles::deleted_at,
    articles::view_count,
    articles::section_id,
) = (
    articles::id,
    articles::slug,
    EMPTY,
    NOTHING,
    EMPTY,
    articles::source_id,
    articles::byline,
    articles::language,
    articles::status,
    articles::published_at,
    NOTHING,
    EMPTY,
    articles::sort_key,
    articles::version,
    articles::created_at,
    articles::updated_at,
    articles::deleted_at,
    articles::view_count,
    articles::section_id,
);
